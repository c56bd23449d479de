/* serde_avro_schema.c - Avro schemas: parsing their JSON, the schemas ksqlDB writes for SQL columns, and schema inference.
 *
 * Parsing follows Avro's specification: primitive names, records (and
 * "error"), enums, arrays, maps, unions, fixed; names resolved against the
 * enclosing namespace; logical types on the types that may carry them (others
 * are ignored, as the specification asks).  The schema generator follows
 * ksqlDB's AvroSchemas and Kafka Connect's AvroData (see serde_avro.h).
 * Also here: the binary helpers every Avro file shares (blocks, skipping,
 * decimals, the wire header).
 */
#include "schemas/serde_avro_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* ---- parsing ------------------------------------------------------------------- */

typedef struct parse_ctx {
    eddy_avro_schema *s;
    eddy_err *err;
    int nnamed, cap;
    av_node **named;     /* named types defined so far */
} parse_ctx;

static const struct {
    const char *name;
    av_type type;
} primitives[] = {
    {"null", AV_NULL},   {"boolean", AV_BOOLEAN}, {"int", AV_INT},       {"long", AV_LONG},
    {"float", AV_FLOAT}, {"double", AV_DOUBLE},   {"bytes", AV_BYTES},   {"string", AV_STRING},
};

/* Every type's name, by av_type. */
static const char *const type_names[] = {"null",   "boolean", "int",    "long",  "float", "double", "bytes",
                                         "string", "record",  "enum",   "array", "map",   "union",  "fixed"};

static int primitive_type(const char *name) {
    for (size_t i = 0; i < sizeof primitives / sizeof primitives[0]; i++)
        if (strcmp(primitives[i].name, name) == 0) return (int)primitives[i].type;
    return -1;
}

static bool valid_name(const char *s) {
    if (!s || !(isalpha((unsigned char)*s) || *s == '_')) return false;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_')) return false;
    return true;
}

/* A full name: dotted parts, each a valid name. */
static bool valid_fullname(const char *s) {
    char buf[512];
    if (!s || strlen(s) >= sizeof buf) return false;
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    int parts = 0;
    if (buf[0] == '.' || (buf[0] && buf[strlen(buf) - 1] == '.')) return false;
    for (char *p = strtok_r(buf, ".", &save); p; p = strtok_r(NULL, ".", &save), parts++)
        if (!valid_name(p)) return false;
    return parts > 0;
}

static av_node *new_node(parse_ctx *c, av_type t) {
    av_node *n = eddy_arena_alloc(c->s->mem, sizeof *n);
    if (!n) {
        eddy_err_set(c->err, EDDY_NOMEM, "out of memory");
        return NULL;
    }
    n->type = t;
    n->null_branch = -1;
    n->min_size = -1;
    return n;
}

static void *fail(parse_ctx *c, const char *fmt, const char *arg) {
    eddy_err_set(c->err, EDDY_INVAL, fmt, arg ? arg : "");
    return NULL;
}

/* namespace.name of a name as written, in the enclosing namespace ns. */
static const char *full_name(parse_ctx *c, const char *name, const char *ns) {
    if (strchr(name, '.') || !ns || !*ns) return eddy_arena_strdup(c->s->mem, name);
    size_t n = strlen(ns) + strlen(name) + 2;
    char *f = eddy_arena_alloc(c->s->mem, n);
    if (f) snprintf(f, n, "%s.%s", ns, name);
    return f;
}

static av_node *find_named(parse_ctx *c, const char *fullname) {
    for (int i = 0; i < c->nnamed; i++)
        if (strcmp(c->named[i]->fullname, fullname) == 0) return c->named[i];
    return NULL;
}

static bool add_named(parse_ctx *c, av_node *n) {
    if (find_named(c, n->fullname)) {
        fail(c, "Can't redefine: %s", n->fullname);
        return false;
    }
    if (c->nnamed == c->cap) {
        int cap = c->cap ? c->cap * 2 : 8;
        av_node **v = realloc(c->named, (size_t)cap * sizeof *v);
        if (!v) {
            eddy_err_set(c->err, EDDY_NOMEM, "out of memory");
            return false;
        }
        c->named = v;
        c->cap = cap;
    }
    c->named[c->nnamed++] = n;
    return true;
}

static av_node *parse_node(parse_ctx *c, json_t *j, const char *ns, int depth);

