/* agg_collect.c - ksqlDB's collecting aggregates: COLLECT_LIST, COLLECT_SET, HISTOGRAM, TOPK, TOPKDISTINCT, COUNT_DISTINCT.
 *
 * Accumulators are arrays (a map for HISTOGRAM) rebuilt on every change; the
 * unchanged items are shared with the previous accumulator (see engine/agg.h).
 * COUNT_DISTINCT is exact: ksqlDB estimates it with a HyperLogLog sketch of
 * 2^14 registers, which gives the exact count for small groups; eddy keeps
 * the distinct values themselves, sorted, and counts them.
 */
#include "engine/agg_int.h"

#include <stdint.h>
#include <string.h>

#define HISTOGRAM_LIMIT 1000 /* ksqlDB's fixed limit on distinct keys */

static uint32_t array_len(const eddy_value *v) { return v->v_kind == EDDY_V_ARRAY ? v->v_len : 0; }

/* A new array of the first `keep` items of arr with v inserted at pos
 * (pos <= keep <= array_len(arr)); v is stored as it is. */
static int array_insert(eddy_arena *a, const eddy_value *arr, uint32_t keep, uint32_t pos, const eddy_value *v,
                        eddy_value *out) {
    eddy_value r;
    if (eddy_agg_container(a, EDDY_V_ARRAY, keep + 1, &r)) return EDDY_NOMEM;
    if (pos) memcpy(r.u.items, arr->u.items, pos * sizeof(eddy_value));
    r.u.items[pos] = *v;
    if (keep > pos) memcpy(r.u.items + pos + 1, arr->u.items + pos, (keep - pos) * sizeof(eddy_value));
    *out = r;
    return 0;
}

/* A new array of arr's items without the one at pos. */
static int array_remove(eddy_arena *a, const eddy_value *arr, uint32_t pos, eddy_value *out) {
    uint32_t n = array_len(arr);
    eddy_value r;
    if (eddy_agg_container(a, EDDY_V_ARRAY, n - 1, &r)) return EDDY_NOMEM;
    if (pos) memcpy(r.u.items, arr->u.items, pos * sizeof(eddy_value));
    if (n - 1 > pos) memcpy(r.u.items + pos, arr->u.items + pos + 1, (n - 1 - pos) * sizeof(eddy_value));
    *out = r;
    return 0;
}

static int empty_array(const eddy_agg_call *call, eddy_value *acc, eddy_arena *a) {
    (void)call;
    return eddy_agg_container(a, EDDY_V_ARRAY, 0, acc);
}

static int array_result(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a) {
    if (acc->v_kind != EDDY_V_ARRAY) return empty_array(call, out, a);
    return eddy_agg_copy(a, acc, out);
}

/* ARRAY<T> of the first argument's type. */
static int array_of_arg(eddy_agg_call *call, eddy_err *err) {
    return eddy_agg_set_result(call, eddy_type_array(eddy_type_ref(call->args[0].type)), err);
}

static bool array_contains(const eddy_value *arr, const eddy_value *v) {
    for (uint32_t i = 0; i < array_len(arr); i++)
        if (eddy_agg_eq(&arr->u.items[i], v)) return true;
    return false;
}

/* ---- COLLECT_LIST / COLLECT_SET ------------------------------------------- */

static int collect_prepare(eddy_agg_call *call, eddy_err *err) {
    if (call->nargs != 1 || !call->args[0].type) return eddy_agg_refuse(call, err);
    call->nrow_args = 1;
    call->complex_state = true;
    return array_of_arg(call, err);
}

/* ksql.functions.collect_{list,set}.limit: a negative limit means none. */
static int64_t collect_limit(const eddy_agg_call *call) {
    return call->collect_limit < 0 ? INT64_MAX : call->collect_limit;
}

static int append_copy(eddy_arena *a, eddy_value *acc, const eddy_value *v) {
    eddy_value c;
    uint32_t n = array_len(acc);
    if (eddy_agg_copy(a, v, &c)) return EDDY_NOMEM;
    return array_insert(a, acc, n, n, &c, acc);
}

/* NULL values are collected too, as in ksqlDB. */
static int collect_list_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args,
                            const eddy_agg_row *row, eddy_arena *a) {
    (void)row;
    if ((int64_t)array_len(acc) >= collect_limit(call)) return 0;
    return append_copy(a, acc, &args[0]);
}

