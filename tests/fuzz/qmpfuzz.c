/* qmpfuzz.c: libFuzzer target for the QMP client's input side, as a conversation. The
 * input is what QEMU sends, in turns separated by a form feed (which JSON never contains):
 * the fuzzer plays QEMU on a socketpair and drives the monitor's event context, while
 * client threads do what qvirt does, with real, blocking calls: the greeting and
 * capabilities negotiation (qemuMonitorOpenFD's handshake), typed queries, then three
 * commands in flight at once. Each turn goes out once every client waits for QEMU, so
 * that replies with right, wrong, stale or missing ids, errors, events and garbage meet
 * commands that are pending, deterministically; after the last turn, EOF. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "qemu_monitor.h"
#include "qemu_svproto.h"
#include "qverror.h"
#include "qvlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Long enough never to expire: a client still waiting after it is a bug (in the monitor,
 * or in this target's turn-taking), and libFuzzer's -timeout reports it. */
#define QMPFUZZ_WAIT_MS 60000

#define QMPFUZZ_INFLIGHT 3

typedef struct {
    qemuMonitor *mon;
    GMainContext *ctx;
    int peer; /* QEMU's end of the socket */
    int done[2]; /* a byte from each client thread as it ends */
    guint live; /* client threads that have not ended */
    gint opened; /* the handshake succeeded (atomic: set by the opener thread) */
    guint events;
    bool eof;
} qmpFuzz;

typedef struct {
    qmpFuzz *fz;
    const char *cmd; /* a one-shot command, or NULL: the opener */
    const char *args; /* its arguments (JSON), or NULL */
} qmpFuzzClient;

/* What qvirt does on a new monitor: the handshake, then the queries the driver makes. */
static void qmpFuzzOpener(qmpFuzz *fz)
{
    g_autoptr(GHashTable) frontends = NULL;
    g_autofree char *status = NULL;
    qemuDomainStatus st;
    bool running;

    if (qemuMonitorTestHandshake(fz->mon, QMPFUZZ_WAIT_MS) < 0)
        return;
    g_atomic_int_set(&fz->opened, 1);
    qemuMonitorQueryStatus(fz->mon, &running, &status);
    qemuMonitorGetChardevFrontends(fz->mon, &frontends);
    /* the supervisor's status, through its typed parser */
    qemuDomainStatusInit(&st);
    qemuSvQueryStatus(fz->mon, QMPFUZZ_WAIT_MS, &st);
    qemuDomainStatusClear(&st);
}

static void qmpFuzzClientRun(qmpFuzzClient *c)
{
    char byte = 0;

    if (!c->cmd) {
        qmpFuzzOpener(c->fz);
    } else {
        g_autofree char *err = NULL;
        qvJSONValue *args = c->args ? qvJSONParse(c->args, strlen(c->args), 8, &err) : NULL;
        g_autoptr(qvJSONValue) ret = NULL;

        if (qemuMonitorCommand(c->fz->mon, c->cmd, args, QMPFUZZ_WAIT_MS, &ret) == 0 && ret)
            g_free(qvJSONFormat(ret, false));
    }
    qvResetLastError();
    if (write(c->fz->done[1], &byte, 1) != 1)
        abort();
}

/* The client threads live as long as the process, one per client: starting threads for
 * every input costs more than the rest of it (under AddressSanitizer above all). */
static gpointer qmpFuzzClientThread(gpointer opaque)
{
    GAsyncQueue *jobs = opaque;

    for (;;)
        qmpFuzzClientRun(g_async_queue_pop(jobs));
    return NULL;
}

static void qmpFuzzStart(qmpFuzz *fz, guint slot, qmpFuzzClient *c)
{
    static GAsyncQueue *jobs[1 + QMPFUZZ_INFLIGHT];

    if (!jobs[slot]) {
        jobs[slot] = g_async_queue_new();
        g_thread_unref(g_thread_new("qmpfuzz-client", qmpFuzzClientThread, jobs[slot]));
    }
    fz->live++;
    g_async_queue_push(jobs[slot], c);
}

/* The monitor's callbacks, in the event context: read what they are given. */
static void qmpFuzzEvent(qemuMonitor *mon, const qemuMonitorEvent *ev, void *opaque)
{
    qmpFuzz *fz = opaque;
    size_t n = strlen(ev->name);

    n += ev->reason ? strlen(ev->reason) : 0;
    n += ev->id ? strlen(ev->id) : 0;
    n += ev->status ? strlen(ev->status) : 0;
    n += ev->device ? strlen(ev->device) : 0;
    n += ev->jobType ? strlen(ev->jobType) : 0;
    n += ev->error ? strlen(ev->error) : 0;
    if (ev->data && qvJSONGetType(ev->data) != QV_JSON_OBJECT)
        abort();
    fz->events += n > 0;
}

static void qmpFuzzEOF(qemuMonitor *mon, void *opaque)
{
    ((qmpFuzz *)opaque)->eof = true;
}

static const qemuMonitorCallbacks qmpFuzzCallbacks = {
    .eof = qmpFuzzEOF,
    .event = qmpFuzzEvent,
};

