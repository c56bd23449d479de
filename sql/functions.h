/* functions.h - the registry of eddy's built-in SQL functions (ksqlDB's set).
 *
 * Every function is one row of a static table (sql/functions_builtin.c): name,
 * kind, category, a one-line description, flags and its variants written as
 * compact signature text, e.g.
 *
 *     "VARCHAR(VARCHAR str[The source string.], INT pos); VARCHAR(VARCHAR str, INT pos, INT length)"
 *
 * The text is parsed once, on first use, into the structures below; SHOW
 * FUNCTIONS, DESCRIBE FUNCTION, the analyzer and docs/functions.md all read
 * them.  Type text is ksqlDB's DESCRIBE FUNCTION spelling: VARCHAR, INT,
 * BIGINT, DOUBLE, BOOLEAN, DECIMAL, BYTES, DATE, TIME, TIMESTAMP, ARRAY<T>,
 * MAP<K, V>, STRUCT<...>, generic T/U/S/K/V/R, ANY, INTERVAL UNIT and
 * "LAMBDA (T) -> R" for lambda arguments.
 *
 * The registry is process-wide and read-only after start-up, except for
 * eddy_function_attach(), which the expression runtime calls at start-up (before
 * any other thread reads the registry) to hang implementations on variants.
 * Every pointer returned here is owned by the registry and lives until exit.
 */
#ifndef EDDY_SQL_FUNCTIONS_H
#define EDDY_SQL_FUNCTIONS_H

#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

typedef enum eddy_function_kind {
    EDDY_FN_SCALAR = 0,
    EDDY_FN_AGGREGATE,
    EDDY_FN_TABLE,
} eddy_function_kind;

/* "SCALAR", "AGGREGATE", "TABLE" (ksqlDB's FunctionType). */
const char *eddy_function_kind_name(eddy_function_kind kind);

/* Function flags (eddy_function.fn_flags; copied to every variant). */
enum {
    /* May return different results for the same arguments (RANDOM, UUID, the
     * zero-argument UNIX_DATE / UNIX_TIMESTAMP): never constant-folded. */
    EDDY_FN_NONDETERMINISTIC = 1u << 0,
    /* The implementation is called with NULL arguments and decides itself.
     * Without this flag any NULL argument gives NULL and the implementation
     * is not called. */
    EDDY_FN_CALLED_ON_NULL = 1u << 1,
    /* Aggregate that can retract (undo) a value, so it can aggregate tables. */
    EDDY_FN_TABLE_AGG = 1u << 2,
    /* Takes lambda arguments (TRANSFORM, REDUCE, FILTER). */
    EDDY_FN_LAMBDA = 1u << 3,
    /* Kept for compatibility; the description names the replacement. */
    EDDY_FN_DEPRECATED = 1u << 4,
};

/* Implementation callbacks, shaped as SQLite's (sqlite3_create_window_function)
 * so the runtime can register them as UDFs.  The types are declared here
 * without including sqlite3.h. */
struct sqlite3_context;
struct sqlite3_value;
typedef void (*eddy_fn_xfunc)(struct sqlite3_context *ctx, int argc, struct sqlite3_value **argv);
typedef void (*eddy_fn_xfinal)(struct sqlite3_context *ctx);

typedef struct eddy_function_impl {
    eddy_fn_xfunc fi_func;     /* SCALAR / TABLE: compute a value */
    eddy_fn_xfunc fi_step;     /* AGGREGATE: add a value */
    eddy_fn_xfinal fi_final;   /* AGGREGATE: result, then free the state */
    eddy_fn_xfinal fi_value;   /* AGGREGATE: current result, state kept */
    eddy_fn_xfunc fi_inverse;  /* AGGREGATE: undo a value (tables) */
    void *fi_user;             /* passed as sqlite3_user_data(); not owned */
} eddy_function_impl;

typedef struct eddy_function_arg {
    const char *fa_name;        /* "str" */
    const char *fa_type;        /* "VARCHAR"; for a variadic argument the element type */
    const char *fa_description; /* "" when none */
    bool fa_variadic;           /* only ever the last argument */
} eddy_function_arg;

