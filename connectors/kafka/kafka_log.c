/* kafka_log.c - the Kafka backend of the log through librdkafka: opening,
 * topics (Admin API, the mock cluster's hook, or the mock tool's control
 * port), the metadata cache, produce, fetch, partition offsets and consumer
 * group positions.  Transactions are in kafka_txn.c, subscriptions in
 * kafka_sub.c.
 *
 * Handles.  One idempotent producer (also used for metadata and Admin
 * requests, and for the records of at-least-once transactions); one consumer
 * for fetches (read_committed, assigned by hand to the partition being
 * fetched, never subscribed, never committing); one consumer per group id
 * used with eddy_log_group_commit/_committed while that group has no
 * subscription in this log (never subscribed: commits carry generation -1,
 * as Kafka's "simple" consumers do; a coordinator rejects those while the
 * group has members); one consumer per subscription (kafka_sub.c), through
 * which the group's positions go while it is open; one transactional
 * producer created by the first atomic transaction.
 *
 * Metadata cache.  The partition counts of every topic come from one full
 * metadata request, kept for KL_MD_TTL_MS (5 s): a lookup of a topic the
 * cache does not have, or of a partition beyond its count, or after that
 * time, asks the cluster again (so a topic another client created is found at
 * once); this log's own create and delete forget the cache.  A topic another
 * client deleted may look alive for up to 5 s (its produce then fails).
 *
 * Opening fails within KL_OPEN_TIMEOUT_MS (10 s), sooner when librdkafka
 * reports every bootstrap server down, with EDDY_IO naming the servers.
 *
 * Conf pairs whose name starts with "eddy." are for eddy, never passed to
 * librdkafka: "eddy.mock.control" = "host:port" says the cluster is the mock
 * run by `eddy kafka-mock`, whose control port creates topics (protocol in
 * kafka_log.h); such a log follows the mock cluster's rules below.
 *
 * Not supported (EDDY_UNSUPPORTED or documented behaviour):
 *   - eddy_log_enforce_retention: retention is the brokers' job
 *     (retention.ms is passed to CreateTopics).
 *   - created_ms in describe: Kafka does not expose a topic's creation time;
 *     it is 0.
 *   - compaction: the brokers do it (cleanup.policy is passed to CreateTopics).
 *   - EDDY_LOG_SYNC adds nothing: every write waits for acks=all.
 *   - Deleting a topic leaves its committed group offsets to the brokers'
 *     cleanup (offsets.retention), as Kafka does.
 *   - eddy_log_seq / eddy_log_wait see only writes made through this handle
 *     (as the interface says) and records arriving in its subscriptions;
 *     records written by other clients of the cluster are found by fetching
 *     again after a wait with a timeout.
 *   - Offsets: on a real cluster every committed transaction also writes a
 *     commit marker that takes an offset, so offsets after a transaction
 *     skip one per partition (fetch hides the markers; "offsets may skip").
 *   - On the mock cluster (eddy_log_open_kafka_mock, or eddy.mock.control)
 *     see kafka_log.h: no DescribeConfigs, DeleteRecords, DeleteTopics;
 *     positions of atomic transactions are also committed plainly after the
 *     transaction (kafka_txn.c); a group that ever had a member accepts
 *     commits only from a member.
 */
#include "connectors/kafka/kafka_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- errors and handles ---------------------------------------------------- */

int kl_fail(eddy_err *err, rd_kafka_resp_err_t e, const char *what, const char *topic) {
    int code;
    switch (e) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: code = EDDY_NOTFOUND; break;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: code = EDDY_EXISTS; break;
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE: code = EDDY_RANGE; break;
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE: code = EDDY_UNSUPPORTED; break;
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION: code = EDDY_INVAL; break;
    default: code = EDDY_IO;
    }
    if (topic)
        return eddy_err_set(err, code, "kafka: %s of topic %s: %s", what, topic,
                            rd_kafka_err2str(e));
    return eddy_err_set(err, code, "kafka: %s: %s", what, rd_kafka_err2str(e));
}

static void kl_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk, (void)opaque;
    kl_delivery *dv = m->_private;
    if (!dv) return;
    kl_acks *acks = dv->dv_acks; /* dv may be freed once the count drops */
    dv->dv_err = m->err;
    dv->dv_partition = m->partition;
    dv->dv_offset = m->offset;
    atomic_store(&dv->dv_done, 1);
    if (!acks) return;
    int none = 0;
    if (m->err && atomic_compare_exchange_strong(&acks->ak_err, &none, (int)m->err))
        snprintf(acks->ak_topic, sizeof acks->ak_topic, "%s",
                 m->rkt ? rd_kafka_topic_name(m->rkt) : "?");
    atomic_fetch_sub(&acks->ak_pending, 1);
}

void kl_delivery_wait(rd_kafka_t *rk, kl_delivery *dv) {
    while (!atomic_load(&dv->dv_done)) rd_kafka_poll(rk, 1);
}

void kl_acks_wait(rd_kafka_t *rk, kl_acks *acks) {
    while (atomic_load(&acks->ak_pending) > 0) rd_kafka_poll(rk, 1);
}

rd_kafka_resp_err_t kl_produce_async(rd_kafka_t *rk, const char *topic, int32_t partition,
                                     const void *key, size_t key_len, const void *value,
                                     size_t value_len, int64_t timestamp,
                                     rd_kafka_headers_t *hdrs, kl_delivery *dv) {
    int64_t deadline = 0;
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY((void *)key, key_len),
            RD_KAFKA_V_VALUE((void *)value, value_len),
            RD_KAFKA_V_TIMESTAMP(timestamp > 0 ? timestamp : 0), RD_KAFKA_V_HEADERS(hdrs),
            RD_KAFKA_V_OPAQUE(dv), RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) return e;
        /* librdkafka's queue is full: serve delivery reports until it drains. */
        if (!deadline) deadline = eddy_log_now_ms() + KL_TIMEOUT_MS;
        if (eddy_log_now_ms() > deadline) return e;
        rd_kafka_poll(rk, 10);
    }
}

