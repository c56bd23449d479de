/* sqlval.c - eddy values across the SQLite boundary: results, bindings, reading values and columns.
 *
 * The convention is described in sqlval.h.  Two details live here:
 *  - SQLite turns a REAL NaN into NULL, so a DOUBLE NaN crosses as a pointer
 *    value (a static box) and is read back as NaN;
 *  - while a batch is evaluated, the evaluating thread has an environment
 *    (eddy_sqlval_env) whose scratch arena receives the boxes of complex
 *    results, freed at once when the batch is done, so that no result costs a
 *    malloc.  Outside an evaluation, boxes are malloc'd and SQLite frees them
 *    with eddy_sqlbox_free.
 */
#include "engine/expr_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local eddy_sqlval_env *tls_env;

eddy_sqlval_env *eddy_sqlval_env_set(eddy_sqlval_env *env) {
    eddy_sqlval_env *old = tls_env;
    tls_env = env;
    return old;
}

eddy_sqlval_env *eddy_sqlval_env_get(void) { return tls_env; }

static eddy_sqlbox nan_box = {.value = {.v_kind = EDDY_V_DOUBLE, .u = {.d = NAN}}, .arena = NULL, .refs = 1};

void eddy_sqlbox_free(void *p) {
    eddy_sqlbox *box = p;
    if (!box || box == &nan_box) return;
    if (--box->refs > 0) return;
    eddy_arena_destroy(box->arena);
    free(box);
}

const eddy_sqlbox *eddy_sqlval_box(sqlite3_value *v) { return sqlite3_value_pointer(v, EDDY_SQLVAL_PTR_TYPE); }

bool eddy_sqlval_is_null(sqlite3_value *v) {
    return sqlite3_value_type(v) == SQLITE_NULL && !sqlite3_value_pointer(v, EDDY_SQLVAL_PTR_TYPE);
}

eddy_arena *eddy_sqlval_scratch(sqlite3_context *ctx) {
    (void)ctx;
    return tls_env ? tls_env->scratch : NULL;
}

void eddy_sqlval_result_error(sqlite3_context *ctx, const char *msg) {
    sqlite3_result_null(ctx);
    if (tls_env && tls_env->x) eddy_x_row_error(tls_env->x, msg ? msg : "error");
}

void eddy_sqlval_result_double(sqlite3_context *ctx, double d) {
    if (isnan(d)) sqlite3_result_pointer(ctx, &nan_box, EDDY_SQLVAL_PTR_TYPE, NULL);
    else sqlite3_result_double(ctx, d);
}

/* A box for a result or binding: in the scratch arena during an evaluation
 * (no destructor), else on the heap with its own arena. */
static eddy_sqlbox *new_box(const eddy_value *v, bool copy, void (**dtor)(void *)) {
    eddy_arena *scratch = tls_env ? tls_env->scratch : NULL;
    if (scratch) {
        eddy_sqlbox *box = eddy_arena_alloc(scratch, sizeof *box);
        if (!box) return NULL;
        box->value = copy ? eddy_value_copy(scratch, v) : *v;
        if (copy && box->value.v_kind != v->v_kind) return NULL;
        box->refs = 1;
        *dtor = NULL;
        return box;
    }
    eddy_sqlbox *box = calloc(1, sizeof *box);
    if (!box) return NULL;
    box->arena = eddy_arena_new();
    if (!box->arena) {
        free(box);
        return NULL;
    }
    box->refs = 1;
    box->value = eddy_value_copy(box->arena, v);
    if (box->value.v_kind != v->v_kind) {
        eddy_sqlbox_free(box);
        return NULL;
    }
    *dtor = eddy_sqlbox_free;
    return box;
}

