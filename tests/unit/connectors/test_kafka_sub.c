/* test_kafka_sub.c - subscriptions of the Kafka log (eddy_log_sub_*): members
 * of a consumer group sharing partitions, reading ahead, seeking, commits and
 * transaction positions going through the member.  Runs against librdkafka's
 * mock cluster in process, with two logs on it standing for two servers.
 *
 * The mock waits 3 s before the first assignment of a new group and
 * session.timeout.ms - 1 s (here 2 s) for the members to rejoin on a later
 * rebalance, so most tests share one member ("shared" group, one topic per
 * test) that joins once in the group setup.
 */
#include "connectors/log.h"
#include "connectors/kafka/kafka_log.h"

#include <pthread.h>
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

#define DEADLINE_MS 20000 /* a rebalance on the mock takes 2-3 s */
#define MAX_PARTS 32

/* A member of a group, as a query would be: what it holds, and where it is. */
typedef struct member {
    const char *name;
    eddy_log *log;
    const char *group;
    eddy_log_sub *sub;
    pthread_mutex_t mu;
    struct {
        char topic[64];
        int32_t partition;
        int64_t pos; /* next offset to fetch (EDDY_LOG_OFFSET_COMMITTED at first) */
    } parts[MAX_PARTS];
    int nparts;
    int assigns, revokes;
    int bad_presets;            /* starts[] not preset to EDDY_LOG_OFFSET_COMMITTED */
    int revoke_commit_failures; /* the 2.0.2 mock refuses commits while rebalancing */
} member;

typedef struct fixture {
    rd_kafka_t *rk; /* owns the mock cluster */
    rd_kafka_mock_cluster_t *mock;
    eddy_log *a, *b; /* two "servers" */
    member shared;   /* a's member of group "shared" */
    member x, y;     /* members of group "split" (a's, b's) */
    eddy_log_batch batch; /* every fetch goes here: reset before a sub closes */
    eddy_err err;
} fixture;

static const char *const conf[] = {
    "log_level", "3",
    "session.timeout.ms", "3000", /* the mock's rejoin wait is this - 1 s */
    "heartbeat.interval.ms", "300",
    NULL,
};

static const char *const shared_topics[] = {"seek", "wake", "commit", "pos-atomic",
                                            "pos-alos", "buffer"};
#define NSHARED (sizeof shared_topics / sizeof *shared_topics)

#define CHECK(f, call)                                                        \
    do {                                                                      \
        int rc_ = (call);                                                     \
        if (rc_ != 0) fail_msg("%s: %s (%s)", #call, eddy_err_name(rc_), (f)->err.msg); \
    } while (0)

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the member's rebalance callback ---------------------------------------- */

static int find_part(member *m, const char *topic, int32_t partition) {
    for (int i = 0; i < m->nparts; i++)
        if (m->parts[i].partition == partition && strcmp(m->parts[i].topic, topic) == 0) return i;
    return -1;
}

/* Takes partitions (from the committed position) or gives them back after
 * committing where it got to, as the engine does. */
static int on_rebalance(void *ud, bool assigned, const eddy_log_tp *tps, size_t n,
                        int64_t *starts) {
    member *m = ud;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < n; i++) {
        int at = find_part(m, tps[i].topic, tps[i].partition);
        if (assigned) {
            if (starts[i] != EDDY_LOG_OFFSET_COMMITTED) m->bad_presets++;
            if (at < 0 && m->nparts < MAX_PARTS) at = m->nparts++;
            snprintf(m->parts[at].topic, sizeof m->parts[at].topic, "%s", tps[i].topic);
            m->parts[at].partition = tps[i].partition;
            m->parts[at].pos = EDDY_LOG_OFFSET_COMMITTED;
            continue;
        }
        if (at < 0) continue;
        eddy_err err;
        if (m->parts[at].pos >= 0 &&
            eddy_log_group_commit(m->log, m->group, tps[i].topic, tps[i].partition,
                                  m->parts[at].pos, 0, &err))
            m->revoke_commit_failures++;
        m->parts[at] = m->parts[--m->nparts];
    }
    if (assigned) m->assigns++;
    else m->revokes++;
    pthread_mutex_unlock(&m->mu);
    return 0;
}

