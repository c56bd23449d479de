/* test_value_json.c - values to and from jansson JSON and JSON text: record and REST encodings, round trips. */
#include "serde_test.h"

static json_t *parse(const char *text) {
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j) fail_msg("bad test JSON %s: %s", text, je.text);
    return j;
}

static int from(const char *text, eddy_type *t, eddy_value *out) {
    json_t *j = parse(text);
    eddy_err_clear(&g_err);
    int rc = eddy_value_from_json(j, t, g_arena, out, &g_err);
    json_decref(j);
    return rc;
}

/* Compact JSON text of jansson's rendering of v. */
static char *to_text(const eddy_value *v, eddy_type *t, bool rest) {
    json_t *j = eddy_value_to_json(v, t, rest);
    assert_non_null(j);
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    return s;
}

static const char *write_text(const eddy_value *v, eddy_type *t, bool rest) {
    eddy_strbuf_reset(&g_out);
    eddy_value_write_json(v, t, rest, &g_out);
    return eddy_strbuf_cstr(&g_out);
}

/* ---- from JSON --------------------------------------------------------------------- */

static void test_from_json_reads_scalars_with_record_coercions(void **state) {
    (void)state;
    eddy_value v;
    assert_int_equal(from("1.7", T(INT), &v), 0);
    assert_int_equal(v.v_kind, EDDY_V_INT);
    assert_int_equal(v.u.i, 1);
    assert_int_equal(from("\"42\"", T(BIGINT), &v), 0);
    assert_int_equal(v.u.i, 42);
    assert_int_equal(from("12", T(STRING), &v), 0);
    assert_str_value(&v, "12");
    assert_int_equal(from("true", T(BOOLEAN), &v), 0);
    assert_int_equal(v.u.i, 1);
    assert_int_equal(from("null", T(DOUBLE), &v), 0);
    assert_int_equal(v.v_kind, EDDY_V_NULL);
    assert_int_equal(from("\"eWVz\"", T(BYTES), &v), 0);
    assert_memory_equal(v.u.s, "yes", 3);
}

static void test_from_json_decimal_from_string_keeps_exact_digits(void **state) {
    (void)state;
    eddy_value v;
    eddy_type *t = eddy_type_decimal(33, 16);
    assert_int_equal(from("\"12345678987654321.2345678987654321\"", t, &v), 0);
    assert_int_equal(v.v_scale, 16);
    assert_string_equal(write_text(&v, t, false), "12345678987654321.2345678987654321");
    eddy_type_unref(t);
}

static void test_from_json_decimal_from_real_is_fitted_to_the_scale(void **state) {
    (void)state;
    eddy_value v;
    eddy_type *t = eddy_type_decimal(6, 4);
    assert_int_equal(from("12.365", t, &v), 0);
    assert_decimal(&v, 123650, 4);
    assert_int_equal(from("12.36512", t, &v), EDDY_CORRUPT);
    assert_err_contains("without rounding");
    eddy_type_unref(t);
}

static void test_from_json_reads_rest_temporal_strings_and_numbers(void **state) {
    (void)state;
    eddy_value v;
    assert_int_equal(from("\"2022-04-28T21:44:47.943\"", T(TIMESTAMP), &v), 0);
    assert_true(v.u.i == 1651182287943LL);
    assert_int_equal(from("1651182287943", T(TIMESTAMP), &v), 0);
    assert_true(v.u.i == 1651182287943LL);
    assert_int_equal(from("\"2022-01-08\"", T(DATE), &v), 0);
    assert_int_equal(v.u.i, 19000);
    assert_int_equal(from("\"12:00:00\"", T(TIME), &v), 0);
    assert_int_equal(v.u.i, 43200000);
    assert_int_equal(from("\"noon\"", T(TIME), &v), EDDY_CORRUPT);
}

