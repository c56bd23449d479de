/* rest_query.h - ksqlDB's query endpoints: /query-stream, /query (with PRINT), /close-query, /inserts-stream.
 *
 * An eddy_rest_queries holds the push and pull queries that are streaming
 * to clients, the PRINT readers, and one thread (the reaper) that ends them:
 * a query ends when the engine says it is done (LIMIT reached, a pull query
 * read everything, or it failed), when /close-query names it, when its
 * client goes away, or at shutdown.  Ending one means stopping it in the
 * engine (eddy_engine_push_close, which waits for the stream threads to
 * leave it, so it never runs on the HTTP loop or inside the query's own
 * callbacks), writing the format's trailer, ending the response, and only
 * then answering the /close-query requests that asked for it.
 *
 * The handlers are eddy_http_handler_fn's whose ud is the eddy_rest_queries.
 */
#ifndef EDDY_SERVER_REST_QUERY_H
#define EDDY_SERVER_REST_QUERY_H

#include "base/strbuf.h"
#include "engine/engine.h"
#include "schemas/types.h"
#include "schemas/value.h"
#include "server/http.h"

typedef struct eddy_rest_queries eddy_rest_queries;

/* engine is borrowed and must outlive the object.  Starts the reaper
 * thread.  *out is owned by the caller (eddy_rest_queries_destroy). */
int eddy_rest_queries_new(eddy_engine *engine, eddy_rest_queries **out, eddy_err *err);
/* Ends every query and PRINT still running and stops the reaper.  Call it
 * after the HTTP server's run() returned (so no handler runs any more) and
 * before the engine is closed.  NULL is a no-op. */
void eddy_rest_queries_destroy(eddy_rest_queries *q);

/* POST /query-stream {"sql", "properties", "sessionVariables"} */
void eddy_rest_handle_query_stream(eddy_http_request *req, void *ud);
/* POST /query {"ksql", "streamsProperties", "sessionVariables"}: SELECT or PRINT */
void eddy_rest_handle_query(eddy_http_request *req, void *ud);
/* POST /close-query {"queryId"} */
void eddy_rest_handle_close_query(eddy_http_request *req, void *ud);
/* POST /inserts-stream: {"target"} line, then one JSON row per line */
void eddy_rest_handle_inserts_stream(eddy_http_request *req, void *ud);

/* ---- JSON text of row values, as ksqlDB's REST API writes them --------
 * (exposed for tests).  DOUBLE as Java's Double.toString (NaN and the
 * infinities as strings), DECIMAL as a plain number keeping its scale,
 * strings escaped as Jackson does, BYTES/DATE/TIME/TIMESTAMP by
 * eddy_value_to_json with the REST encodings.  t may be NULL (the value's
 * kind decides then). */
void eddy_rest_put_value(eddy_strbuf *out, const eddy_value *v, const eddy_type *t);
/* A JSON string literal of len bytes of s. */
void eddy_rest_put_string(eddy_strbuf *out, const char *s, size_t len);
/* Java's Double.toString(d) (finite d). */
void eddy_rest_put_java_double(eddy_strbuf *out, double d);

#endif
