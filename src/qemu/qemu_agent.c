/* qemu_agent.c: the guest agent protocol: one command in flight, ids on every command,
 * 0xFF + guest-sync-delimited to (re)synchronise, a bound on every wait, strikes and
 * quarantine for hostile input. I/O runs in an event thread; callers wait on a condition. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "qemu_agent.h"
#include "qverror.h"
#include "qvlinebuf.h"
#include "qvlog.h"
#include "qvsocket.h"

#define QV_FROM_THIS QV_FROM_AGENT

QV_LOG_INIT("qemu.agent");

#define QEMU_AGENT_STALE_IDS 32
#define QEMU_AGENT_READ_CHUNK 4096
#define QEMU_AGENT_READ_BUDGET (256 * 1024) /* per dispatch, so a flood cannot starve */
#define QEMU_AGENT_LOG_BURST 10 /* strike log lines per window */
#define QEMU_AGENT_SYNC_ERRORS 4 /* id-less errors tolerated during one sync */

typedef enum {
    PHASE_IDLE,
    PHASE_SYNC, /* 0xFF + guest-sync-delimited sent for the current message */
    PHASE_CMD, /* the current message sent (or being sent) */
} qemuAgentPhase;

typedef struct {
    char *name; /* command name, for messages */
    char *id; /* our id, echoed by qemu-ga */
    char *text; /* the line to send */
    gint64 start; /* monotonic µs */
    gint64 deadline; /* monotonic µs */
    int timeoutMs;
    qemuAgentEvent awaitEvent;
    bool nowait; /* done once written */
    bool liveness; /* sync right before, even when in sync */
    bool priority; /* ahead of the queue */
    size_t maxReply;
    bool written;
    bool done;
    qvJSONValue *reply; /* the reply object, on success */
    int errCode;
    char *errMsg;
} qemuAgentMessage;

struct _qemuAgent {
    gint refs;
    GMutex lock;
    GCond cond;
    unsigned int condWaiters; /* GLib's broadcast is a syscall: skip it when nobody waits */
    qemuAgentConfig cfg;
    qemuAgentCallbacks cb;
    void *opaque;
    GMainContext *ctx;
    char *path;
    int fd;
    GSource *inSrc;
    qvSocketWriter writer;

    GQueue queue; /* of qemuAgentMessage*, waiting */
    qemuAgentMessage *current; /* being served */
    unsigned int holdWanted; /* qemuAgentHold callers waiting: start nothing new */
    bool held; /* lent out (qemuAgentHold): the queue waits */
    qemuAgentPhase phase;
    bool synced;
    long long syncId;
    gint64 syncStart;
    gint64 syncDeadline;
    bool awaitDelimiter; /* drop input up to the 0xFF that precedes the sync reply */
    unsigned int syncErrors; /* id-less error lines seen during this sync */

    qvLineBuffer in;
    bool eof;
    bool channelClosed;
    bool quarantined;

    char *staleIds[QEMU_AGENT_STALE_IDS]; /* ids of abandoned commands and syncs */
    size_t staleNext;
    GQueue strikeTimes; /* monotonic µs of recent strikes */
    gint64 logWindow;
    unsigned int logCount;
    unsigned int logSuppressed;
    qemuAgentStats stats;
};

void qemuAgentConfigInit(qemuAgentConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->timeoutsMs[QEMU_AGENT_TIMEOUT_SYNC] = 2000;
    cfg->timeoutsMs[QEMU_AGENT_TIMEOUT_QUERY] = 5000;
    cfg->timeoutsMs[QEMU_AGENT_TIMEOUT_INVENTORY] = 15000;
    cfg->timeoutsMs[QEMU_AGENT_TIMEOUT_MODIFY] = 10000;
    cfg->timeoutsMs[QEMU_AGENT_TIMEOUT_FREEZE] = 60000;
    cfg->timeoutsMs[QEMU_AGENT_TIMEOUT_THAW] = 30000;
    cfg->timeoutsMs[QEMU_AGENT_TIMEOUT_POWER] = 60000;
    cfg->responseTimeout = QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_DEFAULT;
    cfg->maxReplyBytes = 1024 * 1024;
    cfg->maxBigReplyBytes = 16 * 1024 * 1024;
    cfg->maxDepth = 32;
    cfg->maxStrikes = 8;
    cfg->strikeWindow = 60;
    cfg->syncEachCommand = false;
}

static void qemuAgentMessageFree(qemuAgentMessage *msg)
{
    if (!msg)
        return;
    g_free(msg->name);
    g_free(msg->id);
    g_free(msg->text);
    qvJSONFree(msg->reply);
    g_free(msg->errMsg);
    g_free(msg);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuAgentMessage, qemuAgentMessageFree)

static unsigned long long qemuAgentRandom64(void)
{
    return (guint64)g_random_int() << 32 | g_random_int();
}

/* ---- bookkeeping (all with agent->lock held) ---- */

static void qemuAgentRememberStale(qemuAgent *agent, char *id)
{
    g_free(agent->staleIds[agent->staleNext]);
    agent->staleIds[agent->staleNext] = id;
    agent->staleNext = (agent->staleNext + 1) % QEMU_AGENT_STALE_IDS;
}

static bool qemuAgentIsStale(qemuAgent *agent, const char *id)
{
    size_t i;

    for (i = 0; i < QEMU_AGENT_STALE_IDS; i++) {
        if (agent->staleIds[i] && STREQ(agent->staleIds[i], id))
            return true;
    }
    return false;
}

static void qemuAgentKick(qemuAgent *agent);

/* Finish a message: wake its caller. The message stays owned by the caller. */
static void qemuAgentFinish(qemuAgent *agent, qemuAgentMessage *msg, int code, char *errMsg)
{
    msg->done = true;
    msg->errCode = code;
    g_free(msg->errMsg);
    msg->errMsg = errMsg;
    if (agent->current == msg) {
        agent->current = NULL;
        agent->phase = PHASE_IDLE;
    } else {
        g_queue_remove(&agent->queue, msg);
    }
    qemuAgentKick(agent);
}

static void qemuAgentFailAll(qemuAgent *agent, int code, const char *why, bool keepAwaiting)
{
    qemuAgentMessage *msg;

    if ((msg = agent->current) && !(keepAwaiting && msg->awaitEvent && msg->written))
        qemuAgentFinish(agent, msg, code, g_strdup(why));
    while ((msg = g_queue_peek_head(&agent->queue)))
        qemuAgentFinish(agent, msg, code, g_strdup(why));
}

static void qemuAgentLog(qemuAgent *agent, const char *what)
{
    gint64 now = g_get_monotonic_time();

    if (now - agent->logWindow > (gint64)agent->cfg.strikeWindow * G_USEC_PER_SEC) {
        if (agent->logSuppressed)
            QV_DEBUG("agent %s: %u more messages suppressed", agent->path, agent->logSuppressed);
        agent->logWindow = now;
        agent->logCount = 0;
        agent->logSuppressed = 0;
    }
    if (agent->logCount++ < QEMU_AGENT_LOG_BURST)
        QV_DEBUG("agent %s: %s", agent->path, what);
    else
        agent->logSuppressed++;
}

static void qemuAgentStartNext(qemuAgent *agent);

static void qemuAgentQuarantine(qemuAgent *agent)
{
    g_autofree char *why =
        g_strdup_printf(_("the guest agent sent %u malformed or unexpected replies within %u s; it "
                          "is ignored until its channel reconnects"),
                        agent->cfg.maxStrikes, agent->cfg.strikeWindow);

    agent->quarantined = true;
    agent->synced = false;
    qemuAgentLog(agent, "quarantined");
    qemuAgentFailAll(agent, QV_ERR_AGENT_QUARANTINED, why, false);
}

/* Hostile or garbled input: count it, resync before the next command. */
/* Command ids are "qv-" and 16 hex digits. One this client does not know is a late
 * reply to another qvirt client of the same channel (the supervisor's relay hands the
 * channel from one client to the next): dropped as stale, not held against the guest. */
#define QEMU_AGENT_ID_FORMAT "qv-%016llx"

static bool qemuAgentIsQvirtId(const char *id)
{
    size_t i;

    if (!g_str_has_prefix(id, "qv-") || strlen(id) != 3 + 16)
        return false;
    for (i = 3; id[i]; i++) {
        if (!g_ascii_isxdigit(id[i]) || g_ascii_isupper(id[i]))
            return false;
    }
    return true;
}

