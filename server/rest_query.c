/* rest_query.c - ksqlDB's query endpoints: /query-stream, /query and PRINT, /close-query, /inserts-stream.
 *
 * A query's life (see rest_query.h for the overview):
 *   handler (loop thread)  takes the response over (eddy_http_stream_defer),
 *                          starts the query in the engine, puts it in the
 *                          registry, starts the response and writes the
 *                          header, then marks it ready;
 *   on_rows (stream thread) waits for ready, writes the rows;
 *   on_done (stream thread), on_gone (loop thread: client left),
 *   /close-query (loop thread), shutdown
 *                          queue one finish job (the first one wins);
 *   reaper thread          runs finish: eddy_engine_push_close (after it no
 *                          callback runs), trailer, end of the response
 *                          (eddy_http_stream_close_flushed), answers the
 *                          /close-query requests waiting, frees the query.
 * So a query is freed by the reaper only, after every callback that can
 * reach it is over: the engine's (push_close waited for them) and the HTTP
 * stream's (after close, on_close never runs).
 *
 * PRINT runs in a thread of its own that reads the topic with eddy_log_fetch
 * and waits with eddy_log_wait; it stops at LIMIT, when the client leaves or
 * at shutdown.
 */
#include "server/rest_query.h"

#include "engine/entities.h"
#include "schemas/serde.h"
#include "sql/parse.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define CT_DELIMITED "application/vnd.ksqlapi.delimited.v1"
#define CT_JSON "application/json"
#define KEEPALIVE_MS 1000               /* newline keep-alives on /query while idle */
#define BACKLOG_HIGH ((size_t)8 << 20)  /* bytes queued to a client before rows wait */
#define BACKLOG_WAIT_MS 30000           /* ... and how long they wait before giving up */

enum fmt { FMT_DELIMITED, FMT_JSON, FMT_STREAMED };
enum reason { END_DONE = 1, END_ERROR, END_CLOSED, END_GONE, END_SHUTDOWN };

typedef struct waiter {
    struct waiter *next;
    eddy_http_stream *stream;        /* a deferred /close-query response */
} waiter;

typedef struct rq_query {
    struct rq_query *next;           /* registry (owner->mu) */
    struct rq_query *job_next;       /* finish queue (owner->mu) */
    eddy_rest_queries *owner;
    eddy_http_stream *stream;        /* the producer's handle until finish */
    int fmt;
    bool old_api;                    /* /query: keep-alives */
    char *id;                        /* the engine's query id */
    eddy_schema *columns;
    bool is_pull;
    atomic_bool stopping;            /* finish began: rows stop waiting for the client */
    _Atomic int64_t last_write_ms;
    /* mu/cv: the ready handshake between the handler and the callbacks */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool ready;
    /* owner->mu */
    bool in_registry;
    bool finishing;
    int reason;
    char *error;
    waiter *waiters;
} rq_query;

typedef struct print_job {
    eddy_rest_queries *owner;
    eddy_http_stream *stream;
    char *topic;
    bool from_beginning;
    int64_t interval;                /* >= 1 */
    int64_t limit;                   /* < 0: none */
    atomic_bool gone;                /* the client left */
} print_job;

struct eddy_rest_queries {
    eddy_engine *engine;
    pthread_mutex_t mu;
    pthread_cond_t cv;               /* jobs queued, stop, prints ended */
    rq_query *queries;
    rq_query *jobs, *jobs_tail;
    int nprints;                     /* PRINT threads running */
    bool stop;
    bool reaper_started;
    pthread_t reaper;
};

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------ */
/* JSON text of values                                                      */

void eddy_rest_put_string(eddy_strbuf *out, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    eddy_strbuf_putc(out, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        if (c == '"') esc = "\\\"";
        else if (c == '\\') esc = "\\\\";
        else if (c < 0x20) {
            switch (c) {
            case '\b': esc = "\\b"; break;
            case '\t': esc = "\\t"; break;
            case '\n': esc = "\\n"; break;
            case '\f': esc = "\\f"; break;
            case '\r': esc = "\\r"; break;
            default:
                u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0', u[4] = hex[c >> 4], u[5] = hex[c & 15], u[6] = 0;
                esc = u;
            }
        }
        if (!esc) continue;
        eddy_strbuf_append(out, s + run, i - run);
        eddy_strbuf_puts(out, esc);
        run = i + 1;
    }
    eddy_strbuf_append(out, s + run, len - run);
    eddy_strbuf_putc(out, '"');
}

void eddy_rest_put_java_double(eddy_strbuf *out, double d) { eddy_java_double_text(d, out); }


/* The type of v's kind when the column type does not say (t NULL or not matching). */
static const eddy_type *kind_type(const eddy_value *v, const eddy_type *t) {
    if (t && eddy_vkind_of(t) == (eddy_vkind)v->v_kind) return t;
    switch ((eddy_vkind)v->v_kind) {
    case EDDY_V_BYTES: return eddy_type_primitive(EDDY_TYPE_BYTES);
    case EDDY_V_DATE: return eddy_type_primitive(EDDY_TYPE_DATE);
    case EDDY_V_TIME: return eddy_type_primitive(EDDY_TYPE_TIME);
    case EDDY_V_TIMESTAMP: return eddy_type_primitive(EDDY_TYPE_TIMESTAMP);
    default: return NULL;
    }
}

