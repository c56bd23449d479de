/* executor.c - executes one statement against the catalog and returns its ksqlDB entity.
 *
 * Statements dispatch from one table (kind -> handler).  Statements that
 * change the catalog ("distributed" in ksqlDB's terms) follow one path:
 * analyze (no change yet), side effects on topics, append to the command log,
 * apply to the catalog.  When replaying the command log only the last step
 * runs, so a replayed statement cannot fail on topics that changed since.
 */
#include "engine/engine_internal.h"

#include "engine/entities.h"
#include "schemas/registry.h" /* AVRO */
#include "sql/analyze.h"
#include "sql/functions.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef int (*stmt_handler)(eddy_exec *x, json_t **entity, eddy_err *err);

/* ---- helpers ------------------------------------------------------------ */

static int unsupported(eddy_exec *x, eddy_err *err, const char *what, const char *when) {
    (void)x;
    return eddy_err_set(err, EDDY_UNSUPPORTED, "%s is not supported yet by eddy%s%s.", what, when ? ": " : "",
                        when ? when : "");
}

static void terminate_query(eddy_exec *x, const char *id);

/* Lower-case kind name for command ids: "stream", "table". */
static const char *kind_lower(eddy_source_kind k) { return k == EDDY_SOURCE_TABLE ? "table" : "stream"; }

/* Appends a command to the command log (unless replaying) and returns its
 * sequence number. */
static int distribute(eddy_exec *x, const char *command_id, int64_t *seq, eddy_err *err) {
    if (x->replay) {
        *seq = x->replay_seq;
        return 0;
    }
    if (x->dry_run) {
        *seq = -1;
        return 0;
    }
    int rc = eddy_command_log_append(x->engine->cmdlog, command_id, x->text, x->props, seq, err);
    if (!rc) eddy_engine_command_appended(x->engine, *seq);
    return rc;
}

static json_t *status_entity(eddy_exec *x, const char *command_id, const char *message, const char *query_id,
                             int64_t seq) {
    if (x->dry_run) return NULL;
    eddy_engine_set_status(x->engine, command_id, "SUCCESS", message);
    if (x->replay) return NULL;
    return eddy_entity_command_status(x->text, command_id, "SUCCESS", message, query_id, seq);
}

static int nomem(eddy_err *err) { return eddy_err_set(err, EDDY_NOMEM, "out of memory"); }

/* ksqlDB's warning_entity: {"@type", "statementText", "message", "warnings"}. */
static json_t *warning_entity(eddy_exec *x, const char *message) {
    if (x->replay || x->dry_run) return NULL;
    json_t *e = eddy_entity_new("warning_entity", x->text);
    if (e) json_object_set_new(e, "message", json_string(message));
    return eddy_entity_finish(e);
}

/* A topic as the statement sees it: in the log, or (dry run) created by an
 * earlier statement of the same request.  Returns 0 and fills cfg, or -1. */
static int topic_describe(eddy_exec *x, const char *topic, eddy_log_topic_config *cfg) {
    if (eddy_log_topic_describe(x->engine->log, topic, cfg, NULL) == 0) return 0;
    json_t *p = x->sandbox_topics ? json_object_get(x->sandbox_topics, topic) : NULL;
    if (!p) return -1;
    eddy_log_topic_config_init(cfg);
    cfg->partitions = (int32_t)json_integer_value(p);
    return 0;
}

/* ---- CREATE STREAM / TABLE ---------------------------------------------- */

static void analyze_ctx_init(eddy_exec *x, eddy_analyze_ctx *ctx) {
    const char *wrap = eddy_exec_setting(x, "ksql.persistence.wrap.single.values");
    ctx->catalog = x->catalog;
    ctx->default_key_format = eddy_exec_setting(x, "ksql.persistence.default.format.key");
    ctx->default_value_format = eddy_exec_setting(x, "ksql.persistence.default.format.value");
    if (ctx->default_value_format && !*ctx->default_value_format) ctx->default_value_format = NULL;
    ctx->default_wrap_single = !wrap || !*wrap ? -1 : strcasecmp(wrap, "true") == 0 ? 1 : 0;
}

/* ---- AVRO: schema inference and registration (schemas/registry.h) ------
 * As ksqlDB's DefaultSchemaInjector and SchemaRegisterInjector do: a CREATE
 * whose key or value format is AVRO and that declares no columns of that
 * side takes them from the registry (the schema of KEY_/VALUE_SCHEMA_ID, else
 * the latest under "<topic>-key|value"), and the statement is rewritten with
 * the columns, so that the command log holds it complete; a CREATE registers
 * the schemas of its columns when the subject has none, a CREATE ... AS
 * SELECT always.  AVRO keys get ksqlDB's record name (<Name>Key). */

static const eddy_expr *avro_prop(const eddy_list *props, const char *name) {
    for (int i = 0; i < props->n; i++) {
        const eddy_property *p = props->items[i];
        if (strcasecmp(p->name, name) == 0) return p->value;
    }
    return NULL;
}

static const char *avro_prop_str(const eddy_list *props, const char *name) {
    const eddy_expr *e = avro_prop(props, name);
    return e && e->kind == EDDY_EX_STRING ? e->v.s : NULL;
}

static int64_t avro_prop_int(const eddy_list *props, const char *name) {
    const eddy_expr *e = avro_prop(props, name);
    return e && e->kind == EDDY_EX_INT ? e->v.lit_int.i : -1;
}

static bool is_avro(const char *format) { return format && strcasecmp(format, "AVRO") == 0; }

/* Validating a request (dry run), the schemas its earlier statements would
 * register are not in the registry yet: the schema of a sandbox source on
 * the topic stands in for them.  *out is new (caller destroys), or NULL. */
static int avro_sandbox_schema(eddy_exec *x, const char *topic, bool key, eddy_avro_schema **out, eddy_err *err) {
    int n, rc = 0;
    *out = NULL;
    eddy_source *const *all = eddy_catalog_sources(x->catalog, &n);
    for (int i = 0; i < n && !*out && rc == 0; i++) {
        const eddy_source *src = all[i];
        const eddy_format_spec *f = key ? &src->key_fmt : &src->value_fmt;
        if (!src->topic || strcmp(src->topic, topic) != 0 || !is_avro(f->format)) continue;
        eddy_column *cols = calloc((size_t)src->schema->ncols + 1, sizeof *cols);
        eddy_strbuf text = EDDY_STRBUF_INIT;
        int nc = 0;
        if (!cols) return nomem(err);
        for (int c = 0; c < src->schema->ncols; c++)
            if ((src->schema->cols[c].ns == EDDY_COL_KEY) == key && src->schema->cols[c].ns != EDDY_COL_HEADER &&
                src->schema->cols[c].ns != EDDY_COL_HEADERS)
                cols[nc++] = src->schema->cols[c];
        if (nc > 0 && (rc = eddy_avro_schema_of_columns(cols, nc, nc == 1 && (key || f->wrap_single == 0),
                                                        f->schema_full_name, &text, err)) == 0)
            rc = eddy_avro_schema_parse(text.buf, text.len, out, err);
        eddy_strbuf_fini(&text);
        free(cols);
    }
    return rc;
}

