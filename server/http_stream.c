/* http_stream.c - streamed HTTP responses that any thread can write.
 *
 * A stream has two sides.  The producer side (any thread) queues bytes under
 * st_mu and wakes the loop with an h2o_multithread message.  The loop side
 * hands the queued bytes to h2o with h2o_send, one send at a time: the next
 * goes when h2o calls the generator's proceed.  The loop side learns that the
 * client went away from the generator's stop callback, or, for a response
 * that has not started (no generator yet), from an object in the request's
 * memory pool whose dispose callback runs when h2o frees the request.
 *
 * References: one for the producer (until close/abort), one for the loop side
 * (until h2o is done with the request), one per queued wake-up message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "server/http_internal.h"

enum { PRODUCER_OPEN, PRODUCER_CLOSED, PRODUCER_ABORTED };

/* Lives in the request's pool; its dispose runs when h2o frees the request. */
typedef struct {
    eddy_http_stream *s; /* NULL once the loop side let go */
} stream_anchor;

struct eddy_http_stream {
    pthread_mutex_t st_mu;
    pthread_cond_t st_cv;
    eddy_http_server *st_srv;     /* only while !st_gone (the producer side) or attached (the loop side) */
    pthread_t st_loop_tid;
    eddy_http_stream_close_fn st_on_close;
    void *st_ud;

    /* guarded by st_mu */
    int st_refs;
    char *st_buf;                 /* queued bytes: [st_off, st_len) */
    size_t st_off, st_len, st_cap;
    /* Message boundaries (eddy_http_stream_write_msg): offsets into st_buf
     * where a send must end, in order; [st_cut_head, st_ncuts) are pending. */
    size_t *st_cuts;
    size_t st_cut_head, st_ncuts, st_cut_cap;
    int st_flushed;               /* the response's end went to h2o and h2o wrote it out, or the
                                     client is gone (close_flushed waits for it) */
    int st_start_requested;
    int st_status;
    char *st_ctype;
    int st_producer;              /* PRODUCER_* */
    int st_gone;                  /* client gone or response over: writes are no-ops */
    int st_wake_queued;
    int st_in_callback;

    /* loop thread only */
    h2o_multithread_message_t st_msg;
    h2o_generator_t st_gen;
    h2o_req_t *st_req;            /* NULL once detached from h2o */
    stream_anchor *st_anchor;
    h2o_linklist_t st_link;       /* in srv->hs_streams while attached */
    h2o_timeout_entry_t st_barrier; /* after the last send (see on_barrier) */
    int st_barrier_step;          /* BARRIER_* */
    int st_http1;
    int st_started;               /* h2o_start_response done */
    int st_sending;               /* an h2o_send awaits proceed */
    int st_abandon;               /* eddy ends it (shutdown, dead client): no more data */
    char *st_inflight;            /* bytes of the send in flight */
    size_t st_inflight_len, st_inflight_cap;
    int st_chunked;               /* eddy frames HTTP/1.1 chunks itself (see flush) */
    char st_chunk_hdr[24];        /* the size line of the chunk in flight */
};

static void flush(eddy_http_stream *s);

/* Whether a response to req with this status has a body (RFC 7230 3.3.3). */
static int body_allowed(const h2o_req_t *req, int status)
{
    if ((status >= 100 && status < 200) || status == 204 || status == 304)
        return 0;
    return !h2o_memis(req->input.method.base, req->input.method.len, H2O_STRLIT("HEAD"));
}

static void release(eddy_http_stream *s)
{
    int n;

    pthread_mutex_lock(&s->st_mu);
    n = --s->st_refs;
    pthread_mutex_unlock(&s->st_mu);
    if (n > 0)
        return;
    pthread_mutex_destroy(&s->st_mu);
    pthread_cond_destroy(&s->st_cv);
    free(s->st_buf);
    free(s->st_cuts);
    free(s->st_inflight);
    free(s->st_ctype);
    free(s);
}

static int on_loop_thread(const eddy_http_stream *s)
{
    return pthread_equal(pthread_self(), s->st_loop_tid);
}

/* Marks the stream gone for the producer; with notify, runs on_close if the
 * producer has not closed yet.  Loop thread. */
