/* http.h - eddy's HTTP server: HTTP/1.1 and HTTP/2 (h2c) on one port, on h2o.
 *
 * One server is one listening socket and one event loop (h2o's evloop), run in
 * the thread that calls eddy_http_server_run.  Requests are dispatched from a
 * route table given as data; handlers run on the loop thread and either
 * respond at once (eddy_http_respond*) or take a stream handle
 * (eddy_http_stream_*) that any thread can write the response through.
 *
 * Protocols on the same port: HTTP/1.1 (keep-alive, chunked request and
 * response bodies), HTTP/2 with prior knowledge (the client opens with the
 * "PRI * HTTP/2.0" preface) and HTTP/2 by "Upgrade: h2c" from HTTP/1.1.  No TLS
 * yet: eddy_http_config has room for it (h2o supports it with OpenSSL).
 *
 * Request bodies arrive whole before the handler runs (h2o 2.2.5 buffers them,
 * also when chunked over HTTP/1.1 or sent in many DATA frames over HTTP/2; it
 * has no streaming request-body API).  So a request that streams its body while
 * reading the response (ksqlDB's /inserts-stream used that way) only gets its
 * response once the client has ended the request body.
 *
 * The server ignores SIGPIPE process-wide (h2o writes with writev, so a write
 * to a closed socket would otherwise kill the process).
 */
#ifndef EDDY_SERVER_HTTP_H
#define EDDY_SERVER_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/error.h"

typedef struct eddy_http_server eddy_http_server;
typedef struct eddy_http_request eddy_http_request;
typedef struct eddy_http_stream eddy_http_stream;

/* A route handler.  Runs on the loop thread.  req is valid until the handler
 * returns (strings and body it hands out too).  The handler responds with one
 * eddy_http_respond* call, or takes over the response with
 * eddy_http_stream_open / eddy_http_stream_defer; if it does neither, the
 * client gets a 500 error. */
typedef void (*eddy_http_handler_fn)(eddy_http_request *req, void *ud);

/* One row of the route table. */
typedef struct eddy_http_route {
    const char *method;          /* "GET", "POST", ... (exact, case-sensitive); NULL = any method */
    const char *path;            /* "/ksql": exact; ending in '*': a prefix (what precedes the '*') */
    eddy_http_handler_fn handler;
    void *ud;                    /* passed to handler */
} eddy_http_route;

/* Builds the JSON body of an error response.  status is the HTTP status,
 * error_code eddy's/ksqlDB's code (status * 100 unless the caller chose one:
 * 40400, 40500, 41300, ...), message the text.  Returns a new reference (the
 * server owns it and sends it with content type application/json), or NULL
 * to fall back to the default.  Runs on the loop thread. */
typedef json_t *(*eddy_http_error_body_fn)(int status, int error_code, const char *message, void *ud);

typedef struct eddy_http_config {
    const char *host;              /* address to listen on ("127.0.0.1", "0.0.0.0", "::"); NULL = "127.0.0.1" */
    uint16_t port;                 /* 0 = an ephemeral port (see eddy_http_server_port) */
    /* Larger request bodies get 413 with the error body; 0 = EDDY_HTTP_DEFAULT_MAX_BODY.
     * h2o itself stops buffering at twice this: over HTTP/1.1 that is a 413
     * too (JSON, rewritten from h2o's text), over HTTP/2 h2o 2.2.5 resets the
     * stream (RST_STREAM REFUSED_STREAM) instead. */
    size_t max_body_size;
    const eddy_http_route *routes; /* matched in order, first match wins; copied */
    size_t nroutes;
    eddy_http_error_body_fn error_body; /* NULL = eddy_http_default_error_body */
    void *error_body_ud;
    /* How often idle HTTP/1.1 streaming responses are checked for a client
     * that went away (h2o does not read an HTTP/1.1 socket while it responds,
     * so without this a silent stream notices only at its next write).
     * 0 = 1000 ms; negative = never.  HTTP/2 notices at once. */
    int disconnect_check_ms;
    int backlog;                   /* listen(2) backlog; 0 = SOMAXCONN */
    /* TLS: reserved, must be NULL for now (eddy_http_server_new fails with
     * EDDY_UNSUPPORTED otherwise).  With it, h2o_accept does the handshake and
     * ALPN picks h2 or http/1.1. */
    const char *tls_cert_file;
    const char *tls_key_file;
} eddy_http_config;

