/* utiltest.c: the util layer: typed errors, JSON with hostile input, UUIDs, files, logs. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "qverror.h"
#include "qvfile.h"
#include "qvjson.h"
#include "qvlog.h"
#include "qvrelay.h"
#include "qvuuid.h"
#include "testutils.h"

#define QV_FROM_THIS QV_FROM_NONE

static void testErrorPrefixes(void)
{
    qvReportError(QV_ERR_NO_DOMAIN, "no domain with matching name '%s'", "x");
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_NO_DOMAIN);
    g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                    "Domain not found: no domain with matching name 'x'");
    qvReportError(QV_ERR_OPERATION_INVALID, "%s", "domain is not running");
    g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                    "Requested operation is not valid: domain is not running");
    qvReportError(QV_ERR_AGENT_UNRESPONSIVE, "%s", "QEMU guest agent is not connected");
    g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                    "Guest agent is not responding: QEMU guest agent is not connected");
    qvResetLastError();
    g_assert_null(qvGetLastError());
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_OK);
}

/* Every code has a format with exactly one %s (the reporting code relies on it). */
static void testErrorFormats(void)
{
    int code;

    for (code = 0; code < 1100; code++) {
        const char *fmt = qvErrorMsgFormat(code);
        const char *p = strstr(fmt, "%s");

        g_assert_nonnull(p);
        g_assert_null(strchr(p + 2, '%'));
        g_assert_true(strchr(fmt, '%') == p);
    }
}

static void testErrorFlags(void)
{
    qvReportInvalidFlags(QV_FROM_QEMU, "qemuDomainShutdownFlags", 0x10);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INVALID_ARG);
    g_assert_cmpint(qvGetLastErrorDomain(), ==, QV_FROM_QEMU);
    g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                    "unsupported flags (0x10) in function qemuDomainShutdownFlags");
    g_assert_cmpstr(qvGetLastError()->str1, ==, "qemuDomainShutdownFlags");
}

static void testErrorSystem(void)
{
    qvReportSystemError(ENOENT, "Failed to open file '%s'", "/x");
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_SYSTEM_ERROR);
    g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                    "Failed to open file '/x': No such file or directory");
}

static void testErrorPreserve(void)
{
    g_autoptr(qvError) copy = NULL;
    qvErrorPtr saved;

    qvReportError(QV_ERR_OPERATION_FAILED, "%s", "first");
    saved = qvErrorPreserveLast();
    qvReportError(QV_ERR_INTERNAL_ERROR, "%s", "second");
    qvErrorRestore(&saved);
    g_assert_null(saved);
    g_assert_cmpstr(qvGetLastErrorMessage(), ==, "operation failed: first");
    copy = qvSaveLastError();
    g_assert_cmpint(copy->code, ==, QV_ERR_OPERATION_FAILED);
    g_assert_cmpint(qvErrorCodeToLibvirt(QV_ERR_AGENT_NOT_CONNECTED), ==,
                    QV_ERR_AGENT_UNRESPONSIVE);
    g_assert_cmpint(qvErrorCodeToLibvirt(QV_ERR_AGENT_NOT_CONFIGURED), ==,
                    QV_ERR_ARGUMENT_UNSUPPORTED);
    g_assert_cmpint(qvErrorCodeToLibvirt(QV_ERR_NO_DOMAIN), ==, QV_ERR_NO_DOMAIN);
}

static gpointer testErrorThread(gpointer data)
{
    /* each thread has its own last error */
    g_assert_null(qvGetLastError());
    qvReportError(QV_ERR_INTERNAL_ERROR, "%s", "in thread");
    return NULL;
}

static void testErrorThreadLocal(void)
{
    GThread *t;

    qvReportError(QV_ERR_OPERATION_FAILED, "%s", "main");
    t = g_thread_new("err", testErrorThread, NULL);
    g_thread_join(t);
    g_assert_cmpstr(qvGetLastErrorMessage(), ==, "operation failed: main");
}

static qvJSONValue *testJSONParse(const char *text, unsigned int depth, char **err)
{
    return qvJSONParse(text, strlen(text), depth, err);
}

