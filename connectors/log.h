/* log.h - the partitioned-log interface: topics of partitions of records, two backends.
 *
 * An eddy_log is a set of topics.  A topic has a fixed number of partitions; a
 * partition is an append-only sequence of records numbered by dense offsets
 * from 0.  The first offset still stored is the partition's start offset
 * (retention moves it up); the offset the next record will get is its end
 * offset (Kafka's high watermark).  Backends:
 *   embedded  RocksDB in a local directory (eddy_log_open_embedded), used when
 *             no bootstrap.servers is configured;
 *   kafka     librdkafka (eddy_log_open_kafka; same contract tests in
 *             tests/unit/connectors/test_log_contract.c, run on librdkafka's
 *             mock cluster).
 * Callers use only the functions in this header; a backend implements
 * eddy_log_ops (the section at the end, visible only with
 * EDDY_LOG_BACKEND_IMPL defined).
 *
 * Errors.  Functions return 0 or a negative EDDY_* code and, when err is not
 * NULL, put a message in it:
 *   EDDY_INVAL     a bad argument: invalid topic name, partition count, NULL
 *                  pointer, a transaction used after commit
 *   EDDY_NOTFOUND  unknown topic or partition; no committed group position
 *   EDDY_EXISTS    eddy_log_topic_create of a topic that exists
 *   EDDY_RANGE     eddy_log_fetch below the partition's start offset
 *   EDDY_TIMEOUT   eddy_log_wait saw no new write in time
 *   EDDY_UNSUPPORTED the backend does not do it (e.g. retention on Kafka,
 *                  where the brokers enforce it)
 *   EDDY_IO, EDDY_STORAGE  the directory or the storage engine failed
 *   EDDY_CORRUPT   stored data does not decode
 *   EDDY_NOMEM     out of memory
 *
 * Ownership.  Every pointer passed in is borrowed for the duration of the call
 * (the log copies what it keeps).  What a function hands out says who frees
 * it: eddy_log_close, eddy_log_txn_destroy, eddy_log_batch_fini,
 * eddy_log_names_free.
 *
 * Thread-safety.  One eddy_log may be used by any number of threads at once:
 * topics, produce, transactions, fetch, positions, retention and wait.  The
 * exception is eddy_log_close, which must run alone, after every other call
 * on the log (including eddy_log_wait) has returned and every subscription
 * is closed.  An eddy_log_txn and an eddy_log_batch belong to one thread at a
 * time.  An eddy_log_sub may be used by several threads (eddy_log_sub_fetch:
 * one call per partition at a time), except eddy_log_sub_close, which runs
 * alone.
 *
 * Compaction (cleanup.policy=compact) is stored as a topic setting but not
 * enforced yet by the embedded backend: compact topics keep every record.
 */
#ifndef EDDY_CONNECTORS_LOG_H
#define EDDY_CONNECTORS_LOG_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eddy_log eddy_log;
typedef struct eddy_log_txn eddy_log_txn;

/* ---- Topics -------------------------------------------------------------- */

#define EDDY_LOG_TOPIC_NAME_MAX 249               /* Kafka's limit */
#define EDDY_LOG_PARTITIONS_MAX 100000            /* eddy's sanity limit */
#define EDDY_LOG_RETENTION_FOREVER INT64_C(-1)    /* retention.ms = -1 */
#define EDDY_LOG_DEFAULT_RETENTION_MS INT64_C(604800000) /* 7 days, as Kafka */

/* cleanup.policy: a bit set, since Kafka accepts "compact,delete". */
enum {
    EDDY_LOG_CLEANUP_DELETE = 1,
    EDDY_LOG_CLEANUP_COMPACT = 2,
};

