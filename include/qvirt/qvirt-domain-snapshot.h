/* qvirt-domain-snapshot.h: domain snapshots: libvirt's calls and flag values, qv prefix. */
#pragma once

#ifndef QVIRT_H_INCLUDE
#error "include <qvirt/qvirt.h>, not this header"
#endif

typedef enum {
    QV_DOMAIN_SNAPSHOT_CREATE_REDEFINE = 1 << 0,
    QV_DOMAIN_SNAPSHOT_CREATE_CURRENT = 1 << 1,
    QV_DOMAIN_SNAPSHOT_CREATE_NO_METADATA = 1 << 2,
    QV_DOMAIN_SNAPSHOT_CREATE_HALT = 1 << 3,
    QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY = 1 << 4,
    QV_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT = 1 << 5,
    QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE = 1 << 6,
    QV_DOMAIN_SNAPSHOT_CREATE_ATOMIC = 1 << 7,
    QV_DOMAIN_SNAPSHOT_CREATE_LIVE = 1 << 8,
    QV_DOMAIN_SNAPSHOT_CREATE_VALIDATE = 1 << 9,
    /* qvirt's own (above libvirt's range): like QUIESCE, but when the guest agent cannot
     * freeze (not connected, not answering, freeze failed) take a crash-consistent
     * snapshot instead of failing; the snapshot XML says which one was taken */
    QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE_BEST_EFFORT = 1 << 24,
} qvDomainSnapshotCreateFlags;

typedef enum {
    QV_DOMAIN_SNAPSHOT_DELETE_CHILDREN = 1 << 0,
    QV_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY = 1 << 1,
    QV_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY = 1 << 2,
} qvDomainSnapshotDeleteFlags;

typedef enum {
    QV_DOMAIN_SNAPSHOT_REVERT_RUNNING = 1 << 0,
    QV_DOMAIN_SNAPSHOT_REVERT_PAUSED = 1 << 1,
    QV_DOMAIN_SNAPSHOT_REVERT_FORCE = 1 << 2,
} qvDomainSnapshotRevertFlags;

typedef enum {
    QV_DOMAIN_SNAPSHOT_LIST_ROOTS = 1 << 0,
    QV_DOMAIN_SNAPSHOT_LIST_DESCENDANTS = 1 << 0,
    QV_DOMAIN_SNAPSHOT_LIST_METADATA = 1 << 1,
    QV_DOMAIN_SNAPSHOT_LIST_LEAVES = 1 << 2,
    QV_DOMAIN_SNAPSHOT_LIST_NO_LEAVES = 1 << 3,
    QV_DOMAIN_SNAPSHOT_LIST_NO_METADATA = 1 << 4,
    QV_DOMAIN_SNAPSHOT_LIST_INACTIVE = 1 << 5,
    QV_DOMAIN_SNAPSHOT_LIST_ACTIVE = 1 << 6,
    QV_DOMAIN_SNAPSHOT_LIST_DISK_ONLY = 1 << 7,
    QV_DOMAIN_SNAPSHOT_LIST_INTERNAL = 1 << 8,
    QV_DOMAIN_SNAPSHOT_LIST_EXTERNAL = 1 << 9,
    QV_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL = 1 << 10,
} qvDomainSnapshotListFlags;

typedef enum {
    QV_DOMAIN_SNAPSHOT_XML_SECURE = 1 << 0,
} qvDomainSnapshotXMLFlags;

typedef struct _qvDomainSnapshot qvDomainSnapshot;
typedef qvDomainSnapshot *qvDomainSnapshotPtr;

/* Take a snapshot described by <domainsnapshot> XML ("<domainsnapshot/>" for all
 * defaults). With QUIESCE the guest's filesystems are frozen through the agent around
 * the switch of the disks and always thawed afterwards. */
qvDomainSnapshotPtr qvDomainSnapshotCreateXML(qvDomainPtr domain, const char *xmlDesc,
                                              unsigned int flags);
char *qvDomainSnapshotGetXMLDesc(qvDomainSnapshotPtr snapshot, unsigned int flags);
const char *qvDomainSnapshotGetName(qvDomainSnapshotPtr snapshot);
qvDomainPtr qvDomainSnapshotGetDomain(qvDomainSnapshotPtr snapshot);
qvConnectPtr qvDomainSnapshotGetConnect(qvDomainSnapshotPtr snapshot);
/* Every snapshot of a domain (filtered by qvDomainSnapshotListFlags), NULL-terminated. */
int qvDomainListAllSnapshots(qvDomainPtr domain, qvDomainSnapshotPtr **snaps, unsigned int flags);
int qvDomainSnapshotListAllChildren(qvDomainSnapshotPtr snapshot, qvDomainSnapshotPtr **snaps,
                                    unsigned int flags);
qvDomainSnapshotPtr qvDomainSnapshotLookupByName(qvDomainPtr domain, const char *name,
                                                 unsigned int flags);
int qvDomainHasCurrentSnapshot(qvDomainPtr domain, unsigned int flags);
qvDomainSnapshotPtr qvDomainSnapshotCurrent(qvDomainPtr domain, unsigned int flags);
qvDomainSnapshotPtr qvDomainSnapshotGetParent(qvDomainSnapshotPtr snapshot, unsigned int flags);
int qvDomainSnapshotIsCurrent(qvDomainSnapshotPtr snapshot, unsigned int flags);
int qvDomainSnapshotHasMetadata(qvDomainSnapshotPtr snapshot, unsigned int flags);
int qvDomainRevertToSnapshot(qvDomainSnapshotPtr snapshot, unsigned int flags);
int qvDomainSnapshotDelete(qvDomainSnapshotPtr snapshot, unsigned int flags);
int qvDomainSnapshotRef(qvDomainSnapshotPtr snapshot);
int qvDomainSnapshotFree(qvDomainSnapshotPtr snapshot);
