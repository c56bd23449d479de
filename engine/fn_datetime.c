/* fn_datetime.c - ksqlDB's date and time functions: parsing and formatting with
 * DateTimeFormatter patterns (PARSE_*, FORMAT_*, STRINGTO*, *TOSTRING),
 * UNIX_DATE, UNIX_TIMESTAMP, FROM_UNIXTIME, FROM_DAYS, CONVERT_TZ and the
 * interval arithmetic (DATEADD, DATESUB, TIMEADD, TIMESUB, TIMESTAMPADD,
 * TIMESTAMPSUB).
 *
 * Values follow engine/sqlval.h: DATE is days, TIME milliseconds of the day,
 * TIMESTAMP epoch milliseconds.  Where ksqlDB uses the JVM's default time
 * zone, eddy uses UTC.  The INTERVAL UNIT argument of the *ADD / *SUB
 * functions arrives as TEXT naming a java.util.concurrent.TimeUnit (DAYS,
 * HOURS, MINUTES, SECONDS, MILLISECONDS, MICROSECONDS, NANOSECONDS; the
 * singular forms are accepted too).
 */
#include "engine/fn_impl.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define MS_PER_DAY 86400000LL
#define NS_PER_DAY 86400000000000LL

/* ------------------------------------------------------------------------ */
/* The clock                                                                */

static int64_t (*_Atomic g_clock)(void *);
static void *_Atomic g_clock_ud;

void eddy_fn_set_clock(int64_t (*now_ms)(void *ud), void *ud) {
    atomic_store(&g_clock_ud, ud);
    atomic_store(&g_clock, now_ms);
}

