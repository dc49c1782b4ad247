/* domainschemafuzz.c: libFuzzer target for the RelaxNG side of domain and snapshot XML
 * (docs/schemas/domain.rng, domainsnapshot.rng). Any bytes go the way a definition from a
 * client goes, schema on (domainDefParseString or snapshotDefParseString without
 * SKIP_SCHEMA), and whatever parses must format to XML that parses and validates again;
 * every well-formed document also meets the validator directly, so that documents the
 * C parser refuses early still reach the schema and its error reporting. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_conf.h"
#include "qverror.h"
#include "qvfile.h"
#include "qvxml.h"
#include "snapshot_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void domainSchemaFuzzDomain(const char *xml)
{
    g_autoptr(domainDef) def = domainDefParseString(xml, "(fuzz)", 0);

    if (def) {
        g_autofree char *out = domainDefFormat(def, 0);
        g_autoptr(domainDef) again = domainDefParseString(out, "(fuzz-out)", 0);

        if (!again)
            __builtin_trap(); /* qvirt wrote a definition its own schema refuses */
    }
}

static void domainSchemaFuzzSnapshot(const char *xml)
{
    g_autoptr(snapshotDef) def = snapshotDefParseString(xml, "(fuzz)", 0);

    if (def) {
        g_autofree char *out = snapshotDefFormat(def, 0);
        g_autoptr(snapshotDef) again = snapshotDefParseString(out, "(fuzz-out)", 0);

        if (!again)
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *domainSchema, *snapshotSchema;
    g_autofree char *xml = g_strndup((const char *)data, size);
    xmlDocPtr doc;
    bool snapshot;

    if (!domainSchema) {
        g_autoptr(domainDef) probe = NULL;

        domainSchema = qvFileFindData("schemas/domain.rng");
        snapshotSchema = qvFileFindData("schemas/domainsnapshot.rng");
        /* without its schemas the target would reach nothing: say so, loudly */
        probe = domainDefParseString("<domain type='qemu'><name>probe</name><memory>1024</memory>"
                                     "<os><type>hvm</type></os></domain>",
                                     "(probe)", 0);
        if (!probe || !g_file_test(snapshotSchema, G_FILE_TEST_EXISTS)) {
            fprintf(stderr, "domainschemafuzz: schemas not usable (QVIRT_DATA_DIR?): %s\n",
                    qvGetLastErrorMessage());
            abort();
        }
    }
    if (!(doc = qvXMLParseString(xml, "(fuzz)", QV_XML_MAX_BYTES))) {
        qvResetLastError();
        return 0;
    }
    snapshot = xmlDocGetRootElement(doc) &&
               strcmp((const char *)xmlDocGetRootElement(doc)->name, "domainsnapshot") == 0;
    qvXMLValidate(doc, snapshot ? snapshotSchema : domainSchema);
    xmlFreeDoc(doc);
    qvResetLastError();

    if (snapshot)
        domainSchemaFuzzSnapshot(xml);
    else
        domainSchemaFuzzDomain(xml);
    qvResetLastError();
    return 0;
}
