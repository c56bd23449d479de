/* qtt_load.c - conformance case files: lenient JSON (comments, exact numbers) and format x config expansion.
 *
 * Upstream reads the case files with a lenient JSON parser that allows
 * comments and reads non-integer numbers as exact decimals.  Here comments
 * are blanked out before jansson parses the text, and a scan of the number
 * tokens (in document order) is matched against jansson's tree (objects keep
 * insertion order) to remember the exact text of each non-integer number
 * under its JSON pointer.
 */
#include "engine/qtt.h"

#include "base/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- runs ------------------------------------------------------------------ */

void eddy_qtt_runs_init(eddy_qtt_runs *runs) { memset(runs, 0, sizeof *runs); }

static void run_fini(eddy_qtt_run *r) {
    free(r->file);
    free(r->stem);
    free(r->name);
    free(r->format);
    free(r->config_prop);
    free(r->config);
    free(r->display);
    json_decref(r->tcase);
    json_decref(r->numbers);
}

void eddy_qtt_runs_fini(eddy_qtt_runs *runs) {
    if (!runs) return;
    for (int i = 0; i < runs->n; i++) run_fini(&runs->items[i]);
    free(runs->items);
    memset(runs, 0, sizeof *runs);
}

bool eddy_qtt_message_matches(const char *expected, const char *actual) {
    if (!expected || !*expected) return true;
    return actual && strstr(actual, expected) != NULL;
}

const char *eddy_qtt_number_text(const eddy_qtt_run *run, const char *pointer) {
    json_t *v = run->numbers ? json_object_get(run->numbers, pointer) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- comments -------------------------------------------------------------- */

int eddy_qtt_strip_comments(const char *text, size_t len, char **out, eddy_err *err) {
    char *s = malloc(len + 1);
    size_t i = 0;
    int line = 1;
    *out = NULL;
    if (!s) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    memcpy(s, text, len);
    s[len] = '\0';
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            /* A string: skip to its closing quote; jansson reports a missing one. */
            for (i++; i < len && s[i] != '"'; i++) {
                if (s[i] == '\\' && i + 1 < len) i++;
                else if (s[i] == '\n') line++;
            }
            i++;
        } else if (c == '/' && i + 1 < len && s[i + 1] == '/') {
            while (i < len && s[i] != '\n') s[i++] = ' ';
        } else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
            int start = line;
            s[i] = s[i + 1] = ' ';
            i += 2;
            while (i < len && !(s[i] == '*' && i + 1 < len && s[i + 1] == '/')) {
                if (s[i] == '\n') line++;
                else s[i] = ' ';
                i++;
            }
            if (i >= len) {
                free(s);
                return eddy_err_set_at(err, EDDY_PARSE, start, 0, "line %d: unterminated /* comment", start);
            }
            s[i] = s[i + 1] = ' ';
            i += 2;
        } else {
            if (c == '\n') line++;
            i++;
        }
    }
    *out = s;
    return 0;
}

/* ---- numbers --------------------------------------------------------------- */

typedef struct num_token {
    size_t start, len; /* in the rewritten text */
    bool exact;        /* keep the text: not an integer, or too large for int64 */
} num_token;

typedef struct num_scan {
    num_token *toks;
    int n, cap;
} num_scan;

static bool int_fits(const char *s, size_t len) {
    char buf[64];
    if (len >= sizeof buf) return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    (void)strtoll(buf, NULL, 10);
    return errno != ERANGE;
}

/* Finds the number tokens outside strings in s (comments already blanked).
 * Integers too large for int64 are rewritten with ".0" appended so that
 * jansson reads them as reals (it rejects them otherwise); *rewritten is the
 * new text, owned by the caller. */
