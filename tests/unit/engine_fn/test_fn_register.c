/* test_fn_register.c - attaching the implementations to the registry (engine/fn_register.c). */
#include "engine/fn.h"
#include "sql/functions.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void test_register_attaches_at_least_sixty_functions(void **state) {
    (void)state;
    eddy_err err = {0};
    assert_int_equal(eddy_functions_register_builtin(&err), 0);
    int nfunctions = 0;
    int nimpls = eddy_functions_builtin_impl_count(&nfunctions);
    assert_true(nfunctions >= 60);
    assert_true(nimpls >= nfunctions);
}

static void test_register_is_idempotent(void **state) {
    (void)state;
    eddy_err err = {0};
    assert_int_equal(eddy_functions_register_builtin(&err), 0);
    int n1 = eddy_functions_builtin_impl_count(NULL);
    assert_int_equal(eddy_functions_register_builtin(&err), 0);
    assert_int_equal(eddy_functions_builtin_impl_count(NULL), n1);
}

static void *register_thread(void *arg) {
    eddy_err err = {0};
    *(int *)arg = eddy_functions_register_builtin(&err);
    return NULL;
}

static void test_register_from_two_threads(void **state) {
    (void)state;
    pthread_t a, b;
    int ra = -1, rb = -1;
    assert_int_equal(pthread_create(&a, NULL, register_thread, &ra), 0);
    assert_int_equal(pthread_create(&b, NULL, register_thread, &rb), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert_int_equal(ra, 0);
    assert_int_equal(rb, 0);
}

/* The functions the conformance cases use must all be there, every variant. */
static void test_conformance_functions_have_every_variant(void **state) {
    (void)state;
    assert_int_equal(eddy_functions_register_builtin(NULL), 0);
    static const char *const names[] = {
        "ABS",   "ACOS",  "ASIN", "ATAN",  "ATAN2",   "CBRT",   "CEIL",     "COS",     "COSH",     "COT",
        "DEGREES", "EXP", "FLOOR", "LN",   "LOG",     "PI",     "POWER",    "RADIANS", "ROUND",    "SIGN",
        "SIN",   "SINH",  "SQRT", "TAN",   "TANH",    "TRUNC",  "CONCAT",   "CONCAT_WS", "SUBSTRING", "LCASE",
        "UCASE", "TRIM",  "LEN",  "INITCAP", "IFNULL", "COALESCE", "AS_VALUE", "PARSE_DATE", "EXTRACTJSONFIELD",
        "STRINGTOTIMESTAMP",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const eddy_function *fn = eddy_function_lookup(names[i]);
        assert_non_null(fn);
        for (int v = 0; v < fn->fn_nvariants; v++)
            if (!fn->fn_variants[v].fv_impl.fi_func) fail_msg("%s variant %d has no implementation", names[i], v);
    }
}

/* A function either has all its variants or none (no half-done rows), and
 * aggregates, table functions and lambdas have none from here. */
static void test_no_function_is_half_implemented(void **state) {
    (void)state;
    assert_int_equal(eddy_functions_register_builtin(NULL), 0);
    for (int i = 0; i < eddy_functions_count(); i++) {
        const eddy_function *fn = eddy_functions_at(i);
        int have = 0;
        for (int v = 0; v < fn->fn_nvariants; v++) have += fn->fn_variants[v].fv_impl.fi_func != NULL;
        if (fn->fn_kind != EDDY_FN_SCALAR || (fn->fn_flags & EDDY_FN_LAMBDA)) continue;
        if (have != 0 && have != fn->fn_nvariants)
            fail_msg("%s has %d of %d variants implemented", fn->fn_name, have, fn->fn_nvariants);
    }
}

static void test_error_slot_is_empty_without_errors(void **state) {
    (void)state;
    (void)eddy_fn_error_take();
    assert_null(eddy_fn_error_take());
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_attaches_at_least_sixty_functions),
        cmocka_unit_test(test_register_is_idempotent),
        cmocka_unit_test(test_register_from_two_threads),
        cmocka_unit_test(test_conformance_functions_have_every_variant),
        cmocka_unit_test(test_no_function_is_half_implemented),
        cmocka_unit_test(test_error_slot_is_empty_without_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
