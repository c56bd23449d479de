/* test_agg_collect.c - COLLECT_LIST, COLLECT_SET, HISTOGRAM, TOPK, TOPKDISTINCT and COUNT_DISTINCT (engine/agg_collect.c). */
#include "agg_harness.h"

static void prep_k(eddy_agg_call *c, const char *name, const char *types, int k) {
    h_call(c, name, types);
    h_lit_int(c, 1, k);
    h_prep_call(c);
}

/* ---- COLLECT_LIST ------------------------------------------------------------ */

static void test_collect_list_keeps_arrival_order_and_nulls(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "COLLECT_LIST", "INT");
    eddy_value acc;
    h_init(&c, &acc);
    assert_string_equal(h_res(&c, &acc), "[]");
    h_add(&c, &acc, V_I(3));
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_I(1));
    h_add(&c, &acc, V_I(3));
    assert_string_equal(h_res(&c, &acc), "[3, NULL, 1, 3]");
    eddy_agg_call_fini(&c);
}

static void test_collect_list_honours_the_limit(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "COLLECT_LIST", "STRING");
    c.collect_limit = 2;
    h_prep_call(&c);
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_S("a"));
    h_add(&c, &acc, V_S("b"));
    h_add(&c, &acc, V_S("c"));
    assert_string_equal(h_res(&c, &acc), "['a', 'b']");
    eddy_agg_call_fini(&c);
}

static void test_collect_list_negative_limit_means_none(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "COLLECT_LIST", "INT");
    c.collect_limit = -1;
    h_prep_call(&c);
    eddy_value acc;
    h_init(&c, &acc);
    for (int i = 0; i < 1500; i++) h_add(&c, &acc, V_I(i));
    eddy_value r = h_result(&c, &acc);
    assert_int_equal(r.v_len, 1500);
    eddy_agg_call_fini(&c);
}

static void test_collect_list_undo_removes_the_last_equal_value(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "COLLECT_LIST", "STRING");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_S("a"));
    h_add(&c, &acc, V_S("b"));
    h_add(&c, &acc, V_S("a"));
    h_add(&c, &acc, V_S("c"));
    h_undo(&c, &acc, V_S("a"));
    assert_string_equal(h_res(&c, &acc), "['a', 'b', 'c']");
    h_undo(&c, &acc, V_S("zz")); /* beyond the limit once: nothing to remove */
    assert_string_equal(h_res(&c, &acc), "['a', 'b', 'c']");
    eddy_agg_call_fini(&c);
}

static void test_collect_list_merge_appends_up_to_the_limit(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "COLLECT_LIST", "INT");
    c.collect_limit = 3;
    h_prep_call(&c);
    eddy_value x, y;
    h_init(&c, &x);
    h_init(&c, &y);
    h_add(&c, &x, V_I(1));
    h_add(&c, &x, V_I(2));
    h_add(&c, &y, V_I(3));
    h_add(&c, &y, V_I(4));
    h_merge(&c, &x, &y);
    assert_string_equal(h_res(&c, &x), "[1, 2, 3]");
    eddy_agg_call_fini(&c);
}

/* ---- COLLECT_SET ------------------------------------------------------------- */

static void test_collect_set_keeps_distinct_values_in_arrival_order(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "COLLECT_SET", "STRING");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_S("b"));
    h_add(&c, &acc, V_S("a"));
    h_add(&c, &acc, V_S("b"));
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_NULL);
    assert_string_equal(h_res(&c, &acc), "['b', 'a', NULL]");
    assert_false(eddy_agg_call_undoable(&c));
    eddy_agg_call_fini(&c);
}

static void test_collect_set_limit_and_merge(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "COLLECT_SET", "INT");
    c.collect_limit = 3;
    h_prep_call(&c);
    eddy_value x, y;
    h_init(&c, &x);
    h_init(&c, &y);
    h_add(&c, &x, V_I(1));
    h_add(&c, &x, V_I(2));
    h_add(&c, &y, V_I(2));
    h_add(&c, &y, V_I(5));
    h_add(&c, &y, V_I(6));
    h_merge(&c, &x, &y);
    assert_string_equal(h_res(&c, &x), "[1, 2, 5]");
    h_add(&c, &x, V_I(9));
    assert_string_equal(h_res(&c, &x), "[1, 2, 5]");
    eddy_agg_call_fini(&c);
}

static void test_collect_set_treats_nan_as_one_value(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "COLLECT_SET", "DOUBLE");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_D(NAN));
    h_add(&c, &acc, V_D(NAN));
    eddy_value r = h_result(&c, &acc);
    assert_int_equal(r.v_len, 1);
    eddy_agg_call_fini(&c);
}

