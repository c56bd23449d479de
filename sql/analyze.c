/* analyze.c - semantic checks of DDL statements (CREATE/ALTER sources, types, WITH clauses). */
#include "sql/analyze.h"

#include "base/strbuf.h"
#include "schemas/formats.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void eddy_topic_spec_fini(eddy_topic_spec *t) {
    free(t->name);
    t->name = NULL;
}

bool eddy_analyze_is_reserved_column(const char *name) {
    static const char *const reserved[] = {"ROWTIME", "ROWPARTITION", "ROWOFFSET", "WINDOWSTART", "WINDOWEND"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(name, reserved[i]) == 0) return true;
    return false;
}

/* ---- types ------------------------------------------------------------- */

int eddy_analyze_type(const eddy_catalog *c, eddy_type *t, eddy_type **out, eddy_err *err) {
    int rc;
    *out = NULL;
    switch (t->ty_kind) {
    case EDDY_TYPE_NAMED: {
        const eddy_custom_type *ct = c ? eddy_catalog_find_type(c, t->ty_name) : NULL;
        if (!ct) return eddy_err_set(err, EDDY_ANALYSIS, "Cannot resolve unknown type: %s", t->ty_name);
        *out = eddy_type_ref(ct->type);
        return 0;
    }
    case EDDY_TYPE_ARRAY: {
        eddy_type *e;
        if ((rc = eddy_analyze_type(c, t->ty_elem, &e, err))) return rc;
        *out = eddy_type_array(e);
        break;
    }
    case EDDY_TYPE_MAP: {
        eddy_type *k, *v;
        if ((rc = eddy_analyze_type(c, t->ty_key, &k, err))) return rc;
        if ((rc = eddy_analyze_type(c, t->ty_elem, &v, err))) {
            eddy_type_unref(k);
            return rc;
        }
        *out = eddy_type_map(k, v);
        break;
    }
    case EDDY_TYPE_STRUCT: {
        int n = t->ty_nfields;
        const char **names = calloc((size_t)n + 1, sizeof *names);
        eddy_type **types = calloc((size_t)n + 1, sizeof *types);
        if (!names || !types) {
            free(names);
            free(types);
            return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        }
        for (int i = 0; i < n; i++) {
            names[i] = t->ty_fields[i].name;
            for (int j = 0; j < i; j++) {
                if (strcmp(names[j], names[i]) == 0) {
                    rc = eddy_err_set(err, EDDY_ANALYSIS, "Duplicate field names found in STRUCT: '%s'", names[i]);
                    goto struct_fail;
                }
            }
            if ((rc = eddy_analyze_type(c, t->ty_fields[i].type, &types[i], err))) goto struct_fail;
        }
        *out = eddy_type_struct(n, names, types);
        free(names);
        free(types);
        break;
    struct_fail:
        for (int i = 0; i < n; i++) eddy_type_unref(types[i]);
        free(names);
        free(types);
        return rc;
    }
    case EDDY_TYPE_DECIMAL:
        if (t->ty_precision < 1 || t->ty_precision > 1000)
            return eddy_err_set(err, EDDY_ANALYSIS, "DECIMAL precision must be >= 1: DECIMAL(%d,%d)", t->ty_precision,
                                t->ty_scale);
        if (t->ty_scale < 0 || t->ty_scale > t->ty_precision)
            return eddy_err_set(err, EDDY_ANALYSIS,
                                "DECIMAL scale must be equal to or less than precision: DECIMAL(%d,%d)",
                                t->ty_precision, t->ty_scale);
        *out = eddy_type_ref(t);
        return 0;
    default: *out = eddy_type_ref(t); return 0;
    }
    if (!*out) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return 0;
}

static bool type_contains_map(const eddy_type *t) {
    if (!t) return false;
    switch (t->ty_kind) {
    case EDDY_TYPE_MAP: return true;
    case EDDY_TYPE_ARRAY: return type_contains_map(t->ty_elem);
    case EDDY_TYPE_STRUCT:
        for (int i = 0; i < t->ty_nfields; i++)
            if (type_contains_map(t->ty_fields[i].type)) return true;
        return false;
    default: return false;
    }
}

/* ---- WITH properties --------------------------------------------------- */

typedef enum { P_STRING, P_INT, P_BOOL, P_ANY } prop_type;

static const struct {
    const char *name;
    prop_type type;
} known_props[] = {
    {"KAFKA_TOPIC", P_STRING},        {"PARTITIONS", P_INT},
    {"REPLICAS", P_INT},              {"RETENTION_MS", P_INT},
    {"FORMAT", P_STRING},             {"KEY_FORMAT", P_STRING},
    {"VALUE_FORMAT", P_STRING},       {"KEY_DELIMITER", P_STRING},
    {"VALUE_DELIMITER", P_STRING},    {"WRAP_SINGLE_VALUE", P_BOOL},
    {"TIMESTAMP", P_STRING},          {"TIMESTAMP_FORMAT", P_STRING},
    {"WINDOW_TYPE", P_STRING},        {"WINDOW_SIZE", P_STRING},
    {"KEY_SCHEMA_ID", P_INT},         {"VALUE_SCHEMA_ID", P_INT},
    {"KEY_SCHEMA_FULL_NAME", P_STRING}, {"VALUE_SCHEMA_FULL_NAME", P_STRING},
    {"VALUE_AVRO_SCHEMA_FULL_NAME", P_STRING}, {"SOURCE_CONNECTOR", P_STRING},
};

