/* serde.c - serdes: format dispatch, windowed keys, and the Java-compatible text helpers the formats share.
 *
 * The helpers reproduce what ksqlDB's Java code does with text: Integer.parseInt,
 * Double.parseDouble and Double.toString, java.math.BigDecimal parsing and printing,
 * DecimalUtil.ensureFit (ksqlDB's rule for fitting a number into DECIMAL(p, s)),
 * base64, UTF-8 decoding with replacement, and the ISO-8601 forms of the REST API.
 * No libm: the rounding needed is done with integer casts.
 */
#include "schemas/serde_impl.h"

#include "schemas/formats.h"

#include <errno.h>
#include <stdio.h>
#include <strings.h>

/* ---- dispatch -------------------------------------------------------------- */

void eddy_serde_destroy(eddy_serde *s) {
    if (!s) return;
    serde_avro_fini(s);
    for (int i = 0; i < s->ncols; i++) {
        free(s->cols[i].name);
        eddy_type_unref(s->cols[i].type);
    }
    free(s->cols);
    eddy_arena_destroy(s->mem);
    free(s);
}

int eddy_serde_ncols(const eddy_serde *s) { return s->ncols; }

static int check_wrap(const char *fmt, const eddy_format_spec *f, bool is_key, eddy_err *err) {
    if (!is_key && f->wrap_single == 1)
        return eddy_err_set(err, EDDY_INVAL, "Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'true'.", fmt);
    return 0;
}

int eddy_serde_new(const eddy_format_spec *fmt, bool is_key, const eddy_column *cols, int ncols, eddy_serde **out,
                   eddy_err *err) {
    return eddy_serde_new_ex(fmt, is_key, cols, ncols, NULL, out, err);
}

int eddy_serde_new_ex(const eddy_format_spec *fmt, bool is_key, const eddy_column *cols, int ncols,
                      const eddy_serde_opts *opts, eddy_serde **out, eddy_err *err) {
    const eddy_format_info *info;
    eddy_serde *s;
    int rc;
    *out = NULL;
    if (!fmt || !fmt->format) return eddy_err_set(err, EDDY_INVAL, "No %s format given", is_key ? "key" : "value");
    info = eddy_format_find(fmt->format);
    if (!info) return eddy_err_set(err, EDDY_INVAL, "Unknown format: %s", fmt->format);
    if (ncols < 0) return eddy_err_set(err, EDDY_INVAL, "negative column count");
    s = calloc(1, sizeof *s);
    if (!s) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    s->is_key = is_key;
    s->mem = eddy_arena_new();
    s->cols = calloc((size_t)ncols + 1, sizeof *s->cols);
    if (!s->mem || !s->cols) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    for (int i = 0; i < ncols; i++) {
        s->cols[i].name = strdup(cols[i].name ? cols[i].name : "");
        s->cols[i].type = eddy_type_ref(cols[i].type);
        s->cols[i].ns = cols[i].ns;
        s->ncols = i + 1;
        if (!s->cols[i].name) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            goto fail;
        }
        if (!cols[i].type) {
            rc = eddy_err_set(err, EDDY_INVAL, "column %s has no type", s->cols[i].name);
            goto fail;
        }
        if ((rc = eddy_format_check_type(info, s->cols[i].name, cols[i].type, err))) goto fail;
    }
    if (strcasecmp(info->name, "NONE") == 0) {
        s->fmt = SERDE_FMT_NONE;
        if (ncols > 0) {
            rc = eddy_err_set(err, EDDY_INVAL, "The 'NONE' format can only be used when no columns are defined. Got: %d",
                              ncols);
            goto fail;
        }
    } else if (strcasecmp(info->name, "JSON") == 0) {
        s->fmt = SERDE_FMT_JSON;
        /* A single key column is always the bare value; a single value column
         * only with WRAP_SINGLE_VALUE=false. */
        s->unwrapped = ncols == 1 && (is_key || fmt->wrap_single == 0);
        if ((rc = serde_json_init(s, err))) goto fail;
    } else if (strcasecmp(info->name, "DELIMITED") == 0) {
        s->fmt = SERDE_FMT_DELIMITED;
        if ((rc = check_wrap("DELIMITED", fmt, is_key, err))) goto fail;
        if ((rc = serde_delimited_init(s, fmt->delimiter, err))) goto fail;
    } else if (strcasecmp(info->name, "KAFKA") == 0) {
        s->fmt = SERDE_FMT_KAFKA;
        if ((rc = check_wrap("KAFKA", fmt, is_key, err))) goto fail;
        if ((rc = serde_kafka_init(s, err))) goto fail;
    } else if (strcasecmp(info->name, "AVRO") == 0) {
        s->fmt = SERDE_FMT_AVRO;
        if ((rc = serde_avro_init(s, fmt, opts, err))) goto fail;
    } else {
        rc = eddy_err_set(err, EDDY_UNSUPPORTED, "The '%s' format is not supported yet", info->name);
        goto fail;
    }
    *out = s;
    return 0;
