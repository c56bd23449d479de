/* fn_register.c - attaches the scalar function implementations (engine/fn_*.c)
 * to the function registry (sql/functions.h), once per process.
 */
#include "engine/fn_impl.h"

#include <pthread.h>
#include <string.h>

typedef struct fn_table {
    const fn_row *rows;
    const int *count;
} fn_table;

static const fn_table k_tables[] = {
    {eddy_fn_math_rows, &eddy_fn_math_rows_count},
    {eddy_fn_string_rows, &eddy_fn_string_rows_count},
    {eddy_fn_regex_rows, &eddy_fn_regex_rows_count},
    {eddy_fn_datetime_rows, &eddy_fn_datetime_rows_count},
    {eddy_fn_json_rows, &eddy_fn_json_rows_count},
    {eddy_fn_collections_rows, &eddy_fn_collections_rows_count},
    {eddy_fn_misc_rows, &eddy_fn_misc_rows_count},
};

static struct {
    pthread_once_t once;
    int rc;
    eddy_err err;
    int nimpls;
    int nfunctions;
} g_reg = {PTHREAD_ONCE_INIT, 0, {0, 0, 0, ""}, 0, 0};

static int attach_row(const fn_row *r, eddy_err *err) {
    const eddy_function *fn = eddy_function_lookup(r->name);
    if (!fn) return eddy_err_set(err, EDDY_INTERNAL, "function %s has an implementation but no registry row", r->name);
    if (fn->fn_kind != EDDY_FN_SCALAR)
        return eddy_err_set(err, EDDY_INTERNAL, "function %s is not a scalar function", r->name);
    if (r->variant >= fn->fn_nvariants)
        return eddy_err_set(err, EDDY_INTERNAL, "function %s has no variant %d", r->name, r->variant);
    eddy_function_impl impl;
    memset(&impl, 0, sizeof impl);
    impl.fi_func = r->func;
    int from = r->variant < 0 ? 0 : r->variant;
    int to = r->variant < 0 ? fn->fn_nvariants : r->variant + 1;
    for (int v = from; v < to; v++) {
        int rc = eddy_function_attach(r->name, v, &impl);
        if (rc) return eddy_err_set(err, EDDY_INTERNAL, "attaching %s variant %d failed (%d)", r->name, v, rc);
        g_reg.nimpls++;
    }
    return 0;
}

static void register_all(void) {
    eddy_err *err = &g_reg.err;
    int rc = eddy_functions_init(err);
    if (rc) {
        g_reg.rc = rc;
        return;
    }
    const char *last = NULL;
    for (size_t t = 0; t < sizeof k_tables / sizeof k_tables[0]; t++) {
        for (int i = 0; i < *k_tables[t].count; i++) {
            const fn_row *r = &k_tables[t].rows[i];
            rc = attach_row(r, err);
            if (rc) {
                g_reg.rc = rc;
                return;
            }
            if (!last || strcmp(last, r->name) != 0) g_reg.nfunctions++;
            last = r->name;
        }
    }
    g_reg.rc = 0;
}

int eddy_functions_register_builtin(eddy_err *err) {
    pthread_once(&g_reg.once, register_all);
    if (g_reg.rc && err) *err = g_reg.err;
    return g_reg.rc;
}

int eddy_functions_builtin_impl_count(int *nfunctions) {
    if (eddy_functions_register_builtin(NULL)) {
        if (nfunctions) *nfunctions = 0;
        return 0;
    }
    if (nfunctions) *nfunctions = g_reg.nfunctions;
    return g_reg.nimpls;
}
