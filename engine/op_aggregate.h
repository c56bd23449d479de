/* op_aggregate.h - the aggregation operator of one task: groups, windows, accumulators in a state store.
 *
 * Input rows are the plan's pre rows ([group values | the calls' row
 * arguments], see eddy_plan_agg); a row flagged EDDY_ROW_UNDO takes a table
 * row's old value back out.  Output rows are aggregate rows (the columns of
 * agg_schema: group values, call results, WINDOWSTART/WINDOWEND), with ts the
 * latest record time of the group (or window) and, for windowed rows,
 * EDDY_ROW_WINDOWED with wstart/wend; a row flagged EDDY_ROW_NULL_VALUE is a
 * tombstone for its key (a merged-away session).  Rows come out when the
 * store's record cache flushes them (every update with the cache off), or,
 * under EMIT FINAL, once per window when stream time passes its end + grace.
 *
 * State layout (the store's bytes):
 *   key   = value_bin(group values) [‖ window start, 8 bytes big-endian
 *           [‖ window end, for sessions]]
 *   value = value_bin(ts, window start, window end, group values..., accumulators...)
 * Keys starting with 0xFF hold the operator's own metadata (stream time).
 * Every flushed entry is also a changelog record (taken with
 * eddy_aggop_changelog) that the task writes in its log transaction; a
 * restarted task replays the changelog from the store's checkpoint.
 */
#ifndef EDDY_ENGINE_OP_AGGREGATE_H
#define EDDY_ENGINE_OP_AGGREGATE_H

#include "base/error.h"
#include "engine/plan.h"
#include "engine/store.h"
#include "schemas/value.h"

/* The pre row retracts a table row's old value. */
#define EDDY_ROW_UNDO 8u
/* An undo row whose next row adds the same source record's new value to the
 * same group: both are applied before the group is emitted once. */
#define EDDY_ROW_PAIRED 16u
/* An output row carrying the group's previously emitted value; it comes
 * right before the new row (or tombstone) of the same group, so that HAVING
 * can tell whether the group left the result. */
#define EDDY_ROW_OLD 32u

typedef struct eddy_aggop eddy_aggop;

typedef struct eddy_aggop_opts {
    eddy_stores *stores;
    const char *store_name;
    int32_t partition;
    int64_t cache_max_bytes;       /* 0: every update is emitted */
    /* A row that cannot be aggregated (NULL grouping key, a failing
     * aggregate, a late record): reported and skipped. */
    void (*on_skip)(void *ud, const eddy_row *row, const char *kind, const char *message);
    void *skip_ud;
} eddy_aggop_opts;

/* p is borrowed and must outlive the operator.  *out owned by the caller. */
int eddy_aggop_new(const eddy_plan *p, const eddy_aggop_opts *opts, eddy_aggop **out, eddy_err *err);
void eddy_aggop_destroy(eddy_aggop *op);

/* Aggregates the pre rows of in; rows emitted meanwhile are appended to out
 * (out->ncols = agg_schema->ncols). */
int eddy_aggop_process(eddy_aggop *op, const eddy_batch *in, eddy_batch *out, eddy_err *err);
/* Flushes the record cache: emitted rows go to out. */
int eddy_aggop_flush(eddy_aggop *op, eddy_batch *out, eddy_err *err);

/* Changelog records flushed since the last eddy_aggop_changelog_clear. */
typedef struct eddy_aggop_record {
    const void *key;
    size_t klen;
    const void *value; /* NULL: deleted */
    size_t vlen;
} eddy_aggop_record;
size_t eddy_aggop_changelog(eddy_aggop *op, const eddy_aggop_record **recs);
void eddy_aggop_changelog_clear(eddy_aggop *op);

/* Makes the state durable up to changelog offset `checkpoint` (exclusive);
 * call after the log transaction that holds the changelog records commits. */
int eddy_aggop_commit(eddy_aggop *op, int64_t checkpoint, eddy_err *err);
/* Records in the state that it holds every input record before `position`
 * (written to the changelog with the next flush). */
int eddy_aggop_set_position(eddy_aggop *op, int64_t position, eddy_err *err);
/* The position last set or restored, -1 when none. */
int64_t eddy_aggop_position(const eddy_aggop *op);
/* Where changelog replay starts: the last committed checkpoint, or 0. */
int64_t eddy_aggop_restore_from(const eddy_aggop *op);
/* Applies one changelog record (restoring after a restart). */
int eddy_aggop_restore(eddy_aggop *op, const void *key, size_t klen, const void *value, size_t vlen, eddy_err *err);

/* Ends a restore: rebuilds what is derived from the state (EMIT FINAL's
 * index of windows waiting to close).  Call before eddy_aggop_commit. */
int eddy_aggop_restore_done(eddy_aggop *op, eddy_err *err);

/* Pull queries: the aggregate rows of the group whose values are key (NULL:
 * every group), windows with start in [wstart_lo, wstart_hi] (ignored when
 * not windowed), appended to out. */
int eddy_aggop_read(eddy_aggop *op, const eddy_value *key, int64_t wstart_lo, int64_t wstart_hi, eddy_batch *out,
                    eddy_err *err);

/* The operator's state store (borrowed; for metrics and benchmarks). */
eddy_store *eddy_aggop_store(const eddy_aggop *op);

/* Records dropped because they came after their window closed. */
int64_t eddy_aggop_late_records(const eddy_aggop *op);
/* Windows removed because they left the retention period (on flush). */
int eddy_aggop_expired_windows(const eddy_aggop *op);

#endif
