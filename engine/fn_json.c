/* fn_json.c - ksqlDB's JSON functions: EXTRACTJSONFIELD, IS_JSON_STRING,
 * JSON_ARRAY_CONTAINS, JSON_ARRAY_LENGTH, JSON_CONCAT, JSON_ITEMS, JSON_KEYS,
 * JSON_RECORDS and TO_JSON_STRING.
 *
 * ksqlDB parses with Jackson (exact decimals, trailing content after the
 * first value ignored, an empty text is "missing"); this file has its own
 * small parser with the same acceptance rules that keeps numbers as their
 * text, and writes JSON back as Jackson does: compact, numbers as BigDecimal
 * prints them (JsonNode.toString) or in plain notation (writeValueAsString).
 * Paths for EXTRACTJSONFIELD are ksqlDB's JSONPath subset: $, .name,
 * ['name'] / ["name"], [index].
 */
#include "engine/fn_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { J_MISSING, J_NULL, J_TRUE, J_FALSE, J_INT, J_FLOAT, J_STR, J_ARR, J_OBJ };

typedef struct jv {
    uint8_t t;
    const char *s; /* J_INT/J_FLOAT: the number's text; J_STR: the decoded string */
    size_t n;
    struct jv *items; /* J_ARR: len values; J_OBJ: 2 * len (key, value) */
    size_t len;
} jv;

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */

typedef struct jp {
    const char *s;
    size_t n, i;
    eddy_arena *a;
    int depth;
    bool failed; /* a syntax error (not out of memory) */
    bool nomem;
} jp;

static void ws(jp *p) {
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static bool ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool fail(jp *p) {
    p->failed = true;
    return false;
}

static int hex4(const char *s) {
    int v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static bool parse_string(jp *p, jv *out) {
    p->i++; /* the opening quote */
    size_t start = p->i;
    bool plain = true;
    while (p->i < p->n && p->s[p->i] != '"') {
        unsigned char c = (unsigned char)p->s[p->i];
        if (c < 0x20) return fail(p);
        if (c == '\\') {
            plain = false;
            p->i += 2;
            continue;
        }
        p->i++;
    }
    if (p->i >= p->n) return fail(p);
    size_t end = p->i++;
    out->t = J_STR;
    if (plain) {
        out->s = p->s + start;
        out->n = end - start;
        return true;
    }
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    for (size_t i = start; i < end;) {
        char c = p->s[i];
        if (c != '\\') {
            size_t j = i;
            while (j < end && p->s[j] != '\\') j++;
            eddy_strbuf_append(&sb, p->s + i, j - i);
            i = j;
            continue;
        }
        char e = p->s[i + 1];
        i += 2;
        switch (e) {
        case '"': eddy_strbuf_putc(&sb, '"'); break;
        case '\\': eddy_strbuf_putc(&sb, '\\'); break;
        case '/': eddy_strbuf_putc(&sb, '/'); break;
        case 'b': eddy_strbuf_putc(&sb, '\b'); break;
        case 'f': eddy_strbuf_putc(&sb, '\f'); break;
        case 'n': eddy_strbuf_putc(&sb, '\n'); break;
        case 'r': eddy_strbuf_putc(&sb, '\r'); break;
        case 't': eddy_strbuf_putc(&sb, '\t'); break;
        case 'u': {
            int v = i + 4 <= end ? hex4(p->s + i) : -1;
            if (v < 0) {
                eddy_strbuf_fini(&sb);
                return fail(p);
            }
            i += 4;
            uint32_t cp = (uint32_t)v;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= end && p->s[i] == '\\' && p->s[i + 1] == 'u') {
                int lo = hex4(p->s + i + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                    i += 6;
                }
            }
            fn_utf8_put(&sb, cp);
            break;
        }
        default: eddy_strbuf_fini(&sb); return fail(p);
        }
    }
    if (sb.failed) {
        eddy_strbuf_fini(&sb);
        p->nomem = true;
        return false;
    }
    out->s = eddy_arena_strndup(p->a, eddy_strbuf_cstr(&sb), sb.len);
    out->n = sb.len;
    eddy_strbuf_fini(&sb);
    if (!out->s) {
        p->nomem = true;
        return false;
    }
    return true;
}

static bool parse_number(jp *p, jv *out) {
    const char *s = p->s;
    size_t i = p->i, n = p->n;
    bool is_float = false;
    if (i < n && s[i] == '-') i++;
    if (i >= n || !(s[i] >= '0' && s[i] <= '9')) return fail(p);
    if (s[i] == '0' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') return fail(p); /* leading zero */
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i < n && s[i] == '.') {
        is_float = true;
        i++;
        if (i >= n || !(s[i] >= '0' && s[i] <= '9')) return fail(p);
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        is_float = true;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= n || !(s[i] >= '0' && s[i] <= '9')) return fail(p);
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    }
    if (i < n && (ident_char(s[i]) || s[i] == '.')) return fail(p);
    out->t = is_float ? J_FLOAT : J_INT;
    out->s = s + p->i;
    out->n = i - p->i;
    p->i = i;
    return true;
}

