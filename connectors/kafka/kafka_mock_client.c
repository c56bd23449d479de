/* kafka_mock_client.c - the client side of the control port of `eddy
 * kafka-mock` (a mock cluster in another process): creating and deleting
 * topics, which librdkafka 2.0.2's mock cannot do through the Kafka protocol.
 * One TCP connection per request, one request line, one reply line; the
 * protocol is described in kafka_log.h.
 */
#include "connectors/kafka/kafka_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define KM_CONNECT_MS 5000 /* connecting to the control port */
#define KM_REPLY_MS 30000  /* waiting for the reply (creation waits for the mock) */

/* Splits "host:port" (host may be "[v6]") into host and port. */
static int split_address(const char *control, char *host, size_t hcap, char *port, size_t pcap,
                         eddy_err *err) {
    const char *colon = strrchr(control, ':');
    if (!colon || colon == control || !colon[1])
        return eddy_err_set(err, EDDY_CONFIG,
                            "kafka: eddy.mock.control \"%s\" is not host:port", control);
    const char *h = control;
    size_t hlen = (size_t)(colon - control);
    if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') h++, hlen -= 2;
    if (hlen >= hcap || strlen(colon + 1) >= pcap)
        return eddy_err_set(err, EDDY_CONFIG, "kafka: eddy.mock.control \"%s\" is too long",
                            control);
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    snprintf(port, pcap, "%s", colon + 1);
    return 0;
}

/* A socket connected to addr within KM_CONNECT_MS, or -1 with errno set. */
static int connect_to(const struct addrinfo *ai) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) return -1;
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) goto fail;
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int n = poll(&p, 1, KM_CONNECT_MS);
        if (n == 0) {
            errno = ETIMEDOUT;
            goto fail;
        }
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0) goto fail;
        if (soerr) {
            errno = soerr;
            goto fail;
        }
    }
    fcntl(fd, F_SETFL, flags);
    struct timeval tv = {.tv_sec = KM_REPLY_MS / 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
fail:;
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

/* Sends request (one line, with its "\n") to the control port and reads the
 * reply line into reply (without "\r\n"). */
static int control_call(const char *control, const char *request, char *reply, size_t cap,
                        eddy_err *err) {
    char host[256], port[32];
    int rc = split_address(control, host, sizeof host, port, sizeof port, err);
    if (rc) return rc;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ais = NULL;
    int g = getaddrinfo(host, port, &hints, &ais);
    if (g != 0)
        return eddy_err_set(err, EDDY_IO, "kafka: mock control port %s: %s", control,
                            gai_strerror(g));
    int fd = -1, why = 0;
    for (struct addrinfo *ai = ais; ai && fd < 0; ai = ai->ai_next)
        if ((fd = connect_to(ai)) < 0) why = errno;
    freeaddrinfo(ais);
    if (fd < 0)
        return eddy_err_set(err, EDDY_IO,
                            "kafka: cannot connect to the mock control port %s: %s "
                            "(is `eddy kafka-mock` running?)",
                            control, strerror(why));
    size_t len = strlen(request), sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, request + sent, len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            rc = eddy_err_set(err, EDDY_IO, "kafka: mock control port %s: send: %s", control,
                              strerror(errno));
            goto done;
        }
        sent += (size_t)n;
    }
    size_t got = 0;
    for (;;) {
        if (got + 1 >= cap) break; /* a longer reply is cut */
        ssize_t n = recv(fd, reply + got, cap - 1 - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            rc = eddy_err_set(err, EDDY_IO, "kafka: mock control port %s: no reply: %s",
                              control, strerror(errno));
            goto done;
        }
        if (n == 0) break;
        got += (size_t)n;
        if (memchr(reply, '\n', got)) break;
    }
    reply[got] = '\0';
    char *nl = strchr(reply, '\n');
    if (nl) *nl = '\0';
    else if (got == 0) {
        rc = eddy_err_set(err, EDDY_IO, "kafka: mock control port %s closed without a reply",
                          control);
        goto done;
    }
    size_t rl = strlen(reply);
    if (rl && reply[rl - 1] == '\r') reply[rl - 1] = '\0';
done:
    close(fd);
    return rc;
}

/* Maps a reply: "OK..." 0, "EXISTS" EDDY_EXISTS, "ERR <message>" EDDY_IO
 * (EDDY_UNSUPPORTED when the message starts with "unsupported"). */
static int reply_code(const char *control, const char *what, const char *topic,
                      const char *reply, eddy_err *err) {
    if (strncmp(reply, "OK", 2) == 0 && (reply[2] == '\0' || reply[2] == ' ')) return 0;
    if (strcmp(reply, "EXISTS") == 0)
        return eddy_err_set(err, EDDY_EXISTS, "topic %s already exists", topic);
    if (strncmp(reply, "ERR", 3) == 0 && (reply[3] == '\0' || reply[3] == ' ')) {
        const char *msg = reply[3] ? reply + 4 : "(no message)";
        int code = strncmp(msg, "unsupported", 11) == 0 ? EDDY_UNSUPPORTED : EDDY_IO;
        return eddy_err_set(err, code, "kafka: mock cluster: %s topic %s: %s", what, topic, msg);
    }
    return eddy_err_set(err, EDDY_IO, "kafka: mock control port %s: unexpected reply \"%.200s\"",
                        control, reply);
}

int kl_mock_control_create(const char *control, const char *topic, int32_t partitions,
                           int16_t replicas, eddy_err *err) {
    char req[EDDY_LOG_TOPIC_NAME_MAX + 64], reply[1024];
    snprintf(req, sizeof req, "CREATE %s %d %d\n", topic, (int)partitions, (int)replicas);
    int rc = control_call(control, req, reply, sizeof reply, err);
    return rc ? rc : reply_code(control, "create", topic, reply, err);
}

int kl_mock_control_delete(const char *control, const char *topic, eddy_err *err) {
    char req[EDDY_LOG_TOPIC_NAME_MAX + 16], reply[1024];
    snprintf(req, sizeof req, "DELETE %s\n", topic);
    int rc = control_call(control, req, reply, sizeof reply, err);
    return rc ? rc : reply_code(control, "delete", topic, reply, err);
}