static void member_init(member *m, const char *name, eddy_log *log, const char *group) {
    memset(m, 0, sizeof *m);
    m->name = name;
    m->log = log;
    m->group = group;
    pthread_mutex_init(&m->mu, NULL);
}

static void member_join(fixture *f, member *m, const char *const *topics, size_t n) {
    CHECK(f, eddy_log_sub_open(m->log, m->group, topics, n, on_rebalance, m, &m->sub, &f->err));
}

static void member_leave(member *m) {
    eddy_log_sub_close(m->sub);
    m->sub = NULL;
}

static int nparts_of(member *m) {
    pthread_mutex_lock(&m->mu);
    int n = m->nparts;
    pthread_mutex_unlock(&m->mu);
    return n;
}

/* Waits until the members hold want[i] partitions each (polling). */
static void wait_split(member **ms, const int *want, int count) {
    int64_t deadline = now_ms() + DEADLINE_MS;
    for (;;) {
        bool ok = true;
        for (int i = 0; i < count; i++) ok = ok && nparts_of(ms[i]) == want[i];
        if (ok) return;
        if (now_ms() > deadline) {
            for (int i = 0; i < count; i++)
                fprintf(stderr, "%s holds %d partitions, want %d\n", ms[i]->name,
                        nparts_of(ms[i]), want[i]);
            fail_msg("the group did not settle in time");
        }
        usleep(20 * 1000);
    }
}

/* Fetches what has arrived in every partition m holds, counting each
 * record's (partition, offset) in seen[partition][offset], and commits the
 * new positions through the member. */
static size_t drain_once(fixture *f, member *m, const char *topic, int (*seen)[64]) {
    size_t got = 0;
    eddy_log_batch *b = &f->batch;
    pthread_mutex_lock(&m->mu);
    for (int i = 0; i < m->nparts; i++) {
        if (strcmp(m->parts[i].topic, topic) != 0) continue;
        int32_t p = m->parts[i].partition;
        int rc = eddy_log_sub_fetch(m->sub, topic, p, m->parts[i].pos, 100, 0, b, &f->err);
        if (rc) {
            pthread_mutex_unlock(&m->mu);
            fail_msg("%s: sub_fetch: %s", m->name, f->err.msg);
        }
        for (size_t j = 0; j < b->count; j++) {
            assert_true(b->records[j].offset < 64);
            seen[p][b->records[j].offset]++;
        }
        got += b->count;
        m->parts[i].pos = b->next_offset;
        if (b->count &&
            eddy_log_group_commit(m->log, m->group, topic, p, b->next_offset, 0, &f->err)) {
            pthread_mutex_unlock(&m->mu);
            fail_msg("%s: commit: %s", m->name, f->err.msg);
        }
        eddy_log_batch_reset(b);
    }
    pthread_mutex_unlock(&m->mu);
    return got;
}

/* Drains members until `want` records came in all. */
static void drain(fixture *f, member **ms, int count, const char *topic, int (*seen)[64],
                  size_t want) {
    size_t got = 0;
    int64_t deadline = now_ms() + DEADLINE_MS;
    while (got < want) {
        for (int i = 0; i < count; i++) got += drain_once(f, ms[i], topic, seen);
        if (now_ms() > deadline) fail_msg("got %zu of %zu records", got, want);
        usleep(5 * 1000);
    }
    assert_int_equal(got, want);
}

/* ---- fixture ------------------------------------------------------------------ */

static void produce_to(fixture *f, eddy_log *log, const char *topic, int32_t partition,
                       int count) {
    for (int i = 0; i < count; i++) {
        char v[32];
        snprintf(v, sizeof v, "v%d", i);
        eddy_log_record r = {.timestamp = 1000 + i, .key = "k", .key_len = 1, .value = v,
                             .value_len = strlen(v)};
        CHECK(f, eddy_log_produce(log, topic, partition, &r, 0, NULL, NULL, &f->err));
    }
}

