/* push.c - transient queries for /query-stream and /query: push queries (EMIT CHANGES) and pull queries.
 *
 * A pull query on a stream is a query that reads its topic to the end.  A
 * pull query on a table is planned and answered by engine/pull.c while the
 * request starts (so that its errors are the request's), and the answer is
 * delivered like a query's rows: from a thread of its own, or by
 * eddy_engine_push_run_until_idle in deterministic mode.
 */
#include "engine/engine_internal.h"

#include "engine/entities.h"
#include "engine/pull.h"
#include "sql/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void eddy_push_info_fini(eddy_push_info *info) {
    free(info->query_id);
    eddy_schema_free(info->columns);
    memset(info, 0, sizeof *info);
}

typedef struct push_ctx {
    eddy_push_rows_fn rows;
    eddy_push_done_fn done;
    void *ud;
    bool ended;  /* deterministic mode: done was called */
    /* A pull query on a table: its answer, delivered once. */
    eddy_batch *answer;
    pthread_t thread;  /* delivers the answer (stream threads running) */
    bool has_thread;
} push_ctx;

static void ctx_free(push_ctx *c) {
    if (!c) return;
    if (c->has_thread) pthread_join(c->thread, NULL);
    if (c->answer) eddy_batch_fini(c->answer);
    free(c->answer);
    free(c);
}

/* Frees a context of e->push_ctx (for eddy_engine_close: a pull query's
 * context owns its answer and may have a thread to wait for).  NULL is a no-op. */
void eddy_engine_push_ctx_free(void *ctx) { ctx_free(ctx); }

/* Hands the answer of a pull query on a table to the client, then ends it. */
static void deliver_answer(push_ctx *c) {
    if (c->answer->count) c->rows(c->ud, c->answer);
    if (c->done) c->done(c->ud, NULL);
}

static void *answer_main(void *arg) {
    deliver_answer(arg);
    return NULL;
}

static int push_rows(void *ud, const eddy_batch *rows) {
    push_ctx *c = ud;
    return c->rows(c->ud, rows);
}

static void push_done(void *ud, eddy_qrun *q, const char *error) {
    push_ctx *c = ud;
    (void)q;
    if (c->done) c->done(c->ud, error);
}

/* A random positive 63-bit number for transient query ids. */
static uint64_t random_id(void) {
    uint64_t x = (uint64_t)eddy_log_now_ms() * 6364136223846793005ULL ^ (uint64_t)(uintptr_t)&x;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x & 0x7fffffffffffffffULL;
}

static int fail_with(json_t **error, int *status, int http, int code, const char *msg, const char *sql) {
    *status = http;
    *error = eddy_entity_statement_error(code, msg, sql, NULL);
    return EDDY_ANALYSIS;
}

/* A boolean setting: the request's property (JSON boolean or text), else the
 * server's configuration; true unless it says false. */
static bool setting_true(eddy_engine *e, const json_t *props, const char *name) {
    json_t *p = json_is_object(props) ? json_object_get(props, name) : NULL;
    const char *v = json_is_string(p)    ? json_string_value(p)
                    : json_is_boolean(p) ? (json_is_true(p) ? "true" : "false")
                                         : eddy_config_get(e->config, name);
    return !(v && strcasecmp(v, "false") == 0);
}

/* Registers a transient query's context under id (the engine's lists). */
static int register_ctx(eddy_engine *e, const char *id, push_ctx *ctx) {
    int rc = EDDY_NOMEM;
    pthread_mutex_lock(&e->mu);
    push_ctx **v = realloc(e->push_ctx, (size_t)(e->npush + 1) * sizeof *v);
    char **ids = realloc(e->push_ids, (size_t)(e->npush + 1) * sizeof *ids);
    if (v) e->push_ctx = (void **)v;
    if (ids) e->push_ids = ids;
    if (v && ids && (ids[e->npush] = strdup(id))) {
        e->push_ctx[e->npush++] = ctx;
        rc = 0;
    }
    pthread_mutex_unlock(&e->mu);
    return rc;
}

