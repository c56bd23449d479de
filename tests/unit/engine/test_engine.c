/* test_engine.c - statement execution through eddy_engine_ksql: entities, errors, validation, replay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    char dir[256];
    eddy_config *cfg;
    eddy_engine *engine;
} fixture;

static int open_engine(fixture *f) {
    eddy_err err;
    if (eddy_engine_open(f->cfg, NULL, &f->engine, &err)) {
        fprintf(stderr, "open: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "%s/eddy-engine-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(f->dir)) return -1;
    f->cfg = eddy_config_new();
    eddy_err err;
    if (eddy_config_set(f->cfg, "ksql.streams.state.dir", f->dir, &err)) return -1;
    if (open_engine(f)) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    char cmd[512];
    eddy_engine_close(f->engine);
    eddy_config_destroy(f->cfg);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

/* Runs sql; returns the response (caller decrefs) and the HTTP status. */
static json_t *run(fixture *f, const char *sql, int *status) {
    eddy_ksql_request req = {.ksql = sql, .command_sequence_number = -1};
    json_t *resp = NULL;
    eddy_engine_ksql(f->engine, &req, &resp, status);
    return resp;
}

static json_t *run_ok(fixture *f, const char *sql) {
    int status;
    json_t *r = run(f, sql, &status);
    if (status != 200) {
        char *s = json_dumps(r, 0);
        fprintf(stderr, "unexpected failure of %s: %s\n", sql, s);
        free(s);
    }
    assert_int_equal(status, 200);
    assert_true(json_is_array(r));
    return r;
}

/* The error message of a failing request. */
static char *run_err(fixture *f, const char *sql, int want_status) {
    int status;
    json_t *r = run(f, sql, &status);
    assert_int_equal(status, want_status);
    char *msg = strdup(json_string_value(json_object_get(r, "message")));
    json_decref(r);
    return msg;
}

static void assert_err_contains(fixture *f, const char *sql, const char *want) {
    char *msg = run_err(f, sql, 400);
    if (!strstr(msg, want)) fprintf(stderr, "message: %s\nwanted:  %s\n", msg, want);
    assert_non_null(strstr(msg, want));
    free(msg);
}

static const char *entity_str(json_t *r, size_t i, const char *path1, const char *path2) {
    json_t *v = json_object_get(json_array_get(r, i), path1);
    if (path2) v = json_object_get(v, path2);
    return json_string_value(v);
}

static void test_create_stream_returns_current_status(void **state) {
    fixture *f = *state;
    json_t *r = run_ok(f, "CREATE STREAM s1 (id INT KEY, name STRING) WITH (kafka_topic='t1', partitions=2, value_format='JSON');");
    assert_int_equal(json_array_size(r), 1);
    assert_string_equal(entity_str(r, 0, "@type", NULL), "currentStatus");
    assert_string_equal(entity_str(r, 0, "commandId", NULL), "stream/`S1`/create");
    assert_string_equal(entity_str(r, 0, "commandStatus", "message"), "Stream created");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "commandSequenceNumber")), 0);
    json_decref(r);
}

static void test_describe_shows_key_and_types(void **state) {
    fixture *f = *state;
    json_decref(run_ok(f, "CREATE TABLE t (k STRING PRIMARY KEY, d DECIMAL(4, 2), a ARRAY<INT>) WITH (kafka_topic='t', partitions=1, format='JSON');"));
    json_t *r = run_ok(f, "DESCRIBE t;");
    json_t *sd = json_object_get(json_array_get(r, 0), "sourceDescription");
    json_t *fields = json_object_get(sd, "fields");
    assert_int_equal(json_array_size(fields), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(fields, 0), "type")), "KEY");
    json_t *d = json_object_get(json_object_get(json_array_get(fields, 1), "schema"), "parameters");
    assert_int_equal(json_integer_value(json_object_get(d, "precision")), 4);
    assert_string_equal(json_string_value(json_object_get(sd, "type")), "TABLE");
    assert_string_equal(json_string_value(json_object_get(sd, "keyFormat")), "JSON");
    assert_int_equal(json_integer_value(json_object_get(sd, "partitions")), 1);
    json_decref(r);
}

