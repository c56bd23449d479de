/* entities.h - ksqlDB's REST entities (JSON) built from catalog objects.
 *
 * Every builder returns a new jansson reference owned by the caller, or NULL
 * when out of memory.  Shapes follow ksqlDB's rest-model classes (see
 * docs/rest-api.md): "@type" first, then "statementText", the entity's own
 * fields, and "warnings".
 */
#ifndef EDDY_ENGINE_ENTITIES_H
#define EDDY_ENGINE_ENTITIES_H

#include "schemas/types.h"
#include "sql/catalog.h"

#include <jansson.h>
#include <stdint.h>

/* {"type": "INTEGER", "fields": null, "memberSchema": null} and nested forms. */
json_t *eddy_entity_schema_info(const eddy_type *t);
/* [{"name": "ID", "schema": {...}, "type": "KEY"}, ...] */
json_t *eddy_entity_fields(const eddy_schema *s);

/* Starts an entity: {"@type": type, "statementText": text}. */
json_t *eddy_entity_new(const char *type, const char *statement_text);
/* Adds "warnings": [] and returns e. */
json_t *eddy_entity_finish(json_t *e);

/* {"type": "STREAM", "name", "topic", "keyFormat", "valueFormat", "isWindowed"} */
json_t *eddy_entity_source_summary(const eddy_source *s);
/* The "sourceDescription" object.  partitions/replicas from the topic when
 * known (< 0 to use the source's own). */
json_t *eddy_entity_source_description(const eddy_catalog *cat, const eddy_source *s, bool extended, int partitions,
                                       int replicas);
/* RunningQuery: {"queryString", "sinks", "sinkKafkaTopics", "id", "statusCount", "queryType", "state"} */
json_t *eddy_entity_running_query(const eddy_query_info *q);

/* {"@type": "currentStatus", "statementText", "commandId", "commandStatus":
 *  {"status", "message", "queryId"}, "commandSequenceNumber", "warnings"} */
json_t *eddy_entity_command_status(const char *statement_text, const char *command_id, const char *status,
                                   const char *message, const char *query_id, int64_t seq);

/* Error bodies.  entities (may be NULL) is taken over. */
json_t *eddy_entity_statement_error(int error_code, const char *message, const char *statement_text,
                                    json_t *entities);
json_t *eddy_entity_generic_error(int error_code, const char *message);

/* ksqlDB's error codes (Errors.java). */
enum {
    EDDY_HTTP_ERR_BAD_REQUEST = 40000,
    EDDY_HTTP_ERR_BAD_STATEMENT = 40001,
    EDDY_HTTP_ERR_QUERY_ENDPOINT = 40002,
    EDDY_HTTP_ERR_UNAUTHORIZED = 40100,
    EDDY_HTTP_ERR_FORBIDDEN = 40300,
    EDDY_HTTP_ERR_NOT_FOUND = 40400,
    EDDY_HTTP_ERR_METHOD_NOT_ALLOWED = 40500,
    EDDY_HTTP_ERR_REQUEST_TOO_LARGE = 41300,
    EDDY_HTTP_ERR_SERVER_ERROR = 50000,
    EDDY_HTTP_ERR_COMMAND_QUEUE_CATCHUP_TIMEOUT = 50301,
    EDDY_HTTP_ERR_SERVER_NOT_READY = 50302,
    EDDY_HTTP_ERR_SERVER_SHUTTING_DOWN = 50303,
};

#endif
