/* test_serde_json.c - the JSON record format: matching, coercions, wrapping, keys, errors, output text. */
#include "serde_test.h"

/* ---- decoding each type ---------------------------------------------------- */

static void test_json_decodes_boolean(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "A", T(BOOLEAN), "B", T(BOOLEAN));
    assert_int_equal(dec(s, "{\"A\":true,\"B\":false}"), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_BOOL);
    assert_int_equal(g_vals[0].u.i, 1);
    assert_int_equal(g_vals[1].u.i, 0);
    eddy_serde_destroy(s);
}

static void test_json_decodes_int_and_bigint(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "I", T(INT), "L", T(BIGINT));
    assert_int_equal(dec(s, "{\"I\":-33,\"L\":998877665544332211}"), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_INT);
    assert_int_equal(g_vals[0].u.i, -33);
    assert_int_equal(g_vals[1].v_kind, EDDY_V_BIGINT);
    assert_true(g_vals[1].u.i == 998877665544332211LL);
    eddy_serde_destroy(s);
}

static void test_json_decodes_double(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 3, "A", T(DOUBLE), "B", T(DOUBLE), "C", T(DOUBLE));
    assert_int_equal(dec(s, "{\"A\":1234.589,\"B\":5,\"C\":-1.5e-3}"), 0);
    assert_true(g_vals[0].u.d == 1234.589);
    assert_true(g_vals[1].u.d == 5.0);
    assert_true(g_vals[2].u.d == -0.0015);
    eddy_serde_destroy(s);
}

static void test_json_decodes_decimal_to_the_column_scale(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "A", eddy_type_decimal(6, 4), "B", eddy_type_decimal(4, 2));
    assert_int_equal(dec(s, "{\"A\":12.3650,\"B\":10.1}"), 0);
    assert_decimal(&g_vals[0], 123650, 4);
    assert_decimal(&g_vals[1], 1010, 2);
    eddy_serde_destroy(s);
}

static void test_json_decodes_string_with_unicode_escapes(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "S", T(STRING));
    assert_int_equal(dec(s, "{\"S\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\u20ac\\ud83d\\ude00\"}"), 0);
    assert_str_value(&g_vals[0], "a\"b\\c/d\n\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    eddy_serde_destroy(s);
}

static void test_json_lone_surrogate_becomes_question_mark(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "S", T(STRING));
    assert_int_equal(dec(s, "{\"S\":\"x\\ud83dy\"}"), 0);
    assert_str_value(&g_vals[0], "x?y");
    eddy_serde_destroy(s);
}

static void test_json_decodes_raw_utf8(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "S", T(STRING));
    assert_int_equal(dec(s, "{\"S\":\"caf\xC3\xA9\"}"), 0);
    assert_str_value(&g_vals[0], "caf\xC3\xA9");
    eddy_serde_destroy(s);
}

static void test_json_decodes_bytes_from_base64(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "B", T(BYTES), "E", T(BYTES));
    assert_int_equal(dec(s, "{\"B\":\"eWVz\",\"E\":\"\"}"), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_BYTES);
    assert_int_equal(g_vals[0].v_len, 3);
    assert_memory_equal(g_vals[0].u.s, "yes", 3);
    assert_int_equal(g_vals[1].v_kind, EDDY_V_BYTES);
    assert_int_equal(g_vals[1].v_len, 0);
    eddy_serde_destroy(s);
}

static void test_json_decodes_temporal_types_from_numbers(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 3, "D", T(DATE), "T", T(TIME), "TS", T(TIMESTAMP));
    assert_int_equal(dec(s, "{\"D\":-100,\"T\":1000,\"TS\":1526075913000}"), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_DATE);
    assert_int_equal(g_vals[0].u.i, -100);
    assert_int_equal(g_vals[1].v_kind, EDDY_V_TIME);
    assert_int_equal(g_vals[1].u.i, 1000);
    assert_int_equal(g_vals[2].v_kind, EDDY_V_TIMESTAMP);
    assert_true(g_vals[2].u.i == 1526075913000LL);
    eddy_serde_destroy(s);
}

