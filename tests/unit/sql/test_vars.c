/* test_vars.c - session variables, ${name} substitution and splitting requests into statements. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sql/vars.h"

#include <stdlib.h>
#include <string.h>

static void test_split_two_statements_with_positions(void **state) {
    (void)state;
    eddy_sql_piece *p;
    eddy_err err;
    int n = eddy_sql_split("SHOW STREAMS;\n  LIST TABLES ;", &p, &err);
    assert_int_equal(n, 2);
    assert_string_equal(p[0].text, "SHOW STREAMS");
    assert_int_equal(p[0].line, 1);
    assert_int_equal(p[0].col, 1);
    assert_string_equal(p[1].text, "LIST TABLES");
    assert_int_equal(p[1].line, 2);
    assert_int_equal(p[1].col, 3);
    eddy_sql_split_free(p, n);
}

static void test_split_ignores_semicolons_in_quotes_and_comments(void **state) {
    (void)state;
    eddy_sql_piece *p;
    eddy_err err;
    int n = eddy_sql_split("SELECT 'a;b', `c;d` FROM x -- ; not here\n; /* ; */ SHOW TOPICS", &p, &err);
    assert_int_equal(n, 2);
    assert_string_equal(p[0].text, "SELECT 'a;b', `c;d` FROM x -- ; not here");
    assert_string_equal(p[1].text, "/* ; */ SHOW TOPICS");
    eddy_sql_split_free(p, n);
}

static void test_split_drops_empty_and_comment_only_statements(void **state) {
    (void)state;
    eddy_sql_piece *p;
    eddy_err err;
    int n = eddy_sql_split(" ; ;-- only a comment\n", &p, &err);
    assert_int_equal(n, 0);
    eddy_sql_split_free(p, n);
}

static void test_split_doubled_quote_is_escape(void **state) {
    (void)state;
    eddy_sql_piece *p;
    eddy_err err;
    int n = eddy_sql_split("SET 'a'='it''s;ok'; X", &p, &err);
    assert_int_equal(n, 2);
    assert_string_equal(p[0].text, "SET 'a'='it''s;ok'");
    eddy_sql_split_free(p, n);
}

static void test_split_unterminated_quote_is_error_with_position(void **state) {
    (void)state;
    eddy_sql_piece *p;
    eddy_err err;
    int n = eddy_sql_split("SHOW STREAMS;\nSELECT 'oops", &p, &err);
    assert_int_equal(n, EDDY_PARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 8);
    assert_non_null(strstr(err.msg, "unterminated"));
}

static void test_split_unterminated_comment_is_error(void **state) {
    (void)state;
    eddy_sql_piece *p;
    eddy_err err;
    assert_int_equal(eddy_sql_split("SHOW /* never closed", &p, &err), EDDY_PARSE);
}

static void test_vars_set_get_case_insensitive(void **state) {
    (void)state;
    eddy_vars *v = eddy_vars_new();
    assert_int_equal(eddy_vars_set(v, "topic", "orders"), 0);
    assert_string_equal(eddy_vars_get(v, "TOPIC"), "orders");
    assert_int_equal(eddy_vars_set(v, "Topic", "bids"), 0);
    assert_int_equal(eddy_vars_count(v), 1);
    assert_string_equal(eddy_vars_get(v, "topic"), "bids");
    assert_int_equal(eddy_vars_unset(v, "TOPIC"), 0);
    assert_null(eddy_vars_get(v, "topic"));
    assert_int_equal(eddy_vars_unset(v, "topic"), EDDY_NOTFOUND);
    eddy_vars_destroy(v);
}

static void test_substitute_in_identifiers_and_strings(void **state) {
    (void)state;
    eddy_vars *v = eddy_vars_new();
    eddy_err err;
    char *out;
    eddy_vars_set(v, "name", "S1");
    eddy_vars_set(v, "topic", "t1");
    assert_int_equal(eddy_vars_substitute(v, "CREATE STREAM ${name} WITH (kafka_topic='${topic}')", &out, &err), 0);
    assert_string_equal(out, "CREATE STREAM S1 WITH (kafka_topic='t1')");
    free(out);
    eddy_vars_destroy(v);
}

static void test_substitute_undefined_variable_is_error(void **state) {
    (void)state;
    eddy_vars *v = eddy_vars_new();
    eddy_err err;
    char *out;
    assert_int_equal(eddy_vars_substitute(v, "DESCRIBE ${nope}", &out, &err), EDDY_ANALYSIS);
    assert_non_null(strstr(err.msg, "nope"));
    assert_null(out);
    eddy_vars_destroy(v);
}

static void test_vars_copy_is_independent(void **state) {
    (void)state;
    eddy_vars *v = eddy_vars_new();
    eddy_vars_set(v, "a", "1");
    eddy_vars *c = eddy_vars_copy(v);
    eddy_vars_set(c, "a", "2");
    assert_string_equal(eddy_vars_get(v, "a"), "1");
    assert_string_equal(eddy_vars_get(c, "a"), "2");
    eddy_vars_destroy(v);
    eddy_vars_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_two_statements_with_positions),
        cmocka_unit_test(test_split_ignores_semicolons_in_quotes_and_comments),
        cmocka_unit_test(test_split_drops_empty_and_comment_only_statements),
        cmocka_unit_test(test_split_doubled_quote_is_escape),
        cmocka_unit_test(test_split_unterminated_quote_is_error_with_position),
        cmocka_unit_test(test_split_unterminated_comment_is_error),
        cmocka_unit_test(test_vars_set_get_case_insensitive),
        cmocka_unit_test(test_substitute_in_identifiers_and_strings),
        cmocka_unit_test(test_substitute_undefined_variable_is_error),
        cmocka_unit_test(test_vars_copy_is_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