typedef struct eddy_log_topic_config {
    int32_t partitions;   /* 1..EDDY_LOG_PARTITIONS_MAX */
    int16_t replicas;     /* replication factor as given (-1 = broker default);
                             the embedded backend stores it and keeps one copy */
    int64_t retention_ms; /* >= 0, or EDDY_LOG_RETENTION_FOREVER */
    int cleanup;          /* EDDY_LOG_CLEANUP_* bits, at least one */
    int64_t created_ms;   /* set by describe (ms since the epoch); ignored by create */
} eddy_log_topic_config;

/* Defaults: 1 partition, 1 replica, 7 days, "delete". */
void eddy_log_topic_config_init(eddy_log_topic_config *cfg);

/* 0 if name is a valid topic name (Kafka's rule: 1..249 characters from
 * [a-zA-Z0-9._-], not "." or ".."), else EDDY_INVAL with a message. */
int eddy_log_topic_name_check(const char *name, eddy_err *err);

/* "delete", "compact", "compact,delete" (either order, spaces allowed) to
 * EDDY_LOG_CLEANUP_* bits in *out; EDDY_INVAL otherwise. */
int eddy_log_cleanup_parse(const char *s, int *out, eddy_err *err);
/* "delete", "compact", "compact,delete", or "" for an invalid set.  Static. */
const char *eddy_log_cleanup_name(int cleanup);

/* Creates topic with cfg (created_ms is set by the log).  EDDY_EXISTS if a
 * topic of that name exists, EDDY_INVAL for a bad name or config. */
int eddy_log_topic_create(eddy_log *log, const char *topic,
                          const eddy_log_topic_config *cfg, eddy_err *err);
/* Deletes topic, its records and the group positions committed on it.
 * EDDY_NOTFOUND if it does not exist. */
int eddy_log_topic_delete(eddy_log *log, const char *topic, eddy_err *err);
/* Fills *cfg (may be NULL) with the topic's config; EDDY_NOTFOUND if none. */
int eddy_log_topic_describe(eddy_log *log, const char *topic,
                            eddy_log_topic_config *cfg, eddy_err *err);
/* true if the topic exists (false also when the backend fails). */
bool eddy_log_topic_exists(eddy_log *log, const char *topic);
/* The names of all topics, sorted (strcmp order): *names is a new array of
 * *count new strings, owned by the caller (eddy_log_names_free).  With no
 * topics, *names may be NULL and *count is 0. */
int eddy_log_topic_list(eddy_log *log, char ***names, size_t *count, eddy_err *err);
/* Frees an array from eddy_log_topic_list.  NULL is a no-op. */
void eddy_log_names_free(char **names, size_t count);

/* ---- Records ------------------------------------------------------------- */

/* A header: Kafka's headers are (string name, nullable bytes) pairs, ordered,
 * names may repeat. */
typedef struct eddy_log_header {
    const char *name;  /* NUL-terminated, not NULL */
    const void *value; /* NULL = null value */
    size_t value_len;
} eddy_log_header;

/* One record.  To produce, the caller fills it with borrowed pointers; from a
 * fetch, every pointer points into the eddy_log_batch that holds it.  NULL
 * and an empty (length 0) key or value are different things, as in Kafka. */
typedef struct eddy_log_record {
    int64_t offset;        /* fetch: the record's offset; produce: ignored */
    int64_t timestamp;     /* ms since the epoch; produce: < 0 means "now" */
    const void *key;       /* NULL = null key */
    size_t key_len;
    const void *value;     /* NULL = null value (a tombstone) */
    size_t value_len;
    const eddy_log_header *headers; /* header_count entries; NULL when 0 */
    size_t header_count;
} eddy_log_record;

/* Records read by eddy_log_fetch.  The caller owns the struct (init/fini) and
 * may reuse it for many fetches: each fetch replaces the contents and reuses
 * the memory.  Records, keys, values and headers live in the batch and stay
 * valid until the next fetch into it, eddy_log_batch_reset or _fini.  Keys
 * and values are not NUL-terminated (a backend may point into the network
 * buffers it received). */
