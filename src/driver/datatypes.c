/* datatypes.c: reference-counted connection, domain and snapshot handles. */
#include <config.h>

#include "datatypes.h"
#include "driver.h"

qvConnectPtr qvConnectNew(const char *uri, unsigned int flags)
{
    qvConnectPtr conn = g_new0(qvConnect, 1);

    conn->refs = 1;
    conn->uri = g_strdup(uri);
    conn->flags = flags;
    return conn;
}

void qvConnectUnrefInternal(qvConnectPtr conn)
{
    if (!conn || !g_atomic_int_dec_and_test(&conn->refs))
        return;
    if (conn->driver && conn->driver->connectClose)
        conn->driver->connectClose(conn);
    g_free(conn->uri);
    g_free(conn);
}

qvDomainPtr qvDomainNew(qvConnectPtr conn, const char *name, const unsigned char *uuid, int id)
{
    qvDomainPtr dom = g_new0(qvDomain, 1);

    dom->refs = 1;
    g_atomic_int_inc(&conn->refs);
    dom->conn = conn;
    dom->name = g_strdup(name);
    memcpy(dom->uuid, uuid, QV_UUID_BUFLEN);
    dom->id = id;
    return dom;
}

void qvDomainUnrefInternal(qvDomainPtr dom)
{
    if (!dom || !g_atomic_int_dec_and_test(&dom->refs))
        return;
    qvConnectUnrefInternal(dom->conn);
    g_free(dom->name);
    g_free(dom);
}

qvDomainSnapshotPtr qvDomainSnapshotNew(qvDomainPtr dom, const char *name)
{
    qvDomainSnapshotPtr snap = g_new0(qvDomainSnapshot, 1);

    snap->refs = 1;
    g_atomic_int_inc(&dom->refs);
    snap->domain = dom;
    snap->name = g_strdup(name);
    return snap;
}

void qvDomainSnapshotUnrefInternal(qvDomainSnapshotPtr snap)
{
    if (!snap || !g_atomic_int_dec_and_test(&snap->refs))
        return;
    qvDomainUnrefInternal(snap->domain);
    g_free(snap->name);
    g_free(snap);
}

void qvDomainInterfaceFreeInternal(qvDomainInterfacePtr iface)
{
    unsigned int i;

    if (!iface)
        return;
    for (i = 0; i < iface->naddrs; i++)
        g_free(iface->addrs[i].addr);
    g_free(iface->addrs);
    g_free(iface->name);
    g_free(iface->hwaddr);
    g_free(iface);
}

void qvDomainFSInfoFreeInternal(qvDomainFSInfoPtr info)
{
    size_t i;

    if (!info)
        return;
    for (i = 0; i < info->ndevAlias; i++)
        g_free(info->devAlias[i]);
    g_free(info->devAlias);
    g_free(info->mountpoint);
    g_free(info->name);
    g_free(info->fstype);
    g_free(info);
}
