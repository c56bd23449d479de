/* test_pull_plan.c - pull query planning: refused clauses, pseudo columns, header, projection names, typing errors. */
#include "pull_harness.h"

#define AGG_COLS "ID STRING KEY, COUNT BIGINT, NEWKEY STRING"

static void test_join_window_group_by_are_refused_with_the_push_query_hint(void **state) {
    (void)state;
    h_table(AGG_COLS, EDDY_WT_NONE);
    assert_string_equal(h_plan_error("SELECT * FROM AGG A JOIN AGG B ON A.ID = B.ID WHERE A.ID = '1';", true),
                        "Pull queries don't support JOIN clauses." EDDY_PULL_HINT);
    assert_string_equal(h_plan_error("SELECT * FROM AGG WINDOW TUMBLING (SIZE 1 SECOND) WHERE ID = '1';", true),
                        "Pull queries don't support WINDOW clauses." EDDY_PULL_HINT);
    assert_string_equal(h_plan_error("SELECT * FROM AGG WHERE ID = '1' GROUP BY ID;", true),
                        "Pull queries don't support GROUP BY clauses." EDDY_PULL_HINT);
}

static void test_rowpartition_and_rowoffset_are_refused_per_clause(void **state) {
    (void)state;
    h_table(AGG_COLS, EDDY_WT_NONE);
    assert_string_equal(h_plan_error("SELECT *, ROWPARTITION FROM AGG WHERE ID = '2';", true),
                        "Pull queries don't support the following columns in SELECT clauses: `ROWPARTITION`");
    assert_string_equal(h_plan_error("SELECT ID FROM AGG WHERE ID = '2' AND ROWOFFSET < 3;", true),
                        "Pull queries don't support the following columns in WHERE clauses: `ROWOFFSET`");
}

static void test_check_accepts_a_plain_stream_pull_query(void **state) {
    (void)state;
    eddy_err err = {0};
    assert_int_equal(eddy_pull_check(h_query("SELECT * FROM S WHERE A > 1 LIMIT 2;"), NULL, &err), 0);
}

static void test_star_is_keys_then_values_without_rowtime(void **state) {
    (void)state;
    h_table(AGG_COLS, EDDY_WT_NONE);
    h_plan("SELECT * FROM AGG WHERE ID = '10';", true);
    assert_string_equal(h_header(), "`ID` STRING KEY, `COUNT` BIGINT, `NEWKEY` STRING");
}

static void test_star_of_windowed_table_adds_window_bounds_as_keys(void **state) {
    (void)state;
    h_table("ID INT KEY, COL INT KEY, COUNT BIGINT", EDDY_WT_TUMBLING);
    h_plan("SELECT * FROM AGG;", true);
    assert_string_equal(h_header(),
                        "`ID` INTEGER KEY, `COL` INTEGER KEY, `WINDOWSTART` BIGINT KEY, `WINDOWEND` BIGINT KEY, "
                        "`COUNT` BIGINT");
}

static void test_projection_keeps_order_and_marks_bare_keys_and_bounds(void **state) {
    (void)state;
    h_table("ID DOUBLE KEY, COUNT BIGINT", EDDY_WT_HOPPING);
    h_plan("SELECT ROWTIME, ID, WINDOWSTART, WINDOWEND FROM AGG WHERE ID = 10.5 AND WindowStart = 12000;", true);
    assert_string_equal(h_header(), "`ROWTIME` BIGINT, `ID` DOUBLE KEY, `WINDOWSTART` BIGINT KEY, `WINDOWEND` BIGINT KEY");
    h_plan("SELECT COUNT, ID FROM AGG WHERE ID = 10.5;", true);
    assert_string_equal(h_header(), "`COUNT` BIGINT, `ID` DOUBLE KEY");
}

static void test_expressions_get_ksql_col_names_and_no_key_mark(void **state) {
    (void)state;
    h_table(AGG_COLS, EDDY_WT_NONE);
    h_plan("SELECT COUNT, CONCAT(NEWKEY, 'x') AS NEWKEY, COUNT * 2 FROM AGG WHERE ID = '10';", true);
    assert_string_equal(h_header(), "`COUNT` BIGINT, `NEWKEY` STRING, `KSQL_COL_0` BIGINT");
}

