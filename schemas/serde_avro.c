/* serde_avro.c - the AVRO serde: ksqlDB's Avro records in Confluent's wire format, schemas from the registry.
 *
 * Writing.  The writer schema is the one given by KEY_/VALUE_SCHEMA_ID (read
 * from the registry), else the schema ksqlDB derives from the columns
 * (eddy_avro_schema_of_columns), registered under "<topic>-key|value" when
 * the serde knows its topic, else looked up (or registered) by content.  A
 * write plan maps the columns onto the schema's fields by name (exact, then
 * case-insensitive); a field no column fills takes its default, or null.
 *
 * Reading.  Each record names its writer schema by id; the schema comes from
 * the registry and a read plan, made once per id and cached, maps its fields
 * to the columns by upper-cased name, as ksqlDB's ConnectDataTranslator
 * does: a field without a column is skipped, a column without a field is
 * NULL, and a type the column cannot take fails with ksqlDB's message
 * ("Cannot deserialize type int64 as type int32 for path: ->FOO").  Values
 * convert as ksqlDB allows: int to BIGINT, float to DOUBLE, any primitive to
 * STRING (its Java text), enums to STRING, fixed to BYTES, decimals rescaled
 * exactly, Connect's maps (arrays of {key, value}) to MAP.
 *
 * Keys of one column and values with WRAP_SINGLE_VALUE=false are the bare
 * column; otherwise the record's fields are the columns.
 *
 * The decoder never reads past its input: lengths and counts are checked
 * against the bytes left, nesting is bounded, and malformed input is
 * EDDY_CORRUPT with a message.
 */
#include "schemas/serde_avro_int.h"

#include "schemas/registry.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* ---- plans ------------------------------------------------------------------------- */

/* How one writer node becomes values of one SQL type. */
typedef struct rplan rplan;
struct rplan {
    const av_node *w;
    const eddy_type *t;      /* NULL: the value is skipped */
    const char *mismatch;    /* set: reaching this value fails with this message */
    rplan *items;            /* array items, map values, map entry values */
    rplan *keys;             /* map entry keys */
    rplan **branches;        /* union: one per branch */
    rplan **fields;          /* record: one per writer field */
    int *fidx;               /* record: STRUCT field index per writer field, -1 to skip */
    int *uidx;               /* general union into STRUCT: field index per branch */
};

/* How values of one SQL type are written as one writer node. */
typedef struct wplan wplan;
struct wplan {
    const av_node *w;
    const eddy_type *t;
    const char *mismatch;
    int value_branch;        /* union: the branch non-null values take (-1 none) */
    wplan *inner;            /* union: value branch; array items; map values; entry value */
    wplan *key;              /* map entry key */
    wplan **fields;          /* record: per writer field */
    int *src;                /* record: STRUCT field index per writer field, -1 when no column */
};

typedef struct rentry {
    int32_t id;
    rplan *plan;
    struct rentry *next;
} rentry;

typedef struct avro_serde {
    eddy_registry *reg;            /* borrowed */
    char *subject;                 /* NULL when the topic is unknown */
    eddy_type *row;                /* STRUCT of the columns */
    const eddy_type *top;          /* what the record holds: row, or the single column's type */
    /* Writing: made on the first record written (a serde that only reads registers nothing). */
    char *wtext;                   /* ksqlDB's schema of the columns; NULL with a schema id */
    _Atomic bool wready;           /* wid, wschema and wroot are set */
    int32_t wid;                   /* writer schema id */
    const eddy_avro_schema *wschema; /* borrowed from the registry */
    wplan *wroot;
    pthread_mutex_t mu;            /* guards plans and the read cache */
    eddy_arena *plans;
    rentry *cache;
    _Atomic(rentry *) last;        /* the entry used last (fast path) */
} avro_serde;

typedef struct plan_ctx {
    eddy_arena *a;
    eddy_strbuf path;              /* "->FOO->BAR", for messages */
} plan_ctx;

/* Connect's name of a SQL type as ksqlDB's messages print it. */
static const char *sql_connect_name(const eddy_type *t) {
    switch (t->ty_kind) {
    case EDDY_TYPE_BOOLEAN: return "boolean";
    case EDDY_TYPE_INT:
    case EDDY_TYPE_DATE:
    case EDDY_TYPE_TIME: return "int32";
    case EDDY_TYPE_BIGINT:
    case EDDY_TYPE_TIMESTAMP: return "int64";
    case EDDY_TYPE_DOUBLE: return "float64";
    case EDDY_TYPE_STRING: return "string";
    case EDDY_TYPE_DECIMAL:
    case EDDY_TYPE_BYTES: return "bytes";
    case EDDY_TYPE_ARRAY: return "array";
    case EDDY_TYPE_MAP: return "map";
    default: return "struct";
    }
}

/* The STRUCT field of t matching name: exact, else case-insensitive. */
static int struct_field(const eddy_type *t, const char *name) {
    for (int i = 0; i < t->ty_nfields; i++)
        if (strcmp(t->ty_fields[i].name, name) == 0) return i;
    for (int i = 0; i < t->ty_nfields; i++)
        if (strcasecmp(t->ty_fields[i].name, name) == 0) return i;
    return -1;
}

