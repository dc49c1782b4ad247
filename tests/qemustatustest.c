/* qemustatustest.c: the supervisor's launch spec and status files: round trips, and
 * damaged files refused with an error that names the file and the key. */
#include <config.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain_conf.h"
#include "qemu_status.h"
#include "qemu_svproto.h"
#include "qverror.h"
#include "testutils.h"

#define QV_FROM_THIS QV_FROM_QEMU

static void testLaunchRoundTrip(void)
{
    g_autoptr(qemuLaunchSpec) spec = g_new0(qemuLaunchSpec, 1);
    g_autoptr(qemuLaunchSpec) back = NULL;
    g_autofree char *text = NULL;
    g_autofree char *again = NULL;
    const char *argv[] = { "/usr/bin/qemu-system-x86_64", "-name", "guest=a;b,c", "-append",
                           "console=ttyS0 quiet",         NULL };
    const char *env[] = { "LC_ALL=C", "HOME=/x y", NULL };
    const char *rm[] = { "/run/a.xml", "/run/dir", NULL };

    spec->name = g_strdup("a;b");
    spec->argv = g_strdupv((char **)argv);
    spec->env = g_strdupv((char **)env);
    spec->logPath = g_strdup("/log/a.log");
    spec->monitorPath = g_strdup("/run/monitor.sock");
    spec->proxyPath = g_strdup("/run/qmp.sock");
    spec->statusPath = g_strdup("/run/a.status");
    spec->lockPath = g_strdup("/run/a.lock");
    spec->historyPath = g_strdup("/run/a.runs");
    spec->agentPort = g_strdup("channel0");
    spec->agentPath = g_strdup("/lib/org.qemu.guest_agent.0");
    spec->agentRelayPath = g_strdup("/run/agent.sock");
    spec->removeOnExit = g_strdupv((char **)rm);
    spec->onPoweroff = DOMAIN_LIFECYCLE_DESTROY;
    spec->onReboot = DOMAIN_LIFECYCLE_RESTART;
    spec->startTimeoutMs = 30000;
    spec->startPaused = true;
    spec->files = g_new0(qemuLaunchFile, 2);
    spec->files[0] = (qemuLaunchFile){ g_strdup("/log/serial:0,a.log"), 100, true };
    spec->files[1] = (qemuLaunchFile){ g_strdup("/log/b c.log"), 101, false };
    spec->nfiles = 2;

    text = qemuLaunchSpecFormat(spec);
    back = qemuLaunchSpecParse(text, "launch");
    g_assert_nonnull(back);
    g_assert_cmpstr(back->name, ==, "a;b");
    g_assert_cmpstrv(back->argv, argv); /* ';' and spaces inside arguments survive */
    g_assert_cmpstrv(back->env, env);
    g_assert_cmpstrv(back->removeOnExit, rm);
    g_assert_cmpstr(back->agentRelayPath, ==, "/run/agent.sock");
    g_assert_cmpint(back->onReboot, ==, DOMAIN_LIFECYCLE_RESTART);
    g_assert_true(back->startPaused);
    /* a colon or a comma inside a path survives */
    g_assert_cmpuint(back->nfiles, ==, 2);
    g_assert_cmpstr(back->files[0].path, ==, "/log/serial:0,a.log");
    g_assert_cmpint(back->files[0].fd, ==, 100);
    g_assert_true(back->files[0].append);
    g_assert_cmpstr(back->files[1].path, ==, "/log/b c.log");
    g_assert_false(back->files[1].append);
    again = qemuLaunchSpecFormat(back);
    g_assert_cmpstr(again, ==, text);
}

