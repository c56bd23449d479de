/* fn_common.c - helpers shared by the function implementations: call sites,
 * arguments and results, Java's value semantics (ordering, equality,
 * Double.toString, BigDecimal), UTF-8/UTF-16 text, codecs and JSON text.
 */
#include "engine/fn_impl.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

/* ------------------------------------------------------------------------ */
/* Per-thread state: scratch arena and the last error message               */

typedef struct fn_tls {
    eddy_arena *scratch;
    char err[512];
    int has_err;
    char taken[512];
} fn_tls;

static pthread_key_t g_tls_key;
static pthread_once_t g_tls_once = PTHREAD_ONCE_INIT;

static void tls_free(void *p) {
    fn_tls *t = p;
    if (!t) return;
    eddy_arena_destroy(t->scratch);
    free(t);
}

static void tls_init(void) {
    (void)pthread_key_create(&g_tls_key, tls_free);
}

static fn_tls *tls_get(void) {
    pthread_once(&g_tls_once, tls_init);
    fn_tls *t = pthread_getspecific(g_tls_key);
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t) return NULL;
        if (pthread_setspecific(g_tls_key, t) != 0) {
            free(t);
            return NULL;
        }
    }
    return t;
}

eddy_arena *fn_scratch(void) {
    fn_tls *t = tls_get();
    if (!t) return NULL;
    if (!t->scratch) t->scratch = eddy_arena_new();
    else eddy_arena_reset(t->scratch);
    return t->scratch;
}

const char *eddy_fn_error_take(void) {
    fn_tls *t = tls_get();
    if (!t || !t->has_err) return NULL;
    memcpy(t->taken, t->err, sizeof t->taken);
    t->has_err = 0;
    return t->taken;
}

void fn_fail(sqlite3_context *ctx, const char *fmt, ...) {
    fn_tls *t = tls_get();
    if (t) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->err, sizeof t->err, fmt, ap);
        va_end(ap);
        t->has_err = 1;
    }
    sqlite3_result_null(ctx);
}

void fn_nomem(sqlite3_context *ctx) {
    sqlite3_result_error_nomem(ctx);
}

/* ------------------------------------------------------------------------ */
/* Call sites and their caches                                              */

typedef struct fn_cache_slot {
    char *key;
    size_t keylen;
    void *obj;
    void (*obj_free)(void *);
} fn_cache_slot;

typedef struct fn_state {
    fn_cache_slot slots[FN_CACHE_SLOTS];
} fn_state;

static void state_free(void *p) {
    fn_state *s = p;
    if (!s) return;
    for (int i = 0; i < FN_CACHE_SLOTS; i++) {
        if (s->slots[i].obj && s->slots[i].obj_free) s->slots[i].obj_free(s->slots[i].obj);
        free(s->slots[i].key);
    }
    free(s);
}

eddy_fn_call *fn_call(sqlite3_context *ctx) {
    return (eddy_fn_call *)sqlite3_user_data(ctx);
}

const eddy_type *fn_arg_type(sqlite3_context *ctx, int i) {
    eddy_fn_call *c = fn_call(ctx);
    if (!c || !c->arg_types || i < 0 || i >= c->nargs) return NULL;
    return c->arg_types[i];
}

const eddy_type *fn_ret_type(sqlite3_context *ctx) {
    eddy_fn_call *c = fn_call(ctx);
    return c ? c->return_type : NULL;
}

void *fn_cache_lookup(sqlite3_context *ctx, int slot, const char *key, size_t keylen) {
    eddy_fn_call *c = fn_call(ctx);
    if (!c || !c->state || c->state_free != state_free || slot < 0 || slot >= FN_CACHE_SLOTS) return NULL;
    fn_cache_slot *s = &((fn_state *)c->state)->slots[slot];
    if (s->obj && s->keylen == keylen && (keylen == 0 || memcmp(s->key, key, keylen) == 0)) return s->obj;
    return NULL;
}

