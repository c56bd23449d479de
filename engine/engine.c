/* engine.c - opens the log and catalog, replays the command log, runs /ksql requests. */
#include "engine/engine_internal.h"
#include "engine/store.h"

#include "engine/entities.h"
#include "engine/fn.h"
#include "schemas/registry.h" /* AVRO */
#include "sql/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char *eddy_exec_setting(const eddy_exec *x, const char *name) {
    json_t *v = x->props ? json_object_get(x->props, eddy_config_canonical_name(name)) : NULL;
    if (json_is_string(v)) return json_string_value(v);
    return eddy_config_get(x->engine->config, name);
}

void eddy_engine_set_status(eddy_engine *e, const char *id, const char *status, const char *message) {
    for (int i = 0; i < e->ncommands; i++) {
        if (strcmp(e->commands[i].id, id) == 0) {
            free(e->commands[i].status);
            free(e->commands[i].message);
            e->commands[i].status = strdup(status);
            e->commands[i].message = strdup(message ? message : "");
            return;
        }
    }
    if (e->ncommands == e->cap_commands) {
        int cap = e->cap_commands ? e->cap_commands * 2 : 16;
        command_status *v = realloc(e->commands, (size_t)cap * sizeof *v);
        if (!v) return;
        e->commands = v;
        e->cap_commands = cap;
    }
    command_status *c = &e->commands[e->ncommands];
    c->id = strdup(id);
    c->status = strdup(status);
    c->message = strdup(message ? message : "");
    if (!c->id || !c->status || !c->message) {
        free(c->id);
        free(c->status);
        free(c->message);
        return;
    }
    e->ncommands++;
}

/* Parses one statement text; error positions are made absolute using the
 * piece's start (line, col). */
int eddy_engine_parse_one(const char *text, int line0, int col0, eddy_arena *arena, eddy_stmt **out, eddy_err *err) {
    eddy_list stmts = {0};
    int rc = eddy_parse(text, arena, &stmts, err);
    if (rc) {
        if (err->line > 0) {
            int line = err->line + line0 - 1;
            int col = err->line == 1 ? err->col + col0 - 1 : err->col;
            const char *msg = err->msg;
            /* Drop the parser's own "line L:C: " prefix and write the absolute one. */
            if (strncmp(msg, "line ", 5) == 0) {
                const char *p = strstr(msg, ": ");
                if (p) msg = p + 2;
            }
            /* ksqlDB's shape: "line L:C: Syntax Error\n<detail>", where the
             * detail of an unexpected token reads "Syntax error at or near
             * 'X' at line L:C", then what was expected. */
            char head[1024], tail[512] = "";
            snprintf(head, sizeof head, "%s", msg);
            char *exp = strstr(head, ". Expecting");
            if (exp) {
                snprintf(tail, sizeof tail, "\n%s", exp + 2);
                *exp = '\0';
            }
            if (strncmp(head, "Value must be integer for command", 33) == 0) /* ksqlDB fails this when preparing */
                eddy_err_set_at(err, rc, line, col, "Failed to prepare statement: %s", head);
            else if (rc == EDDY_PARSE && strncmp(head, "Syntax error at or near", 23) == 0)
                eddy_err_set_at(err, rc, line, col, "line %d:%d: Syntax Error\n%s at line %d:%d%s", line, col, head,
                                line, col, tail);
            else if (rc == EDDY_PARSE)
                eddy_err_set_at(err, rc, line, col, "line %d:%d: Syntax Error\n%s%s", line, col, head, tail);
            else
                eddy_err_set_at(err, rc, line, col, "line %d:%d: %s%s", line, col, head, tail);
        }
        return rc;
    }
    if (stmts.n != 1) return eddy_err_set(err, EDDY_PARSE, "Expected exactly one statement");
    *out = stmts.items[0];
    return 0;
}

/* ---- replay --------------------------------------------------------------- */

static void replay_one(void *ud, int64_t seq, const char *command_id, const char *statement, json_t *properties) {
    eddy_engine_replay_one(ud, seq, command_id, statement, properties);
}

