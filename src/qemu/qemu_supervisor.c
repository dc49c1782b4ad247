/* qemu_supervisor.c: qvirt_qemu_supervisor, one per running domain.
 *
 * It owns QEMU as its child, so it learns at once (waitpid, not PID 1's late reaping)
 * that QEMU ended and why: shut down, destroyed or crashed. It is QEMU's only QMP
 * client and serves QMP itself on a socket of its own to any number of clients (qvsh
 * processes, the daemon, event listeners), rewriting command ids so that each reply
 * goes to the client that asked and broadcasting events to all. It applies the
 * domain's lifecycle actions (QEMU runs with -no-shutdown) and libvirt's "fake
 * reboot", tracks the agent channel from VSERPORT_CHANGE, and rewrites the status file
 * on every change. It exits when QEMU has.
 *
 * Usage: qvirt_qemu_supervisor --launch FILE --ready-fd N
 * It writes "ok <qemu pid>\n" or "error <message>\n" to the ready fd once QEMU's
 * monitor has answered and (unless the launch asks for a paused start) QEMU has
 * resumed the guest's CPUs, or once either failed; then it serves until QEMU exits.
 * The resume is the supervisor's own step: whoever asked for the start may die at any
 * moment without leaving the domain "paused (starting up)". So is the switch of a
 * quiesced snapshot (freeze, QMP transaction, verified thaw): see svStartSwitch.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "domain_conf.h"
#include "qemu_agent.h"
#include "qemu_status.h"
#include "qemu_svproto.h"
#include "qverror.h"
#include "qvfault.h"
#include "qvfile.h"
#include "qvjson.h"
#include "qvlinebuf.h"
#include "qvrelay.h"
#include "qvsocket.h"

#define QV_FROM_THIS QV_FROM_QEMU

#define SV_MAX_CLIENTS 64
#define SV_CLIENT_MAX_LINE (1024 * 1024)
#define SV_QEMU_MAX_LINE (64 * 1024 * 1024)
#define SV_CLIENT_MAX_OUT (16 * 1024 * 1024) /* a client that does not read is dropped */
#define SV_JSON_DEPTH 64
#define SV_KILL_GRACE_MS 10000 /* libvirt's: SIGTERM, then SIGKILL after 10 s */
#define SV_LOG_TAIL 4096
#define SV_RELAY_MAX_BUFFER (16 * 1024 * 1024)
#define SV_RESERVE_BYTES (256 * 1024)

typedef struct _svState svState;

/* One end of a line-oriented socket: QEMU's monitor or a client of ours. */
typedef struct {
    svState *sv;
    int fd;
    guint id; /* clients: key in sv->clients; 0 for QEMU */
    qvLineBuffer in;
    GString *out;
    size_t outOff;
    guint inWatch;
    guint outWatch;
    bool negotiated; /* clients: qmp_capabilities done */
    bool dead; /* clients: dropped; closed when its reader sees the shutdown */
} svConn;

typedef struct _svSwitchJob svSwitchJob;

/* A command forwarded to QEMU: whose it is and what id the asker gave it. */
typedef struct {
    guint client; /* 0: the supervisor's own */
    qvJSONValue *origId; /* NULL when the asker gave none */
    char *what; /* own commands: for the log */
    svSwitchJob *job; /* the snapshot switch whose transaction this is */
} svPending;

/* A client waiting for the snapshot switch in flight to end. */
typedef struct {
    guint client;
    qvJSONValue *id;
} svWaiter;

struct _svState {
    qemuLaunchSpec *spec;
    qemuDomainStatus st;
    GMainLoop *loop;
    int readyFd;
    int logFd;
    off_t logStart; /* where QEMU's own output starts, for error messages */
    int lockFd;
    GPid qemuPid;
    bool qemuExited;
    int qemuWaitStatus;

    svConn *mon; /* QEMU's monitor; NULL until connected */
    char *greeting;
    bool ready; /* capabilities negotiated with QEMU, clients served */
    bool resuming; /* startup: our own "cont" is on its way; "ok" waits for its reply */
    gint64 startDeadline;
    guint connectTimer;

    int listenFd;
    guint listenWatch;
    qvRelay *relay; /* the agent socket, kept connected, relayed to one client at a time */
    guint freezeTimer; /* fires at st.freezeDeadline */
    GThread *thawThread; /* the auto-thaw at work (the relay is paused meanwhile) */
    svSwitchJob *switchJob; /* the snapshot switch in flight (the relay is lent to it) */
    GThread *switchThread;
    GPtrArray *switchWaiters; /* svWaiter: clients waiting for the switch to end */
    GHashTable *clients; /* id -> svConn */
    guint nextClient;
    GHashTable *pending; /* "sv-N" -> svPending */
    guint64 nextId;

    char *reservePath; /* room kept for the run's last records (see svReserveCreate) */

    bool everRunning;
    bool shutdownSeen; /* SHUTDOWN arrived: QEMU ending now is a shutdown */
    bool destroyRequested;
    bool rebooting; /* reset after a power-off: the next RESUME is a boot */
    guint killTimer;
};

static void svLog(svState *sv, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void svLog(svState *sv, const char *fmt, ...)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *ts = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
    g_autofree char *msg = NULL;
    g_autofree char *line = NULL;
    va_list ap;
    ssize_t n;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    line = g_strdup_printf("%s.%03d+0000: qvirt supervisor %lld: %s\n", ts,
                           g_date_time_get_microsecond(now) / 1000, (long long)getpid(), msg);
    if (sv->logFd >= 0)
        n = write(sv->logFd, line, strlen(line));
    else
        n = write(STDERR_FILENO, line, strlen(line));
    (void)n;
}

/* Room kept for the records that must not be lost: with the state root full, how the
 * run ended (the last status, the history line) is still written, so that a clean
 * shutdown is not mistaken for a crash. Released on the first write that fails. */
static bool svReserveCreate(svState *sv)
{
    g_autofree char *dir = g_path_get_dirname(sv->spec->proxyPath);
    g_autofree char *path = g_build_filename(dir, "reserve", NULL);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc = fd < 0 ? errno : posix_fallocate(fd, 0, SV_RESERVE_BYTES);

    if (fd >= 0)
        close(fd);
    if (rc != 0) {
        svLog(sv, "cannot keep room for the run's records in '%s': %s", path, g_strerror(rc));
        unlink(path);
        return false;
    }
    sv->reservePath = g_steal_pointer(&path);
    return true;
}

/* true if there was room to give back (the failed write is worth a retry) */
static bool svReserveRelease(svState *sv)
{
    if (!sv->reservePath)
        return false;
    svLog(sv, "the state root is full: using the room kept for the run's records");
    unlink(sv->reservePath);
    g_clear_pointer(&sv->reservePath, g_free);
    return true;
}

static void svWriteStatus(svState *sv)
{
    int rc = qemuDomainStatusWrite(sv->spec->statusPath, &sv->st);

    if (rc < 0 && svReserveRelease(sv)) {
        qvResetLastError();
        rc = qemuDomainStatusWrite(sv->spec->statusPath, &sv->st);
    }
    if (rc < 0) {
        svLog(sv, "cannot write status: %s", qvGetLastErrorMessage());
        qvResetLastError();
    }
}

static void svSetState(svState *sv, int state, int reason)
{
    if (sv->st.state == state && sv->st.reason == reason)
        return;
    sv->st.state = state;
    sv->st.reason = reason;
    svWriteStatus(sv);
}

/* What QEMU printed since it started (at most the last SV_LOG_TAIL bytes), one line. */
static char *svLogTail(svState *sv)
{
    g_autofree char *all = NULL;
    const char *start;
    char *tail;

    if (qvFileReadAll(sv->spec->logPath, 64 * 1024 * 1024, &all) < 0) {
        qvResetLastError();
        return g_strdup("");
    }
    start = all + MIN((size_t)sv->logStart, strlen(all));
    if (strlen(start) > SV_LOG_TAIL)
        start += strlen(start) - SV_LOG_TAIL;
    tail = g_strstrip(g_strdup(start));
    /* our own notes are not QEMU's words */
    {
        g_auto(GStrv) lines = g_strsplit(tail, "\n", -1);
        g_autoptr(GString) buf = g_string_new(NULL);
        size_t i;

        for (i = 0; lines[i]; i++) {
            if (strstr(lines[i], ": qvirt supervisor ") || !*lines[i])
                continue;
            if (buf->len)
                g_string_append(buf, " ");
            g_string_append(buf, lines[i]);
        }
        g_free(tail);
        tail = g_string_free(g_steal_pointer(&buf), FALSE);
    }
    return tail;
}

