/* query.h - a running query: one task per input partition, stepped by stream threads or the test driver.
 *
 * A persistent query reads its source topic's partitions from the positions
 * its consumer group committed, runs each batch of records through the plan
 * (deserialize, timestamp, filter + projection, rekey, serialize) and commits
 * the outputs together with the new input positions in one log transaction,
 * so that after a crash (even SIGKILL) nothing committed is lost or written
 * twice.  A push query runs the same pipeline into a callback instead of a
 * topic and commits nothing.
 *
 * Stepping is explicit: eddy_qrun_step processes at most one batch per task
 * and says whether it did anything.  The stream threads (runtime.h) call it
 * in a loop; the deterministic test driver calls it until the query is idle.
 */
#ifndef EDDY_ENGINE_QUERY_H
#define EDDY_ENGINE_QUERY_H

#include "base/error.h"
#include "connectors/log.h"
#include "engine/plan.h"
#include "schemas/value.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct eddy_qrun eddy_qrun; /* a running query (the AST's eddy_query is the SELECT) */

/* Rows of a push query, in output order: cols are the plan's projection. */
typedef int (*eddy_qrun_rows_fn)(void *ud, const eddy_batch *rows);

/* Where a record that cannot be processed is reported. */
typedef void (*eddy_qrun_error_fn)(void *ud, const char *query_id, const char *kind, const char *message,
                                    const char *topic, int32_t partition, int64_t offset, const void *record,
                                    size_t record_len);

typedef struct eddy_qrun_opts {
    const char *query_id;
    const char *group_id;        /* consumer group for committed positions (persistent queries) */
    bool from_earliest;          /* no committed position: start at the start (else the end) */
    bool until_end;              /* pull query on a stream: done once every partition is read up
                                    to where it ended when the query started */
    bool fail_on_error;          /* ksql.fail.on.deserialization.error: stop the query instead of skipping */
    int batch_size;              /* records per task per step (0 = 1000) */
    eddy_qrun_rows_fn rows;     /* push queries: where rows go (NULL for persistent queries) */
    void *rows_ud;
    eddy_qrun_error_fn on_error;/* processing log; may be NULL */
    /* Stateful queries (aggregations): */
    struct eddy_stores *stores;  /* where state lives (required for aggregations) */
    int64_t cache_max_bytes;     /* record cache per task (cache.max.bytes.buffering); 0 = emit every update */
    int64_t commit_interval_ms;  /* commit (flush the cache) at most this often; 0 = after every batch */
    void *error_ud;
    /* Distribution (persistent queries on a backend with groups, i.e. Kafka): */
    bool use_groups;             /* join the consumer group group_id: run only the partitions the group
                                    assigns to this server (query_group.c) */
    int txn_flags;               /* EDDY_LOG_TXN_* for every commit (processing.guarantee) */
    int internal_replicas;       /* replication factor of internal topics (0 = 1, -1 = the brokers') */
} eddy_qrun_opts;

/* Starts a query over log (borrowed).  plan is taken over (also on failure).
 * For persistent queries the sink topic must exist.  *out owned by caller. */
int eddy_qrun_new(eddy_log *log, eddy_plan *plan, const eddy_qrun_opts *opts, eddy_qrun **out, eddy_err *err);
void eddy_qrun_destroy(eddy_qrun *q);

const char *eddy_qrun_id(const eddy_qrun *q);
const eddy_plan *eddy_qrun_plan(const eddy_qrun *q);
int eddy_qrun_ntasks(const eddy_qrun *q);

/* Processes at most one batch of task i.  *did_work is set when records were
 * read.  Returns 0, or an error that stopped the query (its state becomes
 * ERROR; see eddy_query_error).  Thread-safety: one thread per task at a
 * time; different tasks may be stepped concurrently. */
int eddy_qrun_step_task(eddy_qrun *q, int task, bool *did_work, eddy_err *err);
/* Steps every task once; *did_work when any did. */
int eddy_qrun_step(eddy_qrun *q, bool *did_work, eddy_err *err);
/* Steps until no task has work left (the test driver). */
int eddy_qrun_run_until_idle(eddy_qrun *q, eddy_err *err);

/* Pull queries over the materialized state of an aggregation: the output
 * rows (the query's projection) of the group `key` (the GROUP BY values;
 * NULL: every group), windows starting in [wlo, whi], appended to out
 * (out->ncols = the plan's nexprs).  Safe while stream threads run. */
int eddy_qrun_read_state(eddy_qrun *q, const eddy_value *key, int64_t wlo, int64_t whi, eddy_batch *out,
                         eddy_err *err);

/* Push queries: true once LIMIT rows were delivered. */
bool eddy_qrun_done(const eddy_qrun *q);
/* Counters for DESCRIBE EXTENDED: records processed, records skipped. */
void eddy_qrun_counts(const eddy_qrun *q, int64_t *processed, int64_t *errors);

#endif
