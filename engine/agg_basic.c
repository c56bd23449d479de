/* agg_basic.c - ksqlDB's numeric and single-value aggregates: COUNT, SUM, AVG, MIN, MAX, ATTR, SUM_LIST, STDDEV_SAMP, CORRELATION.
 *
 * Integer sums wrap around as Java's int and long arithmetic does; a DECIMAL
 * SUM keeps its column's precision and scale and fails (EDDY_RANGE) when the
 * sum no longer fits, as ksqlDB's "Numeric field overflow" does.  An
 * accumulator that is NULL or not of the expected shape counts as empty.
 */
#include "engine/agg_int.h"

#include <math.h>
#include <string.h>

/* ---- numbers ------------------------------------------------------------- */

static int32_t wrap32(uint64_t x) { return (int32_t)(uint32_t)x; }
static int64_t wrap64(uint64_t x) { return (int64_t)x; }

static eddy_int128 pow10_128(int n) {
    eddy_int128 p = 1;
    while (n-- > 0) p *= 10;
    return p;
}

/* An INT, BIGINT or DECIMAL value as an unscaled number at `scale` (rounding
 * half up when the value has more digits); NULL is 0. */
static eddy_int128 unscaled_at(const eddy_value *v, int scale) {
    eddy_int128 x;
    int s;
    switch (v->v_kind) {
    case EDDY_V_DECIMAL: x = *v->u.dec; s = v->v_scale; break;
    case EDDY_V_INT:
    case EDDY_V_BIGINT: x = v->u.i; s = 0; break;
    default: return 0;
    }
    while (s < scale) x *= 10, s++;
    if (s > scale) {
        eddy_int128 d = pow10_128(s - scale), q = x / d, r = x % d;
        if (r < 0) r = -r;
        if (2 * r >= d) q += x < 0 ? -1 : 1;
        x = q;
    }
    return x;
}

/* x + y (or x - y) in the kind `kind` (INT, BIGINT, DOUBLE, DECIMAL at
 * `scale`); NULL operands are 0.  EDDY_RANGE when a DECIMAL leaves int128. */
static int num_combine(int kind, int scale, const eddy_value *x, const eddy_value *y, bool sub, eddy_value *out,
                       eddy_arena *a) {
    switch (kind) {
    case EDDY_V_INT:
    case EDDY_V_BIGINT: {
        uint64_t p = x->v_kind == EDDY_V_NULL ? 0 : (uint64_t)x->u.i;
        uint64_t q = y->v_kind == EDDY_V_NULL ? 0 : (uint64_t)y->u.i;
        uint64_t r = sub ? p - q : p + q;
        *out = kind == EDDY_V_INT ? eddy_value_int(wrap32(r)) : eddy_value_bigint(wrap64(r));
        return 0;
    }
    case EDDY_V_DOUBLE: {
        double p = eddy_agg_to_double(x), q = eddy_agg_to_double(y);
        *out = eddy_value_double(sub ? p - q : p + q);
        return 0;
    }
    case EDDY_V_DECIMAL: {
        eddy_int128 p = unscaled_at(x, scale), q = unscaled_at(y, scale), r;
        if (sub ? __builtin_sub_overflow(p, q, &r) : __builtin_add_overflow(p, q, &r)) return EDDY_RANGE;
        *out = eddy_value_decimal(a, r, scale);
        return out->v_kind == EDDY_V_DECIMAL ? 0 : EDDY_NOMEM;
    }
    default: return EDDY_INVAL;
    }
}

static eddy_value num_zero(int kind, int scale, eddy_arena *a) {
    switch (kind) {
    case EDDY_V_INT: return eddy_value_int(0);
    case EDDY_V_BIGINT: return eddy_value_bigint(0);
    case EDDY_V_DOUBLE: return eddy_value_double(0.0);
    case EDDY_V_DECIMAL: return eddy_value_decimal(a, 0, scale);
    default: return eddy_value_null();
    }
}

/* The numeric variant (INT, BIGINT, DOUBLE) a one-argument INT / BIGINT /
 * DOUBLE function takes for argument kind k: a DECIMAL widens to DOUBLE as
 * ksqlDB's implicit cast does.  -1 when none. */
