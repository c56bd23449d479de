/* value_bin.c - the compact binary value encoding of value_bin.h: encoder, bounds-checked decoder, varints.
 *
 * Layout of one value (kind byte = eddy_vkind):
 *   NULL                                   kind
 *   BOOL INT BIGINT DATE TIME TIMESTAMP    kind, zig-zag varint of u.i
 *   DOUBLE                                 kind, 8 bytes little-endian (IEEE bits)
 *   DECIMAL                                kind, zig-zag varint scale, 16 bytes
 *                                          little-endian two's complement
 *   STRING BYTES                           kind, varint length, bytes
 *   ARRAY STRUCT                           kind, varint count, count values
 *   MAP                                    kind, varint entries, key, value, ...
 *
 * The decoder trusts nothing: every length is checked against the bytes left
 * (a container of count items needs at least count bytes, so a corrupt count
 * cannot make it allocate more than the input's size in values), BOOL must be
 * 0 or 1, INT must fit 32 bits, a scale 16 bits, and containers nest at most
 * VALUE_BIN_MAX_DEPTH deep so hostile input cannot exhaust the stack.
 */
#include "schemas/value_bin.h"

#include <stdint.h>
#include <string.h>

#define VALUE_BIN_MAX_DEPTH 100

/* ---- varints --------------------------------------------------------------- */

void eddy_varint_put(eddy_strbuf *out, uint64_t v) {
    char b[10];
    size_t n = 0;
    while (v >= 0x80) {
        b[n++] = (char)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (char)v;
    eddy_strbuf_append(out, b, n);
}

/* Also false for a varint of more than 64 bits (corrupt). */
bool eddy_varint_get(const unsigned char **p, const unsigned char *end, uint64_t *v) {
    const unsigned char *q = *p;
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (q >= end) return false;
        unsigned char c = *q++;
        if (shift == 63 && c > 1) return false; /* bits beyond 64 */
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *p = q;
            *v = r;
            return true;
        }
    }
    return false;
}

static uint64_t zigzag(int64_t i) {
    return ((uint64_t)i << 1) ^ (uint64_t)(i >> 63); /* arithmetic shift: all ones when negative */
}

static int64_t unzigzag(uint64_t u) {
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* ---- encoding -------------------------------------------------------------- */

static void put_le(eddy_strbuf *out, const void *src, size_t n) {
    /* Values are in host order; write them little-endian whatever the host. */
    unsigned char b[16];
    const unsigned char *s = src;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(b, s, n);
#else
    for (size_t i = 0; i < n; i++) b[i] = s[n - 1 - i];
#endif
    eddy_strbuf_append(out, (const char *)b, n);
}

static void encode_one(const eddy_value *v, eddy_strbuf *out) {
    eddy_strbuf_putc(out, (char)v->v_kind);
    switch (v->v_kind) {
    case EDDY_V_NULL: break;
    case EDDY_V_BOOL:
    case EDDY_V_INT:
    case EDDY_V_BIGINT:
    case EDDY_V_DATE:
    case EDDY_V_TIME:
    case EDDY_V_TIMESTAMP: eddy_varint_put(out, zigzag(v->u.i)); break;
    case EDDY_V_DOUBLE: put_le(out, &v->u.d, 8); break;
    case EDDY_V_DECIMAL:
        eddy_varint_put(out, zigzag(v->v_scale));
        put_le(out, v->u.dec, 16);
        break;
    case EDDY_V_STRING:
    case EDDY_V_BYTES:
        eddy_varint_put(out, v->v_len);
        if (v->v_len) eddy_strbuf_append(out, v->u.s, v->v_len);
        break;
    case EDDY_V_ARRAY:
    case EDDY_V_STRUCT:
    case EDDY_V_MAP: {
        eddy_varint_put(out, v->v_len);
        size_t count = v->v_kind == EDDY_V_MAP ? 2 * (size_t)v->v_len : v->v_len;
        for (size_t i = 0; i < count; i++) encode_one(&v->u.items[i], out);
        break;
    }
    default: break; /* not a kind: only the byte (the decoder rejects it) */
    }
}

int eddy_value_bin_encode(const eddy_value *vals, int n, eddy_strbuf *out) {
    for (int i = 0; i < n; i++) encode_one(&vals[i], out);
    return out->failed ? EDDY_NOMEM : 0;
}

/* ---- decoding -------------------------------------------------------------- */

typedef struct dctx {
    const unsigned char *start, *p, *end;
    eddy_arena *a;
    bool borrow;
    eddy_err *err;
} dctx;

static int corrupt(dctx *c, const char *what) {
    return eddy_err_set(c->err, EDDY_CORRUPT, "corrupt binary value at byte %zu: %s", (size_t)(c->p - c->start),
                        what);
}

static int nomem(dctx *c) {
    return eddy_err_set(c->err, EDDY_NOMEM, "out of memory decoding a binary value");
}

static void get_le(void *dst, const unsigned char *src, size_t n) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(dst, src, n);
#else
    unsigned char *d = dst;
    for (size_t i = 0; i < n; i++) d[i] = src[n - 1 - i];
#endif
}

