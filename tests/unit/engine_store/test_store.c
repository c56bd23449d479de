/* test_store.c - state stores: cache, pending map and database layers, unclean marker, flush callbacks, budget, commit and reopen, iterators, isolation, drop; a get+put micro-benchmark. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/store.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static eddy_stores *g_stores;
static eddy_err g_err;

/* What the flush callback saw, in order: "key=value" or "key=<del>". */
typedef struct flushes {
    char log[64][32];
    int n;        /* callbacks so far (log keeps the first 64) */
    int fail_at;  /* return EDDY_IO at this callback number (1-based); 0: never */
} flushes;

static int on_flush(void *ud, const void *key, size_t klen, const void *value, size_t vlen) {
    flushes *f = ud;
    if (f->fail_at && f->n + 1 == f->fail_at) return EDDY_IO;
    if (f->n < 64) {
        if (value) snprintf(f->log[f->n], sizeof f->log[0], "%.*s=%.*s", (int)klen, (const char *)key, (int)vlen,
                            (const char *)value);
        else snprintf(f->log[f->n], sizeof f->log[0], "%.*s=<del>", (int)klen, (const char *)key);
    }
    f->n++;
    return 0;
}

static int setup(void **state) {
    (void)state;
    eddy_err_clear(&g_err);
    return eddy_stores_open(NULL, &g_stores, &g_err);
}

static int teardown(void **state) {
    (void)state;
    eddy_stores_close(g_stores);
    g_stores = NULL;
    return 0;
}

static eddy_store *open_store(const char *name, int32_t partition, int64_t budget, flushes *f) {
    eddy_store_opts o = {budget, f ? on_flush : NULL, f};
    eddy_store *st = NULL;
    int rc = eddy_store_open(g_stores, name, partition, &o, &st, &g_err);
    if (rc) fail_msg("open %s/%d: %s", name, (int)partition, g_err.msg);
    return st;
}

static void put(eddy_store *st, const char *k, const char *v) {
    int rc = eddy_store_put(st, k, strlen(k), v, v ? strlen(v) : 0, &g_err);
    if (rc) fail_msg("put %s: %s", k, g_err.msg);
}

/* The value of k as a string, or "<none>". */
static const char *get(eddy_store *st, const char *k) {
    static char buf[256];
    const void *v;
    size_t vlen;
    int rc = eddy_store_get(st, k, strlen(k), &v, &vlen, &g_err);
    if (rc == EDDY_NOTFOUND) {
        assert_null(v);
        return "<none>";
    }
    if (rc) fail_msg("get %s: %s", k, g_err.msg);
    snprintf(buf, sizeof buf, "%.*s", (int)vlen, (const char *)v);
    return buf;
}

/* "k=v k=v ..." of an iteration over [lo, hi). */
static const char *scan(eddy_store *st, const char *lo, const char *hi) {
    static char buf[8192];
    eddy_store_iter *it = NULL;
    int rc = eddy_store_iter_new(st, lo, lo ? strlen(lo) : 0, hi, hi ? strlen(hi) : 0, &it, &g_err);
    if (rc) fail_msg("iter: %s", g_err.msg);
    size_t n = 0;
    buf[0] = 0;
    const void *k, *v;
    size_t kl, vl;
    while (eddy_store_iter_next(it, &k, &kl, &v, &vl))
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%.*s=%.*s", n ? " " : "", (int)kl, (const char *)k, (int)vl,
                              (const char *)v);
    assert_false(eddy_store_iter_next(it, &k, &kl, &v, &vl)); /* stays at the end */
    eddy_store_iter_destroy(it);
    return buf;
}

static void commit(eddy_store *st, int64_t ck) {
    if (eddy_store_commit(st, ck, &g_err)) fail_msg("commit: %s", g_err.msg);
}

/* ---- layers -------------------------------------------------------------------- */

static void test_put_get_delete_in_the_cache(void **state) {
    (void)state;
    eddy_store *st = open_store("Q.Agg", 0, 1 << 20, NULL);
    assert_string_equal(get(st, "a"), "<none>");
    put(st, "a", "1");
    put(st, "b", "2");
    put(st, "a", "11");
    assert_string_equal(get(st, "a"), "11");
    assert_string_equal(get(st, "b"), "2");
    put(st, "a", NULL);
    assert_string_equal(get(st, "a"), "<none>");
    int64_t entries, dirty;
    eddy_store_cache_counts(st, &entries, &dirty);
    assert_int_equal(entries, 2);
    assert_int_equal(dirty, 2);
    assert_true(eddy_store_cache_bytes(st) > 0);
    eddy_store_close(st);
}

