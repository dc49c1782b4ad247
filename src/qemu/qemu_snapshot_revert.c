/* qemu_snapshot_revert.c: revert to and delete internal snapshots, each one journaled
 * step. */
#include <config.h>

#include "qemu_process.h"
#include "qemu_snapshot_priv.h"
#include "qverror.h"
#include "qvfault.h"
#include "qvfile.h"
#include "qvlog.h"

#define QV_FROM_THIS QV_FROM_DOMAIN_SNAPSHOT

QV_LOG_INIT("qemu.snapshot");

/*
 * Revert, as one journaled step: the "current" record is staged and the intent saved
 * first. With memory: (start paused) -> snapshot-load job -> run state -> commit; the
 * job is dismissed only after the commit, so that a process that dies before it leaves
 * QEMU's own word on whether the load happened. Disk-only: (destroy) -> qemu-img
 * snapshot -a on every image -> (start) -> commit; an interrupted one is finished by
 * the next change (applying a tag again is harmless), the domain left shut off.
 */
int qemuSnapshotRevert(qemuDriver *driver, domainObj *obj, const char *name, unsigned int flags)
{
    g_autoptr(qemuSnapshotList) list = NULL;
    g_autoptr(GArray) plan = g_array_new(FALSE, TRUE, sizeof(qemuSnapshotDiskPlan));
    g_autoptr(domainDef) base = qemuSnapshotCopyDef(obj);
    g_autoptr(qemuJournal) j = NULL;
    const char *domname = base->name;
    snapshotDef *snap;
    bool withMemory, active = domainObjIsActive(obj);
    const char *run;

    qvCheckFlags(QV_DOMAIN_SNAPSHOT_REVERT_RUNNING | QV_DOMAIN_SNAPSHOT_REVERT_PAUSED |
                     QV_DOMAIN_SNAPSHOT_REVERT_FORCE,
                 -1);
    qvExclusiveFlags(QV_DOMAIN_SNAPSHOT_REVERT_RUNNING, QV_DOMAIN_SNAPSHOT_REVERT_PAUSED, -1);
    if (!(list = qemuSnapshotListLoad(driver, domname)) ||
        !(snap = qemuSnapshotFind(list, domname, name)))
        return -1;
    if (qemuSnapshotIsExternal(snap)) {
        qvReportError(QV_ERR_OPERATION_UNSUPPORTED,
                      _("reverting to external snapshot '%s' is not supported; the domain keeps "
                        "running on its overlays (revert needs an internal snapshot)"),
                      name);
        return -1;
    }
    if (qemuSnapshotInternalPlan(snap, base, plan) < 0)
        return -1;
    withMemory = snap->memory == SNAPSHOT_LOCATION_INTERNAL;
    if (withMemory)
        run = (flags & QV_DOMAIN_SNAPSHOT_REVERT_RUNNING) ||
                      (!(flags & QV_DOMAIN_SNAPSHOT_REVERT_PAUSED) &&
                       snap->state == SNAPSHOT_STATE_RUNNING)
                  ? "running"
                  : "paused";
    else
        run = flags & QV_DOMAIN_SNAPSHOT_REVERT_RUNNING  ? "running"
              : flags & QV_DOMAIN_SNAPSHOT_REVERT_PAUSED ? "paused"
                                                         : "shutoff";

    /* intent before action */
    if (!(j = qemuSnapshotJournalNew(driver, "snapshot-revert", domname, snap->name)))
        return -1;
    j->running = active;
    j->run = g_strdup(run);
    if (withMemory)
        j->job = qemuSnapshotJobId("snapshot-load");
    qemuSnapshotJournalAddTags(j, snap->name, plan);
    if (qemuSnapshotStageCurrent(driver, j, domname, snap->name) < 0 || qemuJournalSave(j) < 0) {
        qemuSnapshotRollbackQuiet(j);
        return -1;
    }
    qvFaultPoint("revert-staged");

    if (withMemory) {
        if (!active && qemuProcessStart(driver, obj, QV_DOMAIN_START_PAUSED) < 0) {
            qemuSnapshotRollbackQuiet(j);
            return -1;
        }
        qvFaultPoint("revert-started");
        if (qemuSnapshotJobOnDisks(driver, obj, plan, "snapshot-load", snap->name, true, j->job,
                                   false) < 0) {
            qvErrorPtr saved = qvErrorPreserveLast();

            /* a QEMU started for the revert goes; one that ran before runs on */
            if (!active && qemuProcessDestroy(driver, obj, false) < 0)
                QV_WARN("domain '%s': %s", domname, qvGetLastErrorMessage());
            qvErrorRestore(&saved);
            qemuSnapshotRollbackQuiet(j);
            return -1;
        }
        qvFaultPoint("revert-loaded");
        if (qemuSnapshotApplyRun(driver, obj, run) < 0)
            return -1; /* the journal stays: the next change finishes the revert */
        if (qemuSnapshotCommit(j) < 0)
            return -1;
        {
            qemuMonitor *mon = qemuDomainGetMonitor(driver, obj);

            if (!mon || qemuSnapshotJobDismiss(mon, j->job) < 0) {
                QV_DEBUG("job '%s' not dismissed: %s", j->job, qvGetLastErrorMessage());
                qvResetLastError();
            }
            if (mon)
                qemuMonitorUnref(mon);
        }
        return 0;
    }

    /* the disks as they were while shut off: the domain goes down first */
    if (active && qemuProcessDestroy(driver, obj, false) < 0) {
        qemuSnapshotRollbackQuiet(j);
        return -1;
    }
    if (qemuSnapshotImgEach(plan, "-a", snap->name, NULL) < 0) {
        qemuSnapshotRollbackQuiet(j);
        return -1;
    }
    qvFaultPoint("revert-loaded");
    if (qemuSnapshotCommit(j) < 0)
        return -1;
    if (STRNEQ(run, "shutoff") &&
        qemuProcessStart(driver, obj, STREQ(run, "paused") ? QV_DOMAIN_START_PAUSED : 0) < 0)
        return -1;
    return 0;
}