static int int_long_double_variant(int k) {
    switch (k) {
    case EDDY_TYPE_INT: return EDDY_V_INT;
    case EDDY_TYPE_BIGINT: return EDDY_V_BIGINT;
    case EDDY_TYPE_DOUBLE:
    case EDDY_TYPE_DECIMAL: return EDDY_V_DOUBLE;
    default: return -1;
    }
}

static int64_t acc_i64(const eddy_value *acc) { return acc->v_kind == EDDY_V_NULL ? 0 : acc->u.i; }

/* Field i of a STRUCT accumulator of n fields, or a NULL value. */
static const eddy_value *field(const eddy_value *acc, uint32_t n, uint32_t i) {
    static const eddy_value null_value;
    if (acc->v_kind != EDDY_V_STRUCT || acc->v_len != n) return &null_value;
    return &acc->u.items[i];
}

/* ---- COUNT --------------------------------------------------------------- */

static int count_prepare(eddy_agg_call *call, eddy_err *err) {
    if (call->nargs > 1) return eddy_agg_refuse(call, err);
    call->nrow_args = call->nargs; /* COUNT(*) and COUNT(): every row */
    return eddy_agg_set_result(call, eddy_type_primitive(EDDY_TYPE_BIGINT), err);
}

static int bigint_init(const eddy_agg_call *call, eddy_value *acc, eddy_arena *a) {
    (void)call, (void)a;
    *acc = eddy_value_bigint(0);
    return 0;
}

static int count_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, const eddy_agg_row *row,
                     eddy_arena *a) {
    (void)row, (void)a;
    if (call->nrow_args == 0 || args[0].v_kind != EDDY_V_NULL)
        *acc = eddy_value_bigint(wrap64((uint64_t)acc_i64(acc) + 1));
    return 0;
}

static int count_undo(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, eddy_arena *a) {
    (void)a;
    if (call->nrow_args == 0 || args[0].v_kind != EDDY_V_NULL)
        *acc = eddy_value_bigint(wrap64((uint64_t)acc_i64(acc) - 1));
    return 0;
}

static int count_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    (void)call, (void)a;
    *acc = eddy_value_bigint(wrap64((uint64_t)acc_i64(acc) + (uint64_t)acc_i64(other)));
    return 0;
}

static int bigint_result(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a) {
    (void)call, (void)a;
    *out = eddy_value_bigint(acc_i64(acc));
    return 0;
}

const eddy_agg_def eddy_agg_impl_count = {"COUNT", count_prepare, bigint_init, count_add, count_undo, count_merge,
                                          bigint_result};

/* ---- SUM ----------------------------------------------------------------- */

static int sum_prepare(eddy_agg_call *call, eddy_err *err) {
    if (call->nargs != 1) return eddy_agg_refuse(call, err);
    switch (eddy_agg_arg_kind(call, 0)) {
    case EDDY_TYPE_INT:
    case EDDY_TYPE_BIGINT:
    case EDDY_TYPE_DOUBLE:
    case EDDY_TYPE_DECIMAL: break;
    default: return eddy_agg_refuse(call, err);
    }
    call->nrow_args = 1;
    call->variant = (int)eddy_vkind_of(call->args[0].type);
    return eddy_agg_set_result(call, eddy_type_ref(call->args[0].type), err);
}

static int sum_scale(const eddy_agg_call *call) {
    return call->variant == EDDY_V_DECIMAL ? call->result->ty_scale : 0;
}

static int sum_init(const eddy_agg_call *call, eddy_value *acc, eddy_arena *a) {
    *acc = num_zero(call->variant, sum_scale(call), a);
    return acc->v_kind == EDDY_V_NULL ? EDDY_NOMEM : 0;
}

static int sum_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, const eddy_agg_row *row,
                   eddy_arena *a) {
    (void)row;
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    eddy_value r;
    int rc = num_combine(call->variant, sum_scale(call), acc, &args[0], false, &r, a);
    if (rc) return rc;
    if (call->variant == EDDY_V_DECIMAL) {
        /* ksqlDB: the sum must stay below 10^(precision - scale) */
        eddy_int128 x = *r.u.dec;
        if ((x < 0 ? -x : x) >= pow10_128(call->result->ty_precision)) return EDDY_RANGE;
    }
    *acc = r;
    return 0;
}

static int sum_undo(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, eddy_arena *a) {
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    return num_combine(call->variant, sum_scale(call), acc, &args[0], true, acc, a);
}

static int sum_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    return num_combine(call->variant, sum_scale(call), acc, other, false, acc, a);
}

