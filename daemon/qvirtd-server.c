/* qvirtd-server.c: the I/O thread: listening sockets, clients, libvirt's framing (a
 * length word, a six-word header, an XDR payload), keepalive both ways, and the hand-off
 * of calls to the worker pool so that slow ones never hold up PINGs or other clients. */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "qvirtd.h"

void qvdLog(const char *level, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (g_strcmp0(level, "debug") == 0)
        g_debug("%s", msg);
    else if (g_strcmp0(level, "warning") == 0)
        g_warning("%s", msg);
    else
        g_message("%s", msg);
}

/* ---- clients ---- */

qvdClient *qvdClientNew(qvdServer *srv, int fd, bool readonly)
{
    qvdClient *client = g_new0(qvdClient, 1);

    client->refs = 1;
    client->server = srv;
    client->fd = fd;
    client->id = ++srv->nextClientID;
    client->readonlySocket = readonly;
    client->readonly = readonly;
    client->in = g_byte_array_new();
    client->lastRead = client->acceptedAt = g_get_monotonic_time();
    srv->clientCount[readonly ? 1 : 0]++; /* until it is dropped */
    srv->anonymousCount[readonly ? 1 : 0]++; /* until it opens (qvdClientOpened) */
    g_queue_init(&client->out);
    g_queue_init(&client->outIsEvent);
    g_mutex_init(&client->lock);
    g_mutex_init(&client->outLock);
    return client;
}

qvdClient *qvdClientRef(qvdClient *client)
{
    g_atomic_int_inc(&client->refs);
    return client;
}

void qvdClientUnref(qvdClient *client)
{
    if (!client || !g_atomic_int_dec_and_test(&client->refs))
        return;
    /* the callbacks first: they deregister through the connection */
    if (client->callbacks)
        g_hash_table_destroy(client->callbacks);
    if (client->conn)
        qvConnectClose(client->conn);
    g_byte_array_unref(client->in);
    g_queue_clear_full(&client->out, (GDestroyNotify)g_bytes_unref);
    g_queue_clear(&client->outIsEvent);
    g_mutex_clear(&client->lock);
    g_mutex_clear(&client->outLock);
    g_free(client);
}

static void qvdClientWatchInput(qvdClient *client);
static void qvdClientResumeInput(qvdClient *client);
static bool qvdClientProcessInput(qvdClient *client);
static void qvdUpdateListen(qvdServer *srv);
static void qvdInputRelease(qvdClient *client);

static gboolean qvdClientUnrefIdle(gpointer opaque)
{
    qvdClientUnref(opaque);
    return G_SOURCE_REMOVE;
}

/* I/O thread: the client is gone (EOF, error, protocol violation, or after CLOSE). */
static void qvdClientDrop(qvdClient *client, const char *why)
{
    qvdServer *srv = client->server;

    g_mutex_lock(&client->outLock);
    if (client->dead) {
        g_mutex_unlock(&client->outLock);
        return;
    }
    client->dead = true;
    if (client->outWatch)
        g_source_remove(client->outWatch);
    client->outWatch = 0;
    g_mutex_lock(&client->lock);
    if (client->workerInput) {
        /* a worker may be waiting on the socket: wake it, close once it hands back */
        shutdown(client->fd, SHUT_RDWR);
        client->closeLater = true;
    } else {
        close(client->fd);
        client->fd = -1;
    }
    g_mutex_unlock(&client->lock);
    g_mutex_unlock(&client->outLock);
    qvdLog("debug", "client %u: %s", client->id, why);
    if (client->inWatch)
        g_source_remove(client->inWatch);
    client->inWatch = 0;
    qvdDispatchClientGone(client);
    /* the caller may still hold it: the table's reference goes once this callback ends */
    g_hash_table_steal(srv->clients, GUINT_TO_POINTER(client->id));
    srv->clientCount[client->readonlySocket ? 1 : 0]--;
    if (!client->opened)
        srv->anonymousCount[client->readonlySocket ? 1 : 0]--;
    qvdInputRelease(client);
    qvdUpdateListen(srv);
    g_idle_add_full(G_PRIORITY_DEFAULT, qvdClientUnrefIdle, client, NULL);
}

static gboolean qvdClientDropIdle(gpointer opaque);