static bool parse_value(jp *p, jv *out);

/* Items of an array or object under construction. */
typedef struct jlist {
    jv *v;
    size_t n, cap;
} jlist;

static bool jlist_push(jp *p, jlist *l, const jv *x) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        jv *nv = eddy_arena_alloc(p->a, cap * sizeof *nv);
        if (!nv) {
            p->nomem = true;
            return false;
        }
        if (l->n) memcpy(nv, l->v, l->n * sizeof *nv);
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = *x;
    return true;
}

static bool parse_container(jp *p, jv *out, bool object) {
    if (++p->depth > 1000) return fail(p);
    p->i++;
    jlist l = {0};
    ws(p);
    char close = object ? '}' : ']';
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
    } else {
        for (;;) {
            jv key = {0}, val = {0};
            if (object) {
                ws(p);
                if (p->i >= p->n || p->s[p->i] != '"') return fail(p);
                if (!parse_string(p, &key)) return false;
                ws(p);
                if (p->i >= p->n || p->s[p->i] != ':') return fail(p);
                p->i++;
            }
            if (!parse_value(p, &val)) return false;
            if (object) {
                /* a repeated key keeps its place and takes the new value */
                bool replaced = false;
                for (size_t k = 0; k + 1 < l.n; k += 2) {
                    if (l.v[k].n == key.n && memcmp(l.v[k].s, key.s, key.n) == 0) {
                        l.v[k + 1] = val;
                        replaced = true;
                        break;
                    }
                }
                if (!replaced && (!jlist_push(p, &l, &key) || !jlist_push(p, &l, &val))) return false;
            } else if (!jlist_push(p, &l, &val)) {
                return false;
            }
            ws(p);
            if (p->i < p->n && p->s[p->i] == ',') {
                p->i++;
                continue;
            }
            if (p->i < p->n && p->s[p->i] == close) {
                p->i++;
                break;
            }
            return fail(p);
        }
    }
    p->depth--;
    out->t = object ? J_OBJ : J_ARR;
    out->items = l.v;
    out->len = object ? l.n / 2 : l.n;
    return true;
}

static bool literal(jp *p, const char *word, int t, jv *out) {
    size_t k = strlen(word);
    if (p->i + k > p->n || memcmp(p->s + p->i, word, k) != 0) return fail(p);
    if (p->i + k < p->n && ident_char(p->s[p->i + k])) return fail(p);
    p->i += k;
    out->t = (uint8_t)t;
    return true;
}

static bool parse_value(jp *p, jv *out) {
    ws(p);
    if (p->i >= p->n) return fail(p);
    switch (p->s[p->i]) {
    case '{': return parse_container(p, out, true);
    case '[': return parse_container(p, out, false);
    case '"': return parse_string(p, out);
    case 't': return literal(p, "true", J_TRUE, out);
    case 'f': return literal(p, "false", J_FALSE, out);
    case 'n': return literal(p, "null", J_NULL, out);
    default: return parse_number(p, out);
    }
}

