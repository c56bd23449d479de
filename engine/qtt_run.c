/* qtt_run.c - runs one conformance case on a fresh engine and compares what can be compared.
 *
 * A run gets its own log (embedded in a temporary directory or in memory,
 * or Kafka on its own librdkafka mock cluster: qtt_run_kafka.c), a
 * configuration with the case's properties and an engine in deterministic
 * mode (persistent queries run only when the runner says so, one after the
 * other).  Topics are made first as upstream's test driver makes them: those
 * listed in `topics`, the KAFKA_TOPIC of every CREATE STREAM/TABLE
 * statement, and the topics of the input and output records.  Each statement
 * then goes to eddy_engine_ksql alone, with the case's properties as
 * streamsProperties (INSERT ... VALUES writes its record right then).
 *
 * Then, as upstream runs a case: the `inputs` are produced in file order,
 * and every persistent query runs in the order it started, each consuming
 * all its input before the next (eddy_engine_run_until_idle).  Queries read
 * from the earliest offset (auto.offset.reset=earliest, as upstream's test
 * driver configures), so a query reads all of its source topic: the inputs,
 * the records of INSERT ... VALUES, or an earlier query's output.  Then the
 * SELECT statements of RQTT cases run, one after the other, as push or pull
 * queries stepped by the runner (qtt_query.c).  Last come the comparisons:
 * the expected error, the RQTT responses, every output topic
 * (qtt_records.c) and the `post` conditions.
 *
 * What cannot be checked is a SKIP with a reason, never a pass: statements
 * and queries eddy answers with "not supported yet", queries on tables,
 * records in formats the runner cannot write or read (PROTOBUF, JSON_SR),
 * PROTOBUF and JSON_SR runs.  AVRO: the schemas of `topics` are registered
 * in the engine's registry before the statements run, and post.topics
 * schemas are compared with the registry's.
 */
#include "engine/qtt.h"
#include "engine/qtt_internal.h"

#include "base/arena.h"
#include "base/strbuf.h"
#include "engine/engine.h"
#include "sql/catalog.h"
#include "sql/parse.h"

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- results --------------------------------------------------------------- */

void eddy_qtt_result_init(eddy_qtt_result *res) { memset(res, 0, sizeof *res); }

void eddy_qtt_result_fini(eddy_qtt_result *res) {
    if (!res) return;
    free(res->reason);
    res->reason = NULL;
}

const char *eddy_qtt_outcome_name(eddy_qtt_outcome o) {
    return o == EDDY_QTT_PASS ? "PASS" : o == EDDY_QTT_FAIL ? "FAIL" : "SKIP";
}

