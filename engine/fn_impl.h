/* fn_impl.h - helpers shared by the function implementations (engine/fn_*.c only).
 *
 * Not a public interface: the engine and the expression compiler use
 * engine/fn.h.  Everything here works inside a UDF callback: it reads the
 * call site (eddy_fn_call) from the SQLite context, turns SQLite values into
 * eddy values following engine/sqlval.h, and sets results.
 */
#ifndef EDDY_ENGINE_FN_IMPL_H
#define EDDY_ENGINE_FN_IMPL_H

#include "engine/fn.h"
#include "engine/sqlval.h"
#include "sql/functions.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- registration tables (one per fn_*.c) -------------------------------- */

/* Implementation of variant `variant` of function `name`; variant -1 means
 * every variant of the function (the implementation dispatches itself). */
typedef struct fn_row {
    const char *name;
    int variant;
    eddy_fn_xfunc func;
} fn_row;

#define FN_ROWS(sym) extern const fn_row sym[]; extern const int sym##_count
FN_ROWS(eddy_fn_math_rows);
FN_ROWS(eddy_fn_string_rows);
FN_ROWS(eddy_fn_regex_rows);
FN_ROWS(eddy_fn_datetime_rows);
FN_ROWS(eddy_fn_json_rows);
FN_ROWS(eddy_fn_collections_rows);
FN_ROWS(eddy_fn_misc_rows);
#undef FN_ROWS

/* ---- the call site -------------------------------------------------------- */

/* The call site's eddy_fn_call, or NULL when the function was registered
 * without one. */
eddy_fn_call *fn_call(sqlite3_context *ctx);
/* Resolved type of argument i / of the result, or NULL when unknown. */
const eddy_type *fn_arg_type(sqlite3_context *ctx, int i);
const eddy_type *fn_ret_type(sqlite3_context *ctx);

/* A per-thread scratch arena, emptied by this call: results built in it
 * must be handed to SQLite (which copies) before the function returns. */
eddy_arena *fn_scratch(void);

/* Per-call-site cache of one object keyed by text (a compiled pattern).
 * lookup returns the object cached for key, or NULL.  store caches obj for
 * key (freeing the previous one) and returns true, or returns false when
 * there is no call site to cache on: the caller then frees obj itself. */
void *fn_cache_lookup(sqlite3_context *ctx, int slot, const char *key, size_t keylen);
bool fn_cache_store(sqlite3_context *ctx, int slot, const char *key, size_t keylen, void *obj,
                    void (*obj_free)(void *));
#define FN_CACHE_SLOTS 2

/* ---- arguments ------------------------------------------------------------ */

/* True when v is SQL NULL (a pointer value holding an eddy_sqlbox is not). */
bool fn_isnull(sqlite3_value *v);
bool fn_any_null(int argc, sqlite3_value **argv);
/* The boxed value of a complex argument, or NULL when v holds none. */
const eddy_value *fn_box(sqlite3_value *v);
/* Reads argument i as an eddy value (strings and blobs point into SQLite's
 * memory and stay valid during the call).  Uses the declared type when there
 * is one; otherwise infers it from the SQLite value. */
eddy_value fn_arg(sqlite3_context *ctx, sqlite3_value **argv, int i);
/* A DOUBLE argument (a NaN arrives boxed, see engine/sqlval.h); integers
 * convert. */
double fn_double(sqlite3_value *v);
/* Text of a TEXT argument ("" for NULL) and its length in bytes. */
const char *fn_text(sqlite3_value *v, size_t *len);
/* A DECIMAL argument (box, or INTEGER/REAL/TEXT leniently).  False when v
 * holds no decimal. */
bool fn_arg_decimal(sqlite3_value *v, eddy_int128 *unscaled, int *scale);

/* Gives NULL for any NULL argument (functions without EDDY_FN_CALLED_ON_NULL). */
#define FN_NULL_IF_ANY_NULL(ctx, argc, argv)           \
    do {                                               \
        if (fn_any_null((argc), (argv))) {             \
            sqlite3_result_null(ctx);                  \
            return;                                    \
        }                                              \
    } while (0)

/* ---- results -------------------------------------------------------------- */

/* Sets the result from v: primitives directly, complex values through
 * eddy_sqlval_result with the call's return type (or one derived from v). */
void fn_result(sqlite3_context *ctx, const eddy_value *v);
/* A DECIMAL result, rescaled to the return type's scale (HALF_UP) when the
 * call site has one. */
