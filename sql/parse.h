/* parse.h - turning SQL text into statements (lexer + Lemon grammar).
 *
 * eddy_parse parses one or more ';'-separated statements.  The nodes are
 * allocated in `arena` (owned by the caller, who destroys it after use).
 * On a syntax error it returns EDDY_PARSE and fills err with the line and
 * column of the offending token and a message of the form
 *   "line 1:8: Syntax error at or near 'FORM'. Expecting one of: FROM, ..."
 * Statements the grammar knows but eddy cannot execute are parsed normally;
 * refusing them is the executor's job.
 */
#ifndef EDDY_SQL_PARSE_H
#define EDDY_SQL_PARSE_H

#include "base/arena.h"
#include "base/error.h"
#include "sql/ast.h"

/* stmts receives eddy_stmt* in order.  Returns 0, EDDY_PARSE or EDDY_NOMEM. */
int eddy_parse(const char *sql, eddy_arena *arena, eddy_list *stmts, eddy_err *err);

/* Parses exactly one type ("ARRAY<STRUCT<A INT>>"), e.g. for schema strings
 * in tests.  The type is kept alive by the arena. */
int eddy_parse_type(const char *text, eddy_arena *arena, eddy_type **out, eddy_err *err);

/* Parses a single expression ("A + 1"). */
int eddy_parse_expr(const char *text, eddy_arena *arena, eddy_expr **out, eddy_err *err);

#endif