static void mark_gone(eddy_http_stream *s, int notify)
{
    int call;

    pthread_mutex_lock(&s->st_mu);
    call = notify && !s->st_gone && s->st_producer == PRODUCER_OPEN && s->st_on_close != NULL;
    s->st_gone = 1;
    s->st_off = s->st_len = 0;
    s->st_cut_head = s->st_ncuts = 0;
    if (call)
        s->st_in_callback = 1;
    pthread_mutex_unlock(&s->st_mu);
    if (!call)
        return;
    s->st_on_close(s, s->st_ud);
    pthread_mutex_lock(&s->st_mu);
    s->st_in_callback = 0;
    pthread_cond_broadcast(&s->st_cv);
    pthread_mutex_unlock(&s->st_mu);
}

/* Wakes eddy_http_stream_close_flushed. */
static void set_flushed(eddy_http_stream *s)
{
    pthread_mutex_lock(&s->st_mu);
    s->st_flushed = 1;
    pthread_cond_broadcast(&s->st_cv);
    pthread_mutex_unlock(&s->st_mu);
}

/* After the last send, close_flushed waits until h2o has written it out.
 * h2o 2.2.5 emits HTTP/2 frames from a zero timeout, or, when a write was in
 * flight, from the socket's next writable event (h2o_socket_notify_write),
 * i.e. in the loop's next round.  So the barrier takes two steps: a zero
 * timeout at the end of this round sends the stream a message, which the
 * next round receives together with the socket's event, and a zero timeout
 * at the end of that round (after every socket callback of the round) marks
 * the stream flushed.  A later response is then queued after the frames. */
enum { BARRIER_NONE, BARRIER_FIRST, BARRIER_NEXT_ROUND };

static void on_barrier(h2o_timeout_entry_t *entry)
{
    eddy_http_stream *s = H2O_STRUCT_FROM_MEMBER(eddy_http_stream, st_barrier, entry);

    if (s->st_barrier_step == BARRIER_FIRST) {
        s->st_barrier_step = BARRIER_NEXT_ROUND;
        pthread_mutex_lock(&s->st_mu);
        if (!s->st_wake_queued) { /* (a wake-up already queued is received next round too) */
            s->st_wake_queued = 1;
            s->st_refs++;
            atomic_fetch_add(&s->st_srv->hs_msgs, 1);
            h2o_multithread_send_message(&s->st_srv->hs_receiver, &s->st_msg);
        }
        pthread_mutex_unlock(&s->st_mu);
        return; /* the loop side's reference stays with the barrier */
    }
    s->st_barrier_step = BARRIER_NONE;
    set_flushed(s);
    release(s);
}

/* Forgets the request (h2o is done with it, or will not call back).  The
 * caller drops the loop side's reference afterwards. */
static void detach(eddy_http_stream *s)
{
    s->st_req = NULL;
    if (s->st_anchor != NULL) {
        s->st_anchor->s = NULL;
        s->st_anchor = NULL;
    }
    h2o_linklist_unlink(&s->st_link);
}

/* h2o let go of the request: the client went away (or the response ended
 * under h2o's own steam).  Loop thread. */
static void client_gone(eddy_http_stream *s)
{
    if (s->st_req == NULL)
        return;
    detach(s);
    s->st_sending = 0;
    mark_gone(s, 1);
    set_flushed(s);
    release(s);
}

static void anchor_dispose(void *p)
{
    stream_anchor *a = p;
    if (a->s != NULL)
        client_gone(a->s);
}

static void gen_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    eddy_http_stream *s = H2O_STRUCT_FROM_MEMBER(eddy_http_stream, st_gen, gen);
    (void)req;
    client_gone(s);
}

/* Ends a response that eddy gives up on while h2o still holds it (no send in
 * flight).  Loop thread; drops the loop side's reference. */
static void finish_abandoned(eddy_http_stream *s)
{
    h2o_req_t *req = s->st_req;
    eddy_http_server *srv = s->st_srv;

    detach(s);
    if (!s->st_started) {
        size_t len = 0;
        char *text = eddy_http__error_text(srv, 503, 50300, "the server is shutting down or the client went away", &len);
        req->http1_is_persistent = 0;
        if (text != NULL) {
            eddy_http__send_whole(srv, req, 503, "application/json", text, len);
            free(text);
        } else {
            eddy_http__send_whole(srv, req, 503, NULL, "", 0);
        }
    } else {
        req->http1_is_persistent = 0;
        h2o_send(req, NULL, 0, H2O_SEND_STATE_ERROR);
    }
    set_flushed(s);
    release(s);
}

