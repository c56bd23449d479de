/* test_expr_value.c - value-level helpers of the expression runtime: Java text, DECIMAL arithmetic, casts, times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "engine/expr_int.h"

static const char *jd(double d) {
    static char buf[64];
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_java_double(d, &sb);
    snprintf(buf, sizeof buf, "%s", eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return buf;
}

static void test_java_double_keeps_a_fraction_digit(void **s) { assert_string_equal(jd(1.0), "1.0"); }

static void test_java_double_is_the_shortest_round_trip(void **s) {
    assert_string_equal(jd(0.1), "0.1");
    assert_string_equal(jd(13.21), "13.21");
    assert_string_equal(jd(0.36787944117144233), "0.36787944117144233");
}

static void test_java_double_uses_scientific_notation_outside_1e_3_to_1e7(void **s) {
    assert_string_equal(jd(1e7), "1.0E7");
    assert_string_equal(jd(1234567.0), "1234567.0");
    assert_string_equal(jd(0.001), "0.001");
    assert_string_equal(jd(0.0001), "1.0E-4");
    assert_string_equal(jd(-1.5e-10), "-1.5E-10");
    assert_string_equal(jd(1946195068359375.0), "1.946195068359375E15");
}

static void test_java_double_special_values(void **s) {
    assert_string_equal(jd(NAN), "NaN");
    assert_string_equal(jd(-INFINITY), "-Infinity");
    assert_string_equal(jd(-0.0), "-0.0");
}

static const char *dec(eddy_int128 v, int scale) {
    static char buf[64];
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_decimal_plain(v, scale, &sb);
    snprintf(buf, sizeof buf, "%s", eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return buf;
}

static void test_decimal_plain_text(void **s) {
    assert_string_equal(dec(1234, 2), "12.34");
    assert_string_equal(dec(-5, 3), "-0.005");
    assert_string_equal(dec(0, 2), "0.00");
    assert_string_equal(dec(7, 0), "7");
}

static void test_decimal_parse_reads_scale_and_exponent(void **s) {
    eddy_int128 u;
    int sc;
    assert_int_equal(eddy_decimal_parse("-12.300", 7, &u, &sc), 0);
    assert_true(u == -12300 && sc == 3);
    assert_int_equal(eddy_decimal_parse("1.5e2", 5, &u, &sc), 0);
    assert_true(u == 150 && sc == 0);
    assert_int_equal(eddy_decimal_parse("1.x", 3, &u, &sc), EDDY_INVAL);
}

static void test_decimal_rescale_rounds_half_up(void **s) {
    eddy_int128 r;
    assert_int_equal(eddy_decimal_rescale(125, 2, 1, &r), 0);
    assert_true(r == 13);
    assert_int_equal(eddy_decimal_rescale(-125, 2, 1, &r), 0);
    assert_true(r == -13);
    assert_int_equal(eddy_decimal_rescale(124, 2, 1, &r), 0);
    assert_true(r == 12);
}

static void test_decimal_division_needing_rounding_fails(void **s) {
    eddy_int128 r;
    const char *why = NULL;
    /* 1.0 / 8.0 = 0.125 needs scale 3, fits the result scale 6 */
    assert_int_equal(eddy_decimal_arith(EDDY_OP_DIV, 10, 1, 80, 1, 8, 6, &r, &why), 0);
    assert_true(r == 125000);
    /* 1 / 3 never terminates */
    assert_int_equal(eddy_decimal_arith(EDDY_OP_DIV, 1, 0, 3, 0, 8, 6, &r, &why), EDDY_INVAL);
}

static void test_decimal_division_by_zero_fails(void **s) {
    eddy_int128 r;
    const char *why = NULL;
    assert_int_equal(eddy_decimal_arith(EDDY_OP_DIV, 1, 0, 0, 0, 8, 6, &r, &why), EDDY_INVAL);
    assert_string_equal(why, "Division by zero");
}

static void test_decimal_compare_across_scales(void **s) {
    assert_int_equal(eddy_decimal_cmp(120, 2, 12, 1), 0);
    assert_int_equal(eddy_decimal_cmp(-1, 0, 1, 3), -1);
}

static const char *cast_text(const eddy_value *in, const char *from_kind, eddy_type *from, eddy_type *to) {
    static char buf[128];
    eddy_arena *a = eddy_arena_new();
    eddy_value out;
    const char *why = NULL;
    int rc = eddy_cast_value(in, from, to, a, &out, &why);
    if (rc) {
        snprintf(buf, sizeof buf, "ERR %d", rc);
    } else {
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        eddy_java_value(&out, to, &sb);
        snprintf(buf, sizeof buf, "%s", eddy_strbuf_cstr(&sb));
        eddy_strbuf_fini(&sb);
    }
    eddy_arena_destroy(a);
    (void)from_kind;
    return buf;
}