bool fn_cache_store(sqlite3_context *ctx, int slot, const char *key, size_t keylen, void *obj,
                    void (*obj_free)(void *)) {
    eddy_fn_call *c = fn_call(ctx);
    if (!c || slot < 0 || slot >= FN_CACHE_SLOTS) return false;
    if (!c->state) {
        c->state = calloc(1, sizeof(fn_state));
        if (!c->state) return false;
        c->state_free = state_free;
    } else if (c->state_free != state_free) {
        return false; /* someone else's state: do not touch it */
    }
    char *k = malloc(keylen + 1);
    if (!k) return false;
    if (keylen) memcpy(k, key, keylen);
    k[keylen] = 0;
    fn_cache_slot *s = &((fn_state *)c->state)->slots[slot];
    if (s->obj && s->obj_free) s->obj_free(s->obj);
    free(s->key);
    s->key = k;
    s->keylen = keylen;
    s->obj = obj;
    s->obj_free = obj_free;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Arguments                                                                */

const eddy_value *fn_box(sqlite3_value *v) {
    eddy_sqlbox *b = sqlite3_value_pointer(v, EDDY_SQLVAL_PTR_TYPE);
    return b ? &b->value : NULL;
}

bool fn_isnull(sqlite3_value *v) {
    if (sqlite3_value_type(v) != SQLITE_NULL) return false;
    const eddy_value *b = fn_box(v);
    return !b || b->v_kind == EDDY_V_NULL;
}

bool fn_any_null(int argc, sqlite3_value **argv) {
    for (int i = 0; i < argc; i++)
        if (fn_isnull(argv[i])) return true;
    return false;
}

double fn_double(sqlite3_value *v) {
    const eddy_value *b = fn_box(v);
    if (b) return b->v_kind == EDDY_V_DOUBLE ? b->u.d : NAN;
    return sqlite3_value_double(v);
}

const char *fn_text(sqlite3_value *v, size_t *len) {
    const char *s = (const char *)sqlite3_value_text(v);
    *len = s ? (size_t)sqlite3_value_bytes(v) : 0;
    return s ? s : "";
}

static bool parse_decimal_text(const char *s, size_t n, eddy_int128 *unscaled, int *scale) {
    size_t i = 0;
    bool neg = false;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    eddy_int128 x = 0;
    int sc = 0, digits = 0;
    bool point = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.' && !point) {
            point = true;
            continue;
        }
        if (c < '0' || c > '9') break;
        if (point) sc++;
        if (x == 0 && c == '0') continue;
        if (digits >= 38) return false;
        x = x * 10 + (c - '0');
        digits++;
    }
    int exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
        while (i < n && s[i] >= '0' && s[i] <= '9' && exp < 1000) exp = exp * 10 + (s[i++] - '0');
        if (eneg) exp = -exp;
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i != n) return false;
    sc -= exp;
    if (sc < 0) {
        if (!fn_dec_rescale(x, sc, 0, FN_ROUND_DOWN, &x)) return false;
        sc = 0;
    }
    *unscaled = neg ? -x : x;
    *scale = sc;
    return true;
}

bool fn_arg_decimal(sqlite3_value *v, eddy_int128 *unscaled, int *scale) {
    const eddy_value *b = fn_box(v);
    if (b) {
        if (b->v_kind != EDDY_V_DECIMAL) return false;
        *unscaled = *b->u.dec;
        *scale = b->v_scale;
        return true;
    }
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        *unscaled = sqlite3_value_int64(v);
        *scale = 0;
        return true;
    case SQLITE_FLOAT: {
        double d = fn_double(v);
        if (!isfinite(d)) return false;
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", d);
        return parse_decimal_text(buf, strlen(buf), unscaled, scale);
    }
    case SQLITE_TEXT: {
        size_t n;
        const char *s = fn_text(v, &n);
        return parse_decimal_text(s, n, unscaled, scale);
    }
    default: return false;
    }
}

eddy_value fn_arg(sqlite3_context *ctx, sqlite3_value **argv, int i) {
    sqlite3_value *v = argv[i];
    const eddy_value *b = fn_box(v);
    if (b) return *b;
    const eddy_type *t = fn_arg_type(ctx, i);
    eddy_vkind k = t ? eddy_vkind_of(t) : EDDY_V_NULL;
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: {
        int64_t x = sqlite3_value_int64(v);
        switch (k) {
        case EDDY_V_BOOL:
        case EDDY_V_INT:
        case EDDY_V_BIGINT:
        case EDDY_V_DATE:
        case EDDY_V_TIME:
        case EDDY_V_TIMESTAMP: return eddy_value_i64(k, x);
        case EDDY_V_DOUBLE: return eddy_value_double((double)x);
        default: return eddy_value_bigint(x);
        }
    }
    case SQLITE_FLOAT: return eddy_value_double(fn_double(v));
    case SQLITE_TEXT: {
        size_t n;
        const char *s = fn_text(v, &n);
        return eddy_value_str(k == EDDY_V_BYTES ? EDDY_V_BYTES : EDDY_V_STRING, s, n);
    }
    case SQLITE_BLOB: {
        size_t n = (size_t)sqlite3_value_bytes(v);
        const char *p = sqlite3_value_blob(v);
        return eddy_value_str(k == EDDY_V_STRING ? EDDY_V_STRING : EDDY_V_BYTES, p ? p : "", n);
    }
    default: return eddy_value_null();
    }
}

/* ------------------------------------------------------------------------ */
/* Results                                                                  */

