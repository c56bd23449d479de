/* config.h - eddy's configuration: one table of properties, and the object
 * that holds their values.
 *
 * Every property eddy knows is a row of a static table (server/config.c):
 * name, type, scope, default, valid range or values, flags and a one-line
 * doc.  Parsing (Java .properties files, -D key=value, SET and a request's
 * streamsProperties), validation, SHOW PROPERTIES and docs/configuration.md
 * all come from that table.  Names are ksqlDB's where ksqlDB has the setting.
 *
 * Names not in the table are resolved as ksqlDB does:
 *  - "ksql.streams.X" and "X" name the same property when one of them is in
 *    the table ("auto.offset.reset" is "ksql.streams.auto.offset.reset",
 *    "ksql.streams.bootstrap.servers" is "bootstrap.servers");
 *  - Kafka client settings ("security.protocol", "ssl.*", "sasl.*", ...,
 *    optionally prefixed by "ksql.streams.", "producer." or "consumer.") are
 *    passed through to librdkafka unchecked (scope PASSTHROUGH);
 *  - "ksql.functions.*" are free-form settings for functions;
 *  - anything else is unknown: kept (but marked unknown) when it comes from
 *    a file, -D or the API, rejected when it comes from a per-request
 *    override, with ksqlDB's message "Not recognizable as ksql, streams,
 *    consumer, or producer property: 'NAME'".
 *
 * An eddy_config is owned by whoever created it (eddy_config_new / _copy) and
 * freed with eddy_config_destroy.  It is not locked: share it read-only, or
 * give each request its own copy.
 */
#ifndef EDDY_SERVER_CONFIG_H
#define EDDY_SERVER_CONFIG_H

#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Names of the properties the rest of eddy reads (the table has more). */
#define EDDY_CFG_LISTENERS "listeners"
#define EDDY_CFG_ADVERTISED_LISTENER "advertised.listener"
#define EDDY_CFG_SERVICE_ID "ksql.service.id"
#define EDDY_CFG_STATE_DIR "ksql.streams.state.dir"
#define EDDY_CFG_BOOTSTRAP_SERVERS "bootstrap.servers"
#define EDDY_CFG_NUM_STREAM_THREADS "ksql.streams.num.stream.threads"
#define EDDY_CFG_AUTO_OFFSET_RESET "ksql.streams.auto.offset.reset"
#define EDDY_CFG_COMMIT_INTERVAL_MS "ksql.streams.commit.interval.ms"
#define EDDY_CFG_CACHE_MAX_BYTES "ksql.streams.cache.max.bytes.buffering"
#define EDDY_CFG_PROCESSING_GUARANTEE "ksql.streams.processing.guarantee"
#define EDDY_CFG_EMIT_INTERVAL_MS "ksql.streams.__emit.interval.ms.kstreams.windowed.aggregation__"
#define EDDY_CFG_DEFAULT_KEY_FORMAT "ksql.persistence.default.format.key"
#define EDDY_CFG_DEFAULT_VALUE_FORMAT "ksql.persistence.default.format.value"
#define EDDY_CFG_WRAP_SINGLE_VALUES "ksql.persistence.wrap.single.values"
#define EDDY_CFG_PULL_TABLE_SCAN "ksql.query.pull.table.scan.enabled"
#define EDDY_CFG_PULL_MAX_OFFSET_LAG "ksql.query.pull.max.allowed.offset.lag"
#define EDDY_CFG_FAIL_ON_DESER_ERROR "ksql.fail.on.deserialization.error"
#define EDDY_CFG_PROCESSING_LOG_TOPIC "ksql.logging.processing.topic.name"
#define EDDY_CFG_PROCESSING_LOG_STREAM_CREATE "ksql.logging.processing.stream.auto.create"
#define EDDY_CFG_SCHEMA_REGISTRY_URL "ksql.schema.registry.url"
#define EDDY_CFG_INTERNAL_TOPIC_REPLICAS "ksql.internal.topic.replicas"
#define EDDY_CFG_OUTPUT_TOPIC_PREFIX "ksql.output.topic.name.prefix"
#define EDDY_CFG_VARIABLE_SUBSTITUTION "ksql.variable.substitution.enable"
#define EDDY_CFG_HTTP_MAX_BODY_BYTES "eddy.http.max.body.bytes"

