/* qvenum.c: lookups behind QV_ENUM_IMPL. */
#include <config.h>

#include "qvenum.h"

const char *qvEnumToString(const char *const *types, unsigned int ntypes, int type)
{
    if (type < 0 || (unsigned int)type >= ntypes)
        return NULL;
    return types[type];
}

int qvEnumFromString(const char *const *types, unsigned int ntypes, const char *type)
{
    unsigned int i;

    if (!type)
        return -1;
    for (i = 0; i < ntypes; i++) {
        if (types[i] && STREQ(types[i], type))
            return (int)i;
    }
    return -1;
}