static void qemuAgentStrike(qemuAgent *agent, const char *what)
{
    gint64 now = g_get_monotonic_time();
    gint64 window = (gint64)agent->cfg.strikeWindow * G_USEC_PER_SEC;

    agent->stats.strikes++;
    agent->synced = false;
    qemuAgentLog(agent, what);
    g_queue_push_tail(&agent->strikeTimes, g_memdup2(&now, sizeof(now)));
    while (agent->strikeTimes.length &&
           now - *(gint64 *)g_queue_peek_head(&agent->strikeTimes) > window)
        g_free(g_queue_pop_head(&agent->strikeTimes));
    if (!agent->quarantined && agent->strikeTimes.length >= agent->cfg.maxStrikes)
        qemuAgentQuarantine(agent);
}

/* ---- writing ---- */

static void qemuAgentHandleEOF(qemuAgent *agent);

/* Everything queued is on the wire (owner's lock held). */
static void qemuAgentOnDrained(gpointer opaque)
{
    qemuAgent *agent = opaque;
    qemuAgentMessage *msg = agent->current;

    if (agent->phase != PHASE_CMD || !msg || msg->written)
        return;
    msg->written = true;
    if (msg->nowait) {
        /* "written, then return": its reply, if one comes, is not anyone's answer */
        qemuAgentRememberStale(agent, g_strdup(msg->id));
        qemuAgentFinish(agent, msg, 0, NULL);
        qemuAgentStartNext(agent);
    }
}

static void qemuAgentOnWriteFailed(gpointer opaque)
{
    qemuAgentHandleEOF(opaque);
}

static void qemuAgentWrite(qemuAgent *agent, const char *prefix, const char *text)
{
    g_autofree char *line = g_strconcat(prefix, text, "\n", NULL);

    qvSocketWriterQueue(&agent->writer, line, strlen(line));
}

/*
 * Drop a write that did not complete. qemu-ga's parser may be left inside an object;
 * the next write is a sync, whose leading 0xFF resets it, so nothing is half-executed.
 */
static void qemuAgentAbandonWrite(qemuAgent *agent)
{
    if (qvSocketWriterPending(&agent->writer) && qvSocketWriterWritten(&agent->writer))
        agent->synced = false;
    qvSocketWriterDrop(&agent->writer);
}

static void qemuAgentSendSync(qemuAgent *agent)
{
    g_autofree char *cmd = NULL;
    qemuAgentMessage *msg = agent->current;
    gint64 now = g_get_monotonic_time();
    gint64 bound = (gint64)agent->cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_SYNC] * 1000;

    /* positive 63-bit: qemu-ga's id is a signed 64-bit integer */
    do {
        agent->syncId = (long long)(qemuAgentRandom64() & INT64_MAX);
    } while (agent->syncId == 0);
    cmd = g_strdup_printf("{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%lld}}",
                          agent->syncId);
    agent->phase = PHASE_SYNC;
    agent->syncStart = now;
    agent->syncDeadline = MIN(msg->deadline, now + bound);
    agent->awaitDelimiter = true;
    agent->syncErrors = 0;
    qvLineBufferClear(&agent->in);
    qemuAgentWrite(agent, "\xff", cmd);
}

static void qemuAgentSendCommand(qemuAgent *agent)
{
    agent->phase = PHASE_CMD;
    agent->in.maxLine = agent->current->maxReply;
    qemuAgentWrite(agent, "", agent->current->text);
}

static void qemuAgentStartNext(qemuAgent *agent)
{
    qemuAgentMessage *msg;

    if (agent->current || agent->held || agent->holdWanted || agent->eof || agent->fd < 0)
        return;
    if (!(msg = g_queue_pop_head(&agent->queue)))
        return;
    agent->current = msg;
    if (!agent->synced || agent->cfg.syncEachCommand || msg->liveness)
        qemuAgentSendSync(agent);
    else
        qemuAgentSendCommand(agent);
}

/* ---- reading ---- */

static char *qemuAgentErrorFromReply(qemuAgentMessage *msg, qvJSONValue *error, int *code)
{
    const char *klass = qvJSONGetString(qvJSONObjectGet(error, "class"));
    const char *desc = qvJSONGetString(qvJSONObjectGet(error, "desc"));

    if (!klass || qvJSONGetType(error) != QV_JSON_OBJECT) {
        *code = QV_ERR_AGENT_MALFORMED_REPLY;
        return g_strdup_printf(_("reply to '%s' has an 'error' without a 'class'"), msg->name);
    }
    if (!desc)
        desc = klass;
    if (STREQ(klass, "CommandNotFound") || STREQ(klass, "CommandDisabled")) {
        if (strstr(desc, "frozen")) {
            *code = QV_ERR_AGENT_GUEST_FROZEN;
            return g_strdup_printf(_("'%s' refused while the guest's filesystems are frozen: %s"),
                                   msg->name, desc);
        }
        *code = QV_ERR_AGENT_UNSUPPORTED;
        return g_strdup_printf(_("this guest agent does not offer '%s': %s"), msg->name, desc);
    }
    *code = QV_ERR_AGENT_COMMAND_FAILED;
    return g_strdup_printf(_("'%s' failed in the guest: %s (%s)"), msg->name, desc, klass);
}

static void qemuAgentHandleReply(qemuAgent *agent, qvJSONValue *val)
{
    qemuAgentMessage *msg = agent->current;
    qvJSONValue *error = qvJSONObjectGet(val, "error");

    agent->stats.commands++;
    if (error) {
        int code;
        char *why = qemuAgentErrorFromReply(msg, error, &code);

        qemuAgentFinish(agent, msg, code, why);
        qvJSONFree(val);
    } else if (msg->awaitEvent) {
        /* accepted; completion is QEMU's event */
        qvJSONFree(val);
        return;
    } else {
        msg->reply = val;
        qemuAgentFinish(agent, msg, 0, NULL);
    }
    qemuAgentStartNext(agent);
}

static void qemuAgentHandleLine(qemuAgent *agent, char *line, size_t len)
{
    g_autoptr(qvJSONValue) val = NULL;
    g_autofree char *err = NULL;
    g_autofree char *idstr = NULL;
    qvJSONValue *id, *ret;

    /* a late reply to an abandoned delimited sync still carries its 0xFF */
    while (len && (unsigned char)*line == 0xFF) {
        line++;
        len--;
    }
    if (!(val = qvJSONParse(line, len, agent->cfg.maxDepth, &err))) {
        g_autofree char *what = g_strdup_printf("not JSON: %s", err);

        qemuAgentStrike(agent, what);
        return;
    }
    if (qvJSONGetType(val) != QV_JSON_OBJECT) {
        qemuAgentStrike(agent, "JSON that is not an object");
        return;
    }
    ret = qvJSONObjectGet(val, "return");
    if (!ret && !qvJSONObjectGet(val, "error")) {
        qemuAgentStrike(agent, "an object that is neither a reply nor an error");
        return;
    }
    if ((id = qvJSONObjectGet(val, "id"))) {
        const char *s = qvJSONGetString(id);

        idstr = g_strdup(s ? s : qvJSONGetNumberString(id));
    }

    if (agent->phase == PHASE_SYNC && !idstr) {
        long long got;

        if (ret && qvJSONGetLLong(ret, &got) == 0 && got == agent->syncId) {
            agent->synced = true;
            agent->stats.syncs++;
            qemuAgentSendCommand(agent);
            return;
        }
        /* a number: a late answer to a sync, ours or that of another qvirt client of this
         * channel (the supervisor's relay hands the channel from one to the next) */
        if (ret && qvJSONGetNumberString(ret)) {
            agent->stats.stale++;
            return;
        }
        /* qemu-ga answers each 0xFF with an error line; after a late sync's 0xFF it can
         * come after the point where the input was dropped. A few are normal. */
        if (!ret && agent->syncErrors++ < QEMU_AGENT_SYNC_ERRORS)
            return;
        qemuAgentStrike(agent, "unexpected reply while synchronising");
        return;
    }
    if (idstr) {
        if (agent->phase == PHASE_CMD && agent->current && STREQ(idstr, agent->current->id)) {
            qemuAgentHandleReply(agent, g_steal_pointer(&val));
            return;
        }
        if (qemuAgentIsStale(agent, idstr) || qemuAgentIsQvirtId(idstr)) {
            agent->stats.stale++;
            return;
        }
        qemuAgentStrike(agent, "reply to a command that was never sent");
        return;
    }
    if (ret && qvJSONGetNumberString(ret) && qemuAgentIsStale(agent, qvJSONGetNumberString(ret))) {
        agent->stats.stale++;
        return;
    }
    qemuAgentStrike(agent, "reply without an id");
}

