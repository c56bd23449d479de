/* test_qtt_run.c - the conformance runner's verdicts: PASS, FAIL with a difference, SKIP with a reason. */
#include "engine/qtt.h"
#include "engine/qtt_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define CREATE_S "CREATE STREAM S (ID BIGINT KEY, NAME STRING) WITH (kafka_topic='s', value_format='JSON');"

/* Runs the i-th run of the case file text and returns its result (the caller
 * finishes it with eddy_qtt_result_fini). */
static eddy_qtt_result run_nth(const char *text, int i) {
    eddy_qtt_runs runs;
    json_t *doc = NULL, *numbers = NULL;
    eddy_qtt_result res;
    eddy_qtt_options opts = {.in_memory = true, .verbose = false};
    eddy_err err;
    eddy_err_clear(&err);
    eddy_qtt_runs_init(&runs);
    eddy_qtt_result_init(&res);
    if (eddy_qtt_parse(text, strlen(text), &doc, &numbers, &err)) fail_msg("parse: %s", err.msg);
    if (eddy_qtt_expand("own.json", doc, numbers, &runs, &err)) fail_msg("expand: %s", err.msg);
    assert_true(i < runs.n);
    assert_int_equal(eddy_qtt_run_one(&runs.items[i], &opts, &res), 0);
    json_decref(doc);
    json_decref(numbers);
    eddy_qtt_runs_fini(&runs);
    return res;
}

static eddy_qtt_result run_first(const char *text) { return run_nth(text, 0); }

static void expect(const char *text, eddy_qtt_outcome outcome, const char *reason_part) {
    eddy_qtt_result res = run_first(text);
    if (res.outcome != outcome)
        fail_msg("expected %s, got %s: %s", eddy_qtt_outcome_name(outcome), eddy_qtt_outcome_name(res.outcome),
                 res.reason ? res.reason : "");
    if (reason_part) {
        assert_non_null(res.reason);
        if (!strstr(res.reason, reason_part)) fail_msg("reason '%s' lacks '%s'", res.reason, reason_part);
    }
    eddy_qtt_result_fini(&res);
}

static void test_matching_post_sources_pass(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
           " \"post\": {\"sources\": [{\"name\": \"S\", \"type\": \"stream\","
           " \"schema\": \"ID BIGINT KEY, NAME STRING\", \"keyFormat\": {\"format\": \"KAFKA\"},"
           " \"valueFormat\": \"JSON\"}]}}]}",
           EDDY_QTT_PASS, NULL);
}

static void test_different_schema_fails_showing_both(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
           " \"post\": {\"sources\": [{\"name\": \"S\", \"type\": \"stream\","
           " \"schema\": \"ID INT KEY, NAME STRING\"}]}}]}",
           EDDY_QTT_FAIL, "expected: ID INTEGER KEY, NAME STRING");
}

static void test_key_column_moved_to_value_fails(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
           " \"post\": {\"sources\": [{\"name\": \"S\", \"schema\": \"ID BIGINT, NAME STRING\"}]}}]}",
           EDDY_QTT_FAIL, "schema differs");
}

static void test_wrong_source_type_fails(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
           " \"post\": {\"sources\": [{\"name\": \"S\", \"type\": \"table\"}]}}]}",
           EDDY_QTT_FAIL, "expected a table");
}

static void test_missing_source_fails(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
           " \"post\": {\"sources\": [{\"name\": \"OTHER\", \"type\": \"stream\"}]}}]}",
           EDDY_QTT_FAIL, "source OTHER: expected to exist");
}

static void test_wrong_key_format_fails(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
           " \"post\": {\"sources\": [{\"name\": \"S\", \"keyFormat\": {\"format\": \"JSON\"}}]}}]}",
           EDDY_QTT_FAIL, "expected key format JSON, got KAFKA");
}

static void test_topic_matching_blacklist_fails(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
           " \"post\": {\"topics\": {\"blacklist\": \"s|x\"}}}]}",
           EDDY_QTT_FAIL, "topic s exists but matches the blacklist");
}

static void test_blacklist_matches_whole_names_only(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
           " \"post\": {\"topics\": {\"blacklist\": \".*-repartition\"}}}]}",
           EDDY_QTT_PASS, NULL);
}

