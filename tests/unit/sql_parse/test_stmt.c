/* test_stmt.c - every statement form of the grammar, checked field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sql/parse.h"

#include <stdio.h>
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

/* Parses text that must hold exactly one statement. */
static eddy_stmt *parse1(const char *sql) {
    eddy_list l = {0, 0, NULL};
    eddy_err err;
    int rc = eddy_parse(sql, arena, &l, &err);
    if (rc) fail_msg("%s: %s", sql, err.msg);
    assert_int_equal(l.n, 1);
    return l.items[0];
}

static const char *fmt(const eddy_expr *e) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_expr_format(e, &sb);
    char *s = eddy_arena_strdup(arena, eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return s;
}

static const char *type_str(const eddy_type *t) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_type_format(t, &sb);
    char *s = eddy_arena_strdup(arena, eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return s;
}

static eddy_property *prop(const eddy_list *l, int i) { return l->items[i]; }
static eddy_table_element *elem(const eddy_list *l, int i) { return l->items[i]; }

/* ---- CREATE ------------------------------------------------------------ */

static void test_create_stream_with_columns_and_properties(void **state) {
    (void)state;
    eddy_stmt *s = parse1("CREATE STREAM pageviews (viewtime BIGINT, userid VARCHAR KEY, `Page` STRING) "
                          "WITH (kafka_topic='pv', value_format='JSON', partitions=4);");
    assert_int_equal(s->kind, EDDY_STMT_CREATE_SOURCE);
    assert_int_equal(s->u.create.source_kind, EDDY_SOURCE_STREAM);
    assert_string_equal(s->u.create.name, "PAGEVIEWS");
    assert_false(s->u.create.or_replace);
    assert_false(s->u.create.if_not_exists);
    assert_false(s->u.create.is_source);
    assert_null(s->u.create.query);
    assert_int_equal(s->u.create.elements.n, 3);
    assert_string_equal(elem(&s->u.create.elements, 0)->name, "VIEWTIME");
    assert_int_equal(elem(&s->u.create.elements, 0)->type->ty_kind, EDDY_TYPE_BIGINT);
    assert_int_equal(elem(&s->u.create.elements, 0)->ns, EDDY_COL_VALUE);
    assert_int_equal(elem(&s->u.create.elements, 1)->ns, EDDY_COL_KEY);
    assert_false(elem(&s->u.create.elements, 1)->primary);
    assert_int_equal(elem(&s->u.create.elements, 1)->type->ty_kind, EDDY_TYPE_STRING);
    assert_string_equal(elem(&s->u.create.elements, 2)->name, "Page");
    assert_true(elem(&s->u.create.elements, 2)->quoted);
    assert_int_equal(elem(&s->u.create.elements, 2)->pos.col, 63);
    assert_int_equal(s->u.create.props.n, 3);
    assert_string_equal(prop(&s->u.create.props, 0)->name, "KAFKA_TOPIC");
    assert_int_equal(prop(&s->u.create.props, 0)->value->kind, EDDY_EX_STRING);
    assert_string_equal(prop(&s->u.create.props, 0)->value->v.s, "pv");
    assert_int_equal(prop(&s->u.create.props, 2)->value->kind, EDDY_EX_INT);
    assert_int_equal(prop(&s->u.create.props, 2)->value->v.lit_int.i, 4);
    assert_string_equal(s->text, "CREATE STREAM pageviews (viewtime BIGINT, userid VARCHAR KEY, `Page` STRING) "
                                 "WITH (kafka_topic='pv', value_format='JSON', partitions=4)");
}

static void test_create_or_replace_source_table_if_not_exists(void **state) {
    (void)state;
    eddy_stmt *s = parse1("CREATE OR REPLACE SOURCE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, d DECIMAL(4, 2))"
                          " WITH (kafka_topic='t', format='AVRO')");
    assert_int_equal(s->kind, EDDY_STMT_CREATE_SOURCE);
    assert_int_equal(s->u.create.source_kind, EDDY_SOURCE_TABLE);
    assert_true(s->u.create.or_replace);
    assert_true(s->u.create.is_source);
    assert_true(s->u.create.if_not_exists);
    assert_int_equal(elem(&s->u.create.elements, 0)->ns, EDDY_COL_KEY);
    assert_true(elem(&s->u.create.elements, 0)->primary);
    assert_string_equal(type_str(elem(&s->u.create.elements, 1)->type), "DECIMAL(4, 2)");
}

