/* rest.c - ksqlDB's REST endpoints (/ksql, /info, /healthcheck, /status, /query...) as a route table. */
#include "server/rest.h"

#include "engine/entities.h"
#include "server/rest_query.h"
#include "sql/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REST_NROUTES 9

struct eddy_rest {
    eddy_engine *engine;
    const eddy_config *config;
    eddy_rest_queries *queries;      /* /query-stream, /query, /close-query, /inserts-stream (rest_query.c) */
    eddy_http_route routes[REST_NROUTES];
};

/* ksqlDB answers in the media type the client asked for when it is one of
 * its own, else application/json. */
static const char *reply_type(eddy_http_request *req) {
    const char *accept = eddy_http_request_header(req, "accept");
    if (accept && strstr(accept, "application/vnd.ksql.v1+json")) return "application/vnd.ksql.v1+json";
    return "application/json";
}

static void reply_json(eddy_http_request *req, int status, json_t *body) {
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) {
        eddy_http_respond_error(req, 500, EDDY_HTTP_ERR_SERVER_ERROR, "out of memory");
        return;
    }
    eddy_http_respond(req, status, reply_type(req), text, strlen(text));
    free(text);
}

/* Parses the body as a JSON object, answering 400 when it is not one. */
static json_t *body_object(eddy_http_request *req) {
    json_t *body = NULL;
    eddy_err err;
    eddy_err_clear(&err);
    if (eddy_http_request_body_json(req, &body, &err)) {
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST, "Invalid JSON in request: %s", err.msg);
        return NULL;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST, "The request body must be a JSON object");
        return NULL;
    }
    return body;
}

/* POST /ksql: {"ksql": "...", "streamsProperties": {}, "sessionVariables": {}, "commandSequenceNumber": n} */
static void handle_ksql(eddy_http_request *req, void *ud) {
    eddy_rest *rest = ud;
    json_t *body = body_object(req), *resp = NULL;
    int status = 200;
    if (!body) return;
    json_t *ksql = json_object_get(body, "ksql");
    json_t *props = json_object_get(body, "streamsProperties");
    json_t *vars = json_object_get(body, "sessionVariables");
    json_t *seq = json_object_get(body, "commandSequenceNumber");
    if (ksql && !json_is_string(ksql) && !json_is_null(ksql)) {
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST,
                                "Invalid JSON in request: \"ksql\" must be a string holding the statements");
        goto done;
    }
    if ((props && !json_is_object(props) && !json_is_null(props)) || (vars && !json_is_object(vars) && !json_is_null(vars)) ||
        (seq && !json_is_integer(seq) && !json_is_null(seq))) {
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST,
                                "Invalid JSON in request: \"streamsProperties\" and \"sessionVariables\" must be "
                                "objects and \"commandSequenceNumber\" a number");
        goto done;
    }
    eddy_ksql_request kr = {
        .ksql = json_is_string(ksql) ? json_string_value(ksql) : "", /* missing counts as "" */
        .streams_properties = json_is_object(props) ? props : NULL,
        .session_variables = json_is_object(vars) ? vars : NULL,
        .command_sequence_number = json_is_integer(seq) ? json_integer_value(seq) : -1,
    };
    eddy_engine_ksql(rest->engine, &kr, &resp, &status);
    reply_json(req, status, resp);
done:
    json_decref(resp);
    json_decref(body);
}

/* GET /info */
static void handle_info(eddy_http_request *req, void *ud) {
    eddy_rest *rest = ud;
    json_t *info = json_pack("{s:{s:s, s:s, s:s, s:s}}", "KsqlServerInfo", "version", EDDY_KSQL_COMPAT_VERSION,
                             "kafkaClusterId", eddy_log_backend_name(eddy_engine_log(rest->engine)), "ksqlServiceId",
                             eddy_engine_service_id(rest->engine), "serverStatus", "RUNNING");
    reply_json(req, 200, info);
    json_decref(info);
}

/* GET /healthcheck */
static void handle_healthcheck(eddy_http_request *req, void *ud) {
    eddy_rest *rest = ud;
    char **names = NULL;
    size_t n = 0;
    bool log_ok = eddy_log_topic_list(eddy_engine_log(rest->engine), &names, &n, NULL) == 0;
    eddy_log_names_free(names, n);
    json_t *h = json_pack("{s:b, s:{s:{s:b}, s:{s:b}, s:{s:b}}}", "isHealthy", log_ok, "details", "metastore",
                          "isHealthy", 1, "kafka", "isHealthy", log_ok, "commandRunner", "isHealthy", 1);
    reply_json(req, log_ok ? 200 : 503, h);
    json_decref(h);
}

/* GET /status and GET /status/<type>/<entity>/<action> */
static void handle_status(eddy_http_request *req, void *ud) {
    eddy_rest *rest = ud;
    const char *path = eddy_http_request_path(req);
    json_t *r;
    if (strcmp(path, "/status") == 0 || strcmp(path, "/status/") == 0) {
        r = eddy_engine_command_statuses(rest->engine);
        reply_json(req, 200, r);
    } else {
        const char *id = path + strlen("/status/");
        r = eddy_engine_command_status(rest->engine, id);
        if (!r) {
            eddy_http_respond_error(req, 404, EDDY_HTTP_ERR_NOT_FOUND, "Command not found");
            return;
        }
        reply_json(req, 200, r);
    }
    json_decref(r);
}

/* 404/405/413 bodies in ksqlDB's generic_error shape. */
static json_t *error_body(int status, int error_code, const char *message, void *ud) {
    (void)ud;
    (void)status;
    return eddy_entity_generic_error(error_code, message);
}

int eddy_rest_new(eddy_engine *engine, const eddy_config *config, eddy_rest **out, eddy_err *err) {
    eddy_rest *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    r->engine = engine;
    r->config = config;
    int rc = eddy_rest_queries_new(engine, &r->queries, err);
    if (rc) {
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void eddy_rest_destroy(eddy_rest *r) {
    if (!r) return;
    eddy_rest_queries_destroy(r->queries);
    free(r);
}

int eddy_rest_http_config(eddy_rest *r, eddy_http_config *cfg) {
    const eddy_http_route table[REST_NROUTES] = {
        {"POST", "/ksql", handle_ksql, r},
        {"GET", "/info", handle_info, r},
        {"GET", "/healthcheck", handle_healthcheck, r},
        {"GET", "/status", handle_status, r},
        {"GET", "/status/*", handle_status, r},
        {"POST", "/query", eddy_rest_handle_query, r->queries},
        {"POST", "/query-stream", eddy_rest_handle_query_stream, r->queries},
        {"POST", "/close-query", eddy_rest_handle_close_query, r->queries},
        {"POST", "/inserts-stream", eddy_rest_handle_inserts_stream, r->queries},
    };
    memcpy(r->routes, table, sizeof table);
    cfg->routes = r->routes;
    cfg->nroutes = REST_NROUTES;
    cfg->error_body = error_body;
    cfg->error_body_ud = r;
    return 0;
}