static void test_topic_partitions_are_compared(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"topics\": [{\"name\": \"s\", \"partitions\": 2}],"
           " \"statements\": [\"" CREATE_S "\"],"
           " \"post\": {\"topics\": {\"topics\": [{\"name\": \"s\", \"partitions\": 3}]}}}]}",
           EDDY_QTT_FAIL, "expected 3 partitions, got 2");
}

static void test_expected_exception_found_as_substring_passes(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\", \"" CREATE_S "\"],"
           " \"expectedException\": {\"type\": \"x\", \"message\": \"A stream with the same name already exists\"}}]}",
           EDDY_QTT_PASS, NULL);
}

static void test_other_error_message_fails_showing_both(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"DROP STREAM NOPE;\"],"
           " \"expectedException\": {\"type\": \"x\", \"message\": \"something else\"}}]}",
           EDDY_QTT_FAIL, "expected an error containing: something else");
}

static void test_unexpected_error_fails(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"DROP STREAM NOPE;\"]}]}", EDDY_QTT_FAIL,
           "statement 1 failed");
}

static void test_missing_expected_exception_fails(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
           " \"expectedException\": {\"type\": \"x\", \"message\": \"boom\"}}]}",
           EDDY_QTT_FAIL, "expected an exception: boom");
}

static void test_expected_exception_not_raised_by_records_fails(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
           " \"inputs\": [{\"topic\": \"s\", \"value\": {}}],"
           " \"expectedException\": {\"type\": \"x\", \"message\": \"boom\"}}]}",
           EDDY_QTT_FAIL, "every statement and every record succeeded");
}

static void test_unsupported_statement_is_skipped_with_its_message(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\","
           " \"CREATE STREAM O AS SELECT * FROM S JOIN S S2 WITHIN 1 SECOND ON S.ID = S2.ID;\"],"
           " \"expectedException\": {\"type\": \"x\", \"message\": \"whatever\"}}]}",
           EDDY_QTT_SKIP, "not supported yet");
}

/* ---- records -------------------------------------------------------------- */

#define CSAS_O "CREATE STREAM O AS SELECT ID, NAME FROM S WHERE ID > 1;"

static void test_inputs_flow_through_a_query_into_the_expected_outputs(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\", \"" CSAS_O "\"],"
           " \"inputs\": [{\"topic\": \"s\", \"key\": 1, \"value\": {\"name\": \"a\"}},"
           "  {\"topic\": \"s\", \"key\": 2, \"value\": {\"NAME\": \"b\"}, \"timestamp\": 7}],"
           " \"outputs\": [{\"topic\": \"O\", \"key\": 2, \"value\": {\"NAME\": \"b\"}, \"timestamp\": 7}]}]}",
           EDDY_QTT_PASS, NULL);
}

static void test_wrong_output_value_fails_showing_record_and_field(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\", \"" CSAS_O "\"],"
           " \"inputs\": [{\"topic\": \"s\", \"key\": 2, \"value\": {\"NAME\": \"b\"}}],"
           " \"outputs\": [{\"topic\": \"O\", \"key\": 2, \"value\": {\"NAME\": \"C\"}}]}]}",
           EDDY_QTT_FAIL, "value.NAME: expected \"C\", got \"b\"");
}

static void test_missing_output_records_fail_with_the_counts(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\", \"" CSAS_O "\"],"
           " \"inputs\": [{\"topic\": \"s\", \"key\": 1, \"value\": {\"NAME\": \"a\"}}],"
           " \"outputs\": [{\"topic\": \"O\", \"key\": 1, \"value\": {\"NAME\": \"a\"}}]}]}",
           EDDY_QTT_FAIL, "topic O: expected 1 records, got 0");
}

static void test_output_timestamp_is_compared_when_given(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\", \"" CSAS_O "\"],"
           " \"inputs\": [{\"topic\": \"s\", \"key\": 2, \"value\": {\"NAME\": \"b\"}, \"timestamp\": 5}],"
           " \"outputs\": [{\"topic\": \"O\", \"key\": 2, \"value\": {\"NAME\": \"b\"}, \"timestamp\": 6}]}]}",
           EDDY_QTT_FAIL, "timestamp: expected 6, got 5");
}

