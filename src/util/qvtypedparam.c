/* qvtypedparam.c: typed parameter lists in a GArray. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>

#include "qvtypedparam.h"

void qvTypedParamListInit(qvTypedParamList *list)
{
    list->params = g_array_new(FALSE, TRUE, sizeof(qvTypedParameter));
}

void qvTypedParamListClear(qvTypedParamList *list)
{
    int n;

    if (!list->params)
        return;
    n = (int)list->params->len;
    qvTypedParamsFreeInternal((qvTypedParameterPtr)(void *)g_array_free(list->params, FALSE), n);
    list->params = NULL;
}

void qvTypedParamListSteal(qvTypedParamList *list, qvTypedParameterPtr *params, int *nparams)
{
    *nparams = (int)list->params->len;
    *params = (qvTypedParameterPtr)(void *)g_array_free(list->params, FALSE);
    list->params = NULL;
}

static qvTypedParameter *qvTypedParamListAdd(qvTypedParamList *list, int type, const char *fmt,
                                             va_list ap) G_GNUC_PRINTF(3, 0);
static qvTypedParameter *qvTypedParamListAdd(qvTypedParamList *list, int type, const char *fmt,
                                             va_list ap)
{
    qvTypedParameter p = { .type = type };

    g_vsnprintf(p.field, sizeof(p.field), fmt, ap);
    g_array_append_val(list->params, p);
    return &g_array_index(list->params, qvTypedParameter, list->params->len - 1);
}

#define QV_TYPED_ADD(ctype, name, tag, member, conv)                                          \
    void qvTypedParamListAdd##name(qvTypedParamList *list, ctype value, const char *fmt, ...) \
    {                                                                                         \
        va_list ap;                                                                           \
        qvTypedParameter *p;                                                                  \
                                                                                              \
        va_start(ap, fmt);                                                                    \
        p = qvTypedParamListAdd(list, tag, fmt, ap);                                          \
        va_end(ap);                                                                           \
        p->value.member = conv;                                                               \
    }

QV_TYPED_ADD(const char *, String, QV_TYPED_PARAM_STRING, s, g_strdup(value ? value : ""))
QV_TYPED_ADD(int, Int, QV_TYPED_PARAM_INT, i, value)
QV_TYPED_ADD(unsigned int, UInt, QV_TYPED_PARAM_UINT, ui, value)
QV_TYPED_ADD(unsigned long long, ULLong, QV_TYPED_PARAM_ULLONG, ul, value)
QV_TYPED_ADD(bool, Boolean, QV_TYPED_PARAM_BOOLEAN, b, value ? 1 : 0)

void qvTypedParamsFreeInternal(qvTypedParameterPtr params, int nparams)
{
    int i;

    if (!params)
        return;
    for (i = 0; i < nparams; i++) {
        if (params[i].type == QV_TYPED_PARAM_STRING)
            g_free(params[i].value.s);
    }
    g_free(params);
}
