/* test_fn_collections.c - the array and map functions (engine/fn_collections.c) through SQLite. */
#include "fn_harness.h"

static void test_array_length_and_contains(void **state) {
    (void)state;
    h_fn("alen", "ARRAY_LENGTH", 0, "INT", "ARRAY<INT>");
    h_fn("acont", "ARRAY_CONTAINS", 0, "BOOLEAN", "ARRAY<INT>,INT");
    h_fn("aconts", "ARRAY_CONTAINS", 0, "BOOLEAN", "ARRAY<STRING>,STRING");
    EXPECT("SELECT alen(ai(1, 2, 3))", "3");
    EXPECT("SELECT alen(ai())", "0");
    EXPECT("SELECT alen(NULL)", "NULL");
    EXPECT("SELECT acont(ai(1, 2, 3), 2)", "1");
    EXPECT("SELECT acont(ai(1, 2, 3), 5)", "0");
    EXPECT("SELECT acont(ai(1, NULL), NULL)", "1");
    EXPECT("SELECT acont(NULL, 1)", "0");
    EXPECT("SELECT aconts(astr('a', 'b'), 'b')", "1");
}

static void test_array_distinct_except_intersect_union(void **state) {
    (void)state;
    h_fn("adist", "ARRAY_DISTINCT", 0, "ARRAY<INT>", "ARRAY<INT>");
    h_fn("aexc", "ARRAY_EXCEPT", 0, "ARRAY<INT>", "ARRAY<INT>,ARRAY<INT>");
    h_fn("aint", "ARRAY_INTERSECT", 0, "ARRAY<INT>", "ARRAY<INT>,ARRAY<INT>");
    h_fn("auni", "ARRAY_UNION", 0, "ARRAY<INT>", "ARRAY<INT>,ARRAY<INT>");
    EXPECT("SELECT adist(ai(3, 1, 3, NULL, 1, NULL))", "[3, 1, NULL]");
    EXPECT("SELECT aexc(ai(1, 2, 2, 3, 4), ai(2, 4))", "[1, 3]");
    EXPECT("SELECT aint(ai(4, 1, 2, 2, 3), ai(2, 4, 9))", "[4, 2]");
    EXPECT("SELECT auni(ai(1, 2, 2), ai(3, 1, 4))", "[1, 2, 3, 4]");
    EXPECT("SELECT auni(ai(1), NULL)", "NULL");
}

static void test_array_concat_treats_one_null_as_empty(void **state) {
    (void)state;
    h_fn("acat", "ARRAY_CONCAT", 0, "ARRAY<INT>", "ARRAY<INT>,ARRAY<INT>");
    EXPECT("SELECT acat(ai(1, 2), ai(2, 3))", "[1, 2, 2, 3]");
    EXPECT("SELECT acat(NULL, ai(3))", "[3]");
    EXPECT("SELECT acat(NULL, NULL)", "NULL");
}

static void test_array_join(void **state) {
    (void)state;
    h_fn("aj1", "ARRAY_JOIN", 0, "STRING", "ARRAY<INT>");
    h_fn("aj2", "ARRAY_JOIN", 1, "STRING", "ARRAY<STRING>,STRING");
    h_fn("ajd", "ARRAY_JOIN", 1, "STRING", "ARRAY<DOUBLE>,STRING");
    EXPECT("SELECT aj1(ai(1, NULL, 3))", "1,null,3");
    EXPECT("SELECT aj2(astr('a', 'b'), '-')", "a-b");
    EXPECT("SELECT aj2(astr('a', 'b'), NULL)", "ab");
    EXPECT("SELECT ajd(ad(1.0, 1e10), ' ')", "1.0 1.0E10");
    EXPECT("SELECT aj1(NULL)", "NULL");
}

static void test_array_max_min(void **state) {
    (void)state;
    h_fn("amax", "ARRAY_MAX", 0, "INT", "ARRAY<INT>");
    h_fn("amin", "ARRAY_MIN", 0, "STRING", "ARRAY<STRING>");
    h_fn("amaxb", "ARRAY_MAX", 0, "BOOLEAN", "ARRAY<BOOLEAN>");
    EXPECT("SELECT amax(ai(1, NULL, 7, 3))", "7");
    EXPECT("SELECT amax(ai(NULL))", "NULL");
    EXPECT("SELECT amin(astr('b', 'a', 'c'))", "a");
    EXPECT("SELECT amaxb(ab(0, 1, 0))", "1");
}

static void test_array_remove(void **state) {
    (void)state;
    h_fn("arem", "ARRAY_REMOVE", 0, "ARRAY<INT>", "ARRAY<INT>,INT");
    EXPECT("SELECT arem(ai(1, 2, 1, 3), 1)", "[2, 3]");
    EXPECT("SELECT arem(ai(1, NULL, 3), NULL)", "[1, 3]");
    EXPECT("SELECT arem(NULL, 1)", "NULL");
}

