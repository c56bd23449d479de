/* bench_agg.c - `eddy bench` aggregations: Nexmark q5 (HOPPING) and a TUMBLING average, discard, log and state modes.
 *
 * The queries are planned by the real planner as
 *   CREATE TABLE out AS <select> EMIT CHANGES;
 * over the catalog of an engine that holds CREATE STREAM bid (...).
 *
 *   discard  generator -> the plan's pre-aggregation expressions (WHERE and
 *            [group values | arguments], eddy_exprs_eval) -> eddy_aggop over
 *            an in-memory eddy_stores with the server's record cache
 *            (cache_max_bytes) -> the projection and HAVING over the rows
 *            the cache lets out -> discard, in one thread.  A commit (flush
 *            the cache, project, clear the changelog, commit the store) runs
 *            every commit interval of wall time and once at the end, as a
 *            server task does; all of it is timed.
 *   log      JSON bids in topic "bid" of an embedded log in a temporary
 *            directory; the query runs as a persistent query (eddy_qrun with
 *            the server's cache and commit interval, state in RocksDB in the
 *            same directory), stepped until it has read everything and
 *            committed its last batch: fetch, JSON decode, aggregate,
 *            changelog and output records produced in transactions.
 *   state    one long discard run that prints, as the number of keys
 *            (group, window) grows, the record cache's bytes and entries
 *            (eddy_store_cache_bytes of the operator's store) and the heap.
 */
#include "bench/bench_int.h"

#include "bench/nexmark.h"
#include "engine/expr.h"
#include "engine/op_aggregate.h"
#include "engine/query.h"
#include "engine/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bench_agg {
    const char *name;
    const char *what;
    const char *select;    /* over stream BID */
    double discard_target; /* events/s per core for the discard mode; < 0: none */
} bench_agg;

static const bench_agg aggs[] = {
    {"q5", "hot items: bids per auction, HOPPING window of 10 s advancing by 2 s (Nexmark q5's counting step)",
     "SELECT auction, COUNT(*) AS num FROM bid WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 2 SECONDS) "
     "GROUP BY auction",
     5e5},
    {"tavg", "average price per auction, 10 s TUMBLING window",
     "SELECT auction, AVG(price) AS avg_price, COUNT(*) AS bids FROM bid WINDOW TUMBLING (SIZE 10 SECONDS) "
     "GROUP BY auction",
     -1},
};
#define NAGGS ((int)(sizeof aggs / sizeof aggs[0]))

int bench_agg_count(void) { return NAGGS; }
const char *bench_agg_name(int i) { return i >= 0 && i < NAGGS ? aggs[i].name : NULL; }
unsigned bench_agg_all(void) { return (1u << NAGGS) - 1; }

/* The operator's state store, for its cache figures.  Declared weak: until
 * op_aggregate.h exports it, the state mode prints the heap only. */
/* (declared in engine/op_aggregate.h) */

/* ---- the one-thread pipeline (discard and state modes) ---------------------------------- */

typedef struct agg_pipe {
    eddy_config *cfg;
    eddy_log *log;       /* in-memory embedded log: only holds the catalog's topics */
    eddy_engine *eng;
    eddy_arena *arena;   /* the statement's nodes */
    eddy_plan *plan;
    eddy_exprs *pre;     /* WHERE + pre-aggregation expressions, over the source */
    eddy_exprs *post;    /* projection (+ HAVING as the last column), over the aggregate row */
    eddy_stores *stores;
    eddy_aggop *op;
    eddy_batch in, pre_rows, rows, out;
    int64_t cache_max_bytes;
    int64_t emitted;     /* output rows (HAVING passed, old values not counted) */
    int64_t commits;
    int64_t checkpoint;
    /* Thread CPU time per stage (s): generate, pre-aggregation expressions,
     * the operator (cache evictions included), projection, commits. */
    double t_gen, t_pre, t_agg, t_emit, t_commit;
} agg_pipe;

static void pipe_state_close(agg_pipe *p) {
    eddy_aggop_destroy(p->op);
    p->op = NULL;
    eddy_stores_close(p->stores);
    p->stores = NULL;
}

