/* test_expr.c - expressions: precedence, literals, names, calls, constructors,
 * types and eddy_expr_format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sql/parse.h"

#include <stdint.h>
#include <stdio.h>
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

static eddy_expr *expr(const char *text) {
    eddy_expr *e = NULL;
    eddy_err err;
    int rc = eddy_parse_expr(text, arena, &e, &err);
    if (rc) fail_msg("%s: %s", text, err.msg);
    assert_non_null(e);
    return e;
}

static const char *fmt(const eddy_expr *e) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_expr_format(e, &sb);
    char *s = eddy_arena_strdup(arena, eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return s;
}

/* Parses text and formats it back. */
static const char *roundtrip(const char *text) { return fmt(expr(text)); }

static void assert_expr_error(const char *text, const char *msg_part) {
    eddy_expr *e = NULL;
    eddy_err err;
    assert_int_equal(eddy_parse_expr(text, arena, &e, &err), EDDY_PARSE);
    assert_null(e);
    if (!strstr(err.msg, msg_part)) fail_msg("%s: got '%s', want '%s'", text, err.msg, msg_part);
}

/* ---- precedence -------------------------------------------------------- */

static void test_or_binds_looser_than_and(void **state) {
    (void)state;
    eddy_expr *e = expr("a OR b AND c");
    assert_int_equal(e->kind, EDDY_EX_BINARY);
    assert_int_equal(e->v.binary.op, EDDY_OP_OR);
    assert_int_equal(e->v.binary.right->v.binary.op, EDDY_OP_AND);
    assert_string_equal(fmt(e), "(A OR (B AND C))");
}

static void test_not_binds_looser_than_comparison(void **state) {
    (void)state;
    assert_string_equal(roundtrip("NOT a = b AND c"), "((NOT (A = B)) AND C)");
    assert_string_equal(roundtrip("NOT NOT a"), "(NOT (NOT A))");
}

static void test_comparison_binds_looser_than_concat_and_arithmetic(void **state) {
    (void)state;
    assert_string_equal(roundtrip("a || b = c + d"), "((A || B) = (C + D))");
    assert_string_equal(roundtrip("a || b + c"), "(A || (B + C))");
    assert_string_equal(roundtrip("a + b * c - d / e % f"), "((A + (B * C)) - ((D / E) % F))");
}

static void test_arithmetic_is_left_associative(void **state) {
    (void)state;
    assert_string_equal(roundtrip("a - b - c"), "((A - B) - C)");
    assert_string_equal(roundtrip("a / b * c"), "((A / B) * C)");
    assert_string_equal(roundtrip("a || b || c"), "((A || B) || C)");
}

static void test_unary_minus_binds_tighter_than_multiplication(void **state) {
    (void)state;
    eddy_expr *e = expr("-a * b");
    assert_int_equal(e->v.binary.op, EDDY_OP_MUL);
    assert_int_equal(e->v.binary.left->kind, EDDY_EX_UNARY);
    assert_int_equal(e->v.binary.left->v.unary.op, EDDY_OP_NEG);
    assert_string_equal(fmt(e), "(-A * B)");
    assert_string_equal(roundtrip("+a"), "+A");
    assert_string_equal(roundtrip("- -a"), "- -A");
}

static void test_postfix_binds_tightest(void **state) {
    (void)state;
    eddy_expr *e = expr("-a[1]->b");
    assert_int_equal(e->kind, EDDY_EX_UNARY);
    assert_int_equal(e->v.unary.arg->kind, EDDY_EX_DEREF);
    assert_string_equal(e->v.unary.arg->v.deref.field, "B");
    assert_int_equal(e->v.unary.arg->v.deref.base->kind, EDDY_EX_SUBSCRIPT);
    assert_string_equal(fmt(e), "-A[1]->B");
}

