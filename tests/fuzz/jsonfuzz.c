/* jsonfuzz.c: libFuzzer target: any bytes as JSON must parse or fail cleanly, within the
 * depth limit, and what parses must format and parse back to the same text. */
#include <config.h>

#include <stdint.h>

#include "qvjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *err = NULL;
    g_autoptr(qvJSONValue) val = qvJSONParse((const char *)data, size, 64, &err);

    if (val) {
        g_autofree char *out = qvJSONFormat(val, false);
        g_autofree char *err2 = NULL;
        g_autoptr(qvJSONValue) again = qvJSONParse(out, strlen(out), 64, &err2);
        g_autofree char *out2 = again ? qvJSONFormat(again, false) : NULL;

        if (!again || strcmp(out, out2) != 0)
            __builtin_trap();
    }
    return 0;
}
