/* qemu_snapshot_reconcile.c: finishing or undoing the journaled operation of a process
 * that died, from QEMU's own state (block graph, images' tags, jobs). */
#include <config.h>

#include <fcntl.h>
#include <unistd.h>

#include "qemu_command.h"
#include "qemu_process.h"
#include "qemu_snapshot_priv.h"
#include "qemu_svproto.h"
#include "qverror.h"
#include "qvfile.h"
#include "qvlog.h"

#define QV_FROM_THIS QV_FROM_DOMAIN_SNAPSHOT

QV_LOG_INIT("qemu.snapshot");

/* ---- reconciling the operation of a process that died ---- */

/* Whether the guest wrote to overlay since it was created (an overlay no QEMU ever used
 * has nothing allocated in its own layer). 1 yes, 0 no, -1 unknown (reported). */
static int qemuSnapshotOverlayWritten(const char *overlay)
{
    const char *args[] = { "map", "--output=json", "-U", "-f", "qcow2", overlay, NULL };
    g_autofree char *out = NULL;
    g_autofree char *perr = NULL;
    g_autoptr(qvJSONValue) map = NULL;
    size_t i;

    if (qemuSnapshotImgOutput(args, &out) < 0)
        return -1;
    if (!(map = qvJSONParse(out, strlen(out), 16, &perr)) || qvJSONGetType(map) != QV_JSON_ARRAY) {
        qvReportError(QV_ERR_INTERNAL_ERROR,
                      _("qemu-img map of '%s' said something unexpected: %s"), overlay,
                      perr ? perr : out);
        return -1;
    }
    for (i = 0; i < qvJSONArraySize(map); i++) {
        qvJSONValue *e = qvJSONArrayGet(map, i);
        long long depth = -1;
        bool present = false;

        if (qvJSONGetLLong(qvJSONObjectGet(e, "depth"), &depth) == 0 && depth == 0 &&
            qvJSONGetBoolean(qvJSONObjectGet(e, "present"), &present) == 0 && present)
            return 1;
    }
    return 0;
}

/* Whether QEMU switched the journal's disks onto their overlays: 1 all, 0 none, -1 not
 * known (reported). While QEMU runs, its block graph says; once it is gone, whether the
 * guest wrote to an overlay does (if it did not, undoing the switch loses nothing). */
static int qemuSnapshotJournalSwitched(qemuDriver *driver, domainObj *obj, const qemuJournal *j)
{
    g_autoptr(GHashTable) blocks = NULL;
    GHashTableIter it;
    gpointer value;
    qemuMonitor *mon;
    guint i, on = 0;

    if (!j->running)
        return 0; /* an offline snapshot switches nothing in QEMU */
    if (!obj || !domainObjIsActive(obj)) {
        for (i = 0; i < j->overlays->len; i++) {
            int w = qvFileExists(j->overlays->pdata[i])
                        ? qemuSnapshotOverlayWritten(j->overlays->pdata[i])
                        : 0;

            if (w < 0)
                return -1;
            on += w;
        }
        return on ? 1 : 0;
    }
    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        return -1;
    /* a switch the supervisor still runs for the process that died ends first */
    if (qemuSvSwitchWait(mon, QEMU_SNAPSHOT_SWITCH_WAIT_MS) == 0)
        blocks = qemuSnapshotQueryBlock(mon);
    qemuMonitorUnref(mon);
    if (!blocks)
        return -1;
    for (i = 0; i < j->disks->len; i++) {
        g_hash_table_iter_init(&it, blocks);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            if (STREQ_NULLABLE(((qemuSnapshotBlockInfo *)value)->file, j->overlays->pdata[i]))
                on++;
        }
    }
    if (on && on != j->disks->len) {
        qvReportError(QV_ERR_INTERNAL_ERROR,
                      _("QEMU runs %u of the %u disks of snapshot '%s' on their overlays"), on,
                      j->disks->len, j->snapshot);
        return -1;
    }
    return on ? 1 : 0;
}

