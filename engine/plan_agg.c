/* plan_agg.c - plans aggregations: GROUP BY, aggregate calls, HAVING and windows (ksqlDB's checks and schemas). */
#include "engine/plan_int.h"

#include "sql/functions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS (24LL * 60 * 60 * 1000)

/* ---- walking expressions -------------------------------------------------------- */

static bool is_aggregate_call(const eddy_expr *e) {
    if (e->kind != EDDY_EX_FUNC) return false;
    if (eddy_functions_init(NULL)) return false;
    const eddy_function *fn = eddy_function_lookup(e->v.func.name);
    return fn && fn->fn_kind == EDDY_FN_AGGREGATE;
}

/* The child slots of e (pointers into e's fields or lists), at most cap. */
static int children(eddy_expr *e, eddy_expr ***slots, int cap) {
    int n = 0;
#define SLOT(p)                                                                                                        \
    do {                                                                                                               \
        if ((p) && n < cap) slots[n++] = &(p);                                                                         \
    } while (0)
#define LIST(l)                                                                                                        \
    do {                                                                                                               \
        for (int i_ = 0; i_ < (l).n && n < cap; i_++) slots[n++] = (eddy_expr **)&(l).items[i_];                      \
    } while (0)
    switch (e->kind) {
    case EDDY_EX_DEREF: SLOT(e->v.deref.base); break;
    case EDDY_EX_SUBSCRIPT: SLOT(e->v.subscript.base); SLOT(e->v.subscript.index); break;
    case EDDY_EX_FUNC: LIST(e->v.func.args); break;
    case EDDY_EX_CAST: SLOT(e->v.cast.arg); break;
    case EDDY_EX_CASE:
        SLOT(e->v.case_.operand);
        LIST(e->v.case_.whens);
        LIST(e->v.case_.thens);
        SLOT(e->v.case_.else_);
        break;
    case EDDY_EX_UNARY: SLOT(e->v.unary.arg); break;
    case EDDY_EX_BINARY: SLOT(e->v.binary.left); SLOT(e->v.binary.right); break;
    case EDDY_EX_LIKE: SLOT(e->v.like.arg); SLOT(e->v.like.pattern); SLOT(e->v.like.escape); break;
    case EDDY_EX_BETWEEN: SLOT(e->v.between.arg); SLOT(e->v.between.lo); SLOT(e->v.between.hi); break;
    case EDDY_EX_IN: SLOT(e->v.in.arg); LIST(e->v.in.list); break;
    case EDDY_EX_IS_NULL: SLOT(e->v.is_null.arg); break;
    case EDDY_EX_IS_DISTINCT: SLOT(e->v.is_distinct.left); SLOT(e->v.is_distinct.right); break;
    case EDDY_EX_ARRAY: LIST(e->v.array.items); break;
    case EDDY_EX_MAP: LIST(e->v.map.keys); LIST(e->v.map.values); break;
    case EDDY_EX_STRUCT: LIST(e->v.struct_.values); break;
    default: break; /* literals, columns, lambdas (their bodies see lambda variables) */
    }
#undef SLOT
#undef LIST
    return n;
}

#define MAX_CHILDREN 256

bool eddy_plan_has_aggregate(const eddy_expr *e) {
    if (!e) return false;
    if (is_aggregate_call(e)) return true;
    eddy_expr **slots[MAX_CHILDREN];
    int n = children((eddy_expr *)e, slots, MAX_CHILDREN);
    for (int i = 0; i < n; i++)
        if (eddy_plan_has_aggregate(*slots[i])) return true;
    return false;
}

const char *eddy_plan_window_bound_in(const eddy_expr *e) {
    if (!e) return NULL;
    if (e->kind == EDDY_EX_COLUMN && (!strcmp(e->v.column.name, "WINDOWSTART") || !strcmp(e->v.column.name, "WINDOWEND")))
        return e->v.column.name;
    eddy_expr **slots[MAX_CHILDREN];
    int n = children((eddy_expr *)e, slots, MAX_CHILDREN);
    for (int i = 0; i < n; i++) {
        const char *b = eddy_plan_window_bound_in(*slots[i]);
        if (b) return b;
    }
    return NULL;
}

