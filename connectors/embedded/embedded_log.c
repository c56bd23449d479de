/* embedded_log.c - the embedded log backend: topics as RocksDB column families in one
 * local directory, for running eddy with no Kafka.
 *
 * Layout of the RocksDB database:
 *   column family "t:<topic>"  one per topic; record batches keyed by
 *                              partition (BE32) ‖ first offset (BE64), values
 *                              as in embedded_record.h: each write (a
 *                              transaction or a produce) stores the records
 *                              it appends to one partition as one batch
 *   column family "meta"       "t:<topic>"             topic config (JSON)
 *                              "s:<topic>/<partition>" start offset (BE64),
 *                                                      written by retention
 *                              "g:<group>/<topic>/<partition>"
 *                                                      group position (BE64)
 * A topic's column family is created before its "t:" key is written and
 * dropped after that key is deleted; at open, "t:" column families with no
 * config are leftovers of a crash and are dropped.
 *
 * In memory each partition keeps its end offset (next offset to assign) and
 * start offset, recovered at open from the first batch key of the partition
 * and the last batch (its first offset + its record count), and the "s:"
 * key: retention deletes whole batches, so when it moves the start offset
 * into a batch, the records of that batch below "s:" stay stored but are
 * never returned; "s:" also keeps the end offset when retention removed
 * every record.
 *
 * A fetch from offset o finds the batch holding o with SeekForPrev to
 * (partition, o), decodes from o's frame on and goes on with the following
 * batches.  Topic column families use LZ4 compression (cheaper than the
 * default Snappy for the background flushes and compactions).
 *
 * The directory ":memory:" keeps the database in a RocksDB memory
 * environment instead (rocksdb_create_mem_env): nothing touches the disk and
 * everything is gone at close, which is what tests want.
 *
 * Locking: el_topics_lock (a rwlock) guards the topic table: everything takes
 * it shared except topic create/delete.  el_write_mu serializes writes of
 * records: offsets are assigned and written under it, and a partition's end
 * offset is published (atomically) only after RocksDB accepted the write, so a
 * reader that bounds its scan by the end offset never sees a gap.  Lock
 * order: el_topics_lock, then el_write_mu.  Reads do not take el_write_mu.
 */
#define EDDY_LOG_BACKEND_IMPL
#include "connectors/log.h"

#include "base/strbuf.h"
#include "connectors/embedded/embedded_record.h"

#include <errno.h>
#include <jansson.h>
#include <rocksdb/c.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define META_CF "meta"
#define TOPIC_CF_PREFIX "t:"
#define CF_NAME_MAX (2 + EDDY_LOG_TOPIC_NAME_MAX + 1)

typedef struct emb_part {
    _Atomic int64_t ep_next;  /* end offset: next offset to assign */
    _Atomic int64_t ep_start; /* start offset: first offset kept */
} emb_part;

typedef struct emb_topic {
    char *tp_name;
    eddy_log_topic_config tp_cfg;
    rocksdb_column_family_handle_t *tp_cf;
    emb_part *tp_parts;       /* tp_cfg.partitions entries */
    _Atomic uint32_t tp_rr;   /* round-robin counter for NULL keys */
} emb_topic;

typedef struct emb_log {
    eddy_log el_base;
    char *el_dir;
    rocksdb_env_t *el_env;                 /* ":memory:": the memory environment, else NULL */
    rocksdb_t *el_db;
    rocksdb_options_t *el_opts;            /* the database, "default" and "meta" */
    rocksdb_options_t *el_topic_opts;      /* topic column families */
    rocksdb_column_family_handle_t *el_default_cf;
    rocksdb_column_family_handle_t *el_meta_cf;
    rocksdb_writeoptions_t *el_wopts;      /* sync = false */
    rocksdb_writeoptions_t *el_wopts_sync; /* sync = true */
    rocksdb_readoptions_t *el_ropts;       /* plain gets */
    pthread_rwlock_t el_topics_lock;
    pthread_mutex_t el_write_mu;
    emb_topic **el_topics;                 /* sorted by name */
    size_t el_ntopics, el_topic_cap;
} emb_log;

/* A record added to a transaction: its frame (embedded_record.h) is in
 * tx_buf. */
typedef struct emb_txn_rec {
    size_t tr_topic;  /* index in tx_topics */
    int32_t tr_part;
    size_t tr_foff, tr_flen; /* the frame in tx_buf */
    size_t tr_next;   /* commit: the next record of the same partition, or SIZE_MAX */
    int64_t tr_offset; /* after commit */
} emb_txn_rec;

/* At commit: the records of a transaction for one partition, one batch. */
typedef struct emb_txn_group {
    emb_topic *tg_topic;
    int32_t tg_part;
    size_t tg_first, tg_last; /* record indexes: the chain's ends */
    uint64_t tg_count;
    int64_t tg_base;          /* the batch's first offset */
} emb_txn_group;

/* A group position added to a transaction. */
typedef struct emb_txn_pos {
    char *tq_key;      /* "g:..." meta key */
    size_t tq_keylen;
    size_t tq_topic;   /* index in tx_topics */
    int32_t tq_part;
    int64_t tq_next;
} emb_txn_pos;

enum { TXN_OPEN, TXN_COMMITTED, TXN_FAILED };

typedef struct emb_txn {
    eddy_log_txn tx_base;
    char **tx_topics;  /* distinct topic names */
    size_t tx_ntopics, tx_topic_cap;
    unsigned char *tx_buf; /* encoded frames */
    size_t tx_len, tx_cap;
    emb_txn_rec *tx_recs;
    size_t tx_nrecs, tx_rec_cap;
    emb_txn_pos *tx_pos;
    size_t tx_npos, tx_pos_cap;
    int tx_state;
} emb_txn;

static const eddy_log_ops emb_ops;

/* ---- helpers ------------------------------------------------------------- */

/* Grows *arr (of elem bytes each) to hold at least need; 0 or EDDY_NOMEM. */
static int grow(void **arr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 8;
    while (n < need) n *= 2;
    void *p = realloc(*arr, n * elem);
    if (!p) return EDDY_NOMEM;
    *arr = p;
    *cap = n;
    return 0;
}

/* Turns a RocksDB error string (freed here) into EDDY_STORAGE. */
static int rocks_fail(eddy_err *err, char *rerr, const char *what) {
    int rc = eddy_err_set(err, EDDY_STORAGE, "%s: %s", what, rerr ? rerr : "unknown error");
    rocksdb_free(rerr);
    return rc;
}

static int nomem(eddy_err *err) {
    return eddy_err_set(err, EDDY_NOMEM, "out of memory");
}

