/* test_expr_batch.c - evaluating compiled expressions over batches: filtering, row metadata, errors, constants. */
#include "expr_fixture.h"

/* A batch of n rows of the test schema: row i has I = i, S = "s<i>", ts = 100 * i. */
static void make_batch(eddy_batch *b, int n) {
    assert_int_equal(eddy_batch_init(b, fx_schema->ncols), 0);
    for (int i = 0; i < n; i++) {
        eddy_row *r = eddy_batch_append(b);
        assert_non_null(r);
        fx_setup_row(r);
        r->cols[0] = eddy_value_int(i);
        char buf[16];
        snprintf(buf, sizeof buf, "s%d", i);
        r->cols[3] = eddy_value_str_copy(b->arena, EDDY_V_STRING, buf, strlen(buf));
        r->ts = 100 * i;
        r->offset = i;
    }
}

static eddy_exprs *compile(const char *where, const char **projs, int n) {
    const eddy_expr *ps[8];
    for (int i = 0; i < n; i++) ps[i] = fx_parse(projs[i]);
    eddy_exprs *x = NULL;
    eddy_err err = {0};
    int rc = eddy_exprs_compile(&fx_scope, where ? fx_parse(where) : NULL, ps, n, &x, NULL, &err);
    if (rc) fail_msg("compile failed: %s", err.msg);
    return x;
}

static void test_filter_keeps_matching_rows_in_order(void **s) {
    eddy_batch in, out;
    make_batch(&in, 10);
    const char *p[] = {"I"};
    eddy_exprs *x = compile("I % 3 = 0", p, 1);
    assert_int_equal(eddy_batch_init(&out, 1), 0);
    assert_int_equal(eddy_exprs_eval(x, &in, &out, NULL, NULL), 0);
    assert_int_equal(out.count, 4);
    for (int i = 0; i < 4; i++) assert_int_equal(out.rows[i].cols[0].u.i, 3 * i);
    eddy_batch_fini(&out);
    eddy_batch_fini(&in);
    eddy_exprs_destroy(x);
}

static void test_output_rows_keep_timestamp_partition_and_offset(void **s) {
    eddy_batch in, out;
    make_batch(&in, 5);
    const char *p[] = {"I + 1"};
    eddy_exprs *x = compile("I = 4", p, 1);
    assert_int_equal(eddy_batch_init(&out, 1), 0);
    assert_int_equal(eddy_exprs_eval(x, &in, &out, NULL, NULL), 0);
    assert_int_equal(out.count, 1);
    assert_int_equal(out.rows[0].ts, 400);
    assert_int_equal(out.rows[0].offset, 4);
    assert_int_equal(out.rows[0].partition, 3);
    eddy_batch_fini(&out);
    eddy_batch_fini(&in);
    eddy_exprs_destroy(x);
}

static void test_output_rows_copy_headers(void **s) {
    eddy_batch in, out;
    make_batch(&in, 1);
    static const eddy_log_header h[] = {{"k", "v1", 2}, {"n", NULL, 0}};
    in.rows[0].headers = h;
    in.rows[0].nheaders = 2;
    const char *p[] = {"S"};
    eddy_exprs *x = compile(NULL, p, 1);
    assert_int_equal(eddy_batch_init(&out, 1), 0);
    assert_int_equal(eddy_exprs_eval(x, &in, &out, NULL, NULL), 0);
    assert_int_equal(out.rows[0].nheaders, 2);
    assert_ptr_not_equal(out.rows[0].headers, h);
    assert_string_equal(out.rows[0].headers[0].name, "k");
    assert_memory_equal(out.rows[0].headers[0].value, "v1", 2);
    assert_null(out.rows[0].headers[1].value);
    eddy_batch_fini(&out);
    eddy_batch_fini(&in);
    eddy_exprs_destroy(x);
}

static void test_values_outlive_the_input_batch(void **s) {
    eddy_batch in, out;
    make_batch(&in, 3);
    const char *p[] = {"S", "UCASE(S)", "ARR", "DEC * 2"};
    eddy_exprs *x = compile(NULL, p, 4);
    assert_int_equal(eddy_batch_init(&out, 4), 0);
    assert_int_equal(eddy_exprs_eval(x, &in, &out, NULL, NULL), 0);
    eddy_batch_fini(&in); /* frees the input values */
    assert_int_equal(out.count, 3);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    for (int j = 0; j < 4; j++) {
        eddy_value_format(&out.rows[2].cols[j], &sb);
        eddy_strbuf_putc(&sb, ' ');
    }
    assert_string_equal(eddy_strbuf_cstr(&sb), "'s2' 'S2' [1, 2, 3] 24.68 ");
    eddy_strbuf_fini(&sb);
    eddy_batch_fini(&out);
    eddy_exprs_destroy(x);
}

