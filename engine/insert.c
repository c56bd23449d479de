/* insert.c - writing single rows into a source's topic: INSERT INTO ... VALUES and /inserts-stream. */
#include "engine/engine_internal.h"

#include "engine/expr.h"
#include "schemas/serde.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Converts v (of type from) to type to, when ksqlDB allows it implicitly:
 * the same type, or numeric widening (INT -> BIGINT -> DECIMAL -> DOUBLE). */
static int coerce(const eddy_value *v, const eddy_type *from, const eddy_type *to, eddy_arena *a, eddy_value *out) {
    if (v->v_kind == EDDY_V_NULL) {
        *out = *v;
        return 0;
    }
    if (eddy_type_equal(from, to)) {
        *out = *v;
        return 0;
    }
    eddy_type_kind f = from->ty_kind, t = to->ty_kind;
    bool f_int = f == EDDY_TYPE_INT || f == EDDY_TYPE_BIGINT;
    if (f_int && t == EDDY_TYPE_BIGINT) {
        *out = eddy_value_bigint(v->u.i);
        return 0;
    }
    if (f == EDDY_TYPE_INT && t == EDDY_TYPE_INT) {
        *out = *v;
        return 0;
    }
    if (f_int && t == EDDY_TYPE_DOUBLE) {
        *out = eddy_value_double((double)v->u.i);
        return 0;
    }
    if (f == EDDY_TYPE_DECIMAL && t == EDDY_TYPE_DOUBLE) {
        double d = (double)*v->u.dec;
        for (int i = 0; i < v->v_scale; i++) d /= 10;
        *out = eddy_value_double(d);
        return 0;
    }
    if ((f_int || f == EDDY_TYPE_DECIMAL) && t == EDDY_TYPE_DECIMAL) {
        eddy_int128 x = f_int ? (eddy_int128)v->u.i : *v->u.dec;
        int scale = f_int ? 0 : v->v_scale;
        while (scale < to->ty_scale) x *= 10, scale++;
        if (scale > to->ty_scale) return EDDY_RANGE; /* would lose digits */
        *out = eddy_value_decimal(a, x, scale);
        return 0;
    }
    /* Containers convert element by element; structs field by field, by
     * name: fields the value lacks are NULL, fields the type lacks are
     * dropped (as ksqlDB's INSERT VALUES does). */
    if (f == EDDY_TYPE_ARRAY && t == EDDY_TYPE_ARRAY) {
        eddy_value r = eddy_value_container(a, EDDY_V_ARRAY, v->v_len);
        if (v->v_len && !r.u.items) return EDDY_NOMEM;
        for (uint32_t i = 0; i < v->v_len; i++) {
            int rc = coerce(&v->u.items[i], from->ty_elem, to->ty_elem, a, &r.u.items[i]);
            if (rc) return rc;
        }
        *out = r;
        return 0;
    }
    if (f == EDDY_TYPE_MAP && t == EDDY_TYPE_MAP) {
        eddy_value r = eddy_value_container(a, EDDY_V_MAP, v->v_len);
        if (v->v_len && !r.u.items) return EDDY_NOMEM;
        for (uint32_t i = 0; i < v->v_len; i++) {
            int rc = coerce(&v->u.items[2 * i], from->ty_key, to->ty_key, a, &r.u.items[2 * i]);
            if (!rc) rc = coerce(&v->u.items[2 * i + 1], from->ty_elem, to->ty_elem, a, &r.u.items[2 * i + 1]);
            if (rc) return rc;
        }
        *out = r;
        return 0;
    }
    if (f == EDDY_TYPE_STRUCT && t == EDDY_TYPE_STRUCT) {
        eddy_value r = eddy_value_container(a, EDDY_V_STRUCT, (uint32_t)to->ty_nfields);
        if (to->ty_nfields && !r.u.items) return EDDY_NOMEM;
        for (int i = 0; i < to->ty_nfields; i++) {
            r.u.items[i] = eddy_value_null();
            for (int j = 0; j < from->ty_nfields && j < (int)v->v_len; j++) {
                if (strcasecmp(from->ty_fields[j].name, to->ty_fields[i].name) != 0) continue;
                int rc = coerce(&v->u.items[j], from->ty_fields[j].type, to->ty_fields[i].type, a, &r.u.items[i]);
                if (rc) return rc;
                break;
            }
        }
        *out = r;
        return 0;
    }
    return EDDY_ANALYSIS;
}

/* The source to insert into: exact name, else the only case-insensitive match. */
static eddy_source *find_target(eddy_engine *e, const char *name) {
    eddy_source *s = eddy_catalog_find_source(e->catalog, name);
    return s ? s : eddy_catalog_find_source_nocase(e->catalog, name);
}

