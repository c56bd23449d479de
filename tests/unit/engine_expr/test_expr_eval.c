/* test_expr_eval.c - evaluation of expressions with ksqlDB's results: arithmetic, comparisons, logic, CAST, access. */
#include "expr_fixture.h"

#define EV(expr, want) assert_string_equal(ev(expr), want)

/* ---- arithmetic ------------------------------------------------------------ */

static void test_int_plus_bigint_is_bigint(void **s) {
    EV("I + L", "10000000007");
    assert_string_equal(last_type, "BIGINT");
}

static void test_int_overflow_wraps_like_java(void **s) {
    EV("IMAX + 1", "-2147483648");
    assert_string_equal(last_type, "INTEGER");
}

static void test_int_multiplication_wraps_to_32_bits(void **s) { EV("65536 * 65536", "0"); }

static void test_bigint_overflow_wraps_like_java(void **s) { EV("LMAX + 1", "-9223372036854775808"); }

static void test_bigint_multiplication_wraps(void **s) { EV("LMAX * 2", "-2"); }

static void test_integer_division_truncates_towards_zero(void **s) { EV("NEG / 2", "-3"); }

static void test_integer_modulo_takes_the_sign_of_the_dividend(void **s) { EV("NEG % 3", "-1"); }

static void test_integer_division_by_zero_is_null_with_an_error(void **s) {
    EV("I / (I - 7)", "NULL");
    assert_string_equal(last_errors, "/ by zero");
}

static void test_int_min_divided_by_minus_one_wraps(void **s) { EV("(-IMAX - 1) / (I - 8)", "-2147483648"); }

static void test_double_division_by_zero_is_infinity(void **s) { EV("D / 0", "Infinity"); }

static void test_double_modulo_is_fmod(void **s) { EV("5.5E0 % 2", "1.5"); }

static void test_int_plus_double_is_double(void **s) {
    EV("I + D", "9.5");
    assert_string_equal(last_type, "DOUBLE");
}

static void test_decimal_addition_widens_precision_and_scale(void **s) {
    EV("DEC + 1.005", "13.345");
    assert_string_equal(last_type, "DECIMAL(6, 3)");
}

static void test_decimal_multiplication_adds_scales(void **s) {
    EV("DEC * DEC", "152.2756");
    assert_string_equal(last_type, "DECIMAL(9, 4)");
}

static void test_decimal_division_uses_ksqldb_result_scale(void **s) {
    EV("DEC / 2", "6.1700000000000");
    assert_string_equal(last_type, "DECIMAL(15, 13)");
}

static void test_decimal_non_terminating_division_is_null_with_an_error(void **s) {
    EV("DEC / 3", "NULL");
    assert_non_null(strstr(last_errors, "Non-terminating"));
}

static void test_decimal_modulo(void **s) {
    EV("DEC % 5", "2.34");
    assert_string_equal(last_type, "DECIMAL(4, 2)");
}

static void test_decimal_plus_double_is_double(void **s) {
    EV("DEC + D", "14.84");
    assert_string_equal(last_type, "DOUBLE");
}

static void test_decimal_negation(void **s) { EV("-DEC", "-12.34"); }

static void test_int_negation_of_min_wraps(void **s) { EV("-(-IMAX - 1)", "-2147483648"); }

static void test_string_plus_string_concatenates(void **s) { EV("S + '!'", "'hello!'"); }

static void test_concat_operator_treats_null_as_empty(void **s) { EV("S || SN || '!'", "'hello!'"); }

static void test_arithmetic_with_null_is_null(void **s) { EV("I + NUL", "NULL"); }

/* ---- comparisons and logic -------------------------------------------------- */

static void test_comparison_with_null_operand_is_false(void **s) { EV("NUL = 1", "false"); }

static void test_not_of_comparison_with_null_is_true(void **s) { EV("NOT (NUL = 1)", "true"); }

static void test_int_compares_with_decimal_literal(void **s) { EV("I < 7.5", "true"); }

static void test_bigint_compares_with_double(void **s) { EV("L > 9.9E9", "true"); }

static void test_strings_compare_as_bytes(void **s) { EV("'B2' < 'b2'", "true"); }

static void test_decimal_equals_int(void **s) { EV("DEC - 0.34 = 12", "true"); }

static void test_timestamp_compares_with_iso_string(void **s) { EV("TS = '2022-04-28T21:44:47.943'", "true"); }

static void test_date_compares_with_timestamp(void **s) { EV("DT < TS", "true"); }

static void test_arrays_compare_for_equality(void **s) { EV("ARR = ARRAY[1, 2, 3]", "true"); }

