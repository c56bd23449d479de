/* kafka_sub.c - subscriptions of the Kafka log: one consumer per
 * subscription, member of the consumer group, whose partitions are read
 * ahead by a thread into one bounded buffer per assigned partition.
 *
 * The consumer: group.id = the group, subscribed to the topics, eager
 * rebalance protocol (partition.assignment.strategy "range,roundrobin",
 * forced: the code below assumes every revoke takes the whole assignment),
 * read_committed, no automatic commits, auto.offset.reset earliest (a start
 * below the partition's start offset continues from there).
 *
 * The thread polls the consumer, and so runs the rebalance callback:
 *   assign  buffers are made (fetches from them give nothing until the
 *           start is known), fn(assigned) with starts[] preset to
 *           EDDY_LOG_OFFSET_COMMITTED, then those still
 *           EDDY_LOG_OFFSET_COMMITTED are resolved here (committed offset
 *           through this member, else the partition's start offset), and
 *           rd_kafka_assign gets the offsets;
 *   revoke  fn(revoked) first for every partition held (it may commit
 *           through this member, and fetch what is buffered), then
 *           rd_kafka_assign(NULL) and the buffers go.
 * fn runs with no lock held.  Messages go into their partition's buffer
 * (records below where the buffer continues are stale and dropped).  While
 * the buffers together hold KS_BUF_RECORDS records or KS_BUF_BYTES bytes the
 * thread stops polling, until eddy_log_sub_fetch drains them: librdkafka's
 * own prefetch queue then fills up and it stops fetching by itself.  (An
 * earlier version paused single partitions; in librdkafka 2.0.2 a resumed
 * partition is fetched again only about a second later, which stalled the
 * reading.)  New records call eddy_log_notify.
 *
 * eddy_log_sub_fetch takes records out of the buffer without waiting; the
 * batch holds the rd_kafka_message_t themselves (as eddy_log_fetch's).  A
 * fetch from another offset than where the buffer continues drops the buffer
 * and asks the thread to seek (rd_kafka_seek_partitions); seeks are
 * done by the thread, between polls, so that no message
 * polled before a seek is taken for one after it.
 *
 * While a subscription is listed in the log (kl_subs), the group's commits,
 * committed lookups and transactions' positions use its consumer
 * (kl_sub_acquire holds a reference; close waits for them to drop).
 * eddy_log_sub_close stops the thread, which revokes everything through fn
 * and then calls rd_kafka_consumer_close, which leaves the group at once.
 */
#include "connectors/kafka/kafka_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KS_BUF_RECORDS 50000         /* all buffers: stop polling above ... */
#define KS_BUF_BYTES (32u << 20)     /* ... either */
#define KS_POLL_BATCH 500            /* messages routed per lock of ks_mu */
#define KS_POLL_MS 100

typedef struct ks_part {
    char *kp_topic;
    int32_t kp_partition;
    rd_kafka_message_t **kp_ring; /* kp_count messages from kp_head, offset order */
    size_t kp_head, kp_count, kp_cap;
    size_t kp_bytes;              /* keys and values buffered */
    int64_t kp_next;              /* where the buffer continues (sub_fetch's offset) */
    int64_t kp_tail;              /* the next offset expected from the consumer */
    bool kp_starting;             /* assigned, start not chosen yet: fetches are empty */
    bool kp_seek;                 /* the thread must seek to kp_tail */
} ks_part;

struct kafka_sub {
    eddy_log_sub ks_base;
    kafka_log *ks_log;
    char *ks_group;
    eddy_log_rebalance_fn ks_fn;
    void *ks_ud;
    rd_kafka_t *ks_rk;
    rd_kafka_queue_t *ks_queue; /* the consumer queue, yielded to wake the thread */
    pthread_t ks_thread;
    bool ks_started;
    _Atomic bool ks_stop;
    _Atomic bool ks_work;       /* a seek is due */
    uint64_t ks_gen;            /* thread only: rebalances so far */
    pthread_mutex_t ks_mu;      /* ks_parts and what they hold */
    ks_part **ks_parts;
    size_t ks_nparts;
    int ks_refs;                /* kl_mu: kl_sub_acquire references */
};

/* ---- buffers --------------------------------------------------------------- */

static size_t msg_size(const rd_kafka_message_t *m) {
    return m->len + m->key_len;
}