void eddy_engine_replay_one(eddy_engine *e, int64_t seq, const char *command_id, const char *statement,
                            json_t *properties) {
    if (seq + 1 > e->cmd_next) e->cmd_next = seq + 1;
    eddy_arena *arena = eddy_arena_new();
    eddy_err err;
    eddy_stmt *st;
    json_t *entity = NULL;
    eddy_err_clear(&err);
    if (!arena) return;
    if (eddy_engine_parse_one(statement, 1, 1, arena, &st, &err) == 0) {
        eddy_exec x = {0};
        x.engine = e;
        x.catalog = e->catalog;
        x.stmt = st;
        x.text = statement;
        x.props = json_deep_copy(properties);
        x.vars = eddy_vars_new();
        x.replay = true;
        x.replay_seq = seq;
        if (eddy_exec_statement(&x, &entity, &err))
            fprintf(stderr, "eddy: replaying command %lld (%s) failed: %s\n", (long long)seq, command_id, err.msg);
        json_decref(entity);
        json_decref(x.props);
        eddy_vars_destroy(x.vars);
    } else {
        fprintf(stderr, "eddy: replaying command %lld (%s): %s\n", (long long)seq, command_id, err.msg);
    }
    e->replayed++;
    eddy_arena_destroy(arena);
}

/* ---- queries ---------------------------------------------------------------- */