/* A shallow copy of e with its lists copied, so children can be replaced. */
static eddy_expr *shallow_copy(eddy_arena *a, const eddy_expr *e) {
    eddy_expr *c = eddy_ast_expr(a, e->kind, e->pos);
    if (!c) return NULL;
    *c = *e;
    eddy_list *lists[3] = {0};
    switch (c->kind) {
    case EDDY_EX_FUNC: lists[0] = &c->v.func.args; break;
    case EDDY_EX_CASE: lists[0] = &c->v.case_.whens; lists[1] = &c->v.case_.thens; break;
    case EDDY_EX_IN: lists[0] = &c->v.in.list; break;
    case EDDY_EX_ARRAY: lists[0] = &c->v.array.items; break;
    case EDDY_EX_MAP: lists[0] = &c->v.map.keys; lists[1] = &c->v.map.values; break;
    case EDDY_EX_STRUCT: lists[0] = &c->v.struct_.values; break;
    default: break;
    }
    for (int i = 0; i < 3; i++) {
        eddy_list *l = lists[i];
        if (!l || l->n == 0) continue;
        void **items = eddy_arena_alloc(a, sizeof(void *) * (size_t)l->n);
        if (!items) return NULL;
        memcpy(items, l->items, sizeof(void *) * (size_t)l->n);
        l->items = items;
        l->cap = l->n;
    }
    return c;
}

/* ---- the planner's state ---------------------------------------------------------- */

typedef struct actx {
    eddy_plan *p;
    const eddy_query *q;
    const eddy_expr_scope *scope;  /* the source's */
    eddy_err *err;
    int ngroup;
    const eddy_expr **group;       /* GROUP BY expressions */
    int ncalls, calls_cap;
    const eddy_expr **call_exprs;  /* the aggregate calls found, deduplicated */
    eddy_strbuf missing;           /* non-aggregate columns not in GROUP BY */
    int nmissing;
    bool windowed;
    bool in_having;
} actx;

static int nomem(actx *c) { return eddy_err_set(c->err, EDDY_NOMEM, "out of memory"); }

static int add_call(actx *c, const eddy_expr *e) {
    for (int i = 0; i < c->ncalls; i++)
        if (eddy_plan_expr_same(c->call_exprs[i], e)) return i;
    if (c->ncalls == c->calls_cap) {
        int cap = c->calls_cap ? c->calls_cap * 2 : 8;
        const eddy_expr **nv = realloc(c->call_exprs, sizeof *nv * (size_t)cap);
        if (!nv) return -1;
        c->call_exprs = nv;
        c->calls_cap = cap;
    }
    c->call_exprs[c->ncalls] = e;
    return c->ncalls++;
}

static bool is_window_bound(const char *name) { return !strcmp(name, "WINDOWSTART") || !strcmp(name, "WINDOWEND"); }

/* Rewrites e to read the aggregate row: group expressions become
 * KSQL_GROUPBY_<i>, aggregate calls KSQL_AGG_VARIABLE_<j>.  Columns left
 * over are not in the GROUP BY: they are collected for the error. */
