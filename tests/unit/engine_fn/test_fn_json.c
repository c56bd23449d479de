/* test_fn_json.c - the JSON functions (engine/fn_json.c) through SQLite. */
#include "fn_harness.h"

static const char *k_txn =
    "{\"num_shares\": 50000, \"amount\": 50044568, \"txn_ts\": \"2020-11-18 02:31:43\","
    " \"customer\": {\"first_name\": \"Jill\", \"last_name\": \"Smith\", \"id\": 1234567},"
    " \"tags\": [\"a\", {\"b\": [1, 2.50]}], \"none\": null}";

static void extract(const char *path, const char *want) {
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT ej('%s', '%s')", k_txn, path);
    EXPECT(sql, want);
}

static void test_extractjsonfield_follows_paths(void **state) {
    (void)state;
    h_fn("ej", "EXTRACTJSONFIELD", 0, "STRING", "STRING,STRING");
    extract("$.num_shares", "50000");
    extract("$.customer.first_name", "Jill");
    extract("$[''customer''][\"last_name\"]", "Smith");
    extract("$.tags[0]", "a");
    extract("$.tags[1].b[1]", "2.50");
    extract("$.tags[1]", "{\"b\":[1,2.50]}");
    extract("$.customer", "{\"first_name\":\"Jill\",\"last_name\":\"Smith\",\"id\":1234567}");
    extract("$.none", "null");
}

static void test_extractjsonfield_missing_paths_give_null(void **state) {
    (void)state;
    h_fn("ej", "EXTRACTJSONFIELD", 0, "STRING", "STRING,STRING");
    extract("$.nothing", "NULL");
    extract("$.tags[5]", "NULL");
    extract("$.tags.x", "NULL");
    extract("$.num_shares.x", "NULL");
    EXPECT("SELECT ej('[1,2]', '$[1]')", "2");
    EXPECT("SELECT ej(NULL, '$.a')", "NULL");
}

static void test_extractjsonfield_invalid_json_is_an_error(void **state) {
    (void)state;
    h_fn("ej", "EXTRACTJSONFIELD", 0, "STRING", "STRING,STRING");
    EXPECT_ERROR("SELECT ej('{\"a\": ', '$.a')", "Invalid JSON format");
    EXPECT_ERROR("SELECT ej('{\"a\": 1}', 'a')", "Invalid JSON path");
    EXPECT("SELECT ej('{\"a\": 1} trailing', '$.a')", "1");
}

static void test_extractjsonfield_unescapes_strings(void **state) {
    (void)state;
    h_fn("ej", "EXTRACTJSONFIELD", 0, "STRING", "STRING,STRING");
    EXPECT("SELECT ej('{\"a\": \"x\\\"y\\u00e9\\n\"}', '$.a')", "x\"y\xc3\xa9\n");
    EXPECT("SELECT ej('{\"a\": {\"s\": \"q\\\"\"}}', '$.a')", "{\"s\":\"q\\\"\"}");
}

static void test_is_json_string(void **state) {
    (void)state;
    h_fn("ij", "IS_JSON_STRING", 0, "BOOLEAN", "STRING");
    EXPECT("SELECT ij('{\"a\": [1, true, null]}')", "1");
    EXPECT("SELECT ij('\"abc\"')", "1");
    EXPECT("SELECT ij('abc')", "0");
    EXPECT("SELECT ij('')", "0");
    EXPECT("SELECT ij('01')", "0");
    EXPECT("SELECT ij('[1,]')", "0");
    EXPECT("SELECT ij(NULL)", "0");
}

static void test_json_array_length(void **state) {
    (void)state;
    h_fn("jl", "JSON_ARRAY_LENGTH", 0, "INT", "STRING");
    EXPECT("SELECT jl('[1, [2, 3], {}]')", "3");
    EXPECT("SELECT jl('[]')", "0");
    EXPECT("SELECT jl('{\"a\": 1}')", "NULL");
    EXPECT_ERROR("SELECT jl('[1, 2')", "Invalid JSON format");
}

static void test_json_keys_and_records(void **state) {
    (void)state;
    h_fn("jk", "JSON_KEYS", 0, "ARRAY<STRING>", "STRING");
    h_fn("jr", "JSON_RECORDS", 0, "MAP<STRING, STRING>", "STRING");
    EXPECT("SELECT jk('{\"a\": 1, \"b\": {\"c\": 2}}')", "['a', 'b']");
    EXPECT("SELECT jk('[1]')", "NULL");
    EXPECT("SELECT jr('{\"a\": \"x\", \"b\": {\"c\": 2}, \"d\": [1]}')", "{'a'='x', 'b'='{\"c\":2}', 'd'='[1]'}");
    EXPECT("SELECT jr('{\"a\": 1, \"a\": 2}')", "{'a'='2'}");
    EXPECT("SELECT jr('3')", "NULL");
}

static void test_json_items(void **state) {
    (void)state;
    h_fn("ji", "JSON_ITEMS", 0, "ARRAY<STRING>", "STRING");
    EXPECT("SELECT ji('[{\"a\": 1}, \"s\", 2]')", "['{\"a\":1}', '\"s\"', '2']");
}

