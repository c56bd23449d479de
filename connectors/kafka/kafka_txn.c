/* kafka_txn.c - transactions of the Kafka log: records and group positions
 * committed atomically through a transactional producer.
 *
 * An eddy transaction collects its records and positions in memory; commit
 * runs a whole Kafka transaction at once: begin_transaction, produce every
 * record, send_offsets_to_transaction per group (with
 * rd_kafka_consumer_group_metadata_new(group)), commit_transaction.  So a
 * transaction that is destroyed without commit never reached the cluster,
 * and the Kafka transaction stays open only for the commit.  Results
 * (partition, offset) come from the delivery reports.
 *
 * One transactional producer per log, so one open eddy transaction per log:
 * txn_begin from another thread waits until the open one is destroyed;
 * from the thread holding it, it fails with EDDY_INVAL.  transactional.id is
 * "eddy-<pid>-<address>" unless the conf passed at open sets
 * transactional.id; a stable id per query (for fencing zombies) is for the
 * engine wiring to choose.
 */
#include "connectors/kafka/kafka_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct kt_rec {
    char *kr_topic;
    int32_t kr_partition;
    int64_t kr_timestamp;
    void *kr_key, *kr_value; /* copies; NULL = null */
    size_t kr_key_len, kr_value_len;
    rd_kafka_headers_t *kr_headers; /* owned until produced */
    kl_delivery kr_dv;
} kt_rec;

typedef struct kt_pos {
    char *kp_group, *kp_topic;
    int32_t kp_partition;
    int64_t kp_offset;
} kt_pos;

typedef struct kafka_txn {
    eddy_log_txn kt_base;
    kt_rec *kt_recs;
    size_t kt_count, kt_cap;
    kt_pos *kt_pos;
    size_t kt_pos_count, kt_pos_cap;
    bool kt_finished, kt_committed;
} kafka_txn;

static kafka_log *log_of(const kafka_txn *t) { return (kafka_log *)t->kt_base.tx_log; }

static void *dup_bytes(const void *p, size_t n, bool *fail) {
    if (!p) return NULL;
    void *c = malloc(n ? n : 1);
    if (!c) *fail = true;
    else memcpy(c, p, n);
    return c;
}