/* Fresh state: an in-memory store database and a new operator. */
static int pipe_state_open(agg_pipe *p, eddy_err *err) {
    int rc;
    pipe_state_close(p);
    if ((rc = eddy_stores_open(NULL, &p->stores, err))) return rc;
    eddy_aggop_opts ao = {.stores = p->stores,
                          .store_name = "bench-Aggregate-Aggregate-Materialize",
                          .partition = 0,
                          .cache_max_bytes = p->cache_max_bytes};
    p->emitted = p->commits = p->checkpoint = 0;
    p->t_gen = p->t_pre = p->t_agg = p->t_emit = p->t_commit = 0;
    return eddy_aggop_new(p->plan, &ao, &p->op, err);
}

static void pipe_close(agg_pipe *p) {
    pipe_state_close(p);
    eddy_exprs_destroy(p->pre);
    eddy_exprs_destroy(p->post);
    eddy_batch_fini(&p->in);
    eddy_batch_fini(&p->pre_rows);
    eddy_batch_fini(&p->rows);
    eddy_batch_fini(&p->out);
    eddy_plan_destroy(p->plan);
    eddy_arena_destroy(p->arena);
    eddy_engine_close(p->eng);
    eddy_log_close(p->log);
    eddy_config_destroy(p->cfg);
    memset(p, 0, sizeof *p);
}

static int pipe_open(const bench_opts *o, const bench_agg *ba, agg_pipe *p, eddy_err *err) {
    eddy_engine_opts eo = {.deterministic = true};
    char sql[512];
    int rc;
    memset(p, 0, sizeof *p);
    p->cache_max_bytes = o->cache_max_bytes;
    p->cfg = bench_config(NULL);
    p->arena = eddy_arena_new();
    if (!p->cfg || !p->arena) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    snprintf(sql, sizeof sql, "CREATE TABLE out AS %s EMIT CHANGES;", ba->select);
    if ((rc = eddy_log_open_embedded(":memory:", &p->log, err)) ||
        (rc = eddy_engine_open_ex(p->cfg, p->log, &eo, &p->eng, err)) ||
        (rc = bench_run_ksql(p->eng, bench_bid_create_sql, err)) ||
        (rc = bench_plan_sql(p->eng, sql, p->arena, &p->plan, err)))
        return rc;
    const eddy_plan *pl = p->plan;
    if (!pl->agg) return eddy_err_set(err, EDDY_INVAL, "not an aggregation: %s", sql);
    if (pl->source->schema->ncols != EDDY_NEXMARK_BID_NCOLS)
        return eddy_err_set(err, EDDY_INVAL, "the BID stream does not have the generator's columns");
    eddy_scope_source ss;
    eddy_expr_scope scope;
    eddy_plan_scope(pl, &ss, &scope);
    if ((rc = eddy_exprs_compile(&scope, pl->where, pl->agg->pre_exprs, pl->agg->npre, &p->pre, NULL, err))) return rc;
    /* The projection, with HAVING as one more column (as a query task does). */
    const eddy_expr **post = calloc((size_t)pl->nexprs + 2, sizeof *post);
    if (!post) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    int n = 0;
    for (int i = 0; i < pl->nexprs; i++) post[n++] = pl->exprs[i];
    if (pl->agg->having) post[n++] = pl->agg->having;
    eddy_plan_agg_scope(pl, &ss, &scope);
    rc = eddy_exprs_compile(&scope, NULL, post, n, &p->post, NULL, err);
    free(post);
    if (rc) return rc;
    if (eddy_batch_init(&p->in, EDDY_NEXMARK_BID_NCOLS) || eddy_batch_init(&p->pre_rows, pl->agg->npre) ||
        eddy_batch_init(&p->rows, pl->agg->agg_schema->ncols) || eddy_batch_init(&p->out, n))
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return pipe_state_open(p, err);
}

static double cpu_now(void) { return bench_clock_s(CLOCK_THREAD_CPUTIME_ID); }

