/* qemuargvlivetest.c: the command lines qvirt builds, run by the real QEMU: it must start
 * (paused, -S), answer QMP, show the devices and sockets we asked for, and quit cleanly. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domain_conf.h"
#include "qemu_command.h"
#include "qvfile.h"
#include "qvjson.h"
#include "testutils.h"

static char *testDir;

typedef struct {
    int fd;
    GString *buf;
} testQMP;

static void testRun(const char *const *argv)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, NULL, &out, &status, &err) ||
        !g_spawn_check_wait_status(status, &err)) {
        g_test_message("%s failed: %s %s", argv[0], err->message, out ? out : "");
        g_assert_not_reached();
    }
}

static int testQMPConnect(const char *path, GPid pid)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    struct timeval tv = { .tv_sec = 30 };

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    while (g_get_monotonic_time() < deadline) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int status;

        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
            return fd;
        }
        close(fd);
        if (waitpid(pid, &status, WNOHANG) == pid)
            return -2; /* QEMU exited: it refused the command line */
        g_usleep(20000);
    }
    return -1;
}

/* Read one JSON line that is not an event. */
static qvJSONValue *testQMPRead(testQMP *qmp)
{
    for (;;) {
        char *nl = memchr(qmp->buf->str, '\n', qmp->buf->len);
        char chunk[4096];
        ssize_t n;

        if (nl) {
            g_autofree char *err = NULL;
            size_t len = (size_t)(nl - qmp->buf->str);
            qvJSONValue *val = qvJSONParse(qmp->buf->str, len, 64, &err);

            g_string_erase(qmp->buf, 0, (gssize)len + 1);
            g_assert_nonnull(val);
            if (qvJSONObjectGet(val, "event")) {
                qvJSONFree(val);
                continue;
            }
            return val;
        }
        n = read(qmp->fd, chunk, sizeof(chunk));
        g_assert_cmpint(n, >, 0);
        g_string_append_len(qmp->buf, chunk, n);
    }
}

static qvJSONValue *testQMPCommand(testQMP *qmp, const char *cmd)
{
    g_autofree char *line = g_strdup_printf("%s\n", cmd);
    qvJSONValue *reply;

    g_assert_cmpint(write(qmp->fd, line, strlen(line)), ==, (ssize_t)strlen(line));
    reply = testQMPRead(qmp);
    if (!qvJSONObjectGet(reply, "return")) {
        g_autofree char *text = qvJSONFormat(reply, false);

        g_test_message("%s -> %s", cmd, text);
        g_assert_not_reached();
    }
    return reply;
}

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
    g_autoptr(GError) err = NULL;
    testQMP qmp = { .buf = g_string_new(NULL) };
    GPid pid;
    int logfd, status, i;
    qvJSONValue *reply;
    qvJSONValue *chardevs;

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

    g_ptr_array_add(cmd->env, NULL);
    g_ptr_array_add(cmd->argv, NULL);
    logfd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_cmpint(logfd, >=, 0);
    if (!g_spawn_async_with_fds(NULL, (char **)cmd->argv->pdata, (char **)cmd->env->pdata,
                                G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, -1, logfd, logfd,
                                &err)) {
        g_test_message("cannot start QEMU: %s", err->message);
        g_assert_not_reached();
    }
    close(logfd);

    qmp.fd = testQMPConnect(monitor, pid);
    if (qmp.fd < 0) {
        g_autofree char *log = testLoadFile(logPath);

        g_test_message("%s: QEMU %s:\n%s", name,
                       qmp.fd == -2 ? "refused the command line" : "never answered", log);
        if (qmp.fd == -1)
            kill(pid, SIGKILL);
        g_assert_not_reached();
    }
    reply = testQMPRead(&qmp); /* greeting */
    g_assert_nonnull(qvJSONObjectGet(reply, "QMP"));
    qvJSONFree(reply);
    qvJSONFree(testQMPCommand(&qmp, "{\"execute\":\"qmp_capabilities\"}"));

    /* machine init completed: every -device was accepted */
    reply = testQMPCommand(&qmp, "{\"execute\":\"query-status\"}");
    g_assert_cmpstr(qvJSONGetString(qvJSONObjectGet(qvJSONObjectGet(reply, "return"), "status")),
                    ==, "prelaunch");
    qvJSONFree(reply);

    /* the chardevs, with the socket paths qvirt chose */
    reply = testQMPCommand(&qmp, "{\"execute\":\"query-chardev\"}");
    chardevs = qvJSONObjectGet(reply, "return");
    for (i = 0; expectChardevs && expectChardevs[i]; i += 2) {
        size_t j;
        bool found = false;

        for (j = 0; j < qvJSONArraySize(chardevs); j++) {
            qvJSONValue *c = qvJSONArrayGet(chardevs, j);

            if (STREQ(qvJSONGetString(qvJSONObjectGet(c, "label")), expectChardevs[i])) {
                const char *fn = qvJSONGetString(qvJSONObjectGet(c, "filename"));

                found = true;
                if (!strstr(fn, expectChardevs[i + 1])) {
                    g_test_message("%s: chardev %s is '%s', expected '%s' in it", name,
                                   expectChardevs[i], fn, expectChardevs[i + 1]);
                    g_test_fail();
                }
            }
        }
        if (!found) {
            g_test_message("%s: no chardev %s", name, expectChardevs[i]);
            g_test_fail();
        }
    }
    qvJSONFree(reply);

    /* the agent port has the id QEMU's VSERPORT_CHANGE events need, and its name */
    if (domainDefFindAgentChannel(def)) {
        size_t c;

        for (c = 0; c < def->nchannels; c++) {
            g_autofree char *q =
                g_strdup_printf("{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/machine/"
                                "peripheral/channel%zu\",\"property\":\"name\"}}",
                                c);

            if (!domainChrIsAgentChannel(def->channels[c]))
                continue;
            reply = testQMPCommand(&qmp, q);
            g_assert_cmpstr(qvJSONGetString(qvJSONObjectGet(reply, "return")), ==,
                            "org.qemu.guest_agent.0");
            qvJSONFree(reply);
            g_assert_true(qvFileExists(def->channels[c]->source.path));
        }
    }

    qvJSONFree(testQMPCommand(&qmp, "{\"execute\":\"quit\"}"));
    close(qmp.fd);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    g_spawn_close_pid(pid);
    g_string_free(qmp.buf, TRUE);
}