/* Parses the first JSON value of s (ignoring what follows, as Jackson's
 * readTree does).  Returns 1 on success (J_MISSING for empty text), 0 on a
 * syntax error, -1 when out of memory. */
static int json_parse(eddy_arena *a, const char *s, size_t n, jv *out) {
    jp p = {.s = s, .n = n, .a = a};
    memset(out, 0, sizeof *out);
    ws(&p);
    if (p.i >= n) {
        out->t = J_MISSING;
        return 1;
    }
    if (parse_value(&p, out)) return 1;
    return p.nomem ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */

/* A JSON number as Jackson prints it: integers as they are ("-0" as "0"),
 * decimals as BigDecimal does (toString, or toPlainString when plain). */
static void write_number(eddy_strbuf *sb, const jv *v, bool plain) {
    const char *s = v->s;
    size_t n = v->n, i = 0;
    bool neg = false;
    if (i < n && s[i] == '-') neg = true, i++;
    /* digits without the point, the scale */
    eddy_strbuf d = EDDY_STRBUF_INIT;
    long scale = 0, exp = 0;
    bool point = false;
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            point = true;
            continue;
        }
        eddy_strbuf_putc(&d, s[i]);
        if (point) scale++;
    }
    if (i < n) {
        i++;
        bool eneg = false;
        if (s[i] == '+' || s[i] == '-') eneg = s[i++] == '-';
        for (; i < n && exp < 100000000; i++) exp = exp * 10 + (s[i] - '0');
        if (eneg) exp = -exp;
    }
    scale -= exp;
    /* strip leading zeros (keep one digit) */
    const char *digits = eddy_strbuf_cstr(&d);
    size_t nd = d.len, z = 0;
    while (z + 1 < nd && digits[z] == '0') z++;
    digits += z;
    nd -= z;
    bool zero = nd == 1 && digits[0] == '0';
    if (neg && !zero) eddy_strbuf_putc(sb, '-');
    if (v->t == J_INT) {
        eddy_strbuf_append(sb, digits, nd);
        eddy_strbuf_fini(&d);
        return;
    }
    long adjusted = (long)nd - 1 - scale;
    if (!plain && (scale < 0 || adjusted < -6)) {
        eddy_strbuf_putc(sb, digits[0]);
        if (nd > 1) {
            eddy_strbuf_putc(sb, '.');
            eddy_strbuf_append(sb, digits + 1, nd - 1);
        }
        eddy_strbuf_printf(sb, "E%s%ld", adjusted >= 0 ? "+" : "", adjusted);
    } else if (scale <= 0) {
        eddy_strbuf_append(sb, digits, nd);
        if (!zero)
            for (long k = 0; k < -scale; k++) eddy_strbuf_putc(sb, '0');
    } else if ((long)nd > scale) {
        eddy_strbuf_append(sb, digits, nd - (size_t)scale);
        eddy_strbuf_putc(sb, '.');
        eddy_strbuf_append(sb, digits + nd - scale, (size_t)scale);
    } else {
        eddy_strbuf_puts(sb, "0.");
        for (long k = 0; k < scale - (long)nd; k++) eddy_strbuf_putc(sb, '0');
        eddy_strbuf_append(sb, digits, nd);
    }
    eddy_strbuf_fini(&d);
}

static void write_json(eddy_strbuf *sb, const jv *v, bool plain) {
    switch (v->t) {
    case J_NULL: eddy_strbuf_puts(sb, "null"); break;
    case J_TRUE: eddy_strbuf_puts(sb, "true"); break;
    case J_FALSE: eddy_strbuf_puts(sb, "false"); break;
    case J_INT:
    case J_FLOAT: write_number(sb, v, plain); break;
    case J_STR: fn_json_quote(sb, v->s, v->n); break;
    case J_ARR:
        eddy_strbuf_putc(sb, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i) eddy_strbuf_putc(sb, ',');
            write_json(sb, &v->items[i], plain);
        }
        eddy_strbuf_putc(sb, ']');
        break;
    case J_OBJ:
        eddy_strbuf_putc(sb, '{');
        for (size_t i = 0; i < v->len; i++) {
            if (i) eddy_strbuf_putc(sb, ',');
            fn_json_quote(sb, v->items[2 * i].s, v->items[2 * i].n);
            eddy_strbuf_putc(sb, ':');
            write_json(sb, &v->items[2 * i + 1], plain);
        }
        eddy_strbuf_putc(sb, '}');
        break;
    default: break;
    }
}