static void test_parentheses_override_precedence(void **state) {
    (void)state;
    assert_string_equal(roundtrip("(a + b) * c"), "((A + B) * C)");
    assert_string_equal(roundtrip("(a OR b) AND c"), "((A OR B) AND C)");
}

static void test_comparisons_do_not_chain(void **state) {
    (void)state;
    assert_expr_error("a = b = c", "Syntax error at or near '='");
}

static void test_comparison_operators(void **state) {
    (void)state;
    const char *ops[] = {"=", "<>", "!=", "<", "<=", ">", ">="};
    eddy_binop want[] = {EDDY_OP_EQ, EDDY_OP_NE, EDDY_OP_NE, EDDY_OP_LT, EDDY_OP_LE, EDDY_OP_GT, EDDY_OP_GE};
    for (int i = 0; i < 7; i++) {
        char text[32];
        snprintf(text, sizeof text, "a %s 1", ops[i]);
        assert_int_equal(expr(text)->v.binary.op, want[i]);
    }
    assert_string_equal(eddy_binop_name(EDDY_OP_NE), "<>");
    assert_string_equal(eddy_binop_name(EDDY_OP_CONCAT), "||");
    assert_string_equal(eddy_binop_name(EDDY_OP_AND), "AND");
}

/* ---- predicates -------------------------------------------------------- */

static void test_like_with_escape_and_negation(void **state) {
    (void)state;
    eddy_expr *e = expr("name NOT LIKE 'a!%%' ESCAPE '!'");
    assert_int_equal(e->kind, EDDY_EX_LIKE);
    assert_true(e->v.like.negated);
    assert_string_equal(e->v.like.pattern->v.s, "a!%%");
    assert_string_equal(e->v.like.escape->v.s, "!");
    assert_string_equal(roundtrip("a LIKE 'x'"), "(A LIKE 'x')");
}

static void test_between_and_not_between(void **state) {
    (void)state;
    eddy_expr *e = expr("a BETWEEN 1 + 1 AND 10 AND b");
    assert_int_equal(e->v.binary.op, EDDY_OP_AND);
    assert_int_equal(e->v.binary.left->kind, EDDY_EX_BETWEEN);
    assert_false(e->v.binary.left->v.between.negated);
    assert_string_equal(fmt(e), "((A BETWEEN (1 + 1) AND 10) AND B)");
    assert_true(expr("a NOT BETWEEN 1 AND 2")->v.between.negated);
}

static void test_in_and_not_in(void **state) {
    (void)state;
    eddy_expr *e = expr("a IN (1, 2, b = c)");
    assert_int_equal(e->kind, EDDY_EX_IN);
    assert_int_equal(e->v.in.list.n, 3);
    assert_false(e->v.in.negated);
    assert_string_equal(fmt(expr("a NOT IN ('x')")), "(A NOT IN ('x'))");
}

static void test_is_null_and_is_distinct_from(void **state) {
    (void)state;
    eddy_expr *e = expr("a IS NULL");
    assert_int_equal(e->kind, EDDY_EX_IS_NULL);
    assert_false(e->v.is_null.negated);
    assert_true(expr("a IS NOT NULL")->v.is_null.negated);
    e = expr("a IS NOT DISTINCT FROM b + 1");
    assert_int_equal(e->kind, EDDY_EX_IS_DISTINCT);
    assert_true(e->v.is_distinct.negated);
    assert_string_equal(fmt(e), "(A IS NOT DISTINCT FROM (B + 1))");
    assert_false(expr("a IS DISTINCT FROM b")->v.is_distinct.negated);
}

/* ---- literals ---------------------------------------------------------- */

