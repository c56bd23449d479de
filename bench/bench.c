/* bench.c - `eddy bench`: Nexmark q0-q2 generator -> query -> discard, through the log, memory per idle query; main.
 *
 * Modes (see docs/benchmarks.md):
 *   gen      the generator alone: bid rows, and bid JSON text;
 *   discard  generator -> filter/projection -> discard in one thread: the
 *            query's plan comes from the real planner (eddy_plan_query over a
 *            catalog made by CREATE STREAM on an engine), its expressions from
 *            eddy_exprs_compile, evaluated with eddy_exprs_eval over batches;
 *   log      N JSON bid records in topic "bid" of an embedded log in a
 *            temporary directory, then CREATE STREAM bid + CREATE STREAM out
 *            AS SELECT on a deterministic engine, timing
 *            eddy_engine_run_until_idle (fetch, JSON decode, evaluate, JSON
 *            encode, produce in transactions with the positions); then the
 *            same query stepped batch by batch for per-batch latencies;
 *   memory   resident memory of a server engine (stream threads) idle and
 *            with Q idle persistent queries;
 *   state    (aggregations only) the record cache's size while the number
 *            of keys grows;
 *   kafka    JSON bids in a topic of librdkafka's in-process mock cluster,
 *            the query on an engine with stream threads beside a plain
 *            librdkafka consumer reading the same topic (bench_kafka.c).
 * The aggregations (q5, tavg) run in the discard, log and state modes; they
 * live in bench_agg.c.
 * Events per second per core = events / CPU time of the measuring thread
 * (CLOCK_THREAD_CPUTIME_ID); the wall-clock rate is printed beside it.
 */
#include "bench/bench.h"

#include "bench/bench_int.h"
#include "bench/nexmark.h"
#include "engine/engine.h"
#include "engine/expr.h"
#include "engine/plan.h"
#include "engine/query.h"
#include "server/config.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#ifndef EDDY_BENCH_BUILD_TYPE
#define EDDY_BENCH_BUILD_TYPE "unknown"
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BENCH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BENCH_SANITIZED 1
#endif
#endif
#ifndef BENCH_SANITIZED
#define BENCH_SANITIZED 0
#endif

typedef struct bench_query {
    const char *name;
    const char *what;
    const char *select; /* over stream BID */
} bench_query;

static const bench_query queries[] = {
    {"q0", "passthrough", "SELECT * FROM bid"},
    {"q1", "currency conversion, Nexmark's 0.908 * price (DECIMAL)",
     "SELECT auction, bidder, 0.908 * price AS price, dateTime, extra FROM bid"},
    {"q1i", "currency conversion in integers, 908 * price / 1000",
     "SELECT auction, bidder, 908 * price / 1000 AS price, dateTime, extra FROM bid"},
    {"q2", "selection, auction % 123 = 0", "SELECT auction, price FROM bid WHERE auction % 123 = 0"},
};
#define NQUERIES ((int)(sizeof queries / sizeof queries[0]))
#define ALL_QUERIES 0xB /* q0, q1, q2 (q1i on request) */
#define ALL_MODES (MODE_GEN | MODE_DISCARD | MODE_LOG | MODE_MEMORY | MODE_STATE | MODE_KAFKA)

/* ---- gen: the generator alone -------------------------------------------------------------- */