static int sum_result(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a) {
    if (acc->v_kind == EDDY_V_NULL) return sum_init(call, out, a);
    return eddy_agg_copy(a, acc, out);
}

const eddy_agg_def eddy_agg_impl_sum = {"SUM", sum_prepare, sum_init, sum_add, sum_undo, sum_merge, sum_result};

/* ---- AVG: STRUCT<SUM T, COUNT BIGINT> -------------------------------------- */

static int double_result_type(eddy_agg_call *call, eddy_err *err) {
    return eddy_agg_set_result(call, eddy_type_primitive(EDDY_TYPE_DOUBLE), err);
}

static int avg_prepare(eddy_agg_call *call, eddy_err *err) {
    if (call->nargs != 1) return eddy_agg_refuse(call, err);
    int v = int_long_double_variant(eddy_agg_arg_kind(call, 0));
    if (v < 0) return eddy_agg_refuse(call, err);
    call->nrow_args = 1;
    call->variant = v;
    call->complex_state = true;
    return double_result_type(call, err);
}

static int avg_make(eddy_value sum, int64_t count, eddy_value *acc, eddy_arena *a) {
    eddy_value s;
    if (eddy_agg_container(a, EDDY_V_STRUCT, 2, &s)) return EDDY_NOMEM;
    s.u.items[0] = sum;
    s.u.items[1] = eddy_value_bigint(count);
    *acc = s;
    return 0;
}

static int avg_init(const eddy_agg_call *call, eddy_value *acc, eddy_arena *a) {
    return avg_make(num_zero(call->variant, 0, a), 0, acc, a);
}

static int avg_step(const eddy_agg_call *call, eddy_value *acc, const eddy_value *x, int64_t dcount, bool sub,
                    eddy_arena *a) {
    eddy_value sum;
    int rc = num_combine(call->variant, 0, field(acc, 2, 0), x, sub, &sum, a);
    if (rc) return rc;
    uint64_t c = (uint64_t)acc_i64(field(acc, 2, 1));
    return avg_make(sum, wrap64(sub ? c - (uint64_t)dcount : c + (uint64_t)dcount), acc, a);
}

static int avg_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, const eddy_agg_row *row,
                   eddy_arena *a) {
    (void)row;
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    eddy_value x = eddy_agg_widen(&args[0], (eddy_vkind)call->variant);
    return avg_step(call, acc, &x, 1, false, a);
}

static int avg_undo(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, eddy_arena *a) {
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    eddy_value x = eddy_agg_widen(&args[0], (eddy_vkind)call->variant);
    return avg_step(call, acc, &x, 1, true, a);
}

static int avg_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    return avg_step(call, acc, field(other, 2, 0), acc_i64(field(other, 2, 1)), false, a);
}

static int avg_result(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a) {
    (void)call, (void)a;
    int64_t count = acc_i64(field(acc, 2, 1));
    *out = eddy_value_double(count == 0 ? 0.0 : eddy_agg_to_double(field(acc, 2, 0)) / (double)count);
    return 0;
}

const eddy_agg_def eddy_agg_impl_avg = {"AVG", avg_prepare, avg_init, avg_add, avg_undo, avg_merge, avg_result};

/* ---- MIN / MAX ----------------------------------------------------------- */

static int minmax_prepare(eddy_agg_call *call, eddy_err *err, int sign) {
    if (call->nargs != 1) return eddy_agg_refuse(call, err);
    switch (eddy_agg_arg_kind(call, 0)) {
    case EDDY_TYPE_INT:
    case EDDY_TYPE_BIGINT:
    case EDDY_TYPE_DOUBLE:
    case EDDY_TYPE_DECIMAL:
    case EDDY_TYPE_DATE:
    case EDDY_TYPE_TIME:
    case EDDY_TYPE_TIMESTAMP:
    case EDDY_TYPE_STRING:
    case EDDY_TYPE_BYTES: break;
    default: return eddy_agg_refuse(call, err);
    }
    call->nrow_args = 1;
    call->variant = sign;
    return eddy_agg_set_result(call, eddy_type_ref(call->args[0].type), err);
}

static int min_prepare(eddy_agg_call *call, eddy_err *err) { return minmax_prepare(call, err, -1); }
static int max_prepare(eddy_agg_call *call, eddy_err *err) { return minmax_prepare(call, err, 1); }

