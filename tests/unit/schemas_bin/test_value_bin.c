/* test_value_bin.c - the binary value encoding: round trips of every kind, varints, truncated and corrupt input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "schemas/value_bin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static eddy_arena *g_arena;
static eddy_strbuf g_out;
static eddy_err g_err;

static int setup(void **state) {
    (void)state;
    g_arena = eddy_arena_new();
    eddy_strbuf_init(&g_out);
    eddy_err_clear(&g_err);
    return g_arena ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    eddy_arena_destroy(g_arena);
    eddy_strbuf_fini(&g_out);
    return 0;
}

static eddy_value str(const char *s) { return eddy_value_str(EDDY_V_STRING, s, strlen(s)); }

/* Encodes the n values, decodes them back (copying, then borrowing) and checks
 * each equals its original, with the same scale for decimals, and that the
 * whole encoding was consumed. */
static void round_trip(const eddy_value *vals, int n) {
    eddy_strbuf_reset(&g_out);
    assert_int_equal(eddy_value_bin_encode(vals, n, &g_out), 0);
    for (int borrow = 0; borrow < 2; borrow++) {
        eddy_value back[8];
        assert_true(n <= 8);
        size_t used = 0;
        int rc = eddy_value_bin_decode(g_out.buf, g_out.len, back, n, g_arena, borrow, &used, &g_err);
        assert_int_equal(rc, 0);
        assert_int_equal(used, g_out.len);
        for (int i = 0; i < n; i++) {
            assert_int_equal(back[i].v_kind, vals[i].v_kind);
            assert_true(eddy_value_equal(&back[i], &vals[i]) || (vals[i].v_kind == EDDY_V_DOUBLE && isnan(vals[i].u.d)));
            if (vals[i].v_kind == EDDY_V_DECIMAL) assert_int_equal(back[i].v_scale, vals[i].v_scale);
        }
    }
}

static void round_trip1(eddy_value v) { round_trip(&v, 1); }

/* Decodes n values from the bytes; returns the code. */
static int decode_bytes(const void *b, size_t len, int n) {
    eddy_value vals[8];
    eddy_err_clear(&g_err);
    return eddy_value_bin_decode(b, len, vals, n, g_arena, false, NULL, &g_err);
}

/* ---- round trips ----------------------------------------------------------------- */

static void test_null_and_bool_round_trip(void **state) {
    (void)state;
    eddy_value v[3] = {eddy_value_null(), eddy_value_bool(true), eddy_value_bool(false)};
    round_trip(v, 3);
}

static void test_null_is_one_byte(void **state) {
    (void)state;
    eddy_value v = eddy_value_null();
    eddy_strbuf_reset(&g_out);
    assert_int_equal(eddy_value_bin_encode(&v, 1, &g_out), 0);
    assert_int_equal(g_out.len, 1);
}

static void test_int_extremes_round_trip(void **state) {
    (void)state;
    round_trip1(eddy_value_int(0));
    round_trip1(eddy_value_int(-1));
    round_trip1(eddy_value_int(INT32_MIN));
    round_trip1(eddy_value_int(INT32_MAX));
}

static void test_bigint_extremes_round_trip(void **state) {
    (void)state;
    round_trip1(eddy_value_bigint(INT64_MIN));
    round_trip1(eddy_value_bigint(INT64_MAX));
    round_trip1(eddy_value_bigint(-1234567890123LL));
    round_trip1(eddy_value_bigint(1LL << 62));
}

static void test_small_ints_encode_in_two_bytes(void **state) {
    (void)state;
    eddy_value v[2] = {eddy_value_bigint(-64), eddy_value_bigint(63)};
    eddy_strbuf_reset(&g_out);
    assert_int_equal(eddy_value_bin_encode(v, 2, &g_out), 0);
    assert_int_equal(g_out.len, 4);
}

static void test_time_kinds_round_trip(void **state) {
    (void)state;
    eddy_value v[3] = {eddy_value_i64(EDDY_V_DATE, -719162), eddy_value_i64(EDDY_V_TIME, 86399999),
                       eddy_value_i64(EDDY_V_TIMESTAMP, 1700000000123LL)};
    round_trip(v, 3);
}

