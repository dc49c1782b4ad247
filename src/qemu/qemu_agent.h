/* qemu_agent.h: the QEMU guest agent client: bounded, resynchronising, typed, hostile-proof. */
#pragma once

#include "internal.h"
#include "qvjson.h"

typedef struct _qemuAgent qemuAgent;

/*
 * Timeout classes and their defaults (qemuAgentConfigInit): sync 2 s, query 5 s,
 * inventory 15 s, modify 10 s, freeze 60 s, thaw 30 s, power 60 s.
 */
typedef enum {
    QEMU_AGENT_TIMEOUT_SYNC, /* guest-sync-delimited: is anyone there? */
    QEMU_AGENT_TIMEOUT_QUERY, /* ping, info, time, osinfo, hostname, users... */
    QEMU_AGENT_TIMEOUT_INVENTORY, /* fsinfo, disks, network interfaces */
    QEMU_AGENT_TIMEOUT_MODIFY, /* set-time, set-vcpus, set-user-password */
    QEMU_AGENT_TIMEOUT_FREEZE, /* fsfreeze-freeze(-list) */
    QEMU_AGENT_TIMEOUT_THAW, /* fsfreeze-thaw */
    QEMU_AGENT_TIMEOUT_POWER, /* shutdown, suspend: until QEMU's event */
    QEMU_AGENT_TIMEOUT_LAST
} qemuAgentTimeoutClass;

/* The longest any call waits, even when asked to block (QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK). */
#define QEMU_AGENT_MAX_WAIT_SECONDS 600

typedef struct {
    int timeoutsMs[QEMU_AGENT_TIMEOUT_LAST];
    int responseTimeout; /* per-domain override: libvirt's BLOCK -2, DEFAULT -1, NOWAIT 0, N */
    size_t maxReplyBytes; /* longest reply line accepted for ordinary commands */
    size_t maxBigReplyBytes; /* ... for inventory commands and raw passthrough */
    unsigned int maxDepth; /* JSON nesting accepted in a reply */
    unsigned int maxStrikes; /* hostile input events within strikeWindow before quarantine */
    unsigned int strikeWindow; /* seconds */
    bool syncEachCommand; /* sync before every command, not only after (re)connects/errors */
} qemuAgentConfig;

void qemuAgentConfigInit(qemuAgentConfig *cfg);

typedef enum {
    QEMU_AGENT_EVENT_NONE,
    QEMU_AGENT_EVENT_SHUTDOWN,
    QEMU_AGENT_EVENT_RESET,
    QEMU_AGENT_EVENT_SUSPEND,
} qemuAgentEvent;

typedef struct {
    /* The socket closed (QEMU went away); the agent is unusable afterwards. */
    void (*eof)(qemuAgent *agent, void *opaque);
    /* The agent was quarantined after repeated hostile input. */
    void (*quarantined)(qemuAgent *agent, void *opaque);
} qemuAgentCallbacks;

/*
 * Connect to the agent socket that QEMU serves. The agent has its own GMainContext, which
 * the caller whose command is in flight drives while it waits, so the socket is read
 * only while a command is outstanding (QEMU's QMP events tell about the channel and EOF
 * meanwhile). Callbacks run in that caller's thread. Nothing is sent until the first call.
 */
qemuAgent *qemuAgentOpen(const char *path, const qemuAgentConfig *cfg, const qemuAgentCallbacks *cb,
                         void *opaque);
/* The same on a connected socket (tests use a socketpair); name is for messages. */
qemuAgent *qemuAgentOpenFD(int fd, const char *name, const qemuAgentConfig *cfg,
                           const qemuAgentCallbacks *cb, void *opaque);
/* Fail every waiting call (not connected), close the socket, free. */
void qemuAgentClose(qemuAgent *agent);
/* References for callers that share the object across threads; Close() drops the
 * opener's reference after failing waiting calls. */
qemuAgent *qemuAgentRef(qemuAgent *agent);
void qemuAgentUnref(gpointer data);

/* QEMU's view of the virtio port (VSERPORT_CHANGE): a closed port fails calls at once;
 * a port that opens again lifts a quarantine and forces a resync. */
void qemuAgentNotifyChannelState(qemuAgent *agent, bool open);
/* QEMU's SHUTDOWN, RESET and SUSPEND events complete guest-shutdown and guest-suspend-*. */
void qemuAgentNotifyEvent(qemuAgent *agent, qemuAgentEvent event);
/* The per-domain override (libvirt's qvDomainAgentSetResponseTimeout semantics). */
int qemuAgentSetResponseTimeout(qemuAgent *agent, int timeout);
bool qemuAgentIsQuarantined(qemuAgent *agent);

/* Lend the agent's connection out (the supervisor talks to qemu-ga through it meanwhile,
 * for a quiesced snapshot): wait up to timeoutMs for the command in flight to end, then
 * start none until qemuAgentRelease; calls made meanwhile wait in order (their own
 * timeouts still run). */
int qemuAgentHold(qemuAgent *agent, int timeoutMs);
void qemuAgentRelease(qemuAgent *agent);

/* Counters, for tests and status output. */
typedef struct {
    unsigned long long commands; /* replies matched to their command */
    unsigned long long syncs; /* successful resynchronisations */
    unsigned long long strikes; /* hostile or garbled input events */
    unsigned long long stale; /* late replies to abandoned commands, dropped */
    unsigned long long timeouts;
    unsigned long long queued; /* now: calls waiting behind the one in flight */
    unsigned long long holds; /* now: qemuAgentHold callers waiting, or one holding */
} qemuAgentStats;
void qemuAgentGetStats(qemuAgent *agent, qemuAgentStats *stats);

