/* qemu_driver.c: the QEMU driver table; each entry looks up, locks and calls helpers. */
#include <config.h>

#include <errno.h>

#include "domain_obj.h"
#include "driver.h"
#include "qemu_command.h"
#include "qemu_driver.h"
#include "qverror.h"
#include "qvfile.h"
#include "qvlog.h"
#include "qvuuid.h"

#define QV_FROM_THIS QV_FROM_QEMU

QV_LOG_INIT("qemu.driver");

/* Definitions are small; anything bigger than this in the config dir is not ours. */
#define QEMU_CONFIG_MAX_BYTES (4 * 1024 * 1024)

/* One per state root per process, shared by the connections that open it. */
typedef struct {
    gint refs;
    qemuDriverConfig *cfg;
    domainObjList *domains;
} qemuDriver;

static GMutex qemuDriversLock;
static GHashTable *qemuDrivers; /* root -> qemuDriver* (not owned) */

static void qemuDriverUnref(qemuDriver *driver)
{
    if (!driver)
        return;
    g_mutex_lock(&qemuDriversLock);
    if (!g_atomic_int_dec_and_test(&driver->refs)) {
        g_mutex_unlock(&qemuDriversLock);
        return;
    }
    g_hash_table_remove(qemuDrivers, driver->cfg->root);
    g_mutex_unlock(&qemuDriversLock);
    domainObjListFree(driver->domains);
    qemuDriverConfigFree(driver->cfg);
    g_free(driver);
}

static char *qemuDriverConfigFile(const qemuDriver *driver, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);

    return g_build_filename(driver->cfg->configDir, file, NULL);
}

/*
 * Read every persistent definition from disk into a fresh list. Another qvsh may have
 * defined or undefined domains since this process last looked, so mutations reload
 * under the root lock before they check for conflicts.
 */
static int qemuDriverLoadConfigs(qemuDriver *driver)
{
    g_autoptr(domainObjList) list = domainObjListNew();
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GError) err = NULL;
    const char *entry;

    if (!(dir = g_dir_open(driver->cfg->configDir, 0, &err))) {
        if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            domainObjListReplace(driver->domains, list);
            return 0;
        }
        qvReportError(QV_ERR_OPERATION_FAILED, _("cannot read directory '%s': %s"),
                      driver->cfg->configDir, err->message);
        return -1;
    }
    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *path = NULL;
        g_autofree char *xml = NULL;
        g_autoptr(domainDef) def = NULL;
        g_autoptr(domainObj) obj = NULL;
        domainDef *old = NULL;

        if (!g_str_has_suffix(entry, ".xml") || entry[0] == '.')
            continue;
        path = g_build_filename(driver->cfg->configDir, entry, NULL);
        if (qvFileReadAll(path, QEMU_CONFIG_MAX_BYTES, &xml) < 0 ||
            !(def = domainDefParseString(xml, path, DOMAIN_DEF_PARSE_SKIP_SCHEMA))) {
            /* one damaged file must not hide the other domains */
            QV_DEBUG("skipping definition '%s': %s", path, qvGetLastErrorMessage());
            qvResetLastError();
            continue;
        }
        if (strlen(entry) != strlen(def->name) + 4 ||
            strncmp(entry, def->name, strlen(def->name))) {
            QV_DEBUG("skipping '%s': it defines domain '%s'", path, def->name);
            continue;
        }
        if (!(obj = domainObjListAdd(list, def, &old))) {
            QV_DEBUG("skipping '%s': %s", path, qvGetLastErrorMessage());
            qvResetLastError();
            continue;
        }
        def = NULL;
        domainDefFree(old);
    }
    domainObjListReplace(driver->domains, list);
    return 0;
}

