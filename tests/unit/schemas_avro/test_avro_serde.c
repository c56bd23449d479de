/* test_avro_serde.c - the AVRO serde: wire format, round trips of every type, other writer schemas, corrupt input. */
#include "avro_test.h"

#include <avro.h>

static const unsigned char *bytes(void) { return (const unsigned char *)g_out.buf; }

/* ---- writing ------------------------------------------------------------------------- */

static void test_wrapped_int_is_confluent_wire_format(void **state) {
    (void)state;
    eddy_serde *s = mk_avro(false, -1, -1, NULL, 1, "FOO", T(INT));
    assert_non_null(s);
    eddy_value v = eddy_value_int(10);
    assert_int_equal(enc(s, &v), 0);
    /* magic 0, schema id 1, union branch 1 (zig-zag 2), int 10 (zig-zag 20). */
    assert_int_equal(g_out.len, 7);
    assert_memory_equal(bytes(), "\0\0\0\0\1\x02\x14", 7);
    eddy_serde_destroy(s);
}

static void test_single_key_column_is_written_bare(void **state) {
    (void)state;
    eddy_serde *s = mk_avro(true, -1, -1, NULL, 1, "K", T(STRING));
    assert_non_null(s);
    eddy_value v = str_v("ab");
    assert_int_equal(enc(s, &v), 0);
    assert_int_equal(g_out.len, 8);
    assert_memory_equal(bytes() + 5, "\x04" "ab", 3);
    char *text = NULL;
    assert_int_equal(eddy_registry_schema_text(g_reg, 1, &text, &g_err), 0);
    assert_string_equal(text, "\"string\"");
    free(text);
    eddy_serde_destroy(s);
}

static void test_several_key_columns_are_a_record(void **state) {
    (void)state;
    eddy_serde *s = mk_avro(true, -1, -1, NULL, 2, "A", T(STRING), "B", T(INT));
    assert_non_null(s);
    eddy_value v[2] = {str_v("x"), eddy_value_int(1)};
    assert_int_equal(enc(s, v), 0);
    assert_memory_equal(bytes() + 5, "\x02\x02x\x02\x02", 5);
    eddy_serde_destroy(s);
}

static void test_unwrapped_null_value_is_a_null_record(void **state) {
    (void)state;
    eddy_serde *s = mk_avro(false, 0, -1, NULL, 1, "FOO", T(BOOLEAN));
    assert_non_null(s);
    eddy_value v = eddy_value_null();
    assert_int_equal(enc(s, &v), 0);
    assert_true(g_null);
    eddy_serde_destroy(s);
}

static void test_topic_registers_under_its_subject_when_writing(void **state) {
    (void)state;
    eddy_serde *s = mk_avro(false, -1, -1, "orders", 1, "FOO", T(INT));
    assert_non_null(s);
    assert_false(eddy_registry_subject_exists(g_reg, "orders-value")); /* a reader registers nothing */
    eddy_value v = eddy_value_int(1);
    assert_int_equal(enc(s, &v), 0);
    assert_true(eddy_registry_subject_exists(g_reg, "orders-value"));
    eddy_serde_destroy(s);
}

static void test_unknown_schema_id_is_refused_when_made(void **state) {
    (void)state;
    assert_null(mk_avro(false, -1, 77, NULL, 1, "FOO", T(INT)));
    assert_int_equal(g_err.code, EDDY_NOTFOUND);
}

static void test_no_registry_is_unsupported(void **state) {
    (void)state;
    eddy_registry *saved = g_reg;
    eddy_column col = {(char *)"A", T(INT), EDDY_COL_VALUE, NULL};
    eddy_format_spec spec = {(char *)"AVRO", NULL, -1, -1, NULL};
    eddy_serde *s = NULL;
    g_reg = NULL;
    assert_int_equal(eddy_serde_new(&spec, false, &col, 1, &s, &g_err), EDDY_UNSUPPORTED);
    assert_null(s);
    g_reg = saved;
}

/* ---- round trips ---------------------------------------------------------------------- */

