/* expr_func.c - typing of function calls: choosing a variant of a registry function from the argument types.
 *
 * The registry (sql/functions.h) describes each variant with ksqlDB's type
 * text ("ARRAY<T>", "DECIMAL", "VARCHAR...", "LAMBDA (T) -> R").  A call is
 * resolved as ksqlDB's UdfIndex does: first without implicit casts, then with
 * the numeric widenings INT -> BIGINT -> DECIMAL -> DOUBLE; generic letters
 * bind to the first argument that fixes them; NULL matches anything; among
 * several matches a variant without variable arguments wins, then the one
 * with more parameters, then the one with fewer generic parameters.
 * Arguments of a type other than the parameter's get an explicit CAST, so the
 * implementation always receives exactly its parameter types.
 *
 * TRANSFORM, FILTER and REDUCE take lambdas: their variables are typed from
 * the collection (and the initial state) before the body is typed.
 */
#include "engine/expr_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int eddy_tx_coerce(tctx *c, texpr **tp, eddy_type *to);
int eddy_tx_common_type(tctx *c, texpr **items, int n, int stride, eddy_type **out);

/* ---- parameter types ----------------------------------------------------- */

typedef enum { PT_PRIM, PT_DECIMAL, PT_GENERIC, PT_ARRAY, PT_MAP, PT_STRUCT, PT_ANY, PT_INTERVAL, PT_LAMBDA } pt_kind;

typedef struct ptype ptype;
struct ptype {
    pt_kind kind;
    eddy_type_kind prim;
    char gen;                /* PT_GENERIC: 'A'..'Z' */
    ptype *elem, *key;       /* ARRAY, MAP */
    int nfields;             /* STRUCT; -1 = any struct (STRUCT<>) */
    const char **fnames;
    ptype **ftypes;
    int nlparams;            /* LAMBDA */
    ptype *lparams[3];
    ptype *lret;
};

typedef struct pparse {
    const char *s;
    eddy_arena *a;
    int bad;
} pparse;

static void skip_ws(pparse *p) {
    while (*p->s == ' ') p->s++;
}

static int word(pparse *p, char *buf, size_t n) {
    skip_ws(p);
    size_t k = 0;
    while (isalnum((unsigned char)*p->s) || *p->s == '_') {
        if (k + 1 < n) buf[k++] = *p->s;
        p->s++;
    }
    buf[k] = 0;
    return (int)k;
}

static bool eat(pparse *p, char ch) {
    skip_ws(p);
    if (*p->s != ch) return false;
    p->s++;
    return true;
}

