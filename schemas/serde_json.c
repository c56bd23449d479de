/* serde_json.c - the JSON format: a schema-directed, single-pass record decoder and encoder.
 *
 * Semantics are ksqlDB's KsqlJsonDeserializer and its JSON serializer:
 *  - a wrapped row is an object; a field matches a column by exact name, or
 *    else when the field name upper-cased equals the column name (so `foo`, a
 *    quoted lower-case column, matches only "foo"); missing fields are NULL,
 *    extra fields are ignored; for duplicate fields the last one wins;
 *  - scalars are coerced: numbers to INT/BIGINT truncated toward zero with
 *    Java's wrap-around (1.7 -> 1), numeric strings to numbers, any scalar to
 *    STRING (objects and arrays too, as ksqlDB prints them), base64 strings to
 *    BYTES, numbers or numeric strings to DECIMAL (fitted with DecimalUtil's
 *    rules), TIMESTAMP/TIME from milliseconds and DATE from days; a value of
 *    the wrong JSON type is EDDY_CORRUPT with ksqlDB's message and the path,
 *    e.g. "Can't convert type. sourceType: TextNode, requiredType: BOOLEAN, path: $.B";
 *  - output is compact with the column names as declared, DOUBLE as Java's
 *    Double.toString, DECIMAL as a plain number keeping its scale, BYTES base64,
 *    TIMESTAMP/TIME/DATE as numbers, NaN and infinities as strings ("NaN").
 *
 * The decoder walks the text once and allocates only in the caller's arena:
 * strings are copied there (or, with EDDY_SERDE_BORROW, point into the input
 * unless they hold escapes), arrays and maps grow there.  Differences from
 * Jackson, on purpose: content after the top-level value is an error (Jackson
 * ignores it); empty input is a null record; upper-casing of field names is
 * ASCII only; a field matched only case-insensitively is coerced even when an
 * exact match later replaces it (so a bad value there is reported).
 */
#include "schemas/serde_impl.h"

#include <stdio.h>

#define MAX_DEPTH 1000
#define MAX_PATH 24

/* ---- plans ------------------------------------------------------------------ */

static char *mem_strdup(eddy_arena *m, const char *s) { return eddy_arena_strdup(m, s); }

static char *type_text(eddy_arena *m, const eddy_type *t) {
    char *s = eddy_type_to_string(t);
    char *r = s ? mem_strdup(m, s) : NULL;
    free(s);
    return r;
}

static inline bool upper_eq(const char *k, const char *name, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        if (c >= 'a' && c <= 'z') c = (char)(c - 32);
        if (c != name[i]) return false;
    }
    return true;
}

/* 2 when k equals name, 1 when k upper-cased (ASCII) equals it, else 0. */
static inline int match_kind(const char *k, const char *name, size_t n) {
    int exact = 2;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        if (c != name[i]) {
            if (c < 'a' || c > 'z' || c - 32 != name[i]) return 0;
            exact = 1;
        }
    }
    return exact;
}

static inline uint32_t hash_upper(const char *k, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        if (c >= 'a' && c <= 'z') c = (char)(c - 32);
        h = (h ^ (unsigned char)c) * 16777619u;
    }
    return h;
}

static jplan *plan_type(eddy_arena *m, const eddy_type *t);

/* Names, prefixes, matching aids of a STRUCT-like plan whose names and
 * fields are set. */
static int plan_fields(eddy_arena *m, jplan *pl) {
    int n = pl->nfields;
    pl->name_lens = eddy_arena_alloc(m, (size_t)(n + 1) * sizeof *pl->name_lens);
    pl->prefixes = eddy_arena_alloc(m, (size_t)(n + 1) * sizeof *pl->prefixes);
    pl->prefix_lens = eddy_arena_alloc(m, (size_t)(n + 1) * sizeof *pl->prefix_lens);
    if (!pl->name_lens || !pl->prefixes || !pl->prefix_lens) return EDDY_NOMEM;
    pl->plain = eddy_arena_alloc(m, (size_t)(n + 1));
    pl->name_words = eddy_arena_alloc(m, (size_t)(n + 1) * sizeof *pl->name_words);
    pl->case_words = eddy_arena_alloc(m, (size_t)(n + 1) * sizeof *pl->case_words);
    if (!pl->plain || !pl->name_words || !pl->case_words) return EDDY_NOMEM;
    pl->names_upper = true;
    for (int i = 0; i < n; i++) {
        const char *nm = pl->names[i];
        size_t len = strlen(nm);
        pl->name_lens[i] = (uint32_t)len;
        pl->plain[i] = 1;
        for (size_t k = 0; k < len; k++)
            if ((unsigned char)nm[k] < 0x20 || (unsigned char)nm[k] > 0x7e || nm[k] == '"' || nm[k] == '\\')
                pl->plain[i] = 0;
        size_t nw = (len + 7) / 8;
        pl->name_words[i] = eddy_arena_alloc(m, (nw + 1) * 8);
        pl->case_words[i] = eddy_arena_alloc(m, (nw + 1) * 8);
        if (!pl->name_words[i] || !pl->case_words[i]) return EDDY_NOMEM;
        memcpy(pl->name_words[i], nm, len);
        unsigned char *cw = (unsigned char *)pl->case_words[i];
        for (size_t k = 0; k < len; k++) cw[k] = nm[k] >= 'A' && nm[k] <= 'Z' ? 0x20 : 0;
        for (size_t k = 0; k < len; k++)
            if (nm[k] >= 'a' && nm[k] <= 'z') pl->names_upper = false;
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        eddy_strbuf_putc(&sb, '"');
        serde_json_escape(&sb, nm, len);
        eddy_strbuf_puts(&sb, "\":");
        if (sb.failed) return EDDY_NOMEM;
        pl->prefixes[i] = eddy_arena_strndup(m, sb.buf, sb.len);
        pl->prefix_lens[i] = (uint32_t)sb.len;
        eddy_strbuf_fini(&sb);
        if (!pl->prefixes[i]) return EDDY_NOMEM;
    }
    if (n > 8) {
        uint32_t cap = 16;
        while (cap < (uint32_t)n * 2) cap *= 2;
        pl->hash = eddy_arena_alloc(m, cap * sizeof *pl->hash);
        if (!pl->hash) return EDDY_NOMEM;
        pl->hash_mask = cap - 1;
        for (int i = 0; i < n; i++) {
            uint32_t h = hash_upper(pl->names[i], pl->name_lens[i]) & pl->hash_mask;
            while (pl->hash[h]) h = (h + 1) & pl->hash_mask;
            pl->hash[h] = i + 1;
        }
    }
    return 0;
}

static jplan *plan_type(eddy_arena *m, const eddy_type *t) {
    jplan *pl = eddy_arena_alloc(m, sizeof *pl);
    if (!pl) return NULL;
    pl->type = t;
    pl->kind = t->ty_kind;
    pl->required = type_text(m, t);
    if (!pl->required) return NULL;
    switch (t->ty_kind) {
    case EDDY_TYPE_ARRAY:
        if (!(pl->elem = plan_type(m, t->ty_elem))) return NULL;
        break;
    case EDDY_TYPE_MAP:
        if (!(pl->key = plan_type(m, t->ty_key)) || !(pl->elem = plan_type(m, t->ty_elem))) return NULL;
        break;
    case EDDY_TYPE_STRUCT:
        pl->nfields = t->ty_nfields;
        pl->names = eddy_arena_alloc(m, (size_t)(t->ty_nfields + 1) * sizeof *pl->names);
        pl->fields = eddy_arena_alloc(m, (size_t)(t->ty_nfields + 1) * sizeof *pl->fields);
        if (!pl->names || !pl->fields) return NULL;
        for (int i = 0; i < t->ty_nfields; i++) {
            pl->names[i] = t->ty_fields[i].name ? t->ty_fields[i].name : "";
            if (!(pl->fields[i] = plan_type(m, t->ty_fields[i].type))) return NULL;
        }
        if (plan_fields(m, pl)) return NULL;
        break;
    default: break;
    }
    return pl;
}

