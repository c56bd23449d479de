/* value_json.c - values to and from jansson JSON: the control plane (REST rows, INSERT payloads, test records).
 *
 * eddy_value_from_json applies the same coercions as the JSON record format
 * (serde_json.c): numbers truncate into INT/BIGINT, numeric strings become
 * numbers, any scalar becomes a STRING, DECIMAL is fitted to the type's scale
 * (an error if that would round), BYTES come from base64.  For the REST API it
 * also reads TIMESTAMP, DATE and TIME from their ISO-8601 strings
 * ("2021-05-04T12:00:00.000", "2021-05-04", "12:00:00").  Give a DECIMAL as a
 * string ("1.50") when the exact text matters: jansson keeps reals as doubles.
 *
 * eddy_value_to_json writes DECIMAL as a JSON real (an integer when the scale
 * is 0), which loses the scale when dumped; eddy_value_write_json (serde_json.c)
 * writes the exact text.
 */
#include "schemas/serde_impl.h"

#include <stdio.h>

/* ---- from JSON ---------------------------------------------------------------- */

typedef struct fctx {
    eddy_arena *a;
    eddy_err *err;
    eddy_strbuf path;
} fctx;

static int fail_path(fctx *c, int rc) {
    if (rc == EDDY_CORRUPT && c->err) {
        size_t have = strlen(c->err->msg);
        snprintf(c->err->msg + have, sizeof c->err->msg - have, ", path: $%s", eddy_strbuf_cstr(&c->path));
    }
    return rc;
}

static int mismatch(fctx *c, const char *source, const eddy_type *t) {
    char *req = eddy_type_to_string(t);
    eddy_err_set(c->err, EDDY_CORRUPT, "Can't convert type. sourceType: %s, requiredType: %s", source,
                 req ? req : eddy_type_kind_name(t->ty_kind));
    free(req);
    return EDDY_CORRUPT;
}

static bool complex_kind(const eddy_type *t) {
    return t->ty_kind == EDDY_TYPE_ARRAY || t->ty_kind == EDDY_TYPE_MAP || t->ty_kind == EDDY_TYPE_STRUCT;
}

static const char *node_name(const json_t *j) {
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "ObjectNode";
    case JSON_ARRAY: return "ArrayNode";
    case JSON_STRING: return "TextNode";
    case JSON_INTEGER: {
        json_int_t v = json_integer_value(j);
        return v >= INT32_MIN && v <= INT32_MAX ? "IntNode" : "LongNode";
    }
    case JSON_REAL: return "DecimalNode";
    case JSON_TRUE:
    case JSON_FALSE: return "BooleanNode";
    default: return "NullNode";
    }
}

/* Text of a number as the JSON decoder would see it. */
static size_t number_text(const json_t *j, char *buf) {
    if (json_is_integer(j)) return serde_i64_text((int64_t)json_integer_value(j), buf);
    return serde_double_text(json_real_value(j), buf);
}

/* A STRING made from an array as ksqlDB's processString does ("[a, 1, null]"). */
static void array_text(const json_t *j, eddy_strbuf *sb) {
    size_t i;
    json_t *e;
    eddy_strbuf_putc(sb, '[');
    json_array_foreach(j, i, e) {
        char buf[40];
        if (i) eddy_strbuf_puts(sb, ", ");
        switch (json_typeof(e)) {
        case JSON_STRING: eddy_strbuf_append(sb, json_string_value(e), json_string_length(e)); break;
        case JSON_ARRAY: array_text(e, sb); break;
        case JSON_OBJECT: {
            char *s = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
            if (s) eddy_strbuf_puts(sb, s);
            free(s);
            break;
        }
        case JSON_INTEGER:
        case JSON_REAL: eddy_strbuf_append(sb, buf, number_text(e, buf)); break;
        case JSON_TRUE: eddy_strbuf_puts(sb, "true"); break;
        case JSON_FALSE: eddy_strbuf_puts(sb, "false"); break;
        default: eddy_strbuf_puts(sb, "null"); break;
        }
    }
    eddy_strbuf_putc(sb, ']');
}

static int from_json(fctx *c, const json_t *j, const eddy_type *t, eddy_value *out);

