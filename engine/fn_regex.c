/* fn_regex.c - ksqlDB's regular expression functions (REGEXP_EXTRACT,
 * REGEXP_EXTRACT_ALL, REGEXP_REPLACE, REGEXP_SPLIT_TO_ARRAY) on POSIX regex.h.
 *
 * ksqlDB uses java.util.regex; eddy translates the Java syntax it can into
 * POSIX extended syntax for glibc's regcomp (run in the C.UTF-8 locale, so
 * '.' and classes see characters, not bytes):
 *   - \d \D \w \W \s \S become bracket expressions (\w and \s ASCII, as Java's);
 *     \b \B are kept (a glibc extension); \A becomes ^ and \z \Z $;
 *   - \t \n \r \f \a \e \0oo \xhh \x{h..} \uhhhh \cX and \Q...\E become literals;
 *   - (?:...) and (?<name>...) groups are kept, with Java's group numbers
 *     mapped onto POSIX's; (?i) makes the whole pattern case-insensitive;
 *     (?s) is accepted (POSIX '.' already matches a newline);
 *   - \p{Lower} \p{Upper} \p{Alpha} \p{Digit} \p{Alnum} \p{Punct} \p{Space}
 *     (and \P) become POSIX classes.
 * Refused with an error (the function returns NULL): lazy and possessive
 * quantifiers, look-around, atomic groups, (?m) (?x), class union and
 * intersection, named back-references.  Semantic differences that remain:
 * POSIX alternation picks the longest match where Java picks the first
 * alternative; Java's '.' does not match a line terminator and its $ also
 * matches before a final one.
 */
#include "engine/fn_impl.h"

#include <locale.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

typedef struct fn_regex {
    regex_t re;
    int java_groups; /* Java's groupCount() */
    int *gmap;       /* gmap[j]: the POSIX subexpression of Java group j */
    size_t nsub;     /* POSIX subexpressions */
} fn_regex;

static void regex_free(void *p) {
    fn_regex *r = p;
    if (!r) return;
    regfree(&r->re);
    free(r->gmap);
    free(r);
}

/* ------------------------------------------------------------------------ */
/* Java -> POSIX                                                            */

typedef struct xl {
    const char *p;
    size_t n, i;
    eddy_strbuf out;
    int java_groups, posix_groups;
    int *gmap;
    int gcap;
    bool icase;
    char err[160];
} xl;

static bool xl_fail(xl *x, const char *msg) {
    if (!x->err[0]) snprintf(x->err, sizeof x->err, "%s near index %zu", msg, x->i);
    return false;
}

static bool is_special(uint32_t c) {
    return c < 0x80 && c && strchr(".[]()*+?{}|^$\\", (int)c) != NULL;
}

static void put_literal(xl *x, uint32_t cp) {
    if (is_special(cp)) eddy_strbuf_putc(&x->out, '\\');
    fn_utf8_put(&x->out, cp);
}

