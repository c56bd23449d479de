/* test_keywords.c - non-reserved keywords as identifiers, reserved ones not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sql/parse.h"

#include <string.h>

static eddy_arena *arena;

static int setup(void **state) {
    (void)state;
    arena = eddy_arena_new();
    return arena ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    eddy_arena_destroy(arena);
    return 0;
}

static eddy_stmt *parse1(const char *sql) {
    eddy_list l = {0, 0, NULL};
    eddy_err err;
    int rc = eddy_parse(sql, arena, &l, &err);
    if (rc) fail_msg("%s: %s", sql, err.msg);
    assert_int_equal(l.n, 1);
    return l.items[0];
}

static void test_column_definitions_named_like_keywords(void **state) {
    (void)state;
    eddy_stmt *s = parse1("CREATE STREAM s (key STRING KEY, value INT, timestamp BIGINT, date DATE, time TIME, "
                          "type STRING, name STRING, session INT, source INT, sink INT, id INT, schema INT, "
                          "subject INT, header INT, headers INT HEADERS, grace INT, period INT, replace INT, "
                          "alter INT, add INT, column INT, emit INT, changes INT, final INT, escape INT, "
                          "map INT, array INT, struct INT, partition INT, show INT, set INT, if INT, "
                          "primary INT, interval INT, second INT, seconds INT, day INT, days INT, "
                          "explain INT, define INT, variables INT, plugins INT, system INT, timeout INT, "
                          "pause INT, resume INT, assert INT, functions INT, function INT, tables INT, "
                          "types INT, decimal INT, string INT, window_start INT) "
                          "WITH (kafka_topic='t', value_format='JSON');");
    assert_int_equal(s->u.create.elements.n, 54);
    eddy_table_element *e = s->u.create.elements.items[0];
    assert_string_equal(e->name, "KEY");
    assert_int_equal(e->ns, EDDY_COL_KEY);
    e = s->u.create.elements.items[14];
    assert_string_equal(e->name, "HEADERS");
    assert_int_equal(e->ns, EDDY_COL_HEADERS);
}

static void test_keyword_columns_in_expressions(void **state) {
    (void)state;
    eddy_stmt *s = parse1("SELECT key, value, timestamp, type, size_x, source, s.key, a->key, "
                          "TIMESTAMPTOSTRING(timestamp, 'yyyy'), REPLACE(value, 'a', 'b'), date + time "
                          "FROM s WHERE key = 'k' AND type IS NOT NULL EMIT CHANGES;");
    eddy_query *q = s->u.query;
    assert_int_equal(q->items.n, 11);
    eddy_select_item *it = q->items.items[0];
    assert_string_equal(it->expr->v.column.name, "KEY");
    it = q->items.items[9];
    assert_int_equal(it->expr->kind, EDDY_EX_FUNC);
    assert_string_equal(it->expr->v.func.name, "REPLACE");
    assert_int_equal(q->emit, EDDY_EMIT_CHANGES);
}

static void test_keyword_aliases_and_sources(void **state) {
    (void)state;
    eddy_stmt *s = parse1("SELECT a AS key, b value, c AS emit FROM source s2 EMIT CHANGES;");
    eddy_query *q = s->u.query;
    assert_string_equal(((eddy_select_item *)q->items.items[0])->alias, "KEY");
    assert_string_equal(((eddy_select_item *)q->items.items[1])->alias, "VALUE");
    assert_string_equal(((eddy_select_item *)q->items.items[2])->alias, "EMIT");
    assert_string_equal(q->from.name, "SOURCE");
    assert_string_equal(q->from.alias, "S2");
    assert_int_equal(q->emit, EDDY_EMIT_CHANGES);
}

static void test_keyword_after_source_keeps_its_meaning(void **state) {
    (void)state;
    /* EMIT, PARTITION and WINDOW after a source are clauses, not aliases. */
    eddy_query *q = parse1("SELECT * FROM s EMIT CHANGES")->u.query;
    assert_null(q->from.alias);
    assert_int_equal(q->emit, EDDY_EMIT_CHANGES);
    q = parse1("SELECT * FROM s PARTITION BY a")->u.query;
    assert_null(q->from.alias);
    assert_int_equal(q->partition_by.n, 1);
    q = parse1("SELECT k FROM s WINDOW SESSION (1 SECOND) GROUP BY k")->u.query;
    assert_int_equal(q->window.kind, EDDY_WIN_SESSION);
}

static void test_sources_named_like_keywords(void **state) {
    (void)state;
    eddy_stmt *s = parse1("CREATE TABLE type (id INT PRIMARY KEY) WITH (kafka_topic='x', format='JSON');");
    assert_string_equal(s->u.create.name, "TYPE");
    s = parse1("DROP STREAM session");
    assert_string_equal(s->u.drop.name, "SESSION");
    s = parse1("DESCRIBE key");
    assert_string_equal(s->u.describe.name, "KEY");
    s = parse1("INSERT INTO map SELECT * FROM struct;");
    assert_string_equal(s->u.insert.target, "MAP");
}

static void test_struct_fields_named_like_keywords(void **state) {
    (void)state;
    eddy_stmt *s = parse1("CREATE TYPE kv AS STRUCT<key STRING, value BYTES, type INT>;");
    assert_string_equal(s->u.create_type.type->ty_fields[0].name, "KEY");
    assert_string_equal(s->u.create_type.type->ty_fields[2].name, "TYPE");
}

static void test_reserved_words_are_refused_as_names(void **state) {
    (void)state;
    const char *bad[] = {
        "SELECT from FROM s;",
        "SELECT * FROM where;",
        "CREATE STREAM select (a INT);",
        "CREATE STREAM s (table INT);",
        "SELECT a AS group FROM s;",
        "SELECT window FROM s;",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eddy_list l = {0, 0, NULL};
        eddy_err err;
        if (eddy_parse(bad[i], arena, &l, &err) != EDDY_PARSE) fail_msg("%s parsed", bad[i]);
    }
}

static void test_reserved_words_work_back_quoted(void **state) {
    (void)state;
    eddy_stmt *s = parse1("SELECT `from`, `SELECT` FROM `where`;");
    eddy_select_item *it = s->u.query->items.items[0];
    assert_string_equal(it->expr->v.column.name, "from");
    assert_string_equal(s->u.query->from.name, "where");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_column_definitions_named_like_keywords),
        cmocka_unit_test(test_keyword_columns_in_expressions),
        cmocka_unit_test(test_keyword_aliases_and_sources),
        cmocka_unit_test(test_keyword_after_source_keeps_its_meaning),
        cmocka_unit_test(test_sources_named_like_keywords),
        cmocka_unit_test(test_struct_fields_named_like_keywords),
        cmocka_unit_test(test_reserved_words_are_refused_as_names),
        cmocka_unit_test(test_reserved_words_work_back_quoted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
