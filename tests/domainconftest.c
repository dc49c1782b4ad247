/* domainconftest.c: domain XML round trips (golden files), schema checks of every test
 * XML, the agent-channel lookup, and small conf helpers. */
#include <config.h>

#include <libxml/parser.h>

#include "domain_conf.h"
#include "qemu_conf.h"
#include "qverror.h"
#include "qvxml.h"
#include "testutils.h"

static domainDef *testParseFile(const char *subdir, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);
    g_autofree char *path = testDataPath(subdir, file);
    g_autofree char *xml = testLoadFile(path);

    return domainDefParseString(xml, "(domain_definition)", 0);
}

static void testValidateText(const char *xml, const char *schema)
{
    g_autoptr(xmlDoc) doc = qvXMLParseString(xml, "(output)", QV_XML_MAX_BYTES);
    g_autofree char *path = g_build_filename(ABS_TOP_SRCDIR, "docs", "schemas", schema, NULL);

    g_assert_nonnull(doc);
    if (qvXMLValidate(doc, path) < 0) {
        g_test_message("schema %s rejects:\n%s\n%s", schema, xml, testLastError());
        g_test_fail();
    }
}

/* parse -> format matches the golden output; the output parses back to itself and is
 * valid against the schema. */
static void testRoundTrip(gconstpointer data)
{
    const char *name = data;
    g_autofree char *file = g_strdup_printf("%s.xml", name);
    g_autofree char *outPath = testDataPath("qemuxml2xmloutdata", file);
    g_autoptr(domainDef) def = NULL;
    g_autoptr(domainDef) again = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;

    g_random_set_seed(g_str_hash(name));
    if (!(def = testParseFile("qemuxml2argvdata", name))) {
        g_test_message("%s: %s", name, testLastError());
        g_test_fail();
        return;
    }
    out = domainDefFormat(def, DOMAIN_DEF_FORMAT_INACTIVE);
    testCompareToFile(out, outPath);
    if (!(again = domainDefParseString(out, "(formatted)", 0))) {
        g_test_message("%s: formatted XML does not parse back: %s", name, testLastError());
        g_test_fail();
        return;
    }
    out2 = domainDefFormat(again, DOMAIN_DEF_FORMAT_INACTIVE);
    g_assert_cmpstr(out, ==, out2);
    testValidateText(out, "domain.rng");
}

static void testAgentChannelLookup(void)
{
    g_autoptr(domainDef) agent = testParseFile("qemuxml2argvdata", "agent-channel");
    g_autoptr(domainDef) other = testParseFile("qemuxml2argvdata", "agent-channel-other-name");
    domainChrDef *chr;

    g_assert_nonnull(agent);
    g_assert_nonnull(other);
    chr = domainDefFindAgentChannel(agent);
    g_assert_nonnull(chr);
    g_assert_cmpstr(chr->targetName, ==, "org.qemu.guest_agent.0");
    g_assert_true(chr->source.listen);
    g_assert_null(chr->source.path);

    /* org.qemu.guest_agent.1 is an ordinary channel, never the agent */
    g_assert_cmpuint(other->nchannels, ==, 1);
    g_assert_cmpstr(other->channels[0]->targetName, ==, "org.qemu.guest_agent.1");
    g_assert_null(domainDefFindAgentChannel(other));
    g_assert_false(domainChrIsAgentChannel(other->channels[0]));
}

/* The chosen path shows in live XML with the channel state, never in the definition. */
static void testAgentChannelLiveXML(void)
{
    g_autoptr(domainDef) def = testParseFile("qemuxml2argvdata", "agent-channel");
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew("/var/lib/qvirt");
    g_autofree char *live = NULL;
    g_autofree char *inactive = NULL;
    g_autoptr(domainDef) reparsed = NULL;
    domainChrDef *chr;

    g_assert_nonnull(def);
    def->id = 7;
    g_assert_cmpint(qemuDomainPrepareChannels(cfg, def), ==, 0);
    chr = domainDefFindAgentChannel(def);
    g_assert_cmpstr(
        chr->source.path, ==,
        "/var/lib/qvirt/lib/qemu/channel/target/domain-7-agent-channel/org.qemu.guest_agent.0");
    chr->state = DOMAIN_CHR_STATE_CONNECTED;

    live = domainDefFormat(def, 0);
    g_assert_nonnull(strstr(live, "<domain type='qemu' id='7'>"));
    g_assert_nonnull(strstr(live, "<source mode='bind' "
                                  "path='/var/lib/qvirt/lib/qemu/channel/target/"
                                  "domain-7-agent-channel/org.qemu.guest_agent.0'/>"));
    g_assert_nonnull(
        strstr(live, "<target type='virtio' name='org.qemu.guest_agent.0' state='connected'/>"));
    testValidateText(live, "domain.rng");

    inactive = domainDefFormat(def, DOMAIN_DEF_FORMAT_INACTIVE);
    g_assert_null(strstr(inactive, "domain-7"));
    g_assert_null(strstr(inactive, "state="));
    g_assert_nonnull(strstr(inactive, "<source mode='bind'/>"));

    /* live XML given back to define: the state is not kept, and the driver drops the
     * old run's path so that the next run chooses a fresh one */
    reparsed = domainDefParseString(live, "(live)", 0);
    g_assert_nonnull(reparsed);
    chr = domainDefFindAgentChannel(reparsed);
    g_assert_cmpint(chr->state, ==, DOMAIN_CHR_STATE_DEFAULT);
    qemuDomainDropAutoPaths(cfg, reparsed);
    g_assert_null(chr->source.path);
}

