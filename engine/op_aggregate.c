/* op_aggregate.c - the aggregation operator: windows, accumulators in the state store, emission on flush or close. */
#include "engine/op_aggregate.h"

#include "schemas/value_bin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_STREAM_TIME "\xff" "st"
/* The input position the state is written up to, kept in the state (and so
 * in its changelog) so that a server taking the partition over starts where
 * the state ends even if the group's committed position lags. */
#define META_POSITION "\xff" "ps"
#define HDR 3 /* ts, window start, window end */

typedef struct clrec {
    size_t koff, klen, voff, vlen;
    bool deleted;
} clrec;

struct eddy_aggop {
    const eddy_plan *p;
    const eddy_plan_agg *ag;
    eddy_aggop_opts o;
    eddy_store *store;      /* aggregates */
    eddy_store *pending;    /* EMIT FINAL: windows waiting to close, key = end BE ‖ aggregate key */
    eddy_arena *scratch;    /* decoded accumulators, reset per row */
    eddy_batch *out;        /* where flushed rows go now */
    int64_t stream_time;    /* -1 before the first record */
    int64_t position;       /* META_POSITION: -1 when never written */
    int64_t seq;
    int64_t late;
    int nvals;              /* values in a stored entry: HDR + ngroup + ncalls */
    eddy_value *vals;
    eddy_strbuf kbuf, vbuf;
    eddy_strbuf mid;        /* load() of an existing entry: the encoded window and group values */
    bool mid_valid;
    /* changelog records since the last clear */
    eddy_strbuf clbytes;
    clrec *cl;
    size_t ncl, capcl;
    eddy_aggop_record *clout;
    bool restoring;
    int64_t cleaned_at;     /* stream time of the last retention cleanup */
    int64_t closed_at;      /* EMIT FINAL: stream time of the last look for closed windows */
    bool checked_close;
    int64_t expired;        /* windows removed by retention */
};

static bool windowed(const eddy_aggop *op) { return op->ag->window.kind != EDDY_WIN_NONE; }
static bool session(const eddy_aggop *op) { return op->ag->window.kind == EDDY_WIN_SESSION; }

static void put_be64(eddy_strbuf *b, int64_t v) {
    unsigned char x[8];
    for (int i = 0; i < 8; i++) x[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
    eddy_strbuf_append(b, (const char *)x, 8);
}

static int64_t get_be64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return (int64_t)v;
}

/* ---- changelog and emission ------------------------------------------------------- */

static int cl_add(eddy_aggop *op, const void *key, size_t klen, const void *value, size_t vlen) {
    if (op->ncl == op->capcl) {
        size_t cap = op->capcl ? op->capcl * 2 : 64;
        clrec *n = realloc(op->cl, cap * sizeof *n);
        if (!n) return EDDY_NOMEM;
        op->cl = n;
        op->capcl = cap;
    }
    clrec *r = &op->cl[op->ncl++];
    r->koff = op->clbytes.len;
    r->klen = klen;
    eddy_strbuf_append(&op->clbytes, key, klen);
    r->voff = op->clbytes.len;
    r->vlen = vlen;
    r->deleted = value == NULL;
    if (value) eddy_strbuf_append(&op->clbytes, value, vlen);
    return op->clbytes.failed ? EDDY_NOMEM : 0;
}

/* Decodes a stored entry into op->vals (in a). */
static int decode_entry(eddy_aggop *op, const void *v, size_t vlen, eddy_arena *a, eddy_err *err) {
    return eddy_value_bin_decode(v, vlen, op->vals, op->nvals, a, false, NULL, err);
}

/* Appends the aggregate row of entry vals to out. */
static int emit_entry(eddy_aggop *op, const eddy_value *vals, eddy_batch *out, eddy_err *err) {
    const eddy_plan_agg *ag = op->ag;
    eddy_row *r = eddy_batch_append(out);
    if (!r) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    r->ts = vals[0].u.i;
    int c = 0;
    for (int k = 0; k < ag->ngroup; k++) r->cols[c++] = eddy_value_copy(out->arena, &vals[HDR + k]);
    for (int j = 0; j < ag->ncalls; j++) {
        eddy_value res = eddy_value_null();
        const eddy_agg_call *call = &ag->calls[j];
        int rc = call->def->result(call, &vals[HDR + ag->ngroup + j], &res, out->arena);
        if (rc) return eddy_err_set(err, rc, "aggregate %s failed to produce its result", call->name);
        r->cols[c++] = res;
    }
    if (windowed(op)) {
        r->flags |= EDDY_ROW_WINDOWED;
        r->wstart = vals[1].u.i;
        r->wend = vals[2].u.i;
        r->cols[c++] = eddy_value_bigint(r->wstart);
        r->cols[c++] = eddy_value_bigint(r->wend);
    }
    return 0;
}