static int null_init(const eddy_agg_call *call, eddy_value *acc, eddy_arena *a) {
    (void)call, (void)a;
    *acc = eddy_value_null();
    return 0;
}

/* Whether x beats the current best y (MIN: smaller, MAX: larger).  A tie goes
 * to the new value, as in ksqlDB. */
static bool minmax_keeps(const eddy_agg_call *call, const eddy_value *best, const eddy_value *x) {
    int c = eddy_agg_cmp(best, x);
    return call->variant < 0 ? c < 0 : c > 0;
}

static int minmax_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, const eddy_agg_row *row,
                      eddy_arena *a) {
    (void)row;
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    if (acc->v_kind != EDDY_V_NULL && minmax_keeps(call, acc, &args[0])) return 0;
    return eddy_agg_copy(a, &args[0], acc);
}

static int minmax_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    (void)a;
    if (other->v_kind == EDDY_V_NULL) return 0;
    if (acc->v_kind == EDDY_V_NULL || !minmax_keeps(call, acc, other)) *acc = *other;
    return 0;
}

static int copy_result(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a) {
    (void)call;
    return eddy_agg_copy(a, acc, out);
}

const eddy_agg_def eddy_agg_impl_min = {"MIN", min_prepare, null_init, minmax_add, NULL, minmax_merge, copy_result};
const eddy_agg_def eddy_agg_impl_max = {"MAX", max_prepare, null_init, minmax_add, NULL, minmax_merge, copy_result};

/* ---- ATTR: ARRAY<STRUCT<VALUE T, COUNT INT>> -------------------------------- */

static int attr_prepare(eddy_agg_call *call, eddy_err *err) {
    if (call->nargs != 1 || !call->args[0].type) return eddy_agg_refuse(call, err);
    call->nrow_args = 1;
    call->complex_state = true;
    return eddy_agg_set_result(call, eddy_type_ref(call->args[0].type), err);
}

static int empty_array_init(const eddy_agg_call *call, eddy_value *acc, eddy_arena *a) {
    (void)call;
    return eddy_agg_container(a, EDDY_V_ARRAY, 0, acc);
}

static uint32_t array_len(const eddy_value *v) { return v->v_kind == EDDY_V_ARRAY ? v->v_len : 0; }

static bool attr_entry_ok(const eddy_value *e) { return e->v_kind == EDDY_V_STRUCT && e->v_len == 2; }

/* Adds delta to the count of value v (never below 0); a value not yet seen
 * gets an entry only when delta is positive. */
static int attr_update(eddy_value *acc, const eddy_value *v, int64_t delta, eddy_arena *a) {
    uint32_t n = array_len(acc);
    for (uint32_t i = 0; i < n; i++) {
        const eddy_value *e = &acc->u.items[i];
        if (!attr_entry_ok(e) || !eddy_agg_eq(&e->u.items[0], v)) continue;
        int64_t c = acc_i64(&e->u.items[1]) + delta;
        eddy_value arr, ent;
        if (eddy_agg_container(a, EDDY_V_ARRAY, n, &arr) || eddy_agg_container(a, EDDY_V_STRUCT, 2, &ent))
            return EDDY_NOMEM;
        memcpy(arr.u.items, acc->u.items, n * sizeof(eddy_value));
        ent.u.items[0] = e->u.items[0];
        ent.u.items[1] = eddy_value_int(wrap32((uint64_t)(c < 0 ? 0 : c)));
        arr.u.items[i] = ent;
        *acc = arr;
        return 0;
    }
    if (delta <= 0) return 0;
    eddy_value arr, ent;
    if (eddy_agg_container(a, EDDY_V_ARRAY, n + 1, &arr) || eddy_agg_container(a, EDDY_V_STRUCT, 2, &ent))
        return EDDY_NOMEM;
    if (n) memcpy(arr.u.items, acc->u.items, n * sizeof(eddy_value));
    if (eddy_agg_copy(a, v, &ent.u.items[0])) return EDDY_NOMEM;
    ent.u.items[1] = eddy_value_int(wrap32((uint64_t)delta));
    arr.u.items[n] = ent;
    *acc = arr;
    return 0;
}

static int attr_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, const eddy_agg_row *row,
                    eddy_arena *a) {
    (void)call, (void)row;
    return attr_update(acc, &args[0], 1, a);
}