static void qemuAgentProcessInput(qemuAgent *agent)
{
    for (;;) {
        char *line = NULL;
        size_t len = 0;
        qvLineResult r;

        if (agent->quarantined) {
            qvLineBufferClear(&agent->in);
            return;
        }
        if (agent->awaitDelimiter) {
            if (!qvLineBufferDiscardThrough(&agent->in, '\xff'))
                return;
            agent->awaitDelimiter = false;
        }
        r = qvLineBufferNext(&agent->in, &line, &len);
        if (r == QV_LINE_NONE)
            return;
        if (r == QV_LINE_OVERSIZE) {
            qemuAgentMessage *msg = agent->current;
            g_autofree char *what =
                g_strdup_printf("a line longer than %zu bytes", agent->in.maxLine);

            qemuAgentStrike(agent, what);
            if (msg && agent->phase == PHASE_CMD && msg->written && !msg->awaitEvent &&
                !agent->quarantined) {
                qemuAgentRememberStale(agent, g_strdup(msg->id));
                qemuAgentFinish(agent, msg, QV_ERR_AGENT_MALFORMED_REPLY,
                                g_strdup_printf(_("the reply to '%s' is longer than %zu bytes"),
                                                msg->name, agent->in.maxLine));
                qemuAgentStartNext(agent);
            }
            continue;
        }
        qemuAgentHandleLine(agent, line, len);
        g_free(line);
    }
}

static void qemuAgentRemoveSources(qemuAgent *agent)
{
    if (agent->inSrc) {
        g_source_destroy(agent->inSrc);
        g_clear_pointer(&agent->inSrc, g_source_unref);
    }
    qvSocketWriterDrop(&agent->writer);
}

static void qemuAgentHandleEOF(qemuAgent *agent)
{
    qemuAgentMessage *msg = agent->current;

    if (agent->eof)
        return;
    agent->eof = true;
    agent->synced = false;
    qemuAgentRemoveSources(agent);
    /* QEMU closing the socket while a shutdown waits for its event: the guest is gone */
    if (msg && msg->awaitEvent && msg->written)
        qemuAgentFinish(agent, msg, 0, NULL);
    qemuAgentFailAll(agent, QV_ERR_AGENT_NOT_CONNECTED,
                     _("the connection to the guest agent closed"), false);
}

static gboolean qemuAgentOnReadable(gint fd, GIOCondition cond, gpointer opaque)
{
    qemuAgent *agent = opaque;
    size_t budget = QEMU_AGENT_READ_BUDGET;
    bool eof = false, quarantined;

    g_mutex_lock(&agent->lock);
    quarantined = agent->quarantined;
    while (budget) {
        int rc = qvSocketRead(fd, &agent->in, QEMU_AGENT_READ_CHUNK);

        if (rc == 0)
            break;
        if (rc < 0) {
            eof = true;
            break;
        }
        budget -= MIN(budget, (size_t)rc);
        qemuAgentProcessInput(agent);
        if ((size_t)rc < QEMU_AGENT_READ_CHUNK)
            break; /* drained for now: no second recv just to hear EAGAIN */
    }
    if (eof)
        qemuAgentHandleEOF(agent);
    quarantined = !quarantined && agent->quarantined;
    g_mutex_unlock(&agent->lock);

    if (eof && agent->cb.eof)
        agent->cb.eof(agent, agent->opaque);
    if (quarantined && agent->cb.quarantined)
        agent->cb.quarantined(agent, agent->opaque);
    return eof ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* ---- open and close ---- */

qemuAgent *qemuAgentRef(qemuAgent *agent)
{
    g_atomic_int_inc(&agent->refs);
    return agent;
}

static gpointer qemuAgentRefData(gpointer data)
{
    return qemuAgentRef(data);
}

void qemuAgentUnref(gpointer data)
{
    qemuAgent *agent = data;
    size_t i;

    if (!g_atomic_int_dec_and_test(&agent->refs))
        return;
    if (agent->fd >= 0)
        close(agent->fd);
    qvLineBufferFree(&agent->in);
    qvSocketWriterClear(&agent->writer);
    for (i = 0; i < QEMU_AGENT_STALE_IDS; i++)
        g_free(agent->staleIds[i]);
    g_queue_clear_full(&agent->strikeTimes, g_free);
    g_main_context_unref(agent->ctx);
    g_free(agent->path);
    g_cond_clear(&agent->cond);
    g_mutex_clear(&agent->lock);
    g_free(agent);
}

qemuAgent *qemuAgentOpenFD(int fd, const char *name, const qemuAgentConfig *cfg,
                           const qemuAgentCallbacks *cb, void *opaque)
{
    qemuAgent *agent = g_new0(qemuAgent, 1);
    /* its own context, driven by whichever caller waits (see qemuAgentWaitLocked) */
    g_autoptr(GMainContext) ctx = g_main_context_new();

    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    agent->refs = 1;
    g_mutex_init(&agent->lock);
    g_cond_init(&agent->cond);
    agent->cfg = *cfg;
    if (cb)
        agent->cb = *cb;
    agent->opaque = opaque;
    agent->ctx = g_main_context_ref(ctx);
    agent->path = g_strdup(name);
    agent->fd = fd;
    g_queue_init(&agent->queue);
    g_queue_init(&agent->strikeTimes);
    qvLineBufferInit(&agent->in, QEMU_AGENT_READ_CHUNK, cfg->maxReplyBytes);
    qvSocketWriterInit(&agent->writer, fd, ctx, &agent->lock, qemuAgentOnDrained,
                       qemuAgentOnWriteFailed, agent, qemuAgentRefData, qemuAgentUnref);

    agent->inSrc = g_unix_fd_source_new(fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(agent->inSrc, G_SOURCE_FUNC(qemuAgentOnReadable), qemuAgentRef(agent),
                          qemuAgentUnref);
    /* GLib blocks a dispatching fd source, which costs two wake-ups of the context and an
     * extra poll per reply; the callback never iterates the context, so allow it */
    g_source_set_can_recurse(agent->inSrc, TRUE);
    g_source_attach(agent->inSrc, ctx);
    QV_DEBUG("agent %s: connected", name);
    return agent;
}

qemuAgent *qemuAgentOpen(const char *path, const qemuAgentConfig *cfg, const qemuAgentCallbacks *cb,
                         void *opaque)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("guest agent socket path '%s' is too long"), path);
        return NULL;
    }
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        qvReportSystemError(errno, "%s", _("cannot create a socket for the guest agent"));
        return NULL;
    }
    /* QEMU's server socket accepts at once (or queues us in its backlog): no wait here */
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int saved = errno;

        close(fd);
        qvReportError(QV_ERR_AGENT_NOT_CONNECTED,
                      _("cannot connect to the guest agent socket '%s': %s"), path,
                      g_strerror(saved));
        return NULL;
    }
    return qemuAgentOpenFD(fd, path, cfg, cb, opaque);
}

void qemuAgentClose(qemuAgent *agent)
{
    if (!agent)
        return;
    g_mutex_lock(&agent->lock);
    qemuAgentRemoveSources(agent);
    agent->eof = true;
    agent->cb.eof = NULL;
    agent->cb.quarantined = NULL;
    qemuAgentFailAll(agent, QV_ERR_AGENT_NOT_CONNECTED,
                     _("the connection to the guest agent was closed"), false);
    g_mutex_unlock(&agent->lock);
    /* callers still waiting hold their own reference; the last one frees */
    qemuAgentUnref(agent);
}

void qemuAgentNotifyChannelState(qemuAgent *agent, bool open)
{
    g_mutex_lock(&agent->lock);
    agent->synced = false;
    if (open) {
        agent->channelClosed = false;
        agent->quarantined = false;
        g_queue_clear_full(&agent->strikeTimes, g_free);
    } else {
        agent->channelClosed = true;
        qvLineBufferClear(&agent->in);
        /* a shutdown in progress expects the port to close before QEMU's event */
        qemuAgentFailAll(agent, QV_ERR_AGENT_NOT_CONNECTED,
                         _("the guest agent channel closed: qemu-ga is not running in the guest"),
                         true);
    }
    g_mutex_unlock(&agent->lock);
}

void qemuAgentNotifyEvent(qemuAgent *agent, qemuAgentEvent event)
{
    qemuAgentMessage *msg;

    g_mutex_lock(&agent->lock);
    if ((msg = agent->current) && msg->awaitEvent == event && msg->written) {
        qemuAgentFinish(agent, msg, 0, NULL);
        qemuAgentStartNext(agent);
    }
    g_mutex_unlock(&agent->lock);
}

int qemuAgentSetResponseTimeout(qemuAgent *agent, int timeout)
{
    if (timeout < QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK) {
        qvReportError(QV_ERR_INVALID_ARG,
                      _("guest agent timeout '%d' is less than the minimum '%d'"), timeout,
                      QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK);
        return -1;
    }
    g_mutex_lock(&agent->lock);
    agent->cfg.responseTimeout = timeout;
    g_mutex_unlock(&agent->lock);
    return 0;
}

bool qemuAgentIsQuarantined(qemuAgent *agent)
{
    bool ret;

    g_mutex_lock(&agent->lock);
    ret = agent->quarantined;
    g_mutex_unlock(&agent->lock);
    return ret;
}