static ks_part *part_find(kafka_sub *s, const char *topic, int32_t partition) {
    for (size_t i = 0; i < s->ks_nparts; i++) {
        ks_part *p = s->ks_parts[i];
        if (p->kp_partition == partition && strcmp(p->kp_topic, topic) == 0) return p;
    }
    return NULL;
}

/* Drops p's buffered messages (destroyed now: librdkafka calls that are safe
 * under ks_mu). */
static void part_drop(ks_part *p) {
    for (size_t i = 0; i < p->kp_count; i++)
        rd_kafka_message_destroy(p->kp_ring[(p->kp_head + i) % p->kp_cap]);
    p->kp_head = p->kp_count = 0;
    p->kp_bytes = 0;
}

static void part_free(ks_part *p) {
    if (!p) return;
    part_drop(p);
    free(p->kp_ring);
    free(p->kp_topic);
    free(p);
}

static int part_push(ks_part *p, rd_kafka_message_t *m) {
    if (p->kp_count == p->kp_cap) {
        size_t cap = p->kp_cap ? 2 * p->kp_cap : 64;
        rd_kafka_message_t **r = malloc(cap * sizeof *r);
        if (!r) return EDDY_NOMEM;
        for (size_t i = 0; i < p->kp_count; i++) r[i] = p->kp_ring[(p->kp_head + i) % p->kp_cap];
        free(p->kp_ring);
        p->kp_ring = r;
        p->kp_cap = cap;
        p->kp_head = 0;
    }
    p->kp_ring[(p->kp_head + p->kp_count) % p->kp_cap] = m;
    p->kp_count++;
    p->kp_bytes += msg_size(m);
    return 0;
}

/* Whether the buffers together are full (ks_mu held). */
static bool bufs_full(const kafka_sub *s) {
    size_t count = 0, bytes = 0;
    for (size_t i = 0; i < s->ks_nparts; i++) {
        count += s->ks_parts[i]->kp_count;
        bytes += s->ks_parts[i]->kp_bytes;
    }
    return count >= KS_BUF_RECORDS || bytes >= KS_BUF_BYTES;
}

/* Wakes the thread for a seek. */
static void wake(kafka_sub *s) {
    atomic_store(&s->ks_work, true);
    rd_kafka_queue_yield(s->ks_queue);
}

/* ---- the thread: seeks, messages -------------------------------------------- */

static void on_revoke(kafka_sub *s);

