/* qemu_process.c: domains on real QEMU, under a supervisor each.
 *
 * Each running domain has a supervisor process (qvirt_qemu_supervisor) that owns QEMU
 * as its child and serves QMP to every qvirt process; it rewrites
 * run/qemu/<name>.status on every change and holds run/qemu/<name>.lock while it
 * lives. A qvirt process therefore never needs to have started a domain to know it:
 * the lock says whether it runs, the status file says how, run/qemu/<name>.xml is its
 * live definition, and the supervisor's socket gives the monitor and its events.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <glib-unix.h>

#include "qemu_command.h"
#include "qemu_process.h"
#include "qemu_svproto.h"
#include "qverror.h"
#include "qvfault.h"
#include "qvfile.h"
#include "qvlog.h"

#define QV_FROM_THIS QV_FROM_QEMU

QV_LOG_INIT("qemu.process");

#define QEMU_LIVE_XML_MAX_BYTES (4 * 1024 * 1024)
#define QEMU_MONITOR_OPEN_TIMEOUT_MS 5000
#define QEMU_SUPERVISOR_NAME "qvirt_qemu_supervisor"

/* ---- private data ---- */

static void qemuDomainObjPrivateFree(gpointer data)
{
    qemuDomainObjPrivate *priv = data;

    if (!priv)
        return;
    /* the monitor holds a reference to the object, so it is closed by now */
    if (priv->agent)
        qemuAgentClose(priv->agent);
    qvFileUnlock(priv->agentLockFd);
    g_free(priv->agentPort);
    g_free(priv);
}

qemuDomainObjPrivate *qemuDomainObjGetPrivate(qemuDriver *driver, domainObj *obj)
{
    qemuDomainObjPrivate *priv = obj->privateData;

    if (!priv) {
        priv = g_new0(qemuDomainObjPrivate, 1);
        priv->driver = driver;
        priv->agentLockFd = -1;
        priv->agentTimeout = QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_DEFAULT;
        obj->privateData = priv;
        obj->privateDataFree = qemuDomainObjPrivateFree;
    }
    return priv;
}

GMainContext *qemuDriverEventContext(qemuDriver *driver)
{
    GMainContext *ctx;

    g_mutex_lock(&driver->lock);
    if (!driver->eventThread)
        driver->eventThread = qvEventThreadNew("qvirt-qemu-events");
    ctx = qvEventThreadGetContext(driver->eventThread);
    g_mutex_unlock(&driver->lock);
    return ctx;
}

static char *qemuDomainAgentPortFor(const domainDef *def)
{
    size_t i;

    for (i = 0; i < def->nchannels; i++) {
        if (domainChrIsAgentChannel(def->channels[i]) &&
            def->channels[i] == domainDefFindAgentChannel(def))
            return qemuChannelAlias(i);
    }
    return NULL;
}

/* The live XML shows the channel state QEMU reported. obj->lock held. */
static void qemuDomainSetAgentChannelLocked(domainObj *obj, qemuDomainObjPrivate *priv, int state)
{
    domainChrDef *chr;

    priv->agentChannel = state;
    if (domainObjIsActive(obj) && (chr = domainDefFindAgentChannel(obj->def)))
        chr->state = state == QEMU_AGENT_CHANNEL_CONNECTED ? DOMAIN_CHR_STATE_CONNECTED
                                                           : DOMAIN_CHR_STATE_DISCONNECTED;
}

/* ---- connections ---- */

void qemuDomainCloseConnections(domainObj *obj)
{
    qemuDomainObjPrivate *priv;
    qemuMonitor *mon = NULL;
    qemuAgent *agent = NULL;
    qemuDriver *driver = NULL;
    int fd = -1;

    g_mutex_lock(&obj->lock);
    if ((priv = obj->privateData)) {
        mon = g_steal_pointer(&priv->mon);
        agent = g_steal_pointer(&priv->agent);
        fd = priv->agentLockFd;
        priv->agentLockFd = -1;
        driver = priv->driver;
    }
    g_mutex_unlock(&obj->lock);
    if (agent)
        qemuAgentClose(agent);
    qvFileUnlock(fd);
    if (mon) {
        qemuMonitorClose(mon);
        /* a callback already running may still use the object: let it finish */
        g_mutex_lock(&driver->lock);
        qvEventThreadFlush(driver->eventThread);
        g_mutex_unlock(&driver->lock);
        domainObjUnref(obj); /* the monitor's */
    }
}

bool qemuDriverAnnounce(qemuDriver *driver, const char *what, const char *name, long long run)
{
    g_autofree char *key = g_strdup_printf("%s:%s:%lld", what, name, run);
    bool fresh;

    if (run <= 0)
        return true;
    g_mutex_lock(&driver->lock);
    fresh = g_hash_table_add(driver->announced, g_steal_pointer(&key));
    g_mutex_unlock(&driver->lock);
    return fresh;
}

void qemuProcessEmitRun(qemuDriver *driver, const char *name, const unsigned char *uuid, int id,
                        long long run, long long startedAt, int reason)
{
    int detail;

    /* a watcher may learn of a run only when it ends: its start comes first */
    if (driver->watchSince > 0 && startedAt >= driver->watchSince &&
        qemuDriverAnnounce(driver, "started", name, run))
        qvDomainEventLifecycle(driver->events, name, uuid, id, QV_DOMAIN_EVENT_STARTED,
                               QV_DOMAIN_EVENT_STARTED_BOOTED);
    if (reason < 0 || !qemuDriverAnnounce(driver, "stopped", name, run))
        return;
    switch (reason) {
    case QV_DOMAIN_SHUTOFF_SHUTDOWN:
        detail = QV_DOMAIN_EVENT_STOPPED_SHUTDOWN;
        break;
    case QV_DOMAIN_SHUTOFF_DESTROYED:
        detail = QV_DOMAIN_EVENT_STOPPED_DESTROYED;
        break;
    case QV_DOMAIN_SHUTOFF_FAILED:
        detail = QV_DOMAIN_EVENT_STOPPED_FAILED;
        break;
    case QV_DOMAIN_SHUTOFF_CRASHED:
    default:
        detail = QV_DOMAIN_EVENT_STOPPED_CRASHED;
        break;
    }
    qvDomainEventLifecycle(driver->events, name, uuid, id, QV_DOMAIN_EVENT_STOPPED, detail);
}

/* obj->lock held: the domain has stopped; go back to the persistent definition. */
static void qemuProcessMarkStoppedLocked(domainObj *obj, int reason)
{
    qemuDomainObjPrivate *priv = obj->privateData;

    if (domainObjIsActive(obj)) {
        if (obj->newDef) {
            domainDefFree(obj->def);
            obj->def = g_steal_pointer(&obj->newDef);
        } else {
            obj->def->id = -1;
        }
    }
    obj->state = QV_DOMAIN_SHUTOFF;
    obj->reason = reason;
    if (priv) {
        priv->monDead = true;
        priv->agentDead = true;
        priv->agentChannel = QEMU_AGENT_CHANNEL_DISCONNECTED;
        priv->supervisorPid = 0;
        priv->shutdownSeen = false;
    }
}