static ptype *ptype_parse(pparse *p) {
    char w[64];
    ptype *t = eddy_arena_alloc(p->a, sizeof *t);
    if (!t) {
        p->bad = 1;
        return NULL;
    }
    if (!word(p, w, sizeof w)) {
        p->bad = 1;
        return t;
    }
    if (!strcmp(w, "ARRAY")) {
        t->kind = PT_ARRAY;
        if (!eat(p, '<')) p->bad = 1;
        t->elem = ptype_parse(p);
        if (!eat(p, '>')) p->bad = 1;
    } else if (!strcmp(w, "MAP")) {
        t->kind = PT_MAP;
        if (!eat(p, '<')) p->bad = 1;
        t->key = ptype_parse(p);
        if (!eat(p, ',')) p->bad = 1;
        t->elem = ptype_parse(p);
        if (!eat(p, '>')) p->bad = 1;
    } else if (!strcmp(w, "STRUCT")) {
        t->kind = PT_STRUCT;
        if (!eat(p, '<')) p->bad = 1;
        if (eat(p, '>')) {
            t->nfields = -1;
            return t;
        }
        t->fnames = eddy_arena_alloc(p->a, sizeof(char *) * 16);
        t->ftypes = eddy_arena_alloc(p->a, sizeof(ptype *) * 16);
        if (!t->fnames || !t->ftypes) {
            p->bad = 1;
            return t;
        }
        do {
            char f[64];
            if (!word(p, f, sizeof f) || t->nfields == 16) {
                p->bad = 1;
                return t;
            }
            t->fnames[t->nfields] = eddy_arena_strdup(p->a, f);
            t->ftypes[t->nfields++] = ptype_parse(p);
        } while (eat(p, ','));
        if (!eat(p, '>')) p->bad = 1;
    } else if (!strcmp(w, "LAMBDA")) {
        t->kind = PT_LAMBDA;
        if (!eat(p, '(')) p->bad = 1;
        do {
            if (t->nlparams == 3) {
                p->bad = 1;
                return t;
            }
            t->lparams[t->nlparams++] = ptype_parse(p);
        } while (eat(p, ','));
        if (!eat(p, ')') || !eat(p, '-') || !eat(p, '>')) p->bad = 1;
        t->lret = ptype_parse(p);
    } else if (!strcmp(w, "INTERVAL")) {
        t->kind = PT_INTERVAL;
        word(p, w, sizeof w); /* UNIT */
    } else if (!strcmp(w, "ANY")) {
        t->kind = PT_ANY;
    } else if (!strcmp(w, "DECIMAL")) {
        t->kind = PT_DECIMAL;
    } else if (strlen(w) == 1 && isupper((unsigned char)w[0])) {
        t->kind = PT_GENERIC;
        t->gen = w[0];
    } else {
        t->kind = PT_PRIM;
        if (!strcmp(w, "VARCHAR") || !strcmp(w, "STRING")) t->prim = EDDY_TYPE_STRING;
        else if (!strcmp(w, "INT") || !strcmp(w, "INTEGER")) t->prim = EDDY_TYPE_INT;
        else if (!strcmp(w, "BIGINT")) t->prim = EDDY_TYPE_BIGINT;
        else if (!strcmp(w, "DOUBLE")) t->prim = EDDY_TYPE_DOUBLE;
        else if (!strcmp(w, "BOOLEAN")) t->prim = EDDY_TYPE_BOOLEAN;
        else if (!strcmp(w, "BYTES")) t->prim = EDDY_TYPE_BYTES;
        else if (!strcmp(w, "DATE")) t->prim = EDDY_TYPE_DATE;
        else if (!strcmp(w, "TIME")) t->prim = EDDY_TYPE_TIME;
        else if (!strcmp(w, "TIMESTAMP")) t->prim = EDDY_TYPE_TIMESTAMP;
        else p->bad = 1;
    }
    return t;
}

static ptype *ptype_of(eddy_arena *a, const char *text) {
    pparse p = {text, a, 0};
    ptype *t = ptype_parse(&p);
    skip_ws(&p);
    return p.bad || *p.s ? NULL : t;
}

static int ngenerics(const ptype *t) {
    if (!t) return 0;
    switch (t->kind) {
    case PT_GENERIC: return 1;
    case PT_ARRAY: return ngenerics(t->elem);
    case PT_MAP: return ngenerics(t->key) + ngenerics(t->elem);
    case PT_STRUCT: {
        int n = 0;
        for (int i = 0; i < t->nfields; i++) n += ngenerics(t->ftypes[i]);
        return n;
    }
    case PT_LAMBDA: {
        int n = ngenerics(t->lret);
        for (int i = 0; i < t->nlparams; i++) n += ngenerics(t->lparams[i]);
        return n;
    }
    default: return 0;
    }
}

/* ---- matching ------------------------------------------------------------ */

typedef struct binding {
    eddy_type *g[26];
} binding;

static int nrank(eddy_type_kind k) {
    switch (k) {
    case EDDY_TYPE_INT: return 1;
    case EDDY_TYPE_BIGINT: return 2;
    case EDDY_TYPE_DECIMAL: return 3;
    case EDDY_TYPE_DOUBLE: return 4;
    default: return 0;
    }
}