static bool is_decimal(const av_node *w) { return w->logical == AV_L_DECIMAL; }

/* Whether writer node w (not a union) can be read as SQL type t. */
static bool readable(const av_node *w, const eddy_type *t) {
    av_type wt = w->type;
    switch (t->ty_kind) {
    case EDDY_TYPE_BOOLEAN: return wt == AV_BOOLEAN;
    case EDDY_TYPE_INT:
    case EDDY_TYPE_DATE:
    case EDDY_TYPE_TIME: return wt == AV_INT;
    case EDDY_TYPE_BIGINT:
    case EDDY_TYPE_TIMESTAMP: return wt == AV_INT || wt == AV_LONG;
    case EDDY_TYPE_DOUBLE: return wt == AV_FLOAT || wt == AV_DOUBLE;
    case EDDY_TYPE_STRING:
        return wt == AV_BOOLEAN || wt == AV_INT || wt == AV_LONG || wt == AV_FLOAT || wt == AV_DOUBLE ||
               wt == AV_STRING || wt == AV_ENUM;
    case EDDY_TYPE_DECIMAL: return (wt == AV_BYTES || wt == AV_FIXED) && is_decimal(w);
    case EDDY_TYPE_BYTES: return (wt == AV_BYTES || wt == AV_FIXED) && !is_decimal(w);
    case EDDY_TYPE_ARRAY: return wt == AV_ARRAY && !w->map_entries;
    case EDDY_TYPE_MAP: return wt == AV_MAP || (wt == AV_ARRAY && w->map_entries);
    case EDDY_TYPE_STRUCT: return wt == AV_RECORD || wt == AV_UNION;
    default: return false;
    }
}

static rplan *read_plan(plan_ctx *c, const av_node *w, const eddy_type *t, int depth) {
    rplan *p = eddy_arena_alloc(c->a, sizeof *p);
    if (!p) return NULL;
    p->w = w;
    p->t = t;
    if (!t) return p;
    if (depth > AV_MAX_DEPTH) {
        p->mismatch = "Avro value nested too deeply";
        return p;
    }
    const av_node *opt = av_optional_of(w);
    if (w->type == AV_UNION && (opt || t->ty_kind != EDDY_TYPE_STRUCT)) {
        /* ["null", T] reads as T; another union only into a STRUCT. */
        if (!opt) goto mismatch;
        p->branches = eddy_arena_alloc(c->a, 2 * sizeof *p->branches);
        if (!p->branches) return NULL;
        p->branches[w->null_branch] = read_plan(c, w->branches[w->null_branch], NULL, depth + 1);
        p->branches[1 - w->null_branch] = read_plan(c, opt, t, depth + 1);
        if (!p->branches[0] || !p->branches[1]) return NULL;
        return p;
    }
    if (!readable(w, t)) goto mismatch;
    size_t at = c->path.len;
    switch (t->ty_kind) {
    case EDDY_TYPE_ARRAY:
        eddy_strbuf_puts(&c->path, "->ARRAY");
        p->items = read_plan(c, w->items, t->ty_elem, depth + 1);
        break;
    case EDDY_TYPE_MAP:
        eddy_strbuf_puts(&c->path, "->MAP_VAL");
        if (w->type == AV_MAP) {
            p->items = read_plan(c, w->items, t->ty_elem, depth + 1);
        } else {
            p->keys = read_plan(c, w->items->fields[0].type, t->ty_key, depth + 1);
            p->items = read_plan(c, w->items->fields[1].type, t->ty_elem, depth + 1);
            if (!p->keys) return NULL;
        }
        break;
    case EDDY_TYPE_STRUCT:
        if (w->type == AV_UNION) {
            /* A general union is a STRUCT with a field per branch, named after its type. */
            p->branches = eddy_arena_alloc(c->a, (size_t)w->n * sizeof *p->branches);
            p->uidx = eddy_arena_alloc(c->a, (size_t)w->n * sizeof *p->uidx);
            if (!p->branches || !p->uidx) return NULL;
            for (int i = 0; i < w->n; i++) {
                const av_node *b = w->branches[i];
                const char *bn = b->name ? b->name : av_connect_type_name(b);
                int f = b->type == AV_NULL ? -1 : struct_field(t, bn);
                if (f < 0 && b->type != AV_NULL) {
                    /* Connect names primitive branches by Avro type name. */
                    static const char *const names[] = {"null", "boolean", "int", "long", "float", "double", "bytes",
                                                        "string"};
                    if (b->type <= AV_STRING) f = struct_field(t, names[b->type]);
                }
                p->uidx[i] = f;
                p->branches[i] = read_plan(c, b, f >= 0 ? t->ty_fields[f].type : NULL, depth + 1);
                if (!p->branches[i]) return NULL;
            }
            return p;
        }
        p->fields = eddy_arena_alloc(c->a, (size_t)w->n * sizeof *p->fields + 1);
        p->fidx = eddy_arena_alloc(c->a, (size_t)w->n * sizeof *p->fidx + 1);
        if (!p->fields || !p->fidx) return NULL;
        for (int i = 0; i < w->n; i++) {
            int f = -1;
            for (int k = 0; k < t->ty_nfields && f < 0; k++)
                if (strcasecmp(t->ty_fields[k].name, w->fields[i].name) == 0) f = k;
            /* Prefer an exact match when names differ only in case. */
            int exact = struct_field(t, w->fields[i].name);
            if (exact >= 0 && strcmp(t->ty_fields[exact].name, w->fields[i].name) == 0) f = exact;
            p->fidx[i] = f;
            size_t fat = c->path.len;
            if (f >= 0) eddy_strbuf_printf(&c->path, "->%s", t->ty_fields[f].name);
            p->fields[i] = read_plan(c, w->fields[i].type, f >= 0 ? t->ty_fields[f].type : NULL, depth + 1);
            c->path.len = fat;
            if (c->path.buf) c->path.buf[fat] = '\0';
            if (!p->fields[i]) return NULL;
        }
        return p;
    default: break;
    }
    c->path.len = at;
    if (c->path.buf) c->path.buf[at] = '\0';
    if ((t->ty_kind == EDDY_TYPE_ARRAY || t->ty_kind == EDDY_TYPE_MAP) && !p->items) return NULL;
    return p;
mismatch: {
    char *m = NULL;
    if (asprintf(&m, "Cannot deserialize type %s as type %s for path: %s", av_connect_type_name(w),
                 sql_connect_name(t), eddy_strbuf_cstr(&c->path)) < 0)
        return NULL;
    p->mismatch = eddy_arena_strdup(c->a, m);
    free(m);
    return p->mismatch ? p : NULL;
}
}

