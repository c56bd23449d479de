/* pull_harness.h - tables, queries and a fake table reader for the engine_pull tests.
 *
 * h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_NONE) makes the catalog
 * source AGG (topic AGG, KAFKA keys, JSON values); h_plan(sql, scan) parses
 * one SELECT and plans it against the table (failing the test on an error),
 * h_plan_error returns the planner's message instead.  h_row appends a row
 * of the table to the fake state (values as ksqlDB literals: '10', 3, NULL),
 * and h_run runs the plan against it, recording every read the plan makes
 * in h_reads ("*" for a whole read, else the key's values, then [wlo,whi]).
 */
#ifndef EDDY_TESTS_PULL_HARNESS_H
#define EDDY_TESTS_PULL_HARNESS_H

#include "engine/expr.h"
#include "engine/fn.h"
#include "engine/pull.h"
#include "sql/parse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static eddy_arena *H;
static eddy_source *h_src;
static eddy_pull *h_pull;
static eddy_batch h_state;      /* the table's rows */
static eddy_batch h_out;        /* the last answer */
static eddy_strbuf h_reads;
static eddy_err h_err;

static inline int h_setup(void **state) {
    (void)state;
    H = eddy_arena_new();
    h_src = NULL;
    h_pull = NULL;
    memset(&h_state, 0, sizeof h_state);
    memset(&h_out, 0, sizeof h_out);
    eddy_strbuf_init(&h_reads);
    memset(&h_err, 0, sizeof h_err);
    if (eddy_functions_register_builtin(&h_err)) return -1;
    return H ? 0 : -1;
}

static inline int h_teardown(void **state) {
    (void)state;
    eddy_pull_destroy(h_pull);
    eddy_source_free(h_src);
    if (h_state.arena) eddy_batch_fini(&h_state);
    if (h_out.arena) eddy_batch_fini(&h_out);
    eddy_strbuf_fini(&h_reads);
    eddy_arena_destroy(H);
    H = NULL;
    return 0;
}

#define H_TEST(fn) cmocka_unit_test_setup_teardown(fn, h_setup, h_teardown)

/* The table AGG with columns "NAME TYPE [KEY], ..." (types as ksqlDB text). */
static inline void h_table(const char *columns, eddy_window_type wt) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", columns);
    eddy_source_free(h_src);
    if (h_state.arena) eddy_batch_fini(&h_state);
    memset(&h_state, 0, sizeof h_state);
    h_src = calloc(1, sizeof *h_src);
    assert_non_null(h_src);
    h_src->name = strdup("AGG");
    h_src->topic = strdup("AGG");
    h_src->kind = EDDY_SOURCE_TABLE;
    h_src->schema = eddy_schema_new();
    h_src->key_fmt.format = strdup("KAFKA");
    h_src->key_fmt.wrap_single = -1;
    h_src->key_fmt.schema_id = -1;
    h_src->value_fmt.format = strdup("JSON");
    h_src->value_fmt.wrap_single = -1;
    h_src->value_fmt.schema_id = -1;
    h_src->window_type = wt;
    h_src->window_size_ms = wt == EDDY_WT_NONE || wt == EDDY_WT_SESSION ? 0 : 1000;
    for (char *save = NULL, *col = strtok_r(buf, ",", &save); col; col = strtok_r(NULL, ",", &save)) {
        while (*col == ' ') col++;
        char *sp = strchr(col, ' ');
        assert_non_null(sp);
        *sp = '\0';
        char *type = sp + 1;
        bool key = false;
        char *k = strstr(type, " KEY");
        if (k) {
            *k = '\0';
            key = true;
        }
        eddy_type *t = NULL;
        eddy_err err = {0};
        if (eddy_parse_type(type, H, &t, &err)) fail_msg("bad type '%s': %s", type, err.msg);
        assert_int_equal(eddy_schema_add(h_src->schema, col, eddy_type_ref(t), key ? EDDY_COL_KEY : EDDY_COL_VALUE, NULL), 0);
    }
    assert_int_equal(eddy_batch_init(&h_state, h_src->schema->ncols), 0);
}

static inline const eddy_query *h_query(const char *sql) {
    eddy_list stmts = {0};
    eddy_err err = {0};
    if (eddy_parse(sql, H, &stmts, &err)) fail_msg("cannot parse %s: %s", sql, err.msg);
    assert_int_equal(stmts.n, 1);
    const eddy_stmt *st = stmts.items[0];
    assert_int_equal(st->kind, EDDY_STMT_QUERY);
    return st->u.query;
}

static inline int h_try(const char *sql, bool scan) {
    eddy_pull_settings s = {.table_scan_enabled = scan};
    eddy_pull_destroy(h_pull);
    h_pull = NULL;
    memset(&h_err, 0, sizeof h_err);
    return eddy_pull_plan(h_src, h_query(sql), &s, &h_pull, &h_err);
}

static inline void h_plan(const char *sql, bool scan) {
    if (h_try(sql, scan)) fail_msg("planning %s failed: %s", sql, h_err.msg);
}

static inline const char *h_plan_error(const char *sql, bool scan) {
    if (h_try(sql, scan) == 0) fail_msg("planning %s succeeded", sql);
    return h_err.msg;
}