static void svReady(svState *sv, const char *error)
{
    g_autofree char *line = NULL;
    ssize_t n;

    if (sv->readyFd < 0)
        return;
    if (error)
        line = g_strdup_printf("error %s\n", error);
    else
        line = g_strdup_printf("ok %lld\n", (long long)sv->qemuPid);
    n = write(sv->readyFd, line, strlen(line));
    (void)n;
    close(sv->readyFd);
    sv->readyFd = -1;
}

/* ---- connections ---- */

static void svConnClose(svConn *c);

static gboolean svConnWritable(gint fd, GIOCondition cond, gpointer opaque);

static void svConnFlush(svConn *c)
{
    while (c->outOff < c->out->len) {
        ssize_t n = write(c->fd, c->out->str + c->outOff, c->out->len - c->outOff);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            /* the peer is gone; its reader will see EOF */
            c->outOff = c->out->len;
            break;
        }
        c->outOff += (size_t)n;
    }
    if (c->outOff == c->out->len) {
        g_string_truncate(c->out, 0);
        c->outOff = 0;
        if (c->outWatch) {
            g_source_remove(c->outWatch);
            c->outWatch = 0;
        }
    } else if (!c->outWatch) {
        c->outWatch = g_unix_fd_add(c->fd, G_IO_OUT, svConnWritable, c);
    }
}

static gboolean svConnWritable(gint fd, GIOCondition cond, gpointer opaque)
{
    svConn *c = opaque;

    if (c->outOff == c->out->len) {
        c->outWatch = 0;
        return G_SOURCE_REMOVE;
    }
    svConnFlush(c);
    /* svConnFlush removed this source when it finished */
    return c->outWatch ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void svConnSend(svConn *c, const char *line)
{
    if (c->dead)
        return;
    if (c->out->len - c->outOff + strlen(line) > SV_CLIENT_MAX_OUT && c->id) {
        /* its reader sees the shutdown and closes it, outside any caller of ours */
        svLog(c->sv, "client %u does not read its replies; dropping it", c->id);
        c->dead = true;
        shutdown(c->fd, SHUT_RDWR);
        return;
    }
    g_string_append(c->out, line);
    g_string_append_c(c->out, '\n');
    svConnFlush(c);
}

static void svConnSendJSON(svConn *c, const qvJSONValue *v)
{
    g_autofree char *text = qvJSONFormat(v, false);

    svConnSend(c, text);
}

static void svConnFree(svConn *c)
{
    if (c->inWatch)
        g_source_remove(c->inWatch);
    if (c->outWatch)
        g_source_remove(c->outWatch);
    if (c->fd >= 0)
        close(c->fd);
    qvLineBufferFree(&c->in);
    g_string_free(c->out, TRUE);
    g_free(c);
}

static void svClientFree(gpointer data)
{
    svConnFree(data);
}

static void svSwitchTxFinish(svSwitchJob *job, int state, const char *error);

static void svConnClose(svConn *c)
{
    svState *sv = c->sv;

    if (c->id) {
        g_hash_table_remove(sv->clients, GUINT_TO_POINTER(c->id));
        return;
    }
    /* QEMU's monitor closed: QEMU is exiting; its exit status tells why */
    svLog(sv, "QEMU closed its monitor");
    sv->mon = NULL;
    if (sv->switchJob)
        svSwitchTxFinish(sv->switchJob, -1, _("QEMU closed its monitor"));
    svConnFree(c);
}

static svConn *svConnNew(svState *sv, int fd, guint id, size_t maxLine)
{
    svConn *c = g_new0(svConn, 1);

    c->sv = sv;
    c->fd = fd;
    c->id = id;
    c->out = g_string_new(NULL);
    qvLineBufferInit(&c->in, 4096, maxLine);
    return c;
}

/* ---- talking to QEMU ---- */

static void svQemuCommand(svState *sv, const char *cmd)
{
    g_autoptr(qvJSONValue) obj = qvJSONNewObject();
    g_autofree char *id = g_strdup_printf("sv-%" G_GUINT64_FORMAT, ++sv->nextId);
    svPending *p;

    if (!sv->mon)
        return;
    p = g_new0(svPending, 1);
    p->what = g_strdup(cmd);
    g_hash_table_insert(sv->pending, g_strdup(id), p);
    qvJSONObjectAdd(obj, "s:execute", cmd, "s:id", id, NULL);
    svLog(sv, "sending '%s' to QEMU", cmd);
    svConnSendJSON(sv->mon, obj);
}

static void svPendingFree(gpointer data)
{
    svPending *p = data;

    qvJSONFree(p->origId);
    g_free(p->what);
    g_free(p);
}

/* A snapshot of the clients, safe against removals while it is walked. */
static GPtrArray *svClientList(svState *sv)
{
    GPtrArray *arr = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, sv->clients);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_ptr_array_add(arr, value);
    return arr;
}

static void svBroadcastEvent(svState *sv, const char *name, qvJSONValue *data);
static void svFSEvent(svState *sv, const char *state, const char *reason);

static void svBroadcast(svState *sv, const qvJSONValue *ev)
{
    g_autofree char *text = qvJSONFormat(ev, false);
    g_autoptr(GPtrArray) conns = svClientList(sv);
    guint i;

    for (i = 0; i < conns->len; i++) {
        svConn *c = conns->pdata[i];

        if (c->negotiated)
            svConnSend(c, text);
    }
}

static void svStopRequested(svState *sv, bool graceful);
static void svKill(svState *sv, int sig);
static void svStartRelay(svState *sv);
static void svArmFreezeGuard(svState *sv, long long seconds);
static gboolean svFreezeGuardFired(gpointer opaque);

static void svHandleShutdown(svState *sv, const qvJSONValue *data)
{
    const char *why = qvJSONGetString(qvJSONObjectGet(data, "reason"));
    bool guest = false;
    int action = sv->spec->onPoweroff;

    qvJSONGetBoolean(qvJSONObjectGet(data, "guest"), &guest);
    svLog(sv, "QEMU reports SHUTDOWN (guest=%d, reason=%s)", guest, NULLSTR(why));
    if (STREQ_NULLABLE(why, "host-qmp-quit") || STREQ_NULLABLE(why, "host-signal")) {
        sv->shutdownSeen = true;
        return;
    }
    if (STREQ_NULLABLE(why, "guest-reset"))
        action = sv->spec->onReboot; /* -no-reboot turned a reboot into a power-off */
    if (sv->st.fakeReboot) {
        sv->st.fakeReboot = false;
        svWriteStatus(sv);
        svLog(sv, "the guest powered off for a reboot: resetting it");
        action = DOMAIN_LIFECYCLE_RESTART;
    }
    switch (action) {
    case DOMAIN_LIFECYCLE_RESTART:
        sv->rebooting = true;
        svQemuCommand(sv, "system_reset");
        svQemuCommand(sv, "cont");
        break;
    case DOMAIN_LIFECYCLE_PRESERVE:
        sv->shutdownSeen = true;
        svSetState(sv, QV_DOMAIN_SHUTDOWN, 0);
        break;
    case DOMAIN_LIFECYCLE_DESTROY:
    default:
        sv->shutdownSeen = true;
        svQemuCommand(sv, "quit");
        break;
    }
}

static void svHandleEvent(svState *sv, const char *name, const qvJSONValue *data)
{
    if (STREQ(name, "SHUTDOWN")) {
        svHandleShutdown(sv, data);
    } else if (STREQ(name, "STOP")) {
        svSetState(sv, QV_DOMAIN_PAUSED,
                   sv->shutdownSeen ? QV_DOMAIN_PAUSED_SHUTTING_DOWN : QV_DOMAIN_PAUSED_USER);
    } else if (STREQ(name, "RESUME")) {
        svSetState(sv, QV_DOMAIN_RUNNING,
                   sv->everRunning && !sv->rebooting ? QV_DOMAIN_RUNNING_UNPAUSED
                                                     : QV_DOMAIN_RUNNING_BOOTED);
        sv->everRunning = true;
        sv->rebooting = false;
        sv->shutdownSeen = false;
    } else if (STREQ(name, "SUSPEND")) {
        svSetState(sv, QV_DOMAIN_PMSUSPENDED, 0);
    } else if (STREQ(name, "WAKEUP")) {
        svSetState(sv, QV_DOMAIN_RUNNING, QV_DOMAIN_RUNNING_WAKEUP);
    } else if (STREQ(name, "RESET")) {
        /* a reset guest has no agent: QEMU's VSERPORT_CHANGE arrives only after */
        if (sv->st.agent == QEMU_AGENT_CHANNEL_CONNECTED) {
            svLog(sv, "agent channel disconnected (guest reset)");
            sv->st.agent = QEMU_AGENT_CHANNEL_DISCONNECTED;
            svWriteStatus(sv);
        }
    } else if (STREQ(name, "VSERPORT_CHANGE")) {
        const char *id = qvJSONGetString(qvJSONObjectGet(data, "id"));
        bool open = false;

        if (sv->spec->agentPort && STREQ_NULLABLE(id, sv->spec->agentPort) &&
            qvJSONGetBoolean(qvJSONObjectGet(data, "open"), &open) == 0) {
            svLog(sv, "agent channel %s", open ? "connected" : "disconnected");
            sv->st.agent = open ? QEMU_AGENT_CHANNEL_CONNECTED : QEMU_AGENT_CHANNEL_DISCONNECTED;
            svWriteStatus(sv);
        }
    }
}

