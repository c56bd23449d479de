/* value.h - values, rows and batches: how data moves between serdes, expressions and operators.
 *
 * A value is 16 bytes: a kind and an inline payload (numbers, times) or a
 * pointer into the batch's arena (strings, bytes, decimals, arrays, maps,
 * structs).  A value does not carry its SQL type beyond the kind: the column's
 * eddy_type (schemas/types.h) says e.g. the DECIMAL's precision or the
 * STRUCT's field names; a DECIMAL value carries its scale.
 *
 * Rows live in batches.  A batch owns one arena: everything the values of its
 * rows point to is freed at once by eddy_batch_reset / _fini.  Operators get
 * a batch, append rows to their output batch, and never keep pointers into an
 * input batch after returning (copy with eddy_value_copy into their own arena
 * or state instead).
 */
#ifndef EDDY_SCHEMAS_VALUE_H
#define EDDY_SCHEMAS_VALUE_H

#include "base/arena.h"
#include "base/strbuf.h"
#include "connectors/log.h"
#include "schemas/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum eddy_vkind {
    EDDY_V_NULL = 0,
    EDDY_V_BOOL,      /* u.i: 0 or 1 */
    EDDY_V_INT,       /* u.i: int32 range */
    EDDY_V_BIGINT,    /* u.i */
    EDDY_V_DOUBLE,    /* u.d */
    EDDY_V_DECIMAL,   /* u.dec -> unscaled value (two's complement int128), v_scale */
    EDDY_V_STRING,    /* u.s, v_len bytes of UTF-8, not NUL-terminated */
    EDDY_V_BYTES,     /* u.s, v_len bytes */
    EDDY_V_DATE,      /* u.i: days since 1970-01-01 */
    EDDY_V_TIME,      /* u.i: milliseconds since midnight */
    EDDY_V_TIMESTAMP, /* u.i: milliseconds since the epoch (UTC) */
    EDDY_V_ARRAY,     /* u.items: v_len elements */
    EDDY_V_MAP,       /* u.items: 2 * v_len values: key0, value0, key1, value1, ... */
    EDDY_V_STRUCT,    /* u.items: v_len fields, in the STRUCT type's field order */
} eddy_vkind;

typedef __int128 eddy_int128;

typedef struct eddy_value {
    uint8_t v_kind;   /* eddy_vkind */
    uint8_t v_pad;
    int16_t v_scale;  /* DECIMAL */
    uint32_t v_len;   /* STRING/BYTES bytes, ARRAY/STRUCT items, MAP entries */
    union {
        int64_t i;
        double d;
        const char *s;
        struct eddy_value *items;
        const eddy_int128 *dec;
    } u;
} eddy_value;

/* Constructors (no allocation unless an arena is taken). */
static inline eddy_value eddy_value_null(void) { eddy_value v = {0}; return v; }
static inline eddy_value eddy_value_bool(bool b) { eddy_value v = {0}; v.v_kind = EDDY_V_BOOL; v.u.i = b; return v; }
static inline eddy_value eddy_value_int(int32_t i) { eddy_value v = {0}; v.v_kind = EDDY_V_INT; v.u.i = i; return v; }
static inline eddy_value eddy_value_bigint(int64_t i) { eddy_value v = {0}; v.v_kind = EDDY_V_BIGINT; v.u.i = i; return v; }
static inline eddy_value eddy_value_double(double d) { eddy_value v = {0}; v.v_kind = EDDY_V_DOUBLE; v.u.d = d; return v; }
/* Kinds with an int64 payload: BOOL, INT, BIGINT, DATE, TIME, TIMESTAMP. */
static inline eddy_value eddy_value_i64(eddy_vkind k, int64_t i) { eddy_value v = {0}; v.v_kind = (uint8_t)k; v.u.i = i; return v; }
/* s is not copied: it must live as long as the value (e.g. in the same arena). */
static inline eddy_value eddy_value_str(eddy_vkind k, const char *s, size_t len) {
    eddy_value v = {0}; v.v_kind = (uint8_t)k; v.u.s = s; v.v_len = (uint32_t)len; return v;
}
/* Copies s into a. */
eddy_value eddy_value_str_copy(eddy_arena *a, eddy_vkind k, const char *s, size_t len);
/* DECIMAL from an unscaled value and scale, allocated in a. */
eddy_value eddy_value_decimal(eddy_arena *a, eddy_int128 unscaled, int scale);
/* ARRAY/STRUCT of n items, MAP of n entries (2n values), items zeroed (NULL), in a. */
eddy_value eddy_value_container(eddy_arena *a, eddy_vkind k, uint32_t n);

