/* qemu_monitor.c: QMP over a unix socket: commands tagged with ids and matched to their
 * replies, events parsed and dispatched in order, every wait bounded. */
#include <config.h>

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "qemu_monitor.h"
#include "qvenum.h"
#include "qverror.h"
#include "qvlinebuf.h"
#include "qvlog.h"
#include "qvsocket.h"

#define QV_FROM_THIS QV_FROM_QEMU

QV_LOG_INIT("qemu.monitor");

#define QEMU_MONITOR_READ_CHUNK 16384
#define QEMU_MONITOR_READ_BUDGET (1024 * 1024)
#define QEMU_MONITOR_MAX_DEPTH 128

QV_ENUM_IMPL(qemuMonitorEvent, QEMU_MONITOR_EVENT_LAST, "", "SHUTDOWN", "RESET", "POWERDOWN",
             "STOP", "RESUME", "SUSPEND", "WAKEUP", "VSERPORT_CHANGE", "JOB_STATUS_CHANGE",
             "BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_ERROR", "BLOCK_JOB_READY",
             "BLOCK_JOB_PENDING", QEMU_SV_EVENT_STOPPED, QEMU_SV_EVENT_FS_FREEZE);

typedef struct {
    char *cmd;
    bool done;
    qvJSONValue *reply;
    int errCode;
    char *errMsg;
} qemuMonitorMessage;

struct _qemuMonitor {
    gint refs;
    GMutex lock;
    GCond cond;
    GMainContext *ctx;
    char *name;
    int fd;
    GSource *inSrc;
    qvSocketWriter writer;
    qvLineBuffer in;
    GHashTable *pending; /* id -> qemuMonitorMessage* (owned by the waiting caller) */
    unsigned long long nextId;
    bool greeted;
    char *greetingError;
    bool eof;
    guint64 jobsConcluded; /* JOB_STATUS_CHANGE events to "concluded" so far (under lock) */
    qemuMonitorCallbacks cb;
    void *opaque;
};

qemuMonitor *qemuMonitorRef(qemuMonitor *mon)
{
    g_atomic_int_inc(&mon->refs);
    return mon;
}

static gpointer qemuMonitorRefData(gpointer data)
{
    return qemuMonitorRef(data);
}

void qemuMonitorUnref(gpointer data)
{
    qemuMonitor *mon = data;

    if (!g_atomic_int_dec_and_test(&mon->refs))
        return;
    if (mon->fd >= 0)
        close(mon->fd);
    qvSocketWriterClear(&mon->writer);
    qvLineBufferFree(&mon->in);
    g_hash_table_destroy(mon->pending);
    g_free(mon->greetingError);
    g_main_context_unref(mon->ctx);
    g_free(mon->name);
    g_cond_clear(&mon->cond);
    g_mutex_clear(&mon->lock);
    g_free(mon);
}

static void qemuMonitorFinish(qemuMonitor *mon, qemuMonitorMessage *msg, int code, char *errMsg)
{
    msg->done = true;
    msg->errCode = code;
    msg->errMsg = errMsg;
    g_cond_broadcast(&mon->cond);
}

static void qemuMonitorHandleEOF(qemuMonitor *mon)
{
    GHashTableIter iter;
    gpointer value;

    if (mon->eof)
        return;
    mon->eof = true;
    if (mon->inSrc) {
        g_source_destroy(mon->inSrc);
        g_clear_pointer(&mon->inSrc, g_source_unref);
    }
    qvSocketWriterDrop(&mon->writer);
    g_hash_table_iter_init(&iter, mon->pending);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        qemuMonitorMessage *msg = value;

        qemuMonitorFinish(
            mon, msg, QV_ERR_OPERATION_FAILED,
            g_strdup_printf(_("QEMU monitor closed while running '%s' (did QEMU exit?)"),
                            msg->cmd));
        g_hash_table_iter_remove(&iter);
    }
    g_cond_broadcast(&mon->cond);
}