static void bench_gen(const bench_opts *o, bench_results *res) {
    eddy_nexmark_config nc;
    eddy_nexmark *g = NULL;
    eddy_batch in;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    double cpu_rows[64], wall_rows[64], cpu_json[64], wall_json[64];
    eddy_nexmark_config_init(&nc);
    nc.seed = o->seed;
    if (eddy_nexmark_new(&nc, &g) || eddy_batch_init(&in, EDDY_NEXMARK_BID_NCOLS)) {
        bench_record_failure(res, "gen", "bid", "out of memory");
        eddy_nexmark_destroy(g);
        return;
    }
    printf("gen: the generator alone, %" PRId64 " bids per run (rows in batches of %d; JSON text)\n", o->events,
           o->batch);
    for (int run = 0; run < o->runs; run++) {
        eddy_nexmark_seek(g, 0);
        double c0 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = bench_clock_s(CLOCK_MONOTONIC);
        int64_t check = 0;
        for (int64_t left = o->events; left > 0;) {
            size_t n = left < o->batch ? (size_t)left : (size_t)o->batch;
            eddy_batch_reset(&in);
            eddy_nexmark_fill(g, EDDY_NEXMARK_BID, &in, n);
            check += in.rows[n - 1].cols[2].u.i;
            left -= (int64_t)n;
        }
        double c1 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID), w1 = bench_clock_s(CLOCK_MONOTONIC);
        cpu_rows[run] = (double)o->events / (c1 - c0);
        wall_rows[run] = (double)o->events / (w1 - w0);
        /* JSON text of bids (all event kinds are drawn, non-bids skipped). */
        eddy_nexmark_seek(g, 0);
        eddy_nexmark_event ev;
        size_t bytes = 0;
        c0 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = bench_clock_s(CLOCK_MONOTONIC);
        for (int64_t done = 0; done < o->events;) {
            eddy_nexmark_next(g, &ev);
            if (ev.kind != EDDY_NEXMARK_BID) continue;
            eddy_strbuf_reset(&sb);
            eddy_nexmark_json(&ev, &sb);
            bytes += sb.len;
            done++;
        }
        c1 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID), w1 = bench_clock_s(CLOCK_MONOTONIC);
        cpu_json[run] = (double)o->events / (c1 - c0);
        wall_json[run] = (double)o->events / (w1 - w0);
        char a[32], b[32];
        printf("    run %d/%d: rows %s ev/s per core; JSON %s ev/s per core (%.0f bytes per bid; checksum %" PRId64
               ")\n",
               run + 1, o->runs, bench_commas(cpu_rows[run], a, sizeof a), bench_commas(cpu_json[run], b, sizeof b),
               (double)bytes / (double)o->events, check);
    }
    bench_summarize(res, "gen", "rows", cpu_rows, wall_rows, NULL, o->runs, NULL, "bid rows into batches");
    bench_summarize(res, "gen", "json", cpu_json, wall_json, NULL, o->runs, NULL, "bid JSON text");
    eddy_strbuf_fini(&sb);
    eddy_batch_fini(&in);
    eddy_nexmark_destroy(g);
}

/* ---- discard: generator -> query -> discard ------------------------------------------------ */

static void bench_discard_query(const bench_opts *o, const bench_query *bq, bench_results *res) {
    eddy_config *cfg = bench_config(NULL);
    eddy_log *log = NULL;
    eddy_engine *eng = NULL;
    eddy_arena *arena = eddy_arena_new();
    eddy_plan *plan = NULL;
    eddy_exprs *x = NULL;
    eddy_nexmark *g = NULL;
    eddy_nexmark_config nc;
    eddy_batch in = {0}, out = {0};
    eddy_err err;
    eddy_engine_opts eo = {.deterministic = true};
    double cpu_rates[64], wall_rates[64];
    bench_lat l = {0};
    char sql[512];
    eddy_err_clear(&err);
    if (!cfg || !arena) {
        bench_record_failure(res, "discard", bq->name, "out of memory");
        goto done;
    }
    snprintf(sql, sizeof sql, "CREATE STREAM out AS %s;", bq->select);
    if (eddy_log_open_embedded(":memory:", &log, &err) || eddy_engine_open_ex(cfg, log, &eo, &eng, &err) ||
        bench_run_ksql(eng, bench_bid_create_sql, &err) || bench_plan_sql(eng, sql, arena, &plan, &err)) {
        bench_record_failure(res, "discard", bq->name, err.msg);
        goto done;
    }
    if (plan->source->schema->ncols != EDDY_NEXMARK_BID_NCOLS) {
        bench_record_failure(res, "discard", bq->name, "the BID stream does not have the generator's columns");
        goto done;
    }
    eddy_scope_source ss;
    eddy_expr_scope scope;
    eddy_plan_scope(plan, &ss, &scope);
    if (eddy_exprs_compile(&scope, plan->where, plan->exprs, plan->nexprs, &x, NULL, &err)) {
        bench_record_failure(res, "discard", bq->name, err.msg);
        goto done;
    }
    eddy_nexmark_config_init(&nc);
    nc.seed = o->seed;
    if (eddy_nexmark_new(&nc, &g) || eddy_batch_init(&in, EDDY_NEXMARK_BID_NCOLS) ||
        eddy_batch_init(&out, plan->nexprs)) {
        bench_record_failure(res, "discard", bq->name, "out of memory");
        goto done;
    }
    printf("discard %s (%s): %s\n", bq->name, bq->what, sql);
    for (int run = 0; run < o->runs; run++) {
        int64_t rows_out = 0;
        int rc = 0;
        size_t first_lat = l.n;
        eddy_nexmark_seek(g, 0);
        double c0 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = bench_clock_s(CLOCK_MONOTONIC);
        for (int64_t left = o->events; left > 0 && !rc;) {
            size_t n = left < o->batch ? (size_t)left : (size_t)o->batch;
            int64_t t0 = bench_mono_ns();
            eddy_batch_reset(&in);
            eddy_batch_reset(&out);
            rc = eddy_nexmark_fill(g, EDDY_NEXMARK_BID, &in, n);
            if (!rc) rc = eddy_exprs_eval(x, &in, &out, NULL, NULL);
            bench_lat_add(&l, bench_mono_ns() - t0);
            rows_out += (int64_t)out.count;
            left -= (int64_t)n;
        }
        double c1 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID), w1 = bench_clock_s(CLOCK_MONOTONIC);
        if (rc) {
            bench_record_failure(res, "discard", bq->name, eddy_strerror(rc));
            goto done;
        }
        cpu_rates[run] = (double)o->events / (c1 - c0);
        wall_rates[run] = (double)o->events / (w1 - w0);
        bench_lat run_l = {l.ns + first_lat, l.n - first_lat, 0};
        qsort(run_l.ns, run_l.n, sizeof *run_l.ns, bench_cmp_i64);
        char a[32], b[32];
        printf("    run %d/%d: %" PRId64 " events in %.3f s CPU (%.3f s wall): %s ev/s per core, %s ev/s wall; "
               "%" PRId64 " rows out; batch p50 %.0f us, p99 %.0f us\n",
               run + 1, o->runs, o->events, c1 - c0, w1 - w0, bench_commas(cpu_rates[run], a, sizeof a),
               bench_commas(wall_rates[run], b, sizeof b), rows_out,
               (double)bench_percentile(run_l.ns, run_l.n, 50) / 1000,
               (double)bench_percentile(run_l.ns, run_l.n, 99) / 1000);
        if (o->verbose && out.count) {
            eddy_strbuf sb = EDDY_STRBUF_INIT;
            for (int c = 0; c < out.ncols; c++) {
                if (c) eddy_strbuf_puts(&sb, ", ");
                eddy_value_format(&out.rows[0].cols[c], &sb);
            }
            printf("    last batch, first row: %s\n", eddy_strbuf_cstr(&sb));
            eddy_strbuf_fini(&sb);
        }
        fflush(stdout);
    }
    bench_summarize(res, "discard", bq->name, cpu_rates, wall_rates, NULL, o->runs, &l, "generator + eval, one thread");