/* Deep copy of v into a (strings, decimals and nested items). */
eddy_value eddy_value_copy(eddy_arena *a, const eddy_value *v);
/* Deep equality (same kind; decimals by value across scales; NaN != NaN). */
bool eddy_value_equal(const eddy_value *a, const eddy_value *b);
/* Total order for keys and sorting; NULL first. */
int eddy_value_compare(const eddy_value *a, const eddy_value *b);
/* A hash consistent with eddy_value_equal. */
uint64_t eddy_value_hash(const eddy_value *v);

/* The eddy_vkind that holds values of SQL type t. */
eddy_vkind eddy_vkind_of(const eddy_type *t);

/* Java's Double.toString(d): "1.0", "0.001", "1.0E7", "1.0E-4", "NaN",
 * "-Infinity" - how ksqlDB prints doubles everywhere (records, REST rows,
 * CAST to STRING).  Implemented with the serdes (schemas/serde.c). */
void eddy_java_double_text(double d, eddy_strbuf *out);
/* A DECIMAL as java.math.BigDecimal.toPlainString(): keeps the scale ("1.50"). */
void eddy_decimal_plain_text(eddy_int128 unscaled, int scale, eddy_strbuf *out);

/* Debug / test text: SQL-ish ("NULL", "1", "'a'", "[1, 2]", "{A=1}"). */
void eddy_value_format(const eddy_value *v, eddy_strbuf *out);

/* ---- rows and batches ---------------------------------------------------- */

typedef struct eddy_row {
    eddy_value *cols;                /* ncols values (the batch's), in schema order */
    int64_t ts;                      /* ROWTIME: event time, ms */
    int64_t offset;                  /* ROWOFFSET, -1 when none */
    int32_t partition;               /* ROWPARTITION, -1 when none */
    uint32_t nheaders;
    const eddy_log_header *headers;  /* in the batch's arena, or NULL */
    uint32_t flags;                  /* EDDY_ROW_* */
    int64_t wstart, wend;            /* the window of a windowed row (EDDY_ROW_WINDOWED) */
} eddy_row;

/* The record had a null value (a tombstone): its value columns are NULL and
 * a stream passes it on as a record with a null value. */
#define EDDY_ROW_NULL_VALUE 1u
/* The record had a null key: unless the query changes the key, the output
 * record's key is null too (even for a key of several columns). */
#define EDDY_ROW_NULL_KEY 2u
/* The row belongs to a window (wstart, wend): its key is written windowed. */
#define EDDY_ROW_WINDOWED 4u

typedef struct eddy_batch {
    eddy_arena *arena;   /* owns everything the rows point to */
    int ncols;           /* values per row */
    eddy_row *rows;      /* count rows */
    size_t count, cap;
} eddy_batch;

/* Caller-owned batch of rows with ncols values each.  0 or EDDY_NOMEM. */
int eddy_batch_init(eddy_batch *b, int ncols);
void eddy_batch_fini(eddy_batch *b);
/* Drops the rows and frees their memory (keeps one arena block). */
void eddy_batch_reset(eddy_batch *b);
/* Appends a row with all values NULL, ts 0, offset/partition -1, no headers;
 * returns it (valid until the next append) or NULL when out of memory. */
eddy_row *eddy_batch_append(eddy_batch *b);

#endif
