/* test_expr_type.c - typing of expressions: literals, names and scopes, operators, functions, ksqlDB's messages. */
#include "expr_fixture.h"

#define TY(expr, want) assert_string_equal(ty(expr, "SELECT"), want)
#define TYERR(expr, clause, want)                                                    \
    do {                                                                             \
        const char *got_ = ty(expr, clause);                                         \
        if (!strstr(got_, want)) fail_msg("'%s': got '%s', want '%s'", expr, got_, want); \
    } while (0)

/* ---- literals ---------------------------------------------------------------- */

static void test_small_integer_literal_is_integer(void **s) { TY("12", "INTEGER"); }

static void test_large_integer_literal_is_bigint(void **s) { TY("4294967296", "BIGINT"); }

static void test_decimal_literal_takes_precision_and_scale_from_its_text(void **s) { TY("1.50", "DECIMAL(3, 2)"); }

static void test_decimal_literal_below_one(void **s) { TY("0.05", "DECIMAL(2, 2)"); }

static void test_zero_decimal_literal(void **s) { TY("0.00", "DECIMAL(3, 2)"); }

static void test_exponent_literal_is_double(void **s) { TY("1.5E3", "DOUBLE"); }

static void test_string_literal_is_string(void **s) { TY("'x'", "STRING"); }

static void test_bare_null_has_no_type(void **s) {
    TYERR("NULL", "SELECT", "Can't infer a type of null");
}

/* ---- arithmetic types ------------------------------------------------------------- */

static void test_int_times_int_is_integer(void **s) { TY("12 * 4 + 2", "INTEGER"); }

static void test_bigint_plus_int_is_bigint(void **s) { TY("L + I", "BIGINT"); }

static void test_int_plus_decimal_widens_int_to_decimal_10_0(void **s) { TY("I + DEC", "DECIMAL(13, 2)"); }

static void test_bigint_times_decimal(void **s) { TY("L * DEC", "DECIMAL(24, 2)"); }

static void test_decimal_divided_by_decimal(void **s) { TY("DEC / DEC", "DECIMAL(11, 7)"); }

static void test_decimal_modulo_type(void **s) { TY("DEC % 1.5", "DECIMAL(3, 2)"); }

static void test_double_plus_decimal_is_double(void **s) { TY("D + DEC", "DOUBLE"); }

static void test_string_plus_int_is_an_error(void **s) {
    TYERR("S + I", "SELECT", "Unsupported arithmetic types. STRING INTEGER");
}

/* ---- names --------------------------------------------------------------------------- */

static void test_unknown_column_in_where(void **s) {
    TYERR("ABS(BOB) < 10", "WHERE", "WHERE column 'BOB' cannot be resolved.");
}

static void test_qualified_column_with_alias(void **s) { TY("I.DEC", "DECIMAL(4, 2)"); }

static void test_source_name_is_not_valid_once_aliased(void **s) {
    TYERR("INPUT.I", "SELECT", "'INPUT' is not a valid stream/table name or alias.");
}

static void test_unknown_qualifier(void **s) {
    TYERR("UNKNOWN.ID", "JOIN ON", "'UNKNOWN' is not a valid stream/table name or alias.");
}

static void test_unknown_qualified_column(void **s) {
    TYERR("I.IID", "JOIN ON", "JOIN ON column 'I.IID' cannot be resolved.");
}

static void test_ambiguous_column_in_a_join(void **s) {
    eddy_scope_source two[2] = {
        {.name = "LEFT_TABLE", .schema = fx_schema, .first_col = 0},
        {.name = "RIGHT_TABLE", .schema = fx_schema, .first_col = fx_schema->ncols},
    };
    eddy_expr_scope sc = {.nsources = 2, .sources = two, .ncols = 2 * fx_schema->ncols};
    eddy_type *t = NULL;
    eddy_err err = {0};
    assert_int_equal(eddy_expr_typeof(&sc, fx_parse("I = 1"), "JOIN ON", &t, &err), EDDY_ANALYSIS);
    assert_string_equal(err.msg, "Column 'I' is ambiguous. Could be LEFT_TABLE.I or RIGHT_TABLE.I.");
    assert_int_equal(eddy_expr_typeof(&sc, fx_parse("RIGHT_TABLE.I"), "SELECT", &t, &err), 0);
    eddy_type_unref(t);
}

