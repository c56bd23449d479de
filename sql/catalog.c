/* catalog.c - the metastore: streams, tables, custom types and persistent queries. */
#include "sql/catalog.h"

#include "base/error.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct eddy_catalog {
    int nsources;
    eddy_source **sources; /* sorted by name */
    int ntypes;
    eddy_custom_type *types; /* sorted by name */
    int nqueries;
    eddy_query_info **queries; /* in creation order */
    int64_t query_seq;
};

eddy_catalog *eddy_catalog_new(void) { return calloc(1, sizeof(eddy_catalog)); }

void eddy_catalog_destroy(eddy_catalog *c) {
    if (!c) return;
    for (int i = 0; i < c->nsources; i++) eddy_source_free(c->sources[i]);
    free(c->sources);
    for (int i = 0; i < c->ntypes; i++) {
        free(c->types[i].name);
        eddy_type_unref(c->types[i].type);
    }
    free(c->types);
    for (int i = 0; i < c->nqueries; i++) eddy_query_info_free(c->queries[i]);
    free(c->queries);
    free(c);
}

void eddy_format_spec_fini(eddy_format_spec *f) {
    free(f->format);
    free(f->delimiter);
    free(f->schema_full_name);
    memset(f, 0, sizeof *f);
}

static void free_strv(int n, char **v) {
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

void eddy_source_free(eddy_source *s) {
    if (!s) return;
    free(s->name);
    eddy_schema_free(s->schema);
    free(s->topic);
    eddy_format_spec_fini(&s->key_fmt);
    eddy_format_spec_fini(&s->value_fmt);
    free(s->declared_key_format);
    free(s->timestamp_column);
    free(s->timestamp_format);
    free(s->statement);
    free_strv(s->nwrite_queries, s->write_queries);
    free_strv(s->nread_queries, s->read_queries);
    free(s);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static int copy_strv(int n, char **src, char ***dst) {
    *dst = NULL;
    if (n == 0) return 0;
    *dst = calloc((size_t)n, sizeof **dst);
    if (!*dst) return -1;
    for (int i = 0; i < n; i++)
        if (!((*dst)[i] = strdup(src[i]))) return -1;
    return 0;
}

static int copy_format(const eddy_format_spec *a, eddy_format_spec *b) {
    *b = *a;
    b->format = dup_or_null(a->format);
    b->delimiter = dup_or_null(a->delimiter);
    b->schema_full_name = dup_or_null(a->schema_full_name);
    return (a->format && !b->format) || (a->delimiter && !b->delimiter) ||
                   (a->schema_full_name && !b->schema_full_name)
               ? -1
               : 0;
}

eddy_source *eddy_source_copy(const eddy_source *s) {
    eddy_source *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    *c = *s;
    c->name = c->topic = c->timestamp_column = c->timestamp_format = c->statement = c->declared_key_format = NULL;
    c->schema = NULL;
    memset(&c->key_fmt, 0, sizeof c->key_fmt);
    memset(&c->value_fmt, 0, sizeof c->value_fmt);
    c->write_queries = c->read_queries = NULL;
    c->nwrite_queries = c->nread_queries = 0;
    int bad = !(c->name = strdup(s->name)) || !(c->topic = strdup(s->topic)) ||
              !(c->statement = strdup(s->statement ? s->statement : "")) || !(c->schema = eddy_schema_copy(s->schema));
    bad |= copy_format(&s->key_fmt, &c->key_fmt) | copy_format(&s->value_fmt, &c->value_fmt);
    c->timestamp_column = dup_or_null(s->timestamp_column);
    c->timestamp_format = dup_or_null(s->timestamp_format);
    c->declared_key_format = dup_or_null(s->declared_key_format);
    bad |= (s->timestamp_column && !c->timestamp_column) || (s->timestamp_format && !c->timestamp_format) ||
           (s->declared_key_format && !c->declared_key_format);
    bad |= copy_strv(s->nwrite_queries, s->write_queries, &c->write_queries);
    c->nwrite_queries = c->write_queries ? s->nwrite_queries : 0;
    bad |= copy_strv(s->nread_queries, s->read_queries, &c->read_queries);
    c->nread_queries = c->read_queries ? s->nread_queries : 0;
    if (bad) {
        eddy_source_free(c);
        return NULL;
    }
    return c;
}

static eddy_query_info *query_copy(const eddy_query_info *q) {
    eddy_query_info *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->state = q->state;
    c->id = strdup(q->id);
    c->sql = strdup(q->sql ? q->sql : "");
    c->sink = dup_or_null(q->sink);
    c->sink_topic = dup_or_null(q->sink_topic);
    int bad = !c->id || !c->sql || (q->sink && !c->sink) || (q->sink_topic && !c->sink_topic);
    bad |= copy_strv(q->nsources, q->sources, &c->sources);
    c->nsources = c->sources ? q->nsources : 0;
    if (bad) {
        eddy_query_info_free(c);
        return NULL;
    }
    return c;
}

eddy_catalog *eddy_catalog_copy(const eddy_catalog *c) {
    eddy_catalog *n = eddy_catalog_new();
    if (!n) return NULL;
    n->query_seq = c->query_seq;
    for (int i = 0; i < c->nsources; i++) {
        eddy_source *s = eddy_source_copy(c->sources[i]);
        if (!s || eddy_catalog_add_source(n, s, false)) goto fail;
    }
    for (int i = 0; i < c->ntypes; i++)
        if (eddy_catalog_add_type(n, c->types[i].name, c->types[i].type)) goto fail;
    for (int i = 0; i < c->nqueries; i++) {
        eddy_query_info *q = query_copy(c->queries[i]);
        if (!q || eddy_catalog_add_query(n, q)) goto fail;
    }
    return n;
fail:
    eddy_catalog_destroy(n);
    return NULL;
}

const char *eddy_source_kind_name(eddy_source_kind k) { return k == EDDY_SOURCE_TABLE ? "TABLE" : "STREAM"; }

const char *eddy_window_type_name(eddy_window_type t) {
    switch (t) {
    case EDDY_WT_TUMBLING: return "TUMBLING";
    case EDDY_WT_HOPPING: return "HOPPING";
    case EDDY_WT_SESSION: return "SESSION";
    default: return NULL;
    }
}

/* Binary search over sources; returns index, or -(insertion point) - 1. */
static int source_index(const eddy_catalog *c, const char *name) {
    int lo = 0, hi = c->nsources - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, r = strcmp(c->sources[mid]->name, name);
        if (r == 0) return mid;
        if (r < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -lo - 1;
}

int eddy_catalog_add_source(eddy_catalog *c, eddy_source *src, bool replace) {
    int i = source_index(c, src->name);
    if (i >= 0) {
        if (!replace) {
            eddy_source_free(src);
            return EDDY_EXISTS;
        }
        eddy_source_free(c->sources[i]);
        c->sources[i] = src;
        return 0;
    }
    i = -i - 1;
    eddy_source **v = realloc(c->sources, (size_t)(c->nsources + 1) * sizeof *v);
    if (!v) {
        eddy_source_free(src);
        return EDDY_NOMEM;
    }
    c->sources = v;
    memmove(v + i + 1, v + i, (size_t)(c->nsources - i) * sizeof *v);
    v[i] = src;
    c->nsources++;
    return 0;
}

eddy_source *eddy_catalog_find_source(const eddy_catalog *c, const char *name) {
    int i = source_index(c, name);
    return i >= 0 ? c->sources[i] : NULL;
}

eddy_source *eddy_catalog_find_source_nocase(const eddy_catalog *c, const char *name) {
    for (int i = 0; i < c->nsources; i++)
        if (strcasecmp(c->sources[i]->name, name) == 0) return c->sources[i];
    return NULL;
}

int eddy_catalog_drop_source(eddy_catalog *c, const char *name) {
    int i = source_index(c, name);
    if (i < 0) return EDDY_NOTFOUND;
    eddy_source_free(c->sources[i]);
    memmove(c->sources + i, c->sources + i + 1, (size_t)(c->nsources - i - 1) * sizeof *c->sources);
    c->nsources--;
    return 0;
}

eddy_source *const *eddy_catalog_sources(eddy_catalog *c, int *n) {
    *n = c->nsources;
    return c->sources;
}

static int type_index(const eddy_catalog *c, const char *name) {
    int lo = 0, hi = c->ntypes - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, r = strcmp(c->types[mid].name, name);
        if (r == 0) return mid;
        if (r < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -lo - 1;
}

int eddy_catalog_add_type(eddy_catalog *c, const char *name, eddy_type *type) {
    int i = type_index(c, name);
    if (i >= 0) return EDDY_EXISTS;
    i = -i - 1;
    eddy_custom_type *v = realloc(c->types, (size_t)(c->ntypes + 1) * sizeof *v);
    if (!v) return EDDY_NOMEM;
    c->types = v;
    char *copy = strdup(name);
    if (!copy) return EDDY_NOMEM;
    memmove(v + i + 1, v + i, (size_t)(c->ntypes - i) * sizeof *v);
    v[i].name = copy;
    v[i].type = eddy_type_ref(type);
    c->ntypes++;
    return 0;
}

const eddy_custom_type *eddy_catalog_find_type(const eddy_catalog *c, const char *name) {
    int i = type_index(c, name);
    return i >= 0 ? &c->types[i] : NULL;
}

int eddy_catalog_drop_type(eddy_catalog *c, const char *name) {
    int i = type_index(c, name);
    if (i < 0) return EDDY_NOTFOUND;
    free(c->types[i].name);
    eddy_type_unref(c->types[i].type);
    memmove(c->types + i, c->types + i + 1, (size_t)(c->ntypes - i - 1) * sizeof *c->types);
    c->ntypes--;
    return 0;
}

const eddy_custom_type *eddy_catalog_types(const eddy_catalog *c, int *n) {
    *n = c->ntypes;
    return c->types;
}

void eddy_query_info_free(eddy_query_info *q) {
    if (!q) return;
    free(q->id);
    free(q->sql);
    free(q->sink);
    free(q->sink_topic);
    free_strv(q->nsources, q->sources);
    free(q);
}

int eddy_catalog_add_query(eddy_catalog *c, eddy_query_info *q) {
    if (eddy_catalog_find_query(c, q->id)) {
        eddy_query_info_free(q);
        return EDDY_EXISTS;
    }
    eddy_query_info **v = realloc(c->queries, (size_t)(c->nqueries + 1) * sizeof *v);
    if (!v) {
        eddy_query_info_free(q);
        return EDDY_NOMEM;
    }
    c->queries = v;
    v[c->nqueries++] = q;
    return 0;
}

eddy_query_info *eddy_catalog_find_query(const eddy_catalog *c, const char *id) {
    for (int i = 0; i < c->nqueries; i++)
        if (strcasecmp(c->queries[i]->id, id) == 0) return c->queries[i];
    return NULL;
}

int eddy_catalog_drop_query(eddy_catalog *c, const char *id) {
    for (int i = 0; i < c->nqueries; i++) {
        if (strcasecmp(c->queries[i]->id, id) == 0) {
            eddy_query_info_free(c->queries[i]);
            memmove(c->queries + i, c->queries + i + 1, (size_t)(c->nqueries - i - 1) * sizeof *c->queries);
            c->nqueries--;
            return 0;
        }
    }
    return EDDY_NOTFOUND;
}

eddy_query_info *const *eddy_catalog_queries(const eddy_catalog *c, int *n) {
    *n = c->nqueries;
    return c->queries;
}

int64_t eddy_catalog_next_query_seq(eddy_catalog *c) { return c->query_seq++; }
