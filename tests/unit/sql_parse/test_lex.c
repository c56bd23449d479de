/* test_lex.c - the hand-written lexer: tokens, quoting, comments, numbers, positions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "grammar.h"
#include "sql/lex.h"

#include <string.h>

#define MAX_TOKS 64

typedef struct lexed {
    int n;
    eddy_token t[MAX_TOKS];
    int rc;
    eddy_err err;
} lexed;

/* Lexes the whole of src (up to MAX_TOKS tokens, the end token included). */
static lexed lex_all(const char *src) {
    lexed r;
    eddy_lexer lx;
    memset(&r, 0, sizeof r);
    eddy_lex_init(&lx, src, strlen(src));
    while (r.n < MAX_TOKS) {
        r.rc = eddy_lex_next(&lx, &r.t[r.n], &r.err);
        if (r.rc) break;
        if (r.t[r.n++].type == 0) break;
    }
    return r;
}

static void assert_text(const eddy_token *t, const char *text) {
    assert_int_equal(t->n, (int)strlen(text));
    assert_memory_equal(t->z, text, strlen(text));
}

static void test_keywords_match_in_any_case(void **state) {
    (void)state;
    lexed r = lex_all("select From wHeRe");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.t[0].type, TK_SELECT);
    assert_int_equal(r.t[1].type, TK_FROM);
    assert_int_equal(r.t[2].type, TK_WHERE);
    assert_int_equal(r.t[3].type, 0);
}

static void test_identifiers_allow_digits_underscore_and_at(void **state) {
    (void)state;
    lexed r = lex_all("_a1@b KSQL_COL_0");
    assert_int_equal(r.t[0].type, TK_IDENT);
    assert_text(&r.t[0], "_a1@b");
    assert_int_equal(r.t[1].type, TK_IDENT);
    assert_text(&r.t[1], "KSQL_COL_0");
}

static void test_nonreserved_keywords_are_flagged(void **state) {
    (void)state;
    lexed r = lex_all("KEY SELECT");
    assert_int_equal(r.t[0].type, TK_KEY);
    assert_true(r.t[0].nonreserved);
    assert_int_equal(r.t[1].type, TK_SELECT);
    assert_false(r.t[1].nonreserved);
    assert_true(eddy_lex_nonreserved(TK_EMIT));
    assert_false(eddy_lex_nonreserved(TK_FROM));
}

static void test_quoted_identifiers_and_strings(void **state) {
    (void)state;
    lexed r = lex_all("`My``Col` \"dq\"\"x\" 'it''s'");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.t[0].type, TK_IDENT);
    assert_text(&r.t[0], "`My``Col`");
    assert_int_equal(r.t[1].type, TK_IDENT);
    assert_text(&r.t[1], "\"dq\"\"x\"");
    assert_int_equal(r.t[2].type, TK_STRLIT);
    assert_text(&r.t[2], "'it''s'");
}

static void test_numbers_are_int_decimal_or_double(void **state) {
    (void)state;
    lexed r = lex_all("42 1.50 .5 7. 1.5E3 1e-3 2E+2");
    assert_int_equal(r.rc, 0);
    int want[] = {TK_INTLIT, TK_DECLIT, TK_DECLIT, TK_DECLIT, TK_DBLLIT, TK_DBLLIT, TK_DBLLIT, 0};
    const char *text[] = {"42", "1.50", ".5", "7.", "1.5E3", "1e-3", "2E+2"};
    for (int i = 0; i < 8; i++) assert_int_equal(r.t[i].type, want[i]);
    for (int i = 0; i < 7; i++) assert_text(&r.t[i], text[i]);
}

static void test_digit_identifier_is_longest_match(void **state) {
    (void)state;
    lexed r = lex_all("1ST 1e5x 1.5abc");
    assert_int_equal(r.t[0].type, TK_IDENT);
    assert_text(&r.t[0], "1ST");
    assert_int_equal(r.t[1].type, TK_IDENT);
    assert_text(&r.t[1], "1e5x");
    assert_int_equal(r.t[2].type, TK_DECLIT);
    assert_text(&r.t[2], "1.5");
    assert_int_equal(r.t[3].type, TK_IDENT);
}

static void test_two_character_operators(void **state) {
    (void)state;
    lexed r = lex_all("-> => := || <> != <= >= < > = - .");
    int want[] = {TK_ARROW, TK_LAMBDA, TK_ASSIGN, TK_CONCAT, TK_NE, TK_NE, TK_LE, TK_GE,
                  TK_LT,    TK_GT,     TK_EQ,     TK_MINUS,  TK_DOT, 0};
    assert_int_equal(r.rc, 0);
    for (int i = 0; i < 14; i++) assert_int_equal(r.t[i].type, want[i]);
}

static void test_comments_are_skipped(void **state) {
    (void)state;
    lexed r = lex_all("-- line comment\nSELECT /* block\n comment */ 1 --@directive\n;");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.t[0].type, TK_SELECT);
    assert_int_equal(r.t[1].type, TK_INTLIT);
    assert_int_equal(r.t[2].type, TK_SEMI);
}

