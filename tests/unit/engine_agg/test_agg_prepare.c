/* test_agg_prepare.c - the aggregate table and eddy_agg_prepare: lookup, result types, undo flags, ksqlDB's refusal messages. */
#include "agg_harness.h"

#include "sql/functions.h"

static void test_lookup_finds_every_aggregate_by_upper_case_name(void **state) {
    (void)state;
    static const char *const names[] = {"ATTR", "AVG", "COLLECT_LIST", "COLLECT_SET", "CORRELATION", "COUNT",
                                        "COUNT_DISTINCT", "EARLIEST_BY_OFFSET", "HISTOGRAM", "LATEST_BY_OFFSET",
                                        "MAX", "MIN", "STDDEV_SAMP", "SUM", "SUM_LIST", "TOPK", "TOPKDISTINCT"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const eddy_agg_def *d = eddy_agg_lookup(names[i]);
        assert_non_null(d);
        assert_string_equal(d->name, names[i]);
    }
    assert_null(eddy_agg_lookup("count"));
    assert_null(eddy_agg_lookup("ABS"));
    assert_null(eddy_agg_lookup(NULL));
}

/* Every AGGREGATE row of the registry has an implementation, and it can undo
 * exactly when the registry flags it TABAGG (can aggregate tables). */
static void test_every_registry_aggregate_is_implemented_with_undo_iff_tabagg(void **state) {
    (void)state;
    eddy_err err = {0};
    assert_int_equal(eddy_functions_init(&err), 0);
    int seen = 0;
    for (int i = 0; i < eddy_functions_count(); i++) {
        const eddy_function *fn = eddy_functions_at(i);
        if (fn->fn_kind != EDDY_FN_AGGREGATE) continue;
        const eddy_agg_def *d = eddy_agg_lookup(fn->fn_name);
        if (!d) fail_msg("no implementation of %s", fn->fn_name);
        bool tabagg = (fn->fn_flags & EDDY_FN_TABLE_AGG) != 0;
        if (tabagg != (d->undo != NULL)) fail_msg("%s: TABAGG %d but undo %s", fn->fn_name, tabagg, d->undo ? "set" : "NULL");
        assert_non_null(d->merge);
        seen++;
    }
    assert_int_equal(seen, 17);
}

static void test_unknown_aggregate_is_unsupported(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "MEDIAN", "INT");
    assert_int_equal(eddy_agg_prepare(&c, &h_err), EDDY_UNSUPPORTED);
    assert_null(c.def);
    assert_null(c.result);
}

static void expect_type(const char *name, const char *args, const char *result) {
    eddy_agg_call c;
    h_prep(&c, name, args);
    assert_string_equal(h_rtype(&c), result);
    eddy_agg_call_fini(&c);
    assert_null(c.result);
}

static void test_result_types_follow_ksqldb(void **state) {
    (void)state;
    expect_type("COUNT", "STRING", "BIGINT");
    expect_type("SUM", "INT", "INTEGER");
    expect_type("SUM", "BIGINT", "BIGINT");
    expect_type("SUM", "DOUBLE", "DOUBLE");
    expect_type("SUM", "DECIMAL(4, 2)", "DECIMAL(4, 2)");
    expect_type("AVG", "INT", "DOUBLE");
    expect_type("AVG", "DECIMAL(10, 3)", "DOUBLE");
    expect_type("MIN", "DATE", "DATE");
    expect_type("MAX", "TIME", "TIME");
    expect_type("MAX", "TIMESTAMP", "TIMESTAMP");
    expect_type("MIN", "STRING", "STRING");
    expect_type("MAX", "BYTES", "BYTES");
    expect_type("MAX", "DECIMAL(4, 2)", "DECIMAL(4, 2)");
    expect_type("ATTR", "STRUCT<A INT>", "STRUCT<`A` INTEGER>");
    expect_type("SUM_LIST", "ARRAY<BIGINT>", "BIGINT");
    expect_type("STDDEV_SAMP", "INT", "DOUBLE");
    expect_type("CORRELATION", "DOUBLE|INT", "DOUBLE");
    expect_type("COLLECT_LIST", "MAP<STRING, INT>", "ARRAY<MAP<STRING, INTEGER>>");
    expect_type("COLLECT_SET", "STRING", "ARRAY<STRING>");
    expect_type("HISTOGRAM", "STRING", "MAP<STRING, BIGINT>");
    expect_type("COUNT_DISTINCT", "DOUBLE", "BIGINT");
    expect_type("EARLIEST_BY_OFFSET", "STRING", "STRING");
    expect_type("LATEST_BY_OFFSET", "DECIMAL(5, 1)", "DECIMAL(5, 1)");
}