/* A write that fails means QEMU is gone, but the EOF is the reader's to report: it
 * finishes the pending commands and calls the owner's eof callback outside the lock. Ending
 * the monitor here instead (as before) removed the reader, so the owner never heard of the
 * EOF at all: seen when QEMU ran 'quit' and closed the socket before the command's newline
 * was written. Shutting the socket down wakes the reader at once. */
static void qemuMonitorOnWriteError(gpointer opaque)
{
    qemuMonitor *mon = opaque;

    shutdown(mon->writer.fd, SHUT_RDWR);
}

static void qemuMonitorHandleReply(qemuMonitor *mon, qvJSONValue *val)
{
    const char *id = qvJSONGetString(qvJSONObjectGet(val, "id"));
    qvJSONValue *error = qvJSONObjectGet(val, "error");
    qemuMonitorMessage *msg;

    if (!id || !(msg = g_hash_table_lookup(mon->pending, id))) {
        /* a reply to a command whose caller gave up, or not ours at all */
        QV_DEBUG("monitor %s: dropping a reply for id '%s'", mon->name, NULLSTR(id));
        qvJSONFree(val);
        return;
    }
    g_hash_table_remove(mon->pending, id);
    if (error) {
        const char *klass = qvJSONGetString(qvJSONObjectGet(error, "class"));
        const char *desc = qvJSONGetString(qvJSONObjectGet(error, "desc"));

        if (g_strcmp0(klass, "CommandNotFound") == 0)
            qemuMonitorFinish(
                mon, msg, QV_ERR_OPERATION_UNSUPPORTED,
                g_strdup_printf(_("this QEMU does not have the command '%s'"), msg->cmd));
        else
            qemuMonitorFinish(mon, msg, QV_ERR_INTERNAL_ERROR,
                              g_strdup_printf(_("unable to execute QEMU command '%s': %s"),
                                              msg->cmd, desc ? desc : NULLSTR(klass)));
        qvJSONFree(val);
        return;
    }
    msg->reply = val;
    qemuMonitorFinish(mon, msg, 0, NULL);
}

/* Lines in arrival order; events are queued to be dispatched outside the lock. */
static void qemuMonitorProcessInput(qemuMonitor *mon, GPtrArray *events)
{
    for (;;) {
        g_autofree char *line = NULL;
        g_autofree char *err = NULL;
        qvJSONValue *val;
        size_t len;
        qvLineResult r = qvLineBufferNext(&mon->in, &line, &len);

        if (r == QV_LINE_NONE)
            return;
        if (r == QV_LINE_OVERSIZE) {
            QV_DEBUG("monitor %s: dropping a line longer than %zu bytes", mon->name,
                     mon->in.maxLine);
            continue;
        }
        if (!(val = qvJSONParse(line, len, QEMU_MONITOR_MAX_DEPTH, &err)) ||
            qvJSONGetType(val) != QV_JSON_OBJECT) {
            QV_DEBUG("monitor %s: ignoring a line that is not a JSON object: %s", mon->name,
                     err ? err : "");
            qvJSONFree(val);
            continue;
        }
        if (!mon->greeted) {
            if (qvJSONObjectGet(val, "QMP")) {
                mon->greeted = true;
            } else if (!mon->greetingError) {
                mon->greetingError = g_strdup(_("the socket did not greet as a QMP monitor"));
            }
            g_cond_broadcast(&mon->cond);
            qvJSONFree(val);
        } else if (qvJSONGetString(qvJSONObjectGet(val, "event"))) {
            g_ptr_array_add(events, val);
        } else if (qvJSONObjectGet(val, "return") || qvJSONObjectGet(val, "error")) {
            qemuMonitorHandleReply(mon, val);
        } else {
            QV_DEBUG("monitor %s: ignoring an object that is neither reply nor event", mon->name);
            qvJSONFree(val);
        }
    }
}

static bool qemuMonitorGetBoolMember(const qvJSONValue *data, const char *key, bool *out)
{
    return qvJSONGetBoolean(qvJSONObjectGet(data, key), out) == 0;
}

