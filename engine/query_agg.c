/* query_agg.c - the tasks of an aggregation: table sources, the repartition topic, aggregating, committing state. */
#include "engine/query_int.h"

#include "schemas/value_bin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_skip(void *ud, const eddy_row *row, const char *kind, const char *message) {
    task *t = ud;
    eddy_log_record r = {0};
    r.offset = row ? row->offset : -1;
    eddy_qrun_report(t, kind, message, &r);
}

static int ensure_topic(eddy_qrun *q, const char *name, int partitions, int cleanup, eddy_err *err) {
    if (eddy_log_topic_exists(q->log, name)) return 0;
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    cfg.partitions = partitions;
    cfg.replicas = (int16_t)(q->opts.internal_replicas ? q->opts.internal_replicas : 1);
    cfg.cleanup = cleanup;
    /* Internal topics are never cut by time (records may carry old event
     * times); the repartition topic is purged once its records are read. */
    cfg.retention_ms = EDDY_LOG_RETENTION_FOREVER;
    int rc = eddy_log_topic_create(q->log, name, &cfg, err);
    if (rc == EDDY_EXISTS) {
        eddy_err_clear(err);
        return 0;
    }
    return rc;
}

int eddy_qrun_replay(eddy_qrun *q, const char *topic, int32_t partition, int64_t from, int64_t to,
                     int (*apply)(void *ud, const eddy_log_record *r, eddy_err *err), void *ud, int64_t *next,
                     eddy_err *err) {
    int64_t start = 0, end = 0;
    int rc;
    if ((rc = eddy_log_partition_offsets(q->log, topic, partition, &start, &end, err))) return rc;
    if (from < start) from = start;
    if (to < 0 || to > end) to = end;
    eddy_log_batch b;
    eddy_log_batch_init(&b);
    while (from < to) {
        size_t max = (size_t)(to - from);
        if ((rc = eddy_log_fetch(q->log, topic, partition, from, max > 1000 ? 1000 : max, 0, &b, err))) break;
        if (b.count == 0) break;
        for (size_t i = 0; i < b.count && !rc; i++) rc = apply(ud, &b.records[i], err);
        if (rc) break;
        from = b.next_offset;
    }
    eddy_log_batch_fini(&b);
    *next = from;
    return rc;
}

static int apply_changelog(void *ud, const eddy_log_record *r, eddy_err *err) {
    return eddy_aggop_restore(ud, r->key, r->key_len, r->value, r->value_len, err);
}

/* Replays the changelog partition from the store's checkpoint. */
static int restore(eddy_qrun *q, task *t, eddy_err *err) {
    int64_t next = 0;
    int rc = eddy_qrun_replay(q, q->changelog_topic, t->partition, eddy_aggop_restore_from(t->aggop), -1,
                              apply_changelog, t->aggop, &next, err);
    if (!rc) rc = eddy_aggop_restore_done(t->aggop, err);
    if (!rc) rc = eddy_aggop_commit(t->aggop, next, err);
    t->changelog_next = next;
    return rc;
}

/* Table sources: brings the table store up to the task's position by
 * re-reading the source (the source topic is the table's changelog). */
static int apply_source(void *ud, const eddy_log_record *r, eddy_err *err) {
    task *t = ud;
    if (!r->key) return 0;
    eddy_strbuf_reset(&t->vbuf);
    eddy_strbuf_append(&t->vbuf, (const char *)&r->timestamp, sizeof r->timestamp);
    if (r->value) eddy_strbuf_append(&t->vbuf, r->value, r->value_len);
    if (t->vbuf.failed) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return eddy_store_restore_put(t->table, r->key, r->key_len, r->value ? t->vbuf.buf : NULL, t->vbuf.len, err);
}

static int restore_table(eddy_qrun *q, task *t, eddy_err *err) {
    int64_t next = 0;
    int rc = eddy_qrun_replay(q, t->topic, t->partition, eddy_store_checkpoint(t->table), t->position, apply_source, t,
                              &next, err);
    if (!rc) rc = eddy_store_commit(t->table, next, err);
    return rc;
}

static int aggop_open(eddy_qrun *q, task *t, eddy_err *err) {
    eddy_aggop_opts ao = {.stores = q->opts.stores,
                          .store_name = q->store_name,
                          .partition = t->partition,
                          .cache_max_bytes = q->opts.cache_max_bytes,
                          .on_skip = on_skip,
                          .skip_ud = t};
    return eddy_aggop_new(q->plan, &ao, &t->aggop, err);
}