/* The logical type of a primitive or fixed node, from its attributes. */
static void parse_logical(av_node *n, json_t *obj) {
    const char *lt = json_string_value(json_object_get(obj, "logicalType"));
    if (!lt) return;
    if (strcmp(lt, "decimal") == 0 && (n->type == AV_BYTES || n->type == AV_FIXED)) {
        json_t *p = json_object_get(obj, "precision"), *s = json_object_get(obj, "scale");
        int prec = json_is_integer(p) ? (int)json_integer_value(p) : 0;
        int scale = json_is_integer(s) ? (int)json_integer_value(s) : 0;
        if ((p && (!json_is_integer(p) || prec <= 0)) || scale < 0 || (prec > 0 && scale > prec)) return;
        n->logical = AV_L_DECIMAL;
        n->precision = prec;
        n->scale = scale;
    } else if (strcmp(lt, "date") == 0 && n->type == AV_INT) {
        n->logical = AV_L_DATE;
    } else if (strcmp(lt, "time-millis") == 0 && n->type == AV_INT) {
        n->logical = AV_L_TIME_MILLIS;
    } else if (strcmp(lt, "time-micros") == 0 && n->type == AV_LONG) {
        n->logical = AV_L_TIME_MICROS;
    } else if (strcmp(lt, "timestamp-millis") == 0 && n->type == AV_LONG) {
        n->logical = AV_L_TIMESTAMP_MILLIS;
    } else if (strcmp(lt, "timestamp-micros") == 0 && n->type == AV_LONG) {
        n->logical = AV_L_TIMESTAMP_MICROS;
    } else if (strcmp(lt, "uuid") == 0 && n->type == AV_STRING) {
        n->logical = AV_L_UUID;
    }
}

/* The name and namespace of a named type definition. */
static av_node *named_node(parse_ctx *c, av_type t, json_t *obj, const char *ns, const char **inner_ns) {
    const char *name = json_string_value(json_object_get(obj, "name"));
    json_t *jns = json_object_get(obj, "namespace");
    if (!name) return fail(c, "No name in schema: %s", json_string_value(json_object_get(obj, "type")));
    if (!valid_fullname(name)) return fail(c, "Illegal initial character: %s", name);
    if (json_is_string(jns) && !strchr(name, '.')) ns = json_string_value(jns);
    av_node *n = new_node(c, t);
    if (!n) return NULL;
    n->fullname = full_name(c, name, ns);
    if (!n->fullname) return fail(c, "out of memory%s", NULL);
    const char *dot = strrchr(n->fullname, '.');
    n->name = dot ? dot + 1 : n->fullname;
    if (inner_ns) {
        /* Names inside a record resolve in its namespace. */
        *inner_ns = dot ? eddy_arena_strndup(c->s->mem, n->fullname, (size_t)(dot - n->fullname)) : "";
    }
    if (!add_named(c, n)) return NULL;
    return n;
}

static av_node *parse_record(parse_ctx *c, json_t *obj, const char *ns, int depth) {
    const char *inner = ns;
    json_t *fields = json_object_get(obj, "fields");
    if (!json_is_array(fields)) return fail(c, "Record has no fields: %s", json_string_value(json_object_get(obj, "name")));
    av_node *n = named_node(c, AV_RECORD, obj, ns, &inner);
    if (!n) return NULL;
    n->n = (int)json_array_size(fields);
    n->fields = eddy_arena_alloc(c->s->mem, (size_t)n->n * sizeof *n->fields + 1);
    if (!n->fields) return fail(c, "out of memory%s", NULL);
    for (int i = 0; i < n->n; i++) {
        json_t *f = json_array_get(fields, (size_t)i);
        const char *fname = json_string_value(json_object_get(f, "name"));
        json_t *ft = json_object_get(f, "type");
        if (!fname) return fail(c, "No field name: %s", n->fullname);
        if (!valid_name(fname)) return fail(c, "Illegal initial character: %s", fname);
        for (int k = 0; k < i; k++)
            if (strcmp(n->fields[k].name, fname) == 0) return fail(c, "Duplicate field %s", fname);
        if (!ft) return fail(c, "No field type: %s", fname);
        n->fields[i].name = eddy_arena_strdup(c->s->mem, fname);
        if (!n->fields[i].name || !(n->fields[i].type = parse_node(c, ft, inner, depth + 1))) return NULL;
        n->fields[i].deflt = json_object_get(f, "default");
    }
    return n;
}

static av_node *parse_enum(parse_ctx *c, json_t *obj, const char *ns) {
    json_t *symbols = json_object_get(obj, "symbols");
    if (!json_is_array(symbols)) return fail(c, "Enum has no symbols: %s", json_string_value(json_object_get(obj, "name")));
    av_node *n = named_node(c, AV_ENUM, obj, ns, NULL);
    if (!n) return NULL;
    n->n = (int)json_array_size(symbols);
    n->symbols = eddy_arena_alloc(c->s->mem, (size_t)n->n * sizeof *n->symbols + 1);
    if (!n->symbols) return fail(c, "out of memory%s", NULL);
    for (int i = 0; i < n->n; i++) {
        const char *sym = json_string_value(json_array_get(symbols, (size_t)i));
        if (!valid_name(sym)) return fail(c, "Illegal enum symbol: %s", sym ? sym : "(not a string)");
        n->symbols[i] = eddy_arena_strdup(c->s->mem, sym);
        if (!n->symbols[i]) return fail(c, "out of memory%s", NULL);
    }
    return n;
}

