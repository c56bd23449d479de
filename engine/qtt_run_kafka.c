/* qtt_run_kafka.c - `eddy test --kafka`: a run's log on its own librdkafka mock cluster.
 *
 * Each run gets a fresh mock cluster of one broker (rd_kafka_mock_cluster_new
 * on loopback, owned by a throwaway producer handle that never connects)
 * and a Kafka log opened on it with eddy_log_open_kafka_mock.  A cluster per
 * run because the mock cannot delete topics and the cases reuse topic names;
 * making one costs well under a millisecond.
 *
 * Two things keep a run fast (librdkafka 2.0.2):
 *   - fetch.wait.max.ms=1 for the log's clients.  The mock holds an empty
 *     Fetch for that long, and a watermark query on the fetch consumer waits
 *     behind it on the same connection; with eddy's 100 ms a run took ~0.8 s
 *     instead of ~0.1 s.  Idle consumers fetch more often: only CPU.
 *   - Clusters are destroyed on a thread of their own.  Destroying one often
 *     waits out the mock thread's 1 s poll (its wake-up is sometimes not
 *     signalled), which would double a run's time.  eddy_qtt_mock_drain
 *     waits for those threads; at most MAX_REAPING run at once.
 */
#include "engine/qtt_internal.h"

#include "connectors/kafka/kafka_log.h"

#include <pthread.h>
#include <stdlib.h>

enum { MAX_REAPING = 16 };

struct eddy_qtt_mock {
    rd_kafka_t *qm_rk;                  /* owns the cluster; never connects */
    rd_kafka_mock_cluster_t *qm_cluster;
};

/* librdkafka's settings for every client of the run's log (after eddy's
 * defaults, so they win): errors only on stderr, and short fetch waits. */
static const char *const mock_log_conf[] = {"log_level", "3", "fetch.wait.max.ms", "1", NULL};

/* Clusters being destroyed by their own thread. */
static pthread_mutex_t reap_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reap_cv = PTHREAD_COND_INITIALIZER;
static int reaping;

int eddy_qtt_mock_open(eddy_qtt_mock **mock, eddy_log **log, eddy_err *err) {
    char errstr[256];
    eddy_qtt_mock *m = calloc(1, sizeof *m);
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    int rc;

    *mock = NULL;
    *log = NULL;
    if (!m || !c) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto fail;
    }
    if (rd_kafka_conf_set(c, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        rc = eddy_err_set(err, EDDY_CONFIG, "kafka mock: %s", errstr);
        goto fail;
    }
    m->qm_rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr);
    if (!m->qm_rk) {
        rc = eddy_err_set(err, EDDY_IO, "kafka mock: %s", errstr);
        goto fail;
    }
    c = NULL; /* the handle owns it now */
    m->qm_cluster = rd_kafka_mock_cluster_new(m->qm_rk, 1);
    if (!m->qm_cluster) {
        rc = eddy_err_set(err, EDDY_IO, "kafka mock: cannot create the mock cluster");
        goto fail;
    }
    if ((rc = eddy_log_open_kafka_mock(m->qm_cluster, mock_log_conf, log, err))) goto fail;
    *mock = m;
    return 0;

fail:
    if (c) rd_kafka_conf_destroy(c);
    eddy_qtt_mock_close(m);
    return rc;
}

static void mock_destroy(eddy_qtt_mock *m) {
    if (m->qm_cluster) rd_kafka_mock_cluster_destroy(m->qm_cluster);
    if (m->qm_rk) rd_kafka_destroy(m->qm_rk);
    free(m);
}

static void *reap_main(void *arg) {
    mock_destroy(arg);
    pthread_mutex_lock(&reap_mu);
    reaping--;
    pthread_cond_broadcast(&reap_cv);
    pthread_mutex_unlock(&reap_mu);
    return NULL;
}

void eddy_qtt_mock_close(eddy_qtt_mock *mock) {
    pthread_attr_t attr;
    pthread_t t;
    if (!mock) return;
    pthread_mutex_lock(&reap_mu);
    while (reaping >= MAX_REAPING) pthread_cond_wait(&reap_cv, &reap_mu);
    reaping++;
    pthread_mutex_unlock(&reap_mu);
    if (pthread_attr_init(&attr) == 0) {
        int ok = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
                 pthread_create(&t, &attr, reap_main, mock) == 0;
        pthread_attr_destroy(&attr);
        if (ok) return;
    }
    reap_main(mock); /* no thread: here and now */
}

void eddy_qtt_mock_drain(void) {
    pthread_mutex_lock(&reap_mu);
    while (reaping > 0) pthread_cond_wait(&reap_cv, &reap_mu);
    pthread_mutex_unlock(&reap_mu);
}
