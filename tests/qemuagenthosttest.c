/* qemuagenthosttest.c: the agent client against the real qemu-ga, run on the host with
 * everything but read-only RPCs blocked. Only safe commands are ever sent. */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "qemu_agent.h"
#include "qverror.h"
#include "testhostagent.h"
#include "testutils.h"

/* blocked on top of the unsafe ones, to see how a blocked command answers */
static const char *const extraBlocked[] = { "guest-get-cpustats", NULL };

static testHostAgent ha;

/* The agent's bounds where nothing is meant to time out: far above what any call takes,
 * however loaded the machine. */
#define TEST_BOUND_MS 60000

static qemuAgent *testOpen(int syncMs, int queryMs)
{
    qemuAgentConfig cfg;
    qemuAgent *agent;

    qemuAgentConfigInit(&cfg);
    cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_SYNC] = syncMs;
    cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_QUERY] = queryMs;
    agent = qemuAgentOpen(ha.socket, &cfg, NULL, NULL);
    if (!agent)
        g_test_message("%s", testLastError());
    g_assert_nonnull(agent);
    return agent;
}

static void testPingAndSync(void)
{
    qemuAgent *agent = testOpen(TEST_BOUND_MS, TEST_BOUND_MS);
    g_autofree char *out = NULL;
    qemuAgentStats st;
    int i;

    for (i = 0; i < 20; i++)
        g_assert_cmpint(qemuAgentPing(agent), ==, 0);
    qemuAgentGetStats(agent, &st);
    /* one delimited sync, then twenty pings matched by id */
    g_assert_cmpuint(st.syncs, ==, 1);
    g_assert_cmpuint(st.commands, ==, 20);
    g_assert_cmpuint(st.strikes, ==, 0);
    /* the plain guest-sync through the passthrough echoes its id */
    g_assert_cmpint(
        qemuAgentArbitraryCommand(
            agent, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":123456789}}", -1, &out),
        ==, 0);
    g_assert_cmpstr(out, ==, "{\"return\":123456789}");
    qemuAgentClose(agent);
}

static void testInfoShowsBlocked(void)
{
    qemuAgent *agent = testOpen(TEST_BOUND_MS, TEST_BOUND_MS);
    g_autoptr(qemuAgentInfo) info = NULL;
    size_t i, checked = 0;

    g_assert_cmpint(qemuAgentGetInfo(agent, &info), ==, 0);
    g_assert_true(g_str_has_prefix(info->version, "7.") || g_str_has_prefix(info->version, "8.") ||
                  g_str_has_prefix(info->version, "9."));
    for (i = 0; i < info->ncommands; i++) {
        const char *name = info->commands[i].name;

        /* guest-get-devices is never enabled on Linux */
        if (STREQ(name, "guest-get-devices"))
            continue;
        if (info->commands[i].enabled == testHostAgentIsBlocked(&ha, name)) {
            g_test_message("%s: enabled=%d but blocked=%d", name, info->commands[i].enabled,
                           testHostAgentIsBlocked(&ha, name));
            g_test_fail();
        }
        checked++;
        if (STREQ(name, "guest-shutdown"))
            g_assert_false(info->commands[i].successResponse);
    }
    g_assert_cmpuint(checked, >, 30);
    qemuAgentClose(agent);
}

static void testReadOnlyQueries(void)
{
    qemuAgent *agent = testOpen(TEST_BOUND_MS, TEST_BOUND_MS);
    g_auto(GStrv) keys = NULL;
    g_auto(GStrv) values = NULL;
    g_autofree char *hostname = NULL;
    g_autofree char *zone = NULL;
    g_autofree qemuAgentCPUInfo *cpus = NULL;
    qemuAgentInterface *ifs = NULL;
    qemuAgentFSInfo *fs = NULL;
    qemuAgentUser *users = NULL;
    qemuAgentFSFreezeStatus frozen;
    struct utsname u;
    size_t n, i;
    long long sec;
    unsigned int nsec;
    gint64 before, after;
    int offset;
    bool lo = false;

    /* osinfo: the host's kernel */
    g_assert_cmpint(qemuAgentGetOSInfo(agent, &keys, &values), ==, 0);
    g_assert_cmpint(uname(&u), ==, 0);
    for (i = 0; keys[i]; i++) {
        if (STREQ(keys[i], "kernel-release"))
            g_assert_cmpstr(values[i], ==, u.release);
    }
    g_assert_true(g_strv_contains((const char *const *)keys, "kernel-release"));

    /* time: the host's clock, read by qemu-ga while the call ran */
    before = g_get_real_time();
    g_assert_cmpint(qemuAgentGetTime(agent, &sec, &nsec), ==, 0);
    after = g_get_real_time();
    g_assert_cmpint(sec * G_USEC_PER_SEC + nsec / 1000, >=, before);
    g_assert_cmpint(sec * G_USEC_PER_SEC + nsec / 1000, <=, after);

    g_assert_cmpint(qemuAgentGetHostname(agent, &hostname), ==, 0);
    g_assert_cmpstr(hostname, ==, g_get_host_name());

    g_assert_cmpint(qemuAgentGetTimezone(agent, &zone, &offset), ==, 0);
    g_assert_cmpint(offset, >=, -86400);

    g_assert_cmpint(qemuAgentGetVCPUs(agent, &cpus, &n), ==, 0);
    g_assert_cmpuint(n, ==, (size_t)sysconf(_SC_NPROCESSORS_CONF));

    g_assert_cmpint(qemuAgentGetInterfaces(agent, &ifs, &n), ==, 0);
    for (i = 0; i < n; i++) {
        size_t j;

        for (j = 0; STREQ(ifs[i].name, "lo") && j < ifs[i].naddrs; j++)
            lo |= STREQ(ifs[i].addrs[j].address, "127.0.0.1") && ifs[i].addrs[j].prefix == 8;
    }
    g_assert_true(lo);
    qemuAgentInterfacesFree(ifs, n);

    g_assert_cmpint(qemuAgentGetFSInfo(agent, &fs, &n), ==, 0);
    qemuAgentFSInfoFree(fs, n);
    g_assert_cmpint(qemuAgentGetUsers(agent, &users, &n), ==, 0);
    qemuAgentUsersFree(users, n);
    g_assert_cmpint(qemuAgentFSFreezeStatusGet(agent, &frozen), ==, 0);
    g_assert_cmpint(frozen, ==, QEMU_AGENT_FSFREEZE_THAWED);
    qemuAgentClose(agent);
}

