/* qemuagenttest.c: the agent client against a scripted fake agent replaying the
 * conversations in tests/qemuagentdata/<scenario>.txt (hostile ones included), plus
 * concurrency cases that a script cannot express. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qemu_agent.h"
#include "qverror.h"
#include "qvjson.h"
#include "testfakepeer.h"
#include "testutils.h"

/* Directives only an agent peer knows: syncs, and what QEMU would tell the client. */
static bool agentPeerHook(testFakePeer *peer, const char *cmd, const char *arg, void *opaque)
{
    qemuAgent *agent = opaque;

    if (STREQ(cmd, "recv-sync") || STREQ(cmd, "sync")) {
        g_autofree char *line = testFakePeerReadLine(peer, true);
        g_autofree char *err = NULL;
        g_autoptr(qvJSONValue) v = line ? qvJSONParse(line, strlen(line), 64, &err) : NULL;

        if (!v ||
            g_strcmp0(qvJSONGetString(qvJSONObjectGet(v, "execute")), "guest-sync-delimited") !=
                0 ||
            qvJSONGetLLong(qvJSONObjectGet(qvJSONObjectGet(v, "arguments"), "id"), &peer->syncId) <
                0) {
            testFakePeerFail(peer, "expected 0xFF + guest-sync-delimited, got '%s'", NULLSTR(line));
            return true;
        }
        if (STREQ(cmd, "sync")) {
            /* what qemu-ga 7.2 really sends: an error for the 0xFF, then the answer */
            g_autofree char *r = g_strdup_printf(
                "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, "
                "stray '\\uFFFD'\"}}\n\xff{\"return\": %lld}\n",
                peer->syncId);

            testFakePeerWrite(peer, r, strlen(r));
        }
    } else if (STREQ(cmd, "send-sync")) {
        g_autofree char *r = g_strdup_printf("\xff{\"return\": %lld}\n", peer->syncId);

        testFakePeerWrite(peer, r, strlen(r));
    } else if (STREQ(cmd, "event")) {
        qemuAgentNotifyEvent(agent, STREQ(arg, "RESET")     ? QEMU_AGENT_EVENT_RESET
                                    : STREQ(arg, "SUSPEND") ? QEMU_AGENT_EVENT_SUSPEND
                                                            : QEMU_AGENT_EVENT_SHUTDOWN);
    } else if (STREQ(cmd, "channel")) {
        qemuAgentNotifyChannelState(agent, STREQ(arg, "open"));
    } else {
        return false;
    }
    return true;
}

/* ---- the client side: calls and their results as text ---- */

static char *testResult(int rc, char *text)
{
    if (rc < 0) {
        g_free(text);
        return g_strdup_printf("error %s: %s", testErrorCodeName(qvGetLastErrorCode()),
                               qvGetLastErrorMessage());
    }
    return text ? text : g_strdup("ok");
}