static int qemuConnectOpen(qvConnectPtr conn, GUri *uri, unsigned int flags)
{
    g_autofree char *root = NULL;
    qemuDriver *driver;
    const char *query = g_uri_get_query(uri);

    if (STRNEQ(g_uri_get_scheme(uri), "qvirt") || (g_uri_get_host(uri) && *g_uri_get_host(uri)) ||
        STRNEQ(g_uri_get_path(uri), "/embed"))
        return QV_DRV_OPEN_DECLINED;

    if (query) {
        g_autoptr(GHashTable) params = NULL;
        g_autoptr(GError) err = NULL;
        GHashTableIter iter;
        gpointer key, value;

        if (!(params = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, &err))) {
            qvReportError(QV_ERR_INVALID_ARG, _("invalid URI query '%s': %s"), query, err->message);
            return QV_DRV_OPEN_ERROR;
        }
        g_hash_table_iter_init(&iter, params);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            if (STREQ(key, "root")) {
                g_free(root);
                root = g_strdup(value);
            } else {
                qvReportError(QV_ERR_INVALID_ARG,
                              _("unknown parameter '%s' in URI '%s' (known: 'root')"),
                              (const char *)key, conn->uri);
                return QV_DRV_OPEN_ERROR;
            }
        }
    }
    if (!root)
        root = qemuDriverDefaultRoot();
    if (!*root) {
        qvReportError(QV_ERR_INVALID_ARG, _("empty root in URI '%s'"), conn->uri);
        return QV_DRV_OPEN_ERROR;
    }

    g_mutex_lock(&qemuDriversLock);
    if (!qemuDrivers)
        qemuDrivers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    {
        g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew(root);

        if ((driver = g_hash_table_lookup(qemuDrivers, cfg->root))) {
            g_atomic_int_inc(&driver->refs);
        } else {
            driver = g_new0(qemuDriver, 1);
            driver->refs = 1;
            driver->cfg = g_steal_pointer(&cfg);
            driver->domains = domainObjListNew();
            if (qemuDriverLoadConfigs(driver) < 0) {
                g_mutex_unlock(&qemuDriversLock);
                domainObjListFree(driver->domains);
                qemuDriverConfigFree(driver->cfg);
                g_free(driver);
                return QV_DRV_OPEN_ERROR;
            }
            g_hash_table_insert(qemuDrivers, g_strdup(driver->cfg->root), driver);
        }
    }
    g_mutex_unlock(&qemuDriversLock);
    QV_DEBUG("opened root '%s'", driver->cfg->root);
    conn->privateData = driver;
    (void)flags;
    return QV_DRV_OPEN_SUCCESS;
}

static int qemuConnectClose(qvConnectPtr conn)
{
    qemuDriverUnref(conn->privateData);
    conn->privateData = NULL;
    return 0;
}

static const char *qemuConnectGetType(qvConnectPtr conn)
{
    return "QEMU";
}

/* Exclusive lock on the root for a mutation, creating the directories it needs. */
static int qemuDriverLockRoot(qemuDriver *driver)
{
    g_autofree char *lockfile = g_build_filename(driver->cfg->root, "lock", NULL);

    if (qvFileMakePath(driver->cfg->configDir, 0700) < 0)
        return -1;
    return qvFileLock(lockfile, true, true);
}

static domainObj *qemuDomObjFromDomain(qvDomainPtr dom)
{
    qemuDriver *driver = dom->conn->privateData;
    domainObj *obj;
    char uuid[QV_UUID_STRING_BUFLEN];

    if (!(obj = domainObjListFindByUUID(driver->domains, dom->uuid))) {
        qvReportError(QV_ERR_NO_DOMAIN, _("no domain with matching uuid '%s' ('%s')"),
                      qvUUIDFormat(dom->uuid, uuid), dom->name);
        return NULL;
    }
    return obj;
}

static qvDomainPtr qemuDomainHandle(qvConnectPtr conn, domainObj *obj)
{
    qvDomainPtr dom;

    g_mutex_lock(&obj->lock);
    dom = qvDomainNew(conn, obj->def->name, obj->def->uuid, obj->def->id);
    g_mutex_unlock(&obj->lock);
    return dom;
}

static int qemuDomainSaveConfig(qemuDriver *driver, const domainDef *def)
{
    g_autofree char *path = qemuDriverConfigFile(driver, def->name);
    g_autofree char *xml = domainDefFormat(def, DOMAIN_DEF_FORMAT_INACTIVE);
    g_autofree char *content =
        g_strdup_printf("<!--\n"
                        "WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
                        "OVERWRITTEN AND LOST. Change this configuration with:\n"
                        "  qvsh define FILE\n"
                        "-->\n%s",
                        xml);

    return qvFileWriteAtomic(path, content, strlen(content), 0600);
}

