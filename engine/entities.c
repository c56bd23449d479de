/* entities.c - ksqlDB's REST entities (JSON) built from catalog objects. */
#include "engine/entities.h"

#include "base/strbuf.h"

#include <stdlib.h>
#include <string.h>

json_t *eddy_entity_schema_info(const eddy_type *t) {
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "type", json_string(eddy_type_kind_name(t->ty_kind)));
    switch (t->ty_kind) {
    case EDDY_TYPE_STRUCT: {
        json_t *fields = json_array();
        for (int i = 0; i < t->ty_nfields; i++)
            json_array_append_new(fields, json_pack("{s:s, s:o}", "name", t->ty_fields[i].name, "schema",
                                                    eddy_entity_schema_info(t->ty_fields[i].type)));
        json_object_set_new(o, "fields", fields);
        json_object_set_new(o, "memberSchema", json_null());
        break;
    }
    case EDDY_TYPE_ARRAY:
    case EDDY_TYPE_MAP:
        json_object_set_new(o, "fields", json_null());
        json_object_set_new(o, "memberSchema", eddy_entity_schema_info(t->ty_elem));
        break;
    case EDDY_TYPE_DECIMAL:
        json_object_set_new(o, "fields", json_null());
        json_object_set_new(o, "memberSchema", json_null());
        json_object_set_new(o, "parameters",
                            json_pack("{s:i, s:i}", "precision", t->ty_precision, "scale", t->ty_scale));
        break;
    default:
        json_object_set_new(o, "fields", json_null());
        json_object_set_new(o, "memberSchema", json_null());
        break;
    }
    return o;
}

json_t *eddy_entity_fields(const eddy_schema *s) {
    json_t *a = json_array();
    for (int i = 0; a && i < s->ncols; i++) {
        const eddy_column *c = &s->cols[i];
        json_t *f = json_pack("{s:s, s:o}", "name", c->name, "schema", eddy_entity_schema_info(c->type));
        /* ksqlDB's FieldInfo: name, schema, then headerKey and type only when present. */
        if (c->ns == EDDY_COL_HEADER && c->header_key) json_object_set_new(f, "headerKey", json_string(c->header_key));
        if (c->ns == EDDY_COL_KEY) json_object_set_new(f, "type", json_string("KEY"));
        else if (c->ns == EDDY_COL_HEADERS || c->ns == EDDY_COL_HEADER) json_object_set_new(f, "type", json_string("HEADER"));
        json_array_append_new(a, f);
    }
    return a;
}

json_t *eddy_entity_new(const char *type, const char *statement_text) {
    return json_pack("{s:s, s:s}", "@type", type, "statementText", statement_text ? statement_text : "");
}

json_t *eddy_entity_finish(json_t *e) {
    if (e) json_object_set_new(e, "warnings", json_array());
    return e;
}

json_t *eddy_entity_source_summary(const eddy_source *s) {
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "type", eddy_source_kind_name(s->kind), "name", s->name,
                     "topic", s->topic, "keyFormat", s->key_fmt.format, "valueFormat", s->value_fmt.format,
                     "isWindowed", s->window_type != EDDY_WT_NONE);
}

/* [{queryString, id, state}] of the queries ids (their text from the catalog when given). */
static json_t *query_refs(const eddy_catalog *cat, int n, char **ids) {
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++) {
        const eddy_query_info *qi = cat ? eddy_catalog_find_query(cat, ids[i]) : NULL;
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "queryString", qi && qi->sql ? qi->sql : "", "id", ids[i],
                                           "state", "RUNNING"));
    }
    return a;
}

json_t *eddy_entity_source_description(const eddy_catalog *cat, const eddy_source *s, bool extended, int partitions,
                                       int replicas) {
    const char *wt = eddy_window_type_name(s->window_type);
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "windowType", wt ? json_string(wt) : json_null());
    json_object_set_new(o, "readQueries", query_refs(cat, s->nread_queries, s->read_queries));
    json_object_set_new(o, "writeQueries", query_refs(cat, s->nwrite_queries, s->write_queries));
    json_object_set_new(o, "fields", eddy_entity_fields(s->schema));
    json_object_set_new(o, "type", json_string(eddy_source_kind_name(s->kind)));
    json_object_set_new(o, "timestamp", json_string(s->timestamp_column ? s->timestamp_column : ""));
    json_object_set_new(o, "statistics", json_string(""));
    json_object_set_new(o, "errorStats", json_string(""));
    json_object_set_new(o, "extended", json_boolean(extended));
    json_object_set_new(o, "keyFormat", json_string(s->key_fmt.format));
    json_object_set_new(o, "valueFormat", json_string(s->value_fmt.format));
    json_object_set_new(o, "topic", json_string(s->topic));
    json_object_set_new(o, "partitions", json_integer(partitions >= 0 ? partitions : s->partitions));
    json_object_set_new(o, "replication", json_integer(replicas >= 0 ? replicas : s->replicas));
    json_object_set_new(o, "statement", json_string(s->statement));
    json_object_set_new(o, "queryOffsetSummaries", json_array());
    json_object_set_new(o, "sourceConstraints", json_array());
    json_object_set_new(o, "clusterStatistics", json_array());
    json_object_set_new(o, "clusterErrorStats", json_array());
    return o;
}

json_t *eddy_entity_running_query(const eddy_query_info *q) {
    const char *state = q->state == EDDY_QUERY_PAUSED ? "PAUSED" : q->state == EDDY_QUERY_ERROR ? "ERROR" : "RUNNING";
    json_t *sinks = json_array(), *topics = json_array();
    if (q->sink) json_array_append_new(sinks, json_string(q->sink));
    if (q->sink_topic) json_array_append_new(topics, json_string(q->sink_topic));
    return json_pack("{s:s, s:o, s:o, s:s, s:{s:i}, s:s, s:s}", "queryString", q->sql, "sinks", sinks,
                     "sinkKafkaTopics", topics, "id", q->id, "statusCount", state, 1, "queryType", "PERSISTENT",
                     "state", state);
}

json_t *eddy_entity_command_status(const char *statement_text, const char *command_id, const char *status,
                                   const char *message, const char *query_id, int64_t seq) {
    json_t *e = eddy_entity_new("currentStatus", statement_text);
    if (!e) return NULL;
    json_object_set_new(e, "commandId", json_string(command_id ? command_id : ""));
    json_object_set_new(e, "commandStatus",
                        json_pack("{s:s, s:s, s:o}", "status", status, "message", message ? message : "", "queryId",
                                  query_id ? json_string(query_id) : json_null()));
    json_object_set_new(e, "commandSequenceNumber", json_integer(seq));
    return eddy_entity_finish(e);
}

json_t *eddy_entity_statement_error(int error_code, const char *message, const char *statement_text,
                                    json_t *entities) {
    json_t *e = json_pack("{s:s, s:i, s:s, s:s, s:o}", "@type", "statement_error", "error_code", error_code,
                          "message", message ? message : "", "statementText", statement_text ? statement_text : "",
                          "entities", entities ? entities : json_array());
    return e;
}

json_t *eddy_entity_generic_error(int error_code, const char *message) {
    return json_pack("{s:s, s:i, s:s}", "@type", "generic_error", "error_code", error_code, "message",
                     message ? message : "");
}
