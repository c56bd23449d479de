/* kafka_mock_cmd.c - `eddy kafka-mock`: runs librdkafka's mock Kafka cluster on 127.0.0.1 and
 * serves its control port (create topics, inject faults) until SIGINT or SIGTERM.
 *
 * One thread (the caller's) does everything: it creates the cluster on a producer handle that
 * never connects anywhere (it only hosts the cluster and its logs), then poll()s a signalfd, the
 * control listener and the control connections.  librdkafka's own threads (including the mock
 * brokers' thread) are started with SIGINT and SIGTERM blocked, so the signalfd sees them.
 * The protocol is parsed by server/kafka_mock_proto.c; docs/kafka.md describes it for users.
 */
#include "server/kafka_mock.h"

#include "base/strbuf.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define KMOCK_CLIENTS_MAX 64
#define KMOCK_DEFAULT_BROKERS 3
/* The replication factor when none is given: Kafka's usual 3, capped at the broker count. */
#define KMOCK_DEFAULT_REPLICAS 3

/* A topic created through the tool (--topic or CREATE). */
typedef struct kmock_topic {
    char *kt_name; /* owned */
    int kt_partitions;
    int kt_replicas; /* as created, i.e. already capped at the broker count */
} kmock_topic;

/* One control connection. */
typedef struct kmock_client {
    int cl_fd;
    char cl_in[EDDY_KMOCK_LINE_MAX + 1]; /* a line and its "\n" */
    size_t cl_in_len;
    eddy_strbuf cl_out; /* replies not sent yet, from cl_out_sent on */
    size_t cl_out_sent;
    int cl_eof;     /* the peer closed its side: close once cl_out is sent */
    int cl_closing; /* close once cl_out is sent (after an overlong line) */
} kmock_client;

typedef struct kmock_server {
    rd_kafka_t *ks_rk;                   /* hosts the cluster; never connects */
    rd_kafka_mock_cluster_t *ks_cluster; /* owned */
    int ks_brokers;
    kmock_topic *ks_topics; /* in creation order */
    size_t ks_ntopics, ks_captopics;
    unsigned char ks_pushed[(INT16_MAX + 1) / 8]; /* ApiKeys with injected errors (for CLEAR) */
    int ks_listen_fd;
    uint16_t ks_port;
    kmock_client *ks_clients[KMOCK_CLIENTS_MAX];
    size_t ks_nclients;
} kmock_server;

/* Command-line options. */
typedef struct kmock_options {
    int ko_brokers;
    int ko_port;
    const char *ko_ready_file; /* borrowed from argv, or NULL */
    int ko_debug;
    char **ko_topic_specs; /* borrowed from argv; the array is owned */
    size_t ko_ntopic_specs;
} kmock_options;

static void kmock_usage(FILE *out) {
    fprintf(out,
            "usage: eddy kafka-mock [options]\n"
            "\n"
            "Runs librdkafka's in-process mock Kafka cluster on 127.0.0.1 (for development and\n"
            "tests; nothing is written to disk), prints\n"
            "  bootstrap.servers=HOST:PORT,...\n"
            "  eddy.mock.control=127.0.0.1:PORT\n"
            "and runs until SIGINT or SIGTERM.  The control port takes one command per line\n"
            "(PING, CREATE, TOPICS, BROKER DOWN|UP, RTT, ERRORS, LEADER, CLEAR, HELP); see\n"
            "docs/kafka.md.\n"
            "\n"
            "options:\n"
            "  --brokers N                          number of brokers (1..%d, default %d)\n"
            "  --topic NAME:PARTITIONS[:REPLICAS]   create a topic at start (repeatable)\n"
            "  --control-port P                     control port (default 0: any free port)\n"
            "  --ready-file PATH                    write the two lines there once everything\n"
            "                                       listens (removed again at exit)\n"
            "  --debug                              librdkafka's mock debug log on stderr\n"
            "  --help                               this text\n",
            EDDY_KMOCK_BROKERS_MAX, KMOCK_DEFAULT_BROKERS);
}

