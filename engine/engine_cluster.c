/* engine_cluster.c - the engine on Kafka: opening the cluster's log, and following the command topic that servers with one service id share. */
#include "engine/engine_internal.h"

#include "server/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- opening ------------------------------------------------------------------------ */

/* transactional.id of this server: stable across restarts (so that a new
 * incarnation fences the old one's open transactions) and different for each
 * server of a service: the service id and the listener. */
static void txn_id(const eddy_config *cfg, const char *service_id, char *out, size_t cap) {
    const char *l = eddy_config_get(cfg, "listeners");
    const char *p = l ? strstr(l, "//") : NULL;
    char tail[256];
    size_t n = 0;
    for (p = p ? p + 2 : NULL; p && *p && *p != ',' && n + 1 < sizeof tail; p++) {
        char c = *p;
        tail[n++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '-';
    }
    tail[n] = '\0';
    snprintf(out, cap, "_confluent-ksql-%s_eddy_%s", service_id, n ? tail : "server");
}

int eddy_engine_open_kafka(eddy_engine *e, const char *bootstrap, eddy_err *err) {
    const eddy_config *cfg = e->config;
    int n = eddy_config_count(cfg), k = 0;
    const char **pairs = calloc((size_t)n * 2 + 12, sizeof *pairs);
    char **owned = calloc((size_t)n + 1, sizeof *owned);
    int nowned = 0;
    char tid[512];
    bool have_tid = false, have_session = false;
    if (!pairs || !owned) {
        free(pairs);
        free(owned);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    /* Every Kafka client setting (security included) goes to librdkafka;
     * internal topics' settings (ksql.streams.topic.*) do not. */
    for (int i = 0; i < n; i++) {
        eddy_config_item it;
        if (eddy_config_item_at(cfg, i, &it) || it.ci_scope != EDDY_CONFIG_PASSTHROUGH || !it.ci_value) continue;
        if (it.ci_client == EDDY_CONFIG_CLIENT_TOPIC || !it.ci_client_name) continue;
        if (strcmp(it.ci_client_name, "transactional.id") == 0) have_tid = true;
        if (strcmp(it.ci_client_name, "session.timeout.ms") == 0) have_session = true;
        /* "producer." / "consumer." settings go to that kind of client only. */
        const char *name = it.ci_client_name;
        if (it.ci_client == EDDY_CONFIG_CLIENT_PRODUCER || it.ci_client == EDDY_CONFIG_CLIENT_CONSUMER) {
            char *prefixed = NULL;
            if (asprintf(&prefixed, "%s.%s", it.ci_client == EDDY_CONFIG_CLIENT_PRODUCER ? "producer" : "consumer",
                         name) < 0) {
                for (int j = 0; j < nowned; j++) free(owned[j]);
                free(owned);
                free(pairs);
                return eddy_err_set(err, EDDY_NOMEM, "out of memory");
            }
            owned[nowned++] = prefixed;
            name = prefixed;
        }
        pairs[k++] = name;
        pairs[k++] = it.ci_value;
    }
    if (!have_tid) {
        txn_id(cfg, e->service_id, tid, sizeof tid);
        pairs[k++] = "transactional.id";
        pairs[k++] = tid;
    }
    const char *control = eddy_config_get(cfg, "eddy.mock.control");
    if (control && *control) {
        pairs[k++] = "eddy.mock.control";
        pairs[k++] = control;
        /* librdkafka's mock finishes a rebalance only after the session
         * timeout (less a second): with Kafka's 45 s default a hand-over
         * would take most of a minute.  A short one, unless set. */
        if (!have_session) {
            pairs[k++] = "consumer.session.timeout.ms";
            pairs[k++] = "6000";
            pairs[k++] = "consumer.heartbeat.interval.ms";
            pairs[k++] = "1000";
        }
    }
    pairs[k] = NULL;
    int rc = eddy_log_open_kafka(bootstrap, pairs, &e->log, err);
    for (int i = 0; i < nowned; i++) free(owned[i]);
    free(owned);
    free(pairs);
    if (rc) return rc;
    e->own_log = true;
    return 0;
}

/* ---- following the command topic ------------------------------------------------------ */

void eddy_engine_command_appended(eddy_engine *e, int64_t seq) {
    if (seq == e->cmd_next) {
        e->cmd_next = seq + 1;
        return;
    }
    /* Another server appended in between: this one was applied ahead of
     * them, and is skipped when the runner reaches it. */
    int64_t *v = realloc(e->own_seqs, (size_t)(e->nown + 1) * sizeof *v);
    if (!v) return;
    e->own_seqs = v;
    v[e->nown++] = seq;
}

static void apply_command(void *ud, int64_t seq, const char *command_id, const char *statement, json_t *properties) {
    eddy_engine *e = ud;
    for (int i = 0; i < e->nown; i++)
        if (e->own_seqs[i] == seq) {
            e->own_seqs[i] = e->own_seqs[--e->nown];
            return;
        }
    fprintf(stderr, "eddy: applying command %lld from another server: %s\n", (long long)seq, command_id);
    eddy_engine_replay_one(e, seq, command_id, statement, properties);
}

int eddy_engine_catch_up(eddy_engine *e, eddy_err *err) {
    if (!e->follow) return 0;
    int64_t end = eddy_command_log_next_seq(e->cmdlog);
    if (end <= e->cmd_next) return 0;
    int64_t next = e->cmd_next;
    int rc = eddy_command_log_read(e->cmdlog, e->cmd_next, apply_command, e, &next, err);
    if (next > e->cmd_next) e->cmd_next = next;
    return rc;
}

static void *runner_main(void *arg) {
    eddy_engine *e = arg;
    while (!e->runner_stop) {
        struct timespec ts = {0, 300 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (e->runner_stop) break;
        eddy_err err;
        eddy_err_clear(&err);
        pthread_mutex_lock(&e->mu);
        if (eddy_engine_catch_up(e, &err)) fprintf(stderr, "eddy: reading the command topic: %s\n", err.msg);
        pthread_mutex_unlock(&e->mu);
    }
    return NULL;
}

int eddy_engine_runner_start(eddy_engine *e, eddy_err *err) {
    e->follow = true;
    if (pthread_create(&e->runner, NULL, runner_main, e)) return eddy_err_set(err, EDDY_INTERNAL, "cannot start a thread");
    e->runner_on = true;
    return 0;
}

void eddy_engine_runner_stop(eddy_engine *e) {
    if (!e->runner_on) return;
    e->runner_stop = true;
    pthread_join(e->runner, NULL);
    e->runner_on = false;
}