static void test_put_get_delete_in_pending_and_database(void **state) {
    (void)state;
    eddy_store *st = open_store("Q.Agg", 0, 0, NULL); /* no cache: puts go to the batch */
    put(st, "a", "1");
    put(st, "b", "2");
    assert_string_equal(get(st, "a"), "1");
    put(st, "b", NULL);
    assert_string_equal(get(st, "b"), "<none>");
    commit(st, 5);
    assert_string_equal(get(st, "a"), "1");     /* from the database */
    put(st, "a", NULL);                          /* a delete in the batch over the database */
    assert_string_equal(get(st, "a"), "<none>");
    put(st, "a", "3");
    assert_string_equal(get(st, "a"), "3");
    int64_t entries;
    eddy_store_cache_counts(st, &entries, NULL);
    assert_int_equal(entries, 0);
    assert_int_equal(eddy_store_cache_bytes(st), 0);
    eddy_store_close(st);
}

static void test_cache_delete_hides_a_committed_key(void **state) {
    (void)state;
    eddy_store *st = open_store("Q.Agg", 0, 1 << 20, NULL);
    put(st, "k", "v");
    commit(st, 1);
    put(st, "k", NULL);
    assert_string_equal(get(st, "k"), "<none>");
    assert_int_equal(eddy_store_flush(st, &g_err), 0);
    assert_string_equal(get(st, "k"), "<none>");
    commit(st, 2);
    eddy_store_close(st);
    st = open_store("Q.Agg", 0, 1 << 20, NULL); /* empty cache: reads the database */
    assert_string_equal(get(st, "k"), "<none>");
    eddy_store_close(st);
}

static void test_empty_keys_and_values_are_stored(void **state) {
    (void)state;
    eddy_store *st = open_store("Q.Agg", 0, 1 << 20, NULL);
    const void *v;
    size_t vlen = 99;
    assert_int_equal(eddy_store_put(st, "", 0, "x", 0, &g_err), 0);
    assert_int_equal(eddy_store_get(st, "", 0, &v, &vlen, &g_err), 0);
    assert_non_null(v);
    assert_int_equal(vlen, 0);
    commit(st, 0);
    eddy_store_close(st);
    st = open_store("Q.Agg", 0, 1 << 20, NULL);
    vlen = 99;
    assert_int_equal(eddy_store_get(st, "", 0, &v, &vlen, &g_err), 0);
    assert_non_null(v);
    assert_int_equal(vlen, 0);
    eddy_store_close(st);
}

/* ---- flushing ------------------------------------------------------------------ */

static void test_flush_calls_back_in_first_dirty_order_with_latest_values(void **state) {
    (void)state;
    flushes f = {0};
    eddy_store *st = open_store("Q.Agg", 0, 1 << 20, &f);
    put(st, "a", "1");
    put(st, "b", "2");
    put(st, "a", "3"); /* stays first */
    put(st, "c", "x");
    put(st, "c", NULL);
    assert_int_equal(f.n, 0);
    assert_int_equal(eddy_store_flush(st, &g_err), 0);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.log[0], "a=3");
    assert_string_equal(f.log[1], "b=2");
    assert_string_equal(f.log[2], "c=<del>");
    int64_t entries, dirty;
    eddy_store_cache_counts(st, &entries, &dirty);
    assert_int_equal(entries, 3);
    assert_int_equal(dirty, 0);
    assert_int_equal(eddy_store_flush(st, &g_err), 0); /* nothing dirty: no callbacks */
    assert_int_equal(f.n, 3);
    put(st, "b", "4"); /* a clean entry made dirty again */
    assert_int_equal(eddy_store_flush(st, &g_err), 0);
    assert_int_equal(f.n, 4);
    assert_string_equal(f.log[3], "b=4");
    eddy_store_close(st);
}

static void test_over_budget_flushes_oldest_dirty_first(void **state) {
    (void)state;
    flushes f = {0};
    /* Room for about three small entries. */
    eddy_store *probe = open_store("Probe", 0, 1 << 20, NULL);
    put(probe, "k0", "v0");
    int64_t one = eddy_store_cache_bytes(probe);
    eddy_store_close(probe);
    eddy_store *st = open_store("Q.Agg", 0, 3 * one + one / 2, &f);
    put(st, "k0", "v0");
    put(st, "k1", "v1");
    put(st, "k2", "v2");
    put(st, "k0", "v9");
    assert_int_equal(f.n, 0);
    put(st, "k3", "v3"); /* over budget: the oldest dirty one goes */
    assert_int_equal(f.n, 1);
    assert_string_equal(f.log[0], "k0=v9");
    put(st, "k4", "v4");
    assert_int_equal(f.n, 2);
    assert_string_equal(f.log[1], "k1=v1");
    assert_true(eddy_store_cache_bytes(st) <= 3 * one + one / 2);
    /* Flushed values are still readable from the pending layer. */
    assert_string_equal(get(st, "k0"), "v9");
    assert_string_equal(get(st, "k1"), "v1");
    eddy_store_close(st);
}