static qvDomainPtr qemuDomainDefineXMLFlags(qvConnectPtr conn, const char *xml, unsigned int flags)
{
    qemuDriver *driver = conn->privateData;
    g_autoptr(domainDef) def = NULL;
    g_autoptr(domainObj) obj = NULL;
    domainDef *oldDef = NULL;
    qvDomainPtr dom = NULL;
    int lockfd;

    /* the schema is always applied, so VALIDATE asks for nothing more */
    qvCheckFlags(QV_DOMAIN_DEFINE_VALIDATE, NULL);

    /* everything that can fail on the input fails before the root is touched */
    if (!(def = domainDefParseString(xml, "(domain_definition)", 0)))
        return NULL;
    qemuDomainDropAutoPaths(driver->cfg, def);

    if ((lockfd = qemuDriverLockRoot(driver)) < 0)
        return NULL;
    if (qemuDriverLoadConfigs(driver) < 0)
        goto cleanup;
    if (!(obj = domainObjListAdd(driver->domains, def, &oldDef)))
        goto cleanup;
    def = NULL; /* now owned by obj */
    if (qemuDomainSaveConfig(driver, domainObjGetPersistentDef(obj)) < 0) {
        /* put back what was there, so memory matches disk */
        if (oldDef) {
            g_mutex_lock(&obj->lock);
            if (obj->newDef) {
                domainDefFree(obj->newDef);
                obj->newDef = g_steal_pointer(&oldDef);
            } else {
                domainDefFree(obj->def);
                obj->def = g_steal_pointer(&oldDef);
            }
            g_mutex_unlock(&obj->lock);
        } else {
            domainObjListRemove(driver->domains, obj);
        }
        goto cleanup;
    }
    QV_DEBUG("defined domain '%s'", obj->def->name);
    dom = qemuDomainHandle(conn, obj);

cleanup:
    domainDefFree(oldDef);
    qvFileUnlock(lockfd);
    return dom;
}

static int qemuDomainUndefineFlags(qvDomainPtr dom, unsigned int flags)
{
    qemuDriver *driver = dom->conn->privateData;
    g_autoptr(domainObj) obj = NULL;
    g_autofree char *path = NULL;
    int lockfd, ret = -1;

    /* qvirt keeps no managed save images, NVRAM, TPM state or checkpoints, so those
     * flags have nothing to remove; snapshot metadata arrives with snapshots */
    qvCheckFlags(QV_DOMAIN_UNDEFINE_MANAGED_SAVE | QV_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                     QV_DOMAIN_UNDEFINE_NVRAM | QV_DOMAIN_UNDEFINE_KEEP_NVRAM |
                     QV_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA | QV_DOMAIN_UNDEFINE_TPM |
                     QV_DOMAIN_UNDEFINE_KEEP_TPM,
                 -1);
    qvExclusiveFlags(QV_DOMAIN_UNDEFINE_NVRAM, QV_DOMAIN_UNDEFINE_KEEP_NVRAM, -1);
    qvExclusiveFlags(QV_DOMAIN_UNDEFINE_TPM, QV_DOMAIN_UNDEFINE_KEEP_TPM, -1);

    if ((lockfd = qemuDriverLockRoot(driver)) < 0)
        return -1;
    if (qemuDriverLoadConfigs(driver) < 0)
        goto cleanup;
    if (!(obj = qemuDomObjFromDomain(dom)))
        goto cleanup;
    if (!obj->persistent) {
        qvReportError(QV_ERR_OPERATION_INVALID, "%s", _("cannot undefine transient domain"));
        goto cleanup;
    }
    path = qemuDriverConfigFile(driver, obj->def->name);
    if (qvFileRemove(path) < 0)
        goto cleanup;
    QV_DEBUG("undefined domain '%s'", obj->def->name);
    domainObjListRemove(driver->domains, obj);
    ret = 0;

cleanup:
    qvFileUnlock(lockfd);
    return ret;
}

static qvDomainPtr qemuDomainLookupByName(qvConnectPtr conn, const char *name)
{
    qemuDriver *driver = conn->privateData;
    g_autoptr(domainObj) obj = domainObjListFindByName(driver->domains, name);

    if (!obj) {
        qvReportError(QV_ERR_NO_DOMAIN, _("no domain with matching name '%s'"), name);
        return NULL;
    }
    return qemuDomainHandle(conn, obj);
}

