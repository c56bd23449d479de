/* expr_int.h - private to the expression compiler (engine/expr_*.c, engine/sqlval.c).
 *
 * Typing (expr_type.c) turns an AST expression into a typed tree (texpr) in
 * which every implicit conversion ksqlDB makes is an explicit CAST node, so
 * that code generation (expr_compile.c) only has to translate each node into
 * SQLite SQL: native operators where SQLite's meaning is ksqlDB's, calls of
 * eddy's operator functions (expr_ops.c) where it is not.  expr_eval.c holds
 * the virtual table over the current batch and the evaluation loop;
 * expr_value.c the value-level helpers (casts, decimals, Java formatting)
 * shared by the operator functions and constant evaluation.
 */
#ifndef EDDY_ENGINE_EXPR_INT_H
#define EDDY_ENGINE_EXPR_INT_H

#include "base/arena.h"
#include "base/error.h"
#include "base/strbuf.h"
#include "engine/expr.h"
#include "engine/sqlval.h"
#include "schemas/types.h"
#include "schemas/value.h"
#include "sql/ast.h"
#include "sql/functions.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- the typed tree -------------------------------------------------------- */

typedef enum tx_op {
    TX_LIT,        /* u.lit (EDDY_V_NULL for NULL; type NULL for an untyped NULL) */
    TX_COL,        /* u.col: index in the input row */
    TX_PSEUDO,     /* u.col: EDDY_PSEUDO_ROWTIME / _ROWPARTITION / _ROWOFFSET */
    TX_LVAR,       /* u.col: lambda variable slot (parameter number in the lambda's statement) */
    TX_NEG,        /* -a[0] */
    TX_NOT,        /* NOT a[0] */
    TX_ARITH,      /* a[0] sub a[1]; both operands already of the result type, except
                      DECIMAL where they are DECIMALs of their own precision */
    TX_CONCAT,     /* a[0] || a[1] (STRING or BYTES, NULL counts as empty) */
    TX_STRPLUS,    /* a[0] + a[1] on strings */
    TX_CMP,        /* a[0] sub a[1] (EDDY_OP_EQ..GE); operands of comparable types */
    TX_AND,
    TX_OR,
    TX_ISNULL,     /* a[0] IS NULL (sub: negated) */
    TX_DISTINCT,   /* a[0] IS DISTINCT FROM a[1] (sub: negated = NOT DISTINCT) */
    TX_LIKE,       /* a[0] LIKE a[1] [ESCAPE a[2]] (sub: negated) */
    TX_BETWEEN,    /* a[0] BETWEEN a[1] AND a[2] (sub: negated) */
    TX_IN,         /* a[0] IN (a[1..n-1]) (sub: negated) */
    TX_CASE,       /* a[2i] WHEN, a[2i+1] THEN, [a[n-1] ELSE when n is odd] */
    TX_CAST,       /* CAST(a[0] AS type) */
    TX_DEREF,      /* a[0]->field u.field */
    TX_SUBSCRIPT,  /* a[0][a[1]] (array or map) */
    TX_ARRAY,      /* ARRAY[a...] (elements of the element type) */
    TX_MAP,        /* MAP(a[0] := a[1], ...) */
    TX_STRUCT,     /* STRUCT(...) a[i] for field i */
    TX_CALL,       /* u.call: a scalar function */
    TX_AGG,        /* an aggregate or table function: typed, never compiled */
    TX_LAMBDA,     /* u.lambda: TRANSFORM / FILTER / REDUCE */
} tx_op;

typedef struct texpr texpr;

/* A call site: the function, the chosen variant and the argument types after
 * the implicit casts (one per argument, variadic arguments expanded). */
typedef struct tx_call {
    const eddy_function *fn;
    int variant;
    eddy_type **argt;
    int nargs;
} tx_call;

/* A lambda function call: kind, and one compiled body per lambda argument. */
enum { TXL_TRANSFORM_ARRAY, TXL_TRANSFORM_MAP, TXL_FILTER_ARRAY, TXL_FILTER_MAP, TXL_REDUCE_ARRAY, TXL_REDUCE_MAP };

