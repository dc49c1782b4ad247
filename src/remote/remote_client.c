/* remote_client.c: libvirt's RPC client side over a unix socket, for the remote driver.
 * Writes go out under a lock from the calling thread; one reader thread owns all input. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qverror.h"
#include "qvlog.h"
#include "remote_client.h"

#define QV_FROM_THIS QV_FROM_RPC

QV_LOG_INIT("remote.client");

/* a write that cannot finish within this is a daemon that stopped reading */
#define QV_REMOTE_WRITE_TIMEOUT_MS 30000

typedef struct {
    guint32 serial;
    bool done;
    int status; /* QV_RPC_OK / QV_RPC_ERROR */
    char *payload;
    gsize len;
} qvRemoteCall;

struct _qvRemoteClient {
    int fd;
    char *path;
    qvRemoteClientLimits limits;
    qvRemoteEventFunc event;
    gpointer opaque;
    GThread *reader;

    GMutex writeLock; /* one message at a time on the socket */

    GMutex lock; /* everything below */
    GCond cond;
    GHashTable *calls; /* serial -> qvRemoteCall * (owned by the waiting thread) */
    guint32 nextSerial;
    char *dead; /* why the connection is gone, once it is */
};

/* Write all of msg, waiting for the socket at most QV_REMOTE_WRITE_TIMEOUT_MS. */
static int qvRemoteClientWrite(qvRemoteClient *client, GBytes *msg)
{
    gsize len;
    const char *data = g_bytes_get_data(msg, &len);
    gsize off = 0;
    int rc = 0;

    g_mutex_lock(&client->writeLock);
    while (off < len) {
        ssize_t n = send(client->fd, data + off, len - off, MSG_NOSIGNAL);

        if (n >= 0) {
            off += n;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN) {
            struct pollfd p = { client->fd, POLLOUT, 0 };
            int r = poll(&p, 1, QV_REMOTE_WRITE_TIMEOUT_MS);

            if (r > 0 || (r < 0 && errno == EINTR))
                continue;
            qvReportError(QV_ERR_RPC,
                          _("cannot send data to '%s': qvirtd has not read for %d seconds"),
                          client->path, QV_REMOTE_WRITE_TIMEOUT_MS / 1000);
            rc = -1;
            break;
        }
        qvReportSystemError(errno, _("cannot send data to '%s'"), client->path);
        rc = -1;
        break;
    }
    g_mutex_unlock(&client->writeLock);
    return rc;
}

static void qvRemoteClientSendKeepalive(qvRemoteClient *client, int proc)
{
    remote_message_header hdr = {
        KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, proc, QV_RPC_MESSAGE, 0, QV_RPC_OK
    };
    g_autoptr(GBytes) msg = qvRPCEncodeMessage(&hdr, NULL, NULL);
    g_autoptr(qvError) saved = qvErrorPreserveLast();

    if (msg && qvRemoteClientWrite(client, msg) < 0)
        QV_DEBUG("keepalive to '%s' not sent: %s", client->path, qvGetLastErrorMessage());
    qvErrorRestore(&saved);
}

/* The connection is gone: every waiting call fails with why. */
static void qvRemoteClientDie(qvRemoteClient *client, char *why)
{
    g_mutex_lock(&client->lock);
    if (!client->dead)
        client->dead = why;
    else
        g_free(why);
    g_cond_broadcast(&client->cond);
    g_mutex_unlock(&client->lock);
}