void qemuAgentGetStats(qemuAgent *agent, qemuAgentStats *stats)
{
    g_mutex_lock(&agent->lock);
    *stats = agent->stats;
    stats->queued = agent->queue.length;
    stats->holds = agent->holdWanted + (agent->held ? 1 : 0);
    g_mutex_unlock(&agent->lock);
}

/* ---- sending and waiting (caller threads) ---- */

typedef struct {
    const char *name;
    qemuAgentTimeoutClass klass;
    int timeout; /* libvirt semantics, for the raw passthrough; else class + override */
    bool raw;
    qemuAgentEvent awaitEvent;
    bool liveness;
    bool priority;
    bool big;
    bool noResult; /* only success matters: NOWAIT can return once written */
} qemuAgentCall;

/* Milliseconds to wait, or 0 for "written, then return". */
static int qemuAgentEffectiveTimeout(qemuAgent *agent, const qemuAgentCall *call)
{
    int t = call->raw ? call->timeout : agent->cfg.responseTimeout;

    /* the power class ends on QEMU's event, whatever the per-domain override says */
    if (!call->raw && call->klass == QEMU_AGENT_TIMEOUT_POWER)
        return agent->cfg.timeoutsMs[call->klass];
    if (t == QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_DEFAULT)
        return call->raw ? agent->cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_QUERY]
                         : agent->cfg.timeoutsMs[call->klass];
    if (t == QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK)
        return QEMU_AGENT_MAX_WAIT_SECONDS * 1000; /* never unbounded */
    return MIN(t, QEMU_AGENT_MAX_WAIT_SECONDS) * 1000;
}

static void qemuAgentTimeoutLocked(qemuAgent *agent, qemuAgentMessage *msg, gint64 now)
{
    char *why;
    int code;

    agent->stats.timeouts++;
    if (agent->current != msg) {
        code = QV_ERR_AGENT_COMMAND_TIMEOUT;
        why = g_strdup_printf(_("'%s' waited %d ms behind earlier guest agent commands"), msg->name,
                              msg->timeoutMs);
        qemuAgentFinish(agent, msg, code, why);
        return;
    }
    if (agent->phase == PHASE_SYNC) {
        code = QV_ERR_AGENT_SYNC_TIMEOUT;
        why = g_strdup_printf(_("no answer to guest-sync-delimited within %lld ms (%lld ms "
                                "elapsed): qemu-ga is not responding"),
                              (long long)((agent->syncDeadline - agent->syncStart) / 1000),
                              (long long)((now - agent->syncStart) / 1000));
        qemuAgentRememberStale(agent, g_strdup_printf("%lld", agent->syncId));
    } else if (msg->awaitEvent && msg->written) {
        code = QV_ERR_AGENT_COMMAND_TIMEOUT;
        why = g_strdup_printf(_("QEMU reported no %s within %d ms of '%s'"),
                              msg->awaitEvent == QEMU_AGENT_EVENT_RESET     ? "RESET"
                              : msg->awaitEvent == QEMU_AGENT_EVENT_SUSPEND ? "SUSPEND"
                                                                            : "SHUTDOWN",
                              msg->timeoutMs, msg->name);
    } else {
        code = QV_ERR_AGENT_COMMAND_TIMEOUT;
        why = g_strdup_printf(_("no reply to '%s' within %d ms"), msg->name, msg->timeoutMs);
    }
    /* a late reply must not answer anything else; the next command resyncs first */
    qemuAgentRememberStale(agent, g_strdup(msg->id));
    qemuAgentAbandonWrite(agent);
    agent->synced = false;
    qemuAgentFinish(agent, msg, code, why);
    qemuAgentStartNext(agent);
}

/*
 * Wait (agent->lock held) until something changes or wake passes. The thread whose message
 * is in flight drives the agent's main context itself: the socket's callbacks run right
 * here, with no hand-off between threads (each costs tens of µs on a small VM). Others
 * sleep until the driver is done and then take over.
 */
static void qemuAgentWaitLocked(qemuAgent *agent, gint64 wake)
{
    GPollFD fds[8];
    gint maxPriority, timeout, nfds;
    gint64 ms;

    if (!g_main_context_acquire(agent->ctx)) {
        agent->condWaiters++;
        g_cond_wait_until(&agent->cond, &agent->lock, wake);
        agent->condWaiters--;
        return;
    }
    g_mutex_unlock(&agent->lock);
    /* one iteration by hand, so that the wait's own bound needs no timer source */
    g_main_context_prepare(agent->ctx, &maxPriority);
    nfds = g_main_context_query(agent->ctx, maxPriority, &timeout, fds, G_N_ELEMENTS(fds));
    ms = (wake - g_get_monotonic_time() + 999) / 1000;
    ms = CLAMP(ms, 0, G_MAXINT);
    if (timeout < 0 || timeout > ms)
        timeout = (gint)ms;
    g_poll(fds, (guint)MIN(nfds, (gint)G_N_ELEMENTS(fds)), timeout);
    if (g_main_context_check(agent->ctx, maxPriority, fds, MIN(nfds, (gint)G_N_ELEMENTS(fds))))
        g_main_context_dispatch(agent->ctx);
    g_mutex_lock(&agent->lock);
    g_main_context_release(agent->ctx);
    /* another waiter may now drive the context */
    if (agent->condWaiters)
        g_cond_broadcast(&agent->cond);
}

/* Wake whoever waits: a driving thread blocked in poll, or one on the condition. */
static void qemuAgentKick(qemuAgent *agent)
{
    if (agent->condWaiters)
        g_cond_broadcast(&agent->cond);
    /* the driving thread itself re-checks after this dispatch anyway */
    if (!g_main_context_is_owner(agent->ctx))
        g_main_context_wakeup(agent->ctx);
}

/* Send a command and wait for its reply (or event, or write), within its bound.
 * Returns the reply object (or NULL with *done-without-data for nowait), -1 on error. */
static int qemuAgentRun(qemuAgent *agent, const qemuAgentCall *call, qvJSONValue *arguments,
                        const char *rawText, qvJSONValue **reply)
{
    g_autoptr(qemuAgentMessage) msg = g_new0(qemuAgentMessage, 1);
    int timeout, code;
    g_autofree char *errMsg = NULL;

    *reply = NULL;
    if (g_main_context_is_owner(agent->ctx)) {
        qvJSONFree(arguments);
        qvReportError(QV_ERR_INTERNAL_ERROR, "%s",
                      _("guest agent commands cannot be sent from the agent's own callbacks"));
        return -1;
    }
    msg->id = g_strdup_printf(QEMU_AGENT_ID_FORMAT, qemuAgentRandom64());
    if (rawText) {
        g_autofree char *err = NULL;
        g_autoptr(qvJSONValue) cmd = qvJSONParse(rawText, strlen(rawText), 64, &err);
        const char *exec = cmd ? qvJSONGetString(qvJSONObjectGet(cmd, "execute")) : NULL;

        if (!cmd || qvJSONGetType(cmd) != QV_JSON_OBJECT || !exec) {
            qvReportError(QV_ERR_INVALID_ARG,
                          _("guest agent command must be a JSON object with 'execute': %s"),
                          cmd ? _("no 'execute'") : err);
            return -1;
        }
        msg->name = g_strdup(exec);
        /* our id replaces any the caller gave, so that the reply is matched to it */
        qvJSONFree(qvJSONObjectSteal(cmd, "id"));
        qvJSONObjectAppend(cmd, "id", qvJSONNewString(msg->id));
        msg->text = qvJSONFormat(cmd, false);
    } else if (!arguments) {
        /* the common case, without building a tree: names and ids need no escaping */
        msg->name = g_strdup(call->name);
        msg->text = g_strdup_printf("{\"execute\":\"%s\",\"id\":\"%s\"}", call->name, msg->id);
    } else {
        g_autoptr(qvJSONValue) cmd = qvJSONNewObject();

        msg->name = g_strdup(call->name);
        qvJSONObjectAdd(cmd, "s:execute", call->name, "a:arguments", arguments, "s:id", msg->id,
                        NULL);
        msg->text = qvJSONFormat(cmd, false);
    }
    msg->awaitEvent = call->awaitEvent;
    msg->liveness = call->liveness || call->awaitEvent != QEMU_AGENT_EVENT_NONE;
    msg->priority = call->priority;

    qemuAgentRef(agent);
    g_mutex_lock(&agent->lock);
    msg->maxReply = call->big ? agent->cfg.maxBigReplyBytes : agent->cfg.maxReplyBytes;
    timeout = qemuAgentEffectiveTimeout(agent, call);
    msg->nowait = timeout == 0 && !msg->awaitEvent;
    msg->start = g_get_monotonic_time();
    msg->timeoutMs = timeout ? timeout : agent->cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_SYNC];
    msg->deadline = msg->start + (gint64)msg->timeoutMs * 1000;

    if (agent->eof || agent->fd < 0) {
        code = QV_ERR_AGENT_NOT_CONNECTED;
        errMsg = g_strdup(_("the connection to the guest agent is closed"));
    } else if (agent->channelClosed) {
        code = QV_ERR_AGENT_NOT_CONNECTED;
        errMsg =
            g_strdup(_("the guest agent channel is closed: qemu-ga is not running in the guest"));
    } else if (agent->quarantined) {
        code = QV_ERR_AGENT_QUARANTINED;
        errMsg = g_strdup(_(
            "the guest agent is quarantined after hostile replies, until its channel reconnects"));
    } else {
        if (msg->priority)
            g_queue_push_head(&agent->queue, msg);
        else
            g_queue_push_tail(&agent->queue, msg);
        qemuAgentStartNext(agent);
        while (!msg->done) {
            gint64 now = g_get_monotonic_time();
            gint64 wake = msg->deadline;

            if (agent->current == msg && agent->phase == PHASE_SYNC)
                wake = MIN(wake, agent->syncDeadline);
            if (now >= wake) {
                qemuAgentTimeoutLocked(agent, msg, now);
                break;
            }
            qemuAgentWaitLocked(agent, wake);
        }
        code = msg->errCode;
        errMsg = g_steal_pointer(&msg->errMsg);
        *reply = g_steal_pointer(&msg->reply);
    }
    g_mutex_unlock(&agent->lock);
    qemuAgentUnref(agent);

    if (code) {
        qvReportError(code, "%s", errMsg);
        return -1;
    }
    return 0;
}

