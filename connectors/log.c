/* log.c - the partitioned-log interface: argument checks, dispatch to a
 * backend, and what every backend shares (Kafka's murmur2 partitioner, topic
 * name rules, read batches, waiting for new records).
 */
#define EDDY_LOG_BACKEND_IMPL
#include "connectors/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Partitioner --------------------------------------------------------- */

int32_t eddy_log_murmur2(const void *data, size_t len) {
    const unsigned char *p = data;
    const uint32_t m = 0x5bd1e995u;
    const int r = 24;
    /* Java computes on int with length an int: seed ^ length. */
    uint32_t h = 0x9747b28cu ^ (uint32_t)len;
    size_t blocks = len / 4;

    for (size_t i = 0; i < blocks; i++) {
        const unsigned char *b = p + 4 * i;
        uint32_t k = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                     (uint32_t)b[3] << 24;
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    /* The tail: bytes at (len & ~3) + 2, + 1, + 0, falling through. */
    const unsigned char *t = p + (len & ~(size_t)3);
    switch (len & 3) {
    case 3: h ^= (uint32_t)t[2] << 16; /* fall through */
    case 2: h ^= (uint32_t)t[1] << 8;  /* fall through */
    case 1:
        h ^= (uint32_t)t[0];
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return (int32_t)h;
}

int32_t eddy_log_partition_for_key(const void *key, size_t len, int32_t partitions) {
    uint32_t positive = (uint32_t)eddy_log_murmur2(key, len) & 0x7fffffffu;
    return (int32_t)(positive % (uint32_t)partitions);
}

int32_t eddy_log_partition_choose(const void *key, size_t key_len, int32_t partitions,
                                  _Atomic uint32_t *rr) {
    if (key) return eddy_log_partition_for_key(key, key_len, partitions);
    uint32_t n = atomic_fetch_add_explicit(rr, 1, memory_order_relaxed);
    return (int32_t)(n % (uint32_t)partitions);
}

int64_t eddy_log_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Topic names and configs --------------------------------------------- */

int eddy_log_topic_name_check(const char *name, eddy_err *err) {
    if (!name) return eddy_err_set(err, EDDY_INVAL, "topic name is NULL");
    size_t n = strlen(name);
    if (n == 0) return eddy_err_set(err, EDDY_INVAL, "topic name is empty");
    if (n > EDDY_LOG_TOPIC_NAME_MAX)
        return eddy_err_set(err, EDDY_INVAL,
                            "topic name is %zu characters long; the limit is %d", n,
                            EDDY_LOG_TOPIC_NAME_MAX);
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return eddy_err_set(err, EDDY_INVAL, "topic name cannot be \"%s\"", name);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == '-')
            continue;
        return eddy_err_set(err, EDDY_INVAL,
                            "topic name \"%.*s\" has an invalid character at position %zu "
                            "(allowed: ASCII letters, digits, '.', '_', '-')",
                            (int)(n > 300 ? 300 : n), name, i + 1);
    }
    return 0;
}

void eddy_log_topic_config_init(eddy_log_topic_config *cfg) {
    cfg->partitions = 1;
    cfg->replicas = 1;
    cfg->retention_ms = EDDY_LOG_DEFAULT_RETENTION_MS;
    cfg->cleanup = EDDY_LOG_CLEANUP_DELETE;
    cfg->created_ms = 0;
}

int eddy_log_topic_config_check(const eddy_log_topic_config *cfg, eddy_err *err) {
    if (!cfg) return eddy_err_set(err, EDDY_INVAL, "topic config is NULL");
    if (cfg->partitions < 1 || cfg->partitions > EDDY_LOG_PARTITIONS_MAX)
        return eddy_err_set(err, EDDY_INVAL, "partitions must be between 1 and %d, not %d",
                            EDDY_LOG_PARTITIONS_MAX, (int)cfg->partitions);
    if (cfg->replicas < 1 && cfg->replicas != -1)
        return eddy_err_set(err, EDDY_INVAL,
                            "replicas must be at least 1 (or -1 for the default), not %d",
                            (int)cfg->replicas);
    if (cfg->retention_ms < -1)
        return eddy_err_set(err, EDDY_INVAL,
                            "retention.ms must be -1 (forever) or >= 0, not %lld",
                            (long long)cfg->retention_ms);
    if (cfg->cleanup < 1 || cfg->cleanup > (EDDY_LOG_CLEANUP_DELETE | EDDY_LOG_CLEANUP_COMPACT))
        return eddy_err_set(err, EDDY_INVAL, "cleanup.policy must be delete and/or compact");
    return 0;
}