/* A node as a STRING value in a: text nodes as their text when as_text,
 * everything else as JSON (JsonNode.toString). */
static eddy_value node_string(eddy_arena *a, const jv *v, bool as_text, bool *ok) {
    if (as_text && v->t == J_STR) return eddy_value_str(EDDY_V_STRING, v->s, v->n);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    write_json(&sb, v, false);
    eddy_value r = eddy_value_str_copy(a, EDDY_V_STRING, eddy_strbuf_cstr(&sb), sb.len);
    if (sb.failed || r.v_kind == EDDY_V_NULL) *ok = false;
    eddy_strbuf_fini(&sb);
    return r;
}

/* Parses argument i; false after setting the result (NULL or an error). */
static bool parse_arg(sqlite3_context *ctx, sqlite3_value *arg, eddy_arena *a, jv *out) {
    size_t n;
    const char *s = fn_text(arg, &n);
    int rc = json_parse(a, s, n, out);
    if (rc > 0) return true;
    if (rc < 0) fn_nomem(ctx);
    else fn_fail(ctx, "Invalid JSON format:%.*s", (int)(n > 200 ? 200 : n), s);
    return false;
}

/* ------------------------------------------------------------------------ */
/* EXTRACTJSONFIELD                                                         */

typedef struct jtoken {
    const char *s;
    size_t n;
} jtoken;

static bool path_char(char c) {
    return ident_char(c) || c == ':' || c == '-' || c == '$' || (unsigned char)c >= 0x80;
}

/* Tokenizes a JSONPath ("$.a.b[0]['c']"); -1 when it is not valid. */
static int path_tokens(const char *s, size_t n, jtoken *out, int max) {
    size_t i = 0;
    int k = 0;
    while (i < n && s[i] == ' ') i++;
    if (i >= n || s[i] != '$') return -1;
    i++;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
        if (i >= n) return k;
        if (k == max) return -1;
        if (s[i] == '.') {
            size_t b = ++i;
            while (i < n && path_char(s[i])) i++;
            if (i == b) return -1;
            out[k++] = (jtoken){s + b, i - b};
        } else if (s[i] == '[') {
            i++;
            if (i < n && (s[i] == '"' || s[i] == '\'')) {
                char q = s[i++];
                size_t b = i;
                while (i < n && s[i] != q) i++;
                if (i >= n) return -1;
                out[k++] = (jtoken){s + b, i - b};
                i++;
            } else {
                size_t b = i;
                while (i < n && path_char(s[i])) i++;
                if (i == b) return -1;
                out[k++] = (jtoken){s + b, i - b};
            }
            if (i >= n || s[i] != ']') return -1;
            i++;
        } else {
            return -1;
        }
    }
}

static bool parse_index(const jtoken *t, size_t *idx) {
    if (t->n == 0 || t->n > 10) return false;
    size_t i = 0;
    bool neg = false;
    if (t->s[0] == '-' || t->s[0] == '+') neg = t->s[i++] == '-';
    if (i >= t->n) return false;
    long long v = 0;
    for (; i < t->n; i++) {
        if (t->s[i] < '0' || t->s[i] > '9') return false;
        v = v * 10 + (t->s[i] - '0');
    }
    if (neg && v != 0) return false; /* a negative index finds nothing */
    *idx = (size_t)v;
    return true;
}