static void test_structs_compare_for_inequality(void **s) { EV("ST <> STRUCT(A := 5, `b` := 'y')", "true"); }

static void test_or_with_unknown_and_true_is_true(void **s) { EV("CAST(NULL AS BOOLEAN) OR B", "true"); }

static void test_and_with_unknown_and_true_is_null(void **s) { EV("CAST(NULL AS BOOLEAN) AND B", "NULL"); }

static void test_where_with_null_comparison_drops_the_row(void **s) { assert_int_equal(keeps("NUL > 1"), 0); }

static void test_where_not_of_null_comparison_keeps_the_row(void **s) { assert_int_equal(keeps("NOT (NUL > 1)"), 1); }

static void test_where_with_modulo_filter(void **s) {
    assert_int_equal(keeps("L % 123 = 10000000000 % 123"), 1);
    assert_int_equal(keeps("L % 123 = 2"), 0);
}

/* ---- predicates --------------------------------------------------------------- */

static void test_like_is_case_sensitive(void **s) { EV("S LIKE 'H%'", "false"); }

static void test_like_underscore_matches_one_character(void **s) { EV("S LIKE 'h_llo'", "true"); }

static void test_like_matches_the_whole_string(void **s) { EV("S LIKE 'ell'", "false"); }

static void test_like_escape_makes_percent_literal(void **s) {
    EV("'a%b' LIKE 'a!%b' ESCAPE '!'", "true");
    EV("'axb' LIKE 'a!%b' ESCAPE '!'", "false");
}

static void test_not_like(void **s) { EV("S NOT LIKE '%not%'", "true"); }

static void test_between_is_inclusive(void **s) { EV("I BETWEEN 1 AND 7", "true"); }

static void test_between_on_decimals(void **s) { EV("DEC BETWEEN 12 AND 12.5", "true"); }

static void test_not_between_with_null_is_true(void **s) { EV("NUL NOT BETWEEN 1 AND 3", "true"); }

static void test_in_list_of_ints(void **s) { EV("I IN (1, 7)", "true"); }

static void test_in_list_of_decimals(void **s) { EV("DEC IN (1, 12.34)", "true"); }

static void test_in_with_null_value_is_false(void **s) { EV("NUL IN (1, 2)", "false"); }

static void test_not_in_list(void **s) { EV("S NOT IN ('a', 'b')", "true"); }

static void test_is_distinct_from_treats_nulls_as_equal(void **s) {
    EV("NUL IS DISTINCT FROM 1", "true");
    EV("NUL IS NOT DISTINCT FROM NUL", "true");
}

static void test_is_distinct_from_on_decimals(void **s) { EV("DEC IS DISTINCT FROM DECN", "true"); }

static void test_is_null_on_a_complex_value(void **s) {
    EV("ARR IS NULL", "false");
    EV("ARRN IS NULL", "true");
}

static void test_is_not_null_on_a_decimal(void **s) { EV("DEC IS NOT NULL", "true"); }

/* ---- CASE ---------------------------------------------------------------------- */

static void test_searched_case(void **s) { EV("CASE WHEN I > 5 THEN 'big' ELSE 'small' END", "'big'"); }

static void test_case_without_else_is_null(void **s) { EV("CASE WHEN I > 10 THEN 'big' END", "NULL"); }

static void test_simple_case_compares_the_operand(void **s) { EV("CASE I WHEN 1 THEN 'one' WHEN 7 THEN 'seven' END", "'seven'"); }

static void test_case_when_null_comparison_takes_else(void **s) { EV("CASE WHEN NUL = 1 THEN 1 ELSE 2 END", "2"); }

/* ---- CAST ---------------------------------------------------------------------- */

static void test_cast_double_to_string_prints_like_java(void **s) {
    EV("CAST(1 AS DOUBLE)", "1.0");
    EV("CAST(CAST(1 AS DOUBLE) AS STRING)", "'1.0'");
    EV("CAST(1.0E10 AS STRING)", "'1.0E10'");
    EV("CAST(0.0001E0 AS STRING)", "'1.0E-4'");
}

static void test_cast_invalid_string_to_int_is_null_with_an_error(void **s) {
    EV("CAST('abc' AS INT)", "NULL");
    assert_true(strlen(last_errors) > 0);
}

static void test_cast_string_to_int_trims(void **s) { EV("CAST(' 42 ' AS INT)", "42"); }

static void test_cast_bigint_to_int_wraps(void **s) { EV("CAST(L AS INT)", "1410065408"); }

static void test_cast_double_to_int_truncates(void **s) { EV("CAST(-2.7E0 AS INT)", "-2"); }