/* Serializes cols (the source's schema order) and appends the record. */
static int produce_row(eddy_engine *e, const eddy_source *s, const eddy_value *cols, int64_t ts, eddy_err *err) {
    const eddy_schema *sc = s->schema;
    eddy_serde *ks = NULL, *vs = NULL;
    eddy_strbuf kb = EDDY_STRBUF_INIT, vb = EDDY_STRBUF_INIT;
    int nk = 0, nv = 0, rc;
    while (nk < sc->ncols && sc->cols[nk].ns == EDDY_COL_KEY) nk++;
    eddy_column *vcols = calloc((size_t)sc->ncols + 1, sizeof *vcols);
    eddy_value *vvals = calloc((size_t)sc->ncols + 1, sizeof *vvals);
    if (!vcols || !vvals) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto done;
    }
    for (int i = nk; i < sc->ncols; i++)
        if (sc->cols[i].ns == EDDY_COL_VALUE) {
            vcols[nv] = sc->cols[i];
            vvals[nv++] = cols[i];
        }
    if ((rc = eddy_serde_new(&s->key_fmt, true, sc->cols, nk, &ks, err))) goto done;
    if ((rc = eddy_serde_new(&s->value_fmt, false, vcols, nv, &vs, err))) goto done;
    bool knull = false, vnull = false;
    if ((rc = eddy_serde_encode(ks, cols, &kb, &knull, err))) goto done;
    if ((rc = eddy_serde_encode(vs, vvals, &vb, &vnull, err))) goto done;
    eddy_log_record r = {0};
    r.timestamp = ts;
    r.key = knull ? NULL : (kb.buf ? kb.buf : "");
    r.key_len = knull ? 0 : kb.len;
    r.value = vnull ? NULL : (vb.buf ? vb.buf : "");
    r.value_len = vnull ? 0 : vb.len;
    rc = eddy_log_produce(e->log, s->topic, EDDY_LOG_PARTITION_ANY, &r, 0, NULL, NULL, err);
done:
    eddy_serde_destroy(ks);
    eddy_serde_destroy(vs);
    eddy_strbuf_fini(&kb);
    eddy_strbuf_fini(&vb);
    free(vcols);
    free(vvals);
    return rc;
}

/* Refusals common to every way of inserting rows. */
static int check_target(const eddy_source *s, const char *target, eddy_err *err) {
    if (!s) return eddy_err_set(err, EDDY_NOTFOUND, "Cannot insert values into an unknown stream/table: `%s`", target);
    if (s->is_source) return eddy_err_set(err, EDDY_ANALYSIS, "Cannot insert into read-only topic: %s", s->topic);
    if (s->window_type != EDDY_WT_NONE)
        return eddy_err_set(err, EDDY_ANALYSIS, "Cannot insert values into windowed %s: %s",
                            s->kind == EDDY_SOURCE_TABLE ? "table" : "stream", s->name);
    return 0;
}

int eddy_engine_insert_check(eddy_engine *e, const char *target, eddy_err *err) {
    pthread_mutex_lock(&e->mu);
    int rc = check_target(find_target(e, target), target, err);
    pthread_mutex_unlock(&e->mu);
    return rc;
}

int eddy_engine_insert_json(eddy_engine *e, const char *target, const json_t *row, eddy_err *err) {
    eddy_arena *a = eddy_arena_new();
    eddy_source *s = NULL;
    eddy_value *cols = NULL;
    int rc;
    if (!a) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    pthread_mutex_lock(&e->mu);
    const eddy_source *found = find_target(e, target);
    rc = check_target(found, target, err);
    s = found && !rc ? eddy_source_copy(found) : NULL;
    pthread_mutex_unlock(&e->mu);
    if (rc) goto done;
    if (!s) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto done;
    }
    if (!json_is_object(row)) {
        rc = eddy_err_set(err, EDDY_ANALYSIS, "Invalid JSON in inserts stream: a row must be a JSON object");
        goto done;
    }
    cols = eddy_arena_alloc(a, (size_t)(s->schema->ncols + 1) * sizeof *cols);
    if (!cols) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto done;
    }
    int64_t ts = -1;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)row, k, v) {
        if (strcasecmp(k, "ROWTIME") == 0) {
            if (!json_is_integer(v)) {
                rc = eddy_err_set(err, EDDY_ANALYSIS, "ROWTIME must be a number of milliseconds");
                goto done;
            }
            ts = json_integer_value(v);
            continue;
        }
        int c = eddy_schema_find(s->schema, k);
        for (int i = 0; c < 0 && i < s->schema->ncols; i++)
            if (strcasecmp(s->schema->cols[i].name, k) == 0) c = i;
        if (c < 0 || s->schema->cols[c].ns == EDDY_COL_HEADERS || s->schema->cols[c].ns == EDDY_COL_HEADER) {
            rc = eddy_err_set(err, EDDY_ANALYSIS, "Column name %s does not exist.", k);
            goto done;
        }
        if ((rc = eddy_value_from_json(v, s->schema->cols[c].type, a, &cols[c], err))) goto done;
    }
    rc = produce_row(e, s, cols, ts, err);