static void qemuProcessMonitorEvent(qemuMonitor *mon, const qemuMonitorEvent *ev, void *opaque)
{
    domainObj *obj = opaque;
    qemuDomainObjPrivate *priv;
    qemuDriver *driver;
    qemuAgent *agent = NULL;
    g_autofree char *name = NULL;
    unsigned char uuid[QV_UUID_BUFLEN];
    int id;
    int agentEvent = QEMU_AGENT_EVENT_NONE;
    int agentChannel = -1;
    int lifecycle = -1, detail = 0;
    int fsState = -1, fsReason = 0;
    bool reboot = false;
    bool stopped = false;
    int stopReason = 0;
    long long stoppedRun = 0;
    long long stoppedStart = 0;

    g_mutex_lock(&obj->lock);
    priv = obj->privateData;
    if (!priv || priv->mon != mon) {
        g_mutex_unlock(&obj->lock);
        return;
    }
    driver = priv->driver;
    name = g_strdup(obj->def->name);
    memcpy(uuid, obj->def->uuid, QV_UUID_BUFLEN);
    id = obj->def->id;
    if (priv->agent)
        agent = qemuAgentRef(priv->agent);

    switch (ev->type) {
    case QEMU_MONITOR_EVENT_SHUTDOWN:
        agentEvent = QEMU_AGENT_EVENT_SHUTDOWN;
        priv->shutdownSeen = true;
        if (STRNEQ_NULLABLE(ev->reason, "host-qmp-quit") &&
            STRNEQ_NULLABLE(ev->reason, "host-signal")) {
            lifecycle = QV_DOMAIN_EVENT_SHUTDOWN;
            detail = ev->guest ? QV_DOMAIN_EVENT_SHUTDOWN_GUEST : QV_DOMAIN_EVENT_SHUTDOWN_HOST;
            obj->state = QV_DOMAIN_SHUTDOWN;
            obj->reason = 0;
        }
        break;
    case QEMU_MONITOR_EVENT_RESET: {
        gint64 now = g_get_monotonic_time();

        agentEvent = QEMU_AGENT_EVENT_RESET;
        /* QEMU reports every guest reboot twice, ~40 ms apart: one reboot */
        reboot = now - priv->lastReset > G_USEC_PER_SEC / 2;
        priv->lastReset = now;
        /* a reset guest has no agent; QEMU's VSERPORT_CHANGE says so only after */
        if (priv->agentChannel == QEMU_AGENT_CHANNEL_CONNECTED) {
            agentChannel = QEMU_AGENT_CHANNEL_DISCONNECTED;
            qemuDomainSetAgentChannelLocked(obj, priv, agentChannel);
        }
        break;
    }
    case QEMU_MONITOR_EVENT_SUSPEND:
        agentEvent = QEMU_AGENT_EVENT_SUSPEND;
        obj->state = QV_DOMAIN_PMSUSPENDED;
        obj->reason = 0;
        lifecycle = QV_DOMAIN_EVENT_PMSUSPENDED;
        detail = QV_DOMAIN_EVENT_PMSUSPENDED_MEMORY;
        break;
    case QEMU_MONITOR_EVENT_WAKEUP:
        obj->state = QV_DOMAIN_RUNNING;
        obj->reason = QV_DOMAIN_RUNNING_WAKEUP;
        break;
    case QEMU_MONITOR_EVENT_STOP:
        obj->state = QV_DOMAIN_PAUSED;
        if (priv->shutdownSeen) {
            obj->reason = QV_DOMAIN_PAUSED_SHUTTING_DOWN;
        } else {
            obj->reason = QV_DOMAIN_PAUSED_USER;
            lifecycle = QV_DOMAIN_EVENT_SUSPENDED;
            detail = QV_DOMAIN_EVENT_SUSPENDED_PAUSED;
        }
        break;
    case QEMU_MONITOR_EVENT_RESUME:
        /* the first resume of a run is the start itself, and a resume after a power-off
         * is the reboot that follows it; neither is "resumed" */
        if (obj->state == QV_DOMAIN_PAUSED && obj->reason == QV_DOMAIN_PAUSED_USER) {
            lifecycle = QV_DOMAIN_EVENT_RESUMED;
            detail = QV_DOMAIN_EVENT_RESUMED_UNPAUSED;
            obj->reason = QV_DOMAIN_RUNNING_UNPAUSED;
        } else if (obj->state != QV_DOMAIN_RUNNING) {
            obj->reason = QV_DOMAIN_RUNNING_BOOTED;
        }
        obj->state = QV_DOMAIN_RUNNING;
        priv->shutdownSeen = false;
        break;
    case QEMU_MONITOR_EVENT_VSERPORT_CHANGE:
        if (priv->agentPort && STREQ(ev->id, priv->agentPort)) {
            agentChannel =
                ev->open ? QEMU_AGENT_CHANNEL_CONNECTED : QEMU_AGENT_CHANNEL_DISCONNECTED;
            if (agentChannel != priv->agentChannel)
                qemuDomainSetAgentChannelLocked(obj, priv, agentChannel);
            else
                agentChannel = -1;
        }
        break;
    case QEMU_MONITOR_EVENT_QVIRT_STOPPED:
        stopped = true;
        stopReason = ev->reasonCode;
        /* the supervisor names its run: this object may not have caught up with it */
        stoppedRun = ev->run > 0 ? ev->run : priv->supervisorPid;
        stoppedStart = ev->startedAt;
        qemuProcessMarkStoppedLocked(obj, stopReason);
        break;
    case QEMU_MONITOR_EVENT_QVIRT_FS_FREEZE:
        fsState = qemuFSFreezeStateTypeFromString(ev->status);
        fsReason = qemuFSFreezeReasonTypeFromString(ev->reason);
        break;
    case QEMU_MONITOR_EVENT_OTHER:
    case QEMU_MONITOR_EVENT_POWERDOWN:
    case QEMU_MONITOR_EVENT_JOB_STATUS_CHANGE:
    case QEMU_MONITOR_EVENT_BLOCK_JOB_COMPLETED:
    case QEMU_MONITOR_EVENT_BLOCK_JOB_CANCELLED:
    case QEMU_MONITOR_EVENT_BLOCK_JOB_ERROR:
    case QEMU_MONITOR_EVENT_BLOCK_JOB_READY:
    case QEMU_MONITOR_EVENT_BLOCK_JOB_PENDING:
    case QEMU_MONITOR_EVENT_LAST:
    default:
        break;
    }
    g_mutex_unlock(&obj->lock);

    /* the agent's lock is never taken under the object's */
    if (agent) {
        if (agentEvent != QEMU_AGENT_EVENT_NONE)
            qemuAgentNotifyEvent(agent, agentEvent);
        if (agentChannel >= 0)
            qemuAgentNotifyChannelState(agent, agentChannel == QEMU_AGENT_CHANNEL_CONNECTED);
        qemuAgentUnref(agent);
    }
    if (lifecycle >= 0)
        qvDomainEventLifecycle(driver->events, name, uuid, id, lifecycle, detail);
    if (reboot)
        qvDomainEventReboot(driver->events, name, uuid, id);
    if (agentChannel >= 0)
        qvDomainEventAgentLifecycle(
            driver->events, name, uuid, id,
            agentChannel == QEMU_AGENT_CHANNEL_CONNECTED
                ? QV_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED
                : QV_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED,
            QV_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL);
    if (fsState > 0 && fsReason > 0)
        qvDomainEventFSFreeze(driver->events, name, uuid, id, fsState, fsReason);
    if (stopped)
        qemuProcessEmitRun(driver, name, uuid, id, stoppedRun, stoppedStart, stopReason);
}