static void test_json_decodes_nested_array_map_struct(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 3, "A", eddy_type_array(eddy_type_array(T(STRING))), "M",
                       eddy_type_map(T(STRING), T(INT)), "S", struct_of(2, "F", T(DOUBLE), "G", T(STRING)));
    assert_int_equal(dec(s, "{\"a\":[[\"x\",null],[]],\"m\":{\"k\":1,\"z\":null},\"s\":{\"f\":45.67}}"), 0);
    const eddy_value *a = &g_vals[0];
    assert_int_equal(a->v_kind, EDDY_V_ARRAY);
    assert_int_equal(a->v_len, 2);
    assert_int_equal(a->u.items[0].v_len, 2);
    assert_str_value(&a->u.items[0].u.items[0], "x");
    assert_int_equal(a->u.items[0].u.items[1].v_kind, EDDY_V_NULL);
    assert_int_equal(a->u.items[1].v_len, 0);
    const eddy_value *m = &g_vals[1];
    assert_int_equal(m->v_kind, EDDY_V_MAP);
    assert_int_equal(m->v_len, 2);
    assert_str_value(&m->u.items[0], "k");
    assert_int_equal(m->u.items[1].u.i, 1);
    assert_int_equal(m->u.items[3].v_kind, EDDY_V_NULL);
    const eddy_value *st = &g_vals[2];
    assert_int_equal(st->v_kind, EDDY_V_STRUCT);
    assert_true(st->u.items[0].u.d == 45.67);
    assert_int_equal(st->u.items[1].v_kind, EDDY_V_NULL);
    eddy_serde_destroy(s);
}

static void test_json_large_array_grows(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, 0, NULL, 1, "A", eddy_type_array(T(INT)));
    char text[4096];
    size_t n = 0;
    text[n++] = '[';
    for (int i = 0; i < 500; i++) n += (size_t)snprintf(text + n, sizeof text - n, "%s%d", i ? "," : "", i);
    text[n++] = ']';
    text[n] = '\0';
    assert_int_equal(dec(s, text), 0);
    assert_int_equal(g_vals[0].v_len, 500);
    assert_int_equal(g_vals[0].u.items[499].u.i, 499);
    eddy_serde_destroy(s);
}

static void test_json_map_duplicate_keys_keep_last_value(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, 0, NULL, 1, "M", eddy_type_map(T(STRING), T(INT)));
    assert_int_equal(dec(s, "{\"a\":1,\"b\":2,\"a\":3}"), 0);
    assert_int_equal(g_vals[0].v_len, 2);
    assert_str_value(&g_vals[0].u.items[0], "a");
    assert_int_equal(g_vals[0].u.items[1].u.i, 3);
    eddy_serde_destroy(s);
}

static void test_json_large_map_dedups_through_its_index(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, 0, NULL, 1, "M", eddy_type_map(T(STRING), T(INT)));
    char text[8192];
    size_t n = 0;
    text[n++] = '{';
    for (int i = 0; i < 100; i++) n += (size_t)snprintf(text + n, sizeof text - n, "%s\"k%d\":%d", i ? "," : "", i, i);
    n += (size_t)snprintf(text + n, sizeof text - n, ",\"k7\":700}");
    assert_int_equal(dec(s, text), 0);
    assert_int_equal(g_vals[0].v_len, 100);
    assert_int_equal(g_vals[0].u.items[2 * 7 + 1].u.i, 700);
    eddy_serde_destroy(s);
}

/* ---- field matching ------------------------------------------------------------ */

static void test_json_field_names_match_upper_cased(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "AUCTION", T(BIGINT), "DATETIME", T(BIGINT));
    assert_int_equal(dec(s, "{\"auction\":1000,\"dateTime\":17}"), 0);
    assert_int_equal(g_vals[0].u.i, 1000);
    assert_int_equal(g_vals[1].u.i, 17);
    eddy_serde_destroy(s);
}

static void test_json_exact_name_wins_over_case_insensitive_match(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "V", T(INT));
    assert_int_equal(dec(s, "{\"V\":2,\"v\":1}"), 0);
    assert_int_equal(g_vals[0].u.i, 2);
    assert_int_equal(dec(s, "{\"v\":1,\"V\":2}"), 0);
    assert_int_equal(g_vals[0].u.i, 2);
    eddy_serde_destroy(s);
}

