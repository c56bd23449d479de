/* test_errors.c - syntax errors: positions, messages, expected tokens, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sql/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static eddy_arena *arena;

static int setup(void **state) {
    (void)state;
    arena = eddy_arena_new();
    return arena ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    eddy_arena_destroy(arena);
    return 0;
}

/* Parses sql, which must fail with EDDY_PARSE; returns the error. */
static eddy_err parse_fail(const char *sql) {
    eddy_list l = {0, 0, NULL};
    eddy_err err;
    int rc = eddy_parse(sql, arena, &l, &err);
    if (rc != EDDY_PARSE) fail_msg("%s: rc %d, want EDDY_PARSE", sql, rc);
    assert_int_equal(err.code, EDDY_PARSE);
    assert_int_equal(l.n, 0);
    return err;
}

static void assert_contains(const char *s, const char *part) {
    if (!strstr(s, part)) fail_msg("'%s' does not contain '%s'", s, part);
}

static void test_misspelled_from_is_reported_at_the_word(void **state) {
    (void)state;
    eddy_err err = parse_fail("SELECT * FORM x;");
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 10);
    assert_string_equal(err.msg, "line 1:10: Syntax error at or near 'FORM'. Expecting one of: FROM, ','");
}

static void test_error_position_on_a_later_line(void **state) {
    (void)state;
    eddy_err err = parse_fail("SHOW STREAMS;\nSELECT a,\n   FROM t;");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 4);
    assert_contains(err.msg, "line 3:4: Syntax error at or near 'FROM'");
}

static void test_error_at_end_of_input(void **state) {
    (void)state;
    eddy_err err = parse_fail("SELECT * FROM");
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 14);
    assert_contains(err.msg, "Syntax error at end of input. Expecting one of: identifier");
}

static void test_reserved_word_is_not_an_identifier(void **state) {
    (void)state;
    eddy_err err = parse_fail("CREATE STREAM OUTPUT AS SELECT ID, cast(f0 as NULL) FROM TEST;");
    assert_int_equal(err.col, 47);
    assert_contains(err.msg, "near 'NULL'");
    err = parse_fail("SELECT * FROM select");
    assert_contains(err.msg, "near 'select'");
}

static void test_order_by_is_not_supported(void **state) {
    (void)state;
    eddy_err err = parse_fail("SELECT * FROM S1 ORDER BY MYKEY DESC;");
    assert_string_equal(err.msg + 0, err.msg); /* message starts with the position */
    assert_int_equal(err.col, 24);
    assert_contains(err.msg, "line 1:24: Syntax error at or near 'BY'");
}

static void test_group_by_takes_value_expressions(void **state) {
    (void)state;
    eddy_err err = parse_fail("SELECT COUNT(*) FROM TEST GROUP BY DATA AND ID;");
    assert_contains(err.msg, "near 'AND'");
    err = parse_fail("SELECT f1 FROM TEST GROUP BY f3, (f2, f1);");
    assert_int_equal(err.col, 37);
}

static void test_limit_must_be_an_integer(void **state) {
    (void)state;
    eddy_err err = parse_fail("SELECT * FROM riderLocations LIMIT 2.5;");
    assert_string_equal(err.msg, "line 1:36: Value must be integer for command: LIMIT");
    err = parse_fail("SELECT * FROM riderLocations LIMIT heh;");
    assert_contains(err.msg, "line 1:36: Syntax error at or near 'heh'");
}

static void test_long_tokens_are_shortened_in_messages(void **state) {
    (void)state;
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT * FROM t '%0100d'", 0);
    eddy_err err = parse_fail(sql);
    assert_contains(err.msg, "...'");
    assert_true(strlen(err.msg) < 400);
}

static void test_lexer_errors_come_through(void **state) {
    (void)state;
    eddy_err err = parse_fail("SHOW STREAMS;\nSELECT 'oops FROM t;");
    assert_string_equal(err.msg, "line 2:8: Unterminated string literal");
    err = parse_fail("SELECT ${v} FROM t;");
    assert_contains(err.msg, "Unsubstituted variable reference");
}

static void test_error_leaves_the_statement_list_alone(void **state) {
    (void)state;
    eddy_list l = {0, 0, NULL};
    eddy_err err;
    assert_int_equal(eddy_parse("SHOW STREAMS; SHOW TABLES; SHOW FOO;", arena, &l, &err), EDDY_PARSE);
    assert_int_equal(l.n, 0);
}

static void test_null_error_object_is_allowed(void **state) {
    (void)state;
    eddy_list l = {0, 0, NULL};
    assert_int_equal(eddy_parse("SELECT * FORM x", arena, &l, NULL), EDDY_PARSE);
    assert_int_equal(eddy_parse("SELECT 'x", arena, &l, NULL), EDDY_PARSE);
}