int eddy_log_cleanup_parse(const char *s, int *out, eddy_err *err) {
    if (!s || !out) return eddy_err_set(err, EDDY_INVAL, "cleanup.policy is NULL");
    int bits = 0;
    const char *p = s;
    for (;;) {
        while (*p == ' ') p++;
        const char *w = p;
        while (*p && *p != ',' && *p != ' ') p++;
        size_t n = (size_t)(p - w);
        int bit = 0;
        if (n == 6 && strncmp(w, "delete", 6) == 0) bit = EDDY_LOG_CLEANUP_DELETE;
        else if (n == 7 && strncmp(w, "compact", 7) == 0) bit = EDDY_LOG_CLEANUP_COMPACT;
        if (!bit || (bits & bit)) goto bad;
        bits |= bit;
        while (*p == ' ') p++;
        if (*p == '\0') break;
        if (*p != ',') goto bad;
        p++;
    }
    *out = bits;
    return 0;
bad:
    return eddy_err_set(err, EDDY_INVAL,
                        "cleanup.policy \"%s\" is not valid (use delete, compact or "
                        "compact,delete)", s);
}

const char *eddy_log_cleanup_name(int cleanup) {
    switch (cleanup) {
    case EDDY_LOG_CLEANUP_DELETE: return "delete";
    case EDDY_LOG_CLEANUP_COMPACT: return "compact";
    case EDDY_LOG_CLEANUP_DELETE | EDDY_LOG_CLEANUP_COMPACT: return "compact,delete";
    default: return "";
    }
}

void eddy_log_names_free(char **names, size_t count) {
    if (!names) return;
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
}

/* ---- Read batches -------------------------------------------------------- */

void eddy_log_batch_init(eddy_log_batch *b) {
    memset(b, 0, sizeof *b);
}

void eddy_log_batch_reset(eddy_log_batch *b) {
    if (b->lb_release) b->lb_release(b);
    b->lb_release = NULL;
    b->lb_owner = NULL;
    b->count = 0;
    b->lb_len = 0;
    b->lb_hdr_len = 0;
    b->next_offset = 0;
    b->end_offset = 0;
}

void eddy_log_batch_fini(eddy_log_batch *b) {
    if (!b) return;
    eddy_log_batch_reset(b);
    free(b->records);
    free(b->lb_buf);
    free(b->lb_hdrs);
    free(b->lb_spans);
    memset(b, 0, sizeof *b);
}

/* ---- Waiting ------------------------------------------------------------- */

int eddy_log_base_init(eddy_log *log, const eddy_log_ops *ops) {
    log->lg_ops = ops;
    atomic_init(&log->lg_seq, 0);
    atomic_init(&log->lg_waiters, 0);
    if (pthread_mutex_init(&log->lg_wait_mu, NULL) != 0) return EDDY_NOMEM;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&log->lg_wait_cv, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0) {
        pthread_mutex_destroy(&log->lg_wait_mu);
        return EDDY_NOMEM;
    }
    return 0;
}

void eddy_log_base_fini(eddy_log *log) {
    pthread_cond_destroy(&log->lg_wait_cv);
    pthread_mutex_destroy(&log->lg_wait_mu);
}

/* The counter is bumped before the waiter count is read, and a waiter
 * registers before it reads the counter (both sequentially consistent), so
 * either the waiter sees the new value or the notifier sees the waiter and
 * broadcasts under the mutex the waiter holds until it sleeps.  Writers pay
 * for the mutex only when someone waits. */
void eddy_log_notify(eddy_log *log) {
    atomic_fetch_add(&log->lg_seq, 1);
    if (atomic_load(&log->lg_waiters) > 0) {
        pthread_mutex_lock(&log->lg_wait_mu);
        pthread_cond_broadcast(&log->lg_wait_cv);
        pthread_mutex_unlock(&log->lg_wait_mu);
    }
}

uint64_t eddy_log_seq(eddy_log *log) {
    return atomic_load(&log->lg_seq);
}

void eddy_log_wakeup(eddy_log *log) {
    eddy_log_notify(log);
}