static int64_t now_ms(void) {
    int64_t (*f)(void *) = atomic_load(&g_clock);
    if (f) return f(atomic_load(&g_clock_ud));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------ */
/* Patterns and zones                                                       */

static void pattern_free(void *p) {
    eddy_dtpattern_free(p);
}

/* The compiled pattern of argument v for this call site (cached); *owned
 * when the caller frees it.  NULL after fn_fail. */
static eddy_dtpattern *pattern_get(sqlite3_context *ctx, sqlite3_value *v, bool *owned) {
    size_t n;
    const char *s = fn_text(v, &n);
    *owned = false;
    eddy_dtpattern *p = fn_cache_lookup(ctx, 1, s, n);
    if (p) return p;
    if (memchr(s, 0, n)) {
        fn_fail(ctx, "Unknown pattern letter: NUL");
        return NULL;
    }
    eddy_err err = {0};
    if (eddy_dtpattern_compile(s, &p, &err)) {
        fn_fail(ctx, "Illegal pattern '%.*s': %s", (int)(n > 100 ? 100 : n), s, err.msg);
        return NULL;
    }
    if (!fn_cache_store(ctx, 1, s, n, p, pattern_free)) *owned = true;
    return p;
}

static const fn_zone *zone_arg(sqlite3_context *ctx, sqlite3_value *v) {
    size_t n;
    const char *s = fn_text(v, &n);
    eddy_err err = {0};
    const fn_zone *z = fn_zone_get(s, n, &err);
    if (!z) fn_fail(ctx, "%s", err.msg);
    return z;
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */

/* PARSE_TIMESTAMP / STRINGTOTIMESTAMP: text, pattern [, zone]. */
static void parse_timestamp(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    bool owned;
    eddy_dtpattern *p = pattern_get(ctx, argv[1], &owned);
    if (!p) return;
    const fn_zone *dz = fn_zone_utc();
    if (argc > 2 && !(dz = zone_arg(ctx, argv[2]))) goto done;
    size_t n;
    const char *s = fn_text(argv[0], &n);
    fn_dt_local l;
    eddy_err err = {0};
    if (fn_dt_parse(p, s, n, false, &l, &err)) {
        fn_fail(ctx, "Failed to parse timestamp '%.*s' with formatter '%s': %s", (int)(n > 100 ? 100 : n), s,
                eddy_dtpattern_text(p), err.msg);
        goto done;
    }
    const fn_zone *z = l.zone ? l.zone : dz;
    int64_t local, t;
    int32_t off;
    if (__builtin_mul_overflow(l.epoch_day, (int64_t)86400, &local) ||
        __builtin_add_overflow(local, l.nano_of_day / 1000000000, &local))
        goto range;
    off = fn_zone_offset_for_local(z, local);
    if (__builtin_sub_overflow(local, (int64_t)off, &t) || __builtin_mul_overflow(t, (int64_t)1000, &t) ||
        __builtin_add_overflow(t, (l.nano_of_day % 1000000000) / 1000000, &t))
        goto range;
    sqlite3_result_int64(ctx, t);
    goto done;
range:
    fn_fail(ctx, "Failed to parse timestamp '%.*s': out of range", (int)(n > 100 ? 100 : n), s);
done:
    if (owned) eddy_dtpattern_free(p);
}

/* PARSE_DATE (strict: no time fields) and STRINGTODATE. */
static void parse_date_common(sqlite3_context *ctx, sqlite3_value **argv, bool strict) {
    bool owned;
    eddy_dtpattern *p = pattern_get(ctx, argv[1], &owned);
    if (!p) return;
    size_t n;
    const char *s = fn_text(argv[0], &n);
    fn_dt_local l;
    eddy_err err = {0};
    int shown = (int)(n > 100 ? 100 : n);
    if (fn_dt_parse(p, s, n, true, &l, &err)) {
        fn_fail(ctx, "Failed to parse date '%.*s' with formatter '%s': %s", shown, s, eddy_dtpattern_text(p), err.msg);
    } else if (strict && l.has_time) {
        fn_fail(ctx, "Failed to parse date '%.*s' with formatter '%s': Date format contains time field.", shown, s,
                eddy_dtpattern_text(p));
    } else if (!l.full_date) {
        fn_fail(ctx, "Failed to parse date '%.*s' with formatter '%s': Unable to obtain LocalDate from TemporalAccessor",
                shown, s, eddy_dtpattern_text(p));
    } else if (!strict && (l.epoch_day > INT32_MAX || l.epoch_day < INT32_MIN)) {
        fn_fail(ctx, "Failed to parse date '%.*s': out of range", shown, s);
    } else {
        sqlite3_result_int64(ctx, l.epoch_day);
    }
    if (owned) eddy_dtpattern_free(p);
}

static void fn_parse_date(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    parse_date_common(ctx, argv, true);
}

static void fn_stringtodate(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    parse_date_common(ctx, argv, false);
}

static void fn_parse_time(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    bool owned;
    eddy_dtpattern *p = pattern_get(ctx, argv[1], &owned);
    if (!p) return;
    size_t n;
    const char *s = fn_text(argv[0], &n);
    fn_dt_local l;
    eddy_err err = {0};
    int shown = (int)(n > 100 ? 100 : n);
    if (fn_dt_parse(p, s, n, false, &l, &err)) {
        fn_fail(ctx, "Failed to parse time '%.*s' with formatter '%s': %s", shown, s, eddy_dtpattern_text(p), err.msg);
    } else if (l.has_date) {
        fn_fail(ctx, "Failed to parse time '%.*s' with formatter '%s': Unsupported field in a time format", shown, s,
                eddy_dtpattern_text(p));
    } else if (!l.has_hour) {
        fn_fail(ctx, "Failed to parse time '%.*s' with formatter '%s': Unable to obtain LocalTime from TemporalAccessor",
                shown, s, eddy_dtpattern_text(p));
    } else {
        sqlite3_result_int64(ctx, (l.nano_of_day % NS_PER_DAY) / 1000000);
    }
    if (owned) eddy_dtpattern_free(p);
}

/* ------------------------------------------------------------------------ */
/* Formatting                                                               */

static void format_local(sqlite3_context *ctx, sqlite3_value *pat, unsigned avail, int64_t day, int64_t nod,
                         const fn_zone *zone, int32_t off, const char *what, int64_t value) {
    bool owned;
    eddy_dtpattern *p = pattern_get(ctx, pat, &owned);
    if (!p) return;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_err err = {0};
    if (fn_dt_format(p, avail, day, nod, zone, off, &sb, &err))
        fn_fail(ctx, "Failed to format %s %lld with formatter '%s': %s", what, (long long)value, eddy_dtpattern_text(p),
                err.msg);
    else fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
    if (owned) eddy_dtpattern_free(p);
}

/* FORMAT_TIMESTAMP / TIMESTAMPTOSTRING: ms, pattern [, zone]. */
static void format_timestamp(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    const fn_zone *z = fn_zone_utc();
    if (argc > 2 && !(z = zone_arg(ctx, argv[2]))) return;
    int64_t ms = sqlite3_value_int64(argv[0]);
    int32_t off = fn_zone_offset_at(z, fn_floor_div(ms, 1000), NULL);
    int64_t local = ms + (int64_t)off * 1000;
    int64_t day = fn_floor_div(local, MS_PER_DAY);
    int64_t nod = (local - day * MS_PER_DAY) * 1000000;
    format_local(ctx, argv[1], FN_DT_ALL, day, nod, z, off, "timestamp", ms);
}

/* FORMAT_DATE / DATETOSTRING: days, pattern. */
static void format_date(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    int64_t day = sqlite3_value_int64(argv[0]);
    format_local(ctx, argv[1], FN_DT_DATE, day, 0, NULL, 0, "date", day);
}

static void format_time(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    int64_t ms = sqlite3_value_int64(argv[0]);
    int64_t nod = (ms % MS_PER_DAY + MS_PER_DAY) % MS_PER_DAY * 1000000;
    format_local(ctx, argv[1], FN_DT_TIME, 0, nod, NULL, 0, "time", ms);
}

/* ------------------------------------------------------------------------ */
/* Conversions                                                              */

static void identity(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    sqlite3_result_int64(ctx, sqlite3_value_int64(argv[0]));
}

static void fn_unix_date(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (argc == 0) {
        sqlite3_result_int64(ctx, fn_floor_div(now_ms(), MS_PER_DAY));
        return;
    }
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    sqlite3_result_int64(ctx, sqlite3_value_int64(argv[0]));
}

static void fn_unix_timestamp(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (argc == 0) {
        sqlite3_result_int64(ctx, now_ms());
        return;
    }
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    sqlite3_result_int64(ctx, sqlite3_value_int64(argv[0]));
}

/* CONVERT_TZ: the offset difference of the two zones at the instant. */
static void fn_convert_tz(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    const fn_zone *from = zone_arg(ctx, argv[1]);
    if (!from) return;
    const fn_zone *to = zone_arg(ctx, argv[2]);
    if (!to) return;
    int64_t ms = sqlite3_value_int64(argv[0]);
    int64_t s = fn_floor_div(ms, 1000);
    int64_t diff = (int64_t)fn_zone_offset_at(to, s, NULL) - fn_zone_offset_at(from, s, NULL);
    sqlite3_result_int64(ctx, ms + diff * 1000);
}

/* ------------------------------------------------------------------------ */
/* Interval arithmetic                                                      */

/* Nanoseconds per java.util.concurrent.TimeUnit, from its name; 0 when unknown. */
static int64_t unit_nanos(const char *s, size_t n) {
    static const struct {
        const char *name;
        int64_t nanos;
    } units[] = {
        {"NANOSECOND", 1},           {"MICROSECOND", 1000},          {"MILLISECOND", 1000000},
        {"SECOND", 1000000000},      {"MINUTE", 60000000000LL},      {"HOUR", 3600000000000LL},
        {"DAY", 86400000000000LL},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t m = strlen(units[i].name);
        if ((n == m || (n == m + 1 && (s[m] == 'S' || s[m] == 's'))) && fn_ieq(s, m, units[i].name))
            return units[i].nanos;
    }
    return 0;
}

static bool unit_arg(sqlite3_context *ctx, sqlite3_value *v, int64_t *nanos) {
    size_t n;
    const char *s = fn_text(v, &n);
    *nanos = unit_nanos(s, n);
    if (*nanos) return true;
    fn_fail(ctx, "Unknown time unit '%.*s'", (int)(n > 50 ? 50 : n), s);
    return false;
}

/* TimeUnit.toMillis(interval), saturating as Java's does. */
static int64_t to_millis(int64_t unit_ns, int64_t interval) {
    if (unit_ns < 1000000) return interval / (1000000 / unit_ns);
    int64_t per = unit_ns / 1000000, r;
    if (__builtin_mul_overflow(interval, per, &r)) return interval < 0 ? INT64_MIN : INT64_MAX;
    return r;
}

static int64_t to_nanos(int64_t unit_ns, int64_t interval) {
    int64_t r;
    if (__builtin_mul_overflow(interval, unit_ns, &r)) return interval < 0 ? INT64_MIN : INT64_MAX;
    return r;
}

static void date_shift(sqlite3_context *ctx, int argc, sqlite3_value **argv, int sign) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    int64_t unit;
    if (!unit_arg(ctx, argv[0], &unit)) return;
    int64_t ms = sqlite3_value_int64(argv[2]) * MS_PER_DAY;
    int64_t delta = to_millis(unit, sqlite3_value_int64(argv[1]));
    int64_t r = (int64_t)(sign > 0 ? (uint64_t)ms + (uint64_t)delta : (uint64_t)ms - (uint64_t)delta);
    sqlite3_result_int64(ctx, r / MS_PER_DAY); /* long arithmetic wraps; TimeUnit.toDays truncates */
}

static void fn_dateadd(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    date_shift(ctx, argc, argv, 1);
}

static void fn_datesub(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    date_shift(ctx, argc, argv, -1);
}

/* LocalTime.plus(nanos): wraps around midnight. */
static void time_shift(sqlite3_context *ctx, int argc, sqlite3_value **argv, int sign) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    int64_t unit;
    if (!unit_arg(ctx, argv[0], &unit)) return;
    int64_t nanos = to_nanos(unit, sqlite3_value_int64(argv[1]));
    int64_t d = nanos % NS_PER_DAY;
    if (sign < 0) d = -d;
    int64_t t = (sqlite3_value_int64(argv[2]) % MS_PER_DAY) * 1000000;
    int64_t r = ((t + d) % NS_PER_DAY + NS_PER_DAY) % NS_PER_DAY;
    sqlite3_result_int64(ctx, r / 1000000);
}