/* Whether more than QVD_OUT_PAUSE waits to be sent to the client: its calls wait. */
static bool qvdClientBackedUp(qvdClient *client)
{
    bool backed;

    g_mutex_lock(&client->outLock);
    backed = client->outBytes > QVD_OUT_PAUSE;
    g_mutex_unlock(&client->outLock);
    return backed;
}

/* outLock held: write what is queued; -1 (errno) on a fatal error, else 0. */
static int qvdClientFlushLocked(qvdClient *client)
{
    while (!g_queue_is_empty(&client->out)) {
        GBytes *msg = g_queue_peek_head(&client->out);
        gsize len;
        const char *data = g_bytes_get_data(msg, &len);
        ssize_t n = send(client->fd, data + client->outOff, len - client->outOff,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n < 0)
            return -1;
        client->outOff += n;
        client->outBytes -= n;
        if (client->outOff == len) {
            g_bytes_unref(g_queue_pop_head(&client->out));
            if (g_queue_pop_head(&client->outIsEvent))
                client->outEventBytes -= len;
            client->outOff = 0;
        }
    }
    return 0;
}

static gboolean qvdClientWritable(gint fd, GIOCondition cond, gpointer opaque)
{
    qvdClient *client = opaque;
    bool empty;
    int rc;

    g_mutex_lock(&client->outLock);
    rc = qvdClientFlushLocked(client);
    empty = g_queue_is_empty(&client->out);
    if (rc < 0 || empty)
        client->outWatch = 0;
    g_mutex_unlock(&client->outLock);
    if (rc < 0) {
        qvdClientDrop(client, g_strerror(errno));
        return G_SOURCE_REMOVE;
    }
    if (client->outPaused && !qvdClientBackedUp(client)) {
        /* it reads again: so do we */
        client->outPaused = false;
        qvdClientResumeInput(client);
    }
    if (!empty)
        return G_SOURCE_CONTINUE;
    if (client->closing)
        qvdClientDrop(client, "closed after CONNECT_CLOSE");
    return G_SOURCE_REMOVE;
}

static gboolean qvdClientDropIdle(gpointer opaque)
{
    qvdClient *client = opaque;

    if (!client->dead) {
        qvdLog("warning",
               _("client %u (pid %d) does not read its events (more than %u bytes waiting, "
                 "max_client_event_backlog); disconnecting"),
               client->id, (int)client->pid, client->server->cfg->maxEventBacklog);
        qvdClientDrop(client, "not reading");
    }
    qvdClientUnref(client);
    return G_SOURCE_REMOVE;
}

static void qvdClientQueue(qvdClient *client, GBytes *msg, bool event);

void qvdClientSendEvent(qvdClient *client, GBytes *msg)
{
    gsize max = client->server->cfg->maxEventBacklog;
    bool over;

    g_mutex_lock(&client->outLock);
    over = !client->dead && client->outEventBytes + g_bytes_get_size(msg) > max;
    g_mutex_unlock(&client->outLock);
    if (!over) {
        qvdClientQueue(client, msg, true);
        return;
    }
    g_bytes_unref(msg);
    /* later, in the I/O thread: not inside the event's own dispatch */
    g_idle_add_full(G_PRIORITY_DEFAULT, qvdClientDropIdle, qvdClientRef(client), NULL);
}

void qvdClientSend(qvdClient *client, GBytes *msg)
{
    qvdClientQueue(client, msg, false);
}

/* Any thread: queue msg, writing at once what the socket takes when nothing is ahead of
 * it (a worker's reply then needs no trip through the I/O thread). What is left, or a
 * write error, is for the I/O thread's watch. */
static void qvdClientQueue(qvdClient *client, GBytes *msg, bool event)
{
    g_mutex_lock(&client->outLock);
    if (client->dead) {
        g_mutex_unlock(&client->outLock);
        g_bytes_unref(msg);
        return;
    }
    client->outBytes += g_bytes_get_size(msg);
    if (event)
        client->outEventBytes += g_bytes_get_size(msg);
    g_queue_push_tail(&client->out, msg);
    g_queue_push_tail(&client->outIsEvent, GINT_TO_POINTER(event));
    if (!client->outWatch) {
        qvdClientFlushLocked(client);
        if (!g_queue_is_empty(&client->out))
            client->outWatch = g_unix_fd_add(client->fd, G_IO_OUT, qvdClientWritable, client);
    }
    g_mutex_unlock(&client->outLock);
}