static int from_struct(fctx *c, const json_t *j, const eddy_type *t, eddy_value *out) {
    eddy_value v = eddy_value_container(c->a, EDDY_V_STRUCT, (uint32_t)t->ty_nfields);
    if (t->ty_nfields && v.v_kind == EDDY_V_NULL) return eddy_err_set(c->err, EDDY_NOMEM, "out of memory");
    for (int i = 0; i < t->ty_nfields; i++) {
        const char *name = t->ty_fields[i].name ? t->ty_fields[i].name : "";
        const json_t *fv = json_object_get(j, name);
        if (!fv) { /* a key whose upper-case is the name; the last such wins */
            const char *k;
            json_t *x;
            json_object_foreach((json_t *)j, k, x) {
                size_t n = strlen(k);
                if (n != strlen(name)) continue;
                size_t q = 0;
                while (q < n && (k[q] >= 'a' && k[q] <= 'z' ? k[q] - 32 : k[q]) == name[q]) q++;
                if (q == n) fv = x;
            }
        }
        if (!fv) continue;
        size_t mark = c->path.len;
        eddy_strbuf_printf(&c->path, ".%s", name);
        int rc = from_json(c, fv, t->ty_fields[i].type, &v.u.items[i]);
        if (rc) return rc;
        c->path.len = mark;
        if (c->path.buf) c->path.buf[mark] = '\0';
    }
    *out = v;
    return 0;
}

static int from_json(fctx *c, const json_t *j, const eddy_type *t, eddy_value *out) {
    char buf[48];
    *out = eddy_value_null();
    if (!j || json_is_null(j)) return 0;
    switch (json_typeof(j)) {
    case JSON_TRUE:
    case JSON_FALSE:
        if (complex_kind(t)) return fail_path(c, mismatch(c, "BooleanNode", t));
        return fail_path(c, serde_coerce_bool(t, json_is_true(j), out, c->err));
    case JSON_INTEGER:
    case JSON_REAL: {
        if (complex_kind(t)) return fail_path(c, mismatch(c, node_name(j), t));
        size_t n = number_text(j, buf);
        serde_num num;
        if (serde_scan_json_number(buf, buf + n, &num) != n) { /* cannot happen for finite numbers */
            return fail_path(c, eddy_err_set(c->err, EDDY_CORRUPT, "invalid number %.*s", (int)n, buf));
        }
        return fail_path(c, serde_coerce_num(t, &num, buf, n, c->a, out, c->err));
    }
    case JSON_STRING: {
        const char *s = json_string_value(j);
        size_t n = json_string_length(j);
        int64_t x;
        if (complex_kind(t)) return fail_path(c, mismatch(c, "TextNode", t));
        /* The REST API's ISO-8601 forms, where the record format wants numbers. */
        if (t->ty_kind == EDDY_TYPE_TIMESTAMP && serde_parse_java_long(s, n, 64, &x) &&
            serde_parse_timestamp(s, n, &x) == 0) {
            *out = eddy_value_i64(EDDY_V_TIMESTAMP, x);
            return 0;
        }
        if (t->ty_kind == EDDY_TYPE_DATE && serde_parse_java_long(s, n, 32, &x) && serde_parse_date(s, n, &x) == 0) {
            *out = eddy_value_i64(EDDY_V_DATE, x);
            return 0;
        }
        if (t->ty_kind == EDDY_TYPE_TIME && serde_parse_java_long(s, n, 64, &x) && serde_parse_time(s, n, &x) == 0) {
            *out = eddy_value_i64(EDDY_V_TIME, x);
            return 0;
        }
        if (t->ty_kind == EDDY_TYPE_STRING) {
            *out = serde_string_value(s, n, false, c->a);
            return out->v_kind == EDDY_V_NULL ? eddy_err_set(c->err, EDDY_NOMEM, "out of memory") : 0;
        }
        return fail_path(c, serde_coerce_str(t, s, n, false, c->a, out, c->err));
    }
    case JSON_ARRAY: {
        if (t->ty_kind == EDDY_TYPE_STRING) {
            eddy_strbuf sb = EDDY_STRBUF_INIT;
            array_text(j, &sb);
            *out = eddy_value_str_copy(c->a, EDDY_V_STRING, eddy_strbuf_cstr(&sb), sb.len);
            eddy_strbuf_fini(&sb);
            return out->v_kind == EDDY_V_NULL ? eddy_err_set(c->err, EDDY_NOMEM, "out of memory") : 0;
        }
        if (t->ty_kind != EDDY_TYPE_ARRAY) return fail_path(c, mismatch(c, "ArrayNode", t));
        size_t n = json_array_size(j);
        eddy_value v = eddy_value_container(c->a, EDDY_V_ARRAY, (uint32_t)n);
        if (n && v.v_kind == EDDY_V_NULL) return eddy_err_set(c->err, EDDY_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            size_t mark = c->path.len;
            eddy_strbuf_printf(&c->path, "[%zu]", i);
            int rc = from_json(c, json_array_get(j, i), t->ty_elem, &v.u.items[i]);
            if (rc) return rc;
            c->path.len = mark;
            if (c->path.buf) c->path.buf[mark] = '\0';
        }
        *out = v;
        return 0;
    }
    case JSON_OBJECT: {
        if (t->ty_kind == EDDY_TYPE_STRUCT) return from_struct(c, j, t, out);
        if (t->ty_kind == EDDY_TYPE_STRING) {
            char *s = json_dumps(j, JSON_COMPACT);
            if (!s) return eddy_err_set(c->err, EDDY_NOMEM, "out of memory");
            *out = eddy_value_str_copy(c->a, EDDY_V_STRING, s, strlen(s));
            free(s);
            return out->v_kind == EDDY_V_NULL ? eddy_err_set(c->err, EDDY_NOMEM, "out of memory") : 0;
        }
        if (t->ty_kind != EDDY_TYPE_MAP) return fail_path(c, mismatch(c, "ObjectNode", t));
        size_t n = json_object_size(j), i = 0;
        eddy_value v = eddy_value_container(c->a, EDDY_V_MAP, (uint32_t)n);
        if (n && v.v_kind == EDDY_V_NULL) return eddy_err_set(c->err, EDDY_NOMEM, "out of memory");
        const char *k;
        size_t klen;
        json_t *x;
        json_object_keylen_foreach((json_t *)j, k, klen, x) {
            size_t mark = c->path.len;
            eddy_strbuf_printf(&c->path, ".%.*s", (int)klen, k);
            int rc = serde_coerce_str(t->ty_key, k, klen, false, c->a, &v.u.items[2 * i], c->err);
            if (rc) return fail_path(c, rc);
            eddy_strbuf_puts(&c->path, ".value");
            rc = from_json(c, x, t->ty_elem, &v.u.items[2 * i + 1]);
            if (rc) return rc;
            c->path.len = mark;
            if (c->path.buf) c->path.buf[mark] = '\0';
            i++;
        }
        *out = v;
        return 0;
    }
    default: return 0;
    }
}

