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
#include "server/config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct eddy_engine eddy_engine;

/* Opens the engine with configuration cfg (borrowed: it must outlive the
 * engine).  log: an already open log to use (borrowed), or NULL to open the
 * backend the configuration names.  *out is owned by the caller. */
int eddy_engine_open(const eddy_config *cfg, eddy_log *log, eddy_engine **out, eddy_err *err);
/* NULL is a no-op. */
void eddy_engine_close(eddy_engine *e);

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
/* Number of commands replayed at start (for logs and tests). */
int64_t eddy_engine_replayed(const eddy_engine *e);

/* The version of ksqlDB whose SQL and REST API eddy speaks, reported by /info. */
#define EDDY_KSQL_COMPAT_VERSION "0.29.0"
#define EDDY_VERSION "0.1.0"

#endif