/* Projects the aggregate rows the operator let out, counts them, drops them. */
static int pipe_emit(agg_pipe *p, eddy_err *err) {
    if (!p->rows.count) return 0;
    double t0 = cpu_now();
    int rc = eddy_exprs_eval(p->post, &p->rows, &p->out, NULL, NULL);
    if (rc) return eddy_err_set(err, rc, "evaluating the projection failed");
    const eddy_plan *pl = p->plan;
    for (size_t i = 0; i < p->out.count; i++) {
        const eddy_row *r = &p->out.rows[i];
        if (r->flags & EDDY_ROW_OLD) continue;
        if (pl->agg->having) {
            const eddy_value *h = &r->cols[pl->nexprs];
            if (!(h->v_kind == EDDY_V_BOOL && h->u.i)) continue;
        }
        p->emitted++;
    }
    eddy_batch_reset(&p->rows);
    eddy_batch_reset(&p->out);
    p->t_emit += cpu_now() - t0;
    return 0;
}

/* What a task does on commit: flush the cache, emit, make the state durable. */
static int pipe_commit(agg_pipe *p, eddy_err *err) {
    int rc;
    double t0 = cpu_now();
    if ((rc = eddy_aggop_flush(p->op, &p->rows, err))) return rc;
    double t1 = cpu_now();
    if ((rc = pipe_emit(p, err))) return rc;
    double t2 = cpu_now();
    const eddy_aggop_record *cl;
    p->checkpoint += (int64_t)eddy_aggop_changelog(p->op, &cl);
    eddy_aggop_changelog_clear(p->op);
    p->commits++;
    rc = eddy_aggop_commit(p->op, p->checkpoint, err);
    p->t_commit += (t1 - t0) + (cpu_now() - t2);
    return rc;
}

/* Makes n bids and runs them through the operator. */
static int pipe_batch(agg_pipe *p, eddy_nexmark *g, size_t n, eddy_err *err) {
    int rc;
    double t0 = cpu_now();
    eddy_batch_reset(&p->in);
    eddy_batch_reset(&p->pre_rows);
    if ((rc = eddy_nexmark_fill(g, EDDY_NEXMARK_BID, &p->in, n))) return eddy_err_set(err, rc, "out of memory");
    double t1 = cpu_now();
    if ((rc = eddy_exprs_eval(p->pre, &p->in, &p->pre_rows, NULL, NULL)))
        return eddy_err_set(err, rc, "evaluating the pre-aggregation expressions failed");
    double t2 = cpu_now();
    if ((rc = eddy_aggop_process(p->op, &p->pre_rows, &p->rows, err))) return rc;
    double t3 = cpu_now();
    p->t_gen += t1 - t0;
    p->t_pre += t2 - t1;
    p->t_agg += t3 - t2;
    return pipe_emit(p, err);
}

/* ---- discard ----------------------------------------------------------------------------- */