typedef struct eddy_log_batch {
    eddy_log_record *records; /* count records in offset order */
    size_t count;
    int64_t next_offset;      /* where the next fetch should start */
    int64_t end_offset;       /* the partition's end offset seen by the fetch */
    /* private to the backends */
    char *lb_buf;             /* record bytes */
    size_t lb_len, lb_cap;
    size_t lb_rec_cap;        /* records allocated */
    eddy_log_header *lb_hdrs; /* headers of all records */
    size_t lb_hdr_len, lb_hdr_cap;
    size_t *lb_spans;         /* embedded: (start, length) of each record in lb_buf */
    size_t lb_span_cap;
    void (*lb_release)(struct eddy_log_batch *b); /* backend memory to drop on reset */
    void *lb_owner;
} eddy_log_batch;

void eddy_log_batch_init(eddy_log_batch *b);
/* Drops the records, keeps the memory for the next fetch. */
void eddy_log_batch_reset(eddy_log_batch *b);
/* Frees everything; b can be reused after eddy_log_batch_init.  NULL is a no-op. */
void eddy_log_batch_fini(eddy_log_batch *b);

/* ---- Opening and closing ------------------------------------------------- */

/* Opens (creating it and its parent directories if needed) the embedded log
 * stored in directory dir.  dir ":memory:" opens a private log held in
 * memory (RocksDB's in-memory environment), gone when it is closed: the
 * conformance runner uses it for speed.  On success *out is a new log owned by the caller
 * (eddy_log_close).  Only one process may have a directory open at a time
 * (EDDY_STORAGE "lock" error otherwise). */
int eddy_log_open_embedded(const char *dir, eddy_log **out, eddy_err *err);

/* Opens the log kept by a Kafka cluster through librdkafka.
 * bootstrap_servers: "host:port[,host:port...]".  conf: NULL or a
 * NULL-terminated array of name, value pairs given to every librdkafka client
 * of the log (after eddy's defaults, so they win: e.g. "security.protocol",
 * "sasl.mechanisms", "transactional.id", "session.timeout.ms"), except pairs
 * whose name starts with "eddy.", which are eddy's (connectors/kafka/
 * kafka_log.h: "eddy.mock.control"); "producer.X" / "consumer.X" set X for
 * producers / consumers only.  Fails (EDDY_IO, naming the servers)
 * if the cluster cannot be reached within 10 s (at once when every server
 * refuses); EDDY_CONFIG for a setting librdkafka rejects.  On success
 * *out is a new log owned by the caller (eddy_log_close); batches fetched from
 * it must be reset or finished before the close.  What the Kafka backend does
 * not do is listed at the top of connectors/kafka/kafka_log.c (retention and
 * compaction are the brokers' job: eddy_log_enforce_retention returns
 * EDDY_UNSUPPORTED; describe reports created_ms 0).  Tests and dev tools use
 * eddy_log_open_kafka_mock (connectors/kafka/kafka_log.h) for librdkafka's
 * mock cluster. */
int eddy_log_open_kafka(const char *bootstrap_servers, const char *const *conf,
                        eddy_log **out, eddy_err *err);

/* Closes the log and frees it.  Writes that returned are kept (see
 * EDDY_LOG_SYNC for what survives a machine crash).  NULL is a no-op. */
void eddy_log_close(eddy_log *log);

/* "embedded" or "kafka".  Static. */
const char *eddy_log_backend_name(const eddy_log *log);

/* ---- Producing ----------------------------------------------------------- */

#define EDDY_LOG_PARTITION_ANY (-1)

/* Flags for writes. */
enum {
    /* Return only once the write is on stable storage (embedded: the WAL is
     * fsynced).  Without it a write that returned survives the death of the
     * process (SIGKILL) but may be lost if the machine crashes. */
    EDDY_LOG_SYNC = 1,
};

