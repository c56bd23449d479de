/* analyze.h - semantic checks of statements against the catalog (names, types, WITH).
 *
 * The analyzer turns parsed DDL into catalog objects, checking what ksqlDB
 * checks and reporting errors with ksqlDB's wording.  It never changes the
 * catalog: the executor applies its results, so a failed statement leaves the
 * catalog as it was.
 */
#ifndef EDDY_SQL_ANALYZE_H
#define EDDY_SQL_ANALYZE_H

#include "base/error.h"
#include "sql/ast.h"
#include "sql/catalog.h"

#include <stdint.h>

typedef struct eddy_analyze_ctx {
    const eddy_catalog *catalog;
    const char *default_key_format;   /* ksql.persistence.default.format.key ("KAFKA") */
    const char *default_value_format; /* ksql.persistence.default.format.value (NULL = none) */
    int default_wrap_single;          /* ksql.persistence.wrap.single.values: -1 unset, 0, 1 */
} eddy_analyze_ctx;

/* What a CREATE needs of its topic. */
typedef struct eddy_topic_spec {
    char *name;
    int partitions;        /* -1: not given (the topic must exist) */
    int replicas;          /* -1: not given */
    int64_t retention_ms;  /* -1: not given */
} eddy_topic_spec;

void eddy_topic_spec_fini(eddy_topic_spec *t);

/* Resolves EDDY_TYPE_NAMED (custom types) inside t.  *out receives a new
 * reference.  Unknown names give EDDY_ANALYSIS. */
int eddy_analyze_type(const eddy_catalog *c, eddy_type *t, eddy_type **out, eddy_err *err);

/* CREATE [OR REPLACE] STREAM|TABLE name (elements) WITH (...).
 * On success *out is a new source (caller owns) and *topic what its topic
 * must be (caller finalises). */
int eddy_analyze_create_source(const eddy_analyze_ctx *ctx, const eddy_stmt *st, eddy_source **out,
                               eddy_topic_spec *topic, eddy_err *err);

/* ALTER STREAM|TABLE name ADD COLUMN ...: *out is a new copy of the source
 * with the columns added. */
int eddy_analyze_alter_source(const eddy_analyze_ctx *ctx, const eddy_stmt *st, eddy_source **out, eddy_err *err);

/* Checks that the source's key and value columns fit its key and value
 * formats (types, single-field formats, map keys, Avro names), with
 * ksqlDB's messages.  Used for sinks of CREATE ... AS SELECT. */
int eddy_analyze_check_formats(const eddy_source *src, eddy_err *err);

/* Parses a duration text such as "10 SECONDS" (WINDOW_SIZE).  Returns 0 and
 * the milliseconds, or EDDY_ANALYSIS with ksqlDB's message. */
int eddy_analyze_duration(const char *prop, const char *text, int64_t *ms, eddy_err *err);

/* True if name is reserved for pseudo columns (ROWTIME, ROWPARTITION,
 * ROWOFFSET, WINDOWSTART, WINDOWEND). */
bool eddy_analyze_is_reserved_column(const char *name);

#endif
