/* runtime.c - stream threads that step the tasks of running queries. */
#include "engine/runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rq {
    struct rq *next;
    eddy_qrun *q;
    int index;            /* start order, spreads tasks over threads */
    int busy;             /* threads inside q right now */
    bool paused, failed, finished, stopping;
    char error[1024];
    eddy_runtime_done_fn on_done;
    void *ud;
} rq;

typedef struct worker {
    eddy_runtime *rt;
    int id;
    pthread_t thread;
} worker;

struct eddy_runtime {
    eddy_log *log;
    int nthreads;
    worker *workers;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* busy counts dropped */
    rq *queries;
    int started;
    bool stop;
};

/* Steps the tasks of r that belong to thread w.  Returns whether any had work. */
static bool step_mine(eddy_runtime *rt, worker *w, rq *r) {
    bool any = false;
    int n = eddy_qrun_ntasks(r->q);
    for (int t = 0; t < n; t++) {
        if ((r->index + t) % rt->nthreads != w->id) continue;
        bool did = false;
        eddy_err err;
        eddy_err_clear(&err);
        if (eddy_qrun_step_task(r->q, t, &did, &err)) {
            pthread_mutex_lock(&rt->mu);
            bool first = !r->failed;
            r->failed = true;
            snprintf(r->error, sizeof r->error, "%s", err.msg);
            pthread_mutex_unlock(&rt->mu);
            fprintf(stderr, "eddy: query %s failed: %s\n", eddy_qrun_id(r->q), err.msg);
            if (first && r->on_done) r->on_done(r->ud, r->q, err.msg);
            return any;
        }
        any |= did;
    }
    if (eddy_qrun_done(r->q)) {
        pthread_mutex_lock(&rt->mu);
        bool first = !r->finished;
        r->finished = true;
        pthread_mutex_unlock(&rt->mu);
        if (first && r->on_done) r->on_done(r->ud, r->q, NULL);
    }
    return any;
}

/* How often the first stream thread applies topic retention. */
#define RETENTION_EVERY_MS 30000

static void *worker_main(void *arg) {
    worker *w = arg;
    eddy_runtime *rt = w->rt;
    int64_t next_retention = eddy_log_now_ms() + RETENTION_EVERY_MS;
    for (;;) {
        if (w->id == 0 && eddy_log_now_ms() >= next_retention) {
            eddy_log_enforce_retention(rt->log, eddy_log_now_ms(), NULL, NULL);
            next_retention = eddy_log_now_ms() + RETENTION_EVERY_MS;
        }
        uint64_t seen = eddy_log_seq(rt->log);
        bool any = false;
        pthread_mutex_lock(&rt->mu);
        if (rt->stop) {
            pthread_mutex_unlock(&rt->mu);
            break;
        }
        rq *r = rt->queries;
        while (r) {
            if (r->stopping || r->paused || r->failed || r->finished) {
                r = r->next;
                continue;
            }
            r->busy++;
            pthread_mutex_unlock(&rt->mu);
            any |= step_mine(rt, w, r);
            pthread_mutex_lock(&rt->mu);
            r->busy--;
            pthread_cond_broadcast(&rt->cv);
            r = r->next;
        }
        pthread_mutex_unlock(&rt->mu);
        if (!any) eddy_log_wait(rt->log, seen, 200);
    }
    return NULL;
}