void eddy_rest_put_value(eddy_strbuf *out, const eddy_value *v, const eddy_type *t) {
    if (t && eddy_vkind_of(t) != (eddy_vkind)v->v_kind) t = NULL;
    switch ((eddy_vkind)v->v_kind) {
    case EDDY_V_NULL: eddy_strbuf_puts(out, "null"); return;
    case EDDY_V_BOOL: eddy_strbuf_puts(out, v->u.i ? "true" : "false"); return;
    case EDDY_V_INT:
    case EDDY_V_BIGINT: eddy_strbuf_printf(out, "%lld", (long long)v->u.i); return;
    case EDDY_V_DOUBLE:
        if (isnan(v->u.d)) eddy_strbuf_puts(out, "\"NaN\"");
        else if (isinf(v->u.d)) eddy_strbuf_puts(out, v->u.d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        else eddy_rest_put_java_double(out, v->u.d);
        return;
    case EDDY_V_DECIMAL: eddy_decimal_plain_text(*v->u.dec, v->v_scale, out); return;
    case EDDY_V_STRING: eddy_rest_put_string(out, v->u.s, v->v_len); return;
    case EDDY_V_ARRAY:
        eddy_strbuf_putc(out, '[');
        for (uint32_t i = 0; i < v->v_len; i++) {
            if (i) eddy_strbuf_putc(out, ',');
            eddy_rest_put_value(out, &v->u.items[i], t ? t->ty_elem : NULL);
        }
        eddy_strbuf_putc(out, ']');
        return;
    case EDDY_V_MAP:
        eddy_strbuf_putc(out, '{');
        for (uint32_t i = 0; i < v->v_len; i++) {
            const eddy_value *k = &v->u.items[2 * i];
            if (i) eddy_strbuf_putc(out, ',');
            if (k->v_kind == EDDY_V_STRING) {
                eddy_rest_put_string(out, k->u.s, k->v_len);
            } else { /* (ksqlDB's map keys are strings; others are written as their text) */
                eddy_strbuf tmp = EDDY_STRBUF_INIT;
                if (k->v_kind == EDDY_V_NULL) eddy_strbuf_puts(&tmp, "null");
                else eddy_rest_put_value(&tmp, k, t ? t->ty_key : NULL);
                eddy_rest_put_string(out, eddy_strbuf_cstr(&tmp), tmp.len);
                eddy_strbuf_fini(&tmp);
            }
            eddy_strbuf_putc(out, ':');
            eddy_rest_put_value(out, &v->u.items[2 * i + 1], t ? t->ty_elem : NULL);
        }
        eddy_strbuf_putc(out, '}');
        return;
    case EDDY_V_STRUCT:
        eddy_strbuf_putc(out, '{');
        for (uint32_t i = 0; i < v->v_len; i++) {
            const eddy_field *f = t && (int)i < t->ty_nfields ? &t->ty_fields[i] : NULL;
            char name[24];
            if (i) eddy_strbuf_putc(out, ',');
            if (!f) snprintf(name, sizeof name, "F%u", (unsigned)i);
            eddy_rest_put_string(out, f ? f->name : name, strlen(f ? f->name : name));
            eddy_strbuf_putc(out, ':');
            eddy_rest_put_value(out, &v->u.items[i], f ? f->type : NULL);
        }
        eddy_strbuf_putc(out, '}');
        return;
    case EDDY_V_BYTES:
    case EDDY_V_DATE:
    case EDDY_V_TIME:
    case EDDY_V_TIMESTAMP: {
        json_t *j = eddy_value_to_json(v, kind_type(v, t), true);
        char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        eddy_strbuf_puts(out, text ? text : "null");
        free(text);
        json_decref(j);
        return;
    }
    }
    eddy_strbuf_puts(out, "null");
}

static void put_row_values(eddy_strbuf *out, const eddy_row *row, int ncols, const eddy_schema *cols) {
    eddy_strbuf_putc(out, '[');
    for (int i = 0; i < ncols; i++) {
        if (i) eddy_strbuf_putc(out, ',');
        eddy_rest_put_value(out, &row->cols[i], cols && i < cols->ncols ? cols->cols[i].type : NULL);
    }
    eddy_strbuf_putc(out, ']');
}

/* ------------------------------------------------------------------------ */
/* request helpers                                                          */

/* The body as a JSON object; answers 400 and returns NULL otherwise. */
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
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST,
                                "Invalid JSON in request: the body must be a JSON object");
        return NULL;
    }
    return body;
}

/* Checks that optional fields are objects; answers 400 if not. */
static bool optional_objects(eddy_http_request *req, json_t *a, const char *an, json_t *b, const char *bn) {
    if (a && !json_is_object(a) && !json_is_null(a)) {
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST, "Invalid JSON in request: \"%s\" must be an object", an);
        return false;
    }
    if (b && !json_is_object(b) && !json_is_null(b)) {
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST, "Invalid JSON in request: \"%s\" must be an object", bn);
        return false;
    }
    return true;
}

static bool accepts(eddy_http_request *req, const char *type) {
    const char *accept = eddy_http_request_header(req, "accept");
    return accept && strcasestr(accept, type) != NULL;
}

static char *dump(const json_t *j, size_t *len) {
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    *len = text ? strlen(text) : 0;
    return text;
}

/* ------------------------------------------------------------------------ */
/* writing a query's response                                               */

static const char *content_type(int fmt) { return fmt == FMT_DELIMITED ? CT_DELIMITED : CT_JSON; }