int eddy_engine_start_query(eddy_engine *e, eddy_qrun *q, eddy_err *err) {
    if (e->runtime) return eddy_runtime_start(e->runtime, q, NULL, NULL, err);
    eddy_qrun **v = realloc(e->driver, (size_t)(e->ndriver + 1) * sizeof *v);
    if (!v) {
        eddy_qrun_destroy(q);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    e->driver = v;
    v[e->ndriver++] = q;
    return 0;
}

void eddy_engine_stop_query(eddy_engine *e, const char *id) {
    if (e->runtime) {
        eddy_runtime_stop(e->runtime, id);
        return;
    }
    for (int i = 0; i < e->ndriver; i++) {
        if (strcmp(eddy_qrun_id(e->driver[i]), id) == 0) {
            eddy_qrun_destroy(e->driver[i]);
            memmove(e->driver + i, e->driver + i + 1, (size_t)(e->ndriver - i - 1) * sizeof *e->driver);
            e->ndriver--;
            return;
        }
    }
}

typedef struct table_read {
    const eddy_value *key;
    int64_t wlo, whi;
    eddy_batch *out;
    eddy_err *err;
} table_read;

static int read_one(eddy_qrun *q, void *ud) {
    table_read *r = ud;
    return eddy_qrun_read_state(q, r->key, r->wlo, r->whi, r->out, r->err);
}

int eddy_engine_table_read(eddy_engine *e, const char *name, const eddy_value *key, int64_t wlo, int64_t whi,
                           eddy_batch *out, eddy_err *err) {
    pthread_mutex_lock(&e->mu);
    const eddy_source *s = eddy_catalog_find_source(e->catalog, name);
    char id[512] = "";
    if (s && s->kind == EDDY_SOURCE_TABLE && s->nwrite_queries > 0) snprintf(id, sizeof id, "%s", s->write_queries[0]);
    pthread_mutex_unlock(&e->mu);
    if (!*id)
        return eddy_err_set(err, EDDY_NOTFOUND,
                            "The `%s` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE "
                            "QUERYABLE_%s AS SELECT * FROM %s'. See https://cnfl.io/queries for more info.",
                            name, name, name);
    table_read r = {.key = key, .wlo = wlo, .whi = whi, .out = out, .err = err};
    int rc;
    if (e->runtime) {
        rc = eddy_runtime_with_query(e->runtime, id, read_one, &r);
    } else {
        rc = EDDY_NOTFOUND;
        for (int i = 0; i < e->ndriver; i++)
            if (strcmp(eddy_qrun_id(e->driver[i]), id) == 0) rc = read_one(e->driver[i], &r);
    }
    if (rc == EDDY_NOTFOUND && !err->code)
        eddy_err_set(err, rc, "The query %s that materializes `%s` is not running.", id, name);
    return rc;
}

int eddy_engine_run_until_idle(eddy_engine *e, eddy_err *err) {
    /* Each query consumes all its input before the next one runs; a later
     * query may feed an earlier one (INSERT INTO), so repeat until nothing moves. */
    bool moved = true;
    while (moved) {
        moved = false;
        for (int i = 0; i < e->ndriver; i++) {
            bool w = true;
            while (w) {
                int rc = eddy_qrun_step(e->driver[i], &w, err);
                if (rc) return rc;
                moved |= w;
            }
        }
    }
    return 0;
}

/* ---- the processing log ----------------------------------------------------- */

static int open_processing_log(eddy_engine *e, eddy_err *err) {
    const char *name = eddy_config_get(e->config, "ksql.logging.processing.topic.name");
    char buf[512];
    if (!name || !*name) {
        snprintf(buf, sizeof buf, "%sksql_processing_log", e->service_id);
        name = buf;
    }
    e->processing_log_topic = strdup(name);
    if (!e->processing_log_topic) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (eddy_log_topic_exists(e->log, name) || !eddy_config_get_bool(e->config, "ksql.logging.processing.topic.auto.create"))
        return 0;
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    cfg.partitions = (int32_t)eddy_config_get_int(e->config, "ksql.logging.processing.topic.partitions");
    if (cfg.partitions < 1) cfg.partitions = 1;
    cfg.replicas = (int16_t)eddy_config_get_int(e->config, "ksql.logging.processing.topic.replication.factor");
    if (cfg.replicas < 1) cfg.replicas = 1;
    int rc = eddy_log_topic_create(e->log, name, &cfg, err);
    return rc == EDDY_EXISTS ? 0 : rc;
}

/* ksql.logging.processing.stream.auto.create: a stream over the processing
 * log, declared through the ordinary path so that it is in the command log. */
static void create_processing_log_stream(eddy_engine *e) {
    const char *name = eddy_config_get(e->config, "ksql.logging.processing.stream.name");
    if (!eddy_config_get_bool(e->config, "ksql.logging.processing.stream.auto.create") || !name || !*name) return;
    if (eddy_catalog_find_source(e->catalog, name) || !eddy_log_topic_exists(e->log, e->processing_log_topic)) return;
    char sql[2048];
    snprintf(sql, sizeof sql,
             "CREATE STREAM `%s` (LOGGER STRING, LEVEL STRING, `TIME` BIGINT, MESSAGE STRUCT<`TYPE` INT, "
             "DESERIALIZATIONERROR STRUCT<TARGET STRING, ERRORMESSAGE STRING, RECORDB64 STRING, CAUSE ARRAY<STRING>, "
             "`TOPIC` STRING>, RECORDPROCESSINGERROR STRUCT<ERRORMESSAGE STRING, RECORD STRING, CAUSE "
             "ARRAY<STRING>>, SERIALIZATIONERROR STRUCT<ERRORMESSAGE STRING, RECORD STRING, CAUSE ARRAY<STRING>>, "
             "`PARTITION` INT, `OFFSET` BIGINT>) WITH (KAFKA_TOPIC='%s', VALUE_FORMAT='JSON');",
             name, e->processing_log_topic);
    eddy_ksql_request req = {.ksql = sql, .command_sequence_number = -1};
    json_t *resp = NULL;
    int status;
    eddy_engine_ksql(e, &req, &resp, &status);
    if (status != 200) {
        char *t = json_dumps(resp, 0);
        fprintf(stderr, "eddy: could not create the processing log stream: %s\n", t ? t : "?");
        free(t);
    }
    json_decref(resp);
}

/* ksqlDB's processing log record: {"level","logger","time","message":{...}}. */
void eddy_engine_processing_log(void *ud, const char *query_id, const char *kind, const char *message,
                                const char *topic, int32_t partition, int64_t offset, const void *record,
                                size_t record_len) {
    eddy_engine *e = ud;
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    const unsigned char *p = record;
    for (size_t i = 0; p && i < record_len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < record_len ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < record_len ? p[i + 2] : 0);
        eddy_strbuf_putc(&sb, b64[v >> 18 & 63]);
        eddy_strbuf_putc(&sb, b64[v >> 12 & 63]);
        eddy_strbuf_putc(&sb, i + 1 < record_len ? b64[v >> 6 & 63] : '=');
        eddy_strbuf_putc(&sb, i + 2 < record_len ? b64[v & 63] : '=');
    }
    bool deser = strcmp(kind, "key") == 0 || strcmp(kind, "value") == 0;
    char logger[512];
    snprintf(logger, sizeof logger, "processing.%s.%s", query_id,
             deser ? "KsqlTopic.Source.deserializer" : strcmp(kind, "serialization") == 0 ? "KsqlTopic.Sink.serializer"
                                                                                            : "Project");
    json_t *msg;
    if (deser)
        msg = json_pack("{s:i, s:{s:s, s:s, s:s, s:[], s:s}}", "type", 0, "deserializationError", "target", kind,
                        "errorMessage", message, "recordB64", eddy_strbuf_cstr(&sb), "cause", "topic", topic);
    else
        msg = json_pack("{s:i, s:{s:s, s:s, s:[]}}", "type", strcmp(kind, "serialization") == 0 ? 3 : 1,
                        strcmp(kind, "serialization") == 0 ? "serializationError" : "recordProcessingError",
                        "errorMessage", message, "record", eddy_strbuf_cstr(&sb), "cause");
    json_t *rec = json_pack("{s:s, s:s, s:I, s:o}", "level", "ERROR", "logger", logger, "time",
                            (json_int_t)eddy_log_now_ms(), "message", msg);
    if (rec) {
        json_object_set_new(json_object_get(rec, "message"), "partition", json_integer(partition));
        json_object_set_new(json_object_get(rec, "message"), "offset", json_integer(offset));
    }
    char *text = rec ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text) {
        eddy_log_record r = {0};
        r.timestamp = -1;
        r.value = text;
        r.value_len = strlen(text);
        eddy_log_produce(e->log, e->processing_log_topic, EDDY_LOG_PARTITION_ANY, &r, 0, NULL, NULL, NULL);
    }
    fprintf(stderr, "eddy: %s: %s (topic %s partition %d offset %lld)\n", query_id, message, topic, (int)partition,
            (long long)offset);
    free(text);
    json_decref(rec);
    eddy_strbuf_fini(&sb);
}

