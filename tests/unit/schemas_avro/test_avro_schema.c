/* test_avro_schema.c - Avro schemas: parsing, ksqlDB's schemas of SQL columns, and schema inference. */
#include "avro_test.h"

static eddy_avro_schema *parse(const char *text) {
    eddy_avro_schema *s = NULL;
    eddy_err_clear(&g_err);
    if (eddy_avro_schema_parse(text, strlen(text), &s, &g_err)) return NULL;
    return s;
}

/* ksqlDB's schema text for n (name, type) value columns (types taken over). */
static char *columns_schema(bool unwrapped, const char *full_name, int n, ...) {
    eddy_column cols[8];
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    va_list ap;
    memset(cols, 0, sizeof cols);
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        cols[i].name = va_arg(ap, char *);
        cols[i].type = va_arg(ap, eddy_type *);
    }
    va_end(ap);
    eddy_err_clear(&g_err);
    int rc = eddy_avro_schema_of_columns(cols, n, unwrapped, full_name, &sb, &g_err);
    for (int i = 0; i < n; i++) eddy_type_unref(cols[i].type);
    if (rc) {
        eddy_strbuf_fini(&sb);
        return NULL;
    }
    return eddy_strbuf_detach(&sb);
}

/* The columns inferred from schema text, as ksqlDB prints a schema. */
static char *inferred(const char *text, eddy_col_ns ns, bool unwrapped, bool keep) {
    eddy_avro_schema *s = parse(text);
    eddy_schema *sc = eddy_schema_new();
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    assert_non_null(s);
    if (eddy_avro_infer_columns(s, ns, unwrapped, keep, sc, &g_err) == 0) eddy_schema_format(sc, false, &sb);
    eddy_schema_free(sc);
    eddy_avro_schema_destroy(s);
    return eddy_strbuf_detach(&sb);
}

/* ---- parsing --------------------------------------------------------------------- */

static void test_primitive_schema_parses(void **state) {
    (void)state;
    eddy_avro_schema *s = parse("\"int\"");
    assert_non_null(s);
    assert_false(eddy_avro_schema_is_record(s));
    assert_string_equal(eddy_avro_schema_text(s), "\"int\"");
    eddy_avro_schema_destroy(s);
}

static void test_recursive_record_parses(void **state) {
    (void)state;
    eddy_avro_schema *s = parse("{\"type\":\"record\",\"name\":\"Node\",\"namespace\":\"a.b\",\"fields\":["
                                "{\"name\":\"v\",\"type\":\"int\"},{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}");
    assert_non_null(s);
    assert_true(eddy_avro_schema_is_record(s));
    eddy_avro_schema_destroy(s);
}

static void test_invalid_json_is_rejected(void **state) {
    (void)state;
    assert_null(parse("{\"type\":"));
    assert_int_equal(g_err.code, EDDY_INVAL);
    assert_err_contains("Invalid schema");
}

static void test_undefined_name_is_rejected(void **state) {
    (void)state;
    assert_null(parse("{\"type\":\"array\",\"items\":\"Nope\"}"));
    assert_err_contains("Undefined name");
}

static void test_illegal_field_name_is_rejected(void **state) {
    (void)state;
    assert_null(parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"1x\",\"type\":\"int\"}]}"));
    assert_err_contains("Illegal initial character: 1x");
}

static void test_nested_union_is_rejected(void **state) {
    (void)state;
    assert_null(parse("[\"null\",[\"int\",\"string\"]]"));
    assert_err_contains("Nested union");
}

static void test_redefined_name_is_rejected(void **state) {
    (void)state;
    assert_null(parse("[{\"type\":\"fixed\",\"name\":\"F\",\"size\":2},{\"type\":\"enum\",\"name\":\"F\",\"symbols\":[\"A\"]}]"));
    assert_err_contains("Can't redefine: F");
}

/* ---- ksqlDB's schemas of columns ------------------------------------------------------ */

static void test_value_columns_schema_is_ksqldb_record(void **state) {
    (void)state;
    char *s = columns_schema(false, NULL, 1, "FOO", T(INT));
    assert_non_null(s);
    assert_json_equal(s, "{\"type\":\"record\",\"name\":\"KsqlDataSourceSchema\",\"namespace\":"
                         "\"io.confluent.ksql.avro_schemas\",\"fields\":[{\"name\":\"FOO\",\"type\":[\"null\",\"int\"],"
                         "\"default\":null}],\"connect.name\":\"io.confluent.ksql.avro_schemas.KsqlDataSourceSchema\"}");
    free(s);
}