/* The first element: the metadata (delimited, JSON) or the header (StreamedRow). */
static void put_header(eddy_strbuf *out, const rq_query *q) {
    const eddy_schema *c = q->columns;
    if (q->fmt == FMT_STREAMED) {
        eddy_strbuf schema = EDDY_STRBUF_INIT;
        char pull_id[48];
        for (int i = 0; i < c->ncols; i++) {
            if (i) eddy_strbuf_puts(&schema, ", ");
            eddy_strbuf_printf(&schema, "`%s` ", c->cols[i].name);
            eddy_type_format(c->cols[i].type, &schema);
            if (q->is_pull && c->cols[i].ns == EDDY_COL_KEY) eddy_strbuf_puts(&schema, " KEY");
        }
        snprintf(pull_id, sizeof pull_id, "query_%lld", (long long)eddy_log_now_ms());
        eddy_strbuf_puts(out, "[{\"header\":{\"queryId\":");
        eddy_rest_put_string(out, q->is_pull ? pull_id : q->id, strlen(q->is_pull ? pull_id : q->id));
        eddy_strbuf_puts(out, ",\"schema\":");
        eddy_rest_put_string(out, eddy_strbuf_cstr(&schema), schema.len);
        eddy_strbuf_puts(out, q->is_pull ? "}}" : "}},\n");
        eddy_strbuf_fini(&schema);
        return;
    }
    if (q->fmt == FMT_JSON) eddy_strbuf_putc(out, '[');
    eddy_strbuf_puts(out, "{\"queryId\":");
    if (q->is_pull) eddy_strbuf_puts(out, "null");
    else eddy_rest_put_string(out, q->id, strlen(q->id));
    eddy_strbuf_puts(out, ",\"columnNames\":[");
    for (int i = 0; i < c->ncols; i++) {
        if (i) eddy_strbuf_putc(out, ',');
        eddy_rest_put_string(out, c->cols[i].name, strlen(c->cols[i].name));
    }
    eddy_strbuf_puts(out, "],\"columnTypes\":[");
    for (int i = 0; i < c->ncols; i++) {
        eddy_strbuf t = EDDY_STRBUF_INIT;
        if (i) eddy_strbuf_putc(out, ',');
        eddy_type_format(c->cols[i].type, &t);
        eddy_rest_put_string(out, eddy_strbuf_cstr(&t), t.len);
        eddy_strbuf_fini(&t);
    }
    eddy_strbuf_puts(out, "]}");
    if (q->fmt == FMT_DELIMITED) eddy_strbuf_putc(out, '\n');
}

/* The last bytes of a response that ends normally. */
static void put_trailer(eddy_strbuf *out, const rq_query *q, int reason, const char *error) {
    if (reason == END_ERROR) {
        json_t *e = eddy_entity_generic_error(EDDY_HTTP_ERR_SERVER_ERROR, error ? error : "the query failed");
        size_t len;
        char *text = dump(e, &len);
        json_decref(e);
        switch (q->fmt) {
        case FMT_DELIMITED: eddy_strbuf_printf(out, "%s\n", text ? text : "{}"); break;
        case FMT_JSON: eddy_strbuf_printf(out, ",%s]", text ? text : "{}"); break;
        default:
            eddy_strbuf_printf(out, "%s{\"errorMessage\":%s}]", q->is_pull ? ",\n" : "", text ? text : "{}");
            break;
        }
        free(text);
        return;
    }
    switch (q->fmt) {
    case FMT_DELIMITED: break;
    case FMT_JSON: eddy_strbuf_putc(out, ']'); break;
    default:
        if (q->is_pull) eddy_strbuf_putc(out, ']');
        else if (reason == END_DONE) eddy_strbuf_puts(out, "{\"finalMessage\":\"Limit Reached\"}]");
        else eddy_strbuf_puts(out, "{\"finalMessage\":\"Query Completed\"}]");
        break;
    }
}

/* ------------------------------------------------------------------------ */
/* finishing queries                                                        */

static void query_free(rq_query *q) {
    if (!q) return;
    free(q->id);
    free(q->error);
    eddy_schema_free(q->columns);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
}

/* Queues q's finish job unless one is queued already.  waiter (may be NULL)
 * is answered once the response ended.  owner->mu held. */
static void queue_finish_locked(rq_query *q, int reason, const char *error, eddy_http_stream *waiter_stream) {
    eddy_rest_queries *o = q->owner;
    if (waiter_stream) {
        waiter *w = calloc(1, sizeof *w);
        if (w) {
            w->stream = waiter_stream;
            w->next = q->waiters;
            q->waiters = w;
        } else {
            eddy_http_stream_respond(waiter_stream, 200, NULL, "", 0);
        }
    }
    if (q->finishing) return;
    q->finishing = true;
    q->reason = reason;
    q->error = error ? strdup(error) : NULL;
    q->job_next = NULL;
    if (o->jobs_tail) o->jobs_tail->job_next = q;
    else o->jobs = q;
    o->jobs_tail = q;
    pthread_cond_broadcast(&o->cv);
}

static void queue_finish(rq_query *q, int reason, const char *error) {
    pthread_mutex_lock(&q->owner->mu);
    queue_finish_locked(q, reason, error, NULL);
    pthread_mutex_unlock(&q->owner->mu);
}

