/* expr_fixture.h - shared helpers of the expression tests: a test schema, one test row, evaluate-and-print.
 *
 * The scope has one source INPUT (alias I) with the columns below, and the
 * pseudo columns.  ev("I + 1") compiles the expression as a projection,
 * evaluates it over a batch holding the test row and returns its value as
 * text ('...' for strings, Java's text for the rest, NULL); the type lands
 * in last_type, the row errors in last_errors.
 */
#ifndef EDDY_TEST_EXPR_FIXTURE_H
#define EDDY_TEST_EXPR_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Not every test file uses every helper. */
#define FX_UNUSED __attribute__((unused))

#include "engine/expr.h"
#include "engine/expr_int.h"
#include "engine/sqlval.h"
#include "sql/functions.h"
#include "sql/parse.h"

static eddy_schema *fx_schema;
static eddy_scope_source fx_src;
static eddy_expr_scope fx_scope;
static eddy_arena *fx_arena;      /* row values, parsed expressions */
static eddy_batch fx_in;          /* one row */
static char last_type[256];
static char last_errors[1024];
static int last_rc;
static eddy_err last_err;

static eddy_type *fx_type(const char *text) {
    eddy_type *t = NULL;
    eddy_err err = {0};
    assert_int_equal(eddy_parse_type(text, fx_arena, &t, &err), 0);
    return eddy_type_ref(t);
}

static void fx_col(const char *name, const char *type) {
    assert_int_equal(eddy_schema_add(fx_schema, name, fx_type(type), EDDY_COL_VALUE, NULL), 0);
}

static eddy_value fx_str(const char *s) { return eddy_value_str(EDDY_V_STRING, s, strlen(s)); }

static void fx_setup_row(eddy_row *r) {
    eddy_value *c = r->cols;
    int i = 0;
    c[i++] = eddy_value_int(7);                                  /* I */
    c[i++] = eddy_value_bigint(10000000000LL);                   /* L */
    c[i++] = eddy_value_double(2.5);                             /* D */
    c[i++] = fx_str("hello");                                    /* S */
    c[i++] = eddy_value_bool(true);                              /* B */
    c[i++] = eddy_value_decimal(fx_arena, 1234, 2);              /* DEC 12.34 */
    eddy_value arr = eddy_value_container(fx_arena, EDDY_V_ARRAY, 3);
    for (int k = 0; k < 3; k++) arr.u.items[k] = eddy_value_int(k + 1);
    c[i++] = arr;                                                /* ARR [1, 2, 3] */
    eddy_value m = eddy_value_container(fx_arena, EDDY_V_MAP, 2);
    m.u.items[0] = fx_str("a");
    m.u.items[1] = eddy_value_int(1);
    m.u.items[2] = fx_str("b");
    m.u.items[3] = eddy_value_int(2);
    c[i++] = m;                                                  /* M {a=1, b=2} */
    eddy_value st = eddy_value_container(fx_arena, EDDY_V_STRUCT, 2);
    st.u.items[0] = eddy_value_int(5);
    st.u.items[1] = fx_str("x");
    c[i++] = st;                                                 /* ST {A=5, b='x'} */
    c[i++] = eddy_value_null();                                  /* NUL INT */
    c[i++] = eddy_value_str(EDDY_V_BYTES, "\x01\x02", 2);        /* BY */
    c[i++] = eddy_value_i64(EDDY_V_TIMESTAMP, 1651182287943LL);  /* TS 2022-04-28T21:44:47.943 */
    c[i++] = eddy_value_i64(EDDY_V_DATE, 19000);                 /* DT 2022-01-08 */
    c[i++] = eddy_value_int(INT32_MAX);                          /* IMAX */
    c[i++] = eddy_value_bigint(INT64_MAX);                       /* LMAX */
    c[i++] = eddy_value_null();                                  /* DN DOUBLE */
    c[i++] = eddy_value_null();                                  /* SN STRING */
    c[i++] = eddy_value_null();                                  /* DECN DECIMAL(4,2) */
    c[i++] = eddy_value_null();                                  /* ARRN ARRAY<INT> */
    c[i++] = eddy_value_int(-7);                                 /* NEG */
    r->ts = 1000;
    r->partition = 3;
    r->offset = 42;
}

