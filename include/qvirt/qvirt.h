/* qvirt.h: the public C API of libqvirt: libvirt's names with the qv prefix, libvirt's values. */
#pragma once

#define QVIRT_H_INCLUDE

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

#define QV_UUID_BUFLEN 16
#define QV_UUID_STRING_BUFLEN 37

typedef struct _qvConnect qvConnect;
typedef qvConnect *qvConnectPtr;
typedef struct _qvDomain qvDomain;
typedef qvDomain *qvDomainPtr;

#include <qvirt/qvirt-error.h>
#include <qvirt/qvirt-host.h>
#include <qvirt/qvirt-domain.h>
#include <qvirt/qvirt-domain-snapshot.h>

#ifdef __cplusplus
}
#endif

#undef QVIRT_H_INCLUDE
