/* fn_misc.c - ksqlDB's conditional, conversion, URL and other functions:
 * COALESCE, IFNULL, NULLIF, AS_VALUE, INT_FROM_BYTES, BIGINT_FROM_BYTES,
 * DOUBLE_FROM_BYTES, URL_ENCODE_PARAM, URL_DECODE_PARAM, the URL_EXTRACT_*
 * functions and GEO_DISTANCE.
 *
 * URLs are parsed as java.net.URI parses them: an invalid URI is an error
 * (the function returns NULL), an authority that is not host[:port] has no
 * host and no port, and path, query and fragment come back percent-decoded.
 */
#include "engine/fn_impl.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* NULL handling                                                            */

/* Sets the result to argument v as it is (a complex value is copied). */
static void pass_value(sqlite3_context *ctx, sqlite3_value *v) {
    const eddy_value *b = fn_box(v);
    if (!b) {
        sqlite3_result_value(ctx, v);
        return;
    }
    if (b->v_kind == EDDY_V_DECIMAL) fn_result_decimal(ctx, *b->u.dec, b->v_scale);
    else fn_result(ctx, b);
}

static void fn_coalesce(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    for (int i = 0; i < argc; i++) {
        if (!fn_isnull(argv[i])) {
            pass_value(ctx, argv[i]);
            return;
        }
    }
    sqlite3_result_null(ctx);
}

static void fn_ifnull(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (!fn_isnull(argv[0])) pass_value(ctx, argv[0]);
    else if (!fn_isnull(argv[1])) pass_value(ctx, argv[1]);
    else sqlite3_result_null(ctx);
}

static bool i64_kind(uint8_t k) {
    return k == EDDY_V_BOOL || k == EDDY_V_INT || k == EDDY_V_BIGINT || k == EDDY_V_DATE || k == EDDY_V_TIME ||
           k == EDDY_V_TIMESTAMP;
}

static void fn_nullif(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (fn_isnull(argv[0])) {
        sqlite3_result_null(ctx);
        return;
    }
    if (!fn_isnull(argv[1])) {
        eddy_value a = fn_arg(ctx, argv, 0), b = fn_arg(ctx, argv, 1);
        bool eq = i64_kind(a.v_kind) && i64_kind(b.v_kind) ? a.u.i == b.u.i : fn_java_equal(&a, &b);
        if (eq) {
            sqlite3_result_null(ctx);
            return;
        }
    }
    pass_value(ctx, argv[0]);
}

static void fn_as_value(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (fn_isnull(argv[0])) sqlite3_result_null(ctx);
    else pass_value(ctx, argv[0]);
}

/* ------------------------------------------------------------------------ */
/* Numbers from bytes                                                       */

/* The bytes as an unsigned big-endian (or little-endian) number of n bytes;
 * false after fn_fail. */
static bool bytes_number(sqlite3_context *ctx, int argc, sqlite3_value **argv, size_t want, uint64_t *out) {
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    const unsigned char *p = sqlite3_value_blob(argv[0]);
    bool little = false;
    if (argc > 1) {
        size_t on;
        const char *o = fn_text(argv[1], &on);
        if (fn_ieq(o, on, "LITTLE_ENDIAN")) little = true;
        else if (!fn_ieq(o, on, "BIG_ENDIAN")) {
            fn_fail(ctx, "Byte order must be BIG_ENDIAN or LITTLE_ENDIAN, but was '%.*s'", (int)(on > 50 ? 50 : on), o);
            return false;
        }
    }
    if (n != want) {
        fn_fail(ctx, "Number of bytes must be equal to %zu, but found %zu", want, n);
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = (v << 8) | p[little ? n - 1 - i : i];
    *out = v;
    return true;
}

static void fn_int_from_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    uint64_t v;
    if (bytes_number(ctx, argc, argv, 4, &v)) sqlite3_result_int64(ctx, (int32_t)(uint32_t)v);
}

static void fn_bigint_from_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    uint64_t v;
    if (bytes_number(ctx, argc, argv, 8, &v)) sqlite3_result_int64(ctx, (int64_t)v);
}

static void fn_double_from_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    uint64_t v;
    if (!bytes_number(ctx, argc, argv, 8, &v)) return;
    double d;
    memcpy(&d, &v, sizeof d);
    eddy_sqlval_result_double(ctx, d);
}

