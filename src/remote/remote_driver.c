/* remote_driver.c: the qvDriver table over qvirtd. Each entry point encodes its arguments
 * as libvirt's client would, waits for the reply and turns it back into qvirt's types;
 * errors come back with qvirt's own codes and words (the client says it is qvirt's). */
#include <config.h>

#include "datatypes.h"
#include "domain_event.h"
#include "driver.h"
#include "qverror.h"
#include "qvlog.h"
#include "qvtypedparam.h"
#include "remote_client.h"
#include "remote_driver.h"

#define QV_FROM_THIS QV_FROM_REMOTE

QV_LOG_INIT("remote.driver");

typedef struct {
    int remoteID; /* the daemon's callback id for this event id */
    guint locals; /* local registrations sharing it */
} remoteEventReg;

typedef struct {
    qvRemoteClient *client;
    qvDomainEventState *events;
    GMutex lock; /* the tables below */
    GHashTable *byEventID; /* eventID -> remoteEventReg * */
    GHashTable *localEventID; /* local callback id -> eventID */
} remotePrivate;

#define PRIV(conn) ((remotePrivate *)(conn)->privateData)
#define XDR_VOID ((xdrproc_t)NULL)
#define XP(t) ((xdrproc_t)xdr_##t)

static int remoteCall(qvConnectPtr conn, unsigned int prog, int proc, xdrproc_t argsFilter,
                      const void *args, xdrproc_t retFilter, void *ret)
{
    return qvRemoteClientCall(PRIV(conn)->client, prog, proc, argsFilter, args, retFilter, ret);
}

#define REMOTE_CALL(conn, proc, argsT, args, retT, ret) \
    remoteCall((conn), REMOTE_PROGRAM, (proc), XP(argsT), (args), XP(retT), (ret))
#define REMOTE_CALL_NOARGS(conn, proc, retT, ret) \
    remoteCall((conn), REMOTE_PROGRAM, (proc), XDR_VOID, NULL, XP(retT), (ret))
#define REMOTE_CALL_NORET(conn, proc, argsT, args) \
    remoteCall((conn), REMOTE_PROGRAM, (proc), XP(argsT), (args), XDR_VOID, NULL)

/* ---- handles, both ways ---- */

/* For arguments only: points into dom, nothing to free. */
static void remoteMakeDomain(remote_nonnull_domain *out, qvDomainPtr dom)
{
    out->name = dom->name;
    memcpy(out->uuid, dom->uuid, QV_UUID_BUFLEN);
    out->id = dom->id;
}

static void remoteMakeSnapshot(remote_nonnull_domain_snapshot *out, qvDomainSnapshotPtr snap)
{
    out->name = snap->name;
    remoteMakeDomain(&out->dom, snap->domain);
}

static qvDomainPtr remoteGetDomain(qvConnectPtr conn, const remote_nonnull_domain *d)
{
    return qvDomainNew(conn, d->name, (const unsigned char *)d->uuid, d->id);
}

/* A snapshot of dom (the daemon names the same domain) */
static qvDomainSnapshotPtr remoteGetSnapshot(qvDomainPtr dom,
                                             const remote_nonnull_domain_snapshot *s)
{
    return qvDomainSnapshotNew(dom, s->name);
}

static qvDomainSnapshotPtr *remoteGetSnapshots(qvDomainPtr dom,
                                               const remote_nonnull_domain_snapshot *s, u_int n)
{
    qvDomainSnapshotPtr *out = g_new0(qvDomainSnapshotPtr, n + 1);
    u_int i;

    for (i = 0; i < n; i++)
        out[i] = remoteGetSnapshot(dom, &s[i]);
    return out;
}

/* ---- events ---- */

static void remoteEvent(const remote_message_header *hdr, const char *payload, gsize len,
                        gpointer opaque)
{
    remotePrivate *priv = opaque;

    if (hdr->prog == REMOTE_PROGRAM && hdr->proc == 318) {
        remote_domain_event_callback_lifecycle_msg m = { 0 };

        if (!qvRPCDecodeBody(payload, len, XP(remote_domain_event_callback_lifecycle_msg), &m))
            goto bad;
        qvDomainEventLifecycle(priv->events, m.dom.name, (const unsigned char *)m.dom.uuid,
                               m.dom.id, m.event, m.detail);
        xdr_free(XP(remote_domain_event_callback_lifecycle_msg), (char *)&m);
    } else if (hdr->prog == REMOTE_PROGRAM && hdr->proc == 319) {
        remote_domain_event_callback_reboot_msg m = { 0 };

        if (!qvRPCDecodeBody(payload, len, XP(remote_domain_event_callback_reboot_msg), &m))
            goto bad;
        qvDomainEventReboot(priv->events, m.dom.name, (const unsigned char *)m.dom.uuid, m.dom.id);
        xdr_free(XP(remote_domain_event_callback_reboot_msg), (char *)&m);
    } else if (hdr->prog == REMOTE_PROGRAM && hdr->proc == 348) {
        remote_domain_event_callback_agent_lifecycle_msg m = { 0 };

        if (!qvRPCDecodeBody(payload, len, XP(remote_domain_event_callback_agent_lifecycle_msg),
                             &m))
            goto bad;
        qvDomainEventAgentLifecycle(priv->events, m.dom.name, (const unsigned char *)m.dom.uuid,
                                    m.dom.id, m.state, m.reason);
        xdr_free(XP(remote_domain_event_callback_agent_lifecycle_msg), (char *)&m);
    } else if (hdr->prog == QVIRT_PROGRAM &&
               hdr->proc == QVIRT_PROC_DOMAIN_EVENT_CALLBACK_FS_FREEZE) {
        qvirt_domain_event_callback_fs_freeze_msg m = { 0 };

        if (!qvRPCDecodeBody(payload, len, XP(qvirt_domain_event_callback_fs_freeze_msg), &m))
            goto bad;
        qvDomainEventFSFreeze(priv->events, m.dom.name, (const unsigned char *)m.dom.uuid, m.dom.id,
                              m.state, m.reason);
        xdr_free(XP(qvirt_domain_event_callback_fs_freeze_msg), (char *)&m);
    } else {
        QV_DEBUG("event %u/%d from qvirtd not known here: ignored", hdr->prog, hdr->proc);
    }
    return;
bad:
    QV_WARN("event %u/%d from qvirtd does not decode: dropped", hdr->prog, hdr->proc);
}