static void test_doubles_round_trip_bit_exact(void **state) {
    (void)state;
    eddy_value v[6] = {eddy_value_double(0.1),      eddy_value_double(-0.0),      eddy_value_double(INFINITY),
                       eddy_value_double(-1e308),   eddy_value_double(5e-324),    eddy_value_double(NAN)};
    round_trip(v, 6);
    eddy_value back;
    eddy_strbuf_reset(&g_out);
    assert_int_equal(eddy_value_bin_encode(&v[1], 1, &g_out), 0);
    assert_int_equal(eddy_value_bin_decode(g_out.buf, g_out.len, &back, 1, g_arena, false, NULL, &g_err), 0);
    assert_true(signbit(back.u.d));
}

static void test_decimals_round_trip_with_scale(void **state) {
    (void)state;
    eddy_int128 big = (eddy_int128)123456789012345678LL * 1000000000000000000LL + 987654321;
    eddy_value v[5] = {eddy_value_decimal(g_arena, 150, 2), eddy_value_decimal(g_arena, -150, 2),
                       eddy_value_decimal(g_arena, big, 16), eddy_value_decimal(g_arena, -big, 38),
                       eddy_value_decimal(g_arena, 0, 0)};
    round_trip(v, 5);
    /* 1.50 and 1.5 are equal values: check the scale survives separately. */
    eddy_value back;
    eddy_strbuf_reset(&g_out);
    assert_int_equal(eddy_value_bin_encode(&v[0], 1, &g_out), 0);
    assert_int_equal(eddy_value_bin_decode(g_out.buf, g_out.len, &back, 1, g_arena, true, NULL, &g_err), 0);
    assert_int_equal(back.v_scale, 2);
    assert_true(*back.u.dec == 150);
}

static void test_strings_and_bytes_round_trip_including_empty(void **state) {
    (void)state;
    char big[1000];
    memset(big, 'x', sizeof big);
    eddy_value v[5] = {str(""), str("héllo"), eddy_value_str(EDDY_V_BYTES, "\0\1\2", 3),
                       eddy_value_str(EDDY_V_BYTES, "", 0), eddy_value_str(EDDY_V_STRING, big, sizeof big)};
    round_trip(v, 5);
}

static void test_borrowed_strings_point_into_the_buffer(void **state) {
    (void)state;
    eddy_value v = str("abc"), back;
    eddy_strbuf_reset(&g_out);
    assert_int_equal(eddy_value_bin_encode(&v, 1, &g_out), 0);
    assert_int_equal(eddy_value_bin_decode(g_out.buf, g_out.len, &back, 1, g_arena, true, NULL, &g_err), 0);
    assert_ptr_equal(back.u.s, g_out.buf + 2);
    assert_int_equal(eddy_value_bin_decode(g_out.buf, g_out.len, &back, 1, g_arena, false, NULL, &g_err), 0);
    assert_true(back.u.s < g_out.buf || back.u.s >= g_out.buf + g_out.len);
}

static void test_nested_containers_with_nulls_round_trip(void **state) {
    (void)state;
    /* STRUCT<A ARRAY<INT>, B MAP<STRING, ARRAY<DECIMAL>>, C STRING> with NULLs inside */
    eddy_value arr = eddy_value_container(g_arena, EDDY_V_ARRAY, 3);
    arr.u.items[0] = eddy_value_int(1);
    arr.u.items[1] = eddy_value_null();
    arr.u.items[2] = eddy_value_int(-3);
    eddy_value inner = eddy_value_container(g_arena, EDDY_V_ARRAY, 2);
    inner.u.items[0] = eddy_value_decimal(g_arena, -12345, 3);
    inner.u.items[1] = eddy_value_null();
    eddy_value map = eddy_value_container(g_arena, EDDY_V_MAP, 3);
    map.u.items[0] = str("k1");
    map.u.items[1] = inner;
    map.u.items[2] = str("");
    map.u.items[3] = eddy_value_null();
    map.u.items[4] = str("k3");
    map.u.items[5] = eddy_value_container(g_arena, EDDY_V_ARRAY, 0);
    eddy_value st = eddy_value_container(g_arena, EDDY_V_STRUCT, 3);
    st.u.items[0] = arr;
    st.u.items[1] = map;
    st.u.items[2] = eddy_value_null();
    eddy_value v[3] = {st, eddy_value_container(g_arena, EDDY_V_MAP, 0),
                       eddy_value_container(g_arena, EDDY_V_STRUCT, 0)};
    round_trip(v, 3);
}

