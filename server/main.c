/* main.c - the eddy command: `eddy serve`, `eddy test`, `eddy bench`, `eddy kafka-mock`, `eddy version`, `eddy docs`. */
#include "engine/engine.h"
#include "server/config.h"
#include "server/http.h"
#include "server/kafka_mock.h"
#include "server/rest.h"
#include "sql/functions.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/qtt.h"
#include "bench/bench.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: eddy <command> [options]\n"
            "\n"
            "commands:\n"
            "  serve [--config FILE] [-D name=value]...   run the server (ksqlDB's REST API)\n"
            "  test [options] PATH...                      run ksqlDB conformance case files (QTT/RQTT JSON)\n"
            "       --json FILE  --verbose  --baseline FILE  --write-baseline FILE  --disk  --kafka\n"
            "  bench [--events N] [--runs R] [--query q0|q1|q2|all] [--mode gen|discard|log|memory|state|kafka|all]\n"
            "                                              run the Nexmark benchmark (docs/benchmarks.md)\n"
            "  kafka-mock [--brokers N] [--topic NAME:PARTITIONS[:REPLICAS]]... [--control-port P]\n"
            "             [--ready-file PATH]              run a mock Kafka cluster on 127.0.0.1 (docs/kafka.md)\n"
            "  version                                     print the version\n"
            "  docs functions|config                       print the function or configuration reference\n"
            "\n"
            "Configuration: a Java-style properties file and -D overrides; see docs/configuration.md.\n");
}

/* ---- serve ------------------------------------------------------------------ */

typedef struct signal_waiter {
    sigset_t set;
    eddy_http_server *srv;
} signal_waiter;

static void *wait_signals(void *arg) {
    signal_waiter *w = arg;
    int sig;
    if (sigwait(&w->set, &sig) == 0) {
        fprintf(stderr, "eddy: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
        eddy_http_server_stop(w->srv);
    }
    return NULL;
}

/* Takes the first listener of "http://host:port[,http://...]". */
static int parse_listener(const char *listeners, char *host, size_t hostlen, uint16_t *port, eddy_err *err) {
    const char *p = listeners;
    char first[512];
    size_t n = strcspn(p, ",");
    if (n >= sizeof first) n = sizeof first - 1;
    memcpy(first, p, n);
    first[n] = '\0';
    char *s = first;
    while (*s == ' ') s++;
    if (strncasecmp(s, "https://", 8) == 0)
        return eddy_err_set(err, EDDY_CONFIG, "listeners: https is not supported yet by eddy (%s)", s);
    if (strncasecmp(s, "http://", 7) == 0) s += 7;
    char *colon = strrchr(s, ':');
    if (!colon) return eddy_err_set(err, EDDY_CONFIG, "listeners: expected http://host:port, got '%s'", first);
    *colon = '\0';
    char *end;
    long v = strtol(colon + 1, &end, 10);
    if (*end || v < 0 || v > 65535)
        return eddy_err_set(err, EDDY_CONFIG, "listeners: invalid port in '%s'", listeners);
    if (s[0] == '[') { /* [::1] */
        s++;
        char *b = strchr(s, ']');
        if (b) *b = '\0';
    }
    snprintf(host, hostlen, "%.*s", (int)(hostlen - 1), *s ? s : "0.0.0.0");
    *port = (uint16_t)v;
    return 0;
}

/* Reads --config FILE and -D name=value into cfg.  Returns 0 or EDDY_CONFIG. */
static int read_options(int argc, char **argv, eddy_config *cfg, eddy_err *err) {
    int rc;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) && i + 1 < argc) {
            if ((rc = eddy_config_load_file(cfg, argv[++i], err))) return rc;
        } else if (strncmp(a, "--config=", 9) == 0) {
            if ((rc = eddy_config_load_file(cfg, a + 9, err))) return rc;
        }
    }
    /* -D after the file, so that they win. */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *kv = NULL;
        if (strcmp(a, "-D") == 0 && i + 1 < argc) kv = argv[++i];
        else if (strncmp(a, "-D", 2) == 0 && a[2]) kv = a + 2;
        else if (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) {
            i++;
            continue;
        } else if (strncmp(a, "--config=", 9) == 0) continue;
        else return eddy_err_set(err, EDDY_CONFIG, "unknown option: %s", a);
        if (kv && (rc = eddy_config_set_arg(cfg, kv, err))) return rc;
    }
    return 0;
}

