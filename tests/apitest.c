/* apitest.c: the public API as a program linked to the installed library would use it:
 * connections, define/lookup/list/undefine, typed errors, persistence under the root. */
#include <config.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include <glib/gstdio.h>

#include "testutils.h"

static char *testRoot;

static const char *domainXML = "<domain type='qemu'>\n"
                               "  <name>api</name>\n"
                               "  <uuid>11111111-2222-3333-4444-555555555555</uuid>\n"
                               "  <memory unit='MiB'>128</memory>\n"
                               "  <os><type>hvm</type></os>\n"
                               "  <devices>\n"
                               "    <channel type='unix'>\n"
                               "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
                               "    </channel>\n"
                               "  </devices>\n"
                               "</domain>\n";

static char *testURI(void)
{
    return g_strdup_printf("qvirt:///embed?root=%s", testRoot);
}

/* A listing of every path under the root, to prove a failed call changed nothing. */
static void testTreeList(const char *dir, GString *out)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry;

    if (!d)
        return;
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, entry, NULL);
        g_autofree char *data = NULL;
        gsize len = 0;

        g_string_append_printf(out, "%s\n", path);
        if (g_file_test(path, G_FILE_TEST_IS_DIR))
            testTreeList(path, out);
        else if (g_file_get_contents(path, &data, &len, NULL))
            g_string_append_printf(out, "  %zu bytes, hash %u\n", len, g_str_hash(data));
    }
}

static char *testTree(void)
{
    GString *out = g_string_new(NULL);

    testTreeList(testRoot, out);
    return g_string_free(out, FALSE);
}

static void testOpenErrors(void)
{
    g_autofree char *bogus = g_strdup_printf("qvirt:///embed?root=%s&bogus=1", testRoot);

    g_assert_null(qvConnectOpen("qemu:///system"));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_NO_CONNECT);
    g_assert_nonnull(strstr(qvGetLastErrorMessage(), "qemu:///system"));
    g_assert_null(qvConnectOpen(bogus));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(qvGetLastErrorMessage(), "unknown parameter 'bogus'"));
    g_assert_null(qvConnectOpen("::not a uri"));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);
    g_assert_cmpint(qvConnectClose(NULL), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_CONN);
}

static void testDefineLookupUndefine(void)
{
    g_autofree char *uri = testURI();
    qvConnectPtr conn = qvConnectOpen(uri);
    qvDomainPtr dom, dom2;
    qvDomainPtr *doms = NULL;
    g_autofree char *xml = NULL;
    char uuid[QV_UUID_STRING_BUFLEN];
    int state = -1, reason = -1;

    g_assert_nonnull(conn);
    g_assert_cmpstr(qvConnectGetType(conn), ==, "QEMU");
    /* opening a connection creates nothing */
    g_assert_false(g_file_test(testRoot, G_FILE_TEST_EXISTS));

    dom = qvDomainDefineXML(conn, domainXML);
    g_assert_nonnull(dom);
    g_assert_cmpstr(qvDomainGetName(dom), ==, "api");
    g_assert_cmpint(qvDomainGetUUIDString(dom, uuid), ==, 0);
    g_assert_cmpstr(uuid, ==, "11111111-2222-3333-4444-555555555555");
    g_assert_cmpint(qvDomainIsActive(dom), ==, 0);
    g_assert_cmpint(qvDomainIsPersistent(dom), ==, 1);
    g_assert_cmpint(qvDomainGetState(dom, &state, &reason, 0), ==, 0);
    g_assert_cmpint(state, ==, QV_DOMAIN_SHUTOFF);
    g_assert_cmpint(qvDomainGetState(dom, &state, &reason, 1), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);
    g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                    "unsupported flags (0x1) in function qemuDomainGetState");

    xml = qvDomainGetXMLDesc(dom, 0);
    g_assert_nonnull(strstr(xml, "<target type='virtio' name='org.qemu.guest_agent.0'/>"));
    g_assert_nonnull(strstr(xml, "<source mode='bind'/>"));

    dom2 = qvDomainLookupByUUIDString(conn, uuid);
    g_assert_nonnull(dom2);
    g_assert_cmpstr(qvDomainGetName(dom2), ==, "api");
    qvDomainFree(dom2);
    g_assert_null(qvDomainLookupByName(conn, "nosuch"));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_NO_DOMAIN);
    g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                    "Domain not found: no domain with matching name 'nosuch'");
    g_assert_null(qvDomainLookupByID(conn, 1));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_NO_DOMAIN);
    g_assert_null(qvDomainLookupByUUIDString(conn, "xyz"));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);

    g_assert_cmpint(qvConnectListAllDomains(conn, &doms, 0), ==, 1);
    qvDomainFree(doms[0]);
    g_free(doms);
    g_assert_cmpint(qvConnectListAllDomains(conn, NULL, QV_CONNECT_LIST_DOMAINS_ACTIVE), ==, 0);
    g_assert_cmpint(qvConnectListAllDomains(conn, NULL,
                                            QV_CONNECT_LIST_DOMAINS_INACTIVE |
                                                QV_CONNECT_LIST_DOMAINS_PERSISTENT),
                    ==, 1);
    g_assert_cmpint(qvConnectListAllDomains(conn, NULL, QV_CONNECT_LIST_DOMAINS_TRANSIENT), ==, 0);
    g_assert_cmpint(qvConnectListAllDomains(conn, NULL, 1 << 20), ==, -1);

    g_assert_cmpint(qvDomainUndefineFlags(dom, 1 << 10), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);
    g_assert_cmpint(
        qvDomainUndefineFlags(dom, QV_DOMAIN_UNDEFINE_NVRAM | QV_DOMAIN_UNDEFINE_KEEP_NVRAM), ==,
        -1);
    g_assert_cmpint(qvDomainUndefine(dom), ==, 0);
    g_assert_null(qvDomainLookupByName(conn, "api"));
    g_assert_cmpint(qvDomainUndefine(dom), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_NO_DOMAIN);
    qvDomainFree(dom);
    g_assert_cmpint(qvConnectClose(conn), ==, 0);
}

