/* qemu_monitor.h: the QMP client: greeting and capabilities, id-tagged commands with
 * bounds, typed errors, typed events, EOF; a buggy or killed QEMU cannot hang a caller. */
#pragma once

#include "internal.h"
#include "qvenum.h"
#include "qvjson.h"

typedef struct _qemuMonitor qemuMonitor;

#define QEMU_MONITOR_DEFAULT_TIMEOUT_MS 30000
#define QEMU_MONITOR_MAX_REPLY (64 * 1024 * 1024)

/* The events qvirt's supervisor adds to QEMU's (qemu_svproto.h has its protocol). */
#define QEMU_SV_EVENT_STOPPED "X-QVIRT-STOPPED" /* QEMU ended: why, which run */
#define QEMU_SV_EVENT_FS_FREEZE "X-QVIRT-FS-FREEZE" /* the guest frozen, thawed, not thawed */

typedef enum {
    QEMU_MONITOR_EVENT_OTHER,
    QEMU_MONITOR_EVENT_SHUTDOWN,
    QEMU_MONITOR_EVENT_RESET,
    QEMU_MONITOR_EVENT_POWERDOWN,
    QEMU_MONITOR_EVENT_STOP,
    QEMU_MONITOR_EVENT_RESUME,
    QEMU_MONITOR_EVENT_SUSPEND,
    QEMU_MONITOR_EVENT_WAKEUP,
    QEMU_MONITOR_EVENT_VSERPORT_CHANGE,
    QEMU_MONITOR_EVENT_JOB_STATUS_CHANGE,
    QEMU_MONITOR_EVENT_BLOCK_JOB_COMPLETED,
    QEMU_MONITOR_EVENT_BLOCK_JOB_CANCELLED,
    QEMU_MONITOR_EVENT_BLOCK_JOB_ERROR,
    QEMU_MONITOR_EVENT_BLOCK_JOB_READY,
    QEMU_MONITOR_EVENT_BLOCK_JOB_PENDING,
    /* qvirt's supervisor: QEMU has ended (reason: shutdown, destroyed, crashed) */
    QEMU_MONITOR_EVENT_QVIRT_STOPPED,
    /* qvirt's supervisor: the guest's filesystems were frozen or thawed (status: frozen,
     * thawed, thaw-failed; reason: request, snapshot, guard) */
    QEMU_MONITOR_EVENT_QVIRT_FS_FREEZE,
    QEMU_MONITOR_EVENT_LAST
} qemuMonitorEventType;

QV_ENUM_DECL(qemuMonitorEvent);

/* An event, its members checked; strings point into data and live as long as the call. */
typedef struct {
    qemuMonitorEventType type;
    const char *name;
    long long seconds; /* QEMU's timestamp */
    long long microseconds;
    bool guest; /* SHUTDOWN, RESET: initiated by the guest */
    const char *reason; /* SHUTDOWN, RESET, X-QVIRT-STOPPED, X-QVIRT-FS-FREEZE */
    int reasonCode; /* X-QVIRT-STOPPED: qvDomainShutoffReason */
    long long run, startedAt; /* X-QVIRT-STOPPED: the run that ended and its start, 0 if absent */
    const char *id; /* VSERPORT_CHANGE port id, JOB_STATUS_CHANGE job id */
    bool open; /* VSERPORT_CHANGE */
    const char *status; /* JOB_STATUS_CHANGE, X-QVIRT-FS-FREEZE */
    const char *device; /* BLOCK_JOB_*: the job's device or id */
    const char *jobType; /* BLOCK_JOB_*: commit, stream, mirror, backup */
    long long offset, len; /* BLOCK_JOB_*: progress, -1 when absent */
    const char *error; /* BLOCK_JOB_COMPLETED/ERROR: what went wrong; X-QVIRT-STOPPED: how
                        * QEMU ended */
    const qvJSONValue *data; /* the whole "data" object, or NULL */
} qemuMonitorEvent;

typedef struct {
    /* The monitor socket closed: QEMU exited or was killed. */
    void (*eof)(qemuMonitor *mon, void *opaque);
    /* Called in the event thread, in the order QEMU sent them. */
    void (*event)(qemuMonitor *mon, const qemuMonitorEvent *event, void *opaque);
} qemuMonitorCallbacks;

/*
 * Take a connected socket to QEMU's QMP server, read the greeting and negotiate
 * capabilities, within timeoutMs. I/O happens in ctx (an event thread), the caller waits.
 */
qemuMonitor *qemuMonitorOpenFD(int fd, const char *name, GMainContext *ctx, int timeoutMs,
                               const qemuMonitorCallbacks *cb, void *opaque);
/* Connect to path first, retrying until QEMU has created it or timeoutMs passes. */
qemuMonitor *qemuMonitorOpen(const char *path, GMainContext *ctx, int timeoutMs,
                             const qemuMonitorCallbacks *cb, void *opaque);
void qemuMonitorClose(qemuMonitor *mon);
/* References for callers that share the object across threads; Close() drops the
 * opener's reference after failing waiting calls. */
qemuMonitor *qemuMonitorRef(qemuMonitor *mon);
void qemuMonitorUnref(gpointer data);

/* Run a command; on success *ret (may be NULL if not wanted) is its "return" value. */
int qemuMonitorCommand(qemuMonitor *mon, const char *cmd, qvJSONValue *arguments, int timeoutMs,
                       qvJSONValue **ret);

/* Jobs: how many JOB_STATUS_CHANGE events to "concluded" the monitor has seen; wait until
 * it has seen more than seen (any job), QEMU went away, or timeoutMs passed. A caller
 * takes the count before it asks QEMU about its job, so no conclusion is missed. */
guint64 qemuMonitorJobsConcluded(qemuMonitor *mon);
void qemuMonitorWaitJobConcluded(qemuMonitor *mon, guint64 seen, int timeoutMs);

/* A few typed commands the driver uses. */
int qemuMonitorQueryStatus(qemuMonitor *mon, bool *running, char **status);
int qemuMonitorSimple(qemuMonitor *mon, const char *cmd); /* cont, stop, system_reset... */
/* Which chardevs have their frontend (e.g. a virtio-serial port) open: label -> "1"/"0". */
int qemuMonitorGetChardevFrontends(qemuMonitor *mon, GHashTable **open);

/*
 * For fuzzing: a monitor whose handshake is still to come, which the fuzzer holds while
 * another thread runs qemuMonitorTestHandshake (qemuMonitorOpenFD's: the greeting, then
 * qmp_capabilities) and commands, and the fuzzer plays QEMU on the socket and drives ctx.
 * qemuMonitorTestOwed: how many answers callers wait for from QEMU now (the greeting until
 * it came or was refused, a reply per command in flight; 0 after EOF), so that the fuzzer
 * knows when to send more without any timing.
 */
qemuMonitor *qemuMonitorTestNew(int fd, GMainContext *ctx, const qemuMonitorCallbacks *cb,
                                void *opaque);
int qemuMonitorTestHandshake(qemuMonitor *mon, int timeoutMs);
unsigned int qemuMonitorTestOwed(qemuMonitor *mon);
