/* test_embedded_record.c - the embedded log's key, record value and batch encodings:
 * order of keys, round trips, and rejection of damaged values and batches. */
#include "connectors/embedded/embedded_record.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void test_keys_sort_by_partition_then_offset(void **state) {
    (void)state;
    static const struct { int32_t p; int64_t off; } order[] = {
        {0, 0}, {0, 1}, {0, 255}, {0, 256}, {0, 1LL << 32}, {0, INT64_MAX},
        {1, 0}, {1, 7}, {255, 0}, {256, 0}, {INT32_MAX, 0},
    };
    size_t n = sizeof order / sizeof order[0];
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned char a[EDDY_EMB_KEY_LEN], b[EDDY_EMB_KEY_LEN];
        eddy_emb_key_encode(a, order[i].p, order[i].off);
        eddy_emb_key_encode(b, order[i + 1].p, order[i + 1].off);
        assert_true(memcmp(a, b, EDDY_EMB_KEY_LEN) < 0);
    }
}

static void test_key_round_trips(void **state) {
    (void)state;
    unsigned char k[EDDY_EMB_KEY_LEN];
    eddy_emb_key_encode(k, 70000, 1234567890123LL);
    int32_t p;
    int64_t off;
    assert_int_equal(eddy_emb_key_decode(k, sizeof k, &p, &off), 0);
    assert_int_equal(p, 70000);
    assert_int_equal(off, 1234567890123LL);
    assert_int_equal(eddy_emb_key_decode(k, 11, &p, &off), EDDY_CORRUPT);
}

static unsigned char *encode(const eddy_log_record *r, int64_t ts, size_t *n) {
    *n = eddy_emb_value_size(r);
    unsigned char *buf = malloc(*n);
    assert_non_null(buf);
    assert_int_equal(eddy_emb_value_encode(r, ts, buf), *n);
    return buf;
}

static eddy_log_record sample(eddy_log_header *hs) {
    hs[0] = (eddy_log_header){"a", "1", 1};
    hs[1] = (eddy_log_header){"n", NULL, 0};
    hs[2] = (eddy_log_header){"", "", 0};
    return (eddy_log_record){.key = "key", .key_len = 3, .value = "val\0ue", .value_len = 6,
                             .headers = hs, .header_count = 3};
}

static void test_value_round_trips_every_field(void **state) {
    (void)state;
    eddy_log_header hs[3], got_h[3];
    eddy_log_record r = sample(hs), got;
    size_t n;
    unsigned char *buf = encode(&r, -5, &n);
    assert_int_equal(eddy_emb_value_decode(buf, n, &got, got_h, NULL), 0);
    assert_int_equal(got.timestamp, -5);
    assert_int_equal(got.key_len, 3);
    assert_memory_equal(got.key, "key", 3);
    assert_int_equal(got.value_len, 6);
    assert_memory_equal(got.value, "val\0ue", 6);
    assert_int_equal(got.header_count, 3);
    assert_ptr_equal(got.headers, got_h);
    assert_string_equal(got_h[0].name, "a");
    assert_memory_equal(got_h[0].value, "1", 1);
    assert_string_equal(got_h[1].name, "n");
    assert_null(got_h[1].value);
    assert_string_equal(got_h[2].name, "");
    assert_non_null(got_h[2].value);
    int64_t ts;
    assert_int_equal(eddy_emb_value_timestamp(buf, n, &ts), 0);
    assert_int_equal(ts, -5);
    free(buf);
}

static void test_value_with_null_key_and_value_round_trips(void **state) {
    (void)state;
    eddy_log_record r = {0}, got;
    size_t n;
    unsigned char *buf = encode(&r, 9, &n);
    assert_int_equal(n, 1 + 8 + 1 + 1 + 1);
    assert_int_equal(eddy_emb_value_decode(buf, n, &got, NULL, NULL), 0);
    assert_null(got.key);
    assert_null(got.value);
    assert_int_equal(got.header_count, 0);
    assert_null(got.headers);
    free(buf);
}