typedef struct eddy_function_variant {
    const char *fv_return_type;         /* "VARCHAR", "ARRAY<T>", ... */
    int fv_nargs;
    const eddy_function_arg *fv_args;   /* fv_nargs entries */
    const char *fv_description;         /* "" when none */
    unsigned fv_flags;                  /* the function's flags */
    eddy_function_impl fv_impl;         /* all NULL until attached */
} eddy_function_variant;

typedef struct eddy_function {
    const char *fn_name;          /* upper case, e.g. "SUBSTRING" */
    eddy_function_kind fn_kind;
    const char *fn_category;      /* ksqlDB's: "STRING", "DATE / TIME", ... */
    const char *fn_description;   /* one line */
    unsigned fn_flags;
    int fn_nvariants;             /* >= 1 */
    eddy_function_variant *fn_variants;
} eddy_function;

/* Parses the table (once; later calls return the first result).  Thread
 * safe.  Every other function here calls it; call it directly to get the
 * message when a table row is malformed (a programming error: the unit tests
 * catch it).  Returns 0, EDDY_NOMEM, or EDDY_INTERNAL with err naming the row. */
int eddy_functions_init(eddy_err *err);

/* Number of functions, and the i-th in name order (ASCII, as SHOW FUNCTIONS
 * lists them); NULL when i is out of range or the table failed to load. */
int eddy_functions_count(void);
const eddy_function *eddy_functions_at(int i);

/* The function called name (case-insensitive), or NULL. */
const eddy_function *eddy_function_lookup(const char *name);

/* True when a call with nargs arguments fits the variant's arity (a variadic
 * last argument takes zero or more values). */
bool eddy_function_variant_accepts(const eddy_function_variant *v, int nargs);

/* Hangs an implementation on variant `variant` (0-based, table order) of the
 * function `name`: the callbacks are copied.  Start-up only (see the top of
 * this file).  Returns 0, EDDY_NOTFOUND (no such function) or EDDY_RANGE (no
 * such variant). */
int eddy_function_attach(const char *name, int variant, const eddy_function_impl *impl);

/* ksqlDB's "function_names" entity fields:
 *     {"functions":[{"name":"ABS","type":"SCALAR","category":"MATHEMATICAL"},...]}
 * sorted by name.  New reference owned by the caller; NULL when out of memory. */
json_t *eddy_functions_list_json(void);

/* ksqlDB's "describe_function" entity fields:
 *     {"name","description","author":"Confluent","version":"","path":"internal",
 *      "functions":[{"arguments":[{"name","type","description","isVariadic"}],
 *                    "returnType","description","argumentTypes":[...]}],
 *      "type":"SCALAR"}
 * New reference owned by the caller; NULL when the function is unknown (or out
 * of memory). */
json_t *eddy_function_describe_json(const char *name);

/* Writes the SQL function reference (docs/functions.md) as Markdown.
 * Returns 0 or EDDY_IO (write error) / EDDY_INTERNAL (table failed to load). */
int eddy_functions_write_markdown(FILE *out);

/* One row of the built-in table (sql/functions_builtin.c).  fd_variants is a
 * ';'-separated list of variants:
 *
 *     variant := RETURN_TYPE '(' [arg {',' arg}] ')' ['{' description '}']
 *     arg     := TYPE ['...'] NAME ['[' description ']']
 *
 * TYPE may contain spaces, commas and brackets ("MAP<K, V>", "INTERVAL UNIT",
 * "LAMBDA (T, U) -> R"); NAME is the last word before the optional
 * description; "TYPE... NAME" marks a variadic last argument. */
typedef struct eddy_function_def {
    const char *fd_name;
    eddy_function_kind fd_kind;
    const char *fd_category;
    unsigned fd_flags;
    const char *fd_description;
    const char *fd_variants;
} eddy_function_def;

/* Adds n functions (defs must live until exit) to the registry, as a UDF
 * extension would: call before anything reads the registry (start-up).
 * The conformance runner adds the upstream test harness's UDFs this way.
 * EDDY_INVAL once the registry is loaded. */
int eddy_functions_add(const eddy_function_def *defs, int n);

extern const eddy_function_def eddy_functions_builtin[];
extern const int eddy_functions_builtin_count;

#endif