static char *testCall(qemuAgent *agent, char **w)
{
    const char *name = w[1];
    int rc = -1;

    if (STREQ(name, "ping"))
        return testResult(qemuAgentPing(agent), NULL);
    if (STREQ(name, "info")) {
        g_autoptr(qemuAgentInfo) info = NULL;
        size_t i, enabled = 0;

        if ((rc = qemuAgentGetInfo(agent, &info)) < 0)
            return testResult(rc, NULL);
        for (i = 0; i < info->ncommands; i++)
            enabled += info->commands[i].enabled;
        return g_strdup_printf("ok version=%s commands=%zu enabled=%zu", info->version,
                               info->ncommands, enabled);
    }
    if (STREQ(name, "freeze") || STREQ(name, "thaw") || STREQ(name, "thaw-priority")) {
        if (STREQ(name, "freeze"))
            rc = qemuAgentFSFreeze(agent, w[2] ? (const char *const *)w + 2 : NULL,
                                   w[2] ? g_strv_length(w + 2) : 0);
        else
            rc = qemuAgentFSThaw(agent, STREQ(name, "thaw-priority"));
        return testResult(rc, rc >= 0 ? g_strdup_printf("ok %d", rc) : NULL);
    }
    if (STREQ(name, "status")) {
        qemuAgentFSFreezeStatus st;

        rc = qemuAgentFSFreezeStatusGet(agent, &st);
        return testResult(rc, rc >= 0 ? g_strdup_printf("ok %s", st ? "frozen" : "thawed") : NULL);
    }
    if (STREQ(name, "time")) {
        long long s;
        unsigned int ns;

        rc = qemuAgentGetTime(agent, &s, &ns);
        return testResult(rc, rc >= 0 ? g_strdup_printf("ok %lld.%09u", s, ns) : NULL);
    }
    if (STREQ(name, "settime")) {
        if (STREQ(w[2], "sync"))
            rc = qemuAgentSetTime(agent, 0, 0, true);
        else
            rc = qemuAgentSetTime(agent, g_ascii_strtoll(w[2], NULL, 10),
                                  (unsigned int)g_ascii_strtoull(w[3], NULL, 10), false);
        return testResult(rc, NULL);
    }
    if (STREQ(name, "osinfo")) {
        g_auto(GStrv) k = NULL;
        g_auto(GStrv) v = NULL;
        g_autoptr(GString) out = g_string_new("ok");
        size_t i;

        if ((rc = qemuAgentGetOSInfo(agent, &k, &v)) < 0)
            return testResult(rc, NULL);
        for (i = 0; k[i]; i++)
            g_string_append_printf(out, " %s=%s", k[i], v[i]);
        return g_string_free(g_steal_pointer(&out), FALSE);
    }
    if (STREQ(name, "hostname")) {
        g_autofree char *h = NULL;

        rc = qemuAgentGetHostname(agent, &h);
        return testResult(rc, rc >= 0 ? g_strdup_printf("ok %s", h) : NULL);
    }
    if (STREQ(name, "users")) {
        qemuAgentUser *u = NULL;
        size_t n = 0, i;
        g_autoptr(GString) out = g_string_new("ok");

        if ((rc = qemuAgentGetUsers(agent, &u, &n)) < 0)
            return testResult(rc, NULL);
        for (i = 0; i < n; i++)
            g_string_append_printf(out, " %s@%s:%llu", u[i].name, NULLSTR(u[i].domain),
                                   u[i].loginTime);
        qemuAgentUsersFree(u, n);
        return g_string_free(g_steal_pointer(&out), FALSE);
    }
    if (STREQ(name, "timezone")) {
        g_autofree char *z = NULL;
        int off = 0;

        rc = qemuAgentGetTimezone(agent, &z, &off);
        return testResult(rc, rc >= 0 ? g_strdup_printf("ok %s %d", NULLSTR(z), off) : NULL);
    }
    if (STREQ(name, "fsinfo")) {
        qemuAgentFSInfo *f = NULL;
        size_t n = 0, i, j;
        g_autoptr(GString) out = g_string_new("ok");

        if ((rc = qemuAgentGetFSInfo(agent, &f, &n)) < 0)
            return testResult(rc, NULL);
        for (i = 0; i < n; i++) {
            g_string_append_printf(out, " %s:%s:%s:%lld:%lld", f[i].mountpoint, f[i].name,
                                   f[i].fstype, f[i].totalBytes, f[i].usedBytes);
            for (j = 0; j < f[i].ndisks; j++)
                g_string_append_printf(
                    out, "[%s/%s/%s/%u:%u:%u.%u/%u:%u]", NULLSTR(f[i].disks[j].alias),
                    NULLSTR(f[i].disks[j].serial), f[i].disks[j].bus, f[i].disks[j].pciDomain,
                    f[i].disks[j].pciBus, f[i].disks[j].pciSlot, f[i].disks[j].pciFunction,
                    f[i].disks[j].target, f[i].disks[j].unit);
        }
        qemuAgentFSInfoFree(f, n);
        return g_string_free(g_steal_pointer(&out), FALSE);
    }
    if (STREQ(name, "disks")) {
        qemuAgentDiskInfo *d = NULL;
        size_t n = 0, i;
        g_autoptr(GString) out = g_string_new("ok");

        if ((rc = qemuAgentGetDisks(agent, &d, &n)) < 0)
            return testResult(rc, NULL);
        for (i = 0; i < n; i++) {
            g_autofree char *deps =
                d[i].dependencies ? g_strjoinv(",", d[i].dependencies) : g_strdup("-");

            g_string_append_printf(out, " %s:%d:%s:%s", d[i].name, d[i].partition,
                                   NULLSTR(d[i].alias), deps);
        }
        qemuAgentDisksFree(d, n);
        return g_string_free(g_steal_pointer(&out), FALSE);
    }
    if (STREQ(name, "interfaces")) {
        qemuAgentInterface *ifs = NULL;
        size_t n = 0, i, j;
        g_autoptr(GString) out = g_string_new("ok");

        if ((rc = qemuAgentGetInterfaces(agent, &ifs, &n)) < 0)
            return testResult(rc, NULL);
        for (i = 0; i < n; i++) {
            g_string_append_printf(out, " %s(%s)", ifs[i].name, NULLSTR(ifs[i].hwaddr));
            for (j = 0; j < ifs[i].naddrs; j++)
                g_string_append_printf(out, " %s/%u", ifs[i].addrs[j].address,
                                       ifs[i].addrs[j].prefix);
        }
        qemuAgentInterfacesFree(ifs, n);
        return g_string_free(g_steal_pointer(&out), FALSE);
    }
    if (STREQ(name, "vcpus")) {
        g_autofree qemuAgentCPUInfo *c = NULL;
        size_t n = 0, i;
        g_autoptr(GString) out = g_string_new("ok");

        if ((rc = qemuAgentGetVCPUs(agent, &c, &n)) < 0)
            return testResult(rc, NULL);
        for (i = 0; i < n; i++)
            g_string_append_printf(out, " %u:%s:%s", c[i].id, c[i].online ? "on" : "off",
                                   c[i].offlinable ? "offlinable" : "fixed");
        return g_string_free(g_steal_pointer(&out), FALSE);
    }
    if (STREQ(name, "setvcpus")) {
        qemuAgentCPUInfo c[] = { { 0, true, false }, { 1, false, true } };

        rc = qemuAgentSetVCPUs(agent, c, 2);
        return testResult(rc, rc >= 0 ? g_strdup_printf("ok %d", rc) : NULL);
    }
    if (STREQ(name, "password"))
        return testResult(qemuAgentSetUserPassword(agent, w[2], w[3], false), NULL);
    if (STREQ(name, "shutdown"))
        return testResult(
            qemuAgentShutdown(agent, STREQ(w[2], "reboot") ? QEMU_AGENT_SHUTDOWN_REBOOT
                                     : STREQ(w[2], "halt") ? QEMU_AGENT_SHUTDOWN_HALT
                                                           : QEMU_AGENT_SHUTDOWN_POWERDOWN),
            NULL);
    if (STREQ(name, "suspend"))
        return testResult(qemuAgentSuspend(agent, STREQ(w[2], "disk") ? QEMU_AGENT_SUSPEND_DISK
                                                                      : QEMU_AGENT_SUSPEND_RAM),
                          NULL);
    if (STREQ(name, "raw")) {
        /* raw TIMEOUT JSON... */
        g_autofree char *json = g_strjoinv(" ", w + 3);
        g_autofree char *out = NULL;

        rc = qemuAgentArbitraryCommand(agent, json, atoi(w[2]), &out);
        return testResult(rc, rc >= 0 ? g_strdup_printf("ok %s", out ? out : "(no reply)") : NULL);
    }
    return g_strdup_printf("unknown call '%s'", name);
}