/* The columns of one side inferred from the registry, appended to into. */
static int avro_infer_side(eddy_exec *x, const char *topic, bool key, int64_t id, bool unwrapped, eddy_schema *into,
                           eddy_err *err) {
    eddy_registry *reg = x->engine->registry;
    int32_t sid = (int32_t)id;
    const eddy_avro_schema *s;
    int rc;
    if (id <= 0) {
        char *subject = eddy_registry_subject(topic, key);
        if (!subject) return nomem(err);
        if (eddy_registry_latest(reg, subject, &sid, NULL, NULL, NULL) && x->dry_run) {
            eddy_avro_schema *sandbox = NULL;
            if ((rc = avro_sandbox_schema(x, topic, key, &sandbox, err)) == 0 && sandbox)
                rc = eddy_avro_infer_columns(sandbox, key ? EDDY_COL_KEY : EDDY_COL_VALUE, unwrapped, false, into, err);
            eddy_avro_schema_destroy(sandbox);
            if (rc || sandbox) {
                free(subject);
                return rc;
            }
        }
        if (eddy_registry_latest(reg, subject, &sid, NULL, NULL, NULL)) {
            rc = eddy_err_set(err, EDDY_ANALYSIS,
                              "Schema for message %s on topic '%s' does not exist in the Schema Registry.\n"
                              "Subject: %s\n\nPossible causes include:\n- The topic itself does not exist\n"
                              "\t-> Use SHOW TOPICS; to check\n"
                              "- Messages on the topic are not serialized using a format Schema Registry supports\n"
                              "\t-> Use PRINT '%s' FROM BEGINNING; to verify",
                              key ? "keys" : "values", topic, subject, topic);
            free(subject);
            return rc;
        }
        free(subject);
    }
    if ((rc = eddy_registry_avro(reg, sid, &s, err))) {
        if (rc == EDDY_NOTFOUND) rc = eddy_err_set(err, EDDY_ANALYSIS, "Schema with id %d does not exist in the Schema Registry.", sid);
        return rc;
    }
    if ((rc = eddy_avro_infer_columns(s, key ? EDDY_COL_KEY : EDDY_COL_VALUE, unwrapped, id > 0, into, err)))
        return rc == EDDY_NOMEM ? rc : eddy_err_set(err, EDDY_ANALYSIS, "%s", err->msg);
    return 0;
}

static void avro_append_name(eddy_strbuf *sb, const char *name) {
    eddy_strbuf_putc(sb, '`');
    for (const char *p = name; *p; p++) {
        if (*p == '`') eddy_strbuf_putc(sb, '`');
        eddy_strbuf_putc(sb, *p);
    }
    eddy_strbuf_putc(sb, '`');
}

/* The CREATE statement again, with its columns, as ksqlDB's formatter writes it. */
static void avro_statement_text(const eddy_stmt *st, eddy_strbuf *sb) {
    const eddy_list *el = &st->u.create.elements, *props = &st->u.create.props;
    eddy_strbuf_printf(sb, "CREATE %s%s%s ", st->u.create.or_replace ? "OR REPLACE " : "",
                       st->u.create.is_source ? "SOURCE " : "", eddy_source_kind_name(st->u.create.source_kind));
    if (st->u.create.if_not_exists) eddy_strbuf_puts(sb, "IF NOT EXISTS ");
    avro_append_name(sb, st->u.create.name);
    eddy_strbuf_puts(sb, " (");
    for (int i = 0; i < el->n; i++) {
        const eddy_table_element *e = el->items[i];
        if (i) eddy_strbuf_puts(sb, ", ");
        avro_append_name(sb, e->name);
        eddy_strbuf_putc(sb, ' ');
        eddy_type_format(e->type, sb);
        if (e->ns == EDDY_COL_KEY) eddy_strbuf_puts(sb, st->u.create.source_kind == EDDY_SOURCE_TABLE ? " PRIMARY KEY" : " KEY");
        else if (e->ns == EDDY_COL_HEADERS) eddy_strbuf_puts(sb, " HEADERS");
        else if (e->ns == EDDY_COL_HEADER) eddy_strbuf_printf(sb, " HEADER('%s')", e->header_key ? e->header_key : "");
    }
    eddy_strbuf_puts(sb, ") WITH (");
    for (int i = 0; i < props->n; i++) {
        const eddy_property *p = props->items[i];
        eddy_strbuf_printf(sb, "%s%s=", i ? ", " : "", p->name);
        eddy_expr_format(p->value, sb);
    }
    eddy_strbuf_putc(sb, ')');
}

/* *out: st with inferred columns (in a, or st itself when nothing is
 * inferred), *text its text (in a, or NULL). */
static int avro_infer(eddy_exec *x, const eddy_stmt *st, eddy_arena *a, const eddy_stmt **out, const char **text,
                      eddy_err *err) {
    const eddy_list *props = &st->u.create.props, *el = &st->u.create.elements;
    const char *fmt = avro_prop_str(props, "FORMAT");
    const char *kfmt = fmt ? fmt : avro_prop_str(props, "KEY_FORMAT");
    const char *vfmt = fmt ? fmt : avro_prop_str(props, "VALUE_FORMAT");
    const char *topic = avro_prop_str(props, "KAFKA_TOPIC");
    int nkeys = 0, nvalues = 0, rc = 0;
    *out = st;
    *text = NULL;
    if (!kfmt) kfmt = eddy_exec_setting(x, "ksql.persistence.default.format.key");
    if (!vfmt) vfmt = eddy_exec_setting(x, "ksql.persistence.default.format.value");
    for (int i = 0; i < el->n; i++) {
        const eddy_table_element *e = el->items[i];
        nkeys += e->ns == EDDY_COL_KEY;
        nvalues += e->ns == EDDY_COL_VALUE;
    }
    bool infer_key = nkeys == 0 && is_avro(kfmt) && topic, infer_value = nvalues == 0 && is_avro(vfmt) && topic;
    if (!infer_key && !infer_value) return 0;
    if (!x->engine->registry) return 0;
    const eddy_expr *wrap = avro_prop(props, "WRAP_SINGLE_VALUE");
    bool unwrapped = wrap && ((wrap->kind == EDDY_EX_BOOL && !wrap->v.b) ||
                              (wrap->kind == EDDY_EX_STRING && strcasecmp(wrap->v.s, "false") == 0));
    eddy_schema *keys = eddy_schema_new(), *values = eddy_schema_new();
    if (!keys || !values) {
        rc = nomem(err);
        goto done;
    }
    if (infer_key &&
        (rc = avro_infer_side(x, topic, true, avro_prop_int(props, "KEY_SCHEMA_ID"), true, keys, err)))
        goto done;
    if (infer_value &&
        (rc = avro_infer_side(x, topic, false, avro_prop_int(props, "VALUE_SCHEMA_ID"), unwrapped, values, err)))
        goto done;
    eddy_stmt *copy = eddy_arena_alloc(a, sizeof *copy);
    if (!copy) {
        rc = nomem(err);
        goto done;
    }
    *copy = *st;
    memset(&copy->u.create.elements, 0, sizeof copy->u.create.elements);
    /* Keys first, then values, then headers, each inferred or as declared. */
    for (int pass = 0; pass < 3 && rc == 0; pass++) {
        const eddy_schema *inferred = pass == 0 && infer_key ? keys : pass == 1 && infer_value ? values : NULL;
        for (int i = 0; inferred && i < inferred->ncols && rc == 0; i++) {
            eddy_table_element *e = eddy_arena_alloc(a, sizeof *e);
            if (!e || !(e->name = eddy_arena_strdup(a, inferred->cols[i].name)) ||
                !(e->type = eddy_ast_keep_type(a, eddy_type_ref(inferred->cols[i].type)))) {
                rc = nomem(err);
                break;
            }
            e->quoted = true;
            e->ns = inferred->cols[i].ns;
            e->primary = e->ns == EDDY_COL_KEY && st->u.create.source_kind == EDDY_SOURCE_TABLE;
            e->pos = st->pos;
            rc = eddy_list_push(a, &copy->u.create.elements, e) ? nomem(err) : 0;
        }
        for (int i = 0; !inferred && i < el->n && rc == 0; i++) {
            const eddy_table_element *e = el->items[i];
            int want = pass == 0 ? e->ns == EDDY_COL_KEY : pass == 1 ? e->ns == EDDY_COL_VALUE
                                                                     : e->ns == EDDY_COL_HEADER || e->ns == EDDY_COL_HEADERS;
            if (want) rc = eddy_list_push(a, &copy->u.create.elements, (void *)e) ? nomem(err) : 0;
        }
    }
    if (rc) goto done;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    avro_statement_text(copy, &sb);
    copy->text = sb.failed ? NULL : eddy_arena_strdup(a, eddy_strbuf_cstr(&sb));
    eddy_strbuf_fini(&sb);
    if (!copy->text) {
        rc = nomem(err);
        goto done;
    }
    *out = copy;
    *text = copy->text;
done:
    eddy_schema_free(keys);
    eddy_schema_free(values);
    return rc;
}

