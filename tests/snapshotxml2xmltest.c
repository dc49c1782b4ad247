/* snapshotxml2xmltest.c: golden test: tests/snapshotxml2xmldata/<case>.xml -> .out or .err. */
#include <config.h>

#include <unistd.h>

#include "qverror.h"
#include "qvxml.h"
#include "snapshot_conf.h"
#include "testutils.h"

static void testSnapshot(gconstpointer data)
{
    const char *name = data;
    g_autofree char *file = g_strdup_printf("%s.xml", name);
    g_autofree char *outFile = g_strdup_printf("%s.out", name);
    g_autofree char *errFile = g_strdup_printf("%s.err", name);
    g_autofree char *xml = NULL;
    g_autofree char *path = testDataPath("snapshotxml2xmldata", file);
    g_autofree char *outPath = testDataPath("snapshotxml2xmldata", outFile);
    g_autofree char *errPath = testDataPath("snapshotxml2xmldata", errFile);
    g_autoptr(snapshotDef) def = NULL;
    bool regenerate = g_strcmp0(g_getenv("TEST_REGENERATE"), "1") == 0;

    xml = testLoadFile(path);
    qvResetLastError();
    /* metadata as qvirt reloads it: the read-back parts are kept */
    def = snapshotDefParseString(xml, "(snapshot_definition)", SNAPSHOT_PARSE_REDEFINE);
    if (def) {
        g_autofree char *out = snapshotDefFormat(def, DOMAIN_DEF_FORMAT_INACTIVE);
        g_autoptr(snapshotDef) again = NULL;
        g_autofree char *out2 = NULL;

        if (regenerate)
            unlink(errPath);
        g_assert_false(g_file_test(errPath, G_FILE_TEST_EXISTS));
        testCompareToFile(out, outPath);
        again = snapshotDefParseString(out, "(formatted)", SNAPSHOT_PARSE_REDEFINE);
        g_assert_nonnull(again);
        out2 = snapshotDefFormat(again, DOMAIN_DEF_FORMAT_INACTIVE);
        g_assert_cmpstr(out, ==, out2);
    } else {
        g_autofree char *err = g_strdup_printf("%s\n", testLastError());

        if (regenerate)
            unlink(outPath);
        g_assert_false(g_file_test(outPath, G_FILE_TEST_EXISTS));
        testCompareToFile(err, errPath);
    }
}

/* A new snapshot request never carries read-back parts into the definition. */
static void testNewRequestDropsReadBack(void)
{
    g_autofree char *path = testDataPath("snapshotxml2xmldata", "full.xml");
    g_autofree char *xml = testLoadFile(path);
    g_autoptr(snapshotDef) def = snapshotDefParseString(xml, "(snapshot)", 0);

    g_assert_nonnull(def);
    g_assert_null(def->parent);
    g_assert_null(def->dom);
    g_assert_cmpint(def->creationTime, ==, 0);
    g_assert_cmpint(def->state, ==, SNAPSHOT_STATE_NOSTATE);
    g_assert_cmpstr(def->name, ==, "s1");
    g_assert_cmpuint(def->ndisks, ==, 2);
}

int main(int argc, char **argv)
{
    g_autoptr(GPtrArray) cases = NULL;
    guint i;

    testInit(&argc, &argv);
    cases = testListCases("snapshotxml2xmldata", ".xml");
    for (i = 0; i < cases->len; i++) {
        g_autofree char *p = g_strdup_printf("/snapshotxml2xml/%s", (char *)cases->pdata[i]);

        g_test_add_data_func(p, cases->pdata[i], testSnapshot);
    }
    g_test_add_func("/snapshotxml2xml/new-request-drops-read-back", testNewRequestDropsReadBack);
    return g_test_run();
}
