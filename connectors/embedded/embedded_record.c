/* embedded_record.c - encodes and decodes the embedded log's batch keys, batch values
 * and record values (the formats are described in embedded_record.h). */
#include "connectors/embedded/embedded_record.h"

#include <string.h>

void eddy_emb_put_be64(unsigned char out[8], int64_t v) {
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--) {
        out[i] = (unsigned char)(u & 0xff);
        u >>= 8;
    }
}

int64_t eddy_emb_get_be64(const unsigned char in[8]) {
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = u << 8 | in[i];
    return (int64_t)u;
}

void eddy_emb_key_encode(unsigned char out[EDDY_EMB_KEY_LEN], int32_t partition,
                         int64_t offset) {
    uint32_t p = (uint32_t)partition;
    out[0] = (unsigned char)(p >> 24);
    out[1] = (unsigned char)(p >> 16);
    out[2] = (unsigned char)(p >> 8);
    out[3] = (unsigned char)p;
    eddy_emb_put_be64(out + 4, offset);
}

int eddy_emb_key_decode(const void *key, size_t len, int32_t *partition, int64_t *offset) {
    const unsigned char *k = key;
    if (len != EDDY_EMB_KEY_LEN) return EDDY_CORRUPT;
    *partition = (int32_t)((uint32_t)k[0] << 24 | (uint32_t)k[1] << 16 |
                           (uint32_t)k[2] << 8 | (uint32_t)k[3]);
    *offset = eddy_emb_get_be64(k + 4);
    return 0;
}

/* ---- varints ------------------------------------------------------------- */

