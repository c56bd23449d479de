/* fn_collections.c - ksqlDB's array and map functions: ARRAY_CONCAT,
 * ARRAY_CONTAINS, ARRAY_DISTINCT, ARRAY_EXCEPT, ARRAY_INTERSECT, ARRAY_JOIN,
 * ARRAY_LENGTH, ARRAY_MAX, ARRAY_MIN, ARRAY_REMOVE, ARRAY_SORT, ARRAY_UNION,
 * GENERATE_SERIES, SLICE, AS_MAP, ENTRIES, MAP_KEYS, MAP_VALUES, MAP_UNION.
 *
 * Arrays and maps arrive as eddy_sqlbox pointer values and leave through
 * fn_result (a deep copy into a new box with the call's return type).
 * Elements compare as Java's equals / compareTo do.  Maps keep insertion
 * order where ksqlDB's HashMap has none; a key put twice keeps its first
 * place and takes the last value.
 */
#include "engine/fn_impl.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

/* The array (or map) argument i, or NULL when it is NULL. */
static const eddy_value *container_arg(sqlite3_value **argv, int i, eddy_vkind kind) {
    const eddy_value *v = fn_box(argv[i]);
    return v && v->v_kind == kind ? v : NULL;
}

static void result_vec(sqlite3_context *ctx, const fn_vec *v) {
    if (v->failed) {
        fn_nomem(ctx);
        return;
    }
    eddy_value arr = fn_vec_array(v);
    fn_result(ctx, &arr);
}

/* Gives a scalar read from SQLite the kind of the array's elements, so that
 * Java's equals sees the same type (the compiler passes e.g. an INT
 * argument as a plain integer). */
static eddy_value like_elements(eddy_value x, const eddy_value *arr) {
    eddy_vkind k = EDDY_V_NULL;
    for (uint32_t i = 0; i < arr->v_len && k == EDDY_V_NULL; i++) k = (eddy_vkind)arr->u.items[i].v_kind;
    if (k == EDDY_V_NULL || x.v_kind == k || x.v_kind == EDDY_V_NULL) return x;
    bool xi = x.v_kind == EDDY_V_BIGINT || x.v_kind == EDDY_V_INT || x.v_kind == EDDY_V_BOOL;
    switch (k) {
    case EDDY_V_BOOL:
    case EDDY_V_INT:
    case EDDY_V_BIGINT:
    case EDDY_V_DATE:
    case EDDY_V_TIME:
    case EDDY_V_TIMESTAMP:
        if (xi) x.v_kind = (uint8_t)k;
        break;
    case EDDY_V_DOUBLE:
        if (xi) x = eddy_value_double((double)x.u.i);
        break;
    case EDDY_V_STRING:
    case EDDY_V_BYTES:
        if (x.v_kind == EDDY_V_STRING || x.v_kind == EDDY_V_BYTES) x.v_kind = (uint8_t)k;
        break;
    default: break;
    }
    return x;
}

static bool contains(const eddy_value *arr, uint32_t n, const eddy_value *x) {
    for (uint32_t i = 0; i < n; i++)
        if (fn_java_equal(&arr[i], x)) return true;
    return false;
}

/* A small hash set of values, for the distinct-preserving functions. */
typedef struct vset {
    const eddy_value **slots;
    size_t cap, n;
} vset;

static bool vset_init(vset *s, size_t expect) {
    size_t cap = 16;
    while (cap < expect * 2 + 1) cap *= 2;
    s->slots = calloc(cap, sizeof *s->slots);
    s->cap = cap;
    s->n = 0;
    return s->slots != NULL;
}

static void vset_fini(vset *s) {
    free(s->slots);
}

static uint64_t value_hash(const eddy_value *v) {
    if (v->v_kind == EDDY_V_DECIMAL) return (uint64_t)v->v_scale * 31 + eddy_value_hash(v);
    return eddy_value_hash(v);
}

/* Adds x; false when it was already there.  The set must have room. */
static bool vset_add(vset *s, const eddy_value *x) {
    size_t i = (size_t)value_hash(x) & (s->cap - 1);
    while (s->slots[i]) {
        if (fn_java_equal(s->slots[i], x)) return false;
        i = (i + 1) & (s->cap - 1);
    }
    s->slots[i] = x;
    s->n++;
    return true;
}

