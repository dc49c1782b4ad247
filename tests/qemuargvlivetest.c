/* qemuargvlivetest.c: the command lines qvirt builds, run by the real QEMU: every golden case
 * of tests/qemuxml2argvdata that has a .args file, and a few hand-written domains. Each must
 * start (paused, -S), answer QMP, show the devices, block nodes, chardevs and objects its
 * command line asks for, and quit cleanly. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domain_conf.h"
#include "qemu_command.h"
#include "qemu_monitor.h"
#include "qverror.h"
#include "qveventthread.h"
#include "qvfile.h"
#include "qvjson.h"
#include "qvsocket.h"
#include "qvuuid.h"
#include "testutils.h"

/* what qemuxml2argvtest builds the golden files with */
#define TEST_GOLDEN_ROOT "/var/lib/qvirt"
#define TEST_GOLDEN_EMULATOR "/usr/bin/qemu-system-x86_64"
/* Every wait is bounded by this, only against a hang: QEMU starts and quits in well under
 * a second when idle, a few seconds on a loaded two-core box under ASan. */
#define TEST_WAIT_MS 60000

/*
 * Golden cases that cannot be started on a test machine, with the reason. They are
 * reported as skipped, with the reason; any other case that does not start fails. Keep it
 * empty: every golden command line starts today.
 */
static const struct {
    const char *name;
    const char *reason;
} testNotStartable[] = {
    { NULL, NULL },
};

static char *testDir;
static bool testHaveKVM;
static bool testHaveIPv6Loopback;

static void testFail(const char *name, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void testFail(const char *name, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_test_message("%s: %s", name, msg);
    g_test_fail();
}

static bool testRun(const char *name, const char *const *argv)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *errout = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, NULL, &errout, &status, &err) ||
        !g_spawn_check_wait_status(status, &err)) {
        testFail(name, "%s failed: %s %s", argv[0], err->message, errout ? errout : "");
        return false;
    }
    return true;
}

static bool testMakeParent(const char *name, const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);

    if (qvFileMakePath(dir, 0700) < 0) {
        testFail(name, "cannot create %s: %s", dir, testLastError());
        return false;
    }
    return true;
}

/* ---- a QEMU process and its monitor ---- */

typedef struct {
    const char *name;
    char *logPath;
    GPid pid;
    bool reaped;
    qvEventThread *et;
    qemuMonitor *mon;
    GMutex lock; /* eof, signalled through cond */
    GCond cond;
    bool eof;
} testQemu;

static void testOnEOF(qemuMonitor *mon, void *opaque)
{
    testQemu *q = opaque;

    g_mutex_lock(&q->lock);
    q->eof = true;
    g_cond_signal(&q->cond);
    g_mutex_unlock(&q->lock);
}

static void testChildSetup(gpointer data)
{
    /* no QEMU outlives a test program that aborts on a failed assertion */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void testShowLog(testQemu *q)
{
    g_autofree char *log = NULL;

    if (g_file_get_contents(q->logPath, &log, NULL, NULL))
        g_test_message("%s: QEMU's output:\n%s", q->name, log);
}

/* Reap QEMU within TEST_WAIT_MS (it is killed after that); false if it had to be killed. */
static bool testQemuReap(testQemu *q, int *wstatus)
{
    gint64 deadline = g_get_monotonic_time() + TEST_WAIT_MS * G_GINT64_CONSTANT(1000);
    pid_t pid;

    while ((pid = waitpid(q->pid, wstatus, WNOHANG)) == 0 || (pid < 0 && errno == EINTR)) {
        if (g_get_monotonic_time() >= deadline) {
            kill(q->pid, SIGKILL);
            waitpid(q->pid, wstatus, 0);
            q->reaped = true;
            return false;
        }
        g_usleep(10000);
    }
    q->reaped = true;
    return pid == q->pid;
}

/*
 * Start QEMU with cmd and open its monitor. A QEMU that refuses its command line exits at
 * once: that is reported then, with its output, not after the bound.
 */
static bool testQemuStart(testQemu *q, const char *name, qemuCommand *cmd, const char *monitor,
                          const char *logPath)
{
    qemuMonitorCallbacks cb = { .eof = testOnEOF };
    g_autoptr(GError) err = NULL;
    gint64 deadline = g_get_monotonic_time() + TEST_WAIT_MS * G_GINT64_CONSTANT(1000);
    g_autoptr(GArray) sourceFds = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GArray) targetFds = g_array_new(FALSE, FALSE, sizeof(int));
    int logfd, fd, wstatus = 0;
    guint i;
    bool spawned;

    q->name = name;
    q->logPath = g_strdup(logPath);
    g_mutex_init(&q->lock);
    g_cond_init(&q->cond);
    logfd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (logfd < 0) {
        testFail(name, "cannot create %s: %s", logPath, g_strerror(errno));
        return false;
    }
    /* the files its -add-fd options name, opened as the supervisor opens them */
    for (i = 0; i < cmd->files->len; i++) {
        const qemuLaunchFile *f = &g_array_index(cmd->files, qemuLaunchFile, i);
        int ffd = qemuLaunchFileOpen(f);

        if (ffd < 0) {
            testFail(name, "%s", testLastError());
            close(logfd);
            for (i = 0; i < sourceFds->len; i++)
                close(g_array_index(sourceFds, int, i));
            return false;
        }
        g_array_append_val(sourceFds, ffd);
        g_array_append_val(targetFds, f->fd);
    }
    g_ptr_array_add(cmd->env, NULL);
    g_ptr_array_add(cmd->argv, NULL);
    spawned = g_spawn_async_with_pipes_and_fds(
        NULL, (const char *const *)cmd->argv->pdata, (const char *const *)cmd->env->pdata,
        G_SPAWN_DO_NOT_REAP_CHILD, testChildSetup, NULL, -1, logfd, logfd,
        (const int *)(void *)sourceFds->data, (const int *)(void *)targetFds->data, sourceFds->len,
        &q->pid, NULL, NULL, NULL, &err);
    g_ptr_array_remove_index(cmd->env, cmd->env->len - 1);
    g_ptr_array_remove_index(cmd->argv, cmd->argv->len - 1);
    close(logfd);
    for (i = 0; i < sourceFds->len; i++)
        close(g_array_index(sourceFds, int, i));
    if (!spawned) {
        q->reaped = true;
        testFail(name, "cannot start QEMU: %s", err->message);
        return false;
    }

    while ((fd = qvSocketConnectUnix(monitor, 0)) < 0) {
        if (waitpid(q->pid, &wstatus, WNOHANG) == q->pid) {
            q->reaped = true;
            testFail(name, "QEMU refused the command line (wait status %d)", wstatus);
            testShowLog(q);
            return false;
        }
        if (g_get_monotonic_time() >= deadline) {
            testFail(name, "QEMU did not create its monitor %s within %d ms", monitor,
                     TEST_WAIT_MS);
            testShowLog(q);
            return false;
        }
        g_usleep(10000);
    }
    q->et = qvEventThreadNew("live-test");
    q->mon = qemuMonitorOpenFD(fd, monitor, qvEventThreadGetContext(q->et), TEST_WAIT_MS, &cb, q);
    if (!q->mon) {
        testFail(name, "QEMU refused the command line or never answered: %s", testLastError());
        kill(q->pid, SIGKILL);
        testQemuReap(q, &wstatus);
        testShowLog(q);
        return false;
    }
    return true;
}

