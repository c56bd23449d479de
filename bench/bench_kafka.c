/* bench_kafka.c - `eddy bench --mode kafka`: Nexmark q0-q2 on librdkafka's mock cluster, beside a plain consumer.
 *
 * Each run starts a fresh in-process mock cluster (rd_kafka_mock_cluster_new
 * on loopback, --brokers brokers, 1 by default) and opens an eddy_log on it
 * (eddy_log_open_kafka_mock).  Topic "bid" is made with --partitions
 * partitions (4) and N JSON bids (the text the log mode loads; N = 200,000
 * unless --events says) are produced into it by a plain librdkafka producer
 * that batches (linger.ms 100, message sets up to 1 MB before compression,
 * --compression zstd by default; bid i goes to partition i % P).  Then, on
 * that topic:
 *   raw   a plain librdkafka consumer (read_committed as eddy's, partitions
 *         assigned from the beginning, rd_kafka_consume_batch_queue),
 *         timed from the assign until it has read all N records (every
 *         partition at its end offset);
 *   eddy  an engine with stream threads (eddy_engine_open_ex, not
 *         deterministic, --threads ksql.streams.num.stream.threads, 1 by
 *         default; auto.offset.reset earliest) runs CREATE STREAM bid and
 *         CREATE STREAM out AS SELECT ...; timed from the CSAS until the
 *         output topic holds the expected number of records (the end offsets
 *         of OUT, polled every 20 ms: the mock writes no transaction markers,
 *         so end offsets count records).  The expected count comes from the
 *         generator: the query's plan evaluated over the same bids (q0, q1:
 *         N; q2: those with auction % 123 = 0).
 * Figures, per side: events/s of wall time; events per CPU second of the
 * process without the mock broker's thread ("client CPU": the consumer or
 * the engine with its librdkafka clients), and of the whole process (the
 * broker runs in it, serving either side).
 *
 * The mock's limit: librdkafka 2.0.2's mock keeps per partition at most
 * 5 MiB (5,242,880 bytes) of message sets, as they were produced (so after
 * compression), and at most 100,000 message sets; older sets are dropped
 * silently (the start offset moves up).  The count limit never binds first
 * (a message set has at least 61 bytes of header).  So a run checks, after
 * loading, that every partition starts at 0 and the end offsets add up to N,
 * and fails with a hint otherwise.  A JSON bid is ~250 bytes; measured with
 * 1 MB sets, a partition holds ~17,500 bids uncompressed, ~45,000 with lz4
 * and ~100,000 with zstd (~51 bytes a bid: the generator's random text is
 * slices of one block, which zstd's window finds), so 4 partitions take
 * ~70,000, ~180,000 and ~400,000 bids.  The output topic is written
 * by eddy without compression and loses its oldest records the same way when
 * a partition gets over 5 MiB (~20,000 records): the count uses end offsets,
 * which do not move back.
 */
#include "bench/bench_int.h"

#include "bench/nexmark.h"
#include "connectors/kafka/kafka_log.h"
#include "engine/expr.h"
#include "engine/plan.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define KAFKA_TOPIC "bid"
#define KAFKA_SINK "OUT"
#define KAFKA_POLL_MS 20
#define KAFKA_MAX_MOCK_THREADS 16

/* The quiet librdkafka settings every client of the run gets. */
static const char *const quiet_conf[] = {"log_level", "3", NULL};

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* ---- the mock cluster ------------------------------------------------------------------- */

typedef struct kmock {
    rd_kafka_t *km_rk;                    /* throwaway handle that owns the cluster */
    rd_kafka_mock_cluster_t *km_cluster;
    const char *km_bootstraps;            /* owned by the cluster */
    pid_t km_tids[KAFKA_MAX_MOCK_THREADS];/* the cluster's thread(s), "rdk:mock" (found once named) */
    int km_ntids;
} kmock;