/* Blocked commands (only harmless ones are tried) come back typed as unsupported. */
static void testBlockedIsUnsupported(void)
{
    qemuAgent *agent = testOpen(TEST_BOUND_MS, TEST_BOUND_MS);
    g_autofree char *out = NULL;

    g_assert_cmpint(
        qemuAgentArbitraryCommand(agent, "{\"execute\":\"guest-get-cpustats\"}", -1, &out), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_AGENT_UNSUPPORTED);
    g_assert_nonnull(strstr(qvGetLastErrorMessage(), "guest-get-cpustats has been disabled"));
    g_assert_cmpint(
        qemuAgentArbitraryCommand(agent, "{\"execute\":\"guest-get-devices\"}", -1, &out), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_AGENT_UNSUPPORTED);
    g_assert_cmpint(
        qemuAgentArbitraryCommand(agent, "{\"execute\":\"guest-no-such-rpc\"}", -1, &out), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_AGENT_UNSUPPORTED);
    /* still in sync afterwards */
    g_assert_cmpint(qemuAgentPing(agent), ==, 0);
    qemuAgentClose(agent);
}

/* A ping that timed out under the 1 s override: at least that long, at most ten times. */
static void testCheckTimedOut(gint64 t0)
{
    gint64 ms = (g_get_monotonic_time() - t0) / 1000;

    g_test_message("timed out after %lld ms: %s", (long long)ms, qvGetLastErrorMessage());
    if (qvGetLastErrorCode() == QV_ERR_AGENT_COMMAND_TIMEOUT)
        g_assert_nonnull(
            strstr(qvGetLastErrorMessage(), "no reply to 'guest-ping' within 1000 ms"));
    g_assert_cmpint(ms, >=, 1000);
    g_assert_cmpint(ms, <=, 10000);
}

/* qemu-ga stopped (SIGSTOP): the next call fails within its bound, typed; once it runs
 * again, the client resynchronises by itself. Only the 1 s per-domain override can end
 * the stopped calls' waits (the agent's own bounds are far longer), and nothing hurries
 * the recovery. */
static void testDeadAgentAndRecovery(void)
{
    qemuAgent *agent = testOpen(TEST_BOUND_MS, TEST_BOUND_MS);
    qemuAgentStats st;
    gint64 t0;
    int code;

    g_assert_cmpint(qemuAgentPing(agent), ==, 0);
    g_assert_cmpint(kill(ha.pid, SIGSTOP), ==, 0);
    g_assert_cmpint(qemuAgentSetResponseTimeout(agent, 1), ==, 0);
    t0 = g_get_monotonic_time();
    g_assert_cmpint(qemuAgentPing(agent), ==, -1);
    code = qvGetLastErrorCode();
    g_assert_true(code == QV_ERR_AGENT_COMMAND_TIMEOUT || code == QV_ERR_AGENT_SYNC_TIMEOUT);
    testCheckTimedOut(t0);
    /* while stopped, a second call has to prove liveness first: a sync timeout */
    t0 = g_get_monotonic_time();
    g_assert_cmpint(qemuAgentPing(agent), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_AGENT_SYNC_TIMEOUT);
    testCheckTimedOut(t0);
    g_assert_cmpint(kill(ha.pid, SIGCONT), ==, 0);
    g_assert_cmpint(qemuAgentSetResponseTimeout(agent, QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_DEFAULT),
                    ==, 0);
    /* the queued pings and syncs are answered late, and dropped */
    g_assert_cmpint(qemuAgentPing(agent), ==, 0);
    g_assert_cmpint(qemuAgentPing(agent), ==, 0);
    qemuAgentGetStats(agent, &st);
    g_assert_cmpuint(st.timeouts, ==, 2);
    g_assert_cmpuint(st.strikes, ==, 0);
    qemuAgentClose(agent);
}

int main(int argc, char **argv)
{
    g_autofree char *error = NULL;
    int ret;

    testInit(&argc, &argv);
    if (!testHostAgentStart(&ha, extraBlocked, &error)) {
        /* never skipped: the test machine is broken */
        printf("1..1\nnot ok 1 - %s\n", error);
        return 1;
    }
    g_test_add_func("/agent-host/ping-and-sync", testPingAndSync);
    g_test_add_func("/agent-host/info-shows-blocked", testInfoShowsBlocked);
    g_test_add_func("/agent-host/read-only-queries", testReadOnlyQueries);
    g_test_add_func("/agent-host/blocked-is-unsupported", testBlockedIsUnsupported);
    g_test_add_func("/agent-host/dead-agent-and-recovery", testDeadAgentAndRecovery);
    ret = g_test_run();
    testHostAgentStop(&ha);
    return ret;
}
