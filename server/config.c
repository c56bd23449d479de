/* config.c - the configuration table and object: the property table, name
 * resolution, validation, .properties files, -D arguments, typed getters,
 * SHOW PROPERTIES as JSON and the Markdown reference (docs/configuration.md).
 */
#include "server/config.h"

#include "base/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STREAMS_PREFIX "ksql.streams."
#define FUNCTIONS_PREFIX "ksql.functions."
#define MAX_FILE_BYTES (16u << 20)

/* A property's value.  text == NULL means no value. */
typedef struct cfg_value {
    char *text;                  /* canonical text */
    int64_t i;                   /* INT, LONG */
    double d;                    /* DOUBLE */
    bool b;                      /* BOOL */
    char **items;                /* LIST: nitems strings */
    int nitems;
    eddy_config_origin origin;
} cfg_value;

/* A name that is not in the table. */
typedef struct cfg_extra {
    char *name;
    cfg_value v;                 /* STRING; never without text */
    eddy_config_scope scope;     /* QUERY or PASSTHROUGH */
    bool known;
    bool sensitive;
    size_t client_off;           /* PASSTHROUGH: offset of the librdkafka name in name */
    eddy_config_client client;
} cfg_extra;

struct eddy_config {
    cfg_value *cf_slots;         /* one per table row */
    cfg_extra *cf_extras;
    int cf_nextras, cf_capextras;
};

/* ------------------------------------------------------------------------ */
/* The table: one row per property, in documentation order (server, then      */
/* per-query settings, then Kafka client settings).  Adding a property is     */
/* adding a row and, if code reads it, a name constant in config.h.           */