static int remoteConnectDomainEventRegisterAny(qvConnectPtr conn, qvDomainPtr dom, int eventID,
                                               qvConnectDomainEventGenericCallback cb, void *opaque,
                                               qvFreeCallback freecb)
{
    remotePrivate *priv = PRIV(conn);
    remoteEventReg *reg;
    int id;

    /* the daemon filters nothing for us: one registration per event id for every domain,
     * and the local state hands each event to the callbacks that match */
    if ((id = qvDomainEventStateRegister(priv->events, conn, dom, eventID, cb, opaque, freecb)) < 0)
        return -1;
    g_mutex_lock(&priv->lock);
    reg = g_hash_table_lookup(priv->byEventID, GINT_TO_POINTER(eventID));
    if (!reg) {
        remote_connect_domain_event_callback_register_any_args args = { eventID, NULL };
        remote_connect_domain_event_callback_register_any_ret ret = { 0 };

        if (REMOTE_CALL(conn, 316, remote_connect_domain_event_callback_register_any_args, &args,
                        remote_connect_domain_event_callback_register_any_ret, &ret) < 0) {
            g_autoptr(qvError) saved = qvErrorPreserveLast();

            g_mutex_unlock(&priv->lock);
            qvDomainEventStateDeregister(priv->events, conn, id);
            qvErrorRestore(&saved);
            return -1;
        }
        reg = g_new0(remoteEventReg, 1);
        reg->remoteID = ret.callbackID;
        g_hash_table_insert(priv->byEventID, GINT_TO_POINTER(eventID), reg);
    }
    reg->locals++;
    g_hash_table_insert(priv->localEventID, GINT_TO_POINTER(id), GINT_TO_POINTER(eventID));
    g_mutex_unlock(&priv->lock);
    return id;
}

static int remoteConnectDomainEventDeregisterAny(qvConnectPtr conn, int callbackID)
{
    remotePrivate *priv = PRIV(conn);
    gpointer eventID;
    remoteEventReg *reg;
    int rc = 0;

    if (qvDomainEventStateDeregister(priv->events, conn, callbackID) < 0)
        return -1;
    g_mutex_lock(&priv->lock);
    if (g_hash_table_steal_extended(priv->localEventID, GINT_TO_POINTER(callbackID), NULL,
                                    &eventID) &&
        (reg = g_hash_table_lookup(priv->byEventID, eventID)) && --reg->locals == 0) {
        remote_connect_domain_event_callback_deregister_any_args args = { reg->remoteID };

        g_hash_table_remove(priv->byEventID, eventID);
        rc = REMOTE_CALL_NORET(conn, 317, remote_connect_domain_event_callback_deregister_any_args,
                               &args);
    }
    g_mutex_unlock(&priv->lock);
    return rc;
}

/* ---- connection ---- */

static int remoteProbe(qvConnectPtr conn, int feature)
{
    remote_connect_supports_feature_args args = { feature };
    remote_connect_supports_feature_ret ret = { 0 };

    if (REMOTE_CALL(conn, 60, remote_connect_supports_feature_args, &args,
                    remote_connect_supports_feature_ret, &ret) < 0)
        return -1;
    return ret.supported;
}

static void remotePrivateFree(remotePrivate *priv)
{
    if (!priv)
        return;
    qvRemoteClientFree(priv->client);
    qvDomainEventStateFree(priv->events);
    g_hash_table_unref(priv->byEventID);
    g_hash_table_unref(priv->localEventID);
    g_mutex_clear(&priv->lock);
    g_free(priv);
}

/* A whole number from 0 to max in a URI parameter. */
static bool remoteParseUInt(qvConnectPtr conn, const char *key, const char *value, guint max,
                            guint *out)
{
    guint64 v;

    if (!g_ascii_string_to_unsigned(value, 10, 0, max, &v, NULL)) {
        qvReportError(QV_ERR_INVALID_ARG,
                      _("parameter '%s' in URI '%s' takes a number from 0 to %u"), key, conn->uri,
                      max);
        return false;
    }
    *out = (guint)v;
    return true;
}