static int scan_numbers(const char *s, num_scan *sc, char **rewritten, eddy_err *err) {
    eddy_strbuf out = EDDY_STRBUF_INIT;
    size_t i = 0, len = strlen(s);
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            size_t j = i + 1;
            while (j < len && s[j] != '"') j += s[j] == '\\' && j + 1 < len ? 2 : 1;
            if (j < len) j++;
            eddy_strbuf_append(&out, s + i, j - i);
            i = j;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t j = i + 1;
            bool integer = true;
            while (j < len && strchr("0123456789.eE+-", s[j])) {
                if (s[j] == '.' || s[j] == 'e' || s[j] == 'E') integer = false;
                j++;
            }
            if (sc->n == sc->cap) {
                int cap = sc->cap ? sc->cap * 2 : 64;
                num_token *v = realloc(sc->toks, (size_t)cap * sizeof *v);
                if (!v) goto nomem;
                sc->toks = v;
                sc->cap = cap;
            }
            num_token *t = &sc->toks[sc->n++];
            t->start = out.len;
            t->len = j - i;
            t->exact = !integer || !int_fits(s + i, j - i);
            eddy_strbuf_append(&out, s + i, j - i);
            if (integer && t->exact) eddy_strbuf_puts(&out, ".0");
            i = j;
        } else {
            size_t j = i + 1;
            while (j < len && s[j] != '"' && s[j] != '-' && !(s[j] >= '0' && s[j] <= '9')) j++;
            eddy_strbuf_append(&out, s + i, j - i);
            i = j;
        }
    }
    if (out.failed) goto nomem;
    *rewritten = eddy_strbuf_detach(&out);
    if (!*rewritten) *rewritten = strdup("");
    if (!*rewritten) goto nomem;
    return 0;
nomem:
    eddy_strbuf_fini(&out);
    return eddy_err_set(err, EDDY_NOMEM, "out of memory");
}

typedef struct num_walk {
    const char *text;   /* the rewritten text */
    const num_scan *sc;
    int next;           /* next token to match */
    bool mismatch;
    json_t *numbers;
} num_walk;

static void pointer_push(eddy_strbuf *p, const char *key) {
    eddy_strbuf_putc(p, '/');
    for (const char *k = key; *k; k++) {
        if (*k == '~') eddy_strbuf_puts(p, "~0");
        else if (*k == '/') eddy_strbuf_puts(p, "~1");
        else eddy_strbuf_putc(p, *k);
    }
}

static void walk_numbers(num_walk *w, json_t *v, eddy_strbuf *path) {
    if (w->mismatch) return;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            size_t at = path->len;
            pointer_push(path, k);
            walk_numbers(w, x, path);
            path->len = at;
            if (path->buf) path->buf[at] = '\0';
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            size_t at = path->len;
            char idx[32];
            snprintf(idx, sizeof idx, "/%zu", i);
            eddy_strbuf_puts(path, idx);
            walk_numbers(w, json_array_get(v, i), path);
            path->len = at;
            if (path->buf) path->buf[at] = '\0';
        }
    } else if (json_is_number(v)) {
        if (w->next >= w->sc->n) {
            w->mismatch = true;
            return;
        }
        const num_token *t = &w->sc->toks[w->next++];
        if (json_is_integer(v) == t->exact) {
            w->mismatch = true;
            return;
        }
        if (t->exact) {
            json_t *s = json_stringn(w->text + t->start, t->len);
            if (!s || json_object_set_new(w->numbers, eddy_strbuf_cstr(path), s)) w->mismatch = true;
        }
    }
}

int eddy_qtt_parse(const char *text, size_t len, json_t **doc, json_t **numbers, eddy_err *err) {
    char *clean = NULL, *rewritten = NULL;
    num_scan sc = {0};
    json_error_t jerr;
    int rc;
    *doc = NULL;
    if (numbers) *numbers = NULL;
    if ((rc = eddy_qtt_strip_comments(text, len, &clean, err))) return rc;
    if ((rc = scan_numbers(clean, &sc, &rewritten, err))) goto done;
    *doc = json_loads(rewritten, JSON_DECODE_ANY, &jerr);
    if (!*doc) {
        rc = eddy_err_set_at(err, EDDY_PARSE, jerr.line, jerr.column, "line %d:%d: %s", jerr.line, jerr.column,
                             jerr.text);
        goto done;
    }
    if (numbers) {
        eddy_strbuf path = EDDY_STRBUF_INIT;
        num_walk w = {rewritten, &sc, 0, false, json_object()};
        if (!w.numbers) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            goto done;
        }
        eddy_strbuf_puts(&path, "");
        walk_numbers(&w, *doc, &path);
        eddy_strbuf_fini(&path);
        if (w.mismatch || w.next != sc.n) json_decref(w.numbers); /* duplicate keys: exact texts unknown */
        else *numbers = w.numbers;
    }
