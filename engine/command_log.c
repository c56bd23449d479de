/* command_log.c - the command log kept in a one-partition topic of the log backend. */
#include "engine/command_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct eddy_command_log {
    eddy_log *log;
    char *topic;
};

int eddy_command_log_open(eddy_log *log, const char *service_id, int replicas, eddy_command_log **out,
                          eddy_err *err) {
    eddy_command_log *cl = calloc(1, sizeof *cl);
    int rc;
    *out = NULL;
    if (!cl) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    cl->log = log;
    if (asprintf(&cl->topic, "_confluent-ksql-%s_command_topic", service_id) < 0) {
        cl->topic = NULL;
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    if ((rc = eddy_log_topic_name_check(cl->topic, err))) goto fail;
    if (!eddy_log_topic_exists(log, cl->topic)) {
        eddy_log_topic_config cfg;
        eddy_log_topic_config_init(&cfg);
        cfg.partitions = 1;
        cfg.replicas = (int16_t)(replicas > 0 ? replicas : 1);
        cfg.retention_ms = EDDY_LOG_RETENTION_FOREVER;
        rc = eddy_log_topic_create(log, cl->topic, &cfg, err);
        if (rc && rc != EDDY_EXISTS) goto fail;
    }
    *out = cl;
    return 0;
fail:
    eddy_command_log_close(cl);
    return rc;
}

void eddy_command_log_close(eddy_command_log *cl) {
    if (!cl) return;
    free(cl->topic);
    free(cl);
}

const char *eddy_command_log_topic(const eddy_command_log *cl) { return cl->topic; }

int eddy_command_log_append(eddy_command_log *cl, const char *command_id, const char *statement,
                            json_t *properties, int64_t *seq, eddy_err *err) {
    json_t *props = properties ? json_incref(properties) : json_object();
    /* "o" steals the reference to props, also on failure. */
    json_t *v = json_pack("{s:s, s:o, s:{}}", "statement", statement, "streamsProperties", props,
                          "originalProperties");
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    if (!text) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    eddy_log_record rec = {0};
    rec.timestamp = -1;
    rec.key = command_id;
    rec.key_len = strlen(command_id);
    rec.value = text;
    rec.value_len = strlen(text);
    int rc = eddy_log_produce(cl->log, cl->topic, 0, &rec, EDDY_LOG_SYNC, NULL, seq, err);
    free(text);
    return rc;
}

int eddy_command_log_replay(eddy_command_log *cl, eddy_command_fn fn, void *ud, eddy_err *err) {
    int64_t next;
    return eddy_command_log_read(cl, 0, fn, ud, &next, err);
}

int eddy_command_log_read(eddy_command_log *cl, int64_t from, eddy_command_fn fn, void *ud, int64_t *next,
                          eddy_err *err) {
    eddy_log_batch b;
    int64_t off = 0, end = 0;
    int rc;
    eddy_log_batch_init(&b);
    *next = from;
    if ((rc = eddy_log_partition_offsets(cl->log, cl->topic, 0, &off, &end, err))) goto done;
    if (off < from) off = from;
    *next = off;
    while (off < end) {
        if ((rc = eddy_log_fetch(cl->log, cl->topic, 0, off, 256, 0, &b, err))) goto done;
        if (b.count == 0) break;
        for (size_t i = 0; i < b.count; i++) {
            const eddy_log_record *r = &b.records[i];
            json_error_t jerr;
            json_t *v = r->value ? json_loadb(r->value, r->value_len, 0, &jerr) : NULL;
            const char *stmt = v ? json_string_value(json_object_get(v, "statement")) : NULL;
            if (stmt) {
                char *id = strndup(r->key ? (const char *)r->key : "", r->key ? r->key_len : 0);
                json_t *props = json_object_get(v, "streamsProperties");
                json_t *empty = NULL;
                if (!json_is_object(props)) props = empty = json_object();
                if (id) fn(ud, r->offset, id, stmt, props);
                free(id);
                json_decref(empty);
            } else {
                fprintf(stderr, "eddy: command log %s offset %lld: not a command, skipped\n", cl->topic,
                        (long long)r->offset);
            }
            json_decref(v);
        }
        off = b.next_offset;
        *next = off;
    }
done:
    eddy_log_batch_fini(&b);
    return rc;
}

int64_t eddy_command_log_next_seq(eddy_command_log *cl) {
    int64_t end = 0;
    if (eddy_log_partition_offsets(cl->log, cl->topic, 0, NULL, &end, NULL)) return 0;
    return end;
}