/* Partition for a record with partition EDDY_LOG_PARTITION_ANY: a non-NULL key
 * goes to eddy_log_partition_for_key (as Kafka's default partitioner); a NULL
 * key goes round-robin over the partitions. */

/* Appends one record to topic.  partition is a partition number or
 * EDDY_LOG_PARTITION_ANY.  rec is borrowed (offset ignored).  flags:
 * EDDY_LOG_SYNC or 0.  On success the record's partition and offset go to
 * *out_partition and *out_offset (either may be NULL).  Returns after the
 * record is stored and visible to fetches.  EDDY_NOTFOUND for an unknown
 * topic or partition. */
int eddy_log_produce(eddy_log *log, const char *topic, int32_t partition,
                     const eddy_log_record *rec, int flags,
                     int32_t *out_partition, int64_t *out_offset, eddy_err *err);

/* ---- Transactions: records and group positions committed atomically ------ */

/* A transaction collects records (any topics, any partitions) and consumer
 * group positions, and eddy_log_txn_commit writes them all or none: no reader
 * sees part of it, and after a crash either all of it is there or none.  This
 * is how a query's outputs and its input positions are committed together
 * (exactly-once).  Nothing is visible before the commit.
 *
 * On success *out is a new transaction owned by the caller
 * (eddy_log_txn_destroy, after or instead of committing).  A backend may allow
 * only one open atomic transaction per log (Kafka: one per transactional
 * producer: a second eddy_log_txn_begin waits until the open one is destroyed,
 * or fails with EDDY_INVAL in the thread that holds it); the embedded backend
 * allows any number. */
int eddy_log_txn_begin(eddy_log *log, eddy_log_txn **out, eddy_err *err);

/* Flags of eddy_log_txn_begin_ex. */
enum {
    /* At-least-once instead of atomic: at commit the records are written and
     * acknowledged first, then the positions are committed.  A failure in
     * between leaves records whose positions were not committed (they are
     * processed again: duplicates, never loss), and readers may see the
     * records of a transaction that then fails.  Cheaper on Kafka (no
     * transaction coordinator; records are sent as they are added, so a
     * transaction destroyed without commit may have written some), and any
     * number may be open at once; backends where atomic is cheap (embedded)
     * ignore it. */
    EDDY_LOG_TXN_AT_LEAST_ONCE = 1,
};
/* eddy_log_txn_begin with flags (EDDY_LOG_TXN_* bits or 0; other bits are
 * EDDY_INVAL). */
int eddy_log_txn_begin_ex(eddy_log *log, int flags, eddy_log_txn **out, eddy_err *err);

/* Adds a record to txn.  Arguments as for eddy_log_produce.  The partition
 * is chosen now and put in *out_partition (may be NULL); the offset is
 * assigned at commit (eddy_log_txn_result).  EDDY_NOTFOUND for an unknown
 * topic or partition. */
int eddy_log_txn_produce(eddy_log_txn *txn, const char *topic, int32_t partition,
                         const eddy_log_record *rec, int32_t *out_partition,
                         eddy_err *err);

/* Adds "group's next offset to read in (topic, partition) is next_offset" to
 * txn (as eddy_log_group_commit; a later one for the same key wins). */
int eddy_log_txn_commit_position(eddy_log_txn *txn, const char *group,
                                 const char *topic, int32_t partition,
                                 int64_t next_offset, eddy_err *err);

/* Writes everything added, atomically.  flags: EDDY_LOG_SYNC or 0.  On
 * failure nothing was written (e.g. EDDY_NOTFOUND when a topic was deleted
 * meanwhile), except with EDDY_LOG_TXN_AT_LEAST_ONCE: there EDDY_AGAIN
 * means every record was written and acknowledged but the positions could
 * not be committed (the cluster refused for a while); a later commit of
 * newer positions covers them.  Either way the transaction is finished: it
 * takes no more records, and must still be destroyed. */
int eddy_log_txn_commit(eddy_log_txn *txn, int flags, eddy_err *err);