/* Whether values of t can be written as node w (not a union). */
static bool writable(const av_node *w, const eddy_type *t) {
    eddy_type_kind k = t->ty_kind;
    switch (w->type) {
    case AV_BOOLEAN: return k == EDDY_TYPE_BOOLEAN;
    case AV_INT: return k == EDDY_TYPE_INT || k == EDDY_TYPE_DATE || k == EDDY_TYPE_TIME;
    case AV_LONG:
        return k == EDDY_TYPE_BIGINT || k == EDDY_TYPE_INT || k == EDDY_TYPE_TIMESTAMP || k == EDDY_TYPE_DATE ||
               k == EDDY_TYPE_TIME;
    case AV_FLOAT:
    case AV_DOUBLE: return k == EDDY_TYPE_DOUBLE || k == EDDY_TYPE_INT || k == EDDY_TYPE_BIGINT;
    case AV_STRING:
        return k == EDDY_TYPE_STRING || k == EDDY_TYPE_BOOLEAN || k == EDDY_TYPE_INT || k == EDDY_TYPE_BIGINT ||
               k == EDDY_TYPE_DOUBLE;
    case AV_ENUM: return k == EDDY_TYPE_STRING;
    case AV_BYTES:
    case AV_FIXED: return is_decimal(w) ? k == EDDY_TYPE_DECIMAL : k == EDDY_TYPE_BYTES;
    case AV_ARRAY: return w->map_entries ? k == EDDY_TYPE_MAP : k == EDDY_TYPE_ARRAY;
    case AV_MAP: return k == EDDY_TYPE_MAP;
    case AV_RECORD: return k == EDDY_TYPE_STRUCT;
    default: return false;
    }
}

static wplan *write_plan(plan_ctx *c, const av_node *w, const eddy_type *t, int depth) {
    wplan *p = eddy_arena_alloc(c->a, sizeof *p);
    if (!p) return NULL;
    p->w = w;
    p->t = t;
    p->value_branch = -1;
    if (!t) return p;
    if (depth > AV_MAX_DEPTH) {
        p->mismatch = "Avro value nested too deeply";
        return p;
    }
    if (w->type == AV_UNION) {
        for (int i = 0; i < w->n && p->value_branch < 0; i++)
            if (w->branches[i]->type != AV_NULL && writable(w->branches[i], t)) p->value_branch = i;
        if (p->value_branch < 0) goto mismatch;
        p->inner = write_plan(c, w->branches[p->value_branch], t, depth + 1);
        return p->inner ? p : NULL;
    }
    if (!writable(w, t)) goto mismatch;
    switch (w->type) {
    case AV_ARRAY:
        if (w->map_entries) {
            p->key = write_plan(c, w->items->fields[0].type, t->ty_key, depth + 1);
            p->inner = write_plan(c, w->items->fields[1].type, t->ty_elem, depth + 1);
            if (!p->key) return NULL;
        } else {
            p->inner = write_plan(c, w->items, t->ty_elem, depth + 1);
        }
        return p->inner ? p : NULL;
    case AV_MAP:
        if (t->ty_key->ty_kind != EDDY_TYPE_STRING) goto mismatch;
        p->inner = write_plan(c, w->items, t->ty_elem, depth + 1);
        return p->inner ? p : NULL;
    case AV_RECORD:
        p->fields = eddy_arena_alloc(c->a, (size_t)w->n * sizeof *p->fields + 1);
        p->src = eddy_arena_alloc(c->a, (size_t)w->n * sizeof *p->src + 1);
        if (!p->fields || !p->src) return NULL;
        for (int i = 0; i < w->n; i++) {
            int f = struct_field(t, w->fields[i].name);
            p->src[i] = f;
            p->fields[i] = write_plan(c, w->fields[i].type, f >= 0 ? t->ty_fields[f].type : NULL, depth + 1);
            if (!p->fields[i]) return NULL;
        }
        return p;
    default: return p;
    }
mismatch: {
    char *m = NULL;
    if (asprintf(&m, "Cannot serialize type %s as Avro type %s", eddy_type_kind_name(t->ty_kind),
                 av_connect_type_name(w)) < 0)
        return NULL;
    p->mismatch = eddy_arena_strdup(c->a, m);
    free(m);
    return p->mismatch ? p : NULL;
}
}