static eddy_expr *rewrite(actx *c, const eddy_expr *e) {
    char name[64];
    for (int i = 0; i < c->ngroup; i++) {
        if (eddy_plan_expr_same(e, c->group[i])) {
            snprintf(name, sizeof name, "KSQL_GROUPBY_%d", i);
            return eddy_plan_column_expr(c->p->arena, name, e->pos);
        }
    }
    if (is_aggregate_call(e)) {
        for (int i = 0; i < e->v.func.args.n; i++) {
            if (eddy_plan_has_aggregate(e->v.func.args.items[i])) {
                eddy_strbuf sb = EDDY_STRBUF_INIT;
                eddy_plan_format_qualified(e, NULL, &sb);
                eddy_err_set(c->err, EDDY_ANALYSIS, "Aggregate functions can not be nested: %s", eddy_strbuf_cstr(&sb));
                eddy_strbuf_fini(&sb);
                return NULL;
            }
        }
        int j = add_call(c, e);
        if (j < 0) {
            nomem(c);
            return NULL;
        }
        snprintf(name, sizeof name, "KSQL_AGG_VARIABLE_%d", j);
        return eddy_plan_column_expr(c->p->arena, name, e->pos);
    }
    if (e->kind == EDDY_EX_COLUMN) {
        if (c->windowed && !e->v.column.qualifier && is_window_bound(e->v.column.name)) return (eddy_expr *)e;
        if (c->nmissing++) eddy_strbuf_puts(&c->missing, ", ");
        eddy_strbuf_puts(&c->missing, e->v.column.name);
        return (eddy_expr *)e;
    }
    eddy_expr **slots[MAX_CHILDREN];
    int n = children((eddy_expr *)e, slots, MAX_CHILDREN);
    if (n == 0) return (eddy_expr *)e;
    eddy_expr *copy = shallow_copy(c->p->arena, e);
    if (!copy) {
        nomem(c);
        return NULL;
    }
    n = children(copy, slots, MAX_CHILDREN);
    for (int i = 0; i < n; i++) {
        eddy_expr *r = rewrite(c, *slots[i]);
        if (!r) return NULL;
        *slots[i] = r;
    }
    return copy;
}

/* ---- windows -------------------------------------------------------------------- */

static int plan_window(actx *c, eddy_err *err) {
    const eddy_window *w = &c->q->window;
    eddy_plan_window *pw = &c->p->agg->window;
    pw->kind = w->kind;
    if (w->kind == EDDY_WIN_NONE) return 0;
    pw->size_ms = w->size.ms;
    pw->advance_ms = w->kind == EDDY_WIN_HOPPING ? w->advance.ms : w->size.ms;
    if (pw->size_ms <= 0) return eddy_err_set(err, EDDY_ANALYSIS, "Window size must be positive.");
    if (w->kind == EDDY_WIN_HOPPING) {
        if (pw->advance_ms <= 0) return eddy_err_set(err, EDDY_ANALYSIS, "Window advance must be positive.");
        if (pw->advance_ms > pw->size_ms)
            return eddy_err_set(err, EDDY_ANALYSIS,
                                "Window advanceBy must be less than or equal to the window size. "
                                "Got advanceBy=%lldms and size=%lldms.",
                                (long long)pw->advance_ms, (long long)pw->size_ms);
    }
    if (w->grace.set) pw->grace_ms = w->grace.ms;
    else if (c->q->emit == EDDY_EMIT_FINAL) pw->grace_ms = 0;
    else pw->grace_ms = DAY_MS - pw->size_ms > 0 ? DAY_MS - pw->size_ms : 0;
    int64_t min_retention = (w->kind == EDDY_WIN_SESSION ? pw->size_ms : pw->size_ms) + pw->grace_ms;
    if (w->retention.set) {
        if (w->retention.ms < min_retention)
            return eddy_err_set(err, EDDY_ANALYSIS,
                                "The retention period of the window store must be at least the window size plus the "
                                "grace period. Retention: %lldms, window size + grace: %lldms.",
                                (long long)w->retention.ms, (long long)min_retention);
        pw->retention_ms = w->retention.ms;
    } else {
        pw->retention_ms = min_retention > DAY_MS ? min_retention : DAY_MS;
    }
    return 0;
}

/* ---- the calls -------------------------------------------------------------------- */

/* Types the calls' arguments, prepares them and lays out the pre row:
 * [group values | each call's row arguments]. */