static void test_integer_literals_are_int_or_bigint(void **state) {
    (void)state;
    eddy_expr *e = expr("2147483647");
    assert_int_equal(e->kind, EDDY_EX_INT);
    assert_false(e->v.lit_int.is_bigint);
    e = expr("2147483648");
    assert_true(e->v.lit_int.is_bigint);
    assert_int_equal(e->v.lit_int.i, 2147483648LL);
    e = expr("-2147483648");
    assert_false(e->v.lit_int.is_bigint);
    assert_int_equal(e->v.lit_int.i, -2147483648LL);
    e = expr("-9223372036854775808");
    assert_int_equal(e->v.lit_int.i, INT64_MIN);
    assert_true(e->v.lit_int.is_bigint);
    assert_expr_error("9223372036854775808", "Invalid numeric literal");
    assert_expr_error("99999999999999999999", "Invalid numeric literal");
}

static void test_decimal_literal_keeps_its_text(void **state) {
    (void)state;
    eddy_expr *e = expr("1.50");
    assert_int_equal(e->kind, EDDY_EX_DECIMAL);
    assert_string_equal(e->v.lit_num.s, "1.50");
    e = expr("-0.010");
    assert_int_equal(e->kind, EDDY_EX_DECIMAL);
    assert_string_equal(e->v.lit_num.s, "-0.010");
    assert_string_equal(expr(".5")->v.lit_num.s, ".5");
}

static void test_exponent_makes_a_double(void **state) {
    (void)state;
    eddy_expr *e = expr("1.5E3");
    assert_int_equal(e->kind, EDDY_EX_DOUBLE);
    assert_true(e->v.lit_num.d == 1500.0);
    assert_string_equal(e->v.lit_num.s, "1.5E3");
    e = expr("-1e3");
    assert_true(e->v.lit_num.d == -1000.0);
    assert_expr_error("1e999", "Number overflows DOUBLE");
}

static void test_string_boolean_and_null_literals(void **state) {
    (void)state;
    eddy_expr *e = expr("'it''s'");
    assert_int_equal(e->kind, EDDY_EX_STRING);
    assert_string_equal(e->v.s, "it's");
    assert_string_equal(fmt(e), "'it''s'");
    e = expr("true");
    assert_int_equal(e->kind, EDDY_EX_BOOL);
    assert_true(e->v.b);
    assert_false(expr("FALSE")->v.b);
    assert_int_equal(expr("NULL")->kind, EDDY_EX_NULL);
    assert_string_equal(expr("''")->v.s, "");
}

/* ---- names ------------------------------------------------------------- */

static void test_unquoted_names_are_upper_cased(void **state) {
    (void)state;
    eddy_expr *e = expr("myCol");
    assert_int_equal(e->kind, EDDY_EX_COLUMN);
    assert_string_equal(e->v.column.name, "MYCOL");
    assert_null(e->v.column.qualifier);
    assert_false(e->v.column.quoted);
}

static void test_quoted_names_keep_case(void **state) {
    (void)state;
    eddy_expr *e = expr("`my``Col`");
    assert_string_equal(e->v.column.name, "my`Col");
    assert_true(e->v.column.quoted);
    assert_string_equal(fmt(e), "`my``Col`");
    e = expr("\"dq\"\"x\"");
    assert_string_equal(e->v.column.name, "dq\"x");
    assert_true(e->v.column.quoted);
}

static void test_qualified_column(void **state) {
    (void)state;
    eddy_expr *e = expr("s.`Id`");
    assert_string_equal(e->v.column.qualifier, "S");
    assert_string_equal(e->v.column.name, "Id");
    assert_int_equal(e->pos.col, 1);
    assert_string_equal(fmt(e), "S.`Id`");
}

static void test_reserved_names_are_quoted_when_printed(void **state) {
    (void)state;
    assert_string_equal(roundtrip("`SELECT` + `KEY`"), "(`SELECT` + KEY)");
}

/* ---- calls, casts, constructors ---------------------------------------- */

static void test_count_star(void **state) {
    (void)state;
    eddy_expr *e = expr("count(*)");
    assert_int_equal(e->kind, EDDY_EX_FUNC);
    assert_string_equal(e->v.func.name, "COUNT");
    assert_true(e->v.func.star);
    assert_int_equal(e->v.func.args.n, 0);
    assert_string_equal(fmt(e), "COUNT(*)");
}