/* ---- reading ------------------------------------------------------------------------ */

typedef struct rctx {
    av_in in;
    eddy_arena *a;
    bool borrow;
    eddy_err *err;
} rctx;

static int rd_corrupt(rctx *c, const char *what) {
    return eddy_err_set(c->err, EDDY_CORRUPT, "Malformed Avro data: %s", what);
}

static const uint64_t pow10_64[20] = {1ULL,
                                      10ULL,
                                      100ULL,
                                      1000ULL,
                                      10000ULL,
                                      100000ULL,
                                      1000000ULL,
                                      10000000ULL,
                                      100000000ULL,
                                      1000000000ULL,
                                      10000000000ULL,
                                      100000000000ULL,
                                      1000000000000ULL,
                                      10000000000000ULL,
                                      100000000000000ULL,
                                      1000000000000000ULL,
                                      10000000000000000ULL,
                                      100000000000000000ULL,
                                      1000000000000000000ULL,
                                      10000000000000000000ULL};

/* |u| < 10^precision. */
static bool fits_precision(eddy_int128 u, int precision) {
    if (precision >= 39) return true;
    if (precision < 1) precision = 1;
    unsigned __int128 lim = precision < 20 ? pow10_64[precision]
                                           : (unsigned __int128)pow10_64[19] * pow10_64[precision - 19];
    unsigned __int128 a = u < 0 ? (unsigned __int128)0 - (unsigned __int128)u : (unsigned __int128)u;
    return a < lim;
}

static int rd(rctx *c, const rplan *p, eddy_value *out, int depth);

/* The items of an array or map into a container value, block by block. */
static int rd_items(rctx *c, const rplan *p, eddy_value *out, int depth) {
    const av_node *w = p->w;
    bool map = p->t->ty_kind == EDDY_TYPE_MAP;
    int item = w->items->min_size + (w->type == AV_MAP);
    uint32_t n = 0, cap = 0;
    eddy_value *items = NULL;
    for (;;) {
        int64_t count;
        if (!av_read_block(&c->in, item, &count)) return rd_corrupt(c, "bad array or map block");
        if (count == 0) break;
        if ((uint64_t)n + (uint64_t)count > UINT32_MAX / 2) return rd_corrupt(c, "too many items");
        if (n + (uint32_t)count > cap) {
            uint32_t ncap = cap ? cap : 4;
            while (ncap < n + (uint32_t)count) ncap *= 2;
            eddy_value *v = eddy_arena_alloc(c->a, (size_t)ncap * (map ? 2 : 1) * sizeof *v);
            if (!v) return eddy_err_set(c->err, EDDY_NOMEM, "out of memory");
            if (n) memcpy(v, items, (size_t)n * (map ? 2 : 1) * sizeof *v);
            items = v;
            cap = ncap;
        }
        for (int64_t i = 0; i < count; i++, n++) {
            int rc;
            if (!map) {
                rc = rd(c, p->items, &items[n], depth + 1);
            } else if (w->type == AV_MAP) {
                const unsigned char *k;
                size_t klen;
                if (!av_read_bytes(&c->in, &k, &klen)) return rd_corrupt(c, "bad map key");
                items[2 * n] = serde_string_value((const char *)k, klen, c->borrow, c->a);
                rc = rd(c, p->items, &items[2 * n + 1], depth + 1);
            } else {
                rc = rd(c, p->keys, &items[2 * n], depth + 1);
                if (!rc) rc = rd(c, p->items, &items[2 * n + 1], depth + 1);
            }
            if (rc) return rc;
        }
    }
    *out = eddy_value_container(c->a, map ? EDDY_V_MAP : EDDY_V_ARRAY, 0);
    out->v_len = n;
    out->u.items = items;
    return 0;
}

