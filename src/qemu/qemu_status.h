/* qemu_status.h: what the QEMU supervisor is told at launch and what it reports back,
 * as small key files written atomically; shared by the supervisor and the driver. */
#pragma once

#include "internal.h"

/* A file QEMU writes that qvirt opens for it (a serial or console log), so that it is
 * never opened through a symbolic link and is created for its owner only: the supervisor
 * opens it and QEMU finds it at descriptor fd (-add-fd fd=FD,set=N and path=/dev/fdset/N,
 * as libvirt passes them). */
typedef struct {
    char *path;
    int fd;
    bool append; /* else truncated, as QEMU's own open of a file chardev would */
} qemuLaunchFile;

void qemuLaunchFileClear(qemuLaunchFile *f);
/* Open f: O_WRONLY|O_CREAT|O_NOFOLLOW, mode 0600 when created, O_APPEND or O_TRUNC. The
 * descriptor, or -1 (reported; a symbolic link is named as one). */
int qemuLaunchFileOpen(const qemuLaunchFile *f);

/* What the driver hands the supervisor: the command and where everything lives. */
typedef struct {
    char *name; /* the domain's */
    char **argv; /* QEMU's, argv[0] the emulator */
    char **env; /* QEMU's whole environment, "NAME=value" */
    char *logPath; /* QEMU's stdout/stderr and the supervisor's notes, appended */
    char *monitorPath; /* QEMU's own QMP socket: only the supervisor connects to it */
    char *proxyPath; /* the supervisor's QMP socket, for any number of clients */
    char *statusPath; /* qemuDomainStatus, rewritten on every change */
    char *lockPath; /* held by the supervisor while it lives */
    char *historyPath; /* one line appended per ended run: how it ended */
    char *agentPort; /* the agent channel's device id ("channel0"), or NULL */
    char *agentPath; /* QEMU's agent socket: the supervisor stays connected to it */
    char *agentRelayPath; /* where the supervisor relays it to one client at a time */
    char **removeOnExit; /* files and directories (with their files) to remove at the end */
    qemuLaunchFile *files; /* opened for QEMU at its descriptor numbers */
    size_t nfiles;
    int onPoweroff; /* domainLifecycleAction */
    int onReboot;
    int startTimeoutMs; /* QEMU's monitor must answer within this */
    bool startPaused; /* leave the CPUs stopped; otherwise the supervisor resumes them
                       * before it reports ready, so that no client's death can leave
                       * the domain "paused (starting up)" */
} qemuLaunchSpec;

void qemuLaunchSpecFree(qemuLaunchSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuLaunchSpec, qemuLaunchSpecFree)
char *qemuLaunchSpecFormat(const qemuLaunchSpec *spec);
qemuLaunchSpec *qemuLaunchSpecParse(const char *text, const char *path);

/* The agent channel as QEMU reports it (VSERPORT_CHANGE). */
typedef enum {
    QEMU_AGENT_CHANNEL_NONE, /* the domain has no agent channel */
    QEMU_AGENT_CHANNEL_DISCONNECTED,
    QEMU_AGENT_CHANNEL_CONNECTED,
    QEMU_AGENT_CHANNEL_LAST
} qemuAgentChannelState;
QV_ENUM_DECL(qemuAgentChannelState);

/* The words of the supervisor's X-QVIRT-FS-FREEZE event, by qvDomainEventFSFreezeState and
 * qvDomainEventFSFreezeReason (0 is no word). */
QV_ENUM_DECL(qemuFSFreezeState);
QV_ENUM_DECL(qemuFSFreezeReason);

/* A running (or just stopped) domain, as its supervisor last wrote it. */
typedef struct {
    int state; /* qvDomainState */
    int reason; /* the state's reason enum */
    int agent; /* qemuAgentChannelState */
    bool fakeReboot; /* the next guest power-off is a reboot */
    int agentTimeout; /* per-domain agent response timeout (libvirt's values), -1 default */
    long long freezeDeadline; /* wall clock µs: thaw the guest by then; 0 when not frozen */
    long long qemuPid;
    long long supervisorPid;
    long long startedAt; /* wall clock, µs */
    long long stoppedAt; /* wall clock, µs; 0 while running */
    int exitStatus; /* waitpid() status once QEMU is gone, else -1 */
    char *exitReason; /* why QEMU ended, in words, or NULL */
} qemuDomainStatus;

void qemuDomainStatusInit(qemuDomainStatus *st);
void qemuDomainStatusClear(qemuDomainStatus *st);
char *qemuDomainStatusFormat(const qemuDomainStatus *st);
int qemuDomainStatusParse(const char *text, const char *path, qemuDomainStatus *st);
int qemuDomainStatusWrite(const char *path, const qemuDomainStatus *st);
int qemuDomainStatusRead(const char *path, qemuDomainStatus *st);

/* The name of a shut-off reason, as the supervisor's X-QVIRT-STOPPED event gives it. */
const char *qemuShutoffReasonToString(int reason);
