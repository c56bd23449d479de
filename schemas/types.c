/* types.c - eddy's SQL types: construction, comparison and ksqlDB's printing. */
#include "schemas/types.h"

#include "base/error.h"

#include <stdlib.h>
#include <string.h>

/* Primitive singletons: refcount -1 marks them as static. */
static eddy_type prim[] = {
    [EDDY_TYPE_BOOLEAN] = {.ty_kind = EDDY_TYPE_BOOLEAN, .ty_refcnt = -1},
    [EDDY_TYPE_INT] = {.ty_kind = EDDY_TYPE_INT, .ty_refcnt = -1},
    [EDDY_TYPE_BIGINT] = {.ty_kind = EDDY_TYPE_BIGINT, .ty_refcnt = -1},
    [EDDY_TYPE_DOUBLE] = {.ty_kind = EDDY_TYPE_DOUBLE, .ty_refcnt = -1},
    [EDDY_TYPE_DECIMAL] = {.ty_kind = EDDY_TYPE_DECIMAL, .ty_refcnt = -1},
    [EDDY_TYPE_STRING] = {.ty_kind = EDDY_TYPE_STRING, .ty_refcnt = -1},
    [EDDY_TYPE_BYTES] = {.ty_kind = EDDY_TYPE_BYTES, .ty_refcnt = -1},
    [EDDY_TYPE_DATE] = {.ty_kind = EDDY_TYPE_DATE, .ty_refcnt = -1},
    [EDDY_TYPE_TIME] = {.ty_kind = EDDY_TYPE_TIME, .ty_refcnt = -1},
    [EDDY_TYPE_TIMESTAMP] = {.ty_kind = EDDY_TYPE_TIMESTAMP, .ty_refcnt = -1},
};

eddy_type *eddy_type_primitive(eddy_type_kind kind) {
    if (kind > EDDY_TYPE_TIMESTAMP || kind == EDDY_TYPE_DECIMAL) return NULL;
    return &prim[kind];
}

static eddy_type *alloc_type(eddy_type_kind kind) {
    eddy_type *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->ty_kind = kind;
    t->ty_refcnt = 1;
    return t;
}

eddy_type *eddy_type_decimal(int precision, int scale) {
    eddy_type *t = alloc_type(EDDY_TYPE_DECIMAL);
    if (!t) return NULL;
    t->ty_precision = precision;
    t->ty_scale = scale;
    return t;
}

eddy_type *eddy_type_array(eddy_type *elem) {
    eddy_type *t = alloc_type(EDDY_TYPE_ARRAY);
    if (!t) {
        eddy_type_unref(elem);
        return NULL;
    }
    t->ty_elem = elem;
    return t;
}

eddy_type *eddy_type_map(eddy_type *key, eddy_type *value) {
    eddy_type *t = alloc_type(EDDY_TYPE_MAP);
    if (!t) {
        eddy_type_unref(key);
        eddy_type_unref(value);
        return NULL;
    }
    t->ty_key = key;
    t->ty_elem = value;
    return t;
}

eddy_type *eddy_type_struct(int n, const char *const *names, eddy_type **types) {
    eddy_type *t = alloc_type(EDDY_TYPE_STRUCT);
    int i;
    if (!t) goto fail;
    if (n > 0) {
        t->ty_fields = calloc((size_t)n, sizeof(eddy_field));
        if (!t->ty_fields) goto fail;
    }
    for (i = 0; i < n; i++) {
        t->ty_fields[i].name = strdup(names[i]);
        t->ty_fields[i].type = types[i];
        types[i] = NULL;
        t->ty_nfields = i + 1;
        if (!t->ty_fields[i].name) goto fail;
    }
    return t;
fail:
    for (i = 0; i < n; i++) eddy_type_unref(types[i]);
    eddy_type_unref(t);
    return NULL;
}

eddy_type *eddy_type_named(const char *name) {
    eddy_type *t = alloc_type(EDDY_TYPE_NAMED);
    if (!t) return NULL;
    t->ty_name = strdup(name);
    if (!t->ty_name) {
        free(t);
        return NULL;
    }
    return t;
}