static void test_decode_reports_bytes_used_and_leaves_the_rest(void **state) {
    (void)state;
    eddy_value v[2] = {eddy_value_bigint(300), str("tail")};
    eddy_strbuf_reset(&g_out);
    assert_int_equal(eddy_value_bin_encode(v, 2, &g_out), 0);
    eddy_value back;
    size_t used = 0;
    assert_int_equal(eddy_value_bin_decode(g_out.buf, g_out.len, &back, 1, g_arena, false, &used, &g_err), 0);
    assert_int_equal(used, 3); /* kind + 2-byte varint of 600 */
    assert_int_equal(back.u.i, 300);
}

static void test_decode_of_zero_values_from_nothing_succeeds(void **state) {
    (void)state;
    size_t used = 99;
    assert_int_equal(eddy_value_bin_decode(NULL, 0, NULL, 0, g_arena, false, &used, &g_err), 0);
    assert_int_equal(used, 0);
}

/* ---- varints --------------------------------------------------------------------- */

static void test_varint_round_trips_edges(void **state) {
    (void)state;
    uint64_t cases[] = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, (uint64_t)INT64_MAX, UINT64_MAX};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        eddy_strbuf_reset(&g_out);
        eddy_varint_put(&g_out, cases[i]);
        const unsigned char *p = (const unsigned char *)g_out.buf, *end = p + g_out.len;
        uint64_t v = 0;
        assert_true(eddy_varint_get(&p, end, &v));
        assert_true(v == cases[i]);
        assert_ptr_equal(p, end);
    }
}