static void test_column_of_second_source_is_offset(void **s) {
    eddy_schema *rs = eddy_schema_new();
    assert_int_equal(eddy_schema_add(rs, "R", eddy_type_primitive(EDDY_TYPE_STRING), EDDY_COL_VALUE, NULL), 0);
    eddy_scope_source two[2] = {
        {.name = "A", .schema = fx_schema, .first_col = 0},
        {.name = "B", .schema = rs, .first_col = fx_schema->ncols},
    };
    eddy_expr_scope sc = {.nsources = 2, .sources = two, .ncols = fx_schema->ncols + 1};
    eddy_arena *ta = eddy_arena_new();
    eddy_err err = {0};
    tctx c = {.scope = &sc, .clause = "SELECT", .err = &err, .arena = ta};
    texpr *t;
    assert_int_equal(eddy_tx_build(&c, fx_parse("R"), &t), 0);
    assert_int_equal(t->op, TX_COL);
    assert_int_equal(t->u.col, fx_schema->ncols);
    eddy_arena_destroy(ta);
    eddy_schema_free(rs);
}

static void test_pseudo_column_types(void **s) {
    TY("ROWTIME", "BIGINT");
    TY("ROWPARTITION", "INTEGER");
    TY("ROWOFFSET", "BIGINT");
}

static void test_pseudo_column_not_offered_by_the_scope(void **s) {
    eddy_expr_scope sc = fx_scope;
    sc.pseudo = 0;
    eddy_type *t = NULL;
    eddy_err err = {0};
    assert_int_equal(eddy_expr_typeof(&sc, fx_parse("ROWOFFSET"), "SELECT", &t, &err), EDDY_ANALYSIS);
    assert_string_equal(err.msg, "SELECT column 'ROWOFFSET' cannot be resolved.");
}

static void test_struct_field_types(void **s) {
    TY("ST->A", "INTEGER");
    TYERR("ST->NOPE", "SELECT", "Could not find field 'NOPE' in 'ST'.");
}

static void test_subscript_of_a_struct_is_an_error(void **s) {
    TYERR("ST['A']", "SELECT", "Use the dereference operator for STRUCTS");
}

/* ---- comparisons and predicates ---------------------------------------------------------- */

static void test_comparison_with_null_literal_is_an_error(void **s) {
    TYERR("I = NULL", "WHERE", "Comparison with NULL not supported: INTEGER = NULL");
}

static void test_comparing_string_to_int_is_an_error(void **s) {
    TYERR("S = 1", "WHERE", "Cannot compare S (STRING) to 1 (INTEGER) with =.");
}

static void test_boolean_order_comparison_is_an_error(void **s) {
    TYERR("B < true", "WHERE", "Cannot compare B (BOOLEAN) to true (BOOLEAN) with <.");
}

static void test_like_on_a_number_is_an_error(void **s) { TYERR("I LIKE '1%'", "WHERE", "LIKE works on STRING values"); }

static void test_not_needs_a_boolean(void **s) { TYERR("NOT I", "WHERE", "NOT operand must be BOOLEAN"); }

/* ---- CASE, CAST, constructors ------------------------------------------------------------- */

static void test_case_then_types_must_match(void **s) {
    TYERR("CASE WHEN B THEN 1 ELSE 'x' END", "SELECT",
          "Invalid Case expression. Type for the default clause should be the same as for 'THEN' clauses.");
}

static void test_case_when_must_be_boolean(void **s) {
    TYERR("CASE WHEN I THEN 1 END", "SELECT", "WHEN operand type should be boolean.");
}

static void test_case_with_null_then_takes_the_other_type(void **s) { TY("CASE WHEN B THEN NULL ELSE 1 END", "INTEGER"); }

static void test_cast_string_to_array_is_not_supported(void **s) {
    TYERR("CAST(S AS ARRAY<INTEGER>)", "SELECT", "Invalid Select: Cast of STRING to ARRAY<INTEGER> is not supported");
}