/* A type for v when the call site has none (new reference, or NULL). */
static eddy_type *type_of_value(const eddy_value *v) {
    switch (v->v_kind) {
    case EDDY_V_BOOL: return eddy_type_primitive(EDDY_TYPE_BOOLEAN);
    case EDDY_V_INT: return eddy_type_primitive(EDDY_TYPE_INT);
    case EDDY_V_BIGINT: return eddy_type_primitive(EDDY_TYPE_BIGINT);
    case EDDY_V_DOUBLE: return eddy_type_primitive(EDDY_TYPE_DOUBLE);
    case EDDY_V_STRING: return eddy_type_primitive(EDDY_TYPE_STRING);
    case EDDY_V_BYTES: return eddy_type_primitive(EDDY_TYPE_BYTES);
    case EDDY_V_DATE: return eddy_type_primitive(EDDY_TYPE_DATE);
    case EDDY_V_TIME: return eddy_type_primitive(EDDY_TYPE_TIME);
    case EDDY_V_TIMESTAMP: return eddy_type_primitive(EDDY_TYPE_TIMESTAMP);
    case EDDY_V_DECIMAL: return eddy_type_decimal(38, v->v_scale);
    case EDDY_V_ARRAY:
    case EDDY_V_MAP: {
        bool map = v->v_kind == EDDY_V_MAP;
        eddy_type *elem = NULL;
        for (uint32_t i = 0; i < v->v_len && !elem; i++) {
            const eddy_value *e = map ? &v->u.items[2 * i + 1] : &v->u.items[i];
            if (e->v_kind != EDDY_V_NULL) elem = type_of_value(e);
        }
        if (!elem) elem = eddy_type_primitive(EDDY_TYPE_STRING);
        return map ? eddy_type_map(eddy_type_primitive(EDDY_TYPE_STRING), elem) : eddy_type_array(elem);
    }
    case EDDY_V_STRUCT: {
        const char **names = calloc(v->v_len + 1, sizeof *names);
        eddy_type **types = calloc(v->v_len + 1, sizeof *types);
        char(*buf)[16] = calloc(v->v_len + 1, sizeof *buf);
        eddy_type *t = NULL;
        if (names && types && buf) {
            for (uint32_t i = 0; i < v->v_len; i++) {
                snprintf(buf[i], sizeof buf[i], "F%u", i);
                names[i] = buf[i];
                types[i] = type_of_value(&v->u.items[i]);
                if (!types[i]) types[i] = eddy_type_primitive(EDDY_TYPE_STRING);
            }
            t = eddy_type_struct((int)v->v_len, names, types);
        }
        free(names);
        free(types);
        free(buf);
        return t;
    }
    default: return NULL;
    }
}

void fn_result_text(sqlite3_context *ctx, const char *s, size_t n) {
    sqlite3_result_text64(ctx, n ? s : "", (sqlite3_uint64)n, SQLITE_TRANSIENT, SQLITE_UTF8);
}

void fn_result_blob(sqlite3_context *ctx, const void *p, size_t n) {
    if (n == 0) sqlite3_result_zeroblob(ctx, 0);
    else sqlite3_result_blob64(ctx, p, (sqlite3_uint64)n, SQLITE_TRANSIENT);
}

void fn_result_strbuf(sqlite3_context *ctx, const eddy_strbuf *sb) {
    if (sb->failed) {
        fn_nomem(ctx);
        return;
    }
    fn_result_text(ctx, eddy_strbuf_cstr(sb), sb->len);
}

void fn_result(sqlite3_context *ctx, const eddy_value *v) {
    switch (v->v_kind) {
    case EDDY_V_NULL: sqlite3_result_null(ctx); return;
    case EDDY_V_BOOL:
    case EDDY_V_INT:
    case EDDY_V_BIGINT:
    case EDDY_V_DATE:
    case EDDY_V_TIME:
    case EDDY_V_TIMESTAMP: sqlite3_result_int64(ctx, v->u.i); return;
    case EDDY_V_DOUBLE: eddy_sqlval_result_double(ctx, v->u.d); return;
    case EDDY_V_STRING: fn_result_text(ctx, v->u.s, v->v_len); return;
    case EDDY_V_BYTES: fn_result_blob(ctx, v->u.s, v->v_len); return;
    default: break;
    }
    const eddy_type *t = fn_ret_type(ctx);
    if (t && eddy_vkind_of(t) == (eddy_vkind)v->v_kind) {
        eddy_sqlval_result(ctx, v, t);
        return;
    }
    eddy_type *own = type_of_value(v);
    if (!own) {
        fn_nomem(ctx);
        return;
    }
    eddy_sqlval_result(ctx, v, own);
    eddy_type_unref(own);
}

void fn_result_decimal(sqlite3_context *ctx, eddy_int128 unscaled, int scale) {
    const eddy_type *t = fn_ret_type(ctx);
    if (t && t->ty_kind == EDDY_TYPE_DECIMAL && t->ty_scale != scale) {
        if (!fn_dec_rescale(unscaled, scale, t->ty_scale, FN_ROUND_HALF_UP, &unscaled)) {
            fn_fail(ctx, "decimal value out of range for %s", "DECIMAL");
            return;
        }
        scale = t->ty_scale;
    }
    eddy_arena *a = fn_scratch();
    if (!a) {
        fn_nomem(ctx);
        return;
    }
    eddy_value v = eddy_value_decimal(a, unscaled, scale);
    if (v.v_kind != EDDY_V_DECIMAL) {
        fn_nomem(ctx);
        return;
    }
    fn_result(ctx, &v);
}

