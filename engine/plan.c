/* plan.c - plans stateless queries: source, filter, projection, PARTITION BY, sink (ksqlDB's checks). */
#include "engine/plan.h"
#include "engine/plan_int.h"

#include "base/strbuf.h"
#include "schemas/formats.h"
#include "sql/analyze.h"
#include "sql/parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void eddy_plan_destroy(eddy_plan *p) {
    if (!p) return;
    eddy_source_free(p->source);
    free(p->source_alias);
    eddy_source_free(p->sink);
    eddy_schema_free(p->scope_schema);
    free(p->sink_timestamp_column);
    free(p->exprs);
    if (p->agg) {
        for (int i = 0; i < p->agg->ncalls; i++) eddy_agg_call_fini(&p->agg->calls[i]);
        free(p->agg->calls);
        free(p->agg->call_arg0);
        free(p->agg->pre_exprs);
        eddy_schema_free(p->agg->agg_schema);
        free(p->agg);
    }
    eddy_arena_destroy(p->arena);
    free(p);
}

void eddy_plan_scope(const eddy_plan *p, eddy_scope_source *src, eddy_expr_scope *scope) {
    memset(src, 0, sizeof *src);
    memset(scope, 0, sizeof *scope);
    src->name = p->source->name;
    src->alias = p->source_alias;
    src->schema = p->scope_schema ? p->scope_schema : p->source->schema;
    src->first_col = 0;
    scope->nsources = 1;
    scope->sources = src;
    scope->pseudo = EDDY_PSEUDO_ROWTIME | EDDY_PSEUDO_ROWPARTITION | EDDY_PSEUDO_ROWOFFSET;
    scope->ncols = src->schema->ncols;
}

/* ---- helpers -------------------------------------------------------------- */

/* Formats e as ksqlDB prints expressions in messages, with columns qualified
 * by the source name ("ABS(INPUT.ID)"). */
void eddy_plan_format_qualified(const eddy_expr *e, const char *source, eddy_strbuf *out) {
    switch (e->kind) {
    case EDDY_EX_COLUMN:
        if (source) eddy_strbuf_printf(out, "%s.%s", source, e->v.column.name);
        else eddy_strbuf_puts(out, e->v.column.name);
        return;
    case EDDY_EX_FUNC:
        eddy_strbuf_printf(out, "%s(", e->v.func.name);
        if (e->v.func.star) eddy_strbuf_putc(out, '*');
        for (int i = 0; i < e->v.func.args.n; i++) {
            if (i) eddy_strbuf_puts(out, ", ");
            eddy_plan_format_qualified(e->v.func.args.items[i], source, out);
        }
        eddy_strbuf_putc(out, ')');
        return;
    case EDDY_EX_BINARY:
        eddy_strbuf_putc(out, '(');
        eddy_plan_format_qualified(e->v.binary.left, source, out);
        eddy_strbuf_printf(out, " %s ", eddy_binop_name(e->v.binary.op));
        eddy_plan_format_qualified(e->v.binary.right, source, out);
        eddy_strbuf_putc(out, ')');
        return;
    case EDDY_EX_DEREF:
        eddy_plan_format_qualified(e->v.deref.base, source, out);
        eddy_strbuf_printf(out, "->%s", e->v.deref.field);
        return;
    default: eddy_expr_format(e, out); return;
    }
}

/* Structural equality of expressions, ignoring column qualifiers (the plans
 * here have one source). */
bool eddy_plan_expr_same(const eddy_expr *a, const eddy_expr *b) {
    if (a->kind == EDDY_EX_COLUMN && b->kind == EDDY_EX_COLUMN) return strcmp(a->v.column.name, b->v.column.name) == 0;
    eddy_strbuf x = EDDY_STRBUF_INIT, y = EDDY_STRBUF_INIT;
    eddy_plan_format_qualified(a, "", &x);
    eddy_plan_format_qualified(b, "", &y);
    bool same = strcmp(eddy_strbuf_cstr(&x), eddy_strbuf_cstr(&y)) == 0;
    eddy_strbuf_fini(&x);
    eddy_strbuf_fini(&y);
    return same;
}

static bool is_column(const eddy_expr *e, const char *name) {
    return e->kind == EDDY_EX_COLUMN && strcmp(e->v.column.name, name) == 0;
}

void eddy_plan_items_free(item *v, int n) {
    for (int i = 0; i < n; i++) {
        free(v[i].name);
        eddy_type_unref(v[i].type);
    }
    free(v);
}

/* A column reference expression built in the plan's arena. */
eddy_expr *eddy_plan_column_expr(eddy_arena *a, const char *name, eddy_pos pos) {
    eddy_expr *e = eddy_ast_expr(a, EDDY_EX_COLUMN, pos);
    if (e) e->v.column.name = eddy_arena_strdup(a, name);
    return e;
}

int eddy_plan_grow_items(item **v, int *cap, int need) {
    if (need <= *cap) return 0;
    int c = need * 2;
    item *nv = realloc(*v, (size_t)c * sizeof *nv);
    if (!nv) return EDDY_NOMEM;
    *v = nv;
    *cap = c;
    return 0;
}

/* The column a PARTITION BY expression names, when it is a plain column. */
static const char *pb_column(const eddy_expr *e) { return e->kind == EDDY_EX_COLUMN ? e->v.column.name : NULL; }

/* SELECT *.  Without PARTITION BY: every source column in order.  With it,
 * ksqlDB repartitions first and * covers the repartitioned row: the new key
 * columns (a column keeps its name, a struct field its field name, anything
 * else KSQL_COL_n), then the value columns that did not become key, then the
 * old key columns. */