static int group_setup(void **state) {
    char errstr[256];
    fixture *f = calloc(1, sizeof *f);
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (!f || !c) return -1;
    rd_kafka_conf_set(c, "log_level", "3", errstr, sizeof errstr);
    if (!(f->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr))) return -1;
    if (!(f->mock = rd_kafka_mock_cluster_new(f->rk, 3))) return -1;
    if (eddy_log_open_kafka_mock(f->mock, conf, &f->a, &f->err) ||
        eddy_log_open_kafka_mock(f->mock, conf, &f->b, &f->err)) {
        fprintf(stderr, "open: %s\n", f->err.msg);
        return -1;
    }
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    for (size_t i = 0; i < NSHARED; i++)
        if (eddy_log_topic_create(f->a, shared_topics[i], &cfg, &f->err)) return -1;
    cfg.partitions = 4;
    if (eddy_log_topic_create(f->a, "four", &cfg, &f->err)) return -1;
    eddy_log_batch_init(&f->batch);
    member_init(&f->shared, "shared", f->a, "shared");
    if (eddy_log_sub_open(f->a, "shared", shared_topics, NSHARED, on_rebalance, &f->shared,
                          &f->shared.sub, &f->err)) {
        fprintf(stderr, "subscribe: %s\n", f->err.msg);
        return -1;
    }
    int64_t t0 = now_ms();
    while (nparts_of(&f->shared) != (int)NSHARED) {
        if (now_ms() - t0 > DEADLINE_MS) return -1;
        usleep(20 * 1000);
    }
    printf("[  NOTE    ] first assignment after %lld ms\n", (long long)(now_ms() - t0));
    *state = f;
    return 0;
}

static int group_teardown(void **state) {
    fixture *f = *state;
    eddy_log_batch_fini(&f->batch); /* holds messages of the subscriptions' consumers */
    member *ms[] = {&f->x, &f->y};
    for (int i = 0; i < 2; i++)
        if (ms[i]->sub) {
            member_leave(ms[i]);
            pthread_mutex_destroy(&ms[i]->mu);
        }
    member_leave(&f->shared);
    eddy_log_close(f->a);
    eddy_log_close(f->b);
    rd_kafka_mock_cluster_destroy(f->mock);
    rd_kafka_destroy(f->rk);
    pthread_mutex_destroy(&f->shared.mu);
    free(f);
    return 0;
}

/* ---- tests ------------------------------------------------------------------- */

static void test_kafka_has_groups_and_embedded_has_none(void **state) {
    fixture *f = *state;
    assert_true(eddy_log_has_groups(f->a));
    eddy_log *emb = NULL;
    CHECK(f, eddy_log_open_embedded(":memory:", &emb, &f->err));
    assert_false(eddy_log_has_groups(emb));
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    CHECK(f, eddy_log_topic_create(emb, "t", &cfg, &f->err));
    const char *topics[] = {"t"};
    eddy_log_sub *sub = NULL;
    assert_int_equal(eddy_log_sub_open(emb, "g", topics, 1, NULL, NULL, &sub, &f->err),
                     EDDY_UNSUPPORTED);
    assert_null(sub);
    eddy_log_close(emb);
}

static void test_sub_open_checks_topics_and_group(void **state) {
    fixture *f = *state;
    const char *missing[] = {"seek", "nope"};
    eddy_log_sub *sub = NULL;
    assert_int_equal(eddy_log_sub_open(f->b, "g", missing, 2, NULL, NULL, &sub, &f->err),
                     EDDY_NOTFOUND);
    assert_int_equal(eddy_log_sub_open(f->b, "", missing, 1, NULL, NULL, &sub, &f->err),
                     EDDY_INVAL);
    assert_int_equal(eddy_log_sub_open(f->b, "g", missing, 0, NULL, NULL, &sub, &f->err),
                     EDDY_INVAL);
    assert_null(sub);
}