typedef struct props {
    const eddy_list *list;
} props;

static const eddy_property *prop_find(const eddy_list *l, const char *name) {
    for (int i = 0; i < l->n; i++) {
        const eddy_property *p = l->items[i];
        if (strcasecmp(p->name, name) == 0) return p;
    }
    return NULL;
}

static int props_validate(const eddy_list *l, eddy_err *err) {
    eddy_strbuf bad = EDDY_STRBUF_INIT;
    for (int i = 0; i < l->n; i++) {
        const eddy_property *p = l->items[i];
        bool known = false;
        for (size_t k = 0; k < sizeof known_props / sizeof known_props[0]; k++)
            if (strcasecmp(p->name, known_props[k].name) == 0) known = true;
        if (!known) eddy_strbuf_printf(&bad, "%s%s", bad.len ? ", " : "", p->name);
        for (int j = 0; j < i; j++) {
            const eddy_property *q = l->items[j];
            if (strcasecmp(p->name, q->name) == 0) {
                eddy_strbuf_fini(&bad);
                return eddy_err_set_at(err, EDDY_ANALYSIS, p->pos.line, p->pos.col,
                                       "Duplicate property in WITH clause: %s", p->name);
            }
        }
    }
    if (bad.len) {
        eddy_err_set(err, EDDY_ANALYSIS, "Invalid config variable(s) in the WITH clause: %s", eddy_strbuf_cstr(&bad));
        eddy_strbuf_fini(&bad);
        return EDDY_ANALYSIS;
    }
    return 0;
}

/* String value of a property (string literals as written; numbers and
 * booleans as text).  *out NULL when absent. */
static int prop_string(const eddy_list *l, const char *name, const char **out, eddy_arena *tmp, eddy_err *err) {
    const eddy_property *p = prop_find(l, name);
    *out = NULL;
    if (!p) return 0;
    const eddy_expr *v = p->value;
    switch (v->kind) {
    case EDDY_EX_STRING: *out = v->v.s; return 0;
    case EDDY_EX_INT: {
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", (long long)v->v.lit_int.i);
        *out = eddy_arena_strdup(tmp, buf);
        return 0;
    }
    case EDDY_EX_DECIMAL:
    case EDDY_EX_DOUBLE: *out = v->v.lit_num.s; return 0;
    case EDDY_EX_BOOL: *out = v->v.b ? "true" : "false"; return 0;
    default:
        return eddy_err_set_at(err, EDDY_ANALYSIS, p->pos.line, p->pos.col, "Invalid value for property %s", name);
    }
}

/* Integer property: -1 when absent. */
static int prop_int(const eddy_list *l, const char *name, int64_t min, int64_t max, int64_t *out, eddy_err *err) {
    const eddy_property *p = prop_find(l, name);
    *out = -1;
    if (!p) return 0;
    const eddy_expr *v = p->value;
    int64_t x;
    if (v->kind == EDDY_EX_INT) {
        x = v->v.lit_int.i;
    } else if (v->kind == EDDY_EX_STRING) {
        char *end;
        errno = 0;
        long long y = strtoll(v->v.s, &end, 10);
        if (errno || end == v->v.s || *end)
            return eddy_err_set(err, EDDY_ANALYSIS, "Invalid value '%s' for property %s: not a number", v->v.s, name);
        x = y;
    } else {
        return eddy_err_set(err, EDDY_ANALYSIS, "Invalid value for property %s: expected a number", name);
    }
    if (x < min || x > max)
        return eddy_err_set(err, EDDY_ANALYSIS, "Invalid value %lld for property %s: must be between %lld and %lld",
                            (long long)x, name, (long long)min, (long long)max);
    *out = x;
    return 0;
}

/* Boolean property: -1 absent, 0, 1. */
static int prop_bool(const eddy_list *l, const char *name, int *out, eddy_err *err) {
    const eddy_property *p = prop_find(l, name);
    *out = -1;
    if (!p) return 0;
    const eddy_expr *v = p->value;
    if (v->kind == EDDY_EX_BOOL) *out = v->v.b;
    else if (v->kind == EDDY_EX_STRING && strcasecmp(v->v.s, "true") == 0) *out = 1;
    else if (v->kind == EDDY_EX_STRING && strcasecmp(v->v.s, "false") == 0) *out = 0;
    else return eddy_err_set(err, EDDY_ANALYSIS, "Invalid value for property %s: expected true or false", name);
    return 0;
}

