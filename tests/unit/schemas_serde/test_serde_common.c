/* test_serde_common.c - serde dispatch (NONE, unknown and unsupported formats), windowed keys, and the Java text helpers. */
#include "serde_test.h"

#include "schemas/serde_impl.h"

/* ---- dispatch ------------------------------------------------------------------- */

static void test_none_format_encodes_a_null_key(void **state) {
    (void)state;
    eddy_serde *s = mk("NONE", true, -1, NULL, 0);
    assert_non_null(s);
    assert_int_equal(eddy_serde_ncols(s), 0);
    assert_int_equal(enc(s, NULL), 0);
    assert_true(g_null);
    assert_int_equal(dec(s, "anything"), 0);
    eddy_serde_destroy(s);
}

static void test_none_format_with_columns_is_rejected(void **state) {
    (void)state;
    assert_null(mk("NONE", true, -1, NULL, 1, "K", T(INT)));
    assert_err_contains("The 'NONE' format can only be used when no columns are defined");
}

static void test_keyless_kafka_key_encodes_as_null(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", true, -1, NULL, 0);
    assert_int_equal(enc(s, NULL), 0);
    assert_true(g_null);
    eddy_serde_destroy(s);
}

static void test_unknown_format_is_rejected(void **state) {
    (void)state;
    assert_null(mk("XML", false, -1, NULL, 1, "A", T(INT)));
    assert_string_equal(g_err.msg, "Unknown format: XML");
    assert_int_equal(g_err.code, EDDY_INVAL);
}

static void test_registry_formats_are_not_supported_yet(void **state) {
    (void)state;
    assert_null(mk("AVRO", false, -1, NULL, 1, "A", T(INT)));
    assert_int_equal(g_err.code, EDDY_UNSUPPORTED);
    assert_null(mk("protobuf", false, -1, NULL, 1, "A", T(INT)));
    assert_int_equal(g_err.code, EDDY_UNSUPPORTED);
}

static void test_format_names_are_case_insensitive(void **state) {
    (void)state;
    eddy_serde *s = mk("json", false, -1, NULL, 1, "A", T(INT));
    assert_non_null(s);
    eddy_serde_destroy(s);
}

static void test_json_map_with_non_string_keys_is_rejected(void **state) {
    (void)state;
    assert_null(mk("JSON", false, -1, NULL, 1, "M", eddy_type_map(T(INT), T(DOUBLE))));
    assert_string_equal(g_err.msg, "JSON only supports MAP types with STRING keys");
}

static void test_destroy_null_is_a_no_op(void **state) {
    (void)state;
    eddy_serde_destroy(NULL);
}

/* ---- windowed keys ----------------------------------------------------------------- */

static void test_time_window_key_is_key_then_start(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", true, -1, NULL, 1, "K", T(STRING));
    eddy_value v = str_v("ab");
    eddy_err_clear(&g_err);
    assert_int_equal(eddy_serde_encode_windowed(s, &v, false, 0x0102, 0x0203, &g_out, &g_null, &g_err), 0);
    assert_false(g_null);
    assert_int_equal(g_out.len, 10);
    assert_memory_equal(g_out.buf, "ab\0\0\0\0\0\0\x01\x02", 10);
    int64_t start, end;
    assert_int_equal(eddy_serde_decode_windowed(s, g_out.buf, g_out.len, false, g_vals, &start, &end, g_arena, &g_err),
                     0);
    assert_str_value(&g_vals[0], "ab");
    assert_int_equal(start, 0x0102);
    assert_int_equal(end, 0x0102);
    eddy_serde_destroy(s);
}

static void test_session_window_key_is_key_then_end_then_start(void **state) {
    (void)state;
    eddy_serde *s = mk("JSON", true, -1, NULL, 1, "K", T(INT));
    eddy_value v = eddy_value_int(7);
    assert_int_equal(eddy_serde_encode_windowed(s, &v, true, 1, 2, &g_out, &g_null, &g_err), 0);
    assert_int_equal(g_out.len, 17);
    assert_memory_equal(g_out.buf, "7\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0\x01", 17);
    int64_t start, end;
    assert_int_equal(eddy_serde_decode_windowed(s, g_out.buf, g_out.len, true, g_vals, &start, &end, g_arena, &g_err),
                     0);
    assert_int_equal(g_vals[0].u.i, 7);
    assert_int_equal(start, 1);
    assert_int_equal(end, 2);
    eddy_serde_destroy(s);
}

