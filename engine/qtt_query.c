/* qtt_query.c - the conformance runner's SELECT statements: run like /query-stream answers them, and compared.
 *
 * The engine runs in deterministic mode, so eddy_engine_push_start only
 * creates the query and the runner steps it on its own thread
 * (eddy_engine_push_run_until_idle) until it ended or has no input left.
 * The rows are written with the REST API's value encodings
 * (eddy_value_write_json with rest = true) into the response upstream's
 * RQTT harness sees: a header {queryId, schema}, one {"row": {"columns"}}
 * per row, and a finalMessage: "Limit Reached" when the LIMIT was hit,
 * "Query Completed" when a pull query read to the end.  That text is parsed
 * back with the runner's lenient parser, so numbers keep their exact text
 * for the comparison (DECIMAL scale).
 */
#include "engine/qtt_internal.h"

#include "base/arena.h"
#include "schemas/serde.h"
#include "sql/catalog.h"
#include "sql/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void eddy_qtt_query_fini(eddy_qtt_query *q) {
    if (!q) return;
    json_decref(q->response);
    json_decref(q->numbers);
    json_decref(q->error);
    eddy_schema_free(q->columns);
    free(q->skip);
    memset(q, 0, sizeof *q);
}

/* What the callbacks collect. */
typedef struct collect {
    const eddy_schema *cols;
    eddy_strbuf rows;   /* ",{"row":...}" per row */
    int64_t nrows;
    bool ended;
    char *error;        /* the query failed (heap) */
} collect;

static int collect_rows(void *ud, const eddy_batch *b) {
    collect *c = ud;
    for (size_t r = 0; r < b->count; r++) {
        eddy_strbuf_puts(&c->rows, ",{\"row\":{\"columns\":[");
        for (int i = 0; i < b->ncols; i++) {
            if (i) eddy_strbuf_putc(&c->rows, ',');
            const eddy_type *t = c->cols && i < c->cols->ncols ? c->cols->cols[i].type : NULL;
            eddy_value_write_json(&b->rows[r].cols[i], t, true, &c->rows);
        }
        eddy_strbuf_puts(&c->rows, (b->rows[r].flags & EDDY_ROW_NULL_VALUE) ? "],\"tombstone\":true}}" : "]}}");
        c->nrows++;
    }
    return 0;
}

static void collect_done(void *ud, const char *error) {
    collect *c = ud;
    c->ended = true;
    if (error && !c->error) c->error = strdup(error);
}

/* The SELECT's FROM source, its joins and LIMIT, read from the statement
 * (the engine does not say them).  *table: the source is a table; *pull: no
 * EMIT clause. */
static void inspect(eddy_engine *eng, const char *sql, bool *table, bool *pull, bool *has_limit, int64_t *limit) {
    eddy_arena *arena = eddy_arena_new();
    eddy_list stmts = {0};
    eddy_err err;
    *table = *pull = *has_limit = false;
    *limit = 0;
    if (!arena) return;
    if (eddy_parse(sql, arena, &stmts, &err) == 0 && stmts.n == 1 &&
        ((eddy_stmt *)stmts.items[0])->kind == EDDY_STMT_QUERY) {
        const eddy_query *q = ((eddy_stmt *)stmts.items[0])->u.query;
        eddy_catalog *cat = eddy_engine_catalog(eng);
        const eddy_source *src = q->from.name ? eddy_catalog_find_source(cat, q->from.name) : NULL;
        if (!src && q->from.name) src = eddy_catalog_find_source_nocase(cat, q->from.name);
        *table = src && src->kind == EDDY_SOURCE_TABLE;
        for (int i = 0; i < q->joins.n && !*table; i++) {
            const eddy_join *j = q->joins.items[i];
            const eddy_source *r = j->right.name ? eddy_catalog_find_source_nocase(cat, j->right.name) : NULL;
            *table = r && r->kind == EDDY_SOURCE_TABLE;
        }
        *pull = q->emit == EDDY_EMIT_NONE;
        *has_limit = q->has_limit;
        *limit = q->limit;
    }
    eddy_arena_destroy(arena);
}