/* What a qvirt+unix URI says: the socket (?socket=, else the daemon's default one) and
 * the keepalive (?keepalive_interval=S&keepalive_count=N, libvirt's client defaults 5, 5). */
static char *remoteParseURI(qvConnectPtr conn, GUri *uri, unsigned int flags,
                            qvRemoteClientLimits *limits)
{
    const char *path = g_uri_get_path(uri);
    g_autofree char *socket = NULL;

    if (g_uri_get_host(uri) && *g_uri_get_host(uri)) {
        qvReportError(QV_ERR_INVALID_ARG,
                      _("qvirt+unix URIs name no host ('%s'): the daemon is on this machine"),
                      conn->uri);
        return NULL;
    }
    if (STRNEQ(path, "/system") && STRNEQ(path, "/session")) {
        qvReportError(QV_ERR_INVALID_ARG,
                      _("unknown path '%s' in URI '%s' (known: '/system', '/session')"), path,
                      conn->uri);
        return NULL;
    }
    limits->keepaliveInterval = 5;
    limits->keepaliveCount = 5;
    {
        static const char *const known[] = { "socket", "keepalive_interval", "keepalive_count",
                                             NULL };
        g_autoptr(GHashTable) params = qvDriverURIParams(conn, uri, known);
        const char *value;

        if (!params)
            return NULL;
        if ((value = g_hash_table_lookup(params, "socket")) && *value)
            socket = g_strdup(value);
        if ((value = g_hash_table_lookup(params, "keepalive_interval")) &&
            !remoteParseUInt(conn, "keepalive_interval", value, 3600, &limits->keepaliveInterval))
            return NULL;
        if ((value = g_hash_table_lookup(params, "keepalive_count")) &&
            !remoteParseUInt(conn, "keepalive_count", value, 100, &limits->keepaliveCount))
            return NULL;
    }
    if (!socket)
        socket = qvRPCDefaultSocket(STREQ(path, "/system"), flags & QV_CONNECT_RO);
    return g_steal_pointer(&socket);
}

static int remoteConnectOpen(qvConnectPtr conn, GUri *uri, unsigned int flags)
{
    g_autofree char *socket = NULL;
    g_autofree char *name = NULL;
    remote_connect_open_args args = { NULL, flags & QV_CONNECT_RO };
    qvRemoteClientLimits limits;
    remotePrivate *priv;
    int native;

    if (STRNEQ(g_uri_get_scheme(uri), "qvirt+unix"))
        return QV_DRV_OPEN_DECLINED;
    if (!(socket = remoteParseURI(conn, uri, flags, &limits)))
        return QV_DRV_OPEN_ERROR;

    priv = g_new0(remotePrivate, 1);
    g_mutex_init(&priv->lock);
    priv->events = qvDomainEventStateNew();
    priv->byEventID = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    priv->localEventID = g_hash_table_new(g_direct_hash, g_direct_equal);
    if (!(priv->client = qvRemoteClientOpen(socket, &limits, remoteEvent, priv))) {
        remotePrivateFree(priv);
        return QV_DRV_OPEN_ERROR;
    }
    conn->privateData = priv;

    /* as libvirt's client: keepalive before open (answered in the reader thread) */
    name = g_strdup_printf("qvirt://%s", g_uri_get_path(uri));
    args.name = &name;
    if (remoteProbe(conn, 10) < 0 ||
        REMOTE_CALL_NORET(conn, 1, remote_connect_open_args, &args) < 0 ||
        (native = remoteProbe(conn, QVIRT_FEATURE_NATIVE)) < 0)
        goto error;
    if (!native) {
        qvReportError(QV_ERR_RPC,
                      _("'%s' is served by a libvirt daemon, not qvirtd: use libvirt's clients "
                        "there"),
                      socket);
        goto error;
    }
    QV_DEBUG("connection %p to qvirtd at '%s'", conn, socket);
    return QV_DRV_OPEN_SUCCESS;

error:
    conn->privateData = NULL;
    remotePrivateFree(priv);
    return QV_DRV_OPEN_ERROR;
}

static int remoteConnectClose(qvConnectPtr conn)
{
    remotePrivate *priv = PRIV(conn);

    if (!priv)
        return 0;
    qvDomainEventStateDeregisterConn(priv->events, conn);
    /* the daemon's answer does not matter any more: it drops the client either way */
    {
        g_autoptr(qvError) saved = qvErrorPreserveLast();

        (void)remoteCall(conn, REMOTE_PROGRAM, 2, XDR_VOID, NULL, XDR_VOID, NULL);
        qvErrorRestore(&saved);
    }
    remotePrivateFree(priv);
    conn->privateData = NULL;
    return 0;
}

static const char *remoteConnectGetType(qvConnectPtr conn)
{
    remote_connect_get_type_ret ret = { 0 };
    const char *type;

    if (REMOTE_CALL_NOARGS(conn, 3, remote_connect_get_type_ret, &ret) < 0)
        return NULL;
    type = g_intern_string(ret.type); /* lives as long as the process, as a driver's name */
    xdr_free(XP(remote_connect_get_type_ret), (char *)&ret);
    return type;
}