void bench_agg_discard(const bench_opts *o, int k, bench_results *res) {
    const bench_agg *ba = &aggs[k];
    agg_pipe p;
    eddy_nexmark *g = NULL;
    eddy_nexmark_config nc;
    eddy_err err;
    double cpu_rates[64], wall_rates[64];
    bench_lat l = {0};
    int rc;
    eddy_err_clear(&err);
    if ((rc = pipe_open(o, ba, &p, &err))) {
        bench_record_failure(res, "discard", ba->name, err.msg);
        goto done;
    }
    eddy_nexmark_config_init(&nc);
    nc.seed = o->seed;
    if (eddy_nexmark_new(&nc, &g)) {
        bench_record_failure(res, "discard", ba->name, "out of memory");
        goto done;
    }
    printf("discard %s (%s): CREATE TABLE out AS %s EMIT CHANGES; record cache %" PRId64 " bytes, commit every %" PRId64
           " ms\n",
           ba->name, ba->what, ba->select, o->cache_max_bytes, o->commit_interval_ms);
    for (int run = 0; run < o->runs; run++) {
        if (run && (rc = pipe_state_open(&p, &err))) break;
        eddy_nexmark_seek(g, 0);
        size_t first_lat = l.n;
        double c0 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = bench_clock_s(CLOCK_MONOTONIC);
        int64_t last_commit = bench_mono_ns();
        for (int64_t left = o->events; left > 0 && !rc;) {
            size_t n = left < o->batch ? (size_t)left : (size_t)o->batch;
            int64_t t0 = bench_mono_ns();
            rc = pipe_batch(&p, g, n, &err);
            int64_t t1 = bench_mono_ns();
            if (!rc && (t1 - last_commit) / 1000000 >= o->commit_interval_ms) {
                rc = pipe_commit(&p, &err);
                last_commit = t1 = bench_mono_ns();
            }
            bench_lat_add(&l, t1 - t0);
            left -= (int64_t)n;
        }
        if (!rc) rc = pipe_commit(&p, &err);
        double c1 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID), w1 = bench_clock_s(CLOCK_MONOTONIC);
        if (rc) break;
        cpu_rates[run] = (double)o->events / (c1 - c0);
        wall_rates[run] = (double)o->events / (w1 - w0);
        bench_lat run_l = {l.ns + first_lat, l.n - first_lat, 0};
        bench_lat_sort(&run_l);
        int64_t entries = -1;
        eddy_store_cache_counts(eddy_aggop_store(p.op), &entries, NULL);
        char a[32], b[32];
        printf("    run %d/%d: %" PRId64 " events in %.3f s CPU (%.3f s wall): %s ev/s per core, %s ev/s wall; "
               "%" PRId64 " rows out in %" PRId64 " commits; batch p50 %.0f us, p99 %.0f us",
               run + 1, o->runs, o->events, c1 - c0, w1 - w0, bench_commas(cpu_rates[run], a, sizeof a),
               bench_commas(wall_rates[run], b, sizeof b), p.emitted, p.commits,
               (double)bench_percentile(run_l.ns, run_l.n, 50) / 1000,
               (double)bench_percentile(run_l.ns, run_l.n, 99) / 1000);
        if (entries >= 0)
            printf("; cache %.1f MB, %" PRId64 " entries",
                   (double)eddy_store_cache_bytes(eddy_aggop_store(p.op)) / 1048576, entries);
        printf("; %" PRId64 " late\n", eddy_aggop_late_records(p.op));
        double tt = p.t_gen + p.t_pre + p.t_agg + p.t_emit + p.t_commit;
        if (tt > 0)
            printf("      CPU by stage: generate %.0f%%, pre-aggregation expressions %.0f%%, aggregate (cache "
                   "evictions included) %.0f%%, projection %.0f%%, commits %.0f%%\n",
                   p.t_gen / tt * 100, p.t_pre / tt * 100, p.t_agg / tt * 100, p.t_emit / tt * 100,
                   p.t_commit / tt * 100);
        fflush(stdout);
    }
    if (rc) {
        bench_record_failure(res, "discard", ba->name, err.msg);
        goto done;
    }
    bench_result *r = bench_summarize(res, "discard", ba->name, cpu_rates, wall_rates, NULL, o->runs, &l,
                                      "generator + aggregate (cache, commits), one thread");
    if (r) r->target = ba->discard_target;
done:
    free(l.ns);
    eddy_nexmark_destroy(g);
    pipe_close(&p);
}

/* ---- state: the cache while the keys grow -------------------------------------------------- */

/* A set of 64-bit keys (open addressing; 0 is never a key here). */
typedef struct key_set {
    uint64_t *slots;
    size_t mask, n;
} key_set;

static bool key_set_add(key_set *s, uint64_t k) {
    if ((s->n + 1) * 2 > s->mask + 1) {
        size_t cap = s->mask ? (s->mask + 1) * 2 : 1 << 16;
        uint64_t *ns = calloc(cap, sizeof *ns);
        if (!ns) return false;
        for (size_t i = 0; s->slots && i <= s->mask; i++) {
            uint64_t v = s->slots[i];
            if (!v) continue;
            size_t j = (size_t)(v * UINT64_C(0x9e3779b97f4a7c15) >> 20) & (cap - 1);
            while (ns[j]) j = (j + 1) & (cap - 1);
            ns[j] = v;
        }
        free(s->slots);
        s->slots = ns;
        s->mask = cap - 1;
    }
    size_t j = (size_t)(k * UINT64_C(0x9e3779b97f4a7c15) >> 20) & s->mask;
    while (s->slots[j]) {
        if (s->slots[j] == k) return true;
        j = (j + 1) & s->mask;
    }
    s->slots[j] = k;
    s->n++;
    return true;
}

