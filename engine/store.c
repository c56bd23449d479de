/* store.c - state stores (store.h): one RocksDB database per server, per-store key prefixes, pending map, unclean marker, checkpoints, iterators.
 *
 * Key layout in the database (default column family):
 *   0xFF "dir:" name                        the store's id (BE32), from 1
 *   0xFF "next"                             the last id given
 *   id(BE32) partition(BE32) 0x00           the store's checkpoint (BE64)
 *   id(BE32) partition(BE32) 0x01 key       the store's entries
 *   id(BE32) partition(BE32) 0x02           the "unclean" marker (empty value)
 * Short ids keep keys short (every comparison starts with the prefix); one
 * range delete of [id, id + 1) drops every partition of a store.
 *
 * Each store keeps a plain RocksDB write batch of the entries flushed from
 * the cache (the pending layer) and, to read them back, a side hash map of
 * the same entries (pend_map: key -> latest value or deletion).  A get reads
 * cache, then the map, then the database.  The batch is written to the
 * database when it holds PENDING_MAX_WRITES writes or PENDING_MAX_BYTES
 * bytes, and before an iterator is created (together with the dirty cache
 * entries not yet written, which stay dirty so the flush callback still sees
 * them once); an iterator is then a plain database iterator.  On commit the
 * batch is written with the checkpoint key in one atomic write.
 *
 * The unclean marker (Kafka Streams' rule for exactly-once state): a write
 * that is not a commit puts the marker in the same batch, and a commit
 * deletes it.  When eddy_store_open finds it, the database holds state
 * newer than the checkpoint, so the partition's entries, checkpoint and
 * marker are range-deleted: the checkpoint is -1 and the operator replays
 * its changelog from the start.
 *
 * Gets skip the database while the partition has no entries there
 * (st_db_has: checked once at open, set by the first write), and for keys
 * absent from st_bloom, a Bloom filter of every key written to the pending
 * layer since open (so of every key in the database, when the partition had
 * no entries at open).  When it holds too many keys it is rebuilt from a
 * scan of the partition (dropping deleted keys; doubled when still too
 * full), and dropped beyond BLOOM_MAX_BITS.
 *
 * Budget: after a put the cache is shrunk back to cache_max_bytes by
 * evicting clean entries (least recently used first) and, when only dirty
 * ones are left, by flushing the oldest dirty entry (which then becomes
 * clean and is evicted).  Gets never add entries (a get miss reads through),
 * so only put, flush and commit call the flush callback.  The callback must
 * not write to the store (put, flush, commit, restore_put fail with
 * EDDY_INVAL while it runs); it may read it.
 *
 * Errors: a get of an absent key returns EDDY_NOTFOUND without touching
 * err.  A failing flush callback leaves its entry dirty (the put that
 * triggered it is kept in the cache); with cache_max_bytes == 0 the put is
 * then not written at all.  Writes while an iterator is open, and
 * eddy_stores_drop of a name that has an open store, fail with EDDY_INVAL.
 *
 * restore_put goes to the pending layer after dropping any cache entry for
 * the key; a long restore writes full pending maps to the database (marked
 * unclean: a crash before its commit restarts the restore from 0).
 */
#include "engine/store.h"

#include "engine/store_int.h"

#include <pthread.h>
#include <rocksdb/c.h>
#include <stdlib.h>
#include <string.h>

#define MEMORY_DB_PATH "/eddy-memory-state"
#define CHECKPOINT_TAG 0x00
#define ENTRY_TAG 0x01
#define UNCLEAN_TAG 0x02
#define PENDING_MAX_WRITES 32768
#define PENDING_MAX_BYTES (8 << 20)
#define BLOOM_MIN_BITS (1u << 23)   /* 1 MiB */
#define BLOOM_MAX_BITS (1u << 28)   /* 32 MiB */
#define BLOOM_BITS_PER_KEY 8        /* a few % false positives when full */

/* One pending entry: the latest value of key in the pending batch. */
typedef struct pend_entry {
    struct pend_entry *p_next;
    uint64_t p_hash;
    uint32_t p_klen, p_vlen;
    uint32_t p_idx;                   /* in st_all */
    bool p_deleted;
    unsigned char p_data[];           /* key, then value */
} pend_entry;

struct eddy_stores {
    rocksdb_t *ss_db;
    rocksdb_options_t *ss_opts;
    rocksdb_env_t *ss_env;            /* the memory environment, or NULL */
    rocksdb_writeoptions_t *ss_wopts;
    rocksdb_readoptions_t *ss_ropts;  /* shared by point reads (never modified after open) */
    pthread_mutex_t ss_mu;            /* guards ss_open */
    eddy_store *ss_open;              /* open stores, linked by st_next */
};

struct eddy_store {
    eddy_stores *st_stores;
    eddy_store *st_next;
    char *st_name;
    int32_t st_partition;
    unsigned char *st_prefix;         /* name \0 BE32(partition) */
    size_t st_plen;
    int64_t st_max;                   /* cache_max_bytes */
    eddy_store_flush_fn st_on_flush;
    void *st_flush_ud;
    rocksdb_writebatch_t *st_wb;      /* scratch: the pending map in key order, being written */
    int64_t st_wb_writes, st_wb_bytes; /* pending writes (overwrites too) since the last write */
    pend_entry **st_pend;             /* the pending map: st_pend_mask + 1 chains */
    size_t st_pend_mask, st_pend_n;
    pend_entry **st_all;              /* the map's st_pend_n entries, to walk and sort them */
    size_t st_allcap;
    bool st_db_has;                   /* the database may hold entries of this partition */
    uint64_t *st_bloom;               /* keys that may be in the database (st_bloom_bits bits), or NULL */
    uint64_t st_bloom_bits, st_bloom_n;
    store_cache st_cache;
    int64_t st_checkpoint;
    char *st_got;                     /* the last value read from RocksDB (rocksdb_free) */
    unsigned char *st_kbuf;           /* full-key scratch, st_kcap bytes */
    size_t st_kcap;
    bool st_flushing;                 /* inside the flush callback */
    int st_iters;                     /* open iterators */
};