static void set_result(eddy_qtt_result *res, eddy_qtt_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_result(eddy_qtt_result *res, eddy_qtt_outcome o, const char *fmt, ...) {
    va_list ap;
    free(res->reason);
    res->reason = NULL;
    res->outcome = o;
    if (!fmt) return;
    va_start(ap, fmt);
    if (vasprintf(&res->reason, fmt, ap) < 0) res->reason = NULL;
    va_end(ap);
}

/* ---- the case's environment ------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *dir) {
    if (dir) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Opens the run's log: on a new mock cluster (*mock, closed by the caller
 * after the log), in memory, or under a new temporary directory whose path
 * goes to *dir (caller removes it and frees the string). */
static int open_log(const eddy_qtt_options *opts, char **dir, eddy_qtt_mock **mock, eddy_log **log,
                    eddy_err *err) {
    *dir = NULL;
    *mock = NULL;
    if (opts && opts->kafka) return eddy_qtt_mock_open(mock, log, err);
    if (opts && opts->in_memory) return eddy_log_open_embedded(":memory:", log, err);
    const char *tmp = getenv("TMPDIR");
    char *path = NULL;
    if (asprintf(&path, "%s/eddy-qtt-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (!mkdtemp(path)) {
        int rc = eddy_err_set(err, EDDY_IO, "cannot create a temporary directory %s: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    *dir = path;
    char *logdir = NULL;
    if (asprintf(&logdir, "%s/log", path) < 0) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    int rc = eddy_log_open_embedded(logdir, log, err);
    free(logdir);
    return rc;
}

/* A JSON scalar as the text a property would have; NULL for others.  Numbers
 * keep their exact text when the loader has it (pointer = "/properties/<k>"). */
static char *property_text(const eddy_qtt_run *run, const char *key, json_t *v) {
    if (json_is_string(v)) return strdup(json_string_value(v));
    if (json_is_boolean(v)) return strdup(json_is_true(v) ? "true" : "false");
    if (json_is_integer(v)) {
        char *s;
        return asprintf(&s, "%lld", (long long)json_integer_value(v)) < 0 ? NULL : s;
    }
    if (json_is_real(v)) {
        eddy_strbuf p = EDDY_STRBUF_INIT;
        eddy_strbuf_printf(&p, "/properties/%s", key);
        const char *exact = eddy_qtt_number_text(run, eddy_strbuf_cstr(&p));
        char *s = NULL;
        if (exact) s = strdup(exact);
        else if (asprintf(&s, "%.17g", json_real_value(v)) < 0) s = NULL;
        eddy_strbuf_fini(&p);
        return s;
    }
    return NULL;
}

static eddy_config *make_config(const eddy_qtt_run *run, const eddy_qtt_options *opts) {
    eddy_config *cfg = eddy_config_new();
    eddy_err err;
    const char *k;
    json_t *v;
    if (!cfg) return NULL;
    /* Upstream's test driver runs with this service id (internal topic names
     * show it) and reads every topic from the start. */
    eddy_config_set(cfg, "ksql.service.id", "some.ksql.service.id", &err);
    eddy_config_set(cfg, "ksql.streams.auto.offset.reset", "earliest", &err);
    json_object_foreach(json_object_get(run->tcase, "properties"), k, v) {
        char *s = property_text(run, k, v);
        if (!s) continue;
        eddy_err_clear(&err);
        if (eddy_config_set(cfg, k, s, &err) && opts && opts->verbose)
            fprintf(stderr, "note: %s: property %s=%s not taken by the configuration: %s\n", run->display, k, s,
                    err.msg);
        free(s);
    }
    return cfg;
}

/* ---- topics made before the statements -------------------------------------- */

typedef struct want_topic {
    char *name;
    int partitions;
    int replicas;
} want_topic;

typedef struct topic_set {
    int n, cap;
    want_topic *items;
} topic_set;

static void topic_set_fini(topic_set *s) {
    for (int i = 0; i < s->n; i++) free(s->items[i].name);
    free(s->items);
}

/* Adds name unless it is there already (the first mention wins). */
static int topic_set_add(topic_set *s, const char *name, int partitions, int replicas) {
    if (!name || !*name) return 0;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->items[i].name, name) == 0) return 0;
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 8;
        want_topic *v = realloc(s->items, (size_t)cap * sizeof *v);
        if (!v) return EDDY_NOMEM;
        s->items = v;
        s->cap = cap;
    }
    s->items[s->n].name = strdup(name);
    if (!s->items[s->n].name) return EDDY_NOMEM;
    s->items[s->n].partitions = partitions > 0 ? partitions : 1;
    s->items[s->n].replicas = replicas > 0 ? replicas : 1;
    s->n++;
    return 0;
}

static int64_t prop_int(const eddy_list *props, const char *name) {
    for (int i = 0; i < props->n; i++) {
        const eddy_property *p = props->items[i];
        if (strcasecmp(p->name, name) == 0 && p->value && p->value->kind == EDDY_EX_INT) return p->value->v.lit_int.i;
    }
    return -1;
}

static const char *prop_string(const eddy_list *props, const char *name) {
    for (int i = 0; i < props->n; i++) {
        const eddy_property *p = props->items[i];
        if (strcasecmp(p->name, name) == 0 && p->value && p->value->kind == EDDY_EX_STRING) return p->value->v.s;
    }
    return NULL;
}

/* The KAFKA_TOPIC of a CREATE STREAM/TABLE statement (not AS SELECT). */
static int statement_topic(const char *sql, topic_set *set) {
    eddy_arena *arena = eddy_arena_new();
    eddy_list stmts = {0};
    eddy_err err;
    int rc = 0;
    if (!arena) return EDDY_NOMEM;
    if (eddy_parse(sql, arena, &stmts, &err) == 0) {
        for (int i = 0; i < stmts.n && rc == 0; i++) {
            const eddy_stmt *st = stmts.items[i];
            if (st->kind != EDDY_STMT_CREATE_SOURCE) continue;
            const char *topic = prop_string(&st->u.create.props, "KAFKA_TOPIC");
            rc = topic_set_add(set, topic, (int)prop_int(&st->u.create.props, "PARTITIONS"),
                               (int)prop_int(&st->u.create.props, "REPLICAS"));
        }
    }
    eddy_arena_destroy(arena);
    return rc;
}

static int make_topics(const eddy_qtt_run *run, eddy_log *log, eddy_err *err) {
    topic_set set = {0};
    json_t *v;
    size_t i;
    int rc = 0;
    json_array_foreach(json_object_get(run->tcase, "topics"), i, v) {
        json_t *p = json_object_get(v, "partitions"), *r = json_object_get(v, "replicas");
        if (rc == 0)
            rc = topic_set_add(&set, json_string_value(json_object_get(v, "name")),
                               json_is_integer(p) ? (int)json_integer_value(p) : 1,
                               json_is_integer(r) ? (int)json_integer_value(r) : 1);
    }
    json_array_foreach(json_object_get(run->tcase, "statements"), i, v) {
        if (rc == 0 && json_is_string(v)) rc = statement_topic(json_string_value(v), &set);
    }
    json_array_foreach(json_object_get(run->tcase, "inputs"), i, v) {
        if (rc == 0) rc = topic_set_add(&set, json_string_value(json_object_get(v, "topic")), 1, 1);
    }
    json_array_foreach(json_object_get(run->tcase, "outputs"), i, v) {
        if (rc == 0) rc = topic_set_add(&set, json_string_value(json_object_get(v, "topic")), 1, 1);
    }
    if (rc) {
        topic_set_fini(&set);
        return eddy_err_set(err, rc, "out of memory");
    }
    for (int k = 0; k < set.n && rc == 0; k++) {
        eddy_log_topic_config cfg;
        eddy_log_topic_config_init(&cfg);
        cfg.partitions = set.items[k].partitions;
        cfg.replicas = (int16_t)set.items[k].replicas;
        rc = eddy_log_topic_create(log, set.items[k].name, &cfg, err);
        if (rc == EDDY_EXISTS) rc = 0;
    }
    topic_set_fini(&set);
    return rc;
}

/* ---- comparing ---------------------------------------------------------------- */

static bool is_select(const char *sql) {
    while (isspace((unsigned char)*sql)) sql++;
    return strncasecmp(sql, "SELECT", 6) == 0 && (isspace((unsigned char)sql[6]) || sql[6] == '\0');
}

static bool has_items(json_t *tc, const char *field) {
    json_t *v = json_object_get(tc, field);
    return json_is_array(v) && json_array_size(v) > 0;
}

static bool format_unsupported(const char *f) {
    return f && (strcasecmp(f, "PROTOBUF") == 0 || strcasecmp(f, "PROTOBUF_NOSR") == 0 ||
                 strcasecmp(f, "JSON_SR") == 0);
}

/* Expected (a subset: only its fields are compared; a key "f|startsWith" is
 * a prefix match) against actual.  Differences go to diff, prefixed by path. */
static bool match_subset(json_t *exp, json_t *act, const char *path, eddy_strbuf *diff) {
    if (json_is_object(exp)) {
        const char *k;
        json_t *v;
        bool ok = true;
        if (!json_is_object(act)) {
            eddy_strbuf_printf(diff, "    %s: expected an object, got %s\n", path,
                               act ? "another value" : "nothing");
            return false;
        }
        json_object_foreach(exp, k, v) {
            char *sub = NULL;
            const char *bar = strchr(k, '|');
            if (bar && strcmp(bar, "|startsWith") == 0) {
                char *field = strndup(k, (size_t)(bar - k));
                json_t *a = field ? json_object_get(act, field) : NULL;
                if (!json_is_string(v) || !json_is_string(a) ||
                    strncmp(json_string_value(a), json_string_value(v), strlen(json_string_value(v))) != 0) {
                    eddy_strbuf_printf(diff, "    %s/%s: expected a string starting with '%s', got %s\n", path,
                                       field ? field : k, json_is_string(v) ? json_string_value(v) : "?",
                                       json_is_string(a) ? json_string_value(a) : "something else");
                    ok = false;
                }
                free(field);
                continue;
            }
            if (asprintf(&sub, "%s/%s", path, k) < 0) return false;
            if (!match_subset(v, json_object_get(act, k), sub, diff)) ok = false;
            free(sub);
        }
        return ok;
    }
    if (json_is_array(exp)) {
        if (!json_is_array(act) || json_array_size(act) != json_array_size(exp)) {
            eddy_strbuf_printf(diff, "    %s: expected an array of %zu items, got %s\n", path, json_array_size(exp),
                               json_is_array(act) ? "another count" : "no array");
            return false;
        }
        bool ok = true;
        for (size_t i = 0; i < json_array_size(exp); i++) {
            char *sub = NULL;
            if (asprintf(&sub, "%s/%zu", path, i) < 0) return false;
            if (!match_subset(json_array_get(exp, i), json_array_get(act, i), sub, diff)) ok = false;
            free(sub);
        }
        return ok;
    }
    bool eq = act && (json_equal(exp, act) ||
                      (json_is_number(exp) && json_is_number(act) && json_number_value(exp) == json_number_value(act)));
    if (!eq) {
        char *e = json_dumps(exp, JSON_ENCODE_ANY | JSON_COMPACT);
        char *a = act ? json_dumps(act, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        eddy_strbuf_printf(diff, "    %s: expected %s, got %s\n", path, e ? e : "?", a ? a : "nothing");
        free(e);
        free(a);
    }
    return eq;
}

/* The format name of a keyFormat/valueFormat node: "AVRO" or {"format": "AVRO"}. */
static const char *format_name(json_t *node) {
    if (json_is_string(node)) return json_string_value(node);
    return json_string_value(json_object_get(node, "format"));
}

/* Parses an expected schema ("ID BIGINT KEY, NAME STRING") into a new schema. */
static int parse_schema(const char *text, eddy_schema **out, eddy_err *err) {
    eddy_arena *arena = eddy_arena_new();
    eddy_list stmts = {0};
    char *sql = NULL;
    int rc;
    *out = NULL;
    if (!arena || asprintf(&sql, "CREATE STREAM QTT_EXPECTED (%s) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON');",
                           text) < 0) {
        eddy_arena_destroy(arena);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    if ((rc = eddy_parse(sql, arena, &stmts, err))) goto done;
    const eddy_stmt *st = stmts.n == 1 ? stmts.items[0] : NULL;
    if (!st || st->kind != EDDY_STMT_CREATE_SOURCE) {
        rc = eddy_err_set(err, EDDY_PARSE, "not a column list");
        goto done;
    }
    eddy_schema *s = eddy_schema_new();
    if (!s) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < st->u.create.elements.n && rc == 0; i++) {
        const eddy_table_element *el = st->u.create.elements.items[i];
        rc = eddy_schema_add(s, el->name, eddy_type_ref(el->type), el->ns, el->header_key);
        if (rc) eddy_err_set(err, rc, "out of memory");
    }
    if (rc) eddy_schema_free(s);
    else *out = s;
done:
    free(sql);
    eddy_arena_destroy(arena);
    return rc;
}

/* Columns of one kind in order: keys (want_key) or the others. */
static bool same_columns(const eddy_schema *a, const eddy_schema *b, bool want_key) {
    int i = 0, j = 0;
    for (;;) {
        while (i < a->ncols && (a->cols[i].ns == EDDY_COL_KEY) != want_key) i++;
        while (j < b->ncols && (b->cols[j].ns == EDDY_COL_KEY) != want_key) j++;
        if (i == a->ncols || j == b->ncols) return i == a->ncols && j == b->ncols;
        const eddy_column *x = &a->cols[i++], *y = &b->cols[j++];
        if (strcmp(x->name, y->name) != 0 || x->ns != y->ns || !eddy_type_equal(x->type, y->type)) return false;
        if (x->ns == EDDY_COL_HEADER && strcmp(x->header_key ? x->header_key : "", y->header_key ? y->header_key : ""))
            return false;
    }
}

static void schema_text(const eddy_schema *s, eddy_strbuf *out) {
    if (s->ncols == 0) eddy_strbuf_puts(out, "(no columns)");
    else eddy_schema_format(s, false, out);
}

static void check_source(eddy_catalog *cat, json_t *exp, eddy_strbuf *diff) {
    const char *name = json_string_value(json_object_get(exp, "name"));
    const char *type = json_string_value(json_object_get(exp, "type"));
    const char *schema = json_string_value(json_object_get(exp, "schema"));
    json_t *kf = json_object_get(exp, "keyFormat");
    json_t *vf = json_object_get(exp, "valueFormat");
    json_t *vfeat = json_object_get(exp, "valueFeatures");
    if (!name) {
        eddy_strbuf_puts(diff, "    post.sources: an entry has no name\n");
        return;
    }
    const eddy_source *src = eddy_catalog_find_source(cat, name);
    if (!src) {
        int n;
        eddy_source *const *all = eddy_catalog_sources(cat, &n);
        eddy_strbuf_printf(diff, "    source %s: expected to exist, but it does not (sources:", name);
        for (int i = 0; i < n; i++) eddy_strbuf_printf(diff, " %s", all[i]->name);
        eddy_strbuf_puts(diff, n ? ")\n" : " none)\n");
        return;
    }
    if (type && strcasecmp(type, eddy_source_kind_name(src->kind)) != 0)
        eddy_strbuf_printf(diff, "    source %s: expected a %s, it is a %s\n", name, type,
                           eddy_source_kind_name(src->kind));
    if (schema) {
        eddy_schema *want = NULL;
        eddy_err err;
        eddy_err_clear(&err);
        if (parse_schema(schema, &want, &err)) {
            eddy_strbuf_printf(diff, "    source %s: cannot parse the expected schema '%s': %s\n", name, schema,
                               err.msg);
        } else if (!same_columns(want, src->schema, true) || !same_columns(want, src->schema, false)) {
            eddy_strbuf_printf(diff, "    source %s: schema differs\n      expected: ", name);
            schema_text(want, diff);
            eddy_strbuf_puts(diff, "\n      actual:   ");
            schema_text(src->schema, diff);
            eddy_strbuf_putc(diff, '\n');
        }
        eddy_schema_free(want);
    }
    if (kf) {
        const char *f = format_name(kf);
        const char *wt = json_string_value(json_object_get(kf, "windowType"));
        json_t *ws = json_object_get(kf, "windowSize");
        const char *actual_wt = eddy_window_type_name(src->window_type);
        if (f && strcasecmp(f, src->key_fmt.format ? src->key_fmt.format : "") != 0)
            eddy_strbuf_printf(diff, "    source %s: expected key format %s, got %s\n", name, f,
                               src->key_fmt.format ? src->key_fmt.format : "none");
        /* Window facts are compared only when the expectation states them. */
        if (wt && strcasecmp(wt, actual_wt ? actual_wt : "") != 0)
            eddy_strbuf_printf(diff, "    source %s: expected window type %s, got %s\n", name, wt,
                               actual_wt ? actual_wt : "none");
        if (json_is_integer(ws) && json_integer_value(ws) != src->window_size_ms)
            eddy_strbuf_printf(diff, "    source %s: expected window size %lld ms, got %lld ms\n", name,
                               (long long)json_integer_value(ws), (long long)src->window_size_ms);
    }
    if (vf) {
        const char *f = format_name(vf);
        if (f && strcasecmp(f, src->value_fmt.format ? src->value_fmt.format : "") != 0)
            eddy_strbuf_printf(diff, "    source %s: expected value format %s, got %s\n", name, f,
                               src->value_fmt.format ? src->value_fmt.format : "none");
    }
    /* keyFeatures are not compared: the catalog does not record key wrapping. */
    if (json_is_array(vfeat)) {
        bool wrap = false, unwrap = false;
        size_t i;
        json_t *x;
        json_array_foreach(vfeat, i, x) {
            const char *s = json_string_value(x);
            if (s && strcmp(s, "WRAP_SINGLES") == 0) wrap = true;
            if (s && strcmp(s, "UNWRAP_SINGLES") == 0) unwrap = true;
        }
        int w = src->value_fmt.wrap_single;
        if ((wrap && w != 1) || (unwrap && w != 0) || (!wrap && !unwrap && w != -1))
            eddy_strbuf_printf(diff, "    source %s: expected value features [%s], got [%s]\n", name,
                               wrap ? "WRAP_SINGLES" : unwrap ? "UNWRAP_SINGLES" : "",
                               w == 1 ? "WRAP_SINGLES" : w == 0 ? "UNWRAP_SINGLES" : "");
    }
}

static void check_topics(eddy_engine *eng, eddy_catalog *cat, json_t *exp, eddy_strbuf *diff) {
    eddy_log *log = eddy_engine_log(eng);
    const char *blacklist = json_string_value(json_object_get(exp, "blacklist"));
    json_t *topics = json_object_get(exp, "topics"), *t;
    size_t i;
    if (blacklist && *blacklist) {
        char **names = NULL;
        size_t n = 0;
        char *anchored = NULL;
        regex_t re;
        eddy_err err;
        if (asprintf(&anchored, "^(%s)$", blacklist) < 0) return;
        if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) != 0) {
            eddy_strbuf_printf(diff, "    post.topics.blacklist: cannot compile the regular expression '%s'\n",
                               blacklist);
        } else {
            if (eddy_log_topic_list(log, &names, &n, &err) == 0) {
                for (size_t k = 0; k < n; k++)
                    if (regexec(&re, names[k], 0, NULL, 0) == 0)
                        eddy_strbuf_printf(diff, "    topic %s exists but matches the blacklist '%s'\n", names[k],
                                           blacklist);
                eddy_log_names_free(names, n);
            }
            regfree(&re);
        }
        free(anchored);
    }
    json_array_foreach(topics, i, t) {
        const char *name = json_string_value(json_object_get(t, "name"));
        json_t *parts = json_object_get(t, "partitions");
        eddy_log_topic_config cfg;
        if (!name) continue;
        if (eddy_log_topic_describe(log, name, &cfg, NULL) != 0) {
            eddy_strbuf_printf(diff, "    topic %s: expected to exist, but it does not\n", name);
            continue;
        }
        if (json_is_integer(parts) && json_integer_value(parts) != cfg.partitions)
            eddy_strbuf_printf(diff, "    topic %s: expected %lld partitions, got %d\n", name,
                               (long long)json_integer_value(parts), (int)cfg.partitions);
        eddy_qtt_check_topic_schemas(eng, t, diff); /* AVRO: keySchema / valueSchema against the registry */
        /* Formats are known only for topics a source reads or writes. */
        int n;
        eddy_source *const *all = eddy_catalog_sources(cat, &n);
        for (int k = 0; k < n; k++) {
            if (strcmp(all[k]->topic, name) != 0) continue;
            const char *kf = format_name(json_object_get(t, "keyFormat"));
            const char *vf = format_name(json_object_get(t, "valueFormat"));
            if (kf && strcasecmp(kf, all[k]->key_fmt.format ? all[k]->key_fmt.format : "") != 0)
                eddy_strbuf_printf(diff, "    topic %s: expected key format %s, got %s\n", name, kf,
                                   all[k]->key_fmt.format ? all[k]->key_fmt.format : "none");
            if (vf && strcasecmp(vf, all[k]->value_fmt.format ? all[k]->value_fmt.format : "") != 0)
                eddy_strbuf_printf(diff, "    topic %s: expected value format %s, got %s\n", name, vf,
                                   all[k]->value_fmt.format ? all[k]->value_fmt.format : "none");
            break;
        }
    }
}