static void testStatusRoundTrip(void)
{
    qemuDomainStatus st, back;
    g_autofree char *text = NULL;

    qemuDomainStatusInit(&st);
    st.state = QV_DOMAIN_SHUTOFF;
    st.reason = QV_DOMAIN_SHUTOFF_CRASHED;
    st.agent = QEMU_AGENT_CHANNEL_DISCONNECTED;
    st.agentTimeout = QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK;
    st.qemuPid = 1234;
    st.supervisorPid = 1233;
    st.startedAt = 1;
    st.stoppedAt = 2;
    st.exitStatus = 9;
    st.exitReason = g_strdup("killed by signal 9 (Killed)");
    text = qemuDomainStatusFormat(&st);
    g_assert_cmpint(qemuDomainStatusParse(text, "status", &back), ==, 0);
    g_assert_cmpint(back.state, ==, QV_DOMAIN_SHUTOFF);
    g_assert_cmpint(back.reason, ==, QV_DOMAIN_SHUTOFF_CRASHED);
    g_assert_cmpint(back.agent, ==, QEMU_AGENT_CHANNEL_DISCONNECTED);
    g_assert_cmpint(back.agentTimeout, ==, -2);
    g_assert_cmpint(back.qemuPid, ==, 1234);
    g_assert_cmpstr(back.exitReason, ==, st.exitReason);
    qemuDomainStatusClear(&st);
    qemuDomainStatusClear(&back);
}

typedef struct {
    const char *text;
    const char *expect; /* in the error message */
} badCase;

static void testStatusDamaged(gconstpointer data)
{
    const badCase *c = data;
    qemuDomainStatus st;

    qvResetLastError();
    g_assert_cmpint(qemuDomainStatusParse(c->text, "/run/x.status", &st), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_PARSE_FAILED);
    if (!strstr(testLastError(), c->expect) || !strstr(testLastError(), "/run/x.status")) {
        g_test_message("error '%s' does not name '%s' and the file", testLastError(), c->expect);
        g_test_fail();
    }
    qemuDomainStatusClear(&st);
}

#define GOOD_TAIL                                                                        \
    "agent=connected\nfake-reboot=false\nagent-timeout=-1\nfreeze-deadline=0\nqemu-pid=" \
    "2\nsupervisor-pid=1\n"                                                              \
    "started-at=1\nstopped-at=0\nexit-status=-1\n"

static const badCase badCases[] = {
    { "", "no [status] group" },
    { "\x01\x02 not a key file", "cannot parse" },
    { "[status]\nreason=1\n" GOOD_TAIL, "'state'" },
    { "[status]\nstate=nine\nreason=1\n" GOOD_TAIL, "'state'" },
    { "[status]\nstate=99\nreason=1\n" GOOD_TAIL, "out of range" },
    { "[status]\nstate=1\nreason=1\nagent=maybe\nfake-reboot=false\nagent-timeout=-1\nfreeze-"
      "deadline=0\n"
      "qemu-pid=2\nsupervisor-pid=1\nstarted-at=1\nstopped-at=0\nexit-status=-1\n",
      "unknown value 'maybe'" },
    { "[status]\nstate=1\nreason=1\nagent=connected\nfake-reboot=perhaps\nagent-timeout=-1\nfreeze-"
      "deadline=0\n"
      "qemu-pid=2\nsupervisor-pid=1\nstarted-at=1\nstopped-at=0\nexit-status=-1\n",
      "'fake-reboot'" },
    { "[status]\nstate=1\nreason=1\nagent=connected\nfake-reboot=false\nagent-timeout=-7\nfreeze-"
      "deadline=0\n"
      "qemu-pid=2\nsupervisor-pid=1\nstarted-at=1\nstopped-at=0\nexit-status=-1\n",
      "'agent-timeout'" },
};