/* ---- options -------------------------------------------------------------------------------- */

/* The value of option `name` at argv[*i] ("--name V" or "--name=V"), advancing *i; NULL if
 * argv[*i] is another option.  *missing is set when the option has no value. */
static const char *kmock_opt_value(int argc, char **argv, int *i, const char *name, int *missing) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return NULL;
    if (a[n] == '=') return a + n + 1;
    if (a[n] != '\0') return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

static int kmock_opt_int(const char *name, const char *v, long lo, long hi, int *out) {
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi) {
        fprintf(stderr, "eddy kafka-mock: %s: expected an integer in %ld..%ld, got '%s'\n", name, lo,
                hi, v);
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* Returns 0, 1 after --help, or 2 on a usage error (message printed). */
static int kmock_options_parse(int argc, char **argv, kmock_options *o) {
    o->ko_brokers = KMOCK_DEFAULT_BROKERS;
    o->ko_port = 0;
    o->ko_topic_specs = calloc((size_t)argc + 1, sizeof *o->ko_topic_specs);
    if (!o->ko_topic_specs) return 2;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v;
        int missing = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            kmock_usage(stdout);
            return 1;
        } else if (strcmp(a, "--debug") == 0) {
            o->ko_debug = 1;
        } else if ((v = kmock_opt_value(argc, argv, &i, "--brokers", &missing))) {
            if (kmock_opt_int("--brokers", v, 1, EDDY_KMOCK_BROKERS_MAX, &o->ko_brokers)) return 2;
        } else if ((v = kmock_opt_value(argc, argv, &i, "--control-port", &missing))) {
            if (kmock_opt_int("--control-port", v, 0, 65535, &o->ko_port)) return 2;
        } else if ((v = kmock_opt_value(argc, argv, &i, "--ready-file", &missing))) {
            o->ko_ready_file = v;
        } else if ((v = kmock_opt_value(argc, argv, &i, "--topic", &missing))) {
            o->ko_topic_specs[o->ko_ntopic_specs++] = (char *)v;
        } else {
            if (missing) fprintf(stderr, "eddy kafka-mock: %s needs a value\n", a);
            else fprintf(stderr, "eddy kafka-mock: unknown option '%s'\n", a);
            kmock_usage(stderr);
            return 2;
        }
    }
    return 0;
}

/* ---- topics ------------------------------------------------------------------------------- */

static kmock_topic *kmock_topic_find(kmock_server *ks, const char *name) {
    for (size_t i = 0; i < ks->ks_ntopics; i++)
        if (strcmp(ks->ks_topics[i].kt_name, name) == 0) return &ks->ks_topics[i];
    return NULL;
}

/* Creates a topic in the cluster and remembers it.  replicas 0 means the default.
 * Returns 0, EDDY_EXISTS (already created by the tool, or by a client's auto-creation),
 * EDDY_NOMEM or EDDY_STORAGE (the mock refused; message in err). */
static int kmock_topic_create(kmock_server *ks, const char *name, int partitions, int replicas,
                              int *replicas_out, eddy_err *err) {
    if (kmock_topic_find(ks, name)) return eddy_err_set(err, EDDY_EXISTS, "topic exists");
    if (replicas <= 0) replicas = KMOCK_DEFAULT_REPLICAS;
    if (replicas > ks->ks_brokers) replicas = ks->ks_brokers;
    if (ks->ks_ntopics == ks->ks_captopics) {
        size_t cap = ks->ks_captopics ? 2 * ks->ks_captopics : 16;
        kmock_topic *t = realloc(ks->ks_topics, cap * sizeof *t);
        if (!t) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        ks->ks_topics = t;
        ks->ks_captopics = cap;
    }
    char *copy = strdup(name);
    if (!copy) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    rd_kafka_resp_err_t kerr = rd_kafka_mock_topic_create(ks->ks_cluster, name, partitions, replicas);
    if (kerr == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        /* A client auto-created it (Metadata or Produce for an unknown topic); its partition
         * count is the mock's default, not ours, so it is not listed by TOPICS. */
        free(copy);
        return eddy_err_set(err, EDDY_EXISTS, "topic exists (auto-created by a client)");
    }
    if (kerr) {
        free(copy);
        return eddy_err_set(err, EDDY_STORAGE, "%s: %s", rd_kafka_err2name(kerr), rd_kafka_err2str(kerr));
    }
    ks->ks_topics[ks->ks_ntopics++] = (kmock_topic){copy, partitions, replicas};
    if (replicas_out) *replicas_out = replicas;
    return 0;
}