static char *remoteConnectDomainXMLToNative(qvConnectPtr conn, const char *format, const char *xml,
                                            unsigned int flags)
{
    remote_connect_domain_xml_to_native_args args = { (char *)format, (char *)xml, flags };
    remote_connect_domain_xml_to_native_ret ret = { 0 };

    if (REMOTE_CALL(conn, 136, remote_connect_domain_xml_to_native_args, &args,
                    remote_connect_domain_xml_to_native_ret, &ret) < 0)
        return NULL;
    return ret.nativeConfig; /* taken over */
}

/* ---- domains ---- */

static int remoteConnectListAllDomains(qvConnectPtr conn, qvDomainPtr **domains, unsigned int flags)
{
    remote_connect_list_all_domains_args args = { domains != NULL, flags };
    remote_connect_list_all_domains_ret ret = { 0 };
    int n;
    u_int i;

    if (REMOTE_CALL(conn, 273, remote_connect_list_all_domains_args, &args,
                    remote_connect_list_all_domains_ret, &ret) < 0)
        return -1;
    n = (int)ret.ret;
    if (domains) {
        *domains = g_new0(qvDomainPtr, ret.domains.domains_len + 1);
        for (i = 0; i < ret.domains.domains_len; i++)
            (*domains)[i] = remoteGetDomain(conn, &ret.domains.domains_val[i]);
        n = (int)ret.domains.domains_len;
    }
    xdr_free(XP(remote_connect_list_all_domains_ret), (char *)&ret);
    return n;
}

/* A call that answers with a domain (remote_domain_lookup_ret). */
static qvDomainPtr remoteDomainCall(qvConnectPtr conn, int proc, xdrproc_t argsFilter,
                                    const void *args)
{
    remote_domain_lookup_ret ret = { 0 };
    qvDomainPtr dom;

    if (remoteCall(conn, REMOTE_PROGRAM, proc, argsFilter, args, XP(remote_domain_lookup_ret),
                   &ret) < 0)
        return NULL;
    dom = remoteGetDomain(conn, &ret.dom);
    xdr_free(XP(remote_domain_lookup_ret), (char *)&ret);
    return dom;
}

static qvDomainPtr remoteDomainDefineXMLFlags(qvConnectPtr conn, const char *xml,
                                              unsigned int flags)
{
    remote_domain_define_xml_flags_args args = { (char *)xml, flags };

    return remoteDomainCall(conn, 350, XP(remote_domain_define_xml_flags_args), &args);
}

static qvDomainPtr remoteDomainLookupByName(qvConnectPtr conn, const char *name)
{
    remote_domain_lookup_by_name_args args = { (char *)name };

    return remoteDomainCall(conn, 23, XP(remote_domain_lookup_by_name_args), &args);
}

static qvDomainPtr remoteDomainLookupByUUID(qvConnectPtr conn, const unsigned char *uuid)
{
    remote_domain_lookup_by_uuid_args args;

    memcpy(args.uuid, uuid, QV_UUID_BUFLEN);
    return remoteDomainCall(conn, 24, XP(remote_domain_lookup_by_uuid_args), &args);
}

static qvDomainPtr remoteDomainLookupByID(qvConnectPtr conn, int id)
{
    remote_domain_lookup_by_id_args args = { id };

    return remoteDomainCall(conn, 22, XP(remote_domain_lookup_by_id_args), &args);
}

/* A call on (dom, flags) without an answer. */
static int remoteDomainFlagsCall(qvDomainPtr dom, int proc, unsigned int flags)
{
    remote_domain_flags_args args = { .flags = flags };

    remoteMakeDomain(&args.dom, dom);
    return REMOTE_CALL_NORET(dom->conn, proc, remote_domain_flags_args, &args);
}

/* A call on (dom) or (dom, flags) answering one int. */
static int remoteDomainIntCall(qvDomainPtr dom, int proc, bool withFlags, unsigned int flags)
{
    remote_domain_flags_args args = { .flags = flags };
    remote_domain_int_ret ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, REMOTE_PROGRAM, proc,
                   withFlags ? XP(remote_domain_flags_args) : XP(remote_domain_args), &args,
                   XP(remote_domain_int_ret), &ret) < 0)
        return -1;
    return ret.ret;
}

static int remoteDomainUndefineFlags(qvDomainPtr dom, unsigned int flags)
{
    return remoteDomainFlagsCall(dom, 231, flags);
}

static char *remoteDomainGetXMLDesc(qvDomainPtr dom, unsigned int flags)
{
    remote_domain_flags_args args = { .flags = flags };
    remote_domain_get_xml_desc_ret ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (REMOTE_CALL(dom->conn, 14, remote_domain_flags_args, &args, remote_domain_get_xml_desc_ret,
                    &ret) < 0)
        return NULL;
    return ret.xml; /* taken over */
}

static int remoteDomainIsActive(qvDomainPtr dom)
{
    return remoteDomainIntCall(dom, 150, false, 0);
}

static int remoteDomainIsPersistent(qvDomainPtr dom)
{
    return remoteDomainIntCall(dom, 151, false, 0);
}

