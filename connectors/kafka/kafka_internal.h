/* kafka_internal.h - internals of the Kafka backend of the log (librdkafka),
 * shared by kafka_log.c (topics, produce, fetch, group positions) and
 * kafka_txn.c (transactions).  Not for use outside connectors/kafka/.
 */
#ifndef EDDY_CONNECTORS_KAFKA_INTERNAL_H
#define EDDY_CONNECTORS_KAFKA_INTERNAL_H

#define EDDY_LOG_BACKEND_IMPL
#include "connectors/log.h"
#include "connectors/kafka/kafka_log.h"

/* ---- internals ------------------------------------------------------------ */

#define KL_TIMEOUT_MS 30000 /* a request to the cluster that takes longer fails */

typedef struct kl_group {
    char *gr_id;
    rd_kafka_t *gr_rk; /* consumer with group.id = gr_id, never subscribed */
} kl_group;

/* Where a delivery report goes (the message's opaque). */
typedef struct kl_delivery {
    _Atomic int dv_done;
    rd_kafka_resp_err_t dv_err;
    int32_t dv_partition;
    int64_t dv_offset;
} kl_delivery;

typedef struct kafka_log {
    eddy_log kl_base;
    char **kl_conf;                  /* NULL-terminated name, value pairs (copies) */
    char *kl_txn_id;                 /* the conf's transactional.id, or NULL */
    char *kl_bootstrap;
    rd_kafka_mock_cluster_t *kl_mock; /* borrowed; NULL on a real cluster */
    rd_kafka_t *kl_prod;             /* idempotent producer; also metadata and admin */
    _Atomic uint32_t kl_rr;          /* round robin for NULL keys */
    pthread_mutex_t kl_mu;           /* kl_groups */
    kl_group *kl_groups;
    size_t kl_group_count;
    /* fetch: one consumer, assigned to one partition at a time */
    pthread_mutex_t kl_fetch_mu;
    rd_kafka_t *kl_cons;
    char *kl_fetch_topic;            /* what kl_cons is assigned to, or NULL */
    int32_t kl_fetch_part;
    int64_t kl_fetch_next;           /* the consumer's queue continues here */
    rd_kafka_message_t *kl_pending;  /* polled, not returned (max_bytes) */
    /* transactions: one transactional producer, one open transaction */
    pthread_mutex_t kl_tx_mu;
    pthread_cond_t kl_tx_cv;
    rd_kafka_t *kl_tx_prod;          /* created by the first txn_begin */
    bool kl_tx_open;
    pthread_t kl_tx_owner;
} kafka_log;

/* A new librdkafka handle of type `type` with eddy's defaults for that type,
 * then the user's conf pairs, then `extra` pairs (NULL-terminated, may be
 * NULL).  NULL and err set on failure. */
rd_kafka_t *kl_handle_new(kafka_log *kl, rd_kafka_type_t type, const char *const *extra,
                          eddy_err *err);
/* Maps a librdkafka error to an EDDY_* code and sets err ("what: reason"). */
int kl_fail(eddy_err *err, rd_kafka_resp_err_t e, const char *what, const char *topic);
/* Number of partitions of topic (and the replication factor of partition 0
 * when replicas is not NULL); EDDY_NOTFOUND if the topic does not exist. */
int kl_topic_partitions(kafka_log *kl, const char *topic, int32_t *count,
                        int16_t *replicas, eddy_err *err);
/* EDDY_NOTFOUND unless partition (>= 0) exists in topic. */
int kl_check_partition(kafka_log *kl, const char *topic, int32_t partition, eddy_err *err);
/* Partition for a produce: partition itself (checked) or, for
 * EDDY_LOG_PARTITION_ANY, Kafka's murmur2 choice (round robin for NULL keys). */
int kl_pick_partition(kafka_log *kl, const char *topic, int32_t partition,
                      const eddy_log_record *rec, int32_t *out, eddy_err *err);
/* librdkafka headers copied from rec (NULL when it has none). */
rd_kafka_headers_t *kl_headers_of(const eddy_log_record *rec);
/* Waits for dv (polling rk) until its delivery report arrived. */
void kl_delivery_wait(rd_kafka_t *rk, kl_delivery *dv);

/* Transactions (kafka_txn.c). */
int kl_txn_begin(eddy_log *log, eddy_log_txn **out, eddy_err *err);
int kl_txn_produce(eddy_log_txn *txn, const char *topic, int32_t partition,
                   const eddy_log_record *rec, int32_t *out_partition, eddy_err *err);
int kl_txn_commit_position(eddy_log_txn *txn, const char *group, const char *topic,
                           int32_t partition, int64_t next_offset, eddy_err *err);
int kl_txn_commit(eddy_log_txn *txn, int flags, eddy_err *err);
size_t kl_txn_count(const eddy_log_txn *txn);
int kl_txn_result(const eddy_log_txn *txn, size_t i, int32_t *partition, int64_t *offset);
void kl_txn_destroy(eddy_log_txn *txn);

#endif
