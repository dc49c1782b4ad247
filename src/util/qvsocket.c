/* qvsocket.c: writes that never block the caller, reads that never take more than asked. */
#include <config.h>

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "qverror.h"
#include "qvsocket.h"

#define QV_FROM_THIS QV_FROM_SYSTEM

void qvSocketWriterInit(qvSocketWriter *w, int fd, GMainContext *ctx, GMutex *lock,
                        void (*drained)(gpointer), void (*failed)(gpointer), gpointer opaque,
                        gpointer (*ref)(gpointer), GDestroyNotify unref)
{
    memset(w, 0, sizeof(*w));
    w->fd = fd;
    w->ctx = ctx;
    w->lock = lock;
    w->out = g_string_new(NULL);
    w->drained = drained;
    w->failed = failed;
    w->opaque = opaque;
    w->ref = ref;
    w->unref = unref;
}

static void qvSocketWriterFlush(qvSocketWriter *w);

/* The source's callback data: the writer, and a reference on the owner it lives in,
 * released by GLib only after any dispatch in progress has returned. */
typedef struct {
    qvSocketWriter *w;
    gpointer owner;
    GDestroyNotify unref;
} qvSocketWriterClosure;

static void qvSocketWriterClosureFree(gpointer data)
{
    qvSocketWriterClosure *c = data;

    if (c->unref)
        c->unref(c->owner);
    g_free(c);
}

static gboolean qvSocketWriterOnWritable(gint fd, GIOCondition cond, gpointer data)
{
    qvSocketWriterClosure *c = data;

    g_mutex_lock(c->w->lock);
    qvSocketWriterFlush(c->w);
    g_mutex_unlock(c->w->lock);
    return G_SOURCE_CONTINUE;
}

static void qvSocketWriterStopWaiting(qvSocketWriter *w)
{
    if (w->src) {
        g_source_destroy(w->src);
        g_clear_pointer(&w->src, g_source_unref);
    }
}

static void qvSocketWriterFlush(qvSocketWriter *w)
{
    while (w->off < w->out->len) {
        ssize_t n =
            send(w->fd, w->out->str + w->off, w->out->len - w->off, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) { /* EWOULDBLOCK on Linux */
                if (!w->src) {
                    qvSocketWriterClosure *c = g_new0(qvSocketWriterClosure, 1);

                    c->w = w;
                    c->owner = w->ref ? w->ref(w->opaque) : NULL;
                    c->unref = w->unref;
                    w->src = g_unix_fd_source_new(w->fd, G_IO_OUT);
                    g_source_set_callback(w->src, G_SOURCE_FUNC(qvSocketWriterOnWritable), c,
                                          qvSocketWriterClosureFree);
                    g_source_attach(w->src, w->ctx);
                }
                return;
            }
            qvSocketWriterDrop(w);
            if (w->failed)
                w->failed(w->opaque);
            return;
        }
        w->off += (size_t)n;
    }
    qvSocketWriterStopWaiting(w);
    g_string_truncate(w->out, 0);
    w->off = 0;
    if (w->drained)
        w->drained(w->opaque);
}

void qvSocketWriterQueue(qvSocketWriter *w, const char *data, size_t len)
{
    if (w->fd < 0)
        return;
    g_string_append_len(w->out, data, (gssize)len);
    if (!w->src)
        qvSocketWriterFlush(w);
}

size_t qvSocketWriterPending(const qvSocketWriter *w)
{
    return w->out->len - w->off;
}

size_t qvSocketWriterWritten(const qvSocketWriter *w)
{
    return w->off;
}

void qvSocketWriterDrop(qvSocketWriter *w)
{
    qvSocketWriterStopWaiting(w);
    g_string_truncate(w->out, 0);
    w->off = 0;
}

void qvSocketWriterClear(qvSocketWriter *w)
{
    qvSocketWriterStopWaiting(w);
    if (w->out)
        g_string_free(w->out, TRUE);
    w->out = NULL;
}

int qvSocketRead(int fd, qvLineBuffer *lb, size_t chunk)
{
    for (;;) {
        size_t room;
        char *buf = qvLineBufferReserve(lb, &room);
        ssize_t n = recv(fd, buf, MIN(room, chunk), MSG_DONTWAIT);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? 0 : -1; /* EWOULDBLOCK on Linux */
        }
        if (n == 0)
            return -1;
        qvLineBufferCommit(lb, (size_t)n);
        return (int)n;
    }
}

int qvSocketConnectUnix(const char *path, gint64 deadline)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int err;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("socket path '%s' is too long"), path);
        return -1;
    }
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0) {
            qvReportSystemError(errno, _("cannot create a socket for '%s'"), path);
            return -1;
        }
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
            return fd;
        err = errno;
        close(fd);
        if ((err != ENOENT && err != ECONNREFUSED) || g_get_monotonic_time() >= deadline)
            break;
        g_usleep(10000);
    }
    qvReportSystemError(err, _("cannot connect to '%s'"), path);
    return -1;
}