/* I/O thread: read a client whose input was paused (too many calls in flight, or too
 * much waiting to be sent to it) again, unless something else still holds it: the calls
 * already received first (a client that sent them all at once sends nothing more to wake
 * the watch). */
static void qvdClientResumeInput(qvdClient *client)
{
    guint max = client->server->cfg->maxCallsPerClient;
    bool workerInput;

    g_mutex_lock(&client->lock);
    workerInput = client->workerInput;
    g_mutex_unlock(&client->lock);
    if (!client->dead && !client->inWatch && !client->closing && !workerInput &&
        !client->outPaused && (guint)g_atomic_int_get(&client->inFlight) < max &&
        qvdClientProcessInput(client) && (guint)g_atomic_int_get(&client->inFlight) < max)
        qvdClientWatchInput(client);
}

/* I/O thread: a worker finished a call of a client whose input was paused; opaque holds
 * a client reference. */
static gboolean qvdResumeInput(gpointer opaque)
{
    qvdClientResumeInput(opaque);
    qvdClientUnref(opaque);
    return G_SOURCE_REMOVE;
}

/* ---- messages ---- */

typedef struct {
    qvdClient *client;
    remote_message_header hdr;
    char *payload;
    gsize len;
    bool linger; /* the client's input is the worker's after this call */
} qvdCallJob;

/* How long a worker that answered a client's only call waits for its next one. */
#define QVD_LINGER_US 2000
/* A call a worker read itself and runs longer than this gives the input back. */
#define QVD_DIRECT_MAX_US 50000

static void qvdKeepalive(qvdClient *client, int proc);
static gboolean qvdInputBack(gpointer opaque);
static gboolean qvdReclaimTick(gpointer opaque);

/* Any thread: make sure the I/O thread looks for slow calls that workers run themselves. */
static void qvdArmReclaim(qvdServer *srv)
{
    g_mutex_lock(&srv->lock);
    if (!srv->reclaimTimer)
        srv->reclaimTimer = g_timeout_add(QVD_DIRECT_MAX_US / 1000, qvdReclaimTick, srv);
    g_mutex_unlock(&srv->lock);
}

/* Worker, owning the client's input after answering its only call: read and run the
 * calls that follow (one at a time, as the client sends them) until none comes within
 * QVD_LINGER_US, or what comes is for the I/O thread (an inline call, more than one
 * message, a broken one, the end); then hand the input back. */
static void qvdWorkerLinger(qvdClient *client)
{
    qvdServer *srv = client->server;
    gint64 deadline = g_get_monotonic_time() + QVD_LINGER_US;
    char buf[65536];

    for (;;) {
        gssize total = qvRPCFrameLength(client->in->data, client->in->len, srv->cfg->maxMessage);
        remote_message_header hdr;

        if (total > 0 && client->in->len >= (gsize)total) {
            const char *data = (const char *)client->in->data + QV_RPC_LENGTH_WORD;
            gsize len = total - QV_RPC_LENGTH_WORD;
            g_autofree char *payload = NULL;
            GBytes *reply;
            bool mine;

            if (!qvRPCDecodeHeader(data, len, &hdr))
                break;
            if (hdr.prog == KEEPALIVE_PROGRAM && hdr.type == QV_RPC_MESSAGE) {
                qvdKeepalive(client, hdr.proc);
                g_byte_array_remove_range(client->in, 0, total);
                continue;
            }
            if (hdr.type != QV_RPC_CALL || qvdDispatchInline(&hdr) ||
                client->in->len != (gsize)total || client->closing || client->dead ||
                qvdClientBackedUp(client))
                break;
            payload = g_memdup2(data + QV_RPC_HEADER_LEN, len - QV_RPC_HEADER_LEN);
            g_byte_array_remove_range(client->in, 0, total);
            g_mutex_lock(&client->lock);
            client->directSince = g_get_monotonic_time();
            g_mutex_unlock(&client->lock);
            qvdArmReclaim(srv);
            g_atomic_int_inc(&client->inFlight);
            reply = qvdDispatch(client, &hdr, payload, len - QV_RPC_HEADER_LEN);
            g_atomic_int_add(&client->inFlight, -1);
            if (reply)
                qvdClientSend(client, reply);
            g_mutex_lock(&client->lock);
            client->directSince = 0;
            mine = client->workerInput;
            g_mutex_unlock(&client->lock);
            if (!mine)
                return; /* slow: the I/O thread took the input back meanwhile */
            deadline = g_get_monotonic_time() + QVD_LINGER_US;
            continue;
        }
        if (total < 0 || client->dead)
            break;
        {
            gint64 left = deadline - g_get_monotonic_time();
            struct pollfd p = { client->fd, POLLIN, 0 };
            struct timespec ts = { 0, 0 };
            ssize_t n;

            if (left <= 0)
                break;
            ts.tv_nsec = (long)left * 1000;
            if (ppoll(&p, 1, &ts, NULL) <= 0)
                break; /* nothing came (or EINTR): the I/O thread waits from here */
            n = recv(client->fd, buf, sizeof(buf), MSG_DONTWAIT);
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0)
                break; /* the end, or an error: the I/O thread sees it for itself */
            g_mutex_lock(&client->lock);
            client->lastRead = g_get_monotonic_time();
            client->pingsUnanswered = 0;
            g_mutex_unlock(&client->lock);
            g_byte_array_append(client->in, (const guint8 *)buf, n);
        }
    }
    g_mutex_lock(&client->lock);
    client->workerInput = false;
    g_mutex_unlock(&client->lock);
    g_main_context_invoke(NULL, qvdInputBack, qvdClientRef(client));
}

