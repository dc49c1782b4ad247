/* qemuagenttest.c: the agent client against a scripted fake agent replaying the
 * conversations in tests/qemuagentdata/<scenario>.txt (hostile ones included), plus
 * concurrency cases that a script cannot express. */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qemu_agent.h"
#include "qverror.h"
#include "qveventthread.h"
#include "qvjson.h"
#include "testutils.h"

#define SERVER_WAIT_MS 5000

typedef struct {
    int fd;
    GPtrArray *script;
    qemuAgent *agent;
    char *lastId;
    long long syncId;
    GString *in;
    char *error;
    int line;
} testServer;

static const char *testCodeName(int code)
{
    switch (code) {
    case QV_ERR_AGENT_NOT_CONFIGURED:
        return "AGENT_NOT_CONFIGURED";
    case QV_ERR_AGENT_NOT_CONNECTED:
        return "AGENT_NOT_CONNECTED";
    case QV_ERR_AGENT_SYNC_TIMEOUT:
        return "AGENT_SYNC_TIMEOUT";
    case QV_ERR_AGENT_COMMAND_TIMEOUT:
        return "AGENT_COMMAND_TIMEOUT";
    case QV_ERR_AGENT_COMMAND_FAILED:
        return "AGENT_COMMAND_FAILED";
    case QV_ERR_AGENT_UNSUPPORTED:
        return "AGENT_UNSUPPORTED";
    case QV_ERR_AGENT_GUEST_FROZEN:
        return "AGENT_GUEST_FROZEN";
    case QV_ERR_AGENT_MALFORMED_REPLY:
        return "AGENT_MALFORMED_REPLY";
    case QV_ERR_AGENT_QUARANTINED:
        return "AGENT_QUARANTINED";
    case QV_ERR_INVALID_ARG:
        return "INVALID_ARG";
    default:
        return "OTHER";
    }
}

/* ---- the fake agent (its own thread, blocking I/O with bounds) ---- */