/* Removes the last equal value (none: it was beyond the limit). */
static int collect_list_undo(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, eddy_arena *a) {
    (void)call;
    for (uint32_t i = array_len(acc); i-- > 0;)
        if (eddy_agg_eq(&acc->u.items[i], &args[0])) return array_remove(a, acc, i, acc);
    return 0;
}

static int collect_list_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    uint32_t n = array_len(acc), m = array_len(other);
    int64_t room = collect_limit(call) - (int64_t)n;
    uint32_t take = room <= 0 ? 0 : room < (int64_t)m ? (uint32_t)room : m;
    if (!take) return 0;
    eddy_value r;
    if (eddy_agg_container(a, EDDY_V_ARRAY, n + take, &r)) return EDDY_NOMEM;
    if (n) memcpy(r.u.items, acc->u.items, n * sizeof(eddy_value));
    memcpy(r.u.items + n, other->u.items, take * sizeof(eddy_value));
    *acc = r;
    return 0;
}

const eddy_agg_def eddy_agg_impl_collect_list = {"COLLECT_LIST", collect_prepare, empty_array, collect_list_add,
                                                 collect_list_undo, collect_list_merge, array_result};

static int collect_set_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args,
                           const eddy_agg_row *row, eddy_arena *a) {
    (void)row;
    if ((int64_t)array_len(acc) >= collect_limit(call) || array_contains(acc, &args[0])) return 0;
    return append_copy(a, acc, &args[0]);
}

static int collect_set_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    for (uint32_t i = 0; i < array_len(other); i++) {
        uint32_t n = array_len(acc);
        if ((int64_t)n >= collect_limit(call)) break;
        if (array_contains(acc, &other->u.items[i])) continue;
        int rc = array_insert(a, acc, n, n, &other->u.items[i], acc);
        if (rc) return rc;
    }
    return 0;
}

const eddy_agg_def eddy_agg_impl_collect_set = {"COLLECT_SET", collect_prepare, empty_array, collect_set_add, NULL,
                                                collect_set_merge, array_result};

/* ---- HISTOGRAM: MAP<STRING, BIGINT> ---------------------------------------- */

static int histogram_prepare(eddy_agg_call *call, eddy_err *err) {
    if (call->nargs != 1 || eddy_agg_arg_kind(call, 0) != EDDY_TYPE_STRING) return eddy_agg_refuse(call, err);
    call->nrow_args = 1;
    call->complex_state = true;
    return eddy_agg_set_result(call,
                               eddy_type_map(eddy_type_primitive(EDDY_TYPE_STRING),
                                             eddy_type_primitive(EDDY_TYPE_BIGINT)),
                               err);
}

static int histogram_init(const eddy_agg_call *call, eddy_value *acc, eddy_arena *a) {
    (void)call;
    return eddy_agg_container(a, EDDY_V_MAP, 0, acc);
}

static uint32_t map_len(const eddy_value *v) { return v->v_kind == EDDY_V_MAP ? v->v_len : 0; }

static int64_t map_find(const eddy_value *map, const eddy_value *key) {
    for (uint32_t i = 0; i < map_len(map); i++)
        if (eddy_agg_eq(&map->u.items[2 * i], key)) return i;
    return -1;
}

/* Adds delta to key's count: an entry whose count drops below 1 goes; a new
 * key gets an entry (with its value copied when `copy`) while there is room. */
static int histogram_update(eddy_value *acc, const eddy_value *key, int64_t delta, bool copy, eddy_arena *a) {
    uint32_t n = map_len(acc);
    int64_t at = map_find(acc, key);
    eddy_value r;
    if (at >= 0) {
        int64_t c = (int64_t)((uint64_t)acc->u.items[2 * at + 1].u.i + (uint64_t)delta);
        if (c < 1) {
            if (eddy_agg_container(a, EDDY_V_MAP, n - 1, &r)) return EDDY_NOMEM;
            memcpy(r.u.items, acc->u.items, 2 * (size_t)at * sizeof(eddy_value));
            memcpy(r.u.items + 2 * at, acc->u.items + 2 * at + 2, 2 * (size_t)(n - 1 - at) * sizeof(eddy_value));
        } else {
            if (eddy_agg_container(a, EDDY_V_MAP, n, &r)) return EDDY_NOMEM;
            memcpy(r.u.items, acc->u.items, 2 * (size_t)n * sizeof(eddy_value));
            r.u.items[2 * at + 1] = eddy_value_bigint(c);
        }
        *acc = r;
        return 0;
    }
    if (delta < 1 || n >= HISTOGRAM_LIMIT) return 0;
    if (eddy_agg_container(a, EDDY_V_MAP, n + 1, &r)) return EDDY_NOMEM;
    if (n) memcpy(r.u.items, acc->u.items, 2 * (size_t)n * sizeof(eddy_value));
    if (copy) {
        if (eddy_agg_copy(a, key, &r.u.items[2 * n])) return EDDY_NOMEM;
    } else {
        r.u.items[2 * n] = *key;
    }
    r.u.items[2 * n + 1] = eddy_value_bigint(delta);
    *acc = r;
    return 0;
}