/* ---- commands ------------------------------------------------------------------------------- */

static void kmock_reply_kerr(eddy_strbuf *out, const char *what, rd_kafka_resp_err_t kerr) {
    eddy_strbuf_printf(out, "ERR %s: %s (%s)\n", what, rd_kafka_err2str(kerr), rd_kafka_err2name(kerr));
}

static void kmock_broker_label(int32_t id, char *buf, size_t size) {
    if (id == -1) snprintf(buf, size, "all brokers");
    else snprintf(buf, size, "broker %d", (int)id);
}

/* Carries out one parsed command; appends exactly one reply line to out. */
static void kmock_exec(kmock_server *ks, const eddy_kmock_cmd *c, eddy_strbuf *out) {
    rd_kafka_resp_err_t kerr;
    eddy_err err;
    char label[64];
    eddy_err_clear(&err);

    switch (c->kc_op) {
    case EDDY_KMOCK_PING:
        eddy_strbuf_puts(out, "OK\n");
        return;
    case EDDY_KMOCK_HELP: {
        char help[1024];
        eddy_kmock_help_text(help, sizeof help);
        eddy_strbuf_printf(out, "OK %s\n", help);
        return;
    }
    case EDDY_KMOCK_CREATE: {
        int replicas = 0;
        int rc = kmock_topic_create(ks, c->kc_topic, c->kc_partitions, c->kc_replicas, &replicas, &err);
        if (rc == EDDY_EXISTS) eddy_strbuf_puts(out, "EXISTS\n");
        else if (rc) eddy_strbuf_printf(out, "ERR %s\n", err.msg);
        else
            eddy_strbuf_printf(out, "OK created %s partitions=%d replicas=%d\n", c->kc_topic,
                               c->kc_partitions, replicas);
        return;
    }
    case EDDY_KMOCK_DELETE:
        eddy_strbuf_puts(out, "ERR unsupported: the mock cluster cannot delete topics\n");
        return;
    case EDDY_KMOCK_TOPICS:
        eddy_strbuf_puts(out, "OK");
        for (size_t i = 0; i < ks->ks_ntopics; i++)
            eddy_strbuf_printf(out, "%c%s:%d", i ? ',' : ' ', ks->ks_topics[i].kt_name,
                               ks->ks_topics[i].kt_partitions);
        eddy_strbuf_putc(out, '\n');
        return;
    case EDDY_KMOCK_BROKER_DOWN:
    case EDDY_KMOCK_BROKER_UP: {
        int down = c->kc_op == EDDY_KMOCK_BROKER_DOWN;
        kmock_broker_label(c->kc_broker, label, sizeof label);
        kerr = down ? rd_kafka_mock_broker_set_down(ks->ks_cluster, c->kc_broker)
                    : rd_kafka_mock_broker_set_up(ks->ks_cluster, c->kc_broker);
        if (kerr) kmock_reply_kerr(out, label, kerr);
        else eddy_strbuf_printf(out, "OK %s %s\n", label, down ? "down" : "up");
        return;
    }
    case EDDY_KMOCK_RTT:
        kmock_broker_label(c->kc_broker, label, sizeof label);
        kerr = rd_kafka_mock_broker_set_rtt(ks->ks_cluster, c->kc_broker, c->kc_rtt_ms);
        if (kerr) kmock_reply_kerr(out, label, kerr);
        else eddy_strbuf_printf(out, "OK %s rtt=%dms\n", label, c->kc_rtt_ms);
        return;
    case EDDY_KMOCK_ERRORS: {
        rd_kafka_resp_err_t *errs = malloc((size_t)c->kc_count * sizeof *errs);
        if (!errs) {
            eddy_strbuf_puts(out, "ERR out of memory\n");
            return;
        }
        for (int i = 0; i < c->kc_count; i++) errs[i] = (rd_kafka_resp_err_t)c->kc_error;
        rd_kafka_mock_push_request_errors_array(ks->ks_cluster, c->kc_api_key, (size_t)c->kc_count, errs);
        free(errs);
        ks->ks_pushed[c->kc_api_key / 8] |= (unsigned char)(1u << (c->kc_api_key % 8));
        const char *api = eddy_kmock_api_key_name(c->kc_api_key);
        if (!api) {
            snprintf(label, sizeof label, "ApiKey-%d", (int)c->kc_api_key);
            api = label;
        }
        eddy_strbuf_printf(out, "OK the next %d %s requests fail with %s\n", c->kc_count, api,
                           rd_kafka_err2name(c->kc_error));
        return;
    }
    case EDDY_KMOCK_LEADER: {
        const kmock_topic *t = kmock_topic_find(ks, c->kc_topic);
        if (!t) {
            /* The mock would auto-create an unknown topic here; only act on ours. */
            eddy_strbuf_printf(out, "ERR unknown topic '%s' (LEADER needs a topic created by --topic or CREATE)\n",
                               c->kc_topic);
            return;
        }
        if (c->kc_partition >= t->kt_partitions) {
            eddy_strbuf_printf(out, "ERR topic '%s' has partitions 0..%d\n", t->kt_name, t->kt_partitions - 1);
            return;
        }
        kerr = rd_kafka_mock_partition_set_leader(ks->ks_cluster, c->kc_topic, c->kc_partition, c->kc_broker);
        if (kerr) {
            kmock_broker_label(c->kc_broker, label, sizeof label);
            kmock_reply_kerr(out, label, kerr);
        } else if (c->kc_broker == -1) {
            eddy_strbuf_printf(out, "OK %s [%d] has no leader\n", c->kc_topic, (int)c->kc_partition);
        } else {
            eddy_strbuf_printf(out, "OK %s [%d] leader=%d\n", c->kc_topic, (int)c->kc_partition,
                               (int)c->kc_broker);
        }
        return;
    }
    case EDDY_KMOCK_CLEAR:
        for (int k = 0; k <= INT16_MAX; k++)
            if (ks->ks_pushed[k / 8] & (1u << (k % 8)))
                rd_kafka_mock_clear_request_errors(ks->ks_cluster, (int16_t)k);
        memset(ks->ks_pushed, 0, sizeof ks->ks_pushed);
        kerr = rd_kafka_mock_broker_set_rtt(ks->ks_cluster, -1, 0);
        if (kerr) kmock_reply_kerr(out, "all brokers", kerr);
        else eddy_strbuf_puts(out, "OK injected errors dropped, RTTs reset\n");
        return;
    }
    eddy_strbuf_puts(out, "ERR internal: unhandled command\n");
}