static int fx_setup(void **state) {
    (void)state;
    fx_arena = eddy_arena_new();
    fx_schema = eddy_schema_new();
    fx_col("I", "INT");
    fx_col("L", "BIGINT");
    fx_col("D", "DOUBLE");
    fx_col("S", "STRING");
    fx_col("B", "BOOLEAN");
    fx_col("DEC", "DECIMAL(4, 2)");
    fx_col("ARR", "ARRAY<INT>");
    fx_col("M", "MAP<STRING, INT>");
    fx_col("ST", "STRUCT<A INT, `b` STRING>");
    fx_col("NUL", "INT");
    fx_col("BY", "BYTES");
    fx_col("TS", "TIMESTAMP");
    fx_col("DT", "DATE");
    fx_col("IMAX", "INT");
    fx_col("LMAX", "BIGINT");
    fx_col("DN", "DOUBLE");
    fx_col("SN", "STRING");
    fx_col("DECN", "DECIMAL(4, 2)");
    fx_col("ARRN", "ARRAY<INT>");
    fx_col("NEG", "INT");
    fx_src = (eddy_scope_source){.name = "INPUT", .alias = "I", .schema = fx_schema, .first_col = 0};
    fx_scope = (eddy_expr_scope){.nsources = 1,
                                 .sources = &fx_src,
                                 .pseudo = EDDY_PSEUDO_ROWTIME | EDDY_PSEUDO_ROWPARTITION | EDDY_PSEUDO_ROWOFFSET,
                                 .ncols = fx_schema->ncols};
    assert_int_equal(eddy_batch_init(&fx_in, fx_schema->ncols), 0);
    eddy_row *r = eddy_batch_append(&fx_in);
    assert_non_null(r);
    fx_setup_row(r);
    return 0;
}

static int fx_teardown(void **state) {
    (void)state;
    eddy_batch_fini(&fx_in);
    eddy_schema_free(fx_schema);
    eddy_arena_destroy(fx_arena);
    return 0;
}

static const eddy_expr *fx_parse(const char *text) {
    eddy_expr *e = NULL;
    eddy_err err = {0};
    int rc = eddy_parse_expr(text, fx_arena, &e, &err);
    if (rc) fail_msg("parse of '%s' failed: %s", text, err.msg);
    return e;
}

/* Text of a value: strings quoted, the rest as CAST(x AS STRING) gives it. */
static void fx_format(const eddy_value *v, const eddy_type *t, eddy_strbuf *sb) {
    if (v->v_kind == EDDY_V_NULL) {
        eddy_strbuf_puts(sb, "NULL");
    } else if (v->v_kind == EDDY_V_STRING) {
        eddy_strbuf_putc(sb, '\'');
        eddy_strbuf_append(sb, v->u.s, v->v_len);
        eddy_strbuf_putc(sb, '\'');
    } else {
        eddy_java_value(v, t, sb);
    }
}

static void fx_on_error(void *ud, const eddy_row *row, const char *msg) {
    size_t n = strlen(last_errors);
    snprintf(last_errors + n, sizeof last_errors - n, "%s%s", n ? "; " : "", msg);
}