static void qemuProcessMonitorEOF(qemuMonitor *mon, void *opaque)
{
    domainObj *obj = opaque;
    qemuDomainObjPrivate *priv;

    g_mutex_lock(&obj->lock);
    if ((priv = obj->privateData) && priv->mon == mon)
        priv->monDead = true;
    g_mutex_unlock(&obj->lock);
}

static const qemuMonitorCallbacks qemuProcessMonitorCallbacks = {
    .eof = qemuProcessMonitorEOF,
    .event = qemuProcessMonitorEvent,
};

/* Apply the supervisor's status (QEMU_SV_QUERY_STATUS). obj->lock held. */
static void qemuProcessApplyQueryStatusLocked(domainObj *obj, qemuDomainObjPrivate *priv,
                                              const qemuDomainStatus *st)
{
    if (st->state != QV_DOMAIN_SHUTOFF) {
        obj->state = st->state;
        obj->reason = st->reason;
    }
    qemuDomainSetAgentChannelLocked(obj, priv, st->agent);
    priv->agentTimeout = st->agentTimeout;
    if (st->supervisorPid)
        priv->supervisorPid = st->supervisorPid;
}

static void qemuProcessDropDeadMonitor(domainObj *obj)
{
    qemuDomainObjPrivate *priv;
    qemuMonitor *dead = NULL;
    qemuDriver *driver = NULL;

    g_mutex_lock(&obj->lock);
    if ((priv = obj->privateData) && priv->mon && priv->monDead) {
        dead = g_steal_pointer(&priv->mon);
        driver = priv->driver;
    }
    g_mutex_unlock(&obj->lock);
    if (dead) {
        qemuMonitorClose(dead);
        g_mutex_lock(&driver->lock);
        qvEventThreadFlush(driver->eventThread);
        g_mutex_unlock(&driver->lock);
        domainObjUnref(obj);
    }
}

static void qemuReportNotRunning(domainObj *obj)
{
    qvReportError(QV_ERR_OPERATION_INVALID, _("domain '%s' is not running"), obj->def->name);
}

qemuMonitor *qemuDomainGetMonitor(qemuDriver *driver, domainObj *obj)
{
    qemuDomainObjPrivate *priv;
    qemuMonitor *mon;
    g_autofree char *proxy = NULL;
    qemuDomainStatus st;
    GMainContext *ctx = qemuDriverEventContext(driver);

    qemuProcessDropDeadMonitor(obj);
    g_mutex_lock(&obj->lock);
    if (!domainObjIsActive(obj)) {
        qemuReportNotRunning(obj);
        g_mutex_unlock(&obj->lock);
        return NULL;
    }
    priv = qemuDomainObjGetPrivate(driver, obj);
    if (priv->mon && !priv->monDead) {
        mon = qemuMonitorRef(priv->mon);
        g_mutex_unlock(&obj->lock);
        return mon;
    }
    proxy = qemuDomainProxyPath(driver->cfg, obj->def);
    g_mutex_unlock(&obj->lock);

    domainObjRef(obj); /* the monitor's */
    if (!(mon = qemuMonitorOpen(proxy, ctx, QEMU_MONITOR_OPEN_TIMEOUT_MS,
                                &qemuProcessMonitorCallbacks, obj))) {
        domainObjUnref(obj);
        /* it may have stopped meanwhile: say so rather than "cannot connect" */
        qemuProcessRefresh(driver, obj);
        if (!domainObjIsActive(obj)) {
            qvResetLastError();
            qemuReportNotRunning(obj);
        }
        return NULL;
    }
    g_mutex_lock(&obj->lock);
    if (priv->mon) {
        /* another thread connected first: use its connection */
        qemuMonitor *theirs = qemuMonitorRef(priv->mon);

        g_mutex_unlock(&obj->lock);
        qemuMonitorClose(mon);
        domainObjUnref(obj);
        return theirs;
    }
    priv->mon = mon;
    priv->monDead = false;
    /* the caller's reference, taken before another thread can drop the object's */
    mon = qemuMonitorRef(mon);
    g_mutex_unlock(&obj->lock);

    qemuDomainStatusInit(&st);
    if (qemuSvQueryStatus(mon, QEMU_MONITOR_OPEN_TIMEOUT_MS, &st) < 0) {
        QV_DEBUG("%s: %s", QEMU_SV_QUERY_STATUS, qvGetLastErrorMessage());
        qvResetLastError();
    } else {
        g_mutex_lock(&obj->lock);
        qemuProcessApplyQueryStatusLocked(obj, priv, &st);
        g_mutex_unlock(&obj->lock);
    }
    qemuDomainStatusClear(&st);
    return mon;
}

bool qemuDomainAgentConnected(domainObj *obj)
{
    qemuDomainObjPrivate *priv;
    bool connected;

    g_mutex_lock(&obj->lock);
    priv = obj->privateData;
    connected = priv && domainObjIsActive(obj) &&
                priv->agentChannel == QEMU_AGENT_CHANNEL_CONNECTED &&
                !(priv->agent && !priv->agentDead && qemuAgentIsQuarantined(priv->agent));
    g_mutex_unlock(&obj->lock);
    return connected;
}

static void qemuProcessAgentEOF(qemuAgent *agent, void *opaque)
{
    domainObj *obj = opaque;
    qemuDomainObjPrivate *priv;

    g_mutex_lock(&obj->lock);
    if ((priv = obj->privateData) && priv->agent == agent)
        priv->agentDead = true;
    g_mutex_unlock(&obj->lock);
}

static void qemuProcessAgentQuarantined(qemuAgent *agent, void *opaque)
{
    domainObj *obj = opaque;

    QV_WARN("domain '%s': guest agent quarantined after repeated hostile replies", obj->def->name);
}