/* A CREATE ... AS SELECT's KEY_/VALUE_SCHEMA_ID and _SCHEMA_FULL_NAME onto its
 * AVRO sink (the planner does not carry them yet). */
static int avro_sink_formats(const eddy_list *props, eddy_source *sink, eddy_err *err) {
    for (int side = 0; side < 2; side++) {
        eddy_format_spec *f = side == 0 ? &sink->key_fmt : &sink->value_fmt;
        if (!is_avro(f->format)) continue;
        int64_t id = avro_prop_int(props, side == 0 ? "KEY_SCHEMA_ID" : "VALUE_SCHEMA_ID");
        const char *name = avro_prop_str(props, side == 0 ? "KEY_SCHEMA_FULL_NAME" : "VALUE_SCHEMA_FULL_NAME");
        if (side == 1 && !name) name = avro_prop_str(props, "VALUE_AVRO_SCHEMA_FULL_NAME");
        if (id > 0) f->schema_id = id;
        if (name && !f->schema_full_name && !(f->schema_full_name = strdup(name))) return nomem(err);
    }
    return 0;
}

/* Gives an AVRO key its record name (ksqlDB: <Name>Key), registers the key
 * and value schemas of src (always, or only where the subject has none). */
static int avro_register(eddy_exec *x, eddy_source *src, bool always, eddy_err *err) {
    const eddy_schema *sc = src->schema;
    int nk = eddy_schema_nkeys(sc), rc = 0;
    if (is_avro(src->key_fmt.format) && nk > 0 && !src->key_fmt.schema_full_name &&
        !(src->key_fmt.schema_full_name = eddy_avro_key_schema_name(src->name)))
        return nomem(err);
    if (x->dry_run || x->replay || !x->engine->registry) return 0;
    for (int side = 0; side < 2 && rc == 0; side++) {
        const eddy_format_spec *f = side == 0 ? &src->key_fmt : &src->value_fmt;
        if (!is_avro(f->format) || f->schema_id > 0) continue;
        eddy_column *cols = calloc((size_t)sc->ncols + 1, sizeof *cols);
        int n = 0;
        if (!cols) return nomem(err);
        for (int i = 0; i < sc->ncols; i++)
            if ((sc->cols[i].ns == EDDY_COL_KEY) == (side == 0) && sc->cols[i].ns != EDDY_COL_HEADER &&
                sc->cols[i].ns != EDDY_COL_HEADERS)
                cols[n++] = sc->cols[i];
        char *subject = n ? eddy_registry_subject(src->topic, side == 0) : NULL;
        if (n && !subject) rc = nomem(err);
        if (subject && (always || !eddy_registry_subject_exists(x->engine->registry, subject))) {
            eddy_strbuf text = EDDY_STRBUF_INIT;
            bool unwrapped = n == 1 && (side == 0 || f->wrap_single == 0);
            rc = eddy_avro_schema_of_columns(cols, n, unwrapped, f->schema_full_name, &text, err);
            if (!rc && (rc = eddy_registry_register(x->engine->registry, subject, text.buf, 0, NULL, NULL, err)))
                eddy_err_set(err, rc == EDDY_NOMEM ? rc : EDDY_ANALYSIS, "Could not register schema for topic: %s",
                             err->msg);
            eddy_strbuf_fini(&text);
        }
        free(subject);
        free(cols);
    }
    return rc;
}

/* Makes sure the source's topic is as the statement needs it: created when
 * PARTITIONS is given and it is missing; otherwise it must exist. */
static int ensure_topic(eddy_exec *x, const eddy_topic_spec *t, eddy_source *src, eddy_err *err) {
    eddy_log *log = x->engine->log;
    eddy_log_topic_config cfg;
    int rc = topic_describe(x, t->name, &cfg);
    if (rc == 0) {
        if (t->partitions > 0 && cfg.partitions != t->partitions)
            return eddy_err_set(err, EDDY_ANALYSIS,
                                "A Kafka topic with the name '%s' already exists, with different partition/replica "
                                "configuration than required. KSQL expects %d partitions (topic has %d), %d "
                                "replication factor (topic has %d).",
                                t->name, t->partitions, (int)cfg.partitions, t->replicas > 0 ? t->replicas : 1,
                                cfg.replicas > 0 ? (int)cfg.replicas : 1);
        src->partitions = cfg.partitions;
        src->replicas = cfg.replicas > 0 ? cfg.replicas : 1;
        return 0;
    }
    if (t->partitions <= 0)
        return eddy_err_set(err, EDDY_ANALYSIS,
                            "Topic '%s' does not exist. If you want to create a new topic for the %s please re-run "
                            "the statement providing the required 'PARTITIONS' configuration in the WITH clause (and "
                            "optionally 'REPLICAS'). For example: CREATE %s %s (ID INT, VALUE STRING) WITH "
                            "(KAFKA_TOPIC='%s', PARTITIONS=2, VALUE_FORMAT='JSON');",
                            t->name, "stream/table", eddy_source_kind_name(src->kind), src->name, t->name);
    if (x->dry_run) {
        if (!x->sandbox_topics) x->sandbox_topics = json_object();
        json_object_set_new(x->sandbox_topics, t->name, json_integer(t->partitions));
        src->partitions = t->partitions;
        return 0;
    }
    eddy_log_topic_config_init(&cfg);
    cfg.partitions = t->partitions;
    cfg.replicas = (int16_t)(t->replicas > 0 ? t->replicas : 1);
    if (t->retention_ms >= 0) cfg.retention_ms = t->retention_ms;
    if (src->kind == EDDY_SOURCE_TABLE) cfg.cleanup = EDDY_LOG_CLEANUP_COMPACT;
    if ((rc = eddy_log_topic_create(log, t->name, &cfg, err)) && rc != EDDY_EXISTS) return rc;
    src->partitions = t->partitions;
    src->replicas = cfg.replicas;
    return 0;
}

static int run_persistent(eddy_exec *x, eddy_plan *p, const char *id, eddy_err *err);

/* CREATE SOURCE TABLE: a query (CST_<NAME>_<n>) keeps the table's rows in a
 * state store so pull queries can read it, as ksqlDB's source tables. */
static int materialize_source_table(eddy_exec *x, const char *name, int64_t seq, eddy_err *err) {
    eddy_plan *p = NULL;
    char id[512];
    int rc = eddy_plan_materialize(x->catalog, name, &p, err);
    if (rc) return rc;
    snprintf(id, sizeof id, "CST_%s_%lld", name, (long long)seq);
    return run_persistent(x, p, id, err);
}

