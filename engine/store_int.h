/* store_int.h - internals of the state stores (store.c) shared with the record cache (store_cache.c).
 *
 * The record cache is a chained hash map of entries, each also on one of two
 * intrusive lists:
 *   c_dirty  entries written since they were last flushed, in the order they
 *            were first made dirty (a dirty entry written again keeps its
 *            place): the flush order;
 *   c_clean  flushed entries, least recently used first: eviction takes the
 *            head.
 * A dirty entry is "unsynced" while its current value is not yet in the
 * store's pending layer; unsynced entries are also listed in
 * c_unsynced (each knows its index), so opening an iterator writes just them
 * to the database instead of walking every dirty entry.
 *
 * Memory accounting (c_bytes): per entry STORE_ENTRY_OVERHEAD + key length +
 * value capacity.  The overhead covers the entry header, two allocations'
 * malloc headers and the entry's share of the bucket array.
 */
#ifndef EDDY_ENGINE_STORE_INT_H
#define EDDY_ENGINE_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct store_entry {
    struct store_entry *e_hnext;         /* next in the bucket's chain */
    struct store_entry *e_prev, *e_next; /* in c_dirty or c_clean */
    uint64_t e_hash;
    unsigned char *e_val;                /* e_vcap bytes (malloc), NULL when e_vcap is 0 */
    uint32_t e_vlen, e_vcap, e_klen;
    uint32_t e_unsynced;                 /* 1 + index in c_unsynced; 0 when synced or clean */
    uint8_t e_dirty;                     /* on c_dirty (else on c_clean) */
    uint8_t e_deleted;                   /* a deletion marker: no value */
    unsigned char e_key[];               /* e_klen bytes */
} store_entry;

#define STORE_ENTRY_OVERHEAD ((int64_t)sizeof(store_entry) + 48)

typedef struct store_list {
    store_entry *head, *tail;
} store_list;

typedef struct store_cache {
    store_entry **c_buckets;   /* c_mask + 1 chains */
    size_t c_mask;
    int64_t c_entries, c_ndirty, c_bytes;
    store_list c_dirty;        /* flush order */
    store_list c_clean;        /* LRU first */
    store_entry **c_unsynced;  /* dirty entries whose value is not in the pending layer */
    size_t c_nunsynced, c_unsynced_cap;
} store_cache;

/* Caller-owned cache; 0 or EDDY_NOMEM. */
int store_cache_init(store_cache *c);
/* Frees every entry. */
void store_cache_fini(store_cache *c);

/* Sets key's value (val NULL: a deletion marker), inserting the entry when
 * absent, and marks it dirty and unsynced.  0 or EDDY_NOMEM (then the cache
 * is unchanged). */
int store_cache_write(store_cache *c, const void *key, size_t klen, uint64_t h, const void *val, size_t vlen);
/* Moves a dirty entry to the clean list's tail (it was flushed); also synced. */
void store_cache_set_clean(store_cache *c, store_entry *e);
/* The entry's value is now in the pending layer. */
void store_cache_set_synced(store_cache *c, store_entry *e);
/* Unlinks and frees the entry. */
void store_cache_remove(store_cache *c, store_entry *e);

/* The hash of a key (not stable across versions: in-memory use only). */
static inline uint64_t store_hash(const void *key, size_t n) {
    const unsigned char *p = key;
    const uint64_t k1 = 0x9e3779b97f4a7c15ULL, k2 = 0xbf58476d1ce4e5b9ULL;
    uint64_t h = k1 ^ (n * k2);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ (w * k2)) * k1;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) w |= (uint64_t)p[i] << (8 * i);
    h = (h ^ (w * k2) ^ n) * k1;
    h ^= h >> 32;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 29;
    return h;
}

/* The entry of key, or NULL. */
static inline store_entry *store_cache_find(const store_cache *c, const void *key, size_t klen, uint64_t h) {
    for (store_entry *e = c->c_buckets[h & c->c_mask]; e; e = e->e_hnext)
        if (e->e_hash == h && e->e_klen == klen && (klen == 0 || memcmp(e->e_key, key, klen) == 0)) return e;
    return NULL;
}

static inline void store_list_unlink(store_list *l, store_entry *e) {
    if (e->e_prev) e->e_prev->e_next = e->e_next;
    else l->head = e->e_next;
    if (e->e_next) e->e_next->e_prev = e->e_prev;
    else l->tail = e->e_prev;
    e->e_prev = e->e_next = NULL;
}

static inline void store_list_append(store_list *l, store_entry *e) {
    e->e_next = NULL;
    e->e_prev = l->tail;
    if (l->tail) l->tail->e_next = e;
    else l->head = e;
    l->tail = e;
}

/* A read of a clean entry makes it the most recently used. */
static inline void store_cache_touch(store_cache *c, store_entry *e) {
    if (!e->e_dirty && c->c_clean.tail != e) {
        store_list_unlink(&c->c_clean, e);
        store_list_append(&c->c_clean, e);
    }
}

#endif
