/* serde_delimited.c - the DELIMITED format: one CSV line per record, read and written as ksqlDB does with Apache Commons CSV.
 *
 * Reading (CSVFormat.DEFAULT with the delimiter): a field that starts with a
 * double quote runs to the closing quote, "" inside it being one quote, and
 * only blanks may follow it before the delimiter; any other field runs to the
 * delimiter or the end of the line and is taken as is.  Leading empty lines
 * are skipped and only the first line is read.  An empty field is NULL for
 * every type (STRING too).  The field count must equal the column count.
 * Values: BOOLEAN as Boolean.parseBoolean ("true" in any case, anything else
 * false), INT/BIGINT as Integer/Long.parseLong, DOUBLE as Double.parseDouble,
 * DECIMAL as BigDecimal fitted to the column, BYTES base64, DATE as days,
 * TIME and TIMESTAMP as milliseconds.  Invalid UTF-8 in strings is replaced
 * by U+FFFD as Java's decoder does.
 *
 * Writing (QuoteMode.MINIMAL of the Commons CSV version ksqlDB uses): NULL is
 * an empty field; a value is quoted when it is empty or starts with anything
 * but a letter or digit and is the first field, starts with a character up
 * to '#', holds the delimiter, a quote, CR or LF, or ends with a character up
 * to ' '.  So a negative number in the first field is written "-1" with quotes,
 * as ksqlDB does.  DOUBLE as Double.toString, DECIMAL as toPlainString.
 *
 * Differences: ksqlDB fails on an empty record; here an empty record is NULL
 * when there is one column (that is what ksqlDB writes for a NULL column).
 */
#include "schemas/serde_impl.h"

#include <strings.h>

int serde_delimited_init(eddy_serde *s, const char *delimiter, eddy_err *err) {
    const char *d = delimiter;
    if (!d) {
        s->delim = ',';
        return 0;
    }
    size_t n = strlen(d), i = 0;
    while (i < n && (unsigned char)d[i] <= ' ') i++;
    if (i == n)
        return eddy_err_set(err, EDDY_INVAL,
                            "Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use "
                            "the special values 'TAB' or 'SPACE'");
    if (strcasecmp(d, "TAB") == 0) {
        s->delim = '\t';
        return 0;
    }
    if (strcasecmp(d, "SPACE") == 0) {
        s->delim = ' ';
        return 0;
    }
    if (n == 1) {
        if (d[0] == '"') return eddy_err_set(err, EDDY_INVAL, "The quote character and the delimiter cannot be the same");
        s->delim = d[0];
        return 0;
    }
    const unsigned char *u = (const unsigned char *)d;
    if (u[0] >= 0x80 && serde_utf8_seq(u, u + n) == (int)n)
        return eddy_err_set(err, EDDY_UNSUPPORTED, "Non-ASCII delimiters are not supported yet: '%s'", d);
    return eddy_err_set(err, EDDY_INVAL,
                        "Invalid delimiter value: '%s'. Delimiter must be a single character or TAB,SPACE", d);
}

/* ---- reading ------------------------------------------------------------------ */

typedef struct token {
    const char *s;
    uint32_t len;
    bool dq; /* quoted with "" inside: needs unquoting */
} token;

