/* qvfile.c: file helpers that either complete or leave the previous state intact. */
#include <config.h>

#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qverror.h"
#include "qvfile.h"

#define QV_FROM_THIS QV_FROM_SYSTEM

gssize qvFileReadAll(const char *path, size_t maxlen, char **buf)
{
    g_autoptr(GString) data = NULL;
    struct stat sb;
    int fd;

    *buf = NULL;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
        qvReportSystemError(errno, _("Failed to open file '%s'"), path);
        return -1;
    }
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        close(fd);
        qvReportSystemError(EISDIR, _("Failed to read file '%s'"), path);
        return -1;
    }
    data = g_string_sized_new(
        S_ISREG(sb.st_mode) && (size_t)sb.st_size < maxlen ? (gsize)sb.st_size + 1 : 4096);
    for (;;) {
        char chunk[8192];
        ssize_t got = read(fd, chunk, sizeof(chunk));

        if (got < 0) {
            if (errno == EINTR)
                continue;
            qvReportSystemError(errno, _("Failed to read file '%s'"), path);
            close(fd);
            return -1;
        }
        if (got == 0)
            break;
        if (data->len + (size_t)got > maxlen) {
            close(fd);
            qvReportError(QV_ERR_INVALID_ARG, _("file '%s' is too large: the limit is %zu bytes"),
                          path, maxlen);
            return -1;
        }
        g_string_append_len(data, chunk, got);
    }
    close(fd);
    {
        gssize len = (gssize)data->len;

        *buf = g_string_free(g_steal_pointer(&data), FALSE);
        return len;
    }
}

int qvFileSyncDir(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd;

    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        qvReportSystemError(errno, _("cannot open directory '%s'"), dir);
        return -1;
    }
    if (fsync(fd) < 0 && errno != EINVAL) {
        qvReportSystemError(errno, _("cannot sync directory '%s'"), dir);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static char *qvFileWriteTempImpl(const char *path, const char *content, size_t len, mode_t mode,
                                 bool sync)
{
    /* a short name of its own: path's name may be as long as a file name can be */
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *tmp = g_build_filename(dir, ".tmp-XXXXXX", NULL);
    size_t done = 0;
    int fd;

    if ((fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC | O_NOFOLLOW, (int)mode)) < 0) {
        qvReportSystemError(errno, _("cannot create temporary file for '%s'"), path);
        return NULL;
    }
    while (done < len) {
        ssize_t n = write(fd, content + done, len - done);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            qvReportSystemError(errno, _("cannot write '%s'"), path);
            goto error;
        }
        done += (size_t)n;
    }
    if (fchmod(fd, mode) < 0 || (sync && fsync(fd) < 0)) {
        qvReportSystemError(errno, _("cannot write '%s'"), path);
        goto error;
    }
    if (close(fd) < 0) {
        fd = -1;
        qvReportSystemError(errno, _("cannot write '%s'"), path);
        goto error;
    }
    return g_steal_pointer(&tmp);

error:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return NULL;
}

char *qvFileWriteTemp(const char *path, const char *content, size_t len, mode_t mode)
{
    return qvFileWriteTempImpl(path, content, len, mode, true);
}

/* The new content, written (and synced if sync) beside path, renamed over it. */
static int qvFileReplaceImpl(const char *path, const char *content, size_t len, mode_t mode,
                             bool sync)
{
    g_autofree char *tmp = qvFileWriteTempImpl(path, content, len, mode, sync);

    if (!tmp)
        return -1;
    if (rename(tmp, path) < 0) {
        qvReportSystemError(errno, _("cannot rename '%s' to '%s'"), tmp, path);
        unlink(tmp);
        return -1;
    }
    return 0;
}

int qvFileReplace(const char *path, const char *content, size_t len, mode_t mode)
{
    return qvFileReplaceImpl(path, content, len, mode, false);
}