/* ---- raw passthrough (libvirt's qemuAgentCommand): timeout with libvirt's meaning ---- */
int qemuAgentArbitraryCommand(qemuAgent *agent, const char *cmd, int timeout, char **result);

/* ---- typed commands; each returns 0 (or a count), or -1 with a typed error ---- */
int qemuAgentPing(qemuAgent *agent);

typedef struct {
    char *name;
    bool enabled;
    bool successResponse;
} qemuAgentCommandInfo;

typedef struct {
    char *version;
    qemuAgentCommandInfo *commands;
    size_t ncommands;
} qemuAgentInfo;
void qemuAgentInfoFree(qemuAgentInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuAgentInfo, qemuAgentInfoFree)
int qemuAgentGetInfo(qemuAgent *agent, qemuAgentInfo **info);

/* Returns the number of filesystems frozen; mountpoints may be NULL for all. */
int qemuAgentFSFreeze(qemuAgent *agent, const char *const *mountpoints, size_t nmountpoints);
/* Returns the number of filesystems thawed. priority: ahead of any queued command. */
int qemuAgentFSThaw(qemuAgent *agent, bool priority);
typedef enum {
    QEMU_AGENT_FSFREEZE_THAWED,
    QEMU_AGENT_FSFREEZE_FROZEN,
} qemuAgentFSFreezeStatus;
int qemuAgentFSFreezeStatusGet(qemuAgent *agent, qemuAgentFSFreezeStatus *status);

int qemuAgentGetTime(qemuAgent *agent, long long *seconds, unsigned int *nseconds);
/* sync: the guest reads its hardware clock (seconds/nseconds ignored). */
int qemuAgentSetTime(qemuAgent *agent, long long seconds, unsigned int nseconds, bool sync);

/* name=value pairs, NULL-terminated (os.id, os.name, os.kernel-release, ...) */
int qemuAgentGetOSInfo(qemuAgent *agent, char ***keys, char ***values);
int qemuAgentGetHostname(qemuAgent *agent, char **hostname);

typedef struct {
    char *name;
    char *domain; /* Windows only */
    unsigned long long loginTime; /* milliseconds since the epoch */
} qemuAgentUser;
int qemuAgentGetUsers(qemuAgent *agent, qemuAgentUser **users, size_t *nusers);
void qemuAgentUsersFree(qemuAgentUser *users, size_t n);

int qemuAgentGetTimezone(qemuAgent *agent, char **zone, int *offset);

typedef struct {
    char *alias; /* guest device, e.g. "sda" */
    char *serial;
    char *devnode;
    char *bus;
    unsigned int pciDomain, pciBus, pciSlot, pciFunction;
    unsigned int target, unit;
} qemuAgentFSDisk;

typedef struct {
    char *mountpoint;
    char *name;
    char *fstype;
    long long totalBytes; /* -1 when not reported */
    long long usedBytes;
    qemuAgentFSDisk *disks;
    size_t ndisks;
} qemuAgentFSInfo;
int qemuAgentGetFSInfo(qemuAgent *agent, qemuAgentFSInfo **info, size_t *ninfo);
void qemuAgentFSInfoFree(qemuAgentFSInfo *info, size_t n);

typedef struct {
    char *name;
    bool partition;
    char *alias;
    char **dependencies;
} qemuAgentDiskInfo;
int qemuAgentGetDisks(qemuAgent *agent, qemuAgentDiskInfo **disks, size_t *ndisks);
void qemuAgentDisksFree(qemuAgentDiskInfo *disks, size_t n);

typedef struct {
    bool ipv6;
    char *address;
    unsigned int prefix;
} qemuAgentIPAddress;

typedef struct {
    char *name;
    char *hwaddr;
    qemuAgentIPAddress *addrs;
    size_t naddrs;
} qemuAgentInterface;
int qemuAgentGetInterfaces(qemuAgent *agent, qemuAgentInterface **ifaces, size_t *nifaces);
void qemuAgentInterfacesFree(qemuAgentInterface *ifaces, size_t n);

typedef struct {
    unsigned int id;
    bool online;
    bool offlinable;
} qemuAgentCPUInfo;
int qemuAgentGetVCPUs(qemuAgent *agent, qemuAgentCPUInfo **cpus, size_t *ncpus);
/* Returns how many of the given vCPUs the guest changed. */
int qemuAgentSetVCPUs(qemuAgent *agent, const qemuAgentCPUInfo *cpus, size_t ncpus);

int qemuAgentSetUserPassword(qemuAgent *agent, const char *user, const char *password,
                             bool crypted);

typedef enum {
    QEMU_AGENT_SHUTDOWN_POWERDOWN,
    QEMU_AGENT_SHUTDOWN_REBOOT,
    QEMU_AGENT_SHUTDOWN_HALT,
} qemuAgentShutdownMode;
/* Completes on QEMU's SHUTDOWN (RESET for reboot) event, or EOF, within the bound. */
int qemuAgentShutdown(qemuAgent *agent, qemuAgentShutdownMode mode);

typedef enum {
    QEMU_AGENT_SUSPEND_RAM,
    QEMU_AGENT_SUSPEND_DISK,
    QEMU_AGENT_SUSPEND_HYBRID,
} qemuAgentSuspendMode;
int qemuAgentSuspend(qemuAgent *agent, qemuAgentSuspendMode mode);
