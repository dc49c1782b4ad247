/* qemuxml2argvtest.c: golden test: tests/qemuxml2argvdata/<case>.xml -> <case>.args or .err. */
#include <config.h>

#include <unistd.h>

#include "domain_conf.h"
#include "qemu_command.h"
#include "qverror.h"
#include "testutils.h"

#define TEST_ROOT "/var/lib/qvirt"

static char *testBuild(const char *xml)
{
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew(TEST_ROOT);
    g_autoptr(domainDef) def = NULL;
    g_autoptr(qemuCommand) cmd = NULL;

    g_free(cfg->defaultEmulator);
    cfg->defaultEmulator = g_strdup("/usr/bin/qemu-system-x86_64");
    qvResetLastError();
    if (!(def = domainDefParseString(xml, "(domain_definition)", 0)))
        return NULL;
    qemuDomainDropAutoPaths(cfg, def);
    def->id = 1;
    if (qemuDomainPrepareChannels(cfg, def) < 0 || !(cmd = qemuBuildCommandLine(cfg, def)))
        return NULL;
    return qemuCommandToString(cmd, true);
}

static void testXML2Argv(gconstpointer data)
{
    const char *name = data;
    g_autofree char *file = g_strdup_printf("%s.xml", name);
    g_autofree char *argsFile = g_strdup_printf("%s.args", name);
    g_autofree char *errFile = g_strdup_printf("%s.err", name);
    g_autofree char *xmlPath = testDataPath("qemuxml2argvdata", file);
    g_autofree char *argsPath = testDataPath("qemuxml2argvdata", argsFile);
    g_autofree char *errPath = testDataPath("qemuxml2argvdata", errFile);
    g_autofree char *xml = testLoadFile(xmlPath);
    g_autofree char *args = NULL;
    bool regenerate = g_strcmp0(g_getenv("TEST_REGENERATE"), "1") == 0;

    g_random_set_seed(g_str_hash(name));
    args = testBuild(xml);
    if (args) {
        if (regenerate)
            unlink(errPath);
        else if (g_file_test(errPath, G_FILE_TEST_EXISTS)) {
            g_test_message("%s built, but %s expects an error", name, errFile);
            g_test_fail();
            return;
        }
        testCompareToFile(args, argsPath);
    } else {
        g_autofree char *err = g_strdup_printf("%s\n", testLastError());

        g_assert_nonnull(qvGetLastError());
        if (regenerate)
            unlink(argsPath);
        else if (g_file_test(argsPath, G_FILE_TEST_EXISTS)) {
            g_test_message("%s failed: %s", name, err);
            g_test_fail();
            return;
        }
        testCompareToFile(err, errPath);
    }
}

int main(int argc, char **argv)
{
    g_autoptr(GPtrArray) cases = NULL;
    guint i;

    testInit(&argc, &argv);
    cases = testListCases("qemuxml2argvdata", ".xml");
    for (i = 0; i < cases->len; i++) {
        g_autofree char *path = g_strdup_printf("/qemuxml2argv/%s", (char *)cases->pdata[i]);

        g_test_add_data_func(path, cases->pdata[i], testXML2Argv);
    }
    return g_test_run();
}