/* Quit through QMP: QEMU must exit with status 0 and the monitor report EOF. */
static void testQemuQuit(testQemu *q)
{
    gint64 deadline;
    int wstatus = 0;

    /* QEMU may close the socket before its reply to quit is read: then the command
     * fails with the monitor's EOF, which is what quitting means */
    if (qemuMonitorSimple(q->mon, "quit") < 0 &&
        !strstr(qvGetLastErrorMessage(), "QEMU monitor closed while running 'quit'"))
        testFail(q->name, "quit failed: %s", testLastError());
    if (!testQemuReap(q, &wstatus)) {
        testFail(q->name, "QEMU did not exit within %d ms of quit", TEST_WAIT_MS);
    } else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        testFail(q->name, "QEMU ended with wait status %d", wstatus);
        testShowLog(q);
    }

    /* QEMU exiting closes the monitor: the client reports EOF from its event thread */
    deadline = g_get_monotonic_time() + TEST_WAIT_MS * G_GINT64_CONSTANT(1000);
    g_mutex_lock(&q->lock);
    while (!q->eof && g_cond_wait_until(&q->cond, &q->lock, deadline))
        ;
    if (!q->eof)
        testFail(q->name, "the monitor did not report EOF within %d ms", TEST_WAIT_MS);
    g_mutex_unlock(&q->lock);
}

static void testQemuClear(testQemu *q)
{
    if (q->pid && !q->reaped) {
        kill(q->pid, SIGKILL);
        waitpid(q->pid, NULL, 0);
    }
    qemuMonitorClose(q->mon);
    /* joins the event thread: no callback runs after this */
    g_clear_pointer(&q->et, qvEventThreadFree);
    if (q->pid)
        g_spawn_close_pid(q->pid);
    if (q->logPath) {
        g_mutex_clear(&q->lock);
        g_cond_clear(&q->cond);
    }
    g_free(q->logPath);
}

/* ---- what QEMU shows over QMP against what its command line asked for ---- */

static qvJSONValue *testQMP(testQemu *q, const char *cmd, qvJSONValue *args)
{
    qvJSONValue *ret = NULL;

    if (qemuMonitorCommand(q->mon, cmd, args, TEST_WAIT_MS, &ret) < 0) {
        testFail(q->name, "%s failed: %s", cmd, testLastError());
        return NULL;
    }
    return ret;
}

static qvJSONValue *testQomGet(testQemu *q, const char *path, const char *property)
{
    qvJSONValue *args = qvJSONNewObject();

    qvJSONObjectAdd(args, "s:path", path, "s:property", property, NULL);
    return testQMP(q, "qom-get", args);
}

/* The JSON arguments of every occurrence of opt (-device, -blockdev, -object). */
static GPtrArray *testJSONArgs(const qemuCommand *cmd, const char *opt)
{
    GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)qvJSONFree);
    guint i;

    for (i = 1; i + 1 < cmd->argv->len; i++) {
        const char *val = cmd->argv->pdata[i + 1];
        g_autofree char *errmsg = NULL;
        qvJSONValue *json;

        if (STRNEQ(cmd->argv->pdata[i], opt))
            continue;
        json = qvJSONParse(val, strlen(val), 16, &errmsg);
        if (!json)
            g_test_message("%s %s: %s", opt, val, errmsg);
        g_assert_nonnull(json);
        g_ptr_array_add(list, json);
    }
    return list;
}

/* The value of the last occurrence of opt, or NULL. */
static const char *testArg(const qemuCommand *cmd, const char *opt)
{
    const char *val = NULL;
    guint i;

    for (i = 1; i + 1 < cmd->argv->len; i++) {
        if (STREQ(cmd->argv->pdata[i], opt))
            val = cmd->argv->pdata[i + 1];
    }
    return val;
}

/* QEMU's "type,key=value,..." option syntax, ",," standing for a comma in a value: the type
 * is stored under "" */
static GHashTable *testParseOpts(const char *str)
{
    GHashTable *opts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GString) item = g_string_new(NULL);
    const char *p;

    for (p = str;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(item, ',');
            p++;
        } else if (*p == ',' || !*p) {
            const char *eq = strchr(item->str, '=');

            if (g_hash_table_size(opts) == 0 && !eq)
                g_hash_table_insert(opts, g_strdup(""), g_strdup(item->str));
            else if (eq)
                g_hash_table_insert(opts, g_strndup(item->str, eq - item->str), g_strdup(eq + 1));
            else
                g_hash_table_insert(opts, g_strdup(item->str), g_strdup("on"));
            g_string_truncate(item, 0);
            if (!*p)
                break;
        } else {
            g_string_append_c(item, *p);
        }
    }
    return opts;
}

static bool testJSONMatches(const qvJSONValue *want, const qvJSONValue *got)
{
    long long a, b;
    bool x, y;

    switch (qvJSONGetType(want)) {
    case QV_JSON_STRING: {
        const char *w = qvJSONGetString(want);
        const char *g = qvJSONGetString(got);
        size_t wl = strlen(w), gl = g ? strlen(g) : 0;

        /* a link property (a virtio-rng's rng) reads back as the target's QOM path */
        return g && (STREQ(w, g) ||
                     (g[0] == '/' && gl > wl && g[gl - wl - 1] == '/' && STREQ(g + gl - wl, w)));
    }
    case QV_JSON_NUMBER:
        return qvJSONGetLLong(want, &a) == 0 && qvJSONGetLLong(got, &b) == 0 && a == b;
    case QV_JSON_BOOLEAN:
        return qvJSONGetBoolean(want, &x) == 0 && qvJSONGetBoolean(got, &y) == 0 && x == y;
    case QV_JSON_OBJECT:
    case QV_JSON_ARRAY:
    case QV_JSON_NULL:
        break;
    }
    return false;
}

/* Each of objs (-device or -object arguments) is a child of parent with its type, and
 * every property reads back as given (a device's bus as its parent bus). */
static void testCheckQOM(testQemu *q, const char *parent, const char *typeKey, GPtrArray *objs)
{
    g_autoptr(qvJSONValue) args = qvJSONNewObject();
    g_autoptr(qvJSONValue) children = NULL;
    guint i;

    qvJSONObjectAdd(args, "s:path", parent, NULL);
    if (!(children = testQMP(q, "qom-list", g_steal_pointer(&args))))
        return;
    for (i = 0; i < objs->len; i++) {
        const qvJSONValue *obj = objs->pdata[i];
        const char *id = qvJSONGetString(qvJSONObjectGet(obj, "id"));
        const char *type = qvJSONGetString(qvJSONObjectGet(obj, typeKey));
        g_autofree char *child = g_strdup_printf("child<%s>", type);
        g_autofree char *path = g_strdup_printf("%s/%s", parent, id);
        bool found = false;
        size_t j;

        if (!id) {
            testFail(q->name, "%s without an id: nothing finds it", type);
            continue;
        }
        for (j = 0; j < qvJSONArraySize(children); j++) {
            const qvJSONValue *c = qvJSONArrayGet(children, j);

            if (STREQ(qvJSONGetString(qvJSONObjectGet(c, "name")), id)) {
                found = true;
                if (STRNEQ(qvJSONGetString(qvJSONObjectGet(c, "type")), child))
                    testFail(q->name, "%s is a %s, not a %s", path,
                             qvJSONGetString(qvJSONObjectGet(c, "type")), child);
            }
        }
        if (!found) {
            testFail(q->name, "QEMU has no %s", path);
            continue;
        }
        for (j = 0; j < qvJSONObjectSize(obj); j++) {
            const char *key = qvJSONObjectKey(obj, j);
            const qvJSONValue *want = qvJSONObjectValue(obj, j);
            g_autoptr(qvJSONValue) got = NULL;
            g_autofree char *wantText = NULL;
            g_autofree char *gotText = NULL;

            if (STREQ(key, "id") || STREQ(key, typeKey))
                continue;
            if (STREQ(key, "bus")) {
                g_autofree char *suffix = g_strdup_printf("/%s", qvJSONGetString(want));
                const char *bus;

                got = testQomGet(q, path, "parent_bus");
                bus = qvJSONGetString(got);
                if (got && !(bus && g_str_has_suffix(bus, suffix)))
                    testFail(q->name, "%s is on bus %s, not %s", path, bus ? bus : "?",
                             qvJSONGetString(want));
                continue;
            }
            if (!(got = testQomGet(q, path, key)))
                continue;
            if (testJSONMatches(want, got))
                continue;
            wantText = qvJSONFormat(want, false);
            gotText = qvJSONFormat(got, false);
            testFail(q->name, "%s: %s is %s, not %s", path, key, gotText, wantText);
        }
    }
}

