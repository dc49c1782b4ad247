/* libqvirt.c: the public entry points: argument checks, then the connection's driver. */
#include <config.h>

#include <locale.h>
#include <stdio.h>

#include "driver.h"
#include "qemu_driver.h"
#include "qverror.h"
#include "qvlog.h"
#include "qvtypedparam.h"
#include "qvuuid.h"
#include "remote_driver.h"

#define QV_FROM_THIS QV_FROM_NONE

QV_LOG_INIT("libqvirt");

static gpointer qvOnceInit(gpointer data)
{
    bindtextdomain(GETTEXT_PACKAGE, QV_LOCALEDIR());
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    qvLogSetFromEnv();
    if (qemuRegister() < 0 || remoteRegister() < 0)
        return GINT_TO_POINTER(-1);
    return GINT_TO_POINTER(1);
}

int qvInitialize(void)
{
    static GOnce once = G_ONCE_INIT;

    g_once(&once, qvOnceInit, NULL);
    return GPOINTER_TO_INT(once.retval) > 0 ? 0 : -1;
}

int qvGetVersion(unsigned long *libVer)
{
    unsigned int major = 0, minor = 0, micro = 0;

    if (qvInitialize() < 0)
        return -1;
    qvResetLastError();
    qvCheckNonNullArgReturn(libVer, -1);
    if (sscanf(PACKAGE_VERSION, "%u.%u.%u", &major, &minor, &micro) < 1)
        return -1;
    *libVer = major * 1000000UL + minor * 1000UL + micro;
    return 0;
}

static qvConnectPtr qvConnectOpenInternal(const char *name, unsigned int flags)
{
    g_autoptr(GUri) uri = NULL;
    g_autoptr(GError) err = NULL;
    const qvDriver *driver;
    qvConnectPtr conn;
    size_t i;

    if (qvInitialize() < 0)
        return NULL;
    qvResetLastError();
    if (!name || !*name)
        name = g_getenv("QVIRT_DEFAULT_URI");
    if (!name || !*name)
        name = "qvirt:///embed";
    if (!(uri = g_uri_parse(name, G_URI_FLAGS_NONE, &err))) {
        qvReportError(QV_ERR_INVALID_ARG, _("invalid connection URI '%s': %s"), name, err->message);
        return NULL;
    }
    conn = qvConnectNew(name, flags);
    for (i = 0; (driver = qvDriverNth(i)); i++) {
        int rc = driver->connectOpen(conn, uri, flags);

        if (rc == QV_DRV_OPEN_SUCCESS) {
            conn->driver = driver;
            QV_DEBUG("connection %p to '%s' opened by driver %s", conn, name, driver->name);
            return conn;
        }
        if (rc == QV_DRV_OPEN_ERROR) {
            qvConnectUnrefInternal(conn);
            return NULL;
        }
    }
    qvConnectUnrefInternal(conn);
    qvReportError(
        QV_ERR_NO_CONNECT,
        _("%s (qvirt serves 'qvirt:///embed?root=DIR' in the process, and "
          "'qvirt+unix:///system?socket=PATH' or 'qvirt+unix:///session' through qvirtd)"),
        name);
    return NULL;
}

qvConnectPtr qvConnectOpen(const char *name)
{
    return qvConnectOpenInternal(name, 0);
}

qvConnectPtr qvConnectOpenReadOnly(const char *name)
{
    return qvConnectOpenInternal(name, QV_CONNECT_RO);
}

int qvConnectClose(qvConnectPtr conn)
{
    int remaining;

    qvResetLastError();
    if (!conn) {
        qvReportError(QV_ERR_INVALID_CONN, "%s", __func__);
        return -1;
    }
    remaining = g_atomic_int_get(&conn->refs) - 1;
    qvConnectUnrefInternal(conn);
    return remaining;
}

int qvConnectRef(qvConnectPtr conn)
{
    qvResetLastError();
    if (!conn) {
        qvReportError(QV_ERR_INVALID_CONN, "%s", __func__);
        return -1;
    }
    g_atomic_int_inc(&conn->refs);
    return 0;
}