/* The reaper's job: stop the query, end its response, answer the waiters. */
static void finish(eddy_rest_queries *o, rq_query *q) {
    eddy_strbuf tail = EDDY_STRBUF_INIT;
    pthread_mutex_lock(&q->mu);
    while (!q->ready) pthread_cond_wait(&q->cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
    atomic_store(&q->stopping, true);
    eddy_engine_push_close(o->engine, q->id); /* no rows or done callback after this */
    if (q->reason != END_GONE && q->reason != END_SHUTDOWN) {
        put_trailer(&tail, q, q->reason, q->error);
        if (tail.len) {
            if (q->fmt == FMT_DELIMITED) eddy_http_stream_write_msg(q->stream, tail.buf, tail.len);
            else eddy_http_stream_write(q->stream, tail.buf, tail.len);
        }
    }
    eddy_strbuf_fini(&tail);
    eddy_http_stream_close_flushed(q->stream); /* on_gone never runs after this */
    q->stream = NULL;
    pthread_mutex_lock(&o->mu);
    if (q->in_registry) {
        for (rq_query **l = &o->queries; *l; l = &(*l)->next)
            if (*l == q) {
                *l = q->next;
                break;
            }
        q->in_registry = false;
    }
    waiter *w = q->waiters;
    q->waiters = NULL;
    pthread_mutex_unlock(&o->mu);
    while (w) { /* /close-query answers go out after the query's response ended */
        waiter *n = w->next;
        eddy_http_stream_respond(w->stream, 200, NULL, "", 0);
        free(w);
        w = n;
    }
    query_free(q);
}

/* Newline keep-alives for idle /query push queries.  owner->mu held. */
static void keepalive_locked(eddy_rest_queries *o) {
    int64_t now = now_ms();
    for (rq_query *q = o->queries; q; q = q->next) {
        if (!q->old_api || q->is_pull || q->finishing || q->fmt != FMT_STREAMED) continue;
        pthread_mutex_lock(&q->mu);
        bool ready = q->ready;
        pthread_mutex_unlock(&q->mu);
        if (!ready || now - atomic_load(&q->last_write_ms) < KEEPALIVE_MS) continue;
        atomic_store(&q->last_write_ms, now);
        eddy_http_stream_write(q->stream, "\n", 1);
    }
}

static void *reaper_main(void *arg) {
    eddy_rest_queries *o = arg;
    pthread_mutex_lock(&o->mu);
    for (;;) {
        if (o->jobs) {
            rq_query *q = o->jobs;
            o->jobs = q->job_next;
            if (!o->jobs) o->jobs_tail = NULL;
            pthread_mutex_unlock(&o->mu);
            finish(o, q);
            pthread_mutex_lock(&o->mu);
            continue;
        }
        if (o->stop && !o->queries) break;
        if (o->stop) { /* shutdown: end whatever is left */
            for (rq_query *q = o->queries; q; q = q->next) queue_finish_locked(q, END_SHUTDOWN, NULL, NULL);
            continue;
        }
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 1;
        if (pthread_cond_timedwait(&o->cv, &o->mu, &deadline) != 0) keepalive_locked(o);
    }
    pthread_mutex_unlock(&o->mu);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* engine and stream callbacks                                              */

static int on_rows(void *ud, const eddy_batch *rows) {
    rq_query *q = ud;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    int rc = 0;
    pthread_mutex_lock(&q->mu);
    while (!q->ready) pthread_cond_wait(&q->cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
    for (size_t i = 0; i < rows->count && rc == 0; i++) {
        const eddy_row *row = &rows->rows[i];
        switch (q->fmt) {
        case FMT_DELIMITED: /* one row per message: one HTTP/2 DATA frame each */
            eddy_strbuf_reset(&sb);
            put_row_values(&sb, row, rows->ncols, q->columns);
            eddy_strbuf_putc(&sb, '\n');
            rc = sb.failed ? EDDY_NOMEM : eddy_http_stream_write_msg(q->stream, sb.buf, sb.len);
            break;
        case FMT_JSON:
            eddy_strbuf_putc(&sb, ',');
            put_row_values(&sb, row, rows->ncols, q->columns);
            break;
        default:
            if (q->is_pull) eddy_strbuf_puts(&sb, ",\n");
            eddy_strbuf_puts(&sb, "{\"row\":{\"columns\":");
            put_row_values(&sb, row, rows->ncols, q->columns);
            /* A table's deleted row (push queries on tables). */
            if (row->flags & EDDY_ROW_NULL_VALUE) eddy_strbuf_puts(&sb, ",\"tombstone\":true");
            eddy_strbuf_puts(&sb, q->is_pull ? "}}" : "}},\n");
            break;
        }
    }
    if (rc == 0 && q->fmt != FMT_DELIMITED && sb.len)
        rc = sb.failed ? EDDY_NOMEM : eddy_http_stream_write(q->stream, sb.buf, sb.len);
    eddy_strbuf_fini(&sb);
    if (rc) return 1; /* the client is gone (or out of memory): stop the query */
    atomic_store(&q->last_write_ms, now_ms());
    /* A client that reads slower than the query produces: wait for it to
     * catch up, as far as it is there and the query is not being ended. */
    for (int waited = 0; eddy_http_stream_pending(q->stream) > BACKLOG_HIGH; waited++) {
        if (atomic_load(&q->stopping) || !eddy_http_stream_is_open(q->stream)) break;
        if (waited >= BACKLOG_WAIT_MS) return 1;
        usleep(1000);
    }
    return 0;
}

static void on_done(void *ud, const char *error) {
    rq_query *q = ud;
    queue_finish(q, error ? END_ERROR : END_DONE, error);
}

/* The client went away (loop thread). */
static void on_gone(eddy_http_stream *stream, void *ud) {
    (void)stream;
    queue_finish(ud, END_GONE, NULL);
}

/* ------------------------------------------------------------------------ */
/* starting queries                                                         */

/* On /query-stream ksqlDB reports a statement's error with
 * KsqlStatementException.getUnloggedMessage(): the message, then
 * "\nStatement: <sql>". */
static void add_statement_suffix(json_t *error) {
    json_t *type = json_object_get(error, "@type"), *msg = json_object_get(error, "message");
    json_t *text = json_object_get(error, "statementText");
    if (!json_is_string(type) || strcmp(json_string_value(type), "statement_error") != 0) return;
    if (json_integer_value(json_object_get(error, "error_code")) != EDDY_HTTP_ERR_BAD_STATEMENT) return;
    if (!json_is_string(msg) || !json_is_string(text)) return;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_strbuf_printf(&sb, "%s\nStatement: %s", json_string_value(msg), json_string_value(text));
    if (!sb.failed) json_object_set_new(error, "message", json_string(eddy_strbuf_cstr(&sb)));
    eddy_strbuf_fini(&sb);
}

static void start_query(eddy_rest_queries *o, eddy_http_request *req, const char *sql, json_t *props, json_t *vars,
                        int fmt, bool old_api) {
    rq_query *q = calloc(1, sizeof *q);
    eddy_http_stream *s = NULL;
    if (!q) {
        eddy_http_respond_error(req, 500, EDDY_HTTP_ERR_SERVER_ERROR, "out of memory");
        return;
    }
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->owner = o;
    q->fmt = fmt;
    q->old_api = old_api;
    if (eddy_http_stream_defer(req, on_gone, q, &s)) {
        query_free(q);
        eddy_http_respond_error(req, 500, EDDY_HTTP_ERR_SERVER_ERROR, "out of memory");
        return;
    }
    q->stream = s;

    eddy_push_request pr = {
        .sql = sql,
        .properties = json_is_object(props) ? props : NULL,
        .session_variables = json_is_object(vars) ? vars : NULL,
        .rows = on_rows,
        .done = on_done,
        .ud = q,
    };
    eddy_push_info info;
    json_t *error = NULL;
    int status = 500;
    if (eddy_engine_push_start(o->engine, &pr, &info, &error, &status)) {
        /* no callback will come: answer and forget q */
        size_t len = 0;
        char *text;
        if (!error) error = eddy_entity_generic_error(EDDY_HTTP_ERR_SERVER_ERROR, "The server encountered an internal error when processing the query. Please consult the server logs for more information.");
        if (!old_api) add_statement_suffix(error);
        text = dump(error, &len);
        eddy_http_stream_respond(s, status >= 400 ? status : 500, CT_JSON, text ? text : "", len);
        free(text);
        json_decref(error);
        query_free(q);
        return;
    }
    q->id = info.query_id;
    q->columns = info.columns;
    q->is_pull = info.is_pull;
    info.query_id = NULL;
    info.columns = NULL;
    eddy_push_info_fini(&info);
    atomic_store(&q->last_write_ms, now_ms());

    pthread_mutex_lock(&o->mu);
    q->next = o->queries;
    o->queries = q;
    q->in_registry = true;
    pthread_mutex_unlock(&o->mu);

    /* Headers and the first element, then rows may follow (on_rows waits
     * for ready, so the header is always first). */
    eddy_strbuf head = EDDY_STRBUF_INIT;
    put_header(&head, q);
    int rc = eddy_http_stream_start(s, 200, content_type(fmt));
    if (rc == 0)
        rc = head.failed ? EDDY_NOMEM
             : fmt == FMT_DELIMITED ? eddy_http_stream_write_msg(s, head.buf, head.len)
                                    : eddy_http_stream_write(s, head.buf, head.len);
    eddy_strbuf_fini(&head);
    pthread_mutex_lock(&q->mu);
    q->ready = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    if (rc) queue_finish(q, END_GONE, NULL);
}

/* ------------------------------------------------------------------------ */
/* PRINT                                                                    */

/* ksqlDB guesses a topic's key and value formats from the bytes: every
 * format that failed to read some record is dropped, and each record is
 * shown in the first format still possible.  Windowed keys, AVRO, PROTOBUF
 * and JSON_SR (these need a schema registry) are not guessed here. */
enum { PF_JSON, PF_INT, PF_BIGINT, PF_DOUBLE, PF_STRING, PF_COUNT };
static const char *const pf_names[PF_COUNT] = {"JSON", "KAFKA_INT", "KAFKA_BIGINT", "KAFKA_DOUBLE", "KAFKA_STRING"};

typedef struct print_side {
    unsigned possible;               /* PF_* bits still possible */
    bool seen;                       /* a non-null datum was read */
    char shown[256];                 /* the "... format: " line last written */
} print_side;

static bool valid_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len || i + (size_t)len > n || (len == 2 && c < 0xc2)) return false;
        uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
        for (int k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        i += (size_t)len;
    }
    return true;
}

/* Tries format f on (p, n); on success appends its text to out. */
static bool pf_try(int f, const unsigned char *p, size_t n, eddy_strbuf *out) {
    uint64_t u = 0;
    switch (f) {
    case PF_JSON: {
        if (n == 0 || !valid_utf8(p, n)) return false;
        json_t *j = json_loadb((const char *)p, n, JSON_DECODE_ANY, NULL);
        if (!j) return false;
        json_decref(j);
        eddy_strbuf_append(out, (const char *)p, n);
        return true;
    }
    case PF_INT:
        if (n != 4) return false;
        eddy_strbuf_printf(out, "%d", (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]));
        return true;
    case PF_BIGINT:
    case PF_DOUBLE:
        if (n != 8) return false;
        for (int i = 0; i < 8; i++) u = u << 8 | p[i];
        if (f == PF_BIGINT) {
            eddy_strbuf_printf(out, "%lld", (long long)(int64_t)u);
        } else {
            double d;
            memcpy(&d, &u, sizeof d);
            if (isnan(d)) eddy_strbuf_puts(out, "NaN");
            else if (isinf(d)) eddy_strbuf_puts(out, d > 0 ? "Infinity" : "-Infinity");
            else eddy_rest_put_java_double(out, d);
        }
        return true;
    case PF_STRING:
        if (n == 0 || !valid_utf8(p, n)) return false;
        eddy_strbuf_append(out, (const char *)p, n);
        return true;
    }
    return false;
}