static void test_missing_topic_needs_partitions(void **state) {
    fixture *f = *state;
    assert_err_contains(f, "CREATE STREAM s (a INT) WITH (kafka_topic='nope', value_format='JSON');",
                        "Topic 'nope' does not exist. If you want to create a new topic for the stream/table please "
                        "re-run the statement providing the required 'PARTITIONS' configuration");
}

static void test_existing_topic_with_other_partitions_is_refused(void **state) {
    fixture *f = *state;
    json_decref(run_ok(f, "CREATE STREAM a (x INT) WITH (kafka_topic='shared', partitions=2, value_format='JSON');"));
    assert_err_contains(f, "CREATE STREAM b (x INT) WITH (kafka_topic='shared', partitions=3, value_format='JSON');",
                        "already exists, with different partition/replica configuration");
    json_decref(run_ok(f, "CREATE STREAM c (x INT) WITH (kafka_topic='shared', value_format='JSON');"));
}

static void test_duplicate_create_errors_and_if_not_exists_warns(void **state) {
    fixture *f = *state;
    json_decref(run_ok(f, "CREATE STREAM s (x INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');"));
    assert_err_contains(f, "CREATE STREAM s (x INT) WITH (kafka_topic='s', value_format='JSON');",
                        "Cannot add stream 'S': A stream with the same name already exists");
    json_t *r = run_ok(f, "CREATE STREAM IF NOT EXISTS s (x INT) WITH (kafka_topic='s', value_format='JSON');");
    assert_string_equal(entity_str(r, 0, "@type", NULL), "warning_entity");
    json_decref(r);
}

static void test_one_bad_statement_runs_nothing(void **state) {
    fixture *f = *state;
    assert_err_contains(f,
                        "CREATE STREAM ok (x INT) WITH (kafka_topic='ok', partitions=1, value_format='JSON');"
                        "CREATE STREAM bad (x INT) WITH (kafka_topic='bad', value_format='XML');",
                        "Unknown format: XML");
    assert_err_contains(f, "DESCRIBE ok;", "Could not find STREAM/TABLE 'OK' in the Metastore");
}

static void test_topic_created_earlier_in_request_is_seen_by_validation(void **state) {
    fixture *f = *state;
    json_t *r = run_ok(f,
                       "CREATE STREAM a (x INT) WITH (kafka_topic='fresh', partitions=1, value_format='JSON');"
                       "CREATE STREAM b (x INT) WITH (kafka_topic='fresh', value_format='JSON');");
    assert_int_equal(json_array_size(r), 2);
    json_decref(r);
}

static void test_syntax_error_has_position(void **state) {
    fixture *f = *state;
    char *msg = run_err(f, "SHOW STREAMS;\nSELECT * FORM x;", 400);
    assert_non_null(strstr(msg, "line 2:10: Syntax Error"));
    free(msg);
    msg = run_err(f, "SHOW STREAMS", 400);
    assert_string_equal(msg, "line 1:13: Syntax Error\nmissing ';' at ''");
    free(msg);
}

