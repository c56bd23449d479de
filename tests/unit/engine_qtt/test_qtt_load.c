/* test_qtt_load.c - the conformance runner's loader: lenient JSON, exact numbers, matrix expansion, names. */
#include "engine/qtt.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static char *strip(const char *in) {
    char *out = NULL;
    eddy_err err;
    assert_int_equal(eddy_qtt_strip_comments(in, strlen(in), &out, &err), 0);
    return out;
}

/* Loads text as the file "dir/cases.json" into runs. */
static void load(const char *text, eddy_qtt_runs *runs) {
    json_t *doc = NULL, *numbers = NULL;
    eddy_err err;
    eddy_err_clear(&err);
    eddy_qtt_runs_init(runs);
    if (eddy_qtt_parse(text, strlen(text), &doc, &numbers, &err)) fail_msg("parse: %s", err.msg);
    if (eddy_qtt_expand("dir/cases.json", doc, numbers, runs, &err)) fail_msg("expand: %s", err.msg);
    json_decref(doc);
    json_decref(numbers);
}

static const char *statement(const eddy_qtt_run *r, size_t i) {
    return json_string_value(json_array_get(json_object_get(r->tcase, "statements"), i));
}

/* ---- comments ---- */

static void test_line_comment_outside_string_is_blanked(void **state) {
    (void)state;
    char *s = strip("{\"a\": 1} // note\n");
    assert_string_equal(s, "{\"a\": 1}        \n");
    free(s);
}

static void test_comment_markers_inside_strings_are_kept(void **state) {
    (void)state;
    char *s = strip("{\"u\": \"http://x/*y*/\", \"q\": \"a\\\"//b\"}");
    assert_string_equal(s, "{\"u\": \"http://x/*y*/\", \"q\": \"a\\\"//b\"}");
    free(s);
}

static void test_block_comment_keeps_newlines(void **state) {
    (void)state;
    char *s = strip("/* a\nb */{}");
    assert_string_equal(s, "    \n    {}");
    free(s);
}

static void test_unterminated_block_comment_is_a_parse_error(void **state) {
    (void)state;
    char *out = NULL;
    eddy_err err;
    assert_int_equal(eddy_qtt_strip_comments("{} /* open", 10, &out, &err), EDDY_PARSE);
    assert_null(out);
}

static void test_commented_document_parses(void **state) {
    (void)state;
    const char *text = "// header\n{\"tests\": [ /* none */ ]} // end";
    json_t *doc = NULL;
    eddy_err err;
    assert_int_equal(eddy_qtt_parse(text, strlen(text), &doc, NULL, &err), 0);
    assert_true(json_is_array(json_object_get(doc, "tests")));
    json_decref(doc);
}

static void test_syntax_error_reports_line(void **state) {
    (void)state;
    const char *text = "{\n\"tests\": [\n}";
    json_t *doc = NULL;
    eddy_err err;
    assert_int_equal(eddy_qtt_parse(text, strlen(text), &doc, NULL, &err), EDDY_PARSE);
    assert_int_equal(err.line, 3);
    assert_null(doc);
}

/* ---- exact numbers ---- */

static void test_decimal_text_is_kept_exactly(void **state) {
    (void)state;
    eddy_qtt_runs runs;
    load("{\"tests\": [{\"name\": \"n\", \"statements\": [],"
         " \"outputs\": [{\"topic\": \"o\", \"value\": {\"D\": 12.30, \"E\": 1.5e3, \"I\": 7}}]}]}",
         &runs);
    assert_int_equal(runs.n, 1);
    assert_string_equal(eddy_qtt_number_text(&runs.items[0], "/outputs/0/value/D"), "12.30");
    assert_string_equal(eddy_qtt_number_text(&runs.items[0], "/outputs/0/value/E"), "1.5e3");
    assert_null(eddy_qtt_number_text(&runs.items[0], "/outputs/0/value/I"));
    eddy_qtt_runs_fini(&runs);
}

static void test_numbers_are_relative_to_their_case(void **state) {
    (void)state;
    eddy_qtt_runs runs;
    load("{\"tests\": [{\"name\": \"a\", \"statements\": [], \"x\": 1.10},"
         " {\"name\": \"b\", \"statements\": [], \"x\": 2.20}]}",
         &runs);
    assert_int_equal(runs.n, 2);
    assert_string_equal(eddy_qtt_number_text(&runs.items[0], "/x"), "1.10");
    assert_string_equal(eddy_qtt_number_text(&runs.items[1], "/x"), "2.20");
    eddy_qtt_runs_fini(&runs);
}

