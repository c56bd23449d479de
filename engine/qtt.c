/* qtt.c - `eddy test`: runs conformance case files and reports PASS / FAIL / SKIP per run.
 *
 *   eddy test [--json FILE] [--baseline FILE] [--write-baseline FILE]
 *             [--verbose] [--disk | --kafka] PATH...
 *
 * PATH is a case file or a directory whose *.json files are read (not
 * recursively, in name order).  Every FAIL is printed with its difference;
 * --verbose prints PASS and SKIP lines too.  The output ends with the most
 * frequent skip reasons and the line "N passed, N failed, N skipped".
 *
 * --baseline FILE lists display names (one per line) of runs that passed
 * before: with it the exit code says only whether one of them no longer
 * passes (the "never go down" rule), so known failures do not break the
 * build.  --write-baseline FILE writes the passing runs' names, sorted.
 * --disk keeps each run's log in a temporary directory instead of memory.
 * --kafka runs each case on the Kafka backend instead: a Kafka log on a
 * librdkafka mock cluster of its own (qtt_run_kafka.c); a baseline for it
 * is kept apart (tests/qtt/baseline-kafka.txt), since runs there differ.
 */
#include "engine/qtt.h"
#include "engine/qtt_internal.h"

#include "base/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct reason_count {
    const char *reason;
    int count;
} reason_count;

static int cmp_reason(const void *a, const void *b) {
    const reason_count *x = a, *y = b;
    if (x->count != y->count) return y->count - x->count;
    return strcmp(x->reason, y->reason);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int has_json_suffix(const struct dirent *d) {
    size_t n = strlen(d->d_name);
    return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0 && d->d_name[0] != '.';
}

/* Appends the case files named by path (a file, or a directory's *.json). */
static int add_path(const char *path, char ***files, int *n, int *cap) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "eddy test: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int count = 0;
    struct dirent **ents = NULL;
    if (S_ISDIR(st.st_mode)) {
        count = scandir(path, &ents, has_json_suffix, alphasort);
        if (count < 0) {
            fprintf(stderr, "eddy test: %s: %s\n", path, strerror(errno));
            return -1;
        }
    } else {
        count = 1;
    }
    for (int i = 0; i < count; i++) {
        char *f = NULL;
        if (ents) {
            size_t len = strlen(path);
            if (asprintf(&f, "%s%s%s", path, len && path[len - 1] == '/' ? "" : "/", ents[i]->d_name) < 0) f = NULL;
            free(ents[i]);
        } else {
            f = strdup(path);
        }
        if (!f) continue;
        if (*n == *cap) {
            int c = *cap ? *cap * 2 : 32;
            char **v = realloc(*files, (size_t)c * sizeof *v);
            if (!v) {
                free(f);
                continue;
            }
            *files = v;
            *cap = c;
        }
        (*files)[(*n)++] = f;
    }
    free(ents);
    return 0;
}