done:
    if (rc) {
        json_decref(*doc);
        *doc = NULL;
    }
    free(sc.toks);
    free(clean);
    free(rewritten);
    return rc;
}

/* ---- expansion ------------------------------------------------------------- */

char *eddy_qtt_display_name(const char *stem, const char *name, const char *format, const char *prop,
                            const char *value) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_strbuf_printf(&sb, "%s - %s", stem, name);
    if (format && *format) eddy_strbuf_printf(&sb, " - %s", format);
    if (value) {
        if (prop) eddy_strbuf_printf(&sb, " - %s=%s", prop, value);
        else eddy_strbuf_printf(&sb, " - %s", value);
    }
    return eddy_strbuf_detach(&sb);
}

static char *file_stem(const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0) n -= 5;
    return strndup(base, n);
}

/* Replaces every "{FORMAT}" in the strings of v (recursively).  Returns false
 * when out of memory. */
static bool replace_format(json_t *v, const char *format) {
    if (json_is_string(v)) {
        const char *s = json_string_value(v), *p;
        if (!strstr(s, "{FORMAT}")) return true;
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        while ((p = strstr(s, "{FORMAT}"))) {
            eddy_strbuf_append(&sb, s, (size_t)(p - s));
            eddy_strbuf_puts(&sb, format);
            s = p + 8;
        }
        eddy_strbuf_puts(&sb, s);
        bool ok = !sb.failed && json_string_set(v, eddy_strbuf_cstr(&sb)) == 0;
        eddy_strbuf_fini(&sb);
        return ok;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            if (!replace_format(json_array_get(v, i), format)) return false;
    } else if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) if (!replace_format(x, format)) return false;
    }
    return true;
}

/* A JSON value as display text: strings as they are, others as JSON. */
static char *value_text(json_t *v) {
    if (json_is_string(v)) return strdup(json_string_value(v));
    return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* The entries of numbers under prefix ("/tests/3"), with the prefix removed. */
static json_t *numbers_under(json_t *numbers, const char *prefix) {
    size_t n = strlen(prefix);
    const char *k;
    json_t *v;
    json_t *out;
    if (!numbers) return NULL;
    out = json_object();
    if (!out) return NULL;
    json_object_foreach(numbers, k, v) {
        if (strncmp(k, prefix, n) == 0 && (k[n] == '/' || k[n] == '\0')) json_object_set(out, k + n, v);
    }
    return out;
}

static int add_run(eddy_qtt_runs *runs, const char *path, const char *stem, int index, const char *name,
                   json_t *tc, json_t *fmt, const char *prop, json_t *cfg, json_t *numbers) {
    if (runs->n == runs->cap) {
        int cap = runs->cap ? runs->cap * 2 : 64;
        eddy_qtt_run *v = realloc(runs->items, (size_t)cap * sizeof *v);
        if (!v) return EDDY_NOMEM;
        runs->items = v;
        runs->cap = cap;
    }
    eddy_qtt_run *r = &runs->items[runs->n];
    memset(r, 0, sizeof *r);
    r->file = strdup(path);
    r->stem = strdup(stem);
    r->index = index;
    r->name = strdup(name);
    r->tcase = json_deep_copy(tc);
    bool ok = r->file && r->stem && r->name && r->tcase;
    if (ok && fmt) {
        r->format = value_text(fmt);
        ok = r->format != NULL;
        if (ok && json_is_string(fmt)) {
            ok = replace_format(json_object_get(r->tcase, "statements"), r->format) &&
                 replace_format(json_object_get(r->tcase, "topics"), r->format);
        }
    }
    if (ok && cfg) {
        r->config = value_text(cfg);
        ok = r->config != NULL;
        if (ok && prop) {
            r->config_prop = strdup(prop);
            json_t *props = json_object_get(r->tcase, "properties");
            ok = r->config_prop && json_object_set(props, prop, cfg) == 0;
        }
    }
    if (ok) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "/tests/%d", index);
        r->numbers = numbers_under(numbers, prefix);
        r->display = eddy_qtt_display_name(stem, name, r->format, r->config_prop, r->config);
        ok = r->display && (!numbers || r->numbers);
    }
    if (!ok) {
        run_fini(r);
        return EDDY_NOMEM;
    }
    runs->n++;
    return 0;
}