static void test_struct_key_names_nested_records_after_fields(void **state) {
    (void)state;
    /* partition-by.json "partition by nested struct": STRUCT<F1 STRUCT<F1 INT, F2 INT>> as the key. */
    char *s = columns_schema(true, "io.confluent.ksql.avro_schemas.OutputKey", 1, "KSQL_COL_0",
                             struct_of(1, "F1", struct_of(2, "F1", T(INT), "F2", T(INT))));
    assert_non_null(s);
    assert_json_equal(
        s, "{\"type\":\"record\",\"name\":\"OutputKey\",\"namespace\":\"io.confluent.ksql.avro_schemas\",\"fields\":["
           "{\"name\":\"F1\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"OutputKey_F1\",\"fields\":["
           "{\"name\":\"F1\",\"type\":[\"null\",\"int\"],\"default\":null},{\"name\":\"F2\",\"type\":[\"null\",\"int\"],"
           "\"default\":null}],\"connect.name\":\"io.confluent.ksql.avro_schemas.OutputKey_F1\"}],\"default\":null}],"
           "\"connect.name\":\"io.confluent.ksql.avro_schemas.OutputKey\"}");
    free(s);
}

static void test_map_column_is_array_of_map_entries(void **state) {
    (void)state;
    char *s = columns_schema(false, NULL, 1, "M", eddy_type_map(T(STRING), T(DOUBLE)));
    assert_non_null(s);
    assert_json_equal(
        s, "{\"type\":\"record\",\"name\":\"KsqlDataSourceSchema\",\"namespace\":\"io.confluent.ksql.avro_schemas\","
           "\"fields\":[{\"name\":\"M\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":"
           "\"KsqlDataSourceSchema_M\",\"fields\":[{\"name\":\"key\",\"type\":[\"null\",\"string\"],\"default\":null},"
           "{\"name\":\"value\",\"type\":[\"null\",\"double\"],\"default\":null}],\"connect.internal.type\":\"MapEntry\","
           "\"connect.name\":\"io.confluent.ksql.avro_schemas.KsqlDataSourceSchema_M\"}}],\"default\":null}],"
           "\"connect.name\":\"io.confluent.ksql.avro_schemas.KsqlDataSourceSchema\"}");
    free(s);
}

static void test_temporal_and_decimal_columns_carry_logical_types(void **state) {
    (void)state;
    char *s = columns_schema(false, NULL, 4, "D", eddy_type_decimal(4, 2), "DT", T(DATE), "TM", T(TIME), "TS",
                             T(TIMESTAMP));
    assert_non_null(s);
    eddy_avro_schema *p = parse(s);
    assert_non_null(p);
    assert_non_null(strstr(s, "\"logicalType\":\"decimal\""));
    assert_non_null(strstr(s, "\"precision\":4"));
    assert_non_null(strstr(s, "\"logicalType\":\"date\""));
    assert_non_null(strstr(s, "\"logicalType\":\"time-millis\""));
    assert_non_null(strstr(s, "\"logicalType\":\"timestamp-millis\""));
    eddy_avro_schema_destroy(p);
    free(s);
}

static void test_unwrapped_primitive_is_its_bare_type(void **state) {
    (void)state;
    char *s = columns_schema(true, NULL, 1, "FOO", T(BOOLEAN));
    assert_string_equal(s, "\"boolean\"");
    free(s);
    s = columns_schema(true, NULL, 1, "FOO", eddy_type_array(T(BIGINT)));
    assert_json_equal(s, "{\"type\":\"array\",\"items\":[\"null\",\"long\"]}");
    free(s);
}

static void test_map_with_int_keys_is_refused(void **state) {
    (void)state;
    assert_null(columns_schema(false, NULL, 1, "M", eddy_type_map(T(INT), T(DOUBLE))));
    assert_string_equal(g_err.msg, "Avro only supports MAPs with STRING keys");
}

static void test_full_name_without_namespace_has_no_namespace(void **state) {
    (void)state;
    char *s = columns_schema(false, "Plain", 1, "A", T(STRING));
    assert_null(strstr(s, "namespace"));
    assert_non_null(strstr(s, "\"name\":\"Plain\""));
    free(s);
}

