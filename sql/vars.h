/* vars.h - session variables (DEFINE/UNDEFINE), ${name} substitution and statement splitting.
 *
 * Variable names are case-insensitive (stored upper-cased), as in ksqlDB.
 * Substitution replaces ${name} anywhere in a statement's text, string
 * literals included, before it is parsed.
 */
#ifndef EDDY_SQL_VARS_H
#define EDDY_SQL_VARS_H

#include "base/error.h"

#include <stddef.h>

typedef struct eddy_vars eddy_vars;

eddy_vars *eddy_vars_new(void);
void eddy_vars_destroy(eddy_vars *v);
eddy_vars *eddy_vars_copy(const eddy_vars *v);
/* Copies name and value.  Returns 0 or EDDY_NOMEM. */
int eddy_vars_set(eddy_vars *v, const char *name, const char *value);
/* Returns 0, or EDDY_NOTFOUND when the variable was not defined. */
int eddy_vars_unset(eddy_vars *v, const char *name);
/* Borrowed value or NULL. */
const char *eddy_vars_get(const eddy_vars *v, const char *name);
int eddy_vars_count(const eddy_vars *v);
/* i-th variable in definition order; name/value borrowed. */
void eddy_vars_at(const eddy_vars *v, int i, const char **name, const char **value);

/* Replaces every ${name} in sql.  *out receives a heap string (caller frees).
 * An undefined variable gives EDDY_ANALYSIS naming it. */
int eddy_vars_substitute(const eddy_vars *v, const char *sql, char **out, eddy_err *err);

/* One statement of a request: its text (';' removed, whitespace trimmed) and
 * where it starts in the request (1-based), to report absolute positions. */
typedef struct eddy_sql_piece {
    char *text;
    int line, col;
    int terminated;     /* 1 when a ';' ended it */
    int end_line, end_col; /* just after its last character */
} eddy_sql_piece;

/* Splits a request into statements at ';' outside quotes and comments.
 * Returns the number of statements (>= 0; empty statements are dropped) and
 * *out an array the caller frees with eddy_sql_split_free, or a negative code
 * (unterminated quote or comment: EDDY_PARSE with position). */
int eddy_sql_split(const char *sql, eddy_sql_piece **out, eddy_err *err);
void eddy_sql_split_free(eddy_sql_piece *stmts, int n);

#endif