/* ---- the control port ------------------------------------------------------------------- */

/* Opens the control listener on 127.0.0.1:port (0: any free port).  Sets *fdp and *bound (the
 * port it got).  Returns 0 or EDDY_IO. */
static int kmock_listen(uint16_t port, int *fdp, uint16_t *bound, eddy_err *err) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return eddy_err_set(err, EDDY_IO, "socket: %s", strerror(errno));
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, 16) < 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
        int e = errno;
        close(fd);
        return eddy_err_set(err, EDDY_IO, "control port 127.0.0.1:%u: %s", (unsigned)port, strerror(e));
    }
    *bound = ntohs(sin.sin_port);
    *fdp = fd;
    return 0;
}

static void kmock_client_close(kmock_server *ks, size_t idx) {
    kmock_client *cl = ks->ks_clients[idx];
    close(cl->cl_fd);
    eddy_strbuf_fini(&cl->cl_out);
    free(cl);
    ks->ks_clients[idx] = ks->ks_clients[--ks->ks_nclients];
}

static void kmock_accept(kmock_server *ks) {
    for (;;) {
        int fd = accept4(ks->ks_listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return; /* EAGAIN, or a connection that went away */
        kmock_client *cl = ks->ks_nclients < KMOCK_CLIENTS_MAX ? calloc(1, sizeof *cl) : NULL;
        if (!cl) {
            static const char busy[] = "ERR too many control connections\n";
            (void)!send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL);
            close(fd);
            continue;
        }
        cl->cl_fd = fd;
        eddy_strbuf_init(&cl->cl_out);
        ks->ks_clients[ks->ks_nclients++] = cl;
    }
}