static void testConflicts(void)
{
    g_autofree char *uri = testURI();
    qvConnectPtr conn = qvConnectOpen(uri);
    g_autofree char *otherName = NULL;
    qvDomainPtr dom;

    g_assert_nonnull(conn);
    dom = qvDomainDefineXML(conn, domainXML);
    g_assert_nonnull(dom);
    qvDomainFree(dom);

    /* same name, other UUID: refused */
    {
        g_auto(GStrv) parts = g_strsplit(domainXML, "11111111-2222-3333-4444-555555555555", 2);
        g_autofree char *xml = g_strjoinv("99999999-2222-3333-4444-555555555555", parts);

        g_assert_null(qvDomainDefineXML(conn, xml));
        g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_FAILED);
        g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                        "operation failed: domain 'api' already exists with uuid "
                        "11111111-2222-3333-4444-555555555555");
    }
    /* same UUID, other name: refused */
    {
        g_auto(GStrv) parts = g_strsplit(domainXML, "<name>api</name>", 2);

        otherName = g_strjoinv("<name>other</name>", parts);
        g_assert_null(qvDomainDefineXML(conn, otherName));
        g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_FAILED);
        g_assert_nonnull(
            strstr(qvGetLastErrorMessage(), "domain 'api' is already defined with uuid"));
    }
    /* the same again: a redefinition, not a conflict */
    dom = qvDomainDefineXMLFlags(conn, domainXML, QV_DOMAIN_DEFINE_VALIDATE);
    g_assert_nonnull(dom);
    qvDomainFree(dom);
    g_assert_null(qvDomainDefineXMLFlags(conn, domainXML, 2));
    g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                    "unsupported flags (0x2) in function qemuDomainDefineXMLFlags");
    g_assert_cmpint(qvConnectClose(conn), ==, 0);
}

/* Definitions survive the connection (and the process): a fresh open reads them back. */
static void testPersistence(void)
{
    g_autofree char *uri = testURI();
    qvConnectPtr conn = qvConnectOpen(uri);
    qvDomainPtr dom;

    g_assert_nonnull(conn);
    dom = qvDomainLookupByName(conn, "api");
    g_assert_nonnull(dom);
    g_assert_cmpint(qvDomainUndefine(dom), ==, 0);
    qvDomainFree(dom);
    g_assert_cmpint(qvConnectClose(conn), ==, 0);
}

static void testFailuresLeaveRootUnchanged(void)
{
    g_autofree char *uri = testURI();
    qvConnectPtr conn = qvConnectOpen(uri);
    qvConnectPtr ro = qvConnectOpenReadOnly(uri);
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    static const char *const bad[] = {
        "<domain",
        ("<domain "
         "type='qemu'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices><watchdog/"
         "></devices></domain>"),
        "<!DOCTYPE d [<!ENTITY a 'aaaa'>]><domain type='qemu'><name>&a;</name></domain>",
        ("<domain type='qemu'><name>x</name><memory>1</memory><os><type>hvm</type></os><cpu "
         "mode='host-model'/></domain>"),
    };
    size_t i;
    qvDomainPtr dom;

    g_assert_nonnull(conn);
    g_assert_nonnull(ro);
    dom = qvDomainDefineXML(conn, domainXML);
    g_assert_nonnull(dom);
    before = testTree();
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_null(qvDomainDefineXML(conn, bad[i]));
        g_assert_nonnull(qvGetLastError());
    }
    g_assert_null(qvDomainDefineXML(ro, domainXML));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_DENIED);
    g_assert_cmpint(qvDomainUndefine(NULL), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_DOMAIN);
    after = testTree();
    g_assert_cmpstr(before, ==, after);
    g_assert_cmpint(qvDomainUndefine(dom), ==, 0);
    qvDomainFree(dom);
    qvConnectClose(ro);
    qvConnectClose(conn);
}