/* Seeks asked for since the last time. */
static void do_work(kafka_sub *s) {
    rd_kafka_topic_partition_list_t *seek = rd_kafka_topic_partition_list_new(4);
    pthread_mutex_lock(&s->ks_mu);
    for (size_t i = 0; i < s->ks_nparts; i++) {
        ks_part *p = s->ks_parts[i];
        if (p->kp_seek) {
            rd_kafka_topic_partition_list_add(seek, p->kp_topic, p->kp_partition)->offset =
                p->kp_tail;
            p->kp_seek = false;
        }
    }
    pthread_mutex_unlock(&s->ks_mu);
    if (seek->cnt) {
        rd_kafka_error_t *e = rd_kafka_seek_partitions(s->ks_rk, seek, KL_TIMEOUT_MS);
        if (e) {
            fprintf(stderr, "eddy: kafka: group %s: seek: %s\n", s->ks_group,
                    rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
    }
    rd_kafka_topic_partition_list_destroy(seek);
}

/* Puts polled messages into their buffers; returns how many were kept. */
static size_t route(kafka_sub *s, rd_kafka_message_t **msgs, size_t n, bool *full) {
    size_t kept = 0;
    pthread_mutex_lock(&s->ks_mu);
    for (size_t i = 0; i < n; i++) {
        rd_kafka_message_t *m = msgs[i];
        ks_part *p = NULL;
        if (!m->err && m->rkt)
            p = part_find(s, rd_kafka_topic_name(m->rkt), m->partition);
        /* Not (or no longer) assigned, a seek pending, or before where the
         * buffer continues: stale. */
        if (!p || p->kp_seek || m->offset < p->kp_tail || part_push(p, m)) {
            rd_kafka_message_destroy(m);
            continue;
        }
        p->kp_tail = m->offset + 1;
        kept++;
    }
    *full = bufs_full(s);
    pthread_mutex_unlock(&s->ks_mu);
    return kept;
}

static void *sub_main(void *arg) {
    kafka_sub *s = arg;
    rd_kafka_message_t *msgs[KS_POLL_BATCH];
    while (!atomic_load(&s->ks_stop)) {
        if (atomic_exchange(&s->ks_work, false)) do_work(s);
        size_t n = 0;
        uint64_t gen = s->ks_gen;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(s->ks_rk, KS_POLL_MS);
        while (m) {
            if (s->ks_gen != gen) { /* a rebalance ran: what came before is stale */
                for (size_t i = 0; i < n; i++) rd_kafka_message_destroy(msgs[i]);
                n = 0;
                gen = s->ks_gen;
            }
            if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF &&
                rd_kafka_fatal_error(s->ks_rk, NULL, 0))
                fprintf(stderr, "eddy: kafka: group %s: %s\n", s->ks_group,
                        rd_kafka_message_errstr(m));
            msgs[n++] = m;
            if (n == KS_POLL_BATCH || atomic_load(&s->ks_stop)) break;
            m = rd_kafka_consumer_poll(s->ks_rk, 0);
        }
        if (s->ks_gen != gen) {
            for (size_t i = 0; i < n; i++) rd_kafka_message_destroy(msgs[i]);
            n = 0;
        }
        bool full = false;
        if (n && route(s, msgs, n, &full)) eddy_log_notify(&s->ks_log->kl_base);
        /* Full: wait for the readers (a seek or a stop ends the wait). */
        while (full && !atomic_load(&s->ks_stop) && !atomic_load(&s->ks_work)) {
            struct timespec ts = {0, 2 * 1000 * 1000};
            nanosleep(&ts, NULL);
            pthread_mutex_lock(&s->ks_mu);
            full = bufs_full(s);
            pthread_mutex_unlock(&s->ks_mu);
        }
    }
    /* Leaving: everything is given back through fn while this is still a
     * member (so fn's commits count), then the member leaves the group (the
     * revoke callback that closing triggers finds nothing left). */
    s->ks_gen++;
    on_revoke(s);
    rd_kafka_consumer_close(s->ks_rk);
    return NULL;
}

/* ---- rebalances ------------------------------------------------------------ */

/* The partitions of l as eddy_log_tp (topics borrowed from l), or NULL. */
static eddy_log_tp *tps_of(const rd_kafka_topic_partition_list_t *l) {
    eddy_log_tp *tps = calloc((size_t)l->cnt + 1, sizeof *tps);
    for (int i = 0; tps && i < l->cnt; i++)
        tps[i] = (eddy_log_tp){l->elems[i].topic, l->elems[i].partition};
    return tps;
}

static void fn_failed(kafka_sub *s, const char *what, int rc) {
    fprintf(stderr, "eddy: kafka: group %s: the %s callback failed: %s\n", s->ks_group, what,
            eddy_err_name(rc));
}

/* Turns the starts left at EDDY_LOG_OFFSET_COMMITTED into offsets: the
 * group's committed position through this member, else the partition's
 * start offset (else 0: auto.offset.reset moves it up). */
static void resolve_starts(kafka_sub *s, const rd_kafka_topic_partition_list_t *parts,
                           int64_t *starts) {
    rd_kafka_topic_partition_list_t *q = rd_kafka_topic_partition_list_new(parts->cnt);
    for (int i = 0; i < parts->cnt; i++)
        if (starts[i] == EDDY_LOG_OFFSET_COMMITTED)
            rd_kafka_topic_partition_list_add(q, parts->elems[i].topic, parts->elems[i].partition);
    if (q->cnt && rd_kafka_committed(s->ks_rk, q, KL_TIMEOUT_MS))
        for (int j = 0; j < q->cnt; j++) q->elems[j].offset = RD_KAFKA_OFFSET_INVALID;
    for (int i = 0, j = 0; i < parts->cnt; i++) {
        if (starts[i] != EDDY_LOG_OFFSET_COMMITTED) continue;
        const rd_kafka_topic_partition_t *c = &q->elems[j++];
        if (!c->err && c->offset >= 0) {
            starts[i] = c->offset;
            continue;
        }
        int64_t lo = 0, hi = 0;
        if (rd_kafka_query_watermark_offsets(s->ks_rk, c->topic, c->partition, &lo, &hi,
                                             KL_TIMEOUT_MS))
            lo = 0;
        starts[i] = lo;
    }
    rd_kafka_topic_partition_list_destroy(q);
}

/* Buffers for the partitions of an assignment, made before fn is told (so
 * that a fetch it starts finds them, empty until their start is known). */
static int parts_make(kafka_sub *s, const rd_kafka_topic_partition_list_t *parts) {
    size_t n = (size_t)parts->cnt;
    pthread_mutex_lock(&s->ks_mu);
    void *np = realloc(s->ks_parts, (s->ks_nparts + n + 1) * sizeof *s->ks_parts);
    if (np) s->ks_parts = np;
    for (size_t i = 0; np && i < n; i++) {
        const rd_kafka_topic_partition_t *tp = &parts->elems[i];
        ks_part *p = part_find(s, tp->topic, tp->partition);
        if (p) { /* cannot happen with eager rebalances: start it over */
            part_drop(p);
        } else {
            if (!(p = calloc(1, sizeof *p)) || !(p->kp_topic = strdup(tp->topic))) {
                part_free(p);
                np = NULL;
                break;
            }
            p->kp_partition = tp->partition;
            s->ks_parts[s->ks_nparts++] = p;
        }
        p->kp_starting = true;
        p->kp_seek = false;
    }
    pthread_mutex_unlock(&s->ks_mu);
    return np ? 0 : EDDY_NOMEM;
}

static void on_assign(kafka_sub *s, rd_kafka_topic_partition_list_t *parts) {
    size_t n = (size_t)parts->cnt;
    eddy_log_tp *tps = tps_of(parts);
    int64_t *starts = malloc((n + 1) * sizeof *starts);
    if (!tps || !starts || parts_make(s, parts)) {
        fprintf(stderr, "eddy: kafka: group %s: out of memory taking an assignment\n",
                s->ks_group);
        free(tps);
        free(starts);
        rd_kafka_assign(s->ks_rk, parts); /* the group expects it; nothing is buffered */
        return;
    }
    for (size_t i = 0; i < n; i++) starts[i] = EDDY_LOG_OFFSET_COMMITTED;
    if (s->ks_fn && n) {
        int rc = s->ks_fn(s->ks_ud, true, tps, n, starts);
        if (rc) fn_failed(s, "assignment", rc);
    }
    for (size_t i = 0; i < n; i++)
        if (starts[i] < 0 && starts[i] != EDDY_LOG_OFFSET_COMMITTED)
            starts[i] = EDDY_LOG_OFFSET_COMMITTED; /* a bad start: the default */
    resolve_starts(s, parts, starts);
    pthread_mutex_lock(&s->ks_mu);
    for (size_t i = 0; i < n; i++) {
        parts->elems[i].offset = starts[i];
        ks_part *p = part_find(s, parts->elems[i].topic, parts->elems[i].partition);
        if (!p) continue;
        p->kp_next = p->kp_tail = starts[i];
        p->kp_starting = false;
    }
    pthread_mutex_unlock(&s->ks_mu);
    rd_kafka_resp_err_t e = rd_kafka_assign(s->ks_rk, parts);
    if (e)
        fprintf(stderr, "eddy: kafka: group %s: assign: %s\n", s->ks_group, rd_kafka_err2str(e));
    free(tps);
    free(starts);
    eddy_log_notify(&s->ks_log->kl_base);
}

/* Gives up every partition this member holds (eager: a revoke takes the
 * whole assignment): fn first, with the buffers still there. */
static void on_revoke(kafka_sub *s) {
    pthread_mutex_lock(&s->ks_mu);
    size_t n = s->ks_nparts;
    eddy_log_tp *tps = calloc(n + 1, sizeof *tps);
    for (size_t i = 0; tps && i < n; i++)
        tps[i] = (eddy_log_tp){s->ks_parts[i]->kp_topic, s->ks_parts[i]->kp_partition};
    pthread_mutex_unlock(&s->ks_mu); /* only this thread changes ks_parts */
    if (s->ks_fn && n) {
        int rc = tps ? s->ks_fn(s->ks_ud, false, tps, n, NULL) : EDDY_NOMEM;
        if (rc) fn_failed(s, "revocation", rc);
    }
    free(tps);
    rd_kafka_assign(s->ks_rk, NULL);
    pthread_mutex_lock(&s->ks_mu);
    for (size_t i = 0; i < s->ks_nparts; i++) part_free(s->ks_parts[i]);
    s->ks_nparts = 0;
    pthread_mutex_unlock(&s->ks_mu);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    (void)rk;
    kafka_sub *s = opaque;
    s->ks_gen++;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) on_assign(s, parts);
    else on_revoke(s); /* revoked, or a failure: give everything up */
}

