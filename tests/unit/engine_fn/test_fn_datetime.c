/* test_fn_datetime.c - the date and time functions (engine/fn_datetime.c) through SQLite. */
#include "fn_harness.h"

static void test_stringtotimestamp_matches_timestampformat_json(void **state) {
    (void)state;
    h_fn("stt", "STRINGTOTIMESTAMP", 0, "BIGINT", "STRING,STRING");
    h_fn("stt3", "STRINGTOTIMESTAMP", 1, "BIGINT", "STRING,STRING,STRING");
    EXPECT("SELECT stt('2018-05-11T21:58:33Z', 'yyyy-MM-dd''T''HH:mm:ssX')", "1526075913000");
    EXPECT("SELECT stt('2019-05-11T21:58:33Z', 'yyyy-MM-dd''T''HH:mm:ssX')", "1557611913000");
    EXPECT("SELECT stt('2019-08-27T13:31:09.2+0000', 'yyyy-MM-dd''T''HH:mm:ss.SX')", "1566912669200");
    EXPECT("SELECT stt3('2021-01-01 00:00', 'yyyy-MM-dd HH:mm', 'America/New_York')", "1609477200000");
    EXPECT_ERROR("SELECT stt('not a timestamp', 'yyyy-MM-dd''T''HH:mm:ssX')", "Failed to parse timestamp");
    EXPECT_ERROR("SELECT stt3('2021-01-01 00:00', 'yyyy-MM-dd HH:mm', 'Mars/Base')", "Unknown time-zone ID");
}

static void test_parse_timestamp_returns_a_timestamp(void **state) {
    (void)state;
    h_fn("pt", "PARSE_TIMESTAMP", 0, "TIMESTAMP", "STRING,STRING");
    h_fn("pt3", "PARSE_TIMESTAMP", 1, "TIMESTAMP", "STRING,STRING,STRING");
    EXPECT("SELECT pt('2020-05-11 21:58:33.123', 'yyyy-MM-dd HH:mm:ss.SSS')", "1589234313123");
    EXPECT("SELECT pt3('2020-05-11 21:58', 'yyyy-MM-dd HH:mm', '+01:00')", "1589230680000");
    EXPECT("SELECT pt(NULL, 'yyyy')", "NULL");
}

static void test_timestamptostring_and_format_timestamp(void **state) {
    (void)state;
    h_fn("tts", "TIMESTAMPTOSTRING", 0, "STRING", "BIGINT,STRING");
    h_fn("tts3", "TIMESTAMPTOSTRING", 1, "STRING", "BIGINT,STRING,STRING");
    h_fn("ft", "FORMAT_TIMESTAMP", 1, "STRING", "TIMESTAMP,STRING,STRING");
    EXPECT("SELECT tts(1526075913000, 'yyyy-MM-dd HH:mm:ss.SSS')", "2018-05-11 21:58:33.000");
    EXPECT("SELECT tts3(1526075913000, 'yyyy-MM-dd HH:mm:ss z', 'America/Los_Angeles')", "2018-05-11 14:58:33 PDT");
    EXPECT("SELECT ft(0, 'yyyy-MM-dd''T''HH:mm:ssXXX', 'Asia/Tokyo')", "1970-01-01T09:00:00+09:00");
    EXPECT_ERROR("SELECT tts(0, 'yyyy-bb')", "Unknown pattern letter: b");
}

static void test_parse_date_and_stringtodate(void **state) {
    (void)state;
    h_fn("pd", "PARSE_DATE", 0, "DATE", "STRING,STRING");
    h_fn("std", "STRINGTODATE", 0, "INT", "STRING,STRING");
    EXPECT("SELECT pd('2022-02-02', 'yyyy-MM-dd')", "19025");
    EXPECT("SELECT pd('02-FEB-2022', 'dd-MMM-yyyy')", "19025");
    EXPECT_ERROR("SELECT pd('abcd', 'yyyy-MM-dd')", "Failed to parse date 'abcd'");
    EXPECT_ERROR("SELECT pd('2022-02-02 10', 'yyyy-MM-dd HH')", "time field");
    EXPECT_ERROR("SELECT pd('2022-02', 'yyyy-MM')", "LocalDate");
    EXPECT("SELECT std('2022-02-02 10', 'yyyy-MM-dd HH')", "19025");
    EXPECT("SELECT std('1969-12-31', 'yyyy-MM-dd')", "-1");
}

static void test_parse_time(void **state) {
    (void)state;
    h_fn("ptm", "PARSE_TIME", 0, "TIME", "STRING,STRING");
    EXPECT("SELECT ptm('10:11:12.345', 'HH:mm:ss.SSS')", "36672345");
    EXPECT("SELECT ptm('10', 'HH')", "36000000");
    EXPECT("SELECT ptm('03:04 PM', 'hh:mm a')", "54240000");
    EXPECT_ERROR("SELECT ptm('2020-01-01 10:00', 'yyyy-MM-dd HH:mm')", "Failed to parse time");
}

static void test_format_date_and_time(void **state) {
    (void)state;
    h_fn("fd", "FORMAT_DATE", 0, "STRING", "DATE,STRING");
    h_fn("fdt", "DATETOSTRING", 0, "STRING", "INT,STRING");
    h_fn("ftm", "FORMAT_TIME", 0, "STRING", "TIME,STRING");
    EXPECT("SELECT fd(19025, 'dd/MM/yyyy EEEE')", "02/02/2022 Wednesday");
    EXPECT("SELECT fdt(-1, 'yyyy-MM-dd')", "1969-12-31");
    EXPECT("SELECT ftm(36672345, 'HH:mm:ss.SSS')", "10:11:12.345");
    EXPECT("SELECT ftm(36672345, 'hh a')", "10 AM");
    EXPECT_ERROR("SELECT fd(0, 'yyyy HH')", "Unsupported field: HourOfDay");
    EXPECT_ERROR("SELECT ftm(0, 'yyyy HH')", "Unsupported field: YearOfEra");
    EXPECT("SELECT fd(0, 'yyyy[ HH]')", "1970");
}

