/* test_agg_basic.c - COUNT, SUM, AVG, MIN, MAX, ATTR, SUM_LIST, STDDEV_SAMP and CORRELATION (engine/agg_basic.c). */
#include "agg_harness.h"

/* ---- COUNT ---------------------------------------------------------------- */

static void test_count_star_counts_every_row(void **state) {
    (void)state;
    eddy_agg_call c;
    h_call(&c, "COUNT", "");
    c.star = true;
    h_prep_call(&c);
    eddy_value acc;
    h_init(&c, &acc);
    assert_string_equal(h_res(&c, &acc), "0");
    for (int i = 0; i < 3; i++) assert_int_equal(c.def->add(&c, &acc, NULL, &(eddy_agg_row){0}, H), 0);
    assert_string_equal(h_res(&c, &acc), "3");
    assert_int_equal(c.def->undo(&c, &acc, NULL, H), 0);
    assert_string_equal(h_res(&c, &acc), "2");
    eddy_agg_call_fini(&c);
}

static void test_count_column_skips_nulls(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "COUNT", "STRING");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_S("a"));
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_S("b"));
    assert_string_equal(h_res(&c, &acc), "2");
    eddy_agg_call_fini(&c);
}

static void test_count_undo_takes_non_null_rows_back(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "COUNT", "INT");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_I(1));
    h_add(&c, &acc, V_I(2));
    h_undo(&c, &acc, V_NULL);
    assert_string_equal(h_res(&c, &acc), "2");
    h_undo(&c, &acc, V_I(1));
    assert_string_equal(h_res(&c, &acc), "1");
    eddy_agg_call_fini(&c);
}

static void test_count_merge_adds_the_counts(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "COUNT", "INT");
    eddy_value x, y;
    h_init(&c, &x);
    h_init(&c, &y);
    h_add(&c, &x, V_I(1));
    h_add(&c, &y, V_I(1));
    h_add(&c, &y, V_I(1));
    h_merge(&c, &x, &y);
    assert_string_equal(h_res(&c, &x), "3");
    eddy_agg_call_fini(&c);
}

/* ---- SUM ------------------------------------------------------------------ */

static void test_sum_of_empty_group_is_zero_of_the_type(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "SUM", "DOUBLE");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_NULL);
    eddy_value r = h_result(&c, &acc);
    assert_int_equal(r.v_kind, EDDY_V_DOUBLE);
    assert_true(r.u.d == 0.0);
    eddy_agg_call_fini(&c);
}

static void test_sum_int_ignores_nulls_and_wraps_like_java(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "SUM", "INT");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_I(INT32_MAX));
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_I(2));
    eddy_value r = h_result(&c, &acc);
    assert_int_equal(r.v_kind, EDDY_V_INT);
    assert_int_equal(r.u.i, INT32_MIN + 1);
    eddy_agg_call_fini(&c);
}

static void test_sum_bigint_undo_and_merge(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "SUM", "BIGINT");
    eddy_value x, y;
    h_init(&c, &x);
    h_init(&c, &y);
    h_add(&c, &x, V_L(10));
    h_add(&c, &x, V_L(5));
    h_undo(&c, &x, V_L(10));
    h_undo(&c, &x, V_NULL);
    assert_string_equal(h_res(&c, &x), "5");
    h_add(&c, &y, V_L(-7));
    h_merge(&c, &x, &y);
    assert_string_equal(h_res(&c, &x), "-2");
    eddy_agg_call_fini(&c);
}

static void test_sum_decimal_keeps_the_scale(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "SUM", "DECIMAL(4, 2)");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_DEC("10.10"));
    h_add(&c, &acc, V_DEC("-0.05"));
    h_add(&c, &acc, V_DEC("05.10"));
    assert_string_equal(h_res(&c, &acc), "15.15");
    h_undo(&c, &acc, V_DEC("10.10"));
    assert_string_equal(h_res(&c, &acc), "5.05");
    eddy_agg_call_fini(&c);
}

static void test_sum_decimal_overflow_is_a_range_error(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "SUM", "DECIMAL(4, 2)");
    eddy_value acc, v = V_DEC("60.00");
    h_init(&c, &acc);
    h_add(&c, &acc, v);
    eddy_agg_row row = {0};
    assert_int_equal(c.def->add(&c, &acc, &v, &row, H), EDDY_RANGE); /* 120.00 needs precision 5 */
    assert_string_equal(h_res(&c, &acc), "60.00");
    eddy_agg_call_fini(&c);
}