/* A tombstone row for a deleted key (the group values and window come from the key bytes). */
static int emit_tombstone(eddy_aggop *op, const void *key, size_t klen, eddy_batch *out, eddy_err *err) {
    const eddy_plan_agg *ag = op->ag;
    eddy_row *r = eddy_batch_append(out);
    if (!r) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    size_t used = 0;
    int rc = eddy_value_bin_decode(key, klen, r->cols, ag->ngroup, out->arena, false, &used, err);
    if (rc) return rc;
    r->flags |= EDDY_ROW_NULL_VALUE;
    if (windowed(op) && used + 8 <= klen) {
        r->flags |= EDDY_ROW_WINDOWED;
        r->wstart = get_be64((const unsigned char *)key + used);
        r->wend = session(op) && used + 16 <= klen ? get_be64((const unsigned char *)key + used + 8)
                                                    : r->wstart + ag->window.size_ms;
        r->ts = r->wend;
    }
    return 0;
}

static int on_flush(void *ud, const void *key, size_t klen, const void *value, size_t vlen) {
    eddy_aggop *op = ud;
    eddy_err err;
    int rc;
    if (op->restoring) return 0;
    if ((rc = cl_add(op, key, klen, value, vlen))) return rc;
    if (klen && ((const unsigned char *)key)[0] == 0xFF) return 0; /* metadata */
    if (op->ag->emit_final || !op->out) return 0;
    eddy_arena *a = eddy_arena_new();
    if (!a) return EDDY_NOMEM;
    rc = 0;
    if (op->ag->having) {
        /* HAVING needs the value emitted before: it comes first, flagged. */
        const void *ov;
        size_t olen;
        if (eddy_store_get_flushed(op->store, key, klen, &ov, &olen, &err) == 0) {
            rc = decode_entry(op, ov, olen, a, &err);
            if (!rc) rc = emit_entry(op, op->vals, op->out, &err);
            if (!rc) op->out->rows[op->out->count - 1].flags |= EDDY_ROW_OLD;
        }
    }
    if (!rc && !value) rc = emit_tombstone(op, key, klen, op->out, &err);
    else if (!rc) {
        rc = decode_entry(op, value, vlen, a, &err);
        if (!rc) rc = emit_entry(op, op->vals, op->out, &err);
    }
    eddy_arena_destroy(a);
    return rc;
}

/* ---- life ------------------------------------------------------------------------- */

int eddy_aggop_new(const eddy_plan *p, const eddy_aggop_opts *opts, eddy_aggop **out, eddy_err *err) {
    eddy_aggop *op = calloc(1, sizeof *op);
    int rc;
    *out = NULL;
    if (!op) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    op->p = p;
    op->ag = p->agg;
    op->o = *opts;
    op->stream_time = -1;
    op->nvals = HDR + op->ag->ngroup + op->ag->ncalls;
    op->vals = calloc((size_t)op->nvals, sizeof *op->vals);
    op->scratch = eddy_arena_new();
    if (!op->vals || !op->scratch) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    eddy_store_opts so = {.cache_max_bytes = opts->cache_max_bytes, .on_flush = on_flush, .flush_ud = op};
    if ((rc = eddy_store_open(opts->stores, opts->store_name, opts->partition, &so, &op->store, err))) goto fail;
    if (op->ag->emit_final) {
        char name[600];
        snprintf(name, sizeof name, "%s.Suppress", opts->store_name);
        eddy_store_opts po = {0};
        if ((rc = eddy_store_open(opts->stores, name, opts->partition, &po, &op->pending, err))) goto fail;
    }
    const void *v;
    size_t vlen;
    if (eddy_store_get(op->store, META_STREAM_TIME, 3, &v, &vlen, NULL) == 0 && vlen == 8)
        op->stream_time = get_be64(v);
    op->position = -1;
    if (eddy_store_get(op->store, META_POSITION, 3, &v, &vlen, NULL) == 0 && vlen == 8) op->position = get_be64(v);
    *out = op;
    return 0;
fail:
    eddy_aggop_destroy(op);
    return rc;
}

void eddy_aggop_destroy(eddy_aggop *op) {
    if (!op) return;
    eddy_store_close(op->store);
    eddy_store_close(op->pending);
    eddy_arena_destroy(op->scratch);
    free(op->vals);
    eddy_strbuf_fini(&op->kbuf);
    eddy_strbuf_fini(&op->vbuf);
    eddy_strbuf_fini(&op->mid);
    eddy_strbuf_fini(&op->clbytes);
    free(op->cl);
    free(op->clout);
    free(op);
}

int64_t eddy_aggop_late_records(const eddy_aggop *op) { return op->late; }

size_t eddy_aggop_changelog(eddy_aggop *op, const eddy_aggop_record **recs) {
    free(op->clout);
    op->clout = calloc(op->ncl + 1, sizeof *op->clout);
    if (!op->clout) {
        *recs = NULL;
        return 0;
    }
    for (size_t i = 0; i < op->ncl; i++) {
        op->clout[i].key = op->clbytes.buf + op->cl[i].koff;
        op->clout[i].klen = op->cl[i].klen;
        op->clout[i].value = op->cl[i].deleted ? NULL : op->clbytes.buf + op->cl[i].voff;
        op->clout[i].vlen = op->cl[i].vlen;
    }
    *recs = op->clout;
    return op->ncl;
}