fail:
    eddy_serde_destroy(s);
    return rc;
}

int eddy_serde_decode_ex(const eddy_serde *s, const void *data, size_t len, unsigned flags, eddy_value *out,
                         bool *is_null, eddy_arena *a, eddy_err *err) {
    if (is_null) *is_null = false;
    if (s->ncols) memset(out, 0, (size_t)s->ncols * sizeof *out);
    if (!data) {
        if (is_null) *is_null = true;
        return 0;
    }
    switch (s->fmt) {
    case SERDE_FMT_JSON: return serde_json_decode(s, data, len, flags, out, is_null, a, err);
    case SERDE_FMT_DELIMITED:
        return s->ncols ? serde_delimited_decode(s, data, len, flags, out, a, err) : 0;
    case SERDE_FMT_KAFKA: return s->ncols ? serde_kafka_decode(s, data, len, flags, out, a, err) : 0;
    case SERDE_FMT_AVRO: return s->ncols ? serde_avro_decode(s, data, len, flags, out, is_null, a, err) : 0;
    default: return 0;
    }
}

int eddy_serde_decode(const eddy_serde *s, const void *data, size_t len, eddy_value *out, eddy_arena *a,
                      eddy_err *err) {
    return eddy_serde_decode_ex(s, data, len, 0, out, NULL, a, err);
}

int eddy_serde_encode(const eddy_serde *s, const eddy_value *cols, eddy_strbuf *out, bool *is_null, eddy_err *err) {
    bool dummy;
    if (!is_null) is_null = &dummy;
    *is_null = false;
    if (s->fmt == SERDE_FMT_NONE || (s->ncols == 0 && (s->is_key || s->fmt != SERDE_FMT_JSON))) {
        *is_null = true;
        return 0;
    }
    if (s->is_key && !(s->fmt == SERDE_FMT_JSON && s->ncols > 1)) {
        /* A key whose columns are all NULL is a null key (ksqlDB keeps a null
         * key null), except a JSON key of several columns, which ksqlDB
         * writes as an object of nulls. */
        int i = 0;
        while (i < s->ncols && cols[i].v_kind == EDDY_V_NULL) i++;
        if (i == s->ncols) {
            *is_null = true;
            return 0;
        }
    }
    int rc;
    switch (s->fmt) {
    case SERDE_FMT_JSON: rc = serde_json_encode(s, cols, out, is_null, err); break;
    case SERDE_FMT_DELIMITED: rc = serde_delimited_encode(s, cols, out, err); break;
    case SERDE_FMT_AVRO: rc = serde_avro_encode(s, cols, out, is_null, err); break;
    default: rc = serde_kafka_encode(s, cols, out, is_null, err); break;
    }
    if (!rc && out->failed) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return rc;
}

/* ---- windowed keys --------------------------------------------------------- */

static void put_be64(eddy_strbuf *sb, int64_t v) {
    char b[8];
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--, u >>= 8) b[i] = (char)(u & 0xff);
    serde_put(sb, b, 8);
}

static int64_t get_be64(const unsigned char *p) {
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = (u << 8) | p[i];
    return (int64_t)u;
}

int eddy_serde_encode_windowed(const eddy_serde *s, const eddy_value *cols, bool session, int64_t start, int64_t end,
                               eddy_strbuf *out, bool *is_null, eddy_err *err) {
    bool inner_null = false;
    size_t mark = out->len;
    int rc = eddy_serde_encode(s, cols, out, &inner_null, err);
    if (rc) return rc;
    if (inner_null && out->len != mark) {
        out->len = mark;
        if (out->buf) out->buf[mark] = '\0';
    }
    if (session) put_be64(out, end);
    put_be64(out, start);
    if (is_null) *is_null = false;
    if (out->failed) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return 0;
}