static void test_aliased_star_is_accepted_and_unknown_alias_refused(void **state) {
    (void)state;
    h_table(AGG_COLS, EDDY_WT_NONE);
    h_plan("SELECT A.* FROM AGG A WHERE '10' = ID;", true);
    assert_string_equal(h_header(), "`ID` STRING KEY, `COUNT` BIGINT, `NEWKEY` STRING");
    assert_string_equal(h_plan_error("SELECT B.* FROM AGG A;", true), "'B' is not a valid stream/table name or alias.");
}

static void test_duplicate_value_columns_are_refused(void **state) {
    (void)state;
    h_table("ID INT KEY, VAL STRING", EDDY_WT_NONE);
    assert_string_equal(h_plan_error("SELECT VAL, VAL FROM AGG WHERE ID = 10;", true),
                        "Duplicate value columns found in schema: `VAL` STRING");
}

static void test_comparison_type_errors_name_the_statement(void **state) {
    (void)state;
    h_table("ID INT KEY, COUNT BIGINT", EDDY_WT_NONE);
    assert_string_equal(h_plan_error("SELECT * FROM AGG WHERE ID = '10';", true),
                        "Error in WHERE expression: Cannot compare ID (INTEGER) to '10' (STRING) with EQUAL.\n"
                        "Statement: (ID = '10')");
    assert_string_equal(h_plan_error("SELECT * FROM AGG WHERE ID = NULL;", true),
                        "Error in WHERE expression: Comparison with NULL not supported: INTEGER = NULL\n"
                        "Use 'IS NULL' or 'IS NOT NULL' instead.\nStatement: (ID = null)");
}

static void test_between_type_error_is_an_invalid_expression(void **state) {
    (void)state;
    h_table("ID STRING KEY, V0 STRING", EDDY_WT_NONE);
    assert_string_equal(h_plan_error("SELECT * FROM AGG WHERE V0 BETWEEN 10 AND 'v10a';", true),
                        "Invalid expression: Cannot compare V0 (STRING) to 10 (INTEGER) with GREATER_THAN_OR_EQUAL.");
}

static void test_like_on_a_non_string_column_is_refused(void **state) {
    (void)state;
    h_table("ID INT KEY, V0 STRING", EDDY_WT_NONE);
    assert_string_equal(h_plan_error("SELECT * FROM AGG WHERE ID LIKE 12;", true),
                        "The column type for Like condition must be VARCHAR. The column type is INTEGER");
}

static void test_in_on_the_key_checks_each_constant(void **state) {
    (void)state;
    h_table("ID INT KEY, COUNT BIGINT", EDDY_WT_NONE);
    assert_string_equal(h_plan_error("SELECT * FROM AGG WHERE ID IN ('10', 8);", true),
                        "'10' can not be converted to the type of the key column: ID INTEGER KEY");
    assert_string_equal(h_plan_error("SELECT * FROM AGG WHERE ID IN (NULL);", true),
                        "Primary key columns can not be NULL: (ID = null)");
}

static void test_window_bounds_do_not_resolve_on_a_plain_table(void **state) {
    (void)state;
    h_table(AGG_COLS, EDDY_WT_NONE);
    assert_non_null(strstr(h_plan_error("SELECT * FROM AGG WHERE ID = '10' AND WINDOWSTART = 10;", true),
                           "WHERE column 'WINDOWSTART' cannot be resolved"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_join_window_group_by_are_refused_with_the_push_query_hint),
        H_TEST(test_rowpartition_and_rowoffset_are_refused_per_clause),
        H_TEST(test_check_accepts_a_plain_stream_pull_query),
        H_TEST(test_star_is_keys_then_values_without_rowtime),
        H_TEST(test_star_of_windowed_table_adds_window_bounds_as_keys),
        H_TEST(test_projection_keeps_order_and_marks_bare_keys_and_bounds),
        H_TEST(test_expressions_get_ksql_col_names_and_no_key_mark),
        H_TEST(test_aliased_star_is_accepted_and_unknown_alias_refused),
        H_TEST(test_duplicate_value_columns_are_refused),
        H_TEST(test_comparison_type_errors_name_the_statement),
        H_TEST(test_between_type_error_is_an_invalid_expression),
        H_TEST(test_like_on_a_non_string_column_is_refused),
        H_TEST(test_in_on_the_key_checks_each_constant),
        H_TEST(test_window_bounds_do_not_resolve_on_a_plain_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
