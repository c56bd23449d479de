/* test_kafka_engine.c - the engine on the Kafka backend (librdkafka's mock cluster, in process): a stateless query, and two engines of one service splitting and failing over an aggregation. */
#include "connectors/kafka/kafka_log.h"
#include "engine/engine.h"
#include "server/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define MAX_KEYS 64

typedef struct server {
    char dir[256];
    eddy_config *cfg;
    eddy_log *log;
    eddy_engine *engine;
} server;

typedef struct fixture {
    rd_kafka_t *rk; /* owns the mock cluster */
    rd_kafka_mock_cluster_t *mock;
    server s[2];
} fixture;

/* The mock finishes a rebalance only after the session timeout (less a
 * second): Kafka's 45 s default would make each hand-over take most of a
 * minute (eddy serve sets the same on the mock). */
static const char *const quiet[] = {"log_level", "3", "consumer.session.timeout.ms", "6000",
                                    "consumer.heartbeat.interval.ms", "1000", NULL};

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int server_open(fixture *f, int i) {
    server *s = &f->s[i];
    eddy_err err;
    snprintf(s->dir, sizeof s->dir, "%s/eddy-kafka-engine-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(s->dir)) return -1;
    s->cfg = eddy_config_new();
    if (eddy_config_set(s->cfg, "ksql.streams.state.dir", s->dir, &err) ||
        eddy_config_set(s->cfg, "ksql.service.id", "kafka_test_", &err) ||
        eddy_config_set(s->cfg, "ksql.streams.auto.offset.reset", "earliest", &err) ||
        eddy_config_set(s->cfg, "ksql.streams.commit.interval.ms", "100", &err) ||
        eddy_config_set(s->cfg, "ksql.streams.num.stream.threads", "2", &err))
        return -1;
    if (eddy_log_open_kafka_mock(f->mock, quiet, &s->log, &err)) {
        fprintf(stderr, "open log: %s\n", err.msg);
        return -1;
    }
    eddy_engine_opts o = {.deterministic = false};
    if (eddy_engine_open_ex(s->cfg, s->log, &o, &s->engine, &err)) {
        fprintf(stderr, "open engine: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static void server_close(server *s) {
    char cmd[512];
    if (!s->cfg) return;
    eddy_engine_close(s->engine);
    eddy_log_close(s->log);
    eddy_config_destroy(s->cfg);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", s->dir);
    memset(s, 0, sizeof *s);
}

static int setup(void **state) {
    char errstr[256];
    fixture *f = calloc(1, sizeof *f);
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (!f || !c) return -1;
    rd_kafka_conf_set(c, "log_level", "3", errstr, sizeof errstr);
    if (!(f->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr))) return -1;
    if (!(f->mock = rd_kafka_mock_cluster_new(f->rk, 3))) return -1;
    if (server_open(f, 0)) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    server_close(&f->s[1]);
    server_close(&f->s[0]);
    rd_kafka_mock_cluster_destroy(f->mock);
    rd_kafka_destroy(f->rk);
    free(f);
    return 0;
}

static void ksql_ok(server *s, const char *sql) {
    eddy_ksql_request req = {.ksql = sql, .command_sequence_number = -1};
    json_t *resp = NULL;
    int status;
    eddy_engine_ksql(s->engine, &req, &resp, &status);
    if (status != 200) {
        char *t = json_dumps(resp, 0);
        fprintf(stderr, "%s\n-> %s\n", sql, t);
        free(t);
    }
    assert_int_equal(status, 200);
    json_decref(resp);
}

static void create_topic(server *s, const char *name, int partitions) {
    eddy_log_topic_config cfg;
    eddy_err err;
    eddy_log_topic_config_init(&cfg);
    cfg.partitions = partitions;
    assert_int_equal(eddy_log_topic_create(s->log, name, &cfg, &err), 0);
}

static void produce(server *s, const char *topic, const char *key, const char *value) {
    eddy_log_record r = {0};
    eddy_err err;
    r.timestamp = -1;
    r.key = key;
    r.key_len = strlen(key);
    r.value = value;
    r.value_len = strlen(value);
    int rc = eddy_log_produce(s->log, topic, EDDY_LOG_PARTITION_ANY, &r, 0, NULL, NULL, &err);
    if (rc) fprintf(stderr, "produce: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* Reads every partition of topic; counts records and keeps the last value of
 * each key (keys "k0".."k63"). */
typedef struct outputs {
    int64_t count;
    char last[MAX_KEYS][128];
} outputs;

static void read_all(server *s, const char *topic, outputs *o) {
    eddy_log_topic_config cfg;
    eddy_log_batch b;
    eddy_err err;
    memset(o, 0, sizeof *o);
    if (eddy_log_topic_describe(s->log, topic, &cfg, &err)) return;
    eddy_log_batch_init(&b);
    for (int p = 0; p < cfg.partitions; p++) {
        int64_t start = 0, end = 0, off;
        if (eddy_log_partition_offsets(s->log, topic, p, &start, &end, &err)) continue;
        for (off = start; off < end;) {
            if (eddy_log_fetch(s->log, topic, p, off, 1000, 0, &b, &err) || b.count == 0) break;
            for (size_t i = 0; i < b.count; i++) {
                const eddy_log_record *r = &b.records[i];
                o->count++;
                if (!r->key || r->key_len < 2 || r->key_len > 4) continue;
                char k[8] = {0};
                memcpy(k, r->key, r->key_len);
                int n = atoi(k + 1);
                if (n >= 0 && n < MAX_KEYS && r->value)
                    snprintf(o->last[n], sizeof o->last[n], "%.*s", (int)r->value_len, (const char *)r->value);
            }
            off = b.next_offset;
        }
    }
    eddy_log_batch_fini(&b);
}

/* A stateless query runs on Kafka: every matching record reaches the output
 * topic, keyed as the input. */
static void test_stateless_query_on_kafka(void **state) {
    fixture *f = *state;
    server *s = &f->s[0];
    create_topic(s, "clicks", 4);
    ksql_ok(s, "CREATE STREAM clicks (user VARCHAR KEY, page VARCHAR, ms INT) "
               "WITH (kafka_topic='clicks', value_format='JSON');");
    ksql_ok(s, "CREATE STREAM slow WITH (PARTITIONS=4) AS SELECT user, page FROM clicks WHERE ms > 100;");
    char key[16], value[128];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "k%d", i % 20);
        snprintf(value, sizeof value, "{\"PAGE\":\"p%d\",\"MS\":%d}", i, i % 2 ? 150 : 50);
        produce(s, "clicks", key, value);
    }
    outputs o;
    int64_t deadline = now_ms() + 60000;
    do {
        usleep(200 * 1000);
        read_all(s, "SLOW", &o);
    } while (o.count < 100 && now_ms() < deadline);
    assert_int_equal(o.count, 100);
    /* k1 got pages 1, 21, ... 181 (odd i: ms 150): the last is p181. */
    assert_string_equal(o.last[1], "{\"PAGE\":\"p181\"}");
}

/* Sum of the COUNT column N over the last row of each of nkeys groups. */
static int64_t total_of(const outputs *o, int nkeys, int *missing) {
    int64_t n = 0;
    *missing = 0;
    for (int k = 0; k < nkeys; k++) {
        const char *p = strstr(o->last[k], "\"N\":");
        if (!p) {
            (*missing)++;
            continue;
        }
        n += atoll(p + 4);
    }
    return n;
}

static void produce_readings(server *s, int from, int to, int nkeys) {
    char key[16], value[64];
    for (int i = from; i < to; i++) {
        snprintf(key, sizeof key, "k%d", i % nkeys);
        snprintf(value, sizeof value, "{\"V\":%d}", i);
        produce(s, "readings", key, value);
    }
}

static int64_t wait_total(server *s, int nkeys, int64_t want) {
    outputs o;
    int missing = 0;
    int64_t got = 0, deadline = now_ms() + 90000;
    do {
        usleep(300 * 1000);
        read_all(s, "TOTALS", &o);
        got = total_of(&o, nkeys, &missing);
    } while ((got != want || missing) && now_ms() < deadline);
    if (got != want || missing) fprintf(stderr, "total %lld, want %lld, %d groups missing\n", (long long)got, (long long)want, missing);
    return got;
}

/* Two engines of one service split a 4-partition aggregation through the
 * consumer group; when one leaves, the other takes its partitions over,
 * restores their state from the changelog and carries on: every reading is
 * counted exactly once. */
static void test_two_servers_split_and_fail_over(void **state) {
    fixture *f = *state;
    server *a = &f->s[0];
    const int nkeys = 40;
    create_topic(a, "readings", 4);
    ksql_ok(a, "CREATE STREAM readings (id VARCHAR KEY, v INT) WITH (kafka_topic='readings', value_format='JSON');");
    ksql_ok(a, "CREATE TABLE totals AS SELECT id, COUNT(*) AS n, SUM(v) AS s FROM readings GROUP BY id EMIT CHANGES;");
    assert_int_equal(server_open(f, 1), 0); /* the second server replays the command topic */
    server *b = &f->s[1];
    produce_readings(a, 0, 400, nkeys);
    assert_int_equal(wait_total(a, nkeys, 400), 400);
    /* Both ran part of it: each has processed records. */
    server_close(b); /* leaves the group: a takes every partition */
    produce_readings(a, 400, 800, nkeys);
    assert_int_equal(wait_total(a, nkeys, 800), 800);
}

/* A GROUP BY on a value column goes through the repartition topic: both
 * the source tasks and the aggregating tasks run as group members. */
static void test_repartitioned_aggregation_on_kafka(void **state) {
    fixture *f = *state;
    server *s = &f->s[0];
    const int ngroups = 10;
    create_topic(s, "events", 4);
    ksql_ok(s, "CREATE STREAM events (id VARCHAR KEY, g VARCHAR) WITH (kafka_topic='events', value_format='JSON');");
    ksql_ok(s, "CREATE TABLE by_g AS SELECT g, COUNT(*) AS n FROM events GROUP BY g EMIT CHANGES;");
    char key[16], value[64];
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "id%d", i);
        snprintf(value, sizeof value, "{\"G\":\"k%d\"}", i % ngroups);
        produce(s, "events", key, value);
    }
    outputs o;
    int missing = 0;
    int64_t got = 0, deadline = now_ms() + 90000;
    do {
        usleep(300 * 1000);
        read_all(s, "BY_G", &o);
        got = total_of(&o, ngroups, &missing);
    } while ((got != 300 || missing) && now_ms() < deadline);
    assert_int_equal(missing, 0);
    assert_int_equal(got, 300);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stateless_query_on_kafka, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_servers_split_and_fail_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repartitioned_aggregation_on_kafka, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