struct eddy_store_iter {
    eddy_store *it_st;
    rocksdb_readoptions_t *it_ropts;
    rocksdb_iterator_t *it_it;
    unsigned char *it_lo, *it_hi;     /* full keys: [lo, hi) */
    size_t it_lolen, it_hilen;
    bool it_started, it_done;
};

static int rocks_fail(eddy_err *err, char *rerr, const char *what) {
    eddy_err_set(err, EDDY_STORAGE, "state store: %s: %s", what, rerr ? rerr : "unknown error");
    rocksdb_free(rerr);
    return EDDY_STORAGE;
}

static int nomem(eddy_err *err) {
    return eddy_err_set(err, EDDY_NOMEM, "state store: out of memory");
}

static void put_be32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (24 - 8 * i));
}

static void put_be64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static uint64_t get_be64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

/* ---- the database ------------------------------------------------------------- */

static void stores_free(eddy_stores *s) {
    if (s->ss_db) rocksdb_close(s->ss_db);
    if (s->ss_opts) rocksdb_options_destroy(s->ss_opts);
    if (s->ss_env) rocksdb_env_destroy(s->ss_env);
    if (s->ss_wopts) rocksdb_writeoptions_destroy(s->ss_wopts);
    if (s->ss_ropts) rocksdb_readoptions_destroy(s->ss_ropts);
    pthread_mutex_destroy(&s->ss_mu);
    free(s);
}

int eddy_stores_open(const char *dir, eddy_stores **out, eddy_err *err) {
    bool in_memory = !dir || strcmp(dir, ":memory:") == 0;
    char *rerr = NULL;
    int rc;
    *out = NULL;
    if (dir && !*dir) return eddy_err_set(err, EDDY_INVAL, "state store: empty state directory");
    eddy_stores *s = calloc(1, sizeof *s);
    if (!s) return nomem(err);
    if (pthread_mutex_init(&s->ss_mu, NULL) != 0) {
        free(s);
        return nomem(err);
    }
    s->ss_opts = rocksdb_options_create();
    s->ss_wopts = rocksdb_writeoptions_create();
    s->ss_ropts = rocksdb_readoptions_create();
    if (!s->ss_opts || !s->ss_wopts || !s->ss_ropts) {
        rc = nomem(err);
        goto fail;
    }
    rocksdb_options_set_create_if_missing(s->ss_opts, 1);
    rocksdb_options_set_keep_log_file_num(s->ss_opts, 2);
    rocksdb_options_set_compression(s->ss_opts, rocksdb_lz4_compression);
    /* Aggregations mostly look up keys that may not exist yet: bloom filters. */
    rocksdb_block_based_table_options_t *bbto = rocksdb_block_based_options_create();
    if (!bbto) {
        rc = nomem(err);
        goto fail;
    }
    rocksdb_block_based_options_set_filter_policy(bbto, rocksdb_filterpolicy_create_bloom(10));
    rocksdb_options_set_block_based_table_factory(s->ss_opts, bbto);
    rocksdb_block_based_options_destroy(bbto);
    if (in_memory) {
        s->ss_env = rocksdb_create_mem_env();
        if (!s->ss_env) {
            rc = nomem(err);
            goto fail;
        }
        rocksdb_options_set_env(s->ss_opts, s->ss_env);
    }
    s->ss_db = rocksdb_open(s->ss_opts, in_memory ? MEMORY_DB_PATH : dir, &rerr);
    if (rerr) {
        s->ss_db = NULL;
        rc = rocks_fail(err, rerr, in_memory ? "opening the in-memory database" : "opening the state directory");
        goto fail;
    }
    *out = s;
    return 0;
fail:
    stores_free(s);
    return rc;
}

void eddy_stores_close(eddy_stores *s) {
    if (!s) return;
    stores_free(s);
}

/* ---- keys --------------------------------------------------------------------- */

/* The full database key of a store key (tag ENTRY_TAG), in st_kbuf; NULL
 * when out of memory. */
static const char *full_key(eddy_store *st, const void *key, size_t klen, size_t *flen) {
    size_t n = st->st_plen + 1 + klen;
    if (n > st->st_kcap) {
        size_t cap = n < 64 ? 64 : n * 2;
        unsigned char *nb = realloc(st->st_kbuf, cap);
        if (!nb) return NULL;
        memcpy(nb, st->st_prefix, st->st_plen);
        nb[st->st_plen] = ENTRY_TAG;
        st->st_kbuf = nb;
        st->st_kcap = cap;
    }
    if (klen) memcpy(st->st_kbuf + st->st_plen + 1, key, klen);
    *flen = n;
    return (const char *)st->st_kbuf;
}

/* ---- the pending layer ------------------------------------------------------ */

/* A blocked filter: a key's 3 bits are in one 64-bit word (one cache miss
 * per probe).  *word: the word's index; returns the key's bits. */
