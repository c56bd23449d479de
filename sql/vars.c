/* vars.c - session variables, ${name} substitution and splitting requests into statements. */
#include "sql/vars.h"

#include "base/strbuf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct eddy_vars {
    int n, cap;
    char **names;
    char **values;
};

eddy_vars *eddy_vars_new(void) { return calloc(1, sizeof(eddy_vars)); }

void eddy_vars_destroy(eddy_vars *v) {
    if (!v) return;
    for (int i = 0; i < v->n; i++) {
        free(v->names[i]);
        free(v->values[i]);
    }
    free(v->names);
    free(v->values);
    free(v);
}

static char *upper_dup(const char *s) {
    char *p = strdup(s);
    if (p)
        for (char *q = p; *q; q++) *q = (char)toupper((unsigned char)*q);
    return p;
}

static int find(const eddy_vars *v, const char *name) {
    for (int i = 0; i < v->n; i++)
        if (strcasecmp(v->names[i], name) == 0) return i;
    return -1;
}

int eddy_vars_set(eddy_vars *v, const char *name, const char *value) {
    int i = find(v, name);
    char *val = strdup(value);
    if (!val) return EDDY_NOMEM;
    if (i >= 0) {
        free(v->values[i]);
        v->values[i] = val;
        return 0;
    }
    if (v->n == v->cap) {
        int cap = v->cap ? v->cap * 2 : 8;
        char **n = realloc(v->names, (size_t)cap * sizeof *n);
        if (!n) goto nomem;
        v->names = n;
        char **vals = realloc(v->values, (size_t)cap * sizeof *vals);
        if (!vals) goto nomem;
        v->values = vals;
        v->cap = cap;
    }
    v->names[v->n] = upper_dup(name);
    if (!v->names[v->n]) goto nomem;
    v->values[v->n++] = val;
    return 0;
nomem:
    free(val);
    return EDDY_NOMEM;
}

int eddy_vars_unset(eddy_vars *v, const char *name) {
    int i = find(v, name);
    if (i < 0) return EDDY_NOTFOUND;
    free(v->names[i]);
    free(v->values[i]);
    memmove(v->names + i, v->names + i + 1, (size_t)(v->n - i - 1) * sizeof *v->names);
    memmove(v->values + i, v->values + i + 1, (size_t)(v->n - i - 1) * sizeof *v->values);
    v->n--;
    return 0;
}

eddy_vars *eddy_vars_copy(const eddy_vars *v) {
    eddy_vars *c = eddy_vars_new();
    if (!c) return NULL;
    for (int i = 0; v && i < v->n; i++) {
        if (eddy_vars_set(c, v->names[i], v->values[i])) {
            eddy_vars_destroy(c);
            return NULL;
        }
    }
    return c;
}

const char *eddy_vars_get(const eddy_vars *v, const char *name) {
    int i = v ? find(v, name) : -1;
    return i >= 0 ? v->values[i] : NULL;
}

int eddy_vars_count(const eddy_vars *v) { return v ? v->n : 0; }

void eddy_vars_at(const eddy_vars *v, int i, const char **name, const char **value) {
    *name = v->names[i];
    *value = v->values[i];
}

int eddy_vars_substitute(const eddy_vars *v, const char *sql, char **out, eddy_err *err) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    const char *p = sql;
    *out = NULL;
    while (*p) {
        if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p + 2, '}');
            if (end) {
                char name[256];
                size_t n = (size_t)(end - (p + 2));
                if (n > 0 && n < sizeof name) {
                    memcpy(name, p + 2, n);
                    name[n] = '\0';
                    const char *val = eddy_vars_get(v, name);
                    if (!val) {
                        eddy_strbuf_fini(&sb);
                        return eddy_err_set(err, EDDY_ANALYSIS, "Cannot substitute variable '%s': it is not defined.",
                                            name);
                    }
                    eddy_strbuf_puts(&sb, val);
                    p = end + 1;
                    continue;
                }
            }
        }
        eddy_strbuf_putc(&sb, *p++);
    }
    *out = eddy_strbuf_detach(&sb);
    if (!*out) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return 0;
}