void eddy_aggop_changelog_clear(eddy_aggop *op) {
    op->ncl = 0;
    eddy_strbuf_reset(&op->clbytes);
}

/* Removes the windows that left the retention period (start older than
 * stream time - retention), quietly: no tombstones downstream, as Kafka
 * Streams drops expired segments.  Runs when stream time has moved on by a
 * quarter of the retention since the last time. */
static int expire_windows(eddy_aggop *op, eddy_err *err) {
    const eddy_plan_window *w = &op->ag->window;
    if (w->kind == EDDY_WIN_NONE || op->stream_time < 0) return 0;
    int64_t horizon = op->stream_time - w->retention_ms;
    if (horizon <= 0 || op->stream_time - op->cleaned_at < w->retention_ms / 4) return 0;
    op->cleaned_at = op->stream_time;
    eddy_store_iter *it = NULL;
    eddy_strbuf keys = EDDY_STRBUF_INIT;
    size_t n = 0;
    eddy_arena *a = eddy_arena_new();
    int rc = a ? eddy_store_iter_new(op->store, NULL, 0, "\xff", 1, &it, err) : EDDY_NOMEM;
    const void *k, *v;
    size_t klen, vlen;
    while (!rc && eddy_store_iter_next(it, &k, &klen, &v, &vlen)) {
        eddy_arena_reset(a);
        eddy_value hdr[HDR];
        if (eddy_value_bin_decode(v, vlen, hdr, HDR, a, false, NULL, NULL)) continue;
        /* Sessions expire by their end, time windows by their start. */
        int64_t t = session(op) ? hdr[2].u.i : hdr[1].u.i;
        if (t >= horizon) continue;
        uint32_t l = (uint32_t)klen;
        eddy_strbuf_append(&keys, (const char *)&l, sizeof l);
        eddy_strbuf_append(&keys, k, klen);
        n++;
    }
    eddy_store_iter_destroy(it);
    eddy_arena_destroy(a);
    size_t off = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        uint32_t l;
        memcpy(&l, keys.buf + off, sizeof l);
        rc = eddy_store_restore_put(op->store, keys.buf + off + sizeof l, l, NULL, 0, err);
        if (!rc) rc = cl_add(op, keys.buf + off + sizeof l, l, NULL, 0);
        off += sizeof l + l;
        op->expired++;
    }
    eddy_strbuf_fini(&keys);
    return rc;
}

int eddy_aggop_flush(eddy_aggop *op, eddy_batch *out, eddy_err *err) {
    op->out = out;
    int rc = eddy_store_flush(op->store, err);
    if (!rc) rc = expire_windows(op, err);
    op->out = NULL;
    return rc;
}

int eddy_aggop_expired_windows(const eddy_aggop *op) { return (int)op->expired; }

int eddy_aggop_commit(eddy_aggop *op, int64_t checkpoint, eddy_err *err) {
    int rc;
    op->out = NULL;
    if (op->pending && (rc = eddy_store_commit(op->pending, checkpoint, err))) return rc;
    return eddy_store_commit(op->store, checkpoint, err);
}

int64_t eddy_aggop_restore_from(const eddy_aggop *op) {
    int64_t c = eddy_store_checkpoint(op->store);
    return c < 0 ? 0 : c;
}

int eddy_aggop_restore(eddy_aggop *op, const void *key, size_t klen, const void *value, size_t vlen, eddy_err *err) {
    int rc = eddy_store_restore_put(op->store, key, klen, value, vlen, err);
    if (!rc && klen == 3 && memcmp(key, META_STREAM_TIME, 3) == 0 && value && vlen == 8) op->stream_time = get_be64(value);
    if (!rc && klen == 3 && memcmp(key, META_POSITION, 3) == 0 && value && vlen == 8) op->position = get_be64(value);
    return rc;
}

int eddy_aggop_set_position(eddy_aggop *op, int64_t position, eddy_err *err) {
    if (position == op->position) return 0;
    eddy_strbuf b = EDDY_STRBUF_INIT;
    put_be64(&b, position);
    int rc = b.failed ? eddy_err_set(err, EDDY_NOMEM, "out of memory")
                      : eddy_store_put(op->store, META_POSITION, 3, b.buf, b.len, err);
    eddy_strbuf_fini(&b);
    if (!rc) op->position = position;
    return rc;
}

int64_t eddy_aggop_position(const eddy_aggop *op) { return op->position;
}

static int pending_add(eddy_aggop *op, const void *key, size_t klen, int64_t end, eddy_err *err);

/* EMIT FINAL: after a restore, the windows waiting to close are exactly
 * those of the state that had not closed at the restored stream time (the
 * ones that had were emitted before the commit), so the pending index is
 * rebuilt from the state rather than trusted. */