/* eddy gives up on the stream: tells the producer, then ends the response
 * (now, or when the send in flight completes).  Loop thread. */
static void abandon(eddy_http_stream *s)
{
    if (s->st_req == NULL || s->st_abandon)
        return;
    s->st_abandon = 1;
    pthread_mutex_lock(&s->st_mu);
    s->st_refs++; /* on_close may close the producer's reference */
    pthread_mutex_unlock(&s->st_mu);
    mark_gone(s, 1);
    if (s->st_req != NULL && !s->st_sending)
        finish_abandoned(s);
    release(s);
}

static void gen_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    eddy_http_stream *s = H2O_STRUCT_FROM_MEMBER(eddy_http_stream, st_gen, gen);
    (void)req;

    if (s->st_req == NULL) /* cut loose by a forced shutdown */
        return;
    s->st_sending = 0;
    s->st_inflight_len = 0;
    if (s->st_inflight_cap > 1024 * 1024) { /* do not keep a burst's memory */
        free(s->st_inflight);
        s->st_inflight = NULL;
        s->st_inflight_cap = 0;
    }
    if (s->st_abandon)
        finish_abandoned(s);
    else
        flush(s);
}

/* Moves the next send's bytes from the queue into the (empty) in-flight
 * buffer: everything queued, or only up to the next message boundary when
 * there is one.  Returns the number of bytes.  st_mu held, loop thread. */
static size_t take_queued(eddy_http_stream *s)
{
    size_t end = s->st_len, take;

    while (s->st_cut_head < s->st_ncuts && s->st_cuts[s->st_cut_head] <= s->st_off)
        s->st_cut_head++;
    if (s->st_cut_head < s->st_ncuts)
        end = s->st_cuts[s->st_cut_head++];
    take = end - s->st_off;
    if (take > s->st_inflight_cap && !(s->st_off == 0 && end == s->st_len)) {
        char *p = realloc(s->st_inflight, take);
        if (p != NULL) {
            s->st_inflight = p;
            s->st_inflight_cap = take;
        } else {
            end = s->st_len; /* out of memory: send it all at once (boundaries merge, nothing is lost) */
            take = end - s->st_off;
            if (s->st_off > 0) {
                memmove(s->st_buf, s->st_buf + s->st_off, take);
                s->st_off = 0;
                s->st_len = end = take;
            }
        }
    }
    if (s->st_off == 0 && end == s->st_len) {
        /* all of it: swap the queue with the in-flight buffer */
        char *tmp = s->st_inflight;
        size_t tmpcap = s->st_inflight_cap;
        s->st_inflight = s->st_buf;
        s->st_inflight_cap = s->st_cap;
        s->st_buf = tmp;
        s->st_cap = tmpcap;
        s->st_len = 0;
    } else {
        memcpy(s->st_inflight, s->st_buf + s->st_off, take);
        s->st_off = end;
        if (s->st_off == s->st_len)
            s->st_off = s->st_len = 0;
    }
    if (s->st_len == 0)
        s->st_cut_head = s->st_ncuts = 0;
    s->st_inflight_len = take;
    return take;
}

/* Hands what the producer queued to h2o, if no send is in flight.  Loop
 * thread; may drop the loop side's reference (the caller holds another). */