/* ---- one run -------------------------------------------------------------------- */

/* The message and @type of an error response. */
static const char *error_message(json_t *resp) {
    const char *m = json_string_value(json_object_get(resp, "message"));
    return m ? m : "(no message)";
}

/* s with every line after the first indented by pad spaces (new string, or
 * NULL when out of memory). */
static char *indent(const char *s, int pad) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    for (; *s; s++) {
        eddy_strbuf_putc(&sb, *s);
        if (*s == '\n') eddy_strbuf_printf(&sb, "%*s", pad, "");
    }
    eddy_strbuf_puts(&sb, "");
    return eddy_strbuf_detach(&sb);
}

/* A statement failed with message msg: PASS or FAIL against the expectation. */
static void judge_error(const eddy_qtt_run *run, size_t idx, const char *sql, json_t *resp, int http_status,
                        eddy_qtt_result *res) {
    json_t *tc = run->tcase;
    json_t *qtt = json_object_get(tc, "expectedException");
    json_t *rest = json_object_get(tc, "expectedError");
    const char *msg = error_message(resp);
    if (!qtt && !rest) {
        char *m = indent(msg, 11);
        set_result(res, EDDY_QTT_FAIL, "    statement %zu failed: %s\n    error: %s", idx + 1, sql, m ? m : msg);
        free(m);
        return;
    }
    json_t *exp = qtt ? qtt : rest;
    const char *want = json_string_value(json_object_get(exp, "message"));
    if (!eddy_qtt_message_matches(want, msg)) {
        char *w = indent(want, 34), *m = indent(msg, 34);
        set_result(res, EDDY_QTT_FAIL,
                   "    statement %zu: %s\n    expected an error containing: %s\n    actual error:                 %s",
                   idx + 1, sql, w ? w : want, m ? m : msg);
        free(w);
        free(m);
        return;
    }
    if (rest) {
        json_t *status = json_object_get(rest, "status");
        const char *type = json_string_value(json_object_get(rest, "type"));
        const char *atype = json_string_value(json_object_get(resp, "@type"));
        if (json_is_integer(status) && json_integer_value(status) != http_status) {
            set_result(res, EDDY_QTT_FAIL, "    statement %zu: %s\n    expected HTTP status %lld, got %d (%s)", idx + 1,
                       sql, (long long)json_integer_value(status), http_status, msg);
            return;
        }
        if (type && strstr(type, "KsqlStatementErrorMessage") && (!atype || strcmp(atype, "statement_error") != 0)) {
            set_result(res, EDDY_QTT_FAIL, "    statement %zu: %s\n    expected a statement_error, got %s (%s)",
                       idx + 1, sql, atype ? atype : "no @type", msg);
            return;
        }
    }
    set_result(res, EDDY_QTT_PASS, NULL);
}