static void test_budget_bounds_cache_memory_as_keys_grow(void **state) {
    (void)state;
    flushes f = {0};
    const int64_t budget = 64 * 1024;
    eddy_store *st = open_store("Q.Agg", 0, budget, &f);
    char k[32], v[32];
    int64_t peak = 0;
    for (int i = 0; i < 100000; i++) {
        int kl = snprintf(k, sizeof k, "key-%06d", i), vl = snprintf(v, sizeof v, "value-%d", i * 7);
        assert_int_equal(eddy_store_put(st, k, (size_t)kl, v, (size_t)vl, &g_err), 0);
        int64_t b = eddy_store_cache_bytes(st);
        if (b > peak) peak = b;
    }
    assert_true(peak <= budget);
    int64_t entries, dirty;
    eddy_store_cache_counts(st, &entries, &dirty);
    assert_true(entries > 100 && entries < 2000);
    assert_int_equal(f.n + dirty, 100000); /* every key flushed once, or still dirty */
    for (int i = 0; i < 100000; i += 997) {
        snprintf(k, sizeof k, "key-%06d", i);
        snprintf(v, sizeof v, "value-%d", i * 7);
        assert_string_equal(get(st, k), v);
    }
    eddy_store_close(st);
}

static void test_budget_zero_calls_back_on_every_put(void **state) {
    (void)state;
    flushes f = {0};
    eddy_store *st = open_store("Q.Agg", 0, 0, &f);
    put(st, "a", "1");
    assert_int_equal(f.n, 1);
    put(st, "a", "2");
    put(st, "a", NULL);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.log[0], "a=1");
    assert_string_equal(f.log[1], "a=2");
    assert_string_equal(f.log[2], "a=<del>");
    assert_int_equal(eddy_store_flush(st, &g_err), 0);
    assert_int_equal(f.n, 3);
    int64_t entries;
    eddy_store_cache_counts(st, &entries, NULL);
    assert_int_equal(entries, 0);
    eddy_store_close(st);
}

static void test_flush_callback_error_stops_and_keeps_entries_dirty(void **state) {
    (void)state;
    flushes f = {.fail_at = 2};
    eddy_store *st = open_store("Q.Agg", 0, 1 << 20, &f);
    put(st, "a", "1");
    put(st, "b", "2");
    put(st, "c", "3");
    assert_int_equal(eddy_store_flush(st, &g_err), EDDY_IO);
    assert_int_equal(g_err.code, EDDY_IO);
    assert_int_equal(f.n, 1);
    int64_t dirty;
    eddy_store_cache_counts(st, NULL, &dirty);
    assert_int_equal(dirty, 2);
    f.fail_at = 0;
    assert_int_equal(eddy_store_flush(st, &g_err), 0);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.log[1], "b=2");
    assert_string_equal(f.log[2], "c=3");
    eddy_store_close(st);
}

static eddy_store *g_reentrant;

static int put_from_callback(void *ud, const void *key, size_t klen, const void *value, size_t vlen) {
    (void)ud, (void)value, (void)vlen;
    eddy_err e;
    return eddy_store_put(g_reentrant, key, klen, "x", 1, &e) == EDDY_INVAL ? 0 : EDDY_INTERNAL;
}

static void test_put_from_the_flush_callback_is_rejected(void **state) {
    (void)state;
    eddy_store_opts o = {0, put_from_callback, NULL};
    assert_int_equal(eddy_store_open(g_stores, "Q.Agg", 0, &o, &g_reentrant, &g_err), 0);
    assert_int_equal(eddy_store_put(g_reentrant, "a", 1, "1", 1, &g_err), 0);
    assert_string_equal(get(g_reentrant, "a"), "1");
    eddy_store_close(g_reentrant);
}

