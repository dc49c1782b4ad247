/* qvirt-host.h: connections and library-wide calls. */
#pragma once

#ifndef QVIRT_H_INCLUDE
#error "include <qvirt/qvirt.h>, not this header"
#endif

typedef enum {
    QV_CONNECT_RO = 1 << 0,
    QV_CONNECT_NO_ALIASES = 1 << 1,
} qvConnectFlags;

int qvInitialize(void);
int qvGetVersion(unsigned long *libVer);

qvConnectPtr qvConnectOpen(const char *name);
qvConnectPtr qvConnectOpenReadOnly(const char *name);
int qvConnectClose(qvConnectPtr conn);
int qvConnectRef(qvConnectPtr conn);
char *qvConnectGetURI(qvConnectPtr conn);
const char *qvConnectGetType(qvConnectPtr conn);

char *qvConnectDomainXMLToNative(qvConnectPtr conn, const char *nativeFormat, const char *domainXml,
                                 unsigned int flags);