static int remoteDomainGetState(qvDomainPtr dom, int *state, int *reason, unsigned int flags)
{
    remote_domain_flags_args args = { .flags = flags };
    remote_domain_get_state_ret ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (REMOTE_CALL(dom->conn, 212, remote_domain_flags_args, &args, remote_domain_get_state_ret,
                    &ret) < 0)
        return -1;
    *state = ret.state;
    if (reason)
        *reason = ret.reason;
    return 0;
}

static int remoteDomainCreateWithFlags(qvDomainPtr dom, unsigned int flags)
{
    remote_domain_flags_args args = { .flags = flags };
    remote_domain_create_with_flags_ret ret = { { 0 } };

    remoteMakeDomain(&args.dom, dom);
    if (REMOTE_CALL(dom->conn, 196, remote_domain_flags_args, &args,
                    remote_domain_create_with_flags_ret, &ret) < 0)
        return -1;
    dom->id = ret.dom.id; /* the running domain's id, as the embedded driver sets it */
    xdr_free(XP(remote_domain_create_with_flags_ret), (char *)&ret);
    return 0;
}

static int remoteDomainDestroyFlags(qvDomainPtr dom, unsigned int flags)
{
    if (remoteDomainFlagsCall(dom, 234, flags) < 0)
        return -1;
    dom->id = -1;
    return 0;
}

/* Shutdown and reboot: with qvirt's program when the caller wants to know the method. */
static int remoteDomainPower(qvDomainPtr dom, int proc, int qvproc, unsigned int flags,
                             unsigned int *used)
{
    remote_domain_flags_args args = { .flags = flags };
    qvirt_domain_power_report_ret ret = { 0 };

    if (!used)
        return remoteDomainFlagsCall(dom, proc, flags);
    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, QVIRT_PROGRAM, qvproc, XP(remote_domain_flags_args), &args,
                   XP(qvirt_domain_power_report_ret), &ret) < 0)
        return -1;
    *used = ret.used;
    return 0;
}

static int remoteDomainShutdownFlags(qvDomainPtr dom, unsigned int flags, unsigned int *used)
{
    return remoteDomainPower(dom, 258, QVIRT_PROC_DOMAIN_SHUTDOWN_REPORT, flags, used);
}

static int remoteDomainReboot(qvDomainPtr dom, unsigned int flags, unsigned int *used)
{
    return remoteDomainPower(dom, 27, QVIRT_PROC_DOMAIN_REBOOT_REPORT, flags, used);
}

static int remoteDomainGetInfo(qvDomainPtr dom, qvDomainInfoPtr info)
{
    remote_domain_args args;
    remote_domain_get_info_ret ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (REMOTE_CALL(dom->conn, 16, remote_domain_args, &args, remote_domain_get_info_ret, &ret) < 0)
        return -1;
    info->state = ret.state;
    info->maxMem = ret.maxMem;
    info->memory = ret.memory;
    info->nrVirtCpu = ret.nrVirtCpu;
    info->cpuTime = ret.cpuTime;
    return 0;
}

/* ---- guest agent ---- */

static char *remoteDomainQemuAgentCommand(qvDomainPtr dom, const char *cmd, int timeout,
                                          unsigned int flags)
{
    qemu_domain_agent_command_args args = { .cmd = (char *)cmd,
                                            .timeout = timeout,
                                            .flags = flags };
    qemu_domain_agent_command_ret ret = { 0 };
    char *result = NULL;

    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, QEMU_PROGRAM, 3, XP(qemu_domain_agent_command_args), &args,
                   XP(qemu_domain_agent_command_ret), &ret) < 0)
        return NULL;
    if (ret.result)
        result = g_steal_pointer(ret.result);
    xdr_free(XP(qemu_domain_agent_command_ret), (char *)&ret);
    return result;
}

static int remoteDomainAgentSetResponseTimeout(qvDomainPtr dom, int timeout, unsigned int flags)
{
    remote_domain_agent_set_response_timeout_args args = { .timeout = timeout, .flags = flags };
    remote_domain_agent_set_response_timeout_ret ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (REMOTE_CALL(dom->conn, 420, remote_domain_agent_set_response_timeout_args, &args,
                    remote_domain_agent_set_response_timeout_ret, &ret) < 0)
        return -1;
    return ret.result;
}

static int remoteDomainGetTime(qvDomainPtr dom, long long *seconds, unsigned int *nseconds,
                               unsigned int flags)
{
    remote_domain_flags_args args = { .flags = flags };
    remote_domain_get_time_ret ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (REMOTE_CALL(dom->conn, 337, remote_domain_flags_args, &args, remote_domain_get_time_ret,
                    &ret) < 0)
        return -1;
    *seconds = ret.seconds;
    *nseconds = ret.nseconds;
    return 0;
}

static int remoteDomainSetTime(qvDomainPtr dom, long long seconds, unsigned int nseconds,
                               unsigned int flags)
{
    remote_domain_set_time_args args = { .seconds = seconds, .nseconds = nseconds, .flags = flags };

    remoteMakeDomain(&args.dom, dom);
    return REMOTE_CALL_NORET(dom->conn, 338, remote_domain_set_time_args, &args);
}