/* ---- open, fetch, close ------------------------------------------------------ */

rd_kafka_t *kl_sub_acquire(kafka_log *kl, const char *group, kafka_sub **sub) {
    *sub = NULL;
    pthread_mutex_lock(&kl->kl_mu);
    for (size_t i = 0; i < kl->kl_sub_count && !*sub; i++)
        if (strcmp(kl->kl_subs[i]->ks_group, group) == 0) *sub = kl->kl_subs[i];
    if (*sub) (*sub)->ks_refs++;
    pthread_mutex_unlock(&kl->kl_mu);
    return *sub ? (*sub)->ks_rk : NULL;
}

void kl_sub_release(kafka_log *kl, kafka_sub *sub) {
    pthread_mutex_lock(&kl->kl_mu);
    if (--sub->ks_refs == 0) pthread_cond_broadcast(&kl->kl_sub_cv);
    pthread_mutex_unlock(&kl->kl_mu);
}

static int list_add(kafka_log *kl, kafka_sub *s) {
    pthread_mutex_lock(&kl->kl_mu);
    void *p = realloc(kl->kl_subs, (kl->kl_sub_count + 1) * sizeof *kl->kl_subs);
    if (p) {
        kl->kl_subs = p;
        kl->kl_subs[kl->kl_sub_count++] = s;
    }
    pthread_mutex_unlock(&kl->kl_mu);
    return p ? 0 : EDDY_NOMEM;
}