static int conf_set(rd_kafka_conf_t *c, const char *name, const char *value, eddy_err *err) {
    char errstr[512];
    if (rd_kafka_conf_set(c, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        return eddy_err_set(err, EDDY_CONFIG, "kafka: %s=%s: %s", name, value, errstr);
    return 0;
}

static int conf_set_all(rd_kafka_conf_t *c, const char *const *pairs, eddy_err *err) {
    for (size_t i = 0; pairs && pairs[i]; i += 2) {
        int rc = conf_set(c, pairs[i], pairs[i + 1], err);
        if (rc) return rc;
    }
    return 0;
}

/* The user's pairs for a client of `type`: "producer.X" only for producers
 * and "consumer.X" only for consumers (as X), the others for every client. */
static int conf_set_user(rd_kafka_conf_t *c, rd_kafka_type_t type, const char *const *pairs,
                         eddy_err *err) {
    for (size_t i = 0; pairs && pairs[i]; i += 2) {
        const char *name = pairs[i];
        if (strncmp(name, "producer.", 9) == 0) {
            if (type != RD_KAFKA_PRODUCER) continue;
            name += 9;
        } else if (strncmp(name, "consumer.", 9) == 0) {
            if (type != RD_KAFKA_CONSUMER) continue;
            name += 9;
        }
        int rc = conf_set(c, name, pairs[i + 1], err);
        if (rc) return rc;
    }
    return 0;
}

rd_kafka_conf_t *kl_conf_new(kafka_log *kl, rd_kafka_type_t type, const char *const *extra,
                             eddy_err *err) {
    static const char *const common[] = {
        "allow.auto.create.topics", "false", /* a typo must not create a topic */
        "log.connection.close", "false",
        NULL,
    };
    static const char *const producer[] = {
        "enable.idempotence", "true", /* implies acks=all */
        "linger.ms", "1",             /* produce is synchronous: do not wait long */
        "partitioner", "murmur2_random", /* eddy picks partitions; same rule anyway */
        NULL,
    };
    static const char *const consumer[] = {
        "isolation.level", "read_committed",
        "enable.auto.commit", "false",
        "enable.auto.offset.store", "false",
        "enable.partition.eof", "true",
        "auto.offset.reset", "error",
        "fetch.wait.max.ms", "100", /* eddy_log_fetch waits for the fetch to reach the end */
        "queued.max.messages.kbytes", "8192", /* prefetch of the one assigned partition */
        NULL,
    };
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (!c) {
        eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
        return NULL;
    }
    /* librdkafka's mock checks no sequence numbers for an idempotent producer
     * without a transactional id: with several requests in flight, a batch
     * the mock refused (an injected error) is taken as written once a later
     * one succeeds, and lost.  One request at a time there. */
    static const char *const mock_producer[] = {
        "max.in.flight.requests.per.connection", "1",
        NULL,
    };
    if (conf_set(c, "bootstrap.servers", kl->kl_bootstrap, err) ||
        conf_set_all(c, common, err) ||
        conf_set_all(c, type == RD_KAFKA_PRODUCER ? producer : consumer, err) ||
        (type == RD_KAFKA_PRODUCER && kl->kl_on_mock && conf_set_all(c, mock_producer, err)) ||
        conf_set_user(c, type, (const char *const *)kl->kl_conf, err) || conf_set_all(c, extra, err)) {
        rd_kafka_conf_destroy(c);
        return NULL;
    }
    if (type == RD_KAFKA_PRODUCER) rd_kafka_conf_set_dr_msg_cb(c, kl_dr_cb);
    return c;
}

rd_kafka_t *kl_handle_from(rd_kafka_type_t type, rd_kafka_conf_t *conf, eddy_err *err) {
    char errstr[512];
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        eddy_err_set(err, EDDY_CONFIG, "kafka: cannot create a client: %s", errstr);
        return NULL;
    }
    if (type == RD_KAFKA_CONSUMER) rd_kafka_poll_set_consumer(rk);
    return rk;
}

rd_kafka_t *kl_handle_new(kafka_log *kl, rd_kafka_type_t type, const char *const *extra,
                          eddy_err *err) {
    rd_kafka_conf_t *c = kl_conf_new(kl, type, extra, err);
    return c ? kl_handle_from(type, c, err) : NULL;
}

/* ---- metadata cache --------------------------------------------------------- */

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void md_free(kl_md_topic *ts, size_t n) {
    for (size_t i = 0; i < n; i++) free(ts[i].mt_name);
    free(ts);
}

static int md_cmp(const void *a, const void *b) {
    return strcmp(((const kl_md_topic *)a)->mt_name, ((const kl_md_topic *)b)->mt_name);
}

/* Asks the cluster for every topic (a request naming a topic could create
 * it: brokers with auto.create.topics.enable) and replaces the cache.  Topics
 * the metadata shows with an error (being created, leader unknown) are left
 * out: they are not usable yet. */
static int md_refresh(kafka_log *kl, eddy_err *err) {
    const struct rd_kafka_metadata *md = NULL;
    int64_t at = mono_ms();
    rd_kafka_resp_err_t e = rd_kafka_metadata(kl->kl_prod, 1, NULL, &md, KL_TIMEOUT_MS);
    if (e) return kl_fail(err, e, "metadata", NULL);
    kl_md_topic *ts = calloc((size_t)md->topic_cnt + 1, sizeof *ts);
    size_t n = 0;
    if (!ts) goto nomem;
    for (int i = 0; i < md->topic_cnt; i++) {
        const struct rd_kafka_metadata_topic *t = &md->topics[i];
        if (t->err || t->partition_cnt <= 0) continue;
        int r = t->partitions[0].replica_cnt;
        for (int j = 0; j < t->partition_cnt; j++)
            if (t->partitions[j].id == 0) r = t->partitions[j].replica_cnt;
        if (!(ts[n].mt_name = strdup(t->topic))) goto nomem;
        ts[n].mt_partitions = t->partition_cnt;
        ts[n].mt_replicas = (int16_t)r;
        n++;
    }
    rd_kafka_metadata_destroy(md);
    qsort(ts, n, sizeof *ts, md_cmp);
    pthread_mutex_lock(&kl->kl_md_mu);
    kl_md_topic *old = kl->kl_md;
    size_t old_n = kl->kl_md_count;
    kl->kl_md = ts;
    kl->kl_md_count = n;
    kl->kl_md_at = at;
    pthread_mutex_unlock(&kl->kl_md_mu);
    md_free(old, old_n);
    return 0;
nomem:
    rd_kafka_metadata_destroy(md);
    md_free(ts, n);
    return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
}

void kl_md_invalidate(kafka_log *kl) {
    pthread_mutex_lock(&kl->kl_md_mu);
    kl->kl_md_at = 0;
    pthread_mutex_unlock(&kl->kl_md_mu);
}

/* The cached entry of topic, or NULL (kl_md_mu held). */
static const kl_md_topic *md_find(kafka_log *kl, const char *topic) {
    kl_md_topic key = {.mt_name = (char *)topic};
    return kl->kl_md ? bsearch(&key, kl->kl_md, kl->kl_md_count, sizeof key, md_cmp) : NULL;
}

/* The cached topic, refreshing the cache when it is stale, misses the topic,
 * or knows fewer partitions than need + 1 (need -1: any count). */
static int md_lookup(kafka_log *kl, const char *topic, int32_t need, int32_t *count,
                     int16_t *replicas, eddy_err *err) {
    for (int fresh = 0; fresh < 2; fresh++) {
        pthread_mutex_lock(&kl->kl_md_mu);
        bool valid = kl->kl_md_at && mono_ms() - kl->kl_md_at < KL_MD_TTL_MS;
        if (valid || fresh) {
            const kl_md_topic *t = md_find(kl, topic);
            if (t && (fresh || need < t->mt_partitions)) {
                *count = t->mt_partitions;
                if (replicas) *replicas = t->mt_replicas;
                pthread_mutex_unlock(&kl->kl_md_mu);
                return 0;
            }
            if (fresh) {
                pthread_mutex_unlock(&kl->kl_md_mu);
                return eddy_err_set(err, EDDY_NOTFOUND, "topic %s does not exist", topic);
            }
        }
        pthread_mutex_unlock(&kl->kl_md_mu);
        int rc = md_refresh(kl, err);
        if (rc) return rc;
    }
    return EDDY_INTERNAL; /* not reached */
}

int kl_topic_partitions(kafka_log *kl, const char *topic, int32_t *count,
                        int16_t *replicas, eddy_err *err) {
    return md_lookup(kl, topic, -1, count, replicas, err);
}

int kl_check_partition(kafka_log *kl, const char *topic, int32_t partition, eddy_err *err) {
    int32_t n = 0;
    int rc = md_lookup(kl, topic, partition, &n, NULL, err);
    if (rc) return rc;
    if (partition >= n)
        return eddy_err_set(err, EDDY_NOTFOUND, "topic %s has no partition %d (it has %d)",
                            topic, (int)partition, (int)n);
    return 0;
}

int kl_pick_partition(kafka_log *kl, const char *topic, int32_t partition,
                      const eddy_log_record *rec, int32_t *out, eddy_err *err) {
    int32_t n = 0;
    int rc = md_lookup(kl, topic, partition, &n, NULL, err);
    if (rc) return rc;
    if (partition == EDDY_LOG_PARTITION_ANY) {
        *out = eddy_log_partition_choose(rec->key, rec->key_len, n, &kl->kl_rr);
        return 0;
    }
    if (partition >= n)
        return eddy_err_set(err, EDDY_NOTFOUND, "topic %s has no partition %d (it has %d)",
                            topic, (int)partition, (int)n);
    *out = partition;
    return 0;
}

/* ---- admin requests ------------------------------------------------------- */

/* Runs one Admin request (start sends it to queue q) and returns the result
 * event (caller destroys it), or NULL with err set. */
static rd_kafka_event_t *admin_wait(rd_kafka_queue_t *q, const char *what, eddy_err *err) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, KL_TIMEOUT_MS + 5000);
    if (!ev) {
        eddy_err_set(err, EDDY_IO, "kafka: %s timed out", what);
        return NULL;
    }
    if (rd_kafka_event_error(ev)) {
        kl_fail(err, rd_kafka_event_error(ev), what, NULL);
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

static rd_kafka_AdminOptions_t *admin_options(kafka_log *kl, rd_kafka_admin_op_t op) {
    char errstr[256];
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(kl->kl_prod, op);
    if (o) rd_kafka_AdminOptions_set_request_timeout(o, KL_TIMEOUT_MS, errstr, sizeof errstr);
    return o;
}

/* ---- topics ----------------------------------------------------------------- */

/* Waits until topic shows in the metadata (CreateTopics returns before every
 * broker knows it). */
static int wait_visible(kafka_log *kl, const char *topic, eddy_err *err) {
    int32_t n;
    for (int i = 0; i < 300; i++) {
        int rc = kl_topic_partitions(kl, topic, &n, NULL, err);
        if (rc != EDDY_NOTFOUND) return rc;
        usleep(100 * 1000);
    }
    return eddy_err_set(err, EDDY_IO, "kafka: topic %s was created but does not show", topic);
}

/* CreateTopics through the Admin API. */
static int admin_create(kafka_log *kl, const char *topic, const eddy_log_topic_config *cfg,
                        eddy_err *err) {
    char errstr[512], retention[32];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, cfg->partitions, cfg->replicas,
                                                    errstr, sizeof errstr);
    if (!nt) return eddy_err_set(err, EDDY_INVAL, "kafka: create topic %s: %s", topic, errstr);
    snprintf(retention, sizeof retention, "%lld", (long long)cfg->retention_ms);
    rd_kafka_NewTopic_set_config(nt, "retention.ms", retention);
    rd_kafka_NewTopic_set_config(nt, "cleanup.policy", eddy_log_cleanup_name(cfg->cleanup));
    rd_kafka_queue_t *q = rd_kafka_queue_new(kl->kl_prod);
    rd_kafka_AdminOptions_t *o = admin_options(kl, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_CreateTopics(kl->kl_prod, &nt, 1, o, q);
    rd_kafka_event_t *ev = admin_wait(q, "create topic", err);
    int rc = ev ? 0 : err ? err->code : EDDY_IO;
    if (ev) {
        size_t cnt = 0;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
        if (cnt > 0 && rd_kafka_topic_result_error(res[0])) {
            rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[0]);
            if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                rc = eddy_err_set(err, EDDY_EXISTS, "topic %s already exists", topic);
            else
                rc = eddy_err_set(err, EDDY_IO, "kafka: create topic %s: %s", topic,
                                  rd_kafka_topic_result_error_string(res[0]));
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

static int kl_topic_create(eddy_log *log, const char *topic, const eddy_log_topic_config *cfg,
                           eddy_err *err) {
    kafka_log *kl = (kafka_log *)log;
    int32_t n;
    int rc = kl_topic_partitions(kl, topic, &n, NULL, err);
    if (rc == 0) return eddy_err_set(err, EDDY_EXISTS, "topic %s already exists", topic);
    if (rc != EDDY_NOTFOUND) return rc;
    int16_t replicas = cfg->replicas < 1 ? 1 : cfg->replicas;
    if (kl->kl_mock) {
        /* The mock has no CreateTopics (2.0.2) and keeps no topic config. */
        rd_kafka_resp_err_t e =
            rd_kafka_mock_topic_create(kl->kl_mock, topic, cfg->partitions, replicas);
        rc = e ? kl_fail(err, e, "create", topic) : 0;
    } else if (kl->kl_mock_control) {
        rc = kl_mock_control_create(kl->kl_mock_control, topic, cfg->partitions, replicas, err);
    } else {
        rc = admin_create(kl, topic, cfg, err);
    }
    kl_md_invalidate(kl);
    if (rc == 0) rc = wait_visible(kl, topic, err);
    return rc;
}

/* DeleteTopics through the Admin API. */
static int admin_delete(kafka_log *kl, const char *topic, eddy_err *err) {
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(kl->kl_prod);
    rd_kafka_AdminOptions_t *o = admin_options(kl, RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_DeleteTopics(kl->kl_prod, &dt, 1, o, q);
    rd_kafka_event_t *ev = admin_wait(q, "delete topic", err);
    int rc = ev ? 0 : err ? err->code : EDDY_IO;
    if (ev) {
        size_t cnt = 0;
        const rd_kafka_topic_result_t **res =
            rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &cnt);
        if (cnt > 0 && rd_kafka_topic_result_error(res[0]))
            rc = kl_fail(err, rd_kafka_topic_result_error(res[0]), "delete", topic);
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_DeleteTopic_destroy(dt);
    return rc;
}

static int kl_topic_delete(eddy_log *log, const char *topic, eddy_err *err) {
    kafka_log *kl = (kafka_log *)log;
    int32_t n;
    int rc = kl_topic_partitions(kl, topic, &n, NULL, err);
    if (rc) return rc;
    if (kl->kl_mock)
        return eddy_err_set(err, EDDY_UNSUPPORTED,
                            "kafka: the mock cluster cannot delete topics (no DeleteTopics)");
    if (kl->kl_mock_control) rc = kl_mock_control_delete(kl->kl_mock_control, topic, err);
    else rc = admin_delete(kl, topic, err);
    kl_md_invalidate(kl);
    /* Wait until the metadata no longer shows it. */
    for (int i = 0; rc == 0 && i < 300; i++) {
        kl_md_invalidate(kl);
        if (kl_topic_partitions(kl, topic, &n, NULL, NULL) == EDDY_NOTFOUND) break;
        usleep(100 * 1000);
    }
    return rc;
}

/* retention.ms and cleanup.policy through DescribeConfigs. */
static int describe_config(kafka_log *kl, const char *topic, eddy_log_topic_config *cfg,
                           eddy_err *err) {
    rd_kafka_ConfigResource_t *cr = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(kl->kl_prod);
    rd_kafka_AdminOptions_t *o = admin_options(kl, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(kl->kl_prod, &cr, 1, o, q);
    rd_kafka_event_t *ev = admin_wait(q, "describe configs", err);
    int rc = ev ? 0 : err ? err->code : EDDY_IO;
    if (ev) {
        size_t cnt = 0, ccnt = 0;
        const rd_kafka_ConfigResource_t **res = rd_kafka_DescribeConfigs_result_resources(
            rd_kafka_event_DescribeConfigs_result(ev), &cnt);
        if (cnt < 1 || rd_kafka_ConfigResource_error(res[0])) {
            rc = kl_fail(err, cnt ? rd_kafka_ConfigResource_error(res[0])
                                  : RD_KAFKA_RESP_ERR__BAD_MSG,
                         "describe configs", topic);
        } else {
            const rd_kafka_ConfigEntry_t **ents = rd_kafka_ConfigResource_configs(res[0], &ccnt);
            for (size_t i = 0; i < ccnt; i++) {
                const char *name = rd_kafka_ConfigEntry_name(ents[i]);
                const char *value = rd_kafka_ConfigEntry_value(ents[i]);
                if (!value) continue;
                if (strcmp(name, "retention.ms") == 0)
                    cfg->retention_ms = strtoll(value, NULL, 10);
                else if (strcmp(name, "cleanup.policy") == 0)
                    eddy_log_cleanup_parse(value, &cfg->cleanup, NULL);
            }
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy(cr);
    return rc;
}

static int kl_topic_describe(eddy_log *log, const char *topic, eddy_log_topic_config *cfg,
                             eddy_err *err) {
    kafka_log *kl = (kafka_log *)log;
    eddy_log_topic_config_init(cfg);
    int rc = kl_topic_partitions(kl, topic, &cfg->partitions, &cfg->replicas, err);
    if (rc) return rc;
    cfg->created_ms = 0; /* Kafka does not tell */
    if (kl->kl_on_mock) return 0; /* no DescribeConfigs: Kafka's defaults */
    return describe_config(kl, topic, cfg, err);
}


/* A fresh metadata request (which also refreshes the cache). */
static int kl_topic_list(eddy_log *log, char ***names, size_t *count, eddy_err *err) {
    kafka_log *kl = (kafka_log *)log;
    int rc = md_refresh(kl, err);
    if (rc) return rc;
    pthread_mutex_lock(&kl->kl_md_mu);
    char **out = calloc(kl->kl_md_count + 1, sizeof *out);
    size_t n = 0;
    bool nomem = !out;
    for (size_t i = 0; !nomem && i < kl->kl_md_count; i++) {
        const char *t = kl->kl_md[i].mt_name; /* sorted by strcmp */
        if (strcmp(t, "__consumer_offsets") == 0 || strcmp(t, "__transaction_state") == 0)
            continue;
        if (!(out[n] = strdup(t))) nomem = true;
        else n++;
    }
    pthread_mutex_unlock(&kl->kl_md_mu);
    if (nomem) {
        eddy_log_names_free(out, n);
        return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory listing topics");
    }
    if (n == 0) {
        free(out);
        out = NULL;
    }
    *names = out;
    *count = n;
    return 0;
}

/* ---- produce ---------------------------------------------------------------- */

rd_kafka_headers_t *kl_headers_of(const eddy_log_record *rec) {
    if (rec->header_count == 0) return NULL;
    rd_kafka_headers_t *h = rd_kafka_headers_new(rec->header_count);
    for (size_t i = 0; i < rec->header_count; i++) {
        const eddy_log_header *x = &rec->headers[i];
        rd_kafka_header_add(h, x->name, -1, x->value ? x->value : NULL,
                            x->value ? (ssize_t)x->value_len : 0);
    }
    return h;
}

static int kl_produce(eddy_log *log, const char *topic, int32_t partition,
                      const eddy_log_record *rec, int flags, int32_t *out_partition,
                      int64_t *out_offset, eddy_err *err) {
    (void)flags; /* acks=all already */
    kafka_log *kl = (kafka_log *)log;
    int32_t p;
    int rc = kl_pick_partition(kl, topic, partition, rec, &p, err);
    if (rc) return rc;
    kl_delivery dv = {0};
    rd_kafka_headers_t *h = kl_headers_of(rec);
    rd_kafka_resp_err_t e = kl_produce_async(
        kl->kl_prod, topic, p, rec->key, rec->key ? rec->key_len : 0, rec->value,
        rec->value ? rec->value_len : 0, rec->timestamp, h, &dv);
    if (e) {
        if (h) rd_kafka_headers_destroy(h);
        return kl_fail(err, e, "produce", topic);
    }
    kl_delivery_wait(kl->kl_prod, &dv);
    if (dv.dv_err) {
        rc = kl_fail(err, dv.dv_err, "produce", topic);
        if (rc == EDDY_NOTFOUND) kl_md_invalidate(kl); /* deleted by someone else */
        return rc;
    }
    *out_partition = dv.dv_partition;
    *out_offset = dv.dv_offset;
    eddy_log_notify(log);
    return 0;
}

/* ---- fetch ------------------------------------------------------------------ */

static int kl_offsets_of(kafka_log *kl, const char *topic, int32_t partition,
                         int64_t *start, int64_t *end, eddy_err *err) {
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(kl->kl_cons, topic, partition,
                                                             &lo, &hi, KL_TIMEOUT_MS);
    if (e) return kl_fail(err, e, "offsets", topic);
    *start = lo;
    *end = hi;
    return 0;
}

static int kl_partition_offsets(eddy_log *log, const char *topic, int32_t partition,
                                int64_t *start, int64_t *end, eddy_err *err) {
    kafka_log *kl = (kafka_log *)log;
    int rc = kl_check_partition(kl, topic, partition, err);
    if (rc) return rc;
    return kl_offsets_of(kl, topic, partition, start, end, err);
}

/* The messages a batch points into; destroyed on reset. */
typedef struct kl_held {
    rd_kafka_message_t **hd_msgs;
    size_t hd_count, hd_cap;
} kl_held;

static void batch_release(eddy_log_batch *b) {
    kl_held *h = b->lb_owner;
    if (!h) return;
    for (size_t i = 0; i < h->hd_count; i++) rd_kafka_message_destroy(h->hd_msgs[i]);
    free(h->hd_msgs);
    free(h);
}

int kl_batch_hold(eddy_log_batch *b) {
    kl_held *h = calloc(1, sizeof *h);
    if (!h) return EDDY_NOMEM;
    b->lb_owner = h;
    b->lb_release = batch_release;
    return 0;
}

int kl_batch_add(eddy_log_batch *b, rd_kafka_message_t *m) {
    kl_held *h = b->lb_owner;
    if (h->hd_count == h->hd_cap) {
        size_t cap = h->hd_cap ? 2 * h->hd_cap : 16;
        void *p = realloc(h->hd_msgs, cap * sizeof *h->hd_msgs);
        if (!p) return EDDY_NOMEM;
        h->hd_msgs = p;
        h->hd_cap = cap;
    }
    if (b->count == b->lb_rec_cap) {
        size_t cap = b->lb_rec_cap ? 2 * b->lb_rec_cap : 16;
        void *p = realloc(b->records, cap * sizeof *b->records);
        if (!p) return EDDY_NOMEM;
        b->records = p;
        b->lb_rec_cap = cap;
    }
    h->hd_msgs[h->hd_count++] = m;
    eddy_log_record *r = &b->records[b->count++];
    memset(r, 0, sizeof *r);
    rd_kafka_timestamp_type_t tt;
    r->offset = m->offset;
    r->timestamp = rd_kafka_message_timestamp(m, &tt);
    r->key = m->key ? m->key : NULL;
    r->key_len = m->key ? m->key_len : 0;
    r->value = m->payload ? m->payload : NULL;
    r->value_len = m->payload ? m->len : 0;
    /* Headers are placed after all records are in (lb_hdrs may move). */
    return 0;
}

int kl_batch_headers(eddy_log_batch *b) {
    kl_held *h = b->lb_owner;
    if (!h) return 0;
    size_t total = 0;
    for (size_t i = 0; i < h->hd_count; i++) {
        rd_kafka_headers_t *hs = NULL;
        if (rd_kafka_message_headers(h->hd_msgs[i], &hs) == 0) total += rd_kafka_header_cnt(hs);
    }
    if (total > b->lb_hdr_cap) {
        void *p = realloc(b->lb_hdrs, total * sizeof *b->lb_hdrs);
        if (!p) return EDDY_NOMEM;
        b->lb_hdrs = p;
        b->lb_hdr_cap = total;
    }
    size_t at = 0;
    for (size_t i = 0; i < h->hd_count; i++) {
        rd_kafka_headers_t *hs = NULL;
        if (rd_kafka_message_headers(h->hd_msgs[i], &hs) != 0) continue;
        size_t n = rd_kafka_header_cnt(hs);
        b->records[i].headers = n ? &b->lb_hdrs[at] : NULL;
        b->records[i].header_count = n;
        for (size_t j = 0; j < n; j++, at++) {
            const char *name;
            const void *value;
            size_t size;
            rd_kafka_header_get_all(hs, j, &name, &value, &size);
            b->lb_hdrs[at] = (eddy_log_header){name, value, value ? size : 0};
        }
    }
    b->lb_hdr_len = at;
    return 0;
}

size_t kl_msg_bytes(const rd_kafka_message_t *m) {
    size_t n = m->key_len + m->len;
    rd_kafka_headers_t *hs = NULL;
    if (rd_kafka_message_headers((rd_kafka_message_t *)m, &hs) == 0) {
        for (size_t j = 0; j < rd_kafka_header_cnt(hs); j++) {
            const char *name;
            const void *value;
            size_t size;
            rd_kafka_header_get_all(hs, j, &name, &value, &size);
            n += strlen(name) + size;
        }
    }
    return n;
}

/* Points the fetch consumer at (topic, partition, offset) unless its queue
 * already continues there.  Called with kl_fetch_mu held. */
static int fetch_assign(kafka_log *kl, const char *topic, int32_t partition, int64_t offset,
                        eddy_err *err) {
    if (kl->kl_fetch_topic && strcmp(kl->kl_fetch_topic, topic) == 0 &&
        kl->kl_fetch_part == partition && kl->kl_fetch_next == offset)
        return 0;
    if (kl->kl_pending) rd_kafka_message_destroy(kl->kl_pending);
    kl->kl_pending = NULL;
    free(kl->kl_fetch_topic);
    kl->kl_fetch_topic = NULL;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = offset;
    rd_kafka_resp_err_t e = rd_kafka_assign(kl->kl_cons, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) return kl_fail(err, e, "assign", topic);
    if (!(kl->kl_fetch_topic = strdup(topic)))
        return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    kl->kl_fetch_part = partition;
    kl->kl_fetch_next = offset;
    return 0;
}

static int fetch_locked(kafka_log *kl, const char *topic, int32_t partition, int64_t offset,
                        size_t max_records, size_t max_bytes, eddy_log_batch *out,
                        eddy_err *err) {
    int64_t start, end;
    int rc = kl_offsets_of(kl, topic, partition, &start, &end, err);
    if (rc) return rc;
    out->end_offset = end;
    if (offset < start)
        return eddy_err_set(err, EDDY_RANGE,
                            "offset %lld of %s[%d] is below its start offset %lld",
                            (long long)offset, topic, (int)partition, (long long)start);
    if (offset >= end) return 0;
    if ((rc = fetch_assign(kl, topic, partition, offset, err))) return rc;
    if (kl_batch_hold(out)) return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    size_t bytes = 0;
    int64_t deadline = eddy_log_now_ms() + KL_TIMEOUT_MS;
    while (out->count < max_records) {
        rd_kafka_message_t *m = kl->kl_pending;
        kl->kl_pending = NULL;
        if (!m) {
            int64_t left = deadline - eddy_log_now_ms();
            if (left <= 0) {
                if (out->count) break;
                return eddy_err_set(err, EDDY_IO, "kafka: fetch of %s[%d] timed out", topic,
                                    (int)partition);
            }
            m = rd_kafka_consumer_poll(kl->kl_cons, (int)(left > 100 ? 100 : left));
            if (!m) continue;
        }
        if (m->partition != partition || !m->rkt ||
            strcmp(rd_kafka_topic_name(m->rkt), topic) != 0) {
            rd_kafka_message_destroy(m); /* stale, from an earlier assignment */
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            int64_t eof = m->offset;
            rd_kafka_message_destroy(m);
            if (eof >= offset) {
                kl->kl_fetch_next = eof;
                break;
            }
            continue; /* stale */
        }
        if (m->err) {
            rd_kafka_resp_err_t e = m->err;
            rd_kafka_message_destroy(m);
            free(kl->kl_fetch_topic);
            kl->kl_fetch_topic = NULL; /* reassign next time */
            if (out->count) break;
            return kl_fail(err, e, "fetch", topic);
        }
        if (m->offset < kl->kl_fetch_next) { /* stale, from before a reassign */
            rd_kafka_message_destroy(m);
            continue;
        }
        size_t n = kl_msg_bytes(m);
        if (max_bytes && out->count > 0 && bytes + n > max_bytes) {
            kl->kl_pending = m;
            break;
        }
        if (kl_batch_add(out, m)) {
            rd_kafka_message_destroy(m);
            return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
        }
        bytes += n;
        kl->kl_fetch_next = m->offset + 1;
        if (max_bytes && bytes >= max_bytes) break;
    }
    if (kl_batch_headers(out)) return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    out->next_offset = kl->kl_fetch_next;
    return 0;
}

static int kl_fetch(eddy_log *log, const char *topic, int32_t partition, int64_t offset,
                    size_t max_records, size_t max_bytes, eddy_log_batch *out, eddy_err *err) {
    kafka_log *kl = (kafka_log *)log;
    int rc = kl_check_partition(kl, topic, partition, err);
    if (rc) return rc;
    pthread_mutex_lock(&kl->kl_fetch_mu);
    rc = fetch_locked(kl, topic, partition, offset, max_records, max_bytes, out, err);
    pthread_mutex_unlock(&kl->kl_fetch_mu);
    if (rc) eddy_log_batch_reset(out), out->next_offset = offset;
    return rc;
}

/* ---- group positions ----------------------------------------------------- */

/* The never-subscribed consumer of group (created on first use), or NULL with
 * err set. */
static rd_kafka_t *group_handle(kafka_log *kl, const char *group, eddy_err *err) {
    rd_kafka_t *rk = NULL;
    pthread_mutex_lock(&kl->kl_mu);
    for (size_t i = 0; i < kl->kl_group_count; i++)
        if (strcmp(kl->kl_groups[i].gr_id, group) == 0) rk = kl->kl_groups[i].gr_rk;
    if (!rk) {
        const char *extra[] = {"group.id", group, NULL};
        void *p = realloc(kl->kl_groups, (kl->kl_group_count + 1) * sizeof *kl->kl_groups);
        char *id = strdup(group);
        if (p) kl->kl_groups = p;
        if (!p || !id) {
            free(id);
            eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
        } else if ((rk = kl_handle_new(kl, RD_KAFKA_CONSUMER, extra, err))) {
            kl->kl_groups[kl->kl_group_count++] = (kl_group){id, rk};
        } else {
            free(id);
        }
    }
    pthread_mutex_unlock(&kl->kl_mu);
    return rk;
}

int kl_positions_commit(kafka_log *kl, const char *group,
                        const rd_kafka_topic_partition_list_t *offsets, eddy_err *err) {
    kafka_sub *sub = NULL;
    rd_kafka_t *rk = kl_sub_acquire(kl, group, &sub);
    if (!rk && !(rk = group_handle(kl, group, err))) return err ? err->code : EDDY_IO;
    rd_kafka_resp_err_t e = rd_kafka_commit(rk, offsets, 0);
    if (sub) kl_sub_release(kl, sub);
    if (e)
        return kl_fail(err, e, "commit position", offsets->cnt == 1 ? offsets->elems[0].topic
                                                                    : NULL);
    return 0;
}

static int kl_group_commit(eddy_log *log, const char *group, const char *topic,
                           int32_t partition, int64_t next_offset, int flags, eddy_err *err) {
    (void)flags; /* the commit returns once the coordinator stored it */
    kafka_log *kl = (kafka_log *)log;
    int rc = kl_check_partition(kl, topic, partition, err);
    if (rc) return rc;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = next_offset;
    rc = kl_positions_commit(kl, group, l, err);
    rd_kafka_topic_partition_list_destroy(l);
    if (rc) return rc;
    eddy_log_notify(log);
    return 0;
}

static int kl_group_committed(eddy_log *log, const char *group, const char *topic,
                              int32_t partition, int64_t *next_offset, eddy_err *err) {
    kafka_log *kl = (kafka_log *)log;
    int rc = kl_check_partition(kl, topic, partition, err);
    if (rc) return rc;
    kafka_sub *sub = NULL;
    rd_kafka_t *rk = kl_sub_acquire(kl, group, &sub);
    if (!rk && !(rk = group_handle(kl, group, err))) return err ? err->code : EDDY_IO;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition);
    rd_kafka_resp_err_t e = rd_kafka_committed(rk, l, KL_TIMEOUT_MS);
    if (sub) kl_sub_release(kl, sub);
    if (!e && l->elems[0].err) e = l->elems[0].err;
    int64_t off = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    if (e) return kl_fail(err, e, "committed position", topic);
    if (off < 0)
        return eddy_err_set(err, EDDY_NOTFOUND, "group %s has no position in %s[%d]", group,
                            topic, (int)partition);
    *next_offset = off;
    return 0;
}

/* ---- maintenance -------------------------------------------------------------- */

static int kl_flush(eddy_log *log, eddy_err *err) {
    kafka_log *kl = (kafka_log *)log;
    rd_kafka_resp_err_t e = rd_kafka_flush(kl->kl_prod, KL_TIMEOUT_MS);
    if (e) return kl_fail(err, e, "flush", NULL);
    return 0;
}

static int kl_delete_records(eddy_log *log, const char *topic, int32_t partition,
                             int64_t before, eddy_err *err) {
    kafka_log *kl = (kafka_log *)log;
    if (kl->kl_on_mock)
        return eddy_err_set(err, EDDY_UNSUPPORTED,
                            "kafka: the mock cluster cannot delete records (no DeleteRecords)");
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = before;
    rd_kafka_DeleteRecords_t *dr = rd_kafka_DeleteRecords_new(l);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_queue_t *q = rd_kafka_queue_new(kl->kl_prod);
    rd_kafka_AdminOptions_t *o = admin_options(kl, RD_KAFKA_ADMIN_OP_DELETERECORDS);
    rd_kafka_DeleteRecords(kl->kl_prod, &dr, 1, o, q);
    rd_kafka_event_t *ev = admin_wait(q, "delete records", err);
    int rc = ev ? 0 : err ? err->code : EDDY_IO;
    if (ev) {
        const rd_kafka_topic_partition_list_t *res = rd_kafka_DeleteRecords_result_offsets(
            rd_kafka_event_DeleteRecords_result(ev));
        if (res && res->cnt > 0 && res->elems[0].err)
            rc = kl_fail(err, res->elems[0].err, "delete records", topic);
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_DeleteRecords_destroy(dr);
    return rc;
}

/* ---- open and close ------------------------------------------------------- */

static void kl_close(eddy_log *log) {
    kafka_log *kl = (kafka_log *)log;
    if (kl->kl_pending) rd_kafka_message_destroy(kl->kl_pending);
    if (kl->kl_cons) {
        rd_kafka_consumer_close(kl->kl_cons);
        rd_kafka_destroy(kl->kl_cons);
    }
    for (size_t i = 0; i < kl->kl_group_count; i++) {
        rd_kafka_consumer_close(kl->kl_groups[i].gr_rk);
        rd_kafka_destroy(kl->kl_groups[i].gr_rk);
        free(kl->kl_groups[i].gr_id);
    }
    free(kl->kl_groups);
    free(kl->kl_subs); /* empty: subscriptions are closed before the log */
    if (kl->kl_tx_prod) rd_kafka_destroy(kl->kl_tx_prod);
    if (kl->kl_prod) {
        rd_kafka_flush(kl->kl_prod, KL_TIMEOUT_MS);
        rd_kafka_destroy(kl->kl_prod);
    }
    md_free(kl->kl_md, kl->kl_md_count);
    for (size_t i = 0; kl->kl_conf && kl->kl_conf[i]; i++) free(kl->kl_conf[i]);
    free(kl->kl_conf);
    free(kl->kl_bootstrap);
    free(kl->kl_txn_id);
    free(kl->kl_mock_control);
    free(kl->kl_fetch_topic);
    pthread_mutex_destroy(&kl->kl_md_mu);
    pthread_mutex_destroy(&kl->kl_mu);
    pthread_cond_destroy(&kl->kl_sub_cv);
    pthread_mutex_destroy(&kl->kl_fetch_mu);
    pthread_mutex_destroy(&kl->kl_tx_mu);
    pthread_cond_destroy(&kl->kl_tx_cv);
    eddy_log_base_fini(log);
    free(kl);
}

static const eddy_log_ops kafka_ops = {
    .name = "kafka",
    .close = kl_close,
    .topic_create = kl_topic_create,
    .topic_delete = kl_topic_delete,
    .topic_describe = kl_topic_describe,
    .topic_list = kl_topic_list,
    .produce = kl_produce,
    .txn_begin = kl_txn_begin,
    .txn_produce = kl_txn_produce,
    .txn_commit_position = kl_txn_commit_position,
    .txn_commit = kl_txn_commit,
    .txn_count = kl_txn_count,
    .txn_result = kl_txn_result,
    .txn_destroy = kl_txn_destroy,
    .fetch = kl_fetch,
    .partition_offsets = kl_partition_offsets,
    .group_commit = kl_group_commit,
    .group_committed = kl_group_committed,
    .flush = kl_flush,
    .delete_records = kl_delete_records,
    .enforce_retention = NULL, /* the brokers enforce retention.ms */
    .sub_open = kl_sub_open,
    .sub_fetch = kl_sub_fetch,
    .sub_close = kl_sub_close,
};

/* The main producer's errors while the log opens: a connection failure is
 * remembered, and "all brokers down" (or failed authentication) ends the
 * wait for the cluster at once.  Later errors are librdkafka's business
 * (it reconnects). */
static void open_error_cb(rd_kafka_t *rk, int e, const char *reason, void *opaque) {
    (void)rk;
    kafka_log *kl = opaque;
    if (atomic_load(&kl->kl_opened) || atomic_load(&kl->kl_down_err)) return;
    switch (e) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
        if (!kl->kl_down_why[0]) snprintf(kl->kl_down_why, sizeof kl->kl_down_why, "%s", reason);
        break;
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__SSL:
        snprintf(kl->kl_down_why, sizeof kl->kl_down_why, "%s", reason);
        atomic_store(&kl->kl_down_err, e);
        break;
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        if (!kl->kl_down_why[0]) snprintf(kl->kl_down_why, sizeof kl->kl_down_why, "%s", reason);
        atomic_store(&kl->kl_down_err, e);
        break;
    default: break;
    }
}

/* Reaches the cluster with a metadata request, so that a wrong address fails
 * the open: within KL_OPEN_TIMEOUT_MS, sooner when every bootstrap server
 * refused. */
static int reach_cluster(kafka_log *kl, eddy_err *err) {
    int64_t deadline = mono_ms() + KL_OPEN_TIMEOUT_MS;
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__TIMED_OUT;
    /* Short waits at first, to notice "all brokers down" soon; longer ones
     * for a cluster that is slow to answer (TLS, SASL). */
    for (int64_t step = 250;; step = step < 2000 ? 2 * step : step) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) break;
        const struct rd_kafka_metadata *md = NULL;
        e = rd_kafka_metadata(kl->kl_prod, 0, NULL, &md, (int)(left < step ? left : step));
        if (!e) {
            rd_kafka_metadata_destroy(md);
            atomic_store(&kl->kl_opened, true); /* the error callback stops */
            return 0;
        }
        rd_kafka_poll(kl->kl_prod, 0); /* serves open_error_cb */
        if (atomic_load(&kl->kl_down_err)) break;
    }
    atomic_store(&kl->kl_opened, true);
    return eddy_err_set(err, EDDY_IO, "kafka: cannot reach the bootstrap servers %s: %s",
                        kl->kl_bootstrap,
                        kl->kl_down_why[0] ? kl->kl_down_why : rd_kafka_err2str(e));
}

static int open_common(const char *bootstrap, rd_kafka_mock_cluster_t *mock,
                       const char *const *conf, eddy_log **out, eddy_err *err) {
    if (!out) return eddy_err_set(err, EDDY_INVAL, "out is NULL");
    *out = NULL;
    if (!bootstrap || !*bootstrap)
        return eddy_err_set(err, EDDY_INVAL, "kafka: bootstrap.servers is empty");
    size_t n = 0;
    while (conf && conf[n]) {
        if (!conf[n + 1])
            return eddy_err_set(err, EDDY_INVAL, "kafka: config %s has no value", conf[n]);
        n += 2;
    }
    kafka_log *kl = calloc(1, sizeof *kl);
    if (!kl) return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    if (eddy_log_base_init(&kl->kl_base, &kafka_ops)) {
        free(kl);
        return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    }
    pthread_mutex_init(&kl->kl_md_mu, NULL);
    pthread_mutex_init(&kl->kl_mu, NULL);
    pthread_cond_init(&kl->kl_sub_cv, NULL);
    pthread_mutex_init(&kl->kl_fetch_mu, NULL);
    pthread_mutex_init(&kl->kl_tx_mu, NULL);
    pthread_cond_init(&kl->kl_tx_cv, NULL);
    kl->kl_mock = mock;
    int rc = EDDY_NOMEM;
    kl->kl_bootstrap = strdup(bootstrap);
    kl->kl_conf = calloc(n + 1, sizeof *kl->kl_conf);
    if (!kl->kl_bootstrap || !kl->kl_conf) goto nomem;
    /* transactional.id goes to the transactional producer only; eddy.* is
     * eddy's, not librdkafka's. */
    for (size_t i = 0, j = 0; i < n; i += 2) {
        if (strcmp(conf[i], "transactional.id") == 0) {
            free(kl->kl_txn_id);
            if (!(kl->kl_txn_id = strdup(conf[i + 1]))) goto nomem;
            continue;
        }
        if (strncmp(conf[i], "eddy.", 5) == 0) {
            if (strcmp(conf[i], "eddy.mock.control") == 0) {
                free(kl->kl_mock_control);
                if (!(kl->kl_mock_control = strdup(conf[i + 1]))) goto nomem;
            }
            continue; /* other eddy.* settings are for other layers */
        }
        if (!(kl->kl_conf[j] = strdup(conf[i])) || !(kl->kl_conf[j + 1] = strdup(conf[i + 1])))
            goto nomem;
        j += 2;
    }
    kl->kl_on_mock = mock || kl->kl_mock_control;
    rd_kafka_conf_t *pc = kl_conf_new(kl, RD_KAFKA_PRODUCER, NULL, err);
    if (pc) {
        rd_kafka_conf_set_error_cb(pc, open_error_cb);
        rd_kafka_conf_set_opaque(pc, kl);
    }
    if (!pc || !(kl->kl_prod = kl_handle_from(RD_KAFKA_PRODUCER, pc, err))) {
        rc = err ? err->code : EDDY_CONFIG;
        goto fail;
    }
    if ((rc = reach_cluster(kl, err))) goto fail;
    char id[64];
    snprintf(id, sizeof id, "eddy-fetch-%ld-%p", (long)getpid(), (void *)kl);
    const char *fetch_extra[] = {"group.id", id, NULL};
    if (!(kl->kl_cons = kl_handle_new(kl, RD_KAFKA_CONSUMER, fetch_extra, err))) {
        rc = err ? err->code : EDDY_CONFIG;
        goto fail;
    }
    *out = &kl->kl_base;
    return 0;
nomem:
    eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
fail:
    kl_close(&kl->kl_base);
    return rc;
}

int eddy_log_open_kafka(const char *bootstrap_servers, const char *const *conf,
                        eddy_log **out, eddy_err *err) {
    return open_common(bootstrap_servers, NULL, conf, out, err);
}

int eddy_log_open_kafka_mock(rd_kafka_mock_cluster_t *mock, const char *const *conf,
                             eddy_log **out, eddy_err *err) {
    if (!mock) return eddy_err_set(err, EDDY_INVAL, "kafka: mock cluster is NULL");
    return open_common(rd_kafka_mock_cluster_bootstraps(mock), mock, conf, out, err);
}
