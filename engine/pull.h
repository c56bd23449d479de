/* pull.h - pull queries on tables (SELECT ... FROM table [WHERE ...] [LIMIT n] without EMIT CHANGES).
 *
 * Planning (eddy_pull_plan) does what ksqlDB checks of a pull query on a
 * table, with its messages, and works out how to read the table:
 *
 *   - the result columns: `SELECT *` is the key columns, WINDOWSTART and
 *     WINDOWEND when the table is windowed, then the value columns (never
 *     ROWTIME); an explicit projection keeps its order, and bare key columns
 *     and window bounds are marked KEY (ns EDDY_COL_KEY) for the header;
 *   - the WHERE clause, typed over the table's columns, ROWTIME and (windowed
 *     tables) WINDOWSTART/WINDOWEND as BIGINT columns; text timestamps
 *     compared with a window bound are read as epoch milliseconds;
 *   - key lookups: when every disjunct of the WHERE (in disjunctive normal
 *     form) fixes every key column with `=` or IN to constant expressions,
 *     the table is read key by key (values coerced to the key types), with
 *     the WINDOWSTART bounds of those disjuncts; otherwise it is read whole.
 *     With ksql.query.pull.table.scan.enabled=false only such queries are
 *     accepted (plus window bounds and other filters ANDed on).
 *
 * Running (eddy_pull_run) reads the rows through a callback (the engine's
 * eddy_engine_table_read; tests pass their own), evaluates WHERE and the
 * projection over them with eddy_exprs, and applies LIMIT to the rows in
 * ksqlDB's scan order: partition by partition, and within a partition by
 * the serialized key bytes (then window start).
 */
#ifndef EDDY_ENGINE_PULL_H
#define EDDY_ENGINE_PULL_H

#include "base/error.h"
#include "schemas/types.h"
#include "schemas/value.h"
#include "sql/ast.h"
#include "sql/catalog.h"

#include <stdbool.h>
#include <stdint.h>

/* The ksqlDB help text that ends the messages about clauses pull queries
 * refuse ("Pull queries don't support GROUP BY clauses." + this). */
#define EDDY_PULL_HINT                                                                                                  \
    " See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query."

/* Checks every pull query makes (on streams too) before anything else:
 * JOIN, WINDOW, GROUP BY, PARTITION BY and HAVING are refused, and so are
 * ROWPARTITION and ROWOFFSET in SELECT or WHERE (unless schema, which may be
 * NULL, has a column of that name).  Returns 0 or EDDY_ANALYSIS. */
int eddy_pull_check(const eddy_query *q, const eddy_schema *schema, eddy_err *err);

typedef struct eddy_pull_settings {
    bool table_scan_enabled;   /* ksql.query.pull.table.scan.enabled (ksqlDB's default: true) */
} eddy_pull_settings;

typedef struct eddy_pull eddy_pull;

/* Plans the pull query q on the table `table` (borrowed during the call; what
 * is needed is copied, q's expressions are referenced: q's arena must
 * outlive the plan).  Runs eddy_pull_check first.  *out is owned by the
 * caller (eddy_pull_destroy).  EDDY_ANALYSIS with ksqlDB's messages;
 * EDDY_UNSUPPORTED for expressions eddy cannot compile yet. */
int eddy_pull_plan(const eddy_source *table, const eddy_query *q, const eddy_pull_settings *settings, eddy_pull **out,
                   eddy_err *err);
/* NULL is a no-op. */
void eddy_pull_destroy(eddy_pull *p);

/* The result columns (borrowed from p): names, types, EDDY_COL_KEY on bare
 * key columns and window bounds. */
const eddy_schema *eddy_pull_columns(const eddy_pull *p);
/* The table's name as resolved (borrowed from p). */
const char *eddy_pull_table(const eddy_pull *p);

/* How the plan reads the table: the number of key lookups, or -1 when it
 * reads the whole table (once). */
int eddy_pull_nlookups(const eddy_pull *p);
/* Lookup i (0 <= i < nlookups): the key columns' values (borrowed, the
 * table's key column count of them) and the window-start bounds
 * [*wlo, *whi].  For the whole-table read, i = -1 gives NULL and its bounds. */
const eddy_value *eddy_pull_lookup(const eddy_pull *p, int i, int64_t *wlo, int64_t *whi);

/* Reads rows of table `name` into out (out->ncols = the table's column
 * count): key NULL for every row, else the rows of that key; windows
 * starting in [wlo, whi].  Returns 0 or an error with a message. */
typedef int (*eddy_pull_read_fn)(void *ud, const char *name, const eddy_value *key, int64_t wlo, int64_t whi,
                                 eddy_batch *out, eddy_err *err);

typedef struct eddy_pull_source {
    eddy_pull_read_fn read;
    void *ud;
    int32_t partitions;        /* of the table's topic (>= 1; for rows that do not say theirs) */
} eddy_pull_source;

/* Runs p: the result rows are appended to out (out->ncols = the column count
 * of eddy_pull_columns), LIMIT applied; *limit_reached (may be NULL) tells
 * whether LIMIT cut the result.  A plan runs once at a time (it owns its
 * compiled expressions) but may run again.  Returns 0 or the read's error
 * (e.g. EDDY_NOTFOUND: the table isn't queryable). */
int eddy_pull_run(eddy_pull *p, const eddy_pull_source *src, eddy_batch *out, bool *limit_reached, eddy_err *err);

/* ksqlDB's text timestamps for window bounds: yyyy[-MM[-dd[Thh[:mm[:ss[.fff]]]]]]
 * with an optional zone (Z, +hh, +hhmm, +hh:mm; UTC without one); missing
 * parts are their first value and hour 24 is the end of the day.  Returns 0
 * or EDDY_INVAL. */
int eddy_pull_parse_timestamp(const char *s, size_t len, int64_t *ms);

#endif
