/* daemonbench.c: guest-ping through libvirt's own C client -> qvirtd -> the guest agent,
 * and through qvirt's own client (libqvirt's qvirt+unix driver) -> qvirtd -> the agent,
 * against a raw socket client on the same agent socket in the same run (median, p99,
 * ratio), and qvirtd's resident memory idle, with the test guest, and with 20 more booted
 * test guests whose agents it uses. */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <qvirt/qvirt.h>

#include "benchutil.h"

#define NAME "benchguest"
#define MANY 20

static int blocks = 10;
static int perBlock = 200;
static char *dir;
static char *uri;
static GPid daemonPid;

static void die(const char *what)
{
    fprintf(stderr, "daemonbench: %s: %s\n", what, virGetLastErrorMessage());
    if (daemonPid)
        kill(daemonPid, SIGTERM);
    exit(1);
}

static long rssKiB(GPid pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    const char *p;

    if (!g_file_get_contents(path, &text, NULL, NULL) || !(p = strstr(text, "VmRSS:")))
        return -1;
    return strtol(p + strlen("VmRSS:"), NULL, 10);
}

/* The test guest's definition, on an overlay of its disk of its own (DIR/NAME.qcow2). */
static char *domainXML(const char *name, const char *guest, int mib)
{
    g_autofree char *base = g_strdup_printf("%s/disk.qcow2", guest);
    g_autofree char *overlay = g_strdup_printf("%s/%s.qcow2", dir, name);
    const char *argvImg[] = { "qemu-img", "create", "-q", "-f",    "qcow2", "-F",
                              "qcow2",    "-b",     base, overlay, NULL };
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argvImg, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                      &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL))
        die("qemu-img create");
    return g_strdup_printf(
        "<domain type='qemu'><name>%s</name><memory unit='MiB'>%d</memory><vcpu>1</vcpu>"
        "<os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s/vmlinuz</kernel>"
        "<initrd>%s/initramfs.cpio.gz</initrd><cmdline>console=ttyS0 quiet</cmdline></os>"
        "<features><acpi/></features><cpu mode='maximum'/><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
        "<memballoon model='none'/></devices></domain>",
        name, mib, guest, guest, overlay);
}

/* Whether the domain's agent channel is connected (from its live XML). */
static bool agentConnected(virDomainPtr dom)
{
    char *live = virDomainGetXMLDesc(dom, 0);
    bool yes = live && strstr(live, "name='org.qemu.guest_agent.0' state='connected'");

    free(live);
    return yes;
}

/* One block of pings through libvirt's client and the daemon; the connection is closed
 * after it, so that the daemon lets go of the agent for the raw client's block. */
static void daemonBlock(GArray *samples)
{
    virConnectPtr conn = virConnectOpen(uri);
    virDomainPtr dom = conn ? virDomainLookupByName(conn, NAME) : NULL;
    char *reply;
    int i;

    if (!dom)
        die("lookup");
    /* the first call connects the daemon to the agent and syncs: not a round trip */
    if (!(reply = virDomainQemuAgentCommand(dom, "{\"execute\":\"guest-ping\"}", -1, 0)))
        die("ping");
    free(reply);
    for (i = 0; i < perBlock; i++) {
        gint64 t0 = benchNowNs(), dt;

        if (!(reply = virDomainQemuAgentCommand(dom, "{\"execute\":\"guest-ping\"}", -1, 0)))
            die("ping");
        dt = benchNowNs() - t0;
        free(reply);
        g_array_append_val(samples, dt);
    }
    virDomainFree(dom);
    virConnectClose(conn);
}

/* The same through qvirt's own client side of the protocol. */
static void qvirtBlock(GArray *samples)
{
    qvConnectPtr conn = qvConnectOpen(uri);
    qvDomainPtr dom = conn ? qvDomainLookupByName(conn, NAME) : NULL;
    char *reply;
    int i;

    if (!dom)
        die("qvirt lookup");
    if (!(reply = qvDomainQemuAgentCommand(dom, "{\"execute\":\"guest-ping\"}", -1, 0)))
        die("qvirt ping");
    free(reply);
    for (i = 0; i < perBlock; i++) {
        gint64 t0 = benchNowNs(), dt;

        if (!(reply = qvDomainQemuAgentCommand(dom, "{\"execute\":\"guest-ping\"}", -1, 0)))
            die("qvirt ping");
        dt = benchNowNs() - t0;
        free(reply);
        g_array_append_val(samples, dt);
    }
    qvDomainFree(dom);
    qvConnectClose(conn);
}