static void fn_timeadd(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    time_shift(ctx, argc, argv, 1);
}

static void fn_timesub(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    time_shift(ctx, argc, argv, -1);
}

static void timestamp_shift(sqlite3_context *ctx, int argc, sqlite3_value **argv, int sign) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    int64_t unit;
    if (!unit_arg(ctx, argv[0], &unit)) return;
    int64_t delta = to_millis(unit, sqlite3_value_int64(argv[1]));
    int64_t ms = sqlite3_value_int64(argv[2]);
    /* new Timestamp(ms + delta): long arithmetic wraps */
    uint64_t r = sign > 0 ? (uint64_t)ms + (uint64_t)delta : (uint64_t)ms - (uint64_t)delta;
    sqlite3_result_int64(ctx, (int64_t)r);
}

static void fn_timestampadd(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    timestamp_shift(ctx, argc, argv, 1);
}

static void fn_timestampsub(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    timestamp_shift(ctx, argc, argv, -1);
}

/* ------------------------------------------------------------------------ */
/* Registration                                                             */

const fn_row eddy_fn_datetime_rows[] = {
    {"CONVERT_TZ", -1, fn_convert_tz},
    {"DATEADD", -1, fn_dateadd},
    {"DATESUB", -1, fn_datesub},
    {"DATETOSTRING", -1, format_date},
    {"FORMAT_DATE", -1, format_date},
    {"FORMAT_TIME", -1, format_time},
    {"FORMAT_TIMESTAMP", -1, format_timestamp},
    {"FROM_DAYS", -1, identity},
    {"FROM_UNIXTIME", -1, identity},
    {"PARSE_DATE", -1, fn_parse_date},
    {"PARSE_TIME", -1, fn_parse_time},
    {"PARSE_TIMESTAMP", -1, parse_timestamp},
    {"STRINGTODATE", -1, fn_stringtodate},
    {"STRINGTOTIMESTAMP", -1, parse_timestamp},
    {"TIMEADD", -1, fn_timeadd},
    {"TIMESTAMPADD", -1, fn_timestampadd},
    {"TIMESTAMPSUB", -1, fn_timestampsub},
    {"TIMESTAMPTOSTRING", -1, format_timestamp},
    {"TIMESUB", -1, fn_timesub},
    {"UNIX_DATE", -1, fn_unix_date},
    {"UNIX_TIMESTAMP", -1, fn_unix_timestamp},
};
const int eddy_fn_datetime_rows_count = (int)(sizeof eddy_fn_datetime_rows / sizeof eddy_fn_datetime_rows[0]);
