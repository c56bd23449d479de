/* value.c - values, rows and batches: construction, copying, comparison, hashing. */
#include "schemas/value.h"

#include "base/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

eddy_value eddy_value_str_copy(eddy_arena *a, eddy_vkind k, const char *s, size_t len) {
    char *p = eddy_arena_alloc(a, len + 1); /* NUL-terminated for convenience */
    if (!p) return eddy_value_null();
    if (len) memcpy(p, s, len);
    return eddy_value_str(k, p, len);
}

eddy_value eddy_value_decimal(eddy_arena *a, eddy_int128 unscaled, int scale) {
    eddy_int128 *p = eddy_arena_alloc(a, sizeof *p);
    eddy_value v = {0};
    if (!p) return v;
    *p = unscaled;
    v.v_kind = EDDY_V_DECIMAL;
    v.v_scale = (int16_t)scale;
    v.u.dec = p;
    return v;
}

eddy_value eddy_value_container(eddy_arena *a, eddy_vkind k, uint32_t n) {
    eddy_value v = {0};
    size_t count = k == EDDY_V_MAP ? 2 * (size_t)n : n;
    v.v_kind = (uint8_t)k;
    v.v_len = n;
    if (count) {
        v.u.items = eddy_arena_alloc(a, count * sizeof(eddy_value));
        if (!v.u.items) return eddy_value_null();
    }
    return v;
}

eddy_value eddy_value_copy(eddy_arena *a, const eddy_value *v) {
    switch (v->v_kind) {
    case EDDY_V_STRING:
    case EDDY_V_BYTES: return eddy_value_str_copy(a, (eddy_vkind)v->v_kind, v->u.s, v->v_len);
    case EDDY_V_DECIMAL: return eddy_value_decimal(a, *v->u.dec, v->v_scale);
    case EDDY_V_ARRAY:
    case EDDY_V_MAP:
    case EDDY_V_STRUCT: {
        eddy_value c = eddy_value_container(a, (eddy_vkind)v->v_kind, v->v_len);
        size_t count = v->v_kind == EDDY_V_MAP ? 2 * (size_t)v->v_len : v->v_len;
        if (count && c.v_kind == EDDY_V_NULL) return c;
        for (size_t i = 0; i < count; i++) c.u.items[i] = eddy_value_copy(a, &v->u.items[i]);
        return c;
    }
    default: return *v;
    }
}

/* Decimal comparison across scales: scale both to the larger scale. */
static int dec_cmp(const eddy_value *a, const eddy_value *b) {
    eddy_int128 x = *a->u.dec, y = *b->u.dec;
    int sa = a->v_scale, sb = b->v_scale;
    while (sa < sb) x *= 10, sa++;
    while (sb < sa) y *= 10, sb++;
    return x < y ? -1 : x > y ? 1 : 0;
}

bool eddy_value_equal(const eddy_value *a, const eddy_value *b) {
    if (a->v_kind != b->v_kind) return false;
    switch (a->v_kind) {
    case EDDY_V_NULL: return true;
    case EDDY_V_DOUBLE: return a->u.d == b->u.d;
    case EDDY_V_DECIMAL: return dec_cmp(a, b) == 0;
    case EDDY_V_STRING:
    case EDDY_V_BYTES: return a->v_len == b->v_len && (a->v_len == 0 || memcmp(a->u.s, b->u.s, a->v_len) == 0);
    case EDDY_V_ARRAY:
    case EDDY_V_MAP:
    case EDDY_V_STRUCT: {
        if (a->v_len != b->v_len) return false;
        size_t count = a->v_kind == EDDY_V_MAP ? 2 * (size_t)a->v_len : a->v_len;
        for (size_t i = 0; i < count; i++)
            if (!eddy_value_equal(&a->u.items[i], &b->u.items[i])) return false;
        return true;
    }
    default: return a->u.i == b->u.i;
    }
}