static int hexd(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A literal-character escape at x->i (just past the backslash): \t \n ...;
 * *cp gets the character.  Returns 1, 0 when it is not one, -1 on error. */
static int char_escape(xl *x, uint32_t *cp) {
    const char *p = x->p;
    size_t n = x->n;
    char c = p[x->i];
    switch (c) {
    case 't': *cp = '\t'; x->i++; return 1;
    case 'n': *cp = '\n'; x->i++; return 1;
    case 'r': *cp = '\r'; x->i++; return 1;
    case 'f': *cp = '\f'; x->i++; return 1;
    case 'a': *cp = 7; x->i++; return 1;
    case 'e': *cp = 27; x->i++; return 1;
    case 'c':
        if (x->i + 1 >= n) return xl_fail(x, "Illegal control escape sequence") ? -1 : -1;
        *cp = (uint32_t)(p[x->i + 1] ^ 64);
        x->i += 2;
        return 1;
    case '0': {
        size_t j = x->i + 1;
        uint32_t v = 0;
        int d = 0;
        while (j < n && d < 3 && p[j] >= '0' && p[j] <= '7' && (d < 2 || v * 8 + (uint32_t)(p[j] - '0') <= 0377)) {
            v = v * 8 + (uint32_t)(p[j] - '0');
            j++, d++;
        }
        if (d == 0) return xl_fail(x, "Illegal octal escape sequence") ? -1 : -1;
        *cp = v;
        x->i = j;
        return 1;
    }
    case 'x': {
        size_t j = x->i + 1;
        uint32_t v = 0;
        if (j < n && p[j] == '{') {
            j++;
            int d = 0;
            while (j < n && hexd(p[j]) >= 0 && d < 8) v = v * 16 + (uint32_t)hexd(p[j++]), d++;
            if (j >= n || p[j] != '}' || d == 0 || v > 0x10FFFF)
                return xl_fail(x, "Illegal hexadecimal escape sequence") ? -1 : -1;
            j++;
        } else {
            if (j + 2 > n || hexd(p[j]) < 0 || hexd(p[j + 1]) < 0)
                return xl_fail(x, "Illegal hexadecimal escape sequence") ? -1 : -1;
            v = (uint32_t)(hexd(p[j]) * 16 + hexd(p[j + 1]));
            j += 2;
        }
        *cp = v;
        x->i = j;
        return 1;
    }
    case 'u': {
        size_t j = x->i + 1;
        if (j + 4 > n) return xl_fail(x, "Illegal Unicode escape sequence") ? -1 : -1;
        uint32_t v = 0;
        for (int d = 0; d < 4; d++) {
            int h = hexd(p[j + d]);
            if (h < 0) return xl_fail(x, "Illegal Unicode escape sequence") ? -1 : -1;
            v = v * 16 + (uint32_t)h;
        }
        j += 4;
        /* a surrogate pair written as two escapes */
        if (v >= 0xD800 && v <= 0xDBFF && j + 6 <= n && p[j] == '\\' && p[j + 1] == 'u') {
            uint32_t lo = 0;
            bool ok = true;
            for (int d = 0; d < 4 && ok; d++) {
                int h = hexd(p[j + 2 + d]);
                ok = h >= 0;
                lo = lo * 16 + (uint32_t)(h < 0 ? 0 : h);
            }
            if (ok && lo >= 0xDC00 && lo <= 0xDFFF) {
                v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                j += 6;
            }
        }
        *cp = v;
        x->i = j;
        return 1;
    }
    default: break;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
        size_t k = x->i;
        *cp = fn_utf8_next(p, n, &k); /* an escaped non-alphanumeric is itself */
        x->i = k;
        return 1;
    }
    return 0;
}

/* \p{Name}: the POSIX class for a Java property, or NULL. */
static const char *posix_property(const char *name, size_t len) {
    static const char *const map[][2] = {
        {"Lower", "[:lower:]"}, {"Upper", "[:upper:]"}, {"Alpha", "[:alpha:]"}, {"Digit", "[:digit:]"},
        {"Alnum", "[:alnum:]"}, {"Punct", "[:punct:]"}, {"Space", "[:space:]"}, {"Blank", "[:blank:]"},
        {"Cntrl", "[:cntrl:]"}, {"XDigit", "[:xdigit:]"}, {"Print", "[:print:]"}, {"Graph", "[:graph:]"},
        {"L", "[:alpha:]"},     {"IsAlphabetic", "[:alpha:]"}, {"Lu", "[:upper:]"}, {"Ll", "[:lower:]"},
        {"Nd", "[:digit:]"},    {"IsDigit", "[:digit:]"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i][0]) == len && memcmp(map[i][0], name, len) == 0) return map[i][1];
    return NULL;
}

/* Bracket expression items, emitted in an order POSIX reads correctly. */
typedef struct items {
    eddy_strbuf body;
    bool close, dash, caret, open;
} items;

