/* qemu_domain.h: the QEMU driver's shared state and what it keeps per domain object
 * while this process talks to a running domain (its monitor and agent connections). */
#pragma once

#include "domain_event.h"
#include "domain_obj.h"
#include "qemu_agent.h"
#include "qemu_conf.h"
#include "qemu_monitor.h"
#include "qemu_status.h"
#include "qveventthread.h"

/* One per state root per process, shared by the connections that open it. */
typedef struct {
    gint refs;
    qemuDriverConfig *cfg;
    domainObjList *domains;
    qvDomainEventState *events;
    qemuAgentConfig agentCfg;
    GMutex lock; /* guards eventThread and the watch fields */
    qvEventThread *eventThread; /* monitor I/O, created on first use */
    GThread *watchThread; /* rescans the root while event callbacks exist */
    GCond watchCond;
    bool watchStop;
    gint64 watchSince; /* wall clock µs: runs started after this are news */
    GHashTable *announced; /* "started|stopped:NAME:RUN" events already delivered */
    GRWLock configLock; /* a writer changes definitions; readers reload them from disk */
    GMutex reloadLock; /* one reader reloads at a time */
    GMutex snapshotLock; /* snapshots */
    GHashTable *snapshots; /* domain name -> its snapshot list as last read, for reading */
} qemuDriver;

/* Guarded by the domain object's lock; never held across a blocking call. */
typedef struct {
    qemuDriver *driver;
    long long supervisorPid; /* the run the fields below belong to */
    char *agentPort; /* the agent channel's device id, or NULL */
    int agentChannel; /* qemuAgentChannelState */
    int agentTimeout; /* per-domain response timeout, libvirt's values */
    qemuMonitor *mon; /* to the supervisor; holds a reference to the object */
    bool monDead; /* EOF or X-QVIRT-STOPPED seen: close and reopen on next use */
    qemuAgent *agent;
    int agentLockFd; /* held while this process is connected to the agent */
    bool agentDead;
    bool shutdownSeen; /* SHUTDOWN before STOP: the pause is part of shutting down */
    gint64 lastReset; /* monotonic µs: QEMU sends two RESETs per reboot */
} qemuDomainObjPrivate;

qemuDomainObjPrivate *qemuDomainObjGetPrivate(qemuDriver *driver, domainObj *obj);

/* Record that a run's start or stop (what: "started", "stopped") was announced; true
 * the first time, so that each is delivered once whichever way this process learnt it
 * (its own call, the supervisor's event, the status file, the run history). */
bool qemuDriverAnnounce(qemuDriver *driver, const char *what, const char *name, long long run);