/* ------------------------------------------------------------------------ */
/* URLs                                                                     */

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* URLEncoder.encode(s, UTF-8). */
static void fn_url_encode_param(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n;
    const char *s = fn_text(argv[0], &n);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_strbuf utf = EDDY_STRBUF_INIT;
    /* re-encode so that malformed input becomes U+FFFD, as a Java String */
    for (size_t i = 0; i < n;) fn_utf8_put(&utf, fn_utf8_next(s, n, &i));
    const unsigned char *u = (const unsigned char *)eddy_strbuf_cstr(&utf);
    for (size_t i = 0; i < utf.len; i++) {
        unsigned char c = u[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
            c == '*' || c == '_')
            eddy_strbuf_putc(&sb, (char)c);
        else if (c == ' ') eddy_strbuf_putc(&sb, '+');
        else eddy_strbuf_printf(&sb, "%%%02X", c);
    }
    if (utf.failed) sb.failed = 1;
    fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
    eddy_strbuf_fini(&utf);
}

/* Percent-decoding into sb (UTF-8, malformed bytes as U+FFFD); plus_space
 * for URLDecoder.  False on a malformed escape. */
static bool percent_decode(eddy_strbuf *sb, const char *s, size_t n, bool plus_space) {
    eddy_strbuf raw = EDDY_STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                eddy_strbuf_fini(&raw);
                return false;
            }
            eddy_strbuf_putc(&raw, (char)(hi * 16 + lo));
            i += 2;
        } else if (plus_space && c == '+') {
            eddy_strbuf_putc(&raw, ' ');
        } else {
            eddy_strbuf_putc(&raw, c);
        }
    }
    const char *r = eddy_strbuf_cstr(&raw);
    for (size_t i = 0; i < raw.len;) fn_utf8_put(sb, fn_utf8_next(r, raw.len, &i));
    if (raw.failed) sb->failed = 1;
    eddy_strbuf_fini(&raw);
    return true;
}

static void fn_url_decode_param(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n;
    const char *s = fn_text(argv[0], &n);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    if (!percent_decode(&sb, s, n, true))
        fn_fail(ctx, "URLDecoder: Illegal hex characters in escape (%%) pattern: '%.*s'", (int)(n > 100 ? 100 : n), s);
    else fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
}

/* The parts of a java.net.URI; lengths -1 when absent. */
typedef struct uri {
    const char *scheme, *host, *path, *query, *fragment;
    long scheme_n, host_n, path_n, query_n, fragment_n;
    long port; /* -1 when none */
} uri;

static bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/* Characters java.net.URI accepts in a component (besides escapes):
 * unreserved, reserved, and anything non-ASCII.  extra names additional
 * punctuation allowed there. */
static bool uri_char(unsigned char c, const char *extra) {
    if (c >= 0x80) return true;
    if (is_alpha((char)c) || is_digit((char)c)) return true;
    if (strchr("_-!.~'()*;/?:@&=+$,", c)) return true;
    return extra && strchr(extra, c);
}

/* Checks s[0..n) for legal characters and escapes. */
static bool uri_legal(const char *s, long n, const char *extra) {
    for (long i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) return false;
            i += 2;
            continue;
        }
        if (c < 0x21 || c == 0x7F) return false;
        if (!uri_char(c, extra)) return false;
    }
    return true;
}

static bool valid_hostname(const char *h, long n) {
    if (n == 0) return false;
    /* IPv4 */
    bool ipv4 = true;
    int dots = 0;
    for (long i = 0; i < n; i++) {
        if (h[i] == '.') dots++;
        else if (!is_digit(h[i])) ipv4 = false;
    }
    if (ipv4 && dots == 3) return true;
    long label_start = 0, last_label = 0;
    for (long i = 0; i <= n; i++) {
        if (i == n || h[i] == '.') {
            long len = i - label_start;
            if (len == 0) {
                if (i == n && i > 0) break; /* a trailing dot */
                return false;
            }
            if (!(is_alpha(h[label_start]) || is_digit(h[label_start]))) return false;
            if (!(is_alpha(h[i - 1]) || is_digit(h[i - 1]))) return false;
            last_label = label_start;
            label_start = i + 1;
            continue;
        }
        if (!(is_alpha(h[i]) || is_digit(h[i]) || h[i] == '-')) return false;
    }
    return is_alpha(h[last_label]) || dots == 0;
}

/* Splits an authority into host and port (server-based); leaves the host
 * absent when it is registry-based. */
static void parse_authority(uri *u, const char *a, long n) {
    const char *at = memchr(a, '@', (size_t)n);
    if (at) {
        n -= at + 1 - a;
        a = at + 1;
    }
    long host_end = n;
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', (size_t)n);
        if (!close) return;
        host_end = close - a + 1;
    } else {
        const char *colon = memchr(a, ':', (size_t)n);
        if (colon) host_end = colon - a;
    }
    long port = -1;
    if (host_end < n) {
        if (a[host_end] != ':') return;
        long p = 0;
        for (long i = host_end + 1; i < n; i++) {
            if (!is_digit(a[i])) return;
            p = p * 10 + (a[i] - '0');
            if (p > 0x7FFFFFFF) return;
        }
        if (host_end + 1 < n) port = p;
    }
    if (!(a[0] == '[' || valid_hostname(a, host_end))) return;
    u->host = a;
    u->host_n = host_end;
    u->port = port;
}