static void testXMLToNative(void)
{
    g_autofree char *uri = testURI();
    qvConnectPtr conn = qvConnectOpen(uri);
    g_autofree char *argv = NULL;
    g_autofree char *expect = NULL;

    g_assert_nonnull(conn);
    argv = qvConnectDomainXMLToNative(conn, "qemu-argv", domainXML, 0);
    g_assert_nonnull(argv);
    expect = g_strdup_printf("-chardev "
                             "socket,id=charchannel0,path=%s/lib/qemu/channel/target/domain-1-api/"
                             "org.qemu.guest_agent.0,server=on,wait=off",
                             testRoot);
    g_assert_nonnull(strstr(argv, expect));
    g_assert_nonnull(strstr(argv, "\"id\":\"channel0\",\"name\":\"org.qemu.guest_agent.0\""));
    g_assert_null(qvConnectDomainXMLToNative(conn, "xen-xm", domainXML, 0));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);
    g_assert_null(qvConnectDomainXMLToNative(conn, "qemu-argv", domainXML, 1));
    g_assert_null(qvConnectDomainXMLToNative(conn, NULL, domainXML, 0));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);
    qvConnectClose(conn);
}

/* ---- lifecycle on the real QEMU (no guest needed: it stays paused) ---- */

typedef struct {
    int started, suspended, stopped, stopDetail;
    int agentState, agentReason;
} testEvents;

static void testAgentLifecycleCb(qvConnectPtr conn, qvDomainPtr dom, int state, int reason,
                                 void *opaque)
{
    testEvents *ev = opaque;

    ev->agentState = state;
    ev->agentReason = reason;
}

static void testLifecycleCb(qvConnectPtr conn, qvDomainPtr dom, int event, int detail, void *opaque)
{
    testEvents *ev = opaque;

    g_assert_cmpstr(qvDomainGetName(dom), ==, "paused");
    if (event == QV_DOMAIN_EVENT_STARTED)
        ev->started++;
    else if (event == QV_DOMAIN_EVENT_SUSPENDED)
        ev->suspended++;
    else if (event == QV_DOMAIN_EVENT_STOPPED) {
        ev->stopped++;
        ev->stopDetail = detail;
    }
}

/* What the driver's agent sync would wait for, had a call tried to talk to the agent. */
#define TEST_AGENT_SYNC_MS 2000

/* A call that must not have waited for the agent: well under its sync bound (which
 * would have to be met exactly for a waiting call to pass), and still far above what
 * the call takes on a loaded machine (milliseconds). */
static void testCheckAtOnce(gint64 t0)
{
    gint64 ms = (g_get_monotonic_time() - t0) / 1000;

    g_test_message("took %lld ms", (long long)ms);
    g_assert_cmpint(ms, <, TEST_AGENT_SYNC_MS * 3 / 4);
}

static gboolean testTimeout(gpointer data)
{
    *(bool *)data = true;
    return G_SOURCE_REMOVE;
}

