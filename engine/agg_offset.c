/* agg_offset.c - ksqlDB's EARLIEST_BY_OFFSET and LATEST_BY_OFFSET, with their N and ignoreNulls forms.
 *
 * Each kept value is a STRUCT<SEQ BIGINT, VAL T>: SEQ is the row's arrival
 * sequence (eddy_agg_row.seq), which decides between two session windows'
 * values when they merge.  The single-value forms keep NULL (no value yet)
 * or one such struct; the N forms keep an ARRAY of them, oldest first.
 *
 *   EARLIEST_BY_OFFSET(col [, ignoreNulls])   the first value (non-null unless
 *                                             ignoreNulls is false)
 *   EARLIEST_BY_OFFSET(col, n [, ignoreNulls]) the first n values
 *   LATEST_BY_OFFSET(...)                     the same for the last values
 *
 * One deliberate difference: when two session windows merge, LATEST_BY_OFFSET
 * with n keeps the latest n values of both; ksqlDB 0.29 keeps the earliest n
 * there (a bug in its merger).
 */
#include "engine/agg_int.h"

#include <stdlib.h>
#include <string.h>

enum { F_SEQ, F_VAL, F_FIELDS };

/* call->variant: which function */
enum { BY_EARLIEST = 1, BY_LATEST = 2 };

static int by_offset_prepare(eddy_agg_call *call, eddy_err *err, int which) {
    if (call->nargs < 1 || call->nargs > 3 || !call->args[0].type) return eddy_agg_refuse(call, err);
    int kinds[3] = {-1, -1, -1};
    for (int i = 1; i < call->nargs; i++) kinds[i] = eddy_agg_arg_kind(call, i);
    bool has_n = call->nargs >= 2 && kinds[1] == EDDY_TYPE_INT;
    int flag_at = has_n ? 2 : 1;
    if (call->nargs == 3 && !has_n) return eddy_agg_refuse(call, err);
    if (call->nargs > flag_at && kinds[flag_at] != EDDY_TYPE_BOOLEAN) return eddy_agg_refuse(call, err);
    int64_t n = 0;
    bool ignore = true;
    int rc = 0;
    if (has_n) rc = eddy_agg_literal_int(call, 1, &n, err);
    if (!rc && call->nargs > flag_at) rc = eddy_agg_literal_bool(call, flag_at, &ignore, err);
    if (rc) return rc;
    if (has_n && n < 1)
        return eddy_err_set(err, EDDY_ANALYSIS, "%s must be 1 or greater",
                            which == BY_EARLIEST ? "earliestN" : "latestN");
    call->nrow_args = 1;
    call->k = n;
    call->ignore_nulls = ignore;
    call->variant = which;
    call->complex_state = true;
    eddy_type *t = eddy_type_ref(call->args[0].type);
    return eddy_agg_set_result(call, has_n ? eddy_type_array(t) : t, err);
}

static int earliest_prepare(eddy_agg_call *call, eddy_err *err) { return by_offset_prepare(call, err, BY_EARLIEST); }
static int latest_prepare(eddy_agg_call *call, eddy_err *err) { return by_offset_prepare(call, err, BY_LATEST); }

static bool entry_ok(const eddy_value *e) { return e->v_kind == EDDY_V_STRUCT && e->v_len == F_FIELDS; }
static int64_t entry_seq(const eddy_value *e) { return e->u.items[F_SEQ].u.i; }
static uint32_t array_len(const eddy_value *v) { return v->v_kind == EDDY_V_ARRAY ? v->v_len : 0; }

/* STRUCT<SEQ, VAL> of the row's value (copied into a). */
static int entry_make(const eddy_value *v, const eddy_agg_row *row, eddy_value *out, eddy_arena *a) {
    eddy_value s;
    if (eddy_agg_container(a, EDDY_V_STRUCT, F_FIELDS, &s)) return EDDY_NOMEM;
    s.u.items[F_SEQ] = eddy_value_bigint(row ? row->seq : 0);
    if (eddy_agg_copy(a, v, &s.u.items[F_VAL])) return EDDY_NOMEM;
    *out = s;
    return 0;
}