int eddy_value_from_json(const json_t *j, const eddy_type *t, eddy_arena *a, eddy_value *out, eddy_err *err) {
    fctx c = {a, err, EDDY_STRBUF_INIT};
    int rc = from_json(&c, j, t, out);
    if (rc) *out = eddy_value_null();
    eddy_strbuf_fini(&c.path);
    return rc;
}

/* ---- to JSON ------------------------------------------------------------------ */

static json_t *text_json(const char *s, size_t n) { return json_stringn(s, n); }

static json_t *string_json(const char *s, size_t n) {
    if (serde_utf8_valid_prefix(s, n) == n) return json_stringn_nocheck(s, n);
    eddy_arena *a = eddy_arena_new();
    if (!a) return NULL;
    eddy_value v = serde_string_value(s, n, false, a);
    json_t *j = v.v_kind == EDDY_V_STRING ? json_stringn_nocheck(v.u.s, v.v_len) : NULL;
    eddy_arena_destroy(a);
    return j;
}

static json_t *decimal_json(const eddy_value *v) {
    char buf[96];
    size_t n = serde_decimal_text(*v->u.dec, v->v_scale, buf);
    buf[n] = '\0';
    if (v->v_scale <= 0) {
        int64_t x;
        if (serde_parse_java_long(buf, n, 64, &x) == 0) return json_integer((json_int_t)x);
    }
    return json_real(strtod(buf, NULL));
}

