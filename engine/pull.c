/* pull.c - pull queries on tables: checks, projection, WHERE typing, key lookups and the evaluation of the answer.
 *
 * See pull.h for the shape of a plan.  The WHERE clause is always evaluated
 * over the rows read; key lookups and window-start bounds only narrow what
 * is read, so a lookup the planner cannot make exactly (a DECIMAL key, a
 * constant that fails to evaluate) falls back to reading more, never to a
 * wrong answer.  The WHERE analysis (disjunctive normal form, key
 * constraints, the messages of ksql.query.pull.table.scan.enabled=false)
 * lives in pull_where.c.
 */
#include "engine/pull_int.h"

#include "connectors/log.h"
#include "engine/expr.h"
#include "schemas/serde.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- walking expressions ------------------------------------------------------ */

static bool any_in_list(const eddy_list *l, eddy_pull_visit_fn fn, void *ud) {
    for (int i = 0; i < l->n; i++)
        if (eddy_pull_any(l->items[i], fn, ud)) return true;
    return false;
}

bool eddy_pull_any(const eddy_expr *e, eddy_pull_visit_fn fn, void *ud) {
    if (!e) return false;
    if (fn(e, ud)) return true;
    switch (e->kind) {
    case EDDY_EX_DEREF: return eddy_pull_any(e->v.deref.base, fn, ud);
    case EDDY_EX_SUBSCRIPT:
        return eddy_pull_any(e->v.subscript.base, fn, ud) || eddy_pull_any(e->v.subscript.index, fn, ud);
    case EDDY_EX_FUNC: return any_in_list(&e->v.func.args, fn, ud);
    case EDDY_EX_LAMBDA: return eddy_pull_any(e->v.lambda.body, fn, ud);
    case EDDY_EX_CAST: return eddy_pull_any(e->v.cast.arg, fn, ud);
    case EDDY_EX_CASE:
        return eddy_pull_any(e->v.case_.operand, fn, ud) || any_in_list(&e->v.case_.whens, fn, ud) ||
               any_in_list(&e->v.case_.thens, fn, ud) || eddy_pull_any(e->v.case_.else_, fn, ud);
    case EDDY_EX_UNARY: return eddy_pull_any(e->v.unary.arg, fn, ud);
    case EDDY_EX_BINARY: return eddy_pull_any(e->v.binary.left, fn, ud) || eddy_pull_any(e->v.binary.right, fn, ud);
    case EDDY_EX_LIKE:
        return eddy_pull_any(e->v.like.arg, fn, ud) || eddy_pull_any(e->v.like.pattern, fn, ud) ||
               eddy_pull_any(e->v.like.escape, fn, ud);
    case EDDY_EX_BETWEEN:
        return eddy_pull_any(e->v.between.arg, fn, ud) || eddy_pull_any(e->v.between.lo, fn, ud) ||
               eddy_pull_any(e->v.between.hi, fn, ud);
    case EDDY_EX_IN: return eddy_pull_any(e->v.in.arg, fn, ud) || any_in_list(&e->v.in.list, fn, ud);
    case EDDY_EX_IS_NULL: return eddy_pull_any(e->v.is_null.arg, fn, ud);
    case EDDY_EX_IS_DISTINCT:
        return eddy_pull_any(e->v.is_distinct.left, fn, ud) || eddy_pull_any(e->v.is_distinct.right, fn, ud);
    case EDDY_EX_ARRAY: return any_in_list(&e->v.array.items, fn, ud);
    case EDDY_EX_MAP: return any_in_list(&e->v.map.keys, fn, ud) || any_in_list(&e->v.map.values, fn, ud);
    case EDDY_EX_STRUCT: return any_in_list(&e->v.struct_.values, fn, ud);
    default: return false;
    }
}

static bool is_column_node(const eddy_expr *e, void *ud) {
    (void)ud;
    return e->kind == EDDY_EX_COLUMN;
}

bool eddy_pull_has_columns(const eddy_expr *e) { return eddy_pull_any(e, is_column_node, NULL); }

/* ---- the checks every pull query makes ---------------------------------------- */

typedef struct pseudo_find {
    const eddy_schema *schema;
    bool partition, offset;
} pseudo_find;

static bool find_pseudo(const eddy_expr *e, void *ud) {
    pseudo_find *f = ud;
    if (e->kind != EDDY_EX_COLUMN) return false;
    const char *n = e->v.column.name;
    bool p = strcmp(n, "ROWPARTITION") == 0, o = strcmp(n, "ROWOFFSET") == 0;
    if ((p || o) && f->schema && eddy_schema_find(f->schema, n) >= 0) return false;
    f->partition |= p;
    f->offset |= o;
    return false;
}

