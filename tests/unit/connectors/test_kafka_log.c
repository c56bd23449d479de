/* test_kafka_log.c - what is particular to the Kafka backend of the log (the
 * shared contract is in test_log_contract.c; subscriptions are in
 * test_kafka_sub.c): opening and its config, an unreachable cluster, what it
 * does not support, describe on the mock cluster, one atomic transaction per
 * log, the metadata cache, at-least-once transactions, and the control port
 * of a mock cluster in another process (played by a small server thread).
 * Runs against librdkafka's mock cluster on loopback.
 */
#include "connectors/log.h"
#include "connectors/kafka/kafka_log.h"
#include "tests/unit/connectors/mock_reaper.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
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
    mock_reaper_add(f->mock, f->rk); /* destroying takes a second: in the background */
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

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Nothing listens on port 1: the open fails with EDDY_IO naming the servers,
 * well before librdkafka's 30 s request timeout. */
static void test_unreachable_cluster_fails_fast_naming_the_servers(void **state) {
    (void)state;
    eddy_log *log = NULL;
    eddy_err err;
    double t0 = now_s();
    assert_int_equal(eddy_log_open_kafka("127.0.0.1:1", quiet, &log, &err), EDDY_IO);
    double took = now_s() - t0;
    assert_null(log);
    assert_non_null(strstr(err.msg, "127.0.0.1:1"));
    printf("[  NOTE    ] unreachable cluster: failed after %.2f s: %s\n", took, err.msg);
    assert_true(took <= 10.5);
}

static void test_txn_begin_ex_rejects_unknown_flags(void **state) {
    fixture *f = *state;
    eddy_log_txn *tx = NULL;
    assert_int_equal(eddy_log_txn_begin_ex(f->log, 6, &tx, &f->err), EDDY_INVAL);
    assert_null(tx);
}

/* ---- the metadata cache --------------------------------------------------- */

/* n records with keys "k<i>" in one transaction: each lands where murmur2
 * says, offsets dense per partition; prints the rate. */
static void produce_many_in_a_txn(fixture *f, int flags, const char *topic) {
    enum { N = 20000, P = 4 };
    create_topic(f, topic, P, 1);
    double t0 = now_s();
    eddy_log_txn *tx = NULL;
    CHECK(f, eddy_log_txn_begin_ex(f->log, flags, &tx, &f->err));
    for (int i = 0; i < N; i++) {
        char key[16];
        int n = snprintf(key, sizeof key, "k%d", i);
        eddy_log_record r = {.timestamp = 1, .key = key, .key_len = (size_t)n, .value = key,
                             .value_len = (size_t)n};
        int32_t p = -1;
        CHECK(f, eddy_log_txn_produce(tx, topic, EDDY_LOG_PARTITION_ANY, &r, &p, &f->err));
        assert_int_equal(p, eddy_log_partition_for_key(key, (size_t)n, P));
    }
    CHECK(f, eddy_log_txn_commit(tx, 0, &f->err));
    double took = now_s() - t0;
    printf("[  NOTE    ] %s: %d records in one transaction in %.3f s (%.0f records/s)\n",
           flags ? "at least once" : "atomic", N, took, N / took);
    int64_t next[P] = {0};
    for (int i = 0; i < N; i++) {
        char key[16];
        int n = snprintf(key, sizeof key, "k%d", i);
        int32_t p;
        int64_t off;
        CHECK(f, eddy_log_txn_result(tx, (size_t)i, &p, &off));
        assert_int_equal(p, eddy_log_partition_for_key(key, (size_t)n, P));
        assert_int_equal(off, next[p]);
        next[p]++;
    }
    eddy_log_txn_destroy(tx);
    for (int p = 0; p < P; p++) {
        int64_t end = -1;
        CHECK(f, eddy_log_partition_offsets(f->log, topic, p, NULL, &end, &f->err));
        assert_int_equal(end, next[p]);
    }
}

static void test_many_records_in_an_atomic_txn_land_in_order(void **state) {
    produce_many_in_a_txn(*state, 0, "many");
}

static void test_many_records_in_an_at_least_once_txn_land_in_order(void **state) {
    produce_many_in_a_txn(*state, EDDY_LOG_TXN_AT_LEAST_ONCE, "many");
}

/* A topic another client creates is found at once, though this log has
 * just cached the topic list. */