/* ---- open / close --------------------------------------------------------- */

static int mkdirs(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    return mkdir(buf, 0755) == 0 || access(buf, F_OK) == 0 ? 0 : -1;
}

int eddy_engine_open(const eddy_config *cfg, eddy_log *log, eddy_engine **out, eddy_err *err) {
    return eddy_engine_open_ex(cfg, log, NULL, out, err);
}

int eddy_engine_open_ex(const eddy_config *cfg, eddy_log *log, const eddy_engine_opts *opts, eddy_engine **out,
                        eddy_err *err) {
    eddy_engine *e = calloc(1, sizeof *e);
    int rc;
    *out = NULL;
    if (!e) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (opts) e->opts = *opts;
    /* ksqlDB's functions, attached to the registry once per process. */
    if ((rc = eddy_functions_register_builtin(err))) {
        free(e);
        return rc;
    }
    pthread_mutex_init(&e->mu, NULL);
    e->config = cfg;
    const char *sid = eddy_config_get(cfg, "ksql.service.id");
    e->service_id = strdup(sid && *sid ? sid : "default_");
    e->catalog = eddy_catalog_new();
    if (!e->service_id || !e->catalog) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    if (log) {
        e->log = log;
    } else {
        const char *bootstrap = eddy_config_get(cfg, "bootstrap.servers");
        const char *dir = eddy_config_get(cfg, "ksql.streams.state.dir");
        char path[4096];
        snprintf(path, sizeof path, "%s/log", dir && *dir ? dir : ".");
        if (mkdirs(dir && *dir ? dir : ".")) {
            rc = eddy_err_set(err, EDDY_IO, "cannot create the state directory %s", dir);
            goto fail;
        }
        if (bootstrap && *bootstrap) rc = eddy_engine_open_kafka(e, bootstrap, err);
        else rc = eddy_log_open_embedded(path, &e->log, err);
        if (rc) goto fail;
        e->own_log = true;
    }
    /* AVRO: the schema registry lives next to the log; serdes made without one use it. */
    if ((rc = eddy_registry_open(e->log, &e->registry, err))) goto fail;
    eddy_registry_set_default(e->registry);
    {
        const char *dir = eddy_config_get(cfg, "ksql.streams.state.dir");
        char path[4096];
        snprintf(path, sizeof path, "%s/state", dir && *dir ? dir : ".");
        if ((rc = eddy_stores_open(e->own_log ? path : NULL, &e->stores, err))) goto fail;
    }
    if ((rc = eddy_command_log_open(e->log, e->service_id,
                                    (int)eddy_config_get_int(cfg, "ksql.internal.topic.replicas"), &e->cmdlog, err)))
        goto fail;
    if ((rc = open_processing_log(e, err))) goto fail;
    if (!e->opts.deterministic) {
        int threads = (int)eddy_config_get_int(cfg, "ksql.streams.num.stream.threads");
        if ((rc = eddy_runtime_new(e->log, threads > 0 ? threads : 1, &e->runtime, err))) goto fail;
    }
    if ((rc = eddy_command_log_replay(e->cmdlog, replay_one, e, err))) goto fail;
    create_processing_log_stream(e);
    /* Kafka: other servers of the service append to the command topic too. */
    if (e->runtime && eddy_log_has_groups(e->log) && (rc = eddy_engine_runner_start(e, err))) goto fail;
    *out = e;
    return 0;
fail:
    eddy_engine_close(e);
    return rc;
}

