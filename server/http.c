/* http.c - the HTTP server on h2o: listening, the loop and its wake-ups,
 * routing from the route table, requests, whole responses and error bodies.
 *
 * Streamed responses are in http_stream.c.  HTTP/2 over cleartext needs no
 * code here: h2o's HTTP/1 parser hands a connection that opens with the
 * "PRI * HTTP/2" preface to its HTTP/2 side, and answers "Upgrade: h2c" with
 * 101 and continues in HTTP/2 (globalconf.http1.upgrade_to_http2, on by
 * default).
 */
#include "server/http.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server/http_internal.h"

/* h2o's own hard limit on buffered request bodies is this many times ours:
 * bodies between the two reach the dispatcher and get eddy's 413; beyond it
 * h2o stops reading (HTTP/1.1: a 413 rewritten by the error filter; HTTP/2:
 * RST_STREAM, since h2o 2.2.5 refuses the stream there). */
#define EDDY_HTTP_HARD_LIMIT_FACTOR 2
#define EDDY_HTTP_DRAIN_MS 2000

/* ------------------------------------------------------------------ */
/* status reasons and error bodies                                     */

static const struct {
    int status;
    const char *reason;
} reasons[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {413, "Payload Too Large"},
    {415, "Unsupported Media Type"},
    {417, "Expectation Failed"},
    {422, "Unprocessable Entity"},
    {429, "Too Many Requests"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

const char *eddy_http__reason(int status)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "";
}

void eddy_http_config_init(eddy_http_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
}

json_t *eddy_http_default_error_body(int status, int error_code, const char *message, void *ud)
{
    (void)status;
    (void)ud;
    return json_pack("{s:s, s:i, s:s}", "@type", "generic_error", "error_code", error_code, "message",
                     message != NULL ? message : "");
}

char *eddy_http__error_text(eddy_http_server *srv, int status, int error_code, const char *message, size_t *len)
{
    json_t *body = NULL;
    char *text;

    if (srv->hs_error_body != NULL)
        body = srv->hs_error_body(status, error_code, message, srv->hs_error_body_ud);
    if (body == NULL)
        body = eddy_http_default_error_body(status, error_code, message, NULL);
    if (body == NULL)
        return NULL;
    text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(body);
    if (text != NULL)
        *len = strlen(text);
    return text;
}

/* ------------------------------------------------------------------ */
/* whole responses                                                     */

void eddy_http__send_whole(eddy_http_server *srv, h2o_req_t *req, int status, const char *content_type,
                           const char *body, size_t len)
{
    req->res.status = status;
    req->res.reason = eddy_http__reason(status);
    req->res.content_length = len;
    if (content_type != NULL)
        h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, content_type, strlen(content_type), 1);
    srv->hs_own_response = 1;
    h2o_send_inline(req, body, len); /* copies body */
    srv->hs_own_response = 0;
}

static void send_error(eddy_http_server *srv, h2o_req_t *req, int status, int error_code, const char *message)
{
    size_t len = 0;
    char *text = eddy_http__error_text(srv, status, error_code, message, &len);

    if (text == NULL) {
        eddy_http__send_whole(srv, req, 500, "text/plain", "out of memory", 13);
        return;
    }
    eddy_http__send_whole(srv, req, status, "application/json", text, len);
    free(text);
}

/* ------------------------------------------------------------------ */
/* the error filter: eddy's error bodies on the errors h2o sends itself */

/* h2o answers some malformed or oversized HTTP/1.x requests on its own
 * (413 on a too-large Content-Length or chunked body, 400 on broken chunked
 * encoding, 417 on an unknown Expect) with text/plain.  This filter, on every
 * path, replaces such bodies with the error hook's JSON; responses eddy starts
 * itself (hs_own_response) pass untouched. */
typedef struct {
    h2o_filter_t super;
    eddy_http_server *srv;
} error_filter;

typedef struct {
    h2o_ostream_t super;
    eddy_http_server *srv;
    int replaced;
} error_ostream;