/* eddy_pull_read_fn over the engine's tables. */
static int read_table(void *ud, const char *name, const eddy_value *key, int64_t wlo, int64_t whi, eddy_batch *out,
                      eddy_err *err) {
    return eddy_engine_table_read(ud, name, key, wlo, whi, out, err);
}

/* A pull query: the checks every pull query gets; then, when its source is a
 * table, its answer (*answered; info filled, the context registered).  A
 * pull query on a stream goes on as a query that reads to the end. */
static int start_pull(eddy_engine *e, const eddy_push_request *req, const eddy_query *q, const char *sql,
                      eddy_push_info *info, json_t **error, int *http_status, bool *answered) {
    eddy_pull_settings ps = {
        .table_scan_enabled = setting_true(e, req->properties, "ksql.query.pull.table.scan.enabled")};
    eddy_pull *plan = NULL;
    eddy_batch *answer = NULL;
    push_ctx *ctx = NULL;
    char *topic = NULL;
    eddy_err err;
    int rc;
    eddy_err_clear(&err);
    *answered = false;
    pthread_mutex_lock(&e->mu);
    const eddy_source *src = q->from.name ? eddy_catalog_find_source(e->catalog, q->from.name) : NULL;
    rc = eddy_pull_check(q, src ? src->schema : NULL, &err);
    bool table = !rc && src && src->kind == EDDY_SOURCE_TABLE;
    if (table && !(rc = eddy_pull_plan(src, q, &ps, &plan, &err)) && !(topic = strdup(src->topic)))
        rc = eddy_err_set(&err, EDDY_NOMEM, "out of memory");
    pthread_mutex_unlock(&e->mu);
    if (rc) goto fail;
    if (!table) return 0;
    *answered = true;

    eddy_log_topic_config tc;
    eddy_err ignored;
    eddy_log_topic_config_init(&tc);
    if (eddy_log_topic_describe(e->log, topic, &tc, &ignored) || tc.partitions < 1) tc.partitions = 1;
    eddy_pull_source from = {.read = read_table, .ud = e, .partitions = tc.partitions};
    if (!(answer = calloc(1, sizeof *answer)) || eddy_batch_init(answer, eddy_pull_columns(plan)->ncols)) {
        free(answer);
        answer = NULL;
        rc = eddy_err_set(&err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    if ((rc = eddy_pull_run(plan, &from, answer, NULL, &err))) goto fail;

    char id[256];
    snprintf(id, sizeof id, "transient_%s_%llu", eddy_pull_table(plan), (unsigned long long)random_id());
    info->query_id = strdup(id);
    info->columns = eddy_schema_copy(eddy_pull_columns(plan));
    info->is_pull = true;
    if (!info->query_id || !info->columns || !(ctx = calloc(1, sizeof *ctx))) {
        rc = eddy_err_set(&err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    ctx->rows = req->rows;
    ctx->done = req->done;
    ctx->ud = req->ud;
    ctx->answer = answer;
    answer = NULL;
    if ((rc = register_ctx(e, id, ctx))) {
        eddy_err_set(&err, rc, "out of memory");
        goto fail;
    }
    /* From here on ctx belongs to the engine's list (eddy_engine_push_close). */
    if (!e->opts.deterministic) {
        if (pthread_create(&ctx->thread, NULL, answer_main, ctx) == 0) {
            ctx->has_thread = true;
        } else {
            eddy_engine_push_close(e, id);
            ctx = NULL;
            rc = eddy_err_set(&err, EDDY_INTERNAL, "cannot start the pull query's thread");
            goto fail;
        }
    }
    eddy_pull_destroy(plan);
    free(topic);
    return 0;
fail:
    if (ctx && !ctx->has_thread) {
        bool listed = false;
        pthread_mutex_lock(&e->mu);
        for (int i = 0; i < e->npush; i++) listed |= e->push_ctx[i] == ctx;
        pthread_mutex_unlock(&e->mu);
        if (!listed) ctx_free(ctx);
    }
    if (answer) eddy_batch_fini(answer);
    free(answer);
    eddy_pull_destroy(plan);
    free(topic);
    *answered = true;
    eddy_push_info_fini(info);
    return fail_with(error, http_status, rc == EDDY_NOMEM || rc == EDDY_INTERNAL ? 500 : 400,
                     rc == EDDY_NOMEM || rc == EDDY_INTERNAL ? EDDY_HTTP_ERR_SERVER_ERROR : EDDY_HTTP_ERR_BAD_STATEMENT,
                     err.msg, sql);
}

int eddy_engine_push_start(eddy_engine *e, const eddy_push_request *req, eddy_push_info *info, json_t **error,
                           int *http_status) {
    eddy_arena *arena = eddy_arena_new();
    eddy_list stmts = {0};
    eddy_err err;
    eddy_plan *plan = NULL;
    eddy_qrun *q = NULL;
    char *sql = NULL;
    int rc;
    memset(info, 0, sizeof *info);
    *error = NULL;
    *http_status = 200;
    eddy_err_clear(&err);
    if (!arena) return fail_with(error, http_status, 500, EDDY_HTTP_ERR_SERVER_ERROR, "out of memory", req->sql);

    /* ${var} substitution, as on /ksql. */
    eddy_vars *vars = eddy_vars_new();
    if (vars && json_is_object(req->session_variables)) {
        const char *k;
        json_t *v;
        json_object_foreach(req->session_variables, k, v) if (json_is_string(v))
            eddy_vars_set(vars, k, json_string_value(v));
    }
    rc = eddy_vars_substitute(vars, req->sql ? req->sql : "", &sql, &err);
    eddy_vars_destroy(vars);
    if (rc) {
        rc = fail_with(error, http_status, 400, EDDY_HTTP_ERR_BAD_STATEMENT, err.msg, req->sql);
        goto done;
    }
    /* A trailing ';' is optional here (parse a copy without it). */
    char *text = eddy_arena_strdup(arena, sql);
    size_t len = text ? strlen(text) : 0;
    while (len && (text[len - 1] == ';' || text[len - 1] == ' ' || text[len - 1] == '\n')) text[--len] = '\0';
    eddy_stmt *one = NULL;
    if (!text || eddy_engine_parse_one(text, 1, 1, arena, &one, &err)) {
        rc = fail_with(error, http_status, 400, EDDY_HTTP_ERR_BAD_STATEMENT, err.msg, sql);
        goto done;
    }
    eddy_list_push(arena, &stmts, one);
    if (stmts.n != 1 || ((eddy_stmt *)stmts.items[0])->kind != EDDY_STMT_QUERY) {
        rc = fail_with(error, http_status, 400, EDDY_HTTP_ERR_BAD_STATEMENT,
                       "The query endpoints take exactly one SELECT statement; send other statements to /ksql", sql);
        goto done;
    }
    const eddy_stmt *st = stmts.items[0];
    bool pull = st->u.query->emit == EDDY_EMIT_NONE;
    if (pull && st->u.query->has_limit) {
        if (!setting_true(e, req->properties, "ksql.query.pull.limit.clause.enabled")) {
            rc = fail_with(error, http_status, 400, EDDY_HTTP_ERR_BAD_STATEMENT,
                           "LIMIT clause in pull queries is currently disabled. You can enable them by setting "
                           "ksql.query.pull.limit.clause.enabled=true. See https://cnfl.io/queries for more info.\n"
                           "Add EMIT CHANGES if you intended to issue a push query.",
                           sql);
            goto done;
        }
        if (st->u.query->limit < 0) {
            rc = fail_with(error, http_status, 400, EDDY_HTTP_ERR_BAD_STATEMENT,
                           "Pull queries don't support negative integers in the LIMIT clause. See "
                           "https://cnfl.io/queries for more info.",
                           sql);
            goto done;
        }
    }

    if (pull) {
        bool answered = false;
        rc = start_pull(e, req, st->u.query, sql, info, error, http_status, &answered);
        if (rc || answered) goto done;
    }

    /* Plan against the catalog (read under the engine's lock). */
    eddy_exec x = {0};
    json_t *props = json_is_object(req->properties) ? req->properties : NULL;
    x.engine = e;
    x.props = props;
    eddy_plan_settings set;
    eddy_exec_plan_settings(&x, &set);
    pthread_mutex_lock(&e->mu);
    rc = eddy_plan_query(e->catalog, st, &set, &plan, &err);
    pthread_mutex_unlock(&e->mu);
    if (rc) {
        rc = fail_with(error, http_status, rc == EDDY_NOMEM ? 500 : 400, EDDY_HTTP_ERR_BAD_STATEMENT, err.msg, sql);
        goto done;
    }
    if (!e->runtime && !e->opts.deterministic) {
        rc = fail_with(error, http_status, 400, EDDY_HTTP_ERR_BAD_STATEMENT,
                       "Push queries need the stream threads (not available in the test driver)", sql);
        goto done;
    }

    char id[256];
    snprintf(id, sizeof id, "transient_%s_%llu", plan->source->name, (unsigned long long)random_id());
    info->query_id = strdup(id);
    info->columns = eddy_schema_copy(plan->sink->schema);
    info->is_pull = pull;
    push_ctx *ctx = calloc(1, sizeof *ctx);
    if (!info->query_id || !info->columns || !ctx) {
        free(ctx);
        rc = fail_with(error, http_status, 500, EDDY_HTTP_ERR_SERVER_ERROR, "out of memory", sql);
        goto done;
    }
    ctx->rows = req->rows;
    ctx->done = req->done;
    ctx->ud = req->ud;

    const char *reset = NULL;
    json_t *r = props ? json_object_get(props, "ksql.streams.auto.offset.reset") : NULL;
    if (!r && props) r = json_object_get(props, "auto.offset.reset");
    reset = json_is_string(r) ? json_string_value(r) : eddy_config_get(e->config, "ksql.streams.auto.offset.reset");
    eddy_qrun_opts o = {0};
    o.query_id = id;
    o.from_earliest = pull || (reset && strcasecmp(reset, "earliest") == 0);
    o.until_end = pull;
    o.rows = push_rows;
    o.rows_ud = ctx;
    o.on_error = eddy_engine_processing_log;
    o.error_ud = e;
    eddy_engine_state_opts(e, props, &o);
    rc = eddy_qrun_new(e->log, plan, &o, &q, &err);
    plan = NULL;
    if (rc) {
        free(ctx);
        rc = fail_with(error, http_status, 400, EDDY_HTTP_ERR_BAD_STATEMENT, err.msg, sql);
        goto done;
    }
    /* The context lives as long as the query: freed by eddy_engine_push_close. */
    if (register_ctx(e, id, ctx) == 0) ctx = NULL;
    if (ctx) {
        free(ctx);
        eddy_qrun_destroy(q);
        rc = fail_with(error, http_status, 500, EDDY_HTTP_ERR_SERVER_ERROR, "out of memory", sql);
        goto done;
    }
    if (!e->runtime) {
        /* Deterministic mode: the caller steps it (eddy_engine_push_run_until_idle). */
        pthread_mutex_lock(&e->mu);
        eddy_qrun **pq = realloc(e->pushq, (size_t)(e->npushq + 1) * sizeof *pq);
        if (pq) {
            e->pushq = pq;
            pq[e->npushq++] = q;
            q = NULL;
        }
        pthread_mutex_unlock(&e->mu);
        if (q) {
            eddy_qrun_destroy(q);
            eddy_engine_push_close(e, id);
            rc = fail_with(error, http_status, 500, EDDY_HTTP_ERR_SERVER_ERROR, "out of memory", sql);
        }
        goto done;
    }
    rc = eddy_runtime_start(e->runtime, q, push_done, e->push_ctx[e->npush - 1], &err);
    if (rc) {
        eddy_engine_push_close(e, id); /* unregisters and frees the context */
        rc = fail_with(error, http_status, 500, EDDY_HTTP_ERR_SERVER_ERROR, err.msg, sql);
    }
done:
    if (rc) eddy_push_info_fini(info);
    eddy_plan_destroy(plan);
    free(sql);
    eddy_arena_destroy(arena);
    return rc;
}

bool eddy_engine_push_exists(eddy_engine *e, const char *query_id) {
    for (int i = 0; i < e->npush; i++)
        if (strcasecmp(e->push_ids[i], query_id) == 0) return true;
    return false;
}

bool eddy_engine_push_terminate(eddy_engine *e, const char *query_id) {
    push_ctx *ctx = NULL;
    /* The caller holds e->mu (TERMINATE runs as a statement). */
    for (int i = 0; i < e->npush; i++)
        if (strcasecmp(e->push_ids[i], query_id) == 0) ctx = e->push_ctx[i];
    if (!ctx) return false;
    if (ctx->done) ctx->done(ctx->ud, NULL); /* the REST side ends the response and closes the query */
    return true;
}

int eddy_engine_push_close(eddy_engine *e, const char *query_id) {
    void *ctx = NULL;
    pthread_mutex_lock(&e->mu);
    for (int i = 0; i < e->npush; i++) {
        if (strcmp(e->push_ids[i], query_id) == 0) {
            ctx = e->push_ctx[i];
            free(e->push_ids[i]);
            memmove(e->push_ids + i, e->push_ids + i + 1, (size_t)(e->npush - i - 1) * sizeof *e->push_ids);
            memmove(e->push_ctx + i, e->push_ctx + i + 1, (size_t)(e->npush - i - 1) * sizeof *e->push_ctx);
            e->npush--;
            break;
        }
    }
    pthread_mutex_unlock(&e->mu);
    if (!ctx) return EDDY_NOTFOUND;
    if (((push_ctx *)ctx)->answer) {
        ctx_free(ctx); /* a pull query on a table: waits for its thread */
        return 0;
    }
    /* Stopping waits until no stream thread is inside the query, so the
     * callbacks are done with ctx afterwards. */
    if (e->runtime) {
        eddy_runtime_stop(e->runtime, query_id);
    } else {
        eddy_qrun *q = NULL;
        pthread_mutex_lock(&e->mu);
        for (int i = 0; i < e->npushq; i++) {
            if (strcmp(eddy_qrun_id(e->pushq[i]), query_id) == 0) {
                q = e->pushq[i];
                memmove(e->pushq + i, e->pushq + i + 1, (size_t)(e->npushq - i - 1) * sizeof *e->pushq);
                e->npushq--;
                break;
            }
        }
        pthread_mutex_unlock(&e->mu);
        eddy_qrun_destroy(q);
    }
    free(ctx);
    return 0;
}

int eddy_engine_push_run_until_idle(eddy_engine *e, const char *query_id, eddy_err *err) {
    eddy_qrun *q = NULL;
    push_ctx *ctx = NULL;
    pthread_mutex_lock(&e->mu);
    for (int i = 0; i < e->npushq; i++)
        if (strcmp(eddy_qrun_id(e->pushq[i]), query_id) == 0) q = e->pushq[i];
    for (int i = 0; i < e->npush; i++)
        if (strcmp(e->push_ids[i], query_id) == 0) ctx = e->push_ctx[i];
    pthread_mutex_unlock(&e->mu);
    if (ctx && ctx->answer && !ctx->has_thread) {
        if (!ctx->ended) {
            ctx->ended = true;
            deliver_answer(ctx);
        }
        return 0;
    }
    if (!q || !ctx) return eddy_err_set(err, EDDY_NOTFOUND, "no push query %s in deterministic mode", query_id);
    if (ctx->ended) return 0;
    bool w = true;
    while (w && !eddy_qrun_done(q)) {
        int rc = eddy_qrun_step(q, &w, err);
        if (rc) {
            ctx->ended = true;
            if (ctx->done) ctx->done(ctx->ud, err->msg);
            return rc;
        }
    }
    if (eddy_qrun_done(q)) {
        ctx->ended = true;
        if (ctx->done) ctx->done(ctx->ud, NULL);
    }
    return 0;
}