/* ---- HISTOGRAM --------------------------------------------------------------- */

static void test_histogram_counts_each_string(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "HISTOGRAM", "STRING");
    eddy_value acc;
    h_init(&c, &acc);
    assert_string_equal(h_res(&c, &acc), "{}");
    h_add(&c, &acc, V_S("a"));
    h_add(&c, &acc, V_S("b"));
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_S("a"));
    assert_string_equal(h_res(&c, &acc), "{'a'=2, 'b'=1}");
    eddy_agg_call_fini(&c);
}

static void test_histogram_undo_drops_keys_at_zero(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "HISTOGRAM", "STRING");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_S("a"));
    h_add(&c, &acc, V_S("b"));
    h_add(&c, &acc, V_S("a"));
    h_undo(&c, &acc, V_S("a"));
    assert_string_equal(h_res(&c, &acc), "{'a'=1, 'b'=1}");
    h_undo(&c, &acc, V_S("a"));
    h_undo(&c, &acc, V_S("q"));
    h_undo(&c, &acc, V_NULL);
    assert_string_equal(h_res(&c, &acc), "{'b'=1}");
    eddy_agg_call_fini(&c);
}

static void test_histogram_merge_adds_counts(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "HISTOGRAM", "STRING");
    eddy_value x, y;
    h_init(&c, &x);
    h_init(&c, &y);
    h_add(&c, &x, V_S("a"));
    h_add(&c, &y, V_S("a"));
    h_add(&c, &y, V_S("c"));
    h_merge(&c, &x, &y);
    assert_string_equal(h_res(&c, &x), "{'a'=2, 'c'=1}");
    eddy_agg_call_fini(&c);
}

static void test_histogram_keeps_at_most_1000_keys(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "HISTOGRAM", "STRING");
    eddy_value acc;
    h_init(&c, &acc);
    char key[16];
    for (int i = 0; i < 1001; i++) {
        snprintf(key, sizeof key, "k%d", i);
        h_add(&c, &acc, V_S(key));
    }
    h_add(&c, &acc, V_S("k0")); /* a known key still counts */
    eddy_value r = h_result(&c, &acc);
    assert_int_equal(r.v_kind, EDDY_V_MAP);
    assert_int_equal(r.v_len, 1000);
    assert_string_equal(h_fmt(&r.u.items[1]), "2");
    eddy_agg_call_fini(&c);
}

/* ---- TOPK / TOPKDISTINCT ---------------------------------------------------- */

/* ksqlDB's tumbling-windows.json "topk tumbling": values 0, 100, 10 with k 2. */
static void test_topk_keeps_the_k_largest_descending(void **state) {
    (void)state;
    eddy_agg_call c;
    prep_k(&c, "TOPK", "DOUBLE|INT", 2);
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_D(0));
    assert_string_equal(h_res(&c, &acc), "[0]");
    h_add(&c, &acc, V_D(100));
    assert_string_equal(h_res(&c, &acc), "[100, 0]");
    h_add(&c, &acc, V_D(10));
    assert_string_equal(h_res(&c, &acc), "[100, 10]");
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_D(10));
    assert_string_equal(h_res(&c, &acc), "[100, 10]");
    h_add(&c, &acc, V_D(100));
    assert_string_equal(h_res(&c, &acc), "[100, 100]");
    eddy_agg_call_fini(&c);
}

static void test_topk_of_strings_and_decimals(void **state) {
    (void)state;
    eddy_agg_call c;
    prep_k(&c, "TOPK", "STRING|INT", 3);
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_S("b"));
    h_add(&c, &acc, V_S("d"));
    h_add(&c, &acc, V_S("a"));
    h_add(&c, &acc, V_S("c"));
    assert_string_equal(h_res(&c, &acc), "['d', 'c', 'b']");
    eddy_agg_call_fini(&c);

    prep_k(&c, "TOPK", "DECIMAL(3, 1)|INT", 2); /* a DECIMAL column becomes DOUBLE */
    h_init(&c, &acc);
    h_add(&c, &acc, V_DEC("1.5"));
    h_add(&c, &acc, V_DEC("2.5"));
    eddy_value r = h_result(&c, &acc);
    assert_int_equal(r.u.items[0].v_kind, EDDY_V_DOUBLE);
    assert_string_equal(h_fmt(&r), "[2.5, 1.5]");
    eddy_agg_call_fini(&c);
}