static void error_ostream_send(h2o_ostream_t *self_, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt,
                               h2o_send_state_t state)
{
    error_ostream *self = (error_ostream *)self_;
    char message[256];
    size_t mlen = 0, len = 0;
    char *text;
    h2o_iovec_t out;

    if (self->replaced) {
        h2o_ostream_send_next(&self->super, req, NULL, 0, state);
        return;
    }
    self->replaced = 1;
    for (size_t i = 0; i < bufcnt && mlen < sizeof(message) - 1; i++) {
        size_t n = bufs[i].len;
        if (n > sizeof(message) - 1 - mlen)
            n = sizeof(message) - 1 - mlen;
        memcpy(message + mlen, bufs[i].base, n);
        mlen += n;
    }
    message[mlen] = '\0';
    if (mlen == 0)
        snprintf(message, sizeof(message), "%s", req->res.reason != NULL ? req->res.reason : "error");

    text = eddy_http__error_text(self->srv, req->res.status, req->res.status * 100, message, &len);
    if (text == NULL) {
        h2o_ostream_send_next(&self->super, req, bufs, bufcnt, state); /* keep h2o's text */
        return;
    }
    out = h2o_strdup(&req->pool, text, len);
    free(text);
    req->res.content_length = out.len;
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, H2O_STRLIT("application/json"), 1);
    h2o_ostream_send_next(&self->super, req, &out, 1, state);
}

static void error_filter_setup(h2o_filter_t *self_, h2o_req_t *req, h2o_ostream_t **slot)
{
    error_filter *self = (error_filter *)self_;

    if (!self->srv->hs_own_response && req->res.status >= 400) {
        error_ostream *os = (error_ostream *)h2o_add_ostream(req, sizeof(*os), slot);
        os->super.do_send = error_ostream_send;
        os->srv = self->srv;
        os->replaced = 0;
        slot = &os->super.next;
    }
    h2o_setup_next_ostream(req, slot);
}

static void add_error_filter(eddy_http_server *srv, h2o_pathconf_t *pathconf)
{
    error_filter *f = (error_filter *)h2o_create_filter(pathconf, sizeof(*f));
    f->super.on_setup_ostream = error_filter_setup;
    f->srv = srv;
}

/* ------------------------------------------------------------------ */
/* routing                                                             */

typedef struct {
    h2o_handler_t super;
    eddy_http_server *srv;
} dispatch_handler;

static int path_matches(const char *pattern, const char *path)
{
    size_t n = strlen(pattern);
    if (n > 0 && pattern[n - 1] == '*')
        return strncmp(pattern, path, n - 1) == 0;
    return strcmp(pattern, path) == 0;
}