static bool vset_has(const vset *s, const eddy_value *x) {
    size_t i = (size_t)value_hash(x) & (s->cap - 1);
    while (s->slots[i]) {
        if (fn_java_equal(s->slots[i], x)) return true;
        i = (i + 1) & (s->cap - 1);
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* Arrays                                                                   */

static void fn_array_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const eddy_value *l = container_arg(argv, 0, EDDY_V_ARRAY), *r = container_arg(argv, 1, EDDY_V_ARRAY);
    if (!l && !r) {
        sqlite3_result_null(ctx);
        return;
    }
    fn_vec v;
    fn_vec_init(&v, fn_scratch());
    for (int k = 0; k < 2; k++) {
        const eddy_value *a = k ? r : l;
        for (uint32_t i = 0; a && i < a->v_len; i++) fn_vec_push(&v, a->u.items[i]);
    }
    result_vec(ctx, &v);
}

static void fn_array_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const eddy_value *a = container_arg(argv, 0, EDDY_V_ARRAY);
    if (!a) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    eddy_value x = fn_isnull(argv[1]) ? eddy_value_null() : like_elements(fn_arg(ctx, argv, 1), a);
    sqlite3_result_int(ctx, contains(a->u.items, a->v_len, &x));
}

static void fn_array_distinct(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    const eddy_value *a = container_arg(argv, 0, EDDY_V_ARRAY);
    if (!a) {
        sqlite3_result_null(ctx);
        return;
    }
    vset s;
    if (!vset_init(&s, a->v_len)) {
        fn_nomem(ctx);
        return;
    }
    fn_vec v;
    fn_vec_init(&v, fn_scratch());
    for (uint32_t i = 0; i < a->v_len; i++)
        if (vset_add(&s, &a->u.items[i])) fn_vec_push(&v, a->u.items[i]);
    vset_fini(&s);
    result_vec(ctx, &v);
}

/* ARRAY_EXCEPT (keep = false) and ARRAY_INTERSECT (keep = true): the
 * distinct elements of the left array that are (not) in the right one. */
static void filter_against(sqlite3_context *ctx, int argc, sqlite3_value **argv, bool keep) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    const eddy_value *l = container_arg(argv, 0, EDDY_V_ARRAY), *r = container_arg(argv, 1, EDDY_V_ARRAY);
    if (!l || !r) {
        sqlite3_result_null(ctx);
        return;
    }
    vset right, seen;
    if (!vset_init(&right, r->v_len)) {
        fn_nomem(ctx);
        return;
    }
    if (!vset_init(&seen, l->v_len)) {
        vset_fini(&right);
        fn_nomem(ctx);
        return;
    }
    for (uint32_t i = 0; i < r->v_len; i++) vset_add(&right, &r->u.items[i]);
    fn_vec v;
    fn_vec_init(&v, fn_scratch());
    for (uint32_t i = 0; i < l->v_len; i++) {
        const eddy_value *x = &l->u.items[i];
        if (vset_has(&right, x) == keep && vset_add(&seen, x)) fn_vec_push(&v, *x);
    }
    vset_fini(&right);
    vset_fini(&seen);
    result_vec(ctx, &v);
}

static void fn_array_except(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    filter_against(ctx, argc, argv, false);
}

static void fn_array_intersect(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    filter_against(ctx, argc, argv, true);
}

static void fn_array_union(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    const eddy_value *l = container_arg(argv, 0, EDDY_V_ARRAY), *r = container_arg(argv, 1, EDDY_V_ARRAY);
    if (!l || !r) {
        sqlite3_result_null(ctx);
        return;
    }
    vset s;
    if (!vset_init(&s, (size_t)l->v_len + r->v_len)) {
        fn_nomem(ctx);
        return;
    }
    fn_vec v;
    fn_vec_init(&v, fn_scratch());
    for (int k = 0; k < 2; k++) {
        const eddy_value *a = k ? r : l;
        for (uint32_t i = 0; i < a->v_len; i++)
            if (vset_add(&s, &a->u.items[i])) fn_vec_push(&v, a->u.items[i]);
    }
    vset_fini(&s);
    result_vec(ctx, &v);
}