static uint64_t bloom_probe(const eddy_store *st, uint64_t h, uint64_t *word) {
    uint64_t h2 = (h >> 29 | h << 35) * 0x9e3779b97f4a7c15ULL;
    *word = (h >> 18) & (st->st_bloom_bits / 64 - 1);
    return 1ULL << (h2 >> 58) | 1ULL << (h2 >> 52 & 63) | 1ULL << (h2 >> 46 & 63);
}

static void bloom_set(eddy_store *st, uint64_t h) {
    uint64_t w, bits = bloom_probe(st, h, &w);
    st->st_bloom[w] |= bits;
}

/* A filter of bits bits (a power of two) holding no key; false when out of memory. */
static bool bloom_alloc(eddy_store *st, uint64_t bits) {
    free(st->st_bloom);
    st->st_bloom = calloc(bits / 64, sizeof *st->st_bloom);
    st->st_bloom_bits = bits;
    st->st_bloom_n = 0;
    return st->st_bloom != NULL;
}

static void marker_key(const eddy_store *st, unsigned char tag, unsigned char *k);

/* Rebuilds the full filter from the partition's keys in the database and
 * the pending map, doubling it while they fill more than half of it; drops
 * it (the database is read) when too large or on errors. */
static void bloom_rebuild(eddy_store *st) {
    size_t n = 0, cap = 1024;
    uint64_t *hs = malloc(cap * sizeof *hs);
    unsigned char lo[st->st_plen + 1], hi[st->st_plen + 1];
    marker_key(st, ENTRY_TAG, lo);
    marker_key(st, ENTRY_TAG + 1, hi);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_iterator_t *it = NULL;
    bool ok = hs && ro;
    if (ok) {
        rocksdb_readoptions_set_iterate_lower_bound(ro, (const char *)lo, sizeof lo);
        rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, sizeof hi);
        rocksdb_readoptions_set_fill_cache(ro, 0);
        it = rocksdb_create_iterator(st->st_stores->ss_db, ro);
        ok = it != NULL;
    }
    if (ok) rocksdb_iter_seek(it, (const char *)lo, sizeof lo);
    for (; ok && rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (n == cap) {
            uint64_t *nh = realloc(hs, 2 * cap * sizeof *nh);
            if (!nh) {
                ok = false;
                break;
            }
            hs = nh;
            cap *= 2;
        }
        hs[n++] = store_hash(k + st->st_plen + 1, kl - st->st_plen - 1);
    }
    if (ok) {
        char *rerr = NULL;
        rocksdb_iter_get_error(it, &rerr);
        if (rerr) {
            rocksdb_free(rerr);
            ok = false;
        }
    }
    if (it) rocksdb_iter_destroy(it);
    if (ro) rocksdb_readoptions_destroy(ro);
    uint64_t keys = n + st->st_pend_n, bits = st->st_bloom_bits;
    while (bits < BLOOM_MAX_BITS && keys * 2 * BLOOM_BITS_PER_KEY > bits) bits *= 2;
    if (ok && keys * BLOOM_BITS_PER_KEY <= bits && bloom_alloc(st, bits)) {
        for (size_t i = 0; i < n; i++) bloom_set(st, hs[i]);
        for (size_t i = 0; i < st->st_pend_n; i++) bloom_set(st, st->st_all[i]->p_hash);
        st->st_bloom_n = keys;
    } else {
        free(st->st_bloom);
        st->st_bloom = NULL;
    }
    free(hs);
}

static void bloom_add(eddy_store *st, uint64_t h) {
    if (!st->st_bloom) return;
    bloom_set(st, h);
    if (++st->st_bloom_n * BLOOM_BITS_PER_KEY > st->st_bloom_bits) bloom_rebuild(st);
}

/* False when key (hash h) is surely not in the database. */
static bool db_may_have(const eddy_store *st, uint64_t h) {
    if (!st->st_db_has) return false;
    if (!st->st_bloom) return true;
    uint64_t w, bits = bloom_probe(st, h, &w);
    return (st->st_bloom[w] & bits) == bits;
}

static pend_entry *pend_find(const eddy_store *st, const void *key, size_t klen, uint64_t h) {
    if (!st->st_pend_n) return NULL;
    for (pend_entry *p = st->st_pend[h & st->st_pend_mask]; p; p = p->p_next)
        if (p->p_hash == h && p->p_klen == klen && (klen == 0 || memcmp(p->p_data, key, klen) == 0)) return p;
    return NULL;
}

static void pend_clear(eddy_store *st) {
    for (size_t i = 0; i < st->st_pend_n; i++) {
        pend_entry *p = st->st_all[i];
        st->st_pend[p->p_hash & st->st_pend_mask] = NULL;
        free(p);
    }
    st->st_pend_n = 0;
}

/* Room for one more entry in st_all, and buckets for it.  false: out of memory. */
static bool pend_reserve(eddy_store *st) {
    if (st->st_pend_n == st->st_allcap) {
        size_t cap = st->st_allcap ? 2 * st->st_allcap : 256;
        pend_entry **n = realloc(st->st_all, cap * sizeof *n);
        if (!n) return false;
        st->st_all = n;
        st->st_allcap = cap;
    }
    if (st->st_pend_n + 1 > st->st_pend_mask + 1) { /* doubles the buckets (else chains grow) */
        size_t nb = (st->st_pend_mask + 1) * 2;
        pend_entry **b = calloc(nb, sizeof *b);
        if (b) {
            for (size_t i = 0; i < st->st_pend_n; i++) {
                pend_entry *p = st->st_all[i];
                p->p_next = b[p->p_hash & (nb - 1)];
                b[p->p_hash & (nb - 1)] = p;
            }
            free(st->st_pend);
            st->st_pend = b;
            st->st_pend_mask = nb - 1;
        }
    }
    return true;
}