static int qemuAgentCommand(qemuAgent *agent, const qemuAgentCall *call, qvJSONValue *arguments,
                            qvJSONValue **ret)
{
    g_autoptr(qvJSONValue) reply = NULL;

    *ret = NULL;
    if (qemuAgentRun(agent, call, arguments, NULL, &reply) < 0)
        return -1;
    if (!reply && call->noResult)
        return 0;
    if (!reply) {
        qvReportError(QV_ERR_AGENT_COMMAND_TIMEOUT,
                      _("'%s' was sent without waiting for its reply (agent timeout 0, NOWAIT)"),
                      call->name);
        return -1;
    }
    *ret = qvJSONObjectSteal(reply, "return");
    return 0;
}

static int qemuAgentMalformed(const char *cmd, const char *what)
{
    qvReportError(QV_ERR_AGENT_MALFORMED_REPLY, _("reply to '%s': %s"), cmd, what);
    return -1;
}

int qemuAgentArbitraryCommand(qemuAgent *agent, const char *cmd, int timeout, char **result)
{
    qemuAgentCall call = { .name = NULL, .raw = true, .timeout = timeout, .big = true };
    g_autoptr(qvJSONValue) reply = NULL;

    *result = NULL;
    if (timeout < QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK) {
        qvReportError(QV_ERR_INVALID_ARG,
                      _("guest agent timeout '%d' is less than the minimum '%d'"), timeout,
                      QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK);
        return -1;
    }
    if (qemuAgentRun(agent, &call, NULL, cmd, &reply) < 0)
        return -1;
    if (reply) {
        /* the caller's own view: no id of ours in it */
        qvJSONFree(qvJSONObjectSteal(reply, "id"));
        *result = qvJSONFormat(reply, false);
    }
    return 0;
}

/* ---- typed commands ---- */

#define CALL(n, k)                \
    {                             \
        .name = (n), .klass = (k) \
    }

int qemuAgentPing(qemuAgent *agent)
{
    qemuAgentCall call = CALL("guest-ping", QEMU_AGENT_TIMEOUT_QUERY);
    g_autoptr(qvJSONValue) ret = NULL;

    call.noResult = true;
    return qemuAgentCommand(agent, &call, NULL, &ret);
}

void qemuAgentInfoFree(qemuAgentInfo *info)
{
    size_t i;

    if (!info)
        return;
    for (i = 0; i < info->ncommands; i++)
        g_free(info->commands[i].name);
    g_free(info->commands);
    g_free(info->version);
    g_free(info);
}

/* A required string member, or a typed error naming it. */
static const char *qemuAgentGetStr(const qvJSONValue *obj, const char *cmd, const char *key,
                                   bool required, bool *ok)
{
    qvJSONValue *v = qvJSONObjectGet(obj, key);
    const char *s = qvJSONGetString(v);

    if ((!v && required) || (v && !s)) {
        g_autofree char *what =
            g_strdup_printf(v ? _("'%s' is not a string") : _("'%s' is missing"), key);

        qemuAgentMalformed(cmd, what);
        *ok = false;
    }
    return s;
}

static bool qemuAgentGetBool(const qvJSONValue *obj, const char *cmd, const char *key,
                             bool required, bool *out)
{
    qvJSONValue *v = qvJSONObjectGet(obj, key);

    if (!v && !required)
        return true;
    if (qvJSONGetBoolean(v, out) < 0) {
        g_autofree char *what = g_strdup_printf(_("'%s' is missing or not a boolean"), key);

        qemuAgentMalformed(cmd, what);
        return false;
    }
    return true;
}

static bool qemuAgentGetUIntMember(const qvJSONValue *obj, const char *cmd, const char *key,
                                   bool required, unsigned int *out)
{
    qvJSONValue *v = qvJSONObjectGet(obj, key);

    if (!v && !required)
        return true;
    if (qvJSONGetUInt(v, out) < 0) {
        g_autofree char *what =
            g_strdup_printf(_("'%s' is missing or not an unsigned 32-bit integer"), key);

        qemuAgentMalformed(cmd, what);
        return false;
    }
    return true;
}

static qvJSONValue *qemuAgentExpect(qvJSONValue *v, qvJSONType type, const char *cmd,
                                    const char *what)
{
    if (!v || qvJSONGetType(v) != type) {
        g_autofree char *msg = g_strdup_printf(
            type == QV_JSON_ARRAY ? _("%s is not an array") : _("%s is not an object"), what);

        qemuAgentMalformed(cmd, msg);
        return NULL;
    }
    return v;
}

/* An argument-less query whose answer is an array; inventories (the
 * INVENTORY class) may be as large as the inventory line cap. */
static int qemuAgentCommandList(qemuAgent *agent, qemuAgentCall *call, qvJSONValue **ret)
{
    call->big = call->klass == QEMU_AGENT_TIMEOUT_INVENTORY;
    if (qemuAgentCommand(agent, call, NULL, ret) < 0 ||
        !qemuAgentExpect(*ret, QV_JSON_ARRAY, call->name, "'return'"))
        return -1;
    return 0;
}

int qemuAgentGetInfo(qemuAgent *agent, qemuAgentInfo **info)
{
    qemuAgentCall call = CALL("guest-info", QEMU_AGENT_TIMEOUT_QUERY);
    g_autoptr(qvJSONValue) ret = NULL;
    g_autoptr(qemuAgentInfo) res = g_new0(qemuAgentInfo, 1);
    qvJSONValue *cmds;
    bool ok = true;
    size_t i;

    *info = NULL;
    if (qemuAgentCommand(agent, &call, NULL, &ret) < 0)
        return -1;
    if (!qemuAgentExpect(ret, QV_JSON_OBJECT, call.name, "'return'"))
        return -1;
    res->version = g_strdup(qemuAgentGetStr(ret, call.name, "version", true, &ok));
    if (!ok || !(cmds = qemuAgentExpect(qvJSONObjectGet(ret, "supported_commands"), QV_JSON_ARRAY,
                                        call.name, "'supported_commands'")))
        return -1;
    res->commands = g_new0(qemuAgentCommandInfo, qvJSONArraySize(cmds));
    for (i = 0; i < qvJSONArraySize(cmds); i++) {
        qvJSONValue *c = qvJSONArrayGet(cmds, i);
        qemuAgentCommandInfo *ci = &res->commands[res->ncommands];

        if (!qemuAgentExpect(c, QV_JSON_OBJECT, call.name, "a supported command"))
            return -1;
        ci->name = g_strdup(qemuAgentGetStr(c, call.name, "name", true, &ok));
        res->ncommands++;
        ci->successResponse = true;
        if (!ok || !qemuAgentGetBool(c, call.name, "enabled", true, &ci->enabled) ||
            !qemuAgentGetBool(c, call.name, "success-response", false, &ci->successResponse))
            return -1;
    }
    *info = g_steal_pointer(&res);
    return 0;
}

static int qemuAgentCountReply(const char *cmd, qvJSONValue *ret)
{
    int n;

    if (qvJSONGetInt(ret, &n) < 0 || n < 0)
        return qemuAgentMalformed(cmd, _("expected a non-negative count"));
    return n;
}