static void test_function_arguments(void **state) {
    (void)state;
    eddy_expr *e = expr("SUBSTRING(s, 1, 2)");
    assert_int_equal(e->v.func.args.n, 3);
    assert_false(e->v.func.star);
    assert_int_equal(expr("NOW()")->v.func.args.n, 0);
    e = expr("COUNT(DISTINCT x)");
    assert_true(e->v.func.distinct);
    assert_string_equal(fmt(e), "COUNT(DISTINCT X)");
}

static void test_lambdas_as_arguments(void **state) {
    (void)state;
    eddy_expr *e = expr("TRANSFORM(arr, x => x + 1)");
    eddy_expr *l = e->v.func.args.items[1];
    assert_int_equal(l->kind, EDDY_EX_LAMBDA);
    assert_int_equal(l->v.lambda.params.n, 1);
    assert_string_equal(l->v.lambda.params.items[0], "X");
    assert_string_equal(fmt(l->v.lambda.body), "(X + 1)");
    e = expr("REDUCE(m, 0, (s, k, v) => s + v)");
    l = e->v.func.args.items[2];
    assert_int_equal(l->v.lambda.params.n, 3);
    assert_string_equal(l->v.lambda.params.items[2], "V");
    assert_string_equal(fmt(e), "REDUCE(M, 0, (S, K, V) => (S + V))");
    e = expr("FILTER(a, (x) => x > 0)");
    assert_int_equal(((eddy_expr *)e->v.func.args.items[1])->kind, EDDY_EX_LAMBDA);
    assert_int_equal(((eddy_expr *)expr("F((x), 1)")->v.func.args.items[0])->kind, EDDY_EX_COLUMN);
}

static void test_bad_lambda_parameters_are_rejected(void **state) {
    (void)state;
    assert_expr_error("F((a.b) => 1)", "Lambda parameters must be plain identifiers");
    assert_expr_error("F((x + 1, y) => 1)", "Lambda parameters must be plain identifiers");
    assert_expr_error("F((x, x) => 1)", "Duplicate lambda parameter: X");
}

static void test_time_unit_argument_is_a_column_reference(void **state) {
    (void)state;
    eddy_expr *e = expr("TIMESTAMPADD(SECONDS, 10, ts)");
    eddy_expr *u = e->v.func.args.items[0];
    assert_int_equal(u->kind, EDDY_EX_COLUMN);
    assert_string_equal(u->v.column.name, "SECONDS");
}

static void test_cast(void **state) {
    (void)state;
    eddy_expr *e = expr("CAST(a AS DECIMAL(4, 2))");
    assert_int_equal(e->kind, EDDY_EX_CAST);
    assert_int_equal(e->v.cast.type->ty_kind, EDDY_TYPE_DECIMAL);
    assert_int_equal(e->v.cast.type->ty_precision, 4);
    assert_int_equal(e->v.cast.type->ty_scale, 2);
    assert_string_equal(fmt(e), "CAST(A AS DECIMAL(4, 2))");
    assert_string_equal(roundtrip("CAST(x AS ARRAY<MAP<STRING, INT>>)"), "CAST(X AS ARRAY<MAP<STRING, INTEGER>>)");
}

static void test_searched_and_simple_case(void **state) {
    (void)state;
    eddy_expr *e = expr("CASE WHEN a > 0 THEN 'p' WHEN a < 0 THEN 'n' ELSE 'z' END");
    assert_int_equal(e->kind, EDDY_EX_CASE);
    assert_null(e->v.case_.operand);
    assert_int_equal(e->v.case_.whens.n, 2);
    assert_int_equal(e->v.case_.thens.n, 2);
    assert_non_null(e->v.case_.else_);
    assert_string_equal(fmt(e), "(CASE WHEN (A > 0) THEN 'p' WHEN (A < 0) THEN 'n' ELSE 'z' END)");
    e = expr("CASE b WHEN 1 THEN 'one' END");
    assert_string_equal(e->v.case_.operand->v.column.name, "B");
    assert_null(e->v.case_.else_);
    assert_string_equal(fmt(e), "(CASE B WHEN 1 THEN 'one' END)");
}