static void test_every_type_round_trips(void **state) {
    (void)state;
    eddy_serde *s = mk_avro(false, -1, -1, NULL, 14, "B", T(BOOLEAN), "I", T(INT), "L", T(BIGINT), "D", T(DOUBLE),
                            "DEC", eddy_type_decimal(5, 2), "S", T(STRING), "BY", T(BYTES), "DT", T(DATE), "TM",
                            T(TIME), "TS", T(TIMESTAMP), "A", eddy_type_array(T(INT)), "M",
                            eddy_type_map(T(STRING), T(BIGINT)), "ST",
                            struct_of(2, "X", T(STRING), "Y", eddy_type_array(T(DOUBLE))), "N", T(INT));
    assert_non_null(s);
    eddy_value v[14];
    memset(v, 0, sizeof v);
    v[0] = eddy_value_bool(true);
    v[1] = eddy_value_int(-7);
    v[2] = eddy_value_bigint(998877665544332211LL);
    v[3] = eddy_value_double(1.284765648);
    v[4] = eddy_value_decimal(g_arena, -1012, 2);
    v[5] = str_v("héllo");
    v[6] = eddy_value_str(EDDY_V_BYTES, "\0\xff", 2);
    v[7] = eddy_value_i64(EDDY_V_DATE, -100);
    v[8] = eddy_value_i64(EDDY_V_TIME, 3600000);
    v[9] = eddy_value_i64(EDDY_V_TIMESTAMP, 1600000000123LL);
    v[10] = eddy_value_container(g_arena, EDDY_V_ARRAY, 3);
    v[10].u.items[0] = eddy_value_int(1);
    v[10].u.items[2] = eddy_value_int(3);
    v[11] = eddy_value_container(g_arena, EDDY_V_MAP, 1);
    v[11].u.items[0] = str_v("k");
    v[11].u.items[1] = eddy_value_bigint(5);
    v[12] = eddy_value_container(g_arena, EDDY_V_STRUCT, 2);
    v[12].u.items[0] = str_v("x");
    v[12].u.items[1] = eddy_value_container(g_arena, EDDY_V_ARRAY, 1);
    v[12].u.items[1].u.items[0] = eddy_value_double(0.5);
    assert_int_equal(enc(s, v), 0);
    assert_int_equal(decn(s, g_out.buf, g_out.len), 0);
    for (int i = 0; i < 14; i++)
        if (!eddy_value_equal(&v[i], &g_vals[i]) && !(v[i].v_kind == 0 && g_vals[i].v_kind == 0))
            fail_msg("column %d differs after the round trip", i);
    assert_int_equal(g_vals[4].v_scale, 2);
    eddy_serde_destroy(s);
}

static void test_unwrapped_array_round_trips(void **state) {
    (void)state;
    eddy_serde *s = mk_avro(false, 0, -1, NULL, 1, "FOO", eddy_type_array(T(STRING)));
    assert_non_null(s);
    eddy_value v = eddy_value_container(g_arena, EDDY_V_ARRAY, 2);
    v.u.items[0] = str_v("a");
    assert_int_equal(enc(s, &v), 0);
    assert_int_equal(decn(s, g_out.buf, g_out.len), 0);
    assert_true(eddy_value_equal(&v, &g_vals[0]));
    eddy_serde_destroy(s);
}

/* ---- other writer schemas ---------------------------------------------------------------- */

static void test_fields_map_to_columns_by_name(void **state) {
    (void)state;
    int32_t id = reg("t-value", "{\"type\":\"record\",\"name\":\"W\",\"fields\":[{\"name\":\"extra\",\"type\":\"string\"},"
                                "{\"name\":\"foo\",\"type\":\"int\"},{\"name\":\"BAR\",\"type\":\"float\"},"
                                "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"S\",\"symbols\":[\"X\",\"Y\"]}}]}");
    eddy_serde *s = mk_avro(false, -1, -1, NULL, 4, "FOO", T(BIGINT), "BAR", T(DOUBLE), "E", T(STRING), "MISSING", T(INT));
    assert_non_null(s);
    avro_of_json(id, "{\"extra\":\"zz\",\"foo\":5,\"BAR\":1.5,\"e\":\"Y\"}");
    assert_int_equal(decn(s, g_out.buf, g_out.len), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_BIGINT);
    assert_int_equal(g_vals[0].u.i, 5);
    assert_true(g_vals[1].v_kind == EDDY_V_DOUBLE && g_vals[1].u.d == 1.5);
    assert_str_value(&g_vals[2], "Y");
    assert_int_equal(g_vals[3].v_kind, EDDY_V_NULL);
    eddy_serde_destroy(s);
}