static void flush(eddy_http_stream *s)
{
    h2o_req_t *req = s->st_req;
    eddy_http_server *srv = s->st_srv;
    int start_now = 0, fin = 0, aborted = 0, status = 0;
    char *ctype = NULL;
    size_t take;
    h2o_iovec_t buf;

    if (req == NULL || s->st_sending || s->st_abandon)
        return;

    pthread_mutex_lock(&s->st_mu);
    if (!s->st_started) {
        if (!s->st_start_requested) {
            int producer = s->st_producer;
            pthread_mutex_unlock(&s->st_mu);
            if (producer != PRODUCER_OPEN) { /* closed without ever starting */
                size_t len = 0;
                char *text = eddy_http__error_text(srv, 500, 50000, "the response was closed before it started", &len);
                detach(s);
                mark_gone(s, 0);
                if (text != NULL)
                    eddy_http__send_whole(srv, req, 500, "application/json", text, len);
                else
                    eddy_http__send_whole(srv, req, 500, NULL, "", 0);
                free(text);
                set_flushed(s);
                release(s);
            }
            return;
        }
        start_now = 1;
        status = s->st_status;
        ctype = s->st_ctype;
        s->st_ctype = NULL;
    }
    take = take_queued(s);
    fin = s->st_producer != PRODUCER_OPEN && s->st_len == s->st_off;
    aborted = s->st_producer == PRODUCER_ABORTED;
    pthread_mutex_unlock(&s->st_mu);

    if (start_now) {
        req->res.status = status;
        req->res.reason = eddy_http__reason(status);
        if (ctype != NULL)
            h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
                           h2o_strdup(&req->pool, ctype, SIZE_MAX).base, strlen(ctype), 1);
        free(ctype);
        if (fin && !aborted) {
            req->res.content_length = take; /* all of it is here: no chunked encoding needed */
        } else if (s->st_http1) {
            /* eddy does the chunked encoding itself rather than leave it to
             * h2o's chunked filter: behind that filter an empty send does not
             * reach the socket, and the headers must go out before the first
             * row.  (The filter stands aside when transfer-encoding is set.) */
            if (req->version == 0x101 && body_allowed(req, status)) {
                h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_TRANSFER_ENCODING, H2O_STRLIT("chunked"), 1);
                s->st_chunked = 1;
            } else {
                req->http1_is_persistent = 0; /* the body ends when the connection does */
            }
        }
        srv->hs_own_response = 1;
        h2o_start_response(req, &s->st_gen);
        srv->hs_own_response = 0;
        s->st_started = 1;
    } else if (take == 0 && !fin) {
        return; /* (an empty in-progress send would end an HTTP/1.1 response) */
    }

    if (fin) {
        /* The last send: h2o calls neither proceed nor stop after it, and
         * may write the bytes after we are gone, so they go into its pool. */
        size_t cap = take + 32;
        char *p = h2o_mem_alloc_pool(&req->pool, cap);
        size_t n = 0;
        if (s->st_chunked && take > 0)
            n += (size_t)snprintf(p, cap, "%zx\r\n", take);
        if (take > 0)
            memcpy(p + n, s->st_inflight, take);
        n += take;
        if (s->st_chunked && !aborted) {
            memcpy(p + n, take > 0 ? "\r\n0\r\n\r\n" : "0\r\n\r\n", take > 0 ? 7 : 5);
            n += take > 0 ? 7 : 5;
        }
        buf = h2o_iovec_init(p, n);
        s->st_inflight_len = 0;
        detach(s);
        mark_gone(s, 0);
        if (aborted)
            req->http1_is_persistent = 0;
        h2o_send(req, &buf, n > 0 ? 1 : 0, aborted ? H2O_SEND_STATE_ERROR : H2O_SEND_STATE_FINAL);
        /* the loop side's reference goes with the barrier */
        s->st_barrier_step = BARRIER_FIRST;
        s->st_barrier.cb = on_barrier;
        h2o_timeout_link(srv->hs_loop, &srv->hs_ctx.zero_timeout, &s->st_barrier);
        return;
    }
    s->st_sending = 1;
    if (s->st_chunked && take > 0) {
        h2o_iovec_t bufs[3];
        bufs[0] = h2o_iovec_init(s->st_chunk_hdr, (size_t)snprintf(s->st_chunk_hdr, sizeof(s->st_chunk_hdr), "%zx\r\n", take));
        bufs[1] = h2o_iovec_init(s->st_inflight, take);
        bufs[2] = h2o_iovec_init(H2O_STRLIT("\r\n"));
        h2o_send(req, bufs, 3, H2O_SEND_STATE_IN_PROGRESS);
        return;
    }
    buf = h2o_iovec_init(s->st_inflight, take);
    h2o_send(req, &buf, take > 0 ? 1 : 0, H2O_SEND_STATE_IN_PROGRESS);
}

/* ------------------------------------------------------------------ */
/* loop-side entry points from http.c                                  */

void eddy_http_stream__on_message(h2o_multithread_message_t *msg)
{
    eddy_http_stream *s = H2O_STRUCT_FROM_MEMBER(eddy_http_stream, st_msg, msg);

    pthread_mutex_lock(&s->st_mu);
    s->st_wake_queued = 0;
    pthread_mutex_unlock(&s->st_mu);
    if (s->st_barrier_step == BARRIER_NEXT_ROUND && !h2o_timeout_is_linked(&s->st_barrier))
        h2o_timeout_link(s->st_srv->hs_loop, &s->st_srv->hs_ctx.zero_timeout, &s->st_barrier);
    flush(s);
    release(s);
}

