/* test_pull_where.c - pull WHERE analysis: key lookups, coercion, window bounds, timestamps, scan-disabled errors. */
#include "pull_harness.h"

#define MAX "9223372036854775807"

static void test_key_equality_either_side_is_a_lookup(void **state) {
    (void)state;
    h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_plan("SELECT * FROM AGG WHERE ID = '10';", true);
    assert_string_equal(h_lookups(), "'10'[0," MAX "]");
    h_plan("SELECT * FROM AGG A WHERE '10' = ID;", true);
    assert_string_equal(h_lookups(), "'10'[0," MAX "]");
}

static void test_in_and_or_of_equalities_give_one_lookup_per_distinct_key(void **state) {
    (void)state;
    h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_plan("SELECT * FROM AGG WHERE ID IN ('10', '8', '10');", true);
    assert_string_equal(h_lookups(), "'10'[0," MAX "]; '8'[0," MAX "]");
    h_plan("SELECT * FROM AGG WHERE ID = '10' OR ID = '8' OR ID = '10';", true);
    assert_string_equal(h_lookups(), "'10'[0," MAX "]; '8'[0," MAX "]");
}

static void test_constant_expressions_are_evaluated_for_lookups(void **state) {
    (void)state;
    h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_plan("SELECT * FROM AGG WHERE ID = CONCAT('1', '0');", true);
    assert_string_equal(h_lookups(), "'10'[0," MAX "]");
}