static void test_sub_fetch_of_unassigned_partition_is_not_found(void **state) {
    fixture *f = *state;
    eddy_log_batch *b = &f->batch;
    assert_int_equal(eddy_log_sub_fetch(f->shared.sub, "four", 0, 0, 10, 0, b, &f->err),
                     EDDY_NOTFOUND);
    assert_int_equal(eddy_log_sub_fetch(f->shared.sub, "seek", 0, -5, 10, 0, b, &f->err),
                     EDDY_INVAL);
}

/* Fetches from (topic, 0) at offset until a non-empty batch arrives. */
static void fetch_some(fixture *f, eddy_log_sub *sub, const char *topic, int64_t offset,
                       size_t max, eddy_log_batch *b) {
    int64_t deadline = now_ms() + DEADLINE_MS;
    for (;;) {
        CHECK(f, eddy_log_sub_fetch(sub, topic, 0, offset, max, 0, b, &f->err));
        if (b->count) return;
        if (offset == EDDY_LOG_OFFSET_COMMITTED) offset = b->next_offset;
        if (now_ms() > deadline) fail_msg("nothing arrived from %s", topic);
        usleep(5 * 1000);
    }
}

/* Reads (topic, 0) from offset to `until`, checking the records are there
 * in order with the values produce_to gave them. */
static void read_range(fixture *f, const char *topic, int64_t offset, int64_t until) {
    eddy_log_batch *b = &f->batch;
    int64_t next = offset;
    while (next < until) {
        fetch_some(f, f->shared.sub, topic, next, (size_t)(until - next), b);
        for (size_t i = 0; i < b->count; i++) {
            char want[32];
            snprintf(want, sizeof want, "v%lld", (long long)(next + (int64_t)i));
            assert_int_equal(b->records[i].offset, next + (int64_t)i);
            assert_int_equal(b->records[i].value_len, strlen(want));
            assert_memory_equal(b->records[i].value, want, strlen(want));
        }
        next = b->next_offset;
    }
    assert_int_equal(next, until);
    eddy_log_batch_reset(b);
}

static void test_sub_fetch_from_another_offset_seeks(void **state) {
    fixture *f = *state;
    eddy_log_batch *b = &f->batch;
    produce_to(f, f->b, "seek", 0, 10);
    /* From where the subscription stands: the start, as nothing is committed
     * (EDDY_LOG_OFFSET_COMMITTED back while the start is being settled). */
    int64_t deadline = now_ms() + DEADLINE_MS;
    do {
        CHECK(f, eddy_log_sub_fetch(f->shared.sub, "seek", 0, EDDY_LOG_OFFSET_COMMITTED, 100, 0,
                                    b, &f->err));
        assert_true(now_ms() < deadline);
    } while (b->next_offset == EDDY_LOG_OFFSET_COMMITTED);
    assert_int_equal(b->next_offset, b->count ? b->records[b->count - 1].offset + 1 : 0);
    if (b->count) assert_int_equal(b->records[0].offset, 0);
    read_range(f, "seek", b->next_offset, 10);
    read_range(f, "seek", 3, 5); /* back */
    read_range(f, "seek", 8, 10); /* forward */
    CHECK(f, eddy_log_sub_fetch(f->shared.sub, "seek", 0, 10, 100, 0, b, &f->err));
    assert_int_equal(b->count, 0);
    assert_int_equal(b->next_offset, 10);
    assert_int_equal(b->end_offset, 10);
}

/* Records another client writes reach the member's buffer and wake
 * eddy_log_wait on the member's log, which wrote nothing. */