static int cmd_serve(int argc, char **argv) {
    eddy_config *cfg = eddy_config_new();
    eddy_engine *engine = NULL;
    eddy_rest *rest = NULL;
    eddy_http_server *srv = NULL;
    eddy_err err;
    int rc = 1;
    char host[256];
    uint16_t port = 0;
    eddy_err_clear(&err);
    if (!cfg) return 1;
    if (read_options(argc, argv, cfg, &err)) {
        fprintf(stderr, "eddy: %s\n", err.msg);
        goto done;
    }
    if (parse_listener(eddy_config_get(cfg, "listeners"), host, sizeof host, &port, &err)) {
        fprintf(stderr, "eddy: %s\n", err.msg);
        goto done;
    }

    /* Signals go to one thread that stops the server; block them everywhere
     * else (threads started later inherit the mask). */
    signal_waiter w;
    sigemptyset(&w.set);
    sigaddset(&w.set, SIGINT);
    sigaddset(&w.set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &w.set, NULL);

    if (eddy_engine_open(cfg, NULL, &engine, &err)) {
        fprintf(stderr, "eddy: cannot start: %s\n", err.msg);
        goto done;
    }
    if (eddy_rest_new(engine, cfg, &rest, &err)) goto fail_msg;
    eddy_http_config hc;
    eddy_http_config_init(&hc);
    hc.host = host;
    hc.port = port;
    hc.max_body_size = (size_t)eddy_config_get_int(cfg, "eddy.http.max.body.bytes");
    eddy_rest_http_config(rest, &hc);
    if (eddy_http_server_new(&hc, &srv, &err)) goto fail_msg;

    w.srv = srv;
    pthread_t sig_thread;
    pthread_create(&sig_thread, NULL, wait_signals, &w);
    pthread_detach(sig_thread);

    fprintf(stderr, "eddy %s listening on http://%s:%u (service id %s, %s log, %lld commands replayed)\n",
            EDDY_VERSION, host, (unsigned)eddy_http_server_port(srv), eddy_engine_service_id(engine),
            eddy_log_backend_name(eddy_engine_log(engine)), (long long)eddy_engine_replayed(engine));
    eddy_http_server_run(srv);
    rc = 0;
    goto done;
fail_msg:
    fprintf(stderr, "eddy: cannot start: %s\n", err.msg);
done:
    eddy_http_server_destroy(srv);
    eddy_rest_destroy(rest);
    eddy_engine_close(engine);
    eddy_config_destroy(cfg);
    return rc;
}

/* ---- docs ------------------------------------------------------------------- */

static int cmd_docs(int argc, char **argv) {
    if (argc == 1 && strcmp(argv[0], "functions") == 0) return eddy_functions_write_markdown(stdout) ? 1 : 0;
    if (argc == 1 && strcmp(argv[0], "config") == 0) {
        eddy_config *cfg = eddy_config_new();
        int rc = cfg ? eddy_config_write_markdown(stdout) : 1;
        eddy_config_destroy(cfg);
        return rc ? 1 : 0;
    }
    usage(stderr);
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0) return cmd_serve(argc - 2, argv + 2);
    if (strcmp(cmd, "test") == 0) return eddy_test_main(argc - 2, argv + 2);
    if (strcmp(cmd, "bench") == 0) return eddy_bench_main(argc - 1, argv + 1);
    if (strcmp(cmd, "kafka-mock") == 0) return eddy_kafka_mock_main(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("eddy %s (ksqlDB %s compatible)\n", EDDY_VERSION, EDDY_KSQL_COMPAT_VERSION);
        return 0;
    }
    if (strcmp(cmd, "docs") == 0) return cmd_docs(argc - 2, argv + 2);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "eddy: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