static int agg_task_open(eddy_qrun *q, task *t, eddy_err *err) {
    const eddy_plan *p = q->plan;
    int rc;
    if (!t->mu_init && pthread_mutex_init(&t->mu, NULL)) return eddy_err_set(err, EDDY_INTERNAL, "mutex");
    t->mu_init = true;
    if (eddy_batch_init(&t->rows, p->agg->agg_schema->ncols)) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if ((rc = aggop_open(q, t, err))) return rc;
    /* The projection, with HAVING as one more column. */
    eddy_scope_source ss;
    eddy_expr_scope scope;
    eddy_plan_agg_scope(p, &ss, &scope);
    const eddy_expr **post = calloc((size_t)p->nexprs + 2, sizeof *post);
    if (!post) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    int n = 0;
    for (int i = 0; i < p->nexprs; i++) post[n++] = p->exprs[i];
    if (p->agg->having) post[n++] = p->agg->having;
    rc = eddy_exprs_compile(&scope, NULL, post, n, &t->post, NULL, err);
    free(post);
    if (rc) return rc;
    eddy_batch_fini(&t->out);
    if (eddy_batch_init(&t->out, n)) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return q->opts.use_groups ? 0 : restore(q, t, err); /* groups: when assigned */
}

int eddy_qrun_agg_catch_up(eddy_qrun *q, task *t, eddy_err *err) {
    int rc = 0;
    bool aggregates = t->kind == TASK_REPARTITION || !q->plan->agg->repartition;
    if (t->table) rc = restore_table(q, t, err);
    if (!rc && aggregates && !t->aggop) rc = aggop_open(q, t, err);
    if (!rc && t->aggop) rc = restore(q, t, err);
    if (!rc && t->aggop && eddy_aggop_position(t->aggop) > t->position) t->position = eddy_aggop_position(t->aggop);
    t->last_commit_ms = now_ms();
    return rc;
}