static av_node *parse_union(parse_ctx *c, json_t *arr, const char *ns, int depth) {
    av_node *n = new_node(c, AV_UNION);
    if (!n) return NULL;
    n->n = (int)json_array_size(arr);
    n->branches = eddy_arena_alloc(c->s->mem, (size_t)n->n * sizeof *n->branches + 1);
    if (!n->branches) return fail(c, "out of memory%s", NULL);
    for (int i = 0; i < n->n; i++) {
        av_node *b = parse_node(c, json_array_get(arr, (size_t)i), ns, depth + 1);
        if (!b) return NULL;
        if (b->type == AV_UNION) return fail(c, "Nested union%s", "");
        for (int k = 0; k < i; k++) {
            av_node *o = n->branches[k];
            if (o->type == b->type && !o->fullname && !b->fullname)
                return fail(c, "Duplicate in union: %s", b->type == AV_NULL ? "null" : "an unnamed type");
            if (o->fullname && b->fullname && strcmp(o->fullname, b->fullname) == 0)
                return fail(c, "Duplicate in union: %s", b->fullname);
        }
        if (b->type == AV_NULL) n->null_branch = i;
        n->branches[i] = b;
    }
    return n;
}

static av_node *parse_node(parse_ctx *c, json_t *j, const char *ns, int depth) {
    if (depth > AV_MAX_DEPTH) return fail(c, "Schema nested too deeply%s", NULL);
    if (json_is_string(j)) {
        const char *name = json_string_value(j);
        int pt = primitive_type(name);
        if (pt >= 0) return new_node(c, (av_type)pt);
        const char *fn = full_name(c, name, ns);
        av_node *n = fn ? find_named(c, fn) : NULL;
        if (!n) n = find_named(c, name);
        if (!n) return fail(c, "Undefined name: \"%s\"", name);
        return n;
    }
    if (json_is_array(j)) return parse_union(c, j, ns, depth);
    if (!json_is_object(j)) return fail(c, "Not a schema: %s", json_is_null(j) ? "null" : "a number or boolean");
    json_t *jt = json_object_get(j, "type");
    if (!json_is_string(jt)) {
        if (json_is_object(jt) || json_is_array(jt)) return parse_node(c, jt, ns, depth + 1);
        return fail(c, "No type: %s", "");
    }
    const char *t = json_string_value(jt);
    int pt = primitive_type(t);
    if (pt >= 0) {
        av_node *n = new_node(c, (av_type)pt);
        if (n) parse_logical(n, j);
        return n;
    }
    if (strcmp(t, "record") == 0 || strcmp(t, "error") == 0) return parse_record(c, j, ns, depth);
    if (strcmp(t, "enum") == 0) return parse_enum(c, j, ns);
    if (strcmp(t, "array") == 0 || strcmp(t, "map") == 0) {
        bool array = t[0] == 'a';
        json_t *inner = json_object_get(j, array ? "items" : "values");
        if (!inner) return fail(c, array ? "Array has no items type%s" : "Map has no values type%s", NULL);
        av_node *n = new_node(c, array ? AV_ARRAY : AV_MAP);
        if (!n || !(n->items = parse_node(c, inner, ns, depth + 1))) return NULL;
        return n;
    }
    if (strcmp(t, "fixed") == 0) {
        json_t *size = json_object_get(j, "size");
        if (!json_is_integer(size) || json_integer_value(size) < 0 || json_integer_value(size) > INT32_MAX)
            return fail(c, "Invalid fixed size: %s", json_string_value(json_object_get(j, "name")));
        av_node *n = named_node(c, AV_FIXED, j, ns, NULL);
        if (!n) return NULL;
        n->size = json_integer_value(size);
        parse_logical(n, j);
        return n;
    }
    /* A named type used as {"type": "Name"}. */
    const char *fn = full_name(c, t, ns);
    av_node *n = fn ? find_named(c, fn) : NULL;
    if (!n) n = find_named(c, t);
    if (!n) return fail(c, "Undefined name: \"%s\"", t);
    return n;
}

/* Connect's maps with optional keys: arrays of records {key, value} marked
 * connect.internal.type MapEntry (also recognised by shape and name). */
static void mark_map_entries(av_node *n, json_t *j, int depth) {
    if (!n || depth > AV_MAX_DEPTH) return;
    if (json_is_array(j) && n->type == AV_UNION) {
        for (int i = 0; i < n->n && (size_t)i < json_array_size(j); i++)
            mark_map_entries(n->branches[i], json_array_get(j, (size_t)i), depth + 1);
        return;
    }
    if (!json_is_object(j)) return;
    json_t *jt = json_object_get(j, "type");
    if (json_is_object(jt) || json_is_array(jt)) {
        mark_map_entries(n, jt, depth + 1);
        return;
    }
    if (n->type == AV_RECORD) {
        json_t *fields = json_object_get(j, "fields");
        for (int i = 0; i < n->n; i++)
            mark_map_entries(n->fields[i].type, json_object_get(json_array_get(fields, (size_t)i), "type"), depth + 1);
    } else if (n->type == AV_ARRAY || n->type == AV_MAP) {
        json_t *items = json_object_get(j, n->type == AV_ARRAY ? "items" : "values");
        mark_map_entries(n->items, items, depth + 1);
        const av_node *e = n->items;
        if (n->type == AV_ARRAY && e->type == AV_RECORD && e->n == 2 && strcmp(e->fields[0].name, "key") == 0 &&
            strcmp(e->fields[1].name, "value") == 0) {
            json_t *it = json_is_object(items) ? json_object_get(items, "connect.internal.type") : NULL;
            if ((json_is_string(it) && strcmp(json_string_value(it), "MapEntry") == 0) ||
                strcmp(e->fullname, "io.confluent.connect.avro.MapEntry") == 0)
                n->map_entries = true;
        }
    }
}