static const qemuAgentCallbacks qemuProcessAgentCallbacks = {
    .eof = qemuProcessAgentEOF,
    .quarantined = qemuProcessAgentQuarantined,
};

/* Wait up to waitMs for the per-domain agent lock (another qvirt process may be using
 * the agent: QEMU serves its socket to one client at a time). */
static int qemuProcessLockAgent(const char *path, const char *name, int waitMs)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)MAX(waitMs, 0) * 1000;
    int fd;

    for (;;) {
        if ((fd = qvFileLock(path, true, false)) >= 0)
            return fd;
        if (qvGetLastErrorCode() != QV_ERR_RESOURCE_BUSY || g_get_monotonic_time() >= deadline)
            break;
        qvResetLastError();
        g_usleep(2000);
    }
    if (qvGetLastErrorCode() == QV_ERR_RESOURCE_BUSY) {
        qvResetLastError();
        qvReportError(QV_ERR_RESOURCE_BUSY,
                      _("the guest agent of domain '%s' is in use by another qvirt process "
                        "(waited %d ms)"),
                      name, waitMs);
    }
    return -1;
}

qemuAgent *qemuDomainGetAgent(qemuDriver *driver, domainObj *obj, int waitMs)
{
    qemuDomainObjPrivate *priv;
    qemuMonitor *mon;
    qemuAgent *agent = NULL;
    qemuAgent *dead = NULL;
    domainChrDef *chr;
    g_autofree char *path = NULL;
    g_autofree char *lockPath = NULL;
    g_autofree char *name = NULL;
    qemuAgentConfig cfg;
    int fd;

    g_mutex_lock(&obj->lock);
    chr = domainObjIsActive(obj) ? domainDefFindAgentChannel(obj->def)
                                 : domainDefFindAgentChannel(domainObjGetPersistentDef(obj));
    if (!chr) {
        qvReportError(QV_ERR_AGENT_NOT_CONFIGURED,
                      _("domain '%s' has no guest agent channel (a unix channel with target "
                        "name 'org.qemu.guest_agent.0')"),
                      obj->def->name);
        g_mutex_unlock(&obj->lock);
        return NULL;
    }
    g_mutex_unlock(&obj->lock);

    /* the monitor tells the channel state and carries the events the agent needs */
    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        return NULL;
    qemuMonitorUnref(mon);

    g_mutex_lock(&obj->lock);
    priv = qemuDomainObjGetPrivate(driver, obj);
    if (priv->agent && !priv->agentDead) {
        agent = qemuAgentRef(priv->agent);
        g_mutex_unlock(&obj->lock);
        if (qemuAgentIsQuarantined(agent)) {
            qvReportError(QV_ERR_AGENT_QUARANTINED, "%s",
                          _("the guest agent is quarantined after hostile replies, until its "
                            "channel reconnects"));
            qemuAgentUnref(agent);
            return NULL;
        }
        return agent;
    }
    if (priv->agentChannel != QEMU_AGENT_CHANNEL_CONNECTED) {
        qvReportError(QV_ERR_AGENT_NOT_CONNECTED,
                      _("QEMU guest agent is not connected: the agent channel of domain '%s' "
                        "is closed (qemu-ga is not running in the guest)"),
                      obj->def->name);
        g_mutex_unlock(&obj->lock);
        return NULL;
    }
    chr = domainDefFindAgentChannel(obj->def);
    /* the supervisor's relay when it has one (it stays connected to QEMU's socket) */
    path = qemuDomainAgentRelayPath(driver->cfg, obj->def);
    if (!qvFileExists(path)) {
        g_free(path);
        path = g_strdup(chr->source.path);
    }
    name = g_strdup(obj->def->name);
    dead = g_steal_pointer(&priv->agent);
    fd = priv->agentLockFd;
    priv->agentLockFd = -1;
    cfg = driver->agentCfg;
    cfg.responseTimeout = priv->agentTimeout;
    g_mutex_unlock(&obj->lock);

    if (dead)
        qemuAgentClose(dead);
    if (fd < 0) {
        lockPath = qemuDomainStateFile(driver->cfg, name, "agent.lock");
        if ((fd = qemuProcessLockAgent(lockPath, name, waitMs)) < 0)
            return NULL;
    }
    if (!(agent = qemuAgentOpen(path, &cfg, &qemuProcessAgentCallbacks, obj))) {
        qvFileUnlock(fd);
        return NULL;
    }

    g_mutex_lock(&obj->lock);
    if (priv->agent) {
        qemuAgent *theirs = qemuAgentRef(priv->agent);

        g_mutex_unlock(&obj->lock);
        qemuAgentClose(agent);
        qvFileUnlock(fd);
        return theirs;
    }
    priv->agent = agent;
    priv->agentDead = false;
    priv->agentLockFd = fd;
    if (priv->agentChannel != QEMU_AGENT_CHANNEL_CONNECTED)
        qemuAgentNotifyChannelState(agent, false);
    g_mutex_unlock(&obj->lock);
    return qemuAgentRef(agent);
}

int qemuDomainSetAgentTimeout(qemuDriver *driver, domainObj *obj, int timeout)
{
    qemuMonitor *mon;
    qemuDomainObjPrivate *priv;
    int rc;

    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        return -1;
    rc = qemuSvSetAgentTimeout(mon, timeout);
    qemuMonitorUnref(mon);
    if (rc < 0)
        return -1;
    g_mutex_lock(&obj->lock);
    priv = qemuDomainObjGetPrivate(driver, obj);
    priv->agentTimeout = timeout;
    if (priv->agent)
        qemuAgentSetResponseTimeout(priv->agent, timeout);
    g_mutex_unlock(&obj->lock);
    return 0;
}

/* ---- what is on disk ---- */

static domainDef *qemuProcessLoadLiveDef(qemuDriver *driver, const char *name)
{
    g_autofree char *path = qemuDomainStateFile(driver->cfg, name, "xml");
    g_autofree char *xml = NULL;
    domainDef *def;

    if (qvFileReadAll(path, QEMU_LIVE_XML_MAX_BYTES, &xml) < 0)
        return NULL;
    if (!(def = domainDefParseString(xml, path,
                                     DOMAIN_DEF_PARSE_LIVE | DOMAIN_DEF_PARSE_SKIP_SCHEMA)))
        return NULL;
    if (def->id < 0 || STRNEQ(def->name, name)) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("'%s' is not the live definition of '%s'"), path,
                      name);
        domainDefFree(def);
        return NULL;
    }
    /* the channel paths qvirt chose for this run are still its own */
    {
        g_autofree char *prefix = g_strdup_printf("%s/domain-", driver->cfg->channelTargetDir);
        size_t i;

        for (i = 0; i < def->nchannels; i++) {
            domainChrDef *chr = def->channels[i];

            if (chr->source.path && g_str_has_prefix(chr->source.path, prefix))
                chr->source.autopath = true;
        }
    }
    return def;
}

