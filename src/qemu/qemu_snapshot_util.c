/* qemu_snapshot_util.c: what the snapshot operations share: qemu-img, QEMU's jobs and
 * block graph, the plan of which disks go where, overlays, journal steps. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu_command.h"
#include "qemu_process.h"
#include "qemu_snapshot_priv.h"
#include "qverror.h"
#include "qvfile.h"
#include "qvlog.h"

#define QV_FROM_THIS QV_FROM_DOMAIN_SNAPSHOT

QV_LOG_INIT("qemu.snapshot");

/* ---- tools: qemu-img, QMP jobs, block nodes ---- */

/* Run qemu-img with args; its standard output in *output if output is not NULL. */
int qemuSnapshotImgOutput(const char *const *args, char **output)
{
    g_autofree char *img = NULL;
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) gerr = NULL;
    const char *env = g_getenv("QVIRT_QEMU_IMG");
    gint status = 0;
    size_t i;

    img = env && *env ? g_strdup(env) : g_find_program_in_path("qemu-img");
    if (!img) {
        qvReportError(QV_ERR_OPERATION_FAILED, "%s",
                      _("cannot find qemu-img in PATH (or $QVIRT_QEMU_IMG)"));
        return -1;
    }
    g_ptr_array_add(argv, img);
    for (i = 0; args[i]; i++)
        g_ptr_array_add(argv, (gpointer)args[i]);
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                      &out, &err, &status, &gerr)) {
        qvReportError(QV_ERR_OPERATION_FAILED, _("cannot run '%s': %s"), img, gerr->message);
        return -1;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_autofree char *cmd = g_strjoinv(" ", (char **)argv->pdata + 1);

        qvReportError(QV_ERR_OPERATION_FAILED, _("qemu-img %s failed: %s"), cmd,
                      g_strstrip(err ? err : out));
        return -1;
    }
    if (output)
        *output = g_steal_pointer(&out);
    return 0;
}

int qemuSnapshotImg(const char *const *args)
{
    return qemuSnapshotImgOutput(args, NULL);
}

/* The internal snapshots an ImageInfo (query-block's inserted.image, qemu-img info)
 * lists, by name. */
static char **qemuSnapshotInfoTags(qvJSONValue *image)
{
    qvJSONValue *tags = qvJSONObjectGet(image, "snapshots"); /* absent: none */
    size_t i, n = tags ? qvJSONArraySize(tags) : 0;
    char **names = g_new0(char *, n + 1);
    size_t found = 0;

    for (i = 0; i < n; i++) {
        const char *name = qvJSONGetString(qvJSONObjectGet(qvJSONArrayGet(tags, i), "name"));

        if (name)
            names[found++] = g_strdup(name);
    }
    return names;
}

/* Whether the image file (not in use, or shared: -U) holds internal snapshot tag: 1 yes,
 * 0 no (or no such file), -1 not known (reported). */
int qemuSnapshotImageHasTag(const char *image, const char *tag)
{
    const char *args[] = { "info", "--output=json", "-U", "-f", "qcow2", image, NULL };
    g_autofree char *out = NULL;
    g_autofree char *perr = NULL;
    g_autoptr(qvJSONValue) info = NULL;

    if (!qvFileExists(image))
        return 0;
    if (qemuSnapshotImgOutput(args, &out) < 0)
        return -1;
    if (!(info = qvJSONParse(out, strlen(out), 16, &perr)) ||
        qvJSONGetType(info) != QV_JSON_OBJECT) {
        qvReportError(QV_ERR_INTERNAL_ERROR,
                      _("qemu-img info of '%s' said something unexpected: %s"), image,
                      perr ? perr : out);
        return -1;
    }
    {
        g_auto(GStrv) tags = qemuSnapshotInfoTags(info);

        return g_strv_contains((const char *const *)tags, tag) ? 1 : 0;
    }
}

/* Where QEMU's job id is: -1 not known (reported), 0 QEMU has no such job, 1 at work,
 * 2 concluded (*error: its error, NULL when it succeeded). */