/* Adds the (auction, window) keys of the bids in b (column 0: auction). */
static void count_keys(key_set *s, const eddy_plan_window *w, const eddy_batch *b) {
    for (size_t i = 0; i < b->count; i++) {
        int64_t auction = b->rows[i].cols[0].u.i, ts = b->rows[i].ts;
        int64_t first = ts - w->size_ms + w->advance_ms;
        if (first < 0) first = 0;
        first = first / w->advance_ms * w->advance_ms;
        for (int64_t ws = first; ws <= ts; ws += w->advance_ms)
            key_set_add(s, ((uint64_t)auction << 32) ^ (uint64_t)(ws / w->advance_ms) ^ UINT64_C(1) << 63);
    }
}

void bench_agg_state(const bench_opts *o, int k, bench_results *res) {
    const bench_agg *ba = &aggs[k];
    agg_pipe p;
    eddy_nexmark *g = NULL;
    eddy_nexmark_config nc;
    eddy_err err;
    key_set keys = {0};
    int rc;
    eddy_err_clear(&err);
    if ((rc = pipe_open(o, ba, &p, &err))) {
        bench_record_failure(res, "state", ba->name, err.msg);
        goto done;
    }
    eddy_nexmark_config_init(&nc);
    nc.seed = o->seed;
    if (eddy_nexmark_new(&nc, &g)) {
        bench_record_failure(res, "state", ba->name, "out of memory");
        goto done;
    }
    const eddy_plan_window *w = &p.plan->agg->window;
    int64_t step = o->state_events / 10 > 0 ? o->state_events / 10 : 1;
    printf("state %s: %" PRId64 " bids through the operator, record cache %" PRId64
           " bytes (commits every %" PRId64 " ms); keys = (auction, window) groups made so far\n",
           ba->name, o->state_events, o->cache_max_bytes, o->commit_interval_ms);
    printf("    %12s %12s %14s %14s %14s %12s\n", "events", "keys", "cache bytes", "cache entries", "heap in use",
           "rows out");
    int64_t done_ev = 0, next_report = step, last_commit = bench_mono_ns(), heap0 = bench_heap_bytes();
    int64_t max_cache = 0;
    while (done_ev < o->state_events && !rc) {
        int64_t left = o->state_events - done_ev;
        size_t n = left < o->batch ? (size_t)left : (size_t)o->batch;
        if ((rc = pipe_batch(&p, g, n, &err))) break;
        count_keys(&keys, w, &p.pre_rows);
        done_ev += (int64_t)n;
        if ((bench_mono_ns() - last_commit) / 1000000 >= o->commit_interval_ms) {
            if ((rc = pipe_commit(&p, &err))) break;
            last_commit = bench_mono_ns();
        }
        int64_t cb = eddy_store_cache_bytes(eddy_aggop_store(p.op));
        if (cb > max_cache) max_cache = cb;
        if (done_ev >= next_report || done_ev == o->state_events) {
            int64_t entries = -1;
            eddy_store_cache_counts(eddy_aggop_store(p.op), &entries, NULL);
            char a[32], b[32], c[32], d[32], e[32];
            printf("    %12s %12s %14s %14s %14s %12" PRId64 "\n", bench_commas((double)done_ev, a, sizeof a),
                   bench_commas((double)keys.n, b, sizeof b), cb >= 0 ? bench_commas((double)cb, c, sizeof c) : "n/a",
                   entries >= 0 ? bench_commas((double)entries, d, sizeof d) : "n/a",
                   bench_commas((double)(bench_heap_bytes() - heap0), e, sizeof e), p.emitted);
            fflush(stdout);
            next_report += step;
        }
    }
    if (rc) {
        bench_record_failure(res, "state", ba->name, err.msg);
        goto done;
    }
    if (max_cache >= 0)
        printf("  state   %-4s largest cache seen %.1f MB for %zu keys (budget %.1f MB): %s\n", ba->name,
               (double)max_cache / 1048576, keys.n, (double)o->cache_max_bytes / 1048576,
               max_cache <= o->cache_max_bytes ? "bounded" : "OVER THE BUDGET");
    else
        printf("  state   %-4s cache size not measurable: op_aggregate.h does not export eddy_aggop_store()\n",
               ba->name);
    printf("          heap in use = process-wide malloc (the in-memory RocksDB state included) since the run began\n");
    fflush(stdout);
done:
    free(keys.slots);
    eddy_nexmark_destroy(g);
    pipe_close(&p);
}

