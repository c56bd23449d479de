/* test_fn_string.c - the string functions (engine/fn_string.c) through SQLite, with concat/substring/string.json's expectations. */
#include "fn_harness.h"

static void test_concat_skips_nulls(void **state) {
    (void)state;
    h_fn("c3", "CONCAT", 0, "STRING", "STRING,STRING,STRING");
    EXPECT("SELECT c3('prefix-', 's1', '-postfix')", "prefix-s1-postfix");
    EXPECT("SELECT c3('a', NULL, 'b')", "ab");
    EXPECT("SELECT c3(NULL, NULL, NULL)", "");
    EXPECT("SELECT c3('\"', 'foo', '\\')", "\"foo\\");
}

static void test_concat_bytes(void **state) {
    (void)state;
    h_fn("cb", "CONCAT", 1, "BYTES", "BYTES,BYTES,BYTES");
    EXPECT("SELECT cb(x'796573', NULL, x'6e6f')", "x'7965736e6f'");
    EXPECT("SELECT cb(x'', NULL, x'6e6f')", "x'6e6f'");
}

static void test_concat_ws_strings(void **state) {
    (void)state;
    h_fn("cw", "CONCAT_WS", 0, "STRING", "STRING,STRING,STRING,STRING,STRING,STRING");
    EXPECT("SELECT cw('SEP', 'foo', 'bar', 'baz', NULL, 'literal')", "fooSEPbarSEPbazSEPliteral");
    EXPECT("SELECT cw('SEP', 'foo', NULL, 'baz', NULL, 'literal')", "fooSEPbazSEPliteral");
    EXPECT("SELECT cw('SEP', NULL, NULL, NULL, NULL, 'literal')", "literal");
    EXPECT("SELECT cw(NULL, 'foo', 'bar', 'baz', NULL, 'literal')", "NULL");
}

static void test_concat_ws_bytes(void **state) {
    (void)state;
    h_fn("cw", "CONCAT_WS", 1, "BYTES", "BYTES,BYTES,BYTES,BYTES,BYTES");
    /* concat.json: a, b, yes, NULL, no -> "bayesano" */
    EXPECT("SELECT cw(x'61', x'62', x'796573', NULL, x'6e6f')", "x'6261796573616e6f'");
    EXPECT("SELECT cw(x'61', NULL, NULL, NULL, NULL)", "x''");
}

static void test_substring_with_pos(void **state) {
    (void)state;
    h_fn("ss", "SUBSTRING", 0, "STRING", "STRING,INT");
    EXPECT("SELECT ss('some_string', 6)", "string");
    EXPECT("SELECT ss('another', 6)", "er");
    EXPECT("SELECT ss('short', 6)", "");
    EXPECT("SELECT ss('short', NULL)", "NULL");
    EXPECT("SELECT ss('short', -3)", "ort");
    EXPECT("SELECT ss('short', -30)", "short");
    EXPECT("SELECT ss('short', 0)", "short");
}

static void test_substring_with_pos_and_length(void **state) {
    (void)state;
    h_fn("ss", "SUBSTRING", 1, "STRING", "STRING,INT,INT");
    EXPECT("SELECT ss('some_string', 6, 3)", "str");
    EXPECT("SELECT ss('another', 6, 3)", "er");
    EXPECT("SELECT ss('short', 6, 3)", "");
    EXPECT("SELECT ss('some string', 0, 2)", "so");
    EXPECT("SELECT ss('long enough', 2, 5)", "ong e");
    EXPECT("SELECT ss(' \t with white space \t', 2, 5)", "\t wit");
    EXPECT("SELECT ss('s', 2, 5)", "");
    EXPECT("SELECT ss('abc', 2, -1)", "");
    EXPECT("SELECT ss('abc', 6, NULL)", "NULL");
}

static void test_substring_counts_utf16_units(void **state) {
    (void)state;
    h_fn("ss", "SUBSTRING", 1, "STRING", "STRING,INT,INT");
    EXPECT("SELECT ss('h\xc3\xa9llo', 2, 2)", "\xc3\xa9l");
    EXPECT("SELECT ss('a\xf0\x9f\x98\x80" "b', 2, 2)", "\xf0\x9f\x98\x80");
    EXPECT("SELECT ss('a\xf0\x9f\x98\x80" "b', 2, 1)", "?");
}