static void test_primitives_read_as_string_with_java_text(void **state) {
    (void)state;
    int32_t id = reg(NULL, "{\"type\":\"record\",\"name\":\"W\",\"fields\":[{\"name\":\"A\",\"type\":\"int\"},"
                           "{\"name\":\"B\",\"type\":\"double\"},{\"name\":\"C\",\"type\":\"boolean\"}]}");
    eddy_serde *s = mk_avro(false, -1, -1, NULL, 3, "A", T(STRING), "B", T(STRING), "C", T(STRING));
    assert_non_null(s);
    avro_of_json(id, "{\"A\":10,\"B\":1.0E7,\"C\":true}");
    assert_int_equal(decn(s, g_out.buf, g_out.len), 0);
    assert_str_value(&g_vals[0], "10");
    assert_str_value(&g_vals[1], "1.0E7");
    assert_str_value(&g_vals[2], "true");
    eddy_serde_destroy(s);
}

static void test_anonymous_writer_value_reads_unwrapped(void **state) {
    (void)state;
    int32_t id = reg("x-value", "\"int\"");
    eddy_serde *s = mk_avro(false, 0, -1, NULL, 1, "FOO", T(INT));
    assert_non_null(s);
    avro_of_json(id, "10");
    assert_int_equal(decn(s, g_out.buf, g_out.len), 0);
    assert_int_equal(g_vals[0].u.i, 10);
    eddy_serde_destroy(s);
}

static void test_incompatible_writer_type_fails_as_ksqldb(void **state) {
    (void)state;
    int32_t id = reg(NULL, "{\"type\":\"record\",\"name\":\"W\",\"fields\":[{\"name\":\"FOO\",\"type\":\"long\"}]}");
    eddy_serde *s = mk_avro(false, -1, -1, NULL, 1, "FOO", T(INT));
    avro_of_json(id, "{\"FOO\":1}");
    assert_int_equal(decn(s, g_out.buf, g_out.len), EDDY_CORRUPT);
    assert_string_equal(g_err.msg, "Cannot deserialize type int64 as type int32 for path: ->FOO");
    eddy_serde_destroy(s);
}

static void test_decimal_is_rescaled_to_the_column(void **state) {
    (void)state;
    int32_t id = reg(NULL, "{\"type\":\"record\",\"name\":\"W\",\"fields\":[{\"name\":\"D\",\"type\":{\"type\":\"bytes\","
                           "\"logicalType\":\"decimal\",\"precision\":3,\"scale\":1}}]}");
    eddy_serde *s = mk_avro(false, -1, -1, NULL, 1, "D", eddy_type_decimal(4, 2));
    avro_of_json(id, "{\"D\":\"12.5\"}");
    assert_int_equal(decn(s, g_out.buf, g_out.len), 0);
    assert_int_equal(g_vals[0].v_kind, EDDY_V_DECIMAL);
    assert_true(*g_vals[0].u.dec == 1250 && g_vals[0].v_scale == 2);
    eddy_serde_destroy(s);
}

static void test_schema_id_writes_with_registered_names_and_defaults(void **state) {
    (void)state;
    int32_t id = reg("m-value", "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"eventID\",\"type\":\"string\"},"
                                "{\"name\":\"n\",\"type\":\"int\",\"default\":0},"
                                "{\"name\":\"opt\",\"type\":\"string\",\"default\":\"foo\"}]}");
    eddy_serde *s = mk_avro(false, -1, id, NULL, 2, "eventID", T(STRING), "N", T(INT));
    assert_non_null(s);
    eddy_value v[2] = {str_v("1"), eddy_value_null()};
    assert_int_equal(enc(s, v), 0);
    const eddy_avro_schema *sch;
    json_t *j = NULL;
    assert_int_equal(eddy_registry_avro(g_reg, id, &sch, &g_err), 0);
    assert_int_equal(eddy_avro_to_json(sch, g_out.buf + 5, g_out.len - 5, &j, NULL, &g_err), 0);
    char *t = json_dumps(j, JSON_COMPACT);
    assert_json_equal(t, "{\"eventID\":\"1\",\"n\":0,\"opt\":\"foo\"}");
    free(t);
    json_decref(j);
    eddy_serde_destroy(s);
}

static void test_null_for_required_field_without_default_fails(void **state) {
    (void)state;
    int32_t id = reg(NULL, "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"X\",\"type\":\"int\"}]}");
    eddy_serde *s = mk_avro(false, -1, id, NULL, 1, "X", T(INT));
    assert_non_null(s);
    eddy_value v = eddy_value_null();
    v = eddy_value_null();
    eddy_value row[1] = {v};
    assert_int_equal(enc(s, row), EDDY_INVAL);
    assert_err_contains("null value for field that is required");
    eddy_serde_destroy(s);
}

