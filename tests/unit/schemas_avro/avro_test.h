/* avro_test.h - helpers shared by the Avro unit tests: a registry in memory, AVRO serdes over ad-hoc columns. */
#ifndef EDDY_TESTS_AVRO_TEST_H
#define EDDY_TESTS_AVRO_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "schemas/registry.h"
#include "schemas/serde.h"
#include "schemas/serde_avro.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(k) eddy_type_primitive(EDDY_TYPE_##k)

static eddy_registry *g_reg;
static eddy_arena *g_arena;
static eddy_strbuf g_out;
static eddy_err g_err;
static eddy_value g_vals[16];
static bool g_null;

static int setup(void **state) {
    (void)state;
    eddy_err_clear(&g_err);
    if (eddy_registry_open(NULL, &g_reg, &g_err)) return -1;
    g_arena = eddy_arena_new();
    eddy_strbuf_init(&g_out);
    memset(g_vals, 0, sizeof g_vals);
    g_null = false;
    return g_arena ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    eddy_registry_destroy(g_reg);
    g_reg = NULL;
    eddy_arena_destroy(g_arena);
    eddy_strbuf_fini(&g_out);
    return 0;
}

/* A STRUCT type of n (name, type) pairs; takes the types over. */
static inline eddy_type *struct_of(int n, ...) {
    const char *names[16];
    eddy_type *types[16];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        names[i] = va_arg(ap, const char *);
        types[i] = va_arg(ap, eddy_type *);
    }
    va_end(ap);
    return eddy_type_struct(n, names, types);
}

/* An AVRO serde over n (name, type) columns (types taken over), with g_reg.
 * wrap: the spec's wrap_single; id: the spec's schema id (-1 none); topic may
 * be NULL.  NULL (g_err set) when eddy_serde_new_ex fails. */
static inline eddy_serde *mk_avro(bool key, int wrap, int64_t id, const char *topic, int n, ...) {
    eddy_column cols[16];
    eddy_format_spec spec = {(char *)"AVRO", NULL, wrap, id, NULL};
    eddy_serde_opts opts = {g_reg, topic};
    eddy_serde *s = NULL;
    va_list ap;
    memset(cols, 0, sizeof cols);
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        cols[i].name = va_arg(ap, char *);
        cols[i].type = va_arg(ap, eddy_type *);
        cols[i].ns = key ? EDDY_COL_KEY : EDDY_COL_VALUE;
    }
    va_end(ap);
    eddy_err_clear(&g_err);
    int rc = eddy_serde_new_ex(&spec, key, cols, n, &opts, &s, &g_err);
    for (int i = 0; i < n; i++) eddy_type_unref(cols[i].type);
    return rc ? NULL : s;
}

static inline int decn(const eddy_serde *s, const void *data, size_t len) {
    eddy_err_clear(&g_err);
    g_null = false;
    return eddy_serde_decode_ex(s, data, len, 0, g_vals, &g_null, g_arena, &g_err);
}

/* Encodes vals into g_out (reset first). */
static inline int enc(const eddy_serde *s, const eddy_value *vals) {
    eddy_err_clear(&g_err);
    eddy_strbuf_reset(&g_out);
    return eddy_serde_encode(s, vals, &g_out, &g_null, &g_err);
}

/* Registers schema text under subject (NULL: none) and returns its id. */
static inline int32_t reg(const char *subject, const char *schema) {
    int32_t id = 0;
    eddy_err_clear(&g_err);
    int rc = eddy_registry_register(g_reg, subject, schema, 0, &id, NULL, &g_err);
    if (rc) fail_msg("registering %s failed: %s", schema, g_err.msg);
    return id;
}

/* Avro binary of JSON text written with schema id, wire header first, into g_out. */
static inline void avro_of_json(int32_t id, const char *json) {
    const eddy_avro_schema *s;
    json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    assert_int_equal(eddy_registry_avro(g_reg, id, &s, &g_err), 0);
    eddy_strbuf_reset(&g_out);
    eddy_avro_wire_header(&g_out, id);
    int rc = eddy_avro_from_json(s, v, "", NULL, NULL, &g_out, &g_err);
    if (rc) fail_msg("from_json failed: %s", g_err.msg);
    json_decref(v);
}

static inline void assert_str_value(const eddy_value *v, const char *want) {
    assert_int_equal(v->v_kind, EDDY_V_STRING);
    assert_int_equal(v->v_len, strlen(want));
    assert_memory_equal(v->u.s, want, v->v_len);
}

static inline void assert_err_contains(const char *needle) {
    if (!strstr(g_err.msg, needle)) fail_msg("error \"%s\" does not contain \"%s\"", g_err.msg, needle);
}

/* JSON texts equal as JSON (key order aside). */
static inline void assert_json_equal(const char *got, const char *want) {
    json_t *a = json_loads(got, JSON_DECODE_ANY, NULL), *b = json_loads(want, JSON_DECODE_ANY, NULL);
    if (!a || !b || !json_equal(a, b)) fail_msg("JSON differs:\n  got:  %s\n  want: %s", got, want);
    json_decref(a);
    json_decref(b);
}

static inline eddy_value str_v(const char *s) { return eddy_value_str(EDDY_V_STRING, s, strlen(s)); }

#endif
