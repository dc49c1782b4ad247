/* testutils.c: helpers shared by the C test programs. */
#include <config.h>

#include <locale.h>
#include <stdio.h>

#include "testutils.h"

const char *testSrcDir(void)
{
    return ABS_TOP_SRCDIR "/tests";
}

char *testDataPath(const char *subdir, const char *file)
{
    return g_build_filename(testSrcDir(), subdir, file, NULL);
}

char *testLoadFile(const char *path)
{
    g_autoptr(GError) err = NULL;
    char *data = NULL;

    if (!g_file_get_contents(path, &data, NULL, &err)) {
        g_test_message("cannot read %s: %s", path, err->message);
        g_test_fail();
        return g_strdup("");
    }
    return data;
}

static void testShowDifference(const char *expected, const char *actual)
{
    g_auto(GStrv) e = g_strsplit(expected, "\n", -1);
    g_auto(GStrv) a = g_strsplit(actual, "\n", -1);
    size_t i;

    for (i = 0; e[i] && a[i]; i++) {
        if (STRNEQ(e[i], a[i]))
            break;
    }
    g_test_message("first difference at line %zu:\n  expected: %s\n  actual:   %s", i + 1,
                   e[i] ? e[i] : "<end>", a[i] ? a[i] : "<end>");
}

void testCompareToFile(const char *actual, const char *path)
{
    g_autofree char *expected = NULL;

    if (g_strcmp0(g_getenv("TEST_REGENERATE"), "1") == 0) {
        g_autoptr(GError) err = NULL;

        if (!g_file_set_contents(path, actual, -1, &err)) {
            g_test_message("cannot write %s: %s", path, err->message);
            g_test_fail();
        }
        return;
    }
    expected = testLoadFile(path);
    if (STRNEQ(expected, actual)) {
        g_test_message("output differs from %s (run with TEST_REGENERATE=1 to rewrite)", path);
        testShowDifference(expected, actual);
        g_test_fail();
    }
}

static gint testCompareStrings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *testListCases(const char *subdir, const char *suffix)
{
    g_autofree char *dir = g_build_filename(testSrcDir(), subdir, NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    GPtrArray *cases = g_ptr_array_new_with_free_func(g_free);
    const char *entry;

    g_assert_nonnull(d);
    while ((entry = g_dir_read_name(d))) {
        if (g_str_has_suffix(entry, suffix))
            g_ptr_array_add(cases, g_strndup(entry, strlen(entry) - strlen(suffix)));
    }
    g_ptr_array_sort(cases, testCompareStrings);
    g_assert_cmpuint(cases->len, >, 0);
    return cases;
}

void testInit(int *argc, char ***argv)
{
    setlocale(LC_ALL, "C");
    g_setenv("LC_ALL", "C", TRUE);
    g_test_init(argc, argv, NULL);
    g_random_set_seed(20261125);
}

int testRemoveTree(const char *dir)
{
    const char *argv[] = { "rm", "-rf", "--", dir, NULL };
    g_autoptr(GError) err = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                      &status, &err) ||
        !g_spawn_check_wait_status(status, &err)) {
        g_printerr("cannot remove %s: %s\n", dir, err->message);
        return -1;
    }
    return 0;
}

const char *testErrorCodeName(int code)
{
    static const struct {
        int code;
        const char *name;
    } names[] = {
        { QV_ERR_AGENT_NOT_CONFIGURED, "AGENT_NOT_CONFIGURED" },
        { QV_ERR_AGENT_NOT_CONNECTED, "AGENT_NOT_CONNECTED" },
        { QV_ERR_AGENT_SYNC_TIMEOUT, "AGENT_SYNC_TIMEOUT" },
        { QV_ERR_AGENT_COMMAND_TIMEOUT, "AGENT_COMMAND_TIMEOUT" },
        { QV_ERR_AGENT_COMMAND_FAILED, "AGENT_COMMAND_FAILED" },
        { QV_ERR_AGENT_UNSUPPORTED, "AGENT_UNSUPPORTED" },
        { QV_ERR_AGENT_GUEST_FROZEN, "AGENT_GUEST_FROZEN" },
        { QV_ERR_AGENT_MALFORMED_REPLY, "AGENT_MALFORMED_REPLY" },
        { QV_ERR_AGENT_QUARANTINED, "AGENT_QUARANTINED" },
        { QV_ERR_INVALID_ARG, "INVALID_ARG" },
        { QV_ERR_INTERNAL_ERROR, "INTERNAL_ERROR" },
        { QV_ERR_OPERATION_FAILED, "OPERATION_FAILED" },
        { QV_ERR_OPERATION_TIMEOUT, "OPERATION_TIMEOUT" },
        { QV_ERR_OPERATION_UNSUPPORTED, "OPERATION_UNSUPPORTED" },
        { QV_ERR_SYSTEM_ERROR, "SYSTEM_ERROR" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        if (names[i].code == code)
            return names[i].name;
    }
    return "OTHER";
}

const char *testLastError(void)
{
    return qvGetLastError() ? qvGetLastErrorMessage() : "<no error reported>";
}

bool testScriptExpect(const char *name, size_t step, char **w, const char *rest, const char *result,
                      gint64 elapsedMs)
{
    if (STREQ(w[0], "expect")) {
        /* "ok ..." and "error ..." say how the result begins, up to a word's end ("expect
         * ok" is not met by an error whose message has "ok" in it); other words are a part
         * of the result to find */
        bool whole = w[1] && (STREQ(w[1], "ok") || STREQ(w[1], "error"));
        size_t n = strlen(rest);
        bool met = whole ? g_str_has_prefix(result, rest) && !g_ascii_isalnum(result[n]) &&
                               result[n] != '_'
                         : strstr(result, rest) != NULL;

        if (!met) {
            g_test_message("%s: step %zu: expected %s'%s' in '%s'", name, step,
                           whole ? "a result beginning with " : "", rest, result);
            g_test_fail();
        }
        return true;
    }
    if (STREQ(w[0], "expect-ms")) {
        long long bound;

        if (!w[1] || !w[2] || (STRNEQ(w[1], "<=") && STRNEQ(w[1], ">="))) {
            g_test_message("%s: step %zu: expect-ms wants '<= N' or '>= N'", name, step);
            g_test_fail();
            return true;
        }
        bound = g_ascii_strtoll(w[2], NULL, 10);
        if ((STREQ(w[1], "<=") && elapsedMs > bound) || (STREQ(w[1], ">=") && elapsedMs < bound)) {
            g_test_message("%s: step %zu: took %lld ms, expected %s %lld", name, step,
                           (long long)elapsedMs, w[1], bound);
            g_test_fail();
        }
        return true;
    }
    return false;
}