/* Sets key's pending value (value NULL: deleted).  0 or EDDY_NOMEM. */
static int pend_set(eddy_store *st, const void *key, size_t klen, uint64_t h, const void *value, size_t vlen) {
    if (!pend_reserve(st)) return EDDY_NOMEM;
    pend_entry **pp = &st->st_pend[h & st->st_pend_mask];
    for (; *pp; pp = &(*pp)->p_next)
        if ((*pp)->p_hash == h && (*pp)->p_klen == klen && (klen == 0 || memcmp((*pp)->p_data, key, klen) == 0))
            break;
    pend_entry *old = *pp;
    if (!value) vlen = 0;
    pend_entry *p;
    if (old && old->p_vlen >= vlen) {
        p = old;
    } else {
        p = malloc(sizeof *p + klen + vlen);
        if (!p) return EDDY_NOMEM;
        p->p_hash = h;
        p->p_klen = (uint32_t)klen;
        if (klen) memcpy(p->p_data, key, klen);
        if (old) {
            p->p_next = old->p_next;
            p->p_idx = old->p_idx;
            *pp = p;
            free(old);
        } else {
            p->p_next = NULL;
            p->p_idx = (uint32_t)st->st_pend_n;
            *pp = p;
            st->st_pend_n++;
        }
        st->st_all[p->p_idx] = p;
    }
    p->p_vlen = (uint32_t)vlen;
    p->p_deleted = !value;
    if (vlen) memcpy(p->p_data + klen, value, vlen);
    return 0;
}

static void marker_key(const eddy_store *st, unsigned char tag, unsigned char *k) {
    memcpy(k, st->st_prefix, st->st_plen);
    k[st->st_plen] = tag;
}

static int pend_cmp(const void *a, const void *b) {
    const pend_entry *x = *(pend_entry *const *)a, *y = *(pend_entry *const *)b;
    size_t n = x->p_klen < y->p_klen ? x->p_klen : y->p_klen;
    int r = n ? memcmp(x->p_data, y->p_data, n) : 0;
    if (r) return r;
    return x->p_klen < y->p_klen ? -1 : x->p_klen > y->p_klen;
}

/* Fills st_wb with the pending map's entries in key order (the memtable's
 * skiplist inserts keys in order much faster than at random). */
static int fill_batch(eddy_store *st, eddy_err *err) {
    size_t k = st->st_pend_n;
    if (k > 1) qsort(st->st_all, k, sizeof *st->st_all, pend_cmp);
    for (size_t i = 0; i < k; i++) st->st_all[i]->p_idx = (uint32_t)i;
    for (size_t i = 0; i < k; i++) {
        pend_entry *p = st->st_all[i];
        size_t flen;
        const char *fk = full_key(st, p->p_data, p->p_klen, &flen);
        if (!fk) return nomem(err);
        if (p->p_deleted) rocksdb_writebatch_delete(st->st_wb, fk, flen);
        else rocksdb_writebatch_put(st->st_wb, fk, flen, (const char *)p->p_data + p->p_klen, p->p_vlen);
    }
    return 0;
}

/* Writes the pending entries to the database in one batch, with the
 * checkpoint (commit) or else the unclean marker, then clears them. */
static int write_batch(eddy_store *st, bool commit, int64_t checkpoint, eddy_err *err) {
    if (!commit && !st->st_pend_n) return 0;
    rocksdb_writebatch_clear(st->st_wb);
    int rc = fill_batch(st, err);
    if (rc) return rc;
    unsigned char mk[st->st_plen + 1];
    marker_key(st, UNCLEAN_TAG, mk);
    if (commit) {
        unsigned char ck[st->st_plen + 1], cv[8];
        marker_key(st, CHECKPOINT_TAG, ck);
        put_be64(cv, (uint64_t)checkpoint);
        rocksdb_writebatch_put(st->st_wb, (const char *)ck, sizeof ck, (const char *)cv, sizeof cv);
        rocksdb_writebatch_delete(st->st_wb, (const char *)mk, sizeof mk);
    } else {
        rocksdb_writebatch_put(st->st_wb, (const char *)mk, sizeof mk, "", 0);
    }
    char *rerr = NULL;
    rocksdb_write(st->st_stores->ss_db, st->st_stores->ss_wopts, st->st_wb, &rerr);
    rocksdb_writebatch_clear(st->st_wb);
    if (rerr) return rocks_fail(err, rerr, commit ? "committing" : "writing pending state");
    if (st->st_pend_n) st->st_db_has = true;
    st->st_wb_writes = st->st_wb_bytes = 0;
    pend_clear(st);
    return 0;
}

/* Writes key (value NULL: deletes it) to the pending map; writes the
 * pending entries to the database when there are enough of them. */
static int pending_write(eddy_store *st, const void *key, size_t klen, uint64_t h, const void *value, size_t vlen,
                         eddy_err *err) {
    if (pend_set(st, key, klen, h, value, vlen)) return nomem(err);
    size_t flen = st->st_plen + 1 + klen;
    bloom_add(st, h);
    st->st_wb_writes++;
    st->st_wb_bytes += (int64_t)(flen + vlen);
    if (st->st_wb_writes >= PENDING_MAX_WRITES || st->st_wb_bytes >= PENDING_MAX_BYTES)
        return write_batch(st, false, 0, err);
    return 0;
}