int eddy_analyze_duration(const char *prop, const char *text, int64_t *ms, eddy_err *err) {
    static const struct {
        const char *name;
        int64_t ms;
    } units[] = {
        {"MILLISECOND", 1}, {"MILLISECONDS", 1}, {"SECOND", 1000}, {"SECONDS", 1000},
        {"MINUTE", 60000},  {"MINUTES", 60000},  {"HOUR", 3600000}, {"HOURS", 3600000},
        {"DAY", 86400000},  {"DAYS", 86400000},
    };
    const char *s = text;
    char *end;
    while (isspace((unsigned char)*s)) s++;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno || v < 0)
        return eddy_err_set(err, EDDY_ANALYSIS, "Configuration %s is invalid: Invalid duration: '%s'. %s", prop, text,
                            "Expected a number followed by a time unit, e.g. '10 SECONDS'");
    s = end;
    while (isspace((unsigned char)*s)) s++;
    char unit[32];
    size_t n = 0;
    while (*s && !isspace((unsigned char)*s) && n + 1 < sizeof unit) unit[n++] = (char)toupper((unsigned char)*s++);
    unit[n] = '\0';
    while (isspace((unsigned char)*s)) s++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(unit, units[i].name) == 0 && !*s) {
            *ms = v * units[i].ms;
            return 0;
        }
    }
    return eddy_err_set(err, EDDY_ANALYSIS, "Configuration %s is invalid: Invalid duration: '%s'. Unknown time unit: '%s'",
                        prop, text, unit);
}

