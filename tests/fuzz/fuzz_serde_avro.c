/* fuzz_serde_avro.c - libFuzzer target: the AVRO serde and Avro -> JSON must never crash, leak or return anything
 * but 0, EDDY_CORRUPT or EDDY_NOMEM on any record; and what decodes must encode and decode again to the same values.
 *
 * The first byte picks one of the writer schemas registered at setup (records, unions, maps written as
 * arrays of entries, a recursive record, decimals, enums, fixed); the rest is the Avro body.  Every record
 * is decoded by every serde (most of them mismatch: the errors must be clean too).  The whole input is also
 * tried as a wire-format record (magic byte and id included) and, with a first byte 0xff, as a schema text.
 */
#include "schemas/registry.h"
#include "schemas/serde.h"
#include "schemas/serde_avro.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(k) eddy_type_primitive(EDDY_TYPE_##k)
#define NSERDES 5

static eddy_registry *reg;
static eddy_serde *serdes[NSERDES];
static int32_t ids[8];
static int nids;

static const char *const writers[] = {
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"S\",\"type\":\"string\"},"
    "{\"name\":\"A\",\"type\":{\"type\":\"array\",\"items\":\"double\"}},{\"name\":\"M\",\"type\":{\"type\":\"map\","
    "\"values\":\"int\"}},{\"name\":\"ST\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"fields\":[{\"name\":\"X\","
    "\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":3}}]}},"
    "{\"name\":\"B\",\"type\":\"bytes\"},{\"name\":\"E\",\"type\":{\"type\":\"enum\",\"name\":\"En\",\"symbols\":[\"P\",\"Q\"]}},"
    "{\"name\":\"U\",\"type\":[\"null\",\"long\"]},{\"name\":\"F\",\"type\":{\"type\":\"fixed\",\"name\":\"Fx\",\"size\":4}}]}",
    "\"int\"",
    "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"E\",\"connect.internal.type\":\"MapEntry\",\"fields\":["
    "{\"name\":\"key\",\"type\":[\"null\",\"string\"]},{\"name\":\"value\",\"type\":[\"null\",\"string\"]}]}}",
    "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"V\",\"type\":\"int\"},{\"name\":\"NEXT\","
    "\"type\":[\"null\",\"Node\"]}]}",
    "{\"type\":\"record\",\"name\":\"W\",\"fields\":[{\"name\":\"U\",\"type\":[\"int\",\"string\",\"null\"]},"
    "{\"name\":\"T\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}",
};

static eddy_serde *make(bool key, int wrap, int n, const char **names, eddy_type **types) {
    eddy_column cols[16];
    eddy_format_spec spec = {(char *)"AVRO", NULL, wrap, -1, NULL};
    eddy_serde_opts opts = {reg, NULL};
    eddy_serde *s = NULL;
    eddy_err err;
    memset(cols, 0, sizeof cols);
    for (int i = 0; i < n; i++) {
        cols[i].name = (char *)names[i];
        cols[i].type = types[i];
    }
    if (eddy_serde_new_ex(&spec, key, cols, n, &opts, &s, &err)) {
        fprintf(stderr, "fuzz setup: %s\n", err.msg);
        abort();
    }
    for (int i = 0; i < n; i++) eddy_type_unref(types[i]);
    return s;
}

static void setup(void) {
    eddy_err err;
    if (eddy_registry_open(NULL, &reg, &err)) abort();
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++)
        if (eddy_registry_register(reg, NULL, writers[i], 0, &ids[nids++], NULL, &err)) {
            fprintf(stderr, "fuzz setup: %s\n", err.msg);
            abort();
        }
    const char *xn[] = {"X"};
    eddy_type *xt[] = {eddy_type_decimal(10, 3)};
    const char *n0[] = {"S", "A", "M", "ST", "B", "E", "U", "F"};
    eddy_type *t0[] = {T(STRING), eddy_type_array(T(DOUBLE)), eddy_type_map(T(STRING), T(INT)),
                       eddy_type_struct(1, xn, xt), T(BYTES), T(STRING), T(BIGINT), T(BYTES)};
    serdes[0] = make(false, -1, 8, n0, t0);
    const char *n1[] = {"V"};
    eddy_type *t1[] = {T(INT)};
    serdes[1] = make(false, 0, 1, n1, t1);
    eddy_type *t2[] = {eddy_type_map(T(STRING), T(STRING))};
    serdes[2] = make(true, -1, 1, n1, t2);
    const char *vn[] = {"V"};
    eddy_type *vt[] = {T(INT)};
    const char *n3[] = {"V", "NEXT"};
    eddy_type *t3[] = {T(INT), eddy_type_struct(1, vn, vt)};
    serdes[3] = make(false, -1, 2, n3, t3);
    const char *un[] = {"INT", "STRING"};
    eddy_type *ut[] = {T(INT), T(STRING)};
    const char *n4[] = {"U", "T"};
    eddy_type *t4[] = {eddy_type_struct(2, un, ut), T(TIMESTAMP)};
    serdes[4] = make(false, -1, 2, n4, t4);
}