void fn_result_decimal(sqlite3_context *ctx, eddy_int128 unscaled, int scale);
/* Text result copied by SQLite. */
void fn_result_text(sqlite3_context *ctx, const char *s, size_t n);
void fn_result_blob(sqlite3_context *ctx, const void *p, size_t n);
/* A strbuf's contents as a TEXT result (NOMEM when the buffer failed); the
 * buffer is left for the caller to free. */
void fn_result_strbuf(sqlite3_context *ctx, const eddy_strbuf *sb);
/* ksqlDB's function error: NULL result, message kept for eddy_fn_error_take. */
void fn_fail(sqlite3_context *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fn_nomem(sqlite3_context *ctx);

/* ---- values --------------------------------------------------------------- */

/* Java's natural ordering (Comparable.compareTo) of two non-null values of
 * the same kind: Double.compareTo (NaN largest, -0.0 < 0.0), signed bytes
 * for BYTES, code point order for strings, value order for decimals. */
int fn_java_compare(const eddy_value *a, const eddy_value *b);
/* Java's String.compareTo (UTF-16 unit order) of two UTF-8 strings. */
int fn_u16_compare(const char *a, size_t na, const char *b, size_t nb);
/* Java's Objects.equals: NaN equals NaN, 0.0 differs from -0.0, NULL equals
 * NULL; deep for containers. */
bool fn_java_equal(const eddy_value *a, const eddy_value *b);

/* Java's Double.toString(d). */
void fn_java_double(eddy_strbuf *out, double d);
/* BigDecimal.toString() (scientific when the exponent is small) and
 * BigDecimal.toPlainString() of unscaled * 10^-scale. */
void fn_decimal_string(eddy_strbuf *out, eddy_int128 unscaled, int scale, bool plain);
/* Shortest decimal digits of a finite non-zero |d| (as Double.toString
 * prints them): digits[] without leading zeros, *exp10 such that
 * |d| = 0.DIGITS * 10^exp10.  Returns the number of digits. */
int fn_double_digits(double d, char digits[32], int *exp10);

/* 10^n for 0 <= n <= 38. */
eddy_int128 fn_pow10(int n);
/* Rounding modes of java.math.RoundingMode used by the functions. */
enum { FN_ROUND_DOWN, FN_ROUND_FLOOR, FN_ROUND_CEILING, FN_ROUND_HALF_UP, FN_ROUND_HALF_DOWN };
/* x * 10^-from re-expressed with scale `to`, rounding with mode when digits
 * are dropped.  False on overflow. */
bool fn_dec_rescale(eddy_int128 x, int from, int to, int mode, eddy_int128 *out);

/* A growing array of values in an arena (the scratch arena, usually). */
typedef struct fn_vec {
    eddy_value *items;
    uint32_t n, cap;
    eddy_arena *a;
    bool failed;
} fn_vec;

void fn_vec_init(fn_vec *v, eddy_arena *a);
bool fn_vec_push(fn_vec *v, eddy_value x);
/* The ARRAY of the items, or the MAP of the items taken as key, value pairs. */
eddy_value fn_vec_array(const fn_vec *v);
eddy_value fn_vec_map(const fn_vec *v);
/* Puts key -> val into a map under construction (pairs in v): a key already
 * there keeps its place and takes the new value (LinkedHashMap.put). */
bool fn_map_put(fn_vec *v, eddy_value key, eddy_value val);

/* ---- text ----------------------------------------------------------------- */

/* Decodes one UTF-8 code point at s[*i] (advancing *i); malformed input
 * gives U+FFFD and advances one byte. */
uint32_t fn_utf8_next(const char *s, size_t n, size_t *i);
void fn_utf8_put(eddy_strbuf *sb, uint32_t cp);
/* UTF-8 -> UTF-16 code units (Java's String) in a, and back (a lone
 * surrogate becomes '?', as Java's UTF-8 encoder writes it). */
uint16_t *fn_u16_from_utf8(eddy_arena *a, const char *s, size_t n, size_t *len);
void fn_u16_to_utf8(eddy_strbuf *sb, const uint16_t *u, size_t len);
/* Code point at unit i of u (Java's String.codePointAt). */
uint32_t fn_u16_codepoint_at(const uint16_t *u, size_t len, size_t i);
/* Java's String.length(): UTF-16 units of a UTF-8 string. */
size_t fn_utf16_length(const char *s, size_t n);
/* Unicode case mapping of one code point (C.UTF-8 locale tables). */
uint32_t fn_cp_lower(uint32_t cp);
uint32_t fn_cp_upper(uint32_t cp);
/* Character classes, as java.lang.Character.getType sees them (close). */
bool fn_cp_is_upper(uint32_t cp);
bool fn_cp_is_lower(uint32_t cp);
bool fn_cp_is_digit(uint32_t cp);
/* Java's String.toLowerCase / toUpperCase of s into sb. */
void fn_str_lower(eddy_strbuf *sb, const char *s, size_t n);
void fn_str_upper(eddy_strbuf *sb, const char *s, size_t n);
/* ASCII case-insensitive equality with a NUL-terminated word. */
bool fn_ieq(const char *s, size_t n, const char *word);

/* Base64 (RFC 4648) and hex codecs. */
void fn_base64_encode(eddy_strbuf *sb, const unsigned char *p, size_t n, bool mime);
/* Lenient decoding (characters outside the alphabet are skipped, as the
 * MIME and commons-codec decoders do).  Returns false on a malformed tail. */
bool fn_base64_decode(eddy_strbuf *sb, const char *s, size_t n, bool url_alphabet);
void fn_hex_encode(eddy_strbuf *sb, const unsigned char *p, size_t n, bool upper);
/* Strict hex: an even number of digits; upper-case only unless any_case. */
bool fn_hex_decode(eddy_strbuf *sb, const char *s, size_t n, bool any_case);

/* ---- calendar and time zones (fn_datetime_tz.c) -------------------------- */

int64_t fn_floor_div(int64_t a, int64_t b);
/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t fn_days_from_civil(int64_t y, int m, int d);
void fn_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
bool fn_is_leap(int64_t y);
int fn_month_length(int64_t y, int m);

/* A java.time.ZoneId: a fixed offset or a region's rules.  Zones are loaded
 * once and live until the process exits. */
typedef struct fn_zone fn_zone;

/* The zone for a ZoneId text (len bytes), or NULL with err set (EDDY_INVAL:
 * "Unknown time-zone ID: ..." / "Invalid ID for ZoneOffset ..."). */
const fn_zone *fn_zone_get(const char *id, size_t len, eddy_err *err);
const fn_zone *fn_zone_utc(void);
/* The normalized id (ZoneId.getId()). */
const char *fn_zone_id(const fn_zone *z);
bool fn_zone_is_offset(const fn_zone *z);
/* Offset in seconds east of UTC in force at epoch second t; *abbr (may be
 * NULL) gets the zone's abbreviation then ("PST", "UTC", "+05:30"). */
int32_t fn_zone_offset_at(const fn_zone *z, int64_t t, const char **abbr);
/* Offset for a local date-time given as seconds since 1970-01-01T00:00
 * local, by ZonedDateTime.ofLocal's rules: in an overlap the earlier
 * offset, in a gap the offset before it (the time moves forward). */
int32_t fn_zone_offset_for_local(const fn_zone *z, int64_t local);

/* ---- datetime patterns (fn_datetime_format.c) ----------------------------- */

/* What a pattern parse found, before it is placed in a zone. */
typedef struct fn_dt_local {
    bool has_date;        /* a date-based field was parsed */
    bool full_date;       /* enough for a LocalDate (year-month-day or year-day) */
    bool has_time;        /* a time-based field was parsed */
    bool has_hour;        /* enough for a LocalTime */
    int64_t epoch_day;    /* the date, missing fields from 1970-01-01 */
    int64_t nano_of_day;  /* the time, missing fields 0 */
    const fn_zone *zone;  /* zone or offset parsed from the text, or NULL */
} fn_dt_local;

/* Parses text with p.  case_insensitive is DateTimeFormatterBuilder's
 * parseCaseInsensitive (PARSE_DATE, STRINGTODATE). */
int fn_dt_parse(const eddy_dtpattern *p, const char *text, size_t len, bool case_insensitive, fn_dt_local *out,
                eddy_err *err);

/* Which fields a value offers when formatted (LocalDate, LocalTime or
 * ZonedDateTime): a pattern asking for another fails, as in Java. */
enum { FN_DT_DATE = 1, FN_DT_TIME = 2, FN_DT_ZONE = 4, FN_DT_ALL = 7 };
int fn_dt_format(const eddy_dtpattern *p, unsigned avail, int64_t epoch_day, int64_t nano_of_day,
                 const fn_zone *zone, int32_t offset, eddy_strbuf *out, eddy_err *err);

/* ---- JSON text (shared by TO_JSON_STRING and the JSON functions) ---------- */

/* Appends s as a JSON string literal the way Jackson writes it. */
void fn_json_quote(eddy_strbuf *sb, const char *s, size_t n);
/* Appends v (of type t, may be NULL) as ksqlDB's TO_JSON_STRING writes it. */
void fn_json_write_value(eddy_strbuf *sb, const eddy_value *v, const eddy_type *t);

#endif
