/* expr_type.c - typing of expressions: names, literals, operators and casts with ksqlDB's rules.
 *
 * eddy_tx_build turns an AST expression into a typed tree (expr_int.h).  It
 * resolves column names against the scope (qualified names, aliases,
 * ambiguity, pseudo columns), gives literals their types (INT or BIGINT,
 * DECIMAL(p, s) from the literal's text, DOUBLE), applies ksqlDB's widening
 * INT -> BIGINT -> DECIMAL -> DOUBLE and its DECIMAL result types, checks
 * comparisons, CASE, casts and constructors, and writes every implicit
 * conversion as an explicit CAST node.  Function calls are resolved in
 * expr_func.c.  Messages follow ksqlDB's wording where its tests quote them.
 */
#include "engine/expr_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int eddy_tx_call(tctx *c, const eddy_expr *e, texpr **out); /* expr_func.c */

/* ---- helpers ------------------------------------------------------------ */

eddy_type *eddy_tx_keep(eddy_arena *a, eddy_type *t) {
    if (!t) return NULL;
    if (eddy_arena_defer(a, eddy_type_unref_void, t)) return NULL;
    return t;
}

static eddy_type *prim(eddy_type_kind k) { return eddy_type_primitive(k); }

static int nomem(tctx *c) { return eddy_err_set(c->err, EDDY_NOMEM, "out of memory"); }

