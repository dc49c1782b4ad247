/* domainxmlfuzz.c: libFuzzer target: any bytes as domain XML must parse or fail cleanly,
 * and whatever parses must format and parse back. */
#include <config.h>

#include <stdint.h>

#include "domain_conf.h"
#include "qverror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *xml = g_strndup((const char *)data, size);
    g_autoptr(domainDef) def = domainDefParseString(xml, "(fuzz)", DOMAIN_DEF_PARSE_SKIP_SCHEMA);

    if (def) {
        g_autofree char *out = domainDefFormat(def, 0);
        g_autoptr(domainDef) again =
            domainDefParseString(out, "(fuzz-out)", DOMAIN_DEF_PARSE_SKIP_SCHEMA);

        if (!again)
            __builtin_trap();
    }
    qvResetLastError();
    return 0;
}
