/* serde_impl.h - internals shared by the serde files (serde.c, serde_json.c, serde_delimited.c,
 * serde_kafka.c, serde_avro*.c, value_json.c).  Not a public header: include schemas/serde.h instead.
 *
 * serde.c holds the dispatch and the text helpers every format needs: Java-compatible
 * number parsing and printing (Integer.parseInt, Double.toString, BigDecimal), DECIMAL
 * fitting with ksqlDB's rules, base64, UTF-8 checks and ISO-8601 dates for the REST API.
 */
#ifndef EDDY_SCHEMAS_SERDE_IMPL_H
#define EDDY_SCHEMAS_SERDE_IMPL_H

#include "schemas/serde.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { SERDE_FMT_NONE, SERDE_FMT_JSON, SERDE_FMT_DELIMITED, SERDE_FMT_KAFKA, SERDE_FMT_AVRO };

/* What the JSON codec precomputes for one type (a column's, a STRUCT's, or the
 * wrapped row, which is decoded like a STRUCT whose fields are the columns). */
typedef struct jplan jplan;
struct jplan {
    const eddy_type *type;   /* borrowed from the serde's columns; NULL for the row */
    eddy_type_kind kind;     /* EDDY_TYPE_STRUCT for the row */
    jplan *elem;             /* ARRAY element, MAP value */
    jplan *key;              /* MAP key */
    int nfields;             /* STRUCT / row */
    const char **names;      /* field names, as declared */
    uint32_t *name_lens;
    jplan **fields;          /* field plans */
    char **prefixes;         /* encoder: "\"NAME\":" with the name JSON-escaped */
    uint32_t *prefix_lens;
    bool names_upper;        /* every name is its own ASCII upper-case: a JSON key matches at most one field */
    uint8_t *plain;          /* per field: the name is printable ASCII without '"' or '\\' (fast key match) */
    uint64_t **name_words;   /* per field: the name in 8-byte words, zero padded (fast key match) */
    uint64_t **case_words;   /* per field: 0x20 in each byte where the name has A-Z */
    int *hash;               /* nfields > 8: field index + 1 by hash of the upper-cased name, 0 = empty */
    uint32_t hash_mask;
    char *required;          /* type text for conversion errors ("INTEGER", "STRUCT<`A` INTEGER>") */
};

struct eddy_serde {
    int fmt;                 /* SERDE_FMT_* */
    bool is_key;
    bool unwrapped;          /* JSON, AVRO: the single column is the whole record */
    int ncols;
    eddy_column *cols;       /* names copied, types referenced */
    eddy_arena *mem;         /* plans and their strings */
    jplan *plan;             /* JSON: the row, or the single column when unwrapped */
    bool has_strings;        /* JSON: some column holds STRING values (which may point into the record) */
    char delim;              /* DELIMITED */
    struct avro_serde *avro; /* AVRO (serde_avro.c) */
};

/* ---- per-format entry points (one file each) ------------------------------ */
int serde_json_init(eddy_serde *s, eddy_err *err);
int serde_json_decode(const eddy_serde *s, const char *data, size_t len, unsigned flags, eddy_value *out,
                      bool *is_null, eddy_arena *a, eddy_err *err);
int serde_json_encode(const eddy_serde *s, const eddy_value *cols, eddy_strbuf *out, bool *is_null, eddy_err *err);
int serde_delimited_init(eddy_serde *s, const char *delimiter, eddy_err *err);
int serde_delimited_decode(const eddy_serde *s, const char *data, size_t len, unsigned flags, eddy_value *out,
                           eddy_arena *a, eddy_err *err);
int serde_delimited_encode(const eddy_serde *s, const eddy_value *cols, eddy_strbuf *out, eddy_err *err);
int serde_kafka_init(eddy_serde *s, eddy_err *err);
int serde_kafka_decode(const eddy_serde *s, const char *data, size_t len, unsigned flags, eddy_value *out,
                       eddy_arena *a, eddy_err *err);
