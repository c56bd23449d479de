/* query.c - a running query's tasks: fetch, deserialize, evaluate, serialize, commit atomically. */
#include "engine/query.h"
#include "engine/query_int.h"

#include "engine/fn.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_until_end(eddy_qrun *q);

static bool s_windowed(const eddy_qrun *q) { return q->plan->source->window_type != EDDY_WT_NONE; }

const char *eddy_qrun_id(const eddy_qrun *q) { return q->id; }
const eddy_plan *eddy_qrun_plan(const eddy_qrun *q) { return q->plan; }
int eddy_qrun_ntasks(const eddy_qrun *q) { return q->ntasks; }
bool eddy_qrun_done(const eddy_qrun *q) { return q->done; }

void eddy_qrun_counts(const eddy_qrun *q, int64_t *processed, int64_t *errors) {
    *processed = q->processed;
    *errors = q->errors;
}

/* Serdes for the key columns (first nkeys) or the value columns of s. */
static int side_serde(const eddy_source *s, bool key, eddy_serde **out, int *nkeys, eddy_err *err) {
    const eddy_schema *sc = s->schema;
    int nk = 0;
    while (nk < sc->ncols && sc->cols[nk].ns == EDDY_COL_KEY) nk++;
    if (nkeys) *nkeys = nk;
    if (key) return eddy_serde_new(&s->key_fmt, true, sc->cols, nk, out, err);
    /* Value side: value columns only (headers are not in the value). */
    int nv = 0;
    eddy_column *vc = calloc((size_t)sc->ncols + 1, sizeof *vc);
    if (!vc) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    for (int i = nk; i < sc->ncols; i++)
        if (sc->cols[i].ns == EDDY_COL_VALUE) vc[nv++] = sc->cols[i];
    int rc = eddy_serde_new(&s->value_fmt, false, vc, nv, out, err);
    free(vc);
    return rc;
}

static void task_fini(task *t) {
    eddy_log_txn_destroy(t->txn);
    t->txn = NULL;
    eddy_qrun_agg_task_fini(t);
    eddy_exprs_destroy(t->exprs);
    eddy_log_batch_fini(&t->fetched);
    eddy_batch_fini(&t->in);
    eddy_batch_fini(&t->out);
    eddy_strbuf_fini(&t->kbuf);
    eddy_strbuf_fini(&t->vbuf);
}

void eddy_qrun_destroy(eddy_qrun *q) {
    if (!q) return;
    for (int i = 0; i < q->ntasks; i++) eddy_log_batch_reset(&q->tasks[i].fetched);
    eddy_qrun_groups_stop(q); /* commits and gives back this server's partitions */
    for (int i = 0; i < q->ntasks; i++) task_fini(&q->tasks[i]);
    free(q->tasks);
    eddy_serde_destroy(q->src_key);
    eddy_serde_destroy(q->src_value);
    eddy_serde_destroy(q->sink_key);
    eddy_serde_destroy(q->sink_value);
    eddy_plan_destroy(q->plan);
    free(q->repartition_topic);
    free(q->changelog_topic);
    free(q->store_name);
    free(q->id);
    free(q->group);
    free(q);
}

