/* expr_value.c - value-level semantics shared by eddy's operator functions: casts, DECIMAL arithmetic, Java text.
 *
 * ksqlDB computes with Java types, so its results carry Java's rules:
 * (int) and (long) conversions, BigDecimal with MathContext and rounding
 * modes, Double.toString, List/Map/Struct toString, ISO dates.  This file
 * reproduces them over eddy_value; the functions never touch SQLite.
 */
#include "engine/expr_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- DECIMAL ------------------------------------------------------------ */

static eddy_int128 pow10i(int n) {
    eddy_int128 p = 1;
    while (n-- > 0) p *= 10;
    return p;
}

int eddy_decimal_digits(eddy_int128 v) {
    unsigned __int128 u = v < 0 ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    int d = 1;
    while (u >= 10) {
        u /= 10;
        d++;
    }
    return d;
}

static bool mul_ovf(eddy_int128 a, eddy_int128 b, eddy_int128 *r) { return __builtin_mul_overflow(a, b, r); }

/* v * 10^n, false on overflow. */
static bool scale_up(eddy_int128 v, int n, eddy_int128 *out) {
    while (n-- > 0)
        if (mul_ovf(v, 10, &v)) return false;
    *out = v;
    return true;
}

int eddy_decimal_rescale(eddy_int128 v, int from, int s, eddy_int128 *out) {
    if (s >= from) return scale_up(v, s - from, out) ? 0 : EDDY_RANGE;
    int d = from - s;
    if (d > 38) {
        *out = 0;
        return 0;
    }
    eddy_int128 p = pow10i(d);
    eddy_int128 q = v / p, r = v % p;
    if (r < 0) r = -r;
    if (r * 2 >= p) q += v < 0 ? -1 : 1;
    *out = q;
    return 0;
}

int eddy_decimal_cmp(eddy_int128 a, int sa, eddy_int128 b, int sb) {
    /* compare the integer parts first so that rescaling cannot overflow needlessly */
    eddy_int128 x = a, y = b;
    if (sa < sb && !scale_up(a, sb - sa, &x)) return a < 0 ? -1 : 1;
    if (sb < sa && !scale_up(b, sa - sb, &y)) return b < 0 ? 1 : -1;
    return x < y ? -1 : x > y ? 1 : 0;
}

int eddy_decimal_parse(const char *s, size_t n, eddy_int128 *unscaled, int *scale) {
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    eddy_int128 v = 0;
    int sc = 0, digits = 0;
    bool dot = false;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '.' && !dot) {
            dot = true;
            continue;
        }
        if (!isdigit((unsigned char)ch)) break;
        if (mul_ovf(v, 10, &v) || __builtin_add_overflow(v, ch - '0', &v)) return EDDY_RANGE;
        digits++;
        if (dot) sc++;
    }
    if (!digits) return EDDY_INVAL;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        int e = 0, ed = 0;
        for (; i < n && isdigit((unsigned char)s[i]); i++, ed++) {
            e = e * 10 + (s[i] - '0');
            if (e > 1000) return EDDY_RANGE;
        }
        if (!ed) return EDDY_INVAL;
        sc += eneg ? e : -e;
    }
    if (i != n) return EDDY_INVAL;
    if (sc < 0) {
        if (!scale_up(v, -sc, &v)) return EDDY_RANGE;
        sc = 0;
    }
    *unscaled = neg ? -v : v;
    *scale = sc;
    return 0;
}

double eddy_decimal_to_double(eddy_int128 v, int scale) {
    /* through text, so that the conversion is correctly rounded */
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_decimal_plain(v, scale, &sb);
    double d = sb.failed ? (double)v / pow(10, scale) : strtod(eddy_strbuf_cstr(&sb), NULL);
    eddy_strbuf_fini(&sb);
    return d;
}