int qemuAgentFSFreeze(qemuAgent *agent, const char *const *mountpoints, size_t nmountpoints)
{
    qemuAgentCall call = CALL(mountpoints ? "guest-fsfreeze-freeze-list" : "guest-fsfreeze-freeze",
                              QEMU_AGENT_TIMEOUT_FREEZE);
    g_autoptr(qvJSONValue) ret = NULL;
    qvJSONValue *args = NULL;
    size_t i;

    call.liveness = true;
    if (mountpoints) {
        qvJSONValue *list = qvJSONNewArray();

        for (i = 0; i < nmountpoints; i++)
            qvJSONArrayAppend(list, qvJSONNewString(mountpoints[i]));
        args = qvJSONNewObject();
        qvJSONObjectAdd(args, "a:mountpoints", list, NULL);
    }
    if (qemuAgentCommand(agent, &call, args, &ret) < 0)
        return -1;
    return qemuAgentCountReply(call.name, ret);
}

int qemuAgentFSThaw(qemuAgent *agent, bool priority)
{
    qemuAgentCall call = CALL("guest-fsfreeze-thaw", QEMU_AGENT_TIMEOUT_THAW);
    g_autoptr(qvJSONValue) ret = NULL;

    call.priority = priority;
    if (qemuAgentCommand(agent, &call, NULL, &ret) < 0)
        return -1;
    return qemuAgentCountReply(call.name, ret);
}

int qemuAgentFSFreezeStatusGet(qemuAgent *agent, qemuAgentFSFreezeStatus *status)
{
    qemuAgentCall call = CALL("guest-fsfreeze-status", QEMU_AGENT_TIMEOUT_QUERY);
    g_autoptr(qvJSONValue) ret = NULL;
    const char *s;

    if (qemuAgentCommand(agent, &call, NULL, &ret) < 0)
        return -1;
    if (!(s = qvJSONGetString(ret)))
        return qemuAgentMalformed(call.name, _("expected a string"));
    if (STREQ(s, "thawed"))
        *status = QEMU_AGENT_FSFREEZE_THAWED;
    else if (STREQ(s, "frozen"))
        *status = QEMU_AGENT_FSFREEZE_FROZEN;
    else
        return qemuAgentMalformed(call.name, _("unknown freeze status"));
    return 0;
}

int qemuAgentGetTime(qemuAgent *agent, long long *seconds, unsigned int *nseconds)
{
    qemuAgentCall call = CALL("guest-get-time", QEMU_AGENT_TIMEOUT_QUERY);
    g_autoptr(qvJSONValue) ret = NULL;
    long long ns;

    if (qemuAgentCommand(agent, &call, NULL, &ret) < 0)
        return -1;
    if (qvJSONGetLLong(ret, &ns) < 0 || ns < 0)
        return qemuAgentMalformed(call.name, _("expected nanoseconds since the epoch"));
    *seconds = ns / 1000000000LL;
    *nseconds = (unsigned int)(ns % 1000000000LL);
    return 0;
}

int qemuAgentSetTime(qemuAgent *agent, long long seconds, unsigned int nseconds, bool sync)
{
    qemuAgentCall call = CALL("guest-set-time", QEMU_AGENT_TIMEOUT_MODIFY);
    g_autoptr(qvJSONValue) ret = NULL;
    qvJSONValue *args = NULL;

    call.noResult = true;
    if (!sync) {
        if (seconds < 0 || seconds > LLONG_MAX / 1000000000LL - 1 || nseconds >= 1000000000U) {
            qvReportError(QV_ERR_INVALID_ARG,
                          _("time %lld.%09u is out of range for the guest agent"), seconds,
                          nseconds);
            return -1;
        }
        args = qvJSONNewObject();
        qvJSONObjectAdd(args, "I:time", seconds * 1000000000LL + nseconds, NULL);
    }
    return qemuAgentCommand(agent, &call, args, &ret);
}

int qemuAgentGetOSInfo(qemuAgent *agent, char ***keys, char ***values)
{
    qemuAgentCall call = CALL("guest-get-osinfo", QEMU_AGENT_TIMEOUT_QUERY);
    g_autoptr(qvJSONValue) ret = NULL;
    g_autoptr(GPtrArray) k = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);
    size_t i;

    *keys = *values = NULL;
    if (qemuAgentCommand(agent, &call, NULL, &ret) < 0 ||
        !qemuAgentExpect(ret, QV_JSON_OBJECT, call.name, "'return'"))
        return -1;
    for (i = 0; i < qvJSONObjectSize(ret); i++) {
        const char *s = qvJSONGetString(qvJSONObjectValue(ret, i));

        /* every field is an optional string; anything else is not passed on */
        if (!s)
            continue;
        g_ptr_array_add(k, g_strdup(qvJSONObjectKey(ret, i)));
        g_ptr_array_add(v, g_strdup(s));
    }
    g_ptr_array_set_free_func(k, NULL);
    g_ptr_array_set_free_func(v, NULL);
    g_ptr_array_add(k, NULL);
    g_ptr_array_add(v, NULL);
    *keys = (char **)g_ptr_array_free(g_steal_pointer(&k), FALSE);
    *values = (char **)g_ptr_array_free(g_steal_pointer(&v), FALSE);
    return 0;
}

int qemuAgentGetHostname(qemuAgent *agent, char **hostname)
{
    qemuAgentCall call = CALL("guest-get-host-name", QEMU_AGENT_TIMEOUT_QUERY);
    g_autoptr(qvJSONValue) ret = NULL;
    bool ok = true;
    const char *name;

    *hostname = NULL;
    if (qemuAgentCommand(agent, &call, NULL, &ret) < 0 ||
        !qemuAgentExpect(ret, QV_JSON_OBJECT, call.name, "'return'"))
        return -1;
    name = qemuAgentGetStr(ret, call.name, "host-name", true, &ok);
    if (!ok)
        return -1;
    *hostname = g_strdup(name);
    return 0;
}

void qemuAgentUsersFree(qemuAgentUser *users, size_t n)
{
    size_t i;

    for (i = 0; users && i < n; i++) {
        g_free(users[i].name);
        g_free(users[i].domain);
    }
    g_free(users);
}

int qemuAgentGetUsers(qemuAgent *agent, qemuAgentUser **users, size_t *nusers)
{
    qemuAgentCall call = CALL("guest-get-users", QEMU_AGENT_TIMEOUT_QUERY);
    g_autoptr(qvJSONValue) ret = NULL;
    qemuAgentUser *res;
    size_t i, n = 0;

    *users = NULL;
    *nusers = 0;
    if (qemuAgentCommandList(agent, &call, &ret) < 0)
        return -1;
    res = g_new0(qemuAgentUser, qvJSONArraySize(ret) + 1);
    for (i = 0; i < qvJSONArraySize(ret); i++) {
        qvJSONValue *u = qvJSONArrayGet(ret, i);
        qvJSONValue *lt;
        bool ok = true;
        double t;

        if (!qemuAgentExpect(u, QV_JSON_OBJECT, call.name, "a user"))
            goto error;
        res[n].name = g_strdup(qemuAgentGetStr(u, call.name, "user", true, &ok));
        res[n].domain = g_strdup(qemuAgentGetStr(u, call.name, "domain", false, &ok));
        n++;
        lt = qvJSONObjectGet(u, "login-time");
        /* seconds as a float; kept in milliseconds, range-checked */
        if (!ok || qvJSONGetDouble(lt, &t) < 0 || t < 0 || t > 1e13) {
            if (ok)
                qemuAgentMalformed(call.name, _("'login-time' is missing or out of range"));
            goto error;
        }
        res[n - 1].loginTime = (unsigned long long)(t * 1000);
    }
    *users = res;
    *nusers = n;
    return 0;

error:
    qemuAgentUsersFree(res, n);
    return -1;
}

int qemuAgentGetTimezone(qemuAgent *agent, char **zone, int *offset)
{
    qemuAgentCall call = CALL("guest-get-timezone", QEMU_AGENT_TIMEOUT_QUERY);
    g_autoptr(qvJSONValue) ret = NULL;
    bool ok = true;
    const char *z;

    *zone = NULL;
    if (qemuAgentCommand(agent, &call, NULL, &ret) < 0 ||
        !qemuAgentExpect(ret, QV_JSON_OBJECT, call.name, "'return'"))
        return -1;
    z = qemuAgentGetStr(ret, call.name, "zone", false, &ok);
    if (!ok)
        return -1;
    if (qvJSONGetInt(qvJSONObjectGet(ret, "offset"), offset) < 0 || *offset < -86400 ||
        *offset > 86400)
        return qemuAgentMalformed(call.name, _("'offset' is missing or out of range"));
    *zone = g_strdup(z);
    return 0;
}