/* Takes s out of the log's list and waits until nobody uses its consumer. */
static void list_remove(kafka_log *kl, kafka_sub *s) {
    pthread_mutex_lock(&kl->kl_mu);
    for (size_t i = 0; i < kl->kl_sub_count; i++)
        if (kl->kl_subs[i] == s) {
            kl->kl_subs[i] = kl->kl_subs[--kl->kl_sub_count];
            break;
        }
    while (s->ks_refs > 0) pthread_cond_wait(&kl->kl_sub_cv, &kl->kl_mu);
    pthread_mutex_unlock(&kl->kl_mu);
}

static void sub_free(kafka_sub *s) {
    /* Messages first: rd_kafka_destroy waits for every one to be destroyed. */
    for (size_t i = 0; i < s->ks_nparts; i++) part_free(s->ks_parts[i]);
    if (s->ks_queue) rd_kafka_queue_destroy(s->ks_queue);
    if (s->ks_rk) rd_kafka_destroy(s->ks_rk);
    free(s->ks_parts);
    free(s->ks_group);
    pthread_mutex_destroy(&s->ks_mu);
    free(s);
}

int kl_sub_open(eddy_log *log, const char *group, const char *const *topics, size_t ntopics,
                eddy_log_rebalance_fn fn, void *ud, eddy_log_sub **out, eddy_err *err) {
    kafka_log *kl = (kafka_log *)log;
    int32_t n;
    int rc;
    for (size_t i = 0; i < ntopics; i++)
        if ((rc = kl_topic_partitions(kl, topics[i], &n, NULL, err))) return rc;
    kafka_sub *s = calloc(1, sizeof *s);
    if (!s) return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    pthread_mutex_init(&s->ks_mu, NULL);
    s->ks_base.sb_log = log;
    s->ks_log = kl;
    s->ks_fn = fn;
    s->ks_ud = ud;
    if (!(s->ks_group = strdup(group))) {
        sub_free(s);
        return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    }
    const char *extra[] = {
        "group.id", group,
        "partition.assignment.strategy", "range,roundrobin", /* eager */
        "auto.offset.reset", "earliest",
        "enable.partition.eof", "false",
        NULL,
    };
    rd_kafka_conf_t *c = kl_conf_new(kl, RD_KAFKA_CONSUMER, extra, err);
    if (!c) {
        rc = err ? err->code : EDDY_CONFIG;
        sub_free(s);
        return rc;
    }
    rd_kafka_conf_set_rebalance_cb(c, rebalance_cb);
    rd_kafka_conf_set_opaque(c, s);
    if (!(s->ks_rk = kl_handle_from(RD_KAFKA_CONSUMER, c, err))) {
        rc = err ? err->code : EDDY_CONFIG;
        sub_free(s);
        return rc;
    }
    s->ks_queue = rd_kafka_queue_get_consumer(s->ks_rk);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)ntopics);
    for (size_t i = 0; i < ntopics; i++)
        rd_kafka_topic_partition_list_add(l, topics[i], RD_KAFKA_PARTITION_UA);
    if (list_add(kl, s)) {
        rd_kafka_topic_partition_list_destroy(l);
        sub_free(s);
        return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    }
    rd_kafka_resp_err_t e = rd_kafka_subscribe(s->ks_rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (!e && pthread_create(&s->ks_thread, NULL, sub_main, s) != 0)
        e = RD_KAFKA_RESP_ERR__FAIL;
    if (e) {
        list_remove(kl, s);
        rd_kafka_consumer_close(s->ks_rk);
        sub_free(s);
        return kl_fail(err, e, "subscribe group", NULL);
    }
    s->ks_started = true;
    *out = &s->ks_base;
    return 0;
}