static void test_kafka_and_delimited_records_round_trip(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": ["
           " \"CREATE STREAM K (ID INT KEY, V DOUBLE) WITH (kafka_topic='k', value_format='KAFKA');\","
           " \"CREATE STREAM D WITH (value_format='DELIMITED') AS SELECT ID, V, V + 1.25 AS W FROM K;\"],"
           " \"inputs\": [{\"topic\": \"k\", \"key\": 3, \"value\": 1.5}],"
           " \"outputs\": [{\"topic\": \"D\", \"key\": 3, \"value\": \"1.5,2.75\"}]}]}",
           EDDY_QTT_PASS, NULL);
}

static void test_insert_values_records_are_compared_without_inputs(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\","
           " \"INSERT INTO S (ID, NAME) VALUES (4, 'x');\"],"
           " \"outputs\": [{\"topic\": \"s\", \"key\": 4, \"value\": {\"NAME\": \"x\"}, \"timestamp\": 0}]}]}",
           EDDY_QTT_PASS, NULL);
}

#define TWO_PARTITIONS \
    "{\"tests\": [{\"name\": \"n\", \"topics\": [{\"name\": \"O\", \"partitions\": 2}]," \
    " \"statements\": [\"" CREATE_S "\", \"CREATE STREAM O AS SELECT * FROM S;\"]," \
    " \"inputs\": [{\"topic\": \"s\", \"key\": 1, \"value\": {\"NAME\": \"a\"}}," \
    "  {\"topic\": \"s\", \"key\": 2, \"value\": {\"NAME\": \"b\"}}," \
    "  {\"topic\": \"s\", \"key\": 3, \"value\": {\"NAME\": \"c\"}}," \
    "  {\"topic\": \"s\", \"key\": 1, \"value\": {\"NAME\": \"d\"}}],"

static void test_outputs_over_partitions_keep_each_partitions_order(void **state) {
    (void)state;
    expect(TWO_PARTITIONS
           " \"outputs\": [{\"topic\": \"O\", \"key\": 1, \"value\": {\"NAME\": \"a\"}},"
           "  {\"topic\": \"O\", \"key\": 2, \"value\": {\"NAME\": \"b\"}},"
           "  {\"topic\": \"O\", \"key\": 3, \"value\": {\"NAME\": \"c\"}},"
           "  {\"topic\": \"O\", \"key\": 1, \"value\": {\"NAME\": \"d\"}}]}]}",
           EDDY_QTT_PASS, NULL);
    expect(TWO_PARTITIONS
           " \"outputs\": [{\"topic\": \"O\", \"key\": 1, \"value\": {\"NAME\": \"d\"}},"
           "  {\"topic\": \"O\", \"key\": 2, \"value\": {\"NAME\": \"b\"}},"
           "  {\"topic\": \"O\", \"key\": 3, \"value\": {\"NAME\": \"c\"}},"
           "  {\"topic\": \"O\", \"key\": 1, \"value\": {\"NAME\": \"a\"}}]}]}",
           EDDY_QTT_FAIL, "value.NAME: expected \"d\", got \"a\"");
}

/* ---- value comparison (upstream's rules) ----------------------------------- */

/* Compares expected JSON text exp (a case's output value, exact numbers)
 * with actual JSON text act, as values of type t. */
static bool values_match(const char *exp, const char *act, const eddy_type *t) {
    char text[512];
    eddy_qtt_runs runs;
    json_t *doc = NULL, *numbers = NULL, *adoc = NULL, *anumbers = NULL;
    eddy_err err;
    snprintf(text, sizeof text,
             "{\"tests\": [{\"name\": \"n\", \"statements\": [], \"outputs\": [{\"topic\": \"t\", \"value\": %s}]}]}",
             exp);
    eddy_qtt_runs_init(&runs);
    assert_int_equal(eddy_qtt_parse(text, strlen(text), &doc, &numbers, &err), 0);
    assert_int_equal(eddy_qtt_expand("own.json", doc, numbers, &runs, &err), 0);
    assert_int_equal(eddy_qtt_parse(act, strlen(act), &adoc, &anumbers, &err), 0);
    json_t *e = json_object_get(json_array_get(json_object_get(runs.items[0].tcase, "outputs"), 0), "value");
    bool ok = eddy_qtt_value_matches(&runs.items[0], e, "/outputs/0/value", adoc, anumbers, "", t, "value", NULL);
    json_decref(doc);
    json_decref(numbers);
    json_decref(adoc);
    json_decref(anumbers);
    eddy_qtt_runs_fini(&runs);
    return ok;
}

