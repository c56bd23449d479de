/* serde_test.h - helpers shared by the serde unit tests: building serdes over
 * ad-hoc columns, decoding text, encoding values. */
#ifndef EDDY_TESTS_SERDE_TEST_H
#define EDDY_TESTS_SERDE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "schemas/serde.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(k) eddy_type_primitive(EDDY_TYPE_##k)

/* One test's world: the arena decoded values live in, the output buffer, the error. */
static eddy_arena *g_arena;
static eddy_strbuf g_out;
static eddy_err g_err;
static eddy_value g_vals[16];
static bool g_null;

static int setup(void **state) {
    (void)state;
    g_arena = eddy_arena_new();
    eddy_strbuf_init(&g_out);
    eddy_err_clear(&g_err);
    memset(g_vals, 0, sizeof g_vals);
    g_null = false;
    return g_arena ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
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

/* A serde over n (name, type) columns; the types are taken over.  wrap: the
 * spec's wrap_single (-1 unset); delim: DELIMITED's delimiter or NULL.
 * Returns NULL (with g_err set) when eddy_serde_new fails. */
static inline eddy_serde *mk(const char *format, bool key, int wrap, const char *delim, int n, ...) {
    eddy_column cols[16];
    eddy_format_spec spec = {(char *)format, (char *)delim, wrap, -1, NULL};
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
    int rc = eddy_serde_new(&spec, key, cols, n, &s, &g_err);
    for (int i = 0; i < n; i++) eddy_type_unref(cols[i].type);
    return rc ? NULL : s;
}

/* Decodes a NUL-terminated text into g_vals; g_null is set for a null record. */
static inline int dec(const eddy_serde *s, const char *text) {
    eddy_err_clear(&g_err);
    return eddy_serde_decode_ex(s, text, strlen(text), 0, g_vals, &g_null, g_arena, &g_err);
}

static inline int decn(const eddy_serde *s, const void *data, size_t len) {
    eddy_err_clear(&g_err);
    return eddy_serde_decode_ex(s, data, len, 0, g_vals, &g_null, g_arena, &g_err);
}

/* Encodes vals into g_out (reset first). */
static inline int enc(const eddy_serde *s, const eddy_value *vals) {
    eddy_err_clear(&g_err);
    eddy_strbuf_reset(&g_out);
    return eddy_serde_encode(s, vals, &g_out, &g_null, &g_err);
}

static inline void assert_str_value(const eddy_value *v, const char *want) {
    assert_int_equal(v->v_kind, EDDY_V_STRING);
    assert_int_equal(v->v_len, strlen(want));
    assert_memory_equal(v->u.s, want, v->v_len);
}

static inline void assert_decimal(const eddy_value *v, long long unscaled, int scale) {
    assert_int_equal(v->v_kind, EDDY_V_DECIMAL);
    assert_true(*v->u.dec == (eddy_int128)unscaled);
    assert_int_equal(v->v_scale, scale);
}

static inline void assert_err_contains(const char *needle) {
    if (!strstr(g_err.msg, needle)) fail_msg("error \"%s\" does not contain \"%s\"", g_err.msg, needle);
}

static inline eddy_value str_v(const char *s) { return eddy_value_str(EDDY_V_STRING, s, strlen(s)); }

#endif