/* ---- commit, reopen, restore --------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void test_commit_survives_reopen_and_uncommitted_is_lost(void **state) {
    (void)state;
    char dir[] = "/tmp/eddy-store-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[64];
    snprintf(db, sizeof db, "%s/state", dir);
    eddy_stores_close(g_stores);
    assert_int_equal(eddy_stores_open(db, &g_stores, &g_err), 0);

    flushes f = {0};
    eddy_store *st = open_store("Q.Agg", 3, 1 << 20, &f);
    assert_int_equal(eddy_store_checkpoint(st), -1);
    put(st, "a", "1");
    put(st, "b", "2");
    commit(st, 42);
    assert_int_equal(f.n, 2); /* commit flushes first */
    assert_int_equal(eddy_store_checkpoint(st), 42);
    put(st, "a", "lost");
    put(st, "c", "lost");
    assert_int_equal(eddy_store_flush(st, &g_err), 0); /* pending, not committed */
    put(st, "b", NULL);
    eddy_store_close(st);
    eddy_stores_close(g_stores);

    assert_int_equal(eddy_stores_open(db, &g_stores, &g_err), 0);
    st = open_store("Q.Agg", 3, 1 << 20, NULL);
    assert_int_equal(eddy_store_checkpoint(st), 42);
    assert_string_equal(get(st, "a"), "1");
    assert_string_equal(get(st, "b"), "2");
    assert_string_equal(get(st, "c"), "<none>");
    assert_string_equal(scan(st, NULL, NULL), "a=1 b=2");
    eddy_store_close(st);
    eddy_store *other = open_store("Q.Agg", 4, 1 << 20, NULL); /* a partition never committed */
    assert_int_equal(eddy_store_checkpoint(other), -1);
    eddy_store_close(other);
    assert_int_equal(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_restore_put_writes_without_callback_until_commit(void **state) {
    (void)state;
    flushes f = {0};
    eddy_store *st = open_store("Q.Agg", 0, 1 << 20, &f);
    put(st, "cached", "old");
    assert_int_equal(eddy_store_restore_put(st, "r1", 2, "v1", 2, &g_err), 0);
    assert_int_equal(eddy_store_restore_put(st, "cached", 6, "new", 3, &g_err), 0);
    assert_int_equal(eddy_store_restore_put(st, "r2", 2, "v2", 2, &g_err), 0);
    assert_int_equal(eddy_store_restore_put(st, "r2", 2, NULL, 0, &g_err), 0);
    assert_string_equal(get(st, "r1"), "v1");
    assert_string_equal(get(st, "cached"), "new");
    assert_string_equal(get(st, "r2"), "<none>");
    commit(st, 7);
    assert_int_equal(f.n, 0);
    eddy_store_close(st);
    st = open_store("Q.Agg", 0, 1 << 20, NULL);
    assert_int_equal(eddy_store_checkpoint(st), 7);
    assert_string_equal(scan(st, NULL, NULL), "cached=new r1=v1");
    eddy_store_close(st);
}

/* ---- iterators ----------------------------------------------------------------- */

static void test_iterator_merges_cache_pending_and_database_in_order(void **state) {
    (void)state;
    flushes f = {0};
    eddy_store *st = open_store("Q.Agg", 0, 1 << 20, &f);
    put(st, "d1", "db");
    put(st, "d2", "db");
    put(st, "d3", "db");
    put(st, "x", "db");
    commit(st, 1);                        /* database: d1 d2 d3 x */
    put(st, "p1", "pend");
    put(st, "d2", "pend");
    put(st, "d3", NULL);
    assert_int_equal(eddy_store_flush(st, &g_err), 0); /* batch: p1, d2 updated, d3 deleted */
    put(st, "c1", "cache");
    put(st, "p1", "cache");
    put(st, "d1", NULL);                  /* cache: c1, p1 updated, d1 deleted */
    assert_string_equal(scan(st, NULL, NULL), "c1=cache d2=pend p1=cache x=db");
    assert_string_equal(scan(st, "d", "q"), "d2=pend p1=cache");
    assert_string_equal(scan(st, "d2", "p1"), "d2=pend");
    assert_string_equal(scan(st, "p1", NULL), "p1=cache x=db");
    assert_string_equal(scan(st, NULL, "c1"), "");
    assert_string_equal(scan(st, "z", "a"), "");
    /* Iterating did not flush: the callback still sees each dirty entry once. */
    assert_int_equal(f.n, 7); /* 4 at commit, 3 at the flush */
    int64_t dirty;
    eddy_store_cache_counts(st, NULL, &dirty);
    assert_int_equal(dirty, 3);
    assert_int_equal(eddy_store_flush(st, &g_err), 0);
    assert_int_equal(f.n, 10);
    assert_string_equal(f.log[7], "c1=cache");
    assert_string_equal(f.log[8], "p1=cache");
    assert_string_equal(f.log[9], "d1=<del>");
    eddy_store_close(st);
}

static void test_iterator_sees_writes_made_after_an_earlier_iterator(void **state) {
    (void)state;
    eddy_store *st = open_store("Q.Agg", 0, 1 << 20, NULL);
    put(st, "a", "1");
    assert_string_equal(scan(st, NULL, NULL), "a=1");
    put(st, "a", "2");
    put(st, "b", "3");
    assert_string_equal(scan(st, NULL, NULL), "a=2 b=3");
    put(st, "a", NULL);
    assert_string_equal(scan(st, NULL, NULL), "b=3");
    eddy_store_close(st);
}

static void test_iterator_keys_with_binary_bytes_sort_bytewise(void **state) {
    (void)state;
    eddy_store *st = open_store("Q.Win", 0, 1 << 20, NULL);
    /* window keys: group ‖ BE64 start */
    unsigned char k[3][9] = {{'g', 0, 0, 0, 0, 0, 0, 0x01, 0x00}, {'g', 0, 0, 0, 0, 0, 0, 0x00, 0xff},
                             {'g', 0xff, 0, 0, 0, 0, 0, 0, 0}};
    for (int i = 0; i < 3; i++) assert_int_equal(eddy_store_put(st, k[i], 9, &i, sizeof i, &g_err), 0);
    eddy_store_iter *it;
    assert_int_equal(eddy_store_iter_new(st, "g", 1, "h", 1, &it, &g_err), 0);
    const void *key, *val;
    size_t kl, vl;
    int order[3], n = 0;
    while (eddy_store_iter_next(it, &key, &kl, &val, &vl)) {
        assert_int_equal(kl, 9);
        assert_int_equal(vl, sizeof(int));
        memcpy(&order[n++], val, sizeof(int));
    }
    eddy_store_iter_destroy(it);
    assert_int_equal(n, 3);
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 0);
    assert_int_equal(order[2], 2);
    eddy_store_close(st);
}

