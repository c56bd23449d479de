/* test_serde_delimited.c - the DELIMITED format: ksqlDB's CSV reading and Commons CSV's minimal quoting. */
#include "serde_test.h"

static eddy_serde *three(const char *delim) {
    return mk("DELIMITED", false, -1, delim, 3, "ID", T(BIGINT), "NAME", T(STRING), "VALUE", T(DOUBLE));
}

/* ---- reading --------------------------------------------------------------------- */

static void test_delimited_decodes_fields_in_order(void **state) {
    (void)state;
    eddy_serde *s = three(NULL);
    assert_int_equal(dec(s, "100,zero,0.5"), 0);
    assert_int_equal(g_vals[0].u.i, 100);
    assert_str_value(&g_vals[1], "zero");
    assert_true(g_vals[2].u.d == 0.5);
    eddy_serde_destroy(s);
}

static void test_delimited_empty_fields_are_null_for_every_type(void **state) {
    (void)state;
    eddy_serde *s = three(NULL);
    assert_int_equal(dec(s, ",,"), 0);
    for (int i = 0; i < 3; i++) assert_int_equal(g_vals[i].v_kind, EDDY_V_NULL);
    assert_int_equal(dec(s, "1,\"\",2"), 0);
    assert_int_equal(g_vals[1].v_kind, EDDY_V_NULL);
    eddy_serde_destroy(s);
}

static void test_delimited_quoted_field_may_hold_delimiter_and_quotes(void **state) {
    (void)state;
    eddy_serde *s = three(NULL);
    assert_int_equal(dec(s, "\"1\",\"a,\"\"b\"\"\nc\",\"2.5\""), 0);
    assert_int_equal(g_vals[0].u.i, 1);
    assert_str_value(&g_vals[1], "a,\"b\"\nc");
    assert_true(g_vals[2].u.d == 2.5);
    eddy_serde_destroy(s);
}

static void test_delimited_quote_inside_unquoted_field_is_literal(void **state) {
    (void)state;
    eddy_serde *s = three(NULL);
    assert_int_equal(dec(s, "1,a\"b, 2"), 0);
    assert_str_value(&g_vals[1], "a\"b");
    assert_true(g_vals[2].u.d == 2.0); /* Double.parseDouble trims */
    eddy_serde_destroy(s);
}

static void test_delimited_field_count_mismatch_is_corrupt(void **state) {
    (void)state;
    eddy_serde *s = three(NULL);
    assert_int_equal(dec(s, "1,2"), EDDY_CORRUPT);
    assert_string_equal(g_err.msg, "Column count mismatch on deserialization. expected: 3, got: 2");
    assert_int_equal(dec(s, "1,2,3,"), EDDY_CORRUPT);
    assert_err_contains("expected: 3, got: 4");
    eddy_serde_destroy(s);
}

static void test_delimited_custom_delimiters(void **state) {
    (void)state;
    const char *specs[] = {"|", "$", "TAB", "SPACE", "tab"};
    const char *texts[] = {"0|zero|0", "0$zero$0", "0\tzero\t0", "0 zero 0", "0\tzero\t0"};
    for (int i = 0; i < 5; i++) {
        eddy_serde *s = mk("DELIMITED", false, -1, specs[i], 3, "ID", T(BIGINT), "NAME", T(STRING), "VALUE", T(INT));
        assert_non_null(s);
        assert_int_equal(dec(s, texts[i]), 0);
        assert_str_value(&g_vals[1], "zero");
        assert_int_equal(enc(s, g_vals), 0);
        assert_string_equal(g_out.buf, texts[i]);
        eddy_serde_destroy(s);
    }
}

static void test_delimited_invalid_delimiters_are_rejected(void **state) {
    (void)state;
    assert_null(three("<~>"));
    assert_string_equal(g_err.msg,
                        "Invalid delimiter value: '<~>'. Delimiter must be a single character or TAB,SPACE");
    assert_null(three(""));
    assert_err_contains("Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use "
                        "the special values 'TAB' or 'SPACE'");
    assert_null(three(" "));
    assert_err_contains("Delimiter cannot be empty");
    assert_null(three("\t"));
    assert_err_contains("Delimiter cannot be empty");
    assert_null(three("\""));
}