/* Fewest bytes a value of n takes (cycles count as 0). */
static int min_size(av_node *n, int depth) {
    if (n->min_size >= 0) return n->min_size;
    if (n->min_size == -2 || depth > AV_MAX_DEPTH) return 0;
    int m = 0;
    n->min_size = -2;
    switch (n->type) {
    case AV_NULL: m = 0; break;
    case AV_FLOAT: m = 4; break;
    case AV_DOUBLE: m = 8; break;
    case AV_FIXED: m = n->size > 1 << 20 ? 1 << 20 : (int)n->size; break;
    case AV_RECORD:
        for (int i = 0; i < n->n; i++) {
            m += min_size(n->fields[i].type, depth + 1);
            if (m > 1 << 20) m = 1 << 20;
        }
        break;
    case AV_UNION:
        m = 1;
        for (int i = 0; i < n->n; i++) min_size(n->branches[i], depth + 1);
        break;
    case AV_ARRAY:
    case AV_MAP:
        min_size(n->items, depth + 1);
        m = 1;
        break;
    default: m = 1; break;
    }
    n->min_size = m;
    return m;
}

int eddy_avro_schema_parse(const char *text, size_t len, eddy_avro_schema **out, eddy_err *err) {
    json_error_t jerr;
    parse_ctx c = {0};
    int rc;
    *out = NULL;
    eddy_avro_schema *s = calloc(1, sizeof *s);
    if (!s) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    s->mem = eddy_arena_new();
    if (!s->mem) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    s->doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!s->doc) {
        rc = eddy_err_set(err, EDDY_INVAL, "Invalid schema: %s", jerr.text);
        goto fail;
    }
    eddy_err e;
    eddy_err_clear(&e);
    c.s = s;
    c.err = &e;
    s->root = parse_node(&c, s->doc, "", 0);
    free(c.named);
    if (!s->root) {
        rc = eddy_err_set(err, e.code ? e.code : EDDY_INVAL, "%s", e.msg);
        goto fail;
    }
    mark_map_entries(s->root, s->doc, 0);
    min_size(s->root, 0);
    s->text = json_dumps(s->doc, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s->text) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    *out = s;
    return 0;
fail:
    eddy_avro_schema_destroy(s);
    return rc;
}

void eddy_avro_schema_destroy(eddy_avro_schema *s) {
    if (!s) return;
    json_decref(s->doc);
    free(s->text);
    eddy_arena_destroy(s->mem);
    free(s);
}

const char *eddy_avro_schema_text(const eddy_avro_schema *s) { return s->text; }

bool eddy_avro_schema_is_record(const eddy_avro_schema *s) { return s->root->type == AV_RECORD; }

/* ---- ksqlDB's schemas for columns ------------------------------------------------ */

typedef struct gen_ctx {
    eddy_err *err;
    int rc;
} gen_ctx;

/* Splits a full name into its namespace (NULL when none) and name. */
static void split_name(const char *full, char *ns, size_t nsz, const char **name) {
    const char *dot = strrchr(full, '.');
    ns[0] = '\0';
    *name = full;
    if (dot) {
        size_t n = (size_t)(dot - full) < nsz - 1 ? (size_t)(dot - full) : nsz - 1;
        memcpy(ns, full, n);
        ns[n] = '\0';
        *name = dot + 1;
    }
}

static json_t *gen_type(gen_ctx *g, const eddy_type *t, const char *ctx, const char *enclosing_ns, bool optional,
                        int depth);

/* A named record: its namespace written only when it differs from the
 * enclosing one (as Avro prints schemas). */
static json_t *gen_record_head(const char *full, const char *enclosing_ns) {
    char ns[512];
    const char *name;
    split_name(full, ns, sizeof ns, &name);
    json_t *r = json_object();
    json_object_set_new(r, "type", json_string("record"));
    json_object_set_new(r, "name", json_string(name));
    if (ns[0] && (!enclosing_ns || strcmp(ns, enclosing_ns) != 0)) json_object_set_new(r, "namespace", json_string(ns));
    return r;
}

static json_t *optional_field(gen_ctx *g, const char *name, const eddy_type *t, const char *ctx, const char *ns,
                              int depth) {
    json_t *f = json_object();
    json_object_set_new(f, "name", json_string(name));
    json_object_set_new(f, "type", gen_type(g, t, ctx, ns, true, depth + 1));
    json_object_set_new(f, "default", json_null());
    return f;
}

