/* fn.h - eddy's implementations of ksqlDB's scalar functions (SQLite UDF callbacks).
 *
 * The functions themselves are described by the registry (sql/functions.h,
 * one row per function in sql/functions_builtin.c).  The engine/fn_*.c files
 * implement them as SQLite-shaped callbacks and eddy_functions_register_builtin()
 * hangs every implementation on its registry variant; the expression compiler
 * then registers them into its private SQLite connections.
 *
 * Calling convention (engine/sqlval.h): arguments and results follow the
 * sqlval convention (BOOLEAN integer 0/1, DATE days, TIMESTAMP epoch ms,
 * DECIMAL/ARRAY/MAP/STRUCT as eddy_sqlbox pointer values, ...), and each call
 * site's sqlite3_user_data() is an eddy_fn_call carrying the resolved argument
 * and return types.  An implementation may use call->state for a cache (a
 * compiled regular expression or datetime pattern); it sets state_free so the
 * compiler can free it with the call site.
 *
 * Errors: where ksqlDB's function throws (an invalid pattern, a bad encoding
 * name, an unparsable date), the implementation returns NULL, as ksqlDB's
 * expression evaluation does, and leaves the message in a per-thread slot the
 * caller may take with eddy_fn_error_take() to log it to the processing log.
 * sqlite3_result_error is used only for out-of-memory (SQLITE_NOMEM).
 *
 * Time zones: "UTC", "Z", "GMT", "UT", fixed offsets ("+05:30", "-08",
 * "UTC+1", "GMT-08:00") and region ids read from the system tz database
 * (/usr/share/zoneinfo, or $TZDIR) by eddy's own TZif reader; zones are
 * loaded once and cached for the life of the process.  Where ksqlDB uses the
 * JVM's default zone, eddy uses UTC.
 */
#ifndef EDDY_ENGINE_FN_H
#define EDDY_ENGINE_FN_H

#include "base/error.h"
#include "base/strbuf.h"

#include <stddef.h>
#include <stdint.h>

/* Attaches every implemented function variant to the registry.  Idempotent
 * and thread-safe (the work is done once, under pthread_once); call it at
 * start-up before the registry is read by other threads.  Returns 0, or the
 * first error (EDDY_INTERNAL when a registry row and its implementation do
 * not match, with err naming it). */
int eddy_functions_register_builtin(eddy_err *err);

/* Number of (function, variant) pairs that have an implementation after
 * eddy_functions_register_builtin, and the number of distinct functions. */
int eddy_functions_builtin_impl_count(int *nfunctions);

/* Takes the message of the last function error on this thread (see the top
 * of this file), or NULL when there was none since the last take.  The
 * returned string belongs to the thread's slot and stays valid until the next
 * function call on this thread. */
const char *eddy_fn_error_take(void);

/* The clock UNIX_TIMESTAMP() and UNIX_DATE() read: milliseconds since the
 * epoch.  NULL restores the system clock (CLOCK_REALTIME).  For the
 * deterministic test driver; set it before queries run. */
void eddy_fn_set_clock(int64_t (*now_ms)(void *ud), void *ud);

/* ---- Java DateTimeFormatter patterns ------------------------------------ */

/* Parses text (len bytes, not NUL-terminated) with a java.time
 * DateTimeFormatter pattern (e.g. "yyyy-MM-dd'T'HH:mm:ss.SSSX") into
 * milliseconds since the epoch, as ksqlDB's StringToTimestampParser does:
 * fields missing from the pattern default to 1970-01-01T00:00:00.000, and the
 * local date-time is placed in the zone parsed from the text, else in `zone`
 * (NULL means UTC).  Returns 0, EDDY_INVAL (bad pattern, text that does not
 * match, invalid zone), EDDY_UNSUPPORTED (a week-based pattern letter) or
 * EDDY_NOMEM, with err saying why.  The last pattern used is kept compiled
 * per thread, so parsing record after record with one pattern compiles it
 * once (eddy_dtpattern_* below avoid even the comparison). */
int eddy_datetime_parse(const char *pattern, const char *text, size_t len, const char *zone, int64_t *ms,
                        eddy_err *err);

/* Appends ms (epoch milliseconds) formatted with a DateTimeFormatter pattern
 * in `zone` (NULL means UTC) to out.  Returns 0, EDDY_INVAL or EDDY_NOMEM. */
int eddy_datetime_format(const char *pattern, int64_t ms, const char *zone, eddy_strbuf *out, eddy_err *err);

/* A compiled pattern, for callers that parse or format many values with the
 * same pattern (the runtime's TIMESTAMP_FORMAT).  Owned by the caller. */
typedef struct eddy_dtpattern eddy_dtpattern;

int eddy_dtpattern_compile(const char *pattern, eddy_dtpattern **out, eddy_err *err);
void eddy_dtpattern_free(eddy_dtpattern *p);
/* The pattern text it was compiled from (owned by p). */
const char *eddy_dtpattern_text(const eddy_dtpattern *p);
int eddy_dtpattern_parse(const eddy_dtpattern *p, const char *text, size_t len, const char *zone, int64_t *ms,
                         eddy_err *err);
int eddy_dtpattern_format(const eddy_dtpattern *p, int64_t ms, const char *zone, eddy_strbuf *out, eddy_err *err);

#endif