static int rd_string(rctx *c, const rplan *p, eddy_value *out) {
    char buf[48];
    size_t n;
    const unsigned char *s;
    int64_t l;
    switch (p->w->type) {
    case AV_STRING:
        if (!av_read_bytes(&c->in, &s, &n)) return rd_corrupt(c, "bad string");
        *out = serde_string_value((const char *)s, n, c->borrow, c->a);
        return 0;
    case AV_ENUM:
        if (!av_read_long(&c->in, &l) || l < 0 || l >= p->w->n) return rd_corrupt(c, "bad enum index");
        *out = eddy_value_str_copy(c->a, EDDY_V_STRING, p->w->symbols[l], strlen(p->w->symbols[l]));
        return 0;
    case AV_BOOLEAN:
        if (!av_read_fixed(&c->in, 1, &s)) return rd_corrupt(c, "truncated boolean");
        n = (size_t)snprintf(buf, sizeof buf, "%s", s[0] == 1 ? "true" : "false");
        break;
    case AV_INT:
    case AV_LONG:
        if (!av_read_long(&c->in, &l) || (p->w->type == AV_INT && (l < INT32_MIN || l > INT32_MAX)))
            return rd_corrupt(c, "bad varint");
        n = serde_i64_text(l, buf);
        break;
    case AV_FLOAT: {
        float f;
        if (!av_read_float(&c->in, &f)) return rd_corrupt(c, "truncated float");
        n = av_float_text(f, buf);
        break;
    }
    default: {
        double d;
        if (!av_read_double(&c->in, &d)) return rd_corrupt(c, "truncated double");
        n = serde_double_text(d, buf);
        break;
    }
    }
    *out = eddy_value_str_copy(c->a, EDDY_V_STRING, buf, n);
    return 0;
}

static int rd(rctx *c, const rplan *p, eddy_value *out, int depth) {
    const av_node *w = p->w;
    const unsigned char *s = NULL;
    size_t n = 0;
    int64_t l;
    *out = eddy_value_null();
    if (depth > AV_MAX_DEPTH) return rd_corrupt(c, "nested too deeply");
    if (!p->t) return av_skip(&c->in, w, depth) ? 0 : rd_corrupt(c, "cannot skip a value");
    if (w->type == AV_UNION) {
        if (!av_read_long(&c->in, &l) || l < 0 || l >= w->n) return rd_corrupt(c, "bad union branch");
        if (p->uidx) {
            /* A general union into a STRUCT: one field set (its null branch: NULL). */
            if (l == w->null_branch) return 0;
            eddy_value v = eddy_value_container(c->a, EDDY_V_STRUCT, (uint32_t)p->t->ty_nfields);
            if (p->t->ty_nfields && !v.u.items) return eddy_err_set(c->err, EDDY_NOMEM, "out of memory");
            int rc = rd(c, p->branches[l], p->uidx[l] >= 0 ? &v.u.items[p->uidx[l]] : &(eddy_value){0}, depth + 1);
            if (rc) return rc;
            *out = v;
            return 0;
        }
        if (l == w->null_branch) return 0;
        if (p->mismatch) return eddy_err_set(c->err, EDDY_CORRUPT, "%s", p->mismatch);
        return rd(c, p->branches[l], out, depth + 1);
    }
    if (p->mismatch) return eddy_err_set(c->err, EDDY_CORRUPT, "%s", p->mismatch);
    switch (p->t->ty_kind) {
    case EDDY_TYPE_BOOLEAN:
        if (!av_read_fixed(&c->in, 1, &s)) return rd_corrupt(c, "truncated boolean");
        *out = eddy_value_bool(s[0] == 1);
        return 0;
    case EDDY_TYPE_INT:
    case EDDY_TYPE_DATE:
    case EDDY_TYPE_TIME:
    case EDDY_TYPE_BIGINT:
    case EDDY_TYPE_TIMESTAMP:
        if (!av_read_long(&c->in, &l) || (w->type == AV_INT && (l < INT32_MIN || l > INT32_MAX)))
            return rd_corrupt(c, "bad varint");
        *out = eddy_value_i64(eddy_vkind_of(p->t), l);
        return 0;
    case EDDY_TYPE_DOUBLE:
        if (w->type == AV_FLOAT) {
            float f;
            if (!av_read_float(&c->in, &f)) return rd_corrupt(c, "truncated float");
            *out = eddy_value_double((double)f);
        } else {
            double d;
            if (!av_read_double(&c->in, &d)) return rd_corrupt(c, "truncated double");
            *out = eddy_value_double(d);
        }
        return 0;
    case EDDY_TYPE_STRING: return rd_string(c, p, out);
    case EDDY_TYPE_BYTES:
    case EDDY_TYPE_DECIMAL: {
        if (w->type == AV_BYTES ? !av_read_bytes(&c->in, &s, &n) : !av_read_fixed(&c->in, (size_t)w->size, &s))
            return rd_corrupt(c, "bad bytes");
        if (w->type == AV_FIXED) n = (size_t)w->size;
        if (p->t->ty_kind == EDDY_TYPE_BYTES) {
            *out = c->borrow ? eddy_value_str(EDDY_V_BYTES, (const char *)s, n)
                             : eddy_value_str_copy(c->a, EDDY_V_BYTES, (const char *)s, n);
            return 0;
        }
        eddy_int128 u, r;
        if (!av_read_unscaled(s, n, &u)) return rd_corrupt(c, "decimal too large");
        if (!av_rescale(u, w->scale, p->t->ty_scale, &r) || !fits_precision(r, p->t->ty_precision)) {
            char buf[96];
            size_t k = serde_decimal_text(u, w->scale, buf);
            return eddy_err_set(c->err, EDDY_CORRUPT, "Cannot fit decimal '%.*s' into DECIMAL(%d, %d)", (int)k, buf,
                                p->t->ty_precision, p->t->ty_scale);
        }
        *out = eddy_value_decimal(c->a, r, p->t->ty_scale);
        return 0;
    }
    case EDDY_TYPE_ARRAY:
    case EDDY_TYPE_MAP: return rd_items(c, p, out, depth);
    case EDDY_TYPE_STRUCT: {
        eddy_value v = eddy_value_container(c->a, EDDY_V_STRUCT, (uint32_t)p->t->ty_nfields);
        if (p->t->ty_nfields && !v.u.items) return eddy_err_set(c->err, EDDY_NOMEM, "out of memory");
        for (int i = 0; i < w->n; i++) {
            eddy_value skip;
            int rc = rd(c, p->fields[i], p->fidx[i] >= 0 ? &v.u.items[p->fidx[i]] : &skip, depth + 1);
            if (rc) return rc;
        }
        *out = v;
        return 0;
    }
    default: return rd_corrupt(c, "unexpected type");
    }
}