static const qvJSONValue *testFindNode(GPtrArray *blockdevs, const char *node)
{
    guint i;

    for (i = 0; node && i < blockdevs->len; i++) {
        if (STREQ_NULLABLE(qvJSONGetString(qvJSONObjectGet(blockdevs->pdata[i], "node-name")),
                           node))
            return blockdevs->pdata[i];
    }
    return NULL;
}

/* The files of the chain the command line links below node, top first, one per line. */
static char *testExpectedChain(GPtrArray *blockdevs, const char *node)
{
    g_autoptr(GString) chain = g_string_new(NULL);
    const qvJSONValue *bd;
    int depth;

    for (depth = 0; depth < 16 && (bd = testFindNode(blockdevs, node)); depth++) {
        const char *file = qvJSONGetString(qvJSONObjectGet(bd, "filename"));

        if (!file)
            file = qvJSONGetString(qvJSONObjectGet(
                testFindNode(blockdevs, qvJSONGetString(qvJSONObjectGet(bd, "file"))), "filename"));
        g_string_append_printf(chain, "%s\n", file ? file : "?");
        node = qvJSONGetString(qvJSONObjectGet(bd, "backing"));
    }
    return g_string_free(g_steal_pointer(&chain), FALSE);
}

/* The files of the chain QEMU opened below a node, as testExpectedChain(). */
static char *testActualChain(const qvJSONValue *info)
{
    g_autoptr(GString) chain = g_string_new(NULL);
    const qvJSONValue *image;
    int depth;

    for (depth = 0, image = qvJSONObjectGet(info, "image"); depth < 16 && image;
         depth++, image = qvJSONObjectGet(image, "backing-image")) {
        const char *file = qvJSONGetString(qvJSONObjectGet(image, "filename"));

        g_string_append_printf(chain, "%s\n", file ? file : "?");
    }
    return g_string_free(g_steal_pointer(&chain), FALSE);
}

/* Every -blockdev is a node with its driver, file, read-only flag, cache mode and the
 * backing chain the command line links. */
static void testCheckBlockNodes(testQemu *q, GPtrArray *blockdevs)
{
    g_autoptr(qvJSONValue) nodes = NULL;
    guint i;

    if (!(nodes = testQMP(q, "query-named-block-nodes", NULL)))
        return;
    for (i = 0; i < blockdevs->len; i++) {
        const qvJSONValue *bd = blockdevs->pdata[i];
        const char *name = qvJSONGetString(qvJSONObjectGet(bd, "node-name"));
        const char *filename = qvJSONGetString(qvJSONObjectGet(bd, "filename"));
        const qvJSONValue *ro = qvJSONObjectGet(bd, "read-only");
        const qvJSONValue *cache = qvJSONObjectGet(bd, "cache");
        const qvJSONValue *info = NULL;
        g_autofree char *want = NULL;
        g_autofree char *got = NULL;
        size_t j;

        for (j = 0; j < qvJSONArraySize(nodes); j++) {
            const qvJSONValue *n = qvJSONArrayGet(nodes, j);

            if (STREQ_NULLABLE(qvJSONGetString(qvJSONObjectGet(n, "node-name")), name))
                info = n;
        }
        if (!info) {
            testFail(q->name, "QEMU has no block node %s", name);
            continue;
        }
        if (!testJSONMatches(qvJSONObjectGet(bd, "driver"), qvJSONObjectGet(info, "drv")))
            testFail(q->name, "block node %s has driver %s", name,
                     qvJSONGetString(qvJSONObjectGet(info, "drv")));
        if (filename && STRNEQ_NULLABLE(qvJSONGetString(qvJSONObjectGet(info, "file")), filename))
            testFail(q->name, "block node %s opened %s, not %s", name,
                     qvJSONGetString(qvJSONObjectGet(info, "file")), filename);
        if (ro && !testJSONMatches(ro, qvJSONObjectGet(info, "ro")))
            testFail(q->name, "block node %s: read-only is not as asked", name);
        for (j = 0; cache && j < qvJSONObjectSize(cache); j++) {
            const char *key = qvJSONObjectKey(cache, j);

            if (!testJSONMatches(qvJSONObjectValue(cache, j),
                                 qvJSONObjectGet(qvJSONObjectGet(info, "cache"), key)))
                testFail(q->name, "block node %s: cache %s is not as asked", name, key);
        }
        want = testExpectedChain(blockdevs, name);
        got = testActualChain(info);
        if (STRNEQ(want, got))
            testFail(q->name, "block node %s has the chain\n%s, not\n%s", name, got, want);
    }
}

/* query-block lists exactly the disks: each -device with a drive has that node inserted, a
 * drive-less (empty cdrom) one has nothing inserted. */
static void testCheckBlockDevices(testQemu *q, const domainDef *def, GPtrArray *devices)
{
    g_autoptr(qvJSONValue) blocks = NULL;
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    size_t i;
    guint j;

    if (!(blocks = testQMP(q, "query-block", NULL)))
        return;
    if (qvJSONArraySize(blocks) != def->ndisks)
        testFail(q->name, "QEMU has %zu block devices, the domain %zu disks",
                 qvJSONArraySize(blocks), def->ndisks);
    for (i = 0; i < qvJSONArraySize(blocks); i++) {
        const qvJSONValue *blk = qvJSONArrayGet(blocks, i);
        const char *qdev = qvJSONGetString(qvJSONObjectGet(blk, "qdev"));
        const char *inserted =
            qvJSONGetString(qvJSONObjectGet(qvJSONObjectGet(blk, "inserted"), "node-name"));
        const qvJSONValue *dev = NULL;
        g_autofree char *id = NULL;

        /* "ID", or "/machine/peripheral/ID/virtio-backend" for virtio devices */
        if (qdev && g_str_has_prefix(qdev, "/machine/peripheral/"))
            id = g_strndup(qdev + strlen("/machine/peripheral/"),
                           strcspn(qdev + strlen("/machine/peripheral/"), "/"));
        else
            id = g_strdup(qdev ? qdev : "");
        for (j = 0; j < devices->len; j++) {
            if (STREQ_NULLABLE(qvJSONGetString(qvJSONObjectGet(devices->pdata[j], "id")), id))
                dev = devices->pdata[j];
        }
        if (!dev) {
            testFail(q->name, "block device %s is not on the command line", qdev);
            continue;
        }
        g_hash_table_add(seen, (char *)qvJSONGetString(qvJSONObjectGet(dev, "id")));
        if (STRNEQ_NULLABLE(inserted, qvJSONGetString(qvJSONObjectGet(dev, "drive"))))
            testFail(q->name, "block device %s has %s inserted, not %s", id,
                     inserted ? inserted : "nothing",
                     qvJSONGetString(qvJSONObjectGet(dev, "drive")));
    }
    for (j = 0; j < devices->len; j++) {
        const char *id = qvJSONGetString(qvJSONObjectGet(devices->pdata[j], "id"));

        if (qvJSONObjectGet(devices->pdata[j], "drive") && !g_hash_table_contains(seen, id))
            testFail(q->name, "query-block does not list %s", id);
    }
}