static void test_decimals_must_match_in_value_and_scale(void **state) {
    (void)state;
    assert_true(values_match("12.30", "12.30", NULL));
    assert_false(values_match("12.30", "12.3", NULL));
    assert_false(values_match("12.3", "12.31", NULL));
    assert_true(values_match("1.0E+1", "10E0", NULL));
}

static void test_integer_literal_matches_only_a_decimal_without_fraction(void **state) {
    (void)state;
    assert_true(values_match("10", "10", NULL));
    assert_false(values_match("10", "10.0", NULL));
    assert_true(values_match("10", "1E+1", NULL));
}

static void test_double_columns_compare_with_a_tolerance(void **state) {
    (void)state;
    eddy_type *d = eddy_type_primitive(EDDY_TYPE_DOUBLE);
    assert_true(values_match("0.3", "0.30000000000000004", d));
    assert_true(values_match("100.0", "100", d));
    assert_false(values_match("0.3", "0.31", d));
    assert_false(values_match("0.3", "0.30000000000000004", NULL));
}

static void test_expected_fields_are_looked_up_as_written_then_upper_cased(void **state) {
    (void)state;
    assert_true(values_match("{\"name\": \"a\"}", "{\"NAME\": \"a\"}", NULL));
    assert_true(values_match("{\"id!\": 1}", "{\"id!\": 1}", NULL));
    assert_false(values_match("{\"Name\": \"a\"}", "{\"name\": \"a\"}", NULL));
}

static void test_objects_need_the_same_number_of_fields(void **state) {
    (void)state;
    assert_false(values_match("{\"A\": 1}", "{\"A\": 1, \"B\": null}", NULL));
    assert_true(values_match("{\"A\": 1, \"B\": null}", "{\"A\": 1, \"B\": null}", NULL));
}

static void test_expected_string_matches_a_decimal_of_that_text(void **state) {
    (void)state;
    assert_true(values_match("\"1.50\"", "1.50", NULL));
    assert_false(values_match("\"1.5\"", "1.50", NULL));
    assert_false(values_match("\"1\"", "1", NULL));
}

static void test_disabled_case_is_skipped(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"enabled\": false, \"statements\": [\"" CREATE_S "\"]}]}",
           EDDY_QTT_SKIP, "enabled: false");
}

static void test_protobuf_run_is_skipped_without_running(void **state) {
    (void)state;
    eddy_qtt_result res = run_nth("{\"tests\": [{\"name\": \"n\", \"format\": [\"JSON\", \"PROTOBUF\"],"
                                  " \"statements\": [\"DROP STREAM NOPE;\"]}]}",
                                  1);
    assert_int_equal(res.outcome, EDDY_QTT_SKIP);
    assert_string_equal(res.reason, "format PROTOBUF not supported yet");
    eddy_qtt_result_fini(&res);
}

/* A stream with three records and a SELECT on it (the query text is spliced in). */
#define QUERY_CASE(select, query_response)                                                                          \
    "{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\", \"" select "\"],"                            \
    " \"inputs\": [{\"topic\": \"s\", \"key\": 1, \"value\": {\"NAME\": \"a\"}},"                                   \
    " {\"topic\": \"s\", \"key\": 2, \"value\": {\"NAME\": \"b\"}},"                                                \
    " {\"topic\": \"s\", \"key\": 3, \"value\": {\"NAME\": \"c\"}}],"                                               \
    " \"responses\": [{\"admin\": {\"@type\": \"currentStatus\"}}, {\"query\": [" query_response "]}]}]}"

static void test_push_query_rows_match_in_any_order_with_limit_reached(void **state) {
    (void)state;
    expect(QUERY_CASE("SELECT * FROM S EMIT CHANGES LIMIT 2;",
                      "{\"header\": {\"schema\": \"`ID` BIGINT, `NAME` STRING\"}},"
                      " {\"row\": {\"columns\": [2, \"b\"]}}, {\"row\": {\"columns\": [1, \"a\"]}},"
                      " {\"finalMessage\": \"Limit Reached\"}"),
           EDDY_QTT_PASS, NULL);
}

