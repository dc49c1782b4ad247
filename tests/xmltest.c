/* xmltest.c: untrusted XML: entity bombs, external entities, size and depth limits,
 * precise file:line errors, and the report of unconsumed (unsupported) XML. */
#include <config.h>

#include "qverror.h"
#include "qvxml.h"
#include "testutils.h"

static void testRejected(const char *xml, int code, const char *expect)
{
    xmlDocPtr doc = qvXMLParseString(xml, "bad.xml", QV_XML_MAX_BYTES);

    g_assert_null(doc);
    g_assert_cmpint(qvGetLastErrorCode(), ==, code);
    if (!strstr(qvGetLastErrorMessage(), expect)) {
        g_test_message("expected '%s' in: %s", expect, qvGetLastErrorMessage());
        g_test_fail();
    }
}

static void testEntityBomb(void)
{
    testRejected("<?xml version='1.0'?>\n"
                 "<!DOCTYPE lolz [\n"
                 " <!ENTITY lol 'lol'>\n"
                 " <!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n"
                 " <!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>\n"
                 " <!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>\n"
                 " <!ENTITY lol9 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>\n"
                 "]>\n<domain type='qemu'><name>&lol9;</name></domain>\n",
                 QV_ERR_OPERATION_DENIED, "bad.xml:2: DOCTYPE declarations");
}

static void testExternalEntity(void)
{
    testRejected("<?xml version='1.0'?>\n"
                 "<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>\n"
                 "<domain><name>&x;</name></domain>\n",
                 QV_ERR_OPERATION_DENIED, "not allowed");
    testRejected("<!DOCTYPE domain SYSTEM 'http://example.invalid/x.dtd'><domain/>",
                 QV_ERR_OPERATION_DENIED, "not allowed");
    /* an entity reference without a declaration is a plain error */
    testRejected("<domain>\n<name>&x;</name></domain>", QV_ERR_XML_DETAIL,
                 "bad.xml:2: Entity 'x' not defined");
}

static void testMalformed(void)
{
    testRejected("<domain>\n  <name>x</nam>\n</domain>", QV_ERR_XML_DETAIL,
                 "bad.xml:2: Opening and ending tag mismatch: name line 2 and nam");
    testRejected("", QV_ERR_XML_DETAIL, "bad.xml");
    testRejected("just text", QV_ERR_XML_DETAIL, "bad.xml:1:");
    testRejected("<a>\xff\xfe</a>", QV_ERR_XML_DETAIL, "bad.xml:1:");
}

static void testLimits(void)
{
    g_autoptr(GString) big = g_string_new("<domain><description>");
    g_autoptr(GString) deep = g_string_new(NULL);
    xmlDocPtr doc;
    int i;

    while (big->len < 2000)
        g_string_append(big, "0123456789");
    g_string_append(big, "</description></domain>");
    g_assert_null(qvXMLParseString(big->str, "big.xml", 1000));
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_XML_ERROR);
    g_assert_nonnull(strstr(qvGetLastErrorMessage(), "too large"));
    doc = qvXMLParseString(big->str, "big.xml", 1 << 20);
    g_assert_nonnull(doc);
    xmlFreeDoc(doc);

    /* libxml2's own depth limit (without XML_PARSE_HUGE) stops deep nesting */
    for (i = 0; i < 100000; i++)
        g_string_append(deep, "<a>");
    testRejected(deep->str, QV_ERR_XML_DETAIL, "bad.xml:1:");
}

static void testUnconsumed(void)
{
    g_autoptr(xmlDoc) doc = qvXMLParseString("<domain type='qemu' bogus='1'>\n"
                                             "  <name>x</name>\n"
                                             "  <name>y</name>\n"
                                             "  <devices>\n"
                                             "    <controller type='usb'/>\n"
                                             "  </devices>\n"
                                             "</domain>\n",
                                             "t.xml", QV_XML_MAX_BYTES);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr devices;
    g_autofree char *type = NULL;

    qvXMLMarkConsumed(root);
    type = qvXMLProp(root, "type");
    g_assert_cmpstr(type, ==, "qemu");
    g_assert_nonnull(qvXMLChild(root, "name"));
    devices = qvXMLChild(root, "devices");
    g_assert_nonnull(devices);
    g_assert_cmpint(qvXMLReportUnconsumed(root), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_CONFIG_UNSUPPORTED);
    g_assert_cmpstr(qvGetLastErrorMessage(), ==,
                    "unsupported configuration: t.xml: 3 items are not supported by qvirt:\n"
                    "  line 1: attribute 'bogus' of <domain>\n"
                    "  line 3: element <name> in <domain> given more than once\n"
                    "  line 5: element <controller> in <devices>");
}

static void testSchemaError(void)
{
    g_autoptr(xmlDoc) doc = qvXMLParseString("<domain type='qemu'>\n<name>x</name>\n"
                                             "<memory unit='parsecs'>1</memory>\n"
                                             "<os><type>hvm</type></os></domain>",
                                             "s.xml", QV_XML_MAX_BYTES);
    g_autofree char *schema =
        g_build_filename(ABS_TOP_SRCDIR, "docs", "schemas", "domain.rng", NULL);

    g_assert_nonnull(doc);
    g_assert_cmpint(qvXMLValidate(doc, schema), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_XML_INVALID_SCHEMA);
    g_assert_nonnull(strstr(qvGetLastErrorMessage(), "s.xml:3:"));
    g_assert_cmpint(qvXMLValidate(doc, "/nonexistent.rng"), ==, -1);
    g_assert_cmpint(qvGetLastErrorCode(), ==, QV_ERR_INTERNAL_ERROR);
}

static void testEscape(void)
{
    g_autoptr(GString) buf = g_string_new(NULL);

    qvBufferEscapeXML(buf, "<a b='c' & \"d\">\r");
    g_assert_cmpstr(buf->str, ==, "&lt;a b=&apos;c&apos; &amp; &quot;d&quot;&gt;&#13;");
}

int main(int argc, char **argv)
{
    testInit(&argc, &argv);
    g_test_add_func("/xml/entity-bomb", testEntityBomb);
    g_test_add_func("/xml/external-entity", testExternalEntity);
    g_test_add_func("/xml/malformed", testMalformed);
    g_test_add_func("/xml/limits", testLimits);
    g_test_add_func("/xml/unconsumed", testUnconsumed);
    g_test_add_func("/xml/schema-error", testSchemaError);
    g_test_add_func("/xml/escape", testEscape);
    return g_test_run();
}