static int exec_create_source(eddy_exec *x, json_t **entity, eddy_err *err) {
    const eddy_stmt *st = x->stmt;
    eddy_catalog *cat = x->catalog;
    eddy_analyze_ctx ctx;
    eddy_topic_spec topic = {0};
    eddy_source *src = NULL;
    char *cid = NULL;
    int64_t seq;
    int rc;
    /* AVRO: columns inferred from the registry (x->stmt and x->text are put back at the end). */
    const eddy_stmt *orig_stmt = x->stmt;
    const char *orig_text = x->text, *itext = NULL;
    eddy_arena *ia = NULL;

    const eddy_source *old = eddy_catalog_find_source(cat, st->u.create.name);
    if (old && !st->u.create.or_replace) {
        if (st->u.create.if_not_exists) {
            /* Nothing to do; ksqlDB answers with a warning, not an error. */
            char msg[512];
            snprintf(msg, sizeof msg, "Cannot add %s `%s`: A %s with the same name already exists.",
                     kind_lower(st->u.create.source_kind), st->u.create.name, kind_lower(old->kind));
            *entity = warning_entity(x, msg);
            return 0;
        }
        return eddy_err_set(err, EDDY_EXISTS, "Cannot add %s '%s': A %s with the same name already exists",
                            kind_lower(st->u.create.source_kind), st->u.create.name, kind_lower(old->kind));
    }
    if (old && old->kind != st->u.create.source_kind)
        return eddy_err_set(err, EDDY_ANALYSIS, "Cannot replace %s '%s' with a %s: the kinds differ.",
                            kind_lower(old->kind), old->name, kind_lower(st->u.create.source_kind));
    analyze_ctx_init(x, &ctx);
    if (!(ia = eddy_arena_new())) return nomem(err);
    if ((rc = avro_infer(x, st, ia, &st, &itext, err))) goto done; /* AVRO */
    if (itext) {
        x->stmt = st;
        x->text = itext;
    }
    if ((rc = eddy_analyze_create_source(&ctx, st, &src, &topic, err))) goto done;
    if (old) {
        if (old->is_source) {
            rc = eddy_err_set(err, EDDY_ANALYSIS, "Cannot add %s '%s': CREATE OR REPLACE is not supported on source %ss.",
                              kind_lower(old->kind), old->name, kind_lower(old->kind));
            goto done;
        }
        if (old->is_sink) {
            rc = eddy_err_set(err, EDDY_ANALYSIS, "Cannot replace %s '%s': it was created by a query.",
                              kind_lower(old->kind), old->name);
            goto done;
        }
    }
    if (!x->replay && (rc = ensure_topic(x, &topic, src, err))) goto done;
    if (old) {
        /* OR REPLACE keeps the queries that use the source. */
        eddy_source *o = (eddy_source *)old;
        src->nread_queries = o->nread_queries;
        src->read_queries = o->read_queries;
        src->nwrite_queries = o->nwrite_queries;
        src->write_queries = o->write_queries;
        o->nread_queries = o->nwrite_queries = 0;
        o->read_queries = o->write_queries = NULL;
    }
    if (x->replay) {
        eddy_log_topic_config cfg;
        if (eddy_log_topic_describe(x->engine->log, topic.name, &cfg, NULL) == 0) src->partitions = cfg.partitions;
    }
    if ((rc = avro_register(x, src, false, err))) goto done; /* AVRO */
    if (asprintf(&cid, "%s/`%s`/create", kind_lower(src->kind), src->name) < 0) {
        cid = NULL;
        rc = nomem(err);
        goto done;
    }
    if ((rc = distribute(x, cid, &seq, err))) goto done;
    bool is_table = src->kind == EDDY_SOURCE_TABLE;
    if ((rc = eddy_catalog_add_source(cat, src, st->u.create.or_replace))) {
        src = NULL;
        eddy_err_set(err, rc, "Cannot add %s '%s': %s", kind_lower(st->u.create.source_kind), st->u.create.name,
                     eddy_strerror(rc));
        goto done;
    }
    src = NULL;
    if (is_table && st->u.create.is_source && !old && (rc = materialize_source_table(x, st->u.create.name, seq, err)))
        goto done;
    *entity = status_entity(x, cid, is_table ? "Table created" : "Stream created", NULL, seq);
done:
    eddy_source_free(src);
    eddy_topic_spec_fini(&topic);
    free(cid);
    x->stmt = orig_stmt; /* AVRO */
    x->text = orig_text;
    eddy_arena_destroy(ia);
    return rc;
}

static int exec_alter_source(eddy_exec *x, json_t **entity, eddy_err *err) {
    eddy_analyze_ctx ctx;
    eddy_source *src = NULL;
    char *cid = NULL;
    int64_t seq;
    int rc;
    analyze_ctx_init(x, &ctx);
    if ((rc = eddy_analyze_alter_source(&ctx, x->stmt, &src, err))) return rc;
    if (asprintf(&cid, "%s/%s/alter", kind_lower(src->kind), src->name) < 0) {
        eddy_source_free(src);
        return nomem(err);
    }
    if ((rc = distribute(x, cid, &seq, err))) {
        eddy_source_free(src);
        free(cid);
        return rc;
    }
    char msg[512];
    snprintf(msg, sizeof msg, "%s %s altered.", src->kind == EDDY_SOURCE_TABLE ? "Table" : "Stream", src->name);
    rc = eddy_catalog_add_source(x->catalog, src, true);
    if (rc == 0) *entity = status_entity(x, cid, msg, NULL, seq);
    else eddy_err_set(err, rc, "%s", eddy_strerror(rc));
    free(cid);
    return rc;
}

/* ---- DROP --------------------------------------------------------------- */

static void join_ids(char *buf, size_t n, int count, char **ids) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < count && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", ids[i]);
}

static int exec_drop_source(eddy_exec *x, json_t **entity, eddy_err *err) {
    const eddy_stmt *st = x->stmt;
    const char *name = st->u.drop.name;
    eddy_source *src = eddy_catalog_find_source(x->catalog, name);
    const char *kind = eddy_source_kind_name(st->u.drop.source_kind);
    char *cid = NULL, msg[1024];
    int64_t seq;
    int rc;

    if (!src || src->kind != st->u.drop.source_kind) {
        if (src && src->kind != st->u.drop.source_kind)
            return eddy_err_set(err, EDDY_ANALYSIS, "Incompatible data source type is %s, but statement was DROP %s",
                                kind_lower(src->kind), kind_lower(st->u.drop.source_kind));
        if (st->u.drop.if_exists) {
            if (x->replay || x->dry_run) return 0;
            snprintf(msg, sizeof msg, "Source `%s` does not exist.", name);
            *entity = eddy_entity_command_status(x->text, "", "SUCCESS", msg, NULL, -1);
            return 0;
        }
        return eddy_err_set(err, EDDY_NOTFOUND, "%s %s does not exist.", kind[0] == 'T' ? "Table" : "Stream", name);
    }
    /* Dropping a CREATE ... AS SELECT sink ends the query that created it. */
    if ((src->is_sink || src->is_source) && src->nwrite_queries == 1 && src->nread_queries == 0) {
        char created_by[256];
        snprintf(created_by, sizeof created_by, "%s", src->write_queries[0]);
        if (strncmp(created_by, "CSAS_", 5) == 0 || strncmp(created_by, "CTAS_", 5) == 0 ||
            strncmp(created_by, "CST_", 4) == 0) {
            terminate_query(x, created_by);
            src = eddy_catalog_find_source(x->catalog, name);
        }
    }
    if (src->nread_queries || src->nwrite_queries) {
        char r[512], w[512];
        join_ids(r, sizeof r, src->nread_queries, src->read_queries);
        join_ids(w, sizeof w, src->nwrite_queries, src->write_queries);
        return eddy_err_set(err, EDDY_ANALYSIS,
                            "Cannot drop %s.\nThe following queries read from this source: [%s].\nThe following "
                            "queries write into this source: [%s].\nYou need to terminate them before dropping %s.",
                            name, r, w, name);
    }
    if (st->u.drop.delete_topic && src->is_source)
        return eddy_err_set(err, EDDY_ANALYSIS, "Cannot delete topic for read-only source: %s", name);
    if (asprintf(&cid, "%s/%s/drop", kind_lower(src->kind), src->name) < 0) return nomem(err);
    if ((rc = distribute(x, cid, &seq, err))) goto done;
    snprintf(msg, sizeof msg, "Source `%s` (topic: %s) was dropped.", src->name, src->topic);
    if (st->u.drop.delete_topic && !x->replay && !x->dry_run) {
        eddy_err terr;
        int trc = eddy_log_topic_delete(x->engine->log, src->topic, &terr);
        if (trc && trc != EDDY_NOTFOUND)
            fprintf(stderr, "eddy: DROP %s DELETE TOPIC: could not delete topic %s: %s\n", name, src->topic, terr.msg);
    }
    eddy_catalog_drop_source(x->catalog, name);
    *entity = status_entity(x, cid, msg, NULL, seq);
done:
    free(cid);
    return rc;
}

/* ---- types -------------------------------------------------------------- */