int qemuSnapshotJobState(qemuMonitor *mon, const char *jobId, char **error)
{
    g_autoptr(qvJSONValue) jobs = NULL;
    size_t i;

    if (qemuMonitorCommand(mon, "query-jobs", NULL, QEMU_SNAPSHOT_QMP_TIMEOUT_MS, &jobs) < 0)
        return -1;
    for (i = 0; i < qvJSONArraySize(jobs); i++) {
        qvJSONValue *job = qvJSONArrayGet(jobs, i);
        const char *status = qvJSONGetString(qvJSONObjectGet(job, "status"));

        if (STRNEQ_NULLABLE(qvJSONGetString(qvJSONObjectGet(job, "id")), jobId))
            continue;
        if (STRNEQ_NULLABLE(status, "concluded"))
            return 1;
        if (error)
            *error = g_strdup(qvJSONGetString(qvJSONObjectGet(job, "error")));
        return 2;
    }
    return 0;
}

int qemuSnapshotJobDismiss(qemuMonitor *mon, const char *jobId)
{
    qvJSONValue *args = qvJSONNewObject();

    qvJSONObjectAdd(args, "s:id", jobId, NULL);
    return qemuMonitorCommand(mon, "job-dismiss", args, QEMU_SNAPSHOT_QMP_TIMEOUT_MS, NULL);
}

/* Wait for job jobId (already sent, or sent by a process that died) to conclude; then
 * dismiss it unless told not to. 0 it succeeded, -1 it failed or was lost (reported). */
static int qemuSnapshotWaitJob(qemuMonitor *mon, const char *cmd, const char *jobId, bool dismiss)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)QEMU_SNAPSHOT_JOB_TIMEOUT_MS * 1000;
    g_autofree char *error = NULL;
    guint64 seen = qemuMonitorJobsConcluded(mon);
    int st;

    /* woken by QEMU's JOB_STATUS_CHANGE to "concluded" (the supervisor forwards QEMU's
     * events); the periodic look is only a bound against a lost event */
    while ((st = qemuSnapshotJobState(mon, jobId, &error)) == 1) {
        if (g_get_monotonic_time() > deadline) {
            qvReportError(QV_ERR_OPERATION_TIMEOUT, _("%s did not finish within %d s"), cmd,
                          QEMU_SNAPSHOT_JOB_TIMEOUT_MS / 1000);
            return -1;
        }
        qemuMonitorWaitJobConcluded(mon, seen, 200);
        seen = qemuMonitorJobsConcluded(mon);
    }
    if (st < 0)
        return -1;
    if (st == 0) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("QEMU lost the job '%s' (%s)"), jobId, cmd);
        return -1;
    }
    if (dismiss && qemuSnapshotJobDismiss(mon, jobId) < 0)
        return -1;
    if (error) {
        qvReportError(QV_ERR_OPERATION_FAILED, _("%s failed: %s"), cmd, error);
        return -1;
    }
    return 0;
}

char *qemuSnapshotJobId(const char *cmd)
{
    return g_strdup_printf("qv-%s-%" G_GINT64_FORMAT, cmd, g_get_real_time());
}

/* Run a QMP job command (snapshot-save/-load/-delete, blockdev-create) to its end, and
 * dismiss it unless told not to. */
static int qemuSnapshotRunJob(qemuMonitor *mon, const char *cmd, qvJSONValue *args,
                              const char *jobId, bool dismiss)
{
    if (qemuMonitorCommand(mon, cmd, args, QEMU_SNAPSHOT_QMP_TIMEOUT_MS, NULL) < 0)
        return -1;
    return qemuSnapshotWaitJob(mon, cmd, jobId, dismiss);
}

void qemuSnapshotBlockdevDel(qemuMonitor *mon, const char *node, const char *domain,
                             const char *snapshot)
{
    qvJSONValue *args = qvJSONNewObject();

    qvJSONObjectAdd(args, "s:node-name", node, NULL);
    if (qemuMonitorCommand(mon, "blockdev-del", args, QEMU_SNAPSHOT_QMP_TIMEOUT_MS, NULL) < 0) {
        QV_WARN("domain '%s': QEMU keeps node '%s' of snapshot '%s' open: %s", domain, node,
                snapshot, qvGetLastErrorMessage());
        qvResetLastError();
    }
}

