/* qvrelay.h: a byte relay between one upstream connection and one client at a time,
 * accepted on a listening socket. Buffers are bounded in both directions: a side that
 * does not read stops the other side from being read (back-pressure), never memory
 * growth. Upstream bytes that arrive while no client is attached are dropped. Used by
 * the QEMU supervisor to keep QEMU's guest agent socket connected for the whole run, so
 * that the guest never sees the channel flap when qvirt processes come and go. */
#pragma once

#include "internal.h"

typedef struct _qvRelay qvRelay;

typedef struct {
    guint64 toUpstream; /* bytes written upstream */
    guint64 toClient; /* bytes written to clients */
    guint64 dropped; /* upstream bytes that arrived with no client attached */
    guint clients; /* clients accepted so far */
    bool upstreamClosed;
} qvRelayStats;

/* Takes both file descriptors (made non-blocking). maxBuffer bounds each direction.
 * ctx NULL: the default main context. */
qvRelay *qvRelayNew(int upstreamFd, int listenFd, size_t maxBuffer, GMainContext *ctx);
void qvRelayFree(qvRelay *relay);
void qvRelayGetStats(qvRelay *relay, qvRelayStats *stats);

/* Take the upstream for the caller's own exchange: nothing is relayed upstream or read
 * from it, and nobody new is accepted, until qvRelayResume(). detach: the attached client
 * (if any) is disconnected and what it sent but was not relayed is dropped; otherwise it
 * stays attached, and what it sends meanwhile waits (bounded) for the resume. Returns
 * the upstream fd (still the relay's: do not close it), or -1 once the upstream has
 * closed. Call both from the thread that runs the relay's context. */
int qvRelayPause(qvRelay *relay, bool detach);
void qvRelayResume(qvRelay *relay);