static void fn_extractjsonfield(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t pn;
    const char *path = fn_text(argv[1], &pn);
    jtoken toks[64];
    int nt = path_tokens(path, pn, toks, 64);
    if (nt < 0) {
        fn_fail(ctx, "Invalid JSON path: '%.*s'", (int)(pn > 100 ? 100 : pn), path);
        return;
    }
    eddy_arena *a = fn_scratch();
    jv doc;
    if (!a) {
        fn_nomem(ctx);
        return;
    }
    if (!parse_arg(ctx, argv[0], a, &doc)) return;
    const jv *cur = &doc;
    if (cur->t == J_MISSING) { /* MissingNode: "" for the root itself, else nothing */
        if (nt == 0) fn_result_text(ctx, "", 0);
        else sqlite3_result_null(ctx);
        return;
    }
    for (int i = 0; i < nt; i++) {
        const jv *next = NULL;
        if (cur->t == J_ARR) {
            size_t idx;
            if (!parse_index(&toks[i], &idx)) {
                sqlite3_result_null(ctx);
                return;
            }
            if (idx < cur->len) next = &cur->items[idx];
        } else if (cur->t == J_OBJ) {
            for (size_t k = 0; k < cur->len; k++) {
                const jv *key = &cur->items[2 * k];
                if (key->n == toks[i].n && memcmp(key->s, toks[i].s, key->n) == 0) {
                    next = &cur->items[2 * k + 1];
                    break;
                }
            }
        }
        if (!next) {
            sqlite3_result_null(ctx);
            return;
        }
        cur = next;
    }
    bool ok = true;
    eddy_value r = node_string(a, cur, true, &ok);
    if (!ok) fn_nomem(ctx);
    else fn_result(ctx, &r);
}

/* ------------------------------------------------------------------------ */
/* The other JSON functions                                                 */

static void fn_is_json_string(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (fn_isnull(argv[0])) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    eddy_arena *a = fn_scratch();
    size_t n;
    const char *s = fn_text(argv[0], &n);
    jv v;
    int rc = a ? json_parse(a, s, n, &v) : -1;
    if (rc < 0) fn_nomem(ctx);
    else sqlite3_result_int(ctx, rc > 0 && v.t != J_MISSING);
}

static void fn_json_array_length(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    eddy_arena *a = fn_scratch();
    jv v;
    if (!a) {
        fn_nomem(ctx);
        return;
    }
    if (!parse_arg(ctx, argv[0], a, &v)) return;
    if (v.t != J_ARR) sqlite3_result_null(ctx);
    else sqlite3_result_int64(ctx, (int64_t)v.len);
}

static void fn_json_keys(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    eddy_arena *a = fn_scratch();
    jv v;
    if (!a) {
        fn_nomem(ctx);
        return;
    }
    if (!parse_arg(ctx, argv[0], a, &v)) return;
    if (v.t != J_OBJ) {
        sqlite3_result_null(ctx);
        return;
    }
    fn_vec out;
    fn_vec_init(&out, a);
    for (size_t i = 0; i < v.len; i++) fn_vec_push(&out, eddy_value_str(EDDY_V_STRING, v.items[2 * i].s, v.items[2 * i].n));
    if (out.failed) {
        fn_nomem(ctx);
        return;
    }
    eddy_value arr = fn_vec_array(&out);
    fn_result(ctx, &arr);
}

static void fn_json_records(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    eddy_arena *a = fn_scratch();
    jv v;
    if (!a) {
        fn_nomem(ctx);
        return;
    }
    if (!parse_arg(ctx, argv[0], a, &v)) return;
    if (v.t != J_OBJ) {
        sqlite3_result_null(ctx);
        return;
    }
    fn_vec out;
    fn_vec_init(&out, a);
    bool ok = true;
    for (size_t i = 0; i < v.len; i++) {
        fn_vec_push(&out, eddy_value_str(EDDY_V_STRING, v.items[2 * i].s, v.items[2 * i].n));
        fn_vec_push(&out, node_string(a, &v.items[2 * i + 1], true, &ok));
    }
    if (out.failed || !ok) {
        fn_nomem(ctx);
        return;
    }
    eddy_value m = fn_vec_map(&out);
    fn_result(ctx, &m);
}