/* Can a value of type t be passed as pt?  casts: allow numeric widening. */
static bool accepts(const ptype *pt, eddy_type *t, binding *b, bool casts) {
    switch (pt->kind) {
    case PT_ANY: return true;
    case PT_INTERVAL: return t->ty_kind == EDDY_TYPE_STRING;
    case PT_LAMBDA: return false;
    case PT_GENERIC: {
        eddy_type **slot = &b->g[pt->gen - 'A'];
        if (!*slot) {
            *slot = t;
            return true;
        }
        return eddy_type_equal(*slot, t);
    }
    case PT_DECIMAL:
        if (t->ty_kind == EDDY_TYPE_DECIMAL) return true;
        return casts && (t->ty_kind == EDDY_TYPE_INT || t->ty_kind == EDDY_TYPE_BIGINT);
    case PT_PRIM:
        if (t->ty_kind == pt->prim) return true;
        return casts && nrank(t->ty_kind) && nrank(pt->prim) && nrank(t->ty_kind) < nrank(pt->prim);
    case PT_ARRAY: return t->ty_kind == EDDY_TYPE_ARRAY && accepts(pt->elem, t->ty_elem, b, false);
    case PT_MAP:
        return t->ty_kind == EDDY_TYPE_MAP && accepts(pt->key, t->ty_key, b, false) &&
               accepts(pt->elem, t->ty_elem, b, false);
    case PT_STRUCT:
        if (t->ty_kind != EDDY_TYPE_STRUCT) return false;
        if (pt->nfields < 0) return true;
        if (pt->nfields != t->ty_nfields) return false;
        for (int i = 0; i < pt->nfields; i++)
            if (strcmp(pt->fnames[i], t->ty_fields[i].name) || !accepts(pt->ftypes[i], t->ty_fields[i].type, b, false))
                return false;
        return true;
    }
    return false;
}

/* The SQL type of pt under the bindings; `like` (may be NULL) is the
 * argument's type, used for DECIMAL parameters.  NULL when a generic is
 * unbound.  The type is kept alive by the arena. */
static eddy_type *instantiate(eddy_arena *a, const ptype *pt, const binding *b, eddy_type *like) {
    switch (pt->kind) {
    case PT_PRIM: return eddy_type_primitive(pt->prim);
    case PT_INTERVAL: return eddy_type_primitive(EDDY_TYPE_STRING);
    case PT_ANY: return like;
    case PT_GENERIC: return b->g[pt->gen - 'A'];
    case PT_DECIMAL:
        if (like && like->ty_kind == EDDY_TYPE_DECIMAL) return like;
        if (like && like->ty_kind == EDDY_TYPE_INT) return eddy_tx_keep(a, eddy_type_decimal(10, 0));
        if (like && like->ty_kind == EDDY_TYPE_BIGINT) return eddy_tx_keep(a, eddy_type_decimal(19, 0));
        return NULL;
    case PT_ARRAY: {
        eddy_type *e = instantiate(a, pt->elem, b, like && like->ty_kind == EDDY_TYPE_ARRAY ? like->ty_elem : NULL);
        return e ? eddy_tx_keep(a, eddy_type_array(eddy_type_ref(e))) : NULL;
    }
    case PT_MAP: {
        bool m = like && like->ty_kind == EDDY_TYPE_MAP;
        eddy_type *k = instantiate(a, pt->key, b, m ? like->ty_key : NULL);
        eddy_type *v = instantiate(a, pt->elem, b, m ? like->ty_elem : NULL);
        return k && v ? eddy_tx_keep(a, eddy_type_map(eddy_type_ref(k), eddy_type_ref(v))) : NULL;
    }
    case PT_STRUCT: {
        if (pt->nfields < 0) return like;
        eddy_type *ts[16];
        for (int i = 0; i < pt->nfields; i++) {
            ts[i] = instantiate(a, pt->ftypes[i], b, NULL);
            if (!ts[i]) {
                for (int j = 0; j < i; j++) eddy_type_unref(ts[j]);
                return NULL;
            }
            eddy_type_ref(ts[i]);
        }
        return eddy_tx_keep(a, eddy_type_struct(pt->nfields, pt->fnames, ts));
    }
    case PT_LAMBDA: return NULL;
    }
    return NULL;
}

/* ---- resolution ---------------------------------------------------------- */

