/* command_log.h - the command log: every accepted catalog-changing statement, in order.
 *
 * Kept in a one-partition topic of the log backend named as ksqlDB names its
 * command topic, _confluent-ksql-<ksql.service.id>_command_topic, so that it
 * later works unchanged on Kafka, where servers with the same service id share
 * it.  Each record's key is the command id ("stream/`X`/create") and its value
 * a JSON object {"statement": text, "streamsProperties": {...},
 * "originalProperties": {...}}.  On start the engine replays it to rebuild the
 * catalog; the offset of a command is its commandSequenceNumber.
 */
#ifndef EDDY_ENGINE_COMMAND_LOG_H
#define EDDY_ENGINE_COMMAND_LOG_H

#include "base/error.h"
#include "connectors/log.h"

#include <jansson.h>
#include <stdint.h>

typedef struct eddy_command_log eddy_command_log;

/* Opens (creating the topic if needed, with `replicas` replicas) the command
 * log of service_id in log (borrowed; must outlive the command log).  *out is
 * owned by the caller. */
int eddy_command_log_open(eddy_log *log, const char *service_id, int replicas, eddy_command_log **out,
                          eddy_err *err);
void eddy_command_log_close(eddy_command_log *cl);
/* The topic's name (owned by cl). */
const char *eddy_command_log_topic(const eddy_command_log *cl);

/* Appends a command durably (fsync) and returns its sequence number in *seq.
 * properties may be NULL (borrowed). */
int eddy_command_log_append(eddy_command_log *cl, const char *command_id, const char *statement,
                            json_t *properties, int64_t *seq, eddy_err *err);

/* Calls fn for every command in order.  properties is borrowed (never NULL:
 * an empty object when none).  A non-zero return from fn is logged by the
 * caller's fn itself; replay goes on (a statement that fails on replay must
 * not stop the server from starting).  Returns 0 or a log error. */
typedef void (*eddy_command_fn)(void *ud, int64_t seq, const char *command_id, const char *statement,
                                json_t *properties);
int eddy_command_log_replay(eddy_command_log *cl, eddy_command_fn fn, void *ud, eddy_err *err);

/* Calls fn for the commands from sequence number `from` on, as replay does,
 * up to the end seen now; *next gets where to continue.  Returns 0 or a log
 * error.  Servers sharing the command topic (Kafka) follow each other this way. */
int eddy_command_log_read(eddy_command_log *cl, int64_t from, eddy_command_fn fn, void *ud, int64_t *next,
                          eddy_err *err);

/* Sequence number the next command will get. */
int64_t eddy_command_log_next_seq(eddy_command_log *cl);

#endif
