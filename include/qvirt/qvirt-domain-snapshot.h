/* qvirt-domain-snapshot.h: snapshot flag values (libvirt's); the snapshot calls come later. */
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