static int exec_create_type(eddy_exec *x, json_t **entity, eddy_err *err) {
    const eddy_stmt *st = x->stmt;
    eddy_catalog *cat = x->catalog;
    eddy_type *t = NULL;
    char *cid = NULL, *ts = NULL, msg[1024];
    int64_t seq;
    int rc;
    const eddy_custom_type *old = eddy_catalog_find_type(cat, st->u.create_type.name);
    if (old) {
        if (st->u.create_type.if_not_exists) {
            if (x->replay || x->dry_run) return 0;
            ts = eddy_type_to_string(old->type);
            snprintf(msg, sizeof msg, "%s is already registered with type %s", st->u.create_type.name, ts ? ts : "?");
            free(ts);
            *entity = eddy_entity_command_status(x->text, "", "SUCCESS", msg, NULL, -1);
            return 0;
        }
        ts = eddy_type_to_string(old->type);
        rc = eddy_err_set(err, EDDY_EXISTS, "Cannot register custom type '%s' since it is already registered with type: %s",
                          st->u.create_type.name, ts ? ts : "?");
        free(ts);
        return rc;
    }
    if ((rc = eddy_analyze_type(cat, st->u.create_type.type, &t, err))) return rc;
    if (asprintf(&cid, "type/%s/create", st->u.create_type.name) < 0) {
        cid = NULL;
        rc = nomem(err);
        goto done;
    }
    if ((rc = distribute(x, cid, &seq, err))) goto done;
    if ((rc = eddy_catalog_add_type(cat, st->u.create_type.name, t))) {
        eddy_err_set(err, rc, "%s", eddy_strerror(rc));
        goto done;
    }
    ts = eddy_type_to_string(t);
    snprintf(msg, sizeof msg, "Registered custom type with name '%s' and SQL type %s", st->u.create_type.name,
             ts ? ts : "?");
    *entity = status_entity(x, cid, msg, NULL, seq);
done:
    free(ts);
    free(cid);
    eddy_type_unref(t);
    return rc;
}

static int exec_drop_type(eddy_exec *x, json_t **entity, eddy_err *err) {
    const char *name = x->stmt->u.drop.name;
    char *cid = NULL, msg[512];
    int64_t seq;
    int rc;
    if (!eddy_catalog_find_type(x->catalog, name)) {
        if (x->stmt->u.drop.if_exists) {
            if (x->replay || x->dry_run) return 0;
            snprintf(msg, sizeof msg, "Type '%s' does not exist", name);
            *entity = eddy_entity_command_status(x->text, "", "SUCCESS", msg, NULL, -1);
            return 0;
        }
        return eddy_err_set(err, EDDY_NOTFOUND, "Type %s does not exist.", name);
    }
    if (asprintf(&cid, "type/%s/drop", name) < 0) return nomem(err);
    if ((rc = distribute(x, cid, &seq, err)) == 0) {
        eddy_catalog_drop_type(x->catalog, name);
        snprintf(msg, sizeof msg, "Dropped type '%s'", name);
        *entity = status_entity(x, cid, msg, NULL, seq);
    }
    free(cid);
    return rc;
}

/* ---- SHOW / LIST -------------------------------------------------------- */

static json_t *show_sources(eddy_exec *x, eddy_source_kind kind, bool extended) {
    int n;
    eddy_source *const *v = eddy_catalog_sources(x->catalog, &n);
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        if (v[i]->kind != kind) continue;
        json_array_append_new(list, extended ? eddy_entity_source_description(x->catalog, v[i], true, -1, -1)
                                             : eddy_entity_source_summary(v[i]));
    }
    json_t *e = eddy_entity_new(extended ? "source_descriptions" : kind == EDDY_SOURCE_TABLE ? "tables" : "streams",
                                x->text);
    json_object_set_new(e, extended ? "sourceDescriptions" : kind == EDDY_SOURCE_TABLE ? "tables" : "streams", list);
    return eddy_entity_finish(e);
}

static json_t *show_topics(eddy_exec *x, bool all, bool extended) {
    char **names = NULL;
    size_t n = 0;
    json_t *list = json_array();
    if (eddy_log_topic_list(x->engine->log, &names, &n, NULL) == 0) {
        for (size_t i = 0; i < n; i++) {
            eddy_log_topic_config cfg;
            if (!all && names[i][0] == '_') continue;
            if (eddy_log_topic_describe(x->engine->log, names[i], &cfg, NULL)) continue;
            json_t *replicas = json_array();
            for (int p = 0; p < cfg.partitions; p++) json_array_append_new(replicas, json_integer(cfg.replicas > 0 ? cfg.replicas : 1));
            json_t *t = json_pack("{s:s, s:o}", "name", names[i], "replicaInfo", replicas);
            if (extended) {
                json_object_set_new(t, "consumerCount", json_integer(0));
                json_object_set_new(t, "consumerGroupCount", json_integer(0));
            }
            json_array_append_new(list, t);
        }
        eddy_log_names_free(names, n);
    }
    json_t *e = eddy_entity_new(extended ? "kafka_topics_extended" : "kafka_topics", x->text);
    json_object_set_new(e, "topics", list);
    return eddy_entity_finish(e);
}

static json_t *show_queries(eddy_exec *x) {
    int n;
    eddy_query_info *const *q = eddy_catalog_queries(x->catalog, &n);
    json_t *list = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(list, eddy_entity_running_query(q[i]));
    json_t *e = eddy_entity_new("queries", x->text);
    json_object_set_new(e, "queries", list);
    return eddy_entity_finish(e);
}

static json_t *show_types(eddy_exec *x) {
    int n;
    const eddy_custom_type *t = eddy_catalog_types(x->catalog, &n);
    json_t *types = json_object();
    for (int i = 0; i < n; i++) json_object_set_new(types, t[i].name, eddy_entity_schema_info(t[i].type));
    json_t *e = eddy_entity_new("type_list", x->text);
    json_object_set_new(e, "types", types);
    return eddy_entity_finish(e);
}

static json_t *show_variables(eddy_exec *x) {
    json_t *list = json_array();
    for (int i = 0; i < eddy_vars_count(x->vars); i++) {
        const char *name, *value;
        eddy_vars_at(x->vars, i, &name, &value);
        json_array_append_new(list, json_pack("{s:s, s:s}", "name", name, "value", value));
    }
    json_t *e = eddy_entity_new("variables", x->text);
    json_object_set_new(e, "variables", list);
    return eddy_entity_finish(e);
}

static json_t *show_properties(eddy_exec *x) {
    json_t *e = eddy_entity_new("properties", x->text);
    json_t *fields = eddy_config_properties_json(x->engine->config, x->props);
    if (fields) json_object_update(e, fields);
    json_decref(fields);
    return eddy_entity_finish(e);
}

static json_t *show_functions(eddy_exec *x) {
    json_t *e = eddy_entity_new("function_names", x->text);
    json_t *fields = eddy_functions_list_json();
    if (fields) json_object_update(e, fields);
    json_decref(fields);
    return eddy_entity_finish(e);
}

static int exec_show(eddy_exec *x, json_t **entity, eddy_err *err) {
    const eddy_stmt *st = x->stmt;
    bool ext = st->u.show.extended;
    switch (st->u.show.what) {
    case EDDY_SHOW_STREAMS: *entity = show_sources(x, EDDY_SOURCE_STREAM, ext); break;
    case EDDY_SHOW_TABLES: *entity = show_sources(x, EDDY_SOURCE_TABLE, ext); break;
    case EDDY_SHOW_TOPICS: *entity = show_topics(x, st->u.show.all_topics, ext); break;
    case EDDY_SHOW_QUERIES: *entity = show_queries(x); break;
    case EDDY_SHOW_PROPERTIES: *entity = show_properties(x); break;
    case EDDY_SHOW_FUNCTIONS: *entity = show_functions(x); break;
    case EDDY_SHOW_TYPES: *entity = show_types(x); break;
    case EDDY_SHOW_VARIABLES: *entity = show_variables(x); break;
    case EDDY_SHOW_CONNECTORS:
    case EDDY_SHOW_CONNECTOR_PLUGINS:
        return unsupported(x, err, "SHOW CONNECTORS", "connectors come with a later release");
    }
    return *entity ? 0 : nomem(err);
}

/* ---- DESCRIBE ----------------------------------------------------------- */

static int topic_partitions(eddy_exec *x, const eddy_source *s, int *partitions, int *replicas) {
    eddy_log_topic_config cfg;
    *partitions = *replicas = -1;
    if (eddy_log_topic_describe(x->engine->log, s->topic, &cfg, NULL)) return -1;
    *partitions = cfg.partitions;
    *replicas = cfg.replicas > 0 ? cfg.replicas : 1;
    return 0;
}

