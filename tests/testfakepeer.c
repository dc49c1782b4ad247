/* testfakepeer.c: the directive engine of the fake peers used by the protocol tests. */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qvjson.h"
#include "testfakepeer.h"

/* How long the peer waits for the client's next line, or for a mark: only a broken
 * client ever reaches it, so it is far above any step's duration on a loaded machine. */
#define PEER_WAIT_MS 60000

void testFakePeerInit(testFakePeer *peer, int fd, testFakePeerHook hook, void *opaque)
{
    memset(peer, 0, sizeof(*peer));
    peer->fd = fd;
    peer->script = g_ptr_array_new_with_free_func(g_free);
    peer->in = g_string_new(NULL);
    peer->hook = hook;
    peer->opaque = opaque;
    g_mutex_init(&peer->lock);
    g_cond_init(&peer->cond);
    peer->marks = g_ptr_array_new_with_free_func(g_free);
}

void testFakePeerClear(testFakePeer *peer)
{
    g_ptr_array_free(peer->script, TRUE);
    g_string_free(peer->in, TRUE);
    g_free(peer->lastId);
    g_free(peer->error);
    g_ptr_array_free(peer->marks, TRUE);
    g_cond_clear(&peer->cond);
    g_mutex_clear(&peer->lock);
}

void testFakePeerFail(testFakePeer *peer, const char *fmt, ...)
{
    va_list ap;

    if (peer->error)
        return;
    va_start(ap, fmt);
    peer->error = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

void testFakePeerSignal(testFakePeer *peer, const char *name)
{
    g_mutex_lock(&peer->lock);
    g_ptr_array_add(peer->marks, g_strdup(name));
    g_cond_broadcast(&peer->cond);
    g_mutex_unlock(&peer->lock);
}

static bool testFakePeerHasMark(testFakePeer *peer, const char *name)
{
    guint i;

    for (i = 0; i < peer->marks->len; i++) {
        if (STREQ(peer->marks->pdata[i], name))
            return true;
    }
    return false;
}

bool testFakePeerWait(testFakePeer *peer, const char *name)
{
    gint64 deadline = g_get_monotonic_time() + PEER_WAIT_MS * G_TIME_SPAN_MILLISECOND;
    bool found;

    g_mutex_lock(&peer->lock);
    while (!testFakePeerHasMark(peer, name) && !peer->finished &&
           g_cond_wait_until(&peer->cond, &peer->lock, deadline))
        ;
    found = testFakePeerHasMark(peer, name);
    g_mutex_unlock(&peer->lock);
    return found;
}

bool testFakePeerFill(testFakePeer *peer, int timeoutMs)
{
    struct pollfd pfd = { .fd = peer->fd, .events = POLLIN };
    char buf[65536];
    ssize_t n;

    if (poll(&pfd, 1, timeoutMs) <= 0)
        return false;
    n = read(peer->fd, buf, sizeof(buf));
    if (n <= 0)
        return false;
    g_string_append_len(peer->in, buf, n);
    return true;
}

char *testFakePeerReadLine(testFakePeer *peer, bool skipToFF)
{
    gint64 deadline = g_get_monotonic_time() + PEER_WAIT_MS * 1000;

    for (;;) {
        char *nl;

        if (skipToFF) {
            char *ff = memchr(peer->in->str, '\xff', peer->in->len);

            if (ff) {
                g_string_erase(peer->in, 0, ff - peer->in->str + 1);
                skipToFF = false;
            } else {
                g_string_truncate(peer->in, 0);
            }
        }
        if (!skipToFF && (nl = memchr(peer->in->str, '\n', peer->in->len))) {
            char *line = g_strndup(peer->in->str, nl - peer->in->str);

            g_string_erase(peer->in, 0, nl - peer->in->str + 1);
            return line;
        }
        if (g_get_monotonic_time() > deadline ||
            !testFakePeerFill(peer, (int)((deadline - g_get_monotonic_time()) / 1000) + 1))
            return NULL;
    }
}

void testFakePeerWrite(testFakePeer *peer, const char *data, size_t len)
{
    while (len) {
        struct pollfd pfd = { .fd = peer->fd, .events = POLLOUT };
        ssize_t n;

        /* a client that stops reading (it gave up on an endless line, say) is not an
         * error: a hostile peer simply cannot push more into it */
        if (poll(&pfd, 1, 1000) <= 0)
            return;
        n = send(peer->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            testFakePeerFail(peer, "write: %s", g_strerror(errno));
            return;
        }
        data += n;
        len -= (size_t)n;
    }
}

static char *testFakePeerWithId(testFakePeer *peer, const char *json)
{
    g_autofree char *err = NULL;
    g_autoptr(qvJSONValue) v = qvJSONParse(json, strlen(json), 64, &err);

    if (!v) {
        testFakePeerFail(peer, "bad JSON in script: %s", err);
        return NULL;
    }
    qvJSONObjectAppend(v, "id", qvJSONNewString(peer->lastId ? peer->lastId : ""));
    return qvJSONFormat(v, false);
}

/* recv NAME [ARGS]: the next line is command NAME (with an id), arguments as given. */
static void testFakePeerRecv(testFakePeer *peer, const char *arg)
{
    g_auto(GStrv) a = g_strsplit(arg, " ", 2);
    g_autofree char *line = testFakePeerReadLine(peer, false);
    g_autofree char *err = NULL;
    g_autoptr(qvJSONValue) v = line ? qvJSONParse(line, strlen(line), 64, &err) : NULL;
    const char *exec = v ? qvJSONGetString(qvJSONObjectGet(v, "execute")) : NULL;
    const char *id = v ? qvJSONGetString(qvJSONObjectGet(v, "id")) : NULL;

    if (!exec || STRNEQ(exec, a[0]) || !id) {
        testFakePeerFail(peer, "expected %s with an id, got '%s'", a[0], NULLSTR(line));
        return;
    }
    g_free(peer->lastId);
    peer->lastId = g_strdup(id);
    if (a[1]) {
        qvJSONValue *args = qvJSONObjectGet(v, "arguments");
        g_autofree char *text = args ? qvJSONFormat(args, false) : g_strdup("none");

        if (STRNEQ(text, a[1]))
            testFakePeerFail(peer, "%s arguments are %s, expected %s", a[0], text, a[1]);
    }
}

void testFakePeerDirective(testFakePeer *peer, const char *directive)
{
    g_auto(GStrv) w = g_strsplit(directive, " ", 2);
    const char *cmd = w[0];
    const char *arg = w[1] ? w[1] : "";

    if (peer->error)
        return;
    {
        if (STREQ(cmd, "recv")) {
            testFakePeerRecv(peer, arg);
        } else if (STREQ(cmd, "reply") || STREQ(cmd, "trickle")) {
            g_autofree char *r = testFakePeerWithId(peer, arg);
            size_t k, len;

            if (!r)
                return;
            len = strlen(r);
            if (STREQ(cmd, "reply")) {
                testFakePeerWrite(peer, r, len);
                testFakePeerWrite(peer, "\n", 1);
                return;
            }
            for (k = 0; k <= len; k++) {
                testFakePeerWrite(peer, k < len ? r + k : "\n", 1);
                g_usleep(1000);
            }
        } else if (STREQ(cmd, "sendline") || STREQ(cmd, "send")) {
            g_autofree char *raw = g_strcompress(arg);

            testFakePeerWrite(peer, raw, strlen(raw));
            if (STREQ(cmd, "sendline"))
                testFakePeerWrite(peer, "\n", 1);
        } else if (STREQ(cmd, "flood")) {
            g_auto(GStrv) a = g_strsplit(arg, " ", 2);
            int n = atoi(a[0]), k;
            g_autofree char *l = g_strdup_printf("%s\n", a[1]);

            for (k = 0; k < n; k++)
                testFakePeerWrite(peer, l, strlen(l));
        } else if (STREQ(cmd, "bigline")) {
            /* N bytes of an unterminated JSON string, then (with "nl") its end */
            g_auto(GStrv) a = g_strsplit(arg, " ", 2);
            size_t n = (size_t)g_ascii_strtoull(a[0], NULL, 10);
            g_autofree char *b = g_malloc(n);

            memset(b, 'a', n);
            b[0] = '"';
            testFakePeerWrite(peer, b, n);
            if (a[1] && STREQ(a[1], "nl"))
                testFakePeerWrite(peer, "\"\n", 2);
        } else if (STREQ(cmd, "signal")) {
            testFakePeerSignal(peer, arg);
        } else if (STREQ(cmd, "wait")) {
            if (!testFakePeerWait(peer, arg))
                testFakePeerFail(peer, "the client never signalled '%s'", arg);
        } else if (STREQ(cmd, "silence")) {
            if (testFakePeerFill(peer, atoi(arg)))
                testFakePeerFail(peer, "expected silence, got '%s'", peer->in->str);
        } else if (STREQ(cmd, "close")) {
            shutdown(peer->fd, SHUT_RDWR);
        } else if (STREQ(cmd, "shut-read")) {
            /* gone as a reader only: the client's next write fails, its reads do not */
            shutdown(peer->fd, SHUT_RD);
        } else if (!peer->hook || !peer->hook(peer, cmd, arg, peer->opaque)) {
            testFakePeerFail(peer, "unknown directive '%s'", cmd);
        }
    }
}

void testFakePeerRun(testFakePeer *peer)
{
    guint i;

    for (i = 0; i < peer->script->len && !peer->error; i++)
        testFakePeerDirective(peer, peer->script->pdata[i]);
}

static gpointer testFakePeerThread(gpointer data)
{
    testFakePeer *peer = data;

    testFakePeerRun(peer);
    /* whoever waits for a mark this script never gave stops waiting now */
    g_mutex_lock(&peer->lock);
    peer->finished = true;
    g_cond_broadcast(&peer->cond);
    g_mutex_unlock(&peer->lock);
    return NULL;
}

GThread *testFakePeerStart(testFakePeer *peer)
{
    return g_thread_new("fake-peer", testFakePeerThread, peer);
}

void testSplitScenario(const char *text, GPtrArray *client, GPtrArray *server)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    size_t i;

    for (i = 0; lines[i]; i++) {
        char *l = g_strstrip(lines[i]);

        if (g_str_has_prefix(l, "client "))
            g_ptr_array_add(client, g_strdup(l + 7));
        else if (g_str_has_prefix(l, "server "))
            g_ptr_array_add(server, g_strdup(l + 7));
        else if (*l && *l != '#')
            g_error("unknown scenario line: %s", l);
    }
}