static emb_topic *topic_find(emb_log *el, const char *name, size_t *at) {
    size_t lo = 0, hi = el->el_ntopics;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(el->el_topics[mid]->tp_name, name);
        if (c == 0) {
            if (at) *at = mid;
            return el->el_topics[mid];
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    if (at) *at = lo;
    return NULL;
}

static int topic_missing(eddy_err *err, const char *topic) {
    return eddy_err_set(err, EDDY_NOTFOUND, "topic %s does not exist", topic);
}

static int partition_missing(eddy_err *err, const emb_topic *t, int32_t p) {
    return eddy_err_set(err, EDDY_NOTFOUND, "topic %s has no partition %d (it has %d)",
                        t->tp_name, (int)p, (int)t->tp_cfg.partitions);
}

/* Looks topic and partition up, with el_topics_lock held. */
static int topic_partition(emb_log *el, const char *topic, int32_t p, emb_topic **out,
                           eddy_err *err) {
    emb_topic *t = topic_find(el, topic, NULL);
    if (!t) return topic_missing(err, topic);
    if (p >= t->tp_cfg.partitions) return partition_missing(err, t, p);
    *out = t;
    return 0;
}

static void topic_free(emb_topic *t) {
    if (!t) return;
    if (t->tp_cf) rocksdb_column_family_handle_destroy(t->tp_cf);
    free(t->tp_parts);
    free(t->tp_name);
    free(t);
}

static void cf_name(char out[CF_NAME_MAX], const char *topic) {
    snprintf(out, CF_NAME_MAX, TOPIC_CF_PREFIX "%s", topic);
}

static void start_key(eddy_strbuf *sb, const char *topic, int32_t p) {
    eddy_strbuf_reset(sb);
    eddy_strbuf_printf(sb, "s:%s/%d", topic, (int)p);
}

static void group_key(eddy_strbuf *sb, const char *group, const char *topic, int32_t p) {
    eddy_strbuf_reset(sb);
    eddy_strbuf_printf(sb, "g:%s/%s/%d", group, topic, (int)p);
}

/* The topic of a "g:<group>/<topic>/<partition>" key (group may hold '/',
 * topics cannot): *topic and *len; -1 if malformed. */
static int group_key_topic(const char *k, size_t n, const char **topic, size_t *len) {
    size_t i = n;
    while (i > 2 && k[i - 1] != '/') i--;
    if (i <= 2) return -1;
    size_t end = i - 1; /* the '/' before the partition */
    size_t j = end;
    while (j > 2 && k[j - 1] != '/') j--;
    if (j <= 2) return -1;
    *topic = k + j;
    *len = end - j;
    return 0;
}

static emb_log *emb(eddy_log *log) {
    return (emb_log *)log;
}

/* ---- topic configs as JSON ----------------------------------------------- */

static char *config_to_json(const eddy_log_topic_config *cfg) {
    json_t *o = json_pack("{s:i, s:i, s:I, s:s, s:I}", "partitions", (int)cfg->partitions,
                          "replicas", (int)cfg->replicas, "retention.ms",
                          (json_int_t)cfg->retention_ms, "cleanup.policy",
                          eddy_log_cleanup_name(cfg->cleanup), "created.ms",
                          (json_int_t)cfg->created_ms);
    if (!o) return NULL;
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static int config_from_json(const char *topic, const char *text, size_t len,
                            eddy_log_topic_config *cfg, eddy_err *err) {
    json_error_t jerr;
    json_t *o = json_loadb(text, len, 0, &jerr);
    int partitions = 0, replicas = 0;
    json_int_t retention = 0, created = 0;
    const char *cleanup = NULL;
    int rc = EDDY_CORRUPT;
    if (!o || json_unpack(o, "{s:i, s:i, s:I, s:s, s:I}", "partitions", &partitions,
                          "replicas", &replicas, "retention.ms", &retention,
                          "cleanup.policy", &cleanup, "created.ms", &created) != 0)
        goto fail;
    cfg->partitions = partitions;
    cfg->replicas = (int16_t)replicas;
    cfg->retention_ms = retention;
    cfg->created_ms = created;
    if (eddy_log_cleanup_parse(cleanup, &cfg->cleanup, NULL) != 0) goto fail;
    if (replicas != cfg->replicas || eddy_log_topic_config_check(cfg, NULL) != 0) goto fail;
    json_decref(o);
    return 0;
fail:
    json_decref(o);
    return eddy_err_set(err, rc, "the stored config of topic %s is not valid", topic);
}

/* ---- opening ------------------------------------------------------------- */

/* mkdir -p. */
static int make_dirs(const char *dir, eddy_err *err) {
    char *p = strdup(dir);
    if (!p) return nomem(err);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) goto fail;
        *s = '/';
    }
    if (mkdir(p, 0777) != 0 && errno != EEXIST) goto fail;
    struct stat st;
    if (stat(p, &st) != 0) goto fail;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        goto fail;
    }
    free(p);
    return 0;
fail:;
    int e = errno;
    int rc = eddy_err_set(err, EDDY_IO, "cannot create directory %s: %s", p, strerror(e));
    free(p);
    return rc;
}

/* Reads a BE64 from the meta column family; *found = 0 when absent. */
static int meta_get_be64(emb_log *el, const char *key, size_t klen, int64_t *out,
                         int *found, eddy_err *err) {
    char *rerr = NULL;
    size_t vlen = 0;
    char *v = rocksdb_get_cf(el->el_db, el->el_ropts, el->el_meta_cf, key, klen, &vlen, &rerr);
    if (rerr) return rocks_fail(err, rerr, "reading metadata");
    *found = v != NULL;
    if (!v) return 0;
    int rc = 0;
    if (vlen != 8) rc = eddy_err_set(err, EDDY_CORRUPT, "metadata %.*s is corrupt", (int)klen, key);
    else *out = eddy_emb_get_be64((const unsigned char *)v);
    rocksdb_free(v);
    return rc;
}

/* Recovers the start and end offsets of every partition of t. */
static int topic_recover(emb_log *el, emb_topic *t, eddy_err *err) {
    int rc = 0;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(el->el_db, el->el_ropts, t->tp_cf);
    for (int32_t p = 0; p < t->tp_cfg.partitions; p++) {
        unsigned char k[EDDY_EMB_KEY_LEN];
        int64_t stored_start = 0, first = -1, last = -1, off;
        int32_t kp;
        int found = 0;
        size_t klen;

        start_key(&sb, t->tp_name, p);
        if (sb.failed) {
            rc = nomem(err);
            goto done;
        }
        rc = meta_get_be64(el, sb.buf, sb.len, &stored_start, &found, err);
        if (rc) goto done;

        eddy_emb_key_encode(k, p, 0);
        rocksdb_iter_seek(it, (const char *)k, sizeof k);
        if (rocksdb_iter_valid(it)) {
            const char *key = rocksdb_iter_key(it, &klen);
            if (eddy_emb_key_decode(key, klen, &kp, &off) == 0 && kp == p) first = off;
        }
        eddy_emb_key_encode(k, p, INT64_MAX);
        rocksdb_iter_seek_for_prev(it, (const char *)k, sizeof k);
        if (rocksdb_iter_valid(it)) {
            const char *key = rocksdb_iter_key(it, &klen);
            if (eddy_emb_key_decode(key, klen, &kp, &off) == 0 && kp == p) {
                size_t vlen, pos;
                uint64_t count;
                const char *v = rocksdb_iter_value(it, &vlen);
                if (eddy_emb_batch_open(v, vlen, &count, &pos) != 0 ||
                    count > (uint64_t)(INT64_MAX - off)) {
                    rc = eddy_err_set(err, EDDY_CORRUPT, "the last batch of %s/%d is corrupt",
                                      t->tp_name, (int)p);
                    goto done;
                }
                last = off + (int64_t)count - 1;
            }
        }
        char *rerr = NULL;
        rocksdb_iter_get_error(it, &rerr);
        if (rerr) {
            rc = rocks_fail(err, rerr, "reading a topic");
            goto done;
        }
        int64_t next = last >= 0 ? last + 1 : 0;
        if (next < stored_start) next = stored_start;
        int64_t start = first >= 0 ? first : next;
        if (start < stored_start) start = stored_start;
        atomic_init(&t->tp_parts[p].ep_next, next);
        atomic_init(&t->tp_parts[p].ep_start, start);
    }
done:
    rocksdb_iter_destroy(it);
    eddy_strbuf_fini(&sb);
    return rc;
}

static emb_topic *topic_new(const char *name, const eddy_log_topic_config *cfg) {
    emb_topic *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->tp_name = strdup(name);
    t->tp_parts = calloc((size_t)cfg->partitions, sizeof *t->tp_parts);
    if (!t->tp_name || !t->tp_parts) {
        topic_free(t);
        return NULL;
    }
    t->tp_cfg = *cfg;
    for (int32_t p = 0; p < cfg->partitions; p++) {
        atomic_init(&t->tp_parts[p].ep_next, 0);
        atomic_init(&t->tp_parts[p].ep_start, 0);
    }
    atomic_init(&t->tp_rr, 0);
    return t;
}

/* Appends t to el_topics (sorted later by the caller, or inserted at at). */
static int topics_insert(emb_log *el, emb_topic *t, size_t at) {
    if (grow((void **)&el->el_topics, &el->el_topic_cap, el->el_ntopics + 1,
             sizeof *el->el_topics))
        return EDDY_NOMEM;
    memmove(el->el_topics + at + 1, el->el_topics + at,
            (el->el_ntopics - at) * sizeof *el->el_topics);
    el->el_topics[at] = t;
    el->el_ntopics++;
    return 0;
}

/* Loads every topic from the meta column family.  cfs/handles are the
 * column families opened; the handles taken by a topic are set to NULL. */