static void test_json_concat_merges_objects_or_arrays(void **state) {
    (void)state;
    h_fn("jc2", "JSON_CONCAT", 0, "STRING", "STRING,STRING");
    h_fn("jc3", "JSON_CONCAT", 0, "STRING", "STRING,STRING,STRING");
    EXPECT("SELECT jc2('{\"a\": 1}', '{\"b\": 2, \"a\": 3}')", "{\"a\":3,\"b\":2}");
    EXPECT("SELECT jc2('[1, 2]', '[3]')", "[1,2,3]");
    EXPECT("SELECT jc3('[1]', '{\"a\": 1}', '2')", "[1,{\"a\":1},2]");
    EXPECT("SELECT jc2('1.5e2', '[]')", "[150]");
    EXPECT("SELECT jc2('[1]', NULL)", "NULL");
    EXPECT("SELECT jc2('[1]', '')", "NULL");
}

static void test_json_array_contains(void **state) {
    (void)state;
    h_fn("jac_i", "JSON_ARRAY_CONTAINS", 1, "BOOLEAN", "STRING,INT");
    h_fn("jac_d", "JSON_ARRAY_CONTAINS", 3, "BOOLEAN", "STRING,DOUBLE");
    h_fn("jac_s", "JSON_ARRAY_CONTAINS", 4, "BOOLEAN", "STRING,STRING");
    h_fn("jac_b", "JSON_ARRAY_CONTAINS", 0, "BOOLEAN", "STRING,BOOLEAN");
    EXPECT("SELECT jac_i('[1, 2, 3]', 3)", "1");
    EXPECT("SELECT jac_i('[1, 2.0, 3]', 4)", "0");
    EXPECT("SELECT jac_i('[1.0]', 1)", "0");
    EXPECT("SELECT jac_d('[1, 2.0]', 2.0)", "1");
    EXPECT("SELECT jac_s('[\"abc\", [\"x\"]]', 'x')", "0");
    EXPECT("SELECT jac_s('[\"abc\", \"x\"]', 'x')", "1");
    EXPECT("SELECT jac_b('[false]', 0)", "1");
    EXPECT("SELECT jac_i('[null]', NULL)", "1");
    EXPECT("SELECT jac_i('[1, oops', 1)", "1");
    EXPECT("SELECT jac_i('{\"a\": 1}', 1)", "0");
    EXPECT("SELECT jac_i(NULL, 1)", "0");
}

static void test_to_json_string_of_scalars(void **state) {
    (void)state;
    h_fn("tj_i", "TO_JSON_STRING", 0, "STRING", "INT");
    h_fn("tj_d", "TO_JSON_STRING", 0, "STRING", "DOUBLE");
    h_fn("tj_s", "TO_JSON_STRING", 0, "STRING", "STRING");
    h_fn("tj_b", "TO_JSON_STRING", 0, "STRING", "BOOLEAN");
    h_fn("tj_ts", "TO_JSON_STRING", 0, "STRING", "TIMESTAMP");
    h_fn("tj_dt", "TO_JSON_STRING", 0, "STRING", "DATE");
    h_fn("tj_tm", "TO_JSON_STRING", 0, "STRING", "TIME");
    h_fn("tj_by", "TO_JSON_STRING", 0, "STRING", "BYTES");
    h_fn("tj_dec", "TO_JSON_STRING", 0, "STRING", "DECIMAL(4,2)");
    EXPECT("SELECT tj_i(5)", "5");
    EXPECT("SELECT tj_d(1.0)", "1.0");
    EXPECT("SELECT tj_d(nan())", "\"NaN\"");
    EXPECT("SELECT tj_s('a\"b')", "\"a\\\"b\"");
    EXPECT("SELECT tj_b(1)", "true");
    EXPECT("SELECT tj_ts(1526075913000)", "\"2018-05-11T21:58:33.000\"");
    EXPECT("SELECT tj_dt(19025)", "\"2022-02-02\"");
    EXPECT("SELECT tj_tm(36672345)", "\"10:11:12\"");
    EXPECT("SELECT tj_tm(36660000)", "\"10:11\"");
    EXPECT("SELECT tj_by(x'4869')", "\"SGk=\"");
    EXPECT("SELECT tj_dec(dec('12.50'))", "12.50");
    EXPECT("SELECT tj_i(NULL)", "null");
}

static void test_to_json_string_of_containers_sorts_keys(void **state) {
    (void)state;
    h_fn("tj_a", "TO_JSON_STRING", 0, "STRING", "ARRAY<INT>");
    h_fn("tj_m", "TO_JSON_STRING", 0, "STRING", "MAP<STRING, INT>");
    EXPECT("SELECT tj_a(ai(1, NULL, 3))", "[1,null,3]");
    EXPECT("SELECT tj_m(msi('b', 2, 'a', 1))", "{\"a\":1,\"b\":2}");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_extractjsonfield_follows_paths),
        H_TEST(test_extractjsonfield_missing_paths_give_null),
        H_TEST(test_extractjsonfield_invalid_json_is_an_error),
        H_TEST(test_extractjsonfield_unescapes_strings),
        H_TEST(test_is_json_string),
        H_TEST(test_json_array_length),
        H_TEST(test_json_keys_and_records),
        H_TEST(test_json_items),
        H_TEST(test_json_concat_merges_objects_or_arrays),
        H_TEST(test_json_array_contains),
        H_TEST(test_to_json_string_of_scalars),
        H_TEST(test_to_json_string_of_containers_sorts_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