int eddy_qrun_agg_setup(eddy_qrun *q, int nsource, eddy_err *err) {
    const eddy_plan *p = q->plan;
    const eddy_plan_agg *ag = p->agg;
    char base[700];
    int rc;
    if (!q->opts.stores) return eddy_err_set(err, EDDY_INTERNAL, "an aggregation needs a state store");
    if (q->opts.rows) snprintf(base, sizeof base, "_confluent-ksql-transient_%s", q->id);
    else snprintf(base, sizeof base, "%s", q->group);
    if (asprintf(&q->store_name, "%s-Aggregate-Aggregate-Materialize", base) < 0 ||
        asprintf(&q->changelog_topic, "%s-Aggregate-Aggregate-Materialize-changelog", base) < 0) {
        q->store_name = q->changelog_topic = NULL;
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    if ((rc = ensure_topic(q, q->changelog_topic, nsource, EDDY_LOG_CLEANUP_COMPACT, err))) return rc;
    if (ag->repartition) {
        if (asprintf(&q->repartition_topic, "%s-Aggregate-GroupBy-repartition", base) < 0) {
            q->repartition_topic = NULL;
            return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        }
        if ((rc = ensure_topic(q, q->repartition_topic, nsource, EDDY_LOG_CLEANUP_DELETE, err))) return rc;
    }
    for (int i = 0; i < nsource; i++) {
        task *t = &q->tasks[i];
        if (eddy_batch_init(&t->pre, ag->npre) || eddy_batch_init(&t->old, p->source->schema->ncols))
            return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        if (ag->source_is_table) {
            char name[800];
            snprintf(name, sizeof name, "%s-Source", base);
            eddy_store_opts so = {0};
            if ((rc = eddy_store_open(q->opts.stores, name, t->partition, &so, &t->table, err))) return rc;
            if (!q->opts.use_groups && (rc = restore_table(q, t, err))) return rc;
        }
        if (!ag->repartition && (rc = agg_task_open(q, t, err))) return rc;
    }
    if (!ag->repartition) return 0;
    for (int i = 0; i < nsource; i++) {
        task *t = &q->tasks[q->ntasks];
        t->q = q;
        t->kind = TASK_REPARTITION;
        t->topic = q->repartition_topic;
        t->partition = i;
        q->ntasks++;
        eddy_log_batch_init(&t->fetched);
        if (eddy_batch_init(&t->in, 1) || eddy_batch_init(&t->pre, ag->npre))
            return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        t->stop_at = -1;
        if (!q->opts.use_groups && (rc = eddy_qrun_task_position(q, t, err))) return rc; /* groups: when assigned */
        if ((rc = agg_task_open(q, t, err))) return rc;
    }
    return 0;
}

void eddy_qrun_agg_task_fini(task *t) {
    eddy_aggop_destroy(t->aggop);
    t->aggop = NULL;
    eddy_exprs_destroy(t->post);
    t->post = NULL;
    eddy_store_close(t->table);
    t->table = NULL;
    eddy_store_close(t->mat);
    t->mat = NULL;
    eddy_batch_fini(&t->pre);
    eddy_batch_fini(&t->rows);
    eddy_batch_fini(&t->old);
    if (t->mu_init) pthread_mutex_destroy(&t->mu);
    t->mu_init = false;
}

/* ---- table sources: old and new values ------------------------------------------ */

/* Replaces t->in by the rows the table's changes mean: for each record, the
 * key's previous row flagged EDDY_ROW_UNDO (when there was one), then the
 * new row (unless the record is a tombstone).  Updates the table store. */
static int table_changes(task *t, eddy_err *err) {
    const eddy_log_batch *f = &t->fetched;
    eddy_log_batch olds;
    char **copies = calloc(f->count + 1, sizeof *copies);
    bool *is_new = calloc(f->count * 2 + 1, sizeof *is_new);
    eddy_strbuf v = EDDY_STRBUF_INIT;
    int rc = 0;
    if (!copies || !is_new) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto out;
    }
    /* The old values, as records, and the new ones stored. */
    eddy_log_batch_init(&olds);
    eddy_log_record *recs = calloc(f->count * 2 + 1, sizeof *recs);
    size_t n = 0;
    if (!recs) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < f->count && !rc; i++) {
        const eddy_log_record *r = &f->records[i];
        if (!r->key) continue; /* a table row needs a key */
        const void *ov;
        size_t olen;
        int g = eddy_store_get(t->table, r->key, r->key_len, &ov, &olen, err);
        if (g == 0 && olen >= sizeof(int64_t)) {
            copies[i] = malloc(olen);
            if (!copies[i]) {
                rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
                break;
            }
            memcpy(copies[i], ov, olen);
            eddy_log_record o = *r;
            /* The retraction happens at the time of the record that replaces the row. */
            o.value = copies[i] + sizeof(int64_t);
            o.value_len = olen - sizeof(int64_t);
            o.headers = NULL;
            o.header_count = 0;
            recs[n] = o;
            is_new[n++] = false;
        } else if (g && g != EDDY_NOTFOUND) {
            rc = g;
            break;
        }
        eddy_err_clear(err);
        if (r->value) {
            recs[n] = *r;
            is_new[n++] = true;
        }
        eddy_strbuf_reset(&v);
        eddy_strbuf_append(&v, (const char *)&r->timestamp, sizeof r->timestamp);
        if (r->value) eddy_strbuf_append(&v, r->value, r->value_len);
        if ((rc = eddy_store_put(t->table, r->key, r->key_len, r->value ? v.buf : NULL, v.len, err))) break;
    }
    if (!rc) {
        olds.records = recs;
        olds.count = n;
        rc = eddy_qrun_decode_records(t, &olds, &t->in, err);
        /* Rows keep their order; mark the old ones.  Records that failed to
         * decode were dropped: match rows to records by offset and kind. */
        size_t ri = 0;
        for (size_t i = 0; !rc && i < t->in.count; i++) {
            while (ri < n && recs[ri].offset != t->in.rows[i].offset) ri++;
            if (ri < n && !is_new[ri]) t->in.rows[i].flags |= EDDY_ROW_UNDO;
            if (ri < n) ri++;
        }
    }
    free(recs);
out:
    for (size_t i = 0; copies && i < f->count; i++) free(copies[i]);
    free(copies);
    free(is_new);
    eddy_strbuf_fini(&v);
    return rc;
}

/* A table row that stays in its group: its undo and add rows are paired so
 * the group is emitted once (ksqlDB emits one row when the group is the same). */