static int load_topics(emb_log *el, size_t ncf, char **cfs,
                       rocksdb_column_family_handle_t **handles, eddy_err *err) {
    int rc = 0;
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(el->el_db, el->el_ropts, el->el_meta_cf);
    rocksdb_iter_seek(it, "t:", 2);
    for (; rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen, vlen;
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen < 2 || memcmp(k, "t:", 2) != 0) break;
        char name[EDDY_LOG_TOPIC_NAME_MAX + 1];
        if (klen - 2 > EDDY_LOG_TOPIC_NAME_MAX) {
            rc = eddy_err_set(err, EDDY_CORRUPT, "a stored topic name is too long");
            goto done;
        }
        memcpy(name, k + 2, klen - 2);
        name[klen - 2] = '\0';
        if (eddy_log_topic_name_check(name, NULL) != 0) {
            rc = eddy_err_set(err, EDDY_CORRUPT, "stored topic name \"%s\" is invalid", name);
            goto done;
        }
        const char *v = rocksdb_iter_value(it, &vlen);
        eddy_log_topic_config cfg;
        if ((rc = config_from_json(name, v, vlen, &cfg, err))) goto done;
        emb_topic *t = topic_new(name, &cfg);
        if (!t) {
            rc = nomem(err);
            goto done;
        }
        char cfn[CF_NAME_MAX];
        cf_name(cfn, name);
        for (size_t i = 0; i < ncf; i++) {
            if (handles[i] && strcmp(cfs[i], cfn) == 0) {
                t->tp_cf = handles[i];
                handles[i] = NULL;
                break;
            }
        }
        if (!t->tp_cf) { /* config without records: create the family */
            char *rerr = NULL;
            t->tp_cf = rocksdb_create_column_family(el->el_db, el->el_topic_opts, cfn, &rerr);
            if (rerr) {
                topic_free(t);
                rc = rocks_fail(err, rerr, "creating a topic's column family");
                goto done;
            }
        }
        /* Meta keys come in order, so topics arrive sorted. */
        if ((rc = topics_insert(el, t, el->el_ntopics))) {
            topic_free(t);
            rc = nomem(err);
            goto done;
        }
        if ((rc = topic_recover(el, t, err))) goto done;
    }
    char *rerr = NULL;
    rocksdb_iter_get_error(it, &rerr);
    if (rerr) rc = rocks_fail(err, rerr, "reading topic configs");
done:
    rocksdb_iter_destroy(it);
    return rc;
}

static void emb_free(emb_log *el) {
    for (size_t i = 0; i < el->el_ntopics; i++) topic_free(el->el_topics[i]);
    free(el->el_topics);
    if (el->el_meta_cf) rocksdb_column_family_handle_destroy(el->el_meta_cf);
    if (el->el_default_cf) rocksdb_column_family_handle_destroy(el->el_default_cf);
    if (el->el_db) rocksdb_close(el->el_db);
    if (el->el_opts) rocksdb_options_destroy(el->el_opts);
    if (el->el_topic_opts) rocksdb_options_destroy(el->el_topic_opts);
    if (el->el_env) rocksdb_env_destroy(el->el_env);
    if (el->el_wopts) rocksdb_writeoptions_destroy(el->el_wopts);
    if (el->el_wopts_sync) rocksdb_writeoptions_destroy(el->el_wopts_sync);
    if (el->el_ropts) rocksdb_readoptions_destroy(el->el_ropts);
    free(el->el_dir);
    pthread_mutex_destroy(&el->el_write_mu);
    pthread_rwlock_destroy(&el->el_topics_lock);
    eddy_log_base_fini(&el->el_base);
    free(el);
}

/* Opens the database with all its column families (adding "meta" if
 * missing), then hands each family to its owner. */
static int open_db(emb_log *el, eddy_err *err) {
    int rc = 0;
    char *rerr = NULL;
    size_t nlisted = 0;
    char **listed = rocksdb_list_column_families(el->el_opts, el->el_dir, &nlisted, &rerr);
    if (rerr) {
        /* No database yet, unless a CURRENT file says otherwise. */
        eddy_strbuf cur = EDDY_STRBUF_INIT;
        eddy_strbuf_printf(&cur, "%s/CURRENT", el->el_dir);
        int exists = !el->el_env && !cur.failed && access(cur.buf, F_OK) == 0;
        eddy_strbuf_fini(&cur);
        /* The array is allocated even on failure (empty). */
        if (listed) rocksdb_list_column_families_destroy(listed, nlisted);
        if (exists) return rocks_fail(err, rerr, "listing the log's column families");
        rocksdb_free(rerr);
        rerr = NULL;
        listed = NULL;
        nlisted = 0;
    }
    size_t cap = nlisted + 2, ncf = 0;
    char **names = calloc(cap, sizeof *names);
    const rocksdb_options_t **opts = calloc(cap, sizeof *opts);
    rocksdb_column_family_handle_t **handles = calloc(cap, sizeof *handles);
    if (!names || !opts || !handles) {
        rc = nomem(err);
        goto done;
    }
    int has_default = 0, has_meta = 0;
    for (size_t i = 0; i < nlisted; i++) {
        names[ncf++] = listed[i];
        if (strcmp(listed[i], "default") == 0) has_default = 1;
        if (strcmp(listed[i], META_CF) == 0) has_meta = 1;
    }
    if (!has_default) names[ncf++] = "default";
    if (!has_meta) names[ncf++] = META_CF;
    for (size_t i = 0; i < ncf; i++)
        opts[i] = strncmp(names[i], TOPIC_CF_PREFIX, 2) == 0 ? el->el_topic_opts : el->el_opts;

    el->el_db = rocksdb_open_column_families(el->el_opts, el->el_dir, (int)ncf,
                                             (const char *const *)names, opts, handles, &rerr);
    if (rerr) {
        el->el_db = NULL;
        rc = rocks_fail(err, rerr, "opening the log");
        goto done;
    }
    for (size_t i = 0; i < ncf; i++) {
        if (strcmp(names[i], "default") == 0) {
            el->el_default_cf = handles[i];
            handles[i] = NULL;
        } else if (strcmp(names[i], META_CF) == 0) {
            el->el_meta_cf = handles[i];
            handles[i] = NULL;
        }
    }
    rc = load_topics(el, ncf, names, handles, err);
    /* What is left: topic families without a config (a create or delete cut
     * short by a crash) are dropped; anything else is left alone. */
    for (size_t i = 0; i < ncf; i++) {
        if (!handles[i]) continue;
        if (rc == 0 && strncmp(names[i], TOPIC_CF_PREFIX, 2) == 0) {
            rocksdb_drop_column_family(el->el_db, handles[i], &rerr);
            if (rerr) rc = rocks_fail(err, rerr, "dropping a deleted topic's column family");
            rerr = NULL;
        }
        rocksdb_column_family_handle_destroy(handles[i]);
    }
done:
    if (listed) rocksdb_list_column_families_destroy(listed, nlisted);
    free(names);
    free(opts);
    free(handles);
    return rc;
}