static void test_topk_merge_takes_the_k_largest_of_both(void **state) {
    (void)state;
    eddy_agg_call c;
    prep_k(&c, "TOPK", "INT|INT", 3);
    eddy_value x, y;
    h_init(&c, &x);
    h_init(&c, &y);
    h_add(&c, &x, V_I(5));
    h_add(&c, &x, V_I(1));
    h_add(&c, &y, V_I(5));
    h_add(&c, &y, V_I(3));
    h_merge(&c, &x, &y);
    assert_string_equal(h_res(&c, &x), "[5, 5, 3]");
    assert_false(eddy_agg_call_undoable(&c));
    eddy_agg_call_fini(&c);
}

/* ksqlDB's "topkdistinct tumbling": 0, 100, 10, 100 with k 2. */
static void test_topkdistinct_skips_values_it_has(void **state) {
    (void)state;
    eddy_agg_call c;
    prep_k(&c, "TOPKDISTINCT", "DOUBLE|INT", 2);
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_D(0));
    h_add(&c, &acc, V_D(100));
    assert_string_equal(h_res(&c, &acc), "[100, 0]");
    h_add(&c, &acc, V_D(10));
    assert_string_equal(h_res(&c, &acc), "[100, 10]");
    h_add(&c, &acc, V_D(100));
    assert_string_equal(h_res(&c, &acc), "[100, 10]");
    eddy_agg_call_fini(&c);
}

static void test_topkdistinct_merge_takes_equal_values_once(void **state) {
    (void)state;
    eddy_agg_call c;
    prep_k(&c, "TOPKDISTINCT", "BIGINT|INT", 3);
    eddy_value x, y;
    h_init(&c, &x);
    h_init(&c, &y);
    h_add(&c, &x, V_L(9));
    h_add(&c, &x, V_L(4));
    h_add(&c, &y, V_L(9));
    h_add(&c, &y, V_L(7));
    h_add(&c, &y, V_L(4));
    h_merge(&c, &x, &y);
    assert_string_equal(h_res(&c, &x), "[9, 7, 4]");
    eddy_agg_call_fini(&c);
}

/* ---- COUNT_DISTINCT ------------------------------------------------------------ */

static void test_count_distinct_counts_distinct_non_null_values(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "COUNT_DISTINCT", "STRING");
    eddy_value acc;
    h_init(&c, &acc);
    assert_string_equal(h_res(&c, &acc), "0");
    h_add(&c, &acc, V_S("b"));
    h_add(&c, &acc, V_S("a"));
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_S("b"));
    assert_string_equal(h_res(&c, &acc), "2");
    assert_string_equal(h_fmt(&acc), "['a', 'b']"); /* the set, sorted */
    eddy_agg_call_fini(&c);
}

static void test_count_distinct_merge_unites_the_sets(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "COUNT_DISTINCT", "INT");
    eddy_value x, y;
    h_init(&c, &x);
    h_init(&c, &y);
    for (int i = 0; i < 10; i++) h_add(&c, &x, V_I(i * 2));
    for (int i = 0; i < 10; i++) h_add(&c, &y, V_I(i * 3));
    h_merge(&c, &x, &y);
    assert_string_equal(h_res(&c, &x), "16"); /* 10 + 10 - {0, 6, 12, 18} */
    eddy_agg_call_fini(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_collect_list_keeps_arrival_order_and_nulls),
        H_TEST(test_collect_list_honours_the_limit),
        H_TEST(test_collect_list_negative_limit_means_none),
        H_TEST(test_collect_list_undo_removes_the_last_equal_value),
        H_TEST(test_collect_list_merge_appends_up_to_the_limit),
        H_TEST(test_collect_set_keeps_distinct_values_in_arrival_order),
        H_TEST(test_collect_set_limit_and_merge),
        H_TEST(test_collect_set_treats_nan_as_one_value),
        H_TEST(test_histogram_counts_each_string),
        H_TEST(test_histogram_undo_drops_keys_at_zero),
        H_TEST(test_histogram_merge_adds_counts),
        H_TEST(test_histogram_keeps_at_most_1000_keys),
        H_TEST(test_topk_keeps_the_k_largest_descending),
        H_TEST(test_topk_of_strings_and_decimals),
        H_TEST(test_topk_merge_takes_the_k_largest_of_both),
        H_TEST(test_topkdistinct_skips_values_it_has),
        H_TEST(test_topkdistinct_merge_takes_equal_values_once),
        H_TEST(test_count_distinct_counts_distinct_non_null_values),
        H_TEST(test_count_distinct_merge_unites_the_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