int eddy_qrun_new(eddy_log *log, eddy_plan *plan, const eddy_qrun_opts *opts, eddy_qrun **out, eddy_err *err) {
    eddy_qrun *q = calloc(1, sizeof *q);
    eddy_log_topic_config cfg;
    int rc;
    *out = NULL;
    if (!q) {
        eddy_plan_destroy(plan);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    q->log = log;
    q->plan = plan;
    q->opts = *opts;
    if (opts->rows) q->opts.use_groups = false; /* push queries read every partition */
    q->id = strdup(opts->query_id ? opts->query_id : "");
    q->group = strdup(opts->group_id ? opts->group_id : "");
    if (!q->id || !q->group) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    q->opts.query_id = q->id;
    q->opts.group_id = q->group;
    if (q->opts.batch_size <= 0) q->opts.batch_size = 1000;
    if ((rc = side_serde(plan->source, true, &q->src_key, &q->nkeys_in, err))) goto fail;
    if ((rc = side_serde(plan->source, false, &q->src_value, NULL, err))) goto fail;
    if (!opts->rows) {
        if ((rc = side_serde(plan->sink, true, &q->sink_key, &q->nkeys_out, err))) goto fail;
        if ((rc = side_serde(plan->sink, false, &q->sink_value, NULL, err))) goto fail;
    }
    if ((rc = eddy_log_topic_describe(log, plan->source->topic, &cfg, err))) goto fail;
    q->tasks = calloc((size_t)cfg.partitions * 2, sizeof *q->tasks);
    if (!q->tasks) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    eddy_scope_source ss;
    eddy_expr_scope scope;
    eddy_plan_scope(plan, &ss, &scope);
    for (int i = 0; i < cfg.partitions; i++) {
        task *t = &q->tasks[i];
        t->q = q;
        t->partition = i;
        q->ntasks = i + 1;
        eddy_log_batch_init(&t->fetched);
        if (eddy_batch_init(&t->in, scope.ncols) || eddy_batch_init(&t->out, plan->nexprs)) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            goto fail;
        }
        t->kind = TASK_SOURCE;
        t->topic = plan->source->topic;
        if (plan->agg)
            rc = eddy_exprs_compile(&scope, plan->where, plan->agg->pre_exprs, plan->agg->npre, &t->exprs, NULL, err);
        else if (plan->table_source && !opts->rows)
            rc = eddy_qrun_mat_compile(q, &scope, &t->exprs, err);
        else
            rc = eddy_exprs_compile(&scope, plan->where, plan->exprs, plan->nexprs, &t->exprs, NULL, err);
        if (rc) goto fail;
        /* Where to start: the committed position, else earliest or latest
         * (groups: when the partition is assigned here). */
        if (q->opts.use_groups) {
            t->stop_at = -1;
            continue;
        }
        int64_t start = 0, end = 0, pos;
        if ((rc = eddy_log_partition_offsets(log, plan->source->topic, i, &start, &end, err))) goto fail;
        if (!opts->rows && eddy_log_group_committed(log, q->group, plan->source->topic, i, &pos, NULL) == 0)
            t->position = pos < start ? start : pos;
        else
            t->position = opts->from_earliest ? start : end;
        t->stop_at = end;
    }
    q->nsource_tasks = q->ntasks;
    if (plan->agg && (rc = eddy_qrun_agg_setup(q, cfg.partitions, err))) goto fail;
    if (!plan->agg && plan->table_source && !opts->rows && (rc = eddy_qrun_mat_setup(q, err))) goto fail;
    if (opts->until_end) check_until_end(q);
    if (q->opts.use_groups && (rc = eddy_qrun_groups_start(q, err))) goto fail;
    *out = q;
    return 0;
fail:
    eddy_qrun_destroy(q);
    return rc;
}

/* until_end: done once every task reached the end it saw at the start. */
static void check_until_end(eddy_qrun *q) {
    for (int i = 0; i < q->ntasks; i++)
        if (q->tasks[i].position < q->tasks[i].stop_at) return;
    q->done = true;
}

/* ---- one record in ---------------------------------------------------------- */

void eddy_qrun_report(task *t, const char *kind, const char *msg, const eddy_log_record *r) {
    eddy_qrun *q = t->q;
    q->errors++;
    if (q->opts.on_error)
        q->opts.on_error(q->opts.error_ud, q->id, kind, msg, q->plan->source->topic, t->partition, r ? r->offset : -1,
                         r ? r->value : NULL, r ? r->value_len : 0);
}

/* Header columns: HEADERS as ARRAY<STRUCT<KEY, VALUE>>, HEADER('k') as the
 * last value of header k. */