void qemuProcessRefresh(qemuDriver *driver, domainObj *obj)
{
    g_autofree char *name = NULL;
    g_autofree char *lockPath = NULL;
    g_autofree char *statusPath = NULL;
    qemuDomainStatus st;
    qemuDomainObjPrivate *priv;
    bool haveStatus, running;
    bool wasActive;
    long long run;
    int stopReason = -1;
    int id;
    unsigned char uuid[QV_UUID_BUFLEN];

    g_mutex_lock(&obj->lock);
    priv = obj->privateData;
    if (priv && priv->mon && !priv->monDead && domainObjIsActive(obj)) {
        /* connected to its supervisor: its events keep this object current, and the
         * end of the run closes the connection (which marks it dead) */
        g_mutex_unlock(&obj->lock);
        return;
    }
    name = g_strdup(obj->def->name);
    g_mutex_unlock(&obj->lock);
    lockPath = qemuDomainStateFile(driver->cfg, name, "lock");
    statusPath = qemuDomainStateFile(driver->cfg, name, "status");

    running = qvFileIsLocked(lockPath);
    haveStatus = qvFileExists(statusPath) && qemuDomainStatusRead(statusPath, &st) == 0;
    if (!haveStatus) {
        qvResetLastError();
        qemuDomainStatusInit(&st);
    }
    if (running && haveStatus && st.state == QV_DOMAIN_SHUTOFF)
        running = false; /* the supervisor is finishing: QEMU is gone */

    if (running) {
        g_mutex_lock(&obj->lock);
        priv = qemuDomainObjGetPrivate(driver, obj);
        if (!domainObjIsActive(obj) || (haveStatus && priv->supervisorPid != st.supervisorPid)) {
            domainDef *live;

            g_mutex_unlock(&obj->lock);
            if (!(live = qemuProcessLoadLiveDef(driver, name))) {
                /* starting right now (no live XML yet), or damaged: leave obj as it is */
                QV_DEBUG("domain '%s': %s", name, qvGetLastErrorMessage());
                qvResetLastError();
                qemuDomainStatusClear(&st);
                return;
            }
            g_mutex_lock(&obj->lock);
            if (domainObjIsActive(obj)) {
                domainDefFree(obj->def);
            } else if (obj->persistent) {
                domainDefFree(obj->newDef);
                obj->newDef = obj->def;
            } else {
                domainDefFree(obj->def);
            }
            obj->def = live;
            g_free(priv->agentPort);
            priv->agentPort = qemuDomainAgentPortFor(live);
            priv->monDead = true;
            priv->agentDead = true;
            priv->supervisorPid = st.supervisorPid;
            priv->lastReset = 0;
            priv->shutdownSeen = false;
        }
        if (haveStatus && (!priv->mon || priv->monDead)) {
            /* without a live monitor, the file is the freshest word */
            obj->state = st.state;
            obj->reason = st.reason;
            priv->agentTimeout = st.agentTimeout;
            qemuDomainSetAgentChannelLocked(obj, priv, st.agent);
        } else if (!haveStatus) {
            obj->state = QV_DOMAIN_PAUSED;
            obj->reason = QV_DOMAIN_PAUSED_STARTING_UP;
        }
        g_mutex_unlock(&obj->lock);
        qemuDomainStatusClear(&st);
        return;
    }

    g_mutex_lock(&obj->lock);
    wasActive = domainObjIsActive(obj);
    id = obj->def->id;
    run = obj->privateData ? ((qemuDomainObjPrivate *)obj->privateData)->supervisorPid : 0;
    if (!run)
        run = st.supervisorPid;
    memcpy(uuid, obj->def->uuid, QV_UUID_BUFLEN);
    if (wasActive || obj->state != QV_DOMAIN_SHUTOFF || haveStatus) {
        if (!haveStatus)
            stopReason = QV_DOMAIN_SHUTOFF_FAILED; /* the supervisor writes it once QEMU is up */
        else if (st.state == QV_DOMAIN_SHUTOFF)
            stopReason = st.reason;
        else
            stopReason = QV_DOMAIN_SHUTOFF_CRASHED; /* the supervisor itself died */
        qemuProcessMarkStoppedLocked(obj, stopReason);
    }
    g_mutex_unlock(&obj->lock);
    /* a domain this process watched stopped without its monitor telling: announce the
     * run it knew, with that run's own record (the status file may already be a later
     * run's, whose reason is not this run's). Without a status the start failed: its
     * caller reports that, and like libvirt no event tells. */
    if (wasActive && stopReason >= 0 && haveStatus) {
        if (st.supervisorPid == run) {
            qemuProcessEmitRun(driver, name, uuid, id, run, st.startedAt, stopReason);
        } else {
            g_autoptr(GArray) history = qemuProcessReadHistory(driver, name);
            guint i;

            for (i = 0; i < history->len; i++) {
                const qemuProcessRunRecord *r = &g_array_index(history, qemuProcessRunRecord, i);

                if (r->run == run)
                    qemuProcessEmitRun(driver, name, uuid, id, run, r->startedAt, r->reason);
            }
        }
    }
    qemuDomainStatusClear(&st);
}

void qemuProcessLoadTransient(qemuDriver *driver, domainObjList *list)
{
    g_autoptr(GDir) dir = g_dir_open(driver->cfg->stateDir, 0, NULL);
    const char *entry;

    if (!dir)
        return;
    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *name = NULL;
        g_autofree char *lockPath = NULL;
        g_autoptr(domainObj) existing = NULL;
        g_autoptr(domainObj) obj = NULL;
        domainDef *live;
        domainDef *old = NULL;

        if (!g_str_has_suffix(entry, ".xml") || entry[0] == '.')
            continue;
        name = g_strndup(entry, strlen(entry) - 4);
        if ((existing = domainObjListFindByName(list, name)))
            continue;
        lockPath = qemuDomainStateFile(driver->cfg, name, "lock");
        if (!qvFileIsLocked(lockPath) || !(live = qemuProcessLoadLiveDef(driver, name))) {
            qvResetLastError();
            continue;
        }
        if (!(obj = domainObjListAdd(list, live, &old))) {
            domainDefFree(live);
            qvResetLastError();
            continue;
        }
        domainDefFree(old);
        obj->persistent = false;
        /* Refresh takes it from here: it sees an active object of an unknown run */
        qemuProcessRefresh(driver, obj);
    }
}

