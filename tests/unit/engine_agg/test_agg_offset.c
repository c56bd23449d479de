/* test_agg_offset.c - EARLIEST_BY_OFFSET and LATEST_BY_OFFSET with their N and ignoreNulls forms (engine/agg_offset.c). */
#include "agg_harness.h"

/* Prepares name(INT col [, INT n] [, BOOLEAN ignoreNulls]); n 0 / flag -1 leave them out. */
static void prep_by(eddy_agg_call *c, const char *name, int n, int ignore_nulls) {
    char types[32] = "INT";
    if (n) strcat(types, "|INT");
    if (ignore_nulls >= 0) strcat(types, "|BOOLEAN");
    h_call(c, name, types);
    if (n) h_lit_int(c, 1, n);
    if (ignore_nulls >= 0) h_lit_bool(c, n ? 2 : 1, ignore_nulls != 0);
    h_prep_call(c);
}

static void test_earliest_keeps_the_first_non_null_value(void **state) {
    (void)state;
    eddy_agg_call c;
    prep_by(&c, "EARLIEST_BY_OFFSET", 0, -1);
    eddy_value acc;
    h_init(&c, &acc);
    assert_string_equal(h_res(&c, &acc), "NULL");
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_I(1));
    h_add(&c, &acc, V_I(2));
    assert_string_equal(h_res(&c, &acc), "1");
    eddy_agg_call_fini(&c);
}

static void test_earliest_without_ignoring_nulls_keeps_a_first_null(void **state) {
    (void)state;
    eddy_agg_call c;
    prep_by(&c, "EARLIEST_BY_OFFSET", 0, 0);
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_I(1));
    assert_string_equal(h_res(&c, &acc), "NULL");
    eddy_agg_call_fini(&c);
}

static void test_latest_keeps_the_last_non_null_value(void **state) {
    (void)state;
    eddy_agg_call c;
    prep_by(&c, "LATEST_BY_OFFSET", 0, 1);
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_I(1));
    h_add(&c, &acc, V_I(2));
    h_add(&c, &acc, V_NULL);
    assert_string_equal(h_res(&c, &acc), "2");
    eddy_agg_call_fini(&c);
}

static void test_latest_without_ignoring_nulls_takes_a_last_null(void **state) {
    (void)state;
    eddy_agg_call c;
    prep_by(&c, "LATEST_BY_OFFSET", 0, 0);
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_I(1));
    h_add(&c, &acc, V_NULL);
    assert_string_equal(h_res(&c, &acc), "NULL");
    eddy_agg_call_fini(&c);
}

static void test_earliest_n_keeps_the_first_n(void **state) {
    (void)state;
    eddy_agg_call c;
    prep_by(&c, "EARLIEST_BY_OFFSET", 2, -1);
    eddy_value acc;
    h_init(&c, &acc);
    assert_string_equal(h_res(&c, &acc), "[]");
    h_add(&c, &acc, V_I(1));
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_I(2));
    h_add(&c, &acc, V_I(3));
    assert_string_equal(h_res(&c, &acc), "[1, 2]");
    eddy_agg_call_fini(&c);
}

static void test_latest_n_keeps_the_last_n_oldest_first(void **state) {
    (void)state;
    eddy_agg_call c;
    prep_by(&c, "LATEST_BY_OFFSET", 3, 0);
    eddy_value acc;
    h_init(&c, &acc);
    for (int i = 1; i <= 4; i++) h_add(&c, &acc, V_I(i));
    h_add(&c, &acc, V_NULL);
    assert_string_equal(h_res(&c, &acc), "[3, 4, NULL]");
    eddy_agg_call_fini(&c);
}

/* Session windows merging: the value that arrived first / last wins,
 * whichever window holds it. */