json_t *eddy_value_to_json(const eddy_value *v, const eddy_type *t, bool rest) {
    char buf[96];
    size_t n;
    switch (v->v_kind) {
    case EDDY_V_NULL: return json_null();
    case EDDY_V_BOOL: return json_boolean(v->u.i);
    case EDDY_V_INT:
    case EDDY_V_BIGINT: return json_integer((json_int_t)v->u.i);
    case EDDY_V_DATE:
    case EDDY_V_TIME:
    case EDDY_V_TIMESTAMP:
        if (!rest) return json_integer((json_int_t)v->u.i);
        n = v->v_kind == EDDY_V_DATE   ? serde_date_text(v->u.i, buf)
            : v->v_kind == EDDY_V_TIME ? serde_time_text(v->u.i, buf)
                                       : serde_timestamp_text(v->u.i, buf);
        return text_json(buf, n);
    case EDDY_V_DOUBLE:
        if (v->u.d != v->u.d || v->u.d == __builtin_inf() || v->u.d == -__builtin_inf()) {
            n = serde_double_text(v->u.d, buf);
            return text_json(buf, n);
        }
        return json_real(v->u.d);
    case EDDY_V_DECIMAL: return decimal_json(v);
    case EDDY_V_STRING: return string_json(v->u.s ? v->u.s : "", v->v_len);
    case EDDY_V_BYTES: {
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        serde_base64_encode(&sb, (const unsigned char *)v->u.s, v->v_len);
        json_t *j = sb.failed ? NULL : text_json(eddy_strbuf_cstr(&sb), sb.len);
        eddy_strbuf_fini(&sb);
        return j;
    }
    case EDDY_V_ARRAY: {
        const eddy_type *et = t && t->ty_kind == EDDY_TYPE_ARRAY ? t->ty_elem : NULL;
        json_t *arr = json_array();
        if (!arr) return NULL;
        for (uint32_t i = 0; i < v->v_len; i++) {
            json_t *e = eddy_value_to_json(&v->u.items[i], et, rest);
            if (!e || json_array_append_new(arr, e)) {
                json_decref(arr);
                return NULL;
            }
        }
        return arr;
    }
    case EDDY_V_MAP: {
        const eddy_type *kt = t && t->ty_kind == EDDY_TYPE_MAP ? t->ty_key : NULL;
        const eddy_type *et = t && t->ty_kind == EDDY_TYPE_MAP ? t->ty_elem : NULL;
        json_t *obj = json_object();
        if (!obj) return NULL;
        for (uint32_t i = 0; i < v->v_len; i++) {
            const eddy_value *k = &v->u.items[2 * i];
            json_t *e = eddy_value_to_json(&v->u.items[2 * i + 1], et, rest);
            int rc = -1;
            if (e) {
                if (k->v_kind == EDDY_V_STRING) {
                    rc = json_object_setn_new(obj, k->u.s ? k->u.s : "", k->v_len, e);
                } else {
                    eddy_strbuf sb = EDDY_STRBUF_INIT;
                    serde_json_write_value(&sb, k, kt, rest);
                    const char *kt_text = eddy_strbuf_cstr(&sb);
                    size_t klen = sb.len;
                    if (klen >= 2 && kt_text[0] == '"') kt_text++, klen -= 2;
                    rc = sb.failed ? -1 : json_object_setn_new(obj, kt_text, klen, e);
                    eddy_strbuf_fini(&sb);
                }
            }
            if (rc) {
                json_decref(obj);
                return NULL;
            }
        }
        return obj;
    }
    case EDDY_V_STRUCT: {
        json_t *obj = json_object();
        if (!obj) return NULL;
        bool named = t && t->ty_kind == EDDY_TYPE_STRUCT;
        for (uint32_t i = 0; i < v->v_len; i++) {
            const eddy_type *ft = named && (int)i < t->ty_nfields ? t->ty_fields[i].type : NULL;
            char name[24];
            const char *nm = named && (int)i < t->ty_nfields ? t->ty_fields[i].name : NULL;
            if (!nm) {
                snprintf(name, sizeof name, "%u", i);
                nm = name;
            }
            json_t *e = eddy_value_to_json(&v->u.items[i], ft, rest);
            if (!e || json_object_set_new(obj, nm, e)) {
                json_decref(obj);
                return NULL;
            }
        }
        return obj;
    }
    default: return json_null();
    }
}