static void test_arriving_records_wake_wait(void **state) {
    fixture *f = *state;
    uint64_t seen = eddy_log_seq(f->a);
    produce_to(f, f->b, "wake", 0, 1);
    assert_int_equal(eddy_log_wait(f->a, seen, 10000), 0);
    fetch_some(f, f->shared.sub, "wake", 0, 100, &f->batch);
    assert_int_equal(f->batch.count, 1);
    eddy_log_batch_reset(&f->batch);
}

/* While a member of the group is active, the group's commits go through it
 * (a commit from outside the group is refused by the coordinator). */
static void test_commit_of_subscribed_group_goes_through_the_member(void **state) {
    fixture *f = *state;
    produce_to(f, f->b, "commit", 0, 3);
    CHECK(f, eddy_log_group_commit(f->a, "shared", "commit", 0, 2, 0, &f->err));
    int64_t pos = -1;
    CHECK(f, eddy_log_group_committed(f->a, "shared", "commit", 0, &pos, &f->err));
    assert_int_equal(pos, 2);
    CHECK(f, eddy_log_group_committed(f->b, "shared", "commit", 0, &pos, &f->err));
    assert_int_equal(pos, 2);
    assert_int_not_equal(eddy_log_group_commit(f->b, "shared", "commit", 0, 3, 0, &f->err), 0);
}

/* Positions of an atomic transaction for a subscribed group are sent with
 * the member's metadata; on the mock they are also committed plainly. */
static void test_atomic_txn_positions_of_subscribed_group_are_committed(void **state) {
    fixture *f = *state;
    produce_to(f, f->b, "pos-atomic", 0, 5);
    eddy_log_txn *tx = NULL;
    CHECK(f, eddy_log_txn_begin(f->a, &tx, &f->err));
    eddy_log_record r = {.timestamp = 1, .key = "k", .key_len = 1, .value = "out", .value_len = 3};
    CHECK(f, eddy_log_txn_produce(tx, "commit", 0, &r, NULL, &f->err));
    CHECK(f, eddy_log_txn_commit_position(tx, "shared", "pos-atomic", 0, 4, &f->err));
    CHECK(f, eddy_log_txn_commit(tx, 0, &f->err));
    eddy_log_txn_destroy(tx);
    int64_t pos = -1;
    CHECK(f, eddy_log_group_committed(f->a, "shared", "pos-atomic", 0, &pos, &f->err));
    assert_int_equal(pos, 4);
}

static void test_at_least_once_positions_of_subscribed_group_are_committed(void **state) {
    fixture *f = *state;
    produce_to(f, f->b, "pos-alos", 0, 5);
    eddy_log_txn *tx = NULL;
    CHECK(f, eddy_log_txn_begin_ex(f->a, EDDY_LOG_TXN_AT_LEAST_ONCE, &tx, &f->err));
    eddy_log_record r = {.timestamp = 1, .key = "k", .key_len = 1, .value = "out", .value_len = 3};
    CHECK(f, eddy_log_txn_produce(tx, "commit", 0, &r, NULL, &f->err));
    CHECK(f, eddy_log_txn_commit_position(tx, "shared", "pos-alos", 0, 3, &f->err));
    CHECK(f, eddy_log_txn_commit(tx, 0, &f->err));
    eddy_log_txn_destroy(tx);
    int64_t pos = -1;
    CHECK(f, eddy_log_group_committed(f->b, "shared", "pos-alos", 0, &pos, &f->err));
    assert_int_equal(pos, 3);
}

/* More records than the read-ahead buffers hold (50,000): the thread stops
 * polling until they are drained, and every record comes once, in order. */
