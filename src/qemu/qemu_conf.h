/* qemu_conf.h: where a qvirt root keeps definitions, runtime state, sockets and logs. */
#pragma once

#include "domain_conf.h"

/* sun_path holds 108 bytes including the NUL */
#define QEMU_UNIX_PATH_MAX 107

typedef struct {
    char *root; /* the state root everything lives under */
    char *configDir; /* root/etc/qemu: persistent definitions <name>.xml */
    char *stateDir; /* root/run/qemu: status of running domains, monitor sockets */
    char *libDir; /* root/lib/qemu: per-domain homes, channel sockets */
    char *channelTargetDir; /* root/lib/qemu/channel/target */
    char *logDir; /* root/log/qemu */
    char *snapshotDir; /* root/lib/qemu/snapshot */
    char *defaultEmulator;
} qemuDriverConfig;

qemuDriverConfig *qemuDriverConfigNew(const char *root);
void qemuDriverConfigFree(qemuDriverConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDriverConfig, qemuDriverConfigFree)

/* The per-user default root: /var/lib/qvirt for root, else $XDG_STATE_HOME/qvirt. */
char *qemuDriverDefaultRoot(void);

/* libvirt's short name: "<id>-<name, at most 20 bytes of whole UTF-8 characters>". */
char *qemuDomainShortName(const domainDef *def);
char *qemuDomainRuntimeDir(const qemuDriverConfig *cfg, const domainDef *def);
char *qemuDomainHomeDir(const qemuDriverConfig *cfg, const domainDef *def);
char *qemuDomainChannelDir(const qemuDriverConfig *cfg, const domainDef *def);
char *qemuDomainMonitorPath(const qemuDriverConfig *cfg, const domainDef *def);
/* The supervisor's QMP socket, which every qvirt process uses (QEMU's own is private). */
char *qemuDomainProxyPath(const qemuDriverConfig *cfg, const domainDef *def);
/* The supervisor's relay of the guest agent socket. */
char *qemuDomainAgentRelayPath(const qemuDriverConfig *cfg, const domainDef *def);

/* Per-name files of a running (or just stopped) domain, in stateDir: the live
 * definition, the supervisor's status, its lock (held while it lives), the lock a
 * process holds while it is connected to the agent, and the launch spec. */
char *qemuDomainStateFile(const qemuDriverConfig *cfg, const char *name, const char *suffix);
/* logDir/<name>.log: QEMU's output and the supervisor's notes. */
char *qemuDomainLogPath(const qemuDriverConfig *cfg, const char *name);

/*
 * Choose this run's socket path for every unix virtio channel without one (libvirt's
 * rule: <channelTargetDir>/domain-<id>-<name>/<target name>) and check that every
 * socket path fits in sun_path. def->id must be set.
 */
int qemuDomainPrepareChannels(const qemuDriverConfig *cfg, domainDef *def);

/* Forget paths that an earlier run chose (e.g. from a live XML given back to define). */
void qemuDomainDropAutoPaths(const qemuDriverConfig *cfg, domainDef *def);