/* Fill the typed event; false when required members are missing or of the wrong type. */
static bool qemuMonitorParseEvent(qvJSONValue *val, qemuMonitorEvent *ev)
{
    qvJSONValue *ts = qvJSONObjectGet(val, "timestamp");
    const qvJSONValue *data = qvJSONObjectGet(val, "data");
    long long v;
    int type;

    memset(ev, 0, sizeof(*ev));
    ev->name = qvJSONGetString(qvJSONObjectGet(val, "event"));
    ev->data = data && qvJSONGetType(data) == QV_JSON_OBJECT ? data : NULL;
    data = ev->data;
    ev->offset = ev->len = -1;
    qvJSONGetLLong(qvJSONObjectGet(ts, "seconds"), &ev->seconds);
    qvJSONGetLLong(qvJSONObjectGet(ts, "microseconds"), &ev->microseconds);
    type = qemuMonitorEventTypeFromString(ev->name);
    ev->type = type > 0 ? type : QEMU_MONITOR_EVENT_OTHER;

    switch (ev->type) {
    case QEMU_MONITOR_EVENT_SHUTDOWN:
    case QEMU_MONITOR_EVENT_RESET:
        /* both members are optional in old QEMUs: absent means host-initiated */
        if (data) {
            qemuMonitorGetBoolMember(data, "guest", &ev->guest);
            ev->reason = qvJSONGetString(qvJSONObjectGet(data, "reason"));
        }
        return true;
    case QEMU_MONITOR_EVENT_QVIRT_STOPPED:
        ev->reason = qvJSONGetString(qvJSONObjectGet(data, "reason"));
        ev->error = qvJSONGetString(qvJSONObjectGet(data, "detail"));
        if (qvJSONGetLLong(qvJSONObjectGet(data, "run"), &ev->run) < 0 ||
            qvJSONGetLLong(qvJSONObjectGet(data, "started"), &ev->startedAt) < 0)
            ev->run = ev->startedAt = 0;
        return ev->reason &&
               qvJSONGetInt(qvJSONObjectGet(data, "reason-code"), &ev->reasonCode) == 0;
    case QEMU_MONITOR_EVENT_QVIRT_FS_FREEZE:
        ev->status = qvJSONGetString(qvJSONObjectGet(data, "state"));
        ev->reason = qvJSONGetString(qvJSONObjectGet(data, "reason"));
        return ev->status && ev->reason;
    case QEMU_MONITOR_EVENT_VSERPORT_CHANGE:
        ev->id = qvJSONGetString(qvJSONObjectGet(data, "id"));
        return ev->id && qemuMonitorGetBoolMember(data, "open", &ev->open);
    case QEMU_MONITOR_EVENT_JOB_STATUS_CHANGE:
        ev->id = qvJSONGetString(qvJSONObjectGet(data, "id"));
        ev->status = qvJSONGetString(qvJSONObjectGet(data, "status"));
        return ev->id && ev->status;
    case QEMU_MONITOR_EVENT_BLOCK_JOB_COMPLETED:
    case QEMU_MONITOR_EVENT_BLOCK_JOB_CANCELLED:
    case QEMU_MONITOR_EVENT_BLOCK_JOB_ERROR:
    case QEMU_MONITOR_EVENT_BLOCK_JOB_READY:
    case QEMU_MONITOR_EVENT_BLOCK_JOB_PENDING:
        ev->device = qvJSONGetString(qvJSONObjectGet(data, "device"));
        if (!ev->device)
            ev->device = qvJSONGetString(qvJSONObjectGet(data, "id"));
        ev->jobType = qvJSONGetString(qvJSONObjectGet(data, "type"));
        ev->error = qvJSONGetString(qvJSONObjectGet(data, "error"));
        if (!ev->error)
            ev->error = qvJSONGetString(qvJSONObjectGet(data, "action"));
        if (qvJSONGetLLong(qvJSONObjectGet(data, "offset"), &v) == 0 && v >= 0)
            ev->offset = v;
        if (qvJSONGetLLong(qvJSONObjectGet(data, "len"), &v) == 0 && v >= 0)
            ev->len = v;
        return ev->device != NULL;
    case QEMU_MONITOR_EVENT_POWERDOWN:
    case QEMU_MONITOR_EVENT_STOP:
    case QEMU_MONITOR_EVENT_RESUME:
    case QEMU_MONITOR_EVENT_SUSPEND:
    case QEMU_MONITOR_EVENT_WAKEUP:
    case QEMU_MONITOR_EVENT_OTHER:
    case QEMU_MONITOR_EVENT_LAST:
    default:
        return true;
    }
}