static void test_from_json_struct_matches_fields_like_records(void **state) {
    (void)state;
    eddy_value v;
    eddy_type *t = struct_of(3, "A", T(INT), "b", T(STRING), "C", T(DOUBLE));
    assert_int_equal(from("{\"a\":1,\"B\":\"no\",\"b\":\"yes\",\"x\":0}", t, &v), 0);
    assert_int_equal(v.v_kind, EDDY_V_STRUCT);
    assert_int_equal(v.u.items[0].u.i, 1);
    assert_str_value(&v.u.items[1], "yes");
    assert_int_equal(v.u.items[2].v_kind, EDDY_V_NULL);
    eddy_type_unref(t);
}

static void test_from_json_error_names_the_path(void **state) {
    (void)state;
    eddy_value v;
    eddy_type *t = eddy_type_map(T(STRING), eddy_type_array(T(BOOLEAN)));
    assert_int_equal(from("{\"k\":[true,1]}", t, &v), EDDY_CORRUPT);
    assert_string_equal(g_err.msg, "Can't convert type. sourceType: IntNode, requiredType: BOOLEAN, path: $.k.value[1]");
    eddy_type_unref(t);
}

static void test_from_json_array_to_string_as_ksqldb_prints_it(void **state) {
    (void)state;
    eddy_value v;
    assert_int_equal(from("[\"a\",1,null,[true]]", T(STRING), &v), 0);
    assert_str_value(&v, "[a, 1, null, [true]]");
}

/* ---- to JSON ------------------------------------------------------------------------- */

static void test_to_json_uses_numbers_for_record_temporals(void **state) {
    (void)state;
    eddy_value v = eddy_value_i64(EDDY_V_TIMESTAMP, 1651182287943LL);
    char *s = to_text(&v, T(TIMESTAMP), false);
    assert_string_equal(s, "1651182287943");
    free(s);
}

static void test_to_json_uses_iso_strings_for_rest_temporals(void **state) {
    (void)state;
    eddy_value ts = eddy_value_i64(EDDY_V_TIMESTAMP, 1620129600000LL);
    eddy_value d = eddy_value_i64(EDDY_V_DATE, 18751);
    eddy_value t = eddy_value_i64(EDDY_V_TIME, 43200000);
    char *s = to_text(&ts, T(TIMESTAMP), true);
    assert_string_equal(s, "\"2021-05-04T12:00:00.000\"");
    free(s);
    s = to_text(&d, T(DATE), true);
    assert_string_equal(s, "\"2021-05-04\"");
    free(s);
    s = to_text(&t, T(TIME), true);
    assert_string_equal(s, "\"12:00:00\"");
    free(s);
}

static void test_to_json_writes_special_doubles_as_strings(void **state) {
    (void)state;
    eddy_value v = eddy_value_double(-1.0 / 0.0);
    char *s = to_text(&v, T(DOUBLE), false);
    assert_string_equal(s, "\"-Infinity\"");
    free(s);
}

static void test_to_json_writes_bytes_base64_and_struct_names(void **state) {
    (void)state;
    eddy_type *t = struct_of(2, "OrderId", T(INT), "Data", T(BYTES));
    eddy_value items[2] = {eddy_value_int(0), eddy_value_str(EDDY_V_BYTES, "\0\1", 2)};
    eddy_value v = {.v_kind = EDDY_V_STRUCT, .v_len = 2, .u.items = items};
    char *s = to_text(&v, t, true);
    assert_string_equal(s, "{\"OrderId\":0,\"Data\":\"AAE=\"}");
    free(s);
    eddy_type_unref(t);
}

static void test_to_json_decimal_is_a_number(void **state) {
    (void)state;
    eddy_value v = eddy_value_decimal(g_arena, 450, 2);
    eddy_value w = eddy_value_decimal(g_arena, 12, 0);
    eddy_type *t = eddy_type_decimal(4, 2);
    json_t *j = eddy_value_to_json(&v, t, true);
    assert_true(json_is_real(j));
    assert_true(json_real_value(j) == 4.5);
    json_decref(j);
    j = eddy_value_to_json(&w, t, true);
    assert_true(json_is_integer(j));
    assert_int_equal(json_integer_value(j), 12);
    json_decref(j);
    eddy_type_unref(t);
}

