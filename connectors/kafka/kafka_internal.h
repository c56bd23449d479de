/* kafka_internal.h - internals of the Kafka backend of the log (librdkafka),
 * shared by kafka_log.c (opening, topics, the metadata cache, produce, fetch,
 * group positions), kafka_txn.c (transactions), kafka_sub.c (subscriptions)
 * and kafka_mock_client.c (the mock tool's control port).  Not for use
 * outside connectors/kafka/.
 */
#ifndef EDDY_CONNECTORS_KAFKA_INTERNAL_H
#define EDDY_CONNECTORS_KAFKA_INTERNAL_H

#define EDDY_LOG_BACKEND_IMPL
#include "connectors/log.h"
#include "connectors/kafka/kafka_log.h"

/* ---- internals ------------------------------------------------------------ */

#define KL_TIMEOUT_MS 30000      /* a request to the cluster that takes longer fails */
#define KL_OPEN_TIMEOUT_MS 10000 /* eddy_log_open_kafka gives up reaching the cluster */
#define KL_MD_TTL_MS 5000        /* a cached topic's partition count is trusted this long */

typedef struct kl_group {
    char *gr_id;
    rd_kafka_t *gr_rk; /* consumer with group.id = gr_id, never subscribed */
} kl_group;

/* Acknowledgements of many records (an at-least-once transaction): how many
 * delivery reports are still due, and the first error. */
typedef struct kl_acks {
    _Atomic size_t ak_pending;
    _Atomic int ak_err;   /* rd_kafka_resp_err_t of the first failure, 0 if none */
    char ak_topic[EDDY_LOG_TOPIC_NAME_MAX + 1]; /* its topic (set before the
                                                   pending count drops) */
} kl_acks;

/* Where a delivery report goes (the message's opaque). */
typedef struct kl_delivery {
    _Atomic int dv_done;
    rd_kafka_resp_err_t dv_err;
    int32_t dv_partition;
    int64_t dv_offset;
    kl_acks *dv_acks; /* NULL, or counted down when the report arrives */
} kl_delivery;

/* A topic as the last metadata request saw it. */
typedef struct kl_md_topic {
    char *mt_name;
    int32_t mt_partitions;
    int16_t mt_replicas; /* of partition 0 */
} kl_md_topic;

typedef struct kafka_sub kafka_sub;