/* ---- AVG ------------------------------------------------------------------ */

/* ksqlDB's average-udaf.json, "average int", key alice then bob. */
static void test_avg_int_matches_ksqldb(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "AVG", "INT");
    eddy_value alice, bob;
    h_init(&c, &alice);
    h_init(&c, &bob);
    h_add(&c, &alice, V_I(1));
    assert_true(h_dres(&c, &alice) == 1.0);
    h_add(&c, &bob, V_I(2));
    assert_true(h_dres(&c, &bob) == 2.0);
    h_add(&c, &alice, V_I(2));
    assert_true(h_dres(&c, &alice) == 1.5);
    h_add(&c, &alice, V_I(2));
    assert_true(h_dres(&c, &alice) == 1.6666666666666667);
    h_add(&c, &bob, V_I(2));
    h_add(&c, &bob, V_I(0));
    assert_true(h_dres(&c, &bob) == 1.3333333333333333);
    h_add(&c, &alice, V_NULL);
    assert_true(h_dres(&c, &alice) == 1.6666666666666667);
    eddy_agg_call_fini(&c);
}

/* ksqlDB's "average long": the sum wraps around as a Java long. */
static void test_avg_bigint_sums_like_java(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "AVG", "BIGINT");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_L(-1));
    h_add(&c, &acc, V_L(INT64_MAX));
    assert_true(h_dres(&c, &acc) == 4.611686018427388e+18);
    h_add(&c, &acc, V_L(1));
    assert_true(h_dres(&c, &acc) == 3.0744573456182584e+18);
    eddy_agg_call_fini(&c);
}

static void test_avg_double_matches_ksqldb(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "AVG", "DOUBLE");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_D(-1.8));
    h_add(&c, &acc, V_D(9223372036854.775));
    assert_true(h_dres(&c, &acc) == 4611686018426.487);
    h_add(&c, &acc, V_D(100.2));
    assert_true(h_dres(&c, &acc) == 3074457345651.058);
    eddy_agg_call_fini(&c);
}

static void test_avg_of_empty_group_is_zero(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "AVG", "INT");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_NULL);
    assert_true(h_dres(&c, &acc) == 0.0);
    eddy_agg_call_fini(&c);
}

static void test_avg_undo_and_merge(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "AVG", "INT");
    eddy_value x, y;
    h_init(&c, &x);
    h_init(&c, &y);
    h_add(&c, &x, V_I(1));
    h_add(&c, &x, V_I(2));
    h_undo(&c, &x, V_I(2));
    h_undo(&c, &x, V_NULL);
    assert_true(h_dres(&c, &x) == 1.0);
    h_add(&c, &y, V_I(4));
    h_merge(&c, &x, &y);
    assert_true(h_dres(&c, &x) == 2.5);
    assert_string_equal(h_fmt(&x), "{5, 2}"); /* STRUCT<SUM, COUNT> */
    eddy_agg_call_fini(&c);
}

static void test_avg_of_decimal_widens_to_double(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "AVG", "DECIMAL(4, 2)");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_DEC("0.10"));
    h_add(&c, &acc, V_DEC("0.20"));
    assert_true(h_dres(&c, &acc) == (0.1 + 0.2) / 2);
    eddy_agg_call_fini(&c);
}

/* ---- MIN / MAX -------------------------------------------------------------- */

/* ksqlDB's max-group-by.json "max integer group by": NULLs do not count, a
 * group of only NULLs gives NULL. */
static void test_max_ignores_nulls(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "MAX", "INT");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_NULL);
    assert_string_equal(h_res(&c, &acc), "NULL");
    h_add(&c, &acc, V_I(-2147483647));
    h_add(&c, &acc, V_I(5));
    h_add(&c, &acc, V_NULL);
    assert_string_equal(h_res(&c, &acc), "5");
    h_add(&c, &acc, V_I(3));
    assert_string_equal(h_res(&c, &acc), "5");
    eddy_agg_call_fini(&c);
}