static void testJSONRoundTrip(void)
{
    const char *text = "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":18446744073709551615},"
                       "\"list\":[1,-2,3.5,true,false,null,\"\\u00e9\\n\"]}";
    g_autofree char *err = NULL;
    g_autoptr(qvJSONValue) val = testJSONParse(text, 10, &err);
    g_autofree char *out = NULL;
    unsigned long long id;
    long long neg;
    double d;
    bool b;

    g_assert_nonnull(val);
    g_assert_null(err);
    out = qvJSONFormat(val, false);
    g_assert_cmpstr(out, ==,
                    "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":18446744073709551615},"
                    "\"list\":[1,-2,3.5,true,false,null,\"\xc3\xa9\\n\"]}");
    g_assert_cmpint(qvJSONGetULLong(qvJSONObjectGet(qvJSONObjectGet(val, "arguments"), "id"), &id),
                    ==, 0);
    g_assert_true(id == G_MAXUINT64);
    g_assert_cmpint(qvJSONGetLLong(qvJSONArrayGet(qvJSONObjectGet(val, "list"), 1), &neg), ==, 0);
    g_assert_cmpint(neg, ==, -2);
    g_assert_cmpint(qvJSONGetDouble(qvJSONArrayGet(qvJSONObjectGet(val, "list"), 2), &d), ==, 0);
    g_assert_cmpfloat(d, ==, 3.5);
    g_assert_cmpint(qvJSONGetBoolean(qvJSONArrayGet(qvJSONObjectGet(val, "list"), 3), &b), ==, 0);
    g_assert_true(b);
    g_assert_cmpstr(qvJSONGetString(qvJSONObjectGet(val, "execute")), ==, "guest-sync");
}

static void testJSONTypedReads(void)
{
    g_autofree char *err = NULL;
    g_autoptr(qvJSONValue) val =
        testJSONParse("{\"big\":99999999999999999999999,\"neg\":-1,\"f\":1.5,\"s\":\"1\","
                      "\"i\":2147483648,\"inf\":1e999}",
                      5, &err);
    unsigned long long u;
    long long ll;
    unsigned int ui;
    int i;
    double d;

    g_assert_nonnull(val);
    /* wrong types and out-of-range numbers are refused, never wrapped */
    g_assert_cmpint(qvJSONGetULLong(qvJSONObjectGet(val, "big"), &u), ==, -1);
    g_assert_cmpint(qvJSONGetLLong(qvJSONObjectGet(val, "big"), &ll), ==, -1);
    g_assert_cmpint(qvJSONGetULLong(qvJSONObjectGet(val, "neg"), &u), ==, -1);
    g_assert_cmpint(qvJSONGetUInt(qvJSONObjectGet(val, "neg"), &ui), ==, -1);
    g_assert_cmpint(qvJSONGetLLong(qvJSONObjectGet(val, "f"), &ll), ==, -1);
    g_assert_cmpint(qvJSONGetLLong(qvJSONObjectGet(val, "s"), &ll), ==, -1);
    g_assert_cmpint(qvJSONGetInt(qvJSONObjectGet(val, "i"), &i), ==, -1);
    g_assert_cmpint(qvJSONGetDouble(qvJSONObjectGet(val, "inf"), &d), ==, -1);
    g_assert_null(qvJSONGetString(qvJSONObjectGet(val, "f")));
    g_assert_null(qvJSONObjectGet(val, "missing"));
    g_assert_cmpint(qvJSONGetLLong(NULL, &ll), ==, -1);
}

static void testJSONHostile(void)
{
    static const char *const bad[] = {
        "", /* nothing */
        "{\"a\":1", /* truncated */
        "{\"a\":1}{\"b\":2}", /* two values */
        "{\"a\":1} x", /* trailing garbage */
        "{\"a\":1,\"a\":2}", /* duplicate key: which one would count? */
        "{\"a\":\"\xff\xfe\"}", /* invalid UTF-8 */
        "{\"a\":\"x\\u0000y\"}", /* NUL inside a string */
        "{'a':1}", /* not JSON */
        "/* c */ {}", /* comments */
        "\xff{\"return\":1}", /* a stray 0xFF */
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *err = NULL;
        g_autoptr(qvJSONValue) val = testJSONParse(bad[i], 10, &err);

        if (val)
            g_test_message("accepted: %s", bad[i]);
        g_assert_null(val);
        g_assert_nonnull(err);
    }
}

