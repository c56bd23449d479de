/* test_functions.c - unit tests of the SQL function registry (sql/functions.c).
 *
 * Run as `sql_functions.test_functions --markdown FILE` it writes the function
 * reference instead (how docs/functions.md is regenerated).
 */
#include "sql/functions.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char *const k_categories[] = {
    "CONDITIONAL", "MATHEMATICAL", "STRING", "REGULAR EXPRESSION", "JSON", "DATE / TIME", "ARRAY",
    "MAP", "URL", "OTHER", "AGGREGATE", "TABLE", "LAMBDA", "CONVERSIONS",
};

static void test_table_loads_without_error(void **state) {
    (void)state;
    eddy_err err;
    eddy_err_clear(&err);
    int rc = eddy_functions_init(&err);
    if (rc) fail_msg("%s", err.msg);
    assert_int_equal(eddy_functions_count(), eddy_functions_builtin_count);
}

static void test_table_covers_ksqldb_builtins(void **state) {
    (void)state;
    /* ksqlDB 0.29 has about 150 built-in functions. */
    assert_true(eddy_functions_count() >= 140);
    const char *must[] = {"ABS", "SUBSTRING", "REGEXP_EXTRACT", "FORMAT_TIMESTAMP", "EXTRACTJSONFIELD",
                          "ARRAY_CONTAINS", "MAP_KEYS", "COALESCE", "TRANSFORM", "URL_EXTRACT_HOST",
                          "COUNT", "LATEST_BY_OFFSET", "TOPKDISTINCT", "EXPLODE", "CUBE_EXPLODE",
                          "GENERATE_SERIES", "INT_FROM_BYTES", "GEO_DISTANCE", "AS_VALUE"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (!eddy_function_lookup(must[i])) fail_msg("missing %s", must[i]);
}

static void test_lookup_is_case_insensitive(void **state) {
    (void)state;
    const eddy_function *a = eddy_function_lookup("substring");
    const eddy_function *b = eddy_function_lookup("SubString");
    const eddy_function *c = eddy_function_lookup("SUBSTRING");
    assert_non_null(c);
    assert_ptr_equal(a, c);
    assert_ptr_equal(b, c);
    assert_string_equal(c->fn_name, "SUBSTRING");
    assert_non_null(eddy_function_lookup("array_concat"));
    assert_non_null(eddy_function_lookup("dateadd"));
}

static void test_unknown_name_gives_null(void **state) {
    (void)state;
    assert_null(eddy_function_lookup("NO_SUCH_FUNCTION"));
    assert_null(eddy_function_lookup(""));
    assert_null(eddy_function_lookup(NULL));
    assert_null(eddy_function_lookup("SUBSTRINGX"));
    assert_null(eddy_function_lookup("SUBSTRIN"));
    assert_null(eddy_function_describe_json("NO_SUCH_FUNCTION"));
}

static void test_every_function_has_category_description_and_variants(void **state) {
    (void)state;
    for (int i = 0; i < eddy_functions_count(); i++) {
        const eddy_function *fn = eddy_functions_at(i);
        assert_non_null(fn);
        if (!fn->fn_description[0]) fail_msg("%s has no description", fn->fn_name);
        if (strchr(fn->fn_description, '\n')) fail_msg("%s: description is not one line", fn->fn_name);
        if (fn->fn_nvariants < 1) fail_msg("%s has no variant", fn->fn_name);
        bool known = false;
        for (size_t c = 0; c < sizeof k_categories / sizeof k_categories[0]; c++)
            if (strcmp(fn->fn_category, k_categories[c]) == 0) known = true;
        if (!known) fail_msg("%s: '%s' is not a ksqlDB category", fn->fn_name, fn->fn_category);
        if ((fn->fn_kind == EDDY_FN_AGGREGATE) != (strcmp(fn->fn_category, "AGGREGATE") == 0))
            fail_msg("%s: kind and category disagree", fn->fn_name);
        if ((fn->fn_kind == EDDY_FN_TABLE) != (strcmp(fn->fn_category, "TABLE") == 0))
            fail_msg("%s: kind and category disagree", fn->fn_name);
    }
}

static void test_every_variant_parses_into_types_and_names(void **state) {
    (void)state;
    for (int i = 0; i < eddy_functions_count(); i++) {
        const eddy_function *fn = eddy_functions_at(i);
        for (int v = 0; v < fn->fn_nvariants; v++) {
            const eddy_function_variant *var = &fn->fn_variants[v];
            assert_non_null(var->fv_return_type);
            if (!var->fv_return_type[0]) fail_msg("%s/%d: empty return type", fn->fn_name, v);
            assert_non_null(var->fv_description);
            assert_int_equal(var->fv_flags, fn->fn_flags);
            assert_null(var->fv_impl.fi_func);
            for (int a = 0; a < var->fv_nargs; a++) {
                const eddy_function_arg *arg = &var->fv_args[a];
                if (!arg->fa_name[0] || !arg->fa_type[0]) fail_msg("%s/%d: bad arg %d", fn->fn_name, v, a);
                if (arg->fa_variadic && a != var->fv_nargs - 1)
                    fail_msg("%s/%d: variadic argument is not last", fn->fn_name, v);
                if (strstr(arg->fa_type, "...")) fail_msg("%s/%d: '...' left in type", fn->fn_name, v);
            }
        }
    }
}

static void test_substring_variants_parse_with_descriptions(void **state) {
    (void)state;
    const eddy_function *fn = eddy_function_lookup("SUBSTRING");
    assert_non_null(fn);
    assert_int_equal(fn->fn_kind, EDDY_FN_SCALAR);
    assert_string_equal(fn->fn_category, "STRING");
    assert_int_equal(fn->fn_nvariants, 4);
    const eddy_function_variant *v = &fn->fn_variants[1];
    assert_string_equal(v->fv_return_type, "VARCHAR");
    assert_int_equal(v->fv_nargs, 3);
    assert_string_equal(v->fv_args[0].fa_name, "str");
    assert_string_equal(v->fv_args[0].fa_type, "VARCHAR");
    assert_string_equal(v->fv_args[0].fa_description, "The source string.");
    assert_string_equal(v->fv_args[2].fa_name, "length");
    assert_string_equal(v->fv_args[2].fa_type, "INT");
    assert_false(v->fv_args[2].fa_variadic);
    assert_string_equal(v->fv_description,
                        "Returns the portion of str that starts at pos and is of length len");
    assert_string_equal(fn->fn_variants[3].fv_return_type, "BYTES");
}

static void test_variadic_argument_is_flagged_with_element_type(void **state) {
    (void)state;
    const eddy_function *fn = eddy_function_lookup("CONCAT_WS");
    assert_non_null(fn);
    const eddy_function_variant *v = &fn->fn_variants[0];
    assert_int_equal(v->fv_nargs, 2);
    assert_false(v->fv_args[0].fa_variadic);
    assert_true(v->fv_args[1].fa_variadic);
    assert_string_equal(v->fv_args[1].fa_type, "VARCHAR");
    assert_string_equal(v->fv_args[1].fa_name, "args");
}

static void test_types_with_spaces_and_brackets_parse(void **state) {
    (void)state;
    const eddy_function *fn = eddy_function_lookup("TRANSFORM");
    assert_non_null(fn);
    const eddy_function_variant *v = &fn->fn_variants[1];
    assert_string_equal(v->fv_return_type, "MAP<R, U>");
    assert_int_equal(v->fv_nargs, 3);
    assert_string_equal(v->fv_args[0].fa_type, "MAP<K, V>");
    assert_string_equal(v->fv_args[1].fa_type, "LAMBDA (K, V) -> R");
    assert_string_equal(v->fv_args[1].fa_name, "keyFunction");
    fn = eddy_function_lookup("DATEADD");
    assert_string_equal(fn->fn_variants[0].fv_args[0].fa_type, "INTERVAL UNIT");
    fn = eddy_function_lookup("ENTRIES");
    assert_string_equal(fn->fn_variants[0].fv_return_type, "ARRAY<STRUCT<K VARCHAR, V INT>>");
    fn = eddy_function_lookup("PI");
    assert_int_equal(fn->fn_variants[0].fv_nargs, 0);
}

static void test_variant_accepts_checks_arity(void **state) {
    (void)state;
    const eddy_function *fn = eddy_function_lookup("CONCAT");
    assert_true(eddy_function_variant_accepts(&fn->fn_variants[0], 0));
    assert_true(eddy_function_variant_accepts(&fn->fn_variants[0], 5));
    fn = eddy_function_lookup("COALESCE");
    assert_false(eddy_function_variant_accepts(&fn->fn_variants[0], 0));
    assert_true(eddy_function_variant_accepts(&fn->fn_variants[0], 1));
    fn = eddy_function_lookup("SUBSTRING");
    assert_true(eddy_function_variant_accepts(&fn->fn_variants[0], 2));
    assert_false(eddy_function_variant_accepts(&fn->fn_variants[0], 3));
    assert_false(eddy_function_variant_accepts(NULL, 0));
}

static void test_flags_mark_nondeterministic_and_table_aggregates(void **state) {
    (void)state;
    assert_true(eddy_function_lookup("RANDOM")->fn_flags & EDDY_FN_NONDETERMINISTIC);
    assert_false(eddy_function_lookup("ABS")->fn_flags & EDDY_FN_NONDETERMINISTIC);
    assert_true(eddy_function_lookup("COALESCE")->fn_flags & EDDY_FN_CALLED_ON_NULL);
    assert_true(eddy_function_lookup("SUM")->fn_flags & EDDY_FN_TABLE_AGG);
    assert_false(eddy_function_lookup("MAX")->fn_flags & EDDY_FN_TABLE_AGG);
    assert_true(eddy_function_lookup("REDUCE")->fn_flags & EDDY_FN_LAMBDA);
    assert_int_equal(eddy_function_lookup("COUNT")->fn_kind, EDDY_FN_AGGREGATE);
    assert_int_equal(eddy_function_lookup("EXPLODE")->fn_kind, EDDY_FN_TABLE);
}

static void dummy_func(struct sqlite3_context *ctx, int argc, struct sqlite3_value **argv) {
    (void)ctx;
    (void)argc;
    (void)argv;
}

static void test_attach_sets_the_variant_impl(void **state) {
    (void)state;
    eddy_function_impl impl = {.fi_func = dummy_func, .fi_user = (void *)&impl};
    assert_int_equal(eddy_function_attach("ucase", 0, &impl), 0);
    const eddy_function *fn = eddy_function_lookup("UCASE");
    assert_ptr_equal(fn->fn_variants[0].fv_impl.fi_func, dummy_func);
    assert_int_equal(eddy_function_attach("UCASE", 1, &impl), EDDY_RANGE);
    assert_int_equal(eddy_function_attach("UCASE", -1, &impl), EDDY_RANGE);
    assert_int_equal(eddy_function_attach("NOPE", 0, &impl), EDDY_NOTFOUND);
    eddy_function_impl none = {0};
    assert_int_equal(eddy_function_attach("UCASE", 0, &none), 0);
}

static void test_functions_are_sorted_by_name(void **state) {
    (void)state;
    for (int i = 1; i < eddy_functions_count(); i++)
        if (strcmp(eddy_functions_at(i - 1)->fn_name, eddy_functions_at(i)->fn_name) >= 0)
            fail_msg("%s before %s", eddy_functions_at(i - 1)->fn_name, eddy_functions_at(i)->fn_name);
    assert_null(eddy_functions_at(-1));
    assert_null(eddy_functions_at(eddy_functions_count()));
}

static void test_list_json_has_ksqldb_shape(void **state) {
    (void)state;
    json_t *body = eddy_functions_list_json();
    assert_non_null(body);
    json_t *fns = json_object_get(body, "functions");
    assert_true(json_is_array(fns));
    assert_int_equal(json_array_size(fns), (size_t)eddy_functions_count());
    const char *prev = "";
    size_t i;
    json_t *o;
    json_array_foreach(fns, i, o) {
        assert_int_equal(json_object_size(o), 3);
        const char *name = json_string_value(json_object_get(o, "name"));
        const char *type = json_string_value(json_object_get(o, "type"));
        const char *cat = json_string_value(json_object_get(o, "category"));
        assert_non_null(name);
        assert_non_null(type);
        assert_non_null(cat);
        assert_true(strcmp(prev, name) < 0);
        assert_true(strcmp(type, "SCALAR") == 0 || strcmp(type, "AGGREGATE") == 0 ||
                    strcmp(type, "TABLE") == 0);
        prev = name;
    }
    json_t *abs = json_array_get(fns, 0);
    assert_string_equal(json_string_value(json_object_get(abs, "name")), "ABS");
    assert_string_equal(json_string_value(json_object_get(abs, "category")), "MATHEMATICAL");
    json_decref(body);
}

static void test_describe_json_for_substring(void **state) {
    (void)state;
    json_t *d = eddy_function_describe_json("substring");
    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(d, "name")), "SUBSTRING");
    assert_string_equal(json_string_value(json_object_get(d, "type")), "SCALAR");
    assert_string_equal(json_string_value(json_object_get(d, "author")), "Confluent");
    assert_string_equal(json_string_value(json_object_get(d, "version")), "");
    assert_string_equal(json_string_value(json_object_get(d, "path")), "internal");
    assert_non_null(json_string_value(json_object_get(d, "description")));
    json_t *fns = json_object_get(d, "functions");
    assert_int_equal(json_array_size(fns), 4);
    json_t *f = json_array_get(fns, 1);
    assert_string_equal(json_string_value(json_object_get(f, "returnType")), "VARCHAR");
    assert_non_null(json_string_value(json_object_get(f, "description")));
    json_t *args = json_object_get(f, "arguments");
    assert_int_equal(json_array_size(args), 3);
    json_t *a = json_array_get(args, 1);
    assert_string_equal(json_string_value(json_object_get(a, "name")), "pos");
    assert_string_equal(json_string_value(json_object_get(a, "type")), "INT");
    assert_string_equal(json_string_value(json_object_get(a, "description")),
                        "The base-one position to start from.");
    assert_true(json_is_false(json_object_get(a, "isVariadic")));
    json_t *types = json_object_get(f, "argumentTypes");
    assert_int_equal(json_array_size(types), 3);
    assert_string_equal(json_string_value(json_array_get(types, 0)), "VARCHAR");
    assert_string_equal(json_string_value(json_array_get(types, 2)), "INT");
    json_decref(d);
}