int eddy_serde_decode_windowed(const eddy_serde *s, const void *data, size_t len, bool session, eddy_value *out,
                               int64_t *start, int64_t *end, eddy_arena *a, eddy_err *err) {
    size_t need = session ? 16 : 8;
    const unsigned char *p = data;
    *start = *end = 0;
    if (s->ncols) memset(out, 0, (size_t)s->ncols * sizeof *out);
    if (!data) return 0;
    if (len < need)
        return eddy_err_set(err, EDDY_CORRUPT, "Windowed key too short: %zu bytes, expected at least %zu", len, need);
    size_t klen = len - need;
    if (session) {
        *end = get_be64(p + klen);
        *start = get_be64(p + klen + 8);
    } else {
        *start = get_be64(p + klen);
        *end = *start;
    }
    if (klen == 0) return 0; /* null inner key */
    return eddy_serde_decode(s, data, klen, out, a, err);
}

/* ---- numbers: parsing ------------------------------------------------------ */

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

#define EXP_CLAMP 1000000000000LL

static const char *scan_exp(const char *p, const char *end, int64_t *exp) {
    bool neg = false;
    int64_t e = 0;
    if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
    if (p >= end || !is_digit(*p)) return NULL;
    while (p < end && is_digit(*p)) {
        if (e < EXP_CLAMP) e = e * 10 + (*p - '0');
        p++;
    }
    *exp = neg ? -e : e;
    return p;
}

size_t serde_scan_json_number(const char *s, const char *end, serde_num *n) {
    const char *p = s;
    memset(n, 0, sizeof *n);
    n->is_int = true;
    if (p < end && *p == '-') {
        n->neg = true;
        p++;
    }
    if (p >= end || !is_digit(*p)) return 0;
    n->ip = p;
    if (*p == '0') p++;
    else
        while (p < end && is_digit(*p)) p++;
    n->il = (uint32_t)(p - n->ip);
    if (p < end && *p == '.') {
        n->fp = ++p;
        if (p >= end || !is_digit(*p)) return 0;
        while (p < end && is_digit(*p)) p++;
        n->fl = (uint32_t)(p - n->fp);
        n->is_int = false;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p = scan_exp(p + 1, end, &n->exp);
        if (!p) return 0;
        n->is_int = false;
    }
    return (size_t)(p - s);
}

int serde_parse_bigdecimal(const char *s, size_t len, serde_num *n) {
    const char *p = s, *end = s + len;
    memset(n, 0, sizeof *n);
    if (p < end && (*p == '+' || *p == '-')) n->neg = *p++ == '-';
    n->ip = p;
    while (p < end && is_digit(*p)) p++;
    n->il = (uint32_t)(p - n->ip);
    n->is_int = true;
    if (p < end && *p == '.') {
        n->fp = ++p;
        while (p < end && is_digit(*p)) p++;
        n->fl = (uint32_t)(p - n->fp);
        n->is_int = false;
    }
    if (n->il + n->fl == 0) return -1;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p = scan_exp(p + 1, end, &n->exp);
        if (!p) return -1;
        n->is_int = false;
    }
    return p == end ? 0 : -1;
}

int serde_parse_java_long(const char *s, size_t len, int bits, int64_t *out) {
    const char *p = s, *end = s + len;
    bool neg = false;
    uint64_t limit = bits == 32 ? (1ULL << 31) : (1ULL << 63), max, acc = 0;
    if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
    if (p >= end) return -1;
    max = neg ? limit : limit - 1;
    for (; p < end; p++) {
        if (!is_digit(*p)) return -1;
        unsigned d = (unsigned)(*p - '0');
        if (acc > (max - d) / 10) return -1;
        acc = acc * 10 + d;
    }
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return 0;
}

/* strtod over a bounded text (copied so that it is NUL-terminated). */
static double bounded_strtod(const char *s, size_t len) {
    char buf[128];
    char *p = len < sizeof buf ? buf : malloc(len + 1);
    double d;
    if (!p) return 0.0;
    memcpy(p, s, len);
    p[len] = '\0';
    d = strtod(p, NULL);
    if (p != buf) free(p);
    return d;
}