#define CHECK_CONN(conn, retval)                                \
    do {                                                        \
        qvResetLastError();                                     \
        if (!(conn) || !(conn)->driver) {                       \
            qvReportError(QV_ERR_INVALID_CONN, "%s", __func__); \
            return retval;                                      \
        }                                                       \
    } while (0)

#define CHECK_DOMAIN(dom, retval)                                 \
    do {                                                          \
        qvResetLastError();                                       \
        if (!(dom) || !(dom)->conn || !(dom)->conn->driver) {     \
            qvReportError(QV_ERR_INVALID_DOMAIN, "%s", __func__); \
            return retval;                                        \
        }                                                         \
    } while (0)

#define CHECK_WRITABLE(conn, retval)                                      \
    do {                                                                  \
        if ((conn)->flags & QV_CONNECT_RO) {                              \
            qvReportError(QV_ERR_OPERATION_DENIED, "%s",                  \
                          _("read only access prevents this operation")); \
            return retval;                                                \
        }                                                                 \
    } while (0)

/* An empty slot in the driver table means the operation is not supported. */
#define DRIVER_CALL(conn, slot, retval, ...)                  \
    do {                                                      \
        if (!(conn)->driver->slot) {                          \
            qvReportError(QV_ERR_NO_SUPPORT, "%s", __func__); \
            return retval;                                    \
        }                                                     \
        return (conn)->driver->slot(__VA_ARGS__);             \
    } while (0)

char *qvConnectGetURI(qvConnectPtr conn)
{
    CHECK_CONN(conn, NULL);
    return g_strdup(conn->uri);
}

const char *qvConnectGetType(qvConnectPtr conn)
{
    CHECK_CONN(conn, NULL);
    DRIVER_CALL(conn, connectGetType, NULL, conn);
}

char *qvConnectDomainXMLToNative(qvConnectPtr conn, const char *nativeFormat, const char *domainXml,
                                 unsigned int flags)
{
    CHECK_CONN(conn, NULL);
    qvCheckNonNullArgReturn(nativeFormat, NULL);
    qvCheckNonNullArgReturn(domainXml, NULL);
    DRIVER_CALL(conn, connectDomainXMLToNative, NULL, conn, nativeFormat, domainXml, flags);
}

int qvConnectListAllDomains(qvConnectPtr conn, qvDomainPtr **domains, unsigned int flags)
{
    if (domains)
        *domains = NULL;
    CHECK_CONN(conn, -1);
    DRIVER_CALL(conn, connectListAllDomains, -1, conn, domains, flags);
}

qvDomainPtr qvDomainDefineXMLFlags(qvConnectPtr conn, const char *xml, unsigned int flags)
{
    CHECK_CONN(conn, NULL);
    CHECK_WRITABLE(conn, NULL);
    qvCheckNonNullArgReturn(xml, NULL);
    DRIVER_CALL(conn, domainDefineXMLFlags, NULL, conn, xml, flags);
}

qvDomainPtr qvDomainDefineXML(qvConnectPtr conn, const char *xml)
{
    return qvDomainDefineXMLFlags(conn, xml, 0);
}

int qvDomainUndefineFlags(qvDomainPtr domain, unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    CHECK_WRITABLE(domain->conn, -1);
    DRIVER_CALL(domain->conn, domainUndefineFlags, -1, domain, flags);
}

int qvDomainUndefine(qvDomainPtr domain)
{
    return qvDomainUndefineFlags(domain, 0);
}

qvDomainPtr qvDomainLookupByName(qvConnectPtr conn, const char *name)
{
    CHECK_CONN(conn, NULL);
    qvCheckNonNullArgReturn(name, NULL);
    DRIVER_CALL(conn, domainLookupByName, NULL, conn, name);
}

qvDomainPtr qvDomainLookupByUUID(qvConnectPtr conn, const unsigned char *uuid)
{
    CHECK_CONN(conn, NULL);
    qvCheckNonNullArgReturn(uuid, NULL);
    DRIVER_CALL(conn, domainLookupByUUID, NULL, conn, uuid);
}