typedef enum eddy_config_type {
    EDDY_CONFIG_STRING = 0,
    EDDY_CONFIG_INT,     /* 32-bit */
    EDDY_CONFIG_LONG,    /* 64-bit */
    EDDY_CONFIG_DOUBLE,
    EDDY_CONFIG_BOOL,    /* "true" / "false", any case */
    EDDY_CONFIG_LIST,    /* comma-separated, items trimmed */
} eddy_config_type;

typedef enum eddy_config_scope {
    EDDY_CONFIG_SERVER = 0,    /* set at start-up only */
    EDDY_CONFIG_QUERY,         /* also per session / request (SET, streamsProperties) */
    EDDY_CONFIG_PASSTHROUGH,   /* a Kafka client setting handed to librdkafka */
} eddy_config_scope;

/* Where a value came from.  A FILE value never replaces a CMDLINE one, so
 * -D overrides the file whichever is applied first; every other set replaces
 * the value it finds. */
typedef enum eddy_config_origin {
    EDDY_CONFIG_DEFAULT = 0,   /* the table's default (or no value) */
    EDDY_CONFIG_FILE,          /* eddy_config_load_file / _load_string */
    EDDY_CONFIG_CMDLINE,       /* eddy_config_set_arg (-D key=value) */
    EDDY_CONFIG_API,           /* eddy_config_set */
    EDDY_CONFIG_OVERRIDE,      /* eddy_config_override (SET, streamsProperties) */
} eddy_config_origin;

/* Which Kafka clients a PASSTHROUGH setting is for. */
typedef enum eddy_config_client {
    EDDY_CONFIG_CLIENT_ALL = 0,
    EDDY_CONFIG_CLIENT_PRODUCER,   /* "producer." / "ksql.streams.producer." */
    EDDY_CONFIG_CLIENT_CONSUMER,   /* "consumer." / "ksql.streams.consumer." */
    EDDY_CONFIG_CLIENT_TOPIC,      /* "ksql.streams.topic.": internal topics' settings */
} eddy_config_client;

/* Row flags. */
enum {
    EDDY_CONFIG_F_SENSITIVE = 1u << 0,  /* shown as "[hidden]" by SHOW PROPERTIES */
    EDDY_CONFIG_F_NOCASE = 1u << 1,     /* valid values match in any case */
    EDDY_CONFIG_F_RANGE = 1u << 2,      /* cd_min / cd_max apply */
};

/* One row of the property table. */
typedef struct eddy_config_def {
    const char *cd_name;
    eddy_config_type cd_type;
    eddy_config_scope cd_scope;
    const char *cd_default;   /* text; NULL = no value unless set */
    int64_t cd_min, cd_max;   /* numeric bounds, with EDDY_CONFIG_F_RANGE */
    const char *cd_valid;     /* "a|b|c": the allowed values (STRING, LIST items); NULL = any */
    unsigned cd_flags;
    const char *cd_doc;       /* one line */
} eddy_config_def;

/* The table, in documentation order. */
extern const eddy_config_def eddy_config_defs[];
extern const int eddy_config_ndefs;

/* The table row for name (aliases resolved), or NULL. */
const eddy_config_def *eddy_config_def_find(const char *name);

/* "STRING", "INT", "LONG", "DOUBLE", "BOOLEAN", "LIST"; "SERVER", "QUERY",
 * "PASSTHROUGH". */
const char *eddy_config_type_name(eddy_config_type type);
const char *eddy_config_scope_name(eddy_config_scope scope);

typedef struct eddy_config eddy_config;

/* A configuration holding every default.  NULL when out of memory. */
eddy_config *eddy_config_new(void);
/* Independent deep copy (values, origins and names not in the table).  NULL
 * when out of memory. */
eddy_config *eddy_config_copy(const eddy_config *c);
/* NULL is a no-op. */
void eddy_config_destroy(eddy_config *c);

/* Sets name to value (copied) after validating it against the table.
 * origin EDDY_CONFIG_OVERRIDE is eddy_config_override; the others accept
 * unknown names.  Returns 0 or EDDY_CONFIG with err saying which property and
 * what is wrong ("Invalid value abc for configuration
 * ksql.streams.num.stream.threads: Not a number of type INT"); the value is
 * then unchanged. */
int eddy_config_set_origin(eddy_config *c, const char *name, const char *value,
                           eddy_config_origin origin, eddy_err *err);
/* Programmatic set (origin API). */
int eddy_config_set(eddy_config *c, const char *name, const char *value, eddy_err *err);
/* A per-session or per-request override (SET, streamsProperties): unknown
 * names are rejected, and so are SERVER-scope properties ("Cannot override
 * property 'ksql.service.id'"). */