static void items_char(items *it, uint32_t cp) {
    if (cp == ']') it->close = true;
    else if (cp == '-') it->dash = true;
    else if (cp == '^') it->caret = true;
    else if (cp == '[') it->open = true;
    else fn_utf8_put(&it->body, cp);
}

static bool items_range(xl *x, items *it, uint32_t lo, uint32_t hi) {
    if (lo > hi) return xl_fail(x, "Illegal character range");
    if (lo == ']' || lo == '-' || lo == '^' || lo == '[' || hi == ']' || hi == '-' || hi == '^' || hi == '[') {
        if (hi - lo > 64) return xl_fail(x, "Unsupported character range");
        for (uint32_t c = lo; c <= hi; c++) items_char(it, c);
        return true;
    }
    fn_utf8_put(&it->body, lo);
    eddy_strbuf_putc(&it->body, '-');
    fn_utf8_put(&it->body, hi);
    return true;
}

static void items_emit(eddy_strbuf *out, items *it, bool negate) {
    eddy_strbuf_putc(out, '[');
    if (negate) eddy_strbuf_putc(out, '^');
    if (it->close) eddy_strbuf_putc(out, ']');
    else if (it->caret && it->body.len == 0 && !it->open && !it->dash && !negate) {
        /* [^] alone would negate: a lone ^ goes in as a range */
        eddy_strbuf_puts(out, "^-^");
        it->caret = false;
    }
    eddy_strbuf_append(out, eddy_strbuf_cstr(&it->body), it->body.len);
    if (it->caret) eddy_strbuf_putc(out, '^');
    if (it->open) eddy_strbuf_putc(out, '[');
    if (it->dash) eddy_strbuf_putc(out, '-');
    eddy_strbuf_putc(out, ']');
}

/* A Java character class at x->i (just past '['). */
static bool xl_class(xl *x) {
    const char *p = x->p;
    size_t n = x->n;
    bool negate = false;
    if (x->i < n && p[x->i] == '^') {
        negate = true;
        x->i++;
    }
    items it = {EDDY_STRBUF_INIT, false, false, false, false};
    bool ok = false, any = false;
    while (x->i < n) {
        char c = p[x->i];
        if (c == ']' && any) {
            x->i++;
            ok = true;
            break;
        }
        if (c == '[') {
            xl_fail(x, "Nested character classes are not supported");
            goto done;
        }
        if (c == '&' && x->i + 1 < n && p[x->i + 1] == '&') {
            xl_fail(x, "Character class intersection is not supported");
            goto done;
        }
        uint32_t cp;
        bool single = true;
        if (c == '\\') {
            x->i++;
            if (x->i >= n) {
                xl_fail(x, "Unexpected internal error");
                goto done;
            }
            char e = p[x->i];
            if (e == 'd') eddy_strbuf_puts(&it.body, "0-9"), single = false, x->i++;
            else if (e == 'w') eddy_strbuf_puts(&it.body, "A-Za-z0-9_"), single = false, x->i++;
            else if (e == 's') eddy_strbuf_puts(&it.body, " \t\n\v\f\r"), single = false, x->i++;
            else if (e == 'p' && x->i + 1 < n && p[x->i + 1] == '{') {
                const char *end = memchr(p + x->i + 2, '}', n - x->i - 2);
                const char *cls = end ? posix_property(p + x->i + 2, (size_t)(end - p - x->i - 2)) : NULL;
                if (!cls) {
                    xl_fail(x, "Unsupported character property");
                    goto done;
                }
                eddy_strbuf_puts(&it.body, cls);
                x->i = (size_t)(end - p) + 1;
                single = false;
            } else if (e == 'Q') {
                x->i++;
                const char *end = NULL;
                for (size_t k = x->i; k + 1 < n; k++)
                    if (p[k] == '\\' && p[k + 1] == 'E') {
                        end = p + k;
                        break;
                    }
                size_t stop = end ? (size_t)(end - p) : n;
                while (x->i < stop) items_char(&it, fn_utf8_next(p, stop, &x->i));
                x->i = end ? stop + 2 : n;
                any = true;
                continue;
            } else {
                int r = char_escape(x, &cp);
                if (r <= 0) {
                    if (r == 0) xl_fail(x, "Unsupported escape sequence in a character class");
                    goto done;
                }
            }
        } else {
            cp = fn_utf8_next(p, n, &x->i);
        }
        any = true;
        if (!single) continue;
        /* a range? */
        if (x->i + 1 < n && p[x->i] == '-' && p[x->i + 1] != ']') {
            x->i++;
            uint32_t hi;
            if (p[x->i] == '\\') {
                x->i++;
                int r = x->i < n ? char_escape(x, &hi) : 0;
                if (r <= 0) {
                    if (r == 0) xl_fail(x, "Illegal character range");
                    goto done;
                }
            } else if (p[x->i] == '[') {
                xl_fail(x, "Illegal character range");
                goto done;
            } else {
                hi = fn_utf8_next(p, n, &x->i);
            }
            if (!items_range(x, &it, cp, hi)) goto done;
            continue;
        }
        items_char(&it, cp);
    }
    if (!ok) {
        xl_fail(x, "Unclosed character class");
        goto done;
    }
    items_emit(&x->out, &it, negate);
done:
    eddy_strbuf_fini(&it.body);
    return ok && !x->err[0];
}