static void testApplyConfig(qemuAgentConfig *cfg, char **w)
{
    static const struct {
        const char *key;
        int klass;
    } classes[] = {
        { "sync_ms", QEMU_AGENT_TIMEOUT_SYNC },
        { "query_ms", QEMU_AGENT_TIMEOUT_QUERY },
        { "inventory_ms", QEMU_AGENT_TIMEOUT_INVENTORY },
        { "modify_ms", QEMU_AGENT_TIMEOUT_MODIFY },
        { "freeze_ms", QEMU_AGENT_TIMEOUT_FREEZE },
        { "thaw_ms", QEMU_AGENT_TIMEOUT_THAW },
        { "power_ms", QEMU_AGENT_TIMEOUT_POWER },
    };
    size_t i, j;

    for (i = 1; w[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(w[i], "=", 2);
        long long v = g_ascii_strtoll(kv[1], NULL, 10);

        for (j = 0; j < G_N_ELEMENTS(classes); j++) {
            if (STREQ(kv[0], classes[j].key))
                cfg->timeoutsMs[classes[j].klass] = (int)v;
        }
        if (STREQ(kv[0], "max_reply"))
            cfg->maxReplyBytes = (size_t)v;
        else if (STREQ(kv[0], "max_big_reply"))
            cfg->maxBigReplyBytes = (size_t)v;
        else if (STREQ(kv[0], "depth"))
            cfg->maxDepth = (unsigned int)v;
        else if (STREQ(kv[0], "strikes"))
            cfg->maxStrikes = (unsigned int)v;
        else if (STREQ(kv[0], "sync_each"))
            cfg->syncEachCommand = v != 0;
    }
}

/* An agent on one end of a socketpair, a fake peer on the other. */
typedef struct {
    qemuAgent *agent;
    testFakePeer peer;
} testSetup;

static void testSetupOpen(testSetup *t, const char *name, const qemuAgentConfig *cfg, int sndbuf)
{
    int sv[2];

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    if (sndbuf)
        setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    t->agent = qemuAgentOpenFD(sv[0], name, cfg, NULL, NULL);
    testFakePeerInit(&t->peer, sv[1], agentPeerHook, t->agent);
}

static void testSetupCheckPeer(testSetup *t, const char *name)
{
    if (t->peer.error) {
        g_test_message("%s: fake agent: %s", name, t->peer.error);
        g_test_fail();
    }
}

static void testSetupClose(testSetup *t)
{
    qemuAgentClose(t->agent);
    close(t->peer.fd);
    testFakePeerClear(&t->peer);
}

static void testScript(testSetup *t, const char *const *lines)
{
    g_ptr_array_set_size(t->peer.script, 0);
    for (; *lines; lines++)
        g_ptr_array_add(t->peer.script, g_strdup(*lines));
}

static void testScenario(gconstpointer data)
{
    const char *name = data;
    g_autofree char *file = g_strdup_printf("%s.txt", name);
    g_autofree char *path = testDataPath("qemuagentdata", file);
    g_autofree char *text = testLoadFile(path);
    g_autoptr(GPtrArray) client = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) server = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *result = NULL;
    qemuAgentConfig cfg;
    testSetup t = { 0 };
    GThread *thread;
    gint64 elapsed = 0;
    size_t i;

    qemuAgentConfigInit(&cfg);
    testSplitScenario(text, client, server);
    for (i = 0; i < client->len; i++) {
        if (g_str_has_prefix(client->pdata[i], "config ")) {
            g_auto(GStrv) w = g_strsplit(client->pdata[i], " ", -1);

            testApplyConfig(&cfg, w);
        }
    }
    testSetupOpen(&t, name, &cfg, 0);
    g_ptr_array_extend_and_steal(t.peer.script, g_steal_pointer(&server));
    thread = testFakePeerStart(&t.peer);

    for (i = 0; i < client->len; i++) {
        const char *line = client->pdata[i];
        g_auto(GStrv) w = g_strsplit(line, " ", -1);
        const char *rest = strchr(line, ' ') ? strchr(line, ' ') + 1 : "";

        if (STREQ(w[0], "call")) {
            gint64 t0 = g_get_monotonic_time();

            g_free(result);
            qvResetLastError();
            result = testCall(t.agent, w);
            elapsed = (g_get_monotonic_time() - t0) / 1000;
        } else if (testScriptExpect(name, i, w, rest, result, elapsed)) {
            /* checked */
        } else if (STREQ(w[0], "stats")) {
            qemuAgentStats st;
            size_t k;

            qemuAgentGetStats(t.agent, &st);
            for (k = 1; w[k]; k++) {
                g_auto(GStrv) kv = g_strsplit(w[k], "=", 2);
                unsigned long long want = g_ascii_strtoull(kv[1], NULL, 10);
                unsigned long long got = STREQ(kv[0], "syncs")      ? st.syncs
                                         : STREQ(kv[0], "strikes")  ? st.strikes
                                         : STREQ(kv[0], "stale")    ? st.stale
                                         : STREQ(kv[0], "timeouts") ? st.timeouts
                                                                    : st.commands;

                if (got != want) {
                    g_test_message("%s: step %zu: %s is %llu, expected %llu", name, i, kv[0], got,
                                   want);
                    g_test_fail();
                }
            }
        } else if (STREQ(w[0], "set-timeout")) {
            int rc = qemuAgentSetResponseTimeout(t.agent, atoi(w[1]));

            g_free(result);
            result = testResult(rc, NULL);
        } else if (STREQ(w[0], "channel")) {
            qemuAgentNotifyChannelState(t.agent, STREQ(w[1], "open"));
        } else if (STREQ(w[0], "signal")) {
            testFakePeerSignal(&t.peer, w[1]);
        } else if (STREQ(w[0], "wait")) {
            if (!testFakePeerWait(&t.peer, w[1])) {
                g_test_message("%s: step %zu: the fake agent never signalled '%s'", name, i, w[1]);
                g_test_fail();
            }
        } else if (STREQ(w[0], "quarantined")) {
            g_assert_cmpint(qemuAgentIsQuarantined(t.agent), ==, STREQ(w[1], "yes"));
        } else if (STRNEQ(w[0], "config")) {
            g_test_message("%s: unknown client directive '%s'", name, w[0]);
            g_test_fail();
        }
    }
    g_thread_join(thread);
    testSetupCheckPeer(&t, name);
    testSetupClose(&t);
}

