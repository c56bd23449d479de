/* kafka_log.h - the Kafka backend's hooks for librdkafka's mock cluster, used by
 * tests and dev tools (callers otherwise use connectors/log.h:
 * eddy_log_open_kafka), and the control protocol of a mock cluster run in
 * another process.  Needs librdkafka's headers.
 *
 * librdkafka 2.0.2's mock cluster has no CreateTopics, DeleteTopics,
 * DescribeConfigs or DeleteRecords, and does not store the offsets of
 * TxnOffsetCommit.  A log on a mock cluster (opened with
 * eddy_log_open_kafka_mock, or with the conf pair "eddy.mock.control")
 * therefore:
 *   - creates topics with rd_kafka_mock_topic_create (in process) or through
 *     the control port (another process); the mock stores no topic config:
 *     describe reports partitions and replicas from the metadata and Kafka's
 *     defaults for retention.ms and cleanup.policy;
 *   - returns EDDY_UNSUPPORTED for delete_records, and for topic delete in
 *     process (through the control port, whatever the tool answers);
 *   - after an atomic transaction commits, commits its positions again with a
 *     plain commit (so that they are stored at all);
 *   - note also: the 2.0.2 mock accepts a group's commits only from a member
 *     once the group has had one (even after all left), rejects commits while
 *     the group rebalances (so a commit in the revoke callback of a
 *     rebalance fails there; a real cluster takes it), and waits 3 s before
 *     the first assignment of a new group and session.timeout.ms - 1 s for
 *     the members to rejoin on a later rebalance; with session.timeout.ms
 *     below 3000 a new group never gets its first assignment (tests use
 *     3000, with heartbeat.interval.ms 300: a rebalance takes 2 s).
 */
#ifndef EDDY_CONNECTORS_KAFKA_LOG_H
#define EDDY_CONNECTORS_KAFKA_LOG_H

#include "connectors/log.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* Opens a Kafka log on librdkafka's in-process mock cluster `mock` (its
 * bootstrap servers are taken from it), with the mock's rules above.  mock is
 * borrowed: it (and the rd_kafka_t that owns it) must outlive the log.  conf
 * as for eddy_log_open_kafka.  On success *out is a new log owned by the
 * caller (eddy_log_close). */
int eddy_log_open_kafka_mock(rd_kafka_mock_cluster_t *mock, const char *const *conf,
                             eddy_log **out, eddy_err *err);

/* The control port of a mock cluster in another process (`eddy kafka-mock`).
 * eddy_log_open_kafka with the conf pair ("eddy.mock.control", "host:port")
 * uses it instead of the Admin API; like every pair whose name starts with
 * "eddy.", it is not given to librdkafka.  Protocol: one TCP connection per
 * request; the client sends one ASCII line and reads one reply line (lines
 * end with "\n"; a "\r" before it is ignored):
 *   CREATE <topic> <partitions> <replicas>   replicas >= 1
 *   DELETE <topic>
 * Replies:
 *   OK[ <anything>]   done               -> 0
 *   EXISTS            topic exists        -> EDDY_EXISTS
 *   ERR <message>     failed              -> EDDY_IO with the message, or
 *                                            EDDY_UNSUPPORTED when the message
 *                                            starts with "unsupported"
 * Anything else, or no connection (5 s to connect, 30 s for the reply), is
 * EDDY_IO naming the port.  After OK to CREATE the log waits until the topic
 * shows in the metadata, as after CreateTopics. */
#define EDDY_LOG_KAFKA_MOCK_CONTROL "eddy.mock.control"

#endif
