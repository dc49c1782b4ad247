/* qemu_snapshot.c: domain snapshots: metadata kept atomically under the state root,
 * external disk-only snapshots of a running domain switched in one QMP transaction and
 * quiesced through the guest agent (always thawed, the freeze guarded by the supervisor),
 * internal snapshots through QEMU's snapshot jobs or qemu-img, offline overlays with
 * qemu-img. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qemu_command.h"
#include "qemu_journal.h"
#include "qemu_process.h"
#include "qemu_snapshot.h"
#include "qverror.h"
#include "qvfault.h"
#include "qvfile.h"
#include "qvlog.h"
#include "qvxml.h"

#define QV_FROM_THIS QV_FROM_DOMAIN_SNAPSHOT

QV_LOG_INIT("qemu.snapshot");

/* Bounds on what a snapshot waits for. */
#define QEMU_SNAPSHOT_QMP_TIMEOUT_MS 30000 /* a transaction, query-block, a job command */
#define QEMU_SNAPSHOT_JOB_TIMEOUT_MS (600 * 1000) /* snapshot-save/load/delete */
#define QEMU_SNAPSHOT_IMG_TIMEOUT_S 600
#define QEMU_SNAPSHOT_THAW_TRIES 3

/* ---- freeze and thaw ---- */

#define QEMU_FREEZE_GUARD_DEFAULT 300

int qemuFreezeGuardSeconds(void)
{
    const char *env = g_getenv("QVIRT_FREEZE_GUARD_SECONDS");
    guint64 v;

    if (env && g_ascii_string_to_unsigned(env, 10, 1, 24 * 3600, &v, NULL))
        return (int)v;
    if (env)
        QV_WARN("QVIRT_FREEZE_GUARD_SECONDS='%s' is not 1..86400; using %d s", env,
                QEMU_FREEZE_GUARD_DEFAULT);
    return QEMU_FREEZE_GUARD_DEFAULT;
}

int qemuDomainFreezeGuard(qemuDriver *driver, domainObj *obj, long long seconds, bool tied)
{
    g_autoptr(qvJSONValue) args = qvJSONNewObject();
    qemuMonitor *mon;
    int rc;

    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        return -1;
    qvJSONObjectAdd(args, "I:seconds", seconds, "b:tied", tied, NULL);
    rc = qemuMonitorCommand(mon, "x-qvirt-freeze-guard", g_steal_pointer(&args), 0, NULL);
    qemuMonitorUnref(mon);
    return rc;
}

int qemuDomainThawVerified(qemuDriver *driver, domainObj *obj, qemuAgent *agent, gint64 *thawedAt)
{
    g_autofree char *name = NULL;
    int attempt;

    g_mutex_lock(&obj->lock);
    name = g_strdup(obj->def->name);
    g_mutex_unlock(&obj->lock);

    for (attempt = 1;; attempt++) {
        qemuAgentFSFreezeStatus status;
        int thawed = qemuAgentFSThaw(agent, true);

        if (thawedAt && (thawed >= 0 || !*thawedAt))
            *thawedAt = g_get_monotonic_time();
        if (qemuAgentFSFreezeStatusGet(agent, &status) == 0) {
            if (status == QEMU_AGENT_FSFREEZE_THAWED) {
                /* thawed (even if the thaw call itself failed: someone thawed it) */
                qvResetLastError();
                if (qemuDomainFreezeGuard(driver, obj, 0, false) < 0)
                    return -1;
                return thawed < 0 ? 0 : thawed;
            }
            qvReportError(QV_ERR_OPERATION_FAILED, "%s",
                          _("the guest's filesystems are still frozen after thaw; its "
                            "supervisor keeps trying"));
        }
        if (attempt >= QEMU_SNAPSHOT_THAW_TRIES)
            return -1;
        QV_WARN("domain '%s': thaw attempt %d failed: %s", name, attempt, qvGetLastErrorMessage());
        g_usleep(200 * 1000);
    }
}

void qemuDomainFSEvent(qemuDriver *driver, domainObj *obj, const char *state, const char *reason)
{
    g_autoptr(qvJSONValue) args = qvJSONNewObject();
    qvErrorPtr saved = qvErrorPreserveLast();
    qemuMonitor *mon;

    qvJSONObjectAdd(args, "s:state", state, "s:reason", reason, NULL);
    if (!(mon = qemuDomainGetMonitor(driver, obj)) ||
        qemuMonitorCommand(mon, "x-qvirt-fs-event", g_steal_pointer(&args), 0, NULL) < 0)
        QV_DEBUG("fs-freeze event '%s' (%s) not sent: %s", state, reason, qvGetLastErrorMessage());
    if (mon)
        qemuMonitorUnref(mon);
    if (saved)
        qvErrorRestore(&saved);
    else
        qvResetLastError();
}

/* ---- metadata ---- */