/* The cluster's threads: librdkafka names them "rdk:mock". */
static void kmock_find_threads(kmock *m) {
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    char path[300], comm[32];
    m->km_ntids = 0;
    while (d && (e = readdir(d)) && m->km_ntids < KAFKA_MAX_MOCK_THREADS) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        if (fgets(comm, sizeof comm, f) && strncmp(comm, "rdk:mock", 8) == 0) m->km_tids[m->km_ntids++] = atoi(e->d_name);
        fclose(f);
    }
    if (d) closedir(d);
}

/* CPU seconds of the cluster's threads (Linux's per-thread CPU clock of a
 * thread id, as glibc's pthread_getcpuclockid makes it); 0 when unknown. */
static double kmock_cpu_s(const kmock *m) {
    double s = 0;
    for (int i = 0; i < m->km_ntids; i++) {
        clockid_t id = (clockid_t)((~(unsigned)m->km_tids[i] << 3) | 6); /* CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED */
        struct timespec ts;
        if (clock_gettime(id, &ts) == 0) s += (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    }
    return s;
}

static void kmock_close(kmock *m) {
    if (m->km_cluster) rd_kafka_mock_cluster_destroy(m->km_cluster);
    if (m->km_rk) rd_kafka_destroy(m->km_rk);
    memset(m, 0, sizeof *m);
}

static int kmock_open(int brokers, kmock *m, eddy_err *err) {
    char errstr[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    memset(m, 0, sizeof *m);
    if (!c) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    rd_kafka_conf_set(c, "log_level", "3", errstr, sizeof errstr);
    if (!(m->km_rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr))) {
        rd_kafka_conf_destroy(c);
        return eddy_err_set(err, EDDY_IO, "kafka: cannot create a client: %s", errstr);
    }
    if (!(m->km_cluster = rd_kafka_mock_cluster_new(m->km_rk, brokers))) {
        kmock_close(m);
        return eddy_err_set(err, EDDY_IO, "kafka: cannot start the mock cluster");
    }
    m->km_bootstraps = rd_kafka_mock_cluster_bootstraps(m->km_cluster);
    return 0;
}

/* ---- plain librdkafka clients ----------------------------------------------------------- */

typedef void (*dr_fn)(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);

/* A client of the mock with conf (name, value pairs, NULL-terminated) on top
 * of the quiet defaults; dr: a producer's delivery report callback or NULL.
 * NULL on failure (message in err); the caller owns the handle
 * (rd_kafka_destroy). */
static rd_kafka_t *client_new(rd_kafka_type_t type, const char *bootstraps, const char *const *conf, dr_fn dr,
                              eddy_err *err) {
    char errstr[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (!c) {
        eddy_err_set(err, EDDY_NOMEM, "out of memory");
        return NULL;
    }
    const char *const *lists[] = {quiet_conf, conf};
    if (rd_kafka_conf_set(c, "bootstrap.servers", bootstraps, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) goto bad;
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; lists[l] && lists[l][i]; i += 2)
            if (rd_kafka_conf_set(c, lists[l][i], lists[l][i + 1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK) goto bad;
    if (dr) rd_kafka_conf_set_dr_msg_cb(c, dr);
    rd_kafka_t *rk = rd_kafka_new(type, c, errstr, sizeof errstr);
    if (rk) return rk;
bad:
    rd_kafka_conf_destroy(c);
    eddy_err_set(err, EDDY_CONFIG, "kafka: %s", errstr);
    return NULL;
}

static void load_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err) (*(int64_t *)m->_private)++;
}

/* Produces n JSON bids (the generator's, seed o->seed) into topic bid, bid i
 * into partition i % partitions, with large batches. */
static int load_bids(const bench_opts *o, int64_t n, const char *bootstraps, eddy_err *err) {
    const char *const conf[] = {
        "linger.ms", "100",
        "batch.num.messages", "100000",
        "batch.size", "1000000",          /* message sets up to ~1 MB (the fetch size per partition) */
        "queue.buffering.max.messages", "1000000",
        "compression.type", o->kafka_compression,
        "acks", "all",
        NULL,
    };
    eddy_nexmark_config nc;
    eddy_nexmark *g = NULL;
    eddy_nexmark_event ev;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    int64_t failed = 0;
    int rc = 0;
    rd_kafka_t *p = client_new(RD_KAFKA_PRODUCER, bootstraps, conf, load_dr_cb, err);
    if (!p) return EDDY_CONFIG;
    eddy_nexmark_config_init(&nc);
    nc.seed = o->seed;
    if (eddy_nexmark_new(&nc, &g)) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto done;
    }
    for (int64_t i = 0; i < n;) {
        eddy_nexmark_next(g, &ev);
        if (ev.kind != EDDY_NEXMARK_BID) continue;
        eddy_strbuf_reset(&sb);
        eddy_nexmark_json(&ev, &sb);
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(KAFKA_TOPIC),
                                      RD_KAFKA_V_PARTITION((int32_t)(i % o->kafka_partitions)),
                                      RD_KAFKA_V_VALUE(sb.buf, sb.len), RD_KAFKA_V_TIMESTAMP(ev.u.bid.date_time),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&failed),
                                      RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(p, 10);
        if (e) {
            rc = eddy_err_set(err, EDDY_IO, "kafka: producing bid %" PRId64 ": %s", i, rd_kafka_err2str(e));
            goto done;
        }
        rd_kafka_poll(p, 0);
        i++;
    }
    rd_kafka_resp_err_t e = rd_kafka_flush(p, 120000);
    if (e) rc = eddy_err_set(err, EDDY_IO, "kafka: flushing the bids: %s", rd_kafka_err2str(e));
    else if (failed) rc = eddy_err_set(err, EDDY_IO, "kafka: %" PRId64 " bids were not delivered", failed);
done:
    rd_kafka_destroy(p);
    eddy_strbuf_fini(&sb);
    eddy_nexmark_destroy(g);
    return rc;
}