/* Say what was settled, where the domain's story is told: its log (beside QEMU's output
 * and the supervisor's notes), and the debug log. */
static void qemuSnapshotReconcileLog(qemuDriver *driver, const qemuJournal *j, const char *what)
{
    g_autofree char *log = qemuDomainLogPath(driver->cfg, j->domain);
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *ts = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
    g_autofree char *line = g_strdup_printf(
        "%s.%03d+0000: qvirt %lld: snapshot '%s' of a process that died: %s (%s)\n", ts,
        g_date_time_get_microsecond(now) / 1000, (long long)getpid(), j->snapshot, what, j->op);
    int fd = open(log, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);

    QV_WARN("domain '%s': snapshot '%s' of a process that died: %s (%s)", j->domain, j->snapshot,
            what, j->op);
    if (fd >= 0) {
        ssize_t n = write(fd, line, strlen(line));

        (void)n;
        close(fd);
    }
}

/* Whether each of the journal's tags is in its image now (present[i]): QEMU says while it
 * runs (query-block), the images otherwise. */
static int qemuSnapshotJournalTags(qemuDriver *driver, domainObj *obj, const qemuJournal *j,
                                   bool live, gboolean *present)
{
    g_autoptr(GHashTable) blocks = NULL;
    g_autoptr(domainDef) def = NULL;
    qemuMonitor *mon;
    guint i;
    int rc;

    if (!live) {
        for (i = 0; i < j->tags->len; i++) {
            if ((rc = qemuSnapshotImageHasTag(j->tagImages->pdata[i], j->tags->pdata[i])) < 0)
                return -1;
            present[i] = rc;
        }
        return 0;
    }
    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        return -1;
    blocks = qemuSnapshotQueryBlock(mon);
    qemuMonitorUnref(mon);
    if (!blocks)
        return -1;
    def = qemuSnapshotCopyDef(obj);
    for (i = 0; i < j->tags->len; i++) {
        g_autofree char *alias = NULL;
        const qemuSnapshotBlockInfo *b = NULL;
        size_t k;

        for (k = 0; k < def->ndisks && !alias; k++) {
            if (STREQ(def->disks[k]->dst, j->tagDisks->pdata[i]))
                alias = qemuDiskDeviceAlias(def->disks[k]);
        }
        if (!alias || !(b = g_hash_table_lookup(blocks, alias))) {
            qvReportError(QV_ERR_INTERNAL_ERROR, _("QEMU has no image for disk '%s'"),
                          (const char *)j->tagDisks->pdata[i]);
            return -1;
        }
        present[i] = g_strv_contains((const char *const *)b->tags, j->tags->pdata[i]);
    }
    return 0;
}

/* Remove the journal's tags that are still there (present[i]). */
static int qemuSnapshotJournalDropTags(qemuDriver *driver, domainObj *obj, const qemuJournal *j,
                                       bool live, const gboolean *present)
{
    g_autoptr(domainDef) def = live ? qemuSnapshotCopyDef(obj) : NULL;
    guint i, k;

    for (i = 0; i < j->tags->len; i++) {
        g_autoptr(GArray) plan = NULL;

        if (!present[i])
            continue;
        if (!live) {
            const char *args[] = { "snapshot", "-d", j->tags->pdata[i], j->tagImages->pdata[i],
                                   NULL };

            if (qemuSnapshotImg(args) < 0)
                return -1;
            continue;
        }
        /* QEMU deletes a tag from all the disks of the job that hold it: one job each */
        plan = g_array_new(FALSE, TRUE, sizeof(qemuSnapshotDiskPlan));
        for (k = 0; k < def->ndisks; k++) {
            qemuSnapshotDiskPlan p = { .disk = def->disks[k] };

            if (STREQ(def->disks[k]->dst, j->tagDisks->pdata[i]))
                g_array_append_val(plan, p);
        }
        if (plan->len == 0) {
            qvReportError(QV_ERR_INTERNAL_ERROR, _("domain '%s' has no disk '%s'"), j->domain,
                          (const char *)j->tagDisks->pdata[i]);
            return -1;
        }
        if (qemuSnapshotJobOnDisks(driver, obj, plan, "snapshot-delete", j->tags->pdata[i], false,
                                   NULL, true) < 0)
            return -1;
    }
    return 0;
}