eddy_type *eddy_type_ref(eddy_type *t) {
    if (t && t->ty_refcnt > 0) t->ty_refcnt++;
    return t;
}

void eddy_type_unref(eddy_type *t) {
    if (!t || t->ty_refcnt < 0) return;
    if (--t->ty_refcnt > 0) return;
    eddy_type_unref(t->ty_key);
    eddy_type_unref(t->ty_elem);
    for (int i = 0; i < t->ty_nfields; i++) {
        free(t->ty_fields[i].name);
        eddy_type_unref(t->ty_fields[i].type);
    }
    free(t->ty_fields);
    free(t->ty_name);
    free(t);
}

void eddy_type_unref_void(void *t) { eddy_type_unref(t); }

bool eddy_type_equal(const eddy_type *a, const eddy_type *b) {
    if (a == b) return true;
    if (!a || !b || a->ty_kind != b->ty_kind) return false;
    switch (a->ty_kind) {
    case EDDY_TYPE_DECIMAL: return a->ty_precision == b->ty_precision && a->ty_scale == b->ty_scale;
    case EDDY_TYPE_ARRAY: return eddy_type_equal(a->ty_elem, b->ty_elem);
    case EDDY_TYPE_MAP: return eddy_type_equal(a->ty_key, b->ty_key) && eddy_type_equal(a->ty_elem, b->ty_elem);
    case EDDY_TYPE_STRUCT:
        if (a->ty_nfields != b->ty_nfields) return false;
        for (int i = 0; i < a->ty_nfields; i++)
            if (strcmp(a->ty_fields[i].name, b->ty_fields[i].name) ||
                !eddy_type_equal(a->ty_fields[i].type, b->ty_fields[i].type))
                return false;
        return true;
    case EDDY_TYPE_NAMED: return strcmp(a->ty_name, b->ty_name) == 0;
    default: return true;
    }
}

bool eddy_type_is_primitive(const eddy_type *t) { return t && t->ty_kind <= EDDY_TYPE_TIMESTAMP; }

bool eddy_type_is_numeric(const eddy_type *t) {
    return t && (t->ty_kind == EDDY_TYPE_INT || t->ty_kind == EDDY_TYPE_BIGINT ||
                 t->ty_kind == EDDY_TYPE_DOUBLE || t->ty_kind == EDDY_TYPE_DECIMAL);
}

const char *eddy_type_kind_name(eddy_type_kind kind) {
    static const char *const names[] = {
        [EDDY_TYPE_BOOLEAN] = "BOOLEAN", [EDDY_TYPE_INT] = "INTEGER",     [EDDY_TYPE_BIGINT] = "BIGINT",
        [EDDY_TYPE_DOUBLE] = "DOUBLE",   [EDDY_TYPE_DECIMAL] = "DECIMAL", [EDDY_TYPE_STRING] = "STRING",
        [EDDY_TYPE_BYTES] = "BYTES",     [EDDY_TYPE_DATE] = "DATE",       [EDDY_TYPE_TIME] = "TIME",
        [EDDY_TYPE_TIMESTAMP] = "TIMESTAMP", [EDDY_TYPE_ARRAY] = "ARRAY", [EDDY_TYPE_MAP] = "MAP",
        [EDDY_TYPE_STRUCT] = "STRUCT",   [EDDY_TYPE_NAMED] = "NAMED",
    };
    if ((unsigned)kind >= sizeof names / sizeof names[0]) return "UNKNOWN";
    return names[kind];
}