static void test_compiled_expressions_run_over_many_batches(void **s) {
    const char *p[] = {"S || '!'"};
    eddy_exprs *x = compile("I > 0", p, 1);
    for (int round = 0; round < 3; round++) {
        eddy_batch in, out;
        make_batch(&in, 2 + round);
        assert_int_equal(eddy_batch_init(&out, 1), 0);
        assert_int_equal(eddy_exprs_eval(x, &in, &out, NULL, NULL), 0);
        assert_int_equal(out.count, 1 + round);
        assert_memory_equal(out.rows[0].cols[0].u.s, "s1!", 3);
        eddy_batch_fini(&out);
        eddy_batch_fini(&in);
    }
    eddy_exprs_destroy(x);
}

static void test_projection_only_statement_reads_columns_directly(void **s) {
    const char *p[] = {"I", "ROWTIME"};
    eddy_exprs *x = compile(NULL, p, 2);
    assert_string_equal(eddy_exprs_sql(x), "SELECT e_sink(rowid) FROM batch");
    eddy_exprs_destroy(x);
}

typedef struct seen {
    int count;
    int64_t last_i;
    char msg[128];
} seen;

static void on_error(void *ud, const eddy_row *row, const char *message) {
    seen *s = ud;
    s->count++;
    s->last_i = row->cols[0].u.i;
    snprintf(s->msg, sizeof s->msg, "%s", message);
}

static void test_row_error_names_the_row_and_the_row_gets_null(void **s) {
    eddy_batch in, out;
    make_batch(&in, 4);
    const char *p[] = {"10 / (I - 2)", "I"};
    eddy_exprs *x = compile(NULL, p, 2);
    assert_int_equal(eddy_batch_init(&out, 2), 0);
    seen sn = {0};
    assert_int_equal(eddy_exprs_eval(x, &in, &out, on_error, &sn), 0);
    assert_int_equal(out.count, 4);
    assert_int_equal(sn.count, 1);
    assert_int_equal(sn.last_i, 2);
    assert_string_equal(sn.msg, "/ by zero");
    assert_int_equal(out.rows[2].cols[0].v_kind, EDDY_V_NULL);
    assert_int_equal(out.rows[3].cols[0].u.i, 10);
    eddy_batch_fini(&out);
    eddy_batch_fini(&in);
    eddy_exprs_destroy(x);
}

static void test_row_error_in_filter_drops_only_that_row(void **s) {
    eddy_batch in, out;
    make_batch(&in, 4);
    const char *p[] = {"I"};
    eddy_exprs *x = compile("10 / (I - 1) > 0", p, 1);
    assert_int_equal(eddy_batch_init(&out, 1), 0);
    seen sn = {0};
    assert_int_equal(eddy_exprs_eval(x, &in, &out, on_error, &sn), 0);
    assert_int_equal(out.count, 2); /* I = 2 and 3; I = 0 gives -10, I = 1 fails */
    assert_int_equal(sn.count, 1);
    assert_int_equal(sn.last_i, 1);
    eddy_batch_fini(&out);
    eddy_batch_fini(&in);
    eddy_exprs_destroy(x);
}

static void t_fails_hard(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_value v;
    eddy_sqlval_get(argv[0], eddy_type_primitive(EDDY_TYPE_INT), NULL, &v);
    if (v.u.i == 1) sqlite3_result_error(ctx, "hard failure", -1);
    else sqlite3_result_int64(ctx, v.u.i);
}

static void test_function_that_stops_the_statement_loses_only_its_row(void **s) {
    eddy_function_impl impl = {.fi_func = t_fails_hard};
    assert_int_equal(eddy_function_attach("SIGN", 0, &impl), 0); /* INT(INT value) */
    eddy_batch in, out;
    make_batch(&in, 4);
    const char *p[] = {"SIGN(I)"};
    eddy_exprs *x = compile(NULL, p, 1);
    assert_int_equal(eddy_batch_init(&out, 1), 0);
    seen sn = {0};
    assert_int_equal(eddy_exprs_eval(x, &in, &out, on_error, &sn), 0);
    assert_int_equal(out.count, 3);
    assert_int_equal(sn.count, 1);
    assert_string_equal(sn.msg, "hard failure");
    eddy_batch_fini(&out);
    eddy_batch_fini(&in);
    eddy_exprs_destroy(x);
}

