/* sqlval.h - how eddy values cross into and out of SQLite's VM (expressions and UDFs).
 *
 * Expressions run on SQLite (DESIGN.md decision 4).  Every value crossing the
 * boundary follows one convention, used by the expression compiler, by every
 * function implementation (sql/functions*.c, engine/fn_*.c) and by pull
 * queries:
 *
 *   SQL type            SQLite value
 *   NULL                NULL
 *   BOOLEAN             INTEGER 0 / 1
 *   INT, BIGINT         INTEGER
 *   DOUBLE              REAL
 *   STRING              TEXT (UTF-8)
 *   BYTES               BLOB
 *   DATE                INTEGER: days since 1970-01-01
 *   TIME                INTEGER: milliseconds since midnight
 *   TIMESTAMP           INTEGER: milliseconds since the epoch
 *   DECIMAL, ARRAY,     a pointer value (sqlite3_bind_pointer /
 *   MAP, STRUCT         sqlite3_result_pointer) of type EDDY_SQLVAL_PTR_TYPE
 *                       pointing to an eddy_sqlbox: the eddy_value and the
 *                       arena that owns what it points to
 *
 * A function gets its argument types from the call's resolved signature, not
 * from the SQLite values: the compiler passes an eddy_fn_call (see below) as
 * the function's user data.
 *
 * Two more rules (see sqlval.c):
 *  - SQLite turns a REAL NaN into NULL, so a DOUBLE NaN crosses as a pointer
 *    value too; eddy_sqlval_result / _result_double / _bind / _get handle it,
 *    so implementations should return doubles with those, never with
 *    sqlite3_result_double directly.
 *  - A pointer value looks NULL to SQLite (sqlite3_value_type() says
 *    SQLITE_NULL): test NULL with eddy_sqlval_get (kind EDDY_V_NULL).
 *  - A row-level failure (bad input for this row) is reported with
 *    eddy_sqlval_result_error, which makes the result NULL and sends the
 *    message to the query's processing log; sqlite3_result_error would stop
 *    the whole batch instead.
 */
#ifndef EDDY_ENGINE_SQLVAL_H
#define EDDY_ENGINE_SQLVAL_H

#include "schemas/value.h"

#include <sqlite3.h>

#define EDDY_SQLVAL_PTR_TYPE "eddy_value"

/* A complex value handed to SQLite as a pointer.  The box and its arena are
 * freed by SQLite's destructor (eddy_sqlbox_free) when SQLite is done. */
typedef struct eddy_sqlbox {
    eddy_value value;
    eddy_arena *arena; /* owns value's memory; may be shared (refcount) */
    int refs;
} eddy_sqlbox;

void eddy_sqlbox_free(void *box);

/* Sets a UDF's result from v, a value of SQL type t.  Complex values are
 * deep-copied into a new box.  Never fails visibly: on allocation failure
 * it reports SQLITE_NOMEM through ctx. */
void eddy_sqlval_result(sqlite3_context *ctx, const eddy_value *v, const eddy_type *t);
/* Binds v (of SQL type t) to parameter i of stmt.  Returns a SQLite code. */
int eddy_sqlval_bind(sqlite3_stmt *stmt, int i, const eddy_value *v, const eddy_type *t);
/* Reads a SQLite value of SQL type t into *out; strings, blobs and complex
 * values are copied into a.  Returns 0, or EDDY_INVAL when the SQLite value
 * does not hold a value of that type.  a may be NULL: then nothing is copied
 * and *out points into SQLite's memory, valid until sv changes (for a UDF:
 * until it returns). */
int eddy_sqlval_get(sqlite3_value *sv, const eddy_type *t, eddy_arena *a, eddy_value *out);
/* The same for a result column of a stepped statement. */
int eddy_sqlval_column(sqlite3_stmt *stmt, int i, const eddy_type *t, eddy_arena *a, eddy_value *out);

/* A DOUBLE result (NaN included). */
void eddy_sqlval_result_double(sqlite3_context *ctx, double d);
/* A row-level failure: the result is NULL and msg (copied) goes to the
 * processing log of the query being evaluated. */
void eddy_sqlval_result_error(sqlite3_context *ctx, const char *msg);
/* An arena that lives until the current batch is evaluated (NULL outside an
 * evaluation): a UDF may build its complex result there and return it with
 * eddy_sqlval_result (which then still copies) - or allocate scratch data. */
eddy_arena *eddy_sqlval_scratch(sqlite3_context *ctx);

/* What the compiler gives each UDF call site as its sqlite3_user_data: the
 * resolved variant's argument and return types (borrowed, alive as long as
 * the compiled expression).  arg_types has one entry per argument of the
 * call (a variadic parameter's arguments each have theirs); arguments always
 * arrive of exactly these types (the compiler casts them).  Unless the
 * function has EDDY_FN_CALLED_ON_NULL, the implementation is not called when
 * an argument is NULL.  state is freed with state_free when the compiled
 * expression is destroyed. */
typedef struct eddy_fn_call {
    const char *name;
    int nargs;
    eddy_type **arg_types;
    eddy_type *return_type;
    void *state;            /* for the implementation's own use (e.g. a compiled regex cache) */
    void (*state_free)(void *state);
    void *impl_user;        /* the attached eddy_function_impl's fi_user */
} eddy_fn_call;

#endif