static void test_json_quoted_lower_case_column_matches_only_exactly(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "f1", T(INT), "F0", T(INT));
    assert_int_equal(dec(s, "{\"F1\":5,\"f0\":1}"), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_NULL);
    assert_int_equal(g_vals[1].u.i, 1);
    assert_int_equal(dec(s, "{\"f1\":3}"), 0);
    assert_int_equal(g_vals[0].u.i, 3);
    eddy_serde_destroy(s);
}

static void test_json_missing_fields_are_null_and_extra_fields_ignored(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "A", T(INT), "B", T(STRING));
    assert_int_equal(dec(s, "{\"X\":{\"deep\":[1,{\"y\":null}]},\"A\":1,\"Z\":\"q\"}"), 0);
    assert_int_equal(g_vals[0].u.i, 1);
    assert_int_equal(g_vals[1].v_kind, EDDY_V_NULL);
    assert_int_equal(dec(s, "{}"), 0);
    assert_false(g_null);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_NULL);
    eddy_serde_destroy(s);
}

static void test_json_duplicate_field_last_wins(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "A", T(INT));
    assert_int_equal(dec(s, "{\"A\":1,\"A\":2}"), 0);
    assert_int_equal(g_vals[0].u.i, 2);
    eddy_serde_destroy(s);
}

static void test_json_many_columns_match_through_the_hash(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 10, "C0", T(INT), "C1", T(INT), "C2", T(INT), "C3", T(INT), "C4",
                       T(INT), "C5", T(INT), "C6", T(INT), "C7", T(INT), "C8", T(INT), "C9", T(INT));
    assert_int_equal(dec(s, "{\"c9\":9,\"c3\":3,\"C0\":0,\"c7\":7}"), 0);
    assert_int_equal(g_vals[9].u.i, 9);
    assert_int_equal(g_vals[3].u.i, 3);
    assert_int_equal(g_vals[0].u.i, 0);
    assert_int_equal(g_vals[7].u.i, 7);
    assert_int_equal(g_vals[5].v_kind, EDDY_V_NULL);
    eddy_serde_destroy(s);
}

static void test_json_escaped_field_name_matches(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "AB", T(INT));
    assert_int_equal(dec(s, "{\"\\u0061b\":4}"), 0);
    assert_int_equal(g_vals[0].u.i, 4);
    eddy_serde_destroy(s);
}

/* ---- wrapping and keys ------------------------------------------------------------ */

static void test_json_unwrapped_value_is_the_bare_value(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, 0, NULL, 1, "V", T(BOOLEAN));
    assert_int_equal(dec(s, "true"), 0);
    assert_int_equal(g_vals[0].u.i, 1);
    assert_false(g_null);
    eddy_serde_destroy(s);
}

static void test_json_unwrapped_null_is_a_null_record(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, 0, NULL, 1, "V", T(INT));
    assert_int_equal(dec(s, " null "), 0);
    assert_true(g_null);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_NULL);
    eddy_serde_destroy(s);
}

static void test_json_wrapped_null_is_a_null_record(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "V", T(INT));
    assert_int_equal(dec(s, "null"), 0);
    assert_true(g_null);
    eddy_serde_destroy(s);
}

static void test_json_single_value_column_is_wrapped_by_default(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "FOO", T(INT));
    assert_int_equal(dec(s, "{\"FOO\":10}"), 0);
    assert_int_equal(g_vals[0].u.i, 10);
    assert_int_equal(dec(s, "10"), EDDY_CORRUPT);
    assert_err_contains("sourceType: IntNode, requiredType: STRUCT<`FOO` INTEGER>");
    eddy_serde_destroy(s);
}

static void test_json_single_key_column_is_unwrapped(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", true, -1, NULL, 1, "K", T(STRING));
    assert_int_equal(dec(s, "\"Hey\""), 0);
    assert_str_value(&g_vals[0], "Hey");
    eddy_value v = str_v("Hey");
    assert_int_equal(enc(s, &v), 0);
    assert_string_equal(g_out.buf, "\"Hey\"");
    eddy_serde_destroy(s);
}