int qvFileWriteAtomic(const char *path, const char *content, size_t len, mode_t mode)
{
    if (qvFileReplaceImpl(path, content, len, mode, true) < 0)
        return -1;
    return qvFileSyncDir(path);
}

int qvFileMakePath(const char *path, mode_t mode)
{
    if (g_mkdir_with_parents(path, (int)mode) < 0) {
        qvReportSystemError(errno, _("cannot create directory '%s'"), path);
        return -1;
    }
    return 0;
}

int qvFileRemove(const char *path)
{
    if (unlink(path) < 0) {
        if (errno == ENOENT)
            return 0;
        qvReportSystemError(errno, _("cannot remove '%s'"), path);
        return -1;
    }
    return qvFileSyncDir(path);
}

static int qvFileRemoveOne(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
        return errno;
    return 0;
}

int qvFileRemoveTree(const char *path)
{
    int rc;

    /* children first, never through a symbolic link */
    if ((rc = nftw(path, qvFileRemoveOne, 16, FTW_DEPTH | FTW_PHYS)) < 0 && errno == ENOENT)
        return 0;
    if (rc != 0) {
        qvReportSystemError(rc > 0 ? rc : errno, _("cannot remove '%s'"), path);
        return -1;
    }
    return 0;
}

bool qvFileExists(const char *path)
{
    return access(path, F_OK) == 0;
}

int qvFileLock(const char *path, bool exclusive, bool wait)
{
    int fd;

    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
        qvReportSystemError(errno, _("cannot open lock file '%s'"), path);
        return -1;
    }
    while (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB)) < 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK)
            qvReportError(QV_ERR_RESOURCE_BUSY, _("'%s' is locked by another qvirt process"), path);
        else
            qvReportSystemError(errno, _("cannot lock '%s'"), path);
        close(fd);
        return -1;
    }
    return fd;
}

void qvFileUnlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

static bool qvFileRunningUninstalled(void)
{
    static gsize once;
    static bool uninstalled;

    if (g_once_init_enter(&once)) {
        g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);

        uninstalled = exe && g_str_has_prefix(exe, ABS_TOP_BUILDDIR "/");
        g_once_init_leave(&once, 1);
    }
    return uninstalled;
}

char *qvFileFindData(const char *relpath)
{
    const char *override = g_getenv("QVIRT_DATA_DIR");

    if (override && *override)
        return g_build_filename(override, relpath, NULL);
    if (qvFileRunningUninstalled())
        return g_build_filename(ABS_TOP_SRCDIR, "docs", relpath, NULL);
    return g_build_filename(PKGDATADIR, relpath, NULL);
}

char *qvFileFindHelper(const char *name)
{
    g_autofree char *var = g_ascii_strup(name, -1);
    const char *override = g_getenv(var);

    if (override && *override)
        return g_strdup(override);
    if (qvFileRunningUninstalled())
        return g_build_filename(ABS_TOP_BUILDDIR, "src", name, NULL);
    return g_build_filename(LIBEXECDIR, name, NULL);
}

bool qvFileIsLocked(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool locked = false;

    if (fd < 0)
        return false;
    while (flock(fd, LOCK_SH | LOCK_NB) < 0) {
        if (errno == EINTR)
            continue;
        locked = errno == EWOULDBLOCK;
        break;
    }
    close(fd);
    return locked;
}

long long qvFileRecordLockHolder(const char *path)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    char buf[32] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    long long pid = 0;
    ssize_t n;

    if (fd < 0)
        return 0;
    /* an open file description lock: closing this descriptor cannot drop the holder's
     * lock, as it would with a classic POSIX lock held by this very process */
    if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
        /* the holder wrote its pid into the file */
        if ((n = read(fd, buf, sizeof(buf) - 1)) > 0)
            buf[n] = '\0';
        pid = g_ascii_strtoll(buf, NULL, 10);
        if (pid <= 0)
            pid = 1; /* held, by someone who did not say */
        else if (pid == getpid())
            pid = 0;
    }
    close(fd);
    return pid;
}
