/* qemu_journal.c: intent records (see qemu_journal.h), as small key files. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "qemu_journal.h"
#include "qverror.h"
#include "qvfile.h"
#include "qvlog.h"

#define QV_FROM_THIS QV_FROM_QEMU

QV_LOG_INIT("qemu.journal");

#define QEMU_JOURNAL_GROUP "journal"
#define QEMU_JOURNAL_MAX_BYTES (1024 * 1024)

void qemuJournalFree(qemuJournal *j)
{
    if (!j)
        return;
    g_free(j->path);
    g_free(j->op);
    g_free(j->domain);
    g_free(j->snapshot);
    g_ptr_array_unref(j->targets);
    g_ptr_array_unref(j->staged);
    g_ptr_array_unref(j->created);
    g_ptr_array_unref(j->disks);
    g_ptr_array_unref(j->overlays);
    g_ptr_array_unref(j->nodes);
    g_ptr_array_unref(j->removed);
    g_ptr_array_unref(j->tags);
    g_ptr_array_unref(j->tagDisks);
    g_ptr_array_unref(j->tagImages);
    g_free(j->job);
    g_free(j->run);
    g_ptr_array_unref(j->obsolete);
    g_free(j);
}

char *qemuJournalPath(const qemuDriverConfig *cfg, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.journal", name);

    return g_build_filename(cfg->libDir, "journal", file, NULL);
}

static qemuJournal *qemuJournalAlloc(void)
{
    qemuJournal *j = g_new0(qemuJournal, 1);

    j->targets = g_ptr_array_new_with_free_func(g_free);
    j->staged = g_ptr_array_new_with_free_func(g_free);
    j->created = g_ptr_array_new_with_free_func(g_free);
    j->disks = g_ptr_array_new_with_free_func(g_free);
    j->overlays = g_ptr_array_new_with_free_func(g_free);
    j->nodes = g_ptr_array_new_with_free_func(g_free);
    j->removed = g_ptr_array_new_with_free_func(g_free);
    j->tags = g_ptr_array_new_with_free_func(g_free);
    j->tagDisks = g_ptr_array_new_with_free_func(g_free);
    j->tagImages = g_ptr_array_new_with_free_func(g_free);
    j->obsolete = g_ptr_array_new_with_free_func(g_free);
    return j;
}

qemuJournal *qemuJournalNew(const qemuDriverConfig *cfg, const char *op, const char *domain,
                            const char *snapshot)
{
    qemuJournal *j = qemuJournalAlloc();

    j->path = qemuJournalPath(cfg, domain);
    j->op = g_strdup(op);
    j->domain = g_strdup(domain);
    j->snapshot = g_strdup(snapshot);
    return j;
}

int qemuJournalStage(qemuJournal *j, const char *target, const char *content, size_t len)
{
    g_autofree char *dir = g_path_get_dirname(target);
    g_autofree char *tmp = NULL;
    guint i;

    if (qvFileMakePath(dir, 0700) < 0 || !(tmp = qvFileWriteTemp(target, content, len, 0600)))
        return -1;
    for (i = 0; i < j->targets->len; i++) {
        if (STREQ(j->targets->pdata[i], target)) {
            /* restaged: the saved journal still names the old file, which goes once the
             * journal names the new one */
            g_ptr_array_add(j->obsolete, j->staged->pdata[i]);
            j->staged->pdata[i] = g_steal_pointer(&tmp);
            return 0;
        }
    }
    g_ptr_array_add(j->targets, g_strdup(target));
    g_ptr_array_add(j->staged, g_steal_pointer(&tmp));
    return 0;
}

void qemuJournalAddCreated(qemuJournal *j, const char *path)
{
    g_ptr_array_add(j->created, g_strdup(path));
}

void qemuJournalAddDisk(qemuJournal *j, const char *disk, const char *overlay)
{
    g_ptr_array_add(j->disks, g_strdup(disk));
    g_ptr_array_add(j->overlays, g_strdup(overlay));
}