int eddy_aggop_restore_done(eddy_aggop *op, eddy_err *err) {
    if (!op->pending) return 0;
    const eddy_plan_window *w = &op->ag->window;
    eddy_store_iter *it = NULL;
    eddy_strbuf keys = EDDY_STRBUF_INIT;
    size_t n = 0;
    const void *k, *v;
    size_t klen, vlen;
    int rc = eddy_store_iter_new(op->pending, NULL, 0, NULL, 0, &it, err);
    while (!rc && eddy_store_iter_next(it, &k, &klen, &v, &vlen)) {
        uint32_t l = (uint32_t)klen;
        eddy_strbuf_append(&keys, (const char *)&l, sizeof l);
        eddy_strbuf_append(&keys, k, klen);
        n++;
    }
    eddy_store_iter_destroy(it);
    it = NULL;
    size_t off = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        uint32_t l;
        memcpy(&l, keys.buf + off, sizeof l);
        rc = eddy_store_restore_put(op->pending, keys.buf + off + sizeof l, l, NULL, 0, err);
        off += sizeof l + l;
    }
    /* Collect the open windows first: the pending store is written after. */
    eddy_strbuf_reset(&keys);
    n = 0;
    eddy_arena *a = eddy_arena_new();
    if (!rc && !a) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (!rc) rc = eddy_store_iter_new(op->store, NULL, 0, "\xff", 1, &it, err);
    while (!rc && eddy_store_iter_next(it, &k, &klen, &v, &vlen)) {
        eddy_value hdr[HDR];
        eddy_arena_reset(a);
        if (eddy_value_bin_decode(v, vlen, hdr, HDR, a, false, NULL, NULL)) continue;
        int64_t close = session(op) ? hdr[2].u.i + w->size_ms + 1 : hdr[2].u.i;
        if (close <= op->stream_time - w->grace_ms) continue; /* closed: already emitted (or dropped) */
        uint32_t l = (uint32_t)klen;
        eddy_strbuf_append(&keys, (const char *)&close, sizeof close);
        eddy_strbuf_append(&keys, (const char *)&l, sizeof l);
        eddy_strbuf_append(&keys, k, klen);
        n++;
    }
    eddy_store_iter_destroy(it);
    eddy_arena_destroy(a);
    off = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        int64_t close;
        uint32_t l;
        memcpy(&close, keys.buf + off, sizeof close);
        memcpy(&l, keys.buf + off + sizeof close, sizeof l);
        rc = pending_add(op, keys.buf + off + sizeof close + sizeof l, l, close, err);
        off += sizeof close + sizeof l + l;
    }
    eddy_strbuf_fini(&keys);
    return rc;
}

/* ---- aggregating -------------------------------------------------------------------- */

static void skip(eddy_aggop *op, const eddy_row *row, const char *kind, const char *msg) {
    if (op->o.on_skip) op->o.on_skip(op->o.skip_ud, row, kind, msg);
}

/* The store key of the group in op->kbuf (window appended by the caller). */
static int group_key(eddy_aggop *op, const eddy_value *group) {
    eddy_strbuf_reset(&op->kbuf);
    return eddy_value_bin_encode(group, op->ag->ngroup, &op->kbuf);
}

/* An empty entry for group/window in op->vals. */
static int init_entry(eddy_aggop *op, const eddy_value *group, int64_t ws, int64_t we, eddy_err *err) {
    const eddy_plan_agg *ag = op->ag;
    op->vals[0] = eddy_value_bigint(-1);
    op->vals[1] = eddy_value_bigint(ws);
    op->vals[2] = eddy_value_bigint(we);
    for (int k = 0; k < ag->ngroup; k++) op->vals[HDR + k] = eddy_value_copy(op->scratch, &group[k]);
    for (int j = 0; j < ag->ncalls; j++) {
        const eddy_agg_call *call = &ag->calls[j];
        int rc = call->def->init(call, &op->vals[HDR + ag->ngroup + j], op->scratch);
        if (rc) return eddy_err_set(err, rc, "aggregate %s failed to initialize", call->name);
    }
    return 0;
}

/* Loads the entry at key into op->vals, or an empty one for group/window. */
static int load(eddy_aggop *op, const void *key, size_t klen, const eddy_value *group, int64_t ws, int64_t we,
                bool *existed, eddy_err *err) {
    const void *v;
    size_t vlen;
    op->mid_valid = false;
    int rc = eddy_store_get(op->store, key, klen, &v, &vlen, err);
    if (rc == 0) {
        *existed = true;
        /* Decoded in three parts: the window and group values in between
         * are kept encoded, as apply() does not change them. */
        const unsigned char *b = v, *end = b + vlen;
        size_t used;
        int nmid = HDR - 1 + op->ag->ngroup;
        if ((rc = eddy_value_bin_decode(b, vlen, op->vals, 1, op->scratch, false, &used, err))) return rc;
        b += used;
        if ((rc = eddy_value_bin_decode(b, (size_t)(end - b), op->vals + 1, nmid, op->scratch, false, &used, err)))
            return rc;
        eddy_strbuf_reset(&op->mid);
        eddy_strbuf_append(&op->mid, (const char *)b, used);
        b += used;
        if ((rc = eddy_value_bin_decode(b, (size_t)(end - b), op->vals + 1 + nmid, op->nvals - 1 - nmid, op->scratch,
                                        false, NULL, err)))
            return rc;
        op->mid_valid = !op->mid.failed;
        return 0;
    }
    if (rc != EDDY_NOTFOUND) return rc;
    eddy_err_clear(err);
    *existed = false;
    return init_entry(op, group, ws, we, err);
}