static void test_topic_created_by_another_log_is_found_at_once(void **state) {
    fixture *f = *state;
    eddy_log *other = NULL;
    CHECK(f, eddy_log_open_kafka_mock(f->mock, quiet, &other, &f->err));
    create_topic(f, "t", 1, 1);
    eddy_log_record r = {.timestamp = 5, .key = "k", .key_len = 1, .value = "v", .value_len = 1};
    CHECK(f, eddy_log_produce(f->log, "t", 0, &r, 0, NULL, NULL, &f->err)); /* cache filled */
    assert_false(eddy_log_topic_exists(f->log, "u"));
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    cfg.partitions = 2;
    CHECK(f, eddy_log_topic_create(other, "u", &cfg, &f->err));
    int32_t p = -1;
    CHECK(f, eddy_log_produce(f->log, "u", 1, &r, 0, &p, NULL, &f->err));
    assert_int_equal(p, 1);
    assert_true(eddy_log_topic_exists(f->log, "u"));
    eddy_log_close(other);
}

/* ---- at-least-once transactions ------------------------------------------- */

static void test_at_least_once_txn_commits_records_and_positions(void **state) {
    fixture *f = *state;
    create_topic(f, "in", 2, 1);
    create_topic(f, "out", 1, 1);
    eddy_log_txn *tx = NULL;
    CHECK(f, eddy_log_txn_begin_ex(f->log, EDDY_LOG_TXN_AT_LEAST_ONCE, &tx, &f->err));
    eddy_log_record r = {.timestamp = 5, .key = "k", .key_len = 1, .value = "v", .value_len = 1};
    CHECK(f, eddy_log_txn_produce(tx, "out", 0, &r, NULL, &f->err));
    CHECK(f, eddy_log_txn_produce(tx, "out", 0, &r, NULL, &f->err));
    CHECK(f, eddy_log_txn_commit_position(tx, "q", "in", 1, 7, &f->err));
    assert_int_equal(eddy_log_txn_count(tx), 2);
    CHECK(f, eddy_log_txn_commit(tx, 0, &f->err));
    int64_t off = -1;
    CHECK(f, eddy_log_txn_result(tx, 1, NULL, &off));
    assert_int_equal(off, 1);
    assert_int_equal(eddy_log_txn_produce(tx, "out", 0, &r, NULL, &f->err), EDDY_INVAL);
    eddy_log_txn_destroy(tx);
    int64_t pos = -1;
    CHECK(f, eddy_log_group_committed(f->log, "q", "in", 1, &pos, &f->err));
    assert_int_equal(pos, 7);
    eddy_log_batch b;
    eddy_log_batch_init(&b);
    CHECK(f, eddy_log_fetch(f->log, "out", 0, 0, 10, 0, &b, &f->err));
    assert_int_equal(b.count, 2);
    eddy_log_batch_fini(&b);
}

typedef struct alos_thread {
    fixture *f;
    const char *group;
    pthread_barrier_t *both_open;
    int rc;
    eddy_err err;
} alos_thread;

static void *alos_worker(void *arg) {
    alos_thread *a = arg;
    eddy_log_txn *tx = NULL;
    eddy_log_record r = {.timestamp = 5, .value = a->group, .value_len = strlen(a->group)};
    a->rc = eddy_log_txn_begin_ex(a->f->log, EDDY_LOG_TXN_AT_LEAST_ONCE, &tx, &a->err);
    pthread_barrier_wait(a->both_open); /* both transactions are open now */
    for (int i = 0; !a->rc && i < 100; i++)
        a->rc = eddy_log_txn_produce(tx, "out", 0, &r, NULL, &a->err);
    if (!a->rc) a->rc = eddy_log_txn_commit_position(tx, a->group, "out", 0, 1, &a->err);
    if (!a->rc) a->rc = eddy_log_txn_commit(tx, 0, &a->err);
    eddy_log_txn_destroy(tx);
    return NULL;
}

static void test_at_least_once_txns_are_open_in_two_threads_at_once(void **state) {
    fixture *f = *state;
    create_topic(f, "out", 1, 1);
    pthread_barrier_t both;
    pthread_barrier_init(&both, NULL, 2);
    alos_thread a = {.f = f, .group = "ga", .both_open = &both};
    alos_thread b = {.f = f, .group = "gb", .both_open = &both};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, alos_worker, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, alos_worker, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&both);
    if (a.rc) fail_msg("thread a: %s", a.err.msg);
    if (b.rc) fail_msg("thread b: %s", b.err.msg);
    int64_t end = -1, pos = -1;
    CHECK(f, eddy_log_partition_offsets(f->log, "out", 0, NULL, &end, &f->err));
    assert_int_equal(end, 200);
    CHECK(f, eddy_log_group_committed(f->log, "ga", "out", 0, &pos, &f->err));
    assert_int_equal(pos, 1);
    CHECK(f, eddy_log_group_committed(f->log, "gb", "out", 0, &pos, &f->err));
    assert_int_equal(pos, 1);
}