static int attr_undo(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, eddy_arena *a) {
    (void)call;
    return attr_update(acc, &args[0], -1, a);
}

static int attr_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    (void)call;
    for (uint32_t i = 0; i < array_len(other); i++) {
        const eddy_value *e = &other->u.items[i];
        if (!attr_entry_ok(e)) continue;
        int rc = attr_update(acc, &e->u.items[0], acc_i64(&e->u.items[1]), a);
        if (rc) return rc;
    }
    return 0;
}

static int attr_result(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a) {
    (void)call;
    const eddy_value *only = NULL;
    int live = 0;
    for (uint32_t i = 0; i < array_len(acc); i++) {
        const eddy_value *e = &acc->u.items[i];
        if (attr_entry_ok(e) && acc_i64(&e->u.items[1]) > 0) {
            only = &e->u.items[0];
            live++;
        }
    }
    if (live != 1) {
        *out = eddy_value_null();
        return 0;
    }
    return eddy_agg_copy(a, only, out);
}

const eddy_agg_def eddy_agg_impl_attr = {"ATTR", attr_prepare, empty_array_init, attr_add, attr_undo, attr_merge,
                                         attr_result};

/* ---- SUM_LIST ------------------------------------------------------------ */

static int sum_list_prepare(eddy_agg_call *call, eddy_err *err) {
    if (call->nargs != 1 || eddy_agg_arg_kind(call, 0) != EDDY_TYPE_ARRAY) return eddy_agg_refuse(call, err);
    eddy_type *elem = call->args[0].type->ty_elem;
    if (!elem) return eddy_agg_refuse(call, err);
    switch (elem->ty_kind) {
    case EDDY_TYPE_INT:
    case EDDY_TYPE_BIGINT:
    case EDDY_TYPE_DOUBLE: break;
    default: return eddy_agg_refuse(call, err);
    }
    call->nrow_args = 1;
    call->variant = (int)eddy_vkind_of(elem);
    return eddy_agg_set_result(call, eddy_type_primitive(elem->ty_kind), err);
}

static int sum_list_init(const eddy_agg_call *call, eddy_value *acc, eddy_arena *a) {
    *acc = num_zero(call->variant, 0, a);
    return 0;
}

/* The sum of the list's non-null elements, as ksqlDB sums one list. */
static eddy_value list_sum(const eddy_agg_call *call, const eddy_value *list) {
    eddy_value s = num_zero(call->variant, 0, NULL);
    for (uint32_t i = 0; i < array_len(list); i++) {
        const eddy_value *x = &list->u.items[i];
        if (x->v_kind == EDDY_V_NULL) continue;
        eddy_value w = eddy_agg_widen(x, (eddy_vkind)call->variant);
        num_combine(call->variant, 0, &s, &w, false, &s, NULL); /* never fails for INT/BIGINT/DOUBLE */
    }
    return s;
}

static int sum_list_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, const eddy_agg_row *row,
                        eddy_arena *a) {
    (void)row;
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    eddy_value s = list_sum(call, &args[0]);
    return num_combine(call->variant, 0, acc, &s, false, acc, a);
}

static int sum_list_undo(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, eddy_arena *a) {
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    eddy_value s = list_sum(call, &args[0]);
    return num_combine(call->variant, 0, acc, &s, true, acc, a);
}

static int sum_list_result(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a) {
    if (acc->v_kind == EDDY_V_NULL) return sum_list_init(call, out, a);
    *out = *acc;
    return 0;
}

const eddy_agg_def eddy_agg_impl_sum_list = {"SUM_LIST", sum_list_prepare, sum_list_init, sum_list_add,
                                             sum_list_undo, sum_merge, sum_list_result};

/* ---- STDDEV_SAMP: STRUCT<SUM T, COUNT BIGINT, M2 DOUBLE> ---------------------
 *
 * Youngs-Cramer updates of M2, the sum of squared deviations, exactly as
 * ksqlDB computes them (integer parts in Java's wrapping arithmetic).  The
 * result is ksqlDB's: M2 / (COUNT - 1), i.e. the sample variance (ksqlDB
 * issue 8345; its STDDEV_SAMPLE takes the square root), 0.0 below 2 values. */