/* The read plan for writer schema id, made on first use. */
static int plan_for(const eddy_serde *s, int32_t id, const rplan **out, eddy_err *err) {
    avro_serde *as = s->avro;
    rentry *e = atomic_load_explicit(&as->last, memory_order_acquire);
    if (e && e->id == id) {
        *out = e->plan;
        return 0;
    }
    int rc = 0;
    pthread_mutex_lock(&as->mu);
    for (e = as->cache; e && e->id != id; e = e->next) {
    }
    if (!e) {
        const eddy_avro_schema *ws;
        if ((rc = eddy_registry_avro(as->reg, id, &ws, err))) {
            if (rc == EDDY_NOTFOUND) rc = eddy_err_set(err, EDDY_CORRUPT, "Schema %d not found in the schema registry", id);
            goto done;
        }
        plan_ctx c = {as->plans, EDDY_STRBUF_INIT};
        e = eddy_arena_alloc(as->plans, sizeof *e);
        if (e) e->plan = read_plan(&c, ws->root, as->top, 0);
        eddy_strbuf_fini(&c.path);
        if (!e || !e->plan) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            goto done;
        }
        e->id = id;
        e->next = as->cache;
        as->cache = e;
    }
    atomic_store_explicit(&as->last, e, memory_order_release);
    *out = e->plan;
done:
    pthread_mutex_unlock(&as->mu);
    return rc;
}