static void test_write_while_an_iterator_is_open_is_rejected(void **state) {
    (void)state;
    eddy_store *st = open_store("Q.Agg", 0, 1 << 20, NULL);
    put(st, "a", "1");
    eddy_store_iter *it;
    assert_int_equal(eddy_store_iter_new(st, NULL, 0, NULL, 0, &it, &g_err), 0);
    assert_int_equal(eddy_store_put(st, "b", 1, "2", 1, &g_err), EDDY_INVAL);
    assert_int_equal(eddy_store_commit(st, 1, &g_err), EDDY_INVAL);
    assert_string_equal(get(st, "a"), "1"); /* reads are fine */
    eddy_store_iter_destroy(it);
    put(st, "b", "2");
    eddy_store_close(st);
}

/* ---- isolation and drop -------------------------------------------------------- */

static void test_stores_and_partitions_are_isolated(void **state) {
    (void)state;
    eddy_store *a0 = open_store("A", 0, 1 << 20, NULL), *a1 = open_store("A", 1, 0, NULL);
    eddy_store *ab = open_store("AB", 0, 1 << 20, NULL), *adot = open_store("A.B", 0, 1 << 20, NULL);
    put(a0, "k", "a0");
    put(a1, "k", "a1");
    put(ab, "k", "ab");
    put(adot, "k", "adot");
    put(a0, "only-a0", "x");
    commit(a0, 10);
    commit(a1, 11);
    commit(ab, 12);
    assert_string_equal(get(a0, "k"), "a0");
    assert_string_equal(get(a1, "k"), "a1");
    assert_string_equal(get(a1, "only-a0"), "<none>");
    assert_string_equal(scan(a1, NULL, NULL), "k=a1");
    assert_string_equal(scan(ab, NULL, NULL), "k=ab");
    assert_string_equal(scan(adot, NULL, NULL), "k=adot");
    assert_string_equal(scan(a0, NULL, NULL), "k=a0 only-a0=x");
    assert_int_equal(eddy_store_checkpoint(a1), 11);
    assert_int_equal(eddy_store_checkpoint(adot), -1);
    eddy_store_close(a0);
    eddy_store_close(a1);
    eddy_store_close(ab);
    eddy_store_close(adot);
}

static void test_opening_an_open_store_twice_is_rejected(void **state) {
    (void)state;
    eddy_store *st = open_store("A", 0, 0, NULL), *again = NULL;
    assert_int_equal(eddy_store_open(g_stores, "A", 0, NULL, &again, &g_err), EDDY_EXISTS);
    assert_null(again);
    eddy_store *p1 = open_store("A", 1, 0, NULL);
    eddy_store_close(p1);
    eddy_store_close(st);
    st = open_store("A", 0, 0, NULL);
    eddy_store_close(st);
}