static void test_varint_truncated_or_too_long_is_rejected(void **state) {
    (void)state;
    const unsigned char trunc[] = {0x80, 0x80};
    const unsigned char *p = trunc;
    uint64_t v;
    assert_false(eddy_varint_get(&p, trunc + 2, &v));
    assert_ptr_equal(p, trunc);
    const unsigned char too_long[11] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    p = too_long;
    assert_false(eddy_varint_get(&p, too_long + 11, &v));
    const unsigned char over[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    p = over;
    assert_false(eddy_varint_get(&p, over + 10, &v));
}

/* ---- corrupt input --------------------------------------------------------------- */

static void test_every_truncation_of_a_nested_value_is_corrupt(void **state) {
    (void)state;
    eddy_value arr = eddy_value_container(g_arena, EDDY_V_ARRAY, 4);
    arr.u.items[0] = str("some text");
    arr.u.items[1] = eddy_value_decimal(g_arena, -5, 1);
    arr.u.items[2] = eddy_value_double(2.5);
    arr.u.items[3] = eddy_value_bigint(-99999999999LL);
    eddy_value m = eddy_value_container(g_arena, EDDY_V_MAP, 1);
    m.u.items[0] = str("k");
    m.u.items[1] = arr;
    eddy_strbuf_reset(&g_out);
    assert_int_equal(eddy_value_bin_encode(&m, 1, &g_out), 0);
    for (size_t len = 0; len < g_out.len; len++) {
        /* A heap copy of exactly len bytes so ASan sees any read past the end. */
        unsigned char *b = malloc(len ? len : 1);
        memcpy(b, g_out.buf, len);
        assert_int_equal(decode_bytes(b, len, 1), EDDY_CORRUPT);
        free(b);
    }
    assert_int_equal(decode_bytes(g_out.buf, g_out.len, 1), 0);
}

static void test_unknown_kind_is_corrupt(void **state) {
    (void)state;
    const unsigned char b[] = {99};
    assert_int_equal(decode_bytes(b, 1, 1), EDDY_CORRUPT);
    assert_int_equal(g_err.code, EDDY_CORRUPT);
    assert_non_null(strstr(g_err.msg, "kind"));
}

static void test_out_of_range_scalars_are_corrupt(void **state) {
    (void)state;
    const unsigned char bool2[] = {EDDY_V_BOOL, 4};                        /* zig-zag 2 */
    const unsigned char int_big[] = {EDDY_V_INT, 0x80, 0x80, 0x80, 0x80, 0x10}; /* 2^32 -> 2^31 */
    const unsigned char scale_big[] = {EDDY_V_DECIMAL, 0x80, 0x80, 0x04};       /* zig-zag 65536 */
    assert_int_equal(decode_bytes(bool2, sizeof bool2, 1), EDDY_CORRUPT);
    assert_int_equal(decode_bytes(int_big, sizeof int_big, 1), EDDY_CORRUPT);
    assert_int_equal(decode_bytes(scale_big, sizeof scale_big, 1), EDDY_CORRUPT);
}

static void test_huge_lengths_and_counts_are_corrupt_without_allocating(void **state) {
    (void)state;
    const unsigned char s[] = {EDDY_V_STRING, 0xff, 0xff, 0xff, 0xff, 0x0f, 'a'};
    const unsigned char a[] = {EDDY_V_ARRAY, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0};
    const unsigned char m[] = {EDDY_V_MAP, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0};
    const unsigned char m2[] = {EDDY_V_MAP, 2, 0, 0, 0}; /* 2 entries need 4 values */
    assert_int_equal(decode_bytes(s, sizeof s, 1), EDDY_CORRUPT);
    assert_int_equal(decode_bytes(a, sizeof a, 1), EDDY_CORRUPT);
    assert_int_equal(decode_bytes(m, sizeof m, 1), EDDY_CORRUPT);
    assert_int_equal(decode_bytes(m2, sizeof m2, 1), EDDY_CORRUPT);
}

static void test_deep_nesting_is_corrupt_not_a_stack_overflow(void **state) {
    (void)state;
    size_t depth = 100000;
    unsigned char *b = malloc(2 * depth + 1);
    for (size_t i = 0; i < depth; i++) {
        b[2 * i] = EDDY_V_ARRAY;
        b[2 * i + 1] = 1;
    }
    b[2 * depth] = EDDY_V_NULL;
    assert_int_equal(decode_bytes(b, 2 * depth + 1, 1), EDDY_CORRUPT);
    free(b);
}

static void test_more_values_asked_than_encoded_is_corrupt(void **state) {
    (void)state;
    eddy_value v = eddy_value_int(7);
    eddy_strbuf_reset(&g_out);
    assert_int_equal(eddy_value_bin_encode(&v, 1, &g_out), 0);
    assert_int_equal(decode_bytes(g_out.buf, g_out.len, 2), EDDY_CORRUPT);
}

static void test_random_bytes_never_crash(void **state) {
    (void)state;
    uint64_t x = 88172645463325252ULL;
    for (int round = 0; round < 20000; round++) {
        unsigned char b[24];
        size_t len = 1 + (size_t)(round % 24);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            b[i] = (unsigned char)(i == 0 ? x % 16 : (x & 1) ? x % 4 : x >> 56);
        }
        int rc = decode_bytes(b, len, 2);
        assert_true(rc == 0 || rc == EDDY_CORRUPT);
        if (round % 1000 == 0) eddy_arena_reset(g_arena);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T_(test_null_and_bool_round_trip),
        T_(test_null_is_one_byte),
        T_(test_int_extremes_round_trip),
        T_(test_bigint_extremes_round_trip),
        T_(test_small_ints_encode_in_two_bytes),
        T_(test_time_kinds_round_trip),
        T_(test_doubles_round_trip_bit_exact),
        T_(test_decimals_round_trip_with_scale),
        T_(test_strings_and_bytes_round_trip_including_empty),
        T_(test_borrowed_strings_point_into_the_buffer),
        T_(test_nested_containers_with_nulls_round_trip),
        T_(test_decode_reports_bytes_used_and_leaves_the_rest),
        T_(test_decode_of_zero_values_from_nothing_succeeds),
        T_(test_varint_round_trips_edges),
        T_(test_varint_truncated_or_too_long_is_rejected),
        T_(test_every_truncation_of_a_nested_value_is_corrupt),
        T_(test_unknown_kind_is_corrupt),
        T_(test_out_of_range_scalars_are_corrupt),
        T_(test_huge_lengths_and_counts_are_corrupt_without_allocating),
        T_(test_deep_nesting_is_corrupt_not_a_stack_overflow),
        T_(test_more_values_asked_than_encoded_is_corrupt),
        T_(test_random_bytes_never_crash),
#undef T_
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