int eddy_log_open_embedded(const char *dir, eddy_log **out, eddy_err *err) {
    if (!out) return eddy_err_set(err, EDDY_INVAL, "out is NULL");
    *out = NULL;
    if (!dir || !*dir) return eddy_err_set(err, EDDY_INVAL, "log directory is empty");
    bool in_memory = strcmp(dir, ":memory:") == 0;
    int rc = in_memory ? 0 : make_dirs(dir, err);
    if (rc) return rc;

    emb_log *el = calloc(1, sizeof *el);
    if (!el) return nomem(err);
    if (eddy_log_base_init(&el->el_base, &emb_ops) != 0) {
        free(el);
        return nomem(err);
    }
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    /* A waiting create/delete must not starve behind a stream of readers;
     * nobody takes the lock shared twice, so writer preference is safe. */
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    int lrc = pthread_rwlock_init(&el->el_topics_lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    if (lrc != 0 || pthread_mutex_init(&el->el_write_mu, NULL) != 0) {
        if (lrc == 0) pthread_rwlock_destroy(&el->el_topics_lock);
        eddy_log_base_fini(&el->el_base);
        free(el);
        return nomem(err);
    }

    /* A memory environment's paths are its own: any absolute path will do. */
    el->el_dir = strdup(in_memory ? "/eddy-memory-log" : dir);
    el->el_opts = rocksdb_options_create();
    el->el_topic_opts = rocksdb_options_create();
    el->el_wopts = rocksdb_writeoptions_create();
    el->el_wopts_sync = rocksdb_writeoptions_create();
    el->el_ropts = rocksdb_readoptions_create();
    if (!el->el_dir || !el->el_opts || !el->el_topic_opts || !el->el_wopts || !el->el_wopts_sync || !el->el_ropts) {
        rc = nomem(err);
        goto fail;
    }
    rocksdb_options_set_create_if_missing(el->el_opts, 1);
    rocksdb_options_set_create_missing_column_families(el->el_opts, 1);
    rocksdb_options_set_keep_log_file_num(el->el_opts, 2);
    rocksdb_writeoptions_set_sync(el->el_wopts_sync, 1);
    if (in_memory) {
        el->el_env = rocksdb_create_mem_env();
        if (!el->el_env) {
            rc = nomem(err);
            goto fail;
        }
        rocksdb_options_set_env(el->el_opts, el->el_env);
    }
    rocksdb_options_set_compression(el->el_topic_opts, rocksdb_lz4_compression);

    if ((rc = open_db(el, err))) goto fail;
    *out = &el->el_base;
    return 0;
fail:
    emb_free(el);
    return rc;
}

static void emb_close(eddy_log *log) {
    emb_free(emb(log));
}

static const rocksdb_writeoptions_t *wopts_for(emb_log *el, int flags) {
    return (flags & EDDY_LOG_SYNC) ? el->el_wopts_sync : el->el_wopts;
}

/* ---- topics -------------------------------------------------------------- */

static int emb_topic_create(eddy_log *log, const char *topic,
                            const eddy_log_topic_config *cfg, eddy_err *err) {
    emb_log *el = emb(log);
    int rc = 0;
    char *json = NULL, *rerr = NULL;
    rocksdb_column_family_handle_t *cf = NULL;
    size_t at;
    eddy_log_topic_config c = *cfg;
    c.created_ms = eddy_log_now_ms();

    pthread_rwlock_wrlock(&el->el_topics_lock);
    if (topic_find(el, topic, &at)) {
        rc = eddy_err_set(err, EDDY_EXISTS, "topic %s already exists", topic);
        goto done;
    }
    /* Everything that can fail without touching storage first. */
    emb_topic *t = topic_new(topic, &c);
    json = config_to_json(&c);
    if (!t || !json ||
        grow((void **)&el->el_topics, &el->el_topic_cap, el->el_ntopics + 1,
             sizeof *el->el_topics)) {
        topic_free(t);
        rc = nomem(err);
        goto done;
    }
    char cfn[CF_NAME_MAX];
    cf_name(cfn, topic);
    cf = rocksdb_create_column_family(el->el_db, el->el_topic_opts, cfn, &rerr);
    if (rerr) {
        topic_free(t);
        rc = rocks_fail(err, rerr, "creating the topic's column family");
        goto done;
    }
    char key[2 + EDDY_LOG_TOPIC_NAME_MAX + 1];
    int klen = snprintf(key, sizeof key, "t:%s", topic);
    rocksdb_put_cf(el->el_db, el->el_wopts_sync, el->el_meta_cf, key, (size_t)klen, json,
                   strlen(json), &rerr);
    if (rerr) {
        rc = rocks_fail(err, rerr, "storing the topic's config");
        char *e2 = NULL;
        rocksdb_drop_column_family(el->el_db, cf, &e2);
        rocksdb_free(e2); /* a leftover family is dropped at the next open */
        rocksdb_column_family_handle_destroy(cf);
        topic_free(t);
        goto done;
    }
    t->tp_cf = cf;
    (void)topics_insert(el, t, at); /* cannot fail: room was made above */
done:
    pthread_rwlock_unlock(&el->el_topics_lock);
    free(json);
    return rc;
}

static int emb_topic_delete(eddy_log *log, const char *topic, eddy_err *err) {
    emb_log *el = emb(log);
    int rc = 0;
    char *rerr = NULL;
    size_t at;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    rocksdb_iterator_t *it = NULL;

    pthread_rwlock_wrlock(&el->el_topics_lock);
    emb_topic *t = topic_find(el, topic, &at);
    if (!t) {
        rc = topic_missing(err, topic);
        goto done;
    }
    eddy_strbuf_printf(&sb, "t:%s", topic);
    rocksdb_writebatch_delete_cf(wb, el->el_meta_cf, sb.buf, sb.len);
    for (int32_t p = 0; p < t->tp_cfg.partitions; p++) {
        start_key(&sb, topic, p);
        rocksdb_writebatch_delete_cf(wb, el->el_meta_cf, sb.buf, sb.len);
    }
    if (sb.failed) {
        rc = nomem(err);
        goto done;
    }
    /* Group positions on the topic go with it. */
    size_t tlen = strlen(topic);
    it = rocksdb_create_iterator_cf(el->el_db, el->el_ropts, el->el_meta_cf);
    for (rocksdb_iter_seek(it, "g:", 2); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen, n;
        const char *k = rocksdb_iter_key(it, &klen), *kt;
        if (klen < 2 || memcmp(k, "g:", 2) != 0) break;
        if (group_key_topic(k, klen, &kt, &n) == 0 && n == tlen && memcmp(kt, topic, n) == 0)
            rocksdb_writebatch_delete_cf(wb, el->el_meta_cf, k, klen);
    }
    rocksdb_iter_get_error(it, &rerr);
    if (rerr) {
        rc = rocks_fail(err, rerr, "reading group positions");
        goto done;
    }
    rocksdb_write(el->el_db, el->el_wopts_sync, wb, &rerr);
    if (rerr) {
        rc = rocks_fail(err, rerr, "deleting the topic's config");
        goto done;
    }
    /* The topic is gone once its config is.  If dropping the records fails,
     * the family is a leftover that the next open drops. */
    rocksdb_drop_column_family(el->el_db, t->tp_cf, &rerr);
    rocksdb_free(rerr);
    memmove(el->el_topics + at, el->el_topics + at + 1,
            (el->el_ntopics - at - 1) * sizeof *el->el_topics);
    el->el_ntopics--;
    topic_free(t);
done:
    pthread_rwlock_unlock(&el->el_topics_lock);
    if (it) rocksdb_iter_destroy(it);
    rocksdb_writebatch_destroy(wb);
    eddy_strbuf_fini(&sb);
    return rc;
}

static int emb_topic_describe(eddy_log *log, const char *topic, eddy_log_topic_config *cfg,
                              eddy_err *err) {
    emb_log *el = emb(log);
    int rc = 0;
    pthread_rwlock_rdlock(&el->el_topics_lock);
    emb_topic *t = topic_find(el, topic, NULL);
    if (t) *cfg = t->tp_cfg;
    else rc = topic_missing(err, topic);
    pthread_rwlock_unlock(&el->el_topics_lock);
    return rc;
}

static int emb_topic_list(eddy_log *log, char ***names, size_t *count, eddy_err *err) {
    emb_log *el = emb(log);
    int rc = 0;
    pthread_rwlock_rdlock(&el->el_topics_lock);
    size_t n = el->el_ntopics;
    char **v = n ? calloc(n, sizeof *v) : NULL;
    if (n && !v) {
        rc = nomem(err);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] = strdup(el->el_topics[i]->tp_name))) {
            eddy_log_names_free(v, i);
            rc = nomem(err);
            goto done;
        }
    }
    *names = v;
    *count = n;
done:
    pthread_rwlock_unlock(&el->el_topics_lock);
    return rc;
}

/* ---- producing ----------------------------------------------------------- */

/* Picks the partition (with el_topics_lock held). */
static int choose_partition(emb_topic *t, int32_t partition, const eddy_log_record *rec,
                            int32_t *out, eddy_err *err) {
    if (partition == EDDY_LOG_PARTITION_ANY)
        partition = eddy_log_partition_choose(rec->key, rec->key_len, t->tp_cfg.partitions,
                                              &t->tp_rr);
    if (partition >= t->tp_cfg.partitions) return partition_missing(err, t, partition);
    *out = partition;
    return 0;
}