static void fn_json_items(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    eddy_arena *a = fn_scratch();
    jv v;
    if (!a) {
        fn_nomem(ctx);
        return;
    }
    if (!parse_arg(ctx, argv[0], a, &v)) return;
    if (v.t != J_ARR) {
        fn_fail(ctx, "Invalid JSON format: the value is not an array");
        return;
    }
    fn_vec out;
    fn_vec_init(&out, a);
    bool ok = true;
    for (size_t i = 0; i < v.len; i++) fn_vec_push(&out, node_string(a, &v.items[i], false, &ok));
    if (out.failed || !ok) {
        fn_nomem(ctx);
        return;
    }
    eddy_value arr = fn_vec_array(&out);
    fn_result(ctx, &arr);
}

/* JSON_CONCAT: objects merge (the last value of a key wins), anything else
 * is concatenated as arrays; NULL or invalid input gives NULL. */
static void fn_json_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (argc == 0 || fn_any_null(argc, argv)) {
        sqlite3_result_null(ctx);
        return;
    }
    eddy_arena *a = fn_scratch();
    jv *nodes = a ? eddy_arena_alloc(a, (size_t)argc * sizeof *nodes) : NULL;
    if (!nodes) {
        fn_nomem(ctx);
        return;
    }
    bool all_objects = true;
    size_t total = 0;
    for (int i = 0; i < argc; i++) {
        if (!parse_arg(ctx, argv[i], a, &nodes[i])) return;
        if (nodes[i].t == J_MISSING) {
            sqlite3_result_null(ctx);
            return;
        }
        all_objects &= nodes[i].t == J_OBJ;
        total += nodes[i].t == J_ARR || nodes[i].t == J_OBJ ? nodes[i].len : 1;
    }
    jv result = {0};
    if (all_objects) {
        jv *items = eddy_arena_alloc(a, (2 * total + 1) * sizeof *items);
        if (!items) {
            fn_nomem(ctx);
            return;
        }
        size_t n = 0;
        for (int i = 0; i < argc; i++) {
            for (size_t k = 0; k < nodes[i].len; k++) {
                const jv *key = &nodes[i].items[2 * k];
                size_t j = 0;
                while (j < n && !(items[2 * j].n == key->n && memcmp(items[2 * j].s, key->s, key->n) == 0)) j++;
                if (j == n) {
                    items[2 * n] = *key;
                    n++;
                }
                items[2 * j + 1] = nodes[i].items[2 * k + 1];
            }
        }
        result = (jv){.t = J_OBJ, .items = items, .len = n};
    } else {
        jv *items = eddy_arena_alloc(a, (total + 1) * sizeof *items);
        if (!items) {
            fn_nomem(ctx);
            return;
        }
        size_t n = 0;
        for (int i = 0; i < argc; i++) {
            if (nodes[i].t == J_ARR)
                for (size_t k = 0; k < nodes[i].len; k++) items[n++] = nodes[i].items[k];
            else items[n++] = nodes[i];
        }
        result = (jv){.t = J_ARR, .items = items, .len = n};
    }
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    write_json(&sb, &result, true);
    fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
}

/* JSON_ARRAY_CONTAINS: scans the array element by element (an error after
 * a match still finds it, as Jackson's streaming parser does). */