/* eddy_value_equal, except that NaN equals NaN. */
static bool same(const eddy_value *a, const eddy_value *b) {
    if (a->v_kind != b->v_kind) return false;
    switch (a->v_kind) {
    case EDDY_V_DOUBLE: return a->u.d == b->u.d || (a->u.d != a->u.d && b->u.d != b->u.d);
    case EDDY_V_ARRAY:
    case EDDY_V_MAP:
    case EDDY_V_STRUCT: {
        if (a->v_len != b->v_len) return false;
        size_t n = a->v_kind == EDDY_V_MAP ? 2 * (size_t)a->v_len : a->v_len;
        for (size_t i = 0; i < n; i++)
            if (!same(&a->u.items[i], &b->u.items[i])) return false;
        return true;
    }
    default: return eddy_value_equal(a, b);
    }
}

static void check_rc(int rc, const eddy_err *err) {
    if (rc != 0 && rc != EDDY_CORRUPT && rc != EDDY_NOMEM) {
        fprintf(stderr, "unexpected rc %d: %s\n", rc, err->msg);
        abort();
    }
    if (rc == EDDY_CORRUPT && err->msg[0] == '\0') abort();
}

static void round_trip(const eddy_serde *s, const uint8_t *data, size_t size, unsigned flags) {
    eddy_arena *a = eddy_arena_new();
    eddy_value v1[16], v2[16];
    eddy_strbuf out = EDDY_STRBUF_INIT;
    eddy_err err;
    bool is_null = false, out_null = false;
    int n = eddy_serde_ncols(s);
    eddy_err_clear(&err);
    int rc = eddy_serde_decode_ex(s, data, size, flags, v1, &is_null, a, &err);
    check_rc(rc, &err);
    if (rc == 0 && !is_null) {
        /* Values an unwrapped NULL cannot be written as: nothing to compare. */
        rc = eddy_serde_encode(s, v1, &out, &out_null, &err);
        if (rc) {
            fprintf(stderr, "encode failed after decode: %s\n", err.msg);
            abort();
        }
        if (!out_null) {
            rc = eddy_serde_decode_ex(s, out.buf, out.len, 0, v2, NULL, a, &err);
            if (rc) {
                fprintf(stderr, "re-decode failed: %s\n", err.msg);
                abort();
            }
            for (int i = 0; i < n; i++)
                if (!same(&v1[i], &v2[i])) {
                    fprintf(stderr, "column %d differs after a round trip\n", i);
                    abort();
                }
        }
    }
    eddy_strbuf_fini(&out);
    eddy_arena_destroy(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!reg) setup();
    if (size == 0) return 0;
    if (data[0] == 0xff) {
        /* A schema text. */
        eddy_avro_schema *s = NULL;
        eddy_err err;
        int rc = eddy_avro_schema_parse((const char *)data + 1, size - 1, &s, &err);
        if (rc != 0 && rc != EDDY_INVAL && rc != EDDY_NOMEM) abort();
        eddy_avro_schema_destroy(s);
        return 0;
    }
    int32_t id = ids[data[0] % nids];
    eddy_strbuf rec = EDDY_STRBUF_INIT;
    eddy_avro_wire_header(&rec, id);
    eddy_strbuf_append(&rec, (const char *)data + 1, size - 1);
    for (int i = 0; i < NSERDES; i++) {
        round_trip(serdes[i], (const uint8_t *)rec.buf, rec.len, 0);
        round_trip(serdes[i], (const uint8_t *)rec.buf, rec.len, EDDY_SERDE_BORROW);
        round_trip(serdes[i], data, size, 0);
    }
    const eddy_avro_schema *s;
    eddy_err err;
    if (eddy_registry_avro(reg, id, &s, &err) == 0) {
        json_t *j = NULL, *numbers = NULL;
        int rc = eddy_avro_to_json(s, data + 1, size - 1, &j, &numbers, &err);
        check_rc(rc, &err);
        json_decref(j);
        json_decref(numbers);
    }
    eddy_strbuf_fini(&rec);
    return 0;
}