/* Character.isWhitespace for the bytes that can follow a closing quote. */
static inline bool blank(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v' || (c >= 0x1c && c <= 0x1f); }

static int field_error(const eddy_serde *s, int i, const char *what, eddy_err *err) {
    return eddy_err_set(err, EDDY_CORRUPT, "Error deserializing delimited: %s in column %d (`%s`)", what, i + 1,
                        s->cols[i].name);
}

static int parse_field(const eddy_serde *s, int i, const token *tk, bool borrow, eddy_value *out, eddy_arena *a,
                       eddy_err *err) {
    const eddy_type *t = s->cols[i].type;
    const char *v = tk->s;
    size_t n = tk->len;
    int64_t x;
    if (n == 0) return 0; /* NULL */
    if (tk->dq) {
        char *o = eddy_arena_alloc(a, n + 1);
        size_t k = 0;
        if (!o) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        for (size_t j = 0; j < n; j++) {
            o[k++] = v[j];
            if (v[j] == '"') j++; /* "" is one quote */
        }
        v = o;
        n = k;
        borrow = true; /* now in the arena */
    }
    switch (t->ty_kind) {
    case EDDY_TYPE_BOOLEAN: *out = eddy_value_bool(n == 4 && strncasecmp(v, "true", 4) == 0); return 0;
    case EDDY_TYPE_INT:
        if (serde_parse_java_long(v, n, 32, &x)) return field_error(s, i, "invalid INTEGER", err);
        *out = eddy_value_int((int32_t)x);
        return 0;
    case EDDY_TYPE_BIGINT:
    case EDDY_TYPE_TIMESTAMP:
        if (serde_parse_java_long(v, n, 64, &x)) return field_error(s, i, t->ty_kind == EDDY_TYPE_BIGINT ? "invalid BIGINT" : "invalid TIMESTAMP", err);
        *out = eddy_value_i64(eddy_vkind_of(t), x);
        return 0;
    case EDDY_TYPE_DATE:
        if (serde_parse_java_long(v, n, 32, &x)) return field_error(s, i, "invalid DATE (days)", err);
        *out = eddy_value_i64(EDDY_V_DATE, x);
        return 0;
    case EDDY_TYPE_TIME:
        if (serde_parse_java_long(v, n, 64, &x) || x < 0 || x > SERDE_DAY_MS)
            return field_error(s, i, "invalid TIME (milliseconds in a day)", err);
        *out = eddy_value_i64(EDDY_V_TIME, x);
        return 0;
    case EDDY_TYPE_DOUBLE: {
        double d;
        if (serde_parse_java_double(v, n, &d)) return field_error(s, i, "invalid DOUBLE", err);
        *out = eddy_value_double(d);
        return 0;
    }
    case EDDY_TYPE_DECIMAL: {
        serde_num num;
        eddy_int128 u;
        if (serde_parse_bigdecimal(v, n, &num)) return field_error(s, i, "invalid DECIMAL", err);
        int rc = serde_num_to_decimal(&num, t->ty_precision, t->ty_scale, &u, err);
        if (rc) return rc;
        *out = eddy_value_decimal(a, u, t->ty_scale);
        return out->v_kind == EDDY_V_NULL ? eddy_err_set(err, EDDY_NOMEM, "out of memory") : 0;
    }
    case EDDY_TYPE_BYTES: {
        const char *b;
        size_t blen;
        if (serde_base64_decode(v, n, a, &b, &blen)) return field_error(s, i, "invalid base64 (BYTES)", err);
        *out = eddy_value_str(EDDY_V_BYTES, b, blen);
        return 0;
    }
    case EDDY_TYPE_STRING:
        *out = serde_string_value(v, n, borrow, a);
        return out->v_kind == EDDY_V_NULL ? eddy_err_set(err, EDDY_NOMEM, "out of memory") : 0;
    default:
        return eddy_err_set(err, EDDY_CORRUPT, "The 'DELIMITED' format does not support type '%s', column: `%s`",
                            eddy_type_kind_name(t->ty_kind), s->cols[i].name);
    }
}

int serde_delimited_decode(const eddy_serde *s, const char *data, size_t len, unsigned flags, eddy_value *out,
                           eddy_arena *a, eddy_err *err) {
    const char *p = data, *end = data + len;
    const char delim = s->delim;
    token local[32], *toks = local;
    int nf = 0, cap = (int)(sizeof local / sizeof local[0]);
    if (s->ncols > cap) {
        toks = eddy_arena_alloc(a, (size_t)s->ncols * sizeof *toks);
        if (!toks) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        cap = s->ncols;
    }
    while (p < end && (*p == '\r' || *p == '\n')) p++; /* empty lines */
    if (p == end) {
        if (s->ncols == 1) return 0; /* what a single NULL column is written as */
        return eddy_err_set(err, EDDY_CORRUPT, "Error deserializing delimited: No fields in record");
    }
    for (;;) {
        token tk = {p, 0, false};
        if (p < end && *p == '"') {
            const char *q = ++p;
            for (;;) {
                while (q < end && *q != '"') q++;
                if (q >= end)
                    return eddy_err_set(err, EDDY_CORRUPT,
                                        "Error deserializing delimited: EOF reached before encapsulated token finished");
                if (q + 1 < end && q[1] == '"') {
                    tk.dq = true;
                    q += 2;
                    continue;
                }
                break;
            }
            tk.s = p;
            tk.len = (uint32_t)(q - p);
            p = q + 1;
            while (p < end && *p != delim && blank(*p)) p++;
            if (p < end && *p != delim && *p != '\r' && *p != '\n')
                return eddy_err_set(err, EDDY_CORRUPT,
                                    "Error deserializing delimited: invalid char between encapsulated token and "
                                    "delimiter at offset %zu",
                                    (size_t)(p - data));
        } else {
            while (p < end && *p != delim && *p != '\r' && *p != '\n') p++;
            tk.len = (uint32_t)(p - tk.s);
        }
        if (nf < cap) toks[nf] = tk;
        nf++;
        if (p < end && *p == delim) {
            p++;
            continue;
        }
        break; /* end of line or of input: the rest is not read */
    }
    if (nf != s->ncols)
        return eddy_err_set(err, EDDY_CORRUPT, "Column count mismatch on deserialization. expected: %d, got: %d",
                            s->ncols, nf);
    bool borrow = (flags & EDDY_SERDE_BORROW) != 0;
    for (int i = 0; i < nf; i++) {
        int rc = parse_field(s, i, &toks[i], borrow, &out[i], a, err);
        if (rc) {
            memset(out, 0, (size_t)s->ncols * sizeof *out);
            return rc;
        }
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------------ */

static bool needs_quotes(const char *t, size_t n, bool first, char delim) {
    if (n == 0) return first;
    unsigned char c = (unsigned char)t[0];
    if (first && !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return true;
    if (c <= '#') return true;
    for (size_t i = 0; i < n; i++) {
        char x = t[i];
        if (x == '\n' || x == '\r' || x == '"' || x == delim) return true;
    }
    return (unsigned char)t[n - 1] <= ' ';
}

static void put_field(eddy_strbuf *sb, const char *t, size_t n, bool first, char delim) {
    if (!needs_quotes(t, n, first, delim)) {
        serde_put(sb, t, n);
        return;
    }
    serde_put(sb, "\"", 1);
    const char *p = t, *e = t + n;
    while (p < e) {
        const char *q = memchr(p, '"', (size_t)(e - p));
        if (!q) {
            serde_put(sb, p, (size_t)(e - p));
            break;
        }
        serde_put(sb, p, (size_t)(q - p + 1));
        serde_put(sb, "\"", 1); /* double it */
        p = q + 1;
    }
    serde_put(sb, "\"", 1);
}

int serde_delimited_encode(const eddy_serde *s, const eddy_value *cols, eddy_strbuf *out, eddy_err *err) {
    char buf[96];
    size_t n;
    for (int i = 0; i < s->ncols; i++) {
        const eddy_value *v = &cols[i];
        bool first = i == 0;
        if (i) serde_put(out, &s->delim, 1);
        switch (v->v_kind) {
        case EDDY_V_NULL: break;
        case EDDY_V_BOOL:
            if (v->u.i) put_field(out, "true", 4, first, s->delim);
            else put_field(out, "false", 5, first, s->delim);
            break;
        case EDDY_V_INT:
        case EDDY_V_BIGINT:
        case EDDY_V_DATE:
        case EDDY_V_TIME:
        case EDDY_V_TIMESTAMP:
            n = serde_i64_text(v->u.i, buf);
            put_field(out, buf, n, first, s->delim);
            break;
        case EDDY_V_DOUBLE:
            n = serde_double_text(v->u.d, buf);
            put_field(out, buf, n, first, s->delim);
            break;
        case EDDY_V_DECIMAL:
            n = serde_decimal_text(*v->u.dec, v->v_scale, buf);
            put_field(out, buf, n, first, s->delim);
            break;
        case EDDY_V_STRING: put_field(out, v->u.s, v->v_len, first, s->delim); break;
        case EDDY_V_BYTES: {
            eddy_strbuf b64 = EDDY_STRBUF_INIT;
            serde_base64_encode(&b64, (const unsigned char *)v->u.s, v->v_len);
            put_field(out, eddy_strbuf_cstr(&b64), b64.len, first, s->delim);
            eddy_strbuf_fini(&b64);
            break;
        }
        default:
            return eddy_err_set(err, EDDY_INVAL, "The 'DELIMITED' format does not support type '%s', column: `%s`",
                                eddy_type_kind_name(s->cols[i].type->ty_kind), s->cols[i].name);
        }
    }
    if (!out->failed && !out->buf) serde_put(out, "", 0); /* "" rather than no buffer */
    return 0;
}
