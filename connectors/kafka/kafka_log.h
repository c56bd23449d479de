/* kafka_log.h - the Kafka backend's hook for librdkafka's mock cluster, used by
 * tests and dev tools (callers otherwise use connectors/log.h:
 * eddy_log_open_kafka).  Needs librdkafka's headers.
 */
#ifndef EDDY_CONNECTORS_KAFKA_LOG_H
#define EDDY_CONNECTORS_KAFKA_LOG_H

#include "connectors/log.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* Opens a Kafka log on librdkafka's in-process mock cluster `mock` (its
 * bootstrap servers are taken from it).  librdkafka 2.0.2's mock has no
 * CreateTopics, DeleteTopics, DescribeConfigs or DeleteRecords, so a log
 * opened this way creates topics with rd_kafka_mock_topic_create (the mock
 * stores no topic config: describe reports partitions and replicas from the
 * metadata and Kafka's defaults for retention.ms and cleanup.policy), and
 * topic delete and delete_records return EDDY_UNSUPPORTED.  mock is borrowed:
 * it (and the rd_kafka_t that owns it) must outlive the log.  conf as for
 * eddy_log_open_kafka.  On success *out is a new log owned by the caller
 * (eddy_log_close). */
int eddy_log_open_kafka_mock(rd_kafka_mock_cluster_t *mock, const char *const *conf,
                             eddy_log **out, eddy_err *err);

#endif