static char *qemuSnapshotDir(qemuDriver *driver, const char *domname)
{
    return g_build_filename(driver->cfg->snapshotDir, domname, NULL);
}

static char *qemuSnapshotFile(qemuDriver *driver, const char *domname, const char *name)
{
    g_autofree char *dir = qemuSnapshotDir(driver, domname);
    g_autofree char *file = g_strdup_printf("%s.xml", name);

    return g_build_filename(dir, file, NULL);
}

void qemuSnapshotListFree(qemuSnapshotList *list)
{
    if (!list || !g_atomic_int_dec_and_test(&list->refs))
        return;
    g_ptr_array_unref(list->defs);
    g_free(list->current);
    g_free(list);
}

static gint qemuSnapshotCompare(gconstpointer a, gconstpointer b)
{
    const snapshotDef *x = *(const snapshotDef *const *)a;
    const snapshotDef *y = *(const snapshotDef *const *)b;

    if (x->creationTime != y->creationTime)
        return x->creationTime < y->creationTime ? -1 : 1;
    return g_strcmp0(x->name, y->name);
}

qemuSnapshotList *qemuSnapshotListLoad(qemuDriver *driver, const char *domname)
{
    g_autoptr(qemuSnapshotList) list = g_new0(qemuSnapshotList, 1);
    g_autofree char *dir = qemuSnapshotDir(driver, domname);
    g_autofree char *currentPath = g_build_filename(dir, "current", NULL);
    g_autoptr(GDir) d = NULL;
    const char *entry;

    list->refs = 1;
    list->defs = g_ptr_array_new_with_free_func((GDestroyNotify)snapshotDefFree);
    if (!(d = g_dir_open(dir, 0, NULL)))
        return g_steal_pointer(&list); /* no snapshots yet */
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *path = NULL;
        g_autofree char *xml = NULL;
        snapshotDef *def;

        if (!g_str_has_suffix(entry, ".xml"))
            continue;
        path = g_build_filename(dir, entry, NULL);
        if (qvFileReadAll(path, QV_XML_MAX_BYTES, &xml) < 0)
            return NULL;
        if (!(def = snapshotDefParseString(xml, path,
                                           SNAPSHOT_PARSE_REDEFINE | SNAPSHOT_PARSE_SKIP_SCHEMA)))
            return NULL;
        if (!def->name) {
            qvReportError(QV_ERR_INTERNAL_ERROR, _("snapshot metadata '%s' has no name"), path);
            snapshotDefFree(def);
            return NULL;
        }
        g_ptr_array_add(list->defs, def);
    }
    g_ptr_array_sort(list->defs, qemuSnapshotCompare);
    if (qvFileExists(currentPath)) {
        if (qvFileReadAll(currentPath, 4096, &list->current) < 0)
            return NULL;
        g_strstrip(list->current);
        if (!*list->current)
            g_clear_pointer(&list->current, g_free);
    }
    return g_steal_pointer(&list);
}

/* What the metadata directory looked like when a list was read from it: every change
 * (an atomic write, a removal) renames or unlinks in it, so a different stamp means read
 * again. A directory changed within the last seconds may change again within the same
 * timestamp tick: its lists are not kept ("racy" stamps, as git's index has them). */
typedef struct {
    qemuSnapshotList *list;
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
    struct timespec ctime;
} qemuSnapshotCache;

#define QEMU_SNAPSHOT_RACY_SECONDS 2

void qemuSnapshotCacheFree(gpointer data)
{
    qemuSnapshotCache *c = data;

    qemuSnapshotListFree(c->list);
    g_free(c);
}