int eddy_qtt_query_run(const eddy_qtt_run *run, eddy_engine *eng, const char *sql, json_t *props, eddy_qtt_query *out,
                       eddy_err *err) {
    collect c = {.rows = EDDY_STRBUF_INIT};
    eddy_strbuf text = EDDY_STRBUF_INIT;
    eddy_push_info info;
    json_t *error = NULL;
    bool table, pull, has_limit;
    int64_t limit;
    int status = 0, rc = 0;
    (void)run;
    memset(out, 0, sizeof *out);

    inspect(eng, sql, &table, &pull, &has_limit, &limit);
    eddy_push_request req = {.sql = sql,
                             .properties = json_is_object(props) ? props : NULL,
                             .rows = collect_rows,
                             .done = collect_done,
                             .ud = &c};
    if (eddy_engine_push_start(eng, &req, &info, &error, &status)) {
        out->error = error ? error : json_pack("{s:s}", "message", "(no message)");
        out->status = status;
        return 0;
    }
    c.cols = info.columns;
    eddy_err qerr;
    eddy_err_clear(&qerr);
    int qrc = eddy_engine_push_run_until_idle(eng, info.query_id, &qerr);
    if (qrc && !c.error) c.error = strdup(qerr.msg);
    eddy_engine_push_close(eng, info.query_id);
    if (c.error) {
        out->runtime_error = true;
        out->error = json_pack("{s:s}", "message", c.error);
        out->status = 500;
        goto done;
    }

    /* The header as the REST API writes it: KEY marks only in pull queries
     * on tables (whose key is the table's primary key). */
    eddy_strbuf schema = EDDY_STRBUF_INIT;
    for (int i = 0; i < info.columns->ncols; i++) {
        if (i) eddy_strbuf_puts(&schema, ", ");
        eddy_strbuf_printf(&schema, "`%s` ", info.columns->cols[i].name);
        eddy_type_format(info.columns->cols[i].type, &schema);
        if (info.is_pull && table && info.columns->cols[i].ns == EDDY_COL_KEY) eddy_strbuf_puts(&schema, " KEY");
    }
    json_t *header = json_pack("{s:{s:s,s:s}}", "header", "queryId", info.query_id, "schema",
                               eddy_strbuf_cstr(&schema));
    char *htext = header ? json_dumps(header, JSON_COMPACT) : NULL;
    json_decref(header);
    eddy_strbuf_fini(&schema);
    eddy_strbuf_printf(&text, "[%s%s", htext ? htext : "{}", eddy_strbuf_cstr(&c.rows));
    free(htext);
    if (c.ended) {
        bool reached = has_limit && c.nrows >= limit;
        if (reached) eddy_strbuf_puts(&text, ",{\"finalMessage\":\"Limit Reached\"}");
        else if (info.is_pull) eddy_strbuf_puts(&text, ",{\"finalMessage\":\"Query Completed\"}");
    }
    eddy_strbuf_putc(&text, ']');
    out->columns = info.columns;
    info.columns = NULL;
    if ((rc = eddy_qtt_parse(eddy_strbuf_cstr(&text), text.len, &out->response, &out->numbers, err))) {
        eddy_err_set(err, rc, "the runner wrote a query response it cannot read back: %s", err->msg);
        goto done;
    }
done:
    eddy_push_info_fini(&info);
    eddy_strbuf_fini(&c.rows);
    eddy_strbuf_fini(&text);
    free(c.error);
    return rc;
}

/* ---- comparing -------------------------------------------------------------- */

/* An expected row {"row": {"columns": [...]}} (exp at exp_ptr in the case)
 * against actual row element k of the response.  Only the fields listed
 * are compared; columns with upstream's value comparison. */
static bool row_matches(const eddy_qtt_run *run, json_t *exp, const char *exp_ptr, const eddy_qtt_query *q, size_t k,
                        eddy_strbuf *why) {
    json_t *act = json_object_get(json_array_get(q->response, k), "row");
    json_t *erow = json_object_get(exp, "row");
    const char *f;
    json_t *v;
    if (!json_is_object(erow) || !json_is_object(act)) return false;
    json_object_foreach(erow, f, v) {
        json_t *a = json_object_get(act, f);
        if (strcmp(f, "columns") != 0) {
            if (!a || !json_equal(v, a)) {
                if (why) eddy_strbuf_printf(why, "field %s differs", f);
                return false;
            }
            continue;
        }
        if (!json_is_array(v) || !json_is_array(a) || json_array_size(v) != json_array_size(a)) {
            if (why)
                eddy_strbuf_printf(why, "expected %zu columns, got %zu", json_is_array(v) ? json_array_size(v) : 0,
                                   json_is_array(a) ? json_array_size(a) : 0);
            return false;
        }
        for (size_t i = 0; i < json_array_size(v); i++) {
            char ep[512], ap[64], path[32];
            snprintf(ep, sizeof ep, "%s/row/columns/%zu", exp_ptr, i);
            snprintf(ap, sizeof ap, "/%zu/row/columns/%zu", k, i);
            snprintf(path, sizeof path, "column %zu", i + 1);
            const eddy_type *t = q->columns && (int)i < q->columns->ncols ? q->columns->cols[i].type : NULL;
            if (!eddy_qtt_value_matches(run, json_array_get(v, i), ep, json_array_get(a, i), q->numbers, ap, t, path,
                                        why))
                return false;
        }
    }
    return true;
}