done:
    free(l.ns);
    eddy_batch_fini(&in);
    eddy_batch_fini(&out);
    eddy_nexmark_destroy(g);
    eddy_exprs_destroy(x);
    eddy_plan_destroy(plan);
    eddy_arena_destroy(arena);
    eddy_engine_close(eng);
    eddy_log_close(log);
    eddy_config_destroy(cfg);
}

/* ---- log: JSON through the embedded log into an output topic ------------------------------- */


/* One run of a query through the log; fills the rates and latencies. */
static int log_run(const bench_opts *o, const bench_query *bq, int run, double *cpu_rate, double *wall_rate,
                   double *proc_rate, double *load_rate, double *load_wall, bench_lat *l, eddy_err *err) {
    char *dir = bench_temp_dir();
    char *logdir = NULL, sql[512];
    eddy_config *cfg = bench_config(NULL);
    eddy_log *log = NULL;
    eddy_engine *eng = NULL;
    eddy_engine_opts eo = {.deterministic = true};
    eddy_arena *arena = eddy_arena_new();
    eddy_plan *plan = NULL;
    eddy_qrun *q = NULL;
    eddy_log_topic_config tc;
    int rc;
    if (!dir || !cfg || !arena || asprintf(&logdir, "%s/log", dir) < 0) {
        logdir = NULL;
        rc = eddy_err_set(err, EDDY_IO, "cannot make a temporary directory: %s", strerror(errno));
        goto done;
    }
    if ((rc = eddy_log_open_embedded(logdir, &log, err))) goto done;
    eddy_log_topic_config_init(&tc);
    tc.retention_ms = EDDY_LOG_RETENTION_FOREVER;
    if ((rc = eddy_log_topic_create(log, "bid", &tc, err))) goto done;
    double c0 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID), lw0 = bench_clock_s(CLOCK_MONOTONIC);
    if ((rc = bench_load_bids(o, log, err))) goto done;
    *load_rate = (double)o->events / (bench_clock_s(CLOCK_THREAD_CPUTIME_ID) - c0);
    *load_wall = (double)o->events / (bench_clock_s(CLOCK_MONOTONIC) - lw0);

    if ((rc = eddy_engine_open_ex(cfg, log, &eo, &eng, err))) goto done;
    if ((rc = bench_run_ksql(eng, "CREATE STREAM bid (" EDDY_NEXMARK_BID_COLUMNS
                            ") WITH (kafka_topic='bid', value_format='JSON');",
                       err)))
        goto done;
    snprintf(sql, sizeof sql, "CREATE STREAM out AS %s;", bq->select);
    if ((rc = bench_run_ksql(eng, sql, err))) goto done;

    /* The measured part: the engine runs the query over everything. */
    double pc0 = bench_clock_s(CLOCK_PROCESS_CPUTIME_ID);
    c0 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID);
    double w0 = bench_clock_s(CLOCK_MONOTONIC);
    rc = eddy_engine_run_until_idle(eng, err);
    double c1 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID), w1 = bench_clock_s(CLOCK_MONOTONIC);
    double pc1 = bench_clock_s(CLOCK_PROCESS_CPUTIME_ID);
    if (rc) goto done;
    *cpu_rate = (double)o->events / (c1 - c0);
    *wall_rate = (double)o->events / (w1 - w0);
    *proc_rate = (double)o->events / (pc1 - pc0);
    int64_t out_n = bench_topic_records(log, "OUT");
    int64_t errors = bench_topic_records(log, "default_ksql_processing_log");
    char a[32], b[32], c[32];
    printf("    run %d/%d: load %s ev/s per core; query %.3f s CPU (%.3f s wall, %.3f s process CPU): %s ev/s per core,"
           " %s ev/s wall; %" PRId64 " records out, %" PRId64 " processing-log records\n",
           run + 1, o->runs, bench_commas(*load_rate, c, sizeof c), c1 - c0, w1 - w0, pc1 - pc0,
           bench_commas(*cpu_rate, a, sizeof a), bench_commas(*wall_rate, b, sizeof b), out_n, errors);
    if (run == 0) bench_print_first(log, "OUT");

    /* Per-batch latency: the same query planned as INSERT INTO out, stepped
     * one batch at a time from the start of bid under its own group. */
    snprintf(sql, sizeof sql, "INSERT INTO out %s;", bq->select);
    eddy_err perr;
    eddy_err_clear(&perr);
    if (bench_plan_sql(eng, sql, arena, &plan, &perr) == 0) {
        eddy_qrun_opts qo = {0};
        qo.query_id = "bench_latency";
        qo.group_id = "bench_latency";
        qo.from_earliest = true;
        qo.batch_size = o->batch;
        rc = eddy_qrun_new(log, plan, &qo, &q, &perr);
        plan = NULL;
        if (rc) {
            printf("    (no latencies: %s)\n", perr.msg);
            rc = 0;
        } else {
            size_t first = l->n;
            bool did = true;
            c0 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID);
            while (did) {
                int64_t t0 = bench_mono_ns();
                if ((rc = eddy_qrun_step_task(q, 0, &did, err))) goto done;
                if (did) bench_lat_add(l, bench_mono_ns() - t0);
            }
            c1 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID);
            bench_lat run_l = {l->ns + first, l->n - first, 0};
            qsort(run_l.ns, run_l.n, sizeof *run_l.ns, bench_cmp_i64);
            printf("      stepped: %zu batches of %d, %s ev/s per core; batch p50 %.0f us, p99 %.0f us, max %.0f us\n",
                   run_l.n, o->batch, bench_commas((double)o->events / (c1 - c0), a, sizeof a),
                   (double)bench_percentile(run_l.ns, run_l.n, 50) / 1000,
                   (double)bench_percentile(run_l.ns, run_l.n, 99) / 1000,
                   run_l.n ? (double)run_l.ns[run_l.n - 1] / 1000 : 0.0);
        }
    } else {
        printf("    (no latencies: %s)\n", perr.msg);
    }
    fflush(stdout);
    rc = 0;
