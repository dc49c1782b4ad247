/* qemu_journal.h: intent records for operations that change several files and QEMU's
 * state together (an external snapshot: the overlays, QEMU's block graph, the live and
 * persistent definitions, the snapshot's metadata).
 *
 * The protocol, so that a SIGKILL at any point leaves nothing half done:
 *  1. Validate, then stage every record the operation will write: each file's new
 *     content goes to a temporary file beside it (so a full disk or a name too long
 *     fails here, before anything changed), and the journal names them all, with the
 *     files the operation is about to create (overlays). The journal is written
 *     (fsync, rename) before QEMU or any existing file is touched.
 *  2. Act (create overlays, switch QEMU's disks).
 *  3. Commit: the journal is marked committing, then every staged file is renamed
 *     over its target, then the journal is removed. Or roll back: the staged and the
 *     created files are removed, then the journal.
 * A journal found by a process that holds the root lock belongs to a process that died
 * (mutations hold that lock from start to end): it is reconciled before anything else
 * changes. A committing journal is always finished; otherwise the operation's owner
 * decides from QEMU's own state (qemu_snapshot.c: are the disks on their overlays? do
 * the images hold the tag? did QEMU's job end?). */
#pragma once

#include "qemu_conf.h"

typedef struct {
    char *path; /* the journal itself */
    char *op; /* what is being done: "snapshot-create" */
    char *domain;
    char *snapshot; /* the snapshot's name */
    bool running; /* QEMU ran the domain when the operation began */
    bool committing; /* past the point of no return: finish, never undo */
    GPtrArray *targets; /* files the commit replaces... */
    GPtrArray *staged; /* ...with these, same index */
    GPtrArray *created; /* files the operation creates: removed on roll back */
    GPtrArray *disks; /* external snapshot: the disks (targets, "vda") switched... */
    GPtrArray *overlays; /* ...onto these files, same index */
    GPtrArray *nodes; /* QEMU nodes it opens for them (format before file): dropped on undo */
    GPtrArray *removed; /* files the commit removes (after the renames) */
    GPtrArray *tags; /* internal snapshots: the tag (a snapshot's name)... */
    GPtrArray *tagDisks; /* ...of this disk ("vda")... */
    GPtrArray *tagImages; /* ...in this image, same index */
    char *job; /* the QMP job (its id) the operation runs or is about to run */
    char *run; /* revert: how the domain ends: "running", "paused", "shutoff" */
    GPtrArray *obsolete; /* not saved: staged files replaced, removed once it is saved */
} qemuJournal;

void qemuJournalFree(qemuJournal *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuJournal, qemuJournalFree)

/* Where the journal of domain name lives (libDir/journal/NAME.journal): at most one
 * operation per domain is in flight, and it survives a reboot of the host. */
char *qemuJournalPath(const qemuDriverConfig *cfg, const char *name);

qemuJournal *qemuJournalNew(const qemuDriverConfig *cfg, const char *op, const char *domain,
                            const char *snapshot);
/* Stage content for target: written and synced to a temporary file beside it. Restaging
 * a target replaces the staged content. */
int qemuJournalStage(qemuJournal *j, const char *target, const char *content, size_t len);
void qemuJournalAddCreated(qemuJournal *j, const char *path);
void qemuJournalAddDisk(qemuJournal *j, const char *disk, const char *overlay);
void qemuJournalAddNode(qemuJournal *j, const char *node);
/* The commit removes path (a record the operation deletes). */
void qemuJournalAddRemoved(qemuJournal *j, const char *path);
/* An internal snapshot tag the operation creates, applies or deletes in disk's image. */
void qemuJournalAddTag(qemuJournal *j, const char *tag, const char *disk, const char *image);
/* Write the journal durably (temporary file, fsync, rename, fsync of the directory). */
int qemuJournalSave(qemuJournal *j);
/* Finish: mark committing, move every staged file into place, remove the files named
 * for removal, remove the journal. */
int qemuJournalCommit(qemuJournal *j);
/* Undo: remove the staged files and those the operation created, then the journal. The
 * caller says whether the created files may go (QEMU must not be using them). */
int qemuJournalRollback(qemuJournal *j, bool removeCreated);

/* The journal at path, or NULL with *absent set when there is none (NULL with an error
 * reported when it cannot be read). */
qemuJournal *qemuJournalLoad(const char *path, bool *absent);
