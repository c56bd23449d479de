/* query_group.c - a persistent query as one member of its consumer group: which tasks run here, reading and committing. */
#include "engine/query_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- reading and committing (both modes) --------------------------------------------- */

int eddy_qrun_task_fetch(eddy_qrun *q, task *t, size_t max, eddy_err *err) {
    int rc;
    if (q->sub) {
        rc = eddy_log_sub_fetch(q->sub, t->topic, t->partition, t->position, max, 0, &t->fetched, err);
        if (rc == EDDY_NOTFOUND) { /* taken away meanwhile: the rebalance callback sees to it */
            eddy_err_clear(err);
            eddy_log_batch_reset(&t->fetched);
            t->fetched.next_offset = t->position;
            return 0;
        }
    } else {
        rc = eddy_log_fetch(q->log, t->topic, t->partition, t->position, max, 0, &t->fetched, err);
    }
    if (rc == EDDY_RANGE) { /* retention removed what we had not read */
        int64_t start;
        eddy_err_clear(err);
        if ((rc = eddy_log_partition_offsets(q->log, t->topic, t->partition, &start, NULL, err))) return rc;
        t->position = start;
        eddy_log_batch_reset(&t->fetched);
        t->fetched.next_offset = start;
        return 0;
    }
    return rc;
}

int eddy_qrun_txn_begin(eddy_qrun *q, eddy_log_txn **out, eddy_err *err) {
    return eddy_log_txn_begin_ex(q->log, q->opts.txn_flags, out, err);
}

int eddy_qrun_txn_commit(task *t, eddy_log_txn *txn, eddy_err *err) {
    int rc = eddy_log_txn_commit(txn, 0, err);
    if (rc != EDDY_AGAIN) return rc;
    /* At least once: the records are written, only the positions were
     * refused; the next commit carries newer ones. */
    int64_t now = eddy_log_now_ms();
    if (now - t->last_retry_note_ms >= 1000) {
        fprintf(stderr, "eddy: query %s: %s[%d]: %s\n", t->q->id, t->topic, (int)t->partition, err->msg);
        t->last_retry_note_ms = now;
    }
    eddy_err_clear(err);
    return 0;
}

bool eddy_qrun_commit_retriable(eddy_qrun *q, task *t, int rc, eddy_err *err) {
    if (rc != EDDY_IO && rc != EDDY_TIMEOUT) return false;
    /* The cluster refused or did not answer (a broker down, a rebalance in
     * progress): the task tries again at its next step; said once a second. */
    int64_t now = eddy_log_now_ms();
    if (now - t->last_retry_note_ms >= 1000) {
        fprintf(stderr, "eddy: query %s: committing %s[%d] failed, will retry: %s\n", q->id, t->topic,
                (int)t->partition, err ? err->msg : "");
        t->last_retry_note_ms = now;
    }
    eddy_err_clear(err);
    return true;
}

int eddy_qrun_task_position(eddy_qrun *q, task *t, eddy_err *err) {
    int64_t start = 0, end = 0, pos;
    int rc = eddy_log_partition_offsets(q->log, t->topic, t->partition, &start, &end, err);
    if (rc) return rc;
    if (!q->opts.rows && eddy_log_group_committed(q->log, q->group, t->topic, t->partition, &pos, NULL) == 0)
        t->position = pos < start ? start : pos;
    else if (t->kind == TASK_REPARTITION)
        t->position = q->opts.rows ? end : start;
    else
        t->position = q->opts.from_earliest ? start : end;
    return 0;
}

/* ---- at least once: a transaction per commit interval ---------------------------------- */

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool eddy_qrun_open_txn_wanted(const eddy_qrun *q) {
    return q->sub && (q->opts.txn_flags & EDDY_LOG_TXN_AT_LEAST_ONCE) && q->opts.commit_interval_ms > 0;
}

int eddy_qrun_open_txn_commit(eddy_qrun *q, task *t, bool force, eddy_err *err) {
    if (!t->txn) return 0;
    int64_t now = mono_ms();
    if (!force && now - t->last_commit_ms < q->opts.commit_interval_ms) return 0;
    int rc = eddy_qrun_txn_commit(t, t->txn, err);
    eddy_log_txn_destroy(t->txn);
    t->txn = NULL;
    t->last_commit_ms = now;
    if (!rc) return 0;
    if (!eddy_qrun_commit_retriable(q, t, rc, err)) return rc;
    t->position = t->txn_from; /* its records are read and written again */
    return 0;
}

