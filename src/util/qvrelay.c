/* qvrelay.c: the relay's state machine; every step is a non-blocking read or write. */
#include <config.h>

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "qvrelay.h"

#define QV_RELAY_CHUNK 65536

/* One direction: bytes read from one end, waiting to be written to the other. */
typedef struct {
    GString *buf;
    size_t off;
} qvRelayQueue;

struct _qvRelay {
    GMainContext *ctx;
    size_t maxBuffer;
    int upFd;
    int listenFd;
    int clientFd; /* -1: none attached */
    qvRelayQueue toUp; /* client -> upstream */
    qvRelayQueue toClient; /* upstream -> client */
    bool paused; /* the upstream is lent out: relay nothing */
    GSource *upIn, *upOut, *clientIn, *clientOut, *listenIn;
    qvRelayStats stats;
};

static void qvRelayUpdate(qvRelay *r);

static size_t qvRelayPending(const qvRelayQueue *q)
{
    return q->buf->len - q->off;
}

static void qvRelayDrop(GSource **src)
{
    if (*src) {
        g_source_destroy(*src);
        g_source_unref(*src);
        *src = NULL;
    }
}

static void qvRelayWatch(qvRelay *r, GSource **src, int fd, GIOCondition cond, GUnixFDSourceFunc fn)
{
    if (*src || fd < 0)
        return;
    *src = g_unix_fd_source_new(fd, cond);
    g_source_set_callback(*src, G_SOURCE_FUNC(fn), r, NULL);
    g_source_attach(*src, r->ctx);
}

static void qvRelayDetachClient(qvRelay *r)
{
    if (r->clientFd < 0)
        return;
    qvRelayDrop(&r->clientIn);
    qvRelayDrop(&r->clientOut);
    close(r->clientFd);
    r->clientFd = -1;
    /* what was on its way to the client is nobody's now */
    g_string_truncate(r->toClient.buf, 0);
    r->toClient.off = 0;
}

/* Write what fd takes now; false when the peer is gone. */
static bool qvRelayFlush(int fd, qvRelayQueue *q, guint64 *counter)
{
    while (qvRelayPending(q)) {
        ssize_t n = send(fd, q->buf->str + q->off, qvRelayPending(q), MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0)
            return false;
        q->off += (size_t)n;
        *counter += (guint64)n;
    }
    if (!qvRelayPending(q)) {
        g_string_truncate(q->buf, 0);
        q->off = 0;
    }
    return true;
}