void eddy_engine_close(eddy_engine *e) {
    if (!e) return;
    eddy_engine_runner_stop(e);
    eddy_runtime_destroy(e->runtime); /* stops the stream threads first */
    for (int i = 0; i < e->npush; i++) {
        free(e->push_ids[i]);
        eddy_engine_push_ctx_free(e->push_ctx[i]);
    }
    free(e->push_ids);
    free(e->push_ctx);
    for (int i = 0; i < e->npushq; i++) eddy_qrun_destroy(e->pushq[i]);
    free(e->pushq);
    for (int i = 0; i < e->ndriver; i++) eddy_qrun_destroy(e->driver[i]);
    free(e->driver);
    free(e->processing_log_topic);
    eddy_stores_close(e->stores);
    eddy_command_log_close(e->cmdlog);
    eddy_registry_destroy(e->registry); /* AVRO (also clears the process default) */
    if (e->own_log) eddy_log_close(e->log);
    eddy_catalog_destroy(e->catalog);
    for (int i = 0; i < e->ncommands; i++) {
        free(e->commands[i].id);
        free(e->commands[i].status);
        free(e->commands[i].message);
    }
    free(e->commands);
    free(e->service_id);
    free(e->own_seqs);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

void eddy_engine_state_opts(eddy_engine *e, const json_t *props, eddy_qrun_opts *o) {
    o->stores = e->stores;
    if (e->opts.deterministic) {
        o->cache_max_bytes = 0;
        o->commit_interval_ms = 0;
        return;
    }
    const char *names[2] = {"ksql.streams.cache.max.bytes.buffering", "ksql.streams.commit.interval.ms"};
    int64_t *dst[2] = {&o->cache_max_bytes, &o->commit_interval_ms};
    for (int i = 0; i < 2; i++) {
        const json_t *v = props ? json_object_get(props, names[i]) : NULL;
        if (!v && props) v = json_object_get(props, names[i] + strlen("ksql.streams."));
        if (json_is_integer(v)) *dst[i] = json_integer_value(v);
        else if (json_is_string(v)) *dst[i] = atoll(json_string_value(v));
        else *dst[i] = eddy_config_get_int(e->config, names[i]);
    }
}

const char *eddy_engine_service_id(const eddy_engine *e) { return e->service_id; }
eddy_log *eddy_engine_log(eddy_engine *e) { return e->log; }
eddy_catalog *eddy_engine_catalog(eddy_engine *e) { return e->catalog; }
struct eddy_registry *eddy_engine_registry(eddy_engine *e) { return e->registry; } /* AVRO */
int64_t eddy_engine_replayed(const eddy_engine *e) { return e->replayed; }

/* ---- /ksql ---------------------------------------------------------------- */

/* ksqlDB's error code and HTTP status for an execution error. */
static void error_status(int rc, eddy_exec *x, int *code, int *status) {
    *code = x->error_code ? x->error_code : EDDY_HTTP_ERR_BAD_STATEMENT;
    *status = x->http_status ? x->http_status : 400;
    if (rc == EDDY_NOMEM || rc == EDDY_INTERNAL || rc == EDDY_IO || rc == EDDY_STORAGE) {
        *code = EDDY_HTTP_ERR_SERVER_ERROR;
        *status = 500;
    }
}

static bool substitution_enabled(const eddy_engine *e, json_t *props) {
    json_t *v = props ? json_object_get(props, "ksql.variable.substitution.enable") : NULL;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (json_is_boolean(v)) return json_is_true(v);
    if (!s) s = eddy_config_get(e->config, "ksql.variable.substitution.enable");
    return !s || strcasecmp(s, "false") != 0;
}

/* Request properties as strings under their canonical names (ksqlDB accepts
 * numbers and booleans too). */
static json_t *props_from_request(json_t *in) {
    json_t *out = json_object();
    const char *k;
    json_t *v;
    if (!json_is_object(in)) return out;
    json_object_foreach(in, k, v) {
        /* json_object_foreach walks from k: keep it, use another name. */
        const char *name = eddy_config_canonical_name(k);
        if (json_is_string(v)) json_object_set(out, name, v);
        else if (json_is_integer(v)) {
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
            json_object_set_new(out, name, json_string(buf));
        } else if (json_is_real(v)) {
            char buf[64];
            snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
            json_object_set_new(out, name, json_string(buf));
        } else if (json_is_boolean(v)) {
            json_object_set_new(out, name, json_string(json_is_true(v) ? "true" : "false"));
        }
    }
    return out;
}

/* Runs every statement once, in order, with x prototype settings.  On
 * failure returns the code with err set and *failed the statement index. */
/* "Line: L, Col: C: ..." in an execution error counts from the statement's
 * own text; make it count from the request's, as parse errors do. */
static void relocate_error(eddy_err *err, int line0, int col0) {
    int line, col, used = 0;
    if (line0 <= 1 && col0 <= 1) return;
    if (sscanf(err->msg, "Line: %d, Col: %d:%n", &line, &col, &used) != 2 || used == 0) return;
    char rest[sizeof err->msg];
    snprintf(rest, sizeof rest, "%s", err->msg + used);
    if (line == 1) col += col0 - 1;
    line += line0 - 1;
    snprintf(err->msg, sizeof err->msg, "Line: %d, Col: %d:%.*s", line, col, (int)(sizeof err->msg - 40), rest);
}

static int run_all(eddy_engine *e, eddy_stmt **stmts, char **texts, eddy_sql_piece *pieces, int n,
                   eddy_catalog *catalog, bool dry_run, json_t *props, eddy_vars *vars, json_t *entities,
                   eddy_exec *failed, eddy_err *err) {
    json_t *sandbox_topics = NULL;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        eddy_exec x = {0};
        json_t *entity = NULL;
        x.engine = e;
        x.catalog = catalog;
        x.stmt = stmts[i];
        x.text = texts[i] ? texts[i] : pieces[i].text;
        x.props = props;
        x.vars = vars;
        x.dry_run = dry_run;
        x.sandbox_topics = sandbox_topics;
        rc = eddy_exec_statement(&x, &entity, err);
        sandbox_topics = x.sandbox_topics;
        if (rc) {
            *failed = x;
            relocate_error(err, pieces[i].line, pieces[i].col);
            break;
        }
        if (entity && entities) json_array_append_new(entities, entity);
        else json_decref(entity);
    }
    json_decref(sandbox_topics);
    return rc;
}