static void test_format_rules_use_ksqldb_messages(void **state) {
    fixture *f = *state;
    assert_err_contains(f, "CREATE STREAM i (foo ARRAY<INT>) WITH (kafka_topic='i', partitions=1, value_format='KAFKA');",
                        "The 'KAFKA' format does not support type 'ARRAY'");
    assert_err_contains(f, "CREATE STREAM i (k STRING KEY, foo INT) WITH (WRAP_SINGLE_VALUE=true, kafka_topic='i', partitions=1, value_format='DELIMITED');",
                        "Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'.");
    assert_err_contains(f, "CREATE STREAM i (foo MAP<INT, DOUBLE>) WITH (kafka_topic='i', partitions=1, value_format='JSON');",
                        "JSON only supports MAP types with STRING keys");
    assert_err_contains(f, "CREATE STREAM i (k MAP<STRING, DOUBLE> KEY, v INT) WITH (kafka_topic='i', partitions=1, format='JSON');",
                        "Map keys, including types that contain maps, are not supported");
    assert_err_contains(f, "CREATE STREAM i (f1 INT KEY, f2 INT KEY, v INT) WITH (kafka_topic='i', partitions=1, value_format='JSON');",
                        "The 'KAFKA' format only supports a single field. Got: [`F1` INTEGER KEY, `F2` INTEGER KEY]");
    assert_err_contains(f, "CREATE STREAM i (v INT) WITH (kafka_topic='i', partitions=1, value_format='JSON', value_delimiter='|');",
                        "JSON does not support the following configs: [delimiter]");
    assert_err_contains(f, "CREATE STREAM i (v INT) WITH (kafka_topic='i', partitions=1, value_format='DELIMITED', value_delimiter='<~>');",
                        "Configuration VALUE_DELIMITER is invalid: Invalid delimiter value: '<~>'");
    assert_err_contains(f, "CREATE TABLE i (k STRING PRIMARY KEY, v INT) WITH (kafka_topic='i', partitions=1, value_format='JSON', window_type='Session', window_size='30 seconds');",
                        "'WINDOW_SIZE' should not be set for SESSION windows.");
    assert_err_contains(f, "CREATE TABLE i (k STRING PRIMARY KEY, v INT) WITH (kafka_topic='i', partitions=1, value_format='JSON', window_type='tumbling', window_size='30 bobs');",
                        "Configuration WINDOW_SIZE is invalid: Invalid duration: '30 bobs'. Unknown time unit: 'BOBS'");
    assert_err_contains(f, "CREATE STREAM i (rowtime BIGINT) WITH (kafka_topic='i', partitions=1, value_format='JSON');",
                        "'ROWTIME' is a reserved column name.");
    assert_err_contains(f, "CREATE TABLE i (v INT) WITH (kafka_topic='i', partitions=1, value_format='JSON');",
                        "Tables require a PRIMARY KEY.");
    assert_err_contains(f, "CREATE STREAM i (k INT PRIMARY KEY, v INT) WITH (kafka_topic='i', partitions=1, value_format='JSON');",
                        "is a 'PRIMARY KEY' column: please use 'KEY' for streams.");
    assert_err_contains(f, "CREATE STREAM i (v INT, ts STRING) WITH (kafka_topic='i', partitions=1, value_format='JSON', timestamp='ts');",
                        "Timestamp column, `TS`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format");
    assert_err_contains(f, "CREATE STREAM i (v INT) WITH (kafka_topic='i', partitions=1, value_format='JSON', bogus=1);",
                        "Invalid config variable(s) in the WITH clause: BOGUS");
    assert_err_contains(f, "CREATE STREAM i (v INT) WITH (partitions=1, value_format='JSON');",
                        "Missing required property \"KAFKA_TOPIC\"");
    assert_err_contains(f, "CREATE STREAM i (v INT) WITH (kafka_topic='i', partitions=1);",
                        "Statement is missing the 'VALUE_FORMAT' property from the WITH clause.");
}

static void test_keyless_stream_has_key_format_none(void **state) {
    fixture *f = *state;
    json_decref(run_ok(f, "CREATE STREAM k (v INT) WITH (kafka_topic='k', partitions=1, value_format='JSON');"));
    json_t *r = run_ok(f, "DESCRIBE k;");
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(r, 0), "sourceDescription"), "keyFormat")), "NONE");
    json_decref(r);
}

static void test_custom_types_resolve_in_create(void **state) {
    fixture *f = *state;
    json_t *r = run_ok(f, "CREATE TYPE addr AS STRUCT<street STRING, zip INT>;");
    assert_string_equal(entity_str(r, 0, "commandStatus", "message"),
                        "Registered custom type with name 'ADDR' and SQL type STRUCT<`STREET` STRING, `ZIP` INTEGER>");
    json_decref(r);
    json_decref(run_ok(f, "CREATE STREAM p (id INT KEY, home ADDR, past ARRAY<ADDR>) WITH (kafka_topic='p', partitions=1, value_format='JSON');"));
    r = run_ok(f, "DESCRIBE p;");
    json_t *fields = json_object_get(json_object_get(json_array_get(r, 0), "sourceDescription"), "fields");
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(fields, 1), "schema"), "type")), "STRUCT");
    json_decref(r);
    assert_err_contains(f, "CREATE STREAM q (v NOPE) WITH (kafka_topic='q', partitions=1, value_format='JSON');",
                        "Cannot resolve unknown type: NOPE");
    r = run_ok(f, "DROP TYPE addr; SHOW TYPES;");
    assert_int_equal(json_object_size(json_object_get(json_array_get(r, 1), "types")), 0);
    json_decref(r);
}

