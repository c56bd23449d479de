/* serde_avro.h - Avro as ksqlDB uses it: parsed schemas, the schemas ksqlDB writes for SQL columns, schema inference, Avro <-> JSON.
 *
 * The AVRO serde itself is reached through schemas/serde.h (format "AVRO");
 * this header holds what the rest of eddy needs around it:
 *
 *   - eddy_avro_schema: a schema parsed from its JSON text (Avro's
 *     specification, with the logical types decimal, date, time-millis,
 *     time-micros, timestamp-millis, timestamp-micros and uuid).
 *   - eddy_avro_schema_of_columns: the schema ksqlDB registers for a source's
 *     key or value columns: a record (default name
 *     io.confluent.ksql.avro_schemas.KsqlDataSourceSchema) whose fields are
 *     the columns, every field a ["null", T] union with default null; a
 *     single unwrapped column is written bare.  Nested STRUCTs are records
 *     named <parent>_<FIELD>; a MAP is an array of {key, value} records (as
 *     Kafka Connect writes maps with optional keys); DECIMAL is bytes with
 *     logicalType decimal, DATE int/date, TIME int/time-millis, TIMESTAMP
 *     long/timestamp-millis; records carry "connect.name".
 *   - eddy_avro_infer_columns: the columns ksqlDB takes from a registered
 *     schema when CREATE gives none.
 *   - eddy_avro_from_json / eddy_avro_to_json: Avro binary from and to JSON
 *     values (the conformance runner's records; tools).
 *   - Confluent's wire format: magic byte 0, the schema id as 4 bytes
 *     big-endian, then the Avro binary.
 *
 * Ownership: a parsed schema is immutable and owned by whoever parsed it
 * (eddy_avro_schema_destroy); it may be shared by threads.
 */
#ifndef EDDY_SCHEMAS_SERDE_AVRO_H
#define EDDY_SCHEMAS_SERDE_AVRO_H

#include "base/error.h"
#include "base/strbuf.h"
#include "schemas/types.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eddy_avro_schema eddy_avro_schema;

/* The namespace and default record name of the schemas ksqlDB writes. */
#define EDDY_AVRO_NAMESPACE "io.confluent.ksql.avro_schemas"
#define EDDY_AVRO_DEFAULT_NAME EDDY_AVRO_NAMESPACE ".KsqlDataSourceSchema"

/* Parses an Avro schema from JSON text (a primitive name such as "int" is
 * written as a JSON string: "\"int\"").  *out is new, owned by the caller.
 * EDDY_INVAL with a message for text that is not a valid schema. */
int eddy_avro_schema_parse(const char *text, size_t len, eddy_avro_schema **out, eddy_err *err);
void eddy_avro_schema_destroy(eddy_avro_schema *s);
/* The schema as compact JSON text (borrowed from s). */
const char *eddy_avro_schema_text(const eddy_avro_schema *s);
/* True when the top level is a record. */
bool eddy_avro_schema_is_record(const eddy_avro_schema *s);

/* ksqlDB's schema for columns (names and types borrowed), as JSON text
 * appended to out.  unwrapped: exactly one column, written as its bare type.
 * full_name: the record's full name (NULL: EDDY_AVRO_DEFAULT_NAME).
 * EDDY_ANALYSIS for a MAP whose keys are not STRING ("Avro only supports
 * MAPs with STRING keys"). */
int eddy_avro_schema_of_columns(const eddy_column *cols, int ncols, bool unwrapped, const char *full_name,
                                eddy_strbuf *out, eddy_err *err);

/* The full name ksqlDB gives the key schema of a source: the source name
 * from UPPER_UNDERSCORE to UpperCamel, then "Key", in EDDY_AVRO_NAMESPACE
 * ("MY_SINK" -> "io.confluent.ksql.avro_schemas.MySinkKey").  New string
 * (caller frees), NULL when out of memory. */
char *eddy_avro_key_schema_name(const char *source_name);

/* Schema inference (ksqlDB's DefaultSchemaInjector).  Appends to out the
 * columns read from s, with namespace ns (EDDY_COL_KEY or EDDY_COL_VALUE):
 *   key side: one column ROWKEY of the schema's type;
 *   value side: a record's fields, one column each, unless unwrapped (the
 *   source says WRAP_SINGLE_VALUE=false) or the schema is not a record:
 *   then one column ROWVAL.
 * Names are upper-cased unless keep_names (a schema chosen by id keeps its
 * field names).  Types: boolean BOOLEAN, int INT, long BIGINT, float and
 * double DOUBLE, string and enum STRING, bytes and fixed BYTES, decimal
 * DECIMAL, date DATE, time-millis TIME, timestamp-millis TIMESTAMP, array
 * ARRAY, map MAP<STRING, _>, record STRUCT, ["null", T] T, other unions a
 * STRUCT with a field per branch.  EDDY_ANALYSIS when a type has no SQL
 * equivalent (a null schema). */
int eddy_avro_infer_columns(const eddy_avro_schema *s, eddy_col_ns ns, bool unwrapped, bool keep_names,
                            eddy_schema *out, eddy_err *err);

/* ---- Avro <-> JSON ----------------------------------------------------------- */

/* Gives the exact text of the JSON number at pointer (JSON pointer below the
 * value's base pointer, e.g. "/value/DEC"), or NULL when unknown. */
typedef const char *(*eddy_avro_number_fn)(void *ud, const char *pointer);

/* Appends the Avro binary of JSON value v written with schema s, as
 * ksqlDB's test serializers do: object fields matched to record fields by
 * upper-cased name (extra fields ignored, missing ones null or their
 * default), numbers and booleans converted by their text, strings of
 * bytes base64, decimals from numbers or strings.  base: v's JSON pointer
 * for num (may be NULL).  0 or EDDY_INVAL with a message. */
int eddy_avro_from_json(const eddy_avro_schema *s, json_t *v, const char *base, eddy_avro_number_fn num, void *ud,
                        eddy_strbuf *out, eddy_err *err);

/* Decodes Avro binary written with schema s into a new JSON value (*out):
 * records as objects with the schema's field names, maps (and arrays of
 * {key, value} entries) as objects, bytes base64, enums as strings, unions
 * as their branch's value.  Decimals are JSON numbers whose exact text (the
 * scale kept) goes to *numbers (may be NULL to ignore): a new object from JSON
 * pointer to text.  Every byte must be used.  EDDY_CORRUPT with a message
 * for malformed input. */
int eddy_avro_to_json(const eddy_avro_schema *s, const void *data, size_t len, json_t **out, json_t **numbers,
                      eddy_err *err);

/* ---- Confluent's wire format ---------------------------------------------------- */

#define EDDY_AVRO_WIRE_HEADER 5

/* Appends the magic byte and the schema id. */
void eddy_avro_wire_header(eddy_strbuf *out, int32_t schema_id);
/* Splits a record: *schema_id and the Avro body.  EDDY_CORRUPT ("Unknown
 * magic byte!") when it does not start with the header. */
int eddy_avro_wire_split(const void *data, size_t len, int32_t *schema_id, const unsigned char **body,
                         size_t *body_len, eddy_err *err);

#endif