static void test_array_map_struct_constructors(void **state) {
    (void)state;
    eddy_expr *e = expr("ARRAY[1, 2, 3]");
    assert_int_equal(e->kind, EDDY_EX_ARRAY);
    assert_int_equal(e->v.array.items.n, 3);
    assert_int_equal(expr("ARRAY[]")->v.array.items.n, 0);
    e = expr("MAP('a' := 1, 'b' := 2)");
    assert_int_equal(e->kind, EDDY_EX_MAP);
    assert_int_equal(e->v.map.keys.n, 2);
    assert_int_equal(e->v.map.values.n, 2);
    assert_string_equal(fmt(e), "MAP('a':=1, 'b':=2)");
    e = expr("STRUCT(x := 1, `Y` := 'b')");
    assert_int_equal(e->kind, EDDY_EX_STRUCT);
    assert_string_equal(e->v.struct_.names.items[0], "X");
    assert_string_equal(e->v.struct_.names.items[1], "Y");
    assert_string_equal(fmt(e), "STRUCT(X:=1, Y:='b')");
    assert_int_equal(expr("STRUCT()")->v.struct_.names.n, 0);
    assert_int_equal(expr("MAP()")->v.map.keys.n, 0);
}

static void test_subscript_and_dereference(void **state) {
    (void)state;
    eddy_expr *e = expr("m['k'][1]");
    assert_int_equal(e->kind, EDDY_EX_SUBSCRIPT);
    assert_int_equal(e->v.subscript.base->kind, EDDY_EX_SUBSCRIPT);
    assert_string_equal(fmt(e), "M['k'][1]");
    e = expr("a->`b`->c");
    assert_int_equal(e->kind, EDDY_EX_DEREF);
    assert_string_equal(e->v.deref.field, "C");
    assert_string_equal(e->v.deref.base->v.deref.field, "b");
}

static void test_expression_positions(void **state) {
    (void)state;
    eddy_expr *e = expr("a +\n  b * c");
    assert_int_equal(e->pos.line, 1);
    assert_int_equal(e->pos.col, 1);
    assert_int_equal(e->v.binary.right->pos.line, 2);
    assert_int_equal(e->v.binary.right->pos.col, 3);
}

/* ---- types ------------------------------------------------------------- */