static void result(sqlite3_context *ctx, const eddy_value *v, const eddy_type *t, bool copy) {
    switch (v->v_kind) {
    case EDDY_V_NULL: sqlite3_result_null(ctx); return;
    case EDDY_V_BOOL:
    case EDDY_V_INT:
    case EDDY_V_BIGINT:
    case EDDY_V_DATE:
    case EDDY_V_TIME:
    case EDDY_V_TIMESTAMP: sqlite3_result_int64(ctx, v->u.i); return;
    case EDDY_V_DOUBLE: eddy_sqlval_result_double(ctx, v->u.d); return;
    case EDDY_V_STRING:
        sqlite3_result_text(ctx, v->v_len ? v->u.s : "", (int)v->v_len, copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
        return;
    case EDDY_V_BYTES:
        sqlite3_result_blob(ctx, v->v_len ? v->u.s : "", (int)v->v_len, copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
        return;
    default: {
        void (*dtor)(void *) = NULL;
        eddy_sqlbox *box = new_box(v, copy, &dtor);
        if (!box) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        sqlite3_result_pointer(ctx, box, EDDY_SQLVAL_PTR_TYPE, dtor);
        return;
    }
    }
    (void)t;
}

void eddy_sqlval_result(sqlite3_context *ctx, const eddy_value *v, const eddy_type *t) { result(ctx, v, t, true); }

void eddy_sqlval_result_ref(sqlite3_context *ctx, const eddy_value *v, const eddy_type *t) { result(ctx, v, t, false); }

int eddy_sqlval_bind(sqlite3_stmt *stmt, int i, const eddy_value *v, const eddy_type *t) {
    (void)t;
    switch (v->v_kind) {
    case EDDY_V_NULL: return sqlite3_bind_null(stmt, i);
    case EDDY_V_BOOL:
    case EDDY_V_INT:
    case EDDY_V_BIGINT:
    case EDDY_V_DATE:
    case EDDY_V_TIME:
    case EDDY_V_TIMESTAMP: return sqlite3_bind_int64(stmt, i, v->u.i);
    case EDDY_V_DOUBLE:
        if (isnan(v->u.d)) return sqlite3_bind_pointer(stmt, i, &nan_box, EDDY_SQLVAL_PTR_TYPE, NULL);
        return sqlite3_bind_double(stmt, i, v->u.d);
    case EDDY_V_STRING: return sqlite3_bind_text(stmt, i, v->v_len ? v->u.s : "", (int)v->v_len, SQLITE_TRANSIENT);
    case EDDY_V_BYTES: return sqlite3_bind_blob(stmt, i, v->v_len ? v->u.s : "", (int)v->v_len, SQLITE_TRANSIENT);
    default: {
        void (*dtor)(void *) = NULL;
        eddy_sqlbox *box = new_box(v, true, &dtor);
        if (!box) return SQLITE_NOMEM;
        return sqlite3_bind_pointer(stmt, i, box, EDDY_SQLVAL_PTR_TYPE, dtor);
    }
    }
}

int eddy_sqlval_get(sqlite3_value *sv, const eddy_type *t, eddy_arena *a, eddy_value *out) {
    const eddy_sqlbox *box = sqlite3_value_pointer(sv, EDDY_SQLVAL_PTR_TYPE);
    if (box) {
        const eddy_value *v = &box->value;
        if (v->v_kind == EDDY_V_DOUBLE) {
            /* NaN */
            if (t->ty_kind != EDDY_TYPE_DOUBLE) return EDDY_INVAL;
            *out = *v;
            return 0;
        }
        if ((eddy_vkind)v->v_kind != eddy_vkind_of(t)) return EDDY_INVAL;
        if (a) {
            *out = eddy_value_copy(a, v);
            return out->v_kind == v->v_kind ? 0 : EDDY_NOMEM;
        }
        *out = *v;
        return 0;
    }
    int st = sqlite3_value_type(sv);
    if (st == SQLITE_NULL) {
        *out = eddy_value_null();
        return 0;
    }
    switch (t->ty_kind) {
    case EDDY_TYPE_BOOLEAN: *out = eddy_value_bool(sqlite3_value_int64(sv) != 0); return 0;
    case EDDY_TYPE_INT: *out = eddy_value_int((int32_t)sqlite3_value_int64(sv)); return 0;
    case EDDY_TYPE_BIGINT: *out = eddy_value_bigint(sqlite3_value_int64(sv)); return 0;
    case EDDY_TYPE_DATE: *out = eddy_value_i64(EDDY_V_DATE, sqlite3_value_int64(sv)); return 0;
    case EDDY_TYPE_TIME: *out = eddy_value_i64(EDDY_V_TIME, sqlite3_value_int64(sv)); return 0;
    case EDDY_TYPE_TIMESTAMP: *out = eddy_value_i64(EDDY_V_TIMESTAMP, sqlite3_value_int64(sv)); return 0;
    case EDDY_TYPE_DOUBLE: *out = eddy_value_double(sqlite3_value_double(sv)); return 0;
    case EDDY_TYPE_STRING:
    case EDDY_TYPE_BYTES: {
        eddy_vkind k = t->ty_kind == EDDY_TYPE_STRING ? EDDY_V_STRING : EDDY_V_BYTES;
        const char *p = k == EDDY_V_STRING ? (const char *)sqlite3_value_text(sv) : sqlite3_value_blob(sv);
        size_t n = (size_t)sqlite3_value_bytes(sv);
        if (!p && n) return EDDY_NOMEM;
        if (a) {
            *out = eddy_value_str_copy(a, k, p ? p : "", n);
            return out->v_kind == k ? 0 : EDDY_NOMEM;
        }
        *out = eddy_value_str(k, p ? p : "", n);
        return 0;
    }
    case EDDY_TYPE_DECIMAL: {
        /* an integer where a DECIMAL was expected: scale 0 */
        if (st != SQLITE_INTEGER) return EDDY_INVAL;
        eddy_arena *ar = a ? a : (tls_env ? tls_env->scratch : NULL);
        if (!ar) return EDDY_INVAL;
        *out = eddy_value_decimal(ar, sqlite3_value_int64(sv), 0);
        return out->v_kind == EDDY_V_DECIMAL ? 0 : EDDY_NOMEM;
    }
    default: return EDDY_INVAL;
    }
}

int eddy_sqlval_column(sqlite3_stmt *stmt, int i, const eddy_type *t, eddy_arena *a, eddy_value *out) {
    return eddy_sqlval_get(sqlite3_column_value(stmt, i), t, a, out);
}