int kl_txn_begin(eddy_log *log, eddy_log_txn **out, eddy_err *err) {
    kafka_log *kl = (kafka_log *)log;
    pthread_mutex_lock(&kl->kl_tx_mu);
    while (kl->kl_tx_open) {
        if (pthread_equal(kl->kl_tx_owner, pthread_self())) {
            pthread_mutex_unlock(&kl->kl_tx_mu);
            return eddy_err_set(err, EDDY_INVAL,
                                "kafka: this thread already has an open transaction "
                                "(one per log)");
        }
        pthread_cond_wait(&kl->kl_tx_cv, &kl->kl_tx_mu);
    }
    int rc = 0;
    if (!kl->kl_tx_prod) {
        char id[64];
        snprintf(id, sizeof id, "eddy-%ld-%p", (long)getpid(), (void *)kl);
        const char *extra[] = {"transactional.id", kl->kl_txn_id ? kl->kl_txn_id : id, NULL};
        kl->kl_tx_prod = kl_handle_new(kl, RD_KAFKA_PRODUCER, extra, err);
        if (!kl->kl_tx_prod) {
            rc = err ? err->code : EDDY_CONFIG;
        } else {
            rd_kafka_error_t *e = rd_kafka_init_transactions(kl->kl_tx_prod, KL_TIMEOUT_MS);
            if (e) {
                rc = eddy_err_set(err, EDDY_IO, "kafka: init transactions: %s",
                                  rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
                rd_kafka_destroy(kl->kl_tx_prod);
                kl->kl_tx_prod = NULL;
            }
        }
    }
    kafka_txn *t = NULL;
    if (rc == 0 && !(t = calloc(1, sizeof *t)))
        rc = eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    if (rc == 0) {
        t->kt_base.tx_log = log;
        kl->kl_tx_open = true;
        kl->kl_tx_owner = pthread_self();
        *out = &t->kt_base;
    }
    pthread_mutex_unlock(&kl->kl_tx_mu);
    return rc;
}

int kl_txn_produce(eddy_log_txn *txn, const char *topic, int32_t partition,
                   const eddy_log_record *rec, int32_t *out_partition, eddy_err *err) {
    kafka_txn *t = (kafka_txn *)txn;
    if (t->kt_finished)
        return eddy_err_set(err, EDDY_INVAL, "transaction is finished (committed)");
    int32_t p;
    int rc = kl_pick_partition(log_of(t), topic, partition, rec, &p, err);
    if (rc) return rc;
    if (t->kt_count == t->kt_cap) {
        size_t cap = t->kt_cap ? 2 * t->kt_cap : 8;
        void *np = realloc(t->kt_recs, cap * sizeof *t->kt_recs);
        if (!np) return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
        t->kt_recs = np;
        t->kt_cap = cap;
    }
    kt_rec *r = &t->kt_recs[t->kt_count];
    memset(r, 0, sizeof *r);
    bool fail = false;
    r->kr_topic = strdup(topic);
    r->kr_partition = p;
    r->kr_timestamp = rec->timestamp;
    r->kr_key = dup_bytes(rec->key, rec->key_len, &fail);
    r->kr_key_len = rec->key ? rec->key_len : 0;
    r->kr_value = dup_bytes(rec->value, rec->value_len, &fail);
    r->kr_value_len = rec->value ? rec->value_len : 0;
    r->kr_headers = kl_headers_of(rec);
    if (fail || !r->kr_topic) {
        free(r->kr_topic);
        free(r->kr_key);
        free(r->kr_value);
        if (r->kr_headers) rd_kafka_headers_destroy(r->kr_headers);
        return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    }
    t->kt_count++;
    *out_partition = p;
    return 0;
}

int kl_txn_commit_position(eddy_log_txn *txn, const char *group, const char *topic,
                           int32_t partition, int64_t next_offset, eddy_err *err) {
    kafka_txn *t = (kafka_txn *)txn;
    if (t->kt_finished)
        return eddy_err_set(err, EDDY_INVAL, "transaction is finished (committed)");
    int rc = kl_check_partition(log_of(t), topic, partition, err);
    if (rc) return rc;
    for (size_t i = 0; i < t->kt_pos_count; i++) {
        kt_pos *x = &t->kt_pos[i];
        if (strcmp(x->kp_group, group) == 0 && strcmp(x->kp_topic, topic) == 0 &&
            x->kp_partition == partition) {
            x->kp_offset = next_offset; /* a later one wins */
            return 0;
        }
    }
    if (t->kt_pos_count == t->kt_pos_cap) {
        size_t cap = t->kt_pos_cap ? 2 * t->kt_pos_cap : 4;
        void *np = realloc(t->kt_pos, cap * sizeof *t->kt_pos);
        if (!np) return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
        t->kt_pos = np;
        t->kt_pos_cap = cap;
    }
    kt_pos *x = &t->kt_pos[t->kt_pos_count];
    x->kp_group = strdup(group);
    x->kp_topic = strdup(topic);
    x->kp_partition = partition;
    x->kp_offset = next_offset;
    if (!x->kp_group || !x->kp_topic) {
        free(x->kp_group);
        free(x->kp_topic);
        return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    }
    t->kt_pos_count++;
    return 0;
}

/* Sets err from a transaction error and aborts (or drops a producer that hit
 * a fatal error; the next txn_begin makes a new one). */
static int txn_fail(kafka_log *kl, rd_kafka_error_t *e, const char *what, eddy_err *err) {
    int rc = eddy_err_set(err, EDDY_IO, "kafka: %s: %s", what, rd_kafka_error_string(e));
    bool fatal = rd_kafka_error_is_fatal(e);
    rd_kafka_error_destroy(e);
    if (!fatal) {
        rd_kafka_error_t *a = rd_kafka_abort_transaction(kl->kl_tx_prod, KL_TIMEOUT_MS);
        if (a) {
            fatal = true;
            rd_kafka_error_destroy(a);
        }
        /* Serve the failed delivery reports now: they point into the txn. */
        for (int i = 0; !fatal && rd_kafka_outq_len(kl->kl_tx_prod) > 0 && i < 300; i++)
            rd_kafka_poll(kl->kl_tx_prod, 100);
    }
    if (fatal) {
        rd_kafka_destroy(kl->kl_tx_prod);
        kl->kl_tx_prod = NULL;
    }
    return rc;
}

static int send_positions(kafka_log *kl, kafka_txn *t, eddy_err *err) {
    for (size_t i = 0; i < t->kt_pos_count; i++) {
        const char *group = t->kt_pos[i].kp_group;
        bool first = true;
        for (size_t j = 0; j < i; j++)
            if (strcmp(t->kt_pos[j].kp_group, group) == 0) first = false;
        if (!first) continue; /* sent with the group's first position */
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
        for (size_t j = i; j < t->kt_pos_count; j++)
            if (strcmp(t->kt_pos[j].kp_group, group) == 0)
                rd_kafka_topic_partition_list_add(l, t->kt_pos[j].kp_topic,
                                                  t->kt_pos[j].kp_partition)
                    ->offset = t->kt_pos[j].kp_offset;
        rd_kafka_consumer_group_metadata_t *md = rd_kafka_consumer_group_metadata_new(group);
        rd_kafka_error_t *e =
            rd_kafka_send_offsets_to_transaction(kl->kl_tx_prod, l, md, KL_TIMEOUT_MS);
        rd_kafka_consumer_group_metadata_destroy(md);
        rd_kafka_topic_partition_list_destroy(l);
        if (e) return txn_fail(kl, e, "send positions to transaction", err);
    }
    return 0;
}

int kl_txn_commit(eddy_log_txn *txn, int flags, eddy_err *err) {
    (void)flags; /* acks=all already */
    kafka_txn *t = (kafka_txn *)txn;
    kafka_log *kl = log_of(t);
    if (t->kt_finished)
        return eddy_err_set(err, EDDY_INVAL, "transaction is finished (committed)");
    t->kt_finished = true;
    int rc;
    /* Every topic and partition must still be there: nothing is sent otherwise. */
    for (size_t i = 0; i < t->kt_count; i++)
        if ((rc = kl_check_partition(kl, t->kt_recs[i].kr_topic, t->kt_recs[i].kr_partition,
                                     err)))
            return rc;
    for (size_t i = 0; i < t->kt_pos_count; i++)
        if ((rc = kl_check_partition(kl, t->kt_pos[i].kp_topic, t->kt_pos[i].kp_partition,
                                     err)))
            return rc;
    if (t->kt_count == 0 && t->kt_pos_count == 0) {
        t->kt_committed = true;
        return 0;
    }
    if (!kl->kl_tx_prod)
        return eddy_err_set(err, EDDY_IO, "kafka: the transactional producer failed earlier");
    rd_kafka_error_t *e = rd_kafka_begin_transaction(kl->kl_tx_prod);
    if (e) {
        rc = eddy_err_set(err, EDDY_IO, "kafka: begin transaction: %s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return rc;
    }
    for (size_t i = 0; i < t->kt_count; i++) {
        kt_rec *r = &t->kt_recs[i];
        rd_kafka_resp_err_t pe = rd_kafka_producev(
            kl->kl_tx_prod, RD_KAFKA_V_TOPIC(r->kr_topic), RD_KAFKA_V_PARTITION(r->kr_partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(r->kr_key, r->kr_key_len),
            RD_KAFKA_V_VALUE(r->kr_value, r->kr_value_len),
            RD_KAFKA_V_TIMESTAMP(r->kr_timestamp > 0 ? r->kr_timestamp : 0),
            RD_KAFKA_V_HEADERS(r->kr_headers), RD_KAFKA_V_OPAQUE(&r->kr_dv), RD_KAFKA_V_END);
        if (pe) {
            rd_kafka_error_t *fe = rd_kafka_error_new(pe, "produce to %s: %s", r->kr_topic,
                                                      rd_kafka_err2str(pe));
            return txn_fail(kl, fe, "transaction", err);
        }
        r->kr_headers = NULL; /* librdkafka owns them now */
    }
    if ((rc = send_positions(kl, t, err))) return rc;
    if ((e = rd_kafka_commit_transaction(kl->kl_tx_prod, KL_TIMEOUT_MS)))
        return txn_fail(kl, e, "commit transaction", err);
    for (size_t i = 0; i < t->kt_count; i++) {
        kl_delivery_wait(kl->kl_tx_prod, &t->kt_recs[i].kr_dv);
        if (t->kt_recs[i].kr_dv.dv_err) /* cannot happen after a successful commit */
            return kl_fail(err, t->kt_recs[i].kr_dv.dv_err, "transaction",
                           t->kt_recs[i].kr_topic);
    }
    t->kt_committed = true;
    eddy_log_notify(&kl->kl_base);
    return 0;
}

size_t kl_txn_count(const eddy_log_txn *txn) {
    return ((const kafka_txn *)txn)->kt_count;
}

int kl_txn_result(const eddy_log_txn *txn, size_t i, int32_t *partition, int64_t *offset) {
    const kafka_txn *t = (const kafka_txn *)txn;
    if (!t->kt_committed || i >= t->kt_count) return EDDY_INVAL;
    *partition = t->kt_recs[i].kr_dv.dv_partition;
    *offset = t->kt_recs[i].kr_dv.dv_offset;
    return 0;
}

void kl_txn_destroy(eddy_log_txn *txn) {
    kafka_txn *t = (kafka_txn *)txn;
    kafka_log *kl = log_of(t);
    for (size_t i = 0; i < t->kt_count; i++) {
        kt_rec *r = &t->kt_recs[i];
        free(r->kr_topic);
        free(r->kr_key);
        free(r->kr_value);
        if (r->kr_headers) rd_kafka_headers_destroy(r->kr_headers);
    }
    for (size_t i = 0; i < t->kt_pos_count; i++) {
        free(t->kt_pos[i].kp_group);
        free(t->kt_pos[i].kp_topic);
    }
    free(t->kt_recs);
    free(t->kt_pos);
    free(t);
    pthread_mutex_lock(&kl->kl_tx_mu);
    kl->kl_tx_open = false;
    pthread_cond_broadcast(&kl->kl_tx_cv);
    pthread_mutex_unlock(&kl->kl_tx_mu);
}
