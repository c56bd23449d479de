/* query_mat.c - stateless queries over a table: the output table kept in a state store (WHERE semantics, pull queries). */
#include "engine/query_int.h"

#include "schemas/value_bin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int eddy_qrun_mat_compile(eddy_qrun *q, const eddy_expr_scope *scope, eddy_exprs **out, eddy_err *err) {
    const eddy_plan *p = q->plan;
    const eddy_expr **v = calloc((size_t)p->nexprs + 2, sizeof *v);
    if (!v) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    int n = 0;
    for (int i = 0; i < p->nexprs; i++) v[n++] = p->exprs[i];
    if (p->where) v[n++] = p->where; /* WHERE as a column: rows that fail it still tell their key */
    int rc = eddy_exprs_compile(scope, NULL, v, n, out, NULL, err);
    free(v);
    return rc;
}

static int changelog_name(eddy_qrun *q, eddy_err *err) {
    if (asprintf(&q->store_name, "%s-Materialize", q->group) < 0 ||
        asprintf(&q->changelog_topic, "%s-Materialize-changelog", q->group) < 0) {
        q->store_name = q->changelog_topic = NULL;
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    return 0;
}

static int apply_changelog(void *ud, const eddy_log_record *r, eddy_err *err) {
    return eddy_store_restore_put(ud, r->key, r->key_len, r->value, r->value_len, err);
}

/* Replays the changelog partition of t from the store's checkpoint. */
static int restore(eddy_qrun *q, task *t, eddy_err *err) {
    int64_t next = 0;
    int rc = eddy_qrun_replay(q, q->changelog_topic, t->partition, eddy_store_checkpoint(t->mat), -1, apply_changelog,
                              t->mat, &next, err);
    if (!rc) rc = eddy_store_commit(t->mat, next, err);
    t->changelog_next = next;
    return rc;
}

int eddy_qrun_mat_setup(eddy_qrun *q, eddy_err *err) {
    const eddy_plan *p = q->plan;
    int rc;
    if (!q->opts.stores) return eddy_err_set(err, EDDY_INTERNAL, "a query over a table needs a state store");
    if ((rc = changelog_name(q, err))) return rc;
    if (!eddy_log_topic_exists(q->log, q->changelog_topic)) {
        eddy_log_topic_config cfg;
        eddy_log_topic_config_init(&cfg);
        cfg.partitions = q->ntasks;
        cfg.replicas = (int16_t)(q->opts.internal_replicas ? q->opts.internal_replicas : 1);
        cfg.cleanup = EDDY_LOG_CLEANUP_COMPACT;
        rc = eddy_log_topic_create(q->log, q->changelog_topic, &cfg, err);
        if (rc == EDDY_EXISTS) eddy_err_clear(err);
        else if (rc) return rc;
    }
    for (int i = 0; i < q->ntasks; i++) {
        task *t = &q->tasks[i];
        if (pthread_mutex_init(&t->mu, NULL)) return eddy_err_set(err, EDDY_INTERNAL, "mutex");
        t->mu_init = true;
        eddy_batch_fini(&t->out);
        if (eddy_batch_init(&t->out, p->nexprs + (p->where ? 1 : 0)))
            return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        if ((rc = eddy_store_open(q->opts.stores, q->store_name, t->partition, NULL, &t->mat, err))) return rc;
        if (!q->opts.use_groups && (rc = restore(q, t, err))) return rc; /* groups: when assigned */
    }
    return 0;
}

int eddy_qrun_mat_catch_up(eddy_qrun *q, task *t, eddy_err *err) { return restore(q, t, err); }

/* Decides each output row: a row that passes is upserted; one that does not
 * (or a deleted source row) becomes a tombstone when its key was in the
 * result, and disappears otherwise.  Changelog records go into txn. */
static int apply(eddy_qrun *q, task *t, eddy_log_txn *txn, size_t *ncl, eddy_err *err) {
    const eddy_plan *p = q->plan;
    eddy_strbuf k = EDDY_STRBUF_INIT, v = EDDY_STRBUF_INIT;
    size_t kept = 0;
    int rc = 0;
    for (size_t i = 0; i < t->out.count && !rc; i++) {
        eddy_row *r = &t->out.rows[i];
        bool pass = !(r->flags & EDDY_ROW_NULL_VALUE);
        if (pass && p->where) {
            const eddy_value *w = &r->cols[p->nexprs];
            pass = w->v_kind == EDDY_V_BOOL && w->u.i;
        }
        eddy_strbuf_reset(&k);
        eddy_strbuf_reset(&v);
        if (eddy_value_bin_encode(r->cols, q->nkeys_out, &k)) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            break;
        }
        eddy_log_record rec = {0};
        rec.key = k.buf;
        rec.key_len = k.len;
        if (pass) {
            eddy_value ts = eddy_value_bigint(r->ts);
            if (eddy_value_bin_encode(&ts, 1, &v) || eddy_value_bin_encode(r->cols, p->nexprs, &v)) {
                rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
                break;
            }
            if ((rc = eddy_store_put(t->mat, k.buf, k.len, v.buf, v.len, err))) break;
            rec.value = v.buf;
            rec.value_len = v.len;
        } else {
            const void *old;
            size_t olen;
            int g = eddy_store_get(t->mat, k.buf, k.len, &old, &olen, err);
            if (g == EDDY_NOTFOUND) continue; /* never in the result: nothing to say */
            if (g) {
                rc = g;
                break;
            }
            if ((rc = eddy_store_put(t->mat, k.buf, k.len, NULL, 0, err))) break;
            r->flags |= EDDY_ROW_NULL_VALUE;
        }
        if ((rc = eddy_log_txn_produce(txn, q->changelog_topic, t->partition, &rec, NULL, err))) break;
        (*ncl)++;
        t->out.rows[kept++] = *r;
    }
    t->out.count = kept;
    eddy_strbuf_fini(&k);
    eddy_strbuf_fini(&v);
    return rc;
}