static void testLifecyclePaused(void)
{
    static const char *xml = "<domain type='qemu'>\n"
                             "  <name>paused</name>\n"
                             "  <memory unit='MiB'>64</memory>\n"
                             "  <os><type>hvm</type></os>\n"
                             "  <devices>\n"
                             "    <channel type='unix'>\n"
                             "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
                             "    </channel>\n"
                             "    <memballoon model='none'/>\n"
                             "  </devices>\n"
                             "</domain>\n";
    g_autofree char *uri = testURI();
    g_autofree char *live = NULL;
    testEvents ev = { 0 };
    qvConnectPtr conn = qvConnectOpen(uri);
    qvDomainPtr dom;
    qvDomainInfo info;
    unsigned int used = 7;
    int state, reason, cb;
    gint64 t0;
    bool timedOut = false;
    guint timer;

    g_assert_nonnull(conn);
    g_assert_cmpint(qvEventRegisterDefaultImpl(), ==, 0);
    dom = qvDomainDefineXML(conn, xml);
    g_assert_nonnull(dom);
    cb = qvConnectDomainEventRegisterAny(conn, dom, QV_DOMAIN_EVENT_ID_LIFECYCLE,
                                         QV_DOMAIN_EVENT_CALLBACK(testLifecycleCb), &ev, NULL);
    g_assert_cmpint(cb, >, 0);
    g_assert_cmpint(qvConnectDomainEventRegisterAny(conn, NULL, QV_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
                                                    QV_DOMAIN_EVENT_CALLBACK(testAgentLifecycleCb),
                                                    &ev, NULL),
                    >, 0);
    g_assert_cmpint(qvConnectDomainEventRegisterAny(
                        conn, dom, 99, QV_DOMAIN_EVENT_CALLBACK(testLifecycleCb), &ev, NULL),
                    ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_ARGUMENT_UNSUPPORTED);

    /* inactive: what needs a running domain says so */
    g_assert_cmpint(qvDomainGetInfo(dom, &info), ==, 0);
    g_assert_cmpint(info.state, ==, QV_DOMAIN_SHUTOFF);
    g_assert_cmpint(info.maxMem, ==, 65536);
    g_assert_cmpint(qvDomainShutdown(dom), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_INVALID);
    g_assert_cmpint(qvDomainDestroy(dom), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_INVALID);
    g_assert_null(qvDomainQemuAgentCommand(dom, "{\"execute\":\"guest-ping\"}", -3, 0));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);
    g_assert_cmpint(qvDomainCreateWithFlags(dom, 1 << 20), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);

    g_assert_cmpint(qvDomainCreateWithFlags(dom, QV_DOMAIN_START_PAUSED), ==, 0);
    g_assert_cmpint(qvDomainIsActive(dom), ==, 1);
    g_assert_cmpint(qvDomainGetID(dom), >, 0);
    g_assert_cmpint(qvDomainCreate(dom), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_INVALID);
    g_assert_cmpint(qvDomainGetState(dom, &state, &reason, 0), ==, 0);
    g_assert_cmpint(state, ==, QV_DOMAIN_PAUSED);
    g_assert_cmpint(reason, ==, QV_DOMAIN_PAUSED_USER);
    live = qvDomainGetXMLDesc(dom, 0);
    g_assert_nonnull(strstr(live, "name='org.qemu.guest_agent.0' state='disconnected'"));
    g_assert_nonnull(strstr(live, "<domain type='qemu' id="));

    /* no guest runs, so the agent's channel is closed: typed, and at once. The message
     * is the closed channel's own; and each call is far quicker than the 2 s of the sync
     * that an agent which tried to talk would wait for (the driver's bound, which this
     * API cannot change). */
    t0 = g_get_monotonic_time();
    g_assert_null(qvDomainQemuAgentCommand(dom, "{\"execute\":\"guest-ping\"}", 60, 0));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_AGENT_NOT_CONNECTED);
    g_assert_nonnull(
        strstr(qvGetLastErrorMessage(), "the agent channel of domain 'paused' is closed"));
    testCheckAtOnce(t0);
    t0 = g_get_monotonic_time();
    g_assert_cmpint(qvDomainShutdownFlagsReport(dom, QV_DOMAIN_SHUTDOWN_GUEST_AGENT, &used), ==,
                    -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_AGENT_NOT_CONNECTED);
    g_assert_nonnull(
        strstr(qvGetLastErrorMessage(), "the agent channel of domain 'paused' is closed"));
    g_assert_cmpuint(used, ==, 0);
    testCheckAtOnce(t0);
    g_assert_cmpint(qvDomainShutdownFlags(dom, QV_DOMAIN_SHUTDOWN_INITCTL), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_UNSUPPORTED);
    g_assert_nonnull(strstr(qvGetLastErrorMessage(), "'initctl'"));
    g_assert_cmpint(qvDomainReboot(dom, QV_DOMAIN_REBOOT_SIGNAL), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_UNSUPPORTED);
    g_assert_cmpint(qvDomainAgentSetResponseTimeout(dom, -3, 0), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);
    g_assert_cmpint(qvDomainAgentSetResponseTimeout(dom, 3, 0), ==, 0);
    g_assert_cmpint(
        qvDomainInterfaceAddresses(dom, NULL, QV_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, 0), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_ARGUMENT_UNSUPPORTED);

    g_assert_cmpint(qvDomainDestroy(dom), ==, 0);
    g_assert_cmpint(qvDomainGetState(dom, &state, &reason, 0), ==, 0);
    g_assert_cmpint(state, ==, QV_DOMAIN_SHUTOFF);
    g_assert_cmpint(reason, ==, QV_DOMAIN_SHUTOFF_DESTROYED);

    /* the events arrive in the application's loop */
    timer = g_timeout_add(60000, testTimeout, &timedOut);
    while (!timedOut && !ev.stopped)
        qvEventRunDefaultImpl();
    if (!timedOut)
        g_source_remove(timer);
    g_assert_cmpint(ev.started, ==, 1);
    g_assert_cmpint(ev.suspended, ==, 1);
    g_assert_cmpint(ev.stopped, ==, 1);
    g_assert_cmpint(ev.stopDetail, ==, QV_DOMAIN_EVENT_STOPPED_DESTROYED);
    g_assert_cmpint(ev.agentState, ==, QV_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED);
    g_assert_cmpint(ev.agentReason, ==,
                    QV_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_DOMAIN_STARTED);
    g_assert_cmpint(qvConnectDomainEventDeregisterAny(conn, cb), ==, 0);
    g_assert_cmpint(qvConnectDomainEventDeregisterAny(conn, cb), ==, -1);

    g_assert_cmpint(qvDomainUndefine(dom), ==, 0);
    qvDomainFree(dom);
    qvConnectClose(conn);
}

/* qemu-img ARGS...; its standard output */
static char *testImg(const char *a1, const char *a2, const char *a3, const char *a4)
{
    const char *argv[] = { "qemu-img", a1, a2, a3, a4, NULL };
    g_autoptr(GError) err = NULL;
    char *out = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, &out, NULL, &status, &err) ||
        !g_spawn_check_wait_status(status, &err))
        g_error("qemu-img %s %s: %s", a1, a2, err->message);
    return out;
}

static void testSnapshotNames(qvDomainSnapshotPtr *snaps, int n, GString *out)
{
    int i;

    g_string_truncate(out, 0);
    for (i = 0; i < n; i++) {
        g_string_append_printf(out, "%s%s", i ? "," : "", qvDomainSnapshotGetName(snaps[i]));
        qvDomainSnapshotFree(snaps[i]);
    }
    g_assert_null(snaps[n]);
    g_free(snaps);
}