static void test_unix_date_and_unix_timestamp(void **state) {
    (void)state;
    h_fn("ud0", "UNIX_DATE", 0, "INT", "");
    h_fn("ud1", "UNIX_DATE", 1, "INT", "DATE");
    h_fn("ut0", "UNIX_TIMESTAMP", 0, "BIGINT", "");
    h_fn("ut1", "UNIX_TIMESTAMP", 1, "BIGINT", "TIMESTAMP");
    EXPECT("SELECT ud1(19025)", "19025");
    EXPECT("SELECT ut1(1526075913000)", "1526075913000");
    EXPECT("SELECT ud0() > 19000", "1");
    EXPECT("SELECT ut0() > 1600000000000", "1");
}

static int64_t fixed_clock(void *ud) {
    return *(int64_t *)ud;
}

static void test_unix_timestamp_reads_the_settable_clock(void **state) {
    (void)state;
    static int64_t now = 86400000LL * 3 + 5;
    eddy_fn_set_clock(fixed_clock, &now);
    h_fn("ut0", "UNIX_TIMESTAMP", 0, "BIGINT", "");
    h_fn("ud0", "UNIX_DATE", 0, "INT", "");
    EXPECT("SELECT ut0()", "259200005");
    EXPECT("SELECT ud0()", "3");
    eddy_fn_set_clock(NULL, NULL);
}

static void test_from_unixtime_and_from_days(void **state) {
    (void)state;
    h_fn("fu", "FROM_UNIXTIME", 0, "TIMESTAMP", "BIGINT");
    h_fn("fdays", "FROM_DAYS", 0, "DATE", "INT");
    EXPECT("SELECT fu(1000)", "1000");
    EXPECT("SELECT fdays(19025)", "19025");
    EXPECT("SELECT fu(NULL)", "NULL");
}

static void test_convert_tz(void **state) {
    (void)state;
    h_fn("ctz", "CONVERT_TZ", 0, "TIMESTAMP", "TIMESTAMP,STRING,STRING");
    EXPECT("SELECT ctz(1526075913000, 'UTC', 'America/Los_Angeles')", "1526050713000");
    EXPECT("SELECT ctz(0, '+02:00', 'UTC')", "-7200000");
    EXPECT_ERROR("SELECT ctz(0, 'Nowhere', 'UTC')", "Unknown time-zone ID: Nowhere");
}

static void test_dateadd_and_datesub(void **state) {
    (void)state;
    h_fn("da", "DATEADD", 0, "DATE", "STRING,INT,DATE");
    h_fn("ds", "DATESUB", 0, "DATE", "STRING,INT,DATE");
    EXPECT("SELECT da('DAYS', 3, 10)", "13");
    EXPECT("SELECT da('HOURS', 49, 10)", "12");
    EXPECT("SELECT ds('DAY', 3, 10)", "7");
    EXPECT("SELECT da('HOURS', -1, 0)", "0");
    EXPECT_ERROR("SELECT da('FORTNIGHTS', 1, 0)", "Unknown time unit");
}

static void test_timeadd_wraps_around_midnight(void **state) {
    (void)state;
    h_fn("ta", "TIMEADD", 0, "TIME", "STRING,INT,TIME");
    h_fn("tsb", "TIMESUB", 0, "TIME", "STRING,INT,TIME");
    EXPECT("SELECT ta('HOURS', 2, 82800000)", "3600000");
    EXPECT("SELECT tsb('MINUTES', 1, 0)", "86340000");
    EXPECT("SELECT ta('MILLISECONDS', 5, 10)", "15");
}

static void test_timestampadd_and_timestampsub(void **state) {
    (void)state;
    h_fn("tsa", "TIMESTAMPADD", 0, "TIMESTAMP", "STRING,INT,TIMESTAMP");
    h_fn("tss", "TIMESTAMPSUB", 0, "TIMESTAMP", "STRING,INT,TIMESTAMP");
    EXPECT("SELECT tsa('SECONDS', 10, 1000)", "11000");
    EXPECT("SELECT tss('DAYS', 1, 0)", "-86400000");
    EXPECT("SELECT tsa('MICROSECONDS', 1500, 0)", "1");
}

static void test_call_site_cache_follows_changing_patterns(void **state) {
    (void)state;
    h_fn("tts", "TIMESTAMPTOSTRING", 0, "STRING", "BIGINT,STRING");
    EXPECT("SELECT group_concat(tts(0, p), '|') FROM (SELECT 'yyyy' p UNION ALL SELECT 'HH:mm' UNION ALL SELECT 'HH:mm' "
           "UNION ALL SELECT 'MMM')",
           "1970|00:00|00:00|Jan");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_stringtotimestamp_matches_timestampformat_json),
        H_TEST(test_parse_timestamp_returns_a_timestamp),
        H_TEST(test_timestamptostring_and_format_timestamp),
        H_TEST(test_parse_date_and_stringtodate),
        H_TEST(test_parse_time),
        H_TEST(test_format_date_and_time),
        H_TEST(test_unix_date_and_unix_timestamp),
        H_TEST(test_unix_timestamp_reads_the_settable_clock),
        H_TEST(test_from_unixtime_and_from_days),
        H_TEST(test_convert_tz),
        H_TEST(test_dateadd_and_datesub),
        H_TEST(test_timeadd_wraps_around_midnight),
        H_TEST(test_timestampadd_and_timestampsub),
        H_TEST(test_call_site_cache_follows_changing_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