static int emb_produce(eddy_log *log, const char *topic, int32_t partition,
                       const eddy_log_record *rec, int flags, int32_t *out_partition,
                       int64_t *out_offset, eddy_err *err) {
    emb_log *el = emb(log);
    unsigned char stack[1024];
    /* A batch of one record. */
    size_t vlen = EDDY_EMB_BATCH_HEADER_MAX + eddy_emb_frame_size(rec);
    unsigned char *v = vlen <= sizeof stack ? stack : malloc(vlen);
    if (!v) return nomem(err);
    vlen = eddy_emb_batch_header(v, 1);
    vlen += eddy_emb_frame_encode(rec, rec->timestamp < 0 ? eddy_log_now_ms() : rec->timestamp,
                                  v + vlen);

    int rc;
    char *rerr = NULL;
    pthread_rwlock_rdlock(&el->el_topics_lock);
    emb_topic *t = topic_find(el, topic, NULL);
    int32_t p = 0;
    if (!t) rc = topic_missing(err, topic);
    else rc = choose_partition(t, partition, rec, &p, err);
    if (rc == 0) {
        emb_part *part = &t->tp_parts[p];
        unsigned char k[EDDY_EMB_KEY_LEN];
        pthread_mutex_lock(&el->el_write_mu);
        int64_t off = atomic_load_explicit(&part->ep_next, memory_order_relaxed);
        eddy_emb_key_encode(k, p, off);
        rocksdb_put_cf(el->el_db, wopts_for(el, flags), t->tp_cf, (const char *)k, sizeof k,
                       (const char *)v, vlen, &rerr);
        if (!rerr) atomic_store_explicit(&part->ep_next, off + 1, memory_order_release);
        pthread_mutex_unlock(&el->el_write_mu);
        if (rerr) {
            rc = rocks_fail(err, rerr, "writing a record");
        } else {
            *out_partition = p;
            *out_offset = off;
        }
    }
    pthread_rwlock_unlock(&el->el_topics_lock);
    if (v != stack) free(v);
    if (rc == 0) eddy_log_notify(log);
    return rc;
}

/* ---- transactions -------------------------------------------------------- */

static int emb_txn_begin(eddy_log *log, int flags, eddy_log_txn **out, eddy_err *err) {
    (void)flags; /* atomic is as cheap as at-least-once here */
    emb_txn *tx = calloc(1, sizeof *tx);
    if (!tx) return nomem(err);
    tx->tx_base.tx_log = log;
    tx->tx_state = TXN_OPEN;
    *out = &tx->tx_base;
    return 0;
}

/* Index of topic in tx_topics, adding it if new; (size_t)-1 when out of memory. */
static size_t txn_topic(emb_txn *tx, const char *topic) {
    for (size_t i = tx->tx_ntopics; i-- > 0;)
        if (strcmp(tx->tx_topics[i], topic) == 0) return i;
    if (grow((void **)&tx->tx_topics, &tx->tx_topic_cap, tx->tx_ntopics + 1,
             sizeof *tx->tx_topics))
        return (size_t)-1;
    char *s = strdup(topic);
    if (!s) return (size_t)-1;
    tx->tx_topics[tx->tx_ntopics] = s;
    return tx->tx_ntopics++;
}

static int txn_check_open(emb_txn *tx, eddy_err *err) {
    if (tx->tx_state != TXN_OPEN)
        return eddy_err_set(err, EDDY_INVAL, "the transaction was already committed");
    return 0;
}

static int emb_txn_produce(eddy_log_txn *txn, const char *topic, int32_t partition,
                           const eddy_log_record *rec, int32_t *out_partition,
                           eddy_err *err) {
    emb_txn *tx = (emb_txn *)txn;
    emb_log *el = emb(txn->tx_log);
    int rc = txn_check_open(tx, err);
    if (rc) return rc;

    int32_t p = 0;
    pthread_rwlock_rdlock(&el->el_topics_lock);
    emb_topic *t = topic_find(el, topic, NULL);
    if (!t) rc = topic_missing(err, topic);
    else rc = choose_partition(t, partition, rec, &p, err);
    pthread_rwlock_unlock(&el->el_topics_lock);
    if (rc) return rc;

    size_t ti = txn_topic(tx, topic);
    size_t flen = eddy_emb_frame_size(rec);
    if (ti == (size_t)-1 ||
        grow((void **)&tx->tx_buf, &tx->tx_cap, tx->tx_len + flen, 1) ||
        grow((void **)&tx->tx_recs, &tx->tx_rec_cap, tx->tx_nrecs + 1, sizeof *tx->tx_recs))
        return nomem(err);
    int64_t ts = rec->timestamp < 0 ? eddy_log_now_ms() : rec->timestamp;
    eddy_emb_frame_encode(rec, ts, tx->tx_buf + tx->tx_len);
    tx->tx_recs[tx->tx_nrecs++] = (emb_txn_rec){.tr_topic = ti,
                                                .tr_part = p,
                                                .tr_foff = tx->tx_len,
                                                .tr_flen = flen,
                                                .tr_next = SIZE_MAX,
                                                .tr_offset = -1};
    tx->tx_len += flen;
    *out_partition = p;
    return 0;
}

static int emb_txn_commit_position(eddy_log_txn *txn, const char *group, const char *topic,
                                   int32_t partition, int64_t next_offset, eddy_err *err) {
    emb_txn *tx = (emb_txn *)txn;
    int rc = txn_check_open(tx, err);
    if (rc) return rc;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    group_key(&sb, group, topic, partition);
    size_t ti = txn_topic(tx, topic);
    size_t klen = sb.len;
    char *key = eddy_strbuf_detach(&sb);
    if (!key || ti == (size_t)-1 ||
        grow((void **)&tx->tx_pos, &tx->tx_pos_cap, tx->tx_npos + 1, sizeof *tx->tx_pos)) {
        free(key);
        return nomem(err);
    }
    tx->tx_pos[tx->tx_npos++] = (emb_txn_pos){.tq_key = key, .tq_keylen = klen, .tq_topic = ti,
                                              .tq_part = partition, .tq_next = next_offset};
    return 0;
}

/* Chains the records of tx by partition into groups (*groups, *ngroups: a
 * new array owned by the caller), in the order each partition first appears;
 * the records of a partition keep their order.  tops maps tx_topics to the
 * topics.  0 or EDDY_NOMEM. */
static int txn_group(emb_txn *tx, emb_topic **tops, emb_txn_group **groups,
                     size_t *ngroups) {
    emb_txn_group *g = NULL;
    size_t n = 0, cap = 0, last = 0;
    for (size_t i = 0; i < tx->tx_nrecs; i++) {
        emb_txn_rec *r = &tx->tx_recs[i];
        emb_topic *t = tops[r->tr_topic];
        size_t j = last;
        /* Most transactions write one or a few partitions, mostly in runs:
         * try the last group first, then the others. */
        if (j >= n || g[j].tg_topic != t || g[j].tg_part != r->tr_part) {
            for (j = 0; j < n; j++)
                if (g[j].tg_topic == t && g[j].tg_part == r->tr_part) break;
        }
        if (j == n) {
            if (grow((void **)&g, &cap, n + 1, sizeof *g)) {
                free(g);
                return EDDY_NOMEM;
            }
            g[n++] = (emb_txn_group){.tg_topic = t, .tg_part = r->tr_part, .tg_first = i,
                                     .tg_last = i, .tg_count = 1};
        } else {
            tx->tx_recs[g[j].tg_last].tr_next = i;
            g[j].tg_last = i;
            g[j].tg_count++;
        }
        last = j;
    }
    *groups = g;
    *ngroups = n;
    return 0;
}

/* A partition's records in one transaction go into batches of at most this
 * many bytes of frames (or one record, when it is larger): a fetch from the
 * middle of a batch decodes it from its start. */
#define BATCH_BYTES_MAX ((size_t)1 << 20)

/* Adds the batch of the n - 1 frames in slices[1 ..] (count records) at
 * offset base of g's partition to wb; slices[0] becomes its header. */
