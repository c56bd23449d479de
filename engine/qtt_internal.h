/* qtt_internal.h - the conformance runner's parts shared between its files (not a public API).
 *
 * qtt_run.c runs a case's statements and judges errors, responses and post
 * conditions; qtt_records.c produces the case's input records and compares
 * the output topics.  Both report in the same way: a reason to skip the run
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

#endif
