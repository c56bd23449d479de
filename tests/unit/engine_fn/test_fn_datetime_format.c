/* test_fn_datetime_format.c - Java DateTimeFormatter patterns (engine/fn_datetime_format.c): eddy_datetime_parse / _format. */
#include "engine/fn.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* Parses text with pattern in zone (NULL: UTC) and checks the epoch ms. */
static void parses(const char *pattern, const char *text, const char *zone, int64_t want) {
    eddy_err err = {0};
    int64_t ms = 0;
    int rc = eddy_datetime_parse(pattern, text, strlen(text), zone, &ms, &err);
    if (rc != 0) fail_msg("'%s' with '%s': %s", text, pattern, err.msg);
    if (ms != want) fail_msg("'%s' with '%s': got %lld, want %lld", text, pattern, (long long)ms, (long long)want);
}

/* Checks that parsing fails and the message contains part. */
static void rejects(const char *pattern, const char *text, const char *part) {
    eddy_err err = {0};
    int64_t ms = 0;
    int rc = eddy_datetime_parse(pattern, text, strlen(text), NULL, &ms, &err);
    if (rc == 0) fail_msg("'%s' with '%s' parsed to %lld", text, pattern, (long long)ms);
    if (!strstr(err.msg, part)) fail_msg("'%s' with '%s': message '%s' lacks '%s'", text, pattern, err.msg, part);
}