static char *pool_strndup(h2o_mem_pool_t *pool, const char *s, size_t n)
{
    char *p = h2o_mem_alloc_pool(pool, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static int dispatch(h2o_handler_t *self_, h2o_req_t *req)
{
    dispatch_handler *self = (dispatch_handler *)self_;
    eddy_http_server *srv = self->srv;
    eddy_http_request *r;
    const eddy_http_route *route = NULL;
    int path_known = 0;
    char allow[128];
    size_t allow_len = 0;

    r = h2o_mem_alloc_pool(&req->pool, sizeof(*r));
    memset(r, 0, sizeof(*r));
    r->rq_req = req;
    r->rq_srv = srv;
    r->rq_method = pool_strndup(&req->pool, req->method.base, req->method.len);
    r->rq_path = pool_strndup(&req->pool, req->path_normalized.base, req->path_normalized.len);
    if (req->query_at != SIZE_MAX && req->query_at < req->path.len)
        r->rq_query = pool_strndup(&req->pool, req->path.base + req->query_at + 1, req->path.len - req->query_at - 1);
    else
        r->rq_query = "";

    allow[0] = '\0';
    for (size_t i = 0; i < srv->hs_nroutes; i++) {
        const eddy_http_route *rt = &srv->hs_routes[i];
        if (!path_matches(rt->path, r->rq_path))
            continue;
        path_known = 1;
        if (rt->method == NULL || strcmp(rt->method, r->rq_method) == 0) {
            route = rt;
            break;
        }
        if (rt->method != NULL) {
            int n = snprintf(allow + allow_len, sizeof(allow) - allow_len, "%s%s", allow_len ? ", " : "", rt->method);
            if (n > 0 && (size_t)n < sizeof(allow) - allow_len)
                allow_len += (size_t)n;
        }
    }

    if (req->entity.len > srv->hs_max_body) {
        char msg[128];
        snprintf(msg, sizeof(msg), "request body of %zu bytes is larger than the limit of %zu bytes",
                 req->entity.len, srv->hs_max_body);
        send_error(srv, req, 413, 41300, msg);
        return 0;
    }
    if (route == NULL) {
        char msg[256];
        if (path_known) {
            snprintf(msg, sizeof(msg), "method %.32s is not allowed on %.160s", r->rq_method, r->rq_path);
            if (allow_len > 0)
                h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
                               h2o_strdup(&req->pool, allow, allow_len).base, allow_len);
            send_error(srv, req, 405, 40500, msg);
        } else {
            snprintf(msg, sizeof(msg), "no resource at %.200s", r->rq_path);
            send_error(srv, req, 404, 40400, msg);
        }
        return 0;
    }

    route->handler(r, route->ud);
    if (!r->rq_answered) {
        r->rq_answered = 1;
        send_error(srv, req, 500, 50000, "the handler did not respond");
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* connections                                                         */

/* One accepted socket, tracked so shutdown can close them all.  h2o keeps
 * the same h2o_socket_t when a connection moves from HTTP/1 to HTTP/2. */
typedef struct {
    h2o_linklist_t link;
    h2o_socket_t *sock;
} eddy_http_conn_;

static void on_conn_closed(void *data)
{
    eddy_http_conn_ *c = data;
    h2o_linklist_unlink(&c->link);
    free(c);
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    eddy_http_server *srv = listener->data;
    if (err != NULL)
        return;
    for (int i = 0; i < 64; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        eddy_http_conn_ *c;
        if (sock == NULL)
            return;
        c = calloc(1, sizeof(*c));
        if (c == NULL) {
            h2o_socket_close(sock);
            continue;
        }
        c->sock = sock;
        h2o_linklist_insert(&srv->hs_conns, &c->link);
        sock->on_close.cb = on_conn_closed;
        sock->on_close.data = c;
        h2o_accept(&srv->hs_accept_ctx, sock);
    }
}

/* ------------------------------------------------------------------ */
/* wake-ups                                                            */

static void on_messages(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    eddy_http_server *srv = H2O_STRUCT_FROM_MEMBER(eddy_http_server, hs_receiver, receiver);

    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&msg->link);
        atomic_fetch_sub(&srv->hs_msgs, 1);
        if (msg == &srv->hs_stop_msg) {
            pthread_mutex_lock(&srv->hs_mu);
            srv->hs_stop_msg_sent = 0;
            pthread_mutex_unlock(&srv->hs_mu);
        } else {
            eddy_http_stream__on_message(msg);
        }
    }
}

static void on_check_timer(h2o_timeout_entry_t *entry)
{
    eddy_http_server *srv = H2O_STRUCT_FROM_MEMBER(eddy_http_server, hs_check_entry, entry);
    eddy_http_stream__check_disconnects(srv);
    if (!atomic_load(&srv->hs_stop))
        h2o_timeout_link(srv->hs_ctx.loop, &srv->hs_check_timeout, &srv->hs_check_entry);
}

/* ------------------------------------------------------------------ */
/* the server                                                          */

static int listen_on(const char *host, uint16_t port, int backlog, uint16_t *bound, eddy_err *err)
{
    struct addrinfo hints, *res = NULL;
    char portstr[8];
    int fd = -1, one = 1, rc;
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
    if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0)
        return eddy_err_set(err, EDDY_CONFIG, "cannot resolve listen address %s: %s", host, gai_strerror(rc));

    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        eddy_err_set(err, EDDY_IO, "socket: %s", strerror(errno));
        goto fail;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
        eddy_err_set(err, EDDY_IO, "cannot listen on %s:%u: %s", host, (unsigned)port, strerror(errno));
        goto fail;
    }
    if (listen(fd, backlog > 0 ? backlog : SOMAXCONN) != 0) {
        eddy_err_set(err, EDDY_IO, "listen on %s:%u: %s", host, (unsigned)port, strerror(errno));
        goto fail;
    }
    if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
        eddy_err_set(err, EDDY_IO, "getsockname: %s", strerror(errno));
        goto fail;
    }
    *bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                            : ((struct sockaddr_in *)&ss)->sin_port);
    freeaddrinfo(res);
    return fd;

fail:
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
    return -1;
}

static void free_routes(eddy_http_route *routes, size_t n)
{
    if (routes == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free((char *)routes[i].method);
        free((char *)routes[i].path);
    }
    free(routes);
}