int eddy_value_compare(const eddy_value *a, const eddy_value *b) {
    if (a->v_kind != b->v_kind) {
        if (a->v_kind == EDDY_V_NULL) return -1;
        if (b->v_kind == EDDY_V_NULL) return 1;
        return a->v_kind < b->v_kind ? -1 : 1;
    }
    switch (a->v_kind) {
    case EDDY_V_NULL: return 0;
    case EDDY_V_DOUBLE: return a->u.d < b->u.d ? -1 : a->u.d > b->u.d ? 1 : 0;
    case EDDY_V_DECIMAL: return dec_cmp(a, b);
    case EDDY_V_STRING:
    case EDDY_V_BYTES: {
        size_t n = a->v_len < b->v_len ? a->v_len : b->v_len;
        int r = n ? memcmp(a->u.s, b->u.s, n) : 0;
        if (r) return r < 0 ? -1 : 1;
        return a->v_len < b->v_len ? -1 : a->v_len > b->v_len ? 1 : 0;
    }
    case EDDY_V_ARRAY:
    case EDDY_V_MAP:
    case EDDY_V_STRUCT: {
        size_t na = a->v_kind == EDDY_V_MAP ? 2 * (size_t)a->v_len : a->v_len;
        size_t nb = b->v_kind == EDDY_V_MAP ? 2 * (size_t)b->v_len : b->v_len;
        for (size_t i = 0; i < na && i < nb; i++) {
            int r = eddy_value_compare(&a->u.items[i], &b->u.items[i]);
            if (r) return r;
        }
        return na < nb ? -1 : na > nb ? 1 : 0;
    }
    default: return a->u.i < b->u.i ? -1 : a->u.i > b->u.i ? 1 : 0;
    }
}

static uint64_t mix(uint64_t h, uint64_t x) {
    h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

static uint64_t hash_bytes(const char *p, size_t n) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

uint64_t eddy_value_hash(const eddy_value *v) {
    uint64_t h = v->v_kind;
    switch (v->v_kind) {
    case EDDY_V_NULL: return h;
    case EDDY_V_DOUBLE: {
        double d = v->u.d == 0.0 ? 0.0 : v->u.d; /* -0.0 == 0.0 */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return mix(h, bits);
    }
    case EDDY_V_DECIMAL: {
        /* Normalise trailing zeros so that equal values hash alike. */
        eddy_int128 x = *v->u.dec;
        while (x != 0 && x % 10 == 0) x /= 10;
        return mix(mix(h, (uint64_t)x), (uint64_t)(x >> 64));
    }
    case EDDY_V_STRING:
    case EDDY_V_BYTES: return mix(h, hash_bytes(v->u.s, v->v_len));
    case EDDY_V_ARRAY:
    case EDDY_V_MAP:
    case EDDY_V_STRUCT: {
        size_t count = v->v_kind == EDDY_V_MAP ? 2 * (size_t)v->v_len : v->v_len;
        for (size_t i = 0; i < count; i++) h = mix(h, eddy_value_hash(&v->u.items[i]));
        return h;
    }
    default: return mix(h, (uint64_t)v->u.i);
    }
}

eddy_vkind eddy_vkind_of(const eddy_type *t) {
    switch (t->ty_kind) {
    case EDDY_TYPE_BOOLEAN: return EDDY_V_BOOL;
    case EDDY_TYPE_INT: return EDDY_V_INT;
    case EDDY_TYPE_BIGINT: return EDDY_V_BIGINT;
    case EDDY_TYPE_DOUBLE: return EDDY_V_DOUBLE;
    case EDDY_TYPE_DECIMAL: return EDDY_V_DECIMAL;
    case EDDY_TYPE_STRING: return EDDY_V_STRING;
    case EDDY_TYPE_BYTES: return EDDY_V_BYTES;
    case EDDY_TYPE_DATE: return EDDY_V_DATE;
    case EDDY_TYPE_TIME: return EDDY_V_TIME;
    case EDDY_TYPE_TIMESTAMP: return EDDY_V_TIMESTAMP;
    case EDDY_TYPE_ARRAY: return EDDY_V_ARRAY;
    case EDDY_TYPE_MAP: return EDDY_V_MAP;
    case EDDY_TYPE_STRUCT: return EDDY_V_STRUCT;
    default: return EDDY_V_NULL;
    }
}

static void format_decimal(const eddy_value *v, eddy_strbuf *out) {
    eddy_int128 x = *v->u.dec;
    char digits[64];
    int n = 0, neg = x < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(x + 1)) + 1 : (unsigned __int128)x;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u && n < 60);
    while (n <= v->v_scale) digits[n++] = '0';
    if (neg) eddy_strbuf_putc(out, '-');
    for (int i = n - 1; i >= 0; i--) {
        eddy_strbuf_putc(out, digits[i]);
        if (i == v->v_scale && i > 0) eddy_strbuf_putc(out, '.');
    }
}

