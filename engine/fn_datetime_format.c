/* fn_datetime_format.c - java.time.format.DateTimeFormatter patterns: compile, parse, format.
 *
 * A pattern ("yyyy-MM-dd'T'HH:mm:ss.SSSX") compiles into tokens: literals,
 * fields (a pattern letter and its count, with Java's widths and sign
 * styles) and optional sections ([...]).  Parsing follows DateTimeFormatter's
 * strict parse with the SMART resolver, including adjacent value parsing
 * ("yyyyMMdd": a variable-width field leaves the digits of the fixed-width
 * fields that follow it); formatting follows its printers, in Locale.ROOT /
 * English text.  ksqlDB's StringToTimestampParser semantics (missing fields
 * default to 1970-01-01T00:00, the text's zone wins over the given one) are
 * in eddy_dtpattern_parse.
 *
 * Supported letters: G u y M L Q q d D E a h K k H m s S A n N V z O X x Z
 * and quoting ('text', ''), optional sections.  Week-based letters (Y w W e
 * c F) and padding (p) are refused with an error.
 */
#include "engine/fn_impl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Tokens                                                                   */

enum { TK_LIT, TK_FIELD, TK_OPT_BEGIN, TK_OPT_END };
enum { FT_NUM, FT_REDUCED, FT_FRACTION, FT_TEXT, FT_OFFSET, FT_ZONE_ID, FT_ZONE_TEXT, FT_LOCALIZED_OFFSET };
enum { SG_NORMAL, SG_EXCEEDS, SG_NOT_NEG };

/* Fields, as java.time.temporal.ChronoField. */
enum {
    F_ERA,
    F_YEAR,      /* u: proleptic year */
    F_YOE,       /* y: year of era */
    F_MONTH,
    F_DOM,
    F_DOY,
    F_DOW,       /* 1 = Monday */
    F_QUARTER,
    F_AMPM,
    F_HOUR,      /* H: 0-23 */
    F_CHOUR,     /* k: 1-24 */
    F_HOUR_AP,   /* K: 0-11 */
    F_CHOUR_AP,  /* h: 1-12 */
    F_MINUTE,
    F_SECOND,
    F_NANO,      /* S, n */
    F_MILLI_DAY, /* A */
    F_NANO_DAY,  /* N */
    F_NONE,
    F_COUNT = F_NONE
};

static const char *const k_field_names[F_COUNT] = {
    "Era",        "Year",         "YearOfEra",   "MonthOfYear",  "DayOfMonth",   "DayOfYear",
    "DayOfWeek",  "QuarterOfYear", "AmPmOfDay",   "HourOfDay",    "ClockHourOfDay", "HourOfAmPm",
    "ClockHourOfAmPm", "MinuteOfHour", "SecondOfMinute", "NanoOfSecond", "MilliOfDay", "NanoOfDay",
};

typedef struct dt_tok {
    uint8_t kind;
    char letter;
    uint8_t count;
    uint8_t ftype;
    uint8_t field;
    uint8_t minw, maxw;
    uint8_t sign;
    uint8_t reserve; /* digits of the adjacent fixed-width fields that follow */
    int match;       /* TK_OPT_BEGIN: index of its TK_OPT_END */
    size_t lit, litlen;
} dt_tok;

struct eddy_dtpattern {
    char *text;
    int n;
    dt_tok *toks;
    char *lits;
};

const char *eddy_dtpattern_text(const eddy_dtpattern *p) {
    return p->text;
}

void eddy_dtpattern_free(eddy_dtpattern *p) {
    if (!p) return;
    free(p->text);
    free(p->toks);
    free(p->lits);
    free(p);
}

static bool is_letter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static void set_num(dt_tok *t, int minw, int maxw, int sign) {
    t->ftype = FT_NUM;
    t->minw = (uint8_t)minw;
    t->maxw = (uint8_t)maxw;
    t->sign = (uint8_t)sign;
}