static void test_delimited_wrap_single_value_true_is_rejected(void **state) {
    (void)state;
    assert_null(mk("DELIMITED", false, 1, NULL, 1, "FOO", T(INT)));
    assert_string_equal(g_err.msg, "Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'.");
}

static void test_delimited_complex_types_are_rejected(void **state) {
    (void)state;
    assert_null(mk("DELIMITED", false, -1, NULL, 1, "FOO", eddy_type_array(T(INT))));
    assert_err_contains("The 'DELIMITED' format does not support type 'ARRAY'");
}

static void test_delimited_empty_record_with_one_column_is_null(void **state) {
    (void)state;
    eddy_serde *s = mk("DELIMITED", false, -1, NULL, 1, "S", T(STRING));
    assert_int_equal(dec(s, ""), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_NULL);
    eddy_serde_destroy(s);
    s = three(NULL);
    assert_int_equal(dec(s, ""), EDDY_CORRUPT);
    assert_err_contains("No fields in record");
    eddy_serde_destroy(s);
}

static void test_delimited_unterminated_quote_is_corrupt(void **state) {
    (void)state;
    eddy_serde *s = three(NULL);
    assert_int_equal(dec(s, "1,\"abc,2"), EDDY_CORRUPT);
    assert_err_contains("EOF reached before encapsulated token finished");
    eddy_serde_destroy(s);
}

static void test_delimited_text_after_closing_quote_is_corrupt(void **state) {
    (void)state;
    eddy_serde *s = three(NULL);
    assert_int_equal(dec(s, "1,\"a\"x,2"), EDDY_CORRUPT);
    assert_err_contains("invalid char between encapsulated token and delimiter");
    assert_int_equal(dec(s, "1,\"a\"  ,2"), 0); /* blanks are allowed */
    assert_str_value(&g_vals[1], "a");
    eddy_serde_destroy(s);
}

static void test_delimited_only_the_first_line_is_read(void **state) {
    (void)state;
    eddy_serde *s = three(NULL);
    assert_int_equal(dec(s, "\r\n1,a,2\r\n3,b,4\n\"garbage"), 0);
    assert_int_equal(g_vals[0].u.i, 1);
    eddy_serde_destroy(s);
}

static void test_delimited_boolean_is_true_only_for_true(void **state) {
    (void)state;
    eddy_serde *s = mk("DELIMITED", false, -1, NULL, 3, "A", T(BOOLEAN), "B", T(BOOLEAN), "C", T(BOOLEAN));
    assert_int_equal(dec(s, "TRUE,yes,\"true\""), 0);
    assert_int_equal(g_vals[0].u.i, 1);
    assert_int_equal(g_vals[1].u.i, 0);
    assert_int_equal(g_vals[2].u.i, 1);
    eddy_serde_destroy(s);
}

static void test_delimited_bad_number_is_corrupt(void **state) {
    (void)state;
    eddy_serde *s = mk("DELIMITED", false, -1, NULL, 2, "A", T(INT), "B", T(INT));
    assert_int_equal(dec(s, "1,2147483648"), EDDY_CORRUPT);
    assert_err_contains("invalid INTEGER in column 2 (`B`)");
    assert_int_equal(dec(s, "1, 2"), EDDY_CORRUPT); /* Integer.parseInt does not trim */
    eddy_serde_destroy(s);
}

static void test_delimited_decimal_is_fitted_to_the_column(void **state) {
    (void)state;
    eddy_serde *s = mk("DELIMITED", false, -1, NULL, 3, "A", eddy_type_decimal(6, 4), "B", eddy_type_decimal(33, 16),
                       "C", eddy_type_decimal(4, 2));
    assert_int_equal(dec(s, "\"12.0\",.12,-1.5"), 0);
    assert_decimal(&g_vals[0], 120000, 4);
    assert_decimal(&g_vals[1], 1200000000000000LL, 16);
    assert_decimal(&g_vals[2], -150, 2);
    eddy_serde_destroy(s);
}

