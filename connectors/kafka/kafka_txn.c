/* kafka_txn.c - transactions of the Kafka log: records and group positions
 * committed atomically through a transactional producer, or at least once
 * through the idempotent producer (EDDY_LOG_TXN_AT_LEAST_ONCE).
 *
 * Atomic.  An eddy transaction collects copies of its records and its
 * positions in memory; commit runs a whole Kafka transaction at once:
 * begin_transaction, produce every record (asynchronously: librdkafka
 * batches them), send_offsets_to_transaction per group, commit_transaction
 * (which waits for every record to be acknowledged).  So a transaction that
 * is destroyed without commit never reached the cluster, and the Kafka
 * transaction stays open only for the commit.  Results (partition, offset)
 * come from the delivery reports.  The positions of a group that has a
 * subscription in this log are sent with that member's group metadata
 * (member id, generation: a member that lost the group cannot commit), the
 * others with rd_kafka_consumer_group_metadata_new(group).
 *
 * One transactional producer per log, so one open atomic transaction per log:
 * txn_begin from another thread waits until the open one is destroyed; from
 * the thread holding it, it fails with EDDY_INVAL.  transactional.id is
 * "eddy-<pid>-<address>" unless the conf passed at open sets
 * transactional.id; a stable id per query (for fencing zombies) is for the
 * engine wiring to choose.
 *
 * Mock cluster.  librdkafka 2.0.2's mock accepts TxnOffsetCommit but never
 * stores the offsets.  On a log opened on the mock (kl_on_mock), a successful
 * atomic commit therefore also commits its positions with a plain commit
 * (through the group's member when it has one), right after
 * commit_transaction: positions are still never seen ahead of their records,
 * but the two are not atomic there.
 *
 * At least once.  Records go to the idempotent producer as they are added
 * (asynchronously, counted in kt_acks); commit waits until every one is
 * acknowledged (an error fails the commit and no position is committed),
 * then commits the positions as eddy_log_group_commit does.  Any number may
 * be open at once.  A transaction destroyed without commit may have written
 * its records (destroy waits for their reports).
 */
#include "connectors/kafka/kafka_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KT_CHUNK 1024 /* delivery reports per chunk (their addresses must not move) */

typedef struct kt_rec {
    char *kr_topic;
    int32_t kr_partition;
    int64_t kr_timestamp;
    void *kr_key, *kr_value; /* copies; NULL = null */
    size_t kr_key_len, kr_value_len;
    rd_kafka_headers_t *kr_headers; /* owned until produced */
} kt_rec;

typedef struct kt_pos {
    char *kp_group, *kp_topic;
    int32_t kp_partition;
    int64_t kp_offset;
} kt_pos;

typedef struct kafka_txn {
    eddy_log_txn kt_base;
    bool kt_alos;            /* EDDY_LOG_TXN_AT_LEAST_ONCE */
    size_t kt_count;         /* records added */
    kt_rec *kt_recs;         /* atomic: the records, produced at commit */
    size_t kt_cap;
    kl_delivery **kt_dv;     /* record i's report: kt_dv[i / KT_CHUNK][i % KT_CHUNK] */
    size_t kt_dv_chunks;
    kl_acks kt_acks;         /* at least once: reports due */
    kt_pos *kt_pos;
    size_t kt_pos_count, kt_pos_cap;
    bool kt_finished, kt_committed;
} kafka_txn;

static kafka_log *log_of(const kafka_txn *t) { return (kafka_log *)t->kt_base.tx_log; }

static kl_delivery *dv_of(const kafka_txn *t, size_t i) {
    return &t->kt_dv[i / KT_CHUNK][i % KT_CHUNK];
}

/* Makes room for record i's report (zeroed). */
static int dv_reserve(kafka_txn *t, size_t i) {
    size_t chunk = i / KT_CHUNK;
    if (chunk >= t->kt_dv_chunks) {
        void *p = realloc(t->kt_dv, (chunk + 1) * sizeof *t->kt_dv);
        if (!p) return EDDY_NOMEM;
        t->kt_dv = p;
        if (!(t->kt_dv[chunk] = calloc(KT_CHUNK, sizeof **t->kt_dv))) return EDDY_NOMEM;
        t->kt_dv_chunks = chunk + 1;
    }
    memset(dv_of(t, i), 0, sizeof(kl_delivery));
    return 0;
}

static void *dup_bytes(const void *p, size_t n, bool *fail) {
    if (!p) return NULL;
    void *c = malloc(n ? n : 1);
    if (!c) *fail = true;
    else memcpy(c, p, n);
    return c;
}

/* The transactional producer (created and initialised on first use); called
 * with kl_tx_mu held. */