/* ---- log: through the embedded log into an output topic ---------------------------------- */

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Whether group has committed every partition of topic up to its end. */
static bool all_committed(eddy_log *log, const char *group, const char *topic) {
    eddy_log_topic_config tc;
    if (eddy_log_topic_describe(log, topic, &tc, NULL)) return false;
    for (int32_t p = 0; p < tc.partitions; p++) {
        int64_t end = 0, pos = -1;
        if (eddy_log_partition_offsets(log, topic, p, NULL, &end, NULL)) return false;
        if (end > 0 && (eddy_log_group_committed(log, group, topic, p, &pos, NULL) || pos < end)) return false;
    }
    return true;
}

/* One run; fills the rates and adds per-step latencies to l. */
static int agg_log_run(const bench_opts *o, const bench_agg *ba, int run, double *cpu_rate, double *wall_rate,
                       double *proc_rate, bench_lat *l, eddy_err *err) {
    char *dir = bench_temp_dir();
    char *logdir = NULL, *statedir = NULL, sql[512];
    eddy_config *cfg = bench_config(NULL);
    eddy_log *log = NULL;
    eddy_engine *eng = NULL;
    eddy_engine_opts eo = {.deterministic = true};
    eddy_arena *arena = eddy_arena_new();
    eddy_plan *plan = NULL;
    eddy_stores *stores = NULL;
    eddy_qrun *q = NULL;
    eddy_log_topic_config tc;
    int rc;
    if (!dir || !cfg || !arena || asprintf(&logdir, "%s/log", dir) < 0 || asprintf(&statedir, "%s/state", dir) < 0) {
        rc = eddy_err_set(err, EDDY_IO, "cannot make a temporary directory");
        goto done;
    }
    if ((rc = eddy_log_open_embedded(logdir, &log, err))) goto done;
    eddy_log_topic_config_init(&tc);
    tc.retention_ms = EDDY_LOG_RETENTION_FOREVER;
    if ((rc = eddy_log_topic_create(log, "bid", &tc, err))) goto done;
    double c0 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID);
    if ((rc = bench_load_bids(o, log, err))) goto done;
    double load_rate = (double)o->events / (bench_clock_s(CLOCK_THREAD_CPUTIME_ID) - c0);
    if ((rc = eddy_engine_open_ex(cfg, log, &eo, &eng, err))) goto done;
    if ((rc = bench_run_ksql(eng, "CREATE STREAM bid (" EDDY_NEXMARK_BID_COLUMNS
                                  ") WITH (kafka_topic='bid', value_format='JSON');",
                             err)))
        goto done;
    snprintf(sql, sizeof sql, "CREATE TABLE out AS %s EMIT CHANGES;", ba->select);
    if ((rc = bench_plan_sql(eng, sql, arena, &plan, err))) goto done;
    const char *sink = plan->sink->topic;
    eddy_log_topic_config_init(&tc);
    tc.partitions = 1;
    if ((rc = eddy_log_topic_create(log, sink, &tc, err))) goto done;
    if ((rc = eddy_stores_open(statedir, &stores, err))) goto done;
    eddy_qrun_opts qo = {0};
    qo.query_id = "CTAS_OUT_0";
    qo.group_id = "_confluent-ksql-default_query_CTAS_OUT_0";
    qo.from_earliest = true;
    qo.batch_size = o->batch;
    qo.stores = stores;
    qo.cache_max_bytes = o->cache_max_bytes;
    qo.commit_interval_ms = o->commit_interval_ms;
    rc = eddy_qrun_new(log, plan, &qo, &q, err);
    plan = NULL;
    if (rc) goto done;
    /* GROUP BY auction over the keyless bid stream: the source task writes
     * the rows to a repartition topic that the aggregating task reads. */
    bool q_plan_repartitions = eddy_qrun_plan(q)->agg->repartition;
    char repartition[256];
    snprintf(repartition, sizeof repartition, "%s-Aggregate-GroupBy-repartition", qo.group_id);

    /* The measured part: step until everything is read, then until the last
     * batch is committed (the commit interval may make that wait: the
     * sleeps are left out of the wall time, and cost no CPU). */
    double pc0 = bench_clock_s(CLOCK_PROCESS_CPUTIME_ID), w0 = bench_clock_s(CLOCK_MONOTONIC), slept = 0;
    c0 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID);
    for (;;) {
        bool did = false;
        int64_t t0 = bench_mono_ns();
        if ((rc = eddy_qrun_step(q, &did, err))) goto done;
        if (did) {
            bench_lat_add(l, bench_mono_ns() - t0);
            continue;
        }
        if (all_committed(log, qo.group_id, "bid") &&
            (!q_plan_repartitions || all_committed(log, qo.group_id, repartition)))
            break;
        double s0 = bench_clock_s(CLOCK_MONOTONIC);
        sleep_ms(5);
        slept += bench_clock_s(CLOCK_MONOTONIC) - s0;
    }
    double c1 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID), w1 = bench_clock_s(CLOCK_MONOTONIC);
    double pc1 = bench_clock_s(CLOCK_PROCESS_CPUTIME_ID);
    *cpu_rate = (double)o->events / (c1 - c0);
    *wall_rate = (double)o->events / (w1 - w0 - slept);
    *proc_rate = (double)o->events / (pc1 - pc0);
    int64_t processed = 0, errors = 0;
    eddy_qrun_counts(q, &processed, &errors);
    char a[32], b[32], c[32];
    printf("    run %d/%d: load %s ev/s per core; query %.3f s CPU (%.3f s wall without %.1f s waiting for the commit "
           "interval, %.3f s process CPU): %s ev/s per core, %s ev/s wall; %" PRId64 " records in, %" PRId64
           " records out, %" PRId64 " changelog records, %" PRId64 " skipped\n",
           run + 1, o->runs, bench_commas(load_rate, c, sizeof c), c1 - c0, w1 - w0 - slept, slept, pc1 - pc0,
           bench_commas(*cpu_rate, a, sizeof a), bench_commas(*wall_rate, b, sizeof b), processed,
           bench_topic_records(log, sink),
           bench_topic_records(log, "_confluent-ksql-default_query_CTAS_OUT_0"
                                    "-Aggregate-Aggregate-Materialize-changelog"),
           errors);
    if (run == 0) bench_print_first(log, sink);
    fflush(stdout);
    rc = 0;