static int get_varint(dctx *c, uint64_t *v, const char *what) {
    if (!eddy_varint_get(&c->p, c->end, v)) return corrupt(c, what);
    return 0;
}

static int decode_one(dctx *c, eddy_value *v, int depth) {
    if (c->p >= c->end) return corrupt(c, "truncated (expected a value)");
    unsigned kind = *c->p++;
    uint64_t u;
    int rc;
    *v = eddy_value_null();
    switch (kind) {
    case EDDY_V_NULL: return 0;
    case EDDY_V_BOOL:
    case EDDY_V_INT:
    case EDDY_V_BIGINT:
    case EDDY_V_DATE:
    case EDDY_V_TIME:
    case EDDY_V_TIMESTAMP: {
        if ((rc = get_varint(c, &u, "truncated integer"))) return rc;
        int64_t i = unzigzag(u);
        if (kind == EDDY_V_BOOL && i != 0 && i != 1) return corrupt(c, "BOOLEAN not 0 or 1");
        if (kind == EDDY_V_INT && (i < INT32_MIN || i > INT32_MAX)) return corrupt(c, "INT out of range");
        *v = eddy_value_i64((eddy_vkind)kind, i);
        return 0;
    }
    case EDDY_V_DOUBLE: {
        if (c->end - c->p < 8) return corrupt(c, "truncated DOUBLE");
        double d;
        get_le(&d, c->p, 8);
        c->p += 8;
        *v = eddy_value_double(d);
        return 0;
    }
    case EDDY_V_DECIMAL: {
        if ((rc = get_varint(c, &u, "truncated DECIMAL scale"))) return rc;
        int64_t scale = unzigzag(u);
        if (scale < INT16_MIN || scale > INT16_MAX) return corrupt(c, "DECIMAL scale out of range");
        if (c->end - c->p < 16) return corrupt(c, "truncated DECIMAL");
        eddy_int128 x;
        get_le(&x, c->p, 16);
        c->p += 16;
        *v = eddy_value_decimal(c->a, x, (int)scale);
        if (v->v_kind != EDDY_V_DECIMAL) return nomem(c);
        return 0;
    }
    case EDDY_V_STRING:
    case EDDY_V_BYTES: {
        if ((rc = get_varint(c, &u, "truncated length"))) return rc;
        if (u > UINT32_MAX || u > (uint64_t)(c->end - c->p)) return corrupt(c, "string longer than the input");
        const char *s = (const char *)c->p;
        c->p += u;
        if (c->borrow) {
            *v = eddy_value_str((eddy_vkind)kind, s, (size_t)u);
            return 0;
        }
        *v = eddy_value_str_copy(c->a, (eddy_vkind)kind, s, (size_t)u);
        if (v->v_kind != kind) return nomem(c);
        return 0;
    }
    case EDDY_V_ARRAY:
    case EDDY_V_STRUCT:
    case EDDY_V_MAP: {
        if (depth >= VALUE_BIN_MAX_DEPTH) return corrupt(c, "containers nested too deep");
        if ((rc = get_varint(c, &u, "truncated count"))) return rc;
        uint64_t left = (uint64_t)(c->end - c->p);
        uint64_t count = kind == EDDY_V_MAP ? 2 * u : u; /* no overflow: checked below first */
        if (u > UINT32_MAX || count > left) return corrupt(c, "more items than bytes left");
        eddy_value cv = eddy_value_container(c->a, (eddy_vkind)kind, (uint32_t)u);
        if (cv.v_kind != kind) return nomem(c);
        for (uint64_t i = 0; i < count; i++)
            if ((rc = decode_one(c, &cv.u.items[i], depth + 1))) return rc;
        *v = cv;
        return 0;
    }
    default: c->p--; return corrupt(c, "unknown value kind");
    }
}

int eddy_value_bin_decode(const void *buf, size_t len, eddy_value *vals, int n, eddy_arena *a, bool borrow,
                          size_t *used, eddy_err *err) {
    if (!buf && len) return eddy_err_set(err, EDDY_INVAL, "no buffer");
    const unsigned char *b = buf ? buf : (const void *)"";
    dctx c = {b, b, b + len, a, borrow, err};
    for (int i = 0; i < n; i++) {
        int rc = decode_one(&c, &vals[i], 0);
        if (rc) return rc;
    }
    if (used) *used = (size_t)(c.p - c.start);
    return 0;
}