done:
    eddy_qrun_destroy(q);
    eddy_plan_destroy(plan);
    eddy_arena_destroy(arena);
    eddy_engine_close(eng);
    eddy_log_close(log);
    eddy_config_destroy(cfg);
    free(logdir);
    bench_remove_dir(dir);
    return rc;
}

static void bench_log_query(const bench_opts *o, const bench_query *bq, bench_results *res) {
    double cpu_rates[64], wall_rates[64], proc_rates[64], load_rates[64], load_wall[64];
    bench_lat l = {0};
    eddy_err err;
    printf("log %s (%s): %" PRId64 " JSON bids in topic bid, CREATE STREAM out AS %s\n", bq->name, bq->what,
           o->events, bq->select);
    fflush(stdout);
    for (int run = 0; run < o->runs; run++) {
        eddy_err_clear(&err);
        if (log_run(o, bq, run, &cpu_rates[run], &wall_rates[run], &proc_rates[run], &load_rates[run], &load_wall[run], &l, &err)) {
            bench_record_failure(res, "log", bq->name, err.msg);
            free(l.ns);
            return;
        }
    }
    bench_summarize(res, "log", bq->name, cpu_rates, wall_rates, proc_rates, o->runs, &l,
              "run_until_idle: fetch, decode, eval, encode, commit");
    if (bq == &queries[0]) bench_summarize(res, "load", "json", load_rates, load_wall, NULL, o->runs, NULL,
                                     "generate JSON + produce in transactions of a batch");
    free(l.ns);
}