/* An element's toString() for ARRAY_JOIN; false for types it refuses. */
static bool java_to_string(eddy_strbuf *sb, const eddy_value *v) {
    switch (v->v_kind) {
    case EDDY_V_NULL: eddy_strbuf_puts(sb, "null"); return true;
    case EDDY_V_BOOL: eddy_strbuf_puts(sb, v->u.i ? "true" : "false"); return true;
    case EDDY_V_INT:
    case EDDY_V_BIGINT: eddy_strbuf_printf(sb, "%lld", (long long)v->u.i); return true;
    case EDDY_V_DOUBLE: fn_java_double(sb, v->u.d); return true;
    case EDDY_V_DECIMAL: fn_decimal_string(sb, *v->u.dec, v->v_scale, false); return true;
    case EDDY_V_STRING: eddy_strbuf_append(sb, v->u.s, v->v_len); return true;
    default: return false;
    }
}

static void fn_array_join(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const eddy_value *a = container_arg(argv, 0, EDDY_V_ARRAY);
    if (!a) {
        sqlite3_result_null(ctx);
        return;
    }
    size_t dn = 1;
    const char *d = ",";
    if (argc > 1) d = fn_isnull(argv[1]) ? (dn = 0, "") : fn_text(argv[1], &dn);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    for (uint32_t i = 0; i < a->v_len; i++) {
        if (i) eddy_strbuf_append(&sb, d, dn);
        if (!java_to_string(&sb, &a->u.items[i])) {
            fn_fail(ctx, "error: hit element of a type which is currently not supported");
            eddy_strbuf_fini(&sb);
            return;
        }
    }
    fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
}

static void fn_array_length(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    const eddy_value *a = container_arg(argv, 0, EDDY_V_ARRAY);
    if (!a) sqlite3_result_null(ctx);
    else sqlite3_result_int64(ctx, a->v_len);
}

static void array_extreme(sqlite3_context *ctx, int argc, sqlite3_value **argv, int sign) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    const eddy_value *a = container_arg(argv, 0, EDDY_V_ARRAY);
    if (!a) {
        sqlite3_result_null(ctx);
        return;
    }
    const eddy_value *best = NULL;
    for (uint32_t i = 0; i < a->v_len; i++) {
        const eddy_value *x = &a->u.items[i];
        if (x->v_kind == EDDY_V_NULL) continue;
        if (!best || sign * fn_java_compare(x, best) > 0) best = x;
    }
    if (!best) sqlite3_result_null(ctx);
    else if (best->v_kind == EDDY_V_DECIMAL) fn_result_decimal(ctx, *best->u.dec, best->v_scale);
    else fn_result(ctx, best);
}

static void fn_array_max(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    array_extreme(ctx, argc, argv, 1);
}

static void fn_array_min(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    array_extreme(ctx, argc, argv, -1);
}

static void fn_array_remove(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const eddy_value *a = container_arg(argv, 0, EDDY_V_ARRAY);
    if (!a) {
        sqlite3_result_null(ctx);
        return;
    }
    eddy_value x = fn_isnull(argv[1]) ? eddy_value_null() : like_elements(fn_arg(ctx, argv, 1), a);
    fn_vec v;
    fn_vec_init(&v, fn_scratch());
    for (uint32_t i = 0; i < a->v_len; i++)
        if (!fn_java_equal(&a->u.items[i], &x)) fn_vec_push(&v, a->u.items[i]);
    result_vec(ctx, &v);
}

/* Stable merge sort, NULLs last, ascending or descending. */
static void sort_values(eddy_value *v, eddy_value *tmp, uint32_t n, int dir) {
    if (n < 2) return;
    uint32_t h = n / 2;
    sort_values(v, tmp, h, dir);
    sort_values(v + h, tmp, n - h, dir);
    uint32_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        const eddy_value *a = &v[i], *b = &v[j];
        int c;
        if (a->v_kind == EDDY_V_NULL || b->v_kind == EDDY_V_NULL)
            c = (a->v_kind == EDDY_V_NULL) - (b->v_kind == EDDY_V_NULL);
        else c = dir * fn_java_compare(a, b);
        tmp[k++] = c <= 0 ? v[i++] : v[j++];
    }
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, (size_t)n * sizeof *v);
}