static void test_single_value_merge_compares_arrival_order(void **state) {
    (void)state;
    eddy_agg_call e, l;
    prep_by(&e, "EARLIEST_BY_OFFSET", 0, -1);
    prep_by(&l, "LATEST_BY_OFFSET", 0, -1);
    eddy_value e1, e2, l1, l2, empty;
    h_init(&e, &e1);
    h_init(&e, &e2);
    h_init(&l, &l1);
    h_init(&l, &l2);
    h_init(&e, &empty);
    h_add(&e, &e2, V_I(20)); /* arrives first, in the later window */
    h_add(&l, &l2, V_I(20));
    h_add(&e, &e1, V_I(10));
    h_add(&l, &l1, V_I(10));
    h_merge(&e, &e1, &e2);
    h_merge(&l, &l1, &l2);
    assert_string_equal(h_res(&e, &e1), "20");
    assert_string_equal(h_res(&l, &l1), "10");
    h_merge(&e, &empty, &e1);
    assert_string_equal(h_res(&e, &empty), "20");
    eddy_agg_call_fini(&e);
    eddy_agg_call_fini(&l);
}

static void test_latest_merge_ignoring_nulls_prefers_a_value(void **state) {
    (void)state;
    eddy_agg_call c;
    prep_by(&c, "LATEST_BY_OFFSET", 0, 1);
    /* a NULL value is only there when it was restored from ignoreNulls = false state */
    eddy_value x, y;
    h_init(&c, &x);
    h_add(&c, &x, V_I(5));
    eddy_value s = eddy_value_container(H, EDDY_V_STRUCT, 2);
    s.u.items[0] = V_L(99);
    s.u.items[1] = V_NULL;
    y = s;
    h_merge(&c, &x, &y);
    assert_string_equal(h_res(&c, &x), "5");
    eddy_agg_call_fini(&c);
}

static void test_n_merge_keeps_the_earliest_or_latest_n_of_both(void **state) {
    (void)state;
    eddy_agg_call e, l;
    prep_by(&e, "EARLIEST_BY_OFFSET", 2, -1);
    prep_by(&l, "LATEST_BY_OFFSET", 2, -1);
    eddy_value e1, e2, l1, l2;
    h_init(&e, &e1);
    h_init(&e, &e2);
    h_init(&l, &l1);
    h_init(&l, &l2);
    int order[][2] = {{1, 1}, {2, 2}, {1, 3}, {2, 4}}; /* window, value, in arrival order */
    for (int i = 0; i < 4; i++) {
        h_add(&e, order[i][0] == 1 ? &e1 : &e2, V_I(order[i][1]));
        h_add(&l, order[i][0] == 1 ? &l1 : &l2, V_I(order[i][1]));
    }
    h_merge(&e, &e1, &e2);
    h_merge(&l, &l1, &l2);
    assert_string_equal(h_res(&e, &e1), "[1, 2]");
    assert_string_equal(h_res(&l, &l1), "[3, 4]");
    eddy_agg_call_fini(&e);
    eddy_agg_call_fini(&l);
}

static void test_by_offset_cannot_undo_and_keeps_other_types(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "LATEST_BY_OFFSET", "STRUCT<A STRING>");
    assert_false(eddy_agg_call_undoable(&c));
    eddy_value acc, s = eddy_value_container(H, EDDY_V_STRUCT, 1);
    s.u.items[0] = V_S("x");
    h_init(&c, &acc);
    h_add(&c, &acc, s);
    assert_string_equal(h_res(&c, &acc), "{'x'}");
    eddy_agg_call_fini(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_earliest_keeps_the_first_non_null_value),
        H_TEST(test_earliest_without_ignoring_nulls_keeps_a_first_null),
        H_TEST(test_latest_keeps_the_last_non_null_value),
        H_TEST(test_latest_without_ignoring_nulls_takes_a_last_null),
        H_TEST(test_earliest_n_keeps_the_first_n),
        H_TEST(test_latest_n_keeps_the_last_n_oldest_first),
        H_TEST(test_single_value_merge_compares_arrival_order),
        H_TEST(test_latest_merge_ignoring_nulls_prefers_a_value),
        H_TEST(test_n_merge_keeps_the_earliest_or_latest_n_of_both),
        H_TEST(test_by_offset_cannot_undo_and_keeps_other_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
