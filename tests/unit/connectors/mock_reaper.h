/* mock_reaper.h - destroys librdkafka mock clusters on background threads
 * for the Kafka tests of this folder: rd_kafka_mock_cluster_destroy takes a
 * second (the mock's thread polls with that timeout), which would otherwise
 * be paid by every test.  mock_reaper_add hands a cluster (and the handle
 * that owns it) to a thread of its own; mock_reaper_finish, called once at
 * the end of main, waits for them all.
 */
#ifndef EDDY_TESTS_CONNECTORS_MOCK_REAPER_H
#define EDDY_TESTS_CONNECTORS_MOCK_REAPER_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdlib.h>

typedef struct mock_reaped {
    rd_kafka_mock_cluster_t *mr_cluster;
    rd_kafka_t *mr_rk;
    pthread_t mr_th;
    struct mock_reaped *mr_next;
} mock_reaped;

static struct {
    pthread_mutex_t mu;
    mock_reaped *list; /* started threads, joined by mock_reaper_finish */
} g_mock_reaper = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void *mock_reaper_main(void *arg) {
    mock_reaped *m = arg;
    rd_kafka_mock_cluster_destroy(m->mr_cluster);
    rd_kafka_destroy(m->mr_rk);
    return NULL;
}

/* Destroys cluster, then rk (its owner), soon.  Both are taken over. */
static inline void mock_reaper_add(rd_kafka_mock_cluster_t *cluster, rd_kafka_t *rk) {
    mock_reaped *m = calloc(1, sizeof *m);
    if (m) {
        m->mr_cluster = cluster;
        m->mr_rk = rk;
    }
    if (!m || pthread_create(&m->mr_th, NULL, mock_reaper_main, m) != 0) {
        free(m);
        rd_kafka_mock_cluster_destroy(cluster);
        rd_kafka_destroy(rk);
        return;
    }
    pthread_mutex_lock(&g_mock_reaper.mu);
    m->mr_next = g_mock_reaper.list;
    g_mock_reaper.list = m;
    pthread_mutex_unlock(&g_mock_reaper.mu);
}

/* Waits until every cluster handed over is destroyed. */
static inline void mock_reaper_finish(void) {
    pthread_mutex_lock(&g_mock_reaper.mu);
    mock_reaped *m = g_mock_reaper.list;
    g_mock_reaper.list = NULL;
    pthread_mutex_unlock(&g_mock_reaper.mu);
    while (m) {
        mock_reaped *next = m->mr_next;
        pthread_join(m->mr_th, NULL);
        free(m);
        m = next;
    }
}

#endif