static void test_read_ahead_beyond_the_buffer_keeps_every_record(void **state) {
    fixture *f = *state;
    enum { N = 60000 };
    eddy_log_txn *tx = NULL;
    CHECK(f, eddy_log_txn_begin_ex(f->b, EDDY_LOG_TXN_AT_LEAST_ONCE, &tx, &f->err));
    for (int i = 0; i < N; i++) {
        eddy_log_record r = {.timestamp = 1, .value = &i, .value_len = sizeof i};
        CHECK(f, eddy_log_txn_produce(tx, "buffer", 0, &r, NULL, &f->err));
    }
    CHECK(f, eddy_log_txn_commit(tx, 0, &f->err));
    eddy_log_txn_destroy(tx);
    usleep(300 * 1000); /* let the buffer fill past its limit */
    eddy_log_batch *b = &f->batch;
    int64_t next = 0;
    while (next < N) {
        fetch_some(f, f->shared.sub, "buffer", next, 700, b);
        for (size_t i = 0; i < b->count; i++) {
            int v;
            assert_int_equal(b->records[i].offset, next + (int64_t)i);
            memcpy(&v, b->records[i].value, sizeof v);
            assert_int_equal(v, next + (int64_t)i);
        }
        next = b->next_offset;
    }
    assert_int_equal(next, N);
    eddy_log_batch_reset(b);
}

/* Two members share a 4-partition topic 2/2; when one leaves the other takes
 * all 4 back; every record is read once across them because each commits
 * what it read (and gives partitions back through the revoke callback). */
static void test_members_share_partitions_and_read_each_record_once(void **state) {
    fixture *f = *state;
    int seen[4][64] = {{0}};
    member *x = &f->x, *y = &f->y;
    member_init(x, "x", f->a, "split");
    member_init(y, "y", f->b, "split");
    member *both[] = {x, y};
    const char *topics[] = {"four"};

    member_join(f, x, topics, 1);
    wait_split(both, (int[]){4, 0}, 1);
    for (int p = 0; p < 4; p++) produce_to(f, f->b, "four", p, 5);
    drain(f, both, 1, "four", seen, 20);

    member_join(f, y, topics, 1);
    int64_t t0 = now_ms();
    wait_split(both, (int[]){2, 2}, 2);
    printf("[  NOTE    ] a second member got its share after %lld ms\n",
           (long long)(now_ms() - t0));
    for (int p = 0; p < 4; p++) produce_to(f, f->a, "four", p, 5);
    drain(f, both, 2, "four", seen, 20);

    t0 = now_ms();
    member_leave(x); /* gives its partitions back through on_rebalance */
    assert_int_equal(nparts_of(x), 0);
    wait_split(both + 1, (int[]){4}, 1);
    printf("[  NOTE    ] the remaining member had all partitions %lld ms after a leave\n",
           (long long)(now_ms() - t0));
    for (int p = 0; p < 4; p++) produce_to(f, f->a, "four", p, 5);
    drain(f, both + 1, 1, "four", seen, 20);

    for (int p = 0; p < 4; p++)
        for (int o = 0; o < 15; o++)
            if (seen[p][o] != 1) fail_msg("four[%d] offset %d read %d times", p, o, seen[p][o]);
    assert_true(x->assigns >= 2 && x->revokes >= 2);
    assert_int_equal(x->bad_presets + y->bad_presets + f->shared.bad_presets, 0);
    member_leave(y);
    printf("[  NOTE    ] commits refused in revoke callbacks (mock rebalancing): %d\n",
           x->revoke_commit_failures + y->revoke_commit_failures);
    pthread_mutex_destroy(&x->mu);
    pthread_mutex_destroy(&y->mu);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kafka_has_groups_and_embedded_has_none),
        cmocka_unit_test(test_sub_open_checks_topics_and_group),
        cmocka_unit_test(test_sub_fetch_of_unassigned_partition_is_not_found),
        cmocka_unit_test(test_sub_fetch_from_another_offset_seeks),
        cmocka_unit_test(test_arriving_records_wake_wait),
        cmocka_unit_test(test_commit_of_subscribed_group_goes_through_the_member),
        cmocka_unit_test(test_atomic_txn_positions_of_subscribed_group_are_committed),
        cmocka_unit_test(test_at_least_once_positions_of_subscribed_group_are_committed),
        cmocka_unit_test(test_read_ahead_beyond_the_buffer_keeps_every_record),
        cmocka_unit_test(test_members_share_partitions_and_read_each_record_once),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