static void qvdWorker(gpointer data, gpointer opaque)
{
    qvdCallJob *job = data;
    qvdClient *client = job->client;
    GBytes *reply = qvdDispatch(client, &job->hdr, job->payload, job->len);
    guint max = client->server->cfg->maxCallsPerClient;
    bool wasFull = (guint)g_atomic_int_add(&client->inFlight, -1) >= max;

    /* the reply goes out from here; the I/O thread only hears of it if it paused this
     * client's input (too many calls in flight) */
    if (reply)
        qvdClientSend(client, reply);
    if (job->linger) {
        bool mine;

        g_mutex_lock(&client->lock);
        client->directSince = 0;
        mine = client->workerInput;
        g_mutex_unlock(&client->lock);
        if (mine)
            qvdWorkerLinger(client);
        /* else a slow call: the I/O thread took the input back meanwhile */
    }
    if (wasFull)
        g_main_context_invoke(NULL, qvdResumeInput, client); /* the job's reference */
    else
        qvdClientUnref(client);
    g_free(job->payload);
    g_free(job);
}

static void qvdKeepalive(qvdClient *client, int proc)
{
    remote_message_header pong = {
        KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, QV_RPC_KEEPALIVE_PONG, QV_RPC_MESSAGE, 0,
        QV_RPC_OK
    };

    if (proc == QV_RPC_KEEPALIVE_PING)
        qvdClientSend(client, qvRPCEncodeMessage(&pong, NULL, NULL));
    /* a PONG only proves the client alive, which any input already did */
}

/* One whole message (header and payload) from the client: a job for the workers, or
 * NULL when it was handled here (or dropped the client). */
static qvdCallJob *qvdClientMessage(qvdClient *client, const char *data, gsize len)
{
    remote_message_header hdr;
    qvdCallJob *job;

    if (!qvRPCDecodeHeader(data, len, &hdr)) {
        qvdClientDrop(client, "undecodable message header");
        return NULL;
    }
    if (hdr.prog == KEEPALIVE_PROGRAM && hdr.type == QV_RPC_MESSAGE) {
        qvdKeepalive(client, hdr.proc);
        return NULL;
    }
    if (hdr.type != QV_RPC_CALL)
        return NULL; /* a MESSAGE (or a stray reply) from a client gets no answer */
    if (qvdDispatchInline(&hdr)) {
        GBytes *reply =
            qvdDispatch(client, &hdr, data + QV_RPC_HEADER_LEN, len - QV_RPC_HEADER_LEN);

        if (reply)
            qvdClientSend(client, reply);
        return NULL;
    }
    job = g_new0(qvdCallJob, 1);
    job->client = qvdClientRef(client);
    job->hdr = hdr;
    job->len = len - QV_RPC_HEADER_LEN;
    job->payload = g_memdup2(data + QV_RPC_HEADER_LEN, job->len);
    g_atomic_int_inc(&client->inFlight);
    return job;
}