static int prepare_calls(actx *c, eddy_err *err) {
    eddy_plan_agg *ag = c->p->agg;
    int rc;
    ag->ncalls = c->ncalls;
    ag->calls = calloc((size_t)c->ncalls + 1, sizeof *ag->calls);
    ag->call_arg0 = calloc((size_t)c->ncalls + 1, sizeof *ag->call_arg0);
    int cap = c->ngroup + c->ncalls * EDDY_AGG_MAX_ARGS + 1;
    ag->pre_exprs = calloc((size_t)cap, sizeof *ag->pre_exprs);
    if (!ag->calls || !ag->call_arg0 || !ag->pre_exprs) return nomem(c);
    for (int i = 0; i < c->ngroup; i++) ag->pre_exprs[ag->npre++] = c->group[i];
    ag->ngroup = c->ngroup;
    for (int j = 0; j < c->ncalls; j++) {
        const eddy_expr *e = c->call_exprs[j];
        eddy_agg_call *call = &ag->calls[j];
        call->name = e->v.func.name;
        call->star = e->v.func.star || (e->v.func.args.n == 0 && !strcmp(e->v.func.name, "COUNT"));
        call->collect_limit = 1000;
        if (e->v.func.args.n > EDDY_AGG_MAX_ARGS)
            return eddy_err_set(err, EDDY_ANALYSIS, "Function '%s' does not accept %d parameters.", e->v.func.name,
                                e->v.func.args.n);
        call->nargs = e->v.func.args.n;
        /* The whole call is typed first: that checks the arguments against
         * the registry's signatures with ksqlDB's messages. */
        eddy_type *whole = NULL;
        if ((rc = eddy_expr_typeof(c->scope, e, c->in_having ? "HAVING" : "SELECT", &whole, err))) return rc;
        eddy_type_unref(whole);
        for (int i = 0; i < call->nargs; i++) {
            const eddy_expr *ae = e->v.func.args.items[i];
            eddy_agg_arg *arg = &call->args[i];
            eddy_type *t = NULL;
            if ((rc = eddy_expr_typeof(c->scope, ae, "SELECT", &t, err))) return rc;
            arg->type = eddy_ast_keep_type(c->p->arena, t);
            eddy_strbuf at = EDDY_STRBUF_INIT;
            eddy_plan_format_qualified(ae, NULL, &at);
            arg->sql = eddy_arena_strdup(c->p->arena, eddy_strbuf_cstr(&at));
            eddy_strbuf_fini(&at);
            switch (ae->kind) {
            case EDDY_EX_INT: case EDDY_EX_BOOL: case EDDY_EX_STRING: case EDDY_EX_DOUBLE: case EDDY_EX_DECIMAL:
            case EDDY_EX_NULL: {
                eddy_type *lt = NULL;
                if (eddy_expr_eval_const(ae, c->p->arena, &arg->value, &lt, err) == 0) arg->is_literal = true;
                eddy_type_unref(lt);
                eddy_err_clear(err);
                break;
            }
            default: break;
            }
        }
        if ((rc = eddy_agg_prepare(call, err))) return rc;
        ag->call_arg0[j] = ag->npre;
        for (int i = 0; i < call->nrow_args; i++) ag->pre_exprs[ag->npre++] = e->v.func.args.items[i];
    }
    return 0;
}

/* ---- the plan ---------------------------------------------------------------------- */

void eddy_plan_agg_scope(const eddy_plan *p, eddy_scope_source *src, eddy_expr_scope *scope) {
    memset(src, 0, sizeof *src);
    memset(scope, 0, sizeof *scope);
    src->name = p->source->name;
    src->alias = p->source_alias;
    src->schema = p->agg->agg_schema;
    scope->nsources = 1;
    scope->sources = src;
    scope->pseudo = EDDY_PSEUDO_ROWTIME;
    scope->ncols = p->agg->agg_schema->ncols;
}

static bool group_is_source_key(const eddy_plan *p, const actx *c) {
    const eddy_schema *s = p->source->schema;
    int nkeys = eddy_schema_nkeys(s);
    if (nkeys == 0 || nkeys != c->ngroup) return false;
    for (int k = 0; k < c->ngroup; k++) {
        const eddy_expr *e = c->group[k];
        if (e->kind != EDDY_EX_COLUMN || eddy_schema_find(s, e->v.column.name) != k) return false;
    }
    return true;
}