static int expand_star(eddy_plan *p, const eddy_query *q, const eddy_expr_scope *scope, item **v, int *n, int *cap,
                       int *gen, eddy_pos pos, eddy_err *err) {
    const eddy_schema *s = p->source->schema;
    const eddy_list *pb = &q->partition_by;
    bool null_key = pb->n == 1 && ((const eddy_expr *)pb->items[0])->kind == EDDY_EX_NULL;
    int rc;
    if (eddy_plan_grow_items(v, cap, *n + s->ncols + pb->n + 1)) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (pb->n == 0) {
        /* A push query over a windowed source shows the window after the key. */
        bool bounds = p->kind == EDDY_PLAN_PUSH && p->source->window_type != EDDY_WT_NONE;
        if (eddy_plan_grow_items(v, cap, *n + s->ncols + 3)) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        for (int c = 0; c <= s->ncols; c++) {
            if (bounds && (c == s->ncols || s->cols[c].ns != EDDY_COL_KEY) && (c == 0 || s->cols[c - 1].ns == EDDY_COL_KEY)) {
                const char *names[2] = {"WINDOWSTART", "WINDOWEND"};
                for (int b = 0; b < 2; b++) {
                    item *it = &(*v)[(*n)++];
                    memset(it, 0, sizeof *it);
                    it->expr = eddy_plan_column_expr(p->arena, names[b], pos);
                    it->name = strdup(names[b]);
                    it->type = eddy_type_primitive(EDDY_TYPE_BIGINT);
                }
                bounds = false;
            }
            if (c == s->ncols) break;
            item *it = &(*v)[(*n)++];
            memset(it, 0, sizeof *it);
            it->expr = eddy_plan_column_expr(p->arena, s->cols[c].name, pos);
            it->name = strdup(s->cols[c].name);
            it->type = eddy_type_ref(s->cols[c].type);
        }
        return 0;
    }
    if (!null_key) {
        for (int k = 0; k < pb->n; k++) {
            const eddy_expr *e = pb->items[k];
            item *it = &(*v)[(*n)++];
            memset(it, 0, sizeof *it);
            it->expr = e;
            if ((rc = eddy_expr_typeof(scope, e, "PARTITION BY", &it->type, err))) return rc;
            it->key_order = k;
            if (e->kind == EDDY_EX_COLUMN || e->kind == EDDY_EX_DEREF) it->name = eddy_expr_default_name(e, 0);
            else it->name = eddy_expr_default_name(e, (*gen)++);
            if (!it->name) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        for (int c = 0; c < s->ncols; c++) {
            bool key = s->cols[c].ns == EDDY_COL_KEY;
            if (key != (pass == 1)) continue;
            bool became_key = false;
            for (int k = 0; k < pb->n && !null_key; k++) {
                const char *col = pb_column(pb->items[k]);
                if (col && strcmp(col, s->cols[c].name) == 0) became_key = true;
            }
            if (became_key) continue;
            item *it = &(*v)[(*n)++];
            memset(it, 0, sizeof *it);
            it->expr = eddy_plan_column_expr(p->arena, s->cols[c].name, pos);
            it->name = strdup(s->cols[c].name);
            it->type = eddy_type_ref(s->cols[c].type);
        }
    }
    return 0;
}

/* Expands the select list into items (name, expression, type). */
static int expand_items(eddy_plan *p, const eddy_query *q, const eddy_expr_scope *scope, item **out, int *nout,
                        eddy_err *err) {
    item *v = NULL;
    int n = 0, cap = 0, gen = 0, rc;
    for (int i = 0; i < q->items.n; i++) {
        const eddy_select_item *si = q->items.items[i];
        if (eddy_plan_grow_items(&v, &cap, n + 1)) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            goto fail;
        }
        if (si->expr->kind == EDDY_EX_STAR) {
            const char *qual = si->expr->v.star.qualifier;
            if (qual && strcmp(qual, p->source->name) != 0 && !(q->from.alias && strcmp(qual, q->from.alias) == 0)) {
                rc = eddy_err_set_at(err, EDDY_ANALYSIS, si->pos.line, si->pos.col,
                                     "'%s' is not a valid stream/table name or alias.", qual);
                goto fail;
            }
            if ((rc = expand_star(p, q, scope, &v, &n, &cap, &gen, si->pos, err))) goto fail;
            continue;
        }
        memset(&v[n], 0, sizeof v[n]);
        v[n].expr = si->expr;
        if ((rc = eddy_expr_typeof(scope, si->expr, "SELECT", &v[n].type, err))) goto fail;
        if (si->alias) v[n].name = strdup(si->alias);
        else v[n].name = eddy_expr_default_name(si->expr, gen);
        if (!si->alias && !(si->expr->kind == EDDY_EX_COLUMN || si->expr->kind == EDDY_EX_DEREF)) gen++;
        n++;
        if (!v[n - 1].name) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            goto fail;
        }
    }
    *out = v;
    *nout = n;
    return 0;
fail:
    eddy_plan_items_free(v, n);
    return rc;
}

/* Joins names as ksqlDB lists them: "A", "A and B", "A, B and C". */
void eddy_plan_join_and(eddy_strbuf *sb, const char *const *names, int n) {
    for (int i = 0; i < n; i++) {
        if (i) eddy_strbuf_puts(sb, i == n - 1 ? " and " : ", ");
        eddy_strbuf_puts(sb, names[i]);
    }
}