static bool add_java_group(xl *x) {
    if (x->java_groups + 2 > x->gcap) {
        int cap = x->gcap ? x->gcap * 2 : 16;
        int *g = realloc(x->gmap, (size_t)cap * sizeof *g);
        if (!g) return xl_fail(x, "out of memory");
        x->gmap = g;
        x->gcap = cap;
    }
    x->gmap[++x->java_groups] = ++x->posix_groups;
    return true;
}

static bool xl_quantifier_tail(xl *x) {
    if (x->i < x->n && (x->p[x->i] == '?' || x->p[x->i] == '+'))
        return xl_fail(x, x->p[x->i] == '?' ? "Lazy quantifiers are not supported" : "Possessive quantifiers are not supported");
    return true;
}

static bool translate(xl *x) {
    const char *p = x->p;
    size_t n = x->n;
    if (!add_java_group(x)) return false; /* slot 0 */
    x->java_groups = 0;
    x->posix_groups = 0;
    x->gmap[0] = 0;
    while (x->i < n) {
        char c = p[x->i];
        switch (c) {
        case '\\': {
            x->i++;
            if (x->i >= n) return xl_fail(x, "Unexpected internal error");
            char e = p[x->i];
            const char *rep = NULL;
            switch (e) {
            case 'd': rep = "[0-9]"; break;
            case 'D': rep = "[^0-9]"; break;
            case 'w': rep = "[A-Za-z0-9_]"; break;
            case 'W': rep = "[^A-Za-z0-9_]"; break;
            case 's': rep = "[ \t\n\v\f\r]"; break;
            case 'S': rep = "[^ \t\n\v\f\r]"; break;
            case 'b': rep = "\\b"; break;
            case 'B': rep = "\\B"; break;
            case 'A': rep = "^"; break;
            case 'z':
            case 'Z': rep = "$"; break;
            default: break;
            }
            if (rep) {
                eddy_strbuf_puts(&x->out, rep);
                x->i++;
                break;
            }
            if (e == 'Q') {
                x->i++;
                size_t stop = n;
                for (size_t k = x->i; k + 1 < n; k++)
                    if (p[k] == '\\' && p[k + 1] == 'E') {
                        stop = k;
                        break;
                    }
                while (x->i < stop) put_literal(x, fn_utf8_next(p, stop, &x->i));
                x->i = stop < n ? stop + 2 : n;
                break;
            }
            if ((e == 'p' || e == 'P') && x->i + 1 < n && p[x->i + 1] == '{') {
                const char *end = memchr(p + x->i + 2, '}', n - x->i - 2);
                const char *cls = end ? posix_property(p + x->i + 2, (size_t)(end - p - x->i - 2)) : NULL;
                if (!cls) return xl_fail(x, "Unsupported character property");
                eddy_strbuf_printf(&x->out, "[%s%s]", e == 'P' ? "^" : "", cls);
                x->i = (size_t)(end - p) + 1;
                break;
            }
            if (e >= '1' && e <= '9') {
                int g = e - '0';
                x->i++;
                /* more digits while the group exists, as Java reads them */
                while (x->i < n && p[x->i] >= '0' && p[x->i] <= '9' && g * 10 + (p[x->i] - '0') <= x->java_groups) {
                    g = g * 10 + (p[x->i] - '0');
                    x->i++;
                }
                if (g > x->java_groups || x->gmap[g] > 9) return xl_fail(x, "Unsupported back reference");
                eddy_strbuf_printf(&x->out, "\\%d", x->gmap[g]);
                break;
            }
            uint32_t cp;
            int r = char_escape(x, &cp);
            if (r < 0) return false;
            if (r == 0) return xl_fail(x, "Illegal/unsupported escape sequence");
            put_literal(x, cp);
            break;
        }
        case '[':
            x->i++;
            if (!xl_class(x)) return false;
            break;
        case '(':
            x->i++;
            if (x->i < n && p[x->i] == '?') {
                x->i++;
                char k = x->i < n ? p[x->i] : 0;
                if (k == ':') {
                    x->i++;
                    eddy_strbuf_putc(&x->out, '(');
                    x->posix_groups++;
                } else if (k == '<' && x->i + 1 < n && p[x->i + 1] != '=' && p[x->i + 1] != '!') {
                    const char *end = memchr(p + x->i, '>', n - x->i);
                    if (!end) return xl_fail(x, "named capturing group is missing trailing '>'");
                    x->i = (size_t)(end - p) + 1;
                    eddy_strbuf_putc(&x->out, '(');
                    if (!add_java_group(x)) return false;
                } else if (k == '=' || k == '!' || k == '<' || k == '>') {
                    return xl_fail(x, "Look-around and atomic groups are not supported");
                } else {
                    /* inline flags: (?i) (?s) (?-i) ... or (?i:...) */
                    bool on = true;
                    while (x->i < n && p[x->i] != ')' && p[x->i] != ':') {
                        char f = p[x->i++];
                        if (f == '-') on = false;
                        else if (f == 'i') x->icase = on || x->icase;
                        else if (f == 's' || f == 'u' || f == 'U') { /* no effect here */
                        } else return xl_fail(x, "Unsupported inline flag");
                    }
                    if (x->i >= n) return xl_fail(x, "Unclosed group");
                    if (p[x->i] == ':') {
                        eddy_strbuf_putc(&x->out, '(');
                        x->posix_groups++;
                    }
                    x->i++;
                }
            } else {
                eddy_strbuf_putc(&x->out, '(');
                if (!add_java_group(x)) return false;
            }
            break;
        case '*':
        case '+':
        case '?':
            eddy_strbuf_putc(&x->out, c);
            x->i++;
            if (!xl_quantifier_tail(x)) return false;
            break;
        case '{': {
            size_t j = x->i + 1;
            while (j < n && ((p[j] >= '0' && p[j] <= '9') || p[j] == ',')) j++;
            if (j >= n || p[j] != '}' || j == x->i + 1 || p[x->i + 1] == ',')
                return xl_fail(x, "Illegal repetition");
            eddy_strbuf_append(&x->out, p + x->i, j + 1 - x->i);
            x->i = j + 1;
            if (!xl_quantifier_tail(x)) return false;
            break;
        }
        case '.':
        case '^':
        case '$':
        case '|':
        case ')':
            eddy_strbuf_putc(&x->out, c);
            x->i++;
            break;
        default: put_literal(x, fn_utf8_next(p, n, &x->i)); break;
        }
    }
    return !x->out.failed || xl_fail(x, "out of memory");
}