static void test_create_without_columns_or_properties(void **state) {
    (void)state;
    eddy_stmt *s = parse1("CREATE TABLE t WITH (kafka_topic='t', format='AVRO');");
    assert_int_equal(s->kind, EDDY_STMT_CREATE_SOURCE);
    assert_int_equal(s->u.create.elements.n, 0);
    assert_int_equal(s->u.create.props.n, 2);
    s = parse1("CREATE STREAM s");
    assert_int_equal(s->kind, EDDY_STMT_CREATE_SOURCE);
    assert_int_equal(s->u.create.props.n, 0);
}

static void test_header_columns(void **state) {
    (void)state;
    eddy_stmt *s = parse1("CREATE STREAM s (h ARRAY<STRUCT<key STRING, value BYTES>> HEADERS, "
                          "one BYTES HEADER('x-id'), v INT) WITH (kafka_topic='s', value_format='JSON');");
    assert_int_equal(elem(&s->u.create.elements, 0)->ns, EDDY_COL_HEADERS);
    assert_string_equal(type_str(elem(&s->u.create.elements, 0)->type), "ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>>");
    assert_int_equal(elem(&s->u.create.elements, 1)->ns, EDDY_COL_HEADER);
    assert_string_equal(elem(&s->u.create.elements, 1)->header_key, "x-id");
    assert_null(elem(&s->u.create.elements, 2)->header_key);
}

static void test_property_values_and_quoted_names(void **state) {
    (void)state;
    eddy_stmt *s = parse1("CREATE STREAM s WITH ('Kafka_Topic'='t', partitions=-1, wrap_single_value=false, "
                          "x=1.5, y=2E1, z=null, `q`='v')");
    const eddy_list *p = &s->u.create.props;
    assert_string_equal(prop(p, 0)->name, "KAFKA_TOPIC");
    assert_int_equal(prop(p, 1)->value->v.lit_int.i, -1);
    assert_int_equal(prop(p, 2)->value->kind, EDDY_EX_BOOL);
    assert_false(prop(p, 2)->value->v.b);
    assert_int_equal(prop(p, 3)->value->kind, EDDY_EX_DECIMAL);
    assert_string_equal(prop(p, 3)->value->v.lit_num.s, "1.5");
    assert_int_equal(prop(p, 4)->value->kind, EDDY_EX_DOUBLE);
    assert_int_equal(prop(p, 5)->value->kind, EDDY_EX_NULL);
    assert_string_equal(prop(p, 6)->name, "Q");
}

static void test_create_stream_as_select(void **state) {
    (void)state;
    eddy_stmt *s = parse1("CREATE STREAM out WITH (kafka_topic='o') AS SELECT a, b AS c FROM s WHERE a > 1;");
    assert_int_equal(s->kind, EDDY_STMT_CREATE_AS_SELECT);
    assert_int_equal(s->u.create.source_kind, EDDY_SOURCE_STREAM);
    assert_string_equal(s->u.create.name, "OUT");
    assert_int_equal(s->u.create.props.n, 1);
    assert_non_null(s->u.create.query);
    assert_int_equal(s->u.create.query->items.n, 2);
    assert_string_equal(s->u.create.query->from.name, "S");
    assert_string_equal(fmt(s->u.create.query->where), "(A > 1)");
}

static void test_create_or_replace_table_as_select(void **state) {
    (void)state;
    eddy_stmt *s = parse1("CREATE OR REPLACE TABLE IF NOT EXISTS t AS SELECT k, COUNT(*) FROM s GROUP BY k;");
    assert_int_equal(s->kind, EDDY_STMT_CREATE_AS_SELECT);
    assert_int_equal(s->u.create.source_kind, EDDY_SOURCE_TABLE);
    assert_true(s->u.create.or_replace);
    assert_true(s->u.create.if_not_exists);
    assert_int_equal(s->u.create.query->group_by.n, 1);
}

static void test_create_type(void **state) {
    (void)state;
    eddy_stmt *s = parse1("CREATE TYPE IF NOT EXISTS address AS STRUCT<street STRING, number INT>;");
    assert_int_equal(s->kind, EDDY_STMT_CREATE_TYPE);
    assert_string_equal(s->u.create_type.name, "ADDRESS");
    assert_true(s->u.create_type.if_not_exists);
    assert_string_equal(type_str(s->u.create_type.type), "STRUCT<`STREET` STRING, `NUMBER` INTEGER>");
}