static void test_query_header_fields_are_compared(void **state) {
    (void)state;
    expect(QUERY_CASE("SELECT NAME FROM S EMIT CHANGES LIMIT 1;",
                      "{\"header\": {\"queryId|startsWith\": \"transient_S_\", \"schema\": \"`NAME` INTEGER\"}},"
                      " {\"row\": {\"columns\": [\"a\"]}}"),
           EDDY_QTT_FAIL, "header schema: expected \"`NAME` INTEGER\", got \"`NAME` STRING\"");
}

static void test_query_row_count_must_match(void **state) {
    (void)state;
    expect(QUERY_CASE("SELECT * FROM S EMIT CHANGES LIMIT 2;", "{\"row\": {\"columns\": [1, \"a\"]}}"),
           EDDY_QTT_FAIL, "expected 1 rows, got 2");
}

static void test_wrong_query_row_fails_naming_it(void **state) {
    (void)state;
    expect(QUERY_CASE("SELECT * FROM S EMIT CHANGES LIMIT 1;", "{\"row\": {\"columns\": [1, \"z\"]}}"),
           EDDY_QTT_FAIL, "expected row {\"columns\":[1,\"z\"]} is missing");
}

static void test_pull_query_on_stream_reads_to_the_end_and_completes(void **state) {
    (void)state;
    expect(QUERY_CASE("SELECT ID FROM S WHERE ID > 1;",
                      "{\"header\": {\"schema\": \"`ID` BIGINT\"}}, {\"row\": {\"columns\": [2]}},"
                      " {\"row\": {\"columns\": [3]}}, {\"finalMessage\": \"Query Completed\"}"),
           EDDY_QTT_PASS, NULL);
}

static void test_pull_query_hitting_its_limit_says_limit_reached(void **state) {
    (void)state;
    expect(QUERY_CASE("SELECT ID FROM S LIMIT 1;", "{\"row\": {\"columns\": [1]}}, {\"finalMessage\": \"Limit Reached\"}"),
           EDDY_QTT_PASS, NULL);
    expect(QUERY_CASE("SELECT ID FROM S LIMIT 0;", "{\"finalMessage\": \"Limit Reached\"}"), EDDY_QTT_PASS, NULL);
}

static void test_several_queries_answer_in_order(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\", \"SELECT ID FROM S;\","
           " \"SELECT NAME FROM S;\"], \"inputs\": [{\"topic\": \"s\", \"key\": 7, \"value\": {\"NAME\": \"x\"}}],"
           " \"responses\": [{\"admin\": {}}, {\"query\": [{\"row\": {\"columns\": [7]}}]},"
           " {\"query\": [{\"row\": {\"columns\": [\"x\"]}}]}]}]}",
           EDDY_QTT_PASS, NULL);
}

static void test_query_error_is_judged_against_expected_error(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\", \"SELECT NOPE FROM S EMIT CHANGES;\"],"
           " \"expectedError\": {\"type\": \"io.confluent.ksql.rest.entity.KsqlStatementErrorMessage\","
           " \"message\": \"NOPE\", \"status\": 400}}]}",
           EDDY_QTT_PASS, NULL);
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\", \"SELECT ID FROM S EMIT CHANGES;\"],"
           " \"expectedError\": {\"type\": \"x\", \"message\": \"NOPE\", \"status\": 400}}]}",
           EDDY_QTT_FAIL, "expected an exception");
}

static void test_push_query_on_table_shows_deletes_as_tombstones(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"CREATE TABLE T (ID BIGINT PRIMARY KEY, NAME STRING)"
           " WITH (kafka_topic='t', value_format='JSON');\", \"SELECT * FROM T EMIT CHANGES LIMIT 2;\"],"
           " \"inputs\": [{\"topic\": \"t\", \"key\": 1, \"value\": {\"name\": \"a\"}},"
           "  {\"topic\": \"t\", \"key\": 1, \"value\": null}],"
           " \"responses\": [{\"admin\": {\"@type\": \"currentStatus\"}}, {\"query\": ["
           "  {\"header\": {\"schema\": \"`ID` BIGINT, `NAME` STRING\"}},"
           "  {\"row\": {\"columns\": [1, \"a\"]}}, {\"row\": {\"columns\": [1, null], \"tombstone\": true}},"
           "  {\"finalMessage\": \"Limit Reached\"}]}]}]}",
           EDDY_QTT_PASS, NULL);
}