/* Kafka's Bytes.toString: printable ASCII as is, the rest as \xNN. */
static void put_kafka_bytes(eddy_strbuf *out, const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= ' ' && p[i] <= '~' && p[i] != '\\') eddy_strbuf_putc(out, (char)p[i]);
        else eddy_strbuf_printf(out, "\\x%02X", p[i]);
    }
}

static void print_format(print_side *side, const void *data, size_t n, eddy_strbuf *out) {
    eddy_strbuf tmp = EDDY_STRBUF_INIT;
    bool shown = false;
    if (!data) {
        eddy_strbuf_puts(out, "<null>");
        return;
    }
    side->seen = true;
    for (int f = 0; f < PF_COUNT; f++) {
        if (!(side->possible & (1u << f))) continue;
        eddy_strbuf_reset(&tmp);
        if (!pf_try(f, data, n, &tmp)) {
            side->possible &= ~(1u << f);
        } else if (!shown) {
            eddy_strbuf_append(out, eddy_strbuf_cstr(&tmp), tmp.len);
            shown = true;
        }
    }
    if (!shown) put_kafka_bytes(out, data, n);
    eddy_strbuf_fini(&tmp);
}

/* Writes "Key format: ..." when the possible formats changed. */
static void print_side_line(print_side *side, const char *prefix, eddy_strbuf *out) {
    char line[256];
    size_t n = 0;
    if (!side->seen) {
        snprintf(line, sizeof line, "%s\xc2\xaf\\_(\xe3\x83\x84)_/\xc2\xaf - no data processed", prefix);
    } else if (!side->possible) {
        snprintf(line, sizeof line, "%s does not match any supported format. It may be a STRING with encoding other "
                                    "than UTF8, or some other format.", prefix);
    } else {
        n = (size_t)snprintf(line, sizeof line, "%s", prefix);
        bool first = true;
        for (int f = 0; f < PF_COUNT && n < sizeof line; f++)
            if (side->possible & (1u << f)) {
                n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", first ? "" : " or ", pf_names[f]);
                first = false;
            }
    }
    if (strcmp(line, side->shown) == 0) return;
    snprintf(side->shown, sizeof side->shown, "%s", line);
    eddy_strbuf_printf(out, "%s\n", line);
}