void qemuJournalAddNode(qemuJournal *j, const char *node)
{
    g_ptr_array_add(j->nodes, g_strdup(node));
}

void qemuJournalAddRemoved(qemuJournal *j, const char *path)
{
    g_ptr_array_add(j->removed, g_strdup(path));
}

void qemuJournalAddTag(qemuJournal *j, const char *tag, const char *disk, const char *image)
{
    g_ptr_array_add(j->tags, g_strdup(tag));
    g_ptr_array_add(j->tagDisks, g_strdup(disk));
    g_ptr_array_add(j->tagImages, g_strdup(image));
}

static void qemuJournalSetList(GKeyFile *kf, const char *key, GPtrArray *list)
{
    g_key_file_set_string_list(kf, QEMU_JOURNAL_GROUP, key, (const char *const *)list->pdata,
                               list->len);
}

int qemuJournalSave(qemuJournal *j)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *dir = g_path_get_dirname(j->path);
    g_autofree char *text = NULL;
    const char *g = QEMU_JOURNAL_GROUP;
    gsize len;
    guint i;

    g_key_file_set_string(kf, g, "op", j->op);
    g_key_file_set_string(kf, g, "domain", j->domain);
    g_key_file_set_string(kf, g, "snapshot", j->snapshot);
    g_key_file_set_boolean(kf, g, "running", j->running);
    g_key_file_set_boolean(kf, g, "committing", j->committing);
    qemuJournalSetList(kf, "targets", j->targets);
    qemuJournalSetList(kf, "staged", j->staged);
    qemuJournalSetList(kf, "created", j->created);
    qemuJournalSetList(kf, "disks", j->disks);
    qemuJournalSetList(kf, "overlays", j->overlays);
    qemuJournalSetList(kf, "nodes", j->nodes);
    qemuJournalSetList(kf, "removed", j->removed);
    qemuJournalSetList(kf, "tags", j->tags);
    qemuJournalSetList(kf, "tag-disks", j->tagDisks);
    qemuJournalSetList(kf, "tag-images", j->tagImages);
    if (j->job)
        g_key_file_set_string(kf, g, "job", j->job);
    if (j->run)
        g_key_file_set_string(kf, g, "run", j->run);
    text = g_key_file_to_data(kf, &len, NULL);
    if (qvFileMakePath(dir, 0700) < 0 || qvFileWriteAtomic(j->path, text, len, 0600) < 0)
        return -1;
    for (i = 0; i < j->obsolete->len; i++)
        unlink(j->obsolete->pdata[i]);
    g_ptr_array_set_size(j->obsolete, 0);
    return 0;
}

int qemuJournalCommit(qemuJournal *j)
{
    g_autoptr(GHashTable) dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTableIter it;
    gpointer key;
    guint i;

    if (!j->committing) {
        j->committing = true;
        if (qemuJournalSave(j) < 0)
            return -1;
    }
    for (i = 0; i < j->targets->len; i++) {
        const char *target = j->targets->pdata[i];
        const char *staged = j->staged->pdata[i];

        /* a staged file already gone was moved by an earlier, interrupted commit */
        if (rename(staged, target) < 0 && errno != ENOENT) {
            qvReportSystemError(errno, _("cannot rename '%s' to '%s'"), staged, target);
            return -1;
        }
        /* each directory once, synced through one of its targets */
        g_hash_table_insert(dirs, g_path_get_dirname(target), (gpointer)target);
    }
    for (i = 0; i < j->removed->len; i++) {
        const char *gone = j->removed->pdata[i];

        if (unlink(gone) < 0 && errno != ENOENT) {
            qvReportSystemError(errno, _("cannot remove '%s'"), gone);
            return -1;
        }
        g_hash_table_insert(dirs, g_path_get_dirname(gone), (gpointer)gone);
    }
    g_hash_table_iter_init(&it, dirs);
    while (g_hash_table_iter_next(&it, NULL, &key)) {
        if (qvFileSyncDir(key) < 0) {
            QV_WARN("%s", qvGetLastErrorMessage());
            qvResetLastError();
        }
    }
    return qvFileRemove(j->path);
}

