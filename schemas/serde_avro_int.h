/* serde_avro_int.h - internals shared by the Avro files (serde_avro*.c): the parsed schema tree and the binary encoding.
 *
 * Not a public header: include schemas/serde_avro.h instead.
 *
 * A parsed schema (eddy_avro_schema) is a tree of av_node in one arena,
 * immutable once built.  Named types (record, enum, fixed) are shared: a
 * reference by name points to the node defined earlier, so a recursive
 * record makes a cycle; every walk over nodes is bounded by AV_MAX_DEPTH.
 *
 * The binary encoding is Avro's: int and long as zig-zag varints, float and
 * double little-endian IEEE-754, bytes and string as a long length and the
 * bytes, records as their fields in order, enums and union branches as an
 * int index, arrays and maps as blocks (a long count, negative when followed
 * by the block's byte size; 0 ends), fixed as its bytes.
 */
#ifndef EDDY_SCHEMAS_SERDE_AVRO_INT_H
#define EDDY_SCHEMAS_SERDE_AVRO_INT_H

#include "schemas/serde_avro.h"
#include "schemas/serde_impl.h"

#include <stdint.h>
#include <string.h>

/* Deepest nesting of schemas and of data walked (recursive records stop here). */
#define AV_MAX_DEPTH 64

typedef enum av_type {
    AV_NULL,
    AV_BOOLEAN,
    AV_INT,
    AV_LONG,
    AV_FLOAT,
    AV_DOUBLE,
    AV_BYTES,
    AV_STRING,
    AV_RECORD,
    AV_ENUM,
    AV_ARRAY,
    AV_MAP,
    AV_UNION,
    AV_FIXED,
} av_type;

typedef enum av_logical {
    AV_L_NONE,
    AV_L_DECIMAL,          /* bytes or fixed */
    AV_L_DATE,             /* int: days since 1970-01-01 */
    AV_L_TIME_MILLIS,      /* int */
    AV_L_TIME_MICROS,      /* long */
    AV_L_TIMESTAMP_MILLIS, /* long */
    AV_L_TIMESTAMP_MICROS, /* long */
    AV_L_UUID,             /* string */
} av_logical;

typedef struct av_node av_node;

typedef struct av_field {
    const char *name;
    av_node *type;
    json_t *deflt;           /* the "default" (borrowed from the schema's JSON), NULL when none */
} av_field;

struct av_node {
    av_type type;
    av_logical logical;
    int precision, scale;    /* AV_L_DECIMAL (precision 0 when the schema omits it) */
    const char *fullname;    /* record, enum, fixed: namespace.name */
    const char *name;        /* the simple name */
    int n;                   /* record fields, enum symbols, union branches */
    av_field *fields;      /* record */
    const char **symbols;    /* enum */
    av_node **branches;    /* union */
    av_node *items;        /* array items, map values */
    int64_t size;            /* fixed */
    int null_branch;         /* union: index of the "null" branch, -1 when none */
    bool map_entries;        /* array of records {key, value}: Connect's map (connect.internal.type MapEntry) */
    int min_size;            /* fewest bytes a value takes (0 for null and empty records) */
};

struct eddy_avro_schema {
    eddy_arena *mem;
    json_t *doc;             /* the parsed JSON (defaults point into it) */
    char *text;              /* compact JSON text of doc */
    av_node *root;
};

/* The optional type of a union ["null", T] or [T, "null"]: T; else NULL. */
static inline const av_node *av_optional_of(const av_node *n) {
    if (n->type != AV_UNION || n->n != 2 || n->null_branch < 0) return NULL;
    return n->branches[1 - n->null_branch];
}

/* ---- reading ----------------------------------------------------------------- */

typedef struct av_in {
    const unsigned char *p, *end;
    int64_t budget;          /* array and map items still allowed (bounds items of size 0) */
} av_in;

/* Items a decode may read in all: more than any real record has, few enough
 * that hostile counts of empty items cannot exhaust memory or time. */
#define AV_ITEM_BUDGET (1 << 20)

static inline void av_in_init(av_in *in, const void *data, size_t len) {
    in->p = data;
    in->end = in->p + len;
    in->budget = AV_ITEM_BUDGET;
}