static void fill_headers(eddy_batch *b, eddy_row *row, const eddy_schema *s, const eddy_log_record *r) {
    for (int c = 0; c < s->ncols; c++) {
        const eddy_column *col = &s->cols[c];
        if (col->ns == EDDY_COL_HEADERS) {
            eddy_value arr = eddy_value_container(b->arena, EDDY_V_ARRAY, (uint32_t)r->header_count);
            for (size_t h = 0; h < r->header_count && arr.u.items; h++) {
                eddy_value st = eddy_value_container(b->arena, EDDY_V_STRUCT, 2);
                if (!st.u.items) continue;
                st.u.items[0] = eddy_value_str_copy(b->arena, EDDY_V_STRING, r->headers[h].name,
                                                     strlen(r->headers[h].name));
                st.u.items[1] = r->headers[h].value ? eddy_value_str_copy(b->arena, EDDY_V_BYTES, r->headers[h].value,
                                                                          r->headers[h].value_len)
                                                    : eddy_value_null();
                arr.u.items[h] = st;
            }
            row->cols[c] = arr;
        } else if (col->ns == EDDY_COL_HEADER) {
            row->cols[c] = eddy_value_null();
            for (size_t h = 0; h < r->header_count; h++)
                if (strcmp(r->headers[h].name, col->header_key) == 0)
                    row->cols[c] = r->headers[h].value ? eddy_value_str_copy(b->arena, EDDY_V_BYTES, r->headers[h].value,
                                                                             r->headers[h].value_len)
                                                       : eddy_value_null();
        }
    }
}

/* Event time from the TIMESTAMP column, or the record's timestamp. */
static int row_timestamp(task *t, eddy_row *row, const eddy_log_record *r, eddy_err *err) {
    const eddy_source *s = t->q->plan->source;
    row->ts = r->timestamp;
    if (!s->timestamp_column) return 0;
    int c = eddy_schema_find(s->schema, s->timestamp_column);
    const eddy_value *v = c >= 0 ? &row->cols[c] : NULL;
    if (!v || v->v_kind == EDDY_V_NULL)
        return eddy_err_set(err, EDDY_CORRUPT, "Could not extract the timestamp: column %s is NULL",
                            s->timestamp_column);
    if (v->v_kind == EDDY_V_STRING) {
        int64_t ms;
        if (eddy_datetime_parse(s->timestamp_format, v->u.s, v->v_len, "UTC", &ms, err)) return EDDY_CORRUPT;
        row->ts = ms;
    } else {
        row->ts = v->u.i;
    }
    if (row->ts < 0)
        return eddy_err_set(err, EDDY_CORRUPT, "Invalid timestamp %lld in column %s", (long long)row->ts,
                            s->timestamp_column);
    return 0;
}