done:
    eddy_qrun_destroy(q);
    eddy_plan_destroy(plan);
    eddy_stores_close(stores);
    eddy_arena_destroy(arena);
    eddy_engine_close(eng);
    eddy_log_close(log);
    eddy_config_destroy(cfg);
    free(logdir);
    free(statedir);
    bench_remove_dir(dir);
    return rc;
}

void bench_agg_log(const bench_opts *o, int k, bench_results *res) {
    const bench_agg *ba = &aggs[k];
    double cpu_rates[64], wall_rates[64], proc_rates[64];
    bench_lat l = {0};
    eddy_err err;
    printf("log %s (%s): %" PRId64 " JSON bids in topic bid, CREATE TABLE out AS %s EMIT CHANGES; record cache %" PRId64
           " bytes, commit every %" PRId64 " ms, state in RocksDB\n",
           ba->name, ba->what, o->events, ba->select, o->cache_max_bytes, o->commit_interval_ms);
    fflush(stdout);
    for (int run = 0; run < o->runs; run++) {
        eddy_err_clear(&err);
        if (agg_log_run(o, ba, run, &cpu_rates[run], &wall_rates[run], &proc_rates[run], &l, &err)) {
            bench_record_failure(res, "log", ba->name, err.msg);
            free(l.ns);
            return;
        }
    }
    bench_result *r = bench_summarize(res, "log", ba->name, cpu_rates, wall_rates, proc_rates, o->runs, &l,
                                      "persistent query: fetch, decode, aggregate, commit (cache + interval)");
    if (r) r->target = -1;
    free(l.ns);
}