static int remoteDomainGetGuestInfo(qvDomainPtr dom, unsigned int types,
                                    qvTypedParameterPtr *params, int *nparams, unsigned int flags)
{
    remote_domain_get_guest_info_args args = { .types = types, .flags = flags };
    remote_domain_get_guest_info_ret ret = { 0 };
    qvTypedParameterPtr out;
    u_int i, n;

    remoteMakeDomain(&args.dom, dom);
    if (REMOTE_CALL(dom->conn, 418, remote_domain_get_guest_info_args, &args,
                    remote_domain_get_guest_info_ret, &ret) < 0)
        return -1;
    n = ret.params.params_len;
    out = g_new0(qvTypedParameter, n ? n : 1);
    for (i = 0; i < n; i++) {
        const remote_typed_param *p = &ret.params.params_val[i];
        const __typeof__(p->value.remote_typed_param_value_u) *v =
            &p->value.remote_typed_param_value_u;

        g_strlcpy(out[i].field, p->field, sizeof(out[i].field));
        out[i].type = p->value.type;
        switch (p->value.type) {
        case QV_TYPED_PARAM_INT:
            out[i].value.i = v->i;
            break;
        case QV_TYPED_PARAM_UINT:
            out[i].value.ui = v->ui;
            break;
        case QV_TYPED_PARAM_LLONG:
            out[i].value.l = v->l;
            break;
        case QV_TYPED_PARAM_ULLONG:
            out[i].value.ul = v->ul;
            break;
        case QV_TYPED_PARAM_DOUBLE:
            out[i].value.d = v->d;
            break;
        case QV_TYPED_PARAM_BOOLEAN:
            out[i].value.b = v->b != 0;
            break;
        default: /* the codec decodes nothing else */
            out[i].type = QV_TYPED_PARAM_STRING;
            out[i].value.s = g_strdup(v->s);
            break;
        }
    }
    xdr_free(XP(remote_domain_get_guest_info_ret), (char *)&ret);
    *params = out;
    *nparams = (int)n;
    return 0;
}

static int remoteDomainInterfaceAddresses(qvDomainPtr dom, qvDomainInterfacePtr **ifaces,
                                          unsigned int source, unsigned int flags)
{
    remote_domain_interface_addresses_args args = { .source = source, .flags = flags };
    remote_domain_interface_addresses_ret ret = { 0 };
    u_int i, j, n;

    remoteMakeDomain(&args.dom, dom);
    if (REMOTE_CALL(dom->conn, 353, remote_domain_interface_addresses_args, &args,
                    remote_domain_interface_addresses_ret, &ret) < 0)
        return -1;
    n = ret.ifaces.ifaces_len;
    if (ifaces) {
        *ifaces = g_new0(qvDomainInterfacePtr, n + 1);
        for (i = 0; i < n; i++) {
            const remote_domain_interface *r = &ret.ifaces.ifaces_val[i];
            qvDomainInterfacePtr iface = g_new0(qvDomainInterface, 1);

            iface->name = g_strdup(r->name);
            iface->hwaddr = r->hwaddr ? g_strdup(*r->hwaddr) : NULL;
            iface->naddrs = r->addrs.addrs_len;
            iface->addrs = g_new0(qvDomainIPAddress, iface->naddrs ? iface->naddrs : 1);
            for (j = 0; j < iface->naddrs; j++) {
                iface->addrs[j].type = r->addrs.addrs_val[j].type;
                iface->addrs[j].addr = g_strdup(r->addrs.addrs_val[j].addr);
                iface->addrs[j].prefix = r->addrs.addrs_val[j].prefix;
            }
            (*ifaces)[i] = iface;
        }
    }
    xdr_free(XP(remote_domain_interface_addresses_ret), (char *)&ret);
    return (int)n;
}

static int remoteDomainFSCall(qvDomainPtr dom, int proc, const char **mountpoints,
                              unsigned int nmountpoints, unsigned int flags)
{
    remote_domain_fsfreeze_args args = { .flags = flags };
    remote_domain_fsfreeze_ret ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    args.mountpoints.mountpoints_len = nmountpoints;
    args.mountpoints.mountpoints_val = (char **)mountpoints;
    if (REMOTE_CALL(dom->conn, proc, remote_domain_fsfreeze_args, &args, remote_domain_fsfreeze_ret,
                    &ret) < 0)
        return -1;
    return ret.filesystems;
}

static int remoteDomainFSFreeze(qvDomainPtr dom, const char **mountpoints,
                                unsigned int nmountpoints, unsigned int flags)
{
    return remoteDomainFSCall(dom, 335, mountpoints, nmountpoints, flags);
}

static int remoteDomainFSThaw(qvDomainPtr dom, const char **mountpoints, unsigned int nmountpoints,
                              unsigned int flags)
{
    return remoteDomainFSCall(dom, 336, mountpoints, nmountpoints, flags);
}