/* Answers every complete line in cl_in. */
static void kmock_client_lines(kmock_server *ks, kmock_client *cl) {
    size_t start = 0;
    char *nl;
    while (!cl->cl_closing && (nl = memchr(cl->cl_in + start, '\n', cl->cl_in_len - start))) {
        *nl = '\0';
        const char *line = cl->cl_in + start;
        size_t len = (size_t)(nl - line);
        start += len + 1;
        eddy_kmock_cmd cmd;
        eddy_err err;
        eddy_err_clear(&err);
        if (memchr(line, '\0', len)) eddy_strbuf_puts(&cl->cl_out, "ERR request contains a NUL byte\n");
        else if (eddy_kmock_cmd_parse(line, &cmd, &err)) eddy_strbuf_printf(&cl->cl_out, "ERR %s\n", err.msg);
        else kmock_exec(ks, &cmd, &cl->cl_out);
    }
    memmove(cl->cl_in, cl->cl_in + start, cl->cl_in_len - start);
    cl->cl_in_len -= start;
    if (!cl->cl_closing && cl->cl_in_len == sizeof cl->cl_in) {
        eddy_strbuf_printf(&cl->cl_out, "ERR line too long (more than %d bytes); closing\n", EDDY_KMOCK_LINE_MAX);
        cl->cl_closing = 1;
    }
}

/* Sends what it can of cl_out.  Returns -1 when the connection is to be closed. */
static int kmock_client_flush(kmock_client *cl) {
    while (cl->cl_out_sent < cl->cl_out.len) {
        ssize_t n = send(cl->cl_fd, cl->cl_out.buf + cl->cl_out_sent, cl->cl_out.len - cl->cl_out_sent,
                         MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
        cl->cl_out_sent += (size_t)n;
    }
    if (cl->cl_out.failed) return -1;
    eddy_strbuf_reset(&cl->cl_out);
    cl->cl_out_sent = 0;
    return cl->cl_closing || cl->cl_eof ? -1 : 0;
}

/* Handles poll events on client idx.  Returns -1 when the connection is to be closed. */
static int kmock_client_io(kmock_server *ks, kmock_client *cl, short revents) {
    if (revents & POLLIN) {
        ssize_t n = recv(cl->cl_fd, cl->cl_in + cl->cl_in_len, sizeof cl->cl_in - cl->cl_in_len, 0);
        if (n == 0) cl->cl_eof = 1; /* an unterminated last line is dropped */
        else if (n < 0 && errno != EAGAIN && errno != EINTR) return -1;
        else if (n > 0) {
            cl->cl_in_len += (size_t)n;
            kmock_client_lines(ks, cl);
        }
    } else if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
        return -1;
    }
    return kmock_client_flush(cl);
}