/* ---- what scripts cannot say: several callers at once ---- */

typedef struct {
    qemuAgent *agent;
    const char *what;
    char *result;
} testCaller;

static gpointer testCallerThread(gpointer data)
{
    testCaller *c = data;
    g_auto(GStrv) w = g_strsplit(c->what, " ", -1);

    c->result = testCall(c->agent, w);
    return NULL;
}

/* Wait until the agent's counter at offset (in qemuAgentStats) reaches n: calls queued
 * behind the one in flight, qemuAgentHold callers waiting or holding. */
static void testWaitStat(qemuAgent *agent, gsize offset, unsigned long long n)
{
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    qemuAgentStats st;

    for (;;) {
        qemuAgentGetStats(agent, &st);
        if (G_STRUCT_MEMBER(unsigned long long, &st, offset) >= n ||
            g_get_monotonic_time() > deadline)
            break;
        g_usleep(1000);
    }
    g_assert_cmpuint(G_STRUCT_MEMBER(unsigned long long, &st, offset), ==, n);
}

#define testWaitQueued(agent, n) testWaitStat(agent, G_STRUCT_OFFSET(qemuAgentStats, queued), n)
#define testWaitHolds(agent, n) testWaitStat(agent, G_STRUCT_OFFSET(qemuAgentStats, holds), n)