/* Marks the key items when the key is the source's (no PARTITION BY). */
static int pick_source_keys(const eddy_plan *p, const char *sink, item *v, int n, eddy_err *err) {
    const eddy_schema *s = p->source->schema;
    const char *missing[64];
    int nmissing = 0;
    for (int c = 0; c < s->ncols; c++) {
        if (s->cols[c].ns != EDDY_COL_KEY) continue;
        int found = -1;
        for (int i = 0; i < n; i++) {
            if (!is_column(v[i].expr, s->cols[c].name)) continue;
            if (found >= 0)
                return eddy_err_set(err, EDDY_ANALYSIS,
                                    "The projection contains a key column (`%s`) more than once, aliased as: %s and %s.",
                                    s->cols[c].name, v[found].name, v[i].name);
            found = i;
        }
        if (found < 0) {
            if (nmissing < 64) missing[nmissing++] = s->cols[c].name;
        } else {
            v[found].is_key = true;
            v[found].key_order = c;
        }
    }
    if (nmissing) {
        /* ksqlDB names every key column, not only the missing ones. */
        nmissing = 0;
        for (int c = 0; c < s->ncols && nmissing < 64; c++)
            if (s->cols[c].ns == EDDY_COL_KEY) missing[nmissing++] = s->cols[c].name;
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        eddy_strbuf_printf(&sb, "The query used to build `%s` must include the key column%s ", sink,
                           nmissing > 1 ? "s" : "");
        eddy_plan_join_and(&sb, missing, nmissing);
        eddy_strbuf_puts(&sb, " in its projection (eg, SELECT ");
        for (int i = 0; i < nmissing; i++) eddy_strbuf_printf(&sb, "%s%s", i ? ", " : "", missing[i]);
        eddy_strbuf_puts(&sb, "...).");
        eddy_err_set(err, EDDY_ANALYSIS, "%s", eddy_strbuf_cstr(&sb));
        eddy_strbuf_fini(&sb);
        return EDDY_ANALYSIS;
    }
    return 0;
}

/* PARTITION BY: marks the items that are the partitioning expressions. */
static int pick_partition_keys(eddy_plan *p, const eddy_query *q, const char *sink, const eddy_expr_scope *scope,
                               item *v, int n, eddy_err *err) {
    const eddy_list *pb = &q->partition_by;
    int rc;
    if (pb->n == 0)
        return eddy_err_set(err, EDDY_ANALYSIS, "PARTITION BY requires at least one expression");
    for (int k = 0; k < pb->n; k++) {
        const eddy_expr *e = pb->items[k];
        if (e->kind == EDDY_EX_NULL) {
            if (pb->n > 1) return eddy_err_set(err, EDDY_ANALYSIS, "Cannot PARTITION BY multiple columns including NULL");
            p->keyless = true;
            p->rekey = true;
            return 0;
        }
    }
    eddy_strbuf missing = EDDY_STRBUF_INIT, example = EDDY_STRBUF_INIT;
    int nmissing = 0;
    for (int k = 0; k < pb->n; k++) {
        const eddy_expr *e = pb->items[k];
        eddy_type *t = NULL;
        if ((rc = eddy_expr_typeof(scope, e, "PARTITION BY", &t, err))) {
            /* ksqlDB explains that PARTITION BY sees the input, not the projection. */
            if (e->kind == EDDY_EX_COLUMN && strstr(err->msg, "cannot be resolved")) {
                bool is_alias = false;
                for (int i = 0; i < n; i++)
                    if (strcmp(v[i].name, e->v.column.name) == 0) is_alias = true;
                if (is_alias)
                    eddy_err_set(err, rc,
                                 "PARTITION BY column '%s' cannot be resolved. '%s' must be a column in the source "
                                 "schema since PARTITION BY is applied on the input.",
                                 e->v.column.name, e->v.column.name);
            }
            goto fail;
        }
        eddy_type_unref(t);
        int found = -1;
        for (int i = 0; i < n; i++) {
            if (!eddy_plan_expr_same(v[i].expr, e)) continue;
            if (found >= 0) {
                rc = eddy_err_set(err, EDDY_ANALYSIS,
                                  "The projection contains a key column (`%s`) more than once, aliased as: %s and %s.",
                                  v[found].name, v[found].name, v[i].name);
                goto fail;
            }
            found = i;
        }
        if (found < 0) {
            eddy_strbuf tmp = EDDY_STRBUF_INIT;
            eddy_plan_format_qualified(e, p->source->name, &tmp);
            if (nmissing) {
                eddy_strbuf_puts(&missing, k == pb->n - 1 ? " and " : ", ");
                eddy_strbuf_puts(&example, ", ");
            }
            eddy_strbuf_puts(&missing, eddy_strbuf_cstr(&tmp));
            eddy_strbuf_puts(&example, eddy_strbuf_cstr(&tmp));
            eddy_strbuf_fini(&tmp);
            nmissing++;
        } else {
            v[found].is_key = true;
            v[found].key_order = k;
        }
    }
    if (nmissing) {
        /* ksqlDB names every partitioning expression, not only the missing ones. */
        eddy_strbuf_reset(&missing);
        eddy_strbuf_reset(&example);
        for (int k = 0; k < pb->n; k++) {
            eddy_strbuf tmp = EDDY_STRBUF_INIT;
            eddy_plan_format_qualified(pb->items[k], p->source->name, &tmp);
            if (k) {
                eddy_strbuf_puts(&missing, k == pb->n - 1 ? " and " : ", ");
                eddy_strbuf_puts(&example, ", ");
            }
            eddy_strbuf_puts(&missing, eddy_strbuf_cstr(&tmp));
            eddy_strbuf_puts(&example, eddy_strbuf_cstr(&tmp));
            eddy_strbuf_fini(&tmp);
        }
        nmissing = pb->n;
        rc = eddy_err_set(err, EDDY_ANALYSIS,
                          "The query used to build `%s` must include the partitioning expression%s %s in its "
                          "projection (eg, SELECT %s...).",
                          sink, nmissing > 1 ? "s" : "", eddy_strbuf_cstr(&missing), eddy_strbuf_cstr(&example));
        goto fail;
    }
    /* Partitioning by exactly the source's key changes nothing. */
    const eddy_schema *s = p->source->schema;
    int nkeys = eddy_schema_nkeys(s);
    bool same = nkeys == pb->n;
    for (int k = 0; same && k < pb->n; k++) {
        const eddy_expr *e = pb->items[k];
        same = e->kind == EDDY_EX_COLUMN && eddy_schema_find(s, e->v.column.name) == k && s->cols[k].ns == EDDY_COL_KEY;
    }
    p->rekey = !same;
    rc = 0;
fail:
    eddy_strbuf_fini(&missing);
    eddy_strbuf_fini(&example);
    return rc;
}

