/* datatypes.h: the public handles (connections, domains) behind the qv* API. */
#pragma once

#include "internal.h"

typedef struct _qvDriver qvDriver;

struct _qvConnect {
    gint refs;
    char *uri;
    unsigned int flags; /* qvConnectFlags */
    const qvDriver *driver;
    void *privateData; /* the driver's */
};

struct _qvDomain {
    gint refs;
    qvConnectPtr conn;
    char *name;
    unsigned char uuid[QV_UUID_BUFLEN];
    int id;
};

struct _qvDomainSnapshot {
    gint refs;
    qvDomainPtr domain;
    char *name;
};

qvConnectPtr qvConnectNew(const char *uri, unsigned int flags);
void qvConnectUnrefInternal(qvConnectPtr conn);
qvDomainPtr qvDomainNew(qvConnectPtr conn, const char *name, const unsigned char *uuid, int id);
void qvDomainUnrefInternal(qvDomainPtr dom);
qvDomainSnapshotPtr qvDomainSnapshotNew(qvDomainPtr dom, const char *name);
void qvDomainSnapshotUnrefInternal(qvDomainSnapshotPtr snap);

/* Free what qvDomainInterfaceAddresses handed out (one interface). */
void qvDomainInterfaceFreeInternal(qvDomainInterfacePtr iface);
void qvDomainFSInfoFreeInternal(qvDomainFSInfoPtr info);