static int pseudo_error(eddy_err *err, const pseudo_find *f, const char *clause) {
    return eddy_err_set(err, EDDY_ANALYSIS, "Pull queries don't support the following columns in %s clauses: %s%s%s",
                        clause, f->partition ? "`ROWPARTITION`" : "", f->partition && f->offset ? ", " : "",
                        f->offset ? "`ROWOFFSET`" : "");
}

int eddy_pull_check(const eddy_query *q, const eddy_schema *schema, eddy_err *err) {
    const char *clause = q->joins.n            ? "JOIN"
                         : q->window.kind      ? "WINDOW"
                         : q->group_by.n       ? "GROUP BY"
                         : q->partition_by.n   ? "PARTITION BY"
                         : q->having           ? "HAVING"
                                               : NULL;
    if (clause)
        return eddy_err_set(err, EDDY_ANALYSIS, "Pull queries don't support %s clauses." EDDY_PULL_HINT, clause);
    pseudo_find f = {.schema = schema};
    for (int i = 0; i < q->items.n; i++)
        eddy_pull_any(((const eddy_select_item *)q->items.items[i])->expr, find_pseudo, &f);
    if (f.partition || f.offset) return pseudo_error(err, &f, "SELECT");
    eddy_pull_any(q->where, find_pseudo, &f);
    if (f.partition || f.offset) return pseudo_error(err, &f, "WHERE");
    return 0;
}

/* ---- the plan ------------------------------------------------------------------- */

void eddy_pull_destroy(eddy_pull *p) {
    if (!p) return;
    eddy_exprs_destroy(p->x);
    eddy_serde_destroy(p->key_serde);
    eddy_schema_free(p->table);
    eddy_schema_free(p->scope_schema);
    eddy_schema_free(p->columns);
    free(p->items);
    free(p->lookup_wlo);
    free(p->lookup_whi);
    eddy_arena_destroy(p->arena);
    free(p);
}

const eddy_schema *eddy_pull_columns(const eddy_pull *p) { return p->columns; }
const char *eddy_pull_table(const eddy_pull *p) { return p->name; }
int eddy_pull_nlookups(const eddy_pull *p) { return p->nlookups; }

const eddy_value *eddy_pull_lookup(const eddy_pull *p, int i, int64_t *wlo, int64_t *whi) {
    if (i < 0 || i >= p->nlookups) {
        *wlo = p->scan_wlo;
        *whi = p->scan_whi;
        return NULL;
    }
    *wlo = p->lookup_wlo[i];
    *whi = p->lookup_whi[i];
    return &p->lookup_keys[(size_t)i * (size_t)p->nkeys];
}

int eddy_pull_column_ref(const eddy_pull *p, const eddy_expr *e) {
    if (!e || e->kind != EDDY_EX_COLUMN) return PULL_COL_NONE;
    const char *q = e->v.column.qualifier, *n = e->v.column.name;
    if (q && strcmp(q, p->name) != 0 && !(p->alias && strcmp(q, p->alias) == 0)) return PULL_COL_OTHER;
    int i = eddy_schema_find(p->table, n);
    if (i >= 0) return i < p->nkeys ? i : PULL_COL_OTHER;
    if (p->windowed && strcmp(n, "WINDOWSTART") == 0) return PULL_COL_WSTART;
    if (p->windowed && strcmp(n, "WINDOWEND") == 0) return PULL_COL_WEND;
    return PULL_COL_OTHER;
}

void eddy_pull_scope(eddy_pull *p, eddy_scope_source *src, eddy_expr_scope *scope) {
    memset(src, 0, sizeof *src);
    memset(scope, 0, sizeof *scope);
    src->name = p->name;
    src->alias = p->alias;
    src->schema = p->scope_schema;
    scope->nsources = 1;
    scope->sources = src;
    scope->pseudo = EDDY_PSEUDO_ROWTIME;
    scope->ncols = p->scope_schema->ncols;
}

static int nomem(eddy_err *err) { return eddy_err_set(err, EDDY_NOMEM, "out of memory"); }

