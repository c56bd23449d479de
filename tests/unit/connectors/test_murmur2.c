/* test_murmur2.c - Kafka's murmur2 partitioner: known values of the Java client, and
 * agreement with librdkafka's murmur2 partitioner. */
#include "connectors/log.h"

#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

typedef struct known {
    const char *key;
    int32_t hash; /* Utils.murmur2(key.getBytes()) in the Java client */
} known;

/* From Kafka's UtilsTest (the first six) and values computed with the Java
 * implementation (the rest), covering every tail length. */
static const known known_values[] = {
    {"21", -973932308},
    {"foobar", -790332482},
    {"a-little-bit-long-string", -985981536},
    {"a-little-bit-longer-string", -1486304829},
    {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
    {"abc", 479470107},
    {"1", -1993445489},
    {"12", 126087238},
    {"123", -267702483},
    {"1234", -1614185708},
    {"12345", -1188365604},
};

static void test_murmur2_matches_java_client(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof known_values / sizeof known_values[0]; i++) {
        const known *k = &known_values[i];
        int32_t h = eddy_log_murmur2(k->key, strlen(k->key));
        if (h != k->hash) fail_msg("murmur2(\"%s\") = %d, want %d", k->key, h, k->hash);
    }
}

static void test_murmur2_of_empty_input(void **state) {
    (void)state;
    /* seed ^ 0, no blocks, no tail, then the final mix. */
    assert_int_equal(eddy_log_murmur2("", 0), 275646681);
}

/* toPositive(murmur2(key)) % n, worked out from the hashes above:
 * "21": -973932308 & 0x7fffffff = 1173551340; "abc": 479470107;
 * "12345": -1188365604 & 0x7fffffff = 959118044. */
static void test_partition_is_positive_hash_mod_partitions(void **state) {
    (void)state;
    assert_int_equal(eddy_log_partition_for_key("21", 2, 1), 0);
    assert_int_equal(eddy_log_partition_for_key("21", 2, 100), 1173551340 % 100);
    assert_int_equal(eddy_log_partition_for_key("21", 2, 7), 1173551340 % 7);
    assert_int_equal(eddy_log_partition_for_key("abc", 3, 6), 479470107 % 6);
    assert_int_equal(eddy_log_partition_for_key("abc", 3, 10), 7);
    assert_int_equal(eddy_log_partition_for_key("12345", 5, 3), 959118044 % 3);
    assert_int_equal(eddy_log_partition_for_key("12345", 5, 3), 2);
    assert_int_equal(eddy_log_partition_for_key("foobar", 6, 10), 6);
}

static void test_partition_of_negative_hash_drops_sign_bit_not_abs(void **state) {
    (void)state;
    /* Kafka uses x & 0x7fffffff, not abs(x): for "21" they differ mod 100
     * (abs gives 973932308 % 100 = 8). */
    assert_int_equal(eddy_log_partition_for_key("21", 2, 100), 40);
}

/* A small deterministic generator for the cross-check. */
static uint32_t next_rand(uint32_t *s) {
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void test_partition_agrees_with_librdkafka(void **state) {
    (void)state;
    unsigned char key[80];
    uint32_t seed = 42;
    static const int32_t counts[] = {1, 2, 3, 5, 8, 12, 64, 1000};
    for (size_t len = 0; len <= sizeof key; len++) {
        for (int round = 0; round < 4; round++) {
            for (size_t i = 0; i < len; i++) key[i] = (unsigned char)next_rand(&seed);
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
                int32_t want = rd_kafka_msg_partitioner_murmur2(NULL, key, len, counts[c],
                                                                NULL, NULL);
                int32_t got = eddy_log_partition_for_key(key, len, counts[c]);
                if (got != want)
                    fail_msg("len %zu, %d partitions: got %d, librdkafka %d", len,
                             (int)counts[c], (int)got, (int)want);
            }
        }
    }
}

/* An empty key is a key (Kafka hashes it); only a NULL key is spread round
 * robin (see test_embedded_log.c). */
static void test_empty_key_is_hashed(void **state) {
    (void)state;
    assert_int_equal(eddy_log_partition_for_key("", 0, 10), 275646681 % 10);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_murmur2_matches_java_client),
        cmocka_unit_test(test_murmur2_of_empty_input),
        cmocka_unit_test(test_partition_is_positive_hash_mod_partitions),
        cmocka_unit_test(test_partition_of_negative_hash_drops_sign_bit_not_abs),
        cmocka_unit_test(test_partition_agrees_with_librdkafka),
        cmocka_unit_test(test_empty_key_is_hashed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