static void test_min_of_strings_and_decimals(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "MIN", "STRING");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_S("B"));
    h_add(&c, &acc, V_S("A"));
    h_add(&c, &acc, V_S("AB"));
    assert_string_equal(h_res(&c, &acc), "'A'");
    eddy_agg_call_fini(&c);

    h_prep(&c, "MAX", "DECIMAL(4, 2)");
    h_init(&c, &acc);
    h_add(&c, &acc, V_DEC("-10.12"));
    h_add(&c, &acc, V_DEC("05.10"));
    h_add(&c, &acc, V_DEC("30.80"));
    h_add(&c, &acc, V_DEC("20.99"));
    assert_string_equal(h_res(&c, &acc), "30.80");
    eddy_agg_call_fini(&c);
}

/* Java's ByteBuffer.compareTo compares signed bytes: 0x80 < 0x7f. */
static void test_max_of_bytes_compares_signed_bytes(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "MAX", "BYTES");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_B("\x7f", 1));
    h_add(&c, &acc, V_B("\x80", 1));
    assert_string_equal(h_res(&c, &acc), "x'7f'");
    eddy_agg_call_fini(&c);
}

/* Java's Double.compare: NaN above everything, -0.0 below 0.0. */
static void test_max_and_min_of_doubles_follow_java(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "MAX", "DOUBLE");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_D(1.0));
    h_add(&c, &acc, V_D(NAN));
    h_add(&c, &acc, V_D(2.0));
    assert_true(isnan(h_dres(&c, &acc)));
    eddy_agg_call_fini(&c);

    h_prep(&c, "MIN", "DOUBLE");
    h_init(&c, &acc);
    h_add(&c, &acc, V_D(0.0));
    h_add(&c, &acc, V_D(-0.0));
    assert_true(signbit(h_dres(&c, &acc)));
    eddy_agg_call_fini(&c);
}

/* A string's order is Java's (UTF-16 units): U+FF21 sorts after U+1F600. */
static void test_max_of_strings_uses_utf16_order(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "MAX", "STRING");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_S("\xef\xbc\xa1"));     /* U+FF21 */
    h_add(&c, &acc, V_S("\xf0\x9f\x98\x80")); /* U+1F600 */
    assert_string_equal(h_res(&c, &acc), "'\xef\xbc\xa1'");
    eddy_agg_call_fini(&c);
}

static void test_min_merge_keeps_the_smaller(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "MIN", "DATE");
    eddy_value x, y, z;
    h_init(&c, &x);
    h_init(&c, &y);
    h_init(&c, &z);
    h_add(&c, &x, eddy_value_i64(EDDY_V_DATE, 100));
    h_add(&c, &y, eddy_value_i64(EDDY_V_DATE, 5));
    h_merge(&c, &x, &y);
    assert_string_equal(h_res(&c, &x), "5");
    h_merge(&c, &x, &z); /* an empty window changes nothing */
    assert_string_equal(h_res(&c, &x), "5");
    h_merge(&c, &z, &x);
    assert_string_equal(h_res(&c, &z), "5");
    eddy_agg_call_fini(&c);
}

static void test_min_and_max_cannot_undo(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "MIN", "INT");
    assert_false(eddy_agg_call_undoable(&c));
    eddy_agg_call_fini(&c);
}

static void test_max_copies_the_value_out_of_the_row(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "MAX", "STRING");
    eddy_value acc;
    h_init(&c, &acc);
    char buf[4] = "abc";
    eddy_value v = eddy_value_str(EDDY_V_STRING, buf, 3);
    h_add(&c, &acc, v);
    buf[0] = 'x'; /* the row's memory goes away */
    assert_string_equal(h_res(&c, &acc), "'abc'");
    eddy_agg_call_fini(&c);
}

/* ---- ATTR ----------------------------------------------------------------- */

static void test_attr_returns_the_single_value(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "ATTR", "STRING");
    eddy_value acc;
    h_init(&c, &acc);
    assert_string_equal(h_res(&c, &acc), "NULL");
    h_add(&c, &acc, V_S("a"));
    h_add(&c, &acc, V_S("a"));
    assert_string_equal(h_res(&c, &acc), "'a'");
    h_add(&c, &acc, V_S("b"));
    assert_string_equal(h_res(&c, &acc), "NULL");
    eddy_agg_call_fini(&c);
}