/* ---- opening and closing ------------------------------------------------------ */

static eddy_store *find_open(eddy_stores *s, const char *name, bool any_partition, int32_t partition) {
    for (eddy_store *o = s->ss_open; o; o = o->st_next)
        if (strcmp(o->st_name, name) == 0 && (any_partition || o->st_partition == partition)) return o;
    return NULL;
}

static void store_free(eddy_store *st) {
    store_cache_fini(&st->st_cache);
    if (st->st_wb) rocksdb_writebatch_destroy(st->st_wb);
    if (st->st_pend) {
        pend_clear(st);
        free(st->st_pend);
    }
    free(st->st_all);
    free(st->st_bloom);
    rocksdb_free(st->st_got);
    free(st->st_kbuf);
    free(st->st_prefix);
    free(st->st_name);
    free(st);
}

/* When the unclean marker is set, deletes the partition's entries,
 * checkpoint and marker; then finds whether the partition has entries. */
static int check_unclean(eddy_store *st, eddy_err *err) {
    eddy_stores *s = st->st_stores;
    unsigned char mk[st->st_plen + 1], lo[st->st_plen + 1], hi[st->st_plen + 1];
    marker_key(st, UNCLEAN_TAG, mk);
    char *rerr = NULL;
    size_t vlen = 0;
    char *v = rocksdb_get(s->ss_db, s->ss_ropts, (const char *)mk, sizeof mk, &vlen, &rerr);
    if (rerr) return rocks_fail(err, rerr, "reading the unclean marker");
    if (v) {
        rocksdb_free(v);
        marker_key(st, CHECKPOINT_TAG, lo);
        marker_key(st, UNCLEAN_TAG + 1, hi);
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        if (!wb) return nomem(err);
        rocksdb_writebatch_delete_range(wb, (const char *)lo, sizeof lo, (const char *)hi, sizeof hi);
        rocksdb_write(s->ss_db, s->ss_wopts, wb, &rerr);
        rocksdb_writebatch_destroy(wb);
        if (rerr) return rocks_fail(err, rerr, "wiping an unclean store");
        st->st_checkpoint = -1;
        st->st_db_has = false;
        return 0;
    }
    marker_key(st, ENTRY_TAG, lo);
    marker_key(st, ENTRY_TAG + 1, hi);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    if (!ro) return nomem(err);
    rocksdb_readoptions_set_iterate_lower_bound(ro, (const char *)lo, sizeof lo);
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, sizeof hi);
    rocksdb_iterator_t *it = rocksdb_create_iterator(s->ss_db, ro);
    if (!it) {
        rocksdb_readoptions_destroy(ro);
        return nomem(err);
    }
    rocksdb_iter_seek(it, (const char *)lo, sizeof lo);
    st->st_db_has = rocksdb_iter_valid(it);
    rocksdb_iter_get_error(it, &rerr);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    if (rerr) return rocks_fail(err, rerr, "reading a store");
    return 0;
}

static int load_checkpoint(eddy_store *st, eddy_err *err) {
    unsigned char ck[st->st_plen + 1];
    memcpy(ck, st->st_prefix, st->st_plen);
    ck[st->st_plen] = CHECKPOINT_TAG;
    char *rerr = NULL;
    size_t vlen = 0;
    char *v = rocksdb_get(st->st_stores->ss_db, st->st_stores->ss_ropts, (const char *)ck, sizeof ck, &vlen, &rerr);
    if (rerr) return rocks_fail(err, rerr, "reading the checkpoint");
    st->st_checkpoint = -1;
    if (!v) return 0;
    int rc = 0;
    if (vlen != 8) rc = eddy_err_set(err, EDDY_CORRUPT, "state store %s: checkpoint of %zu bytes", st->st_name, vlen);
    else st->st_checkpoint = (int64_t)get_be64((const unsigned char *)v);
    rocksdb_free(v);
    return rc;
}

/* Store names map to 4-byte ids (keys stay short: every key of a store
 * starts with its prefix).  The directory lives under keys starting with
 * 0xFF, which no id prefix does.  Call with ss_mu held. */
#define DIR_TAG "\xff" "dir:"
static int store_id(eddy_stores *s, const char *name, bool create, uint32_t *id, eddy_err *err) {
    size_t nlen = strlen(name), klen = 5 + nlen;
    char *k = malloc(klen);
    char *rerr = NULL;
    size_t vlen = 0;
    int rc = 0;
    if (!k) return nomem(err);
    memcpy(k, DIR_TAG, 5);
    memcpy(k + 5, name, nlen);
    char *v = rocksdb_get(s->ss_db, s->ss_ropts, k, klen, &vlen, &rerr);
    if (rerr) {
        rc = rocks_fail(err, rerr, "reading the store directory");
    } else if (v && vlen == 4) {
        *id = (uint32_t)get_be64((const unsigned char[8]){0, 0, 0, 0, (unsigned char)v[0], (unsigned char)v[1],
                                                          (unsigned char)v[2], (unsigned char)v[3]});
    } else if (!create) {
        rc = EDDY_NOTFOUND;
    } else {
        /* The next id: one more than the counter. */
        size_t clen = 0;
        char *c = rocksdb_get(s->ss_db, s->ss_ropts, "\xff" "next", 5, &clen, &rerr);
        uint32_t next = 1;
        if (!rerr && c && clen == 4)
            next = ((uint32_t)(unsigned char)c[0] << 24 | (uint32_t)(unsigned char)c[1] << 16 |
                    (uint32_t)(unsigned char)c[2] << 8 | (unsigned char)c[3]) + 1;
        rocksdb_free(c);
        unsigned char b[4];
        put_be32(b, next);
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        rocksdb_writebatch_put(wb, "\xff" "next", 5, (const char *)b, 4);
        rocksdb_writebatch_put(wb, k, klen, (const char *)b, 4);
        if (!rerr) rocksdb_write(s->ss_db, s->ss_wopts, wb, &rerr);
        rocksdb_writebatch_destroy(wb);
        if (rerr) rc = rocks_fail(err, rerr, "writing the store directory");
        else *id = next;
    }
    rocksdb_free(v);
    free(k);
    return rc;
}