static void test_pull_query_on_unmaterialized_table_is_an_error(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"CREATE TABLE T (ID BIGINT PRIMARY KEY, NAME STRING)"
           " WITH (kafka_topic='t', value_format='JSON');\", \"SELECT * FROM T;\"],"
           " \"expectedError\": {\"type\": \"io.confluent.ksql.rest.entity.KsqlStatementErrorMessage\","
           " \"message\": \"The `T` table isn't queryable.\", \"status\": 400}}]}",
           EDDY_QTT_PASS, NULL);
}

static void test_admin_responses_are_compared_by_listed_fields(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
           " \"responses\": [{\"admin\": {\"@type\": \"currentStatus\","
           " \"commandStatus\": {\"message|startsWith\": \"Stream\"}}}]}]}",
           EDDY_QTT_PASS, NULL);
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
           " \"responses\": [{\"admin\": {\"@type\": \"sourceDescription\"}}]}]}",
           EDDY_QTT_FAIL, "response 1/@type");
}

static void test_rest_expected_error_checks_status(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"DROP TABLE NOPE;\"],"
           " \"expectedError\": {\"type\": \"io.confluent.ksql.rest.entity.KsqlStatementErrorMessage\","
           " \"message\": \"does not exist\", \"status\": 400}}]}",
           EDDY_QTT_PASS, NULL);
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"DROP TABLE NOPE;\"],"
           " \"expectedError\": {\"type\": \"x\", \"message\": \"does not exist\", \"status\": 404}}]}",
           EDDY_QTT_FAIL, "expected HTTP status 404, got 400");
}

static void test_syntax_error_lines_count_from_first_statement(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\", \"CREATE STREAM FROM;\"],"
           " \"expectedException\": {\"type\": \"x\", \"message\": \"line 2:\"}}]}",
           EDDY_QTT_PASS, NULL);
}

static void test_case_properties_reach_the_engine(void **state) {
    (void)state;
    expect("{\"tests\": [{\"name\": \"n\", \"properties\": {\"ksql.persistence.default.format.key\": \"JSON\"},"
           " \"statements\": [\"" CREATE_S "\"],"
           " \"post\": {\"sources\": [{\"name\": \"S\", \"keyFormat\": {\"format\": \"JSON\"}}]}}]}",
           EDDY_QTT_PASS, NULL);
}

static void test_runs_on_disk_too(void **state) {
    (void)state;
    eddy_qtt_runs runs;
    json_t *doc = NULL;
    eddy_qtt_result res;
    eddy_qtt_options opts = {.in_memory = false, .verbose = false};
    eddy_err err;
    const char *text = "{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\"],"
                       " \"post\": {\"sources\": [{\"name\": \"S\"}]}}]}";
    eddy_qtt_runs_init(&runs);
    eddy_qtt_result_init(&res);
    assert_int_equal(eddy_qtt_parse(text, strlen(text), &doc, NULL, &err), 0);
    assert_int_equal(eddy_qtt_expand("own.json", doc, NULL, &runs, &err), 0);
    assert_int_equal(eddy_qtt_run_one(&runs.items[0], &opts, &res), 0);
    assert_int_equal(res.outcome, EDDY_QTT_PASS);
    eddy_qtt_result_fini(&res);
    eddy_qtt_runs_fini(&runs);
    json_decref(doc);
}