/* ---- corrupt input ------------------------------------------------------------------------ */

static void test_bad_magic_byte_is_corrupt(void **state) {
    (void)state;
    eddy_serde *s = mk_avro(false, -1, -1, NULL, 1, "FOO", T(INT));
    assert_int_equal(decn(s, "\x01\0\0\0\1\x02\x14", 7), EDDY_CORRUPT);
    assert_string_equal(g_err.msg, "Unknown magic byte!");
    eddy_serde_destroy(s);
}

static void test_unknown_schema_id_is_corrupt(void **state) {
    (void)state;
    eddy_serde *s = mk_avro(false, -1, -1, NULL, 1, "FOO", T(INT));
    assert_int_equal(decn(s, "\0\0\0\x03\xe7\x02\x14", 7), EDDY_CORRUPT);
    assert_err_contains("Schema 999 not found");
    eddy_serde_destroy(s);
}

static void test_truncated_and_oversized_input_is_corrupt(void **state) {
    (void)state;
    eddy_serde *s = mk_avro(false, -1, -1, NULL, 2, "S", T(STRING), "A", eddy_type_array(T(INT)));
    eddy_value v[2] = {str_v("abc"), eddy_value_container(g_arena, EDDY_V_ARRAY, 1)};
    v[1].u.items[0] = eddy_value_int(1);
    assert_int_equal(enc(s, v), 0);
    assert_int_equal(decn(s, g_out.buf, g_out.len - 1), EDDY_CORRUPT);
    assert_int_equal(decn(s, g_out.buf, 3), EDDY_CORRUPT);
    /* A string claiming 2^62 bytes, an array claiming 2^40 items. */
    assert_int_equal(decn(s, "\0\0\0\0\1\x02\xfe\xff\xff\xff\xff\xff\xff\xff\x7f", 15), EDDY_CORRUPT);
    assert_int_equal(decn(s, "\0\0\0\0\1\x02\0\x02\x80\x80\x80\x80\x80\x20", 14), EDDY_CORRUPT);
    /* A varint of eleven bytes. */
    assert_int_equal(decn(s, "\0\0\0\0\1\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 16), EDDY_CORRUPT);
    eddy_serde_destroy(s);
}

static uint32_t lcg(uint32_t *x) { return *x = *x * 1103515245u + 12345u; }

static void test_mutated_records_decode_or_fail_cleanly(void **state) {
    (void)state;
    eddy_serde *s = mk_avro(false, -1, -1, NULL, 5, "S", T(STRING), "A", eddy_type_array(T(DOUBLE)), "M",
                            eddy_type_map(T(STRING), T(INT)), "ST", struct_of(1, "X", eddy_type_decimal(10, 3)), "B",
                            T(BYTES));
    assert_non_null(s);
    eddy_value v[5] = {str_v("hello"), eddy_value_container(g_arena, EDDY_V_ARRAY, 2),
                       eddy_value_container(g_arena, EDDY_V_MAP, 1), eddy_value_container(g_arena, EDDY_V_STRUCT, 1),
                       eddy_value_str(EDDY_V_BYTES, "xyz", 3)};
    v[1].u.items[0] = eddy_value_double(1.5);
    v[2].u.items[0] = str_v("k");
    v[2].u.items[1] = eddy_value_int(9);
    v[3].u.items[0] = eddy_value_decimal(g_arena, 12345, 3);
    assert_int_equal(enc(s, v), 0);
    unsigned char buf[128];
    size_t len = g_out.len;
    assert_true(len < sizeof buf);
    uint32_t seed = 42;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, g_out.buf, len);
        int flips = 1 + (int)(lcg(&seed) % 4);
        for (int k = 0; k < flips; k++) buf[5 + lcg(&seed) % (len - 5)] = (unsigned char)(lcg(&seed) >> 16);
        size_t n = len - (lcg(&seed) % 3 == 0 ? lcg(&seed) % (len - 5) : 0);
        int rc = decn(s, buf, n);
        if (rc != 0 && rc != EDDY_CORRUPT) fail_msg("iteration %d: rc %d (%s)", iter, rc, g_err.msg);
        eddy_arena_reset(g_arena);
    }
    eddy_serde_destroy(s);
}