#define P(name, type, scope, dflt, doc) \
    {name, EDDY_CONFIG_##type, EDDY_CONFIG_##scope, dflt, 0, 0, NULL, 0, doc}
#define PR(name, type, scope, dflt, lo, hi, doc) \
    {name, EDDY_CONFIG_##type, EDDY_CONFIG_##scope, dflt, lo, hi, NULL, EDDY_CONFIG_F_RANGE, doc}
#define PV(name, type, scope, dflt, valid, flags, doc) \
    {name, EDDY_CONFIG_##type, EDDY_CONFIG_##scope, dflt, 0, 0, valid, flags, doc}
#define PS(name, scope, doc) \
    {name, EDDY_CONFIG_STRING, EDDY_CONFIG_##scope, NULL, 0, 0, NULL, EDDY_CONFIG_F_SENSITIVE, doc}

#define I32_MAX 2147483647LL
#define I64_MAX 9223372036854775807LL
#define FORMATS "KAFKA|JSON|JSON_SR|AVRO|PROTOBUF|PROTOBUF_NOSR|DELIMITED|NONE"
#define SYSTEM_TOPICS                                                       \
    "_confluent.*,__confluent.*,_schemas,__consumer_offsets,__transaction_state," \
    "connect-configs,connect-offsets,connect-status,connect-statuses"

const eddy_config_def eddy_config_defs[] = {
    /* ---- server ---- */
    P("listeners", LIST, SERVER, "http://0.0.0.0:8088",
      "Comma-separated URLs the REST API listens on, e.g. http://0.0.0.0:8088 or http://[::1]:8088."),
    P("advertised.listener", STRING, SERVER, NULL,
      "The URL other servers and clients use to reach this server; by default the first of listeners."),
    PR("eddy.http.max.body.bytes", LONG, SERVER, "16777216", 1024, I64_MAX,
       "Largest request body the REST API accepts, in bytes; larger requests get 413."),
    PR("ksql.idle.connection.timeout.seconds", INT, SERVER, "86400", 1, I32_MAX,
       "Seconds after which an idle HTTP connection is closed."),
    P("ksql.service.id", STRING, SERVER, "default_",
      "The id of the cluster: servers with the same id share the command topic and the work; prefixes internal topic and consumer group names."),
    P("ksql.streams.state.dir", STRING, SERVER, "./eddy-data",
      "Directory of the local state (RocksDB stores) and of the embedded log when bootstrap.servers is empty; relative to the working directory."),
    P("bootstrap.servers", STRING, SERVER, "",
      "Kafka brokers (host:port, comma-separated): eddy keeps its topics in that cluster (see docs/kafka.md); empty runs on the embedded log under ksql.streams.state.dir."),
    P("eddy.mock.control", STRING, SERVER, "",
      "Development only: the control address printed by `eddy kafka-mock` (host:port). librdkafka's mock cluster has no CreateTopics, so topics are created through it."),
    P("ksql.schema.registry.url", STRING, SERVER, "",
      "URL of the Schema Registry used by AVRO, PROTOBUF and JSON_SR; empty uses the embedded registry."),
    PR("ksql.internal.topic.replicas", INT, SERVER, "1", 1, 32767,
       "Replication factor of internal topics: the command topic and the processing log topic."),
    PR("ksql.internal.topic.min.insync.replicas", INT, SERVER, "1", 1, 32767,
       "min.insync.replicas of internal topics."),
    P("ksql.persistent.prefix", STRING, SERVER, "query_",
      "Prefix of persistent query ids' consumer groups and internal topics."),
    P("ksql.transient.prefix", STRING, SERVER, "transient_",
      "Prefix of push queries' consumer groups."),
    PR("ksql.query.persistent.active.limit", INT, SERVER, "2147483647", 0, I32_MAX,
       "Most persistent queries that may run at once; further ones are rejected."),
    P("ksql.pull.queries.enable", BOOL, SERVER, "true",
      "Whether this server answers pull queries."),
    P("ksql.hidden.topics", LIST, SERVER, SYSTEM_TOPICS,
      "Topics (names or regular expressions) that SHOW TOPICS hides unless SHOW ALL TOPICS is used."),
    P("ksql.readonly.topics", LIST, SERVER, SYSTEM_TOPICS,
      "Topics (names or regular expressions) that statements may read but never write."),
    P("ksql.logging.processing.topic.name", STRING, SERVER, "",
      "Topic of the processing log (deserialization and processing errors); empty means the service id followed by ksql_processing_log."),
    P("ksql.logging.processing.topic.auto.create", BOOL, SERVER, "true",
      "Whether to create the processing log topic at start-up (eddy's default is true, so that errors are never only on stderr)."),
    PR("ksql.logging.processing.topic.partitions", INT, SERVER, "1", 1, I32_MAX,
       "Partitions of the processing log topic when eddy creates it."),
    PR("ksql.logging.processing.topic.replication.factor", INT, SERVER, "1", 1, 32767,
       "Replication factor of the processing log topic when eddy creates it."),
    P("ksql.logging.processing.stream.name", STRING, SERVER, "KSQL_PROCESSING_LOG",
      "Name of the stream over the processing log topic."),
    P("ksql.logging.processing.stream.auto.create", BOOL, SERVER, "false",
      "Whether to create the processing log stream at start-up."),
    P("ksql.logging.processing.rows.include", BOOL, SERVER, "false",
      "Whether processing log entries include the row that failed (may expose data)."),
    PR("ksql.streams.shutdown.timeout.ms", LONG, SERVER, "300000", 0, I64_MAX,
       "Milliseconds to wait for a query's threads to stop on shutdown or TERMINATE."),

    /* ---- queries (can be set per session or request) ---- */
    PR("ksql.streams.num.stream.threads", INT, QUERY, "4", 1, 1024,
       "Stream threads that run each persistent query's tasks."),
    PV("ksql.streams.auto.offset.reset", STRING, QUERY, "latest", "latest|earliest", 0,
       "Where a new query starts reading a topic with no committed offset: latest or earliest."),
    PR("ksql.streams.replication.factor", INT, QUERY, "1", -1, 32767,
       "Replication factor of a persistent query's internal topics (changelog, repartition) on Kafka; -1 = the brokers' default."),
    PR("ksql.streams.commit.interval.ms", LONG, QUERY, "2000", 0, I64_MAX,
       "How often, in milliseconds, a query commits its position and flushes its record cache."),
    PR("ksql.streams.cache.max.bytes.buffering", LONG, QUERY, "10485760", 0, I64_MAX,
       "Bytes of record cache per query for de-duplicating table updates; 0 emits every update."),
    PV("ksql.streams.processing.guarantee", STRING, QUERY, "at_least_once",
       "at_least_once|exactly_once_v2|exactly_once|exactly_once_beta", 0,
       "at_least_once (outputs acknowledged, then input positions committed), or exactly_once_v2 (outputs, state and positions in one Kafka transaction); exactly_once and exactly_once_beta mean exactly_once_v2. On the embedded log every commit is atomic."),
    PR("ksql.streams.max.task.idle.ms", LONG, QUERY, "0", -1, I64_MAX,
       "Milliseconds a task with several inputs waits for data on all of them before processing out of order (joins)."),
    PR("ksql.streams.buffered.records.per.partition", INT, QUERY, "1000", 1, I32_MAX,
       "Records buffered per input partition before its consumer is paused."),
    PR("ksql.streams.__emit.interval.ms.kstreams.windowed.aggregation__", LONG, QUERY, "1000", 0, I64_MAX,
       "How often, in milliseconds of stream time, EMIT FINAL looks for closed windows; 0 looks on every record."),
    PV("ksql.persistence.default.format.key", STRING, QUERY, "KAFKA", FORMATS, EDDY_CONFIG_F_NOCASE,
       "Key format of CREATE STREAM / TABLE statements that give none."),
    PV("ksql.persistence.default.format.value", STRING, QUERY, NULL, FORMATS, EDDY_CONFIG_F_NOCASE,
       "Value format of CREATE STREAM / TABLE statements that give none; unset, such statements must give one."),
    P("ksql.persistence.wrap.single.values", BOOL, QUERY, NULL,
      "Default of WRAP_SINGLE_VALUE: whether a single value column is written inside an object/record; unset, each format's default."),
    P("ksql.output.topic.name.prefix", STRING, QUERY, "",
      "Prefix of the topics that CREATE ... AS SELECT creates when the statement names none."),
    P("ksql.query.pull.table.scan.enabled", BOOL, QUERY, "true",
      "Whether pull queries may scan a whole table (WHERE clauses not limited to the key)."),
    P("ksql.query.pull.limit.clause.enabled", BOOL, QUERY, "true",
      "Whether pull queries may have a LIMIT clause."),
    PR("ksql.query.pull.max.allowed.offset.lag", LONG, QUERY, "9223372036854775807", 0, I64_MAX,
       "Largest lag, in offsets, of the state a pull query may read."),
    P("ksql.fail.on.deserialization.error", BOOL, QUERY, "false",
      "Whether a record that cannot be deserialized stops the query; false logs it to the processing log and skips it."),
    P("ksql.fail.on.production.error", BOOL, QUERY, "true",
      "Whether a record that cannot be written stops the query; false logs it and carries on."),
    P("ksql.timestamp.throw.on.invalid", BOOL, QUERY, "false",
      "Whether an invalid record timestamp stops the query; false logs a warning and skips the record."),
    P("ksql.variable.substitution.enable", BOOL, QUERY, "true",
      "Whether ${name} in statements is replaced by variables set with DEFINE."),
    P("ksql.cast.strings.preserve.nulls", BOOL, QUERY, "true",
      "Whether CAST(NULL AS STRING) is NULL (true) or the string 'null' (false)."),
    P("ksql.nested.error.set.null", BOOL, QUERY, "true",
      "On an error inside an array, map or struct element, set only that element to NULL (true) or the whole value (false)."),
    P("ksql.suppress.enabled", BOOL, QUERY, "true",
      "Whether EMIT FINAL is allowed."),
    P("ksql.lambdas.enabled", BOOL, QUERY, "true",
      "Whether lambda expressions (TRANSFORM, REDUCE, FILTER) are allowed in new queries."),
    P("ksql.headers.columns.enabled", BOOL, QUERY, "true",
      "Whether HEADERS and HEADER('key') columns are allowed in CREATE statements."),
    P("ksql.create.or.replace.enabled", BOOL, QUERY, "true",
      "Whether CREATE OR REPLACE is allowed."),
    P("ksql.insert.into.values.enabled", BOOL, QUERY, "true",
      "Whether INSERT INTO ... VALUES is allowed."),
    PR("ksql.functions.collect_list.limit", INT, QUERY, "2147483647", 0, I32_MAX,
       "Most values COLLECT_LIST keeps per group; further values are ignored."),
    PR("ksql.functions.collect_set.limit", INT, QUERY, "2147483647", 0, I32_MAX,
       "Most values COLLECT_SET keeps per group; further values are ignored."),

    /* ---- Kafka clients (passed to librdkafka) ---- */
    P("client.id", STRING, PASSTHROUGH, NULL,
      "Client id sent to the brokers; by default derived from the query id."),
    PV("security.protocol", STRING, PASSTHROUGH, NULL, "plaintext|ssl|sasl_plaintext|sasl_ssl",
       EDDY_CONFIG_F_NOCASE,
       "Protocol used to talk to the brokers; librdkafka's default is plaintext."),
    PV("sasl.mechanism", STRING, PASSTHROUGH, NULL,
       "GSSAPI|PLAIN|SCRAM-SHA-256|SCRAM-SHA-512|OAUTHBEARER", 0,
       "SASL mechanism when security.protocol is sasl_*."),
    P("sasl.username", STRING, PASSTHROUGH, NULL,
      "SASL username for PLAIN and SCRAM."),
    PS("sasl.password", PASSTHROUGH,
       "SASL password for PLAIN and SCRAM."),
    P("ssl.ca.location", STRING, PASSTHROUGH, NULL,
      "File or directory of CA certificates that verify the brokers' certificates."),
    P("ssl.certificate.location", STRING, PASSTHROUGH, NULL,
      "File of the client's certificate (PEM), for TLS client authentication."),
    P("ssl.key.location", STRING, PASSTHROUGH, NULL,
      "File of the client's private key (PEM)."),
    PS("ssl.key.password", PASSTHROUGH,
       "Passphrase of the client's private key."),
    PV("ssl.endpoint.identification.algorithm", STRING, PASSTHROUGH, NULL, "none|https",
       EDDY_CONFIG_F_NOCASE,
       "https checks that the broker's certificate names the broker's host; none does not."),
};

const int eddy_config_ndefs = (int)(sizeof eddy_config_defs / sizeof eddy_config_defs[0]);

/* Kafka client settings that may pass through to librdkafka: a name equal to
 * one of these or starting with one ending in '.'. */
static const char *const k_client_prefixes[] = {
    "acks", "allow.", "api.", "auto.", "batch.", "broker.", "check.", "client.", "compression.",
    "connections.", "coordinator.", "debug", "delivery.", "enable.", "fetch.", "group.",
    "heartbeat.", "isolation.", "linger.", "log.", "max.", "message.", "metadata.", "offset.",
    "partition.", "partitioner", "queue.", "queued.", "receive.", "reconnect.", "request.",
    "retries", "retry.", "sasl.", "security.", "session.", "socket.", "ssl.", "statistics.",
    "sticky.", "topic.", "transaction.", "transactional.",
};
#define N_CLIENT_PREFIXES ((int)(sizeof k_client_prefixes / sizeof k_client_prefixes[0]))

const char *eddy_config_type_name(eddy_config_type type) {
    switch (type) {
    case EDDY_CONFIG_STRING: return "STRING";
    case EDDY_CONFIG_INT: return "INT";
    case EDDY_CONFIG_LONG: return "LONG";
    case EDDY_CONFIG_DOUBLE: return "DOUBLE";
    case EDDY_CONFIG_BOOL: return "BOOLEAN";
    case EDDY_CONFIG_LIST: return "LIST";
    }
    return "STRING";
}

const char *eddy_config_scope_name(eddy_config_scope scope) {
    switch (scope) {
    case EDDY_CONFIG_SERVER: return "SERVER";
    case EDDY_CONFIG_QUERY: return "QUERY";
    case EDDY_CONFIG_PASSTHROUGH: return "PASSTHROUGH";
    }
    return "SERVER";
}

static bool starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ------------------------------------------------------------------------ */
/* Name resolution                                                          */

static int def_index(const char *name) {
    for (int i = 0; i < eddy_config_ndefs; i++)
        if (strcmp(eddy_config_defs[i].cd_name, name) == 0) return i;
    return -1;
}

/* The table row of name: exact, else "ksql.streams.X" <-> "X". */
static int resolve_def(const char *name) {
    int i = def_index(name);
    if (i >= 0) return i;
    if (starts_with(name, STREAMS_PREFIX)) return def_index(name + strlen(STREAMS_PREFIX));
    char buf[512];
    int n = snprintf(buf, sizeof buf, STREAMS_PREFIX "%s", name);
    if (n < 0 || (size_t)n >= sizeof buf) return -1;
    return def_index(buf);
}

const char *eddy_config_canonical_name(const char *name) {
    int i = name ? resolve_def(name) : -1;
    return i >= 0 ? eddy_config_defs[i].cd_name : name;
}

const eddy_config_def *eddy_config_def_find(const char *name) {
    int i = name ? resolve_def(name) : -1;
    return i >= 0 ? &eddy_config_defs[i] : NULL;
}

static bool is_client_setting(const char *s) {
    for (int i = 0; i < N_CLIENT_PREFIXES; i++) {
        const char *p = k_client_prefixes[i];
        size_t n = strlen(p);
        if (p[n - 1] == '.' ? (strncmp(s, p, n) == 0 && s[n] != '\0') : strcmp(s, p) == 0) return true;
    }
    return false;
}

/* Whether a name not in the table is a Kafka client setting; sets where its
 * librdkafka name starts and which clients it is for. */
static bool classify_passthrough(const char *name, size_t *off, eddy_config_client *client) {
    const char *p = name;
    bool streams = starts_with(p, STREAMS_PREFIX);
    if (streams) p += strlen(STREAMS_PREFIX);
    *client = EDDY_CONFIG_CLIENT_ALL;
    if (starts_with(p, "producer.")) {
        *client = EDDY_CONFIG_CLIENT_PRODUCER;
        p += strlen("producer.");
    } else if (starts_with(p, "consumer.")) {
        *client = EDDY_CONFIG_CLIENT_CONSUMER;
        p += strlen("consumer.");
    } else if (streams && starts_with(p, "topic.") && p[strlen("topic.")] != '\0') {
        *client = EDDY_CONFIG_CLIENT_TOPIC;
        p += strlen("topic.");
        *off = (size_t)(p - name);
        return true; /* topic-level settings of internal topics: any name */
    }
    *off = (size_t)(p - name);
    return is_client_setting(p);
}

static bool looks_sensitive(const char *name) {
    return strstr(name, "password") || strstr(name, "secret") || strstr(name, "jaas.config");
}

/* ------------------------------------------------------------------------ */
/* Values                                                                   */

static void value_fini(cfg_value *v) {
    free(v->text);
    for (int i = 0; i < v->nitems; i++) free(v->items[i]);
    free(v->items);
    memset(v, 0, sizeof *v);
}

static int value_copy(cfg_value *dst, const cfg_value *src) {
    *dst = *src;
    dst->text = NULL;
    dst->items = NULL;
    dst->nitems = 0;
    if (src->text && !(dst->text = strdup(src->text))) goto fail;
    if (src->nitems > 0) {
        dst->items = calloc((size_t)src->nitems, sizeof *dst->items);
        if (!dst->items) goto fail;
        for (int i = 0; i < src->nitems; i++) {
            if (!(dst->items[i] = strdup(src->items[i]))) goto fail;
            dst->nitems = i + 1;
        }
    }
    return 0;
fail:
    value_fini(dst);
    return EDDY_NOMEM;
}

/* The allowed value in the '|'-separated list `valid` matching s (n bytes),
 * or NULL. */
static const char *match_valid(const char *valid, const char *s, size_t n, bool nocase) {
    const char *p = valid;
    while (*p) {
        const char *end = strchr(p, '|');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && (nocase ? strncasecmp(p, s, n) == 0 : strncmp(p, s, n) == 0)) return p;
        if (!end) break;
        p = end + 1;
    }
    return NULL;
}

static int invalid(eddy_err *err, const char *name, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int invalid(eddy_err *err, const char *name, const char *value, const char *fmt, ...) {
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return eddy_err_set(err, EDDY_CONFIG, "Invalid value %s for configuration %s: %s", value, name, why);
}

static int invalid_choice(eddy_err *err, const eddy_config_def *d, const char *value) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    for (const char *p = d->cd_valid; *p; p++) {
        if (*p == '|') eddy_strbuf_puts(&sb, ", ");
        else eddy_strbuf_putc(&sb, *p);
    }
    int rc = invalid(err, d->cd_name, value, "String must be one of%s: %s",
                     (d->cd_flags & EDDY_CONFIG_F_NOCASE) ? " (case insensitive)" : "",
                     eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    return rc;
}

static int check_range(eddy_err *err, const eddy_config_def *d, const char *raw, double x) {
    if (!(d->cd_flags & EDDY_CONFIG_F_RANGE)) return 0;
    if (x < (double)d->cd_min) return invalid(err, d->cd_name, raw, "Value must be at least %" PRId64, d->cd_min);
    if (x > (double)d->cd_max)
        return invalid(err, d->cd_name, raw, "Value must be no more than %" PRId64, d->cd_max);
    return 0;
}

/* Splits s at ',' into trimmed items (an empty s gives none). */
static int split_list(const char *s, cfg_value *v) {
    if (!*s) return 0;
    int n = 1;
    for (const char *p = s; *p; p++) n += *p == ',';
    v->items = calloc((size_t)n, sizeof *v->items);
    if (!v->items) return EDDY_NOMEM;
    const char *p = s;
    for (int i = 0; i < n; i++) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        if (!(v->items[i] = strndup(a, (size_t)(b - a)))) return EDDY_NOMEM;
        v->nitems = i + 1;
        p = *end ? end + 1 : end;
    }
    return 0;
}

/* Parses raw for row d into *out (fully owned by out).  Kafka's rules: the
 * value is trimmed first. */
static int parse_value(const eddy_config_def *d, const char *raw, cfg_value *out, eddy_err *err) {
    memset(out, 0, sizeof *out);
    const char *a = raw;
    while (isspace((unsigned char)*a)) a++;
    size_t n = strlen(a);
    while (n > 0 && isspace((unsigned char)a[n - 1])) n--;
    char *s = strndup(a, n);
    if (!s) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    int rc = 0;
    bool nocase = (d->cd_flags & EDDY_CONFIG_F_NOCASE) != 0;

    switch (d->cd_type) {
    case EDDY_CONFIG_STRING:
        if (d->cd_valid) {
            const char *m = match_valid(d->cd_valid, s, n, nocase);
            if (!m) {
                rc = invalid_choice(err, d, raw);
                break;
            }
            memcpy(s, m, n); /* the table's spelling */
        }
        break;
    case EDDY_CONFIG_INT:
    case EDDY_CONFIG_LONG: {
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        bool is_int = d->cd_type == EDDY_CONFIG_INT;
        if (n == 0 || *end || errno == ERANGE || (is_int && (x < INT32_MIN || x > INT32_MAX))) {
            rc = invalid(err, d->cd_name, raw, "Not a number of type %s", is_int ? "INT" : "LONG");
            break;
        }
        if (d->cd_flags & EDDY_CONFIG_F_RANGE) {
            if (x < d->cd_min) {
                rc = invalid(err, d->cd_name, raw, "Value must be at least %" PRId64, d->cd_min);
                break;
            }
            if (x > d->cd_max) {
                rc = invalid(err, d->cd_name, raw, "Value must be no more than %" PRId64, d->cd_max);
                break;
            }
        }
        out->i = x;
        free(s);
        if (asprintf(&s, "%lld", x) < 0) s = NULL;
        break;
    }
    case EDDY_CONFIG_DOUBLE: {
        char *end;
        errno = 0;
        double x = strtod(s, &end);
        if (n == 0 || *end || errno == ERANGE || !isfinite(x)) {
            rc = invalid(err, d->cd_name, raw, "Not a number of type DOUBLE");
            break;
        }
        rc = check_range(err, d, raw, x);
        out->d = x;
        break;
    }
    case EDDY_CONFIG_BOOL:
        if (strcasecmp(s, "true") == 0) out->b = true;
        else if (strcasecmp(s, "false") == 0) out->b = false;
        else {
            rc = invalid(err, d->cd_name, raw, "Expected value to be either true or false");
            break;
        }
        strcpy(s, out->b ? "true" : "false");
        break;
    case EDDY_CONFIG_LIST: {
        rc = split_list(s, out);
        if (rc) {
            eddy_err_set(err, rc, "out of memory");
            break;
        }
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        for (int i = 0; i < out->nitems && !rc; i++) {
            if (d->cd_valid) {
                const char *m = match_valid(d->cd_valid, out->items[i], strlen(out->items[i]), nocase);
                if (!m) {
                    rc = invalid_choice(err, d, raw);
                    break;
                }
                memcpy(out->items[i], m, strlen(out->items[i]));
            }
            if (i) eddy_strbuf_putc(&sb, ',');
            eddy_strbuf_puts(&sb, out->items[i]);
        }
        free(s);
        s = rc ? NULL : strdup(eddy_strbuf_cstr(&sb));
        if (sb.failed) {
            free(s);
            s = NULL;
        }
        eddy_strbuf_fini(&sb);
        break;
    }
    }
    if (!rc && !s) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (rc) {
        free(s);
        value_fini(out);
        return rc;
    }
    out->text = s;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The object                                                               */

eddy_config *eddy_config_new(void) {
    eddy_config *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->cf_slots = calloc((size_t)eddy_config_ndefs, sizeof *c->cf_slots);
    if (!c->cf_slots) goto fail;
    for (int i = 0; i < eddy_config_ndefs; i++) {
        const eddy_config_def *d = &eddy_config_defs[i];
        if (d->cd_default && parse_value(d, d->cd_default, &c->cf_slots[i], NULL)) goto fail;
    }
    return c;
fail:
    eddy_config_destroy(c);
    return NULL;
}

void eddy_config_destroy(eddy_config *c) {
    if (!c) return;
    if (c->cf_slots)
        for (int i = 0; i < eddy_config_ndefs; i++) value_fini(&c->cf_slots[i]);
    free(c->cf_slots);
    for (int i = 0; i < c->cf_nextras; i++) {
        free(c->cf_extras[i].name);
        value_fini(&c->cf_extras[i].v);
    }
    free(c->cf_extras);
    free(c);
}

eddy_config *eddy_config_copy(const eddy_config *c) {
    if (!c) return NULL;
    eddy_config *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->cf_slots = calloc((size_t)eddy_config_ndefs, sizeof *n->cf_slots);
    if (!n->cf_slots) goto fail;
    for (int i = 0; i < eddy_config_ndefs; i++)
        if (value_copy(&n->cf_slots[i], &c->cf_slots[i])) goto fail;
    if (c->cf_nextras > 0) {
        n->cf_extras = calloc((size_t)c->cf_nextras, sizeof *n->cf_extras);
        if (!n->cf_extras) goto fail;
        n->cf_capextras = c->cf_nextras;
        for (int i = 0; i < c->cf_nextras; i++) {
            cfg_extra *dst = &n->cf_extras[i];
            const cfg_extra *src = &c->cf_extras[i];
            *dst = *src;
            dst->name = NULL;
            memset(&dst->v, 0, sizeof dst->v);
            n->cf_nextras = i + 1;
            if (!(dst->name = strdup(src->name)) || value_copy(&dst->v, &src->v)) goto fail;
        }
    }
    return n;
fail:
    eddy_config_destroy(n);
    return NULL;
}

static cfg_extra *find_extra(const eddy_config *c, const char *name) {
    for (int i = 0; i < c->cf_nextras; i++)
        if (strcmp(c->cf_extras[i].name, name) == 0) return &c->cf_extras[i];
    return NULL;
}

static int set_extra(eddy_config *c, const char *name, const char *value, eddy_config_origin origin,
                     eddy_err *err) {
    size_t off = 0;
    eddy_config_client client = EDDY_CONFIG_CLIENT_ALL;
    bool passthrough = classify_passthrough(name, &off, &client);
    bool functions = starts_with(name, FUNCTIONS_PREFIX) && name[strlen(FUNCTIONS_PREFIX)];
    if (origin == EDDY_CONFIG_OVERRIDE && !passthrough && !functions)
        return eddy_err_set(err, EDDY_CONFIG,
                            "Not recognizable as ksql, streams, consumer, or producer property: '%s'", name);

    cfg_extra *x = find_extra(c, name);
    if (x && origin == EDDY_CONFIG_FILE && x->v.origin == EDDY_CONFIG_CMDLINE) return 0;
    char *text = strdup(value);
    if (!text) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (!x) {
        if (c->cf_nextras == c->cf_capextras) {
            int cap = c->cf_capextras ? 2 * c->cf_capextras : 8;
            cfg_extra *e = realloc(c->cf_extras, sizeof *e * (size_t)cap);
            if (!e) {
                free(text);
                return eddy_err_set(err, EDDY_NOMEM, "out of memory");
            }
            c->cf_extras = e;
            c->cf_capextras = cap;
        }
        x = &c->cf_extras[c->cf_nextras];
        memset(x, 0, sizeof *x);
        if (!(x->name = strdup(name))) {
            free(text);
            return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        }
        c->cf_nextras++;
        x->scope = passthrough ? EDDY_CONFIG_PASSTHROUGH : EDDY_CONFIG_QUERY;
        x->known = passthrough || functions;
        x->sensitive = looks_sensitive(name);
        x->client_off = passthrough ? off : 0;
        x->client = client;
    }
    value_fini(&x->v);
    x->v.text = text;
    x->v.origin = origin;
    return 0;
}

int eddy_config_set_origin(eddy_config *c, const char *name, const char *value,
                           eddy_config_origin origin, eddy_err *err) {
    if (!c || !name || !value) return eddy_err_set(err, EDDY_INVAL, "no configuration, name or value");
    if (!*name) return eddy_err_set(err, EDDY_CONFIG, "Empty property name");
    int i = resolve_def(name);
    if (i < 0) return set_extra(c, name, value, origin, err);

    const eddy_config_def *d = &eddy_config_defs[i];
    if (origin == EDDY_CONFIG_OVERRIDE && d->cd_scope == EDDY_CONFIG_SERVER)
        return eddy_err_set(err, EDDY_CONFIG, "Cannot override property '%s'", name);
    cfg_value *slot = &c->cf_slots[i];
    if (origin == EDDY_CONFIG_FILE && slot->origin == EDDY_CONFIG_CMDLINE) return 0;
    cfg_value v;
    int rc = parse_value(d, value, &v, err);
    if (rc) return rc;
    v.origin = origin;
    value_fini(slot);
    *slot = v;
    return 0;
}

int eddy_config_check_override(const eddy_config *c, const char *name, const char *value, eddy_err *err) {
    if (!c || !name || !value) return eddy_err_set(err, EDDY_INVAL, "no configuration, name or value");
    if (!*name) return eddy_err_set(err, EDDY_CONFIG, "Empty property name");
    int i = resolve_def(name);
    if (i < 0) {
        size_t off;
        eddy_config_client client;
        if (classify_passthrough(name, &off, &client)) return 0;
        if (starts_with(name, FUNCTIONS_PREFIX) && name[strlen(FUNCTIONS_PREFIX)]) return 0;
        return eddy_err_set(err, EDDY_CONFIG,
                            "Not recognizable as ksql, streams, consumer, or producer property: '%s'", name);
    }
    const eddy_config_def *d = &eddy_config_defs[i];
    if (d->cd_scope == EDDY_CONFIG_SERVER)
        return eddy_err_set(err, EDDY_CONFIG, "Cannot override property '%s'", name);
    cfg_value v;
    int rc = parse_value(d, value, &v, err);
    if (!rc) value_fini(&v);
    return rc;
}

int eddy_config_set(eddy_config *c, const char *name, const char *value, eddy_err *err) {
    return eddy_config_set_origin(c, name, value, EDDY_CONFIG_API, err);
}

int eddy_config_override(eddy_config *c, const char *name, const char *value, eddy_err *err) {
    return eddy_config_set_origin(c, name, value, EDDY_CONFIG_OVERRIDE, err);
}

int eddy_config_set_arg(eddy_config *c, const char *arg, eddy_err *err) {
    const char *eq = arg ? strchr(arg, '=') : NULL;
    const char *a = arg, *b = eq;
    if (eq) {
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
    }
    if (!eq || a == b)
        return eddy_err_set(err, EDDY_CONFIG, "Invalid -D argument '%s': expected key=value", arg ? arg : "");
    char *name = strndup(a, (size_t)(b - a));
    if (!name) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    int rc = eddy_config_set_origin(c, name, eq + 1, EDDY_CONFIG_CMDLINE, err);
    free(name);
    return rc;
}

int eddy_config_unset(eddy_config *c, const char *name) {
    if (!c || !name) return EDDY_NOTFOUND;
    int i = resolve_def(name);
    if (i >= 0) {
        const eddy_config_def *d = &eddy_config_defs[i];
        cfg_value v = {0};
        if (d->cd_default && parse_value(d, d->cd_default, &v, NULL)) return EDDY_NOMEM;
        value_fini(&c->cf_slots[i]);
        c->cf_slots[i] = v;
        return 0;
    }
    cfg_extra *x = find_extra(c, name);
    if (!x) return EDDY_NOTFOUND;
    free(x->name);
    value_fini(&x->v);
    int k = (int)(x - c->cf_extras);
    memmove(x, x + 1, sizeof *x * (size_t)(c->cf_nextras - k - 1));
    c->cf_nextras--;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Getters                                                                  */

/* The value of name and its row (NULL for names not in the table). */
static const cfg_value *lookup(const eddy_config *c, const char *name, const eddy_config_def **def) {
    *def = NULL;
    if (!c || !name) return NULL;
    int i = resolve_def(name);
    if (i >= 0) {
        *def = &eddy_config_defs[i];
        return &c->cf_slots[i];
    }
    const cfg_extra *x = find_extra(c, name);
    return x ? &x->v : NULL;
}

bool eddy_config_has_value(const eddy_config *c, const char *name) {
    const eddy_config_def *d;
    const cfg_value *v = lookup(c, name, &d);
    return v && v->text;
}

const char *eddy_config_get_string(const eddy_config *c, const char *name) {
    const eddy_config_def *d;
    const cfg_value *v = lookup(c, name, &d);
    return v ? v->text : NULL;
}

const char *eddy_config_get(const eddy_config *c, const char *name) {
    return eddy_config_get_string(c, name);
}

int64_t eddy_config_get_int(const eddy_config *c, const char *name) {
    const eddy_config_def *d;
    const cfg_value *v = lookup(c, name, &d);
    if (!v || !v->text || !d || (d->cd_type != EDDY_CONFIG_INT && d->cd_type != EDDY_CONFIG_LONG)) return 0;
    return v->i;
}

double eddy_config_get_double(const eddy_config *c, const char *name) {
    const eddy_config_def *d;
    const cfg_value *v = lookup(c, name, &d);
    if (!v || !v->text || !d) return 0.0;
    if (d->cd_type == EDDY_CONFIG_DOUBLE) return v->d;
    if (d->cd_type == EDDY_CONFIG_INT || d->cd_type == EDDY_CONFIG_LONG) return (double)v->i;
    return 0.0;
}

bool eddy_config_get_bool(const eddy_config *c, const char *name) {
    const eddy_config_def *d;
    const cfg_value *v = lookup(c, name, &d);
    return v && v->text && d && d->cd_type == EDDY_CONFIG_BOOL && v->b;
}

int eddy_config_get_list(const eddy_config *c, const char *name, const char *const **items) {
    const eddy_config_def *d;
    const cfg_value *v = lookup(c, name, &d);
    if (items) *items = NULL;
    if (!v || !v->text || !d || d->cd_type != EDDY_CONFIG_LIST) return 0;
    if (items) *items = (const char *const *)v->items;
    return v->nitems;
}

/* ------------------------------------------------------------------------ */
/* Iteration and SHOW PROPERTIES                                            */

int eddy_config_count(const eddy_config *c) {
    return c ? eddy_config_ndefs + c->cf_nextras : 0;
}

int eddy_config_item_at(const eddy_config *c, int i, eddy_config_item *out) {
    if (!c || !out || i < 0 || i >= eddy_config_count(c)) return EDDY_RANGE;
    memset(out, 0, sizeof *out);
    if (i < eddy_config_ndefs) {
        const eddy_config_def *d = &eddy_config_defs[i];
        const cfg_value *v = &c->cf_slots[i];
        out->ci_name = d->cd_name;
        out->ci_value = v->text;
        out->ci_type = d->cd_type;
        out->ci_scope = d->cd_scope;
        out->ci_origin = v->origin;
        out->ci_known = true;
        out->ci_sensitive = (d->cd_flags & EDDY_CONFIG_F_SENSITIVE) != 0;
        out->ci_client_name = d->cd_scope == EDDY_CONFIG_PASSTHROUGH ? d->cd_name : NULL;
        out->ci_client = EDDY_CONFIG_CLIENT_ALL;
        out->ci_def = d;
        return 0;
    }
    const cfg_extra *x = &c->cf_extras[i - eddy_config_ndefs];
    out->ci_name = x->name;
    out->ci_value = x->v.text;
    out->ci_type = EDDY_CONFIG_STRING;
    out->ci_scope = x->scope;
    out->ci_origin = x->v.origin;
    out->ci_known = x->known;
    out->ci_sensitive = x->sensitive;
    out->ci_client_name = x->scope == EDDY_CONFIG_PASSTHROUGH ? x->name + x->client_off : NULL;
    out->ci_client = x->client;
    out->ci_def = NULL;
    return 0;
}

/* A JSON string of s; bytes that are not UTF-8 (a Latin-1 properties file)
 * become '?'.  NULL when out of memory. */
static json_t *json_text(const char *s) {
    json_t *j = json_string(s);
    if (j) return j;
    char *copy = strdup(s);
    if (!copy) return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80) *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

static int cmp_items(const void *a, const void *b) {
    return strcmp(((const eddy_config_item *)a)->ci_name, ((const eddy_config_item *)b)->ci_name);
}

/* c with the overrides applied (see eddy_config_properties_json), or NULL. */
static eddy_config *with_overrides(const eddy_config *c, const json_t *overrides) {
    eddy_config *copy = eddy_config_copy(c);
    if (!copy || !json_is_object(overrides)) return copy;
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)overrides, name, v) {
        if (json_is_null(v)) continue;
        char *text = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
        if (!text) {
            eddy_config_destroy(copy);
            return NULL;
        }
        eddy_config_override(copy, name, text, NULL); /* invalid ones are left out */
        free(text);
    }
    return copy;
}

json_t *eddy_config_properties_json(const eddy_config *cfg, const json_t *overrides) {
    eddy_config *c = with_overrides(cfg, overrides);
    if (!c) return NULL;
    int n = eddy_config_count(c);
    eddy_config_item *items = calloc((size_t)(n > 0 ? n : 1), sizeof *items);
    json_t *props = json_array(), *over = json_array(), *dflt = json_array();
    json_t *body = NULL;
    if (!items || !props || !over || !dflt) goto fail;
    for (int i = 0; i < n; i++) eddy_config_item_at(c, i, &items[i]);
    qsort(items, (size_t)n, sizeof *items, cmp_items);
    for (int i = 0; i < n; i++) {
        const eddy_config_item *it = &items[i];
        json_t *value = !it->ci_value      ? json_null()
                        : it->ci_sensitive ? json_string("[hidden]")
                                           : json_text(it->ci_value);
        json_t *o = json_pack("{s:o, s:s, s:o}", "name", json_text(it->ci_name), "scope", "KSQL",
                              "value", value);
        if (!o || json_array_append_new(props, o)) goto fail;
        if (it->ci_origin == EDDY_CONFIG_OVERRIDE && json_array_append_new(over, json_text(it->ci_name)))
            goto fail;
        if (it->ci_origin == EDDY_CONFIG_DEFAULT && it->ci_def &&
            json_array_append_new(dflt, json_text(it->ci_name)))
            goto fail;
    }
    body = json_pack("{s:o, s:o, s:o}", "properties", props, "overwrittenProperties", over,
                     "defaultProperties", dflt);
    free(items);
    eddy_config_destroy(c);
    return body; /* json_pack took the arrays, also on failure */
fail:
    free(items);
    eddy_config_destroy(c);
    json_decref(props);
    json_decref(over);
    json_decref(dflt);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* .properties files                                                        */

static bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\f';
}

static size_t skip_eol(const char *t, size_t len, size_t pos, int *line) {
    if (t[pos] == '\r' && pos + 1 < len && t[pos + 1] == '\n') pos++;
    (*line)++;
    return pos + 1;
}

static void put_utf8(eddy_strbuf *sb, uint32_t cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    eddy_strbuf_append(sb, b, n);
}

/* Four hex digits at s[i..i+4) (n bytes in all); -1 when malformed. */
static long hex4(const char *s, size_t n, size_t i) {
    if (i + 4 > n) return -1;
    long v = 0;
    for (size_t k = i; k < i + 4; k++) {
        int c = (unsigned char)s[k];
        int d = isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Java's loadConvert: resolves escapes of s[0..n) into out. */
static int unescape(const char *s, size_t n, eddy_strbuf *out) {
    eddy_strbuf_reset(out);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '\\') {
            eddy_strbuf_putc(out, c);
            continue;
        }
        if (++i >= n) break; /* a lone backslash at the very end */
        c = s[i];
        switch (c) {
        case 't': eddy_strbuf_putc(out, '\t'); break;
        case 'n': eddy_strbuf_putc(out, '\n'); break;
        case 'r': eddy_strbuf_putc(out, '\r'); break;
        case 'f': eddy_strbuf_putc(out, '\f'); break;
        case 'u': {
            long u = hex4(s, n, i + 1);
            if (u < 0) return -1;
            i += 4;
            uint32_t cp = (uint32_t)u;
            if (u >= 0xD800 && u <= 0xDBFF) {
                long lo = (i + 2 < n && s[i + 1] == '\\' && s[i + 2] == 'u') ? hex4(s, n, i + 3) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) return -2;
                cp = 0x10000 + (((uint32_t)u - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                i += 6;
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                return -2;
            }
            put_utf8(out, cp);
            break;
        }
        default: eddy_strbuf_putc(out, c); break;
        }
    }
    return 0;
}

/* One logical line (escapes not yet resolved): splits it into key and value
 * as java.util.Properties does and sets the pair. */
static int load_pair(eddy_config *c, const char *t, size_t n, const char *source, int line,
                     eddy_strbuf *key, eddy_strbuf *val, eddy_err *err) {
    size_t k = 0;
    bool esc = false, sep = false;
    for (; k < n; k++) {
        char ch = t[k];
        if (!esc && (ch == '=' || ch == ':')) {
            sep = true;
            break;
        }
        if (!esc && is_blank(ch)) break;
        esc = ch == '\\' ? !esc : false;
    }
    size_t vs = k + (sep ? 1 : 0);
    while (vs < n) {
        char ch = t[vs];
        if (!is_blank(ch)) {
            if (!sep && (ch == '=' || ch == ':')) sep = true;
            else break;
        }
        vs++;
    }
    int bad = unescape(t, k, key);
    if (!bad) bad = unescape(t + vs, n - vs, val);
    if (bad)
        return eddy_err_set(err, EDDY_CONFIG, "%s:%d: %s", source, line,
                            bad == -1 ? "Malformed \\uxxxx encoding" : "Unpaired UTF-16 surrogate in \\uxxxx escape");
    if (key->failed || val->failed) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (key->len == 0) return eddy_err_set(err, EDDY_CONFIG, "%s:%d: Empty property name", source, line);
    eddy_err sub;
    eddy_err_clear(&sub);
    int rc = eddy_config_set_origin(c, eddy_strbuf_cstr(key), eddy_strbuf_cstr(val), EDDY_CONFIG_FILE, &sub);
    if (rc) return eddy_err_set(err, rc, "%s:%d: %s", source, line, sub.msg);
    return 0;
}

int eddy_config_load_string(eddy_config *c, const char *text, size_t len, const char *source,
                            eddy_err *err) {
    if (!c || (!text && len)) return eddy_err_set(err, EDDY_INVAL, "no configuration or text");
    if (!source) source = "<properties>";
    eddy_strbuf logical = EDDY_STRBUF_INIT, key = EDDY_STRBUF_INIT, val = EDDY_STRBUF_INIT;
    size_t pos = 0;
    int line = 1, rc = 0;
    while (pos < len) {
        while (pos < len && is_blank(text[pos])) pos++;
        if (pos >= len) break;
        int start = line;
        char ch = text[pos];
        if (ch == '\n' || ch == '\r') { /* blank line */
            pos = skip_eol(text, len, pos, &line);
            continue;
        }
        if (ch == '#' || ch == '!') { /* comment: never continued */
            while (pos < len && text[pos] != '\n' && text[pos] != '\r') pos++;
            if (pos < len) pos = skip_eol(text, len, pos, &line);
            continue;
        }
        eddy_strbuf_reset(&logical);
        for (;;) {
            size_t s = pos;
            while (pos < len && text[pos] != '\n' && text[pos] != '\r') pos++;
            size_t nb = 0;
            while (nb < pos - s && text[pos - 1 - nb] == '\\') nb++;
            bool cont = nb % 2 == 1;
            eddy_strbuf_append(&logical, text + s, pos - s - (cont ? 1 : 0));
            if (pos < len) pos = skip_eol(text, len, pos, &line);
            if (!cont || pos >= len) break;
            while (pos < len && is_blank(text[pos])) pos++;
        }
        if (logical.failed) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            break;
        }
        rc = load_pair(c, logical.buf ? logical.buf : "", logical.len, source, start, &key, &val, err);
        if (rc) break;
    }
    eddy_strbuf_fini(&logical);
    eddy_strbuf_fini(&key);
    eddy_strbuf_fini(&val);
    return rc;
}

int eddy_config_load_file(eddy_config *c, const char *path, eddy_err *err) {
    if (!path) return eddy_err_set(err, EDDY_INVAL, "no file name");
    FILE *f = fopen(path, "rb");
    if (!f) return eddy_err_set(err, EDDY_IO, "cannot open configuration file %s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (len == cap) {
            if (cap >= MAX_FILE_BYTES) {
                rc = eddy_err_set(err, EDDY_CONFIG, "configuration file %s is larger than %u bytes", path,
                                  MAX_FILE_BYTES);
                goto out;
            }
            cap = cap ? cap * 2 : 4096;
            char *nb = realloc(buf, cap);
            if (!nb) {
                rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
                goto out;
            }
            buf = nb;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0) break;
    }
    if (ferror(f)) {
        rc = eddy_err_set(err, EDDY_IO, "cannot read configuration file %s", path);
        goto out;
    }
    rc = eddy_config_load_string(c, buf, len, path, err);
out:
    free(buf);
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* docs/configuration.md                                                    */

/* Text for a Markdown table cell ('|' escaped). */
static void put_cell(FILE *out, const char *s) {
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", out);
        else fputc(*s, out);
    }
}

static void put_section(FILE *out, eddy_config_scope scope) {
    fputs("| property | type | default | valid values | description |\n| --- | --- | --- | --- | --- |\n", out);
    for (int i = 0; i < eddy_config_ndefs; i++) {
        const eddy_config_def *d = &eddy_config_defs[i];
        if (d->cd_scope != scope) continue;
        fprintf(out, "| `%s` | %s | ", d->cd_name, eddy_config_type_name(d->cd_type));
        if (!d->cd_default) fputs("(none)", out);
        else if (!*d->cd_default) fputs("`\"\"`", out);
        else {
            fputc('`', out);
            put_cell(out, d->cd_default);
            fputc('`', out);
        }
        fputs(" | ", out);
        if (d->cd_valid) {
            fputc('`', out);
            for (const char *p = d->cd_valid; *p; p++) {
                if (*p == '|') fputs("`, `", out);
                else fputc(*p, out);
            }
            fputc('`', out);
            if (d->cd_flags & EDDY_CONFIG_F_NOCASE) fputs(" (any case)", out);
        } else if (d->cd_flags & EDDY_CONFIG_F_RANGE) {
            int64_t top = d->cd_type == EDDY_CONFIG_INT ? INT32_MAX : INT64_MAX;
            if (d->cd_max == top) fprintf(out, "at least %" PRId64, d->cd_min);
            else fprintf(out, "%" PRId64 " to %" PRId64, d->cd_min, d->cd_max);
        } else if (d->cd_type == EDDY_CONFIG_BOOL) {
            fputs("`true`, `false`", out);
        }
        fputs(" | ", out);
        put_cell(out, d->cd_doc);
        if (d->cd_flags & EDDY_CONFIG_F_SENSITIVE) fputs(" Hidden by SHOW PROPERTIES.", out);
        fputs(" |\n", out);
    }
    fputc('\n', out);
}

int eddy_config_write_markdown(FILE *out) {
    fputs("# Configuration\n\n"
          "<!-- Generated from the table in server/config.c by eddy_config_write_markdown()"
          " (`eddy docs config`); do not edit by hand. -->\n\n"
          "eddy reads its settings from a Java-style properties file and from `-D name=value`"
          " arguments, which win over the file. Names are ksqlDB's where ksqlDB has the"
          " setting, so a `ksql-server.properties` mostly works as it is.\n\n"
          "Properties file syntax (as `java.util.Properties`): `name=value`, `name: value` or"
          " `name value`; lines whose first non-blank character is `#` or `!` are comments; a"
          " backslash at the end of a line continues it on the next (whose leading blanks are"
          " skipped); `\\t`, `\\n`, `\\r`, `\\f`, `\\uXXXX` and `\\` before any other character"
          " are escapes. The file is read as UTF-8.\n\n"
          "Values are checked against the tables below when they are set: a number that is not"
          " a number, a value out of range or not among the valid values is an error naming the"
          " property, e.g. `Invalid value abc for configuration ksql.streams.num.stream.threads:"
          " Not a number of type INT`. Booleans are `true` or `false` in any case; lists are"
          " comma-separated.\n\n"
          "Names:\n\n"
          "- `ksql.streams.NAME` and `NAME` are the same property when either is listed here"
          " (`auto.offset.reset` sets `ksql.streams.auto.offset.reset`).\n"
          "- Kafka client settings are passed to librdkafka unchecked: names starting with ",
          out);
    for (int i = 0; i < N_CLIENT_PREFIXES; i++) fprintf(out, "%s`%s`", i ? ", " : "", k_client_prefixes[i]);
    fputs(", optionally after `ksql.streams.`, `producer.` or `consumer.` (for one kind of"
          " client only); `ksql.streams.topic.NAME` sets `NAME` on the internal topics eddy"
          " creates.\n"
          "- `ksql.functions.*` are free-form settings read by functions.\n"
          "- Other names are kept but ignored when they come from the file or `-D` (ksqlDB's"
          " own settings that eddy does not have), and rejected in `SET` and in a request's"
          " `streamsProperties`: `Not recognizable as ksql, streams, consumer, or producer"
          " property: 'NAME'`.\n\n"
          "## Server settings\n\n"
          "Read at start-up. `SET` and `streamsProperties` cannot change them (`Cannot override"
          " property 'NAME'`).\n\n",
          out);
    put_section(out, EDDY_CONFIG_SERVER);
    fputs("## Query settings\n\n"
          "Server-wide defaults that a session (`SET 'name'='value';`, `UNSET 'name';`) or a"
          " REST request (`\"streamsProperties\": {\"name\": \"value\"}`) can override for the"
          " statements it runs. `SHOW PROPERTIES` lists the values in effect.\n\n",
          out);
    put_section(out, EDDY_CONFIG_QUERY);
    fputs("## Kafka client settings\n\n"
          "Passed to librdkafka for every Kafka producer, consumer and admin client; only the"
          " common ones are listed. Unused with the embedded log.\n\n",
          out);
    put_section(out, EDDY_CONFIG_PASSTHROUGH);
    return ferror(out) ? EDDY_IO : 0;
}
