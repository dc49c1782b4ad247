/* qvirtd.h: the daemon's shared types: its configuration, clients and the RPC dispatch
 * between the I/O thread (sockets, framing, keepalive, events) and the workers. */
#pragma once

#include <sys/types.h>

#include "internal.h" /* GLib, gettext's _() and the public API */
#include "qvrpcmessage.h"

typedef struct {
    char *path; /* the configuration file read, or NULL */
    char *root; /* the state root served (as qvsh's qvirt:///embed?root=) */
    char *socket; /* read-write socket */
    char *socketRO; /* read-only socket, or NULL for none */
    guint socketMode;
    guint socketROMode;
    guint maxClients; /* per socket: the read-only one never takes the read-write one's */
    guint maxQueuedClients; /* each socket's listen backlog */
    guint maxAnonymousClients; /* per socket: connected, CONNECT_OPEN not done yet */
    guint anonymousTimeout; /* seconds an anonymous client may stay so; 0: for ever */
    guint maxMessage; /* bytes, header and payload */
    guint maxCallsPerClient; /* calls in flight before the client's input is paused */
    guint maxEventBacklog; /* bytes of events waiting for a client before it is dropped */
    guint workers;
    guint keepaliveInterval; /* seconds of silence before a PING; 0: never ping */
    guint keepaliveCount; /* unanswered PINGs before the client is dropped */
    char *logOutput; /* "stderr" or "journal" */
    char *logFilters; /* libvirt's "LEVEL:NAME ..."; NAME qvirtd: the daemon's own lines */
    bool verbose;
} qvdConfig;

typedef struct _qvdClient qvdClient;
typedef struct _qvdServer qvdServer;

struct _qvdClient {
    gint refs;
    qvdServer *server;
    int fd;
    guint id; /* for logs */
    bool readonlySocket; /* came in on the read-only socket */
    bool readonly; /* ... or opened with VIR_CONNECT_RO */
    pid_t pid; /* SO_PEERCRED */
    uid_t uid;
    gid_t gid;
    /* I/O thread only */
    gint64 acceptedAt; /* monotonic µs */
    bool opened; /* its CONNECT_OPEN succeeded (counted out of anonymousCount) */
    GByteArray *in;
    guint inWatch;
    bool closing; /* after CONNECT_CLOSE's reply, or a fatal error */
    bool outPaused; /* its calls are not read while too much waits to be sent to it */
    gsize inReserved; /* the room its big message in progress holds in the input budget */
    bool inWaiting; /* in the queue for input budget: not read meanwhile */
    /* under outLock: a worker may write its reply itself when nothing is queued */
    GMutex outLock;
    GQueue out; /* GBytes, written in order */
    gsize outOff;
    gsize outBytes; /* queued, not yet written */
    gsize outEventBytes; /* ... of which events */
    GQueue outIsEvent; /* per queued message: GINT_TO_POINTER(1) for an event */
    guint outWatch;
    bool dead;
    gint64 lastRead; /* monotonic µs */
    guint pingsUnanswered;
    bool keepalive; /* the client probed PROGRAM_KEEPALIVE */
    bool native; /* a qvirt client: it probed QVIRT_FEATURE_NATIVE */
    gint inFlight; /* calls queued to or running in workers (atomic) */
    GHashTable *callbacks; /* callbackID -> qvdEventReg * */
    int nextCallbackID;
    /* any thread, under lock */
    GMutex lock;
    qvConnectPtr conn; /* after CONNECT_OPEN */
    /* Who reads the socket (and owns in): the I/O thread, or a worker that answered the
     * client's only call in flight and waits a moment for the next one, which it then runs
     * itself: a client that waits for each answer (virsh, most programs) then needs no
     * hand-off per call. The I/O thread takes the input back when the worker gives up, or
     * when a call the worker runs itself is slow (keepalive and the client's other calls
     * must not wait behind it). */
    bool workerInput;
    gint64 directSince; /* monotonic µs: a worker runs a call with the input; else 0 */
    bool closeLater; /* dropped while a worker read it: closed once the worker hands back */
};

struct _qvdServer {
    qvdConfig *cfg;
    char *uri; /* qvirt:///embed?root=... */
    GMainLoop *loop;
    GThreadPool *workers;
    GHashTable *clients; /* fd -> qvdClient * (I/O thread) */
    guint nextClientID;
    int listenFd;
    int listenROFd;
    guint listenWatch[2]; /* accepting on the read-write [0] and read-only [1] socket */
    guint clientCount[2]; /* clients per socket, same index */
    guint anonymousCount[2]; /* ... of which not opened yet */
    bool acceptPaused; /* out of file descriptors: accept again in a moment */
    gsize inReserved; /* input budget held by clients' big messages in progress */
    GQueue inWaiting; /* clients (a reference each) waiting for input budget, in order */
    GMutex lock; /* reclaimTimer */
    guint reclaimTimer; /* while workers read clients' input: takes back what runs long */
};

/* qvirtd-dispatch.c: a call's bytes in, a reply's bytes out (or NULL: no reply). Runs in
 * a worker, or in the I/O thread for the calls that must not wait behind slow ones. */
GBytes *qvdDispatch(qvdClient *client, const remote_message_header *hdr, const char *payload,
                    gsize len);
/* Whether a call is answered in the I/O thread (fast, ordered with events). */
bool qvdDispatchInline(const remote_message_header *hdr);
/* Drop a client's event callbacks (it is going away). */
void qvdDispatchClientGone(qvdClient *client);

/* qvirtd-server.c */
qvdServer *qvdServerNew(qvdConfig *cfg, GError **err);
void qvdServerFree(qvdServer *srv);
/* Queue bytes for a client, from any thread (written at once when nothing is ahead). */
void qvdClientSend(qvdClient *client, GBytes *msg);
/* The same for an event, which nobody waits for: a client with more than
 * max_client_event_backlog bytes of events waiting for it does not read them, and is
 * dropped. */
void qvdClientSendEvent(qvdClient *client, GBytes *msg);
/* Past QVD_OUT_PAUSE bytes waiting to be sent to a client its calls are not read (each
 * call's reply adds to it). A client that never reads thus costs at most QVD_OUT_PAUSE,
 * the replies of the calls it has in flight (max_client_requests x max_message_size at
 * the very worst) and max_client_event_backlog. */
#define QVD_OUT_PAUSE (1024 * 1024)
/* A message longer than QVD_IN_SMALL is read only once its whole length is reserved in
 * the input budget that all clients share (QVD_IN_BUDGET, or two messages of
 * max_message_size if that is more); a client whose message does not fit waits, unread,
 * for the messages ahead of it to complete. So clients that start big messages and never
 * finish them hold at most the budget, and a message once started can always finish. */
#define QVD_IN_SMALL (64 * 1024)
#define QVD_IN_BUDGET (32 * 1024 * 1024)
/* A client on fd (the caller keeps the reference); readonly: came in on the read-only
 * socket. */
qvdClient *qvdClientNew(qvdServer *srv, int fd, bool readonly);
qvdClient *qvdClientRef(qvdClient *client);
/* Any thread: the client's CONNECT_OPEN succeeded (it is anonymous no more). */
void qvdClientOpened(qvdClient *client);
void qvdClientUnref(qvdClient *client);
/* For the fuzz target: bytes as if read from the client's socket (len 0: its end), framed
 * and dispatched as the I/O thread does; a server without workers (workers NULL, no
 * sockets) runs each call at once in the caller's thread. false: the client reads no more
 * for now (dropped, or too many calls in flight). */
bool qvdClientTestInput(qvdClient *client, const char *data, gsize len);
void qvdLog(const char *level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