static int tx_producer(kafka_log *kl, eddy_err *err) {
    if (kl->kl_tx_prod) return 0;
    char id[64];
    snprintf(id, sizeof id, "eddy-%ld-%p", (long)getpid(), (void *)kl);
    const char *extra[] = {"transactional.id", kl->kl_txn_id ? kl->kl_txn_id : id, NULL};
    if (!(kl->kl_tx_prod = kl_handle_new(kl, RD_KAFKA_PRODUCER, extra, err)))
        return err ? err->code : EDDY_CONFIG;
    rd_kafka_error_t *e = rd_kafka_init_transactions(kl->kl_tx_prod, KL_TIMEOUT_MS);
    if (!e) return 0;
    int rc = eddy_err_set(err, EDDY_IO, "kafka: init transactions: %s", rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    rd_kafka_destroy(kl->kl_tx_prod);
    kl->kl_tx_prod = NULL;
    return rc;
}

int kl_txn_begin(eddy_log *log, int flags, eddy_log_txn **out, eddy_err *err) {
    kafka_log *kl = (kafka_log *)log;
    kafka_txn *t = calloc(1, sizeof *t);
    if (!t) return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    t->kt_base.tx_log = log;
    t->kt_alos = (flags & EDDY_LOG_TXN_AT_LEAST_ONCE) != 0;
    atomic_init(&t->kt_acks.ak_pending, 0);
    atomic_init(&t->kt_acks.ak_err, 0);
    if (t->kt_alos) {
        *out = &t->kt_base;
        return 0;
    }
    pthread_mutex_lock(&kl->kl_tx_mu);
    while (kl->kl_tx_open) {
        if (pthread_equal(kl->kl_tx_owner, pthread_self())) {
            pthread_mutex_unlock(&kl->kl_tx_mu);
            free(t);
            return eddy_err_set(err, EDDY_INVAL,
                                "kafka: this thread already has an open transaction "
                                "(one atomic transaction per log)");
        }
        pthread_cond_wait(&kl->kl_tx_cv, &kl->kl_tx_mu);
    }
    int rc = tx_producer(kl, err);
    if (rc == 0) {
        kl->kl_tx_open = true;
        kl->kl_tx_owner = pthread_self();
        *out = &t->kt_base;
    } else {
        free(t);
    }
    pthread_mutex_unlock(&kl->kl_tx_mu);
    return rc;
}

/* At least once: the record goes out now. */
static int produce_now(kafka_txn *t, const char *topic, int32_t p, const eddy_log_record *rec,
                       eddy_err *err) {
    kafka_log *kl = log_of(t);
    int prior = atomic_load(&t->kt_acks.ak_err);
    if (prior)
        return kl_fail(err, (rd_kafka_resp_err_t)prior, "transaction: an earlier record failed",
                       t->kt_acks.ak_topic);
    if (dv_reserve(t, t->kt_count)) return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    kl_delivery *dv = dv_of(t, t->kt_count);
    dv->dv_acks = &t->kt_acks;
    rd_kafka_headers_t *h = kl_headers_of(rec);
    atomic_fetch_add(&t->kt_acks.ak_pending, 1); /* before: the report may come at once */
    rd_kafka_resp_err_t e = kl_produce_async(
        kl->kl_prod, topic, p, rec->key, rec->key ? rec->key_len : 0, rec->value,
        rec->value ? rec->value_len : 0, rec->timestamp, h, dv);
    if (e) {
        atomic_fetch_sub(&t->kt_acks.ak_pending, 1);
        if (h) rd_kafka_headers_destroy(h);
        return kl_fail(err, e, "produce", topic);
    }
    t->kt_count++;
    return 0;
}

/* Atomic: a copy of the record, produced at commit. */
static int keep_copy(kafka_txn *t, const char *topic, int32_t p, const eddy_log_record *rec,
                     eddy_err *err) {
    if (t->kt_count == t->kt_cap) {
        size_t cap = t->kt_cap ? 2 * t->kt_cap : 8;
        void *np = realloc(t->kt_recs, cap * sizeof *t->kt_recs);
        if (!np) return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
        t->kt_recs = np;
        t->kt_cap = cap;
    }
    if (dv_reserve(t, t->kt_count)) return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    kt_rec *r = &t->kt_recs[t->kt_count];
    memset(r, 0, sizeof *r);
    bool fail = false;
    /* Records of one topic usually follow each other: share the name. */
    if (t->kt_count > 0 && strcmp(t->kt_recs[t->kt_count - 1].kr_topic, topic) == 0)
        r->kr_topic = NULL;
    else if (!(r->kr_topic = strdup(topic)))
        fail = true;
    r->kr_partition = p;
    r->kr_timestamp = rec->timestamp;
    r->kr_key = dup_bytes(rec->key, rec->key_len, &fail);
    r->kr_key_len = rec->key ? rec->key_len : 0;
    r->kr_value = dup_bytes(rec->value, rec->value_len, &fail);
    r->kr_value_len = rec->value ? rec->value_len : 0;
    r->kr_headers = kl_headers_of(rec);
    if (fail) {
        free(r->kr_topic);
        free(r->kr_key);
        free(r->kr_value);
        if (r->kr_headers) rd_kafka_headers_destroy(r->kr_headers);
        return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    }
    if (!r->kr_topic) r->kr_topic = t->kt_recs[t->kt_count - 1].kr_topic; /* shared */
    t->kt_count++;
    return 0;
}

/* true when record i shares its topic name with record i - 1. */
static bool topic_shared(const kafka_txn *t, size_t i) {
    return i > 0 && t->kt_recs[i].kr_topic == t->kt_recs[i - 1].kr_topic;
}

int kl_txn_produce(eddy_log_txn *txn, const char *topic, int32_t partition,
                   const eddy_log_record *rec, int32_t *out_partition, eddy_err *err) {
    kafka_txn *t = (kafka_txn *)txn;
    if (t->kt_finished)
        return eddy_err_set(err, EDDY_INVAL, "transaction is finished (committed)");
    int32_t p;
    int rc = kl_pick_partition(log_of(t), topic, partition, rec, &p, err);
    if (rc) return rc;
    rc = t->kt_alos ? produce_now(t, topic, p, rec, err) : keep_copy(t, topic, p, rec, err);
    if (rc) return rc;
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

/* The positions of group i's first position's group (those of other groups
 * are left out), as a new list; *first is false when an earlier position has
 * the same group (it was handled with that one). */
static rd_kafka_topic_partition_list_t *group_list(const kafka_txn *t, size_t i, bool *first) {
    const char *group = t->kt_pos[i].kp_group;
    *first = true;
    for (size_t j = 0; j < i; j++)
        if (strcmp(t->kt_pos[j].kp_group, group) == 0) *first = false;
    if (!*first) return NULL;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    for (size_t j = i; j < t->kt_pos_count; j++)
        if (strcmp(t->kt_pos[j].kp_group, group) == 0)
            rd_kafka_topic_partition_list_add(l, t->kt_pos[j].kp_topic, t->kt_pos[j].kp_partition)
                ->offset = t->kt_pos[j].kp_offset;
    return l;
}

/* Commits the positions plainly, group by group (at least once, and the
 * mock's stand-in for TxnOffsetCommit). */
static int commit_positions(kafka_log *kl, kafka_txn *t, eddy_err *err) {
    for (size_t i = 0; i < t->kt_pos_count; i++) {
        bool first;
        rd_kafka_topic_partition_list_t *l = group_list(t, i, &first);
        if (!first) continue;
        int rc = kl_positions_commit(kl, t->kt_pos[i].kp_group, l, err);
        rd_kafka_topic_partition_list_destroy(l);
        if (rc) return rc;
    }
    return 0;
}

/* Every topic and partition must still be there: nothing is sent otherwise. */
static int check_targets(kafka_log *kl, kafka_txn *t, eddy_err *err) {
    int rc;
    for (size_t i = 0; !t->kt_alos && i < t->kt_count; i++) {
        const kt_rec *r = &t->kt_recs[i];
        if (topic_shared(t, i) && r->kr_partition == t->kt_recs[i - 1].kr_partition) continue;
        if ((rc = kl_check_partition(kl, r->kr_topic, r->kr_partition, err))) return rc;
    }
    for (size_t i = 0; i < t->kt_pos_count; i++)
        if ((rc = kl_check_partition(kl, t->kt_pos[i].kp_topic, t->kt_pos[i].kp_partition, err)))
            return rc;
    return 0;
}

static int commit_at_least_once(kafka_log *kl, kafka_txn *t, eddy_err *err) {
    kl_acks_wait(kl->kl_prod, &t->kt_acks);
    int e = atomic_load(&t->kt_acks.ak_err);
    if (e)
        return kl_fail(err, (rd_kafka_resp_err_t)e,
                       "transaction (records not all written, positions not committed): produce",
                       t->kt_acks.ak_topic);
    int rc = check_targets(kl, t, err);
    if (rc) return rc;
    /* The records are written: a position commit the cluster refuses for a
     * moment (coordinator moving, rebalance) is tried again, then reported
     * as EDDY_AGAIN (the records need not be written again). */
    for (int attempt = 0;; attempt++) {
        rc = commit_positions(kl, t, err);
        if (!rc || (rc != EDDY_IO && rc != EDDY_TIMEOUT) || attempt == 2) break;
        struct timespec ts = {0, (attempt + 1) * 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (rc == EDDY_IO || rc == EDDY_TIMEOUT) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
        return eddy_err_set(err, EDDY_AGAIN, "records written, positions not committed: %s", msg);
    }
    if (rc) return rc;
    t->kt_committed = true;
    eddy_log_notify(&kl->kl_base);
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

/* send_offsets_to_transaction per group, with the group's member's metadata
 * when this log has a subscription of it. */
static int send_positions(kafka_log *kl, kafka_txn *t, eddy_err *err) {
    for (size_t i = 0; i < t->kt_pos_count; i++) {
        bool first;
        rd_kafka_topic_partition_list_t *l = group_list(t, i, &first);
        if (!first) continue;
        kafka_sub *sub = NULL;
        rd_kafka_t *member = kl_sub_acquire(kl, t->kt_pos[i].kp_group, &sub);
        rd_kafka_consumer_group_metadata_t *md =
            member ? rd_kafka_consumer_group_metadata(member)
                   : rd_kafka_consumer_group_metadata_new(t->kt_pos[i].kp_group);
        rd_kafka_error_t *e =
            rd_kafka_send_offsets_to_transaction(kl->kl_tx_prod, l, md, KL_TIMEOUT_MS);
        if (sub) kl_sub_release(kl, sub);
        rd_kafka_consumer_group_metadata_destroy(md);
        rd_kafka_topic_partition_list_destroy(l);
        if (e) return txn_fail(kl, e, "send positions to transaction", err);
    }
    return 0;
}

static int commit_atomic(kafka_log *kl, kafka_txn *t, eddy_err *err) {
    int rc = check_targets(kl, t, err);
    if (rc) return rc;
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
        rd_kafka_resp_err_t pe = kl_produce_async(
            kl->kl_tx_prod, r->kr_topic, r->kr_partition, r->kr_key, r->kr_key_len, r->kr_value,
            r->kr_value_len, r->kr_timestamp, r->kr_headers, dv_of(t, i));
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
        kl_delivery *dv = dv_of(t, i);
        kl_delivery_wait(kl->kl_tx_prod, dv);
        if (dv->dv_err) /* cannot happen after a successful commit */
            return kl_fail(err, dv->dv_err, "transaction", t->kt_recs[i].kr_topic);
    }
    t->kt_committed = true;
    eddy_log_notify(&kl->kl_base);
    /* The mock does not store TxnOffsetCommit's offsets (see the top). */
    if (kl->kl_on_mock && (rc = commit_positions(kl, t, err))) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err ? err->msg : "");
        return eddy_err_set(err, rc, "kafka: mock cluster: the transaction is committed but its "
                                     "positions could not be: %s", why);
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
    return t->kt_alos ? commit_at_least_once(kl, t, err) : commit_atomic(kl, t, err);
}

size_t kl_txn_count(const eddy_log_txn *txn) {
    return ((const kafka_txn *)txn)->kt_count;
}

int kl_txn_result(const eddy_log_txn *txn, size_t i, int32_t *partition, int64_t *offset) {
    const kafka_txn *t = (const kafka_txn *)txn;
    if (!t->kt_committed || i >= t->kt_count) return EDDY_INVAL;
    const kl_delivery *dv = dv_of(t, i);
    *partition = dv->dv_partition;
    *offset = dv->dv_offset;
    return 0;
}

void kl_txn_destroy(eddy_log_txn *txn) {
    kafka_txn *t = (kafka_txn *)txn;
    kafka_log *kl = log_of(t);
    if (t->kt_alos) kl_acks_wait(kl->kl_prod, &t->kt_acks); /* reports point into t */
    for (size_t i = 0; !t->kt_alos && i < t->kt_count; i++) {
        kt_rec *r = &t->kt_recs[i];
        if (!topic_shared(t, i)) free(r->kr_topic);
        free(r->kr_key);
        free(r->kr_value);
        if (r->kr_headers) rd_kafka_headers_destroy(r->kr_headers);
    }
    for (size_t i = 0; i < t->kt_pos_count; i++) {
        free(t->kt_pos[i].kp_group);
        free(t->kt_pos[i].kp_topic);
    }
    for (size_t i = 0; i < t->kt_dv_chunks; i++) free(t->kt_dv[i]);
    free(t->kt_dv);
    free(t->kt_recs);
    free(t->kt_pos);
    bool alos = t->kt_alos;
    free(t);
    if (alos) return;
    pthread_mutex_lock(&kl->kl_tx_mu);
    kl->kl_tx_open = false;
    pthread_cond_broadcast(&kl->kl_tx_cv);
    pthread_mutex_unlock(&kl->kl_tx_mu);
}