/* ------------------------------------------------------------------------ */
/* Java value semantics                                                     */

static int cmp_i64(int64_t a, int64_t b) { return a < b ? -1 : a > b ? 1 : 0; }

/* Double.compare: -0.0 < 0.0, NaN above everything (and equal to itself). */
static int cmp_double(double a, double b) {
    if (a < b) return -1;
    if (a > b) return 1;
    bool na = isnan(a), nb = isnan(b);
    if (na || nb) return na == nb ? 0 : na ? 1 : -1;
    bool sa = signbit(a), sb = signbit(b);
    return sa == sb ? 0 : sa ? -1 : 1;
}

static int cmp_decimal(const eddy_value *a, const eddy_value *b) {
    eddy_int128 x = *a->u.dec, y = *b->u.dec;
    int sa = a->v_scale, sb = b->v_scale;
    if (sa != sb) {
        int s = sa > sb ? sa : sb;
        eddy_int128 xx, yy;
        if (fn_dec_rescale(x, sa, s, FN_ROUND_DOWN, &xx) && fn_dec_rescale(y, sb, s, FN_ROUND_DOWN, &yy)) {
            x = xx;
            y = yy;
        } else { /* overflow: compare at the smaller scale */
            s = sa < sb ? sa : sb;
            fn_dec_rescale(x, sa, s, FN_ROUND_FLOOR, &x);
            fn_dec_rescale(y, sb, s, FN_ROUND_FLOOR, &y);
        }
    }
    return x < y ? -1 : x > y ? 1 : 0;
}

int fn_java_compare(const eddy_value *a, const eddy_value *b) {
    if (a->v_kind == EDDY_V_NULL || b->v_kind == EDDY_V_NULL)
        return (a->v_kind != EDDY_V_NULL) - (b->v_kind != EDDY_V_NULL);
    if (a->v_kind != b->v_kind) return eddy_value_compare(a, b);
    switch (a->v_kind) {
    case EDDY_V_DOUBLE: return cmp_double(a->u.d, b->u.d);
    case EDDY_V_DECIMAL: return cmp_decimal(a, b);
    case EDDY_V_BYTES: {
        uint32_t n = a->v_len < b->v_len ? a->v_len : b->v_len;
        for (uint32_t i = 0; i < n; i++) {
            signed char x = (signed char)a->u.s[i], y = (signed char)b->u.s[i];
            if (x != y) return x < y ? -1 : 1;
        }
        return cmp_i64(a->v_len, b->v_len);
    }
    case EDDY_V_STRING: return fn_u16_compare(a->u.s, a->v_len, b->u.s, b->v_len);
    case EDDY_V_ARRAY:
    case EDDY_V_MAP:
    case EDDY_V_STRUCT: return eddy_value_compare(a, b);
    default: return cmp_i64(a->u.i, b->u.i);
    }
}

/* One UTF-16 unit of a code point: the lead surrogate for non-BMP ones. */
static uint32_t u16_unit(uint32_t cp, int k) {
    if (cp < 0x10000) return cp;
    cp -= 0x10000;
    return k == 0 ? 0xD800 + (cp >> 10) : 0xDC00 + (cp & 0x3FF);
}

int fn_u16_compare(const char *a, size_t na, const char *b, size_t nb) {
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        uint32_t x = fn_utf8_next(a, na, &i), y = fn_utf8_next(b, nb, &j);
        if (x == y) continue;
        for (int k = 0; k < 2; k++) {
            uint32_t ux = u16_unit(x, k), uy = u16_unit(y, k);
            if (ux != uy) return ux < uy ? -1 : 1;
        }
    }
    return (i < na) - (j < nb);
}

bool fn_java_equal(const eddy_value *a, const eddy_value *b) {
    if (a->v_kind != b->v_kind) return false;
    switch (a->v_kind) {
    case EDDY_V_NULL: return true;
    case EDDY_V_DOUBLE: {
        double x = a->u.d, y = b->u.d;
        if (isnan(x) || isnan(y)) return isnan(x) && isnan(y);
        return x == y && signbit(x) == signbit(y);
    }
    case EDDY_V_DECIMAL: return *a->u.dec == *b->u.dec && a->v_scale == b->v_scale;
    case EDDY_V_ARRAY:
    case EDDY_V_MAP:
    case EDDY_V_STRUCT: {
        if (a->v_len != b->v_len) return false;
        size_t n = a->v_kind == EDDY_V_MAP ? 2 * (size_t)a->v_len : a->v_len;
        for (size_t i = 0; i < n; i++)
            if (!fn_java_equal(&a->u.items[i], &b->u.items[i])) return false;
        return true;
    }
    default: return eddy_value_equal(a, b);
    }
}