static void test_json_multi_column_key_is_an_object(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", true, -1, NULL, 2, "K1", T(STRING), "K2", T(INT));
    assert_int_equal(dec(s, "{\"k1\":\"foo\",\"K2\":2}"), 0);
    assert_str_value(&g_vals[0], "foo");
    assert_int_equal(g_vals[1].u.i, 2);
    assert_int_equal(enc(s, g_vals), 0);
    assert_string_equal(g_out.buf, "{\"K1\":\"foo\",\"K2\":2}");
    eddy_serde_destroy(s);
}

static void test_json_struct_key_decodes_fields_case_insensitively(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", true, -1, NULL, 1, "K", struct_of(1, "F", T(DOUBLE)));
    assert_int_equal(dec(s, "{\"f\":45.67}"), 0);
    assert_int_equal(enc(s, g_vals), 0);
    assert_string_equal(g_out.buf, "{\"F\":45.67}");
    eddy_serde_destroy(s);
}

static void test_json_key_of_one_null_column_encodes_as_null(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", true, -1, NULL, 1, "K1", T(STRING));
    eddy_value v[1] = {eddy_value_null()};
    assert_int_equal(enc(s, v), 0);
    assert_true(g_null);
    eddy_serde_destroy(s);
}

/* ksqlDB writes a JSON key of several columns that are all NULL as an
 * object of nulls (partition-by.json, "multiple key columns"). */
static void test_json_key_of_several_null_columns_is_an_object_of_nulls(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", true, -1, NULL, 2, "K1", T(STRING), "K2", T(INT));
    eddy_value v[2] = {eddy_value_null(), eddy_value_null()};
    assert_int_equal(enc(s, v), 0);
    assert_false(g_null);
    assert_string_equal(g_out.buf, "{\"K1\":null,\"K2\":null}");
    eddy_serde_destroy(s);
}

static void test_json_empty_input_is_a_null_record(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "A", T(INT));
    assert_int_equal(dec(s, "  \n"), 0);
    assert_true(g_null);
    eddy_serde_destroy(s);
}

static void test_json_null_data_is_a_null_record(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "A", T(INT));
    g_vals[0] = eddy_value_int(5);
    assert_int_equal(eddy_serde_decode_ex(s, NULL, 0, 0, g_vals, &g_null, g_arena, &g_err), 0);
    assert_true(g_null);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_NULL);
    eddy_serde_destroy(s);
}

/* ---- coercions ------------------------------------------------------------------ */

static void test_json_fraction_truncates_into_int(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 3, "A", T(INT), "B", T(INT), "C", T(BIGINT));
    assert_int_equal(dec(s, "{\"A\":1.7,\"B\":-1.7,\"C\":1.5e3}"), 0);
    assert_int_equal(g_vals[0].u.i, 1);
    assert_int_equal(g_vals[1].u.i, -1);
    assert_int_equal(g_vals[2].u.i, 1500);
    eddy_serde_destroy(s);
}

static void test_json_int_overflow_wraps_like_java(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "A", T(INT), "B", T(BIGINT));
    assert_int_equal(dec(s, "{\"A\":2147483648,\"B\":18446744073709551617}"), 0);
    assert_int_equal(g_vals[0].u.i, INT32_MIN);
    assert_int_equal(g_vals[1].u.i, 1);
    eddy_serde_destroy(s);
}

static void test_json_numeric_strings_coerce_to_numbers(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 4, "I", T(INT), "L", T(BIGINT), "D", T(DOUBLE), "T", T(TIMESTAMP));
    assert_int_equal(dec(s, "{\"I\":\"10\",\"L\":\"-7\",\"D\":\"NaN\",\"T\":\"100\"}"), 0);
    assert_int_equal(g_vals[0].u.i, 10);
    assert_int_equal(g_vals[1].u.i, -7);
    assert_true(g_vals[2].u.d != g_vals[2].u.d);
    assert_int_equal(g_vals[3].u.i, 100);
    eddy_serde_destroy(s);
}

static void test_json_bad_numeric_string_is_an_error_with_path(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "I", T(INT));
    assert_int_equal(dec(s, "{\"I\":\"1!\"}"), EDDY_CORRUPT);
    assert_string_equal(g_err.msg, "Can't coerce string to type. targetType: INTEGER, path: $.I");
    eddy_serde_destroy(s);
}