typedef struct tx_lambda {
    int kind;
    int nbodies;           /* 1, or 2 for TRANSFORM over a map */
    texpr *body[2];
    int nparams;           /* lambda parameters */
    eddy_type *ptypes[3];  /* their types */
} tx_lambda;

struct texpr {
    tx_op op;
    int sub;
    eddy_type *type;          /* kept alive by the typing arena; NULL: untyped NULL */
    const eddy_expr *src;
    int n;
    texpr **a;
    union {
        eddy_value lit;
        int col;
        int field;
        tx_call call;
        tx_lambda lambda;
    } u;
};

/* Typing context.  Everything (nodes, types) lives in `arena`. */
typedef struct tx_lvar {
    const char *name;
    eddy_type *type;
    int slot;
} tx_lvar;

typedef struct tctx {
    const eddy_expr_scope *scope;
    const char *clause;
    eddy_err *err;
    eddy_arena *arena;
    tx_lvar lvars[16];
    int nlvars;
    int nslots;          /* lambda slots used so far */
    int in_lambda;       /* >0 while typing a lambda body */
} tctx;

/* Types e; *out lives as long as c->arena. */
int eddy_tx_build(tctx *c, const eddy_expr *e, texpr **out);
/* Keeps t alive until the arena is destroyed (takes the reference). NULL on NOMEM. */
eddy_type *eddy_tx_keep(eddy_arena *a, eddy_type *t);

/* ---- compiled expressions ----------------------------------------------------- */

/* Per-call-site user data of a scalar function UDF: eddy_fn_call first, so
 * that implementations can cast sqlite3_user_data() to eddy_fn_call. */
typedef struct eddy_fn_site {
    eddy_fn_call call;
    eddy_fn_xfunc impl;
    unsigned flags;
} eddy_fn_site;

/* A compiled lambda body: its own statement `SELECT <body>` with the lambda
 * variables as parameters ?1.., and the columns it uses (captures) as
 * parameters ?EDDY_X_CAPTURE_PARAM + capture number. */
#define EDDY_X_CAPTURE_PARAM 200
typedef struct xlambda {
    int kind;
    int nparams;
    eddy_type *ptypes[3];
    int nbodies;
    sqlite3_stmt *stmt[2];
    eddy_type *rtype[2];
    int busy;
} xlambda;

typedef struct xerr {
    size_t row;
    const char *msg;
} xerr;

struct eddy_exprs {
    sqlite3 *db;
    sqlite3_stmt *stmt;
    char *sql;               /* the statement's text (debugging, tests) */
    int n;                   /* projections */
    eddy_type **types;       /* n result types */
    int *direct;             /* per projection: >= 0 input column copied as is, -1 computed, -2 - k pseudo k */
    int *sqlcol;             /* per computed projection: its result column (sink: its argument) */
    int rowid_col;           /* result column holding the input row index */
    int sink;                /* 1: one aggregate call e_sink(rowid, p1..pk) receives the rows */
    int copy_only;           /* no filter, every projection direct: rows are copied without SQLite */

    int ncols;               /* input values per row */
    eddy_type **coltypes;    /* their types */

    eddy_type **ttab;        /* types referenced by operator calls (by index) */
    int nttab, capttab;

    xlambda *lambdas;
    int nlambdas, caplambdas;
    int *caps;               /* columns used inside lambda bodies: col >= 0, or -2 - pseudo (see direct) */
    int ncaps, capcaps;

    eddy_fn_site **sites;    /* function call sites (their state is freed with x) */
    int nsites, capsites;

    eddy_arena *perm;        /* compile-time data (literal boxes, call sites) */
    eddy_arena *scratch;     /* values made while evaluating a batch */

    /* evaluation state */
    const eddy_batch *in;
    eddy_batch *out;
    eddy_expr_error_fn on_error;
    void *on_error_ud;
    int sink_rc;
    size_t start_row;
    size_t cur_row;
    xerr *errs;
    int nerrs, caperrs;
    int nomem;
};

/* Adds t (a new reference is taken) to x's type table; returns its index or -1. */
int eddy_x_type_id(eddy_exprs *x, eddy_type *t);