static gsize qvdInputBudget(qvdServer *srv)
{
    return MAX((gsize)QVD_IN_BUDGET, 2 * (gsize)srv->cfg->maxMessage);
}

/* Room for the whole message at once: growing by doubling would leave the smaller
 * buffers behind (and take up to twice the message). */
static void qvdInputPresize(qvdClient *client, gsize total)
{
    guint keep = client->in->len;

    g_byte_array_set_size(client->in, (guint)total);
    g_byte_array_set_size(client->in, keep);
}

/* The client's big message completed (or the client went): its room goes to those
 * waiting, in order. */
static void qvdInputRelease(qvdClient *client)
{
    qvdServer *srv = client->server;

    if (!client->inReserved)
        return;
    srv->inReserved -= client->inReserved;
    client->inReserved = 0;
    while (!g_queue_is_empty(&srv->inWaiting)) {
        qvdClient *next = g_queue_peek_head(&srv->inWaiting);
        gssize total =
            next->dead ? 0 : qvRPCFrameLength(next->in->data, next->in->len, srv->cfg->maxMessage);

        if (total > 0 && srv->inReserved + (gsize)total > qvdInputBudget(srv))
            break;
        g_queue_pop_head(&srv->inWaiting);
        next->inWaiting = false;
        if (total > 0) {
            next->inReserved = (gsize)total;
            srv->inReserved += (gsize)total;
            qvdInputPresize(next, (gsize)total);
            if (!next->inWatch && !next->outPaused && !next->closing)
                qvdClientWatchInput(next);
        }
        qvdClientUnref(next);
    }
}

/* I/O thread: handle the whole messages in client->in. false: read no more for now (the
 * client was dropped, has too many calls in flight, or a worker reads it now). */
static bool qvdClientProcessInput(qvdClient *client)
{
    guint max = client->server->cfg->maxCallsPerClient;

    for (;;) {
        gssize total =
            qvRPCFrameLength(client->in->data, client->in->len, client->server->cfg->maxMessage);
        qvdCallJob *job;
        bool linger;

        if (total == 0)
            return true;
        if (total > 0 && qvdClientBackedUp(client)) {
            /* it does not read its replies: read no more calls until it does */
            client->outPaused = true;
            return false;
        }
        if (total < 0) {
            /* as libvirtd: an invalid length word closes the connection */
            guint32 word;
            g_autofree char *why = NULL;

            memcpy(&word, client->in->data, sizeof(word));
            why = g_strdup_printf("invalid message length %u", g_ntohl(word));
            qvdClientDrop(client, why);
            return false;
        }
        if (client->in->len < (gsize)total) {
            qvdServer *srv = client->server;

            if ((gsize)total <= QVD_IN_SMALL || client->inReserved || !srv->workers)
                return true;
            if (srv->inReserved + (gsize)total <= qvdInputBudget(srv) &&
                g_queue_is_empty(&srv->inWaiting)) {
                client->inReserved = (gsize)total;
                srv->inReserved += (gsize)total;
                qvdInputPresize(client, (gsize)total);
                return true;
            }
            /* no room for it now: read nothing more of it until there is */
            if (!client->inWaiting) {
                client->inWaiting = true;
                g_queue_push_tail(&srv->inWaiting, qvdClientRef(client));
                qvdLog("debug", "client %u waits for input room for a message of %zd bytes",
                       client->id, total);
            }
            return false;
        }
        qvdInputRelease(client);
        job = qvdClientMessage(client, (const char *)client->in->data + QV_RPC_LENGTH_WORD,
                               total - QV_RPC_LENGTH_WORD);
        if (client->dead)
            return false;
        g_byte_array_remove_range(client->in, 0, total);
        if (!job)
            continue;
        if (!client->server->workers) {
            /* a server without workers (the fuzz target's): the call runs here, now */
            qvdWorker(job, NULL);
            continue;
        }
        /* the client's only call, nothing behind it: the worker reads what follows */
        linger = client->in->len == 0 && !client->closing && max > 1 &&
                 g_atomic_int_get(&client->inFlight) == 1;
        if (linger) {
            /* the input is the worker's from now, even while the job waits for a worker:
             * a call that takes longer than QVD_DIRECT_MAX_US gives it back, so that the
             * client's next calls are not held up behind it */
            g_mutex_lock(&client->lock);
            client->workerInput = job->linger = true;
            client->directSince = g_get_monotonic_time();
            g_mutex_unlock(&client->lock);
            qvdArmReclaim(client->server);
        }
        g_thread_pool_push(client->server->workers, job, NULL); /* the job is the worker's */
        if (linger)
            return false;
        if ((guint)g_atomic_int_get(&client->inFlight) >= max)
            return false; /* enough queued: read no more until some finish */
    }
}