static void test_drop_removes_every_partition_of_one_name_only(void **state) {
    (void)state;
    const char *names[] = {"A", "A", "AB", "A.B"};
    int32_t parts[] = {0, 1, 0, 0};
    for (int i = 0; i < 4; i++) {
        eddy_store *st = open_store(names[i], parts[i], 1 << 20, NULL);
        put(st, "k1", names[i]);
        put(st, "k2", names[i]);
        commit(st, 100 + i);
        eddy_store_close(st);
    }
    eddy_store *open_a = open_store("A", 5, 0, NULL);
    assert_int_equal(eddy_stores_drop(g_stores, "A", &g_err), EDDY_INVAL); /* still open */
    eddy_store_close(open_a);
    assert_int_equal(eddy_stores_drop(g_stores, "A", &g_err), 0);
    for (int i = 0; i < 4; i++) {
        eddy_store *st = open_store(names[i], parts[i], 1 << 20, NULL);
        if (i < 2) {
            assert_int_equal(eddy_store_checkpoint(st), -1);
            assert_string_equal(scan(st, NULL, NULL), "");
            assert_string_equal(get(st, "k1"), "<none>");
        } else {
            assert_int_equal(eddy_store_checkpoint(st), 100 + i);
            char want[64];
            snprintf(want, sizeof want, "k1=%s k2=%s", names[i], names[i]);
            assert_string_equal(scan(st, NULL, NULL), want);
        }
        eddy_store_close(st);
    }
}

/* ---- the unclean marker -------------------------------------------------------- */

static void test_state_written_before_commit_wipes_the_partition_on_reopen(void **state) {
    (void)state;
    eddy_store *st = open_store("Q.Agg", 0, 1 << 20, NULL);
    eddy_store *other = open_store("Q.Agg", 1, 1 << 20, NULL);
    put(st, "a", "1");
    commit(st, 42);
    put(other, "o", "1");
    commit(other, 7);
    put(st, "b", "2");
    assert_string_equal(scan(st, NULL, NULL), "a=1 b=2"); /* writes b to the database, uncommitted */
    eddy_store_close(st);
    st = open_store("Q.Agg", 0, 1 << 20, NULL);
    assert_int_equal(eddy_store_checkpoint(st), -1); /* replay the changelog from the start */
    assert_string_equal(get(st, "a"), "<none>");
    assert_string_equal(get(st, "b"), "<none>");
    assert_string_equal(scan(st, NULL, NULL), "");
    eddy_store_close(st);
    eddy_store_close(other);
    other = open_store("Q.Agg", 1, 1 << 20, NULL); /* another partition is untouched */
    assert_int_equal(eddy_store_checkpoint(other), 7);
    assert_string_equal(get(other, "o"), "1");
    eddy_store_close(other);
}

static void test_commit_clears_the_unclean_marker(void **state) {
    (void)state;
    eddy_store *st = open_store("Q.Agg", 0, 1 << 20, NULL);
    put(st, "a", "1");
    assert_string_equal(scan(st, NULL, NULL), "a=1"); /* written, marked unclean */
    put(st, "b", "2");
    commit(st, 9);
    eddy_store_close(st);
    st = open_store("Q.Agg", 0, 1 << 20, NULL);
    assert_int_equal(eddy_store_checkpoint(st), 9);
    assert_string_equal(scan(st, NULL, NULL), "a=1 b=2");
    eddy_store_close(st);
}

static void test_a_full_pending_batch_is_written_and_marks_the_store_unclean(void **state) {
    (void)state;
    eddy_store *st = open_store("Q.Agg", 0, 0, NULL);
    put(st, "keep", "1");
    commit(st, 3);
    char k[16];
    for (int i = 0; i < 70000; i++) { /* more than a pending map holds */
        snprintf(k, sizeof k, "k%05d", i);
        put(st, k, k);
    }
    for (int i = 0; i < 70000; i += 997) { /* some from the database, some pending */
        snprintf(k, sizeof k, "k%05d", i);
        assert_string_equal(get(st, k), k);
    }
    assert_string_equal(get(st, "keep"), "1");
    eddy_store_close(st); /* without committing */
    st = open_store("Q.Agg", 0, 0, NULL);
    assert_int_equal(eddy_store_checkpoint(st), -1);
    assert_string_equal(get(st, "keep"), "<none>");
    assert_string_equal(get(st, "k00000"), "<none>");
    eddy_store_close(st);
}