bool qemuProcessWaitStopped(qemuDriver *driver, domainObj *obj, int timeoutMs)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeoutMs * 1000;
    g_autofree char *lockPath = NULL;
    bool stopped;

    g_mutex_lock(&obj->lock);
    lockPath = qemuDomainStateFile(driver->cfg, obj->def->name, "lock");
    g_mutex_unlock(&obj->lock);
    while (qvFileIsLocked(lockPath)) {
        if (g_get_monotonic_time() >= deadline)
            return false;
        g_usleep(2000);
    }
    /* the lock is free: the supervisor is gone, even if its monitor's last event is still
     * on its way through the event thread (a busy machine): read the files, not the
     * connection (seen: a destroy that worked reported "still running") */
    g_mutex_lock(&obj->lock);
    if (obj->privateData && ((qemuDomainObjPrivate *)obj->privateData)->mon)
        ((qemuDomainObjPrivate *)obj->privateData)->monDead = true;
    g_mutex_unlock(&obj->lock);
    qemuProcessRefresh(driver, obj);
    g_mutex_lock(&obj->lock);
    stopped = !domainObjIsActive(obj);
    g_mutex_unlock(&obj->lock);
    return stopped;
}

/* ---- definitions on disk ---- */

char *qemuDomainConfigFile(const qemuDriver *driver, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);

    return g_build_filename(driver->cfg->configDir, file, NULL);
}

char *qemuDomainConfigContent(const domainDef *def)
{
    g_autofree char *xml = domainDefFormat(def, DOMAIN_DEF_FORMAT_INACTIVE);

    return g_strdup_printf(
        "<!--\n"
        "WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
        "OVERWRITTEN AND LOST. Change this configuration with:\n"
        "  qvsh define FILE\n"
        "-->\n%s",
        xml);
}

int qemuDomainSaveConfig(qemuDriver *driver, const domainDef *def)
{
    g_autofree char *path = qemuDomainConfigFile(driver, def->name);
    g_autofree char *content = qemuDomainConfigContent(def);

    return qvFileWriteAtomic(path, content, strlen(content), 0600);
}

int qemuDomainSaveLiveDef(qemuDriver *driver, const domainDef *def)
{
    g_autofree char *path = qemuDomainStateFile(driver->cfg, def->name, "xml");
    g_autofree char *xml = domainDefFormat(def, 0);

    return qvFileWriteAtomic(path, xml, strlen(xml), 0600);
}

/* ---- the history of ended runs ---- */

#define QEMU_HISTORY_KEEP 32

GArray *qemuProcessReadHistory(qemuDriver *driver, const char *name)
{
    g_autofree char *path = qemuDomainStateFile(driver->cfg, name, "runs");
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GArray *runs = g_array_new(FALSE, TRUE, sizeof(qemuProcessRunRecord));
    size_t i;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return runs;
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        qemuProcessRunRecord r = { 0 };

        /* a damaged line (a crash mid-write) is skipped, not trusted */
        if (sscanf(lines[i], "run=%lld started=%lld stopped=%lld reason=%d", &r.run, &r.startedAt,
                   &r.stoppedAt, &r.reason) == 4 &&
            r.run > 0)
            g_array_append_val(runs, r);
    }
    return runs;
}

/* Keep the history short: the last QEMU_HISTORY_KEEP runs, rewritten atomically. */
static void qemuProcessTrimHistory(qemuDriver *driver, const char *name)
{
    g_autofree char *path = qemuDomainStateFile(driver->cfg, name, "runs");
    g_autoptr(GArray) runs = qemuProcessReadHistory(driver, name);
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    if (runs->len <= QEMU_HISTORY_KEEP)
        return;
    for (i = runs->len - QEMU_HISTORY_KEEP; i < runs->len; i++) {
        const qemuProcessRunRecord *r = &g_array_index(runs, qemuProcessRunRecord, i);

        g_string_append_printf(out, "run=%lld started=%lld stopped=%lld reason=%d\n", r->run,
                               r->startedAt, r->stoppedAt, r->reason);
    }
    if (qvFileWriteAtomic(path, out->str, out->len, 0600) < 0)
        qvResetLastError();
}

/* ---- start ---- */

static int qemuProcessAllocateID(qemuDriver *driver)
{
    g_autofree char *path = g_build_filename(driver->cfg->stateDir, "next-id", NULL);
    g_autofree char *text = NULL;
    g_autofree char *next = NULL;
    gint64 id = 1;

    if (qvFileExists(path)) {
        if (qvFileReadAll(path, 64, &text) < 0)
            return -1;
        id = g_ascii_strtoll(text, NULL, 10);
        if (id <= 0 || id >= G_MAXINT)
            id = 1;
    }
    next = g_strdup_printf("%lld\n", (long long)(id + 1 >= G_MAXINT ? 1 : id + 1));
    if (qvFileWriteAtomic(path, next, strlen(next), 0600) < 0)
        return -1;
    return (int)id;
}

/* Read the supervisor's one line: "ok PID" or "error MESSAGE", bounded. */
static char *qemuProcessReadReady(int fd, int timeoutMs)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeoutMs * 1000;
    g_autoptr(GString) buf = g_string_new(NULL);

    while (!strchr(buf->str, '\n') && buf->len < 64 * 1024) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        char chunk[4096];
        ssize_t n;
        int rc;

        if (left <= 0)
            return NULL;
        rc = poll(&pfd, 1, (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return NULL;
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        g_string_append_len(buf, chunk, n);
    }
    return g_strstrip(g_string_free(g_steal_pointer(&buf), FALSE));
}

static int qemuProcessMakeDirs(qemuDriver *driver, const domainDef *def)
{
    g_autofree char *runtime = qemuDomainRuntimeDir(driver->cfg, def);
    g_autofree char *home = qemuDomainHomeDir(driver->cfg, def);
    g_autofree char *channels = qemuDomainChannelDir(driver->cfg, def);
    const char *dirs[] = { driver->cfg->stateDir, driver->cfg->logDir, runtime, home, channels };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(dirs); i++) {
        if (qvFileMakePath(dirs[i], 0700) < 0)
            return -1;
    }
    return 0;
}

static void qemuProcessRemoveRunFiles(char **files)
{
    size_t i;

    for (i = 0; files && files[i]; i++) {
        if (qvFileRemoveTree(files[i]) < 0) {
            QV_WARN("%s", qvGetLastErrorMessage());
            qvResetLastError();
        }
    }
}