qvDomainPtr qvDomainLookupByUUIDString(qvConnectPtr conn, const char *uuidstr)
{
    unsigned char uuid[QV_UUID_BUFLEN];

    CHECK_CONN(conn, NULL);
    qvCheckNonNullArgReturn(uuidstr, NULL);
    if (qvUUIDParse(uuidstr, uuid) < 0) {
        qvReportError(QV_ERR_INVALID_ARG, _("malformed UUID '%s'"), uuidstr);
        return NULL;
    }
    return qvDomainLookupByUUID(conn, uuid);
}

qvDomainPtr qvDomainLookupByID(qvConnectPtr conn, int id)
{
    CHECK_CONN(conn, NULL);
    if (id < 0) {
        qvReportError(QV_ERR_INVALID_ARG, _("domain id %d must not be negative"), id);
        return NULL;
    }
    DRIVER_CALL(conn, domainLookupByID, NULL, conn, id);
}

int qvDomainRef(qvDomainPtr domain)
{
    CHECK_DOMAIN(domain, -1);
    g_atomic_int_inc(&domain->refs);
    return 0;
}

int qvDomainFree(qvDomainPtr domain)
{
    CHECK_DOMAIN(domain, -1);
    qvDomainUnrefInternal(domain);
    return 0;
}

const char *qvDomainGetName(qvDomainPtr domain)
{
    CHECK_DOMAIN(domain, NULL);
    return domain->name;
}

int qvDomainGetUUID(qvDomainPtr domain, unsigned char *uuid)
{
    CHECK_DOMAIN(domain, -1);
    qvCheckNonNullArgReturn(uuid, -1);
    memcpy(uuid, domain->uuid, QV_UUID_BUFLEN);
    return 0;
}

int qvDomainGetUUIDString(qvDomainPtr domain, char *buf)
{
    CHECK_DOMAIN(domain, -1);
    qvCheckNonNullArgReturn(buf, -1);
    qvUUIDFormat(domain->uuid, buf);
    return 0;
}

unsigned int qvDomainGetID(qvDomainPtr domain)
{
    CHECK_DOMAIN(domain, (unsigned int)-1);
    return (unsigned int)domain->id;
}

qvConnectPtr qvDomainGetConnect(qvDomainPtr domain)
{
    CHECK_DOMAIN(domain, NULL);
    return domain->conn;
}

int qvDomainIsActive(qvDomainPtr domain)
{
    CHECK_DOMAIN(domain, -1);
    DRIVER_CALL(domain->conn, domainIsActive, -1, domain);
}

int qvDomainIsPersistent(qvDomainPtr domain)
{
    CHECK_DOMAIN(domain, -1);
    DRIVER_CALL(domain->conn, domainIsPersistent, -1, domain);
}

int qvDomainGetState(qvDomainPtr domain, int *state, int *reason, unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    qvCheckNonNullArgReturn(state, -1);
    DRIVER_CALL(domain->conn, domainGetState, -1, domain, state, reason, flags);
}

char *qvDomainGetXMLDesc(qvDomainPtr domain, unsigned int flags)
{
    CHECK_DOMAIN(domain, NULL);
    DRIVER_CALL(domain->conn, domainGetXMLDesc, NULL, domain, flags);
}

/* ---- lifecycle ---- */

int qvDomainCreateWithFlags(qvDomainPtr domain, unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    CHECK_WRITABLE(domain->conn, -1);
    DRIVER_CALL(domain->conn, domainCreateWithFlags, -1, domain, flags);
}

int qvDomainCreate(qvDomainPtr domain)
{
    return qvDomainCreateWithFlags(domain, 0);
}

int qvDomainDestroyFlags(qvDomainPtr domain, unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    CHECK_WRITABLE(domain->conn, -1);
    DRIVER_CALL(domain->conn, domainDestroyFlags, -1, domain, flags);
}

int qvDomainDestroy(qvDomainPtr domain)
{
    return qvDomainDestroyFlags(domain, 0);
}

int qvDomainShutdownFlagsReport(qvDomainPtr domain, unsigned int flags, unsigned int *used)
{
    CHECK_DOMAIN(domain, -1);
    CHECK_WRITABLE(domain->conn, -1);
    DRIVER_CALL(domain->conn, domainShutdownFlags, -1, domain, flags, used);
}

int qvDomainShutdownFlags(qvDomainPtr domain, unsigned int flags)
{
    return qvDomainShutdownFlagsReport(domain, flags, NULL);
}

