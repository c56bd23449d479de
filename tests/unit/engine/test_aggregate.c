/* test_aggregate.c - aggregations and tables end to end in the deterministic driver: updates, state, restart, pull reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine_fixture.h"

/* Every key and value of partition 0 of topic: "k=v|k=v" (<null> for none). */
static char *read_records(fixture *f, const char *topic) {
    eddy_log_batch b;
    eddy_err err;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_log_batch_init(&b);
    assert_int_equal(eddy_log_fetch(eddy_engine_log(f->engine), topic, 0, 0, 1000, 0, &b, &err), 0);
    for (size_t i = 0; i < b.count; i++) {
        if (i) eddy_strbuf_putc(&sb, '|');
        if (b.records[i].key) eddy_strbuf_append(&sb, b.records[i].key, b.records[i].key_len);
        else eddy_strbuf_puts(&sb, "<null>");
        eddy_strbuf_putc(&sb, '=');
        if (b.records[i].value) eddy_strbuf_append(&sb, b.records[i].value, b.records[i].value_len);
        else eddy_strbuf_puts(&sb, "<null>");
    }
    eddy_log_batch_fini(&b);
    return eddy_strbuf_detach(&sb);
}

static void test_count_emits_every_update_with_the_group_as_key(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM clicks (user STRING KEY, page STRING) WITH (kafka_topic='clicks', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE TABLE per_page AS SELECT page, COUNT(*) AS n FROM clicks GROUP BY page;");
    produce(f, "clicks", "u1", "{\"page\":\"home\"}", 1);
    produce(f, "clicks", "u2", "{\"page\":\"about\"}", 2);
    produce(f, "clicks", "u1", "{\"page\":\"home\"}", 3);
    run(f);
    char *out = read_records(f, "PER_PAGE");
    assert_string_equal(out, "home={\"N\":1}|about={\"N\":1}|home={\"N\":2}");
    free(out);
}

/* ksql.streams.replication.factor sets the replicas of a query's internal
 * topics (the changelog and the repartition topic). */
static void test_internal_topics_get_the_replication_factor(void **state) {
    fixture *f = *state;
    eddy_log_topic_config cfg;
    eddy_err err;
    ksql_ok(f, "CREATE STREAM r (k STRING KEY, g STRING) WITH (kafka_topic='r', partitions=2, value_format='JSON');");
    eddy_ksql_request req = {.ksql = "CREATE TABLE by_g AS SELECT g, COUNT(*) AS n FROM r GROUP BY g;",
                             .command_sequence_number = -1};
    req.streams_properties = json_pack("{s:s}", "ksql.streams.replication.factor", "3");
    json_t *resp = NULL;
    int status;
    eddy_engine_ksql(f->engine, &req, &resp, &status);
    assert_int_equal(status, 200);
    json_decref(resp);
    json_decref(req.streams_properties);
    eddy_log *log = eddy_engine_log(f->engine);
    const char *changelog = "_confluent-ksql-default_query_CTAS_BY_G_1-Aggregate-Aggregate-Materialize-changelog";
    const char *repartition = "_confluent-ksql-default_query_CTAS_BY_G_1-Aggregate-GroupBy-repartition";
    assert_int_equal(eddy_log_topic_describe(log, changelog, &cfg, &err), 0);
    assert_int_equal(cfg.replicas, 3);
    assert_int_equal(cfg.partitions, 2);
    assert_int_equal(eddy_log_topic_describe(log, repartition, &cfg, &err), 0);
    assert_int_equal(cfg.replicas, 3);
}

static void test_aggregate_state_survives_restart_without_double_counting(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE TABLE t AS SELECT k, SUM(v) AS total, COUNT(*) AS n FROM s GROUP BY k;");
    produce(f, "s", "a", "{\"v\":1}", 1);
    produce(f, "s", "a", "{\"v\":2}", 2);
    run(f);
    eddy_engine_close(f->engine);
    f->engine = NULL;
    assert_int_equal(open_engine(f), 0);
    produce(f, "s", "a", "{\"v\":4}", 3);
    run(f);
    char *out = read_records(f, "T");
    assert_string_equal(out, "a={\"TOTAL\":1,\"N\":1}|a={\"TOTAL\":3,\"N\":2}|a={\"TOTAL\":7,\"N\":3}");
    free(out);
}

static void test_table_aggregation_retracts_the_old_row(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE TABLE users (id STRING PRIMARY KEY, region STRING) WITH (kafka_topic='users', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE TABLE per_region AS SELECT region, COUNT(*) AS n FROM users GROUP BY region;");
    produce(f, "users", "1", "{\"region\":\"eu\"}", 1);
    produce(f, "users", "2", "{\"region\":\"eu\"}", 2);
    produce(f, "users", "1", "{\"region\":\"us\"}", 3); /* moves: eu loses one, us gains one */
    produce(f, "users", "2", NULL, 4);                  /* deleted: eu loses one */
    run(f);
    char *out = read_records(f, "PER_REGION");
    assert_string_equal(out, "eu={\"N\":1}|eu={\"N\":2}|eu={\"N\":1}|us={\"N\":1}|eu={\"N\":0}");
    free(out);
}

static void test_having_emits_a_tombstone_only_when_the_group_leaves_the_result(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE TABLE t AS SELECT k, SUM(v) AS total FROM s GROUP BY k HAVING SUM(v) > 10;");
    produce(f, "s", "a", "{\"v\":5}", 1);   /* never passed: nothing */
    produce(f, "s", "a", "{\"v\":6}", 2);   /* 11: in */
    produce(f, "s", "a", "{\"v\":-5}", 3);  /* 6: leaves, tombstone */
    produce(f, "s", "a", "{\"v\":-1}", 4);  /* 5: still out, nothing */
    run(f);
    char *out = read_records(f, "T");
    assert_string_equal(out, "a={\"TOTAL\":11}|a=<null>");
    free(out);
}

static void test_null_grouping_key_is_skipped_and_logged(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM s (k STRING KEY, g STRING) WITH (kafka_topic='s', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE TABLE t AS SELECT g, COUNT(*) AS n FROM s GROUP BY g;");
    produce(f, "s", "a", "{\"g\":null}", 1);
    produce(f, "s", "a", "{\"g\":\"x\"}", 2);
    run(f);
    char *out = read_records(f, "T");
    assert_string_equal(out, "x={\"N\":1}");
    free(out);
    char *plog = read_values(f, "default_ksql_processing_log");
    assert_non_null(strstr(plog, "grouping key is NULL"));
    free(plog);
}

static void test_late_record_past_grace_is_dropped(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE TABLE t AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY k;");
    produce(f, "s", "a", "{\"v\":1}", 1000);
    produce(f, "s", "a", "{\"v\":1}", 25000); /* stream time 25 s: [0, 10 s) is closed */
    produce(f, "s", "a", "{\"v\":1}", 2000);  /* late for [0, 10 s) */
    run(f);
    eddy_batch rows;
    eddy_err err;
    assert_int_equal(eddy_batch_init(&rows, 2), 0);
    assert_int_equal(eddy_engine_table_read(f->engine, "T", NULL, 0, INT64_MAX, &rows, &err), 0);
    assert_int_equal(rows.count, 2);
    for (size_t i = 0; i < rows.count; i++) assert_int_equal(rows.rows[i].cols[1].u.i, 1); /* the late one counted nowhere */
    eddy_batch_fini(&rows);
    char *plog = read_values(f, "default_ksql_processing_log");
    assert_non_null(strstr(plog, "grace period"));
    free(plog);
}

static void test_expired_windows_leave_the_state(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE TABLE t AS SELECT k, COUNT(*) AS n FROM s "
               "WINDOW TUMBLING (SIZE 1 SECOND, RETENTION 2 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY k;");
    produce(f, "s", "a", "{\"v\":1}", 0);
    produce(f, "s", "a", "{\"v\":1}", 1500);
    produce(f, "s", "a", "{\"v\":1}", 10000);
    run(f);
    eddy_batch rows;
    eddy_err err;
    assert_int_equal(eddy_batch_init(&rows, 2), 0);
    assert_int_equal(eddy_engine_table_read(f->engine, "T", NULL, 0, INT64_MAX, &rows, &err), 0);
    assert_int_equal(rows.count, 1); /* only [10 s, 11 s) is retained */
    assert_int_equal(rows.rows[0].wstart, 10000);
    eddy_batch_fini(&rows);
}

static void test_table_read_by_key(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE TABLE t AS SELECT k, MAX(v) AS top FROM s GROUP BY k;");
    produce(f, "s", "a", "{\"v\":3}", 1);
    produce(f, "s", "b", "{\"v\":9}", 2);
    produce(f, "s", "a", "{\"v\":7}", 3);
    run(f);
    eddy_batch rows;
    eddy_err err;
    eddy_value key = eddy_value_str(EDDY_V_STRING, "a", 1);
    assert_int_equal(eddy_batch_init(&rows, 2), 0);
    assert_int_equal(eddy_engine_table_read(f->engine, "T", &key, 0, INT64_MAX, &rows, &err), 0);
    assert_int_equal(rows.count, 1);
    assert_int_equal(rows.rows[0].cols[1].u.i, 7);
    assert_int_equal(rows.rows[0].ts, 3);
    eddy_batch_fini(&rows);
}

static void test_plain_table_is_not_queryable(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE TABLE users (id STRING PRIMARY KEY, region STRING) WITH (kafka_topic='users', partitions=1, value_format='JSON');");
    eddy_batch rows;
    eddy_err err;
    assert_int_equal(eddy_batch_init(&rows, 2), 0);
    assert_int_equal(eddy_engine_table_read(f->engine, "USERS", NULL, 0, INT64_MAX, &rows, &err), EDDY_NOTFOUND);
    assert_non_null(strstr(err.msg, "isn't queryable"));
    eddy_batch_fini(&rows);
}

static void test_filtered_table_deletes_only_rows_it_held(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE TABLE users (id STRING PRIMARY KEY, age INT) WITH (kafka_topic='users', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE TABLE adults AS SELECT * FROM users WHERE age >= 18;");
    produce(f, "users", "1", "{\"age\":12}", 1); /* never in: nothing */
    produce(f, "users", "2", "{\"age\":30}", 2); /* in */
    produce(f, "users", "2", "{\"age\":10}", 3); /* leaves: tombstone */
    produce(f, "users", "1", NULL, 4);           /* deleted, was never in: nothing */
    run(f);
    char *out = read_records(f, "ADULTS");
    assert_string_equal(out, "2={\"AGE\":30}|2=<null>");
    free(out);
}

static void test_source_table_is_materialized_and_droppable(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE SOURCE TABLE users (id STRING PRIMARY KEY, age INT) WITH (kafka_topic='users', partitions=1, value_format='JSON');");
    produce(f, "users", "1", "{\"age\":12}", 1);
    produce(f, "users", "2", "{\"age\":30}", 2);
    produce(f, "users", "1", NULL, 3);
    run(f);
    eddy_batch rows;
    eddy_err err;
    assert_int_equal(eddy_batch_init(&rows, 2), 0);
    assert_int_equal(eddy_engine_table_read(f->engine, "USERS", NULL, 0, INT64_MAX, &rows, &err), 0);
    assert_int_equal(rows.count, 1);
    assert_int_equal(rows.rows[0].cols[1].u.i, 30);
    eddy_batch_fini(&rows);
    ksql_ok(f, "DROP TABLE users;"); /* ends the query that materializes it */
}

static void test_emit_final_window_closes_after_restart(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE TABLE t AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k EMIT FINAL;");
    produce(f, "s", "a", "{\"v\":1}", 1000);
    produce(f, "s", "a", "{\"v\":1}", 2000);
    run(f);
    eddy_engine_close(f->engine);
    f->engine = NULL;
    assert_int_equal(open_engine(f), 0);
    produce(f, "s", "a", "{\"v\":1}", 10000); /* stream time reaches 10 s: [0, 10 s) closes */
    run(f);
    char *out = read_values(f, "T");
    assert_string_equal(out, "{\"N\":2}"); /* once, with both records */
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_count_emits_every_update_with_the_group_as_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aggregate_state_survives_restart_without_double_counting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_internal_topics_get_the_replication_factor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_aggregation_retracts_the_old_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_having_emits_a_tombstone_only_when_the_group_leaves_the_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_grouping_key_is_skipped_and_logged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_record_past_grace_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_windows_leave_the_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_read_by_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_table_is_not_queryable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filtered_table_deletes_only_rows_it_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_table_is_materialized_and_droppable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emit_final_window_closes_after_restart, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