static locale_t g_loc;
static pthread_once_t g_loc_once = PTHREAD_ONCE_INIT;
static void loc_init(void) {
    g_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t utf8_locale(void) {
    pthread_once(&g_loc_once, loc_init);
    return g_loc;
}

/* Compiles a Java pattern; NULL with msg filled on error. */
static fn_regex *regex_compile(const char *pat, size_t n, char *msg, size_t msglen) {
    xl x = {.p = pat, .n = n};
    eddy_strbuf_init(&x.out);
    fn_regex *r = NULL;
    if (!translate(&x)) {
        snprintf(msg, msglen, "Invalid regular expression pattern: %.*s (%s)", (int)(n > 100 ? 100 : n), pat, x.err);
        goto done;
    }
    r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(msg, msglen, "out of memory");
        goto done;
    }
    locale_t l = utf8_locale(), old = l ? uselocale(l) : (locale_t)0;
    int rc = regcomp(&r->re, eddy_strbuf_cstr(&x.out), REG_EXTENDED | (x.icase ? REG_ICASE : 0));
    if (l) uselocale(old);
    if (rc) {
        char buf[128];
        regerror(rc, &r->re, buf, sizeof buf);
        snprintf(msg, msglen, "Invalid regular expression pattern: %.*s (%s)", (int)(n > 100 ? 100 : n), pat, buf);
        free(r);
        r = NULL;
        goto done;
    }
    r->java_groups = x.java_groups;
    r->gmap = x.gmap;
    x.gmap = NULL;
    r->nsub = r->re.re_nsub;
done:
    free(x.gmap);
    eddy_strbuf_fini(&x.out);
    return r;
}