static void put_rowtime(eddy_strbuf *out, int64_t ts) {
    if (ts < 0) {
        eddy_strbuf_puts(out, "N/A");
        return;
    }
    time_t secs = (time_t)(ts / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    eddy_strbuf_printf(out, "%04d/%02d/%02d %02d:%02d:%02d.%03d Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts % 1000));
}

static void print_job_free(print_job *p) {
    if (!p) return;
    free(p->topic);
    free(p);
}

static void *print_main(void *arg) {
    print_job *p = arg;
    eddy_rest_queries *o = p->owner;
    eddy_log *log = eddy_engine_log(o->engine);
    eddy_log_topic_config tc;
    eddy_log_batch batch;
    eddy_strbuf out = EDDY_STRBUF_INIT, lines = EDDY_STRBUF_INIT;
    print_side key = {.possible = (1u << PF_COUNT) - 1}, value = {.possible = (1u << PF_COUNT) - 1};
    int64_t *pos = NULL, polled = 0, written = 0, last_out = now_ms();
    int32_t nparts = 0;
    eddy_err err;
    eddy_err_clear(&err);
    eddy_log_batch_init(&batch);

    if (eddy_log_topic_describe(log, p->topic, &tc, &err) == 0 && (pos = calloc((size_t)tc.partitions, sizeof *pos))) {
        nparts = tc.partitions;
        for (int32_t i = 0; i < nparts; i++) {
            int64_t start = 0, end = 0;
            eddy_log_partition_offsets(log, p->topic, i, &start, &end, NULL);
            pos[i] = p->from_beginning ? start : end;
        }
    }
    while (nparts > 0 && !atomic_load(&p->gone) && (p->limit < 0 || written < p->limit)) {
        pthread_mutex_lock(&o->mu);
        bool stop = o->stop;
        pthread_mutex_unlock(&o->mu);
        if (stop) break;
        uint64_t seen = eddy_log_seq(log);
        bool any = false;
        eddy_strbuf_reset(&lines);
        for (int32_t i = 0; i < nparts && (p->limit < 0 || written < p->limit); i++) {
            int rc = eddy_log_fetch(log, p->topic, i, pos[i], 500, 0, &batch, &err);
            if (rc == EDDY_RANGE) {
                eddy_log_partition_offsets(log, p->topic, i, &pos[i], NULL, NULL);
                continue;
            }
            if (rc) continue;
            pos[i] = batch.next_offset;
            for (size_t r = 0; r < batch.count && (p->limit < 0 || written < p->limit); r++) {
                const eddy_log_record *rec = &batch.records[r];
                any = true;
                if (polled++ % p->interval) continue;
                written++;
                eddy_strbuf_puts(&lines, "rowtime: ");
                put_rowtime(&lines, rec->timestamp);
                eddy_strbuf_puts(&lines, ", key: ");
                print_format(&key, rec->key, rec->key_len, &lines);
                eddy_strbuf_puts(&lines, ", value: ");
                print_format(&value, rec->value, rec->value_len, &lines);
                eddy_strbuf_printf(&lines, ", partition: %d\n", (int)i);
            }
        }
        eddy_strbuf_reset(&out);
        if (lines.len) {
            print_side_line(&key, "Key format: ", &out);
            print_side_line(&value, "Value format: ", &out);
            eddy_strbuf_append(&out, eddy_strbuf_cstr(&lines), lines.len);
        }
        if (!any) {
            /* idle: wait for a write to the log; a newline now and then,
             * as ksqlDB prints one for every empty poll */
            eddy_log_wait(log, seen, KEEPALIVE_MS);
            if (now_ms() - last_out >= KEEPALIVE_MS) eddy_strbuf_putc(&out, '\n');
        }
        if (out.len) {
            if (eddy_http_stream_write(p->stream, out.buf, out.len) != 0) break;
            last_out = now_ms();
        }
    }
    eddy_http_stream_close(p->stream); /* on_close never runs after this */
    eddy_log_batch_fini(&batch);
    eddy_strbuf_fini(&out);
    eddy_strbuf_fini(&lines);
    free(pos);
    print_job_free(p);
    pthread_mutex_lock(&o->mu);
    o->nprints--;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
    return NULL;
}

static void print_gone(eddy_http_stream *stream, void *ud) {
    (void)stream;
    print_job *p = ud;
    atomic_store(&p->gone, true);
    eddy_log_wakeup(eddy_engine_log(p->owner->engine));
}

/* The topic PRINT names: exact, else the only case-insensitive match.
 * Heap copy; NULL when there is none. */
static char *print_topic(eddy_log *log, const char *name) {
    char **names = NULL, *found = NULL;
    size_t n = 0;
    int matches = 0;
    if (eddy_log_topic_exists(log, name)) return strdup(name);
    if (eddy_log_topic_list(log, &names, &n, NULL)) return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(names[i], name) == 0 && matches++ == 0) found = names[i];
    found = matches == 1 ? strdup(found) : NULL;
    eddy_log_names_free(names, n);
    return found;
}

static void start_print(eddy_rest_queries *o, eddy_http_request *req, const eddy_stmt *st) {
    char *topic = print_topic(eddy_engine_log(o->engine), st->u.print.topic);
    print_job *p = NULL;
    pthread_t t;
    pthread_attr_t attr;
    if (!topic) {
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST,
                                "Could not find topic '%s', or the KSQL user does not have permissions to list the "
                                "topic. Topic names are case-sensitive.",
                                st->u.print.topic);
        return;
    }
    if (st->u.print.has_interval && st->u.print.interval < 1) {
        free(topic);
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_STATEMENT,
                                "INTERVAL must be greater than one, but was: %lld", (long long)st->u.print.interval);
        return;
    }
    if (!(p = calloc(1, sizeof *p))) {
        free(topic);
        eddy_http_respond_error(req, 500, EDDY_HTTP_ERR_SERVER_ERROR, "out of memory");
        return;
    }
    p->owner = o;
    p->topic = topic;
    p->from_beginning = st->u.print.from_beginning;
    p->interval = st->u.print.has_interval ? st->u.print.interval : 1;
    p->limit = st->u.print.has_limit ? st->u.print.limit : -1;
    if (eddy_http_stream_open(req, 200, CT_JSON, print_gone, p, &p->stream)) {
        print_job_free(p);
        eddy_http_respond_error(req, 500, EDDY_HTTP_ERR_SERVER_ERROR, "cannot start the response");
        return;
    }
    pthread_mutex_lock(&o->mu);
    o->nprints++;
    pthread_mutex_unlock(&o->mu);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, print_main, p)) {
        eddy_http_stream_close(p->stream);
        print_job_free(p);
        pthread_mutex_lock(&o->mu);
        o->nprints--;
        pthread_mutex_unlock(&o->mu);
    }
    pthread_attr_destroy(&attr);
}