static void fn_array_sort(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    const eddy_value *a = container_arg(argv, 0, EDDY_V_ARRAY);
    if (!a) {
        sqlite3_result_null(ctx);
        return;
    }
    int dir = 1;
    if (argc > 1) {
        size_t n;
        const char *d = fn_text(argv[1], &n);
        if (fn_ieq(d, n, "ASC") || fn_ieq(d, n, "ASCENDING")) dir = 1;
        else if (fn_ieq(d, n, "DESC") || fn_ieq(d, n, "DESCENDING")) dir = -1;
        else {
            sqlite3_result_null(ctx);
            return;
        }
    }
    eddy_arena *ar = fn_scratch();
    eddy_value *items = ar ? eddy_arena_alloc(ar, ((size_t)a->v_len + 1) * sizeof *items) : NULL;
    eddy_value *tmp = ar ? eddy_arena_alloc(ar, ((size_t)a->v_len + 1) * sizeof *tmp) : NULL;
    if (!items || !tmp) {
        fn_nomem(ctx);
        return;
    }
    memcpy(items, a->u.items, (size_t)a->v_len * sizeof *items);
    sort_values(items, tmp, a->v_len, dir);
    eddy_value r = *a;
    r.u.items = items;
    fn_result(ctx, &r);
}

#define SERIES_MAX 10000000

static void fn_generate_series(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    int64_t start = sqlite3_value_int64(argv[0]), end = sqlite3_value_int64(argv[1]);
    int64_t step = argc > 2 ? sqlite3_value_int64(argv[2]) : (end - start > 0 ? 1 : -1);
    if (step == 0) {
        fn_fail(ctx, "GENERATE_SERIES step cannot be zero");
        return;
    }
    __int128 diff = (__int128)end - start;
    if ((diff > 0 && step < 0) || (diff < 0 && step > 0)) {
        fn_fail(ctx, "GENERATE_SERIES step has wrong sign");
        return;
    }
    __int128 size = 1 + diff / step;
    if (size > SERIES_MAX) {
        fn_fail(ctx, "GENERATE_SERIES would produce %lld values, more than %d", (long long)size, SERIES_MAX);
        return;
    }
    const eddy_type *rt = fn_ret_type(ctx);
    eddy_vkind k = rt && rt->ty_kind == EDDY_TYPE_ARRAY && rt->ty_elem ? eddy_vkind_of(rt->ty_elem) : EDDY_V_BIGINT;
    if (k != EDDY_V_INT) k = EDDY_V_BIGINT;
    eddy_arena *a = fn_scratch();
    eddy_value arr = a ? eddy_value_container(a, EDDY_V_ARRAY, (uint32_t)size) : eddy_value_null();
    if (arr.v_kind != EDDY_V_ARRAY) {
        fn_nomem(ctx);
        return;
    }
    for (uint32_t i = 0; i < (uint32_t)size; i++) arr.u.items[i] = eddy_value_i64(k, (int64_t)(start + (__int128)i * step));
    fn_result(ctx, &arr);
}

/* SLICE(list, from, to): 1-based, inclusive; NULL bounds mean the ends; out
 * of range gives NULL (List.subList's exception). */
static void fn_slice(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const eddy_value *a = container_arg(argv, 0, EDDY_V_ARRAY);
    if (!a) {
        sqlite3_result_null(ctx);
        return;
    }
    int64_t start = fn_isnull(argv[1]) ? 0 : sqlite3_value_int64(argv[1]) - 1;
    int64_t end = fn_isnull(argv[2]) ? a->v_len : sqlite3_value_int64(argv[2]);
    if (start < 0 || end > a->v_len || start > end) {
        sqlite3_result_null(ctx);
        return;
    }
    eddy_value r = *a;
    r.u.items = a->u.items + start;
    r.v_len = (uint32_t)(end - start);
    fn_result(ctx, &r);
}

/* ------------------------------------------------------------------------ */
/* Maps                                                                     */

static void fn_as_map(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    const eddy_value *k = container_arg(argv, 0, EDDY_V_ARRAY), *v = container_arg(argv, 1, EDDY_V_ARRAY);
    if (!k || !v) {
        sqlite3_result_null(ctx);
        return;
    }
    fn_vec m;
    fn_vec_init(&m, fn_scratch());
    for (uint32_t i = 0; i < k->v_len; i++)
        fn_map_put(&m, k->u.items[i], i < v->v_len ? v->u.items[i] : eddy_value_null());
    if (m.failed) {
        fn_nomem(ctx);
        return;
    }
    eddy_value r = fn_vec_map(&m);
    fn_result(ctx, &r);
}