static void test_kafka_option_runs_records_on_a_mock_cluster(void **state) {
    (void)state;
    eddy_qtt_runs runs;
    json_t *doc = NULL;
    eddy_qtt_result res;
    eddy_qtt_options opts = {.in_memory = true, .kafka = true, .verbose = false};
    eddy_err err;
    const char *text = "{\"tests\": [{\"name\": \"n\", \"statements\": [\"" CREATE_S "\","
                       " \"CREATE STREAM O AS SELECT ID, UCASE(NAME) AS N FROM S;\"],"
                       " \"inputs\": [{\"topic\": \"s\", \"key\": 1, \"value\": {\"NAME\": \"a\"}, \"timestamp\": 5}],"
                       " \"outputs\": [{\"topic\": \"O\", \"key\": 1, \"value\": {\"N\": \"A\"}, \"timestamp\": 5}]}]}";
    eddy_qtt_runs_init(&runs);
    eddy_qtt_result_init(&res);
    assert_int_equal(eddy_qtt_parse(text, strlen(text), &doc, NULL, &err), 0);
    assert_int_equal(eddy_qtt_expand("own.json", doc, NULL, &runs, &err), 0);
    assert_int_equal(eddy_qtt_run_one(&runs.items[0], &opts, &res), 0);
    if (res.outcome != EDDY_QTT_PASS) fail_msg("%s: %s", eddy_qtt_outcome_name(res.outcome), res.reason ? res.reason : "");
    eddy_qtt_mock_drain();
    eddy_qtt_result_fini(&res);
    eddy_qtt_runs_fini(&runs);
    json_decref(doc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matching_post_sources_pass),
        cmocka_unit_test(test_different_schema_fails_showing_both),
        cmocka_unit_test(test_key_column_moved_to_value_fails),
        cmocka_unit_test(test_wrong_source_type_fails),
        cmocka_unit_test(test_missing_source_fails),
        cmocka_unit_test(test_wrong_key_format_fails),
        cmocka_unit_test(test_topic_matching_blacklist_fails),
        cmocka_unit_test(test_blacklist_matches_whole_names_only),
        cmocka_unit_test(test_topic_partitions_are_compared),
        cmocka_unit_test(test_expected_exception_found_as_substring_passes),
        cmocka_unit_test(test_other_error_message_fails_showing_both),
        cmocka_unit_test(test_unexpected_error_fails),
        cmocka_unit_test(test_missing_expected_exception_fails),
        cmocka_unit_test(test_expected_exception_not_raised_by_records_fails),
        cmocka_unit_test(test_unsupported_statement_is_skipped_with_its_message),
        cmocka_unit_test(test_inputs_flow_through_a_query_into_the_expected_outputs),
        cmocka_unit_test(test_wrong_output_value_fails_showing_record_and_field),
        cmocka_unit_test(test_missing_output_records_fail_with_the_counts),
        cmocka_unit_test(test_output_timestamp_is_compared_when_given),
        cmocka_unit_test(test_kafka_and_delimited_records_round_trip),
        cmocka_unit_test(test_insert_values_records_are_compared_without_inputs),
        cmocka_unit_test(test_outputs_over_partitions_keep_each_partitions_order),
        cmocka_unit_test(test_decimals_must_match_in_value_and_scale),
        cmocka_unit_test(test_integer_literal_matches_only_a_decimal_without_fraction),
        cmocka_unit_test(test_double_columns_compare_with_a_tolerance),
        cmocka_unit_test(test_expected_fields_are_looked_up_as_written_then_upper_cased),
        cmocka_unit_test(test_objects_need_the_same_number_of_fields),
        cmocka_unit_test(test_expected_string_matches_a_decimal_of_that_text),
        cmocka_unit_test(test_disabled_case_is_skipped),
        cmocka_unit_test(test_protobuf_run_is_skipped_without_running),
        cmocka_unit_test(test_push_query_rows_match_in_any_order_with_limit_reached),
        cmocka_unit_test(test_query_header_fields_are_compared),
        cmocka_unit_test(test_query_row_count_must_match),
        cmocka_unit_test(test_wrong_query_row_fails_naming_it),
        cmocka_unit_test(test_pull_query_on_stream_reads_to_the_end_and_completes),
        cmocka_unit_test(test_pull_query_hitting_its_limit_says_limit_reached),
        cmocka_unit_test(test_several_queries_answer_in_order),
        cmocka_unit_test(test_query_error_is_judged_against_expected_error),
        cmocka_unit_test(test_push_query_on_table_shows_deletes_as_tombstones),
        cmocka_unit_test(test_pull_query_on_unmaterialized_table_is_an_error),
        cmocka_unit_test(test_admin_responses_are_compared_by_listed_fields),
        cmocka_unit_test(test_rest_expected_error_checks_status),
        cmocka_unit_test(test_syntax_error_lines_count_from_first_statement),
        cmocka_unit_test(test_case_properties_reach_the_engine),
        cmocka_unit_test(test_runs_on_disk_too),
        cmocka_unit_test(test_kafka_option_runs_records_on_a_mock_cluster),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