int eddy_runtime_new(eddy_log *log, int threads, eddy_runtime **out, eddy_err *err) {
    eddy_runtime *rt = calloc(1, sizeof *rt);
    *out = NULL;
    if (!rt) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    if (threads < 1) threads = 1;
    rt->log = log;
    rt->nthreads = threads;
    pthread_mutex_init(&rt->mu, NULL);
    pthread_cond_init(&rt->cv, NULL);
    rt->workers = calloc((size_t)threads, sizeof *rt->workers);
    if (!rt->workers) {
        free(rt);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    for (int i = 0; i < threads; i++) {
        rt->workers[i].rt = rt;
        rt->workers[i].id = i;
        if (pthread_create(&rt->workers[i].thread, NULL, worker_main, &rt->workers[i])) {
            rt->nthreads = i;
            eddy_runtime_destroy(rt);
            return eddy_err_set(err, EDDY_INTERNAL, "cannot start stream threads");
        }
    }
    *out = rt;
    return 0;
}

void eddy_runtime_destroy(eddy_runtime *rt) {
    if (!rt) return;
    pthread_mutex_lock(&rt->mu);
    rt->stop = true;
    pthread_mutex_unlock(&rt->mu);
    eddy_log_wakeup(rt->log);
    for (int i = 0; i < rt->nthreads; i++) pthread_join(rt->workers[i].thread, NULL);
    for (rq *r = rt->queries; r;) {
        rq *n = r->next;
        eddy_qrun_destroy(r->q);
        free(r);
        r = n;
    }
    free(rt->workers);
    pthread_mutex_destroy(&rt->mu);
    pthread_cond_destroy(&rt->cv);
    free(rt);
}

int eddy_runtime_start(eddy_runtime *rt, eddy_qrun *q, eddy_runtime_done_fn on_done, void *ud, eddy_err *err) {
    rq *r = calloc(1, sizeof *r);
    if (!r) {
        eddy_qrun_destroy(q);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    r->q = q;
    r->on_done = on_done;
    r->ud = ud;
    pthread_mutex_lock(&rt->mu);
    r->index = rt->started++;
    r->next = rt->queries;
    rt->queries = r;
    pthread_mutex_unlock(&rt->mu);
    eddy_log_wakeup(rt->log);
    return 0;
}

static rq *find(eddy_runtime *rt, const char *id, rq ***link) {
    rq **l = &rt->queries;
    for (; *l; l = &(*l)->next)
        if (strcmp(eddy_qrun_id((*l)->q), id) == 0) {
            if (link) *link = l;
            return *l;
        }
    return NULL;
}

int eddy_runtime_stop(eddy_runtime *rt, const char *query_id) {
    rq **link;
    pthread_mutex_lock(&rt->mu);
    rq *r = find(rt, query_id, &link);
    if (!r) {
        pthread_mutex_unlock(&rt->mu);
        return EDDY_NOTFOUND;
    }
    r->stopping = true;
    while (r->busy) pthread_cond_wait(&rt->cv, &rt->mu);
    /* Unlink (the list may have changed while waiting). */
    find(rt, query_id, &link);
    *link = r->next;
    pthread_mutex_unlock(&rt->mu);
    eddy_qrun_destroy(r->q);
    free(r);
    return 0;
}

int eddy_runtime_pause(eddy_runtime *rt, const char *query_id, bool paused) {
    pthread_mutex_lock(&rt->mu);
    rq *r = find(rt, query_id, NULL);
    if (r) r->paused = paused;
    pthread_mutex_unlock(&rt->mu);
    if (r && !paused) eddy_log_wakeup(rt->log);
    return r ? 0 : EDDY_NOTFOUND;
}

int eddy_runtime_counts(eddy_runtime *rt, const char *query_id, int64_t *processed, int64_t *errors) {
    pthread_mutex_lock(&rt->mu);
    rq *r = find(rt, query_id, NULL);
    if (r) eddy_qrun_counts(r->q, processed, errors);
    pthread_mutex_unlock(&rt->mu);
    return r ? 0 : EDDY_NOTFOUND;
}

int eddy_runtime_with_query(eddy_runtime *rt, const char *query_id, int (*fn)(eddy_qrun *q, void *ud), void *ud) {
    pthread_mutex_lock(&rt->mu);
    rq *r = find(rt, query_id, NULL);
    int rc = r ? fn(r->q, ud) : EDDY_NOTFOUND;
    pthread_mutex_unlock(&rt->mu);
    return rc;
}

bool eddy_runtime_failed(eddy_runtime *rt, const char *query_id, char *buf, size_t len) {
    pthread_mutex_lock(&rt->mu);
    rq *r = find(rt, query_id, NULL);
    bool failed = r && r->failed;
    if (failed && buf) snprintf(buf, len, "%s", r->error);
    pthread_mutex_unlock(&rt->mu);
    return failed;
}