/* Every -chardev exists; sockets QEMU listens on are there, ptys were allocated, files
 * created (by qvirt, handed over as fd sets). */
static void testCheckChardevs(testQemu *q, const qemuCommand *cmd)
{
    g_autoptr(qvJSONValue) chardevs = NULL;
    guint i;

    if (!(chardevs = testQMP(q, "query-chardev", NULL)))
        return;
    for (i = 1; i + 1 < cmd->argv->len; i++) {
        g_autoptr(GHashTable) opts = NULL;
        const char *type, *id, *path, *filename = NULL;
        struct stat st;
        size_t j;

        if (STRNEQ(cmd->argv->pdata[i], "-chardev"))
            continue;
        opts = testParseOpts(cmd->argv->pdata[i + 1]);
        type = g_hash_table_lookup(opts, "");
        id = g_hash_table_lookup(opts, "id");
        path = g_hash_table_lookup(opts, "path");
        for (j = 0; j < qvJSONArraySize(chardevs); j++) {
            const qvJSONValue *c = qvJSONArrayGet(chardevs, j);

            if (STREQ_NULLABLE(qvJSONGetString(qvJSONObjectGet(c, "label")), id))
                filename = qvJSONGetString(qvJSONObjectGet(c, "filename"));
        }
        if (!filename) {
            testFail(q->name, "QEMU has no chardev %s", id);
        } else if ((STREQ(type, "socket") || STREQ(type, "file")) && !path) {
            testFail(q->name, "chardev %s has no path: no check for it", id);
        } else if (STREQ(type, "socket") && g_hash_table_contains(opts, "server")) {
            g_autofree char *want = g_strdup_printf("unix:%s,server=on", path);

            if (!(STREQ(filename, want) || (g_str_has_prefix(filename, "disconnected:") &&
                                            STREQ(filename + strlen("disconnected:"), want))))
                testFail(q->name, "chardev %s is %s, not %s", id, filename, want);
            if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
                testFail(q->name, "chardev %s: no socket at %s", id, path);
        } else if (STREQ(type, "socket")) {
            /* the listener saw the connection (testCheckListeners) */
            if (!g_str_has_prefix(filename, "unix:"))
                testFail(q->name, "chardev %s is %s, not a connected socket", id, filename);
        } else if (STREQ(type, "pty")) {
            if (!g_str_has_prefix(filename, "pty:/dev/"))
                testFail(q->name, "chardev %s is %s, not a pty", id, filename);
        } else if (STREQ(type, "file")) {
            /* qvirt opened it and handed QEMU an fd set: that file, created for its owner */
            guint64 set = 0;
            const char *real;

            if (!g_str_has_prefix(path, "/dev/fdset/") ||
                !g_ascii_string_to_unsigned(path + strlen("/dev/fdset/"), 10, 1, cmd->files->len,
                                            &set, NULL)) {
                testFail(q->name, "chardev %s: %s is not an fd set qvirt hands QEMU", id, path);
                continue;
            }
            real = g_array_index(cmd->files, qemuLaunchFile, set - 1).path;
            if (stat(real, &st) < 0 || !S_ISREG(st.st_mode))
                testFail(q->name, "chardev %s: %s was not created", id, real);
            else if ((st.st_mode & 0777) != 0600)
                testFail(q->name, "chardev %s: %s has mode %o, not 600", id, real,
                         (unsigned int)(st.st_mode & 0777));
        }
    }
}

/* VNC listens where -vnc says: one port, or the first free one of an autoport range. */
static void testCheckVNC(testQemu *q, const char *vnc)
{
    g_autoptr(qvJSONValue) info = NULL;
    g_autofree char *host = NULL;
    g_autofree char *text = NULL;
    const char *rest, *to;
    unsigned long long display, last, port = 0;
    bool enabled = false;

    if (vnc[0] == '[') {
        host = g_strndup(vnc + 1, strcspn(vnc + 1, "]"));
        rest = vnc + strlen(host) + 3;
    } else {
        host = g_strndup(vnc, strcspn(vnc, ":"));
        rest = vnc + strlen(host) + 1;
    }
    display = g_ascii_strtoull(rest, NULL, 10);
    to = strstr(rest, ",to=");
    last = to ? g_ascii_strtoull(to + 4, NULL, 10) : display;
    if (!(info = testQMP(q, "query-vnc", NULL)))
        return;
    if (qvJSONGetBoolean(qvJSONObjectGet(info, "enabled"), &enabled) < 0 || !enabled ||
        STRNEQ_NULLABLE(qvJSONGetString(qvJSONObjectGet(info, "host")), host) ||
        !qvJSONGetString(qvJSONObjectGet(info, "service")) ||
        (port = g_ascii_strtoull(qvJSONGetString(qvJSONObjectGet(info, "service")), NULL, 10)) <
            5900 + display ||
        port > 5900 + last) {
        text = qvJSONFormat(info, false);
        testFail(q->name, "-vnc %s: VNC is %s", vnc, text);
    }
}

/* What every started domain must show, from its definition and command line. */
static void testCheckAll(testQemu *q, const domainDef *def, const qemuCommand *cmd)
{
    g_autoptr(GPtrArray) devices = testJSONArgs(cmd, "-device");
    g_autoptr(GPtrArray) blockdevs = testJSONArgs(cmd, "-blockdev");
    g_autoptr(GPtrArray) objects = testJSONArgs(cmd, "-object");
    g_autoptr(qvJSONValue) name = NULL;
    g_autoptr(qvJSONValue) uuid = NULL;
    g_autoptr(qvJSONValue) cpus = NULL;
    g_autoptr(qvJSONValue) mem = NULL;
    g_autofree char *status = NULL;
    g_autoptr(GHashTable) frontends = NULL;
    char uuidstr[QV_UUID_STRING_BUFLEN];
    const char *smp = testArg(cmd, "-smp");
    const char *size = testArg(cmd, "-m");
    const char *vnc = testArg(cmd, "-vnc");
    long long baseMemory = 0;
    bool running = true;

    /* machine init completed, paused before the guest ran */
    if (qemuMonitorQueryStatus(q->mon, &running, &status) < 0 || running ||
        STRNEQ_NULLABLE(status, "prelaunch"))
        testFail(q->name, "status is %s, running %d", status ? status : "unknown", running);
    if ((name = testQMP(q, "query-name", NULL)) &&
        STRNEQ_NULLABLE(qvJSONGetString(qvJSONObjectGet(name, "name")), def->name))
        testFail(q->name, "QEMU's name is %s", qvJSONGetString(qvJSONObjectGet(name, "name")));
    if ((uuid = testQMP(q, "query-uuid", NULL)) &&
        STRNEQ_NULLABLE(qvJSONGetString(qvJSONObjectGet(uuid, "UUID")),
                        qvUUIDFormat(def->uuid, uuidstr)))
        testFail(q->name, "QEMU's UUID is %s", qvJSONGetString(qvJSONObjectGet(uuid, "UUID")));
    if (smp && (cpus = testQMP(q, "query-cpus-fast", NULL)) &&
        qvJSONArraySize(cpus) != g_ascii_strtoull(smp, NULL, 10))
        testFail(q->name, "-smp %s: QEMU has %zu vCPUs", smp, qvJSONArraySize(cpus));
    if (size && (mem = testQMP(q, "query-memory-size-summary", NULL)) &&
        (!g_str_has_prefix(size, "size=") || !g_str_has_suffix(size, "k") ||
         qvJSONGetLLong(qvJSONObjectGet(mem, "base-memory"), &baseMemory) < 0 ||
         (unsigned long long)baseMemory != g_ascii_strtoull(size + 5, NULL, 10) * 1024))
        testFail(q->name, "-m %s: QEMU has %lld bytes", size, baseMemory);

    testCheckQOM(q, "/machine/peripheral", "driver", devices);
    testCheckQOM(q, "/objects", "qom-type", objects);
    testCheckBlockNodes(q, blockdevs);
    testCheckBlockDevices(q, def, devices);
    testCheckChardevs(q, cmd);
    if (vnc)
        testCheckVNC(q, vnc);
    if (qemuMonitorGetChardevFrontends(q->mon, &frontends) < 0 ||
        !g_hash_table_lookup(frontends, "charmonitor"))
        testFail(q->name, "no monitor frontend: %s", testLastError());

    /* an unknown command is a typed "unsupported" from the real QEMU */
    if (qemuMonitorSimple(q->mon, "x-no-such-command") == 0 ||
        qvGetLastErrorCode() != QV_ERR_OPERATION_UNSUPPORTED)
        testFail(q->name, "an unknown command gave: %s", testLastError());
}