static void test_json_scalars_coerce_to_string(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, 0, NULL, 1, "A", eddy_type_array(T(STRING)));
    assert_int_equal(dec(s, "[1,-0,1.50,1e2,true,\"x\"]"), 0);
    const eddy_value *a = g_vals[0].u.items;
    assert_str_value(&a[0], "1");
    assert_str_value(&a[1], "0");
    assert_str_value(&a[2], "1.50");
    assert_str_value(&a[3], "1E+2");
    assert_str_value(&a[4], "true");
    assert_str_value(&a[5], "x");
    eddy_serde_destroy(s);
}

static void test_json_object_and_array_coerce_to_string_as_ksqldb_prints_them(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "O", T(STRING), "A", T(STRING));
    assert_int_equal(dec(s, "{\"O\":{ \"k\" : [1, \"a\\u0041\"], \"n\":null },\"A\":[\"a\", 1, null, [2, \"b\"], {\"x\":1}]}"), 0);
    assert_str_value(&g_vals[0], "{\"k\":[1,\"aA\"],\"n\":null}");
    assert_str_value(&g_vals[1], "[a, 1, null, [2, b], {\"x\":1}]");
    eddy_serde_destroy(s);
}

static void test_json_boolean_column_rejects_a_string(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "B", T(BOOLEAN));
    assert_int_equal(dec(s, "{\"B\":\"true\"}"), EDDY_CORRUPT);
    assert_string_equal(g_err.msg, "Can't convert type. sourceType: TextNode, requiredType: BOOLEAN, path: $.B");
    eddy_serde_destroy(s);
}

static void test_json_number_column_rejects_a_boolean(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "D", T(DOUBLE));
    assert_int_equal(dec(s, "{\"D\":true}"), EDDY_CORRUPT);
    assert_string_equal(g_err.msg, "Can't convert type. sourceType: BooleanNode, requiredType: DOUBLE, path: $.D");
    eddy_serde_destroy(s);
}

static void test_json_nested_conversion_error_names_the_path(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "A", eddy_type_array(struct_of(1, "X", T(INT))));
    assert_int_equal(dec(s, "{\"A\":[{\"X\":1},{\"x\":[]}]}"), EDDY_CORRUPT);
    assert_string_equal(g_err.msg,
                        "Can't convert type. sourceType: ArrayNode, requiredType: INTEGER, path: $.A[1].X");
    eddy_serde_destroy(s);
}

static void test_json_array_column_rejects_an_object(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "A", eddy_type_array(T(INT)));
    assert_int_equal(dec(s, "{\"A\":{}}"), EDDY_CORRUPT);
    assert_string_equal(g_err.msg, "Can't convert type. sourceType: ObjectNode, requiredType: ARRAY<INTEGER>, path: $.A");
    eddy_serde_destroy(s);
}

static void test_json_decimal_from_string_and_integer(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "A", eddy_type_decimal(4, 2), "B", eddy_type_decimal(4, 2));
    assert_int_equal(dec(s, "{\"A\":\"10.1\",\"B\":3}"), 0);
    assert_decimal(&g_vals[0], 1010, 2);
    assert_decimal(&g_vals[1], 300, 2);
    eddy_serde_destroy(s);
}

static void test_json_decimal_that_needs_rounding_is_an_error(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "A", eddy_type_decimal(4, 2));
    assert_int_equal(dec(s, "{\"A\":1.234}"), EDDY_CORRUPT);
    assert_err_contains("Cannot fit decimal '1.234' into DECIMAL(4, 2) without rounding. (Requires 4,3)");
    assert_int_equal(dec(s, "{\"A\":1.2300}"), 0); /* trailing zeros do not need rounding */
    assert_decimal(&g_vals[0], 123, 2);
    eddy_serde_destroy(s);
}

static void test_json_decimal_overflow_is_an_error(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "A", eddy_type_decimal(4, 2));
    assert_int_equal(dec(s, "{\"A\":100}"), EDDY_CORRUPT);
    assert_err_contains("Numeric field overflow: A field with precision 4 and scale 2 must round to an absolute value "
                        "less than 10^2. Got 100");
    eddy_serde_destroy(s);
}