void eddy_http_stream__end_all(eddy_http_server *srv, int force)
{
    h2o_linklist_t *n;

    /* on_close callbacks may end other streams: rescan from the start */
    for (n = srv->hs_streams.next; n != &srv->hs_streams;) {
        eddy_http_stream *s = H2O_STRUCT_FROM_MEMBER(eddy_http_stream, st_link, n);
        if (!s->st_abandon) {
            abandon(s);
            n = srv->hs_streams.next;
            continue;
        }
        n = n->next;
    }
    if (!force)
        return;
    /* h2o never finished these; keep their loop reference (a leak) since
     * h2o may still point at them, but cut them loose from the server. */
    while (!h2o_linklist_is_empty(&srv->hs_streams)) {
        eddy_http_stream *s = H2O_STRUCT_FROM_MEMBER(eddy_http_stream, st_link, srv->hs_streams.next);
        detach(s);
        mark_gone(s, 1);
        set_flushed(s);
    }
}

void eddy_http_stream__check_disconnects(eddy_http_server *srv)
{
    h2o_linklist_t *n;

    for (n = srv->hs_streams.next; n != &srv->hs_streams;) {
        eddy_http_stream *s = H2O_STRUCT_FROM_MEMBER(eddy_http_stream, st_link, n);
        if (s->st_http1 && !s->st_sending && !s->st_abandon && s->st_req != NULL) {
            h2o_socket_t *sock = s->st_req->conn->callbacks->get_socket(s->st_req->conn);
            char c;
            ssize_t r = sock != NULL ? recv(h2o_socket_get_fd(sock), &c, 1, MSG_PEEK | MSG_DONTWAIT) : 1;
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                abandon(s);
                n = srv->hs_streams.next;
                continue;
            }
        }
        n = n->next;
    }
}

/* ------------------------------------------------------------------ */
/* the producer side                                                   */

/* Arranges for flush: returns 1 if the caller (on the loop thread) should
 * call flush itself after unlocking, else queues a wake-up.  st_mu held,
 * !st_gone. */
static int schedule_locked(eddy_http_stream *s)
{
    if (on_loop_thread(s))
        return 1;
    if (!s->st_wake_queued) {
        s->st_wake_queued = 1;
        s->st_refs++;
        atomic_fetch_add(&s->st_srv->hs_msgs, 1);
        h2o_multithread_send_message(&s->st_srv->hs_receiver, &s->st_msg);
    }
    return 0;
}

int eddy_http_stream_defer(eddy_http_request *req, eddy_http_stream_close_fn on_close, void *ud,
                           eddy_http_stream **out)
{
    eddy_http_stream *s;
    h2o_req_t *r = req->rq_req;

    *out = NULL;
    if (req->rq_answered)
        return EDDY_INVAL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return EDDY_NOMEM;
    pthread_mutex_init(&s->st_mu, NULL);
    pthread_cond_init(&s->st_cv, NULL);
    s->st_refs = 2; /* the producer's and the loop side's */
    s->st_srv = req->rq_srv;
    s->st_loop_tid = req->rq_srv->hs_loop_tid;
    s->st_on_close = on_close;
    s->st_ud = ud;
    s->st_producer = PRODUCER_OPEN;
    s->st_gen.proceed = gen_proceed;
    s->st_gen.stop = gen_stop;
    s->st_req = r;
    s->st_http1 = r->version < 0x200;
    s->st_anchor = h2o_mem_alloc_shared(&r->pool, sizeof(*s->st_anchor), anchor_dispose);
    s->st_anchor->s = s;
    h2o_linklist_insert(&req->rq_srv->hs_streams, &s->st_link);
    req->rq_answered = 1;
    *out = s;
    return 0;
}