/* Number of records added to txn. */
size_t eddy_log_txn_count(const eddy_log_txn *txn);
/* After a successful commit: partition and offset of the i-th record added
 * (either pointer may be NULL).  EDDY_INVAL before the commit or when i is out
 * of range. */
int eddy_log_txn_result(const eddy_log_txn *txn, size_t i,
                        int32_t *partition, int64_t *offset);

/* Frees txn, discarding it if it was not committed.  NULL is a no-op. */
void eddy_log_txn_destroy(eddy_log_txn *txn);

/* ---- Reading ------------------------------------------------------------- */

/* Replaces out's contents with records of (topic, partition) from offset on,
 * in offset order: at most max_records (>= 1), and no more records once
 * max_bytes of keys, values and headers were added (0 = no byte limit; a
 * first record is always returned whole).  Offsets may skip (records removed
 * by retention running at the same time; later, compaction): continue from
 * out->next_offset.  From offset >= the end offset the batch is empty and
 * out->next_offset == offset.  EDDY_RANGE if offset is below the start
 * offset (the records are gone: read eddy_log_partition_offsets and restart
 * from the start).  EDDY_NOTFOUND for an unknown topic or partition. */
int eddy_log_fetch(eddy_log *log, const char *topic, int32_t partition,
                   int64_t offset, size_t max_records, size_t max_bytes,
                   eddy_log_batch *out, eddy_err *err);

/* Start offset (first stored) and end offset (next to be written) of a
 * partition; either pointer may be NULL.  start == end when it is empty. */
int eddy_log_partition_offsets(eddy_log *log, const char *topic, int32_t partition,
                               int64_t *start, int64_t *end, eddy_err *err);

/* ---- Consumer group positions -------------------------------------------- */

/* Stores "group's next offset to read in (topic, partition) is next_offset"
 * (Kafka's committed offset).  group: any non-empty string.  flags:
 * EDDY_LOG_SYNC or 0.  EDDY_NOTFOUND for an unknown topic or partition. */
int eddy_log_group_commit(eddy_log *log, const char *group, const char *topic,
                          int32_t partition, int64_t next_offset, int flags,
                          eddy_err *err);
/* The position last committed, in *next_offset.  EDDY_NOTFOUND if none.  A
 * position committed in a transaction is never seen before the transaction's
 * records are visible. */
int eddy_log_group_committed(eddy_log *log, const char *group, const char *topic,
                             int32_t partition, int64_t *next_offset, eddy_err *err);

/* ---- Subscriptions: partitions shared out by a consumer group ------------ */

/* A subscription makes this process one member of consumer group `group`
 * reading `topics`: the backend's group protocol divides the topics'
 * partitions between the members (on Kafka, the members of the group on every
 * server with the same group id), and gives a partition to another member
 * when one leaves or dies.  Used by persistent queries when the backend has
 * groups (eddy_log_has_groups); the embedded log, where one process holds
 * everything, has none (eddy_log_sub_open returns EDDY_UNSUPPORTED).
 *
 * While a subscription of `group` is open in this log, eddy_log_group_commit,
 * eddy_log_group_committed and eddy_log_txn_commit_position for that group go
 * through its member (Kafka: with the member id and generation, so that a
 * member that lost its partitions cannot commit over the new owner's work).
 * One subscription per group per log: with more, the first one opened is
 * used. */
typedef struct eddy_log_sub eddy_log_sub;

/* A (topic, partition) pair.  topic is borrowed for the duration of a call. */
typedef struct eddy_log_tp {
    const char *topic;
    int32_t partition;
} eddy_log_tp;

/* Offset to give in starts[] for "the group's committed position, else the
 * partition's start offset". */
#define EDDY_LOG_OFFSET_COMMITTED INT64_C(-1001)

