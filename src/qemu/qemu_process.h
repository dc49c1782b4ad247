/* qemu_process.h: starting a domain under its supervisor, stopping it, finding running
 * domains again from their status files, and this process's connections to them. */
#pragma once

#include "qemu_domain.h"

/* How long QEMU's monitor may take to answer after QEMU starts. */
#define QEMU_PROCESS_START_TIMEOUT_MS 30000
/* How long destroy waits for the supervisor to report QEMU gone (SIGKILL after 10 s). */
#define QEMU_PROCESS_STOP_TIMEOUT_MS 20000

/* Start obj (inactive) with its persistent definition; the caller holds the root lock.
 * flags: QV_DOMAIN_START_PAUSED. */
/* Remove the run files (sockets, run and home directories, the launch file) that a
 * supervisor killed before it could clean up left behind. The caller holds the root lock,
 * so no start is in progress; a live supervisor holds its lock. */
void qemuProcessCleanupDeadRuns(qemuDriver *driver);
int qemuProcessStart(qemuDriver *driver, domainObj *obj, unsigned int flags);

/* Stop obj's QEMU (SIGTERM, then SIGKILL unless graceful) and wait until it is gone. */
int qemuProcessDestroy(qemuDriver *driver, domainObj *obj, bool graceful);

/* Bring obj up to date with its runtime files: running or not, state and reason, the
 * live definition. Cheap (a lock probe and a small read); safe at any time. */
void qemuProcessRefresh(qemuDriver *driver, domainObj *obj);

/* Add running domains that have no persistent definition (transient) to list. */
void qemuProcessLoadTransient(qemuDriver *driver, domainObjList *list);

/* Wait until obj is shut off, up to timeoutMs; true if it is. */
bool qemuProcessWaitStopped(qemuDriver *driver, domainObj *obj, int timeoutMs);

/* This process's monitor connection to a running obj (a new reference), opened on first
 * use; NULL with "domain is not running" or the connection error. */
qemuMonitor *qemuDomainGetMonitor(qemuDriver *driver, domainObj *obj);

/* The agent connection (a new reference), opened on first use after the monitor: typed
 * errors for not configured, not connected (channel closed), quarantined, and busy
 * (another process holds the agent, waited for up to waitMs). */
qemuAgent *qemuDomainGetAgent(qemuDriver *driver, domainObj *obj, int waitMs);

/* Whether the agent channel is open in QEMU, as this process knows it. */
bool qemuDomainAgentConnected(domainObj *obj);

/* Close this process's connections to obj (the domain keeps running). */
void qemuDomainCloseConnections(domainObj *obj);

/* Set the per-domain agent timeout (kept in the supervisor's status). */
int qemuDomainSetAgentTimeout(qemuDriver *driver, domainObj *obj, int timeout);

/* Ensure the driver's event thread exists and return its context. */
GMainContext *qemuDriverEventContext(qemuDriver *driver);

/* Deliver the events of a run once each (run 0: unknown run, always): STARTED if a
 * watch is on and the run began after it (startedAt, wall clock µs), then STOPPED with
 * a qvDomainShutoffReason (reason < 0: still running, no STOPPED). */
void qemuProcessEmitRun(qemuDriver *driver, const char *name, const unsigned char *uuid, int id,
                        long long run, long long startedAt, int reason);

/* The runs of a domain that ended, oldest first, from run/qemu/NAME.runs. */
typedef struct {
    long long run; /* the supervisor's pid */
    long long startedAt, stoppedAt; /* wall clock µs */
    int reason; /* qvDomainShutoffReason */
} qemuProcessRunRecord;
GArray *qemuProcessReadHistory(qemuDriver *driver, const char *name);

/* etc/qemu/NAME.xml, and writing a persistent definition there (atomically). */
char *qemuDomainConfigFile(const qemuDriver *driver, const char *name);
int qemuDomainSaveConfig(qemuDriver *driver, const domainDef *def);
/* What qemuDomainSaveConfig writes. */
char *qemuDomainConfigContent(const domainDef *def);
/* Rewrite a running domain's live definition (run/qemu/NAME.xml), atomically. */
int qemuDomainSaveLiveDef(qemuDriver *driver, const domainDef *def);