/* Checks, through the eddy log, that the mock kept every bid: each partition
 * starts at 0 and the end offsets add up to n. */
static int check_loaded(const bench_opts *o, eddy_log *log, int64_t n, eddy_err *err) {
    int64_t kept = 0, total = 0;
    int32_t first_dropped = -1;
    int64_t first_start = 0;
    for (int32_t p = 0; p < o->kafka_partitions; p++) {
        int64_t start = 0, end = 0;
        int rc = eddy_log_partition_offsets(log, KAFKA_TOPIC, p, &start, &end, err);
        if (rc) return rc;
        kept += end - start;
        total += end;
        if (start > 0 && first_dropped < 0) first_dropped = p, first_start = start;
    }
    if (first_dropped < 0 && total == n) return 0;
    return eddy_err_set(err, EDDY_RANGE,
                        "the mock cluster kept %" PRId64 " of %" PRId64 " bids (%" PRId64
                        " produced; partition %d starts at %" PRId64
                        "): librdkafka's mock keeps 5 MiB of message sets per partition; lower --events, raise "
                        "--partitions or compress (--compression)",
                        kept, n, total, (int)first_dropped, first_start);
}

/* ---- the expected output ---------------------------------------------------------------- */

/* The rows select gives over the first n bids: its plan (on an in-memory
 * catalog) evaluated over the generator's rows. */