static void test_topk_result_is_an_array_of_the_column_type(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "TOPK", "STRING|INT");
    h_lit_int(&c, 1, 3);
    h_prep_call(&c);
    assert_string_equal(h_rtype(&c), "ARRAY<STRING>");
    assert_int_equal(c.k, 3);
    assert_int_equal(c.nrow_args, 1);
    eddy_agg_call_fini(&c);

    h_call(&c, "TOPKDISTINCT", "DECIMAL(4, 2)|INT"); /* implicit cast to DOUBLE */
    h_lit_int(&c, 1, 2);
    h_prep_call(&c);
    assert_string_equal(h_rtype(&c), "ARRAY<DOUBLE>");
    eddy_agg_call_fini(&c);
}

static void test_by_offset_with_n_returns_an_array(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "LATEST_BY_OFFSET", "BIGINT|INT|BOOLEAN");
    h_lit_int(&c, 1, 2);
    h_lit_bool(&c, 2, false);
    h_prep_call(&c);
    assert_string_equal(h_rtype(&c), "ARRAY<BIGINT>");
    assert_int_equal(c.k, 2);
    assert_false(c.ignore_nulls);
    assert_int_equal(c.nrow_args, 1);
    eddy_agg_call_fini(&c);
}

static void test_count_star_reads_no_row_argument(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "COUNT", "");
    c.star = true;
    h_prep_call(&c);
    assert_int_equal(c.nrow_args, 0);
    assert_string_equal(h_rtype(&c), "BIGINT");
    eddy_agg_call_fini(&c);
}

static void test_star_on_other_aggregates_is_unsupported(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "AVG", "");
    c.star = true;
    assert_int_equal(eddy_agg_prepare(&c, &h_err), EDDY_UNSUPPORTED);
    assert_non_null(strstr(h_err.msg, "AVG(*)"));
}

static void test_complex_state_marks_struct_array_and_map_accumulators(void **state) {
    (void)state;
    static const struct {
        const char *name, *args;
        bool complex;
    } cases[] = {
        {"COUNT", "INT", false},          {"SUM", "INT", false},         {"MIN", "STRING", false},
        {"MAX", "DOUBLE", false},         {"SUM_LIST", "ARRAY<INT>", false}, {"AVG", "INT", true},
        {"STDDEV_SAMP", "DOUBLE", true},  {"CORRELATION", "DOUBLE|DOUBLE", true}, {"ATTR", "INT", true},
        {"COLLECT_LIST", "INT", true},    {"COLLECT_SET", "INT", true},  {"HISTOGRAM", "STRING", true},
        {"COUNT_DISTINCT", "INT", true},  {"EARLIEST_BY_OFFSET", "INT", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eddy_agg_call c;
        h_prep(&c, cases[i].name, cases[i].args);
        if (c.complex_state != cases[i].complex) fail_msg("%s: complex_state %d", cases[i].name, c.complex_state);
        eddy_agg_call_fini(&c);
    }
}

static void test_unsupported_argument_type_gets_ksqldb_message(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "SUM", "BOOLEAN");
    assert_int_equal(eddy_agg_prepare(&c, &h_err), EDDY_ANALYSIS);
    assert_string_equal(h_err.msg, "Function 'SUM' does not accept parameters (BOOLEAN).\n"
                                   "Valid alternatives are:\n"
                                   "SUM(INT val)\nSUM(BIGINT val)\nSUM(DOUBLE val)\nSUM(DECIMAL val)\n"
                                   "For detailed information on a function run: DESCRIBE FUNCTION <Function-Name>;");
    assert_null(c.result);
    assert_null(c.def);
}

