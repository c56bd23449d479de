/* test_types.c - SQL types: construction, equality, ksqlDB's printing, schemas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "schemas/formats.h"
#include "schemas/types.h"

#include <stdlib.h>
#include <string.h>

static void assert_type_text(eddy_type *t, const char *want) {
    char *s = eddy_type_to_string(t);
    assert_string_equal(s, want);
    free(s);
}

static void test_primitives_print_as_ksqldb(void **state) {
    (void)state;
    assert_type_text(eddy_type_primitive(EDDY_TYPE_INT), "INTEGER");
    assert_type_text(eddy_type_primitive(EDDY_TYPE_BIGINT), "BIGINT");
    assert_type_text(eddy_type_primitive(EDDY_TYPE_STRING), "STRING");
    assert_type_text(eddy_type_primitive(EDDY_TYPE_TIMESTAMP), "TIMESTAMP");
}

static void test_nested_types_print_as_ksqldb(void **state) {
    (void)state;
    const char *names[] = {"A", "b"};
    eddy_type *types[] = {eddy_type_primitive(EDDY_TYPE_INT),
                          eddy_type_map(eddy_type_primitive(EDDY_TYPE_STRING), eddy_type_decimal(4, 2))};
    eddy_type *s = eddy_type_struct(2, names, types);
    eddy_type *a = eddy_type_array(s);
    assert_type_text(a, "ARRAY<STRUCT<`A` INTEGER, `b` MAP<STRING, DECIMAL(4, 2)>>>");
    eddy_type_unref(a);
}

static void test_type_equality_is_structural(void **state) {
    (void)state;
    eddy_type *a = eddy_type_array(eddy_type_decimal(10, 2));
    eddy_type *b = eddy_type_array(eddy_type_decimal(10, 2));
    eddy_type *c = eddy_type_array(eddy_type_decimal(10, 3));
    assert_true(eddy_type_equal(a, b));
    assert_false(eddy_type_equal(a, c));
    eddy_type_unref(a);
    eddy_type_unref(b);
    eddy_type_unref(c);
}

static void test_schema_format_marks_keys_and_headers(void **state) {
    (void)state;
    eddy_schema *s = eddy_schema_new();
    eddy_schema_add(s, "ID", eddy_type_primitive(EDDY_TYPE_BIGINT), EDDY_COL_KEY, NULL);
    eddy_schema_add(s, "NAME", eddy_type_primitive(EDDY_TYPE_STRING), EDDY_COL_VALUE, NULL);
    eddy_schema_add(s, "H", eddy_type_primitive(EDDY_TYPE_BYTES), EDDY_COL_HEADER, "k");
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_schema_format(s, false, &sb);
    assert_string_equal(eddy_strbuf_cstr(&sb), "ID BIGINT KEY, NAME STRING, H BYTES HEADER('k')");
    eddy_strbuf_reset(&sb);
    eddy_schema_format(s, true, &sb);
    assert_string_equal(eddy_strbuf_cstr(&sb), "`ID` BIGINT KEY, `NAME` STRING, `H` BYTES HEADER('k')");
    eddy_strbuf_fini(&sb);
    assert_int_equal(eddy_schema_nkeys(s), 1);
    assert_int_equal(eddy_schema_find(s, "NAME"), 1);
    assert_int_equal(eddy_schema_find(s, "name"), -1);
    eddy_schema *c = eddy_schema_copy(s);
    eddy_schema_free(s);
    assert_int_equal(c->ncols, 3);
    eddy_schema_free(c);
}

static void test_kafka_format_rejects_decimal_with_column(void **state) {
    (void)state;
    eddy_err err;
    eddy_type *d = eddy_type_decimal(2, 1);
    assert_int_equal(eddy_format_check_type(eddy_format_find("kafka"), "K", d, &err), EDDY_ANALYSIS);
    assert_string_equal(err.msg, "The 'KAFKA' format does not support type 'DECIMAL', column: `K`");
    eddy_type_unref(d);
}

static void test_json_format_rejects_non_string_map_keys(void **state) {
    (void)state;
    eddy_err err;
    eddy_type *m = eddy_type_map(eddy_type_primitive(EDDY_TYPE_INT), eddy_type_primitive(EDDY_TYPE_DOUBLE));
    assert_int_equal(eddy_format_check_type(eddy_format_find("JSON"), "FOO", m, &err), EDDY_ANALYSIS);
    assert_string_equal(err.msg, "JSON only supports MAP types with STRING keys");
    assert_int_equal(eddy_format_check_type(eddy_format_find("AVRO"), "FOO", m, &err), EDDY_ANALYSIS);
    assert_string_equal(err.msg, "Avro only supports MAPs with STRING keys");
    eddy_type_unref(m);
}

static void test_delimited_rejects_complex_types(void **state) {
    (void)state;
    eddy_err err;
    eddy_type *a = eddy_type_array(eddy_type_primitive(EDDY_TYPE_INT));
    assert_int_equal(eddy_format_check_type(eddy_format_find("DELIMITED"), "K", a, &err), EDDY_ANALYSIS);
    assert_string_equal(err.msg, "The 'DELIMITED' format does not support type 'ARRAY', column: `K`");
    eddy_type_unref(a);
}

static void test_unknown_format_is_null(void **state) {
    (void)state;
    assert_null(eddy_format_find("XML"));
    assert_false(eddy_format_find("PROTOBUF")->available);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_primitives_print_as_ksqldb),
        cmocka_unit_test(test_nested_types_print_as_ksqldb),
        cmocka_unit_test(test_type_equality_is_structural),
        cmocka_unit_test(test_schema_format_marks_keys_and_headers),
        cmocka_unit_test(test_kafka_format_rejects_decimal_with_column),
        cmocka_unit_test(test_json_format_rejects_non_string_map_keys),
        cmocka_unit_test(test_delimited_rejects_complex_types),
        cmocka_unit_test(test_unknown_format_is_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
