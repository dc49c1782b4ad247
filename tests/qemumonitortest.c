/* qemumonitortest.c: the QMP client against a scripted fake QMP server replaying
 * tests/qemumonitordata/<scenario>.txt: greeting, commands, errors, events, EOF. */
#include <config.h>

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qemu_monitor.h"
#include "qverror.h"
#include "qveventthread.h"
#include "qvjson.h"
#include "testfakepeer.h"
#include "testutils.h"

/* Bounds that only a broken client reaches: opening, waiting for an event. */
#define TEST_WAIT_MS 60000

typedef struct {
    GMutex lock;
    GCond cond;
    GPtrArray *events; /* one line of text per event, "EOF" at the end */
} testEvents;

static void testOnEvent(qemuMonitor *mon, const qemuMonitorEvent *ev, void *opaque)
{
    testEvents *te = opaque;
    g_autoptr(GString) s = g_string_new(ev->name);

    if (ev->type == QEMU_MONITOR_EVENT_SHUTDOWN || ev->type == QEMU_MONITOR_EVENT_RESET)
        g_string_append_printf(s, " guest=%d reason=%s", ev->guest, NULLSTR(ev->reason));
    if (ev->type == QEMU_MONITOR_EVENT_VSERPORT_CHANGE)
        g_string_append_printf(s, " id=%s open=%d", ev->id, ev->open);
    if (ev->type == QEMU_MONITOR_EVENT_JOB_STATUS_CHANGE)
        g_string_append_printf(s, " id=%s status=%s", ev->id, ev->status);
    if (ev->type >= QEMU_MONITOR_EVENT_BLOCK_JOB_COMPLETED)
        g_string_append_printf(s, " device=%s type=%s offset=%lld len=%lld error=%s", ev->device,
                               NULLSTR(ev->jobType), ev->offset, ev->len, NULLSTR(ev->error));
    if (ev->type == QEMU_MONITOR_EVENT_OTHER)
        g_string_append(s, " (other)");
    g_string_append_printf(s, " @%lld.%06lld", ev->seconds, ev->microseconds);
    g_mutex_lock(&te->lock);
    g_ptr_array_add(te->events, g_string_free(g_steal_pointer(&s), FALSE));
    g_cond_broadcast(&te->cond);
    g_mutex_unlock(&te->lock);
}

static void testOnEOF(qemuMonitor *mon, void *opaque)
{
    testEvents *te = opaque;

    g_mutex_lock(&te->lock);
    g_ptr_array_add(te->events, g_strdup("EOF"));
    g_cond_broadcast(&te->cond);
    g_mutex_unlock(&te->lock);
}

/* Directives only a QMP server knows. */
static bool qmpPeerHook(testFakePeer *peer, const char *cmd, const char *arg, void *opaque)
{
    if (STREQ(cmd, "greeting")) {
        static const char greeting[] =
            "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
            "\"package\": \"Debian 1:7.2+dfsg-7\"}, \"capabilities\": [\"oob\"]}}\r\n";

        testFakePeerWrite(peer, greeting, strlen(greeting));
    } else if (STREQ(cmd, "caps")) {
        testFakePeerDirective(peer, "recv qmp_capabilities");
        testFakePeerDirective(peer, "reply {\"return\": {}}");
    } else if (STREQ(cmd, "event")) {
        /* event NAME [DATA-JSON] */
        g_auto(GStrv) a = g_strsplit(arg, " ", 2);
        g_autofree char *line =
            g_strdup_printf("{\"timestamp\": {\"seconds\": 1764100000, \"microseconds\": 123456}, "
                            "\"event\": \"%s\"%s%s}\n",
                            a[0], a[1] ? ", \"data\": " : "", a[1] ? a[1] : "");

        testFakePeerWrite(peer, line, strlen(line));
    } else {
        return false;
    }
    return true;
}

static char *testResult(int rc, qvJSONValue *ret)
{
    if (rc < 0)
        return g_strdup_printf("error %s: %s", testErrorCodeName(qvGetLastErrorCode()),
                               qvGetLastErrorMessage());
    if (ret) {
        g_autofree char *text = qvJSONFormat(ret, false);

        return g_strdup_printf("ok %s", text);
    }
    return g_strdup("ok");
}