static void test_cast_decimal_to_string_is_plain(void **s) { EV("CAST(DEC AS STRING)", "'12.34'"); }

static void test_cast_decimal_to_int_truncates(void **s) { EV("CAST(DEC AS INT)", "12"); }

static void test_cast_int_to_too_small_decimal_is_null(void **s) { EV("CAST(10 AS DECIMAL(2, 1))", "NULL"); }

static void test_cast_double_to_decimal_rounds_half_up(void **s) { EV("CAST(0.99E0 AS DECIMAL(2, 1))", "1.0"); }

static void test_cast_string_to_decimal(void **s) { EV("CAST(S || '' AS DECIMAL(2, 1))", "NULL"); }

static void test_cast_array_to_string(void **s) { EV("CAST(ARR AS STRING)", "'[1, 2, 3]'"); }

static void test_cast_map_to_string(void **s) { EV("CAST(M AS STRING)", "'{a=1, b=2}'"); }

static void test_cast_struct_to_string(void **s) { EV("CAST(ST AS STRING)", "'Struct{A=5,b=x}'"); }

static void test_cast_array_of_int_to_array_of_string(void **s) {
    EV("CAST(ARR AS ARRAY<STRING>)", "[1, 2, 3]");
    assert_string_equal(last_type, "ARRAY<STRING>");
}

static void test_cast_struct_to_struct_matches_fields_by_name(void **s) {
    EV("CAST(ST AS STRUCT<A STRING, C INT>)", "Struct{A=5}");
}

static void test_cast_string_to_timestamp(void **s) {
    EV("CAST('2022-04-28T21:44:47.943Z' AS TIMESTAMP) = TS", "true");
    EV("CAST(TS AS STRING)", "'2022-04-28T21:44:47.943'");
}

static void test_cast_boolean_to_string(void **s) { EV("CAST(B AS STRING)", "'true'"); }

static void test_cast_of_null_is_null(void **s) { EV("CAST(NULL AS ARRAY<INT>)", "NULL"); }

/* ---- access and constructors ----------------------------------------------------- */

static void test_struct_field(void **s) {
    EV("ST->A", "5");
    EV("ST->`b`", "'x'");
}

static void test_array_subscript_is_one_based(void **s) { EV("ARR[1]", "1"); }

static void test_array_negative_subscript_counts_from_the_end(void **s) { EV("ARR[-1]", "3"); }

static void test_array_subscript_out_of_range_is_null(void **s) {
    EV("ARR[0]", "NULL");
    EV("ARR[4]", "NULL");
}

static void test_map_subscript(void **s) {
    EV("M['b']", "2");
    EV("M['z']", "NULL");
}

static void test_nested_array_subscript(void **s) { EV("ARRAY[ARRAY[1, 2], ARRAY[3]][1][2]", "2"); }

static void test_array_constructor_widens_elements(void **s) {
    EV("ARRAY[1, 2.5]", "[1.0, 2.5]");
    assert_string_equal(last_type, "ARRAY<DECIMAL(11, 1)>");
}

static void test_map_constructor(void **s) {
    EV("MAP('k' := I, 'l' := 1)", "{k=7, l=1}");
    assert_string_equal(last_type, "MAP<STRING, INTEGER>");
}

static void test_struct_constructor(void **s) {
    EV("STRUCT(X := I, Y := S)", "Struct{X=7,Y=hello}");
    assert_string_equal(last_type, "STRUCT<`X` INTEGER, `Y` STRING>");
}

static void test_struct_constructor_then_field(void **s) { EV("STRUCT(X := I + 1)->X", "8"); }

/* ---- functions -------------------------------------------------------------------- */

static void test_attached_function_is_called(void **s) { EV("UCASE(S)", "'HELLO'"); }

static void test_function_is_not_called_with_null(void **s) { EV("UCASE(SN)", "NULL"); }

static void test_function_argument_is_cast_to_its_parameter_type(void **s) {
    EV("FROM_UNIXTIME(I)", "1970-01-01T00:00:00.007");
    assert_string_equal(last_type, "TIMESTAMP");
}

static void test_generic_function_binds_its_type(void **s) {
    EV("COALESCE(NUL, 3)", "3");
    assert_string_equal(last_type, "INTEGER");
}

static void test_variadic_function_with_complex_values(void **s) { EV("COALESCE(ARRN, ARR)", "[1, 2, 3]"); }

static void test_nan_from_a_function_survives_sqlite(void **s) { EV("LN(-1.0E0)", "NaN"); }

