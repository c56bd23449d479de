/* expr_compile.c - compiling typed expressions into one SQLite statement over the batch virtual table.
 *
 * A filter and n projections become
 *     SELECT <p1>, ..., <pk>, rowid FROM batch WHERE <filter>
 * on a private in-memory connection (DESIGN.md decision 4).  Projections
 * that are plain columns or pseudo columns are not computed by SQLite: the
 * evaluator copies them from the input row found by rowid.
 *
 * Each typed node becomes SQLite SQL.  SQLite's operators are used where they
 * mean what ksqlDB means (INT arithmetic wrapped to 32 bits with masks,
 * comparisons of numbers, strings and times, LIKE with case_sensitive_like,
 * BETWEEN, IN, CASE); eddy's functions (expr_ops.c) otherwise.  ksqlDB's
 * comparisons are false, not NULL, when an operand is NULL: outside a
 * boolean context (WHERE, AND/OR under WHERE, CASE WHEN) they are written
 * `(cmp) IS 1`.  Scalar functions of the registry are registered per call
 * site with an eddy_fn_call as user data.
 */
#include "engine/expr_int.h"
#include "engine/fn.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gen {
    eddy_exprs *x;
    eddy_strbuf *sb;
    eddy_err *err;
    int rc;
    int in_body;   /* generating a lambda body: columns are captured parameters */
} gen;