static void test_create_connectors(void **state) {
    (void)state;
    eddy_stmt *s = parse1("CREATE SOURCE CONNECTOR IF NOT EXISTS src WITH ('connector.class'='x', \"tasks.max\"=1)");
    assert_int_equal(s->kind, EDDY_STMT_CREATE_CONNECTOR);
    assert_string_equal(s->u.connector.name, "SRC");
    assert_true(s->u.connector.is_source);
    assert_true(s->u.connector.if_not_exists);
    assert_string_equal(prop(&s->u.connector.props, 0)->name, "CONNECTOR.CLASS");
    assert_string_equal(prop(&s->u.connector.props, 1)->name, "TASKS.MAX");
    s = parse1("CREATE SINK CONNECTOR snk WITH ('topics'='t')");
    assert_false(s->u.connector.is_source);
    assert_false(s->u.connector.if_not_exists);
}

/* ---- INSERT ------------------------------------------------------------ */

static void test_insert_into_select(void **state) {
    (void)state;
    eddy_stmt *s = parse1("INSERT INTO out WITH (query_id='q1') SELECT * FROM s;");
    assert_int_equal(s->kind, EDDY_STMT_INSERT_SELECT);
    assert_string_equal(s->u.insert.target, "OUT");
    assert_int_equal(s->u.insert.props.n, 1);
    assert_int_equal(s->u.insert.query->items.n, 1);
    s = parse1("INSERT INTO out SELECT a FROM s");
    assert_int_equal(s->u.insert.props.n, 0);
}

static void test_insert_values_with_and_without_columns(void **state) {
    (void)state;
    eddy_stmt *s = parse1("INSERT INTO s (k, `V`, ROWTIME) VALUES ('a', 1 + 2, -5);");
    assert_int_equal(s->kind, EDDY_STMT_INSERT_VALUES);
    assert_string_equal(s->u.insert.target, "S");
    assert_int_equal(s->u.insert.columns.n, 3);
    assert_string_equal(s->u.insert.columns.items[0], "K");
    assert_string_equal(s->u.insert.columns.items[1], "V");
    assert_string_equal(s->u.insert.columns.items[2], "ROWTIME");
    assert_int_equal(s->u.insert.values.n, 3);
    assert_string_equal(fmt(s->u.insert.values.items[1]), "(1 + 2)");
    assert_int_equal(((eddy_expr *)s->u.insert.values.items[2])->v.lit_int.i, -5);
    s = parse1("INSERT INTO s VALUES (ARRAY[1], MAP('a' := 1), STRUCT(x := NULL))");
    assert_int_equal(s->u.insert.columns.n, 0);
    assert_int_equal(s->u.insert.values.n, 3);
    s = parse1("INSERT INTO s VALUES ()");
    assert_int_equal(s->u.insert.values.n, 0);
}

/* ---- queries ----------------------------------------------------------- */

static void test_select_clauses_in_order(void **state) {
    (void)state;
    eddy_stmt *s = parse1("SELECT k, COUNT(*) AS n FROM pv AS p WINDOW TUMBLING (SIZE 1 MINUTE) WHERE x = 1 "
                          "GROUP BY k PARTITION BY k HAVING COUNT(*) > 1 EMIT CHANGES LIMIT 10;");
    assert_int_equal(s->kind, EDDY_STMT_QUERY);
    eddy_query *q = s->u.query;
    assert_int_equal(q->pos.col, 1);
    assert_int_equal(q->items.n, 2);
    assert_string_equal(((eddy_select_item *)q->items.items[1])->alias, "N");
    assert_string_equal(q->from.name, "PV");
    assert_string_equal(q->from.alias, "P");
    assert_int_equal(q->joins.n, 0);
    assert_int_equal(q->window.kind, EDDY_WIN_TUMBLING);
    assert_int_equal(q->window.size.ms, 60000);
    assert_string_equal(fmt(q->where), "(X = 1)");
    assert_int_equal(q->group_by.n, 1);
    assert_int_equal(q->partition_by.n, 1);
    assert_string_equal(fmt(q->having), "(COUNT(*) > 1)");
    assert_int_equal(q->emit, EDDY_EMIT_CHANGES);
    assert_true(q->has_limit);
    assert_int_equal(q->limit, 10);
}

static void test_pull_query_has_no_emit(void **state) {
    (void)state;
    eddy_stmt *s = parse1("SELECT * FROM t WHERE k = 'x'");
    assert_int_equal(s->u.query->emit, EDDY_EMIT_NONE);
    assert_false(s->u.query->has_limit);
    assert_null(s->u.query->from.alias);
    s = parse1("SELECT * FROM t EMIT FINAL");
    assert_int_equal(s->u.query->emit, EDDY_EMIT_FINAL);
}

