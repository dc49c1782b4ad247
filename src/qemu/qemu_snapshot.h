/* qemu_snapshot.h: domain snapshots: their metadata (qemu_snapshot.c), create
 * (qemu_snapshot_create.c), revert and delete (qemu_snapshot_revert.c), and the
 * settling of an operation whose process died (qemu_snapshot_reconcile.c). */
#pragma once

#include "qemu_domain.h"
#include "snapshot_conf.h"

/* ---- metadata: lib/qemu/snapshot/DOMAIN/NAME.xml and .../current ---- */

typedef struct {
    gint refs;
    GPtrArray *defs; /* snapshotDef *, oldest first */
    char *current; /* name of the current snapshot, or NULL */
} qemuSnapshotList;

/* Every snapshot of a domain, read now; a damaged file is reported, not skipped. The
 * list is the caller's to change. */
qemuSnapshotList *qemuSnapshotListLoad(qemuDriver *driver, const char *domname);
/* The same for reading only: shared, and read again from the files only when their
 * directory changed (so that a client listing N snapshots and asking for each one's XML
 * does not parse N * N files). */
qemuSnapshotList *qemuSnapshotListGet(qemuDriver *driver, const char *domname);
/* Drop a reference. */
void qemuSnapshotListFree(qemuSnapshotList *list);
/* For the driver's table of kept lists. */
void qemuSnapshotCacheFree(gpointer data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuSnapshotList, qemuSnapshotListFree)
/* The snapshot named name, or NULL with QV_ERR_NO_DOMAIN_SNAPSHOT. */
snapshotDef *qemuSnapshotFind(const qemuSnapshotList *list, const char *domname, const char *name);
/* Names of the snapshots list selects (qvDomainSnapshotListFlags), under from (NULL: the
 * whole domain; then bit 0 means ROOTS, else DESCENDANTS). */
GPtrArray *qemuSnapshotFilter(const qemuSnapshotList *list, const snapshotDef *from,
                              unsigned int flags);
/* Whether a snapshot used external files (disks or memory). */
bool qemuSnapshotIsExternal(const snapshotDef *def);
/* Drop every snapshot of a domain (undefine). */
int qemuSnapshotDiscardAll(qemuDriver *driver, const char *domname);

/* ---- operations; the caller holds the root lock ---- */

/* Take a snapshot of obj per xml and flags (qvDomainSnapshotCreateFlags); its name. */
char *qemuSnapshotCreate(qemuDriver *driver, domainObj *obj, const char *xml, unsigned int flags);
/* Finish or undo the snapshot operation recorded in the journal at path by a process that
 * died (the caller holds the root lock, so no live process owns it): from QEMU's own state
 * (qemu_journal.h). obj: the domain, or NULL if it is not known. 1 done, 0 no journal,
 * -1 left as it is (reported). */
int qemuSnapshotReconcile(qemuDriver *driver, domainObj *obj, const char *path);
int qemuSnapshotRevert(qemuDriver *driver, domainObj *obj, const char *name, unsigned int flags);
int qemuSnapshotDelete(qemuDriver *driver, domainObj *obj, const char *name, unsigned int flags);
