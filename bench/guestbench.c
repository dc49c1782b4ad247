/* guestbench.c: the real test guest under qvirt: guest-ping round trips through
 * qvDomainQemuAgentCommand beside a raw socket client on the same agent channel in the
 * same run (the floor), the time from an agent shutdown request to "shut off", the time
 * from start to a connected agent, and the latency of one-shot qvsh commands. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <qvirt/qvirt.h>

#include "benchutil.h"

#define NAME "bench"

static int blocks = 10;
static int perBlock = 200;
static int shutdowns = 3;
static int oneshots = 20;

static char *root;
static char *uri;

static void die(const char *what)
{
    fprintf(stderr, "guestbench: %s: %s\n", what, qvGetLastErrorMessage());
    exit(1);
}

static char *domainXML(const char *guest)
{
    return g_strdup_printf(
        "<domain type='qemu'><name>" NAME "</name><memory unit='MiB'>256</memory>"
        "<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type>"
        "<kernel>%s/vmlinuz</kernel><initrd>%s/initramfs.cpio.gz</initrd>"
        "<cmdline>console=ttyS0 quiet i8042.noaux i8042.nokbd</cmdline></os>"
        "<features><acpi/></features><on_poweroff>destroy</on_poweroff>"
        "<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s/disk.qcow2'/><target dev='vda' bus='virtio'/></disk>"
        "<serial type='file'><source path='%s/console.log'/><target port='0'/></serial>"
        "<channel type='unix'><source mode='bind'/>"
        "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
        "<memballoon model='none'/></devices></domain>",
        guest, guest, root, root);
}

/* Start the domain and wait for its agent channel; returns ms from start to connected. */
static double bootAndWait(qvDomainPtr dom)
{
    gint64 t0 = benchNowNs();
    gint64 deadline = t0 + 60 * (gint64)G_USEC_PER_SEC * 1000;

    if (qvDomainCreate(dom) < 0)
        die("start");
    for (;;) {
        g_autofree char *xml = qvDomainGetXMLDesc(dom, 0);

        if (xml && strstr(xml, "name='org.qemu.guest_agent.0' state='connected'"))
            return (benchNowNs() - t0) / 1e6;
        if (benchNowNs() > deadline) {
            fprintf(stderr, "guestbench: the agent did not connect within 60 s\n");
            exit(1);
        }
        g_usleep(10000);
    }
}

/* The socket every client of a running domain's agent uses: the supervisor's relay
 * (it holds QEMU's own socket for the whole run). */
static char *relayPath(void)
{
    g_autofree char *dir = g_build_filename(root, "run", "qemu", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *e;

    while (d && (e = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, e, "agent.sock", NULL);

        if (g_str_has_prefix(e, "domain-") && g_file_test(p, G_FILE_TEST_EXISTS))
            return g_steal_pointer(&p);
    }
    return NULL;
}

static char *agentPath(qvDomainPtr dom)
{
    g_autofree char *xml = qvDomainGetXMLDesc(dom, 0);
    const char *end = xml ? strstr(xml, "/org.qemu.guest_agent.0'") : NULL;
    const char *start = end;

    if (!end)
        die("agent path");
    while (start > xml && *(start - 1) != '\'')
        start--;
    return g_strndup(start, (size_t)(end - start) + strlen("/org.qemu.guest_agent.0"));
}

/* One block through the API, on a connection of its own: closing it lets go of the
 * agent channel, which QEMU serves to one client at a time. */
static void apiBlock(GArray *samples)
{
    qvConnectPtr conn = qvConnectOpen(uri);
    qvDomainPtr dom = conn ? qvDomainLookupByName(conn, NAME) : NULL;
    char *reply;
    int i;

    if (!dom)
        die("lookup");
    /* the first call connects and syncs: not a round trip */
    if (!(reply = qvDomainQemuAgentCommand(dom, "{\"execute\":\"guest-ping\"}", -1, 0)))
        die("ping");
    free(reply);
    for (i = 0; i < perBlock; i++) {
        gint64 t0 = benchNowNs(), dt;

        if (!(reply = qvDomainQemuAgentCommand(dom, "{\"execute\":\"guest-ping\"}", -1, 0)))
            die("ping");
        dt = benchNowNs() - t0;
        free(reply);
        g_array_append_val(samples, dt);
    }
    qvDomainFree(dom);
    qvConnectClose(conn);
}

static double median(GArray *a)
{
    return benchQuantileUs(a, 0.5);
}

/* Wall time of a whole process, in ns. */
static gint64 timeProcess(char **argv)
{
    g_autoptr(GError) err = NULL;
    gint64 t0 = benchNowNs();
    int status;

    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, NULL, NULL, &status, &err) ||
        !g_spawn_check_wait_status(status, NULL)) {
        fprintf(stderr, "guestbench: %s failed\n", argv[0]);
        exit(1);
    }
    return benchNowNs() - t0;
}

