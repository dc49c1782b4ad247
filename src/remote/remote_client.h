/* remote_client.h: one connection to qvirtd: calls from any thread, each waiting for
 * the reply with its serial, while a reader thread answers keepalive PINGs, hands
 * events over, and fails every waiting call when the daemon goes silent or away. */
#pragma once

#include "internal.h"
#include "qvrpcmessage.h"

typedef struct _qvRemoteClient qvRemoteClient;

/* An event (a MESSAGE of the REMOTE or QVIRT program), in the reader thread. */
typedef void (*qvRemoteEventFunc)(const remote_message_header *hdr, const char *payload, gsize len,
                                  gpointer opaque);

typedef struct {
    guint keepaliveInterval; /* seconds of silence during a call before a PING */
    guint keepaliveCount; /* unanswered PINGs before the connection counts as dead */
} qvRemoteClientLimits;

/* Connect to the daemon's socket (reports an error and returns NULL when it cannot). */
qvRemoteClient *qvRemoteClientOpen(const char *path, const qvRemoteClientLimits *limits,
                                   qvRemoteEventFunc event, gpointer opaque);

/* One call: encode args, wait for the reply, decode it into ret (zeroed by the caller;
 * xdr_free it after). Returns 0, or -1 with the daemon's error (or the connection's
 * failure) reported in the calling thread. */
int qvRemoteClientCall(qvRemoteClient *client, unsigned int prog, int proc, xdrproc_t argsFilter,
                       const void *args, xdrproc_t retFilter, void *ret);

/* Stop the reader, fail what still waits, close the socket, free. */
void qvRemoteClientFree(qvRemoteClient *client);