/* Lists domains (which reads the definitions from disk again) until told to stop. */
static gpointer testReloader(gpointer opaque)
{
    gint *stop = opaque;
    g_autofree char *uri = testURI();
    qvConnectPtr conn = qvConnectOpen(uri);

    g_assert_nonnull(conn);
    while (!g_atomic_int_get(stop)) {
        qvDomainPtr *doms = NULL;
        int i, n = qvConnectListAllDomains(conn, &doms, 0);

        for (i = 0; i < n; i++)
            qvDomainFree(doms[i]);
        g_free(doms);
    }
    qvConnectClose(conn);
    return NULL;
}

/* A thread that reads the definitions from disk while another changes one (here: each
 * external snapshot moves the disk to a new overlay) must never bring the old definition
 * back into memory: once seen, the overlay is lost from every later change. */
static void testReloadRace(void)
{
    g_autofree char *uri = testURI();
    g_autofree char *dir = g_path_get_dirname(testRoot);
    g_autofree char *disk = g_build_filename(dir, "race.qcow2", NULL);
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>race</name><memory unit='MiB'>64</memory>"
        "<os><type>hvm</type></os><devices><disk type='file' device='disk'>"
        "<driver name='qemu' type='qcow2'/><source file='%s'/><target dev='vda' bus='virtio'/>"
        "</disk><memballoon model='none'/></devices></domain>",
        disk);
    const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", disk, "16M", NULL };
    qvConnectPtr conn = qvConnectOpen(uri);
    qvDomainPtr dom;
    gint stop = 0;
    GThread *reloader;
    int i, status = 0;

    g_assert_nonnull(conn);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    dom = qvDomainDefineXML(conn, xml);
    g_assert_nonnull(dom);
    reloader = g_thread_new("reloader", testReloader, &stop);
    for (i = 0; i < 25; i++) {
        g_autofree char *name =
            g_strdup_printf("<domainsnapshot><name>o%d</name></domainsnapshot>", i);
        g_autofree char *want = g_strdup_printf("<source file='%s/race.o%d'/>", dir, i);
        g_autofree char *live = NULL;
        qvDomainSnapshotPtr s =
            qvDomainSnapshotCreateXML(dom, name, QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY);

        g_assert_nonnull(s);
        qvDomainSnapshotFree(s);
        live = qvDomainGetXMLDesc(dom, 0);
        g_assert_nonnull(strstr(live, want));
    }
    /* the same with definitions alone, many times (a definition is quick to change) */
    for (i = 0; i < 400; i++) {
        g_autofree char *def = g_strdup_printf(
            "<domain "
            "type='qemu'><name>race2</name><uuid>22222222-3333-4444-5555-666666666666</uuid>"
            "<memory unit='MiB'>64</memory>"
            "<description>round %d</description><os><type>hvm</type></os></domain>",
            i);
        g_autofree char *want = g_strdup_printf("<description>round %d</description>", i);
        g_autofree char *live = NULL;
        qvDomainPtr d = qvDomainDefineXML(conn, def);

        if (!d)
            g_error("round %d: %s", i, qvGetLastErrorMessage());
        live = qvDomainGetXMLDesc(d, 0);
        g_assert_nonnull(strstr(live, want));
        if (i == 399)
            g_assert_cmpint(qvDomainUndefine(d), ==, 0);
        qvDomainFree(d);
    }
    g_atomic_int_set(&stop, 1);
    g_thread_join(reloader);
    g_assert_cmpint(qvDomainUndefineFlags(dom, QV_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA), ==, 0);
    qvDomainFree(dom);
    qvConnectClose(conn);
}

