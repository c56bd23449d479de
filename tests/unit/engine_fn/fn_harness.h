/* fn_harness.h - runs the function implementations through real SQLite calls for the engine_fn tests.
 *
 * Each test file includes this header.  A test registers the function
 * variants it needs on a private in-memory connection (h_fn: SQL name,
 * registry function, variant, return and argument types as ksqlDB type
 * text), then checks `SELECT ...` results as text (h_eval / EXPECT):
 *   NULL -> "NULL", integers as digits, doubles as Java's Double.toString,
 *   text as it is, blobs as x'hex', complex values (boxes) with
 *   eddy_value_format ("['a', 'b']", "{'k'='v'}", "1.50").
 * The call site wrapper does what the expression compiler does: it skips the
 * implementation on a NULL argument unless the function is called on NULL,
 * and collects the error message the implementation left (h_last_error).
 *
 * Value constructors for arguments, registered by h_setup:
 *   ai(x, ...)  ARRAY<INT>       astr(s, ...) ARRAY<STRING>
 *   ad(x, ...)  ARRAY<DOUBLE>    ab(x, ...)  ARRAY<BOOLEAN>
 *   msi(k, v, ...) MAP<STRING, INT>   mss(k, v, ...) MAP<STRING, STRING>
 *   dec('12.30')   DECIMAL with the text's scale (precision 38)
 *   nan()          a DOUBLE NaN (boxed, as engine/sqlval.h passes it)
 */
#ifndef EDDY_TESTS_FN_HARNESS_H
#define EDDY_TESTS_FN_HARNESS_H

#include "engine/fn.h"
#include "engine/fn_impl.h"
#include "engine/sqlval.h"
#include "sql/functions.h"
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
#include <sqlite3.h>

typedef struct h_site {
    eddy_fn_call call; /* first: implementations cast user data to it */
    eddy_fn_xfunc impl;
    unsigned flags;
} h_site;

static sqlite3 *h_db;
static eddy_arena *h_arena;
static char h_last_error[512];

static eddy_type *h_type(const char *text) {
    eddy_type *t = NULL;
    eddy_err err = {0};
    if (eddy_parse_type(text, h_arena, &t, &err) != 0) fail_msg("bad type '%s': %s", text, err.msg);
    return t;
}

static void h_trampoline(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    h_site *s = sqlite3_user_data(ctx);
    if (!(s->flags & EDDY_FN_CALLED_ON_NULL))
        for (int i = 0; i < argc; i++)
            if (fn_isnull(argv[i])) return;
    s->impl(ctx, argc, argv);
    const char *msg = eddy_fn_error_take();
    if (msg) snprintf(h_last_error, sizeof h_last_error, "%s", msg);
}

static void h_site_free(void *p) {
    h_site *s = p;
    if (s->call.state_free && s->call.state) s->call.state_free(s->call.state);
    free(s->call.arg_types);
    free(s);
}

/* Registers sqlname as variant v of registry function fname.  ret and args
 * are type texts ("STRING", "STRING,INT"; args "" for none); the argument
 * count is the number of types given. */
static void h_fn(const char *sqlname, const char *fname, int v, const char *ret, const char *args) {
    const eddy_function *fn = eddy_function_lookup(fname);
    if (!fn) fail_msg("no function %s", fname);
    if (v >= fn->fn_nvariants) fail_msg("%s has no variant %d", fname, v);
    const eddy_function_variant *fv = &fn->fn_variants[v];
    if (!fv->fv_impl.fi_func) fail_msg("%s variant %d has no implementation", fname, v);
    h_site *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->call.arg_types = calloc(16, sizeof(eddy_type *));
    assert_non_null(s->call.arg_types);
    char buf[512];
    snprintf(buf, sizeof buf, "%s", args);
    int n = 0, depth = 0;
    char *start = buf;
    for (char *p = buf;; p++) {
        if (*p == '<' || *p == '(') depth++;
        if (*p == '>' || *p == ')') depth--;
        if ((*p == ',' && depth == 0) || *p == 0) {
            char end = *p;
            *p = 0;
            while (*start == ' ') start++;
            if (*start) s->call.arg_types[n++] = h_type(start);
            start = p + 1;
            if (!end) break;
        }
    }
    s->call.name = fn->fn_name;
    s->call.nargs = n;
    s->call.return_type = ret ? h_type(ret) : NULL;
    s->impl = fv->fv_impl.fi_func;
    s->flags = fv->fv_flags;
    int rc = sqlite3_create_function_v2(h_db, sqlname, n, SQLITE_UTF8, s, h_trampoline, NULL, NULL, h_site_free);
    assert_int_equal(rc, SQLITE_OK);
}

/* ---- value constructors ---- */

typedef struct h_ctor {
    const char *type;
    int pairs; /* maps: key, value pairs */
} h_ctor;

static void h_ctor_func(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const char *type = sqlite3_user_data(ctx);
    eddy_type *t = h_type(type);
    eddy_arena *a = eddy_arena_new();
    eddy_value v;
    if (t->ty_kind == EDDY_TYPE_MAP) {
        v = eddy_value_container(a, EDDY_V_MAP, (uint32_t)argc / 2);
        for (int i = 0; i < argc; i++) {
            const eddy_type *et = i % 2 ? t->ty_elem : t->ty_key;
            if (eddy_sqlval_get(argv[i], et, a, &v.u.items[i]) != 0) v.u.items[i] = eddy_value_null();
        }
    } else {
        v = eddy_value_container(a, EDDY_V_ARRAY, (uint32_t)argc);
        for (int i = 0; i < argc; i++)
            if (eddy_sqlval_get(argv[i], t->ty_elem, a, &v.u.items[i]) != 0) v.u.items[i] = eddy_value_null();
    }
    eddy_sqlval_result(ctx, &v, t);
    eddy_arena_destroy(a);
}

