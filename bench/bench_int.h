/* bench_int.h - internals of `eddy bench` shared by its files: options, figures, clocks, engine helpers.
 *
 * bench.c holds the stateless modes (gen, discard, log, memory), the options
 * and main; bench_agg.c the aggregations (Nexmark q5 and a tumbling window);
 * bench_kafka.c the Kafka mode (librdkafka's mock cluster); bench_util.c
 * what they all use.  All figures go through bench_summarize into a
 * bench_results, from which main prints the summary table.
 */
#ifndef EDDY_BENCH_BENCH_INT_H
#define EDDY_BENCH_BENCH_INT_H

#include "base/arena.h"
#include "base/error.h"
#include "connectors/log.h"
#include "engine/engine.h"
#include "engine/plan.h"
#include "server/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum { MODE_GEN = 1, MODE_DISCARD = 2, MODE_LOG = 4, MODE_MEMORY = 8, MODE_STATE = 16, MODE_KAFKA = 32 };

typedef struct bench_opts {
    int64_t events;
    int runs;
    int batch;
    uint64_t seed;
    unsigned queries;          /* bit i: the i-th stateless query (bench.c) */
    unsigned aggs;             /* bit i: the i-th aggregation (bench_agg.c) */
    unsigned modes;
    int mem_queries;
    int64_t cache_max_bytes;   /* aggregations: record cache (ksql.streams.cache.max.bytes.buffering) */
    int64_t commit_interval_ms;/* aggregations: commit (flush) interval (ksql.streams.commit.interval.ms) */
    int64_t state_events;      /* --mode state: events of the state-growth run */
    bool events_given;         /* --events was given (else --mode kafka uses its own default) */
    int kafka_partitions;      /* --mode kafka: partitions of topic bid */
    int kafka_brokers;         /* --mode kafka: brokers of the mock cluster */
    int kafka_threads;         /* --mode kafka: the engine's ksql.streams.num.stream.threads */
    char kafka_compression[16];/* --mode kafka: compression.type of the loading producer */
    bool verbose;
} bench_opts;

/* One measured figure over the runs, for the summary. */
typedef struct bench_result {
    char mode[16];
    char query[8];
    double cpu_rate, wall_rate, lo, hi; /* medians; spread of the CPU rate */
    double proc_rate;                   /* median over process CPU (all threads), -1 when not measured */
    double p50_us, p99_us;              /* per batch, -1 when none */
    double target;                      /* events/s per core to reach: 0 = the mode's, < 0 = none */
    char note[160];
} bench_result;

typedef struct bench_results {
    bench_result items[32];
    int n;
} bench_results;

/* Per-batch durations (heap array; free(ns) when done). */
typedef struct bench_lat {
    int64_t *ns;
    size_t n, cap;
} bench_lat;

extern const char *bench_bid_create_sql; /* CREATE STREAM bid (...) for the generator's columns */

/* ---- clocks and statistics ---- */
double bench_clock_s(clockid_t id);
int64_t bench_mono_ns(void);
int bench_cmp_i64(const void *a, const void *b);
/* Median of n values (sorts v). */
double bench_median(double *v, int n);
/* The p-th percentile (nearest rank) of n sorted values. */
int64_t bench_percentile(const int64_t *v, size_t n, double p);
void bench_lat_add(bench_lat *l, int64_t ns);
void bench_lat_sort(bench_lat *l);
/* v with thousands separators ("12,345,678") in buf; returns buf. */
const char *bench_commas(double v, char *buf, size_t len);
/* Prints the runs' median line and records it in res (sorts the rate
 * arrays; l may be NULL; proc_rates may be NULL).  Returns the recorded
 * result (to set its target), or NULL when res is full. */
bench_result *bench_summarize(bench_results *res, const char *mode, const char *query, double *cpu_rates,
                              double *wall_rates, double *proc_rates, int runs, bench_lat *l, const char *note);
void bench_record_failure(bench_results *res, const char *mode, const char *query, const char *msg);

/* ---- engine helpers ---- */
/* Runs statements on e; a failure's message goes to err. */
int bench_run_ksql(eddy_engine *e, const char *sql, eddy_err *err);
/* bench_run_ksql that also copies the id of the query the statement started
 * (from the first entity's commandStatus.queryId; "" when none) into id. */
int bench_run_ksql_id(eddy_engine *e, const char *sql, char *id, size_t idlen, eddy_err *err);
/* Plans one statement (CSAS, CTAS or INSERT INTO SELECT) over e's catalog.
 * The statement's nodes live in arena (kept by the caller until the plan is
 * gone).  *out owned by the caller. */
int bench_plan_sql(eddy_engine *e, const char *sql, eddy_arena *arena, eddy_plan **out, eddy_err *err);
/* A new temporary directory (heap path, caller frees) or NULL. */
char *bench_temp_dir(void);
/* Removes dir and everything in it, and frees the path (NULL: no-op). */
void bench_remove_dir(char *dir);
/* A configuration for the bench engines (caller destroys). */
eddy_config *bench_config(const char *state_dir);
/* Produces o->events JSON bids into topic bid, o->batch per transaction. */
int bench_load_bids(const bench_opts *o, eddy_log *log, eddy_err *err);
/* Records in all partitions of topic (-1 when it does not exist). */
int64_t bench_topic_records(eddy_log *log, const char *topic);
/* Prints the first record of topic (a sanity check of the output). */
void bench_print_first(eddy_log *log, const char *topic);
/* Bytes malloc'd and not freed (all arenas; glibc's mallinfo2). */
int64_t bench_heap_bytes(void);

/* ---- aggregations (bench_agg.c) ---- */
/* Names of the aggregations, for --query and usage. */
int bench_agg_count(void);
const char *bench_agg_name(int i);
/* Bits of the aggregations run by --query all. */
unsigned bench_agg_all(void);
/* generator -> pre-aggregation expressions -> eddy_aggop -> projection -> discard. */
void bench_agg_discard(const bench_opts *o, int agg, bench_results *res);
/* JSON bids through the embedded log into an output topic, with the server's cache and commit settings. */
void bench_agg_log(const bench_opts *o, int agg, bench_results *res);
/* The record cache's size while the number of keys grows. */
void bench_agg_state(const bench_opts *o, int agg, bench_results *res);

/* ---- kafka (bench_kafka.c) ---- */
/* Default bid events per run of --mode kafka when --events is not given (the
 * mock cluster keeps only 5 MiB per partition: see bench_kafka.c). */
#define BENCH_KAFKA_DEFAULT_EVENTS 200000
/* One stateless query (name, what it does, SELECT over stream BID) on
 * librdkafka's mock cluster, beside a plain librdkafka consumer reading the
 * same topic. */
void bench_kafka_query(const bench_opts *o, const char *name, const char *what, const char *select,
                       bench_results *res);

#endif