static int fail(tctx *c, const eddy_expr *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(tctx *c, const eddy_expr *e, const char *fmt, ...) {
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return eddy_err_set_at(c->err, EDDY_ANALYSIS, e ? e->pos.line : 0, e ? e->pos.col : 0, "%s", msg);
}

/* Type text for messages, in a static rotating buffer (valid for a few calls). */
static const char *tname(const eddy_type *t) {
    static _Thread_local char bufs[4][256];
    static _Thread_local int next;
    char *b = bufs[next++ & 3];
    if (!t) {
        snprintf(b, 256, "NULL");
        return b;
    }
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_type_format(t, &sb);
    snprintf(b, 256, "%s", eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return b;
}

/* Expression text for messages. */
static const char *etext(const eddy_expr *e) {
    static _Thread_local char bufs[4][512];
    static _Thread_local int next;
    char *b = bufs[next++ & 3];
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_expr_format(e, &sb);
    snprintf(b, 512, "%s", eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return b;
}

static texpr *node(tctx *c, tx_op op, const eddy_expr *src, eddy_type *type, int n) {
    texpr *t = eddy_arena_alloc(c->arena, sizeof *t);
    if (!t) return NULL;
    t->op = op;
    t->src = src;
    t->type = type;
    t->n = n;
    if (n > 0) {
        t->a = eddy_arena_alloc(c->arena, sizeof(texpr *) * (size_t)n);
        if (!t->a) return NULL;
    }
    return t;
}

static int rank(const eddy_type *t) {
    if (!t) return 0;
    switch (t->ty_kind) {
    case EDDY_TYPE_INT: return 1;
    case EDDY_TYPE_BIGINT: return 2;
    case EDDY_TYPE_DECIMAL: return 3;
    case EDDY_TYPE_DOUBLE: return 4;
    default: return 0;
    }
}

static bool is_kind(const eddy_type *t, eddy_type_kind k) { return t && t->ty_kind == k; }
static bool is_time(const eddy_type *t) {
    return t && (t->ty_kind == EDDY_TYPE_DATE || t->ty_kind == EDDY_TYPE_TIME || t->ty_kind == EDDY_TYPE_TIMESTAMP);
}

/* ksqlDB's DECIMAL view of INT and BIGINT. */
static void as_decimal(const eddy_type *t, int *p, int *s) {
    if (t->ty_kind == EDDY_TYPE_DECIMAL) {
        *p = t->ty_precision;
        *s = t->ty_scale;
    } else if (t->ty_kind == EDDY_TYPE_INT) {
        *p = 10;
        *s = 0;
    } else {
        *p = 19;
        *s = 0;
    }
}

static eddy_type *decimal(tctx *c, int p, int s) { return eddy_tx_keep(c->arena, eddy_type_decimal(p, s)); }

/* ---- implicit conversions ------------------------------------------------ */

/* Converts t to type `to`: retypes an untyped NULL, folds a literal, or
 * wraps t in a CAST node. */
static int coerce(tctx *c, texpr **tp, eddy_type *to) {
    texpr *t = *tp;
    if (eddy_type_equal(t->type, to)) return 0;
    if (t->op == TX_LIT && (!t->type || t->u.lit.v_kind == EDDY_V_NULL)) {
        texpr *n = node(c, TX_LIT, t->src, to, 0);
        if (!n) return nomem(c);
        n->u.lit = eddy_value_null();
        *tp = n;
        return 0;
    }
    if (t->op == TX_LIT) {
        eddy_value v;
        const char *why = NULL;
        if (eddy_cast_value(&t->u.lit, t->type, to, c->arena, &v, &why) == 0) {
            texpr *n = node(c, TX_LIT, t->src, to, 0);
            if (!n) return nomem(c);
            n->u.lit = v;
            *tp = n;
            return 0;
        }
    }
    texpr *n = node(c, TX_CAST, t->src, to, 1);
    if (!n) return nomem(c);
    n->a[0] = t;
    *tp = n;
    return 0;
}

int eddy_tx_coerce(tctx *c, texpr **tp, eddy_type *to) { return coerce(c, tp, to); }

/* The wider of two numeric types (ksqlDB's implicit cast order). */
static eddy_type *widen(tctx *c, eddy_type *a, eddy_type *b) {
    if (!a) return b;
    if (!b) return a;
    int ra = rank(a), rb = rank(b);
    if (ra == 4 || rb == 4) return prim(EDDY_TYPE_DOUBLE);
    if (ra == 3 || rb == 3) {
        int pa, sa, pb, sb;
        as_decimal(a, &pa, &sa);
        as_decimal(b, &pb, &sb);
        int whole = pa - sa > pb - sb ? pa - sa : pb - sb;
        int s = sa > sb ? sa : sb;
        if (a->ty_kind == EDDY_TYPE_DECIMAL && b->ty_kind == EDDY_TYPE_DECIMAL && eddy_type_equal(a, b)) return a;
        return decimal(c, whole + s, s);
    }
    return ra >= rb ? a : b;
}

/* Numeric type of a string literal (CoercionUtil): INT, BIGINT or DECIMAL. */
static eddy_type *string_numeric_type(tctx *c, const char *s) {
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) n--;
    eddy_int128 u;
    int scale;
    if (eddy_decimal_parse(s, n, &u, &scale)) return NULL;
    bool dp = memchr(s, '.', n) || memchr(s, 'e', n) || memchr(s, 'E', n);
    if (!dp && scale == 0) {
        if (u > -2147483648LL && u < 2147483647LL) return prim(EDDY_TYPE_INT);
        if (u > (eddy_int128)INT64_MIN && u < (eddy_int128)INT64_MAX) return prim(EDDY_TYPE_BIGINT);
    }
    int d = eddy_decimal_digits(u);
    if (u == 0) d = scale + 1;
    return decimal(c, d > scale ? d : scale, scale);
}

/* Common type of user-supplied lists (ARRAY[...], MAP(...), IN (...)),
 * after CoercionUtil: numbers widen, string literals read as numbers or
 * booleans, otherwise types must be equal.  *out NULL when all are NULL. */
static int common_type(tctx *c, texpr **items, int n, int stride, eddy_type **out) {
    eddy_type *common = NULL;
    texpr *first = NULL;
    for (int i = 0; i < n; i += stride) {
        texpr *t = items[i];
        if (!t->type) continue;
        if (!common) {
            common = t->type;
            first = t;
            continue;
        }
        if (eddy_type_equal(common, t->type)) continue;
        if (rank(common) && rank(t->type)) {
            common = widen(c, common, t->type);
            if (!common) return nomem(c);
            continue;
        }
        /* a string literal among numbers or booleans */
        texpr *lit = NULL;
        eddy_type *other = NULL;
        if (t->op == TX_LIT && is_kind(t->type, EDDY_TYPE_STRING)) {
            lit = t;
            other = common;
        } else if (first && first->op == TX_LIT && is_kind(common, EDDY_TYPE_STRING)) {
            bool all_lit = true;
            for (int j = 0; j < i; j += stride)
                if (items[j]->type && !(items[j]->op == TX_LIT && is_kind(items[j]->type, EDDY_TYPE_STRING)))
                    all_lit = false;
            if (all_lit) {
                lit = first;
                other = t->type;
            }
        }
        if (lit && rank(other)) {
            char buf[128];
            snprintf(buf, sizeof buf, "%.*s", (int)lit->u.lit.v_len, lit->u.lit.u.s);
            eddy_type *st = string_numeric_type(c, buf);
            if (!st) return fail(c, lit->src, "invalid input syntax for type %s: \"%s\".", tname(other), buf);
            common = widen(c, other, st);
            if (!common) return nomem(c);
            continue;
        }
        if (lit && is_kind(other, EDDY_TYPE_BOOLEAN)) {
            common = other;
            continue;
        }
        return fail(c, t->src, "operator does not exist: %s = %s (%s)\nHint: You might need to add explicit type casts.",
                    tname(common), tname(t->type), etext(t->src));
    }
    *out = common;
    return 0;
}

int eddy_tx_common_type(tctx *c, texpr **items, int n, int stride, eddy_type **out) {
    return common_type(c, items, n, stride, out);
}

/* ---- literals ---------------------------------------------------------- */

static int lit_decimal(tctx *c, const eddy_expr *e, texpr **out) {
    const char *s = e->v.lit_num.s;
    eddy_int128 u;
    int scale;
    if (eddy_decimal_parse(s, strlen(s), &u, &scale)) return fail(c, e, "Invalid DECIMAL literal: %s", s);
    /* BigDecimal precision; a zero has precision scale + 1 (DecimalUtil.fromValue) */
    int p = u == 0 ? scale + 1 : eddy_decimal_digits(u);
    if (p < scale) p = scale;
    if (p > 38) return fail(c, e, "DECIMAL literal %s has more than 38 digits", s);
    eddy_type *t = decimal(c, p, scale);
    texpr *n = t ? node(c, TX_LIT, e, t, 0) : NULL;
    if (!n) return nomem(c);
    n->u.lit = eddy_value_decimal(c->arena, u, scale);
    if (n->u.lit.v_kind != EDDY_V_DECIMAL) return nomem(c);
    *out = n;
    return 0;
}

static int literal(tctx *c, const eddy_expr *e, texpr **out) {
    texpr *n;
    switch (e->kind) {
    case EDDY_EX_NULL:
        n = node(c, TX_LIT, e, NULL, 0);
        if (!n) return nomem(c);
        n->u.lit = eddy_value_null();
        break;
    case EDDY_EX_BOOL:
        n = node(c, TX_LIT, e, prim(EDDY_TYPE_BOOLEAN), 0);
        if (!n) return nomem(c);
        n->u.lit = eddy_value_bool(e->v.b);
        break;
    case EDDY_EX_INT:
        n = node(c, TX_LIT, e, prim(e->v.lit_int.is_bigint ? EDDY_TYPE_BIGINT : EDDY_TYPE_INT), 0);
        if (!n) return nomem(c);
        n->u.lit = e->v.lit_int.is_bigint ? eddy_value_bigint(e->v.lit_int.i) : eddy_value_int((int32_t)e->v.lit_int.i);
        break;
    case EDDY_EX_DOUBLE:
        n = node(c, TX_LIT, e, prim(EDDY_TYPE_DOUBLE), 0);
        if (!n) return nomem(c);
        n->u.lit = eddy_value_double(e->v.lit_num.d);
        break;
    case EDDY_EX_STRING:
        n = node(c, TX_LIT, e, prim(EDDY_TYPE_STRING), 0);
        if (!n) return nomem(c);
        n->u.lit = eddy_value_str(EDDY_V_STRING, e->v.s, strlen(e->v.s));
        break;
    case EDDY_EX_DECIMAL: return lit_decimal(c, e, out);
    default: return fail(c, e, "not a literal");
    }
    *out = n;
    return 0;
}

/* ---- names ------------------------------------------------------------- */

static const char *source_label(const eddy_scope_source *s) { return s->alias ? s->alias : s->name; }

static int pseudo_of(const char *name) {
    if (!strcmp(name, "ROWTIME")) return EDDY_PSEUDO_ROWTIME;
    if (!strcmp(name, "ROWPARTITION")) return EDDY_PSEUDO_ROWPARTITION;
    if (!strcmp(name, "ROWOFFSET")) return EDDY_PSEUDO_ROWOFFSET;
    return 0;
}

static int pseudo_node(tctx *c, const eddy_expr *e, int which, texpr **out) {
    texpr *n = node(c, TX_PSEUDO, e, prim(which == EDDY_PSEUDO_ROWPARTITION ? EDDY_TYPE_INT : EDDY_TYPE_BIGINT), 0);
    if (!n) return nomem(c);
    n->u.col = which;
    *out = n;
    return 0;
}

static int col_node(tctx *c, const eddy_expr *e, const eddy_scope_source *s, int i, texpr **out) {
    texpr *n = node(c, TX_COL, e, s->schema->cols[i].type, 0);
    if (!n) return nomem(c);
    n->u.col = s->first_col + i;
    *out = n;
    return 0;
}

static int column(tctx *c, const eddy_expr *e, texpr **out) {
    const char *q = e->v.column.qualifier, *name = e->v.column.name;
    const eddy_expr_scope *sc = c->scope;
    if (!q) {
        for (int i = c->nlvars - 1; i >= 0; i--) {
            if (!strcmp(c->lvars[i].name, name)) {
                texpr *n = node(c, TX_LVAR, e, c->lvars[i].type, 0);
                if (!n) return nomem(c);
                n->u.col = c->lvars[i].slot;
                *out = n;
                return 0;
            }
        }
    }
    if (q) {
        const eddy_scope_source *src = NULL;
        for (int i = 0; sc && i < sc->nsources; i++) {
            const eddy_scope_source *s = &sc->sources[i];
            if (!strcmp(source_label(s), q)) {
                src = s;
                break;
            }
        }
        if (!src) return fail(c, e, "'%s' is not a valid stream/table name or alias.", q);
        int i = src->schema ? eddy_schema_find(src->schema, name) : -1;
        if (i >= 0) return col_node(c, e, src, i, out);
        int p = pseudo_of(name);
        if (p && (sc->pseudo & p)) return pseudo_node(c, e, p, out);
        return fail(c, e, "%s column '%s.%s' cannot be resolved.", c->clause, q, name);
    }
    const eddy_scope_source *found = NULL;
    int found_i = -1, nfound = 0;
    for (int k = 0; sc && k < sc->nsources; k++) {
        const eddy_scope_source *s = &sc->sources[k];
        int i = s->schema ? eddy_schema_find(s->schema, name) : -1;
        if (i < 0) continue;
        if (!found) {
            found = s;
            found_i = i;
        }
        nfound++;
    }
    if (nfound > 1) {
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        int seen = 0;
        for (int k = 0; k < sc->nsources; k++) {
            const eddy_scope_source *s = &sc->sources[k];
            if (!s->schema || eddy_schema_find(s->schema, name) < 0) continue;
            if (seen) eddy_strbuf_puts(&sb, ++seen == nfound ? " or " : ", ");
            else seen = 1;
            eddy_strbuf_printf(&sb, "%s.%s", source_label(s), name);
        }
        int rc = fail(c, e, "Column '%s' is ambiguous. Could be %s.", name, eddy_strbuf_cstr(&sb));
        eddy_strbuf_fini(&sb);
        return rc;
    }
    if (found) return col_node(c, e, found, found_i, out);
    int p = pseudo_of(name);
    if (p && sc && (sc->pseudo & p)) return pseudo_node(c, e, p, out);
    return fail(c, e, "%s column '%s' cannot be resolved.", c->clause, name);
}

/* ---- operators --------------------------------------------------------- */

static int build(tctx *c, const eddy_expr *e, texpr **out);

static int need_boolean(tctx *c, texpr *t, const char *what) {
    if (!t->type || t->type->ty_kind == EDDY_TYPE_BOOLEAN) return 0;
    return fail(c, t->src, "%s operand must be BOOLEAN, but '%s' is %s", what, etext(t->src), tname(t->type));
}

static int arith_type(tctx *c, const eddy_expr *e, eddy_binop op, eddy_type *l, eddy_type *r, eddy_type **out) {
    if (op == EDDY_OP_ADD && is_kind(l, EDDY_TYPE_STRING) && is_kind(r, EDDY_TYPE_STRING)) {
        *out = l;
        return 0;
    }
    if (rank(l) && rank(r)) {
        if (rank(l) <= rank(r) && r->ty_kind != EDDY_TYPE_DECIMAL) {
            *out = r;
            return 0;
        }
        if (rank(r) <= rank(l) && l->ty_kind != EDDY_TYPE_DECIMAL) {
            *out = l;
            return 0;
        }
        int p1, s1, p2, s2, p, s;
        as_decimal(l, &p1, &s1);
        as_decimal(r, &p2, &s2);
        int w1 = p1 - s1, w2 = p2 - s2;
        switch (op) {
        case EDDY_OP_ADD:
        case EDDY_OP_SUB:
            s = s1 > s2 ? s1 : s2;
            p = s + (w1 > w2 ? w1 : w2) + 1;
            break;
        case EDDY_OP_MUL:
            p = p1 + p2 + 1;
            s = s1 + s2;
            break;
        case EDDY_OP_DIV:
            s = s1 + p2 + 1 > 6 ? s1 + p2 + 1 : 6;
            p = p1 - s1 + s2 + s;
            break;
        default: /* MOD */
            s = s1 > s2 ? s1 : s2;
            p = (w1 < w2 ? w1 : w2) + s;
            break;
        }
        *out = decimal(c, p, s);
        return *out ? 0 : nomem(c);
    }
    return fail(c, e, "Error processing expression: %s. Unsupported arithmetic types. %s %s", etext(e),
                l ? eddy_type_kind_name(l->ty_kind) : "NULL", r ? eddy_type_kind_name(r->ty_kind) : "NULL");
}

static int arith(tctx *c, const eddy_expr *e, texpr *l, texpr *r, texpr **out) {
    eddy_binop op = e->v.binary.op;
    /* ksqlDB refuses arithmetic on an untyped NULL ("1 + NULL"). */
    if (!l->type || !r->type) {
        char *lt = l->type ? eddy_type_to_string(l->type) : NULL, *rtx = r->type ? eddy_type_to_string(r->type) : NULL;
        int rc = fail(c, e, "Error processing expression: %s. Arithmetic on types %s and %s are not supported.", etext(e),
                      lt ? lt : "null", rtx ? rtx : "null");
        free(lt);
        free(rtx);
        return rc;
    }
    eddy_type *rt;
    int rc = arith_type(c, e, op, l->type, r->type, &rt);
    if (rc) return rc;
    texpr *n;
    if (rt->ty_kind == EDDY_TYPE_STRING) {
        n = node(c, TX_STRPLUS, e, rt, 2);
    } else {
        if (rt->ty_kind == EDDY_TYPE_DECIMAL) {
            /* operands become DECIMALs of their own precision */
            int p, s;
            if (l->type->ty_kind != EDDY_TYPE_DECIMAL) {
                as_decimal(l->type, &p, &s);
                eddy_type *d = decimal(c, p, s);
                if (!d || coerce(c, &l, d)) return d ? c->err->code : nomem(c);
            }
            if (r->type->ty_kind != EDDY_TYPE_DECIMAL) {
                as_decimal(r->type, &p, &s);
                eddy_type *d = decimal(c, p, s);
                if (!d || coerce(c, &r, d)) return d ? c->err->code : nomem(c);
            }
        } else {
            if (coerce(c, &l, rt) || coerce(c, &r, rt)) return c->err->code;
        }
        n = node(c, TX_ARITH, e, rt, 2);
    }
    if (!n) return nomem(c);
    n->sub = op;
    n->a[0] = l;
    n->a[1] = r;
    *out = n;
    return 0;
}

static const char *cmp_text(eddy_binop op) { return eddy_binop_name(op); }

/* ComparisonUtil: which types compare with which operators. */
static bool comparable(const eddy_type *l, eddy_binop op, const eddy_type *r) {
    bool eq = op == EDDY_OP_EQ || op == EDDY_OP_NE;
    if (rank(l)) return rank(r) != 0;
    switch (l->ty_kind) {
    case EDDY_TYPE_STRING: return r->ty_kind == EDDY_TYPE_STRING || is_time(r);
    case EDDY_TYPE_BOOLEAN: return r->ty_kind == EDDY_TYPE_BOOLEAN && eq;
    case EDDY_TYPE_ARRAY:
    case EDDY_TYPE_MAP:
    case EDDY_TYPE_STRUCT: return r->ty_kind == l->ty_kind && eq;
    case EDDY_TYPE_TIME: return r->ty_kind == EDDY_TYPE_TIME || r->ty_kind == EDDY_TYPE_STRING;
    case EDDY_TYPE_DATE:
    case EDDY_TYPE_TIMESTAMP:
        return r->ty_kind == EDDY_TYPE_DATE || r->ty_kind == EDDY_TYPE_TIMESTAMP || r->ty_kind == EDDY_TYPE_STRING;
    case EDDY_TYPE_BYTES: return r->ty_kind == EDDY_TYPE_BYTES;
    default: return false;
    }
}

/* Brings both sides of a comparison to a representation compiled code can
 * compare: strings next to times become times, DATE next to TIMESTAMP
 * becomes TIMESTAMP. */
static int comparison_operands(tctx *c, texpr **l, texpr **r) {
    eddy_type *lt = (*l)->type, *rt = (*r)->type;
    if (is_time(lt) && is_kind(rt, EDDY_TYPE_STRING)) return coerce(c, r, lt);
    if (is_time(rt) && is_kind(lt, EDDY_TYPE_STRING)) return coerce(c, l, rt);
    if (is_kind(lt, EDDY_TYPE_DATE) && is_kind(rt, EDDY_TYPE_TIMESTAMP)) return coerce(c, l, rt);
    if (is_kind(rt, EDDY_TYPE_DATE) && is_kind(lt, EDDY_TYPE_TIMESTAMP)) return coerce(c, r, lt);
    return 0;
}

static int check_comparison(tctx *c, const eddy_expr *e, eddy_binop op, texpr *l, texpr *r) {
    if (!l->type || !r->type)
        return fail(c, e, "Comparison with NULL not supported: %s %s %s\nUse 'IS NULL' or 'IS NOT NULL' instead.",
                    l->type ? eddy_type_kind_name(l->type->ty_kind) : "NULL", cmp_text(op),
                    r->type ? eddy_type_kind_name(r->type->ty_kind) : "NULL");
    if (!comparable(l->type, op, r->type)) {
        const eddy_expr *le = l->src, *re = r->src;
        return fail(c, e, "Cannot compare %s (%s) to %s (%s) with %s.", etext(le), tname(l->type), etext(re),
                    tname(r->type), cmp_text(op));
    }
    return 0;
}

static int comparison(tctx *c, const eddy_expr *e, eddy_binop op, texpr *l, texpr *r, texpr **out) {
    int rc = check_comparison(c, e, op, l, r);
    if (rc) return rc;
    if (comparison_operands(c, &l, &r)) return c->err->code;
    texpr *n = node(c, TX_CMP, e, prim(EDDY_TYPE_BOOLEAN), 2);
    if (!n) return nomem(c);
    n->sub = op;
    n->a[0] = l;
    n->a[1] = r;
    *out = n;
    return 0;
}

static int binary(tctx *c, const eddy_expr *e, texpr **out) {
    texpr *l, *r;
    int rc = build(c, e->v.binary.left, &l);
    if (!rc) rc = build(c, e->v.binary.right, &r);
    if (rc) return rc;
    eddy_binop op = e->v.binary.op;
    switch (op) {
    case EDDY_OP_ADD:
    case EDDY_OP_SUB:
    case EDDY_OP_MUL:
    case EDDY_OP_DIV:
    case EDDY_OP_MOD: return arith(c, e, l, r, out);
    case EDDY_OP_CONCAT: {
        /* ksqlDB reads a || b as CONCAT(a, b): STRING or BYTES, NULL as empty */
        eddy_type *t = l->type ? l->type : r->type;
        if (!t) t = prim(EDDY_TYPE_STRING);
        if (!(t->ty_kind == EDDY_TYPE_STRING || t->ty_kind == EDDY_TYPE_BYTES) ||
            (l->type && !eddy_type_equal(l->type, t)) || (r->type && !eddy_type_equal(r->type, t)))
            return fail(c, e,
                        "Function 'CONCAT' does not accept parameters (%s, %s).\nValid alternatives are:\n"
                        "CONCAT(VARCHAR... inputs)\nCONCAT(BYTES... inputs)\n"
                        "For detailed information on a function run: DESCRIBE FUNCTION <Function-Name>;",
                        tname(l->type), tname(r->type));
        if (coerce(c, &l, t) || coerce(c, &r, t)) return c->err->code;
        texpr *n = node(c, TX_CONCAT, e, t, 2);
        if (!n) return nomem(c);
        n->a[0] = l;
        n->a[1] = r;
        *out = n;
        return 0;
    }
    case EDDY_OP_AND:
    case EDDY_OP_OR: {
        const char *what = op == EDDY_OP_AND ? "AND" : "OR";
        if ((rc = need_boolean(c, l, what)) || (rc = need_boolean(c, r, what))) return rc;
        if (coerce(c, &l, prim(EDDY_TYPE_BOOLEAN)) || coerce(c, &r, prim(EDDY_TYPE_BOOLEAN))) return c->err->code;
        texpr *n = node(c, op == EDDY_OP_AND ? TX_AND : TX_OR, e, prim(EDDY_TYPE_BOOLEAN), 2);
        if (!n) return nomem(c);
        n->a[0] = l;
        n->a[1] = r;
        *out = n;
        return 0;
    }
    default: return comparison(c, e, op, l, r, out);
    }
}

static int unary(tctx *c, const eddy_expr *e, texpr **out) {
    texpr *a;
    int rc = build(c, e->v.unary.arg, &a);
    if (rc) return rc;
    if (e->v.unary.op == EDDY_OP_NOT) {
        if ((rc = need_boolean(c, a, "NOT"))) return rc;
        if (coerce(c, &a, prim(EDDY_TYPE_BOOLEAN))) return c->err->code;
        texpr *n = node(c, TX_NOT, e, prim(EDDY_TYPE_BOOLEAN), 1);
        if (!n) return nomem(c);
        n->a[0] = a;
        *out = n;
        return 0;
    }
    if (!a->type) {
        /* -NULL, +NULL: an untyped NULL */
        *out = a;
        return 0;
    }
    if (!rank(a->type))
        return fail(c, e, "Unary %s is not supported on %s: %s", e->v.unary.op == EDDY_OP_NEG ? "minus" : "plus",
                    tname(a->type), etext(e));
    if (e->v.unary.op == EDDY_OP_PLUS) {
        *out = a;
        return 0;
    }
    texpr *n = node(c, TX_NEG, e, a->type, 1);
    if (!n) return nomem(c);
    n->a[0] = a;
    *out = n;
    return 0;
}

static int cast(tctx *c, const eddy_expr *e, texpr **out) {
    texpr *a;
    int rc = build(c, e->v.cast.arg, &a);
    if (rc) return rc;
    eddy_type *to = e->v.cast.type;
    if (!to || to->ty_kind == EDDY_TYPE_NAMED)
        return fail(c, e, "Unknown type in CAST: %s", to && to->ty_name ? to->ty_name : "?");
    if (!a->type) return coerce(c, &a, to) ? c->err->code : (*out = a, 0);
    if (eddy_type_equal(a->type, to)) {
        *out = a;
        return 0;
    }
    if (!eddy_cast_allowed(a->type, to)) {
        const char *pre = !strcmp(c->clause, "SELECT") ? "Invalid Select: " : "";
        return fail(c, e, "%sCast of %s to %s is not supported", pre, tname(a->type), tname(to));
    }
    texpr *n = node(c, TX_CAST, e, to, 1);
    if (!n) return nomem(c);
    n->a[0] = a;
    *out = n;
    return 0;
}

static int deref(tctx *c, const eddy_expr *e, texpr **out) {
    texpr *b;
    int rc = build(c, e->v.deref.base, &b);
    if (rc) return rc;
    if (!is_kind(b->type, EDDY_TYPE_STRUCT)) return fail(c, e, "Expected STRUCT type, got: %s", tname(b->type));
    const char *f = e->v.deref.field;
    for (int i = 0; i < b->type->ty_nfields; i++) {
        if (strcmp(b->type->ty_fields[i].name, f)) continue;
        texpr *n = node(c, TX_DEREF, e, b->type->ty_fields[i].type, 1);
        if (!n) return nomem(c);
        n->a[0] = b;
        n->u.field = i;
        *out = n;
        return 0;
    }
    return fail(c, e, "Could not find field '%s' in '%s'.", f, etext(e->v.deref.base));
}

static int subscript(tctx *c, const eddy_expr *e, texpr **out) {
    texpr *b, *i;
    int rc = build(c, e->v.subscript.base, &b);
    if (!rc) rc = build(c, e->v.subscript.index, &i);
    if (rc) return rc;
    eddy_type *vt;
    if (is_kind(b->type, EDDY_TYPE_ARRAY)) {
        if (i->type && i->type->ty_kind != EDDY_TYPE_INT && i->type->ty_kind != EDDY_TYPE_BIGINT)
            return fail(c, e, "Array index must be an INTEGER, got %s: %s", tname(i->type), etext(e));
        if (coerce(c, &i, prim(EDDY_TYPE_BIGINT))) return c->err->code;
        vt = b->type->ty_elem;
    } else if (is_kind(b->type, EDDY_TYPE_MAP)) {
        if (i->type && !eddy_type_equal(i->type, b->type->ty_key) &&
            !(rank(i->type) && rank(b->type->ty_key) && rank(i->type) <= rank(b->type->ty_key)))
            return fail(c, e, "Map key must be %s, got %s: %s", tname(b->type->ty_key), tname(i->type), etext(e));
        if (coerce(c, &i, b->type->ty_key)) return c->err->code;
        vt = b->type->ty_elem;
    } else {
        char hint[600] = "";
        if (is_kind(b->type, EDDY_TYPE_STRUCT))
            snprintf(hint, sizeof hint, " Use the dereference operator for STRUCTS: %s->%s", etext(e->v.subscript.base),
                     etext(e->v.subscript.index));
        return fail(c, e, "Subscript expression (%s) do not apply to %s.%s", etext(e), tname(b->type), hint);
    }
    texpr *n = node(c, TX_SUBSCRIPT, e, vt, 2);
    if (!n) return nomem(c);
    n->a[0] = b;
    n->a[1] = i;
    *out = n;
    return 0;
}

static int build_list(tctx *c, const eddy_list *l, texpr **items) {
    for (int i = 0; i < l->n; i++) {
        int rc = build(c, l->items[i], &items[i]);
        if (rc) return rc;
    }
    return 0;
}

static int array_ctor(tctx *c, const eddy_expr *e, texpr **out) {
    const eddy_list *l = &e->v.array.items;
    if (l->n == 0)
        return fail(c, e,
                    "Array constructor cannot be empty. Please supply at least one element "
                    "(see https://github.com/confluentinc/ksql/issues/4239).");
    texpr *n = node(c, TX_ARRAY, e, NULL, l->n);
    if (!n) return nomem(c);
    int rc = build_list(c, l, n->a);
    if (rc) return rc;
    eddy_type *et;
    if ((rc = common_type(c, n->a, n->n, 1, &et))) return rc;
    if (!et)
        return fail(c, e,
                    "Cannot construct an array with all NULL elements "
                    "(see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL "
                    "value to the desired type.");
    for (int i = 0; i < n->n; i++)
        if (coerce(c, &n->a[i], et)) return c->err->code;
    n->type = eddy_tx_keep(c->arena, eddy_type_array(eddy_type_ref(et)));
    if (!n->type) return nomem(c);
    *out = n;
    return 0;
}

static int map_ctor(tctx *c, const eddy_expr *e, texpr **out) {
    const eddy_list *k = &e->v.map.keys, *v = &e->v.map.values;
    if (k->n == 0)
        return fail(c, e,
                    "Map constructor cannot be empty. Please supply at least one key value pair "
                    "(see https://github.com/confluentinc/ksql/issues/4239).");
    texpr *n = node(c, TX_MAP, e, NULL, 2 * k->n);
    if (!n) return nomem(c);
    for (int i = 0; i < k->n; i++) {
        int rc = build(c, k->items[i], &n->a[2 * i]);
        if (!rc) rc = build(c, v->items[i], &n->a[2 * i + 1]);
        if (rc) return rc;
    }
    eddy_type *kt, *vt;
    int rc = common_type(c, n->a, n->n, 2, &kt);
    if (!rc) rc = common_type(c, n->a + 1, n->n - 1, 2, &vt);
    if (rc) return rc;
    if (!kt)
        return fail(c, e,
                    "Cannot construct a map with all NULL keys (see https://github.com/confluentinc/ksql/issues/4239). "
                    "As a workaround, you may cast a NULL key to the desired type.");
    if (!vt)
        return fail(c, e,
                    "Cannot construct a map with all NULL values "
                    "(see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL "
                    "value to the desired type.");
    for (int i = 0; i < n->n; i += 2)
        if (coerce(c, &n->a[i], kt) || coerce(c, &n->a[i + 1], vt)) return c->err->code;
    n->type = eddy_tx_keep(c->arena, eddy_type_map(eddy_type_ref(kt), eddy_type_ref(vt)));
    if (!n->type) return nomem(c);
    *out = n;
    return 0;
}

static int struct_ctor(tctx *c, const eddy_expr *e, texpr **out) {
    const eddy_list *names = &e->v.struct_.names, *vals = &e->v.struct_.values;
    texpr *n = node(c, TX_STRUCT, e, NULL, vals->n);
    if (!n) return nomem(c);
    int rc = build_list(c, vals, n->a);
    if (rc) return rc;
    eddy_type **types = eddy_arena_alloc(c->arena, sizeof(eddy_type *) * (size_t)(vals->n + 1));
    if (!types) return nomem(c);
    for (int i = 0; i < vals->n; i++) {
        if (!n->a[i]->type)
            return fail(c, n->a[i]->src, "Can't infer the type of field %s: cast NULL to the desired type",
                        (const char *)names->items[i]);
        for (int j = 0; j < i; j++)
            if (!strcmp(names->items[i], names->items[j]))
                return fail(c, e, "Duplicate field names found in STRUCT: '%s'", (const char *)names->items[i]);
        types[i] = eddy_type_ref(n->a[i]->type);
    }
    n->type = eddy_tx_keep(c->arena, eddy_type_struct(vals->n, (const char *const *)names->items, types));
    if (!n->type) return nomem(c);
    *out = n;
    return 0;
}

static int case_expr(tctx *c, const eddy_expr *e, texpr **out) {
    int nw = e->v.case_.whens.n;
    bool has_else = e->v.case_.else_ != NULL;
    texpr *n = node(c, TX_CASE, e, NULL, 2 * nw + (has_else ? 1 : 0));
    if (!n) return nomem(c);
    texpr *operand = NULL;
    int rc;
    if (e->v.case_.operand && (rc = build(c, e->v.case_.operand, &operand))) return rc;
    eddy_type *rt = NULL;
    for (int i = 0; i < nw; i++) {
        const eddy_expr *we = e->v.case_.whens.items[i], *te = e->v.case_.thens.items[i];
        texpr *w, *t;
        if ((rc = build(c, we, &w))) return rc;
        if (operand) {
            if ((rc = comparison(c, we, EDDY_OP_EQ, operand, w, &w))) return rc;
        } else if (!is_kind(w->type, EDDY_TYPE_BOOLEAN)) {
            if (!w->type) {
                if (coerce(c, &w, prim(EDDY_TYPE_BOOLEAN))) return c->err->code;
            } else {
                return fail(c, we, "WHEN operand type should be boolean.\nType for '%s' is %s", etext(we),
                            tname(w->type));
            }
        }
        if ((rc = build(c, te, &t))) return rc;
        if (t->type) {
            if (!rt) {
                rt = t->type;
            } else if (!eddy_type_equal(rt, t->type)) {
                return fail(c, te,
                            "Invalid Case expression. Type for all 'THEN' clauses should be the same.\n"
                            "THEN expression 'WHEN %s THEN %s' has type: %s.\nPrevious THEN expression(s) type: %s.",
                            etext(we), etext(te), tname(t->type), tname(rt));
            }
        }
        n->a[2 * i] = w;
        n->a[2 * i + 1] = t;
    }
    if (has_else) {
        texpr *el;
        if ((rc = build(c, e->v.case_.else_, &el))) return rc;
        if (rt && el->type && !eddy_type_equal(rt, el->type))
            return fail(c, e->v.case_.else_,
                        "Invalid Case expression. Type for the default clause should be the same as for 'THEN' "
                        "clauses.\nTHEN type: %s.\nDEFAULT type: %s.",
                        tname(rt), tname(el->type));
        if (!rt) rt = el->type;
        n->a[2 * nw] = el;
    }
    if (!rt) return fail(c, e, "Invalid Case expression. All case branches have NULL type");
    for (int i = 0; i < nw; i++)
        if (coerce(c, &n->a[2 * i + 1], rt)) return c->err->code;
    if (has_else && coerce(c, &n->a[2 * nw], rt)) return c->err->code;
    n->type = rt;
    *out = n;
    return 0;
}

static int like(tctx *c, const eddy_expr *e, texpr **out) {
    texpr *n = node(c, TX_LIKE, e, prim(EDDY_TYPE_BOOLEAN), e->v.like.escape ? 3 : 2);
    if (!n) return nomem(c);
    int rc = build(c, e->v.like.arg, &n->a[0]);
    if (!rc) rc = build(c, e->v.like.pattern, &n->a[1]);
    if (!rc && e->v.like.escape) rc = build(c, e->v.like.escape, &n->a[2]);
    if (rc) return rc;
    for (int i = 0; i < n->n; i++) {
        if (n->a[i]->type && n->a[i]->type->ty_kind != EDDY_TYPE_STRING)
            return fail(c, n->a[i]->src, "LIKE works on STRING values, but '%s' is %s", etext(n->a[i]->src),
                        tname(n->a[i]->type));
        if (coerce(c, &n->a[i], prim(EDDY_TYPE_STRING))) return c->err->code;
    }
    if (n->n == 3) {
        texpr *esc = n->a[2];
        if (esc->op != TX_LIT || esc->u.lit.v_len != 1)
            return fail(c, e->v.like.escape, "The ESCAPE of LIKE must be a single character");
    }
    n->sub = e->v.like.negated;
    *out = n;
    return 0;
}

static int between(tctx *c, const eddy_expr *e, texpr **out) {
    texpr *n = node(c, TX_BETWEEN, e, prim(EDDY_TYPE_BOOLEAN), 3);
    if (!n) return nomem(c);
    int rc = build(c, e->v.between.arg, &n->a[0]);
    if (!rc) rc = build(c, e->v.between.lo, &n->a[1]);
    if (!rc) rc = build(c, e->v.between.hi, &n->a[2]);
    if (rc) return rc;
    if ((rc = check_comparison(c, e, EDDY_OP_GE, n->a[0], n->a[1])) ||
        (rc = check_comparison(c, e, EDDY_OP_LE, n->a[0], n->a[2])))
        return rc;
    /* one representation for the three operands */
    eddy_type *t = n->a[0]->type;
    if (rank(t)) {
        eddy_type *w = widen(c, widen(c, t, n->a[1]->type), n->a[2]->type);
        if (!w) return nomem(c);
        for (int i = 0; i < 3; i++)
            if (coerce(c, &n->a[i], w)) return c->err->code;
    } else {
        if (comparison_operands(c, &n->a[0], &n->a[1]) || comparison_operands(c, &n->a[0], &n->a[2]) ||
            comparison_operands(c, &n->a[1], &n->a[2]))
            return c->err->code;
    }
    n->sub = e->v.between.negated;
    *out = n;
    return 0;
}

static int in_list(tctx *c, const eddy_expr *e, texpr **out) {
    const eddy_list *l = &e->v.in.list;
    texpr *n = node(c, TX_IN, e, prim(EDDY_TYPE_BOOLEAN), l->n + 1);
    if (!n) return nomem(c);
    int rc = build(c, e->v.in.arg, &n->a[0]);
    if (!rc) rc = build_list(c, l, n->a + 1);
    if (rc) return rc;
    eddy_type *t;
    if ((rc = common_type(c, n->a, n->n, 1, &t))) return rc;
    if (t)
        for (int i = 0; i < n->n; i++)
            if (coerce(c, &n->a[i], t)) return c->err->code;
    n->sub = e->v.in.negated;
    *out = n;
    return 0;
}

static int is_null(tctx *c, const eddy_expr *e, texpr **out) {
    texpr *n = node(c, TX_ISNULL, e, prim(EDDY_TYPE_BOOLEAN), 1);
    if (!n) return nomem(c);
    int rc = build(c, e->v.is_null.arg, &n->a[0]);
    if (rc) return rc;
    n->sub = e->v.is_null.negated;
    *out = n;
    return 0;
}

static int is_distinct(tctx *c, const eddy_expr *e, texpr **out) {
    texpr *l, *r;
    int rc = build(c, e->v.is_distinct.left, &l);
    if (!rc) rc = build(c, e->v.is_distinct.right, &r);
    if (rc) return rc;
    if (!l->type && r->type && coerce(c, &l, r->type)) return c->err->code;
    if (!r->type && l->type && coerce(c, &r, l->type)) return c->err->code;
    if (l->type && r->type) {
        if (!comparable(l->type, EDDY_OP_EQ, r->type))
            return fail(c, e, "Cannot compare %s (%s) to %s (%s) with %s.", etext(l->src), tname(l->type),
                        etext(r->src), tname(r->type), "IS DISTINCT FROM");
        if (comparison_operands(c, &l, &r)) return c->err->code;
    }
    texpr *n = node(c, TX_DISTINCT, e, prim(EDDY_TYPE_BOOLEAN), 2);
    if (!n) return nomem(c);
    n->a[0] = l;
    n->a[1] = r;
    n->sub = e->v.is_distinct.negated;
    *out = n;
    return 0;
}

static int build(tctx *c, const eddy_expr *e, texpr **out) {
    switch (e->kind) {
    case EDDY_EX_NULL:
    case EDDY_EX_BOOL:
    case EDDY_EX_INT:
    case EDDY_EX_DECIMAL:
    case EDDY_EX_DOUBLE:
    case EDDY_EX_STRING: return literal(c, e, out);
    case EDDY_EX_COLUMN: return column(c, e, out);
    case EDDY_EX_DEREF: return deref(c, e, out);
    case EDDY_EX_SUBSCRIPT: return subscript(c, e, out);
    case EDDY_EX_FUNC: return eddy_tx_call(c, e, out);
    case EDDY_EX_CAST: return cast(c, e, out);
    case EDDY_EX_CASE: return case_expr(c, e, out);
    case EDDY_EX_UNARY: return unary(c, e, out);
    case EDDY_EX_BINARY: return binary(c, e, out);
    case EDDY_EX_LIKE: return like(c, e, out);
    case EDDY_EX_BETWEEN: return between(c, e, out);
    case EDDY_EX_IN: return in_list(c, e, out);
    case EDDY_EX_IS_NULL: return is_null(c, e, out);
    case EDDY_EX_IS_DISTINCT: return is_distinct(c, e, out);
    case EDDY_EX_ARRAY: return array_ctor(c, e, out);
    case EDDY_EX_MAP: return map_ctor(c, e, out);
    case EDDY_EX_STRUCT: return struct_ctor(c, e, out);
    case EDDY_EX_LAMBDA: return fail(c, e, "A lambda function can only be an argument of TRANSFORM, FILTER or REDUCE");
    case EDDY_EX_STAR: return fail(c, e, "'*' cannot be used in an expression here");
    default: return fail(c, e, "Unsupported expression: %s", etext(e));
    }
}

int eddy_tx_build(tctx *c, const eddy_expr *e, texpr **out) { return build(c, e, out); }

/* ---- public ------------------------------------------------------------ */

int eddy_expr_typeof(const eddy_expr_scope *scope, const eddy_expr *e, const char *clause, eddy_type **out,
                     eddy_err *err) {
    eddy_arena *a = eddy_arena_new();
    if (!a) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    tctx c = {.scope = scope, .clause = clause ? clause : "SELECT", .err = err, .arena = a};
    texpr *t;
    int rc = build(&c, e, &t);
    if (!rc) {
        if (!t->type) {
            rc = eddy_err_set_at(err, EDDY_ANALYSIS, e->pos.line, e->pos.col,
                                 "Can't infer a type of null. Please explicitly cast it to a required type, e.g. "
                                 "CAST(null AS VARCHAR).");
        } else {
            *out = eddy_type_ref(t->type);
        }
    }
    eddy_arena_destroy(a);
    return rc;
}

char *eddy_expr_default_name(const eddy_expr *e, int position) {
    if (e->kind == EDDY_EX_COLUMN) return strdup(e->v.column.name);
    if (e->kind == EDDY_EX_DEREF) return strdup(e->v.deref.field);
    char buf[32];
    snprintf(buf, sizeof buf, "KSQL_COL_%d", position);
    return strdup(buf);
}