/* The queries failed with msg while processing records: PASS or FAIL
 * against the expected exception. */
static void judge_runtime_error(const eddy_qtt_run *run, const char *msg, eddy_qtt_result *res) {
    json_t *tc = run->tcase;
    json_t *exp = json_object_get(tc, "expectedException");
    if (!exp) exp = json_object_get(tc, "expectedError");
    if (!exp) {
        char *m = indent(msg, 11);
        set_result(res, EDDY_QTT_FAIL, "    a query failed while processing records\n    error: %s", m ? m : msg);
        free(m);
        return;
    }
    const char *want = json_string_value(json_object_get(exp, "message"));
    if (eddy_qtt_message_matches(want, msg)) {
        set_result(res, EDDY_QTT_PASS, NULL);
        return;
    }
    char *w = indent(want, 34), *m = indent(msg, 34);
    set_result(res, EDDY_QTT_FAIL,
               "    a query failed while processing records\n    expected an error containing: %s\n"
               "    actual error:                 %s",
               w ? w : want, m ? m : msg);
    free(w);
    free(m);
}

/* The SELECT statements of an RQTT case, in order, after the persistent
 * queries ran: results go to queries (one eddy_qtt_query each, *nq of them).
 * Returns false when the run ended here (res set: a refused or failed
 * query, judged against the expected error, a skip, or a runner failure). */