/* The compiled pattern for this call site (cached); *owned is set when the
 * caller must free it. */
static fn_regex *regex_get(sqlite3_context *ctx, sqlite3_value *v, bool *owned) {
    size_t n;
    const char *pat = fn_text(v, &n);
    *owned = false;
    fn_regex *r = fn_cache_lookup(ctx, 0, pat, n);
    if (r) return r;
    char msg[256];
    r = regex_compile(pat, n, msg, sizeof msg);
    if (!r) {
        fn_fail(ctx, "%s", msg);
        return NULL;
    }
    if (!fn_cache_store(ctx, 0, pat, n, r, regex_free)) *owned = true;
    return r;
}

/* The next match at or after pos; m has nsub + 1 entries. */
static bool regex_find(const fn_regex *r, const char *s, size_t n, size_t pos, regmatch_t *m) {
    if (pos > n) return false;
    m[0].rm_so = (regoff_t)pos;
    m[0].rm_eo = (regoff_t)n;
    locale_t l = utf8_locale(), old = l ? uselocale(l) : (locale_t)0;
    int rc = regexec(&r->re, s, r->nsub + 1, m, REG_STARTEND);
    if (l) uselocale(old);
    return rc == 0;
}

/* Java's find() loop: after an empty match, the next search starts one
 * character further. */
static size_t next_pos(const char *s, size_t n, const regmatch_t *m) {
    size_t e = (size_t)m[0].rm_eo;
    if (m[0].rm_so == m[0].rm_eo) {
        if (e >= n) return n + 1;
        fn_utf8_next(s, n, &e);
    }
    return e;
}

/* Java group g of a match, or false when it did not take part. */
static bool group_of(const fn_regex *r, const regmatch_t *m, int g, size_t *b, size_t *e) {
    int pg = r->gmap[g];
    if (m[pg].rm_so < 0) return false;
    *b = (size_t)m[pg].rm_so;
    *e = (size_t)m[pg].rm_eo;
    return true;
}

/* ------------------------------------------------------------------------ */
/* The functions                                                            */