static bool qemuSnapshotStampSame(const qemuSnapshotCache *c, const struct stat *st)
{
    return c->dev == st->st_dev && c->ino == st->st_ino && c->mtime.tv_sec == st->st_mtim.tv_sec &&
           c->mtime.tv_nsec == st->st_mtim.tv_nsec && c->ctime.tv_sec == st->st_ctim.tv_sec &&
           c->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

qemuSnapshotList *qemuSnapshotListGet(qemuDriver *driver, const char *domname)
{
    g_autofree char *dir = qemuSnapshotDir(driver, domname);
    qemuSnapshotCache *c;
    qemuSnapshotList *list;
    struct stat before, after;

    if (stat(dir, &before) < 0) {
        g_mutex_lock(&driver->snapshotLock);
        g_hash_table_remove(driver->snapshots, domname);
        g_mutex_unlock(&driver->snapshotLock);
        return qemuSnapshotListLoad(driver, domname); /* none yet, or unreadable: says why */
    }
    g_mutex_lock(&driver->snapshotLock);
    if ((c = g_hash_table_lookup(driver->snapshots, domname)) &&
        qemuSnapshotStampSame(c, &before)) {
        g_atomic_int_inc(&c->list->refs);
        list = c->list;
        g_mutex_unlock(&driver->snapshotLock);
        return list;
    }
    g_hash_table_remove(driver->snapshots, domname);
    g_mutex_unlock(&driver->snapshotLock);

    if (!(list = qemuSnapshotListLoad(driver, domname)))
        return NULL;
    /* kept only if nothing changed while reading, and not just now */
    if (stat(dir, &after) == 0 &&
        memcmp(&before.st_mtim, &after.st_mtim, sizeof(before.st_mtim)) == 0 &&
        memcmp(&before.st_ctim, &after.st_ctim, sizeof(before.st_ctim)) == 0 &&
        after.st_mtim.tv_sec + QEMU_SNAPSHOT_RACY_SECONDS <
            (time_t)(g_get_real_time() / G_USEC_PER_SEC)) {
        c = g_new0(qemuSnapshotCache, 1);
        c->list = list;
        g_atomic_int_inc(&list->refs);
        c->dev = after.st_dev;
        c->ino = after.st_ino;
        c->mtime = after.st_mtim;
        c->ctime = after.st_ctim;
        g_mutex_lock(&driver->snapshotLock);
        g_hash_table_replace(driver->snapshots, g_strdup(domname), c);
        g_mutex_unlock(&driver->snapshotLock);
    }
    return list;
}

snapshotDef *qemuSnapshotFind(const qemuSnapshotList *list, const char *domname, const char *name)
{
    guint i;

    for (i = 0; i < list->defs->len; i++) {
        snapshotDef *def = list->defs->pdata[i];

        if (STREQ(def->name, name))
            return def;
    }
    if (domname)
        qvReportError(QV_ERR_NO_DOMAIN_SNAPSHOT,
                      _("no domain snapshot with matching name '%s' "
                        "(domain '%s')"),
                      name, domname);
    return NULL;
}

int qemuSnapshotDiscardAll(qemuDriver *driver, const char *domname)
{
    g_autofree char *dir = qemuSnapshotDir(driver, domname);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry;

    if (!d)
        return 0;
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, entry, NULL);

        if (qvFileRemove(path) < 0)
            return -1;
    }
    if (rmdir(dir) < 0 && errno != ENOENT) {
        qvReportSystemError(errno, _("cannot remove '%s'"), dir);
        return -1;
    }
    return 0;
}

bool qemuSnapshotIsExternal(const snapshotDef *def)
{
    size_t i;

    if (def->memory == SNAPSHOT_LOCATION_EXTERNAL)
        return true;
    for (i = 0; i < def->ndisks; i++) {
        if (def->disks[i].snapshot == SNAPSHOT_LOCATION_EXTERNAL)
            return true;
    }
    return false;
}

static bool qemuSnapshotHasChildren(const qemuSnapshotList *list, const snapshotDef *def)
{
    guint i;

    for (i = 0; i < list->defs->len; i++) {
        const snapshotDef *d = list->defs->pdata[i];

        if (STREQ_NULLABLE(d->parent, def->name))
            return true;
    }
    return false;
}

/* Whether def descends from anc (walking parents, bounded against cycles). */
static bool qemuSnapshotDescendsFrom(const qemuSnapshotList *list, const snapshotDef *def,
                                     const snapshotDef *anc, bool directOnly)
{
    const snapshotDef *cur = def;
    guint hops;

    for (hops = 0; cur && cur->parent && hops <= list->defs->len; hops++) {
        if (STREQ(cur->parent, anc->name))
            return true;
        if (directOnly)
            return false;
        cur = qemuSnapshotFind(list, NULL, cur->parent);
    }
    return false;
}

static bool qemuSnapshotMatches(const qemuSnapshotList *list, const snapshotDef *def,
                                unsigned int flags)
{
    bool leaf = !qemuSnapshotHasChildren(list, def);
    unsigned int states =
        flags & (QV_DOMAIN_SNAPSHOT_LIST_INACTIVE | QV_DOMAIN_SNAPSHOT_LIST_ACTIVE |
                 QV_DOMAIN_SNAPSHOT_LIST_DISK_ONLY);
    unsigned int locations =
        flags & (QV_DOMAIN_SNAPSHOT_LIST_INTERNAL | QV_DOMAIN_SNAPSHOT_LIST_EXTERNAL);
    unsigned int leaves =
        flags & (QV_DOMAIN_SNAPSHOT_LIST_LEAVES | QV_DOMAIN_SNAPSHOT_LIST_NO_LEAVES);

    /* every snapshot here has metadata */
    if ((flags & (QV_DOMAIN_SNAPSHOT_LIST_METADATA | QV_DOMAIN_SNAPSHOT_LIST_NO_METADATA)) ==
        QV_DOMAIN_SNAPSHOT_LIST_NO_METADATA)
        return false;
    if (leaves && leaves != (QV_DOMAIN_SNAPSHOT_LIST_LEAVES | QV_DOMAIN_SNAPSHOT_LIST_NO_LEAVES) &&
        leaf != !!(leaves & QV_DOMAIN_SNAPSHOT_LIST_LEAVES))
        return false;
    if (states) {
        bool ok = false;

        if (def->state == SNAPSHOT_STATE_SHUTOFF)
            ok = states & QV_DOMAIN_SNAPSHOT_LIST_INACTIVE;
        else if (def->state == SNAPSHOT_STATE_DISK_SNAPSHOT)
            ok = states & QV_DOMAIN_SNAPSHOT_LIST_DISK_ONLY;
        else
            ok = states & QV_DOMAIN_SNAPSHOT_LIST_ACTIVE;
        if (!ok)
            return false;
    }
    if (locations &&
        !(locations & (qemuSnapshotIsExternal(def) ? QV_DOMAIN_SNAPSHOT_LIST_EXTERNAL
                                                   : QV_DOMAIN_SNAPSHOT_LIST_INTERNAL)))
        return false;
    return true;
}