static void serverFail(testServer *srv, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void serverFail(testServer *srv, const char *fmt, ...)
{
    va_list ap;

    if (srv->error)
        return;
    va_start(ap, fmt);
    srv->error = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

static bool serverFill(testServer *srv, int timeoutMs)
{
    struct pollfd pfd = { .fd = srv->fd, .events = POLLIN };
    char buf[65536];
    ssize_t n;

    if (poll(&pfd, 1, timeoutMs) <= 0)
        return false;
    n = read(srv->fd, buf, sizeof(buf));
    if (n <= 0)
        return false;
    g_string_append_len(srv->in, buf, n);
    return true;
}

static char *serverReadLine(testServer *srv, bool skipToFF)
{
    gint64 deadline = g_get_monotonic_time() + SERVER_WAIT_MS * 1000;

    for (;;) {
        char *nl;

        if (skipToFF) {
            char *ff = memchr(srv->in->str, '\xff', srv->in->len);

            if (ff) {
                g_string_erase(srv->in, 0, ff - srv->in->str + 1);
                skipToFF = false;
            } else {
                g_string_truncate(srv->in, 0);
            }
        }
        if (!skipToFF && (nl = memchr(srv->in->str, '\n', srv->in->len))) {
            char *line = g_strndup(srv->in->str, nl - srv->in->str);

            g_string_erase(srv->in, 0, nl - srv->in->str + 1);
            return line;
        }
        if (g_get_monotonic_time() > deadline ||
            !serverFill(srv, (int)((deadline - g_get_monotonic_time()) / 1000) + 1))
            return NULL;
    }
}

static void serverWrite(testServer *srv, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(srv->fd, data, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            serverFail(srv, "write: %s", g_strerror(errno));
            return;
        }
        data += n;
        len -= (size_t)n;
    }
}

static char *serverWithId(testServer *srv, const char *json)
{
    g_autofree char *err = NULL;
    g_autoptr(qvJSONValue) v = qvJSONParse(json, strlen(json), 64, &err);

    if (!v) {
        serverFail(srv, "bad JSON in script: %s", err);
        return NULL;
    }
    qvJSONObjectAppend(v, "id", qvJSONNewString(srv->lastId ? srv->lastId : ""));
    return qvJSONFormat(v, false);
}

static void serverRun(testServer *srv)
{
    guint i;

    for (i = 0; i < srv->script->len && !srv->error; i++) {
        g_auto(GStrv) w = g_strsplit(srv->script->pdata[i], " ", 2);
        const char *cmd = w[0];
        const char *arg = w[1] ? w[1] : "";

        if (STREQ(cmd, "recv-sync") || STREQ(cmd, "sync")) {
            g_autofree char *line = serverReadLine(srv, true);
            g_autofree char *err = NULL;
            g_autoptr(qvJSONValue) v = line ? qvJSONParse(line, strlen(line), 64, &err) : NULL;

            if (!v ||
                g_strcmp0(qvJSONGetString(qvJSONObjectGet(v, "execute")), "guest-sync-delimited") !=
                    0 ||
                qvJSONGetLLong(qvJSONObjectGet(qvJSONObjectGet(v, "arguments"), "id"),
                               &srv->syncId) < 0) {
                serverFail(srv, "expected 0xFF + guest-sync-delimited, got '%s'", NULLSTR(line));
                break;
            }
            if (STREQ(cmd, "sync")) {
                g_autofree char *r = g_strdup_printf(
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, "
                    "stray '\\uFFFD'\"}}\n\xff{\"return\": %lld}\n",
                    srv->syncId);

                serverWrite(srv, r, strlen(r));
            }
        } else if (STREQ(cmd, "send-sync")) {
            g_autofree char *r = g_strdup_printf("\xff{\"return\": %lld}\n", srv->syncId);

            serverWrite(srv, r, strlen(r));
        } else if (STREQ(cmd, "recv")) {
            g_auto(GStrv) a = g_strsplit(arg, " ", 2);
            g_autofree char *line = serverReadLine(srv, false);
            g_autofree char *err = NULL;
            g_autoptr(qvJSONValue) v = line ? qvJSONParse(line, strlen(line), 64, &err) : NULL;
            const char *exec = v ? qvJSONGetString(qvJSONObjectGet(v, "execute")) : NULL;
            qvJSONValue *id = v ? qvJSONObjectGet(v, "id") : NULL;

            if (!exec || STRNEQ(exec, a[0]) || !qvJSONGetString(id)) {
                serverFail(srv, "expected %s with an id, got '%s'", a[0], NULLSTR(line));
                break;
            }
            g_free(srv->lastId);
            srv->lastId = g_strdup(qvJSONGetString(id));
            if (a[1]) {
                qvJSONValue *args = qvJSONObjectGet(v, "arguments");
                g_autofree char *text = args ? qvJSONFormat(args, false) : g_strdup("none");

                if (STRNEQ(text, a[1]))
                    serverFail(srv, "%s arguments are %s, expected %s", a[0], text, a[1]);
            }
        } else if (STREQ(cmd, "reply")) {
            g_autofree char *r = serverWithId(srv, arg);

            if (r) {
                serverWrite(srv, r, strlen(r));
                serverWrite(srv, "\n", 1);
            }
        } else if (STREQ(cmd, "trickle")) {
            g_autofree char *r = serverWithId(srv, arg);
            size_t k;

            for (k = 0; r && k <= strlen(r); k++) {
                serverWrite(srv, k < strlen(r) ? r + k : "\n", 1);
                g_usleep(1000);
            }
        } else if (STREQ(cmd, "sendline") || STREQ(cmd, "send")) {
            g_autofree char *raw = g_strcompress(arg);

            serverWrite(srv, raw, strlen(raw));
            if (STREQ(cmd, "sendline"))
                serverWrite(srv, "\n", 1);
        } else if (STREQ(cmd, "flood")) {
            g_auto(GStrv) a = g_strsplit(arg, " ", 2);
            int n = atoi(a[0]), k;
            g_autofree char *l = g_strdup_printf("%s\n", a[1]);

            for (k = 0; k < n; k++)
                serverWrite(srv, l, strlen(l));
        } else if (STREQ(cmd, "bigline")) {
            /* N bytes of a long JSON string, then (if "nl") a newline */
            g_auto(GStrv) a = g_strsplit(arg, " ", 2);
            size_t n = (size_t)g_ascii_strtoull(a[0], NULL, 10);
            g_autofree char *b = g_malloc(n);

            memset(b, 'a', n);
            b[0] = '"';
            serverWrite(srv, b, n);
            if (a[1] && STREQ(a[1], "nl"))
                serverWrite(srv, "\"\n", 2);
        } else if (STREQ(cmd, "sleep")) {
            g_usleep((gulong)atoi(arg) * 1000);
        } else if (STREQ(cmd, "silence")) {
            if (serverFill(srv, atoi(arg)))
                serverFail(srv, "expected silence, got '%s'", srv->in->str);
        } else if (STREQ(cmd, "close")) {
            shutdown(srv->fd, SHUT_RDWR);
        } else if (STREQ(cmd, "event")) {
            qemuAgentNotifyEvent(srv->agent, STREQ(arg, "RESET")     ? QEMU_AGENT_EVENT_RESET
                                             : STREQ(arg, "SUSPEND") ? QEMU_AGENT_EVENT_SUSPEND
                                                                     : QEMU_AGENT_EVENT_SHUTDOWN);
        } else if (STREQ(cmd, "channel")) {
            qemuAgentNotifyChannelState(srv->agent, STREQ(arg, "open"));
        } else {
            serverFail(srv, "unknown server directive '%s'", cmd);
        }
    }
}

static gpointer serverThread(gpointer data)
{
    serverRun(data);
    return NULL;
}

/* ---- the client side: calls and their results as text ---- */

static char *testResult(int rc, char *text)
{
    if (rc < 0) {
        g_free(text);
        return g_strdup_printf("error %s: %s", testCodeName(qvGetLastErrorCode()),
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

static void testScenario(gconstpointer data)
{
    const char *name = data;
    g_autofree char *file = g_strdup_printf("%s.txt", name);
    g_autofree char *path = testDataPath("qemuagentdata", file);
    g_autofree char *text = testLoadFile(path);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GPtrArray) client = g_ptr_array_new();
    g_autoptr(qvEventThread) et = qvEventThreadNew("agent-test");
    testServer srv = { .script = g_ptr_array_new(), .in = g_string_new(NULL) };
    qemuAgentConfig cfg;
    g_autofree char *result = NULL;
    GThread *thread;
    gint64 elapsed = 0;
    int sv[2];
    size_t i;

    qemuAgentConfigInit(&cfg);
    for (i = 0; lines[i]; i++) {
        char *l = g_strstrip(lines[i]);

        if (g_str_has_prefix(l, "client "))
            g_ptr_array_add(client, l + 7);
        else if (g_str_has_prefix(l, "server "))
            g_ptr_array_add(srv.script, l + 7);
        else if (*l && *l != '#')
            g_assert_not_reached();
    }
    for (i = 0; i < client->len; i++) {
        if (g_str_has_prefix(client->pdata[i], "config ")) {
            g_auto(GStrv) w = g_strsplit(client->pdata[i], " ", -1);

            testApplyConfig(&cfg, w);
        }
    }

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    srv.fd = sv[1];
    srv.agent = qemuAgentOpenFD(sv[0], name, qvEventThreadGetContext(et), &cfg, NULL, NULL);
    thread = g_thread_new("fake-agent", serverThread, &srv);

    for (i = 0; i < client->len; i++) {
        g_auto(GStrv) w = g_strsplit(client->pdata[i], " ", -1);
        const char *rest = strchr(client->pdata[i], ' ') ? strchr(client->pdata[i], ' ') + 1 : "";

        if (STREQ(w[0], "call")) {
            gint64 t0 = g_get_monotonic_time();

            g_free(result);
            qvResetLastError();
            result = testCall(srv.agent, w);
            elapsed = (g_get_monotonic_time() - t0) / 1000;
        } else if (STREQ(w[0], "expect")) {
            if (!strstr(result, rest)) {
                g_test_message("%s: step %zu: expected '%s' in '%s'", name, i, rest, result);
                g_test_fail();
            }
        } else if (STREQ(w[0], "expect-ms")) {
            long long bound = g_ascii_strtoll(w[2], NULL, 10);

            if ((STREQ(w[1], "<=") && elapsed > bound) || (STREQ(w[1], ">=") && elapsed < bound)) {
                g_test_message("%s: step %zu: took %lld ms, expected %s %lld", name, i,
                               (long long)elapsed, w[1], bound);
                g_test_fail();
            }
        } else if (STREQ(w[0], "stats")) {
            qemuAgentStats st;
            size_t k;

            qemuAgentGetStats(srv.agent, &st);
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
            int rc = qemuAgentSetResponseTimeout(srv.agent, atoi(w[1]));

            g_free(result);
            result = testResult(rc, NULL);
        } else if (STREQ(w[0], "channel")) {
            qemuAgentNotifyChannelState(srv.agent, STREQ(w[1], "open"));
        } else if (STREQ(w[0], "sleep")) {
            g_usleep((gulong)atoi(w[1]) * 1000);
        } else if (STREQ(w[0], "quarantined")) {
            g_assert_cmpint(qemuAgentIsQuarantined(srv.agent), ==, STREQ(w[1], "yes"));
        } else if (STRNEQ(w[0], "config")) {
            g_test_message("%s: unknown client directive '%s'", name, w[0]);
            g_test_fail();
        }
    }
    g_thread_join(thread);
    if (srv.error) {
        g_test_message("%s: fake agent, step %d: %s", name, srv.line, srv.error);
        g_test_fail();
    }
    qemuAgentClose(srv.agent);
    close(sv[1]);
    g_free(srv.lastId);
    g_free(srv.error);
    g_string_free(srv.in, TRUE);
    g_ptr_array_free(srv.script, TRUE);
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

/* A queued thaw with priority goes ahead of queued commands; everyone is answered in
 * turn, each matched to its own reply. */
static void testQueueAndPriority(void)
{
    g_autoptr(qvEventThread) et = qvEventThreadNew("agent-test");
    testServer srv = { .in = g_string_new(NULL) };
    qemuAgentConfig cfg;
    testCaller callers[] = { { .what = "call ping" },
                             { .what = "call time" },
                             { .what = "call thaw-priority" } };
    GThread *threads[3];
    int sv[2];
    size_t i;

    qemuAgentConfigInit(&cfg);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    srv.fd = sv[1];
    srv.agent = qemuAgentOpenFD(sv[0], "queue", qvEventThreadGetContext(et), &cfg, NULL, NULL);
    for (i = 0; i < 3; i++) {
        callers[i].agent = srv.agent;
        threads[i] = g_thread_new("caller", testCallerThread, &callers[i]);
        /* the first is in flight before the others queue up */
        g_usleep(i == 0 ? 100000 : 20000);
    }
    srv.script = g_ptr_array_new();
    g_ptr_array_add(srv.script, (char *)"sync");
    g_ptr_array_add(srv.script, (char *)"recv guest-ping");
    g_ptr_array_add(srv.script, (char *)"reply {\"return\": {}}");
    g_ptr_array_add(srv.script, (char *)"recv guest-fsfreeze-thaw");
    g_ptr_array_add(srv.script, (char *)"reply {\"return\": 3}");
    g_ptr_array_add(srv.script, (char *)"recv guest-get-time");
    g_ptr_array_add(srv.script, (char *)"reply {\"return\": 1700000000123456789}");
    serverRun(&srv);
    for (i = 0; i < 3; i++)
        g_thread_join(threads[i]);
    g_assert_null(srv.error);
    g_assert_cmpstr(callers[0].result, ==, "ok");
    g_assert_cmpstr(callers[1].result, ==, "ok 1700000000.123456789");
    g_assert_cmpstr(callers[2].result, ==, "ok 3");
    for (i = 0; i < 3; i++)
        g_free(callers[i].result);
    qemuAgentClose(srv.agent);
    close(sv[1]);
    g_free(srv.lastId);
    g_string_free(srv.in, TRUE);
    g_ptr_array_free(srv.script, TRUE);
}

/* A command that cannot be written completely (the agent reads nothing) times out; the
 * next thing on the wire starts with 0xFF, so qemu-ga's parser drops the half object. */
static void testAbandonedWriteIsFlushed(void)
{
    g_autoptr(qvEventThread) et = qvEventThreadNew("agent-test");
    g_autoptr(GString) big = g_string_new("{\"execute\":\"guest-ping\",\"arguments\":{\"pad\":\"");
    g_autofree char *out = NULL;
    qemuAgentConfig cfg;
    qemuAgent *agent;
    testServer srv = { .in = g_string_new(NULL) };
    int sv[2], sndbuf = 4096;
    gint64 t0;
    char *ff;

    qemuAgentConfigInit(&cfg);
    cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_QUERY] = 300;
    cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_SYNC] = 300;
    while (big->len < 4 * 1024 * 1024)
        g_string_append(big, "xxxxxxxxxxxxxxxx");
    g_string_append(big, "\"}}");
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    srv.fd = sv[1];
    agent = qemuAgentOpenFD(sv[0], "abandon", qvEventThreadGetContext(et), &cfg, NULL, NULL);
    srv.agent = agent;
    srv.script = g_ptr_array_new();
    g_ptr_array_add(srv.script, (char *)"sync");
    g_ptr_array_add(srv.script, (char *)"recv guest-ping");
    g_ptr_array_add(srv.script, (char *)"reply {\"return\": {}}");
    {
        testCaller c = { .agent = agent, .what = "call ping" };
        GThread *t = g_thread_new("caller", testCallerThread, &c);

        serverRun(&srv);
        g_thread_join(t);
        g_assert_cmpstr(c.result, ==, "ok");
        g_free(c.result);
    }
    if (srv.error)
        g_test_message("fake agent: %s", srv.error);
    g_assert_null(srv.error);

    /* the raw command fills the socket and stays half-written */
    g_assert_cmpint(qemuAgentArbitraryCommand(agent, big->str, 1, &out), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_AGENT_COMMAND_TIMEOUT);
    g_assert_null(out);

    t0 = g_get_monotonic_time();
    /* now read everything: the half command, then 0xFF and a fresh sync */
    g_string_truncate(srv.in, 0);
    {
        GThread *t;
        testCaller c = { .agent = agent, .what = "call ping" };

        t = g_thread_new("caller", testCallerThread, &c);
        while (!(ff = memchr(srv.in->str, '\xff', srv.in->len)) &&
               g_get_monotonic_time() - t0 < 5 * G_USEC_PER_SEC)
            serverFill(&srv, 100);
        g_assert_nonnull(ff);
        g_assert_cmpuint(ff - srv.in->str, >, 0);
        g_assert_cmpuint(ff - srv.in->str, <, big->len);
        g_string_erase(srv.in, 0, ff - srv.in->str);
        g_ptr_array_set_size(srv.script, 0);
        g_ptr_array_add(srv.script, (char *)"sync");
        g_ptr_array_add(srv.script, (char *)"recv guest-ping");
        g_ptr_array_add(srv.script, (char *)"reply {\"return\": {}}");
        serverRun(&srv);
        g_thread_join(t);
        if (srv.error)
            g_test_message("fake agent: %s", srv.error);
        g_assert_null(srv.error);
        g_assert_cmpstr(c.result, ==, "ok");
        g_free(c.result);
    }
    qemuAgentClose(agent);
    close(sv[1]);
    g_free(srv.lastId);
    g_string_free(srv.in, TRUE);
    g_ptr_array_free(srv.script, TRUE);
}

/* Calls from the agent's own event thread would wait for themselves: refused. */
static gboolean testFromEventThread(gpointer data)
{
    qemuAgent *agent = data;

    g_assert_cmpint(qemuAgentPing(agent), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INTERNAL_ERROR);
    return G_SOURCE_REMOVE;
}

static void testNoCallFromEventThread(void)
{
    g_autoptr(qvEventThread) et = qvEventThreadNew("agent-test");
    qemuAgentConfig cfg;
    qemuAgent *agent;
    int sv[2];

    qemuAgentConfigInit(&cfg);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    agent = qemuAgentOpenFD(sv[0], "self", qvEventThreadGetContext(et), &cfg, NULL, NULL);
    g_main_context_invoke(qvEventThreadGetContext(et), testFromEventThread, agent);
    g_usleep(100000);
    qemuAgentClose(agent);
    close(sv[1]);
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
    g_test_add_func("/agent/abandoned-write-is-flushed", testAbandonedWriteIsFlushed);
    g_test_add_func("/agent/no-call-from-event-thread", testNoCallFromEventThread);
    return g_test_run();
}