typedef struct kafka_log {
    eddy_log kl_base;
    char **kl_conf;                  /* NULL-terminated name, value pairs (copies)
                                        without transactional.id and eddy.* */
    char *kl_txn_id;                 /* the conf's transactional.id, or NULL */
    char *kl_bootstrap;
    rd_kafka_mock_cluster_t *kl_mock; /* borrowed; NULL on a real cluster */
    char *kl_mock_control;           /* conf eddy.mock.control ("host:port"), or NULL */
    bool kl_on_mock;                 /* kl_mock or kl_mock_control: the mock's rules */
    rd_kafka_t *kl_prod;             /* idempotent producer; also metadata and admin */
    _Atomic uint32_t kl_rr;          /* round robin for NULL keys */
    /* reaching the cluster at open (the main producer's error callback) */
    _Atomic bool kl_opened;          /* the callback stops recording */
    _Atomic int kl_down_err;         /* all brokers down / authentication failed */
    char kl_down_why[256];           /* the first reason (only the opening thread
                                        polls the producer until kl_opened) */
    /* metadata cache: every topic of the last full metadata request */
    pthread_mutex_t kl_md_mu;
    kl_md_topic *kl_md;
    size_t kl_md_count;
    int64_t kl_md_at;                /* monotonic ms of that request; 0 = invalid */
    pthread_mutex_t kl_mu;           /* kl_groups, kl_subs, sub references */
    pthread_cond_t kl_sub_cv;        /* a sub reference was dropped */
    kl_group *kl_groups;
    size_t kl_group_count;
    kafka_sub **kl_subs;             /* open subscriptions */
    size_t kl_sub_count;
    /* fetch: one consumer, assigned to one partition at a time */
    pthread_mutex_t kl_fetch_mu;
    rd_kafka_t *kl_cons;
    char *kl_fetch_topic;            /* what kl_cons is assigned to, or NULL */
    int32_t kl_fetch_part;
    int64_t kl_fetch_next;           /* the consumer's queue continues here */
    rd_kafka_message_t *kl_pending;  /* polled, not returned (max_bytes) */
    /* atomic transactions: one transactional producer, one open transaction */
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
/* kl_handle_new in two steps, for callers that set callbacks on the conf:
 * kl_conf_new returns the conf (NULL and err set on failure; the caller owns
 * it), kl_handle_from makes the handle and takes conf over (also when it
 * fails). */
rd_kafka_conf_t *kl_conf_new(kafka_log *kl, rd_kafka_type_t type, const char *const *extra,
                             eddy_err *err);
rd_kafka_t *kl_handle_from(rd_kafka_type_t type, rd_kafka_conf_t *conf, eddy_err *err);
/* Maps a librdkafka error to an EDDY_* code and sets err ("what: reason"). */
int kl_fail(eddy_err *err, rd_kafka_resp_err_t e, const char *what, const char *topic);

/* Number of partitions of topic (and the replication factor of partition 0
 * when replicas is not NULL) from the metadata cache, refreshed when it is
 * older than KL_MD_TTL_MS or does not know the topic; EDDY_NOTFOUND if the
 * topic does not exist. */
int kl_topic_partitions(kafka_log *kl, const char *topic, int32_t *count,
                        int16_t *replicas, eddy_err *err);
/* Forgets the cache (the next lookup asks the cluster). */
void kl_md_invalidate(kafka_log *kl);
/* EDDY_NOTFOUND unless partition (>= 0) exists in topic (a partition the
 * cache does not know makes it ask the cluster again). */
int kl_check_partition(kafka_log *kl, const char *topic, int32_t partition, eddy_err *err);
/* Partition for a produce: partition itself (checked) or, for
 * EDDY_LOG_PARTITION_ANY, Kafka's murmur2 choice (round robin for NULL keys). */
int kl_pick_partition(kafka_log *kl, const char *topic, int32_t partition,
                      const eddy_log_record *rec, int32_t *out, eddy_err *err);
/* librdkafka headers copied from rec (NULL when it has none). */
rd_kafka_headers_t *kl_headers_of(const eddy_log_record *rec);
/* Waits for dv (polling rk) until its delivery report arrived. */
void kl_delivery_wait(rd_kafka_t *rk, kl_delivery *dv);
/* Waits (polling rk) until acks has no report due. */
void kl_acks_wait(rd_kafka_t *rk, kl_acks *acks);
/* rd_kafka_producev of one record with opaque dv, waiting (polling rk) while
 * librdkafka's queue is full.  hdrs is taken over on success. */
rd_kafka_resp_err_t kl_produce_async(rd_kafka_t *rk, const char *topic, int32_t partition,
                                     const void *key, size_t key_len, const void *value,
                                     size_t value_len, int64_t timestamp,
                                     rd_kafka_headers_t *hdrs, kl_delivery *dv);

/* Group positions, through the group's subscription when one is open (else
 * through a never-subscribed consumer of the group).  offsets: topic,
 * partition, offset triples. */
int kl_positions_commit(kafka_log *kl, const char *group,
                        const rd_kafka_topic_partition_list_t *offsets, eddy_err *err);

/* Batches that hold librdkafka messages (kafka_log.c). */
/* Makes b hold messages from now on (its lb_owner); EDDY_NOMEM. */
int kl_batch_hold(eddy_log_batch *b);
/* Adds m to b (which holds it from now on); EDDY_NOMEM (m not taken). */
int kl_batch_add(eddy_log_batch *b, rd_kafka_message_t *m);
/* Points each record's headers into b (after the last kl_batch_add). */
int kl_batch_headers(eddy_log_batch *b);
/* Bytes of keys, values and headers of m (for max_bytes). */
size_t kl_msg_bytes(const rd_kafka_message_t *m);

/* Transactions (kafka_txn.c). */
int kl_txn_begin(eddy_log *log, int flags, eddy_log_txn **out, eddy_err *err);
int kl_txn_produce(eddy_log_txn *txn, const char *topic, int32_t partition,
                   const eddy_log_record *rec, int32_t *out_partition, eddy_err *err);
int kl_txn_commit_position(eddy_log_txn *txn, const char *group, const char *topic,
                           int32_t partition, int64_t next_offset, eddy_err *err);
int kl_txn_commit(eddy_log_txn *txn, int flags, eddy_err *err);
size_t kl_txn_count(const eddy_log_txn *txn);
int kl_txn_result(const eddy_log_txn *txn, size_t i, int32_t *partition, int64_t *offset);
void kl_txn_destroy(eddy_log_txn *txn);

/* Subscriptions (kafka_sub.c). */
int kl_sub_open(eddy_log *log, const char *group, const char *const *topics, size_t ntopics,
                eddy_log_rebalance_fn fn, void *ud, eddy_log_sub **out, eddy_err *err);
int kl_sub_fetch(eddy_log_sub *sub, const char *topic, int32_t partition, int64_t offset,
                 size_t max_records, size_t max_bytes, eddy_log_batch *out, eddy_err *err);
void kl_sub_close(eddy_log_sub *sub);
/* The consumer of the open subscription of group, with a reference that
 * keeps it open until kl_sub_release; NULL when there is none. */
rd_kafka_t *kl_sub_acquire(kafka_log *kl, const char *group, kafka_sub **sub);
void kl_sub_release(kafka_log *kl, kafka_sub *sub);

/* The mock tool's control port (kafka_mock_client.c, protocol in
 * kafka_log.h).  Both return 0 or an EDDY_* code with err set. */
int kl_mock_control_create(const char *control, const char *topic, int32_t partitions,
                           int16_t replicas, eddy_err *err);
int kl_mock_control_delete(const char *control, const char *topic, eddy_err *err);

#endif