void eddy_sql_split_free(eddy_sql_piece *stmts, int n) {
    if (!stmts) return;
    for (int i = 0; i < n; i++) free(stmts[i].text);
    free(stmts);
}

/* Appends the trimmed text [b, e) as a statement unless it is empty or only
 * comments. */
static int push_stmt(eddy_sql_piece **v, int *n, int *cap, const char *b, const char *e, int has_code,
                     const char *sql, int terminated) {
    while (b < e && isspace((unsigned char)*b)) b++;
    while (e > b && isspace((unsigned char)e[-1])) e--;
    if (b == e || !has_code) return 0;
    if (*n == *cap) {
        int c = *cap ? *cap * 2 : 8;
        eddy_sql_piece *nv = realloc(*v, (size_t)c * sizeof *nv);
        if (!nv) return EDDY_NOMEM;
        *v = nv;
        *cap = c;
    }
    eddy_sql_piece *piece = &(*v)[*n];
    piece->line = 1;
    piece->col = 1;
    for (const char *q = sql; q < b; q++) {
        if (*q == '\n') piece->line++, piece->col = 1;
        else piece->col++;
    }
    piece->terminated = terminated;
    piece->end_line = piece->line;
    piece->end_col = piece->col;
    for (const char *q = b; q < e; q++) {
        if (*q == '\n') piece->end_line++, piece->end_col = 1;
        else piece->end_col++;
    }
    piece->text = strndup(b, (size_t)(e - b));
    if (!piece->text) return EDDY_NOMEM;
    (*n)++;
    return 0;
}

int eddy_sql_split(const char *sql, eddy_sql_piece **out, eddy_err *err) {
    eddy_sql_piece *v = NULL;
    int n = 0, cap = 0, rc, line = 1, col = 1, has_code = 0;
    const char *start = sql, *p = sql;
    *out = NULL;
    while (*p) {
        char c = *p;
        if (c == '\'' || c == '`' || c == '"') {
            int qline = line, qcol = col;
            p++, col++;
            for (;;) {
                if (!*p) {
                    rc = eddy_err_set_at(err, EDDY_PARSE, qline, qcol, "line %d:%d: unterminated quoted text", qline,
                                         qcol);
                    goto fail;
                }
                if (*p == c) {
                    if (p[1] == c) { /* doubled quote is an escaped quote */
                        p += 2, col += 2;
                        continue;
                    }
                    p++, col++;
                    break;
                }
                if (*p == '\n') line++, col = 1;
                else col++;
                p++;
            }
            has_code = 1;
            continue;
        }
        if (c == '-' && p[1] == '-') {
            while (*p && *p != '\n') p++;
            continue;
        }
        if (c == '/' && p[1] == '*') {
            int cline = line, ccol = col;
            p += 2, col += 2;
            while (*p && !(p[0] == '*' && p[1] == '/')) {
                if (*p == '\n') line++, col = 1;
                else col++;
                p++;
            }
            if (!*p) {
                rc = eddy_err_set_at(err, EDDY_PARSE, cline, ccol, "line %d:%d: unterminated comment", cline, ccol);
                goto fail;
            }
            p += 2, col += 2;
            continue;
        }
        if (c == ';') {
            if ((rc = push_stmt(&v, &n, &cap, start, p, has_code, sql, 1))) goto nomem;
            start = p + 1;
            has_code = 0;
        } else if (!isspace((unsigned char)c)) {
            has_code = 1;
        }
        if (c == '\n') line++, col = 1;
        else col++;
        p++;
    }
    if ((rc = push_stmt(&v, &n, &cap, start, p, has_code, sql, 0))) goto nomem;
    *out = v;
    return n;
nomem:
    rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
fail:
    eddy_sql_split_free(v, n);
    return rc;
}