static void test_cast_string_to_struct_message_quotes_field_names(void **s) {
    TYERR("CAST(S AS STRUCT<F0 VARCHAR, F1 INTEGER>)", "SELECT",
          "Cast of STRING to STRUCT<`F0` STRING, `F1` INTEGER> is not supported");
}

static void test_empty_array_constructor_is_an_error(void **s) {
    TYERR("ARRAY[]", "SELECT", "Array constructor cannot be empty.");
}

static void test_array_of_nulls_is_an_error(void **s) {
    TYERR("ARRAY[NULL]", "SELECT", "Cannot construct an array with all NULL elements");
}

static void test_array_of_string_literal_and_number_reads_the_string_as_number(void **s) {
    TY("ARRAY['1', 2]", "ARRAY<INTEGER>");
}

static void test_array_of_mixed_types_is_an_error(void **s) {
    TYERR("ARRAY[S, 1]", "SELECT", "operator does not exist: STRING = INTEGER");
}

static void test_map_constructor_widens_values(void **s) { TY("MAP('a' := 1, 'b' := L)", "MAP<STRING, BIGINT>"); }

/* ---- functions ---------------------------------------------------------------------------- */

static void test_unknown_function(void **s) {
    TYERR("WONT_FIND_ME(I)", "SELECT", "Can't find any functions with the name 'WONT_FIND_ME'");
}

static void test_function_with_wrong_argument_types(void **s) {
    TYERR("UCASE(I)", "SELECT", "Function 'UCASE' does not accept parameters (INTEGER).");
}

static void test_function_variant_by_argument_type(void **s) {
    TY("ABS(I)", "INTEGER");
    TY("ABS(L)", "BIGINT");
    TY("ABS(D)", "DOUBLE");
}

static void test_decimal_function_returns_its_argument_type(void **s) { TY("ABS(DEC)", "DECIMAL(4, 2)"); }

static void test_round_of_a_decimal_has_scale_zero(void **s) {
    TY("ROUND(DEC)", "DECIMAL(2, 0)");
    TY("ROUND(DEC, 1)", "DECIMAL(4, 2)");
}

static void test_implicit_widening_picks_the_bigint_variant(void **s) { TY("ROUND(I)", "BIGINT"); }

static void test_generic_return_type(void **s) {
    TY("COALESCE(S, 'x')", "STRING");
    TY("ARRAY_MAX(ARR)", "INTEGER");
    TY("MAP_VALUES(M)", "ARRAY<INTEGER>");
}

static void test_generic_mismatch_is_an_error(void **s) {
    TYERR("COALESCE(S, 1)", "SELECT", "Function 'COALESCE' does not accept parameters (STRING, INTEGER).");
}

static void test_variadic_function_accepts_many_arguments(void **s) { TY("CONCAT(S, S, 'x', S)", "STRING"); }

static void test_interval_unit_argument(void **s) { TY("TIMESTAMPADD(SECONDS, 5, TS)", "TIMESTAMP"); }

static void test_aggregate_function_types(void **s) {
    TY("COUNT(*)", "BIGINT");
    TY("SUM(DEC)", "DECIMAL(4, 2)");
    TY("COLLECT_LIST(S)", "ARRAY<STRING>");
}

static void test_lambda_types(void **s) {
    TY("TRANSFORM(ARR, x => CAST(x AS STRING))", "ARRAY<STRING>");
    TY("TRANSFORM(M, (k, v) => v, (k, v) => k)", "MAP<INTEGER, STRING>");
    TY("REDUCE(ARR, 0, (s, x) => s + x)", "INTEGER");
}

static void test_filter_lambda_must_return_boolean(void **s) {
    TYERR("FILTER(ARR, x => x + 1)", "SELECT", "must return a BOOLEAN");
}

/* ---- default names ---------------------------------------------------------------------------- */

static void test_default_name_of_a_column_is_its_name(void **s) {
    char *n = eddy_expr_default_name(fx_parse("I.DEC"), 3);
    assert_string_equal(n, "DEC");
    free(n);
}

static void test_default_name_of_a_dereference_is_the_field(void **s) {
    char *n = eddy_expr_default_name(fx_parse("ST->A"), 0);
    assert_string_equal(n, "A");
    free(n);
}

