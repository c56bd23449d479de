/* runtime.h - stream threads: run the tasks of the persistent and push queries that are started.
 *
 * N threads (ksql.streams.num.stream.threads) share the tasks of every
 * running query: task t of the k-th started query goes to thread
 * (k + t) % N.  A thread steps its tasks in turn; when none had work it waits
 * on the log for new records (eddy_log_wait), so idle queries cost nothing.
 * A query that fails is stopped and marked ERROR; the others go on.
 */
#ifndef EDDY_ENGINE_RUNTIME_H
#define EDDY_ENGINE_RUNTIME_H

#include "base/error.h"
#include "connectors/log.h"
#include "engine/query.h"

#include <stdbool.h>

typedef struct eddy_runtime eddy_runtime;

/* threads: number of stream threads (>= 1).  log borrowed. */
int eddy_runtime_new(eddy_log *log, int threads, eddy_runtime **out, eddy_err *err);
/* Stops every thread and destroys every query still running. */
void eddy_runtime_destroy(eddy_runtime *rt);

/* Hands q over to the runtime, which starts running it.  on_done (may be
 * NULL) is called from a stream thread when a push query has delivered its
 * LIMIT or a query failed (error non-NULL). */
typedef void (*eddy_runtime_done_fn)(void *ud, eddy_qrun *q, const char *error);
int eddy_runtime_start(eddy_runtime *rt, eddy_qrun *q, eddy_runtime_done_fn on_done, void *ud, eddy_err *err);
/* Stops the query with this id and destroys it (waits until no thread is
 * inside it).  Returns 0 or EDDY_NOTFOUND. */
int eddy_runtime_stop(eddy_runtime *rt, const char *query_id);
/* Pauses / resumes a query (its tasks are not stepped while paused). */
int eddy_runtime_pause(eddy_runtime *rt, const char *query_id, bool paused);
/* Records processed and records that failed (processing log), so far. */
int eddy_runtime_counts(eddy_runtime *rt, const char *query_id, int64_t *processed, int64_t *errors);
/* Whether a query is running and, if it failed, the error (copied into buf). */
/* Calls fn with the running query query_id while it cannot be stopped (the
 * runtime's lock is held: fn must not call back into the runtime).  Returns
 * fn's result, or EDDY_NOTFOUND. */
int eddy_runtime_with_query(eddy_runtime *rt, const char *query_id, int (*fn)(eddy_qrun *q, void *ud), void *ud);
bool eddy_runtime_failed(eddy_runtime *rt, const char *query_id, char *buf, size_t len);

#endif
