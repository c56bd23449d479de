/* fuzz_parser.c - libFuzzer target: the SQL parser must never crash, leak or
 * return anything but 0, EDDY_PARSE or EDDY_NOMEM on any input. */
#include "base/strbuf.h"
#include "sql/parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Formats every expression reachable from a query, to exercise the printer. */
static void format_query(const eddy_query *q, eddy_strbuf *sb) {
    if (!q) return;
    for (int i = 0; i < q->items.n; i++) {
        const eddy_select_item *it = q->items.items[i];
        eddy_expr_format(it->expr, sb);
    }
    for (int i = 0; i < q->joins.n; i++) eddy_expr_format(((const eddy_join *)q->joins.items[i])->on, sb);
    if (q->where) eddy_expr_format(q->where, sb);
    for (int i = 0; i < q->group_by.n; i++) eddy_expr_format(q->group_by.items[i], sb);
    for (int i = 0; i < q->partition_by.n; i++) eddy_expr_format(q->partition_by.items[i], sb);
    if (q->having) eddy_expr_format(q->having, sb);
}

static void check_rc(int rc, const eddy_err *err) {
    if (rc != 0 && rc != EDDY_PARSE && rc != EDDY_NOMEM) abort();
    if (rc == EDDY_PARSE && (err->line < 1 || err->col < 1 || strncmp(err->msg, "line ", 5) != 0)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *sql = malloc(size + 1);
    if (!sql) return 0;
    memcpy(sql, data, size);
    sql[size] = '\0';

    eddy_arena *a = eddy_arena_new();
    eddy_list stmts = {0, 0, NULL};
    eddy_err err;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    int rc = eddy_parse(sql, a, &stmts, &err);
    check_rc(rc, &err);
    for (int i = 0; rc == 0 && i < stmts.n; i++) {
        const eddy_stmt *s = stmts.items[i];
        if (!s->text) abort();
        if (s->kind == EDDY_STMT_QUERY) format_query(s->u.query, &sb);
        if (s->kind == EDDY_STMT_CREATE_AS_SELECT) format_query(s->u.create.query, &sb);
        if (s->kind == EDDY_STMT_INSERT_SELECT) format_query(s->u.insert.query, &sb);
        for (int j = 0; s->kind == EDDY_STMT_INSERT_VALUES && j < s->u.insert.values.n; j++)
            eddy_expr_format(s->u.insert.values.items[j], &sb);
    }
    eddy_arena_destroy(a);

    a = eddy_arena_new();
    eddy_expr *e = NULL;
    rc = eddy_parse_expr(sql, a, &e, &err);
    check_rc(rc, &err);
    if (rc == 0) eddy_expr_format(e, &sb);
    eddy_arena_destroy(a);

    a = eddy_arena_new();
    eddy_type *t = NULL;
    rc = eddy_parse_type(sql, a, &t, &err);
    check_rc(rc, &err);
    if (rc == 0) eddy_type_format(t, &sb);
    eddy_arena_destroy(a);

    eddy_strbuf_fini(&sb);
    free(sql);
    return 0;
}