/* DELIMITED delimiters: one character, or TAB / SPACE. */
static int check_delimiter(const char *prop, const char *d, eddy_err *err) {
    const char *t = d;
    while (isspace((unsigned char)*t)) t++;
    if (!*t)
        return eddy_err_set(err, EDDY_ANALYSIS,
                            "Failed to prepare statement: "
                            "Configuration %s is invalid: Delimiter cannot be empty, if you meant to have a tab or "
                            "space for delimiter, please use the special values 'TAB' or 'SPACE'\n"
                            "Example valid value: ';'",
                            prop);
    if (strlen(d) == 1 || strcasecmp(d, "TAB") == 0 || strcasecmp(d, "SPACE") == 0) return 0;
    return eddy_err_set(err, EDDY_ANALYSIS,
                        "Failed to prepare statement: "
                        "Configuration %s is invalid: Invalid delimiter value: '%s'. Delimiter must be a single "
                        "character or TAB,SPACE\nExample valid value: ';'",
                        prop, d);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* Reads the format and format-specific configs of one side. */
static int analyze_format_side(const eddy_list *l, bool key, const char *fmt_name, eddy_format_spec *spec,
                               const eddy_format_info **info, eddy_arena *tmp, eddy_err *err) {
    const char *delim_prop = key ? "KEY_DELIMITER" : "VALUE_DELIMITER";
    const char *id_prop = key ? "KEY_SCHEMA_ID" : "VALUE_SCHEMA_ID";
    const char *name_prop = key ? "KEY_SCHEMA_FULL_NAME" : "VALUE_SCHEMA_FULL_NAME";
    const char *delim = NULL, *full_name = NULL;
    int64_t id = -1;
    int rc;

    *info = eddy_format_find(fmt_name);
    if (!*info) return eddy_err_set(err, EDDY_ANALYSIS, "Unknown format: %s", fmt_name);
    if ((rc = prop_string(l, delim_prop, &delim, tmp, err))) return rc;
    if ((rc = prop_int(l, id_prop, 1, INT32_MAX, &id, err))) return rc;
    if ((rc = prop_string(l, name_prop, &full_name, tmp, err))) return rc;
    if (!key && !full_name && (rc = prop_string(l, "VALUE_AVRO_SCHEMA_FULL_NAME", &full_name, tmp, err))) return rc;

    eddy_strbuf bad = EDDY_STRBUF_INIT;
    if (delim && !((*info)->configs & EDDY_FMTCFG_DELIMITER)) eddy_strbuf_puts(&bad, "delimiter");
    if (full_name && !((*info)->configs & EDDY_FMTCFG_FULL_NAME))
        eddy_strbuf_printf(&bad, "%sfullSchemaName", bad.len ? ", " : "");
    if (id >= 0 && !((*info)->configs & EDDY_FMTCFG_SCHEMA_ID))
        eddy_strbuf_printf(&bad, "%sschemaId", bad.len ? ", " : "");
    if (bad.len) {
        eddy_err_set(err, EDDY_ANALYSIS, "%s does not support the following configs: [%s]", (*info)->name,
                     eddy_strbuf_cstr(&bad));
        eddy_strbuf_fini(&bad);
        return EDDY_ANALYSIS;
    }
    if (delim && (rc = check_delimiter(delim_prop, delim, err))) return rc;
    if (full_name) {
        const char *t = full_name;
        while (isspace((unsigned char)*t)) t++;
        if (!*t)
            return eddy_err_set(err, EDDY_ANALYSIS,
                                "fullSchemaName cannot be empty. Format configuration: {fullSchemaName=}");
    }
    if (!(*info)->available)
        return eddy_err_set(err, EDDY_UNSUPPORTED, "The '%s' format is not supported yet by eddy", (*info)->name);

    spec->format = strdup((*info)->name);
    spec->delimiter = dup_or_null(delim);
    spec->schema_id = id;
    spec->schema_full_name = dup_or_null(full_name);
    spec->wrap_single = -1;
    if (!spec->format || (delim && !spec->delimiter) || (full_name && !spec->schema_full_name))
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return 0;
}

/* "`F1` INTEGER KEY, `F2` INTEGER KEY" for the key columns of s. */
static void format_key_columns(const eddy_schema *s, eddy_strbuf *out) {
    bool first = true;
    for (int i = 0; i < s->ncols; i++) {
        if (s->cols[i].ns != EDDY_COL_KEY) continue;
        if (!first) eddy_strbuf_puts(out, ", ");
        first = false;
        eddy_strbuf_printf(out, "`%s` ", s->cols[i].name);
        eddy_type_format(s->cols[i].type, out);
        eddy_strbuf_puts(out, " KEY");
    }
}

/* Avro names: [A-Za-z_][A-Za-z0-9_]*, checked on columns and struct fields. */
static int check_avro_name(const char *name, eddy_err *err) {
    if (!(isalpha((unsigned char)name[0]) || name[0] == '_'))
        return eddy_err_set(err, EDDY_ANALYSIS, "Schema is not compatible with Avro: Illegal initial character: %s",
                            name);
    for (const char *p = name + 1; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_'))
            return eddy_err_set(err, EDDY_ANALYSIS, "Schema is not compatible with Avro: Illegal character in: %s",
                                name);
    return 0;
}

static int check_avro_type(const eddy_type *t, eddy_err *err) {
    int rc;
    if (!t) return 0;
    if (t->ty_kind == EDDY_TYPE_STRUCT) {
        for (int i = 0; i < t->ty_nfields; i++) {
            if ((rc = check_avro_name(t->ty_fields[i].name, err))) return rc;
            if ((rc = check_avro_type(t->ty_fields[i].type, err))) return rc;
        }
        return 0;
    }
    if ((rc = check_avro_type(t->ty_key, err))) return rc;
    return check_avro_type(t->ty_elem, err);
}

/* Checks the columns of one side against its format. */
static int check_side_types(const eddy_format_info *f, const eddy_schema *s, bool key, eddy_err *err) {
    int ncols = 0, rc;
    for (int i = 0; i < s->ncols; i++) {
        const eddy_column *c = &s->cols[i];
        if ((c->ns == EDDY_COL_KEY) != key || c->ns == EDDY_COL_HEADER || c->ns == EDDY_COL_HEADERS) continue;
        ncols++;
        if (key && type_contains_map(c->type)) {
            char *ts = eddy_type_to_string(c->type);
            eddy_err_set(err, EDDY_ANALYSIS,
                         "Map keys, including types that contain maps, are not supported as they may lead to "
                         "unexpected behavior due to inconsistent serialization. Key column name: `%s`. Column "
                         "type: %s. See https://github.com/confluentinc/ksql/issues/6621 for more.",
                         c->name, ts ? ts : "?");
            free(ts);
            return EDDY_ANALYSIS;
        }
        if (strcmp(f->name, "AVRO") == 0 && ((!key && (rc = check_avro_name(c->name, err))) ||
                                             (rc = check_avro_type(c->type, err))))
            return rc;
        if ((rc = eddy_format_check_type(f, c->name, c->type, err))) {
            if (key) {
                /* ksqlDB wraps key errors in a description of the key schema. */
                eddy_strbuf sb = EDDY_STRBUF_INIT;
                eddy_strbuf_printf(&sb, "Key format does not support schema.\nformat: %s\nschema: Persistence{columns=[",
                                   f->name);
                format_key_columns(s, &sb);
                /* KAFKA's reason does not name the column (DELIMITED's does). */
                char *col = strcmp(f->name, "KAFKA") == 0 ? strstr(err->msg, ", column: `") : NULL;
                if (col) *col = '\0';
                eddy_strbuf_printf(&sb, "], features=[]}\nreason: %s", err->msg);
                eddy_err_set(err, rc, "%s", eddy_strbuf_cstr(&sb));
                eddy_strbuf_fini(&sb);
            }
            return rc;
        }
    }
    if (f->no_columns && ncols > 0)
        return eddy_err_set(err, EDDY_ANALYSIS, "The 'NONE' format can only be used when no columns are defined.");
    if (f->single_field && ncols > 1) {
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        if (key) {
            eddy_strbuf_printf(&sb, "Key format does not support schema.\nformat: %s\nschema: Persistence{columns=[",
                               f->name);
            format_key_columns(s, &sb);
            eddy_strbuf_printf(&sb, "], features=[]}\nreason: The '%s' format only supports a single field. Got: [",
                               f->name);
            format_key_columns(s, &sb);
            eddy_strbuf_puts(&sb, "]");
        } else {
            eddy_strbuf_printf(&sb, "The '%s' format only supports a single field. Got: %d columns", f->name, ncols);
        }
        eddy_err_set(err, EDDY_ANALYSIS, "%s", eddy_strbuf_cstr(&sb));
        eddy_strbuf_fini(&sb);
        return EDDY_ANALYSIS;
    }
    return 0;
}

int eddy_analyze_check_formats(const eddy_source *src, eddy_err *err) {
    const eddy_format_info *k = eddy_format_find(src->key_fmt.format), *v = eddy_format_find(src->value_fmt.format);
    int rc;
    if (!k || !v) return eddy_err_set(err, EDDY_ANALYSIS, "Unknown format: %s", !k ? src->key_fmt.format : src->value_fmt.format);
    if ((rc = check_side_types(k, src->schema, true, err))) return rc;
    return check_side_types(v, src->schema, false, err);
}

/* HEADERS must be ARRAY<STRUCT<KEY STRING, VALUE BYTES>>; HEADER('k') BYTES. */
static bool is_headers_type(const eddy_type *t) {
    if (t->ty_kind != EDDY_TYPE_ARRAY || t->ty_elem->ty_kind != EDDY_TYPE_STRUCT) return false;
    const eddy_type *s = t->ty_elem;
    return s->ty_nfields == 2 && strcmp(s->ty_fields[0].name, "KEY") == 0 &&
           s->ty_fields[0].type->ty_kind == EDDY_TYPE_STRING && strcmp(s->ty_fields[1].name, "VALUE") == 0 &&
           s->ty_fields[1].type->ty_kind == EDDY_TYPE_BYTES;
}

/* Builds the schema from table elements: key columns first, then the rest. */
static int build_schema(const eddy_analyze_ctx *ctx, eddy_source_kind kind, const eddy_list *elements,
                        eddy_schema *s, eddy_err *err) {
    int rc, nheaders = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < elements->n; i++) {
            const eddy_table_element *e = elements->items[i];
            bool is_key = e->ns == EDDY_COL_KEY;
            if (is_key != (pass == 0)) continue;
            if (pass == 0) {
                if (kind == EDDY_SOURCE_STREAM && e->primary)
                    return eddy_err_set_at(err, EDDY_ANALYSIS, e->pos.line, e->pos.col,
                                           "Column `%s` is a 'PRIMARY KEY' column: please use 'KEY' for streams.\n"
                                           "Tables have PRIMARY KEYs, which are unique and NON NULL.\n"
                                           "Streams have KEYs which have no uniqueness or NON NULL constraints.",
                                           e->name);
                if (kind == EDDY_SOURCE_TABLE && !e->primary)
                    return eddy_err_set_at(err, EDDY_ANALYSIS, e->pos.line, e->pos.col,
                                           "Column `%s` is a 'KEY' column: please use 'PRIMARY KEY' for tables.\n"
                                           "Tables have PRIMARY KEYs, which are unique and NON NULL.\n"
                                           "Streams have KEYs which have no uniqueness or NON NULL constraints.",
                                           e->name);
            }
            if (eddy_analyze_is_reserved_column(e->name))
                return eddy_err_set_at(err, EDDY_ANALYSIS, e->pos.line, e->pos.col,
                                       "'%s' is a reserved column name. You cannot use it as a name for a column.",
                                       e->name);
            if (eddy_schema_find(s, e->name) >= 0)
                return eddy_err_set_at(err, EDDY_ANALYSIS, e->pos.line, e->pos.col, "Duplicate column names: `%s`",
                                       e->name);
            eddy_type *t;
            if ((rc = eddy_analyze_type(ctx->catalog, e->type, &t, err))) {
                err->line = e->pos.line;
                err->col = e->pos.col;
                return rc;
            }
            if (e->ns == EDDY_COL_HEADERS || e->ns == EDDY_COL_HEADER) {
                nheaders++;
                bool ok = e->ns == EDDY_COL_HEADERS ? is_headers_type(t) : t->ty_kind == EDDY_TYPE_BYTES;
                if (!ok) {
                    char *ts = eddy_type_to_string(t);
                    eddy_err_set_at(err, EDDY_ANALYSIS, e->pos.line, e->pos.col,
                                    "Invalid type for %s column: expected %s, got %s",
                                    e->ns == EDDY_COL_HEADERS ? "HEADERS" : "HEADER('<key>')",
                                    e->ns == EDDY_COL_HEADERS ? "ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>>" : "BYTES",
                                    ts ? ts : "?");
                    free(ts);
                    eddy_type_unref(t);
                    return EDDY_ANALYSIS;
                }
                for (int j = 0; j < s->ncols; j++) {
                    const eddy_column *c = &s->cols[j];
                    if (c->ns == EDDY_COL_HEADERS || (e->ns == EDDY_COL_HEADERS && c->ns == EDDY_COL_HEADER)) {
                        eddy_type_unref(t);
                        return eddy_err_set_at(err, EDDY_ANALYSIS, e->pos.line, e->pos.col,
                                               "Schema already contains a HEADERS column.");
                    }
                    if (c->ns == EDDY_COL_HEADER && e->ns == EDDY_COL_HEADER && strcmp(c->header_key, e->header_key) == 0) {
                        eddy_type_unref(t);
                        return eddy_err_set_at(err, EDDY_ANALYSIS, e->pos.line, e->pos.col,
                                               "Schema already contains a HEADER('%s') column.", e->header_key);
                    }
                }
            }
            if ((rc = eddy_schema_add(s, e->name, t, e->ns, e->header_key)))
                return eddy_err_set(err, rc, "out of memory");
        }
    }
    (void)nheaders;
    return 0;
}

