/* qvtypedparam.h: building libvirt-style typed parameter lists. */
#pragma once

#include "internal.h"

typedef struct {
    GArray *params; /* qvTypedParameter */
} qvTypedParamList;

void qvTypedParamListInit(qvTypedParamList *list);
void qvTypedParamListClear(qvTypedParamList *list);
/* Hand the parameters over (array and count); the list is left empty. */
void qvTypedParamListSteal(qvTypedParamList *list, qvTypedParameterPtr *params, int *nparams);

/* The field name is printf-formatted; names longer than the field are truncated, which
 * libvirt's own names never are. */
void qvTypedParamListAddString(qvTypedParamList *list, const char *value, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
void qvTypedParamListAddInt(qvTypedParamList *list, int value, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
void qvTypedParamListAddUInt(qvTypedParamList *list, unsigned int value, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
void qvTypedParamListAddULLong(qvTypedParamList *list, unsigned long long value, const char *fmt,
                               ...) G_GNUC_PRINTF(3, 4);
void qvTypedParamListAddBoolean(qvTypedParamList *list, bool value, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* Free an array the API handed out (strings included). */
void qvTypedParamsFreeInternal(qvTypedParameterPtr params, int nparams);