static void mark_pairs(const eddy_plan *p, eddy_batch *b) {
    for (size_t i = 0; i + 1 < b->count; i++) {
        eddy_row *u = &b->rows[i], *a = &b->rows[i + 1];
        if (!(u->flags & EDDY_ROW_UNDO) || (a->flags & EDDY_ROW_UNDO) || u->offset != a->offset) continue;
        bool same = true;
        for (int k = 0; k < p->agg->ngroup && same; k++) same = eddy_value_equal(&u->cols[k], &a->cols[k]);
        if (same) u->flags |= EDDY_ROW_PAIRED;
    }
}

/* ---- committing -------------------------------------------------------------------- */

/* Turns aggregate rows into output rows: the projection, and HAVING. */
static int project(task *t, eddy_err *err) {
    const eddy_plan *p = t->q->plan;
    int rc;
    eddy_batch_reset(&t->out);
    if ((rc = eddy_exprs_eval(t->post, &t->rows, &t->out, eddy_qrun_expr_error, t)))
        return eddy_err_set(err, rc, "evaluating the projection failed");
    if (p->agg->having) {
        /* A group that passes is upserted; one that stops passing is
         * deleted (a tombstone); one that never passed emits nothing. */
        int h = p->nexprs;
        bool old_pass = false;
        size_t kept = 0;
        for (size_t i = 0; i < t->out.count; i++) {
            eddy_row *r = &t->out.rows[i];
            const eddy_value *hv = &r->cols[h];
            bool pass = hv->v_kind == EDDY_V_BOOL && hv->u.i && !(r->flags & EDDY_ROW_NULL_VALUE);
            if (r->flags & EDDY_ROW_OLD) {
                old_pass = pass;
                continue;
            }
            if (!pass) {
                if (!old_pass) continue;
                r->flags |= EDDY_ROW_NULL_VALUE;
            }
            old_pass = false;
            t->out.rows[kept++] = *r;
        }
        t->out.count = kept;
    }
    return 0;
}

/* Flushes the state, writes outputs, changelog and the task's position in one
 * transaction, then makes the state durable. */
static int commit(task *t, int64_t next, eddy_err *err) {
    eddy_qrun *q = t->q;
    eddy_log_txn *txn = NULL;
    int rc;
    /* The state says where in the input it is (a server taking the
     * partition over starts there, whatever the group's position says). */
    if (t->aggop && !q->opts.rows && (rc = eddy_aggop_set_position(t->aggop, next, err))) return rc;
    if (t->aggop && (rc = eddy_aggop_flush(t->aggop, &t->rows, err))) return rc;
    if (t->aggop && (rc = project(t, err))) return rc;
    if (q->opts.rows && t->aggop) {
        eddy_batch_reset(&t->rows);
        int ncols = t->out.ncols;
        t->out.ncols = q->plan->nexprs; /* not HAVING's column */
        eddy_qrun_deliver(t, &t->out);
        t->out.ncols = ncols;
        eddy_aggop_changelog_clear(t->aggop);
        t->position = next;
        return 0;
    }
    if ((rc = eddy_qrun_txn_begin(q, &txn, err))) return rc;
    size_t ncl = 0;
    if (t->aggop) {
        const eddy_aggop_record *cl;
        ncl = eddy_aggop_changelog(t->aggop, &cl);
        for (size_t i = 0; i < ncl && !rc; i++) {
            eddy_log_record rec = {0};
            rec.key = cl[i].key;
            rec.key_len = cl[i].klen;
            rec.value = cl[i].value;
            rec.value_len = cl[i].vlen;
            rc = eddy_log_txn_produce(txn, q->changelog_topic, t->partition, &rec, NULL, err);
        }
        if (rc) goto fail;
        if ((rc = eddy_qrun_produce_rows(t, txn, &t->out, err))) goto fail;
    } else {
        /* A source task feeding the repartition topic. */
        for (size_t i = 0; i < t->pre.count && !rc; i++) {
            const eddy_row *row = &t->pre.rows[i];
            eddy_strbuf_reset(&t->kbuf);
            eddy_strbuf_reset(&t->vbuf);
            eddy_strbuf_putc(&t->vbuf, (char)(((row->flags & EDDY_ROW_UNDO) ? 1 : 0) | ((row->flags & EDDY_ROW_PAIRED) ? 2 : 0)));
            if (eddy_value_bin_encode(row->cols, q->plan->agg->ngroup, &t->kbuf) ||
                eddy_value_bin_encode(row->cols, t->pre.ncols, &t->vbuf)) {
                rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
                break;
            }
            eddy_log_record rec = {0};
            rec.key = t->kbuf.buf;
            rec.key_len = t->kbuf.len;
            rec.value = t->vbuf.buf;
            rec.value_len = t->vbuf.len;
            rec.timestamp = row->ts;
            rc = eddy_log_txn_produce(txn, q->repartition_topic, EDDY_LOG_PARTITION_ANY, &rec, NULL, err);
        }
        if (rc) goto fail;
    }
    if (!q->opts.rows && (rc = eddy_log_txn_commit_position(txn, q->group, t->topic, t->partition, next, err)))
        goto fail;
    if ((rc = eddy_qrun_txn_commit(t, txn, err))) goto fail;
    /* Until here a failed commit keeps the rows and changelog records for
     * the next try (the state already holds them). */
    if (t->aggop) eddy_batch_reset(&t->rows);
    if (ncl) {
        int64_t off = -1;
        if (eddy_log_txn_result(txn, ncl - 1, NULL, &off) == 0) t->changelog_next = off + 1;
    }
    if (t->aggop) {
        eddy_aggop_changelog_clear(t->aggop);
        if ((rc = eddy_aggop_commit(t->aggop, t->changelog_next, err))) goto fail;
    }
    if (t->table && (rc = eddy_store_commit(t->table, next, err))) goto fail;
    if (t->kind == TASK_REPARTITION && next - t->purged >= 1000) {
        /* Consumed for good: the repartition topic need not keep it (Kafka
         * Streams purges its repartition topics the same way). */
        eddy_err perr;
        if (eddy_log_delete_records(q->log, t->topic, t->partition, next, &perr) == 0) t->purged = next;
    }
    t->position = next;
    t->last_commit_ms = now_ms();
    t->uncommitted = 0;
fail:
    eddy_log_txn_destroy(txn);
    return rc;
}