int qemuJournalRollback(qemuJournal *j, bool removeCreated)
{
    guint i;

    for (i = 0; i < j->staged->len; i++) {
        if (unlink(j->staged->pdata[i]) < 0 && errno != ENOENT)
            QV_WARN("cannot remove '%s': %s", (char *)j->staged->pdata[i], g_strerror(errno));
    }
    for (i = 0; removeCreated && i < j->created->len; i++) {
        if (unlink(j->created->pdata[i]) < 0 && errno != ENOENT)
            QV_WARN("cannot remove '%s': %s", (char *)j->created->pdata[i], g_strerror(errno));
    }
    return qvFileRemove(j->path);
}

static GPtrArray *qemuJournalGetList(GKeyFile *kf, const char *key)
{
    GPtrArray *arr = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) items = g_key_file_get_string_list(kf, QEMU_JOURNAL_GROUP, key, NULL, NULL);
    size_t i;

    for (i = 0; items && items[i]; i++)
        g_ptr_array_add(arr, g_strdup(items[i]));
    return arr;
}

qemuJournal *qemuJournalLoad(const char *path, bool *absent)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(qemuJournal) j = NULL;
    g_autofree char *text = NULL;
    const char *g = QEMU_JOURNAL_GROUP;

    *absent = false;
    if (!qvFileExists(path)) {
        *absent = true;
        return NULL;
    }
    if (qvFileReadAll(path, QEMU_JOURNAL_MAX_BYTES, &text) < 0)
        return NULL;
    if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &err)) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("cannot parse journal '%s': %s"), path,
                      err->message);
        return NULL;
    }
    j = qemuJournalAlloc();
    j->path = g_strdup(path);
    if (!(j->op = g_key_file_get_string(kf, g, "op", &err)) ||
        !(j->domain = g_key_file_get_string(kf, g, "domain", &err)) ||
        !(j->snapshot = g_key_file_get_string(kf, g, "snapshot", &err))) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("journal '%s': %s"), path, err->message);
        return NULL;
    }
    j->running = g_key_file_get_boolean(kf, g, "running", NULL);
    j->committing = g_key_file_get_boolean(kf, g, "committing", NULL);
    g_ptr_array_unref(j->targets);
    g_ptr_array_unref(j->staged);
    g_ptr_array_unref(j->created);
    g_ptr_array_unref(j->disks);
    g_ptr_array_unref(j->overlays);
    g_ptr_array_unref(j->nodes);
    g_ptr_array_unref(j->removed);
    g_ptr_array_unref(j->tags);
    g_ptr_array_unref(j->tagDisks);
    g_ptr_array_unref(j->tagImages);
    j->job = g_key_file_get_string(kf, g, "job", NULL);
    j->run = g_key_file_get_string(kf, g, "run", NULL);
    j->removed = qemuJournalGetList(kf, "removed");
    j->tags = qemuJournalGetList(kf, "tags");
    j->tagDisks = qemuJournalGetList(kf, "tag-disks");
    j->tagImages = qemuJournalGetList(kf, "tag-images");
    j->targets = qemuJournalGetList(kf, "targets");
    j->staged = qemuJournalGetList(kf, "staged");
    j->created = qemuJournalGetList(kf, "created");
    j->disks = qemuJournalGetList(kf, "disks");
    j->overlays = qemuJournalGetList(kf, "overlays");
    j->nodes = qemuJournalGetList(kf, "nodes");
    if (j->targets->len != j->staged->len || j->disks->len != j->overlays->len ||
        j->tags->len != j->tagDisks->len || j->tags->len != j->tagImages->len) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("journal '%s' is inconsistent"), path);
        return NULL;
    }
    return g_steal_pointer(&j);
}