void eddy_decimal_plain(eddy_int128 v, int scale, eddy_strbuf *out) {
    char digits[64];
    int n = 0;
    bool neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (scale < 0) {
        if (neg) eddy_strbuf_putc(out, '-');
        for (int i = n - 1; i >= 0; i--) eddy_strbuf_putc(out, digits[i]);
        for (int i = 0; i < -scale; i++) eddy_strbuf_putc(out, '0');
        return;
    }
    while (n <= scale) digits[n++] = '0';
    if (neg) eddy_strbuf_putc(out, '-');
    for (int i = n - 1; i >= 0; i--) {
        eddy_strbuf_putc(out, digits[i]);
        if (i == scale && i > 0) eddy_strbuf_putc(out, '.');
    }
}

/* BigDecimal.toString: scientific notation when the adjusted exponent < -6. */
static void decimal_java(eddy_int128 v, int scale, eddy_strbuf *out) {
    int digits = eddy_decimal_digits(v);
    int adjusted = -scale + (digits - 1);
    if (scale >= 0 && adjusted >= -6) {
        eddy_decimal_plain(v, scale, out);
        return;
    }
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_decimal_plain(v, 0, &sb);
    const char *s = eddy_strbuf_cstr(&sb);
    if (*s == '-') eddy_strbuf_putc(out, *s++);
    eddy_strbuf_putc(out, s[0]);
    if (s[1]) {
        eddy_strbuf_putc(out, '.');
        eddy_strbuf_puts(out, s + 1);
    }
    eddy_strbuf_printf(out, "E%s%d", adjusted >= 0 ? "+" : "", adjusted);
    eddy_strbuf_fini(&sb);
}

/* Significant digits once trailing zeros are dropped. */
static int sig_digits(eddy_int128 v) {
    if (v == 0) return 1;
    while (v % 10 == 0) v /= 10;
    return eddy_decimal_digits(v);
}