/* The table's columns, and the scope's: + WINDOWSTART, WINDOWEND. */
static int copy_table(eddy_pull *p, const eddy_source *t, eddy_err *err) {
    if (!(p->name = eddy_arena_strdup(p->arena, t->name))) return nomem(err);
    if (!(p->table = eddy_schema_copy(t->schema)) || !(p->scope_schema = eddy_schema_copy(t->schema)))
        return nomem(err);
    p->nkeys = eddy_schema_nkeys(t->schema);
    p->windowed = t->window_type != EDDY_WT_NONE;
    p->session = t->window_type == EDDY_WT_SESSION;
    if (p->windowed &&
        (eddy_schema_add(p->scope_schema, "WINDOWSTART", eddy_type_primitive(EDDY_TYPE_BIGINT), EDDY_COL_VALUE, NULL) ||
         eddy_schema_add(p->scope_schema, "WINDOWEND", eddy_type_primitive(EDDY_TYPE_BIGINT), EDDY_COL_VALUE, NULL)))
        return nomem(err);
    /* The key's bytes give the scan order; without a serde (a format eddy
     * cannot write yet) the key values do. */
    eddy_err ignored;
    eddy_err_clear(&ignored);
    if (p->nkeys > 0 && eddy_serde_new(&t->key_fmt, true, t->schema->cols, p->nkeys, &p->key_serde, &ignored))
        p->key_serde = NULL;
    return 0;
}

/* One result column. */
static int add_item(eddy_pull *p, int *cap, const eddy_expr *e, const char *name, eddy_type *type, eddy_col_ns ns,
                    eddy_err *err) {
    if (p->nitems == *cap) {
        int ncap = *cap ? *cap * 2 : 8;
        const eddy_expr **v = realloc(p->items, (size_t)ncap * sizeof *v);
        if (!v) {
            eddy_type_unref(type);
            return nomem(err);
        }
        p->items = v;
        *cap = ncap;
    }
    if (eddy_schema_add(p->columns, name, type, ns, NULL)) return nomem(err);
    p->items[p->nitems++] = e;
    return 0;
}

static const eddy_expr *column_expr(eddy_pull *p, const char *name, eddy_pos pos) {
    eddy_expr *e = eddy_ast_expr(p->arena, EDDY_EX_COLUMN, pos);
    if (!e) return NULL;
    e->v.column.name = eddy_arena_strdup(p->arena, name);
    return e->v.column.name ? e : NULL;
}

/* SELECT *: keys, window bounds, values (ROWTIME is not part of it). */
static int expand_star(eddy_pull *p, int *cap, eddy_pos pos, eddy_err *err) {
    const eddy_schema *s = p->scope_schema;
    for (int pass = 0; pass < 3; pass++) {
        for (int i = 0; i < s->ncols; i++) {
            bool bound = i >= p->table->ncols, key = i < p->nkeys;
            if ((pass == 0 && !key) || (pass == 1 && !bound) || (pass == 2 && (key || bound))) continue;
            const eddy_expr *e = column_expr(p, s->cols[i].name, pos);
            if (!e) return nomem(err);
            int rc = add_item(p, cap, e, s->cols[i].name, eddy_type_ref(s->cols[i].type),
                              key || bound ? EDDY_COL_KEY : EDDY_COL_VALUE, err);
            if (rc) return rc;
        }
    }
    return 0;
}

static int check_duplicates(const eddy_schema *s, eddy_err *err) {
    for (int i = 0; i < s->ncols; i++)
        for (int j = 0; j < i; j++) {
            if (strcmp(s->cols[i].name, s->cols[j].name) != 0) continue;
            eddy_strbuf t = EDDY_STRBUF_INIT;
            eddy_type_format(s->cols[i].type, &t);
            bool key = s->cols[i].ns == EDDY_COL_KEY && s->cols[j].ns == EDDY_COL_KEY;
            int rc = eddy_err_set(err, EDDY_ANALYSIS, "Duplicate %s columns found in schema: `%s` %s%s",
                                  key ? "key" : "value", s->cols[i].name, eddy_strbuf_cstr(&t), key ? " KEY" : "");
            eddy_strbuf_fini(&t);
            return rc;
        }
    return 0;
}

