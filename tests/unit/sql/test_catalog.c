/* test_catalog.c - the metastore: sources sorted and replaced, types, queries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/error.h"
#include "sql/catalog.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

static eddy_source *mk(const char *name, eddy_source_kind kind) {
    eddy_source *s = calloc(1, sizeof *s);
    s->name = strdup(name);
    s->kind = kind;
    s->schema = eddy_schema_new();
    s->topic = strdup(name);
    return s;
}

static void test_sources_are_listed_sorted(void **state) {
    (void)state;
    eddy_catalog *c = eddy_catalog_new();
    assert_int_equal(eddy_catalog_add_source(c, mk("B", EDDY_SOURCE_STREAM), false), 0);
    assert_int_equal(eddy_catalog_add_source(c, mk("A", EDDY_SOURCE_TABLE), false), 0);
    assert_int_equal(eddy_catalog_add_source(c, mk("C", EDDY_SOURCE_STREAM), false), 0);
    int n;
    eddy_source *const *v = eddy_catalog_sources(c, &n);
    assert_int_equal(n, 3);
    assert_string_equal(v[0]->name, "A");
    assert_string_equal(v[1]->name, "B");
    assert_string_equal(v[2]->name, "C");
    eddy_catalog_destroy(c);
}

static void test_duplicate_source_is_refused_unless_replace(void **state) {
    (void)state;
    eddy_catalog *c = eddy_catalog_new();
    assert_int_equal(eddy_catalog_add_source(c, mk("S", EDDY_SOURCE_STREAM), false), 0);
    assert_int_equal(eddy_catalog_add_source(c, mk("S", EDDY_SOURCE_STREAM), false), EDDY_EXISTS);
    eddy_source *r = mk("S", EDDY_SOURCE_STREAM);
    free(r->topic);
    r->topic = strdup("other");
    assert_int_equal(eddy_catalog_add_source(c, r, true), 0);
    assert_string_equal(eddy_catalog_find_source(c, "S")->topic, "other");
    eddy_catalog_destroy(c);
}

static void test_lookup_is_case_sensitive_with_nocase_hint(void **state) {
    (void)state;
    eddy_catalog *c = eddy_catalog_new();
    eddy_catalog_add_source(c, mk("INPUT", EDDY_SOURCE_STREAM), false);
    assert_null(eddy_catalog_find_source(c, "input"));
    assert_non_null(eddy_catalog_find_source_nocase(c, "input"));
    eddy_catalog_destroy(c);
}

static void test_drop_source(void **state) {
    (void)state;
    eddy_catalog *c = eddy_catalog_new();
    eddy_catalog_add_source(c, mk("S", EDDY_SOURCE_STREAM), false);
    assert_int_equal(eddy_catalog_drop_source(c, "S"), 0);
    assert_int_equal(eddy_catalog_drop_source(c, "S"), EDDY_NOTFOUND);
    assert_null(eddy_catalog_find_source(c, "S"));
    eddy_catalog_destroy(c);
}

static void test_types_register_and_drop(void **state) {
    (void)state;
    eddy_catalog *c = eddy_catalog_new();
    eddy_type *t = eddy_type_array(eddy_type_primitive(EDDY_TYPE_INT));
    assert_int_equal(eddy_catalog_add_type(c, "IDS", t), 0);
    assert_int_equal(eddy_catalog_add_type(c, "IDS", t), EDDY_EXISTS);
    eddy_type_unref(t);
    assert_true(eddy_type_equal(eddy_catalog_find_type(c, "IDS")->type, t));
    assert_int_equal(eddy_catalog_drop_type(c, "IDS"), 0);
    assert_null(eddy_catalog_find_type(c, "IDS"));
    eddy_catalog_destroy(c);
}

static void test_queries_keep_creation_order(void **state) {
    (void)state;
    eddy_catalog *c = eddy_catalog_new();
    for (int i = 0; i < 3; i++) {
        eddy_query_info *q = calloc(1, sizeof *q);
        char id[32];
        snprintf(id, sizeof id, "CSAS_S_%lld", (long long)eddy_catalog_next_query_seq(c));
        q->id = strdup(id);
        q->sql = strdup("x");
        assert_int_equal(eddy_catalog_add_query(c, q), 0);
    }
    int n;
    eddy_query_info *const *q = eddy_catalog_queries(c, &n);
    assert_int_equal(n, 3);
    assert_string_equal(q[2]->id, "CSAS_S_2");
    assert_non_null(eddy_catalog_find_query(c, "csas_s_1"));
    assert_int_equal(eddy_catalog_drop_query(c, "CSAS_S_1"), 0);
    eddy_catalog_queries(c, &n);
    assert_int_equal(n, 2);
    eddy_catalog_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sources_are_listed_sorted),
        cmocka_unit_test(test_duplicate_source_is_refused_unless_replace),
        cmocka_unit_test(test_lookup_is_case_sensitive_with_nocase_hint),
        cmocka_unit_test(test_drop_source),
        cmocka_unit_test(test_types_register_and_drop),
        cmocka_unit_test(test_queries_keep_creation_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