static void fn_regexp_extract(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    int64_t group = argc > 2 ? sqlite3_value_int64(argv[2]) : 0;
    bool owned;
    fn_regex *r = regex_get(ctx, argv[0], &owned);
    if (!r) return;
    size_t n;
    const char *s = fn_text(argv[1], &n);
    regmatch_t *m = calloc(r->nsub + 1, sizeof *m);
    if (!m) {
        fn_nomem(ctx);
    } else if (group > r->java_groups) {
        sqlite3_result_null(ctx);
    } else if (group < 0) {
        fn_fail(ctx, "No group %lld", (long long)group);
    } else if (!regex_find(r, s, n, 0, m)) {
        sqlite3_result_null(ctx);
    } else {
        size_t b, e;
        if (group_of(r, m, (int)group, &b, &e)) fn_result_text(ctx, s + b, e - b);
        else sqlite3_result_null(ctx);
    }
    free(m);
    if (owned) regex_free(r);
}

static void fn_regexp_extract_all(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    int64_t group = argc > 2 ? sqlite3_value_int64(argv[2]) : 0;
    bool owned;
    fn_regex *r = regex_get(ctx, argv[0], &owned);
    if (!r) return;
    size_t n;
    const char *s = fn_text(argv[1], &n);
    regmatch_t *m = calloc(r->nsub + 1, sizeof *m);
    eddy_arena *a = fn_scratch();
    fn_vec v;
    fn_vec_init(&v, a);
    if (!m || !a) {
        fn_nomem(ctx);
    } else if (group > r->java_groups) {
        sqlite3_result_null(ctx);
    } else if (group < 0) {
        fn_fail(ctx, "No group %lld", (long long)group);
    } else {
        size_t pos = 0;
        while (regex_find(r, s, n, pos, m)) {
            size_t b, e;
            if (group_of(r, m, (int)group, &b, &e)) fn_vec_push(&v, eddy_value_str(EDDY_V_STRING, s + b, e - b));
            else fn_vec_push(&v, eddy_value_null());
            pos = next_pos(s, n, m);
        }
        if (v.failed) {
            fn_nomem(ctx);
        } else {
            eddy_value arr = fn_vec_array(&v);
            fn_result(ctx, &arr);
        }
    }
    free(m);
    if (owned) regex_free(r);
}

/* Matcher.appendReplacement's syntax: $n group references, \x escapes. */
static bool append_replacement(sqlite3_context *ctx, eddy_strbuf *sb, const fn_regex *r, const regmatch_t *m,
                               const char *s, const char *rep, size_t rn) {
    for (size_t i = 0; i < rn; i++) {
        char c = rep[i];
        if (c == '\\') {
            if (++i >= rn) {
                fn_fail(ctx, "character to be escaped is missing");
                return false;
            }
            eddy_strbuf_putc(sb, rep[i]);
        } else if (c == '$') {
            if (++i >= rn) {
                fn_fail(ctx, "Illegal group reference: group index is missing");
                return false;
            }
            if (rep[i] == '{') {
                fn_fail(ctx, "Named group references are not supported");
                return false;
            }
            if (rep[i] < '0' || rep[i] > '9') {
                fn_fail(ctx, "Illegal group reference");
                return false;
            }
            int g = rep[i] - '0';
            while (i + 1 < rn && rep[i + 1] >= '0' && rep[i + 1] <= '9' && g * 10 + (rep[i + 1] - '0') <= r->java_groups) {
                g = g * 10 + (rep[i + 1] - '0');
                i++;
            }
            if (g > r->java_groups) {
                fn_fail(ctx, "No group %d", g);
                return false;
            }
            size_t b, e;
            if (group_of(r, m, g, &b, &e)) eddy_strbuf_append(sb, s + b, e - b);
        } else {
            eddy_strbuf_putc(sb, c);
        }
    }
    return true;
}