static bool run_selects(const eddy_qtt_run *run, eddy_engine *eng, eddy_qtt_query *queries, size_t *nq,
                        eddy_qtt_result *res) {
    json_t *tc = run->tcase;
    json_t *statements = json_object_get(tc, "statements");
    json_t *props = json_object_get(tc, "properties");
    *nq = 0;
    for (size_t i = 0; i < json_array_size(statements); i++) {
        const char *sql = json_string_value(json_array_get(statements, i));
        eddy_err err;
        if (!sql || !is_select(sql)) continue;
        eddy_err_clear(&err);
        eddy_qtt_query *q = &queries[(*nq)++];
        if (eddy_qtt_query_run(run, eng, sql, props, q, &err)) {
            set_result(res, EDDY_QTT_FAIL, "    the runner failed running statement %zu: %s", i + 1, err.msg);
            return false;
        }
        if (q->skip) {
            set_result(res, EDDY_QTT_SKIP, "%s", q->skip);
            return false;
        }
        if (q->error) {
            const char *msg = error_message(q->error);
            if (strstr(msg, "not supported yet")) set_result(res, EDDY_QTT_SKIP, "%s", msg);
            /* An aggregate without GROUP BY: the planner has no aggregations yet. */
            else if (strstr(msg, "is not a scalar function"))
                set_result(res, EDDY_QTT_SKIP, "Aggregations are not supported yet by eddy (planner: %s)", msg);
            else if (q->runtime_error) judge_runtime_error(run, msg, res);
            else judge_error(run, i, sql, q->error, q->status, res);
            return false;
        }
    }
    return true;
}