static void svReplyFromQemu(svState *sv, qvJSONValue *msg)
{
    g_autoptr(qvJSONValue) id = qvJSONObjectSteal(msg, "id");
    const char *key = qvJSONGetString(id);
    svPending *p;
    svConn *c;

    if (!key || !(p = g_hash_table_lookup(sv->pending, key))) {
        svLog(sv, "QEMU sent a reply nobody asked for; dropped");
        return;
    }
    if (p->job) {
        qvJSONValue *err = qvJSONObjectGet(msg, "error");

        svSwitchTxFinish(p->job, err ? 0 : 1,
                         err ? NULLSTR(qvJSONGetString(qvJSONObjectGet(err, "desc"))) : NULL);
    } else if (!p->client) {
        qvJSONValue *err = qvJSONObjectGet(msg, "error");

        if (err)
            svLog(sv, "'%s' failed: %s", p->what,
                  NULLSTR(qvJSONGetString(qvJSONObjectGet(err, "desc"))));
        if (!sv->ready && STREQ(p->what, "qmp_capabilities")) {
            if (err) {
                svReady(sv, _("QEMU refused QMP capabilities negotiation"));
                g_main_loop_quit(sv->loop);
            } else {
                sv->ready = true;
            }
        } else if (sv->resuming && STREQ(p->what, "cont")) {
            sv->resuming = false;
            if (err) {
                g_autofree char *why =
                    g_strdup_printf(_("QEMU did not resume the guest's CPUs: %s"),
                                    NULLSTR(qvJSONGetString(qvJSONObjectGet(err, "desc"))));

                /* a start that failed: QEMU goes, and nobody is told it ran */
                sv->ready = false;
                svReady(sv, why);
                svKill(sv, SIGKILL);
            } else {
                svReady(sv, NULL);
                svLog(sv, "the guest's CPUs run");
            }
        }
    } else if ((c = g_hash_table_lookup(sv->clients, GUINT_TO_POINTER(p->client)))) {
        if (p->origId)
            qvJSONObjectAppend(msg, "id", g_steal_pointer(&p->origId));
        svConnSendJSON(c, msg);
    }
    g_hash_table_remove(sv->pending, key);
}

static void svQemuLine(svState *sv, const char *line, size_t len)
{
    g_autofree char *err = NULL;
    g_autoptr(qvJSONValue) msg = qvJSONParse(line, len, SV_JSON_DEPTH, &err);
    const char *event;

    if (!msg || qvJSONGetType(msg) != QV_JSON_OBJECT) {
        svLog(sv, "QEMU sent something that is not a JSON object: %s", err ? err : "");
        return;
    }
    if (!sv->greeting) {
        if (!qvJSONObjectGet(msg, "QMP")) {
            svReady(sv, _("QEMU's monitor did not greet with QMP"));
            g_main_loop_quit(sv->loop);
            return;
        }
        sv->greeting = g_strndup(line, len);
        svQemuCommand(sv, "qmp_capabilities");
        return;
    }
    if ((event = qvJSONGetString(qvJSONObjectGet(msg, "event")))) {
        svHandleEvent(sv, event, qvJSONObjectGet(msg, "data"));
        svBroadcast(sv, msg);
        return;
    }
    if (qvJSONObjectGet(msg, "return") || qvJSONObjectGet(msg, "error")) {
        bool wasReady = sv->ready;

        svReplyFromQemu(sv, msg);
        if (!wasReady && sv->ready) {
            svStartRelay(sv);
            svLog(sv, "QEMU's monitor is ready; serving QMP on '%s'", sv->spec->proxyPath);
            if (sv->spec->startPaused) {
                sv->st.state = QV_DOMAIN_PAUSED;
                sv->st.reason = QV_DOMAIN_PAUSED_USER;
                svWriteStatus(sv);
                svReady(sv, NULL);
            } else {
                /* "ok" once the CPUs run: RESUME (and the status saying so) comes first */
                svWriteStatus(sv);
                sv->resuming = true;
                svQemuCommand(sv, "cont");
            }
        }
        return;
    }
    svLog(sv, "QEMU sent an object that is neither event nor reply; dropped");
}

/* ---- clients ---- */

static void svClientError(svConn *c, qvJSONValue *id, const char *klass, const char *desc)
{
    g_autoptr(qvJSONValue) reply = qvJSONNewObject();
    qvJSONValue *err = qvJSONNewObject();

    qvJSONObjectAdd(err, "s:class", klass, "s:desc", desc, NULL);
    qvJSONObjectAdd(reply, "a:error", err, "A:id", id, NULL);
    svConnSendJSON(c, reply);
}

static void svClientReturn(svConn *c, qvJSONValue *id, qvJSONValue *ret)
{
    g_autoptr(qvJSONValue) reply = qvJSONNewObject();

    qvJSONObjectAdd(reply, "a:return", ret ? ret : qvJSONNewObject(), "A:id", id, NULL);
    svConnSendJSON(c, reply);
}

static void svStartSwitch(svConn *c, qvJSONValue **id, qvJSONValue *args);