static int remoteDomainGetFSInfo(qvDomainPtr dom, qvDomainFSInfoPtr **info, unsigned int flags)
{
    remote_domain_flags_args args = { .flags = flags };
    remote_domain_get_fsinfo_ret ret = { 0 };
    u_int i, j, n;

    remoteMakeDomain(&args.dom, dom);
    if (REMOTE_CALL(dom->conn, 349, remote_domain_flags_args, &args, remote_domain_get_fsinfo_ret,
                    &ret) < 0)
        return -1;
    n = ret.info.info_len;
    *info = g_new0(qvDomainFSInfoPtr, n + 1);
    for (i = 0; i < n; i++) {
        const remote_domain_fsinfo *r = &ret.info.info_val[i];
        qvDomainFSInfoPtr f = g_new0(qvDomainFSInfo, 1);

        f->mountpoint = g_strdup(r->mountpoint);
        f->name = g_strdup(r->name);
        f->fstype = g_strdup(r->fstype);
        f->ndevAlias = r->dev_aliases.dev_aliases_len;
        f->devAlias = g_new0(char *, f->ndevAlias + 1);
        for (j = 0; j < f->ndevAlias; j++)
            f->devAlias[j] = g_strdup(r->dev_aliases.dev_aliases_val[j]);
        (*info)[i] = f;
    }
    xdr_free(XP(remote_domain_get_fsinfo_ret), (char *)&ret);
    return (int)n;
}

/* ---- snapshots ---- */

/* A call answering with a snapshot of dom (remote_domain_snapshot_ret). */
static qvDomainSnapshotPtr remoteSnapshotCall(qvDomainPtr dom, int proc, xdrproc_t argsFilter,
                                              const void *args)
{
    remote_domain_snapshot_ret ret = { { 0 } };
    qvDomainSnapshotPtr snap;

    if (remoteCall(dom->conn, REMOTE_PROGRAM, proc, argsFilter, args,
                   XP(remote_domain_snapshot_ret), &ret) < 0)
        return NULL;
    snap = remoteGetSnapshot(dom, &ret.snap);
    xdr_free(XP(remote_domain_snapshot_ret), (char *)&ret);
    return snap;
}

static qvDomainSnapshotPtr remoteDomainSnapshotCreateXML(qvDomainPtr dom, const char *xml,
                                                         unsigned int flags)
{
    remote_domain_snapshot_create_xml_args args = { .xml_desc = (char *)xml, .flags = flags };

    remoteMakeDomain(&args.dom, dom);
    return remoteSnapshotCall(dom, 185, XP(remote_domain_snapshot_create_xml_args), &args);
}

static qvDomainSnapshotPtr remoteDomainSnapshotLookupByName(qvDomainPtr dom, const char *name,
                                                            unsigned int flags)
{
    remote_domain_snapshot_lookup_by_name_args args = { .name = (char *)name, .flags = flags };

    remoteMakeDomain(&args.dom, dom);
    return remoteSnapshotCall(dom, 189, XP(remote_domain_snapshot_lookup_by_name_args), &args);
}

static qvDomainSnapshotPtr remoteDomainSnapshotCurrent(qvDomainPtr dom, unsigned int flags)
{
    remote_domain_flags_args args = { .flags = flags };

    remoteMakeDomain(&args.dom, dom);
    return remoteSnapshotCall(dom, 191, XP(remote_domain_flags_args), &args);
}

static int remoteDomainHasCurrentSnapshot(qvDomainPtr dom, unsigned int flags)
{
    return remoteDomainIntCall(dom, 190, true, flags);
}

static int remoteDomainListAllSnapshots(qvDomainPtr dom, qvDomainSnapshotPtr **snaps,
                                        unsigned int flags)
{
    remote_domain_list_all_snapshots_args args = { .need_results = snaps != NULL, .flags = flags };
    remote_domain_list_all_snapshots_ret ret = { 0 };
    int n;

    remoteMakeDomain(&args.dom, dom);
    if (REMOTE_CALL(dom->conn, 274, remote_domain_list_all_snapshots_args, &args,
                    remote_domain_list_all_snapshots_ret, &ret) < 0)
        return -1;
    n = ret.ret;
    if (snaps) {
        *snaps = remoteGetSnapshots(dom, ret.snapshots.snapshots_val, ret.snapshots.snapshots_len);
        n = (int)ret.snapshots.snapshots_len;
    }
    xdr_free(XP(remote_domain_list_all_snapshots_ret), (char *)&ret);
    return n;
}

static int remoteDomainSnapshotListAllChildren(qvDomainSnapshotPtr snap,
                                               qvDomainSnapshotPtr **snaps, unsigned int flags)
{
    remote_domain_snapshot_list_all_children_args args = { .need_results = snaps != NULL,
                                                           .flags = flags };
    remote_domain_snapshot_list_all_children_ret ret = { 0 };
    int n;

    remoteMakeSnapshot(&args.snapshot, snap);
    if (REMOTE_CALL(snap->domain->conn, 275, remote_domain_snapshot_list_all_children_args, &args,
                    remote_domain_snapshot_list_all_children_ret, &ret) < 0)
        return -1;
    n = ret.ret;
    if (snaps) {
        *snaps = remoteGetSnapshots(snap->domain, ret.snapshots.snapshots_val,
                                    ret.snapshots.snapshots_len);
        n = (int)ret.snapshots.snapshots_len;
    }
    xdr_free(XP(remote_domain_snapshot_list_all_children_ret), (char *)&ret);
    return n;
}

static char *remoteDomainSnapshotGetXMLDesc(qvDomainSnapshotPtr snap, unsigned int flags)
{
    remote_domain_snapshot_flags_args args = { .flags = flags };
    remote_domain_get_xml_desc_ret ret = { 0 };

    remoteMakeSnapshot(&args.snap, snap);
    if (REMOTE_CALL(snap->domain->conn, 186, remote_domain_snapshot_flags_args, &args,
                    remote_domain_get_xml_desc_ret, &ret) < 0)
        return NULL;
    return ret.xml; /* taken over */
}

