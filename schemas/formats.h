/* formats.h - the serialization formats (KAFKA, JSON, DELIMITED, AVRO, ...) as a table.
 *
 * One row per format says what it can hold: key and/or value side, which SQL
 * types, several columns or one, wrapping of single values, which WITH
 * properties apply.  CREATE statements are checked against it; the serdes
 * (later issues) hang off the same rows.
 */
#ifndef EDDY_SCHEMAS_FORMATS_H
#define EDDY_SCHEMAS_FORMATS_H

#include "base/error.h"
#include "schemas/types.h"

#include <stdbool.h>

/* Format-specific configs a WITH clause may set; a format lists the ones it accepts. */
enum {
    EDDY_FMTCFG_DELIMITER = 1 << 0,   /* KEY_/VALUE_DELIMITER */
    EDDY_FMTCFG_SCHEMA_ID = 1 << 1,   /* KEY_/VALUE_SCHEMA_ID */
    EDDY_FMTCFG_FULL_NAME = 1 << 2,   /* KEY_/VALUE_SCHEMA_FULL_NAME */
};

typedef struct eddy_format_info {
    const char *name;          /* "JSON" */
    bool available;            /* false: known to ksqlDB but not in eddy yet */
    bool single_field;         /* only one column per side (KAFKA) */
    bool supports_wrapping;    /* WRAP_SINGLE_VALUE may be true */
    bool complex_types;        /* ARRAY, MAP, STRUCT allowed */
    bool string_map_keys_only; /* MAP keys must be STRING */
    bool no_columns;           /* NONE: the side must have no columns */
    bool uses_registry;        /* AVRO, PROTOBUF, JSON_SR: schema inference */
    unsigned configs;          /* EDDY_FMTCFG_* accepted */
    const char *config_names;  /* ksqlDB's names of the configs, for errors */
    /* Primitive kinds allowed (bit per eddy_type_kind); 0 = all. */
    unsigned primitive_kinds;
} eddy_format_info;

/* Case-insensitive lookup; NULL when unknown. */
const eddy_format_info *eddy_format_find(const char *name);

/* Checks that `t` (the type of column `col`) can be written in format f:
 * returns 0, or EDDY_ANALYSIS with ksqlDB's message in err, e.g.
 * "The 'DELIMITED' format does not support type 'ARRAY', column: `K`". */
int eddy_format_check_type(const eddy_format_info *f, const char *col, const eddy_type *t, eddy_err *err);

#endif