static void test_select_items_star_alias_and_qualified_star(void **state) {
    (void)state;
    eddy_stmt *s = parse1("SELECT *, l.*, a b, c AS d FROM s l");
    eddy_query *q = s->u.query;
    eddy_select_item *it = q->items.items[0];
    assert_int_equal(it->expr->kind, EDDY_EX_STAR);
    assert_null(it->expr->v.star.qualifier);
    it = q->items.items[1];
    assert_int_equal(it->expr->kind, EDDY_EX_STAR);
    assert_string_equal(it->expr->v.star.qualifier, "L");
    it = q->items.items[2];
    assert_string_equal(it->alias, "B");
    it = q->items.items[3];
    assert_string_equal(it->alias, "D");
    assert_string_equal(q->from.alias, "L");
}

static void test_join_kinds_and_within(void **state) {
    (void)state;
    eddy_stmt *s = parse1("SELECT * FROM a JOIN b WITHIN 10 SECONDS ON a.k = b.k "
                          "LEFT OUTER JOIN c AS cc WITHIN (1 HOUR, 2 HOURS) GRACE PERIOD 1 MINUTE ON a.k = cc.k "
                          "RIGHT JOIN d ON a.k = d.k FULL OUTER JOIN e ON a.k = e.k INNER JOIN f ON a.k = f.k "
                          "LEFT JOIN g ON 1 = 1 FULL JOIN h ON 1 = 1 RIGHT OUTER JOIN i ON 1 = 1;");
    eddy_query *q = s->u.query;
    assert_int_equal(q->joins.n, 8);
    eddy_join *j = q->joins.items[0];
    assert_int_equal(j->kind, EDDY_JOIN_INNER);
    assert_string_equal(j->right.name, "B");
    assert_true(j->has_within);
    assert_int_equal(j->within_before.ms, 10000);
    assert_int_equal(j->within_after.ms, 10000);
    assert_false(j->grace.set);
    assert_string_equal(fmt(j->on), "(A.K = B.K)");
    j = q->joins.items[1];
    assert_int_equal(j->kind, EDDY_JOIN_LEFT);
    assert_string_equal(j->right.alias, "CC");
    assert_int_equal(j->within_before.ms, 3600000);
    assert_int_equal(j->within_after.ms, 7200000);
    assert_int_equal(j->within_after.unit, EDDY_TU_HOURS);
    assert_int_equal(j->within_after.value, 2);
    assert_true(j->grace.set);
    assert_int_equal(j->grace.ms, 60000);
    j = q->joins.items[2];
    assert_int_equal(j->kind, EDDY_JOIN_RIGHT);
    assert_false(j->has_within);
    assert_int_equal(((eddy_join *)q->joins.items[3])->kind, EDDY_JOIN_FULL);
    assert_int_equal(((eddy_join *)q->joins.items[4])->kind, EDDY_JOIN_INNER);
    assert_int_equal(((eddy_join *)q->joins.items[5])->kind, EDDY_JOIN_LEFT);
    assert_int_equal(((eddy_join *)q->joins.items[6])->kind, EDDY_JOIN_FULL);
    assert_int_equal(((eddy_join *)q->joins.items[7])->kind, EDDY_JOIN_RIGHT);
}

static void test_hopping_window_with_retention_and_grace(void **state) {
    (void)state;
    eddy_stmt *s = parse1("SELECT k, COUNT(*) FROM s WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECOND, "
                          "RETENTION 2 DAYS, GRACE PERIOD 5 MILLISECONDS) GROUP BY k EMIT CHANGES");
    eddy_window *w = &s->u.query->window;
    assert_int_equal(w->kind, EDDY_WIN_HOPPING);
    assert_int_equal(w->pos.col, 27);
    assert_int_equal(w->size.ms, 30000);
    assert_int_equal(w->advance.ms, 10000);
    assert_int_equal(w->advance.unit, EDDY_TU_SECONDS);
    assert_int_equal(w->retention.ms, 2 * 86400000LL);
    assert_int_equal(w->grace.ms, 5);
}

static void test_session_window_and_units(void **state) {
    (void)state;
    eddy_stmt *s = parse1("SELECT k FROM s WINDOW SESSION (5 MINUTES, GRACE PERIOD 1 HOUR) GROUP BY k");
    eddy_window *w = &s->u.query->window;
    assert_int_equal(w->kind, EDDY_WIN_SESSION);
    assert_int_equal(w->size.ms, 300000);
    assert_false(w->advance.set);
    assert_false(w->retention.set);
    assert_int_equal(w->grace.ms, 3600000);
    const char *units[] = {"MILLISECOND", "MILLISECONDS", "SECOND", "SECONDS", "MINUTE",
                           "MINUTES",     "HOUR",         "HOURS",  "DAY",     "DAYS"};
    long long ms[] = {2, 2, 2000, 2000, 120000, 120000, 7200000, 7200000, 172800000, 172800000};
    for (int i = 0; i < 10; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT k FROM s WINDOW TUMBLING (SIZE 2 %s) GROUP BY k", units[i]);
        assert_int_equal(parse1(sql)->u.query->window.size.ms, ms[i]);
    }
}