static bool type_has_strings(const eddy_type *t) {
    switch (t->ty_kind) {
    case EDDY_TYPE_STRING:
    case EDDY_TYPE_MAP: return true; /* JSON map keys are strings */
    case EDDY_TYPE_ARRAY: return type_has_strings(t->ty_elem);
    case EDDY_TYPE_STRUCT:
        for (int i = 0; i < t->ty_nfields; i++)
            if (type_has_strings(t->ty_fields[i].type)) return true;
        return false;
    default: return false;
    }
}

int serde_json_init(eddy_serde *s, eddy_err *err) {
    eddy_arena *m = s->mem;
    for (int i = 0; i < s->ncols; i++)
        if (type_has_strings(s->cols[i].type)) s->has_strings = true;
    if (s->unwrapped) {
        s->plan = plan_type(m, s->cols[0].type);
        return s->plan ? 0 : eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    jplan *pl = eddy_arena_alloc(m, sizeof *pl);
    if (!pl) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    pl->kind = EDDY_TYPE_STRUCT;
    pl->nfields = s->ncols;
    pl->names = eddy_arena_alloc(m, (size_t)(s->ncols + 1) * sizeof *pl->names);
    pl->fields = eddy_arena_alloc(m, (size_t)(s->ncols + 1) * sizeof *pl->fields);
    if (!pl->names || !pl->fields) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    eddy_strbuf req = EDDY_STRBUF_INIT;
    eddy_strbuf_puts(&req, "STRUCT<");
    for (int i = 0; i < s->ncols; i++) {
        pl->names[i] = s->cols[i].name;
        if (!(pl->fields[i] = plan_type(m, s->cols[i].type))) {
            eddy_strbuf_fini(&req);
            return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        }
        eddy_strbuf_printf(&req, "%s`%s` %s", i ? ", " : "", s->cols[i].name, pl->fields[i]->required);
    }
    eddy_strbuf_putc(&req, '>');
    pl->required = req.failed ? NULL : mem_strdup(m, eddy_strbuf_cstr(&req));
    eddy_strbuf_fini(&req);
    if (!pl->required || plan_fields(m, pl)) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    s->plan = pl;
    return 0;
}

/* ---- scalar coercions (ksqlDB's JsonSerdeUtils) --------------------------- */

static int conv_error(eddy_err *err, const char *source, const eddy_type *t) {
    char req[64];
    const char *r = req;
    char *heap = NULL;
    if (t->ty_kind == EDDY_TYPE_DECIMAL) snprintf(req, sizeof req, "DECIMAL(%d, %d)", t->ty_precision, t->ty_scale);
    else if (eddy_type_is_primitive(t)) r = eddy_type_kind_name(t->ty_kind);
    else r = heap = eddy_type_to_string(t);
    eddy_err_set(err, EDDY_CORRUPT, "Can't convert type. sourceType: %s, requiredType: %s", source,
                 r ? r : eddy_type_kind_name(t->ty_kind));
    free(heap);
    return EDDY_CORRUPT;
}

static int coerce_str_error(eddy_err *err, const eddy_type *t) {
    return eddy_err_set(err, EDDY_CORRUPT, "Can't coerce string to type. targetType: %s", eddy_type_kind_name(t->ty_kind));
}

static int time_error(eddy_err *err) {
    return eddy_err_set(err, EDDY_CORRUPT,
                        "Time values must use number of milliseconds greater than 0 and less than %lld.",
                        (long long)SERDE_DAY_MS);
}

static int nomem(eddy_err *err) { return eddy_err_set(err, EDDY_NOMEM, "out of memory"); }

/* Jackson's node class for a number token. */
static const char *num_node(const serde_num *n) {
    if (!n->is_int) return "DecimalNode";
    if (n->il < 10) return "IntNode";
    if (n->il <= 19) {
        int64_t v;
        char buf[24];
        buf[0] = '-';
        memcpy(buf + 1, n->ip, n->il);
        const char *s = n->neg ? buf : buf + 1;
        size_t len = n->il + (n->neg ? 1 : 0);
        if (serde_parse_java_long(s, len, 32, &v) == 0) return "IntNode";
        if (serde_parse_java_long(s, len, 64, &v) == 0) return "LongNode";
    }
    return "BigIntegerNode";
}

int serde_coerce_num(const eddy_type *t, const serde_num *n, const char *tok, size_t toklen, eddy_arena *a,
                     eddy_value *out, eddy_err *err) {
    switch (t->ty_kind) {
    case EDDY_TYPE_INT: *out = eddy_value_int((int32_t)(uint32_t)(uint64_t)serde_num_to_i64(n)); return 0;
    case EDDY_TYPE_BIGINT: *out = eddy_value_bigint(serde_num_to_i64(n)); return 0;
    case EDDY_TYPE_TIMESTAMP: *out = eddy_value_i64(EDDY_V_TIMESTAMP, serde_num_to_i64(n)); return 0;
    case EDDY_TYPE_DATE:
        *out = eddy_value_i64(EDDY_V_DATE, (int32_t)(uint32_t)(uint64_t)serde_num_to_i64(n));
        return 0;
    case EDDY_TYPE_TIME: {
        int64_t v = serde_num_to_i64(n);
        if (v < 0 || v > SERDE_DAY_MS) return time_error(err);
        *out = eddy_value_i64(EDDY_V_TIME, v);
        return 0;
    }
    case EDDY_TYPE_DOUBLE: *out = eddy_value_double(serde_num_to_double(n, tok, toklen)); return 0;
    case EDDY_TYPE_DECIMAL: {
        eddy_int128 u;
        int rc = serde_num_to_decimal(n, t->ty_precision, t->ty_scale, &u, err);
        if (rc) return rc;
        *out = eddy_value_decimal(a, u, t->ty_scale);
        return out->v_kind == EDDY_V_NULL ? nomem(err) : 0;
    }
    case EDDY_TYPE_STRING: {
        if (n->is_int && !n->neg && n->il < 20) { /* the text is already canonical */
            *out = eddy_value_str_copy(a, EDDY_V_STRING, n->ip, n->il);
            return out->v_kind == EDDY_V_NULL ? nomem(err) : 0;
        }
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        serde_num_json_text(n, &sb);
        *out = eddy_value_str_copy(a, EDDY_V_STRING, eddy_strbuf_cstr(&sb), sb.len);
        int bad = sb.failed || out->v_kind == EDDY_V_NULL;
        eddy_strbuf_fini(&sb);
        return bad ? nomem(err) : 0;
    }
    default: return conv_error(err, num_node(n), t);
    }
}

int serde_coerce_str(const eddy_type *t, const char *s, size_t len, bool stable, eddy_arena *a, eddy_value *out,
                     eddy_err *err) {
    int64_t v;
    switch (t->ty_kind) {
    case EDDY_TYPE_STRING:
        *out = stable ? eddy_value_str(EDDY_V_STRING, s, len) : eddy_value_str_copy(a, EDDY_V_STRING, s, len);
        return out->v_kind == EDDY_V_NULL ? nomem(err) : 0;
    case EDDY_TYPE_INT:
        if (serde_parse_java_long(s, len, 32, &v)) return coerce_str_error(err, t);
        *out = eddy_value_int((int32_t)v);
        return 0;
    case EDDY_TYPE_BIGINT:
    case EDDY_TYPE_TIMESTAMP:
        if (serde_parse_java_long(s, len, 64, &v)) return coerce_str_error(err, t);
        *out = eddy_value_i64(eddy_vkind_of(t), v);
        return 0;
    case EDDY_TYPE_DATE:
        if (serde_parse_java_long(s, len, 32, &v)) return coerce_str_error(err, t);
        *out = eddy_value_i64(EDDY_V_DATE, v);
        return 0;
    case EDDY_TYPE_TIME:
        if (serde_parse_java_long(s, len, 64, &v)) return coerce_str_error(err, t);
        if (v < 0 || v > SERDE_DAY_MS) return time_error(err);
        *out = eddy_value_i64(EDDY_V_TIME, v);
        return 0;
    case EDDY_TYPE_DOUBLE: {
        double d;
        if (serde_parse_java_double(s, len, &d)) return coerce_str_error(err, t);
        *out = eddy_value_double(d);
        return 0;
    }
    case EDDY_TYPE_DECIMAL: {
        serde_num n;
        eddy_int128 u;
        if (serde_parse_bigdecimal(s, len, &n)) return coerce_str_error(err, t);
        int rc = serde_num_to_decimal(&n, t->ty_precision, t->ty_scale, &u, err);
        if (rc) return rc;
        *out = eddy_value_decimal(a, u, t->ty_scale);
        return out->v_kind == EDDY_V_NULL ? nomem(err) : 0;
    }
    case EDDY_TYPE_BYTES: {
        const char *b;
        size_t blen;
        if (serde_base64_decode(s, len, a, &b, &blen))
            return eddy_err_set(err, EDDY_CORRUPT, "Value is not a valid Base64 encoded string");
        *out = eddy_value_str(EDDY_V_BYTES, b, blen);
        return 0;
    }
    default: return conv_error(err, "TextNode", t);
    }
}

int serde_coerce_bool(const eddy_type *t, bool b, eddy_value *out, eddy_err *err) {
    if (t->ty_kind == EDDY_TYPE_BOOLEAN) {
        *out = eddy_value_bool(b);
        return 0;
    }
    if (t->ty_kind == EDDY_TYPE_STRING) {
        *out = b ? eddy_value_str(EDDY_V_STRING, "true", 4) : eddy_value_str(EDDY_V_STRING, "false", 5);
        return 0;
    }
    return conv_error(err, "BooleanNode", t);
}

/* ---- the decoder ------------------------------------------------------------ */

typedef struct jdec {
    const char *p, *end, *start;
    eddy_arena *a;
    eddy_err *err;
    bool borrow;
    bool coerce;            /* the error is a conversion error: add the path */
    int depth;
    int npath;              /* path segments, innermost first */
    struct {
        int kind;           /* 0 .name, 1 [idx], 2 .key.value */
        const char *s;
        uint32_t len;
        int64_t idx;
    } path[MAX_PATH];
    eddy_strbuf tmp;        /* scratch for STRING values built from objects and arrays */
} jdec;

/* 0: plain ASCII inside a string; 1: '"' or '\\'; 2: control; 3: non-ASCII. */
static const unsigned char str_class[256] = {
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
};

static inline void ws(jdec *d) {
    if (d->p < d->end && (unsigned char)*d->p > ' ') return;
    const char *p = d->p, *e = d->end;
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    d->p = p;
}

static int syn_at(jdec *d, const char *at, const char *expected) {
    size_t off = (size_t)(at - d->start);
    d->coerce = false;
    if (at >= d->end)
        return eddy_err_set(d->err, EDDY_CORRUPT, "Unexpected end-of-input at offset %zu: expected %s", off, expected);
    unsigned c = (unsigned char)*at;
    if (c > 0x20 && c < 0x7f)
        return eddy_err_set(d->err, EDDY_CORRUPT, "Unexpected character ('%c' (code %u)) at offset %zu: expected %s",
                            (char)c, c, off, expected);
    return eddy_err_set(d->err, EDDY_CORRUPT, "Unexpected character (code %u) at offset %zu: expected %s", c, off,
                        expected);
}

static int syn(jdec *d, const char *expected) { return syn_at(d, d->p, expected); }

/* Records a path segment while a conversion error travels up. */
static int up(jdec *d, int rc, int kind, const char *s, uint32_t len, int64_t idx) {
    if (rc == EDDY_CORRUPT && d->coerce && d->npath < MAX_PATH) {
        d->path[d->npath].kind = kind;
        d->path[d->npath].s = s;
        d->path[d->npath].len = len;
        d->path[d->npath].idx = idx;
        d->npath++;
    }
    return rc;
}

static int coerced(jdec *d, int rc) {
    if (rc == EDDY_CORRUPT) d->coerce = true;
    return rc;
}

static inline int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* At the opening quote: validates the string and moves past the closing
 * quote.  *s, *n: the raw content; *esc: it holds backslash escapes. */
static int scan_str(jdec *d, const char **s, size_t *n, bool *esc) {
    const unsigned char *p = (const unsigned char *)d->p + 1, *e = (const unsigned char *)d->end;
    const unsigned char *start = p;
    bool has_esc = false;
    for (;;) {
        /* Eight bytes at a time while none is '"', '\\', a control or non-ASCII
         * (the test may flag a plain byte after a flagged one: then the
         * byte loop decides). */
        while (e - p >= 8) {
            uint64_t w, q, b;
            memcpy(&w, p, 8);
            q = w ^ 0x2222222222222222ULL;
            b = w ^ 0x5C5C5C5C5C5C5C5CULL;
            if ((((q - 0x0101010101010101ULL) & ~q) | ((b - 0x0101010101010101ULL) & ~b) |
                 (w - 0x2020202020202020ULL) | w) &
                0x8080808080808080ULL)
                break;
            p += 8;
        }
        while (p < e && str_class[*p] == 0) p++;
        if (p >= e) return syn_at(d, (const char *)p, "a closing quote for the string");
        unsigned c = *p;
        if (c == '"') break;
        if (c == '\\') {
            has_esc = true;
            if (p + 1 >= e) return syn_at(d, (const char *)p + 1, "an escaped character");
            c = p[1];
            if (c == 'u') {
                if (e - p < 6 || hexval((char)p[2]) < 0 || hexval((char)p[3]) < 0 || hexval((char)p[4]) < 0 ||
                    hexval((char)p[5]) < 0)
                    return syn_at(d, (const char *)p, "4 hex digits after \\u");
                p += 6;
            } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
                p += 2;
            } else {
                return syn_at(d, (const char *)p + 1, "a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
            }
            continue;
        }
        if (c < 0x20) {
            d->coerce = false;
            return eddy_err_set(d->err, EDDY_CORRUPT,
                                "Illegal unquoted character ((CTRL-CHAR, code %u)) at offset %zu: has to be escaped "
                                "using backslash to be included in string value",
                                c, (size_t)((const char *)p - d->start));
        }
        int k = serde_utf8_seq(p, e);
        if (!k) {
            d->coerce = false;
            return eddy_err_set(d->err, EDDY_CORRUPT, "Invalid UTF-8 byte 0x%02x at offset %zu", c,
                                (size_t)((const char *)p - d->start));
        }
        p += k;
    }
    *s = (const char *)start;
    *n = (size_t)(p - start);
    *esc = has_esc;
    d->p = (const char *)p + 1;
    return 0;
}

static inline unsigned hex4(const char *s) {
    return (unsigned)(hexval(s[0]) << 12 | hexval(s[1]) << 8 | hexval(s[2]) << 4 | hexval(s[3]));
}

/* Decodes a validated string with escapes into o (room for n bytes is
 * enough); returns the length.  A lone surrogate becomes '?', as Java's
 * UTF-8 encoder writes it. */
static size_t unescape(const char *s, size_t n, char *o) {
    size_t i = 0, k = 0;
    while (i < n) {
        if (s[i] != '\\') {
            o[k++] = s[i++];
            continue;
        }
        char c = s[i + 1];
        i += 2;
        switch (c) {
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'u': {
            unsigned cp = hex4(s + i);
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
                unsigned lo = hex4(s + i + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                o[k++] = '?';
            } else if (cp < 0x80) {
                o[k++] = (char)cp;
            } else if (cp < 0x800) {
                o[k++] = (char)(0xC0 | cp >> 6);
                o[k++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                o[k++] = (char)(0xE0 | cp >> 12);
                o[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[k++] = (char)(0x80 | (cp & 0x3F));
            } else {
                o[k++] = (char)(0xF0 | cp >> 18);
                o[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                o[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[k++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default: o[k++] = c; break; /* " \ / */
        }
    }
    return k;
}

/* The string's bytes: in the input when it has no escapes, else unescaped
 * into the arena (then *stable). */
static int str_bytes(jdec *d, const char *s, size_t n, bool esc, const char **out, size_t *len, bool *stable) {
    if (!esc) {
        *out = s;
        *len = n;
        *stable = d->borrow;
        return 0;
    }
    char *o = eddy_arena_alloc(d->a, n + 1);
    if (!o) return nomem(d->err);
    *len = unescape(s, n, o);
    o[*len] = '\0';
    *out = o;
    *stable = true;
    return 0;
}

static int literal(jdec *d, const char *word, size_t n) {
    if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0)
        return syn(d, "a value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
    d->p += n;
    return 0;
}

static int skip_value(jdec *d);

static int skip_container(jdec *d, char close) {
    if (++d->depth > MAX_DEPTH) return syn(d, "less nesting");
    d->p++;
    ws(d);
    if (d->p < d->end && *d->p == close) {
        d->p++;
        d->depth--;
        return 0;
    }
    for (;;) {
        if (close == '}') {
            const char *s;
            size_t n;
            bool esc;
            if (d->p >= d->end || *d->p != '"') return syn(d, "a field name (double-quoted)");
            if (scan_str(d, &s, &n, &esc)) return EDDY_CORRUPT;
            ws(d);
            if (d->p >= d->end || *d->p != ':') return syn(d, "':'");
            d->p++;
            ws(d);
        }
        if (skip_value(d)) return EDDY_CORRUPT;
        ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            ws(d);
            continue;
        }
        if (d->p < d->end && *d->p == close) {
            d->p++;
            d->depth--;
            return 0;
        }
        return syn(d, close == '}' ? "',' or '}'" : "',' or ']'");
    }
}

static int skip_value(jdec *d) {
    if (d->p >= d->end) return syn(d, "a value");
    switch (*d->p) {
    case '"': {
        const char *s;
        size_t n;
        bool esc;
        return scan_str(d, &s, &n, &esc);
    }
    case '{': return skip_container(d, '}');
    case '[': return skip_container(d, ']');
    case 't': return literal(d, "true", 4);
    case 'f': return literal(d, "false", 5);
    case 'n': return literal(d, "null", 4);
    default: {
        serde_num n;
        size_t k = serde_scan_json_number(d->p, d->end, &n);
        if (!k) return syn(d, "a value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
        d->p += k;
        return 0;
    }
    }
}

/* ---- STRING values made from objects and arrays (ksqlDB's processString) -- */

/* Writes the value as compact JSON, as Jackson re-serializes a tree. */
static int rs_json(jdec *d, eddy_strbuf *sb);

static int rs_container(jdec *d, eddy_strbuf *sb, char close, const char *sep, bool elem_text);
static int rs_elem(jdec *d, eddy_strbuf *sb);

static int rs_string(jdec *d, eddy_strbuf *sb, bool quoted) {
    const char *s, *b;
    size_t n, blen;
    bool esc, stable;
    if (scan_str(d, &s, &n, &esc) || str_bytes(d, s, n, esc, &b, &blen, &stable)) return EDDY_CORRUPT;
    if (quoted) eddy_strbuf_putc(sb, '"');
    if (quoted) serde_json_escape(sb, b, blen);
    else eddy_strbuf_append(sb, b, blen);
    if (quoted) eddy_strbuf_putc(sb, '"');
    return 0;
}

static int rs_scalar(jdec *d, eddy_strbuf *sb) {
    switch (*d->p) {
    case 't': eddy_strbuf_puts(sb, "true"); return literal(d, "true", 4);
    case 'f': eddy_strbuf_puts(sb, "false"); return literal(d, "false", 5);
    case 'n': eddy_strbuf_puts(sb, "null"); return literal(d, "null", 4);
    default: {
        serde_num n;
        size_t k = serde_scan_json_number(d->p, d->end, &n);
        if (!k) return syn(d, "a value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
        d->p += k;
        serde_num_json_text(&n, sb);
        return 0;
    }
    }
}

static int rs_json(jdec *d, eddy_strbuf *sb) {
    if (d->p >= d->end) return syn(d, "a value");
    switch (*d->p) {
    case '"': return rs_string(d, sb, true);
    case '{': return rs_container(d, sb, '}', ",", false);
    case '[': return rs_container(d, sb, ']', ",", false);
    default: return rs_scalar(d, sb);
    }
}

/* An array element as processString makes it: strings bare, arrays as
 * "[a, b]", objects as JSON, null as "null". */
static int rs_elem(jdec *d, eddy_strbuf *sb) {
    if (d->p >= d->end) return syn(d, "a value");
    switch (*d->p) {
    case '"': return rs_string(d, sb, false);
    case '{': return rs_container(d, sb, '}', ",", false);
    case '[': return rs_container(d, sb, ']', ", ", true);
    default: return rs_scalar(d, sb);
    }
}

static int rs_container(jdec *d, eddy_strbuf *sb, char close, const char *sep, bool elem_text) {
    if (++d->depth > MAX_DEPTH) return syn(d, "less nesting");
    eddy_strbuf_putc(sb, close == '}' ? '{' : '[');
    d->p++;
    ws(d);
    bool first = true;
    if (d->p < d->end && *d->p == close) {
        d->p++;
    } else {
        for (;;) {
            if (!first) eddy_strbuf_puts(sb, sep);
            first = false;
            if (close == '}') {
                if (d->p >= d->end || *d->p != '"') return syn(d, "a field name (double-quoted)");
                if (rs_string(d, sb, true)) return EDDY_CORRUPT;
                ws(d);
                if (d->p >= d->end || *d->p != ':') return syn(d, "':'");
                d->p++;
                ws(d);
                eddy_strbuf_putc(sb, ':');
            }
            if (elem_text ? rs_elem(d, sb) : rs_json(d, sb)) return EDDY_CORRUPT;
            ws(d);
            if (d->p < d->end && *d->p == ',') {
                d->p++;
                ws(d);
                continue;
            }
            if (d->p < d->end && *d->p == close) {
                d->p++;
                break;
            }
            return syn(d, close == '}' ? "',' or '}'" : "',' or ']'");
        }
    }
    eddy_strbuf_putc(sb, close);
    d->depth--;
    return 0;
}

static int restring(jdec *d, eddy_value *out) {
    eddy_strbuf *sb = &d->tmp;
    eddy_strbuf_reset(sb);
    int rc = *d->p == '{' ? rs_json(d, sb) : rs_elem(d, sb);
    if (rc) return rc;
    if (sb->failed) return nomem(d->err);
    *out = eddy_value_str_copy(d->a, EDDY_V_STRING, eddy_strbuf_cstr(sb), sb->len);
    return out->v_kind == EDDY_V_NULL ? nomem(d->err) : 0;
}

/* ---- typed values ------------------------------------------------------------- */

static int parse_value(jdec *d, const jplan *pl, eddy_value *out);

static inline bool is_complex(const jplan *pl) {
    return pl->kind == EDDY_TYPE_ARRAY || pl->kind == EDDY_TYPE_MAP || pl->kind == EDDY_TYPE_STRUCT;
}

static int complex_mismatch(jdec *d, const jplan *pl, const char *source) {
    d->coerce = true;
    return eddy_err_set(d->err, EDDY_CORRUPT, "Can't convert type. sourceType: %s, requiredType: %s", source,
                        pl->required);
}

/* match_kind for field f, eight bytes at a time; k has at least
 * 8 * ceil(len / 8) readable bytes. */
static inline int match_words(const jplan *pl, int f, const char *k, size_t len) {
    const uint64_t *nw = pl->name_words[f], *cw = pl->case_words[f];
    uint64_t diff = 0, fold = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, k + i, 8);
        uint64_t x = w ^ nw[i / 8];
        diff |= x;
        fold |= x & ~cw[i / 8];
    }
    if (i < len) {
        uint64_t w, tail = ~0ULL >> (8 * (8 - (len - i))); /* little-endian: the low bytes */
        memcpy(&w, k + i, 8);
        uint64_t x = (w ^ nw[i / 8]) & tail;
        diff |= x;
        fold |= x & ~cw[i / 8];
    }
    /* Differences only in bit 0x20 of the name's capital letters: the key
     * has the lower-case letter there. */
    return fold ? 0 : diff ? 1 : 2;
}

/* For names_upper plans: the field whose name is k upper-cased, trying
 * `guess` (the field after the last one matched) first; *prio = match_kind. */
static int find_field(const jplan *pl, const char *k, size_t n, int guess, int *prio) {
    int m;
    if (guess < pl->nfields && pl->name_lens[guess] == n && (m = match_kind(k, pl->names[guess], n))) {
        *prio = m;
        return guess;
    }
    if (pl->hash) {
        uint32_t h = hash_upper(k, n) & pl->hash_mask;
        for (int i; (i = pl->hash[h]) != 0; h = (h + 1) & pl->hash_mask)
            if (pl->name_lens[i - 1] == n && (m = match_kind(k, pl->names[i - 1], n))) {
                *prio = m;
                return i - 1;
            }
        return -1;
    }
    for (int i = 0; i < pl->nfields; i++)
        if (pl->name_lens[i] == n && (m = match_kind(k, pl->names[i], n))) {
            *prio = m;
            return i;
        }
    return -1;
}

/* An object into a STRUCT (or the row): items has pl->nfields values, NULL. */
static int parse_struct(jdec *d, const jplan *pl, eddy_value *items) {
    uint8_t st_local[64], *st = st_local;
    char kbuf[256];
    int guess = 0;
    if (++d->depth > MAX_DEPTH) return syn(d, "less nesting");
    if (pl->nfields > (int)sizeof st_local) {
        st = eddy_arena_alloc(d->a, (size_t)pl->nfields);
        if (!st) return nomem(d->err);
    } else {
        memset(st, 0, (size_t)pl->nfields);
    }
    d->p++;
    ws(d);
    if (d->p < d->end && *d->p == '}') {
        d->p++;
        d->depth--;
        return 0;
    }
    for (;;) {
        const char *k;
        size_t kn;
        bool esc;
        int tf[2] = {-1, -1}, tp[2] = {0, 0};
        if (d->p >= d->end || *d->p != '"') return syn(d, "a field name (double-quoted)");
        /* Fast path: the key is the expected field's name, byte for byte or
         * in lower case, followed by the closing quote. */
        if (pl->names_upper && guess < pl->nfields && pl->plain[guess]) {
            uint32_t len = pl->name_lens[guess];
            k = d->p + 1;
            if ((size_t)(d->end - k) > len && k[len] == '"' &&
                (tp[0] = (size_t)(d->end - k) >= (len + 7) / 8 * 8 ? match_words(pl, guess, k, len)
                                                                   : match_kind(k, pl->names[guess], len))) {
                tf[0] = guess++;
                d->p = k + len + 1;
                goto have_key;
            }
        }
        if (scan_str(d, &k, &kn, &esc)) return EDDY_CORRUPT;
        if (esc) {
            char *o = kn < sizeof kbuf ? kbuf : eddy_arena_alloc(d->a, kn + 1);
            if (!o) return nomem(d->err);
            kn = unescape(k, kn, o);
            k = o;
        }
        /* Up to two target fields: one matched exactly (priority 2), one by
         * the upper-cased name (priority 1). */
        if (pl->names_upper) {
            int prio = 0, f = find_field(pl, k, kn, guess, &prio);
            if (f >= 0) {
                tf[0] = f;
                tp[0] = prio;
                guess = f + 1;
            }
        } else {
            for (int i = 0; i < pl->nfields; i++)
                if (pl->name_lens[i] == kn && memcmp(k, pl->names[i], kn) == 0) {
                    tf[0] = i, tp[0] = 2;
                    break;
                }
            for (int i = 0; i < pl->nfields; i++)
                if (i != tf[0] && pl->name_lens[i] == kn && upper_eq(k, pl->names[i], kn)) {
                    tf[1] = i, tp[1] = 1;
                    break;
                }
        }
    have_key:
        ws(d);
        if (d->p >= d->end || *d->p != ':') return syn(d, "':'");
        d->p++;
        ws(d);
        const char *vstart = d->p, *vend = NULL;
        if (tf[1] < 0 && tf[0] >= 0 && tp[0] >= st[tf[0]]) { /* the usual case: one target */
            int f = tf[0];
            int rc = parse_value(d, pl->fields[f], &items[f]);
            if (rc) return up(d, rc, 0, pl->names[f], pl->name_lens[f], 0);
            st[f] = (uint8_t)tp[0];
            vend = d->p;
        } else {
            for (int t = 0; t < 2; t++) {
                int f = tf[t];
                if (f < 0 || tp[t] < st[f]) continue;
                eddy_value v;
                d->p = vstart;
                int rc = parse_value(d, pl->fields[f], &v);
                if (rc) return up(d, rc, 0, pl->names[f], pl->name_lens[f], 0);
                items[f] = v;
                st[f] = (uint8_t)tp[t];
                vend = d->p;
            }
        }
        if (vend) d->p = vend;
        else if (skip_value(d)) return EDDY_CORRUPT;
        ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            ws(d);
            continue;
        }
        if (d->p < d->end && *d->p == '}') {
            d->p++;
            d->depth--;
            return 0;
        }
        return syn(d, "',' or '}'");
    }
}

static int parse_array(jdec *d, const jplan *pl, eddy_value *out) {
    uint32_t n = 0, cap = 8;
    eddy_value *items;
    if (++d->depth > MAX_DEPTH) return syn(d, "less nesting");
    d->p++;
    ws(d);
    if (d->p < d->end && *d->p == ']') {
        d->p++;
        d->depth--;
        *out = eddy_value_container(d->a, EDDY_V_ARRAY, 0);
        return 0;
    }
    items = eddy_arena_alloc(d->a, cap * sizeof *items);
    if (!items) return nomem(d->err);
    for (;;) {
        if (n == cap) {
            eddy_value *bigger = eddy_arena_alloc(d->a, 2 * (size_t)cap * sizeof *items);
            if (!bigger) return nomem(d->err);
            memcpy(bigger, items, cap * sizeof *items);
            items = bigger;
            cap *= 2;
        }
        int rc = parse_value(d, pl->elem, &items[n]);
        if (rc) return up(d, rc, 1, NULL, 0, n);
        n++;
        ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            ws(d);
            continue;
        }
        if (d->p < d->end && *d->p == ']') {
            d->p++;
            break;
        }
        return syn(d, "',' or ']'");
    }
    d->depth--;
    out->v_kind = EDDY_V_ARRAY;
    out->v_len = n;
    out->u.items = items;
    return 0;
}

static uint32_t hash_bytes(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* An object into a MAP; duplicate keys keep the first position and the last value. */
static int parse_map(jdec *d, const jplan *pl, eddy_value *out) {
    uint32_t n = 0, cap = 8, hcap = 0;
    uint32_t *hidx = NULL;
    eddy_value *items;
    if (++d->depth > MAX_DEPTH) return syn(d, "less nesting");
    d->p++;
    ws(d);
    if (d->p < d->end && *d->p == '}') {
        d->p++;
        d->depth--;
        *out = eddy_value_container(d->a, EDDY_V_MAP, 0);
        return 0;
    }
    items = eddy_arena_alloc(d->a, 2 * (size_t)cap * sizeof *items);
    if (!items) return nomem(d->err);
    for (;;) {
        const char *k, *kb;
        size_t kn, kbn;
        bool esc, stable;
        if (d->p >= d->end || *d->p != '"') return syn(d, "a field name (double-quoted)");
        if (scan_str(d, &k, &kn, &esc) || str_bytes(d, k, kn, esc, &kb, &kbn, &stable)) return EDDY_CORRUPT;
        ws(d);
        if (d->p >= d->end || *d->p != ':') return syn(d, "':'");
        d->p++;
        ws(d);
        eddy_value key;
        int rc = serde_coerce_str(pl->key->type, kb, kbn, stable, d->a, &key, d->err);
        if (rc) return up(d, coerced(d, rc), 2, kb, (uint32_t)kbn, 0);
        /* Duplicate?  Large maps of STRING keys get a hash index over the keys. */
        uint32_t slot = n;
        bool hashed = pl->key->kind == EDDY_TYPE_STRING;
        if (hidx) {
            uint32_t h = hash_bytes(kb, kbn) & (hcap - 1);
            for (uint32_t i; (i = hidx[h]) != 0; h = (h + 1) & (hcap - 1))
                if (eddy_value_equal(&items[2 * (i - 1)], &key)) {
                    slot = i - 1;
                    break;
                }
        } else {
            for (uint32_t i = 0; i < n; i++)
                if (eddy_value_equal(&items[2 * i], &key)) {
                    slot = i;
                    break;
                }
        }
        if (slot == n) {
            if (n == cap) {
                eddy_value *bigger = eddy_arena_alloc(d->a, 4 * (size_t)cap * sizeof *items);
                if (!bigger) return nomem(d->err);
                memcpy(bigger, items, 2 * (size_t)cap * sizeof *items);
                items = bigger;
                cap *= 2;
            }
            items[2 * n] = key;
            n++;
            if (hashed && n >= 16 && (!hidx || 2 * n > hcap)) {
                hcap = 64;
                while (hcap < 4 * n) hcap *= 2;
                hidx = eddy_arena_alloc(d->a, hcap * sizeof *hidx);
                if (!hidx) return nomem(d->err);
                for (uint32_t i = 0; i < n; i++) {
                    const eddy_value *kv = &items[2 * i];
                    uint32_t h = hash_bytes(kv->u.s, kv->v_len) & (hcap - 1);
                    while (hidx[h]) h = (h + 1) & (hcap - 1);
                    hidx[h] = i + 1;
                }
            } else if (hidx) {
                uint32_t h = hash_bytes(kb, kbn) & (hcap - 1);
                while (hidx[h]) h = (h + 1) & (hcap - 1);
                hidx[h] = n;
            }
        }
        rc = parse_value(d, pl->elem, &items[2 * slot + 1]);
        if (rc) return up(d, rc, 2, kb, (uint32_t)kbn, 0);
        ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            ws(d);
            continue;
        }
        if (d->p < d->end && *d->p == '}') {
            d->p++;
            break;
        }
        return syn(d, "',' or '}'");
    }
    d->depth--;
    out->v_kind = EDDY_V_MAP;
    out->v_len = n;
    out->u.items = items;
    return 0;
}

/* The value of eight ASCII digits (first digit in the lowest byte). */
static inline uint64_t eight_digits(uint64_t w) {
    w -= 0x3030303030303030ULL;
    w = (w * 10) + (w >> 8);                       /* pairs: d0d1 in the even bytes */
    w = (((w & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
         (((w >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >> 32;
    return w & 0xFFFFFFFFULL;
}

static int parse_value(jdec *d, const jplan *pl, eddy_value *out) {
    if (d->p >= d->end) return syn(d, "a value");
    switch (*d->p) {
    case '"': {
        const char *s, *b;
        size_t n, blen;
        bool esc, stable;
        if (scan_str(d, &s, &n, &esc)) return EDDY_CORRUPT;
        if (pl->kind == EDDY_TYPE_STRING && !esc) {
            *out = d->borrow ? eddy_value_str(EDDY_V_STRING, s, n) : eddy_value_str_copy(d->a, EDDY_V_STRING, s, n);
            return out->v_kind == EDDY_V_NULL ? nomem(d->err) : 0;
        }
        if (is_complex(pl)) return complex_mismatch(d, pl, "TextNode");
        if (str_bytes(d, s, n, esc, &b, &blen, &stable)) return EDDY_CORRUPT;
        return coerced(d, serde_coerce_str(pl->type, b, blen, stable, d->a, out, d->err));
    }
    case '{':
        if (pl->kind == EDDY_TYPE_STRUCT) {
            eddy_value v = eddy_value_container(d->a, EDDY_V_STRUCT, (uint32_t)pl->nfields);
            if (pl->nfields && v.v_kind == EDDY_V_NULL) return nomem(d->err);
            int rc = parse_struct(d, pl, v.u.items);
            if (!rc) *out = v;
            return rc;
        }
        if (pl->kind == EDDY_TYPE_MAP) return parse_map(d, pl, out);
        if (pl->kind == EDDY_TYPE_STRING) return restring(d, out);
        return complex_mismatch(d, pl, "ObjectNode");
    case '[':
        if (pl->kind == EDDY_TYPE_ARRAY) return parse_array(d, pl, out);
        if (pl->kind == EDDY_TYPE_STRING) return restring(d, out);
        return complex_mismatch(d, pl, "ArrayNode");
    case 't':
    case 'f': {
        bool b = *d->p == 't';
        if (literal(d, b ? "true" : "false", b ? 4 : 5)) return EDDY_CORRUPT;
        if (is_complex(pl)) return complex_mismatch(d, pl, "BooleanNode");
        return coerced(d, serde_coerce_bool(pl->type, b, out, d->err));
    }
    case 'n':
        if (literal(d, "null", 4)) return EDDY_CORRUPT;
        *out = eddy_value_null();
        return 0;
    default: {
        serde_num n;
        const char *tok = d->p;
        if (pl->kind == EDDY_TYPE_BIGINT || pl->kind == EDDY_TYPE_INT || pl->kind == EDDY_TYPE_TIMESTAMP) {
            /* Hot path: a plain integer of up to 18 digits for an integer column. */
            const char *q = tok, *e = d->end, *ds;
            bool neg = q < e && *q == '-';
            uint64_t v = 0;
            q += neg;
            ds = q;
            if (e - q >= 8) { /* eight digits at once */
                uint64_t w;
                memcpy(&w, q, 8);
                if ((((w & 0xF0F0F0F0F0F0F0F0ULL) | (((w + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ==
                     0x3333333333333333ULL)) {
                    v = eight_digits(w);
                    q += 8;
                }
            }
            while (q < e) {
                unsigned c = (unsigned)(*q - '0');
                if (c > 9) break;
                v = v * 10 + c;
                q++;
            }
            size_t nd = (size_t)(q - ds);
            if (nd && nd <= 18 && !(nd > 1 && *ds == '0') && (q == e || (*q != '.' && *q != 'e' && *q != 'E'))) {
                int64_t x = neg ? -(int64_t)v : (int64_t)v;
                d->p = q;
                if (pl->kind == EDDY_TYPE_INT) *out = eddy_value_int((int32_t)(uint32_t)(uint64_t)x);
                else *out = eddy_value_i64(pl->kind == EDDY_TYPE_BIGINT ? EDDY_V_BIGINT : EDDY_V_TIMESTAMP, x);
                return 0;
            }
        }
        size_t k = serde_scan_json_number(d->p, d->end, &n);
        if (!k) return syn(d, "a value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
        d->p += k;
        if (is_complex(pl)) return complex_mismatch(d, pl, num_node(&n));
        return coerced(d, serde_coerce_num(pl->type, &n, tok, k, d->a, out, d->err));
    }
    }
}

/* Appends ", path: $..." to the message of a conversion error. */
static void add_path(jdec *d) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_strbuf_puts(&sb, ", path: $");
    for (int i = d->npath - 1; i >= 0; i--) {
        if (d->path[i].kind == 1) {
            eddy_strbuf_printf(&sb, "[%lld]", (long long)d->path[i].idx);
        } else {
            eddy_strbuf_putc(&sb, '.');
            eddy_strbuf_append(&sb, d->path[i].s, d->path[i].len > 200 ? 200 : d->path[i].len);
            if (d->path[i].kind == 2) eddy_strbuf_puts(&sb, ".value");
        }
    }
    size_t have = strlen(d->err->msg);
    if (!sb.failed && have + sb.len < sizeof d->err->msg) memcpy(d->err->msg + have, sb.buf, sb.len + 1);
    eddy_strbuf_fini(&sb);
}

int serde_json_decode(const eddy_serde *s, const char *data, size_t len, unsigned flags, eddy_value *out,
                      bool *is_null, eddy_arena *a, eddy_err *err) {
    jdec d;
    int rc;
    d.borrow = (flags & EDDY_SERDE_BORROW) != 0;
    if (!d.borrow && s->has_strings && len) {
        /* One copy of the record in the arena, which the strings then point
         * into: cheaper than copying each string. */
        char *copy = eddy_arena_alloc(a, len);
        if (!copy) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        memcpy(copy, data, len);
        data = copy;
        d.borrow = true;
    }
    d.p = d.start = data;
    d.end = data + len;
    d.a = a;
    d.err = err;
    d.coerce = false;
    d.depth = 0;
    d.npath = 0;
    eddy_strbuf_init(&d.tmp);
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) d.p += 3; /* UTF-8 byte order mark */
    ws(&d);
    if (d.p == d.end) { /* nothing at all: a null record */
        if (is_null) *is_null = true;
        return 0;
    }
    if (*d.p == 'n') {
        rc = literal(&d, "null", 4);
        if (!rc && is_null) *is_null = true;
    } else if (s->unwrapped) {
        rc = parse_value(&d, s->plan, &out[0]);
    } else if (*d.p == '{') {
        rc = parse_struct(&d, s->plan, out);
    } else {
        /* Not an object: a syntax error in it wins over the type mismatch. */
        const char *at = d.p;
        char c = *d.p;
        rc = skip_value(&d);
        if (!rc) {
            serde_num n;
            d.p = at;
            const char *src = c == '"' ? "TextNode" : c == '[' ? "ArrayNode" : c == 't' || c == 'f' ? "BooleanNode"
                              : serde_scan_json_number(d.p, d.end, &n) ? num_node(&n) : "MissingNode";
            rc = complex_mismatch(&d, s->plan, src);
        }
    }
    if (!rc) {
        ws(&d);
        if (d.p != d.end) rc = syn(&d, "end of input");
    }
    if (rc) {
        if (d.coerce && rc == EDDY_CORRUPT) add_path(&d);
        memset(out, 0, (size_t)s->ncols * sizeof *out);
    }
    eddy_strbuf_fini(&d.tmp);
    return rc;
}

/* ---- the encoder -------------------------------------------------------------- */

/* 1 where a byte must be escaped in a JSON string. */
static const unsigned char esc_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

/* First byte of s that needs escaping, or e. */
static inline const unsigned char *find_escape(const unsigned char *p, const unsigned char *e) {
    while (e - p >= 8) {
        uint64_t w, q, b;
        memcpy(&w, p, 8);
        q = w ^ 0x2222222222222222ULL;
        b = w ^ 0x5C5C5C5C5C5C5C5CULL;
        if ((((q - 0x0101010101010101ULL) & ~q) | ((b - 0x0101010101010101ULL) & ~b) |
             ((w - 0x2020202020202020ULL) & ~w)) &
            0x8080808080808080ULL)
            break;
        p += 8;
    }
    while (p < e && !esc_class[*p]) p++;
    return p;
}

void serde_json_escape(eddy_strbuf *sb, const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        const unsigned char *q = find_escape(p, e);
        if (q > p) serde_put(sb, (const char *)p, (size_t)(q - p));
        if (q == e) break;
        char buf[8];
        size_t k = 2;
        buf[0] = '\\';
        switch (*q) {
        case '"': buf[1] = '"'; break;
        case '\\': buf[1] = '\\'; break;
        case '\b': buf[1] = 'b'; break;
        case '\f': buf[1] = 'f'; break;
        case '\n': buf[1] = 'n'; break;
        case '\r': buf[1] = 'r'; break;
        case '\t': buf[1] = 't'; break;
        default:
            k = 6;
            buf[1] = 'u', buf[2] = '0', buf[3] = '0';
            buf[4] = "0123456789ABCDEF"[*q >> 4];
            buf[5] = "0123456789ABCDEF"[*q & 15];
            break;
        }
        serde_put(sb, buf, k);
        p = q + 1;
    }
}

static void put_string(eddy_strbuf *sb, const char *s, size_t n) {
    const unsigned char *p = find_escape((const unsigned char *)s, (const unsigned char *)s + n),
                        *e = (const unsigned char *)s + n;
    if (p == e) { /* nothing to escape: one copy */
        char *o = serde_reserve(sb, n + 2);
        if (!o) return;
        *o++ = '"';
        memcpy(o, s, n);
        o += n;
        *o++ = '"';
        serde_commit(sb, o);
        return;
    }
    serde_put(sb, "\"", 1);
    serde_json_escape(sb, s, n);
    serde_put(sb, "\"", 1);
}

static void put_quoted_text(eddy_strbuf *sb, const char *s, size_t n) {
    char *o = serde_reserve(sb, n + 2);
    if (!o) return;
    *o++ = '"';
    memcpy(o, s, n);
    o += n;
    *o++ = '"';
    serde_commit(sb, o);
}

static void write_value(eddy_strbuf *sb, const eddy_value *v, const eddy_type *t, bool rest);

static void write_map_key(eddy_strbuf *sb, const eddy_value *k, const eddy_type *kt) {
    if (k->v_kind == EDDY_V_STRING) {
        put_string(sb, k->u.s, k->v_len);
        return;
    }
    eddy_strbuf tmp = EDDY_STRBUF_INIT;
    write_value(&tmp, k, kt, false);
    if (tmp.len && tmp.buf[0] == '"') serde_put(sb, tmp.buf, tmp.len);
    else put_string(sb, eddy_strbuf_cstr(&tmp), tmp.len);
    eddy_strbuf_fini(&tmp);
}

static void write_value(eddy_strbuf *sb, const eddy_value *v, const eddy_type *t, bool rest) {
    char *o;
    char buf[96];
    size_t n;
    switch (v->v_kind) {
    case EDDY_V_NULL: serde_put(sb, "null", 4); return;
    case EDDY_V_BOOL:
        if (v->u.i) serde_put(sb, "true", 4);
        else serde_put(sb, "false", 5);
        return;
    case EDDY_V_INT:
    case EDDY_V_BIGINT:
        if (!(o = serde_reserve(sb, 24))) return;
        serde_commit(sb, o + serde_i64_text(v->u.i, o));
        return;
    case EDDY_V_DATE:
    case EDDY_V_TIME:
    case EDDY_V_TIMESTAMP:
        if (rest) {
            n = v->v_kind == EDDY_V_DATE   ? serde_date_text(v->u.i, buf)
                : v->v_kind == EDDY_V_TIME ? serde_time_text(v->u.i, buf)
                                           : serde_timestamp_text(v->u.i, buf);
            put_quoted_text(sb, buf, n);
            return;
        }
        if (!(o = serde_reserve(sb, 24))) return;
        serde_commit(sb, o + serde_i64_text(v->u.i, o));
        return;
    case EDDY_V_DOUBLE:
        n = serde_double_text(v->u.d, buf);
        if (v->u.d != v->u.d || v->u.d == __builtin_inf() || v->u.d == -__builtin_inf()) put_quoted_text(sb, buf, n);
        else serde_put(sb, buf, n);
        return;
    case EDDY_V_DECIMAL:
        if (!(o = serde_reserve(sb, 96))) return;
        serde_commit(sb, o + serde_decimal_text(*v->u.dec, v->v_scale, o));
        return;
    case EDDY_V_STRING: put_string(sb, v->u.s, v->v_len); return;
    case EDDY_V_BYTES:
        serde_put(sb, "\"", 1);
        serde_base64_encode(sb, (const unsigned char *)v->u.s, v->v_len);
        serde_put(sb, "\"", 1);
        return;
    case EDDY_V_ARRAY: {
        const eddy_type *et = t && t->ty_kind == EDDY_TYPE_ARRAY ? t->ty_elem : NULL;
        serde_put(sb, "[", 1);
        for (uint32_t i = 0; i < v->v_len; i++) {
            if (i) serde_put(sb, ",", 1);
            write_value(sb, &v->u.items[i], et, rest);
        }
        serde_put(sb, "]", 1);
        return;
    }
    case EDDY_V_MAP: {
        const eddy_type *kt = t && t->ty_kind == EDDY_TYPE_MAP ? t->ty_key : NULL;
        const eddy_type *et = t && t->ty_kind == EDDY_TYPE_MAP ? t->ty_elem : NULL;
        serde_put(sb, "{", 1);
        for (uint32_t i = 0; i < v->v_len; i++) {
            if (i) serde_put(sb, ",", 1);
            write_map_key(sb, &v->u.items[2 * i], kt);
            serde_put(sb, ":", 1);
            write_value(sb, &v->u.items[2 * i + 1], et, rest);
        }
        serde_put(sb, "}", 1);
        return;
    }
    case EDDY_V_STRUCT: {
        if (!t || t->ty_kind != EDDY_TYPE_STRUCT) { /* no names: the fields in order */
            serde_put(sb, "[", 1);
            for (uint32_t i = 0; i < v->v_len; i++) {
                if (i) serde_put(sb, ",", 1);
                write_value(sb, &v->u.items[i], NULL, rest);
            }
            serde_put(sb, "]", 1);
            return;
        }
        serde_put(sb, "{", 1);
        for (int i = 0; i < t->ty_nfields; i++) {
            const char *name = t->ty_fields[i].name ? t->ty_fields[i].name : "";
            if (i) serde_put(sb, ",", 1);
            put_string(sb, name, strlen(name));
            serde_put(sb, ":", 1);
            if ((uint32_t)i < v->v_len) write_value(sb, &v->u.items[i], t->ty_fields[i].type, rest);
            else serde_put(sb, "null", 4);
        }
        serde_put(sb, "}", 1);
        return;
    }
    default: serde_put(sb, "null", 4); return;
    }
}

void serde_json_write_value(eddy_strbuf *sb, const eddy_value *v, const eddy_type *t, bool rest) {
    write_value(sb, v, t, rest);
}

void eddy_value_write_json(const eddy_value *v, const eddy_type *t, bool rest, eddy_strbuf *out) {
    write_value(out, v, t, rest);
}

int serde_json_encode(const eddy_serde *s, const eddy_value *cols, eddy_strbuf *out, bool *is_null, eddy_err *err) {
    if (s->unwrapped) {
        if (cols[0].v_kind == EDDY_V_NULL) {
            *is_null = true;
            return 0;
        }
        write_value(out, &cols[0], s->cols[0].type, false);
        return 0;
    }
    const jplan *pl = s->plan;
    if (!serde_reserve(out, 16 * (size_t)s->ncols + 64)) return 0; /* most records fit: fewer regrowths */
    serde_put(out, "{", 1);
    for (int i = 0; i < s->ncols; i++) {
        if (i) serde_put(out, ",", 1);
        serde_put(out, pl->prefixes[i], pl->prefix_lens[i]);
        write_value(out, &cols[i], s->cols[i].type, false);
    }
    serde_put(out, "}", 1);
    return 0;
}