static void test_restore_after_a_wipe_converges_and_commits_clean(void **state) {
    (void)state;
    eddy_store *st = open_store("Q.Agg", 0, 0, NULL);
    char k[16];
    for (int i = 0; i < 80000; i++) { /* more than a pending map holds */
        snprintf(k, sizeof k, "k%05d", i % 40000);
        assert_int_equal(eddy_store_restore_put(st, k, strlen(k), i < 40000 ? "old" : "new", 3, &g_err), 0);
    }
    eddy_store_close(st); /* crash mid-restore */
    st = open_store("Q.Agg", 0, 0, NULL);
    assert_int_equal(eddy_store_checkpoint(st), -1);
    for (int i = 0; i < 80000; i++) {
        snprintf(k, sizeof k, "k%05d", i % 40000);
        assert_int_equal(eddy_store_restore_put(st, k, strlen(k), i < 40000 ? "old" : "new", 3, &g_err), 0);
    }
    commit(st, 6000);
    eddy_store_close(st);
    st = open_store("Q.Agg", 0, 0, NULL);
    assert_int_equal(eddy_store_checkpoint(st), 6000);
    assert_string_equal(get(st, "k00000"), "new");
    assert_string_equal(get(st, "k39999"), "new");
    eddy_store_close(st);
}

/* ---- flushed values ------------------------------------------------------------ */

typedef struct seen_flushed {
    eddy_store *st;
    char log[8][32];
    int n;
} seen_flushed;

/* Records what get_flushed returns for the key being flushed. */
static int on_flush_read_previous(void *ud, const void *key, size_t klen, const void *value, size_t vlen) {
    (void)value, (void)vlen;
    seen_flushed *s = ud;
    const void *v;
    size_t vl;
    eddy_err err;
    int rc = eddy_store_get_flushed(s->st, key, klen, &v, &vl, &err);
    if (s->n < 8) {
        if (rc == 0) snprintf(s->log[s->n], sizeof s->log[0], "%.*s", (int)vl, (const char *)v);
        else snprintf(s->log[s->n], sizeof s->log[0], "<none>");
    }
    s->n++;
    return 0;
}

static void test_get_flushed_reads_pending_and_database_and_sees_the_previous_value(void **state) {
    (void)state;
    seen_flushed s = {0};
    eddy_store_opts o = {1 << 20, on_flush_read_previous, &s};
    assert_int_equal(eddy_store_open(g_stores, "Q.Agg", 0, &o, &s.st, &g_err), 0);
    eddy_store *st = s.st;
    put(st, "a", "1");
    assert_int_equal(eddy_store_flush(st, &g_err), 0); /* callback sees nothing before */
    put(st, "a", "2");
    const void *v;
    size_t vl;
    assert_int_equal(eddy_store_get_flushed(st, "a", 1, &v, &vl, &g_err), 0); /* from pending, not the cache */
    assert_memory_equal(v, "1", 1);
    assert_int_equal(eddy_store_flush(st, &g_err), 0); /* callback sees 1 */
    commit(st, 1);
    put(st, "a", "3");
    assert_int_equal(eddy_store_flush(st, &g_err), 0); /* callback sees 2, from the database */
    assert_int_equal(s.n, 3);
    assert_string_equal(s.log[0], "<none>");
    assert_string_equal(s.log[1], "1");
    assert_string_equal(s.log[2], "2");
    assert_int_equal(eddy_store_get_flushed(st, "a", 1, &v, &vl, &g_err), 0);
    assert_memory_equal(v, "3", 1);
    eddy_store_close(st);
}

/* ---- model check --------------------------------------------------------------- */

/* Random puts, deletes, flushes, commits, restores and scans under a small
 * budget agree with a plain array of the expected values. */
