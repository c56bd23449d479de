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
    /* Groups (q->sub): the task runs only while its partition is assigned
     * here; changed under mu by the rebalance callback (query_group.c). */
    _Atomic bool assigned;
    int64_t last_retry_note_ms;
    uint32_t sticky_next; /* the next batch's partition for records without a key */
    /* Stateless tasks, at least once on Kafka: one transaction spans the
     * batches of a commit interval (query_group.c). */
    eddy_log_txn *txn;
    int64_t txn_from;     /* the position when it began: read again if it fails */
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
    eddy_log_sub *sub;                 /* opts.use_groups: this server's membership of the query's group */
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

/* query_group.c: reading and committing the same way with and without groups. */
/* Fetches the next batch of t into t->fetched (from the subscription's
 * read-ahead in group mode, else from the log); a position below the start
 * offset moves to the start (empty batch). */
int eddy_qrun_task_fetch(eddy_qrun *q, task *t, size_t max, eddy_err *err);
/* Begins a transaction with the query's txn_flags. */
int eddy_qrun_txn_begin(eddy_qrun *q, eddy_log_txn **out, eddy_err *err);
/* Commits txn; at least once, "records written, positions refused"
 * (EDDY_AGAIN) counts as done (noted once a second). */
int eddy_qrun_txn_commit(task *t, eddy_log_txn *txn, eddy_err *err);
/* Whether a failed commit (rc) is the cluster's passing trouble, to retry at
 * the next step rather than fail the query; logs it (err is cleared). */
bool eddy_qrun_commit_retriable(eddy_qrun *q, task *t, int rc, eddy_err *err);
/* Stateless tasks on Kafka, at least once: outputs are produced batch by
 * batch into a transaction kept open for the commit interval, whose commit
 * waits for their acknowledgements and then commits the position (Kafka
 * Streams commits at-least-once work the same way). */
bool eddy_qrun_open_txn_wanted(const eddy_qrun *q);
/* Adds t->out and the position next to the task's open transaction (begun
 * if needed) and commits it when the interval has passed. */
int eddy_qrun_open_txn_add(eddy_qrun *q, task *t, int64_t next, eddy_err *err);
/* Commits the task's open transaction if the interval has passed (or now,
 * when force).  A failure the cluster may recover from rewinds the task to
 * where the transaction began (its records are read again). */
int eddy_qrun_open_txn_commit(eddy_qrun *q, task *t, bool force, eddy_err *err);
/* Group mode: joins the group (after the tasks are set up). */
int eddy_qrun_groups_start(eddy_qrun *q, eddy_err *err);
/* Leaves the group (revoked partitions are committed first).  NULL sub: no-op. */
void eddy_qrun_groups_stop(eddy_qrun *q);
/* The task's starting position: the group's committed one, else the start
 * or the end as opts say (repartition tasks: the start). */
int eddy_qrun_task_position(eddy_qrun *q, task *t, eddy_err *err);

/* query_agg.c / query_mat.c: a task given to this server brings its state up
 * to date from the changelog (and a table source's store from the source);
 * a task taken away commits what it processed. */
int eddy_qrun_agg_catch_up(eddy_qrun *q, task *t, eddy_err *err);
int eddy_qrun_agg_finish(eddy_qrun *q, task *t, eddy_err *err);
int eddy_qrun_mat_catch_up(eddy_qrun *q, task *t, eddy_err *err);

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