static size_t count_selects(json_t *statements) {
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(statements); i++) {
        const char *sql = json_string_value(json_array_get(statements, i));
        n += sql && is_select(sql);
    }
    return n;
}

/* Every statement ran: produce the inputs and run the queries, then compare
 * the expected error, the responses (RQTT), the output topics and what post
 * asks. */
static void judge_success(const eddy_qtt_run *run, eddy_engine *eng, json_t *entities, eddy_qtt_result *res) {
    json_t *tc = run->tcase;
    json_t *qtt = json_object_get(tc, "expectedException");
    json_t *rest = json_object_get(tc, "expectedError");
    json_t *responses = json_object_get(tc, "responses");
    bool records = has_items(tc, "inputs") || has_items(tc, "outputs");
    eddy_strbuf diff = EDDY_STRBUF_INIT;
    size_t nsel = count_selects(json_object_get(tc, "statements")), nq = 0, qi = 0;
    eddy_qtt_query *queries = calloc(nsel ? nsel : 1, sizeof *queries);
    char *skip = NULL;
    eddy_err err;
    json_t *r;
    size_t i;

    eddy_err_clear(&err);
    if (!queries) {
        set_result(res, EDDY_QTT_FAIL, "    the runner failed: out of memory");
        return;
    }
    if (records && eddy_qtt_records_supported(run, eng, &skip)) {
        set_result(res, EDDY_QTT_FAIL, "    the runner failed: out of memory");
        goto out;
    }
    if (skip) {
        set_result(res, EDDY_QTT_SKIP, "%s", skip);
        free(skip);
        goto out;
    }
    if (records && eddy_qtt_records_produce(run, eng, &diff, &err)) {
        set_result(res, EDDY_QTT_FAIL, "    the runner failed producing the inputs: %s", err.msg);
        goto out;
    }
    if (diff.len == 0 && eddy_engine_run_until_idle(eng, &err)) {
        judge_runtime_error(run, err.msg, res);
        goto out;
    }
    if (diff.len == 0 && nsel && !run_selects(run, eng, queries, &nq, res)) goto out;
    if (diff.len == 0 && (qtt || rest)) {
        json_t *exp = qtt ? qtt : rest;
        const char *want = json_string_value(json_object_get(exp, "message"));
        set_result(res, EDDY_QTT_FAIL, "    expected an exception: %s\n    but every statement%s succeeded",
                   want ? want : json_string_value(json_object_get(exp, "type")),
                   has_items(tc, "inputs") ? " and every record" : "");
        goto out;
    }
    json_array_foreach(responses, i, r) {
        json_t *admin = json_object_get(r, "admin");
        char path[32];
        snprintf(path, sizeof path, "response %zu", i + 1);
        json_t *query = json_object_get(r, "query");
        if (query) {
            /* The queries' responses follow in the order of the SELECTs. */
            char ep[64];
            snprintf(ep, sizeof ep, "/responses/%zu/query", i);
            if (qi >= nq || !queries[qi].response)
                eddy_strbuf_printf(&diff, "    %s: expected a query result, got none (%zu queries ran)\n", path, nq);
            else eddy_qtt_query_matches(run, query, ep, &queries[qi], path, &diff);
            qi++;
            continue;
        }
        if (!admin) {
            eddy_strbuf_printf(&diff, "    %s: expected a query result, got %s\n", path,
                               i < json_array_size(entities) ? "an entity" : "nothing");
            continue;
        }
        if (i >= json_array_size(entities)) {
            eddy_strbuf_printf(&diff, "    %s: expected an entity, got none (%zu entities)\n", path,
                               json_array_size(entities));
            continue;
        }
        match_subset(admin, json_array_get(entities, i), path, &diff);
    }
    if (records && has_items(tc, "outputs") && eddy_qtt_records_check(run, eng, &diff, &err)) {
        set_result(res, EDDY_QTT_FAIL, "    the runner failed reading the outputs: %s", err.msg);
        goto out;
    }
    json_t *post = json_object_get(tc, "post");
    if (diff.len == 0 && post) {
        eddy_catalog *cat = eddy_engine_catalog(eng);
        json_array_foreach(json_object_get(post, "sources"), i, r) check_source(cat, r, &diff);
        json_t *topics = json_object_get(post, "topics");
        if (topics) check_topics(eng, cat, topics, &diff);
    }
    if (diff.len == 0) {
        set_result(res, EDDY_QTT_PASS, NULL);
    } else {
        if (diff.len && diff.buf[diff.len - 1] == '\n') diff.buf[--diff.len] = '\0';
        set_result(res, EDDY_QTT_FAIL, "%s", eddy_strbuf_cstr(&diff));
    }
out:
    eddy_strbuf_fini(&diff);
    for (size_t k = 0; k < nq; k++) eddy_qtt_query_fini(&queries[k]);
    free(queries);
}