/* Decodes fetched records into t->in; records that fail are reported. */
int eddy_qrun_decode_records(task *t, const eddy_log_batch *f, eddy_batch *b, eddy_err *err) {
    eddy_qrun *q = t->q;
    eddy_err rerr;
    eddy_batch_reset(b);
    for (size_t i = 0; i < f->count; i++) {
        const eddy_log_record *r = &f->records[i];
        eddy_row *row = eddy_batch_append(b);
        if (!row) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        row->offset = r->offset;
        row->partition = t->partition;
        if (!r->key) row->flags |= EDDY_ROW_NULL_KEY;
        eddy_err_clear(&rerr);
        int rc;
        if (s_windowed(q)) {
            rc = eddy_serde_decode_windowed(q->src_key, r->key, r->key_len, q->plan->source->window_type == EDDY_WT_SESSION,
                                            row->cols, &row->wstart, &row->wend, b->arena, &rerr);
            if (!rc && q->plan->source->window_type != EDDY_WT_SESSION) row->wend = row->wstart + q->plan->source->window_size_ms;
            if (!rc) {
                int nsrc = q->plan->source->schema->ncols;
                row->flags |= EDDY_ROW_WINDOWED;
                row->cols[nsrc] = eddy_value_bigint(row->wstart);
                row->cols[nsrc + 1] = eddy_value_bigint(row->wend);
            }
        } else {
            rc = eddy_serde_decode(q->src_key, r->key, r->key_len, row->cols, b->arena, &rerr);
        }
        if (!rc) {
            /* Value columns follow the key columns; header columns sit among
             * them in schema order, so decode into a scratch array first. */
            const eddy_schema *s = q->plan->source->schema;
            int nv = eddy_serde_ncols(q->src_value);
            eddy_value vals[nv > 0 ? nv : 1];
            bool vnull = false;
            rc = eddy_serde_decode_ex(q->src_value, r->value, r->value_len, 0, vals, &vnull, b->arena, &rerr);
            if (!rc && vnull) {
                /* A null value: the row flows on with NULL value columns and
                 * comes out as a record with a null value (ksqlDB streams). */
                row->flags |= EDDY_ROW_NULL_VALUE;
                for (int c = q->nkeys_in; c < s->ncols; c++)
                    if (s->cols[c].ns == EDDY_COL_VALUE) row->cols[c] = eddy_value_null();
                fill_headers(b, row, s, r);
            } else if (!rc) {
                int k = 0;
                for (int c = q->nkeys_in; c < s->ncols; c++)
                    if (s->cols[c].ns == EDDY_COL_VALUE) row->cols[c] = vals[k++];
                fill_headers(b, row, s, r);
            } else {
                char msg[1200];
                snprintf(msg, sizeof msg, "Failed to deserialize value from topic: %s. %s", q->plan->source->topic,
                         rerr.msg);
                eddy_qrun_report(t, "value", msg, r);
            }
        } else {
            char msg[1200];
            snprintf(msg, sizeof msg, "Failed to deserialize key from topic: %s. %s", q->plan->source->topic, rerr.msg);
            eddy_qrun_report(t, "key", msg, r);
        }
        if (!rc) {
            rc = row_timestamp(t, row, r, &rerr);
            if (rc) eddy_qrun_report(t, "timestamp", rerr.msg, r);
        }
        if (rc) {
            if (q->opts.fail_on_error) return eddy_err_set(err, rc, "%s", rerr.msg);
            b->count--; /* drop the row */
            continue;
        }
        if (r->header_count) {
            eddy_log_header *h = eddy_arena_alloc(b->arena, r->header_count * sizeof *h);
            if (h) {
                for (size_t j = 0; j < r->header_count; j++) {
                    h[j].name = eddy_arena_strdup(b->arena, r->headers[j].name);
                    h[j].value = r->headers[j].value ? eddy_arena_strndup(b->arena, r->headers[j].value,
                                                                          r->headers[j].value_len)
                                                     : NULL;
                    h[j].value_len = r->headers[j].value_len;
                }
                row->headers = h;
                row->nheaders = (uint32_t)r->header_count;
            }
        }
    }
    return 0;
}

void eddy_qrun_expr_error(void *ud, const eddy_row *row, const char *message) {
    task *t = ud;
    eddy_log_record r = {0};
    r.offset = row ? row->offset : -1;
    eddy_qrun_report(t, "expression", message, &r);
}

