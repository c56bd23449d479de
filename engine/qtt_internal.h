/* qtt_internal.h - the conformance runner's parts shared between its files (not a public API).
 *
 * qtt_run.c runs a case's statements and judges errors, responses and post
 * conditions; qtt_records.c produces the case's input records and compares
 * the output topics; qtt_query.c runs the SELECT statements of RQTT cases
 * and compares their responses.  Both report in the same way: a reason to skip the run
 * (*skip, a heap string, set at most once) or differences appended to a
 * string buffer (the run FAILs when it is not empty).
 */
#ifndef EDDY_ENGINE_QTT_INTERNAL_H
#define EDDY_ENGINE_QTT_INTERNAL_H

#include "base/strbuf.h"
#include "engine/engine.h"
#include "engine/qtt.h"

/* Checks that every input and output topic of the run can be written and
 * read by the runner (JSON, DELIMITED, KAFKA, NONE, or a topic without a
 * source): otherwise *skip gets the reason.  Call after the statements ran
 * (the catalog knows the sinks).  Returns 0 or EDDY_NOMEM. */
int eddy_qtt_records_supported(const eddy_qtt_run *run, eddy_engine *eng, char **skip);

/* AVRO: registers the key and value schemas of the run's `topics` (with
 * their keySchemaId / valueSchemaId) in the engine's registry, as upstream's
 * test driver does before the statements run.  PROTOBUF and JSON_SR schemas
 * are left out.  Returns 0, or an error (message in err) for a schema the
 * registry refuses. */
int eddy_qtt_register_schemas(const eddy_qtt_run *run, eddy_engine *eng, eddy_err *err);

/* AVRO: compares the keySchema / valueSchema of an expected post.topics entry
 * t with the latest schema registered for the topic (as JSON; null: none). */
void eddy_qtt_check_topic_schemas(eddy_engine *eng, json_t *t, eddy_strbuf *diff);

/* Produces the run's `inputs` in file order to partition 0 of their topics,
 * serialized as upstream's test serdes do (see qtt_records.c).  An input that
 * cannot be serialized is a difference.  Returns 0, or a negative code when
 * the log failed (message in err). */
int eddy_qtt_records_produce(const eddy_qtt_run *run, eddy_engine *eng, eddy_strbuf *diff, eddy_err *err);

/* Compares every topic named in the run's `outputs` with the records the
 * log holds, appending the differences to diff.  Returns 0, or a negative
 * code when the log failed (message in err). */
int eddy_qtt_records_check(const eddy_qtt_run *run, eddy_engine *eng, eddy_strbuf *diff, eddy_err *err);

/* Upstream's comparison of an expected JSON value (numbers with their exact
 * text at exp_ptr in the run's case, run may be NULL) with an actual JSON
 * value (exact number texts in act_numbers, keyed by JSON pointer from
 * act_ptr; may be NULL).  t: the SQL type the value has (NULL when unknown):
 * it only decides whether numbers compare as DOUBLE (absolute difference
 * below 1e-6) or as decimals (value and scale).  The first difference goes
 * to why (may be NULL), prefixed by path.  Exposed for the unit tests. */
bool eddy_qtt_value_matches(const eddy_qtt_run *run, json_t *exp, const char *exp_ptr, json_t *act,
                            json_t *act_numbers, const char *act_ptr, const eddy_type *t, const char *path,
                            eddy_strbuf *why);

/* One SELECT of a case, run as /query-stream would answer it. */
typedef struct eddy_qtt_query {
    json_t *response;       /* [{"header"}, {"row"}..., {"finalMessage"}?] (owned), NULL on error or skip */
    json_t *numbers;        /* exact number texts in response, by JSON pointer (owned, may be NULL) */
    eddy_schema *columns;   /* the result columns (owned) */
    json_t *error;          /* the error body when the query was refused or failed (owned) */
    int status;             /* its HTTP status */
    bool runtime_error;     /* the query started but failed while processing records */
    char *skip;             /* why the runner cannot run this query (heap), else NULL */
} eddy_qtt_query;

/* Starts sql on eng (deterministic mode) with the case's properties (props,
 * borrowed, may be NULL), steps it until it ended or is idle and fills *out
 * (caller finishes it with eddy_qtt_query_fini).  A refused or failed query
 * is a success with out->error set.  Returns 0, or a negative code when the
 * runner itself failed (message in err). */
int eddy_qtt_query_run(const eddy_qtt_run *run, eddy_engine *eng, const char *sql, json_t *props, eddy_qtt_query *out,
                       eddy_err *err);
void eddy_qtt_query_fini(eddy_qtt_query *q);

/* Compares an expected query response (the array exp, at JSON pointer
 * exp_ptr in the run's case) with q: the header fields listed ("f|startsWith"
 * a prefix), the rows in any order (same count, upstream's value
 * comparison), the finalMessage when listed.  Differences go to diff,
 * prefixed by path. */
bool eddy_qtt_query_matches(const eddy_qtt_run *run, json_t *exp, const char *exp_ptr, const eddy_qtt_query *q,
                            const char *path, eddy_strbuf *diff);

/* `eddy test --kafka` (qtt_run_kafka.c): a new librdkafka mock cluster of one
 * broker and a Kafka log on it (eddy_log_open_kafka_mock).  On success *mock
 * and *log are new and owned by the caller, who closes the log first
 * (eddy_log_close), then the cluster (eddy_qtt_mock_close; NULL is a no-op).
 * On failure both are NULL and err says why.  The close hands the cluster to
 * a thread that destroys it (that can take a second); eddy_qtt_mock_drain
 * waits until every closed cluster is gone (call it before exiting). */
typedef struct eddy_qtt_mock eddy_qtt_mock;
int eddy_qtt_mock_open(eddy_qtt_mock **mock, eddy_log **log, eddy_err *err);
void eddy_qtt_mock_close(eddy_qtt_mock *mock);
void eddy_qtt_mock_drain(void);

/* Adds the upstream harness's test UDFs (BAD_UDF) to the function registry;
 * call before anything reads the registry (qtt_udf.c).  0 or an error code. */
int eddy_qtt_register_harness_udfs(void);

#endif