static void formats(const char *pattern, int64_t ms, const char *zone, const char *want) {
    eddy_err err = {0};
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    int rc = eddy_datetime_format(pattern, ms, zone, &sb, &err);
    char got[256];
    snprintf(got, sizeof got, "%s", eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    if (rc != 0) fail_msg("%lld with '%s': %s", (long long)ms, pattern, err.msg);
    if (strcmp(got, want) != 0) fail_msg("%lld with '%s': got '%s', want '%s'", (long long)ms, pattern, got, want);
}

static void test_parse_iso_with_zulu_offset(void **state) {
    (void)state;
    parses("yyyy-MM-dd'T'HH:mm:ssX", "2018-05-11T21:58:33Z", NULL, 1526075913000);
    parses("yyyy-MM-dd'T'HH:mm:ssX", "2020-05-11T21:58:33Z", "America/New_York", 1589234313000);
}

static void test_parse_single_digit_fraction_and_numeric_offset(void **state) {
    (void)state;
    parses("yyyy-MM-dd'T'HH:mm:ss.SX", "2019-08-27T13:31:09.2+0000", NULL, 1566912669200);
    parses("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2019-08-27T13:31:09.123+02:00", NULL, 1566905469123);
    parses("yyyy-MM-dd HH:mm:ss Z", "2000-10-10 13:55:36 -0700", NULL, 971211336000);
}

static void test_parse_without_zone_uses_the_given_zone(void **state) {
    (void)state;
    parses("yyyy-MM-dd HH:mm:ss", "2021-01-01 00:00:00", NULL, 1609459200000);
    parses("yyyy-MM-dd HH:mm:ss", "2021-01-01 00:00:00", "+05:30", 1609459200000 - 19800000);
    parses("yyyy-MM-dd HH:mm:ss", "2021-07-01 12:00:00", "Europe/Paris", 1625133600000);
}

static void test_parse_in_a_dst_gap_moves_forward(void **state) {
    (void)state;
    /* 02:30 does not exist on 2020-03-08 in Los Angeles: 03:30 PDT */
    parses("yyyy-MM-dd HH:mm:ss", "2020-03-08 02:30:00", "America/Los_Angeles", 1583663400000);
}

static void test_parse_in_a_dst_overlap_takes_the_earlier_offset(void **state) {
    (void)state;
    parses("yyyy-MM-dd HH:mm:ss", "2020-11-01 01:30:00", "America/Los_Angeles", 1604219400000);
}

static void test_parse_missing_fields_default_to_the_epoch(void **state) {
    (void)state;
    parses("HH:mm", "10:15", NULL, 36900000);
    parses("yyyy", "2020", NULL, 1577836800000);
    parses("MM-dd", "02-03", NULL, 2851200000);
}

static void test_parse_adjacent_numbers(void **state) {
    (void)state;
    parses("yyyyMMddHHmmss", "20200101123456", NULL, 1577882096000);
    parses("yyyyMMdd", "19700102", NULL, 86400000);
    parses("HHmmssSSS", "000001002", NULL, 1002);
}

static void test_parse_text_fields(void **state) {
    (void)state;
    parses("EEE, d MMM yyyy HH:mm:ss", "Wed, 4 Jul 2001 12:08:56", NULL, 994248536000);
    parses("dd MMMM yyyy", "05 September 2021", NULL, 1630800000000);
    parses("hh:mm a", "03:15 PM", NULL, 54900000);
    parses("hh:mm a", "12:15 AM", NULL, 900000);
}

static void test_parse_two_digit_year_is_2000_based(void **state) {
    (void)state;
    parses("yy-M-d", "99-1-2", NULL, 4070995200000);
    parses("yy-M-d", "70-1-1", NULL, 3155760000000);
}

static void test_parse_optional_sections(void **state) {
    (void)state;
    parses("yyyy-MM-dd[ HH:mm]", "2020-01-01", NULL, 1577836800000);
    parses("yyyy-MM-dd[ HH:mm]", "2020-01-01 10:00", NULL, 1577872800000);
    parses("yyyy-MM-dd['T'HH:mm[:ss]]", "2020-01-01T10:00:05", NULL, 1577872805000);
}

static void test_parse_zone_id(void **state) {
    (void)state;
    parses("yyyy-MM-dd HH:mm:ss VV", "2020-07-01 12:00:00 Europe/Paris", NULL, 1593597600000);
    parses("yyyy-MM-dd HH:mm:ss VV", "2020-07-01 12:00:00 UTC", "Asia/Tokyo", 1593604800000);
}

static void test_parse_end_of_day_24_00(void **state) {
    (void)state;
    parses("yyyy-MM-dd HH:mm", "2020-01-01 24:00", NULL, 1577923200000);
}

static void test_parse_smart_resolver_clamps_the_day(void **state) {
    (void)state;
    parses("yyyy-MM-dd", "2021-02-30", NULL, 1614470400000);
    parses("yyyy-MM-dd", "2020-02-30", NULL, 1582934400000);
}

static void test_parse_rejects_bad_text(void **state) {
    (void)state;
    rejects("yyyy-MM-dd'T'HH:mm:ssX", "not a timestamp", "could not be parsed at index 0");
    rejects("yyyy-MM-dd", "2021-13-01", "MonthOfYear");
    rejects("yyyy-MM-dd", "2021-01-01x", "unparsed text found at index 10");
    rejects("yyyy-MM-dd", "2021-1-01", "could not be parsed");
    rejects("HH:mm", "25:00", "HourOfDay");
    rejects("EEE yyyy-MM-dd", "Mon 2021-01-01", "DayOfWeek");
    rejects("D", "366", "Leap day");
}

static void test_compile_rejects_bad_patterns(void **state) {
    (void)state;
    eddy_err err = {0};
    eddy_dtpattern *p = NULL;
    assert_int_not_equal(eddy_dtpattern_compile("yyyy-MM-dd'T", &p, &err), 0);
    assert_non_null(strstr(err.msg, "incomplete string literal"));
    assert_int_not_equal(eddy_dtpattern_compile("HHH", &p, &err), 0);
    assert_non_null(strstr(err.msg, "Too many pattern letters: H"));
    assert_int_not_equal(eddy_dtpattern_compile("yyyy-bb", &p, &err), 0);
    assert_non_null(strstr(err.msg, "Unknown pattern letter: b"));
    assert_int_not_equal(eddy_dtpattern_compile("yyyy]", &p, &err), 0);
    assert_int_not_equal(eddy_dtpattern_compile("YYYY-ww", &p, &err), 0);
    assert_null(p);
}

static void test_format_iso_in_utc_and_zones(void **state) {
    (void)state;
    formats("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 1526075913000, NULL, "2018-05-11T21:58:33.000Z");
    formats("yyyy-MM-dd HH:mm:ss.SSS z", 1526075913123, "America/Los_Angeles", "2018-05-11 14:58:33.123 PDT");
    formats("yyyy-MM-dd HH:mm:ss z", 1515715200000, "America/Los_Angeles", "2018-01-11 16:00:00 PST");
    formats("yyyy-MM-dd HH:mm", 4102444800000, "Europe/London", "2100-01-01 00:00");
    formats("yyyy-MM-dd HH:mm", 4118083200000, "Europe/London", "2100-07-01 01:00");
}

static void test_format_offsets_and_zone_ids(void **state) {
    (void)state;
    formats("VV O OOOO x xx xxx X Z ZZZZZ", 1526075913123, "Asia/Kolkata",
            "Asia/Kolkata GMT+5:30 GMT+05:30 +0530 +0530 +05:30 +0530 +0530 +05:30");
    formats("X x xxx Z ZZZZ O", 0, "UTC", "Z +00 +00:00 +0000 GMT GMT");
    formats("HH:mm VV", 0, "GMT+1", "01:00 GMT+01:00");
    formats("HH:mm VV X", 0, "-08:00", "16:00 -08:00 -08");
}

static void test_format_text_and_numbers(void **state) {
    (void)state;
    formats("EEEE, MMMM d, yyyy G QQQ D a h K k", 0, NULL, "Thursday, January 1, 1970 AD Q1 1 AM 12 0 24");
    formats("EEE MMM dd yy", 1630800000000, NULL, "Sun Sep 05 21");
    formats("yyyy-MM-dd", -1, NULL, "1969-12-31");
    formats("HH:mm:ss.SSSSSS n A", 1234, NULL, "00:00:01.234000 234000000 1234");
}

static void test_format_years_beyond_four_digits_and_bc(void **state) {
    (void)state;
    formats("yyyy", 253402300800000, NULL, "+10000");
    formats("uuuu yyyy G", -62167219200000 - 86400000LL * 366, NULL, "-0002 0003 BC");
}

static void test_format_quotes(void **state) {
    (void)state;
    formats("''yyyy'T'''", 0, NULL, "'1970T'");
    formats("'at' HH 'o''clock'", 3600000, NULL, "at 01 o'clock");
}

static void test_format_rejects_an_unknown_zone(void **state) {
    (void)state;
    eddy_err err = {0};
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    assert_int_not_equal(eddy_datetime_format("yyyy", 0, "PST", &sb, &err), 0);
    assert_non_null(strstr(err.msg, "Unknown time-zone ID: PST"));
    assert_int_not_equal(eddy_datetime_format("yyyy", 0, "../etc/passwd", &sb, &err), 0);
    eddy_strbuf_fini(&sb);
}

static void test_compiled_pattern_is_reusable(void **state) {
    (void)state;
    eddy_err err = {0};
    eddy_dtpattern *p = NULL;
    assert_int_equal(eddy_dtpattern_compile("yyyy-MM-dd", &p, &err), 0);
    assert_string_equal(eddy_dtpattern_text(p), "yyyy-MM-dd");
    int64_t ms = 0;
    assert_int_equal(eddy_dtpattern_parse(p, "1970-01-02", 10, NULL, &ms, &err), 0);
    assert_int_equal(ms, 86400000);
    assert_int_equal(eddy_dtpattern_parse(p, "1970-01-03", 10, "Z", &ms, &err), 0);
    assert_int_equal(ms, 2 * 86400000);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    assert_int_equal(eddy_dtpattern_format(p, 86400000, NULL, &sb, &err), 0);
    assert_string_equal(eddy_strbuf_cstr(&sb), "1970-01-02");
    eddy_strbuf_fini(&sb);
    eddy_dtpattern_free(p);
    eddy_dtpattern_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_iso_with_zulu_offset),
        cmocka_unit_test(test_parse_single_digit_fraction_and_numeric_offset),
        cmocka_unit_test(test_parse_without_zone_uses_the_given_zone),
        cmocka_unit_test(test_parse_in_a_dst_gap_moves_forward),
        cmocka_unit_test(test_parse_in_a_dst_overlap_takes_the_earlier_offset),
        cmocka_unit_test(test_parse_missing_fields_default_to_the_epoch),
        cmocka_unit_test(test_parse_adjacent_numbers),
        cmocka_unit_test(test_parse_text_fields),
        cmocka_unit_test(test_parse_two_digit_year_is_2000_based),
        cmocka_unit_test(test_parse_optional_sections),
        cmocka_unit_test(test_parse_zone_id),
        cmocka_unit_test(test_parse_end_of_day_24_00),
        cmocka_unit_test(test_parse_smart_resolver_clamps_the_day),
        cmocka_unit_test(test_parse_rejects_bad_text),
        cmocka_unit_test(test_compile_rejects_bad_patterns),
        cmocka_unit_test(test_format_iso_in_utc_and_zones),
        cmocka_unit_test(test_format_offsets_and_zone_ids),
        cmocka_unit_test(test_format_text_and_numbers),
        cmocka_unit_test(test_format_years_beyond_four_digits_and_bc),
        cmocka_unit_test(test_format_quotes),
        cmocka_unit_test(test_format_rejects_an_unknown_zone),
        cmocka_unit_test(test_compiled_pattern_is_reusable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