static void test_attr_undo_back_to_one_value(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "ATTR", "INT");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_I(1));
    h_add(&c, &acc, V_I(2));
    h_undo(&c, &acc, V_I(1));
    assert_string_equal(h_res(&c, &acc), "2");
    h_undo(&c, &acc, V_I(7)); /* never seen: nothing to take back */
    h_undo(&c, &acc, V_I(1)); /* counts stay at 0 */
    h_add(&c, &acc, V_I(1));
    assert_string_equal(h_res(&c, &acc), "NULL");
    eddy_agg_call_fini(&c);
}

static void test_attr_counts_null_as_a_value(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "ATTR", "INT");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_I(3));
    assert_string_equal(h_res(&c, &acc), "NULL");
    h_undo(&c, &acc, V_NULL);
    assert_string_equal(h_res(&c, &acc), "3");
    eddy_agg_call_fini(&c);
}

static void test_attr_merge_adds_counts(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "ATTR", "INT");
    eddy_value x, y;
    h_init(&c, &x);
    h_init(&c, &y);
    h_add(&c, &x, V_I(4));
    h_add(&c, &y, V_I(4));
    h_merge(&c, &x, &y);
    assert_string_equal(h_res(&c, &x), "4");
    assert_string_equal(h_fmt(&x), "[{4, 2}]");
    h_add(&c, &y, V_I(5));
    h_merge(&c, &x, &y);
    assert_string_equal(h_res(&c, &x), "NULL");
    eddy_agg_call_fini(&c);
}

/* ---- SUM_LIST --------------------------------------------------------------- */

static void test_sum_list_sums_the_elements_skipping_nulls(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "SUM_LIST", "ARRAY<INT>");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_ARR(3, V_I(1), V_NULL, V_I(2)));
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_ARR(1, V_I(10)));
    eddy_value r = h_result(&c, &acc);
    assert_int_equal(r.v_kind, EDDY_V_INT);
    assert_int_equal(r.u.i, 13);
    eddy_agg_call_fini(&c);
}

static void test_sum_list_undo_and_merge(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "SUM_LIST", "ARRAY<DOUBLE>");
    eddy_value x, y;
    h_init(&c, &x);
    h_init(&c, &y);
    h_add(&c, &x, V_ARR(2, V_D(1.5), V_D(2.5)));
    h_add(&c, &x, V_ARR(1, V_D(1.0)));
    h_undo(&c, &x, V_ARR(2, V_D(1.5), V_D(2.5)));
    h_add(&c, &y, V_ARR(1, V_D(0.5)));
    h_merge(&c, &x, &y);
    assert_true(h_dres(&c, &x) == 1.5);
    eddy_agg_call_fini(&c);
}

/* ---- STDDEV_SAMP ------------------------------------------------------------ */

/* ksqlDB's STDDEV_SAMP gives M2 / (n - 1), the sample variance: 50 for {0, 10}. */
static void test_stddev_samp_gives_ksqldb_value(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "STDDEV_SAMP", "INT");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_I(0));
    assert_true(h_dres(&c, &acc) == 0.0); /* fewer than two values */
    h_add(&c, &acc, V_NULL);
    h_add(&c, &acc, V_I(10));
    assert_true(h_dres(&c, &acc) == 50.0);
    eddy_agg_call_fini(&c);
}

static void test_stddev_samp_undo_matches_never_adding(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "STDDEV_SAMP", "DOUBLE");
    eddy_value acc;
    h_init(&c, &acc);
    h_add(&c, &acc, V_D(2.0));
    h_add(&c, &acc, V_D(4.0));
    h_add(&c, &acc, V_D(9.0));
    h_add(&c, &acc, V_D(4.0));
    h_undo(&c, &acc, V_D(9.0));
    assert_true(fabs(h_dres(&c, &acc) - 4.0 / 3.0) < 1e-12); /* {2, 4, 4} */
    eddy_agg_call_fini(&c);
}