static void svClientLine(svConn *c, const char *line, size_t len)
{
    svState *sv = c->sv;
    g_autofree char *perr = NULL;
    g_autoptr(qvJSONValue) msg = qvJSONParse(line, len, SV_JSON_DEPTH, &perr);
    g_autoptr(qvJSONValue) id = NULL;
    const char *cmd;
    qvJSONValue *args;

    if (!msg || qvJSONGetType(msg) != QV_JSON_OBJECT) {
        svClientError(c, NULL, "GenericError", perr ? perr : "QMP input must be a JSON object");
        return;
    }
    id = qvJSONObjectSteal(msg, "id");
    if (!(cmd = qvJSONGetString(qvJSONObjectGet(msg, "execute")))) {
        svClientError(c, g_steal_pointer(&id), "GenericError", "QMP input lacks member 'execute'");
        return;
    }
    args = qvJSONObjectGet(msg, "arguments");
    if (STREQ(cmd, "qmp_capabilities")) {
        if (c->negotiated) {
            svClientError(c, g_steal_pointer(&id), "CommandNotFound",
                          "Capabilities negotiation is already complete, command ignored");
            return;
        }
        c->negotiated = true;
        svClientReturn(c, g_steal_pointer(&id), NULL);
        return;
    }
    if (!c->negotiated) {
        svClientError(c, g_steal_pointer(&id), "CommandNotFound",
                      "Expecting capabilities negotiation with 'qmp_capabilities'");
        return;
    }
    /* the supervisor's own commands */
    if (STREQ(cmd, QEMU_SV_QUERY_STATUS)) {
        svClientReturn(c, g_steal_pointer(&id), qemuSvStatusToJSON(&sv->st));
        return;
    }
    if (STREQ(cmd, QEMU_SV_SET_FAKE_REBOOT)) {
        bool enable = false;

        if (qvJSONGetBoolean(qvJSONObjectGet(args, "enable"), &enable) < 0) {
            svClientError(c, g_steal_pointer(&id), "GenericError",
                          "Parameter 'enable' is missing or not a boolean");
            return;
        }
        sv->st.fakeReboot = enable;
        svWriteStatus(sv);
        svClientReturn(c, g_steal_pointer(&id), NULL);
        return;
    }
    if (STREQ(cmd, QEMU_SV_SET_AGENT_TIMEOUT)) {
        int timeout;

        if (qvJSONGetInt(qvJSONObjectGet(args, "timeout"), &timeout) < 0 ||
            timeout < QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK) {
            svClientError(c, g_steal_pointer(&id), "GenericError",
                          "Parameter 'timeout' is missing or out of range");
            return;
        }
        sv->st.agentTimeout = timeout;
        svWriteStatus(sv);
        svClientReturn(c, g_steal_pointer(&id), NULL);
        return;
    }
    if (STREQ(cmd, QEMU_SV_FREEZE_GUARD)) {
        long long seconds;

        if (qvJSONGetLLong(qvJSONObjectGet(args, "seconds"), &seconds) < 0 || seconds < 0 ||
            seconds > 24 * 3600) {
            svClientError(c, g_steal_pointer(&id), "GenericError",
                          "Parameter 'seconds' is missing or out of range (0 disarms)");
            return;
        }
        svArmFreezeGuard(sv, seconds);
        svClientReturn(c, g_steal_pointer(&id), NULL);
        return;
    }
    if (STREQ(cmd, QEMU_SV_SNAPSHOT_SWITCH)) {
        svStartSwitch(c, &id, args);
        return;
    }
    if (STREQ(cmd, QEMU_SV_SWITCH_WAIT)) {
        svWaiter *w;

        if (!sv->switchJob) {
            svClientReturn(c, g_steal_pointer(&id), NULL);
            return;
        }
        w = g_new0(svWaiter, 1);
        w->client = c->id;
        w->id = g_steal_pointer(&id);
        g_ptr_array_add(sv->switchWaiters, w);
        return;
    }
    if (STREQ(cmd, QEMU_SV_FS_EVENT)) {
        /* a client froze or thawed the guest: every client hears it */
        const char *state = qvJSONGetString(qvJSONObjectGet(args, "state"));
        const char *reason = qvJSONGetString(qvJSONObjectGet(args, "reason"));
        int why = qemuFSFreezeReasonTypeFromString(reason);

        /* the guard's events are the supervisor's own */
        if (qemuFSFreezeStateTypeFromString(state) <= 0 ||
            (why != QV_DOMAIN_EVENT_FS_FREEZE_REASON_REQUEST &&
             why != QV_DOMAIN_EVENT_FS_FREEZE_REASON_SNAPSHOT)) {
            svClientError(c, g_steal_pointer(&id), "GenericError",
                          "Parameters 'state' (frozen, thawed, thaw-failed) and 'reason' "
                          "(request, snapshot) are required");
            return;
        }
        svClientReturn(c, g_steal_pointer(&id), NULL);
        svFSEvent(sv, state, reason);
        return;
    }
    if (STREQ(cmd, QEMU_SV_DESTROY)) {
        bool graceful = false;

        qvJSONGetBoolean(qvJSONObjectGet(args, "graceful"), &graceful);
        svClientReturn(c, g_steal_pointer(&id), NULL);
        svStopRequested(sv, graceful);
        return;
    }
    if (!sv->mon) {
        svClientError(c, g_steal_pointer(&id), "GenericError", "QEMU is exiting");
        return;
    }
    {
        g_autofree char *key = g_strdup_printf("sv-%" G_GUINT64_FORMAT, ++sv->nextId);
        svPending *p = g_new0(svPending, 1);

        p->client = c->id;
        p->origId = g_steal_pointer(&id);
        g_hash_table_insert(sv->pending, g_strdup(key), p);
        qvJSONObjectAppend(msg, "id", qvJSONNewString(key));
        svConnSendJSON(sv->mon, msg);
    }
}