int serde_parse_java_double(const char *s, size_t len, double *out) {
    const char *p = s, *end = s + len, *q;
    bool neg = false;
    /* String.trim(): every char <= ' ' at either end. */
    while (p < end && (unsigned char)*p <= ' ') p++;
    while (end > p && (unsigned char)end[-1] <= ' ') end--;
    if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
    if ((size_t)(end - p) == 3 && memcmp(p, "NaN", 3) == 0) {
        *out = __builtin_nan("");
        return 0;
    }
    if ((size_t)(end - p) == 8 && memcmp(p, "Infinity", 8) == 0) {
        *out = neg ? -__builtin_inf() : __builtin_inf();
        return 0;
    }
    q = p;
    if (end - q > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
        /* Hexadecimal floating point: Java requires the binary exponent. */
        bool any = false, has_p = false;
        for (q += 2; q < end; q++) {
            if (*q == 'p' || *q == 'P') {
                has_p = true;
                break;
            }
            if (!(is_digit(*q) || (*q >= 'a' && *q <= 'f') || (*q >= 'A' && *q <= 'F') || *q == '.')) return -1;
            any = true;
        }
        if (!any || !has_p) return -1;
        q++;
        if (q < end && (*q == '+' || *q == '-')) q++;
        if (q >= end || !is_digit(*q)) return -1;
        while (q < end && is_digit(*q)) q++;
        if (q < end && (*q == 'f' || *q == 'F' || *q == 'd' || *q == 'D')) q++;
        if (q != end) return -1;
        double d = bounded_strtod(p, (size_t)(end - p) - ((end[-1] | 0x20) == 'f' || (end[-1] | 0x20) == 'd'));
        *out = neg ? -d : d;
        return 0;
    }
    int digits = 0;
    while (q < end && is_digit(*q)) q++, digits++;
    if (q < end && *q == '.') {
        q++;
        while (q < end && is_digit(*q)) q++, digits++;
    }
    if (!digits) return -1;
    if (q < end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < end && (*q == '+' || *q == '-')) q++;
        if (q >= end || !is_digit(*q)) return -1;
        while (q < end && is_digit(*q)) q++;
    }
    const char *numend = q;
    if (q < end && (*q == 'f' || *q == 'F' || *q == 'd' || *q == 'D')) q++;
    if (q != end) return -1;
    double d = bounded_strtod(p, (size_t)(numend - p));
    *out = neg ? -d : d;
    return 0;
}

/* Digit i of the number's significand (integer digits, then fraction digits). */
static inline int num_digit(const serde_num *n, uint64_t i) {
    return i < n->il ? n->ip[i] - '0' : n->fp[i - n->il] - '0';
}