int eddy_engine_ksql(eddy_engine *e, const eddy_ksql_request *req, json_t **response, int *http_status) {
    eddy_sql_piece *pieces = NULL;
    eddy_err err;
    int n = 0, rc = 0, i;
    json_t *entities = json_array();
    json_t *props = props_from_request(req->streams_properties), *sandbox_props = NULL;
    eddy_vars *vars = eddy_vars_new(), *sim = NULL, *sandbox_vars = NULL;
    eddy_catalog *sandbox = NULL;
    eddy_arena *arena = eddy_arena_new();
    eddy_stmt **stmts = NULL;
    char **texts = NULL;
    bool locked = false;

    eddy_err_clear(&err);
    *response = NULL;
    *http_status = 200;
    if (!entities || !props || !vars || !arena) goto nomem;
    if (json_is_object(req->session_variables)) {
        const char *k;
        json_t *v;
        json_object_foreach(req->session_variables, k, v) {
            if (json_is_string(v)) eddy_vars_set(vars, k, json_string_value(v));
            else {
                char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
                if (s) eddy_vars_set(vars, k, s);
                free(s);
            }
        }
    }

    {
        const char *k;
        json_t *v;
        json_object_foreach(props, k, v) {
            if (eddy_config_check_override(e->config, k, json_string_value(v), &err)) {
                rc = EDDY_CONFIG;
                *http_status = 400;
                *response = eddy_entity_generic_error(EDDY_HTTP_ERR_BAD_REQUEST, err.msg);
                goto done;
            }
        }
    }
    n = eddy_sql_split(req->ksql ? req->ksql : "", &pieces, &err);
    if (n < 0) {
        rc = n;
        n = 0;
        *http_status = 400;
        *response = eddy_entity_statement_error(EDDY_HTTP_ERR_BAD_STATEMENT, err.msg, req->ksql, NULL);
        goto done;
    }
    stmts = calloc((size_t)n + 1, sizeof *stmts);
    texts = calloc((size_t)n + 1, sizeof *texts);
    sim = eddy_vars_copy(vars);
    if (!stmts || !texts || !sim) goto nomem;

    /* 1. Parse everything (substituting variables as DEFINE/UNDEFINE in the
     * request would leave them), so a syntax error anywhere runs nothing.
     * As in ksqlDB, every statement ends with ';'. */
    bool subst = substitution_enabled(e, props);
    for (i = 0; i < n; i++) {
        const char *text = pieces[i].text;
        if (!pieces[i].terminated) {
            rc = eddy_err_set_at(&err, EDDY_PARSE, pieces[i].end_line, pieces[i].end_col,
                                 "line %d:%d: Syntax Error\nmissing ';' at ''", pieces[i].end_line,
                                 pieces[i].end_col);
            *http_status = 400;
            *response = eddy_entity_statement_error(EDDY_HTTP_ERR_BAD_STATEMENT, err.msg, text, NULL);
            goto done;
        }
        if (subst && strstr(text, "${")) {
            if ((rc = eddy_vars_substitute(sim, text, &texts[i], &err))) {
                *http_status = 400;
                *response = eddy_entity_statement_error(EDDY_HTTP_ERR_BAD_STATEMENT, err.msg, text, NULL);
                goto done;
            }
            text = texts[i];
        }
        if ((rc = eddy_engine_parse_one(text, pieces[i].line, pieces[i].col, arena, &stmts[i], &err))) {
            *http_status = 400;
            *response = eddy_entity_statement_error(EDDY_HTTP_ERR_BAD_STATEMENT, err.msg, text, NULL);
            goto done;
        }
        if (stmts[i]->kind == EDDY_STMT_DEFINE) eddy_vars_set(sim, stmts[i]->u.set.name, stmts[i]->u.set.value);
        else if (stmts[i]->kind == EDDY_STMT_UNDEFINE) eddy_vars_unset(sim, stmts[i]->u.set.name);
    }

    pthread_mutex_lock(&e->mu);
    locked = true;
    {
        eddy_err cerr; /* Kafka: first what other servers did */
        eddy_err_clear(&cerr);
        if (eddy_engine_catch_up(e, &cerr)) fprintf(stderr, "eddy: reading the command topic: %s\n", cerr.msg);
    }
    if (req->command_sequence_number >= 0 && req->command_sequence_number >= eddy_command_log_next_seq(e->cmdlog)) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "Timed out while waiting for a previous command to execute. command sequence number: %lld",
                 (long long)req->command_sequence_number);
        *http_status = 503;
        *response = eddy_entity_generic_error(EDDY_HTTP_ERR_COMMAND_QUEUE_CATCHUP_TIMEOUT, msg);
        rc = EDDY_TIMEOUT;
        goto done;
    }

    /* 2. Validate every statement in a sandbox copy of the catalog: if one
     * fails, nothing runs. */
    sandbox = eddy_catalog_copy(e->catalog);
    sandbox_props = json_deep_copy(props);
    sandbox_vars = eddy_vars_copy(vars);
    if (!sandbox || !sandbox_props || !sandbox_vars) goto nomem;
    eddy_exec failed = {0};
    rc = run_all(e, stmts, texts, pieces, n, sandbox, true, sandbox_props, sandbox_vars, NULL, &failed, &err);
    if (rc == 0) {
        /* 3. Run them for real. */
        memset(&failed, 0, sizeof failed);
        rc = run_all(e, stmts, texts, pieces, n, e->catalog, false, props, vars, entities, &failed, &err);
    }
    if (rc) {
        int code;
        error_status(rc, &failed, &code, http_status);
        *response = eddy_entity_statement_error(code, err.msg, failed.text, NULL);
        goto done;
    }
    *response = json_incref(entities);
    goto done;

