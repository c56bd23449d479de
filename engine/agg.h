/* agg.h - aggregate functions (ksqlDB's UDAFs): accumulators held as values, implementations in one table.
 *
 * The registry (sql/functions.h) describes every aggregate for SHOW FUNCTIONS
 * and typing; this file is the runtime side.  An aggregation operator keeps,
 * per group (and window), one accumulator per aggregate call.  An accumulator
 * is an ordinary eddy_value (a BIGINT for COUNT, a STRUCT of sum and count for
 * AVG, an ARRAY for COLLECT_LIST, ...) so that the state store can serialize
 * it with the binary value codec (schemas/value_bin.h) and restore it after a
 * restart.  Implementations never keep pointers of their own: everything an
 * accumulator points to lives in the arena passed to the call, and the
 * operator copies or serializes it before the arena is reset.  A new
 * accumulator may share unchanged parts with the one it replaces (and, after
 * merge, with `other`): keep those alive until the new one is copied or
 * serialized.  Argument values are always copied in.
 *
 * Life of a call site:
 *   1. the planner fills an eddy_agg_call (function, argument types, literal
 *      arguments) and calls eddy_agg_prepare, which picks the implementation,
 *      checks what ksqlDB checks (a type it cannot aggregate, a K that is not
 *      a literal, ...) with ksqlDB's message, and sets the result type;
 *   2. per group: init once, then add (a stream row, or a table row's new
 *      value), undo (a table row's old value, when the function can aggregate
 *      tables), merge (two session windows joining) and result (the value the
 *      query outputs).
 */
#ifndef EDDY_ENGINE_AGG_H
#define EDDY_ENGINE_AGG_H

#include "base/arena.h"
#include "base/error.h"
#include "schemas/types.h"
#include "schemas/value.h"

#include <stdbool.h>
#include <stdint.h>

#define EDDY_AGG_MAX_ARGS 4

typedef struct eddy_agg_def eddy_agg_def;

/* One argument of a call site as the planner saw it. */
typedef struct eddy_agg_arg {
    eddy_type *type;   /* its SQL type (borrowed; NULL for a bare NULL literal) */
    bool is_literal;   /* a literal in the SQL text (TOPK's k, *_BY_OFFSET's n and ignoreNulls) */
    eddy_value value;  /* the literal's value when is_literal (scalars only) */
    const char *sql;   /* the argument as ksqlDB prints it, for messages ("X", "(A + 1)");
                          borrowed, may be NULL */
} eddy_agg_arg;

/* Per-row facts some aggregates need. */
typedef struct eddy_agg_row {
    int64_t ts;        /* the row's ROWTIME */
    int64_t seq;       /* a sequence number increasing with arrival order within the task
                          (EARLIEST_BY_OFFSET / LATEST_BY_OFFSET compare these when merging) */
} eddy_agg_row;

/* A call site.  The planner fills name, nargs, args, star and the limits;
 * eddy_agg_prepare fills the rest. */
typedef struct eddy_agg_call {
    /* In: */
    const char *name;                      /* upper case: "COUNT" */
    int nargs;
    eddy_agg_arg args[EDDY_AGG_MAX_ARGS];
    bool star;                             /* COUNT(*) */
    int collect_limit;                     /* ksql.functions.collect_{list,set}.limit (default 1000) */
    /* Out (set by prepare): */
    const eddy_agg_def *def;
    int nrow_args;                         /* leading arguments evaluated per row (0 for COUNT(*)) */
    eddy_type *result;                     /* result type; owned by the call (eddy_agg_call_fini) */
    int64_t k;                             /* TOPK's k, *_BY_OFFSET's n (0 = the single-value form) */
    bool ignore_nulls;                     /* *_BY_OFFSET(col, ignoreNulls) (default true) */
    int variant;                           /* implementation-specific selector */
    bool complex_state;                    /* ksqlDB's intermediate type is a STRUCT, ARRAY or MAP
                                              (a DELIMITED value cannot hold it) */
} eddy_agg_call;

struct eddy_agg_def {
    const char *name;
    /* Checks the call (argument count, types, literal arguments), sets
     * nrow_args, result and any implementation fields.  EDDY_ANALYSIS with
     * ksqlDB's message when the call is not valid. */
    int (*prepare)(eddy_agg_call *call, eddy_err *err);
    /* The accumulator of an empty group. */
    int (*init)(const eddy_agg_call *call, eddy_value *acc, eddy_arena *a);
    /* Adds one row (args: the nrow_args values).  May replace *acc with a new
     * value allocated in a.  EDDY_RANGE (acc unchanged) when the row cannot be
     * added: a DECIMAL SUM beyond its precision (ksqlDB's "Numeric field
     * overflow: A field with precision P and scale S must round to an
     * absolute value less than 10^(P-S). Got ..."). */
    int (*add)(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, const eddy_agg_row *row,
               eddy_arena *a);
    /* Takes a row back out (aggregating a table whose row changed or was
     * deleted).  NULL when the function cannot aggregate tables. */
    int (*undo)(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, eddy_arena *a);
    /* Folds `other` into *acc (two session windows merging). */
    int (*merge)(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a);
    /* The output value of the accumulator (in a). */
    int (*result)(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a);
};

/* The implementation of the aggregate `name` (upper case), or NULL. */
const eddy_agg_def *eddy_agg_lookup(const char *name);

/* Prepares a call site (see the top of this file).  EDDY_ANALYSIS with
 * ksqlDB's message when the call is not valid, EDDY_UNSUPPORTED when eddy
 * has no implementation of the function. */
int eddy_agg_prepare(eddy_agg_call *call, eddy_err *err);
/* Frees what prepare set (the result type). */
void eddy_agg_call_fini(eddy_agg_call *call);

/* Whether the prepared call can aggregate a table (has undo). */
static inline bool eddy_agg_call_undoable(const eddy_agg_call *call) { return call->def && call->def->undo; }

#endif