/* Settle a journal whose operation did not commit. 1 settled (what is logged), 0 left
 * for later (QEMU still at work; logged), -1 failed (reported). */
static int qemuSnapshotSettle(qemuDriver *driver, domainObj *obj, qemuJournal *j, const char **what)
{
    bool live = obj && domainObjIsActive(obj);
    g_autofree gboolean *present = g_new0(gboolean, j->tags->len + 1);
    int st = 0;
    guint i, n = 0;

    if (j->job && live) {
        g_autofree char *error = NULL;
        qemuMonitor *mon = qemuDomainGetMonitor(driver, obj);

        if (!mon)
            return -1;
        st = qemuSnapshotJobState(mon, j->job, &error);
        if (st == 2 && qemuSnapshotJobDismiss(mon, j->job) < 0)
            st = -1;
        qemuMonitorUnref(mon);
        if (st < 0)
            return -1;
        if (st == 1) {
            *what = _("QEMU's job is still at work: settled later");
            return 0;
        }
        if (st == 2 && error)
            st = 0; /* failed: as if it never ran */
    }

    if (STREQ(j->op, "snapshot-create-internal")) {
        if (qemuSnapshotJournalTags(driver, obj, j, live, present) < 0)
            return -1;
        for (i = 0; i < j->tags->len; i++)
            n += present[i] ? 1 : 0;
        if (n && n == j->tags->len) {
            *what = _("the images hold the snapshot: records completed");
            return qemuJournalCommit(j) < 0 ? -1 : 1;
        }
        if (qemuSnapshotJournalDropTags(driver, obj, j, live, present) < 0)
            return -1;
        *what = _("undone");
        return qemuJournalRollback(j, false) < 0 ? -1 : 1;
    }

    if (STREQ(j->op, "snapshot-revert") && j->job && live) {
        if (st == 2) {
            /* QEMU loaded the snapshot: the revert ends as it was asked to */
            if (qemuSnapshotApplyRun(driver, obj, j->run) < 0)
                return -1;
            *what = _("QEMU loaded the snapshot: revert completed");
            return qemuJournalCommit(j) < 0 ? -1 : 1;
        }
        /* a QEMU started for the revert goes; one that ran before runs on (the load
         * job, if it ran at all, gave it back its run state) */
        if (!j->running && qemuProcessDestroy(driver, obj, false) < 0)
            return -1;
        *what = _("undone");
        return qemuJournalRollback(j, false) < 0 ? -1 : 1;
    }

    if (STREQ(j->op, "snapshot-revert")) {
        if (live) {
            /* it died before it shut the domain down: nothing changed */
            *what = _("undone");
            return qemuJournalRollback(j, false) < 0 ? -1 : 1;
        }
        /* shut off, or QEMU died during a revert with memory (whether it loaded the
         * snapshot is not known): the images may hold part of the revert; it is finished
         * on all of them (applying a tag again is harmless), the domain left shut off */
        for (i = 0; i < j->tags->len; i++) {
            const char *args[] = { "snapshot", "-a", j->tags->pdata[i], j->tagImages->pdata[i],
                                   NULL };

            if (qemuSnapshotImg(args) < 0)
                return -1;
        }
        *what = _("the disks are reverted, the domain is left shut off");
        return qemuJournalCommit(j) < 0 ? -1 : 1;
    }

    if (STREQ(j->op, "snapshot-delete")) {
        if (qemuSnapshotJournalTags(driver, obj, j, live, present) < 0 ||
            qemuSnapshotJournalDropTags(driver, obj, j, live, present) < 0)
            return -1;
        *what = _("deletion completed");
        return qemuJournalCommit(j) < 0 ? -1 : 1;
    }

    qvReportError(QV_ERR_INTERNAL_ERROR, _("journal '%s': unknown operation '%s'"), j->path, j->op);
    return -1;
}

