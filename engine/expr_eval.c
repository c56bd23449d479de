/* expr_eval.c - running compiled expressions: the virtual table over a batch, the evaluation loop, constants.
 *
 * Each compiled eddy_exprs has an (eponymous) virtual table `batch` whose rows are the
 * rows of the batch being evaluated: columns c0..c<n-1> are the row's values,
 * rt/rp/ro its ROWTIME, ROWPARTITION and ROWOFFSET, and rowid its index.
 * eddy_exprs_eval points the table at the batch, steps the one prepared
 * statement and converts the result columns into the output batch.  Values
 * are handed to SQLite without copying (strings as SQLITE_STATIC, complex
 * values as boxes in the scratch arena): the input batch does not change
 * while it is evaluated.
 */
#include "engine/expr_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the virtual table ------------------------------------------------------- */

typedef struct bvtab {
    sqlite3_vtab base;
    eddy_exprs *x;
} bvtab;

typedef struct bcursor {
    sqlite3_vtab_cursor base;
    eddy_exprs *x;
    size_t row;
} bcursor;

static int b_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **errmsg) {
    eddy_exprs *x = aux;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_strbuf_puts(&sb, "CREATE TABLE x(");
    for (int i = 0; i < x->ncols; i++) eddy_strbuf_printf(&sb, "c%d, ", i);
    eddy_strbuf_puts(&sb, "rt, rp, ro)");
    int rc = sb.failed ? SQLITE_NOMEM : sqlite3_declare_vtab(db, eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    if (rc != SQLITE_OK) return rc;
    bvtab *t = sqlite3_malloc(sizeof *t);
    if (!t) return SQLITE_NOMEM;
    memset(t, 0, sizeof *t);
    t->x = x;
    *out = &t->base;
    return SQLITE_OK;
}

static int b_disconnect(sqlite3_vtab *v) {
    sqlite3_free(v);
    return SQLITE_OK;
}

static int b_best_index(sqlite3_vtab *v, sqlite3_index_info *info) {
    info->estimatedCost = 1000;
    info->estimatedRows = 1000;
    return SQLITE_OK;
}

static int b_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out) {
    bcursor *c = sqlite3_malloc(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    c->x = ((bvtab *)v)->x;
    *out = &c->base;
    return SQLITE_OK;
}

static int b_close(sqlite3_vtab_cursor *c) {
    sqlite3_free(c);
    return SQLITE_OK;
}

static int b_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc, sqlite3_value **argv) {
    bcursor *c = (bcursor *)cur;
    c->row = c->x->start_row;
    c->x->cur_row = c->row;
    return SQLITE_OK;
}

static int b_next(sqlite3_vtab_cursor *cur) {
    bcursor *c = (bcursor *)cur;
    c->x->cur_row = ++c->row;
    return SQLITE_OK;
}

static int b_eof(sqlite3_vtab_cursor *cur) {
    bcursor *c = (bcursor *)cur;
    return !c->x->in || c->row >= c->x->in->count;
}

static int b_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
    bcursor *c = (bcursor *)cur;
    eddy_exprs *x = c->x;
    const eddy_row *r = &x->in->rows[c->row];
    if (i < x->ncols) {
        const eddy_value *v = &r->cols[i];
        switch (v->v_kind) {
        case EDDY_V_NULL: return SQLITE_OK;
        case EDDY_V_BOOL:
        case EDDY_V_INT:
        case EDDY_V_BIGINT:
        case EDDY_V_DATE:
        case EDDY_V_TIME:
        case EDDY_V_TIMESTAMP: sqlite3_result_int64(ctx, v->u.i); return SQLITE_OK;
        case EDDY_V_STRING: sqlite3_result_text(ctx, v->v_len ? v->u.s : "", (int)v->v_len, SQLITE_STATIC); return SQLITE_OK;
        default: eddy_sqlval_result_ref(ctx, v, x->coltypes[i]); return SQLITE_OK;
        }
    }
    switch (i - x->ncols) {
    case 0: /* ROWTIME: part of the row, so NULL when the record has no value */
        if (!(r->flags & EDDY_ROW_NULL_VALUE)) sqlite3_result_int64(ctx, r->ts);
        break;
    case 1:
        if (r->partition >= 0) sqlite3_result_int64(ctx, r->partition);
        break;
    default:
        if (r->offset >= 0) sqlite3_result_int64(ctx, r->offset);
        break;
    }
    return SQLITE_OK;
}

static int b_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *id) {
    *id = (sqlite3_int64)((bcursor *)cur)->row;
    return SQLITE_OK;
}

/* Eponymous-only (no xCreate): the table `batch` exists without CREATE
 * VIRTUAL TABLE, so the connection needs no temp schema. */
static const sqlite3_module batch_module = {
    .iVersion = 0,
    .xCreate = NULL,
    .xConnect = b_connect,
    .xBestIndex = b_best_index,
    .xDisconnect = b_disconnect,
    .xDestroy = b_disconnect,
    .xOpen = b_open,
    .xClose = b_close,
    .xFilter = b_filter,
    .xNext = b_next,
    .xEof = b_eof,
    .xColumn = b_column,
    .xRowid = b_rowid,
};