/* Remove tag from the images the plan names: QEMU's job while it runs (it skips an
 * image without the tag), qemu-img otherwise (asked only where the tag is). */
static int qemuSnapshotDeleteTag(qemuDriver *driver, domainObj *obj, GArray *plan, const char *tag,
                                 bool live)
{
    guint i;

    if (live)
        return qemuSnapshotJobOnDisks(driver, obj, plan, "snapshot-delete", tag, false, NULL, true);
    for (i = 0; i < plan->len; i++) {
        const char *image = g_array_index(plan, qemuSnapshotDiskPlan, i).disk->src->path;
        const char *args[] = { "snapshot", "-d", tag, image, NULL };
        int has = qemuSnapshotImageHasTag(image, tag);

        if (has < 0 || (has && qemuSnapshotImg(args) < 0))
            return -1;
    }
    return 0;
}

/* Delete one snapshot as one journaled step: its children's records (they now hang from
 * its parent) and "current" staged, its record named for removal, its tags listed; then
 * the tags go, then the commit. A process that dies in between leaves a journal the
 * next change finishes (the tags that are left go, then the records). */
static int qemuSnapshotDeleteOne(qemuDriver *driver, domainObj *obj, domainDef *base,
                                 qemuSnapshotList *list, snapshotDef *v, bool metadataOnly)
{
    const char *domname = base->name;
    g_autoptr(qemuJournal) j = NULL;
    g_autoptr(GArray) plan = g_array_new(FALSE, TRUE, sizeof(qemuSnapshotDiskPlan));
    g_autofree char *path = qemuSnapshotFile(driver, domname, v->name);
    bool live = domainObjIsActive(obj);
    guint i;

    if (!metadataOnly && qemuSnapshotInternalPlan(v, base, plan) < 0)
        return -1;
    if (!(j = qemuSnapshotJournalNew(driver, "snapshot-delete", domname, v->name)))
        return -1;
    j->running = live;
    qemuSnapshotJournalAddTags(j, v->name, plan);
    qemuJournalAddRemoved(j, path);
    /* its children now hang from its parent */
    for (i = 0; i < list->defs->len; i++) {
        snapshotDef *d = list->defs->pdata[i];
        g_autofree char *xml = NULL;
        g_autofree char *child = NULL;

        if (STRNEQ_NULLABLE(d->parent, v->name))
            continue;
        g_free(d->parent);
        d->parent = g_strdup(v->parent);
        xml = snapshotDefFormat(d, DOMAIN_DEF_FORMAT_SECURE);
        child = qemuSnapshotFile(driver, domname, d->name);
        if (qemuJournalStage(j, child, xml, strlen(xml)) < 0)
            goto error;
    }
    if (STREQ_NULLABLE(list->current, v->name)) {
        g_free(list->current);
        list->current = g_strdup(v->parent);
        if (qemuSnapshotStageCurrent(driver, j, domname, list->current) < 0)
            goto error;
    }
    if (qemuJournalSave(j) < 0)
        goto error;
    qvFaultPoint("delete-staged");
    if (plan->len && qemuSnapshotDeleteTag(driver, obj, plan, v->name, live) < 0)
        goto error;
    qvFaultPoint("delete-tagged");
    g_ptr_array_remove(list->defs, v); /* v is gone after this */
    return qemuSnapshotCommit(j);

error:
    qemuSnapshotRollbackQuiet(j);
    return -1;
}