static void test_refusals_for_types_no_variant_takes(void **state) {
    (void)state;
    static const char *const cases[][2] = {
        {"MIN", "BOOLEAN"},      {"MAX", "ARRAY<INT>"},        {"AVG", "STRING"},
        {"STDDEV_SAMP", "DATE"}, {"HISTOGRAM", "INT"},         {"SUM_LIST", "ARRAY<STRING>"},
        {"SUM_LIST", "INT"},     {"CORRELATION", "DOUBLE"},    {"CORRELATION", "DOUBLE|STRING"},
        {"COUNT", "INT|INT"},    {"COLLECT_LIST", "NULL"},     {"LATEST_BY_OFFSET", "INT|STRING"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eddy_agg_call c;
        h_call(&c, cases[i][0], cases[i][1]);
        int rc = eddy_agg_prepare(&c, &h_err);
        if (rc != EDDY_ANALYSIS) fail_msg("%s(%s) gave %d", cases[i][0], cases[i][1], rc);
        char want[64];
        snprintf(want, sizeof want, "Function '%s' does not accept parameters (", cases[i][0]);
        assert_non_null(strstr(h_err.msg, want));
    }
}

static void test_topk_k_must_be_a_literal(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "TOPK", "INT|INT");
    c.args[1].sql = "X";
    assert_int_equal(eddy_agg_prepare(&c, &h_err), EDDY_ANALYSIS);
    assert_string_equal(h_err.msg,
                        "Parameter 2 passed to function TOPK must be a literal constant, but was expression: 'X'");
}

static void test_topk_k_must_be_positive(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "TOPK", "INT|INT");
    h_lit_int(&c, 1, 0);
    assert_int_equal(eddy_agg_prepare(&c, &h_err), EDDY_ANALYSIS);
    assert_non_null(strstr(h_err.msg, "must be 1 or greater"));
}

static void test_by_offset_n_must_be_a_positive_literal(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "EARLIEST_BY_OFFSET", "INT|INT");
    h_lit_int(&c, 1, 0);
    assert_int_equal(eddy_agg_prepare(&c, &h_err), EDDY_ANALYSIS);
    assert_string_equal(h_err.msg, "earliestN must be 1 or greater");

    h_call(&c, "LATEST_BY_OFFSET", "INT|INT");
    h_lit_int(&c, 1, -1);
    assert_int_equal(eddy_agg_prepare(&c, &h_err), EDDY_ANALYSIS);
    assert_string_equal(h_err.msg, "latestN must be 1 or greater");

    h_call(&c, "LATEST_BY_OFFSET", "INT|BOOLEAN");
    c.args[1].sql = "B";
    assert_int_equal(eddy_agg_prepare(&c, &h_err), EDDY_ANALYSIS);
    assert_string_equal(h_err.msg, "Parameter 2 passed to function LATEST_BY_OFFSET must be a literal constant, "
                                   "but was expression: 'B'");
}

static void test_prepare_twice_releases_the_first_result(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "COLLECT_LIST", "STRUCT<A INT>");
    assert_int_equal(eddy_agg_prepare(&c, &h_err), 0); /* ASan reports the first type if it leaked */
    assert_string_equal(h_rtype(&c), "ARRAY<STRUCT<`A` INTEGER>>");
    eddy_agg_call_fini(&c);
    eddy_agg_call_fini(&c);
    eddy_agg_call_fini(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_lookup_finds_every_aggregate_by_upper_case_name),
        H_TEST(test_every_registry_aggregate_is_implemented_with_undo_iff_tabagg),
        H_TEST(test_unknown_aggregate_is_unsupported),
        H_TEST(test_result_types_follow_ksqldb),
        H_TEST(test_topk_result_is_an_array_of_the_column_type),
        H_TEST(test_by_offset_with_n_returns_an_array),
        H_TEST(test_count_star_reads_no_row_argument),
        H_TEST(test_star_on_other_aggregates_is_unsupported),
        H_TEST(test_complex_state_marks_struct_array_and_map_accumulators),
        H_TEST(test_unsupported_argument_type_gets_ksqldb_message),
        H_TEST(test_refusals_for_types_no_variant_takes),
        H_TEST(test_topk_k_must_be_a_literal),
        H_TEST(test_topk_k_must_be_positive),
        H_TEST(test_by_offset_n_must_be_a_positive_literal),
        H_TEST(test_prepare_twice_releases_the_first_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