static int expected_rows(const bench_opts *o, const char *select, int64_t n, int64_t *out, eddy_err *err) {
    eddy_config *cfg = bench_config(NULL);
    eddy_log *log = NULL;
    eddy_engine *eng = NULL;
    eddy_engine_opts eo = {.deterministic = true};
    eddy_arena *arena = eddy_arena_new();
    eddy_plan *plan = NULL;
    eddy_exprs *x = NULL;
    eddy_nexmark *g = NULL;
    eddy_nexmark_config nc;
    eddy_batch in = {0}, rows = {0};
    char sql[512];
    int rc;
    *out = 0;
    if (!cfg || !arena) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto done;
    }
    snprintf(sql, sizeof sql, "CREATE STREAM out AS %s;", select);
    if ((rc = eddy_log_open_embedded(":memory:", &log, err)) || (rc = eddy_engine_open_ex(cfg, log, &eo, &eng, err)) ||
        (rc = bench_run_ksql(eng, bench_bid_create_sql, err)) || (rc = bench_plan_sql(eng, sql, arena, &plan, err)))
        goto done;
    eddy_scope_source ss;
    eddy_expr_scope scope;
    eddy_plan_scope(plan, &ss, &scope);
    if ((rc = eddy_exprs_compile(&scope, plan->where, plan->exprs, plan->nexprs, &x, NULL, err))) goto done;
    eddy_nexmark_config_init(&nc);
    nc.seed = o->seed;
    if (eddy_nexmark_new(&nc, &g) || eddy_batch_init(&in, EDDY_NEXMARK_BID_NCOLS) ||
        eddy_batch_init(&rows, plan->nexprs)) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto done;
    }
    for (int64_t left = n; left > 0;) {
        size_t k = left < 1000 ? (size_t)left : 1000;
        eddy_batch_reset(&in);
        eddy_batch_reset(&rows);
        if ((rc = eddy_nexmark_fill(g, EDDY_NEXMARK_BID, &in, k)) ||
            (rc = eddy_exprs_eval(x, &in, &rows, NULL, NULL))) {
            rc = eddy_err_set(err, rc, "counting the expected rows: %s", eddy_strerror(rc));
            goto done;
        }
        *out += (int64_t)rows.count;
        left -= (int64_t)k;
    }
done:
    eddy_batch_fini(&in);
    eddy_batch_fini(&rows);
    eddy_nexmark_destroy(g);
    eddy_exprs_destroy(x);
    eddy_plan_destroy(plan);
    eddy_arena_destroy(arena);
    eddy_engine_close(eng);
    eddy_log_close(log);
    eddy_config_destroy(cfg);
    return rc;
}

/* ---- the two readers -------------------------------------------------------------------- */

/* What one side of a run measured. */
typedef struct kafka_side {
    double wall_s;     /* wall time */
    double proc_s;     /* process CPU */
    double broker_s;   /* of which the mock cluster's thread */
    double startup_s;  /* raw: assign until the first record; eddy: CSAS until the first output record was seen */
    int64_t records;   /* raw: records read; eddy: output records */
} kafka_side;