void qemuAgentFSInfoFree(qemuAgentFSInfo *info, size_t n)
{
    size_t i, j;

    for (i = 0; info && i < n; i++) {
        g_free(info[i].mountpoint);
        g_free(info[i].name);
        g_free(info[i].fstype);
        for (j = 0; j < info[i].ndisks; j++) {
            g_free(info[i].disks[j].alias);
            g_free(info[i].disks[j].serial);
            g_free(info[i].disks[j].devnode);
            g_free(info[i].disks[j].bus);
        }
        g_free(info[i].disks);
    }
    g_free(info);
}

static bool qemuAgentParseFSDisk(qvJSONValue *d, const char *cmd, qemuAgentFSDisk *disk)
{
    qvJSONValue *pci = qvJSONObjectGet(d, "pci-controller");
    bool ok = true;

    if (!qemuAgentExpect(d, QV_JSON_OBJECT, cmd, "a disk"))
        return false;
    disk->bus = g_strdup(qemuAgentGetStr(d, cmd, "bus-type", true, &ok));
    disk->serial = g_strdup(qemuAgentGetStr(d, cmd, "serial", false, &ok));
    disk->devnode = g_strdup(qemuAgentGetStr(d, cmd, "dev", false, &ok));
    if (!ok || !qemuAgentGetUIntMember(d, cmd, "target", true, &disk->target) ||
        !qemuAgentGetUIntMember(d, cmd, "unit", true, &disk->unit) ||
        !qemuAgentExpect(pci, QV_JSON_OBJECT, cmd, "'pci-controller'") ||
        !qemuAgentGetUIntMember(pci, cmd, "domain", true, &disk->pciDomain) ||
        !qemuAgentGetUIntMember(pci, cmd, "bus", true, &disk->pciBus) ||
        !qemuAgentGetUIntMember(pci, cmd, "slot", true, &disk->pciSlot) ||
        !qemuAgentGetUIntMember(pci, cmd, "function", true, &disk->pciFunction))
        return false;
    if (disk->devnode && g_str_has_prefix(disk->devnode, "/dev/"))
        disk->alias = g_strdup(disk->devnode + 5);
    return true;
}

int qemuAgentGetFSInfo(qemuAgent *agent, qemuAgentFSInfo **info, size_t *ninfo)
{
    qemuAgentCall call = CALL("guest-get-fsinfo", QEMU_AGENT_TIMEOUT_INVENTORY);
    g_autoptr(qvJSONValue) ret = NULL;
    qemuAgentFSInfo *res;
    size_t i, j, n = 0, count;

    *info = NULL;
    *ninfo = 0;
    if (qemuAgentCommandList(agent, &call, &ret) < 0)
        return -1;
    count = qvJSONArraySize(ret);
    res = g_new0(qemuAgentFSInfo, count + 1);
    /* qemu-ga lists the filesystems last-mounted first: report them in mount order */
    for (i = 0; i < count; i++) {
        qvJSONValue *fs = qvJSONArrayGet(ret, count - 1 - i);
        qemuAgentFSInfo *f = &res[n];
        qvJSONValue *disks, *v;
        bool ok = true;
        unsigned long long u;

        if (!qemuAgentExpect(fs, QV_JSON_OBJECT, call.name, "a filesystem"))
            goto error;
        n++;
        f->mountpoint = g_strdup(qemuAgentGetStr(fs, call.name, "mountpoint", true, &ok));
        f->name = g_strdup(qemuAgentGetStr(fs, call.name, "name", true, &ok));
        f->fstype = g_strdup(qemuAgentGetStr(fs, call.name, "type", true, &ok));
        f->totalBytes = f->usedBytes = -1;
        if (!ok)
            goto error;
        if ((v = qvJSONObjectGet(fs, "total-bytes"))) {
            if (qvJSONGetULLong(v, &u) < 0 || u > LLONG_MAX) {
                qemuAgentMalformed(call.name, _("'total-bytes' is out of range"));
                goto error;
            }
            f->totalBytes = (long long)u;
        }
        if ((v = qvJSONObjectGet(fs, "used-bytes"))) {
            if (qvJSONGetULLong(v, &u) < 0 || u > LLONG_MAX) {
                qemuAgentMalformed(call.name, _("'used-bytes' is out of range"));
                goto error;
            }
            f->usedBytes = (long long)u;
        }
        if (!(disks =
                  qemuAgentExpect(qvJSONObjectGet(fs, "disk"), QV_JSON_ARRAY, call.name, "'disk'")))
            goto error;
        f->disks = g_new0(qemuAgentFSDisk, qvJSONArraySize(disks) + 1);
        for (j = 0; j < qvJSONArraySize(disks); j++) {
            f->ndisks++;
            if (!qemuAgentParseFSDisk(qvJSONArrayGet(disks, j), call.name, &f->disks[j]))
                goto error;
        }
    }
    *info = res;
    *ninfo = n;
    return 0;

error:
    qemuAgentFSInfoFree(res, n);
    return -1;
}

void qemuAgentDisksFree(qemuAgentDiskInfo *disks, size_t n)
{
    size_t i;

    for (i = 0; disks && i < n; i++) {
        g_free(disks[i].name);
        g_free(disks[i].alias);
        g_strfreev(disks[i].dependencies);
    }
    g_free(disks);
}

int qemuAgentGetDisks(qemuAgent *agent, qemuAgentDiskInfo **disks, size_t *ndisks)
{
    qemuAgentCall call = CALL("guest-get-disks", QEMU_AGENT_TIMEOUT_INVENTORY);
    g_autoptr(qvJSONValue) ret = NULL;
    qemuAgentDiskInfo *res;
    size_t i, j, n = 0;

    *disks = NULL;
    *ndisks = 0;
    if (qemuAgentCommandList(agent, &call, &ret) < 0)
        return -1;
    res = g_new0(qemuAgentDiskInfo, qvJSONArraySize(ret) + 1);
    for (i = 0; i < qvJSONArraySize(ret); i++) {
        qvJSONValue *d = qvJSONArrayGet(ret, i);
        qvJSONValue *deps, *addr;
        bool ok = true;

        if (!qemuAgentExpect(d, QV_JSON_OBJECT, call.name, "a disk"))
            goto error;
        n++;
        res[i].name = g_strdup(qemuAgentGetStr(d, call.name, "name", true, &ok));
        res[i].alias = g_strdup(qemuAgentGetStr(d, call.name, "alias", false, &ok));
        if (!ok || !qemuAgentGetBool(d, call.name, "partition", true, &res[i].partition))
            goto error;
        if ((addr = qvJSONObjectGet(d, "address")) && !res[i].alias) {
            const char *dev = qvJSONGetString(qvJSONObjectGet(addr, "dev"));

            if (dev && g_str_has_prefix(dev, "/dev/"))
                res[i].alias = g_strdup(dev + 5);
        }
        if ((deps = qvJSONObjectGet(d, "dependencies"))) {
            if (!qemuAgentExpect(deps, QV_JSON_ARRAY, call.name, "'dependencies'"))
                goto error;
            res[i].dependencies = g_new0(char *, qvJSONArraySize(deps) + 1);
            for (j = 0; j < qvJSONArraySize(deps); j++) {
                const char *s = qvJSONGetString(qvJSONArrayGet(deps, j));

                if (!s) {
                    qemuAgentMalformed(call.name, _("a dependency is not a string"));
                    goto error;
                }
                res[i].dependencies[j] = g_strdup(s);
            }
        }
    }
    *disks = res;
    *ndisks = n;
    return 0;

error:
    qemuAgentDisksFree(res, n);
    return -1;
}

void qemuAgentInterfacesFree(qemuAgentInterface *ifaces, size_t n)
{
    size_t i, j;

    for (i = 0; ifaces && i < n; i++) {
        g_free(ifaces[i].name);
        g_free(ifaces[i].hwaddr);
        for (j = 0; j < ifaces[i].naddrs; j++)
            g_free(ifaces[i].addrs[j].address);
        g_free(ifaces[i].addrs);
    }
    g_free(ifaces);
}

/* Aliases such as "eth0:1" belong to "eth0": merge them, as libvirt does. */
static qemuAgentInterface *qemuAgentFindIface(qemuAgentInterface *ifaces, size_t n,
                                              const char *name)
{
    size_t i;
    size_t len = strcspn(name, ":");

    for (i = 0; i < n; i++) {
        if (strlen(ifaces[i].name) == len && strncmp(ifaces[i].name, name, len) == 0)
            return &ifaces[i];
    }
    return NULL;
}

