/* qemu_snapshot_priv.h: what the snapshot modules (qemu_snapshot*.c) share; not for
 * the rest of the driver. */
#pragma once

#include "qemu_journal.h"
#include "qemu_monitor.h"
#include "qemu_snapshot.h"

/* Bounds on what a snapshot waits for. */
#define QEMU_SNAPSHOT_QMP_TIMEOUT_MS 30000 /* a transaction, query-block, a job command */
/* How long a client waits for the supervisor's switch: longer than all the step's own
 * bounds (agent calls, the transaction), which end it first. */
#define QEMU_SNAPSHOT_SWITCH_WAIT_MS (15 * 60 * 1000)
/* How long a quiesced snapshot waits for another thread's agent command to end. */
#define QEMU_SNAPSHOT_AGENT_HOLD_MS 30000
#define QEMU_SNAPSHOT_JOB_TIMEOUT_MS (600 * 1000) /* snapshot-save/load/delete */
#define QEMU_SNAPSHOT_IMG_TIMEOUT_S 600

typedef struct {
    char *node; /* the top format node now */
    char *file; /* its image */
    long long size; /* virtual size in bytes */
    char **tags; /* the internal snapshots it holds */
} qemuSnapshotBlockInfo;

typedef struct {
    domainDiskDef *disk; /* in the definition being snapshotted */
    int location; /* snapshotLocation: INTERNAL or EXTERNAL */
    char *file; /* external: the overlay */
    bool created; /* external: this call created the file */
    const qemuSnapshotBlockInfo *block; /* running: QEMU's view */
    char *newNode; /* external, running: the overlay's format node... */
    char *fileNode; /* ...over this protocol node */
    bool fileNodeAdded; /* QEMU opened them (blockdev-add) */
    bool newNodeAdded;
} qemuSnapshotDiskPlan;

typedef struct {
    qemuDriver *driver;
    domainObj *obj;
    const char *domname;
    snapshotDef *snap;
    GArray *plan;
    unsigned int flags;
} qemuSnapshotCtx;

/* lib/qemu/snapshot/DOMAIN: the domain's snapshot records */
char *qemuSnapshotDir(qemuDriver *driver, const char *domname);

/* ... and the record of snapshot name in it (NAME.xml) */
char *qemuSnapshotFile(qemuDriver *driver, const char *domname, const char *name);

/* Run qemu-img with args; its standard output in *output if output is not NULL. */
int qemuSnapshotImgOutput(const char *const *args, char **output);

/* qemu-img args, its output not wanted */
int qemuSnapshotImg(const char *const *args);

/* Whether the image file (not in use, or shared: -U) holds internal snapshot tag: 1 yes,
 * 0 no (or no such file), -1 not known (reported). */
int qemuSnapshotImageHasTag(const char *image, const char *tag);

/* Where QEMU's job id is: -1 not known (reported), 0 QEMU has no such job, 1 at work,
 * 2 concluded (*error: its error, NULL when it succeeded). */
int qemuSnapshotJobState(qemuMonitor *mon, const char *jobId, char **error);

/* job-dismiss of a concluded job */
int qemuSnapshotJobDismiss(qemuMonitor *mon, const char *jobId);

/* A new job id for cmd (unique within a QEMU run) */
char *qemuSnapshotJobId(const char *cmd);

/* Device alias -> its top image as QEMU has it now (qemuSnapshotBlockInfo), from
 * query-block. */
GHashTable *qemuSnapshotQueryBlock(qemuMonitor *mon);

/* Free what the plan's entries own (not the array) */
void qemuSnapshotPlanClear(GArray *plan);

/* Fill snap->disks from the request and the domain's disks; build the plan. */
int qemuSnapshotPlan(snapshotDef *snap, domainDef *dom, bool diskOnly, GArray *plan);

/* Shut off: check (and, unless reuse, create with qemu-img) the overlays. */
int qemuSnapshotPrepareOverlays(GArray *plan, bool reuse);

/* Running: the overlays are formatted (unless reused) and opened by QEMU itself, before
 * any freeze: no helper process to spawn, and nothing but the graph switch is left for
 * the frozen window. Undone by qemuSnapshotCloseOverlays. */
int qemuSnapshotOpenOverlays(qemuMonitor *mon, GArray *plan, bool reuse);

/* After a failure: QEMU lets go of the overlays it opened (errors only logged). */
void qemuSnapshotCloseOverlays(qemuMonitor *mon, GArray *plan, const char *domain,
                               const char *snapshot);

/* blockdev-del of node, a failure only logged (domain, snapshot: for the log) */
void qemuSnapshotBlockdevDel(qemuMonitor *mon, const char *node, const char *domain,
                             const char *snapshot);

/* Remove the overlays this call created */
void qemuSnapshotRemoveCreated(GArray *plan);

/* The disks the journal switched now run on their overlays (those not on them yet). */
void qemuSnapshotApplyJournal(domainDef *def, const qemuJournal *j);

/* The object's definition as it is now, to plan against: another thread may replace
 * obj->def (a reload, a refresh) while a snapshot runs. */
domainDef *qemuSnapshotCopyDef(domainObj *obj);

/* The plan's disks -> QEMU's block nodes (c->plan[i].block), from blocks */
int qemuSnapshotMapBlocks(qemuSnapshotCtx *c, GHashTable *blocks);

/* A QMP snapshot job (snapshot-save/-load/-delete) over the plan's disks, tagged tag;
 * vmstate: the memory goes to (comes from) the first disk. jobId: the id the journal
 * names (NULL: one is made up). Not dismissed when told not to (the caller records the
 * outcome first, then dismisses). */
int qemuSnapshotJobOnDisks(qemuDriver *driver, domainObj *obj, GArray *plan, const char *cmd,
                           const char *tag, bool vmstate, const char *jobId, bool dismiss);

/* Internal, shut off: qemu-img snapshot -c on every disk (undone on failure). */
int qemuSnapshotImgEach(GArray *plan, const char *op, const char *name, const char *undo);

/* The plan of an internal snapshot's disks, against the domain's current disks. */
int qemuSnapshotInternalPlan(const snapshotDef *snap, domainDef *dom, GArray *plan);

/* A new journal for domname, refused while the one of an operation that has not been
 * settled exists. */
qemuJournal *qemuSnapshotJournalNew(qemuDriver *driver, const char *op, const char *domname,
                                    const char *snapname);

/* The journal names tag in the image of each of the plan's disks */
void qemuSnapshotJournalAddTags(qemuJournal *j, const char *tag, GArray *plan);

/* Stage the "current" record naming name (NULL: none is current). */
int qemuSnapshotStageCurrent(qemuDriver *driver, qemuJournal *j, const char *domname,
                             const char *name);

/* Commit, or report that the operation happened but its records wait for the next
 * change (which completes them: the journal says what to do). */
int qemuSnapshotCommit(qemuJournal *j);

/* Roll back, keeping the caller's error; a failure is only logged */
void qemuSnapshotRollbackQuiet(qemuJournal *j);

/* Run state after a revert with memory: QEMU restored its own run state after the load;
 * the revert decides. */
int qemuSnapshotApplyRun(qemuDriver *driver, domainObj *obj, const char *run);