static void test_substring_of_bytes(void **state) {
    (void)state;
    h_fn("sb", "SUBSTRING", 2, "BYTES", "BYTES,INT");
    h_fn("sb3", "SUBSTRING", 3, "BYTES", "BYTES,INT,INT");
    EXPECT("SELECT sb(CAST('some_string' AS BLOB), 6)", "x'737472696e67'");
    EXPECT("SELECT sb3(CAST('some_string' AS BLOB), 6, 3)", "x'737472'");
    EXPECT("SELECT sb3(CAST('short' AS BLOB), 6, 3)", "x''");
}

static void test_lcase_ucase_trim(void **state) {
    (void)state;
    h_fn("lc", "LCASE", 0, "STRING", "STRING");
    h_fn("uc", "UCASE", 0, "STRING", "STRING");
    h_fn("tr", "TRIM", 0, "STRING", "STRING");
    EXPECT("SELECT lc('MiXeD')", "mixed");
    EXPECT("SELECT uc('MiXeD')", "MIXED");
    EXPECT("SELECT uc(' \t with white space \t')", " \t WITH WHITE SPACE \t");
    EXPECT("SELECT tr(' \t with white space \t')", "with white space");
    EXPECT("SELECT lc('\xc3\x89T\xc3\x89')", "\xc3\xa9t\xc3\xa9");
    EXPECT("SELECT uc('stra\xc3\x9f" "e')", "STRASSE");
}

static void test_len_counts_utf16_units_or_bytes(void **state) {
    (void)state;
    h_fn("len_s", "LEN", 0, "INT", "STRING");
    h_fn("len_b", "LEN", 1, "INT", "BYTES");
    EXPECT("SELECT len_s('bob')", "3");
    EXPECT("SELECT len_s('')", "0");
    EXPECT("SELECT len_s('\xf0\x9f\x98\x80')", "2");
    EXPECT("SELECT len_b(x'0102')", "2");
}

static void test_initcap(void **state) {
    (void)state;
    h_fn("ic", "INITCAP", 0, "STRING", "STRING");
    EXPECT("SELECT ic('the QUICK brown fox')", "The Quick Brown Fox");
    EXPECT("SELECT ic('  leading  and trailing ')", "Leading  And Trailing ");
    EXPECT("SELECT ic('')", "");
}

static void test_lpad_and_rpad(void **state) {
    (void)state;
    h_fn("lp", "LPAD", 0, "STRING", "STRING,INT,STRING");
    h_fn("rp", "RPAD", 0, "STRING", "STRING,INT,STRING");
    h_fn("lpb", "LPAD", 1, "BYTES", "BYTES,INT,BYTES");
    EXPECT("SELECT lp('Foo', 7, 'Bar')", "BarBFoo");
    EXPECT("SELECT lp('Foo', 2, 'Bar')", "Fo");
    EXPECT("SELECT lp('Foo', 7, '')", "NULL");
    EXPECT("SELECT lp('Foo', -1, 'x')", "NULL");
    EXPECT("SELECT rp('Foo', 7, 'Bar')", "FooBarB");
    EXPECT("SELECT rp('Foo', 2, 'Bar')", "Fo");
    EXPECT("SELECT lpb(x'01', 3, x'ff')", "x'ffff01'");
}

static void test_replace(void **state) {
    (void)state;
    h_fn("rep", "REPLACE", 0, "STRING", "STRING,STRING,STRING");
    EXPECT("SELECT rep('banana', 'an', 'AN')", "bANANa");
    EXPECT("SELECT rep('abc', '', '-')", "-a-b-c-");
    EXPECT("SELECT rep('abc', 'x', '-')", "abc");
    EXPECT("SELECT rep('abc', NULL, '-')", "NULL");
}

static void test_instr(void **state) {
    (void)state;
    h_fn("i2", "INSTR", 0, "INT", "STRING,STRING");
    h_fn("i3", "INSTR", 1, "INT", "STRING,STRING,INT");
    h_fn("i4", "INSTR", 2, "INT", "STRING,STRING,INT,INT");
    EXPECT("SELECT i2('CORPORATE FLOOR', 'OR')", "2");
    EXPECT("SELECT i3('CORPORATE FLOOR', 'OR', 3)", "5");
    EXPECT("SELECT i4('CORPORATE FLOOR', 'OR', 3, 2)", "14");
    EXPECT("SELECT i4('CORPORATE FLOOR', 'OR', -3, 2)", "2");
    EXPECT("SELECT i3('CORPORATE FLOOR', 'OR', -3)", "5");
    EXPECT("SELECT i2('CORPORATE FLOOR', 'MISSING')", "0");
    EXPECT("SELECT i3('CORPORATE FLOOR', 'OR', 30)", "0");
    EXPECT("SELECT i2(NULL, 'OR')", "0");
}