/* The header as the REST API writes it for a pull query on a table. */
static inline const char *h_header(void) {
    static char buf[1024];
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    const eddy_schema *s = eddy_pull_columns(h_pull);
    for (int i = 0; i < s->ncols; i++) {
        if (i) eddy_strbuf_puts(&sb, ", ");
        eddy_strbuf_printf(&sb, "`%s` ", s->cols[i].name);
        eddy_type_format(s->cols[i].type, &sb);
        if (s->cols[i].ns == EDDY_COL_KEY) eddy_strbuf_puts(&sb, " KEY");
    }
    snprintf(buf, sizeof buf, "%s", eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return buf;
}

/* The lookups of the plan: "*[lo,hi]" or "key1|key2[lo,hi]; ...". */
static inline const char *h_lookups(void) {
    static char buf[1024];
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    int64_t lo, hi;
    int n = eddy_pull_nlookups(h_pull);
    if (n < 0) {
        eddy_pull_lookup(h_pull, -1, &lo, &hi);
        eddy_strbuf_printf(&sb, "*[%lld,%lld]", (long long)lo, (long long)hi);
    }
    for (int i = 0; i < n; i++) {
        const eddy_value *k = eddy_pull_lookup(h_pull, i, &lo, &hi);
        if (i) eddy_strbuf_puts(&sb, "; ");
        for (int c = 0; c < eddy_schema_nkeys(h_src->schema); c++) {
            if (c) eddy_strbuf_putc(&sb, '|');
            eddy_value_format(&k[c], &sb);
        }
        eddy_strbuf_printf(&sb, "[%lld,%lld]", (long long)lo, (long long)hi);
    }
    snprintf(buf, sizeof buf, "%s", eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return buf;
}

/* A row of the table: ts, window, then its values as literals. */
static inline void h_row(int64_t ts, int64_t wstart, int64_t wend, const char *values) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", values);
    eddy_row *r = eddy_batch_append(&h_state);
    assert_non_null(r);
    r->ts = ts;
    if (h_src->window_type != EDDY_WT_NONE) {
        r->flags |= 4u; /* EDDY_ROW_WINDOWED */
        r->wstart = wstart;
        r->wend = wend;
    }
    int c = 0;
    for (char *save = NULL, *v = strtok_r(buf, ",", &save); v; v = strtok_r(NULL, ",", &save), c++) {
        eddy_expr *e = NULL;
        eddy_err err = {0};
        eddy_type *t = NULL;
        assert_true(c < h_src->schema->ncols);
        if (eddy_parse_expr(v, H, &e, &err)) fail_msg("bad literal %s: %s", v, err.msg);
        if (eddy_expr_eval_const(e, h_state.arena, &r->cols[c], &t, &err)) fail_msg("bad literal %s: %s", v, err.msg);
        eddy_type_unref(t);
    }
    assert_int_equal(c, h_src->schema->ncols);
}

/* The fake state: rows whose key columns equal key (all when NULL) and whose
 * window starts in [wlo, whi]. */
static inline int h_read(void *ud, const char *name, const eddy_value *key, int64_t wlo, int64_t whi, eddy_batch *out,
                         eddy_err *err) {
    (void)ud;
    (void)err;
    int nkeys = eddy_schema_nkeys(h_src->schema);
    assert_string_equal(name, "AGG");
    if (h_reads.len) eddy_strbuf_puts(&h_reads, "; ");
    if (!key) eddy_strbuf_puts(&h_reads, "*");
    for (int c = 0; key && c < nkeys; c++) {
        if (c) eddy_strbuf_putc(&h_reads, '|');
        eddy_value_format(&key[c], &h_reads);
    }
    for (size_t i = 0; i < h_state.count; i++) {
        const eddy_row *r = &h_state.rows[i];
        bool match = true;
        for (int c = 0; key && c < nkeys && match; c++) match = eddy_value_equal(&r->cols[c], &key[c]);
        if (h_src->window_type != EDDY_WT_NONE && (r->wstart < wlo || r->wstart > whi)) match = false;
        if (!match) continue;
        eddy_row *d = eddy_batch_append(out);
        if (!d) return EDDY_NOMEM;
        *d = (eddy_row){.cols = d->cols, .ts = r->ts, .offset = -1, .partition = -1, .flags = r->flags,
                        .wstart = r->wstart, .wend = r->wend};
        for (int c = 0; c < out->ncols; c++) d->cols[c] = eddy_value_copy(out->arena, &r->cols[c]);
    }
    return 0;
}

/* Runs the plan over the fake state; returns the rows as "v1,v2; ..." */
static inline const char *h_run(int32_t partitions) {
    static char buf[4096];
    eddy_pull_source src = {.read = h_read, .partitions = partitions};
    if (h_out.arena) eddy_batch_fini(&h_out);
    eddy_strbuf_reset(&h_reads);
    assert_int_equal(eddy_batch_init(&h_out, eddy_pull_columns(h_pull)->ncols), 0);
    if (eddy_pull_run(h_pull, &src, &h_out, NULL, &h_err)) fail_msg("run failed: %s", h_err.msg);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    for (size_t i = 0; i < h_out.count; i++) {
        if (i) eddy_strbuf_puts(&sb, "; ");
        for (int c = 0; c < h_out.ncols; c++) {
            if (c) eddy_strbuf_putc(&sb, ',');
            eddy_value_format(&h_out.rows[i].cols[c], &sb);
        }
    }
    snprintf(buf, sizeof buf, "%s", eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return buf;
}

#endif