/* An atomic transaction still waits for the open one (in another thread)
 * while at-least-once ones do not. */
static void test_at_least_once_txn_opens_beside_an_atomic_one(void **state) {
    fixture *f = *state;
    eddy_log_txn *atomic_tx = NULL, *alos_tx = NULL;
    CHECK(f, eddy_log_txn_begin(f->log, &atomic_tx, &f->err));
    CHECK(f, eddy_log_txn_begin_ex(f->log, EDDY_LOG_TXN_AT_LEAST_ONCE, &alos_tx, &f->err));
    eddy_log_txn_destroy(alos_tx);
    eddy_log_txn_destroy(atomic_tx);
}

/* ---- the control port of a mock cluster in another process ----------------- */

/* A stand-in for `eddy kafka-mock`'s control port: answers `reply`, or with
 * reply NULL creates the topic on the in-process mock (OK) and refuses
 * deletes as the tool does. */
typedef struct ctl_server {
    rd_kafka_mock_cluster_t *mock;
    const char *reply;
    int fd;
    char addr[64];
    char last[512]; /* the last request line */
    _Atomic int served;
    _Atomic bool stop;
    pthread_t th;
} ctl_server;

static void ctl_answer(ctl_server *s, int c) {
    char line[512];
    size_t got = 0;
    while (got + 1 < sizeof line) {
        ssize_t n = recv(c, line + got, sizeof line - 1 - got, 0);
        if (n <= 0) break;
        got += (size_t)n;
        if (memchr(line, '\n', got)) break;
    }
    line[got] = '\0';
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    snprintf(s->last, sizeof s->last, "%s", line);
    char out[600];
    char topic[256];
    int parts = 0, replicas = 0;
    if (s->reply) {
        snprintf(out, sizeof out, "%s\n", s->reply);
    } else if (sscanf(line, "CREATE %255s %d %d", topic, &parts, &replicas) == 3) {
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(s->mock, topic, parts, replicas);
        if (e) snprintf(out, sizeof out, "ERR %s\n", rd_kafka_err2str(e));
        else snprintf(out, sizeof out, "OK created %s partitions=%d\n", topic, parts);
    } else if (strncmp(line, "DELETE ", 7) == 0) {
        snprintf(out, sizeof out, "ERR unsupported: the mock cluster cannot delete topics\n");
    } else {
        snprintf(out, sizeof out, "ERR what?\n");
    }
    atomic_fetch_add(&s->served, 1); /* before the reply: the client goes on after it */
    ssize_t w = send(c, out, strlen(out), MSG_NOSIGNAL);
    (void)w;
}

static void *ctl_main(void *arg) {
    ctl_server *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0) continue;
        ctl_answer(s, c);
        close(c);
    }
    return NULL;
}

/* A loopback listening socket's address ("127.0.0.1:port"); returns the fd. */
static int listen_loopback(char *addr, size_t cap) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        fail_msg("cannot listen on loopback");
    snprintf(addr, cap, "127.0.0.1:%d", (int)ntohs(sa.sin_port));
    return fd;
}

static void ctl_start(ctl_server *s, rd_kafka_mock_cluster_t *mock, const char *reply) {
    memset(s, 0, sizeof *s);
    s->mock = mock;
    s->reply = reply;
    s->fd = listen_loopback(s->addr, sizeof s->addr);
    assert_int_equal(pthread_create(&s->th, NULL, ctl_main, s), 0);
}

static void ctl_stop(ctl_server *s) {
    atomic_store(&s->stop, true);
    pthread_join(s->th, NULL);
    close(s->fd);
}

/* A log that reaches the mock as a plain cluster, with the control port. */
static eddy_log *open_with_control(fixture *f, const char *addr) {
    const char *conf[] = {"log_level", "3", "eddy.mock.control", addr,
                          "eddy.something.else", "ignored", NULL};
    eddy_log *log = NULL;
    CHECK(f, eddy_log_open_kafka(rd_kafka_mock_cluster_bootstraps(f->mock), conf, &log, &f->err));
    return log;
}