int eddy_http_stream_start(eddy_http_stream *s, int status, const char *content_type)
{
    char *ctype = NULL;
    int direct;

    if (status < 100 || status > 999)
        return EDDY_INVAL;
    if (content_type != NULL && (ctype = strdup(content_type)) == NULL)
        return EDDY_NOMEM;
    pthread_mutex_lock(&s->st_mu);
    if (s->st_producer != PRODUCER_OPEN || s->st_start_requested) {
        pthread_mutex_unlock(&s->st_mu);
        free(ctype);
        return EDDY_INVAL;
    }
    if (s->st_gone) {
        pthread_mutex_unlock(&s->st_mu);
        free(ctype);
        return EDDY_CLOSED;
    }
    s->st_start_requested = 1;
    s->st_status = status;
    s->st_ctype = ctype;
    direct = schedule_locked(s);
    pthread_mutex_unlock(&s->st_mu);
    if (direct)
        flush(s);
    return 0;
}

int eddy_http_stream_open(eddy_http_request *req, int status, const char *content_type,
                          eddy_http_stream_close_fn on_close, void *ud, eddy_http_stream **out)
{
    int rc;

    if (status < 100 || status > 999)
        return EDDY_INVAL;
    if ((rc = eddy_http_stream_defer(req, on_close, ud, out)) != 0)
        return rc;
    if ((rc = eddy_http_stream_start(*out, status, content_type)) != 0) {
        eddy_http_stream_abort(*out);
        *out = NULL;
    }
    return rc;
}

/* Appends a boundary at offset at (unless the last one is there already).
 * st_mu held.  0 or EDDY_NOMEM. */
static int push_cut(eddy_http_stream *s, size_t at)
{
    if (s->st_ncuts > s->st_cut_head && s->st_cuts[s->st_ncuts - 1] == at)
        return 0;
    if (s->st_ncuts == s->st_cut_cap) {
        if (s->st_cut_head > 0) { /* reuse the consumed front */
            memmove(s->st_cuts, s->st_cuts + s->st_cut_head, (s->st_ncuts - s->st_cut_head) * sizeof(*s->st_cuts));
            s->st_ncuts -= s->st_cut_head;
            s->st_cut_head = 0;
        } else {
            size_t cap = s->st_cut_cap ? s->st_cut_cap * 2 : 16;
            size_t *p = realloc(s->st_cuts, cap * sizeof(*p));
            if (p == NULL)
                return EDDY_NOMEM;
            s->st_cuts = p;
            s->st_cut_cap = cap;
        }
    }
    s->st_cuts[s->st_ncuts++] = at;
    return 0;
}

/* Queues len bytes; with msg, as one message of its own. */
static int queue(eddy_http_stream *s, const void *data, size_t len, int msg)
{
    int direct;

    pthread_mutex_lock(&s->st_mu);
    if (s->st_producer != PRODUCER_OPEN) {
        pthread_mutex_unlock(&s->st_mu);
        return EDDY_INVAL;
    }
    if (s->st_gone) {
        pthread_mutex_unlock(&s->st_mu);
        return EDDY_CLOSED;
    }
    if (!s->st_start_requested) {
        pthread_mutex_unlock(&s->st_mu);
        return EDDY_INVAL;
    }
    if (len == 0) {
        pthread_mutex_unlock(&s->st_mu);
        return 0;
    }
    if (s->st_off > 0 && s->st_len + len > s->st_cap) {
        /* drop the bytes already sent before growing */
        size_t n = s->st_len - s->st_off;
        memmove(s->st_buf, s->st_buf + s->st_off, n);
        for (size_t i = s->st_cut_head; i < s->st_ncuts; i++)
            s->st_cuts[i] = s->st_cuts[i] > s->st_off ? s->st_cuts[i] - s->st_off : 0;
        s->st_off = 0;
        s->st_len = n;
    }
    if (s->st_len + len > s->st_cap) {
        size_t cap = s->st_cap ? s->st_cap : 256;
        char *p;
        while (cap < s->st_len + len)
            cap *= 2;
        if ((p = realloc(s->st_buf, cap)) == NULL) {
            pthread_mutex_unlock(&s->st_mu);
            return EDDY_NOMEM;
        }
        s->st_buf = p;
        s->st_cap = cap;
    }
    /* A message starts and ends at a boundary; both are recorded before the
     * bytes go in, so a failure leaves the queue as it was. */
    if (msg && ((s->st_len > s->st_off && push_cut(s, s->st_len) != 0) || push_cut(s, s->st_len + len) != 0)) {
        pthread_mutex_unlock(&s->st_mu);
        return EDDY_NOMEM;
    }
    memcpy(s->st_buf + s->st_len, data, len);
    s->st_len += len;
    direct = schedule_locked(s);
    pthread_mutex_unlock(&s->st_mu);
    if (direct)
        flush(s);
    return 0;
}

