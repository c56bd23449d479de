/* serde.h - serializing rows to record bytes and back, one side (key or value) at a time.
 *
 * A serde is made for one side of a source: its columns (the key columns, or
 * the value columns) and its format spec (format, delimiter, wrapping).  It is
 * immutable once made and may be shared by threads.  Decoding writes the
 * side's columns into an array of values, allocating strings and nested
 * values in the caller's arena; encoding appends bytes to a string buffer.
 *
 * Formats (ksqlDB's encodings): JSON (schema-directed codec, not jansson, on
 * the hot path), DELIMITED, KAFKA (Kafka's standard serializers: INT and
 * BIGINT big-endian, DOUBLE IEEE-754 big-endian, STRING UTF-8, BYTES raw),
 * NONE (no bytes, no columns), AVRO (Confluent's wire format with schemas
 * in the schema registry: see serde_avro.c).  PROTOBUF and JSON_SR are
 * refused with EDDY_UNSUPPORTED until they exist.
 *
 * Windowed keys are written as Kafka Streams writes them: time windows as
 * the key bytes followed by the window start (8 bytes, big-endian); session
 * windows as the key bytes, the window end, then the window start.
 */
#ifndef EDDY_SCHEMAS_SERDE_H
#define EDDY_SCHEMAS_SERDE_H

#include "base/arena.h"
#include "base/error.h"
#include "base/strbuf.h"
#include "schemas/value.h"
#include "schemas/types.h"
#include "sql/catalog.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct eddy_serde eddy_serde;

/* cols: the side's columns, in order (borrowed during the call; copied).
 * fmt: the side's format spec (format name, delimiter, wrap_single: -1 means
 * the format's default).  is_key: key side (affects wrapping defaults: a
 * single JSON key column is unwrapped).  *out owned by the caller. */
int eddy_serde_new(const eddy_format_spec *fmt, bool is_key, const eddy_column *cols, int ncols, eddy_serde **out,
                   eddy_err *err);

/* What a serde may need beyond its columns and format (AVRO). */
typedef struct eddy_serde_opts {
    struct eddy_registry *registry; /* where schemas are registered and read (borrowed; must outlive the serde).
                                       NULL: the process default (schemas/registry.h) */
    const char *topic;              /* the serde's topic (copied): AVRO registers its writer schema under
                                       "<topic>-key|value".  NULL: the schema is found or registered by id only */
} eddy_serde_opts;

/* eddy_serde_new with options (opts may be NULL).  AVRO without a registry
 * (none given, no process default) is EDDY_UNSUPPORTED. */
int eddy_serde_new_ex(const eddy_format_spec *fmt, bool is_key, const eddy_column *cols, int ncols,
                      const eddy_serde_opts *opts, eddy_serde **out, eddy_err *err);
void eddy_serde_destroy(eddy_serde *s);
int eddy_serde_ncols(const eddy_serde *s);

/* Decodes a record's key or value.  data NULL means a null key/value: all
 * columns NULL (for values the caller decides tombstone handling first).
 * out: ncols values.  Returns 0 or EDDY_CORRUPT with a message naming the
 * problem ("Failed to deserialize value from topic: ..." is added by the
 * caller), e.g. "Can't convert type. sourceType: TextNode, requiredType:
 * BOOLEAN, path: $.B"; out is then all NULL.  Strings never point into data:
 * JSON copies the record into a once and points into that copy (see
 * EDDY_SERDE_BORROW to skip the copy).  A JSON record that is empty or the
 * literal null decodes to all NULL (eddy_serde_decode_ex tells it apart). */
int eddy_serde_decode(const eddy_serde *s, const void *data, size_t len, eddy_value *out, eddy_arena *a,
                      eddy_err *err);

/* Flags of eddy_serde_decode_ex. */
enum {
    /* STRING and BYTES values may point into data instead of being copied into
     * the arena: the caller guarantees that data outlives the values (e.g. the
     * fetched log batch is kept until the decoded batch is reset).  Strings
     * with JSON escapes, and invalid UTF-8 fixed up, are still copied. */
    EDDY_SERDE_BORROW = 1u << 0,
};

/* eddy_serde_decode with flags, and *is_null (may be NULL) set when the record
 * as a whole is null: data NULL, or a JSON record that is the literal null
 * (ksqlDB treats both alike, e.g. as a table tombstone). */
int eddy_serde_decode_ex(const eddy_serde *s, const void *data, size_t len, unsigned flags, eddy_value *out,
                         bool *is_null, eddy_arena *a, eddy_err *err);

/* Encodes ncols values, appending to out.  *is_null is set when the result is
 * a null key/value rather than bytes: NONE, a key side without columns, a key
 * whose columns are all NULL (ksqlDB keeps a null key null), or a single
 * unwrapped NULL (JSON with WRAP_SINGLE_VALUE=false, KAFKA). */
int eddy_serde_encode(const eddy_serde *s, const eddy_value *cols, eddy_strbuf *out, bool *is_null, eddy_err *err);

/* Windowed keys (Kafka Streams' layout).  A null inner key is written as no
 * bytes before the times, and read back as all columns NULL.  Time windows do
 * not store the end: decode sets *end = *start (add the window size). */
int eddy_serde_encode_windowed(const eddy_serde *s, const eddy_value *cols, bool session, int64_t start, int64_t end,
                               eddy_strbuf *out, bool *is_null, eddy_err *err);
int eddy_serde_decode_windowed(const eddy_serde *s, const void *data, size_t len, bool session, eddy_value *out,
                               int64_t *start, int64_t *end, eddy_arena *a, eddy_err *err);

/* ---- JSON <-> values (control plane, tests, REST rows) --------------------
 * ksqlDB's JSON encodings: DECIMAL as a number keeping its scale, TIMESTAMP
 * as milliseconds (row values on the REST API use strings: see rest flag),
 * DATE as days, TIME as milliseconds, BYTES base64, STRUCT as an object with
 * the fields' names, MAP as an object. */

/* A value of type t from JSON (jansson); strings copied into a. */
int eddy_value_from_json(const json_t *j, const eddy_type *t, eddy_arena *a, eddy_value *out, eddy_err *err);
/* JSON for v of type t.  rest: use the REST API's encodings (TIMESTAMP,
 * DATE, TIME as ISO-8601 strings) instead of the record encodings.  New
 * reference; NULL when out of memory. */
json_t *eddy_value_to_json(const eddy_value *v, const eddy_type *t, bool rest);
/* The same as JSON text appended to out, exactly as ksqlDB (Jackson) writes it:
 * DOUBLE as Java's Double.toString ("1.0", "1.0E10"; NaN and infinities as the
 * strings "NaN", "Infinity", "-Infinity"), DECIMAL as a plain number keeping
 * its scale ("1.50"), compact, strings escaped as Jackson does.  Use this (not
 * json_dumps of eddy_value_to_json, which cannot keep a DECIMAL's scale) for
 * REST rows.  t may be NULL (then STRUCT fields are unnamed and written as an
 * array; everything else follows the value's kind). */
void eddy_value_write_json(const eddy_value *v, const eddy_type *t, bool rest, eddy_strbuf *out);

#endif