static void testScenario(gconstpointer data)
{
    const char *name = data;
    g_autofree char *file = g_strdup_printf("%s.txt", name);
    g_autofree char *path = testDataPath("qemumonitordata", file);
    g_autofree char *text = testLoadFile(path);
    g_autoptr(GPtrArray) client = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) server = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(qvEventThread) et = qvEventThreadNew("monitor-test");
    testEvents te = { .events = g_ptr_array_new_with_free_func(g_free) };
    qemuMonitorCallbacks cb = { .eof = testOnEOF, .event = testOnEvent };
    g_autofree char *result = NULL;
    qemuMonitor *mon = NULL;
    bool opened = false;
    testFakePeer peer;
    GThread *thread;
    gint64 elapsed = 0;
    int sv[2];
    size_t i;

    g_mutex_init(&te.lock);
    g_cond_init(&te.cond);
    testSplitScenario(text, client, server);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    testFakePeerInit(&peer, sv[1], qmpPeerHook, NULL);
    g_ptr_array_extend_and_steal(peer.script, g_steal_pointer(&server));
    thread = testFakePeerStart(&peer);

    for (i = 0; i < client->len; i++) {
        const char *line = client->pdata[i];
        g_auto(GStrv) w = g_strsplit(line, " ", 3);
        const char *rest = strchr(line, ' ') ? strchr(line, ' ') + 1 : "";
        gint64 t0 = g_get_monotonic_time();

        if (STREQ(w[0], "open")) {
            qvResetLastError();
            opened = true;
            mon = qemuMonitorOpenFD(sv[0], name, qvEventThreadGetContext(et),
                                    w[1] ? atoi(w[1]) : TEST_WAIT_MS, &cb, &te);
            g_free(result);
            result = testResult(mon ? 0 : -1, NULL);
            elapsed = (g_get_monotonic_time() - t0) / 1000;
        } else if (STREQ(w[0], "call")) {
            /* call CMD [TIMEOUT-MS [ARGS-JSON]] */
            g_autoptr(qvJSONValue) ret = NULL;
            qvJSONValue *args = NULL;
            g_auto(GStrv) a = g_strsplit(rest, " ", 3);
            int rc;

            if (a[1] && a[2]) {
                g_autofree char *err = NULL;

                args = qvJSONParse(a[2], strlen(a[2]), 64, &err);
            }
            qvResetLastError();
            rc = qemuMonitorCommand(mon, a[0], args, a[1] ? atoi(a[1]) : 0, &ret);
            g_free(result);
            result = testResult(rc, ret);
            elapsed = (g_get_monotonic_time() - t0) / 1000;
        } else if (STREQ(w[0], "status")) {
            g_autofree char *st = NULL;
            bool running = false;
            int rc = qemuMonitorQueryStatus(mon, &running, &st);

            g_free(result);
            result = rc < 0 ? testResult(rc, NULL)
                            : g_strdup_printf("ok running=%d status=%s", running, st);
        } else if (testScriptExpect(name, i, w, rest, result, elapsed)) {
            /* checked */
        } else if (STREQ(w[0], "event")) {
            /* the next event (a missing one fails only after the long bound) */
            gint64 deadline = g_get_monotonic_time() + TEST_WAIT_MS * G_TIME_SPAN_MILLISECOND;
            g_autofree char *got = NULL;

            g_mutex_lock(&te.lock);
            while (!te.events->len && g_cond_wait_until(&te.cond, &te.lock, deadline))
                ;
            if (te.events->len)
                got = g_ptr_array_steal_index(te.events, 0);
            g_mutex_unlock(&te.lock);
            if (g_strcmp0(got, rest) != 0) {
                g_test_message("%s: step %zu: expected event '%s', got '%s'", name, i, rest,
                               NULLSTR(got));
                g_test_fail();
            }
        } else if (STREQ(w[0], "signal")) {
            testFakePeerSignal(&peer, w[1]);
        } else if (STREQ(w[0], "wait")) {
            if (!testFakePeerWait(&peer, w[1])) {
                g_test_message("%s: step %zu: the fake QMP server never signalled '%s'", name, i,
                               w[1]);
                g_test_fail();
            }
        } else {
            g_test_message("%s: unknown client directive '%s'", name, w[0]);
            g_test_fail();
        }
    }
    g_thread_join(thread);
    if (peer.error) {
        g_test_message("%s: fake QMP server: %s", name, peer.error);
        g_test_fail();
    }
    if (mon)
        qemuMonitorClose(mon);
    else if (!opened)
        close(sv[0]); /* a failed open has closed it already */
    close(sv[1]);
    testFakePeerClear(&peer);
    g_ptr_array_free(te.events, TRUE);
    g_mutex_clear(&te.lock);
    g_cond_clear(&te.cond);
}

int main(int argc, char **argv)
{
    g_autoptr(GPtrArray) cases = NULL;
    guint i;

    testInit(&argc, &argv);
    cases = testListCases("qemumonitordata", ".txt");
    for (i = 0; i < cases->len; i++) {
        g_autofree char *p = g_strdup_printf("/monitor/script/%s", (char *)cases->pdata[i]);

        g_test_add_data_func(p, cases->pdata[i], testScenario);
    }
    return g_test_run();
}