static void test_windowed_null_key_has_no_key_bytes(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", true, -1, NULL, 1, "K", T(INT));
    eddy_value v = eddy_value_null();
    int64_t start, end;
    assert_int_equal(eddy_serde_encode_windowed(s, &v, false, -1, 0, &g_out, &g_null, &g_err), 0);
    assert_int_equal(g_out.len, 8);
    assert_memory_equal(g_out.buf, "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8);
    g_vals[0] = eddy_value_int(1);
    assert_int_equal(eddy_serde_decode_windowed(s, g_out.buf, 8, false, g_vals, &start, &end, g_arena, &g_err), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_NULL);
    assert_int_equal(start, -1);
    eddy_serde_destroy(s);
}

static void test_windowed_key_too_short_is_corrupt(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", true, -1, NULL, 1, "K", T(INT));
    int64_t start, end;
    assert_int_equal(eddy_serde_decode_windowed(s, "\0\0\0\0\0\0\0\0\0", 9, true, g_vals, &start, &end, g_arena,
                                                &g_err),
                     EDDY_CORRUPT);
    assert_err_contains("Windowed key too short: 9 bytes");
    eddy_serde_destroy(s);
}

static void test_windowed_inner_key_errors_propagate(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", true, -1, NULL, 1, "K", T(INT));
    int64_t start, end;
    assert_int_equal(eddy_serde_decode_windowed(s, "\1\2\0\0\0\0\0\0\0\0", 10, false, g_vals, &start, &end, g_arena,
                                                &g_err),
                     EDDY_CORRUPT);
    assert_err_contains("IntegerDeserializer");
    eddy_serde_destroy(s);
}

/* ---- Java text helpers ----------------------------------------------------------- */

static void assert_double_text(double d, const char *want) {
    char buf[40];
    size_t n = serde_double_text(d, buf);
    buf[n] = '\0';
    assert_string_equal(buf, want);
}

static void test_double_text_matches_java(void **state) {
    (void)state;
    assert_double_text(0.0, "0.0");
    assert_double_text(-0.0, "-0.0");
    assert_double_text(1.0, "1.0");
    assert_double_text(100.0, "100.0");
    assert_double_text(9999999.0, "9999999.0");
    assert_double_text(10000000.0, "1.0E7");
    assert_double_text(0.001, "0.001");
    assert_double_text(0.0009, "9.0E-4");
    assert_double_text(1e-300, "1.0E-300");
    assert_double_text(1.7976931348623157e308, "1.7976931348623157E308");
    assert_double_text(4.9e-324, "4.9E-324");
    assert_double_text(1946195068359375.0, "1.946195068359375E15");
    assert_double_text(0.06666666666666667, "0.06666666666666667");
    assert_double_text(-114.591559026165, "-114.591559026165");
    assert_double_text(1.0 / 0.0, "Infinity");
    assert_double_text(-1.0 / 0.0, "-Infinity");
    assert_double_text(0.0 / 0.0, "NaN");
}

static void assert_decimal_text(long long unscaled, int scale, const char *want) {
    char buf[96];
    size_t n = serde_decimal_text(unscaled, scale, buf);
    buf[n] = '\0';
    assert_string_equal(buf, want);
}

static void test_decimal_text_is_plain_with_scale(void **state) {
    (void)state;
    assert_decimal_text(150, 2, "1.50");
    assert_decimal_text(-5, 2, "-0.05");
    assert_decimal_text(0, 3, "0.000");
    assert_decimal_text(12, 0, "12");
    assert_decimal_text(1, 7, "0.0000001");
    char buf[96];
    eddy_int128 big = (eddy_int128)99999999999999999LL * 1000000000000000000LL + 999999999999999999LL; /* 35 nines */
    size_t n = serde_decimal_text(-big, 3, buf);
    buf[n] = '\0';
    assert_string_equal(buf, "-99999999999999999999999999999999.999");
}

static void test_bigdecimal_text_matches_java(void **state) {
    (void)state;
    const char *in[] = {"1.50", "1e2", "100", "-0.0", "0.0000001", "0.000001", "123.456e-10", "1E+3"};
    const char *want[] = {"1.50", "1E+2", "100", "0.0", "1E-7", "0.000001", "1.23456E-8", "1E+3"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        serde_num n;
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        assert_int_equal(serde_parse_bigdecimal(in[i], strlen(in[i]), &n), 0);
        serde_num_bigdecimal_text(&n, &sb);
        assert_string_equal(eddy_strbuf_cstr(&sb), want[i]);
        eddy_strbuf_fini(&sb);
    }
}

static void test_java_integer_parsing_checks_range_and_sign(void **state) {
    (void)state;
    int64_t v;
    assert_int_equal(serde_parse_java_long("+12", 3, 32, &v), 0);
    assert_int_equal(v, 12);
    assert_int_equal(serde_parse_java_long("-2147483648", 11, 32, &v), 0);
    assert_int_equal(v, INT32_MIN);
    assert_int_equal(serde_parse_java_long("2147483648", 10, 32, &v), -1);
    assert_int_equal(serde_parse_java_long("-9223372036854775808", 20, 64, &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(serde_parse_java_long("9223372036854775808", 19, 64, &v), -1);
    assert_int_equal(serde_parse_java_long("-", 1, 64, &v), -1);
    assert_int_equal(serde_parse_java_long("", 0, 64, &v), -1);
    assert_int_equal(serde_parse_java_long("1e3", 3, 64, &v), -1);
}

static void test_java_double_parsing(void **state) {
    (void)state;
    double d;
    assert_int_equal(serde_parse_java_double(" 1.5 ", 5, &d), 0);
    assert_true(d == 1.5);
    assert_int_equal(serde_parse_java_double("-Infinity", 9, &d), 0);
    assert_true(d == -1.0 / 0.0);
    assert_int_equal(serde_parse_java_double("2d", 2, &d), 0);
    assert_true(d == 2.0);
    assert_int_equal(serde_parse_java_double(".5e1", 4, &d), 0);
    assert_true(d == 5.0);
    assert_int_equal(serde_parse_java_double("0x1.8p1", 7, &d), 0);
    assert_true(d == 3.0);
    assert_int_equal(serde_parse_java_double("inf", 3, &d), -1);
    assert_int_equal(serde_parse_java_double("1,5", 3, &d), -1);
    assert_int_equal(serde_parse_java_double("", 0, &d), -1);
}

static void test_number_to_long_truncates_and_wraps(void **state) {
    (void)state;
    const char *in[] = {"1.7", "-1.7", "12e-1", "1e19", "1e64", "0.0001", "123456789012345678901"};
    const int64_t want[] = {1, -1, 1, (int64_t)10000000000000000000ULL, 0, 0, 0};
    for (size_t i = 0; i < sizeof in / sizeof in[0] - 1; i++) {
        serde_num n;
        assert_int_equal(serde_scan_json_number(in[i], in[i] + strlen(in[i]), &n), strlen(in[i]));
        assert_true(serde_num_to_i64(&n) == want[i]);
    }
    serde_num n;
    const char *big = in[6];
    assert_int_equal(serde_scan_json_number(big, big + strlen(big), &n), strlen(big));
    /* 123456789012345678901 mod 2^64 */
    assert_true((uint64_t)serde_num_to_i64(&n) == (uint64_t)((((unsigned __int128)123456789012345678ULL) * 1000 + 901) %
                                                            ((unsigned __int128)1 << 64)));
}

static void test_base64_round_trip_and_errors(void **state) {
    (void)state;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    const char *out;
    size_t n;
    serde_base64_encode(&sb, (const unsigned char *)"hello!?", 7);
    assert_string_equal(sb.buf, "aGVsbG8hPw==");
    assert_int_equal(serde_base64_decode(sb.buf, sb.len, g_arena, &out, &n), 0);
    assert_int_equal(n, 7);
    assert_memory_equal(out, "hello!?", 7);
    assert_int_equal(serde_base64_decode("aGVsbG8hPw", 10, g_arena, &out, &n), 0); /* padding optional */
    assert_int_equal(n, 7);
    assert_int_equal(serde_base64_decode("a", 1, g_arena, &out, &n), -1);
    assert_int_equal(serde_base64_decode("a-_b", 4, g_arena, &out, &n), -1);
    eddy_strbuf_fini(&sb);
}

static void test_rest_date_texts_round_trip(void **state) {
    (void)state;
    char buf[40];
    int64_t x;
    buf[serde_timestamp_text(1651182287943LL, buf)] = '\0';
    assert_string_equal(buf, "2022-04-28T21:44:47.943");
    assert_int_equal(serde_parse_timestamp(buf, strlen(buf), &x), 0);
    assert_true(x == 1651182287943LL);
    assert_int_equal(serde_parse_timestamp("2022-04-28T21:44:47.943Z", 24, &x), 0);
    assert_true(x == 1651182287943LL);
    assert_int_equal(serde_parse_timestamp("2022-04-28T23:44:47.943+02:00", 29, &x), 0);
    assert_true(x == 1651182287943LL);
    buf[serde_timestamp_text(-1, buf)] = '\0';
    assert_string_equal(buf, "1969-12-31T23:59:59.999");
    buf[serde_date_text(19000, buf)] = '\0';
    assert_string_equal(buf, "2022-01-08");
    assert_int_equal(serde_parse_date(buf, strlen(buf), &x), 0);
    assert_int_equal(x, 19000);
    assert_int_equal(serde_parse_date("2021-02-29", 10, &x), -1);
    buf[serde_time_text(43200000, buf)] = '\0';
    assert_string_equal(buf, "12:00:00");
    buf[serde_time_text(43200001, buf)] = '\0';
    assert_string_equal(buf, "12:00:00.001");
    assert_int_equal(serde_parse_time(buf, strlen(buf), &x), 0);
    assert_int_equal(x, 43200001);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_none_format_encodes_a_null_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_none_format_with_columns_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyless_kafka_key_encodes_as_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_format_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry_formats_are_not_supported_yet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_names_are_case_insensitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_map_with_non_string_keys_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_null_is_a_no_op, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_window_key_is_key_then_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_window_key_is_key_then_end_then_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_windowed_null_key_has_no_key_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_windowed_key_too_short_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_windowed_inner_key_errors_propagate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_double_text_matches_java, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decimal_text_is_plain_with_scale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bigdecimal_text_matches_java, setup, teardown),
        cmocka_unit_test_setup_teardown(test_java_integer_parsing_checks_range_and_sign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_java_double_parsing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_number_to_long_truncates_and_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_base64_round_trip_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rest_date_texts_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