#define EDDY_HTTP_DEFAULT_MAX_BODY ((size_t)16 * 1024 * 1024)

/* Zeroes cfg: the defaults above. */
void eddy_http_config_init(eddy_http_config *cfg);

/* The default error body: {"@type":"generic_error","error_code":N,"message":"..."}. */
json_t *eddy_http_default_error_body(int status, int error_code, const char *message, void *ud);

/* Creates the server and binds its socket (SO_REUSEADDR); it accepts only once
 * eddy_http_server_run runs.  cfg and its routes are copied.  *out is owned by
 * the caller (eddy_http_server_destroy). */
int eddy_http_server_new(const eddy_http_config *cfg, eddy_http_server **out, eddy_err *err);

/* The bound port (the ephemeral one when cfg->port was 0). */
uint16_t eddy_http_server_port(const eddy_http_server *srv);

/* Runs the event loop in the calling thread until eddy_http_server_stop.  On
 * the way out it closes the listener and every connection, ends every open
 * stream (their on_close callbacks run) and waits up to about 2 s for h2o to
 * free them.  Returns 0, or EDDY_INVAL if called twice. */
int eddy_http_server_run(eddy_http_server *srv);

/* Asks run() to return.  Any thread (also a handler, or before run()). */
void eddy_http_server_stop(eddy_http_server *srv);

/* Frees the server; run() must have returned (or never been called).  Streams
 * still held by producers stay valid (writes return EDDY_CLOSED) until their
 * eddy_http_stream_close.  NULL is a no-op. */
void eddy_http_server_destroy(eddy_http_server *srv);

/* ---- the request (valid during the handler only; loop thread only) ---- */

const char *eddy_http_request_method(const eddy_http_request *req); /* "GET" */
const char *eddy_http_request_path(const eddy_http_request *req);   /* "/query", without the query string, %-decoded and normalized */
const char *eddy_http_request_query(const eddy_http_request *req);  /* after '?', raw; "" if none */
/* 10, 11 or 20 (HTTP/1.0, HTTP/1.1, HTTP/2). */
int eddy_http_request_version(const eddy_http_request *req);
/* The first header of that name (case-insensitive), NUL-terminated; NULL if absent. */
const char *eddy_http_request_header(const eddy_http_request *req, const char *name);
/* The whole request body; *len = 0 (and a non-NULL pointer) when there is none.
 * Not NUL-terminated. */
const void *eddy_http_request_body(const eddy_http_request *req, size_t *len);
/* Parses the body as JSON into *out (a new reference, caller owns).  Returns 0,
 * or EDDY_PARSE with the position in err. */
int eddy_http_request_body_json(const eddy_http_request *req, json_t **out, eddy_err *err);
eddy_http_server *eddy_http_request_server(const eddy_http_request *req);

/* ---- responding at once (in the handler) ---- */

/* Adds a response header (copied) to the response that this request will get,
 * whether sent at once or streamed.  Before responding / starting only. */
int eddy_http_response_add_header(eddy_http_request *req, const char *name, const char *value);
/* Sends status, content type (NULL = none) and body (copied) with a
 * Content-Length.  Returns EDDY_INVAL if the request was already answered. */