static void test_default_name_of_an_expression_is_ksql_col(void **s) {
    char *n = eddy_expr_default_name(fx_parse("I + 1"), 2);
    assert_string_equal(n, "KSQL_COL_2");
    free(n);
}

int main(void) {
    fx_attach_all();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_integer_literal_is_integer),
        cmocka_unit_test(test_large_integer_literal_is_bigint),
        cmocka_unit_test(test_decimal_literal_takes_precision_and_scale_from_its_text),
        cmocka_unit_test(test_decimal_literal_below_one),
        cmocka_unit_test(test_zero_decimal_literal),
        cmocka_unit_test(test_exponent_literal_is_double),
        cmocka_unit_test(test_string_literal_is_string),
        cmocka_unit_test(test_bare_null_has_no_type),
        cmocka_unit_test(test_int_times_int_is_integer),
        cmocka_unit_test(test_bigint_plus_int_is_bigint),
        cmocka_unit_test(test_int_plus_decimal_widens_int_to_decimal_10_0),
        cmocka_unit_test(test_bigint_times_decimal),
        cmocka_unit_test(test_decimal_divided_by_decimal),
        cmocka_unit_test(test_decimal_modulo_type),
        cmocka_unit_test(test_double_plus_decimal_is_double),
        cmocka_unit_test(test_string_plus_int_is_an_error),
        cmocka_unit_test(test_unknown_column_in_where),
        cmocka_unit_test(test_qualified_column_with_alias),
        cmocka_unit_test(test_source_name_is_not_valid_once_aliased),
        cmocka_unit_test(test_unknown_qualifier),
        cmocka_unit_test(test_unknown_qualified_column),
        cmocka_unit_test(test_ambiguous_column_in_a_join),
        cmocka_unit_test(test_column_of_second_source_is_offset),
        cmocka_unit_test(test_pseudo_column_types),
        cmocka_unit_test(test_pseudo_column_not_offered_by_the_scope),
        cmocka_unit_test(test_struct_field_types),
        cmocka_unit_test(test_subscript_of_a_struct_is_an_error),
        cmocka_unit_test(test_comparison_with_null_literal_is_an_error),
        cmocka_unit_test(test_comparing_string_to_int_is_an_error),
        cmocka_unit_test(test_boolean_order_comparison_is_an_error),
        cmocka_unit_test(test_like_on_a_number_is_an_error),
        cmocka_unit_test(test_not_needs_a_boolean),
        cmocka_unit_test(test_case_then_types_must_match),
        cmocka_unit_test(test_case_when_must_be_boolean),
        cmocka_unit_test(test_case_with_null_then_takes_the_other_type),
        cmocka_unit_test(test_cast_string_to_array_is_not_supported),
        cmocka_unit_test(test_cast_string_to_struct_message_quotes_field_names),
        cmocka_unit_test(test_empty_array_constructor_is_an_error),
        cmocka_unit_test(test_array_of_nulls_is_an_error),
        cmocka_unit_test(test_array_of_string_literal_and_number_reads_the_string_as_number),
        cmocka_unit_test(test_array_of_mixed_types_is_an_error),
        cmocka_unit_test(test_map_constructor_widens_values),
        cmocka_unit_test(test_unknown_function),
        cmocka_unit_test(test_function_with_wrong_argument_types),
        cmocka_unit_test(test_function_variant_by_argument_type),
        cmocka_unit_test(test_decimal_function_returns_its_argument_type),
        cmocka_unit_test(test_round_of_a_decimal_has_scale_zero),
        cmocka_unit_test(test_implicit_widening_picks_the_bigint_variant),
        cmocka_unit_test(test_generic_return_type),
        cmocka_unit_test(test_generic_mismatch_is_an_error),
        cmocka_unit_test(test_variadic_function_accepts_many_arguments),
        cmocka_unit_test(test_interval_unit_argument),
        cmocka_unit_test(test_aggregate_function_types),
        cmocka_unit_test(test_lambda_types),
        cmocka_unit_test(test_filter_lambda_must_return_boolean),
        cmocka_unit_test(test_default_name_of_a_column_is_its_name),
        cmocka_unit_test(test_default_name_of_a_dereference_is_the_field),
        cmocka_unit_test(test_default_name_of_an_expression_is_ksql_col),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