int64_t serde_num_to_i64(const serde_num *n) {
    uint64_t nd = (uint64_t)n->il + n->fl, acc = 0;
    int64_t pos = (int64_t)n->il + n->exp; /* digits before the decimal point */
    if (pos <= 0) return 0;
    uint64_t take = (uint64_t)pos < nd ? (uint64_t)pos : nd;
    for (uint64_t i = 0; i < take; i++) acc = acc * 10 + (uint64_t)num_digit(n, i);
    if ((uint64_t)pos > nd) {
        uint64_t extra = (uint64_t)pos - nd;
        if (extra >= 64) acc = 0; /* 10^64 is a multiple of 2^64 */
        else
            while (extra--) acc *= 10;
    }
    return (int64_t)(n->neg ? 0 - acc : acc);
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

double serde_num_to_double(const serde_num *n, const char *tok, size_t len) {
    uint32_t nd = n->il + n->fl;
    if (nd <= 15) {
        int64_t e = n->exp - n->fl;
        if (e >= -22 && e <= 22) {
            uint64_t m = 0;
            for (uint32_t i = 0; i < nd; i++) m = m * 10 + (uint64_t)num_digit(n, i);
            double d = (double)m;
            d = e >= 0 ? d * pow10_exact[e] : d / pow10_exact[-e];
            /* BigDecimal has no negative zero: "-0.0" reads as 0.0. */
            return n->neg && m ? -d : d;
        }
    }
    double d = bounded_strtod(tok, len);
    return d == 0.0 ? 0.0 : d;
}

/* ---- numbers: BigDecimal text ------------------------------------------- */

/* First non-zero digit of the significand, or il + fl when it is zero. */
static uint64_t num_first_nonzero(const serde_num *n) {
    uint64_t nd = (uint64_t)n->il + n->fl, i = 0;
    while (i < nd && num_digit(n, i) == 0) i++;
    return i;
}

/* value = unscaled digits [f, nd) * 10^-scale */
static void num_text(const serde_num *n, bool plain, eddy_strbuf *sb) {
    uint64_t nd = (uint64_t)n->il + n->fl, f = num_first_nonzero(n);
    int64_t scale = (int64_t)n->fl - n->exp;
    uint64_t cnt = nd - f;
    bool zero = cnt == 0;
    if (zero) f = nd - 1, cnt = 1; /* the digit "0" */
    if (nd == 0) { /* cannot happen for parsed numbers */
        eddy_strbuf_putc(sb, '0');
        return;
    }
    int64_t adjusted = -scale + (int64_t)(cnt - 1);
    if (n->neg && !zero) eddy_strbuf_putc(sb, '-');
    if ((plain && scale > -1000 && scale < 1000) || (scale >= 0 && adjusted >= -6)) {
        if (scale <= 0) {
            for (uint64_t i = f; i < nd; i++) eddy_strbuf_putc(sb, (char)('0' + num_digit(n, i)));
            if (!zero)
                for (int64_t i = 0; i < -scale; i++) eddy_strbuf_putc(sb, '0');
        } else if ((int64_t)cnt > scale) {
            for (uint64_t i = f; i < nd; i++) {
                if ((int64_t)(nd - i) == scale) eddy_strbuf_putc(sb, '.');
                eddy_strbuf_putc(sb, (char)('0' + num_digit(n, i)));
            }
        } else {
            eddy_strbuf_puts(sb, "0.");
            for (int64_t i = 0; i < scale - (int64_t)cnt; i++) eddy_strbuf_putc(sb, '0');
            for (uint64_t i = f; i < nd; i++) eddy_strbuf_putc(sb, (char)('0' + num_digit(n, i)));
        }
        return;
    }
    eddy_strbuf_putc(sb, (char)('0' + num_digit(n, f)));
    if (cnt > 1) {
        eddy_strbuf_putc(sb, '.');
        for (uint64_t i = f + 1; i < nd; i++) eddy_strbuf_putc(sb, (char)('0' + num_digit(n, i)));
    }
    eddy_strbuf_printf(sb, "E%s%lld", adjusted >= 0 ? "+" : "", (long long)adjusted);
}

void serde_num_bigdecimal_text(const serde_num *n, eddy_strbuf *sb) { num_text(n, false, sb); }

void serde_num_json_text(const serde_num *n, eddy_strbuf *sb) {
    if (n->is_int) {
        bool zero = n->il == 1 && n->ip[0] == '0';
        if (n->neg && !zero) eddy_strbuf_putc(sb, '-');
        eddy_strbuf_append(sb, n->ip, n->il);
        return;
    }
    num_text(n, false, sb);
}

int serde_num_to_decimal(const serde_num *n, int precision, int scale, eddy_int128 *out, eddy_err *err) {
    uint64_t nd = (uint64_t)n->il + n->fl, f = num_first_nonzero(n), last = nd;
    int64_t scale0 = (int64_t)n->fl - n->exp, sc = scale0;
    *out = 0;
    if (f == nd) return 0; /* zero fits any DECIMAL */
    /* Trailing zeros below the target scale carry no value. */
    while (sc > scale && num_digit(n, last - 1) == 0) last--, sc--;
    int64_t cnt = (int64_t)(last - f);
    if (cnt - sc > precision - scale) {
        eddy_strbuf t = EDDY_STRBUF_INIT;
        num_text(n, true, &t);
        eddy_err_set(err, EDDY_CORRUPT,
                     "Numeric field overflow: A field with precision %d and scale %d must round to an absolute value "
                     "less than 10^%d. Got %s",
                     precision, scale, precision - scale, eddy_strbuf_cstr(&t));
        eddy_strbuf_fini(&t);
        return EDDY_CORRUPT;
    }
    if (sc > scale) {
        eddy_strbuf t = EDDY_STRBUF_INIT;
        int64_t prec = (int64_t)(nd - f);
        num_text(n, true, &t);
        eddy_err_set(err, EDDY_CORRUPT, "Cannot fit decimal '%s' into DECIMAL(%d, %d) without rounding. (Requires %lld,%lld)",
                     eddy_strbuf_cstr(&t), precision, scale, (long long)prec, (long long)scale0);
        eddy_strbuf_fini(&t);
        return EDDY_CORRUPT;
    }
    eddy_int128 u = 0;
    for (uint64_t i = f; i < last; i++) u = u * 10 + num_digit(n, i);
    for (int64_t i = sc; i < scale; i++) u *= 10;
    *out = n->neg ? -u : u;
    return 0;
}

/* ---- numbers: printing -------------------------------------------------- */

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                  "8081828384858687888990919293949596979899";

static size_t u64_text(uint64_t v, char *buf) {
    char tmp[24];
    char *p = tmp + sizeof tmp;
    while (v >= 100) {
        unsigned i = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = digit_pairs[i + 1];
        *--p = digit_pairs[i];
    }
    if (v >= 10) {
        unsigned i = (unsigned)v * 2;
        *--p = digit_pairs[i + 1];
        *--p = digit_pairs[i];
    } else {
        *--p = (char)('0' + v);
    }
    size_t n = (size_t)(tmp + sizeof tmp - p);
    memcpy(buf, p, n);
    return n;
}

size_t serde_i64_text(int64_t v, char *buf) {
    if (v < 0) {
        buf[0] = '-';
        return 1 + u64_text(0 - (uint64_t)v, buf + 1);
    }
    return u64_text((uint64_t)v, buf);
}

/* Shortest decimal digits that read back as v (v > 0, finite): digits and the
 * exponent e of the first digit (v = d.ddd * 10^e).  Returns the digit count. */
static int shortest_digits(double v, char *digits, int *e) {
    /* Fast path: v = m / 10^k with m < 2^53 and the smallest such k. */
    if (v < 9007199254740992.0 && v >= 1e-7) {
        for (int k = 0; k <= 22; k++) {
            double s = v * pow10_exact[k];
            if (s >= 9007199254740992.0) break;
            uint64_t m = (uint64_t)(s + 0.5);
            if ((double)m / pow10_exact[k] == v && m) {
                char tmp[24];
                int n = (int)u64_text(m, tmp);
                while (n > 1 && tmp[n - 1] == '0') n--; /* only when k == 0 */
                memcpy(digits, tmp, (size_t)n);
                /* m has len(m) digits; v = m * 10^-k. */
                int len = (int)u64_text(m, tmp);
                *e = len - 1 - k;
                return n;
            }
        }
    }
    /* Correctly rounded to 15 digits, a normal double that reads back has
     * its shortest form there (DBL_DIG); subnormals have fewer digits of
     * precision, so search them from 2 digits (Java prints at least d.d,
     * choosing the nearest second digit: 4.9E-324, not 5.0E-324). */
    char buf[40];
    for (int prec = v < 2.2250738585072014e-308 ? 2 : 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
        if (prec < 17 && strtod(buf, NULL) != v) continue;
        /* buf: d.ddddde[+-]xx */
        int n = 0;
        char *p = buf;
        digits[n++] = *p++;
        if (*p == '.') {
            p++;
            while (is_digit(*p)) digits[n++] = *p++;
        }
        *e = atoi(p + 1);
        while (n > 1 && digits[n - 1] == '0') n--;
        return n;
    }
    return 0; /* not reached */
}

size_t serde_double_text(double v, char *buf) {
    char digits[24];
    int n, e;
    if (v != v) {
        memcpy(buf, "NaN", 3);
        return 3;
    }
    if (v == __builtin_inf()) {
        memcpy(buf, "Infinity", 8);
        return 8;
    }
    if (v == -__builtin_inf()) {
        memcpy(buf, "-Infinity", 9);
        return 9;
    }
    if (v == 0.0) {
        if (__builtin_signbit(v)) {
            memcpy(buf, "-0.0", 4);
            return 4;
        }
        memcpy(buf, "0.0", 3);
        return 3;
    }
    bool neg = v < 0;
    n = shortest_digits(neg ? -v : v, digits, &e);
    return serde_java_digits_text(neg, digits, n, e, buf);
}

size_t serde_java_digits_text(bool neg, const char *d, int n, int e, char *buf) {
    size_t len = 0;
    if (neg) buf[len++] = '-';
    if (e >= -3 && e < 7) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++) buf[len++] = i < n ? d[i] : '0';
            buf[len++] = '.';
            if (n > e + 1)
                for (int i = e + 1; i < n; i++) buf[len++] = d[i];
            else
                buf[len++] = '0';
        } else {
            buf[len++] = '0';
            buf[len++] = '.';
            for (int i = 0; i < -e - 1; i++) buf[len++] = '0';
            for (int i = 0; i < n; i++) buf[len++] = d[i];
        }
        return len;
    }
    buf[len++] = d[0];
    buf[len++] = '.';
    if (n > 1)
        for (int i = 1; i < n; i++) buf[len++] = d[i];
    else
        buf[len++] = '0';
    buf[len++] = 'E';
    len += serde_i64_text(e, buf + len);
    return len;
}

