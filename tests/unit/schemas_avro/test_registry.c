/* test_registry.c - the embedded schema registry: subjects, versions, ids, and its `_schemas` topic. */
#include "avro_test.h"

#include <ftw.h>
#include <unistd.h>

static const char *const A = "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}";
static const char *const A_REORDERED = "{\"fields\":[{\"type\":\"int\",\"name\":\"x\"}],\"name\":\"A\",\"type\":\"record\"}";
static const char *const B = "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"y\",\"type\":\"string\"}]}";

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void test_first_registration_is_id_1_version_1(void **state) {
    (void)state;
    int32_t id = 0, version = 0;
    assert_int_equal(eddy_registry_register(g_reg, "t-value", A, 0, &id, &version, &g_err), 0);
    assert_int_equal(id, 1);
    assert_int_equal(version, 1);
    char *text = NULL;
    assert_int_equal(eddy_registry_latest(g_reg, "t-value", &id, &version, &text, &g_err), 0);
    assert_json_equal(text, A);
    free(text);
}

static void test_same_schema_keeps_its_id_across_subjects(void **state) {
    (void)state;
    assert_int_equal(reg("a-value", A), reg("b-key", A_REORDERED));
}

static void test_registering_again_keeps_the_version(void **state) {
    (void)state;
    int32_t v1 = 0, v2 = 0;
    assert_int_equal(eddy_registry_register(g_reg, "t-value", A, 0, NULL, &v1, &g_err), 0);
    assert_int_equal(eddy_registry_register(g_reg, "t-value", A, 0, NULL, &v2, &g_err), 0);
    assert_int_equal(v1, v2);
}

static void test_another_schema_is_a_new_version_and_id(void **state) {
    (void)state;
    int32_t id1 = 0, id2 = 0, v2 = 0;
    assert_int_equal(eddy_registry_register(g_reg, "t-value", A, 0, &id1, NULL, &g_err), 0);
    assert_int_equal(eddy_registry_register(g_reg, "t-value", B, 0, &id2, &v2, &g_err), 0);
    assert_int_equal(id2, id1 + 1);
    assert_int_equal(v2, 2);
    int32_t *versions = NULL;
    size_t n = 0;
    assert_int_equal(eddy_registry_versions(g_reg, "t-value", &versions, &n, &g_err), 0);
    assert_int_equal(n, 2);
    free(versions);
}

static void test_an_asked_for_id_is_used(void **state) {
    (void)state;
    int32_t id = 0;
    assert_int_equal(eddy_registry_register(g_reg, "t-value", A, 102, &id, NULL, &g_err), 0);
    assert_int_equal(id, 102);
    const eddy_avro_schema *s;
    assert_int_equal(eddy_registry_avro(g_reg, 102, &s, &g_err), 0);
    assert_true(eddy_avro_schema_is_record(s));
    /* The next id follows the largest. */
    assert_int_equal(reg("u-value", B), 103);
}

static void test_an_id_holding_another_schema_is_refused(void **state) {
    (void)state;
    assert_int_equal(eddy_registry_register(g_reg, "t-value", A, 7, NULL, NULL, &g_err), 0);
    assert_int_equal(eddy_registry_register(g_reg, "u-value", B, 7, NULL, NULL, &g_err), EDDY_EXISTS);
}

static void test_invalid_schema_is_refused(void **state) {
    (void)state;
    assert_int_equal(eddy_registry_register(g_reg, "t-value", "{\"type\":\"nope\"}", 0, NULL, NULL, &g_err), EDDY_INVAL);
    assert_false(eddy_registry_subject_exists(g_reg, "t-value"));
}

static void test_unknown_subject_and_id_are_not_found(void **state) {
    (void)state;
    char *text = NULL;
    assert_int_equal(eddy_registry_latest(g_reg, "none-value", NULL, NULL, NULL, &g_err), EDDY_NOTFOUND);
    assert_int_equal(eddy_registry_schema_text(g_reg, 5, &text, &g_err), EDDY_NOTFOUND);
}

static void test_schema_without_subject_gets_an_id(void **state) {
    (void)state;
    int32_t id = 0, again = 0;
    assert_int_equal(eddy_registry_id_of(g_reg, A, false, &id, &g_err), EDDY_NOTFOUND);
    assert_int_equal(eddy_registry_id_of(g_reg, A, true, &id, &g_err), 0);
    assert_int_equal(eddy_registry_id_of(g_reg, A_REORDERED, false, &again, &g_err), 0);
    assert_int_equal(id, again);
    char **names = NULL;
    size_t n = 9;
    assert_int_equal(eddy_registry_subjects(g_reg, &names, &n, &g_err), 0);
    assert_int_equal(n, 0);
    free(names);
}