/* Read one chunk from fd into q (or nowhere); -1 at EOF or error, 0 when nothing. */
static ssize_t qvRelayReadInto(int fd, qvRelayQueue *q, guint64 *dropped)
{
    char chunk[QV_RELAY_CHUNK];
    ssize_t n;

    do {
        n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return 0;
    if (n <= 0)
        return -1;
    if (q)
        g_string_append_len(q->buf, chunk, n);
    else
        *dropped += (guint64)n;
    return n;
}

static gboolean qvRelayOnUpIn(gint fd G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                              gpointer opaque)
{
    qvRelay *r = opaque;

    if (qvRelayReadInto(r->upFd, r->clientFd >= 0 ? &r->toClient : NULL, &r->stats.dropped) < 0) {
        r->stats.upstreamClosed = true;
        qvRelayDetachClient(r);
        qvRelayDrop(&r->listenIn);
        qvRelayDrop(&r->upOut);
        g_source_unref(r->upIn);
        r->upIn = NULL;
        return G_SOURCE_REMOVE;
    }
    if (r->clientFd >= 0 && !qvRelayFlush(r->clientFd, &r->toClient, &r->stats.toClient))
        qvRelayDetachClient(r);
    qvRelayUpdate(r);
    return G_SOURCE_CONTINUE;
}

static gboolean qvRelayOnUpOut(gint fd G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                               gpointer opaque)
{
    qvRelay *r = opaque;

    if (!qvRelayFlush(r->upFd, &r->toUp, &r->stats.toUpstream)) {
        /* upstream gone: its reader will see EOF and finish the job */
        g_string_truncate(r->toUp.buf, 0);
        r->toUp.off = 0;
    }
    qvRelayUpdate(r);
    return G_SOURCE_CONTINUE;
}

static gboolean qvRelayOnClientIn(gint fd G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                                  gpointer opaque)
{
    qvRelay *r = opaque;

    if (qvRelayReadInto(r->clientFd, &r->toUp, NULL) < 0) {
        qvRelayDetachClient(r);
        qvRelayUpdate(r);
        return G_SOURCE_CONTINUE; /* already destroyed by the detach */
    }
    /* lent out: it waits in the queue */
    if (!r->paused && !qvRelayFlush(r->upFd, &r->toUp, &r->stats.toUpstream)) {
        g_string_truncate(r->toUp.buf, 0);
        r->toUp.off = 0;
    }
    qvRelayUpdate(r);
    return G_SOURCE_CONTINUE;
}

static gboolean qvRelayOnClientOut(gint fd G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                                   gpointer opaque)
{
    qvRelay *r = opaque;

    if (!qvRelayFlush(r->clientFd, &r->toClient, &r->stats.toClient))
        qvRelayDetachClient(r);
    qvRelayUpdate(r);
    return G_SOURCE_CONTINUE;
}

static gboolean qvRelayOnAccept(gint fd G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                                gpointer opaque)
{
    qvRelay *r = opaque;
    int cfd = accept4(r->listenFd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (cfd >= 0 && r->clientFd < 0) {
        r->clientFd = cfd;
        r->stats.clients++;
    } else if (cfd >= 0) {
        close(cfd);
    }
    qvRelayUpdate(r);
    return G_SOURCE_CONTINUE;
}

/* Which ends to watch, from the queues: the heart of the back-pressure. */
static void qvRelayUpdate(qvRelay *r)
{
    /* paused: the upstream is lent out, so neither read nor written, and nobody new is
     * accepted; a client kept attached still fills its bounded queue */
    bool upOpen = !r->stats.upstreamClosed && !r->paused;

    /* accept only while nobody is attached (later clients wait in the backlog) */
    if (upOpen && r->clientFd < 0)
        qvRelayWatch(r, &r->listenIn, r->listenFd, G_IO_IN, qvRelayOnAccept);
    else
        qvRelayDrop(&r->listenIn);

    /* read upstream unless the client is not keeping up */
    if (upOpen && qvRelayPending(&r->toClient) < r->maxBuffer)
        qvRelayWatch(r, &r->upIn, r->upFd, G_IO_IN | G_IO_HUP | G_IO_ERR, qvRelayOnUpIn);
    else
        qvRelayDrop(&r->upIn);

    if (upOpen && qvRelayPending(&r->toUp))
        qvRelayWatch(r, &r->upOut, r->upFd, G_IO_OUT, qvRelayOnUpOut);
    else
        qvRelayDrop(&r->upOut);

    if (r->clientFd >= 0 && qvRelayPending(&r->toUp) < r->maxBuffer)
        qvRelayWatch(r, &r->clientIn, r->clientFd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                     qvRelayOnClientIn);
    else
        qvRelayDrop(&r->clientIn);

    if (r->clientFd >= 0 && qvRelayPending(&r->toClient))
        qvRelayWatch(r, &r->clientOut, r->clientFd, G_IO_OUT, qvRelayOnClientOut);
    else
        qvRelayDrop(&r->clientOut);
}

qvRelay *qvRelayNew(int upstreamFd, int listenFd, size_t maxBuffer, GMainContext *ctx)
{
    qvRelay *r = g_new0(qvRelay, 1);

    r->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
    r->maxBuffer = maxBuffer;
    r->upFd = upstreamFd;
    r->listenFd = listenFd;
    r->clientFd = -1;
    r->toUp.buf = g_string_new(NULL);
    r->toClient.buf = g_string_new(NULL);
    g_unix_set_fd_nonblocking(upstreamFd, TRUE, NULL);
    g_unix_set_fd_nonblocking(listenFd, TRUE, NULL);
    qvRelayUpdate(r);
    return r;
}

void qvRelayFree(qvRelay *r)
{
    if (!r)
        return;
    qvRelayDetachClient(r);
    qvRelayDrop(&r->upIn);
    qvRelayDrop(&r->upOut);
    qvRelayDrop(&r->listenIn);
    close(r->upFd);
    close(r->listenFd);
    g_string_free(r->toUp.buf, TRUE);
    g_string_free(r->toClient.buf, TRUE);
    g_main_context_unref(r->ctx);
    g_free(r);
}

void qvRelayGetStats(qvRelay *r, qvRelayStats *stats)
{
    *stats = r->stats;
}

int qvRelayPause(qvRelay *r, bool detach)
{
    if (r->stats.upstreamClosed)
        return -1;
    r->paused = true;
    if (detach) {
        qvRelayDetachClient(r);
        /* half a command from the last client is not sent on its own */
        g_string_truncate(r->toUp.buf, 0);
        r->toUp.off = 0;
    }
    qvRelayUpdate(r);
    return r->upFd;
}

void qvRelayResume(qvRelay *r)
{
    r->paused = false;
    qvRelayUpdate(r);
}
