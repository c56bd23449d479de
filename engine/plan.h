/* plan.h - turning a query (SELECT of CSAS, INSERT INTO ... SELECT, push queries) into a runnable plan.
 *
 * The planner checks what ksqlDB checks of a query's shape (key columns in the
 * projection, PARTITION BY, names) and produces the operator pipeline of a
 * stateless query:
 *
 *   source(topic, partition) -> deserialize key+value -> timestamp
 *     -> filter + projection (one compiled eddy_exprs) -> [rekey]
 *     -> serialize key+value -> sink (topic, or a push query's client)
 *
 * Aggregations add a stateful stage (eddy_plan_agg below).  Joins are a later
 * step: the planner refuses them with EDDY_UNSUPPORTED for now.
 */
#ifndef EDDY_ENGINE_PLAN_H
#define EDDY_ENGINE_PLAN_H

#include "base/error.h"
#include "engine/agg.h"
#include "engine/expr.h"
#include "schemas/serde.h"
#include "sql/ast.h"
#include "sql/catalog.h"

#include <stdbool.h>
#include <stdint.h>

/* Settings the planner reads (from the request and the server config). */
typedef struct eddy_plan_settings {
    const char *default_key_format;   /* ksql.persistence.default.format.key */
    int default_wrap_single;          /* ksql.persistence.wrap.single.values: -1, 0, 1 */
    const char *output_topic_prefix;  /* ksql.output.topic.name.prefix */
} eddy_plan_settings;

typedef enum eddy_plan_kind {
    EDDY_PLAN_CSAS,        /* CREATE STREAM ... AS SELECT */
    EDDY_PLAN_INSERT,      /* INSERT INTO ... SELECT */
    EDDY_PLAN_PUSH,        /* SELECT ... EMIT CHANGES (transient) */
    EDDY_PLAN_MATERIALIZE, /* CREATE SOURCE TABLE: keeps the table's rows for pull queries, writes nothing */
} eddy_plan_kind;

/* A window of an aggregation, in milliseconds. */
typedef struct eddy_plan_window {
    eddy_window_kind kind;        /* EDDY_WIN_NONE when not windowed */
    int64_t size_ms;              /* TUMBLING/HOPPING size; SESSION inactivity gap */
    int64_t advance_ms;           /* HOPPING advance; = size for TUMBLING */
    int64_t grace_ms;             /* late records accepted until end + grace */
    int64_t retention_ms;         /* windows kept (for pull queries) this long after their start */
} eddy_plan_window;

/* The stateful part of an aggregation:
 *
 *   source row -> WHERE -> pre_exprs: [group values (ngroup) | the calls' row arguments]
 *     -> [repartition by the group values] -> aggregate per group (and window)
 *     -> the aggregate row: [group values | call results | WINDOWSTART, WINDOWEND]
 *     -> HAVING + the projection (p->exprs, typed over agg_schema) -> sink
 */
typedef struct eddy_plan_agg {
    int ngroup;                   /* GROUP BY expressions: pre_exprs[0, ngroup) */
    int npre;
    const eddy_expr **pre_exprs;  /* typed over the source scope */
    int ncalls;
    eddy_agg_call *calls;         /* prepared */
    int *call_arg0;               /* index in the pre row of each call's first row argument */
    eddy_schema *agg_schema;      /* the aggregate row's columns */
    const eddy_expr *having;      /* over agg_schema, or NULL */
    bool repartition;             /* the group is not the source's key: records move through a topic */
    bool source_is_table;         /* aggregating a table: updates retract the old row */
    eddy_plan_window window;
    bool emit_final;              /* EMIT FINAL: one row per window when it closes */
} eddy_plan_agg;

typedef struct eddy_plan {
    eddy_plan_kind kind;
    /* Source. */
    eddy_source *source;          /* a copy of the catalog's source */
    eddy_schema *scope_schema;    /* windowed sources: the source's columns + WINDOWSTART, WINDOWEND
                                     (what expressions see); NULL otherwise */
    char *source_alias;           /* FROM source [AS] alias, or NULL */
    /* The compiled pipeline is built per task from these (expressions are
     * re-compiled for each task, so a plan can be shared). */
    eddy_arena *arena;            /* owns the expressions below */
    const eddy_expr *where;       /* may be NULL */
    int nexprs;                   /* output columns, sink schema order (keys first) */
    const eddy_expr **exprs;
    bool keyless;                 /* the sink has no key (PARTITION BY NULL, or none in source) */
    bool rekey;                   /* PARTITION BY changed the key: outputs are repartitioned */
    /* Sink. */
    eddy_source *sink;            /* the sink as a catalog source (schema, topic, formats) */
    int sink_partitions;
    int sink_replicas;
    bool sink_exists;             /* INSERT INTO: the sink was already there */
    char *sink_timestamp_column;  /* TIMESTAMP in the sink's WITH: output ROWTIME from it */
    int sink_ts_index;            /* its index in the output row, or -1 */
    /* Aggregations (GROUP BY): NULL for stateless queries.  Then exprs are
     * typed over agg->agg_schema (see eddy_plan_agg_scope). */
    eddy_plan_agg *agg;
    /* Queries over a table (stateless): the output is a table too. */
    bool table_source;
    /* Push queries. */
    bool has_limit;
    int64_t limit;
} eddy_plan;

/* Plans the query of st (CREATE STREAM AS SELECT, INSERT INTO SELECT, or a
 * SELECT ... EMIT CHANGES) against catalog.  *out is owned by the caller.
 * Errors carry ksqlDB's messages. */
int eddy_plan_query(const eddy_catalog *catalog, const eddy_stmt *st, const eddy_plan_settings *settings,
                    eddy_plan **out, eddy_err *err);
void eddy_plan_destroy(eddy_plan *p);

/* CREATE SOURCE TABLE's query: SELECT * FROM table into its state store
 * (EDDY_PLAN_MATERIALIZE).  *out owned by the caller. */
int eddy_plan_materialize(const eddy_catalog *catalog, const char *table, eddy_plan **out, eddy_err *err);

/* The scope expressions of a plan are typed in: the source's columns. */
void eddy_plan_scope(const eddy_plan *p, eddy_scope_source *src, eddy_expr_scope *scope);

/* The scope the projection and HAVING of an aggregation are typed in: the
 * aggregate row (WINDOWSTART/WINDOWEND included when windowed). */
void eddy_plan_agg_scope(const eddy_plan *p, eddy_scope_source *src, eddy_expr_scope *scope);

#endif
