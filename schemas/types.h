/* types.h - eddy's SQL type system (ksqlDB's types) and schemas of columns.
 *
 * An eddy_type is immutable and reference counted: eddy_type_ref() shares it,
 * eddy_type_unref() drops a reference (NULL is a no-op).  Constructors return a
 * new type with one reference owned by the caller, or NULL when out of memory.
 * Constructors that take child types take over the caller's reference to each
 * child (also on failure).
 *
 * Printing follows ksqlDB: INTEGER, BIGINT, DOUBLE, BOOLEAN, STRING,
 * DECIMAL(p, s), BYTES, DATE, TIME, TIMESTAMP, ARRAY<T>, MAP<K, V>,
 * STRUCT<`A` INTEGER, `B` STRING>.
 */
#ifndef EDDY_SCHEMAS_TYPES_H
#define EDDY_SCHEMAS_TYPES_H

#include "base/strbuf.h"

#include <stdbool.h>

typedef enum eddy_type_kind {
    EDDY_TYPE_BOOLEAN,
    EDDY_TYPE_INT,
    EDDY_TYPE_BIGINT,
    EDDY_TYPE_DOUBLE,
    EDDY_TYPE_DECIMAL,
    EDDY_TYPE_STRING,
    EDDY_TYPE_BYTES,
    EDDY_TYPE_DATE,
    EDDY_TYPE_TIME,
    EDDY_TYPE_TIMESTAMP,
    EDDY_TYPE_ARRAY,
    EDDY_TYPE_MAP,
    EDDY_TYPE_STRUCT,
    /* Only in parsed statements, before analysis: a name that may be a
     * CREATE TYPE alias (ty_name).  Never in the catalog. */
    EDDY_TYPE_NAMED,
} eddy_type_kind;

typedef struct eddy_type eddy_type;

typedef struct eddy_field {
    char *name;        /* as declared (already upper-cased unless quoted) */
    eddy_type *type;
} eddy_field;

struct eddy_type {
    eddy_type_kind ty_kind;
    int ty_refcnt;
    int ty_precision;          /* DECIMAL */
    int ty_scale;              /* DECIMAL */
    eddy_type *ty_key;         /* MAP key */
    eddy_type *ty_elem;        /* ARRAY element, MAP value */
    int ty_nfields;            /* STRUCT */
    eddy_field *ty_fields;     /* STRUCT, ty_nfields entries */
    char *ty_name;             /* NAMED */
};

/* Shared instances of the primitive types (never freed; ref/unref are no-ops
 * on them).  kind must be a primitive kind other than DECIMAL. */
eddy_type *eddy_type_primitive(eddy_type_kind kind);
eddy_type *eddy_type_decimal(int precision, int scale);
eddy_type *eddy_type_array(eddy_type *elem);
eddy_type *eddy_type_map(eddy_type *key, eddy_type *value);
/* names are copied; types are taken over.  n may be 0. */
eddy_type *eddy_type_struct(int n, const char *const *names, eddy_type **types);
eddy_type *eddy_type_named(const char *name);

eddy_type *eddy_type_ref(eddy_type *t);
void eddy_type_unref(eddy_type *t);
/* For eddy_arena_defer. */
void eddy_type_unref_void(void *t);

bool eddy_type_equal(const eddy_type *a, const eddy_type *b);
bool eddy_type_is_primitive(const eddy_type *t);
bool eddy_type_is_numeric(const eddy_type *t);
/* "INTEGER", "DECIMAL", "ARRAY", ... - the kind's name as ksqlDB prints it. */
const char *eddy_type_kind_name(eddy_type_kind kind);

/* Appends ksqlDB's text for t (see the top of this file). */
void eddy_type_format(const eddy_type *t, eddy_strbuf *out);
/* Heap string of eddy_type_format; caller frees.  NULL when out of memory. */
char *eddy_type_to_string(const eddy_type *t);

/* Where a column lives. */
typedef enum eddy_col_ns {
    EDDY_COL_VALUE = 0,
    EDDY_COL_KEY,      /* KEY or PRIMARY KEY */
    EDDY_COL_HEADERS,  /* HEADERS: all headers as ARRAY<STRUCT<KEY STRING, VALUE BYTES>> */
    EDDY_COL_HEADER,   /* HEADER('k'): one header's value as BYTES */
} eddy_col_ns;

typedef struct eddy_column {
    char *name;
    eddy_type *type;
    eddy_col_ns ns;
    char *header_key; /* EDDY_COL_HEADER only */
} eddy_column;

/* A logical schema: key columns first, then value/header columns, in
 * declaration order.  Owned by whoever holds it; eddy_schema_free frees the
 * columns and their types. */
typedef struct eddy_schema {
    int ncols;
    eddy_column *cols;
} eddy_schema;

eddy_schema *eddy_schema_new(void);
void eddy_schema_free(eddy_schema *s);
eddy_schema *eddy_schema_copy(const eddy_schema *s);
/* Appends a column (name and header_key copied, type reference taken). */
int eddy_schema_add(eddy_schema *s, const char *name, eddy_type *type, eddy_col_ns ns,
                    const char *header_key);
/* Index of a column by exact name, or -1. */
int eddy_schema_find(const eddy_schema *s, const char *name);
int eddy_schema_nkeys(const eddy_schema *s);

/* ksqlDB's schema text: "`ID` BIGINT KEY, `NAME` STRING" when quote is true,
 * "ID BIGINT KEY, NAME STRING" otherwise. */
void eddy_schema_format(const eddy_schema *s, bool quote, eddy_strbuf *out);

#endif