/* Append def's subtree (def first) in topological order. */
static void qemuSnapshotWalk(const qemuSnapshotList *list, const snapshotDef *def, GPtrArray *order,
                             guint depth)
{
    guint i;

    g_ptr_array_add(order, (gpointer)def);
    if (depth > list->defs->len)
        return;
    for (i = 0; i < list->defs->len; i++) {
        const snapshotDef *d = list->defs->pdata[i];

        if (STREQ_NULLABLE(d->parent, def->name))
            qemuSnapshotWalk(list, d, order, depth + 1);
    }
}

GPtrArray *qemuSnapshotFilter(const qemuSnapshotList *list, const snapshotDef *from,
                              unsigned int flags)
{
    g_autoptr(GPtrArray) order = g_ptr_array_new();
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    bool bit0 = flags & QV_DOMAIN_SNAPSHOT_LIST_ROOTS; /* ROOTS, or DESCENDANTS under from */
    guint i;

    /* parents before children: roots (or orphans) and their subtrees, in creation order */
    for (i = 0; i < list->defs->len; i++) {
        const snapshotDef *d = list->defs->pdata[i];

        if (!d->parent || !qemuSnapshotFind(list, NULL, d->parent))
            qemuSnapshotWalk(list, d, order, 0);
    }
    for (i = 0; i < order->len; i++) {
        const snapshotDef *d = order->pdata[i];

        if (from) {
            if (d == from || !qemuSnapshotDescendsFrom(list, d, from, !bit0))
                continue;
        } else if (bit0 && d->parent && qemuSnapshotFind(list, NULL, d->parent)) {
            continue;
        }
        if (qemuSnapshotMatches(list, d, flags))
            g_ptr_array_add(names, g_strdup(d->name));
    }
    return names;
}

/* ---- tools: qemu-img, QMP jobs, block nodes ---- */

/* Run qemu-img with args; its standard output in *output if output is not NULL. */
static int qemuSnapshotImgOutput(const char *const *args, char **output)
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

static int qemuSnapshotImg(const char *const *args)
{
    return qemuSnapshotImgOutput(args, NULL);
}

/* Whether the ImageInfo image (query-block's inserted.image, qemu-img info) lists tag. */
static bool qemuSnapshotInfoHasTag(qvJSONValue *image, const char *tag)
{
    qvJSONValue *tags = qvJSONObjectGet(image, "snapshots"); /* absent: none */
    size_t i;

    for (i = 0; tags && i < qvJSONArraySize(tags); i++) {
        if (STREQ_NULLABLE(qvJSONGetString(qvJSONObjectGet(qvJSONArrayGet(tags, i), "name")), tag))
            return true;
    }
    return false;
}

/* Whether the image file (not in use, or shared: -U) holds internal snapshot tag: 1 yes,
 * 0 no (or no such file), -1 not known (reported). */
static int qemuSnapshotImageHasTag(const char *image, const char *tag)
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
    return qemuSnapshotInfoHasTag(info, tag) ? 1 : 0;
}

/* Where QEMU's job id is: -1 not known (reported), 0 QEMU has no such job, 1 at work,
 * 2 concluded (*error: its error, NULL when it succeeded). */
static int qemuSnapshotJobState(qemuMonitor *mon, const char *jobId, char **error)
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