int eddy_http_respond(eddy_http_request *req, int status, const char *content_type, const void *body, size_t len);
/* The same with body serialized compactly (body is not stolen), "application/json". */
int eddy_http_respond_json(eddy_http_request *req, int status, const json_t *body);
/* An error response built by the configured error-body hook. */
int eddy_http_respond_error(eddy_http_request *req, int status, int error_code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- streaming responses (any thread) ----
 *
 * A stream is a response written bit by bit, from any thread: each write is
 * queued and the loop is woken to send it (HTTP/1.1: one chunk of chunked
 * transfer encoding per send; HTTP/2: DATA frames), keeping h2o's one send in
 * flight at a time; writes made while a send is in flight are sent together
 * next (eddy_http_stream_write_msg keeps message boundaries instead).  Queued bytes are not bounded: a producer that outruns the client
 * should watch eddy_http_stream_pending.
 *
 * Lifetime: the producer owns one reference from open/defer until its
 * eddy_http_stream_close or _abort, which ends the response and releases it;
 * the handle must not be used afterwards.  If the client goes away first
 * (or the server shuts down), on_close(stream, ud) runs once, on the loop
 * thread; later writes are harmless no-ops returning EDDY_CLOSED, and the
 * producer still calls eddy_http_stream_close to release the handle.  After
 * eddy_http_stream_close returns, on_close is not running and never will (when
 * close is called on another thread while on_close runs, close waits for it;
 * on_close itself may call close).  on_close runs on the loop thread, like
 * handlers: neither may block (no joins, no waiting for the engine). */
typedef void (*eddy_http_stream_close_fn)(eddy_http_stream *stream, void *ud);

/* In the handler: starts a streamed response now (headers go out at once, so
 * the client sees them before the first row).  Headers added with
 * eddy_http_response_add_header before this are sent.  on_close may be NULL.
 * *out: see Lifetime above. */
int eddy_http_stream_open(eddy_http_request *req, int status, const char *content_type,
                          eddy_http_stream_close_fn on_close, void *ud, eddy_http_stream **out);
/* In the handler: takes over the response without starting it, so that
 * another thread can answer later with eddy_http_stream_start (+ writes) or
 * eddy_http_stream_respond.  Closing a never-started stream sends a 500
 * error. */
int eddy_http_stream_defer(eddy_http_request *req, eddy_http_stream_close_fn on_close, void *ud,
                           eddy_http_stream **out);
/* Starts a deferred stream: status and content type (copied; NULL = none).
 * EDDY_INVAL if already started; EDDY_CLOSED if the client is gone.  When
 * start, every write and close reach the loop before it sends the headers,
 * the response gets a Content-Length instead of chunked encoding. */
int eddy_http_stream_start(eddy_http_stream *stream, int status, const char *content_type);
/* start + write + close: a deferred response in one call.  Releases the
 * stream (even on error). */
int eddy_http_stream_respond(eddy_http_stream *stream, int status, const char *content_type, const void *body,
                             size_t len);
/* Queues len bytes (copied).  0, EDDY_CLOSED when the client is gone (the bytes
 * are dropped), EDDY_INVAL when not started yet, EDDY_NOMEM. */
int eddy_http_stream_write(eddy_http_stream *stream, const void *data, size_t len);
/* Queues len bytes (copied) as one message: it goes to h2o in a send of its
 * own (one HTTP/2 DATA frame when under the peer's frame size, 16 KiB by
 * default; one HTTP/1.1 chunk), never merged with the bytes written before
 * or after it, and the next send goes only after h2o's proceed.  Clients
 * that parse each DATA frame as a document (the npm ksqldb-client on
 * /query-stream) need this.  Plain writes queued around messages are sent
 * together up to the next message.  Returns as eddy_http_stream_write. */
int eddy_http_stream_write_msg(eddy_http_stream *stream, const void *data, size_t len);
/* Ends the response after what was written, and releases the stream. */
int eddy_http_stream_close(eddy_http_stream *stream);
/* eddy_http_stream_close, and then, off the loop thread, waits until h2o
 * has put the end of the response out on the connection (the loop went
 * past the write that carries it), or the client is gone, at most about
 * 2 s.  A response that this thread starts or ends afterwards therefore
 * reaches the client after this one's end (/close-query ends the query's
 * response first).  Only a connection whose socket buffer is full at that
 * moment can still reorder them.  On the loop thread it does not wait. */
int eddy_http_stream_close_flushed(eddy_http_stream *stream);
/* Ends the response as failed (HTTP/1.1: a broken chunk and the connection
 * closes; HTTP/2: RST_STREAM), and releases the stream. */
int eddy_http_stream_abort(eddy_http_stream *stream);
/* 1 while the client is there and the response not finished, else 0. */
int eddy_http_stream_is_open(eddy_http_stream *stream);
/* Bytes queued by writes and not yet handed to h2o. */
size_t eddy_http_stream_pending(eddy_http_stream *stream);

#endif
