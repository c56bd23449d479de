/* expr_lambda.c - TRANSFORM, FILTER and REDUCE: running a lambda body over the items of an array or map.
 *
 * Each lambda body is compiled into its own statement `SELECT <body>` whose
 * parameters are the lambda variables: ?1..?k are the variables of the
 * enclosing lambdas (passed along as extra arguments), then the lambda's own
 * (for REDUCE: the state, then the element, or key and value); the input
 * columns a body uses are parameters EDDY_X_CAPTURE_PARAM + capture number.
 * The UDF
 *     e_lambda(lambda id, result type, k, collection, [initial state], outer variables..., captures...)
 * binds them item by item, steps the body and collects the results in the
 * scratch arena.
 */
#include "engine/expr_int.h"

#include <string.h>

static int bind(sqlite3_stmt *st, int i, const eddy_value *v, const eddy_type *t) {
    switch (v->v_kind) {
    case EDDY_V_STRING: return sqlite3_bind_text(st, i, v->v_len ? v->u.s : "", (int)v->v_len, SQLITE_STATIC);
    case EDDY_V_BYTES: return sqlite3_bind_blob(st, i, v->v_len ? v->u.s : "", (int)v->v_len, SQLITE_STATIC);
    default: return eddy_sqlval_bind(st, i, v, t);
    }
}

/* Binds an outer variable as it came in (pointers keep their box). */
static int bind_arg(sqlite3_stmt *st, int i, sqlite3_value *v) {
    const eddy_sqlbox *b = eddy_sqlval_box(v);
    if (b) return sqlite3_bind_pointer(st, i, (void *)b, EDDY_SQLVAL_PTR_TYPE, NULL);
    return sqlite3_bind_value(st, i, v);
}

typedef struct env {
    sqlite3_value **outer; /* enclosing lambdas' variables */
    int nouter;
    sqlite3_value **caps;  /* captured columns */
    int ncaps;
} env;

/* Runs body b of xl with the given own parameters; result into *out (scratch). */
static int run(sqlite3_context *ctx, xlambda *xl, int b, const env *ev, const eddy_value *params, int np,
               eddy_arena *a, eddy_value *out) {
    sqlite3_stmt *st = xl->stmt[b];
    sqlite3_reset(st);
    int rc = SQLITE_OK, used = sqlite3_bind_parameter_count(st); /* a body may not use every variable */
    for (int i = 0; i < ev->nouter && i + 1 <= used && rc == SQLITE_OK; i++) rc = bind_arg(st, i + 1, ev->outer[i]);
    for (int i = 0; i < np && ev->nouter + i + 1 <= used && rc == SQLITE_OK; i++)
        rc = bind(st, ev->nouter + i + 1, &params[i], xl->ptypes[i]);
    for (int i = 0; i < ev->ncaps && EDDY_X_CAPTURE_PARAM + i <= used && rc == SQLITE_OK; i++)
        rc = bind_arg(st, EDDY_X_CAPTURE_PARAM + i, ev->caps[i]);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_result_error(ctx, sqlite3_errmsg(sqlite3_db_handle(st)), -1);
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
    }
    int r = eddy_sqlval_column(st, 0, xl->rtype[b], a, out);
    sqlite3_reset(st);
    if (r == EDDY_NOMEM) return SQLITE_NOMEM;
    if (r) *out = eddy_value_null();
    return SQLITE_OK;
}