static const char *type_text(const char *text) {
    eddy_type *t = NULL;
    eddy_err err;
    int rc = eddy_parse_type(text, arena, &t, &err);
    if (rc) fail_msg("%s: %s", text, err.msg);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_type_format(t, &sb);
    char *s = eddy_arena_strdup(arena, eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return s;
}

static void test_primitive_type_names(void **state) {
    (void)state;
    assert_string_equal(type_text("BOOLEAN"), "BOOLEAN");
    assert_string_equal(type_text("int"), "INTEGER");
    assert_string_equal(type_text("INTEGER"), "INTEGER");
    assert_string_equal(type_text("BIGINT"), "BIGINT");
    assert_string_equal(type_text("DOUBLE"), "DOUBLE");
    assert_string_equal(type_text("STRING"), "STRING");
    assert_string_equal(type_text("VARCHAR"), "STRING");
    assert_string_equal(type_text("BYTES"), "BYTES");
    assert_string_equal(type_text("DATE"), "DATE");
    assert_string_equal(type_text("TIME"), "TIME");
    assert_string_equal(type_text("TIMESTAMP"), "TIMESTAMP");
    assert_string_equal(type_text("DECIMAL(10, 0)"), "DECIMAL(10, 0)");
}

static void test_nested_types(void **state) {
    (void)state;
    assert_string_equal(type_text("ARRAY<ARRAY<INT>>"), "ARRAY<ARRAY<INTEGER>>");
    assert_string_equal(type_text("MAP<STRING, STRUCT<a INT, `b` ARRAY<BYTES>>>"),
                        "MAP<STRING, STRUCT<`A` INTEGER, `b` ARRAY<BYTES>>>");
    assert_string_equal(type_text("STRUCT<>"), "STRUCT<>");
}

static void test_unknown_type_name_is_named(void **state) {
    (void)state;
    eddy_type *t = NULL;
    eddy_err err;
    assert_int_equal(eddy_parse_type("address", arena, &t, &err), 0);
    assert_int_equal(t->ty_kind, EDDY_TYPE_NAMED);
    assert_string_equal(t->ty_name, "ADDRESS");
}

static void test_bad_types_are_rejected(void **state) {
    (void)state;
    const char *bad[] = {"DECIMAL", "DECIMAL(2)", "DECIMAL(0, 0)", "DECIMAL(2, 3)", "VARCHAR(10)",
                         "STRUCT<a INT, A INT>", "ARRAY<INT", "MAP<INT>", "NULL"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eddy_type *t = NULL;
        eddy_err err;
        assert_int_equal(eddy_parse_type(bad[i], arena, &t, &err), EDDY_PARSE);
        assert_null(t);
    }
}

static void test_time_unit_names(void **state) {
    (void)state;
    assert_string_equal(eddy_time_unit_name(EDDY_TU_MILLISECONDS), "MILLISECONDS");
    assert_string_equal(eddy_time_unit_name(EDDY_TU_DAYS), "DAYS");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_binds_looser_than_and),
        cmocka_unit_test(test_not_binds_looser_than_comparison),
        cmocka_unit_test(test_comparison_binds_looser_than_concat_and_arithmetic),
        cmocka_unit_test(test_arithmetic_is_left_associative),
        cmocka_unit_test(test_unary_minus_binds_tighter_than_multiplication),
        cmocka_unit_test(test_postfix_binds_tightest),
        cmocka_unit_test(test_parentheses_override_precedence),
        cmocka_unit_test(test_comparisons_do_not_chain),
        cmocka_unit_test(test_comparison_operators),
        cmocka_unit_test(test_like_with_escape_and_negation),
        cmocka_unit_test(test_between_and_not_between),
        cmocka_unit_test(test_in_and_not_in),
        cmocka_unit_test(test_is_null_and_is_distinct_from),
        cmocka_unit_test(test_integer_literals_are_int_or_bigint),
        cmocka_unit_test(test_decimal_literal_keeps_its_text),
        cmocka_unit_test(test_exponent_makes_a_double),
        cmocka_unit_test(test_string_boolean_and_null_literals),
        cmocka_unit_test(test_unquoted_names_are_upper_cased),
        cmocka_unit_test(test_quoted_names_keep_case),
        cmocka_unit_test(test_qualified_column),
        cmocka_unit_test(test_reserved_names_are_quoted_when_printed),
        cmocka_unit_test(test_count_star),
        cmocka_unit_test(test_function_arguments),
        cmocka_unit_test(test_lambdas_as_arguments),
        cmocka_unit_test(test_bad_lambda_parameters_are_rejected),
        cmocka_unit_test(test_time_unit_argument_is_a_column_reference),
        cmocka_unit_test(test_cast),
        cmocka_unit_test(test_searched_and_simple_case),
        cmocka_unit_test(test_array_map_struct_constructors),
        cmocka_unit_test(test_subscript_and_dereference),
        cmocka_unit_test(test_expression_positions),
        cmocka_unit_test(test_primitive_type_names),
        cmocka_unit_test(test_nested_types),
        cmocka_unit_test(test_unknown_type_name_is_named),
        cmocka_unit_test(test_bad_types_are_rejected),
        cmocka_unit_test(test_time_unit_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
