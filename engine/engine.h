/* engine.h - the engine: log backend, catalog, command log, and statement execution.
 *
 * One eddy_engine per server.  It opens the log backend (the embedded log
 * under <ksql.streams.state.dir>/log when bootstrap.servers is empty),
 * replays the command log to rebuild the catalog, and executes the
 * statements of /ksql requests, returning ksqlDB's JSON entities.
 *
 * Thread-safety: eddy_engine_ksql and the other calls may come from any
 * thread; the engine serialises statement execution with a mutex.
 */
#ifndef EDDY_ENGINE_ENGINE_H
#define EDDY_ENGINE_ENGINE_H

#include "base/error.h"
#include "connectors/log.h"
#include "schemas/value.h"
#include "server/config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct eddy_engine eddy_engine;

/* Opens the engine with configuration cfg (borrowed: it must outlive the
 * engine).  log: an already open log to use (borrowed), or NULL to open the
 * backend the configuration names.  *out is owned by the caller. */
int eddy_engine_open(const eddy_config *cfg, eddy_log *log, eddy_engine **out, eddy_err *err);
/* Options beyond the configuration. */
typedef struct eddy_engine_opts {
    /* Deterministic mode (the test driver): no stream threads; queries run
     * only inside eddy_engine_run_until_idle, in the order they started,
     * each consuming all its input before the next. */
    bool deterministic;
} eddy_engine_opts;

/* eddy_engine_open with options (opts may be NULL: the defaults). */
int eddy_engine_open_ex(const eddy_config *cfg, eddy_log *log, const eddy_engine_opts *opts, eddy_engine **out,
                        eddy_err *err);
/* NULL is a no-op. */
void eddy_engine_close(eddy_engine *e);

/* Deterministic mode: runs every query until none has input left.  Returns 0
 * or the error of a query that failed. */
int eddy_engine_run_until_idle(eddy_engine *e, eddy_err *err);

/* A request to POST /ksql (ksqlDB's KsqlRequest). */
typedef struct eddy_ksql_request {
    const char *ksql;               /* the statements */
    json_t *streams_properties;     /* object or NULL (borrowed) */
    json_t *session_variables;      /* object or NULL (borrowed) */
    int64_t command_sequence_number;/* -1 when absent */
} eddy_ksql_request;

/* Executes the statements of req in order.  Always sets *response (a new
 * reference: on success a JSON array of entities, one per statement that
 * returns one; on failure a statement_error or generic_error object with the
 * entities of the statements executed before it) and *http_status (200, 400,
 * 500, ...).  Returns 0 or the error code of the failing statement. */
int eddy_engine_ksql(eddy_engine *e, const eddy_ksql_request *req, json_t **response, int *http_status);

/* ---- push and pull queries on /query-stream and /query -------------------- */

/* Rows of a running push query, delivered on a stream thread (in
 * deterministic mode: inside eddy_engine_push_run_until_idle): the values of
 * the query's columns.  Return non-zero to stop the query (client gone). */
typedef int (*eddy_push_rows_fn)(void *ud, const eddy_batch *rows);
/* The query ended: its LIMIT was reached, it read to the end (a pull query
 * on a stream), or it failed (error non-NULL).  Called once, from a stream
 * thread; the query is stopped afterwards by eddy_engine_push_close. */
typedef void (*eddy_push_done_fn)(void *ud, const char *error);

typedef struct eddy_push_request {
    const char *sql;                /* one SELECT statement */
    json_t *properties;             /* object or NULL (borrowed) */
    json_t *session_variables;      /* object or NULL (borrowed) */
    eddy_push_rows_fn rows;
    eddy_push_done_fn done;
    void *ud;
} eddy_push_request;

/* What a started query looks like, for the response header. */
typedef struct eddy_push_info {
    char *query_id;                 /* heap; transient_<SOURCE>_<n> */
    eddy_schema *columns;           /* heap; the result columns */
    bool is_pull;                   /* completes by itself (no EMIT CHANGES) */
} eddy_push_info;

