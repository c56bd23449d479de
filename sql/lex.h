/* lex.h - the SQL lexer and the parse context shared by lexer, grammar and driver.
 *
 * The lexer is hand-written: it turns SQL text into tokens whose codes are the
 * TK_* values of the Lemon grammar (grammar.h).  Keywords are matched without
 * regard to case; identifiers are not copied here (the grammar's builders
 * make arena copies, upper-cased unless quoted).
 *
 * The second half declares the parse context (eddy_parse_ctx) and the
 * builders the grammar's one-line actions call (implemented in ast.c).  These
 * are internal to the parser: the rest of eddy uses parse.h and ast.h.
 */
#ifndef EDDY_SQL_LEX_H
#define EDDY_SQL_LEX_H

#include "base/error.h"
#include "sql/ast.h"

#include <stdbool.h>
#include <stddef.h>

/* Limits that keep the parser safe on hostile input. */
#define EDDY_PARSE_MAX_NESTING 200  /* open '(' and '[' at once */
#define EDDY_PARSE_MAX_DEPTH 500    /* depth of an expression tree */

typedef struct eddy_token {
    int type;        /* TK_* code; 0 at the end of the input */
    const char *z;   /* first byte in the source (not NUL-terminated) */
    int n;           /* length in bytes */
    int line, col;   /* 1-based position of the first byte */
    int off;         /* byte offset of the first byte */
    bool nonreserved; /* a keyword that may also be an identifier */
} eddy_token;

typedef struct eddy_lexer {
    const char *src;
    size_t len;
    size_t pos;
    int line;
    size_t line_start; /* offset of the first byte of the current line */
} eddy_lexer;

/* src must stay alive while tokens are used; it need not be NUL-terminated. */
void eddy_lex_init(eddy_lexer *lx, const char *src, size_t len);

/* Reads the next token into tok (type 0 at the end).  Returns 0, or
 * EDDY_PARSE with err set ("line L:C: ...") for an unterminated string,
 * identifier or comment, an unexpected character or a ${variable}. */
int eddy_lex_next(eddy_lexer *lx, eddy_token *tok, eddy_err *err);

/* Keyword code for name[0..n) (any case), or 0 when it is not a keyword. */
int eddy_lex_keyword(const char *name, size_t n);
/* True when keyword token `type` may also be used as an identifier. */
bool eddy_lex_nonreserved(int type);
/* True when an (already upper-cased) name is a reserved word and must be
 * back-quoted when printed. */
bool eddy_lex_is_reserved(const char *name);
/* How a token code is spelled in error messages: "FROM", "','",
 * "identifier", "end of input"; NULL for internal codes. */
const char *eddy_lex_token_name(int type);

/* ---- parse context and grammar builders (internal) -------------------- */

typedef enum eddy_parse_mode { EDDY_PMODE_STMTS, EDDY_PMODE_EXPR, EDDY_PMODE_TYPE } eddy_parse_mode;

typedef struct eddy_parse_ctx {
    eddy_arena *arena;
    eddy_err *err;
    int rc;                /* 0, or the first error (EDDY_PARSE, EDDY_NOMEM) */
    eddy_list stmts;       /* eddy_stmt*, in order */
    eddy_expr *expr;       /* EDDY_PMODE_EXPR result */
    eddy_type *type;       /* EDDY_PMODE_TYPE result (kept by the arena) */
    eddy_expr *pending_min; /* literal 9223372036854775808 waiting for a '-' */
    eddy_pos cur;          /* position of the token being parsed (for errors without one) */
} eddy_parse_ctx;

/* Records an error at tok's position (the first one wins); always returns
 * NULL so builders can `return eddy_ast_error(...)`.  A position with line 0
 * means the current token's. */