int qemuAgentGetInterfaces(qemuAgent *agent, qemuAgentInterface **ifaces, size_t *nifaces)
{
    qemuAgentCall call = CALL("guest-network-get-interfaces", QEMU_AGENT_TIMEOUT_INVENTORY);
    g_autoptr(qvJSONValue) ret = NULL;
    qemuAgentInterface *res;
    size_t i, j, n = 0;

    *ifaces = NULL;
    *nifaces = 0;
    if (qemuAgentCommandList(agent, &call, &ret) < 0)
        return -1;
    res = g_new0(qemuAgentInterface, qvJSONArraySize(ret) + 1);
    for (i = 0; i < qvJSONArraySize(ret); i++) {
        qvJSONValue *e = qvJSONArrayGet(ret, i);
        qvJSONValue *addrs;
        qemuAgentInterface *iface;
        const char *name, *hw;
        bool ok = true;

        if (!qemuAgentExpect(e, QV_JSON_OBJECT, call.name, "an interface"))
            goto error;
        name = qemuAgentGetStr(e, call.name, "name", true, &ok);
        hw = qemuAgentGetStr(e, call.name, "hardware-address", false, &ok);
        if (!ok)
            goto error;
        if (!(iface = qemuAgentFindIface(res, n, name))) {
            iface = &res[n++];
            iface->name = g_strndup(name, strcspn(name, ":"));
            iface->hwaddr = g_strdup(hw);
        }
        if (!(addrs = qvJSONObjectGet(e, "ip-addresses")))
            continue;
        if (!qemuAgentExpect(addrs, QV_JSON_ARRAY, call.name, "'ip-addresses'"))
            goto error;
        iface->addrs =
            g_renew(qemuAgentIPAddress, iface->addrs, iface->naddrs + qvJSONArraySize(addrs));
        for (j = 0; j < qvJSONArraySize(addrs); j++) {
            qvJSONValue *a = qvJSONArrayGet(addrs, j);
            qemuAgentIPAddress *ip = &iface->addrs[iface->naddrs];
            const char *type, *addr;

            if (!qemuAgentExpect(a, QV_JSON_OBJECT, call.name, "an address"))
                goto error;
            type = qemuAgentGetStr(a, call.name, "ip-address-type", true, &ok);
            addr = qemuAgentGetStr(a, call.name, "ip-address", true, &ok);
            if (!ok || !qemuAgentGetUIntMember(a, call.name, "prefix", true, &ip->prefix))
                goto error;
            if (STRNEQ(type, "ipv4") && STRNEQ(type, "ipv6")) {
                qemuAgentMalformed(call.name, _("unknown 'ip-address-type'"));
                goto error;
            }
            ip->ipv6 = STREQ(type, "ipv6");
            if (ip->prefix > (ip->ipv6 ? 128U : 32U)) {
                qemuAgentMalformed(call.name, _("'prefix' is out of range"));
                goto error;
            }
            ip->address = g_strdup(addr);
            iface->naddrs++;
        }
    }
    *ifaces = res;
    *nifaces = n;
    return 0;

error:
    qemuAgentInterfacesFree(res, n);
    return -1;
}

int qemuAgentGetVCPUs(qemuAgent *agent, qemuAgentCPUInfo **cpus, size_t *ncpus)
{
    qemuAgentCall call = CALL("guest-get-vcpus", QEMU_AGENT_TIMEOUT_QUERY);
    g_autoptr(qvJSONValue) ret = NULL;
    g_autofree qemuAgentCPUInfo *res = NULL;
    size_t i;

    *cpus = NULL;
    *ncpus = 0;
    if (qemuAgentCommandList(agent, &call, &ret) < 0)
        return -1;
    res = g_new0(qemuAgentCPUInfo, qvJSONArraySize(ret) + 1);
    for (i = 0; i < qvJSONArraySize(ret); i++) {
        qvJSONValue *c = qvJSONArrayGet(ret, i);

        if (!qemuAgentExpect(c, QV_JSON_OBJECT, call.name, "a vCPU") ||
            !qemuAgentGetUIntMember(c, call.name, "logical-id", true, &res[i].id) ||
            !qemuAgentGetBool(c, call.name, "online", true, &res[i].online) ||
            !qemuAgentGetBool(c, call.name, "can-offline", false, &res[i].offlinable))
            return -1;
        if (!res[i].online && !res[i].offlinable && qvJSONObjectGet(c, "can-offline"))
            return qemuAgentMalformed(call.name, _("a vCPU is offline but cannot be offlined"));
    }
    *ncpus = qvJSONArraySize(ret);
    *cpus = g_steal_pointer(&res);
    return 0;
}

int qemuAgentSetVCPUs(qemuAgent *agent, const qemuAgentCPUInfo *cpus, size_t ncpus)
{
    qemuAgentCall call = CALL("guest-set-vcpus", QEMU_AGENT_TIMEOUT_MODIFY);
    g_autoptr(qvJSONValue) ret = NULL;
    qvJSONValue *args = qvJSONNewObject();
    qvJSONValue *list = qvJSONNewArray();
    int n;
    size_t i;

    for (i = 0; i < ncpus; i++) {
        qvJSONValue *c = qvJSONNewObject();

        qvJSONObjectAdd(c, "u:logical-id", cpus[i].id, "b:online", cpus[i].online, NULL);
        qvJSONArrayAppend(list, c);
    }
    qvJSONObjectAdd(args, "a:vcpus", list, NULL);
    if (qemuAgentCommand(agent, &call, args, &ret) < 0)
        return -1;
    if ((n = qemuAgentCountReply(call.name, ret)) < 0)
        return -1;
    if ((size_t)n > ncpus)
        return qemuAgentMalformed(call.name, _("the guest changed more vCPUs than asked"));
    return n;
}

int qemuAgentSetUserPassword(qemuAgent *agent, const char *user, const char *password, bool crypted)
{
    qemuAgentCall call = CALL("guest-set-user-password", QEMU_AGENT_TIMEOUT_MODIFY);
    g_autoptr(qvJSONValue) ret = NULL;
    g_autofree char *b64 = g_base64_encode((const guchar *)password, strlen(password));
    qvJSONValue *args = qvJSONNewObject();

    call.noResult = true;
    qvJSONObjectAdd(args, "b:crypted", crypted, "s:username", user, "s:password", b64, NULL);
    /* the password is in the command text: the message is never logged */
    return qemuAgentCommand(agent, &call, args, &ret);
}

static int qemuAgentPowerCommand(qemuAgent *agent, const char *name, qvJSONValue *args,
                                 qemuAgentEvent event)
{
    qemuAgentCall call = CALL(name, QEMU_AGENT_TIMEOUT_POWER);
    g_autoptr(qvJSONValue) reply = NULL;

    call.awaitEvent = event;
    return qemuAgentRun(agent, &call, args, NULL, &reply);
}

int qemuAgentShutdown(qemuAgent *agent, qemuAgentShutdownMode mode)
{
    static const char *const modes[] = { "powerdown", "reboot", "halt" };
    qvJSONValue *args = qvJSONNewObject();

    qvJSONObjectAdd(args, "s:mode", modes[mode], NULL);
    return qemuAgentPowerCommand(agent, "guest-shutdown", args,
                                 mode == QEMU_AGENT_SHUTDOWN_REBOOT ? QEMU_AGENT_EVENT_RESET
                                                                    : QEMU_AGENT_EVENT_SHUTDOWN);
}

int qemuAgentSuspend(qemuAgent *agent, qemuAgentSuspendMode mode)
{
    static const char *const cmds[] = { "guest-suspend-ram", "guest-suspend-disk",
                                        "guest-suspend-hybrid" };

    /* suspend to disk powers the guest off: QEMU reports SHUTDOWN, not SUSPEND */
    return qemuAgentPowerCommand(agent, cmds[mode], NULL,
                                 mode == QEMU_AGENT_SUSPEND_DISK ? QEMU_AGENT_EVENT_SHUTDOWN
                                                                 : QEMU_AGENT_EVENT_SUSPEND);
}

int qemuAgentHold(qemuAgent *agent, int timeoutMs)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeoutMs * 1000;
    bool got;

    g_mutex_lock(&agent->lock);
    agent->holdWanted++;
    while ((agent->current || agent->held) && g_get_monotonic_time() < deadline)
        qemuAgentWaitLocked(agent, deadline);
    agent->holdWanted--;
    if ((got = !agent->current && !agent->held))
        agent->held = true;
    else
        qemuAgentStartNext(agent);
    g_mutex_unlock(&agent->lock);
    if (!got) {
        qvReportError(QV_ERR_AGENT_COMMAND_TIMEOUT,
                      _("the guest agent was still busy with another command after %d ms"),
                      timeoutMs);
        return -1;
    }
    return 0;
}

void qemuAgentRelease(qemuAgent *agent)
{
    g_mutex_lock(&agent->lock);
    agent->held = false;
    qemuAgentStartNext(agent);
    qemuAgentKick(agent);
    g_mutex_unlock(&agent->lock);
}