/* A plain consumer reads every partition of bid from the beginning to its end. */
static int raw_consume(const bench_opts *o, const kmock *m, int64_t n, kafka_side *s, eddy_err *err) {
    const char *const conf[] = {
        "group.id", "eddy-bench-raw", /* never joins: partitions are assigned by hand */
        "isolation.level", "read_committed",
        "enable.auto.commit", "false",
        "enable.auto.offset.store", "false",
        "enable.partition.eof", "true",
        NULL,
    };
    rd_kafka_message_t *msgs[1000];
    rd_kafka_topic_partition_list_t *tps = NULL;
    rd_kafka_queue_t *q = NULL;
    int rc = 0;
    rd_kafka_t *c = client_new(RD_KAFKA_CONSUMER, m->km_bootstraps, conf, NULL, err);
    if (!c) return EDDY_CONFIG;
    rd_kafka_poll_set_consumer(c);
    q = rd_kafka_queue_get_consumer(c);
    tps = rd_kafka_topic_partition_list_new(o->kafka_partitions);
    for (int32_t p = 0; p < o->kafka_partitions; p++)
        rd_kafka_topic_partition_list_add(tps, KAFKA_TOPIC, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    /* Connected, and the topic's leaders known, before the clock starts. */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(c, KAFKA_TOPIC, NULL);
    const struct rd_kafka_metadata *md = NULL;
    if (rkt && rd_kafka_metadata(c, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_metadata_destroy(md);
    if (rkt) rd_kafka_topic_destroy(rkt);
    int eofs = 0;
    int64_t count = 0;
    double first = -1;
    double deadline = bench_clock_s(CLOCK_MONOTONIC) + 120 + (double)n / 10000;
    double pc0 = bench_clock_s(CLOCK_PROCESS_CPUTIME_ID), b0 = kmock_cpu_s(m), w0 = bench_clock_s(CLOCK_MONOTONIC);
    rd_kafka_resp_err_t e = rd_kafka_assign(c, tps);
    if (e) {
        rc = eddy_err_set(err, EDDY_IO, "kafka: assign: %s", rd_kafka_err2str(e));
        goto done;
    }
    /* Every partition is at its end once n records were read (the load was
     * checked to be exact); an end reported everywhere first is an error. */
    while (count < n && eofs < o->kafka_partitions) {
        /* A batch call returns once it has max messages or the timeout
         * passed: never ask for more than are left. */
        size_t max = sizeof msgs / sizeof msgs[0];
        if ((int64_t)max > n - count) max = (size_t)(n - count);
        ssize_t k = rd_kafka_consume_batch_queue(q, 100, msgs, max);
        for (ssize_t i = 0; i < k; i++) {
            rd_kafka_message_t *msg = msgs[i];
            if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) eofs++;
            else if (msg->err && !rc)
                rc = eddy_err_set(err, EDDY_IO, "kafka: consuming: %s", rd_kafka_message_errstr(msg));
            else if (count++ == 0) first = bench_clock_s(CLOCK_MONOTONIC);
            rd_kafka_message_destroy(msg);
        }
        if (rc) goto done;
        if (bench_clock_s(CLOCK_MONOTONIC) > deadline) {
            rc = eddy_err_set(err, EDDY_TIMEOUT, "raw consumer: %" PRId64 " of %" PRId64 " bids after the time limit",
                              count, n);
            goto done;
        }
    }
    s->wall_s = bench_clock_s(CLOCK_MONOTONIC) - w0;
    s->proc_s = bench_clock_s(CLOCK_PROCESS_CPUTIME_ID) - pc0;
    s->broker_s = kmock_cpu_s(m) - b0;
    s->startup_s = first - w0;
    s->records = count;
    if (count != n) rc = eddy_err_set(err, EDDY_CORRUPT, "raw consumer read %" PRId64 " of %" PRId64 " bids", count, n);
done:
    rd_kafka_topic_partition_list_destroy(tps);
    if (q) rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return rc;
}

/* The sum over the partitions of topic of their end offsets (which =
 * RD_KAFKA_OFFSET_END) or start offsets (RD_KAFKA_OFFSET_BEGINNING); -1 on
 * failure (e.g. no topic yet).  One ListOffsets request for all partitions: the mock answers
 * pipelined small requests on one connection with ~40 ms stalls (its
 * sockets are not TCP_NODELAY), which rd_kafka_query_watermark_offsets (two
 * requests per partition) runs into. */
static int64_t topic_offsets(rd_kafka_t *probe, const char *topic, int32_t parts, int64_t which) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts);
    int64_t total = 0;
    for (int32_t p = 0; p < parts; p++) rd_kafka_topic_partition_list_add(l, topic, p)->offset = which;
    if (rd_kafka_offsets_for_times(probe, l, 5000)) total = -1;
    for (int i = 0; total >= 0 && i < l->cnt; i++) {
        if (l->elems[i].err || l->elems[i].offset < 0) total = -1;
        else total += l->elems[i].offset;
    }
    rd_kafka_topic_partition_list_destroy(l);
    return total;
}

/* Records ever written to topic: its end offsets (the mock writes no
 * transaction markers, and drops old message sets without moving them
 * back); -1 while the topic is not there. */
static int64_t sink_records(rd_kafka_t *probe, const char *topic, int32_t parts) {
    return topic_offsets(probe, topic, parts, RD_KAFKA_OFFSET_END);
}

/* How far the query's consumer group committed on bid: *committed = sum of
 * the positions, *seen = partitions with a position.  Not timed. */