/* Reads a baseline file into a set (object with the names as keys). */
static json_t *read_baseline(const char *path) {
    FILE *f = fopen(path, "r");
    json_t *set;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    if (!f) {
        fprintf(stderr, "eddy test: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    set = json_object();
    while (set && (len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (len == 0 || line[0] == '#') continue;
        json_object_set_new(set, line, json_true());
    }
    free(line);
    fclose(f);
    return set;
}

static int write_baseline(const char *path, const eddy_qtt_runs *runs, const eddy_qtt_result *res) {
    char **names = calloc((size_t)runs->n + 1, sizeof *names);
    int n = 0;
    FILE *f;
    if (!names) return -1;
    for (int i = 0; i < runs->n; i++)
        if (res[i].outcome == EDDY_QTT_PASS) names[n++] = runs->items[i].display;
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "eddy test: %s: %s\n", path, strerror(errno));
        free(names);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (i == 0 || strcmp(names[i], names[i - 1]) != 0) fprintf(f, "%s\n", names[i]);
    free(names);
    return fclose(f) == 0 ? 0 : -1;
}

static int write_json(const char *path, const eddy_qtt_runs *runs, const eddy_qtt_result *res) {
    json_t *arr = json_array();
    int rc;
    if (!arr) return -1;
    for (int i = 0; i < runs->n; i++) {
        const eddy_qtt_run *r = &runs->items[i];
        json_t *o = json_object();
        json_object_set_new(o, "file", json_string(r->file));
        json_object_set_new(o, "index", json_integer(r->index));
        json_object_set_new(o, "name", json_string(r->name));
        json_object_set_new(o, "display", json_string(r->display));
        json_object_set_new(o, "format", r->format ? json_string(r->format) : json_null());
        if (r->config && r->config_prop) {
            char *c = NULL;
            if (asprintf(&c, "%s=%s", r->config_prop, r->config) < 0) c = NULL;
            json_object_set_new(o, "config", c ? json_string(c) : json_null());
            free(c);
        } else {
            json_object_set_new(o, "config", r->config ? json_string(r->config) : json_null());
        }
        json_object_set_new(o, "outcome", json_string(eddy_qtt_outcome_name(res[i].outcome)));
        json_object_set_new(o, "reason", res[i].reason ? json_string(res[i].reason) : json_null());
        json_array_append_new(arr, o);
    }
    rc = json_dump_file(arr, path, JSON_INDENT(1));
    json_decref(arr);
    if (rc) fprintf(stderr, "eddy test: cannot write %s\n", path);
    return rc;
}

static void print_skip_reasons(const eddy_qtt_runs *runs, const eddy_qtt_result *res) {
    reason_count *rc = calloc((size_t)runs->n + 1, sizeof *rc);
    int n = 0;
    if (!rc) return;
    for (int i = 0; i < runs->n; i++) {
        if (res[i].outcome != EDDY_QTT_SKIP) continue;
        const char *why = res[i].reason ? res[i].reason : "(no reason)";
        int k;
        for (k = 0; k < n && strcmp(rc[k].reason, why) != 0; k++) {}
        if (k == n) rc[n++].reason = why;
        rc[k].count++;
    }
    qsort(rc, (size_t)n, sizeof *rc, cmp_reason);
    if (n) printf("skip reasons (top %d of %d):\n", n < 15 ? n : 15, n);
    for (int k = 0; k < n && k < 15; k++) printf("  %5d  %s\n", rc[k].count, rc[k].reason);
    free(rc);
}

static void usage(void) {
    fprintf(stderr, "usage: eddy test [--json FILE] [--baseline FILE] [--write-baseline FILE] [--verbose] "
                    "[--disk | --kafka] PATH...\n");
}

int eddy_test_main(int argc, char **argv) {
    const char *json_out = NULL, *baseline_path = NULL, *write_path = NULL;
    if (eddy_qtt_register_harness_udfs()) fprintf(stderr, "eddy test: the harness UDFs could not be registered\n");
    eddy_qtt_options opts = {.in_memory = true, .kafka = false, .verbose = false};
    char **files = NULL;
    int nfiles = 0, capfiles = 0, npaths = 0;
    eddy_qtt_runs runs;
    eddy_qtt_result *res = NULL;
    json_t *baseline = NULL;
    int passed = 0, failed = 0, skipped = 0, load_errors = 0, regressions = 0, status = 1;

    eddy_qtt_runs_init(&runs);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0 && i + 1 < argc) json_out = argv[++i];
        else if (strcmp(a, "--baseline") == 0 && i + 1 < argc) baseline_path = argv[++i];
        else if (strcmp(a, "--write-baseline") == 0 && i + 1 < argc) write_path = argv[++i];
        else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) opts.verbose = true;
        else if (strcmp(a, "--disk") == 0) opts.in_memory = false;
        else if (strcmp(a, "--kafka") == 0) opts.kafka = true;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "eddy test: unknown option %s\n", a);
            usage();
            return 2;
        } else {
            npaths++;
            if (add_path(a, &files, &nfiles, &capfiles)) load_errors++;
        }
    }
    if (npaths == 0) {
        usage();
        return 2;
    }
    if (baseline_path && !(baseline = read_baseline(baseline_path))) goto done;

    for (int i = 0; i < nfiles; i++) {
        eddy_err err;
        eddy_err_clear(&err);
        if (eddy_qtt_load_file(files[i], &runs, &err)) {
            printf("FAIL %s\n    cannot load: %s\n", files[i], err.msg);
            load_errors++;
        }
    }
    res = calloc((size_t)runs.n + 1, sizeof *res);
    if (!res) goto done;
    for (int i = 0; i < runs.n; i++) {
        const eddy_qtt_run *r = &runs.items[i];
        eddy_qtt_result_init(&res[i]);
        eddy_qtt_run_one(r, &opts, &res[i]);
        switch (res[i].outcome) {
        case EDDY_QTT_PASS:
            passed++;
            if (opts.verbose) printf("PASS %s\n", r->display);
            break;
        case EDDY_QTT_FAIL:
            failed++;
            printf("FAIL %s\n%s\n", r->display, res[i].reason ? res[i].reason : "");
            break;
        case EDDY_QTT_SKIP:
            skipped++;
            if (opts.verbose) printf("SKIP %s: %s\n", r->display, res[i].reason ? res[i].reason : "");
            break;
        }
        fflush(stdout);
    }
    if (baseline) {
        for (int i = 0; i < runs.n; i++) {
            if (res[i].outcome == EDDY_QTT_PASS || !json_object_get(baseline, runs.items[i].display)) continue;
            const char *why = res[i].reason ? res[i].reason : "";
            printf("REGRESSION %s: passed in the baseline, now %s%s%.*s\n", runs.items[i].display,
                   eddy_qtt_outcome_name(res[i].outcome), *why ? ": " : "", (int)strcspn(why, "\n"), why);
            regressions++;
        }
    }
    if (opts.kafka) eddy_qtt_mock_drain(); /* the last clusters are still being destroyed */
    if (json_out && write_json(json_out, &runs, res)) load_errors++;
    if (write_path && write_baseline(write_path, &runs, res)) load_errors++;
    print_skip_reasons(&runs, res);
    if (baseline) printf("%d runs of the baseline no longer pass\n", regressions);
    printf("%d passed, %d failed, %d skipped\n", passed, failed + load_errors, skipped);
    if (baseline) status = regressions || load_errors ? 1 : 0;
    else status = failed || load_errors ? 1 : 0;

done:
    for (int i = 0; res && i < runs.n; i++) eddy_qtt_result_fini(&res[i]);
    free(res);
    eddy_qtt_runs_fini(&runs);
    for (int i = 0; i < nfiles; i++) free(files[i]);
    free(files);
    json_decref(baseline);
    return status;
}