static void test_variables_substitute_and_are_request_scoped(void **state) {
    fixture *f = *state;
    eddy_ksql_request req = {.ksql = "CREATE STREAM ${n} (v INT) WITH (kafka_topic='${t}', partitions=1, value_format='JSON'); SHOW VARIABLES;",
                             .command_sequence_number = -1};
    json_t *vars = json_pack("{s:s, s:s}", "n", "FROMVARS", "t", "topicvars");
    req.session_variables = vars;
    json_t *resp;
    int status;
    eddy_engine_ksql(f->engine, &req, &resp, &status);
    assert_int_equal(status, 200);
    assert_string_equal(entity_str(resp, 0, "commandId", NULL), "stream/`FROMVARS`/create");
    assert_int_equal(json_array_size(json_object_get(json_array_get(resp, 1), "variables")), 2);
    json_decref(resp);
    json_decref(vars);
    json_t *r = run_ok(f, "DEFINE x = 'FROMVARS'; DESCRIBE ${x}; UNDEFINE x; UNDEFINE x;");
    assert_int_equal(json_array_size(r), 2);
    assert_string_equal(entity_str(r, 1, "@type", NULL), "warning_entity");
    json_decref(r);
    assert_err_contains(f, "DESCRIBE ${x};", "variable 'x'");
}

static void test_set_rejects_unknown_properties(void **state) {
    fixture *f = *state;
    json_t *r = run_ok(f, "SET 'auto.offset.reset'='earliest'; SHOW PROPERTIES;");
    json_t *props = json_object_get(json_array_get(r, 0), "properties");
    size_t i;
    json_t *p;
    const char *value = NULL;
    json_array_foreach(props, i, p) {
        if (strcmp(json_string_value(json_object_get(p, "name")), "ksql.streams.auto.offset.reset") == 0)
            value = json_string_value(json_object_get(p, "value"));
    }
    assert_non_null(value);
    assert_string_equal(value, "earliest");
    json_decref(r);
    assert_err_contains(f, "SET 'no.such.thing'='x';", "no.such.thing");
}

static void test_drop_and_delete_topic(void **state) {
    fixture *f = *state;
    json_decref(run_ok(f, "CREATE STREAM d (v INT) WITH (kafka_topic='dtopic', partitions=1, value_format='JSON');"));
    json_t *r = run_ok(f, "DROP STREAM d DELETE TOPIC;");
    assert_string_equal(entity_str(r, 0, "commandStatus", "message"), "Source `D` (topic: dtopic) was dropped.");
    assert_string_equal(entity_str(r, 0, "commandId", NULL), "stream/D/drop");
    json_decref(r);
    assert_false(eddy_log_topic_exists(eddy_engine_log(f->engine), "dtopic"));
    assert_err_contains(f, "DROP STREAM d;", "Stream D does not exist.");
    r = run_ok(f, "DROP STREAM IF EXISTS d;");
    assert_string_equal(entity_str(r, 0, "commandStatus", "message"), "Source `D` does not exist.");
    json_decref(r);
    json_decref(run_ok(f, "CREATE TABLE tt (k INT PRIMARY KEY, v INT) WITH (kafka_topic='tt', partitions=1, value_format='JSON');"));
    assert_err_contains(f, "DROP STREAM tt;", "Incompatible data source type is table, but statement was DROP stream");
}

static void test_alter_adds_columns(void **state) {
    fixture *f = *state;
    json_decref(run_ok(f, "CREATE STREAM al (v INT) WITH (kafka_topic='al', partitions=1, value_format='JSON');"));
    json_t *r = run_ok(f, "ALTER STREAM al ADD COLUMN w STRING, ADD COLUMN z BIGINT;");
    assert_string_equal(entity_str(r, 0, "commandStatus", "message"), "Stream AL altered.");
    json_decref(r);
    r = run_ok(f, "DESCRIBE al;");
    assert_int_equal(json_array_size(json_object_get(json_object_get(json_array_get(r, 0), "sourceDescription"), "fields")), 3);
    json_decref(r);
    assert_err_contains(f, "ALTER STREAM al ADD COLUMN v INT;", "A column with the same name already exists.");
}