void qemuProcessCleanupDeadRuns(qemuDriver *driver)
{
    g_autoptr(GDir) dir = g_dir_open(driver->cfg->stateDir, 0, NULL);
    const char *entry;

    while (dir && (entry = g_dir_read_name(dir))) {
        g_autofree char *name = NULL;
        g_autofree char *lockPath = NULL;
        g_autofree char *launchPath = NULL;
        g_autofree char *text = NULL;
        g_autoptr(qemuLaunchSpec) spec = NULL;

        if (!g_str_has_suffix(entry, ".launch") || entry[0] == '.')
            continue;
        name = g_strndup(entry, strlen(entry) - strlen(".launch"));
        lockPath = qemuDomainStateFile(driver->cfg, name, "lock");
        if (qvFileIsLocked(lockPath))
            continue; /* its supervisor lives */
        launchPath = g_build_filename(driver->cfg->stateDir, entry, NULL);
        if (qvFileReadAll(launchPath, 16 * 1024 * 1024, &text) < 0 ||
            !(spec = qemuLaunchSpecParse(text, launchPath))) {
            QV_WARN("%s", qvGetLastErrorMessage());
            qvResetLastError();
            continue;
        }
        QV_DEBUG("domain '%s': removing what its dead supervisor left", name);
        qemuProcessRemoveRunFiles(spec->removeOnExit);
        qvFileRemove(launchPath);
        qvResetLastError();
    }
}

int qemuProcessStart(qemuDriver *driver, domainObj *obj, unsigned int flags)
{
    g_autoptr(domainDef) def = NULL;
    g_autoptr(qemuCommand) cmd = NULL;
    g_autoptr(qemuLaunchSpec) spec = g_new0(qemuLaunchSpec, 1);
    g_autofree char *liveXML = NULL;
    g_autofree char *livePath = NULL;
    g_autofree char *launchPath = NULL;
    g_autofree char *launchText = NULL;
    g_autofree char *helper = NULL;
    g_autofree char *readyFdArg = NULL;
    g_autofree char *answer = NULL;
    g_autofree char *agentPort = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) remove = g_ptr_array_new_with_free_func(g_free);
    qemuDomainObjPrivate *priv;
    qemuMonitor *mon = NULL;
    domainChrDef *agentChr;
    int pipefd[2] = { -1, -1 };
    GPid pid;
    long long runPid = 0;
    int id;
    int ret = -1;

    g_mutex_lock(&obj->lock);
    if (domainObjIsActive(obj)) {
        qvReportError(QV_ERR_OPERATION_INVALID, "%s", _("domain is already running"));
        g_mutex_unlock(&obj->lock);
        return -1;
    }
    def = domainDefCopy(obj->def);
    g_mutex_unlock(&obj->lock);

    if (qvFileMakePath(driver->cfg->stateDir, 0700) < 0 || (id = qemuProcessAllocateID(driver)) < 0)
        return -1;
    def->id = id;
    if (qemuDomainPrepareChannels(driver->cfg, def) < 0 ||
        !(cmd = qemuBuildCommandLine(driver->cfg, def)) || qemuProcessMakeDirs(driver, def) < 0)
        return -1;
    if ((agentChr = domainDefFindAgentChannel(def))) {
        agentChr->state = DOMAIN_CHR_STATE_DISCONNECTED;
        agentPort = qemuDomainAgentPortFor(def);
        spec->agentPath = g_strdup(agentChr->source.path);
        spec->agentRelayPath = qemuDomainAgentRelayPath(driver->cfg, def);
    }

    livePath = qemuDomainStateFile(driver->cfg, def->name, "xml");
    launchPath = qemuDomainStateFile(driver->cfg, def->name, "launch");
    spec->name = g_strdup(def->name);
    g_ptr_array_add(cmd->argv, NULL);
    spec->argv = g_strdupv((char **)cmd->argv->pdata);
    g_ptr_array_add(cmd->env, NULL);
    spec->env = g_strdupv((char **)cmd->env->pdata);
    spec->logPath = qemuDomainLogPath(driver->cfg, def->name);
    spec->monitorPath = qemuDomainMonitorPath(driver->cfg, def);
    spec->proxyPath = qemuDomainProxyPath(driver->cfg, def);
    spec->statusPath = qemuDomainStateFile(driver->cfg, def->name, "status");
    spec->lockPath = qemuDomainStateFile(driver->cfg, def->name, "lock");
    spec->historyPath = qemuDomainStateFile(driver->cfg, def->name, "runs");
    spec->agentPort = g_strdup(agentPort);
    spec->onPoweroff = def->onPoweroff;
    spec->onReboot = def->onReboot;
    spec->startTimeoutMs = QEMU_PROCESS_START_TIMEOUT_MS;
    spec->startPaused = flags & QV_DOMAIN_START_PAUSED;
    spec->files = g_new0(qemuLaunchFile, cmd->files->len);
    for (spec->nfiles = 0; spec->nfiles < cmd->files->len; spec->nfiles++) {
        const qemuLaunchFile *f = &g_array_index(cmd->files, qemuLaunchFile, spec->nfiles);

        spec->files[spec->nfiles] = (qemuLaunchFile){ g_strdup(f->path), f->fd, f->append };
    }
    /* the live definition goes first: a reader that sees the lock held finds it */
    g_ptr_array_add(remove, g_strdup(livePath));
    g_ptr_array_add(remove, g_strdup(launchPath));
    g_ptr_array_add(remove, qemuDomainChannelDir(driver->cfg, def));
    g_ptr_array_add(remove, qemuDomainRuntimeDir(driver->cfg, def));
    g_ptr_array_add(remove, qemuDomainHomeDir(driver->cfg, def));
    g_ptr_array_add(remove, NULL);
    spec->removeOnExit = g_strdupv((char **)remove->pdata);

    if (qvFileIsLocked(spec->lockPath)) {
        qvReportError(QV_ERR_OPERATION_INVALID,
                      _("domain '%s' is already running (its supervisor holds '%s')"), def->name,
                      spec->lockPath);
        return -1;
    }
    liveXML = domainDefFormat(def, 0);
    launchText = qemuLaunchSpecFormat(spec);
    if (qvFileWriteAtomic(livePath, liveXML, strlen(liveXML), 0600) < 0 ||
        qvFileWriteAtomic(launchPath, launchText, strlen(launchText), 0600) < 0)
        goto error;
    /* a status from the previous run must not be taken for this one */
    qvFileRemove(spec->statusPath);
    qemuProcessTrimHistory(driver, def->name);

    if (g_unix_open_pipe(pipefd, FD_CLOEXEC, &err) == FALSE) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("cannot create a pipe: %s"), err->message);
        goto error;
    }
    helper = qvFileFindHelper(QEMU_SUPERVISOR_NAME);
    readyFdArg = g_strdup("3");
    {
        const char *argv[] = { helper, "--launch", launchPath, "--ready-fd", readyFdArg, NULL };
        int sourceFds[] = { pipefd[1] };
        int targetFds[] = { 3 };

        QV_DEBUG("starting supervisor %s for domain '%s' (id %d)", helper, def->name, id);
        /* no DO_NOT_REAP_CHILD: GLib double-forks, the supervisor is nobody's child here */
        if (!g_spawn_async_with_pipes_and_fds(NULL, argv, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL,
                                              NULL, -1, -1, -1, sourceFds, targetFds, 1, &pid, NULL,
                                              NULL, NULL, &err)) {
            qvReportError(QV_ERR_INTERNAL_ERROR, _("cannot start '%s': %s"), helper, err->message);
            goto error;
        }
    }
    close(pipefd[1]);
    pipefd[1] = -1;
    qvFaultPoint("start-spawned");
    answer = qemuProcessReadReady(pipefd[0], QEMU_PROCESS_START_TIMEOUT_MS + 5000);
    if (!answer || !*answer) {
        qvReportError(QV_ERR_INTERNAL_ERROR,
                      _("the QEMU supervisor of domain '%s' exited or hung before QEMU was ready; "
                        "see '%s'"),
                      def->name, spec->logPath);
        kill(pid, SIGTERM);
        goto error;
    }
    if (!g_str_has_prefix(answer, "ok ")) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("cannot start domain '%s': %s"), def->name,
                      g_str_has_prefix(answer, "error ") ? answer + 6 : answer);
        goto error;
    }

    /* the supervisor wrote its status before it said "ok": this run's identity, so that a
     * concurrent refresh does not take the run for another one */
    {
        qemuDomainStatus st;

        if (qemuDomainStatusRead(spec->statusPath, &st) == 0)
            runPid = st.supervisorPid;
        qvResetLastError();
        qemuDomainStatusClear(&st);
    }

    /* running: this object now describes the run */
    g_mutex_lock(&obj->lock);
    priv = qemuDomainObjGetPrivate(driver, obj);
    if (obj->persistent) {
        domainDefFree(obj->newDef);
        obj->newDef = obj->def;
    } else {
        domainDefFree(obj->def);
    }
    obj->def = g_steal_pointer(&def);
    /* the supervisor resumed the CPUs (unless asked not to) before it said "ok" */
    if (flags & QV_DOMAIN_START_PAUSED) {
        obj->state = QV_DOMAIN_PAUSED;
        obj->reason = QV_DOMAIN_PAUSED_USER;
    } else {
        obj->state = QV_DOMAIN_RUNNING;
        obj->reason = QV_DOMAIN_RUNNING_BOOTED;
    }
    g_free(priv->agentPort);
    priv->agentPort = g_strdup(agentPort);
    priv->agentChannel = agentPort ? QEMU_AGENT_CHANNEL_DISCONNECTED : QEMU_AGENT_CHANNEL_NONE;
    priv->supervisorPid = runPid;
    priv->monDead = true;
    priv->agentDead = true;
    priv->agentTimeout = QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_DEFAULT;
    priv->shutdownSeen = false;
    priv->lastReset = 0;
    g_mutex_unlock(&obj->lock);

    /* connected now, so that this process hears the run's events from its start */
    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        goto kill;
    qemuMonitorUnref(mon);
    /* one STARTED per run: this process's event watcher may have announced it already,
     * from the status the supervisor wrote before it said it was ready */
    if (qemuDriverAnnounce(driver, "started", obj->def->name, runPid))
        qvDomainEventLifecycle(driver->events, obj->def->name, obj->def->uuid, id,
                               QV_DOMAIN_EVENT_STARTED, QV_DOMAIN_EVENT_STARTED_BOOTED);
    if (flags & QV_DOMAIN_START_PAUSED)
        qvDomainEventLifecycle(driver->events, obj->def->name, obj->def->uuid, id,
                               QV_DOMAIN_EVENT_SUSPENDED, QV_DOMAIN_EVENT_SUSPENDED_PAUSED);
    /* as libvirt: the agent channel's state at start, with the reason "domain started" */
    if (agentPort)
        qvDomainEventAgentLifecycle(driver->events, obj->def->name, obj->def->uuid, id,
                                    QV_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED,
                                    QV_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_DOMAIN_STARTED);
    QV_DEBUG("domain '%s' started with id %d", obj->def->name, id);
    ret = 0;
    goto cleanup;