/* ---- the golden cases ---- */

typedef struct {
    char *name;
    unsigned int idx;
} testCase;

/*
 * Where a path of a golden case lives in this run: below the state root, in the case's
 * root; anything else (images, block devices, logs, sockets: /images/top.qcow2,
 * /dev/vg0/data, /run/...) below the case's "host" directory, so that no case writes
 * outside its scratch directory.
 */
static void testLocalize(const char *caseDir, char **path)
{
    char *local;

    if (!*path)
        return;
    if (g_str_has_prefix(*path, TEST_GOLDEN_ROOT "/"))
        local = g_strconcat(caseDir, *path + strlen(TEST_GOLDEN_ROOT), NULL);
    else
        local = g_strconcat(caseDir, "/host", *path, NULL);
    g_free(*path);
    *path = local;
}

static void testLocalizeChrs(const char *caseDir, domainChrDef **chrs, size_t nchrs)
{
    size_t i;

    for (i = 0; i < nchrs; i++) {
        if (chrs[i]->source.type != DOMAIN_CHR_TYPE_PTY)
            testLocalize(caseDir, &chrs[i]->source.path);
    }
}

/* Every path the definition names, except the emulator and an RNG's host device, which
 * exist on every test machine. */
static void testLocalizeDef(const char *caseDir, domainDef *def)
{
    size_t i;

    for (i = 0; i < def->ndisks; i++) {
        domainStorageSource *src;

        for (src = def->disks[i]->src; src; src = src->backing)
            testLocalize(caseDir, &src->path);
    }
    testLocalize(caseDir, &def->os.kernel);
    testLocalize(caseDir, &def->os.initrd);
    testLocalizeChrs(caseDir, def->serials, def->nserials);
    testLocalizeChrs(caseDir, def->consoles, def->nconsoles);
    testLocalizeChrs(caseDir, def->channels, def->nchannels);
}

/* The golden text of a command line built for caseDir: the substitutions reversed. */
static char *testGoldenText(const char *text, const char *caseDir)
{
    g_autofree char *hostDir = g_strdup_printf("%s/host/", caseDir);
    g_autofree char *rootDir = g_strdup_printf("%s/", caseDir);
    g_auto(GStrv) hostParts = g_strsplit(text, hostDir, -1);
    g_autofree char *step = g_strjoinv("/", hostParts);
    g_auto(GStrv) rootParts = g_strsplit(step, rootDir, -1);

    return g_strjoinv(TEST_GOLDEN_ROOT "/", rootParts);
}

static bool testSameText(const char *name, const char *path, const char *expected,
                         const char *actual)
{
    g_auto(GStrv) e = g_strsplit(expected, "\n", -1);
    g_auto(GStrv) a = g_strsplit(actual, "\n", -1);
    size_t i;

    if (STREQ(expected, actual))
        return true;
    for (i = 0; e[i] && a[i] && STREQ(e[i], a[i]); i++)
        ;
    testFail(name,
             "the command line, its paths put back, is not %s: first difference at line %zu:\n"
             "  golden: %s\n  built:  %s",
             path, i + 1, e[i] ? e[i] : "<end>", a[i] ? a[i] : "<end>");
    return false;
}

/* A file QEMU's x86 loader takes for a bzImage (a boot protocol 2.06 header, no code):
 * enough for -S, where the guest never runs. */
static bool testWriteKernel(const char *name, const char *path)
{
    g_autoptr(GError) err = NULL;
    guint8 img[6 * 512] = { 0 };

    img[0x1f1] = 4; /* setup sectors */
    img[0x1fe] = 0x55;
    img[0x1ff] = 0xaa;
    memcpy(img + 0x202, "HdrS", 4);
    img[0x206] = 0x06; /* protocol 2.06 */
    img[0x207] = 0x02;
    img[0x211] = 0x01; /* loaded high */
    img[0x22c] = 0xff; /* initrd_addr_max 0x37ffffff */
    img[0x22d] = 0xff;
    img[0x22e] = 0xff;
    img[0x22f] = 0x37;
    img[0x238] = 0xff; /* cmdline_size 2047 */
    img[0x239] = 0x07;
    if (!g_file_set_contents(path, (const char *)img, sizeof(img), &err)) {
        testFail(name, "cannot write %s: %s", path, err->message);
        return false;
    }
    return true;
}

/* One image of a disk's chain, its backing images made first. */
static bool testMakeImage(const char *name, const domainStorageSource *src)
{
    const char *fmt = domainDiskFormatTypeToString(src->format);
    const char *bfmt = src->backing ? domainDiskFormatTypeToString(src->backing->format) : NULL;

    if (src->backing && !testMakeImage(name, src->backing))
        return false;
    if (!src->path || g_file_test(src->path, G_FILE_TEST_EXISTS))
        return true;
    if (!testMakeParent(name, src->path))
        return false;
    if (src->type == DOMAIN_DISK_TYPE_BLOCK) {
        /* QEMU's host_device driver takes a character device as well as a block device:
         * /dev/null stands for the volume, with no privilege (a loop device needs root) */
        if (symlink("/dev/null", src->path) < 0) {
            testFail(name, "cannot link %s to /dev/null: %s", src->path, g_strerror(errno));
            return false;
        }
        return true;
    }
    if (src->backing) {
        const char *argv[] = { "qemu-img", "create",           "-q",      "-f", fmt, "-F", bfmt,
                               "-b",       src->backing->path, src->path, NULL };

        return testRun(name, argv);
    } else {
        const char *argv[] = { "qemu-img", "create", "-q", "-f", fmt, src->path, "16M", NULL };

        return testRun(name, argv);
    }
}