/* Parses text as java.net.URI; false when it is not a valid URI. */
static bool parse_uri(const char *s, size_t len, uri *u) {
    memset(u, 0, sizeof *u);
    u->scheme_n = u->host_n = u->path_n = u->query_n = u->fragment_n = -1;
    u->port = -1;
    long n = (long)len;
    if (n == 0) {
        u->path = s;
        u->path_n = 0;
        return true;
    }
    const char *hash = memchr(s, '#', (size_t)n);
    long end = hash ? hash - s : n;
    if (hash) {
        u->fragment = hash + 1;
        u->fragment_n = n - end - 1;
        if (!uri_legal(u->fragment, u->fragment_n, NULL)) return false;
    }
    long i = 0;
    /* scheme: alpha *( alpha | digit | "+" | "-" | "." ) ":" */
    if (is_alpha(s[0])) {
        long j = 1;
        while (j < end && (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '+' || s[j] == '-' || s[j] == '.')) j++;
        if (j < end && s[j] == ':') {
            u->scheme = s;
            u->scheme_n = j;
            i = j + 1;
            if (i == end) return false; /* "Expected scheme-specific part" */
            if (s[i] != '/') { /* opaque: no path, query or host */
                return uri_legal(s + i, end - i, NULL);
            }
        }
    } else if (s[0] == ':') {
        return false; /* "Expected scheme name" */
    }
    const char *q = memchr(s + i, '?', (size_t)(end - i));
    long pend = q ? q - s : end;
    if (q) {
        u->query = q + 1;
        u->query_n = end - pend - 1;
        if (!uri_legal(u->query, u->query_n, NULL)) return false;
    }
    if (pend - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
        long a = i + 2, b = a;
        while (b < pend && s[b] != '/') b++;
        if (!uri_legal(s + a, b - a, "[]")) return false;
        if (b > a) parse_authority(u, s + a, b - a);
        else if (b == pend && !q && !hash) return false; /* "Expected authority" */
        i = b;
    }
    if (!uri_legal(s + i, pend - i, NULL)) return false;
    u->path = s + i;
    u->path_n = pend - i;
    return true;
}

/* kind: 'h' host, 'p' path, 'q' query, 'f' fragment, 's' scheme, 'o' port */
static void url_extract(sqlite3_context *ctx, sqlite3_value **argv, char kind) {
    size_t n;
    const char *s = fn_text(argv[0], &n);
    uri u;
    if (!parse_uri(s, n, &u)) {
        fn_fail(ctx, "URL input has invalid syntax: %.*s", (int)(n > 200 ? 200 : n), s);
        return;
    }
    const char *p = NULL;
    long pn = -1;
    bool decode = true;
    switch (kind) {
    case 'h': p = u.host, pn = u.host_n, decode = false; break;
    case 'p': p = u.path, pn = u.path_n; break;
    case 'q': p = u.query, pn = u.query_n; break;
    case 'f': p = u.fragment, pn = u.fragment_n; break;
    case 's': p = u.scheme, pn = u.scheme_n, decode = false; break;
    case 'o':
        if (u.port < 0) sqlite3_result_null(ctx);
        else sqlite3_result_int64(ctx, u.port);
        return;
    default: break;
    }
    if (pn < 0) {
        sqlite3_result_null(ctx);
        return;
    }
    if (!decode) {
        fn_result_text(ctx, p, (size_t)pn);
        return;
    }
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    percent_decode(&sb, p, (size_t)pn, false);
    fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
}

#define URL_FN(name, kind)                                                       \
    static void name(sqlite3_context *ctx, int argc, sqlite3_value **argv) {    \
        FN_NULL_IF_ANY_NULL(ctx, argc, argv);                                    \
        url_extract(ctx, argv, kind);                                            \
    }

URL_FN(fn_url_extract_host, 'h')
URL_FN(fn_url_extract_path, 'p')
URL_FN(fn_url_extract_query, 'q')
URL_FN(fn_url_extract_fragment, 'f')
URL_FN(fn_url_extract_protocol, 's')
URL_FN(fn_url_extract_port, 'o')