static void quietErrors(void *opaque, virErrorPtr err)
{
}

int main(int argc, char **argv)
{
    g_autofree char *qvirtd = g_build_filename(ABS_TOP_BUILDDIR, "daemon", "qvirtd", NULL);
    g_autofree char *script =
        g_build_filename(ABS_TOP_SRCDIR, "tests", "guest", "build-guest.sh", NULL);
    g_autofree char *guest = NULL;
    g_autofree char *sock = NULL;
    g_autofree char *root = NULL;
    g_autofree char *relay = NULL;
    g_autoptr(GArray) raw = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GArray) viaDaemon = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GArray) viaQvirt = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GError) err = NULL;
    virConnectPtr conn;
    virDomainPtr dom;
    long rssIdle, rssOne, rssMany;
    double rawMed, dMed, qMed;
    int i;

    if (argc > 1)
        blocks = atoi(argv[1]);
    virSetErrorFunc(NULL, quietErrors);
    dir = g_dir_make_tmp("qvdbench-XXXXXX", &err);
    if (!dir) {
        fprintf(stderr, "daemonbench: %s\n", err->message);
        return 1;
    }
    root = g_build_filename(dir, "root", NULL);
    sock = g_build_filename(dir, "sock", NULL);
    uri = g_strdup_printf("qvirt+unix:///system?socket=%s", sock);
    {
        const char *argvGuest[] = { script, NULL };
        int status = 0;

        if (!g_spawn_sync(NULL, (char **)argvGuest, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                          &guest, NULL, &status, NULL) ||
            !g_spawn_check_wait_status(status, NULL)) {
            fprintf(stderr, "daemonbench: cannot build the test guest (run %s)\n", script);
            return 1;
        }
        g_strstrip(guest);
    }
    {
        const char *argvD[] = { qvirtd, "--root", root, "--socket", sock, "--no-socket-ro", NULL };

        if (!g_spawn_async(NULL, (char **)argvD, NULL,
                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                           &daemonPid, &err)) {
            fprintf(stderr, "daemonbench: %s\n", err->message);
            return 1;
        }
    }
    for (i = 0; i < 100 && !(conn = virConnectOpen(uri)); i++)
        g_usleep(100 * 1000);
    if (!conn)
        die("connect");
    g_usleep(500 * 1000);
    rssIdle = rssKiB(daemonPid);

    {
        g_autofree char *xml = domainXML(NAME, guest, 256);

        if (!(dom = virDomainDefineXML(conn, xml)) || virDomainCreate(dom) < 0)
            die("start");
    }
    for (i = 0; i < 600 && !agentConnected(dom); i++)
        g_usleep(100 * 1000);
    if (i == 600)
        die("the agent did not connect within 60 s");
    virDomainFree(dom);
    virConnectClose(conn); /* the daemon lets go of the agent */
    relay = g_strdup_printf("%s/run/qemu/domain-1-%s/agent.sock", root, NAME);

    printf("test guest under TCG, qemu-ga 7.2 inside; %d x %d pings per client\n", blocks,
           perBlock);
    for (i = 0; i < blocks; i++) {
        benchRawPingBlock(relay, perBlock, raw);
        daemonBlock(viaDaemon);
        qvirtBlock(viaQvirt);
    }
    rssOne = rssKiB(daemonPid);
    rawMed = benchQuantileUs(raw, 0.5);
    dMed = benchQuantileUs(viaDaemon, 0.5);
    qMed = benchQuantileUs(viaQvirt, 0.5);
    printf("guest-ping: libvirt's C client -> qvirtd -> agent, against a raw client on the same\n"
           "agent socket (the supervisor's relay)\n");
    printf("                                          median        p99\n");
    printf("  raw socket client (floor)           %9.1f us %9.1f us\n", rawMed,
           benchQuantileUs(raw, 0.99));
    printf("  virDomainQemuAgentCommand via qvirtd %8.1f us %9.1f us\n", dMed,
           benchQuantileUs(viaDaemon, 0.99));
    printf("  ratio to the floor                  %9.2fx  %9.2fx   (target <= 1.3x)\n",
           dMed / rawMed, benchQuantileUs(viaDaemon, 0.99) / benchQuantileUs(raw, 0.99));
    printf("  qvDomainQemuAgentCommand via qvirtd %9.1f us %9.1f us\n", qMed,
           benchQuantileUs(viaQvirt, 0.99));
    printf("  ratio to the floor                  %9.2fx  %9.2fx   (target <= 1.3x)\n",
           qMed / rawMed, benchQuantileUs(viaQvirt, 0.99) / benchQuantileUs(raw, 0.99));

    /* where the time goes: the RPC alone (answered in the I/O thread), and a call that
     * goes through a worker and the driver but not the agent */
    {
        g_autoptr(GArray) rpc = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) worker = g_array_new(FALSE, FALSE, sizeof(gint64));
        virConnectPtr c = virConnectOpen(uri);
        virDomainPtr d = c ? virDomainLookupByName(c, NAME) : NULL;
        int state, reason;

        if (!d)
            die("lookup");
        for (i = 0; i < blocks * perBlock; i++) {
            gint64 t0 = benchNowNs(), t1, t2;

            char *host = virConnectGetHostname(c);

            if (!host)
                die("hostname");
            free(host);
            t1 = benchNowNs();
            if (virDomainGetState(d, &state, &reason, 0) < 0)
                die("state");
            t2 = benchNowNs();
            t2 -= t1;
            t1 -= t0;
            g_array_append_val(rpc, t1);
            g_array_append_val(worker, t2);
        }
        printf("  for comparison: virConnectGetHostname (I/O thread) %.1f us; virDomainGetState "
               "(worker) %.1f us\n",
               benchQuantileUs(rpc, 0.5), benchQuantileUs(worker, 0.5));
        virDomainFree(d);
        virConnectClose(c);
    }

    /* 20 more test guests, booted, each agent connected and used once through the
     * daemon (which then holds 21 monitor and agent connections): its cost per domain */
    if (!(conn = virConnectOpen(uri)))
        die("connect");
    {
        virDomainPtr doms[MANY + 1];
        int connected = 0, n;
        gint64 t0 = g_get_monotonic_time();

        for (i = 0; i < MANY; i++) {
            g_autofree char *name = g_strdup_printf("guest%02d", i);
            g_autofree char *xml = domainXML(name, guest, 128);

            if (!(doms[i] = virDomainDefineXML(conn, xml)) || virDomainCreate(doms[i]) < 0)
                die("start one of the 20 guests");
        }
        if (!(doms[MANY] = virDomainLookupByName(conn, NAME)))
            die("lookup");
        while (connected < MANY && g_get_monotonic_time() - t0 < 300 * G_USEC_PER_SEC) {
            for (i = 0, connected = 0; i < MANY; i++)
                connected += agentConnected(doms[i]);
            g_usleep(500 * 1000);
        }
        for (i = 0, n = 0; i <= MANY; i++) {
            char *reply = virDomainQemuAgentCommand(doms[i], "{\"execute\":\"guest-ping\"}", -1, 0);

            n += reply != NULL;
            free(reply);
        }
        printf("qvirtd resident memory\n");
        printf("  idle                                %9ld KiB\n", rssIdle);
        printf("  with the test guest, after its pings %8ld KiB\n", rssOne);
        rssMany = rssKiB(daemonPid);
        printf("  with %d booted guests, %d agents used %6ld KiB  (+%.0f KiB per guest; all booted "
               "in %.0f s)\n",
               MANY + 1, n, rssMany, (double)(rssMany - rssOne) / MANY,
               (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
        for (i = 0; i < MANY; i++) {
            virDomainDestroy(doms[i]);
            virDomainUndefine(doms[i]);
            virDomainFree(doms[i]);
        }
        virDomainFree(doms[MANY]);
    }
    if ((dom = virDomainLookupByName(conn, NAME))) {
        virDomainDestroy(dom);
        virDomainFree(dom);
    }
    virConnectClose(conn);
    kill(daemonPid, SIGTERM);
    waitpid(daemonPid, NULL, 0);
    {
        const char *argvRm[] = { "rm", "-rf", dir, NULL };

        g_spawn_sync(NULL, (char **)argvRm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                     NULL);
    }
    return 0;
}