static void test_round_trip_through_jansson_keeps_nested_values(void **state) {
    (void)state;
    eddy_type *t = eddy_type_map(T(STRING), struct_of(2, "A", eddy_type_array(T(BIGINT)), "B", T(BOOLEAN)));
    eddy_value v, back;
    assert_int_equal(from("{\"x\":{\"A\":[1,null,3],\"B\":false},\"y\":null}", t, &v), 0);
    json_t *j = eddy_value_to_json(&v, t, false);
    assert_non_null(j);
    assert_int_equal(eddy_value_from_json(j, t, g_arena, &back, &g_err), 0);
    json_decref(j);
    assert_true(eddy_value_equal(&v, &back));
    eddy_type_unref(t);
}

/* ---- JSON text ---------------------------------------------------------------------- */

static void test_write_json_keeps_decimal_scale_and_java_doubles(void **state) {
    (void)state;
    eddy_type *t = struct_of(3, "P", eddy_type_decimal(10, 2), "D", T(DOUBLE), "E", T(DOUBLE));
    eddy_value items[3] = {eddy_value_decimal(g_arena, 450, 2), eddy_value_double(11.0), eddy_value_double(1e7)};
    eddy_value v = {.v_kind = EDDY_V_STRUCT, .v_len = 3, .u.items = items};
    assert_string_equal(write_text(&v, t, true), "{\"P\":4.50,\"D\":11.0,\"E\":1.0E7}");
    eddy_type_unref(t);
}

static void test_write_json_rest_temporals_are_strings(void **state) {
    (void)state;
    eddy_value items[2] = {eddy_value_i64(EDDY_V_TIMESTAMP, 1620129600000LL), eddy_value_i64(EDDY_V_DATE, 18751)};
    eddy_value v = {.v_kind = EDDY_V_ARRAY, .v_len = 2, .u.items = items};
    assert_string_equal(write_text(&v, NULL, true), "[\"2021-05-04T12:00:00.000\",\"2021-05-04\"]");
    assert_string_equal(write_text(&v, NULL, false), "[1620129600000,18751]");
}

static void test_write_json_map_with_non_string_keys_quotes_them(void **state) {
    (void)state;
    eddy_value items[2] = {eddy_value_int(1), eddy_value_bool(true)};
    eddy_value v = {.v_kind = EDDY_V_MAP, .v_len = 1, .u.items = items};
    assert_string_equal(write_text(&v, NULL, false), "{\"1\":true}");
}

static void test_write_json_decimal_round_trips_through_from_json_string(void **state) {
    (void)state;
    eddy_type *t = eddy_type_decimal(5, 3);
    eddy_value v = eddy_value_decimal(g_arena, -1, 3), back;
    const char *text = write_text(&v, t, false);
    assert_string_equal(text, "-0.001");
    char quoted[32];
    snprintf(quoted, sizeof quoted, "\"%s\"", text);
    assert_int_equal(from(quoted, t, &back), 0);
    assert_true(eddy_value_equal(&v, &back));
    assert_int_equal(back.v_scale, 3);
    eddy_type_unref(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_from_json_reads_scalars_with_record_coercions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_json_decimal_from_string_keeps_exact_digits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_json_decimal_from_real_is_fitted_to_the_scale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_json_reads_rest_temporal_strings_and_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_json_struct_matches_fields_like_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_json_error_names_the_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_json_array_to_string_as_ksqldb_prints_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_to_json_uses_numbers_for_record_temporals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_to_json_uses_iso_strings_for_rest_temporals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_to_json_writes_special_doubles_as_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_to_json_writes_bytes_base64_and_struct_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_to_json_decimal_is_a_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip_through_jansson_keeps_nested_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_json_keeps_decimal_scale_and_java_doubles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_json_rest_temporals_are_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_json_map_with_non_string_keys_quotes_them, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_json_decimal_round_trips_through_from_json_string, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