static void put_batch(rocksdb_writebatch_t *wb, const emb_txn_group *g, int64_t base,
                      uint64_t count, const char **slices, size_t *lens, int n) {
    unsigned char k[EDDY_EMB_KEY_LEN], hdr[EDDY_EMB_BATCH_HEADER_MAX];
    slices[0] = (const char *)hdr;
    lens[0] = eddy_emb_batch_header(hdr, count);
    eddy_emb_key_encode(k, g->tg_part, base);
    const char *key = (const char *)k;
    size_t klen = sizeof k;
    rocksdb_writebatch_putv_cf(wb, g->tg_topic->tp_cf, 1, &key, &klen, n, slices, lens);
}

/* Adds group g's records to wb (with el_write_mu held) as batches: their
 * offsets start at the partition's end offset.  A batch's value is gathered
 * from the frames in tx_buf (runs of adjacent frames as one piece); slices
 * and lens have room for 1 + tg_count pieces. */
static void txn_put_group(emb_txn *tx, emb_txn_group *g, rocksdb_writebatch_t *wb,
                          const char **slices, size_t *lens) {
    emb_part *part = &g->tg_topic->tp_parts[g->tg_part];
    int64_t off = atomic_load_explicit(&part->ep_next, memory_order_relaxed);
    int64_t base = off;
    uint64_t count = 0;
    size_t bytes = 0;
    int n = 1; /* slices[0]: the header */
    g->tg_base = off;
    for (size_t i = g->tg_first; i != SIZE_MAX; i = tx->tx_recs[i].tr_next) {
        emb_txn_rec *r = &tx->tx_recs[i];
        const char *f = (const char *)tx->tx_buf + r->tr_foff;
        if (count > 0 && bytes + r->tr_flen > BATCH_BYTES_MAX) {
            put_batch(wb, g, base, count, slices, lens, n);
            base = off;
            count = 0;
            bytes = 0;
            n = 1;
        }
        r->tr_offset = off++;
        count++;
        bytes += r->tr_flen;
        if (n > 1 && slices[n - 1] + lens[n - 1] == f) {
            lens[n - 1] += r->tr_flen;
        } else {
            slices[n] = f;
            lens[n++] = r->tr_flen;
        }
    }
    put_batch(wb, g, base, count, slices, lens, n);
}

static int emb_txn_commit(eddy_log_txn *txn, int flags, eddy_err *err) {
    emb_txn *tx = (emb_txn *)txn;
    emb_log *el = emb(txn->tx_log);
    int rc = txn_check_open(tx, err);
    if (rc) return rc;
    tx->tx_state = TXN_FAILED;
    if (tx->tx_nrecs == 0 && tx->tx_npos == 0) {
        tx->tx_state = TXN_COMMITTED;
        return 0;
    }
    emb_topic **tops = calloc(tx->tx_ntopics, sizeof *tops);
    const char **slices = malloc((tx->tx_nrecs + 1) * sizeof *slices);
    size_t *lens = malloc((tx->tx_nrecs + 1) * sizeof *lens);
    emb_txn_group *groups = NULL;
    size_t ngroups = 0;
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    char *rerr = NULL;
    if (!tops || !slices || !lens || !wb) {
        free(tops);
        free(slices);
        free(lens);
        if (wb) rocksdb_writebatch_destroy(wb);
        return nomem(err);
    }

    pthread_rwlock_rdlock(&el->el_topics_lock);
    /* Every topic and partition must still be there: else nothing is written. */
    for (size_t i = 0; i < tx->tx_ntopics; i++) {
        if (!(tops[i] = topic_find(el, tx->tx_topics[i], NULL))) {
            rc = topic_missing(err, tx->tx_topics[i]);
            goto unlock;
        }
    }
    for (size_t i = 0; i < tx->tx_nrecs; i++) {
        emb_topic *t = tops[tx->tx_recs[i].tr_topic];
        if (tx->tx_recs[i].tr_part >= t->tp_cfg.partitions) {
            rc = partition_missing(err, t, tx->tx_recs[i].tr_part);
            goto unlock;
        }
    }
    for (size_t i = 0; i < tx->tx_npos; i++) {
        emb_topic *t = tops[tx->tx_pos[i].tq_topic];
        if (tx->tx_pos[i].tq_part >= t->tp_cfg.partitions) {
            rc = partition_missing(err, t, tx->tx_pos[i].tq_part);
            goto unlock;
        }
    }
    for (size_t i = 0; i < tx->tx_nrecs; i++) tx->tx_recs[i].tr_next = SIZE_MAX;
    if (txn_group(tx, tops, &groups, &ngroups)) {
        rc = nomem(err);
        goto unlock;
    }
    for (size_t i = 0; i < tx->tx_npos; i++) {
        unsigned char v[8];
        eddy_emb_put_be64(v, tx->tx_pos[i].tq_next);
        rocksdb_writebatch_put_cf(wb, el->el_meta_cf, tx->tx_pos[i].tq_key,
                                  tx->tx_pos[i].tq_keylen, (const char *)v, sizeof v);
    }

    pthread_mutex_lock(&el->el_write_mu);
    for (size_t i = 0; i < ngroups; i++) txn_put_group(tx, &groups[i], wb, slices, lens);
    rocksdb_write(el->el_db, wopts_for(el, flags), wb, &rerr);
    if (!rerr) {
        for (size_t i = 0; i < ngroups; i++) {
            emb_part *part = &groups[i].tg_topic->tp_parts[groups[i].tg_part];
            atomic_store_explicit(&part->ep_next,
                                  groups[i].tg_base + (int64_t)groups[i].tg_count,
                                  memory_order_release);
        }
    }
    pthread_mutex_unlock(&el->el_write_mu);
    if (rerr) {
        for (size_t i = 0; i < tx->tx_nrecs; i++) tx->tx_recs[i].tr_offset = -1;
        rc = rocks_fail(err, rerr, "committing a transaction");
    } else {
        tx->tx_state = TXN_COMMITTED;
    }
unlock:
    pthread_rwlock_unlock(&el->el_topics_lock);
    rocksdb_writebatch_destroy(wb);
    free(groups);
    free(slices);
    free(lens);
    free(tops);
    if (rc == 0) eddy_log_notify(txn->tx_log);
    return rc;
}

static size_t emb_txn_count(const eddy_log_txn *txn) {
    return ((const emb_txn *)txn)->tx_nrecs;
}

static int emb_txn_result(const eddy_log_txn *txn, size_t i, int32_t *partition,
                          int64_t *offset) {
    const emb_txn *tx = (const emb_txn *)txn;
    if (tx->tx_state != TXN_COMMITTED || i >= tx->tx_nrecs) return EDDY_INVAL;
    *partition = tx->tx_recs[i].tr_part;
    *offset = tx->tx_recs[i].tr_offset;
    return 0;
}

static void emb_txn_destroy(eddy_log_txn *txn) {
    emb_txn *tx = (emb_txn *)txn;
    for (size_t i = 0; i < tx->tx_ntopics; i++) free(tx->tx_topics[i]);
    for (size_t i = 0; i < tx->tx_npos; i++) free(tx->tx_pos[i].tq_key);
    free(tx->tx_topics);
    free(tx->tx_buf);
    free(tx->tx_recs);
    free(tx->tx_pos);
    free(tx);
}

/* ---- reading ------------------------------------------------------------- */

static int batch_corrupt(eddy_err *err, int32_t p, int64_t first) {
    return eddy_err_set(err, EDDY_CORRUPT, "the record batch at %d@%lld is corrupt", (int)p,
                        (long long)first);
}

/* Copies the records from offset on of the batches the iterator is at and
 * after into out (first pass: raw record values and their spans), then points
 * the records into out's buffer (second pass). */