/* Starts the query.  On success fills *info (caller frees with
 * eddy_push_info_fini) and rows start arriving.  On failure returns the code
 * and sets *error (a statement_error / generic_error body, new reference)
 * and *http_status. */
int eddy_engine_push_start(eddy_engine *e, const eddy_push_request *req, eddy_push_info *info, json_t **error,
                           int *http_status);
/* Stops and frees a push query (any thread but the query's own callbacks).
 * Returns 0 or EDDY_NOTFOUND. */
int eddy_engine_push_close(eddy_engine *e, const char *query_id);
/* Deterministic mode (no stream threads): push_start only creates the
 * query; this steps it on the caller's thread until it ended (LIMIT reached,
 * read to the end, failed) or has no input left, delivering rows and the
 * done callback (once, when it ends) synchronously.  Returns 0, the error
 * that stopped the query (message in err; done got it too), or
 * EDDY_NOTFOUND. */
int eddy_engine_push_run_until_idle(eddy_engine *e, const char *query_id, eddy_err *err);
void eddy_push_info_fini(eddy_push_info *info);

/* ---- inserting rows (/inserts-stream) -------------------------------------- */

/* Writes one row given as a JSON object of column -> value (names matched
 * case-insensitively; missing columns are NULL; ROWTIME may be given) into
 * the stream `target` (matched case-insensitively when no exact match).
 * Returns 0, or an error with a message (EDDY_NOTFOUND for an unknown
 * target, EDDY_ANALYSIS for a bad row). */
int eddy_engine_insert_json(eddy_engine *e, const char *target, const json_t *row, eddy_err *err);
/* Whether rows can be inserted into target: 0, EDDY_NOTFOUND (unknown), or
 * EDDY_ANALYSIS (read-only or windowed) with a message. */
int eddy_engine_insert_check(eddy_engine *e, const char *target, eddy_err *err);

/* Pull queries on tables: the rows of table `name` from the state of the
 * query that materializes it (a CREATE TABLE AS SELECT), in the table's
 * schema (key columns first; ts is ROWTIME; windowed rows carry
 * EDDY_ROW_WINDOWED with wstart/wend), appended to out (out->ncols = the
 * table's column count).  key: the key columns' values, or NULL for every
 * row; windows starting in [wlo, whi] (use 0 and INT64_MAX for all).
 * EDDY_NOTFOUND with ksqlDB's "isn't queryable" message when no running
 * query materializes the table.  Safe while the stream threads run. */
int eddy_engine_table_read(eddy_engine *e, const char *name, const eddy_value *key, int64_t wlo, int64_t whi,
                           eddy_batch *out, eddy_err *err);

/* GET /status: {"commandStatuses": {"<command id>": "SUCCESS", ...}} */
json_t *eddy_engine_command_statuses(eddy_engine *e);
/* GET /status/<type>/<entity>/<action>: {"status", "message"}; NULL when
 * the command is unknown. */
json_t *eddy_engine_command_status(eddy_engine *e, const char *command_id);

/* Facts for /info and /healthcheck. */
const char *eddy_engine_service_id(const eddy_engine *e);
eddy_log *eddy_engine_log(eddy_engine *e);
/* The engine's catalog (borrowed; for the conformance runner's checks, made
 * while no statement runs). */
struct eddy_catalog *eddy_engine_catalog(eddy_engine *e);
/* AVRO: the engine's schema registry (schemas/registry.h), stored in the log's
 * `_schemas` topic; borrowed, valid until eddy_engine_close. */
struct eddy_registry *eddy_engine_registry(eddy_engine *e);
/* Number of commands replayed at start (for logs and tests). */
int64_t eddy_engine_replayed(const eddy_engine *e);

/* The version of ksqlDB whose SQL and REST API eddy speaks, reported by /info. */
#define EDDY_KSQL_COMPAT_VERSION "0.29.0"
#define EDDY_VERSION "0.1.0"

#endif
