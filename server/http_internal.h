/* http_internal.h - what http.c (server, routing, requests) and http_stream.c
 * (streamed responses) share.  Not for use outside server/http*.c.
 */
#ifndef EDDY_SERVER_HTTP_INTERNAL_H
#define EDDY_SERVER_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <h2o.h>

#include "server/http.h"

struct eddy_http_server {
    h2o_globalconf_t hs_config;
    h2o_context_t hs_ctx;
    h2o_accept_ctx_t hs_accept_ctx;
    h2o_evloop_t *hs_loop;
    h2o_socket_t *hs_listener;       /* NULL once closed */
    uint16_t hs_port;
    size_t hs_max_body;
    eddy_http_route *hs_routes;      /* owned, with owned strings */
    size_t hs_nroutes;
    eddy_http_error_body_fn hs_error_body;
    void *hs_error_body_ud;
    int hs_check_ms;                 /* <= 0: no disconnect check */

    /* wake-ups from other threads: stop requests and stream messages */
    h2o_multithread_receiver_t hs_receiver;
    h2o_multithread_message_t hs_stop_msg;
    pthread_mutex_t hs_mu;           /* guards hs_stop_msg_sent */
    int hs_stop_msg_sent;
    atomic_int hs_stop;
    atomic_long hs_msgs;             /* messages queued and not yet received */

    pthread_t hs_loop_tid;
    int hs_ran;                      /* run() was entered */
    int hs_receiver_registered;

    /* loop thread only */
    h2o_linklist_t hs_conns;         /* tracked accepted sockets (eddy_http_conn_) */
    h2o_linklist_t hs_streams;       /* streams still attached to a request */
    h2o_timeout_t hs_check_timeout;
    h2o_timeout_entry_t hs_check_entry;
    int hs_check_inited;
    int hs_own_response;             /* 1 while eddy itself starts a response (the error filter stays out) */
};

struct eddy_http_request {
    h2o_req_t *rq_req;
    eddy_http_server *rq_srv;
    const char *rq_method;           /* NUL-terminated copies in the request's pool */
    const char *rq_path;
    const char *rq_query;
    int rq_answered;                 /* responded, or a stream took over */
};

/* Reason phrase of a status ("Not Found"); "" for unknown ones. */
const char *eddy_http__reason(int status);

/* The error body for (status, code, message) from the hook (or the default),
 * serialized; the caller frees it.  NULL only when out of memory. */
char *eddy_http__error_text(eddy_http_server *srv, int status, int error_code, const char *message, size_t *len);

/* Sends a whole response on the loop thread (content_length set, body
 * copied into the request's pool). */
void eddy_http__send_whole(eddy_http_server *srv, h2o_req_t *req, int status, const char *content_type,
                           const char *body, size_t len);

/* Stream side, loop thread. */
void eddy_http_stream__on_message(h2o_multithread_message_t *msg);
/* Ends every attached stream (their on_close run): at shutdown.  With force,
 * also lets go of streams whose last send h2o has not finished (they leak,
 * but nothing will call into them). */
void eddy_http_stream__end_all(eddy_http_server *srv, int force);
/* Checks idle HTTP/1.x streams for clients that went away. */
void eddy_http_stream__check_disconnects(eddy_http_server *srv);

#endif