static qvDomainPtr qemuDomainLookupByUUID(qvConnectPtr conn, const unsigned char *uuid)
{
    qemuDriver *driver = conn->privateData;
    g_autoptr(domainObj) obj = domainObjListFindByUUID(driver->domains, uuid);
    char str[QV_UUID_STRING_BUFLEN];

    if (!obj) {
        qvReportError(QV_ERR_NO_DOMAIN, _("no domain with matching uuid '%s'"),
                      qvUUIDFormat(uuid, str));
        return NULL;
    }
    return qemuDomainHandle(conn, obj);
}

static qvDomainPtr qemuDomainLookupByID(qvConnectPtr conn, int id)
{
    qemuDriver *driver = conn->privateData;
    g_autoptr(domainObj) obj = domainObjListFindByID(driver->domains, id);

    if (!obj) {
        qvReportError(QV_ERR_NO_DOMAIN, _("no domain with matching id %d"), id);
        return NULL;
    }
    return qemuDomainHandle(conn, obj);
}

static bool qemuDomainMatchesListFlags(domainObj *obj, unsigned int flags)
{
    bool active = domainObjIsActive(obj);

#define FILTER(yes, no, value)                                                                   \
    if ((flags & ((yes) | (no))) && !((flags & (yes) && (value)) || (flags & (no) && !(value)))) \
    return false
    FILTER(QV_CONNECT_LIST_DOMAINS_ACTIVE, QV_CONNECT_LIST_DOMAINS_INACTIVE, active);
    FILTER(QV_CONNECT_LIST_DOMAINS_PERSISTENT, QV_CONNECT_LIST_DOMAINS_TRANSIENT, obj->persistent);
    /* no managed save, autostart, snapshots or checkpoints exist yet */
    FILTER(QV_CONNECT_LIST_DOMAINS_MANAGEDSAVE, QV_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE, false);
    FILTER(QV_CONNECT_LIST_DOMAINS_AUTOSTART, QV_CONNECT_LIST_DOMAINS_NO_AUTOSTART, false);
    FILTER(QV_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT, QV_CONNECT_LIST_DOMAINS_NO_SNAPSHOT, false);
    FILTER(QV_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT, QV_CONNECT_LIST_DOMAINS_NO_CHECKPOINT, false);
#undef FILTER
    if (flags & (QV_CONNECT_LIST_DOMAINS_RUNNING | QV_CONNECT_LIST_DOMAINS_PAUSED |
                 QV_CONNECT_LIST_DOMAINS_SHUTOFF | QV_CONNECT_LIST_DOMAINS_OTHER)) {
        bool match;

        switch (obj->state) {
        case QV_DOMAIN_RUNNING:
            match = flags & QV_CONNECT_LIST_DOMAINS_RUNNING;
            break;
        case QV_DOMAIN_PAUSED:
            match = flags & QV_CONNECT_LIST_DOMAINS_PAUSED;
            break;
        case QV_DOMAIN_SHUTOFF:
            match = flags & QV_CONNECT_LIST_DOMAINS_SHUTOFF;
            break;
        default:
            match = flags & QV_CONNECT_LIST_DOMAINS_OTHER;
            break;
        }
        if (!match)
            return false;
    }
    return true;
}

static int qemuConnectListAllDomains(qvConnectPtr conn, qvDomainPtr **domains, unsigned int flags)
{
    qemuDriver *driver = conn->privateData;
    g_autoptr(GPtrArray) objs = NULL;
    g_autoptr(GPtrArray) doms = g_ptr_array_new();
    guint i;

    qvCheckFlags(0xFFFF, -1);
    objs = domainObjListCollect(driver->domains);
    for (i = 0; i < objs->len; i++) {
        domainObj *obj = objs->pdata[i];

        if (qemuDomainMatchesListFlags(obj, flags))
            g_ptr_array_add(doms, qemuDomainHandle(conn, obj));
    }
    if (domains) {
        int n = (int)doms->len;

        g_ptr_array_add(doms, NULL);
        *domains = (qvDomainPtr *)g_ptr_array_free(g_steal_pointer(&doms), FALSE);
        return n;
    }
    for (i = 0; i < doms->len; i++)
        qvDomainUnrefInternal(doms->pdata[i]);
    return (int)doms->len;
}