static void qemuSnapshotBlockInfoFree(gpointer p)
{
    qemuSnapshotBlockInfo *b = p;

    g_free(b->node);
    g_free(b->file);
    g_strfreev(b->tags);
    g_free(b);
}

/* qdev id or path ("/machine/peripheral/ALIAS/virtio-backend") -> its alias */
static char *qemuSnapshotQdevAlias(const char *qdev)
{
    g_auto(GStrv) parts = NULL;

    if (!g_str_has_prefix(qdev, "/machine/peripheral/"))
        return g_strdup(qdev);
    parts = g_strsplit(qdev + strlen("/machine/peripheral/"), "/", 2);
    return g_strdup(parts[0]);
}

/* Device alias -> its top image as QEMU has it now (query-block). */
GHashTable *qemuSnapshotQueryBlock(qemuMonitor *mon)
{
    g_autoptr(qvJSONValue) ret = NULL;
    GHashTable *map;
    size_t i;

    if (qemuMonitorCommand(mon, "query-block", NULL, QEMU_SNAPSHOT_QMP_TIMEOUT_MS, &ret) < 0)
        return NULL;
    map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, qemuSnapshotBlockInfoFree);
    for (i = 0; i < qvJSONArraySize(ret); i++) {
        qvJSONValue *dev = qvJSONArrayGet(ret, i);
        const char *qdev = qvJSONGetString(qvJSONObjectGet(dev, "qdev"));
        qvJSONValue *inserted = qvJSONObjectGet(dev, "inserted");
        const char *node = qvJSONGetString(qvJSONObjectGet(inserted, "node-name"));
        qvJSONValue *image = qvJSONObjectGet(inserted, "image");
        qemuSnapshotBlockInfo *b;

        if (!qdev || !node)
            continue;
        b = g_new0(qemuSnapshotBlockInfo, 1);
        b->node = g_strdup(node);
        b->file = g_strdup(qvJSONGetString(qvJSONObjectGet(inserted, "file")));
        if (qvJSONGetLLong(qvJSONObjectGet(image, "virtual-size"), &b->size) < 0)
            b->size = -1;
        b->tags = qemuSnapshotInfoTags(image);
        g_hash_table_insert(map, qemuSnapshotQdevAlias(qdev), b);
    }
    return map;
}

/* ---- planning: which disks, where ---- */

void qemuSnapshotPlanClear(GArray *plan)
{
    guint i;

    for (i = 0; i < plan->len; i++) {
        qemuSnapshotDiskPlan *p = &g_array_index(plan, qemuSnapshotDiskPlan, i);

        g_free(p->file);
        g_free(p->newNode);
        g_free(p->fileNode);
    }
}

static bool qemuSnapshotDiskEligible(const domainDiskDef *disk)
{
    return disk->device == DOMAIN_DISK_DEVICE_DISK && !disk->readonly && disk->src &&
           disk->src->path;
}

/* The default overlay name: the disk's file without its extension, then .NAME */
static char *qemuSnapshotDefaultFile(const char *path, const char *name)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    char *dot = strrchr(base, '.');
    g_autofree char *file = NULL;

    if (dot && dot != base)
        *dot = '\0';
    file = g_strdup_printf("%s.%s", base, name);
    return g_build_filename(dir, file, NULL);
}

