/* test_query.c - persistent queries end to end in the deterministic driver: records in, records out, restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_csas_filters_and_projects_json(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM src (id INT KEY, name STRING, amount DOUBLE) WITH (kafka_topic='src', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE STREAM big AS SELECT id, UCASE(name) AS who, amount * 2 AS twice FROM src WHERE amount > 10;");
    produce(f, "src", NULL, "{\"name\":\"a\",\"amount\":5.0}", 1);
    produce(f, "src", NULL, "{\"NAME\":\"b\",\"AMOUNT\":12.5}", 2);
    produce(f, "src", NULL, "not json", 3);
    produce(f, "src", NULL, "{\"name\":\"c\",\"amount\":100}", 4);
    run(f);
    char *out = read_values(f, "BIG");
    assert_string_equal(out, "{\"WHO\":\"B\",\"TWICE\":25.0}|{\"WHO\":\"C\",\"TWICE\":200.0}");
    free(out);
    /* The bad record went to the processing log. */
    char *plog = read_values(f, "default_ksql_processing_log");
    assert_non_null(strstr(plog, "deserializationError"));
    free(plog);
}

static void test_outputs_survive_restart_without_duplicates(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM s (v INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE STREAM t AS SELECT v + 1 AS w FROM s;");
    produce(f, "s", NULL, "{\"v\":1}", 1);
    run(f);
    eddy_engine_close(f->engine);
    f->engine = NULL;
    assert_int_equal(open_engine(f), 0);
    produce(f, "s", NULL, "{\"v\":2}", 2);
    run(f);
    char *out = read_values(f, "T");
    assert_string_equal(out, "{\"W\":2}|{\"W\":3}");
    free(out);
}

static void test_partition_by_rekeys(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM p (k STRING KEY, id INT, name STRING) WITH (kafka_topic='p', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE STREAM q AS SELECT id, name FROM p PARTITION BY id;");
    produce(f, "p", "x", "{\"id\":7,\"name\":\"seven\"}", 1);
    run(f);
    eddy_log_batch b;
    eddy_err err;
    eddy_log_batch_init(&b);
    assert_int_equal(eddy_log_fetch(eddy_engine_log(f->engine), "Q", 0, 0, 10, 0, &b, &err), 0);
    assert_int_equal(b.count, 1);
    /* KAFKA key format: INT as 4 bytes big-endian. */
    assert_int_equal(b.records[0].key_len, 4);
    assert_memory_equal(b.records[0].key, "\0\0\0\7", 4);
    assert_int_equal(b.records[0].value_len, strlen("{\"NAME\":\"seven\"}"));
    eddy_log_batch_fini(&b);
}

static void test_insert_values_and_insert_into(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM a (k INT KEY, v STRING) WITH (kafka_topic='a', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE STREAM b (k INT KEY, v STRING) WITH (kafka_topic='b', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE STREAM c AS SELECT * FROM a;");
    ksql_ok(f, "INSERT INTO c SELECT * FROM b;");
    ksql_ok(f, "INSERT INTO a (k, v) VALUES (1, 'from a'); INSERT INTO b VALUES (2, 'from b');");
    run(f);
    char *out = read_values(f, "C");
    assert_string_equal(out, "{\"V\":\"from a\"}|{\"V\":\"from b\"}");
    free(out);
}

static void test_terminate_and_drop(void **state) {
    fixture *f = *state;
    ksql_ok(f, "CREATE STREAM s1 (v INT) WITH (kafka_topic='s1', partitions=1, value_format='JSON');");
    ksql_ok(f, "CREATE STREAM s2 AS SELECT * FROM s1;");
    eddy_ksql_request req = {.ksql = "DROP STREAM s1;", .command_sequence_number = -1};
    json_t *resp = NULL;
    int status;
    eddy_engine_ksql(f->engine, &req, &resp, &status);
    assert_int_equal(status, 400);
    assert_non_null(strstr(json_string_value(json_object_get(resp, "message")), "The following queries read from this source"));
    json_decref(resp);
    /* Dropping the sink ends the query that wrote it; then the source can go. */
    ksql_ok(f, "DROP STREAM s2;");
    ksql_ok(f, "DROP STREAM s1;");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(test_csas_filters_and_projects_json),
        T(test_outputs_survive_restart_without_duplicates),
        T(test_partition_by_rekeys),
        T(test_insert_values_and_insert_into),
        T(test_terminate_and_drop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