static int qemuSnapshotJobDismiss(qemuMonitor *mon, const char *jobId)
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
    gulong pause = 500; /* us: short jobs (blockdev-create) end in a few ms */
    g_autofree char *error = NULL;
    int st;

    while ((st = qemuSnapshotJobState(mon, jobId, &error)) == 1) {
        if (g_get_monotonic_time() > deadline) {
            qvReportError(QV_ERR_OPERATION_TIMEOUT, _("%s did not finish within %d s"), cmd,
                          QEMU_SNAPSHOT_JOB_TIMEOUT_MS / 1000);
            return -1;
        }
        g_usleep(pause);
        pause = MIN(pause * 2, 20 * 1000);
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

static char *qemuSnapshotJobId(const char *cmd)
{
    return g_strdup_printf("qv-%s-%" G_GINT64_FORMAT, cmd, g_get_real_time());
}

/* Run a QMP job command (snapshot-save/-load/-delete, blockdev-create) to its end, then
 * dismiss it. */
static int qemuSnapshotRunJob(qemuMonitor *mon, const char *cmd, qvJSONValue *args,
                              const char *jobId)
{
    if (qemuMonitorCommand(mon, cmd, args, QEMU_SNAPSHOT_QMP_TIMEOUT_MS, NULL) < 0)
        return -1;
    return qemuSnapshotWaitJob(mon, cmd, jobId, true);
}

typedef struct {
    char *node; /* the top format node now */
    long long size; /* virtual size in bytes */
} qemuSnapshotBlockInfo;

static void qemuSnapshotBlockInfoFree(gpointer p)
{
    qemuSnapshotBlockInfo *b = p;

    g_free(b->node);
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

/* Device alias -> current top node and size, from query-block. */
static GHashTable *qemuSnapshotQueryBlock(qemuMonitor *mon)
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
        qemuSnapshotBlockInfo *b;

        if (!qdev || !node)
            continue;
        b = g_new0(qemuSnapshotBlockInfo, 1);
        b->node = g_strdup(node);
        if (qvJSONGetLLong(qvJSONObjectGet(qvJSONObjectGet(inserted, "image"), "virtual-size"),
                           &b->size) < 0)
            b->size = -1;
        g_hash_table_insert(map, qemuSnapshotQdevAlias(qdev), b);
    }
    return map;
}

/* ---- planning: which disks, where ---- */

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

static void qemuSnapshotPlanClear(GArray *plan)
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
static int qemuSnapshotPlan(snapshotDef *snap, domainDef *dom, bool diskOnly, GArray *plan)
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
static int qemuSnapshotPrepareOverlays(GArray *plan, bool reuse)
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
static int qemuSnapshotOpenOverlays(qemuMonitor *mon, GArray *plan, bool reuse)
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
        p->fileNode = g_strdup_printf("qv-%s-f%09" G_GINT64_FORMAT, p->disk->dst, stamp);
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
            if (qemuSnapshotRunJob(mon, "blockdev-create", g_steal_pointer(&args), job) < 0)
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
static void qemuSnapshotCloseOverlays(qemuMonitor *mon, GArray *plan)
{
    qvErrorPtr saved = qvErrorPreserveLast();
    guint i;

    for (i = 0; i < plan->len; i++) {
        qemuSnapshotDiskPlan *p = &g_array_index(plan, qemuSnapshotDiskPlan, i);
        const char *nodes[] = { p->newNodeAdded ? p->newNode : NULL,
                                p->fileNodeAdded ? p->fileNode : NULL };
        size_t k;

        for (k = 0; k < G_N_ELEMENTS(nodes); k++) {
            qvJSONValue *args;

            if (!nodes[k])
                continue;
            args = qvJSONNewObject();
            qvJSONObjectAdd(args, "s:node-name", nodes[k], NULL);
            if (qemuMonitorCommand(mon, "blockdev-del", args, QEMU_SNAPSHOT_QMP_TIMEOUT_MS, NULL) <
                0)
                QV_WARN("disk '%s': QEMU keeps node '%s' of a failed snapshot open: %s",
                        p->disk->dst, nodes[k], qvGetLastErrorMessage());
        }
        p->newNodeAdded = p->fileNodeAdded = false;
    }
    if (saved)
        qvErrorRestore(&saved);
    else
        qvResetLastError();
}

static void qemuSnapshotRemoveCreated(GArray *plan)
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
static void qemuSnapshotApplyJournal(domainDef *def, const qemuJournal *j)
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
static domainDef *qemuSnapshotCopyDef(domainObj *obj)
{
    domainDef *def;

    g_mutex_lock(&obj->lock);
    def = domainDefCopy(obj->def);
    g_mutex_unlock(&obj->lock);
    return def;
}

/* ---- create ---- */