static void append_json(eddy_strbuf *sb, json_t *j) {
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    eddy_strbuf_puts(sb, s ? s : "nothing");
    free(s);
}

bool eddy_qtt_query_matches(const eddy_qtt_run *run, json_t *exp, const char *exp_ptr, const eddy_qtt_query *q,
                            const char *path, eddy_strbuf *diff) {
    size_t nact = json_array_size(q->response);
    size_t erows = 0, arows = 0;
    bool ok = true;
    json_t *e;
    size_t i;
    if (!json_is_array(exp)) {
        eddy_strbuf_printf(diff, "    %s: the expected query response is not an array\n", path);
        return false;
    }
    bool *used = calloc(nact ? nact : 1, sizeof *used);
    if (!used) return false;
    for (size_t k = 0; k < nact; k++) arows += json_object_get(json_array_get(q->response, k), "row") != NULL;
    json_array_foreach(exp, i, e) erows += json_object_get(e, "row") != NULL;
    if (erows != arows) {
        eddy_strbuf_printf(diff, "    %s: expected %zu rows, got %zu\n", path, erows, arows);
        ok = false;
    }
    json_array_foreach(exp, i, e) {
        json_t *h = json_object_get(e, "header"), *fm = json_object_get(e, "finalMessage");
        char ep[256];
        snprintf(ep, sizeof ep, "%s/%zu", exp_ptr, i);
        if (h) {
            json_t *ah = json_object_get(json_array_get(q->response, 0), "header");
            const char *k;
            json_t *v;
            json_object_foreach(h, k, v) {
                json_t *a = json_object_get(ah, k);
                const char *bar = strchr(k, '|');
                bool m;
                if (bar && strcmp(bar, "|startsWith") == 0) {
                    char *field = strndup(k, (size_t)(bar - k));
                    a = field ? json_object_get(ah, field) : NULL;
                    free(field);
                    m = json_is_string(v) && json_is_string(a) &&
                        strncmp(json_string_value(a), json_string_value(v), strlen(json_string_value(v))) == 0;
                } else {
                    m = a && json_equal(v, a);
                }
                if (!m) {
                    eddy_strbuf_printf(diff, "    %s: header %s: expected ", path, k);
                    append_json(diff, v);
                    eddy_strbuf_puts(diff, ", got ");
                    append_json(diff, a);
                    eddy_strbuf_putc(diff, '\n');
                    ok = false;
                }
            }
        } else if (fm) {
            json_t *afm = json_object_get(json_array_get(q->response, nact ? nact - 1 : 0), "finalMessage");
            if (!afm || !json_equal(fm, afm)) {
                eddy_strbuf_printf(diff, "    %s: expected the final message ", path);
                append_json(diff, fm);
                eddy_strbuf_puts(diff, ", got ");
                append_json(diff, afm);
                eddy_strbuf_putc(diff, '\n');
                ok = false;
            }
        } else if (json_object_get(e, "row")) {
            /* Row order is ignored: the first unused actual row that matches. */
            size_t found = nact;
            for (size_t k = 0; k < nact && found == nact; k++)
                if (!used[k] && json_object_get(json_array_get(q->response, k), "row") &&
                    row_matches(run, e, ep, q, k, NULL))
                    found = k;
            if (found < nact) {
                used[found] = true;
                continue;
            }
            eddy_strbuf_printf(diff, "    %s: expected row ", path);
            append_json(diff, json_object_get(e, "row"));
            eddy_strbuf_puts(diff, " is missing\n");
            ok = false;
        }
    }
    if (erows == arows && !ok) {
        for (size_t k = 0; k < nact; k++) {
            json_t *r = json_object_get(json_array_get(q->response, k), "row");
            if (!r || used[k]) continue;
            eddy_strbuf_printf(diff, "    %s: unexpected row ", path);
            append_json(diff, r);
            eddy_strbuf_putc(diff, '\n');
        }
    } else if (erows != arows) {
        eddy_strbuf_printf(diff, "    %s: actual rows:", path);
        size_t shown = 0;
        for (size_t k = 0; k < nact && shown < 20; k++) {
            json_t *r = json_object_get(json_array_get(q->response, k), "row");
            if (!r) continue;
            eddy_strbuf_putc(diff, ' ');
            append_json(diff, json_object_get(r, "columns"));
            shown++;
        }
        eddy_strbuf_putc(diff, '\n');
    }
    free(used);
    return ok;
}