static gboolean qvdClientReadable(gint fd, GIOCondition cond, gpointer opaque)
{
    qvdClient *client = opaque;
    char buf[65536];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return G_SOURCE_CONTINUE;
    if (n <= 0) {
        client->inWatch = 0;
        qvdClientDrop(client, n == 0 ? "end of file" : g_strerror(errno));
        return G_SOURCE_REMOVE;
    }
    g_mutex_lock(&client->lock);
    client->lastRead = g_get_monotonic_time();
    client->pingsUnanswered = 0;
    g_mutex_unlock(&client->lock);
    g_byte_array_append(client->in, (const guint8 *)buf, n);
    if (!qvdClientProcessInput(client)) {
        client->inWatch = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

bool qvdClientTestInput(qvdClient *client, const char *data, gsize len)
{
    if (client->dead)
        return false;
    if (!len) {
        qvdClientDrop(client, "end of file");
        return false;
    }
    g_byte_array_append(client->in, (const guint8 *)data, len);
    return qvdClientProcessInput(client);
}

/* I/O thread: a worker gave the client's input back (opaque holds a reference). */
static gboolean qvdInputBack(gpointer opaque)
{
    qvdClient *client = opaque;

    if (client->dead) {
        g_mutex_lock(&client->lock);
        if (client->closeLater) {
            close(client->fd);
            client->fd = -1;
            client->closeLater = false;
        }
        g_mutex_unlock(&client->lock);
    } else if (!client->inWatch && qvdClientProcessInput(client) &&
               (guint)g_atomic_int_get(&client->inFlight) <
                   client->server->cfg->maxCallsPerClient) {
        /* also after CONNECT_CLOSE: the end of the connection is read here */
        qvdClientWatchInput(client);
    }
    qvdClientUnref(client);
    return G_SOURCE_REMOVE;
}

/* I/O thread, every QVD_DIRECT_MAX_US while workers read clients: a call that a worker
 * read and runs itself for longer than that gives the input back to the I/O thread. */
static gboolean qvdReclaimTick(gpointer opaque)
{
    qvdServer *srv = opaque;
    gint64 now = g_get_monotonic_time();
    g_autoptr(GList) all = g_hash_table_get_values(srv->clients);
    bool busy = false;
    GList *l;

    for (l = all; l; l = l->next) {
        qvdClient *client = l->data;
        bool reclaimed = false;

        g_mutex_lock(&client->lock);
        if (client->workerInput && client->directSince &&
            now - client->directSince >= QVD_DIRECT_MAX_US) {
            client->workerInput = false;
            reclaimed = true;
        }
        busy = busy || client->workerInput;
        g_mutex_unlock(&client->lock);
        if (reclaimed && !client->dead)
            g_main_context_invoke(NULL, qvdInputBack, qvdClientRef(client));
    }
    if (busy)
        return G_SOURCE_CONTINUE;
    g_mutex_lock(&srv->lock);
    srv->reclaimTimer = 0;
    g_mutex_unlock(&srv->lock);
    return G_SOURCE_REMOVE;
}

static void qvdClientWatchInput(qvdClient *client)
{
    client->inWatch =
        g_unix_fd_add(client->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, qvdClientReadable, client);
}

static gboolean qvdClientOpenedIdle(gpointer opaque)
{
    qvdClient *client = opaque;

    if (!client->dead && !client->opened) {
        client->opened = true;
        client->server->anonymousCount[client->readonlySocket ? 1 : 0]--;
        qvdUpdateListen(client->server);
    }
    qvdClientUnref(client);
    return G_SOURCE_REMOVE;
}

void qvdClientOpened(qvdClient *client)
{
    g_main_context_invoke(NULL, qvdClientOpenedIdle, qvdClientRef(client));
}

static gboolean qvdAccept(gint fd, GIOCondition cond, gpointer opaque);

/* I/O thread: accept on a socket only while it has room: fewer than max_clients
 * connected to it, fewer than max_anonymous_clients of them before CONNECT_OPEN. The
 * limits are per socket, so that the read-only socket, open to every local user, can
 * never use up the read-write socket's room. Connections beyond them wait in the
 * kernel's queue (max_queued_clients), as libvirtd's do. */
static void qvdUpdateListen(qvdServer *srv)
{
    const int fds[2] = { srv->listenFd, srv->listenROFd };
    int s;

    for (s = 0; s < 2; s++) {
        bool room = !srv->acceptPaused && srv->clientCount[s] < srv->cfg->maxClients &&
                    srv->anonymousCount[s] < srv->cfg->maxAnonymousClients;

        if (fds[s] < 0)
            continue;
        if (room && !srv->listenWatch[s]) {
            srv->listenWatch[s] = g_unix_fd_add(fds[s], G_IO_IN, qvdAccept, srv);
        } else if (!room && srv->listenWatch[s]) {
            g_source_remove(srv->listenWatch[s]);
            srv->listenWatch[s] = 0;
            if (!srv->acceptPaused)
                qvdLog("warning",
                       _("the %s socket accepts no more clients for now: %u connected "
                         "(max_clients %u), %u before CONNECT_OPEN (max_anonymous_clients %u)"),
                       s ? "read-only" : "read-write", srv->clientCount[s], srv->cfg->maxClients,
                       srv->anonymousCount[s], srv->cfg->maxAnonymousClients);
        }
    }
}

static gboolean qvdAcceptAgain(gpointer opaque)
{
    qvdServer *srv = opaque;

    srv->acceptPaused = false;
    qvdUpdateListen(srv);
    return G_SOURCE_REMOVE;
}

static gboolean qvdAccept(gint fd, GIOCondition cond, gpointer opaque)
{
    qvdServer *srv = opaque;
    bool ro = fd == srv->listenROFd;
    struct ucred cred = { 0 };
    socklen_t credLen = sizeof(cred);
    qvdClient *client;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (cfd < 0) {
        if (errno == EMFILE || errno == ENFILE) {
            /* the connection stays queued: polling it now would spin */
            qvdLog("warning", _("cannot accept a client: %s; trying again in 1 s"),
                   g_strerror(errno));
            srv->acceptPaused = true;
            qvdUpdateListen(srv);
            g_timeout_add_seconds(1, qvdAcceptAgain, srv);
        }
        return G_SOURCE_CONTINUE;
    }
    client = qvdClientNew(srv, cfd, ro);
    if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &credLen) == 0) {
        client->pid = cred.pid;
        client->uid = cred.uid;
        client->gid = cred.gid;
    }
    g_hash_table_insert(srv->clients, GUINT_TO_POINTER(client->id), client);
    qvdLog("debug", "client %u connected on the %s socket (pid %d, uid %u)", client->id,
           ro ? "read-only" : "read-write", (int)client->pid, (unsigned)client->uid);
    qvdClientWatchInput(client);
    qvdUpdateListen(srv);
    return G_SOURCE_CONTINUE;
}

