/* catalog.h - the metastore: streams, tables, custom types and persistent queries.
 *
 * The catalog is in-memory; it is rebuilt on start by replaying the command
 * log (engine/command_log.h), so every change to it comes from a statement.
 * It is not thread-safe by itself: the engine serialises access.
 *
 * Names are stored as resolved by the parser (unquoted names upper-cased).
 * Objects added to the catalog are owned by it; lookups return borrowed
 * pointers valid until the object is dropped.
 */
#ifndef EDDY_SQL_CATALOG_H
#define EDDY_SQL_CATALOG_H

#include "schemas/types.h"
#include "sql/ast.h"

#include <stdbool.h>
#include <stdint.h>

/* Serialization options of one side (key or value) of a source. */
typedef struct eddy_format_spec {
    char *format;          /* "KAFKA", "JSON", "DELIMITED", "AVRO", "NONE", ... */
    char *delimiter;       /* DELIMITED: the delimiter text as given (NULL = ",") */
    int wrap_single;       /* -1 unset, 0 false, 1 true (value side only) */
    int64_t schema_id;     /* KEY_/VALUE_SCHEMA_ID, -1 unset */
    char *schema_full_name;/* KEY_/VALUE_SCHEMA_FULL_NAME or VALUE_AVRO_SCHEMA_FULL_NAME */
} eddy_format_spec;

typedef enum eddy_window_type {
    EDDY_WT_NONE = 0, EDDY_WT_TUMBLING, EDDY_WT_HOPPING, EDDY_WT_SESSION,
} eddy_window_type;

typedef struct eddy_source {
    char *name;
    eddy_source_kind kind;     /* stream or table */
    eddy_schema *schema;       /* key columns first */
    char *topic;
    eddy_format_spec key_fmt;
    eddy_format_spec value_fmt;
    char *declared_key_format; /* the key format the WITH clause named for a source without
                                  key columns (its key_fmt is NONE); queries that give it a
                                  key (PARTITION BY) use it.  NULL when none was named. */
    char *timestamp_column;    /* TIMESTAMP property, NULL = ROWTIME */
    char *timestamp_format;    /* TIMESTAMP_FORMAT, NULL when none */
    eddy_window_type window_type;
    int64_t window_size_ms;    /* TUMBLING/HOPPING, 0 otherwise */
    bool is_source;            /* CREATE SOURCE TABLE/STREAM: read-only */
    bool is_sink;              /* created by CREATE ... AS SELECT */
    char *statement;           /* the statement that created it */
    int partitions;            /* of the topic when known, else 0 */
    int replicas;
    /* Query ids writing to and reading from this source (heap strings). */
    int nwrite_queries;
    char **write_queries;
    int nread_queries;
    char **read_queries;
} eddy_source;

typedef struct eddy_custom_type {
    char *name;
    eddy_type *type;
} eddy_custom_type;

typedef enum eddy_query_state {
    EDDY_QUERY_RUNNING, EDDY_QUERY_PAUSED, EDDY_QUERY_ERROR,
} eddy_query_state;

typedef struct eddy_query_info {
    char *id;              /* CSAS_OUTPUT_0, CTAS_..., INSERTQUERY_... */
    char *sql;             /* the statement text */
    char *sink;            /* sink source name, NULL for none */
    char *sink_topic;
    int nsources;
    char **sources;
    eddy_query_state state;
} eddy_query_info;

typedef struct eddy_catalog eddy_catalog;

eddy_catalog *eddy_catalog_new(void);
void eddy_catalog_destroy(eddy_catalog *c);

/* Sources.  add takes ownership of src on success (and on failure frees it).
 * replace: an existing source of the same name is replaced (OR REPLACE). */
int eddy_catalog_add_source(eddy_catalog *c, eddy_source *src, bool replace);
eddy_source *eddy_catalog_find_source(const eddy_catalog *c, const char *name);
/* Case-insensitive lookup, for "did you mean" hints. */
eddy_source *eddy_catalog_find_source_nocase(const eddy_catalog *c, const char *name);
int eddy_catalog_drop_source(eddy_catalog *c, const char *name);
/* Sources sorted by name; *n receives the count.  The array is owned by the
 * catalog and valid until the next change. */
eddy_source *const *eddy_catalog_sources(eddy_catalog *c, int *n);

void eddy_source_free(eddy_source *s);
/* Deep copy of a source (NULL when out of memory). */
eddy_source *eddy_source_copy(const eddy_source *s);
/* Deep copy of the whole catalog, used as the sandbox in which a request's
 * statements are validated before any of them runs.  NULL when out of memory. */
eddy_catalog *eddy_catalog_copy(const eddy_catalog *c);
void eddy_format_spec_fini(eddy_format_spec *f);
/* "STREAM" / "TABLE" */
const char *eddy_source_kind_name(eddy_source_kind k);
const char *eddy_window_type_name(eddy_window_type t); /* "TUMBLING", ... or NULL */

/* Custom types (CREATE TYPE).  add takes a reference to type. */
int eddy_catalog_add_type(eddy_catalog *c, const char *name, eddy_type *type);
const eddy_custom_type *eddy_catalog_find_type(const eddy_catalog *c, const char *name);
int eddy_catalog_drop_type(eddy_catalog *c, const char *name);
const eddy_custom_type *eddy_catalog_types(const eddy_catalog *c, int *n); /* sorted by name */

/* Persistent queries.  add takes ownership of q. */
int eddy_catalog_add_query(eddy_catalog *c, eddy_query_info *q);
eddy_query_info *eddy_catalog_find_query(const eddy_catalog *c, const char *id);
int eddy_catalog_drop_query(eddy_catalog *c, const char *id);
eddy_query_info *const *eddy_catalog_queries(const eddy_catalog *c, int *n);
void eddy_query_info_free(eddy_query_info *q);
/* Next number for generated query ids; increments. */
int64_t eddy_catalog_next_query_seq(eddy_catalog *c);

#endif