/* Field names inside STRUCT<...> are back-quoted, as ksqlDB prints them. */
void eddy_type_format(const eddy_type *t, eddy_strbuf *out) {
    if (!t) {
        eddy_strbuf_puts(out, "NULL");
        return;
    }
    switch (t->ty_kind) {
    case EDDY_TYPE_DECIMAL: eddy_strbuf_printf(out, "DECIMAL(%d, %d)", t->ty_precision, t->ty_scale); break;
    case EDDY_TYPE_ARRAY:
        eddy_strbuf_puts(out, "ARRAY<");
        eddy_type_format(t->ty_elem, out);
        eddy_strbuf_putc(out, '>');
        break;
    case EDDY_TYPE_MAP:
        eddy_strbuf_puts(out, "MAP<");
        eddy_type_format(t->ty_key, out);
        eddy_strbuf_puts(out, ", ");
        eddy_type_format(t->ty_elem, out);
        eddy_strbuf_putc(out, '>');
        break;
    case EDDY_TYPE_STRUCT:
        eddy_strbuf_puts(out, "STRUCT<");
        for (int i = 0; i < t->ty_nfields; i++) {
            if (i) eddy_strbuf_puts(out, ", ");
            eddy_strbuf_printf(out, "`%s` ", t->ty_fields[i].name);
            eddy_type_format(t->ty_fields[i].type, out);
        }
        eddy_strbuf_putc(out, '>');
        break;
    case EDDY_TYPE_NAMED: eddy_strbuf_puts(out, t->ty_name); break;
    default: eddy_strbuf_puts(out, eddy_type_kind_name(t->ty_kind)); break;
    }
}

char *eddy_type_to_string(const eddy_type *t) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_type_format(t, &sb);
    return eddy_strbuf_detach(&sb);
}

/* ---- schemas ---------------------------------------------------------- */

eddy_schema *eddy_schema_new(void) { return calloc(1, sizeof(eddy_schema)); }

void eddy_schema_free(eddy_schema *s) {
    if (!s) return;
    for (int i = 0; i < s->ncols; i++) {
        free(s->cols[i].name);
        free(s->cols[i].header_key);
        eddy_type_unref(s->cols[i].type);
    }
    free(s->cols);
    free(s);
}

int eddy_schema_add(eddy_schema *s, const char *name, eddy_type *type, eddy_col_ns ns, const char *header_key) {
    eddy_column *cols = realloc(s->cols, (size_t)(s->ncols + 1) * sizeof *cols);
    if (!cols) {
        eddy_type_unref(type);
        return EDDY_NOMEM;
    }
    s->cols = cols;
    eddy_column *c = &cols[s->ncols];
    c->name = strdup(name);
    c->header_key = header_key ? strdup(header_key) : NULL;
    c->type = type;
    c->ns = ns;
    if (!c->name || (header_key && !c->header_key)) {
        free(c->name);
        free(c->header_key);
        eddy_type_unref(type);
        return EDDY_NOMEM;
    }
    s->ncols++;
    return 0;
}

eddy_schema *eddy_schema_copy(const eddy_schema *s) {
    eddy_schema *c = eddy_schema_new();
    if (!c) return NULL;
    for (int i = 0; i < s->ncols; i++) {
        if (eddy_schema_add(c, s->cols[i].name, eddy_type_ref(s->cols[i].type), s->cols[i].ns,
                            s->cols[i].header_key)) {
            eddy_schema_free(c);
            return NULL;
        }
    }
    return c;
}

int eddy_schema_find(const eddy_schema *s, const char *name) {
    for (int i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0) return i;
    return -1;
}

int eddy_schema_nkeys(const eddy_schema *s) {
    int n = 0;
    for (int i = 0; i < s->ncols; i++)
        if (s->cols[i].ns == EDDY_COL_KEY) n++;
    return n;
}

void eddy_schema_format(const eddy_schema *s, bool quote, eddy_strbuf *out) {
    for (int i = 0; i < s->ncols; i++) {
        const eddy_column *c = &s->cols[i];
        if (i) eddy_strbuf_puts(out, ", ");
        if (quote) eddy_strbuf_printf(out, "`%s` ", c->name);
        else eddy_strbuf_printf(out, "%s ", c->name);
        eddy_type_format(c->type, out);
        switch (c->ns) {
        case EDDY_COL_KEY: eddy_strbuf_puts(out, " KEY"); break;
        case EDDY_COL_HEADERS: eddy_strbuf_puts(out, " HEADERS"); break;
        case EDDY_COL_HEADER: eddy_strbuf_printf(out, " HEADER('%s')", c->header_key); break;
        default: break;
        }
    }
}