static void gfail(gen *g, int code, const eddy_expr *e, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void gfail(gen *g, int code, const eddy_expr *e, const char *fmt, ...) {
    if (g->rc) return;
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    g->rc = eddy_err_set_at(g->err, code, e ? e->pos.line : 0, e ? e->pos.col : 0, "%s", msg);
}

int eddy_x_type_id(eddy_exprs *x, eddy_type *t) {
    for (int i = 0; i < x->nttab; i++)
        if (x->ttab[i] == t) return i;
    if (x->nttab == x->capttab) {
        int cap = x->capttab ? 2 * x->capttab : 16;
        eddy_type **n = realloc(x->ttab, sizeof *n * (size_t)cap);
        if (!n) return -1;
        x->ttab = n;
        x->capttab = cap;
    }
    x->ttab[x->nttab] = eddy_type_ref(t);
    return x->nttab++;
}

static int tid(gen *g, eddy_type *t) {
    int id = eddy_x_type_id(g->x, t);
    if (id < 0 && !g->rc) g->rc = eddy_err_set(g->err, EDDY_NOMEM, "out of memory");
    return id;
}

static void put(gen *g, const char *s) { eddy_strbuf_puts(g->sb, s); }
static void putf(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(gen *g, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    eddy_strbuf_vprintf(g->sb, fmt, ap);
    va_end(ap);
}

/* Values SQLite cannot hold natively cross as pointers (sqlval.h). */
static bool boxed(const eddy_type *t) {
    if (!t) return true;
    switch (t->ty_kind) {
    case EDDY_TYPE_DECIMAL:
    case EDDY_TYPE_ARRAY:
    case EDDY_TYPE_MAP:
    case EDDY_TYPE_STRUCT:
    case EDDY_TYPE_DOUBLE: /* NaN */
        return true;
    default: return false;
    }
}

static bool is_k(const eddy_type *t, eddy_type_kind k) { return t && t->ty_kind == k; }

static void quote(gen *g, const char *s, size_t n) {
    eddy_strbuf_putc(g->sb, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'') eddy_strbuf_putc(g->sb, '\'');
        eddy_strbuf_putc(g->sb, s[i]);
    }
    eddy_strbuf_putc(g->sb, '\'');
}

static void emit(gen *g, const texpr *t, bool bctx);

static void literal(gen *g, const texpr *t) {
    const eddy_value *v = &t->u.lit;
    switch (v->v_kind) {
    case EDDY_V_NULL: put(g, "NULL"); return;
    case EDDY_V_BOOL:
    case EDDY_V_INT:
    case EDDY_V_DATE:
    case EDDY_V_TIME:
    case EDDY_V_TIMESTAMP:
    case EDDY_V_BIGINT:
        if (v->u.i == INT64_MIN) put(g, "(-9223372036854775807-1)");
        else putf(g, "%lld", (long long)v->u.i);
        return;
    case EDDY_V_DOUBLE:
        if (isnan(v->u.d)) put(g, "e_ddiv(0.0,0.0)");
        else if (isinf(v->u.d)) put(g, v->u.d < 0 ? "(-9e999)" : "9e999");
        else putf(g, "%.17e", v->u.d);
        return;
    case EDDY_V_STRING: quote(g, v->u.s, v->v_len); return;
    case EDDY_V_BYTES:
        put(g, "x'");
        for (uint32_t i = 0; i < v->v_len; i++) putf(g, "%02x", (unsigned char)v->u.s[i]);
        put(g, "'");
        return;
    case EDDY_V_DECIMAL: {
        /* a constant call: SQLite evaluates it once per batch */
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        eddy_decimal_plain(*v->u.dec, v->v_scale, &sb);
        put(g, "e_cast(");
        quote(g, eddy_strbuf_cstr(&sb), sb.len);
        putf(g, ",%d,%d)", tid(g, eddy_type_primitive(EDDY_TYPE_STRING)), tid(g, t->type));
        eddy_strbuf_fini(&sb);
        return;
    }
    default: gfail(g, EDDY_UNSUPPORTED, t->src, "Literals of this type are not supported"); return;
    }
}

/* Java's int arithmetic: the 64-bit result reduced to 32 bits, as
 * ((((a) op (b))+2^31)&(2^32-1))-2^31. */
static void operand(gen *g, const texpr *t, bool bctx);

static void wrap32(gen *g, const texpr *a, const char *op, const texpr *b) {
    put(g, "(((");
    operand(g, a, false);
    if (b) {
        put(g, op);
        operand(g, b, false);
    }
    put(g, ")+2147483648&4294967295)-2147483648)");
}

static void call2(gen *g, const char *fn, const texpr *a, const texpr *b, const char *extra) {
    putf(g, "%s(", fn);
    emit(g, a, false);
    put(g, ",");
    emit(g, b, false);
    if (extra) put(g, extra);
    put(g, ")");
}

/* Nodes whose SQL needs no parentheses as an operand: SQLite's parser has a
 * bounded stack, so deep expressions must not nest parentheses needlessly. */
static bool atomic(const texpr *t) {
    switch (t->op) {
    case TX_COL:
    case TX_PSEUDO:
    case TX_LVAR:
    case TX_CALL:
    case TX_DEREF:
    case TX_SUBSCRIPT:
    case TX_ARRAY:
    case TX_MAP:
    case TX_STRUCT:
    case TX_LAMBDA: return true;
    case TX_LIT:
        switch (t->u.lit.v_kind) {
        case EDDY_V_DOUBLE: return !signbit(t->u.lit.u.d) && !isnan(t->u.lit.u.d);
        case EDDY_V_BOOL:
        case EDDY_V_INT:
        case EDDY_V_BIGINT:
        case EDDY_V_DATE:
        case EDDY_V_TIME:
        case EDDY_V_TIMESTAMP: return t->u.lit.u.i >= 0;
        default: return true; /* NULL, quoted text, x'..', e_cast(...) */
        }
    default: return false;
    }
}

static void operand(gen *g, const texpr *t, bool bctx) {
    if (atomic(t)) {
        emit(g, t, bctx);
        return;
    }
    put(g, "(");
    emit(g, t, bctx);
    put(g, ")");
}

static void infix(gen *g, const texpr *a, const char *op, const texpr *b, bool bctx) {
    put(g, "(");
    operand(g, a, bctx);
    put(g, op);
    operand(g, b, bctx);
    put(g, ")");
}

/* a AND b AND c ... written flat (left-deep chains of one operator). */
static void chain(gen *g, const texpr *t, const char *op, bool bctx) {
    const texpr *items[64];
    int n = 0;
    const texpr *cur = t;
    /* collect the left spine */
    while (cur->op == t->op && n < 62) {
        items[n++] = cur->a[1];
        cur = cur->a[0];
    }
    put(g, "(");
    operand(g, cur, bctx);
    for (int i = n - 1; i >= 0; i--) {
        put(g, op);
        operand(g, items[i], bctx);
    }
    put(g, ")");
}

/* A literal divisor for which SQLite's integer / and % are Java's. */
static bool safe_divisor(const texpr *b) {
    return b->op == TX_LIT && b->u.lit.v_kind != EDDY_V_NULL && b->u.lit.u.i != 0 && b->u.lit.u.i != -1;
}

static void arith(gen *g, const texpr *t) {
    const texpr *a = t->a[0], *b = t->a[1];
    static const char *const sym[] = {[EDDY_OP_ADD] = "+", [EDDY_OP_SUB] = "-", [EDDY_OP_MUL] = "*",
                                      [EDDY_OP_DIV] = "/", [EDDY_OP_MOD] = "%"};
    int op = t->sub;
    switch (t->type->ty_kind) {
    case EDDY_TYPE_INT:
        if (op == EDDY_OP_DIV || op == EDDY_OP_MOD) {
            if (safe_divisor(b)) infix(g, a, sym[op], b, false);
            else call2(g, op == EDDY_OP_DIV ? "e_idiv" : "e_imod", a, b, ",32");
        } else {
            wrap32(g, a, sym[op], b);
        }
        return;
    case EDDY_TYPE_BIGINT:
        if (op == EDDY_OP_DIV || op == EDDY_OP_MOD) {
            if (safe_divisor(b)) infix(g, a, sym[op], b, false);
            else call2(g, op == EDDY_OP_DIV ? "e_idiv" : "e_imod", a, b, ",64");
        } else {
            call2(g, op == EDDY_OP_ADD ? "e_add64" : op == EDDY_OP_SUB ? "e_sub64" : "e_mul64", a, b, NULL);
        }
        return;
    case EDDY_TYPE_DOUBLE:
        if (op == EDDY_OP_MOD) call2(g, "e_dmod", a, b, NULL);
        else if (op == EDDY_OP_DIV && !(b->op == TX_LIT && b->u.lit.v_kind == EDDY_V_DOUBLE && b->u.lit.u.d != 0 &&
                                        isfinite(b->u.lit.u.d)))
            call2(g, "e_ddiv", a, b, NULL);
        else infix(g, a, sym[op], b, false);
        return;
    case EDDY_TYPE_DECIMAL:
        putf(g, "e_dec(%d,", op);
        emit(g, a, false);
        put(g, ",");
        emit(g, b, false);
        putf(g, ",%d,%d)", t->type->ty_precision, t->type->ty_scale);
        return;
    default: gfail(g, EDDY_INTERNAL, t->src, "arithmetic on %s", eddy_type_kind_name(t->type->ty_kind)); return;
    }
}

static const char *cmp_sym(int op) {
    switch (op) {
    case EDDY_OP_EQ: return "=";
    case EDDY_OP_NE: return "<>";
    case EDDY_OP_LT: return "<";
    case EDDY_OP_LE: return "<=";
    case EDDY_OP_GT: return ">";
    default: return ">=";
    }
}

static bool complex_kind(const eddy_type *t) {
    return is_k(t, EDDY_TYPE_ARRAY) || is_k(t, EDDY_TYPE_MAP) || is_k(t, EDDY_TYPE_STRUCT);
}

static void open_bool(gen *g, bool bctx) {
    if (!bctx) put(g, "(");
}
static void close_bool(gen *g, bool bctx) {
    if (!bctx) put(g, " IS 1)");
}

/* e_cmp(a, ta, b, tb) */
static void ecmp(gen *g, const texpr *a, const texpr *b) {
    put(g, "e_cmp(");
    emit(g, a, false);
    putf(g, ",%d,", tid(g, a->type));
    emit(g, b, false);
    putf(g, ",%d)", tid(g, b->type));
}

static void comparison(gen *g, const texpr *t, bool bctx) {
    const texpr *a = t->a[0], *b = t->a[1];
    open_bool(g, bctx);
    if (is_k(a->type, EDDY_TYPE_DECIMAL) || is_k(b->type, EDDY_TYPE_DECIMAL)) {
        put(g, "(");
        ecmp(g, a, b);
        putf(g, "%s0)", cmp_sym(t->sub));
    } else if (complex_kind(a->type)) {
        char extra[24];
        snprintf(extra, sizeof extra, ",%d", tid(g, a->type));
        if (t->sub == EDDY_OP_NE) put(g, "(NOT ");
        call2(g, "e_eq", a, b, extra);
        if (t->sub == EDDY_OP_NE) put(g, ")");
    } else {
        infix(g, a, cmp_sym(t->sub), b, false);
    }
    close_bool(g, bctx);
}

static void between(gen *g, const texpr *t, bool bctx) {
    if (t->sub) {
        put(g, "(NOT ");
        bctx = false;
    }
    open_bool(g, bctx);
    const texpr *a = t->a[0], *lo = t->a[1], *hi = t->a[2];
    if (is_k(a->type, EDDY_TYPE_DECIMAL)) {
        put(g, "(");
        ecmp(g, a, lo);
        put(g, ">=0 AND ");
        ecmp(g, a, hi);
        put(g, "<=0)");
    } else {
        put(g, "((");
        emit(g, a, false);
        put(g, ") BETWEEN (");
        emit(g, lo, false);
        put(g, ") AND (");
        emit(g, hi, false);
        put(g, "))");
    }
    close_bool(g, bctx);
    if (t->sub) put(g, ")");
}

static void in_list(gen *g, const texpr *t, bool bctx) {
    const texpr *a = t->a[0];
    if (t->sub) {
        put(g, "(NOT ");
        bctx = false;
    }
    if (boxed(a->type) && !is_k(a->type, EDDY_TYPE_DOUBLE)) {
        put(g, "e_in(");
        emit(g, a, false);
        putf(g, ",%d", tid(g, a->type));
        for (int i = 1; i < t->n; i++) {
            put(g, ",");
            emit(g, t->a[i], false);
        }
        put(g, ")");
    } else {
        open_bool(g, bctx);
        put(g, "((");
        emit(g, a, false);
        put(g, ") IN (");
        for (int i = 1; i < t->n; i++) {
            if (i > 1) put(g, ",");
            emit(g, t->a[i], false);
        }
        put(g, "))");
        close_bool(g, bctx);
    }
    if (t->sub) put(g, ")");
}

static void cast(gen *g, const texpr *t) {
    const texpr *a = t->a[0];
    eddy_type *from = a->type, *to = t->type;
    if (!from || eddy_type_equal(from, to)) {
        emit(g, a, false);
        return;
    }
    eddy_type_kind f = from->ty_kind, k = to->ty_kind;
    if (f == EDDY_TYPE_INT && k == EDDY_TYPE_BIGINT) {
        emit(g, a, false);
    } else if ((f == EDDY_TYPE_INT || f == EDDY_TYPE_BIGINT) && k == EDDY_TYPE_DOUBLE) {
        put(g, "CAST((");
        emit(g, a, false);
        put(g, ") AS REAL)");
    } else if (f == EDDY_TYPE_BIGINT && k == EDDY_TYPE_INT) {
        wrap32(g, a, NULL, NULL);
    } else if ((f == EDDY_TYPE_INT || f == EDDY_TYPE_BIGINT) && k == EDDY_TYPE_STRING) {
        put(g, "CAST((");
        emit(g, a, false);
        put(g, ") AS TEXT)");
    } else if (f == EDDY_TYPE_DATE && k == EDDY_TYPE_TIMESTAMP) {
        put(g, "((");
        emit(g, a, false);
        put(g, ")*86400000)");
    } else {
        put(g, "e_cast(");
        emit(g, a, false);
        putf(g, ",%d,%d)", tid(g, from), tid(g, to));
    }
}

/* ---- function calls ----------------------------------------------------- */

/* Calls the implementation: not at all when an argument is NULL (unless the
 * function wants NULLs), and passes a failure the implementation left with
 * fn_fail (engine/fn.h) on to the processing log. */
static void fn_trampoline(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_fn_site *s = sqlite3_user_data(ctx);
    if (!(s->flags & EDDY_FN_CALLED_ON_NULL))
        for (int i = 0; i < argc; i++)
            if (eddy_sqlval_is_null(argv[i])) return;
    s->impl(ctx, argc, argv);
    const char *msg = eddy_fn_error_take();
    if (msg) {
        eddy_sqlval_env *env = eddy_sqlval_env_get();
        if (env && env->x) eddy_x_row_error(env->x, msg);
    }
}

static void fn_site_destroy(void *p) {
    eddy_fn_site *s = p;
    if (s->call.state_free && s->call.state) s->call.state_free(s->call.state);
    s->call.state = NULL;
}

static void call(gen *g, const texpr *t) {
    const tx_call *c = &t->u.call;
    const eddy_function_variant *fv = &c->fn->fn_variants[c->variant];
    if (!fv->fv_impl.fi_func) {
        gfail(g, EDDY_UNSUPPORTED, t->src, "Function %s is not supported yet by eddy", c->fn->fn_name);
        return;
    }
    eddy_exprs *x = g->x;
    eddy_fn_site *s = eddy_arena_alloc(x->perm, sizeof *s);
    eddy_type **argt = c->nargs ? eddy_arena_alloc(x->perm, sizeof(eddy_type *) * (size_t)c->nargs) : NULL;
    if (!s || (c->nargs && !argt)) {
        gfail(g, EDDY_NOMEM, NULL, "out of memory");
        return;
    }
    if (x->nsites == x->capsites) {
        int cap = x->capsites ? 2 * x->capsites : 8;
        eddy_fn_site **sites = realloc(x->sites, sizeof *sites * (size_t)cap);
        if (!sites) {
            gfail(g, EDDY_NOMEM, NULL, "out of memory");
            return;
        }
        x->sites = sites;
        x->capsites = cap;
    }
    for (int i = 0; i < c->nargs; i++) {
        tid(g, c->argt[i]); /* the type table holds a reference */
        argt[i] = c->argt[i];
    }
    tid(g, t->type);
    s->call.name = c->fn->fn_name;
    s->call.nargs = c->nargs;
    s->call.arg_types = argt;
    s->call.return_type = t->type;
    s->call.impl_user = fv->fv_impl.fi_user;
    s->impl = fv->fv_impl.fi_func;
    s->flags = fv->fv_flags;
    char name[32];
    snprintf(name, sizeof name, "f_%d", x->nsites);
    int flags = SQLITE_UTF8 | SQLITE_INNOCUOUS | ((s->flags & EDDY_FN_NONDETERMINISTIC) ? 0 : SQLITE_DETERMINISTIC);
    int rc = sqlite3_create_function_v2(x->db, name, c->nargs, flags, s, fn_trampoline, NULL, NULL, fn_site_destroy);
    if (rc != SQLITE_OK) {
        gfail(g, EDDY_INTERNAL, t->src, "cannot register %s: %s", c->fn->fn_name, sqlite3_errmsg(x->db));
        return;
    }
    x->sites[x->nsites++] = s;
    putf(g, "%s(", name);
    for (int i = 0; i < t->n; i++) {
        if (i) put(g, ",");
        emit(g, t->a[i], false);
    }
    put(g, ")");
}

/* ---- lambdas --------------------------------------------------------------- */

/* Input columns: c<i>, or rt/rp/ro for pseudo columns coded -2, -3, -4. */
static void column_ref(gen *g, int col) {
    if (col >= 0) putf(g, "c%d", col);
    else put(g, col == -2 ? "rt" : col == -3 ? "rp" : "ro");
}

static int projection_direct(const texpr *t) {
    if (t->op == TX_COL) return t->u.col;
    if (t->op == TX_PSEUDO)
        return t->u.col == EDDY_PSEUDO_ROWTIME ? -2 : t->u.col == EDDY_PSEUDO_ROWPARTITION ? -3 : -4;
    return -1;
}

/* The capture number of an input column used in a lambda body. */
static int capture(gen *g, int col) {
    eddy_exprs *x = g->x;
    for (int i = 0; i < x->ncaps; i++)
        if (x->caps[i] == col) return i;
    if (x->ncaps == x->capcaps) {
        int cap = x->capcaps ? 2 * x->capcaps : 8;
        int *n = realloc(x->caps, sizeof *n * (size_t)cap);
        if (!n) {
            gfail(g, EDDY_NOMEM, NULL, "out of memory");
            return 0;
        }
        x->caps = n;
        x->capcaps = cap;
    }
    if (x->ncaps >= 100) gfail(g, EDDY_UNSUPPORTED, NULL, "Lambda functions use too many columns");
    x->caps[x->ncaps] = col;
    return x->ncaps++;
}

static int compile_body(eddy_exprs *x, const texpr *body, sqlite3_stmt **stmt, eddy_err *err);

static void lambda(gen *g, const texpr *t) {
    eddy_exprs *x = g->x;
    const tx_lambda *L = &t->u.lambda;
    if (x->nlambdas == x->caplambdas) {
        int cap = x->caplambdas ? 2 * x->caplambdas : 4;
        xlambda *n = realloc(x->lambdas, sizeof *n * (size_t)cap);
        if (!n) {
            gfail(g, EDDY_NOMEM, NULL, "out of memory");
            return;
        }
        x->lambdas = n;
        x->caplambdas = cap;
    }
    int lid = x->nlambdas++;
    xlambda *xl = &x->lambdas[lid];
    memset(xl, 0, sizeof *xl);
    xl->kind = L->kind;
    xl->nparams = L->nparams;
    xl->nbodies = L->nbodies;
    for (int i = 0; i < L->nparams; i++) {
        xl->ptypes[i] = L->ptypes[i];
        tid(g, L->ptypes[i]);
    }
    for (int i = 0; i < L->nbodies; i++) {
        x->lambdas[lid].rtype[i] = L->body[i]->type;
        tid(g, L->body[i]->type);
        /* may add nested lambdas (and move x->lambdas) */
        sqlite3_stmt *st = NULL;
        if (!g->rc) g->rc = compile_body(x, L->body[i], &st, g->err);
        x->lambdas[lid].stmt[i] = st;
    }
    tid(g, t->type);
    /* e_lambda(id, result type, #outer variables, collection, [initial state], outer variables..., captures...) */
    putf(g, "e_lambda(%d,%d,%d", lid, tid(g, t->type), t->sub);
    for (int i = 0; i < t->n; i++) {
        put(g, ",");
        emit(g, t->a[i], false);
    }
    for (int i = 0; i < t->sub; i++) putf(g, ",?%d", i + 1);
    for (int i = 0; i < x->ncaps; i++) {
        put(g, ",");
        if (g->in_body) putf(g, "?%d", EDDY_X_CAPTURE_PARAM + i);
        else column_ref(g, x->caps[i]);
    }
    put(g, ")");
}

/* ---- nodes ------------------------------------------------------------------ */

static void emit(gen *g, const texpr *t, bool bctx) {
    if (g->rc) return;
    switch (t->op) {
    case TX_LIT: literal(g, t); return;
    case TX_COL:
    case TX_PSEUDO:
        if (g->in_body) {
            int c = capture(g, t->op == TX_COL ? t->u.col : projection_direct(t));
            putf(g, "?%d", EDDY_X_CAPTURE_PARAM + c);
        } else {
            column_ref(g, t->op == TX_COL ? t->u.col : projection_direct(t));
        }
        return;
    case TX_LVAR: putf(g, "?%d", t->u.col + 1); return;
    case TX_NEG:
        switch (t->type->ty_kind) {
        case EDDY_TYPE_INT:
            put(g, "(((0-");
            operand(g, t->a[0], false);
            put(g, ")+2147483648&4294967295)-2147483648)");
            return;
        case EDDY_TYPE_BIGINT: put(g, "e_neg64("); break;
        case EDDY_TYPE_DECIMAL: put(g, "e_decneg("); break;
        default: put(g, "(-("); emit(g, t->a[0], false); put(g, "))"); return;
        }
        emit(g, t->a[0], false);
        put(g, ")");
        return;
    case TX_NOT:
        put(g, "(NOT (");
        emit(g, t->a[0], false);
        put(g, "))");
        return;
    case TX_ARITH: arith(g, t); return;
    case TX_CONCAT: {
        const char *empty = is_k(t->type, EDDY_TYPE_BYTES) ? "x''" : "''";
        put(g, "(");
        for (int i = 0; i < 2; i++) {
            if (i) put(g, "||");
            const texpr *a = t->a[i];
            if (a->op == TX_LIT && a->u.lit.v_kind != EDDY_V_NULL) {
                emit(g, a, false);
            } else {
                put(g, "coalesce(");
                emit(g, a, false);
                putf(g, ",%s)", empty);
            }
        }
        put(g, ")");
        return;
    }
    case TX_STRPLUS: infix(g, t->a[0], "||", t->a[1], false); return;
    case TX_CMP: comparison(g, t, bctx); return;
    case TX_AND: chain(g, t, " AND ", bctx); return;
    case TX_OR: chain(g, t, " OR ", bctx); return;
    case TX_ISNULL:
        put(g, t->sub ? "(NOT " : "(");
        if (boxed(t->a[0]->type)) {
            put(g, "e_isnull(");
            emit(g, t->a[0], false);
            put(g, ")");
        } else {
            put(g, "((");
            emit(g, t->a[0], false);
            put(g, ") IS NULL)");
        }
        put(g, ")");
        return;
    case TX_DISTINCT: {
        const texpr *a = t->a[0], *b = t->a[1];
        put(g, t->sub ? "(NOT " : "(");
        if (boxed(a->type) || boxed(b->type)) {
            eddy_type *ta = a->type ? a->type : b->type, *tb = b->type ? b->type : a->type;
            if (!ta) {
                put(g, "0");
            } else {
                put(g, "e_distinct(");
                emit(g, a, false);
                putf(g, ",%d,", tid(g, ta));
                emit(g, b, false);
                putf(g, ",%d)", tid(g, tb));
            }
        } else {
            infix(g, a, " IS NOT ", b, false);
        }
        put(g, ")");
        return;
    }
    case TX_LIKE:
        put(g, "((");
        emit(g, t->a[0], false);
        put(g, t->sub ? ") NOT LIKE (" : ") LIKE (");
        emit(g, t->a[1], false);
        if (t->n == 3) {
            put(g, ") ESCAPE (");
            emit(g, t->a[2], false);
        }
        put(g, "))");
        return;
    case TX_BETWEEN: between(g, t, bctx); return;
    case TX_IN: in_list(g, t, bctx); return;
    case TX_CASE: {
        put(g, "(CASE");
        int nw = t->n / 2;
        for (int i = 0; i < nw; i++) {
            put(g, " WHEN ");
            emit(g, t->a[2 * i], true);
            put(g, " THEN ");
            emit(g, t->a[2 * i + 1], false);
        }
        if (t->n % 2) {
            put(g, " ELSE ");
            emit(g, t->a[t->n - 1], false);
        }
        put(g, " END)");
        return;
    }
    case TX_CAST: cast(g, t); return;
    case TX_DEREF:
        put(g, "e_field(");
        emit(g, t->a[0], false);
        putf(g, ",%d,%d)", t->u.field, tid(g, t->type));
        return;
    case TX_SUBSCRIPT: {
        bool arr = is_k(t->a[0]->type, EDDY_TYPE_ARRAY);
        char extra[24];
        snprintf(extra, sizeof extra, ",%d", tid(g, arr ? t->type : t->a[0]->type));
        call2(g, arr ? "e_elem" : "e_mapget", t->a[0], t->a[1], extra);
        return;
    }
    case TX_ARRAY:
    case TX_MAP:
    case TX_STRUCT:
        putf(g, "%s(%d", t->op == TX_ARRAY ? "e_array" : t->op == TX_MAP ? "e_map" : "e_struct", tid(g, t->type));
        for (int i = 0; i < t->n; i++) {
            put(g, ",");
            emit(g, t->a[i], false);
        }
        put(g, ")");
        return;
    case TX_CALL: call(g, t); return;
    case TX_AGG:
        gfail(g, EDDY_UNSUPPORTED, t->src, "%s is not a scalar function and cannot be evaluated here",
              t->src->v.func.name);
        return;
    case TX_LAMBDA: lambda(g, t); return;
    }
}

static int compile_body(eddy_exprs *x, const texpr *body, sqlite3_stmt **stmt, eddy_err *err) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    gen g = {.x = x, .sb = &sb, .err = err, .in_body = 1};
    put(&g, "SELECT ");
    emit(&g, body, false);
    if (!g.rc && sb.failed) g.rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (!g.rc && sqlite3_prepare_v2(x->db, eddy_strbuf_cstr(&sb), -1, stmt, NULL) != SQLITE_OK)
        g.rc = eddy_err_set(err, EDDY_INTERNAL, "cannot prepare a lambda body: %s", sqlite3_errmsg(x->db));
    eddy_strbuf_fini(&sb);
    return g.rc;
}