static void qemuMonitorDispatch(qemuMonitor *mon, GPtrArray *events, bool eof)
{
    guint i;

    for (i = 0; i < events->len; i++) {
        qemuMonitorEvent ev;

        if (!qemuMonitorParseEvent(events->pdata[i], &ev)) {
            QV_DEBUG("monitor %s: ignoring event %s with missing or wrong members", mon->name,
                     ev.name);
            continue;
        }
        if (ev.type == QEMU_MONITOR_EVENT_JOB_STATUS_CHANGE && STREQ(ev.status, "concluded")) {
            g_mutex_lock(&mon->lock);
            mon->jobsConcluded++;
            g_cond_broadcast(&mon->cond);
            g_mutex_unlock(&mon->lock);
        }
        if (mon->cb.event)
            mon->cb.event(mon, &ev, mon->opaque);
    }
    if (eof && mon->cb.eof)
        mon->cb.eof(mon, mon->opaque);
}

static gboolean qemuMonitorOnReadable(gint fd, GIOCondition cond, gpointer opaque)
{
    qemuMonitor *mon = opaque;
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func((GDestroyNotify)qvJSONFree);
    size_t budget = QEMU_MONITOR_READ_BUDGET;
    bool eof = false;

    g_mutex_lock(&mon->lock);
    while (budget) {
        int rc = qvSocketRead(fd, &mon->in, QEMU_MONITOR_READ_CHUNK);

        if (rc == 0)
            break;
        if (rc < 0) {
            eof = true;
            break;
        }
        budget -= MIN(budget, (size_t)rc);
        qemuMonitorProcessInput(mon, events);
    }
    if (eof)
        qemuMonitorHandleEOF(mon);
    g_mutex_unlock(&mon->lock);

    qemuMonitorDispatch(mon, events, eof);
    return eof ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static int qemuMonitorWaitGreeting(qemuMonitor *mon, gint64 deadline)
{
    g_autofree char *err = NULL;

    g_mutex_lock(&mon->lock);
    while (!mon->greeted && !mon->greetingError && !mon->eof &&
           g_cond_wait_until(&mon->cond, &mon->lock, deadline))
        ;
    if (!mon->greeted)
        err = g_strdup(mon->greetingError ? mon->greetingError
                       : mon->eof         ? _("QEMU closed the monitor before greeting")
                                          : _("QEMU did not greet on its monitor in time"));
    g_mutex_unlock(&mon->lock);
    if (err) {
        qvReportError(QV_ERR_OPERATION_FAILED, _("monitor '%s': %s"), mon->name, err);
        return -1;
    }
    return 0;
}

static qemuMonitor *qemuMonitorNew(int fd, const char *name, GMainContext *ctx,
                                   const qemuMonitorCallbacks *cb, void *opaque)
{
    qemuMonitor *mon = g_new0(qemuMonitor, 1);

    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    mon->refs = 1;
    g_mutex_init(&mon->lock);
    g_cond_init(&mon->cond);
    mon->ctx = g_main_context_ref(ctx);
    mon->name = g_strdup(name);
    mon->fd = fd;
    mon->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (cb)
        mon->cb = *cb;
    mon->opaque = opaque;
    qvLineBufferInit(&mon->in, QEMU_MONITOR_READ_CHUNK, QEMU_MONITOR_MAX_REPLY);
    qvSocketWriterInit(&mon->writer, fd, ctx, &mon->lock, NULL, qemuMonitorOnWriteError, mon,
                       qemuMonitorRefData, qemuMonitorUnref);

    mon->inSrc = g_unix_fd_source_new(fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(mon->inSrc, G_SOURCE_FUNC(qemuMonitorOnReadable), qemuMonitorRef(mon),
                          qemuMonitorUnref);
    g_source_attach(mon->inSrc, ctx);
    return mon;
}

qemuMonitor *qemuMonitorTestNew(int fd, GMainContext *ctx, const qemuMonitorCallbacks *cb,
                                void *opaque)
{
    return qemuMonitorNew(fd, "test", ctx, cb, opaque);
}

/* The greeting, then qmp_capabilities, both before deadline. */
static int qemuMonitorHandshake(qemuMonitor *mon, gint64 deadline)
{
    gint64 left;

    if (qemuMonitorWaitGreeting(mon, deadline) < 0)
        return -1;
    left = (deadline - g_get_monotonic_time()) / 1000;
    return qemuMonitorCommand(mon, "qmp_capabilities", NULL, (int)MAX(left, 1), NULL);
}

int qemuMonitorTestHandshake(qemuMonitor *mon, int timeoutMs)
{
    return qemuMonitorHandshake(mon, g_get_monotonic_time() + (gint64)timeoutMs * 1000);
}

unsigned int qemuMonitorTestOwed(qemuMonitor *mon)
{
    unsigned int owed;

    g_mutex_lock(&mon->lock);
    owed = mon->eof ? 0 : g_hash_table_size(mon->pending);
    if (!mon->eof && !mon->greeted && !mon->greetingError)
        owed++;
    g_mutex_unlock(&mon->lock);
    return owed;
}

qemuMonitor *qemuMonitorOpenFD(int fd, const char *name, GMainContext *ctx, int timeoutMs,
                               const qemuMonitorCallbacks *cb, void *opaque)
{
    qemuMonitor *mon = qemuMonitorNew(fd, name, ctx, cb, opaque);

    if (qemuMonitorHandshake(mon, g_get_monotonic_time() + (gint64)timeoutMs * 1000) < 0) {
        qemuMonitorClose(mon);
        return NULL;
    }
    QV_DEBUG("monitor %s: ready", name);
    return mon;
}

qemuMonitor *qemuMonitorOpen(const char *path, GMainContext *ctx, int timeoutMs,
                             const qemuMonitorCallbacks *cb, void *opaque)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeoutMs * 1000;
    int fd;

    if ((fd = qvSocketConnectUnix(path, deadline)) < 0)
        return NULL;
    return qemuMonitorOpenFD(fd, path, ctx, (int)MAX((deadline - g_get_monotonic_time()) / 1000, 1),
                             cb, opaque);
}

void qemuMonitorClose(qemuMonitor *mon)
{
    if (!mon)
        return;
    g_mutex_lock(&mon->lock);
    mon->cb.eof = NULL;
    mon->cb.event = NULL;
    qemuMonitorHandleEOF(mon);
    g_mutex_unlock(&mon->lock);
    qemuMonitorUnref(mon);
}

int qemuMonitorCommand(qemuMonitor *mon, const char *cmd, qvJSONValue *arguments, int timeoutMs,
                       qvJSONValue **ret)
{
    g_autoptr(qvJSONValue) req = qvJSONNewObject();
    qemuMonitorMessage msg = { .cmd = (char *)cmd };
    g_autofree char *id = NULL;
    g_autofree char *text = NULL;
    gint64 deadline;
    int code = 0;

    if (ret)
        *ret = NULL;
    if (g_main_context_is_owner(mon->ctx)) {
        qvJSONFree(arguments);
        qvReportError(QV_ERR_INTERNAL_ERROR, "%s",
                      _("QEMU monitor commands cannot be sent from the monitor's event thread"));
        return -1;
    }
    if (timeoutMs <= 0)
        timeoutMs = QEMU_MONITOR_DEFAULT_TIMEOUT_MS;
    deadline = g_get_monotonic_time() + (gint64)timeoutMs * 1000;

    qemuMonitorRef(mon);
    g_mutex_lock(&mon->lock);
    id = g_strdup_printf("qv-%llu", ++mon->nextId);
    qvJSONObjectAdd(req, "s:execute", cmd, "A:arguments", arguments, "s:id", id, NULL);
    text = qvJSONFormat(req, false);
    if (mon->eof) {
        code = QV_ERR_OPERATION_FAILED;
        msg.errMsg = g_strdup_printf(_("QEMU monitor is closed, cannot run '%s'"), cmd);
    } else {
        /* one write: QEMU acts on the command's last brace, not on the newline */
        g_autofree char *line = g_strconcat(text, "\n", NULL);

        g_hash_table_insert(mon->pending, g_strdup(id), &msg);
        qvSocketWriterQueue(&mon->writer, line, strlen(line));
        while (!msg.done) {
            if (!g_cond_wait_until(&mon->cond, &mon->lock, deadline) && !msg.done) {
                g_hash_table_remove(mon->pending, id);
                msg.errMsg =
                    g_strdup_printf(_("QEMU did not answer '%s' within %d ms"), cmd, timeoutMs);
                msg.errCode = QV_ERR_OPERATION_TIMEOUT;
                break;
            }
        }
        code = msg.errCode;
    }
    g_mutex_unlock(&mon->lock);
    qemuMonitorUnref(mon);

    if (code) {
        qvReportError(code, "%s", msg.errMsg);
        g_free(msg.errMsg);
        qvJSONFree(msg.reply);
        return -1;
    }
    if (ret)
        *ret = qvJSONObjectSteal(msg.reply, "return");
    qvJSONFree(msg.reply);
    return 0;
}

int qemuMonitorSimple(qemuMonitor *mon, const char *cmd)
{
    return qemuMonitorCommand(mon, cmd, NULL, 0, NULL);
}

int qemuMonitorQueryStatus(qemuMonitor *mon, bool *running, char **status)
{
    g_autoptr(qvJSONValue) ret = NULL;
    const char *st;

    if (qemuMonitorCommand(mon, "query-status", NULL, 0, &ret) < 0)
        return -1;
    if (qvJSONGetBoolean(qvJSONObjectGet(ret, "running"), running) < 0 ||
        !(st = qvJSONGetString(qvJSONObjectGet(ret, "status")))) {
        qvReportError(QV_ERR_INTERNAL_ERROR, "%s",
                      _("query-status reply has no 'running' or 'status'"));
        return -1;
    }
    if (status)
        *status = g_strdup(st);
    return 0;
}

int qemuMonitorGetChardevFrontends(qemuMonitor *mon, GHashTable **open)
{
    g_autoptr(qvJSONValue) ret = NULL;
    g_autoptr(GHashTable) res = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    size_t i;

    *open = NULL;
    if (qemuMonitorCommand(mon, "query-chardev", NULL, 0, &ret) < 0)
        return -1;
    for (i = 0; i < qvJSONArraySize(ret); i++) {
        qvJSONValue *c = qvJSONArrayGet(ret, i);
        const char *label = qvJSONGetString(qvJSONObjectGet(c, "label"));
        bool isOpen;

        if (!label || qvJSONGetBoolean(qvJSONObjectGet(c, "frontend-open"), &isOpen) < 0)
            continue;
        g_hash_table_insert(res, g_strdup(label), g_strdup(isOpen ? "1" : "0"));
    }
    *open = g_steal_pointer(&res);
    return 0;
}

guint64 qemuMonitorJobsConcluded(qemuMonitor *mon)
{
    guint64 n;

    g_mutex_lock(&mon->lock);
    n = mon->jobsConcluded;
    g_mutex_unlock(&mon->lock);
    return n;
}

void qemuMonitorWaitJobConcluded(qemuMonitor *mon, guint64 seen, int timeoutMs)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeoutMs * 1000;

    g_mutex_lock(&mon->lock);
    while (mon->jobsConcluded == seen && !mon->eof &&
           g_cond_wait_until(&mon->cond, &mon->lock, deadline))
        ;
    g_mutex_unlock(&mon->lock);
}