/* ---- memory: a server engine with idle persistent queries ---------------------------------- */

typedef struct proc_mem {
    double rss_mb, hwm_mb;
    double heap_mb; /* malloc'd and not freed (all malloc arenas, mmapped chunks included) */
    int threads;
} proc_mem;

static proc_mem read_mem(void) {
    proc_mem m = {0, 0, 0, 0};
    struct mallinfo2 mi = mallinfo2();
    m.heap_mb = (double)(mi.uordblks + mi.hblkhd) / (1024 * 1024);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    if (!f) return m;
    while (fgets(line, sizeof line, f)) {
        long v;
        if (sscanf(line, "VmRSS: %ld kB", &v) == 1) m.rss_mb = (double)v / 1024;
        else if (sscanf(line, "VmHWM: %ld kB", &v) == 1) m.hwm_mb = (double)v / 1024;
        else if (sscanf(line, "Threads: %ld", &v) == 1) m.threads = (int)v;
    }
    fclose(f);
    return m;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void print_mem(const char *what, proc_mem m) {
    printf("    %-46s RSS %7.1f MB  (peak %7.1f MB; malloc in use %6.1f MB; %d threads)\n", what, m.rss_mb, m.hwm_mb,
           m.heap_mb, m.threads);
    fflush(stdout);
}

static int bench_memory(const bench_opts *o) {
    char *dir = bench_temp_dir();
    eddy_config *cfg = dir ? bench_config(dir) : NULL;
    eddy_engine *eng = NULL;
    eddy_log *log = NULL;
    eddy_err err;
    int rc = 1, nq = o->mem_queries;
    char sql[256];
    eddy_err_clear(&err);
    if (!cfg) {
        fprintf(stderr, "eddy bench: cannot make a temporary directory\n");
        goto done;
    }
    printf("memory: a server engine (embedded log in %s, %lld stream threads) with %d idle persistent queries\n",
           dir, (long long)eddy_config_get_int(cfg, EDDY_CFG_NUM_STREAM_THREADS), nq);
    proc_mem base = read_mem();
    print_mem("process before the engine", base);
    if (eddy_engine_open(cfg, NULL, &eng, &err)) goto fail;
    log = eddy_engine_log(eng);
    sleep_ms(300);
    proc_mem idle = read_mem();
    print_mem("engine open, idle", idle);
    if (bench_run_ksql(eng, bench_bid_create_sql, &err)) goto fail;
    sleep_ms(200);
    proc_mem with_bid = read_mem();
    print_mem("+ stream BID", with_bid);
    proc_mem at1 = with_bid, at10 = with_bid;
    for (int i = 0; i < nq; i++) {
        snprintf(sql, sizeof sql, "CREATE STREAM q%d AS SELECT * FROM bid WHERE price > %d;", i, i);
        if (bench_run_ksql(eng, sql, &err)) goto fail;
        if (i == 0) sleep_ms(200), at1 = read_mem(), print_mem("+ 1 persistent query", at1);
        if (i == 9) sleep_ms(200), at10 = read_mem(), print_mem("+ 10 persistent queries", at10);
    }
    sleep_ms(1000);
    proc_mem atn = read_mem();
    char what[64];
    snprintf(what, sizeof what, "+ %d persistent queries, idle", nq);
    print_mem(what, atn);

    /* Let every query process a little, then idle again. */
    eddy_nexmark_config nc;
    eddy_nexmark *g = NULL;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_nexmark_event ev;
    int64_t prices[1000];
    eddy_nexmark_config_init(&nc);
    nc.seed = o->seed;
    if (eddy_nexmark_new(&nc, &g)) goto fail;
    for (int i = 0; i < 1000;) {
        eddy_nexmark_next(g, &ev);
        if (ev.kind != EDDY_NEXMARK_BID) continue;
        eddy_strbuf_reset(&sb);
        eddy_nexmark_json(&ev, &sb);
        eddy_log_record r = {0};
        r.timestamp = ev.u.bid.date_time;
        r.value = sb.buf;
        r.value_len = sb.len;
        eddy_log_produce(log, "bid", 0, &r, 0, NULL, NULL, NULL);
        prices[i++] = ev.u.bid.price;
    }
    eddy_strbuf_fini(&sb);
    eddy_nexmark_destroy(g);
    int64_t t_end = bench_mono_ns() + INT64_C(60) * 1000000000;
    bool all = false;
    while (!all && bench_mono_ns() < t_end) {
        all = true;
        for (int i = 0; i < nq && all; i++) {
            int64_t want = 0;
            for (int k = 0; k < 1000; k++) want += prices[k] > i;
            snprintf(sql, sizeof sql, "Q%d", i);
            if (bench_topic_records(log, sql) < want) all = false;
        }
        if (!all) sleep_ms(50);
    }
    sleep_ms(500);
    proc_mem after = read_mem();
    snprintf(what, sizeof what, "  after 1,000 bids through each%s", all ? "" : " (TIMED OUT)");
    print_mem(what, after);
    malloc_trim(0);
    print_mem("  the same after malloc_trim(0)", read_mem());
    double per = (atn.rss_mb - with_bid.rss_mb) / nq;
    double per_after = (after.rss_mb - with_bid.rss_mb) / nq;
    printf("  memory  idle engine %.1f MB (process before it: %.1f MB); %d idle queries add %.1f MB = %.2f MB per "
           "query (%.2f MB per query after processing 1,000 bids each); target < 1 MB per query: %s\n",
           idle.rss_mb, base.rss_mb, nq, atn.rss_mb - with_bid.rss_mb, per, per_after, per < 1.0 ? "met" : "MISSED");
    fflush(stdout);
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "eddy bench: memory: %s\n", err.msg);
done:
    eddy_engine_close(eng);
    eddy_config_destroy(cfg);
    bench_remove_dir(dir);
    return rc;
}