/* A socket that QEMU connects to (a channel in mode='connect'), listening. */
static int testListen(const char *name, const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 4) < 0) {
        testFail(name, "cannot listen on %s: %s", path, g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static bool testProvisionChrs(const char *name, domainChrDef **chrs, size_t nchrs,
                              GArray *listeners)
{
    size_t i;

    for (i = 0; i < nchrs; i++) {
        const domainChrSourceDef *src = &chrs[i]->source;
        int fd;

        if (src->type == DOMAIN_CHR_TYPE_PTY)
            continue;
        if (!testMakeParent(name, src->path))
            return false;
        if (src->type == DOMAIN_CHR_TYPE_UNIX && !src->listen) {
            if ((fd = testListen(name, src->path)) < 0)
                return false;
            g_array_append_val(listeners, fd);
        }
    }
    return true;
}

/*
 * Make what a localized case names exist: its disk images (the same formats and backing
 * chains), block devices, kernel and initrd, the directories of its logs and sockets, and
 * a listener for every socket QEMU connects to.
 */
static bool testProvision(const char *name, const qemuDriverConfig *cfg, const domainDef *def,
                          GArray *listeners)
{
    g_autofree char *runDir = qemuDomainRuntimeDir(cfg, def);
    g_autofree char *chanDir = qemuDomainChannelDir(cfg, def);
    size_t i;

    if (qvFileMakePath(runDir, 0700) < 0 || qvFileMakePath(chanDir, 0700) < 0) {
        testFail(name, "cannot create %s or %s: %s", runDir, chanDir, testLastError());
        return false;
    }
    for (i = 0; i < def->ndisks; i++) {
        if (!testMakeImage(name, def->disks[i]->src))
            return false;
    }
    if (def->os.kernel &&
        !(testMakeParent(name, def->os.kernel) && testWriteKernel(name, def->os.kernel)))
        return false;
    if (def->os.initrd && !(testMakeParent(name, def->os.initrd) &&
                            g_file_set_contents(def->os.initrd, "initrd\n", -1, NULL))) {
        testFail(name, "cannot write %s", def->os.initrd);
        return false;
    }
    return testProvisionChrs(name, def->serials, def->nserials, listeners) &&
           testProvisionChrs(name, def->consoles, def->nconsoles, listeners) &&
           testProvisionChrs(name, def->channels, def->nchannels, listeners);
}

/* A TCP port on 127.0.0.1 that nobody uses now, that VNC can express (5900 + display). */
static int testFreeVNCPort(void)
{
    int tries;

    for (tries = 0; tries < 100; tries++) {
        struct sockaddr_in addr = { .sin_family = AF_INET };
        socklen_t len = sizeof(addr);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int port = -1;

        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
            getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
            port = ntohs(addr.sin_port);
        if (fd >= 0)
            close(fd);
        if (port >= 5900)
            return port;
    }
    return -1;
}

/* -vnc for this machine: on loopback only (127.0.0.1, or ::1 where the host has it), and
 * a fixed port becomes a free one; an autoport range stays, QEMU takes a free port of it. */
static char *testLocalVNC(const char *vnc)
{
    g_autofree char *host = NULL;
    const char *rest, *opts;
    bool v6 = vnc[0] == '[';
    int display;

    if (v6) {
        host = g_strndup(vnc + 1, strcspn(vnc + 1, "]"));
        rest = vnc + strlen(host) + 3;
    } else {
        host = g_strndup(vnc, strcspn(vnc, ":"));
        rest = vnc + strlen(host) + 1;
    }
    opts = rest + strcspn(rest, ",");
    display = (int)g_ascii_strtoull(rest, NULL, 10);
    if (!(STREQ(host, "127.0.0.1") || (STREQ(host, "::1") && testHaveIPv6Loopback))) {
        g_free(host);
        host = g_strdup("127.0.0.1");
        v6 = false;
    }
    if (!strstr(opts, ",to=")) {
        int port = testFreeVNCPort();

        g_assert_cmpint(port, >=, 5900);
        display = port - 5900;
    }
    return g_strdup_printf("%s%s%s:%d%s", v6 ? "[" : "", host, v6 ? "]" : "", display, opts);
}

/*
 * After the comparison with the golden file, change what this machine cannot run, as
 * little as possible (each change is in the test's log): without KVM, -accel kvm becomes
 * tcg and the KVM-only "host" CPU model "max", TCG's closest; VNC listens on loopback, on a
 * free port.
 */
static void testAdaptToHost(const char *name, qemuCommand *cmd)
{
    guint i;

    for (i = 1; i + 1 < cmd->argv->len; i++) {
        const char *opt = cmd->argv->pdata[i];
        char *val = cmd->argv->pdata[i + 1];
        char *local = NULL;

        if (!testHaveKVM && STREQ(opt, "-accel") && STREQ(val, "kvm"))
            local = g_strdup("tcg");
        else if (!testHaveKVM && STREQ(opt, "-cpu") &&
                 (STREQ(val, "host") || g_str_has_prefix(val, "host,")))
            local = g_strconcat("max", val + strlen("host"), NULL);
        else if (STREQ(opt, "-vnc"))
            local = testLocalVNC(val);
        if (!local || STREQ(local, val)) {
            g_free(local);
            continue;
        }
        g_test_message("%s: %s %s runs as %s %s", name, opt, val, opt, local);
        g_free(val);
        cmd->argv->pdata[i + 1] = local;
    }
}

/* QEMU connected to every socket the domain connects to. */
static void testCheckListeners(const char *name, GArray *listeners)
{
    guint i;

    for (i = 0; i < listeners->len; i++) {
        struct pollfd pfd = { .fd = g_array_index(listeners, int, i), .events = POLLIN };
        int fd = -1;

        if (poll(&pfd, 1, TEST_WAIT_MS) == 1)
            fd = accept(pfd.fd, NULL, NULL);
        if (fd < 0)
            testFail(name, "QEMU did not connect to a listening channel socket");
        else
            close(fd);
    }
}

static void testGoldenRun(const testCase *tc, const char *caseDir, GArray *listeners)
{
    g_autofree char *file = g_strdup_printf("%s.xml", tc->name);
    g_autofree char *argsFile = g_strdup_printf("%s.args", tc->name);
    g_autofree char *xmlPath = testDataPath("qemuxml2argvdata", file);
    g_autofree char *argsPath = testDataPath("qemuxml2argvdata", argsFile);
    g_autofree char *xml = testLoadFile(xmlPath);
    g_autofree char *golden = testLoadFile(argsPath);
    g_autofree char *logPath = g_build_filename(caseDir, "qemu.log", NULL);
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew(caseDir);
    g_autoptr(domainDef) def = NULL;
    g_autoptr(qemuCommand) cmd = NULL;
    g_autofree char *text = NULL;
    g_autofree char *built = NULL;
    g_autofree char *monitor = NULL;
    testQemu q = { 0 };

    /* the same steps as qemuxml2argvtest, with its seed (the generated MAC addresses) */
    g_free(cfg->defaultEmulator);
    cfg->defaultEmulator = g_strdup(TEST_GOLDEN_EMULATOR);
    g_random_set_seed(g_str_hash(tc->name));
    qvResetLastError();
    if (!(def = domainDefParseString(xml, "(domain_definition)", 0))) {
        testFail(tc->name, "%s", testLastError());
        return;
    }
    testLocalizeDef(caseDir, def);
    qemuDomainDropAutoPaths(cfg, def);
    def->id = 1;
    if (qemuDomainPrepareChannels(cfg, def) < 0 || !(cmd = qemuBuildCommandLine(cfg, def))) {
        testFail(tc->name, "%s", testLastError());
        return;
    }

    /* what QEMU starts is the golden case, not a variant */
    text = qemuCommandToString(cmd, true);
    built = testGoldenText(text, caseDir);
    if (!testSameText(tc->name, argsPath, golden, built) ||
        !testProvision(tc->name, cfg, def, listeners))
        return;
    testAdaptToHost(tc->name, cmd);
    monitor = qemuDomainMonitorPath(cfg, def);
    if (testQemuStart(&q, tc->name, cmd, monitor, logPath)) {
        testCheckAll(&q, def, cmd);
        testCheckListeners(tc->name, listeners);
        testQemuQuit(&q);
    }
    testQemuClear(&q);
}

static void testGolden(gconstpointer data)
{
    const testCase *tc = data;
    g_autofree char *caseDir = g_strdup_printf("%s/%02u", testDir, tc->idx);
    g_autoptr(GArray) listeners = g_array_new(FALSE, FALSE, sizeof(int));
    guint i;

    g_assert_cmpint(qvFileMakePath(caseDir, 0700), ==, 0);
    testGoldenRun(tc, caseDir, listeners);
    for (i = 0; i < listeners->len; i++)
        close(g_array_index(listeners, int, i));
    if (testRemoveTree(caseDir) < 0)
        g_test_fail();
}

static void testNotStarted(gconstpointer data)
{
    g_test_skip(data);
}

/* ---- hand-written domains ---- */

/* Start QEMU with the command qvirt builds for xml, and check it over QMP. */
static void testLive(const char *name, const char *xml, const char *const *expectChardevs)
{
    g_autofree char *root = g_build_filename(testDir, name, NULL);
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew(root);
    g_autoptr(domainDef) def = NULL;
    g_autoptr(qemuCommand) cmd = NULL;
    g_autofree char *runDir = NULL;
    g_autofree char *chanDir = NULL;
    g_autofree char *monitor = NULL;
    g_autofree char *logPath = g_build_filename(testDir, "qemu.log", NULL);
    g_autoptr(qvJSONValue) chardevs = NULL;
    g_autoptr(GHashTable) frontends = NULL;
    testQemu q = { 0 };
    size_t c;
    int i;

    def = domainDefParseString(xml, name, 0);
    if (!def)
        g_test_message("%s", testLastError());
    g_assert_nonnull(def);
    def->id = 1;
    g_assert_cmpint(qemuDomainPrepareChannels(cfg, def), ==, 0);
    cmd = qemuBuildCommandLine(cfg, def);
    g_assert_nonnull(cmd);
    runDir = qemuDomainRuntimeDir(cfg, def);
    chanDir = qemuDomainChannelDir(cfg, def);
    monitor = qemuDomainMonitorPath(cfg, def);
    g_assert_cmpint(qvFileMakePath(runDir, 0700), ==, 0);
    g_assert_cmpint(qvFileMakePath(chanDir, 0700), ==, 0);
    if (!testQemuStart(&q, name, cmd, monitor, logPath)) {
        testQemuClear(&q);
        return;
    }
    testCheckAll(&q, def, cmd);

    /* the chardevs, with the socket paths qvirt chose */
    chardevs = testQMP(&q, "query-chardev", NULL);
    for (i = 0; chardevs && expectChardevs && expectChardevs[i]; i += 2) {
        size_t j;
        bool found = false;

        for (j = 0; j < qvJSONArraySize(chardevs); j++) {
            qvJSONValue *dev = qvJSONArrayGet(chardevs, j);

            if (STREQ(qvJSONGetString(qvJSONObjectGet(dev, "label")), expectChardevs[i])) {
                const char *fn = qvJSONGetString(qvJSONObjectGet(dev, "filename"));

                found = true;
                if (!strstr(fn, expectChardevs[i + 1]))
                    testFail(name, "chardev %s is '%s', expected '%s' in it", expectChardevs[i], fn,
                             expectChardevs[i + 1]);
            }
        }
        if (!found)
            testFail(name, "no chardev %s", expectChardevs[i]);
    }

    /* the agent port has the id QEMU's VSERPORT_CHANGE events need, and its name */
    if (qemuMonitorGetChardevFrontends(q.mon, &frontends) < 0)
        testFail(name, "chardev frontends: %s", testLastError());
    for (c = 0; frontends && c < def->nchannels; c++) {
        g_autofree char *path = g_strdup_printf("/machine/peripheral/channel%zu", c);
        g_autofree char *label = g_strdup_printf("charchannel%zu", c);
        g_autoptr(qvJSONValue) ret = NULL;

        if (!domainChrIsAgentChannel(def->channels[c]))
            continue;
        ret = testQomGet(&q, path, "name");
        if (STRNEQ_NULLABLE(qvJSONGetString(ret), "org.qemu.guest_agent.0"))
            testFail(name, "%s is not the agent port", path);
        if (!qvFileExists(def->channels[c]->source.path))
            testFail(name, "no agent socket %s", def->channels[c]->source.path);
        /* QEMU reports the port's state; no guest has opened it */
        if (STRNEQ_NULLABLE(g_hash_table_lookup(frontends, label), "0"))
            testFail(name, "the agent port %s is open", label);
    }
    testQemuQuit(&q);
    testQemuClear(&q);
}

static char *testImage(const char *file)
{
    return g_build_filename(testDir, file, NULL);
}

static bool testMakeImages(const char *name, const char *const *images)
{
    size_t i;

    for (i = 0; images[i]; i += 2) {
        g_autofree char *path = testImage(images[i + 1]);
        const char *argv[] = { "qemu-img", "create", "-q", "-f", images[i], path, "16M", NULL };

        if (!g_file_test(path, G_FILE_TEST_EXISTS) && !testRun(name, argv))
            return false;
    }
    return true;
}

static void testAgentGuest(void)
{
    g_autofree char *disk = testImage("guest.qcow2");
    g_autofree char *console = testImage("console.log");
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>agent-guest</name><memory unit='MiB'>128</memory>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>"
        "<devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "<serial type='file'><source path='%s'/></serial>"
        "<channel type='unix'><source mode='bind'/>"
        "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
        "<memballoon model='none'/></devices></domain>",
        disk, console);
    const char *images[] = { "qcow2", "guest.qcow2", NULL };
    const char *chardevs[] = { "charchannel0",
                               "domain-1-agent-guest/org.qemu.guest_agent.0",
                               "charserial0",
                               "file",
                               "charmonitor",
                               "monitor.sock",
                               NULL };

    if (testMakeImages("agent-guest", images))
        testLive("agent-guest", xml, chardevs);
}

static void testEverythingPC(void)
{
    g_autofree char *top = testImage("top.qcow2");
    g_autofree char *mid = testImage("mid.qcow2");
    g_autofree char *base = testImage("base.raw");
    g_autofree char *iso = testImage("cd,1.iso");
    g_autofree char *scsi = testImage("scsi.qcow2");
    g_autofree char *sata = testImage("sata.raw");
    g_autofree char *serial = testImage("serial1.log");
    g_autofree char *sock = testImage("serial2.sock");
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>every,thing</name><memory unit='MiB'>200</memory>"
        "<currentMemory unit='MiB'>150</currentMemory><vcpu current='1'>2</vcpu>"
        "<os><type machine='pc-i440fx-7.2'>hvm</type><boot dev='cdrom'/><boot dev='hd'/>"
        "<bootmenu enable='no'/></os>"
        "<features><acpi/><apic/><pae/><vmport state='off'/></features>"
        "<cpu mode='maximum'><topology sockets='1' cores='2' threads='1'/></cpu>"
        "<clock offset='localtime'><timer name='rtc' tickpolicy='catchup'/>"
        "<timer name='pit' tickpolicy='delay'/><timer name='hpet' present='no'/></clock>"
        "<on_reboot>destroy</on_reboot>"
        "<pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='yes'/></pm>"
        "<devices>"
        "<disk type='file'><driver name='qemu' type='qcow2' cache='writeback' io='threads' "
        "discard='unmap'/>"
        "<source file='%s'/><backingStore type='file'><format type='qcow2'/><source file='%s'/>"
        "<backingStore type='file'><format type='raw'/><source "
        "file='%s'/><backingStore/></backingStore>"
        "</backingStore><target dev='vda'/><serial>QV1</serial></disk>"
        "<disk type='file' device='cdrom'><source file='%s'/><target dev='sda' bus='sata'/></disk>"
        "<disk type='file' device='cdrom'><target dev='sdb' bus='sata'/></disk>"
        "<disk type='file'><driver name='qemu' type='raw' cache='directsync'/><source file='%s'/>"
        "<target dev='sdc' bus='sata'/></disk>"
        "<disk type='file'><driver name='qemu' type='qcow2' cache='unsafe'/><source file='%s'/>"
        "<target dev='sdd' bus='scsi'/><readonly/></disk>"
        "<interface type='user'><mac address='52:54:00:00:00:01'/><model "
        "type='virtio'/></interface>"
        "<interface type='user'><model type='e1000'/></interface>"
        "<serial type='pty'/><serial type='file'><source path='%s' append='on'/></serial>"
        "<serial type='unix'><source mode='bind' path='%s'/></serial>"
        "<console type='pty'/>"
        "<channel type='unix'><target type='virtio' name='org.example.data'/></channel>"
        "<channel type='pty'><target type='virtio' name='org.example.pty'/></channel>"
        "<channel type='unix'><source mode='bind'/><target type='virtio' "
        "name='org.qemu.guest_agent.0'/></channel>"
        "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.1'/></channel>"
        "<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>"
        "<video><model type='virtio'/></video>"
        "<memballoon model='virtio'/>"
        "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
        "<rng model='virtio'><backend model='builtin'/></rng>"
        "</devices></domain>",
        top, mid, base, iso, sata, scsi, serial, sock);
    const char *images[] = { "qcow2", "scsi.qcow2", "raw", "sata.raw", "raw", "cd,1.iso", NULL };
    const char *mkmid[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F",
                            "raw",      "-b",     base, mid,  NULL };
    const char *mktop[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F",
                            "qcow2",    "-b",     mid,  top,  NULL };
    const char *raw[] = { "raw", "base.raw", NULL };
    const char *chardevs[] = { "charchannel0",
                               "domain-1-every,thing/org.example.data",
                               "charchannel1",
                               "pty:",
                               "charchannel2",
                               "domain-1-every,thing/org.qemu.guest_agent.0",
                               "charchannel3",
                               "domain-1-every,thing/org.qemu.guest_agent.1",
                               "charserial0",
                               "pty:",
                               "charserial1",
                               "file",
                               "charserial2",
                               "serial2.sock,server=on",
                               NULL };

    if (testMakeImages("everything-pc", images) && testMakeImages("everything-pc", raw) &&
        testRun("everything-pc", mkmid) && testRun("everything-pc", mktop))
        testLive("everything-pc", xml, chardevs);
}

