/* qemu_svproto.h: the supervisor's own protocol, on top of the QMP it relays: its
 * commands and events named once, and one typed client for the commands. The supervisor
 * (qemu_supervisor.c) serves these names; the driver calls them only through this. */
#pragma once

#include "qemu_monitor.h"
#include "qemu_status.h"

/* Commands (arguments in the client calls below). */
#define QEMU_SV_QUERY_STATUS "x-qvirt-query-status"
#define QEMU_SV_SET_FAKE_REBOOT "x-qvirt-set-fake-reboot"
#define QEMU_SV_SET_AGENT_TIMEOUT "x-qvirt-set-agent-timeout"
#define QEMU_SV_FREEZE_GUARD "x-qvirt-freeze-guard"
#define QEMU_SV_FS_EVENT "x-qvirt-fs-event"
#define QEMU_SV_DESTROY "x-qvirt-destroy"
#define QEMU_SV_SNAPSHOT_SWITCH "x-qvirt-snapshot-switch"
#define QEMU_SV_SWITCH_WAIT "x-qvirt-switch-wait"

/* Events, broadcast to every client: QEMU_SV_EVENT_STOPPED, QEMU_SV_EVENT_FS_FREEZE
 * (qemu_monitor.h: the monitor parses them) and this one: */
#define QEMU_SV_EVENT_AUTO_THAW "X-QVIRT-AUTO-THAW" /* the freeze guard acted */

/* The answer to QEMU_SV_QUERY_STATUS: the supervisor's status (what it also writes to
 * the status file) as JSON, and back. Parsing fills what is there over st's values and
 * fails (reported) on a state, reason or agent word that is not one. */
qvJSONValue *qemuSvStatusToJSON(const qemuDomainStatus *st);
int qemuSvStatusFromJSON(const qvJSONValue *v, qemuDomainStatus *st);

/* The client: each a command on mon (a connection to the supervisor's socket). */
int qemuSvQueryStatus(qemuMonitor *mon, int timeoutMs, qemuDomainStatus *st);
/* The next guest power-off is a reboot (libvirt's "fake reboot" of an ACPI reboot). */
int qemuSvSetFakeReboot(qemuMonitor *mon, bool enable);
/* The domain's agent response timeout (libvirt's values; -1 default). */
int qemuSvSetAgentTimeout(qemuMonitor *mon, int timeout);
/* Arm (seconds > 0) or disarm (0) the auto-thaw of a freeze the user asked for. */
int qemuSvFreezeGuard(qemuMonitor *mon, long long seconds);
/* Tell every client the guest was frozen/thawed/not thawed (state) by a request or a
 * snapshot (reason): the words of QEMU_SV_EVENT_FS_FREEZE. */
int qemuSvFSEvent(qemuMonitor *mon, const char *state, const char *reason);
/* The switch of an external disk-only snapshot, as one step the supervisor owns from
 * end to end: [agent sync, fsfreeze-status, freeze] QMP transaction [thaw, verified].
 * The client that asks for it may die at any point: the step completes all the same,
 * and the journal's reconciliation (which waits for it, qemuSvSwitchWait) finds QEMU's
 * block graph as the step left it. The guest is frozen only inside the supervisor,
 * which QEMU does not outlive: no process death can leave it frozen. */
typedef enum {
    QEMU_SV_QUIESCE_NONE, /* crash-consistent: no agent */
    QEMU_SV_QUIESCE_REQUIRED, /* no switch unless the guest was frozen */
    QEMU_SV_QUIESCE_BEST_EFFORT, /* frozen if the agent can, switched regardless */
    QEMU_SV_QUIESCE_LAST
} qemuSvQuiesce;
QV_ENUM_DECL(qemuSvQuiesce);

typedef struct {
    int switched; /* 1 done; 0 not done, nothing changed (error says why); -1 not known */
    int frozen; /* filesystems the freeze reported; -1 no freeze was tried or it failed */
    bool thawed; /* a freeze was tried and the guest was verified thawed */
    long long windowUs; /* freeze reply to thaw reply: the guest's frozen window */
    long long thawSentUs; /* freeze reply to thaw sent: the transaction and qvirt's hops */
    long long transactionUs; /* the transaction sent to its reply: QEMU's own part */
    /* the failures, as the supervisor reported them (code, domain, whole message) */
    int errorCode, errorDomain; /* why not switched, or why it is not known */
    char *error;
    int quiesceCode, quiesceDomain; /* best effort: why the guest was not frozen */
    char *quiesceError;
    int thawCode, thawDomain; /* a freeze whose thaw was not verified */
    char *thawError;
} qemuSvSwitchResult;

void qemuSvSwitchResultClear(qemuSvSwitchResult *r);
qvJSONValue *qemuSvSwitchResultToJSON(const qemuSvSwitchResult *r);
int qemuSvSwitchResultFromJSON(const qvJSONValue *v, qemuSvSwitchResult *r);
/* Record the calling thread's last error as one of r's failures (kind: 'e' error,
 * 'q' quiesce, 't' thaw). */
void qemuSvSwitchResultSetError(qemuSvSwitchResult *r, char kind);

/* actions: QMP transaction actions (taken). The guest stays frozen at most guardSeconds
 * even if the step hangs. Returns 0 with *r filled (r->switched says what happened), or
 * -1 when no answer came within timeoutMs (the outcome is not known). */
int qemuSvSnapshotSwitch(qemuMonitor *mon, qvJSONValue *actions, qemuSvQuiesce quiesce,
                         long long guardSeconds, int timeoutMs, qemuSvSwitchResult *r);
/* Returns once no switch is in flight (at once when none is). */
int qemuSvSwitchWait(qemuMonitor *mon, int timeoutMs);

/* Stop QEMU: graceful, SIGTERM then SIGKILL after libvirt's 10 s; else SIGKILL. */
int qemuSvDestroy(qemuMonitor *mon, bool graceful, int timeoutMs);