static int stddev_prepare(eddy_agg_call *call, eddy_err *err) {
    if (call->nargs != 1) return eddy_agg_refuse(call, err);
    int v = int_long_double_variant(eddy_agg_arg_kind(call, 0));
    if (v < 0) return eddy_agg_refuse(call, err);
    call->nrow_args = 1;
    call->variant = v;
    call->complex_state = true;
    return double_result_type(call, err);
}

static int stddev_make(eddy_value sum, int64_t count, double m2, eddy_value *acc, eddy_arena *a) {
    eddy_value s;
    if (eddy_agg_container(a, EDDY_V_STRUCT, 3, &s)) return EDDY_NOMEM;
    s.u.items[0] = sum;
    s.u.items[1] = eddy_value_bigint(count);
    s.u.items[2] = eddy_value_double(m2);
    *acc = s;
    return 0;
}

static int stddev_init(const eddy_agg_call *call, eddy_value *acc, eddy_arena *a) {
    return stddev_make(num_zero(call->variant, 0, a), 0, 0.0, acc, a);
}

/* ksqlDB's delta for value x against an aggregate of `count` values summing
 * to `sum`: x * (count + 1) - (sum + x). */
static double stddev_delta(const eddy_agg_call *call, const eddy_value *sum, int64_t count, const eddy_value *x) {
    if (call->variant == EDDY_V_DOUBLE) {
        double v = eddy_agg_to_double(x);
        return v * (double)(count + 1) - (eddy_agg_to_double(sum) + v);
    }
    uint64_t v = (uint64_t)x->u.i, s = sum->v_kind == EDDY_V_NULL ? 0 : (uint64_t)sum->u.i;
    int64_t inner = call->variant == EDDY_V_INT ? (int64_t)wrap32(s + v) : wrap64(s + v);
    return (double)wrap64(v * (uint64_t)(count + 1) - (uint64_t)inner);
}

static int stddev_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, const eddy_agg_row *row,
                      eddy_arena *a) {
    (void)row;
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    eddy_value x = eddy_agg_widen(&args[0], (eddy_vkind)call->variant);
    const eddy_value *sum = field(acc, 3, 0);
    int64_t count = acc_i64(field(acc, 3, 1)), n = count + 1;
    double m2 = eddy_agg_to_double(field(acc, 3, 2)), dm2 = 0.0;
    if (count > 0) {
        double d = stddev_delta(call, sum, count, &x);
        dm2 = d * d / (double)(n * (n - 1));
    }
    eddy_value ns;
    int rc = num_combine(call->variant, 0, sum, &x, false, &ns, a);
    return rc ? rc : stddev_make(ns, n, dm2 + m2, acc, a);
}

static int stddev_undo(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, eddy_arena *a) {
    if (args[0].v_kind == EDDY_V_NULL) return 0;
    eddy_value x = eddy_agg_widen(&args[0], (eddy_vkind)call->variant);
    const eddy_value *sum = field(acc, 3, 0);
    int64_t count = acc_i64(field(acc, 3, 1)), n = count - 1;
    double m2 = eddy_agg_to_double(field(acc, 3, 2)), dm2 = 0.0;
    if (n > 0) {
        double d = stddev_delta(call, sum, count, &x);
        dm2 = d * d / (double)(n * (n + 1));
    }
    eddy_value ns;
    int rc = num_combine(call->variant, 0, sum, &x, true, &ns, a);
    return rc ? rc : stddev_make(ns, n, m2 - dm2, acc, a);
}

static int stddev_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    int64_t c1 = acc_i64(field(acc, 3, 1)), c2 = acc_i64(field(other, 3, 1)), n = c1 + c2;
    double m1 = eddy_agg_to_double(field(acc, 3, 2)), m2 = eddy_agg_to_double(field(other, 3, 2)), m;
    const eddy_value *s1 = field(acc, 3, 0), *s2 = field(other, 3, 0);
    if (c1 == 0 || c2 == 0) {
        m = m1 + m2;
    } else {
        double inner = eddy_agg_to_double(s1) / (double)c1 - eddy_agg_to_double(s2) / (double)c2;
        m = m1 + m2 + (double)(c1 * c2) * inner * inner / (double)n;
    }
    eddy_value ns;
    int rc = num_combine(call->variant, 0, s1, s2, false, &ns, a);
    return rc ? rc : stddev_make(ns, n, m, acc, a);
}