/* Registers eddy's operator functions (expr_ops.c) on x->db, with x as user data. */
int eddy_x_register_ops(eddy_exprs *x);
/* The virtual table module over x->in (expr_eval.c): creates temp.batch. */
int eddy_x_create_vtab(eddy_exprs *x, eddy_err *err);

/* Records a row-level error for the row being evaluated (message copied). */
void eddy_x_row_error(eddy_exprs *x, const char *msg);

/* ---- the per-thread evaluation environment (sqlval.c) ------------------------- */

/* Set while a batch is evaluated: where UDF results are allocated and where
 * row-level errors go. */
typedef struct eddy_sqlval_env {
    eddy_arena *scratch;
    eddy_exprs *x;
} eddy_sqlval_env;

/* Installs env for this thread; returns the previous one (to restore). */
eddy_sqlval_env *eddy_sqlval_env_set(eddy_sqlval_env *env);
eddy_sqlval_env *eddy_sqlval_env_get(void);

/* Sets a result without copying: v's memory must stay valid until the
 * statement is reset (input batch or scratch arena). */
void eddy_sqlval_result_ref(sqlite3_context *ctx, const eddy_value *v, const eddy_type *t);
/* True when the SQLite value is NULL (a pointer value is not). */
bool eddy_sqlval_is_null(sqlite3_value *v);
/* The box of a pointer value, or NULL. */
const eddy_sqlbox *eddy_sqlval_box(sqlite3_value *v);

/* ---- value helpers (expr_value.c) ---------------------------------------------- */

/* Casts `in` (of type from) to type `to` with ksqlDB's results, into a.
 * Returns 0; EDDY_INVAL with *why set (static text) when the value cannot be
 * converted (the result is then NULL, an error for the processing log);
 * EDDY_UNSUPPORTED when the cast is not allowed between these types. */
int eddy_cast_value(const eddy_value *in, const eddy_type *from, const eddy_type *to, eddy_arena *a,
                    eddy_value *out, const char **why);
/* Whether ksqlDB allows CAST(from AS to). */
bool eddy_cast_allowed(const eddy_type *from, const eddy_type *to);

/* Java's text for values: Double.toString, BigDecimal.toPlainString, List /
 * Map / Struct toString (as CAST(x AS STRING) gives them). */
void eddy_java_double(double d, eddy_strbuf *out);
void eddy_java_value(const eddy_value *v, const eddy_type *t, eddy_strbuf *out);
void eddy_decimal_plain(eddy_int128 unscaled, int scale, eddy_strbuf *out);

/* Decimal arithmetic with ksqlDB's result type (precision p, scale s):
 * op is EDDY_OP_ADD..EDDY_OP_MOD.  Returns 0, or EDDY_INVAL with *why. */
int eddy_decimal_arith(int op, eddy_int128 a, int sa, eddy_int128 b, int sb, int p, int s, eddy_int128 *out,
                       const char **why);
/* Rescales to scale s with HALF_UP rounding (s may be lower or higher). 0 or EDDY_RANGE. */
int eddy_decimal_rescale(eddy_int128 v, int from_scale, int s, eddy_int128 *out);
/* Number of decimal digits of |v| (1 for 0). */
int eddy_decimal_digits(eddy_int128 v);
/* Parses decimal text ("-12.30", "1e3") exactly: unscaled value and scale (>= 0). */
int eddy_decimal_parse(const char *s, size_t n, eddy_int128 *unscaled, int *scale);
double eddy_decimal_to_double(eddy_int128 v, int scale);
/* Compares a decimal with another; both scales may differ.  -1/0/1. */
int eddy_decimal_cmp(eddy_int128 a, int sa, eddy_int128 b, int sb);

/* Time text: ISO dates, times and timestamps as ksqlDB prints and parses them. */
void eddy_format_date(int64_t days, eddy_strbuf *out);
void eddy_format_time(int64_t ms, eddy_strbuf *out);
void eddy_format_timestamp(int64_t ms, eddy_strbuf *out);
int eddy_parse_timestamp(const char *s, size_t n, int64_t *ms);
int eddy_parse_date(const char *s, size_t n, int64_t *days);
int eddy_parse_time(const char *s, size_t n, int64_t *ms);

#endif