static void test_stddev_samp_merge_matches_adding_all(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "STDDEV_SAMP", "BIGINT");
    eddy_value x, y, all;
    h_init(&c, &x);
    h_init(&c, &y);
    h_init(&c, &all);
    static const int64_t xs[] = {1, 5, 7}, ys[] = {2, 10};
    for (int i = 0; i < 3; i++) h_add(&c, &x, V_L(xs[i])), h_add(&c, &all, V_L(xs[i]));
    for (int i = 0; i < 2; i++) h_add(&c, &y, V_L(ys[i])), h_add(&c, &all, V_L(ys[i]));
    h_merge(&c, &x, &y);
    assert_true(fabs(h_dres(&c, &x) - h_dres(&c, &all)) < 1e-9);
    assert_true(fabs(h_dres(&c, &all) - 13.5) < 1e-9); /* mean 5: (16 + 0 + 4 + 9 + 25) / 4 */
    eddy_agg_call_fini(&c);
}

/* ---- CORRELATION ---------------------------------------------------------------- */

static void test_correlation_of_a_line_is_one(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "CORRELATION", "DOUBLE|DOUBLE");
    assert_int_equal(c.nrow_args, 2);
    eddy_value acc;
    h_init(&c, &acc);
    assert_true(isnan(h_dres(&c, &acc)));
    h_add2(&c, &acc, V_D(1), V_D(2));
    h_add2(&c, &acc, V_D(2), V_D(4));
    h_add2(&c, &acc, V_D(3), V_NULL); /* skipped */
    h_add2(&c, &acc, V_D(3), V_D(6));
    assert_true(fabs(h_dres(&c, &acc) - 1.0) < 1e-12);
    h_add2(&c, &acc, V_D(4), V_D(0));
    assert_true(h_dres(&c, &acc) < 0.5);
    h_undo2(&c, &acc, V_D(4), V_D(0));
    assert_true(fabs(h_dres(&c, &acc) - 1.0) < 1e-12);
    eddy_agg_call_fini(&c);
}

static void test_correlation_merge_and_widening(void **state) {
    (void)state;
    eddy_agg_call c;
    h_prep(&c, "CORRELATION", "INT|BIGINT");
    eddy_value x, y;
    h_init(&c, &x);
    h_init(&c, &y);
    h_add2(&c, &x, V_I(1), V_L(-1));
    h_add2(&c, &y, V_I(2), V_L(-2));
    h_add2(&c, &y, V_I(3), V_L(-3));
    h_merge(&c, &x, &y);
    assert_true(fabs(h_dres(&c, &x) + 1.0) < 1e-12);
    eddy_agg_call_fini(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_count_star_counts_every_row),
        H_TEST(test_count_column_skips_nulls),
        H_TEST(test_count_undo_takes_non_null_rows_back),
        H_TEST(test_count_merge_adds_the_counts),
        H_TEST(test_sum_of_empty_group_is_zero_of_the_type),
        H_TEST(test_sum_int_ignores_nulls_and_wraps_like_java),
        H_TEST(test_sum_bigint_undo_and_merge),
        H_TEST(test_sum_decimal_keeps_the_scale),
        H_TEST(test_sum_decimal_overflow_is_a_range_error),
        H_TEST(test_avg_int_matches_ksqldb),
        H_TEST(test_avg_bigint_sums_like_java),
        H_TEST(test_avg_double_matches_ksqldb),
        H_TEST(test_avg_of_empty_group_is_zero),
        H_TEST(test_avg_undo_and_merge),
        H_TEST(test_avg_of_decimal_widens_to_double),
        H_TEST(test_max_ignores_nulls),
        H_TEST(test_min_of_strings_and_decimals),
        H_TEST(test_max_of_bytes_compares_signed_bytes),
        H_TEST(test_max_and_min_of_doubles_follow_java),
        H_TEST(test_max_of_strings_uses_utf16_order),
        H_TEST(test_min_merge_keeps_the_smaller),
        H_TEST(test_min_and_max_cannot_undo),
        H_TEST(test_max_copies_the_value_out_of_the_row),
        H_TEST(test_attr_returns_the_single_value),
        H_TEST(test_attr_undo_back_to_one_value),
        H_TEST(test_attr_counts_null_as_a_value),
        H_TEST(test_attr_merge_adds_counts),
        H_TEST(test_sum_list_sums_the_elements_skipping_nulls),
        H_TEST(test_sum_list_undo_and_merge),
        H_TEST(test_stddev_samp_gives_ksqldb_value),
        H_TEST(test_stddev_samp_undo_matches_never_adding),
        H_TEST(test_stddev_samp_merge_matches_adding_all),
        H_TEST(test_correlation_of_a_line_is_one),
        H_TEST(test_correlation_merge_and_widening),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