static void test_json_invalid_base64_is_an_error(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "B", T(BYTES));
    assert_int_equal(dec(s, "{\"B\":\"not base64!\"}"), EDDY_CORRUPT);
    assert_err_contains("Value is not a valid Base64 encoded string");
    eddy_serde_destroy(s);
}

static void test_json_time_out_of_range_is_an_error(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "T", T(TIME));
    assert_int_equal(dec(s, "{\"T\":-5}"), EDDY_CORRUPT);
    assert_err_contains("Time values must use number of milliseconds greater than 0 and less than 86400000.");
    eddy_serde_destroy(s);
}

static void test_json_map_with_non_string_values_coerces_them(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "THING", eddy_type_map(T(STRING), T(STRING)));
    assert_int_equal(dec(s, "{\"thing\":{\"other\":11,\"status\":false}}"), 0);
    assert_str_value(&g_vals[0].u.items[1], "11");
    assert_str_value(&g_vals[0].u.items[3], "false");
    eddy_serde_destroy(s);
}

/* ---- malformed input -------------------------------------------------------------- */

static void expect_corrupt(const char *text, const char *needle) {
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "A", T(INT), "B", T(STRING));
    assert_int_equal(dec(s, text), EDDY_CORRUPT);
    assert_err_contains(needle);
    for (int i = 0; i < 2; i++) assert_int_equal(g_vals[i].v_kind, EDDY_V_NULL);
    eddy_serde_destroy(s);
}

static void test_json_truncated_object_is_corrupt(void **state) {
    (void)state;
    expect_corrupt("{\"A\":1,", "Unexpected end-of-input at offset 7");
}

static void test_json_bad_literal_is_corrupt(void **state) {
    (void)state;
    expect_corrupt("{\"A\":nul}", "Unexpected character ('n' (code 110)) at offset 5");
}

static void test_json_unquoted_control_character_is_corrupt(void **state) {
    (void)state;
    expect_corrupt("{\"B\":\"a\nb\"}", "Illegal unquoted character ((CTRL-CHAR, code 10))");
}

static void test_json_invalid_utf8_is_corrupt(void **state) {
    (void)state;
    expect_corrupt("{\"B\":\"a\xC3(\"}", "Invalid UTF-8 byte 0xc3 at offset 7");
}

static void test_json_bad_escape_is_corrupt(void **state) {
    (void)state;
    expect_corrupt("{\"B\":\"\\x\"}", "a valid escape");
}

static void test_json_trailing_content_is_corrupt(void **state) {
    (void)state;
    expect_corrupt("{\"A\":1} x", "expected end of input");
}

static void test_json_leading_zero_is_corrupt(void **state) {
    (void)state;
    expect_corrupt("{\"A\":01}", "at offset 6");
}

static void test_json_missing_colon_is_corrupt(void **state) {
    (void)state;
    expect_corrupt("{\"A\" 1}", "expected ':'");
}

static void test_json_syntax_error_in_a_skipped_field_is_corrupt(void **state) {
    (void)state;
    expect_corrupt("{\"X\":[1,2,}", "at offset 10");
}

static void test_json_deep_nesting_is_corrupt(void **state) {
    (void)state;
    char text[2100];
    size_t n = 0;
    n += (size_t)snprintf(text, sizeof text, "{\"X\":");
    for (int i = 0; i < 1100; i++) text[n++] = '[';
    text[n] = '\0';
    expect_corrupt(text, "less nesting");
}

/* ---- borrowing -------------------------------------------------------------------- */

static void test_json_borrow_points_into_the_input_unless_escaped(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "A", T(STRING), "B", T(STRING));
    const char *text = "{\"A\":\"plain\",\"B\":\"esc\\n\"}";
    assert_int_equal(eddy_serde_decode_ex(s, text, strlen(text), EDDY_SERDE_BORROW, g_vals, NULL, g_arena, &g_err), 0);
    assert_ptr_equal(g_vals[0].u.s, text + 6);
    assert_true(g_vals[1].u.s < text || g_vals[1].u.s > text + strlen(text));
    assert_str_value(&g_vals[1], "esc\n");
    assert_int_equal(dec(s, text), 0); /* default: copied */
    assert_true(g_vals[0].u.s < text || g_vals[0].u.s > text + strlen(text));
    eddy_serde_destroy(s);
}