/* One whole message from the daemon (after the length word). */
static void qvRemoteClientMessage(qvRemoteClient *client, const char *data, gsize len)
{
    remote_message_header hdr;
    qvRemoteCall *call;

    if (!qvRPCDecodeHeader(data, len, &hdr)) {
        QV_WARN("undecodable message header from '%s': ignored", client->path);
        return;
    }
    if (hdr.prog == KEEPALIVE_PROGRAM) {
        if (hdr.type == QV_RPC_MESSAGE && hdr.proc == QV_RPC_KEEPALIVE_PING)
            qvRemoteClientSendKeepalive(client, QV_RPC_KEEPALIVE_PONG);
        return; /* a PONG only proves the daemon alive, which any input already did */
    }
    if (hdr.type == QV_RPC_MESSAGE) {
        if (client->event)
            client->event(&hdr, data + QV_RPC_HEADER_LEN, len - QV_RPC_HEADER_LEN, client->opaque);
        return;
    }
    if (hdr.type != QV_RPC_REPLY)
        return;
    g_mutex_lock(&client->lock);
    call = g_hash_table_lookup(client->calls, GUINT_TO_POINTER(hdr.serial));
    if (call && !call->done) {
        call->done = true;
        call->status = hdr.status;
        call->len = len - QV_RPC_HEADER_LEN;
        call->payload = g_memdup2(data + QV_RPC_HEADER_LEN, call->len);
        g_cond_broadcast(&client->cond);
    } else {
        QV_DEBUG("reply with serial %u from '%s' matches no call: ignored", hdr.serial,
                 client->path);
    }
    g_mutex_unlock(&client->lock);
}

static bool qvRemoteClientWaiting(qvRemoteClient *client)
{
    bool waiting;

    g_mutex_lock(&client->lock);
    waiting = g_hash_table_size(client->calls) > 0;
    g_mutex_unlock(&client->lock);
    return waiting;
}

static gpointer qvRemoteClientReader(gpointer opaque)
{
    qvRemoteClient *client = opaque;
    g_autoptr(GByteArray) in = g_byte_array_new();
    gint64 lastInput = g_get_monotonic_time();
    gint64 lastPing = 0;
    guint pings = 0;
    char buf[65536];

    for (;;) {
        struct pollfd p = { client->fd, POLLIN, 0 };
        gint64 now;
        ssize_t n;
        int r = poll(&p, 1, 1000);

        now = g_get_monotonic_time();
        if (r < 0 && errno != EINTR) {
            qvRemoteClientDie(client, g_strdup_printf(_("cannot poll the connection to '%s': %s"),
                                                      client->path, g_strerror(errno)));
            break;
        }
        if (r <= 0) {
            gint64 interval = (gint64)client->limits.keepaliveInterval * G_USEC_PER_SEC;

            /* a call is waiting and the daemon has said nothing for a while: ask it */
            if (!interval || !qvRemoteClientWaiting(client)) {
                lastInput = now;
                pings = 0;
                continue;
            }
            if (now - lastInput < interval || now - lastPing < interval)
                continue;
            if (pings >= client->limits.keepaliveCount) {
                qvRemoteClientDie(
                    client, g_strdup_printf(_("connection to qvirtd at '%s' lost: no answer to %u "
                                              "keepalive probes in %lld seconds"),
                                            client->path, pings,
                                            (long long)((now - lastInput) / G_USEC_PER_SEC)));
                break;
            }
            qvRemoteClientSendKeepalive(client, QV_RPC_KEEPALIVE_PING);
            lastPing = now;
            pings++;
            continue;
        }
        n = recv(client->fd, buf, sizeof(buf), 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            qvRemoteClientDie(client,
                              n == 0 ? g_strdup_printf(_("End of file while reading data: qvirtd "
                                                         "at '%s' closed the connection"),
                                                       client->path)
                                     : g_strdup_printf(_("cannot read from '%s': %s"), client->path,
                                                       g_strerror(errno)));
            break;
        }
        lastInput = now;
        pings = 0;
        g_byte_array_append(in, (const guint8 *)buf, n);
        for (;;) {
            gssize total = qvRPCFrameLength(in->data, in->len, REMOTE_MESSAGE_MAX);

            if (total == 0 || (total > 0 && in->len < (gsize)total))
                break;
            if (total < 0) {
                qvRemoteClientDie(
                    client,
                    g_strdup_printf(_("invalid message length from qvirtd at '%s'"), client->path));
                goto out;
            }
            qvRemoteClientMessage(client, (const char *)in->data + QV_RPC_LENGTH_WORD,
                                  total - QV_RPC_LENGTH_WORD);
            g_byte_array_remove_range(in, 0, total);
        }
    }
out:
    /* nothing more is read: make sure nothing more is written either */
    shutdown(client->fd, SHUT_RDWR);
    return NULL;
}