/* Evaluates text over the test row; "ERROR: msg" when compiling fails. */
FX_UNUSED static const char *ev(const char *text) {
    static char out[1100];
    last_type[0] = 0;
    last_errors[0] = 0;
    const eddy_expr *e = fx_parse(text);
    eddy_exprs *x = NULL;
    eddy_type *t = NULL;
    memset(&last_err, 0, sizeof last_err);
    last_rc = eddy_exprs_compile(&fx_scope, NULL, &e, 1, &x, &t, &last_err);
    if (last_rc) {
        snprintf(out, sizeof out, "ERROR: %s", last_err.msg);
        return out;
    }
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_type_format(t, &sb);
    snprintf(last_type, sizeof last_type, "%s", eddy_strbuf_cstr(&sb));
    eddy_strbuf_reset(&sb);
    eddy_batch res;
    assert_int_equal(eddy_batch_init(&res, 1), 0);
    assert_int_equal(eddy_exprs_eval(x, &fx_in, &res, fx_on_error, NULL), 0);
    assert_int_equal(res.count, 1);
    fx_format(&res.rows[0].cols[0], t, &sb);
    snprintf(out, sizeof out, "%s", eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    eddy_batch_fini(&res);
    eddy_type_unref(t);
    eddy_exprs_destroy(x);
    return out;
}

/* Does the filter keep the test row? 1, 0, or -1 when compiling fails. */
FX_UNUSED static int keeps(const char *where) {
    const eddy_expr *w = fx_parse(where);
    const eddy_expr *p = fx_parse("I");
    eddy_exprs *x = NULL;
    memset(&last_err, 0, sizeof last_err);
    last_errors[0] = 0;
    if ((last_rc = eddy_exprs_compile(&fx_scope, w, &p, 1, &x, NULL, &last_err))) return -1;
    eddy_batch res;
    assert_int_equal(eddy_batch_init(&res, 1), 0);
    assert_int_equal(eddy_exprs_eval(x, &fx_in, &res, fx_on_error, NULL), 0);
    int kept = (int)res.count;
    eddy_batch_fini(&res);
    eddy_exprs_destroy(x);
    return kept;
}

/* The type of text in clause (eddy_expr_typeof), or "ERROR: msg". */
FX_UNUSED static const char *ty(const char *text, const char *clause) {
    static char out[1100];
    eddy_type *t = NULL;
    memset(&last_err, 0, sizeof last_err);
    last_rc = eddy_expr_typeof(&fx_scope, fx_parse(text), clause, &t, &last_err);
    if (last_rc) {
        snprintf(out, sizeof out, "ERROR: %s", last_err.msg);
        return out;
    }
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_type_format(t, &sb);
    snprintf(out, sizeof out, "%s", eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    eddy_type_unref(t);
    return out;
}

/* ---- tiny function implementations of the tests' own ---------------------- */

static void t_ucase(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_value v;
    eddy_fn_call *call = sqlite3_user_data(ctx);
    if (eddy_sqlval_get(argv[0], call->arg_types[0], NULL, &v) || v.v_kind != EDDY_V_STRING) {
        sqlite3_result_error(ctx, "t_ucase: bad argument", -1);
        return;
    }
    char *s = sqlite3_malloc((int)v.v_len + 1);
    for (uint32_t i = 0; i < v.v_len; i++) s[i] = (char)(v.u.s[i] >= 'a' && v.u.s[i] <= 'z' ? v.u.s[i] - 32 : v.u.s[i]);
    sqlite3_result_text(ctx, s, (int)v.v_len, sqlite3_free);
}

/* COALESCE(T first, T... others): the first non-NULL argument. */
static void t_coalesce(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_fn_call *call = sqlite3_user_data(ctx);
    for (int i = 0; i < argc; i++) {
        eddy_value v;
        if (eddy_sqlval_get(argv[i], call->arg_types[i], NULL, &v) == 0 && v.v_kind != EDDY_V_NULL) {
            eddy_sqlval_result(ctx, &v, call->return_type);
            return;
        }
    }
}

/* FROM_UNIXTIME(BIGINT): returns its argument, to observe the implicit cast. */
static void t_from_unixtime(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_fn_call *call = sqlite3_user_data(ctx);
    if (call->arg_types[0]->ty_kind != EDDY_TYPE_BIGINT) {
        sqlite3_result_error(ctx, "t_from_unixtime: argument is not BIGINT", -1);
        return;
    }
    sqlite3_result_int64(ctx, sqlite3_value_int64(argv[0]));
}

/* LN(DOUBLE): NaN for negative input, to observe NaN crossing SQLite. */
static void t_ln(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_value v;
    eddy_fn_call *call = sqlite3_user_data(ctx);
    eddy_sqlval_get(argv[0], call->arg_types[0], NULL, &v);
    eddy_sqlval_result_double(ctx, v.u.d < 0 ? (0.0 / 0.0) : __builtin_log(v.u.d));
}

/* PI(): fails the row, to observe eddy_sqlval_result_error. */
static void t_pi_fails(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_sqlval_result_error(ctx, "pi is not rational");
}

static void fx_attach(const char *name, int variant, eddy_fn_xfunc f) {
    eddy_function_impl impl = {.fi_func = f};
    assert_int_equal(eddy_function_attach(name, variant, &impl), 0);
}

static void fx_attach_all(void) {
    eddy_err err = {0};
    assert_int_equal(eddy_functions_init(&err), 0);
    fx_attach("UCASE", 0, t_ucase);
    const eddy_function *c = eddy_function_lookup("COALESCE");
    for (int v = 0; v < c->fn_nvariants; v++) fx_attach("COALESCE", v, t_coalesce);
    fx_attach("FROM_UNIXTIME", 0, t_from_unixtime);
    fx_attach("LN", 2, t_ln); /* DOUBLE(DOUBLE value) */
    fx_attach("PI", 0, t_pi_fails);
}

#endif