int serde_kafka_encode(const eddy_serde *s, const eddy_value *cols, eddy_strbuf *out, bool *is_null, eddy_err *err);
int serde_avro_init(eddy_serde *s, const eddy_format_spec *fmt, const eddy_serde_opts *opts, eddy_err *err);
void serde_avro_fini(eddy_serde *s);
int serde_avro_decode(const eddy_serde *s, const char *data, size_t len, unsigned flags, eddy_value *out,
                      bool *is_null, eddy_arena *a, eddy_err *err);
int serde_avro_encode(const eddy_serde *s, const eddy_value *cols, eddy_strbuf *out, bool *is_null, eddy_err *err);

/* JSON scalar coercions (serde_json.c), shared with eddy_value_from_json.  They
 * follow ksqlDB's JSON deserializer and return 0 or EDDY_CORRUPT with a message
 * without the path.  s: the string's bytes, already unescaped; when `stable`,
 * s outlives the value and is used in place for STRING, else it is copied into a. */
typedef struct serde_num serde_num;
int serde_coerce_num(const eddy_type *t, const serde_num *n, const char *tok, size_t toklen, eddy_arena *a,
                     eddy_value *out, eddy_err *err);
int serde_coerce_str(const eddy_type *t, const char *s, size_t len, bool stable, eddy_arena *a, eddy_value *out,
                     eddy_err *err);
int serde_coerce_bool(const eddy_type *t, bool b, eddy_value *out, eddy_err *err);
/* Appends s JSON-escaped the way Jackson writes strings, without the quotes. */
void serde_json_escape(eddy_strbuf *sb, const char *s, size_t n);
/* Appends the JSON text of v (see eddy_value_write_json). */
void serde_json_write_value(eddy_strbuf *sb, const eddy_value *v, const eddy_type *t, bool rest);

/* ---- strbuf fast appends -------------------------------------------------- */

/* Room for n more bytes (and the NUL); returns where to write, or NULL after
 * an allocation failure (sb->failed is set).  Finish with serde_commit. */
static inline char *serde_reserve(eddy_strbuf *sb, size_t n) {
    if (sb->failed) return NULL;
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 64;
        while (cap < sb->len + n + 1) cap *= 2;
        char *p = realloc(sb->buf, cap);
        if (!p) {
            sb->failed = 1;
            return NULL;
        }
        sb->buf = p;
        sb->cap = cap;
    }
    return sb->buf + sb->len;
}
static inline void serde_commit(eddy_strbuf *sb, char *end) {
    sb->len = (size_t)(end - sb->buf);
    sb->buf[sb->len] = '\0';
}
static inline void serde_put(eddy_strbuf *sb, const char *s, size_t n) {
    char *p = serde_reserve(sb, n);
    if (!p) return;
    memcpy(p, s, n);
    serde_commit(sb, p + n);
}

/* ---- numbers --------------------------------------------------------------- */

/* A decimal number as text: [-] ip [. fp] [e exp]; digits point into the text. */
struct serde_num {
    bool neg;
    bool is_int;          /* no fraction and no exponent (a JSON integer token) */
    const char *ip;       /* integer digits (may be empty when fp is not) */
    uint32_t il;
    const char *fp;       /* fraction digits */
    uint32_t fl;
    int64_t exp;          /* decimal exponent, clamped to +-1e12 */
};

/* JSON number grammar at s (no leading '+', no leading zeros, digits after
 * '.' and 'e').  Returns the length consumed, 0 when s does not start a number. */
