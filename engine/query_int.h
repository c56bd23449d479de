/* query_int.h - a running query's insides, shared by query.c (tasks, stateless pipeline) and query_agg.c (aggregations). */
#ifndef EDDY_ENGINE_QUERY_INT_H
#define EDDY_ENGINE_QUERY_INT_H

#include "engine/op_aggregate.h"
#include "engine/query.h"
#include "engine/store.h"

#include <stdatomic.h>
#include <pthread.h>

typedef enum task_kind {
    TASK_SOURCE,       /* reads a partition of the source topic */
    TASK_REPARTITION,  /* reads a partition of the query's repartition topic and aggregates */
} task_kind;

typedef struct task {
    eddy_qrun *q;
    task_kind kind;
    const char *topic;    /* what it reads */
    int32_t partition;
    int64_t position;     /* next offset to read */
    int64_t stop_at;      /* until_end: the end offset when the query started */
    eddy_exprs *exprs;    /* compiled for this task: WHERE + projection, or WHERE + the pre row */
    eddy_log_batch fetched;
    eddy_batch in, out;
    eddy_strbuf kbuf, vbuf;
    /* Aggregations. */
    pthread_mutex_t mu;   /* held while stepping; pull queries take it to read the state */
    bool mu_init;
    eddy_aggop *aggop;    /* the tasks that aggregate */
    eddy_exprs *post;     /* projection (+ HAVING as the last column) over the aggregate row */
    eddy_store *table;    /* table sources: the last value of each key (raw record bytes) */
    eddy_store *mat;      /* queries over a table: the output table (key -> row) */
    eddy_batch pre;       /* pre rows */
    eddy_batch rows;      /* aggregate rows waiting for the commit */
    eddy_batch old;       /* table sources: old and new rows */
    int64_t changelog_next; /* the changelog offset the state is written up to */
    int64_t last_commit_ms;
    int64_t uncommitted;  /* records read since the last commit */
    int64_t purged;       /* repartition tasks: records below this were deleted */
} task;

struct eddy_qrun {
    eddy_log *log;
    eddy_plan *plan;
    char *id;
    char *group;
    eddy_qrun_opts opts;
    eddy_serde *src_key, *src_value;   /* source sides */
    eddy_serde *sink_key, *sink_value; /* sink sides (persistent) */
    int nkeys_in;                      /* key columns of the source */
    int nkeys_out;                     /* key columns of the sink */
    int ntasks;
    task *tasks;
    /* Aggregations. */
    char *repartition_topic;           /* NULL when the aggregation reads the source directly */
    char *changelog_topic;
    char *store_name;
    int nsource_tasks;                 /* tasks[0, nsource_tasks) read the source */
    _Atomic int64_t processed, errors, delivered;
    _Atomic bool done;
};

/* query.c: shared steps. */
void eddy_qrun_report(task *t, const char *kind, const char *msg, const eddy_log_record *r);
/* Decodes the records of f into b (rows that fail are reported and left out). */
int eddy_qrun_decode_records(task *t, const eddy_log_batch *f, eddy_batch *b, eddy_err *err);
/* Writes rows (sink schema) into txn as records of the sink topic; rows
 * that cannot be serialized are reported (or fail the query). */
int eddy_qrun_produce_rows(task *t, eddy_log_txn *txn, const eddy_batch *rows, eddy_err *err);
void eddy_qrun_expr_error(void *ud, const eddy_row *row, const char *message);
/* Push queries: hands rows to the client honouring LIMIT. */
int eddy_qrun_deliver(task *t, eddy_batch *rows);

/* query_mat.c: stateless queries over a table keep their output table in a
 * store, so a row that stops passing WHERE is deleted only when it was in
 * the result, and pull queries can read it. */
int eddy_qrun_mat_compile(eddy_qrun *q, const eddy_expr_scope *scope, eddy_exprs **out, eddy_err *err);
int eddy_qrun_mat_setup(eddy_qrun *q, eddy_err *err);
int eddy_qrun_mat_step(eddy_qrun *q, task *t, bool *did_work, eddy_err *err);
int eddy_qrun_mat_read(eddy_qrun *q, const eddy_value *key, eddy_batch *out, eddy_err *err);

/* query_agg.c */
/* Reads topic's partition from `from` (below the start: the start) up to `to`
 * (-1: the end), calling apply for each record; *next: where it stopped. */
int eddy_qrun_replay(eddy_qrun *q, const char *topic, int32_t partition, int64_t from, int64_t to,
                     int (*apply)(void *ud, const eddy_log_record *r, eddy_err *err), void *ud, int64_t *next,
                     eddy_err *err);
int eddy_qrun_agg_setup(eddy_qrun *q, int nsource, eddy_err *err);
void eddy_qrun_agg_task_fini(task *t);
int eddy_qrun_agg_step(eddy_qrun *q, task *t, bool *did_work, eddy_err *err);

#endif