static void testJSONDepth(void)
{
    g_autoptr(GString) deep = g_string_new(NULL);
    g_autofree char *err = NULL;
    g_autoptr(qvJSONValue) ok = NULL;
    qvJSONValue *val;
    int i;

    for (i = 0; i < 100000; i++)
        g_string_append_c(deep, '[');
    val = qvJSONParse(deep->str, deep->len, 64, &err);
    g_assert_null(val);
    g_assert_nonnull(strstr(err, "nesting deeper than 64 levels"));
    g_clear_pointer(&err, g_free);
    ok = testJSONParse("[[[[1]]]]", 4, &err);
    g_assert_nonnull(ok);
    g_assert_null(testJSONParse("[[[[[1]]]]]", 4, &err));
}

static void testJSONBuild(void)
{
    g_autoptr(qvJSONValue) obj = qvJSONNewObject();
    g_autofree char *out = NULL;
    g_autofree char *pretty = NULL;

    qvJSONObjectAdd(obj, "s:driver", "virtio-blk-pci", "S:skipped", NULL, "i:neg", -3, "u:u", 7u,
                    "p:zero", 0u, "p:one", 1u, "b:f", false, "B:skipF", false, "B:t", true, "U:big",
                    18446744073709551615ULL, "A:none", NULL, "a:null", qvJSONNewNull(), NULL);
    out = qvJSONFormat(obj, false);
    g_assert_cmpstr(out, ==,
                    "{\"driver\":\"virtio-blk-pci\",\"neg\":-3,\"u\":7,\"one\":1,"
                    "\"f\":false,\"t\":true,\"big\":18446744073709551615,\"null\":null}");
    pretty = qvJSONFormat(obj, true);
    g_assert_nonnull(strstr(pretty, "\n  \"driver\": \"virtio-blk-pci\",\n"));
    qvJSONFree(qvJSONObjectSteal(obj, "driver"));
    g_assert_null(qvJSONObjectGet(obj, "driver"));
    g_assert_cmpuint(qvJSONObjectSize(obj), ==, 7);
}

static void testUUID(void)
{
    unsigned char a[QV_UUID_BUFLEN], b[QV_UUID_BUFLEN];
    char str[QV_UUID_STRING_BUFLEN];

    g_assert_cmpint(qvUUIDParse("c7a5fdbd-edaf-9455-926a-d65c16db1809", a), ==, 0);
    g_assert_cmpstr(qvUUIDFormat(a, str), ==, "c7a5fdbd-edaf-9455-926a-d65c16db1809");
    g_assert_cmpint(qvUUIDParse("  c7a5fdbdedaf9455926ad65c16db1809 ", b), ==, 0);
    g_assert_cmpmem(a, 16, b, 16);
    g_assert_cmpint(qvUUIDParse("c7a5fdbd-edaf-9455-926a-d65c16db180", a), ==, -1);
    g_assert_cmpint(qvUUIDParse("c7a5fdbd-edaf-9455-926a-d65c16db18090", a), ==, -1);
    g_assert_cmpint(qvUUIDParse("g7a5fdbd-edaf-9455-926a-d65c16db1809", a), ==, -1);
    g_assert_cmpint(qvUUIDParse("", a), ==, -1);
    qvUUIDGenerate(a);
    qvUUIDGenerate(b);
    g_assert_true(memcmp(a, b, 16) != 0);
    g_assert_cmpint(a[6] >> 4, ==, 4);
    g_assert_cmpint(a[8] & 0xC0, ==, 0x80);
    g_assert_false(qvUUIDIsNull(a));
    memset(a, 0, 16);
    g_assert_true(qvUUIDIsNull(a));
}