static char *testImage(const char *file)
{
    return g_build_filename(testDir, file, NULL);
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
    const char *chardevs[] = { "charchannel0",
                               "domain-1-agent-guest/org.qemu.guest_agent.0",
                               "charserial0",
                               "file",
                               "charmonitor",
                               "monitor.sock",
                               NULL };

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

    testLive("q35", xml, NULL);
}

int main(int argc, char **argv)
{
    const char *qemu = QEMU_DEFAULT_EMULATOR;
    int ret;

    testInit(&argc, &argv);
    if (!g_file_test(qemu, G_FILE_TEST_IS_EXECUTABLE)) {
        /* never skipped: a missing QEMU is a broken test machine */
        printf("1..1\nnot ok 1 - %s is not installed (apt-get install qemu-system-x86)\n", qemu);
        return 1;
    }
    testDir = g_dir_make_tmp("qvlive-XXXXXX", NULL);
    {
        g_autofree char *base = testImage("base.raw");
        g_autofree char *mid = testImage("mid.qcow2");
        g_autofree char *top = testImage("top.qcow2");
        g_autofree char *guest = testImage("guest.qcow2");
        g_autofree char *q35 = testImage("q35.qcow2");
        g_autofree char *scsi = testImage("scsi.qcow2");
        g_autofree char *sata = testImage("sata.raw");
        g_autofree char *iso = testImage("cd,1.iso");
        const char *c1[] = { "qemu-img", "create", "-q", "-f", "raw", base, "16M", NULL };
        const char *c2[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F",
                             "raw",      "-b",     base, mid,  NULL };
        const char *c3[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F",
                             "qcow2",    "-b",     mid,  top,  NULL };
        const char *c4[] = { "qemu-img", "create", "-q", "-f", "qcow2", guest, "16M", NULL };
        const char *c5[] = { "qemu-img", "create", "-q", "-f", "qcow2", q35, "16M", NULL };
        const char *c6[] = { "qemu-img", "create", "-q", "-f", "qcow2", scsi, "16M", NULL };
        const char *c7[] = { "qemu-img", "create", "-q", "-f", "raw", sata, "16M", NULL };
        const char *c8[] = { "qemu-img", "create", "-q", "-f", "raw", iso, "1M", NULL };

        testRun(c1);
        testRun(c2);
        testRun(c3);
        testRun(c4);
        testRun(c5);
        testRun(c6);
        testRun(c7);
        testRun(c8);
    }
    g_test_add_func("/qemu-live/agent-guest", testAgentGuest);
    g_test_add_func("/qemu-live/everything-pc", testEverythingPC);
    g_test_add_func("/qemu-live/q35", testQ35);
    ret = g_test_run();
    if (testRemoveTree(testDir) < 0)
        ret = 1;
    return ret;
}