/* Called when partitions are given to this member (assigned = true) or taken
 * from it (assigned = false).  Called on the subscription's own thread (also
 * during eddy_log_sub_close, which waits for it), never inside
 * eddy_log_sub_fetch, with no lock of the log held, so it may call any log
 * function (fetch to restore state, transactions, commits, and
 * eddy_log_sub_fetch of the partitions being revoked).
 *   assigned: fill starts[i], the offset to read tps[i] from (an offset, or
 *             EDDY_LOG_OFFSET_COMMITTED; starts[] is preset to that).
 *   revoked:  the member must finish with the partitions before returning
 *             (commit what it processed, reset batches fetched from them):
 *             once it returns another member may take them.  starts is NULL.
 *             On Kafka it must return within the group's rebalance timeout
 *             (max.poll.interval.ms), or the member is dropped from the group.
 * A non-zero return is logged by the backend (stderr) and otherwise ignored. */
typedef int (*eddy_log_rebalance_fn)(void *ud, bool assigned, const eddy_log_tp *tps, size_t n,
                                     int64_t *starts);

/* true when the backend divides partitions between processes (Kafka). */
bool eddy_log_has_groups(const eddy_log *log);

/* Joins group (non-empty) as a member reading topics (ntopics >= 1, each
 * must exist: EDDY_NOTFOUND otherwise).  fn(ud, ...) is told about
 * assignments as they happen (the first one after the group's rebalance,
 * usually within a few seconds); fn NULL starts every partition at
 * EDDY_LOG_OFFSET_COMMITTED.  On success *out is owned by the caller
 * (eddy_log_sub_close, before the log is closed).  EDDY_UNSUPPORTED on a
 * backend without groups. */
int eddy_log_sub_open(eddy_log *log, const char *group, const char *const *topics, size_t ntopics,
                      eddy_log_rebalance_fn fn, void *ud, eddy_log_sub **out, eddy_err *err);

/* Records of an assigned partition read ahead by the subscription, from
 * offset on: as eddy_log_fetch (max_records >= 1, max_bytes 0 = no limit,
 * out->next_offset where to continue), except that it never waits: an empty
 * batch means nothing has arrived yet.  offset is normally the previous
 * batch's next_offset (or the start given at assignment); another offset
 * makes the subscription seek there first (the batch is then empty until
 * records from there arrive).  offset EDDY_LOG_OFFSET_COMMITTED continues
 * from where the subscription stands, which out->next_offset tells (e.g. the
 * first fetch after an assignment that kept that start).  An offset below the
 * partition's start continues from the start (offsets skip) instead of
 * EDDY_RANGE.  EDDY_NOTFOUND if the partition is not assigned to this member
 * (now); while fn is being told about its assignment, batches from it are
 * empty (next_offset = offset).  Any thread may call it, one call per
 * partition at a time.  New records arriving wake eddy_log_wait. */
int eddy_log_sub_fetch(eddy_log_sub *sub, const char *topic, int32_t partition, int64_t offset,
                       size_t max_records, size_t max_bytes, eddy_log_batch *out, eddy_err *err);

/* Leaves the group: fn is called (revoked, on the subscription's thread while
 * this call waits) for every partition still assigned, then the member
 * leaves, so that the others take them at once.  Batches fetched from sub
 * must be reset first (at the latest in that fn).  NULL is a no-op. */
void eddy_log_sub_close(eddy_log_sub *sub);

/* ---- Waiting for new records --------------------------------------------- */

/* A counter that grows with every write to the log made through this handle
 * (produce, transaction commit, group commit).  Read it, fetch, and when
 * nothing was new call eddy_log_wait(log, seen, ...): no write between the
 * read and the wait is missed. */
uint64_t eddy_log_seq(eddy_log *log);
/* Blocks until eddy_log_seq(log) != seen or timeout_ms passed (< 0 = no
 * limit, 0 = just check).  Returns 0 (something was written, or
 * eddy_log_wakeup was called) or EDDY_TIMEOUT.  Wakeups can be spurious:
 * fetch again and wait again. */