/* A queued thaw with priority goes ahead of queued commands; everyone is answered in
 * turn, each matched to its own reply. The order of arrival is made, not hoped for:
 * the ping is in flight (its sync is on the wire), then the time call is queued, then
 * the thaw; the fake agent answers nothing until all three are in place. */
static void testQueueAndPriority(void)
{
    static const char *const script[] = {
        "send-sync",
        "recv guest-ping",
        "reply {\"return\": {}}",
        "recv guest-fsfreeze-thaw",
        "reply {\"return\": 3}",
        "recv guest-get-time",
        "reply {\"return\": 1700000000123456789}",
        NULL,
    };
    testCaller callers[] = { { .what = "call ping" },
                             { .what = "call time" },
                             { .what = "call thaw-priority" } };
    GThread *threads[3];
    qemuAgentConfig cfg;
    testSetup t = { 0 };
    size_t i;

    qemuAgentConfigInit(&cfg);
    /* nothing here may time out, however slowly the callers get going */
    cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_SYNC] = 60000;
    cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_QUERY] = 60000;
    cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_THAW] = 60000;
    testSetupOpen(&t, "queue", &cfg, 0);
    for (i = 0; i < 3; i++) {
        callers[i].agent = t.agent;
        threads[i] = g_thread_new("caller", testCallerThread, &callers[i]);
        if (i == 0)
            testFakePeerDirective(&t.peer, "recv-sync");
        else
            testWaitQueued(t.agent, i);
    }
    testSetupCheckPeer(&t, "queue");
    testScript(&t, script);
    testFakePeerRun(&t.peer);
    for (i = 0; i < 3; i++)
        g_thread_join(threads[i]);
    testSetupCheckPeer(&t, "queue");
    g_assert_cmpstr(callers[0].result, ==, "ok");
    g_assert_cmpstr(callers[1].result, ==, "ok 1700000000.123456789");
    g_assert_cmpstr(callers[2].result, ==, "ok 3");
    for (i = 0; i < 3; i++)
        g_free(callers[i].result);
    testSetupClose(&t);
}

