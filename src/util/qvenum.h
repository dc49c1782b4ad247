/* qvenum.h: enum <-> string tables generated from one list, as in libvirt. */
#pragma once

#include "internal.h"

const char *qvEnumToString(const char *const *types, unsigned int ntypes, int type);
int qvEnumFromString(const char *const *types, unsigned int ntypes, const char *type);

#define QV_ENUM_IMPL(name, lastVal, ...)                                             \
    static const char *const name##TypeList[] = { __VA_ARGS__ };                     \
    G_STATIC_ASSERT(G_N_ELEMENTS(name##TypeList) == (lastVal));                      \
    const char *name##TypeToString(int type)                                         \
    {                                                                                \
        return qvEnumToString(name##TypeList, G_N_ELEMENTS(name##TypeList), type);   \
    }                                                                                \
    int name##TypeFromString(const char *type)                                       \
    {                                                                                \
        return qvEnumFromString(name##TypeList, G_N_ELEMENTS(name##TypeList), type); \
    }

#define QV_ENUM_DECL(name)                    \
    const char *name##TypeToString(int type); \
    int name##TypeFromString(const char *type)
