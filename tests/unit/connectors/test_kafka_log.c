/* test_kafka_log.c - what is particular to the Kafka backend of the log (the
 * shared contract is in test_log_contract.c): opening and its config, what it
 * does not support, describe on the mock cluster, one transaction per log.
 * Runs against librdkafka's mock cluster on loopback.
 */
#include "connectors/log.h"
#include "connectors/kafka/kafka_log.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

typedef struct fixture {
    rd_kafka_t *rk; /* owns the mock cluster */
    rd_kafka_mock_cluster_t *mock;
    eddy_log *log;
    eddy_err err;
} fixture;

static const char *const quiet[] = {"log_level", "3", NULL};

static int fx_setup(void **state) {
    char errstr[256];
    fixture *f = calloc(1, sizeof *f);
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (!f || !c) return -1;
    rd_kafka_conf_set(c, "log_level", "3", errstr, sizeof errstr);
    if (!(f->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr))) return -1;
    if (!(f->mock = rd_kafka_mock_cluster_new(f->rk, 3))) return -1;
    if (eddy_log_open_kafka_mock(f->mock, quiet, &f->log, &f->err)) {
        fprintf(stderr, "open: %s\n", f->err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int fx_teardown(void **state) {
    fixture *f = *state;
    eddy_log_close(f->log);
    rd_kafka_mock_cluster_destroy(f->mock);
    rd_kafka_destroy(f->rk);
    free(f);
    return 0;
}

#define CHECK(f, call)                                                        \
    do {                                                                      \
        int rc_ = (call);                                                     \
        if (rc_ != 0) fail_msg("%s: %s (%s)", #call, eddy_err_name(rc_), (f)->err.msg); \
    } while (0)

static void create_topic(fixture *f, const char *name, int32_t partitions, int16_t replicas) {
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    cfg.partitions = partitions;
    cfg.replicas = replicas;
    CHECK(f, eddy_log_topic_create(f->log, name, &cfg, &f->err));
}

static void test_backend_name_is_kafka(void **state) {
    fixture *f = *state;
    assert_string_equal(eddy_log_backend_name(f->log), "kafka");
}

static void test_conf_name_without_value_is_rejected(void **state) {
    (void)state;
    const char *conf[] = {"linger.ms", NULL};
    eddy_log *log = NULL;
    eddy_err err;
    assert_int_equal(eddy_log_open_kafka("127.0.0.1:1", conf, &log, &err), EDDY_INVAL);
    assert_null(log);
    assert_non_null(strstr(err.msg, "linger.ms"));
}

static void test_conf_value_librdkafka_rejects_is_a_config_error(void **state) {
    (void)state;
    const char *conf[] = {"linger.ms", "soon", NULL};
    eddy_log *log = NULL;
    eddy_err err;
    assert_int_equal(eddy_log_open_kafka("127.0.0.1:1", conf, &log, &err), EDDY_CONFIG);
    assert_null(log);
    assert_non_null(strstr(err.msg, "linger.ms"));
}

static void test_empty_bootstrap_servers_is_rejected(void **state) {
    (void)state;
    eddy_log *log = NULL;
    eddy_err err;
    assert_int_equal(eddy_log_open_kafka("", NULL, &log, &err), EDDY_INVAL);
    assert_null(log);
}

static void test_retention_is_left_to_the_brokers(void **state) {
    fixture *f = *state;
    assert_int_equal(eddy_log_enforce_retention(f->log, eddy_log_now_ms(), NULL, &f->err),
                     EDDY_UNSUPPORTED);
    assert_non_null(strstr(f->err.msg, "retention"));
}

static void test_mock_cannot_delete_topics_or_records(void **state) {
    fixture *f = *state;
    create_topic(f, "t", 1, 1);
    eddy_log_record r = {.timestamp = 5, .key = "k", .key_len = 1, .value = "v", .value_len = 1};
    CHECK(f, eddy_log_produce(f->log, "t", 0, &r, 0, NULL, NULL, &f->err));
    assert_int_equal(eddy_log_topic_delete(f->log, "t", &f->err), EDDY_UNSUPPORTED);
    assert_int_equal(eddy_log_delete_records(f->log, "t", 0, 1, &f->err), EDDY_UNSUPPORTED);
    assert_true(eddy_log_topic_exists(f->log, "t"));
    assert_int_equal(eddy_log_topic_delete(f->log, "nope", &f->err), EDDY_NOTFOUND);
}

/* The mock keeps no topic config: describe reports the metadata's partitions
 * and replicas (the mock puts every partition on all its brokers, whatever
 * replication factor was asked) and Kafka's defaults for the rest. */
static void test_describe_on_mock_reports_partitions_replicas_and_defaults(void **state) {
    fixture *f = *state;
    create_topic(f, "t", 3, 2);
    eddy_log_topic_config got;
    CHECK(f, eddy_log_topic_describe(f->log, "t", &got, &f->err));
    assert_int_equal(got.partitions, 3);
    assert_int_equal(got.replicas, 3);
    assert_int_equal(got.retention_ms, EDDY_LOG_DEFAULT_RETENTION_MS);
    assert_int_equal(got.cleanup, EDDY_LOG_CLEANUP_DELETE);
    assert_int_equal(got.created_ms, 0);
}

static void test_second_txn_in_the_same_thread_is_rejected(void **state) {
    fixture *f = *state;
    eddy_log_txn *a = NULL, *b = NULL;
    CHECK(f, eddy_log_txn_begin(f->log, &a, &f->err));
    assert_int_equal(eddy_log_txn_begin(f->log, &b, &f->err), EDDY_INVAL);
    assert_null(b);
    eddy_log_txn_destroy(a);
    CHECK(f, eddy_log_txn_begin(f->log, &b, &f->err));
    eddy_log_txn_destroy(b);
}

/* transactional.id from the conf goes to the transactional producer only:
 * plain produce still works on a log opened with it. */
static void test_transactional_id_in_conf_leaves_plain_produce_alone(void **state) {
    fixture *f = *state;
    const char *conf[] = {"log_level", "3", "transactional.id", "eddy-test-tx", NULL};
    eddy_log *log = NULL;
    CHECK(f, eddy_log_open_kafka_mock(f->mock, conf, &log, &f->err));
    create_topic(f, "t", 1, 1);
    eddy_log_record r = {.timestamp = 5, .key = "k", .key_len = 1, .value = "v", .value_len = 1};
    int64_t off = -1;
    CHECK(f, eddy_log_produce(log, "t", 0, &r, 0, NULL, &off, &f->err));
    assert_int_equal(off, 0);
    eddy_log_txn *tx = NULL;
    CHECK(f, eddy_log_txn_begin(log, &tx, &f->err));
    CHECK(f, eddy_log_txn_produce(tx, "t", 0, &r, NULL, &f->err));
    CHECK(f, eddy_log_txn_commit(tx, 0, &f->err));
    CHECK(f, eddy_log_txn_result(tx, 0, NULL, &off));
    assert_int_equal(off, 1);
    eddy_log_txn_destroy(tx);
    eddy_log_close(log);
}

/* Two logs on one cluster see each other's records and positions (as two
 * processes on one Kafka cluster do). */
static void test_two_logs_on_one_cluster_share_it(void **state) {
    fixture *f = *state;
    eddy_log *other = NULL;
    CHECK(f, eddy_log_open_kafka_mock(f->mock, quiet, &other, &f->err));
    create_topic(f, "t", 2, 1);
    eddy_log_record r = {.timestamp = 7, .key = "k", .key_len = 1, .value = "v", .value_len = 1};
    CHECK(f, eddy_log_produce(f->log, "t", 1, &r, 0, NULL, NULL, &f->err));
    CHECK(f, eddy_log_group_commit(f->log, "g", "t", 1, 1, 0, &f->err));
    eddy_log_batch b;
    eddy_log_batch_init(&b);
    CHECK(f, eddy_log_fetch(other, "t", 1, 0, 10, 0, &b, &f->err));
    assert_int_equal(b.count, 1);
    assert_int_equal(b.records[0].timestamp, 7);
    eddy_log_batch_fini(&b);
    int64_t pos = -1;
    CHECK(f, eddy_log_group_committed(other, "g", "t", 1, &pos, &f->err));
    assert_int_equal(pos, 1);
    eddy_log_close(other);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(test_backend_name_is_kafka),
        cmocka_unit_test(test_conf_name_without_value_is_rejected),
        cmocka_unit_test(test_conf_value_librdkafka_rejects_is_a_config_error),
        cmocka_unit_test(test_empty_bootstrap_servers_is_rejected),
        T(test_retention_is_left_to_the_brokers),
        T(test_mock_cannot_delete_topics_or_records),
        T(test_describe_on_mock_reports_partitions_replicas_and_defaults),
        T(test_second_txn_in_the_same_thread_is_rejected),
        T(test_transactional_id_in_conf_leaves_plain_produce_alone),
        T(test_two_logs_on_one_cluster_share_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