static void testSnapshots(void)
{
    g_autofree char *uri = testURI();
    g_autofree char *dir = g_path_get_dirname(testRoot);
    g_autofree char *disk = g_build_filename(dir, "snap.qcow2", NULL);
    g_autofree char *overlay = g_build_filename(dir, "snap.e1", NULL);
    g_autofree char *runOverlay = g_build_filename(dir, "snap.x1", NULL);
    g_autofree char *xml =
        g_strdup_printf("<domain type='qemu'>\n"
                        "  <name>snap</name>\n"
                        "  <memory unit='MiB'>64</memory>\n"
                        "  <os><type>hvm</type></os>\n"
                        "  <devices>\n"
                        "    <disk type='file' device='disk'>\n"
                        "      <driver name='qemu' type='qcow2'/>\n"
                        "      <source file='%s'/>\n"
                        "      <target dev='vda' bus='virtio'/>\n"
                        "    </disk>\n"
                        "    <channel type='unix'>\n"
                        "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
                        "    </channel>\n"
                        "    <memballoon model='none'/>\n"
                        "  </devices>\n"
                        "</domain>\n",
                        disk);
    g_autoptr(GString) names = g_string_new(NULL);
    qvConnectPtr conn = qvConnectOpen(uri);
    qvDomainPtr dom;
    qvDomainSnapshotPtr s, s2, *list = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    char *text;
    int n, state, reason;

    g_assert_nonnull(conn);
    {
        const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", disk, "16M", NULL };
        int status = 0;

        g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                                   NULL, &status, NULL));
        g_assert_true(g_spawn_check_wait_status(status, NULL));
    }
    dom = qvDomainDefineXML(conn, xml);
    g_assert_nonnull(dom);

    /* refused before anything changes */
    before = testTree();
    g_assert_null(
        qvDomainSnapshotCreateXML(dom, "<domainsnapshot/>", QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);
    g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                    "Flag 'QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag "
                    "'QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE'");
    g_assert_null(qvDomainSnapshotCreateXML(dom, "<domainsnapshot/>",
                                            QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE |
                                                QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(qvGetLastErrorMessage(), "not running"));
    g_assert_null(
        qvDomainSnapshotCreateXML(dom, "<domainsnapshot><name>a/b</name></domainsnapshot>", 0));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_XML_ERROR);
    g_assert_null(qvDomainSnapshotCreateXML(
        dom, "<domainsnapshot><disks><disk name='vdz'/></disks></domainsnapshot>", 0));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(qvGetLastErrorMessage(), "'vdz'"));
    g_assert_null(
        qvDomainSnapshotCreateXML(dom, "<domainsnapshot/>", QV_DOMAIN_SNAPSHOT_CREATE_REDEFINE));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_ARGUMENT_UNSUPPORTED);
    g_assert_cmpint(qvDomainHasCurrentSnapshot(dom, 0), ==, 0);
    g_assert_null(qvDomainSnapshotCurrent(dom, 0));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_NO_DOMAIN_SNAPSHOT);
    after = testTree();
    g_assert_cmpstr(before, ==, after);

    /* internal, shut off: qemu-img; a tree of three */
    s = qvDomainSnapshotCreateXML(dom, "<domainsnapshot><name>s1</name></domainsnapshot>", 0);
    g_assert_nonnull(s);
    g_assert_cmpstr(qvDomainSnapshotGetName(s), ==, "s1");
    text = testImg("snapshot", "-l", disk, NULL);
    g_assert_nonnull(strstr(text, " s1 "));
    g_free(text);
    text = qvDomainSnapshotGetXMLDesc(s, 0);
    g_assert_nonnull(strstr(text, "<state>shutoff</state>"));
    g_assert_nonnull(strstr(text, "<disk name='vda' snapshot='internal'/>"));
    g_assert_nonnull(strstr(text, "<creationTime>"));
    g_assert_nonnull(strstr(text, "<name>snap</name>"));
    g_free(text);
    g_assert_cmpint(qvDomainSnapshotIsCurrent(s, 0), ==, 1);
    qvDomainSnapshotFree(s);
    g_assert_null(
        qvDomainSnapshotCreateXML(dom, "<domainsnapshot><name>s1</name></domainsnapshot>", 0));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_INVALID);
    s2 = qvDomainSnapshotCreateXML(dom, "<domainsnapshot><name>s2</name></domainsnapshot>", 0);
    g_assert_nonnull(s2);
    s = qvDomainSnapshotGetParent(s2, 0);
    g_assert_cmpstr(qvDomainSnapshotGetName(s), ==, "s1");
    g_assert_cmpint(qvDomainRevertToSnapshot(s, 0), ==, 0);
    g_assert_cmpint(qvDomainSnapshotIsCurrent(s, 0), ==, 1);
    qvDomainSnapshotFree(s2);
    s2 = qvDomainSnapshotCreateXML(dom, "<domainsnapshot><name>s3</name></domainsnapshot>", 0);
    g_assert_nonnull(s2);
    qvDomainSnapshotFree(s2);
    n = qvDomainListAllSnapshots(dom, &list, QV_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL);
    testSnapshotNames(list, n, names);
    g_assert_cmpstr(names->str, ==, "s1,s2,s3");
    n = qvDomainListAllSnapshots(dom, &list, QV_DOMAIN_SNAPSHOT_LIST_ROOTS);
    testSnapshotNames(list, n, names);
    g_assert_cmpstr(names->str, ==, "s1");
    n = qvDomainListAllSnapshots(dom, &list, QV_DOMAIN_SNAPSHOT_LIST_LEAVES);
    testSnapshotNames(list, n, names);
    g_assert_cmpstr(names->str, ==, "s2,s3");
    n = qvDomainSnapshotListAllChildren(s, &list, 0);
    testSnapshotNames(list, n, names);
    g_assert_cmpstr(names->str, ==, "s2,s3");
    g_assert_cmpint(qvDomainListAllSnapshots(dom, NULL, QV_DOMAIN_SNAPSHOT_LIST_NO_METADATA), ==,
                    0);
    g_assert_cmpint(qvDomainListAllSnapshots(dom, NULL, QV_DOMAIN_SNAPSHOT_LIST_EXTERNAL), ==, 0);

    /* delete the root alone: its children become roots, its image snapshot goes */
    g_assert_cmpint(qvDomainSnapshotDelete(s, 0), ==, 0);
    qvDomainSnapshotFree(s);
    text = testImg("snapshot", "-l", disk, NULL);
    g_assert_null(strstr(text, " s1 "));
    g_assert_nonnull(strstr(text, " s2 "));
    g_free(text);
    n = qvDomainListAllSnapshots(dom, &list, QV_DOMAIN_SNAPSHOT_LIST_ROOTS);
    testSnapshotNames(list, n, names);
    g_assert_cmpstr(names->str, ==, "s2,s3");
    g_assert_null(qvDomainSnapshotLookupByName(dom, "s1", 0));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_NO_DOMAIN_SNAPSHOT);

    /* the metadata read for reading calls is kept while its directory is unchanged, and
     * read again after any change to it, also one made by another process (by hand here) */
    {
        g_autofree char *sdir = g_build_filename(testRoot, "lib", "qemu", "snapshot", "snap", NULL);
        g_autofree char *s2path = g_build_filename(sdir, "s2.xml", NULL);
        g_autofree char *s3path = g_build_filename(sdir, "s3.xml", NULL);
        g_autofree char *s2xml = NULL;
        g_autofree char *s3xml = NULL;
        struct timespec old[2] = { { time(NULL) - 60, 0 }, { time(NULL) - 60, 0 } };
        FILE *f;

        g_assert_true(g_file_get_contents(s2path, &s2xml, NULL, NULL));
        g_assert_true(g_file_get_contents(s3path, &s3xml, NULL, NULL));
        /* a directory changed in the last seconds is never trusted: age it */
        g_assert_cmpint(utimensat(AT_FDCWD, sdir, old, 0), ==, 0);
        n = qvDomainListAllSnapshots(dom, &list, 0);
        testSnapshotNames(list, n, names);
        g_assert_cmpstr(names->str, ==, "s2,s3");
        /* proof that it is kept: an edit in place (which qvirt never makes: it renames)
         * leaves the directory as it was, and is not seen */
        g_assert_nonnull(f = fopen(s2path, "w"));
        fputs("<domainsnapshot><name>edited</name></domainsnapshot>\n", f);
        fclose(f);
        n = qvDomainListAllSnapshots(dom, &list, 0);
        testSnapshotNames(list, n, names);
        g_assert_cmpstr(names->str, ==, "s2,s3");
        g_assert_true(g_file_set_contents(s2path, s2xml, -1, NULL));
        /* another process removes one, then puts it back: both are seen at once */
        g_assert_cmpint(g_unlink(s3path), ==, 0);
        n = qvDomainListAllSnapshots(dom, &list, 0);
        testSnapshotNames(list, n, names);
        g_assert_cmpstr(names->str, ==, "s2");
        g_assert_true(g_file_set_contents(s3path, s3xml, -1, NULL));
        n = qvDomainListAllSnapshots(dom, &list, 0);
        testSnapshotNames(list, n, names);
        g_assert_cmpstr(names->str, ==, "s2,s3");
    }

    /* external, shut off: an overlay, and the definition follows it */
    s = qvDomainSnapshotCreateXML(dom, "<domainsnapshot><name>e1</name></domainsnapshot>",
                                  QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY);
    g_assert_nonnull(s);
    g_assert_true(g_file_test(overlay, G_FILE_TEST_EXISTS));
    text = qvDomainGetXMLDesc(dom, 0);
    g_assert_nonnull(strstr(text, overlay));
    g_assert_nonnull(strstr(text, "<backingStore type='file'>"));
    g_free(text);
    g_assert_cmpint(qvDomainListAllSnapshots(dom, NULL, QV_DOMAIN_SNAPSHOT_LIST_EXTERNAL), ==, 1);
    g_assert_cmpint(qvDomainRevertToSnapshot(s, 0), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_UNSUPPORTED);
    g_assert_cmpint(qvDomainSnapshotDelete(s, 0), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_UNSUPPORTED);
    g_assert_nonnull(strstr(qvGetLastErrorMessage(), "METADATA_ONLY"));
    g_assert_cmpint(qvDomainSnapshotDelete(s, QV_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY), ==, 0);
    g_assert_true(g_file_test(overlay, G_FILE_TEST_EXISTS));
    qvDomainSnapshotFree(s);
    g_assert_null(qvDomainSnapshotCreateXML(dom, "<domainsnapshot><name>e1</name></domainsnapshot>",
                                            QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(qvGetLastErrorMessage(), "REUSE_EXT"));

    /* running (paused, no guest OS needed): QEMU's snapshot jobs and one transaction */
    g_assert_cmpint(qvDomainCreateWithFlags(dom, QV_DOMAIN_START_PAUSED), ==, 0);
    s = qvDomainSnapshotCreateXML(dom, "<domainsnapshot><name>r1</name></domainsnapshot>", 0);
    g_assert_nonnull(s);
    text = qvDomainSnapshotGetXMLDesc(s, 0);
    g_assert_nonnull(strstr(text, "<state>paused</state>"));
    g_assert_nonnull(strstr(text, "<memory snapshot='internal'/>"));
    g_free(text);
    g_assert_cmpint(qvDomainRevertToSnapshot(s, QV_DOMAIN_SNAPSHOT_REVERT_RUNNING), ==, 0);
    g_assert_cmpint(qvDomainGetState(dom, &state, &reason, 0), ==, 0);
    g_assert_cmpint(state, ==, QV_DOMAIN_RUNNING);
    g_assert_cmpint(qvDomainRevertToSnapshot(s, 0), ==, 0);
    g_assert_cmpint(qvDomainGetState(dom, &state, &reason, 0), ==, 0);
    g_assert_cmpint(state, ==, QV_DOMAIN_PAUSED);
    g_assert_cmpint(qvDomainSnapshotDelete(s, 0), ==, 0);
    qvDomainSnapshotFree(s);
    text = testImg("snapshot", "-l", "-U", overlay);
    g_assert_null(strstr(text, " r1 "));
    g_free(text);

    /* quiesce with no agent in the guest: refused, nothing created */
    g_assert_null(qvDomainSnapshotCreateXML(dom, "<domainsnapshot><name>x1</name></domainsnapshot>",
                                            QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY |
                                                QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_AGENT_NOT_CONNECTED);
    g_assert_false(g_file_test(runOverlay, G_FILE_TEST_EXISTS));
    g_assert_null(qvDomainSnapshotLookupByName(dom, "x1", 0));
    /* best effort: crash-consistent, and it says so */
    s = qvDomainSnapshotCreateXML(dom, "<domainsnapshot><name>x1</name></domainsnapshot>",
                                  QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY |
                                      QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE_BEST_EFFORT);
    g_assert_nonnull(s);
    g_assert_true(g_file_test(runOverlay, G_FILE_TEST_EXISTS));
    text = qvDomainSnapshotGetXMLDesc(s, 0);
    g_assert_nonnull(strstr(text, "<state>disk-snapshot</state>"));
    g_assert_nonnull(strstr(text, "<quiesce status='crash-consistent' reason='"));
    g_free(text);
    text = qvDomainGetXMLDesc(dom, 0);
    g_assert_nonnull(strstr(text, runOverlay));
    g_free(text);
    qvDomainSnapshotFree(s);
    if (qvDomainDestroy(dom) != 0)
        g_error("destroy: %s", qvGetLastErrorMessage());
    /* the persistent definition runs on the overlay next time */
    text = qvDomainGetXMLDesc(dom, 0);
    g_assert_nonnull(strstr(text, runOverlay));
    g_free(text);

    g_assert_cmpint(qvDomainUndefine(dom), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OPERATION_INVALID);
    g_assert_cmpint(qvDomainUndefineFlags(dom, QV_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA), ==, 0);
    qvDomainFree(dom);
    qvConnectClose(conn);
}

/* Whether a process of this run (a supervisor, or its QEMU) is still there: their
 * command lines name files under the root, which no other process's can. */
static bool testRootInUse(void)
{
    g_autoptr(GDir) d = g_dir_open("/proc", 0, NULL);
    const char *entry;

    g_assert_nonnull(d);
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *path = NULL;
        g_autofree char *cmdline = NULL;
        gsize len = 0, i;

        if (!g_ascii_isdigit(*entry))
            continue;
        path = g_build_filename("/proc", entry, "cmdline", NULL);
        if (!g_file_get_contents(path, &cmdline, &len, NULL))
            continue; /* gone meanwhile */
        for (i = 0; i < len; i++) {
            if (!cmdline[i])
                cmdline[i] = ' ';
        }
        if (strstr(cmdline, testRoot))
            return true;
    }
    return false;
}