int eddy_x_register_sink(eddy_exprs *x);

int eddy_x_create_vtab(eddy_exprs *x, eddy_err *err) {
    if (sqlite3_create_module_v2(x->db, "batch", &batch_module, x, NULL) != SQLITE_OK ||
        eddy_x_register_sink(x) != SQLITE_OK)
        return eddy_err_set(err, EDDY_INTERNAL, "cannot create the batch table: %s", sqlite3_errmsg(x->db));
    return 0;
}

/* ---- row-level errors ------------------------------------------------------------ */

void eddy_x_row_error(eddy_exprs *x, const char *msg) {
    if (x->nerrs == x->caperrs) {
        int cap = x->caperrs ? 2 * x->caperrs : 8;
        xerr *n = realloc(x->errs, sizeof *n * (size_t)cap);
        if (!n) {
            x->nomem = 1;
            return;
        }
        x->errs = n;
        x->caperrs = cap;
    }
    const char *m = eddy_arena_strdup(x->scratch, msg);
    if (!m) {
        x->nomem = 1;
        return;
    }
    x->errs[x->nerrs].row = x->cur_row;
    x->errs[x->nerrs].msg = m;
    x->nerrs++;
}

static void flush_errors(eddy_exprs *x, const eddy_batch *in, eddy_expr_error_fn on_error, void *ud) {
    for (int i = 0; i < x->nerrs; i++) {
        size_t r = x->errs[i].row < in->count ? x->errs[i].row : in->count - 1;
        if (on_error && in->count) on_error(ud, &in->rows[r], x->errs[i].msg);
    }
    x->nerrs = 0;
}

/* ---- evaluation ---------------------------------------------------------------- */

static int copy_headers(eddy_arena *a, const eddy_row *from, eddy_row *to) {
    to->nheaders = 0;
    to->headers = NULL;
    if (!from->nheaders) return 0;
    eddy_log_header *h = eddy_arena_alloc(a, sizeof *h * from->nheaders);
    if (!h) return EDDY_NOMEM;
    for (uint32_t i = 0; i < from->nheaders; i++) {
        h[i].name = eddy_arena_strdup(a, from->headers[i].name);
        h[i].value_len = from->headers[i].value_len;
        h[i].value = NULL;
        if (!h[i].name) return EDDY_NOMEM;
        if (from->headers[i].value) {
            void *v = eddy_arena_alloc(a, h[i].value_len ? h[i].value_len : 1);
            if (!v) return EDDY_NOMEM;
            memcpy(v, from->headers[i].value, h[i].value_len);
            h[i].value = v;
        }
    }
    to->headers = h;
    to->nheaders = from->nheaders;
    return 0;
}

/* Appends the output row for input row `in`: computed values come from argv
 * (sink mode) or from the statement's result columns. */
static int emit_row(eddy_exprs *x, const eddy_row *in, eddy_batch *out, sqlite3_value **argv) {
    eddy_row *r = eddy_batch_append(out);
    if (!r) return EDDY_NOMEM;
    r->ts = in->ts;
    r->offset = in->offset;
    r->partition = in->partition;
    r->flags = in->flags;
    r->wstart = in->wstart;
    r->wend = in->wend;
    if (copy_headers(out->arena, in, r)) return EDDY_NOMEM;
    for (int j = 0; j < x->n; j++) {
        int d = x->direct[j];
        eddy_value *v = &r->cols[j];
        if (d >= 0) {
            *v = eddy_value_copy(out->arena, &in->cols[d]);
            if (v->v_kind != in->cols[d].v_kind) return EDDY_NOMEM;
        } else if (d == -2) {
            *v = (in->flags & EDDY_ROW_NULL_VALUE) ? eddy_value_null() : eddy_value_bigint(in->ts);
        } else if (d == -3) {
            *v = in->partition >= 0 ? eddy_value_int(in->partition) : eddy_value_null();
        } else if (d == -4) {
            *v = in->offset >= 0 ? eddy_value_bigint(in->offset) : eddy_value_null();
        } else {
            int rc = argv ? eddy_sqlval_get(argv[x->sqlcol[j]], x->types[j], out->arena, v)
                          : eddy_sqlval_column(x->stmt, x->sqlcol[j], x->types[j], out->arena, v);
            if (rc == EDDY_NOMEM) return rc;
            if (rc) *v = eddy_value_null();
        }
    }
    return 0;
}

/* e_sink(rowid, p1, ..., pk): the aggregate that receives the rows. */
static void sink_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_exprs *x = sqlite3_user_data(ctx);
    if (x->sink_rc || !x->in) return;
    size_t ridx = (size_t)sqlite3_value_int64(argv[0]);
    flush_errors(x, x->in, x->on_error, x->on_error_ud);
    if (ridx >= x->in->count || (x->sink_rc = emit_row(x, &x->in->rows[ridx], x->out, argv)))
        sqlite3_result_error_nomem(ctx);
}

static void sink_final(sqlite3_context *ctx) { (void)ctx; }