static gpointer testHoldThread(gpointer data)
{
    qemuAgent *agent = data;

    return GINT_TO_POINTER(qemuAgentHold(agent, 60000) == 0 ? 1 : 2);
}

/* A hold (the connection lent out for a quiesced snapshot) waits for the command in
 * flight, then starts nothing: a call made meanwhile waits, queued, until the release. */
static void testHoldAndRelease(void)
{
    static const char *const before[] = {
        "send-sync",
        "recv guest-ping",
        "reply {\"return\": {}}",
        NULL,
    };
    static const char *const after[] = {
        "recv guest-get-time",
        "reply {\"return\": 1700000000123456789}",
        NULL,
    };
    testCaller ping = { .what = "call ping" }, time = { .what = "call time" };
    GThread *pinger, *holder, *timer;
    qemuAgentConfig cfg;
    testSetup t = { 0 };
    qemuAgentStats st;

    qemuAgentConfigInit(&cfg);
    cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_SYNC] = 60000;
    cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_QUERY] = 60000;
    testSetupOpen(&t, "hold", &cfg, 0);
    ping.agent = time.agent = t.agent;
    pinger = g_thread_new("ping", testCallerThread, &ping);
    testFakePeerDirective(&t.peer, "recv-sync"); /* the ping is in flight */
    holder = g_thread_new("hold", testHoldThread, t.agent);
    testWaitHolds(t.agent, 1); /* waiting for the ping to end */
    timer = g_thread_new("time", testCallerThread, &time);
    testWaitQueued(t.agent, 1);
    testSetupCheckPeer(&t, "hold");
    testScript(&t, before);
    testFakePeerRun(&t.peer);
    g_thread_join(pinger);
    g_assert_cmpstr(ping.result, ==, "ok");
    g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(holder)), ==, 1);
    /* held: the time call is still queued, nothing was sent for it */
    qemuAgentGetStats(t.agent, &st);
    g_assert_cmpuint(st.queued, ==, 1);
    g_assert_null(time.result);
    qemuAgentRelease(t.agent);
    testScript(&t, after);
    testFakePeerRun(&t.peer);
    g_thread_join(timer);
    g_assert_cmpstr(time.result, ==, "ok 1700000000.123456789");
    testSetupCheckPeer(&t, "hold");
    g_free(ping.result);
    g_free(time.result);
    testSetupClose(&t);
}

/* A command that cannot be written completely (the agent reads nothing) times out; the
 * next thing on the wire starts with 0xFF, so qemu-ga's parser drops the half object. */
