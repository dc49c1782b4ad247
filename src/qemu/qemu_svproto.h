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
/* Arm (seconds > 0) or disarm (0) the auto-thaw; tied: thaw at once if this connection
 * closes before the thaw (the freeze is a step of this client's operation). */
int qemuSvFreezeGuard(qemuMonitor *mon, long long seconds, bool tied);
/* Tell every client the guest was frozen/thawed/not thawed (state) by a request or a
 * snapshot (reason): the words of QEMU_SV_EVENT_FS_FREEZE. */
int qemuSvFSEvent(qemuMonitor *mon, const char *state, const char *reason);
/* Stop QEMU: graceful, SIGTERM then SIGKILL after libvirt's 10 s; else SIGKILL. */
int qemuSvDestroy(qemuMonitor *mon, bool graceful, int timeoutMs);