static void test_deleted_subject_is_gone_but_its_ids_stay(void **state) {
    (void)state;
    int32_t id = reg("t-value", A);
    int count = 0;
    assert_int_equal(eddy_registry_delete_subject(g_reg, "t-value", &count, &g_err), 0);
    assert_int_equal(count, 1);
    assert_false(eddy_registry_subject_exists(g_reg, "t-value"));
    char *text = NULL;
    assert_int_equal(eddy_registry_schema_text(g_reg, id, &text, &g_err), 0);
    free(text);
}

static void test_subjects_are_listed_sorted(void **state) {
    (void)state;
    reg("b-value", A);
    reg("a-key", B);
    char **names = NULL;
    size_t n = 0;
    assert_int_equal(eddy_registry_subjects(g_reg, &names, &n, &g_err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "a-key");
    assert_string_equal(names[1], "b-value");
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

static void test_destroying_the_default_clears_it(void **state) {
    (void)state;
    eddy_registry_set_default(g_reg);
    assert_ptr_equal(eddy_registry_default(), g_reg);
    eddy_registry_destroy(g_reg);
    g_reg = NULL;
    assert_null(eddy_registry_default());
}

static void test_subject_names_follow_ksqldb(void **state) {
    (void)state;
    char *k = eddy_registry_subject("orders", true), *v = eddy_registry_subject("orders", false);
    assert_string_equal(k, "orders-key");
    assert_string_equal(v, "orders-value");
    free(k);
    free(v);
}

/* ---- stored in the log ------------------------------------------------------------------- */

static void test_schemas_survive_a_restart(void **state) {
    (void)state;
    char dir[] = "/tmp/eddy-registry-XXXXXX";
    assert_non_null(mkdtemp(dir));
    eddy_log *log = NULL;
    eddy_registry *r = NULL;
    assert_int_equal(eddy_log_open_embedded(dir, &log, &g_err), 0);
    assert_int_equal(eddy_registry_open(log, &r, &g_err), 0);
    assert_false(eddy_log_topic_exists(log, EDDY_REGISTRY_TOPIC)); /* made on the first registration */
    int32_t id = 0;
    assert_int_equal(eddy_registry_register(r, "t-value", B, 0, &id, NULL, &g_err), 0);
    assert_int_equal(eddy_registry_register(r, "t-value", A, 55, NULL, NULL, &g_err), 0);
    assert_true(eddy_log_topic_exists(log, EDDY_REGISTRY_TOPIC));
    eddy_registry_destroy(r);
    eddy_log_close(log);

    assert_int_equal(eddy_log_open_embedded(dir, &log, &g_err), 0);
    assert_int_equal(eddy_registry_open(log, &r, &g_err), 0);
    int32_t latest = 0, version = 0;
    char *text = NULL;
    assert_int_equal(eddy_registry_latest(r, "t-value", &latest, &version, &text, &g_err), 0);
    assert_int_equal(latest, 55);
    assert_int_equal(version, 2);
    assert_json_equal(text, A);
    free(text);
    assert_int_equal(eddy_registry_schema_text(r, id, &text, &g_err), 0);
    assert_json_equal(text, B);
    free(text);
    /* Ids continue after the largest read back. */
    assert_int_equal(eddy_registry_register(r, "u-value", "\"string\"", 0, &id, NULL, &g_err), 0);
    assert_int_equal(id, 56);
    eddy_registry_destroy(r);
    eddy_log_close(log);
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void test_a_second_registry_sees_what_the_first_wrote(void **state) {
    (void)state;
    eddy_log *log = NULL;
    eddy_registry *a = NULL, *b = NULL;
    assert_int_equal(eddy_log_open_embedded(":memory:", &log, &g_err), 0);
    assert_int_equal(eddy_registry_open(log, &a, &g_err), 0);
    assert_int_equal(eddy_registry_open(log, &b, &g_err), 0);
    int32_t id = 0;
    assert_int_equal(eddy_registry_register(a, "t-value", A, 0, &id, NULL, &g_err), 0);
    const eddy_avro_schema *s;
    assert_int_equal(eddy_registry_avro(b, id, &s, &g_err), 0);
    assert_true(eddy_registry_subject_exists(b, "t-value"));
    /* b's next id does not collide with a's. */
    int32_t id2 = 0;
    assert_int_equal(eddy_registry_register(b, "u-value", B, 0, &id2, NULL, &g_err), 0);
    assert_int_equal(id2, id + 1);
    eddy_registry_destroy(a);
    eddy_registry_destroy(b);
    eddy_log_close(log);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_registration_is_id_1_version_1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_schema_keeps_its_id_across_subjects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registering_again_keeps_the_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_another_schema_is_a_new_version_and_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_asked_for_id_is_used, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_id_holding_another_schema_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_schema_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_subject_and_id_are_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_without_subject_gets_an_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_subject_is_gone_but_its_ids_stay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subjects_are_listed_sorted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroying_the_default_clears_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subject_names_follow_ksqldb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schemas_survive_a_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_second_registry_sees_what_the_first_wrote, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