/* Fill snap->disks from the request and the domain's disks; build the plan. */
int qemuSnapshotPlan(snapshotDef *snap, domainDef *dom, bool diskOnly, GArray *plan)
{
    size_t i, j;
    g_autoptr(GArray) disks = g_array_new(FALSE, TRUE, sizeof(snapshotDiskDef));
    int internal = 0, external = 0;

    for (i = 0; i < snap->ndisks; i++) {
        bool found = false;

        for (j = 0; j < dom->ndisks; j++)
            found |= STREQ(dom->disks[j]->dst, snap->disks[i].name);
        if (!found) {
            qvReportError(QV_ERR_INVALID_ARG, _("no disk named '%s' in domain '%s'"),
                          snap->disks[i].name, dom->name);
            return -1;
        }
    }
    for (j = 0; j < dom->ndisks; j++) {
        domainDiskDef *disk = dom->disks[j];
        snapshotDiskDef *req = NULL;
        snapshotDiskDef out = { 0 };
        qemuSnapshotDiskPlan p = { 0 };

        for (i = 0; i < snap->ndisks; i++) {
            if (STREQ(snap->disks[i].name, disk->dst))
                req = &snap->disks[i];
        }
        out.name = g_strdup(disk->dst);
        out.format = -1;
        if (req && req->snapshot)
            out.snapshot = req->snapshot;
        else if (!qemuSnapshotDiskEligible(disk))
            out.snapshot = SNAPSHOT_LOCATION_NO;
        else
            out.snapshot = diskOnly ? SNAPSHOT_LOCATION_EXTERNAL : SNAPSHOT_LOCATION_INTERNAL;
        if (out.snapshot != SNAPSHOT_LOCATION_NO && !qemuSnapshotDiskEligible(disk)) {
            qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                          _("disk '%s' cannot be snapshotted (read-only, removable or without a "
                            "file); give it snapshot='no'"),
                          disk->dst);
            g_free(out.name);
            return -1;
        }
        if (out.snapshot == SNAPSHOT_LOCATION_EXTERNAL) {
            external++;
            out.format = req && req->format >= 0 ? req->format : DOMAIN_DISK_FORMAT_QCOW2;
            out.file = req && req->file ? g_strdup(req->file)
                                        : qemuSnapshotDefaultFile(disk->src->path, snap->name);
            if (out.format != DOMAIN_DISK_FORMAT_QCOW2) {
                qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                              _("disk '%s': external snapshot format '%s' is not supported "
                                "(supported: 'qcow2')"),
                              disk->dst, domainDiskFormatTypeToString(out.format));
                g_free(out.name);
                g_free(out.file);
                return -1;
            }
        } else if (out.snapshot == SNAPSHOT_LOCATION_INTERNAL) {
            internal++;
            if (disk->src->format != DOMAIN_DISK_FORMAT_QCOW2) {
                qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                              _("internal snapshot of disk '%s' needs a qcow2 image, not '%s'"),
                              disk->dst, domainDiskFormatTypeToString(disk->src->format));
                g_free(out.name);
                return -1;
            }
        }
        if (out.snapshot != SNAPSHOT_LOCATION_NO) {
            p.disk = disk;
            p.location = out.snapshot;
            p.file = g_strdup(out.file);
            g_array_append_val(plan, p);
        }
        g_array_append_val(disks, out);
    }
    if (internal && external) {
        qvReportError(QV_ERR_CONFIG_UNSUPPORTED, "%s",
                      _("mixing internal and external disk snapshots is not supported"));
        goto error;
    }
    if (diskOnly && internal) {
        qvReportError(
            QV_ERR_CONFIG_UNSUPPORTED, "%s",
            _("disk-only snapshots must be external (a disk asks for snapshot='internal')"));
        goto error;
    }
    if (!diskOnly && external) {
        qvReportError(QV_ERR_CONFIG_UNSUPPORTED, "%s",
                      _("external disk snapshots are only supported with disk-only "
                        "(QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY, --disk-only)"));
        goto error;
    }
    if (!internal && !external) {
        qvReportError(QV_ERR_CONFIG_UNSUPPORTED, _("domain '%s' has no disk to snapshot"),
                      dom->name);
        goto error;
    }
    for (i = 0; i < snap->ndisks; i++) {
        g_free(snap->disks[i].name);
        g_free(snap->disks[i].file);
    }
    g_free(snap->disks);
    snap->ndisks = disks->len;
    snap->disks = (snapshotDiskDef *)(void *)g_array_free(g_steal_pointer(&disks), FALSE);
    return 0;