static int step_locked(eddy_qrun *q, task *t, bool *did_work, eddy_err *err) {
    int rc = eddy_qrun_task_fetch(q, t, (size_t)q->opts.batch_size, err);
    if (rc || t->fetched.count == 0) return rc;
    *did_work = true;
    int64_t next = t->fetched.next_offset;
    if ((rc = eddy_qrun_decode_records(t, &t->fetched, &t->in, err))) return rc;
    /* A table row needs a key. */
    size_t kept = 0;
    for (size_t i = 0; i < t->in.count; i++)
        if (!(t->in.rows[i].flags & EDDY_ROW_NULL_KEY)) t->in.rows[kept++] = t->in.rows[i];
    t->in.count = kept;
    eddy_batch_reset(&t->out);
    if ((rc = eddy_exprs_eval(t->exprs, &t->in, &t->out, eddy_qrun_expr_error, t))) return rc;
    q->processed += (int64_t)t->fetched.count;
    eddy_log_txn *txn = NULL;
    size_t ncl = 0;
    if ((rc = eddy_qrun_txn_begin(q, &txn, err))) return rc;
    if ((rc = apply(q, t, txn, &ncl, err))) goto fail;
    if (q->plan->kind != EDDY_PLAN_MATERIALIZE && (rc = eddy_qrun_produce_rows(t, txn, &t->out, err))) goto fail;
    if ((rc = eddy_log_txn_commit_position(txn, q->group, t->topic, t->partition, next, err))) goto fail;
    if ((rc = eddy_qrun_txn_commit(t, txn, err))) goto fail;
    if (ncl) {
        int64_t off = -1;
        if (eddy_log_txn_result(txn, ncl - 1, NULL, &off) == 0) t->changelog_next = off + 1;
    }
    if ((rc = eddy_store_commit(t->mat, t->changelog_next, err))) goto fail;
    t->position = next;
fail:
    eddy_log_txn_destroy(txn);
    return rc;
}

int eddy_qrun_mat_step(eddy_qrun *q, task *t, bool *did_work, eddy_err *err) {
    int rc;
    if (q->sub) { /* the caller holds t->mu */
        rc = step_locked(q, t, did_work, err);
    } else {
        pthread_mutex_lock(&t->mu);
        rc = step_locked(q, t, did_work, err);
        pthread_mutex_unlock(&t->mu);
    }
    /* A failed commit reads the batch again (the upserts repeat). */
    return rc && eddy_qrun_commit_retriable(q, t, rc, err) ? 0 : rc;
}

/* Appends the stored row (ts, cols...) at v to out. */
static int emit_stored(const eddy_plan *p, int32_t partition, const void *v, size_t vlen, eddy_batch *out,
                       eddy_err *err) {
    eddy_row *r = eddy_batch_append(out);
    if (!r) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    r->partition = partition;
    eddy_value ts;
    size_t used = 0;
    int rc = eddy_value_bin_decode(v, vlen, &ts, 1, out->arena, false, &used, err);
    if (!rc) rc = eddy_value_bin_decode((const char *)v + used, vlen - used, r->cols, p->nexprs, out->arena, false, NULL, err);
    if (rc) {
        out->count--;
        return rc;
    }
    r->ts = ts.u.i;
    return 0;
}

int eddy_qrun_mat_read(eddy_qrun *q, const eddy_value *key, eddy_batch *out, eddy_err *err) {
    const eddy_plan *p = q->plan;
    int rc = 0;
    eddy_strbuf k = EDDY_STRBUF_INIT;
    if (key && eddy_value_bin_encode(key, q->nkeys_out, &k)) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    for (int i = 0; i < q->ntasks && !rc; i++) {
        task *t = &q->tasks[i];
        if (!t->mat || (q->sub && !t->assigned)) continue; /* groups: only the partitions run here */
        pthread_mutex_lock(&t->mu);
        if (key) {
            const void *v;
            size_t vlen;
            int g = eddy_store_get(t->mat, k.buf, k.len, &v, &vlen, err);
            if (g == 0) rc = emit_stored(p, t->partition, v, vlen, out, err);
            else if (g != EDDY_NOTFOUND) rc = g;
        } else {
            eddy_store_iter *it = NULL;
            rc = eddy_store_iter_new(t->mat, NULL, 0, NULL, 0, &it, err);
            const void *ik, *iv;
            size_t iklen, ivlen;
            while (!rc && eddy_store_iter_next(it, &ik, &iklen, &iv, &ivlen)) rc = emit_stored(p, t->partition, iv, ivlen, out, err);
            eddy_store_iter_destroy(it);
        }
        pthread_mutex_unlock(&t->mu);
    }
    eddy_strbuf_fini(&k);
    return rc;
}