int eddy_qtt_expand(const char *path, json_t *doc, json_t *numbers, eddy_qtt_runs *runs, eddy_err *err) {
    json_t *tests = json_object_get(doc, "tests");
    char *stem = file_stem(path);
    int rc = 0;
    if (!stem) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (!json_is_array(tests)) {
        free(stem);
        return eddy_err_set(err, EDDY_PARSE, "%s: no \"tests\" array", path);
    }
    for (size_t i = 0; i < json_array_size(tests) && rc == 0; i++) {
        json_t *tc = json_array_get(tests, i);
        json_t *jname = json_object_get(tc, "name");
        json_t *formats = json_object_get(tc, "format");
        json_t *configs = json_object_get(tc, "config");
        const char *prop = NULL;
        char unnamed[48];
        const char *name = json_string_value(jname);
        if (!json_is_object(tc)) {
            rc = eddy_err_set(err, EDDY_PARSE, "%s: tests[%zu] is not an object", path, i);
            break;
        }
        if (!name) {
            snprintf(unnamed, sizeof unnamed, "<case %zu>", i);
            name = unnamed;
        }
        if (!json_is_array(json_object_get(tc, "statements"))) {
            rc = eddy_err_set(err, EDDY_PARSE, "%s: case '%s' has no \"statements\" array", path, name);
            break;
        }
        if (json_is_array(configs) && json_array_size(configs) > 0) {
            const char *k;
            json_t *v;
            json_object_foreach(json_object_get(tc, "properties"), k, v) {
                if (json_is_string(v) && strcmp(json_string_value(v), "{CONFIG}") == 0) prop = k;
            }
        } else {
            configs = NULL;
        }
        if (!(json_is_array(formats) && json_array_size(formats) > 0)) formats = NULL;
        size_t nf = formats ? json_array_size(formats) : 1, nc = configs ? json_array_size(configs) : 1;
        for (size_t f = 0; f < nf && rc == 0; f++) {
            for (size_t c = 0; c < nc && rc == 0; c++) {
                rc = add_run(runs, path, stem, (int)i, name, tc, formats ? json_array_get(formats, f) : NULL, prop,
                             configs ? json_array_get(configs, c) : NULL, numbers);
                if (rc) eddy_err_set(err, rc, "out of memory");
            }
        }
    }
    free(stem);
    return rc;
}

int eddy_qtt_load_file(const char *path, eddy_qtt_runs *runs, eddy_err *err) {
    FILE *f = fopen(path, "rb");
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    json_t *doc = NULL, *numbers = NULL;
    char buf[65536];
    size_t n;
    int rc;
    if (!f) return eddy_err_set(err, EDDY_IO, "%s: %s", path, strerror(errno));
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) eddy_strbuf_append(&sb, buf, n);
    if (ferror(f)) {
        rc = eddy_err_set(err, EDDY_IO, "%s: %s", path, strerror(errno));
        fclose(f);
        goto done;
    }
    fclose(f);
    if (sb.failed) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = eddy_qtt_parse(eddy_strbuf_cstr(&sb), sb.len, &doc, &numbers, err))) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        eddy_err_set_at(err, rc, err->line, err->col, "%s: %s", path, msg);
        goto done;
    }
    rc = eddy_qtt_expand(path, doc, numbers, runs, err);
done:
    json_decref(doc);
    json_decref(numbers);
    eddy_strbuf_fini(&sb);
    return rc;
}