error:
    for (i = 0; i < disks->len; i++) {
        g_free(g_array_index(disks, snapshotDiskDef, i).name);
        g_free(g_array_index(disks, snapshotDiskDef, i).file);
    }
    return -1;
}

/* The overlay file, created here, exclusively, never through a symbolic link, for its
 * owner only; qemu-img or QEMU then writes the file that is ours. */
static int qemuSnapshotCreateFile(qemuSnapshotDiskPlan *p)
{
    int fd = open(p->file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    struct stat st;

    if (fd < 0 && errno == EEXIST && lstat(p->file, &st) == 0 && S_ISLNK(st.st_mode)) {
        qvReportError(QV_ERR_OPERATION_INVALID,
                      _("disk '%s': external snapshot file '%s' is a symbolic link; "
                        "qvirt does not create files through one"),
                      p->disk->dst, p->file);
        return -1;
    }
    if (fd < 0 && errno == EEXIST) {
        qvReportError(QV_ERR_OPERATION_INVALID,
                      _("disk '%s': external snapshot file '%s' already exists; reuse "
                        "it with QV_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT (--reuse-external)"),
                      p->disk->dst, p->file);
        return -1;
    }
    if (fd < 0) {
        qvReportSystemError(errno, _("disk '%s': cannot create external snapshot file '%s'"),
                            p->disk->dst, p->file);
        return -1;
    }
    close(fd);
    p->created = true;
    return 0;
}

static int qemuSnapshotCheckReused(const qemuSnapshotDiskPlan *p)
{
    if (!qvFileExists(p->file)) {
        qvReportError(QV_ERR_INVALID_ARG,
                      _("disk '%s': external snapshot file '%s' does not exist (REUSE_EXT)"),
                      p->disk->dst, p->file);
        return -1;
    }
    return 0;
}

/* Shut off: check (and, unless reuse, create with qemu-img) the overlays. */
int qemuSnapshotPrepareOverlays(GArray *plan, bool reuse)
{
    guint i;

    for (i = 0; i < plan->len; i++) {
        qemuSnapshotDiskPlan *p = &g_array_index(plan, qemuSnapshotDiskPlan, i);
        const char *fmt = domainDiskFormatTypeToString(p->disk->src->format);
        const char *args[] = { "create",           "-q", "-f", "qcow2", "-b",
                               p->disk->src->path, "-F", fmt,  p->file, NULL };

        if (reuse ? qemuSnapshotCheckReused(p) < 0
                  : qemuSnapshotCreateFile(p) < 0 || qemuSnapshotImg(args) < 0)
            return -1;
    }
    return 0;
}

/* Running: the overlays are formatted (unless reused) and opened by QEMU itself, before
 * any freeze: no helper process to spawn, and nothing but the graph switch is left for
 * the frozen window. Undone by qemuSnapshotCloseOverlays. */
int qemuSnapshotOpenOverlays(qemuMonitor *mon, GArray *plan, bool reuse)
{
    gint64 stamp = g_get_real_time() % 1000000000;
    guint i;

    for (i = 0; i < plan->len; i++) {
        qemuSnapshotDiskPlan *p = &g_array_index(plan, qemuSnapshotDiskPlan, i);
        domainStorageSource overlay = { .type = DOMAIN_DISK_TYPE_FILE,
                                        .path = p->file,
                                        .format = DOMAIN_DISK_FORMAT_QCOW2 };
        qvJSONValue *fmt;

        if (reuse ? qemuSnapshotCheckReused(p) < 0 : qemuSnapshotCreateFile(p) < 0)
            return -1;
        /* named by the journal's staging, normally */
        if (!p->fileNode)
            p->fileNode = g_strdup_printf("qv-%s-f%09" G_GINT64_FORMAT, p->disk->dst, stamp);
        if (!p->newNode)
            p->newNode = g_strdup_printf("qv-%s-o%09" G_GINT64_FORMAT, p->disk->dst, stamp);
        if (qemuMonitorCommand(mon, "blockdev-add",
                               qemuBlockStorageProps(p->disk, &overlay, p->fileNode),
                               QEMU_SNAPSHOT_QMP_TIMEOUT_MS, NULL) < 0)
            return -1;
        p->fileNodeAdded = true;
        if (!reuse) {
            /* QEMU holds the backing image: it is not opened, its size is given */
            g_autoptr(qvJSONValue) args = qvJSONNewObject();
            g_autofree char *job = g_strdup_printf("qv-create-%s", p->newNode);
            qvJSONValue *opts = qvJSONNewObject();

            if (!p->block || p->block->size < 0) {
                qvReportError(QV_ERR_INTERNAL_ERROR, _("QEMU did not report the size of disk '%s'"),
                              p->disk->dst);
                qvJSONFree(opts);
                return -1;
            }
            qvJSONObjectAdd(opts, "s:driver", "qcow2", "s:file", p->fileNode, "I:size",
                            p->block->size, "s:backing-file", p->disk->src->path, "s:backing-fmt",
                            domainDiskFormatTypeToString(p->disk->src->format), NULL);
            qvJSONObjectAdd(args, "s:job-id", job, "a:options", opts, NULL);
            if (qemuSnapshotRunJob(mon, "blockdev-create", g_steal_pointer(&args), job, true) < 0)
                return -1;
        }
        fmt = qemuBlockFormatProps(p->disk, &overlay, p->newNode, p->fileNode, true);
        /* blockdev-snapshot attaches the backing itself */
        qvJSONObjectAppend(fmt, "backing", qvJSONNewNull());
        if (qemuMonitorCommand(mon, "blockdev-add", fmt, QEMU_SNAPSHOT_QMP_TIMEOUT_MS, NULL) < 0)
            return -1;
        p->newNodeAdded = true;
    }
    return 0;
}

/* After a failure: QEMU lets go of the overlays it opened (errors only logged). */
void qemuSnapshotCloseOverlays(qemuMonitor *mon, GArray *plan, const char *domain,
                               const char *snapshot)
{
    qvErrorPtr saved = qvErrorPreserveLast();
    guint i;

    for (i = 0; i < plan->len; i++) {
        qemuSnapshotDiskPlan *p = &g_array_index(plan, qemuSnapshotDiskPlan, i);
        const char *nodes[] = { p->newNodeAdded ? p->newNode : NULL,
                                p->fileNodeAdded ? p->fileNode : NULL };
        size_t k;

        for (k = 0; k < G_N_ELEMENTS(nodes); k++) {
            if (nodes[k])
                qemuSnapshotBlockdevDel(mon, nodes[k], domain, snapshot);
        }
        p->newNodeAdded = p->fileNodeAdded = false;
    }
    if (saved)
        qvErrorRestore(&saved);
    else
        qvResetLastError();
}

void qemuSnapshotRemoveCreated(GArray *plan)
{
    guint i;

    for (i = 0; i < plan->len; i++) {
        qemuSnapshotDiskPlan *p = &g_array_index(plan, qemuSnapshotDiskPlan, i);

        if (p->created && unlink(p->file) < 0 && errno != ENOENT)
            QV_WARN("cannot remove '%s': %s", p->file, g_strerror(errno));
        p->created = false;
    }
}

/* The disks the journal switched now run on their overlays (those not on them yet). */
void qemuSnapshotApplyJournal(domainDef *def, const qemuJournal *j)
{
    guint i;
    size_t k;

    for (i = 0; i < j->disks->len; i++) {
        for (k = 0; k < def->ndisks; k++) {
            domainDiskDef *disk = def->disks[k];
            domainStorageSource *top;

            if (STRNEQ(disk->dst, j->disks->pdata[i]) || !disk->src ||
                STREQ_NULLABLE(disk->src->path, j->overlays->pdata[i]))
                continue;
            top = g_new0(domainStorageSource, 1);
            top->type = DOMAIN_DISK_TYPE_FILE;
            top->path = g_strdup(j->overlays->pdata[i]);
            top->format = DOMAIN_DISK_FORMAT_QCOW2;
            top->backing = disk->src;
            top->backingKnown = true;
            disk->src = top;
        }
    }
}

/* The object's definition as it is now, to plan against: another thread may replace
 * obj->def (a reload, a refresh) while a snapshot runs. */
domainDef *qemuSnapshotCopyDef(domainObj *obj)
{
    domainDef *def;

    g_mutex_lock(&obj->lock);
    def = domainDefCopy(obj->def);
    g_mutex_unlock(&obj->lock);
    return def;
}

static qvJSONValue *qemuSnapshotNodeList(GArray *plan)
{
    qvJSONValue *devices = qvJSONNewArray();
    guint i;

    for (i = 0; i < plan->len; i++)
        qvJSONArrayAppend(
            devices, qvJSONNewString(g_array_index(plan, qemuSnapshotDiskPlan, i).block->node));
    return devices;
}

int qemuSnapshotMapBlocks(qemuSnapshotCtx *c, GHashTable *blocks)
{
    guint i;

    for (i = 0; i < c->plan->len; i++) {
        qemuSnapshotDiskPlan *p = &g_array_index(c->plan, qemuSnapshotDiskPlan, i);
        g_autofree char *alias = qemuDiskDeviceAlias(p->disk);

        if (!(p->block = g_hash_table_lookup(blocks, alias))) {
            qvReportError(QV_ERR_INTERNAL_ERROR, _("QEMU has no block device for disk '%s' (%s)"),
                          p->disk->dst, alias);
            return -1;
        }
    }
    return 0;
}

/* A QMP snapshot job (snapshot-save/-load/-delete) over the plan's disks, tagged tag;
 * vmstate: the memory goes to (comes from) the first disk. jobId: the id the journal
 * names (NULL: one is made up). Not dismissed when told not to (the caller records the
 * outcome first, then dismisses). */
int qemuSnapshotJobOnDisks(qemuDriver *driver, domainObj *obj, GArray *plan, const char *cmd,
                           const char *tag, bool vmstate, const char *jobId, bool dismiss)
{
    g_autoptr(GHashTable) blocks = NULL;
    g_autoptr(qvJSONValue) args = qvJSONNewObject();
    g_autofree char *ownId = NULL;
    qemuSnapshotCtx c = { driver, obj, NULL, NULL, plan, 0 };
    qemuMonitor *mon;
    int ret = -1;

    if (!jobId)
        jobId = ownId = qemuSnapshotJobId(cmd);
    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        return -1;
    if (!(blocks = qemuSnapshotQueryBlock(mon)) || qemuSnapshotMapBlocks(&c, blocks) < 0)
        goto cleanup;
    qvJSONObjectAdd(args, "s:job-id", jobId, "s:tag", tag, "a:devices", qemuSnapshotNodeList(plan),
                    NULL);
    if (vmstate)
        qvJSONObjectAdd(args, "s:vmstate", g_array_index(plan, qemuSnapshotDiskPlan, 0).block->node,
                        NULL);
    ret = qemuSnapshotRunJob(mon, cmd, g_steal_pointer(&args), jobId, dismiss);

cleanup:
    qemuMonitorUnref(mon);
    return ret;
}

/* Internal, shut off: qemu-img snapshot -c on every disk (undone on failure). */
int qemuSnapshotImgEach(GArray *plan, const char *op, const char *name, const char *undo)
{
    guint i;

    for (i = 0; i < plan->len; i++) {
        const char *args[] = { "snapshot", op, name,
                               g_array_index(plan, qemuSnapshotDiskPlan, i).disk->src->path, NULL };

        if (qemuSnapshotImg(args) < 0) {
            qvErrorPtr saved = qvErrorPreserveLast();

            while (undo && i-- > 0) {
                const char *back[] = { "snapshot", undo, name,
                                       g_array_index(plan, qemuSnapshotDiskPlan, i).disk->src->path,
                                       NULL };

                if (qemuSnapshotImg(back) < 0)
                    qvResetLastError();
            }
            qvErrorRestore(&saved);
            return -1;
        }
    }
    return 0;
}

/* ---- revert and delete ---- */

/* The plan of an internal snapshot's disks, against the domain's current disks. */
int qemuSnapshotInternalPlan(const snapshotDef *snap, domainDef *dom, GArray *plan)
{
    size_t i, j;

    for (i = 0; i < snap->ndisks; i++) {
        qemuSnapshotDiskPlan p = { 0 };

        if (snap->disks[i].snapshot != SNAPSHOT_LOCATION_INTERNAL)
            continue;
        for (j = 0; j < dom->ndisks; j++) {
            if (STREQ(dom->disks[j]->dst, snap->disks[i].name))
                p.disk = dom->disks[j];
        }
        if (!p.disk) {
            qvReportError(QV_ERR_OPERATION_INVALID,
                          _("disk '%s' of snapshot '%s' is no longer in domain '%s'"),
                          snap->disks[i].name, snap->name, dom->name);
            return -1;
        }
        p.location = SNAPSHOT_LOCATION_INTERNAL;
        g_array_append_val(plan, p);
    }
    if (plan->len == 0) {
        qvReportError(QV_ERR_OPERATION_INVALID, _("snapshot '%s' has no internal disk snapshot"),
                      snap->name);
        return -1;
    }
    return 0;
}

/* A new journal for domname, refused while the one of an operation that has not been
 * settled exists. */
qemuJournal *qemuSnapshotJournalNew(qemuDriver *driver, const char *op, const char *domname,
                                    const char *snapname)
{
    g_autoptr(qemuJournal) j = qemuJournalNew(driver->cfg, op, domname, snapname);

    if (qvFileExists(j->path)) {
        qvReportError(QV_ERR_OPERATION_INVALID,
                      _("domain '%s' has an unfinished operation ('%s'); it is completed or "
                        "undone by the next change to this root"),
                      domname, j->path);
        return NULL;
    }
    return g_steal_pointer(&j);
}

void qemuSnapshotJournalAddTags(qemuJournal *j, const char *tag, GArray *plan)
{
    guint i;

    for (i = 0; i < plan->len; i++) {
        const qemuSnapshotDiskPlan *p = &g_array_index(plan, qemuSnapshotDiskPlan, i);

        qemuJournalAddTag(j, tag, p->disk->dst, p->disk->src->path);
    }
}

/* Stage the "current" record naming name (NULL: none is current). */
int qemuSnapshotStageCurrent(qemuDriver *driver, qemuJournal *j, const char *domname,
                             const char *name)
{
    g_autofree char *dir = qemuSnapshotDir(driver, domname);
    g_autofree char *path = g_build_filename(dir, "current", NULL);
    g_autofree char *text = NULL;

    if (!name) {
        qemuJournalAddRemoved(j, path);
        return 0;
    }
    text = g_strdup_printf("%s\n", name);
    return qemuJournalStage(j, path, text, strlen(text));
}

/* Commit, or report that the operation happened but its records wait for the next
 * change (which completes them: the journal says what to do). */
int qemuSnapshotCommit(qemuJournal *j)
{
    g_autofree char *why = NULL;

    if (qemuJournalCommit(j) == 0)
        return 0;
    why = g_strdup(qvGetLastErrorMessage());
    qvReportError(QV_ERR_OPERATION_FAILED,
                  _("domain '%s': snapshot '%s': %s was done, but its records could not be "
                    "completed (%s); the next change to this root completes them"),
                  j->domain, j->snapshot, j->op, why);
    return -1;
}

void qemuSnapshotRollbackQuiet(qemuJournal *j)
{
    qvErrorPtr saved = qvErrorPreserveLast();

    if (qemuJournalRollback(j, false) < 0)
        QV_WARN("domain '%s': %s", j->domain, qvGetLastErrorMessage());
    if (saved)
        qvErrorRestore(&saved);
}

/* Run state after a revert with memory: QEMU restored its own run state after the load;
 * the revert decides. */
int qemuSnapshotApplyRun(qemuDriver *driver, domainObj *obj, const char *run)
{
    qemuMonitor *mon;
    int rc;

    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        return -1;
    rc = qemuMonitorSimple(mon, STREQ_NULLABLE(run, "running") ? "cont" : "stop");
    qemuMonitorUnref(mon);
    return rc;
}
