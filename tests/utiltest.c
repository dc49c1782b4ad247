/* utiltest.c: the util layer: typed errors, JSON with hostile input, UUIDs, files, logs. */
#include <config.h>

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qverror.h"
#include "qvfile.h"
#include "qvjson.h"
#include "qvlog.h"
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

int main(int argc, char **argv)
{
    testInit(&argc, &argv);
    g_test_add_func("/util/error/prefixes", testErrorPrefixes);
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
