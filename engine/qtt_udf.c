/* qtt_udf.c - the UDFs of ksqlDB's test harness (BAD_UDF), added to the registry by `eddy test` only. */
#include "engine/fn_impl.h"
#include "engine/qtt_internal.h"

#include <stdlib.h>

/* As ../shared/conformance/README.md describes them: BAD_UDF(int) always
 * fails; BAD_UDF(boolean) fails when its argument is true and returns 0
 * otherwise; BAD_UDF(string) returns NULL on odd-numbered calls (first,
 * third, ...) of the call site and its argument on the others. */
static const eddy_function_def k_harness[] = {
    {"BAD_UDF", EDDY_FN_SCALAR, "OTHER", 0, "Test harness function that fails on purpose.",
     "INT(INT val); INT(BOOLEAN val); VARCHAR(VARCHAR val)"},
};

static void bad_int(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    fn_fail(ctx, "boom");
}

static void bad_bool(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_int(argv[0])) fn_fail(ctx, "boom");
    else sqlite3_result_int(ctx, 0);
}

static void bad_string(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    eddy_fn_call *call = fn_call(ctx);
    long calls = 0;
    if (call) {
        if (!call->state) {
            call->state = calloc(1, sizeof(long));
            call->state_free = free;
        }
        if (call->state) calls = ++*(long *)call->state;
    }
    if (calls % 2 == 1) {
        sqlite3_result_null(ctx);
        return;
    }
    size_t n;
    const char *s = fn_text(argv[0], &n);
    fn_result_text(ctx, s, n);
}

int eddy_qtt_register_harness_udfs(void) {
    static int done;
    if (done) return 0;
    done = 1;
    int rc = eddy_functions_add(k_harness, (int)(sizeof k_harness / sizeof k_harness[0]));
    if (rc) return rc;
    eddy_fn_xfunc impls[3] = {bad_int, bad_bool, bad_string};
    for (int v = 0; v < 3; v++) {
        eddy_function_impl impl = {.fi_func = impls[v]};
        if ((rc = eddy_function_attach("BAD_UDF", v, &impl))) return rc;
    }
    return 0;
}