int fn_double_digits(double d, char digits[32], int *exp10) {
    char buf[48];
    d = fabs(d);
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, d);
        if (strtod(buf, NULL) == d) break;
    }
    int n = 0;
    const char *s = buf;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && n < 31) digits[n++] = *s;
    int e = *s == 'e' ? atoi(s + 1) : 0;
    while (n > 1 && digits[n - 1] == '0') n--;
    digits[n] = 0;
    *exp10 = e + 1;
    return n;
}

void fn_java_double(eddy_strbuf *out, double d) { eddy_java_double_text(d, out); }

eddy_int128 fn_pow10(int n) {
    eddy_int128 p = 1;
    for (int i = 0; i < n && i < 38; i++) p *= 10;
    return p;
}

static const eddy_int128 k_int128_max = (eddy_int128)(((unsigned __int128)1 << 127) - 1);

bool fn_dec_rescale(eddy_int128 x, int from, int to, int mode, eddy_int128 *out) {
    if (to >= from) {
        int k = to - from;
        if (x == 0) {
            *out = 0;
            return true;
        }
        if (k > 38) return false;
        eddy_int128 p = fn_pow10(k);
        eddy_int128 ax = x < 0 ? -x : x;
        if (x == -k_int128_max - 1 || ax > k_int128_max / p) return false;
        *out = x * p;
        return true;
    }
    int k = from - to;
    eddy_int128 q, r;
    if (k > 38) {
        q = 0;
        r = x;
    } else {
        eddy_int128 p = fn_pow10(k);
        q = x / p;
        r = x % p;
    }
    if (r != 0) {
        int sign = x < 0 ? -1 : 1;
        bool away = false;
        switch (mode) {
        case FN_ROUND_DOWN: break;
        case FN_ROUND_FLOOR: away = sign < 0; break;
        case FN_ROUND_CEILING: away = sign > 0; break;
        case FN_ROUND_HALF_UP:
        case FN_ROUND_HALF_DOWN: {
            /* compare |r| with half of 10^k */
            eddy_int128 ar = r < 0 ? -r : r;
            int c;
            if (k > 38) c = -1; /* |r| < 10^38 < half of 10^k */
            else {
                eddy_int128 p = fn_pow10(k);
                eddy_int128 twice = ar * 2; /* ar < 10^38, fits */
                c = twice < p ? -1 : twice > p ? 1 : 0;
            }
            away = c > 0 || (c == 0 && mode == FN_ROUND_HALF_UP);
            break;
        }
        default: break;
        }
        if (away) q += sign;
    }
    *out = q;
    return true;
}

void fn_decimal_string(eddy_strbuf *out, eddy_int128 unscaled, int scale, bool plain) {
    char digits[64];
    int n = 0;
    bool neg = unscaled < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(unscaled + 1)) + 1 : (unsigned __int128)unscaled;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    /* digits are reversed */
    char d[64] = {0};
    for (int i = 0; i < n; i++) d[i] = digits[n - 1 - i];
    long adjusted = (long)n - 1 - scale;
    if (neg) eddy_strbuf_putc(out, '-');
    if (!plain && (scale < 0 || adjusted < -6)) {
        eddy_strbuf_putc(out, d[0]);
        if (n > 1) {
            eddy_strbuf_putc(out, '.');
            eddy_strbuf_append(out, d + 1, (size_t)(n - 1));
        }
        eddy_strbuf_printf(out, "E%s%ld", adjusted >= 0 ? "+" : "", adjusted);
        return;
    }
    if (scale <= 0) {
        eddy_strbuf_append(out, d, (size_t)n);
        if (!(n == 1 && d[0] == '0'))
            for (int i = 0; i < -scale; i++) eddy_strbuf_putc(out, '0');
        return;
    }
    if (n > scale) {
        eddy_strbuf_append(out, d, (size_t)(n - scale));
        eddy_strbuf_putc(out, '.');
        eddy_strbuf_append(out, d + n - scale, (size_t)scale);
    } else {
        eddy_strbuf_puts(out, "0.");
        for (int i = 0; i < scale - n; i++) eddy_strbuf_putc(out, '0');
        eddy_strbuf_append(out, d, (size_t)n);
    }
}

/* ------------------------------------------------------------------------ */
/* Text                                                                     */

uint32_t fn_utf8_next(const char *s, size_t n, size_t *i) {
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t left = n - *i;
    unsigned c = p[0];
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    int len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
    else {
        (*i)++;
        return 0xFFFD;
    }
    if ((size_t)len > left) {
        (*i)++;
        return 0xFFFD;
    }
    for (int k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80) {
            (*i)++;
            return 0xFFFD;
        }
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        (*i)++;
        return 0xFFFD;
    }
    *i += (size_t)len;
    return cp;
}