static void test_positions_count_lines_and_columns(void **state) {
    (void)state;
    lexed r = lex_all("SELECT a,\n  'x\ny' b\n\tFROM t");
    assert_int_equal(r.t[0].line, 1);
    assert_int_equal(r.t[0].col, 1);
    assert_int_equal(r.t[1].col, 8);
    assert_int_equal(r.t[3].line, 2); /* 'x\ny' */
    assert_int_equal(r.t[3].col, 3);
    assert_int_equal(r.t[4].line, 3); /* b, after the newline in the string */
    assert_int_equal(r.t[4].col, 4);
    assert_int_equal(r.t[5].line, 4); /* FROM after a tab */
    assert_int_equal(r.t[5].col, 2);
    assert_int_equal(r.t[5].off, (int)strlen("SELECT a,\n  'x\ny' b\n\t"));
}

static void test_unterminated_string_is_an_error(void **state) {
    (void)state;
    lexed r = lex_all("SELECT 'abc");
    assert_int_equal(r.rc, EDDY_PARSE);
    assert_int_equal(r.err.line, 1);
    assert_int_equal(r.err.col, 8);
    assert_string_equal(r.err.msg, "line 1:8: Unterminated string literal");
}

static void test_unterminated_quoted_identifier_is_an_error(void **state) {
    (void)state;
    lexed r = lex_all("SELECT `abc");
    assert_int_equal(r.rc, EDDY_PARSE);
    assert_non_null(strstr(r.err.msg, "Unterminated quoted identifier"));
}

static void test_unterminated_block_comment_is_an_error(void **state) {
    (void)state;
    lexed r = lex_all("SELECT\n  /* never closed");
    assert_int_equal(r.rc, EDDY_PARSE);
    assert_int_equal(r.err.line, 2);
    assert_int_equal(r.err.col, 3);
    assert_string_equal(r.err.msg, "line 2:3: Unterminated comment");
}

static void test_unexpected_character_is_an_error(void **state) {
    (void)state;
    lexed r = lex_all("SELECT a # b");
    assert_int_equal(r.rc, EDDY_PARSE);
    assert_string_equal(r.err.msg, "line 1:10: Unexpected character '#'");
    r = lex_all("SELECT \x01");
    assert_string_equal(r.err.msg, "line 1:8: Unexpected character 0x01");
}

static void test_variable_reference_is_a_clear_error(void **state) {
    (void)state;
    lexed r = lex_all("SELECT ${myVar} FROM t");
    assert_int_equal(r.rc, EDDY_PARSE);
    assert_non_null(strstr(r.err.msg, "line 1:8: Unsubstituted variable reference '${myVar}'"));
}

static void test_every_keyword_is_found_by_name(void **state) {
    (void)state;
    int found = 0;
    for (int t = 1; t < 512; t++) {
        const char *name = eddy_lex_token_name(t);
        if (!name || name[0] < 'A' || name[0] > 'Z') continue;
        assert_int_equal(eddy_lex_keyword(name, strlen(name)), t);
        found++;
    }
    assert_true(found > 100);
    assert_int_equal(eddy_lex_keyword("select", 6), TK_SELECT);
    assert_int_equal(eddy_lex_keyword("selectx", 7), 0);
}

static void test_reserved_words_need_quoting(void **state) {
    (void)state;
    assert_true(eddy_lex_is_reserved("SELECT"));
    assert_true(eddy_lex_is_reserved("WINDOW"));
    assert_false(eddy_lex_is_reserved("KEY"));
    assert_false(eddy_lex_is_reserved("select")); /* only upper-case names are keywords once parsed */
    assert_false(eddy_lex_is_reserved("FOO"));
}

static void test_token_names_for_messages(void **state) {
    (void)state;
    assert_string_equal(eddy_lex_token_name(TK_COMMA), "','");
    assert_string_equal(eddy_lex_token_name(TK_FROM), "FROM");
    assert_string_equal(eddy_lex_token_name(TK_IDENT), "identifier");
    assert_string_equal(eddy_lex_token_name(0), "end of input");
    assert_null(eddy_lex_token_name(TK_XEXPR));
}

static void test_lexer_does_not_read_past_length(void **state) {
    (void)state;
    const char buf[] = {'S', 'E', 'L', '\''}; /* not NUL-terminated */
    eddy_lexer lx;
    eddy_token t;
    eddy_err err;
    eddy_lex_init(&lx, buf, 3);
    assert_int_equal(eddy_lex_next(&lx, &t, &err), 0);
    assert_int_equal(t.type, TK_IDENT);
    assert_int_equal(t.n, 3);
    assert_int_equal(eddy_lex_next(&lx, &t, &err), 0);
    assert_int_equal(t.type, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keywords_match_in_any_case),
        cmocka_unit_test(test_identifiers_allow_digits_underscore_and_at),
        cmocka_unit_test(test_nonreserved_keywords_are_flagged),
        cmocka_unit_test(test_quoted_identifiers_and_strings),
        cmocka_unit_test(test_numbers_are_int_decimal_or_double),
        cmocka_unit_test(test_digit_identifier_is_longest_match),
        cmocka_unit_test(test_two_character_operators),
        cmocka_unit_test(test_comments_are_skipped),
        cmocka_unit_test(test_positions_count_lines_and_columns),
        cmocka_unit_test(test_unterminated_string_is_an_error),
        cmocka_unit_test(test_unterminated_quoted_identifier_is_an_error),
        cmocka_unit_test(test_unterminated_block_comment_is_an_error),
        cmocka_unit_test(test_unexpected_character_is_an_error),
        cmocka_unit_test(test_variable_reference_is_a_clear_error),
        cmocka_unit_test(test_every_keyword_is_found_by_name),
        cmocka_unit_test(test_reserved_words_need_quoting),
        cmocka_unit_test(test_token_names_for_messages),
        cmocka_unit_test(test_lexer_does_not_read_past_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