/* Fills in the field token for `count` letters c, as DateTimeFormatterBuilder.parseField. */
static int field_token(dt_tok *t, char c, int count, eddy_err *err) {
    t->kind = TK_FIELD;
    t->letter = c;
    t->count = (uint8_t)count;
    t->field = F_NONE;
    switch (c) {
    case 'G':
        if (count > 5) goto too_many;
        t->field = F_ERA;
        t->ftype = FT_TEXT;
        return 0;
    case 'u':
    case 'y':
        if (count > 19) goto too_many;
        t->field = c == 'u' ? F_YEAR : F_YOE;
        if (count == 2) {
            t->ftype = FT_REDUCED;
            t->minw = t->maxw = 2;
            t->sign = SG_NOT_NEG;
        } else if (count < 4) {
            set_num(t, count, 19, SG_NORMAL);
        } else {
            set_num(t, count, 19, SG_EXCEEDS);
        }
        return 0;
    case 'M':
    case 'L':
    case 'Q':
    case 'q':
        if (count > 5) goto too_many;
        t->field = (c == 'M' || c == 'L') ? F_MONTH : F_QUARTER;
        if (count == 1) set_num(t, 1, 19, SG_NORMAL);
        else if (count == 2) set_num(t, 2, 2, SG_NOT_NEG);
        else t->ftype = FT_TEXT;
        return 0;
    case 'E':
        if (count > 5) goto too_many;
        t->field = F_DOW;
        t->ftype = FT_TEXT;
        return 0;
    case 'a':
        if (count > 1) goto too_many;
        t->field = F_AMPM;
        t->ftype = FT_TEXT;
        return 0;
    case 'd':
    case 'h':
    case 'H':
    case 'k':
    case 'K':
    case 'm':
    case 's':
        if (count > 2) goto too_many;
        t->field = c == 'd' ? F_DOM : c == 'h' ? F_CHOUR_AP : c == 'H' ? F_HOUR : c == 'k' ? F_CHOUR
                   : c == 'K' ? F_HOUR_AP : c == 'm' ? F_MINUTE : F_SECOND;
        if (count == 1) set_num(t, 1, 19, SG_NORMAL);
        else set_num(t, 2, 2, SG_NOT_NEG);
        return 0;
    case 'D':
        if (count > 3) goto too_many;
        t->field = F_DOY;
        if (count == 1) set_num(t, 1, 19, SG_NORMAL);
        else set_num(t, count, 3, SG_NOT_NEG);
        return 0;
    case 'S':
        if (count > 9) goto too_many;
        t->field = F_NANO;
        t->ftype = FT_FRACTION;
        t->minw = t->maxw = (uint8_t)count;
        t->sign = SG_NOT_NEG;
        return 0;
    case 'A':
    case 'n':
    case 'N':
        if (count > 19) goto too_many;
        t->field = c == 'A' ? F_MILLI_DAY : c == 'n' ? F_NANO : F_NANO_DAY;
        if (count == 1) set_num(t, 1, 19, SG_NORMAL);
        else set_num(t, count, count, SG_NOT_NEG);
        return 0;
    case 'V':
        if (count != 2) return eddy_err_set(err, EDDY_INVAL, "Pattern letter count must be 2: V");
        t->ftype = FT_ZONE_ID;
        return 0;
    case 'z':
        if (count > 4) goto too_many;
        t->ftype = FT_ZONE_TEXT;
        return 0;
    case 'O':
        if (count != 1 && count != 4) return eddy_err_set(err, EDDY_INVAL, "Pattern letter count must be 1 or 4: O");
        t->ftype = FT_LOCALIZED_OFFSET;
        return 0;
    case 'X':
    case 'x':
        if (count > 5) goto too_many;
        t->ftype = FT_OFFSET;
        return 0;
    case 'Z':
        if (count > 5) goto too_many;
        t->ftype = count == 4 ? FT_LOCALIZED_OFFSET : FT_OFFSET;
        return 0;
    case 'Y':
    case 'w':
    case 'W':
    case 'e':
    case 'c':
    case 'F':
    case 'g':
    case 'B':
    case 'v':
    case 'p':
        return eddy_err_set(err, EDDY_UNSUPPORTED, "Pattern letter '%c' is not supported", c);
    default: return eddy_err_set(err, EDDY_INVAL, "Unknown pattern letter: %c", c);
    }
too_many:
    return eddy_err_set(err, EDDY_INVAL, "Too many pattern letters: %c", c);
}

static bool fixed_adjacent(const dt_tok *t) {
    return (t->ftype == FT_NUM || t->ftype == FT_REDUCED || t->ftype == FT_FRACTION) && t->minw == t->maxw &&
           t->sign == SG_NOT_NEG;
}