static int stddev_result(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a) {
    (void)call, (void)a;
    int64_t count = acc_i64(field(acc, 3, 1));
    *out = eddy_value_double(count < 2 ? 0.0 : eddy_agg_to_double(field(acc, 3, 2)) / (double)(count - 1));
    return 0;
}

const eddy_agg_def eddy_agg_impl_stddev_samp = {"STDDEV_SAMP", stddev_prepare, stddev_init, stddev_add,
                                                stddev_undo, stddev_merge, stddev_result};

/* ---- CORRELATION: STRUCT<X_SUM, Y_SUM, X_SQUARED_SUM, Y_SQUARED_SUM, XY_SUM DOUBLE, COUNT BIGINT> */

enum { C_X, C_Y, C_XX, C_YY, C_XY, C_N, C_FIELDS };

static int corr_prepare(eddy_agg_call *call, eddy_err *err) {
    if (call->nargs != 2) return eddy_agg_refuse(call, err);
    for (int i = 0; i < 2; i++)
        if (int_long_double_variant(eddy_agg_arg_kind(call, i)) < 0) return eddy_agg_refuse(call, err);
    call->nrow_args = 2;
    call->complex_state = true;
    return double_result_type(call, err);
}

static int corr_make(const double *d, int64_t n, eddy_value *acc, eddy_arena *a) {
    eddy_value s;
    if (eddy_agg_container(a, EDDY_V_STRUCT, C_FIELDS, &s)) return EDDY_NOMEM;
    for (int i = 0; i < C_N; i++) s.u.items[i] = eddy_value_double(d[i]);
    s.u.items[C_N] = eddy_value_bigint(n);
    *acc = s;
    return 0;
}

static int corr_init(const eddy_agg_call *call, eddy_value *acc, eddy_arena *a) {
    (void)call;
    static const double zero[C_N];
    return corr_make(zero, 0, acc, a);
}

static void corr_read(const eddy_value *acc, double *d, int64_t *n) {
    for (int i = 0; i < C_N; i++) d[i] = eddy_agg_to_double(field(acc, C_FIELDS, (uint32_t)i));
    *n = acc_i64(field(acc, C_FIELDS, C_N));
}

static int corr_step(eddy_value *acc, const eddy_value *args, double sign, eddy_arena *a) {
    if (args[0].v_kind == EDDY_V_NULL || args[1].v_kind == EDDY_V_NULL) return 0;
    double x = eddy_agg_to_double(&args[0]), y = eddy_agg_to_double(&args[1]), d[C_N];
    int64_t n;
    corr_read(acc, d, &n);
    d[C_X] += sign * x;
    d[C_Y] += sign * y;
    d[C_XX] += sign * (x * x);
    d[C_YY] += sign * (y * y);
    d[C_XY] += sign * (x * y);
    return corr_make(d, n + (sign > 0 ? 1 : -1), acc, a);
}

static int corr_add(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, const eddy_agg_row *row,
                    eddy_arena *a) {
    (void)call, (void)row;
    return corr_step(acc, args, 1.0, a);
}

static int corr_undo(const eddy_agg_call *call, eddy_value *acc, const eddy_value *args, eddy_arena *a) {
    (void)call;
    return corr_step(acc, args, -1.0, a);
}

static int corr_merge(const eddy_agg_call *call, eddy_value *acc, const eddy_value *other, eddy_arena *a) {
    (void)call;
    double d[C_N], e[C_N];
    int64_t n, m;
    corr_read(acc, d, &n);
    corr_read(other, e, &m);
    for (int i = 0; i < C_N; i++) d[i] += e[i];
    return corr_make(d, n + m, acc, a);
}

static int corr_result(const eddy_agg_call *call, const eddy_value *acc, eddy_value *out, eddy_arena *a) {
    (void)call, (void)a;
    double d[C_N];
    int64_t n;
    corr_read(acc, d, &n);
    double cnt = (double)n;
    double num = cnt * d[C_XY] - d[C_X] * d[C_Y];
    double dx = cnt * d[C_XX] - d[C_X] * d[C_X];
    double dy = cnt * d[C_YY] - d[C_Y] * d[C_Y];
    *out = eddy_value_double(num / sqrt(dx * dy)); /* NaN below two points, as in ksqlDB */
    return 0;
}

const eddy_agg_def eddy_agg_impl_correlation = {"CORRELATION", corr_prepare, corr_init, corr_add, corr_undo,
                                                corr_merge, corr_result};