static size_t varint_size(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static unsigned char *varint_put(unsigned char *out, uint64_t v) {
    while (v >= 0x80) {
        *out++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *out++ = (unsigned char)v;
    return out;
}

/* Reads a varint at *pos (< n); advances *pos.  -1 when truncated or longer
 * than 64 bits. */
static int varint_get(const unsigned char *p, size_t n, size_t *pos, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= n) return -1;
        unsigned char b = p[(*pos)++];
        if (shift == 63 && b > 1) return -1;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* ---- values -------------------------------------------------------------- */

/* Size of a nullable field: varint(len + 1), bytes, NUL; or one byte for NULL. */
static size_t nullable_size(const void *p, size_t len) {
    return p ? varint_size((uint64_t)len + 1) + len + 1 : 1;
}

static unsigned char *nullable_put(unsigned char *out, const void *p, size_t len) {
    if (!p) {
        *out++ = 0;
        return out;
    }
    out = varint_put(out, (uint64_t)len + 1);
    if (len) memcpy(out, p, len);
    out += len;
    *out++ = 0;
    return out;
}

size_t eddy_emb_value_size(const eddy_log_record *rec) {
    size_t n = 1 + 8;
    n += nullable_size(rec->key, rec->key_len);
    n += nullable_size(rec->value, rec->value_len);
    n += varint_size(rec->header_count);
    for (size_t i = 0; i < rec->header_count; i++) {
        const eddy_log_header *h = &rec->headers[i];
        size_t nl = strlen(h->name);
        n += varint_size(nl) + nl + 1;
        n += nullable_size(h->value, h->value_len);
    }
    return n;
}

size_t eddy_emb_value_encode(const eddy_log_record *rec, int64_t timestamp,
                             unsigned char *out) {
    unsigned char *o = out;
    *o++ = EDDY_EMB_VALUE_VERSION;
    eddy_emb_put_be64(o, timestamp);
    o += 8;
    o = nullable_put(o, rec->key, rec->key_len);
    o = nullable_put(o, rec->value, rec->value_len);
    o = varint_put(o, rec->header_count);
    for (size_t i = 0; i < rec->header_count; i++) {
        const eddy_log_header *h = &rec->headers[i];
        size_t nl = strlen(h->name);
        o = varint_put(o, nl);
        memcpy(o, h->name, nl);
        o += nl;
        *o++ = 0;
        o = nullable_put(o, h->value, h->value_len);
    }
    return (size_t)(o - out);
}

/* Reads a field of varint length lenplus (already decoded: length + 1, or 0
 * for NULL when nullable) followed by the bytes and a NUL. */
static int field_get(const unsigned char *p, size_t n, size_t *pos, uint64_t lenplus,
                     const void **out, size_t *out_len) {
    if (lenplus == 0) {
        *out = NULL;
        *out_len = 0;
        return 0;
    }
    uint64_t len = lenplus - 1;
    if (len > n - *pos || n - *pos - len < 1 || p[*pos + len] != 0) return -1;
    *out = p + *pos;
    *out_len = (size_t)len;
    *pos += (size_t)len + 1;
    return 0;
}

int eddy_emb_value_timestamp(const void *p, size_t n, int64_t *timestamp) {
    const unsigned char *b = p;
    if (n < 9 || b[0] != EDDY_EMB_VALUE_VERSION) return EDDY_CORRUPT;
    *timestamp = eddy_emb_get_be64(b + 1);
    return 0;
}

int eddy_emb_value_decode(const void *p, size_t n, eddy_log_record *rec,
                          eddy_log_header *hdrs, eddy_err *err) {
    const unsigned char *b = p;
    size_t pos = 9;
    uint64_t v, count;
    if (n < 9) return eddy_err_set(err, EDDY_CORRUPT, "record value of %zu bytes is too short", n);
    if (b[0] != EDDY_EMB_VALUE_VERSION)
        return eddy_err_set(err, EDDY_CORRUPT, "record value has unknown version %u", b[0]);
    rec->timestamp = eddy_emb_get_be64(b + 1);
    if (varint_get(b, n, &pos, &v) || field_get(b, n, &pos, v, &rec->key, &rec->key_len))
        goto bad;
    if (varint_get(b, n, &pos, &v) || field_get(b, n, &pos, v, &rec->value, &rec->value_len))
        goto bad;
    if (varint_get(b, n, &pos, &count)) goto bad;
    /* Each header takes at least 3 bytes: a bound before trusting count. */
    if (count > (n - pos) / 3) goto bad;
    for (uint64_t i = 0; i < count; i++) {
        const void *name, *hv;
        size_t name_len, hv_len;
        if (varint_get(b, n, &pos, &v) || v == UINT64_MAX ||
            field_get(b, n, &pos, v + 1, &name, &name_len))
            goto bad;
        if (memchr(name, 0, name_len)) goto bad; /* names are C strings */
        if (varint_get(b, n, &pos, &v) || field_get(b, n, &pos, v, &hv, &hv_len)) goto bad;
        if (hdrs) {
            hdrs[i].name = name;
            hdrs[i].value = hv;
            hdrs[i].value_len = hv_len;
        }
    }
    if (pos != n) goto bad;
    rec->header_count = (size_t)count;
    rec->headers = hdrs && count ? hdrs : NULL;
    return 0;
bad:
    return eddy_err_set(err, EDDY_CORRUPT, "record value of %zu bytes does not decode", n);
}

/* ---- batches ------------------------------------------------------------- */

/* The smallest record value: version, timestamp, NULL key, NULL value, no
 * headers; with its one-byte length, the smallest frame. */
#define MIN_VALUE_SIZE (1 + 8 + 1 + 1 + 1)
#define MIN_FRAME_SIZE (1 + MIN_VALUE_SIZE)

size_t eddy_emb_frame_size(const eddy_log_record *rec) {
    size_t n = eddy_emb_value_size(rec);
    return varint_size(n) + n;
}

size_t eddy_emb_frame_encode(const eddy_log_record *rec, int64_t timestamp,
                             unsigned char *out) {
    size_t n = eddy_emb_value_size(rec);
    unsigned char *o = varint_put(out, n);
    o += eddy_emb_value_encode(rec, timestamp, o);
    return (size_t)(o - out);
}

size_t eddy_emb_batch_header(unsigned char out[EDDY_EMB_BATCH_HEADER_MAX], uint64_t count) {
    out[0] = EDDY_EMB_BATCH_VERSION;
    return (size_t)(varint_put(out + 1, count) - out);
}

int eddy_emb_batch_open(const void *p, size_t n, uint64_t *count, size_t *pos) {
    const unsigned char *b = p;
    size_t at = 1;
    uint64_t c;
    if (n < 1 || b[0] != EDDY_EMB_BATCH_VERSION) return EDDY_CORRUPT;
    if (varint_get(b, n, &at, &c) || c == 0 || c > (n - at) / MIN_FRAME_SIZE)
        return EDDY_CORRUPT;
    *count = c;
    *pos = at;
    return 0;
}

int eddy_emb_batch_next(const void *p, size_t n, size_t *pos, size_t *rec_off,
                        size_t *rec_len) {
    const unsigned char *b = p;
    size_t at = *pos;
    uint64_t len;
    if (varint_get(b, n, &at, &len) || len > n - at) return EDDY_CORRUPT;
    *rec_off = at;
    *rec_len = (size_t)len;
    *pos = at + (size_t)len;
    return 0;
}