static char *qemuDomainGetXMLDesc(qvDomainPtr dom, unsigned int flags)
{
    g_autoptr(domainObj) obj = NULL;
    char *xml;

    qvCheckFlags(QV_DOMAIN_XML_SECURE | QV_DOMAIN_XML_INACTIVE | QV_DOMAIN_XML_UPDATE_CPU |
                     QV_DOMAIN_XML_MIGRATABLE,
                 NULL);
    if (!(obj = qemuDomObjFromDomain(dom)))
        return NULL;
    g_mutex_lock(&obj->lock);
    if ((flags & QV_DOMAIN_XML_INACTIVE) || !domainObjIsActive(obj))
        xml = domainDefFormat(domainObjGetPersistentDef(obj), DOMAIN_DEF_FORMAT_INACTIVE);
    else
        xml = domainDefFormat(obj->def, 0);
    g_mutex_unlock(&obj->lock);
    return xml;
}

static int qemuDomainIsActive(qvDomainPtr dom)
{
    g_autoptr(domainObj) obj = qemuDomObjFromDomain(dom);

    return obj ? domainObjIsActive(obj) : -1;
}

static int qemuDomainIsPersistent(qvDomainPtr dom)
{
    g_autoptr(domainObj) obj = qemuDomObjFromDomain(dom);

    return obj ? obj->persistent : -1;
}

static int qemuDomainGetState(qvDomainPtr dom, int *state, int *reason, unsigned int flags)
{
    g_autoptr(domainObj) obj = NULL;

    qvCheckFlags(0, -1);
    if (!(obj = qemuDomObjFromDomain(dom)))
        return -1;
    g_mutex_lock(&obj->lock);
    *state = obj->state;
    if (reason)
        *reason = obj->reason;
    g_mutex_unlock(&obj->lock);
    return 0;
}

/* The id the next started domain will get: what domxml-to-native shows paths for. */
static int qemuDriverPeekNextID(qemuDriver *driver)
{
    g_autofree char *path = g_build_filename(driver->cfg->stateDir, "next-id", NULL);
    g_autofree char *text = NULL;
    gint64 id;

    if (!qvFileExists(path))
        return 1;
    if (qvFileReadAll(path, 64, &text) < 0) {
        qvResetLastError();
        return 1;
    }
    id = g_ascii_strtoll(text, NULL, 10);
    return id > 0 && id < G_MAXINT ? (int)id : 1;
}

static char *qemuConnectDomainXMLToNative(qvConnectPtr conn, const char *format, const char *xml,
                                          unsigned int flags)
{
    qemuDriver *driver = conn->privateData;
    g_autoptr(domainDef) def = NULL;
    g_autoptr(qemuCommand) cmd = NULL;

    qvCheckFlags(0, NULL);
    if (STRNEQ(format, "qemu-argv")) {
        qvReportError(QV_ERR_INVALID_ARG, _("unsupported config type %s (supported: qemu-argv)"),
                      format);
        return NULL;
    }
    if (!(def = domainDefParseString(xml, "(domain_definition)", 0)))
        return NULL;
    qemuDomainDropAutoPaths(driver->cfg, def);
    def->id = qemuDriverPeekNextID(driver);
    if (qemuDomainPrepareChannels(driver->cfg, def) < 0 ||
        !(cmd = qemuBuildCommandLine(driver->cfg, def)))
        return NULL;
    return qemuCommandToString(cmd, false);
}

static const qvDriver qemuDriverTable = {
    .name = "QEMU",
    .connectOpen = qemuConnectOpen,
    .connectClose = qemuConnectClose,
    .connectGetType = qemuConnectGetType,
    .connectDomainXMLToNative = qemuConnectDomainXMLToNative,
    .connectListAllDomains = qemuConnectListAllDomains,
    .domainDefineXMLFlags = qemuDomainDefineXMLFlags,
    .domainUndefineFlags = qemuDomainUndefineFlags,
    .domainLookupByName = qemuDomainLookupByName,
    .domainLookupByUUID = qemuDomainLookupByUUID,
    .domainLookupByID = qemuDomainLookupByID,
    .domainGetXMLDesc = qemuDomainGetXMLDesc,
    .domainIsActive = qemuDomainIsActive,
    .domainIsPersistent = qemuDomainIsPersistent,
    .domainGetState = qemuDomainGetState,
};

int qemuRegister(void)
{
    return qvRegisterDriver(&qemuDriverTable);
}