static int fetch_fill(rocksdb_iterator_t *it, int32_t p, int64_t offset, size_t max_records,
                      size_t max_bytes, eddy_log_batch *out, eddy_err *err) {
    size_t n = 0, bytes = 0, nhdrs = 0;
    bool full = false;
    for (; !full && n < max_records && rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen, vlen, pos;
        const char *k = rocksdb_iter_key(it, &klen);
        const char *v = rocksdb_iter_value(it, &vlen);
        int32_t kp;
        int64_t first;
        uint64_t count;
        if (eddy_emb_key_decode(k, klen, &kp, &first) || kp != p)
            return eddy_err_set(err, EDDY_CORRUPT, "a record key of partition %d is corrupt",
                                (int)p);
        if (eddy_emb_batch_open(v, vlen, &count, &pos) ||
            count > (uint64_t)(INT64_MAX - first))
            return batch_corrupt(err, p, first);
        for (uint64_t i = 0; i < count; i++) {
            size_t roff, rlen;
            int64_t off = first + (int64_t)i;
            eddy_log_record r;
            if (eddy_emb_batch_next(v, vlen, &pos, &roff, &rlen))
                return batch_corrupt(err, p, first);
            if (off < offset) continue;
            if (n >= max_records || (n > 0 && max_bytes && bytes + rlen > max_bytes)) {
                full = true;
                break;
            }
            int rc = eddy_emb_value_decode(v + roff, rlen, &r, NULL, err);
            if (rc) return rc;
            if (grow((void **)&out->records, &out->lb_rec_cap, n + 1, sizeof *out->records) ||
                grow((void **)&out->lb_spans, &out->lb_span_cap, 2 * (n + 1),
                     sizeof *out->lb_spans) ||
                grow((void **)&out->lb_buf, &out->lb_cap, out->lb_len + rlen, 1))
                return nomem(err);
            memcpy(out->lb_buf + out->lb_len, v + roff, rlen);
            out->lb_spans[2 * n] = out->lb_len;
            out->lb_spans[2 * n + 1] = rlen;
            out->records[n].offset = off;
            out->lb_len += rlen;
            bytes += rlen;
            nhdrs += r.header_count;
            n++;
        }
        if (!full && pos != vlen) return batch_corrupt(err, p, first);
    }
    char *rerr = NULL;
    rocksdb_iter_get_error(it, &rerr);
    if (rerr) return rocks_fail(err, rerr, "reading records");
    if (nhdrs && grow((void **)&out->lb_hdrs, &out->lb_hdr_cap, nhdrs, sizeof *out->lb_hdrs))
        return nomem(err);
    out->lb_hdr_len = 0;
    for (size_t i = 0; i < n; i++) {
        eddy_log_record *r = &out->records[i];
        int rc = eddy_emb_value_decode(out->lb_buf + out->lb_spans[2 * i],
                                       out->lb_spans[2 * i + 1], r,
                                       out->lb_hdrs ? out->lb_hdrs + out->lb_hdr_len : NULL, err);
        if (rc) return rc;
        out->lb_hdr_len += r->header_count;
    }
    out->count = n;
    if (n) out->next_offset = out->records[n - 1].offset + 1;
    return 0;
}

/* Positions it at the batch holding offset of partition p: the last batch
 * that starts at or before it, or (when retention removed that one
 * meanwhile) the first batch after it.  The iterator is bounded to p's
 * batches. */
static void seek_batch(rocksdb_iterator_t *it, int32_t p, int64_t offset) {
    unsigned char k[EDDY_EMB_KEY_LEN];
    eddy_emb_key_encode(k, p, offset);
    rocksdb_iter_seek_for_prev(it, (const char *)k, sizeof k);
    if (!rocksdb_iter_valid(it)) rocksdb_iter_seek(it, (const char *)k, sizeof k);
}

static int emb_fetch(eddy_log *log, const char *topic, int32_t partition, int64_t offset,
                     size_t max_records, size_t max_bytes, eddy_log_batch *out,
                     eddy_err *err) {
    emb_log *el = emb(log);
    emb_topic *t;
    pthread_rwlock_rdlock(&el->el_topics_lock);
    int rc = topic_partition(el, topic, partition, &t, err);
    if (rc) goto done;
    emb_part *part = &t->tp_parts[partition];
    int64_t start = atomic_load_explicit(&part->ep_start, memory_order_acquire);
    int64_t end = atomic_load_explicit(&part->ep_next, memory_order_acquire);
    out->end_offset = end;
    if (offset < start) {
        rc = eddy_err_set(err, EDDY_RANGE,
                          "offset %lld of %s/%d is before the start offset %lld",
                          (long long)offset, topic, (int)partition, (long long)start);
        goto done;
    }
    if (offset >= end) goto done;

    /* Batches of the partition that start before end: written whole before
     * end was published. */
    unsigned char lo[EDDY_EMB_KEY_LEN], hi[EDDY_EMB_KEY_LEN];
    eddy_emb_key_encode(lo, partition, 0);
    eddy_emb_key_encode(hi, partition, end);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    if (!ro) {
        rc = nomem(err);
        goto done;
    }
    rocksdb_readoptions_set_iterate_lower_bound(ro, (const char *)lo, sizeof lo);
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, sizeof hi);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(el->el_db, ro, t->tp_cf);
    seek_batch(it, partition, offset);
    rc = fetch_fill(it, partition, offset, max_records, max_bytes, out, err);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    if (rc) {
        out->count = 0;
        out->next_offset = offset;
    }
done:
    pthread_rwlock_unlock(&el->el_topics_lock);
    return rc;
}

static int emb_partition_offsets(eddy_log *log, const char *topic, int32_t partition,
                                 int64_t *start, int64_t *end, eddy_err *err) {
    emb_log *el = emb(log);
    emb_topic *t;
    pthread_rwlock_rdlock(&el->el_topics_lock);
    int rc = topic_partition(el, topic, partition, &t, err);
    if (rc == 0) {
        /* end first: a start read later is never above it. */
        *end = atomic_load_explicit(&t->tp_parts[partition].ep_next, memory_order_acquire);
        *start = atomic_load_explicit(&t->tp_parts[partition].ep_start, memory_order_acquire);
    }
    pthread_rwlock_unlock(&el->el_topics_lock);
    return rc;
}

/* ---- group positions ----------------------------------------------------- */

static int emb_group_commit(eddy_log *log, const char *group, const char *topic,
                            int32_t partition, int64_t next_offset, int flags,
                            eddy_err *err) {
    emb_log *el = emb(log);
    emb_topic *t;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    char *rerr = NULL;
    pthread_rwlock_rdlock(&el->el_topics_lock);
    int rc = topic_partition(el, topic, partition, &t, err);
    if (rc) goto done;
    group_key(&sb, group, topic, partition);
    if (sb.failed) {
        rc = nomem(err);
        goto done;
    }
    unsigned char v[8];
    eddy_emb_put_be64(v, next_offset);
    rocksdb_put_cf(el->el_db, wopts_for(el, flags), el->el_meta_cf, sb.buf, sb.len,
                   (const char *)v, sizeof v, &rerr);
    if (rerr) rc = rocks_fail(err, rerr, "committing a group position");
done:
    pthread_rwlock_unlock(&el->el_topics_lock);
    eddy_strbuf_fini(&sb);
    if (rc == 0) eddy_log_notify(log);
    return rc;
}

static int emb_group_committed(eddy_log *log, const char *group, const char *topic,
                               int32_t partition, int64_t *next_offset, eddy_err *err) {
    emb_log *el = emb(log);
    emb_topic *t;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    int found = 0;
    pthread_rwlock_rdlock(&el->el_topics_lock);
    int rc = topic_partition(el, topic, partition, &t, err);
    if (rc) goto done;
    group_key(&sb, group, topic, partition);
    if (sb.failed) {
        rc = nomem(err);
        goto done;
    }
    /* Under el_write_mu: a transaction's position is written to RocksDB
     * before its partitions' end offsets are published, both under the
     * mutex; reading the position under it too keeps a position from being
     * seen ahead of the records committed with it. */
    pthread_mutex_lock(&el->el_write_mu);
    rc = meta_get_be64(el, sb.buf, sb.len, next_offset, &found, err);
    pthread_mutex_unlock(&el->el_write_mu);
    if (rc == 0 && !found)
        rc = eddy_err_set(err, EDDY_NOTFOUND, "group %s has no position in %s/%d", group,
                          topic, (int)partition);
done:
    pthread_rwlock_unlock(&el->el_topics_lock);
    eddy_strbuf_fini(&sb);
    return rc;
}

/* ---- maintenance --------------------------------------------------------- */