/* ---- compile ---------------------------------------------------------------- */

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_setup(void) {
    /* Per-allocation statistics take a global mutex on every malloc; eddy
     * does not use them.  Fails harmlessly if SQLite is already running. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void eddy_exprs_destroy(eddy_exprs *x) {
    if (!x) return;
    sqlite3_finalize(x->stmt);
    for (int i = 0; i < x->nlambdas; i++)
        for (int j = 0; j < x->lambdas[i].nbodies; j++) sqlite3_finalize(x->lambdas[i].stmt[j]);
    sqlite3_close_v2(x->db);
    for (int i = 0; i < x->n; i++) eddy_type_unref(x->types ? x->types[i] : NULL);
    for (int i = 0; i < x->ncols; i++) eddy_type_unref(x->coltypes[i]);
    for (int i = 0; i < x->nttab; i++) eddy_type_unref(x->ttab[i]);
    free(x->types);
    free(x->direct);
    free(x->sqlcol);
    free(x->coltypes);
    free(x->ttab);
    free(x->lambdas);
    free(x->sites);
    free(x->caps);
    free(x->errs);
    free(x->sql);
    eddy_arena_destroy(x->perm);
    eddy_arena_destroy(x->scratch);
    free(x);
}

static int open_db(eddy_exprs *x, eddy_err *err) {
    pthread_once(&sqlite_once, sqlite_setup);
    int rc = sqlite3_open_v2(":memory:", &x->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) return eddy_err_set(err, EDDY_NOMEM, "cannot open SQLite: %s", sqlite3_errstr(rc));
    /* small lookaside: many connections live at once (one per task and operator) */
    sqlite3_db_config(x->db, SQLITE_DBCONFIG_LOOKASIDE, NULL, 64, 32);
    if (sqlite3_exec(x->db, "PRAGMA case_sensitive_like=ON", NULL, NULL, NULL) != SQLITE_OK ||
        eddy_x_register_ops(x) != SQLITE_OK)
        return eddy_err_set(err, EDDY_INTERNAL, "cannot set up SQLite: %s", sqlite3_errmsg(x->db));
    return eddy_x_create_vtab(x, err);
}