static int store_entry(eddy_aggop *op, const void *key, size_t klen, eddy_err *err) {
    eddy_strbuf_reset(&op->vbuf);
    if (eddy_value_bin_encode(op->vals, op->nvals, &op->vbuf)) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return eddy_store_put(op->store, key, klen, op->vbuf.buf, op->vbuf.len, err);
}

/* store_entry after load() and apply(): reuses the window and group bytes. */
static int store_loaded(eddy_aggop *op, const void *key, size_t klen, eddy_err *err) {
    if (!op->mid_valid) return store_entry(op, key, klen, err);
    op->mid_valid = false;
    int nmid = HDR - 1 + op->ag->ngroup;
    eddy_strbuf_reset(&op->vbuf);
    eddy_value_bin_encode(op->vals, 1, &op->vbuf);
    eddy_strbuf_append(&op->vbuf, op->mid.buf, op->mid.len);
    if (eddy_value_bin_encode(op->vals + 1 + nmid, op->nvals - 1 - nmid, &op->vbuf) || op->vbuf.failed)
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return eddy_store_put(op->store, key, klen, op->vbuf.buf, op->vbuf.len, err);
}

/* Applies row (add, or undo) to the accumulators in op->vals. */
static int apply(eddy_aggop *op, const eddy_row *row, bool *failed) {
    const eddy_plan_agg *ag = op->ag;
    /* Offsets keep increasing across restarts (a counter would not). */
    eddy_agg_row ar = {.ts = row->ts, .seq = row->offset >= 0 ? row->offset : op->seq};
    bool undo = row->flags & EDDY_ROW_UNDO;
    for (int j = 0; j < ag->ncalls; j++) {
        const eddy_agg_call *call = &ag->calls[j];
        eddy_value *acc = &op->vals[HDR + ag->ngroup + j];
        const eddy_value *args = row->cols ? &row->cols[ag->call_arg0[j]] : NULL; /* no columns: COUNT(*) alone */
        int rc = undo ? (call->def->undo ? call->def->undo(call, acc, args, op->scratch) : EDDY_UNSUPPORTED)
                      : call->def->add(call, acc, args, &ar, op->scratch);
        if (rc == EDDY_NOMEM) return rc;
        if (rc) *failed = true;
    }
    if (!undo && row->ts > op->vals[0].u.i) op->vals[0] = eddy_value_bigint(row->ts);
    return 0;
}

/* EMIT FINAL: remembers that the window at key closes at end. */
static int pending_add(eddy_aggop *op, const void *key, size_t klen, int64_t end, eddy_err *err) {
    eddy_strbuf b = EDDY_STRBUF_INIT;
    put_be64(&b, end);
    eddy_strbuf_append(&b, key, klen);
    int rc = b.failed ? eddy_err_set(err, EDDY_NOMEM, "out of memory")
                      : eddy_store_put(op->pending, b.buf, b.len, "", 0, err);
    eddy_strbuf_fini(&b);
    return rc;
}

static int pending_del(eddy_aggop *op, const void *key, size_t klen, int64_t end, eddy_err *err) {
    eddy_strbuf b = EDDY_STRBUF_INIT;
    put_be64(&b, end);
    eddy_strbuf_append(&b, key, klen);
    int rc = b.failed ? eddy_err_set(err, EDDY_NOMEM, "out of memory")
                      : eddy_store_put(op->pending, b.buf, b.len, NULL, 0, err);
    eddy_strbuf_fini(&b);
    return rc;
}