/* ------------------------------------------------------------------------ */
/* handlers                                                                 */

void eddy_rest_handle_query_stream(eddy_http_request *req, void *ud) {
    eddy_rest_queries *o = ud;
    json_t *body = body_object(req);
    if (!body) return;
    json_t *sql = json_object_get(body, "sql"), *props = json_object_get(body, "properties"),
           *vars = json_object_get(body, "sessionVariables");
    if (!json_is_string(sql)) {
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST,
                                "Invalid JSON in request: \"sql\" is missing or not a string");
    } else if (optional_objects(req, props, "properties", vars, "sessionVariables")) {
        int fmt = accepts(req, CT_DELIMITED) ? FMT_DELIMITED
                  : accepts(req, "application/vnd.ksql.v1+json") ? FMT_STREAMED
                  : accepts(req, CT_JSON) ? FMT_JSON
                                          : FMT_DELIMITED;
        start_query(o, req, json_string_value(sql), props, vars, fmt, false);
    }
    json_decref(body);
}

void eddy_rest_handle_query(eddy_http_request *req, void *ud) {
    eddy_rest_queries *o = ud;
    json_t *body = body_object(req);
    if (!body) return;
    json_t *ksql = json_object_get(body, "ksql"), *props = json_object_get(body, "streamsProperties"),
           *vars = json_object_get(body, "sessionVariables");
    if (!json_is_string(ksql)) {
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST,
                                "Invalid JSON in request: \"ksql\" is missing or not a string");
    } else if (optional_objects(req, props, "streamsProperties", vars, "sessionVariables")) {
        /* PRINT is served here; anything else goes to the engine, which
         * answers parse errors and non-queries itself. */
        eddy_arena *arena = eddy_arena_new();
        eddy_list stmts = {0};
        eddy_err err;
        eddy_err_clear(&err);
        if (arena && eddy_parse(json_string_value(ksql), arena, &stmts, &err) == 0 && stmts.n == 1 &&
            ((eddy_stmt *)stmts.items[0])->kind == EDDY_STMT_PRINT) {
            start_print(o, req, stmts.items[0]);
        } else {
            int fmt = accepts(req, CT_DELIMITED) ? FMT_DELIMITED : FMT_STREAMED;
            start_query(o, req, json_string_value(ksql), props, vars, fmt, true);
        }
        eddy_arena_destroy(arena);
    }
    json_decref(body);
}

void eddy_rest_handle_close_query(eddy_http_request *req, void *ud) {
    eddy_rest_queries *o = ud;
    json_t *body = body_object(req);
    if (!body) return;
    json_t *id = json_object_get(body, "queryId");
    if (!json_is_string(id)) {
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST,
                                "Invalid JSON in request: \"queryId\" is missing or not a string");
        json_decref(body);
        return;
    }
    pthread_mutex_lock(&o->mu);
    rq_query *q = o->queries;
    while (q && strcmp(q->id, json_string_value(id)) != 0) q = q->next;
    eddy_http_stream *s = NULL;
    if (q && eddy_http_stream_defer(req, NULL, NULL, &s) == 0)
        queue_finish_locked(q, END_CLOSED, NULL, s); /* answered once the query's response ended */
    pthread_mutex_unlock(&o->mu);
    if (!q) eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST, "No query with id %s", json_string_value(id));
    else if (!s) eddy_http_respond_error(req, 500, EDDY_HTTP_ERR_SERVER_ERROR, "out of memory");
    json_decref(body);
}