int eddy_x_register_sink(eddy_exprs *x) {
    return sqlite3_create_function_v2(x->db, "e_sink", -1, SQLITE_UTF8, x, NULL, sink_step, sink_final, NULL);
}

int eddy_exprs_eval(eddy_exprs *x, const eddy_batch *in, eddy_batch *out, eddy_expr_error_fn on_error, void *ud) {
    if (out->ncols != x->n) return EDDY_INVAL;
    if (!in->count) return 0;
    if (x->copy_only) {
        for (size_t i = 0; i < in->count; i++) {
            int rc = emit_row(x, &in->rows[i], out, NULL);
            if (rc) return rc;
        }
        return 0;
    }
    eddy_sqlval_env env = {.scratch = x->scratch, .x = x};
    eddy_sqlval_env *old = eddy_sqlval_env_set(&env);
    x->in = in;
    x->out = out;
    x->on_error = on_error;
    x->on_error_ud = ud;
    x->sink_rc = 0;
    x->start_row = 0;
    x->nerrs = 0;
    x->nomem = 0;
    int rc = 0;
    for (;;) {
        int st = sqlite3_step(x->stmt);
        if (x->sink_rc) {
            rc = x->sink_rc;
            break;
        }
        if (st == SQLITE_ROW && !x->sink) {
            size_t ridx = (size_t)sqlite3_column_int64(x->stmt, x->rowid_col);
            flush_errors(x, in, on_error, ud);
            if ((rc = emit_row(x, &in->rows[ridx], out, NULL))) break;
            continue;
        }
        if (st == SQLITE_ROW) st = sqlite3_step(x->stmt); /* the aggregate's one row */
        if (st == SQLITE_DONE) {
            flush_errors(x, in, on_error, ud);
            break;
        }
        if (st == SQLITE_NOMEM || x->nomem) {
            rc = EDDY_NOMEM;
            break;
        }
        /* A function failed with sqlite3_result_error: that row is lost;
         * report it and carry on with the next one. */
        size_t bad = x->cur_row;
        char msg[512];
        snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(x->db));
        sqlite3_reset(x->stmt);
        flush_errors(x, in, on_error, ud);
        if (on_error && bad < in->count) on_error(ud, &in->rows[bad], msg);
        if (bad + 1 >= in->count) break;
        x->start_row = bad + 1;
    }
    sqlite3_reset(x->stmt);
    x->in = NULL;
    x->out = NULL;
    eddy_sqlval_env_set(old);
    eddy_arena_reset(x->scratch);
    if (!rc && x->nomem) rc = EDDY_NOMEM;
    return rc;
}

/* ---- constants ------------------------------------------------------------------- */

typedef struct const_err {
    char msg[512];
    int failed;
} const_err;

static void const_on_error(void *ud, const eddy_row *row, const char *message) {
    const_err *ce = ud;
    if (!ce->failed) snprintf(ce->msg, sizeof ce->msg, "%s", message);
    ce->failed = 1;
}

int eddy_expr_eval_const(const eddy_expr *e, eddy_arena *a, eddy_value *out, eddy_type **type, eddy_err *err) {
    eddy_expr_scope scope = {0};
    /* literals need no SQLite */
    eddy_arena *ta = eddy_arena_new();
    if (!ta) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    tctx tc = {.scope = &scope, .clause = "VALUES", .err = err, .arena = ta};
    texpr *t;
    int rc = eddy_tx_build(&tc, e, &t);
    if (!rc && t->op == TX_LIT) {
        *out = eddy_value_copy(a, &t->u.lit);
        bool ok = out->v_kind == t->u.lit.v_kind;
        *type = t->type ? eddy_type_ref(t->type) : NULL;
        eddy_arena_destroy(ta);
        return ok ? 0 : eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    eddy_arena_destroy(ta);
    if (rc) return rc;

    eddy_exprs *x = NULL;
    eddy_type *rt = NULL;
    if ((rc = eddy_exprs_compile(&scope, NULL, &e, 1, &x, &rt, err))) return rc;
    eddy_batch in, res;
    if (eddy_batch_init(&in, 0)) {
        eddy_exprs_destroy(x);
        eddy_type_unref(rt);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    if (eddy_batch_init(&res, 1)) {
        eddy_batch_fini(&in);
        eddy_exprs_destroy(x);
        eddy_type_unref(rt);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    const_err ce = {0};
    if (!eddy_batch_append(&in)) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (!rc && (rc = eddy_exprs_eval(x, &in, &res, const_on_error, &ce)))
        eddy_err_set(err, rc, "cannot evaluate the expression");
    if (!rc && ce.failed) rc = eddy_err_set(err, EDDY_INVAL, "%s", ce.msg);
    if (!rc && res.count == 1) {
        *out = eddy_value_copy(a, &res.rows[0].cols[0]);
        if (out->v_kind != res.rows[0].cols[0].v_kind) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
    } else if (!rc) {
        *out = eddy_value_null();
    }
    if (!rc) {
        *type = rt;
        rt = NULL;
    }
    eddy_type_unref(rt);
    eddy_batch_fini(&in);
    eddy_batch_fini(&res);
    eddy_exprs_destroy(x);
    return rc;
}