static int by_offset_init(const eddy_agg_call *call, eddy_value *acc, eddy_arena *a) {
    if (call->k) return eddy_agg_container(a, EDDY_V_ARRAY, 0, acc);
    *acc = eddy_value_null();
    return 0;
}

static int by_offset_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, const eddy_agg_row *row,
                         eddy_arena *a) {
    if (args[0].v_kind == EDDY_V_NULL && call->ignore_nulls) return 0;
    bool earliest = call->variant == BY_EARLIEST;
    if (!call->k) {
        if (earliest && entry_ok(acc)) return 0;
        return entry_make(&args[0], row, acc, a);
    }
    uint32_t n = array_len(acc);
    if (earliest && (int64_t)n >= call->k) return 0;
    /* latest: drop the oldest entries beyond n - 1 */
    uint32_t drop = (int64_t)n >= call->k ? n - (uint32_t)(call->k - 1) : 0;
    eddy_value r;
    if (eddy_agg_container(a, EDDY_V_ARRAY, n - drop + 1, &r)) return EDDY_NOMEM;
    if (n > drop) memcpy(r.u.items, acc->u.items + drop, (n - drop) * sizeof(eddy_value));
    int rc = entry_make(&args[0], row, &r.u.items[n - drop], a);
    if (rc) return rc;
    *acc = r;
    return 0;
}

/* Older first. */
static int entry_cmp(const void *x, const void *y) {
    const eddy_value *a = x, *b = y;
    int64_t p = entry_ok(a) ? entry_seq(a) : INT64_MIN, q = entry_ok(b) ? entry_seq(b) : INT64_MIN;
    return p < q ? -1 : p > q;
}

static int by_offset_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    bool earliest = call->variant == BY_EARLIEST;
    if (!call->k) {
        if (!entry_ok(other)) return 0;
        if (!entry_ok(acc)) {
            *acc = *other;
            return 0;
        }
        if (!earliest && call->ignore_nulls) {
            /* a NULL value loses whatever its sequence */
            bool na = acc->u.items[F_VAL].v_kind == EDDY_V_NULL, no = other->u.items[F_VAL].v_kind == EDDY_V_NULL;
            if (na != no) {
                if (na) *acc = *other;
                return 0;
            }
        }
        int c = entry_cmp(acc, other);
        if (earliest ? c > 0 : c < 0) *acc = *other;
        return 0;
    }
    uint32_t n = array_len(acc), m = array_len(other);
    if (!m) return 0;
    eddy_value all;
    if (eddy_agg_container(a, EDDY_V_ARRAY, n + m, &all)) return EDDY_NOMEM;
    if (n) memcpy(all.u.items, acc->u.items, n * sizeof(eddy_value));
    memcpy(all.u.items + n, other->u.items, m * sizeof(eddy_value));
    qsort(all.u.items, n + m, sizeof(eddy_value), entry_cmp);
    if ((int64_t)(n + m) > call->k) {
        uint32_t keep = (uint32_t)call->k;
        if (!earliest) all.u.items += n + m - keep;
        all.v_len = keep;
    }
    *acc = all;
    return 0;
}

static int by_offset_result(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a) {
    if (!call->k) {
        if (!entry_ok(acc)) {
            *out = eddy_value_null();
            return 0;
        }
        return eddy_agg_copy(a, &acc->u.items[F_VAL], out);
    }
    uint32_t n = array_len(acc);
    eddy_value r;
    if (eddy_agg_container(a, EDDY_V_ARRAY, n, &r)) return EDDY_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const eddy_value *e = &acc->u.items[i];
        if (!entry_ok(e)) continue;
        if (eddy_agg_copy(a, &e->u.items[F_VAL], &r.u.items[i])) return EDDY_NOMEM;
    }
    *out = r;
    return 0;
}

const eddy_agg_def eddy_agg_impl_earliest_by_offset = {"EARLIEST_BY_OFFSET", earliest_prepare, by_offset_init,
                                                       by_offset_add, NULL, by_offset_merge, by_offset_result};
const eddy_agg_def eddy_agg_impl_latest_by_offset = {"LATEST_BY_OFFSET", latest_prepare, by_offset_init,
                                                     by_offset_add, NULL, by_offset_merge, by_offset_result};