static char *ctx_with(const char *ctx, const char *name) {
    char *s = NULL;
    if (asprintf(&s, "%s_%s", ctx, name) < 0) return NULL;
    return s;
}

static json_t *logical(const char *base, const char *connect_name, const char *lt) {
    return json_pack("{s:s, s:i, s:s, s:s}", "type", base, "connect.version", 1, "connect.name", connect_name,
                     "logicalType", lt);
}

static json_t *gen_type(gen_ctx *g, const eddy_type *t, const char *ctx, const char *ns, bool optional, int depth) {
    json_t *j = NULL;
    char nsbuf[512];
    const char *name;
    if (depth > AV_MAX_DEPTH) {
        g->rc = eddy_err_set(g->err, EDDY_ANALYSIS, "Type nested too deeply for Avro");
        return json_null();
    }
    switch (t->ty_kind) {
    case EDDY_TYPE_BOOLEAN: j = json_string("boolean"); break;
    case EDDY_TYPE_INT: j = json_string("int"); break;
    case EDDY_TYPE_BIGINT: j = json_string("long"); break;
    case EDDY_TYPE_DOUBLE: j = json_string("double"); break;
    case EDDY_TYPE_STRING: j = json_string("string"); break;
    case EDDY_TYPE_BYTES: j = json_string("bytes"); break;
    case EDDY_TYPE_DATE: j = logical("int", "org.apache.kafka.connect.data.Date", "date"); break;
    case EDDY_TYPE_TIME: j = logical("int", "org.apache.kafka.connect.data.Time", "time-millis"); break;
    case EDDY_TYPE_TIMESTAMP: j = logical("long", "org.apache.kafka.connect.data.Timestamp", "timestamp-millis"); break;
    case EDDY_TYPE_DECIMAL: {
        char sc[16], pr[16];
        snprintf(sc, sizeof sc, "%d", t->ty_scale);
        snprintf(pr, sizeof pr, "%d", t->ty_precision);
        j = json_pack("{s:s, s:i, s:i, s:i, s:{s:s, s:s}, s:s, s:s}", "type", "bytes", "scale", t->ty_scale, "precision",
                      t->ty_precision, "connect.version", 1, "connect.parameters", "scale", sc,
                      "connect.decimal.precision", pr, "connect.name", "org.apache.kafka.connect.data.Decimal",
                      "logicalType", "decimal");
        break;
    }
    case EDDY_TYPE_ARRAY:
        j = json_object();
        json_object_set_new(j, "type", json_string("array"));
        json_object_set_new(j, "items", gen_type(g, t->ty_elem, ctx, ns, true, depth + 1));
        break;
    case EDDY_TYPE_MAP: {
        if (t->ty_key->ty_kind != EDDY_TYPE_STRING) {
            g->rc = eddy_err_set(g->err, EDDY_ANALYSIS, "Avro only supports MAPs with STRING keys");
            return json_null();
        }
        char *kctx = ctx_with(ctx, "MapKey"), *vctx = ctx_with(ctx, "MapValue");
        json_t *entry = gen_record_head(ctx, ns);
        split_name(ctx, nsbuf, sizeof nsbuf, &name);
        json_t *fields = json_array();
        json_array_append_new(fields, optional_field(g, "key", t->ty_key, kctx ? kctx : ctx, nsbuf, depth));
        json_array_append_new(fields, optional_field(g, "value", t->ty_elem, vctx ? vctx : ctx, nsbuf, depth));
        json_object_set_new(entry, "fields", fields);
        json_object_set_new(entry, "connect.internal.type", json_string("MapEntry"));
        json_object_set_new(entry, "connect.name", json_string(ctx));
        j = json_object();
        json_object_set_new(j, "type", json_string("array"));
        json_object_set_new(j, "items", entry);
        free(kctx);
        free(vctx);
        break;
    }
    case EDDY_TYPE_STRUCT: {
        j = gen_record_head(ctx, ns);
        split_name(ctx, nsbuf, sizeof nsbuf, &name);
        json_t *fields = json_array();
        for (int i = 0; i < t->ty_nfields; i++) {
            char *fctx = ctx_with(ctx, t->ty_fields[i].name);
            json_array_append_new(fields,
                                  optional_field(g, t->ty_fields[i].name, t->ty_fields[i].type, fctx ? fctx : ctx, nsbuf,
                                                 depth));
            free(fctx);
        }
        json_object_set_new(j, "fields", fields);
        json_object_set_new(j, "connect.name", json_string(ctx));
        break;
    }
    default:
        g->rc = eddy_err_set(g->err, EDDY_ANALYSIS, "Type %s has no Avro equivalent", eddy_type_kind_name(t->ty_kind));
        return json_null();
    }
    if (!j) return json_null();
    if (!optional) return j;
    return json_pack("[s, o]", "null", j);
}