static void test_wrong_output_width_is_rejected(void **s) {
    eddy_batch in, out;
    make_batch(&in, 1);
    const char *p[] = {"I"};
    eddy_exprs *x = compile(NULL, p, 1);
    assert_int_equal(eddy_batch_init(&out, 2), 0);
    assert_int_equal(eddy_exprs_eval(x, &in, &out, NULL, NULL), EDDY_INVAL);
    eddy_batch_fini(&out);
    eddy_batch_fini(&in);
    eddy_exprs_destroy(x);
}

static void test_compile_reports_where_errors_with_the_clause(void **s) {
    const eddy_expr *p = fx_parse("I");
    eddy_exprs *x = NULL;
    eddy_err err = {0};
    assert_int_equal(eddy_exprs_compile(&fx_scope, fx_parse("BOB > 1"), &p, 1, &x, NULL, &err), EDDY_ANALYSIS);
    assert_string_equal(err.msg, "WHERE column 'BOB' cannot be resolved.");
    assert_null(x);
}

static void test_where_must_be_boolean(void **s) {
    const eddy_expr *p = fx_parse("I");
    eddy_exprs *x = NULL;
    eddy_err err = {0};
    assert_int_equal(eddy_exprs_compile(&fx_scope, fx_parse("I + 1"), &p, 1, &x, NULL, &err), EDDY_ANALYSIS);
    assert_non_null(strstr(err.msg, "Type error in WHERE expression"));
}

/* ---- constants ------------------------------------------------------------------ */

static void test_eval_const_of_a_literal(void **s) {
    eddy_value v;
    eddy_type *t = NULL;
    eddy_err err = {0};
    assert_int_equal(eddy_expr_eval_const(fx_parse("-12.50"), fx_arena, &v, &t, &err), 0);
    assert_int_equal(v.v_kind, EDDY_V_DECIMAL);
    assert_true(*v.u.dec == -1250 && v.v_scale == 2);
    assert_int_equal(t->ty_kind, EDDY_TYPE_DECIMAL);
    eddy_type_unref(t);
}

static void test_eval_const_of_an_expression(void **s) {
    eddy_value v;
    eddy_type *t = NULL;
    eddy_err err = {0};
    assert_int_equal(eddy_expr_eval_const(fx_parse("ARRAY[1, 2 + 3]"), fx_arena, &v, &t, &err), 0);
    assert_int_equal(v.v_kind, EDDY_V_ARRAY);
    assert_int_equal(v.v_len, 2);
    assert_int_equal(v.u.items[1].u.i, 5);
    eddy_type_unref(t);
}

static void test_eval_const_rejects_columns(void **s) {
    eddy_value v;
    eddy_type *t = NULL;
    eddy_err err = {0};
    assert_int_equal(eddy_expr_eval_const(fx_parse("I + 1"), fx_arena, &v, &t, &err), EDDY_ANALYSIS);
}

static void test_eval_const_reports_a_failing_expression(void **s) {
    eddy_value v;
    eddy_type *t = NULL;
    eddy_err err = {0};
    assert_int_equal(eddy_expr_eval_const(fx_parse("1 / 0"), fx_arena, &v, &t, &err), EDDY_INVAL);
    assert_string_equal(err.msg, "/ by zero");
}

int main(void) {
    fx_attach_all();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_keeps_matching_rows_in_order),
        cmocka_unit_test(test_output_rows_keep_timestamp_partition_and_offset),
        cmocka_unit_test(test_output_rows_copy_headers),
        cmocka_unit_test(test_values_outlive_the_input_batch),
        cmocka_unit_test(test_compiled_expressions_run_over_many_batches),
        cmocka_unit_test(test_projection_only_statement_reads_columns_directly),
        cmocka_unit_test(test_row_error_names_the_row_and_the_row_gets_null),
        cmocka_unit_test(test_row_error_in_filter_drops_only_that_row),
        cmocka_unit_test(test_function_that_stops_the_statement_loses_only_its_row),
        cmocka_unit_test(test_wrong_output_width_is_rejected),
        cmocka_unit_test(test_compile_reports_where_errors_with_the_clause),
        cmocka_unit_test(test_where_must_be_boolean),
        cmocka_unit_test(test_eval_const_of_a_literal),
        cmocka_unit_test(test_eval_const_of_an_expression),
        cmocka_unit_test(test_eval_const_rejects_columns),
        cmocka_unit_test(test_eval_const_reports_a_failing_expression),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