static void testAbandonedWriteIsFlushed(void)
{
    static const char *const pingScript[] = { "sync", "recv guest-ping", "reply {\"return\": {}}",
                                              NULL };
    g_autoptr(GString) big = g_string_new("{\"execute\":\"guest-ping\",\"arguments\":{\"pad\":\"");
    g_autofree char *out = NULL;
    qemuAgentConfig cfg;
    testSetup t = { 0 };
    testCaller c = { .what = "call ping" };
    GThread *thread;
    gint64 t0;
    char *ff;

    qemuAgentConfigInit(&cfg);
    /* only the raw command's own 1 s may run out */
    cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_QUERY] = 60000;
    cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_SYNC] = 60000;
    while (big->len < 4 * 1024 * 1024)
        g_string_append(big, "xxxxxxxxxxxxxxxx");
    g_string_append(big, "\"}}");
    testSetupOpen(&t, "abandon", &cfg, 4096);
    c.agent = t.agent;

    /* in sync first */
    thread = g_thread_new("caller", testCallerThread, &c);
    testScript(&t, pingScript);
    testFakePeerRun(&t.peer);
    g_thread_join(thread);
    g_assert_cmpstr(c.result, ==, "ok");
    g_clear_pointer(&c.result, g_free);

    /* the raw command fills the socket and stays half-written */
    g_assert_cmpint(qemuAgentArbitraryCommand(t.agent, big->str, 1, &out), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_AGENT_COMMAND_TIMEOUT);
    g_assert_null(out);

    /* now read everything: the half command, then 0xFF and a fresh sync */
    t0 = g_get_monotonic_time();
    g_string_truncate(t.peer.in, 0);
    thread = g_thread_new("caller", testCallerThread, &c);
    while (!(ff = memchr(t.peer.in->str, '\xff', t.peer.in->len)) &&
           g_get_monotonic_time() - t0 < 60 * G_USEC_PER_SEC)
        testFakePeerFill(&t.peer, 100);
    g_assert_nonnull(ff);
    g_assert_cmpuint(ff - t.peer.in->str, >, 0);
    g_assert_cmpuint(ff - t.peer.in->str, <, big->len);
    g_string_erase(t.peer.in, 0, ff - t.peer.in->str);
    testScript(&t, pingScript);
    testFakePeerRun(&t.peer);
    g_thread_join(thread);
    testSetupCheckPeer(&t, "abandon");
    g_assert_cmpstr(c.result, ==, "ok");
    g_free(c.result);
    testSetupClose(&t);
}

/* A call from the agent's own callbacks would wait for itself: refused. */
static void testEOFCallback(qemuAgent *agent, void *opaque)
{
    int *code = opaque;

    *code = qemuAgentPing(agent) == 0 ? 0 : qvGetLastErrorCode();
}

static void testNoCallFromCallback(void)
{
    static const char *const script[] = { "sync", "recv guest-ping", "close", NULL };
    qemuAgentCallbacks cb = { .eof = testEOFCallback };
    qemuAgentConfig cfg;
    qemuAgent *agent;
    testFakePeer peer;
    GThread *thread;
    int sv[2], code = -1;

    qemuAgentConfigInit(&cfg);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    agent = qemuAgentOpenFD(sv[0], "self", &cfg, &cb, &code);
    testFakePeerInit(&peer, sv[1], agentPeerHook, agent);
    for (const char *const *l = script; *l; l++)
        g_ptr_array_add(peer.script, g_strdup(*l));
    thread = testFakePeerStart(&peer);
    g_assert_cmpint(qemuAgentPing(agent), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_AGENT_NOT_CONNECTED);
    g_thread_join(thread);
    g_assert_cmpint(code, ==, QV_ERR_INTERNAL_ERROR);
    g_assert_null(peer.error);
    qemuAgentClose(agent);
    close(sv[1]);
    testFakePeerClear(&peer);
}

int main(int argc, char **argv)
{
    g_autoptr(GPtrArray) cases = NULL;
    guint i;

    testInit(&argc, &argv);
    cases = testListCases("qemuagentdata", ".txt");
    for (i = 0; i < cases->len; i++) {
        g_autofree char *p = g_strdup_printf("/agent/script/%s", (char *)cases->pdata[i]);

        g_test_add_data_func(p, cases->pdata[i], testScenario);
    }
    g_test_add_func("/agent/queue-and-priority", testQueueAndPriority);
    g_test_add_func("/agent/hold-and-release", testHoldAndRelease);
    g_test_add_func("/agent/abandoned-write-is-flushed", testAbandonedWriteIsFlushed);
    g_test_add_func("/agent/no-call-from-callback", testNoCallFromCallback);
    return g_test_run();
}