int main(int argc, char **argv)
{
    GOptionEntry entries[] = {
        { "blocks", 0, 0, G_OPTION_ARG_INT, &blocks, "ping blocks per client", "N" },
        { "per-block", 0, 0, G_OPTION_ARG_INT, &perBlock, "pings per block", "N" },
        { "shutdowns", 0, 0, G_OPTION_ARG_INT, &shutdowns, "boot/shutdown cycles", "N" },
        { "oneshots", 0, 0, G_OPTION_ARG_INT, &oneshots, "qvsh processes per command", "N" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) octx = g_option_context_new(NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) raw = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GArray) api = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GArray) toEvent = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GArray) toOff = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GArray) boots = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autofree char *guest = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *path = NULL;
    g_autofree char *script =
        g_build_filename(ABS_TOP_SRCDIR, "tests", "guest", "build-guest.sh", NULL);
    /* the binary itself, not libtool's wrapper script (which costs a shell): what an
     * installed qvsh costs */
    g_autofree char *qvsh = g_build_filename(ABS_TOP_BUILDDIR, "tools", ".libs", "qvsh", NULL);
    g_autofree char *libdir = g_build_filename(ABS_TOP_BUILDDIR, "src", ".libs", NULL);
    g_autofree char *overlayBase = NULL;
    qvConnectPtr conn;
    qvDomainPtr dom = NULL;
    int status, i;
    double rawMed, apiMed;

    if (!g_file_test(qvsh, G_FILE_TEST_IS_EXECUTABLE)) {
        g_free(qvsh);
        qvsh = g_build_filename(ABS_TOP_BUILDDIR, "tools", "qvsh", NULL);
    } else {
        g_setenv("LD_LIBRARY_PATH", libdir, TRUE);
    }
    g_option_context_add_main_entries(octx, entries, NULL);
    if (!g_option_context_parse(octx, &argc, &argv, &err)) {
        fprintf(stderr, "guestbench: %s\n", err->message);
        return 2;
    }
    {
        char *sargv[] = { script, NULL };

        if (!g_spawn_sync(NULL, sargv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &guest, NULL,
                          &status, &err) ||
            !g_spawn_check_wait_status(status, NULL)) {
            fprintf(stderr, "guestbench: cannot build the test guest (run %s)\n", script);
            return 1;
        }
        g_strstrip(guest);
    }
    root = g_dir_make_tmp("qvbench-XXXXXX", NULL);
    uri = g_strdup_printf("qvirt:///embed?root=%s", root);
    overlayBase = g_strdup_printf("%s/disk.qcow2", guest);
    {
        g_autofree char *overlay = g_strdup_printf("%s/disk.qcow2", root);
        char *qargv[] = { (char *)"qemu-img",
                          (char *)"create",
                          (char *)"-q",
                          (char *)"-f",
                          (char *)"qcow2",
                          (char *)"-F",
                          (char *)"qcow2",
                          (char *)"-b",
                          overlayBase,
                          overlay,
                          NULL };

        if (!g_spawn_sync(NULL, qargv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                          NULL) ||
            !g_spawn_check_wait_status(status, NULL)) {
            fprintf(stderr, "guestbench: qemu-img failed\n");
            return 1;
        }
    }
    xml = domainXML(guest);
    if (!(conn = qvConnectOpen(uri)) || !(dom = qvDomainDefineXML(conn, xml)))
        die("define");

    printf("test guest under TCG, qemu-ga 7.2 inside; %d x %d pings per client\n", blocks,
           perBlock);
    {
        double ms = bootAndWait(dom);
        gint64 ns = (gint64)(ms * 1e6);

        g_array_append_val(boots, ns);
    }
    if (!(path = relayPath()))
        path = agentPath(dom);
    qvDomainFree(dom);
    qvConnectClose(conn); /* lets go of the agent channel */

    for (i = 0; i < blocks; i++) {
        benchRawPingBlock(path, perBlock, raw);
        apiBlock(api);
    }
    rawMed = median(raw);
    apiMed = median(api);
    printf("guest-ping round trips (both on the agent socket qvirt uses: %s)\n",
           strstr(path, "agent.sock") ? "the supervisor's relay" : "QEMU's");
    printf("                                          median        p99\n");
    printf("  raw socket client (floor)           %9.1f us %9.1f us\n", rawMed,
           benchQuantileUs(raw, 0.99));
    printf("  qvDomainQemuAgentCommand            %9.1f us %9.1f us\n", apiMed,
           benchQuantileUs(api, 0.99));
    printf("  ratio to the floor                  %9.2fx  %9.2fx   (target <= 1.15x)\n",
           apiMed / rawMed, benchQuantileUs(api, 0.99) / benchQuantileUs(raw, 0.99));

    /* freeze and thaw through the API: each call, and the window the guest stays frozen
     * when nothing happens in between (the floor of a quiesced snapshot) */
    {
        g_autoptr(GArray) tFreeze = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) tThaw = g_array_new(FALSE, FALSE, sizeof(gint64));
        qvConnectPtr fconn = qvConnectOpen(uri);
        qvDomainPtr fdom = fconn ? qvDomainLookupByName(fconn, NAME) : NULL;

        if (!fdom)
            die("lookup");
        for (i = 0; i < 5; i++) {
            gint64 t0 = benchNowNs(), t1, t2;

            if (qvDomainFSFreeze(fdom, NULL, 0, 0) < 0)
                die("freeze");
            t1 = benchNowNs();
            if (qvDomainFSThaw(fdom, NULL, 0, 0) < 0)
                die("thaw");
            t2 = benchNowNs();
            t2 -= t1;
            t1 -= t0;
            g_array_append_val(tFreeze, t1);
            g_array_append_val(tThaw, t2);
        }
        printf("filesystem freeze and thaw (median of 5; the first freeze of a mount is slower)\n");
        printf("  qvDomainFSFreeze (guard armed first) %8.2f ms\n", median(tFreeze) / 1000);
        printf("  qvDomainFSThaw (verified, disarmed)  %8.2f ms\n", median(tThaw) / 1000);
        qvDomainFree(fdom);
        qvConnectClose(fconn);
    }

    /* disk-only snapshots: crash-consistent (the floor), then quiesced through the agent,
     * with the frozen window each one recorded */
    {
        g_autoptr(GArray) tPlain = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) tQuiesced = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) tWindow = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) tSent = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) tQemu = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) tOwn = g_array_new(FALSE, FALSE, sizeof(gint64));
        qvConnectPtr sconn = qvConnectOpen(uri);
        qvDomainPtr sdom = sconn ? qvDomainLookupByName(sconn, NAME) : NULL;

        if (!sdom)
            die("lookup");
        for (i = 0; i < 10; i++) {
            bool quiesce = i % 2;
            g_autofree char *sxml =
                g_strdup_printf("<domainsnapshot><name>b%d</name></domainsnapshot>", i);
            unsigned int flags = QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY |
                                 QV_DOMAIN_SNAPSHOT_CREATE_ATOMIC |
                                 (quiesce ? QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE : 0);
            gint64 t0 = benchNowNs(), dt;
            qvDomainSnapshotPtr snap = qvDomainSnapshotCreateXML(sdom, sxml, flags);

            if (!snap)
                die("snapshot");
            dt = benchNowNs() - t0;
            g_array_append_val(quiesce ? tQuiesced : tPlain, dt);
            if (quiesce) {
                g_autofree char *desc = qvDomainSnapshotGetXMLDesc(snap, 0);
                const char *w = desc ? strstr(desc, "window-us='") : NULL;
                gint64 ns;

                if (!w)
                    die("the snapshot's frozen window");
                ns = g_ascii_strtoll(w + strlen("window-us='"), NULL, 10) * 1000;
                g_array_append_val(tWindow, ns);
            }
            qvDomainSnapshotFree(snap);
        }
        /* the supervisor logs each switch: the part of the window that is qvirt's own
         * (the freeze's reply to the thaw sent: the transaction and nothing else) */
        {
            g_autofree char *log = g_strdup_printf("%s/log/qemu/%s.log", root, NAME);
            g_autofree char *text = NULL;
            g_auto(GStrv) lines = NULL;
            size_t k;

            if (!g_file_get_contents(log, &text, NULL, NULL))
                die("the domain's log");
            lines = g_strsplit(text, "\n", -1);
            for (k = 0; lines[k]; k++) {
                const char *w = strstr(lines[k], "(thaw sent after ");
                const char *q = strstr(lines[k], "QEMU's transaction ");
                gint64 ns, qns;

                if (!strstr(lines[k], "snapshot switch: switched; 1") || !w || !q)
                    continue;
                ns = (gint64)(g_ascii_strtod(w + strlen("(thaw sent after "), NULL) * 1e6);
                qns = (gint64)(g_ascii_strtod(q + strlen("QEMU's transaction "), NULL) * 1e6);
                g_array_append_val(tSent, ns);
                g_array_append_val(tQemu, qns);
                ns -= qns;
                g_array_append_val(tOwn, ns);
            }
            if (tSent->len != tQuiesced->len)
                die("the supervisor's log of each quiesced switch");
        }
        printf("disk-only snapshot, one QMP transaction (median of 5 each)\n");
        printf("  crash-consistent                    %9.1f ms\n", median(tPlain) / 1000);
        printf("  quiesced (sync, freeze, switch, thaw) %7.1f ms\n", median(tQuiesced) / 1000);
        printf("  frozen window (frozen to verified thaw) %5.1f ms\n", median(tWindow) / 1000);
        printf("  ... frozen to thaw sent                %6.2f ms\n", median(tSent) / 1000);
        printf("  ... of which QEMU's transaction (floor) %5.2f ms\n", median(tQemu) / 1000);
        printf("  ... and qvirt's own                    %6.2f ms\n", median(tOwn) / 1000);
        qvDomainFree(sdom);
        qvConnectClose(sconn);
    }

    /* one-shot qvsh processes, against spawning /bin/true (the floor of any process) */
    {
        g_autoptr(GArray) tTrue = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) tState = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) tPing = g_array_new(FALSE, FALSE, sizeof(gint64));
        char *trueArgv[] = { (char *)"/bin/true", NULL };
        char *stateArgv[] = { qvsh, (char *)"-c", uri, (char *)"domstate", (char *)NAME, NULL };
        char *pingArgv[] = { qvsh,         (char *)"-c",
                             uri,          (char *)"qemu-agent-command",
                             (char *)NAME, (char *)"{\"execute\":\"guest-ping\"}",
                             NULL };

        for (i = 0; i < oneshots; i++) {
            gint64 t;

            t = timeProcess(trueArgv);
            g_array_append_val(tTrue, t);
            t = timeProcess(stateArgv);
            g_array_append_val(tState, t);
            t = timeProcess(pingArgv);
            g_array_append_val(tPing, t);
        }
        printf("one-shot processes (median of %d)\n", oneshots);
        printf("  /bin/true (floor)                   %9.2f ms\n", median(tTrue) / 1000);
        printf("  qvsh domstate                       %9.2f ms\n", median(tState) / 1000);
        printf("  qvsh qemu-agent-command guest-ping  %9.2f ms\n", median(tPing) / 1000);
    }

    /* shutdown --mode agent until shut off; each cycle boots the guest again */
    if (!(conn = qvConnectOpen(uri)) || !(dom = qvDomainLookupByName(conn, NAME)))
        die("lookup");
    for (i = 0; i < shutdowns; i++) {
        gint64 t0, t1, t2;
        int state = 0;

        if (i > 0) {
            double ms = bootAndWait(dom);
            gint64 ns = (gint64)(ms * 1e6);

            g_array_append_val(boots, ns);
        }
        t0 = benchNowNs();
        if (qvDomainShutdownFlags(dom, QV_DOMAIN_SHUTDOWN_GUEST_AGENT) < 0)
            die("shutdown");
        t1 = benchNowNs() - t0;
        do {
            if (qvDomainGetState(dom, &state, NULL, 0) < 0)
                die("state");
            if (state != QV_DOMAIN_SHUTOFF)
                g_usleep(1000);
        } while (state != QV_DOMAIN_SHUTOFF && benchNowNs() - t0 < 30 * (gint64)1000000000);
        t2 = benchNowNs() - t0;
        g_array_append_val(toEvent, t1);
        g_array_append_val(toOff, t2);
    }
    printf("shutdown --mode agent (median of %d)\n", shutdowns);
    printf("  request returns (QEMU's SHUTDOWN)   %9.1f ms\n", median(toEvent) / 1000);
    printf("  domain shut off                     %9.1f ms\n", median(toOff) / 1000);
    printf("start until the agent is connected    %9.1f ms (median of %u boots)\n",
           median(boots) / 1000, boots->len);

    qvDomainUndefine(dom);
    qvDomainFree(dom);
    qvConnectClose(conn);
    {
        char *rmArgv[] = { (char *)"rm", (char *)"-rf", root, NULL };

        g_spawn_sync(NULL, rmArgv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    }
    return 0;
}