static void fn_entries(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    const eddy_value *m = container_arg(argv, 0, EDDY_V_MAP);
    if (!m) {
        sqlite3_result_null(ctx);
        return;
    }
    bool sorted = sqlite3_value_int64(argv[1]) != 0;
    eddy_arena *a = fn_scratch();
    eddy_value arr = a ? eddy_value_container(a, EDDY_V_ARRAY, m->v_len) : eddy_value_null();
    if (arr.v_kind != EDDY_V_ARRAY) {
        fn_nomem(ctx);
        return;
    }
    for (uint32_t i = 0; i < m->v_len; i++) {
        eddy_value s = eddy_value_container(a, EDDY_V_STRUCT, 2);
        if (s.v_kind != EDDY_V_STRUCT) {
            fn_nomem(ctx);
            return;
        }
        s.u.items[0] = m->u.items[2 * i];
        s.u.items[1] = m->u.items[2 * i + 1];
        arr.u.items[i] = s;
    }
    if (sorted) {
        /* by key, a stable insertion sort (keys are strings) */
        for (uint32_t i = 1; i < arr.v_len; i++) {
            eddy_value x = arr.u.items[i];
            uint32_t j = i;
            while (j > 0 && fn_java_compare(&arr.u.items[j - 1].u.items[0], &x.u.items[0]) > 0) {
                arr.u.items[j] = arr.u.items[j - 1];
                j--;
            }
            arr.u.items[j] = x;
        }
    }
    fn_result(ctx, &arr);
}

static void map_part(sqlite3_context *ctx, int argc, sqlite3_value **argv, int which) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    const eddy_value *m = container_arg(argv, 0, EDDY_V_MAP);
    if (!m) {
        sqlite3_result_null(ctx);
        return;
    }
    eddy_arena *a = fn_scratch();
    eddy_value arr = a ? eddy_value_container(a, EDDY_V_ARRAY, m->v_len) : eddy_value_null();
    if (arr.v_kind != EDDY_V_ARRAY) {
        fn_nomem(ctx);
        return;
    }
    for (uint32_t i = 0; i < m->v_len; i++) arr.u.items[i] = m->u.items[2 * i + which];
    fn_result(ctx, &arr);
}

static void fn_map_keys(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    map_part(ctx, argc, argv, 0);
}

static void fn_map_values(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    map_part(ctx, argc, argv, 1);
}

static void fn_map_union(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const eddy_value *l = container_arg(argv, 0, EDDY_V_MAP), *r = container_arg(argv, 1, EDDY_V_MAP);
    if (!l && !r) {
        sqlite3_result_null(ctx);
        return;
    }
    fn_vec m;
    fn_vec_init(&m, fn_scratch());
    for (int k = 0; k < 2; k++) {
        const eddy_value *x = k ? r : l;
        for (uint32_t i = 0; x && i < x->v_len; i++) fn_map_put(&m, x->u.items[2 * i], x->u.items[2 * i + 1]);
    }
    if (m.failed) {
        fn_nomem(ctx);
        return;
    }
    eddy_value res = fn_vec_map(&m);
    fn_result(ctx, &res);
}

const fn_row eddy_fn_collections_rows[] = {
    {"ARRAY_CONCAT", -1, fn_array_concat},
    {"ARRAY_CONTAINS", -1, fn_array_contains},
    {"ARRAY_DISTINCT", -1, fn_array_distinct},
    {"ARRAY_EXCEPT", -1, fn_array_except},
    {"ARRAY_INTERSECT", -1, fn_array_intersect},
    {"ARRAY_JOIN", -1, fn_array_join},
    {"ARRAY_LENGTH", -1, fn_array_length},
    {"ARRAY_MAX", -1, fn_array_max},
    {"ARRAY_MIN", -1, fn_array_min},
    {"ARRAY_REMOVE", -1, fn_array_remove},
    {"ARRAY_SORT", -1, fn_array_sort},
    {"ARRAY_UNION", -1, fn_array_union},
    {"AS_MAP", -1, fn_as_map},
    {"ENTRIES", -1, fn_entries},
    {"GENERATE_SERIES", -1, fn_generate_series},
    {"MAP_KEYS", -1, fn_map_keys},
    {"MAP_UNION", -1, fn_map_union},
    {"MAP_VALUES", -1, fn_map_values},
    {"SLICE", -1, fn_slice},
};
const int eddy_fn_collections_rows_count =
    (int)(sizeof eddy_fn_collections_rows / sizeof eddy_fn_collections_rows[0]);