size_t serde_decimal_text(eddy_int128 unscaled, int scale, char *buf) {
    char tmp[48];
    int nd = 0;
    size_t len = 0;
    bool neg = unscaled < 0;
    unsigned __int128 u = neg ? (unsigned __int128)0 - (unsigned __int128)unscaled : (unsigned __int128)unscaled;
    if (scale > 38) scale = 38; /* DECIMAL scales are at most 38 */
    if (scale < -38) scale = -38;
    /* Digits, least significant first, 19 at a time through 64-bit arithmetic. */
    do {
        uint64_t chunk;
        bool more = u >= (unsigned __int128)10000000000000000000ULL;
        if (more) {
            chunk = (uint64_t)(u % 10000000000000000000ULL);
            u /= 10000000000000000000ULL;
        } else {
            chunk = (uint64_t)u;
            u = 0;
        }
        for (int i = 0; i < 19 && (more || chunk); i++) {
            tmp[nd++] = (char)('0' + chunk % 10);
            chunk /= 10;
        }
    } while (u);
    if (nd == 0) tmp[nd++] = '0';
    if (neg) buf[len++] = '-';
    if (scale <= 0) {
        for (int i = nd - 1; i >= 0; i--) buf[len++] = tmp[i];
        if (!(nd == 1 && tmp[0] == '0'))
            for (int i = 0; i < -scale; i++) buf[len++] = '0';
    } else if (nd > scale) {
        for (int i = nd - 1; i >= 0; i--) {
            buf[len++] = tmp[i];
            if (i == scale) buf[len++] = '.';
        }
    } else {
        buf[len++] = '0';
        buf[len++] = '.';
        for (int i = 0; i < scale - nd; i++) buf[len++] = '0';
        for (int i = nd - 1; i >= 0; i--) buf[len++] = tmp[i];
    }
    return len;
}