int eddy_config_override(eddy_config *c, const char *name, const char *value, eddy_err *err);
/* One command-line "-D key=value" argument (arg is "key=value"). */
int eddy_config_set_arg(eddy_config *c, const char *arg, eddy_err *err);
/* Back to the table's default (names not in the table are removed).
 * Returns 0 or EDDY_NOTFOUND when name has no value to remove. */
int eddy_config_unset(eddy_config *c, const char *name);

/* Java .properties syntax: "key=value", "key: value" or "key value"; '#' and
 * '!' comment lines; a backslash at the end of a line continues it (leading
 * blanks of the next line are skipped); escapes \t \n \r \f \uXXXX (UTF-16,
 * written out as UTF-8) and \X for any other X.  Text is read as UTF-8
 * (Java reads ISO-8859-1).  Every pair is set with origin FILE.  Errors name
 * the source and line: "eddy.properties:7: Invalid value ...".  On error the
 * pairs before the bad one stay set. */
int eddy_config_load_string(eddy_config *c, const char *text, size_t len, const char *source,
                            eddy_err *err);
int eddy_config_load_file(eddy_config *c, const char *path, eddy_err *err);

/* The canonical name of a property: the table row's name for an alias
 * ("auto.offset.reset" gives "ksql.streams.auto.offset.reset"), else name
 * itself.  Static storage or name; never NULL for a non-NULL name. */
const char *eddy_config_canonical_name(const char *name);

/* Checks what eddy_config_override(c, name, value) would check, without
 * changing c: 0, or EDDY_CONFIG with the same message. */
int eddy_config_check_override(const eddy_config *c, const char *name, const char *value, eddy_err *err);

/* Typed getters by name (aliases resolved).  A property that was never set
 * gives its default; a property with no value (or an unknown name, or the
 * wrong type) gives NULL / 0 / 0.0 / false / 0 items. */
bool eddy_config_has_value(const eddy_config *c, const char *name);
/* The effective value as text, for any type.  Owned by c; valid until the
 * property is next set or c is destroyed. */
const char *eddy_config_get_string(const eddy_config *c, const char *name);
/* The same as eddy_config_get_string. */
const char *eddy_config_get(const eddy_config *c, const char *name);
int64_t eddy_config_get_int(const eddy_config *c, const char *name);     /* INT, LONG */
double eddy_config_get_double(const eddy_config *c, const char *name);   /* DOUBLE, INT, LONG */
bool eddy_config_get_bool(const eddy_config *c, const char *name);
/* LIST: sets *items (owned by c, as for get_string) and returns the count. */
int eddy_config_get_list(const eddy_config *c, const char *name, const char *const **items);

/* Every property with its effective value: the table's rows in table order,
 * then the names not in the table in the order they were first set. */
typedef struct eddy_config_item {
    const char *ci_name;            /* canonical name */
    const char *ci_value;           /* effective text (not hidden); NULL = no value */
    eddy_config_type ci_type;
    eddy_config_scope ci_scope;
    eddy_config_origin ci_origin;
    bool ci_known;                  /* false: a name eddy does not recognise */
    bool ci_sensitive;
    const char *ci_client_name;     /* PASSTHROUGH: the librdkafka name, prefixes removed */
    eddy_config_client ci_client;   /* PASSTHROUGH: which clients */
    const eddy_config_def *ci_def;  /* the table row, NULL when not in the table */
} eddy_config_item;

int eddy_config_count(const eddy_config *c);
/* Fills *out (pointers owned by c, valid as for get_string).  Returns 0 or
 * EDDY_RANGE. */
int eddy_config_item_at(const eddy_config *c, int i, eddy_config_item *out);

/* ksqlDB's "properties" entity fields, sorted by name:
 *     {"properties":[{"name":..,"scope":"KSQL","value":..|null}],
 *      "overwrittenProperties":[names overridden],
 *      "defaultProperties":[names at their default]}
 * for c with the session's / request's overrides applied: overrides is NULL
 * or a JSON object of name -> value (strings; numbers and booleans are
 * taken as their JSON text; invalid ones are left out), not modified.
 * "Overridden" means set by an override, in overrides or earlier with
 * eddy_config_override.  Sensitive values read "[hidden]".  New reference
 * owned by the caller; NULL when out of memory. */
json_t *eddy_config_properties_json(const eddy_config *c, const json_t *overrides);

/* Writes the configuration reference (docs/configuration.md) as Markdown.
 * Returns 0 or EDDY_IO. */
int eddy_config_write_markdown(FILE *out);

#endif