int eddy_log_wait(eddy_log *log, uint64_t seen, int timeout_ms);
/* Wakes every thread in eddy_log_wait (e.g. to shut down). */
void eddy_log_wakeup(eddy_log *log);

/* ---- Maintenance --------------------------------------------------------- */

/* Makes every write that returned durable (as if done with EDDY_LOG_SYNC). */
int eddy_log_flush(eddy_log *log, eddy_err *err);

/* Deletes, in every topic whose cleanup includes "delete" and whose
 * retention.ms is not -1, the records older than now_ms - retention.ms: in
 * each partition the longest run of records from the start whose timestamps
 * are all older (as Kafka deletes whole old segments, a newer record stops
 * deletion).  Start offsets move up; end offsets never move back.  *deleted
 * (may be NULL) gets the number of records deleted.  EDDY_UNSUPPORTED where
 * the backend leaves retention to someone else (Kafka's brokers). */
int eddy_log_enforce_retention(eddy_log *log, int64_t now_ms, int64_t *deleted,
                               eddy_err *err);

/* Deletes the records of (topic, partition) below offset `before` (Kafka's
 * DeleteRecords): the start offset moves up to it (never past the end).
 * Used to purge internal topics once their records are consumed.
 * EDDY_UNSUPPORTED when the backend cannot. */
int eddy_log_delete_records(eddy_log *log, const char *topic, int32_t partition, int64_t before, eddy_err *err);

/* ---- Partitioner (Kafka's) ----------------------------------------------- */

/* Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): seed
 * 0x9747b28c, m 0x5bd1e995, r 24, little-endian 4-byte blocks.  Returns the
 * same signed 32-bit value as the Java client. */
int32_t eddy_log_murmur2(const void *data, size_t len);
/* Kafka's default partition for a non-NULL key:
 * toPositive(murmur2(key)) % partitions, toPositive(x) = x & 0x7fffffff.
 * partitions must be >= 1. */
int32_t eddy_log_partition_for_key(const void *key, size_t len, int32_t partitions);

/* Milliseconds since the epoch (CLOCK_REALTIME). */
int64_t eddy_log_now_ms(void);

/* ---- For backends only --------------------------------------------------- */
#ifdef EDDY_LOG_BACKEND_IMPL
#include <pthread.h>
#include <stdatomic.h>

/* A backend's operations.  eddy_log.c validates arguments that are checked
 * the same way for every backend (NULL pointers, topic names, configs,
 * partition >= -1, max_records >= 1, group ids) before calling them, so an
 * operation may assume those.  Every operation sets err on failure. */