static int fail(tctx *c, const eddy_expr *e, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(tctx *c, const eddy_expr *e, int code, const char *fmt, ...) {
    char msg[1000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return eddy_err_set_at(c->err, code, e->pos.line, e->pos.col, "%s", msg);
}

static int nomem(tctx *c) { return eddy_err_set(c->err, EDDY_NOMEM, "out of memory"); }

static void format_args(texpr **args, int n, eddy_strbuf *sb) {
    eddy_strbuf_putc(sb, '(');
    for (int i = 0; i < n; i++) {
        if (i) eddy_strbuf_puts(sb, ", ");
        if (args[i]->type) eddy_type_format(args[i]->type, sb);
        else eddy_strbuf_puts(sb, "null");
    }
    eddy_strbuf_putc(sb, ')');
}

static void format_variants(const eddy_function *fn, eddy_strbuf *sb) {
    for (int v = 0; v < fn->fn_nvariants; v++) {
        const eddy_function_variant *fv = &fn->fn_variants[v];
        eddy_strbuf_printf(sb, "%s(", fn->fn_name);
        for (int i = 0; i < fv->fv_nargs; i++) {
            const eddy_function_arg *a = &fv->fv_args[i];
            eddy_strbuf_printf(sb, "%s%s%s %s", i ? ", " : "", a->fa_type, a->fa_variadic ? "..." : "", a->fa_name);
        }
        eddy_strbuf_puts(sb, ")\n");
    }
}

static bool is_unit(const char *s, const char **canon) {
    static const char *const units[][2] = {
        {"NANOSECOND", "NANOSECONDS"}, {"NANOSECONDS", "NANOSECONDS"}, {"MICROSECOND", "MICROSECONDS"},
        {"MICROSECONDS", "MICROSECONDS"}, {"MILLISECOND", "MILLISECONDS"}, {"MILLISECONDS", "MILLISECONDS"},
        {"SECOND", "SECONDS"},  {"SECONDS", "SECONDS"},  {"MINUTE", "MINUTES"},
        {"MINUTES", "MINUTES"}, {"HOUR", "HOURS"},       {"HOURS", "HOURS"},
        {"DAY", "DAYS"},        {"DAYS", "DAYS"},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(s, units[i][0])) {
            *canon = units[i][1];
            return true;
        }
    return false;
}

/* Does some variant take an INTERVAL UNIT at argument i? */
static bool takes_unit(const eddy_function *fn, int i) {
    for (int v = 0; v < fn->fn_nvariants; v++) {
        const eddy_function_variant *fv = &fn->fn_variants[v];
        if (i < fv->fv_nargs && !strncmp(fv->fv_args[i].fa_type, "INTERVAL", 8)) return true;
    }
    return false;
}

typedef struct cand {
    int variant;
    int variadic, nparams, ngen;
    binding b;
} cand;

/* ksqlDB's preference among matching variants: > 0 when x is better. */
static int cand_cmp(const cand *x, const cand *y) {
    if (x->variadic != y->variadic) return x->variadic ? -1 : 1;
    if (x->nparams != y->nparams) return x->nparams - y->nparams;
    return y->ngen - x->ngen;
}

static const ptype *param_of(ptype **params, int nparams, bool variadic, int i) {
    if (variadic && i >= nparams - 1) return params[nparams - 1];
    return params[i];
}

/* The return type of a DECIMAL-returning variant: ksqlDB's schema providers. */
static eddy_type *decimal_return(tctx *c, const eddy_function *fn, texpr **args, int n) {
    eddy_type *d = NULL;
    for (int i = 0; i < n && !d; i++)
        if (args[i]->type && args[i]->type->ty_kind == EDDY_TYPE_DECIMAL) d = args[i]->type;
    if (!d) return NULL;
    if (n == 1 && (!strcmp(fn->fn_name, "ROUND") || !strcmp(fn->fn_name, "TRUNC"))) {
        int p = d->ty_precision - d->ty_scale;
        return eddy_tx_keep(c->arena, eddy_type_decimal(p < 1 ? 1 : p, 0));
    }
    return d;
}

static int lambda_call(tctx *c, const eddy_expr *e, const eddy_function *fn, texpr **out);

int eddy_tx_call(tctx *c, const eddy_expr *e, texpr **out) {
    int rc = eddy_functions_init(c->err);
    if (rc) return rc;
    const eddy_function *fn = eddy_function_lookup(e->v.func.name);
    if (!fn) return fail(c, e, EDDY_ANALYSIS, "Can't find any functions with the name '%s'", e->v.func.name);
    if (fn->fn_flags & EDDY_FN_LAMBDA) return lambda_call(c, e, fn, out);

    int n = e->v.func.args.n;
    texpr *t = eddy_arena_alloc(c->arena, sizeof *t);
    texpr **args = n ? eddy_arena_alloc(c->arena, sizeof(texpr *) * (size_t)n) : NULL;
    if (!t || (n && !args)) return nomem(c);
    t->op = fn->fn_kind == EDDY_FN_SCALAR ? TX_CALL : TX_AGG;
    t->src = e;
    t->n = n;
    t->a = args;
    for (int i = 0; i < n; i++) {
        const eddy_expr *ae = e->v.func.args.items[i];
        const char *unit;
        if (ae->kind == EDDY_EX_COLUMN && !ae->v.column.qualifier && takes_unit(fn, i) &&
            is_unit(ae->v.column.name, &unit)) {
            texpr *u = eddy_arena_alloc(c->arena, sizeof *u);
            if (!u) return nomem(c);
            u->op = TX_LIT;
            u->src = ae;
            u->type = eddy_type_primitive(EDDY_TYPE_STRING);
            u->u.lit = eddy_value_str(EDDY_V_STRING, unit, strlen(unit));
            args[i] = u;
            continue;
        }
        if (ae->kind == EDDY_EX_LAMBDA)
            return fail(c, ae, EDDY_ANALYSIS, "Function '%s' does not take lambda arguments", fn->fn_name);
        if ((rc = eddy_tx_build(c, ae, &args[i]))) return rc;
    }
    /* COUNT(*) and friends */
    if (n == 0 && fn->fn_kind != EDDY_FN_SCALAR && (e->v.func.star || !strcmp(fn->fn_name, "COUNT"))) {
        t->type = eddy_type_primitive(EDDY_TYPE_BIGINT);
        *out = t;
        return 0;
    }

    cand best = {.variant = -1}, second = {.variant = -1};
    for (int pass = 0; pass < 2 && best.variant < 0; pass++) {
        for (int v = 0; v < fn->fn_nvariants; v++) {
            const eddy_function_variant *fv = &fn->fn_variants[v];
            if (!eddy_function_variant_accepts(fv, n)) continue;
            ptype *params[16];
            bool ok = fv->fv_nargs <= 16;
            int ngen = 0;
            for (int i = 0; ok && i < fv->fv_nargs; i++) {
                params[i] = ptype_of(c->arena, fv->fv_args[i].fa_type);
                if (!params[i]) ok = false;
                else ngen += ngenerics(params[i]) ? 1 : 0;
            }
            if (!ok) continue;
            bool variadic = fv->fv_nargs > 0 && fv->fv_args[fv->fv_nargs - 1].fa_variadic;
            cand cd = {.variant = v, .variadic = variadic, .nparams = fv->fv_nargs, .ngen = ngen};
            for (int i = 0; ok && i < n; i++) {
                if (!args[i]->type) continue;
                ok = accepts(param_of(params, fv->fv_nargs, variadic, i), args[i]->type, &cd.b, pass == 1);
            }
            if (!ok) continue;
            if (best.variant < 0 || cand_cmp(&cd, &best) > 0) {
                second = best;
                best = cd;
            } else if (second.variant < 0 || cand_cmp(&cd, &second) > 0) {
                second = cd;
            }
        }
    }
    if (best.variant < 0 || (second.variant >= 0 && cand_cmp(&best, &second) == 0)) {
        eddy_strbuf sb = EDDY_STRBUF_INIT, alts = EDDY_STRBUF_INIT;
        format_args(args, n, &sb);
        format_variants(fn, &alts);
        if (best.variant < 0)
            rc = fail(c, e, EDDY_ANALYSIS,
                      "Function '%s' does not accept parameters %s.\nValid alternatives are:\n%s"
                      "For detailed information on a function run: DESCRIBE FUNCTION <Function-Name>;",
                      fn->fn_name, eddy_strbuf_cstr(&sb), eddy_strbuf_cstr(&alts));
        else
            rc = fail(c, e, EDDY_ANALYSIS,
                      "Function '%s' cannot be resolved due to ambiguous method parameters %s.\n"
                      "Use CAST() to explicitly cast your parameters to one of the supported function calls.\n"
                      "Valid function calls are:\n%s"
                      "For detailed information on a function run: DESCRIBE FUNCTION <Function-Name>;",
                      fn->fn_name, eddy_strbuf_cstr(&sb), eddy_strbuf_cstr(&alts));
        eddy_strbuf_fini(&sb);
        eddy_strbuf_fini(&alts);
        return rc;
    }

    /* argument types after the implicit casts */
    const eddy_function_variant *fv = &fn->fn_variants[best.variant];
    bool variadic = best.variadic;
    eddy_type **argt = n ? eddy_arena_alloc(c->arena, sizeof(eddy_type *) * (size_t)n) : NULL;
    if (n && !argt) return nomem(c);
    for (int i = 0; i < n; i++) {
        int pi = variadic && i >= fv->fv_nargs - 1 ? fv->fv_nargs - 1 : i;
        const ptype *pt = ptype_of(c->arena, fv->fv_args[pi].fa_type);
        eddy_type *want = pt ? instantiate(c->arena, pt, &best.b, args[i]->type) : NULL;
        if (!want) {
            if (!args[i]->type)
                return fail(c, args[i]->src, EDDY_ANALYSIS,
                            "Can't infer the type of a NULL argument of %s: cast it to the desired type", fn->fn_name);
            want = args[i]->type;
        }
        if (eddy_tx_coerce(c, &args[i], want)) return c->err->code;
        argt[i] = want;
    }
    const ptype *rt = ptype_of(c->arena, fv->fv_return_type);
    eddy_type *ret = NULL;
    if (rt && rt->kind == PT_DECIMAL) ret = decimal_return(c, fn, args, n);
    else if (rt) ret = instantiate(c->arena, rt, &best.b, NULL);
    if (!ret)
        return fail(c, e, EDDY_ANALYSIS, "Can't resolve the return type %s of %s%s", fv->fv_return_type, fn->fn_name,
                    n ? " with NULL arguments: cast them to the desired type" : "");
    t->type = ret;
    t->u.call.fn = fn;
    t->u.call.variant = best.variant;
    t->u.call.argt = argt;
    t->u.call.nargs = n;
    *out = t;
    return 0;
}

/* ---- lambdas ------------------------------------------------------------- */

/* Types a lambda body with its parameters bound to types. */
static int lambda_body(tctx *c, const eddy_expr *le, int np, eddy_type **ptypes, texpr **body) {
    if (le->kind != EDDY_EX_LAMBDA) return fail(c, le, EDDY_ANALYSIS, "Expected a lambda function here");
    if (le->v.lambda.params.n != np)
        return fail(c, le, EDDY_ANALYSIS, "The lambda function %s should take %d argument%s", "", np, np == 1 ? "" : "s");
    if (c->nlvars + np > (int)(sizeof c->lvars / sizeof c->lvars[0]))
        return fail(c, le, EDDY_UNSUPPORTED, "Lambda functions are nested too deeply");
    int save = c->nlvars;
    for (int i = 0; i < np; i++) {
        c->lvars[c->nlvars].name = le->v.lambda.params.items[i];
        c->lvars[c->nlvars].type = ptypes[i];
        c->lvars[c->nlvars].slot = c->nlvars;
        c->nlvars++;
    }
    c->in_lambda++;
    int rc = eddy_tx_build(c, le->v.lambda.body, body);
    c->in_lambda--;
    c->nlvars = save;
    return rc;
}

static int lambda_call(tctx *c, const eddy_expr *e, const eddy_function *fn, texpr **out) {
    const eddy_list *al = &e->v.func.args;
    bool is_reduce = !strcmp(fn->fn_name, "REDUCE"), is_filter = !strcmp(fn->fn_name, "FILTER");
    if (al->n < 2)
        return fail(c, e, EDDY_ANALYSIS, "Function '%s' does not accept %d parameter%s", fn->fn_name, al->n,
                    al->n == 1 ? "" : "s");
    texpr *coll, *init = NULL;
    int rc = eddy_tx_build(c, al->items[0], &coll);
    if (rc) return rc;
    if (is_reduce && al->n == 3 && (rc = eddy_tx_build(c, al->items[1], &init))) return rc;
    bool is_map = coll->type && coll->type->ty_kind == EDDY_TYPE_MAP;
    if (!coll->type || !(is_map || coll->type->ty_kind == EDDY_TYPE_ARRAY))
        return fail(c, e, EDDY_ANALYSIS, "Function '%s' needs an ARRAY or a MAP as its first argument, got %s",
                    fn->fn_name, coll->type ? "another type" : "NULL");
    int nl = al->n - (is_reduce ? 2 : 1);
    int want = is_reduce ? 1 : (!is_filter && is_map ? 2 : 1);
    if (nl != want || (is_reduce && !init))
        return fail(c, e, EDDY_ANALYSIS, "Function '%s' does not accept these parameters: %s", fn->fn_name,
                    is_reduce ? "expected (collection, initial state, lambda)" : "wrong number of lambdas");
    if (is_reduce && !init->type)
        return fail(c, e, EDDY_ANALYSIS, "The initial state of REDUCE cannot be an untyped NULL: cast it");

    texpr *t = eddy_arena_alloc(c->arena, sizeof *t);
    texpr **args = eddy_arena_alloc(c->arena, sizeof(texpr *) * 2);
    if (!t || !args) return nomem(c);
    tx_lambda *L = &t->u.lambda;
    int np = 0;
    if (is_reduce) L->ptypes[np++] = init->type;
    if (is_map) {
        L->ptypes[np++] = coll->type->ty_key;
        L->ptypes[np++] = coll->type->ty_elem;
    } else {
        L->ptypes[np++] = coll->type->ty_elem;
    }
    L->nparams = np;
    L->nbodies = nl;
    for (int i = 0; i < nl; i++) {
        if ((rc = lambda_body(c, al->items[al->n - nl + i], np, L->ptypes, &L->body[i]))) return rc;
        if (!L->body[i]->type)
            return fail(c, al->items[al->n - nl + i], EDDY_ANALYSIS, "A lambda function cannot return an untyped NULL");
    }
    eddy_type *rtype;
    if (is_reduce) {
        L->kind = is_map ? TXL_REDUCE_MAP : TXL_REDUCE_ARRAY;
        if (!eddy_type_equal(L->body[0]->type, init->type) && eddy_tx_coerce(c, &L->body[0], init->type))
            return c->err->code;
        rtype = init->type;
    } else if (is_filter) {
        L->kind = is_map ? TXL_FILTER_MAP : TXL_FILTER_ARRAY;
        if (L->body[0]->type->ty_kind != EDDY_TYPE_BOOLEAN)
            return fail(c, e, EDDY_ANALYSIS, "The lambda function of FILTER must return a BOOLEAN");
        rtype = coll->type;
    } else if (is_map) {
        L->kind = TXL_TRANSFORM_MAP;
        rtype = eddy_tx_keep(c->arena, eddy_type_map(eddy_type_ref(L->body[0]->type), eddy_type_ref(L->body[1]->type)));
    } else {
        L->kind = TXL_TRANSFORM_ARRAY;
        rtype = eddy_tx_keep(c->arena, eddy_type_array(eddy_type_ref(L->body[0]->type)));
    }
    if (!rtype) return nomem(c);
    t->op = TX_LAMBDA;
    t->src = e;
    t->type = rtype;
    t->n = is_reduce ? 2 : 1;
    t->a = args;
    args[0] = coll;
    if (is_reduce) args[1] = init;
    t->sub = c->nlvars; /* outer lambda variables visible to the bodies */
    *out = t;
    return 0;
}
