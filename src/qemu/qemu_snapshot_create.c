/* qemu_snapshot_create.c: taking a snapshot: external disk-only ones of a running
 * domain switched in one QMP transaction (quiesced through the guest agent, the freeze
 * guarded and always thawed), internal ones through QEMU's snapshot-save job or qemu-img,
 * offline overlays with qemu-img; intent journaled first. */
#include <config.h>

#include <limits.h>

#include "qemu_agent.h"
#include "qemu_freeze.h"
#include "qemu_process.h"
#include "qemu_snapshot_priv.h"
#include "qemu_svproto.h"
#include "qverror.h"
#include "qvfault.h"
#include "qvfile.h"
#include "qvlog.h"

#define QV_FROM_THIS QV_FROM_DOMAIN_SNAPSHOT

QV_LOG_INIT("qemu.snapshot");

/* The longest snapshot name: its metadata file NAME.xml must be a valid file name. */
#define QEMU_SNAPSHOT_NAME_MAX (NAME_MAX - 4)

/* Everything that can be refused is refused before anything changes. */
static int qemuSnapshotValidateNames(const snapshotDef *snap, GArray *plan, bool metadata)
{
    guint i;

    if (metadata && strlen(snap->name) > QEMU_SNAPSHOT_NAME_MAX) {
        qvReportError(QV_ERR_INVALID_ARG,
                      _("snapshot name '%.32s...' is %zu bytes long; qvirt keeps snapshots "
                        "named with at most %d bytes"),
                      snap->name, strlen(snap->name), QEMU_SNAPSHOT_NAME_MAX);
        return -1;
    }
    for (i = 0; i < plan->len; i++) {
        const qemuSnapshotDiskPlan *p = &g_array_index(plan, qemuSnapshotDiskPlan, i);
        g_autofree char *base = NULL;

        if (p->location != SNAPSHOT_LOCATION_EXTERNAL)
            continue;
        base = g_path_get_basename(p->file);
        if (!g_path_is_absolute(p->file) || strlen(base) > NAME_MAX) {
            qvReportError(QV_ERR_INVALID_ARG,
                          _("disk '%s': external snapshot file '%s' is not an absolute path "
                            "with a file name of at most %d bytes"),
                          p->disk->dst, p->file, NAME_MAX);
            return -1;
        }
    }
    return 0;
}

/* The intent record of a create: every file the snapshot will write, staged (so that a
 * full disk fails here), and the overlays it is about to create. Written before QEMU or
 * any file is touched; see qemu_journal.h. */
