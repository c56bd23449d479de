/* test_pull_run.c - running pull queries: reads, WHERE, projection, window bounds, ROWTIME, LIMIT in scan order. */
#include "pull_harness.h"

#include "connectors/log.h"

static void test_lookup_reads_only_the_keys(void **state) {
    (void)state;
    h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_row(1, 0, 0, "'10', 1");
    h_row(2, 0, 0, "'11', 2");
    h_row(3, 0, 0, "'8', 3");
    h_plan("SELECT * FROM AGG WHERE ID IN ('10', '8', 'missing');", true);
    assert_string_equal(h_run(1), "'10',1; '8',3");
    assert_string_equal(eddy_strbuf_cstr(&h_reads), "'10'; '8'; 'missing'");
}

static void test_whole_read_is_filtered_by_the_where_clause(void **state) {
    (void)state;
    h_table("ID INT KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_row(1, 0, 0, "10, 1");
    h_row(2, 0, 0, "11, 2");
    h_row(3, 0, 0, "12, 3");
    h_plan("SELECT ID, COUNT FROM AGG WHERE ID < COUNT + 10 OR ID = 10;", true);
    assert_string_equal(h_run(1), "10,1; 11,2; 12,3");
    h_plan("SELECT ID FROM AGG WHERE 2 * COUNT > 5;", true);
    assert_string_equal(h_run(1), "12");
    assert_string_equal(eddy_strbuf_cstr(&h_reads), "*");
}

static void test_missing_key_answers_no_rows(void **state) {
    (void)state;
    h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_row(1, 0, 0, "'10', 1");
    h_plan("SELECT * FROM AGG WHERE ID = 'missing';", true);
    assert_string_equal(h_run(1), "");
}

static void test_window_bounds_and_rowtime_are_columns(void **state) {
    (void)state;
    h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_TUMBLING);
    h_row(11345, 11000, 12000, "'10', 1");
    h_row(12345, 12000, 13000, "'10', 2");
    h_row(13345, 13000, 14000, "'10', 3");
    h_plan("SELECT ID, WINDOWSTART, WINDOWEND, ROWTIME, COUNT FROM AGG WHERE ID = '10' AND WindowStart >= 12000 "
           "AND WindowEnd < 14000;", true);
    assert_string_equal(h_run(1), "'10',12000,13000,12345,2");
    h_plan("SELECT * FROM AGG WHERE SQRT(WINDOWSTART) > 110.0;", true);
    assert_string_equal(h_run(1), "'10',13000,14000,3");
}

static void test_limit_takes_rows_in_key_byte_order(void **state) {
    (void)state;
    h_table("PROFILEID STRING KEY, LAT DOUBLE", EDDY_WT_NONE);
    h_row(1, 0, 0, "'which', 1.0");
    h_row(2, 0, 0, "'there', 2.0");
    h_row(3, 0, 0, "'their', 3.0");
    h_row(4, 0, 0, "'about', 4.0");
    h_row(5, 0, 0, "'would', 5.0");
    h_plan("SELECT PROFILEID FROM AGG LIMIT 3;", true);
    assert_string_equal(h_run(1), "'about'; 'their'; 'there'");
}

static void test_limit_orders_double_keys_by_value(void **state) {
    (void)state;
    h_table("D DOUBLE KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_row(1, 0, 0, "110.0E0, 1");
    h_row(2, 0, 0, "0.0E0, 2");
    h_row(3, 0, 0, "50.0E0, 3");
    h_row(4, 0, 0, "10.0E0, 4");
    h_plan("SELECT COUNT FROM AGG LIMIT 2;", true);
    assert_string_equal(h_run(1), "2; 4");
}

static void test_limit_takes_partition_zero_first(void **state) {
    (void)state;
    h_table("ID BIGINT KEY, COUNT BIGINT", EDDY_WT_NONE);
    char expect[256] = "", row[64];
    int in_zero = 0;
    for (int id = 1; id <= 8; id++) {
        snprintf(row, sizeof row, "%d, %d", id, id);
        h_row(id, 0, 0, row);
    }
    /* KAFKA BIGINT keys are 8 big-endian bytes: ascending for positive ids */
    for (int id = 1; id <= 8; id++) {
        unsigned char b[8];
        for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)id >> (56 - 8 * i));
        if (eddy_log_partition_for_key(b, 8, 2) != 0) continue;
        snprintf(row, sizeof row, "%s%d", in_zero ? "; " : "", id);
        strcat(expect, row);
        in_zero++;
    }
    assert_true(in_zero > 0 && in_zero < 8);
    snprintf(row, sizeof row, "SELECT ID FROM AGG LIMIT %d;", in_zero);
    h_plan(row, true);
    assert_string_equal(h_run(2), expect);
}

static void test_limit_zero_answers_no_rows_and_reports_the_limit(void **state) {
    (void)state;
    h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_row(1, 0, 0, "'10', 1");
    h_plan("SELECT * FROM AGG LIMIT 0;", true);
    eddy_pull_source src = {.read = h_read, .partitions = 1};
    bool reached = false;
    assert_int_equal(eddy_batch_init(&h_out, 2), 0);
    assert_int_equal(eddy_pull_run(h_pull, &src, &h_out, &reached, &h_err), 0);
    assert_int_equal(h_out.count, 0);
    assert_true(reached);
}

static int failing_read(void *ud, const char *name, const eddy_value *key, int64_t wlo, int64_t whi, eddy_batch *out,
                        eddy_err *err) {
    (void)ud, (void)key, (void)wlo, (void)whi, (void)out;
    return eddy_err_set(err, EDDY_NOTFOUND, "The `%s` table isn't queryable.", name);
}

static void test_read_errors_end_the_run(void **state) {
    (void)state;
    h_table("ID STRING KEY, COUNT BIGINT", EDDY_WT_NONE);
    h_plan("SELECT * FROM AGG;", true);
    eddy_pull_source src = {.read = failing_read, .partitions = 1};
    assert_int_equal(eddy_batch_init(&h_out, 2), 0);
    assert_int_equal(eddy_pull_run(h_pull, &src, &h_out, NULL, &h_err), EDDY_NOTFOUND);
    assert_string_equal(h_err.msg, "The `AGG` table isn't queryable.");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_lookup_reads_only_the_keys),
        H_TEST(test_whole_read_is_filtered_by_the_where_clause),
        H_TEST(test_missing_key_answers_no_rows),
        H_TEST(test_window_bounds_and_rowtime_are_columns),
        H_TEST(test_limit_takes_rows_in_key_byte_order),
        H_TEST(test_limit_orders_double_keys_by_value),
        H_TEST(test_limit_takes_partition_zero_first),
        H_TEST(test_limit_zero_answers_no_rows_and_reports_the_limit),
        H_TEST(test_read_errors_end_the_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