static gboolean svConnReadable(gint fd, GIOCondition cond, gpointer opaque)
{
    svConn *c = opaque;
    svState *sv = c->sv;
    /* one bounded read per wakeup, so one peer cannot starve the others */
    int n = qvSocketRead(c->fd, &c->in, 64 * 1024);

    for (;;) {
        g_autofree char *line = NULL;
        size_t len;
        qvLineResult r;

        if (c->dead)
            break;
        r = qvLineBufferNext(&c->in, &line, &len);
        if (r == QV_LINE_NONE)
            break;
        if (r == QV_LINE_OVERSIZE) {
            svLog(sv, "%s sent a line over the size limit; dropped", c->id ? "a client" : "QEMU");
            if (c->id)
                svClientError(c, NULL, "GenericError", "QMP input line is too long");
            continue;
        }
        if (c->id)
            svClientLine(c, line, len);
        else
            svQemuLine(sv, line, len);
    }
    if (n < 0 || c->dead) {
        c->inWatch = 0;
        svConnClose(c);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean svAccept(gint fd, GIOCondition cond, gpointer opaque)
{
    svState *sv = opaque;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    svConn *c;

    if (cfd < 0)
        return G_SOURCE_CONTINUE;
    if (g_hash_table_size(sv->clients) >= SV_MAX_CLIENTS || !sv->greeting) {
        svLog(sv, "refusing a client: too many clients or QEMU not ready");
        close(cfd);
        return G_SOURCE_CONTINUE;
    }
    c = svConnNew(sv, cfd, ++sv->nextClient, SV_CLIENT_MAX_LINE);
    g_hash_table_insert(sv->clients, GUINT_TO_POINTER(c->id), c);
    c->inWatch = g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, svConnReadable, c);
    svConnSend(c, sv->greeting);
    return G_SOURCE_CONTINUE;
}

/* A listening unix socket at path, only for its owner. */
static int svListenUnix(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("socket path '%s' is too long"), path);
        return -1;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    unlink(path);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0) {
        qvReportSystemError(errno, _("cannot listen on '%s'"), path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    chmod(path, 0600);
    return fd;
}

static int svListen(svState *sv)
{
    if ((sv->listenFd = svListenUnix(sv->spec->proxyPath)) < 0)
        return -1;
    sv->listenWatch = g_unix_fd_add(sv->listenFd, G_IO_IN, svAccept, sv);
    return 0;
}

/*
 * Stay connected to QEMU's agent socket for the whole run and relay it: a guest sees
 * its port opened once, not every time a qvirt process comes and goes (each new host
 * connection costs qemu-ga tens of milliseconds before it answers).
 */
static void svStartRelay(svState *sv)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int up, lfd;

    if (!sv->spec->agentPath || !sv->spec->agentRelayPath ||
        strlen(sv->spec->agentPath) >= sizeof(addr.sun_path))
        return;
    memcpy(addr.sun_path, sv->spec->agentPath, strlen(sv->spec->agentPath) + 1);
    if ((up = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        connect(up, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        svLog(sv, "cannot connect to the agent socket '%s': %s; clients connect directly",
              sv->spec->agentPath, g_strerror(errno));
        if (up >= 0)
            close(up);
        return;
    }
    if ((lfd = svListenUnix(sv->spec->agentRelayPath)) < 0) {
        svLog(sv, "%s", qvGetLastErrorMessage());
        qvResetLastError();
        close(up);
        return;
    }
    sv->relay = qvRelayNew(up, lfd, SV_RELAY_MAX_BUFFER, NULL);
    svLog(sv, "relaying the agent socket on '%s'", sv->spec->agentRelayPath);
}

/* ---- the freeze guard: a guest never stays frozen ---- */

/*
 * A qvirt process that freezes the guest's filesystems first arms the guard with a
 * deadline, recorded in the status file; thawing disarms it. If the deadline passes
 * (the process died, hung, or simply forgot), the supervisor, which lives as long as
 * QEMU, thaws the guest itself: it takes the agent socket from the relay, thaws with
 * qvirt's agent client in a thread of its own (bounded, retried, verified with
 * fsfreeze-status), and gives the socket back.
 */
#define SV_THAW_ATTEMPTS 3

typedef struct {
    svState *sv;
    int fd; /* a duplicate of the relay's upstream */
    bool thawed;
    char *error;
} svThawJob;

/* Thaw, ahead of anything queued, verified with fsfreeze-status, up to SV_THAW_ATTEMPTS
 * times pauseMs apart. sent and replied (optional): when the first thaw was sent and
 * when a thaw's reply came (monotonic). False with the last failure reported. */
static bool svThawVerified(qemuAgent *agent, guint pauseMs, gint64 *sent, gint64 *replied)
{
    int attempt;

    for (attempt = 1; attempt <= SV_THAW_ATTEMPTS; attempt++) {
        qemuAgentFSFreezeStatus status;
        gint64 t = g_get_monotonic_time();
        int rc = qemuAgentFSThaw(agent, true);

        if (sent && attempt == 1)
            *sent = t;
        if (replied && (rc >= 0 || attempt == 1))
            *replied = g_get_monotonic_time();
        if (qemuAgentFSFreezeStatusGet(agent, &status) == 0) {
            if (status == QEMU_AGENT_FSFREEZE_THAWED) {
                /* thawed (even if the thaw call itself failed: someone thawed it) */
                qvResetLastError();
                return true;
            }
            qvReportError(QV_ERR_OPERATION_FAILED, "%s",
                          _("the guest's filesystems are still frozen after thaw"));
        }
        if (attempt < SV_THAW_ATTEMPTS)
            g_usleep(pauseMs * 1000);
    }
    return false;
}

static gpointer svThawThread(gpointer data)
{
    svThawJob *job = data;
    qemuAgentConfig cfg;
    qemuAgent *agent;

    qemuAgentConfigInit(&cfg);
    if (!(agent = qemuAgentOpenFD(job->fd, "auto-thaw", &cfg, NULL, NULL))) {
        job->error = g_strdup(qvGetLastErrorMessage());
        return job;
    }
    if (!(job->thawed = svThawVerified(agent, 1000, NULL, NULL)))
        job->error = g_strdup(qvGetLastErrorMessage());
    qemuAgentClose(agent);
    return job;
}

static void svBroadcastEvent(svState *sv, const char *name, qvJSONValue *data)
{
    g_autoptr(qvJSONValue) ev = qvJSONNewObject();
    qvJSONValue *ts = qvJSONNewObject();
    gint64 now = g_get_real_time();

    qvJSONObjectAdd(ts, "I:seconds", (long long)(now / G_USEC_PER_SEC), "I:microseconds",
                    (long long)(now % G_USEC_PER_SEC), NULL);
    qvJSONObjectAdd(ev, "s:event", name, "a:data", data, "a:timestamp", ts, NULL);
    svBroadcast(sv, ev);
}

/* The guest was frozen, thawed or not thawed (state), and why (reason): every client
 * hears it. */
static void svFSEvent(svState *sv, const char *state, const char *reason)
{
    qvJSONValue *fs = qvJSONNewObject();

    qvJSONObjectAdd(fs, "s:state", state, "s:reason", reason, NULL);
    svBroadcastEvent(sv, QEMU_SV_EVENT_FS_FREEZE, fs);
}

static gboolean svThawDone(gpointer data)
{
    svThawJob *job = data;
    svState *sv = job->sv;
    qvJSONValue *ev = qvJSONNewObject();

    g_thread_join(g_steal_pointer(&sv->thawThread));
    if (sv->relay)
        qvRelayResume(sv->relay);
    if (job->thawed) {
        svLog(sv, "auto-thaw: the guest's filesystems are thawed");
        sv->st.freezeDeadline = 0;
        svWriteStatus(sv);
    } else {
        /* try again later rather than give up on a frozen guest */
        svLog(sv, "auto-thaw failed: %s; trying again in 10 s", NULLSTR(job->error));
        sv->freezeTimer = g_timeout_add_seconds(10, svFreezeGuardFired, sv);
    }
    qvJSONObjectAdd(ev, "b:thawed", job->thawed, "S:error", job->error, NULL);
    svBroadcastEvent(sv, QEMU_SV_EVENT_AUTO_THAW, ev);
    if (job->thawed)
        svFSEvent(sv, "thawed", "guard");
    g_free(job->error);
    g_free(job);
    return G_SOURCE_REMOVE;
}

static gpointer svThawThreadMain(gpointer data)
{
    svThawJob *job = svThawThread(data);

    g_idle_add(svThawDone, job);
    return NULL;
}

static gboolean svFreezeGuardFired(gpointer opaque)
{
    svState *sv = opaque;
    svThawJob *job;
    int up;

    sv->freezeTimer = 0;
    if (!sv->st.freezeDeadline || sv->thawThread)
        return G_SOURCE_REMOVE;
    if (sv->switchJob) {
        /* a switch holds the agent; it thaws what it froze, within its own bounds */
        sv->freezeTimer = g_timeout_add_seconds(1, svFreezeGuardFired, sv);
        return G_SOURCE_REMOVE;
    }
    if (g_get_real_time() >= sv->st.freezeDeadline)
        svLog(sv, "auto-thaw: the guest is still frozen %lld s after its deadline; thawing it",
              (long long)((g_get_real_time() - sv->st.freezeDeadline) / G_USEC_PER_SEC));
    if (!sv->relay || (up = qvRelayPause(sv->relay, true)) < 0) {
        svLog(sv, "auto-thaw: no connection to the agent socket");
        sv->freezeTimer = g_timeout_add_seconds(10, svFreezeGuardFired, sv);
        return G_SOURCE_REMOVE;
    }
    job = g_new0(svThawJob, 1);
    job->sv = sv;
    job->fd = fcntl(up, F_DUPFD_CLOEXEC, 0);
    sv->thawThread = g_thread_new("auto-thaw", svThawThreadMain, job);
    return G_SOURCE_REMOVE;
}

static void svArmFreezeGuard(svState *sv, long long seconds)
{
    if (sv->freezeTimer) {
        g_source_remove(sv->freezeTimer);
        sv->freezeTimer = 0;
    }
    if (seconds == 0) {
        if (sv->st.freezeDeadline)
            svLog(sv, "freeze guard disarmed");
        sv->st.freezeDeadline = 0;
    } else {
        sv->st.freezeDeadline = g_get_real_time() + seconds * G_USEC_PER_SEC;
        sv->freezeTimer = g_timeout_add_seconds((guint)seconds, svFreezeGuardFired, sv);
        svLog(sv, "freeze guard armed: the guest is thawed in %lld s unless qvirt thaws it first",
              seconds);
    }
    svWriteStatus(sv);
}

/* ---- the snapshot switch: one step, owned here from freeze to verified thaw ---- */

/*
 * A client asks for the switch of an external snapshot (qemu_svproto.h) and waits. A
 * thread of the supervisor borrows the agent socket from the relay (the client that
 * holds the relay stays attached, idle), syncs, checks nobody else froze the guest,
 * freezes, has the main loop send QEMU the transaction, thaws at once when its reply
 * comes, and verifies. Nothing but the transaction is inside the frozen window, and no
 * client process is: its death changes nothing here. The freeze guard stays armed until
 * the thaw is verified.
 */
#define SV_SWITCH_QMP_TIMEOUT_MS 30000
#define SV_SWITCH_THAW_PAUSE_MS 200

struct _svSwitchJob {
    svState *sv;
    guint client; /* who asked: answered if still connected */
    qvJSONValue *origId;
    qvJSONValue *actions; /* QMP transaction actions, until sent */
    qemuSvQuiesce quiesce;
    int agentFd; /* a duplicate of the relay's upstream: -1 when not lent */
    bool lent; /* the relay is lent to this job */
    bool armed; /* this job armed the freeze guard */
    bool freezeTried;
    qemuAgentConfig cfg;
    GMutex lock;
    GCond cond;
    int txState; /* the transaction: 1 done, 0 refused, -1 lost; under lock */
    bool txDone;
    char *txError;
    gint64 txSentAt, txRepliedAt; /* main loop's: when it went to QEMU, its reply came */
    qemuSvSwitchResult res;
};

static void svWaiterFree(gpointer data)
{
    svWaiter *w = data;

    qvJSONFree(w->id);
    g_free(w);
}

/* The transaction's outcome reaches the waiting thread (first word wins). */
static void svSwitchTxFinish(svSwitchJob *job, int state, const char *error)
{
    g_mutex_lock(&job->lock);
    if (!job->txDone) {
        job->txRepliedAt = g_get_monotonic_time();
        job->txDone = true;
        job->txState = state;
        job->txError = g_strdup(error);
        g_cond_signal(&job->cond);
    }
    g_mutex_unlock(&job->lock);
}

static gboolean svSwitchSendTransaction(gpointer data)
{
    svSwitchJob *job = data;
    svState *sv = job->sv;
    g_autoptr(qvJSONValue) msg = qvJSONNewObject();
    qvJSONValue *args = qvJSONNewObject();
    g_autofree char *key = NULL;
    svPending *p;

    if (!sv->mon) {
        svSwitchTxFinish(job, 0, _("QEMU is exiting"));
        return G_SOURCE_REMOVE;
    }
    key = g_strdup_printf("sv-%" G_GUINT64_FORMAT, ++sv->nextId);
    p = g_new0(svPending, 1);
    p->what = g_strdup("transaction");
    p->job = job;
    g_hash_table_insert(sv->pending, g_strdup(key), p);
    qvJSONObjectAdd(args, "a:actions", g_steal_pointer(&job->actions), NULL);
    qvJSONObjectAdd(msg, "s:execute", "transaction", "a:arguments", args, "s:id", key, NULL);
    g_mutex_lock(&job->lock);
    job->txSentAt = g_get_monotonic_time();
    g_mutex_unlock(&job->lock);
    svConnSendJSON(sv->mon, msg);
    return G_SOURCE_REMOVE;
}

/* In the job's thread: the transaction, through the main loop's connection to QEMU.
 * 1 switched, 0 not (QEMU said no), -1 not known (no answer); failures recorded. */
static int svSwitchTransaction(svSwitchJob *job)
{
    gint64 deadline = g_get_monotonic_time() + SV_SWITCH_QMP_TIMEOUT_MS * (gint64)1000;
    g_autofree char *why = NULL;
    int state;

    g_main_context_invoke(NULL, svSwitchSendTransaction, job);
    g_mutex_lock(&job->lock);
    while (!job->txDone && g_cond_wait_until(&job->cond, &job->lock, deadline))
        ;
    state = job->txDone ? job->txState : -1;
    why = job->txDone ? g_strdup(job->txError) : NULL;
    if (job->txDone && job->txSentAt)
        job->res.transactionUs = job->txRepliedAt - job->txSentAt;
    g_mutex_unlock(&job->lock);
    if (state == 1)
        return 1;
    if (state == 0)
        qvReportError(QV_ERR_OPERATION_FAILED, _("QEMU refused the snapshot's transaction: %s"),
                      NULLSTR(why));
    else if (why)
        qvReportError(QV_ERR_OPERATION_FAILED,
                      _("whether QEMU switched the disks is not known: %s"), why);
    else
        qvReportError(QV_ERR_OPERATION_TIMEOUT,
                      _("QEMU did not answer the snapshot's transaction within %d s"),
                      SV_SWITCH_QMP_TIMEOUT_MS / 1000);
    qemuSvSwitchResultSetError(&job->res, 'e');
    return state;
}

static gboolean svSwitchDone(gpointer data);

static gpointer svSwitchThread(gpointer data)
{
    svSwitchJob *job = data;
    qemuSvSwitchResult *r = &job->res;
    bool strict = job->quiesce == QEMU_SV_QUIESCE_REQUIRED;
    qemuAgent *agent = NULL;
    gint64 frozenAt = 0, sent = 0, replied = 0;

    if (job->quiesce != QEMU_SV_QUIESCE_NONE) {
        qemuAgentFSFreezeStatus status = QEMU_AGENT_FSFREEZE_THAWED;
        bool usable;

        if (job->agentFd < 0)
            qvReportError(QV_ERR_AGENT_NOT_CONNECTED, "%s",
                          _("the supervisor has no connection to the agent socket"));
        else
            agent = qemuAgentOpenFD(job->agentFd, "snapshot", &job->cfg, NULL, NULL);
        job->agentFd = -1;
        usable = agent && qemuAgentFSFreezeStatusGet(agent, &status) == 0;
        if (usable && status == QEMU_AGENT_FSFREEZE_FROZEN) {
            /* someone else's freeze: thawing at the end would undo it */
            qvReportError(QV_ERR_AGENT_GUEST_FROZEN, "%s",
                          _("the guest's filesystems are already frozen"));
            qemuSvSwitchResultSetError(r, 'e');
            goto done;
        }
        if (!usable) {
            qemuSvSwitchResultSetError(r, strict ? 'e' : 'q');
            if (strict)
                goto done;
        } else {
            job->freezeTried = true;
            r->frozen = qemuAgentFSFreeze(agent, NULL, 0);
            /* the guest is frozen from (just before) the reply: the window starts here */
            frozenAt = g_get_monotonic_time();
            if (r->frozen < 0) {
                qemuSvSwitchResultSetError(r, strict ? 'e' : 'q');
                /* whatever went wrong, part of the guest may be frozen: thaw now */
                r->thawed = svThawVerified(agent, SV_SWITCH_THAW_PAUSE_MS, NULL, NULL);
                if (!r->thawed)
                    qemuSvSwitchResultSetError(r, 't');
                if (strict)
                    goto done;
            }
        }
    }

    if (r->frozen >= 0)
        qvFaultPoint("snapshot-frozen");
    /* nothing but the switch inside the frozen window */
    r->switched = svSwitchTransaction(job);
    if (r->frozen >= 0) {
        r->thawed = svThawVerified(agent, SV_SWITCH_THAW_PAUSE_MS, &sent, &replied);
        if (!r->thawed)
            qemuSvSwitchResultSetError(r, 't');
        r->thawSentUs = sent - frozenAt;
        r->windowUs = replied - frozenAt;
    }

done:
    if (agent)
        qemuAgentClose(agent);
    qvResetLastError();
    g_idle_add(svSwitchDone, job);
    return NULL;
}

static gboolean svSwitchDone(gpointer data)
{
    svSwitchJob *job = data;
    svState *sv = job->sv;
    qemuSvSwitchResult *r = &job->res;
    GHashTableIter it;
    gpointer value;
    svConn *c;
    guint i;

    g_thread_join(g_steal_pointer(&sv->switchThread));
    sv->switchJob = NULL;
    g_hash_table_iter_init(&it, sv->pending);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        if (((svPending *)value)->job == job)
            ((svPending *)value)->job = NULL;
    }
    if (job->lent && sv->relay)
        qvRelayResume(sv->relay);
    /* the guard stays armed over a thaw that was not verified: it keeps trying */
    if (job->armed && (!job->freezeTried || r->thawed))
        svArmFreezeGuard(sv, 0);
    if (r->frozen > 0)
        svFSEvent(sv, "frozen", "snapshot");
    if (job->freezeTried && (r->frozen > 0 || !r->thawed))
        svFSEvent(sv, r->thawed ? "thawed" : "thaw-failed", "snapshot");
    svLog(sv,
          "snapshot switch: %s; %d filesystem(s) frozen for %.1f ms (thaw sent after %.2f ms, "
          "QEMU's transaction %.2f ms)%s%s",
          r->switched > 0    ? "switched"
          : r->switched == 0 ? "not switched"
                             : "outcome not known",
          r->frozen, r->windowUs / 1000.0, r->thawSentUs / 1000.0, r->transactionUs / 1000.0,
          r->error ? ": " : "", r->error ? r->error : "");
    if ((c = g_hash_table_lookup(sv->clients, GUINT_TO_POINTER(job->client))))
        svClientReturn(c, g_steal_pointer(&job->origId), qemuSvSwitchResultToJSON(r));
    for (i = 0; i < sv->switchWaiters->len; i++) {
        svWaiter *w = sv->switchWaiters->pdata[i];

        if ((c = g_hash_table_lookup(sv->clients, GUINT_TO_POINTER(w->client))))
            svClientReturn(c, g_steal_pointer(&w->id), NULL);
    }
    g_ptr_array_set_size(sv->switchWaiters, 0);
    qvJSONFree(job->origId);
    qvJSONFree(job->actions);
    g_free(job->txError);
    qemuSvSwitchResultClear(r);
    g_mutex_clear(&job->lock);
    g_cond_clear(&job->cond);
    g_free(job);
    return G_SOURCE_REMOVE;
}

static void svStartSwitch(svConn *c, qvJSONValue **id, qvJSONValue *args)
{
    svState *sv = c->sv;
    qvJSONValue *actions = qvJSONObjectGet(args, "actions");
    const char *word = qvJSONGetString(qvJSONObjectGet(args, "quiesce"));
    int quiesce = word ? qemuSvQuiesceTypeFromString(word) : -1;
    long long guard = 0;
    svSwitchJob *job;
    int up;

    if (!actions || qvJSONGetType(actions) != QV_JSON_ARRAY || !qvJSONArraySize(actions) ||
        quiesce < 0 ||
        (quiesce != QEMU_SV_QUIESCE_NONE &&
         (qvJSONGetLLong(qvJSONObjectGet(args, "guard"), &guard) < 0 || guard < 1 ||
          guard > 24 * 3600))) {
        svClientError(c, g_steal_pointer(id), "GenericError",
                      "Parameters 'actions' (a non-empty array), 'quiesce' (none, required, "
                      "best-effort) and, to quiesce, 'guard' (1..86400 s) are required");
        return;
    }
    if (sv->switchJob || sv->thawThread || !sv->mon) {
        svClientError(c, g_steal_pointer(id), "GenericError",
                      !sv->mon ? "QEMU is exiting"
                      : sv->switchJob
                          ? "another snapshot switch is in flight"
                          : "the supervisor is thawing the guest's filesystems; try again");
        return;
    }
    job = g_new0(svSwitchJob, 1);
    job->sv = sv;
    job->client = c->id;
    job->origId = g_steal_pointer(id);
    job->actions = qvJSONObjectSteal(args, "actions");
    job->quiesce = quiesce;
    job->agentFd = -1;
    qemuSvSwitchResultClear(&job->res);
    g_mutex_init(&job->lock);
    g_cond_init(&job->cond);
    qemuAgentConfigInit(&job->cfg);
    job->cfg.responseTimeout = sv->st.agentTimeout;
    if (quiesce != QEMU_SV_QUIESCE_NONE && sv->relay &&
        (up = qvRelayPause(sv->relay, false)) >= 0) {
        job->lent = true;
        job->agentFd = fcntl(up, F_DUPFD_CLOEXEC, 0);
        /* recorded before the freeze is sent; a freeze someone else armed is left as is */
        if (!sv->st.freezeDeadline) {
            svArmFreezeGuard(sv, guard);
            job->armed = true;
        }
    }
    sv->switchJob = job;
    sv->switchThread = g_thread_new("snapshot-switch", svSwitchThread, job);
}

/* ---- QEMU's life ---- */

static void svKill(svState *sv, int sig)
{
    if (!sv->qemuExited && sv->qemuPid > 0)
        kill(sv->qemuPid, sig);
}

static gboolean svKillTimeout(gpointer opaque)
{
    svState *sv = opaque;

    sv->killTimer = 0;
    svLog(sv, "QEMU did not exit within %d ms of SIGTERM: sending SIGKILL", SV_KILL_GRACE_MS);
    svKill(sv, SIGKILL);
    return G_SOURCE_REMOVE;
}

static void svStopRequested(svState *sv, bool graceful)
{
    svLog(sv, "destroy requested%s", graceful ? " (graceful)" : "");
    sv->destroyRequested = true;
    svKill(sv, SIGTERM);
    if (!graceful && !sv->killTimer)
        sv->killTimer = g_timeout_add(SV_KILL_GRACE_MS, svKillTimeout, sv);
}

static gboolean svSignal(gpointer opaque)
{
    svStopRequested(opaque, false);
    return G_SOURCE_CONTINUE;
}

/* One line per ended run, so that a watcher that polls (and may come too late for the
 * status file, which the next run replaces) still learns how each run ended. The file
 * is kept short: the driver trims it when it starts a run. */
static void svAppendHistory(svState *sv)
{
    g_autofree char *line = NULL;
    int fd;
    ssize_t n;

    if (!sv->spec->historyPath)
        return;
    line = g_strdup_printf("run=%lld started=%lld stopped=%lld reason=%d\n", (long long)getpid(),
                           sv->st.startedAt, sv->st.stoppedAt, sv->st.reason);
    if ((fd = open(sv->spec->historyPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                   0600)) < 0) {
        svLog(sv, "cannot open '%s': %s", sv->spec->historyPath, g_strerror(errno));
        return;
    }
    n = write(fd, line, strlen(line));
    if (n < 0 && errno == ENOSPC && svReserveRelease(sv))
        n = write(fd, line, strlen(line));
    if (n != (ssize_t)strlen(line))
        svLog(sv, "cannot append to '%s': %s", sv->spec->historyPath,
              n < 0 ? g_strerror(errno) : "short write");
    close(fd);
}

static void svQemuExited(GPid pid, gint status, gpointer opaque)
{
    svState *sv = opaque;
    g_autoptr(qvJSONValue) ev = qvJSONNewObject();
    g_autoptr(qvJSONValue) data = qvJSONNewObject();
    g_autofree char *how = NULL;
    gint64 now = g_get_real_time();
    g_autoptr(GPtrArray) conns = NULL;
    guint i;
    int reason;

    g_spawn_close_pid(pid);
    sv->qemuExited = true;
    sv->qemuWaitStatus = status;
    if (WIFSIGNALED(status))
        how = g_strdup_printf(_("killed by signal %d (%s)"), WTERMSIG(status),
                              g_strsignal(WTERMSIG(status)));
    else
        how = g_strdup_printf(_("exited with status %d"), WEXITSTATUS(status));
    svLog(sv, "QEMU %s", how);

    if (!sv->ready) {
        g_autofree char *tail = svLogTail(sv);
        g_autofree char *msg =
            g_strdup_printf(_("QEMU %s while connecting to its monitor: %s"), how, tail);
        svReady(sv, msg);
        g_main_loop_quit(sv->loop);
        return;
    }

    if (sv->destroyRequested)
        reason = QV_DOMAIN_SHUTOFF_DESTROYED;
    else if (sv->shutdownSeen)
        reason = QV_DOMAIN_SHUTOFF_SHUTDOWN;
    else
        reason = QV_DOMAIN_SHUTOFF_CRASHED;
    sv->st.state = QV_DOMAIN_SHUTOFF;
    sv->st.reason = reason;
    sv->st.agent = sv->spec->agentPort ? QEMU_AGENT_CHANNEL_DISCONNECTED : QEMU_AGENT_CHANNEL_NONE;
    sv->st.stoppedAt = now;
    sv->st.exitStatus = status;
    sv->st.exitReason = g_steal_pointer(&how);
    svWriteStatus(sv);
    svAppendHistory(sv);

    /* tell every client why, then close */
    /* the run (this supervisor's pid) and its start let a client that connected late
     * name the run that ended and announce its start first */
    qvJSONObjectAdd(data, "s:reason", qemuShutoffReasonToString(reason), "i:reason-code", reason,
                    "s:detail", sv->st.exitReason, "I:run", (long long)getpid(), "I:started",
                    sv->st.startedAt, NULL);
    {
        qvJSONValue *ts = qvJSONNewObject();

        qvJSONObjectAdd(ts, "I:seconds", (long long)(now / G_USEC_PER_SEC), "I:microseconds",
                        (long long)(now % G_USEC_PER_SEC), NULL);
        qvJSONObjectAdd(ev, "s:event", QEMU_SV_EVENT_STOPPED, "a:data", g_steal_pointer(&data),
                        "a:timestamp", ts, NULL);
    }
    svBroadcast(sv, ev);
    conns = svClientList(sv);
    for (i = 0; i < conns->len; i++) {
        svConn *c = conns->pdata[i];
        int flags = fcntl(c->fd, F_GETFL);

        /* a last, bounded, blocking write: the clients are waiting for exactly this */
        if (flags >= 0 && c->outOff < c->out->len) {
            struct timeval tv = { .tv_sec = 1 };

            setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
            fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK);
            svConnFlush(c);
        }
    }
    g_main_loop_quit(sv->loop);
}