void eddy_x_lambda_udf(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_exprs *x = sqlite3_user_data(ctx);
    int lid = sqlite3_value_int(argv[0]);
    int rtid = sqlite3_value_int(argv[1]);
    if (lid < 0 || lid >= x->nlambdas || rtid < 0 || rtid >= x->nttab) {
        sqlite3_result_error(ctx, "e_lambda: bad arguments", -1);
        return;
    }
    xlambda *xl = &x->lambdas[lid];
    eddy_type *rtype = x->ttab[rtid];
    bool reduce = xl->kind == TXL_REDUCE_ARRAY || xl->kind == TXL_REDUCE_MAP;
    bool is_map = xl->kind == TXL_TRANSFORM_MAP || xl->kind == TXL_FILTER_MAP || xl->kind == TXL_REDUCE_MAP;
    int base = reduce ? 5 : 4;
    int nouter = sqlite3_value_int(argv[2]);
    if (argc < base + nouter || nouter < 0) {
        sqlite3_result_error(ctx, "e_lambda: bad arguments", -1);
        return;
    }
    env ev = {.outer = argv + base, .nouter = nouter, .caps = argv + base + nouter, .ncaps = argc - base - nouter};
    const eddy_sqlbox *cb = eddy_sqlval_box(argv[3]);
    if (!cb || cb->value.v_kind != (is_map ? EDDY_V_MAP : EDDY_V_ARRAY)) return; /* NULL collection */
    const eddy_value *coll = &cb->value;
    eddy_sqlval_env *env = eddy_sqlval_env_get();
    eddy_arena *a = env && env->scratch ? env->scratch : x->scratch;
    if (xl->busy) {
        sqlite3_result_error(ctx, "e_lambda: recursive lambda", -1);
        return;
    }
    xl->busy = 1;
    int rc = SQLITE_OK;
    eddy_value params[3], res = eddy_value_null();
    uint32_t n = coll->v_len;
    if (reduce) {
        eddy_value state;
        if (eddy_sqlval_get(argv[4], xl->ptypes[0], a, &state)) {
            rc = SQLITE_ERROR;
            sqlite3_result_error(ctx, "e_lambda: bad initial state", -1);
        }
        for (uint32_t i = 0; i < n && rc == SQLITE_OK; i++) {
            params[0] = state;
            if (is_map) {
                params[1] = coll->u.items[2 * i];
                params[2] = coll->u.items[2 * i + 1];
            } else {
                params[1] = coll->u.items[i];
            }
            rc = run(ctx, xl, 0, &ev, params, xl->nparams, a, &state);
        }
        res = state;
    } else if (xl->kind == TXL_TRANSFORM_ARRAY || xl->kind == TXL_TRANSFORM_MAP) {
        res = eddy_value_container(a, is_map ? EDDY_V_MAP : EDDY_V_ARRAY, n);
        if (n && res.v_kind == EDDY_V_NULL) rc = SQLITE_NOMEM;
        uint32_t kept = 0;
        for (uint32_t i = 0; i < n && rc == SQLITE_OK; i++) {
            if (is_map) {
                params[0] = coll->u.items[2 * i];
                params[1] = coll->u.items[2 * i + 1];
                eddy_value k, v;
                rc = run(ctx, xl, 0, &ev, params, 2, a, &k);
                if (rc == SQLITE_OK) rc = run(ctx, xl, 1, &ev, params, 2, a, &v);
                if (rc != SQLITE_OK) break;
                uint32_t j;
                for (j = 0; j < kept; j++)
                    if (eddy_value_equal(&res.u.items[2 * j], &k)) break;
                res.u.items[2 * j] = k;
                res.u.items[2 * j + 1] = v;
                if (j == kept) kept++;
            } else {
                params[0] = coll->u.items[i];
                rc = run(ctx, xl, 0, &ev, params, 1, a, &res.u.items[i]);
                kept++;
            }
        }
        res.v_len = kept;
    } else { /* FILTER */
        res = eddy_value_container(a, is_map ? EDDY_V_MAP : EDDY_V_ARRAY, n);
        if (n && res.v_kind == EDDY_V_NULL) rc = SQLITE_NOMEM;
        uint32_t kept = 0;
        for (uint32_t i = 0; i < n && rc == SQLITE_OK; i++) {
            eddy_value keep;
            if (is_map) {
                params[0] = coll->u.items[2 * i];
                params[1] = coll->u.items[2 * i + 1];
            } else {
                params[0] = coll->u.items[i];
            }
            rc = run(ctx, xl, 0, &ev, params, is_map ? 2 : 1, a, &keep);
            if (rc != SQLITE_OK || keep.v_kind != EDDY_V_BOOL || !keep.u.i) continue;
            if (is_map) {
                res.u.items[2 * kept] = params[0];
                res.u.items[2 * kept + 1] = params[1];
            } else {
                res.u.items[kept] = params[0];
            }
            kept++;
        }
        res.v_len = kept;
    }
    xl->busy = 0;
    if (rc == SQLITE_NOMEM) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (rc != SQLITE_OK) return; /* the error is set */
    eddy_sqlval_result_ref(ctx, &res, rtype);
}