static qemuJournal *qemuSnapshotStage(qemuSnapshotCtx *c, bool active, bool diskOnly)
{
    qemuDriver *driver = c->driver;
    snapshotDef *snap = c->snap;
    g_autoptr(qemuJournal) j = qemuSnapshotJournalNew(
        driver, diskOnly ? "snapshot-create-external" : "snapshot-create-internal", c->domname,
        snap->name);
    g_autoptr(domainDef) live = NULL;
    g_autoptr(domainDef) persistent = NULL;
    bool reuse = c->flags & QV_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT;
    guint i;

    if (!j)
        return NULL;
    j->running = active;
    if (diskOnly) {
        gint64 stamp = g_get_real_time() % 1000000000;

        for (i = 0; i < c->plan->len; i++) {
            qemuSnapshotDiskPlan *p = &g_array_index(c->plan, qemuSnapshotDiskPlan, i);

            qemuJournalAddDisk(j, p->disk->dst, p->file);
            if (!reuse)
                qemuJournalAddCreated(j, p->file);
            if (active) {
                /* the nodes QEMU will open for the overlay, named now: an undo finds them */
                p->newNode = g_strdup_printf("qv-%s-o%09" G_GINT64_FORMAT, p->disk->dst, stamp);
                p->fileNode = g_strdup_printf("qv-%s-f%09" G_GINT64_FORMAT, p->disk->dst, stamp);
                qemuJournalAddNode(j, p->newNode);
                qemuJournalAddNode(j, p->fileNode);
            }
        }
        g_mutex_lock(&c->obj->lock);
        if (active)
            live = domainDefCopy(c->obj->def);
        if (c->obj->persistent)
            persistent = domainDefCopy(active ? c->obj->newDef : c->obj->def);
        g_mutex_unlock(&c->obj->lock);
        if (live) {
            g_autofree char *path = qemuDomainStateFile(driver->cfg, c->domname, "xml");
            g_autofree char *xml = NULL;

            qemuSnapshotApplyJournal(live, j);
            xml = domainDefFormat(live, 0);
            if (qemuJournalStage(j, path, xml, strlen(xml)) < 0)
                goto error;
        }
        if (persistent) {
            g_autofree char *path = qemuDomainConfigFile(driver, c->domname);
            g_autofree char *xml = NULL;

            qemuSnapshotApplyJournal(persistent, j);
            xml = qemuDomainConfigContent(persistent);
            if (qemuJournalStage(j, path, xml, strlen(xml)) < 0)
                goto error;
        }
    }
    if (!(c->flags & QV_DOMAIN_SNAPSHOT_CREATE_NO_METADATA)) {
        g_autofree char *path = qemuSnapshotFile(driver, c->domname, snap->name);
        g_autofree char *xml = NULL;
        int quiesce = snap->quiesce;

        /* as it is recorded if the process taking it dies after the switch: whether the
         * guest was frozen then is not known */
        if (c->flags &
            (QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE | QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE_BEST_EFFORT)) {
            snap->quiesce = SNAPSHOT_QUIESCE_CRASH_CONSISTENT;
            snap->quiesceReason = g_strdup(_("completed by qvirt after the process taking the "
                                             "snapshot died; whether the guest was frozen is "
                                             "not known"));
        }
        xml = snapshotDefFormat(snap, DOMAIN_DEF_FORMAT_SECURE);
        snap->quiesce = quiesce;
        g_clear_pointer(&snap->quiesceReason, g_free);
        if (qemuJournalStage(j, path, xml, strlen(xml)) < 0 ||
            qemuSnapshotStageCurrent(driver, j, c->domname, snap->name) < 0)
            goto error;
    }
    if (!diskOnly) {
        qemuSnapshotJournalAddTags(j, snap->name, c->plan);
        if (active)
            j->job = qemuSnapshotJobId("snapshot-save");
    }
    if (qemuJournalSave(j) < 0)
        goto error;
    return g_steal_pointer(&j);

error:
    qemuJournalRollback(j, false);
    return NULL;
}

/* The switch: every disk onto its (open) overlay, as QMP transaction actions (all or
 * none). */
static qvJSONValue *qemuSnapshotActions(GArray *plan)
{
    qvJSONValue *actions = qvJSONNewArray();
    guint i;

    for (i = 0; i < plan->len; i++) {
        qemuSnapshotDiskPlan *p = &g_array_index(plan, qemuSnapshotDiskPlan, i);
        qvJSONValue *action = qvJSONNewObject();
        qvJSONValue *data = qvJSONNewObject();

        qvJSONObjectAdd(data, "s:node", p->block->node, "s:overlay", p->newNode, NULL);
        qvJSONObjectAdd(action, "s:type", "blockdev-snapshot", "a:data", data, NULL);
        qvJSONArrayAppend(actions, action);
    }
    return actions;
}

/* The last error's own words, without the prefix its code adds ("Guest agent is not
 * connected: ..."), for the snapshot XML. */
static char *qemuSnapshotErrorReason(void)
{
    qvErrorPtr err = qvGetLastError();
    const char *msg = qvGetLastErrorMessage();
    const char *prefix = err ? qvErrorMsgFormat(err->code) : NULL;
    const char *colon;

    /* the formats are "Prefix: %s" */
    if (prefix && (colon = strstr(prefix, ": %s")) &&
        strncmp(msg, prefix, (size_t)(colon - prefix)) == 0 &&
        g_str_has_prefix(msg + (colon - prefix), ": "))
        return g_strdup(msg + (colon - prefix) + 2);
    return g_strdup(msg);
}

/* The snapshot is crash-consistent, and why (the last error, then reset). */
static void qemuSnapshotNotQuiesced(qemuSnapshotCtx *c)
{
    c->snap->quiesce = SNAPSHOT_QUIESCE_CRASH_CONSISTENT;
    g_free(c->snap->quiesceReason);
    c->snap->quiesceReason = qemuSnapshotErrorReason();
    QV_WARN("domain '%s': snapshot '%s' is crash-consistent: %s", c->domname, c->snap->name,
            c->snap->quiesceReason);
    qvResetLastError();
}

/* External, disk-only, running: the supervisor's switch, [freeze] transaction [thaw].
 * Returns 0, -1 (nothing changed: undone here) or -2 (whether QEMU switched is not
 * known: the journal stays, for the next change to settle from QEMU's graph). */