/* Every second: drop the clients that stayed anonymous too long (a connection that
 * never completes CONNECT_OPEN holds a max_anonymous_clients slot); PING clients that
 * were silent for the interval, drop the dead ones. */
static gboolean qvdKeepaliveTick(gpointer opaque)
{
    qvdServer *srv = opaque;
    gint64 now = g_get_monotonic_time();
    gint64 anonymousMax = (gint64)srv->cfg->anonymousTimeout * G_USEC_PER_SEC;
    remote_message_header ping = {
        KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, QV_RPC_KEEPALIVE_PING, QV_RPC_MESSAGE, 0,
        QV_RPC_OK
    };
    g_autoptr(GList) all = NULL;
    GList *l;

    if (!srv->cfg->keepaliveInterval && !anonymousMax)
        return G_SOURCE_CONTINUE;
    all = g_hash_table_get_values(srv->clients);
    for (l = all; l; l = l->next) {
        qvdClient *client = l->data;
        gint64 due;
        guint unanswered;

        if (client->dead)
            continue;
        if (anonymousMax && !client->opened && now - client->acceptedAt >= anonymousMax) {
            qvdLog("warning",
                   _("client %u (pid %d) did not open a connection within %u s "
                     "(anonymous_client_timeout); disconnecting"),
                   client->id, (int)client->pid, srv->cfg->anonymousTimeout);
            qvdClientDrop(client, "anonymous for too long");
            continue;
        }
        if (!srv->cfg->keepaliveInterval)
            continue;
        g_mutex_lock(&client->lock); /* a worker reading the client updates them */
        unanswered = client->pingsUnanswered;
        due = client->lastRead +
              (gint64)srv->cfg->keepaliveInterval * G_USEC_PER_SEC * (unanswered + 1);
        if (client->keepalive && now >= due && unanswered < srv->cfg->keepaliveCount)
            client->pingsUnanswered++;
        g_mutex_unlock(&client->lock);
        if (!client->keepalive || now < due)
            continue;
        if (unanswered >= srv->cfg->keepaliveCount) {
            qvdLog("warning",
                   _("client %u (pid %d): no answer to %u keepalive PINGs; "
                     "disconnecting"),
                   client->id, (int)client->pid, client->pingsUnanswered);
            qvdClientDrop(client, "keepalive timeout");
            continue;
        }
        qvdClientSend(client, qvRPCEncodeMessage(&ping, NULL, NULL));
    }
    return G_SOURCE_CONTINUE;
}

