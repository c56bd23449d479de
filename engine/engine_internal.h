/* engine_internal.h - the engine's private state, shared by engine.c and the statement executors. */
#ifndef EDDY_ENGINE_INTERNAL_H
#define EDDY_ENGINE_INTERNAL_H

#include "engine/command_log.h"
#include "engine/engine.h"
#include "engine/plan.h"
#include "engine/query.h"
#include "engine/runtime.h"
#include "sql/ast.h"
#include "sql/catalog.h"
#include "sql/vars.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct command_status {
    char *id;
    char *status;  /* "SUCCESS", "ERROR", "TERMINATED" */
    char *message;
} command_status;

struct eddy_engine {
    pthread_mutex_t mu;
    const eddy_config *config;
    eddy_log *log;
    bool own_log;
    struct eddy_registry *registry; /* AVRO: schema registry in the log's _schemas topic (schemas/registry.h) */
    eddy_command_log *cmdlog;
    eddy_catalog *catalog;
    char *service_id;
    int64_t replayed;
    int ncommands, cap_commands;
    command_status *commands;
    eddy_engine_opts opts;
    eddy_runtime *runtime;     /* stream threads; NULL in deterministic mode */
    struct eddy_stores *stores;/* state of stateful queries (state.dir/state, or in memory) */
    int ndriver;               /* deterministic mode: queries in start order */
    eddy_qrun **driver;
    char *processing_log_topic;
    int npush;                 /* running push queries (ids and callback contexts) */
    char **push_ids;
    void **push_ctx;
    int npushq;                /* deterministic mode: push queries stepped by eddy_engine_push_run_until_idle */
    eddy_qrun **pushq;
    /* Kafka: following the shared command topic (engine_cluster.c). */
    int64_t cmd_next;          /* the next command this server has not applied */
    int64_t *own_seqs;         /* commands appended here ahead of others' (skipped when reached) */
    int nown;
    bool follow;               /* other servers may append: catch up before each request */
    pthread_t runner;
    bool runner_on;
    _Atomic bool runner_stop;
};

/* engine_cluster.c */
/* Opens e->log on the Kafka cluster at bootstrap with the configuration's
 * Kafka client settings. */
int eddy_engine_open_kafka(eddy_engine *e, const char *bootstrap, eddy_err *err);
/* Applies the commands other servers appended since the last call (e->mu held). */
int eddy_engine_catch_up(eddy_engine *e, eddy_err *err);
/* The executor appended command seq (e->mu held). */
void eddy_engine_command_appended(eddy_engine *e, int64_t seq);
/* A thread that catches up every 300 ms; stop it before closing. */
int eddy_engine_runner_start(eddy_engine *e, eddy_err *err);
void eddy_engine_runner_stop(eddy_engine *e);
/* Applies one command of the command log (replay mode). */
void eddy_engine_replay_one(eddy_engine *e, int64_t seq, const char *command_id, const char *statement,
                            json_t *properties);

/* Fills the state settings of query options: stores, record cache size and
 * commit interval (the cache is off in deterministic mode, as in ksqlDB's
 * tests).  props: the request's properties (may be NULL). */
void eddy_engine_state_opts(eddy_engine *e, const json_t *props, eddy_qrun_opts *o);

/* Frees a push/pull query context (push.c): waits for a pull answer's
 * sender thread and frees what it owns. */
void eddy_engine_push_ctx_free(void *ctx);

/* Starts a persistent query (runtime or driver list).  Takes q. */
int eddy_engine_start_query(eddy_engine *e, eddy_qrun *q, eddy_err *err);
/* Stops a persistent query by id (no-op when it is not running). */
void eddy_engine_stop_query(eddy_engine *e, const char *id);
/* The processing log writer (an eddy_qrun_error_fn); ud is the engine. */
void eddy_engine_processing_log(void *ud, const char *query_id, const char *kind, const char *message,
                                const char *topic, int32_t partition, int64_t offset, const void *record,
                                size_t record_len);


/* The context of one statement being executed. */
typedef struct eddy_exec {
    eddy_engine *engine;
    const eddy_stmt *stmt;
    const char *text;       /* statement text as echoed back */
    json_t *props;          /* request's streamsProperties + SET, owned by the request */
    eddy_vars *vars;        /* session variables, owned by the request */
    eddy_catalog *catalog;  /* the catalog to read and change: the engine's, or a sandbox copy */
    bool replay;            /* replaying the command log: catalog only, no entity */
    bool dry_run;           /* validating in a sandbox: no topic changes, no command log */
    json_t *sandbox_topics; /* dry run: topics the request would have created, name -> partitions */
    int64_t replay_seq;     /* the command's sequence number when replaying */
    int error_code;         /* ksqlDB error_code on failure (40001 by default) */
    int http_status;        /* on failure (400 by default) */
} eddy_exec;

/* Executes one parsed statement.  On success *entity is a new reference or
 * NULL (statements like SET return nothing).  On failure returns an EDDY_*
 * code with err set (and may set x->error_code / x->http_status). */
int eddy_exec_statement(eddy_exec *x, json_t **entity, eddy_err *err);

/* Effective setting: the request's override (x->props) if any, else the
 * server configuration.  Borrowed string, NULL when unset. */
const char *eddy_exec_setting(const eddy_exec *x, const char *name);

/* TERMINATE of a transient (push) query: tells its client side to end it.
 * Returns false when no push query has that id.  Caller holds e->mu. */
bool eddy_engine_push_terminate(eddy_engine *e, const char *query_id);
bool eddy_engine_push_exists(eddy_engine *e, const char *query_id);

/* INSERT INTO ... VALUES (engine/insert.c). */
int eddy_exec_insert_values(eddy_exec *x, json_t **entity, eddy_err *err);

/* Planner settings for a statement. */
void eddy_exec_plan_settings(const eddy_exec *x, eddy_plan_settings *s);

/* Parses exactly one statement; syntax errors read as ksqlDB's ("line L:C:
 * Syntax Error\n..."), positions offset by (line0, col0). */
int eddy_engine_parse_one(const char *text, int line0, int col0, eddy_arena *arena, eddy_stmt **out, eddy_err *err);

/* Records a command's status for /status. */
void eddy_engine_set_status(eddy_engine *e, const char *id, const char *status, const char *message);

#endif