typedef struct eddy_log_ops {
    const char *name; /* "embedded", "kafka" */
    /* Frees the backend's log, calling eddy_log_base_fini on the way. */
    void (*close)(eddy_log *log);
    int (*topic_create)(eddy_log *log, const char *topic,
                        const eddy_log_topic_config *cfg, eddy_err *err);
    int (*topic_delete)(eddy_log *log, const char *topic, eddy_err *err);
    int (*topic_describe)(eddy_log *log, const char *topic,
                          eddy_log_topic_config *cfg, eddy_err *err);
    int (*topic_list)(eddy_log *log, char ***names, size_t *count, eddy_err *err);
    int (*produce)(eddy_log *log, const char *topic, int32_t partition,
                   const eddy_log_record *rec, int flags, int32_t *out_partition,
                   int64_t *out_offset, eddy_err *err);
    /* flags: EDDY_LOG_TXN_* bits (checked); a backend may ignore them */
    int (*txn_begin)(eddy_log *log, int flags, eddy_log_txn **out, eddy_err *err);
    int (*txn_produce)(eddy_log_txn *txn, const char *topic, int32_t partition,
                       const eddy_log_record *rec, int32_t *out_partition,
                       eddy_err *err);
    int (*txn_commit_position)(eddy_log_txn *txn, const char *group, const char *topic,
                               int32_t partition, int64_t next_offset, eddy_err *err);
    int (*txn_commit)(eddy_log_txn *txn, int flags, eddy_err *err);
    size_t (*txn_count)(const eddy_log_txn *txn);
    int (*txn_result)(const eddy_log_txn *txn, size_t i, int32_t *partition,
                      int64_t *offset);
    void (*txn_destroy)(eddy_log_txn *txn);
    int (*fetch)(eddy_log *log, const char *topic, int32_t partition, int64_t offset,
                 size_t max_records, size_t max_bytes, eddy_log_batch *out,
                 eddy_err *err);
    int (*partition_offsets)(eddy_log *log, const char *topic, int32_t partition,
                             int64_t *start, int64_t *end, eddy_err *err);
    int (*group_commit)(eddy_log *log, const char *group, const char *topic,
                        int32_t partition, int64_t next_offset, int flags,
                        eddy_err *err);
    int (*group_committed)(eddy_log *log, const char *group, const char *topic,
                           int32_t partition, int64_t *next_offset, eddy_err *err);
    int (*flush)(eddy_log *log, eddy_err *err);
    int (*delete_records)(eddy_log *log, const char *topic, int32_t partition, int64_t before, eddy_err *err);
    /* NULL = EDDY_UNSUPPORTED */
    int (*enforce_retention)(eddy_log *log, int64_t now_ms, int64_t *deleted,
                             eddy_err *err);
    /* Subscriptions: all three NULL = the backend has no groups
     * (eddy_log_has_groups false, eddy_log_sub_open EDDY_UNSUPPORTED).
     * sub_open gets checked arguments (group non-empty, ntopics >= 1, valid
     * names; fn may be NULL); sub_fetch gets a reset batch with next_offset =
     * offset, offset >= 0 or EDDY_LOG_OFFSET_COMMITTED. */
    int (*sub_open)(eddy_log *log, const char *group, const char *const *topics,
                    size_t ntopics, eddy_log_rebalance_fn fn, void *ud, eddy_log_sub **out,
                    eddy_err *err);
    int (*sub_fetch)(eddy_log_sub *sub, const char *topic, int32_t partition, int64_t offset,
                     size_t max_records, size_t max_bytes, eddy_log_batch *out, eddy_err *err);
    void (*sub_close)(eddy_log_sub *sub);
} eddy_log_ops;

/* The part of every log the interface owns.  A backend's log struct starts
 * with it. */
struct eddy_log {
    const eddy_log_ops *lg_ops;
    _Atomic uint64_t lg_seq;     /* eddy_log_seq */
    _Atomic int lg_waiters;      /* threads in eddy_log_wait */
    pthread_mutex_t lg_wait_mu;
    pthread_cond_t lg_wait_cv;   /* signalled with lg_wait_mu held */
};

/* The part of every transaction the interface owns. */
struct eddy_log_txn {
    eddy_log *tx_log;
};

/* The part of every subscription the interface owns. */
struct eddy_log_sub {
    eddy_log *sb_log;
};

/* Sets up / tears down the shared part.  base_init returns 0 or EDDY_NOMEM. */
int eddy_log_base_init(eddy_log *log, const eddy_log_ops *ops);
void eddy_log_base_fini(eddy_log *log);
/* Backends call this after every successful write: bumps the counter and
 * wakes eddy_log_wait. */
void eddy_log_notify(eddy_log *log);
/* The partition for a record with partition EDDY_LOG_PARTITION_ANY; rr is the
 * topic's round-robin counter for NULL keys. */
int32_t eddy_log_partition_choose(const void *key, size_t key_len, int32_t partitions,
                                  _Atomic uint32_t *rr);
/* Validation of a config for create (message in err). */
int eddy_log_topic_config_check(const eddy_log_topic_config *cfg, eddy_err *err);
#endif /* EDDY_LOG_BACKEND_IMPL */

#endif