int eddy_dtpattern_compile(const char *pattern, eddy_dtpattern **out, eddy_err *err) {
    *out = NULL;
    if (!pattern) return eddy_err_set(err, EDDY_INVAL, "pattern is NULL");
    size_t n = strlen(pattern);
    eddy_dtpattern *p = calloc(1, sizeof *p);
    if (!p) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    p->text = strdup(pattern);
    p->toks = calloc(2 * n + 2, sizeof *p->toks); /* an unclosed [ adds a closing token */
    p->lits = malloc(n + 1);
    int stack[64], depth = 0, rc = 0;
    size_t nlit = 0;
    if (!p->text || !p->toks || !p->lits) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n;) {
        char c = pattern[i];
        if (is_letter(c)) {
            size_t j = i;
            while (j < n && pattern[j] == c) j++;
            rc = field_token(&p->toks[p->n], c, (int)(j - i), err);
            if (rc) goto fail;
            p->n++;
            i = j;
        } else if (c == '\'') {
            /* quoted literal; '' inside or outside quotes is a quote */
            size_t j = i + 1;
            size_t start = nlit;
            if (j < n && pattern[j] == '\'') {
                p->lits[nlit++] = '\'';
                i = j + 1;
            } else {
                for (;;) {
                    if (j >= n) {
                        rc = eddy_err_set(err, EDDY_INVAL, "Pattern ends with an incomplete string literal: %s",
                                          pattern);
                        goto fail;
                    }
                    if (pattern[j] == '\'') {
                        if (j + 1 < n && pattern[j + 1] == '\'') {
                            p->lits[nlit++] = '\'';
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    p->lits[nlit++] = pattern[j++];
                }
                i = j + 1;
            }
            dt_tok *prev = p->n ? &p->toks[p->n - 1] : NULL;
            if (prev && prev->kind == TK_LIT && prev->lit + prev->litlen == start) {
                prev->litlen += nlit - start;
            } else {
                p->toks[p->n] = (dt_tok){.kind = TK_LIT, .lit = start, .litlen = nlit - start};
                p->n++;
            }
        } else if (c == '[') {
            if (depth == 64) {
                rc = eddy_err_set(err, EDDY_INVAL, "Pattern nests optional sections too deeply");
                goto fail;
            }
            stack[depth++] = p->n;
            p->toks[p->n++] = (dt_tok){.kind = TK_OPT_BEGIN};
            i++;
        } else if (c == ']') {
            if (depth == 0) {
                rc = eddy_err_set(err, EDDY_INVAL, "Pattern invalid as it contains ] without previous [");
                goto fail;
            }
            p->toks[stack[--depth]].match = p->n;
            p->toks[p->n++] = (dt_tok){.kind = TK_OPT_END};
            i++;
        } else if (c == '{' || c == '}' || c == '#') {
            rc = eddy_err_set(err, EDDY_INVAL, "Pattern includes reserved character: '%c'", c);
            goto fail;
        } else {
            size_t start = nlit;
            p->lits[nlit++] = c;
            i++;
            dt_tok *prev = p->n ? &p->toks[p->n - 1] : NULL;
            if (prev && prev->kind == TK_LIT && prev->lit + prev->litlen == start) {
                prev->litlen++;
            } else {
                p->toks[p->n] = (dt_tok){.kind = TK_LIT, .lit = start, .litlen = 1};
                p->n++;
            }
        }
    }
    while (depth > 0) { /* an unclosed [ runs to the end, as Java's optionalEnd at toFormatter */
        p->toks[stack[--depth]].match = p->n;
        p->toks[p->n++] = (dt_tok){.kind = TK_OPT_END};
    }
    /* adjacent value parsing: fixed-width numbers right after a number
     * reserve their digits in the first one */
    int base = -1;
    for (int i = 0; i < p->n; i++) {
        dt_tok *t = &p->toks[i];
        bool numeric = t->kind == TK_FIELD && (t->ftype == FT_NUM || t->ftype == FT_REDUCED || t->ftype == FT_FRACTION);
        if (!numeric) {
            base = -1;
            continue;
        }
        if (base >= 0 && fixed_adjacent(t) && p->toks[base].reserve + t->maxw <= 200) {
            p->toks[base].reserve = (uint8_t)(p->toks[base].reserve + t->maxw);
        } else {
            base = i;
        }
    }
    *out = p;
    return 0;
fail:
    eddy_dtpattern_free(p);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Text                                                                     */

static const char *const k_month_short[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const k_month_full[] = {"January", "February", "March",     "April",   "May",      "June",
                                           "July",    "August",   "September", "October", "November", "December"};
static const char *const k_month_narrow[] = {"J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"};
static const char *const k_dow_short[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const k_dow_full[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
static const char *const k_dow_narrow[] = {"M", "T", "W", "T", "F", "S", "S"};
static const char *const k_ampm[] = {"AM", "PM"};
static const char *const k_era_short[] = {"BC", "AD"};
static const char *const k_era_full[] = {"Before Christ", "Anno Domini"};
static const char *const k_era_narrow[] = {"B", "A"};
static const char *const k_quarter_short[] = {"Q1", "Q2", "Q3", "Q4"};
static const char *const k_quarter_full[] = {"1st quarter", "2nd quarter", "3rd quarter", "4th quarter"};
static const char *const k_quarter_narrow[] = {"1", "2", "3", "4"};

/* The names of a text field for a count, the number of names, and the
 * value of the first. */
static const char *const *text_names(const dt_tok *t, int *n, int *first) {
    int style = t->count <= 3 ? 0 : t->count == 4 ? 1 : 2;
    switch (t->field) {
    case F_MONTH:
        *n = 12, *first = 1;
        return style == 0 ? k_month_short : style == 1 ? k_month_full : k_month_narrow;
    case F_DOW:
        *n = 7, *first = 1;
        return style == 0 ? k_dow_short : style == 1 ? k_dow_full : k_dow_narrow;
    case F_AMPM: *n = 2, *first = 0; return k_ampm;
    case F_ERA:
        *n = 2, *first = 0;
        return style == 0 ? k_era_short : style == 1 ? k_era_full : k_era_narrow;
    case F_QUARTER:
        *n = 4, *first = 1;
        return style == 0 ? k_quarter_short : style == 1 ? k_quarter_full : k_quarter_narrow;
    default: *n = 0, *first = 0; return NULL;
    }
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */

typedef struct dt_parsed {
    bool has[F_COUNT];
    int64_t v[F_COUNT];
    const fn_zone *zone;
} dt_parsed;

typedef struct parse_ctx {
    const eddy_dtpattern *p;
    const char *s;
    size_t n;
    bool ci;
    eddy_err *err;
    size_t err_pos;
} parse_ctx;

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/* Records a field value; a second, different value is a conflict. */
static bool put_field(dt_parsed *d, int f, int64_t v) {
    if (d->has[f] && d->v[f] != v) return false;
    d->has[f] = true;
    d->v[f] = v;
    return true;
}

static bool lit_match(parse_ctx *c, size_t pos, const char *lit, size_t len) {
    if (pos + len > c->n) return false;
    if (!c->ci) return memcmp(c->s + pos, lit, len) == 0;
    for (size_t i = 0; i < len; i++) {
        char a = c->s[pos + i], b = lit[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a + 32);
        if (b >= 'A' && b <= 'Z') b = (char)(b + 32);
        if (a != b) return false;
    }
    return true;
}

/* Parses hh, hh:mm, ... after a sign for an offset; returns the new position or (size_t)-1. */
static size_t parse_offset_body(parse_ctx *c, size_t pos, int style, bool colon, int32_t *secs) {
    /* style: 0 = +HH, 1 = +HHmm, 2 = +HHMM, 3 = +HHMMss, 4 = +HHMMSS */
    const char *s = c->s;
    size_t n = c->n;
    if (pos + 2 > n || !is_digit(s[pos]) || !is_digit(s[pos + 1])) return (size_t)-1;
    int h = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
    pos += 2;
    int m = 0, sec = 0;
    if (style >= 1) {
        size_t q = pos + (colon ? 1 : 0);
        bool has = q + 2 <= n && (!colon || s[pos] == ':') && is_digit(s[q]) && is_digit(s[q + 1]);
        if (has) {
            m = (s[q] - '0') * 10 + (s[q + 1] - '0');
            pos = q + 2;
        } else if (style >= 2) {
            return (size_t)-1;
        }
        if (has && style >= 3) {
            q = pos + (colon ? 1 : 0);
            bool hs = q + 2 <= n && (!colon || s[pos] == ':') && is_digit(s[q]) && is_digit(s[q + 1]);
            if (hs) {
                sec = (s[q] - '0') * 10 + (s[q + 1] - '0');
                pos = q + 2;
            } else if (style >= 4) {
                return (size_t)-1;
            }
        }
    }
    if (h > 18 || m > 59 || sec > 59) return (size_t)-1;
    *secs = h * 3600 + m * 60 + sec;
    return pos;
}

/* Offset style of a token: 0-4 as above, the colon flag and the text for zero. */
static void offset_style(const dt_tok *t, int *style, bool *colon, const char **zero) {
    static const int styles[5] = {1, 2, 2, 3, 3};
    static const bool colons[5] = {false, false, true, false, true};
    int k = t->count - 1;
    if (t->letter == 'Z') {
        if (t->count <= 3) {
            *style = 2, *colon = false, *zero = "+0000";
        } else { /* ZZZZZ */
            *style = 3, *colon = true, *zero = "Z";
        }
        return;
    }
    *style = styles[k];
    *colon = colons[k];
    if (t->letter == 'X') *zero = "Z";
    else {
        static const char *const zeros[5] = {"+00", "+0000", "+00:00", "+0000", "+00:00"};
        *zero = zeros[k];
    }
}

static const fn_zone *offset_zone(int32_t secs) {
    if (secs == 0) return fn_zone_utc();
    char id[16];
    int32_t a = secs < 0 ? -secs : secs;
    if (a % 60) snprintf(id, sizeof id, "%c%02d:%02d:%02d", secs < 0 ? '-' : '+', a / 3600, a / 60 % 60, a % 60);
    else snprintf(id, sizeof id, "%c%02d:%02d", secs < 0 ? '-' : '+', a / 3600, a / 60 % 60);
    return fn_zone_get(id, strlen(id), NULL);
}

static bool zone_char(char ch) {
    return is_letter(ch) || is_digit(ch) || ch == '/' || ch == '_' || ch == '-' || ch == '+' || ch == '~' ||
           ch == '.' || ch == ':';
}

/* Parses one field token at pos; returns the new position or (size_t)-1. */
static size_t parse_field(parse_ctx *c, const dt_tok *t, size_t pos, dt_parsed *d) {
    const char *s = c->s;
    size_t n = c->n;
    switch (t->ftype) {
    case FT_NUM:
    case FT_REDUCED:
    case FT_FRACTION: {
        bool neg = false, signed_ = false;
        size_t q = pos;
        if (q < n && (s[q] == '-' || s[q] == '+') && t->ftype == FT_NUM && t->sign != SG_NOT_NEG) {
            if (s[q] == '+' && t->sign == SG_NORMAL) return (size_t)-1;
            neg = s[q] == '-';
            signed_ = true;
            q++;
        }
        size_t avail = 0;
        size_t limit = (size_t)t->maxw + t->reserve;
        while (q + avail < n && avail < limit && is_digit(s[q + avail])) avail++;
        size_t take = avail > t->reserve ? avail - t->reserve : 0;
        if (take > t->maxw) take = t->maxw;
        if (take < t->minw || take == 0) return (size_t)-1;
        if (t->ftype == FT_NUM && t->sign == SG_EXCEEDS) {
            if (!signed_ && take > t->minw) return (size_t)-1;
            if (signed_ && !neg && take <= t->minw) return (size_t)-1;
        }
        if (take > 18) return (size_t)-1;
        int64_t v = 0;
        for (size_t i = 0; i < take; i++) v = v * 10 + (s[q + i] - '0');
        if (neg) v = -v;
        if (t->ftype == FT_REDUCED) v += 2000;
        if (t->ftype == FT_FRACTION)
            for (int i = (int)take; i < 9; i++) v *= 10;
        if (!put_field(d, t->field, v)) return (size_t)-1;
        return q + take;
    }
    case FT_TEXT: {
        int cnt, first;
        const char *const *names = text_names(t, &cnt, &first);
        size_t best = 0;
        int bestv = -1;
        for (int i = 0; i < cnt; i++) {
            size_t len = strlen(names[i]);
            if (len > best && lit_match(c, pos, names[i], len)) {
                best = len;
                bestv = i + first;
            }
        }
        if (bestv < 0 || !put_field(d, t->field, bestv)) return (size_t)-1;
        return pos + best;
    }
    case FT_OFFSET: {
        int style;
        bool colon;
        const char *zero;
        offset_style(t, &style, &colon, &zero);
        size_t zl = strlen(zero);
        if (pos + zl <= n && memcmp(s + pos, zero, zl) == 0) {
            /* the zero text, unless a longer offset follows (e.g. "+00" before "+0030") */
            int32_t secs;
            size_t e = (s[pos] == '+' || s[pos] == '-') ? parse_offset_body(c, pos + 1, style, colon, &secs)
                                                         : (size_t)-1;
            if (e == (size_t)-1 || e <= pos + zl) {
                if (d->zone && fn_zone_offset_at(d->zone, 0, NULL) != 0 && fn_zone_is_offset(d->zone))
                    return (size_t)-1;
                if (!d->zone) d->zone = fn_zone_utc();
                return pos + zl;
            }
        }
        if (pos >= n || (s[pos] != '+' && s[pos] != '-')) return (size_t)-1;
        int sign = s[pos] == '-' ? -1 : 1;
        int32_t secs;
        size_t e = parse_offset_body(c, pos + 1, style, colon, &secs);
        if (e == (size_t)-1) return (size_t)-1;
        const fn_zone *z = offset_zone(sign * secs);
        if (!z) return (size_t)-1;
        if (!d->zone) d->zone = z;
        return e;
    }
    case FT_LOCALIZED_OFFSET: {
        if (!lit_match(c, pos, "GMT", 3)) return (size_t)-1;
        pos += 3;
        if (pos >= n || (s[pos] != '+' && s[pos] != '-')) {
            if (!d->zone) d->zone = fn_zone_utc();
            return pos;
        }
        int sign = s[pos] == '-' ? -1 : 1;
        pos++;
        int h = 0, m = 0, sec = 0;
        size_t q = pos;
        while (q < n && q < pos + 2 && is_digit(s[q])) h = h * 10 + (s[q++] - '0');
        if (q == pos) return (size_t)-1;
        if (t->count == 4 && q - pos != 2) return (size_t)-1;
        if (q + 2 < n && s[q] == ':' && is_digit(s[q + 1]) && is_digit(s[q + 2])) {
            m = (s[q + 1] - '0') * 10 + (s[q + 2] - '0');
            q += 3;
            if (q + 2 < n && s[q] == ':' && is_digit(s[q + 1]) && is_digit(s[q + 2])) {
                sec = (s[q + 1] - '0') * 10 + (s[q + 2] - '0');
                q += 3;
            }
        } else if (t->count == 4) {
            return (size_t)-1;
        }
        if (h > 18 || m > 59 || sec > 59) return (size_t)-1;
        const fn_zone *z = offset_zone(sign * (h * 3600 + m * 60 + sec));
        if (!z) return (size_t)-1;
        if (!d->zone) d->zone = z;
        return q;
    }
    case FT_ZONE_ID:
    case FT_ZONE_TEXT: {
        size_t q = pos;
        while (q < n && zone_char(s[q])) q++;
        /* the longest prefix that names a zone */
        for (size_t e = q; e > pos; e--) {
            eddy_err ignore;
            const fn_zone *z = fn_zone_get(s + pos, e - pos, &ignore);
            if (z) {
                d->zone = z;
                return e;
            }
        }
        return (size_t)-1;
    }
    default: return (size_t)-1;
    }
}

/* Parses tokens [from, to) at *pos.  False when the text does not match. */
static bool parse_seq(parse_ctx *c, int from, int to, size_t *pos, dt_parsed *d) {
    const eddy_dtpattern *p = c->p;
    for (int i = from; i < to; i++) {
        const dt_tok *t = &p->toks[i];
        switch (t->kind) {
        case TK_LIT:
            if (!lit_match(c, *pos, p->lits + t->lit, t->litlen)) {
                c->err_pos = *pos;
                return false;
            }
            *pos += t->litlen;
            break;
        case TK_FIELD: {
            size_t e = parse_field(c, t, *pos, d);
            if (e == (size_t)-1) {
                c->err_pos = *pos;
                return false;
            }
            *pos = e;
            break;
        }
        case TK_OPT_BEGIN: {
            dt_parsed save = *d;
            size_t at = *pos;
            if (!parse_seq(c, i + 1, t->match, &at, d)) *d = save;
            else *pos = at;
            i = t->match;
            break;
        }
        default: break;
        }
    }
    return true;
}

static int range_err(eddy_err *err, const char *text, size_t len, int f, int64_t v, int64_t lo, int64_t hi) {
    return eddy_err_set(err, EDDY_INVAL, "Text '%.*s' could not be parsed: Invalid value for %s (valid values %lld - %lld): %lld",
                        (int)(len > 200 ? 200 : len), text, k_field_names[f], (long long)lo, (long long)hi,
                        (long long)v);
}

static int check_range(const dt_parsed *d, int f, int64_t lo, int64_t hi, const char *text, size_t len,
                       eddy_err *err) {
    if (d->has[f] && (d->v[f] < lo || d->v[f] > hi)) return range_err(err, text, len, f, d->v[f], lo, hi);
    return 0;
}

int fn_dt_parse(const eddy_dtpattern *p, const char *text, size_t len, bool case_insensitive, fn_dt_local *out,
                eddy_err *err) {
    memset(out, 0, sizeof *out);
    parse_ctx c = {.p = p, .s = text, .n = len, .ci = case_insensitive, .err = err};
    dt_parsed d;
    memset(&d, 0, sizeof d);
    size_t pos = 0;
    int shown = (int)(len > 200 ? 200 : len);
    if (!parse_seq(&c, 0, p->n, &pos, &d))
        return eddy_err_set(err, EDDY_INVAL, "Text '%.*s' could not be parsed at index %zu", shown, text, c.err_pos);
    if (pos != len)
        return eddy_err_set(err, EDDY_INVAL, "Text '%.*s' could not be parsed, unparsed text found at index %zu", shown,
                            text, pos);
    int rc;
    static const int64_t ranges[F_COUNT][2] = {
        [F_ERA] = {0, 1},          [F_YEAR] = {-999999999, 999999999}, [F_YOE] = {1, 1000000000},
        [F_MONTH] = {1, 12},       [F_DOM] = {1, 31},                  [F_DOY] = {1, 366},
        [F_DOW] = {1, 7},          [F_QUARTER] = {1, 4},               [F_AMPM] = {0, 1},
        [F_HOUR] = {0, 24},        [F_CHOUR] = {0, 24},                [F_HOUR_AP] = {0, 11},
        [F_CHOUR_AP] = {1, 12},    [F_MINUTE] = {0, 59},               [F_SECOND] = {0, 59},
        [F_NANO] = {0, 999999999}, [F_MILLI_DAY] = {0, 86399999},      [F_NANO_DAY] = {0, 86399999999999LL},
    };
    for (int f = 0; f < F_COUNT; f++)
        if ((rc = check_range(&d, f, ranges[f][0], ranges[f][1], text, len, err))) return rc;

    /* ---- date ---- */
    bool date_field = false;
    for (int f = F_ERA; f <= F_QUARTER; f++) date_field |= d.has[f];
    out->has_date = date_field;
    int64_t year = 1970;
    bool has_year = false;
    if (d.has[F_YOE]) {
        int64_t era = d.has[F_ERA] ? d.v[F_ERA] : 1;
        year = era == 1 ? d.v[F_YOE] : 1 - d.v[F_YOE];
        has_year = true;
        if (d.has[F_YEAR] && d.v[F_YEAR] != year)
            return eddy_err_set(err, EDDY_INVAL, "Text '%.*s' could not be parsed: Conflict found: Year %lld differs from Year %lld",
                                shown, text, (long long)d.v[F_YEAR], (long long)year);
    } else if (d.has[F_YEAR]) {
        year = d.v[F_YEAR];
        has_year = true;
    }
    int64_t day;
    if (d.has[F_DOY] && !d.has[F_MONTH]) {
        if (d.v[F_DOY] == 366 && !fn_is_leap(year)) {
            if (!has_year)
                return eddy_err_set(err, EDDY_INVAL, "Leap day cannot be parsed without supplying the year field");
            return eddy_err_set(err, EDDY_INVAL,
                                "Text '%.*s' could not be parsed: Invalid date 'DayOfYear 366' as '%lld' is not a leap year",
                                shown, text, (long long)year);
        }
        day = fn_days_from_civil(year, 1, 1) + d.v[F_DOY] - 1;
        out->full_date = has_year;
    } else {
        int m = d.has[F_MONTH] ? (int)d.v[F_MONTH] : 1;
        int dom = d.has[F_DOM] ? (int)d.v[F_DOM] : 1;
        int ml = fn_month_length(year, m);
        if (dom > ml) dom = ml; /* SMART: the last valid day of the month */
        day = fn_days_from_civil(year, m, dom);
        out->full_date = has_year && d.has[F_MONTH] && d.has[F_DOM];
        if (d.has[F_DOY]) {
            int64_t doy = day - fn_days_from_civil(year, 1, 1) + 1;
            if (doy != d.v[F_DOY])
                return eddy_err_set(err, EDDY_INVAL, "Text '%.*s' could not be parsed: Conflict found: DayOfYear %lld differs from %lld",
                                    shown, text, (long long)d.v[F_DOY], (long long)doy);
        }
        if (d.has[F_QUARTER] && d.has[F_MONTH] && (m - 1) / 3 + 1 != d.v[F_QUARTER])
            return eddy_err_set(err, EDDY_INVAL, "Text '%.*s' could not be parsed: Conflict found: QuarterOfYear", shown,
                                text);
    }
    if (d.has[F_DOW] && out->full_date) {
        int64_t dow = ((day % 7 + 7 + 3) % 7) + 1;
        if (dow != d.v[F_DOW])
            return eddy_err_set(err, EDDY_INVAL,
                                "Text '%.*s' could not be parsed: Conflict found: Field DayOfWeek %lld differs from DayOfWeek %lld derived from the date",
                                shown, text, (long long)d.v[F_DOW], (long long)dow);
    }

    /* ---- time ---- */
    bool time_field = false;
    for (int f = F_AMPM; f <= F_NANO_DAY; f++) time_field |= d.has[f];
    out->has_time = time_field;
    int64_t hour = -1;
    if (d.has[F_HOUR]) hour = d.v[F_HOUR];
    if (d.has[F_CHOUR]) {
        int64_t h = d.v[F_CHOUR] == 24 ? 0 : d.v[F_CHOUR];
        if (hour >= 0 && hour != h && !(hour == 24 && h == 0))
            return eddy_err_set(err, EDDY_INVAL, "Text '%.*s' could not be parsed: Conflict found: HourOfDay", shown, text);
        if (hour < 0) hour = h;
    }
    if (d.has[F_CHOUR_AP] || d.has[F_HOUR_AP]) {
        int64_t hap = d.has[F_HOUR_AP] ? d.v[F_HOUR_AP] : (d.v[F_CHOUR_AP] == 12 ? 0 : d.v[F_CHOUR_AP]);
        int64_t h = (d.has[F_AMPM] ? d.v[F_AMPM] * 12 : 0) + hap;
        if (hour >= 0 && hour != h)
            return eddy_err_set(err, EDDY_INVAL, "Text '%.*s' could not be parsed: Conflict found: HourOfDay", shown, text);
        hour = h;
    } else if (d.has[F_AMPM] && hour >= 0 && hour != 24 && hour / 12 != d.v[F_AMPM]) {
        return eddy_err_set(err, EDDY_INVAL, "Text '%.*s' could not be parsed: Conflict found: AmPmOfDay", shown, text);
    }
    int64_t nod = 0;
    if (d.has[F_NANO_DAY]) {
        nod = d.v[F_NANO_DAY];
        out->has_hour = true;
    } else if (d.has[F_MILLI_DAY]) {
        nod = d.v[F_MILLI_DAY] * 1000000 + (d.has[F_NANO] ? d.v[F_NANO] % 1000000 : 0);
        out->has_hour = true;
    } else {
        int64_t mi = d.has[F_MINUTE] ? d.v[F_MINUTE] : 0;
        int64_t se = d.has[F_SECOND] ? d.v[F_SECOND] : 0;
        int64_t na = d.has[F_NANO] ? d.v[F_NANO] : 0;
        if (hour == 24) {
            if (mi || se || na)
                return range_err(err, text, len, F_HOUR, 24, 0, 23);
            hour = 0;
            day += 1; /* SMART: 24:00 is the end of the day */
        }
        if (hour < 0) hour = 0;
        else out->has_hour = true;
        nod = ((hour * 60 + mi) * 60 + se) * 1000000000LL + na;
    }
    out->epoch_day = day;
    out->nano_of_day = nod;
    out->zone = d.zone;
    return 0;
}

int eddy_dtpattern_parse(const eddy_dtpattern *p, const char *text, size_t len, const char *zone, int64_t *ms,
                         eddy_err *err) {
    fn_dt_local l;
    int rc = fn_dt_parse(p, text, len, false, &l, err);
    if (rc) return rc;
    const fn_zone *z = l.zone;
    if (!z) {
        z = zone ? fn_zone_get(zone, strlen(zone), err) : fn_zone_utc();
        if (!z) return EDDY_INVAL;
    }
    int64_t local, t;
    if (__builtin_mul_overflow(l.epoch_day, (int64_t)86400, &local) ||
        __builtin_add_overflow(local, l.nano_of_day / 1000000000, &local))
        goto range;
    int32_t off = fn_zone_offset_for_local(z, local);
    if (__builtin_sub_overflow(local, (int64_t)off, &t) || __builtin_mul_overflow(t, (int64_t)1000, &t) ||
        __builtin_add_overflow(t, (l.nano_of_day % 1000000000) / 1000000, &t))
        goto range;
    *ms = t;
    return 0;
range:
    return eddy_err_set(err, EDDY_INVAL, "Text '%.*s' is out of the range of a timestamp", (int)(len > 200 ? 200 : len),
                        text);
}

/* The convenience functions keep the last pattern each thread compiled, so
 * that a caller parsing record after record with one pattern compiles it
 * once. */
static pthread_key_t g_last_key;
static pthread_once_t g_last_once = PTHREAD_ONCE_INIT;

static void last_free(void *p) {
    eddy_dtpattern_free(p);
}

static void last_init(void) {
    (void)pthread_key_create(&g_last_key, last_free);
}

/* The compiled pattern (cached per thread): owned by the cache. */
static int pattern_for(const char *pattern, const eddy_dtpattern **out, eddy_err *err) {
    pthread_once(&g_last_once, last_init);
    eddy_dtpattern *p = pthread_getspecific(g_last_key);
    if (p && strcmp(p->text, pattern) == 0) {
        *out = p;
        return 0;
    }
    eddy_dtpattern *np;
    int rc = eddy_dtpattern_compile(pattern, &np, err);
    if (rc) return rc;
    if (pthread_setspecific(g_last_key, np) != 0) {
        eddy_dtpattern_free(np);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    eddy_dtpattern_free(p);
    *out = np;
    return 0;
}

int eddy_datetime_parse(const char *pattern, const char *text, size_t len, const char *zone, int64_t *ms,
                        eddy_err *err) {
    const eddy_dtpattern *p;
    int rc = pattern ? pattern_for(pattern, &p, err) : eddy_err_set(err, EDDY_INVAL, "pattern is NULL");
    if (rc) return rc;
    return eddy_dtpattern_parse(p, text, len, zone, ms, err);
}

/* ------------------------------------------------------------------------ */
/* Formatting                                                               */

typedef struct fmt_ctx {
    unsigned avail;
    int64_t year;
    int month, dom, doy, dow; /* dow 1 = Monday */
    int64_t nod;              /* nano of day */
    const fn_zone *zone;
    int32_t offset;
    const char *abbr;
} fmt_ctx;

static unsigned tok_needs(const dt_tok *t) {
    if (t->kind != TK_FIELD) return 0;
    switch (t->ftype) {
    case FT_OFFSET:
    case FT_LOCALIZED_OFFSET:
    case FT_ZONE_ID:
    case FT_ZONE_TEXT: return FN_DT_ZONE;
    default: break;
    }
    return t->field >= F_AMPM ? FN_DT_TIME : FN_DT_DATE;
}

static const char *tok_field_name(const dt_tok *t) {
    if (t->kind == TK_FIELD && t->field < F_COUNT) return k_field_names[t->field];
    if (t->ftype == FT_ZONE_ID || t->ftype == FT_ZONE_TEXT) return "ZoneId";
    return "OffsetSeconds";
}

static int64_t field_value(const fmt_ctx *f, int field) {
    int64_t h = f->nod / 3600000000000LL;
    switch (field) {
    case F_ERA: return f->year >= 1 ? 1 : 0;
    case F_YEAR: return f->year;
    case F_YOE: return f->year >= 1 ? f->year : 1 - f->year;
    case F_MONTH: return f->month;
    case F_DOM: return f->dom;
    case F_DOY: return f->doy;
    case F_DOW: return f->dow;
    case F_QUARTER: return (f->month - 1) / 3 + 1;
    case F_AMPM: return h >= 12;
    case F_HOUR: return h;
    case F_CHOUR: return h == 0 ? 24 : h;
    case F_HOUR_AP: return h % 12;
    case F_CHOUR_AP: return h % 12 == 0 ? 12 : h % 12;
    case F_MINUTE: return f->nod / 60000000000LL % 60;
    case F_SECOND: return f->nod / 1000000000 % 60;
    case F_NANO: return f->nod % 1000000000;
    case F_MILLI_DAY: return f->nod / 1000000;
    case F_NANO_DAY: return f->nod;
    default: return 0;
    }
}

static void put_padded(eddy_strbuf *out, uint64_t v, int width) {
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    for (int i = n; i < width; i++) eddy_strbuf_putc(out, '0');
    eddy_strbuf_append(out, buf, (size_t)n);
}

static void put_offset(eddy_strbuf *out, int32_t off, int style, bool colon) {
    int32_t a = off < 0 ? -off : off;
    int h = a / 3600, m = a / 60 % 60, s = a % 60;
    eddy_strbuf_printf(out, "%c%02d", off < 0 ? '-' : '+', h);
    /* +HHmm: minutes only when not zero; +HHMMss: seconds only when not zero */
    if (style == 1 && m == 0) return;
    eddy_strbuf_printf(out, colon ? ":%02d" : "%02d", m);
    if (style >= 3 && s != 0) eddy_strbuf_printf(out, colon ? ":%02d" : "%02d", s);
}

static int format_field(const dt_tok *t, const fmt_ctx *f, eddy_strbuf *out, eddy_err *err) {
    switch (t->ftype) {
    case FT_NUM: {
        int64_t v = field_value(f, t->field);
        uint64_t a = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
        char digits[32];
        int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)a);
        if (nd > t->maxw)
            return eddy_err_set(err, EDDY_INVAL,
                                "Field %s cannot be printed as the value %lld exceeds the maximum print width of %d",
                                k_field_names[t->field], (long long)v, t->maxw);
        if (v < 0) {
            if (t->sign == SG_NOT_NEG)
                return eddy_err_set(err, EDDY_INVAL, "Field %s cannot be printed as the value %lld cannot be negative",
                                    k_field_names[t->field], (long long)v);
            eddy_strbuf_putc(out, '-');
        } else if (t->sign == SG_EXCEEDS && nd > t->minw) {
            eddy_strbuf_putc(out, '+');
        }
        put_padded(out, a, t->minw);
        return 0;
    }
    case FT_REDUCED: {
        int64_t v = field_value(f, t->field);
        int64_t r = ((v % 100) + 100) % 100;
        put_padded(out, (uint64_t)r, 2);
        return 0;
    }
    case FT_FRACTION: {
        int64_t nano = field_value(f, F_NANO);
        int64_t div = 1;
        for (int i = t->count; i < 9; i++) div *= 10;
        put_padded(out, (uint64_t)(nano / div), t->count);
        return 0;
    }
    case FT_TEXT: {
        int cnt, first;
        const char *const *names = text_names(t, &cnt, &first);
        int64_t v = field_value(f, t->field) - first;
        if (v >= 0 && v < cnt) eddy_strbuf_puts(out, names[v]);
        return 0;
    }
    case FT_OFFSET: {
        int style;
        bool colon;
        const char *zero;
        offset_style(t, &style, &colon, &zero);
        if (f->offset == 0) eddy_strbuf_puts(out, zero);
        else put_offset(out, f->offset, style, colon);
        return 0;
    }
    case FT_LOCALIZED_OFFSET: {
        eddy_strbuf_puts(out, "GMT");
        if (f->offset == 0) return 0;
        int32_t a = f->offset < 0 ? -f->offset : f->offset;
        int h = a / 3600, m = a / 60 % 60, s = a % 60;
        char sign = f->offset < 0 ? '-' : '+';
        if (t->count == 4) {
            eddy_strbuf_printf(out, "%c%02d:%02d", sign, h, m);
            if (s) eddy_strbuf_printf(out, ":%02d", s);
        } else {
            eddy_strbuf_printf(out, "%c%d", sign, h);
            if (m || s) eddy_strbuf_printf(out, ":%02d", m);
            if (s) eddy_strbuf_printf(out, ":%02d", s);
        }
        return 0;
    }
    case FT_ZONE_ID: eddy_strbuf_puts(out, fn_zone_id(f->zone)); return 0;
    case FT_ZONE_TEXT: eddy_strbuf_puts(out, fn_zone_is_offset(f->zone) ? fn_zone_id(f->zone) : f->abbr); return 0;
    default: return 0;
    }
}

/* True when every field token in [from, to) is available. */
static bool section_available(const eddy_dtpattern *p, int from, int to, unsigned avail) {
    for (int i = from; i < to; i++)
        if ((tok_needs(&p->toks[i]) & ~avail) != 0) return false;
    return true;
}

static int format_seq(const eddy_dtpattern *p, int from, int to, const fmt_ctx *f, eddy_strbuf *out, eddy_err *err) {
    for (int i = from; i < to; i++) {
        const dt_tok *t = &p->toks[i];
        switch (t->kind) {
        case TK_LIT: eddy_strbuf_append(out, p->lits + t->lit, t->litlen); break;
        case TK_FIELD: {
            if ((tok_needs(t) & ~f->avail) != 0)
                return eddy_err_set(err, EDDY_INVAL, "Unsupported field: %s", tok_field_name(t));
            int rc = format_field(t, f, out, err);
            if (rc) return rc;
            break;
        }
        case TK_OPT_BEGIN:
            if (section_available(p, i + 1, t->match, f->avail)) {
                int rc = format_seq(p, i + 1, t->match, f, out, err);
                if (rc) return rc;
            }
            i = t->match;
            break;
        default: break;
        }
    }
    return 0;
}

int fn_dt_format(const eddy_dtpattern *p, unsigned avail, int64_t epoch_day, int64_t nano_of_day,
                 const fn_zone *zone, int32_t offset, eddy_strbuf *out, eddy_err *err) {
    fmt_ctx f = {.avail = avail, .nod = nano_of_day, .zone = zone ? zone : fn_zone_utc(), .offset = offset};
    fn_civil_from_days(epoch_day, &f.year, &f.month, &f.dom);
    f.doy = (int)(epoch_day - fn_days_from_civil(f.year, 1, 1) + 1);
    f.dow = (int)(((epoch_day % 7) + 7 + 3) % 7) + 1;
    f.abbr = fn_zone_id(f.zone);
    if (zone && !fn_zone_is_offset(zone)) {
        const char *abbr = NULL;
        int64_t local = epoch_day * 86400 + nano_of_day / 1000000000;
        (void)fn_zone_offset_at(zone, local - offset, &abbr);
        if (abbr && *abbr) f.abbr = abbr;
    }
    size_t mark = out->len;
    int rc = format_seq(p, 0, p->n, &f, out, err);
    if (rc) {
        out->len = mark;
        if (out->buf) out->buf[mark] = 0;
        return rc;
    }
    return out->failed ? eddy_err_set(err, EDDY_NOMEM, "out of memory") : 0;
}

int eddy_dtpattern_format(const eddy_dtpattern *p, int64_t ms, const char *zone, eddy_strbuf *out, eddy_err *err) {
    const fn_zone *z = zone ? fn_zone_get(zone, strlen(zone), err) : fn_zone_utc();
    if (!z) return EDDY_INVAL;
    int64_t secs = fn_floor_div(ms, 1000);
    int32_t off = fn_zone_offset_at(z, secs, NULL);
    int64_t local_ms = ms + (int64_t)off * 1000;
    int64_t day = fn_floor_div(local_ms, 86400000);
    int64_t nod = (local_ms - day * 86400000) * 1000000;
    return fn_dt_format(p, FN_DT_ALL, day, nod, z, off, out, err);
}

int eddy_datetime_format(const char *pattern, int64_t ms, const char *zone, eddy_strbuf *out, eddy_err *err) {
    const eddy_dtpattern *p;
    int rc = pattern ? pattern_for(pattern, &p, err) : eddy_err_set(err, EDDY_INVAL, "pattern is NULL");
    if (rc) return rc;
    return eddy_dtpattern_format(p, ms, zone, out, err);
}
