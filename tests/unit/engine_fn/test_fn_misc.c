/* test_fn_misc.c - NULL handling, conversions, URL and geo functions (engine/fn_misc.c) through SQLite. */
#include "fn_harness.h"

static void test_coalesce_returns_the_first_non_null(void **state) {
    (void)state;
    h_fn("co", "COALESCE", 0, "STRING", "STRING,STRING");
    h_fn("co3", "COALESCE", 0, "INT", "INT,INT,INT");
    h_fn("coa", "COALESCE", 0, "ARRAY<INT>", "ARRAY<INT>,ARRAY<INT>");
    EXPECT("SELECT co(NULL, 'default')", "default");
    EXPECT("SELECT co('fred', 'default')", "fred");
    EXPECT("SELECT co3(NULL, NULL, 3)", "3");
    EXPECT("SELECT co3(NULL, NULL, NULL)", "NULL");
    EXPECT("SELECT coa(NULL, ai(1, 2))", "[1, 2]");
}

static void test_ifnull(void **state) {
    (void)state;
    h_fn("ifn", "IFNULL", 0, "STRING", "STRING,STRING");
    h_fn("ifd", "IFNULL", 0, "DECIMAL(4,2)", "DECIMAL(4,2),DECIMAL(4,2)");
    EXPECT("SELECT ifn(NULL, '1900-01-01')", "1900-01-01");
    EXPECT("SELECT ifn('2022-02-02', '1900-01-01')", "2022-02-02");
    EXPECT("SELECT ifn(NULL, NULL)", "NULL");
    EXPECT("SELECT ifd(NULL, dec('1.50'))", "1.50");
}

static void test_nullif(void **state) {
    (void)state;
    h_fn("ni", "NULLIF", 0, "INT", "INT,INT");
    h_fn("nis", "NULLIF", 0, "STRING", "STRING,STRING");
    EXPECT("SELECT ni(1, 1)", "NULL");
    EXPECT("SELECT ni(1, 2)", "1");
    EXPECT("SELECT ni(1, NULL)", "1");
    EXPECT("SELECT ni(NULL, 1)", "NULL");
    EXPECT("SELECT nis('a', 'a')", "NULL");
}

static void test_as_value_passes_values_through(void **state) {
    (void)state;
    h_fn("av", "AS_VALUE", 0, "STRING", "STRING");
    h_fn("avd", "AS_VALUE", 0, "DOUBLE", "DOUBLE");
    h_fn("avm", "AS_VALUE", 0, "MAP<STRING, INT>", "MAP<STRING, INT>");
    EXPECT("SELECT av('foo')", "foo");
    EXPECT("SELECT av(NULL)", "NULL");
    EXPECT("SELECT avd(nan())", "NaN");
    EXPECT("SELECT avm(msi('k', 1))", "{'k'=1}");
}

static void test_numbers_from_bytes(void **state) {
    (void)state;
    h_fn("ifb", "INT_FROM_BYTES", 0, "INT", "BYTES");
    h_fn("ifb2", "INT_FROM_BYTES", 1, "INT", "BYTES,STRING");
    h_fn("bfb", "BIGINT_FROM_BYTES", 0, "BIGINT", "BYTES");
    h_fn("dfb", "DOUBLE_FROM_BYTES", 0, "DOUBLE", "BYTES");
    EXPECT("SELECT ifb(x'000004d2')", "1234");
    EXPECT("SELECT ifb(x'ffffffff')", "-1");
    EXPECT("SELECT ifb2(x'd2040000', 'LITTLE_ENDIAN')", "1234");
    EXPECT("SELECT bfb(x'00000000000004d2')", "1234");
    EXPECT("SELECT dfb(x'405ec00000000000')", "123.0");
    EXPECT_ERROR("SELECT ifb(x'0102')", "Number of bytes must be equal to 4");
    EXPECT_ERROR("SELECT ifb2(x'00000001', 'MIDDLE')", "Byte order");
}

static void test_url_encode_and_decode_param(void **state) {
    (void)state;
    h_fn("ue", "URL_ENCODE_PARAM", 0, "STRING", "STRING");
    h_fn("ud", "URL_DECODE_PARAM", 0, "STRING", "STRING");
    EXPECT("SELECT ue('a b&c=d/\xc3\xa9*~')", "a+b%26c%3Dd%2F%C3%A9*%7E");
    EXPECT("SELECT ud('a+b%26c%3Dd%2F%C3%A9')", "a b&c=d/\xc3\xa9");
    EXPECT_ERROR("SELECT ud('100%')", "URLDecoder");
}

