/* snapshot_conf.h: <domainsnapshot> XML as structs. */
#pragma once

#include "domain_conf.h"

typedef enum {
    SNAPSHOT_LOCATION_DEFAULT,
    SNAPSHOT_LOCATION_NO,
    SNAPSHOT_LOCATION_INTERNAL,
    SNAPSHOT_LOCATION_EXTERNAL,
    SNAPSHOT_LOCATION_LAST
} snapshotLocation;

typedef enum {
    SNAPSHOT_STATE_NOSTATE,
    SNAPSHOT_STATE_RUNNING,
    SNAPSHOT_STATE_BLOCKED,
    SNAPSHOT_STATE_PAUSED,
    SNAPSHOT_STATE_SHUTDOWN,
    SNAPSHOT_STATE_SHUTOFF,
    SNAPSHOT_STATE_CRASHED,
    SNAPSHOT_STATE_PMSUSPENDED,
    SNAPSHOT_STATE_DISK_SNAPSHOT,
    SNAPSHOT_STATE_LAST
} snapshotState;

/* How a disk-only snapshot of a running guest was taken (qvirt's own record). */
typedef enum {
    SNAPSHOT_QUIESCE_NONE, /* not asked for */
    SNAPSHOT_QUIESCE_QUIESCED, /* frozen around the switch, then thawed */
    SNAPSHOT_QUIESCE_CRASH_CONSISTENT, /* best effort: the agent could not freeze */
    SNAPSHOT_QUIESCE_THAW_FAILED, /* frozen and switched, but the thaw was not confirmed */
    SNAPSHOT_QUIESCE_LAST
} snapshotQuiesce;

typedef struct {
    char *name; /* the disk's target, e.g. "vda" */
    int snapshot; /* snapshotLocation */
    char *file; /* external: the new overlay */
    int format; /* external: domainDiskFormat of the overlay, -1 if not given */
} snapshotDiskDef;

typedef struct {
    char *name;
    char *description;
    char *parent; /* read back only */
    long long creationTime; /* read back only; 0 if unknown */
    int state; /* snapshotState, read back only */
    int memory; /* snapshotLocation */
    char *memoryFile;
    snapshotDiskDef *disks;
    size_t ndisks;
    domainDef *dom; /* read back only: the domain as it was */
    /* read back only: <quiesce status= filesystems= window-us= reason=/> */
    int quiesce; /* snapshotQuiesce */
    unsigned int quiesceFilesystems;
    long long quiesceWindowUs; /* how long the guest was frozen, 0 if unknown */
    char *quiesceReason; /* why not quiesced, or why the thaw failed */
} snapshotDef;

QV_ENUM_DECL(snapshotLocation);
QV_ENUM_DECL(snapshotState);
QV_ENUM_DECL(snapshotQuiesce);

typedef enum {
    /* accept the read-back parts (state, creationTime, parent, domain), as when
     * metadata is reloaded or redefined */
    SNAPSHOT_PARSE_REDEFINE = 1 << 0,
    SNAPSHOT_PARSE_SKIP_SCHEMA = 1 << 1,
} snapshotParseFlags;

void snapshotDefFree(snapshotDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(snapshotDef, snapshotDefFree)

snapshotDef *snapshotDefParseString(const char *xml, const char *url, unsigned int flags);
char *snapshotDefFormat(const snapshotDef *def, unsigned int domainFormatFlags);