int qvDomainShutdown(qvDomainPtr domain)
{
    return qvDomainShutdownFlagsReport(domain, 0, NULL);
}

int qvDomainRebootFlagsReport(qvDomainPtr domain, unsigned int flags, unsigned int *used)
{
    CHECK_DOMAIN(domain, -1);
    CHECK_WRITABLE(domain->conn, -1);
    DRIVER_CALL(domain->conn, domainReboot, -1, domain, flags, used);
}

int qvDomainReboot(qvDomainPtr domain, unsigned int flags)
{
    return qvDomainRebootFlagsReport(domain, flags, NULL);
}

int qvDomainGetInfo(qvDomainPtr domain, qvDomainInfoPtr info)
{
    CHECK_DOMAIN(domain, -1);
    qvCheckNonNullArgReturn(info, -1);
    DRIVER_CALL(domain->conn, domainGetInfo, -1, domain, info);
}

/* ---- the guest agent ---- */

char *qvDomainQemuAgentCommand(qvDomainPtr domain, const char *cmd, int timeout, unsigned int flags)
{
    CHECK_DOMAIN(domain, NULL);
    qvCheckNonNullArgReturn(cmd, NULL);
    CHECK_WRITABLE(domain->conn, NULL);
    DRIVER_CALL(domain->conn, domainQemuAgentCommand, NULL, domain, cmd, timeout, flags);
}

int qvDomainAgentSetResponseTimeout(qvDomainPtr domain, int timeout, unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    CHECK_WRITABLE(domain->conn, -1);
    DRIVER_CALL(domain->conn, domainAgentSetResponseTimeout, -1, domain, timeout, flags);
}

int qvDomainGetTime(qvDomainPtr domain, long long *seconds, unsigned int *nseconds,
                    unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    qvCheckNonNullArgReturn(seconds, -1);
    qvCheckNonNullArgReturn(nseconds, -1);
    CHECK_WRITABLE(domain->conn, -1);
    DRIVER_CALL(domain->conn, domainGetTime, -1, domain, seconds, nseconds, flags);
}

int qvDomainSetTime(qvDomainPtr domain, long long seconds, unsigned int nseconds,
                    unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    CHECK_WRITABLE(domain->conn, -1);
    DRIVER_CALL(domain->conn, domainSetTime, -1, domain, seconds, nseconds, flags);
}

int qvDomainGetGuestInfo(qvDomainPtr domain, unsigned int types, qvTypedParameterPtr *params,
                         int *nparams, unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    qvCheckNonNullArgReturn(params, -1);
    qvCheckNonNullArgReturn(nparams, -1);
    CHECK_WRITABLE(domain->conn, -1);
    DRIVER_CALL(domain->conn, domainGetGuestInfo, -1, domain, types, params, nparams, flags);
}

void qvTypedParamsFree(qvTypedParameterPtr params, int nparams)
{
    qvTypedParamsFreeInternal(params, nparams);
}

int qvDomainInterfaceAddresses(qvDomainPtr domain, qvDomainInterfacePtr **ifaces,
                               unsigned int source, unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    if (ifaces)
        *ifaces = NULL;
    if (source == QV_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT)
        CHECK_WRITABLE(domain->conn, -1);
    DRIVER_CALL(domain->conn, domainInterfaceAddresses, -1, domain, ifaces, source, flags);
}

void qvDomainInterfaceFree(qvDomainInterfacePtr iface)
{
    qvDomainInterfaceFreeInternal(iface);
}

/* ---- events ---- */

int qvConnectDomainEventRegisterAny(qvConnectPtr conn, qvDomainPtr dom, int eventID,
                                    qvConnectDomainEventGenericCallback cb, void *opaque,
                                    qvFreeCallback freecb)
{
    CHECK_CONN(conn, -1);
    qvCheckNonNullArgReturn(cb, -1);
    if (dom && dom->conn != conn) {
        qvReportError(QV_ERR_INVALID_ARG, "%s", _("the domain does not belong to this connection"));
        return -1;
    }
    DRIVER_CALL(conn, connectDomainEventRegisterAny, -1, conn, dom, eventID, cb, opaque, freecb);
}