/* DESCRIBE EXTENDED's statistics: what the queries writing the source did. */
static void add_statistics(eddy_exec *x, const eddy_source *s, json_t *desc) {
    /* Records read from the source's topic by the queries that read it,
     * and the ones they had to skip (logged to the processing log). */
    int64_t processed = 0, errors = 0;
    for (int i = 0; x->engine->runtime && i < s->nread_queries; i++) {
        int64_t p = 0, e = 0;
        if (eddy_runtime_counts(x->engine->runtime, s->read_queries[i], &p, &e) == 0) {
            processed += p;
            errors += e;
        }
    }
    char buf[256];
    snprintf(buf, sizeof buf, "consumer-messages-per-sec: 0 consumer-total-messages: %lld", (long long)processed);
    json_object_set_new(desc, "statistics", json_string(buf));
    snprintf(buf, sizeof buf, "consumer-failed-messages: %lld", (long long)errors);
    json_object_set_new(desc, "errorStats", json_string(buf));
}

static int exec_describe(eddy_exec *x, json_t **entity, eddy_err *err) {
    const char *name = x->stmt->u.describe.name;
    const eddy_source *s = eddy_catalog_find_source(x->catalog, name);
    int p, r;
    if (!s) return eddy_err_set(err, EDDY_NOTFOUND, "Could not find STREAM/TABLE '%s' in the Metastore", name);
    topic_partitions(x, s, &p, &r);
    json_t *e = eddy_entity_new("sourceDescription", x->text);
    json_t *desc = eddy_entity_source_description(x->catalog, s, x->stmt->u.describe.extended, p, r);
    if (desc && x->stmt->u.describe.extended && !x->dry_run) add_statistics(x, s, desc);
    json_object_set_new(e, "sourceDescription", desc);
    *entity = eddy_entity_finish(e);
    return *entity ? 0 : nomem(err);
}

static int exec_describe_streams(eddy_exec *x, json_t **entity, eddy_err *err) {
    int n;
    eddy_source *const *v = eddy_catalog_sources(x->catalog, &n);
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        int p, r;
        if (v[i]->kind != x->stmt->u.describe.source_kind) continue;
        topic_partitions(x, v[i], &p, &r);
        json_array_append_new(list, eddy_entity_source_description(x->catalog, v[i], x->stmt->u.describe.extended, p, r));
    }
    json_t *e = eddy_entity_new("source_descriptions", x->text);
    json_object_set_new(e, "sourceDescriptions", list);
    *entity = eddy_entity_finish(e);
    return *entity ? 0 : nomem(err);
}

static int exec_describe_function(eddy_exec *x, json_t **entity, eddy_err *err) {
    json_t *fields = eddy_function_describe_json(x->stmt->u.describe.name);
    if (!fields) return eddy_err_set(err, EDDY_NOTFOUND, "Can't find any functions with the name '%s'",
                                     x->stmt->u.describe.name);
    json_t *e = eddy_entity_new("describe_function", x->text);
    json_object_update(e, fields);
    json_decref(fields);
    *entity = eddy_entity_finish(e);
    return 0;
}

/* ---- SET / UNSET / DEFINE / UNDEFINE ------------------------------------ */

static int exec_set(eddy_exec *x, json_t **entity, eddy_err *err) {
    const char *name = x->stmt->u.set.name, *value = x->stmt->u.set.value;
    int rc = eddy_config_check_override(x->engine->config, name, value, err);
    if (rc) return rc;
    json_object_set_new(x->props, eddy_config_canonical_name(name), json_string(value));
    *entity = NULL;
    return 0;
}

static int exec_unset(eddy_exec *x, json_t **entity, eddy_err *err) {
    json_object_del(x->props, eddy_config_canonical_name(x->stmt->u.set.name));
    *entity = NULL;
    (void)err;
    return 0;
}

static int exec_define(eddy_exec *x, json_t **entity, eddy_err *err) {
    *entity = NULL;
    if (eddy_vars_set(x->vars, x->stmt->u.set.name, x->stmt->u.set.value)) return nomem(err);
    return 0;
}

static int exec_undefine(eddy_exec *x, json_t **entity, eddy_err *err) {
    *entity = NULL;
    if (eddy_vars_unset(x->vars, x->stmt->u.set.name) == EDDY_NOTFOUND) {
        char msg[512];
        snprintf(msg, sizeof msg, "Cannot undefine variable '%s' which was never defined", x->stmt->u.set.name);
        *entity = warning_entity(x, msg);
    }
    (void)err;
    return 0;
}

/* ---- queries: TERMINATE / PAUSE / RESUME / EXPLAIN ----------------------- */

static int exec_query_control(eddy_exec *x, json_t **entity, eddy_err *err) {
    const eddy_stmt *st = x->stmt;
    const char *verb = st->kind == EDDY_STMT_TERMINATE ? "terminate" : st->kind == EDDY_STMT_PAUSE ? "pause" : "resume";
    char *cid = NULL, msg[256];
    int64_t seq;
    int rc;
    if (!st->u.control.all && !eddy_catalog_find_query(x->catalog, st->u.control.query_id)) {
        /* A transient push query: ended at once, not a command. */
        if (st->kind == EDDY_STMT_TERMINATE && eddy_engine_push_exists(x->engine, st->u.control.query_id)) {
            if (x->dry_run) return 0;
            eddy_engine_push_terminate(x->engine, st->u.control.query_id);
            json_t *e = eddy_entity_new("terminate_query", x->text);
            json_object_set_new(e, "queryId", json_string(st->u.control.query_id));
            json_object_set_new(e, "wasTerminated", json_true());
            *entity = eddy_entity_finish(e);
            return 0;
        }
        return eddy_err_set(err, EDDY_NOTFOUND, "Unknown queryId: %s", st->u.control.query_id);
    }
    if (asprintf(&cid, "%s/%s/execute", verb, st->u.control.all ? "ALL" : st->u.control.query_id) < 0)
        return nomem(err);
    if ((rc = distribute(x, cid, &seq, err)) == 0) {
        /* Running queries arrive with the streaming runtime; for now the
         * catalog's query list is all there is to change. */
        if (st->kind == EDDY_STMT_TERMINATE) {
            if (st->u.control.all) {
                int n;
                eddy_query_info *const *q = eddy_catalog_queries(x->catalog, &n);
                while (n > 0) {
                    terminate_query(x, q[0]->id);
                    q = eddy_catalog_queries(x->catalog, &n);
                }
            } else {
                eddy_query_info *q = eddy_catalog_find_query(x->catalog, st->u.control.query_id);
                terminate_query(x, q ? q->id : st->u.control.query_id);
            }
        } else if (!x->dry_run && x->engine->runtime) {
            bool pause = st->kind == EDDY_STMT_PAUSE;
            int n;
            eddy_query_info *const *q = eddy_catalog_queries(x->catalog, &n);
            for (int i = 0; i < n; i++) {
                if (!st->u.control.all && strcasecmp(q[i]->id, st->u.control.query_id) != 0) continue;
                q[i]->state = pause ? EDDY_QUERY_PAUSED : EDDY_QUERY_RUNNING;
                eddy_runtime_pause(x->engine->runtime, q[i]->id, pause);
            }
        }
        snprintf(msg, sizeof msg, "Query %s.",
                 st->kind == EDDY_STMT_TERMINATE ? "terminated" : st->kind == EDDY_STMT_PAUSE ? "paused" : "resumed");
        if (x->dry_run) {
            free(cid);
            return 0;
        }
        *entity = status_entity(x, cid, msg, NULL, seq);
    }
    free(cid);
    return rc;
}

static int exec_explain(eddy_exec *x, json_t **entity, eddy_err *err) {
    const char *id = x->stmt->u.explain.query_id;
    (void)entity;
    if (id && !eddy_catalog_find_query(x->catalog, id))
        return eddy_err_set(err, EDDY_NOTFOUND,
                            "Query with id:%s does not exist, use SHOW QUERIES to view the full set of running queries.",
                            id);
    return unsupported(x, err, "EXPLAIN", "query plans come with the streaming runtime");
}