/* eddy.* pairs are not librdkafka's (it would reject them at open). */
static void test_control_port_creates_topics(void **state) {
    fixture *f = *state;
    ctl_server s;
    ctl_start(&s, f->mock, NULL);
    eddy_log *log = open_with_control(f, s.addr);
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    cfg.partitions = 3;
    CHECK(f, eddy_log_topic_create(log, "ctl", &cfg, &f->err));
    assert_string_equal(s.last, "CREATE ctl 3 1");
    eddy_log_topic_config got;
    CHECK(f, eddy_log_topic_describe(log, "ctl", &got, &f->err));
    assert_int_equal(got.partitions, 3);
    assert_int_equal(got.retention_ms, EDDY_LOG_DEFAULT_RETENTION_MS); /* the mock's rules */
    eddy_log_record r = {.timestamp = 5, .key = "k", .key_len = 1, .value = "v", .value_len = 1};
    CHECK(f, eddy_log_produce(log, "ctl", 2, &r, 0, NULL, NULL, &f->err));
    assert_int_equal(eddy_log_delete_records(log, "ctl", 2, 1, &f->err), EDDY_UNSUPPORTED);
    eddy_log_close(log);
    ctl_stop(&s);
}

static void test_control_port_exists_reply_is_exists(void **state) {
    fixture *f = *state;
    ctl_server s;
    ctl_start(&s, f->mock, "EXISTS");
    eddy_log *log = open_with_control(f, s.addr);
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    assert_int_equal(eddy_log_topic_create(log, "dup", &cfg, &f->err), EDDY_EXISTS);
    assert_int_equal(atomic_load(&s.served), 1);
    eddy_log_close(log);
    ctl_stop(&s);
}

static void test_control_port_error_reply_is_io_with_its_message(void **state) {
    fixture *f = *state;
    ctl_server s;
    ctl_start(&s, f->mock, "ERR the disk is on fire");
    eddy_log *log = open_with_control(f, s.addr);
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    assert_int_equal(eddy_log_topic_create(log, "hot", &cfg, &f->err), EDDY_IO);
    assert_non_null(strstr(f->err.msg, "the disk is on fire"));
    eddy_log_close(log);
    ctl_stop(&s);
}

static void test_control_port_delete_refused_as_unsupported(void **state) {
    fixture *f = *state;
    ctl_server s;
    ctl_start(&s, f->mock, NULL);
    eddy_log *log = open_with_control(f, s.addr);
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    CHECK(f, eddy_log_topic_create(log, "keep", &cfg, &f->err));
    assert_int_equal(eddy_log_topic_delete(log, "keep", &f->err), EDDY_UNSUPPORTED);
    assert_string_equal(s.last, "DELETE keep");
    assert_true(eddy_log_topic_exists(log, "keep"));
    eddy_log_close(log);
    ctl_stop(&s);
}

static void test_control_port_not_listening_is_io(void **state) {
    fixture *f = *state;
    char addr[64];
    close(listen_loopback(addr, sizeof addr)); /* a port nobody listens on now */
    eddy_log *log = open_with_control(f, addr);
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    assert_int_equal(eddy_log_topic_create(log, "nowhere", &cfg, &f->err), EDDY_IO);
    assert_non_null(strstr(f->err.msg, addr));
    assert_false(eddy_log_topic_exists(log, "nowhere"));
    eddy_log_close(log);
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
        cmocka_unit_test(test_unreachable_cluster_fails_fast_naming_the_servers),
        T(test_txn_begin_ex_rejects_unknown_flags),
        T(test_many_records_in_an_atomic_txn_land_in_order),
        T(test_many_records_in_an_at_least_once_txn_land_in_order),
        T(test_topic_created_by_another_log_is_found_at_once),
        T(test_at_least_once_txn_commits_records_and_positions),
        T(test_at_least_once_txns_are_open_in_two_threads_at_once),
        T(test_at_least_once_txn_opens_beside_an_atomic_one),
        T(test_control_port_creates_topics),
        T(test_control_port_exists_reply_is_exists),
        T(test_control_port_error_reply_is_io_with_its_message),
        T(test_control_port_delete_refused_as_unsupported),
        T(test_control_port_not_listening_is_io),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    mock_reaper_finish();
    return failed;
}