int qemuSnapshotDelete(qemuDriver *driver, domainObj *obj, const char *name, unsigned int flags)
{
    g_autoptr(qemuSnapshotList) list = NULL;
    g_autoptr(GPtrArray) victims = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(domainDef) base = qemuSnapshotCopyDef(obj);
    const char *domname = base->name;
    bool metadataOnly = flags & QV_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY;
    snapshotDef *snap;
    guint i;

    qvCheckFlags(QV_DOMAIN_SNAPSHOT_DELETE_CHILDREN | QV_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY |
                     QV_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY,
                 -1);
    qvExclusiveFlags(QV_DOMAIN_SNAPSHOT_DELETE_CHILDREN, QV_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY,
                     -1);
    if (!(list = qemuSnapshotListLoad(driver, domname)) ||
        !(snap = qemuSnapshotFind(list, domname, name)))
        return -1;
    if (flags & (QV_DOMAIN_SNAPSHOT_DELETE_CHILDREN | QV_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)) {
        g_autoptr(GPtrArray) names =
            qemuSnapshotFilter(list, snap, QV_DOMAIN_SNAPSHOT_LIST_DESCENDANTS);

        /* deepest first */
        for (i = names->len; i-- > 0;)
            g_ptr_array_add(victims, g_strdup(names->pdata[i]));
    }
    if (!(flags & QV_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY))
        g_ptr_array_add(victims, g_strdup(snap->name));

    /* refuse before anything is removed */
    for (i = 0; i < victims->len; i++) {
        g_autoptr(GArray) plan = g_array_new(FALSE, TRUE, sizeof(qemuSnapshotDiskPlan));
        snapshotDef *v = qemuSnapshotFind(list, NULL, victims->pdata[i]);

        if (metadataOnly)
            continue;
        if (qemuSnapshotIsExternal(v)) {
            qvReportError(QV_ERR_OPERATION_UNSUPPORTED,
                          _("deleting external snapshot '%s' is not supported: its overlays "
                            "stay in use; drop only its metadata with "
                            "QV_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY (--metadata)"),
                          v->name);
            return -1;
        }
        if (qemuSnapshotInternalPlan(v, base, plan) < 0)
            return -1;
    }
    /* one by one, each complete: a failure leaves the ones before it deleted, the rest
     * as they were */
    for (i = 0; i < victims->len; i++) {
        snapshotDef *v = qemuSnapshotFind(list, NULL, victims->pdata[i]);

        if (qemuSnapshotDeleteOne(driver, obj, base, list, v, metadataOnly) < 0)
            return -1;
    }
    return 0;
}