/* EMIT FINAL: emits the windows that closed (end + grace <= stream time). */
static int emit_closed(eddy_aggop *op, eddy_batch *out, eddy_err *err) {
    const eddy_plan_window *w = &op->ag->window;
    int64_t close = op->stream_time - w->grace_ms; /* windows with end <= close are closed */
    if (close < 0) return 0;
    /* Nothing closes while stream time stands still: a window added since
     * the last look closes later than now (else its record was late). */
    if (op->checked_close && op->closed_at == op->stream_time) return 0;
    op->checked_close = true;
    op->closed_at = op->stream_time;
    eddy_strbuf hi = EDDY_STRBUF_INIT;
    put_be64(&hi, close + 1);
    eddy_store_iter *it = NULL;
    int rc = eddy_store_iter_new(op->pending, NULL, 0, hi.buf, hi.len, &it, err);
    eddy_strbuf_fini(&hi);
    if (rc) return rc;
    /* Collect first: the pending store must not change while iterating. */
    eddy_strbuf keys = EDDY_STRBUF_INIT;
    size_t n = 0;
    const void *k, *v;
    size_t klen, vlen;
    while (eddy_store_iter_next(it, &k, &klen, &v, &vlen)) {
        uint32_t l = (uint32_t)klen;
        eddy_strbuf_append(&keys, (const char *)&l, sizeof l);
        eddy_strbuf_append(&keys, k, klen);
        n++;
    }
    eddy_store_iter_destroy(it);
    if (keys.failed) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
    size_t off = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        uint32_t l;
        memcpy(&l, keys.buf + off, sizeof l);
        const unsigned char *pk = (const unsigned char *)keys.buf + off + sizeof l;
        off += sizeof l + l;
        if ((rc = eddy_store_put(op->pending, pk, l, NULL, 0, err))) break;
        const void *val;
        size_t len;
        eddy_arena_reset(op->scratch);
        int g = eddy_store_get(op->store, pk + 8, l - 8, &val, &len, err);
        if (g == EDDY_NOTFOUND) {
            eddy_err_clear(err);
            continue;
        }
        if ((rc = g) || (rc = decode_entry(op, val, len, op->scratch, err))) break;
        /* Time windows: only a window still retained when it closes is
         * emitted (ksqlDB's suppression reads the window store). */
        if (!session(op) && op->vals[1].u.i < op->stream_time - (w->size_ms + w->grace_ms)) continue;
        rc = emit_entry(op, op->vals, out, err);
    }
    eddy_strbuf_fini(&keys);
    return rc;
}

/* Tumbling and hopping windows: the windows ts falls in, oldest first. */
static int time_windows(const eddy_plan_window *w, int64_t ts, int64_t *starts, int cap) {
    int64_t first = ts - w->size_ms + w->advance_ms;
    if (first < 0) first = 0;
    first = first / w->advance_ms * w->advance_ms;
    int n = 0;
    for (int64_t s = first; s <= ts && n < cap; s += w->advance_ms) starts[n++] = s;
    return n;
}

static int aggregate_time(eddy_aggop *op, const eddy_row *row, eddy_err *err) {
    const eddy_plan_window *w = &op->ag->window;
    int64_t starts[512];
    int ns = time_windows(w, row->ts, starts, 512);
    bool any = false, failed = false;
    int rc;
    size_t glen = 0; /* the group key is encoded once per row; each window appends its start */
    for (int i = 0; i < ns; i++) {
        int64_t ws = starts[i], we = ws + w->size_ms;
        if (we <= op->stream_time - w->grace_ms) continue; /* closed */
        eddy_arena_reset(op->scratch);
        if (!any) {
            if ((rc = group_key(op, row->cols))) return eddy_err_set(err, rc, "out of memory");
            glen = op->kbuf.len;
        }
        any = true;
        op->kbuf.len = glen;
        put_be64(&op->kbuf, ws);
        bool existed;
        if ((rc = load(op, op->kbuf.buf, op->kbuf.len, row->cols, ws, we, &existed, err))) return rc;
        if ((rc = apply(op, row, &failed))) return eddy_err_set(err, rc, "out of memory");
        if ((rc = store_loaded(op, op->kbuf.buf, op->kbuf.len, err))) return rc;
        if (op->pending && !existed && (rc = pending_add(op, op->kbuf.buf, op->kbuf.len, we, err))) return rc;
    }
    if (!any) {
        op->late++;
        skip(op, row, "late", "Record dropped: its window closed (it arrived after the grace period).");
    }
    if (failed) skip(op, row, "aggregate", "An aggregate function failed on the record.");
    return 0;
}