/* ---- ASSERT ------------------------------------------------------------- */

static int exec_assert_topic(eddy_exec *x, json_t **entity, eddy_err *err) {
    const eddy_stmt *st = x->stmt;
    const char *name = st->u.assert_.name;
    bool exists = eddy_log_topic_exists(x->engine->log, name);
    if (exists == st->u.assert_.not_exists)
        return eddy_err_set(err, EDDY_ANALYSIS, "Topic %s %s", name, exists ? "exists" : "does not exist");
    json_t *e = eddy_entity_new("assert_topic", x->text);
    json_object_set_new(e, "topicName", json_string(name));
    json_object_set_new(e, "exists", json_boolean(exists));
    *entity = eddy_entity_finish(e);
    return 0;
}

static int exec_assert_stream(eddy_exec *x, json_t **entity, eddy_err *err) {
    const eddy_stmt *st = x->stmt;
    const eddy_source *s = eddy_catalog_find_source(x->catalog, st->u.assert_.name);
    bool exists = s && s->kind == st->u.assert_.source_kind;
    const char *kind = eddy_source_kind_name(st->u.assert_.source_kind);
    if (exists == st->u.assert_.not_exists)
        return eddy_err_set(err, EDDY_ANALYSIS, "%s %s %s", kind, st->u.assert_.name,
                            exists ? "exists" : "does not exist");
    json_t *e = eddy_entity_new("assert_source", x->text);
    json_object_set_new(e, "sourceName", json_string(st->u.assert_.name));
    json_object_set_new(e, "exists", json_boolean(exists));
    *entity = eddy_entity_finish(e);
    return 0;
}

/* ---- statements for other endpoints or later releases -------------------- */

static int exec_query_endpoint(eddy_exec *x, json_t **entity, eddy_err *err) {
    (void)entity;
    x->error_code = EDDY_HTTP_ERR_QUERY_ENDPOINT;
    return eddy_err_set(err, EDDY_ANALYSIS,
                        "The following statement types should be issued to the websocket endpoint '/query':\n"
                        "\t* PRINT\n\t* SELECT");
}

/* ---- persistent queries: CREATE ... AS SELECT, INSERT INTO ... SELECT ----- */

void eddy_exec_plan_settings(const eddy_exec *x, eddy_plan_settings *s) {
    const char *wrap = eddy_exec_setting(x, "ksql.persistence.wrap.single.values");
    s->default_key_format = eddy_exec_setting(x, "ksql.persistence.default.format.key");
    s->default_wrap_single = !wrap || !*wrap ? -1 : strcasecmp(wrap, "true") == 0 ? 1 : 0;
    s->output_topic_prefix = eddy_exec_setting(x, "ksql.output.topic.name.prefix");
}

static int add_id(int *n, char ***v, const char *id) {
    char **nv = realloc(*v, (size_t)(*n + 1) * sizeof *nv);
    if (!nv) return EDDY_NOMEM;
    *v = nv;
    if (!(nv[*n] = strdup(id))) return EDDY_NOMEM;
    (*n)++;
    return 0;
}

static void remove_id(int *n, char **v, const char *id) {
    for (int i = 0; i < *n; i++) {
        if (strcmp(v[i], id) == 0) {
            free(v[i]);
            memmove(v + i, v + i + 1, (size_t)(*n - i - 1) * sizeof *v);
            (*n)--;
            return;
        }
    }
}

/* Makes the sink topic of a plan exist (created with the plan's partitions). */
static int ensure_sink_topic(eddy_exec *x, eddy_plan *p, eddy_err *err) {
    eddy_log_topic_config cfg;
    if (topic_describe(x, p->sink->topic, &cfg) == 0) {
        p->sink->partitions = cfg.partitions;
        return 0;
    }
    if (x->dry_run) {
        if (!x->sandbox_topics) x->sandbox_topics = json_object();
        json_object_set_new(x->sandbox_topics, p->sink->topic, json_integer(p->sink_partitions));
        return 0;
    }
    eddy_log_topic_config_init(&cfg);
    cfg.partitions = p->sink_partitions > 0 ? p->sink_partitions : 1;
    cfg.replicas = (int16_t)(p->sink_replicas > 0 ? p->sink_replicas : 1);
    /* A table's topic keeps the latest value per key (ksqlDB creates it compacted). */
    if (p->sink->kind == EDDY_SOURCE_TABLE) cfg.cleanup = EDDY_LOG_CLEANUP_COMPACT;
    int rc = eddy_log_topic_create(x->engine->log, p->sink->topic, &cfg, err);
    return rc == EDDY_EXISTS ? 0 : rc;
}

/* Registers the query in the catalog and starts it.  Takes p. */
static int run_persistent(eddy_exec *x, eddy_plan *p, const char *id, eddy_err *err) {
    eddy_catalog *cat = x->catalog;
    eddy_query_info *qi = calloc(1, sizeof *qi);
    int rc;
    if (!qi) {
        eddy_plan_destroy(p);
        return nomem(err);
    }
    qi->id = strdup(id);
    qi->sql = strdup(x->text);
    qi->sink = strdup(p->sink->name);
    qi->sink_topic = strdup(p->sink->topic);
    if (!qi->id || !qi->sql || !qi->sink || !qi->sink_topic || add_id(&qi->nsources, &qi->sources, p->source->name)) {
        eddy_query_info_free(qi);
        eddy_plan_destroy(p);
        return nomem(err);
    }
    eddy_source *src = eddy_catalog_find_source(cat, p->source->name);
    if (src && p->kind != EDDY_PLAN_MATERIALIZE && add_id(&src->nread_queries, &src->read_queries, id)) goto nomem;
    if (p->kind == EDDY_PLAN_CSAS) {
        eddy_source *sink = eddy_source_copy(p->sink);
        if (!sink || add_id(&sink->nwrite_queries, &sink->write_queries, id)) {
            eddy_source_free(sink);
            goto nomem;
        }
        if ((rc = eddy_catalog_add_source(cat, sink, false))) {
            eddy_query_info_free(qi);
            eddy_plan_destroy(p);
            return eddy_err_set(err, rc, "%s", eddy_strerror(rc));
        }
    } else {
        eddy_source *sink = eddy_catalog_find_source(cat, p->sink->name);
        if (sink && add_id(&sink->nwrite_queries, &sink->write_queries, id)) goto nomem;
    }
    if ((rc = eddy_catalog_add_query(cat, qi))) {
        eddy_plan_destroy(p);
        return eddy_err_set(err, rc, "%s", eddy_strerror(rc));
    }
    if (x->dry_run) {
        eddy_plan_destroy(p);
        return 0;
    }
    /* Start it: from the committed positions, else from the earliest or
     * latest record as auto.offset.reset says (ksqlDB's default: latest). */
    char group[512];
    snprintf(group, sizeof group, "_confluent-ksql-%squery_%s", x->engine->service_id, id);
    const char *reset = eddy_exec_setting(x, "ksql.streams.auto.offset.reset");
    eddy_qrun_opts o = {0};
    o.query_id = id;
    o.group_id = group;
    o.from_earliest = p->kind == EDDY_PLAN_MATERIALIZE || (reset && strcasecmp(reset, "earliest") == 0);
    const char *fail = eddy_exec_setting(x, "ksql.fail.on.deserialization.error");
    o.fail_on_error = fail && strcasecmp(fail, "true") == 0;
    o.on_error = eddy_engine_processing_log;
    o.error_ud = x->engine;
    eddy_engine_state_opts(x->engine, x->props, &o);
    /* Kafka: the group divides the partitions between the servers. */
    o.use_groups = x->engine->runtime && eddy_log_has_groups(x->engine->log);
    const char *guarantee = eddy_exec_setting(x, "ksql.streams.processing.guarantee");
    o.txn_flags = guarantee && strncasecmp(guarantee, "exactly_once", 12) == 0 ? 0 : EDDY_LOG_TXN_AT_LEAST_ONCE;
    const char *replicas = eddy_exec_setting(x, "ksql.streams.replication.factor");
    o.internal_replicas = replicas ? atoi(replicas) : 1;
    eddy_qrun *q;
    if ((rc = eddy_qrun_new(x->engine->log, p, &o, &q, err))) return rc;
    return eddy_engine_start_query(x->engine, q, err);
nomem:
    eddy_query_info_free(qi);
    eddy_plan_destroy(p);
    return nomem(err);
}

