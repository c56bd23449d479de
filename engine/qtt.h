/* qtt.h - the conformance runner: ksqlDB's QTT/RQTT case files run against the engine (`eddy test`).
 *
 * A case file is lenient JSON ({"tests": [case, ...]}, see
 * shared/conformance/README.md).  Loading strips comments, parses it with
 * jansson and expands each case's `format` x `config` matrix into runs; one
 * run executes the case's statements on a fresh engine (deterministic mode)
 * over a private embedded log (or, with --kafka, a Kafka log on a private
 * librdkafka mock cluster), produces its input records, runs its
 * persistent queries one after the other and compares the output topics
 * (qtt_run.c, qtt_records.c).  It ends PASS, FAIL (with a readable
 * difference) or SKIP (with a reason: what eddy cannot check yet; never
 * counted as a pass).
 *
 * Numbers: jansson has no exact decimals, so the loader keeps the text of
 * every non-integer number (and of integers too large for int64) in a side
 * table keyed by JSON pointer relative to the case ("/outputs/0/value/DEC"
 * -> "12.30"); a DECIMAL comparison reads it with eddy_qtt_number_text.
 *
 * Ownership: eddy_qtt_runs and eddy_qtt_result are owned by the caller
 * (_init/_fini); everything inside them belongs to them.
 */
#ifndef EDDY_ENGINE_QTT_H
#define EDDY_ENGINE_QTT_H

#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- loading ------------------------------------------------------------ */

/* One run: a case with one format and one config value applied. */
typedef struct eddy_qtt_run {
    char *file;         /* the file's path as given */
    char *stem;         /* file name without directory and ".json" */
    int index;          /* the case's position in "tests" (0-based) */
    char *name;         /* the case's "name" */
    char *format;       /* the format of this run, NULL without a format matrix */
    char *config_prop;  /* the property that took {CONFIG}, NULL without a config matrix */
    char *config;       /* its value for this run */
    char *display;      /* "<stem> - <name>[ - <format>][ - <prop>=<value>]" */
    json_t *tcase;      /* the case with {FORMAT} and {CONFIG} replaced (owned) */
    json_t *numbers;    /* JSON pointer -> exact number text, relative to tcase (owned, may be NULL) */
} eddy_qtt_run;

typedef struct eddy_qtt_runs {
    int n, cap;
    eddy_qtt_run *items;
} eddy_qtt_runs;

void eddy_qtt_runs_init(eddy_qtt_runs *runs);
void eddy_qtt_runs_fini(eddy_qtt_runs *runs);

/* Replaces // and block comments outside strings by spaces (newlines kept, so
 * jansson's line numbers stay right).  *out is a new NUL-terminated string
 * owned by the caller.  EDDY_PARSE for an unterminated block comment. */
int eddy_qtt_strip_comments(const char *text, size_t len, char **out, eddy_err *err);

/* Lenient JSON: strips comments and parses any JSON value.  *doc is a new
 * reference; *numbers (may be NULL to ignore) a new object mapping JSON
 * pointers (relative to *doc) to the exact text of non-integer numbers, or
 * NULL when the text could not be matched to the tree (duplicate keys).
 * EDDY_PARSE with line and column on a syntax error. */
int eddy_qtt_parse(const char *text, size_t len, json_t **doc, json_t **numbers, eddy_err *err);

/* "<stem> - <name>[ - <format>][ - <prop>=<value>]" as a new string (caller
 * frees); format and prop may be NULL. */
char *eddy_qtt_display_name(const char *stem, const char *name, const char *format, const char *prop,
                            const char *value);

/* Appends the runs of document doc (borrowed; numbers borrowed, may be NULL)
 * read from path to runs: one per format x config of each case. */
int eddy_qtt_expand(const char *path, json_t *doc, json_t *numbers, eddy_qtt_runs *runs, eddy_err *err);

/* Reads, parses and expands one file. */
int eddy_qtt_load_file(const char *path, eddy_qtt_runs *runs, eddy_err *err);

/* The exact text of the number at pointer (e.g. "/outputs/0/value/DEC") in
 * the run's case, or NULL when it is an integer, not a number or unknown.
 * Borrowed from the run. */
const char *eddy_qtt_number_text(const eddy_qtt_run *run, const char *pointer);

/* How upstream matches an expected error message: a NULL or empty expected
 * message matches anything, otherwise it must be a substring of actual. */
bool eddy_qtt_message_matches(const char *expected, const char *actual);

/* ---- running ------------------------------------------------------------ */

typedef enum eddy_qtt_outcome { EDDY_QTT_PASS, EDDY_QTT_FAIL, EDDY_QTT_SKIP } eddy_qtt_outcome;

typedef struct eddy_qtt_result {
    eddy_qtt_outcome outcome;
    char *reason;   /* SKIP: why; FAIL: the difference (may hold newlines); PASS: NULL or a note */
} eddy_qtt_result;

typedef struct eddy_qtt_options {
    bool in_memory;  /* the embedded log in memory (":memory:") instead of a temporary directory */
    bool kafka;      /* the Kafka backend on a librdkafka mock cluster per run instead (wins over in_memory) */
    bool verbose;    /* notes (e.g. properties the config refused) on stderr */
} eddy_qtt_options;

void eddy_qtt_result_init(eddy_qtt_result *res);
void eddy_qtt_result_fini(eddy_qtt_result *res);
const char *eddy_qtt_outcome_name(eddy_qtt_outcome o); /* "PASS", "FAIL", "SKIP" */

/* Runs one run on a fresh engine and fills res.  Returns 0, or a negative
 * code when the runner itself failed (no memory, temporary directory);
 * res is then a FAIL saying so. */
int eddy_qtt_run_one(const eddy_qtt_run *run, const eddy_qtt_options *opts, eddy_qtt_result *res);

/* `eddy test [--json FILE] [--baseline FILE] [--write-baseline FILE]
 * [--verbose] [--disk | --kafka] PATH...`.  Exit code 0 when nothing failed (with
 * --baseline: when every run listed there passed), 1 otherwise, 2 on usage
 * errors. */
int eddy_test_main(int argc, char **argv);

#endif
