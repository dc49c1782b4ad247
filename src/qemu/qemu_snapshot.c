/* qemu_snapshot.c: snapshot metadata, kept atomically under the state root
 * (lib/qemu/snapshot/DOMAIN/NAME.xml and current), cached for readers, and walked. */
#include <config.h>

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu_snapshot_priv.h"
#include "qverror.h"
#include "qvfile.h"
#include "qvlog.h"
#include "qvxml.h"

#define QV_FROM_THIS QV_FROM_DOMAIN_SNAPSHOT

QV_LOG_INIT("qemu.snapshot");

/* ---- metadata ---- */

char *qemuSnapshotDir(qemuDriver *driver, const char *domname)
{
    return g_build_filename(driver->cfg->snapshotDir, domname, NULL);
}

char *qemuSnapshotFile(qemuDriver *driver, const char *domname, const char *name)
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