/* The sequence number this command gets (for query ids). */
static int64_t command_seq(eddy_exec *x) {
    return x->replay ? x->replay_seq : eddy_command_log_next_seq(x->engine->cmdlog);
}

static int exec_csas(eddy_exec *x, json_t **entity, eddy_err *err) {
    const eddy_stmt *st = x->stmt;
    eddy_plan_settings set;
    eddy_plan *p = NULL;
    char id[512], *cid = NULL, msg[600];
    int64_t seq;
    int rc;
    const eddy_source *old = eddy_catalog_find_source(x->catalog, st->u.create.name);
    if (old) {
        if (st->u.create.if_not_exists) {
            snprintf(msg, sizeof msg, "Cannot add %s `%s`: A %s with the same name already exists.",
                     kind_lower(st->u.create.source_kind), st->u.create.name, kind_lower(old->kind));
            *entity = warning_entity(x, msg);
            return 0;
        }
        if (st->u.create.or_replace)
            return unsupported(x, err, "CREATE OR REPLACE of a query", "terminate the query and drop the sink first");
        return eddy_err_set(err, EDDY_EXISTS, "Cannot add %s '%s': A %s with the same name already exists",
                            kind_lower(st->u.create.source_kind), st->u.create.name, kind_lower(old->kind));
    }
    eddy_exec_plan_settings(x, &set);
    if ((rc = eddy_plan_query(x->catalog, st, &set, &p, err))) return rc;
    if ((rc = ensure_sink_topic(x, p, err))) goto fail;
    if ((rc = avro_sink_formats(&st->u.create.props, p->sink, err)) || /* AVRO */
        (rc = avro_register(x, p->sink, true, err)))
        goto fail;
    snprintf(id, sizeof id, "%s_%s_%lld", p->sink->kind == EDDY_SOURCE_TABLE ? "CTAS" : "CSAS", p->sink->name,
             (long long)command_seq(x));
    if (asprintf(&cid, "%s/`%s`/create", kind_lower(p->sink->kind), p->sink->name) < 0) {
        cid = NULL;
        rc = nomem(err);
        goto fail;
    }
    if ((rc = distribute(x, cid, &seq, err))) goto fail;
    rc = run_persistent(x, p, id, err);
    p = NULL;
    if (rc) goto fail;
    snprintf(msg, sizeof msg, "Created query with ID %s", id);
    *entity = status_entity(x, cid, msg, id, seq);
fail:
    eddy_plan_destroy(p);
    free(cid);
    return rc;
}

static int exec_insert_select(eddy_exec *x, json_t **entity, eddy_err *err) {
    const eddy_stmt *st = x->stmt;
    eddy_plan_settings set;
    eddy_plan *p = NULL;
    char id[256], *cid = NULL, msg[400];
    int64_t seq;
    int rc;
    eddy_exec_plan_settings(x, &set);
    if ((rc = eddy_plan_query(x->catalog, st, &set, &p, err))) return rc;
    snprintf(id, sizeof id, "INSERTQUERY_%lld", (long long)command_seq(x));
    if (asprintf(&cid, "stream/`%s`/create", p->sink->name) < 0) {
        cid = NULL;
        rc = nomem(err);
        goto fail;
    }
    if ((rc = distribute(x, cid, &seq, err))) goto fail;
    rc = run_persistent(x, p, id, err);
    p = NULL;
    if (rc) goto fail;
    snprintf(msg, sizeof msg, "Created query with ID %s", id);
    *entity = status_entity(x, cid, msg, id, seq);
fail:
    eddy_plan_destroy(p);
    free(cid);
    return rc;
}

/* Removes a query from the catalog (and the sources' lists) and stops it. */
static void terminate_query(eddy_exec *x, const char *id) {
    int n;
    eddy_source *const *v = eddy_catalog_sources(x->catalog, &n);
    for (int i = 0; i < n; i++) {
        remove_id(&v[i]->nread_queries, v[i]->read_queries, id);
        remove_id(&v[i]->nwrite_queries, v[i]->write_queries, id);
    }
    char *copy = strdup(id);
    if (!copy) return;
    eddy_catalog_drop_query(x->catalog, copy);
    if (!x->dry_run) eddy_engine_stop_query(x->engine, copy);
    free(copy);
}

static int exec_run_script(eddy_exec *x, json_t **entity, eddy_err *err) {
    (void)entity;
    return unsupported(x, err, "RUN SCRIPT over the REST API",
                       "send the script's statements in the request instead (the shell will run scripts)");
}

static int exec_assert_schema(eddy_exec *x, json_t **entity, eddy_err *err) {
    (void)entity;
    return unsupported(x, err, "ASSERT SCHEMA", "the schema registry comes with Avro support");
}

static int exec_connector(eddy_exec *x, json_t **entity, eddy_err *err) {
    (void)entity;
    return unsupported(x, err, "Connectors", "they come with a later release");
}

static int exec_alter_system(eddy_exec *x, json_t **entity, eddy_err *err) {
    (void)entity;
    return unsupported(x, err, "ALTER SYSTEM", "set server properties in the configuration file or with -D");
}

/* One row per statement kind. */
static const struct {
    eddy_stmt_kind kind;
    stmt_handler fn;
} handlers[] = {
    {EDDY_STMT_CREATE_SOURCE, exec_create_source},
    {EDDY_STMT_CREATE_AS_SELECT, exec_csas},
    {EDDY_STMT_INSERT_SELECT, exec_insert_select},
    {EDDY_STMT_INSERT_VALUES, eddy_exec_insert_values},
    {EDDY_STMT_QUERY, exec_query_endpoint},
    {EDDY_STMT_SHOW, exec_show},
    {EDDY_STMT_DESCRIBE, exec_describe},
    {EDDY_STMT_DESCRIBE_STREAMS, exec_describe_streams},
    {EDDY_STMT_DESCRIBE_FUNCTION, exec_describe_function},
    {EDDY_STMT_DESCRIBE_CONNECTOR, exec_connector},
    {EDDY_STMT_DROP_SOURCE, exec_drop_source},
    {EDDY_STMT_CREATE_TYPE, exec_create_type},
    {EDDY_STMT_DROP_TYPE, exec_drop_type},
    {EDDY_STMT_SET, exec_set},
    {EDDY_STMT_UNSET, exec_unset},
    {EDDY_STMT_ALTER_SYSTEM, exec_alter_system},
    {EDDY_STMT_DEFINE, exec_define},
    {EDDY_STMT_UNDEFINE, exec_undefine},
    {EDDY_STMT_TERMINATE, exec_query_control},
    {EDDY_STMT_PAUSE, exec_query_control},
    {EDDY_STMT_RESUME, exec_query_control},
    {EDDY_STMT_EXPLAIN, exec_explain},
    {EDDY_STMT_PRINT, exec_query_endpoint},
    {EDDY_STMT_RUN_SCRIPT, exec_run_script},
    {EDDY_STMT_ASSERT_TOPIC, exec_assert_topic},
    {EDDY_STMT_ASSERT_SCHEMA, exec_assert_schema},
    {EDDY_STMT_ASSERT_STREAM, exec_assert_stream},
    {EDDY_STMT_CREATE_CONNECTOR, exec_connector},
    {EDDY_STMT_DROP_CONNECTOR, exec_connector},
    {EDDY_STMT_ALTER_SOURCE, exec_alter_source},
};

int eddy_exec_statement(eddy_exec *x, json_t **entity, eddy_err *err) {
    *entity = NULL;
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
        if (handlers[i].kind == x->stmt->kind) return handlers[i].fn(x, entity, err);
    return eddy_err_set(err, EDDY_INTERNAL, "no handler for statement kind %d", (int)x->stmt->kind);
}