/* Puts the key items first, in key order, then the others as they were. */
static void order_items(item *v, int n) {
    item *tmp = malloc((size_t)(n > 0 ? n : 1) * sizeof *tmp);
    int m = 0;
    if (!tmp) return;
    for (int k = 0; k < n; k++)
        for (int i = 0; i < n; i++)
            if (v[i].is_key && v[i].key_order == k) tmp[m++] = v[i];
    for (int i = 0; i < n; i++)
        if (v[i].is_key && (v[i].key_order < 0 || v[i].key_order >= n)) tmp[m++] = v[i];
    for (int i = 0; i < n; i++)
        if (!v[i].is_key) tmp[m++] = v[i];
    if (m == n) memcpy(v, tmp, (size_t)n * sizeof *v);
    free(tmp);
}

/* ---- WITH of the sink -------------------------------------------------------- */

static const eddy_property *prop(const eddy_list *l, const char *name) {
    for (int i = 0; l && i < l->n; i++) {
        const eddy_property *p = l->items[i];
        if (strcasecmp(p->name, name) == 0) return p;
    }
    return NULL;
}

const char *eddy_plan_prop_str(const eddy_list *l, const char *name) {
    const eddy_property *p = prop(l, name);
    if (!p) return NULL;
    if (p->value->kind == EDDY_EX_STRING) return p->value->v.s;
    if (p->value->kind == EDDY_EX_DECIMAL || p->value->kind == EDDY_EX_DOUBLE) return p->value->v.lit_num.s;
    return NULL;
}