static void test_describe_json_marks_variadic_arguments(void **state) {
    (void)state;
    json_t *d = eddy_function_describe_json("CONCAT");
    json_t *a = json_array_get(json_object_get(json_array_get(json_object_get(d, "functions"), 0),
                                               "arguments"),
                               0);
    assert_true(json_is_true(json_object_get(a, "isVariadic")));
    assert_string_equal(json_string_value(json_object_get(a, "type")), "VARCHAR");
    json_decref(d);
    d = eddy_function_describe_json("count");
    assert_string_equal(json_string_value(json_object_get(d, "type")), "AGGREGATE");
    json_decref(d);
}

static char *markdown(void) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(eddy_functions_write_markdown(f), 0);
    fclose(f);
    return buf;
}

static void test_markdown_lists_every_function(void **state) {
    (void)state;
    char *md = markdown();
    assert_non_null(strstr(md, "# SQL functions"));
    for (int i = 0; i < eddy_functions_count(); i++) {
        char heading[128];
        snprintf(heading, sizeof heading, "\n### %s\n", eddy_functions_at(i)->fn_name);
        if (!strstr(md, heading)) fail_msg("no section for %s", eddy_functions_at(i)->fn_name);
    }
    assert_non_null(strstr(md, "`SUBSTRING(str VARCHAR, pos INT, length INT) -> VARCHAR`"));
    assert_non_null(strstr(md, "`CONCAT(inputs VARCHAR...) -> VARCHAR`"));
    assert_non_null(strstr(md, "## DATE / TIME"));
    assert_non_null(strstr(md, "(#date--time)"));
    free(md);
}