static void test_random_operations_agree_with_a_simple_model(void **state) {
    (void)state;
    enum { NKEYS = 200 };
    char model[NKEYS][16];
    bool present[NKEYS] = {0};
    flushes f = {0};
    eddy_store *st = open_store("Q.Model", 0, 2048, &f);
    uint64_t x = 0x243f6a8885a308d3ULL;
    char k[16], want[8192], *w;
    for (int op = 0; op < 20000; op++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int i = (int)(x % NKEYS), what = (int)((x >> 20) % 100);
        snprintf(k, sizeof k, "k%03d", i);
        if (what < 60) {
            snprintf(model[i], sizeof model[i], "v%d", op);
            present[i] = true;
            put(st, k, model[i]);
        } else if (what < 75) {
            present[i] = false;
            put(st, k, NULL);
        } else if (what < 78) {
            snprintf(model[i], sizeof model[i], "r%d", op);
            present[i] = true;
            assert_int_equal(eddy_store_restore_put(st, k, strlen(k), model[i], strlen(model[i]), &g_err), 0);
        } else if (what < 80) {
            assert_int_equal(eddy_store_flush(st, &g_err), 0);
        } else if (what < 81) {
            commit(st, op);
        }
        assert_string_equal(get(st, k), present[i] ? model[i] : "<none>");
        assert_true(eddy_store_cache_bytes(st) <= 2048);
        if (op % 250 == 0 || what == 99) {
            w = want;
            *w = 0;
            for (int j = 0; j < NKEYS; j++)
                if (present[j]) w += sprintf(w, "%sk%03d=%s", w == want ? "" : " ", j, model[j]);
            assert_string_equal(scan(st, NULL, NULL), want);
        }
    }
    eddy_store_close(st);
}

/* ---- benchmark ----------------------------------------------------------------- */

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Prints the cost of one get + put on a cache hit (no assertion on time). */
static void test_bench_get_put_on_cache_hits(void **state) {
    (void)state;
    eddy_store *st = open_store("Bench", 0, 16 << 20, NULL);
    enum { KEYS = 1000, OPS = 1000000 };
    char k[KEYS][24];
    size_t kl[KEYS];
    for (int i = 0; i < KEYS; i++) {
        kl[i] = (size_t)snprintf(k[i], sizeof k[i], "group-%d\x01\x02", i);
        int64_t zero = 0;
        assert_int_equal(eddy_store_put(st, k[i], kl[i], &zero, sizeof zero, &g_err), 0);
    }
    double t0 = now_ns();
    for (int i = 0; i < OPS; i++) {
        int j = (int)((unsigned)i * 2654435761u % KEYS);
        const void *v;
        size_t vl;
        int64_t n;
        if (eddy_store_get(st, k[j], kl[j], &v, &vl, &g_err)) fail();
        memcpy(&n, v, sizeof n);
        n++;
        if (eddy_store_put(st, k[j], kl[j], &n, sizeof n, &g_err)) fail();
    }
    double dt = now_ns() - t0;
    print_message("store bench: %.1f ns per get+put on a cache hit (%d ops, %d keys)\n", dt / OPS, OPS, KEYS);
    int64_t total = 0;
    for (int i = 0; i < KEYS; i++) {
        const void *v;
        size_t vl;
        int64_t n;
        assert_int_equal(eddy_store_get(st, k[i], kl[i], &v, &vl, &g_err), 0);
        memcpy(&n, v, sizeof n);
        total += n;
    }
    assert_int_equal(total, OPS);
    eddy_store_close(st);
}

int main(void) {
    const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T_(test_put_get_delete_in_the_cache),
        T_(test_put_get_delete_in_pending_and_database),
        T_(test_cache_delete_hides_a_committed_key),
        T_(test_empty_keys_and_values_are_stored),
        T_(test_flush_calls_back_in_first_dirty_order_with_latest_values),
        T_(test_over_budget_flushes_oldest_dirty_first),
        T_(test_budget_bounds_cache_memory_as_keys_grow),
        T_(test_budget_zero_calls_back_on_every_put),
        T_(test_flush_callback_error_stops_and_keeps_entries_dirty),
        T_(test_put_from_the_flush_callback_is_rejected),
        T_(test_commit_survives_reopen_and_uncommitted_is_lost),
        T_(test_restore_put_writes_without_callback_until_commit),
        T_(test_iterator_merges_cache_pending_and_database_in_order),
        T_(test_iterator_sees_writes_made_after_an_earlier_iterator),
        T_(test_iterator_keys_with_binary_bytes_sort_bytewise),
        T_(test_write_while_an_iterator_is_open_is_rejected),
        T_(test_stores_and_partitions_are_isolated),
        T_(test_opening_an_open_store_twice_is_rejected),
        T_(test_drop_removes_every_partition_of_one_name_only),
        T_(test_state_written_before_commit_wipes_the_partition_on_reopen),
        T_(test_commit_clears_the_unclean_marker),
        T_(test_a_full_pending_batch_is_written_and_marks_the_store_unclean),
        T_(test_restore_after_a_wipe_converges_and_commits_clean),
        T_(test_get_flushed_reads_pending_and_database_and_sees_the_previous_value),
        T_(test_random_operations_agree_with_a_simple_model),
        T_(test_bench_get_put_on_cache_hits),
#undef T_
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
