/* store_cache.c - the state stores' record cache: a hash map of the latest values with dirty and LRU lists (store_int.h). */
#include "engine/store_int.h"

#include "base/error.h"

#include <stdlib.h>

#define CACHE_MIN_BUCKETS 64

int store_cache_init(store_cache *c) {
    memset(c, 0, sizeof *c);
    c->c_buckets = calloc(CACHE_MIN_BUCKETS, sizeof *c->c_buckets);
    if (!c->c_buckets) return EDDY_NOMEM;
    c->c_mask = CACHE_MIN_BUCKETS - 1;
    return 0;
}

static void entry_free(store_entry *e) {
    free(e->e_val);
    free(e);
}

void store_cache_fini(store_cache *c) {
    if (!c->c_buckets) return;
    for (size_t i = 0; i <= c->c_mask; i++) {
        store_entry *e = c->c_buckets[i];
        while (e) {
            store_entry *next = e->e_hnext;
            entry_free(e);
            e = next;
        }
    }
    free(c->c_buckets);
    free(c->c_unsynced);
    memset(c, 0, sizeof *c);
}

/* Doubles the bucket array; on allocation failure the chains just get longer. */
static void grow_buckets(store_cache *c) {
    size_t n = (c->c_mask + 1) * 2;
    store_entry **nb = calloc(n, sizeof *nb);
    if (!nb) return;
    for (size_t i = 0; i <= c->c_mask; i++) {
        store_entry *e = c->c_buckets[i];
        while (e) {
            store_entry *next = e->e_hnext;
            size_t b = e->e_hash & (n - 1);
            e->e_hnext = nb[b];
            nb[b] = e;
            e = next;
        }
    }
    free(c->c_buckets);
    c->c_buckets = nb;
    c->c_mask = n - 1;
}

static int reserve_unsynced(store_cache *c) {
    if (c->c_nunsynced < c->c_unsynced_cap) return 0;
    size_t cap = c->c_unsynced_cap ? 2 * c->c_unsynced_cap : 64;
    store_entry **nu = realloc(c->c_unsynced, cap * sizeof *nu);
    if (!nu) return EDDY_NOMEM;
    c->c_unsynced = nu;
    c->c_unsynced_cap = cap;
    return 0;
}

static void drop_unsynced(store_cache *c, store_entry *e) {
    if (!e->e_unsynced) return;
    size_t i = e->e_unsynced - 1;
    store_entry *last = c->c_unsynced[--c->c_nunsynced];
    c->c_unsynced[i] = last;
    last->e_unsynced = (uint32_t)i + 1;
    e->e_unsynced = 0;
}

/* Gives e room for vlen value bytes; false when out of memory (e unchanged). */
static bool value_room(store_cache *c, store_entry *e, size_t vlen) {
    if (vlen <= e->e_vcap && !(e->e_vcap > 64 && vlen < e->e_vcap / 4)) return true;
    size_t cap = (vlen + 7) & ~(size_t)7;
    unsigned char *nv = NULL;
    if (cap) {
        nv = malloc(cap);
        if (!nv) return false;
    }
    free(e->e_val);
    c->c_bytes += (int64_t)cap - (int64_t)e->e_vcap;
    e->e_val = nv;
    e->e_vcap = (uint32_t)cap;
    return true;
}

int store_cache_write(store_cache *c, const void *key, size_t klen, uint64_t h, const void *val, size_t vlen) {
    if (reserve_unsynced(c)) return EDDY_NOMEM;
    store_entry *e = store_cache_find(c, key, klen, h);
    if (!e) {
        e = calloc(1, sizeof *e + klen);
        if (!e) return EDDY_NOMEM;
        if (val && !value_room(c, e, vlen)) {
            free(e);
            return EDDY_NOMEM;
        }
        if (klen) memcpy(e->e_key, key, klen);
        e->e_klen = (uint32_t)klen;
        e->e_hash = h;
        size_t b = h & c->c_mask;
        e->e_hnext = c->c_buckets[b];
        c->c_buckets[b] = e;
        c->c_bytes += STORE_ENTRY_OVERHEAD + (int64_t)klen;
        c->c_entries++;
        e->e_dirty = 1;
        c->c_ndirty++;
        store_list_append(&c->c_dirty, e);
        if ((size_t)c->c_entries > c->c_mask + 1) grow_buckets(c);
    } else {
        if (val && !value_room(c, e, vlen)) return EDDY_NOMEM;
        if (!e->e_dirty) {
            store_list_unlink(&c->c_clean, e);
            store_list_append(&c->c_dirty, e);
            e->e_dirty = 1;
            c->c_ndirty++;
        }
    }
    if (val) {
        if (vlen) memcpy(e->e_val, val, vlen);
        e->e_vlen = (uint32_t)vlen;
        e->e_deleted = 0;
    } else {
        e->e_vlen = 0;
        e->e_deleted = 1;
    }
    if (!e->e_unsynced) {
        c->c_unsynced[c->c_nunsynced++] = e;
        e->e_unsynced = (uint32_t)c->c_nunsynced;
    }
    return 0;
}

void store_cache_set_synced(store_cache *c, store_entry *e) {
    drop_unsynced(c, e);
}

void store_cache_set_clean(store_cache *c, store_entry *e) {
    drop_unsynced(c, e);
    if (!e->e_dirty) return;
    store_list_unlink(&c->c_dirty, e);
    store_list_append(&c->c_clean, e);
    e->e_dirty = 0;
    c->c_ndirty--;
}

void store_cache_remove(store_cache *c, store_entry *e) {
    drop_unsynced(c, e);
    if (e->e_dirty) {
        store_list_unlink(&c->c_dirty, e);
        c->c_ndirty--;
    } else {
        store_list_unlink(&c->c_clean, e);
    }
    store_entry **pp = &c->c_buckets[e->e_hash & c->c_mask];
    while (*pp != e) pp = &(*pp)->e_hnext;
    *pp = e->e_hnext;
    c->c_bytes -= STORE_ENTRY_OVERHEAD + (int64_t)e->e_klen + (int64_t)e->e_vcap;
    c->c_entries--;
    entry_free(e);
}
