/* pull_int.h - a pull plan's insides, shared by pull.c (projection, running) and pull_where.c (WHERE). */
#ifndef EDDY_ENGINE_PULL_INT_H
#define EDDY_ENGINE_PULL_INT_H

#include "engine/expr.h"
#include "engine/pull.h"
#include "schemas/serde.h"

struct eddy_pull {
    eddy_arena *arena;            /* names, rewritten WHERE nodes, lookup values */
    const char *name;             /* the table */
    const char *alias;            /* FROM table [AS] alias, or NULL */
    eddy_schema *table;           /* the table's columns, keys first */
    eddy_schema *scope_schema;    /* table + WINDOWSTART, WINDOWEND (windowed) */
    int nkeys;
    bool windowed, session;
    eddy_serde *key_serde;        /* the table's key format, for the scan order; may be NULL */
    eddy_schema *columns;         /* the result */
    int nitems;
    const eddy_expr **items;      /* the result's expressions (heap array; nodes in q's or p's arena) */
    const eddy_expr *where;       /* rewritten WHERE, or NULL */
    eddy_exprs *x;                /* WHERE + items, compiled over the scope */
    int nlookups;                 /* -1: read the whole table */
    eddy_value *lookup_keys;      /* nlookups * nkeys, in arena */
    int64_t *lookup_wlo, *lookup_whi;
    int64_t scan_wlo, scan_whi;   /* the whole-table read's window-start bounds */
    bool has_limit;
    int64_t limit;
};

/* What a bare column reference names (eddy_pull_column_ref): a key column's
 * index (>= 0) or one of these. */
enum {
    PULL_COL_NONE = -1,    /* not a column reference */
    PULL_COL_WSTART = -2,
    PULL_COL_WEND = -3,
    PULL_COL_OTHER = -4,   /* a value column (or unknown) */
};
int eddy_pull_column_ref(const eddy_pull *p, const eddy_expr *e);

/* The typing scope of p: the table's columns + window bounds, ROWTIME. */
void eddy_pull_scope(eddy_pull *p, eddy_scope_source *src, eddy_expr_scope *scope);

/* Calls fn on e and its sub-expressions, depth first, until it returns true
 * (then returns true). */
typedef bool (*eddy_pull_visit_fn)(const eddy_expr *e, void *ud);
bool eddy_pull_any(const eddy_expr *e, eddy_pull_visit_fn fn, void *ud);
/* e references a column (or a lambda variable). */
bool eddy_pull_has_columns(const eddy_expr *e);

/* pull_where.c: checks and types `where` (may be NULL), rewrites text
 * timestamps compared with window bounds, and plans the reads (p->where,
 * p->nlookups, lookups, scan bounds).  strict: table scans are disabled. */
int eddy_pull_plan_where(eddy_pull *p, const eddy_expr *where, bool strict, const eddy_expr_scope *scope,
                         eddy_err *err);

#endif