/* The (decoded) query split at '&', each parameter at its first '='. */
static void fn_url_extract_parameter(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n, kn;
    const char *s = fn_text(argv[0], &n);
    const char *key = fn_text(argv[1], &kn);
    uri u;
    if (!parse_uri(s, n, &u)) {
        fn_fail(ctx, "URL input has invalid syntax: %.*s", (int)(n > 200 ? 200 : n), s);
        return;
    }
    if (u.query_n < 0) {
        sqlite3_result_null(ctx);
        return;
    }
    eddy_strbuf q = EDDY_STRBUF_INIT;
    percent_decode(&q, u.query, (size_t)u.query_n, false);
    const char *qs = eddy_strbuf_cstr(&q);
    size_t qn = q.len, i = 0;
    for (;;) {
        const char *amp = memchr(qs + i, '&', qn - i);
        size_t e = amp ? (size_t)(amp - qs) : qn;
        const char *eq = memchr(qs + i, '=', e - i);
        size_t name_end = eq ? (size_t)(eq - qs) : e;
        if (name_end - i == kn && memcmp(qs + i, key, kn) == 0) {
            if (eq) fn_result_text(ctx, eq + 1, e - name_end - 1);
            else fn_result_text(ctx, "", 0);
            eddy_strbuf_fini(&q);
            return;
        }
        if (!amp) break;
        i = e + 1;
    }
    sqlite3_result_null(ctx);
    eddy_strbuf_fini(&q);
}

/* ------------------------------------------------------------------------ */
/* GEO_DISTANCE                                                             */

static void fn_geo_distance(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    for (int i = 0; i < 4; i++) {
        if (fn_isnull(argv[i])) {
            fn_fail(ctx, "GEO_DISTANCE: latitude and longitude cannot be NULL");
            return;
        }
    }
    double lat1 = fn_double(argv[0]), lon1 = fn_double(argv[1]);
    double lat2 = fn_double(argv[2]), lon2 = fn_double(argv[3]);
    if (lat1 < -90 || lat2 < -90 || lat1 > 90 || lat2 > 90) {
        fn_fail(ctx, "valid latitude values for GeoDistance function are in the range of -90 to 90 decimal degrees");
        return;
    }
    if (lon1 < -180 || lon2 < -180 || lon1 > 180 || lon2 > 180) {
        fn_fail(ctx, "valid longitude values for GeoDistance function are in the range of -180 to +180 decimal degrees");
        return;
    }
    double radius = 6371;
    if (argc > 4 && !fn_isnull(argv[4])) {
        size_t n;
        const char *u = fn_text(argv[4], &n);
        while (n > 0 && (unsigned char)*u <= ' ') u++, n--;
        while (n > 0 && (unsigned char)u[n - 1] <= ' ') n--;
        if (n > 0) {
            if (fn_ieq(u, n, "mi") || fn_ieq(u, n, "mile") || fn_ieq(u, n, "miles")) radius = 3959;
            else if (fn_ieq(u, n, "km") || fn_ieq(u, n, "kilometer") || fn_ieq(u, n, "kilometers") ||
                     fn_ieq(u, n, "kilometre") || fn_ieq(u, n, "kilometres"))
                radius = 6371;
            else {
                fn_fail(ctx, "GeoDistance function units parameter must be one of mi, mile, miles, km, kilometer, "
                             "kilometers, kilometre or kilometres. Values are case-insensitive.");
                return;
            }
        }
    }
    const double rad = 0.017453292519943295;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double s1 = sin(dlat / 2), s2 = sin(dlon / 2);
    double a = pow(s1, 2) + pow(s2, 2) * cos(lat1 * rad) * cos(lat2 * rad);
    eddy_sqlval_result_double(ctx, 2 * asin(sqrt(a)) * radius);
}

const fn_row eddy_fn_misc_rows[] = {
    {"AS_VALUE", -1, fn_as_value},
    {"BIGINT_FROM_BYTES", -1, fn_bigint_from_bytes},
    {"COALESCE", -1, fn_coalesce},
    {"DOUBLE_FROM_BYTES", -1, fn_double_from_bytes},
    {"GEO_DISTANCE", -1, fn_geo_distance},
    {"IFNULL", -1, fn_ifnull},
    {"INT_FROM_BYTES", -1, fn_int_from_bytes},
    {"NULLIF", -1, fn_nullif},
    {"URL_DECODE_PARAM", -1, fn_url_decode_param},
    {"URL_ENCODE_PARAM", -1, fn_url_encode_param},
    {"URL_EXTRACT_FRAGMENT", -1, fn_url_extract_fragment},
    {"URL_EXTRACT_HOST", -1, fn_url_extract_host},
    {"URL_EXTRACT_PARAMETER", -1, fn_url_extract_parameter},
    {"URL_EXTRACT_PATH", -1, fn_url_extract_path},
    {"URL_EXTRACT_PORT", -1, fn_url_extract_port},
    {"URL_EXTRACT_PROTOCOL", -1, fn_url_extract_protocol},
    {"URL_EXTRACT_QUERY", -1, fn_url_extract_query},
};
const int eddy_fn_misc_rows_count = (int)(sizeof eddy_fn_misc_rows / sizeof eddy_fn_misc_rows[0]);
