/* test_serde_kafka.c - the KAFKA format: Kafka's standard serializers and their size errors. */
#include "serde_test.h"

static void test_kafka_int_is_four_bytes_big_endian(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", true, -1, NULL, 1, "K", T(INT));
    eddy_value v = eddy_value_int(-2);
    assert_int_equal(enc(s, &v), 0);
    assert_int_equal(g_out.len, 4);
    assert_memory_equal(g_out.buf, "\xFF\xFF\xFF\xFE", 4);
    assert_int_equal(decn(s, "\x00\x00\x01\x02", 4), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_INT);
    assert_int_equal(g_vals[0].u.i, 258);
    eddy_serde_destroy(s);
}

static void test_kafka_bigint_is_eight_bytes_big_endian(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", false, -1, NULL, 1, "V", T(BIGINT));
    eddy_value v = eddy_value_bigint(0x0102030405060708LL);
    assert_int_equal(enc(s, &v), 0);
    assert_memory_equal(g_out.buf, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    assert_int_equal(decn(s, g_out.buf, g_out.len), 0);
    assert_true(g_vals[0].u.i == 0x0102030405060708LL);
    eddy_serde_destroy(s);
}

static void test_kafka_double_is_ieee_bits_big_endian(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", false, -1, NULL, 1, "V", T(DOUBLE));
    eddy_value v = eddy_value_double(1.1);
    assert_int_equal(enc(s, &v), 0);
    assert_memory_equal(g_out.buf, "\x3F\xF1\x99\x99\x99\x99\x99\x9A", 8);
    assert_int_equal(decn(s, g_out.buf, g_out.len), 0);
    assert_true(g_vals[0].u.d == 1.1);
    eddy_serde_destroy(s);
}

static void test_kafka_string_is_utf8_bytes(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", false, -1, NULL, 1, "V", T(STRING));
    eddy_value v = str_v("bar\xC3\xA9");
    assert_int_equal(enc(s, &v), 0);
    assert_int_equal(g_out.len, 5);
    assert_int_equal(decn(s, g_out.buf, g_out.len), 0);
    assert_str_value(&g_vals[0], "bar\xC3\xA9");
    assert_int_equal(decn(s, "", 0), 0);
    assert_str_value(&g_vals[0], "");
    eddy_serde_destroy(s);
}

static void test_kafka_string_with_invalid_utf8_gets_replacement_characters(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", false, -1, NULL, 1, "V", T(STRING));
    assert_int_equal(decn(s, "a\xC0", 2), 0);
    assert_str_value(&g_vals[0], "a\xEF\xBF\xBD");
    eddy_serde_destroy(s);
}

static void test_kafka_bytes_are_raw(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", false, -1, NULL, 1, "V", T(BYTES));
    eddy_value v = eddy_value_str(EDDY_V_BYTES, "\x00\xFF", 2);
    assert_int_equal(enc(s, &v), 0);
    assert_int_equal(g_out.len, 2);
    assert_int_equal(decn(s, g_out.buf, 2), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_BYTES);
    assert_memory_equal(g_vals[0].u.s, "\x00\xFF", 2);
    eddy_serde_destroy(s);
}

static void test_kafka_wrong_sizes_are_corrupt_with_kafkas_words(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", false, -1, NULL, 1, "V", T(INT));
    assert_int_equal(decn(s, "\x01\x02\x03", 3), EDDY_CORRUPT);
    assert_string_equal(g_err.msg, "Size of data received by IntegerDeserializer is not 4");
    eddy_serde_destroy(s);
    s = mk("KAFKA", false, -1, NULL, 1, "V", T(BIGINT));
    assert_int_equal(decn(s, "\x01", 1), EDDY_CORRUPT);
    assert_string_equal(g_err.msg, "Size of data received by LongDeserializer is not 8");
    eddy_serde_destroy(s);
    s = mk("KAFKA", false, -1, NULL, 1, "V", T(DOUBLE));
    assert_int_equal(decn(s, "", 0), EDDY_CORRUPT);
    assert_string_equal(g_err.msg, "Size of data received by Deserializer is not 8");
    eddy_serde_destroy(s);
}

static void test_kafka_null_column_is_a_null_record(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", false, -1, NULL, 1, "V", T(STRING));
    eddy_value v = eddy_value_null();
    assert_int_equal(enc(s, &v), 0);
    assert_true(g_null);
    assert_int_equal(eddy_serde_decode_ex(s, NULL, 0, 0, g_vals, &g_null, g_arena, &g_err), 0);
    assert_true(g_null);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_NULL);
    eddy_serde_destroy(s);
}

static void test_kafka_several_columns_are_rejected(void **state) {
    (void)state;
    assert_null(mk("KAFKA", false, -1, NULL, 2, "A", T(INT), "B", T(STRING)));
    assert_string_equal(g_err.msg, "The 'KAFKA' format only supports a single field. Got: [`A` INTEGER, `B` STRING]");
}

static void test_kafka_unsupported_types_are_rejected(void **state) {
    (void)state;
    assert_null(mk("KAFKA", false, -1, NULL, 1, "A", T(BOOLEAN)));
    assert_err_contains("The 'KAFKA' format does not support type 'BOOLEAN'");
    assert_null(mk("KAFKA", false, -1, NULL, 1, "A", eddy_type_array(T(INT))));
    assert_err_contains("The 'KAFKA' format does not support type 'ARRAY'");
}

static void test_kafka_wrap_single_value_true_is_rejected(void **state) {
    (void)state;
    assert_null(mk("KAFKA", false, 1, NULL, 1, "FOO", T(INT)));
    assert_string_equal(g_err.msg, "Format 'KAFKA' does not support 'WRAP_SINGLE_VALUE' set to 'true'.");
    eddy_serde *s = mk("KAFKA", false, 0, NULL, 1, "FOO", T(INT));
    assert_non_null(s);
    eddy_serde_destroy(s);
}

static void test_kafka_borrow_points_into_the_input(void **state) {
    (void)state;
    eddy_serde *s = mk("KAFKA", false, -1, NULL, 1, "V", T(STRING));
    const char *data = "hello";
    assert_int_equal(eddy_serde_decode_ex(s, data, 5, EDDY_SERDE_BORROW, g_vals, NULL, g_arena, &g_err), 0);
    assert_ptr_equal(g_vals[0].u.s, data);
    eddy_serde_destroy(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kafka_int_is_four_bytes_big_endian, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kafka_bigint_is_eight_bytes_big_endian, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kafka_double_is_ieee_bits_big_endian, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kafka_string_is_utf8_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kafka_string_with_invalid_utf8_gets_replacement_characters, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_kafka_bytes_are_raw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kafka_wrong_sizes_are_corrupt_with_kafkas_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kafka_null_column_is_a_null_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kafka_several_columns_are_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kafka_unsupported_types_are_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kafka_wrap_single_value_true_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kafka_borrow_points_into_the_input, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