static int plan_projection(eddy_pull *p, const eddy_query *q, const eddy_expr_scope *scope, eddy_err *err) {
    int cap = 0, gen = 0, rc;
    if (!(p->columns = eddy_schema_new())) return nomem(err);
    for (int i = 0; i < q->items.n; i++) {
        const eddy_select_item *si = q->items.items[i];
        if (si->expr->kind == EDDY_EX_STAR) {
            const char *qual = si->expr->v.star.qualifier;
            if (qual && strcmp(qual, p->name) != 0 && !(p->alias && strcmp(qual, p->alias) == 0))
                return eddy_err_set_at(err, EDDY_ANALYSIS, si->pos.line, si->pos.col,
                                       "'%s' is not a valid stream/table name or alias.", qual);
            if ((rc = expand_star(p, &cap, si->pos, err))) return rc;
            continue;
        }
        eddy_type *t = NULL;
        if ((rc = eddy_expr_typeof(scope, si->expr, "SELECT", &t, err))) return rc;
        char *name = si->alias ? strdup(si->alias) : eddy_expr_default_name(si->expr, gen);
        if (!si->alias && si->expr->kind != EDDY_EX_COLUMN && si->expr->kind != EDDY_EX_DEREF) gen++;
        if (!name) {
            eddy_type_unref(t);
            return nomem(err);
        }
        int ref = eddy_pull_column_ref(p, si->expr);
        bool key = ref >= 0 || ref == PULL_COL_WSTART || ref == PULL_COL_WEND;
        rc = add_item(p, &cap, si->expr, name, t, key ? EDDY_COL_KEY : EDDY_COL_VALUE, err);
        free(name);
        if (rc) return rc;
    }
    return check_duplicates(p->columns, err);
}

static bool scan_enabled(const eddy_pull_settings *s) { return !s || s->table_scan_enabled; }

int eddy_pull_plan(const eddy_source *table, const eddy_query *q, const eddy_pull_settings *settings, eddy_pull **out,
                   eddy_err *err) {
    eddy_pull *p = calloc(1, sizeof *p);
    eddy_scope_source ss;
    eddy_expr_scope scope;
    int rc;
    *out = NULL;
    if (!p) return nomem(err);
    p->nlookups = -1;
    p->scan_whi = INT64_MAX;
    if (!(p->arena = eddy_arena_new())) {
        rc = nomem(err);
        goto fail;
    }
    if ((rc = eddy_pull_check(q, table->schema, err))) goto fail;
    if ((rc = copy_table(p, table, err))) goto fail;
    if (q->from.alias && !(p->alias = eddy_arena_strdup(p->arena, q->from.alias))) {
        rc = nomem(err);
        goto fail;
    }
    p->has_limit = q->has_limit;
    p->limit = q->limit;
    eddy_pull_scope(p, &ss, &scope);
    if ((rc = plan_projection(p, q, &scope, err))) goto fail;
    if ((rc = eddy_pull_plan_where(p, q->where, !scan_enabled(settings), &scope, err))) goto fail;
    if ((rc = eddy_exprs_compile(&scope, p->where, p->items, p->nitems, &p->x, NULL, err))) goto fail;
    *out = p;
    return 0;
fail:
    eddy_pull_destroy(p);
    return rc;
}

/* ---- running -------------------------------------------------------------------- */

/* Where a row sits in ksqlDB's scan: partition, key bytes, window start. */
typedef struct scan_pos {
    int32_t partition;
    size_t off, len;     /* the key's bytes in the shared buffer */
    bool has_bytes;
    int64_t wstart;
    const eddy_row *row;
} scan_pos;

typedef struct scan_order {
    const char *bytes;
    int nkeys;
} scan_order;

static int cmp_scan(const void *a, const void *b, void *ud) {
    const scan_pos *x = a, *y = b;
    const scan_order *o = ud;
    if (x->partition != y->partition) return x->partition < y->partition ? -1 : 1;
    if (x->has_bytes && y->has_bytes) {
        size_t n = x->len < y->len ? x->len : y->len;
        int c = memcmp(o->bytes + x->off, o->bytes + y->off, n);
        if (c) return c;
        if (x->len != y->len) return x->len < y->len ? -1 : 1;
    } else {
        for (int i = 0; i < o->nkeys; i++) {
            int c = eddy_value_compare(&x->row->cols[i], &y->row->cols[i]);
            if (c) return c;
        }
    }
    if (x->wstart != y->wstart) return x->wstart < y->wstart ? -1 : 1;
    return 0;
}