typedef struct {
    qemuDriver *driver;
    domainObj *obj;
    const char *domname;
    snapshotDef *snap;
    GArray *plan;
    unsigned int flags;
} qemuSnapshotCtx;

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
    g_autoptr(qemuJournal) j = qemuJournalNew(
        driver->cfg, diskOnly ? "snapshot-create-external" : "snapshot-create-internal", c->domname,
        snap->name);
    g_autoptr(domainDef) live = NULL;
    g_autoptr(domainDef) persistent = NULL;
    bool reuse = c->flags & QV_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT;
    guint i;

    j->running = active;
    if (qvFileExists(j->path)) {
        qvReportError(QV_ERR_OPERATION_INVALID,
                      _("domain '%s' has an unfinished operation ('%s'); it is completed or "
                        "undone by the next change to this root"),
                      c->domname, j->path);
        return NULL;
    }
    if (diskOnly) {
        for (i = 0; i < c->plan->len; i++) {
            const qemuSnapshotDiskPlan *p = &g_array_index(c->plan, qemuSnapshotDiskPlan, i);

            qemuJournalAddDisk(j, p->disk->dst, p->file);
            if (!reuse)
                qemuJournalAddCreated(j, p->file);
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
        g_autofree char *dir = qemuSnapshotDir(driver, c->domname);
        g_autofree char *current = g_build_filename(dir, "current", NULL);
        g_autofree char *path = qemuSnapshotFile(driver, c->domname, snap->name);
        g_autofree char *text = g_strdup_printf("%s\n", snap->name);
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
            qemuJournalStage(j, current, text, strlen(text)) < 0)
            goto error;
    }
    if (!diskOnly) {
        for (i = 0; i < c->plan->len; i++) {
            const qemuSnapshotDiskPlan *p = &g_array_index(c->plan, qemuSnapshotDiskPlan, i);

            qemuJournalAddTag(j, snap->name, p->disk->dst, p->disk->src->path);
        }
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

static qvJSONValue *qemuSnapshotNodeList(GArray *plan)
{
    qvJSONValue *devices = qvJSONNewArray();
    guint i;

    for (i = 0; i < plan->len; i++)
        qvJSONArrayAppend(
            devices, qvJSONNewString(g_array_index(plan, qemuSnapshotDiskPlan, i).block->node));
    return devices;
}

static int qemuSnapshotMapBlocks(qemuSnapshotCtx *c, GHashTable *blocks)
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

/* The switch: every disk onto its (open) overlay in one transaction (all or none). */
static int qemuSnapshotTransaction(qemuMonitor *mon, GArray *plan)
{
    g_autoptr(qvJSONValue) args = qvJSONNewObject();
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
    qvJSONObjectAdd(args, "a:actions", actions, NULL);
    return qemuMonitorCommand(mon, "transaction", g_steal_pointer(&args),
                              QEMU_SNAPSHOT_QMP_TIMEOUT_MS, NULL);
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

/* External, disk-only, running: [freeze] transaction [thaw]. */
static int qemuSnapshotCreateActiveExternal(qemuSnapshotCtx *c)
{
    qemuDriver *driver = c->driver;
    domainObj *obj = c->obj;
    const char *name = c->domname;
    bool strict = (c->flags & QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE) &&
                  !(c->flags & QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE_BEST_EFFORT);
    bool quiesce = c->flags & (QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE |
                               QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE_BEST_EFFORT);
    g_autoptr(GHashTable) blocks = NULL;
    qemuMonitor *mon = NULL;
    qemuAgent *agent = NULL;
    bool frozenTried = false;
    int frozen = -1, txRc, ret = -1;
    gint64 t0 = 0, window = 0;

    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        return -1;
    if (!(blocks = qemuSnapshotQueryBlock(mon)) || qemuSnapshotMapBlocks(c, blocks) < 0)
        goto cleanup;

    /* the agent first: a quiesce that cannot happen is refused before anything changes */
    if (quiesce) {
        qemuAgentFSFreezeStatus status = QEMU_AGENT_FSFREEZE_THAWED;
        bool usable = (agent = qemuDomainGetAgent(driver, obj, 5000)) &&
                      qemuAgentFSFreezeStatusGet(agent, &status) == 0;

        if (usable && status == QEMU_AGENT_FSFREEZE_FROZEN) {
            /* someone else's freeze: thawing at the end would undo it */
            qvReportError(QV_ERR_AGENT_GUEST_FROZEN,
                          _("the filesystems of domain '%s' are already frozen"), name);
            goto cleanup;
        }
        if (!usable && strict)
            goto cleanup;
        if (!usable) {
            c->snap->quiesce = SNAPSHOT_QUIESCE_CRASH_CONSISTENT;
            c->snap->quiesceReason = qemuSnapshotErrorReason();
            QV_WARN("domain '%s': snapshot '%s' will be crash-consistent: %s", name, c->snap->name,
                    c->snap->quiesceReason);
            qvResetLastError();
            g_clear_pointer(&agent, qemuAgentUnref);
        }
    }
    if (qemuSnapshotOpenOverlays(mon, c->plan, c->flags & QV_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT) < 0)
        goto cleanup;

    if (agent) {
        /* recorded before it is sent: the supervisor thaws a guest left frozen */
        if (qemuDomainFreezeGuard(driver, obj, qemuFreezeGuardSeconds(), true) < 0) {
            if (strict)
                goto cleanup;
            c->snap->quiesce = SNAPSHOT_QUIESCE_CRASH_CONSISTENT;
            c->snap->quiesceReason = qemuSnapshotErrorReason();
            qvResetLastError();
            g_clear_pointer(&agent, qemuAgentUnref);
        }
    }
    if (agent) {
        frozenTried = true;
        frozen = qemuAgentFSFreeze(agent, NULL, 0);
        /* the guest is frozen from (just before) the reply: the window starts here */
        t0 = g_get_monotonic_time();
        if (frozen < 0) {
            qvErrorPtr saved = qvErrorPreserveLast();
            g_autofree char *why = qemuSnapshotErrorReason();

            /* whatever went wrong, part of the guest may be frozen: thaw now */
            if (qemuDomainThawVerified(driver, obj, agent, NULL) < 0)
                QV_WARN("domain '%s': thaw after a failed freeze: %s", name,
                        qvGetLastErrorMessage());
            frozenTried = false;
            if (strict) {
                qvErrorRestore(&saved);
                goto cleanup;
            }
            qvFreeError(saved);
            qvResetLastError();
            c->snap->quiesce = SNAPSHOT_QUIESCE_CRASH_CONSISTENT;
            c->snap->quiesceReason = g_steal_pointer(&why);
            QV_WARN("domain '%s': freeze failed, snapshot '%s' is crash-consistent: %s", name,
                    c->snap->name, c->snap->quiesceReason);
        }
    }

    if (frozenTried)
        qvFaultPoint("snapshot-frozen");
    /* nothing but the switch inside the frozen window */
    txRc = qemuSnapshotTransaction(mon, c->plan);

    if (frozenTried) {
        qvErrorPtr saved = txRc < 0 ? qvErrorPreserveLast() : NULL;
        gint64 thawedAt = 0;
        /* the window ends with the thaw's reply; its verification (fsfreeze-status, the
         * guard disarmed) follows outside it */
        int thawed = qemuDomainThawVerified(driver, obj, agent, &thawedAt);

        window = (thawedAt ? thawedAt : g_get_monotonic_time()) - t0;
        c->snap->quiesceFilesystems = frozen > 0 ? (unsigned int)frozen : 0;
        c->snap->quiesceWindowUs = window;
        /* the events after the window: nothing but the switch inside it */
        if (frozen > 0)
            qemuDomainFSEvent(driver, obj, "frozen", "snapshot");
        if (thawed < 0 || frozen > 0)
            qemuDomainFSEvent(driver, obj, thawed < 0 ? "thaw-failed" : "thawed", "snapshot");
        if (thawed < 0) {
            c->snap->quiesce = SNAPSHOT_QUIESCE_THAW_FAILED;
            c->snap->quiesceReason = qemuSnapshotErrorReason();
            QV_WARN("domain '%s': snapshot '%s': the thaw was not confirmed (%s); the "
                    "supervisor thaws the guest within %d s",
                    name, c->snap->name, c->snap->quiesceReason, qemuFreezeGuardSeconds());
        } else {
            c->snap->quiesce = SNAPSHOT_QUIESCE_QUIESCED;
        }
        QV_INFO("domain '%s': snapshot '%s': %d filesystem(s) frozen for %.1f ms", name,
                c->snap->name, frozen, window / 1000.0);
        if (saved)
            qvErrorRestore(&saved);
        else
            qvResetLastError();
    }
    if (txRc < 0)
        goto cleanup;
    ret = 0;

cleanup:
    if (ret < 0 && c->plan) {
        qemuSnapshotCloseOverlays(mon, c->plan);
        qemuSnapshotRemoveCreated(c->plan);
    }
    if (agent)
        qemuAgentUnref(agent);
    qemuMonitorUnref(mon);
    return ret;
}

/* A QMP snapshot job (snapshot-save/-load/-delete) over the plan's disks, tagged tag;
 * vmstate: the memory goes to (comes from) the first disk. jobId: the id the journal
 * names (NULL: one is made up). Not dismissed when told not to (the caller records the
 * outcome first, then dismisses). */
static int qemuSnapshotJobOnDisks(qemuDriver *driver, domainObj *obj, GArray *plan, const char *cmd,
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
    if (qemuMonitorCommand(mon, cmd, g_steal_pointer(&args), QEMU_SNAPSHOT_QMP_TIMEOUT_MS, NULL) <
        0)
        goto cleanup;
    ret = qemuSnapshotWaitJob(mon, cmd, jobId, dismiss);

cleanup:
    qemuMonitorUnref(mon);
    return ret;
}

/* Internal, shut off: qemu-img snapshot -c on every disk (undone on failure). */
static int qemuSnapshotImgEach(GArray *plan, const char *op, const char *name, const char *undo)
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

/* ---- revert and delete ---- */

/* The plan of an internal snapshot's disks, against the domain's current disks. */
static int qemuSnapshotInternalPlan(const snapshotDef *snap, domainDef *dom, GArray *plan)
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
static qemuJournal *qemuSnapshotJournalNew(qemuDriver *driver, const char *op, const char *domname,
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

static void qemuSnapshotJournalAddTags(qemuJournal *j, const char *tag, GArray *plan)
{
    guint i;

    for (i = 0; i < plan->len; i++) {
        const qemuSnapshotDiskPlan *p = &g_array_index(plan, qemuSnapshotDiskPlan, i);

        qemuJournalAddTag(j, tag, p->disk->dst, p->disk->src->path);
    }
}

/* Stage the "current" record naming name (NULL: none is current). */
static int qemuSnapshotStageCurrent(qemuDriver *driver, qemuJournal *j, const char *domname,
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
static int qemuSnapshotCommit(qemuJournal *j, const char *what)
{
    g_autofree char *why = NULL;

    if (qemuJournalCommit(j) == 0)
        return 0;
    why = g_strdup(qvGetLastErrorMessage());
    qvReportError(QV_ERR_OPERATION_FAILED,
                  _("domain '%s': %s '%s' was done, but its records could not be completed (%s); "
                    "the next change to this root completes them"),
                  j->domain, what, j->snapshot, why);
    return -1;
}

static void qemuSnapshotRollbackQuiet(qemuJournal *j)
{
    qvErrorPtr saved = qvErrorPreserveLast();

    if (qemuJournalRollback(j, false) < 0)
        QV_WARN("domain '%s': %s", j->domain, qvGetLastErrorMessage());
    if (saved)
        qvErrorRestore(&saved);
}

/* Run state after a revert with memory: QEMU restored its own run state after the load;
 * the revert decides. */
static int qemuSnapshotApplyRun(qemuDriver *driver, domainObj *obj, const char *run)
{
    qemuMonitor *mon;
    int rc;

    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        return -1;
    rc = qemuMonitorSimple(mon, STREQ_NULLABLE(run, "running") ? "cont" : "stop");
    qemuMonitorUnref(mon);
    return rc;
}

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
        if (qemuSnapshotCommit(j, "revert to snapshot") < 0)
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
    if (qemuSnapshotCommit(j, "revert to snapshot") < 0)
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
    return qemuSnapshotCommit(j, "deletion of snapshot");

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
    g_autoptr(qvJSONValue) ret = NULL;
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
    if (qemuMonitorCommand(mon, "query-block", NULL, QEMU_SNAPSHOT_QMP_TIMEOUT_MS, &ret) < 0) {
        qemuMonitorUnref(mon);
        return -1;
    }
    qemuMonitorUnref(mon);
    for (i = 0; i < j->disks->len; i++) {
        size_t k;

        for (k = 0; k < qvJSONArraySize(ret); k++) {
            qvJSONValue *dev = qvJSONArrayGet(ret, k);
            const char *file =
                qvJSONGetString(qvJSONObjectGet(qvJSONObjectGet(dev, "inserted"), "file"));

            if (STREQ_NULLABLE(file, j->overlays->pdata[i]))
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
    g_autoptr(qvJSONValue) blocks = NULL;
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
    rc = qemuMonitorCommand(mon, "query-block", NULL, QEMU_SNAPSHOT_QMP_TIMEOUT_MS, &blocks);
    qemuMonitorUnref(mon);
    if (rc < 0)
        return -1;
    def = qemuSnapshotCopyDef(obj);
    for (i = 0; i < j->tags->len; i++) {
        g_autofree char *alias = NULL;
        qvJSONValue *image = NULL;
        size_t k;

        for (k = 0; k < def->ndisks && !alias; k++) {
            if (STREQ(def->disks[k]->dst, j->tagDisks->pdata[i]))
                alias = qemuDiskDeviceAlias(def->disks[k]);
        }
        for (k = 0; alias && k < qvJSONArraySize(blocks) && !image; k++) {
            qvJSONValue *dev = qvJSONArrayGet(blocks, k);
            const char *qdev = qvJSONGetString(qvJSONObjectGet(dev, "qdev"));
            g_autofree char *a = qdev ? qemuSnapshotQdevAlias(qdev) : NULL;

            if (STREQ_NULLABLE(a, alias))
                image = qvJSONObjectGet(qvJSONObjectGet(dev, "inserted"), "image");
        }
        if (!image) {
            qvReportError(QV_ERR_INTERNAL_ERROR, _("QEMU has no image for disk '%s'"),
                          (const char *)j->tagDisks->pdata[i]);
            return -1;
        }
        present[i] = qemuSnapshotInfoHasTag(image, j->tags->pdata[i]);
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
    if (qemuJournalRollback(j, true) < 0)
        return -1;
    qemuSnapshotReconcileLog(driver, j, _("undone"));
    return 1;
}