static void testQ35(void)
{
    g_autofree char *disk = testImage("q35.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>q35</name><memory unit='MiB'>256</memory><vcpu>2</vcpu>"
        "<os><type machine='q35'>hvm</type></os><features><acpi/><vmport state='off'/></features>"
        "<cpu mode='custom'><model>qemu64</model><topology sockets='2' cores='1' "
        "threads='1'/></cpu>"
        "<pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>"
        "<devices><disk type='file'><driver name='qemu' type='qcow2'/><source file='%s'/>"
        "<target dev='sda' bus='sata'/><boot order='1'/></disk>"
        "<controller type='pci' index='0' model='pcie-root'/><controller type='usb' model='none'/>"
        "<interface type='user'><model type='e1000e'/><boot order='2'/></interface>"
        "<input type='mouse' bus='ps2'/><input type='keyboard' bus='ps2'/>"
        "<video><model type='vga'/></video></devices></domain>",
        disk);
    const char *images[] = { "qcow2", "q35.qcow2", NULL };

    if (testMakeImages("q35", images))
        testLive("q35", xml, NULL);
}

/* Whether this machine can run KVM guests, and listen on IPv6 loopback. */
static void testProbeHost(void)
{
    struct sockaddr_in6 addr = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

    testHaveKVM = fd >= 0;
    if (fd >= 0)
        close(fd);
    fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    testHaveIPv6Loopback = fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
    if (fd >= 0)
        close(fd);
}

