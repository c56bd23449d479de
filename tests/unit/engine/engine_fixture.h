/* engine_fixture.h - a deterministic engine on a temporary directory, for the query tests. */
#ifndef EDDY_TESTS_ENGINE_FIXTURE_H
#define EDDY_TESTS_ENGINE_FIXTURE_H

#include "engine/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    char dir[256];
    eddy_config *cfg;
    eddy_engine *engine;
} fixture;

static int open_engine(fixture *f) {
    eddy_err err;
    eddy_engine_opts o = {.deterministic = true};
    if (eddy_engine_open_ex(f->cfg, NULL, &o, &f->engine, &err)) {
        fprintf(stderr, "open: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    eddy_err err;
    snprintf(f->dir, sizeof f->dir, "%s/eddy-query-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(f->dir)) return -1;
    f->cfg = eddy_config_new();
    if (eddy_config_set(f->cfg, "ksql.streams.state.dir", f->dir, &err)) return -1;
    if (eddy_config_set(f->cfg, "ksql.streams.auto.offset.reset", "earliest", &err)) return -1;
    if (open_engine(f)) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    char cmd[512];
    eddy_engine_close(f->engine);
    eddy_config_destroy(f->cfg);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static void ksql_ok(fixture *f, const char *sql) {
    eddy_ksql_request req = {.ksql = sql, .command_sequence_number = -1};
    json_t *resp = NULL;
    int status;
    eddy_engine_ksql(f->engine, &req, &resp, &status);
    if (status != 200) {
        char *s = json_dumps(resp, 0);
        fprintf(stderr, "%s\n-> %s\n", sql, s);
        free(s);
    }
    assert_int_equal(status, 200);
    json_decref(resp);
}

static void produce(fixture *f, const char *topic, const char *key, const char *value, int64_t ts) {
    eddy_log_record r = {0};
    eddy_err err;
    r.timestamp = ts;
    r.key = key;
    r.key_len = key ? strlen(key) : 0;
    r.value = value;
    r.value_len = value ? strlen(value) : 0;
    assert_int_equal(eddy_log_produce(eddy_engine_log(f->engine), topic, 0, &r, 0, NULL, NULL, &err), 0);
}

/* All values of partition 0 of topic, joined with '|'. */
static char *read_values(fixture *f, const char *topic) {
    eddy_log_batch b;
    eddy_err err;
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    eddy_log_batch_init(&b);
    assert_int_equal(eddy_log_fetch(eddy_engine_log(f->engine), topic, 0, 0, 1000, 0, &b, &err), 0);
    for (size_t i = 0; i < b.count; i++) {
        if (i) eddy_strbuf_putc(&sb, '|');
        if (b.records[i].value) eddy_strbuf_append(&sb, b.records[i].value, b.records[i].value_len);
        else eddy_strbuf_puts(&sb, "<null>");
    }
    eddy_log_batch_fini(&b);
    return eddy_strbuf_detach(&sb);
}

static void run(fixture *f) {
    eddy_err err;
    int rc = eddy_engine_run_until_idle(f->engine, &err);
    if (rc) fprintf(stderr, "run: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

#endif