void fn_utf8_put(eddy_strbuf *sb, uint32_t cp) {
    char b[4];
    if (cp < 0x80) {
        eddy_strbuf_putc(sb, (char)cp);
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        eddy_strbuf_append(sb, b, 2);
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
        eddy_strbuf_putc(sb, '?'); /* lone surrogate: Java's UTF-8 encoder writes '?' */
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        eddy_strbuf_append(sb, b, 3);
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        eddy_strbuf_append(sb, b, 4);
    }
}

uint16_t *fn_u16_from_utf8(eddy_arena *a, const char *s, size_t n, size_t *len) {
    uint16_t *u = eddy_arena_alloc(a, (n + 1) * sizeof *u);
    if (!u) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = fn_utf8_next(s, n, &i);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[k++] = (uint16_t)(0xD800 | (cp >> 10));
            u[k++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
        } else {
            u[k++] = (uint16_t)cp;
        }
    }
    *len = k;
    return u;
}

uint32_t fn_u16_codepoint_at(const uint16_t *u, size_t len, size_t i) {
    uint32_t c = u[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < len && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF)
        return 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
    return c;
}

void fn_u16_to_utf8(eddy_strbuf *sb, const uint16_t *u, size_t len) {
    for (size_t i = 0; i < len; i++) {
        uint32_t cp = fn_u16_codepoint_at(u, len, i);
        if (cp >= 0x10000) i++;
        fn_utf8_put(sb, cp);
    }
}

size_t fn_utf16_length(const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n;) k += fn_utf8_next(s, n, &i) >= 0x10000 ? 2 : 1;
    return k;
}

static locale_t g_utf8_locale;
static pthread_once_t g_locale_once = PTHREAD_ONCE_INIT;

static void locale_init(void) {
    g_utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t utf8_locale(void) {
    pthread_once(&g_locale_once, locale_init);
    return g_utf8_locale;
}

uint32_t fn_cp_lower(uint32_t cp) {
    if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    locale_t l = utf8_locale();
    return l ? (uint32_t)towlower_l((wint_t)cp, l) : cp;
}

uint32_t fn_cp_upper(uint32_t cp) {
    if (cp < 0x80) return cp >= 'a' && cp <= 'z' ? cp - 32 : cp;
    locale_t l = utf8_locale();
    return l ? (uint32_t)towupper_l((wint_t)cp, l) : cp;
}

bool fn_cp_is_upper(uint32_t cp) {
    if (cp < 0x80) return cp >= 'A' && cp <= 'Z';
    locale_t l = utf8_locale();
    return l && iswupper_l((wint_t)cp, l);
}

bool fn_cp_is_lower(uint32_t cp) {
    if (cp < 0x80) return cp >= 'a' && cp <= 'z';
    locale_t l = utf8_locale();
    return l && iswlower_l((wint_t)cp, l);
}

bool fn_cp_is_digit(uint32_t cp) {
    if (cp < 0x80) return cp >= '0' && cp <= '9';
    /* The decimal digit blocks most often met (Arabic-Indic, Devanagari,
     * fullwidth); Java knows more. */
    static const uint32_t zeros[] = {0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66,
                                     0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0E50, 0x0ED0, 0x0F20, 0x1040,
                                     0x17E0, 0x1810, 0xFF10};
    for (size_t i = 0; i < sizeof zeros / sizeof zeros[0]; i++)
        if (cp >= zeros[i] && cp <= zeros[i] + 9) return true;
    return false;
}

void fn_str_lower(eddy_strbuf *sb, const char *s, size_t n) {
    for (size_t i = 0; i < n;) fn_utf8_put(sb, fn_cp_lower(fn_utf8_next(s, n, &i)));
}

void fn_str_upper(eddy_strbuf *sb, const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        uint32_t cp = fn_utf8_next(s, n, &i);
        if (cp == 0xDF) { /* Java's full case mapping: sharp s -> SS */
            eddy_strbuf_puts(sb, "SS");
            continue;
        }
        fn_utf8_put(sb, fn_cp_upper(cp));
    }
}

bool fn_ieq(const char *s, size_t n, const char *word) {
    size_t m = strlen(word);
    if (m != n) return false;
    for (size_t i = 0; i < n; i++) {
        char a = s[i], b = word[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a + 32);
        if (b >= 'A' && b <= 'Z') b = (char)(b + 32);
        if (a != b) return false;
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Codecs                                                                   */

static const char k_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void fn_base64_encode(eddy_strbuf *sb, const unsigned char *p, size_t n, bool mime) {
    size_t line = 0;
    for (size_t i = 0; i < n; i += 3) {
        if (mime && line == 76) {
            eddy_strbuf_puts(sb, "\r\n");
            line = 0;
        }
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n) v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        char q[4] = {k_b64[(v >> 18) & 63], k_b64[(v >> 12) & 63], i + 1 < n ? k_b64[(v >> 6) & 63] : '=',
                     i + 2 < n ? k_b64[v & 63] : '='};
        eddy_strbuf_append(sb, q, 4);
        line += 4;
    }
}

static int b64_val(unsigned char c, bool url) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || (url && c == '-')) return 62;
    if (c == '/' || (url && c == '_')) return 63;
    return -1;
}