/* docs/functions.md is generated from the table: it must be regenerated
 * (see the top of this file) whenever the table changes. */
static void test_committed_docs_match_the_table(void **state) {
    (void)state;
    const char *src = getenv("EDDY_SOURCE_DIR");
    if (!src) skip();
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/functions.md", src);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    char *want = markdown();
    size_t n = strlen(want);
    char *got = malloc(n + 2);
    size_t r = fread(got, 1, n + 1, f);
    fclose(f);
    bool same = r == n && memcmp(got, want, n) == 0;
    free(got);
    free(want);
    if (!same)
        fail_msg("%s is out of date: regenerate it with `sql_functions.test_functions --markdown %s`", path, path);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--markdown") == 0) {
        FILE *f = fopen(argv[2], "w");
        if (!f) return 1;
        int rc = eddy_functions_write_markdown(f);
        return (fclose(f) || rc) ? 1 : 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_loads_without_error),
        cmocka_unit_test(test_table_covers_ksqldb_builtins),
        cmocka_unit_test(test_lookup_is_case_insensitive),
        cmocka_unit_test(test_unknown_name_gives_null),
        cmocka_unit_test(test_every_function_has_category_description_and_variants),
        cmocka_unit_test(test_every_variant_parses_into_types_and_names),
        cmocka_unit_test(test_substring_variants_parse_with_descriptions),
        cmocka_unit_test(test_variadic_argument_is_flagged_with_element_type),
        cmocka_unit_test(test_types_with_spaces_and_brackets_parse),
        cmocka_unit_test(test_variant_accepts_checks_arity),
        cmocka_unit_test(test_flags_mark_nondeterministic_and_table_aggregates),
        cmocka_unit_test(test_attach_sets_the_variant_impl),
        cmocka_unit_test(test_functions_are_sorted_by_name),
        cmocka_unit_test(test_list_json_has_ksqldb_shape),
        cmocka_unit_test(test_describe_json_for_substring),
        cmocka_unit_test(test_describe_json_marks_variadic_arguments),
        cmocka_unit_test(test_markdown_lists_every_function),
        cmocka_unit_test(test_committed_docs_match_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