static void test_group_by_forms(void **state) {
    (void)state;
    eddy_query *q = parse1("SELECT a FROM s GROUP BY (a, b + 1, c)")->u.query;
    assert_int_equal(q->group_by.n, 3);
    assert_string_equal(fmt(q->group_by.items[1]), "(B + 1)");
    q = parse1("SELECT a FROM s GROUP BY (a + 1), b")->u.query;
    assert_int_equal(q->group_by.n, 2);
    assert_string_equal(fmt(q->group_by.items[0]), "(A + 1)");
    q = parse1("SELECT a FROM s GROUP BY ()")->u.query;
    assert_int_equal(q->group_by.n, 0);
    q = parse1("SELECT a FROM s PARTITION BY a->b, c[1]")->u.query;
    assert_int_equal(q->partition_by.n, 2);
    assert_string_equal(fmt(q->partition_by.items[0]), "A->B");
}

static void test_negative_limit_is_kept(void **state) {
    (void)state;
    eddy_query *q = parse1("SELECT * FROM s LIMIT -1")->u.query;
    assert_true(q->has_limit);
    assert_int_equal(q->limit, -1);
}

/* ---- SHOW, DESCRIBE ---------------------------------------------------- */

static void test_show_and_list(void **state) {
    (void)state;
    struct {
        const char *sql;
        eddy_show_what what;
        bool extended, all;
        int connectors;
    } cases[] = {
        {"SHOW STREAMS", EDDY_SHOW_STREAMS, false, false, 0},
        {"LIST STREAMS EXTENDED", EDDY_SHOW_STREAMS, true, false, 0},
        {"SHOW TABLES EXTENDED", EDDY_SHOW_TABLES, true, false, 0},
        {"SHOW TOPICS", EDDY_SHOW_TOPICS, false, false, 0},
        {"SHOW ALL TOPICS EXTENDED", EDDY_SHOW_TOPICS, true, true, 0},
        {"LIST QUERIES EXTENDED", EDDY_SHOW_QUERIES, true, false, 0},
        {"SHOW PROPERTIES", EDDY_SHOW_PROPERTIES, false, false, 0},
        {"SHOW FUNCTIONS", EDDY_SHOW_FUNCTIONS, false, false, 0},
        {"SHOW TYPES", EDDY_SHOW_TYPES, false, false, 0},
        {"SHOW VARIABLES", EDDY_SHOW_VARIABLES, false, false, 0},
        {"SHOW CONNECTORS", EDDY_SHOW_CONNECTORS, false, false, 0},
        {"SHOW SOURCE CONNECTORS", EDDY_SHOW_CONNECTORS, false, false, 1},
        {"LIST SINK CONNECTORS", EDDY_SHOW_CONNECTORS, false, false, 2},
        {"SHOW CONNECTOR PLUGINS", EDDY_SHOW_CONNECTOR_PLUGINS, false, false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eddy_stmt *s = parse1(cases[i].sql);
        assert_int_equal(s->kind, EDDY_STMT_SHOW);
        assert_int_equal(s->u.show.what, cases[i].what);
        assert_int_equal(s->u.show.extended, cases[i].extended);
        assert_int_equal(s->u.show.all_topics, cases[i].all);
        assert_int_equal(s->u.show.connector_kind, cases[i].connectors);
    }
}

static void test_describe_forms(void **state) {
    (void)state;
    eddy_stmt *s = parse1("DESCRIBE pageviews");
    assert_int_equal(s->kind, EDDY_STMT_DESCRIBE);
    assert_string_equal(s->u.describe.name, "PAGEVIEWS");
    assert_false(s->u.describe.extended);
    s = parse1("DESCRIBE EXTENDED pv");
    assert_true(s->u.describe.extended);
    s = parse1("DESCRIBE pv EXTENDED");
    assert_true(s->u.describe.extended);
    assert_string_equal(s->u.describe.name, "PV");
    s = parse1("DESCRIBE STREAMS EXTENDED");
    assert_int_equal(s->kind, EDDY_STMT_DESCRIBE_STREAMS);
    assert_int_equal(s->u.describe.source_kind, EDDY_SOURCE_STREAM);
    assert_true(s->u.describe.extended);
    s = parse1("DESCRIBE TABLES");
    assert_int_equal(s->kind, EDDY_STMT_DESCRIBE_STREAMS);
    assert_int_equal(s->u.describe.source_kind, EDDY_SOURCE_TABLE);
    s = parse1("DESCRIBE FUNCTION substring");
    assert_int_equal(s->kind, EDDY_STMT_DESCRIBE_FUNCTION);
    assert_string_equal(s->u.describe.name, "SUBSTRING");
    s = parse1("DESCRIBE CONNECTOR jdbc");
    assert_int_equal(s->kind, EDDY_STMT_DESCRIBE_CONNECTOR);
    assert_string_equal(s->u.describe.name, "JDBC");
}

/* ---- DROP, properties, variables, query control ------------------------ */

static void test_drop_forms(void **state) {
    (void)state;
    eddy_stmt *s = parse1("DROP STREAM IF EXISTS s DELETE TOPIC");
    assert_int_equal(s->kind, EDDY_STMT_DROP_SOURCE);
    assert_int_equal(s->u.drop.source_kind, EDDY_SOURCE_STREAM);
    assert_string_equal(s->u.drop.name, "S");
    assert_true(s->u.drop.if_exists);
    assert_true(s->u.drop.delete_topic);
    s = parse1("DROP TABLE t");
    assert_int_equal(s->u.drop.source_kind, EDDY_SOURCE_TABLE);
    assert_false(s->u.drop.if_exists);
    assert_false(s->u.drop.delete_topic);
    s = parse1("DROP TYPE IF EXISTS address");
    assert_int_equal(s->kind, EDDY_STMT_DROP_TYPE);
    assert_string_equal(s->u.drop.name, "ADDRESS");
    assert_true(s->u.drop.if_exists);
    s = parse1("DROP CONNECTOR IF EXISTS c");
    assert_int_equal(s->kind, EDDY_STMT_DROP_CONNECTOR);
    assert_string_equal(s->u.drop.name, "C");
}

static void test_set_unset_alter_system_define_undefine(void **state) {
    (void)state;
    eddy_stmt *s = parse1("SET 'auto.offset.reset' = 'earliest'");
    assert_int_equal(s->kind, EDDY_STMT_SET);
    assert_string_equal(s->u.set.name, "auto.offset.reset");
    assert_string_equal(s->u.set.value, "earliest");
    s = parse1("UNSET 'auto.offset.reset'");
    assert_int_equal(s->kind, EDDY_STMT_UNSET);
    assert_null(s->u.set.value);
    s = parse1("ALTER SYSTEM 'ksql.x' = 'it''s'");
    assert_int_equal(s->kind, EDDY_STMT_ALTER_SYSTEM);
    assert_string_equal(s->u.set.value, "it's");
    s = parse1("DEFINE myFormat = 'JSON'");
    assert_int_equal(s->kind, EDDY_STMT_DEFINE);
    assert_string_equal(s->u.set.name, "myFormat");
    assert_string_equal(s->u.set.value, "JSON");
    s = parse1("UNDEFINE myFormat");
    assert_int_equal(s->kind, EDDY_STMT_UNDEFINE);
    assert_string_equal(s->u.set.name, "myFormat");
}

static void test_terminate_pause_resume(void **state) {
    (void)state;
    eddy_stmt *s = parse1("TERMINATE csas_out_0");
    assert_int_equal(s->kind, EDDY_STMT_TERMINATE);
    assert_string_equal(s->u.control.query_id, "CSAS_OUT_0");
    assert_false(s->u.control.all);
    s = parse1("TERMINATE ALL");
    assert_true(s->u.control.all);
    assert_null(s->u.control.query_id);
    s = parse1("PAUSE q1");
    assert_int_equal(s->kind, EDDY_STMT_PAUSE);
    assert_string_equal(s->u.control.query_id, "Q1");
    s = parse1("RESUME ALL");
    assert_int_equal(s->kind, EDDY_STMT_RESUME);
    assert_true(s->u.control.all);
}

static void test_explain_query_id_and_statement(void **state) {
    (void)state;
    eddy_stmt *s = parse1("EXPLAIN CSAS_OUT_0");
    assert_int_equal(s->kind, EDDY_STMT_EXPLAIN);
    assert_string_equal(s->u.explain.query_id, "CSAS_OUT_0");
    assert_null(s->u.explain.stmt);
    s = parse1("EXPLAIN\n  SELECT * FROM s EMIT CHANGES;");
    assert_null(s->u.explain.query_id);
    assert_non_null(s->u.explain.stmt);
    assert_int_equal(s->u.explain.stmt->kind, EDDY_STMT_QUERY);
    assert_string_equal(s->text, "EXPLAIN\n  SELECT * FROM s EMIT CHANGES");
    assert_string_equal(s->u.explain.stmt->text, "SELECT * FROM s EMIT CHANGES");
    assert_int_equal(s->u.explain.stmt->pos.line, 2);
    assert_int_equal(s->u.explain.stmt->pos.col, 3);
}

static void test_print_topic(void **state) {
    (void)state;
    eddy_stmt *s = parse1("PRINT 'my-Topic' FROM BEGINNING INTERVAL 2 LIMIT 10");
    assert_int_equal(s->kind, EDDY_STMT_PRINT);
    assert_string_equal(s->u.print.topic, "my-Topic");
    assert_true(s->u.print.from_beginning);
    assert_true(s->u.print.has_interval);
    assert_int_equal(s->u.print.interval, 2);
    assert_true(s->u.print.has_limit);
    assert_int_equal(s->u.print.limit, 10);
    s = parse1("PRINT myTopic SAMPLE 3");
    assert_string_equal(s->u.print.topic, "myTopic");
    assert_false(s->u.print.from_beginning);
    assert_int_equal(s->u.print.interval, 3);
    assert_false(s->u.print.has_limit);
}

static void test_run_script(void **state) {
    (void)state;
    eddy_stmt *s = parse1("RUN SCRIPT '/tmp/x.sql'");
    assert_int_equal(s->kind, EDDY_STMT_RUN_SCRIPT);
    assert_string_equal(s->u.script_path, "/tmp/x.sql");
}

static void test_assert_topic_schema_stream(void **state) {
    (void)state;
    eddy_stmt *s = parse1("ASSERT TOPIC myTopic WITH (partitions=1) TIMEOUT 10 SECONDS");
    assert_int_equal(s->kind, EDDY_STMT_ASSERT_TOPIC);
    assert_false(s->u.assert_.not_exists);
    assert_string_equal(s->u.assert_.name, "myTopic");
    assert_int_equal(s->u.assert_.props.n, 1);
    assert_int_equal(s->u.assert_.timeout.ms, 10000);
    s = parse1("ASSERT NOT EXISTS TOPIC 'x'");
    assert_true(s->u.assert_.not_exists);
    assert_string_equal(s->u.assert_.name, "x");
    assert_false(s->u.assert_.timeout.set);
    s = parse1("ASSERT SCHEMA SUBJECT 's-value' ID 4 TIMEOUT 1 MINUTE");
    assert_int_equal(s->kind, EDDY_STMT_ASSERT_SCHEMA);
    assert_string_equal(s->u.assert_.subject, "s-value");
    assert_true(s->u.assert_.has_id);
    assert_int_equal(s->u.assert_.id, 4);
    assert_int_equal(s->u.assert_.timeout.ms, 60000);
    s = parse1("ASSERT NOT EXISTS SCHEMA ID 3");
    assert_null(s->u.assert_.subject);
    assert_int_equal(s->u.assert_.id, 3);
    s = parse1("ASSERT STREAM s TIMEOUT 5 SECONDS");
    assert_int_equal(s->kind, EDDY_STMT_ASSERT_STREAM);
    assert_int_equal(s->u.assert_.source_kind, EDDY_SOURCE_STREAM);
    assert_string_equal(s->u.assert_.name, "S");
    s = parse1("ASSERT NOT EXISTS TABLE t");
    assert_int_equal(s->u.assert_.source_kind, EDDY_SOURCE_TABLE);
    assert_true(s->u.assert_.not_exists);
}

static void test_alter_add_columns(void **state) {
    (void)state;
    eddy_stmt *s = parse1("ALTER STREAM s ADD COLUMN c INT, ADD d ARRAY<STRING>");
    assert_int_equal(s->kind, EDDY_STMT_ALTER_SOURCE);
    assert_int_equal(s->u.alter.source_kind, EDDY_SOURCE_STREAM);
    assert_string_equal(s->u.alter.name, "S");
    assert_int_equal(s->u.alter.elements.n, 2);
    assert_string_equal(elem(&s->u.alter.elements, 0)->name, "C");
    assert_string_equal(type_str(elem(&s->u.alter.elements, 1)->type), "ARRAY<STRING>");
    s = parse1("ALTER TABLE t ADD x BIGINT");
    assert_int_equal(s->u.alter.source_kind, EDDY_SOURCE_TABLE);
}

/* ---- statement lists --------------------------------------------------- */

static void test_statement_texts_and_positions(void **state) {
    (void)state;
    eddy_list l = {0, 0, NULL};
    eddy_err err;
    const char *sql = "-- leading comment\nSHOW STREAMS;\n\n  SELECT 'a;b' FROM t ; ;\nDROP TABLE t -- trailing";
    assert_int_equal(eddy_parse(sql, arena, &l, &err), 0);
    assert_int_equal(l.n, 3);
    eddy_stmt *s = l.items[0];
    assert_string_equal(s->text, "SHOW STREAMS");
    assert_int_equal(s->pos.line, 2);
    assert_int_equal(s->pos.col, 1);
    s = l.items[1];
    assert_string_equal(s->text, "SELECT 'a;b' FROM t");
    assert_int_equal(s->pos.line, 4);
    assert_int_equal(s->pos.col, 3);
    s = l.items[2];
    assert_string_equal(s->text, "DROP TABLE t");
}

static void test_empty_input_gives_no_statements(void **state) {
    (void)state;
    const char *inputs[] = {"", "   ", ";", " ; ;; ", "-- only a comment", "/* x */"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        eddy_list l = {0, 0, NULL};
        eddy_err err;
        assert_int_equal(eddy_parse(inputs[i], arena, &l, &err), 0);
        assert_int_equal(l.n, 0);
    }
}

static void test_statements_append_to_the_list(void **state) {
    (void)state;
    eddy_list l = {0, 0, NULL};
    eddy_err err;
    assert_int_equal(eddy_parse("SHOW TOPICS", arena, &l, &err), 0);
    assert_int_equal(eddy_parse("SHOW STREAMS; SHOW TABLES", arena, &l, &err), 0);
    assert_int_equal(l.n, 3);
    assert_int_equal(((eddy_stmt *)l.items[2])->u.show.what, EDDY_SHOW_TABLES);
}

static void test_stmt_kind_names(void **state) {
    (void)state;
    assert_string_equal(eddy_stmt_kind_name(EDDY_STMT_CREATE_AS_SELECT), "CREATE_AS_SELECT");
    assert_string_equal(eddy_stmt_kind_name(EDDY_STMT_ALTER_SOURCE), "ALTER_SOURCE");
    assert_string_equal(eddy_stmt_kind_name(EDDY_STMT_COUNT_), "UNKNOWN");
    for (int k = 0; k < EDDY_STMT_COUNT_; k++) assert_string_not_equal(eddy_stmt_kind_name(k), "UNKNOWN");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_stream_with_columns_and_properties),
        cmocka_unit_test(test_create_or_replace_source_table_if_not_exists),
        cmocka_unit_test(test_create_without_columns_or_properties),
        cmocka_unit_test(test_header_columns),
        cmocka_unit_test(test_property_values_and_quoted_names),
        cmocka_unit_test(test_create_stream_as_select),
        cmocka_unit_test(test_create_or_replace_table_as_select),
        cmocka_unit_test(test_create_type),
        cmocka_unit_test(test_create_connectors),
        cmocka_unit_test(test_insert_into_select),
        cmocka_unit_test(test_insert_values_with_and_without_columns),
        cmocka_unit_test(test_select_clauses_in_order),
        cmocka_unit_test(test_pull_query_has_no_emit),
        cmocka_unit_test(test_select_items_star_alias_and_qualified_star),
        cmocka_unit_test(test_join_kinds_and_within),
        cmocka_unit_test(test_hopping_window_with_retention_and_grace),
        cmocka_unit_test(test_session_window_and_units),
        cmocka_unit_test(test_group_by_forms),
        cmocka_unit_test(test_negative_limit_is_kept),
        cmocka_unit_test(test_show_and_list),
        cmocka_unit_test(test_describe_forms),
        cmocka_unit_test(test_drop_forms),
        cmocka_unit_test(test_set_unset_alter_system_define_undefine),
        cmocka_unit_test(test_terminate_pause_resume),
        cmocka_unit_test(test_explain_query_id_and_statement),
        cmocka_unit_test(test_print_topic),
        cmocka_unit_test(test_run_script),
        cmocka_unit_test(test_assert_topic_schema_stream),
        cmocka_unit_test(test_alter_add_columns),
        cmocka_unit_test(test_statement_texts_and_positions),
        cmocka_unit_test(test_empty_input_gives_no_statements),
        cmocka_unit_test(test_statements_append_to_the_list),
        cmocka_unit_test(test_stmt_kind_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