static int analyze_source_common(const eddy_analyze_ctx *ctx, const eddy_stmt *st, eddy_source *src,
                                 eddy_topic_spec *topic, eddy_arena *tmp, eddy_err *err) {
    const eddy_list *props = &st->u.create.props;
    const char *fmt = NULL, *kfmt = NULL, *vfmt = NULL, *s;
    const eddy_format_info *kinfo, *vinfo;
    int64_t partitions, replicas, retention;
    int rc, wrap;

    if ((rc = props_validate(props, err))) return rc;
    if ((rc = prop_string(props, "KAFKA_TOPIC", &s, tmp, err))) return rc;
    if (!s)
        return eddy_err_set(err, EDDY_ANALYSIS, "Missing required property \"KAFKA_TOPIC\" which has no default value.");
    topic->name = strdup(s);
    src->topic = strdup(s);
    if ((rc = prop_int(props, "PARTITIONS", 1, 100000, &partitions, err))) return rc;
    if ((rc = prop_int(props, "REPLICAS", 1, 32767, &replicas, err))) return rc;
    if ((rc = prop_int(props, "RETENTION_MS", 0, INT64_MAX, &retention, err))) return rc;
    topic->partitions = (int)partitions;
    topic->replicas = (int)replicas;
    topic->retention_ms = retention;
    src->partitions = partitions > 0 ? (int)partitions : 0;
    src->replicas = replicas > 0 ? (int)replicas : 1;

    if ((rc = prop_string(props, "FORMAT", &fmt, tmp, err))) return rc;
    if ((rc = prop_string(props, "KEY_FORMAT", &kfmt, tmp, err))) return rc;
    if ((rc = prop_string(props, "VALUE_FORMAT", &vfmt, tmp, err))) return rc;
    if (fmt && vfmt)
        return eddy_err_set(err, EDDY_ANALYSIS,
                            "Cannot supply both 'VALUE_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and "
                            "value formats.\nEither use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.");
    if (fmt && kfmt)
        return eddy_err_set(err, EDDY_ANALYSIS,
                            "Cannot supply both 'KEY_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and "
                            "value formats.\nEither use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.");
    if (fmt) kfmt = vfmt = fmt;
    if (!vfmt) vfmt = ctx->default_value_format;
    if (!vfmt)
        return eddy_err_set(err, EDDY_ANALYSIS,
                            "Statement is missing the 'VALUE_FORMAT' property from the WITH clause.\n"
                            "Either provide one or set a default via the 'ksql.persistence.default.format.value' "
                            "config.");
    if (!kfmt) kfmt = ctx->default_key_format ? ctx->default_key_format : "KAFKA";
    /* A source without key columns has no key: its key format is NONE. */
    if (eddy_schema_nkeys(src->schema) == 0 && !eddy_format_find(kfmt)) {
        return eddy_err_set(err, EDDY_ANALYSIS, "Unknown format: %s", kfmt);
    }
    if (eddy_schema_nkeys(src->schema) == 0) {
        const eddy_format_info *declared = eddy_format_find(kfmt);
        if ((fmt || prop_find(props, "KEY_FORMAT")) && declared && strcmp(declared->name, "NONE") != 0)
            src->declared_key_format = strdup(declared->name);
        kfmt = "NONE";
    }
    if ((rc = analyze_format_side(props, true, kfmt, &src->key_fmt, &kinfo, tmp, err))) return rc;
    if ((rc = analyze_format_side(props, false, vfmt, &src->value_fmt, &vinfo, tmp, err))) return rc;

    if ((rc = prop_bool(props, "WRAP_SINGLE_VALUE", &wrap, err))) return rc;
    if (wrap == 1 && !vinfo->supports_wrapping)
        return eddy_err_set(err, EDDY_ANALYSIS, "Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'true'.",
                            vinfo->name);
    if (wrap >= 0) {
        int nvalue = 0;
        for (int i = 0; i < src->schema->ncols; i++)
            if (src->schema->cols[i].ns == EDDY_COL_VALUE) nvalue++;
        if (nvalue > 1 && vinfo->supports_wrapping)
            return eddy_err_set(err, EDDY_ANALYSIS, "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas.");
    }
    src->value_fmt.wrap_single = wrap >= 0 ? wrap : ctx->default_wrap_single;

    if ((rc = check_side_types(kinfo, src->schema, true, err))) return rc;
    if ((rc = check_side_types(vinfo, src->schema, false, err))) return rc;

    /* Windowed sources. */
    const char *wt = NULL, *ws = NULL;
    if ((rc = prop_string(props, "WINDOW_TYPE", &wt, tmp, err))) return rc;
    if ((rc = prop_string(props, "WINDOW_SIZE", &ws, tmp, err))) return rc;
    if (wt) {
        if (strcasecmp(wt, "TUMBLING") == 0) src->window_type = EDDY_WT_TUMBLING;
        else if (strcasecmp(wt, "HOPPING") == 0) src->window_type = EDDY_WT_HOPPING;
        else if (strcasecmp(wt, "SESSION") == 0) src->window_type = EDDY_WT_SESSION;
        else
            return eddy_err_set(err, EDDY_ANALYSIS,
                                "Invalid value %s for property WINDOW_TYPE: String must be one of: SESSION, HOPPING, "
                                "TUMBLING, null",
                                wt);
        if (src->window_type == EDDY_WT_SESSION && ws)
            return eddy_err_set(err, EDDY_ANALYSIS, "'WINDOW_SIZE' should not be set for SESSION windows.");
        if (src->window_type != EDDY_WT_SESSION && !ws)
            return eddy_err_set(err, EDDY_ANALYSIS,
                                "Tumbling and Hopping window types require 'WINDOW_SIZE' property.");
    } else if (ws) {
        return eddy_err_set(err, EDDY_ANALYSIS, "'WINDOW_SIZE' should not be set without 'WINDOW_TYPE'.");
    }
    if (ws && (rc = eddy_analyze_duration("WINDOW_SIZE", ws, &src->window_size_ms, err))) return rc;

    /* Event time. */
    const char *ts = NULL, *tsf = NULL;
    if ((rc = prop_string(props, "TIMESTAMP", &ts, tmp, err))) return rc;
    if ((rc = prop_string(props, "TIMESTAMP_FORMAT", &tsf, tmp, err))) return rc;
    if (tsf && !ts) return eddy_err_set(err, EDDY_ANALYSIS, "'TIMESTAMP_FORMAT' requires 'TIMESTAMP' to be set.");
    if (ts) {
        /* The property names a column; unquoted text is upper-cased as ksqlDB does. */
        char *name = eddy_arena_strdup(tmp, ts);
        size_t n = strlen(name);
        if (n >= 2 && name[0] == '`' && name[n - 1] == '`') {
            name[n - 1] = '\0';
            name++;
        } else {
            for (char *p = name; *p; p++) *p = (char)toupper((unsigned char)*p);
        }
        int i = eddy_schema_find(src->schema, name);
        if (i < 0)
            return eddy_err_set(err, EDDY_ANALYSIS,
                                "The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", name);
        eddy_type_kind k = src->schema->cols[i].type->ty_kind;
        if (!(k == EDDY_TYPE_BIGINT || k == EDDY_TYPE_TIMESTAMP || (k == EDDY_TYPE_STRING && tsf)))
            return eddy_err_set(err, EDDY_ANALYSIS,
                                "Timestamp column, `%s`, should be LONG(INT64), TIMESTAMP, or a String with a "
                                "timestamp_format specified.",
                                name);
        src->timestamp_column = strdup(name);
        src->timestamp_format = dup_or_null(tsf);
    }
    if (!topic->name || !src->topic) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return 0;
}