/* NULL values are skipped (a map key cannot be NULL). */
static int histogram_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args,
                         const eddy_agg_row *row, eddy_arena *a) {
    (void)call, (void)row;
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    return histogram_update(acc, &args[0], 1, true, a);
}

static int histogram_undo(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, eddy_arena *a) {
    (void)call;
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    return histogram_update(acc, &args[0], -1, false, a);
}

static int histogram_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    (void)call;
    for (uint32_t i = 0; i < map_len(other); i++) {
        int rc = histogram_update(acc, &other->u.items[2 * i], other->u.items[2 * i + 1].u.i, false, a);
        if (rc) return rc;
    }
    return 0;
}

static int histogram_result(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a) {
    if (acc->v_kind != EDDY_V_MAP) return histogram_init(call, out, a);
    return eddy_agg_copy(a, acc, out);
}

const eddy_agg_def eddy_agg_impl_histogram = {"HISTOGRAM", histogram_prepare, histogram_init, histogram_add,
                                              histogram_undo, histogram_merge, histogram_result};

/* ---- TOPK / TOPKDISTINCT: ARRAY<T>, largest first ------------------------- */

static int topk_prepare(eddy_agg_call *call, eddy_err *err) {
    if (call->nargs != 2 || eddy_agg_arg_kind(call, 1) != EDDY_TYPE_INT) return eddy_agg_refuse(call, err);
    eddy_type *elem;
    switch (eddy_agg_arg_kind(call, 0)) {
    case EDDY_TYPE_INT:
    case EDDY_TYPE_BIGINT:
    case EDDY_TYPE_DOUBLE:
    case EDDY_TYPE_STRING: elem = eddy_type_ref(call->args[0].type); break;
    case EDDY_TYPE_DECIMAL: elem = eddy_type_primitive(EDDY_TYPE_DOUBLE); break; /* ksqlDB's implicit cast */
    default: return eddy_agg_refuse(call, err);
    }
    int64_t k;
    int rc = eddy_agg_literal_int(call, 1, &k, err);
    if (rc) {
        eddy_type_unref(elem);
        return rc;
    }
    if (k < 1) {
        eddy_type_unref(elem);
        return eddy_err_set(err, EDDY_ANALYSIS, "Parameter 2 passed to function %s must be 1 or greater, but was %lld",
                            call->name, (long long)k);
    }
    call->nrow_args = 1;
    call->k = k;
    call->variant = (int)eddy_vkind_of(elem);
    call->complex_state = true;
    return eddy_agg_set_result(call, eddy_type_array(elem), err);
}

/* Inserts v (copied) after the items not smaller than it, dropping the
 * smallest item when the array is full. */
static int topk_insert(const eddy_agg_call *call, eddy_value *acc, const eddy_value *v, eddy_arena *a) {
    uint32_t n = array_len(acc), keep = (int64_t)n >= call->k ? (uint32_t)(call->k - 1) : n, pos = 0;
    while (pos < keep && eddy_agg_cmp(&acc->u.items[pos], v) >= 0) pos++;
    eddy_value c;
    if (eddy_agg_copy(a, v, &c)) return EDDY_NOMEM;
    return array_insert(a, acc, keep, pos, &c, acc);
}

static int topk_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, const eddy_agg_row *row,
                    eddy_arena *a) {
    (void)row;
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    eddy_value v = eddy_agg_widen(&args[0], (eddy_vkind)call->variant);
    uint32_t n = array_len(acc);
    if ((int64_t)n >= call->k && n && eddy_agg_cmp(&v, &acc->u.items[n - 1]) <= 0) return 0;
    return topk_insert(call, acc, &v, a);
}

/* Merges two descending arrays into the k largest; with `distinct`, equal
 * values are taken once. */