static gboolean svTryConnect(gpointer opaque)
{
    svState *sv = opaque;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (sv->qemuExited)
        return G_SOURCE_REMOVE;
    memcpy(addr.sun_path, sv->spec->monitorPath, strlen(sv->spec->monitorPath) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
        g_unix_set_fd_nonblocking(fd, TRUE, NULL);
        sv->mon = svConnNew(sv, fd, 0, SV_QEMU_MAX_LINE);
        sv->mon->inWatch =
            g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, svConnReadable, sv->mon);
        sv->connectTimer = 0;
        return G_SOURCE_REMOVE;
    }
    if (fd >= 0)
        close(fd);
    if (g_get_monotonic_time() > sv->startDeadline) {
        g_autofree char *tail = svLogTail(sv);
        g_autofree char *msg = g_strdup_printf(_("QEMU did not open its monitor within %d ms: %s"),
                                               sv->spec->startTimeoutMs, tail);
        svReady(sv, msg);
        sv->connectTimer = 0;
        svKill(sv, SIGKILL);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean svStartTimeout(gpointer opaque)
{
    svState *sv = opaque;

    if (!sv->ready) {
        g_autofree char *msg = g_strdup_printf(_("QEMU's monitor did not answer within %d ms"),
                                               sv->spec->startTimeoutMs);

        svReady(sv, msg);
        svKill(sv, SIGKILL);
    } else if (sv->resuming) {
        g_autofree char *msg = g_strdup_printf(
            _("QEMU did not resume the guest's CPUs within %d ms"), sv->spec->startTimeoutMs);

        /* a start that failed, as when QEMU refuses to resume */
        sv->resuming = false;
        sv->ready = false;
        svReady(sv, msg);
        svKill(sv, SIGKILL);
    }
    return G_SOURCE_REMOVE;
}

static void svChildSetup(gpointer opaque)
{
    /* QEMU must not outlive its supervisor: nobody else would learn that it ended */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != GPOINTER_TO_INT(opaque))
        _exit(1);
}