/* Runs `--mode memory` in a fresh process, so that the figures are not those
 * of a heap the other modes grew. */
static int spawn_memory(const bench_opts *o) {
    char q[16], seed[32];
    snprintf(q, sizeof q, "%d", o->mem_queries);
    snprintf(seed, sizeof seed, "%" PRIu64, o->seed);
    char *argv[] = {"eddy", "bench", "--mode", "memory", "--queries", q, "--seed", seed, NULL};
    pid_t pid;
    fflush(stdout);
    if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ) != 0) return bench_memory(o);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* ---- options and main ----------------------------------------------------------------------- */

static void usage(FILE *out) {
    fprintf(out,
            "usage: eddy bench [--events N] [--runs R] [--query q0|q1|q1i|q2|q5|tavg|all[,...]]\n"
            "                  [--mode gen|discard|log|memory|state|all[,...]] [--batch B] [--seed S]\n"
            "                  [--queries Q] [--cache-bytes C] [--commit-ms M] [--state-events N]\n"
            "                  [--partitions P] [--brokers K] [--threads T] [--compression C] [--verbose]\n"
            "  --events N   bid events per run (default 1000000; --mode kafka: 200000, see --compression)\n"
            "  --runs R     runs per figure; the median and spread are reported (default 5)\n"
            "  --query      Nexmark queries: q0 passthrough, q1 currency conversion (0.908 * price),\n"
            "               q1i the same in integers (908 * price / 1000), q2 selection,\n"
            "               q5 bids per auction in a HOPPING window (size 10 s, advance 2 s),\n"
            "               tavg average price per auction per 10 s TUMBLING window\n"
            "               (default all = q0,q1,q2,q5,tavg)\n"
            "  --mode       gen (generator alone), discard (generator -> query -> discard),\n"
            "               log (JSON through the embedded log), memory (idle queries),\n"
            "               state (aggregations: record cache size as keys grow),\n"
            "               kafka (q0-q2 on librdkafka's mock cluster beside a plain consumer), all (default)\n"
            "  --batch B    rows per batch and per transaction (default 1000)\n"
            "  --queries Q  persistent queries for --mode memory (default 100)\n"
            "  --cache-bytes C   aggregations: record cache per task (default 10485760, the server's\n"
            "               ksql.streams.cache.max.bytes.buffering)\n"
            "  --commit-ms M     aggregations: commit (flush) interval, ms (default 2000, the server's\n"
            "               ksql.streams.commit.interval.ms)\n"
            "  --state-events N  bid events of the --mode state run (default 5000000)\n"
            "  --partitions P    --mode kafka: partitions of topic bid (default 4)\n"
            "  --brokers K       --mode kafka: brokers of the mock cluster (default 1)\n"
            "  --threads T       --mode kafka: the engine's stream threads (default 1)\n"
            "  --compression C   --mode kafka: compression.type of the bids (none, gzip, snappy, lz4,\n"
            "               zstd; default zstd: the mock keeps only 5 MiB per partition)\n");
}

static int parse_i64(const char *s, int64_t min, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min) return -1;
    *out = v;
    return 0;
}