int eddy_exprs_compile(const eddy_expr_scope *scope, const eddy_expr *where, const eddy_expr *const *exprs, int n,
                       eddy_exprs **out, eddy_type **types, eddy_err *err) {
    eddy_exprs *x = calloc(1, sizeof *x);
    eddy_arena *ta = eddy_arena_new();
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    int rc = 0;
    if (!x || !ta) goto nomem;
    x->perm = eddy_arena_new();
    x->scratch = eddy_arena_new();
    x->n = n;
    x->ncols = scope ? scope->ncols : 0;
    x->types = calloc((size_t)(n ? n : 1), sizeof *x->types);
    x->direct = calloc((size_t)(n ? n : 1), sizeof *x->direct);
    x->sqlcol = calloc((size_t)(n ? n : 1), sizeof *x->sqlcol);
    x->coltypes = calloc((size_t)(x->ncols ? x->ncols : 1), sizeof *x->coltypes);
    if (!x->perm || !x->scratch || !x->types || !x->direct || !x->sqlcol || !x->coltypes) goto nomem;
    for (int k = 0; scope && k < scope->nsources; k++) {
        const eddy_scope_source *s = &scope->sources[k];
        for (int i = 0; s->schema && i < s->schema->ncols; i++) {
            int c = s->first_col + i;
            if (c >= 0 && c < x->ncols && !x->coltypes[c]) x->coltypes[c] = eddy_type_ref(s->schema->cols[i].type);
        }
    }

    /* typing */
    tctx tc = {.scope = scope, .clause = "SELECT", .err = err, .arena = ta};
    texpr **tx = calloc((size_t)(n ? n : 1), sizeof *tx);
    texpr *tw = NULL;
    if (!tx) goto nomem;
    for (int i = 0; i < n && !rc; i++) {
        rc = eddy_tx_build(&tc, exprs[i], &tx[i]);
        if (!rc && !tx[i]->type)
            rc = eddy_err_set_at(err, EDDY_ANALYSIS, exprs[i]->pos.line, exprs[i]->pos.col,
                                 "Can't infer a type of null. Please explicitly cast it to a required type, e.g. "
                                 "CAST(null AS VARCHAR).");
    }
    if (!rc && where) {
        tc.clause = "WHERE";
        rc = eddy_tx_build(&tc, where, &tw);
        if (!rc && tw->type && tw->type->ty_kind != EDDY_TYPE_BOOLEAN) {
            eddy_strbuf es = EDDY_STRBUF_INIT, ts = EDDY_STRBUF_INIT;
            eddy_expr_format(where, &es);
            eddy_type_format(tw->type, &ts);
            rc = eddy_err_set_at(err, EDDY_ANALYSIS, where->pos.line, where->pos.col,
                                 "Type error in WHERE expression: Should evaluate to boolean but is %s (%s) instead.",
                                 eddy_strbuf_cstr(&es), eddy_strbuf_cstr(&ts));
            eddy_strbuf_fini(&es);
            eddy_strbuf_fini(&ts);
        }
    }
    if (rc) {
        free(tx);
        goto fail;
    }

    /* code */
    if ((rc = open_db(x, err))) {
        free(tx);
        goto fail;
    }
    gen g = {.x = x, .sb = &sb, .err = err};
    int computed = 0;
    for (int i = 0; i < n; i++) {
        x->types[i] = eddy_type_ref(tx[i]->type);
        x->direct[i] = projection_direct(tx[i]);
        if (x->direct[i] == -1) computed++;
    }
    /* Rows go to an aggregate call when its arguments fit SQLite's limit:
     * one sqlite3_step per batch instead of one per row. */
    x->sink = computed + 1 <= 100;
    x->copy_only = computed == 0 && !tw;
    put(&g, x->sink ? "SELECT e_sink(rowid" : "SELECT ");
    int k = 0;
    for (int i = 0; i < n; i++) {
        x->sqlcol[i] = -1;
        if (x->direct[i] != -1) continue;
        x->sqlcol[i] = x->sink ? ++k : k++;
        if (x->sink) put(&g, ", ");
        emit(&g, tx[i], false);
        if (!x->sink) put(&g, ", ");
    }
    x->rowid_col = x->sink ? 0 : k;
    put(&g, x->sink ? ") FROM batch" : "rowid FROM batch");
    if (tw) {
        put(&g, " WHERE ");
        emit(&g, tw, true);
    }
    free(tx);
    if ((rc = g.rc)) goto fail;
    if (sb.failed) goto nomem;
    x->sql = eddy_strbuf_detach(&sb);
    if (!x->sql) goto nomem;
    if (sqlite3_prepare_v2(x->db, x->sql, -1, &x->stmt, NULL) != SQLITE_OK) {
        rc = eddy_err_set(err, EDDY_INTERNAL, "cannot prepare the expressions: %s (%s)", sqlite3_errmsg(x->db), x->sql);
        goto fail;
    }
    if (types)
        for (int i = 0; i < n; i++) types[i] = eddy_type_ref(x->types[i]);
    eddy_arena_destroy(ta);
    *out = x;
    return 0;

nomem:
    rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
fail:
    eddy_strbuf_fini(&sb);
    eddy_arena_destroy(ta);
    eddy_exprs_destroy(x);
    return rc;
}

const char *eddy_exprs_sql(const eddy_exprs *x) { return x ? x->sql : NULL; }
