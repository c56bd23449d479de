/* test_conformance.c - parses every statement of ksqlDB's QTT and RQTT case files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sql/parse.h"

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tally {
    int statements, parsed, expected_failures, unexpected_failures, missed_errors;
} tally;

/* Reads a whole file; caller frees.  NULL on error. */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The case files are lenient JSON: blank out // and block comments that lie
 * outside strings. */
static void strip_comments(char *s) {
    bool in_str = false;
    for (char *c = s; *c; c++) {
        if (in_str) {
            if (*c == '\\' && c[1]) c++;
            else if (*c == '"') in_str = false;
        } else if (*c == '"') {
            in_str = true;
        } else if (c[0] == '/' && c[1] == '/') {
            while (*c && *c != '\n') *c++ = ' ';
            if (!*c) return;
        } else if (c[0] == '/' && c[1] == '*') {
            while (*c && !(c[0] == '*' && c[1] == '/')) *c++ = ' ';
            if (!*c) return;
            c[0] = c[1] = ' ';
            c++;
        }
    }
}

/* Copy of s with every {FORMAT} replaced by fmt; caller frees. */
static char *replace_format(const char *s, const char *fmt) {
    size_t n = strlen(s) + 1, fl = strlen(fmt);
    for (const char *c = strstr(s, "{FORMAT}"); c; c = strstr(c + 1, "{FORMAT}")) n += fl;
    char *out = malloc(n), *o = out;
    while (*s) {
        if (!strncmp(s, "{FORMAT}", 8)) {
            memcpy(o, fmt, fl);
            o += fl;
            s += 8;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

static bool contains_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n)) return true;
    return false;
}

/* Does the case expect an error that our parse failure explains? */
static bool failure_expected(json_t *tc, const char *our_msg) {
    json_t *e = json_object_get(tc, "expectedException");
    if (!e) e = json_object_get(tc, "expectedError");
    if (!e) return false;
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (!msg) return false;
    if (contains_ci(msg, "syntax")) return true;
    const char *ours = strstr(our_msg, ": ");
    ours = ours ? ours + 2 : our_msg;
    return strstr(msg, ours) || strstr(our_msg, msg);
}

static bool expects_syntax_error(json_t *tc) {
    json_t *e = json_object_get(tc, "expectedException");
    if (!e) e = json_object_get(tc, "expectedError");
    const char *msg = e ? json_string_value(json_object_get(e, "message")) : NULL;
    return msg && contains_ci(msg, "syntax");
}

static void walk_file(const char *path, const char *name, tally *t) {
    char *text = read_file(path);
    assert_non_null(text);
    strip_comments(text);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    free(text);
    if (!root) fail_msg("%s: bad JSON at line %d: %s", name, jerr.line, jerr.text);
    json_t *tests = json_object_get(root, "tests");
    size_t i;
    json_t *tc;
    json_array_foreach(tests, i, tc) {
        const char *fmt = json_string_value(json_array_get(json_object_get(tc, "format"), 0));
        json_t *stmts = json_object_get(tc, "statements");
        size_t j;
        json_t *st;
        bool any_failed = false;
        json_array_foreach(stmts, j, st) {
            char *sql = replace_format(json_string_value(st), fmt ? fmt : "JSON");
            eddy_arena *a = eddy_arena_new();
            eddy_list l = {0, 0, NULL};
            eddy_err err;
            int rc = eddy_parse(sql, a, &l, &err);
            t->statements++;
            if (rc == 0) {
                t->parsed++;
                if (l.n != 1) {
                    printf("%s [%s]: %d statements in one entry: %s\n", name,
                           json_string_value(json_object_get(tc, "name")), l.n, sql);
                    t->unexpected_failures++;
                }
            } else if (failure_expected(tc, err.msg)) {
                if (getenv("EDDY_VERBOSE")) printf("expected failure: %s\n    %s\n", err.msg, sql);
                t->expected_failures++;
                any_failed = true;
            } else {
                printf("%s [%s]: %s\n    %s\n", name, json_string_value(json_object_get(tc, "name")), err.msg, sql);
                t->unexpected_failures++;
                any_failed = true;
            }
            eddy_arena_destroy(a);
            free(sql);
        }
        if (expects_syntax_error(tc) && !any_failed) {
            printf("%s [%s]: expected a syntax error, but every statement parsed\n", name,
                   json_string_value(json_object_get(tc, "name")));
            t->missed_errors++;
        }
    }
    json_decref(root);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void walk_dir(const char *dir, tally *t) {
    DIR *d = opendir(dir);
    if (!d) return;
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".json")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        walk_file(path, names[i], t);
        free(names[i]);
    }
}

static void test_every_conformance_statement_parses(void **state) {
    (void)state;
    const char *src = getenv("EDDY_SOURCE_DIR");
    char base[4096];
    snprintf(base, sizeof base, "%s/../shared/conformance", src ? src : ".");
    DIR *d = opendir(base);
    if (!d) {
        printf("conformance files not found at %s: skipped\n", base);
        skip();
    }
    closedir(d);
    tally t = {0};
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/ksqldb-qtt", base);
    walk_dir(dir, &t);
    snprintf(dir, sizeof dir, "%s/ksqldb-rqtt", base);
    walk_dir(dir, &t);
    printf("conformance walk: %d of %d statements parsed; %d failed as the case expects; "
           "%d failed unexpectedly; %d expected syntax errors not raised\n",
           t.parsed, t.statements, t.expected_failures, t.unexpected_failures, t.missed_errors);
    assert_true(t.statements > 0);
    assert_int_equal(t.unexpected_failures, 0);
    assert_int_equal(t.missed_errors, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_conformance_statement_parses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