int serde_avro_decode(const eddy_serde *s, const char *data, size_t len, unsigned flags, eddy_value *out,
                      bool *is_null, eddy_arena *a, eddy_err *err) {
    avro_serde *as = s->avro;
    const unsigned char *body;
    size_t blen;
    int32_t id;
    const rplan *p = NULL;
    int rc;
    if ((rc = eddy_avro_wire_split(data, len, &id, &body, &blen, err))) return rc;
    if ((rc = plan_for(s, id, &p, err))) return rc;
    rctx c = {.a = a, .borrow = (flags & EDDY_SERDE_BORROW) != 0, .err = err};
    av_in_init(&c.in, body, blen);
    eddy_value v;
    rc = rd(&c, p, &v, 0);
    if (!rc && c.in.p != c.in.end) rc = eddy_err_set(err, EDDY_CORRUPT, "Malformed Avro data: %td bytes left over",
                                                      c.in.end - c.in.p);
    if (rc) {
        memset(out, 0, (size_t)s->ncols * sizeof *out);
        return rc;
    }
    if (v.v_kind == EDDY_V_NULL) {
        if (is_null) *is_null = true; /* the record is a null (a union's null branch) */
    } else if (as->top != as->row) {
        out[0] = v;
    } else {
        memcpy(out, v.u.items, (size_t)s->ncols * sizeof *out);
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------------------ */

typedef struct wctx {
    eddy_strbuf *out;
    eddy_err *err;
} wctx;

static int wr(wctx *c, const wplan *p, const eddy_value *v, int depth);

/* A record field from its column (v may be NULL: no column). */
static int wr_field(wctx *c, const av_field *f, const wplan *p, const eddy_value *v, int depth) {
    bool is_null = !v || v->v_kind == EDDY_V_NULL;
    bool nullable = f->type->type == AV_NULL || (f->type->type == AV_UNION && f->type->null_branch >= 0);
    if (!is_null) return wr(c, p, v, depth + 1);
    if (v && nullable) return wr(c, p, v, depth + 1);
    if (f->deflt) return av_write_default(f->type, f->deflt, c->out, c->err);
    if (nullable) return wr(c, p, &(eddy_value){0}, depth + 1);
    return eddy_err_set(c->err, EDDY_INVAL,
                        "Conversion error: null value for field that is required and has no default value: %s",
                        f->name);
}

static int wr(wctx *c, const wplan *p, const eddy_value *v, int depth) {
    const av_node *w = p->w;
    if (depth > AV_MAX_DEPTH) return eddy_err_set(c->err, EDDY_INVAL, "value nested too deeply for Avro");
    if (v->v_kind == EDDY_V_NULL) {
        if (w->type == AV_NULL) return 0;
        if (w->type == AV_UNION && w->null_branch >= 0) {
            av_write_long(c->out, w->null_branch);
            return 0;
        }
        return eddy_err_set(c->err, EDDY_INVAL,
                            "Conversion error: null value for field that is required and has no default value");
    }
    if (p->mismatch) return eddy_err_set(c->err, EDDY_INVAL, "%s", p->mismatch);
    if (w->type == AV_UNION) {
        av_write_long(c->out, p->value_branch);
        return wr(c, p->inner, v, depth + 1);
    }
    switch (w->type) {
    case AV_BOOLEAN: serde_put(c->out, v->u.i ? "\1" : "\0", 1); return 0;
    case AV_INT:
    case AV_LONG: av_write_long(c->out, v->u.i); return 0;
    case AV_FLOAT:
    case AV_DOUBLE: {
        double d = v->v_kind == EDDY_V_DOUBLE ? v->u.d : (double)v->u.i;
        if (w->type == AV_FLOAT) av_write_float(c->out, (float)d);
        else av_write_double(c->out, d);
        return 0;
    }
    case AV_STRING: {
        char buf[48];
        size_t n;
        switch (v->v_kind) {
        case EDDY_V_STRING: av_write_bytes(c->out, v->u.s, v->v_len); return 0;
        case EDDY_V_BOOL: n = (size_t)snprintf(buf, sizeof buf, "%s", v->u.i ? "true" : "false"); break;
        case EDDY_V_DOUBLE: n = serde_double_text(v->u.d, buf); break;
        default: n = serde_i64_text(v->u.i, buf); break;
        }
        av_write_bytes(c->out, buf, n);
        return 0;
    }
    case AV_ENUM:
        for (int i = 0; i < w->n; i++)
            if (strlen(w->symbols[i]) == v->v_len && memcmp(w->symbols[i], v->u.s, v->v_len) == 0) {
                av_write_long(c->out, i);
                return 0;
            }
        return eddy_err_set(c->err, EDDY_INVAL, "'%.*s' is not a symbol of enum %s", (int)v->v_len, v->u.s, w->fullname);
    case AV_BYTES:
    case AV_FIXED:
        if (is_decimal(w)) {
            eddy_int128 u;
            if (!av_rescale(*v->u.dec, v->v_scale, w->scale, &u) || (w->precision && !fits_precision(u, w->precision)))
                return eddy_err_set(c->err, EDDY_INVAL, "Cannot fit the decimal into the schema's decimal(%d, %d)",
                                    w->precision, w->scale);
            if (w->type == AV_BYTES) {
                av_write_unscaled(c->out, u, true);
                return 0;
            }
            eddy_strbuf tmp = EDDY_STRBUF_INIT;
            av_write_unscaled(&tmp, u, false);
            int rc = 0;
            if ((int64_t)tmp.len > w->size) {
                rc = eddy_err_set(c->err, EDDY_INVAL, "decimal too large for fixed(%lld)", (long long)w->size);
            } else {
                for (int64_t i = (int64_t)tmp.len; i < w->size; i++) serde_put(c->out, u < 0 ? "\xff" : "\0", 1);
                serde_put(c->out, tmp.buf ? tmp.buf : "", tmp.len);
            }
            eddy_strbuf_fini(&tmp);
            return rc;
        }
        if (w->type == AV_FIXED) {
            if ((int64_t)v->v_len != w->size)
                return eddy_err_set(c->err, EDDY_INVAL, "fixed(%lld) given %u bytes", (long long)w->size, v->v_len);
            serde_put(c->out, v->u.s, v->v_len);
            return 0;
        }
        av_write_bytes(c->out, v->u.s, v->v_len);
        return 0;
    case AV_ARRAY:
    case AV_MAP: {
        bool map = v->v_kind == EDDY_V_MAP;
        if (v->v_len) av_write_long(c->out, v->v_len);
        for (uint32_t i = 0; i < v->v_len; i++) {
            int rc;
            if (!map) {
                rc = wr(c, p->inner, &v->u.items[i], depth + 1);
            } else if (w->type == AV_MAP) {
                const eddy_value *k = &v->u.items[2 * i];
                if (k->v_kind != EDDY_V_STRING) return eddy_err_set(c->err, EDDY_INVAL, "Avro map keys must be strings");
                av_write_bytes(c->out, k->u.s, k->v_len);
                rc = wr(c, p->inner, &v->u.items[2 * i + 1], depth + 1);
            } else {
                rc = wr_field(c, &w->items->fields[0], p->key, &v->u.items[2 * i], depth);
                if (!rc) rc = wr_field(c, &w->items->fields[1], p->inner, &v->u.items[2 * i + 1], depth);
            }
            if (rc) return rc;
        }
        av_write_long(c->out, 0);
        return 0;
    }
    case AV_RECORD:
        for (int i = 0; i < w->n; i++) {
            const eddy_value *f = p->src[i] >= 0 && (uint32_t)p->src[i] < v->v_len ? &v->u.items[p->src[i]] : NULL;
            int rc = wr_field(c, &w->fields[i], p->fields[i], f, depth);
            if (rc) return rc;
        }
        return 0;
    default: return eddy_err_set(c->err, EDDY_INVAL, "Cannot write Avro type %s", av_connect_type_name(w));
    }
}

/* The writer's id, schema and plan: the schema of the columns is registered
 * (under the subject when the topic is known, else by content) on first use. */
static int writer_ready(avro_serde *as, eddy_err *err) {
    int rc = 0;
    if (atomic_load_explicit(&as->wready, memory_order_acquire)) return 0;
    pthread_mutex_lock(&as->mu);
    if (!atomic_load_explicit(&as->wready, memory_order_relaxed)) {
        if (as->wtext) {
            if (as->subject) rc = eddy_registry_register(as->reg, as->subject, as->wtext, 0, &as->wid, NULL, err);
            else rc = eddy_registry_id_of(as->reg, as->wtext, true, &as->wid, err);
        }
        if (!rc) rc = eddy_registry_avro(as->reg, as->wid, &as->wschema, err);
        if (!rc) {
            plan_ctx c = {as->plans, EDDY_STRBUF_INIT};
            as->wroot = write_plan(&c, as->wschema->root, as->top, 0);
            eddy_strbuf_fini(&c.path);
            if (!as->wroot) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        }
        if (!rc) atomic_store_explicit(&as->wready, true, memory_order_release);
    }
    pthread_mutex_unlock(&as->mu);
    return rc;
}

int serde_avro_encode(const eddy_serde *s, const eddy_value *cols, eddy_strbuf *out, bool *is_null, eddy_err *err) {
    avro_serde *as = s->avro;
    wctx c = {out, err};
    eddy_value v;
    int rc;
    if ((rc = writer_ready(as, err))) return rc;
    if (as->top != as->row) {
        v = cols[0];
        if (v.v_kind == EDDY_V_NULL) {
            /* A single unwrapped NULL is a null record, as ksqlDB writes it. */
            *is_null = true;
            return 0;
        }
    } else {
        v = eddy_value_null();
        v.v_kind = EDDY_V_STRUCT;
        v.v_len = (uint32_t)s->ncols;
        v.u.items = (eddy_value *)cols;
    }
    size_t mark = out->len;
    eddy_avro_wire_header(out, as->wid);
    rc = wr(&c, as->wroot, &v, 0);
    if (rc) {
        out->len = mark;
        if (out->buf) out->buf[mark] = '\0';
    }
    return rc;
}

/* ---- making and freeing -------------------------------------------------------------- */

void serde_avro_fini(eddy_serde *s) {
    avro_serde *as = s->avro;
    if (!as) return;
    free(as->subject);
    free(as->wtext);
    eddy_type_unref(as->row);
    eddy_arena_destroy(as->plans);
    pthread_mutex_destroy(&as->mu);
    free(as);
    s->avro = NULL;
}

int serde_avro_init(eddy_serde *s, const eddy_format_spec *fmt, const eddy_serde_opts *opts, eddy_err *err) {
    eddy_registry *reg = opts && opts->registry ? opts->registry : eddy_registry_default();
    int rc;
    if (!reg) return eddy_err_set(err, EDDY_UNSUPPORTED, "The 'AVRO' format needs a schema registry");
    avro_serde *as = calloc(1, sizeof *as);
    if (!as) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    s->avro = as;
    pthread_mutex_init(&as->mu, NULL);
    as->reg = reg;
    as->plans = eddy_arena_new();
    const char **names = calloc((size_t)s->ncols + 1, sizeof *names);
    eddy_type **types = calloc((size_t)s->ncols + 1, sizeof *types);
    if (!as->plans || !names || !types) {
        free(names);
        free(types);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    for (int i = 0; i < s->ncols; i++) {
        names[i] = s->cols[i].name;
        types[i] = eddy_type_ref(s->cols[i].type);
    }
    as->row = eddy_type_struct(s->ncols, names, types);
    free(names);
    free(types);
    if (!as->row) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    s->unwrapped = s->ncols == 1 && (s->is_key || fmt->wrap_single == 0);
    as->top = s->unwrapped ? s->cols[0].type : as->row;
    if (opts && opts->topic && !(as->subject = eddy_registry_subject(opts->topic, s->is_key)))
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");

    /* The writer schema: the one asked for by id (which must exist), else ksqlDB's for the
     * columns (checked now, registered when first written). */
    if (fmt->schema_id > 0) {
        const eddy_avro_schema *ws;
        as->wid = (int32_t)fmt->schema_id;
        if ((rc = eddy_registry_avro(reg, as->wid, &ws, err))) return rc;
    } else if (s->ncols > 0) {
        eddy_strbuf text = EDDY_STRBUF_INIT;
        rc = eddy_avro_schema_of_columns(s->cols, s->ncols, s->unwrapped, fmt->schema_full_name, &text, err);
        as->wtext = rc ? NULL : eddy_strbuf_detach(&text);
        eddy_strbuf_fini(&text);
        if (rc) return rc;
        if (!as->wtext) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    return 0;
}