int main(int argc, char **argv)
{
    const char *qemu = QEMU_DEFAULT_EMULATOR;
    g_autoptr(GPtrArray) names = NULL;
    g_autoptr(GArray) cases = g_array_new(FALSE, TRUE, sizeof(testCase));
    g_autofree char **args = NULL;
    guint i, n = 0;
    int ret;

    /* a failing case must not hide the others, nor (GLib aborts after a failure otherwise)
     * leave the scratch directory behind */
    args = g_new0(char *, argc + 2);
    memcpy(args, argv, argc * sizeof(char *));
    args[argc++] = (char *)"--keep-going";
    argv = args;
    testInit(&argc, &argv);
    if (!g_file_test(qemu, G_FILE_TEST_IS_EXECUTABLE) ||
        !g_file_test(TEST_GOLDEN_EMULATOR, G_FILE_TEST_IS_EXECUTABLE)) {
        /* never skipped: a missing QEMU is a broken test machine */
        printf("1..1\nnot ok 1 - %s or %s is not installed (apt-get install qemu-system-x86)\n",
               qemu, TEST_GOLDEN_EMULATOR);
        return 1;
    }
    testProbeHost();
    /* short: a case's channel sockets must fit in sun_path, as under /var/lib/qvirt */
    testDir = g_dir_make_tmp("qvl-XXXXXX", NULL);
    g_assert_nonnull(testDir);
    /* the golden text comes back by replacing the scratch directory: it must read the
     * same quoted, escaped (commas) or not */
    if (testDir[strspn(testDir, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789/._-")]) {
        printf("1..1\nnot ok 1 - scratch directory %s: set TMPDIR to a plain path\n", testDir);
        testRemoveTree(testDir);
        return 1;
    }

    g_test_add_func("/qemu-live/agent-guest", testAgentGuest);
    g_test_add_func("/qemu-live/everything-pc", testEverythingPC);
    g_test_add_func("/qemu-live/q35", testQ35);

    names = testListCases("qemuxml2argvdata", ".xml");
    g_array_set_size(cases, names->len);
    for (i = 0; i < names->len; i++) {
        g_autofree char *argsFile = g_strdup_printf("%s.args", (char *)names->pdata[i]);
        g_autofree char *argsPath = testDataPath("qemuxml2argvdata", argsFile);
        g_autofree char *path = g_strdup_printf("/qemu-live/golden/%s", (char *)names->pdata[i]);
        testCase *tc = &g_array_index(cases, testCase, n);
        size_t j;

        if (!g_file_test(argsPath, G_FILE_TEST_EXISTS))
            continue;
        tc->name = names->pdata[i];
        tc->idx = n++;
        for (j = 0; testNotStartable[j].name; j++) {
            if (STREQ(testNotStartable[j].name, tc->name))
                break;
        }
        if (testNotStartable[j].name)
            g_test_add_data_func(path, testNotStartable[j].reason, testNotStarted);
        else
            g_test_add_data_func(path, tc, testGolden);
    }
    g_assert_cmpuint(n, >, 0);

    ret = g_test_run();
    if (testRemoveTree(testDir) < 0)
        ret = 1;
    g_free(testDir);
    return ret;
}
