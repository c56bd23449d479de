/* plan_int.h - helpers the planner's files share (plan.c: stateless queries, plan_agg.c: aggregations). */
#ifndef EDDY_ENGINE_PLAN_INT_H
#define EDDY_ENGINE_PLAN_INT_H

#include "engine/plan.h"

/* One output column before it is placed. */
typedef struct item {
    const eddy_expr *expr;
    char *name;
    eddy_type *type;
    bool is_key;
    int key_order; /* keys: position in the sink's key (PARTITION BY / GROUP BY order, or the source's) */
} item;

void eddy_plan_items_free(item *v, int n);
int eddy_plan_grow_items(item **v, int *cap, int need);
/* e as ksqlDB prints expressions in messages, columns qualified by source. */
void eddy_plan_format_qualified(const eddy_expr *e, const char *source, eddy_strbuf *out);
/* Structural equality, ignoring column qualifiers. */
bool eddy_plan_expr_same(const eddy_expr *a, const eddy_expr *b);
/* A column reference built in a. */
eddy_expr *eddy_plan_column_expr(eddy_arena *a, const char *name, eddy_pos pos);
/* "A", "A and B", "A, B and C". */
void eddy_plan_join_and(eddy_strbuf *sb, const char *const *names, int n);
const char *eddy_plan_prop_str(const eddy_list *l, const char *name);
int eddy_plan_prop_int(const eddy_list *l, const char *name, int dflt);

/* Plans the aggregation of q (GROUP BY, aggregates, HAVING, WINDOW) into
 * p->agg, rewrites the items v[0..n) to read the aggregate row and marks the
 * key items (plan_agg.c). */
int eddy_plan_aggregate(eddy_plan *p, const eddy_query *q, const char *sink_name, const eddy_expr_scope *scope,
                        item *v, int n, eddy_err *err);
/* The first WINDOWSTART / WINDOWEND column e references, or NULL. */
const char *eddy_plan_window_bound_in(const eddy_expr *e);
/* True when e (or a sub-expression) calls an aggregate function. */
bool eddy_plan_has_aggregate(const eddy_expr *e);

#endif