static void test_split_keeps_empty_pieces(void **state) {
    (void)state;
    h_fn("sp", "SPLIT", 0, "ARRAY<STRING>", "STRING,STRING");
    h_fn("spb", "SPLIT", 1, "ARRAY<BYTES>", "BYTES,BYTES");
    EXPECT("SELECT sp('a,b,,c,', ',')", "['a', 'b', '', 'c', '']");
    EXPECT("SELECT sp('a.b', '.')", "['a', 'b']");
    EXPECT("SELECT sp('abc', '')", "['a', 'b', 'c']");
    EXPECT("SELECT sp('', ',')", "['']");
    EXPECT("SELECT sp('abc', 'x')", "['abc']");
    EXPECT("SELECT spb(x'0102000304', x'00')", "[x'0102', x'0304']");
}

static void test_split_to_map(void **state) {
    (void)state;
    h_fn("stm", "SPLIT_TO_MAP", 0, "MAP<STRING, STRING>", "STRING,STRING,STRING");
    EXPECT("SELECT stm('apple:green/banana:yellow/cherry:red', '/', ':')",
           "{'apple'='green', 'banana'='yellow', 'cherry'='red'}");
    EXPECT("SELECT stm('a=1;;b;a=2;c=3=4', ';', '=')", "{'a'='2', 'c'='3'}");
    EXPECT("SELECT stm('a=1', '=', '=')", "NULL");
    EXPECT("SELECT stm('a=1', '', '=')", "NULL");
}

static void test_mask_default_and_custom_characters(void **state) {
    (void)state;
    h_fn("m1", "MASK", 0, "STRING", "STRING");
    h_fn("m5", "MASK", 1, "STRING", "STRING,STRING,STRING,STRING,STRING");
    EXPECT("SELECT m1('AbCd#$123xy Z')", "XxXx--nnnxx-X");
    EXPECT("SELECT m5('AbCd#$123xy Z', 'Q', 'q', NULL, '=')", "QqQq==123qq=Q");
    EXPECT("SELECT m1(NULL)", "NULL");
    EXPECT_ERROR("SELECT m5('abc', 'QQ', NULL, NULL, NULL)", "Invalid mask character");
}

static void test_mask_left_right_and_keep(void **state) {
    (void)state;
    h_fn("kl", "MASK_KEEP_LEFT", 0, "STRING", "STRING,INT");
    h_fn("kr", "MASK_KEEP_RIGHT", 0, "STRING", "STRING,INT");
    h_fn("ml", "MASK_LEFT", 0, "STRING", "STRING,INT");
    h_fn("mr", "MASK_RIGHT", 0, "STRING", "STRING,INT");
    h_fn("ml6", "MASK_LEFT", 1, "STRING", "STRING,INT,STRING,STRING,STRING,STRING");
    EXPECT("SELECT kl('AbCd#$123xy Z', 5)", "AbCd#-nnnxx-X");
    EXPECT("SELECT kr('AbCd#$123xy Z', 5)", "XxXx--nn3xy Z");
    EXPECT("SELECT ml('AbCd#$123xy Z', 5)", "XxXx-$123xy Z");
    EXPECT("SELECT mr('AbCd#$123xy Z', 5)", "AbCd#$12nxx-X");
    EXPECT("SELECT ml('ab', 10)", "xx");
    EXPECT("SELECT ml6('AbCd#$123xy Z', 5, NULL, 'q', NULL, '=')", "AqCq=$123xy Z");
    EXPECT_ERROR("SELECT ml('abc', -1)", "non-negative");
}