static void test_decode_without_header_array_only_counts(void **state) {
    (void)state;
    eddy_log_header hs[3];
    eddy_log_record r = sample(hs), got;
    size_t n;
    unsigned char *buf = encode(&r, 1, &n);
    assert_int_equal(eddy_emb_value_decode(buf, n, &got, NULL, NULL), 0);
    assert_int_equal(got.header_count, 3);
    assert_null(got.headers);
    free(buf);
}

static void test_every_truncated_value_is_corrupt(void **state) {
    (void)state;
    eddy_log_header hs[3], got_h[3];
    eddy_log_record r = sample(hs), got;
    size_t n;
    unsigned char *buf = encode(&r, 1, &n);
    for (size_t len = 0; len < n; len++) {
        eddy_err err;
        unsigned char *copy = malloc(len ? len : 1); /* so ASan sees over-reads */
        memcpy(copy, buf, len);
        if (eddy_emb_value_decode(copy, len, &got, got_h, &err) != EDDY_CORRUPT)
            fail_msg("a value cut to %zu of %zu bytes decoded", len, n);
        free(copy);
    }
    free(buf);
}

static void test_damaged_values_are_corrupt(void **state) {
    (void)state;
    eddy_log_record r = {.key = "k", .key_len = 1, .value = "v", .value_len = 1}, got;
    size_t n;
    unsigned char *buf = encode(&r, 1, &n);
    eddy_err err;

    buf[0] = 2; /* unknown version */
    assert_int_equal(eddy_emb_value_decode(buf, n, &got, NULL, &err), EDDY_CORRUPT);
    buf[0] = EDDY_EMB_VALUE_VERSION;
    buf[11] = 'x'; /* the NUL after the key */
    assert_int_equal(eddy_emb_value_decode(buf, n, &got, NULL, &err), EDDY_CORRUPT);
    buf[11] = 0;
    buf[n - 1] = 0x7f; /* an absurd header count */
    assert_int_equal(eddy_emb_value_decode(buf, n, &got, NULL, &err), EDDY_CORRUPT);
    buf[n - 1] = 0;
    assert_int_equal(eddy_emb_value_decode(buf, n, &got, NULL, &err), 0);

    unsigned char longer[64];
    memcpy(longer, buf, n);
    longer[n] = 0; /* trailing garbage */
    assert_int_equal(eddy_emb_value_decode(longer, n + 1, &got, NULL, &err), EDDY_CORRUPT);

    /* A 64-bit length that would wrap when 1 is added or subtracted. */
    unsigned char wrap[32] = {EDDY_EMB_VALUE_VERSION, 0, 0, 0, 0, 0, 0, 0, 0};
    memset(wrap + 9, 0xff, 9);
    wrap[18] = 0x01;
    assert_int_equal(eddy_emb_value_decode(wrap, 19, &got, NULL, &err), EDDY_CORRUPT);
    free(buf);
}

/* A batch of the records in rs: header and frames in a new buffer. */
static unsigned char *encode_batch(const eddy_log_record *rs, size_t count, size_t *n) {
    size_t cap = EDDY_EMB_BATCH_HEADER_MAX;
    for (size_t i = 0; i < count; i++) cap += eddy_emb_frame_size(&rs[i]);
    unsigned char *buf = malloc(cap);
    assert_non_null(buf);
    *n = eddy_emb_batch_header(buf, count);
    for (size_t i = 0; i < count; i++) {
        size_t f = eddy_emb_frame_encode(&rs[i], (int64_t)i + 10, buf + *n);
        assert_int_equal(f, eddy_emb_frame_size(&rs[i]));
        *n += f;
    }
    return buf;
}

static void test_batch_round_trips_its_records_in_order(void **state) {
    (void)state;
    eddy_log_header hs[3], got_h[3];
    eddy_log_record rs[3] = {sample(hs), {.value = "v", .value_len = 1}, sample(hs)};
    rs[2].key = NULL;
    size_t n, pos, roff, rlen;
    uint64_t count;
    unsigned char *buf = encode_batch(rs, 3, &n);
    assert_int_equal(eddy_emb_batch_open(buf, n, &count, &pos), 0);
    assert_int_equal(count, 3);
    for (size_t i = 0; i < 3; i++) {
        eddy_log_record got;
        assert_int_equal(eddy_emb_batch_next(buf, n, &pos, &roff, &rlen), 0);
        assert_int_equal(eddy_emb_value_decode(buf + roff, rlen, &got, got_h, NULL), 0);
        assert_int_equal(got.timestamp, (int64_t)i + 10);
        assert_int_equal(got.header_count, rs[i].header_count);
        assert_int_equal(got.key == NULL, rs[i].key == NULL);
        assert_int_equal(got.value_len, rs[i].value_len);
    }
    assert_int_equal(pos, n);
    free(buf);
}