static void test_integer_beyond_int64_is_kept_as_text(void **state) {
    (void)state;
    eddy_qtt_runs runs;
    load("{\"tests\": [{\"name\": \"n\", \"statements\": [], \"v\": [18446744073709551616, -5]}]}", &runs);
    assert_string_equal(eddy_qtt_number_text(&runs.items[0], "/v/0"), "18446744073709551616");
    assert_true(json_is_integer(json_array_get(json_object_get(runs.items[0].tcase, "v"), 1)));
    eddy_qtt_runs_fini(&runs);
}

static void test_pointer_escapes_slash_and_tilde_in_keys(void **state) {
    (void)state;
    eddy_qtt_runs runs;
    load("{\"tests\": [{\"name\": \"n\", \"statements\": [], \"m\": {\"a/b~c\": 0.5}}]}", &runs);
    assert_string_equal(eddy_qtt_number_text(&runs.items[0], "/m/a~1b~0c"), "0.5");
    eddy_qtt_runs_fini(&runs);
}

/* ---- expansion ---- */

static void test_case_without_matrix_is_one_run(void **state) {
    (void)state;
    eddy_qtt_runs runs;
    load("{\"tests\": [{\"name\": \"plain\", \"statements\": [\"X;\"], \"unknown\": {\"ignored\": true}}]}", &runs);
    assert_int_equal(runs.n, 1);
    assert_null(runs.items[0].format);
    assert_null(runs.items[0].config);
    assert_int_equal(runs.items[0].index, 0);
    assert_string_equal(runs.items[0].stem, "cases");
    assert_string_equal(runs.items[0].display, "cases - plain");
    eddy_qtt_runs_fini(&runs);
}

static void test_format_matrix_replaces_format_in_statements_and_topics(void **state) {
    (void)state;
    eddy_qtt_runs runs;
    load("{\"tests\": [{\"name\": \"f\", \"format\": [\"AVRO\", \"JSON\"],"
         " \"statements\": [\"CREATE ... value_format='{FORMAT}' -- {FORMAT}\"],"
         " \"topics\": [{\"name\": \"t\", \"valueFormat\": \"{FORMAT}\"}],"
         " \"post\": {\"note\": \"{FORMAT}\"}}]}",
         &runs);
    assert_int_equal(runs.n, 2);
    assert_string_equal(runs.items[0].format, "AVRO");
    assert_string_equal(statement(&runs.items[0], 0), "CREATE ... value_format='AVRO' -- AVRO");
    assert_string_equal(statement(&runs.items[1], 0), "CREATE ... value_format='JSON' -- JSON");
    json_t *topic = json_array_get(json_object_get(runs.items[1].tcase, "topics"), 0);
    assert_string_equal(json_string_value(json_object_get(topic, "valueFormat")), "JSON");
    /* Only statements and topics are substituted, as upstream does. */
    json_t *post = json_object_get(runs.items[1].tcase, "post");
    assert_string_equal(json_string_value(json_object_get(post, "note")), "{FORMAT}");
    assert_string_equal(runs.items[1].display, "cases - f - JSON");
    eddy_qtt_runs_fini(&runs);
}

static void test_config_matrix_sets_the_config_property(void **state) {
    (void)state;
    eddy_qtt_runs runs;
    load("{\"tests\": [{\"name\": \"c\", \"statements\": [],"
         " \"properties\": {\"a.b\": \"{CONFIG}\", \"other\": \"x\"}, \"config\": [\"1\", \"2\"]}]}",
         &runs);
    assert_int_equal(runs.n, 2);
    assert_string_equal(runs.items[0].config_prop, "a.b");
    assert_string_equal(runs.items[1].config, "2");
    json_t *props = json_object_get(runs.items[1].tcase, "properties");
    assert_string_equal(json_string_value(json_object_get(props, "a.b")), "2");
    assert_string_equal(json_string_value(json_object_get(props, "other")), "x");
    assert_string_equal(runs.items[0].display, "cases - c - a.b=1");
    eddy_qtt_runs_fini(&runs);
}

