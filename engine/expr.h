/* expr.h - typing and evaluation of SQL expressions (ksqlDB's semantics on SQLite's VM).
 *
 * Two steps, as in a compiler:
 *   1. typing (eddy_expr_typeof): resolve column names against a scope, check
 *      types with ksqlDB's rules and messages, and give each expression its SQL
 *      type;
 *   2. compilation (eddy_exprs_compile): turn a filter and a list of
 *      projections into one prepared SQLite statement that reads the rows of a
 *      batch through a virtual table, with ksqlDB's functions and eddy's
 *      operator semantics registered as UDFs; eddy_exprs_eval runs it over a
 *      batch.
 *
 * A compiled eddy_exprs owns a private in-memory SQLite connection and belongs
 * to one task (one thread) at a time.
 */
#ifndef EDDY_ENGINE_EXPR_H
#define EDDY_ENGINE_EXPR_H

#include "base/error.h"
#include "schemas/value.h"
#include "schemas/types.h"
#include "sql/ast.h"

/* Pseudo columns a scope may offer, resolved by name like columns. */
enum {
    EDDY_PSEUDO_ROWTIME = 1 << 0,      /* BIGINT: row->ts */
    EDDY_PSEUDO_ROWPARTITION = 1 << 1, /* INT: row->partition */
    EDDY_PSEUDO_ROWOFFSET = 1 << 2,    /* BIGINT: row->offset */
    EDDY_PSEUDO_WINDOW = 1 << 3,       /* WINDOWSTART, WINDOWEND: BIGINT columns of the schema */
};

/* One source visible in a scope (a FROM item): its name and alias, and where
 * its columns sit in the input row. */
typedef struct eddy_scope_source {
    const char *name;          /* source name ("INPUT") */
    const char *alias;         /* alias, or NULL */
    const eddy_schema *schema; /* its columns */
    int first_col;             /* index in the input row of schema->cols[0] */
} eddy_scope_source;

/* What expressions may reference: the columns of one or more sources laid
 * out side by side in the input row, plus pseudo columns. */
typedef struct eddy_expr_scope {
    int nsources;
    const eddy_scope_source *sources;
    unsigned pseudo;           /* EDDY_PSEUDO_* available */
    int ncols;                 /* values per input row */
} eddy_expr_scope;

/* The SQL type of e in scope (a new reference in *out), or EDDY_ANALYSIS with
 * ksqlDB's message (e.g. "WHERE column 'BOB' cannot be resolved.").  `clause`
 * names the clause for messages: "WHERE", "SELECT", "PARTITION BY", ... */
int eddy_expr_typeof(const eddy_expr_scope *scope, const eddy_expr *e, const char *clause, eddy_type **out,
                     eddy_err *err);

/* ksqlDB's name for an unaliased select expression: a column keeps its name,
 * a struct dereference A->B->C becomes C, anything else gets
 * KSQL_COL_<n> with n = position among the generated names.  Heap string. */
char *eddy_expr_default_name(const eddy_expr *e, int position);

typedef struct eddy_exprs eddy_exprs;

/* A row-level failure while evaluating (e.g. a division by zero, a function
 * that failed): ksqlDB writes NULL for that expression and logs the error to
 * the processing log; the callback is how the operator hears of it. */
typedef void (*eddy_expr_error_fn)(void *ud, const eddy_row *row, const char *message);

/* Compiles `where` (may be NULL) and n projections over scope.  types
 * receives the n result types (new references, caller unrefs) when not NULL.
 * *out is owned by the caller.  Messages name the clause "WHERE" for the
 * filter and "SELECT" for projections (type other clauses with
 * eddy_expr_typeof first).  A call of a registry function without an
 * attached implementation gives EDDY_UNSUPPORTED ("Function X is not
 * supported yet by eddy"); aggregate and table functions cannot be compiled
 * here (eddy_expr_typeof types them). */
int eddy_exprs_compile(const eddy_expr_scope *scope, const eddy_expr *where, const eddy_expr *const *exprs, int n,
                       eddy_exprs **out, eddy_type **types, eddy_err *err);
void eddy_exprs_destroy(eddy_exprs *x);
/* The SQLite statement x runs (for tests and EXPLAIN-like debugging); owned by x. */
const char *eddy_exprs_sql(const eddy_exprs *x);

/* For every row of in that passes the filter, appends a row to out with the n
 * projected values (out->ncols must be n), copying ts, partition, offset and
 * headers.  Values are written into out's arena.  Returns 0, or an error that
 * stops the query (out of memory, SQLite failure); row-level failures go to
 * on_error (may be NULL) and give NULL values. */
int eddy_exprs_eval(eddy_exprs *x, const eddy_batch *in, eddy_batch *out, eddy_expr_error_fn on_error, void *ud);

/* Evaluates a constant expression (no column references: INSERT VALUES,
 * literals in WITH): *out in a, of type *type (new reference; NULL for a bare
 * NULL literal, which has no type).  Literals are read without SQLite; other
 * expressions are compiled and run once.  A row-level failure (1 / 0, a bad
 * CAST) gives EDDY_INVAL with the message. */
int eddy_expr_eval_const(const eddy_expr *e, eddy_arena *a, eddy_value *out, eddy_type **type, eddy_err *err);

#endif