static void test_delimited_reads_bytes_and_temporals(void **state) {
    (void)state;
    eddy_serde *s = mk("DELIMITED", false, -1, NULL, 4, "B", T(BYTES), "D", T(DATE), "T", T(TIME), "TS", T(TIMESTAMP));
    assert_int_equal(dec(s, "eWVz,19000,1000,-1"), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_BYTES);
    assert_memory_equal(g_vals[0].u.s, "yes", 3);
    assert_int_equal(g_vals[1].u.i, 19000);
    assert_int_equal(g_vals[2].u.i, 1000);
    assert_int_equal(g_vals[3].u.i, -1);
    eddy_serde_destroy(s);
}

static void test_delimited_invalid_utf8_is_replaced(void **state) {
    (void)state;
    eddy_serde *s = mk("DELIMITED", false, -1, NULL, 1, "S", T(STRING));
    assert_int_equal(dec(s, "a\xFF"), 0);
    assert_str_value(&g_vals[0], "a\xEF\xBF\xBD");
    eddy_serde_destroy(s);
}

static void test_delimited_multi_column_key(void **state) {
    (void)state;
    eddy_serde *s = mk("DELIMITED", true, -1, ";", 2, "K1", T(STRING), "K2", T(STRING));
    assert_int_equal(dec(s, "foo,bar;baz"), 0);
    assert_str_value(&g_vals[0], "foo,bar");
    assert_str_value(&g_vals[1], "baz");
    eddy_serde_destroy(s);
}

/* ---- writing ---------------------------------------------------------------------- */

static void test_delimited_encodes_fields_with_delimiter(void **state) {
    (void)state;
    eddy_serde *s = three(NULL);
    eddy_value v[3] = {eddy_value_bigint(0), str_v("zero"), eddy_value_double(0.0)};
    assert_int_equal(enc(s, v), 0);
    assert_string_equal(g_out.buf, "0,zero,0.0");
    eddy_serde_destroy(s);
}

static void test_delimited_null_is_an_empty_field(void **state) {
    (void)state;
    eddy_serde *s = three(NULL);
    eddy_value v[3] = {eddy_value_null(), eddy_value_null(), eddy_value_null()};
    assert_int_equal(enc(s, v), 0);
    assert_false(g_null);
    assert_string_equal(g_out.buf, ",,");
    eddy_serde_destroy(s);
}

static void test_delimited_quotes_a_first_field_not_starting_alphanumeric(void **state) {
    (void)state;
    eddy_serde *s = mk("DELIMITED", false, -1, NULL, 2, "A", eddy_type_decimal(33, 16), "B", T(INT));
    eddy_value v[2] = {eddy_value_decimal(g_arena, (eddy_int128)-123451200000000000LL * 1000, 16), eddy_value_int(-1)};
    assert_int_equal(enc(s, v), 0);
    assert_string_equal(g_out.buf, "\"-12345.1200000000000000\",-1");
    eddy_serde_destroy(s);
}

static void test_delimited_quotes_special_content(void **state) {
    (void)state;
    eddy_serde *s = mk("DELIMITED", false, -1, NULL, 5, "A", T(STRING), "B", T(STRING), "C", T(STRING), "D", T(STRING),
                       "E", T(STRING));
    eddy_value v[5] = {str_v("ok"), str_v("a,b"), str_v("say \"hi\""), str_v("#tag"), str_v("end ")};
    assert_int_equal(enc(s, v), 0);
    assert_string_equal(g_out.buf, "ok,\"a,b\",\"say \"\"hi\"\"\",\"#tag\",\"end \"");
    eddy_serde_destroy(s);
}