/* ---- stepping ---------------------------------------------------------------------- */

/* Repartition records back into pre rows. */
static int decode_repartitioned(task *t, eddy_err *err) {
    const eddy_log_batch *f = &t->fetched;
    eddy_batch *b = &t->pre;
    eddy_batch_reset(b);
    for (size_t i = 0; i < f->count; i++) {
        const eddy_log_record *r = &f->records[i];
        if (!r->value || r->value_len < 1) continue;
        eddy_row *row = eddy_batch_append(b);
        if (!row) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        row->ts = r->timestamp;
        row->offset = r->offset;
        row->partition = t->partition;
        unsigned char fl = ((const unsigned char *)r->value)[0];
        if (fl & 1) row->flags |= EDDY_ROW_UNDO;
        if (fl & 2) row->flags |= EDDY_ROW_PAIRED;
        eddy_err e2;
        if (eddy_value_bin_decode((const char *)r->value + 1, r->value_len - 1, row->cols, b->ncols, b->arena, false,
                                  NULL, &e2)) {
            eddy_qrun_report(t, "repartition", e2.msg, r);
            b->count--;
        }
    }
    return 0;
}

static int step_locked(eddy_qrun *q, task *t, bool *did_work, eddy_err *err) {
    const eddy_plan *p = q->plan;
    int rc;
    if ((rc = eddy_qrun_task_fetch(q, t, (size_t)q->opts.batch_size, err))) return rc;
    int64_t next = t->position;
    if (t->fetched.count) {
        *did_work = true;
        next = t->fetched.next_offset;
        if (t->kind == TASK_SOURCE) {
            if (p->agg->source_is_table) rc = table_changes(t, err);
            else rc = eddy_qrun_decode_records(t, &t->fetched, &t->in, err);
            if (rc) return rc;
            eddy_batch_reset(&t->pre);
            if ((rc = eddy_exprs_eval(t->exprs, &t->in, &t->pre, eddy_qrun_expr_error, t))) return rc;
            if (p->agg->source_is_table) {
                mark_pairs(p, &t->pre);
            } else {
                /* A stream record with a null value has nothing to aggregate. */
                size_t kept = 0;
                for (size_t i = 0; i < t->pre.count; i++)
                    if (!(t->pre.rows[i].flags & EDDY_ROW_NULL_VALUE)) t->pre.rows[kept++] = t->pre.rows[i];
                t->pre.count = kept;
            }
            q->processed += (int64_t)t->fetched.count;
        } else if ((rc = decode_repartitioned(t, err))) {
            return rc;
        }
        if (t->aggop && (rc = eddy_aggop_process(t->aggop, &t->pre, &t->rows, err))) return rc;
        t->uncommitted += (int64_t)t->fetched.count;
    }
    /* Source tasks that feed a repartition topic commit every batch; the
     * aggregating ones when the commit interval has passed. */
    bool due = !t->aggop || q->opts.commit_interval_ms <= 0 ||
               now_ms() - t->last_commit_ms >= q->opts.commit_interval_ms;
    if (!(t->fetched.count || t->uncommitted || t->rows.count) || !due) {
        t->position = next;
        return 0;
    }
    if (t->aggop) t->position = next; /* the state holds these records, committed or not */
    rc = commit(t, next, err);
    if (rc && eddy_qrun_commit_retriable(q, t, rc, err)) {
        /* A source task reads its batch again; an aggregating one keeps its
         * state and retries the commit (t->uncommitted stays set). */
        return 0;
    }
    return rc;
}