nomem:
    rc = EDDY_NOMEM;
    *http_status = 500;
    json_decref(*response);
    *response = eddy_entity_generic_error(EDDY_HTTP_ERR_SERVER_ERROR, "out of memory");
done:
    if (locked) pthread_mutex_unlock(&e->mu);
    for (i = 0; texts && i < n; i++) free(texts[i]);
    free(texts);
    free(stmts);
    eddy_sql_split_free(pieces, n);
    eddy_arena_destroy(arena);
    eddy_catalog_destroy(sandbox);
    eddy_vars_destroy(vars);
    eddy_vars_destroy(sim);
    eddy_vars_destroy(sandbox_vars);
    json_decref(props);
    json_decref(sandbox_props);
    json_decref(entities);
    return rc;
}

json_t *eddy_engine_command_statuses(eddy_engine *e) {
    json_t *m = json_object();
    pthread_mutex_lock(&e->mu);
    for (int i = 0; i < e->ncommands; i++)
        json_object_set_new(m, e->commands[i].id, json_string(e->commands[i].status));
    pthread_mutex_unlock(&e->mu);
    return json_pack("{s:o}", "commandStatuses", m);
}

json_t *eddy_engine_command_status(eddy_engine *e, const char *command_id) {
    json_t *r = NULL;
    pthread_mutex_lock(&e->mu);
    for (int i = 0; i < e->ncommands; i++)
        if (strcmp(e->commands[i].id, command_id) == 0)
            r = json_pack("{s:s, s:s}", "status", e->commands[i].status, "message", e->commands[i].message);
    pthread_mutex_unlock(&e->mu);
    return r;
}