static void test_encode_between_encodings(void **state) {
    (void)state;
    h_fn("enc", "ENCODE", 0, "STRING", "STRING,STRING,STRING");
    EXPECT("SELECT enc('Hello', 'utf8', 'hex')", "48656c6c6f");
    EXPECT("SELECT enc('Hello', 'ascii', 'base64')", "SGVsbG8=");
    EXPECT("SELECT enc('SGVsbG8=', 'base64', 'utf8')", "Hello");
    EXPECT("SELECT enc('0x48656C6c6f', 'hex', 'ascii')", "Hello");
    EXPECT("SELECT enc('X''4869''', 'hex', 'utf8')", "Hi");
    EXPECT("SELECT enc('0x123', 'hex', 'hex')", "NULL");
    EXPECT_ERROR("SELECT enc('x', 'utf8', 'utf8')", "Supported input and output encodings");
    EXPECT("SELECT enc('\xc3\xa9', 'utf8', 'ascii')", "\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_to_bytes_and_from_bytes(void **state) {
    (void)state;
    h_fn("tb", "TO_BYTES", 0, "BYTES", "STRING,STRING");
    h_fn("fb", "FROM_BYTES", 0, "STRING", "BYTES,STRING");
    EXPECT("SELECT tb('4869', 'hex')", "x'4869'");
    EXPECT("SELECT tb('AB', 'HEX')", "x'ab'");
    EXPECT_ERROR("SELECT tb('ab', 'hex')", "Invalid");
    EXPECT("SELECT tb('SGk=', 'base64')", "x'4869'");
    EXPECT("SELECT tb('Hi', 'utf8')", "x'4869'");
    EXPECT_ERROR("SELECT tb('Hi', 'latin1')", "Unknown encoding type");
    EXPECT("SELECT fb(x'4869ff', 'hex')", "4869FF");
    EXPECT("SELECT fb(x'4869', 'base64')", "SGk=");
    EXPECT("SELECT fb(x'4869', 'ascii')", "Hi");
}

static void test_chr_from_code_point_and_escape(void **state) {
    (void)state;
    h_fn("ci", "CHR", 0, "STRING", "INT");
    h_fn("cs", "CHR", 1, "STRING", "STRING");
    EXPECT("SELECT ci(75)", "K");
    EXPECT("SELECT ci(128512)", "\xf0\x9f\x98\x80");
    EXPECT("SELECT ci(-1)", "NULL");
    EXPECT("SELECT cs('\\u004b')", "K");
    EXPECT("SELECT cs('\\ud83d\\ude00')", "\xf0\x9f\x98\x80");
    EXPECT("SELECT cs('004b')", "NULL");
    EXPECT("SELECT cs('\\u004')", "NULL");
}

static void test_uuid_is_a_version_4_uuid(void **state) {
    (void)state;
    h_fn("u", "UUID", 0, "STRING", "");
    EXPECT("SELECT length(u())", "36");
    EXPECT("SELECT substr(u(), 15, 1)", "4");
    EXPECT("SELECT u() != u()", "1");
}

static void test_elt_and_field(void **state) {
    (void)state;
    h_fn("elt3", "ELT", 0, "STRING", "INT,STRING,STRING");
    h_fn("fld3", "FIELD", 0, "INT", "STRING,STRING,STRING");
    EXPECT("SELECT elt3(2, 'a', 'b')", "b");
    EXPECT("SELECT elt3(3, 'a', 'b')", "NULL");
    EXPECT("SELECT fld3('b', 'a', 'b')", "2");
    EXPECT("SELECT fld3('c', 'a', 'b')", "0");
    EXPECT("SELECT fld3(NULL, 'a', NULL)", "0");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_concat_skips_nulls),
        H_TEST(test_concat_bytes),
        H_TEST(test_concat_ws_strings),
        H_TEST(test_concat_ws_bytes),
        H_TEST(test_substring_with_pos),
        H_TEST(test_substring_with_pos_and_length),
        H_TEST(test_substring_counts_utf16_units),
        H_TEST(test_substring_of_bytes),
        H_TEST(test_lcase_ucase_trim),
        H_TEST(test_len_counts_utf16_units_or_bytes),
        H_TEST(test_initcap),
        H_TEST(test_lpad_and_rpad),
        H_TEST(test_replace),
        H_TEST(test_instr),
        H_TEST(test_split_keeps_empty_pieces),
        H_TEST(test_split_to_map),
        H_TEST(test_mask_default_and_custom_characters),
        H_TEST(test_mask_left_right_and_keep),
        H_TEST(test_encode_between_encodings),
        H_TEST(test_to_bytes_and_from_bytes),
        H_TEST(test_chr_from_code_point_and_escape),
        H_TEST(test_uuid_is_a_version_4_uuid),
        H_TEST(test_elt_and_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