static void test_batch_of_many_records_has_a_multi_byte_count(void **state) {
    (void)state;
    enum { N = 300 };
    eddy_log_record *rs = calloc(N, sizeof *rs);
    assert_non_null(rs);
    size_t n, pos, roff, rlen;
    uint64_t count;
    unsigned char *buf = encode_batch(rs, N, &n);
    assert_int_equal(eddy_emb_batch_open(buf, n, &count, &pos), 0);
    assert_int_equal(count, N);
    assert_int_equal(pos, 3); /* version and a two-byte varint */
    for (size_t i = 0; i < N; i++)
        assert_int_equal(eddy_emb_batch_next(buf, n, &pos, &roff, &rlen), 0);
    assert_int_equal(pos, n);
    free(buf);
    free(rs);
}

static void test_damaged_batch_headers_are_corrupt(void **state) {
    (void)state;
    eddy_log_record rs[2] = {{.value = "a", .value_len = 1}, {.value = "b", .value_len = 1}};
    size_t n, pos;
    uint64_t count;
    unsigned char *buf = encode_batch(rs, 2, &n);
    assert_int_equal(eddy_emb_batch_open(buf, 0, &count, &pos), EDDY_CORRUPT);
    buf[0] = EDDY_EMB_VALUE_VERSION; /* a record value, not a batch */
    assert_int_equal(eddy_emb_batch_open(buf, n, &count, &pos), EDDY_CORRUPT);
    buf[0] = EDDY_EMB_BATCH_VERSION;
    buf[1] = 0; /* no records */
    assert_int_equal(eddy_emb_batch_open(buf, n, &count, &pos), EDDY_CORRUPT);
    buf[1] = 100; /* more records than the bytes can hold */
    assert_int_equal(eddy_emb_batch_open(buf, n, &count, &pos), EDDY_CORRUPT);
    buf[1] = 2;
    assert_int_equal(eddy_emb_batch_open(buf, n, &count, &pos), 0);
    free(buf);
}

static void test_truncated_batch_frames_are_corrupt(void **state) {
    (void)state;
    eddy_log_record rs[2] = {{.value = "a", .value_len = 1}, {.value = "bb", .value_len = 2}};
    size_t n;
    unsigned char *buf = encode_batch(rs, 2, &n);
    for (size_t len = 2; len < n; len++) {
        unsigned char *copy = malloc(len); /* so ASan sees over-reads */
        memcpy(copy, buf, len);
        size_t pos = 2, roff, rlen;
        int rc = eddy_emb_batch_next(copy, len, &pos, &roff, &rlen);
        if (rc == 0) rc = eddy_emb_batch_next(copy, len, &pos, &roff, &rlen);
        if (rc != EDDY_CORRUPT) fail_msg("a batch cut to %zu of %zu bytes decoded", len, n);
        free(copy);
    }
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_sort_by_partition_then_offset),
        cmocka_unit_test(test_key_round_trips),
        cmocka_unit_test(test_value_round_trips_every_field),
        cmocka_unit_test(test_value_with_null_key_and_value_round_trips),
        cmocka_unit_test(test_decode_without_header_array_only_counts),
        cmocka_unit_test(test_every_truncated_value_is_corrupt),
        cmocka_unit_test(test_damaged_values_are_corrupt),
        cmocka_unit_test(test_batch_round_trips_its_records_in_order),
        cmocka_unit_test(test_batch_of_many_records_has_a_multi_byte_count),
        cmocka_unit_test(test_damaged_batch_headers_are_corrupt),
        cmocka_unit_test(test_truncated_batch_frames_are_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