static int copy_routes(const eddy_http_config *cfg, eddy_http_server *srv, eddy_err *err)
{
    if (cfg->nroutes == 0)
        return 0;
    if (cfg->routes == NULL)
        return eddy_err_set(err, EDDY_INVAL, "nroutes is %zu but routes is NULL", cfg->nroutes);
    srv->hs_routes = calloc(cfg->nroutes, sizeof(*srv->hs_routes));
    if (srv->hs_routes == NULL)
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    srv->hs_nroutes = cfg->nroutes;
    for (size_t i = 0; i < cfg->nroutes; i++) {
        const eddy_http_route *in = &cfg->routes[i];
        eddy_http_route *out = &srv->hs_routes[i];
        if (in->path == NULL || in->path[0] != '/' || in->handler == NULL)
            return eddy_err_set(err, EDDY_INVAL, "route %zu: path must start with '/' and handler be set", i);
        out->path = strdup(in->path);
        out->method = in->method != NULL ? strdup(in->method) : NULL;
        out->handler = in->handler;
        out->ud = in->ud;
        if (out->path == NULL || (in->method != NULL && out->method == NULL))
            return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    return 0;
}

int eddy_http_server_new(const eddy_http_config *cfg, eddy_http_server **out, eddy_err *err)
{
    eddy_http_server *srv = NULL;
    h2o_hostconf_t *hostconf;
    h2o_pathconf_t *pathconf;
    dispatch_handler *handler;
    int fd = -1, rc;
    size_t hard;

    *out = NULL;
    if (cfg->tls_cert_file != NULL || cfg->tls_key_file != NULL)
        return eddy_err_set(err, EDDY_UNSUPPORTED, "TLS is not supported yet");

    srv = calloc(1, sizeof(*srv));
    if (srv == NULL)
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    pthread_mutex_init(&srv->hs_mu, NULL);
    h2o_linklist_init_anchor(&srv->hs_conns);
    h2o_linklist_init_anchor(&srv->hs_streams);
    srv->hs_max_body = cfg->max_body_size != 0 ? cfg->max_body_size : EDDY_HTTP_DEFAULT_MAX_BODY;
    srv->hs_error_body = cfg->error_body;
    srv->hs_error_body_ud = cfg->error_body_ud;
    srv->hs_check_ms = cfg->disconnect_check_ms == 0 ? 1000 : cfg->disconnect_check_ms;
    if ((rc = copy_routes(cfg, srv, err)) != 0)
        goto fail_early;

    fd = listen_on(cfg->host != NULL ? cfg->host : "127.0.0.1", cfg->port, cfg->backlog, &srv->hs_port, err);
    if (fd < 0) {
        rc = err != NULL && err->code != 0 ? err->code : EDDY_IO;
        goto fail_early;
    }

    /* A write to a socket the peer closed must fail with EPIPE, not kill us. */
    signal(SIGPIPE, SIG_IGN);

    h2o_config_init(&srv->hs_config);
    srv->hs_config.server_name = h2o_iovec_init(H2O_STRLIT("eddy"));
    hard = srv->hs_max_body <= SIZE_MAX / EDDY_HTTP_HARD_LIMIT_FACTOR ? srv->hs_max_body * EDDY_HTTP_HARD_LIMIT_FACTOR
                                                                      : SIZE_MAX;
    srv->hs_config.max_request_entity_size = hard;
    srv->hs_config.http1.upgrade_to_http2 = 1;
    hostconf = h2o_config_register_host(&srv->hs_config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    pathconf = h2o_config_register_path(hostconf, "/", 0);
    handler = (dispatch_handler *)h2o_create_handler(pathconf, sizeof(*handler));
    handler->super.on_req = dispatch;
    handler->srv = srv;
    add_error_filter(srv, pathconf);
    add_error_filter(srv, &hostconf->fallback_path);

    srv->hs_loop = h2o_evloop_create();
    h2o_context_init(&srv->hs_ctx, srv->hs_loop, &srv->hs_config);
    srv->hs_accept_ctx.ctx = &srv->hs_ctx;
    srv->hs_accept_ctx.hosts = srv->hs_config.hosts;
    h2o_multithread_register_receiver(srv->hs_ctx.queue, &srv->hs_receiver, on_messages);
    srv->hs_receiver_registered = 1;
    if (srv->hs_check_ms > 0) {
        h2o_timeout_init(srv->hs_ctx.loop, &srv->hs_check_timeout, (uint64_t)srv->hs_check_ms);
        srv->hs_check_entry.cb = on_check_timer;
        srv->hs_check_inited = 1;
    }

    srv->hs_listener = h2o_evloop_socket_create(srv->hs_loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    srv->hs_listener->data = srv;
    h2o_socket_read_start(srv->hs_listener, on_accept);

    *out = srv;
    return 0;

fail_early:
    free_routes(srv->hs_routes, srv->hs_nroutes);
    pthread_mutex_destroy(&srv->hs_mu);
    free(srv);
    return rc;
}

uint16_t eddy_http_server_port(const eddy_http_server *srv)
{
    return srv->hs_port;
}

static void close_listener(eddy_http_server *srv)
{
    if (srv->hs_listener != NULL) {
        h2o_socket_read_stop(srv->hs_listener);
        h2o_socket_close(srv->hs_listener);
        srv->hs_listener = NULL;
    }
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Closes the listener and every connection, ends every stream and runs the
 * loop until h2o has let go of them (or the time is up). */
static void shut_down(eddy_http_server *srv)
{
    long deadline;

    close_listener(srv);
    /* (Not h2o_context_request_shutdown: its HTTP/2 GOAWAY would not get out
     * before the sockets are shut down below, and it arms a timer.) */
    srv->hs_ctx.shutdown_requested = 1;
    if (srv->hs_check_inited)
        h2o_timeout_unlink(&srv->hs_check_entry);
    /* Streams first: an HTTP/1.x stream that is not writing needs a last
     * send to make h2o notice that its socket is gone. */
    eddy_http_stream__end_all(srv, 0);
    for (h2o_linklist_t *n = srv->hs_conns.next; n != &srv->hs_conns; n = n->next) {
        eddy_http_conn_ *c = H2O_STRUCT_FROM_MEMBER(eddy_http_conn_, link, n);
        shutdown(h2o_socket_get_fd(c->sock), SHUT_RDWR);
    }
    deadline = now_ms() + EDDY_HTTP_DRAIN_MS;
    while ((!h2o_linklist_is_empty(&srv->hs_conns) || !h2o_linklist_is_empty(&srv->hs_streams) ||
            atomic_load(&srv->hs_msgs) > 0) &&
           now_ms() < deadline)
        h2o_evloop_run(srv->hs_loop, 10);
    /* Whatever h2o still holds now stays with it; streams must not wait. */
    eddy_http_stream__end_all(srv, 1);
}

int eddy_http_server_run(eddy_http_server *srv)
{
    if (srv->hs_ran)
        return EDDY_INVAL;
    srv->hs_ran = 1;
    srv->hs_loop_tid = pthread_self();
    if (srv->hs_check_inited)
        h2o_timeout_link(srv->hs_ctx.loop, &srv->hs_check_timeout, &srv->hs_check_entry);
    while (!atomic_load(&srv->hs_stop))
        h2o_evloop_run(srv->hs_loop, INT32_MAX);
    shut_down(srv);
    return 0;
}

void eddy_http_server_stop(eddy_http_server *srv)
{
    atomic_store(&srv->hs_stop, 1);
    pthread_mutex_lock(&srv->hs_mu);
    if (!srv->hs_stop_msg_sent) {
        srv->hs_stop_msg_sent = 1;
        atomic_fetch_add(&srv->hs_msgs, 1);
        h2o_multithread_send_message(&srv->hs_receiver, &srv->hs_stop_msg);
    }
    pthread_mutex_unlock(&srv->hs_mu);
}

void eddy_http_server_destroy(eddy_http_server *srv)
{
    long deadline;

    if (srv == NULL)
        return;
    if (!srv->hs_ran) {
        srv->hs_loop_tid = pthread_self();
        close_listener(srv);
        eddy_http_stream__end_all(srv, 1);
    }
    /* Receive what is still queued (a stop request, wake-ups of streams that
     * were ended) so that the receiver can go. */
    deadline = now_ms() + EDDY_HTTP_DRAIN_MS;
    while (atomic_load(&srv->hs_msgs) > 0 && now_ms() < deadline)
        h2o_evloop_run(srv->hs_loop, 10);
    if (srv->hs_check_inited) {
        h2o_timeout_unlink(&srv->hs_check_entry);
        h2o_timeout_dispose(srv->hs_ctx.loop, &srv->hs_check_timeout);
    }
    if (srv->hs_receiver_registered)
        h2o_multithread_unregister_receiver(srv->hs_ctx.queue, &srv->hs_receiver);
    h2o_context_dispose(&srv->hs_ctx);
#if !H2O_USE_LIBUV
    /* h2o 2.2.5's evloop h2o_multithread_destroy_queue does not free the
     * queue itself (the libuv build frees it in uv_close's callback). */
    free(srv->hs_ctx.queue);
#endif
    h2o_config_dispose(&srv->hs_config);
    h2o_evloop_destroy(srv->hs_loop); /* closes what h2o still held */
    free_routes(srv->hs_routes, srv->hs_nroutes);
    pthread_mutex_destroy(&srv->hs_mu);
    free(srv);
}

/* ------------------------------------------------------------------ */
/* requests                                                            */

const char *eddy_http_request_method(const eddy_http_request *req)
{
    return req->rq_method;
}

const char *eddy_http_request_path(const eddy_http_request *req)
{
    return req->rq_path;
}

const char *eddy_http_request_query(const eddy_http_request *req)
{
    return req->rq_query;
}

int eddy_http_request_version(const eddy_http_request *req)
{
    int v = req->rq_req->version;
    return (v >> 8) * 10 + (v & 0xff);
}

const char *eddy_http_request_header(const eddy_http_request *req, const char *name)
{
    h2o_req_t *r = req->rq_req;
    size_t n = strlen(name);

    for (size_t i = 0; i < r->headers.size; i++) {
        const h2o_header_t *h = &r->headers.entries[i];
        if (h->name->len == n && strncasecmp(h->name->base, name, n) == 0)
            return pool_strndup(&r->pool, h->value.base, h->value.len);
    }
    return NULL;
}

const void *eddy_http_request_body(const eddy_http_request *req, size_t *len)
{
    h2o_req_t *r = req->rq_req;
    if (r->entity.base == NULL) {
        *len = 0;
        return "";
    }
    *len = r->entity.len;
    return r->entity.base;
}

int eddy_http_request_body_json(const eddy_http_request *req, json_t **out, eddy_err *err)
{
    size_t len;
    const void *body = eddy_http_request_body(req, &len);
    json_error_t jerr;

    *out = json_loadb(body, len, 0, &jerr);
    if (*out == NULL)
        return eddy_err_set_at(err, EDDY_PARSE, jerr.line > 0 ? jerr.line : 0, jerr.column > 0 ? jerr.column : 0,
                               "invalid JSON in request body: %s", jerr.text);
    return 0;
}

eddy_http_server *eddy_http_request_server(const eddy_http_request *req)
{
    return req->rq_srv;
}

/* ------------------------------------------------------------------ */
/* whole responses from handlers                                       */

int eddy_http_response_add_header(eddy_http_request *req, const char *name, const char *value)
{
    h2o_req_t *r = req->rq_req;
    size_t nlen = strlen(name), vlen = strlen(value);
    char *lname;

    if (req->rq_answered || nlen == 0)
        return EDDY_INVAL;
    lname = pool_strndup(&r->pool, name, nlen);
    h2o_strtolower(lname, nlen); /* HTTP/2 needs lower-case names; HTTP/1.1 gets the original case */
    h2o_add_header_by_str(&r->pool, &r->res.headers, lname, nlen, 1, pool_strndup(&r->pool, name, nlen),
                          pool_strndup(&r->pool, value, vlen), vlen);
    return 0;
}

int eddy_http_respond(eddy_http_request *req, int status, const char *content_type, const void *body, size_t len)
{
    if (req->rq_answered)
        return EDDY_INVAL;
    if (status < 100 || status > 999)
        return EDDY_INVAL;
    req->rq_answered = 1;
    eddy_http__send_whole(req->rq_srv, req->rq_req, status, content_type, body != NULL ? body : "", len);
    return 0;
}

int eddy_http_respond_json(eddy_http_request *req, int status, const json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    int rc;

    if (text == NULL)
        return EDDY_NOMEM;
    rc = eddy_http_respond(req, status, "application/json", text, strlen(text));
    free(text);
    return rc;
}

int eddy_http_respond_error(eddy_http_request *req, int status, int error_code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (req->rq_answered)
        return EDDY_INVAL;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    req->rq_answered = 1;
    send_error(req->rq_srv, req->rq_req, status, error_code, msg);
    return 0;
}
