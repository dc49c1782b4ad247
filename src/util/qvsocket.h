/* qvsocket.h: non-blocking unix socket I/O on a GMainContext, shared by protocol clients:
 * a writer that queues bytes and finishes them in the event loop, a bounded reader. */
#pragma once

#include "internal.h"
#include "qvlinebuf.h"

typedef struct {
    int fd;
    GMainContext *ctx;
    GMutex *lock; /* the owner's lock, held around every callback */
    GString *out;
    size_t off;
    GSource *src; /* waits for the socket to become writable */
    void (*drained)(gpointer opaque); /* everything queued was written */
    void (*failed)(gpointer opaque); /* a write failed for good (peer gone) */
    gpointer opaque;
    gpointer (*ref)(gpointer); /* keep the owner alive while a source holds it */
    GDestroyNotify unref;
} qvSocketWriter;

void qvSocketWriterInit(qvSocketWriter *w, int fd, GMainContext *ctx, GMutex *lock,
                        void (*drained)(gpointer), void (*failed)(gpointer), gpointer opaque,
                        gpointer (*ref)(gpointer), GDestroyNotify unref);
/* Append and write what the socket takes now (owner's lock held); the rest follows from
 * the event loop. */
void qvSocketWriterQueue(qvSocketWriter *w, const char *data, size_t len);
size_t qvSocketWriterPending(const qvSocketWriter *w);
/* Bytes of the current queue already on the wire (to tell a half-written message). */
size_t qvSocketWriterWritten(const qvSocketWriter *w);
/* Forget unwritten bytes and stop waiting for the socket. */
void qvSocketWriterDrop(qvSocketWriter *w);
void qvSocketWriterClear(qvSocketWriter *w);

/* Read at most chunk bytes into lb: the count, 0 when nothing is there now, -1 at EOF
 * or on an error. A count below chunk means the socket is drained for now. */
int qvSocketRead(int fd, qvLineBuffer *lb, size_t chunk);

/* Connect to a unix socket, retrying while it does not exist yet or refuses, until
 * deadline (monotonic µs). Returns the fd, or -1 with an error reported. */
int qvSocketConnectUnix(const char *path, gint64 deadline);
