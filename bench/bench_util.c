/* bench_util.c - what the `eddy bench` modes share: clocks, medians, the summary lines, engine and log helpers. */
#include "bench/bench_int.h"

#include "bench/nexmark.h"
#include "sql/parse.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *bench_bid_create_sql =
    "CREATE STREAM bid (" EDDY_NEXMARK_BID_COLUMNS ") WITH (kafka_topic='bid', value_format='JSON', partitions=1);";

/* ---- clocks and statistics ---------------------------------------------------------------- */

double bench_clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int64_t bench_mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int bench_cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

double bench_median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int64_t bench_percentile(const int64_t *v, size_t n, double p) {
    if (!n) return 0;
    size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return v[k - 1];
}

void bench_lat_add(bench_lat *l, int64_t ns) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        int64_t *v = realloc(l->ns, cap * sizeof *v);
        if (!v) return;
        l->ns = v;
        l->cap = cap;
    }
    l->ns[l->n++] = ns;
}

void bench_lat_sort(bench_lat *l) { qsort(l->ns, l->n, sizeof *l->ns, bench_cmp_i64); }

const char *bench_commas(double v, char *buf, size_t len) {
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%.0f", v);
    size_t n = strlen(tmp), o = 0;
    for (size_t i = 0; i < n && o + 2 < len; i++) {
        if (i && (n - i) % 3 == 0 && tmp[i - 1] != '-') buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

bench_result *bench_summarize(bench_results *res, const char *mode, const char *query, double *cpu_rates,
                              double *wall_rates, double *proc_rates, int runs, bench_lat *l, const char *note) {
    bench_result *r = res->n < (int)(sizeof res->items / sizeof res->items[0]) ? &res->items[res->n++] : NULL;
    double lo = cpu_rates[0], hi = cpu_rates[0];
    for (int i = 1; i < runs; i++) {
        if (cpu_rates[i] < lo) lo = cpu_rates[i];
        if (cpu_rates[i] > hi) hi = cpu_rates[i];
    }
    double mc = bench_median(cpu_rates, runs), mw = bench_median(wall_rates, runs);
    char a[32], b[32], c[32], d[32];
    printf("  %-7s %-4s median %s ev/s per core (CPU), %s ev/s wall; CPU rate spread %s .. %s (%.0f%%)", mode, query,
           bench_commas(mc, a, sizeof a), bench_commas(mw, b, sizeof b), bench_commas(lo, c, sizeof c),
           bench_commas(hi, d, sizeof d),
           mc > 0 ? (hi - lo) / mc * 100 : 0);
    double mp = proc_rates ? bench_median(proc_rates, runs) : -1;
    if (proc_rates) printf(", %s ev/s per process CPU", bench_commas(mp, a, sizeof a));
    double p50 = -1, p99 = -1;
    if (l && l->n) {
        bench_lat_sort(l);
        p50 = (double)bench_percentile(l->ns, l->n, 50) / 1000;
        p99 = (double)bench_percentile(l->ns, l->n, 99) / 1000;
        printf("; per batch p50 %.0f us, p99 %.0f us, max %.0f us", p50, p99, (double)l->ns[l->n - 1] / 1000);
    }
    printf("\n");
    fflush(stdout);
    if (!r) return NULL;
    memset(r, 0, sizeof *r);
    snprintf(r->mode, sizeof r->mode, "%s", mode);
    snprintf(r->query, sizeof r->query, "%s", query);
    r->cpu_rate = mc;
    r->wall_rate = mw;
    r->proc_rate = mp;
    r->lo = lo;
    r->hi = hi;
    r->p50_us = p50;
    r->p99_us = p99;
    snprintf(r->note, sizeof r->note, "%s", note ? note : "");
    return r;
}

void bench_record_failure(bench_results *res, const char *mode, const char *query, const char *msg) {
    printf("  %-7s %-4s FAILED: %s\n", mode, query, msg);
    fflush(stdout);
    if (res->n >= (int)(sizeof res->items / sizeof res->items[0])) return;
    bench_result *r = &res->items[res->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->mode, sizeof r->mode, "%s", mode);
    snprintf(r->query, sizeof r->query, "%s", query);
    r->cpu_rate = -1;
    snprintf(r->note, sizeof r->note, "failed: %.140s", msg);
}

/* ---- engine helpers ------------------------------------------------------------------------ */

int bench_run_ksql(eddy_engine *e, const char *sql, eddy_err *err) { return bench_run_ksql_id(e, sql, NULL, 0, err); }

int bench_run_ksql_id(eddy_engine *e, const char *sql, char *id, size_t idlen, eddy_err *err) {
    eddy_ksql_request req;
    json_t *resp = NULL;
    int status = 0;
    memset(&req, 0, sizeof req);
    req.ksql = sql;
    req.command_sequence_number = -1;
    int rc = eddy_engine_ksql(e, &req, &resp, &status);
    if (rc || status != 200) {
        const char *m = json_string_value(json_object_get(resp, "message"));
        if (!m && json_is_array(resp)) m = "statement failed";
        rc = eddy_err_set(err, rc ? rc : EDDY_INVAL, "%s: %s", sql, m ? m : "statement failed");
    } else if (id) {
        const char *q = json_string_value(json_object_get(json_object_get(json_array_get(resp, 0), "commandStatus"),
                                                          "queryId"));
        snprintf(id, idlen, "%s", q ? q : "");
    }
    json_decref(resp);
    return rc;
}

int bench_plan_sql(eddy_engine *e, const char *sql, eddy_arena *arena, eddy_plan **out, eddy_err *err) {
    eddy_list stmts = {0};
    int rc = eddy_parse(sql, arena, &stmts, err);
    if (rc) return rc;
    if (stmts.n != 1) return eddy_err_set(err, EDDY_INVAL, "expected one statement: %s", sql);
    eddy_plan_settings set = {"KAFKA", -1, ""};
    return eddy_plan_query(eddy_engine_catalog(e), stmts.items[0], &set, out, err);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

char *bench_temp_dir(void) {
    const char *tmp = getenv("TMPDIR");
    char *path = NULL;
    if (asprintf(&path, "%s/eddy-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0) return NULL;
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

void bench_remove_dir(char *dir) {
    if (dir) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

eddy_config *bench_config(const char *state_dir) {
    eddy_config *cfg = eddy_config_new();
    eddy_err err;
    if (!cfg) return NULL;
    eddy_config_set(cfg, EDDY_CFG_AUTO_OFFSET_RESET, "earliest", &err);
    if (state_dir) eddy_config_set(cfg, EDDY_CFG_STATE_DIR, state_dir, &err);
    return cfg;
}
/* ---- the embedded log ---------------------------------------------------------------------- */

int bench_load_bids(const bench_opts *o, eddy_log *log, eddy_err *err) {
    eddy_nexmark_config nc;
    eddy_nexmark *g = NULL;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_log_txn *txn = NULL;
    eddy_nexmark_event ev;
    int rc;
    eddy_nexmark_config_init(&nc);
    nc.seed = o->seed;
    if (eddy_nexmark_new(&nc, &g)) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    for (int64_t done = 0; done < o->events;) {
        if ((rc = eddy_log_txn_begin(log, &txn, err))) goto fail;
        for (int i = 0; i < o->batch && done < o->events;) {
            eddy_nexmark_next(g, &ev);
            if (ev.kind != EDDY_NEXMARK_BID) continue;
            eddy_strbuf_reset(&sb);
            eddy_nexmark_json(&ev, &sb);
            eddy_log_record r = {0};
            r.timestamp = ev.u.bid.date_time;
            r.value = sb.buf;
            r.value_len = sb.len;
            if ((rc = eddy_log_txn_produce(txn, "bid", 0, &r, NULL, err))) goto fail;
            i++;
            done++;
        }
        if ((rc = eddy_log_txn_commit(txn, 0, err))) goto fail;
        eddy_log_txn_destroy(txn);
        txn = NULL;
    }
    rc = 0;
fail:
    eddy_log_txn_destroy(txn);
    eddy_strbuf_fini(&sb);
    eddy_nexmark_destroy(g);
    return rc;
}

int64_t bench_topic_records(eddy_log *log, const char *topic) {
    eddy_log_topic_config tc;
    int64_t total = 0;
    if (eddy_log_topic_describe(log, topic, &tc, NULL)) return -1;
    for (int32_t p = 0; p < tc.partitions; p++) {
        int64_t start = 0, end = 0;
        if (eddy_log_partition_offsets(log, topic, p, &start, &end, NULL) == 0) total += end - start;
    }
    return total;
}

void bench_print_first(eddy_log *log, const char *topic) {
    eddy_log_batch b;
    eddy_log_batch_init(&b);
    if (eddy_log_fetch(log, topic, 0, 0, 1, 0, &b, NULL) == 0 && b.count && b.records[0].value)
        printf("    first record of %s: %.*s\n", topic, (int)b.records[0].value_len, (const char *)b.records[0].value);
    eddy_log_batch_fini(&b);
}
int64_t bench_heap_bytes(void) {
    struct mallinfo2 mi = mallinfo2();
    return (int64_t)(mi.uordblks + mi.hblkhd);
}