static int qemuSnapshotCreateActiveExternal(qemuSnapshotCtx *c)
{
    qemuDriver *driver = c->driver;
    domainObj *obj = c->obj;
    bool strict = (c->flags & QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE) &&
                  !(c->flags & QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE_BEST_EFFORT);
    qemuSvQuiesce quiesce = !(c->flags & (QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE |
                                          QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE_BEST_EFFORT))
                                ? QEMU_SV_QUIESCE_NONE
                            : strict ? QEMU_SV_QUIESCE_REQUIRED
                                     : QEMU_SV_QUIESCE_BEST_EFFORT;
    g_autoptr(GHashTable) blocks = NULL;
    qemuSvSwitchResult res = { .frozen = -1 };
    qemuMonitor *mon = NULL;
    qemuAgent *agent = NULL;
    bool held = false;
    int ret = -1;

    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        return -1;
    if (!(blocks = qemuSnapshotQueryBlock(mon)) || qemuSnapshotMapBlocks(c, blocks) < 0)
        goto cleanup;

    /* the agent is this process's while the supervisor freezes through it: no other
     * qvirt process (the agent's lock) nor thread of this one (held) sends it anything
     * meanwhile; an agent that cannot be had refuses a strict quiesce before anything
     * changes */
    if (quiesce != QEMU_SV_QUIESCE_NONE &&
        (!(agent = qemuDomainGetAgent(driver, obj, 5000)) ||
         qemuAgentHold(agent, QEMU_SNAPSHOT_AGENT_HOLD_MS) < 0)) {
        if (strict)
            goto cleanup;
        qemuSnapshotNotQuiesced(c);
        quiesce = QEMU_SV_QUIESCE_NONE;
        g_clear_pointer(&agent, qemuAgentUnref);
    } else if (agent) {
        held = true;
    }
    if (qemuSnapshotOpenOverlays(mon, c->plan, c->flags & QV_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT) < 0)
        goto cleanup;
    qvFaultPoint("snapshot-opened");

    if (qemuSvSnapshotSwitch(mon, qemuSnapshotActions(c->plan), quiesce, qemuFreezeGuardSeconds(),
                             QEMU_SNAPSHOT_SWITCH_WAIT_MS, &res) < 0) {
        ret = -2;
        goto cleanup;
    }
    if (res.switched != 1) {
        qvSetErrorFromFields(res.errorDomain, res.errorCode, QV_ERR_ERROR, res.error);
        ret = res.switched == 0 ? -1 : -2;
        goto cleanup;
    }
    if (quiesce != QEMU_SV_QUIESCE_NONE) {
        c->snap->quiesceFilesystems = res.frozen > 0 ? (unsigned int)res.frozen : 0;
        c->snap->quiesceWindowUs = res.windowUs;
        if (res.quiesceError) {
            qvSetErrorFromFields(res.quiesceDomain, res.quiesceCode, QV_ERR_ERROR,
                                 res.quiesceError);
            qemuSnapshotNotQuiesced(c);
        } else if (res.thawError) {
            qvSetErrorFromFields(res.thawDomain, res.thawCode, QV_ERR_ERROR, res.thawError);
            c->snap->quiesce = SNAPSHOT_QUIESCE_THAW_FAILED;
            c->snap->quiesceReason = qemuSnapshotErrorReason();
            QV_WARN("domain '%s': snapshot '%s': the thaw was not confirmed (%s); the "
                    "supervisor thaws the guest within %d s",
                    c->domname, c->snap->name, c->snap->quiesceReason, qemuFreezeGuardSeconds());
            qvResetLastError();
        } else {
            c->snap->quiesce = SNAPSHOT_QUIESCE_QUIESCED;
            QV_INFO("domain '%s': snapshot '%s': %d filesystem(s) frozen for %.1f ms (thaw sent "
                    "after %.1f ms)",
                    c->domname, c->snap->name, res.frozen, res.windowUs / 1000.0,
                    res.thawSentUs / 1000.0);
        }
    }
    ret = 0;

cleanup:
    if (ret == -1 && c->plan) {
        qvErrorPtr saved = qvErrorPreserveLast();

        qemuSnapshotCloseOverlays(mon, c->plan, c->domname, c->snap->name);
        qemuSnapshotRemoveCreated(c->plan);
        qvErrorRestore(&saved);
    }
    qemuSvSwitchResultClear(&res);
    if (held)
        qemuAgentRelease(agent);
    if (agent)
        qemuAgentUnref(agent);
    qemuMonitorUnref(mon);
    return ret;
}