kill:
    /* QEMU runs but cannot be driven: stop it rather than leave it half-started */
    {
        g_autofree char *why = g_strdup(qvGetLastErrorMessage());
        int code = qvGetLastErrorCode();

        if (mon) {
            qemuMonitorUnref(mon);
            mon = NULL;
        }
        qemuProcessDestroy(driver, obj, false);
        qvReportError(code ? code : QV_ERR_INTERNAL_ERROR, "%s", why);
    }
    goto cleanup;

error:
    qemuProcessRemoveRunFiles(spec->removeOnExit);

cleanup:
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    return ret;
}

/* ---- stop ---- */

/* The supervisor cannot be reached: signal it (it kills QEMU), or QEMU itself. */
static void qemuProcessKillDirectly(qemuDriver *driver, const char *name, bool graceful)
{
    g_autofree char *statusPath = qemuDomainStateFile(driver->cfg, name, "status");
    qemuDomainStatus st;

    if (qemuDomainStatusRead(statusPath, &st) < 0) {
        qvResetLastError();
        return;
    }
    if (st.supervisorPid > 0)
        kill((pid_t)st.supervisorPid, SIGTERM);
    if (!graceful && st.qemuPid > 0)
        kill((pid_t)st.qemuPid, SIGKILL);
    qemuDomainStatusClear(&st);
}

int qemuProcessDestroy(qemuDriver *driver, domainObj *obj, bool graceful)
{
    g_autofree char *name = NULL;
    qemuMonitor *mon;
    int rc = -1;

    qemuProcessRefresh(driver, obj);
    g_mutex_lock(&obj->lock);
    name = g_strdup(obj->def->name);
    if (!domainObjIsActive(obj)) {
        qemuReportNotRunning(obj);
        g_mutex_unlock(&obj->lock);
        return -1;
    }
    g_mutex_unlock(&obj->lock);

    if ((mon = qemuDomainGetMonitor(driver, obj))) {
        rc = qemuSvDestroy(mon, graceful, 5000);
        qemuMonitorUnref(mon);
    }
    if (rc < 0) {
        QV_DEBUG("domain '%s': supervisor unreachable (%s); signalling directly", name,
                 qvGetLastErrorMessage());
        qvResetLastError();
        qemuProcessKillDirectly(driver, name, graceful);
    }
    if (!qemuProcessWaitStopped(driver, obj, QEMU_PROCESS_STOP_TIMEOUT_MS)) {
        if (graceful) {
            qvReportError(QV_ERR_OPERATION_TIMEOUT,
                          _("domain '%s' did not stop within %d ms of SIGTERM (graceful "
                            "destroy does not use SIGKILL)"),
                          name, QEMU_PROCESS_STOP_TIMEOUT_MS);
            return -1;
        }
        qemuProcessKillDirectly(driver, name, false);
        if (!qemuProcessWaitStopped(driver, obj, 5000)) {
            qvReportError(QV_ERR_OPERATION_FAILED, _("domain '%s' is still running after SIGKILL"),
                          name);
            return -1;
        }
    }
    qemuDomainCloseConnections(obj);
    return 0;
}
