/* store.h - state stores: ordered key-value state of a query task on RocksDB, with a record cache in front.
 *
 * All the state of a server lives in one RocksDB database (state.dir), or in
 * memory for tests.  A store is named after its query and operator
 * ("CTAS_T_1.Aggregate") and holds one partition's state: the key space is
 * prefixed so stores never see each other's keys.  Keys and values are
 * bytes; the operator decides their layout (a window store appends the
 * window start, big-endian, to the group key so one range scan finds a key's
 * windows).
 *
 * Three layers, read top-down by get:
 *   1. the record cache: the latest value of recently written keys, in a hash
 *      map, bounded by cache_max_bytes.  A write marks the entry dirty.  When
 *      the cache is over its budget the least recently written dirty entries
 *      are flushed; eddy_store_flush flushes all.  Flushing an entry calls the
 *      store's flush callback (the operator emits the row downstream and
 *      writes its changelog record) and then moves the entry to layer 2.
 *      With cache_max_bytes == 0 every put is flushed at once (every update
 *      is emitted: the test driver's setting, as in ksqlDB's tests).
 *   2. pending writes: flushed entries not yet in the database, in a bounded
 *      hash map (a few thousand entries or a few MB).  When it is full the
 *      entries are written to the database (before the next commit).
 *   3. the database.
 * Iterators first write the pending entries and the dirty cache entries
 * (which stay dirty: the flush callback still sees them once, later) to the
 * database, then iterate the database alone.
 *
 * eddy_store_commit flushes, then writes the pending entries and the
 * store's checkpoint (an int64 the operator chooses: the offset of the
 * changelog up to which the state is written) in one atomic write.  The
 * operator commits its log transaction (outputs, changelog records, input
 * positions) first and the store after it; after a crash between the two,
 * it replays the changelog from the checkpoint (eddy_store_restore_put) to
 * catch up.
 *
 * Since state may reach the database ahead of its checkpoint (a full
 * pending map, an iterator), such writes also set an "unclean" marker of the
 * store partition, and a commit clears it in its atomic write (Kafka
 * Streams' rule for exactly-once state).  When eddy_store_open finds the
 * marker, the database holds state newer than the checkpoint, with no way to
 * undo it: the partition's entries and checkpoint are deleted, so
 * eddy_store_checkpoint returns -1 and the operator replays its whole
 * changelog (records are full values or deletes, so the replay converges).
 * Closing without a commit after such a write therefore costs a full
 * restore at the next open.
 *
 * Thread-safety: a store belongs to one task; stepping the task and reading
 * the store (pull queries) must be serialized by the caller.  Different stores
 * of one eddy_stores may be used from different threads.
 */
#ifndef EDDY_ENGINE_STORE_H
#define EDDY_ENGINE_STORE_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eddy_stores eddy_stores;
typedef struct eddy_store eddy_store;
typedef struct eddy_store_iter eddy_store_iter;

/* Opens (creating) the state database in dir, or an in-memory one when dir
 * is NULL or ":memory:".  *out owned by the caller. */
int eddy_stores_open(const char *dir, eddy_stores **out, eddy_err *err);
void eddy_stores_close(eddy_stores *s);

/* Called for each entry flushed from the cache, in the order the entries were
 * first made dirty.  value NULL means the key was deleted.  A non-zero return
 * stops the flush and is returned by the call that flushed. */
typedef int (*eddy_store_flush_fn)(void *ud, const void *key, size_t klen, const void *value, size_t vlen);

typedef struct eddy_store_opts {
    int64_t cache_max_bytes;       /* record cache budget (0: write through, flush each put) */
    eddy_store_flush_fn on_flush;  /* may be NULL */
    void *flush_ud;
} eddy_store_opts;

/* Opens store `name` for `partition`.  Several opens of the same name and
 * partition are not allowed at once.  *out owned by the caller; close it
 * before the eddy_stores. */
int eddy_store_open(eddy_stores *s, const char *name, int32_t partition, const eddy_store_opts *opts,
                    eddy_store **out, eddy_err *err);
/* Closes without flushing or committing (what is not committed is lost, as
 * in a crash). */
void eddy_store_close(eddy_store *st);
/* Deletes every partition of store `name` from the database (DROP / TERMINATE). */
int eddy_stores_drop(eddy_stores *s, const char *name, eddy_err *err);

/* The value of key: *value points to memory valid until the next call on the
 * store (NULL with EDDY_NOTFOUND when absent or deleted). */
int eddy_store_get(eddy_store *st, const void *key, size_t klen, const void **value, size_t *vlen, eddy_err *err);
/* As eddy_store_get, but ignoring the record cache: the value last flushed
 * (what was emitted downstream).  Inside the flush callback this is the
 * entry's previous value. */
int eddy_store_get_flushed(eddy_store *st, const void *key, size_t klen, const void **value, size_t *vlen,
                           eddy_err *err);
/* Writes (value != NULL) or deletes (value == NULL) key in the cache. */
int eddy_store_put(eddy_store *st, const void *key, size_t klen, const void *value, size_t vlen, eddy_err *err);

/* Flushes every dirty cache entry (callback, then pending writes; may write
 * them to the database, marking the store unclean until the next commit). */
int eddy_store_flush(eddy_store *st, eddy_err *err);
/* Flushes, then writes the pending entries and checkpoint atomically and
 * clears the unclean marker. */
int eddy_store_commit(eddy_store *st, int64_t checkpoint, eddy_err *err);
/* The last committed checkpoint, or -1 when none (also after an unclean
 * partition was wiped at open: restore from the start). */
int64_t eddy_store_checkpoint(const eddy_store *st);
/* Restoring from a changelog: drops the key's cache entry and writes to the
 * pending layer (no callback); make it durable with eddy_store_commit. */
int eddy_store_restore_put(eddy_store *st, const void *key, size_t klen, const void *value, size_t vlen,
                           eddy_err *err);

/* Iterates keys in [lo, hi) in byte order (lo NULL: from the first key; hi
 * NULL: to the last), seeing all three layers (deleted keys are skipped):
 * first writes the pending and dirty entries to the database (marking the
 * store unclean until the next commit).  The store must not be written
 * while an iterator is open. */
int eddy_store_iter_new(eddy_store *st, const void *lo, size_t lolen, const void *hi, size_t hilen,
                        eddy_store_iter **out, eddy_err *err);
/* Moves to the next entry (the first on the first call): true while there is
 * one; key/value valid until the next call. */
bool eddy_store_iter_next(eddy_store_iter *it, const void **key, size_t *klen, const void **value, size_t *vlen);
void eddy_store_iter_destroy(eddy_store_iter *it);

/* Memory the cache holds now (bytes of keys and values plus overhead). */
int64_t eddy_store_cache_bytes(const eddy_store *st);
/* Number of entries in the cache / dirty ones (tests, metrics). */
void eddy_store_cache_counts(const eddy_store *st, int64_t *entries, int64_t *dirty);

#endif