static void testFileAtomic(void)
{
    g_autofree char *dir = g_dir_make_tmp("qvtest-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "f.xml", NULL);
    g_autofree char *data = NULL;
    g_autoptr(GDir) d = NULL;
    struct stat sb;
    int n = 0;

    g_assert_cmpint(qvFileWriteAtomic(path, "one", 3, 0600), ==, 0);
    g_assert_cmpint(qvFileWriteAtomic(path, "two!", 4, 0600), ==, 0);
    g_assert_cmpint(qvFileReadAll(path, 100, &data), ==, 4);
    g_assert_cmpstr(data, ==, "two!");
    g_assert_cmpint(stat(path, &sb), ==, 0);
    g_assert_cmpint(sb.st_mode & 0777, ==, 0600);
    /* no temporary file is left behind */
    d = g_dir_open(dir, 0, NULL);
    while (g_dir_read_name(d))
        n++;
    g_assert_cmpint(n, ==, 1);
    g_clear_pointer(&data, g_free);

    /* the size cap is enforced, and nothing is returned */
    g_assert_cmpint(qvFileReadAll(path, 3, &data), ==, -1);
    g_assert_null(data);
    g_assert_nonnull(strstr(qvGetLastErrorMessage(), "too large"));
    g_assert_cmpint(qvFileReadAll("/nonexistent/x", 3, &data), ==, -1);
    g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                    "Failed to open file '/nonexistent/x': No such file or directory");
    g_assert_cmpint(qvFileReadAll(dir, 3, &data), ==, -1);

    /* a write into a missing directory fails cleanly */
    g_assert_cmpint(qvFileWriteAtomic("/nonexistent/dir/f", "x", 1, 0600), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_SYSTEM_ERROR);

    g_assert_cmpint(qvFileRemove(path), ==, 0);
    g_assert_cmpint(qvFileRemove(path), ==, 0);
    g_assert_false(qvFileExists(path));
    g_rmdir(dir);
}

static void testFileLock(void)
{
    g_autofree char *dir = g_dir_make_tmp("qvtest-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "lock", NULL);
    int fd1, fd2;

    fd1 = qvFileLock(path, true, false);
    g_assert_cmpint(fd1, >=, 0);
    /* flock locks belong to the open file description: a second open conflicts */
    fd2 = qvFileLock(path, true, false);
    g_assert_cmpint(fd2, ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_RESOURCE_BUSY);
    qvFileUnlock(fd1);
    fd2 = qvFileLock(path, true, false);
    g_assert_cmpint(fd2, >=, 0);
    qvFileUnlock(fd2);
    g_unlink(path);
    g_rmdir(dir);
}

QV_LOG_INIT("qemu.agent");

static void testLogFilters(void)
{
    qvLogSource other = { .name = "qemu.agentx" };
    qvLogSource sub = { .name = "qemu.agent.io" };

    g_assert_cmpint(qvLogSetFilters("qemu.agent:debug util:warning"), ==, 0);
    g_assert_true(qvLogWanted(&qvLogSelf, QV_LOG_DEBUG));
    g_assert_true(qvLogWanted(&sub, QV_LOG_DEBUG));
    g_assert_false(qvLogWanted(&other, QV_LOG_ERROR));
    /* libvirt's "level:category" order works too; the last match wins */
    g_assert_cmpint(qvLogSetFilters("qemu:debug 3:qemu.agent"), ==, 0);
    g_assert_false(qvLogWanted(&qvLogSelf, QV_LOG_INFO));
    g_assert_true(qvLogWanted(&qvLogSelf, QV_LOG_WARN));
    g_assert_cmpint(qvLogSetFilters("qemu.agent"), ==, -1);
    g_assert_cmpint(qvLogSetFilters("qemu.agent:loud"), ==, -1);
    g_assert_cmpint(qvLogSetFilters(""), ==, 0);
    g_assert_false(qvLogWanted(&qvLogSelf, QV_LOG_ERROR));
}

/* ---- the byte relay ---- */

typedef struct {
    int up; /* the upstream's far end (the test plays QEMU's agent socket) */
    char *path;
    qvRelay *relay;
} relayFixture;

static void relaySetUp(relayFixture *f, size_t maxBuffer)
{
    g_autofree char *dir = g_dir_make_tmp("qvrelay-XXXXXX", NULL);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int sv[2], lfd;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    f->path = g_build_filename(dir, "relay.sock", NULL);
    g_strlcpy(addr.sun_path, f->path, sizeof(addr.sun_path));
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(lfd, 4), ==, 0);
    f->up = sv[1];
    f->relay = qvRelayNew(sv[0], lfd, maxBuffer, NULL);
}

static void relayTearDown(relayFixture *f)
{
    g_autofree char *dir = g_path_get_dirname(f->path);

    qvRelayFree(f->relay);
    close(f->up);
    unlink(f->path);
    rmdir(dir);
    g_free(f->path);
}

static int relayConnect(relayFixture *f)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(addr.sun_path, f->path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    return fd;
}