/* What the client writes is read and dropped; its arrival wakes the context. */
static gboolean qmpFuzzPeerReadable(gint fd, GIOCondition cond, gpointer opaque)
{
    char buf[4096];
    ssize_t n;

    while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
        ;
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        *(guint *)opaque = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean qmpFuzzClientDone(gint fd, GIOCondition cond, gpointer opaque)
{
    qmpFuzz *fz = opaque;
    char buf[16];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n > 0)
        fz->live -= (guint)n;
    return G_SOURCE_CONTINUE;
}

/* Until every client thread waits for QEMU (an answer per live thread is owed) or ended. */
static void qmpFuzzSettle(qmpFuzz *fz)
{
    for (;;) {
        while (g_main_context_iteration(fz->ctx, FALSE))
            ;
        if (qemuMonitorTestOwed(fz->mon) >= fz->live)
            return;
        g_main_context_iteration(fz->ctx, TRUE);
    }
}

/* QEMU's next turn, read by the monitor before anyone acts on it. */
static void qmpFuzzSend(qmpFuzz *fz, const uint8_t *data, size_t len)
{
    while (len) {
        ssize_t n = send(fz->peer, data, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the monitor closed its end */
        data += n;
        len -= (size_t)n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const qmpFuzzClient inflight[QMPFUZZ_INFLIGHT] = {
        { NULL, "query-block-jobs", NULL },
        { NULL, "human-monitor-command", "{\"command-line\":\"info status\"}" },
        { NULL, QEMU_SV_DESTROY, "{\"graceful\":true}" },
    };
    qmpFuzz fz = { 0 };
    qmpFuzzClient opener = { &fz, NULL, NULL };
    qmpFuzzClient shots[QMPFUZZ_INFLIGHT];
    guint peerWatch, doneWatch, i;
    const uint8_t *end = data + size;
    bool shotsStarted = false;
    static bool logging;
    int sv[2];

    if (!logging) {
        logging = true;
        qvLogSetFromEnv(); /* QVIRT_LOG_FILTERS=qemu.monitor:debug traces a conversation */
    }

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
        !g_unix_open_pipe(fz.done, FD_CLOEXEC, NULL))
        abort();
    fz.peer = sv[1];
    fz.ctx = g_main_context_new();
    fz.mon = qemuMonitorTestNew(sv[0], fz.ctx, &qmpFuzzCallbacks, &fz);
    {
        GSource *src = g_unix_fd_source_new(fz.peer, G_IO_IN | G_IO_HUP | G_IO_ERR);

        g_source_set_callback(src, G_SOURCE_FUNC(qmpFuzzPeerReadable), &peerWatch, NULL);
        peerWatch = g_source_attach(src, fz.ctx);
        g_source_unref(src);
        src = g_unix_fd_source_new(fz.done[0], G_IO_IN);
        g_source_set_callback(src, G_SOURCE_FUNC(qmpFuzzClientDone), &fz, NULL);
        doneWatch = g_source_attach(src, fz.ctx);
        g_source_unref(src);
    }

    qmpFuzzStart(&fz, 0, &opener);
    for (;;) {
        const uint8_t *turn;

        qmpFuzzSettle(&fz);
        if (!fz.live && !shotsStarted) {
            /* the opener is done: commands in flight together, put there one by one */
            shotsStarted = true;
            if (!g_atomic_int_get(&fz.opened))
                break; /* qemuMonitorOpenFD would have given up and closed */
            for (i = 0; i < QMPFUZZ_INFLIGHT; i++) {
                shots[i] = inflight[i];
                shots[i].fz = &fz;
                qmpFuzzStart(&fz, 1 + i, &shots[i]);
                qmpFuzzSettle(&fz);
            }
            continue;
        }
        if (data < end) {
            turn = memchr(data, '\f', (size_t)(end - data));
            if (!turn)
                turn = end;
            qmpFuzzSend(&fz, data, (size_t)(turn - data));
            data = turn < end ? turn + 1 : end;
            continue;
        }
        if (!fz.eof && qemuMonitorTestOwed(fz.mon) + fz.live > 0) {
            shutdown(fz.peer, SHUT_WR);
            while (!fz.eof && qemuMonitorTestOwed(fz.mon))
                g_main_context_iteration(fz.ctx, TRUE);
            continue;
        }
        if (!fz.live)
            break;
        g_main_context_iteration(fz.ctx, TRUE);
    }

    /* every client has ended (live is 0): nothing uses the monitor but us */
    qemuMonitorClose(fz.mon);
    if (peerWatch)
        g_source_destroy(g_main_context_find_source_by_id(fz.ctx, peerWatch));
    g_source_destroy(g_main_context_find_source_by_id(fz.ctx, doneWatch));
    while (g_main_context_iteration(fz.ctx, FALSE))
        ;
    g_main_context_unref(fz.ctx);
    close(fz.peer);
    close(fz.done[0]);
    close(fz.done[1]);
    qvResetLastError();
    return 0;
}