bool fn_base64_decode(eddy_strbuf *sb, const char *s, size_t n, bool url_alphabet) {
    unsigned acc = 0;
    int bits = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '=') break;
        int v = b64_val(c, url_alphabet);
        if (v < 0) continue;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        count++;
        if (bits >= 8) {
            bits -= 8;
            eddy_strbuf_putc(sb, (char)((acc >> bits) & 0xFF));
        }
    }
    return count % 4 != 1;
}

void fn_hex_encode(eddy_strbuf *sb, const unsigned char *p, size_t n, bool upper) {
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char b[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
        eddy_strbuf_append(sb, b, 2);
    }
}

static int hex_val(char c, bool any_case) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (any_case && c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool fn_hex_decode(eddy_strbuf *sb, const char *s, size_t n, bool any_case) {
    if (n % 2) return false;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_val(s[i], any_case), lo = hex_val(s[i + 1], any_case);
        if (hi < 0 || lo < 0) return false;
        eddy_strbuf_putc(sb, (char)(hi * 16 + lo));
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* JSON text                                                                */

void fn_json_quote(eddy_strbuf *sb, const char *s, size_t n) {
    eddy_strbuf_putc(sb, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof u, "\\u%04X", c);
                esc = u;
            }
            break;
        }
        if (esc) {
            eddy_strbuf_append(sb, s + run, i - run);
            eddy_strbuf_puts(sb, esc);
            run = i + 1;
        }
    }
    eddy_strbuf_append(sb, s + run, n - run);
    eddy_strbuf_putc(sb, '"');
}

/* LocalDate.toString: yyyy-MM-dd, '+' before years above 9999. */
static void put_iso_date(eddy_strbuf *sb, int64_t days) {
    int64_t y;
    int m, d;
    fn_civil_from_days(days, &y, &m, &d);
    if (y > 9999) eddy_strbuf_printf(sb, "+%lld", (long long)y);
    else if (y < 0) eddy_strbuf_printf(sb, "-%04lld", (long long)-y);
    else eddy_strbuf_printf(sb, "%04lld", (long long)y);
    eddy_strbuf_printf(sb, "-%02d-%02d", m, d);
}