static void test_key_schema_name_is_upper_camel_of_the_source(void **state) {
    (void)state;
    char *a = eddy_avro_key_schema_name("OUTPUT"), *b = eddy_avro_key_schema_name("MODEL_TXS_EVENT");
    assert_string_equal(a, "io.confluent.ksql.avro_schemas.OutputKey");
    assert_string_equal(b, "io.confluent.ksql.avro_schemas.ModelTxsEventKey");
    free(a);
    free(b);
}

/* ---- inference ------------------------------------------------------------------------ */

static void test_record_fields_become_upper_cased_columns(void **state) {
    (void)state;
    char *s = inferred("{\"type\":\"record\",\"name\":\"blah\",\"fields\":[{\"name\":\"c1\",\"type\":\"boolean\"},"
                       "{\"name\":\"c2\",\"type\":\"int\"},{\"name\":\"c3\",\"type\":\"long\"},{\"name\":\"c4\","
                       "\"type\":\"double\"},{\"name\":\"c5\",\"type\":\"string\"}]}",
                       EDDY_COL_VALUE, false, false);
    assert_string_equal(s, "C1 BOOLEAN, C2 INTEGER, C3 BIGINT, C4 DOUBLE, C5 STRING");
    free(s);
}

static void test_schema_by_id_keeps_field_names(void **state) {
    (void)state;
    char *s = inferred("{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"template_id\",\"type\":\"string\"}]}",
                       EDDY_COL_VALUE, false, true);
    assert_string_equal(s, "template_id STRING");
    free(s);
}

static void test_key_is_one_rowkey_column(void **state) {
    (void)state;
    char *s = inferred("{\"type\":\"record\",\"name\":\"key\",\"fields\":[{\"name\":\"F1\",\"type\":[\"null\",\"string\"]}]}",
                       EDDY_COL_KEY, true, false);
    assert_string_equal(s, "ROWKEY STRUCT<`F1` STRING> KEY");
    free(s);
}

static void test_unwrapped_or_primitive_value_is_rowval(void **state) {
    (void)state;
    char *a = inferred("\"int\"", EDDY_COL_VALUE, false, false);
    char *b = inferred("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"F0\",\"type\":[\"null\",\"int\"]}]}",
                       EDDY_COL_VALUE, true, false);
    assert_string_equal(a, "ROWVAL INTEGER");
    assert_string_equal(b, "ROWVAL STRUCT<`F0` INTEGER>");
    free(a);
    free(b);
}

static void test_inferred_types_follow_connect(void **state) {
    (void)state;
    char *s = inferred(
        "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
        "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"Suit\",\"symbols\":[\"A\",\"B\"]}},"
        "{\"name\":\"f\",\"type\":\"float\"},"
        "{\"name\":\"x\",\"type\":[\"null\",{\"type\":\"fixed\",\"name\":\"md5\",\"size\":16}]},"
        "{\"name\":\"d\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":4,\"scale\":2}},"
        "{\"name\":\"dt\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
        "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
        "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},"
        "{\"name\":\"me\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"E\",\"connect.internal.type\":"
        "\"MapEntry\",\"fields\":[{\"name\":\"key\",\"type\":[\"null\",\"string\"]},{\"name\":\"value\",\"type\":\"int\"}]}}}]}",
        EDDY_COL_VALUE, false, false);
    assert_string_equal(s, "E STRING, F DOUBLE, X BYTES, D DECIMAL(4, 2), DT DATE, TS TIMESTAMP, M MAP<STRING, BIGINT>, "
                           "ME MAP<STRING, INTEGER>");
    free(s);
}

static void test_general_union_is_a_struct_of_branches(void **state) {
    (void)state;
    char *s = inferred("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\"]}]}",
                       EDDY_COL_VALUE, false, false);
    assert_string_equal(s, "U STRUCT<`INT` INTEGER, `STRING` STRING>");
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_primitive_schema_parses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recursive_record_parses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_json_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undefined_name_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_illegal_field_name_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_union_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redefined_name_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_columns_schema_is_ksqldb_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_struct_key_names_nested_records_after_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_column_is_array_of_map_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_temporal_and_decimal_columns_carry_logical_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwrapped_primitive_is_its_bare_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_with_int_keys_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_name_without_namespace_has_no_namespace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_schema_name_is_upper_camel_of_the_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_fields_become_upper_cased_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_by_id_keeps_field_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_is_one_rowkey_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwrapped_or_primitive_value_is_rowval, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inferred_types_follow_connect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_general_union_is_a_struct_of_branches, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