static void json_array_contains(sqlite3_context *ctx, sqlite3_value **argv, eddy_vkind want) {
    if (fn_isnull(argv[0])) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    eddy_arena *a = fn_scratch();
    if (!a) {
        fn_nomem(ctx);
        return;
    }
    size_t n;
    const char *s = fn_text(argv[0], &n);
    bool is_null = fn_isnull(argv[1]);
    jp p = {.s = s, .n = n, .a = a};
    ws(&p);
    if (p.i >= n || s[p.i] != '[') {
        sqlite3_result_int(ctx, 0);
        return;
    }
    p.i++;
    ws(&p);
    if (p.i < n && s[p.i] == ']') {
        sqlite3_result_int(ctx, 0);
        return;
    }
    for (;;) {
        jv e;
        if (!parse_value(&p, &e)) {
            if (p.nomem) fn_nomem(ctx);
            else sqlite3_result_int(ctx, 0);
            return;
        }
        bool hit = false;
        if (is_null) {
            hit = e.t == J_NULL;
        } else {
            switch (want) {
            case EDDY_V_BOOL:
                hit = (e.t == J_TRUE || e.t == J_FALSE) && (e.t == J_TRUE) == (sqlite3_value_int64(argv[1]) != 0);
                break;
            case EDDY_V_INT:
            case EDDY_V_BIGINT:
                if (e.t == J_INT) {
                    char buf[32];
                    if (e.n < sizeof buf) {
                        memcpy(buf, e.s, e.n);
                        buf[e.n] = 0;
                        char *end;
                        errno = 0;
                        long long x = strtoll(buf, &end, 10);
                        if (errno || *end) { /* out of range: Jackson fails, the scan ends */
                            sqlite3_result_int(ctx, 0);
                            return;
                        }
                        if (want == EDDY_V_INT && (x < INT32_MIN || x > INT32_MAX)) {
                            sqlite3_result_int(ctx, 0);
                            return;
                        }
                        hit = x == sqlite3_value_int64(argv[1]);
                    }
                }
                break;
            case EDDY_V_DOUBLE:
                if (e.t == J_FLOAT) {
                    char buf[64];
                    size_t k = e.n < sizeof buf - 1 ? e.n : sizeof buf - 1;
                    memcpy(buf, e.s, k);
                    buf[k] = 0;
                    double x = strtod(buf, NULL), y = fn_double(argv[1]);
                    hit = (isnan(x) && isnan(y)) || (x == y && signbit(x) == signbit(y));
                }
                break;
            case EDDY_V_STRING: {
                if (e.t == J_STR) {
                    size_t m;
                    const char *t = fn_text(argv[1], &m);
                    hit = e.n == m && memcmp(e.s, t, m) == 0;
                }
                break;
            }
            default: break;
            }
        }
        if (hit) {
            sqlite3_result_int(ctx, 1);
            return;
        }
        ws(&p);
        if (p.i < n && s[p.i] == ',') {
            p.i++;
            continue;
        }
        sqlite3_result_int(ctx, 0); /* ']' or malformed */
        return;
    }
}

#define CONTAINS(suffix, kind)                                                                   \
    static void json_array_contains_##suffix(sqlite3_context *ctx, int argc, sqlite3_value **argv) { \
        (void)argc;                                                                              \
        json_array_contains(ctx, argv, kind);                                                    \
    }
CONTAINS(bool, EDDY_V_BOOL)
CONTAINS(int, EDDY_V_INT)
CONTAINS(bigint, EDDY_V_BIGINT)
CONTAINS(double, EDDY_V_DOUBLE)
CONTAINS(string, EDDY_V_STRING)

static void fn_to_json_string(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    if (fn_isnull(argv[0])) {
        eddy_strbuf_puts(&sb, "null");
    } else {
        eddy_value v = fn_arg(ctx, argv, 0);
        fn_json_write_value(&sb, &v, fn_arg_type(ctx, 0));
    }
    fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
}

const fn_row eddy_fn_json_rows[] = {
    {"EXTRACTJSONFIELD", -1, fn_extractjsonfield},
    {"IS_JSON_STRING", -1, fn_is_json_string},
    {"JSON_ARRAY_CONTAINS", 0, json_array_contains_bool},
    {"JSON_ARRAY_CONTAINS", 1, json_array_contains_int},
    {"JSON_ARRAY_CONTAINS", 2, json_array_contains_bigint},
    {"JSON_ARRAY_CONTAINS", 3, json_array_contains_double},
    {"JSON_ARRAY_CONTAINS", 4, json_array_contains_string},
    {"JSON_ARRAY_LENGTH", -1, fn_json_array_length},
    {"JSON_CONCAT", -1, fn_json_concat},
    {"JSON_ITEMS", -1, fn_json_items},
    {"JSON_KEYS", -1, fn_json_keys},
    {"JSON_RECORDS", -1, fn_json_records},
    {"TO_JSON_STRING", -1, fn_to_json_string},
};
const int eddy_fn_json_rows_count = (int)(sizeof eddy_fn_json_rows / sizeof eddy_fn_json_rows[0]);