static void test_array_sort_puts_nulls_last(void **state) {
    (void)state;
    h_fn("as1", "ARRAY_SORT", 0, "ARRAY<INT>", "ARRAY<INT>");
    h_fn("as2", "ARRAY_SORT", 1, "ARRAY<STRING>", "ARRAY<STRING>,STRING");
    h_fn("asd", "ARRAY_SORT", 0, "ARRAY<DOUBLE>", "ARRAY<DOUBLE>");
    EXPECT("SELECT as1(ai(3, NULL, 1, 2))", "[1, 2, 3, NULL]");
    EXPECT("SELECT as2(astr('b', NULL, 'c', 'a'), 'desc')", "['c', 'b', 'a', NULL]");
    EXPECT("SELECT as2(astr('b', 'a'), 'sideways')", "NULL");
    EXPECT("SELECT asd(ad(2.5, -1.0, 0.0))", "[-1, 0, 2.5]");
}

static void test_generate_series(void **state) {
    (void)state;
    h_fn("gs2", "GENERATE_SERIES", 0, "ARRAY<INT>", "INT,INT");
    h_fn("gs3", "GENERATE_SERIES", 1, "ARRAY<INT>", "INT,INT,INT");
    h_fn("gsl", "GENERATE_SERIES", 3, "ARRAY<BIGINT>", "BIGINT,BIGINT,INT");
    EXPECT("SELECT gs2(1, 4)", "[1, 2, 3, 4]");
    EXPECT("SELECT gs2(3, 1)", "[3, 2, 1]");
    EXPECT("SELECT gs3(0, 9, 4)", "[0, 4, 8]");
    EXPECT("SELECT gsl(10, 0, -5)", "[10, 5, 0]");
    EXPECT_ERROR("SELECT gs3(0, 9, 0)", "step cannot be zero");
    EXPECT_ERROR("SELECT gs3(0, 9, -1)", "wrong sign");
}

static void test_slice(void **state) {
    (void)state;
    h_fn("sl", "SLICE", 0, "ARRAY<INT>", "ARRAY<INT>,INT,INT");
    EXPECT("SELECT sl(ai(1, 2, 3, 4), 2, 3)", "[2, 3]");
    EXPECT("SELECT sl(ai(1, 2, 3, 4), NULL, 2)", "[1, 2]");
    EXPECT("SELECT sl(ai(1, 2, 3, 4), 3, NULL)", "[3, 4]");
    EXPECT("SELECT sl(ai(1, 2), 1, 5)", "NULL");
}

static void test_as_map_and_map_keys_values(void **state) {
    (void)state;
    h_fn("amap", "AS_MAP", 0, "MAP<STRING, INT>", "ARRAY<STRING>,ARRAY<INT>");
    h_fn("mk", "MAP_KEYS", 0, "ARRAY<STRING>", "MAP<STRING, INT>");
    h_fn("mv", "MAP_VALUES", 0, "ARRAY<INT>", "MAP<STRING, INT>");
    EXPECT("SELECT amap(astr('a', 'b', 'a'), ai(1, 2, 3))", "{'a'=3, 'b'=2}");
    EXPECT("SELECT amap(astr('a', 'b'), ai(1))", "{'a'=1, 'b'=NULL}");
    EXPECT("SELECT mk(msi('x', 1, 'y', 2))", "['x', 'y']");
    EXPECT("SELECT mv(msi('x', 1, 'y', 2))", "[1, 2]");
}

static void test_map_union(void **state) {
    (void)state;
    h_fn("mu", "MAP_UNION", 0, "MAP<STRING, INT>", "MAP<STRING, INT>,MAP<STRING, INT>");
    EXPECT("SELECT mu(msi('a', 1, 'b', 2), msi('b', 3, 'c', 4))", "{'a'=1, 'b'=3, 'c'=4}");
    EXPECT("SELECT mu(NULL, msi('b', 3))", "{'b'=3}");
    EXPECT("SELECT mu(NULL, NULL)", "NULL");
}

static void test_entries(void **state) {
    (void)state;
    h_fn("ent", "ENTRIES", 0, "ARRAY<STRUCT<K STRING, V INT>>", "MAP<STRING, INT>,BOOLEAN");
    EXPECT("SELECT ent(msi('b', 2, 'a', 1), 1)", "[{'a', 1}, {'b', 2}]");
    EXPECT("SELECT ent(msi('b', 2, 'a', 1), 0)", "[{'b', 2}, {'a', 1}]");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_array_length_and_contains),
        H_TEST(test_array_distinct_except_intersect_union),
        H_TEST(test_array_concat_treats_one_null_as_empty),
        H_TEST(test_array_join),
        H_TEST(test_array_max_min),
        H_TEST(test_array_remove),
        H_TEST(test_array_sort_puts_nulls_last),
        H_TEST(test_generate_series),
        H_TEST(test_slice),
        H_TEST(test_as_map_and_map_keys_values),
        H_TEST(test_map_union),
        H_TEST(test_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