/* ---- avro-c agrees ---------------------------------------------------------------------------- */

static void test_avro_c_reads_what_eddy_writes(void **state) {
    (void)state;
    eddy_serde *s = mk_avro(false, -1, -1, NULL, 2, "FOO", T(INT), "S", T(STRING));
    eddy_value v[2] = {eddy_value_int(-42), str_v("hi")};
    assert_int_equal(enc(s, v), 0);
    char *text = NULL;
    assert_int_equal(eddy_registry_schema_text(g_reg, 1, &text, &g_err), 0);
    avro_schema_t schema;
    assert_int_equal(avro_schema_from_json_length(text, strlen(text), &schema), 0);
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t val, field, branch;
    assert_int_equal(avro_generic_value_new(iface, &val), 0);
    avro_reader_t r = avro_reader_memory(g_out.buf + 5, (int64_t)g_out.len - 5);
    assert_int_equal(avro_value_read(r, &val), 0);
    int32_t i = 0;
    const char *str = NULL;
    size_t size = 0;
    assert_int_equal(avro_value_get_by_name(&val, "FOO", &field, NULL), 0);
    assert_int_equal(avro_value_get_current_branch(&field, &branch), 0);
    assert_int_equal(avro_value_get_int(&branch, &i), 0);
    assert_int_equal(i, -42);
    assert_int_equal(avro_value_get_by_name(&val, "S", &field, NULL), 0);
    assert_int_equal(avro_value_get_current_branch(&field, &branch), 0);
    assert_int_equal(avro_value_get_string(&branch, &str, &size), 0);
    assert_string_equal(str, "hi");
    avro_reader_free(r);
    avro_value_decref(&val);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    free(text);
    eddy_serde_destroy(s);
}

static void test_eddy_reads_what_avro_c_writes(void **state) {
    (void)state;
    const char *text = "{\"type\":\"record\",\"name\":\"W\",\"fields\":[{\"name\":\"foo\",\"type\":\"long\"},"
                       "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}}]}";
    int32_t id = reg("w-value", text);
    avro_schema_t schema;
    assert_int_equal(avro_schema_from_json_length(text, strlen(text), &schema), 0);
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t val, field, item;
    assert_int_equal(avro_generic_value_new(iface, &val), 0);
    assert_int_equal(avro_value_get_by_name(&val, "foo", &field, NULL), 0);
    assert_int_equal(avro_value_set_long(&field, 1234567890123LL), 0);
    assert_int_equal(avro_value_get_by_name(&val, "tags", &field, NULL), 0);
    assert_int_equal(avro_value_append(&field, &item, NULL), 0);
    assert_int_equal(avro_value_set_string(&item, "a"), 0);
    assert_int_equal(avro_value_append(&field, &item, NULL), 0);
    assert_int_equal(avro_value_set_string(&item, "bc"), 0);
    char buf[256];
    avro_writer_t w = avro_writer_memory(buf + 5, sizeof buf - 5);
    assert_int_equal(avro_value_write(w, &val), 0);
    size_t len = (size_t)avro_writer_tell(w) + 5;
    memcpy(buf, "\0\0\0\0", 4);
    buf[4] = (char)id;
    eddy_serde *s = mk_avro(false, -1, -1, NULL, 2, "FOO", T(BIGINT), "TAGS", eddy_type_array(T(STRING)));
    assert_int_equal(decn(s, buf, len), 0);
    assert_int_equal(g_vals[0].u.i, 1234567890123LL);
    assert_int_equal(g_vals[1].v_len, 2);
    assert_str_value(&g_vals[1].u.items[1], "bc");
    avro_writer_free(w);
    avro_value_decref(&val);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    eddy_serde_destroy(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wrapped_int_is_confluent_wire_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_key_column_is_written_bare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_several_key_columns_are_a_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwrapped_null_value_is_a_null_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_topic_registers_under_its_subject_when_writing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_schema_id_is_refused_when_made, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_registry_is_unsupported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_type_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwrapped_array_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fields_map_to_columns_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_primitives_read_as_string_with_java_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_writer_value_reads_unwrapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incompatible_writer_type_fails_as_ksqldb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decimal_is_rescaled_to_the_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_id_writes_with_registered_names_and_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_for_required_field_without_default_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_magic_byte_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_schema_id_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_and_oversized_input_is_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutated_records_decode_or_fail_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_avro_c_reads_what_eddy_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eddy_reads_what_avro_c_writes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