int eddy_qrun_open_txn_add(eddy_qrun *q, task *t, int64_t next, eddy_err *err) {
    int rc;
    if (!t->txn) {
        if ((rc = eddy_qrun_txn_begin(q, &t->txn, err))) return eddy_qrun_commit_retriable(q, t, rc, err) ? 0 : rc;
        t->txn_from = t->position;
        if (!t->last_commit_ms) t->last_commit_ms = mono_ms();
    }
    if ((rc = eddy_qrun_produce_rows(t, t->txn, &t->out, err)) ||
        (rc = eddy_log_txn_commit_position(t->txn, q->group, t->topic, t->partition, next, err))) {
        /* An earlier record of the transaction failed, or the cluster
         * refused: everything since it began is read again. */
        eddy_log_txn_destroy(t->txn);
        t->txn = NULL;
        if (!eddy_qrun_commit_retriable(q, t, rc, err)) return rc;
        t->position = t->txn_from;
        return 0;
    }
    t->position = next;
    return eddy_qrun_open_txn_commit(q, t, false, err);
}

/* ---- the group's assignments ------------------------------------------------------------- */

static task *find_task(eddy_qrun *q, const char *topic, int32_t partition) {
    for (int i = 0; i < q->ntasks; i++) {
        task *t = &q->tasks[i];
        if (t->partition == partition && strcmp(t->topic, topic) == 0) return t;
    }
    return NULL;
}

/* A partition given to this server: its position, then its state brought up
 * to date (another server may have moved both since this one last had it). */
static int take(eddy_qrun *q, task *t, int64_t *start, eddy_err *err) {
    int rc = eddy_qrun_task_position(q, t, err);
    if (!rc && q->plan->agg) rc = eddy_qrun_agg_catch_up(q, t, err);
    else if (!rc && t->mat) rc = eddy_qrun_mat_catch_up(q, t, err);
    if (rc) return rc;
    eddy_log_batch_reset(&t->fetched);
    t->uncommitted = 0;
    *start = t->position;
    t->assigned = true;
    return 0;
}

/* A partition taken away: what was processed is committed first, since the
 * next owner starts from the committed position and state. */
static int give_back(eddy_qrun *q, task *t, eddy_err *err) {
    int rc = 0;
    if (!t->assigned) return 0;
    if (q->plan->agg) rc = eddy_qrun_agg_finish(q, t, err);
    else rc = eddy_qrun_open_txn_commit(q, t, true, err);
    t->assigned = false;
    eddy_log_batch_reset(&t->fetched);
    return rc;
}

static int on_rebalance(void *ud, bool assigned, const eddy_log_tp *tps, size_t n, int64_t *starts) {
    eddy_qrun *q = ud;
    int first = 0;
    for (size_t i = 0; i < n; i++) {
        task *t = find_task(q, tps[i].topic, tps[i].partition);
        if (!t) continue;
        eddy_err err;
        eddy_err_clear(&err);
        pthread_mutex_lock(&t->mu);
        int rc = assigned ? take(q, t, &starts[i], &err) : give_back(q, t, &err);
        pthread_mutex_unlock(&t->mu);
        if (rc) {
            fprintf(stderr, "eddy: query %s: %s %s[%d]: %s\n", q->id, assigned ? "taking" : "giving back",
                    tps[i].topic, (int)tps[i].partition, err.msg);
            if (!first) first = rc;
        } else {
            fprintf(stderr, "eddy: query %s: %s %s[%d]%s\n", q->id, assigned ? "runs" : "no longer runs",
                    tps[i].topic, (int)tps[i].partition, assigned ? " here" : " here");
        }
    }
    return first;
}

int eddy_qrun_groups_start(eddy_qrun *q, eddy_err *err) {
    const char *topics[2];
    size_t n = 0;
    topics[n++] = q->plan->source->topic;
    if (q->repartition_topic) topics[n++] = q->repartition_topic;
    for (int i = 0; i < q->ntasks; i++) {
        task *t = &q->tasks[i];
        if (!t->mu_init) {
            if (pthread_mutex_init(&t->mu, NULL)) return eddy_err_set(err, EDDY_INTERNAL, "mutex");
            t->mu_init = true;
        }
        t->assigned = false;
    }
    return eddy_log_sub_open(q->log, q->group, topics, n, on_rebalance, q, &q->sub, err);
}

void eddy_qrun_groups_stop(eddy_qrun *q) {
    if (!q->sub) return;
    eddy_log_sub_close(q->sub); /* gives every partition back through on_rebalance */
    q->sub = NULL;
}