static void test_function_row_error_gives_null_and_an_error(void **s) {
    EV("PI()", "NULL");
    assert_string_equal(last_errors, "pi is not rational");
}

static void test_unimplemented_function_is_unsupported(void **s) {
    EV("LPAD(S, 3, 'x')", "ERROR: Function LPAD is not supported yet by eddy");
    assert_int_equal(last_rc, EDDY_UNSUPPORTED);
}

/* ---- lambdas ------------------------------------------------------------------------ */

static void test_transform_array(void **s) { EV("TRANSFORM(ARR, x => x * 2)", "[2, 4, 6]"); }

static void test_filter_array(void **s) { EV("FILTER(ARR, x => x > 1)", "[2, 3]"); }

static void test_reduce_array(void **s) { EV("REDUCE(ARR, 0, (s, x) => s + x)", "6"); }

static void test_transform_map(void **s) { EV("TRANSFORM(M, (k, v) => UCASE(k), (k, v) => v + 10)", "{A=11, B=12}"); }

static void test_filter_map(void **s) { EV("FILTER(M, (k, v) => v > 1)", "{b=2}"); }

static void test_nested_lambdas_see_outer_variables(void **s) {
    EV("TRANSFORM(ARR, x => TRANSFORM(ARRAY[10, 20], y => x + y))", "[[11, 21], [12, 22], [13, 23]]");
}

static void test_lambda_body_can_use_columns(void **s) { EV("TRANSFORM(ARR, x => x + I)", "[8, 9, 10]"); }

static void test_nested_lambda_body_can_use_columns(void **s) {
    EV("TRANSFORM(ARR, x => FILTER(ARRAY[10, 20], y => y > x * I + 5))", "[[20], [20], []]");
}

static void test_reduce_map_with_string_state(void **s) {
    EV("REDUCE(M, S, (s, k, v) => s || k || CAST(v AS STRING))", "'helloa1b2'");
}

/* ---- pseudo columns ------------------------------------------------------------------ */

static void test_pseudo_columns(void **s) {
    EV("ROWTIME", "1000");
    EV("ROWPARTITION + 1", "4");
    EV("ROWOFFSET", "42");
}