qvRemoteClient *qvRemoteClientOpen(const char *path, const qvRemoteClientLimits *limits,
                                   qvRemoteEventFunc event, gpointer opaque)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    qvRemoteClient *client;
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        qvReportError(QV_ERR_INVALID_ARG, _("socket path '%s' is too long"), path);
        return NULL;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        qvReportSystemError(errno, "%s", _("cannot create a socket"));
        return NULL;
    }
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int err = errno;

        close(fd);
        qvReportErrorFull(QV_FROM_RPC, QV_ERR_SYSTEM_ERROR, __func__,
                          _("Failed to connect socket to '%s': %s"), path, g_strerror(err));
        return NULL;
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        qvReportSystemError(errno, "%s", _("cannot make the socket non-blocking"));
        close(fd);
        return NULL;
    }
    client = g_new0(qvRemoteClient, 1);
    client->fd = fd;
    client->path = g_strdup(path);
    client->limits = *limits;
    client->event = event;
    client->opaque = opaque;
    client->calls = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_mutex_init(&client->writeLock);
    g_mutex_init(&client->lock);
    g_cond_init(&client->cond);
    client->reader = g_thread_new("qvirt-remote", qvRemoteClientReader, client);
    return client;
}

/* Report the daemon's error (a remote_error payload) in the calling thread. */
static void qvRemoteClientReportReply(const char *payload, gsize len)
{
    remote_error err = { 0 };

    if (!qvRPCDecodeBody(payload, len, (xdrproc_t)xdr_remote_error, &err)) {
        qvReportError(QV_ERR_RPC, "%s", _("qvirtd sent an error that does not decode"));
        return;
    }
    qvSetErrorFromFields(err.domain, err.code, err.level,
                         err.message && *err.message ? *err.message : NULL);
    xdr_free((xdrproc_t)xdr_remote_error, (char *)&err);
}

int qvRemoteClientCall(qvRemoteClient *client, unsigned int prog, int proc, xdrproc_t argsFilter,
                       const void *args, xdrproc_t retFilter, void *ret)
{
    remote_message_header hdr = { prog, 1, proc, QV_RPC_CALL, 0, QV_RPC_OK };
    qvRemoteCall call = { 0 };
    g_autoptr(GBytes) msg = NULL;
    int rc = -1;

    g_mutex_lock(&client->lock);
    if (client->dead) {
        qvReportError(QV_ERR_RPC, "%s", client->dead);
        g_mutex_unlock(&client->lock);
        return -1;
    }
    call.serial = hdr.serial = client->nextSerial++;
    g_hash_table_insert(client->calls, GUINT_TO_POINTER(call.serial), &call);
    g_mutex_unlock(&client->lock);

    if (!(msg = qvRPCEncodeMessage(&hdr, argsFilter, args)))
        qvReportError(QV_ERR_RPC, _("the arguments of procedure %d do not fit the protocol"), proc);
    else if (qvRemoteClientWrite(client, msg) == 0)
        rc = 0;

    g_mutex_lock(&client->lock);
    while (rc == 0 && !call.done && !client->dead)
        g_cond_wait(&client->cond, &client->lock);
    g_hash_table_remove(client->calls, GUINT_TO_POINTER(call.serial));
    if (rc == 0 && !call.done) {
        qvReportError(QV_ERR_RPC, "%s", client->dead);
        rc = -1;
    }
    g_mutex_unlock(&client->lock);

    if (rc == 0 && call.status != QV_RPC_OK) {
        qvRemoteClientReportReply(call.payload, call.len);
        rc = -1;
    } else if (rc == 0 && retFilter && !qvRPCDecodeBody(call.payload, call.len, retFilter, ret)) {
        qvReportError(QV_ERR_RPC, _("the reply to procedure %d does not decode"), proc);
        rc = -1;
    }
    g_free(call.payload);
    return rc;
}

void qvRemoteClientFree(qvRemoteClient *client)
{
    if (!client)
        return;
    shutdown(client->fd, SHUT_RDWR); /* the reader sees the end and stops */
    g_thread_join(client->reader);
    close(client->fd);
    g_hash_table_unref(client->calls);
    g_mutex_clear(&client->writeLock);
    g_mutex_clear(&client->lock);
    g_cond_clear(&client->cond);
    g_free(client->dead);
    g_free(client->path);
    g_free(client);
}