int eddy_analyze_create_source(const eddy_analyze_ctx *ctx, const eddy_stmt *st, eddy_source **out,
                               eddy_topic_spec *topic, eddy_err *err) {
    int rc;
    eddy_arena *tmp = eddy_arena_new();
    eddy_source *src = calloc(1, sizeof *src);
    memset(topic, 0, sizeof *topic);
    *out = NULL;
    if (!tmp || !src) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    src->name = strdup(st->u.create.name);
    src->kind = st->u.create.source_kind;
    src->is_source = st->u.create.is_source;
    src->statement = strdup(st->text ? st->text : "");
    src->schema = eddy_schema_new();
    if (!src->name || !src->statement || !src->schema) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    if ((rc = build_schema(ctx, src->kind, &st->u.create.elements, src->schema, err))) goto fail;
    if (eddy_schema_nkeys(src->schema) == 0) {
        /* No key columns with a registry key format: ksqlDB infers the key
         * from the schema registry, which eddy cannot do yet. */
        const char *kname = NULL, *fname = NULL;
        const eddy_format_info *kf;
        prop_string(&st->u.create.props, "KEY_FORMAT", &kname, tmp, NULL);
        prop_string(&st->u.create.props, "FORMAT", &fname, tmp, NULL);
        kf = eddy_format_find(kname ? kname : fname);
        if (kf && kf->uses_registry) {
            rc = eddy_err_set(err, EDDY_UNSUPPORTED,
                              "Inferring key columns from the schema registry (%s key format with no key columns) "
                              "is not supported yet by eddy: declare the key columns.",
                              kf->name);
            goto fail;
        }
    }
    if (src->kind == EDDY_SOURCE_TABLE && eddy_schema_nkeys(src->schema) == 0 && src->schema->ncols > 0) {
        rc = eddy_err_set(err, EDDY_ANALYSIS, "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.");
        goto fail;
    }
    if (src->schema->ncols == 0) {
        /* No columns: ksqlDB infers them from the schema registry for AVRO,
         * PROTOBUF and JSON_SR, which eddy cannot do yet. */
        const char *vname = NULL, *fname = NULL;
        const eddy_format_info *vf;
        prop_string(&st->u.create.props, "VALUE_FORMAT", &vname, tmp, NULL);
        prop_string(&st->u.create.props, "FORMAT", &fname, tmp, NULL);
        vf = eddy_format_find(vname ? vname : fname ? fname : ctx->default_value_format);
        if (vf && vf->uses_registry) {
            rc = eddy_err_set(err, EDDY_UNSUPPORTED,
                              "Inferring columns from the schema registry (%s format with no columns) is not "
                              "supported yet by eddy: declare the columns.",
                              vf->name);
            goto fail;
        }
    }
    if ((rc = analyze_source_common(ctx, st, src, topic, tmp, err))) goto fail;
    if (src->schema->ncols > 0 && src->schema->ncols == eddy_schema_nkeys(src->schema)) {
        /* Key columns only, with a registry value format: ksqlDB infers the
         * value columns from the schema registry, which eddy cannot do yet. */
        const eddy_format_info *vf = eddy_format_find(src->value_fmt.format);
        if (vf && vf->uses_registry) {
            rc = eddy_err_set(err, EDDY_UNSUPPORTED,
                              "Inferring value columns from the schema registry (%s format with no value columns) is "
                              "not supported yet by eddy: declare the columns.",
                              vf->name);
            goto fail;
        }
    }
    if (src->schema->ncols == 0) {
        const eddy_format_info *vf = eddy_format_find(src->value_fmt.format);
        if (vf && vf->uses_registry)
            rc = eddy_err_set(err, EDDY_UNSUPPORTED,
                              "Inferring columns from the schema registry (%s format with no columns) is not "
                              "supported yet by eddy: declare the columns.",
                              vf->name);
        else
            rc = eddy_err_set(err, EDDY_ANALYSIS, "The statement does not define any columns.");
        goto fail;
    }
    *out = src;
    eddy_arena_destroy(tmp);
    return 0;
fail:
    eddy_source_free(src);
    eddy_topic_spec_fini(topic);
    eddy_arena_destroy(tmp);
    return rc;
}