int eddy_avro_schema_of_columns(const eddy_column *cols, int ncols, bool unwrapped, const char *full_name,
                                eddy_strbuf *out, eddy_err *err) {
    gen_ctx g = {err, 0};
    const char *root = full_name && *full_name ? full_name : EDDY_AVRO_DEFAULT_NAME;
    json_t *j;
    if (unwrapped) {
        if (ncols != 1) return eddy_err_set(err, EDDY_INVAL, "An unwrapped Avro schema needs one column, got %d", ncols);
        j = gen_type(&g, cols[0].type, root, NULL, false, 0);
    } else {
        char nsbuf[512];
        const char *name;
        j = gen_record_head(root, NULL);
        split_name(root, nsbuf, sizeof nsbuf, &name);
        json_t *fields = json_array();
        for (int i = 0; i < ncols; i++) {
            char *fctx = ctx_with(root, cols[i].name);
            json_array_append_new(fields, optional_field(&g, cols[i].name, cols[i].type, fctx ? fctx : root, nsbuf, 0));
            free(fctx);
        }
        json_object_set_new(j, "fields", fields);
        json_object_set_new(j, "connect.name", json_string(root));
    }
    if (g.rc) {
        json_decref(j);
        return g.rc;
    }
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    if (!text) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    eddy_strbuf_puts(out, text);
    free(text);
    return out->failed ? eddy_err_set(err, EDDY_NOMEM, "out of memory") : 0;
}

char *eddy_avro_key_schema_name(const char *source_name) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    bool start = true;
    eddy_strbuf_puts(&sb, EDDY_AVRO_NAMESPACE ".");
    for (const char *p = source_name ? source_name : ""; *p; p++) {
        if (*p == '_') {
            start = true;
            continue;
        }
        eddy_strbuf_putc(&sb, (char)(start ? toupper((unsigned char)*p) : tolower((unsigned char)*p)));
        start = false;
    }
    eddy_strbuf_puts(&sb, "Key");
    return eddy_strbuf_detach(&sb);
}

/* ---- inference ------------------------------------------------------------------ */

static char *infer_name(const char *name, bool keep) {
    char *s = strdup(name);
    if (s && !keep)
        for (char *p = s; *p; p++) *p = (char)toupper((unsigned char)*p);
    return s;
}

static eddy_type *infer_type(const av_node *n, bool keep, int depth, eddy_err *err);

static eddy_type *infer_struct(const av_node *n, bool keep, int depth, eddy_err *err) {
    int cnt = 0;
    const char **names = calloc((size_t)n->n + 1, sizeof *names);
    eddy_type **types = calloc((size_t)n->n + 1, sizeof *types);
    eddy_type *t = NULL;
    if (!names || !types) goto done;
    for (int i = 0; i < n->n; i++) {
        const av_node *ft;
        const char *fname;
        if (n->type == AV_RECORD) {
            ft = n->fields[i].type;
            fname = n->fields[i].name;
        } else {
            /* A union's branches: fields named after their types, as Connect does. */
            ft = n->branches[i];
            if (ft->type == AV_NULL) continue;
            fname = ft->name ? ft->name : type_names[ft->type];
        }
        names[cnt] = infer_name(fname, keep);
        types[cnt] = infer_type(ft, keep, depth + 1, err);
        if (!names[cnt] || !types[cnt]) {
            free((char *)names[cnt]);
            eddy_type_unref(types[cnt]);
            goto done;
        }
        cnt++;
    }
    t = eddy_type_struct(cnt, names, types);
    for (int i = 0; i < cnt; i++) types[i] = NULL;
done:
    for (int i = 0; i < cnt; i++) {
        free((char *)names[i]);
        eddy_type_unref(types[i]);
    }
    free(names);
    free(types);
    if (!t && !err->code) eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return t;
}

static eddy_type *infer_type(const av_node *n, bool keep, int depth, eddy_err *err) {
    if (depth > AV_MAX_DEPTH) {
        eddy_err_set(err, EDDY_ANALYSIS, "Schema nested too deeply to infer columns from");
        return NULL;
    }
    const av_node *opt = av_optional_of(n);
    if (opt) return infer_type(opt, keep, depth + 1, err);
    switch (n->type) {
    case AV_BOOLEAN: return eddy_type_primitive(EDDY_TYPE_BOOLEAN);
    case AV_INT:
        if (n->logical == AV_L_DATE) return eddy_type_primitive(EDDY_TYPE_DATE);
        if (n->logical == AV_L_TIME_MILLIS) return eddy_type_primitive(EDDY_TYPE_TIME);
        return eddy_type_primitive(EDDY_TYPE_INT);
    case AV_LONG:
        if (n->logical == AV_L_TIMESTAMP_MILLIS) return eddy_type_primitive(EDDY_TYPE_TIMESTAMP);
        return eddy_type_primitive(EDDY_TYPE_BIGINT);
    case AV_FLOAT:
    case AV_DOUBLE: return eddy_type_primitive(EDDY_TYPE_DOUBLE);
    case AV_STRING:
    case AV_ENUM: return eddy_type_primitive(EDDY_TYPE_STRING);
    case AV_BYTES:
    case AV_FIXED:
        if (n->logical == AV_L_DECIMAL) return eddy_type_decimal(n->precision > 0 ? n->precision : 64, n->scale);
        return eddy_type_primitive(EDDY_TYPE_BYTES);
    case AV_ARRAY:
        if (n->map_entries) {
            eddy_type *k = infer_type(n->items->fields[0].type, keep, depth + 1, err);
            eddy_type *v = k ? infer_type(n->items->fields[1].type, keep, depth + 1, err) : NULL;
            if (!v) {
                eddy_type_unref(k);
                return NULL;
            }
            return eddy_type_map(k, v);
        } else {
            eddy_type *e = infer_type(n->items, keep, depth + 1, err);
            return e ? eddy_type_array(e) : NULL;
        }
    case AV_MAP: {
        eddy_type *v = infer_type(n->items, keep, depth + 1, err);
        return v ? eddy_type_map(eddy_type_primitive(EDDY_TYPE_STRING), v) : NULL;
    }
    case AV_RECORD:
    case AV_UNION: return infer_struct(n, keep, depth, err);
    default:
        eddy_err_set(err, EDDY_ANALYSIS, "Avro type '%s' has no SQL equivalent", type_names[n->type]);
        return NULL;
    }
}