void fn_json_write_value(eddy_strbuf *sb, const eddy_value *v, const eddy_type *t) {
    switch (v->v_kind) {
    case EDDY_V_NULL: eddy_strbuf_puts(sb, "null"); return;
    case EDDY_V_BOOL: eddy_strbuf_puts(sb, v->u.i ? "true" : "false"); return;
    case EDDY_V_INT:
    case EDDY_V_BIGINT: eddy_strbuf_printf(sb, "%lld", (long long)v->u.i); return;
    case EDDY_V_DOUBLE:
        if (!isfinite(v->u.d)) { /* QUOTE_NON_NUMERIC_NUMBERS */
            eddy_strbuf_putc(sb, '"');
            fn_java_double(sb, v->u.d);
            eddy_strbuf_putc(sb, '"');
        } else {
            fn_java_double(sb, v->u.d);
        }
        return;
    case EDDY_V_DECIMAL: fn_decimal_string(sb, *v->u.dec, v->v_scale, true); return;
    case EDDY_V_STRING: fn_json_quote(sb, v->u.s, v->v_len); return;
    case EDDY_V_BYTES: {
        eddy_strbuf tmp = EDDY_STRBUF_INIT;
        fn_base64_encode(&tmp, (const unsigned char *)v->u.s, v->v_len, true);
        fn_json_quote(sb, eddy_strbuf_cstr(&tmp), tmp.len);
        if (tmp.failed) sb->failed = 1;
        eddy_strbuf_fini(&tmp);
        return;
    }
    case EDDY_V_DATE:
        eddy_strbuf_putc(sb, '"');
        put_iso_date(sb, v->u.i);
        eddy_strbuf_putc(sb, '"');
        return;
    case EDDY_V_TIME: { /* LocalTime.ofSecondOfDay(ms / 1000).toString() */
        int64_t s = fn_floor_div(v->u.i, 1000);
        int h = (int)(s / 3600 % 24), m = (int)(s / 60 % 60), sec = (int)(s % 60);
        if (h < 0) h += 24;
        if (sec) eddy_strbuf_printf(sb, "\"%02d:%02d:%02d\"", h, m, sec);
        else eddy_strbuf_printf(sb, "\"%02d:%02d\"", h, m);
        return;
    }
    case EDDY_V_TIMESTAMP: { /* yyyy-MM-dd'T'HH:mm:ss.SSS in UTC */
        int64_t ms = v->u.i;
        int64_t days = fn_floor_div(ms, 86400000);
        int64_t rem = ms - days * 86400000;
        eddy_strbuf_putc(sb, '"');
        int64_t y;
        int mo, d;
        fn_civil_from_days(days, &y, &mo, &d);
        eddy_strbuf_printf(sb, "%04lld-%02d-%02dT%02d:%02d:%02d.%03d\"", (long long)y, mo, d,
                           (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
                           (int)(rem % 1000));
        return;
    }
    case EDDY_V_ARRAY: {
        const eddy_type *et = t && t->ty_kind == EDDY_TYPE_ARRAY ? t->ty_elem : NULL;
        eddy_strbuf_putc(sb, '[');
        for (uint32_t i = 0; i < v->v_len; i++) {
            if (i) eddy_strbuf_putc(sb, ',');
            fn_json_write_value(sb, &v->u.items[i], et);
        }
        eddy_strbuf_putc(sb, ']');
        return;
    }
    case EDDY_V_MAP:
    case EDDY_V_STRUCT: {
        /* Keys sorted (ksqlDB puts them in a TreeMap). */
        bool map = v->v_kind == EDDY_V_MAP;
        uint32_t n = v->v_len;
        eddy_strbuf *keys = calloc(n ? n : 1, sizeof *keys);
        uint32_t *order = calloc(n ? n : 1, sizeof *order);
        if (!keys || !order) {
            free(keys);
            free(order);
            sb->failed = 1;
            return;
        }
        for (uint32_t i = 0; i < n; i++) {
            order[i] = i;
            if (map) {
                const eddy_value *k = &v->u.items[2 * i];
                if (k->v_kind == EDDY_V_STRING) eddy_strbuf_append(&keys[i], k->u.s, k->v_len);
                else fn_json_write_value(&keys[i], k, NULL);
            } else {
                const char *name = t && t->ty_kind == EDDY_TYPE_STRUCT && (int)i < t->ty_nfields
                                       ? t->ty_fields[i].name
                                       : NULL;
                if (name) eddy_strbuf_puts(&keys[i], name);
                else eddy_strbuf_printf(&keys[i], "F%u", i);
            }
        }
        /* insertion sort: maps here are small */
        for (uint32_t i = 1; i < n; i++) {
            uint32_t x = order[i];
            uint32_t j = i;
            while (j > 0 && strcmp(eddy_strbuf_cstr(&keys[order[j - 1]]), eddy_strbuf_cstr(&keys[x])) > 0) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = x;
        }
        /* a TreeMap keeps one entry per key: the last one put */
        eddy_strbuf_putc(sb, '{');
        bool first = true;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t x = order[i];
            if (i + 1 < n && strcmp(eddy_strbuf_cstr(&keys[x]), eddy_strbuf_cstr(&keys[order[i + 1]])) == 0)
                continue;
            if (!first) eddy_strbuf_putc(sb, ',');
            first = false;
            fn_json_quote(sb, eddy_strbuf_cstr(&keys[x]), keys[x].len);
            eddy_strbuf_putc(sb, ':');
            const eddy_type *vt = NULL;
            if (map) vt = t && t->ty_kind == EDDY_TYPE_MAP ? t->ty_elem : NULL;
            else vt = t && t->ty_kind == EDDY_TYPE_STRUCT && (int)x < t->ty_nfields ? t->ty_fields[x].type : NULL;
            fn_json_write_value(sb, map ? &v->u.items[2 * x + 1] : &v->u.items[x], vt);
        }
        eddy_strbuf_putc(sb, '}');
        for (uint32_t i = 0; i < n; i++) eddy_strbuf_fini(&keys[i]);
        free(keys);
        free(order);
        return;
    }
    default: eddy_strbuf_puts(sb, "null"); return;
    }
}

/* ------------------------------------------------------------------------ */
/* Growing arrays of values                                                 */

void fn_vec_init(fn_vec *v, eddy_arena *a) {
    memset(v, 0, sizeof *v);
    v->a = a;
}

bool fn_vec_push(fn_vec *v, eddy_value x) {
    if (v->failed) return false;
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 8;
        eddy_value *items = v->a ? eddy_arena_alloc(v->a, (size_t)cap * sizeof *items) : NULL;
        if (!items) {
            v->failed = true;
            return false;
        }
        if (v->n) memcpy(items, v->items, (size_t)v->n * sizeof *items);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = x;
    return true;
}

eddy_value fn_vec_array(const fn_vec *v) {
    eddy_value r = {0};
    r.v_kind = EDDY_V_ARRAY;
    r.v_len = v->n;
    r.u.items = v->items;
    return r;
}

eddy_value fn_vec_map(const fn_vec *v) {
    eddy_value r = {0};
    r.v_kind = EDDY_V_MAP;
    r.v_len = v->n / 2;
    r.u.items = v->items;
    return r;
}

bool fn_map_put(fn_vec *v, eddy_value key, eddy_value val) {
    for (uint32_t i = 0; i + 1 < v->n; i += 2) {
        if (fn_java_equal(&v->items[i], &key)) {
            v->items[i + 1] = val;
            return true;
        }
    }
    return fn_vec_push(v, key) && fn_vec_push(v, val);
}