/* Serializes the moves of start offsets (retention and deleted records). */
static pthread_mutex_t g_maint_mu = PTHREAD_MUTEX_INITIALIZER;

static int emb_flush(eddy_log *log, eddy_err *err) {
    char *rerr = NULL;
    rocksdb_flush_wal(emb(log)->el_db, 1, &rerr);
    if (rerr) return rocks_fail(err, rerr, "syncing the log");
    return 0;
}

/* Retention of one partition of t (el_topics_lock held): it is bounded to
 * the partition's batches.  Records are checked one by one, so the start
 * offset moves exactly past the old records; the batches all of whose
 * records are below it are deleted, and the "s:" key keeps the start. */
static int retain_partition(emb_log *el, emb_topic *t, int32_t p, rocksdb_iterator_t *it,
                            int64_t cutoff, int64_t before, int64_t *deleted, eddy_err *err) {
    emb_part *part = &t->tp_parts[p];
    int64_t end = atomic_load_explicit(&part->ep_next, memory_order_acquire);
    int64_t start = atomic_load_explicit(&part->ep_start, memory_order_acquire);
    int64_t new_start = start, keep = start; /* keep: first offset of the first batch kept */
    bool stop = false;
    if (start >= end) return 0;
    seek_batch(it, p, start);
    for (; !stop && rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen, vlen, pos, roff, rlen;
        const char *key = rocksdb_iter_key(it, &klen);
        const char *v = rocksdb_iter_value(it, &vlen);
        int32_t kp;
        int64_t first, ts;
        uint64_t count;
        if (eddy_emb_key_decode(key, klen, &kp, &first) || kp != p || first >= end) break;
        if (eddy_emb_batch_open(v, vlen, &count, &pos) ||
            count > (uint64_t)(INT64_MAX - first))
            return batch_corrupt(err, p, first);
        keep = first;
        for (uint64_t i = 0; i < count; i++) {
            int64_t off = first + (int64_t)i;
            if (eddy_emb_batch_next(v, vlen, &pos, &roff, &rlen))
                return batch_corrupt(err, p, first);
            if (off < new_start) continue;
            if (off < before) { /* deleted by offset (eddy_log_delete_records) */
                new_start = off + 1;
                continue;
            }
            if (eddy_emb_value_timestamp(v + roff, rlen, &ts))
                return eddy_err_set(err, EDDY_CORRUPT, "record %s/%d@%lld is corrupt",
                                    t->tp_name, (int)p, (long long)off);
            if (ts >= cutoff) {
                stop = true;
                break;
            }
            new_start = off + 1;
        }
        if (!stop) keep = first + (int64_t)count; /* the whole batch goes */
    }
    char *rerr = NULL;
    rocksdb_iter_get_error(it, &rerr);
    if (rerr) return rocks_fail(err, rerr, "reading records for retention");
    if (new_start == start) return 0;

    eddy_strbuf sb = EDDY_STRBUF_INIT;
    start_key(&sb, t->tp_name, p);
    if (sb.failed) return nomem(err);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    unsigned char k[EDDY_EMB_KEY_LEN], hi[EDDY_EMB_KEY_LEN], v[8];
    eddy_emb_key_encode(k, p, 0);
    eddy_emb_key_encode(hi, p, keep);
    if (keep > 0)
        rocksdb_writebatch_delete_range_cf(wb, t->tp_cf, (const char *)k, sizeof k,
                                           (const char *)hi, sizeof hi);
    eddy_emb_put_be64(v, new_start);
    rocksdb_writebatch_put_cf(wb, el->el_meta_cf, sb.buf, sb.len, (const char *)v, sizeof v);
    pthread_mutex_lock(&el->el_write_mu);
    rocksdb_write(el->el_db, el->el_wopts, wb, &rerr);
    if (!rerr) atomic_store_explicit(&part->ep_start, new_start, memory_order_release);
    pthread_mutex_unlock(&el->el_write_mu);
    rocksdb_writebatch_destroy(wb);
    eddy_strbuf_fini(&sb);
    if (rerr) return rocks_fail(err, rerr, "deleting old records");
    *deleted += new_start - start;
    return 0;
}

/* Deletes the records of a partition below `before` (Kafka's DeleteRecords). */
static int emb_delete_records(eddy_log *log, const char *topic, int32_t partition, int64_t before, eddy_err *err) {
    emb_log *el = emb(log);
    emb_topic *t;
    int64_t deleted = 0;
    pthread_rwlock_rdlock(&el->el_topics_lock);
    int rc = topic_partition(el, topic, partition, &t, err);
    if (rc == 0) {
        unsigned char lo[EDDY_EMB_KEY_LEN], hi[EDDY_EMB_KEY_LEN];
        rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
        eddy_emb_key_encode(lo, partition, 0);
        eddy_emb_key_encode(hi, partition, INT64_MAX);
        rocksdb_readoptions_set_iterate_lower_bound(ro, (const char *)lo, sizeof lo);
        rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, sizeof hi);
        rocksdb_iterator_t *it = rocksdb_create_iterator_cf(el->el_db, ro, t->tp_cf);
        pthread_mutex_lock(&g_maint_mu);
        /* No record is older than INT64_MIN: only the offset decides. */
        rc = retain_partition(el, t, partition, it, INT64_MIN, before, &deleted, err);
        pthread_mutex_unlock(&g_maint_mu);
        rocksdb_iter_destroy(it);
        rocksdb_readoptions_destroy(ro);
    }
    pthread_rwlock_unlock(&el->el_topics_lock);
    return rc;
}

static int emb_enforce_retention(eddy_log *log, int64_t now_ms, int64_t *deleted,
                                 eddy_err *err) {
    emb_log *el = emb(log);
    int rc = 0;
    *deleted = 0;
    pthread_rwlock_rdlock(&el->el_topics_lock);
    for (size_t i = 0; i < el->el_ntopics && rc == 0; i++) {
        emb_topic *t = el->el_topics[i];
        if (!(t->tp_cfg.cleanup & EDDY_LOG_CLEANUP_DELETE) ||
            t->tp_cfg.retention_ms == EDDY_LOG_RETENTION_FOREVER)
            continue;
        if (now_ms < INT64_MIN + t->tp_cfg.retention_ms) continue;
        int64_t cutoff = now_ms - t->tp_cfg.retention_ms;
        for (int32_t p = 0; p < t->tp_cfg.partitions && rc == 0; p++) {
            unsigned char lo[EDDY_EMB_KEY_LEN], hi[EDDY_EMB_KEY_LEN];
            rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
            if (!ro) {
                rc = nomem(err);
                break;
            }
            eddy_emb_key_encode(lo, p, 0);
            eddy_emb_key_encode(hi, p, INT64_MAX);
            rocksdb_readoptions_set_iterate_lower_bound(ro, (const char *)lo, sizeof lo);
            rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, sizeof hi);
            rocksdb_iterator_t *it = rocksdb_create_iterator_cf(el->el_db, ro, t->tp_cf);
            pthread_mutex_lock(&g_maint_mu);
            rc = retain_partition(el, t, p, it, cutoff, -1, deleted, err);
            pthread_mutex_unlock(&g_maint_mu);
            rocksdb_iter_destroy(it);
            rocksdb_readoptions_destroy(ro);
        }
    }
    pthread_rwlock_unlock(&el->el_topics_lock);
    return rc;
}

static const eddy_log_ops emb_ops = {
    .name = "embedded",
    .close = emb_close,
    .topic_create = emb_topic_create,
    .topic_delete = emb_topic_delete,
    .topic_describe = emb_topic_describe,
    .topic_list = emb_topic_list,
    .produce = emb_produce,
    .txn_begin = emb_txn_begin,
    .txn_produce = emb_txn_produce,
    .txn_commit_position = emb_txn_commit_position,
    .txn_commit = emb_txn_commit,
    .txn_count = emb_txn_count,
    .txn_result = emb_txn_result,
    .txn_destroy = emb_txn_destroy,
    .fetch = emb_fetch,
    .partition_offsets = emb_partition_offsets,
    .group_commit = emb_group_commit,
    .group_committed = emb_group_committed,
    .flush = emb_flush,
    .enforce_retention = emb_enforce_retention,
    .delete_records = emb_delete_records,
};