/* The inference itself; e is a cleared error the caller owns (infer_type
 * reads e->code to tell out-of-memory from a refusal). */
static int infer_columns(const eddy_avro_schema *s, eddy_col_ns ns, bool unwrapped, bool keep_names,
                         eddy_schema *out, eddy_err *err);

int eddy_avro_infer_columns(const eddy_avro_schema *s, eddy_col_ns ns, bool unwrapped, bool keep_names,
                            eddy_schema *out, eddy_err *err) {
    eddy_err e;
    eddy_err_clear(&e);
    int rc = infer_columns(s, ns, unwrapped, keep_names, out, &e);
    return rc ? eddy_err_set(err, rc, "%s", e.msg) : 0;
}

static int infer_columns(const eddy_avro_schema *s, eddy_col_ns ns, bool unwrapped, bool keep_names,
                         eddy_schema *out, eddy_err *err) {
    const av_node *root = s->root;
    const av_node *opt = av_optional_of(root);
    if (opt) root = opt;
    if (ns == EDDY_COL_KEY || unwrapped || root->type != AV_RECORD) {
        eddy_type *t = infer_type(root, keep_names, 0, err);
        if (!t) return err->code ? err->code : eddy_err_set(err, EDDY_NOMEM, "out of memory");
        int rc = eddy_schema_add(out, ns == EDDY_COL_KEY ? "ROWKEY" : "ROWVAL", t, ns, NULL);
        return rc ? eddy_err_set(err, rc, "out of memory") : 0;
    }
    for (int i = 0; i < root->n; i++) {
        char *name = infer_name(root->fields[i].name, keep_names);
        eddy_type *t = name ? infer_type(root->fields[i].type, keep_names, 1, err) : NULL;
        if (!t) {
            free(name);
            return err->code ? err->code : eddy_err_set(err, EDDY_NOMEM, "out of memory");
        }
        int rc = eddy_schema_add(out, name, t, ns, NULL);
        free(name);
        if (rc) return eddy_err_set(err, rc, "out of memory");
    }
    return 0;
}

/* ---- binary helpers ---------------------------------------------------------------- */

bool av_read_block(av_in *in, int min_size, int64_t *count) {
    int64_t c;
    if (!av_read_long(in, &c)) return false;
    if (c < 0) {
        int64_t bytes;
        if (c == INT64_MIN || !av_read_long(in, &bytes) || bytes < 0) return false;
        c = -c;
    }
    int64_t left = in->end - in->p;
    if ((min_size > 0 && c > left / min_size) || c > in->budget) return false;
    in->budget -= c;
    *count = c;
    return true;
}

bool av_skip(av_in *in, const av_node *n, int depth) {
    const unsigned char *p;
    size_t len;
    int64_t l;
    if (depth > AV_MAX_DEPTH) return false;
    switch (n->type) {
    case AV_NULL: return true;
    case AV_BOOLEAN: return av_read_fixed(in, 1, &p);
    case AV_INT:
    case AV_LONG:
    case AV_ENUM: return av_read_long(in, &l);
    case AV_FLOAT: return av_read_fixed(in, 4, &p);
    case AV_DOUBLE: return av_read_fixed(in, 8, &p);
    case AV_BYTES:
    case AV_STRING: return av_read_bytes(in, &p, &len);
    case AV_FIXED: return av_read_fixed(in, (size_t)n->size, &p);
    case AV_RECORD:
        for (int i = 0; i < n->n; i++)
            if (!av_skip(in, n->fields[i].type, depth + 1)) return false;
        return true;
    case AV_UNION:
        if (!av_read_long(in, &l) || l < 0 || l >= n->n) return false;
        return av_skip(in, n->branches[l], depth + 1);
    case AV_ARRAY:
    case AV_MAP: {
        int64_t count;
        int item = n->items->min_size + (n->type == AV_MAP);
        for (;;) {
            if (!av_read_block(in, item, &count)) return false;
            if (count == 0) return true;
            for (int64_t i = 0; i < count; i++) {
                if (n->type == AV_MAP && !av_read_bytes(in, &p, &len)) return false;
                if (!av_skip(in, n->items, depth + 1)) return false;
            }
        }
    }
    }
    return false;
}