int eddy_log_wait(eddy_log *log, uint64_t seen, int timeout_ms) {
    if (atomic_load(&log->lg_seq) != seen) return 0;
    if (timeout_ms == 0) return EDDY_TIMEOUT;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    if (timeout_ms > 0) {
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    int rc = 0;
    pthread_mutex_lock(&log->lg_wait_mu);
    atomic_fetch_add(&log->lg_waiters, 1);
    while (atomic_load(&log->lg_seq) == seen) {
        int w = timeout_ms < 0 ? pthread_cond_wait(&log->lg_wait_cv, &log->lg_wait_mu)
                               : pthread_cond_timedwait(&log->lg_wait_cv, &log->lg_wait_mu,
                                                        &deadline);
        if (w == ETIMEDOUT) {
            if (atomic_load(&log->lg_seq) == seen) rc = EDDY_TIMEOUT;
            break;
        }
    }
    atomic_fetch_sub(&log->lg_waiters, 1);
    pthread_mutex_unlock(&log->lg_wait_mu);
    return rc;
}

/* ---- Dispatch ------------------------------------------------------------ */

static int check_log(const eddy_log *log, eddy_err *err) {
    if (!log) return eddy_err_set(err, EDDY_INVAL, "log is NULL");
    return 0;
}

/* Checks shared by every call naming a partition of a topic. */
static int check_topic_partition(const eddy_log *log, const char *topic, int32_t partition,
                                 bool any_ok, eddy_err *err) {
    int rc = check_log(log, err);
    if (rc) return rc;
    if ((rc = eddy_log_topic_name_check(topic, err))) return rc;
    if (partition < 0 && !(any_ok && partition == EDDY_LOG_PARTITION_ANY))
        return eddy_err_set(err, EDDY_INVAL, "partition %d of topic %s is not valid",
                            (int)partition, topic);
    return 0;
}

static int check_record(const eddy_log_record *rec, eddy_err *err) {
    if (!rec) return eddy_err_set(err, EDDY_INVAL, "record is NULL");
    if (rec->header_count && !rec->headers)
        return eddy_err_set(err, EDDY_INVAL, "record has %zu headers but no header array",
                            rec->header_count);
    for (size_t i = 0; i < rec->header_count; i++)
        if (!rec->headers[i].name)
            return eddy_err_set(err, EDDY_INVAL, "header %zu has no name", i);
    return 0;
}

static int check_group(const char *group, eddy_err *err) {
    if (!group || !*group) return eddy_err_set(err, EDDY_INVAL, "group id is empty");
    return 0;
}

const char *eddy_log_backend_name(const eddy_log *log) {
    return log ? log->lg_ops->name : "";
}

void eddy_log_close(eddy_log *log) {
    if (!log) return;
    log->lg_ops->close(log);
}

int eddy_log_topic_create(eddy_log *log, const char *topic,
                          const eddy_log_topic_config *cfg, eddy_err *err) {
    int rc = check_log(log, err);
    if (rc) return rc;
    if ((rc = eddy_log_topic_name_check(topic, err))) return rc;
    if ((rc = eddy_log_topic_config_check(cfg, err))) return rc;
    return log->lg_ops->topic_create(log, topic, cfg, err);
}

int eddy_log_topic_delete(eddy_log *log, const char *topic, eddy_err *err) {
    int rc = check_log(log, err);
    if (rc) return rc;
    if ((rc = eddy_log_topic_name_check(topic, err))) return rc;
    return log->lg_ops->topic_delete(log, topic, err);
}

int eddy_log_topic_describe(eddy_log *log, const char *topic,
                            eddy_log_topic_config *cfg, eddy_err *err) {
    int rc = check_log(log, err);
    if (rc) return rc;
    if ((rc = eddy_log_topic_name_check(topic, err))) return rc;
    eddy_log_topic_config ignored;
    return log->lg_ops->topic_describe(log, topic, cfg ? cfg : &ignored, err);
}

bool eddy_log_topic_exists(eddy_log *log, const char *topic) {
    return eddy_log_topic_describe(log, topic, NULL, NULL) == 0;
}

int eddy_log_topic_list(eddy_log *log, char ***names, size_t *count, eddy_err *err) {
    int rc = check_log(log, err);
    if (rc) return rc;
    if (!names || !count) return eddy_err_set(err, EDDY_INVAL, "names or count is NULL");
    *names = NULL;
    *count = 0;
    return log->lg_ops->topic_list(log, names, count, err);
}

int eddy_log_produce(eddy_log *log, const char *topic, int32_t partition,
                     const eddy_log_record *rec, int flags,
                     int32_t *out_partition, int64_t *out_offset, eddy_err *err) {
    int rc = check_topic_partition(log, topic, partition, true, err);
    if (rc) return rc;
    if ((rc = check_record(rec, err))) return rc;
    int32_t p;
    int64_t o;
    rc = log->lg_ops->produce(log, topic, partition, rec, flags, &p, &o, err);
    if (rc) return rc;
    if (out_partition) *out_partition = p;
    if (out_offset) *out_offset = o;
    return 0;
}

int eddy_log_txn_begin(eddy_log *log, eddy_log_txn **out, eddy_err *err) {
    return eddy_log_txn_begin_ex(log, 0, out, err);
}

int eddy_log_txn_begin_ex(eddy_log *log, int flags, eddy_log_txn **out, eddy_err *err) {
    int rc = check_log(log, err);
    if (rc) return rc;
    if (!out) return eddy_err_set(err, EDDY_INVAL, "out is NULL");
    *out = NULL;
    if (flags & ~EDDY_LOG_TXN_AT_LEAST_ONCE)
        return eddy_err_set(err, EDDY_INVAL, "transaction flags 0x%x are not valid", flags);
    return log->lg_ops->txn_begin(log, flags, out, err);
}

int eddy_log_txn_produce(eddy_log_txn *txn, const char *topic, int32_t partition,
                         const eddy_log_record *rec, int32_t *out_partition,
                         eddy_err *err) {
    if (!txn) return eddy_err_set(err, EDDY_INVAL, "transaction is NULL");
    int rc = check_topic_partition(txn->tx_log, topic, partition, true, err);
    if (rc) return rc;
    if ((rc = check_record(rec, err))) return rc;
    int32_t p;
    rc = txn->tx_log->lg_ops->txn_produce(txn, topic, partition, rec, &p, err);
    if (rc) return rc;
    if (out_partition) *out_partition = p;
    return 0;
}

int eddy_log_txn_commit_position(eddy_log_txn *txn, const char *group,
                                 const char *topic, int32_t partition,
                                 int64_t next_offset, eddy_err *err) {
    if (!txn) return eddy_err_set(err, EDDY_INVAL, "transaction is NULL");
    int rc = check_topic_partition(txn->tx_log, topic, partition, false, err);
    if (rc) return rc;
    if ((rc = check_group(group, err))) return rc;
    if (next_offset < 0)
        return eddy_err_set(err, EDDY_INVAL, "position %lld is negative",
                            (long long)next_offset);
    return txn->tx_log->lg_ops->txn_commit_position(txn, group, topic, partition,
                                                    next_offset, err);
}

int eddy_log_txn_commit(eddy_log_txn *txn, int flags, eddy_err *err) {
    if (!txn) return eddy_err_set(err, EDDY_INVAL, "transaction is NULL");
    return txn->tx_log->lg_ops->txn_commit(txn, flags, err);
}

size_t eddy_log_txn_count(const eddy_log_txn *txn) {
    return txn ? txn->tx_log->lg_ops->txn_count(txn) : 0;
}

int eddy_log_txn_result(const eddy_log_txn *txn, size_t i,
                        int32_t *partition, int64_t *offset) {
    if (!txn) return EDDY_INVAL;
    int32_t p;
    int64_t o;
    int rc = txn->tx_log->lg_ops->txn_result(txn, i, &p, &o);
    if (rc) return rc;
    if (partition) *partition = p;
    if (offset) *offset = o;
    return 0;
}

void eddy_log_txn_destroy(eddy_log_txn *txn) {
    if (!txn) return;
    txn->tx_log->lg_ops->txn_destroy(txn);
}

int eddy_log_fetch(eddy_log *log, const char *topic, int32_t partition,
                   int64_t offset, size_t max_records, size_t max_bytes,
                   eddy_log_batch *out, eddy_err *err) {
    int rc = check_topic_partition(log, topic, partition, false, err);
    if (rc) return rc;
    if (!out) return eddy_err_set(err, EDDY_INVAL, "batch is NULL");
    eddy_log_batch_reset(out);
    out->next_offset = offset;
    if (offset < 0)
        return eddy_err_set(err, EDDY_INVAL, "offset %lld is negative", (long long)offset);
    if (max_records < 1)
        return eddy_err_set(err, EDDY_INVAL, "max_records must be at least 1");
    return log->lg_ops->fetch(log, topic, partition, offset, max_records, max_bytes, out,
                              err);
}

int eddy_log_partition_offsets(eddy_log *log, const char *topic, int32_t partition,
                               int64_t *start, int64_t *end, eddy_err *err) {
    int rc = check_topic_partition(log, topic, partition, false, err);
    if (rc) return rc;
    int64_t s, e;
    rc = log->lg_ops->partition_offsets(log, topic, partition, &s, &e, err);
    if (rc) return rc;
    if (start) *start = s;
    if (end) *end = e;
    return 0;
}

int eddy_log_group_commit(eddy_log *log, const char *group, const char *topic,
                          int32_t partition, int64_t next_offset, int flags,
                          eddy_err *err) {
    int rc = check_topic_partition(log, topic, partition, false, err);
    if (rc) return rc;
    if ((rc = check_group(group, err))) return rc;
    if (next_offset < 0)
        return eddy_err_set(err, EDDY_INVAL, "position %lld is negative",
                            (long long)next_offset);
    return log->lg_ops->group_commit(log, group, topic, partition, next_offset, flags, err);
}

int eddy_log_group_committed(eddy_log *log, const char *group, const char *topic,
                             int32_t partition, int64_t *next_offset, eddy_err *err) {
    int rc = check_topic_partition(log, topic, partition, false, err);
    if (rc) return rc;
    if ((rc = check_group(group, err))) return rc;
    if (!next_offset) return eddy_err_set(err, EDDY_INVAL, "next_offset is NULL");
    return log->lg_ops->group_committed(log, group, topic, partition, next_offset, err);
}

int eddy_log_flush(eddy_log *log, eddy_err *err) {
    int rc = check_log(log, err);
    if (rc) return rc;
    return log->lg_ops->flush(log, err);
}

int eddy_log_delete_records(eddy_log *log, const char *topic, int32_t partition, int64_t before, eddy_err *err) {
    int rc = check_log(log, err);
    if (rc) return rc;
    if (!log->lg_ops->delete_records)
        return eddy_err_set(err, EDDY_UNSUPPORTED, "the %s log cannot delete records", log->lg_ops->name);
    int64_t start = 0, end = 0;
    if ((rc = eddy_log_partition_offsets(log, topic, partition, &start, &end, err))) return rc;
    if (before > end) before = end;
    if (before <= start) return 0;
    return log->lg_ops->delete_records(log, topic, partition, before, err);
}

int eddy_log_enforce_retention(eddy_log *log, int64_t now_ms, int64_t *deleted,
                               eddy_err *err) {
    int rc = check_log(log, err);
    if (rc) return rc;
    int64_t n = 0;
    if (!log->lg_ops->enforce_retention)
        return eddy_err_set(err, EDDY_UNSUPPORTED, "the %s log does not enforce retention",
                            log->lg_ops->name);
    rc = log->lg_ops->enforce_retention(log, now_ms, &n, err);
    if (deleted) *deleted = n;
    return rc;
}

/* ---- Subscriptions ------------------------------------------------------- */

bool eddy_log_has_groups(const eddy_log *log) {
    return log && log->lg_ops->sub_open != NULL;
}

int eddy_log_sub_open(eddy_log *log, const char *group, const char *const *topics, size_t ntopics,
                      eddy_log_rebalance_fn fn, void *ud, eddy_log_sub **out, eddy_err *err) {
    int rc = check_log(log, err);
    if (rc) return rc;
    if (!out) return eddy_err_set(err, EDDY_INVAL, "out is NULL");
    *out = NULL;
    if ((rc = check_group(group, err))) return rc;
    if (!topics || ntopics < 1)
        return eddy_err_set(err, EDDY_INVAL, "a subscription needs at least one topic");
    for (size_t i = 0; i < ntopics; i++)
        if ((rc = eddy_log_topic_name_check(topics[i], err))) return rc;
    if (!log->lg_ops->sub_open)
        return eddy_err_set(err, EDDY_UNSUPPORTED,
                            "the %s log has no consumer groups to subscribe to",
                            log->lg_ops->name);
    return log->lg_ops->sub_open(log, group, topics, ntopics, fn, ud, out, err);
}

int eddy_log_sub_fetch(eddy_log_sub *sub, const char *topic, int32_t partition, int64_t offset,
                       size_t max_records, size_t max_bytes, eddy_log_batch *out, eddy_err *err) {
    if (!sub) return eddy_err_set(err, EDDY_INVAL, "subscription is NULL");
    int rc = check_topic_partition(sub->sb_log, topic, partition, false, err);
    if (rc) return rc;
    if (!out) return eddy_err_set(err, EDDY_INVAL, "batch is NULL");
    eddy_log_batch_reset(out);
    out->next_offset = offset;
    if (offset < 0 && offset != EDDY_LOG_OFFSET_COMMITTED)
        return eddy_err_set(err, EDDY_INVAL, "offset %lld is negative", (long long)offset);
    if (max_records < 1)
        return eddy_err_set(err, EDDY_INVAL, "max_records must be at least 1");
    return sub->sb_log->lg_ops->sub_fetch(sub, topic, partition, offset, max_records, max_bytes,
                                          out, err);
}

void eddy_log_sub_close(eddy_log_sub *sub) {
    if (!sub) return;
    sub->sb_log->lg_ops->sub_close(sub);
}