int kl_sub_fetch(eddy_log_sub *sub, const char *topic, int32_t partition, int64_t offset,
                 size_t max_records, size_t max_bytes, eddy_log_batch *out, eddy_err *err) {
    kafka_sub *s = (kafka_sub *)sub;
    bool wake_up = false;
    int rc = 0;
    pthread_mutex_lock(&s->ks_mu);
    ks_part *p = part_find(s, topic, partition);
    if (!p || kl_batch_hold(out)) {
        pthread_mutex_unlock(&s->ks_mu);
        if (p) return eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
        return eddy_err_set(err, EDDY_NOTFOUND,
                            "kafka: %s[%d] is not assigned to this member of group %s", topic,
                            (int)partition, s->ks_group);
    }
    if (p->kp_starting) { /* its start is being chosen: nothing yet */
        pthread_mutex_unlock(&s->ks_mu);
        out->next_offset = out->end_offset = offset;
        return 0;
    }
    if (offset != EDDY_LOG_OFFSET_COMMITTED && offset != p->kp_next) {
        part_drop(p); /* read from elsewhere: the thread seeks */
        p->kp_next = p->kp_tail = offset;
        p->kp_seek = true;
        wake_up = true;
    }
    size_t bytes = 0;
    while (!p->kp_seek && out->count < max_records && p->kp_count > 0) {
        rd_kafka_message_t *m = p->kp_ring[p->kp_head];
        size_t n = kl_msg_bytes(m);
        if (max_bytes && out->count > 0 && bytes + n > max_bytes) break;
        if (kl_batch_add(out, m)) {
            rc = eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
            break;
        }
        p->kp_head = (p->kp_head + 1) % p->kp_cap;
        p->kp_count--;
        p->kp_bytes -= msg_size(m);
        p->kp_next = m->offset + 1;
        bytes += n;
        if (max_bytes && bytes >= max_bytes) break;
    }
    out->next_offset = p->kp_next;
    pthread_mutex_unlock(&s->ks_mu);
    if (wake_up) wake(s);
    if (!rc && kl_batch_headers(out)) rc = eddy_err_set(err, EDDY_NOMEM, "kafka: out of memory");
    int64_t lo = -1, hi = -1;
    rd_kafka_get_watermark_offsets(s->ks_rk, topic, partition, &lo, &hi); /* cached, no request */
    out->end_offset = hi > out->next_offset ? hi : out->next_offset;
    return rc;
}

void kl_sub_close(eddy_log_sub *sub) {
    kafka_sub *s = (kafka_sub *)sub;
    if (s->ks_started) {
        atomic_store(&s->ks_stop, true);
        rd_kafka_queue_yield(s->ks_queue);
        pthread_join(s->ks_thread, NULL); /* revokes through fn and leaves the group */
    }
    list_remove(s->ks_log, s);
    sub_free(s);
}
