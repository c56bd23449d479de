/* fuzz_serde_json.c - libFuzzer target: the JSON record codec (and, on the same bytes, DELIMITED and
 * KAFKA) must never crash, leak or return anything but 0, EDDY_CORRUPT or EDDY_NOMEM on any input;
 * and whatever decodes must encode to bytes that decode again to the same values. */
#include "schemas/serde.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(k) eddy_type_primitive(EDDY_TYPE_##k)
#define NSERDES 7

static eddy_serde *serdes[NSERDES];

static eddy_type *st(int n, const char **names, eddy_type **types) { return eddy_type_struct(n, names, types); }

static eddy_serde *make(const char *format, bool key, int wrap, const char *delim, int n, const char **names,
                        eddy_type **types) {
    eddy_column cols[16];
    eddy_format_spec spec = {(char *)format, (char *)delim, wrap, -1, NULL};
    eddy_serde *s = NULL;
    eddy_err err;
    memset(cols, 0, sizeof cols);
    for (int i = 0; i < n; i++) {
        cols[i].name = (char *)names[i];
        cols[i].type = types[i];
    }
    if (eddy_serde_new(&spec, key, cols, n, &s, &err)) {
        fprintf(stderr, "fuzz setup: %s\n", err.msg);
        abort();
    }
    for (int i = 0; i < n; i++) eddy_type_unref(types[i]);
    return s;
}

static void setup(void) {
    /* Every type, wrapped, with a quoted lower-case column and nested types. */
    const char *sn[] = {"X", "y", "Z"};
    eddy_type *sty[] = {T(INT), T(STRING), eddy_type_array(eddy_type_decimal(4, 2))};
    const char *n1[] = {"B", "I", "L", "D", "DEC", "S", "BY", "DT", "TM", "TS", "A", "M", "ST", "v"};
    eddy_type *t1[] = {T(BOOLEAN), T(INT), T(BIGINT), T(DOUBLE), eddy_type_decimal(10, 3), T(STRING), T(BYTES),
                       T(DATE), T(TIME), T(TIMESTAMP), eddy_type_array(T(STRING)),
                       eddy_type_map(T(STRING), T(DOUBLE)), st(3, sn, sty), T(INT)};
    serdes[0] = make("JSON", false, -1, NULL, 14, n1, t1);
    /* A bare STRING value: any JSON text becomes a string. */
    const char *n2[] = {"V"};
    eddy_type *t2[] = {T(STRING)};
    serdes[1] = make("JSON", false, 0, NULL, 1, n2, t2);
    /* A bare nested value. */
    const char *in[] = {"A", "B"};
    eddy_type *it[] = {T(BIGINT), T(BOOLEAN)};
    eddy_type *t3[] = {eddy_type_array(eddy_type_map(T(STRING), st(2, in, it)))};
    serdes[2] = make("JSON", false, 0, NULL, 1, n2, t3);
    /* A multi-column JSON key with many columns (the hashed field lookup). */
    const char *n4[] = {"K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8", "K9", "K10"};
    eddy_type *t4[] = {T(STRING), T(INT), T(DOUBLE), T(STRING), T(BIGINT), T(BOOLEAN), T(STRING), T(TIME),
                       eddy_type_decimal(38, 10), T(BYTES)};
    serdes[3] = make("JSON", true, -1, NULL, 10, n4, t4);
    /* DELIMITED, default and custom delimiter. */
    const char *n5[] = {"S", "I", "D", "DEC", "B", "BY", "TS"};
    eddy_type *t5[] = {T(STRING), T(INT), T(DOUBLE), eddy_type_decimal(6, 2), T(BOOLEAN), T(BYTES), T(TIMESTAMP)};
    serdes[4] = make("DELIMITED", false, -1, NULL, 7, n5, t5);
    eddy_type *t6[] = {T(STRING), T(INT), T(DOUBLE), eddy_type_decimal(6, 2), T(BOOLEAN), T(BYTES), T(TIMESTAMP)};
    serdes[5] = make("DELIMITED", false, -1, "|", 7, n5, t6);
    /* KAFKA string. */
    eddy_type *t7[] = {T(STRING)};
    serdes[6] = make("KAFKA", false, -1, NULL, 1, n2, t7);
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
    if (rc != 0 && rc != EDDY_CORRUPT && rc != EDDY_NOMEM) abort();
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
        rc = eddy_serde_encode(s, v1, &out, &out_null, &err);
        if (rc) {
            fprintf(stderr, "encode failed after decode: %s\n", err.msg);
            abort();
        }
        rc = eddy_serde_decode_ex(s, out_null ? NULL : (out.buf ? out.buf : ""), out.len, 0, v2, NULL, a, &err);
        if (rc) {
            fprintf(stderr, "re-decode of \"%s\" failed: %s\n", eddy_strbuf_cstr(&out), err.msg);
            abort();
        }
        for (int i = 0; i < n; i++)
            if (!same(&v1[i], &v2[i])) {
                eddy_strbuf x = EDDY_STRBUF_INIT, y = EDDY_STRBUF_INIT;
                eddy_value_format(&v1[i], &x);
                eddy_value_format(&v2[i], &y);
                fprintf(stderr, "column %d differs after a round trip through \"%s\": %s vs %s\n", i,
                        eddy_strbuf_cstr(&out), eddy_strbuf_cstr(&x), eddy_strbuf_cstr(&y));
                abort();
            }
    }
    eddy_strbuf_fini(&out);
    eddy_arena_destroy(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!serdes[0]) setup();
    for (int i = 0; i < NSERDES; i++) {
        round_trip(serdes[i], data, size, 0);
        round_trip(serdes[i], data, size, EDDY_SERDE_BORROW);
    }
    /* The control-plane path on the same text when jansson accepts it. */
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (j) {
        eddy_arena *a = eddy_arena_new();
        eddy_type *t = eddy_type_map(T(STRING), eddy_type_array(eddy_type_decimal(12, 4)));
        eddy_value v;
        eddy_err err;
        int rc = eddy_value_from_json(j, t, a, &v, &err);
        check_rc(rc, &err);
        if (rc == 0) {
            json_t *back = eddy_value_to_json(&v, t, true);
            if (!back) abort();
            json_decref(back);
        }
        eddy_type_unref(t);
        eddy_arena_destroy(a);
        json_decref(j);
    }
    return 0;
}