/* Session windows: merges the sessions within the gap of row->ts. */
static int aggregate_session(eddy_aggop *op, const eddy_row *row, eddy_err *err) {
    const eddy_plan_window *w = &op->ag->window;
    const eddy_plan_agg *ag = op->ag;
    int64_t gap = w->size_ms, ts = row->ts;
    int rc;
    eddy_arena_reset(op->scratch);
    if ((rc = group_key(op, row->cols))) return eddy_err_set(err, rc, "out of memory");
    eddy_strbuf prefix = EDDY_STRBUF_INIT, hi = EDDY_STRBUF_INIT;
    eddy_strbuf_append(&prefix, op->kbuf.buf, op->kbuf.len);
    eddy_strbuf_append(&hi, op->kbuf.buf, op->kbuf.len);
    eddy_strbuf_append(&hi, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 17);
    /* Sessions of the key that the record touches. */
    eddy_store_iter *it = NULL;
    if ((rc = eddy_store_iter_new(op->store, prefix.buf, prefix.len, hi.buf, hi.len, &it, err))) goto out;
    int64_t start = ts, end = ts;
    int nmerge = 0, capm = 0;
    struct merged { char *key; size_t klen; char *val; size_t vlen; int64_t end; } *m = NULL;
    const void *k, *v;
    size_t klen, vlen;
    while (eddy_store_iter_next(it, &k, &klen, &v, &vlen)) {
        if (klen != prefix.len + 16) continue;
        int64_t ws = get_be64((const unsigned char *)k + prefix.len);
        int64_t we = get_be64((const unsigned char *)k + prefix.len + 8);
        if (we < ts - gap || ws > ts + gap) continue;
        if (we < op->stream_time - gap - w->grace_ms + 1) continue; /* expired: no longer found */
        if (nmerge == capm) {
            capm = capm ? capm * 2 : 4;
            void *nm = realloc(m, sizeof *m * (size_t)capm);
            if (!nm) break;
            m = nm;
        }
        m[nmerge].key = eddy_arena_alloc(op->scratch, klen);
        m[nmerge].val = eddy_arena_alloc(op->scratch, vlen ? vlen : 1);
        if (!m[nmerge].key || !m[nmerge].val) break;
        memcpy(m[nmerge].key, k, klen);
        memcpy(m[nmerge].val, v, vlen);
        m[nmerge].klen = klen;
        m[nmerge].vlen = vlen;
        m[nmerge].end = we;
        nmerge++;
        if (ws < start) start = ws;
        if (we > end) end = we;
    }
    eddy_store_iter_destroy(it);
    if (end < op->stream_time - gap - w->grace_ms) {
        op->late++;
        skip(op, row, "late", "Record dropped: its session window closed (it arrived after the grace period).");
        free(m);
        goto out;
    }
    /* The merged accumulators: start empty, fold every old session in. */
    bool failed = false;
    eddy_value *accs = eddy_arena_alloc(op->scratch, sizeof *accs * (size_t)(ag->ncalls + 1));
    int64_t mts = -1;
    if (!accs) {
        free(m);
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = init_entry(op, row->cols, start, end, err))) {
        free(m);
        goto out;
    }
    for (int j = 0; j < ag->ncalls; j++) accs[j] = op->vals[HDR + ag->ngroup + j];
    for (int i = 0; i < nmerge && !rc; i++) {
        if ((rc = decode_entry(op, m[i].val, m[i].vlen, op->scratch, err))) break;
        if (op->vals[0].u.i > mts) mts = op->vals[0].u.i;
        for (int j = 0; j < ag->ncalls; j++) {
            const eddy_agg_call *call = &ag->calls[j];
            if (!call->def->merge || call->def->merge(call, &accs[j], &op->vals[HDR + ag->ngroup + j], op->scratch))
                failed = true;
        }
    }
    if (rc) {
        free(m);
        goto out;
    }
    /* Replaced sessions are deleted (tombstones downstream). */
    for (int i = 0; i < nmerge && !rc; i++) {
        rc = eddy_store_put(op->store, m[i].key, m[i].klen, NULL, 0, err);
        if (!rc && op->pending) rc = pending_del(op, m[i].key, m[i].klen, m[i].end + gap + 1, err);
    }
    free(m);
    if (rc) goto out;
    op->vals[0] = eddy_value_bigint(mts);
    op->vals[1] = eddy_value_bigint(start);
    op->vals[2] = eddy_value_bigint(end);
    for (int k2 = 0; k2 < ag->ngroup; k2++) op->vals[HDR + k2] = eddy_value_copy(op->scratch, &row->cols[k2]);
    for (int j = 0; j < ag->ncalls; j++) op->vals[HDR + ag->ngroup + j] = accs[j];
    if ((rc = apply(op, row, &failed))) {
        rc = eddy_err_set(err, rc, "out of memory");
        goto out;
    }
    if ((rc = group_key(op, row->cols))) {
        rc = eddy_err_set(err, rc, "out of memory");
        goto out;
    }
    put_be64(&op->kbuf, start);
    put_be64(&op->kbuf, end);
    if ((rc = store_entry(op, op->kbuf.buf, op->kbuf.len, err))) goto out;
    if (op->pending) rc = pending_add(op, op->kbuf.buf, op->kbuf.len, end + gap + 1, err);
    if (failed) skip(op, row, "aggregate", "An aggregate function failed on the record.");
out:
    eddy_strbuf_fini(&prefix);
    eddy_strbuf_fini(&hi);
    return rc;
}

/* Not windowed: one entry per group.  paired: the add that follows an undo
 * of the same group (applied together, emitted once). */
static int aggregate_plain(eddy_aggop *op, const eddy_row *row, const eddy_row *paired, eddy_err *err) {
    bool existed, failed = false;
    int rc;
    eddy_arena_reset(op->scratch);
    if ((rc = group_key(op, row->cols))) return eddy_err_set(err, rc, "out of memory");
    if ((rc = load(op, op->kbuf.buf, op->kbuf.len, row->cols, 0, 0, &existed, err))) return rc;
    if ((rc = apply(op, row, &failed))) return eddy_err_set(err, rc, "out of memory");
    if (paired && (rc = apply(op, paired, &failed))) return eddy_err_set(err, rc, "out of memory");
    if (row->flags & EDDY_ROW_UNDO) op->vals[0] = eddy_value_bigint(paired ? paired->ts : row->ts);
    if (failed) skip(op, row, "aggregate", "An aggregate function failed on the record.");
    return store_loaded(op, op->kbuf.buf, op->kbuf.len, err);
}