/* A zig-zag varint of at most 10 bytes.  false when truncated or too long. */
static inline bool av_read_long(av_in *in, int64_t *v) {
    uint64_t u = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (in->p >= in->end) return false;
        unsigned b = *in->p++;
        u |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
            return true;
        }
        if (shift == 63) return false;
    }
    return false;
}

static inline bool av_read_int(av_in *in, int32_t *v) {
    int64_t l;
    if (!av_read_long(in, &l) || l < INT32_MIN || l > INT32_MAX) return false;
    *v = (int32_t)l;
    return true;
}

/* A length-prefixed run of bytes, pointing into the input. */
static inline bool av_read_bytes(av_in *in, const unsigned char **p, size_t *n) {
    int64_t len;
    if (!av_read_long(in, &len) || len < 0 || len > in->end - in->p) return false;
    *p = in->p;
    *n = (size_t)len;
    in->p += len;
    return true;
}

static inline bool av_read_fixed(av_in *in, size_t n, const unsigned char **p) {
    if ((size_t)(in->end - in->p) < n) return false;
    *p = in->p;
    in->p += n;
    return true;
}

static inline bool av_read_double(av_in *in, double *d) {
    uint64_t u = 0;
    if (in->end - in->p < 8) return false;
    for (int i = 7; i >= 0; i--) u = u << 8 | in->p[i];
    in->p += 8;
    memcpy(d, &u, 8);
    return true;
}

static inline bool av_read_float(av_in *in, float *f) {
    uint32_t u = 0;
    if (in->end - in->p < 4) return false;
    for (int i = 3; i >= 0; i--) u = u << 8 | in->p[i];
    in->p += 4;
    memcpy(f, &u, 4);
    return true;
}

/* The count of the next array/map block (0 at the end); a negative count's
 * byte size is skipped.  *count is checked against the bytes left (every
 * item takes at least min_size bytes) and taken from in->budget. */
bool av_read_block(av_in *in, int min_size, int64_t *count);

/* Skips one value of node n.  false when the input is malformed. */
bool av_skip(av_in *in, const av_node *n, int depth);

/* ---- writing ----------------------------------------------------------------- */

static inline void av_write_long(eddy_strbuf *out, int64_t v) {
    char *p = serde_reserve(out, 10);
    if (!p) return;
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (u >= 0x80) {
        *p++ = (char)(u | 0x80);
        u >>= 7;
    }
    *p++ = (char)u;
    serde_commit(out, p);
}

static inline void av_write_bytes(eddy_strbuf *out, const void *s, size_t n) {
    av_write_long(out, (int64_t)n);
    serde_put(out, s, n);
}

static inline void av_write_double(eddy_strbuf *out, double d) {
    uint64_t u;
    char b[8];
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++, u >>= 8) b[i] = (char)(u & 0xff);
    serde_put(out, b, 8);
}

static inline void av_write_float(eddy_strbuf *out, float f) {
    uint32_t u;
    char b[4];
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++, u >>= 8) b[i] = (char)(u & 0xff);
    serde_put(out, b, 4);
}

/* ---- decimals ------------------------------------------------------------------ */

/* A decimal's bytes: the unscaled value big-endian two's complement, as few
 * bytes as Java's BigInteger.toByteArray() gives.  Appends to out. */
void av_write_unscaled(eddy_strbuf *out, eddy_int128 u, bool length_prefixed);
/* Reads n big-endian two's complement bytes.  false when the value does not
 * fit 128 bits. */
bool av_read_unscaled(const unsigned char *p, size_t n, eddy_int128 *u);
/* u scaled from scale `from` to scale `to` exactly; false when digits would be
 * lost or it overflows. */
bool av_rescale(eddy_int128 u, int from, int to, eddy_int128 *out);

/* Java's Float.toString(f) ("1.1", "1.0E10"), for floats shown as STRING. */
size_t av_float_text(float f, char *buf);

/* ---- the JSON writer of defaults (serde_avro_json.c) ----------------------------- */

/* Appends the value v (JSON as in a schema's "default": a union's default is
 * for its first branch, bytes as a string of code points 0-255) in node n's
 * encoding.  0 or EDDY_INVAL with a message. */
int av_write_default(const av_node *n, json_t *v, eddy_strbuf *out, eddy_err *err);

/* The name of a node's type as Connect calls it in ksqlDB's messages
 * ("int32", "string", "struct", ...). */
const char *av_connect_type_name(const av_node *n);

#endif
