/* rest.h - ksqlDB's REST API on top of the HTTP server: the route table and its handlers.
 *
 * eddy_rest_http_config fills the routes and the error-body hook of an
 * eddy_http_config; the rest object must outlive the HTTP server.
 */
#ifndef EDDY_SERVER_REST_H
#define EDDY_SERVER_REST_H

#include "engine/engine.h"
#include "server/http.h"

typedef struct eddy_rest eddy_rest;

/* engine and config are borrowed.  *out owned by the caller. */
int eddy_rest_new(eddy_engine *engine, const eddy_config *config, eddy_rest **out, eddy_err *err);
void eddy_rest_destroy(eddy_rest *r);
/* Sets cfg->routes, nroutes, error_body (pointing into r). */
int eddy_rest_http_config(eddy_rest *r, eddy_http_config *cfg);

#endif
