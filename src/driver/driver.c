/* driver.c: the registry of hypervisor drivers that connections are offered to, in order. */
#include <config.h>

#include "driver.h"
#include "qverror.h"

#define QV_FROM_THIS QV_FROM_NONE

#define QV_MAX_DRIVERS 8

static const qvDriver *qvDrivers[QV_MAX_DRIVERS];
static size_t qvNDrivers;

int qvRegisterDriver(const qvDriver *driver)
{
    if (qvNDrivers >= QV_MAX_DRIVERS) {
        qvReportError(QV_ERR_INTERNAL_ERROR, "%s", _("too many drivers registered"));
        return -1;
    }
    qvDrivers[qvNDrivers++] = driver;
    return 0;
}

const qvDriver *qvDriverNth(size_t i)
{
    return i < qvNDrivers ? qvDrivers[i] : NULL;
}

GHashTable *qvDriverURIParams(qvConnectPtr conn, GUri *uri, const char *const *known)
{
    const char *query = g_uri_get_query(uri);
    g_autoptr(GHashTable) params = NULL;
    g_autoptr(GError) err = NULL;
    GHashTableIter iter;
    gpointer key;

    if (!query)
        return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (!(params = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, &err))) {
        qvReportError(QV_ERR_INVALID_ARG, _("invalid URI query '%s': %s"), query, err->message);
        return NULL;
    }
    g_hash_table_iter_init(&iter, params);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (!g_strv_contains(known, key)) {
            g_autofree char *list = g_strjoinv("', '", (char **)known);

            qvReportError(QV_ERR_INVALID_ARG, _("unknown parameter '%s' in URI '%s' (known: '%s')"),
                          (const char *)key, conn->uri, list);
            return NULL;
        }
    }
    return g_steal_pointer(&params);
}