/* Serializes rows into txn as records of the sink topic. */
int eddy_qrun_produce_rows(task *t, eddy_log_txn *txn, const eddy_batch *rows, eddy_err *err) {
    eddy_qrun *q = t->q;
    const eddy_plan *p = q->plan;
    eddy_err rerr;
    int rc;
    bool session = p->sink->window_type == EDDY_WT_SESSION;
    int32_t sticky = -1; /* records without a key: one partition per batch (Kafka's sticky partitioner) */
    for (size_t i = 0; i < rows->count; i++) {
        const eddy_row *row = &rows->rows[i];
        bool knull = false, vnull = false;
        eddy_strbuf_reset(&t->kbuf);
        eddy_strbuf_reset(&t->vbuf);
        eddy_err_clear(&rerr);
        rc = (row->flags & EDDY_ROW_WINDOWED)
                 ? eddy_serde_encode_windowed(q->sink_key, row->cols, session, row->wstart, row->wend, &t->kbuf, &knull,
                                              &rerr)
                 : eddy_serde_encode(q->sink_key, row->cols, &t->kbuf, &knull, &rerr);
        if (rc || (!(row->flags & EDDY_ROW_NULL_VALUE) &&
                   (rc = eddy_serde_encode(q->sink_value, row->cols + q->nkeys_out, &t->vbuf, &vnull, &rerr)))) {
            eddy_log_record r = {0};
            r.offset = row->offset;
            eddy_qrun_report(t, "serialization", rerr.msg, &r);
            if (q->opts.fail_on_error) return eddy_err_set(err, rc, "%s", rerr.msg);
            continue;
        }
        if (row->flags & EDDY_ROW_NULL_VALUE) vnull = true;
        if ((row->flags & EDDY_ROW_NULL_KEY) && !p->rekey && !p->agg) knull = true;
        eddy_log_record rec = {0};
        rec.timestamp = row->ts;
        if (p->sink_ts_index >= 0 && !(row->flags & EDDY_ROW_NULL_VALUE)) {
            /* The sink's TIMESTAMP column: a row whose time cannot be read
             * is logged and dropped, as ksqlDB's timestamp extractor does. */
            const eddy_value *tv = &row->cols[p->sink_ts_index];
            int64_t ms = -1;
            bool ok = false;
            if (tv->v_kind == EDDY_V_BIGINT || tv->v_kind == EDDY_V_TIMESTAMP) {
                ms = tv->u.i;
                ok = ms >= 0;
            } else if (tv->v_kind == EDDY_V_STRING && p->sink->timestamp_format) {
                ok = eddy_datetime_parse(p->sink->timestamp_format, tv->u.s, tv->v_len, "UTC", &ms, &rerr) == 0 && ms >= 0;
            }
            if (!ok) {
                eddy_log_record r = {0};
                r.offset = row->offset;
                eddy_qrun_report(t, "timestamp", "Could not extract the output timestamp from the TIMESTAMP column", &r);
                continue;
            }
            rec.timestamp = ms;
        }
        rec.key = knull ? NULL : (t->kbuf.buf ? t->kbuf.buf : "");
        rec.key_len = knull ? 0 : t->kbuf.len;
        rec.value = vnull ? NULL : (t->vbuf.buf ? t->vbuf.buf : "");
        rec.value_len = vnull ? 0 : t->vbuf.len;
        rec.headers = row->headers;
        rec.header_count = row->nheaders;
        int32_t part = EDDY_LOG_PARTITION_ANY;
        int nparts = p->sink->partitions > 0 ? p->sink->partitions : p->sink_partitions;
        size_t wlen = session ? 16 : 8; /* the window after the key bytes */
        if ((row->flags & EDDY_ROW_WINDOWED) && !knull && nparts > 1 && rec.key_len >= wlen)
            /* Kafka Streams places a windowed key by the key without its window. */
            part = eddy_log_partition_for_key(rec.key, rec.key_len - wlen, nparts);
        else if (knull && nparts > 1) {
            if (sticky < 0) sticky = (int32_t)((uint32_t)(t->sticky_next++ + t->partition) % (uint32_t)nparts);
            part = sticky;
        }
        if ((rc = eddy_log_txn_produce(txn, p->sink->topic, part, &rec, NULL, err))) return rc;
    }
    return 0;
}

/* Serializes t->out into a transaction with the new position. */
static int commit_outputs(task *t, int64_t next, eddy_err *err) {
    eddy_qrun *q = t->q;
    const eddy_plan *p = q->plan;
    eddy_log_txn *txn = NULL;
    int rc;
    if ((rc = eddy_qrun_txn_begin(q, &txn, err))) return rc;
    if ((rc = eddy_qrun_produce_rows(t, txn, &t->out, err))) goto fail;
    if ((rc = eddy_log_txn_commit_position(txn, q->group, p->source->topic, t->partition, next, err))) goto fail;
    rc = eddy_qrun_txn_commit(t, txn, err);
fail:
    eddy_log_txn_destroy(txn);
    return rc;
}

int eddy_qrun_deliver(task *t, eddy_batch *rows) {
    eddy_qrun *q = t->q;
    const eddy_plan *p = q->plan;
    /* Records with a null value are not rows of a stream (ksqlDB's push
     * queries skip them); a table's deleted row is a tombstone row. */
    bool table = p->table_source || p->agg;
    size_t kept = 0;
    for (size_t i = 0; i < rows->count; i++)
        if (table || !(rows->rows[i].flags & EDDY_ROW_NULL_VALUE)) rows->rows[kept++] = rows->rows[i];
    rows->count = kept;
    /* Hand the rows over, honouring LIMIT.  Tasks may run on different
     * threads, so rows are reserved atomically. */
    if (p->has_limit) {
        int64_t before = atomic_fetch_add(&q->delivered, (int64_t)rows->count);
        int64_t left = p->limit - before;
        if (left <= 0) {
            q->done = true;
            return 0;
        }
        if ((int64_t)rows->count > left) rows->count = (size_t)left;
    }
    if (rows->count && q->opts.rows(q->opts.rows_ud, rows)) {
        q->done = true; /* the client went away: the query ends, it did not fail */
        return 0;
    }
    if (p->has_limit && q->delivered >= p->limit) q->done = true;
    return 0;
}