static void testDiskNameToIndex(void)
{
    g_assert_cmpint(domainDiskNameToIndex("vda"), ==, 0);
    g_assert_cmpint(domainDiskNameToIndex("sdb"), ==, 1);
    g_assert_cmpint(domainDiskNameToIndex("vdz"), ==, 25);
    g_assert_cmpint(domainDiskNameToIndex("vdaa"), ==, 26);
    g_assert_cmpint(domainDiskNameToIndex("vdba"), ==, 52);
    g_assert_cmpint(domainDiskNameToIndex("hda"), ==, -1);
    g_assert_cmpint(domainDiskNameToIndex("vd"), ==, -1);
    g_assert_cmpint(domainDiskNameToIndex("vdA"), ==, -1);
    g_assert_cmpint(domainDiskNameToIndex("vdzzzzzzzzzzzzzzzz"), ==, -1);
}

static void testMac(void)
{
    unsigned char mac[6];
    char buf[18];

    g_assert_cmpint(domainMacParse("52:54:00:ab:CD:ef", mac), ==, 0);
    domainMacFormat(mac, buf);
    g_assert_cmpstr(buf, ==, "52:54:00:ab:cd:ef");
    g_assert_cmpint(domainMacParse("52:54:00:ab:cd", mac), ==, -1);
    g_assert_cmpint(domainMacParse("52:54:00:ab:cd:ef:00", mac), ==, -1);
    g_assert_cmpint(domainMacParse("52-54-00-ab-cd-ef", mac), ==, -1);
    domainMacGenerate(mac);
    g_assert_cmpint(mac[0], ==, 0x52);
    g_assert_cmpint(mac[1], ==, 0x54);
    g_assert_cmpint(mac[2], ==, 0x00);
}

static void testShortName(void)
{
    g_autoptr(domainDef) def = testParseFile("qemuxml2argvdata", "minimal");

    g_assert_nonnull(def);
    g_free(def->name);
    /* 20 bytes at most, cut between whole UTF-8 characters */
    def->name = g_strdup("abcdefghijklmnopqrs\xc3\xa9tuvw");
    def->id = 3;
    {
        g_autofree char *s = qemuDomainShortName(def);

        g_assert_cmpstr(s, ==, "3-abcdefghijklmnopqrs");
    }
}

static void testCopy(void)
{
    g_autoptr(domainDef) def = testParseFile("qemuxml2argvdata", "disks");
    g_autoptr(domainDef) copy = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;

    g_assert_nonnull(def);
    copy = domainDefCopy(def);
    g_assert_nonnull(copy);
    a = domainDefFormat(def, 0);
    b = domainDefFormat(copy, 0);
    g_assert_cmpstr(a, ==, b);
}

/* A copy of a running definition keeps knowing which paths were chosen for the run. */
static void testCopyKeepsAutoPaths(void)
{
    g_autoptr(domainDef) def = testParseFile("qemuxml2argvdata", "agent-channel");
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew("/var/lib/qvirt");
    g_autoptr(domainDef) copy = NULL;
    g_autofree char *inactive = NULL;

    g_assert_nonnull(def);
    def->id = 2;
    g_assert_cmpint(qemuDomainPrepareChannels(cfg, def), ==, 0);
    copy = domainDefCopy(def);
    g_assert_nonnull(copy);
    g_assert_cmpint(copy->id, ==, 2);
    g_assert_true(copy->channels[0]->source.autopath);
    inactive = domainDefFormat(copy, DOMAIN_DEF_FORMAT_INACTIVE);
    g_assert_null(strstr(inactive, "domain-2-"));
}

/* Every example shipped to users is valid and parses. */
static void testExamples(void)
{
    g_autofree char *dir = g_build_filename(ABS_TOP_SRCDIR, "examples", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry;
    int n = 0;

    g_assert_nonnull(d);
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, entry, NULL);
        g_autofree char *xml = NULL;
        g_autoptr(domainDef) def = NULL;

        if (!g_str_has_suffix(entry, ".xml"))
            continue;
        xml = testLoadFile(path);
        def = domainDefParseString(xml, path, 0);
        if (!def) {
            g_test_message("%s: %s", entry, testLastError());
            g_test_fail();
        }
        n++;
    }
    g_assert_cmpint(n, >, 0);
}

int main(int argc, char **argv)
{
    g_autoptr(GPtrArray) cases = NULL;
    guint i;

    testInit(&argc, &argv);
    cases = testListCases("qemuxml2argvdata", ".args");
    for (i = 0; i < cases->len; i++) {
        g_autofree char *path =
            g_strdup_printf("/domainconf/roundtrip/%s", (char *)cases->pdata[i]);

        g_test_add_data_func(path, cases->pdata[i], testRoundTrip);
    }
    g_test_add_func("/domainconf/agent-channel/lookup", testAgentChannelLookup);
    g_test_add_func("/domainconf/agent-channel/live-xml", testAgentChannelLiveXML);
    g_test_add_func("/domainconf/disk-name-to-index", testDiskNameToIndex);
    g_test_add_func("/domainconf/mac", testMac);
    g_test_add_func("/domainconf/short-name", testShortName);
    g_test_add_func("/domainconf/copy", testCopy);
    g_test_add_func("/domainconf/copy-keeps-auto-paths", testCopyKeepsAutoPaths);
    g_test_add_func("/domainconf/examples", testExamples);
    return g_test_run();
}
