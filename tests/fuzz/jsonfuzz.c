/* jsonfuzz.c: libFuzzer target for qvjson, the JSON every QMP and agent reply goes through:
 * any bytes must parse or fail cleanly; what parses must format (compact and pretty) and
 * parse back to the same text; the depth limit must hold exactly (a tree as deep as the
 * limit parses, one level less refuses it); and every typed read the clients make of a
 * value (numbers as long long, unsigned, int, double; strings; members by key) must agree
 * with the others and with the tree. */
#include <config.h>

#include <limits.h>
#include <math.h>
#include <stdint.h>

#include "qvjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define JSONFUZZ_MAX_DEPTH 64

/* Read val as the clients do; returns its depth (containers on the way down, itself too). */
static unsigned int jsonFuzzWalk(const qvJSONValue *val)
{
    unsigned int depth = 0, d;
    long long ll;
    unsigned long long ull;
    int i;
    unsigned int u;
    double dbl;
    bool b;
    size_t k;

    switch (qvJSONGetType(val)) {
    case QV_JSON_OBJECT:
        for (k = 0; k < qvJSONObjectSize(val); k++) {
            const char *key = qvJSONObjectKey(val, k);

            /* keys are unique: looking one up finds its own member */
            if (!key || qvJSONObjectGet(val, key) != qvJSONObjectValue(val, k))
                __builtin_trap();
            if ((d = jsonFuzzWalk(qvJSONObjectValue(val, k))) > depth)
                depth = d;
        }
        return depth + 1;
    case QV_JSON_ARRAY:
        for (k = 0; k < qvJSONArraySize(val); k++) {
            if ((d = jsonFuzzWalk(qvJSONArrayGet(val, k))) > depth)
                depth = d;
        }
        if (qvJSONArrayGet(val, qvJSONArraySize(val)))
            __builtin_trap();
        return depth + 1;
    case QV_JSON_NUMBER:
        if (!qvJSONGetNumberString(val) || qvJSONGetString(val) || qvJSONGetBoolean(val, &b) == 0)
            __builtin_trap();
        if (qvJSONGetInt(val, &i) == 0 && (qvJSONGetLLong(val, &ll) < 0 || ll != i))
            __builtin_trap();
        if (qvJSONGetUInt(val, &u) == 0 && (qvJSONGetULLong(val, &ull) < 0 || ull != u))
            __builtin_trap();
        if (qvJSONGetLLong(val, &ll) == 0) {
            if (ll > 0 && (qvJSONGetULLong(val, &ull) < 0 || ull != (unsigned long long)ll))
                __builtin_trap();
            if (ll >= INT_MIN && ll <= INT_MAX && qvJSONGetInt(val, &i) < 0)
                __builtin_trap();
            if (qvJSONGetDouble(val, &dbl) < 0)
                __builtin_trap(); /* an integer is a number a double can hold, roughly */
        }
        if (qvJSONGetDouble(val, &dbl) == 0 && !isfinite(dbl))
            __builtin_trap();
        return 0;
    case QV_JSON_STRING:
        if (!qvJSONGetString(val) || qvJSONGetNumberString(val) || qvJSONGetLLong(val, &ll) == 0)
            __builtin_trap();
        return 0;
    case QV_JSON_BOOLEAN:
        if (qvJSONGetBoolean(val, &b) < 0 || qvJSONGetString(val))
            __builtin_trap();
        return 0;
    case QV_JSON_NULL:
    default:
        if (qvJSONGetBoolean(val, &b) == 0 || qvJSONGetString(val) || qvJSONObjectSize(val))
            __builtin_trap();
        return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *err = NULL;
    g_autoptr(qvJSONValue) val = qvJSONParse((const char *)data, size, JSONFUZZ_MAX_DEPTH, &err);
    unsigned int depth;

    if (!val) {
        if (!err)
            __builtin_trap(); /* a failure always says why */
        return 0;
    }
    if (err)
        __builtin_trap();
    depth = jsonFuzzWalk(val);
    if (depth > JSONFUZZ_MAX_DEPTH)
        __builtin_trap();
    {
        g_autofree char *out = qvJSONFormat(val, false);
        g_autofree char *pretty = qvJSONFormat(val, true);
        g_autofree char *err2 = NULL;
        g_autofree char *err3 = NULL;
        g_autoptr(qvJSONValue) again = qvJSONParse(out, strlen(out), JSONFUZZ_MAX_DEPTH, &err2);
        g_autoptr(qvJSONValue) fromPretty =
            qvJSONParse(pretty, strlen(pretty), JSONFUZZ_MAX_DEPTH, &err3);
        g_autofree char *out2 = again ? qvJSONFormat(again, false) : NULL;
        g_autofree char *out3 = fromPretty ? qvJSONFormat(fromPretty, false) : NULL;

        if (!again || strcmp(out, out2) != 0 || !fromPretty || strcmp(out, out3) != 0)
            __builtin_trap();
        /* exactly as deep as allowed parses; one level less must be refused */
        if (depth > 0) {
            g_autofree char *err4 = NULL;
            g_autofree char *err5 = NULL;
            g_autoptr(qvJSONValue) atLimit = qvJSONParse(out, strlen(out), depth, &err4);
            g_autoptr(qvJSONValue) belowLimit = qvJSONParse(out, strlen(out), depth - 1, &err5);

            if (!atLimit || belowLimit || !err5)
                __builtin_trap();
        }
    }
    return 0;
}