static eddy_int128 gcd128(eddy_int128 a, eddy_int128 b) {
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b) {
        eddy_int128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Rescales exactly (RoundingMode.UNNECESSARY). */
static int set_scale_exact(eddy_int128 v, int from, int s, eddy_int128 *out, const char **why) {
    if (s >= from) {
        if (!scale_up(v, s - from, out)) {
            *why = "Numeric overflow";
            return EDDY_INVAL;
        }
        return 0;
    }
    int d = from - s;
    if (d > 38) {
        if (v != 0) {
            *why = "Rounding necessary";
            return EDDY_INVAL;
        }
        *out = 0;
        return 0;
    }
    eddy_int128 p = pow10i(d);
    if (v % p) {
        *why = "Rounding necessary";
        return EDDY_INVAL;
    }
    *out = v / p;
    return 0;
}

int eddy_decimal_arith(int op, eddy_int128 a, int sa, eddy_int128 b, int sb, int p, int s, eddy_int128 *out,
                       const char **why) {
    eddy_int128 r;
    int rs;
    switch (op) {
    case EDDY_OP_ADD:
    case EDDY_OP_SUB:
    case EDDY_OP_MOD: {
        int m = sa > sb ? sa : sb;
        eddy_int128 x, y;
        if (!scale_up(a, m - sa, &x) || !scale_up(b, m - sb, &y)) {
            *why = "Numeric overflow";
            return EDDY_INVAL;
        }
        if (op == EDDY_OP_MOD) {
            if (y == 0) {
                *why = "Division by zero";
                return EDDY_INVAL;
            }
            r = x % y;
        } else if (op == EDDY_OP_ADD ? __builtin_add_overflow(x, y, &r) : __builtin_sub_overflow(x, y, &r)) {
            *why = "Numeric overflow";
            return EDDY_INVAL;
        }
        rs = m;
        break;
    }
    case EDDY_OP_MUL:
        if (mul_ovf(a, b, &r)) {
            *why = "Numeric overflow";
            return EDDY_INVAL;
        }
        rs = sa + sb;
        break;
    case EDDY_OP_DIV: {
        if (b == 0) {
            *why = "Division by zero";
            return EDDY_INVAL;
        }
        /* The quotient is a terminating decimal only when the reduced
         * divisor has no prime factors other than 2 and 5. */
        eddy_int128 g = gcd128(a, b), d = b / (g ? g : 1);
        if (d < 0) d = -d;
        while (d % 2 == 0) d /= 2;
        while (d % 5 == 0) d /= 5;
        if (d != 1) {
            *why = "Non-terminating decimal expansion; no exact representable decimal result.";
            return EDDY_INVAL;
        }
        eddy_int128 x = a;
        int k = 0;
        while (x % b != 0) {
            if (mul_ovf(x, 10, &x) || ++k > 80) {
                *why = "Numeric overflow";
                return EDDY_INVAL;
            }
        }
        r = x / b;
        rs = sa - sb + k;
        break;
    }
    default: *why = "unknown operator"; return EDDY_INVAL;
    }
    if (sig_digits(r) > p) {
        *why = "Rounding necessary";
        return EDDY_INVAL;
    }
    return set_scale_exact(r, rs, s, out, why);
}

/* ---- Java text ----------------------------------------------------------- */

void eddy_java_double(double d, eddy_strbuf *out) { eddy_java_double_text(d, out); }

/* ---- dates and times ---------------------------------------------------- */

static const int64_t DAY_MS = 86400000;

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

/* Civil date from days since 1970-01-01 (proleptic Gregorian). */
static void civil(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void eddy_format_date(int64_t days, eddy_strbuf *out) {
    int64_t y;
    int m, d;
    civil(days, &y, &m, &d);
    eddy_strbuf_printf(out, "%04lld-%02d-%02d", (long long)y, m, d);
}

/* ksqlDB: LocalTime.ofSecondOfDay(ms / 1000).toString(): HH:mm, or HH:mm:ss
 * when the seconds are not zero; milliseconds are dropped. */
void eddy_format_time(int64_t ms, eddy_strbuf *out) {
    ms = ((ms % DAY_MS) + DAY_MS) % DAY_MS;
    int64_t s = ms / 1000;
    eddy_strbuf_printf(out, "%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60));
    if (s % 60) eddy_strbuf_printf(out, ":%02d", (int)(s % 60));
}

void eddy_format_timestamp(int64_t ms, eddy_strbuf *out) {
    int64_t days = floor_div(ms, DAY_MS), rem = ms - days * DAY_MS;
    eddy_format_date(days, out);
    int64_t s = rem / 1000;
    eddy_strbuf_printf(out, "T%02d:%02d:%02d.%03d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60),
                       (int)(rem % 1000));
}

typedef struct cur {
    const char *p, *end;
} cur;

static int num(cur *c, int min, int max, int64_t *v) {
    int n = 0;
    int64_t x = 0;
    while (c->p < c->end && isdigit((unsigned char)*c->p) && n < max) {
        x = x * 10 + (*c->p++ - '0');
        n++;
    }
    if (n < min) return -1;
    *v = x;
    return n;
}

static bool lit(cur *c, char ch) {
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* yyyy[-MM[-dd]]: a partial date is completed with the first month / day,
 * as ksqlDB's PartialStringToTimestampParser does. */
static int parse_date_part(cur *c, int64_t *days) {
    int64_t y, m = 1, d = 1;
    bool neg = lit(c, '-');
    if (num(c, 4, 9, &y) < 0) return EDDY_INVAL;
    if (lit(c, '-') && (num(c, 2, 2, &m) < 0 || (lit(c, '-') && num(c, 2, 2, &d) < 0))) return EDDY_INVAL;
    if (neg) y = -y;
    if (m < 1 || m > 12 || d < 1 || d > 31) return EDDY_INVAL;
    *days = days_from_civil(y, (int)m, (int)d);
    return 0;
}

static int parse_time_part(cur *c, int64_t *ms, bool partial) {
    int64_t h, mi = 0, s = 0, f = 0;
    if (num(c, 2, 2, &h) < 0) return EDDY_INVAL;
    if (!lit(c, ':')) {
        if (!partial) return EDDY_INVAL;
    } else if (num(c, 2, 2, &mi) < 0) {
        return EDDY_INVAL;
    } else if (lit(c, ':')) {
        if (num(c, 2, 2, &s) < 0) return EDDY_INVAL;
        if (lit(c, '.')) {
            int64_t x;
            int n = num(c, 1, 9, &x);
            if (n < 0) return EDDY_INVAL;
            while (n < 3) x *= 10, n++;
            while (n > 3) x /= 10, n--;
            f = x;
        }
    }
    if (h > 23 || mi > 59 || s > 59) return EDDY_INVAL;
    *ms = ((h * 60 + mi) * 60 + s) * 1000 + f;
    return 0;
}

static void trim(const char **s, size_t *n) {
    while (*n && isspace((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

int eddy_parse_date(const char *s, size_t n, int64_t *days) {
    trim(&s, &n);
    cur c = {s, s + n};
    if (parse_date_part(&c, days)) return EDDY_INVAL;
    return c.p == c.end ? 0 : EDDY_INVAL;
}

int eddy_parse_time(const char *s, size_t n, int64_t *ms) {
    trim(&s, &n);
    cur c = {s, s + n};
    if (parse_time_part(&c, ms, false)) return EDDY_INVAL;
    return c.p == c.end ? 0 : EDDY_INVAL;
}

int eddy_parse_timestamp(const char *s, size_t n, int64_t *ms) {
    trim(&s, &n);
    cur c = {s, s + n};
    int64_t days, t = 0;
    if (parse_date_part(&c, &days)) return EDDY_INVAL;
    if (lit(&c, 'T') || lit(&c, ' ')) {
        if (parse_time_part(&c, &t, true)) return EDDY_INVAL;
    }
    int64_t off = 0;
    if (lit(&c, 'Z')) {
        off = 0;
    } else if (c.p < c.end && (*c.p == '+' || *c.p == '-')) {
        bool neg = *c.p++ == '-';
        int64_t oh, om = 0;
        if (num(&c, 2, 2, &oh) < 0) return EDDY_INVAL;
        if (lit(&c, ':') || (c.p < c.end && isdigit((unsigned char)*c.p)))
            if (num(&c, 2, 2, &om) < 0) return EDDY_INVAL;
        off = (oh * 60 + om) * 60000;
        if (neg) off = -off;
    }
    if (c.p != c.end) return EDDY_INVAL;
    *ms = days * DAY_MS + t - off;
    return 0;
}

/* ---- text of values (Java toString) -------------------------------------- */

static void java_value(const eddy_value *v, const eddy_type *t, eddy_strbuf *out, bool top) {
    if (v->v_kind == EDDY_V_NULL) {
        eddy_strbuf_puts(out, "null");
        return;
    }
    switch (t->ty_kind) {
    case EDDY_TYPE_BOOLEAN: eddy_strbuf_puts(out, v->u.i ? "true" : "false"); break;
    case EDDY_TYPE_INT:
    case EDDY_TYPE_BIGINT: eddy_strbuf_printf(out, "%lld", (long long)v->u.i); break;
    case EDDY_TYPE_DOUBLE: eddy_java_double(v->u.d, out); break;
    case EDDY_TYPE_DECIMAL:
        if (top) eddy_decimal_plain(*v->u.dec, v->v_scale, out);
        else decimal_java(*v->u.dec, v->v_scale, out);
        break;
    case EDDY_TYPE_STRING:
    case EDDY_TYPE_BYTES: eddy_strbuf_append(out, v->u.s, v->v_len); break;
    case EDDY_TYPE_DATE: eddy_format_date(v->u.i, out); break;
    case EDDY_TYPE_TIME: eddy_format_time(v->u.i, out); break;
    case EDDY_TYPE_TIMESTAMP: eddy_format_timestamp(v->u.i, out); break;
    case EDDY_TYPE_ARRAY:
        eddy_strbuf_putc(out, '[');
        for (uint32_t i = 0; i < v->v_len; i++) {
            if (i) eddy_strbuf_puts(out, ", ");
            java_value(&v->u.items[i], t->ty_elem, out, false);
        }
        eddy_strbuf_putc(out, ']');
        break;
    case EDDY_TYPE_MAP:
        eddy_strbuf_putc(out, '{');
        for (uint32_t i = 0; i < v->v_len; i++) {
            if (i) eddy_strbuf_puts(out, ", ");
            java_value(&v->u.items[2 * i], t->ty_key, out, false);
            eddy_strbuf_putc(out, '=');
            java_value(&v->u.items[2 * i + 1], t->ty_elem, out, false);
        }
        eddy_strbuf_putc(out, '}');
        break;
    case EDDY_TYPE_STRUCT: {
        eddy_strbuf_puts(out, "Struct{");
        bool first = true;
        for (uint32_t i = 0; i < v->v_len && (int)i < t->ty_nfields; i++) {
            if (v->u.items[i].v_kind == EDDY_V_NULL) continue; /* Connect's Struct.toString skips nulls */
            if (!first) eddy_strbuf_putc(out, ',');
            first = false;
            eddy_strbuf_printf(out, "%s=", t->ty_fields[i].name);
            java_value(&v->u.items[i], t->ty_fields[i].type, out, false);
        }
        eddy_strbuf_putc(out, '}');
        break;
    }
    default: eddy_value_format(v, out); break;
    }
}

void eddy_java_value(const eddy_value *v, const eddy_type *t, eddy_strbuf *out) { java_value(v, t, out, true); }

/* ---- casts --------------------------------------------------------------- */

static bool numeric(eddy_type_kind k) {
    return k == EDDY_TYPE_INT || k == EDDY_TYPE_BIGINT || k == EDDY_TYPE_DOUBLE || k == EDDY_TYPE_DECIMAL;
}

bool eddy_cast_allowed(const eddy_type *from, const eddy_type *to) {
    if (eddy_type_equal(from, to)) return true;
    eddy_type_kind f = from->ty_kind, t = to->ty_kind;
    if (t == EDDY_TYPE_STRING)
        return f != EDDY_TYPE_BYTES;
    switch (f) {
    case EDDY_TYPE_BOOLEAN: return false;
    case EDDY_TYPE_INT:
    case EDDY_TYPE_BIGINT:
    case EDDY_TYPE_DOUBLE:
    case EDDY_TYPE_DECIMAL: return numeric(t);
    case EDDY_TYPE_STRING:
        return numeric(t) || t == EDDY_TYPE_BOOLEAN || t == EDDY_TYPE_TIMESTAMP || t == EDDY_TYPE_DATE ||
               t == EDDY_TYPE_TIME;
    case EDDY_TYPE_TIMESTAMP: return t == EDDY_TYPE_DATE || t == EDDY_TYPE_TIME;
    case EDDY_TYPE_DATE: return t == EDDY_TYPE_TIMESTAMP;
    case EDDY_TYPE_ARRAY: return t == EDDY_TYPE_ARRAY && eddy_cast_allowed(from->ty_elem, to->ty_elem);
    case EDDY_TYPE_MAP:
        return t == EDDY_TYPE_MAP && eddy_cast_allowed(from->ty_key, to->ty_key) &&
               eddy_cast_allowed(from->ty_elem, to->ty_elem);
    case EDDY_TYPE_STRUCT:
        if (t != EDDY_TYPE_STRUCT) return false;
        for (int i = 0; i < to->ty_nfields; i++)
            for (int j = 0; j < from->ty_nfields; j++)
                if (!strcmp(to->ty_fields[i].name, from->ty_fields[j].name) &&
                    !eddy_cast_allowed(from->ty_fields[j].type, to->ty_fields[i].type))
                    return false;
        return true;
    default: return false;
    }
}

/* Java's Integer.parseInt / Long.parseLong on trimmed text. */
static int parse_long(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out) {
    trim(&s, &n);
    if (!n) return EDDY_INVAL;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '+' || s[0] == '-') neg = s[i++] == '-';
    if (i == n) return EDDY_INVAL;
    unsigned __int128 v = 0;
    for (; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return EDDY_INVAL;
        v = v * 10 + (unsigned)(s[i] - '0');
        if (v > (unsigned __int128)1 << 64) return EDDY_INVAL;
    }
    eddy_int128 x = neg ? -(eddy_int128)v : (eddy_int128)v;
    if (x < lo || x > hi) return EDDY_INVAL;
    *out = (int64_t)x;
    return 0;
}

/* Java's Double.parseDouble on trimmed text. */
static int parse_double(const char *s, size_t n, double *out) {
    trim(&s, &n);
    char buf[128];
    if (!n || n >= sizeof buf) return EDDY_INVAL;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (n > 1 && strchr("fFdD", buf[n - 1]) && (isdigit((unsigned char)buf[n - 2]) || buf[n - 2] == '.'))
        buf[--n] = 0;
    const char *p = buf;
    if (*p == '+' || *p == '-') p++;
    if (!strcmp(p, "NaN") || !strcmp(p, "Infinity")) {
        *out = !strcmp(p, "NaN") ? NAN : (buf[0] == '-' ? -INFINITY : INFINITY);
        return 0;
    }
    if (!isdigit((unsigned char)*p) && *p != '.') return EDDY_INVAL;
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (*end) return EDDY_INVAL;
    *out = d;
    return 0;
}

static bool java_true(const char *s, size_t n) {
    trim(&s, &n);
    static const char *const yes[] = {"true", "t", "yes", "y"};
    for (size_t i = 0; i < 4; i++)
        if (strlen(yes[i]) == n && !strncasecmp(s, yes[i], n)) return true;
    return false;
}

/* ensureMax: |v| (unscaled at scale vs) must be < 10^(p - s). */
static bool fits(eddy_int128 v, int vs, int p, int s) {
    eddy_int128 lim;
    if (!scale_up(1, p - s + vs, &lim)) return true;
    if (v < 0) v = -v;
    return v < lim;
}

static int to_decimal(const eddy_value *in, eddy_type_kind f, int p, int s, eddy_arena *a, eddy_value *out,
                      const char **why) {
    eddy_int128 v;
    int vs;
    switch (f) {
    case EDDY_TYPE_INT:
    case EDDY_TYPE_BIGINT:
        v = in->u.i;
        vs = 0;
        break;
    case EDDY_TYPE_DECIMAL:
        v = *in->u.dec;
        vs = in->v_scale;
        break;
    case EDDY_TYPE_DOUBLE: {
        double d = in->u.d;
        if (!isfinite(d)) {
            *why = "Infinite or NaN";
            return EDDY_INVAL;
        }
        /* new BigDecimal(d, new MathContext(p)): the exact binary value
         * rounded HALF_UP to p significant digits */
        char buf[128];
        snprintf(buf, sizeof buf, "%.60e", d);
        char *e = strchr(buf, 'e');
        int exp10 = atoi(e + 1);
        char digits[80];
        int nd = 0;
        bool neg = buf[0] == '-';
        for (char *q = buf; q < e; q++)
            if (isdigit((unsigned char)*q)) digits[nd++] = *q;
        int keep = p < nd ? p : nd;
        eddy_int128 u = 0;
        for (int i = 0; i < keep; i++) u = u * 10 + (digits[i] - '0');
        if (keep < nd && digits[keep] >= '5') u++;
        /* u has `keep` digits (or keep + 1 after a carry); value = u * 10^(exp10 - keep + 1) */
        int sc = keep - 1 - exp10;
        if (sc < 0) {
            if (!scale_up(u, -sc, &u)) {
                *why = "Numeric overflow";
                return EDDY_INVAL;
            }
            sc = 0;
        }
        v = neg ? -u : u;
        vs = sc;
        break;
    }
    case EDDY_TYPE_STRING:
        if (eddy_decimal_parse(in->u.s, in->v_len, &v, &vs)) {
            const char *s0 = in->u.s;
            size_t n0 = in->v_len;
            trim(&s0, &n0);
            if (n0 == in->v_len || eddy_decimal_parse(s0, n0, &v, &vs)) {
                *why = "Invalid DECIMAL text";
                return EDDY_INVAL;
            }
        }
        break;
    default: *why = "Unsupported cast"; return EDDY_UNSUPPORTED;
    }
    if (!fits(v, vs, p, s)) {
        *why = "Numeric field overflow";
        return EDDY_INVAL;
    }
    eddy_int128 r;
    if (eddy_decimal_rescale(v, vs, s, &r)) {
        *why = "Numeric overflow";
        return EDDY_INVAL;
    }
    *out = eddy_value_decimal(a, r, s);
    return out->v_kind == EDDY_V_DECIMAL ? 0 : EDDY_NOMEM;
}

static int64_t java_d2l(double d, int64_t lo, int64_t hi) {
    if (isnan(d)) return 0;
    if (d <= (double)lo) return lo;
    if (d >= (double)hi) return hi;
    return (int64_t)d;
}

static int64_t dec_trunc_low64(const eddy_value *in) {
    eddy_int128 v = *in->u.dec;
    for (int i = 0; i < in->v_scale; i++) v /= 10;
    for (int i = 0; i > in->v_scale; i--) v *= 10;
    return (int64_t)(uint64_t)(unsigned __int128)v;
}

int eddy_cast_value(const eddy_value *in, const eddy_type *from, const eddy_type *to, eddy_arena *a,
                    eddy_value *out, const char **why) {
    *why = NULL;
    if (in->v_kind == EDDY_V_NULL) {
        *out = eddy_value_null();
        return 0;
    }
    if (!from || eddy_type_equal(from, to)) {
        *out = *in;
        return 0;
    }
    eddy_type_kind f = from->ty_kind, t = to->ty_kind;
    if (t == EDDY_TYPE_STRING) {
        if (f == EDDY_TYPE_STRING) {
            *out = *in;
            return 0;
        }
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        eddy_java_value(in, from, &sb);
        if (sb.failed) return EDDY_NOMEM;
        *out = eddy_value_str_copy(a, EDDY_V_STRING, eddy_strbuf_cstr(&sb), sb.len);
        eddy_strbuf_fini(&sb);
        return out->v_kind == EDDY_V_STRING ? 0 : EDDY_NOMEM;
    }
    if (t == EDDY_TYPE_DECIMAL) return to_decimal(in, f, to->ty_precision, to->ty_scale, a, out, why);
    switch (t) {
    case EDDY_TYPE_INT:
    case EDDY_TYPE_BIGINT: {
        bool i32 = t == EDDY_TYPE_INT;
        int64_t r;
        switch (f) {
        case EDDY_TYPE_INT:
        case EDDY_TYPE_BIGINT: r = i32 ? (int32_t)(uint32_t)(uint64_t)in->u.i : in->u.i; break;
        case EDDY_TYPE_DOUBLE: r = i32 ? java_d2l(in->u.d, INT32_MIN, INT32_MAX) : java_d2l(in->u.d, INT64_MIN, INT64_MAX); break;
        case EDDY_TYPE_DECIMAL: r = dec_trunc_low64(in); if (i32) r = (int32_t)(uint32_t)(uint64_t)r; break;
        case EDDY_TYPE_STRING:
            if (parse_long(in->u.s, in->v_len, i32 ? INT32_MIN : INT64_MIN, i32 ? INT32_MAX : INT64_MAX, &r)) {
                *why = "Invalid number text";
                return EDDY_INVAL;
            }
            break;
        default: *why = "Unsupported cast"; return EDDY_UNSUPPORTED;
        }
        *out = i32 ? eddy_value_int((int32_t)r) : eddy_value_bigint(r);
        return 0;
    }
    case EDDY_TYPE_DOUBLE: {
        double d;
        switch (f) {
        case EDDY_TYPE_INT:
        case EDDY_TYPE_BIGINT: d = (double)in->u.i; break;
        case EDDY_TYPE_DECIMAL: d = eddy_decimal_to_double(*in->u.dec, in->v_scale); break;
        case EDDY_TYPE_STRING:
            if (parse_double(in->u.s, in->v_len, &d)) {
                *why = "Invalid number text";
                return EDDY_INVAL;
            }
            break;
        default: *why = "Unsupported cast"; return EDDY_UNSUPPORTED;
        }
        *out = eddy_value_double(d);
        return 0;
    }
    case EDDY_TYPE_BOOLEAN:
        if (f != EDDY_TYPE_STRING) break;
        *out = eddy_value_bool(java_true(in->u.s, in->v_len));
        return 0;
    case EDDY_TYPE_TIMESTAMP: {
        int64_t ms;
        if (f == EDDY_TYPE_DATE) ms = in->u.i * DAY_MS;
        else if (f == EDDY_TYPE_STRING) {
            if (eddy_parse_timestamp(in->u.s, in->v_len, &ms)) {
                *why = "Invalid TIMESTAMP text";
                return EDDY_INVAL;
            }
        } else break;
        *out = eddy_value_i64(EDDY_V_TIMESTAMP, ms);
        return 0;
    }
    case EDDY_TYPE_DATE: {
        int64_t days;
        if (f == EDDY_TYPE_TIMESTAMP) days = floor_div(in->u.i, DAY_MS);
        else if (f == EDDY_TYPE_STRING) {
            if (eddy_parse_date(in->u.s, in->v_len, &days)) {
                *why = "Invalid DATE text";
                return EDDY_INVAL;
            }
        } else break;
        *out = eddy_value_i64(EDDY_V_DATE, days);
        return 0;
    }
    case EDDY_TYPE_TIME: {
        int64_t ms;
        if (f == EDDY_TYPE_TIMESTAMP) ms = in->u.i - floor_div(in->u.i, DAY_MS) * DAY_MS;
        else if (f == EDDY_TYPE_STRING) {
            if (eddy_parse_time(in->u.s, in->v_len, &ms)) {
                *why = "Invalid TIME text";
                return EDDY_INVAL;
            }
        } else break;
        *out = eddy_value_i64(EDDY_V_TIME, ms);
        return 0;
    }
    case EDDY_TYPE_ARRAY: {
        if (f != EDDY_TYPE_ARRAY) break;
        eddy_value r = eddy_value_container(a, EDDY_V_ARRAY, in->v_len);
        if (in->v_len && r.v_kind == EDDY_V_NULL) return EDDY_NOMEM;
        for (uint32_t i = 0; i < in->v_len; i++) {
            int rc = eddy_cast_value(&in->u.items[i], from->ty_elem, to->ty_elem, a, &r.u.items[i], why);
            if (rc) return rc;
        }
        *out = r;
        return 0;
    }
    case EDDY_TYPE_MAP: {
        if (f != EDDY_TYPE_MAP) break;
        eddy_value r = eddy_value_container(a, EDDY_V_MAP, in->v_len);
        if (in->v_len && r.v_kind == EDDY_V_NULL) return EDDY_NOMEM;
        for (uint32_t i = 0; i < in->v_len; i++) {
            int rc = eddy_cast_value(&in->u.items[2 * i], from->ty_key, to->ty_key, a, &r.u.items[2 * i], why);
            if (!rc)
                rc = eddy_cast_value(&in->u.items[2 * i + 1], from->ty_elem, to->ty_elem, a, &r.u.items[2 * i + 1], why);
            if (rc) return rc;
        }
        *out = r;
        return 0;
    }
    case EDDY_TYPE_STRUCT: {
        if (f != EDDY_TYPE_STRUCT) break;
        eddy_value r = eddy_value_container(a, EDDY_V_STRUCT, (uint32_t)to->ty_nfields);
        if (to->ty_nfields && r.v_kind == EDDY_V_NULL) return EDDY_NOMEM;
        for (int i = 0; i < to->ty_nfields; i++) {
            for (int j = 0; j < from->ty_nfields && (uint32_t)j < in->v_len; j++) {
                if (strcmp(to->ty_fields[i].name, from->ty_fields[j].name)) continue;
                int rc = eddy_cast_value(&in->u.items[j], from->ty_fields[j].type, to->ty_fields[i].type, a,
                                         &r.u.items[i], why);
                if (rc) return rc;
                break;
            }
        }
        *out = r;
        return 0;
    }
    default: break;
    }
    *why = "Unsupported cast";
    return EDDY_UNSUPPORTED;
}