/* Serves the control port until a signal arrives on sigfd.  Returns 0, or -1 if poll fails. */
static int kmock_serve(kmock_server *ks, int sigfd) {
    struct pollfd fds[2 + KMOCK_CLIENTS_MAX];
    for (;;) {
        size_t nfds = 0;
        fds[nfds++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
        fds[nfds++] = (struct pollfd){.fd = ks->ks_listen_fd, .events = POLLIN};
        for (size_t i = 0; i < ks->ks_nclients; i++) {
            kmock_client *cl = ks->ks_clients[i];
            /* While replies wait to be sent, read no more requests. */
            short ev = cl->cl_out.len > cl->cl_out_sent ? POLLOUT : POLLIN;
            fds[nfds++] = (struct pollfd){.fd = cl->cl_fd, .events = ev};
        }
        if (poll(fds, nfds, -1) < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "eddy kafka-mock: poll: %s\n", strerror(errno));
            return -1;
        }
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si)
                fprintf(stderr, "eddy kafka-mock: %s received, stopping\n",
                        si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
            return 0;
        }
        /* Clients first (their indices match fds), from the back so closing one (which moves
         * the last client into its slot) does not skip any. */
        for (size_t i = ks->ks_nclients; i-- > 0;) {
            short rev = fds[2 + i].revents;
            if (rev && kmock_client_io(ks, ks->ks_clients[i], rev) < 0) kmock_client_close(ks, i);
        }
        if (fds[1].revents & POLLIN) kmock_accept(ks);
    }
}

/* ---- start and stop ------------------------------------------------------------------------ */

static void kmock_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    /* The host handle has no bootstrap.servers on purpose. */
    if (strcmp(fac, "CONFWARN") == 0) return;
    fprintf(stderr, "eddy kafka-mock: rdkafka %s: %s\n", fac, buf);
}

/* Writes the two lines to path (through a temporary file and rename, so readers never see half
 * of it). */
static int kmock_write_ready(const char *path, const char *lines, eddy_err *err) {
    eddy_strbuf tmp = EDDY_STRBUF_INIT;
    eddy_strbuf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = tmp.failed ? NULL : fopen(eddy_strbuf_cstr(&tmp), "w");
    int rc = 0;
    if (!f || fputs(lines, f) < 0 || fclose(f) != 0 || rename(eddy_strbuf_cstr(&tmp), path) != 0) {
        rc = eddy_err_set(err, EDDY_IO, "--ready-file %s: %s", path, strerror(errno));
        if (f) unlink(eddy_strbuf_cstr(&tmp));
    }
    eddy_strbuf_fini(&tmp);
    return rc;
}

static rd_kafka_t *kmock_host_handle(int debug, eddy_err *err) {
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!conf) return NULL;
    rd_kafka_conf_set_log_cb(conf, kmock_log_cb);
    if (rd_kafka_conf_set(conf, "client.id", "eddy-kafka-mock", errstr, sizeof errstr) ||
        (debug && rd_kafka_conf_set(conf, "debug", "mock", errstr, sizeof errstr))) {
        rd_kafka_conf_destroy(conf);
        eddy_err_set(err, EDDY_CONFIG, "%s", errstr);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        eddy_err_set(err, EDDY_CONFIG, "%s", errstr);
    }
    return rk; /* on success conf belongs to rk */
}