/* ---- listening ---- */

static int qvdListen(const char *path, guint mode, guint backlog, GError **err)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_autofree char *dir = g_path_get_dirname(path);
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG,
                    _("socket path '%s' is longer than %zu bytes"), path,
                    sizeof(addr.sun_path) - 1);
        return -1;
    }
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), _("cannot create '%s': %s"),
                    dir, g_strerror(errno));
        return -1;
    }
    strcpy(addr.sun_path, path);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno),
                    _("cannot create a socket: %s"), g_strerror(errno));
        return -1;
    }
    /* a socket file left by a daemon that died: nobody listens on it any more */
    {
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (probe >= 0 && connect(probe, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            close(probe);
            close(fd);
            g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                        _("another daemon is listening on '%s'"), path);
            return -1;
        }
        if (probe >= 0)
            close(probe);
        unlink(path);
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, mode) < 0 ||
        listen(fd, (int)backlog) < 0) { /* the kernel caps it at somaxconn */
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno),
                    _("cannot listen on '%s': %s"), path, g_strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

qvdServer *qvdServerNew(qvdConfig *cfg, GError **err)
{
    qvdServer *srv = g_new0(qvdServer, 1);

    srv->cfg = cfg;
    srv->uri = g_strdup_printf("qvirt:///embed?root=%s", cfg->root);
    srv->listenFd = srv->listenROFd = -1;
    g_mutex_init(&srv->lock);
    srv->clients =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)qvdClientUnref);
    if ((srv->listenFd = qvdListen(cfg->socket, cfg->socketMode, cfg->maxQueuedClients, err)) < 0)
        goto error;
    if (cfg->socketRO && (srv->listenROFd = qvdListen(cfg->socketRO, cfg->socketROMode,
                                                      cfg->maxQueuedClients, err)) < 0)
        goto error;
    /* exclusive: the workers are started now and wait, rather than borrowed from GLib's
     * shared pool per call (a worker call measured ~140 us shared, ~105 us exclusive) */
    if (!(srv->workers = g_thread_pool_new(qvdWorker, srv, (gint)cfg->workers, TRUE, err)))
        goto error;
    qvdUpdateListen(srv);
    g_timeout_add_seconds(1, qvdKeepaliveTick, srv);
    return srv;

error:
    qvdServerFree(srv);
    return NULL;
}

void qvdServerFree(qvdServer *srv)
{
    if (!srv)
        return;
    if (srv->workers)
        g_thread_pool_free(srv->workers, TRUE, TRUE);
    g_queue_clear_full(&srv->inWaiting, (GDestroyNotify)qvdClientUnref);
    for (int s = 0; s < 2; s++) {
        if (srv->listenWatch[s])
            g_source_remove(srv->listenWatch[s]);
    }
    if (srv->listenFd >= 0) {
        close(srv->listenFd);
        unlink(srv->cfg->socket);
    }
    if (srv->listenROFd >= 0) {
        close(srv->listenROFd);
        unlink(srv->cfg->socketRO);
    }
    g_hash_table_destroy(srv->clients);
    if (srv->reclaimTimer)
        g_source_remove(srv->reclaimTimer);
    g_mutex_clear(&srv->lock);
    g_free(srv->uri);
    g_free(srv);
}