static int topk_merge_lists(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, bool distinct,
                            eddy_arena *a) {
    uint32_t n = array_len(acc), m = array_len(other), i = 0, j = 0, cnt = 0;
    uint64_t cap = (uint64_t)n + m;
    if ((int64_t)cap > call->k) cap = (uint64_t)call->k;
    eddy_value r;
    if (eddy_agg_container(a, EDDY_V_ARRAY, (uint32_t)cap, &r)) return EDDY_NOMEM;
    while (cnt < cap && (i < n || j < m)) {
        int c = i >= n ? -1 : j >= m ? 1 : eddy_agg_cmp(&acc->u.items[i], &other->u.items[j]);
        if (c > 0 || (c == 0 && !distinct)) {
            r.u.items[cnt++] = acc->u.items[i++];
        } else if (c < 0) {
            r.u.items[cnt++] = other->u.items[j++];
        } else {
            r.u.items[cnt++] = acc->u.items[i++];
            j++;
        }
    }
    r.v_len = cnt;
    *acc = r;
    return 0;
}

static int topk_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    return topk_merge_lists(call, acc, other, false, a);
}

const eddy_agg_def eddy_agg_impl_topk = {"TOPK", topk_prepare, empty_array, topk_add, NULL, topk_merge,
                                         array_result};

static int topkdistinct_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args,
                            const eddy_agg_row *row, eddy_arena *a) {
    (void)row;
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    eddy_value v = eddy_agg_widen(&args[0], (eddy_vkind)call->variant);
    uint32_t n = array_len(acc);
    if ((int64_t)n >= call->k && n && eddy_agg_cmp(&v, &acc->u.items[n - 1]) <= 0) return 0;
    for (uint32_t i = 0; i < n; i++)
        if (eddy_agg_cmp(&acc->u.items[i], &v) == 0) return 0;
    return topk_insert(call, acc, &v, a);
}

static int topkdistinct_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    return topk_merge_lists(call, acc, other, true, a);
}

const eddy_agg_def eddy_agg_impl_topkdistinct = {"TOPKDISTINCT", topk_prepare, empty_array, topkdistinct_add, NULL,
                                                 topkdistinct_merge, array_result};

/* ---- COUNT_DISTINCT: ARRAY<T> of the distinct values, ascending ------------- */

static int count_distinct_prepare(eddy_agg_call *call, eddy_err *err) {
    if (call->nargs != 1) return eddy_agg_refuse(call, err);
    call->nrow_args = 1;
    call->complex_state = true;
    return eddy_agg_set_result(call, eddy_type_primitive(EDDY_TYPE_BIGINT), err);
}

/* Index of the first item not smaller than v; *found when it equals v. */
static uint32_t sorted_find(const eddy_value *arr, const eddy_value *v, bool *found) {
    uint32_t lo = 0, hi = array_len(arr);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (eddy_agg_cmp(&arr->u.items[mid], v) < 0) lo = mid + 1;
        else hi = mid;
    }
    *found = lo < array_len(arr) && eddy_agg_cmp(&arr->u.items[lo], v) == 0;
    return lo;
}

static int count_distinct_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args,
                              const eddy_agg_row *row, eddy_arena *a) {
    (void)call, (void)row;
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    bool found;
    uint32_t pos = sorted_find(acc, &args[0], &found);
    if (found) return 0;
    eddy_value c;
    if (eddy_agg_copy(a, &args[0], &c)) return EDDY_NOMEM;
    return array_insert(a, acc, array_len(acc), pos, &c, acc);
}

static int count_distinct_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other,
                                eddy_arena *a) {
    (void)call;
    uint32_t n = array_len(acc), m = array_len(other), i = 0, j = 0, cnt = 0;
    if (!m) return 0;
    eddy_value r;
    if (eddy_agg_container(a, EDDY_V_ARRAY, n + m, &r)) return EDDY_NOMEM;
    while (i < n || j < m) {
        int c = i >= n ? 1 : j >= m ? -1 : eddy_agg_cmp(&acc->u.items[i], &other->u.items[j]);
        if (c <= 0) {
            r.u.items[cnt++] = acc->u.items[i++];
            if (c == 0) j++;
        } else {
            r.u.items[cnt++] = other->u.items[j++];
        }
    }
    r.v_len = cnt;
    *acc = r;
    return 0;
}

static int count_distinct_result(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a) {
    (void)call, (void)a;
    *out = eddy_value_bigint(array_len(acc));
    return 0;
}

const eddy_agg_def eddy_agg_impl_count_distinct = {"COUNT_DISTINCT", count_distinct_prepare, empty_array,
                                                   count_distinct_add, NULL, count_distinct_merge,
                                                   count_distinct_result};