static int svSpawn(svState *sv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) hdr = g_string_new(NULL);
    g_autoptr(GArray) sourceFds = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GArray) targetFds = g_array_new(FALSE, FALSE, sizeof(int));
    size_t i;
    ssize_t n;

    for (i = 0; sv->spec->env[i]; i++)
        g_string_append_printf(hdr, "%s \\\n", sv->spec->env[i]);
    for (i = 0; sv->spec->argv[i]; i++) {
        g_autofree char *q = g_shell_quote(sv->spec->argv[i]);

        g_string_append_printf(hdr, "%s%s", q, sv->spec->argv[i + 1] ? " \\\n" : "\n");
    }
    /* the files QEMU writes (serial and console logs) are opened here, never through a
     * symbolic link, and handed to QEMU at the descriptors its -add-fd options name */
    for (i = 0; i < sv->spec->nfiles; i++) {
        int fd = qemuLaunchFileOpen(&sv->spec->files[i]);

        if (fd < 0)
            goto error;
        g_array_append_val(sourceFds, fd);
        g_array_append_val(targetFds, sv->spec->files[i].fd);
    }
    svLog(sv, "starting QEMU for domain '%s'", sv->spec->name);
    n = write(sv->logFd, hdr->str, hdr->len);
    (void)n;
    sv->logStart = lseek(sv->logFd, 0, SEEK_END);
    if (!g_spawn_async_with_pipes_and_fds(
            NULL, (const char *const *)sv->spec->argv, (const char *const *)sv->spec->env,
            G_SPAWN_DO_NOT_REAP_CHILD, svChildSetup, GINT_TO_POINTER(getpid()), -1, sv->logFd,
            sv->logFd, (const int *)(void *)sourceFds->data, (const int *)(void *)targetFds->data,
            sourceFds->len, &sv->qemuPid, NULL, NULL, NULL, &err)) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("cannot start '%s': %s"), sv->spec->argv[0],
                      err->message);
        goto error;
    }
    for (i = 0; i < sourceFds->len; i++)
        close(g_array_index(sourceFds, int, i));
    svLog(sv, "QEMU is pid %lld", (long long)sv->qemuPid);
    g_child_watch_add(sv->qemuPid, svQemuExited, sv);
    return 0;