static void testLaunchDamaged(void)
{
    qvResetLastError();
    g_assert_null(qemuLaunchSpecParse("[launch]\nname=a\n", "/run/a.launch"));
    g_assert_nonnull(strstr(testLastError(), "/run/a.launch"));
    g_assert_nonnull(strstr(testLastError(), "'log'"));
    g_assert_null(qemuLaunchSpecParse("[launch]\nname=a\nlog=l\nmonitor=m\nproxy=p\n"
                                      "status=s\nlock=k\nargv=\non-poweroff=destroy\n"
                                      "on-reboot=restart\nstart-timeout-ms=1000\n",
                                      "/run/a.launch"));
    g_assert_nonnull(strstr(testLastError(), "'argv'"));
    g_assert_null(qemuLaunchSpecParse("[launch]\nname=a\nlog=l\nmonitor=m\nproxy=p\n"
                                      "status=s\nlock=k\nargv=q;\non-poweroff=explode\n"
                                      "on-reboot=restart\nstart-timeout-ms=1000\n",
                                      "/run/a.launch"));
    g_assert_nonnull(strstr(testLastError(), "unknown value 'explode'"));
    g_assert_null(qemuLaunchSpecParse("[launch]\nname=a\nlog=l\nmonitor=m\nproxy=p\n"
                                      "status=s\nlock=k\nargv=q;\non-poweroff=destroy\n"
                                      "on-reboot=restart\nstart-timeout-ms=0\n",
                                      "/run/a.launch"));
    g_assert_nonnull(strstr(testLastError(), "out of range"));
    g_assert_null(qemuLaunchSpecParse("[launch]\nname=a\nlog=l\nmonitor=m\nproxy=p\n"
                                      "status=s\nlock=k\nargv=q;\non-poweroff=destroy\n"
                                      "on-reboot=restart\nstart-timeout-ms=1000\n"
                                      "start-paused=maybe\n",
                                      "/run/a.launch"));
    g_assert_nonnull(strstr(testLastError(), "'start-paused'"));
    /* a file to open for QEMU: a descriptor that is one, a mode, an absolute path */
    g_assert_null(qemuLaunchSpecParse("[launch]\nname=a\nlog=l\nmonitor=m\nproxy=p\n"
                                      "status=s\nlock=k\nargv=q;\non-poweroff=destroy\n"
                                      "on-reboot=restart\nstart-timeout-ms=1000\n"
                                      "files=1:append:/log/x;\n",
                                      "/run/a.launch"));
    g_assert_nonnull(strstr(testLastError(), "'1:append:/log/x' is not FD:append|truncate:/PATH"));
    g_assert_null(qemuLaunchSpecParse("[launch]\nname=a\nlog=l\nmonitor=m\nproxy=p\n"
                                      "status=s\nlock=k\nargv=q;\non-poweroff=destroy\n"
                                      "on-reboot=restart\nstart-timeout-ms=1000\n"
                                      "files=100:sometimes:/log/x;\n",
                                      "/run/a.launch"));
    g_assert_nonnull(strstr(testLastError(), "'files'"));
    g_assert_null(qemuLaunchSpecParse("[launch]\nname=a\nlog=l\nmonitor=m\nproxy=p\n"
                                      "status=s\nlock=k\nargv=q;\non-poweroff=destroy\n"
                                      "on-reboot=restart\nstart-timeout-ms=1000\n"
                                      "files=100:append:log/x;\n",
                                      "/run/a.launch"));
    g_assert_nonnull(strstr(testLastError(), "'files'"));
}

/* A file QEMU writes, opened for it: created 0600, never through a link, never hanging
 * on a FIFO nobody reads. */
static void testLaunchFileOpen(void)
{
    g_autofree char *dir = g_dir_make_tmp("qvlaunchfile-XXXXXX", NULL);
    g_autofree char *file = g_build_filename(dir, "serial.log", NULL);
    g_autofree char *link = g_build_filename(dir, "link.log", NULL);
    g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
    qemuLaunchFile f = { file, 100, false };
    struct stat st;
    int fd;

    g_assert_nonnull(dir);
    fd = qemuLaunchFileOpen(&f);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, "x", 1), ==, 1);
    g_assert_cmpint(fcntl(fd, F_GETFL) & O_NONBLOCK, ==, 0);
    close(fd);
    g_assert_cmpint(stat(file, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);

    g_assert_cmpint(symlink(file, link), ==, 0);
    f.path = link;
    qvResetLastError();
    g_assert_cmpint(qemuLaunchFileOpen(&f), ==, -1);
    g_assert_nonnull(strstr(testLastError(), "is a symbolic link"));

    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    f.path = fifo;
    qvResetLastError();
    g_assert_cmpint(qemuLaunchFileOpen(&f), ==, -1);
    g_assert_nonnull(strstr(testLastError(), "cannot open"));

    unlink(fifo);
    unlink(link);
    unlink(file);
    rmdir(dir);
}