int eddy_store_open(eddy_stores *s, const char *name, int32_t partition, const eddy_store_opts *opts,
                    eddy_store **out, eddy_err *err) {
    static const eddy_store_opts no_opts = {0};
    int rc;
    *out = NULL;
    if (!opts) opts = &no_opts;
    if (!name || !*name) return eddy_err_set(err, EDDY_INVAL, "state store: empty store name");
    if (opts->cache_max_bytes < 0) return eddy_err_set(err, EDDY_INVAL, "state store %s: negative cache size", name);
    eddy_store *st = calloc(1, sizeof *st);
    if (!st) return nomem(err);
    size_t nlen = strlen(name);
    st->st_stores = s;
    st->st_partition = partition;
    st->st_max = opts->cache_max_bytes;
    st->st_on_flush = opts->on_flush;
    st->st_flush_ud = opts->flush_ud;
    st->st_name = strdup(name);
    (void)nlen;
    st->st_plen = 8; /* BE32(store id) BE32(partition) */
    st->st_prefix = malloc(st->st_plen);
    st->st_wb = rocksdb_writebatch_create();
    st->st_pend_mask = 255;
    st->st_pend = calloc(st->st_pend_mask + 1, sizeof *st->st_pend);
    if (!st->st_name || !st->st_prefix || !st->st_wb || !st->st_pend || store_cache_init(&st->st_cache)) {
        store_free(st);
        return nomem(err);
    }
    pthread_mutex_lock(&s->ss_mu);
    if (find_open(s, name, false, partition)) {
        rc = eddy_err_set(err, EDDY_EXISTS, "state store %s partition %d is already open", name, (int)partition);
        goto fail;
    }
    uint32_t id = 0;
    if ((rc = store_id(s, name, true, &id, err))) goto fail;
    put_be32(st->st_prefix, id);
    put_be32(st->st_prefix + 4, (uint32_t)partition);
    if ((rc = load_checkpoint(st, err)) || (rc = check_unclean(st, err))) goto fail;
    /* Only an empty partition lets the filter prove absence. */
    if (!st->st_db_has && !bloom_alloc(st, BLOOM_MIN_BITS)) {
        free(st->st_bloom); /* reads go to the database */
        st->st_bloom = NULL;
    }
    st->st_next = s->ss_open;
    s->ss_open = st;
    pthread_mutex_unlock(&s->ss_mu);
    *out = st;
    return 0;
fail:
    pthread_mutex_unlock(&s->ss_mu);
    store_free(st);
    return rc;
}

void eddy_store_close(eddy_store *st) {
    if (!st) return;
    eddy_stores *s = st->st_stores;
    pthread_mutex_lock(&s->ss_mu);
    for (eddy_store **pp = &s->ss_open; *pp; pp = &(*pp)->st_next)
        if (*pp == st) {
            *pp = st->st_next;
            break;
        }
    pthread_mutex_unlock(&s->ss_mu);
    store_free(st);
}

int eddy_stores_drop(eddy_stores *s, const char *name, eddy_err *err) {
    if (!name || !*name) return eddy_err_set(err, EDDY_INVAL, "state store: empty store name");
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    int rc = 0;
    if (!wb) return nomem(err);
    pthread_mutex_lock(&s->ss_mu);
    uint32_t id = 0;
    if (find_open(s, name, true, 0)) {
        rc = eddy_err_set(err, EDDY_INVAL, "state store %s is open: close it before dropping it", name);
    } else if ((rc = store_id(s, name, false, &id, err)) == EDDY_NOTFOUND) {
        rc = 0; /* never opened: nothing to drop */
    } else if (rc == 0) {
        unsigned char lo[4], hi[4];
        char *rerr = NULL;
        put_be32(lo, id);
        put_be32(hi, id + 1);
        rocksdb_writebatch_delete_range(wb, (const char *)lo, 4, (const char *)hi, 4);
        size_t nlen = strlen(name);
        char *k = malloc(5 + nlen);
        if (k) {
            memcpy(k, DIR_TAG, 5);
            memcpy(k + 5, name, nlen);
            rocksdb_writebatch_delete(wb, k, 5 + nlen);
            free(k);
        }
        rocksdb_write(s->ss_db, s->ss_wopts, wb, &rerr);
        if (rerr) rc = rocks_fail(err, rerr, "dropping a store");
    }
    pthread_mutex_unlock(&s->ss_mu);
    rocksdb_writebatch_destroy(wb);
    return rc;
}

/* ---- reads and writes --------------------------------------------------------- */

static int busy(eddy_store *st, eddy_err *err) {
    if (st->st_flushing)
        return eddy_err_set(err, EDDY_INVAL, "state store %s: written from its own flush callback", st->st_name);
    return eddy_err_set(err, EDDY_INVAL, "state store %s: written while an iterator is open", st->st_name);
}