error:
    for (i = 0; i < sourceFds->len; i++)
        close(g_array_index(sourceFds, int, i));
    return -1;
}

/* Remove what the driver created for this run; a directory goes with what is in it. */
static void svRemoveRunFiles(svState *sv)
{
    size_t i;

    for (i = 0; sv->spec->removeOnExit[i]; i++) {
        if (qvFileRemoveTree(sv->spec->removeOnExit[i]) < 0) {
            svLog(sv, "%s", qvGetLastErrorMessage());
            qvResetLastError();
        }
    }
}

static void svCleanup(svState *sv)
{
    if (sv->listenFd >= 0) {
        unlink(sv->spec->proxyPath);
        close(sv->listenFd);
    }
    if (sv->mon)
        svConnFree(sv->mon);
    if (sv->relay) {
        qvRelayFree(sv->relay);
        unlink(sv->spec->agentRelayPath);
    }
    g_clear_pointer(&sv->clients, g_hash_table_destroy);
    g_clear_pointer(&sv->pending, g_hash_table_destroy);
    g_clear_pointer(&sv->switchWaiters, g_ptr_array_unref);
    g_clear_pointer(&sv->greeting, g_free);
    unlink(sv->spec->monitorPath);
    if (sv->reservePath)
        unlink(sv->reservePath);
    g_clear_pointer(&sv->reservePath, g_free);
    svRemoveRunFiles(sv);
}

int main(int argc, char **argv)
{
    g_autofree char *launch = NULL;
    int readyFd = -1;
    GOptionEntry entries[] = { { "launch", 0, 0, G_OPTION_ARG_FILENAME, &launch,
                                 N_("the launch file the driver wrote"), N_("FILE") },
                               { "ready-fd", 0, 0, G_OPTION_ARG_INT, &readyFd,
                                 N_("where to report readiness"), N_("FD") },
                               G_OPTION_ENTRY_NULL };
    g_autoptr(GOptionContext) octx = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;
    svState sv = { .readyFd = -1, .logFd = -1, .lockFd = -1, .listenFd = -1 };
    int devnull;
    int ret = 1;

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, QV_LOCALEDIR());
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    octx = g_option_context_new(NULL);
    g_option_context_set_summary(octx, _("Supervise one QEMU process for qvirt."));
    g_option_context_add_main_entries(octx, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(octx, &argc, &argv, &err)) {
        g_printerr("%s: %s\n", g_get_prgname(), err->message);
        return 2;
    }
    if (!launch || readyFd < 0) {
        g_printerr(_("%s: --launch and --ready-fd are required\n"), g_get_prgname());
        return 2;
    }
    sv.readyFd = readyFd;
    if (qvFileReadAll(launch, 16 * 1024 * 1024, &text) < 0 ||
        !(sv.spec = qemuLaunchSpecParse(text, launch))) {
        svReady(&sv, qvGetLastErrorMessage());
        return 1;
    }
    qemuDomainStatusInit(&sv.st);
    sv.st.state = QV_DOMAIN_PAUSED;
    sv.st.reason = QV_DOMAIN_PAUSED_STARTING_UP;
    sv.st.agent = sv.spec->agentPort ? QEMU_AGENT_CHANNEL_DISCONNECTED : QEMU_AGENT_CHANNEL_NONE;
    sv.st.supervisorPid = getpid();
    sv.st.startedAt = g_get_real_time();

    /* detach: our own session, stdio to the log */
    /* what QEMU creates (serial and console files, its own) is for its owner only */
    umask(077);
    if ((sv.logFd = open(sv.spec->logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                         0600)) < 0) {
        g_autofree char *msg = g_strdup_printf(_("cannot open log file '%s': %s"), sv.spec->logPath,
                                               g_strerror(errno));
        svReady(&sv, msg);
        goto cleanup;
    }
    if ((devnull = open("/dev/null", O_RDWR)) >= 0) {
        dup2(devnull, STDIN_FILENO);
        close(devnull);
    }
    dup2(sv.logFd, STDOUT_FILENO);
    dup2(sv.logFd, STDERR_FILENO);
    setsid();
    signal(SIGPIPE, SIG_IGN);

    if ((sv.lockFd = qvFileLock(sv.spec->lockPath, true, false)) < 0) {
        svReady(&sv, qvGetLastErrorMessage());
        goto cleanup;
    }
    /* a run whose end could not be recorded is not started */
    if (!svReserveCreate(&sv)) {
        svReady(&sv, _("the state root has no room for the records of a run"));
        goto cleanup;
    }

    sv.loop = g_main_loop_new(NULL, FALSE);
    /* before QEMU exists: a stop asked for at any point from here on stops it too */
    g_unix_signal_add(SIGTERM, svSignal, &sv);
    g_unix_signal_add(SIGINT, svSignal, &sv);
    g_unix_signal_add(SIGHUP, svSignal, &sv);
    sv.clients = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, svClientFree);
    sv.pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, svPendingFree);
    sv.switchWaiters = g_ptr_array_new_with_free_func(svWaiterFree);
    if (svListen(&sv) < 0) {
        svReady(&sv, qvGetLastErrorMessage());
        goto cleanup;
    }
    unlink(sv.spec->monitorPath);
    if (svSpawn(&sv) < 0) {
        svReady(&sv, qvGetLastErrorMessage());
        goto cleanup;
    }
    sv.st.qemuPid = sv.qemuPid;
    sv.startDeadline = g_get_monotonic_time() + (gint64)sv.spec->startTimeoutMs * 1000;
    sv.connectTimer = g_timeout_add(10, svTryConnect, &sv);
    g_timeout_add(sv.spec->startTimeoutMs, svStartTimeout, &sv);

    g_main_loop_run(sv.loop);
    ret = sv.ready ? 0 : 1;
    if (sv.switchJob) {
        /* QEMU is gone: the switch ends at once (its agent calls fail) */
        svSwitchTxFinish(sv.switchJob, -1, _("QEMU exited"));
        while (sv.switchJob)
            g_main_context_iteration(NULL, TRUE);
    }
    if (!sv.qemuExited) {
        /* we are leaving before QEMU (startup failed): it must not stay behind */
        svKill(&sv, SIGKILL);
        waitpid(sv.qemuPid, NULL, 0);
    }
    svLog(&sv, "exiting");

cleanup:
    if (sv.loop)
        svCleanup(&sv);
    qvFileUnlock(sv.lockFd);
    if (sv.logFd >= 0)
        close(sv.logFd);
    qemuDomainStatusClear(&sv.st);
    qemuLaunchSpecFree(sv.spec);
    if (sv.loop)
        g_main_loop_unref(sv.loop);
    return ret;
}