/* ---- base64 --------------------------------------------------------------- */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void serde_base64_encode(eddy_strbuf *sb, const unsigned char *p, size_t n) {
    char *o = serde_reserve(sb, (n + 2) / 3 * 4);
    if (!o) return;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = b64chars[v >> 18];
        *o++ = b64chars[(v >> 12) & 63];
        *o++ = b64chars[(v >> 6) & 63];
        *o++ = b64chars[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = b64chars[v >> 18];
        *o++ = b64chars[(v >> 12) & 63];
        *o++ = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    serde_commit(sb, o);
}

static int b64val(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int serde_base64_decode(const char *s, size_t n, eddy_arena *a, const char **out, size_t *outlen) {
    size_t pad = 0;
    while (n > 0 && s[n - 1] == '=' && pad < 2) n--, pad++;
    if (n % 4 == 1) return -1;
    if (pad && (n + pad) % 4) return -1;
    unsigned char *o = eddy_arena_alloc(a, n / 4 * 3 + 3 + 1);
    if (!o) return -1;
    size_t k = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val((unsigned char)s[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    o[k] = 0;
    *out = (const char *)o;
    *outlen = k;
    return 0;
}

/* ---- UTF-8 ---------------------------------------------------------------- */

size_t serde_utf8_valid_prefix(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        while (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (w & 0x8080808080808080ULL) break;
            p += 8;
        }
        if (p >= end) break;
        int k = serde_utf8_seq(p, end);
        if (!k) break;
        p += k;
    }
    return (size_t)(p - (const unsigned char *)s);
}

eddy_value serde_string_value(const char *s, size_t n, bool borrow, eddy_arena *a) {
    size_t ok = serde_utf8_valid_prefix(s, n);
    if (ok == n) return borrow ? eddy_value_str(EDDY_V_STRING, s, n) : eddy_value_str_copy(a, EDDY_V_STRING, s, n);
    /* Replace each invalid byte with U+FFFD (3 bytes). */
    char *o = eddy_arena_alloc(a, n * 3 + 1);
    if (!o) return eddy_value_null();
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    size_t k = 0;
    while (p < end) {
        int len = serde_utf8_seq(p, end);
        if (len) {
            memcpy(o + k, p, (size_t)len);
            k += (size_t)len;
            p += len;
        } else {
            memcpy(o + k, "\xEF\xBF\xBD", 3);
            k += 3;
            p++;
        }
    }
    return eddy_value_str(EDDY_V_STRING, o, k);
}

/* ---- dates ------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

size_t serde_date_text(int64_t days, char *buf) {
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    return (size_t)snprintf(buf, 40, "%04lld-%02d-%02d", (long long)y, m, d);
}

size_t serde_time_text(int64_t ms, char *buf) {
    int64_t s = ms / 1000;
    int frac = (int)(ms % 1000);
    size_t n = (size_t)snprintf(buf, 40, "%02d:%02d:%02d", (int)(s / 3600 % 100), (int)(s / 60 % 60), (int)(s % 60));
    if (frac) n += (size_t)snprintf(buf + n, 40 - n, ".%03d", frac);
    return n;
}

size_t serde_timestamp_text(int64_t ms, char *buf) {
    int64_t days = floor_div(ms, SERDE_DAY_MS), rem = ms - days * SERDE_DAY_MS;
    size_t n = serde_date_text(days, buf);
    int64_t s = rem / 1000;
    n += (size_t)snprintf(buf + n, 40 - n, "T%02d:%02d:%02d.%03d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60),
                          (int)(rem % 1000));
    return n;
}

/* Reads exactly `width` digits. */
static bool read_digits(const char **p, const char *end, int width, int *out) {
    int v = 0;
    if (end - *p < width) return false;
    for (int i = 0; i < width; i++) {
        if (!is_digit((*p)[i])) return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += width;
    *out = v;
    return true;
}

static bool parse_date_at(const char **pp, const char *end, int64_t *days) {
    const char *p = *pp;
    int y, m, d;
    bool neg = false;
    if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
    if (!read_digits(&p, end, 4, &y)) return false;
    if (p >= end || *p++ != '-' || !read_digits(&p, end, 2, &m)) return false;
    if (p >= end || *p++ != '-' || !read_digits(&p, end, 2, &d)) return false;
    if (m < 1 || m > 12 || d < 1 || d > 31) return false;
    int64_t yy = neg ? -y : y;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0;
    if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap)) return false;
    *days = days_from_civil(yy, m, d);
    *pp = p;
    return true;
}

/* HH:mm[:ss[.fraction]] as milliseconds. */
static bool parse_time_at(const char **pp, const char *end, int64_t *ms) {
    const char *p = *pp;
    int h, mi, s = 0, frac = 0;
    if (!read_digits(&p, end, 2, &h) || p >= end || *p++ != ':' || !read_digits(&p, end, 2, &mi)) return false;
    if (p < end && *p == ':') {
        p++;
        if (!read_digits(&p, end, 2, &s)) return false;
        if (p < end && *p == '.') {
            int digits = 0;
            p++;
            while (p < end && is_digit(*p)) {
                if (digits < 3) frac = frac * 10 + (*p - '0');
                digits++;
                p++;
            }
            if (!digits) return false;
            for (; digits < 3; digits++) frac *= 10;
        }
    }
    if (h > 23 || mi > 59 || s > 59) return false;
    *ms = ((int64_t)h * 3600 + mi * 60 + s) * 1000 + frac;
    *pp = p;
    return true;
}

int serde_parse_date(const char *s, size_t n, int64_t *days) {
    const char *p = s, *end = s + n;
    return parse_date_at(&p, end, days) && p == end ? 0 : -1;
}

int serde_parse_time(const char *s, size_t n, int64_t *ms) {
    const char *p = s, *end = s + n;
    return parse_time_at(&p, end, ms) && p == end ? 0 : -1;
}

int serde_parse_timestamp(const char *s, size_t n, int64_t *ms) {
    const char *p = s, *end = s + n;
    int64_t days, tod = 0, off = 0;
    if (!parse_date_at(&p, end, &days)) return -1;
    if (p < end && (*p == 'T' || *p == ' ')) {
        p++;
        if (!parse_time_at(&p, end, &tod)) return -1;
    }
    if (p < end) {
        if (*p == 'Z' && p + 1 == end) {
            p++;
        } else if (*p == '+' || *p == '-') {
            bool neg = *p++ == '-';
            int oh, om = 0;
            if (!read_digits(&p, end, 2, &oh)) return -1;
            if (p < end && *p == ':') p++;
            if (p < end && !read_digits(&p, end, 2, &om)) return -1;
            off = ((int64_t)oh * 60 + om) * 60000;
            if (neg) off = -off;
        }
    }
    if (p != end) return -1;
    *ms = days * SERDE_DAY_MS + tod - off;
    return 0;
}

/* ---- shared text of numbers (schemas/value.h) ----------------------------- */

void eddy_java_double_text(double d, eddy_strbuf *out) {
    char buf[40];
    size_t n = serde_double_text(d, buf);
    eddy_strbuf_append(out, buf, n);
}

void eddy_decimal_plain_text(eddy_int128 unscaled, int scale, eddy_strbuf *out) {
    char buf[96];
    size_t n = serde_decimal_text(unscaled, scale, buf);
    eddy_strbuf_append(out, buf, n);
}