static void test_catalog_survives_reopen(void **state) {
    fixture *f = *state;
    json_decref(run_ok(f,
                       "CREATE TYPE money AS DECIMAL(10, 2);"
                       "CREATE STREAM r1 (id INT KEY, amount MONEY) WITH (kafka_topic='r1', partitions=2, value_format='JSON');"
                       "CREATE TABLE r2 (id INT PRIMARY KEY, v STRING) WITH (kafka_topic='r2', partitions=1, format='JSON');"
                       "CREATE STREAM r3 (v INT) WITH (kafka_topic='r3', partitions=1, value_format='JSON');"));
    json_decref(run_ok(f, "DROP STREAM r3; ALTER TABLE r2 ADD COLUMN w INT;"));
    eddy_engine_close(f->engine);
    f->engine = NULL;
    assert_int_equal(open_engine(f), 0);
    assert_int_equal(eddy_engine_replayed(f->engine), 6);
    json_t *r = run_ok(f, "SHOW STREAMS; SHOW TABLES; SHOW TYPES; DESCRIBE r2;");
    json_t *streams = json_object_get(json_array_get(r, 0), "streams");
    assert_int_equal(json_array_size(streams), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(streams, 0), "name")), "R1");
    assert_int_equal(json_array_size(json_object_get(json_array_get(r, 1), "tables")), 1);
    assert_non_null(json_object_get(json_object_get(json_array_get(r, 2), "types"), "MONEY"));
    assert_int_equal(json_array_size(json_object_get(json_object_get(json_array_get(r, 3), "sourceDescription"), "fields")), 3);
    json_decref(r);
    /* New commands continue the sequence. */
    r = run_ok(f, "CREATE STREAM r4 (v INT) WITH (kafka_topic='r4', partitions=1, value_format='JSON');");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "commandSequenceNumber")), 6);
    json_decref(r);
}

static void test_queries_endpoint_statements_get_40002(void **state) {
    fixture *f = *state;
    int status;
    json_decref(run_ok(f, "CREATE STREAM qs (v INT) WITH (kafka_topic='qs', partitions=1, value_format='JSON');"));
    json_t *r = run(f, "SELECT * FROM qs EMIT CHANGES;", &status);
    assert_int_equal(status, 400);
    assert_int_equal(json_integer_value(json_object_get(r, "error_code")), 40002);
    json_decref(r);
    assert_err_contains(f, "CREATE STREAM out AS SELECT * FROM qs a JOIN qs b ON a.v = b.v;", "not supported yet");
    assert_err_contains(f, "TERMINATE CSAS_X_1;", "Unknown queryId: CSAS_X_1");
}

static void test_command_sequence_number_ahead_is_503(void **state) {
    fixture *f = *state;
    eddy_ksql_request req = {.ksql = "SHOW STREAMS;", .command_sequence_number = 99};
    json_t *resp;
    int status;
    eddy_engine_ksql(f->engine, &req, &resp, &status);
    assert_int_equal(status, 503);
    assert_int_equal(json_integer_value(json_object_get(resp, "error_code")), 50301);
    json_decref(resp);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(test_create_stream_returns_current_status),
        T(test_describe_shows_key_and_types),
        T(test_missing_topic_needs_partitions),
        T(test_existing_topic_with_other_partitions_is_refused),
        T(test_duplicate_create_errors_and_if_not_exists_warns),
        T(test_one_bad_statement_runs_nothing),
        T(test_topic_created_earlier_in_request_is_seen_by_validation),
        T(test_syntax_error_has_position),
        T(test_format_rules_use_ksqldb_messages),
        T(test_keyless_stream_has_key_format_none),
        T(test_custom_types_resolve_in_create),
        T(test_variables_substitute_and_are_request_scoped),
        T(test_set_rejects_unknown_properties),
        T(test_drop_and_delete_topic),
        T(test_alter_adds_columns),
        T(test_catalog_survives_reopen),
        T(test_queries_endpoint_statements_get_40002),
        T(test_command_sequence_number_ahead_is_503),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