static int parse_opts(int argc, char **argv, bench_opts *o) {
    o->events = 1000000;
    o->runs = 5;
    o->batch = 1000;
    o->seed = 42;
    o->queries = ALL_QUERIES;
    o->aggs = bench_agg_all();
    o->modes = ALL_MODES;
    o->mem_queries = 100;
    o->cache_max_bytes = 10485760;
    o->commit_interval_ms = 2000;
    o->state_events = 5000000;
    o->events_given = false;
    o->kafka_partitions = 4;
    o->kafka_brokers = 1;
    o->kafka_threads = 1;
    snprintf(o->kafka_compression, sizeof o->kafka_compression, "zstd");
    o->verbose = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t n;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            o->verbose = true;
            continue;
        }
        if (!v) {
            fprintf(stderr, "eddy bench: %s needs a value\n", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--events") == 0 && parse_i64(v, 1, &n) == 0) o->events = n, o->events_given = true;
        else if (strcmp(a, "--partitions") == 0 && parse_i64(v, 1, &n) == 0 && n <= 1000) o->kafka_partitions = (int)n;
        else if (strcmp(a, "--brokers") == 0 && parse_i64(v, 1, &n) == 0 && n <= 16) o->kafka_brokers = (int)n;
        else if (strcmp(a, "--threads") == 0 && parse_i64(v, 1, &n) == 0 && n <= 64) o->kafka_threads = (int)n;
        else if (strcmp(a, "--compression") == 0 && strlen(v) < sizeof o->kafka_compression)
            snprintf(o->kafka_compression, sizeof o->kafka_compression, "%s", v);
        else if (strcmp(a, "--runs") == 0 && parse_i64(v, 1, &n) == 0 && n <= 64) o->runs = (int)n;
        else if (strcmp(a, "--batch") == 0 && parse_i64(v, 1, &n) == 0 && n <= 1000000) o->batch = (int)n;
        else if (strcmp(a, "--queries") == 0 && parse_i64(v, 1, &n) == 0 && n <= 10000) o->mem_queries = (int)n;
        else if (strcmp(a, "--seed") == 0 && parse_i64(v, 0, &n) == 0) o->seed = (uint64_t)n;
        else if (strcmp(a, "--cache-bytes") == 0 && parse_i64(v, 0, &n) == 0) o->cache_max_bytes = n;
        else if (strcmp(a, "--commit-ms") == 0 && parse_i64(v, 0, &n) == 0) o->commit_interval_ms = n;
        else if (strcmp(a, "--state-events") == 0 && parse_i64(v, 1, &n) == 0) o->state_events = n;
        else if (strcmp(a, "--query") == 0 || strcmp(a, "--mode") == 0) {
            bool is_query = strcmp(a, "--query") == 0;
            unsigned bits = 0, agg_bits = 0;
            char *copy = strdup(v), *save = NULL;
            for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
                unsigned b = 0, ab = 0; /* a stateless query or mode; an aggregation */
                if (strcasecmp(t, "all") == 0) {
                    b = is_query ? ALL_QUERIES : ALL_MODES;
                    ab = is_query ? bench_agg_all() : 0;
                } else if (is_query) {
                    for (int k = 0; k < NQUERIES; k++)
                        if (strcasecmp(t, queries[k].name) == 0) b = 1u << k;
                    for (int k = 0; k < bench_agg_count(); k++)
                        if (strcasecmp(t, bench_agg_name(k)) == 0) ab = 1u << k;
                } else {
                    b = strcasecmp(t, "gen") == 0       ? MODE_GEN
                        : strcasecmp(t, "discard") == 0 ? MODE_DISCARD
                        : strcasecmp(t, "log") == 0     ? MODE_LOG
                        : strcasecmp(t, "memory") == 0  ? MODE_MEMORY
                        : strcasecmp(t, "state") == 0   ? MODE_STATE
                        : strcasecmp(t, "kafka") == 0   ? MODE_KAFKA
                                                        : 0;
                }
                if (!b && !ab) {
                    fprintf(stderr, "eddy bench: unknown %s '%s'\n", is_query ? "query" : "mode", t);
                    free(copy);
                    return -1;
                }
                bits |= b;
                agg_bits |= ab;
            }
            free(copy);
            if (is_query) {
                o->queries = bits;
                o->aggs = agg_bits;
            } else {
                o->modes = bits;
            }
        } else {
            fprintf(stderr, "eddy bench: bad option %s %s\n", a, v);
            return -1;
        }
    }
    return 0;
}