/* The rows of raw in scan order (pointers into raw), in *sorted (heap). */
static int scan_sort(const eddy_pull *p, const eddy_batch *raw, int32_t partitions, const eddy_row ***sorted,
                     eddy_err *err) {
    scan_pos *v = calloc(raw->count ? raw->count : 1, sizeof *v);
    const eddy_row **r = calloc(raw->count ? raw->count : 1, sizeof *r);
    eddy_strbuf bytes = EDDY_STRBUF_INIT;
    if (!v || !r) {
        free(v);
        free(r);
        return nomem(err);
    }
    for (size_t i = 0; i < raw->count; i++) {
        const eddy_row *row = &raw->rows[i];
        bool is_null = true;
        eddy_err ignored;
        v[i].row = row;
        v[i].wstart = row->wstart;
        v[i].off = bytes.len;
        if (p->key_serde && eddy_serde_encode(p->key_serde, row->cols, &bytes, &is_null, &ignored) == 0 && !is_null) {
            v[i].has_bytes = true;
            v[i].len = bytes.len - v[i].off;
        } else {
            bytes.len = v[i].off;
        }
        if (row->partition >= 0) v[i].partition = row->partition;
        else if (partitions > 1 && v[i].has_bytes)
            v[i].partition = eddy_log_partition_for_key(eddy_strbuf_cstr(&bytes) + v[i].off, v[i].len, partitions);
    }
    if (bytes.failed) {
        free(v);
        free(r);
        eddy_strbuf_fini(&bytes);
        return nomem(err);
    }
    /* Mixed rows (some keys without bytes) compare by values: all or none. */
    bool all = true;
    for (size_t i = 0; i < raw->count; i++) all &= v[i].has_bytes;
    for (size_t i = 0; !all && i < raw->count; i++) v[i].has_bytes = false;
    scan_order o = {.bytes = eddy_strbuf_cstr(&bytes), .nkeys = p->nkeys};
    qsort_r(v, raw->count, sizeof *v, cmp_scan, &o);
    for (size_t i = 0; i < raw->count; i++) r[i] = v[i].row;
    free(v);
    eddy_strbuf_fini(&bytes);
    *sorted = r;
    return 0;
}

static int read_rows(const eddy_pull *p, const eddy_pull_source *src, eddy_batch *raw, eddy_err *err) {
    int64_t wlo, whi;
    if (p->nlookups < 0) {
        eddy_pull_lookup(p, -1, &wlo, &whi);
        return src->read(src->ud, p->name, NULL, wlo, whi, raw, err);
    }
    for (int i = 0; i < p->nlookups; i++) {
        const eddy_value *key = eddy_pull_lookup(p, i, &wlo, &whi);
        int rc = src->read(src->ud, p->name, key, wlo, whi, raw, err);
        if (rc) return rc;
    }
    return 0;
}

int eddy_pull_run(eddy_pull *p, const eddy_pull_source *src, eddy_batch *out, bool *limit_reached, eddy_err *err) {
    eddy_batch raw, in;
    const eddy_row **order = NULL;
    int rc;
    if (limit_reached) *limit_reached = false;
    if (eddy_batch_init(&raw, p->table->ncols)) return nomem(err);
    if (eddy_batch_init(&in, p->scope_schema->ncols)) {
        eddy_batch_fini(&raw);
        return nomem(err);
    }
    if (p->nlookups != 0 && (rc = read_rows(p, src, &raw, err))) goto done;
    if (p->has_limit && (rc = scan_sort(p, &raw, src->partitions, &order, err))) goto done;
    /* The scope's rows: the table's columns, then the window bounds. */
    for (size_t i = 0; i < raw.count; i++) {
        const eddy_row *r = order ? order[i] : &raw.rows[i];
        eddy_row *d = eddy_batch_append(&in);
        if (!d) {
            rc = nomem(err);
            goto done;
        }
        memcpy(d->cols, r->cols, (size_t)p->table->ncols * sizeof *d->cols); /* raw outlives in */
        if (p->windowed) {
            d->cols[p->table->ncols] = eddy_value_bigint(r->wstart);
            d->cols[p->table->ncols + 1] = eddy_value_bigint(r->wend);
        }
        d->ts = r->ts;
        d->partition = r->partition;
        d->flags = r->flags;
        d->wstart = r->wstart;
        d->wend = r->wend;
    }
    if ((rc = eddy_exprs_eval(p->x, &in, out, NULL, NULL))) {
        eddy_err_set(err, rc, "the pull query failed while evaluating its rows");
        goto done;
    }
    if (p->has_limit && out->count >= (size_t)(p->limit < 0 ? 0 : p->limit)) {
        out->count = (size_t)(p->limit < 0 ? 0 : p->limit);
        if (limit_reached) *limit_reached = true;
    }
done:
    free(order);
    eddy_batch_fini(&in);
    eddy_batch_fini(&raw);
    return rc;
}
