/* driver.h: the table of callbacks a hypervisor driver fills; an empty slot is "unsupported". */
#pragma once

#include "datatypes.h"

typedef enum {
    QV_DRV_OPEN_SUCCESS = 0,
    QV_DRV_OPEN_DECLINED = -2, /* not this driver's URI: try the next */
    QV_DRV_OPEN_ERROR = -1,
} qvDrvOpenStatus;

struct _qvDriver {
    const char *name;
    int (*connectOpen)(qvConnectPtr conn, GUri *uri, unsigned int flags);
    int (*connectClose)(qvConnectPtr conn);
    const char *(*connectGetType)(qvConnectPtr conn);
    char *(*connectDomainXMLToNative)(qvConnectPtr conn, const char *format, const char *xml,
                                      unsigned int flags);
    int (*connectListAllDomains)(qvConnectPtr conn, qvDomainPtr **domains, unsigned int flags);
    qvDomainPtr (*domainDefineXMLFlags)(qvConnectPtr conn, const char *xml, unsigned int flags);
    int (*domainUndefineFlags)(qvDomainPtr dom, unsigned int flags);
    qvDomainPtr (*domainLookupByName)(qvConnectPtr conn, const char *name);
    qvDomainPtr (*domainLookupByUUID)(qvConnectPtr conn, const unsigned char *uuid);
    qvDomainPtr (*domainLookupByID)(qvConnectPtr conn, int id);
    char *(*domainGetXMLDesc)(qvDomainPtr dom, unsigned int flags);
    int (*domainIsActive)(qvDomainPtr dom);
    int (*domainIsPersistent)(qvDomainPtr dom);
    int (*domainGetState)(qvDomainPtr dom, int *state, int *reason, unsigned int flags);
    int (*domainCreateWithFlags)(qvDomainPtr dom, unsigned int flags);
    int (*domainDestroyFlags)(qvDomainPtr dom, unsigned int flags);
    int (*domainShutdownFlags)(qvDomainPtr dom, unsigned int flags, unsigned int *used);
    int (*domainReboot)(qvDomainPtr dom, unsigned int flags, unsigned int *used);
    int (*domainGetInfo)(qvDomainPtr dom, qvDomainInfoPtr info);
    char *(*domainQemuAgentCommand)(qvDomainPtr dom, const char *cmd, int timeout,
                                    unsigned int flags);
    int (*domainAgentSetResponseTimeout)(qvDomainPtr dom, int timeout, unsigned int flags);
    int (*domainGetTime)(qvDomainPtr dom, long long *seconds, unsigned int *nseconds,
                         unsigned int flags);
    int (*domainSetTime)(qvDomainPtr dom, long long seconds, unsigned int nseconds,
                         unsigned int flags);
    int (*domainGetGuestInfo)(qvDomainPtr dom, unsigned int types, qvTypedParameterPtr *params,
                              int *nparams, unsigned int flags);
    int (*domainInterfaceAddresses)(qvDomainPtr dom, qvDomainInterfacePtr **ifaces,
                                    unsigned int source, unsigned int flags);
    int (*domainFSFreeze)(qvDomainPtr dom, const char **mountpoints, unsigned int nmountpoints,
                          unsigned int flags);
    int (*domainFSThaw)(qvDomainPtr dom, const char **mountpoints, unsigned int nmountpoints,
                        unsigned int flags);
    int (*domainGetFSInfo)(qvDomainPtr dom, qvDomainFSInfoPtr **info, unsigned int flags);
    qvDomainSnapshotPtr (*domainSnapshotCreateXML)(qvDomainPtr dom, const char *xml,
                                                   unsigned int flags);
    char *(*domainSnapshotGetXMLDesc)(qvDomainSnapshotPtr snap, unsigned int flags);
    int (*domainListAllSnapshots)(qvDomainPtr dom, qvDomainSnapshotPtr **snaps, unsigned int flags);
    int (*domainSnapshotListAllChildren)(qvDomainSnapshotPtr snap, qvDomainSnapshotPtr **snaps,
                                         unsigned int flags);
    qvDomainSnapshotPtr (*domainSnapshotLookupByName)(qvDomainPtr dom, const char *name,
                                                      unsigned int flags);
    int (*domainHasCurrentSnapshot)(qvDomainPtr dom, unsigned int flags);
    qvDomainSnapshotPtr (*domainSnapshotCurrent)(qvDomainPtr dom, unsigned int flags);
    qvDomainSnapshotPtr (*domainSnapshotGetParent)(qvDomainSnapshotPtr snap, unsigned int flags);
    int (*domainSnapshotIsCurrent)(qvDomainSnapshotPtr snap, unsigned int flags);
    int (*domainSnapshotHasMetadata)(qvDomainSnapshotPtr snap, unsigned int flags);
    int (*domainRevertToSnapshot)(qvDomainSnapshotPtr snap, unsigned int flags);
    int (*domainSnapshotDelete)(qvDomainSnapshotPtr snap, unsigned int flags);
    int (*connectDomainEventRegisterAny)(qvConnectPtr conn, qvDomainPtr dom, int eventID,
                                         qvConnectDomainEventGenericCallback cb, void *opaque,
                                         qvFreeCallback freecb);
    int (*connectDomainEventDeregisterAny)(qvConnectPtr conn, int callbackID);
};

/* Drivers register at library initialisation; connections try them in order. */
int qvRegisterDriver(const qvDriver *driver);
/* The i-th registered driver, or NULL past the last. */
const qvDriver *qvDriverNth(size_t i);

/* The parameters in a connection URI's query (an empty table when there is none), each
 * one of known (NULL-terminated); NULL with an error naming the first unknown one, or
 * saying why the query does not parse. */
GHashTable *qvDriverURIParams(qvConnectPtr conn, GUri *uri, const char *const *known);