void av_write_unscaled(eddy_strbuf *out, eddy_int128 u, bool length_prefixed) {
    unsigned char b[16];
    unsigned __int128 x = (unsigned __int128)u;
    for (int i = 15; i >= 0; i--, x >>= 8) b[i] = (unsigned char)(x & 0xff);
    int start = 0;
    /* Drop sign-extension bytes that the next byte's top bit repeats. */
    while (start < 15 && ((b[start] == 0x00 && !(b[start + 1] & 0x80)) || (b[start] == 0xff && (b[start + 1] & 0x80))))
        start++;
    if (length_prefixed) av_write_long(out, 16 - start);
    serde_put(out, (const char *)b + start, (size_t)(16 - start));
}

bool av_read_unscaled(const unsigned char *p, size_t n, eddy_int128 *u) {
    if (n == 0) {
        *u = 0;
        return true;
    }
    unsigned char fill = (p[0] & 0x80) ? 0xff : 0x00;
    size_t skip = n > 16 ? n - 16 : 0;
    for (size_t i = 0; i < skip; i++)
        if (p[i] != fill) return false;
    if (skip && ((p[skip] & 0x80) ? 0xff : 0x00) != fill) return false;
    unsigned __int128 x = fill ? ~(unsigned __int128)0 : 0;
    for (size_t i = skip; i < n; i++) x = x << 8 | p[i];
    *u = (eddy_int128)x;
    return true;
}

bool av_rescale(eddy_int128 u, int from, int to, eddy_int128 *out) {
    static const eddy_int128 lim = (eddy_int128)1 << 120;
    while (from < to) {
        if (u > lim / 10 || u < -(lim / 10)) return false;
        u *= 10;
        from++;
    }
    while (from > to) {
        if (u % 10) return false;
        u /= 10;
        from--;
    }
    *out = u;
    return true;
}



size_t av_float_text(float f, char *buf) {
    if (f != f) return (size_t)snprintf(buf, 32, "NaN");
    if (f == __builtin_inff()) return (size_t)snprintf(buf, 32, "Infinity");
    if (f == -__builtin_inff()) return (size_t)snprintf(buf, 32, "-Infinity");
    if (f == 0.0f) return (size_t)snprintf(buf, 32, __builtin_signbit(f) ? "-0.0" : "0.0");
    bool neg = f < 0;
    float a = neg ? -f : f;
    char tmp[48], digits[24];
    int n = 0, e = 0;
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, (double)a);
        if (strtof(tmp, NULL) != a && prec < 9) continue;
        char *p = tmp;
        digits[n++] = *p++;
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p); p++) digits[n++] = *p;
        e = atoi(p + 1);
        while (n > 1 && digits[n - 1] == '0') n--;
        break;
    }
    return serde_java_digits_text(neg, digits, n, e, buf);
}

const char *av_connect_type_name(const av_node *n) {
    const av_node *opt = av_optional_of(n);
    if (opt) n = opt;
    switch (n->type) {
    case AV_NULL: return "null";
    case AV_BOOLEAN: return "boolean";
    case AV_INT: return "int32";
    case AV_LONG: return "int64";
    case AV_FLOAT: return "float32";
    case AV_DOUBLE: return "float64";
    case AV_BYTES:
    case AV_FIXED: return "bytes";
    case AV_STRING:
    case AV_ENUM: return "string";
    case AV_ARRAY: return n->map_entries ? "map" : "array";
    case AV_MAP: return "map";
    default: return "struct";
    }
}

/* ---- wire format ------------------------------------------------------------------ */

void eddy_avro_wire_header(eddy_strbuf *out, int32_t schema_id) {
    char h[5] = {0, (char)((uint32_t)schema_id >> 24), (char)((uint32_t)schema_id >> 16 & 0xff),
                 (char)((uint32_t)schema_id >> 8 & 0xff), (char)((uint32_t)schema_id & 0xff)};
    serde_put(out, h, 5);
}

int eddy_avro_wire_split(const void *data, size_t len, int32_t *schema_id, const unsigned char **body,
                         size_t *body_len, eddy_err *err) {
    const unsigned char *p = data;
    if (len < 1 || p[0] != 0) return eddy_err_set(err, EDDY_CORRUPT, "Unknown magic byte!");
    if (len < EDDY_AVRO_WIRE_HEADER)
        return eddy_err_set(err, EDDY_CORRUPT, "Record too short for Confluent's wire format: %zu bytes", len);
    *schema_id = (int32_t)((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4]);
    *body = p + EDDY_AVRO_WIRE_HEADER;
    *body_len = len - EDDY_AVRO_WIRE_HEADER;
    return 0;
}