void *eddy_ast_error(eddy_parse_ctx *p, const eddy_token *tok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void *eddy_ast_error_at(eddy_parse_ctx *p, eddy_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void *eddy_ast_nomem(eddy_parse_ctx *p);

static inline eddy_pos eddy_tok_pos(eddy_token t) { return (eddy_pos){t.line, t.col}; }

/* Names and literals. */
const char *eddy_ast_name(eddy_parse_ctx *p, eddy_token t);  /* upper-cased unless quoted */
bool eddy_ast_name_quoted(eddy_token t);
const char *eddy_ast_string(eddy_parse_ctx *p, eddy_token t); /* 'x''y' -> x'y */
eddy_list eddy_ast_append(eddy_parse_ctx *p, eddy_list l, void *item);
eddy_list eddy_ast_list1(eddy_parse_ctx *p, void *item);
eddy_list eddy_ast_prepend(eddy_parse_ctx *p, void *item, eddy_list l);

/* Expressions. */
eddy_expr *eddy_ast_literal(eddy_parse_ctx *p, eddy_token t);  /* any literal token */
eddy_expr *eddy_ast_number(eddy_parse_ctx *p, bool negative, eddy_token t);
eddy_expr *eddy_ast_column(eddy_parse_ctx *p, const eddy_token *qualifier, eddy_token name);
eddy_expr *eddy_ast_deref(eddy_parse_ctx *p, eddy_expr *base, eddy_token field);
eddy_expr *eddy_ast_subscript(eddy_parse_ctx *p, eddy_expr *base, eddy_expr *index);
eddy_expr *eddy_ast_func(eddy_parse_ctx *p, eddy_token name, eddy_list args, bool star, bool distinct);
eddy_expr *eddy_ast_lambda(eddy_parse_ctx *p, eddy_pos pos, eddy_list params, eddy_expr *body);
eddy_expr *eddy_ast_cast(eddy_parse_ctx *p, eddy_token kw, eddy_expr *arg, eddy_type *type);
/* whens alternates condition, result. */
eddy_expr *eddy_ast_case(eddy_parse_ctx *p, eddy_token kw, eddy_expr *operand, eddy_list whens, eddy_expr *else_);
eddy_expr *eddy_ast_unary(eddy_parse_ctx *p, eddy_token op, eddy_expr *arg);
eddy_expr *eddy_ast_binary(eddy_parse_ctx *p, eddy_binop op, eddy_expr *l, eddy_expr *r);
eddy_expr *eddy_ast_like(eddy_parse_ctx *p, eddy_expr *arg, eddy_expr *pattern, const eddy_token *escape, bool negated);
eddy_expr *eddy_ast_between(eddy_parse_ctx *p, eddy_expr *arg, eddy_expr *lo, eddy_expr *hi, bool negated);
eddy_expr *eddy_ast_in(eddy_parse_ctx *p, eddy_expr *arg, eddy_list list, bool negated);
eddy_expr *eddy_ast_is_null(eddy_parse_ctx *p, eddy_expr *arg, bool negated);
eddy_expr *eddy_ast_is_distinct(eddy_parse_ctx *p, eddy_expr *l, eddy_expr *r, bool negated);
eddy_expr *eddy_ast_array(eddy_parse_ctx *p, eddy_token kw, eddy_list items);
/* entries alternates key, value. */
eddy_expr *eddy_ast_map(eddy_parse_ctx *p, eddy_token kw, eddy_list entries);
/* entries alternates name (const char *), value. */
eddy_expr *eddy_ast_struct(eddy_parse_ctx *p, eddy_token kw, eddy_list entries);
eddy_expr *eddy_ast_star(eddy_parse_ctx *p, const eddy_token *qualifier, eddy_token star);

/* Types (kept alive by the arena). */
eddy_type *eddy_ast_type_named(eddy_parse_ctx *p, eddy_token name, const eddy_list *params);
eddy_type *eddy_ast_type_array(eddy_parse_ctx *p, eddy_type *elem);
eddy_type *eddy_ast_type_map(eddy_parse_ctx *p, eddy_token kw, eddy_type *key, eddy_type *value);
/* fields alternates name (const char *), type (eddy_type *). */
eddy_type *eddy_ast_type_struct(eddy_parse_ctx *p, eddy_list fields);

/* Queries. */
eddy_duration eddy_ast_duration(eddy_parse_ctx *p, eddy_token n, int unit);
eddy_window *eddy_ast_window_opt(eddy_parse_ctx *p, eddy_window *w, char which, eddy_token kw, eddy_duration d);
eddy_window *eddy_ast_window(eddy_parse_ctx *p, eddy_window *w, eddy_window_kind kind, eddy_token kw,
                             eddy_duration size, const eddy_duration *advance);
eddy_join *eddy_ast_within(eddy_parse_ctx *p, eddy_token kw, eddy_duration before, const eddy_duration *after,
                           const eddy_duration *grace);
eddy_select_item *eddy_ast_item(eddy_parse_ctx *p, eddy_expr *e, const eddy_token *alias);
eddy_source_ref eddy_ast_source(eddy_parse_ctx *p, eddy_token name, const eddy_token *alias);
eddy_query *eddy_ast_from(eddy_parse_ctx *p, eddy_source_ref from);
eddy_query *eddy_ast_join(eddy_parse_ctx *p, eddy_query *q, eddy_join_kind kind, eddy_source_ref right,
                          eddy_join *within, eddy_expr *on);
eddy_query *eddy_ast_query_finish(eddy_parse_ctx *p, eddy_token select, eddy_list items, eddy_query *q,
                                  eddy_window *window, eddy_expr *where, eddy_list group_by,
                                  eddy_list partition_by, eddy_expr *having, int emit, eddy_expr *limit);

/* Statements. */
eddy_stmt *eddy_ast_add_stmt(eddy_parse_ctx *p, eddy_stmt *s);
eddy_property *eddy_ast_property(eddy_parse_ctx *p, eddy_token name, eddy_expr *value);
/* ns: eddy_col_ns; header: the HEADER('k') string token or NULL. */
eddy_table_element *eddy_ast_constraint(eddy_parse_ctx *p, int ns, bool primary, const eddy_token *header);
eddy_table_element *eddy_ast_element(eddy_parse_ctx *p, eddy_token name, eddy_type *type, eddy_table_element *c);
/* flags of CREATE: */
#define EDDY_AST_OR_REPLACE 1
#define EDDY_AST_SOURCE 2
eddy_stmt *eddy_ast_create_source(eddy_parse_ctx *p, eddy_token create, int flags, int kind, bool if_not_exists,
                                  eddy_token name, eddy_list elements, eddy_list props);
eddy_stmt *eddy_ast_create_as(eddy_parse_ctx *p, eddy_token create, int flags, int kind, bool if_not_exists,
                              eddy_token name, eddy_list props, eddy_query *q);
eddy_stmt *eddy_ast_create_connector(eddy_parse_ctx *p, eddy_token create, int flags, bool is_source,
                                     eddy_token kw, bool if_not_exists, eddy_token name, eddy_list props);
eddy_stmt *eddy_ast_create_type(eddy_parse_ctx *p, eddy_token create, int flags, bool if_not_exists,
                                eddy_token name, eddy_type *type);
eddy_stmt *eddy_ast_insert_select(eddy_parse_ctx *p, eddy_token kw, eddy_token target, eddy_list props, eddy_query *q);
eddy_stmt *eddy_ast_insert_values(eddy_parse_ctx *p, eddy_token kw, eddy_token target, eddy_list columns,
                                  eddy_list values);
eddy_stmt *eddy_ast_query_stmt(eddy_parse_ctx *p, eddy_query *q);
eddy_stmt *eddy_ast_show(eddy_parse_ctx *p, eddy_token kw, eddy_show_what what, bool extended, int variant);
eddy_stmt *eddy_ast_describe(eddy_parse_ctx *p, eddy_token kw, eddy_stmt_kind kind, const eddy_token *name,
                             int source_kind, bool extended);
eddy_stmt *eddy_ast_drop(eddy_parse_ctx *p, eddy_token kw, eddy_stmt_kind kind, int source_kind, bool if_exists,
                         eddy_token name, bool delete_topic);
/* SET, UNSET, ALTER SYSTEM, DEFINE, UNDEFINE: name and value tokens
 * (strings are unquoted; identifiers upper-cased); value may be NULL. */
eddy_stmt *eddy_ast_set(eddy_parse_ctx *p, eddy_token kw, eddy_stmt_kind kind, eddy_token name,
                        const eddy_token *value);
eddy_stmt *eddy_ast_control(eddy_parse_ctx *p, eddy_token kw, eddy_stmt_kind kind, const eddy_token *query_id);
eddy_stmt *eddy_ast_explain(eddy_parse_ctx *p, eddy_token kw, const eddy_token *query_id, eddy_stmt *stmt);
/* PRINT: interval/limit are INT literal exprs or NULL. */
eddy_stmt *eddy_ast_print(eddy_parse_ctx *p, eddy_token kw, eddy_token topic, bool from_beginning,
                          eddy_expr *interval, eddy_expr *limit);
eddy_stmt *eddy_ast_run_script(eddy_parse_ctx *p, eddy_token kw, eddy_token path);
/* ASSERT: kind TOPIC/SCHEMA/STREAM; name/subject tokens may be NULL; id
 * is an INT literal expr or NULL. */
eddy_stmt *eddy_ast_assert(eddy_parse_ctx *p, eddy_token kw, eddy_stmt_kind kind, bool not_exists, int source_kind,
                           const eddy_token *name, eddy_list props, const eddy_token *subject, eddy_expr *id,
                           eddy_duration timeout);
eddy_stmt *eddy_ast_alter(eddy_parse_ctx *p, eddy_token kw, int source_kind, eddy_token name, eddy_list elements);

#endif