static void relaySpin(void)
{
    int i;

    for (i = 0; i < 50; i++)
        g_main_context_iteration(NULL, FALSE);
}

/* Read what the relay passes on (at most len bytes), spinning its loop until it has;
 * only a relay that never does reaches the (long) bound. */
static gssize relayRead(int fd, char *buf, size_t len)
{
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    gssize n;

    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    do {
        relaySpin();
        n = recv(fd, buf, len, MSG_DONTWAIT);
    } while (n < 0 && errno == EAGAIN && g_get_monotonic_time() < deadline);
    return n;
}

static void testRelayBothWays(void)
{
    relayFixture f;
    char buf[64];
    qvRelayStats st;
    int c;

    relaySetUp(&f, 65536);
    /* what the upstream says while nobody listens is dropped */
    g_assert_cmpint(write(f.up, "stale\n", 6), ==, 6);
    relaySpin();
    c = relayConnect(&f);
    relaySpin();
    g_assert_cmpint(write(c, "ping\n", 5), ==, 5);
    g_assert_cmpint(relayRead(f.up, buf, sizeof(buf)), ==, 5);
    g_assert_cmpint(memcmp(buf, "ping\n", 5), ==, 0);
    g_assert_cmpint(write(f.up, "pong\n", 5), ==, 5);
    g_assert_cmpint(relayRead(c, buf, sizeof(buf)), ==, 5);
    g_assert_cmpint(memcmp(buf, "pong\n", 5), ==, 0);
    qvRelayGetStats(f.relay, &st);
    g_assert_cmpuint(st.dropped, ==, 6);
    g_assert_cmpuint(st.toUpstream, ==, 5);
    g_assert_cmpuint(st.toClient, ==, 5);
    close(c);
    relayTearDown(&f);
}

static void testRelayOneClientAtATime(void)
{
    relayFixture f;
    char buf[64];
    int a, b;

    relaySetUp(&f, 65536);
    a = relayConnect(&f);
    relaySpin();
    b = relayConnect(&f); /* waits in the backlog */
    relaySpin();
    g_assert_cmpint(write(b, "second\n", 7), ==, 7);
    relaySpin();
    g_assert_cmpint(recv(f.up, buf, sizeof(buf), MSG_DONTWAIT), ==, -1);
    close(a);
    g_assert_cmpint(relayRead(f.up, buf, sizeof(buf)), ==, 7);
    g_assert_cmpint(memcmp(buf, "second\n", 7), ==, 0);
    close(b);
    relayTearDown(&f);
}

/* A client that does not read stops the relay reading upstream: memory stays bounded
 * and the upstream's writes block instead. */
static void testRelayBackPressure(void)
{
    g_autofree char *block = g_malloc0(65536);
    relayFixture f;
    qvRelayStats st;
    size_t written = 0;
    int c, i;

    relaySetUp(&f, 65536);
    c = relayConnect(&f);
    relaySpin();
    g_unix_set_fd_nonblocking(f.up, TRUE, NULL);
    for (i = 0; i < 2000; i++) {
        gssize n = send(f.up, block, 65536, MSG_DONTWAIT);

        if (n > 0)
            written += (size_t)n;
        relaySpin();
        if (n < 0 && errno == EAGAIN)
            break;
    }
    g_assert_cmpint(i, <, 2000); /* the upstream had to stop */
    qvRelayGetStats(f.relay, &st);
    g_assert_cmpuint(written, <, 64 * 1024 * 1024);
    close(c);
    relayTearDown(&f);
}

static void testRelayUpstreamCloses(void)
{
    relayFixture f;
    char buf[16];
    qvRelayStats st;
    int c;

    relaySetUp(&f, 65536);
    c = relayConnect(&f);
    relaySpin();
    close(f.up);
    f.up = open("/dev/null", O_RDONLY);
    g_assert_cmpint(relayRead(c, buf, sizeof(buf)), ==, 0); /* EOF */
    qvRelayGetStats(f.relay, &st);
    g_assert_true(st.upstreamClosed);
    close(c);
    relayTearDown(&f);
}

/* Pausing lends the upstream out: the client is dropped, nothing is relayed or read
 * until the relay resumes. */