static void test_runs_are_formats_times_configs(void **state) {
    (void)state;
    eddy_qtt_runs runs;
    load("{\"tests\": [{\"name\": \"m\", \"statements\": [], \"format\": [\"AVRO\", \"JSON\", \"KAFKA\"],"
         " \"properties\": {\"p\": \"{CONFIG}\"}, \"config\": [true, false]}]}",
         &runs);
    assert_int_equal(runs.n, 6);
    assert_string_equal(runs.items[0].display, "cases - m - AVRO - p=true");
    assert_string_equal(runs.items[5].display, "cases - m - KAFKA - p=false");
    eddy_qtt_runs_fini(&runs);
}

static void test_case_indexes_count_cases_not_runs(void **state) {
    (void)state;
    eddy_qtt_runs runs;
    load("{\"tests\": [{\"name\": \"a\", \"statements\": [], \"format\": [\"A\", \"B\"]},"
         " {\"name\": \"b\", \"statements\": []}]}",
         &runs);
    assert_int_equal(runs.n, 3);
    assert_int_equal(runs.items[1].index, 0);
    assert_int_equal(runs.items[2].index, 1);
    eddy_qtt_runs_fini(&runs);
}

static void test_document_without_tests_is_rejected(void **state) {
    (void)state;
    eddy_qtt_runs runs;
    json_t *doc = json_pack("{s:[]}", "cases");
    eddy_err err;
    eddy_qtt_runs_init(&runs);
    assert_int_equal(eddy_qtt_expand("x.json", doc, NULL, &runs, &err), EDDY_PARSE);
    assert_int_equal(runs.n, 0);
    json_decref(doc);
}

static void test_display_name_forms(void **state) {
    (void)state;
    char *a = eddy_qtt_display_name("joins", "x", NULL, NULL, NULL);
    char *b = eddy_qtt_display_name("joins", "x", "AVRO", NULL, NULL);
    char *c = eddy_qtt_display_name("joins", "x", "AVRO", "p", "v");
    char *d = eddy_qtt_display_name("joins", "x", NULL, "p", "v");
    assert_string_equal(a, "joins - x");
    assert_string_equal(b, "joins - x - AVRO");
    assert_string_equal(c, "joins - x - AVRO - p=v");
    assert_string_equal(d, "joins - x - p=v");
    free(a);
    free(b);
    free(c);
    free(d);
}

/* ---- messages ---- */

static void test_expected_message_matches_as_substring(void **state) {
    (void)state;
    assert_true(eddy_qtt_message_matches("unknown column", "line 1:8: unknown column 'X'"));
    assert_false(eddy_qtt_message_matches("unknown column 'Y'", "line 1:8: unknown column 'X'"));
}

static void test_missing_expected_message_matches_any_error(void **state) {
    (void)state;
    assert_true(eddy_qtt_message_matches(NULL, "anything"));
    assert_true(eddy_qtt_message_matches("", "anything"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_comment_outside_string_is_blanked),
        cmocka_unit_test(test_comment_markers_inside_strings_are_kept),
        cmocka_unit_test(test_block_comment_keeps_newlines),
        cmocka_unit_test(test_unterminated_block_comment_is_a_parse_error),
        cmocka_unit_test(test_commented_document_parses),
        cmocka_unit_test(test_syntax_error_reports_line),
        cmocka_unit_test(test_decimal_text_is_kept_exactly),
        cmocka_unit_test(test_numbers_are_relative_to_their_case),
        cmocka_unit_test(test_integer_beyond_int64_is_kept_as_text),
        cmocka_unit_test(test_pointer_escapes_slash_and_tilde_in_keys),
        cmocka_unit_test(test_case_without_matrix_is_one_run),
        cmocka_unit_test(test_format_matrix_replaces_format_in_statements_and_topics),
        cmocka_unit_test(test_config_matrix_sets_the_config_property),
        cmocka_unit_test(test_runs_are_formats_times_configs),
        cmocka_unit_test(test_case_indexes_count_cases_not_runs),
        cmocka_unit_test(test_document_without_tests_is_rejected),
        cmocka_unit_test(test_display_name_forms),
        cmocka_unit_test(test_expected_message_matches_as_substring),
        cmocka_unit_test(test_missing_expected_message_matches_any_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
