/* formats.c - the table of serialization formats and the type checks made from it. */
#include "schemas/formats.h"

#include <strings.h>

#define K(kind) (1u << (kind))

static const eddy_format_info formats[] = {
    /* name, available, single, wrap, complex, strkeys, none, registry, configs, config names, primitives */
    {"KAFKA", true, true, false, false, false, false, false, 0, "",
     K(EDDY_TYPE_INT) | K(EDDY_TYPE_BIGINT) | K(EDDY_TYPE_DOUBLE) | K(EDDY_TYPE_STRING) | K(EDDY_TYPE_BYTES)},
    {"JSON", true, false, true, true, true, false, false, 0, "", 0},
    {"DELIMITED", true, false, false, false, false, false, false, EDDY_FMTCFG_DELIMITER, "delimiter", 0},
    {"AVRO", true, false, true, true, true, false, true, EDDY_FMTCFG_SCHEMA_ID | EDDY_FMTCFG_FULL_NAME,
     "fullSchemaName, schemaId", 0},
    {"NONE", true, false, false, false, false, true, false, 0, "", 0},
    {"JSON_SR", false, false, true, true, true, false, true, EDDY_FMTCFG_SCHEMA_ID, "schemaId", 0},
    {"PROTOBUF", false, false, true, true, false, false, true, EDDY_FMTCFG_SCHEMA_ID | EDDY_FMTCFG_FULL_NAME,
     "fullSchemaName, schemaId", 0},
    {"PROTOBUF_NOSR", false, false, true, true, false, false, false, 0, "", 0},
};

const eddy_format_info *eddy_format_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcasecmp(formats[i].name, name) == 0) return &formats[i];
    return NULL;
}

static int check(const eddy_format_info *f, const char *col, const eddy_type *t, eddy_err *err) {
    switch (t->ty_kind) {
    case EDDY_TYPE_ARRAY:
    case EDDY_TYPE_MAP:
    case EDDY_TYPE_STRUCT:
        if (!f->complex_types)
            return eddy_err_set(err, EDDY_ANALYSIS, "The '%s' format does not support type '%s', column: `%s`",
                                f->name, eddy_type_kind_name(t->ty_kind), col);
        if (t->ty_kind == EDDY_TYPE_MAP && f->string_map_keys_only && t->ty_key->ty_kind != EDDY_TYPE_STRING) {
            if (f->uses_registry && f->name[0] == 'A')
                return eddy_err_set(err, EDDY_ANALYSIS, "Avro only supports MAPs with STRING keys");
            return eddy_err_set(err, EDDY_ANALYSIS, "%s only supports MAP types with STRING keys", f->name);
        }
        if (t->ty_kind == EDDY_TYPE_STRUCT) {
            for (int i = 0; i < t->ty_nfields; i++) {
                int rc = check(f, col, t->ty_fields[i].type, err);
                if (rc) return rc;
            }
            return 0;
        }
        if (t->ty_key) {
            int rc = check(f, col, t->ty_key, err);
            if (rc) return rc;
        }
        return check(f, col, t->ty_elem, err);
    default:
        if (f->primitive_kinds && !(f->primitive_kinds & K(t->ty_kind)))
            return eddy_err_set(err, EDDY_ANALYSIS, "The '%s' format does not support type '%s', column: `%s`",
                                f->name, eddy_type_kind_name(t->ty_kind), col);
        return 0;
    }
}

int eddy_format_check_type(const eddy_format_info *f, const char *col, const eddy_type *t, eddy_err *err) {
    return check(f, col, t, err);
}