int eddy_plan_aggregate(eddy_plan *p, const eddy_query *q, const char *sink_name, const eddy_expr_scope *scope,
                        item *v, int n, eddy_err *err) {
    actx c = {.p = p, .q = q, .scope = scope, .err = err, .missing = EDDY_STRBUF_INIT};
    int rc = 0;
    c.windowed = q->window.kind != EDDY_WIN_NONE;
    c.nmissing = 0;
    p->agg = calloc(1, sizeof *p->agg);
    if (!p->agg) return nomem(&c);
    eddy_plan_agg *ag = p->agg;
    ag->source_is_table = p->source->kind == EDDY_SOURCE_TABLE;
    ag->emit_final = q->emit == EDDY_EMIT_FINAL;

    c.ngroup = q->group_by.n;
    c.group = (const eddy_expr **)q->group_by.items;
    for (int i = 0; i < c.ngroup; i++) {
        eddy_type *t = NULL;
        if (eddy_plan_has_aggregate(c.group[i])) {
            const eddy_expr *f = c.group[i];
            while (!is_aggregate_call(f)) { /* name the aggregate inside */
                eddy_expr **slots[MAX_CHILDREN];
                int nc = children((eddy_expr *)f, slots, MAX_CHILDREN), k = 0;
                while (k < nc && !eddy_plan_has_aggregate(*slots[k])) k++;
                f = *slots[k];
            }
            rc = eddy_err_set(err, EDDY_ANALYSIS, "GROUP BY does not support aggregate functions: %s is an aggregate function.",
                              f->v.func.name);
            goto out;
        }
        for (int j = 0; j < i; j++) {
            if (eddy_plan_expr_same(c.group[i], c.group[j])) {
                eddy_strbuf tmp = EDDY_STRBUF_INIT;
                eddy_plan_format_qualified(c.group[i], p->source->name, &tmp);
                rc = eddy_err_set(err, EDDY_ANALYSIS, "Duplicate GROUP BY expression: %s", eddy_strbuf_cstr(&tmp));
                eddy_strbuf_fini(&tmp);
                goto out;
            }
        }
        if ((rc = eddy_expr_typeof(scope, c.group[i], "GROUP BY", &t, err))) goto out;
        eddy_type_unref(t);
    }
    {
        bool any_agg = q->having && eddy_plan_has_aggregate(q->having);
        for (int i = 0; i < n && !any_agg; i++) any_agg = eddy_plan_has_aggregate(v[i].expr);
        if (c.ngroup && !any_agg) {
            rc = eddy_err_set(err, EDDY_ANALYSIS, "GROUP BY requires aggregate functions in either the SELECT or HAVING clause.");
            goto out;
        }
    }
    if (p->source->value_fmt.format && !strcmp(p->source->value_fmt.format, "KAFKA")) {
        rc = eddy_err_set(err, EDDY_ANALYSIS,
                          "Source(s) %s are using the 'KAFKA' value format. This format does not yet support GROUP BY.",
                          p->source->name);
        goto out;
    }
    if ((rc = plan_window(&c, err))) goto out;

    /* Keys: the items that are the grouping expressions. */
    for (int k = 0; k < c.ngroup; k++) {
        int found = -1;
        for (int i = 0; i < n; i++) {
            if (!eddy_plan_expr_same(v[i].expr, c.group[k])) continue;
            if (found >= 0) {
                rc = eddy_err_set(err, EDDY_ANALYSIS, "The projection contains a key column more than once: `%s` and `%s`.",
                                  v[found].name, v[i].name);
                goto out;
            }
            found = i;
        }
        if (found >= 0) {
            v[found].is_key = true;
            v[found].key_order = k;
        }
    }

    /* The projection and HAVING over the aggregate row. */
    eddy_strbuf bad = EDDY_STRBUF_INIT;
    int nbad = 0;
    for (int i = 0; i < n; i++) {
        int before = c.nmissing;
        const eddy_expr *r = rewrite(&c, v[i].expr);
        if (!r) {
            eddy_strbuf_fini(&bad);
            rc = err->code ? err->code : nomem(&c);
            goto out;
        }
        if (c.nmissing != before) {
            if (nbad++) eddy_strbuf_puts(&bad, ", ");
            eddy_plan_format_qualified(v[i].expr, NULL, &bad);
        }
        v[i].expr = r;
    }
    if (nbad) {
        rc = eddy_err_set(err, EDDY_ANALYSIS,
                          "Non-aggregate SELECT expression(s) not part of GROUP BY: %s\nEither add the column(s) to the "
                          "GROUP BY or remove them from the SELECT.",
                          eddy_strbuf_cstr(&bad));
        eddy_strbuf_fini(&bad);
        goto out;
    }
    eddy_strbuf_fini(&bad);
    if (c.ngroup == 0 && p->kind != EDDY_PLAN_PUSH) { /* a push query may aggregate the whole stream */
        eddy_strbuf calls = EDDY_STRBUF_INIT;
        for (int j = 0; j < c.ncalls; j++) {
            if (j) eddy_strbuf_puts(&calls, ", ");
            const eddy_expr *f = c.call_exprs[j];
            if (f->v.func.star || f->v.func.args.n == 0) eddy_strbuf_printf(&calls, "%s(ROWTIME)", f->v.func.name);
            else eddy_plan_format_qualified(f, NULL, &calls);
        }
        rc = eddy_err_set(err, EDDY_ANALYSIS,
                          "%s statement does not support aggregate function [%s] without a GROUP BY clause.",
                          p->kind == EDDY_PLAN_PUSH ? "SELECT" : "CREATE TABLE AS SELECT", eddy_strbuf_cstr(&calls));
        eddy_strbuf_fini(&calls);
        goto out;
    }
    if (q->having && eddy_plan_window_bound_in(q->having)) {
        rc = eddy_err_set(err, EDDY_ANALYSIS,
                          "Window bounds column %s can only be used in the SELECT clause of windowed aggregations",
                          eddy_plan_window_bound_in(q->having));
        goto out;
    }
    if (q->having) {
        c.in_having = true;
        const eddy_expr *h = rewrite(&c, q->having);
        if (!h) {
            rc = err->code ? err->code : nomem(&c);
            goto out;
        }
        if (c.nmissing) {
            rc = eddy_err_set(err, EDDY_ANALYSIS, "Non-aggregate HAVING expression not part of GROUP BY: %s",
                              eddy_strbuf_cstr(&c.missing));
            goto out;
        }
        ag->having = h;
    }
    /* Group columns not selected are still keys (ksqlDB requires them in
     * the projection: see the caller's key check). */
    bool missing_key = false;
    for (int k = 0; k < c.ngroup; k++) {
        bool sel = false;
        for (int i = 0; i < n; i++)
            if (v[i].is_key && v[i].key_order == k) sel = true;
        if (!sel) missing_key = true;
    }
    if (missing_key && p->kind != EDDY_PLAN_PUSH) {
        eddy_strbuf names = EDDY_STRBUF_INIT, ex = EDDY_STRBUF_INIT;
        int nm = 0, total = 0;
        for (int k = 0; k < c.ngroup; k++) {
            bool sel = false;
            for (int i = 0; i < n; i++)
                if (v[i].is_key && v[i].key_order == k) sel = true;
            if (!sel) total++;
        }
        for (int k = 0; k < c.ngroup; k++) {
            bool sel = false;
            for (int i = 0; i < n; i++)
                if (v[i].is_key && v[i].key_order == k) sel = true;
            if (sel) continue;
            eddy_strbuf tmp = EDDY_STRBUF_INIT;
            eddy_plan_format_qualified(c.group[k], NULL, &tmp);
            if (nm) {
                eddy_strbuf_puts(&names, nm == total - 1 ? " and " : ", ");
                eddy_strbuf_puts(&ex, ", ");
            }
            nm++;
            eddy_strbuf_puts(&names, eddy_strbuf_cstr(&tmp));
            eddy_strbuf_puts(&ex, eddy_strbuf_cstr(&tmp));
            eddy_strbuf_fini(&tmp);
        }
        rc = eddy_err_set(err, EDDY_ANALYSIS,
                          "The query used to build `%s` must include the grouping expression%s %s in its projection "
                          "(eg, SELECT %s...).",
                          sink_name, total > 1 ? "s" : "", eddy_strbuf_cstr(&names), eddy_strbuf_cstr(&ex));
        eddy_strbuf_fini(&names);
        eddy_strbuf_fini(&ex);
        goto out;
    }
    if ((rc = prepare_calls(&c, err))) goto out;
    if (ag->source_is_table) {
        const char *names[64];
        int nn = 0;
        for (int j = 0; j < ag->ncalls && nn < 64; j++) {
            if (eddy_agg_call_undoable(&ag->calls[j])) continue;
            bool dup = false;
            for (int k = 0; k < nn; k++) dup |= !strcmp(names[k], ag->calls[j].name);
            if (!dup) names[nn++] = ag->calls[j].name;
        }
        if (nn) {
            eddy_strbuf sb = EDDY_STRBUF_INIT;
            eddy_plan_join_and(&sb, names, nn);
            rc = eddy_err_set(err, EDDY_ANALYSIS,
                              "The aggregation functions %s cannot be applied to a table source, only to a stream source.",
                              eddy_strbuf_cstr(&sb));
            eddy_strbuf_fini(&sb);
            goto out;
        }
    }
    if (p->source->value_fmt.format && !strcmp(p->source->value_fmt.format, "DELIMITED")) {
        for (int j = 0; j < ag->ncalls; j++) {
            if (ag->calls[j].complex_state) {
                rc = eddy_err_set(err, EDDY_ANALYSIS,
                                  "One of the functions used in the statement has an intermediate type that the value "
                                  "format can not handle. Please remove the function or change the format.");
                goto out;
            }
        }
    }
    /* The aggregate row. */
    ag->agg_schema = eddy_schema_new();
    if (!ag->agg_schema) {
        rc = nomem(&c);
        goto out;
    }
    for (int k = 0; k < c.ngroup; k++) {
        char name[64];
        eddy_type *t = NULL;
        snprintf(name, sizeof name, "KSQL_GROUPBY_%d", k);
        if ((rc = eddy_expr_typeof(scope, c.group[k], "GROUP BY", &t, err))) goto out;
        eddy_schema_add(ag->agg_schema, name, t, EDDY_COL_KEY, NULL);
    }
    for (int j = 0; j < ag->ncalls; j++) {
        char name[64];
        snprintf(name, sizeof name, "KSQL_AGG_VARIABLE_%d", j);
        eddy_schema_add(ag->agg_schema, name, eddy_type_ref(ag->calls[j].result), EDDY_COL_VALUE, NULL);
    }
    if (c.windowed) {
        eddy_schema_add(ag->agg_schema, "WINDOWSTART", eddy_type_primitive(EDDY_TYPE_BIGINT), EDDY_COL_VALUE, NULL);
        eddy_schema_add(ag->agg_schema, "WINDOWEND", eddy_type_primitive(EDDY_TYPE_BIGINT), EDDY_COL_VALUE, NULL);
    }
    if (ag->having) {
        eddy_scope_source ss;
        eddy_expr_scope as;
        eddy_type *ht = NULL;
        eddy_plan_agg_scope(p, &ss, &as);
        if ((rc = eddy_expr_typeof(&as, ag->having, "HAVING", &ht, err))) goto out;
        bool ok = ht && ht->ty_kind == EDDY_TYPE_BOOLEAN;
        eddy_type_unref(ht);
        if (!ok) {
            rc = eddy_err_set(err, EDDY_ANALYSIS, "Type error in HAVING expression: Should evaluate to boolean.");
            goto out;
        }
    }
    ag->repartition = ag->source_is_table || !group_is_source_key(p, &c);
out:
    eddy_strbuf_fini(&c.missing);
    free(c.call_exprs);
    return rc;
}