/* One ack of /inserts-stream. */
static void put_ack(eddy_strbuf *out, bool json, size_t seq, const char *error) {
    if (json) eddy_strbuf_putc(out, seq ? ',' : '[');
    if (!error) {
        eddy_strbuf_printf(out, "{\"status\":\"ok\",\"seq\":%zu}", seq);
    } else {
        eddy_strbuf_printf(out, "{\"status\":\"error\",\"seq\":%zu,\"error_code\":%d,\"message\":", seq,
                           EDDY_HTTP_ERR_BAD_REQUEST);
        eddy_rest_put_string(out, error, strlen(error));
        eddy_strbuf_putc(out, '}');
    }
    if (!json) eddy_strbuf_putc(out, '\n');
}

static bool blank(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
    return true;
}

void eddy_rest_handle_inserts_stream(eddy_http_request *req, void *ud) {
    eddy_rest_queries *o = ud;
    size_t len = 0;
    const char *body = eddy_http_request_body(req, &len), *end = body + len, *nl;
    json_error_t jerr;
    eddy_err err;
    eddy_err_clear(&err);
    if (eddy_http_request_version(req) < 20) {
        eddy_http_respond_error(req, 400, 40004, "This endpoint is only available when using HTTP2");
        return;
    }
    /* the first document: {"target": "...", "properties": {...}} */
    nl = memchr(body, '\n', len);
    size_t first_len = nl ? (size_t)(nl - body) : len;
    json_t *args = json_loadb(body, first_len, 0, &jerr);
    json_t *target = json_object_get(args, "target");
    if (!json_is_object(args) || !json_is_string(target)) {
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_REQUEST, "Invalid JSON in request: %s",
                                args ? "\"target\" is missing or not a string" : jerr.text);
        json_decref(args);
        return;
    }
    char *name = strdup(json_string_value(target));
    json_decref(args);
    if (!name) {
        eddy_http_respond_error(req, 500, EDDY_HTTP_ERR_SERVER_ERROR, "out of memory");
        return;
    }
    size_t nlen = strlen(name);
    if (nlen >= 2 && name[0] == '`' && name[nlen - 1] == '`') { /* quoted: as written */
        memmove(name, name + 1, nlen - 2);
        name[nlen - 2] = 0;
    }
    /* Can rows go there at all? */
    int rc = eddy_engine_insert_check(o->engine, name, &err);
    if (rc) {
        eddy_http_respond_error(req, 400, EDDY_HTTP_ERR_BAD_STATEMENT, "%s", err.msg);
        free(name);
        return;
    }
    bool json = accepts(req, CT_JSON);
    eddy_strbuf out = EDDY_STRBUF_INIT;
    size_t seq = 0;
    for (const char *p = nl ? nl + 1 : end; p < end;) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        size_t n = e ? (size_t)(e - p) : (size_t)(end - p);
        const char *line = p;
        p = e ? e + 1 : end;
        if (blank(line, n)) continue;
        json_t *row = json_loadb(line, n, 0, &jerr);
        if (!json_is_object(row)) {
            put_ack(&out, json, seq, "Invalid JSON in inserts stream");
            json_decref(row);
            seq++;
            break;
        }
        eddy_err_clear(&err);
        rc = eddy_engine_insert_json(o->engine, name, row, &err);
        json_decref(row);
        put_ack(&out, json, seq, rc ? err.msg : NULL);
        seq++;
        if (rc) break;
    }
    if (json) eddy_strbuf_puts(&out, seq ? "]" : "[]");
    if (out.failed) eddy_http_respond_error(req, 500, EDDY_HTTP_ERR_SERVER_ERROR, "out of memory");
    else eddy_http_respond(req, 200, json ? CT_JSON : CT_DELIMITED, eddy_strbuf_cstr(&out), out.len);
    eddy_strbuf_fini(&out);
    free(name);
}

/* ------------------------------------------------------------------------ */
/* lifetime                                                                 */

int eddy_rest_queries_new(eddy_engine *engine, eddy_rest_queries **out, eddy_err *err) {
    eddy_rest_queries *o = calloc(1, sizeof *o);
    *out = NULL;
    if (!o) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    o->engine = engine;
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    if (pthread_create(&o->reaper, NULL, reaper_main, o)) {
        eddy_rest_queries_destroy(o);
        return eddy_err_set(err, EDDY_INTERNAL, "cannot start the query reaper thread");
    }
    o->reaper_started = true;
    *out = o;
    return 0;
}

void eddy_rest_queries_destroy(eddy_rest_queries *o) {
    if (!o) return;
    pthread_mutex_lock(&o->mu);
    o->stop = true;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
    if (o->reaper_started) pthread_join(o->reaper, NULL);
    /* PRINT threads: they see stop (or their client gone) within a wait */
    pthread_mutex_lock(&o->mu);
    while (o->nprints > 0) {
        pthread_mutex_unlock(&o->mu);
        eddy_log_wakeup(eddy_engine_log(o->engine));
        pthread_mutex_lock(&o->mu);
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += 100 * 1000000;
        if (deadline.tv_nsec >= 1000000000) deadline.tv_sec++, deadline.tv_nsec -= 1000000000;
        if (o->nprints > 0) pthread_cond_timedwait(&o->cv, &o->mu, &deadline);
    }
    pthread_mutex_unlock(&o->mu);
    pthread_mutex_destroy(&o->mu);
    pthread_cond_destroy(&o->cv);
    free(o);
}