int eddy_kafka_mock_main(int argc, char **argv) {
    kmock_options opt = {0};
    kmock_server *ks = NULL;
    eddy_err err;
    int status = 1, sigfd = -1, ready_written = 0;
    eddy_strbuf lines = EDDY_STRBUF_INIT;
    sigset_t sigs;
    eddy_err_clear(&err);

    int rc = kmock_options_parse(argc, argv, &opt);
    if (rc) {
        free(opt.ko_topic_specs);
        return rc == 1 ? 0 : 2;
    }
    /* Check every --topic before starting anything. */
    for (size_t i = 0; i < opt.ko_ntopic_specs; i++) {
        char name[EDDY_KMOCK_TOPIC_MAX + 1];
        int p, r;
        if (eddy_kmock_topic_spec_parse(opt.ko_topic_specs[i], name, &p, &r, &err)) {
            fprintf(stderr, "eddy kafka-mock: %s\n", err.msg);
            free(opt.ko_topic_specs);
            return 2;
        }
    }

    /* SIGINT and SIGTERM arrive on sigfd: block them before librdkafka starts its threads, which
     * inherit the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
    if (sigfd < 0) {
        fprintf(stderr, "eddy kafka-mock: signalfd: %s\n", strerror(errno));
        goto done;
    }

    ks = calloc(1, sizeof *ks);
    if (!ks) goto done;
    ks->ks_listen_fd = -1;
    ks->ks_brokers = opt.ko_brokers;
    if (!(ks->ks_rk = kmock_host_handle(opt.ko_debug, &err))) {
        fprintf(stderr, "eddy kafka-mock: cannot create the librdkafka handle: %s\n", err.msg);
        goto done;
    }
    if (!(ks->ks_cluster = rd_kafka_mock_cluster_new(ks->ks_rk, opt.ko_brokers))) {
        fprintf(stderr, "eddy kafka-mock: cannot create the mock cluster\n");
        goto done;
    }
    for (size_t i = 0; i < opt.ko_ntopic_specs; i++) {
        char name[EDDY_KMOCK_TOPIC_MAX + 1];
        int p, r;
        eddy_kmock_topic_spec_parse(opt.ko_topic_specs[i], name, &p, &r, &err);
        rc = kmock_topic_create(ks, name, p, r, NULL, &err);
        if (rc == EDDY_EXISTS) {
            fprintf(stderr, "eddy kafka-mock: --topic %s given twice\n", name);
            status = 2;
            goto done;
        }
        if (rc) {
            fprintf(stderr, "eddy kafka-mock: cannot create topic %s: %s\n", name, err.msg);
            goto done;
        }
    }
    if (kmock_listen((uint16_t)opt.ko_port, &ks->ks_listen_fd, &ks->ks_port, &err)) {
        fprintf(stderr, "eddy kafka-mock: %s\n", err.msg);
        goto done;
    }

    eddy_strbuf_printf(&lines, "bootstrap.servers=%s\neddy.mock.control=127.0.0.1:%u\n",
                       rd_kafka_mock_cluster_bootstraps(ks->ks_cluster), (unsigned)ks->ks_port);
    if (lines.failed) goto done;
    fputs(eddy_strbuf_cstr(&lines), stdout);
    fflush(stdout);
    if (opt.ko_ready_file) {
        if (kmock_write_ready(opt.ko_ready_file, eddy_strbuf_cstr(&lines), &err)) {
            fprintf(stderr, "eddy kafka-mock: %s\n", err.msg);
            goto done;
        }
        ready_written = 1;
    }
    fprintf(stderr, "eddy kafka-mock: %d broker(s), %zu topic(s); SIGINT or SIGTERM stops it\n",
            opt.ko_brokers, ks->ks_ntopics);

    if (kmock_serve(ks, sigfd) == 0) status = 0;

done:
    if (ready_written) unlink(opt.ko_ready_file);
    if (ks) {
        while (ks->ks_nclients > 0) kmock_client_close(ks, ks->ks_nclients - 1);
        if (ks->ks_listen_fd >= 0) close(ks->ks_listen_fd);
        if (ks->ks_cluster) rd_kafka_mock_cluster_destroy(ks->ks_cluster);
        if (ks->ks_rk) rd_kafka_destroy(ks->ks_rk);
        for (size_t i = 0; i < ks->ks_ntopics; i++) free(ks->ks_topics[i].kt_name);
        free(ks->ks_topics);
        free(ks);
    }
    if (sigfd >= 0) close(sigfd);
    eddy_strbuf_fini(&lines);
    free(opt.ko_topic_specs);
    return status;
}
