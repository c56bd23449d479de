/* pull_where.c - a pull query's WHERE clause: checks and typing (ksqlDB's messages), key lookups, window bounds.
 *
 * The clause is put in disjunctive normal form (an OR of ANDs of "atoms":
 * anything that is not AND or OR).  In each disjunct, `KEY = constant`,
 * `constant = KEY` and `KEY IN (constants)` fix key columns, and
 * comparisons of WINDOWSTART with constants bound the windows read.  When
 * every disjunct fixes every key column the table is read key by key,
 * otherwise as a whole; either way the full WHERE filters the rows read.
 * With table scans disabled (strict), a query that would need a whole read
 * is refused with ksqlDB's messages.
 */
#include "engine/pull_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DNF_MAX 256 /* more disjuncts than this: read the whole table */
#define DAY_MS 86400000LL

/* ---- text timestamps ------------------------------------------------------------- */

static int digits(const char **p, const char *end, int n, int64_t *v) {
    int64_t x = 0;
    for (int i = 0; i < n; i++) {
        if (*p >= end || !isdigit((unsigned char)**p)) return -1;
        x = x * 10 + (*(*p)++ - '0');
    }
    *v = x;
    return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t civil_days(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int eddy_pull_parse_timestamp(const char *s, size_t len, int64_t *ms) {
    const char *p = s, *end = s + len;
    int64_t y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, frac = 0, off = 0;
    while (p < end && isspace((unsigned char)*p)) p++;
    while (end > p && isspace((unsigned char)end[-1])) end--;
    if (digits(&p, end, 4, &y)) return EDDY_INVAL;
    if (p < end && *p == '-' && p + 1 < end && isdigit((unsigned char)p[1])) {
        p++;
        if (digits(&p, end, 2, &mo)) return EDDY_INVAL;
        if (p < end && *p == '-' && p + 1 < end && isdigit((unsigned char)p[1])) {
            p++;
            if (digits(&p, end, 2, &d)) return EDDY_INVAL;
        }
    }
    if (p < end && (*p == 'T' || *p == ' ')) {
        p++;
        if (digits(&p, end, 2, &h)) return EDDY_INVAL;
        if (p < end && *p == ':') {
            p++;
            if (digits(&p, end, 2, &mi)) return EDDY_INVAL;
            if (p < end && *p == ':') {
                p++;
                if (digits(&p, end, 2, &sec)) return EDDY_INVAL;
                if (p < end && *p == '.') {
                    int n = 0;
                    p++;
                    while (p < end && isdigit((unsigned char)*p)) {
                        if (n < 3) frac = frac * 10 + (*p - '0');
                        n++, p++;
                    }
                    if (!n) return EDDY_INVAL;
                    for (; n < 3; n++) frac *= 10;
                }
            }
        }
    }
    if (p < end && *p == 'Z') {
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        bool neg = *p++ == '-';
        int64_t oh, om = 0;
        if (digits(&p, end, 2, &oh)) return EDDY_INVAL;
        if (p < end && *p == ':') p++;
        if (p < end && digits(&p, end, 2, &om)) return EDDY_INVAL;
        off = (oh * 60 + om) * 60000;
        if (neg) off = -off;
    }
    if (p != end || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 59) return EDDY_INVAL;
    if (h == 24 && (mi || sec || frac)) return EDDY_INVAL;
    *ms = civil_days(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + sec) * 1000 + frac - off;
    return 0;
}

/* ---- rewriting text timestamps next to window bounds -------------------------------- */

static bool is_cmp(eddy_binop op) { return op >= EDDY_OP_EQ && op <= EDDY_OP_GE; }
static bool is_bound(int ref) { return ref == PULL_COL_WSTART || ref == PULL_COL_WEND; }

/* e, or a BIGINT literal of its epoch milliseconds when e is a text timestamp. */
static eddy_expr *as_millis(eddy_pull *p, eddy_expr *e) {
    int64_t ms;
    if (e->kind != EDDY_EX_STRING || eddy_pull_parse_timestamp(e->v.s, strlen(e->v.s), &ms)) return e;
    eddy_expr *n = eddy_ast_expr(p->arena, EDDY_EX_INT, e->pos);
    if (!n) return NULL;
    n->v.lit_int.i = ms;
    n->v.lit_int.is_bigint = true;
    return n;
}

/* A copy of e where window bounds are compared with text timestamps (only
 * the nodes on the way are copied).  NULL when out of memory. */
static const eddy_expr *rewrite_bounds(eddy_pull *p, const eddy_expr *e) {
    eddy_expr *n;
    if (!p->windowed) return e;
    switch (e->kind) {
    case EDDY_EX_BINARY: {
        eddy_expr *l = e->v.binary.left, *r = e->v.binary.right;
        if (e->v.binary.op == EDDY_OP_AND || e->v.binary.op == EDDY_OP_OR) {
            l = (eddy_expr *)rewrite_bounds(p, l);
            r = (eddy_expr *)rewrite_bounds(p, r);
        } else if (is_cmp(e->v.binary.op)) {
            if (is_bound(eddy_pull_column_ref(p, l))) r = as_millis(p, r);
            else if (is_bound(eddy_pull_column_ref(p, r))) l = as_millis(p, l);
        }
        if (!l || !r) return NULL;
        if (l == e->v.binary.left && r == e->v.binary.right) return e;
        if (!(n = eddy_ast_expr(p->arena, EDDY_EX_BINARY, e->pos))) return NULL;
        n->v.binary.op = e->v.binary.op;
        n->v.binary.left = l;
        n->v.binary.right = r;
        return n;
    }
    case EDDY_EX_UNARY: {
        eddy_expr *a = e->v.unary.arg;
        if (e->v.unary.op == EDDY_OP_NOT && !(a = (eddy_expr *)rewrite_bounds(p, a))) return NULL;
        if (a == e->v.unary.arg) return e;
        if (!(n = eddy_ast_expr(p->arena, EDDY_EX_UNARY, e->pos))) return NULL;
        n->v.unary = e->v.unary;
        n->v.unary.arg = a;
        return n;
    }
    case EDDY_EX_BETWEEN: {
        if (!is_bound(eddy_pull_column_ref(p, e->v.between.arg))) return e;
        eddy_expr *lo = as_millis(p, e->v.between.lo), *hi = as_millis(p, e->v.between.hi);
        if (!lo || !hi) return NULL;
        if (lo == e->v.between.lo && hi == e->v.between.hi) return e;
        if (!(n = eddy_ast_expr(p->arena, EDDY_EX_BETWEEN, e->pos))) return NULL;
        n->v.between = e->v.between;
        n->v.between.lo = lo;
        n->v.between.hi = hi;
        return n;
    }
    default: return e;
    }
}

/* ---- typing, with ksqlDB's messages --------------------------------------------- */

static const char *op_word(const char *sym, size_t n) {
    static const char *const map[][2] = {{"=", "EQUAL"},        {"<>", "NOT_EQUAL"},
                                         {"<", "LESS_THAN"},    {"<=", "LESS_THAN_OR_EQUAL"},
                                         {">", "GREATER_THAN"}, {">=", "GREATER_THAN_OR_EQUAL"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i][0]) == n && memcmp(map[i][0], sym, n) == 0) return map[i][1];
    return NULL;
}

/* msg with its final "with <op>." spelled as ksqlDB's comparison type names it. */
static void name_operator(const char *msg, eddy_strbuf *out) {
    const char *w = NULL;
    for (const char *s = strstr(msg, " with "); s; s = strstr(s + 1, " with ")) w = s;
    size_t len = strlen(msg);
    const char *sym = w ? w + 6 : NULL;
    const char *word = sym && len && msg[len - 1] == '.' ? op_word(sym, (size_t)(msg + len - 1 - sym)) : NULL;
    if (!word) {
        eddy_strbuf_puts(out, msg);
        return;
    }
    eddy_strbuf_append(out, msg, (size_t)(sym - msg));
    eddy_strbuf_printf(out, "%s.", word);
}

/* err holds the typing error of atom: give it ksqlDB's wording. */
static int wrap_type_error(const eddy_expr *atom, eddy_err *err) {
    bool cmp = atom->kind == EDDY_EX_BINARY && is_cmp(atom->v.binary.op);
    bool between = atom->kind == EDDY_EX_BETWEEN;
    const char *m = err->msg;
    bool compare = strncmp(m, "Cannot compare ", 15) == 0, null = strncmp(m, "Comparison with NULL", 20) == 0;
    if (!((cmp && (compare || null)) || (between && compare))) return err->code;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    if (cmp) {
        eddy_strbuf_puts(&sb, "Error in WHERE expression: ");
        name_operator(m, &sb);
        eddy_strbuf_puts(&sb, "\nStatement: ");
        eddy_expr_format(atom, &sb);
    } else {
        eddy_strbuf_puts(&sb, "Invalid expression: ");
        name_operator(m, &sb);
    }
    int rc = sb.failed ? EDDY_NOMEM : err->code;
    eddy_err_set_at(err, rc, err->line, err->col, "%s", sb.failed ? "out of memory" : eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return rc;
}

static int type_of(const eddy_expr_scope *scope, const eddy_expr *e, eddy_type **t, eddy_err *err) {
    *t = NULL;
    return eddy_expr_typeof(scope, e, "WHERE", t, err);
}

/* Whether a constant of type vt can be a value of key type kt. */
static bool convertible(const eddy_type *vt, const eddy_type *kt) {
    if (eddy_type_is_numeric(vt) && eddy_type_is_numeric(kt)) return true;
    return vt->ty_kind == kt->ty_kind;
}

/* IN on a key column: every constant must be a key value. */
static int check_key_in(eddy_pull *p, const eddy_expr *a, int k, const eddy_expr_scope *scope, eddy_err *err) {
    const eddy_column *kc = &p->table->cols[k];
    for (int i = 0; i < a->v.in.list.n; i++) {
        const eddy_expr *item = a->v.in.list.items[i];
        eddy_type *t = NULL;
        if (eddy_pull_has_columns(item)) continue;
        int rc = item->kind == EDDY_EX_NULL ? 0 : type_of(scope, item, &t, err);
        if (rc) return rc;
        eddy_strbuf sb = EDDY_STRBUF_INIT, kt = EDDY_STRBUF_INIT;
        eddy_expr_format(item, &sb);
        eddy_type_format(kc->type, &kt);
        if (!t)
            rc = eddy_err_set(err, EDDY_ANALYSIS, "Primary key columns can not be NULL: (%s = %s)", kc->name,
                              eddy_strbuf_cstr(&sb));
        else if (!convertible(t, kc->type))
            rc = eddy_err_set(err, EDDY_ANALYSIS, "%s can not be converted to the type of the key column: %s %s KEY",
                              eddy_strbuf_cstr(&sb), kc->name, eddy_strbuf_cstr(&kt));
        eddy_strbuf_fini(&sb);
        eddy_strbuf_fini(&kt);
        eddy_type_unref(t);
        if (rc) return rc;
    }
    return 0;
}

/* Types the atoms of where one by one (so that a message names the
 * comparison that failed), with the checks ksqlDB makes first. */
static int check_atoms(eddy_pull *p, const eddy_expr *e, const eddy_expr_scope *scope, eddy_err *err) {
    eddy_type *t = NULL;
    int rc;
    if (e->kind == EDDY_EX_BINARY && (e->v.binary.op == EDDY_OP_AND || e->v.binary.op == EDDY_OP_OR)) {
        if ((rc = check_atoms(p, e->v.binary.left, scope, err))) return rc;
        return check_atoms(p, e->v.binary.right, scope, err);
    }
    if (e->kind == EDDY_EX_UNARY && e->v.unary.op == EDDY_OP_NOT) return check_atoms(p, e->v.unary.arg, scope, err);
    if (e->kind == EDDY_EX_LIKE) {
        if ((rc = type_of(scope, e->v.like.arg, &t, err))) return rc;
        if (t && t->ty_kind != EDDY_TYPE_STRING) {
            eddy_strbuf sb = EDDY_STRBUF_INIT;
            eddy_type_format(t, &sb);
            rc = eddy_err_set(err, EDDY_ANALYSIS,
                              "The column type for Like condition must be VARCHAR. The column type is %s",
                              eddy_strbuf_cstr(&sb));
            eddy_strbuf_fini(&sb);
        }
        eddy_type_unref(t);
        if (rc) return rc;
    }
    if (e->kind == EDDY_EX_IN) {
        int k = eddy_pull_column_ref(p, e->v.in.arg);
        if (k >= 0 && (rc = check_key_in(p, e, k, scope, err))) return rc;
    }
    if ((rc = type_of(scope, e, &t, err))) return wrap_type_error(e, err);
    eddy_type_unref(t);
    return 0;
}

/* ---- disjunctive normal form ---------------------------------------------------- */

typedef struct conj {
    int n;
    const eddy_expr **atoms;
} conj;

typedef struct dnf {
    int n;
    conj *d;
} dnf;

/* 0, EDDY_NOMEM, or 1: more than DNF_MAX disjuncts. */
static int to_dnf(eddy_arena *a, const eddy_expr *e, dnf *out) {
    bool and = e->kind == EDDY_EX_BINARY && e->v.binary.op == EDDY_OP_AND;
    bool or = e->kind == EDDY_EX_BINARY && e->v.binary.op == EDDY_OP_OR;
    if (!and && !or) {
        out->n = 1;
        out->d = eddy_arena_alloc(a, sizeof *out->d);
        if (!out->d || !(out->d[0].atoms = eddy_arena_alloc(a, sizeof(const eddy_expr *)))) return EDDY_NOMEM;
        out->d[0].n = 1;
        out->d[0].atoms[0] = e;
        return 0;
    }
    dnf l, r;
    int rc = to_dnf(a, e->v.binary.left, &l);
    if (!rc) rc = to_dnf(a, e->v.binary.right, &r);
    if (rc) return rc;
    if (or) {
        if (l.n + r.n > DNF_MAX) return 1;
        if (!(out->d = eddy_arena_alloc(a, (size_t)(l.n + r.n) * sizeof *out->d))) return EDDY_NOMEM;
        memcpy(out->d, l.d, (size_t)l.n * sizeof *l.d);
        memcpy(out->d + l.n, r.d, (size_t)r.n * sizeof *r.d);
        out->n = l.n + r.n;
        return 0;
    }
    if ((int64_t)l.n * r.n > DNF_MAX) return 1;
    if (!(out->d = eddy_arena_alloc(a, (size_t)(l.n * r.n) * sizeof *out->d))) return EDDY_NOMEM;
    out->n = 0;
    for (int i = 0; i < l.n; i++)
        for (int j = 0; j < r.n; j++) {
            conj *c = &out->d[out->n++];
            c->n = l.d[i].n + r.d[j].n;
            if (!(c->atoms = eddy_arena_alloc(a, (size_t)c->n * sizeof *c->atoms))) return EDDY_NOMEM;
            memcpy(c->atoms, l.d[i].atoms, (size_t)l.d[i].n * sizeof *c->atoms);
            memcpy(c->atoms + l.d[i].n, r.d[j].atoms, (size_t)r.d[j].n * sizeof *c->atoms);
        }
    return 0;
}

/* ---- key constraints of one disjunct --------------------------------------------- */

enum { K_NONE, K_VALUES, K_RANGE, K_FALLBACK };

typedef struct kcon {
    int state;
    int n;                 /* K_VALUES: the values (n may be 0: no key can match) */
    eddy_value *vals;
} kcon;

typedef struct disj {
    kcon *keys;            /* one per key column */
    int64_t wlo, whi;      /* WINDOWSTART bounds */
} disj;

typedef struct wctx {
    eddy_pull *p;
    bool strict;
    eddy_err *err;
} wctx;

/* The help ksqlDB adds to the messages of a WHERE clause it cannot look up. */
static int where_error(const wctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int where_error(const wctx *c, const char *fmt, ...) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    eddy_strbuf_vprintf(&sb, fmt, ap);
    va_end(ap);
    bool dot = sb.len && sb.buf[sb.len - 1] == '.';
    eddy_strbuf_puts(&sb, dot ? " " : ". ");
    eddy_strbuf_puts(&sb, "See https://cnfl.io/queries for more info.\n"
                          "Pull queries require a WHERE clause that:\n"
                          " - includes a key equality expression, e.g. `SELECT * FROM X WHERE <key-column>=Y;`.\n"
                          " - in the case of a multi-column key, is a conjunction of equality expressions that cover "
                          "all key columns.");
    if (c->p->windowed)
        eddy_strbuf_puts(&sb, "\n - (optionally) limits the time bounds of the windowed table.\n"
                              "\t Bounds on [`WINDOWSTART`, `WINDOWEND`] are supported\n"
                              "\t Supported operators are [EQUAL, GREATER_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN, "
                              "LESS_THAN_OR_EQUAL]");
    eddy_strbuf_puts(&sb, "\nIf more flexible queries are needed, table scans can be enabled by setting "
                          "ksql.query.pull.table.scan.enabled=true.");
    int rc = eddy_err_set(c->err, sb.failed ? EDDY_NOMEM : EDDY_ANALYSIS, "%s",
                          sb.failed ? "out of memory" : eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return rc;
}

static int key_bound_error(const wctx *c) {
    eddy_strbuf keys = EDDY_STRBUF_INIT;
    eddy_strbuf_putc(&keys, '[');
    for (int i = 0; i < c->p->nkeys; i++) {
        if (i) eddy_strbuf_puts(&keys, ", ");
        eddy_strbuf_printf(&keys, "`%s` ", c->p->table->cols[i].name);
        eddy_type_format(c->p->table->cols[i].type, &keys);
        eddy_strbuf_puts(&keys, " KEY");
    }
    eddy_strbuf_putc(&keys, ']');
    int rc = where_error(c, "Bound on key columns '%s' must currently be '='", eddy_strbuf_cstr(&keys));
    eddy_strbuf_fini(&keys);
    return rc;
}

static int combine_error(const wctx *c) {
    return where_error(c, "A comparison condition on the key column cannot be combined with other comparisons such "
                          "as an IN predicate");
}

static int direct_error(const wctx *c) { return where_error(c, "A comparison must directly reference a key column."); }

static int resolvable_error(const wctx *c) {
    return where_error(c, "A comparison must be between a key column and a resolvable expression.");
}

enum { CO_OK, CO_NOMATCH, CO_FALLBACK };

static bool pow10_i128(int scale, eddy_int128 *out) {
    eddy_int128 x = 1;
    if (scale < 0 || scale > 38) return false;
    for (int i = 0; i < scale; i++) x *= 10;
    *out = x;
    return true;
}

/* A constant v as a value of key type kt (numbers are converted when exact). */
static int coerce_key(eddy_arena *a, const eddy_value *v, const eddy_type *kt, eddy_value *out) {
    eddy_vkind k = eddy_vkind_of(kt);
    eddy_int128 div;
    if (v->v_kind == EDDY_V_NULL) return CO_NOMATCH;
    if (k == EDDY_V_INT || k == EDDY_V_BIGINT) {
        int64_t x;
        if (v->v_kind == EDDY_V_INT || v->v_kind == EDDY_V_BIGINT) {
            x = v->u.i;
        } else if (v->v_kind == EDDY_V_DOUBLE) {
            if (!(v->u.d == floor(v->u.d)) || fabs(v->u.d) >= 9.2e18) return CO_NOMATCH;
            x = (int64_t)v->u.d;
        } else if (v->v_kind == EDDY_V_DECIMAL && pow10_i128(v->v_scale, &div)) {
            if (*v->u.dec % div) return CO_NOMATCH;
            eddy_int128 q = *v->u.dec / div;
            if (q > INT64_MAX || q < INT64_MIN) return CO_NOMATCH;
            x = (int64_t)q;
        } else {
            return CO_FALLBACK;
        }
        if (k == EDDY_V_INT && (x > INT32_MAX || x < INT32_MIN)) return CO_NOMATCH;
        *out = eddy_value_i64(k, x);
        return CO_OK;
    }
    if (k == EDDY_V_DOUBLE) {
        if (v->v_kind == EDDY_V_INT || v->v_kind == EDDY_V_BIGINT) *out = eddy_value_double((double)v->u.i);
        else if (v->v_kind == EDDY_V_DOUBLE) *out = *v;
        else if (v->v_kind == EDDY_V_DECIMAL && pow10_i128(v->v_scale, &div))
            *out = eddy_value_double((double)*v->u.dec / (double)div);
        else return CO_FALLBACK;
        return CO_OK;
    }
    if (k == EDDY_V_DECIMAL || (eddy_vkind)v->v_kind != k) return CO_FALLBACK;
    *out = eddy_value_copy(a, v);
    return out->v_kind == v->v_kind ? CO_OK : CO_FALLBACK;
}

/* Evaluates the constant e: 0, or non-zero when it cannot be evaluated. */
static int constant(eddy_pull *p, const eddy_expr *e, eddy_value *v) {
    eddy_err ignored;
    eddy_type *t = NULL;
    eddy_err_clear(&ignored);
    int rc = eddy_expr_eval_const(e, p->arena, v, &t, &ignored);
    eddy_type_unref(t);
    return rc;
}

/* Key k takes the values of the constants list[0..n). */
static int set_key(const wctx *c, kcon *kc, int k, const eddy_expr *const *list, int n) {
    eddy_pull *p = c->p;
    kc->state = K_VALUES;
    kc->n = 0;
    if (!(kc->vals = eddy_arena_alloc(p->arena, (size_t)(n ? n : 1) * sizeof *kc->vals)))
        return eddy_err_set(c->err, EDDY_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        eddy_value v;
        int co = constant(p, list[i], &v) ? CO_FALLBACK
                                           : coerce_key(p->arena, &v, p->table->cols[k].type, &kc->vals[kc->n]);
        if (co == CO_FALLBACK) {
            kc->state = K_FALLBACK;
            return 0;
        }
        if (co == CO_OK) {
            bool dup = false;
            for (int j = 0; j < kc->n && !dup; j++) dup = eddy_value_equal(&kc->vals[j], &kc->vals[kc->n]);
            if (!dup) kc->n++;
        }
    }
    return 0;
}

/* A WINDOWSTART bound: start <op> the constant e. */
static void bound_start(const wctx *c, disj *d, eddy_binop op, const eddy_expr *e) {
    eddy_value v;
    int64_t x;
    if (constant(c->p, e, &v)) return;
    if (v.v_kind == EDDY_V_INT || v.v_kind == EDDY_V_BIGINT) x = v.u.i;
    else if (v.v_kind == EDDY_V_DOUBLE && v.u.d == floor(v.u.d) && fabs(v.u.d) < 9.2e18) x = (int64_t)v.u.d;
    else return;
    /* strict bounds as inclusive ones (nothing is above INT64_MAX or below INT64_MIN) */
    if (op == EDDY_OP_GT || op == EDDY_OP_LT) {
        if (x == (op == EDDY_OP_GT ? INT64_MAX : INT64_MIN)) {
            d->wlo = INT64_MAX;
            d->whi = INT64_MIN;
            return;
        }
        x += op == EDDY_OP_GT ? 1 : -1;
        op = op == EDDY_OP_GT ? EDDY_OP_GE : EDDY_OP_LE;
    }
    if ((op == EDDY_OP_EQ || op == EDDY_OP_GE) && x > d->wlo) d->wlo = x;
    if ((op == EDDY_OP_EQ || op == EDDY_OP_LE) && x < d->whi) d->whi = x;
}

static eddy_binop flip(eddy_binop op) {
    switch (op) {
    case EDDY_OP_LT: return EDDY_OP_GT;
    case EDDY_OP_LE: return EDDY_OP_GE;
    case EDDY_OP_GT: return EDDY_OP_LT;
    case EDDY_OP_GE: return EDDY_OP_LE;
    default: return op;
    }
}

typedef struct key_ref_find {
    const eddy_pull *p;
} key_ref_find;

static bool is_key_ref(const eddy_expr *e, void *ud) { return eddy_pull_column_ref(((key_ref_find *)ud)->p, e) >= 0; }

static bool refs_key(const eddy_pull *p, const eddy_expr *e) {
    key_ref_find f = {p};
    return eddy_pull_any(e, is_key_ref, &f);
}

/* A comparison atom. */
static int comparison(const wctx *c, disj *d, const eddy_expr *a) {
    eddy_pull *p = c->p;
    const eddy_expr *l = a->v.binary.left, *r = a->v.binary.right;
    int lref = eddy_pull_column_ref(p, l), rref = eddy_pull_column_ref(p, r);
    eddy_binop op = a->v.binary.op;
    if (lref == PULL_COL_NONE && rref == PULL_COL_NONE) {
        if (c->strict && eddy_pull_has_columns(a)) return direct_error(c);
        return 0;
    }
    /* the column side on the left */
    int ref = lref;
    const eddy_expr *other = r;
    if (lref == PULL_COL_NONE || (lref == PULL_COL_OTHER && rref != PULL_COL_NONE && rref != PULL_COL_OTHER)) {
        ref = rref;
        other = l;
        op = flip(op);
    }
    bool constant_other = !eddy_pull_has_columns(other);
    if (ref == PULL_COL_OTHER) return 0; /* a filter on a value column */
    if (is_bound(ref)) {
        if (constant_other && ref == PULL_COL_WSTART) bound_start(c, d, op, other);
        return 0;
    }
    kcon *kc = &d->keys[ref];
    if (!constant_other) return c->strict ? resolvable_error(c) : 0;
    if (op == EDDY_OP_NE) return c->strict ? key_bound_error(c) : 0;
    if (kc->state != K_NONE) return c->strict ? combine_error(c) : 0;
    if (op != EDDY_OP_EQ) {
        kc->state = K_RANGE;
        return 0;
    }
    return set_key(c, kc, ref, &other, 1);
}

static int atom(const wctx *c, disj *d, const eddy_expr *a) {
    eddy_pull *p = c->p;
    if (a->kind == EDDY_EX_BINARY && is_cmp(a->v.binary.op)) return comparison(c, d, a);
    if (a->kind == EDDY_EX_IN) {
        int ref = eddy_pull_column_ref(p, a->v.in.arg);
        if (ref < 0) return c->strict && ref == PULL_COL_NONE && refs_key(p, a) ? direct_error(c) : 0;
        for (int i = 0; i < a->v.in.list.n; i++)
            if (eddy_pull_has_columns(a->v.in.list.items[i])) return c->strict ? resolvable_error(c) : 0;
        if (a->v.in.negated) return c->strict ? key_bound_error(c) : 0;
        if (d->keys[ref].state != K_NONE) return c->strict ? combine_error(c) : 0;
        return set_key(c, &d->keys[ref], ref, (const eddy_expr *const *)a->v.in.list.items, a->v.in.list.n);
    }
    if (a->kind == EDDY_EX_LIKE) {
        if (c->strict && eddy_pull_column_ref(p, a->v.like.arg) != PULL_COL_OTHER)
            return where_error(c, "Like condition must be between strings");
        return 0;
    }
    if (a->kind == EDDY_EX_BETWEEN) {
        int ref = eddy_pull_column_ref(p, a->v.between.arg);
        if (ref >= 0) {
            if (d->keys[ref].state != K_NONE) return c->strict ? combine_error(c) : 0;
            d->keys[ref].state = K_RANGE;
        }
        return 0;
    }
    if (c->strict && refs_key(p, a)) return direct_error(c);
    return 0;
}

/* The disjunct as ksqlDB prints it in messages. */
static void format_conj(const conj *cj, eddy_strbuf *out) {
    for (int i = 0; i < cj->n - 1; i++) eddy_strbuf_putc(out, '(');
    for (int i = 0; i < cj->n; i++) {
        if (i) eddy_strbuf_puts(out, " AND ");
        eddy_expr_format(cj->atoms[i], out);
        if (i && i < cj->n - 1) eddy_strbuf_putc(out, ')');
    }
    if (cj->n > 1) eddy_strbuf_putc(out, ')');
}

/* ---- the reads ------------------------------------------------------------------- */

typedef struct lookups {
    int n, cap;
    eddy_value *keys;       /* n * nkeys (arena) */
    int64_t *wlo, *whi;     /* heap */
} lookups;

static int add_lookup(eddy_pull *p, lookups *ls, const eddy_value *key, int64_t wlo, int64_t whi) {
    for (int i = 0; i < ls->n; i++) {
        bool same = true;
        for (int k = 0; k < p->nkeys && same; k++) same = eddy_value_equal(&ls->keys[i * p->nkeys + k], &key[k]);
        if (!same) continue;
        if (wlo < ls->wlo[i]) ls->wlo[i] = wlo;
        if (whi > ls->whi[i]) ls->whi[i] = whi;
        return 0;
    }
    if (ls->n == ls->cap) {
        int cap = ls->cap ? ls->cap * 2 : 8;
        eddy_value *keys = eddy_arena_alloc(p->arena, (size_t)cap * (size_t)p->nkeys * sizeof *keys);
        int64_t *lo = realloc(ls->wlo, (size_t)cap * sizeof *lo);
        if (lo) ls->wlo = lo;
        int64_t *hi = lo ? realloc(ls->whi, (size_t)cap * sizeof *hi) : NULL;
        if (hi) ls->whi = hi;
        if (!keys || !lo || !hi) return EDDY_NOMEM;
        if (ls->n) memcpy(keys, ls->keys, (size_t)ls->n * (size_t)p->nkeys * sizeof *keys);
        ls->keys = keys;
        ls->cap = cap;
    }
    memcpy(&ls->keys[ls->n * p->nkeys], key, (size_t)p->nkeys * sizeof *key);
    ls->wlo[ls->n] = wlo;
    ls->whi[ls->n] = whi;
    ls->n++;
    return 0;
}

/* Every combination of the keys' values of d. */
static int add_combinations(eddy_pull *p, lookups *ls, const disj *d) {
    eddy_value key[64];
    int idx[64] = {0};
    if (p->nkeys > 64) return 0;
    for (int k = 0; k < p->nkeys; k++)
        if (d->keys[k].n == 0) return 0;
    for (;;) {
        for (int k = 0; k < p->nkeys; k++) key[k] = d->keys[k].vals[idx[k]];
        if (add_lookup(p, ls, key, d->wlo < 0 ? 0 : d->wlo, d->whi)) return EDDY_NOMEM;
        int k = p->nkeys - 1;
        while (k >= 0 && ++idx[k] == d->keys[k].n) idx[k--] = 0;
        if (k < 0) return 0;
    }
}

static int analyze(eddy_pull *p, const eddy_expr *where, bool strict, eddy_err *err) {
    wctx c = {.p = p, .strict = strict, .err = err};
    lookups ls = {0};
    dnf f;
    int rc = to_dnf(p->arena, where, &f);
    bool scan = false;
    int64_t slo = INT64_MAX, shi = INT64_MIN;
    if (rc == EDDY_NOMEM) return eddy_err_set(err, rc, "out of memory");
    if (rc == 1) {
        if (strict) return where_error(&c, "The WHERE clause is too complex to look up keys");
        return 0; /* whole read, no bounds */
    }
    for (int i = 0; i < f.n; i++) {
        const conj *cj = &f.d[i];
        disj d = {.wlo = INT64_MIN, .whi = INT64_MAX};
        if (!(d.keys = eddy_arena_alloc(p->arena, (size_t)(p->nkeys ? p->nkeys : 1) * sizeof *d.keys))) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            goto done;
        }
        for (int a = 0; a < cj->n; a++)
            if ((rc = atom(&c, &d, cj->atoms[a]))) goto done;
        int fixed = 0, any = 0;
        bool exact = true;
        for (int k = 0; k < p->nkeys; k++) {
            fixed += d.keys[k].state == K_VALUES;
            any += d.keys[k].state != K_NONE;
            exact &= d.keys[k].state == K_VALUES;
        }
        if (strict && !any) {
            eddy_strbuf sb = EDDY_STRBUF_INIT;
            format_conj(cj, &sb);
            rc = where_error(&c, "WHERE clause missing key column for disjunct: %s", eddy_strbuf_cstr(&sb));
            eddy_strbuf_fini(&sb);
            goto done;
        }
        if (strict && fixed < p->nkeys && p->nkeys > 1 && fixed + any > 0) {
            bool ranged = false;
            for (int k = 0; k < p->nkeys; k++) ranged |= d.keys[k].state == K_RANGE;
            if (!ranged) {
                rc = where_error(&c, "Multi-column sources must specify every key in the WHERE clause");
                goto done;
            }
        }
        if (d.wlo > d.whi) continue; /* no window can match */
        if (d.wlo < slo) slo = d.wlo;
        if (d.whi > shi) shi = d.whi;
        if (!exact || p->nkeys == 0) scan = true;
        else if ((rc = add_combinations(p, &ls, &d))) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            goto done;
        }
    }
    if (scan) {
        p->nlookups = -1;
        p->scan_wlo = slo < 0 ? 0 : slo;
        p->scan_whi = shi;
    } else {
        p->nlookups = ls.n;
        p->lookup_keys = ls.keys;
        p->lookup_wlo = ls.wlo;
        p->lookup_whi = ls.whi;
        ls.wlo = ls.whi = NULL;
    }
done:
    free(ls.wlo);
    free(ls.whi);
    return rc;
}

int eddy_pull_plan_where(eddy_pull *p, const eddy_expr *where, bool strict, const eddy_expr_scope *scope,
                         eddy_err *err) {
    wctx c = {.p = p, .strict = strict, .err = err};
    eddy_type *t = NULL;
    int rc;
    p->where = NULL;
    p->nlookups = -1;
    p->scan_wlo = 0;
    p->scan_whi = INT64_MAX;
    if (!where) return strict ? where_error(&c, "Missing WHERE clause") : 0;
    if (!(p->where = rewrite_bounds(p, where))) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if ((rc = check_atoms(p, p->where, scope, err))) return rc;
    if ((rc = eddy_expr_typeof(scope, p->where, "WHERE", &t, err))) return rc;
    bool boolean = t && t->ty_kind == EDDY_TYPE_BOOLEAN;
    if (!boolean) {
        eddy_strbuf sb = EDDY_STRBUF_INIT, ts = EDDY_STRBUF_INIT;
        eddy_expr_format(where, &sb);
        if (t) eddy_type_format(t, &ts);
        rc = eddy_err_set(err, EDDY_ANALYSIS,
                          "Type error in WHERE expression: Should evaluate to boolean but is %s (%s) instead.",
                          eddy_strbuf_cstr(&sb), t ? eddy_strbuf_cstr(&ts) : "NULL");
        eddy_strbuf_fini(&sb);
        eddy_strbuf_fini(&ts);
    }
    eddy_type_unref(t);
    if (rc) return rc;
    return analyze(p, p->where, strict, err);
}