static void print_machine(const bench_opts *o) {
    char model[256] = "unknown CPU", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && c) {
            snprintf(model, sizeof model, "%s", c + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    }
    if (f) fclose(f);
    char kafka_n[48] = "";
    if ((o->modes & MODE_KAFKA) && !o->events_given)
        snprintf(kafka_n, sizeof kafka_n, " (--mode kafka: %d)", BENCH_KAFKA_DEFAULT_EVENTS);
    printf("eddy bench: Nexmark, %" PRId64 " bid events per run%s, %d runs per figure, batches of %d, seed %" PRIu64
           "\n",
           o->events, kafka_n, o->runs, o->batch, o->seed);
    printf("machine: %s, %ld CPUs online; build: %s%s\n", model, sysconf(_SC_NPROCESSORS_ONLN), EDDY_BENCH_BUILD_TYPE,
           BENCH_SANITIZED ? " + sanitizers (figures are not meaningful)" : "");
    printf("events = bid records the query reads (the generator makes persons and auctions too, in 1:3:46)\n\n");
    fflush(stdout);
}

static void print_summary(const bench_results *res) {
    if (!res->n) return;
    printf("\nsummary (medians; events/s per core = events / CPU time of the thread; kafka rows: of the process "
           "without the mock broker's thread)\n");
    printf("| mode    | query | events/s per core | events/s wall | per process CPU | spread (CPU rate) | batch p50 / p99 "
           "| target |\n");
    printf("| ------- | ----- | ----------------: | ------------: | --------------: | ----------------- | --------------- "
           "| ------ |\n");
    for (int i = 0; i < res->n; i++) {
        const bench_result *r = &res->items[i];
        char a[32], b[32], c[32], d[32], e[32] = "", lat_s[48] = "", target[32] = "";
        if (r->cpu_rate < 0) {
            printf("| %-7s | %-5s | %s |\n", r->mode, r->query, r->note);
            continue;
        }
        if (r->proc_rate >= 0) bench_commas(r->proc_rate, e, sizeof e);
        if (r->p50_us >= 0) snprintf(lat_s, sizeof lat_s, "%.0f / %.0f us", r->p50_us, r->p99_us);
        double want = r->target != 0       ? r->target
                      : strcmp(r->mode, "discard") == 0 ? 1e6
                      : strcmp(r->mode, "log") == 0     ? 3e5
                                                        : -1;
        if (want > 0)
            snprintf(target, sizeof target, "%s %.0f%s", r->cpu_rate >= want ? "met, >=" : "MISSED,",
                     want >= 1e6 ? want / 1e6 : want / 1e3, want >= 1e6 ? "M" : "k");
        printf("| %-7s | %-5s | %17s | %13s | %15s | %s .. %s | %s | %s |\n", r->mode, r->query,
               bench_commas(r->cpu_rate, a, sizeof a), bench_commas(r->wall_rate, b, sizeof b), e,
               bench_commas(r->lo, c, sizeof c),
               bench_commas(r->hi, d, sizeof d), lat_s, target);
    }
    fflush(stdout);
}

int eddy_bench_main(int argc, char **argv) {
    bench_opts o;
    bench_results res;
    int rc = 0;
    if (parse_opts(argc, argv, &o)) {
        usage(stderr);
        return 2;
    }
    memset(&res, 0, sizeof res);
    if (o.modes == MODE_MEMORY) return bench_memory(&o);
    print_machine(&o);
    if (o.modes & MODE_GEN) bench_gen(&o, &res);
    for (int k = 0; k < NQUERIES; k++)
        if ((o.modes & MODE_DISCARD) && (o.queries & (1u << k))) bench_discard_query(&o, &queries[k], &res);
    for (int k = 0; k < NQUERIES; k++)
        if ((o.modes & MODE_LOG) && (o.queries & (1u << k))) bench_log_query(&o, &queries[k], &res);
    for (int k = 0; k < bench_agg_count(); k++)
        if ((o.modes & MODE_DISCARD) && (o.aggs & (1u << k))) bench_agg_discard(&o, k, &res);
    for (int k = 0; k < bench_agg_count(); k++)
        if ((o.modes & MODE_LOG) && (o.aggs & (1u << k))) bench_agg_log(&o, k, &res);
    for (int k = 0; k < bench_agg_count(); k++)
        if ((o.modes & MODE_STATE) && (o.aggs & (1u << k))) bench_agg_state(&o, k, &res);
    for (int k = 0; k < NQUERIES; k++)
        if ((o.modes & MODE_KAFKA) && (o.queries & (1u << k)))
            bench_kafka_query(&o, queries[k].name, queries[k].what, queries[k].select, &res);
    print_summary(&res);
    if (o.modes & MODE_MEMORY) {
        printf("\n");
        rc = spawn_memory(&o);
    }
    for (int i = 0; i < res.n; i++)
        if (res.items[i].cpu_rate < 0) rc = 1;
    return rc;
}