static int save_stream_time(eddy_aggop *op, eddy_err *err) {
    eddy_strbuf b = EDDY_STRBUF_INIT;
    put_be64(&b, op->stream_time);
    int rc = b.failed ? eddy_err_set(err, EDDY_NOMEM, "out of memory")
                      : eddy_store_put(op->store, META_STREAM_TIME, 3, b.buf, b.len, err);
    eddy_strbuf_fini(&b);
    return rc;
}

int eddy_aggop_process(eddy_aggop *op, const eddy_batch *in, eddy_batch *out, eddy_err *err) {
    const eddy_plan_agg *ag = op->ag;
    int rc = 0;
    int64_t st0 = op->stream_time;
    op->out = out;
    for (size_t i = 0; i < in->count && !rc; i++) {
        const eddy_row *row = &in->rows[i];
        if (row->flags & EDDY_ROW_NULL_VALUE) continue; /* a stream's null value: nothing to aggregate */
        bool null_key = false;
        for (int k = 0; k < ag->ngroup; k++)
            if (row->cols[k].v_kind == EDDY_V_NULL) null_key = true;
        if (null_key) {
            skip(op, row, "group", "Record dropped: its grouping key is NULL.");
            continue;
        }
        op->seq++;
        if (row->ts > op->stream_time) op->stream_time = row->ts;
        const eddy_row *paired = NULL;
        if ((row->flags & (EDDY_ROW_UNDO | EDDY_ROW_PAIRED)) == (EDDY_ROW_UNDO | EDDY_ROW_PAIRED) && i + 1 < in->count &&
            !(in->rows[i + 1].flags & EDDY_ROW_UNDO))
            paired = &in->rows[++i];
        switch (ag->window.kind) {
        case EDDY_WIN_NONE: rc = aggregate_plain(op, row, paired, err); break;
        case EDDY_WIN_SESSION: rc = aggregate_session(op, row, err); break;
        default: rc = aggregate_time(op, row, err); break;
        }
        if (!rc && op->pending) rc = emit_closed(op, out, err);
    }
    if (!rc && op->stream_time != st0 && windowed(op)) rc = save_stream_time(op, err);
    op->out = NULL;
    return rc;
}

/* ---- reading (pull queries) -------------------------------------------------------- */

int eddy_aggop_read(eddy_aggop *op, const eddy_value *key, int64_t wstart_lo, int64_t wstart_hi, eddy_batch *out,
                    eddy_err *err) {
    eddy_strbuf lo = EDDY_STRBUF_INIT, hi = EDDY_STRBUF_INIT;
    int rc = 0;
    eddy_arena *a = eddy_arena_new();
    if (!a) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (key) {
        if (eddy_value_bin_encode(key, op->ag->ngroup, &lo)) rc = EDDY_NOMEM;
        eddy_strbuf_append(&hi, lo.buf, lo.len);
        if (windowed(op) && !session(op)) {
            put_be64(&lo, wstart_lo < 0 ? 0 : wstart_lo);
            put_be64(&hi, wstart_hi);
            eddy_strbuf_putc(&hi, 0);
        } else {
            eddy_strbuf_append(&hi, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 17);
        }
    } else {
        eddy_strbuf_putc(&hi, (char)0xFF); /* everything but the metadata */
    }
    if (rc || lo.failed || hi.failed) {
        eddy_arena_destroy(a);
        eddy_strbuf_fini(&lo);
        eddy_strbuf_fini(&hi);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    eddy_store_iter *it = NULL;
    rc = eddy_store_iter_new(op->store, lo.len ? lo.buf : NULL, lo.len, hi.buf, hi.len, &it, err);
    const void *k, *v;
    size_t klen, vlen;
    while (!rc && eddy_store_iter_next(it, &k, &klen, &v, &vlen)) {
        eddy_arena_reset(a);
        if ((rc = decode_entry(op, v, vlen, a, err))) break;
        if (windowed(op) && (op->vals[1].u.i < wstart_lo || op->vals[1].u.i > wstart_hi)) continue;
        int64_t horizon = op->stream_time - op->ag->window.retention_ms;
        if (windowed(op) && (session(op) ? op->vals[2].u.i : op->vals[1].u.i) < horizon) continue; /* expired */
        rc = emit_entry(op, op->vals, out, err);
    }
    eddy_store_iter_destroy(it);
    eddy_arena_destroy(a);
    eddy_strbuf_fini(&lo);
    eddy_strbuf_fini(&hi);
    return rc;
}

eddy_store *eddy_aggop_store(const eddy_aggop *op) { return op->store; }