static int store_get(eddy_store *st, const void *key, size_t klen, const void **value, size_t *vlen, bool cached,
                     eddy_err *err);

int eddy_store_get(eddy_store *st, const void *key, size_t klen, const void **value, size_t *vlen, eddy_err *err) {
    return store_get(st, key, klen, value, vlen, true, err);
}

int eddy_store_get_flushed(eddy_store *st, const void *key, size_t klen, const void **value, size_t *vlen,
                           eddy_err *err) {
    return store_get(st, key, klen, value, vlen, false, err);
}

static int store_get(eddy_store *st, const void *key, size_t klen, const void **value, size_t *vlen, bool cached,
                     eddy_err *err) {
    store_cache *c = &st->st_cache;
    uint64_t h = store_hash(key, klen);
    if (cached && c->c_entries) {
        store_entry *e = store_cache_find(c, key, klen, h);
        if (e) {
            store_cache_touch(c, e);
            if (e->e_deleted) goto absent;
            *value = e->e_vlen ? (const void *)e->e_val : "";
            *vlen = e->e_vlen;
            return 0;
        }
    }
    pend_entry *p = pend_find(st, key, klen, h);
    if (p) {
        if (p->p_deleted) goto absent;
        *value = p->p_vlen ? (const void *)(p->p_data + p->p_klen) : "";
        *vlen = p->p_vlen;
        return 0;
    }
    if (!db_may_have(st, h)) goto absent;
    rocksdb_free(st->st_got);
    st->st_got = NULL;
    size_t flen, got_len = 0;
    const char *fk = full_key(st, key, klen, &flen);
    if (!fk) return nomem(err);
    char *rerr = NULL;
    st->st_got = rocksdb_get(st->st_stores->ss_db, st->st_stores->ss_ropts, fk, flen, &got_len, &rerr);
    if (rerr) {
        rocksdb_free(st->st_got);
        st->st_got = NULL;
        *value = NULL;
        *vlen = 0;
        return rocks_fail(err, rerr, "reading a key");
    }
    if (!st->st_got) goto absent;
    *value = got_len ? (const void *)st->st_got : "";
    *vlen = got_len;
    return 0;
absent:
    *value = NULL;
    *vlen = 0;
    return EDDY_NOTFOUND;
}

/* Calls the flush callback for one entry (value NULL: deleted). */
static int call_flush(eddy_store *st, const void *key, size_t klen, const void *value, size_t vlen, eddy_err *err) {
    if (!st->st_on_flush) return 0;
    st->st_flushing = true;
    int rc = st->st_on_flush(st->st_flush_ud, key, klen, value, vlen);
    st->st_flushing = false;
    if (rc) eddy_err_set(err, rc < 0 ? rc : EDDY_INTERNAL, "state store %s: flush callback failed (%d)", st->st_name,
                         rc);
    return rc;
}

/* Flushes one dirty entry: callback, then pending batch; the entry is then clean. */
static int flush_entry(eddy_store *st, store_entry *e, eddy_err *err) {
    const void *v = e->e_deleted ? NULL : e->e_vlen ? (const void *)e->e_val : "";
    int rc = call_flush(st, e->e_key, e->e_klen, v, e->e_vlen, err);
    if (rc) return rc;
    if (e->e_unsynced && (rc = pending_write(st, e->e_key, e->e_klen, e->e_hash, v, e->e_vlen, err))) return rc;
    store_cache_set_clean(&st->st_cache, e);
    return 0;
}

/* Brings the cache back within its budget. */
static int shrink(eddy_store *st, eddy_err *err) {
    store_cache *c = &st->st_cache;
    while (c->c_bytes > st->st_max) {
        if (c->c_clean.head) {
            store_cache_remove(c, c->c_clean.head);
        } else if (c->c_dirty.head) {
            int rc = flush_entry(st, c->c_dirty.head, err);
            if (rc) return rc;
        } else {
            break;
        }
    }
    return 0;
}

int eddy_store_put(eddy_store *st, const void *key, size_t klen, const void *value, size_t vlen, eddy_err *err) {
    if (st->st_flushing || st->st_iters) return busy(st, err);
    if (klen > UINT32_MAX / 2 || vlen > UINT32_MAX / 2)
        return eddy_err_set(err, EDDY_TOOBIG, "state store %s: key or value too large", st->st_name);
    if (st->st_max == 0) {
        int rc = call_flush(st, key, klen, value, vlen, err);
        if (rc) return rc;
        return pending_write(st, key, klen, store_hash(key, klen), value, vlen, err);
    }
    if (store_cache_write(&st->st_cache, key, klen, store_hash(key, klen), value, vlen)) return nomem(err);
    if (st->st_cache.c_bytes > st->st_max) return shrink(st, err);
    return 0;
}

int eddy_store_flush(eddy_store *st, eddy_err *err) {
    if (st->st_flushing || st->st_iters) return busy(st, err);
    store_cache *c = &st->st_cache;
    while (c->c_dirty.head) {
        int rc = flush_entry(st, c->c_dirty.head, err);
        if (rc) return rc;
    }
    return 0;
}

int eddy_store_commit(eddy_store *st, int64_t checkpoint, eddy_err *err) {
    int rc = eddy_store_flush(st, err);
    if (rc) return rc;
    if ((rc = write_batch(st, true, checkpoint, err))) return rc; /* the pending entries are kept */
    st->st_checkpoint = checkpoint;
    return 0;
}