void eddy_value_format(const eddy_value *v, eddy_strbuf *out) {
    switch (v->v_kind) {
    case EDDY_V_NULL: eddy_strbuf_puts(out, "NULL"); break;
    case EDDY_V_BOOL: eddy_strbuf_puts(out, v->u.i ? "true" : "false"); break;
    case EDDY_V_DOUBLE: eddy_strbuf_printf(out, "%.17g", v->u.d); break;
    case EDDY_V_DECIMAL: format_decimal(v, out); break;
    case EDDY_V_STRING:
        eddy_strbuf_putc(out, '\'');
        eddy_strbuf_append(out, v->u.s, v->v_len);
        eddy_strbuf_putc(out, '\'');
        break;
    case EDDY_V_BYTES:
        eddy_strbuf_puts(out, "x'");
        for (uint32_t i = 0; i < v->v_len; i++) eddy_strbuf_printf(out, "%02x", (unsigned char)v->u.s[i]);
        eddy_strbuf_putc(out, '\'');
        break;
    case EDDY_V_ARRAY:
    case EDDY_V_STRUCT:
        eddy_strbuf_putc(out, v->v_kind == EDDY_V_ARRAY ? '[' : '{');
        for (uint32_t i = 0; i < v->v_len; i++) {
            if (i) eddy_strbuf_puts(out, ", ");
            eddy_value_format(&v->u.items[i], out);
        }
        eddy_strbuf_putc(out, v->v_kind == EDDY_V_ARRAY ? ']' : '}');
        break;
    case EDDY_V_MAP:
        eddy_strbuf_putc(out, '{');
        for (uint32_t i = 0; i < v->v_len; i++) {
            if (i) eddy_strbuf_puts(out, ", ");
            eddy_value_format(&v->u.items[2 * i], out);
            eddy_strbuf_putc(out, '=');
            eddy_value_format(&v->u.items[2 * i + 1], out);
        }
        eddy_strbuf_putc(out, '}');
        break;
    default: eddy_strbuf_printf(out, "%lld", (long long)v->u.i); break;
    }
}

/* ---- batches ------------------------------------------------------------- */

int eddy_batch_init(eddy_batch *b, int ncols) {
    memset(b, 0, sizeof *b);
    b->ncols = ncols;
    b->arena = eddy_arena_new();
    return b->arena ? 0 : EDDY_NOMEM;
}

void eddy_batch_fini(eddy_batch *b) {
    eddy_arena_destroy(b->arena);
    free(b->rows);
    memset(b, 0, sizeof *b);
}

void eddy_batch_reset(eddy_batch *b) {
    eddy_arena_reset(b->arena);
    b->count = 0;
}

eddy_row *eddy_batch_append(eddy_batch *b) {
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        eddy_row *rows = realloc(b->rows, cap * sizeof *rows);
        if (!rows) return NULL;
        b->rows = rows;
        b->cap = cap;
    }
    eddy_row *r = &b->rows[b->count];
    r->cols = b->ncols ? eddy_arena_alloc(b->arena, (size_t)b->ncols * sizeof(eddy_value)) : NULL;
    if (b->ncols && !r->cols) return NULL;
    r->ts = 0;
    r->offset = -1;
    r->partition = -1;
    r->nheaders = 0;
    r->headers = NULL;
    r->flags = 0;
    r->wstart = r->wend = 0;
    b->count++;
    return r;
}