int eddy_qtt_run_one(const eddy_qtt_run *run, const eddy_qtt_options *opts, eddy_qtt_result *res) {
    json_t *tc = run->tcase;
    json_t *enabled = json_object_get(tc, "enabled");
    json_t *statements = json_object_get(tc, "statements");
    json_t *props = json_object_get(tc, "properties");
    json_t *entities = NULL;
    eddy_config *cfg = NULL;
    eddy_log *log = NULL;
    eddy_engine *eng = NULL;
    eddy_qtt_mock *mock = NULL;
    char *dir = NULL;
    eddy_err err;
    int rc = 0;

    eddy_err_clear(&err);
    if (json_is_false(enabled)) {
        set_result(res, EDDY_QTT_SKIP, "disabled in the case file (enabled: false)");
        return 0;
    }
    if (format_unsupported(run->format)) {
        set_result(res, EDDY_QTT_SKIP, "format %s not supported yet", run->format);
        return 0;
    }
    entities = json_array();
    cfg = make_config(run, opts);
    if (!entities || !cfg) {
        rc = eddy_err_set(&err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    if ((rc = open_log(opts, &dir, &mock, &log, &err))) goto fail;
    eddy_engine_opts eopts = {.deterministic = true};
    if ((rc = eddy_engine_open_ex(cfg, log, &eopts, &eng, &err))) goto fail;
    if ((rc = make_topics(run, log, &err))) goto fail;
    if ((rc = eddy_qtt_register_schemas(run, eng, &err))) goto fail; /* AVRO: the topics' schemas */

    set_result(res, EDDY_QTT_PASS, NULL);
    /* Upstream joins the statements with newlines and runs them as one
     * script, so error positions count lines from the first statement: each
     * statement goes alone, after as many newlines as precede it there. */
    int line = 0;
    for (size_t i = 0; i < json_array_size(statements); i++) {
        const char *sql = json_string_value(json_array_get(statements, i));
        json_t *resp = NULL;
        int status = 0;
        if (!sql) continue;
        if (is_select(sql)) continue; /* run after the inputs (judge_success) */
        char *text = NULL;
        if (asprintf(&text, "%*s%s", line, "", sql) < 0) {
            rc = eddy_err_set(&err, EDDY_NOMEM, "out of memory");
            goto fail;
        }
        for (int k = 0; k < line; k++) text[k] = '\n';
        for (const char *p = sql; *p; p++) line += *p == '\n';
        line++;
        eddy_ksql_request req = {.ksql = text,
                                 .streams_properties = json_is_object(props) ? props : NULL,
                                 .command_sequence_number = -1};
        int qrc = eddy_engine_ksql(eng, &req, &resp, &status);
        free(text);
        if (qrc) {
            const char *msg = error_message(resp);
            if (strstr(msg, "not supported yet")) set_result(res, EDDY_QTT_SKIP, "%s", msg);
            else judge_error(run, i, sql, resp, status, res);
            json_decref(resp);
            goto done;
        }
        if (json_is_array(resp)) json_array_extend(entities, resp);
        json_decref(resp);
    }
    judge_success(run, eng, entities, res);
    goto done;

fail:
    set_result(res, EDDY_QTT_FAIL, "    the runner failed: %s", err.msg);
done:
    eddy_engine_close(eng);
    eddy_log_close(log);
    eddy_qtt_mock_close(mock); /* after the log: its clients talk to the cluster */
    eddy_config_destroy(cfg);
    json_decref(entities);
    if (dir) remove_tree(dir);
    free(dir);
    return rc;
}