static void testRelayPause(void)
{
    relayFixture f;
    char buf[16];
    int c, up, d;

    relaySetUp(&f, 65536);
    c = relayConnect(&f);
    relaySpin();
    up = qvRelayPause(f.relay, true);
    g_assert_cmpint(up, >=, 0);
    g_assert_cmpint(relayRead(c, buf, sizeof(buf)), ==, 0); /* the client saw EOF */
    g_assert_cmpint(write(f.up, "mine\n", 5), ==, 5);
    relaySpin();
    g_assert_cmpint(recv(up, buf, sizeof(buf), MSG_DONTWAIT), ==, 5); /* still there for us */
    d = relayConnect(&f); /* waits: nothing is accepted while paused */
    relaySpin();
    g_assert_cmpint(write(d, "x\n", 2), ==, 2);
    relaySpin();
    g_assert_cmpint(recv(f.up, buf, sizeof(buf), MSG_DONTWAIT), ==, -1);
    qvRelayResume(f.relay);
    g_assert_cmpint(relayRead(f.up, buf, sizeof(buf)), ==, 2);
    close(c);
    close(d);
    relayTearDown(&f);
}

/* Lending keeps the client: the caller talks upstream alone, what the client sends
 * meanwhile waits, and the relay picks up where it was once it resumes. */
static void testRelayLend(void)
{
    relayFixture f;
    char buf[16];
    int c, up, d;

    relaySetUp(&f, 65536);
    c = relayConnect(&f);
    relaySpin();
    up = qvRelayPause(f.relay, false);
    g_assert_cmpint(up, >=, 0);
    g_assert_cmpint(write(f.up, "lent\n", 5), ==, 5);
    g_assert_cmpint(write(c, "held\n", 5), ==, 5);
    relaySpin();
    g_assert_cmpint(recv(up, buf, sizeof(buf), MSG_DONTWAIT), ==, 5); /* ours, not c's */
    g_assert_cmpint(memcmp(buf, "lent\n", 5), ==, 0);
    g_assert_cmpint(recv(c, buf, sizeof(buf), MSG_DONTWAIT), ==, -1); /* still attached */
    g_assert_cmpint(recv(f.up, buf, sizeof(buf), MSG_DONTWAIT), ==, -1); /* held back */
    d = relayConnect(&f); /* waits: nothing is accepted while lent */
    qvRelayResume(f.relay);
    g_assert_cmpint(relayRead(f.up, buf, sizeof(buf)), ==, 5);
    g_assert_cmpint(memcmp(buf, "held\n", 5), ==, 0);
    g_assert_cmpint(write(f.up, "back\n", 5), ==, 5);
    g_assert_cmpint(relayRead(c, buf, sizeof(buf)), ==, 5);
    g_assert_cmpint(memcmp(buf, "back\n", 5), ==, 0);
    close(c);
    close(d);
    relayTearDown(&f);
}

int main(int argc, char **argv)
{
    testInit(&argc, &argv);
    g_test_add_func("/util/error/prefixes", testErrorPrefixes);
    g_test_add_func("/util/relay/both-ways", testRelayBothWays);
    g_test_add_func("/util/relay/one-client", testRelayOneClientAtATime);
    g_test_add_func("/util/relay/lend", testRelayLend);
    g_test_add_func("/util/relay/back-pressure", testRelayBackPressure);
    g_test_add_func("/util/relay/upstream-closes", testRelayUpstreamCloses);
    g_test_add_func("/util/relay/pause", testRelayPause);
    g_test_add_func("/util/error/formats", testErrorFormats);
    g_test_add_func("/util/error/flags", testErrorFlags);
    g_test_add_func("/util/error/system", testErrorSystem);
    g_test_add_func("/util/error/preserve", testErrorPreserve);
    g_test_add_func("/util/error/thread-local", testErrorThreadLocal);
    g_test_add_func("/util/json/round-trip", testJSONRoundTrip);
    g_test_add_func("/util/json/typed-reads", testJSONTypedReads);
    g_test_add_func("/util/json/hostile", testJSONHostile);
    g_test_add_func("/util/json/depth", testJSONDepth);
    g_test_add_func("/util/json/build", testJSONBuild);
    g_test_add_func("/util/uuid", testUUID);
    g_test_add_func("/util/file/atomic", testFileAtomic);
    g_test_add_func("/util/file/lock", testFileLock);
    g_test_add_func("/util/log/filters", testLogFilters);
    return g_test_run();
}