/*
 * Last: a supervisor's stderr goes to its domain's log under the root, so a sanitizer
 * report from it would fail nothing by itself. The supervisors leave after their QEMU
 * (and report leaks as they exit): wait until nothing of this run is left, then read
 * every log.
 */
static void testSupervisorLogsClean(void)
{
    g_autofree char *logDir = g_build_filename(testRoot, "log", "qemu", NULL);
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    g_autoptr(GDir) d = NULL;
    const char *entry;
    guint logs = 0;

    while (testRootInUse()) {
        if (g_get_monotonic_time() > deadline) {
            g_test_message("a supervisor or QEMU of this run is still there after 60 s");
            g_test_fail();
            break;
        }
        g_usleep(10000);
    }
    d = g_dir_open(logDir, 0, NULL);
    g_assert_nonnull(d);
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(logDir, entry, NULL);
        g_autofree char *text = NULL;

        if (!g_str_has_suffix(entry, ".log"))
            continue;
        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        logs++;
        if (strstr(text, "Sanitizer") || strstr(text, "runtime error:")) {
            g_test_message("%s holds a sanitizer report:\n%s", path, text);
            g_test_fail();
        }
    }
    /* the domains this program started have logs: an empty check proves nothing */
    g_assert_cmpuint(logs, >, 0);
}

int main(int argc, char **argv)
{
    g_autofree char *tmp = NULL;
    int ret;

    testInit(&argc, &argv);
    tmp = g_dir_make_tmp("qvapi-XXXXXX", NULL);
    testRoot = g_build_filename(tmp, "root", NULL);
    g_test_add_func("/api/open-errors", testOpenErrors);
    g_test_add_func("/api/define-lookup-undefine", testDefineLookupUndefine);
    g_test_add_func("/api/conflicts", testConflicts);
    g_test_add_func("/api/persistence", testPersistence);
    g_test_add_func("/api/failures-leave-root-unchanged", testFailuresLeaveRootUnchanged);
    g_test_add_func("/api/xml-to-native", testXMLToNative);
    g_test_add_func("/api/lifecycle-paused", testLifecyclePaused);
    g_test_add_func("/api/snapshots", testSnapshots);
    g_test_add_func("/api/reload-race", testReloadRace);
    g_test_add_func("/api/supervisor-logs-clean", testSupervisorLogsClean);
    ret = g_test_run();
    if (testRemoveTree(tmp) < 0)
        ret = 1;
    g_free(testRoot);
    return ret;
}