int eddy_http_stream_write(eddy_http_stream *s, const void *data, size_t len)
{
    return queue(s, data, len, 0);
}

int eddy_http_stream_write_msg(eddy_http_stream *s, const void *data, size_t len)
{
    return queue(s, data, len, 1);
}

static int end(eddy_http_stream *s, int how)
{
    int direct = 0, loop = on_loop_thread(s);

    pthread_mutex_lock(&s->st_mu);
    if (s->st_producer != PRODUCER_OPEN) {
        pthread_mutex_unlock(&s->st_mu);
        return EDDY_INVAL;
    }
    s->st_producer = how;
    if (!s->st_gone)
        direct = schedule_locked(s);
    /* on_close may be running on the loop thread right now: wait for it,
     * unless this is that thread (on_close closing its stream). */
    while (s->st_in_callback && !loop)
        pthread_cond_wait(&s->st_cv, &s->st_mu);
    pthread_mutex_unlock(&s->st_mu);
    if (direct)
        flush(s);
    release(s);
    return 0;
}

int eddy_http_stream_close(eddy_http_stream *s)
{
    return end(s, PRODUCER_CLOSED);
}

int eddy_http_stream_abort(eddy_http_stream *s)
{
    return end(s, PRODUCER_ABORTED);
}

int eddy_http_stream_close_flushed(eddy_http_stream *s)
{
    struct timespec deadline;
    int rc;

    if (on_loop_thread(s))
        return end(s, PRODUCER_CLOSED);
    pthread_mutex_lock(&s->st_mu);
    s->st_refs++; /* keeps s while waiting */
    pthread_mutex_unlock(&s->st_mu);
    rc = end(s, PRODUCER_CLOSED);
    /* Bounded: should the loop stop before it gets there (shutdown), the
     * wait ends anyway. */
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 2;
    pthread_mutex_lock(&s->st_mu);
    while (rc == 0 && !s->st_flushed)
        if (pthread_cond_timedwait(&s->st_cv, &s->st_mu, &deadline) != 0)
            break;
    pthread_mutex_unlock(&s->st_mu);
    release(s);
    return rc;
}

int eddy_http_stream_respond(eddy_http_stream *s, int status, const char *content_type, const void *body,
                             size_t len)
{
    char *ctype = NULL, *buf = NULL;
    int rc = 0;

    /* All under one lock, so the loop sees the whole response at once and
     * sends it with a Content-Length. */
    if (status < 100 || status > 999)
        rc = EDDY_INVAL;
    else if (content_type != NULL && (ctype = strdup(content_type)) == NULL)
        rc = EDDY_NOMEM;
    else if (len > 0 && (buf = malloc(len)) == NULL)
        rc = EDDY_NOMEM;
    if (rc != 0) {
        free(ctype);
        eddy_http_stream_close(s);
        return rc;
    }
    if (len > 0)
        memcpy(buf, body, len);
    pthread_mutex_lock(&s->st_mu);
    if (s->st_producer != PRODUCER_OPEN || s->st_start_requested)
        rc = EDDY_INVAL;
    else if (s->st_gone)
        rc = EDDY_CLOSED;
    if (rc != 0) {
        pthread_mutex_unlock(&s->st_mu);
        free(ctype);
        free(buf);
        if (rc == EDDY_CLOSED)
            eddy_http_stream_close(s);
        return rc;
    }
    s->st_start_requested = 1;
    s->st_status = status;
    s->st_ctype = ctype;
    free(s->st_buf); /* nothing was written before start */
    s->st_buf = buf;
    s->st_len = s->st_cap = len;
    pthread_mutex_unlock(&s->st_mu);
    return eddy_http_stream_close(s); /* wakes the loop once for all of it */
}

int eddy_http_stream_is_open(eddy_http_stream *s)
{
    int open;
    pthread_mutex_lock(&s->st_mu);
    open = !s->st_gone && s->st_producer == PRODUCER_OPEN;
    pthread_mutex_unlock(&s->st_mu);
    return open;
}

size_t eddy_http_stream_pending(eddy_http_stream *s)
{
    size_t n;
    pthread_mutex_lock(&s->st_mu);
    n = s->st_len - s->st_off;
    pthread_mutex_unlock(&s->st_mu);
    return n;
}