static void fn_regexp_replace(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    bool owned;
    fn_regex *r = regex_get(ctx, argv[1], &owned);
    if (!r) return;
    size_t n, rn;
    const char *s = fn_text(argv[0], &n);
    const char *rep = fn_text(argv[2], &rn);
    regmatch_t *m = calloc(r->nsub + 1, sizeof *m);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    if (!m) {
        fn_nomem(ctx);
        goto done;
    }
    size_t pos = 0, last = 0;
    while (regex_find(r, s, n, pos, m)) {
        eddy_strbuf_append(&sb, s + last, (size_t)m[0].rm_so - last);
        if (!append_replacement(ctx, &sb, r, m, s, rep, rn)) goto done;
        last = (size_t)m[0].rm_eo;
        pos = next_pos(s, n, m);
    }
    eddy_strbuf_append(&sb, s + last, n - last);
    fn_result_strbuf(ctx, &sb);
done:
    eddy_strbuf_fini(&sb);
    free(m);
    if (owned) regex_free(r);
}

static void fn_regexp_split(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    bool owned;
    fn_regex *r = regex_get(ctx, argv[1], &owned);
    if (!r) return;
    size_t n;
    const char *s = fn_text(argv[0], &n);
    regmatch_t *m = calloc(r->nsub + 1, sizeof *m);
    eddy_arena *a = fn_scratch();
    fn_vec v;
    fn_vec_init(&v, a);
    if (!m || !a) {
        fn_nomem(ctx);
        goto done;
    }
    size_t pn;
    (void)fn_text(argv[1], &pn);
    bool matches_empty = regex_find(r, "", 0, 0, m) && m[0].rm_eo == 0;
    if (pn == 0 || matches_empty) {
        /* Pattern.split(s): no leading empty string for a zero-width match
         * at 0, trailing empty strings dropped */
        size_t index = 0, pos = 0;
        bool matched = false;
        while (regex_find(r, s, n, pos, m)) {
            size_t ms = (size_t)m[0].rm_so, me = (size_t)m[0].rm_eo;
            pos = next_pos(s, n, m);
            if (index == 0 && ms == 0 && me == 0) continue;
            fn_vec_push(&v, eddy_value_str(EDDY_V_STRING, s + index, ms - index));
            index = me;
            matched = true;
        }
        if (!matched && index == 0) {
            fn_vec_push(&v, eddy_value_str(EDDY_V_STRING, s, n));
        } else {
            fn_vec_push(&v, eddy_value_str(EDDY_V_STRING, s + index, n - index));
            while (v.n > 0 && v.items[v.n - 1].v_len == 0) v.n--;
        }
    } else {
        /* Guava's Splitter.on(pattern): every piece, empty ones included */
        size_t offset = 0;
        bool more = true;
        while (more) {
            size_t next_start = offset;
            bool produced = false;
            while (!produced) {
                size_t start = next_start, end;
                bool last;
                if (regex_find(r, s, n, offset, m)) {
                    end = (size_t)m[0].rm_so;
                    offset = (size_t)m[0].rm_eo;
                    last = false;
                } else {
                    end = n;
                    last = true;
                }
                if (!last && offset == next_start) {
                    offset++;
                    if (offset > n) {
                        more = false;
                        break;
                    }
                    continue;
                }
                fn_vec_push(&v, eddy_value_str(EDDY_V_STRING, s + start, end - start));
                produced = true;
                if (last) more = false;
            }
        }
    }
    if (v.failed) {
        fn_nomem(ctx);
    } else {
        eddy_value arr = fn_vec_array(&v);
        fn_result(ctx, &arr);
    }
done:
    free(m);
    if (owned) regex_free(r);
}

const fn_row eddy_fn_regex_rows[] = {
    {"REGEXP_EXTRACT", -1, fn_regexp_extract},
    {"REGEXP_EXTRACT_ALL", -1, fn_regexp_extract_all},
    {"REGEXP_REPLACE", -1, fn_regexp_replace},
    {"REGEXP_SPLIT_TO_ARRAY", -1, fn_regexp_split},
};
const int eddy_fn_regex_rows_count = (int)(sizeof eddy_fn_regex_rows / sizeof eddy_fn_regex_rows[0]);