static void test_delimited_empty_string_is_quoted_only_first(void **state) {
    (void)state;
    eddy_serde *s = mk("DELIMITED", false, -1, NULL, 2, "A", T(STRING), "B", T(STRING));
    eddy_value v[2] = {str_v(""), str_v("")};
    assert_int_equal(enc(s, v), 0);
    assert_string_equal(g_out.buf, "\"\",");
    eddy_serde_destroy(s);
}

static void test_delimited_embedded_code_string_as_ksqldb_writes_it(void **state) {
    (void)state;
    /* project-filter.json "project string with embedded code". */
    eddy_serde *s = mk("DELIMITED", false, -1, NULL, 1, "X", T(STRING));
    eddy_value v = str_v("\" + new java.util.function.Supplier<String>(){public String get() {return \"boom\";}}.get() + \"");
    assert_int_equal(enc(s, &v), 0);
    assert_string_equal(g_out.buf, "\"\"\" + new java.util.function.Supplier<String>(){public String get() {return "
                                   "\"\"boom\"\";}}.get() + \"\"\"");
    assert_int_equal(dec(s, g_out.buf), 0);
    assert_int_equal(g_vals[0].v_len, v.v_len);
    assert_memory_equal(g_vals[0].u.s, v.u.s, v.v_len);
    eddy_serde_destroy(s);
}

static void test_delimited_encodes_every_primitive(void **state) {
    (void)state;
    eddy_serde *s = mk("DELIMITED", false, -1, "|", 8, "A", T(BOOLEAN), "B", T(INT), "C", T(DOUBLE), "D",
                       eddy_type_decimal(5, 3), "E", T(BYTES), "F", T(DATE), "G", T(TIME), "H", T(TIMESTAMP));
    eddy_value v[8] = {eddy_value_bool(true),
                       eddy_value_int(10),
                       eddy_value_double(1e10),
                       eddy_value_decimal(g_arena, 10120, 3),
                       eddy_value_str(EDDY_V_BYTES, "yes", 3),
                       eddy_value_i64(EDDY_V_DATE, 19000),
                       eddy_value_i64(EDDY_V_TIME, 1000),
                       eddy_value_i64(EDDY_V_TIMESTAMP, 1526075913000LL)};
    assert_int_equal(enc(s, v), 0);
    assert_string_equal(g_out.buf, "true|10|1.0E10|10.120|eWVz|19000|1000|1526075913000");
    assert_int_equal(dec(s, g_out.buf), 0);
    for (int i = 0; i < 8; i++) assert_true(eddy_value_equal(&g_vals[i], &v[i]));
    eddy_serde_destroy(s);
}

static void test_delimited_single_null_column_round_trips(void **state) {
    (void)state;
    eddy_serde *s = mk("DELIMITED", false, -1, NULL, 1, "A", T(INT));
    eddy_value v = eddy_value_null();
    assert_int_equal(enc(s, &v), 0);
    assert_false(g_null);
    assert_string_equal(eddy_strbuf_cstr(&g_out), "");
    assert_int_equal(decn(s, eddy_strbuf_cstr(&g_out), g_out.len), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_NULL);
    eddy_serde_destroy(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delimited_decodes_fields_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_empty_fields_are_null_for_every_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_quoted_field_may_hold_delimiter_and_quotes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_quote_inside_unquoted_field_is_literal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_field_count_mismatch_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_custom_delimiters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_invalid_delimiters_are_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_wrap_single_value_true_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_complex_types_are_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_empty_record_with_one_column_is_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_unterminated_quote_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_text_after_closing_quote_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_only_the_first_line_is_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_boolean_is_true_only_for_true, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_bad_number_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_decimal_is_fitted_to_the_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_reads_bytes_and_temporals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_invalid_utf8_is_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_multi_column_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_encodes_fields_with_delimiter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_null_is_an_empty_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_quotes_a_first_field_not_starting_alphanumeric, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_quotes_special_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_empty_string_is_quoted_only_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_embedded_code_string_as_ksqldb_writes_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_encodes_every_primitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delimited_single_null_column_round_trips, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