static int qemuSnapshotDomainState(domainObj *obj)
{
    int state;

    g_mutex_lock(&obj->lock);
    state = obj->state;
    g_mutex_unlock(&obj->lock);
    switch (state) {
    case QV_DOMAIN_RUNNING:
        return SNAPSHOT_STATE_RUNNING;
    case QV_DOMAIN_PAUSED:
        return SNAPSHOT_STATE_PAUSED;
    case QV_DOMAIN_PMSUSPENDED:
        return SNAPSHOT_STATE_PMSUSPENDED;
    case QV_DOMAIN_SHUTDOWN:
        return SNAPSHOT_STATE_SHUTDOWN;
    default:
        return SNAPSHOT_STATE_SHUTOFF;
    }
}

char *qemuSnapshotCreate(qemuDriver *driver, domainObj *obj, const char *xml, unsigned int flags)
{
    g_autoptr(snapshotDef) snap = NULL;
    g_autoptr(qemuSnapshotList) list = NULL;
    g_autoptr(GArray) plan = g_array_new(FALSE, TRUE, sizeof(qemuSnapshotDiskPlan));
    g_autoptr(qemuJournal) journal = NULL;
    g_autoptr(domainDef) base = qemuSnapshotCopyDef(obj);
    const char *domname = base->name;
    qemuSnapshotCtx c = { driver, obj, domname, NULL, plan, flags };
    bool active = domainObjIsActive(obj);
    bool diskOnly = flags & QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY;
    int rc;

    if (flags & (QV_DOMAIN_SNAPSHOT_CREATE_REDEFINE | QV_DOMAIN_SNAPSHOT_CREATE_CURRENT)) {
        qvReportError(QV_ERR_ARGUMENT_UNSUPPORTED, "%s",
                      _("QV_DOMAIN_SNAPSHOT_CREATE_REDEFINE and QV_DOMAIN_SNAPSHOT_CREATE_CURRENT "
                        "(--redefine, --current) are not supported"));
        return NULL;
    }
    qvCheckFlags(QV_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | QV_DOMAIN_SNAPSHOT_CREATE_HALT |
                     QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | QV_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT |
                     QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE | QV_DOMAIN_SNAPSHOT_CREATE_ATOMIC |
                     QV_DOMAIN_SNAPSHOT_CREATE_LIVE | QV_DOMAIN_SNAPSHOT_CREATE_VALIDATE |
                     QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE_BEST_EFFORT,
                 NULL);
    qvRequireFlag(QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY, QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE, NULL);
    qvRequireFlag(QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY,
                  QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE_BEST_EFFORT, NULL);
    if (flags & QV_DOMAIN_SNAPSHOT_CREATE_LIVE) {
        qvReportError(QV_ERR_OPERATION_UNSUPPORTED, "%s",
                      _("QV_DOMAIN_SNAPSHOT_CREATE_LIVE (--live) needs an external memory "
                        "snapshot, which qvirt does not take"));
        return NULL;
    }
    if ((flags & QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE) && !active) {
        qvReportError(QV_ERR_OPERATION_INVALID,
                      _("cannot quiesce domain '%s': it is not running (a quiesced snapshot "
                        "needs a running guest with a connected agent)"),
                      domname);
        return NULL;
    }
    if (!(snap = snapshotDefParseString(xml, "(snapshot_definition)", 0)))
        return NULL;
    if (snap->memory == SNAPSHOT_LOCATION_EXTERNAL) {
        qvReportError(QV_ERR_OPERATION_UNSUPPORTED, "%s",
                      _("external memory snapshots (<memory snapshot='external'>, --memspec) are "
                        "not supported"));
        return NULL;
    }
    if (diskOnly && snap->memory == SNAPSHOT_LOCATION_INTERNAL) {
        qvReportError(QV_ERR_INVALID_ARG, "%s",
                      _("a disk-only snapshot cannot include memory (<memory "
                        "snapshot='internal'>)"));
        return NULL;
    }
    snap->creationTime = g_get_real_time() / G_USEC_PER_SEC;
    if (!snap->name)
        snap->name = g_strdup_printf("%lld", snap->creationTime);
    if (!(list = qemuSnapshotListLoad(driver, domname)))
        return NULL;
    if (qemuSnapshotFind(list, NULL, snap->name)) {
        qvReportError(QV_ERR_OPERATION_INVALID,
                      _("domain snapshot '%s' already exists for domain '%s'"), snap->name,
                      domname);
        return NULL;
    }
    snap->parent = g_strdup(list->current);
    if (qemuSnapshotPlan(snap, base, diskOnly, plan) < 0 ||
        qemuSnapshotValidateNames(snap, plan, !(flags & QV_DOMAIN_SNAPSHOT_CREATE_NO_METADATA)) <
            0) {
        qemuSnapshotPlanClear(plan);
        return NULL;
    }
    snap->dom = domainDefCopy(base);
    c.snap = snap;
    if (diskOnly) {
        snap->memory = SNAPSHOT_LOCATION_NO;
        snap->state = active ? SNAPSHOT_STATE_DISK_SNAPSHOT : SNAPSHOT_STATE_SHUTOFF;
    } else {
        snap->state = qemuSnapshotDomainState(obj);
        snap->memory = active ? SNAPSHOT_LOCATION_INTERNAL : SNAPSHOT_LOCATION_NO;
    }
    /* intent before action */
    if (!(journal = qemuSnapshotStage(&c, active, diskOnly))) {
        qemuSnapshotPlanClear(plan);
        return NULL;
    }
    qvFaultPoint("snapshot-staged");

    if (diskOnly) {
        if (active) {
            rc = qemuSnapshotCreateActiveExternal(&c);
        } else {
            rc = qemuSnapshotPrepareOverlays(plan, flags & QV_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT);
            if (rc < 0)
                qemuSnapshotRemoveCreated(plan);
        }
    } else {
        if (active)
            rc = qemuSnapshotJobOnDisks(driver, obj, plan, "snapshot-save", snap->name, true,
                                        journal->job, true);
        else
            rc = qemuSnapshotImgEach(plan, "-c", snap->name, "-d");
    }
    qemuSnapshotPlanClear(plan);
    if (rc == -2) {
        /* QEMU may have switched: undoing could lose what the guest writes next */
        g_autofree char *why = g_strdup(qvGetLastErrorMessage());

        qvReportError(QV_ERR_OPERATION_FAILED,
                      _("domain '%s': whether snapshot '%s' was taken is not known (%s); the "
                        "next change to this root completes or undoes it from QEMU's state"),
                      domname, snap->name, why);
        return NULL;
    }
    if (rc < 0) {
        qvErrorPtr saved = qvErrorPreserveLast();

        /* the overlays this call created are gone already */
        if (qemuJournalRollback(journal, false) < 0)
            QV_WARN("domain '%s': %s", domname, qvGetLastErrorMessage());
        qvErrorRestore(&saved);
        return NULL;
    }

    /* from here on the snapshot exists: the records follow it, durably, before success
     * is reported */
    qvFaultPoint("snapshot-switched");
    if (!(flags & QV_DOMAIN_SNAPSHOT_CREATE_NO_METADATA)) {
        g_autofree char *path = qemuSnapshotFile(driver, domname, snap->name);
        g_autofree char *record = snapshotDefFormat(snap, DOMAIN_DEF_FORMAT_SECURE);

        /* the quiesce outcome is known now; without room for it, the staged record stands */
        if (qemuJournalStage(journal, path, record, strlen(record)) < 0) {
            QV_WARN("domain '%s': snapshot '%s': %s", domname, snap->name, qvGetLastErrorMessage());
            qvResetLastError();
        }
    }
    if (qemuJournalCommit(journal) < 0) {
        g_autofree char *why = g_strdup(qvGetLastErrorMessage());

        qvReportError(QV_ERR_OPERATION_FAILED,
                      _("domain '%s': snapshot '%s' was taken, but its records could not be "
                        "completed (%s); the next change to this root completes them"),
                      domname, snap->name, why);
        return NULL;
    }
    if (diskOnly) {
        g_mutex_lock(&obj->lock);
        if (obj->persistent)
            qemuSnapshotApplyJournal(active ? obj->newDef : obj->def, journal);
        if (active)
            qemuSnapshotApplyJournal(obj->def, journal);
        g_mutex_unlock(&obj->lock);
    }
    if ((flags & QV_DOMAIN_SNAPSHOT_CREATE_HALT) && active &&
        qemuProcessDestroy(driver, obj, false) < 0)
        QV_WARN("domain '%s': snapshot '%s' taken, but halting failed: %s", domname, snap->name,
                qvGetLastErrorMessage());
    return g_strdup(snap->name);
}