static void test_cast_double_to_decimal_rounds_to_precision_first(void **s) {
    eddy_value v = eddy_value_double(0.05);
    eddy_type *d = eddy_type_decimal(2, 1);
    assert_string_equal(cast_text(&v, "DOUBLE", eddy_type_primitive(EDDY_TYPE_DOUBLE), d), "0.1");
    eddy_type_unref(d);
}

static void test_cast_string_to_bigint_rejects_fractions(void **s) {
    eddy_value v = eddy_value_str(EDDY_V_STRING, "1.5", 3);
    assert_string_equal(cast_text(&v, "", eddy_type_primitive(EDDY_TYPE_STRING), eddy_type_primitive(EDDY_TYPE_BIGINT)),
                        "ERR -2");
}

static void test_cast_string_to_boolean(void **s) {
    eddy_value yes = eddy_value_str(EDDY_V_STRING, "Yes", 3), no = eddy_value_str(EDDY_V_STRING, "nope", 4);
    eddy_type *st = eddy_type_primitive(EDDY_TYPE_STRING), *bt = eddy_type_primitive(EDDY_TYPE_BOOLEAN);
    assert_string_equal(cast_text(&yes, "", st, bt), "true");
    assert_string_equal(cast_text(&no, "", st, bt), "false");
}

static void test_cast_double_nan_to_int_is_zero(void **s) {
    eddy_value v = eddy_value_double(NAN);
    assert_string_equal(cast_text(&v, "", eddy_type_primitive(EDDY_TYPE_DOUBLE), eddy_type_primitive(EDDY_TYPE_INT)), "0");
}

static void test_timestamp_text_round_trips(void **s) {
    int64_t ms;
    assert_int_equal(eddy_parse_timestamp("2022-04-28T21:44:47.943", 23, &ms), 0);
    assert_int_equal(ms, 1651182287943LL);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_format_timestamp(ms, &sb);
    assert_string_equal(eddy_strbuf_cstr(&sb), "2022-04-28T21:44:47.943");
    eddy_strbuf_fini(&sb);
}

static void test_timestamp_with_offset(void **s) {
    int64_t ms;
    assert_int_equal(eddy_parse_timestamp("2022-04-28T23:44:47.943+02:00", 29, &ms), 0);
    assert_int_equal(ms, 1651182287943LL);
}

static void test_dates_before_the_epoch(void **s) {
    int64_t days;
    assert_int_equal(eddy_parse_date("1969-12-31", 10, &days), 0);
    assert_int_equal(days, -1);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_format_date(-719162, &sb);
    assert_string_equal(eddy_strbuf_cstr(&sb), "0001-01-01");
    eddy_strbuf_fini(&sb);
}

static void test_time_text_is_java_local_time(void **s) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_format_time(3723456, &sb);
    assert_string_equal(eddy_strbuf_cstr(&sb), "01:02:03");
    eddy_strbuf_reset(&sb);
    eddy_format_time(3720000, &sb);
    assert_string_equal(eddy_strbuf_cstr(&sb), "01:02");
    eddy_strbuf_fini(&sb);
}

static void test_partial_timestamp_text_is_completed(void **s) {
    int64_t ms;
    assert_int_equal(eddy_parse_timestamp("2022-04", 7, &ms), 0);
    assert_int_equal(ms, 1648771200000LL);
    assert_int_equal(eddy_parse_timestamp("2022-04-28T21", 13, &ms), 0);
    assert_int_equal(ms, 1651179600000LL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_java_double_keeps_a_fraction_digit),
        cmocka_unit_test(test_java_double_is_the_shortest_round_trip),
        cmocka_unit_test(test_java_double_uses_scientific_notation_outside_1e_3_to_1e7),
        cmocka_unit_test(test_java_double_special_values),
        cmocka_unit_test(test_decimal_plain_text),
        cmocka_unit_test(test_decimal_parse_reads_scale_and_exponent),
        cmocka_unit_test(test_decimal_rescale_rounds_half_up),
        cmocka_unit_test(test_decimal_division_needing_rounding_fails),
        cmocka_unit_test(test_decimal_division_by_zero_fails),
        cmocka_unit_test(test_decimal_compare_across_scales),
        cmocka_unit_test(test_cast_double_to_decimal_rounds_to_precision_first),
        cmocka_unit_test(test_cast_string_to_bigint_rejects_fractions),
        cmocka_unit_test(test_cast_string_to_boolean),
        cmocka_unit_test(test_cast_double_nan_to_int_is_zero),
        cmocka_unit_test(test_timestamp_text_round_trips),
        cmocka_unit_test(test_timestamp_with_offset),
        cmocka_unit_test(test_dates_before_the_epoch),
        cmocka_unit_test(test_time_text_is_java_local_time),
        cmocka_unit_test(test_partial_timestamp_text_is_completed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