int eddy_analyze_alter_source(const eddy_analyze_ctx *ctx, const eddy_stmt *st, eddy_source **out, eddy_err *err) {
    const eddy_source *old = eddy_catalog_find_source(ctx->catalog, st->u.alter.name);
    const char *what = eddy_source_kind_name(st->u.alter.source_kind);
    int rc;
    *out = NULL;
    if (!old || old->kind != st->u.alter.source_kind)
        return eddy_err_set(err, EDDY_NOTFOUND, "Source %s does not exist.", st->u.alter.name);
    if (old->is_sink)
        return eddy_err_set(err, EDDY_ANALYSIS, "ALTER command is not supported for CREATE ... AS statements.");
    (void)what;
    eddy_source *src = eddy_source_copy(old);
    if (!src) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    const eddy_format_info *vf = eddy_format_find(src->value_fmt.format);
    for (int i = 0; i < st->u.alter.elements.n; i++) {
        const eddy_table_element *e = st->u.alter.elements.items[i];
        eddy_type *t;
        if (eddy_schema_find(src->schema, e->name) >= 0) {
            rc = eddy_err_set_at(err, EDDY_ANALYSIS, e->pos.line, e->pos.col,
                                 "Cannot add column %s to schema. A column with the same name already exists.",
                                 e->name);
            goto fail;
        }
        if (eddy_analyze_is_reserved_column(e->name)) {
            rc = eddy_err_set_at(err, EDDY_ANALYSIS, e->pos.line, e->pos.col,
                                 "'%s' is a reserved column name. You cannot use it as a name for a column.", e->name);
            goto fail;
        }
        if ((rc = eddy_analyze_type(ctx->catalog, e->type, &t, err))) goto fail;
        if (vf && (rc = eddy_format_check_type(vf, e->name, t, err))) {
            eddy_type_unref(t);
            goto fail;
        }
        if ((rc = eddy_schema_add(src->schema, e->name, t, EDDY_COL_VALUE, NULL))) {
            eddy_err_set(err, rc, "out of memory");
            goto fail;
        }
    }
    *out = src;
    return 0;
fail:
    eddy_source_free(src);
    return rc;
}