int eddy_plan_prop_int(const eddy_list *l, const char *name, int dflt) {
    const eddy_property *p = prop(l, name);
    if (!p) return dflt;
    if (p->value->kind == EDDY_EX_INT) return (int)p->value->v.lit_int.i;
    if (p->value->kind == EDDY_EX_STRING) return atoi(p->value->v.s);
    return dflt;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* Builds the sink source of a CSAS from the items and the WITH clause. */
static int build_sink(eddy_plan *p, const eddy_stmt *st, const eddy_plan_settings *set, item *v, int n,
                      eddy_err *err) {
    const eddy_list *props = &st->u.create.props;
    eddy_source *src = p->source, *k = calloc(1, sizeof *k);
    int rc;
    if (!k) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    p->sink = k;
    k->name = strdup(st->u.create.name);
    k->kind = st->u.create.source_kind;
    k->is_sink = true;
    k->statement = strdup(st->text ? st->text : "");
    k->schema = eddy_schema_new();
    if (!k->name || !k->statement || !k->schema) return eddy_err_set(err, EDDY_NOMEM, "out of memory");

    /* Columns: keys first (in projection order), then values. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n; i++) {
            if (v[i].is_key != (pass == 0)) continue;
            if (eddy_schema_find(k->schema, v[i].name) >= 0) {
                char *ts = eddy_type_to_string(v[i].type);
                rc = eddy_err_set(err, EDDY_ANALYSIS, "Duplicate %s columns found in schema: `%s` %s",
                                  v[i].is_key ? "key" : "value", v[i].name, ts ? ts : "?");
                free(ts);
                return rc;
            }
            bool pseudo_key = v[i].is_key && v[i].expr->kind == EDDY_EX_COLUMN &&
                              strcmp(v[i].expr->v.column.name, v[i].name) == 0;
            if (!pseudo_key && eddy_analyze_is_reserved_column(v[i].name))
                return eddy_err_set(err, EDDY_ANALYSIS,
                                    "'%s' is a reserved column name. You cannot use it as an alias for a column.",
                                    v[i].name);
            if ((rc = eddy_schema_add(k->schema, v[i].name, eddy_type_ref(v[i].type),
                                      v[i].is_key ? EDDY_COL_KEY : EDDY_COL_VALUE, NULL)))
                return eddy_err_set(err, rc, "out of memory");
        }
    }

    if (k->schema->ncols == eddy_schema_nkeys(k->schema))
        return eddy_err_set(err, EDDY_ANALYSIS, "The projection contains no value columns.");

    /* Topic. */
    const char *topic = eddy_plan_prop_str(props, "KAFKA_TOPIC");
    if (topic) {
        k->topic = strdup(topic);
    } else {
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        eddy_strbuf_printf(&sb, "%s%s", set->output_topic_prefix ? set->output_topic_prefix : "", k->name);
        k->topic = eddy_strbuf_detach(&sb);
    }
    if (!k->topic) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    p->sink_partitions = eddy_plan_prop_int(props, "PARTITIONS", src->partitions > 0 ? src->partitions : 1);
    p->sink_replicas = eddy_plan_prop_int(props, "REPLICAS", 1);
    k->partitions = p->sink_partitions;
    k->replicas = p->sink_replicas;

    /* Formats: the WITH clause, else the source's. */
    const char *fmt = eddy_plan_prop_str(props, "FORMAT"), *kfmt = eddy_plan_prop_str(props, "KEY_FORMAT"),
               *vfmt = eddy_plan_prop_str(props, "VALUE_FORMAT");
    if (fmt && (kfmt || vfmt))
        return eddy_err_set(err, EDDY_ANALYSIS,
                            "Cannot supply both '%s' and 'FORMAT' properties, as 'FORMAT' sets both key and value "
                            "formats.\nEither use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.",
                            vfmt ? "VALUE_FORMAT" : "KEY_FORMAT");
    if (fmt) kfmt = vfmt = fmt;
    bool has_keys = eddy_schema_nkeys(k->schema) > 0;
    if (!has_keys && kfmt && strcasecmp(kfmt, "NONE") != 0)
        return eddy_err_set(err, EDDY_ANALYSIS, "Key format specified for stream without key columns.");
    if (!has_keys) kfmt = "NONE";
    else if (!kfmt) {
        kfmt = src->key_fmt.format;
        if (!kfmt || strcasecmp(kfmt, "NONE") == 0) kfmt = src->declared_key_format;
        if (!kfmt) kfmt = set->default_key_format ? set->default_key_format : "KAFKA";
    }
    if (!vfmt) vfmt = src->value_fmt.format;
    const eddy_format_info *kinfo = eddy_format_find(kfmt), *vinfo = eddy_format_find(vfmt);
    if (!kinfo) return eddy_err_set(err, EDDY_ANALYSIS, "Unknown format: %s", kfmt);
    if (!vinfo) return eddy_err_set(err, EDDY_ANALYSIS, "Unknown format: %s", vfmt);
    if (!kinfo->available) return eddy_err_set(err, EDDY_UNSUPPORTED, "The '%s' format is not supported yet by eddy", kinfo->name);
    if (!vinfo->available) return eddy_err_set(err, EDDY_UNSUPPORTED, "The '%s' format is not supported yet by eddy", vinfo->name);
    k->key_fmt.format = strdup(kinfo->name);
    k->value_fmt.format = strdup(vinfo->name);
    k->key_fmt.schema_id = k->value_fmt.schema_id = -1;
    /* Delimiters carry over when the format does. */
    const char *kd = eddy_plan_prop_str(props, "KEY_DELIMITER"), *vd = eddy_plan_prop_str(props, "VALUE_DELIMITER");
    if (!kd && src->key_fmt.format && strcmp(src->key_fmt.format, kinfo->name) == 0) kd = src->key_fmt.delimiter;
    if (!vd && src->value_fmt.format && strcmp(src->value_fmt.format, vinfo->name) == 0) vd = src->value_fmt.delimiter;
    k->key_fmt.delimiter = dup_or_null(kd);
    k->value_fmt.delimiter = dup_or_null(vd);
    const eddy_property *wrap = prop(props, "WRAP_SINGLE_VALUE");
    k->value_fmt.wrap_single = wrap ? (wrap->value->kind == EDDY_EX_BOOL ? wrap->value->v.b
                                       : wrap->value->kind == EDDY_EX_STRING && strcasecmp(wrap->value->v.s, "true") == 0)
                                    : set->default_wrap_single;
    if (k->value_fmt.wrap_single == 1 && !vinfo->supports_wrapping)
        return eddy_err_set(err, EDDY_ANALYSIS, "Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'true'.",
                            vinfo->name);
    k->key_fmt.wrap_single = -1;
    if (!k->key_fmt.format || !k->value_fmt.format) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if ((rc = eddy_analyze_check_formats(k, err))) return rc;

    /* Output timestamp column. */
    const char *ts = eddy_plan_prop_str(props, "TIMESTAMP");
    if (ts) {
        char name[256];
        snprintf(name, sizeof name, "%s", ts);
        for (char *c = name; *c; c++) *c = (char)toupper((unsigned char)*c);
        int i = eddy_schema_find(k->schema, name);
        if (i < 0)
            return eddy_err_set(err, EDDY_ANALYSIS,
                                "The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", name);
        eddy_type_kind tk = k->schema->cols[i].type->ty_kind;
        const char *tsf = eddy_plan_prop_str(props, "TIMESTAMP_FORMAT");
        if (!(tk == EDDY_TYPE_BIGINT || tk == EDDY_TYPE_TIMESTAMP || (tk == EDDY_TYPE_STRING && tsf)))
            return eddy_err_set(err, EDDY_ANALYSIS,
                                "Timestamp column, `%s`, should be LONG(INT64), TIMESTAMP, or a String with a "
                                "timestamp_format specified.",
                                name);
        k->timestamp_column = strdup(name);
        k->timestamp_format = dup_or_null(tsf);
        p->sink_timestamp_column = strdup(name);
        p->sink_ts_index = i;
    }
    return 0;
}

/* Implicit numeric casts INSERT INTO allows: INT -> BIGINT, DECIMAL, DOUBLE;
 * BIGINT -> DECIMAL, DOUBLE; DECIMAL -> DECIMAL, DOUBLE (a value that does
 * not fit becomes NULL and is logged, as a failing CAST does). */
static bool widens(const eddy_type *from, const eddy_type *to) {
    eddy_type_kind f = from->ty_kind, t = to->ty_kind;
    switch (f) {
    case EDDY_TYPE_INT: return t == EDDY_TYPE_BIGINT || t == EDDY_TYPE_DOUBLE || t == EDDY_TYPE_DECIMAL;
    case EDDY_TYPE_BIGINT: return t == EDDY_TYPE_DOUBLE || t == EDDY_TYPE_DECIMAL;
    case EDDY_TYPE_DECIMAL: return t == EDDY_TYPE_DOUBLE || t == EDDY_TYPE_DECIMAL;
    default: return false;
    }
}

/* INSERT INTO: the result must have the sink's schema. */
static int check_insert_sink(eddy_plan *p, const eddy_source *target, item *v, int n, eddy_err *err) {
    eddy_schema *res = eddy_schema_new();
    int rc = 0;
    if (!res) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++)
            if (v[i].is_key == (pass == 0))
                eddy_schema_add(res, v[i].name, eddy_type_ref(v[i].type), v[i].is_key ? EDDY_COL_KEY : EDDY_COL_VALUE,
                                NULL);
    bool same = res->ncols == target->schema->ncols;
    for (int i = 0; same && i < res->ncols; i++) {
        const eddy_column *a = &res->cols[i], *b = &target->schema->cols[i];
        same = strcmp(a->name, b->name) == 0 && a->ns == b->ns &&
               (eddy_type_equal(a->type, b->type) || widens(a->type, b->type));
    }
    /* Numeric results narrower than the sink's columns are cast, as ksqlDB
     * does implicitly. */
    for (int i = 0; same && i < n; i++) {
        int c = eddy_schema_find(target->schema, v[i].name);
        if (c < 0 || eddy_type_equal(v[i].type, target->schema->cols[c].type)) continue;
        eddy_expr *cast = eddy_ast_expr(p->arena, EDDY_EX_CAST, v[i].expr->pos);
        if (!cast) {
            eddy_schema_free(res);
            return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        }
        cast->v.cast.arg = (eddy_expr *)v[i].expr;
        cast->v.cast.type = eddy_ast_keep_type(p->arena, eddy_type_ref(target->schema->cols[c].type));
        v[i].expr = cast;
    }
    if (!same) {
        eddy_strbuf r = EDDY_STRBUF_INIT, s = EDDY_STRBUF_INIT;
        eddy_schema_format(res, true, &r);
        eddy_schema_format(target->schema, true, &s);
        rc = eddy_err_set(err, EDDY_ANALYSIS,
                          "Incompatible schema between results and sink.\nResult schema is %s\nSink schema is %s",
                          eddy_strbuf_cstr(&r), eddy_strbuf_cstr(&s));
        eddy_strbuf_fini(&r);
        eddy_strbuf_fini(&s);
    }
    eddy_schema_free(res);
    if (rc) return rc;
    p->sink = eddy_source_copy(target);
    if (!p->sink) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    p->sink_exists = true;
    p->sink_partitions = target->partitions;
    p->sink_replicas = target->replicas;
    if (target->timestamp_column) {
        p->sink_timestamp_column = strdup(target->timestamp_column);
        p->sink_ts_index = eddy_schema_find(target->schema, target->timestamp_column);
    }
    return 0;
}