/* An external snapshot undone while QEMU runs: the process that died may have had QEMU
 * open its overlays (blockdev-add) before the switch; QEMU lets go of the nodes the
 * journal names (format nodes before the files under them), so that the overlays' space
 * is really freed. Only logged when it fails. */
static void qemuSnapshotDropOrphanNodes(qemuDriver *driver, domainObj *obj, const qemuJournal *j)
{
    g_autoptr(qvJSONValue) nodes = NULL;
    g_autoptr(GHashTable) open = g_hash_table_new(g_str_hash, g_str_equal);
    qemuMonitor *mon;
    size_t k;
    guint i;

    if (j->nodes->len == 0)
        return;
    if (!(mon = qemuDomainGetMonitor(driver, obj)) ||
        qemuMonitorCommand(mon, "query-named-block-nodes", NULL, QEMU_SNAPSHOT_QMP_TIMEOUT_MS,
                           &nodes) < 0) {
        QV_WARN("domain '%s': the nodes QEMU may hold for snapshot '%s' are left: %s", j->domain,
                j->snapshot, qvGetLastErrorMessage());
        qvResetLastError();
        if (mon)
            qemuMonitorUnref(mon);
        return;
    }
    for (k = 0; k < qvJSONArraySize(nodes); k++) {
        const char *name = qvJSONGetString(qvJSONObjectGet(qvJSONArrayGet(nodes, k), "node-name"));

        if (name)
            g_hash_table_add(open, (char *)name);
    }
    for (i = 0; i < j->nodes->len; i++) {
        if (g_hash_table_contains(open, j->nodes->pdata[i]))
            qemuSnapshotBlockdevDel(mon, j->nodes->pdata[i], j->domain, j->snapshot);
    }
    qemuMonitorUnref(mon);
}

int qemuSnapshotReconcile(qemuDriver *driver, domainObj *obj, const char *path)
{
    g_autoptr(qemuJournal) j = NULL;
    const char *what = NULL;
    bool absent;
    int switched, rc;

    if (!(j = qemuJournalLoad(path, &absent)))
        return absent ? 0 : -1;
    if (!j->committing && STRNEQ(j->op, "snapshot-create-external")) {
        rc = qemuSnapshotSettle(driver, obj, j, &what);
        if (rc < 0)
            QV_WARN("domain '%s': snapshot '%s' of a process that died is left as it is: %s",
                    j->domain, j->snapshot, qvGetLastErrorMessage());
        else
            qemuSnapshotReconcileLog(driver, j, what);
        return rc;
    }
    if (j->committing) {
        switched = 1;
    } else if ((switched = qemuSnapshotJournalSwitched(driver, obj, j)) < 0) {
        QV_WARN("domain '%s': snapshot '%s' of a process that died is left as it is: %s", j->domain,
                j->snapshot, qvGetLastErrorMessage());
        return -1;
    }
    if (switched) {
        if (qemuJournalCommit(j) < 0)
            return -1;
        if (obj && STREQ(j->op, "snapshot-create-external")) {
            g_mutex_lock(&obj->lock);
            if (domainObjIsActive(obj)) {
                qemuSnapshotApplyJournal(obj->def, j);
                if (obj->persistent && obj->newDef)
                    qemuSnapshotApplyJournal(obj->newDef, j);
            } else if (obj->persistent) {
                qemuSnapshotApplyJournal(obj->def, j);
            }
            g_mutex_unlock(&obj->lock);
        }
        qemuSnapshotReconcileLog(driver, j,
                                 STREQ(j->op, "snapshot-create-external")
                                     ? _("QEMU runs on its overlays: records completed")
                                     : _("records completed"));
        return 1;
    }
    if (obj && domainObjIsActive(obj))
        qemuSnapshotDropOrphanNodes(driver, obj, j);
    if (qemuJournalRollback(j, true) < 0)
        return -1;
    qemuSnapshotReconcileLog(driver, j, _("undone"));
    return 1;
}