int eddy_qrun_agg_finish(eddy_qrun *q, task *t, eddy_err *err) {
    (void)q;
    int rc = 0;
    /* A task feeding the repartition topic commits every batch: a batch
     * whose commit failed is read again by the next owner. */
    if (!t->aggop) {
        t->uncommitted = 0;
        return 0;
    }
    if (t->uncommitted || t->rows.count) rc = commit(t, t->position, err);
    /* The next owner (maybe this server again, later) starts from the
     * changelog: what is cached here is dropped. */
    eddy_aggop_destroy(t->aggop);
    t->aggop = NULL;
    eddy_batch_reset(&t->rows);
    t->uncommitted = 0;
    return rc;
}

int eddy_qrun_agg_step(eddy_qrun *q, task *t, bool *did_work, eddy_err *err) {
    if (!t->mu_init || q->sub) return step_locked(q, t, did_work, err); /* groups: the caller holds t->mu */
    pthread_mutex_lock(&t->mu);
    int rc = step_locked(q, t, did_work, err);
    pthread_mutex_unlock(&t->mu);
    return rc;
}

/* ---- pull queries ------------------------------------------------------------------- */

int eddy_qrun_read_state(eddy_qrun *q, const eddy_value *key, int64_t wlo, int64_t whi, eddy_batch *out,
                         eddy_err *err) {
    const eddy_plan *p = q->plan;
    int rc = 0;
    if (!p->agg && p->table_source) return eddy_qrun_mat_read(q, key, out, err);
    if (!p->agg) return eddy_err_set(err, EDDY_UNSUPPORTED, "the query has no state");
    for (int i = 0; i < q->ntasks && !rc; i++) {
        task *t = &q->tasks[i];
        if (!t->aggop || (q->sub && !t->assigned)) continue; /* groups: only the partitions run here */
        eddy_batch rows, outs;
        if (eddy_batch_init(&rows, p->agg->agg_schema->ncols)) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        if (eddy_batch_init(&outs, t->out.ncols)) {
            eddy_batch_fini(&rows);
            return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        }
        pthread_mutex_lock(&t->mu);
        rc = eddy_aggop_read(t->aggop, key, wlo, whi, &rows, err);
        if (!rc) rc = eddy_exprs_eval(t->post, &rows, &outs, NULL, NULL);
        pthread_mutex_unlock(&t->mu);
        for (size_t r = 0; !rc && r < outs.count; r++) {
            const eddy_row *src = &outs.rows[r];
            if (p->agg->having) {
                const eddy_value *hv = &src->cols[p->nexprs];
                if (!(hv->v_kind == EDDY_V_BOOL && hv->u.i)) continue;
            }
            eddy_row *d = eddy_batch_append(out);
            if (!d) {
                rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
                break;
            }
            d->ts = src->ts;
            d->partition = t->partition;
            d->flags = src->flags;
            d->wstart = src->wstart;
            d->wend = src->wend;
            for (int c = 0; c < p->nexprs && c < out->ncols; c++) d->cols[c] = eddy_value_copy(out->arena, &src->cols[c]);
        }
        eddy_batch_fini(&rows);
        eddy_batch_fini(&outs);
    }
    return rc;
}