int qvConnectDomainEventDeregisterAny(qvConnectPtr conn, int callbackID)
{
    CHECK_CONN(conn, -1);
    DRIVER_CALL(conn, connectDomainEventDeregisterAny, -1, conn, callbackID);
}

int qvEventRegisterDefaultImpl(void)
{
    qvResetLastError();
    /* GLib's default main context is always there; this only makes sure it exists */
    (void)g_main_context_default();
    return 0;
}

int qvEventRunDefaultImpl(void)
{
    qvResetLastError();
    g_main_context_iteration(NULL, TRUE);
    return 0;
}

/* ---- guest filesystems ---- */

/* A list of mount points must be there when it is said to have members. */
static bool qvCheckMountpoints(const char **mountpoints, unsigned int nmountpoints)
{
    if (nmountpoints && !mountpoints) {
        qvReportError(QV_ERR_INVALID_ARG, "%s", _("mountpoints is NULL but nmountpoints is not 0"));
        return false;
    }
    return true;
}

int qvDomainFSFreeze(qvDomainPtr domain, const char **mountpoints, unsigned int nmountpoints,
                     unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    CHECK_WRITABLE(domain->conn, -1);
    if (!qvCheckMountpoints(mountpoints, nmountpoints))
        return -1;
    DRIVER_CALL(domain->conn, domainFSFreeze, -1, domain, mountpoints, nmountpoints, flags);
}

int qvDomainFSThaw(qvDomainPtr domain, const char **mountpoints, unsigned int nmountpoints,
                   unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    CHECK_WRITABLE(domain->conn, -1);
    if (!qvCheckMountpoints(mountpoints, nmountpoints))
        return -1;
    DRIVER_CALL(domain->conn, domainFSThaw, -1, domain, mountpoints, nmountpoints, flags);
}

int qvDomainGetFSInfo(qvDomainPtr domain, qvDomainFSInfoPtr **info, unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    qvCheckNonNullArgReturn(info, -1);
    CHECK_WRITABLE(domain->conn, -1);
    *info = NULL;
    DRIVER_CALL(domain->conn, domainGetFSInfo, -1, domain, info, flags);
}

void qvDomainFSInfoFree(qvDomainFSInfoPtr info)
{
    qvDomainFSInfoFreeInternal(info);
}

/* ---- snapshots ---- */

#define CHECK_SNAPSHOT(snap, retval)                                       \
    do {                                                                   \
        qvResetLastError();                                                \
        if (!(snap) || !(snap)->domain || !(snap)->domain->conn ||         \
            !(snap)->domain->conn->driver) {                               \
            qvReportError(QV_ERR_INVALID_DOMAIN_SNAPSHOT, "%s", __func__); \
            return retval;                                                 \
        }                                                                  \
    } while (0)

qvDomainSnapshotPtr qvDomainSnapshotCreateXML(qvDomainPtr domain, const char *xmlDesc,
                                              unsigned int flags)
{
    CHECK_DOMAIN(domain, NULL);
    qvCheckNonNullArgReturn(xmlDesc, NULL);
    CHECK_WRITABLE(domain->conn, NULL);
    DRIVER_CALL(domain->conn, domainSnapshotCreateXML, NULL, domain, xmlDesc, flags);
}

char *qvDomainSnapshotGetXMLDesc(qvDomainSnapshotPtr snapshot, unsigned int flags)
{
    CHECK_SNAPSHOT(snapshot, NULL);
    if ((snapshot->domain->conn->flags & QV_CONNECT_RO) &&
        (flags & QV_DOMAIN_SNAPSHOT_XML_SECURE)) {
        qvReportError(QV_ERR_OPERATION_DENIED, "%s",
                      _("secure information is not available on a read-only connection"));
        return NULL;
    }
    DRIVER_CALL(snapshot->domain->conn, domainSnapshotGetXMLDesc, NULL, snapshot, flags);
}

const char *qvDomainSnapshotGetName(qvDomainSnapshotPtr snapshot)
{
    CHECK_SNAPSHOT(snapshot, NULL);
    return snapshot->name;
}