static qvDomainSnapshotPtr remoteDomainSnapshotGetParent(qvDomainSnapshotPtr snap,
                                                         unsigned int flags)
{
    remote_domain_snapshot_flags_args args = { .flags = flags };

    remoteMakeSnapshot(&args.snap, snap);
    return remoteSnapshotCall(snap->domain, 244, XP(remote_domain_snapshot_flags_args), &args);
}

/* A call on (snap, flags) answering an int, or nothing (answers false: 0 on success). */
static int remoteSnapshotIntCall(qvDomainSnapshotPtr snap, int proc, bool answers,
                                 unsigned int flags)
{
    remote_domain_snapshot_flags_args args = { .flags = flags };
    remote_domain_int_ret ret = { 0 };

    remoteMakeSnapshot(&args.snap, snap);
    if (remoteCall(snap->domain->conn, REMOTE_PROGRAM, proc, XP(remote_domain_snapshot_flags_args),
                   &args, answers ? XP(remote_domain_int_ret) : XDR_VOID,
                   answers ? &ret : NULL) < 0)
        return -1;
    return ret.ret;
}

static int remoteDomainSnapshotIsCurrent(qvDomainSnapshotPtr snap, unsigned int flags)
{
    return remoteSnapshotIntCall(snap, 271, true, flags);
}

static int remoteDomainSnapshotHasMetadata(qvDomainSnapshotPtr snap, unsigned int flags)
{
    return remoteSnapshotIntCall(snap, 272, true, flags);
}

static int remoteDomainRevertToSnapshot(qvDomainSnapshotPtr snap, unsigned int flags)
{
    return remoteSnapshotIntCall(snap, 192, false, flags);
}

static int remoteDomainSnapshotDelete(qvDomainSnapshotPtr snap, unsigned int flags)
{
    return remoteSnapshotIntCall(snap, 193, false, flags);
}

static const qvDriver remoteDriverTable = {
    .name = "remote",
    .connectOpen = remoteConnectOpen,
    .connectClose = remoteConnectClose,
    .connectGetType = remoteConnectGetType,
    .connectDomainXMLToNative = remoteConnectDomainXMLToNative,
    .connectListAllDomains = remoteConnectListAllDomains,
    .domainDefineXMLFlags = remoteDomainDefineXMLFlags,
    .domainUndefineFlags = remoteDomainUndefineFlags,
    .domainLookupByName = remoteDomainLookupByName,
    .domainLookupByUUID = remoteDomainLookupByUUID,
    .domainLookupByID = remoteDomainLookupByID,
    .domainGetXMLDesc = remoteDomainGetXMLDesc,
    .domainIsActive = remoteDomainIsActive,
    .domainIsPersistent = remoteDomainIsPersistent,
    .domainGetState = remoteDomainGetState,
    .domainCreateWithFlags = remoteDomainCreateWithFlags,
    .domainDestroyFlags = remoteDomainDestroyFlags,
    .domainShutdownFlags = remoteDomainShutdownFlags,
    .domainReboot = remoteDomainReboot,
    .domainGetInfo = remoteDomainGetInfo,
    .domainQemuAgentCommand = remoteDomainQemuAgentCommand,
    .domainAgentSetResponseTimeout = remoteDomainAgentSetResponseTimeout,
    .domainGetTime = remoteDomainGetTime,
    .domainSetTime = remoteDomainSetTime,
    .domainGetGuestInfo = remoteDomainGetGuestInfo,
    .domainInterfaceAddresses = remoteDomainInterfaceAddresses,
    .domainFSFreeze = remoteDomainFSFreeze,
    .domainFSThaw = remoteDomainFSThaw,
    .domainGetFSInfo = remoteDomainGetFSInfo,
    .domainSnapshotCreateXML = remoteDomainSnapshotCreateXML,
    .domainSnapshotGetXMLDesc = remoteDomainSnapshotGetXMLDesc,
    .domainListAllSnapshots = remoteDomainListAllSnapshots,
    .domainSnapshotListAllChildren = remoteDomainSnapshotListAllChildren,
    .domainSnapshotLookupByName = remoteDomainSnapshotLookupByName,
    .domainHasCurrentSnapshot = remoteDomainHasCurrentSnapshot,
    .domainSnapshotCurrent = remoteDomainSnapshotCurrent,
    .domainSnapshotGetParent = remoteDomainSnapshotGetParent,
    .domainSnapshotIsCurrent = remoteDomainSnapshotIsCurrent,
    .domainSnapshotHasMetadata = remoteDomainSnapshotHasMetadata,
    .domainRevertToSnapshot = remoteDomainRevertToSnapshot,
    .domainSnapshotDelete = remoteDomainSnapshotDelete,
    .connectDomainEventRegisterAny = remoteConnectDomainEventRegisterAny,
    .connectDomainEventDeregisterAny = remoteConnectDomainEventDeregisterAny,
};

int remoteRegister(void)
{
    return qvRegisterDriver(&remoteDriverTable);
}