static void test_source_keyword_cannot_make_a_query(void **state) {
    (void)state;
    eddy_err err = parse_fail("CREATE SOURCE STREAM s AS SELECT * FROM t;");
    assert_contains(err.msg, "CREATE SOURCE STREAM cannot be used with AS SELECT");
    err = parse_fail("CREATE CONNECTOR c WITH ('a'='b');");
    assert_contains(err.msg, "near 'CONNECTOR'");
    err = parse_fail("CREATE OR REPLACE TYPE t AS INT;");
    assert_contains(err.msg, "OR REPLACE");
}

static void test_duplicate_window_clause_is_rejected(void **state) {
    (void)state;
    eddy_err err = parse_fail("SELECT k FROM s WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD 1 SECOND, "
                              "GRACE PERIOD 2 SECONDS) GROUP BY k;");
    assert_contains(err.msg, "Duplicate GRACE PERIOD clause");
}

static void test_huge_duration_is_rejected(void **state) {
    (void)state;
    eddy_err err = parse_fail("SELECT k FROM s WINDOW TUMBLING (SIZE 9223372036854775807 DAYS) GROUP BY k;");
    assert_contains(err.msg, "Duration is too large");
}

/* Builds prefix + n copies of unit + suffix. */
static char *repeat(const char *prefix, const char *unit, int n, const char *suffix) {
    size_t len = strlen(prefix) + strlen(unit) * (size_t)n + strlen(suffix) + 1;
    char *s = malloc(len), *p = s;
    p = stpcpy(p, prefix);
    for (int i = 0; i < n; i++) p = stpcpy(p, unit);
    strcpy(p, suffix);
    return s;
}

static void test_deep_parentheses_are_refused(void **state) {
    (void)state;
    char *open = repeat("SELECT ", "(", 5000, "a");
    char *sql = repeat(open, ")", 5000, " FROM t;");
    eddy_err err = parse_fail(sql);
    assert_contains(err.msg, "too deeply nested");
    free(open);
    free(sql);
}

static void test_long_unary_chains_are_refused(void **state) {
    (void)state;
    char *sql = repeat("SELECT * FROM t WHERE ", "NOT ", 5000, "a;");
    eddy_err err = parse_fail(sql);
    assert_contains(err.msg, "too deeply nested");
    free(sql);
    sql = repeat("SELECT ", "- ", 5000, "a FROM t;");
    err = parse_fail(sql);
    assert_contains(err.msg, "too deeply nested");
    free(sql);
}

static void test_long_left_deep_chains_are_refused(void **state) {
    (void)state;
    char *sql = repeat("SELECT a", " + a", 3000, " FROM t;");
    eddy_err err = parse_fail(sql);
    assert_contains(err.msg, "Expression is too deeply nested");
    free(sql);
    sql = repeat("SELECT a", "[1]", 3000, " FROM t;");
    err = parse_fail(sql);
    assert_contains(err.msg, "Expression is too deeply nested");
    free(sql);
}

static void test_moderate_chains_are_fine(void **state) {
    (void)state;
    char *sql = repeat("SELECT * FROM t WHERE a = 0", " OR a = 1", 400, ";");
    eddy_list l = {0, 0, NULL};
    eddy_err err;
    assert_int_equal(eddy_parse(sql, arena, &l, &err), 0);
    free(sql);
}

static void test_deep_types_are_refused(void **state) {
    (void)state;
    char *open = repeat("CREATE TYPE t AS ", "ARRAY<", 3000, "INT");
    char *sql = repeat(open, ">", 3000, ";");
    eddy_err err = parse_fail(sql);
    assert_contains(err.msg, "too deeply nested");
    free(open);
    free(sql);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_misspelled_from_is_reported_at_the_word),
        cmocka_unit_test(test_error_position_on_a_later_line),
        cmocka_unit_test(test_error_at_end_of_input),
        cmocka_unit_test(test_reserved_word_is_not_an_identifier),
        cmocka_unit_test(test_order_by_is_not_supported),
        cmocka_unit_test(test_group_by_takes_value_expressions),
        cmocka_unit_test(test_limit_must_be_an_integer),
        cmocka_unit_test(test_long_tokens_are_shortened_in_messages),
        cmocka_unit_test(test_lexer_errors_come_through),
        cmocka_unit_test(test_error_leaves_the_statement_list_alone),
        cmocka_unit_test(test_null_error_object_is_allowed),
        cmocka_unit_test(test_source_keyword_cannot_make_a_query),
        cmocka_unit_test(test_duplicate_window_clause_is_rejected),
        cmocka_unit_test(test_huge_duration_is_rejected),
        cmocka_unit_test(test_deep_parentheses_are_refused),
        cmocka_unit_test(test_long_unary_chains_are_refused),
        cmocka_unit_test(test_long_left_deep_chains_are_refused),
        cmocka_unit_test(test_moderate_chains_are_fine),
        cmocka_unit_test(test_deep_types_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