static void test_numeric_constants_are_coerced_to_the_key_type(void **state) {
    (void)state;
    h_table("ID DOUBLE KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_plan("SELECT * FROM AGG WHERE ID IN (10, 8.5, 1.0E1);", true);
    assert_string_equal(h_lookups(), "10[0," MAX "]; 8.5[0," MAX "]");
    int64_t lo, hi;
    assert_int_equal(eddy_pull_lookup(h_pull, 0, &lo, &hi)->v_kind, EDDY_V_DOUBLE);
    assert_int_equal(eddy_pull_lookup(h_pull, 1, &lo, &hi)->v_kind, EDDY_V_DOUBLE);
    h_table("ID INT KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_plan("SELECT * FROM AGG WHERE ID = 11 - 1;", true);
    assert_string_equal(h_lookups(), "10[0," MAX "]");
    assert_int_equal(eddy_pull_lookup(h_pull, 0, &lo, &hi)->v_kind, EDDY_V_INT);
}

static void test_constant_that_cannot_be_a_key_looks_up_nothing(void **state) {
    (void)state;
    h_table("ID INT KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_plan("SELECT * FROM AGG WHERE ID = 10.5;", true);
    assert_int_equal(eddy_pull_nlookups(h_pull), 0);
}

static void test_multi_column_key_needs_every_column_for_a_lookup(void **state) {
    (void)state;
    h_table("ID1 STRING KEY, ID2 INT KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_plan("SELECT * FROM AGG WHERE ID1 = '11' AND ID2 IN (10, 12);", true);
    assert_string_equal(h_lookups(), "'11'|10[0," MAX "]; '11'|12[0," MAX "]");
    h_plan("SELECT * FROM AGG WHERE ID1 = '11';", true);
    assert_string_equal(h_lookups(), "*[0," MAX "]");
}

static void test_anything_else_reads_the_whole_table(void **state) {
    (void)state;
    h_table("ID INT KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_plan("SELECT * FROM AGG WHERE ID = 10 OR COUNT > 1;", true);
    assert_string_equal(h_lookups(), "*[0," MAX "]");
    h_plan("SELECT * FROM AGG WHERE ID + 10 = 20;", true);
    assert_string_equal(h_lookups(), "*[0," MAX "]");
    h_plan("SELECT * FROM AGG;", true);
    assert_string_equal(h_lookups(), "*[0," MAX "]");
}

static void test_window_start_bounds_narrow_each_lookup(void **state) {
    (void)state;
    h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_TUMBLING);
    h_plan("SELECT * FROM AGG WHERE ID = '10' AND 12000 < WindowStart AND WindowStart <= 14000;", true);
    assert_string_equal(h_lookups(), "'10'[12001,14000]");
    h_plan("SELECT * FROM AGG WHERE WINDOWSTART >= 12000 AND WINDOWEND <= 13000 AND ID = '8' OR "
           "WINDOWSTART >= 14000 AND WINDOWEND <= 15000 AND ID = '8';", true);
    assert_string_equal(h_lookups(), "'8'[12000," MAX "]");
    h_plan("SELECT * FROM AGG WHERE WINDOWSTART > 12500;", true);
    assert_string_equal(h_lookups(), "*[12501," MAX "]");
}

static void test_text_timestamps_next_to_window_bounds_are_milliseconds(void **state) {
    (void)state;
    h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_TUMBLING);
    h_plan("SELECT * FROM AGG WHERE ID = '10' AND WindowStart = '2020-02-23T22:45:12.000-0100';", true);
    assert_string_equal(h_lookups(), "'10'[1582501512000,1582501512000]");
}

static void test_parse_timestamp_completes_partial_text(void **state) {
    (void)state;
    int64_t ms;
    assert_int_equal(eddy_pull_parse_timestamp("2020-02-23T23:45:12.000", 23, &ms), 0);
    assert_int_equal(ms, 1582501512000LL);
    assert_int_equal(eddy_pull_parse_timestamp("2020-02-22T23:45", 16, &ms), 0);
    assert_int_equal(ms, 1582415100000LL);
    assert_int_equal(eddy_pull_parse_timestamp("2020-02-24T24", 13, &ms), 0);
    assert_int_equal(ms, 1582588800000LL); /* 2020-02-25T00:00Z */
    assert_int_equal(eddy_pull_parse_timestamp("2020", 4, &ms), 0);
    assert_int_equal(ms, 1577836800000LL);
    assert_int_equal(eddy_pull_parse_timestamp("2020-02-23T23:45:12Z", 20, &ms), 0);
    assert_int_equal(ms, 1582501512000LL);
    assert_int_equal(eddy_pull_parse_timestamp("yesterday", 9, &ms), EDDY_INVAL);
    assert_int_equal(eddy_pull_parse_timestamp("2020-13-01", 10, &ms), EDDY_INVAL);
}

static void test_scan_disabled_refuses_a_key_range(void **state) {
    (void)state;
    h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_NONE);
    const char *m = h_plan_error("SELECT * FROM AGG WHERE '0' < ID AND ID < '100';", false);
    assert_non_null(strstr(m, "A comparison condition on the key column cannot be combined with other comparisons "
                              "such as an IN predicate"));
    m = h_plan_error("SELECT * FROM AGG WHERE ID != '100';", false);
    assert_non_null(strstr(m, "Bound on key columns '[`ID` STRING KEY]' must currently be '='. "));
}

static void test_scan_disabled_refuses_disjuncts_without_the_key(void **state) {
    (void)state;
    h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_TUMBLING);
    assert_non_null(strstr(h_plan_error("SELECT * FROM AGG WHERE COUNT = 100;", false),
                           "WHERE clause missing key column for disjunct: (COUNT = 100)"));
    assert_non_null(strstr(h_plan_error("SELECT * FROM AGG WHERE WINDOWSTART >= 12000;", false),
                           "WHERE clause missing key column for disjunct"));
}

static void test_scan_disabled_refuses_indirect_and_unresolvable_comparisons(void **state) {
    (void)state;
    h_table("ID INT KEY, COUNT BIGINT", EDDY_WT_NONE);
    assert_non_null(strstr(h_plan_error("SELECT * FROM AGG WHERE ID + 10 = 20;", false),
                           "A comparison must directly reference a key column."));
    assert_non_null(strstr(h_plan_error("SELECT * FROM AGG WHERE ID = COUNT - 1;", false),
                           "A comparison must be between a key column and a resolvable expression."));
    assert_non_null(strstr(h_plan_error("SELECT * FROM AGG WHERE ID IN (2, COUNT + 1, 3);", false),
                           "A comparison must be between a key column and a resolvable expression."));
}

static void test_scan_disabled_refuses_a_partial_multi_column_key(void **state) {
    (void)state;
    h_table("ID INT KEY, COL INT KEY, COUNT BIGINT", EDDY_WT_NONE);
    assert_non_null(strstr(h_plan_error("SELECT * FROM AGG WHERE ID = 10;", false),
                           "Multi-column sources must specify every key in the WHERE clause"));
}

static void test_scan_disabled_accepts_lookups_with_bounds_and_filters(void **state) {
    (void)state;
    h_table("ID INT KEY, COUNT BIGINT", EDDY_WT_TUMBLING);
    h_plan("SELECT * FROM AGG WHERE ID IN (10, 11) AND COUNT > 1 AND WINDOWSTART > 12500 + 10;", false);
    assert_string_equal(h_lookups(), "10[12511," MAX "]; 11[12511," MAX "]");
}

static void test_scan_disabled_refuses_like_between_literals(void **state) {
    (void)state;
    h_table("ID STRING KEY, V0 STRING", EDDY_WT_NONE);
    assert_non_null(strstr(h_plan_error("SELECT * FROM AGG WHERE '12' LIKE '12';", false),
                           "Like condition must be between strings"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_key_equality_either_side_is_a_lookup),
        H_TEST(test_in_and_or_of_equalities_give_one_lookup_per_distinct_key),
        H_TEST(test_constant_expressions_are_evaluated_for_lookups),
        H_TEST(test_numeric_constants_are_coerced_to_the_key_type),
        H_TEST(test_constant_that_cannot_be_a_key_looks_up_nothing),
        H_TEST(test_multi_column_key_needs_every_column_for_a_lookup),
        H_TEST(test_anything_else_reads_the_whole_table),
        H_TEST(test_window_start_bounds_narrow_each_lookup),
        H_TEST(test_text_timestamps_next_to_window_bounds_are_milliseconds),
        H_TEST(test_parse_timestamp_completes_partial_text),
        H_TEST(test_scan_disabled_refuses_a_key_range),
        H_TEST(test_scan_disabled_refuses_disjuncts_without_the_key),
        H_TEST(test_scan_disabled_refuses_indirect_and_unresolvable_comparisons),
        H_TEST(test_scan_disabled_refuses_a_partial_multi_column_key),
        H_TEST(test_scan_disabled_accepts_lookups_with_bounds_and_filters),
        H_TEST(test_scan_disabled_refuses_like_between_literals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