done:
    eddy_source_free(s);
    eddy_arena_destroy(a);
    return rc;
}

/* INSERT INTO target [(columns)] VALUES (expressions). */
int eddy_exec_insert_values(eddy_exec *x, json_t **entity, eddy_err *err) {
    const eddy_stmt *st = x->stmt;
    const char *target = st->u.insert.target;
    const eddy_source *s = eddy_catalog_find_source(x->catalog, target);
    const eddy_list *names = &st->u.insert.columns, *values = &st->u.insert.values;
    eddy_arena *a = NULL;
    int rc = 0;
    *entity = NULL;
    if (!s) {
        const eddy_source *near = eddy_catalog_find_source_nocase(x->catalog, target);
        if (near) {
            bool unquote = strcmp(near->name, target) < 0; /* the user quoted a lower-case name */
            return eddy_err_set(err, EDDY_NOTFOUND,
                                "Cannot insert values into an unknown stream/table: `%s`\nDid you mean %s%s%s? Hint: %s",
                                target, unquote ? "" : "\"", near->name, unquote ? "" : "\"",
                                unquote ? "try removing double quotes from the source name."
                                        : "wrap the source name in double quotes to make it case-sensitive.");
        }
        return eddy_err_set(err, EDDY_NOTFOUND, "Cannot insert values into an unknown stream/table: `%s`", target);
    }
    if ((rc = check_target(s, target, err))) return rc;
    const eddy_schema *sc = s->schema;
    /* The columns: as listed, or every key and value column in order. */
    int ncols = names->n;
    const char *implicit[256];
    if (ncols == 0) {
        for (int i = 0; i < sc->ncols && ncols < 256; i++)
            if (sc->cols[i].ns == EDDY_COL_KEY || sc->cols[i].ns == EDDY_COL_VALUE) implicit[ncols++] = sc->cols[i].name;
    }
    if (ncols != values->n)
        return eddy_err_set(err, EDDY_ANALYSIS,
                            "Failed to prepare statement: Expected number columns and values to match: %d, %d",
                            ncols, values->n);
    a = eddy_arena_new();
    eddy_value *cols = a ? eddy_arena_alloc(a, (size_t)(sc->ncols + 1) * sizeof *cols) : NULL;
    if (!cols) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto done;
    }
    int64_t ts = -1;
    for (int i = 0; i < ncols; i++) {
        const char *name = names->n ? names->items[i] : implicit[i];
        const eddy_expr *e = values->items[i];
        eddy_value v;
        eddy_type *t = NULL;
        if (strcmp(name, "ROWPARTITION") == 0 || strcmp(name, "ROWOFFSET") == 0) {
            rc = eddy_err_set(err, EDDY_ANALYSIS, "Inserting into column `%s` is not allowed.", name);
            goto done;
        }
        if ((rc = eddy_expr_eval_const(e, a, &v, &t, err))) {
            if (strncmp(err->msg, "Failed to prepare statement: ", 29) != 0) {
                char tmp[sizeof err->msg];
                snprintf(tmp, sizeof tmp, "%s", err->msg);
                eddy_err_set(err, rc, "Failed to prepare statement: %.900s", tmp);
            }
            goto done;
        }
        if (strcmp(name, "ROWTIME") == 0) {
            ts = v.v_kind == EDDY_V_NULL ? -1 : v.u.i;
            eddy_type_unref(t);
            continue;
        }
        int c = eddy_schema_find(sc, name);
        if (c < 0 || sc->cols[c].ns == EDDY_COL_HEADERS || sc->cols[c].ns == EDDY_COL_HEADER) {
            eddy_type_unref(t);
            rc = eddy_err_set(err, EDDY_ANALYSIS, "Column name %s does not exist.", name);
            goto done;
        }
        rc = coerce(&v, t, sc->cols[c].type, a, &cols[c]);
        if (rc) {
            char *want = eddy_type_to_string(sc->cols[c].type), *got = eddy_type_to_string(t);
            eddy_err_set(err, EDDY_ANALYSIS,
                         "Failed to insert values into '%s'. Expected type %s for column `%s` but got %s", s->name,
                         want ? want : "?", name, got ? got : "?");
            free(want);
            free(got);
            eddy_type_unref(t);
            rc = EDDY_ANALYSIS;
            goto done;
        }
        eddy_type_unref(t);
    }
    if (!x->dry_run) rc = produce_row(x->engine, s, cols, ts, err);
done:
    eddy_arena_destroy(a);
    return rc;
}
