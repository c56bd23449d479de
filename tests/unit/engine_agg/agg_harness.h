/* agg_harness.h - drives aggregate call sites (engine/agg.h) for the engine_agg tests.
 *
 * Each test runs with a fresh arena (h_setup / h_teardown as cmocka
 * fixtures).  h_prep("SUM", "DECIMAL(4, 2)") prepares a call over argument
 * types written as ksqlDB type text, separated by '|' ("" for none, "NULL"
 * for a bare NULL); h_lit_* turn an argument into a literal.  h_add / h_undo
 * feed one row (one argument, or h_add2 for two), numbering rows in arrival
 * order; h_res formats the result with eddy_value_format ("[1, 2]", "'a'",
 * "{'k'=1}", "1.50"), h_dres returns a DOUBLE result.
 */
#ifndef EDDY_TESTS_AGG_HARNESS_H
#define EDDY_TESTS_AGG_HARNESS_H

#include "engine/agg.h"
#include "sql/parse.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static eddy_arena *H;
static int64_t h_seq;
static eddy_err h_err;

static inline int h_setup(void **state) {
    (void)state;
    H = eddy_arena_new();
    h_seq = 0;
    memset(&h_err, 0, sizeof h_err);
    return H ? 0 : -1;
}

static inline int h_teardown(void **state) {
    (void)state;
    eddy_arena_destroy(H);
    H = NULL;
    return 0;
}

#define H_TEST(fn) cmocka_unit_test_setup_teardown(fn, h_setup, h_teardown)

static inline eddy_type *h_type(const char *text) {
    eddy_type *t = NULL;
    eddy_err err = {0};
    if (eddy_parse_type(text, H, &t, &err) != 0) fail_msg("bad type '%s': %s", text, err.msg);
    return t;
}

/* Fills the call's inputs: name and argument types ('|'-separated). */
static inline void h_call(eddy_agg_call *c, const char *name, const char *types) {
    memset(c, 0, sizeof *c);
    c->name = name;
    c->collect_limit = 1000;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", types);
    char *p = buf;
    while (*p) {
        char *bar = strchr(p, '|');
        if (bar) *bar = '\0';
        assert_true(c->nargs < EDDY_AGG_MAX_ARGS);
        c->args[c->nargs++].type = strcmp(p, "NULL") ? h_type(p) : NULL;
        if (!bar) break;
        p = bar + 1;
    }
}

/* Prepares and fails the test when prepare refuses. */
static inline void h_prep(eddy_agg_call *c, const char *name, const char *types) {
    h_call(c, name, types);
    int rc = eddy_agg_prepare(c, &h_err);
    if (rc) fail_msg("prepare %s(%s): %d %s", name, types, rc, h_err.msg);
}

/* Prepares with literal arguments set up by the caller (after h_call). */
static inline void h_prep_call(eddy_agg_call *c) {
    int rc = eddy_agg_prepare(c, &h_err);
    if (rc) fail_msg("prepare %s: %d %s", c->name, rc, h_err.msg);
}

static inline void h_lit_int(eddy_agg_call *c, int i, int32_t v) {
    c->args[i].is_literal = true;
    c->args[i].value = eddy_value_int(v);
}

static inline void h_lit_bool(eddy_agg_call *c, int i, bool v) {
    c->args[i].is_literal = true;
    c->args[i].value = eddy_value_bool(v);
}

/* Values (in the test arena). */
#define V_NULL eddy_value_null()
#define V_I(x) eddy_value_int(x)
#define V_L(x) eddy_value_bigint(x)
#define V_D(x) eddy_value_double(x)
static inline eddy_value V_S(const char *s) { return eddy_value_str_copy(H, EDDY_V_STRING, s, strlen(s)); }
static inline eddy_value V_B(const char *s, size_t n) { return eddy_value_str_copy(H, EDDY_V_BYTES, s, n); }
/* DECIMAL from text such as "-10.12" (scale = digits after the point). */
static inline eddy_value V_DEC(const char *text) {
    eddy_int128 x = 0;
    int scale = -1;
    bool neg = *text == '-';
    for (const char *p = text + neg; *p; p++) {
        if (*p == '.') {
            scale = 0;
            continue;
        }
        x = x * 10 + (*p - '0');
        if (scale >= 0) scale++;
    }
    return eddy_value_decimal(H, neg ? -x : x, scale < 0 ? 0 : scale);
}
/* ARRAY of n values. */
static inline eddy_value V_ARR(int n, ...) {
    eddy_value a = eddy_value_container(H, EDDY_V_ARRAY, (uint32_t)n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) a.u.items[i] = va_arg(ap, eddy_value);
    va_end(ap);
    return a;
}

static inline void h_init(const eddy_agg_call *c, eddy_value *acc) { assert_int_equal(c->def->init(c, acc, H), 0); }

static inline void h_add(const eddy_agg_call *c, eddy_value *acc, eddy_value v) {
    eddy_agg_row row = {.ts = 0, .seq = h_seq++};
    assert_int_equal(c->def->add(c, acc, &v, &row, H), 0);
}

static inline void h_add2(const eddy_agg_call *c, eddy_value *acc, eddy_value x, eddy_value y) {
    eddy_value args[2] = {x, y};
    eddy_agg_row row = {.ts = 0, .seq = h_seq++};
    assert_int_equal(c->def->add(c, acc, args, &row, H), 0);
}

static inline void h_undo(const eddy_agg_call *c, eddy_value *acc, eddy_value v) {
    assert_non_null(c->def->undo);
    assert_int_equal(c->def->undo(c, acc, &v, H), 0);
}

static inline void h_undo2(const eddy_agg_call *c, eddy_value *acc, eddy_value x, eddy_value y) {
    eddy_value args[2] = {x, y};
    assert_non_null(c->def->undo);
    assert_int_equal(c->def->undo(c, acc, args, H), 0);
}

static inline void h_merge(const eddy_agg_call *c, eddy_value *acc, const eddy_value *other) {
    assert_int_equal(c->def->merge(c, acc, other, H), 0);
}

static inline eddy_value h_result(const eddy_agg_call *c, const eddy_value *acc) {
    eddy_value out;
    assert_int_equal(c->def->result(c, acc, &out, H), 0);
    return out;
}

/* The formatted value (in the arena). */
static inline const char *h_fmt(const eddy_value *v) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_value_format(v, &sb);
    char *s = eddy_arena_strdup(H, eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return s;
}

static inline const char *h_res(const eddy_agg_call *c, const eddy_value *acc) {
    eddy_value r = h_result(c, acc);
    return h_fmt(&r);
}

static inline double h_dres(const eddy_agg_call *c, const eddy_value *acc) {
    eddy_value r = h_result(c, acc);
    assert_int_equal(r.v_kind, EDDY_V_DOUBLE);
    return r.u.d;
}

/* The call's result type as text (in the arena). */
static inline const char *h_rtype(const eddy_agg_call *c) {
    assert_non_null(c->result);
    char *s = eddy_type_to_string(c->result);
    char *r = eddy_arena_strdup(H, s);
    free(s);
    return r;
}

#endif