int main(void) {
    fx_attach_all();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_plus_bigint_is_bigint),
        cmocka_unit_test(test_int_overflow_wraps_like_java),
        cmocka_unit_test(test_int_multiplication_wraps_to_32_bits),
        cmocka_unit_test(test_bigint_overflow_wraps_like_java),
        cmocka_unit_test(test_bigint_multiplication_wraps),
        cmocka_unit_test(test_integer_division_truncates_towards_zero),
        cmocka_unit_test(test_integer_modulo_takes_the_sign_of_the_dividend),
        cmocka_unit_test(test_integer_division_by_zero_is_null_with_an_error),
        cmocka_unit_test(test_int_min_divided_by_minus_one_wraps),
        cmocka_unit_test(test_double_division_by_zero_is_infinity),
        cmocka_unit_test(test_double_modulo_is_fmod),
        cmocka_unit_test(test_int_plus_double_is_double),
        cmocka_unit_test(test_decimal_addition_widens_precision_and_scale),
        cmocka_unit_test(test_decimal_multiplication_adds_scales),
        cmocka_unit_test(test_decimal_division_uses_ksqldb_result_scale),
        cmocka_unit_test(test_decimal_non_terminating_division_is_null_with_an_error),
        cmocka_unit_test(test_decimal_modulo),
        cmocka_unit_test(test_decimal_plus_double_is_double),
        cmocka_unit_test(test_decimal_negation),
        cmocka_unit_test(test_int_negation_of_min_wraps),
        cmocka_unit_test(test_string_plus_string_concatenates),
        cmocka_unit_test(test_concat_operator_treats_null_as_empty),
        cmocka_unit_test(test_arithmetic_with_null_is_null),
        cmocka_unit_test(test_comparison_with_null_operand_is_false),
        cmocka_unit_test(test_not_of_comparison_with_null_is_true),
        cmocka_unit_test(test_int_compares_with_decimal_literal),
        cmocka_unit_test(test_bigint_compares_with_double),
        cmocka_unit_test(test_strings_compare_as_bytes),
        cmocka_unit_test(test_decimal_equals_int),
        cmocka_unit_test(test_timestamp_compares_with_iso_string),
        cmocka_unit_test(test_date_compares_with_timestamp),
        cmocka_unit_test(test_arrays_compare_for_equality),
        cmocka_unit_test(test_structs_compare_for_inequality),
        cmocka_unit_test(test_or_with_unknown_and_true_is_true),
        cmocka_unit_test(test_and_with_unknown_and_true_is_null),
        cmocka_unit_test(test_where_with_null_comparison_drops_the_row),
        cmocka_unit_test(test_where_not_of_null_comparison_keeps_the_row),
        cmocka_unit_test(test_where_with_modulo_filter),
        cmocka_unit_test(test_like_is_case_sensitive),
        cmocka_unit_test(test_like_underscore_matches_one_character),
        cmocka_unit_test(test_like_matches_the_whole_string),
        cmocka_unit_test(test_like_escape_makes_percent_literal),
        cmocka_unit_test(test_not_like),
        cmocka_unit_test(test_between_is_inclusive),
        cmocka_unit_test(test_between_on_decimals),
        cmocka_unit_test(test_not_between_with_null_is_true),
        cmocka_unit_test(test_in_list_of_ints),
        cmocka_unit_test(test_in_list_of_decimals),
        cmocka_unit_test(test_in_with_null_value_is_false),
        cmocka_unit_test(test_not_in_list),
        cmocka_unit_test(test_is_distinct_from_treats_nulls_as_equal),
        cmocka_unit_test(test_is_distinct_from_on_decimals),
        cmocka_unit_test(test_is_null_on_a_complex_value),
        cmocka_unit_test(test_is_not_null_on_a_decimal),
        cmocka_unit_test(test_searched_case),
        cmocka_unit_test(test_case_without_else_is_null),
        cmocka_unit_test(test_simple_case_compares_the_operand),
        cmocka_unit_test(test_case_when_null_comparison_takes_else),
        cmocka_unit_test(test_cast_double_to_string_prints_like_java),
        cmocka_unit_test(test_cast_invalid_string_to_int_is_null_with_an_error),
        cmocka_unit_test(test_cast_string_to_int_trims),
        cmocka_unit_test(test_cast_bigint_to_int_wraps),
        cmocka_unit_test(test_cast_double_to_int_truncates),
        cmocka_unit_test(test_cast_decimal_to_string_is_plain),
        cmocka_unit_test(test_cast_decimal_to_int_truncates),
        cmocka_unit_test(test_cast_int_to_too_small_decimal_is_null),
        cmocka_unit_test(test_cast_double_to_decimal_rounds_half_up),
        cmocka_unit_test(test_cast_string_to_decimal),
        cmocka_unit_test(test_cast_array_to_string),
        cmocka_unit_test(test_cast_map_to_string),
        cmocka_unit_test(test_cast_struct_to_string),
        cmocka_unit_test(test_cast_array_of_int_to_array_of_string),
        cmocka_unit_test(test_cast_struct_to_struct_matches_fields_by_name),
        cmocka_unit_test(test_cast_string_to_timestamp),
        cmocka_unit_test(test_cast_boolean_to_string),
        cmocka_unit_test(test_cast_of_null_is_null),
        cmocka_unit_test(test_struct_field),
        cmocka_unit_test(test_array_subscript_is_one_based),
        cmocka_unit_test(test_array_negative_subscript_counts_from_the_end),
        cmocka_unit_test(test_array_subscript_out_of_range_is_null),
        cmocka_unit_test(test_map_subscript),
        cmocka_unit_test(test_nested_array_subscript),
        cmocka_unit_test(test_array_constructor_widens_elements),
        cmocka_unit_test(test_map_constructor),
        cmocka_unit_test(test_struct_constructor),
        cmocka_unit_test(test_struct_constructor_then_field),
        cmocka_unit_test(test_attached_function_is_called),
        cmocka_unit_test(test_function_is_not_called_with_null),
        cmocka_unit_test(test_function_argument_is_cast_to_its_parameter_type),
        cmocka_unit_test(test_generic_function_binds_its_type),
        cmocka_unit_test(test_variadic_function_with_complex_values),
        cmocka_unit_test(test_nan_from_a_function_survives_sqlite),
        cmocka_unit_test(test_function_row_error_gives_null_and_an_error),
        cmocka_unit_test(test_unimplemented_function_is_unsupported),
        cmocka_unit_test(test_transform_array),
        cmocka_unit_test(test_filter_array),
        cmocka_unit_test(test_reduce_array),
        cmocka_unit_test(test_transform_map),
        cmocka_unit_test(test_filter_map),
        cmocka_unit_test(test_nested_lambdas_see_outer_variables),
        cmocka_unit_test(test_lambda_body_can_use_columns),
        cmocka_unit_test(test_nested_lambda_body_can_use_columns),
        cmocka_unit_test(test_reduce_map_with_string_state),
        cmocka_unit_test(test_pseudo_columns),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