qvDomainPtr qvDomainSnapshotGetDomain(qvDomainSnapshotPtr snapshot)
{
    CHECK_SNAPSHOT(snapshot, NULL);
    return snapshot->domain;
}

qvConnectPtr qvDomainSnapshotGetConnect(qvDomainSnapshotPtr snapshot)
{
    CHECK_SNAPSHOT(snapshot, NULL);
    return snapshot->domain->conn;
}

int qvDomainListAllSnapshots(qvDomainPtr domain, qvDomainSnapshotPtr **snaps, unsigned int flags)
{
    if (snaps)
        *snaps = NULL;
    CHECK_DOMAIN(domain, -1);
    DRIVER_CALL(domain->conn, domainListAllSnapshots, -1, domain, snaps, flags);
}

int qvDomainSnapshotListAllChildren(qvDomainSnapshotPtr snapshot, qvDomainSnapshotPtr **snaps,
                                    unsigned int flags)
{
    if (snaps)
        *snaps = NULL;
    CHECK_SNAPSHOT(snapshot, -1);
    DRIVER_CALL(snapshot->domain->conn, domainSnapshotListAllChildren, -1, snapshot, snaps, flags);
}

qvDomainSnapshotPtr qvDomainSnapshotLookupByName(qvDomainPtr domain, const char *name,
                                                 unsigned int flags)
{
    CHECK_DOMAIN(domain, NULL);
    qvCheckNonNullArgReturn(name, NULL);
    DRIVER_CALL(domain->conn, domainSnapshotLookupByName, NULL, domain, name, flags);
}

int qvDomainHasCurrentSnapshot(qvDomainPtr domain, unsigned int flags)
{
    CHECK_DOMAIN(domain, -1);
    DRIVER_CALL(domain->conn, domainHasCurrentSnapshot, -1, domain, flags);
}

qvDomainSnapshotPtr qvDomainSnapshotCurrent(qvDomainPtr domain, unsigned int flags)
{
    CHECK_DOMAIN(domain, NULL);
    DRIVER_CALL(domain->conn, domainSnapshotCurrent, NULL, domain, flags);
}

qvDomainSnapshotPtr qvDomainSnapshotGetParent(qvDomainSnapshotPtr snapshot, unsigned int flags)
{
    CHECK_SNAPSHOT(snapshot, NULL);
    DRIVER_CALL(snapshot->domain->conn, domainSnapshotGetParent, NULL, snapshot, flags);
}

int qvDomainSnapshotIsCurrent(qvDomainSnapshotPtr snapshot, unsigned int flags)
{
    CHECK_SNAPSHOT(snapshot, -1);
    DRIVER_CALL(snapshot->domain->conn, domainSnapshotIsCurrent, -1, snapshot, flags);
}

int qvDomainSnapshotHasMetadata(qvDomainSnapshotPtr snapshot, unsigned int flags)
{
    CHECK_SNAPSHOT(snapshot, -1);
    DRIVER_CALL(snapshot->domain->conn, domainSnapshotHasMetadata, -1, snapshot, flags);
}

int qvDomainRevertToSnapshot(qvDomainSnapshotPtr snapshot, unsigned int flags)
{
    CHECK_SNAPSHOT(snapshot, -1);
    CHECK_WRITABLE(snapshot->domain->conn, -1);
    DRIVER_CALL(snapshot->domain->conn, domainRevertToSnapshot, -1, snapshot, flags);
}

int qvDomainSnapshotDelete(qvDomainSnapshotPtr snapshot, unsigned int flags)
{
    CHECK_SNAPSHOT(snapshot, -1);
    CHECK_WRITABLE(snapshot->domain->conn, -1);
    DRIVER_CALL(snapshot->domain->conn, domainSnapshotDelete, -1, snapshot, flags);
}

int qvDomainSnapshotRef(qvDomainSnapshotPtr snapshot)
{
    CHECK_SNAPSHOT(snapshot, -1);
    g_atomic_int_inc(&snapshot->refs);
    return 0;
}

int qvDomainSnapshotFree(qvDomainSnapshotPtr snapshot)
{
    CHECK_SNAPSHOT(snapshot, -1);
    qvDomainSnapshotUnrefInternal(snapshot);
    return 0;
}