/* ---- encoding ----------------------------------------------------------------------- */

static void test_json_encodes_compact_with_column_names(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 4, "ID", T(BIGINT), "name", T(STRING), "OK", T(BOOLEAN), "N", T(INT));
    eddy_value v[4] = {eddy_value_bigint(-12), str_v("zero"), eddy_value_bool(true), eddy_value_null()};
    assert_int_equal(enc(s, v), 0);
    assert_false(g_null);
    assert_string_equal(g_out.buf, "{\"ID\":-12,\"name\":\"zero\",\"OK\":true,\"N\":null}");
    eddy_serde_destroy(s);
}

static void test_json_encodes_doubles_as_java_does(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, 0, NULL, 1, "A", eddy_type_array(T(DOUBLE)));
    eddy_value items[9] = {eddy_value_double(1.0),   eddy_value_double(1e10),  eddy_value_double(0.0001),
                           eddy_value_double(0.001), eddy_value_double(-0.5),  eddy_value_double(1234567.0),
                           eddy_value_double(12345678.9), eddy_value_double(0.1 + 0.2), eddy_value_double(0.0 / 0.0)};
    eddy_value a = {.v_kind = EDDY_V_ARRAY, .v_len = 9, .u.items = items};
    assert_int_equal(enc(s, &a), 0);
    assert_string_equal(g_out.buf,
                        "[1.0,1.0E10,1.0E-4,0.001,-0.5,1234567.0,1.23456789E7,0.30000000000000004,\"NaN\"]");
    eddy_serde_destroy(s);
}

static void test_json_encodes_decimal_keeping_its_scale(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 2, "A", eddy_type_decimal(4, 2), "B", eddy_type_decimal(4, 2));
    eddy_value v[2] = {eddy_value_decimal(g_arena, 150, 2), eddy_value_decimal(g_arena, -5, 2)};
    assert_int_equal(enc(s, v), 0);
    assert_string_equal(g_out.buf, "{\"A\":1.50,\"B\":-0.05}");
    eddy_serde_destroy(s);
}

static void test_json_encodes_bytes_and_temporals(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 4, "B", T(BYTES), "D", T(DATE), "T", T(TIME), "TS", T(TIMESTAMP));
    eddy_value v[4] = {eddy_value_str(EDDY_V_BYTES, "yesno", 5), eddy_value_i64(EDDY_V_DATE, 19000),
                       eddy_value_i64(EDDY_V_TIME, 3600000), eddy_value_i64(EDDY_V_TIMESTAMP, 1526075913000LL)};
    assert_int_equal(enc(s, v), 0);
    assert_string_equal(g_out.buf, "{\"B\":\"eWVzbm8=\",\"D\":19000,\"T\":3600000,\"TS\":1526075913000}");
    eddy_serde_destroy(s);
}

static void test_json_encodes_string_escapes_as_jackson(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, 0, NULL, 1, "S", T(STRING));
    eddy_value v = str_v("q\"b\\s/n\nt\tc\x01 \xC3\xA9");
    assert_int_equal(enc(s, &v), 0);
    assert_string_equal(g_out.buf, "\"q\\\"b\\\\s/n\\nt\\tc\\u0001 \xC3\xA9\"");
    eddy_serde_destroy(s);
}

static void test_json_encodes_nested_values(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 1, "V",
                       struct_of(2, "a", eddy_type_map(T(STRING), T(INT)), "B", eddy_type_array(T(STRING))));
    assert_int_equal(dec(s, "{\"V\":{\"a\":{\"x\":1,\"y\":null},\"B\":[\"p\",null]}}"), 0);
    assert_int_equal(enc(s, g_vals), 0);
    assert_string_equal(g_out.buf, "{\"V\":{\"a\":{\"x\":1,\"y\":null},\"B\":[\"p\",null]}}");
    eddy_serde_destroy(s);
}

static void test_json_unwrapped_null_encodes_as_null_record(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, 0, NULL, 1, "FOO", T(BOOLEAN));
    eddy_value v = eddy_value_null();
    assert_int_equal(enc(s, &v), 0);
    assert_true(g_null);
    eddy_serde_destroy(s);
}