static void test_url_extract_parts(void **state) {
    (void)state;
    h_fn("host", "URL_EXTRACT_HOST", 0, "STRING", "STRING");
    h_fn("path", "URL_EXTRACT_PATH", 0, "STRING", "STRING");
    h_fn("query", "URL_EXTRACT_QUERY", 0, "STRING", "STRING");
    h_fn("frag", "URL_EXTRACT_FRAGMENT", 0, "STRING", "STRING");
    h_fn("proto", "URL_EXTRACT_PROTOCOL", 0, "STRING", "STRING");
    h_fn("port", "URL_EXTRACT_PORT", 0, "INT", "STRING");
    const char *u = "'http://user@www.test.com:8080/nested/p%20ath?query=val%20ue&b=c#frag%21'";
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT host(%s)", u);
    EXPECT(sql, "www.test.com");
    snprintf(sql, sizeof sql, "SELECT path(%s)", u);
    EXPECT(sql, "/nested/p ath");
    snprintf(sql, sizeof sql, "SELECT query(%s)", u);
    EXPECT(sql, "query=val ue&b=c");
    snprintf(sql, sizeof sql, "SELECT frag(%s)", u);
    EXPECT(sql, "frag!");
    snprintf(sql, sizeof sql, "SELECT proto(%s)", u);
    EXPECT(sql, "http");
    snprintf(sql, sizeof sql, "SELECT port(%s)", u);
    EXPECT(sql, "8080");
    EXPECT("SELECT port('http://test.com/')", "NULL");
    EXPECT("SELECT query('http://test.com/path')", "NULL");
    EXPECT("SELECT host('http://my_host.com/')", "NULL");
    EXPECT("SELECT path('mailto:someone@example.com')", "NULL");
    EXPECT_ERROR("SELECT host('http://bad host.com/')", "invalid syntax");
}

static void test_url_extract_parameter(void **state) {
    (void)state;
    h_fn("param", "URL_EXTRACT_PARAMETER", 0, "STRING", "STRING,STRING");
    EXPECT("SELECT param('http://x.com/?a=1&b=two%20words&c', 'b')", "two words");
    EXPECT("SELECT param('http://x.com/?a=1&b=2&c', 'c')", "");
    EXPECT("SELECT param('http://x.com/?a=1', 'z')", "NULL");
    EXPECT("SELECT param('http://x.com/', 'a')", "NULL");
}

static void test_geo_distance(void **state) {
    (void)state;
    h_fn("gd", "GEO_DISTANCE", 0, "DOUBLE", "DOUBLE,DOUBLE,DOUBLE,DOUBLE,STRING");
    h_fn("gd4", "GEO_DISTANCE", 1, "DOUBLE", "DOUBLE,DOUBLE,DOUBLE,DOUBLE");
    h_fn("rnd", "ROUND", 3, "DOUBLE", "DOUBLE,INT");
    EXPECT("SELECT rnd(gd4(37.4439, -122.1663, 51.5257, -0.1122), 4)", "8634.6598");
    EXPECT("SELECT rnd(gd(37.4439, -122.1663, 51.5257, -0.1122, 'MI'), 4)", "5365.6597");
    EXPECT("SELECT rnd(gd(37.4439, -122.1663, 51.5257, -0.1122, NULL), 4)", "8634.6598");
    EXPECT_ERROR("SELECT gd(91, 0, 0, 0, 'km')", "latitude");
    EXPECT_ERROR("SELECT gd(0, 0, 0, 0, 'parsecs')", "units parameter");
    EXPECT_ERROR("SELECT gd(NULL, 0, 0, 0, 'km')", "cannot be NULL");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_coalesce_returns_the_first_non_null),
        H_TEST(test_ifnull),
        H_TEST(test_nullif),
        H_TEST(test_as_value_passes_values_through),
        H_TEST(test_numbers_from_bytes),
        H_TEST(test_url_encode_and_decode_param),
        H_TEST(test_url_extract_parts),
        H_TEST(test_url_extract_parameter),
        H_TEST(test_geo_distance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
