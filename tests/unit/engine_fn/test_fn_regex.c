/* test_fn_regex.c - the regular expression functions (engine/fn_regex.c): Java syntax on POSIX regex. */
#include "fn_harness.h"

static void test_regexp_extract_whole_match_and_group(void **state) {
    (void)state;
    h_fn("rx", "REGEXP_EXTRACT", 0, "STRING", "STRING,STRING");
    h_fn("rxg", "REGEXP_EXTRACT", 1, "STRING", "STRING,STRING,INT");
    EXPECT("SELECT rx('.*', 'abc')", "abc");
    EXPECT("SELECT rx('\\d+', 'ab 123 cd 45')", "123");
    EXPECT("SELECT rxg('(\\w+) (\\w+)', 'hello world again', 2)", "world");
    EXPECT("SELECT rxg('(a)|(b)', 'b', 1)", "NULL");
    EXPECT("SELECT rxg('(a)', 'a', 2)", "NULL");
    EXPECT("SELECT rx('x', 'abc')", "NULL");
}

static void test_regexp_extract_maps_non_capturing_groups(void **state) {
    (void)state;
    h_fn("rxg", "REGEXP_EXTRACT", 1, "STRING", "STRING,STRING,INT");
    EXPECT("SELECT rxg('(?:ab)+(c)(?<last>d)', 'ababcd', 2)", "d");
    EXPECT("SELECT rxg('(?i)HELLO', 'say hello', 0)", "hello");
}

static void test_regexp_refuses_what_posix_cannot_do(void **state) {
    (void)state;
    h_fn("rx", "REGEXP_EXTRACT", 0, "STRING", "STRING,STRING");
    EXPECT_ERROR("SELECT rx('a.*?b', 'aabb')", "Lazy quantifiers");
    EXPECT_ERROR("SELECT rx('a(?=b)', 'ab')", "Look-around");
    EXPECT_ERROR("SELECT rx('(abc', 'abc')", "Invalid regular expression");
}

static void test_regexp_extract_all(void **state) {
    (void)state;
    h_fn("ra", "REGEXP_EXTRACT_ALL", 0, "ARRAY<STRING>", "STRING,STRING");
    h_fn("rag", "REGEXP_EXTRACT_ALL", 1, "ARRAY<STRING>", "STRING,STRING,INT");
    EXPECT("SELECT ra('\\d+', 'a1b22c333')", "['1', '22', '333']");
    EXPECT("SELECT rag('(\\w)(\\d)', 'a1 b2 c3', 2)", "['1', '2', '3']");
    EXPECT("SELECT ra('x', 'abc')", "[]");
    EXPECT("SELECT ra('x*', 'ab')", "['', '', '']");
}

static void test_regexp_replace_with_group_references(void **state) {
    (void)state;
    h_fn("rr", "REGEXP_REPLACE", 0, "STRING", "STRING,STRING,STRING");
    EXPECT("SELECT rr('foobar', '(foo)(bar)', '$2$1')", "barfoo");
    EXPECT("SELECT rr('a.b.c', '\\.', '/')", "a/b/c");
    EXPECT("SELECT rr('abc', 'x*', '-')", "-a-b-c-");
    EXPECT("SELECT rr('cost', 's', '\\$')", "co$t");
    EXPECT("SELECT rr('aaa', '[ab]', 'b')", "bbb");
    EXPECT_ERROR("SELECT rr('abc', 'b', '$3')", "No group 3");
}

static void test_regexp_split_to_array(void **state) {
    (void)state;
    h_fn("rs", "REGEXP_SPLIT_TO_ARRAY", 0, "ARRAY<STRING>", "STRING,STRING");
    EXPECT("SELECT rs('a1b22c', '\\d+')", "['a', 'b', 'c']");
    EXPECT("SELECT rs('1a1', '1')", "['', 'a', '']");
    EXPECT("SELECT rs('abc', '')", "['a', 'b', 'c']");
    EXPECT("SELECT rs('abc', 'x*')", "['a', 'b', 'c']");
    EXPECT("SELECT rs('abc', 'z')", "['abc']");
}

static void test_regexp_character_classes(void **state) {
    (void)state;
    h_fn("rx", "REGEXP_EXTRACT", 0, "STRING", "STRING,STRING");
    EXPECT("SELECT rx('[\\w.]+@[a-z]+', 'mail me: john.doe@example now')", "john.doe@example");
    EXPECT("SELECT rx('[^\\s]+$', 'last word')", "word");
    EXPECT("SELECT rx('[]a]+', 'x]a]y')", "]a]");
    EXPECT("SELECT rx('[a\\]]+', 'x]a]y')", "]a]");
    EXPECT("SELECT rx('\\p{Upper}+', 'abcDEFg')", "DEF");
    EXPECT("SELECT rx('caf.', 'un caf\xc3\xa9 noir')", "caf\xc3\xa9");
}

/* One call site sees a different pattern on each row: the cached pattern
 * must follow it. */
static void test_call_site_cache_follows_changing_patterns(void **state) {
    (void)state;
    h_fn("rx", "REGEXP_EXTRACT", 0, "STRING", "STRING,STRING");
    EXPECT("SELECT group_concat(rx(p, s), '|') FROM (SELECT '\\d+' p, 'a12' s UNION ALL SELECT '[a-z]+', 'b2c' "
           "UNION ALL SELECT '[a-z]+', 'xy1' UNION ALL SELECT '\\d+', '7q')",
           "12|b|xy|7");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_regexp_extract_whole_match_and_group),
        H_TEST(test_regexp_extract_maps_non_capturing_groups),
        H_TEST(test_regexp_refuses_what_posix_cannot_do),
        H_TEST(test_regexp_extract_all),
        H_TEST(test_regexp_replace_with_group_references),
        H_TEST(test_regexp_split_to_array),
        H_TEST(test_regexp_character_classes),
        H_TEST(test_call_site_cache_follows_changing_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