/* The statement as ksqlDB prints it after its errors ("Statement: ..."):
 * qualified columns, one select item per line with its name, EMIT CHANGES. */
static char *statement_text(const eddy_stmt *st, const eddy_query *q, const item *v, int n, const char *src,
                            const char *alias) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    const eddy_list *props = &st->u.create.props;
    eddy_strbuf_printf(&sb, "CREATE %s %s", st->u.create.source_kind == EDDY_SOURCE_TABLE ? "TABLE" : "STREAM",
                       st->u.create.name);
    if (props->n) {
        eddy_strbuf_puts(&sb, " WITH (");
        for (int i = 0; i < props->n; i++) {
            const eddy_property *pr = props->items[i];
            if (i) eddy_strbuf_puts(&sb, ", ");
            eddy_strbuf_printf(&sb, "%s=", pr->name);
            eddy_expr_format(pr->value, &sb);
        }
        eddy_strbuf_puts(&sb, ")");
    }
    eddy_strbuf_puts(&sb, " AS SELECT\n");
    for (int i = 0; i < n; i++) {
        eddy_strbuf_puts(&sb, "  ");
        eddy_plan_format_qualified(v[i].expr, alias, &sb);
        eddy_strbuf_printf(&sb, " %s%s", v[i].name, i < n - 1 ? ",\n" : "");
    }
    eddy_strbuf_printf(&sb, "\nFROM %s %s", src, alias);
    if (q->where) {
        eddy_strbuf_puts(&sb, "\nWHERE ");
        eddy_plan_format_qualified(q->where, alias, &sb);
    }
    const eddy_list *lists[2] = {&q->group_by, &q->partition_by};
    const char *kw[2] = {"GROUP BY", "PARTITION BY"};
    for (int l = 0; l < 2; l++) {
        if (!lists[l]->n) continue;
        eddy_strbuf_printf(&sb, "\n%s ", kw[l]);
        for (int i = 0; i < lists[l]->n; i++) {
            if (i) eddy_strbuf_puts(&sb, ", ");
            eddy_plan_format_qualified(lists[l]->items[i], alias, &sb);
        }
    }
    eddy_strbuf_puts(&sb, "\nEMIT CHANGES");
    return eddy_strbuf_detach(&sb);
}

/* ---- the planner ------------------------------------------------------------- */