int64_t eddy_store_checkpoint(const eddy_store *st) {
    return st->st_checkpoint;
}

int eddy_store_restore_put(eddy_store *st, const void *key, size_t klen, const void *value, size_t vlen,
                           eddy_err *err) {
    if (st->st_flushing || st->st_iters) return busy(st, err);
    store_cache *c = &st->st_cache;
    uint64_t h = store_hash(key, klen);
    if (c->c_entries) {
        store_entry *e = store_cache_find(c, key, klen, h);
        if (e) store_cache_remove(c, e);
    }
    return pending_write(st, key, klen, h, value, vlen, err);
}

/* ---- iterators ---------------------------------------------------------------- */

/* Writes the dirty entries not yet written and the pending batch to the
 * database (the entries stay dirty). */
static int sync_cache(eddy_store *st, eddy_err *err) {
    store_cache *c = &st->st_cache;
    while (c->c_nunsynced) {
        store_entry *e = c->c_unsynced[c->c_nunsynced - 1];
        const void *v = e->e_deleted ? NULL : e->e_vlen ? (const void *)e->e_val : "";
        int rc = pending_write(st, e->e_key, e->e_klen, e->e_hash, v, e->e_vlen, err);
        if (rc) return rc;
        store_cache_set_synced(c, e);
    }
    return write_batch(st, false, 0, err);
}

/* The full key prefix ‖ ENTRY_TAG ‖ key, or prefix ‖ tag when key is NULL; malloc'd. */
static unsigned char *bound_key(const eddy_store *st, unsigned char tag, const void *key, size_t klen, size_t *len) {
    if (!key) klen = 0;
    unsigned char *b = malloc(st->st_plen + 1 + klen + 1);
    if (!b) return NULL;
    memcpy(b, st->st_prefix, st->st_plen);
    b[st->st_plen] = tag;
    if (klen) memcpy(b + st->st_plen + 1, key, klen);
    *len = st->st_plen + 1 + klen;
    return b;
}

int eddy_store_iter_new(eddy_store *st, const void *lo, size_t lolen, const void *hi, size_t hilen,
                        eddy_store_iter **out, eddy_err *err) {
    int rc;
    *out = NULL;
    if (st->st_flushing) return busy(st, err);
    if ((rc = sync_cache(st, err))) return rc;
    eddy_store_iter *it = calloc(1, sizeof *it);
    if (!it) return nomem(err);
    it->it_st = st;
    it->it_lo = bound_key(st, ENTRY_TAG, lo, lolen, &it->it_lolen);
    /* No upper key: up to the end of the store's entries (the next tag). */
    it->it_hi = hi ? bound_key(st, ENTRY_TAG, hi, hilen, &it->it_hilen)
                   : bound_key(st, ENTRY_TAG + 1, NULL, 0, &it->it_hilen);
    it->it_ropts = rocksdb_readoptions_create();
    if (!it->it_lo || !it->it_hi || !it->it_ropts) {
        rc = nomem(err);
        goto fail;
    }
    rocksdb_readoptions_set_iterate_lower_bound(it->it_ropts, (const char *)it->it_lo, it->it_lolen);
    rocksdb_readoptions_set_iterate_upper_bound(it->it_ropts, (const char *)it->it_hi, it->it_hilen);
    it->it_it = rocksdb_create_iterator(st->st_stores->ss_db, it->it_ropts);
    if (!it->it_it) {
        rc = nomem(err);
        goto fail;
    }
    st->st_iters++;
    *out = it;
    return 0;
fail:
    if (it->it_ropts) rocksdb_readoptions_destroy(it->it_ropts);
    free(it->it_lo);
    free(it->it_hi);
    free(it);
    return rc;
}

static int key_cmp(const char *a, size_t alen, const unsigned char *b, size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int r = n ? memcmp(a, b, n) : 0;
    if (r) return r;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

bool eddy_store_iter_next(eddy_store_iter *it, const void **key, size_t *klen, const void **value, size_t *vlen) {
    if (it->it_done) return false;
    if (!it->it_started) {
        rocksdb_iter_seek(it->it_it, (const char *)it->it_lo, it->it_lolen);
        it->it_started = true;
    } else {
        rocksdb_iter_next(it->it_it);
    }
    size_t kl, vl;
    const char *k;
    if (!rocksdb_iter_valid(it->it_it) || !(k = rocksdb_iter_key(it->it_it, &kl)) ||
        key_cmp(k, kl, it->it_hi, it->it_hilen) >= 0) {
        it->it_done = true;
        return false;
    }
    size_t skip = it->it_st->st_plen + 1;
    const char *v = rocksdb_iter_value(it->it_it, &vl);
    *key = k + skip;
    *klen = kl - skip;
    *value = v ? v : "";
    *vlen = vl;
    return true;
}

void eddy_store_iter_destroy(eddy_store_iter *it) {
    if (!it) return;
    it->it_st->st_iters--;
    rocksdb_iter_destroy(it->it_it);
    rocksdb_readoptions_destroy(it->it_ropts);
    free(it->it_lo);
    free(it->it_hi);
    free(it);
}

/* ---- metrics ------------------------------------------------------------------ */

int64_t eddy_store_cache_bytes(const eddy_store *st) {
    return st->st_cache.c_bytes;
}

void eddy_store_cache_counts(const eddy_store *st, int64_t *entries, int64_t *dirty) {
    if (entries) *entries = st->st_cache.c_entries;
    if (dirty) *dirty = st->st_cache.c_ndirty;
}