static void h_dec_func(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    eddy_int128 x;
    int scale;
    if (!fn_arg_decimal(argv[0], &x, &scale)) {
        sqlite3_result_null(ctx);
        return;
    }
    char tt[32];
    snprintf(tt, sizeof tt, "DECIMAL(38,%d)", scale);
    eddy_arena *a = eddy_arena_new();
    eddy_value v = eddy_value_decimal(a, x, scale);
    eddy_sqlval_result(ctx, &v, h_type(tt));
    eddy_arena_destroy(a);
}

static void h_nan_func(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    eddy_sqlval_result_double(ctx, NAN);
}

static int h_setup(void **state) {
    (void)state;
    eddy_err err = {0};
    if (eddy_functions_register_builtin(&err) != 0) fail_msg("register: %s", err.msg);
    assert_int_equal(sqlite3_open(":memory:", &h_db), SQLITE_OK);
    h_arena = eddy_arena_new();
    assert_non_null(h_arena);
    h_last_error[0] = 0;
    static const char *const ctors[][2] = {
        {"ai", "ARRAY<INT>"}, {"astr", "ARRAY<STRING>"}, {"ad", "ARRAY<DOUBLE>"}, {"ab", "ARRAY<BOOLEAN>"},
        {"abi", "ARRAY<BIGINT>"}, {"msi", "MAP<STRING, INT>"}, {"mss", "MAP<STRING, STRING>"},
    };
    for (size_t i = 0; i < sizeof ctors / sizeof ctors[0]; i++)
        sqlite3_create_function_v2(h_db, ctors[i][0], -1, SQLITE_UTF8, (void *)ctors[i][1], h_ctor_func, NULL, NULL,
                                   NULL);
    sqlite3_create_function_v2(h_db, "dec", 1, SQLITE_UTF8, NULL, h_dec_func, NULL, NULL, NULL);
    sqlite3_create_function_v2(h_db, "nan", 0, SQLITE_UTF8, NULL, h_nan_func, NULL, NULL, NULL);
    return 0;
}

static int h_teardown(void **state) {
    (void)state;
    sqlite3_close(h_db);
    h_db = NULL;
    eddy_arena_destroy(h_arena);
    h_arena = NULL;
    return 0;
}

/* The first column of the first row of sql, as text (see the top).  The
 * caller frees it. */
static char *h_eval(const char *sql) {
    sqlite3_stmt *st = NULL;
    h_last_error[0] = 0;
    int rc = sqlite3_prepare_v2(h_db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) fail_msg("prepare '%s': %s", sql, sqlite3_errmsg(h_db));
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) fail_msg("step '%s': %s", sql, sqlite3_errmsg(h_db));
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    sqlite3_value *v = sqlite3_column_value(st, 0);
    const eddy_sqlbox *box = sqlite3_value_pointer(v, EDDY_SQLVAL_PTR_TYPE);
    if (box) {
        if (box->value.v_kind == EDDY_V_DOUBLE) fn_java_double(&sb, box->value.u.d);
        else eddy_value_format(&box->value, &sb);
    } else {
        switch (sqlite3_column_type(st, 0)) {
        case SQLITE_NULL: eddy_strbuf_puts(&sb, "NULL"); break;
        case SQLITE_INTEGER: eddy_strbuf_printf(&sb, "%lld", (long long)sqlite3_column_int64(st, 0)); break;
        case SQLITE_FLOAT: fn_java_double(&sb, sqlite3_column_double(st, 0)); break;
        case SQLITE_TEXT: eddy_strbuf_append(&sb, (const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0)); break;
        default: {
            const unsigned char *p = sqlite3_column_blob(st, 0);
            int n = sqlite3_column_bytes(st, 0);
            eddy_strbuf_puts(&sb, "x'");
            for (int i = 0; i < n; i++) eddy_strbuf_printf(&sb, "%02x", p[i]);
            eddy_strbuf_putc(&sb, '\'');
        }
        }
    }
    sqlite3_finalize(st);
    char *out = eddy_strbuf_detach(&sb);
    return out ? out : strdup("");
}

/* Checks that SELECT-ing sql gives want. */
#define EXPECT(sql, want)                                                        \
    do {                                                                         \
        char *got_ = h_eval(sql);                                                \
        if (strcmp(got_, (want)) != 0) {                                         \
            print_error("%s\n  got:  %s\n  want: %s\n", (sql), got_, (want));    \
            free(got_);                                                          \
            fail();                                                              \
        }                                                                        \
        free(got_);                                                              \
    } while (0)

/* Checks that sql gives NULL and left an error message containing part. */
#define EXPECT_ERROR(sql, part)                                                  \
    do {                                                                         \
        EXPECT(sql, "NULL");                                                     \
        if (!strstr(h_last_error, (part))) {                                     \
            print_error("%s\n  error: '%s'\n  want it to contain: '%s'\n", (sql), h_last_error, (part)); \
            fail();                                                              \
        }                                                                        \
    } while (0)

#define H_TEST(fn) cmocka_unit_test_setup_teardown(fn, h_setup, h_teardown)

#endif