int eddy_plan_query(const eddy_catalog *catalog, const eddy_stmt *st, const eddy_plan_settings *settings,
                    eddy_plan **out, eddy_err *err) {
    const eddy_query *q;
    const char *sink_name;
    eddy_plan *p = calloc(1, sizeof *p);
    char *stmt_text = NULL;
    item *v = NULL;
    int n = 0, rc;
    *out = NULL;
    if (!p) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    p->sink_ts_index = -1;
    p->arena = eddy_arena_new();
    if (!p->arena) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    switch (st->kind) {
    case EDDY_STMT_CREATE_AS_SELECT:
        p->kind = EDDY_PLAN_CSAS;
        q = st->u.create.query;
        sink_name = st->u.create.name;
        break;
    case EDDY_STMT_INSERT_SELECT:
        p->kind = EDDY_PLAN_INSERT;
        q = st->u.insert.query;
        sink_name = st->u.insert.target;
        break;
    default:
        p->kind = EDDY_PLAN_PUSH;
        q = st->u.query;
        sink_name = "";
        break;
    }

    /* What is not stateless is a later step. */
    if (q->joins.n) {
        rc = eddy_err_set(err, EDDY_UNSUPPORTED, "JOIN is not supported yet by eddy: joins come in a later release.");
        goto fail;
    }
    /* Source. */
    const eddy_source *src = eddy_catalog_find_source(catalog, q->from.name);
    if (!src) {
        rc = eddy_err_set_at(err, EDDY_NOTFOUND, q->from.pos.line, q->from.pos.col,
                             "Line: %d, Col: %d: %s `%s` does not exist.", q->from.pos.line, q->from.pos.col,
                             "Source", q->from.name);
        goto fail;
    }
    bool is_agg = q->group_by.n || q->having || q->window.kind != EDDY_WIN_NONE;
    for (int i = 0; i < q->items.n && !is_agg; i++)
        is_agg = eddy_plan_has_aggregate(((const eddy_select_item *)q->items.items[i])->expr);
    bool table_result = is_agg || src->kind == EDDY_SOURCE_TABLE;
    if (p->kind == EDDY_PLAN_CSAS && st->u.create.source_kind == EDDY_SOURCE_TABLE && !table_result) {
        rc = eddy_err_set(err, EDDY_ANALYSIS,
                          "Invalid result type. Your SELECT query produces a STREAM. Please use CREATE STREAM AS "
                          "SELECT statement instead.");
        goto fail;
    }
    if (p->kind == EDDY_PLAN_CSAS && st->u.create.source_kind == EDDY_SOURCE_STREAM && table_result) {
        rc = eddy_err_set(err, EDDY_ANALYSIS,
                          "Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS "
                          "SELECT statement instead.");
        goto fail;
    }
    if (q->emit == EDDY_EMIT_FINAL && q->window.kind == EDDY_WIN_NONE) {
        rc = eddy_err_set(err, EDDY_ANALYSIS, "EMIT FINAL is only supported for windowed aggregations.");
        goto fail;
    }
    if (q->partition_by_empty) {
        rc = eddy_err_set(err, EDDY_ANALYSIS, "PARTITION BY requires at least one expression");
        goto fail;
    }
    if (is_agg && q->partition_by.n) {
        rc = eddy_err_set(err, EDDY_ANALYSIS, "PARTITION BY can not be used with GROUP BY.");
        goto fail;
    }
    if (table_result && p->kind == EDDY_PLAN_INSERT) {
        /* checked with the target below */
    }
    p->table_source = src->kind == EDDY_SOURCE_TABLE && !is_agg;
    if (q->window.kind != EDDY_WIN_NONE && src->window_type == EDDY_WT_NONE) {
        /* A windowed aggregation's projection may read the window bounds;
         * the record stage cannot. */
        const char *b = eddy_plan_window_bound_in(q->where);
        if (b) {
            rc = eddy_err_set(err, EDDY_ANALYSIS, "Error in WHERE expression: Unknown column %s.", b);
            goto fail;
        }
        for (int i = 0; i < q->group_by.n && !b; i++) b = eddy_plan_window_bound_in(q->group_by.items[i]);
        if (b) {
            rc = eddy_err_set(err, EDDY_ANALYSIS, "GROUP BY column '%s' cannot be resolved.", b);
            goto fail;
        }
        p->scope_schema = eddy_schema_copy(src->schema);
        if (!p->scope_schema ||
            eddy_schema_add(p->scope_schema, "WINDOWSTART", eddy_type_primitive(EDDY_TYPE_BIGINT), EDDY_COL_VALUE, NULL) ||
            eddy_schema_add(p->scope_schema, "WINDOWEND", eddy_type_primitive(EDDY_TYPE_BIGINT), EDDY_COL_VALUE, NULL)) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            goto fail;
        }
    }
    if (src->window_type != EDDY_WT_NONE) {
        if (is_agg || src->kind == EDDY_SOURCE_TABLE) {
            rc = eddy_err_set(err, EDDY_UNSUPPORTED,
                              "Aggregations and tables over windowed sources are not supported yet by eddy.");
            goto fail;
        }
        /* The window bounds are columns queries can read. */
        p->scope_schema = eddy_schema_copy(src->schema);
        if (!p->scope_schema ||
            eddy_schema_add(p->scope_schema, "WINDOWSTART", eddy_type_primitive(EDDY_TYPE_BIGINT), EDDY_COL_VALUE, NULL) ||
            eddy_schema_add(p->scope_schema, "WINDOWEND", eddy_type_primitive(EDDY_TYPE_BIGINT), EDDY_COL_VALUE, NULL)) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            goto fail;
        }
    }
    if (p->kind != EDDY_PLAN_PUSH && q->has_limit) {
        rc = eddy_err_set(err, EDDY_ANALYSIS, "CREATE %s AS SELECT statements don't support LIMIT clause.",
                          p->kind == EDDY_PLAN_CSAS && st->u.create.source_kind == EDDY_SOURCE_TABLE ? "TABLE" : "STREAM");
        goto fail;
    }
    p->has_limit = q->has_limit;
    p->limit = q->limit;
    p->source = eddy_source_copy(src);
    if (!p->source) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }

    if (q->from.alias && !(p->source_alias = strdup(q->from.alias))) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    eddy_scope_source ss;
    eddy_expr_scope scope;
    eddy_plan_scope(p, &ss, &scope);
    if (q->where) {
        eddy_type *wt = NULL;
        if ((rc = eddy_expr_typeof(&scope, q->where, "WHERE", &wt, err))) goto fail;
        bool is_bool = wt->ty_kind == EDDY_TYPE_BOOLEAN;
        eddy_type_unref(wt);
        if (!is_bool) {
            rc = eddy_err_set(err, EDDY_ANALYSIS, "Type error in WHERE expression: Should evaluate to boolean but is %s.",
                              "not a boolean");
            goto fail;
        }
    }
    p->where = q->where;
    if ((rc = expand_items(p, q, &scope, &v, &n, err))) goto fail;

    /* ksqlDB checks the sink's TIMESTAMP column before the keys. */
    if (p->kind == EDDY_PLAN_CSAS) {
        const char *ts = eddy_plan_prop_str(&st->u.create.props, "TIMESTAMP");
        if (ts) {
            char name[256];
            bool found = false;
            snprintf(name, sizeof name, "%s", ts);
            for (char *c = name; *c; c++) *c = (char)toupper((unsigned char)*c);
            for (int i = 0; i < n; i++)
                if (strcmp(v[i].name, name) == 0) found = true;
            if (!found) {
                rc = eddy_err_set(err, EDDY_ANALYSIS,
                                  "The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'",
                                  name);
                goto fail;
            }
        }
    }

    stmt_text = p->kind == EDDY_PLAN_CSAS
                          ? statement_text(st, q, v, n, src->name, q->from.alias ? q->from.alias : src->name)
                          : NULL;

    /* Keys. */
    if (is_agg) {
        if ((rc = eddy_plan_aggregate(p, q, sink_name, &scope, v, n, err))) goto fail;
    } else if (p->kind == EDDY_PLAN_PUSH) {
        /* Push queries keep the projection as it is; there is no sink key. */
    } else if (q->partition_by.n) {
        if ((rc = pick_partition_keys(p, q, sink_name, &scope, v, n, err))) goto fail;
    } else if ((rc = pick_source_keys(p, sink_name, v, n, err))) {
        goto fail;
    }

    if (p->kind != EDDY_PLAN_PUSH) order_items(v, n);

    /* Sink. */
    if (p->kind == EDDY_PLAN_CSAS) {
        if ((rc = build_sink(p, st, settings, v, n, err)) == 0 && src->window_type != EDDY_WT_NONE) {
            p->sink->window_type = src->window_type; /* rows keep their windows */
            p->sink->window_size_ms = src->window_size_ms;
        }
        if (rc) {
            if (stmt_text && strncmp(err->msg, "Key format does not support schema.", 35) == 0) {
                eddy_strbuf msg = EDDY_STRBUF_INIT;
                eddy_strbuf_printf(&msg, "%s\nStatement: %s", err->msg, stmt_text);
                eddy_err_set(err, rc, "%s", eddy_strbuf_cstr(&msg));
                eddy_strbuf_fini(&msg);
            }
            goto fail;
        }
        if (p->agg && p->agg->window.kind != EDDY_WIN_NONE) {
            const eddy_plan_window *w = &p->agg->window;
            p->sink->window_type = w->kind == EDDY_WIN_TUMBLING  ? EDDY_WT_TUMBLING
                                   : w->kind == EDDY_WIN_HOPPING ? EDDY_WT_HOPPING
                                                                 : EDDY_WT_SESSION;
            p->sink->window_size_ms = w->kind == EDDY_WIN_SESSION ? 0 : w->size_ms;
        }
    } else if (p->kind == EDDY_PLAN_INSERT) {
        const eddy_source *target = eddy_catalog_find_source(catalog, sink_name);
        if (!target) {
            rc = eddy_err_set(err, EDDY_NOTFOUND, "Line: %d, Col: %d: Source `%s` does not exist.", st->pos.line,
                              st->pos.col + 12, sink_name);
            goto fail;
        }
        if (target->kind == EDDY_SOURCE_TABLE) {
            rc = eddy_err_set(err, EDDY_ANALYSIS, "INSERT INTO can only be used to insert into a stream. %s is a table.",
                              sink_name);
            goto fail;
        }
        if (target->is_source) {
            rc = eddy_err_set(err, EDDY_ANALYSIS, "Cannot insert into read-only topic: %s", target->topic);
            goto fail;
        }
        if ((rc = check_insert_sink(p, target, v, n, err))) goto fail;
    }

    /* The expressions in output order: keys first. */
    p->exprs = calloc((size_t)n + 1, sizeof *p->exprs);
    if (!p->exprs) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++)
            if (v[i].is_key == (pass == 0) || p->kind == EDDY_PLAN_PUSH) {
                if (p->kind == EDDY_PLAN_PUSH && pass == 1) continue;
                p->exprs[p->nexprs++] = v[i].expr;
            }
    if (p->kind == EDDY_PLAN_PUSH) {
        /* A push query's "sink" describes its columns, for the header. */
        p->sink = calloc(1, sizeof *p->sink);
        if (!p->sink || !(p->sink->schema = eddy_schema_new()) || !(p->sink->name = strdup("")) ||
            !(p->sink->topic = strdup(""))) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            goto fail;
        }
        for (int i = 0; i < n; i++)
            eddy_schema_add(p->sink->schema, v[i].name, eddy_type_ref(v[i].type), EDDY_COL_VALUE, NULL);
    }
    p->keyless = p->keyless || eddy_schema_nkeys(p->sink->schema) == 0;
    free(stmt_text);
    eddy_plan_items_free(v, n);
    *out = p;
    return 0;
fail:
    free(stmt_text);
    eddy_plan_items_free(v, n);
    eddy_plan_destroy(p);
    return rc;
}

int eddy_plan_materialize(const eddy_catalog *catalog, const char *table, eddy_plan **out, eddy_err *err) {
    eddy_arena *a = eddy_arena_new();
    eddy_list stmts = {0};
    char sql[600];
    int rc;
    *out = NULL;
    if (!a) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    snprintf(sql, sizeof sql, "SELECT * FROM `%s` EMIT CHANGES;", table);
    if ((rc = eddy_parse(sql, a, &stmts, err)) == 0 && stmts.n == 1)
        rc = eddy_plan_query(catalog, stmts.items[0], &(eddy_plan_settings){0}, out, err);
    eddy_arena_destroy(a);
    if (rc) return rc;
    eddy_plan *p = *out;
    const eddy_source *src = eddy_catalog_find_source(catalog, table);
    eddy_source_free(p->sink);
    p->sink = src ? eddy_source_copy(src) : NULL;
    if (!p->sink) {
        eddy_plan_destroy(p);
        *out = NULL;
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    p->kind = EDDY_PLAN_MATERIALIZE;
    p->table_source = true;
    p->has_limit = false;
    return 0;
}