static int step_task(eddy_qrun *q, task *t, bool *did_work, eddy_err *err);

int eddy_qrun_step_task(eddy_qrun *q, int i, bool *did_work, eddy_err *err) {
    task *t = &q->tasks[i];
    *did_work = false;
    if (q->done) return 0;
    if (!q->sub) return step_task(q, t, did_work, err);
    /* Groups: only a partition assigned here, and not while the rebalance
     * callback hands it over. */
    if (!t->assigned) return 0;
    pthread_mutex_lock(&t->mu);
    int rc = t->assigned ? step_task(q, t, did_work, err) : 0;
    pthread_mutex_unlock(&t->mu);
    return rc;
}

static int step_task(eddy_qrun *q, task *t, bool *did_work, eddy_err *err) {
    const eddy_plan *p = q->plan;
    int rc;
    if (p->agg) return eddy_qrun_agg_step(q, t, did_work, err);
    if (t->mat) return eddy_qrun_mat_step(q, t, did_work, err);
    size_t max = (size_t)q->opts.batch_size;
    if (q->opts.until_end) {
        if (t->position >= t->stop_at) return 0;
        if ((int64_t)max > t->stop_at - t->position) max = (size_t)(t->stop_at - t->position);
    }
    if ((rc = eddy_qrun_task_fetch(q, t, max, err))) return rc;
    if (t->fetched.count == 0) return t->txn ? eddy_qrun_open_txn_commit(q, t, false, err) : 0;
    *did_work = true;
    if ((rc = eddy_qrun_decode_records(t, &t->fetched, &t->in, err))) return rc;
    eddy_batch_reset(&t->out);
    if ((rc = eddy_exprs_eval(t->exprs, &t->in, &t->out, eddy_qrun_expr_error, t))) return rc;
    if (p->where) {
        /* A filter sees no row in a record with a null value: it drops it. */
        size_t kept = 0;
        for (size_t i = 0; i < t->out.count; i++)
            if (!(t->out.rows[i].flags & EDDY_ROW_NULL_VALUE)) t->out.rows[kept++] = t->out.rows[i];
        t->out.count = kept;
    }
    q->processed += (int64_t)t->fetched.count;
    int64_t next = t->fetched.next_offset;
    if (q->opts.rows) {
        if (p->table_source) {
            size_t kept = 0;
            for (size_t i = 0; i < t->out.count; i++)
                if (!(t->out.rows[i].flags & EDDY_ROW_NULL_KEY)) t->out.rows[kept++] = t->out.rows[i];
            t->out.count = kept;
        }
        eddy_qrun_deliver(t, &t->out);
        t->position = next;
        if (q->opts.until_end) check_until_end(q);
        return 0;
    }
    if (eddy_qrun_open_txn_wanted(q)) return eddy_qrun_open_txn_add(q, t, next, err);
    if ((rc = commit_outputs(t, next, err))) /* retried: the batch is read again (at least once) */
        return eddy_qrun_commit_retriable(q, t, rc, err) ? 0 : rc;
    t->position = next;
    return 0;
}

int eddy_qrun_step(eddy_qrun *q, bool *did_work, eddy_err *err) {
    *did_work = false;
    for (int i = 0; i < q->ntasks; i++) {
        bool w;
        int rc = eddy_qrun_step_task(q, i, &w, err);
        if (rc) return rc;
        *did_work |= w;
    }
    return 0;
}

int eddy_qrun_run_until_idle(eddy_qrun *q, eddy_err *err) {
    bool w = true;
    while (w && !q->done) {
        int rc = eddy_qrun_step(q, &w, err);
        if (rc) return rc;
    }
    return 0;
}
