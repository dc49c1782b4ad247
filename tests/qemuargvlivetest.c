/* qemuargvlivetest.c: the command lines qvirt builds, run by the real QEMU: it must start
 * (paused, -S), answer QMP, show the devices and sockets we asked for, and quit cleanly. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domain_conf.h"
#include "qemu_command.h"
#include "qvfile.h"
#include "qveventthread.h"
#include "qvjson.h"
#include "qemu_monitor.h"
#include "testutils.h"

static char *testDir;

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

static void testOnEOF(qemuMonitor *mon, void *opaque)
{
    g_atomic_int_set((gint *)opaque, 1);
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
    g_autoptr(qvEventThread) et = qvEventThreadNew("live-test");
    g_autoptr(qvJSONValue) chardevs = NULL;
    g_autoptr(GHashTable) frontends = NULL;
    g_autofree char *status = NULL;
    qemuMonitorCallbacks cb = { .eof = testOnEOF };
    qemuMonitor *mon;
    gint eof = 0;
    bool running = true;
    GPid pid;
    int logfd, wstatus, i;
    size_t c;

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

    mon = qemuMonitorOpen(monitor, qvEventThreadGetContext(et), 30000, &cb, &eof);
    if (!mon) {
        g_autofree char *log = testLoadFile(logPath);

        g_test_message("%s: QEMU refused the command line or never answered: %s\n%s", name,
                       testLastError(), log);
        kill(pid, SIGKILL);
        g_assert_not_reached();
    }

    /* machine init completed: every -device was accepted */
    g_assert_cmpint(qemuMonitorQueryStatus(mon, &running, &status), ==, 0);
    g_assert_false(running);
    g_assert_cmpstr(status, ==, "prelaunch");

    /* the chardevs, with the socket paths qvirt chose */
    g_assert_cmpint(qemuMonitorCommand(mon, "query-chardev", NULL, 0, &chardevs), ==, 0);
    for (i = 0; expectChardevs && expectChardevs[i]; i += 2) {
        size_t j;
        bool found = false;

        for (j = 0; j < qvJSONArraySize(chardevs); j++) {
            qvJSONValue *dev = qvJSONArrayGet(chardevs, j);

            if (STREQ(qvJSONGetString(qvJSONObjectGet(dev, "label")), expectChardevs[i])) {
                const char *fn = qvJSONGetString(qvJSONObjectGet(dev, "filename"));

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
    g_assert_cmpint(qemuMonitorGetChardevFrontends(mon, &frontends), ==, 0);
    g_assert_nonnull(g_hash_table_lookup(frontends, "charmonitor"));

    /* the agent port has the id QEMU's VSERPORT_CHANGE events need, and its name */
    for (c = 0; c < def->nchannels; c++) {
        g_autoptr(qvJSONValue) args = qvJSONNewObject();
        g_autoptr(qvJSONValue) ret = NULL;
        g_autofree char *path = g_strdup_printf("/machine/peripheral/channel%zu", c);

        if (!domainChrIsAgentChannel(def->channels[c]))
            continue;
        qvJSONObjectAdd(args, "s:path", path, "s:property", "name", NULL);
        g_assert_cmpint(qemuMonitorCommand(mon, "qom-get", g_steal_pointer(&args), 0, &ret), ==, 0);
        g_assert_cmpstr(qvJSONGetString(ret), ==, "org.qemu.guest_agent.0");
        g_assert_true(qvFileExists(def->channels[c]->source.path));
        /* QEMU reports the port's state; no guest has opened it */
        {
            g_autofree char *label = g_strdup_printf("charchannel%zu", c);

            g_assert_cmpstr(g_hash_table_lookup(frontends, label), ==, "0");
        }
    }

    /* an unknown command is a typed "unsupported" from the real QEMU */
    g_assert_cmpint(qemuMonitorSimple(mon, "x-no-such-command"), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_UNSUPPORTED);

    /* QEMU may close the socket before its reply to quit is read: then the command
     * fails with the monitor's EOF, which is what quitting means */
    if (qemuMonitorSimple(mon, "quit") < 0)
        g_assert_nonnull(
            strstr(qvGetLastErrorMessage(), "QEMU monitor closed while running 'quit'"));
    g_assert_cmpint(waitpid(pid, &wstatus, 0), ==, pid);
    g_assert_true(WIFEXITED(wstatus));
    g_assert_cmpint(WEXITSTATUS(wstatus), ==, 0);
    /* QEMU exiting closes the monitor: the client reports EOF */
    for (i = 0; i < 200 && !g_atomic_int_get(&eof); i++)
        g_usleep(10000);
    g_assert_cmpint(g_atomic_int_get(&eof), ==, 1);
    qemuMonitorClose(mon);
    g_spawn_close_pid(pid);
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
