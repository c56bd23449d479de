/* test_avro_json.c - Avro binary from and to JSON values (the conformance runner's records). */
#include "avro_test.h"

static eddy_avro_schema *g_schema;
static json_t *g_numbers;

static void use_schema(const char *text) {
    eddy_avro_schema_destroy(g_schema);
    g_schema = NULL;
    if (eddy_avro_schema_parse(text, strlen(text), &g_schema, &g_err)) fail_msg("schema: %s", g_err.msg);
}

static int from_json(const char *json) {
    json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    eddy_strbuf_reset(&g_out);
    eddy_err_clear(&g_err);
    int rc = eddy_avro_from_json(g_schema, v, "", NULL, NULL, &g_out, &g_err);
    json_decref(v);
    return rc;
}

/* Decodes g_out back to compact JSON (new string); NULL on error. */
static char *to_json(void) {
    json_t *v = NULL;
    json_decref(g_numbers);
    g_numbers = NULL;
    eddy_err_clear(&g_err);
    if (eddy_avro_to_json(g_schema, g_out.buf, g_out.len, &v, &g_numbers, &g_err)) return NULL;
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    return t;
}

static int teardown_json(void **state) {
    eddy_avro_schema_destroy(g_schema);
    g_schema = NULL;
    json_decref(g_numbers);
    g_numbers = NULL;
    return teardown(state);
}

static void assert_round_trip(const char *json, const char *want) {
    assert_int_equal(from_json(json), 0);
    char *t = to_json();
    if (!t) fail_msg("to_json: %s", g_err.msg);
    assert_json_equal(t, want);
    free(t);
}

static void test_record_round_trips(void **state) {
    (void)state;
    use_schema("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"A\",\"type\":[\"null\",\"int\"]},"
               "{\"name\":\"B\",\"type\":\"string\"},{\"name\":\"C\",\"type\":{\"type\":\"array\",\"items\":\"long\"}},"
               "{\"name\":\"D\",\"type\":\"boolean\"}]}");
    assert_round_trip("{\"A\":1,\"B\":\"x\",\"C\":[1,2],\"D\":true}", "{\"A\":1,\"B\":\"x\",\"C\":[1,2],\"D\":true}");
    assert_round_trip("{\"A\":null,\"B\":\"\",\"C\":[],\"D\":false}", "{\"A\":null,\"B\":\"\",\"C\":[],\"D\":false}");
}

static void test_fields_match_case_insensitively(void **state) {
    (void)state;
    use_schema("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"c1\",\"type\":\"int\"}]}");
    assert_round_trip("{\"C1\":7,\"ignored\":3}", "{\"c1\":7}");
}

static void test_missing_field_takes_its_default_or_null(void **state) {
    (void)state;
    use_schema("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"string\",\"default\":\"foo\"},"
               "{\"name\":\"b\",\"type\":[\"null\",\"int\"]}]}");
    assert_round_trip("{}", "{\"a\":\"foo\",\"b\":null}");
}

static void test_missing_required_field_fails(void **state) {
    (void)state;
    use_schema("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
    assert_int_equal(from_json("{}"), EDDY_INVAL);
    assert_err_contains("null given for a non-null int32");
}

static void test_scalars_convert_from_their_text(void **state) {
    (void)state;
    use_schema("{\"type\":\"array\",\"items\":[\"null\",\"string\"]}");
    assert_round_trip("[1,true,\"x\"]", "[\"1\",\"true\",\"x\"]");
    use_schema("\"int\"");
    assert_round_trip("\"42\"", "42");
}

static void test_decimals_keep_their_scale(void **state) {
    (void)state;
    use_schema("{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":4,\"scale\":2}");
    assert_int_equal(from_json("\"05.10\""), 0);
    char *t = to_json();
    assert_non_null(t);
    free(t);
    assert_string_equal(json_string_value(json_object_get(g_numbers, "")), "5.10");
    assert_int_equal(from_json("-1.5"), 0);
    t = to_json();
    free(t);
    assert_string_equal(json_string_value(json_object_get(g_numbers, "")), "-1.50");
}

static void test_bytes_are_base64(void **state) {
    (void)state;
    use_schema("\"bytes\"");
    assert_int_equal(from_json("\"Qg==\""), 0);
    assert_int_equal(g_out.len, 2);
    assert_memory_equal(g_out.buf, "\x02" "B", 2);
    char *t = to_json();
    assert_string_equal(t, "\"Qg==\"");
    free(t);
}

static void test_map_entries_read_as_an_object(void **state) {
    (void)state;
    use_schema("{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"E\",\"connect.internal.type\":\"MapEntry\","
               "\"fields\":[{\"name\":\"key\",\"type\":[\"null\",\"string\"]},{\"name\":\"value\",\"type\":[\"null\",\"double\"]}]}}");
    assert_round_trip("{\"a\":1.5,\"b\":null}", "{\"a\":1.5,\"b\":null}");
}

static void test_enum_takes_its_symbols_only(void **state) {
    (void)state;
    use_schema("{\"type\":\"enum\",\"name\":\"S\",\"symbols\":[\"SPADES\",\"HEARTS\"]}");
    assert_round_trip("\"HEARTS\"", "\"HEARTS\"");
    assert_int_equal(from_json("\"CLUBS\""), EDDY_INVAL);
}

static void test_floats_print_as_java(void **state) {
    (void)state;
    use_schema("\"float\"");
    assert_int_equal(from_json("1.1"), 0);
    char *t = to_json();
    free(t);
    assert_string_equal(json_string_value(json_object_get(g_numbers, "")), "1.1");
}

static void test_trailing_bytes_are_corrupt(void **state) {
    (void)state;
    use_schema("\"int\"");
    assert_int_equal(from_json("1"), 0);
    eddy_strbuf_putc(&g_out, 0);
    assert_null(to_json());
    assert_int_equal(g_err.code, EDDY_CORRUPT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_record_round_trips, setup, teardown_json),
        cmocka_unit_test_setup_teardown(test_fields_match_case_insensitively, setup, teardown_json),
        cmocka_unit_test_setup_teardown(test_missing_field_takes_its_default_or_null, setup, teardown_json),
        cmocka_unit_test_setup_teardown(test_missing_required_field_fails, setup, teardown_json),
        cmocka_unit_test_setup_teardown(test_scalars_convert_from_their_text, setup, teardown_json),
        cmocka_unit_test_setup_teardown(test_decimals_keep_their_scale, setup, teardown_json),
        cmocka_unit_test_setup_teardown(test_bytes_are_base64, setup, teardown_json),
        cmocka_unit_test_setup_teardown(test_map_entries_read_as_an_object, setup, teardown_json),
        cmocka_unit_test_setup_teardown(test_enum_takes_its_symbols_only, setup, teardown_json),
        cmocka_unit_test_setup_teardown(test_floats_print_as_java, setup, teardown_json),
        cmocka_unit_test_setup_teardown(test_trailing_bytes_are_corrupt, setup, teardown_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