static void group_positions(const kmock *m, const char *group, int32_t parts, int64_t *committed, int *seen) {
    const char *const conf[] = {"group.id", group, "enable.auto.commit", "false", NULL};
    eddy_err err;
    *committed = 0;
    *seen = 0;
    rd_kafka_t *c = client_new(RD_KAFKA_CONSUMER, m->km_bootstraps, conf, NULL, &err);
    if (!c) return;
    rd_kafka_topic_partition_list_t *tps = rd_kafka_topic_partition_list_new(parts);
    for (int32_t p = 0; p < parts; p++) rd_kafka_topic_partition_list_add(tps, KAFKA_TOPIC, p);
    if (rd_kafka_committed(c, tps, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR)
        for (int i = 0; i < tps->cnt; i++)
            if (!tps->elems[i].err && tps->elems[i].offset >= 0) {
                *committed += tps->elems[i].offset;
                (*seen)++;
            }
    rd_kafka_topic_partition_list_destroy(tps);
    rd_kafka_destroy(c);
}

/* eddy: the query as a persistent query with stream threads, timed from the
 * CSAS until the output topic holds `expected` records. */
static int eddy_consume(const bench_opts *o, const kmock *m, eddy_log *log, const char *select, int64_t n,
                        int64_t expected, int run, kafka_side *s, eddy_err *err) {
    char *dir = bench_temp_dir();
    eddy_config *cfg = dir ? bench_config(dir) : NULL;
    eddy_engine *eng = NULL;
    eddy_engine_opts eo = {.deterministic = false};
    rd_kafka_t *probe = NULL;
    char sql[512], threads[16], qid[256] = "", group[512];
    int rc;
    if (!cfg) {
        rc = eddy_err_set(err, EDDY_IO, "cannot make a temporary directory: %s", strerror(errno));
        goto done;
    }
    snprintf(threads, sizeof threads, "%d", o->kafka_threads);
    if ((rc = eddy_config_set(cfg, EDDY_CFG_NUM_STREAM_THREADS, threads, err)) ||
        (rc = eddy_config_set(cfg, EDDY_CFG_SERVICE_ID, "bench_", err)))
        goto done;
    if (!(probe = client_new(RD_KAFKA_PRODUCER, m->km_bootstraps, NULL, NULL, err))) {
        rc = EDDY_CONFIG;
        goto done;
    }
    if ((rc = eddy_engine_open_ex(cfg, log, &eo, &eng, err))) goto done;
    if ((rc = bench_run_ksql(eng, "CREATE STREAM bid (" EDDY_NEXMARK_BID_COLUMNS
                                  ") WITH (kafka_topic='bid', value_format='JSON');",
                             err)))
        goto done;
    snprintf(sql, sizeof sql, "CREATE STREAM out AS %s;", select);

    /* The measured part: from the CSAS until every expected row is out. */
    double pc0 = bench_clock_s(CLOCK_PROCESS_CPUTIME_ID), b0 = kmock_cpu_s(m), w0 = bench_clock_s(CLOCK_MONOTONIC);
    if ((rc = bench_run_ksql_id(eng, sql, qid, sizeof qid, err))) goto done;
    eddy_log_topic_config tc;
    if ((rc = eddy_log_topic_describe(log, KAFKA_SINK, &tc, err))) goto done;
    double deadline = w0 + 120 + (double)n / 2000, first = -1;
    int64_t out = 0;
    for (;;) {
        out = sink_records(probe, KAFKA_SINK, tc.partitions);
        double now = bench_clock_s(CLOCK_MONOTONIC);
        if (out > 0 && first < 0) first = now;
        if (out >= expected) break;
        if (now > deadline) {
            rc = eddy_err_set(err, EDDY_TIMEOUT,
                              "eddy: %" PRId64 " of %" PRId64 " output records after %.0f s (query %s)", out < 0 ? 0 : out,
                              expected, now - w0, qid);
            goto done;
        }
        sleep_ms(KAFKA_POLL_MS);
    }
    double w1 = bench_clock_s(CLOCK_MONOTONIC);
    s->wall_s = w1 - w0;
    s->proc_s = bench_clock_s(CLOCK_PROCESS_CPUTIME_ID) - pc0;
    s->broker_s = kmock_cpu_s(m) - b0;
    s->startup_s = (first < 0 ? w1 : first) - w0;
    s->records = out;

    /* Checks, not timed: nothing more comes out, the group's positions. */
    sleep_ms(200);
    int64_t later = sink_records(probe, KAFKA_SINK, tc.partitions), committed = 0;
    int seen = 0;
    snprintf(group, sizeof group, "_confluent-ksql-bench_query_%s", qid);
    group_positions(m, group, o->kafka_partitions, &committed, &seen);
    int64_t starts = topic_offsets(probe, KAFKA_SINK, tc.partitions, RD_KAFKA_OFFSET_BEGINNING);
    int64_t kept = starts >= 0 ? later - starts : later;
    int64_t errors = bench_topic_records(log, "bench_ksql_processing_log");
    if (later != expected)
        printf("    WARNING: %s has %" PRId64 " records, expected %" PRId64 "\n", KAFKA_SINK, later, expected);
    if (errors > 0) printf("    WARNING: %" PRId64 " processing-log records\n", errors);
    if (run == 0 || o->verbose) {
        printf("      query %s (group %s), %d output partitions; group positions on bid: ", qid, group, tc.partitions);
        if (seen) printf("%" PRId64 " of %" PRId64 " in %d of %d partitions", committed, n, seen, o->kafka_partitions);
        else printf("none visible (the 2.0.2 mock does not store offsets committed in a transaction)");
        if (kept < later) printf("; the mock kept the last %" PRId64 " of them (5 MiB per partition)", kept);
        printf("\n");
    }
    rc = 0;
done:
    eddy_engine_close(eng);
    if (probe) rd_kafka_destroy(probe);
    eddy_config_destroy(cfg);
    bench_remove_dir(dir);
    return rc;
}

/* ---- one run and the query's figures ---------------------------------------------------- */

static int kafka_run(const bench_opts *o, const char *select, int64_t n, int64_t expected, int run, kafka_side *raw,
                     kafka_side *ed, double *load_wall, eddy_err *err) {
    kmock m;
    eddy_log *log = NULL;
    eddy_log_topic_config tc;
    int rc;
    if ((rc = kmock_open(o->kafka_brokers, &m, err))) return rc;
    if ((rc = eddy_log_open_kafka_mock(m.km_cluster, quiet_conf, &log, err))) goto done;
    eddy_log_topic_config_init(&tc);
    tc.partitions = o->kafka_partitions;
    tc.replicas = (int16_t)(o->kafka_brokers < 3 ? o->kafka_brokers : 3);
    if ((rc = eddy_log_topic_create(log, KAFKA_TOPIC, &tc, err))) goto done;
    double w0 = bench_clock_s(CLOCK_MONOTONIC);
    if ((rc = load_bids(o, n, m.km_bootstraps, err))) goto done;
    *load_wall = (double)n / (bench_clock_s(CLOCK_MONOTONIC) - w0);
    kmock_find_threads(&m); /* by now the cluster's thread has its name */
    if (!m.km_ntids && run == 0) printf("    (the mock cluster's thread was not found: client CPU = process CPU)\n");
    if ((rc = check_loaded(o, log, n, err))) goto done;
    if ((rc = raw_consume(o, &m, n, raw, err))) goto done;
    rc = eddy_consume(o, &m, log, select, n, expected, run, ed, err);
done:
    eddy_log_close(log);
    kmock_close(&m);
    return rc;
}

static void print_side(const char *who, const kafka_side *s, int64_t n) {
    char a[32], b[32], c[32];
    printf("%s %s ev/s wall (%.3f s, first record after %.3f s), %s per client CPU s (%.3f s), %s per process CPU s "
           "(%.3f s, broker %.3f s)",
           who, bench_commas((double)n / s->wall_s, a, sizeof a), s->wall_s, s->startup_s,
           bench_commas((double)n / (s->proc_s - s->broker_s), b, sizeof b), s->proc_s - s->broker_s,
           bench_commas((double)n / s->proc_s, c, sizeof c), s->proc_s, s->broker_s);
}

void bench_kafka_query(const bench_opts *o, const char *name, const char *what, const char *select,
                       bench_results *res) {
    int64_t n = o->events_given ? o->events : BENCH_KAFKA_DEFAULT_EVENTS, expected = 0;
    double raw_cpu[64], raw_wall[64], raw_proc[64], ed_cpu[64], ed_wall[64], ed_proc[64], ed_steady[64], load[64];
    eddy_err err;
    eddy_err_clear(&err);
    printf("kafka %s (%s): %" PRId64 " JSON bids in topic bid (%d partitions, %s) on librdkafka's mock cluster (%d "
           "broker%s), a plain consumer vs CREATE STREAM out AS %s (%d stream thread%s)\n",
           name, what, n, o->kafka_partitions, o->kafka_compression, o->kafka_brokers, o->kafka_brokers > 1 ? "s" : "",
           select, o->kafka_threads, o->kafka_threads > 1 ? "s" : "");
    fflush(stdout);
    if (expected_rows(o, select, n, &expected, &err)) {
        bench_record_failure(res, "kafka", name, err.msg);
        return;
    }
    for (int run = 0; run < o->runs; run++) {
        kafka_side raw = {0}, ed = {0};
        eddy_err_clear(&err);
        if (kafka_run(o, select, n, expected, run, &raw, &ed, &load[run], &err)) {
            bench_record_failure(res, "kafka", name, err.msg);
            return;
        }
        raw_wall[run] = (double)n / raw.wall_s;
        raw_cpu[run] = (double)n / (raw.proc_s - raw.broker_s);
        raw_proc[run] = (double)n / raw.proc_s;
        ed_wall[run] = (double)n / ed.wall_s;
        ed_cpu[run] = (double)n / (ed.proc_s - ed.broker_s);
        ed_proc[run] = (double)n / ed.proc_s;
        ed_steady[run] = ed.wall_s > ed.startup_s ? (double)n / (ed.wall_s - ed.startup_s) : 0;
        char a[32], b[32];
        printf("    run %d/%d: load %s ev/s wall;\n      ", run + 1, o->runs, bench_commas(load[run], a, sizeof a));
        print_side("raw ", &raw, n);
        printf(";\n      ");
        print_side("eddy", &ed, n);
        printf(";\n      eddy %s ev/s wall after its first output record; %" PRId64 " records out; eddy/raw wall %.2f, "
               "client CPU %.2f\n",
               bench_commas(ed_steady[run], b, sizeof b), ed.records, ed_wall[run] / raw_wall[run],
               ed_cpu[run] / raw_cpu[run]);
        fflush(stdout);
    }
    double mrw[64], mrc[64], mew[64], mec[64];
    memcpy(mrw, raw_wall, sizeof mrw);
    memcpy(mrc, raw_cpu, sizeof mrc);
    memcpy(mew, ed_wall, sizeof mew);
    memcpy(mec, ed_cpu, sizeof mec);
    double rw = bench_median(mrw, o->runs), rc = bench_median(mrc, o->runs);
    double ew = bench_median(mew, o->runs), ec = bench_median(mec, o->runs);
    double es = bench_median(ed_steady, o->runs);
    bench_result *r = bench_summarize(res, "kafka-raw", name, raw_cpu, raw_wall, raw_proc, o->runs, NULL,
                                      "plain librdkafka consumer; per core = per client CPU s");
    if (r) r->target = -1;
    r = bench_summarize(res, "kafka", name, ed_cpu, ed_wall, ed_proc, o->runs, NULL,
                        "eddy persistent query from the CSAS; per core = per client CPU s");
    if (r) r->target = rc / 2;
    char a[32], b[32], c[32], d[32], e[32];
    printf("  kafka   %-4s eddy/raw: wall %.2f (eddy %s vs raw %s ev/s; eddy %s after its startup: %.2f), client CPU %.2f "
           "(eddy %s vs raw %s ev/s per CPU s); target eddy >= 0.5 x raw: wall %s, CPU %s\n",
           name, ew / rw, bench_commas(ew, a, sizeof a), bench_commas(rw, b, sizeof b), bench_commas(es, e, sizeof e),
           es / rw,
           ec / rc, bench_commas(ec, c, sizeof c), bench_commas(rc, d, sizeof d), ew >= rw / 2 ? "met" : "MISSED",
           ec >= rc / 2 ? "met" : "MISSED");
    fflush(stdout);
}