size_t serde_scan_json_number(const char *s, const char *end, serde_num *n);
/* java.math.BigDecimal(String) grammar over all of s; 0 or -1. */
int serde_parse_bigdecimal(const char *s, size_t len, serde_num *n);
/* Integer.parseInt (bits 32) / Long.parseLong (bits 64) over all of s; 0 or -1. */
int serde_parse_java_long(const char *s, size_t len, int bits, int64_t *out);
/* Double.parseDouble over all of s (trimmed; NaN, Infinity, d/f suffixes); 0 or -1. */
int serde_parse_java_double(const char *s, size_t len, double *out);
/* The value truncated toward zero, modulo 2^64 (Java's BigDecimal.longValue). */
int64_t serde_num_to_i64(const serde_num *n);
/* The nearest double to the number whose text is tok/len. */
double serde_num_to_double(const serde_num *n, const char *tok, size_t len);
/* The number as a DECIMAL(precision, scale) with ksqlDB's DecimalUtil.ensureFit
 * rules: overflow and rounding are errors.  0 or EDDY_CORRUPT. */
int serde_num_to_decimal(const serde_num *n, int precision, int scale, eddy_int128 *out, eddy_err *err);
/* Appends the number as java.math.BigDecimal.toString() prints it ("1.50", "1E+3"). */
void serde_num_bigdecimal_text(const serde_num *n, eddy_strbuf *sb);
/* Appends the number as Jackson's asText() does for a JSON token: integers
 * canonically, other numbers as BigDecimal.toString(). */
void serde_num_json_text(const serde_num *n, eddy_strbuf *sb);

/* Text of integers; buf holds at least 21 bytes.  Returns the length. */
size_t serde_i64_text(int64_t v, char *buf);
/* Java's Double.toString(v): "1.0", "0.001", "1.0E7", "1.0E-4", "NaN", "-Infinity".
 * buf holds at least 32 bytes.  Returns the length. */
size_t serde_double_text(double v, char *buf);
/* Java's Double/Float.toString layout of shortest digits d (n of them) with
 * decimal exponent e (value = d.ddd * 10^e): "1.0", "0.001", "1.0E7". */
size_t serde_java_digits_text(bool neg, const char *d, int n, int e, char *buf);
/* DECIMAL as BigDecimal.toPlainString(): keeps the scale ("1.50", "-0.05").
 * buf holds at least 84 bytes.  Returns the length. */
size_t serde_decimal_text(eddy_int128 unscaled, int scale, char *buf);

/* ---- bytes and text ------------------------------------------------------- */

void serde_base64_encode(eddy_strbuf *sb, const unsigned char *p, size_t n);
/* Standard alphabet, padding optional.  *out in a (NUL-terminated).  0 or -1. */
int serde_base64_decode(const char *s, size_t n, eddy_arena *a, const char **out, size_t *outlen);
/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is invalid
 * (overlong forms, surrogates and code points above U+10FFFF are invalid). */
static inline int serde_utf8_seq(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return end - p >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0; /* overlong */
        if (c == 0xED && p[1] >= 0xA0) return 0; /* surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (end - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;
        if (c == 0xF4 && p[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}
/* Length of the valid UTF-8 prefix of s (== n when all of s is valid). */
size_t serde_utf8_valid_prefix(const char *s, size_t n);
/* s as a STRING value: in place (when borrow) if valid UTF-8, else copied into a
 * with invalid sequences replaced by U+FFFD, as Java's new String(bytes, UTF_8). */
eddy_value serde_string_value(const char *s, size_t n, bool borrow, eddy_arena *a);

/* ---- dates for the REST encodings ----------------------------------------- */

/* yyyy-MM-dd'T'HH:mm:ss.SSS (UTC), yyyy-MM-dd, HH:mm:ss[.SSS]; buf holds 40 bytes. */
size_t serde_timestamp_text(int64_t ms, char *buf);
size_t serde_date_text(int64_t days, char *buf);
size_t serde_time_text(int64_t ms, char *buf);
/* Parses the same forms (a timestamp may end in Z or +HH:MM, and may omit
 * seconds or milliseconds).  0 or -1. */
int serde_parse_timestamp(const char *s, size_t n, int64_t *ms);
int serde_parse_date(const char *s, size_t n, int64_t *days);
int serde_parse_time(const char *s, size_t n, int64_t *ms);

/* Milliseconds in a day; TIME values lie in [0, DAY_MS]. */
#define SERDE_DAY_MS 86400000LL

#endif