static void test_json_wrapped_single_null_encodes_as_object(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, 1, NULL, 1, "FOO", T(BOOLEAN));
    eddy_value v = eddy_value_null();
    assert_int_equal(enc(s, &v), 0);
    assert_false(g_null);
    assert_string_equal(g_out.buf, "{\"FOO\":null}");
    eddy_serde_destroy(s);
}

static void test_json_value_without_columns_encodes_as_empty_object(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 0);
    assert_int_equal(enc(s, NULL), 0);
    assert_string_equal(g_out.buf, "{}");
    assert_int_equal(dec(s, "{\"X\":1}"), 0);
    eddy_serde_destroy(s);
}

static void test_json_round_trips_every_type(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", false, -1, NULL, 9, "B", T(BOOLEAN), "I", T(INT), "L", T(BIGINT), "D", T(DOUBLE),
                       "DEC", eddy_type_decimal(10, 3), "S", T(STRING), "BY", T(BYTES), "TS", T(TIMESTAMP), "M",
                       eddy_type_map(T(STRING), eddy_type_array(T(DOUBLE))));
    const char *text = "{\"B\":false,\"I\":-2147483648,\"L\":9223372036854775807,\"D\":-1.0E-7,\"DEC\":-1234567.890,"
                       "\"S\":\"\\u0000x\",\"BY\":\"AAE=\",\"TS\":-1,\"M\":{\"k\":[0.5,null]}}";
    assert_int_equal(dec(s, text), 0);
    assert_int_equal(enc(s, g_vals), 0);
    assert_string_equal(g_out.buf, text);
    eddy_serde_destroy(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_decodes_boolean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_decodes_int_and_bigint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_decodes_double, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_decodes_decimal_to_the_column_scale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_decodes_string_with_unicode_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_lone_surrogate_becomes_question_mark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_decodes_raw_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_decodes_bytes_from_base64, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_decodes_temporal_types_from_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_decodes_nested_array_map_struct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_large_array_grows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_map_duplicate_keys_keep_last_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_large_map_dedups_through_its_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_field_names_match_upper_cased, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_exact_name_wins_over_case_insensitive_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_quoted_lower_case_column_matches_only_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_missing_fields_are_null_and_extra_fields_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_duplicate_field_last_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_many_columns_match_through_the_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_escaped_field_name_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_unwrapped_value_is_the_bare_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_unwrapped_null_is_a_null_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_wrapped_null_is_a_null_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_single_value_column_is_wrapped_by_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_single_key_column_is_unwrapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_multi_column_key_is_an_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_struct_key_decodes_fields_case_insensitively, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_key_of_one_null_column_encodes_as_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_key_of_several_null_columns_is_an_object_of_nulls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_empty_input_is_a_null_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_null_data_is_a_null_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_fraction_truncates_into_int, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_int_overflow_wraps_like_java, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_numeric_strings_coerce_to_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_bad_numeric_string_is_an_error_with_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_scalars_coerce_to_string, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_object_and_array_coerce_to_string_as_ksqldb_prints_them, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_boolean_column_rejects_a_string, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_number_column_rejects_a_boolean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_nested_conversion_error_names_the_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_array_column_rejects_an_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_decimal_from_string_and_integer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_decimal_that_needs_rounding_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_decimal_overflow_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_invalid_base64_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_time_out_of_range_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_map_with_non_string_values_coerces_them, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_truncated_object_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_bad_literal_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_unquoted_control_character_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_invalid_utf8_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_bad_escape_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_trailing_content_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_leading_zero_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_missing_colon_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_syntax_error_in_a_skipped_field_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_deep_nesting_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_borrow_points_into_the_input_unless_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_encodes_compact_with_column_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_encodes_doubles_as_java_does, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_encodes_decimal_keeping_its_scale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_encodes_bytes_and_temporals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_encodes_string_escapes_as_jackson, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_encodes_nested_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_unwrapped_null_encodes_as_null_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_wrapped_single_null_encodes_as_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_value_without_columns_encodes_as_empty_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_round_trips_every_type, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
