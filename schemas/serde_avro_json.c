/* serde_avro_json.c - Avro binary from and to JSON values: the conformance runner's records, tools, and schema defaults.
 *
 * JSON to Avro follows ksqlDB's test serializers (SpecToConnectConverter):
 * scalars are converted from their text (a number given for a STRING field
 * becomes its text, a string of digits an int), record fields are matched by
 * upper-cased name, missing fields are null or their default, BYTES are
 * base64 strings, decimals come from numbers (exact text) or strings.
 * Avro to JSON is the converse, with the exact text of decimals, floats and
 * doubles (as Java prints them) in a side table of JSON pointers, since a
 * JSON double cannot keep a DECIMAL's scale.
 *
 * Both directions are bounded (depth, item counts, bytes left) and never read
 * outside their input.
 */
#include "schemas/serde_avro_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* ---- JSON to Avro ------------------------------------------------------------------ */

typedef struct jw {
    eddy_avro_number_fn num;
    void *ud;
    eddy_strbuf ptr;         /* JSON pointer of the value being written */
    eddy_err *err;
    bool defaults;           /* writing a schema default: Avro's JSON encoding of defaults */
} jw;

static int jw_fail(jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int jw_fail(jw *w, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *where = eddy_strbuf_cstr(&w->ptr);
    return eddy_err_set(w->err, EDDY_INVAL, "%s%s%s", msg, *where ? " at " : "", where);
}

/* The text Java's toString would give for a JSON scalar (numbers exact). */
static const char *scalar_text(jw *w, json_t *v, char *buf, size_t n) {
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_true(v)) return "true";
    if (json_is_false(v)) return "false";
    if (json_is_integer(v)) {
        snprintf(buf, n, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    if (json_is_real(v)) {
        const char *t = w->num ? w->num(w->ud, eddy_strbuf_cstr(&w->ptr)) : NULL;
        if (t) return t;
        buf[serde_double_text(json_real_value(v), buf)] = '\0';
        return buf;
    }
    return NULL;
}

static void ptr_push(eddy_strbuf *p, const char *key) {
    eddy_strbuf_putc(p, '/');
    for (const char *k = key; *k; k++) {
        if (*k == '~') eddy_strbuf_puts(p, "~0");
        else if (*k == '/') eddy_strbuf_puts(p, "~1");
        else eddy_strbuf_putc(p, *k);
    }
}

static void ptr_pop(eddy_strbuf *p, size_t at) {
    p->len = at;
    if (p->buf) p->buf[at] = '\0';
}

static int jw_value(jw *w, const av_node *n, json_t *v, eddy_strbuf *out, int depth);

/* A decimal's unscaled value from a JSON number or string. */
static int jw_decimal(jw *w, const av_node *n, json_t *v, eddy_int128 *u) {
    char buf[64];
    const char *text = json_is_number(v) || json_is_string(v) ? scalar_text(w, v, buf, sizeof buf) : NULL;
    serde_num num;
    eddy_err e;
    if (!text || serde_parse_bigdecimal(text, strlen(text), &num) != 0)
        return jw_fail(w, "DECIMAL type requires JSON number in test data");
    int prec = n->precision > 0 ? n->precision : 38;
    eddy_err_clear(&e);
    if (serde_num_to_decimal(&num, prec > 38 ? 38 : prec, n->scale, u, &e)) return jw_fail(w, "%s", e.msg);
    return 0;
}

static int jw_record(jw *w, const av_node *n, json_t *v, eddy_strbuf *out, int depth) {
    if (!json_is_object(v)) return jw_fail(w, "expected an object for record %s", n->fullname);
    for (int i = 0; i < n->n; i++) {
        const av_field *f = &n->fields[i];
        const char *key;
        json_t *x, *found = NULL;
        const char *found_key = NULL;
        json_object_foreach(v, key, x) {
            if (strcasecmp(key, f->name) == 0) {
                found = x;
                found_key = key;
                if (strcmp(key, f->name) == 0) break;
            }
        }
        size_t at = w->ptr.len;
        int rc;
        if (found) {
            ptr_push(&w->ptr, found_key);
            rc = jw_value(w, f->type, found, out, depth + 1);
        } else if (f->deflt && !(json_is_null(f->deflt) && f->type->type == AV_UNION && f->type->null_branch > 0)) {
            ptr_push(&w->ptr, f->name);
            rc = av_write_default(f->type, f->deflt, out, w->err);
        } else {
            ptr_push(&w->ptr, f->name);
            rc = jw_value(w, f->type, json_null(), out, depth + 1);
        }
        ptr_pop(&w->ptr, at);
        if (rc) return rc;
    }
    return 0;
}

/* The union branch for a (non-null) JSON value. */
static int union_branch(const av_node *n, json_t *v) {
    const av_node *opt = av_optional_of(n);
    if (opt) return 1 - n->null_branch;
    for (int i = 0; i < n->n; i++) {
        const av_node *b = n->branches[i];
        switch (b->type) {
        case AV_BOOLEAN:
            if (json_is_boolean(v)) return i;
            break;
        case AV_INT:
        case AV_LONG:
            if (json_is_integer(v)) return i;
            break;
        case AV_FLOAT:
        case AV_DOUBLE:
            if (json_is_number(v)) return i;
            break;
        case AV_STRING:
        case AV_ENUM:
        case AV_BYTES:
        case AV_FIXED:
            if (json_is_string(v)) return i;
            break;
        case AV_ARRAY:
            if (json_is_array(v) || (b->map_entries && json_is_object(v))) return i;
            break;
        case AV_RECORD:
        case AV_MAP:
            if (json_is_object(v)) return i;
            break;
        default: break;
        }
    }
    return -1;
}

static int jw_value(jw *w, const av_node *n, json_t *v, eddy_strbuf *out, int depth) {
    char buf[64];
    const char *text;
    if (depth > AV_MAX_DEPTH) return jw_fail(w, "value nested too deeply");
    if (!v || json_is_null(v)) {
        if (n->type == AV_NULL) return 0;
        if (n->type == AV_UNION && n->null_branch >= 0) {
            av_write_long(out, n->null_branch);
            return 0;
        }
        return jw_fail(w, "null given for a non-null %s", av_connect_type_name(n));
    }
    switch (n->type) {
    case AV_NULL: return jw_fail(w, "a value given for a null schema");
    case AV_BOOLEAN:
        text = scalar_text(w, v, buf, sizeof buf);
        if (!text) return jw_fail(w, "expected a boolean");
        serde_put(out, strcasecmp(text, "true") == 0 ? "\1" : "\0", 1);
        return 0;
    case AV_INT:
    case AV_LONG: {
        int64_t l;
        text = scalar_text(w, v, buf, sizeof buf);
        if (!text || serde_parse_java_long(text, strlen(text), n->type == AV_INT ? 32 : 64, &l))
            return jw_fail(w, "For input string: \"%s\"", text ? text : "(not a scalar)");
        av_write_long(out, l);
        return 0;
    }
    case AV_FLOAT:
    case AV_DOUBLE: {
        double d;
        text = scalar_text(w, v, buf, sizeof buf);
        if (!text || serde_parse_java_double(text, strlen(text), &d))
            return jw_fail(w, "For input string: \"%s\"", text ? text : "(not a scalar)");
        if (n->type == AV_FLOAT) av_write_float(out, (float)d);
        else av_write_double(out, d);
        return 0;
    }
    case AV_STRING:
        if (json_is_string(v)) {
            av_write_bytes(out, json_string_value(v), json_string_length(v));
        } else if ((text = scalar_text(w, v, buf, sizeof buf))) {
            av_write_bytes(out, text, strlen(text));
        } else {
            char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            if (!t) return eddy_err_set(w->err, EDDY_NOMEM, "out of memory");
            av_write_bytes(out, t, strlen(t));
            free(t);
        }
        return 0;
    case AV_ENUM:
        text = json_string_value(v);
        for (int i = 0; text && i < n->n; i++)
            if (strcmp(n->symbols[i], text) == 0) {
                av_write_long(out, i);
                return 0;
            }
        return jw_fail(w, "'%s' is not a symbol of enum %s", text ? text : "(not a string)", n->fullname);
    case AV_BYTES:
    case AV_FIXED: {
        if (n->logical == AV_L_DECIMAL && !w->defaults) {
            eddy_int128 u;
            int rc = jw_decimal(w, n, v, &u);
            if (rc) return rc;
            if (n->type == AV_BYTES) {
                av_write_unscaled(out, u, true);
            } else {
                eddy_strbuf tmp = EDDY_STRBUF_INIT;
                av_write_unscaled(&tmp, u, false);
                if ((int64_t)tmp.len > n->size) {
                    eddy_strbuf_fini(&tmp);
                    return jw_fail(w, "decimal too large for fixed(%lld)", (long long)n->size);
                }
                for (int64_t i = (int64_t)tmp.len; i < n->size; i++) serde_put(out, u < 0 ? "\xff" : "\0", 1);
                serde_put(out, tmp.buf ? tmp.buf : "", tmp.len);
                eddy_strbuf_fini(&tmp);
            }
            return 0;
        }
        if (!json_is_string(v)) return jw_fail(w, "expected a string for %s", n->type == AV_BYTES ? "bytes" : "fixed");
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        eddy_strbuf raw = EDDY_STRBUF_INIT;
        if (w->defaults) {
            /* Avro's JSON encoding of bytes: code points 0-255 as bytes. */
            const unsigned char *p = (const unsigned char *)s, *end = p + len;
            while (p < end) {
                if (*p < 0x80) eddy_strbuf_putc(&raw, (char)*p++);
                else if ((*p & 0xe0) == 0xc0 && p + 1 < end && *p <= 0xc3) {
                    eddy_strbuf_putc(&raw, (char)(((p[0] & 0x1f) << 6) | (p[1] & 0x3f)));
                    p += 2;
                } else {
                    eddy_strbuf_fini(&raw);
                    return jw_fail(w, "bytes default has a character above U+00FF");
                }
            }
        } else {
            eddy_arena *a = eddy_arena_new();
            const char *dec;
            size_t dlen;
            if (!a || serde_base64_decode(s, len, a, &dec, &dlen)) {
                eddy_arena_destroy(a);
                return jw_fail(w, "bytes must be base64: '%s'", s);
            }
            eddy_strbuf_append(&raw, dec, dlen);
            eddy_arena_destroy(a);
        }
        int rc = 0;
        if (n->type == AV_FIXED) {
            if ((int64_t)raw.len != n->size) rc = jw_fail(w, "fixed(%lld) given %zu bytes", (long long)n->size, raw.len);
            else serde_put(out, raw.buf ? raw.buf : "", raw.len);
        } else {
            av_write_bytes(out, raw.buf ? raw.buf : "", raw.len);
        }
        eddy_strbuf_fini(&raw);
        return rc;
    }
    case AV_ARRAY:
        if (n->map_entries && json_is_object(v)) {
            const char *key;
            json_t *x;
            if (json_object_size(v)) av_write_long(out, (int64_t)json_object_size(v));
            json_object_foreach(v, key, x) {
                size_t at = w->ptr.len;
                json_t *k = json_string(key);
                ptr_push(&w->ptr, key);
                int rc = k ? jw_value(w, n->items->fields[0].type, k, out, depth + 1) : EDDY_NOMEM;
                json_decref(k);
                if (!rc) rc = jw_value(w, n->items->fields[1].type, x, out, depth + 1);
                ptr_pop(&w->ptr, at);
                if (rc) return rc == EDDY_NOMEM ? eddy_err_set(w->err, rc, "out of memory") : rc;
            }
            av_write_long(out, 0);
            return 0;
        }
        if (!json_is_array(v)) return jw_fail(w, "expected an array");
        if (json_array_size(v)) av_write_long(out, (int64_t)json_array_size(v));
        for (size_t i = 0; i < json_array_size(v); i++) {
            size_t at = w->ptr.len;
            eddy_strbuf_printf(&w->ptr, "/%zu", i);
            int rc = jw_value(w, n->items, json_array_get(v, i), out, depth + 1);
            ptr_pop(&w->ptr, at);
            if (rc) return rc;
        }
        av_write_long(out, 0);
        return 0;
    case AV_MAP: {
        const char *key;
        json_t *x;
        if (!json_is_object(v)) return jw_fail(w, "expected an object for a map");
        if (json_object_size(v)) av_write_long(out, (int64_t)json_object_size(v));
        json_object_foreach(v, key, x) {
            size_t at = w->ptr.len;
            av_write_bytes(out, key, strlen(key));
            ptr_push(&w->ptr, key);
            int rc = jw_value(w, n->items, x, out, depth + 1);
            ptr_pop(&w->ptr, at);
            if (rc) return rc;
        }
        av_write_long(out, 0);
        return 0;
    }
    case AV_RECORD: return jw_record(w, n, v, out, depth);
    case AV_UNION: {
        int b = w->defaults ? 0 : union_branch(n, v);
        json_t *inner = v;
        if (b < 0 && json_is_object(v) && json_object_size(v) == 1) {
            /* {"<branch name>": value}, as Connect shows a union. */
            const char *key;
            json_t *x;
            json_object_foreach(v, key, x) {
                for (int i = 0; i < n->n && b < 0; i++) {
                    const av_node *br = n->branches[i];
                    const char *bn = br->name ? br->name : av_connect_type_name(br);
                    if (strcasecmp(bn, key) == 0) {
                        b = i;
                        inner = x;
                    }
                }
            }
        }
        if (b < 0) return jw_fail(w, "no branch of the union takes this value");
        av_write_long(out, b);
        return jw_value(w, n->branches[b], inner, out, depth + 1);
    }
    }
    return jw_fail(w, "unknown type");
}

int eddy_avro_from_json(const eddy_avro_schema *s, json_t *v, const char *base, eddy_avro_number_fn num, void *ud,
                        eddy_strbuf *out, eddy_err *err) {
    jw w = {num, ud, EDDY_STRBUF_INIT, err, false};
    eddy_strbuf_puts(&w.ptr, base ? base : "");
    int rc = jw_value(&w, s->root, v, out, 0);
    eddy_strbuf_fini(&w.ptr);
    if (!rc && out->failed) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return rc;
}

int av_write_default(const av_node *n, json_t *v, eddy_strbuf *out, eddy_err *err) {
    jw w = {NULL, NULL, EDDY_STRBUF_INIT, err, true};
    /* Defaults use Avro's JSON encoding: a union's is for its first branch,
     * bytes (decimals too) are strings of code points 0-255. */
    int rc = jw_value(&w, n, v, out, 0);
    eddy_strbuf_fini(&w.ptr);
    return rc;
}

/* ---- Avro to JSON ------------------------------------------------------------------ */

typedef struct jr {
    av_in in;
    const unsigned char *base; /* the first byte, for offsets in messages */
    eddy_strbuf ptr;
    json_t *numbers;         /* may be NULL */
    eddy_err *err;
    bool failed;             /* the first failure's message is kept */
} jr;

static json_t *jr_fail(jr *r, const char *what) {
    if (!r->failed) eddy_err_set(r->err, EDDY_CORRUPT, "Malformed Avro data: %s at byte %td", what, r->in.p - r->base);
    r->failed = true;
    return NULL;
}

/* A JSON number whose exact text is kept in the numbers table. */
static json_t *exact_number(jr *r, const char *text, size_t n) {
    char buf[96];
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    if (r->numbers) json_object_set_new(r->numbers, eddy_strbuf_cstr(&r->ptr), json_stringn(buf, n));
    return json_real(strtod(buf, NULL));
}

static json_t *string_json(const unsigned char *p, size_t n) {
    eddy_arena *a = eddy_arena_new();
    if (!a) return NULL;
    eddy_value v = serde_string_value((const char *)p, n, false, a);
    json_t *j = v.v_kind == EDDY_V_STRING ? json_stringn(v.u.s ? v.u.s : "", v.v_len) : NULL;
    eddy_arena_destroy(a);
    return j;
}

static json_t *bytes_json(const unsigned char *p, size_t n) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    serde_base64_encode(&sb, p, n);
    json_t *j = json_stringn(sb.buf ? sb.buf : "", sb.len);
    eddy_strbuf_fini(&sb);
    return j;
}

static json_t *jr_value(jr *r, const av_node *n, int depth);

static json_t *jr_items(jr *r, const av_node *n, int depth) {
    bool as_object = n->type == AV_MAP || n->map_entries;
    json_t *out = as_object ? json_object() : json_array();
    int item = n->items->min_size + (n->type == AV_MAP);
    size_t idx = 0;
    if (!out) return NULL;
    for (;;) {
        int64_t count;
        if (!av_read_block(&r->in, item, &count)) {
            json_decref(out);
            return jr_fail(r, "bad block count");
        }
        if (count == 0) return out;
        for (int64_t i = 0; i < count; i++, idx++) {
            size_t at = r->ptr.len;
            json_t *x = NULL;
            if (n->type == AV_MAP) {
                const unsigned char *k;
                size_t klen;
                json_t *key = av_read_bytes(&r->in, &k, &klen) ? string_json(k, klen) : NULL;
                if (key) {
                    ptr_push(&r->ptr, json_string_value(key));
                    x = jr_value(r, n->items, depth + 1);
                    if (x) json_object_set_new(out, json_string_value(key), x);
                }
                json_decref(key);
            } else if (n->map_entries) {
                json_t *key = jr_value(r, n->items->fields[0].type, depth + 1);
                if (key) {
                    const char *ks = json_is_string(key) ? json_string_value(key) : "null";
                    ptr_push(&r->ptr, ks);
                    x = jr_value(r, n->items->fields[1].type, depth + 1);
                    if (x) json_object_set_new(out, ks, x);
                }
                json_decref(key);
            } else {
                eddy_strbuf_printf(&r->ptr, "/%zu", idx);
                x = jr_value(r, n->items, depth + 1);
                if (x) json_array_append_new(out, x);
            }
            ptr_pop(&r->ptr, at);
            if (!x) {
                json_decref(out);
                return jr_fail(r, "bad item");
            }
        }
    }
}

static json_t *jr_value(jr *r, const av_node *n, int depth) {
    const unsigned char *p;
    size_t len;
    int64_t l;
    char buf[96];
    if (depth > AV_MAX_DEPTH) return jr_fail(r, "nested too deeply");
    switch (n->type) {
    case AV_NULL: return json_null();
    case AV_BOOLEAN:
        if (!av_read_fixed(&r->in, 1, &p)) return jr_fail(r, "truncated boolean");
        return json_boolean(p[0] == 1);
    case AV_INT:
    case AV_LONG:
        if (!av_read_long(&r->in, &l) || (n->type == AV_INT && (l < INT32_MIN || l > INT32_MAX)))
            return jr_fail(r, "bad varint");
        return json_integer(l);
    case AV_FLOAT: {
        float f;
        if (!av_read_float(&r->in, &f)) return jr_fail(r, "truncated float");
        if (f != f || f == __builtin_inff() || f == -__builtin_inff()) {
            size_t k = av_float_text(f, buf);
            return json_stringn(buf, k);
        }
        return exact_number(r, buf, av_float_text(f, buf));
    }
    case AV_DOUBLE: {
        double d;
        if (!av_read_double(&r->in, &d)) return jr_fail(r, "truncated double");
        size_t k = serde_double_text(d, buf);
        if (d != d || d == __builtin_inf() || d == -__builtin_inf()) return json_stringn(buf, k);
        return exact_number(r, buf, k);
    }
    case AV_STRING:
        if (!av_read_bytes(&r->in, &p, &len)) return jr_fail(r, "bad string");
        return string_json(p, len);
    case AV_ENUM:
        if (!av_read_long(&r->in, &l) || l < 0 || l >= n->n) return jr_fail(r, "bad enum index");
        return json_string(n->symbols[l]);
    case AV_BYTES:
    case AV_FIXED:
        if (n->type == AV_BYTES ? !av_read_bytes(&r->in, &p, &len) : !av_read_fixed(&r->in, (size_t)n->size, &p))
            return jr_fail(r, "bad bytes");
        if (n->type == AV_FIXED) len = (size_t)n->size;
        if (n->logical == AV_L_DECIMAL) {
            eddy_int128 u;
            if (!av_read_unscaled(p, len, &u)) return jr_fail(r, "decimal too large");
            return exact_number(r, buf, serde_decimal_text(u, n->scale, buf));
        }
        return bytes_json(p, len);
    case AV_ARRAY:
    case AV_MAP: return jr_items(r, n, depth);
    case AV_RECORD: {
        json_t *o = json_object();
        for (int i = 0; o && i < n->n; i++) {
            size_t at = r->ptr.len;
            ptr_push(&r->ptr, n->fields[i].name);
            json_t *x = jr_value(r, n->fields[i].type, depth + 1);
            ptr_pop(&r->ptr, at);
            if (!x) {
                json_decref(o);
                return NULL;
            }
            json_object_set_new(o, n->fields[i].name, x);
        }
        return o;
    }
    case AV_UNION: {
        if (!av_read_long(&r->in, &l) || l < 0 || l >= n->n) return jr_fail(r, "bad union branch");
        if (av_optional_of(n) || n->branches[l]->type == AV_NULL) return jr_value(r, n->branches[l], depth + 1);
        /* A general union reads as Connect shows it: a field per branch. */
        json_t *o = json_object();
        for (int i = 0; o && i < n->n; i++) {
            const av_node *b = n->branches[i];
            if (b->type == AV_NULL) continue;
            const char *bn = b->name ? b->name : av_connect_type_name(b);
            json_t *x;
            if (i == l) {
                size_t at = r->ptr.len;
                ptr_push(&r->ptr, bn);
                x = jr_value(r, b, depth + 1);
                ptr_pop(&r->ptr, at);
                if (!x) {
                    json_decref(o);
                    return NULL;
                }
            } else {
                x = json_null();
            }
            json_object_set_new(o, bn, x);
        }
        return o;
    }
    }
    return jr_fail(r, "unknown type");
}

int eddy_avro_to_json(const eddy_avro_schema *s, const void *data, size_t len, json_t **out, json_t **numbers,
                      eddy_err *err) {
    jr r = {.err = err};
    *out = NULL;
    if (numbers) *numbers = NULL;
    av_in_init(&r.in, data, len);
    r.base = r.in.p;
    if (numbers && !(r.numbers = json_object())) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    json_t *v = jr_value(&r, s->root, 0);
    eddy_strbuf_fini(&r.ptr);
    if (v && r.in.p != r.in.end) {
        json_decref(v);
        v = NULL;
        r.failed = true;
        eddy_err_set(err, EDDY_CORRUPT, "Malformed Avro data: %td bytes left over", r.in.end - r.in.p);
    }
    if (!v) {
        json_decref(r.numbers);
        return r.failed ? EDDY_CORRUPT : eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    *out = v;
    if (numbers) *numbers = r.numbers;
    return 0;
}