/* The supervisor's answer to a snapshot switch: its failures keep their codes across the
 * socket, and an answer that lies about itself is refused. */
static void testSwitchResult(void)
{
    qemuSvSwitchResult r = { .frozen = -1 };
    qemuSvSwitchResult back = { .frozen = -1 };
    g_autoptr(qvJSONValue) v = NULL;
    const char *bad[] = {
        "{}",
        "{\"switched\":2,\"frozen\":1,\"thawed\":true,\"window-us\":1,\"thaw-sent-us\":1,"
        "\"transaction-us\":1}",
        /* not switched, and no word why */
        "{\"switched\":0,\"frozen\":-1,\"thawed\":false,\"window-us\":0,\"thaw-sent-us\":0,"
        "\"transaction-us\":0}",
        /* an error code nobody defined */
        "{\"switched\":0,\"frozen\":-1,\"thawed\":false,\"window-us\":0,\"thaw-sent-us\":0,"
        "\"transaction-us\":0,"
        "\"error\":{\"code\":99999,\"domain\":10,\"message\":\"x\"}}",
        "{\"switched\":1,\"frozen\":\"2\",\"thawed\":true,\"window-us\":1,\"thaw-sent-us\":1,"
        "\"transaction-us\":1}",
    };
    size_t i;

    r.switched = 1;
    r.frozen = 2;
    r.windowUs = 2500;
    r.thawSentUs = 900;
    r.transactionUs = 700;
    qvReportError(QV_ERR_AGENT_COMMAND_TIMEOUT, "%s", "no thaw reply");
    qemuSvSwitchResultSetError(&r, 't');
    qvResetLastError();
    v = qemuSvSwitchResultToJSON(&r);
    g_assert_cmpint(qemuSvSwitchResultFromJSON(v, &back), ==, 0);
    g_assert_cmpint(back.switched, ==, 1);
    g_assert_cmpint(back.frozen, ==, 2);
    g_assert_false(back.thawed);
    g_assert_cmpint(back.windowUs, ==, 2500);
    g_assert_cmpint(back.thawSentUs, ==, 900);
    g_assert_cmpint(back.transactionUs, ==, 700);
    g_assert_cmpint(back.thawCode, ==, QV_ERR_AGENT_COMMAND_TIMEOUT);
    g_assert_cmpstr(back.thawError, ==, r.thawError);
    g_assert_null(back.error);
    g_assert_null(back.quiesceError);
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *perr = NULL;
        g_autoptr(qvJSONValue) b = qvJSONParse(bad[i], strlen(bad[i]), 8, &perr);

        g_assert_nonnull(b);
        g_assert_cmpint(qemuSvSwitchResultFromJSON(b, &back), ==, -1);
        g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                        "internal error: the supervisor's answer to a snapshot switch is "
                        "malformed");
        qvResetLastError();
    }
    qemuSvSwitchResultClear(&r);
    qemuSvSwitchResultClear(&back);
}

int main(int argc, char **argv)
{
    size_t i;

    testInit(&argc, &argv);
    g_test_add_func("/qemu/status/launch-round-trip", testLaunchRoundTrip);
    g_test_add_func("/qemu/status/launch-damaged", testLaunchDamaged);
    g_test_add_func("/qemu/status/launch-file-open", testLaunchFileOpen);
    g_test_add_func("/qemu/status/round-trip", testStatusRoundTrip);
    g_test_add_func("/qemu/status/switch-result", testSwitchResult);
    for (i = 0; i < G_N_ELEMENTS(badCases); i++) {
        g_autofree char *name = g_strdup_printf("/qemu/status/damaged/%zu", i);

        g_test_add_data_func(name, &badCases[i], testStatusDamaged);
    }
    return g_test_run();
}
