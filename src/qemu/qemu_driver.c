/* qemu_driver.c: the QEMU driver table; each entry looks up, locks and calls helpers. */
#include <config.h>

#include <errno.h>

#include <fcntl.h>
#include <unistd.h>

#include "domain_event.h"
#include "domain_obj.h"
#include "driver.h"
#include "qemu_command.h"
#include "qemu_domain.h"
#include "qemu_freeze.h"
#include "qemu_driver.h"
#include "qemu_process.h"
#include "qemu_snapshot.h"
#include "qemu_svproto.h"
#include "qverror.h"
#include "qvfault.h"
#include "qvfile.h"
#include "qvlog.h"
#include "qvtypedparam.h"
#include "qvuuid.h"

#define QV_FROM_THIS QV_FROM_QEMU

QV_LOG_INIT("qemu.driver");

/* Definitions are small; anything bigger than this in the config dir is not ours. */
#define QEMU_CONFIG_MAX_BYTES (4 * 1024 * 1024)

static GMutex qemuDriversLock;
static GHashTable *qemuDrivers; /* root -> qemuDriver* (not owned) */

static void qemuDriverStopWatch(qemuDriver *driver);

static void qemuDriverFree(qemuDriver *driver)
{
    g_autoptr(GPtrArray) objs = domainObjListCollect(driver->domains);
    guint i;

    qemuDriverStopWatch(driver);
    /* monitors hold references to their objects: close them first */
    for (i = 0; i < objs->len; i++)
        qemuDomainCloseConnections(objs->pdata[i]);
    g_clear_pointer(&objs, g_ptr_array_unref);
    g_clear_pointer(&driver->eventThread, qvEventThreadFree);
    domainObjListFree(driver->domains);
    qvDomainEventStateFree(driver->events);
    g_clear_pointer(&driver->announced, g_hash_table_destroy);
    g_clear_pointer(&driver->snapshots, g_hash_table_destroy);
    g_mutex_clear(&driver->snapshotLock);
    g_rw_lock_clear(&driver->configLock);
    g_mutex_clear(&driver->reloadLock);
    g_mutex_clear(&driver->lock);
    qemuDriverConfigFree(driver->cfg);
    g_free(driver);
}

static qemuDriver *qemuDriverNew(qemuDriverConfig *cfg)
{
    qemuDriver *driver = g_new0(qemuDriver, 1);

    driver->refs = 1;
    driver->cfg = cfg;
    driver->domains = domainObjListNew();
    driver->events = qvDomainEventStateNew();
    g_mutex_init(&driver->lock);
    driver->announced = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_mutex_init(&driver->snapshotLock);
    g_rw_lock_init(&driver->configLock);
    g_mutex_init(&driver->reloadLock);
    driver->snapshots = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify)qemuSnapshotCacheFree);
    qemuAgentConfigInit(&driver->agentCfg);
    return driver;
}

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
    qemuDriverFree(driver);
}

static bool qemuDriverKeepActive(domainObj *obj)
{
    return domainObjIsActive(obj);
}

/* Take the definitions just read, keeping objects (and this process's connections to
 * running domains) that are still there; then bring every object's runtime state up
 * to date and pick up running transient domains. */
static void qemuDriverSyncList(qemuDriver *driver, domainObjList *fresh)
{
    g_autoptr(GPtrArray) removed = NULL;
    g_autoptr(GPtrArray) objs = NULL;
    guint i;

    domainObjListSync(driver->domains, fresh, qemuDriverKeepActive, &removed);
    for (i = 0; i < removed->len; i++)
        qemuDomainCloseConnections(removed->pdata[i]);
    objs = domainObjListCollect(driver->domains);
    for (i = 0; i < objs->len; i++) {
        domainObj *obj = objs->pdata[i];

        qemuProcessRefresh(driver, obj);
        if (!obj->persistent && !domainObjIsActive(obj)) {
            qemuDomainCloseConnections(obj);
            domainObjListRemove(driver->domains, obj);
        }
    }
    qemuProcessLoadTransient(driver, driver->domains);
}

/*
 * Read every persistent definition from disk into a fresh list. Another qvsh may have
 * defined or undefined domains since this process last looked, so mutations reload
 * under the root lock before they check for conflicts.
 */
static int qemuDriverLoadConfigsLocked(qemuDriver *driver)
{
    g_autoptr(domainObjList) list = domainObjListNew();
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GError) err = NULL;
    const char *entry;

    if (!(dir = g_dir_open(driver->cfg->configDir, 0, &err))) {
        if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            qemuDriverSyncList(driver, list);
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
    qemuDriverSyncList(driver, list);
    return 0;
}

/*
 * The same, from a caller that changes nothing (a lookup, a listing, the watcher). A
 * change in this process holds configLock as a writer from before it touches the
 * objects until its files are written: a reading of the files between those two halves
 * would bring the old definition back into memory (seen: a snapshot's new overlay lost
 * from the definition while another thread listed domains). Meanwhile the objects are
 * current for this process, so there is nothing to read again.
 */
static int qemuDriverLoadConfigs(qemuDriver *driver)
{
    int rc;

    if (!g_rw_lock_reader_trylock(&driver->configLock))
        return 0;
    /* one reading at a time: two would sync the same objects into the list at once */
    g_mutex_lock(&driver->reloadLock);
    rc = qemuDriverLoadConfigsLocked(driver);
    g_mutex_unlock(&driver->reloadLock);
    g_rw_lock_reader_unlock(&driver->configLock);
    return rc;
}

static void qemuDriverReconcile(qemuDriver *driver);

static int qemuConnectOpen(qvConnectPtr conn, GUri *uri, unsigned int flags)
{
    g_autofree char *root = NULL;
    qemuDriver *driver;

    if (STRNEQ(g_uri_get_scheme(uri), "qvirt") || (g_uri_get_host(uri) && *g_uri_get_host(uri)) ||
        STRNEQ(g_uri_get_path(uri), "/embed"))
        return QV_DRV_OPEN_DECLINED;

    {
        static const char *const known[] = { "root", NULL };
        g_autoptr(GHashTable) params = qvDriverURIParams(conn, uri, known);

        if (!params)
            return QV_DRV_OPEN_ERROR;
        root = g_strdup(g_hash_table_lookup(params, "root"));
    }
    if (!root)
        root = qemuDriverDefaultRoot();
    if (!*root) {
        qvReportError(QV_ERR_INVALID_ARG, _("empty root in URI '%s'"), conn->uri);
        return QV_DRV_OPEN_ERROR;
    }
    /* a daemon serving this root owns it: two drivers on one root would race */
    {
        g_autofree char *lock = g_build_filename(root, "qvirtd.lock", NULL);
        long long pid = qvFileRecordLockHolder(lock);

        if (pid > 0) {
            qvReportError(QV_ERR_OPERATION_INVALID,
                          _("the state root '%s' is served by qvirtd (pid %lld): connect to the "
                            "daemon's socket instead"),
                          root, pid);
            return QV_DRV_OPEN_ERROR;
        }
    }

    g_mutex_lock(&qemuDriversLock);
    if (!qemuDrivers)
        qemuDrivers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    {
        g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew(root);

        if ((driver = g_hash_table_lookup(qemuDrivers, cfg->root))) {
            g_atomic_int_inc(&driver->refs);
        } else {
            driver = qemuDriverNew(g_steal_pointer(&cfg));
            if (qemuDriverLoadConfigs(driver) < 0) {
                g_mutex_unlock(&qemuDriversLock);
                qemuDriverFree(driver);
                return QV_DRV_OPEN_ERROR;
            }
            qemuDriverReconcile(driver);
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
    qemuDriver *driver = conn->privateData;

    qvDomainEventStateDeregisterConn(driver->events, conn);
    qemuDriverUnref(conn->privateData);
    conn->privateData = NULL;
    return 0;
}

static const char *qemuConnectGetType(qvConnectPtr conn)
{
    return "QEMU";
}

/*
 * Finish or undo the operations of processes that died in the middle (their journals):
 * with the root lock held, no live process owns one. Returns how many were settled.
 */
static int qemuDriverReconcileLocked(qemuDriver *driver)
{
    g_autofree char *dir = g_build_filename(driver->cfg->libDir, "journal", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry;
    int settled = 0;

    if (!d)
        return 0;
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *path = NULL;
        g_autofree char *name = NULL;
        g_autoptr(domainObj) obj = NULL;

        if (!g_str_has_suffix(entry, ".journal") || entry[0] == '.')
            continue;
        path = g_build_filename(dir, entry, NULL);
        name = g_strndup(entry, strlen(entry) - strlen(".journal"));
        if ((obj = domainObjListFindByName(driver->domains, name)))
            qemuProcessRefresh(driver, obj);
        if (qemuSnapshotReconcile(driver, obj, path) > 0)
            settled++;
        qvResetLastError();
    }
    return settled;
}

/* Exclusive lock on the root for a mutation, creating the directories it needs: against
 * other processes (the file) and this process's readers of the definitions (configLock).
 * What dead processes left is settled first: their unfinished operations, the run files
 * of killed supervisors. Release with qemuDriverUnlockRoot. */
static int qemuDriverLockRoot(qemuDriver *driver)
{
    g_autofree char *lockfile = g_build_filename(driver->cfg->root, "lock", NULL);
    int fd;

    g_rw_lock_writer_lock(&driver->configLock);
    if (qvFileMakePath(driver->cfg->configDir, 0700) < 0 ||
        (fd = qvFileLock(lockfile, true, true)) < 0) {
        g_rw_lock_writer_unlock(&driver->configLock);
        return -1;
    }
    if (qemuDriverReconcileLocked(driver) > 0)
        qemuDriverLoadConfigsLocked(driver);
    qemuProcessCleanupDeadRuns(driver);
    return fd;
}

/* At open: settle what dead processes left, if no live one holds the root right now (a
 * mutation in progress settles it itself when it takes the lock). */
static void qemuDriverReconcile(qemuDriver *driver)
{
    g_autofree char *dir = g_build_filename(driver->cfg->libDir, "journal", NULL);
    g_autofree char *lockfile = g_build_filename(driver->cfg->root, "lock", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    int fd;

    if (!d || !g_dir_read_name(d))
        return;
    g_rw_lock_writer_lock(&driver->configLock);
    if ((fd = qvFileLock(lockfile, true, false)) >= 0) {
        if (qemuDriverReconcileLocked(driver) > 0)
            qemuDriverLoadConfigsLocked(driver);
        qvFileUnlock(fd);
    }
    qvResetLastError();
    g_rw_lock_writer_unlock(&driver->configLock);
}

static void qemuDriverUnlockRoot(qemuDriver *driver, int fd)
{
    qvFileUnlock(fd);
    g_rw_lock_writer_unlock(&driver->configLock);
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
    /* another process may have started or stopped it since we looked */
    qemuProcessRefresh(driver, obj);
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
    if (qemuDriverLoadConfigsLocked(driver) < 0)
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
    qvDomainEventLifecycle(driver->events, dom->name, dom->uuid, dom->id, QV_DOMAIN_EVENT_DEFINED,
                           oldDef ? QV_DOMAIN_EVENT_DEFINED_UPDATED
                                  : QV_DOMAIN_EVENT_DEFINED_ADDED);

cleanup:
    domainDefFree(oldDef);
    qemuDriverUnlockRoot(driver, lockfd);
    return dom;
}

static int qemuDomainUndefineFlags(qvDomainPtr dom, unsigned int flags)
{
    qemuDriver *driver = dom->conn->privateData;
    g_autoptr(domainObj) obj = NULL;
    g_autofree char *path = NULL;
    int lockfd, ret = -1;

    /* qvirt keeps no managed save images, NVRAM, TPM state or checkpoints, so those
     * flags have nothing to remove */
    qvCheckFlags(QV_DOMAIN_UNDEFINE_MANAGED_SAVE | QV_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                     QV_DOMAIN_UNDEFINE_NVRAM | QV_DOMAIN_UNDEFINE_KEEP_NVRAM |
                     QV_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA | QV_DOMAIN_UNDEFINE_TPM |
                     QV_DOMAIN_UNDEFINE_KEEP_TPM,
                 -1);
    qvExclusiveFlags(QV_DOMAIN_UNDEFINE_NVRAM, QV_DOMAIN_UNDEFINE_KEEP_NVRAM, -1);
    qvExclusiveFlags(QV_DOMAIN_UNDEFINE_TPM, QV_DOMAIN_UNDEFINE_KEEP_TPM, -1);

    if ((lockfd = qemuDriverLockRoot(driver)) < 0)
        return -1;
    if (qemuDriverLoadConfigsLocked(driver) < 0)
        goto cleanup;
    if (!(obj = qemuDomObjFromDomain(dom)))
        goto cleanup;
    if (!obj->persistent) {
        qvReportError(QV_ERR_OPERATION_INVALID, "%s", _("cannot undefine transient domain"));
        goto cleanup;
    }
    {
        g_autoptr(qemuSnapshotList) snaps = qemuSnapshotListLoad(driver, obj->def->name);

        if (!snaps)
            goto cleanup;
        if (snaps->defs->len && !(flags & QV_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)) {
            qvReportError(QV_ERR_OPERATION_INVALID,
                          _("cannot delete inactive domain with %u snapshots (undefine with "
                            "QV_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA, --snapshots-metadata)"),
                          snaps->defs->len);
            goto cleanup;
        }
    }
    path = qemuDomainConfigFile(driver, obj->def->name);
    if (qvFileRemove(path) < 0)
        goto cleanup;
    if (qemuSnapshotDiscardAll(driver, obj->def->name) < 0)
        goto cleanup;
    QV_DEBUG("undefined domain '%s'", obj->def->name);
    g_mutex_lock(&obj->lock);
    if (domainObjIsActive(obj)) {
        /* it runs on as a transient domain */
        obj->persistent = false;
        g_clear_pointer(&obj->newDef, domainDefFree);
        g_mutex_unlock(&obj->lock);
    } else {
        g_mutex_unlock(&obj->lock);
        qemuDomainCloseConnections(obj);
        domainObjListRemove(driver->domains, obj);
    }
    qvDomainEventLifecycle(driver->events, dom->name, dom->uuid, -1, QV_DOMAIN_EVENT_UNDEFINED,
                           QV_DOMAIN_EVENT_UNDEFINED_REMOVED);
    ret = 0;

cleanup:
    qemuDriverUnlockRoot(driver, lockfd);
    return ret;
}

static qvDomainPtr qemuDomainLookupByName(qvConnectPtr conn, const char *name)
{
    qemuDriver *driver = conn->privateData;
    g_autoptr(domainObj) obj = domainObjListFindByName(driver->domains, name);

    if (!obj) {
        /* defined or started by another process since this one loaded the list? */
        if (qemuDriverLoadConfigs(driver) == 0)
            obj = domainObjListFindByName(driver->domains, name);
    }
    if (obj)
        qemuProcessRefresh(driver, obj);
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

    if (!obj && qemuDriverLoadConfigs(driver) == 0)
        obj = domainObjListFindByUUID(driver->domains, uuid);
    if (obj)
        qemuProcessRefresh(driver, obj);
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
    g_autoptr(domainObj) obj = NULL;

    /* ids belong to runs, which other processes start and stop */
    if (qemuDriverLoadConfigs(driver) < 0)
        return NULL;
    obj = domainObjListFindByID(driver->domains, id);
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
    /* other processes define, start and stop domains too */
    if (qemuDriverLoadConfigs(driver) < 0)
        return -1;
    objs = domainObjListCollect(driver->domains);
    for (i = 0; i < objs->len; i++) {
        domainObj *obj = objs->pdata[i];
        bool match;

        g_mutex_lock(&obj->lock); /* its def may be swapped meanwhile */
        match = qemuDomainMatchesListFlags(obj, flags);
        g_mutex_unlock(&obj->lock);
        if (match)
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

/* ---- lifecycle ---- */

static int qemuDomainCreateWithFlags(qvDomainPtr dom, unsigned int flags)
{
    qemuDriver *driver = dom->conn->privateData;
    g_autoptr(domainObj) obj = NULL;
    int lockfd, ret = -1;

    /* there is no managed save to skip, and the definition was validated on define */
    qvCheckFlags(QV_DOMAIN_START_PAUSED | QV_DOMAIN_START_FORCE_BOOT | QV_DOMAIN_START_VALIDATE,
                 -1);
    if ((lockfd = qemuDriverLockRoot(driver)) < 0)
        return -1;
    if (!(obj = qemuDomObjFromDomain(dom)))
        goto cleanup;
    if (domainObjIsActive(obj)) {
        qvReportError(QV_ERR_OPERATION_INVALID, _("domain '%s' is already running"), dom->name);
        goto cleanup;
    }
    if (qemuProcessStart(driver, obj, flags) < 0)
        goto cleanup;
    dom->id = obj->def->id;
    ret = 0;

cleanup:
    qemuDriverUnlockRoot(driver, lockfd);
    return ret;
}

static int qemuDomainDestroyFlags(qvDomainPtr dom, unsigned int flags)
{
    qemuDriver *driver = dom->conn->privateData;
    g_autoptr(domainObj) obj = NULL;

    qvCheckFlags(QV_DOMAIN_DESTROY_GRACEFUL | QV_DOMAIN_DESTROY_REMOVE_LOGS, -1);
    if (!(obj = qemuDomObjFromDomain(dom)))
        return -1;
    if (qemuProcessDestroy(driver, obj, flags & QV_DOMAIN_DESTROY_GRACEFUL) < 0)
        return -1;
    if (flags & QV_DOMAIN_DESTROY_REMOVE_LOGS) {
        g_autofree char *log = qemuDomainLogPath(driver->cfg, dom->name);

        if (qvFileRemove(log) < 0)
            return -1;
    }
    dom->id = -1;
    return 0;
}

static domainObj *qemuDomObjRunning(qvDomainPtr dom)
{
    domainObj *obj = qemuDomObjFromDomain(dom);

    if (obj && !domainObjIsActive(obj)) {
        qvReportError(QV_ERR_OPERATION_INVALID, _("domain '%s' is not running"), dom->name);
        domainObjUnref(obj);
        return NULL;
    }
    return obj;
}

/* The modes qvirt cannot offer, with a message that names them. */
static int qemuDomainCheckPowerModes(unsigned int flags, const char *what)
{
    static const struct {
        unsigned int flag;
        const char *name;
    } unsupported[] = {
        { QV_DOMAIN_SHUTDOWN_INITCTL, "initctl" },
        { QV_DOMAIN_SHUTDOWN_SIGNAL, "signal" },
        { QV_DOMAIN_SHUTDOWN_PARAVIRT, "paravirt" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(unsupported); i++) {
        if (flags & unsupported[i].flag) {
            qvReportError(QV_ERR_OPERATION_UNSUPPORTED,
                          _("%s mode '%s' is not supported by the QEMU driver (supported: acpi, "
                            "agent)"),
                          what, unsupported[i].name);
            return -1;
        }
    }
    return 0;
}

/*
 * Shut down or reboot: the guest agent when asked (or, with no flag, when it is
 * connected), the ACPI power button when asked, or as the fallback when both are
 * allowed. ACPI reboot is libvirt's "fake reboot": the guest powers off and the
 * supervisor resets and resumes it.
 */
static int qemuDomainPowerAction(qvDomainPtr dom, unsigned int flags, bool reboot,
                                 unsigned int *used)
{
    qemuDriver *driver = dom->conn->privateData;
    g_autoptr(domainObj) obj = NULL;
    bool agentRequested = flags & QV_DOMAIN_SHUTDOWN_GUEST_AGENT;
    bool acpiRequested = flags & QV_DOMAIN_SHUTDOWN_ACPI_POWER_BTN;
    bool useAgent;
    qemuMonitor *mon;
    int rc = -1;

    if (used)
        *used = 0;
    if (!(obj = qemuDomObjRunning(dom)))
        return -1;
    /* the monitor first: it knows whether the agent channel is open */
    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        return -1;
    useAgent = agentRequested || (!flags && qemuDomainAgentConnected(obj));
    /* as libvirt: an earlier ACPI reboot that the guest ignored must not turn this
     * request's power-off into a reboot */
    if (qemuSvSetFakeReboot(mon, false) < 0) {
        qemuMonitorUnref(mon);
        return -1;
    }

    if (useAgent) {
        qemuAgent *agent = qemuDomainGetAgent(driver, obj, 2000);

        if (agent) {
            rc = qemuAgentShutdown(agent, reboot ? QEMU_AGENT_SHUTDOWN_REBOOT
                                                 : QEMU_AGENT_SHUTDOWN_POWERDOWN);
            qemuAgentUnref(agent);
        }
        if (rc == 0) {
            qvFaultPoint("shutdown-requested");
            if (used)
                *used = QV_DOMAIN_SHUTDOWN_GUEST_AGENT;
            qemuMonitorUnref(mon);
            return 0;
        }
        if (!acpiRequested && flags) {
            qemuMonitorUnref(mon);
            return -1;
        }
        QV_INFO("domain '%s': guest agent %s failed (%s); using the ACPI power button", dom->name,
                reboot ? "reboot" : "shutdown", qvGetLastErrorMessage());
        qvResetLastError();
    }

    if (reboot && qemuSvSetFakeReboot(mon, true) < 0) {
        qemuMonitorUnref(mon);
        return -1;
    }
    rc = qemuMonitorSimple(mon, "system_powerdown");
    qemuMonitorUnref(mon);
    if (rc == 0 && used)
        *used = QV_DOMAIN_SHUTDOWN_ACPI_POWER_BTN;
    return rc;
}

static int qemuDomainShutdownFlags(qvDomainPtr dom, unsigned int flags, unsigned int *used)
{
    qvCheckFlags(QV_DOMAIN_SHUTDOWN_ACPI_POWER_BTN | QV_DOMAIN_SHUTDOWN_GUEST_AGENT |
                     QV_DOMAIN_SHUTDOWN_INITCTL | QV_DOMAIN_SHUTDOWN_SIGNAL |
                     QV_DOMAIN_SHUTDOWN_PARAVIRT,
                 -1);
    if (qemuDomainCheckPowerModes(flags, _("shutdown")) < 0)
        return -1;
    return qemuDomainPowerAction(dom, flags, false, used);
}

static int qemuDomainReboot(qvDomainPtr dom, unsigned int flags, unsigned int *used)
{
    qvCheckFlags(QV_DOMAIN_REBOOT_ACPI_POWER_BTN | QV_DOMAIN_REBOOT_GUEST_AGENT |
                     QV_DOMAIN_REBOOT_INITCTL | QV_DOMAIN_REBOOT_SIGNAL | QV_DOMAIN_REBOOT_PARAVIRT,
                 -1);
    if (qemuDomainCheckPowerModes(flags, _("reboot")) < 0)
        return -1;
    return qemuDomainPowerAction(dom, flags, true, used);
}

/* CPU time of a process in ns, from /proc; 0 when unknown. */
static unsigned long long qemuProcessCPUTime(long long pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/stat", pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;
    const char *rest;
    long ticks = sysconf(_SC_CLK_TCK);

    if (pid <= 0 || !g_file_get_contents(path, &text, NULL, NULL) || !(rest = strrchr(text, ')')))
        return 0;
    /* after "pid (comm)": state is field 3, utime 14, stime 15 */
    fields = g_strsplit(rest + 2, " ", 16);
    if (g_strv_length(fields) < 14 || ticks <= 0)
        return 0;
    return (g_ascii_strtoull(fields[11], NULL, 10) + g_ascii_strtoull(fields[12], NULL, 10)) *
           (1000000000ULL / (unsigned long long)ticks);
}

static int qemuDomainGetInfo(qvDomainPtr dom, qvDomainInfoPtr info)
{
    qemuDriver *driver = dom->conn->privateData;
    g_autoptr(domainObj) obj = NULL;
    long long pid = 0;
    bool active;

    if (!(obj = qemuDomObjFromDomain(dom)))
        return -1;
    memset(info, 0, sizeof(*info));
    g_mutex_lock(&obj->lock);
    active = domainObjIsActive(obj);
    info->state = (unsigned char)obj->state;
    info->maxMem = (unsigned long)obj->def->memory;
    info->memory = (unsigned long)(obj->def->curMemory ? obj->def->curMemory : obj->def->memory);
    info->nrVirtCpu = (unsigned short)obj->def->vcpus;
    g_mutex_unlock(&obj->lock);
    if (active) {
        g_autofree char *statusPath = qemuDomainStateFile(driver->cfg, dom->name, "status");
        qemuDomainStatus st;

        if (qemuDomainStatusRead(statusPath, &st) == 0)
            pid = st.qemuPid;
        else
            qvResetLastError();
        qemuDomainStatusClear(&st);
        info->cpuTime = qemuProcessCPUTime(pid);
    }
    return 0;
}

/* ---- the guest agent ---- */

/* How long to wait for another process to let go of the agent: the call's own bound. */
static int qemuDomainAgentWaitMs(int timeout)
{
    if (timeout > 0)
        return MIN(timeout, QEMU_AGENT_MAX_WAIT_SECONDS) * 1000;
    return 5000;
}

static char *qemuDomainQemuAgentCommand(qvDomainPtr dom, const char *cmd, int timeout,
                                        unsigned int flags)
{
    qemuDriver *driver = dom->conn->privateData;
    g_autoptr(domainObj) obj = NULL;
    qemuAgent *agent;
    char *result = NULL;
    int rc;

    qvCheckFlags(0, NULL);
    if (timeout < QV_DOMAIN_QEMU_AGENT_COMMAND_MIN) {
        qvReportError(QV_ERR_INVALID_ARG,
                      _("guest agent timeout '%d' is less than the minimum '%d'"), timeout,
                      QV_DOMAIN_QEMU_AGENT_COMMAND_MIN);
        return NULL;
    }
    if (!(obj = qemuDomObjRunning(dom)) ||
        !(agent = qemuDomainGetAgent(driver, obj, qemuDomainAgentWaitMs(timeout))))
        return NULL;
    rc = qemuAgentArbitraryCommand(agent, cmd, timeout, &result);
    qemuAgentUnref(agent);
    if (rc < 0)
        return NULL;
    /* NOWAIT: written, no reply awaited; success is an empty answer, not NULL */
    return result ? result : g_strdup("");
}

static int qemuDomainAgentSetResponseTimeout(qvDomainPtr dom, int timeout, unsigned int flags)
{
    qemuDriver *driver = dom->conn->privateData;
    g_autoptr(domainObj) obj = NULL;

    qvCheckFlags(0, -1);
    if (timeout < QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK) {
        qvReportError(QV_ERR_INVALID_ARG,
                      _("guest agent timeout '%d' is less than the minimum '%d'"), timeout,
                      QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK);
        return -1;
    }
    if (!(obj = qemuDomObjRunning(dom)))
        return -1;
    return qemuDomainSetAgentTimeout(driver, obj, timeout);
}

/* The agent of a running domain, for the typed calls. */
static qemuAgent *qemuDomainAgentFor(qvDomainPtr dom, domainObj **objOut)
{
    qemuDriver *driver = dom->conn->privateData;
    domainObj *obj;
    qemuAgent *agent;

    if (!(obj = qemuDomObjRunning(dom)))
        return NULL;
    if (!(agent = qemuDomainGetAgent(driver, obj, 5000))) {
        domainObjUnref(obj);
        return NULL;
    }
    *objOut = obj;
    return agent;
}

static int qemuDomainGetTime(qvDomainPtr dom, long long *seconds, unsigned int *nseconds,
                             unsigned int flags)
{
    g_autoptr(domainObj) obj = NULL;
    qemuAgent *agent;
    int rc;

    qvCheckFlags(0, -1);
    if (!(agent = qemuDomainAgentFor(dom, &obj)))
        return -1;
    rc = qemuAgentGetTime(agent, seconds, nseconds);
    qemuAgentUnref(agent);
    return rc;
}

static int qemuDomainSetTime(qvDomainPtr dom, long long seconds, unsigned int nseconds,
                             unsigned int flags)
{
    g_autoptr(domainObj) obj = NULL;
    qemuAgent *agent;
    int rc;

    qvCheckFlags(QV_DOMAIN_TIME_SYNC, -1);
    if (!(flags & QV_DOMAIN_TIME_SYNC) && nseconds > 999999999) {
        qvReportError(QV_ERR_INVALID_ARG, _("nseconds %u is more than 999999999"), nseconds);
        return -1;
    }
    if (!(agent = qemuDomainAgentFor(dom, &obj)))
        return -1;
    rc = qemuAgentSetTime(agent, seconds, nseconds, flags & QV_DOMAIN_TIME_SYNC);
    qemuAgentUnref(agent);
    return rc;
}

/* With no types asked for, what this agent lacks is left out; asked for, it fails. */
static bool qemuGuestInfoSkip(unsigned int types)
{
    if (types == 0 && qvGetLastErrorCode() == QV_ERR_AGENT_UNSUPPORTED) {
        qvResetLastError();
        return true;
    }
    return false;
}

static int qemuGuestInfoUsers(qemuAgent *agent, qvTypedParamList *list)
{
    qemuAgentUser *users = NULL;
    size_t n = 0, i;

    if (qemuAgentGetUsers(agent, &users, &n) < 0)
        return -1;
    qvTypedParamListAddUInt(list, (unsigned int)n, "user.count");
    for (i = 0; i < n; i++) {
        qvTypedParamListAddString(list, users[i].name, "user.%zu.name", i);
        if (users[i].domain)
            qvTypedParamListAddString(list, users[i].domain, "user.%zu.domain", i);
        qvTypedParamListAddULLong(list, users[i].loginTime, "user.%zu.login-time", i);
    }
    qemuAgentUsersFree(users, n);
    return 0;
}

static int qemuGuestInfoOS(qemuAgent *agent, qvTypedParamList *list)
{
    g_auto(GStrv) keys = NULL;
    g_auto(GStrv) values = NULL;
    size_t i;

    if (qemuAgentGetOSInfo(agent, &keys, &values) < 0)
        return -1;
    for (i = 0; keys[i]; i++)
        qvTypedParamListAddString(list, values[i], "os.%s", keys[i]);
    return 0;
}

static int qemuGuestInfoFS(qemuAgent *agent, qvTypedParamList *list)
{
    qemuAgentFSInfo *info = NULL;
    size_t n = 0, i, j;

    if (qemuAgentGetFSInfo(agent, &info, &n) < 0)
        return -1;
    qvTypedParamListAddUInt(list, (unsigned int)n, "fs.count");
    for (i = 0; i < n; i++) {
        qvTypedParamListAddString(list, info[i].mountpoint, "fs.%zu.mountpoint", i);
        qvTypedParamListAddString(list, info[i].name, "fs.%zu.name", i);
        qvTypedParamListAddString(list, info[i].fstype, "fs.%zu.fstype", i);
        if (info[i].totalBytes >= 0)
            qvTypedParamListAddULLong(list, (unsigned long long)info[i].totalBytes,
                                      "fs.%zu.total-bytes", i);
        if (info[i].usedBytes >= 0)
            qvTypedParamListAddULLong(list, (unsigned long long)info[i].usedBytes,
                                      "fs.%zu.used-bytes", i);
        qvTypedParamListAddUInt(list, (unsigned int)info[i].ndisks, "fs.%zu.disk.count", i);
        for (j = 0; j < info[i].ndisks; j++) {
            const qemuAgentFSDisk *d = &info[i].disks[j];

            if (d->alias)
                qvTypedParamListAddString(list, d->alias, "fs.%zu.disk.%zu.alias", i, j);
            if (d->serial)
                qvTypedParamListAddString(list, d->serial, "fs.%zu.disk.%zu.serial", i, j);
            if (d->devnode)
                qvTypedParamListAddString(list, d->devnode, "fs.%zu.disk.%zu.device", i, j);
        }
    }
    qemuAgentFSInfoFree(info, n);
    return 0;
}

static int qemuGuestInfoDisks(qemuAgent *agent, qvTypedParamList *list)
{
    qemuAgentDiskInfo *disks = NULL;
    size_t n = 0, i, j;

    if (qemuAgentGetDisks(agent, &disks, &n) < 0)
        return -1;
    qvTypedParamListAddUInt(list, (unsigned int)n, "disk.count");
    for (i = 0; i < n; i++) {
        size_t ndeps = disks[i].dependencies ? g_strv_length(disks[i].dependencies) : 0;

        qvTypedParamListAddString(list, disks[i].name, "disk.%zu.name", i);
        qvTypedParamListAddBoolean(list, disks[i].partition, "disk.%zu.partition", i);
        if (ndeps) {
            qvTypedParamListAddUInt(list, (unsigned int)ndeps, "disk.%zu.dependency.count", i);
            for (j = 0; j < ndeps; j++)
                qvTypedParamListAddString(list, disks[i].dependencies[j],
                                          "disk.%zu.dependency.%zu.name", i, j);
        }
        if (disks[i].alias)
            qvTypedParamListAddString(list, disks[i].alias, "disk.%zu.alias", i);
    }
    qemuAgentDisksFree(disks, n);
    return 0;
}

static int qemuGuestInfoInterfaces(qemuAgent *agent, qvTypedParamList *list)
{
    qemuAgentInterface *ifaces = NULL;
    size_t n = 0, i, j;

    if (qemuAgentGetInterfaces(agent, &ifaces, &n) < 0)
        return -1;
    qvTypedParamListAddUInt(list, (unsigned int)n, "if.count");
    for (i = 0; i < n; i++) {
        qvTypedParamListAddString(list, ifaces[i].name, "if.%zu.name", i);
        if (ifaces[i].hwaddr)
            qvTypedParamListAddString(list, ifaces[i].hwaddr, "if.%zu.hwaddr", i);
        qvTypedParamListAddUInt(list, (unsigned int)ifaces[i].naddrs, "if.%zu.addr.count", i);
        for (j = 0; j < ifaces[i].naddrs; j++) {
            qvTypedParamListAddString(list, ifaces[i].addrs[j].ipv6 ? "ipv6" : "ipv4",
                                      "if.%zu.addr.%zu.type", i, j);
            qvTypedParamListAddString(list, ifaces[i].addrs[j].address, "if.%zu.addr.%zu.addr", i,
                                      j);
            qvTypedParamListAddUInt(list, ifaces[i].addrs[j].prefix, "if.%zu.addr.%zu.prefix", i,
                                    j);
        }
    }
    qemuAgentInterfacesFree(ifaces, n);
    return 0;
}

static int qemuDomainGetGuestInfo(qvDomainPtr dom, unsigned int types, qvTypedParameterPtr *params,
                                  int *nparams, unsigned int flags)
{
    g_autoptr(domainObj) obj = NULL;
    qvTypedParamList list;
    qemuAgent *agent;
    const unsigned int all = QV_DOMAIN_GUEST_INFO_USERS | QV_DOMAIN_GUEST_INFO_OS |
                             QV_DOMAIN_GUEST_INFO_TIMEZONE | QV_DOMAIN_GUEST_INFO_HOSTNAME |
                             QV_DOMAIN_GUEST_INFO_FILESYSTEM | QV_DOMAIN_GUEST_INFO_DISKS |
                             QV_DOMAIN_GUEST_INFO_INTERFACES;
    unsigned int want = types ? types : all;
    int ret = -1;

    qvCheckFlags(0, -1);
    if (types & ~all) {
        qvReportError(QV_ERR_INVALID_ARG, _("unsupported guest info types 0x%x"), types & ~all);
        return -1;
    }
    if (!(agent = qemuDomainAgentFor(dom, &obj)))
        return -1;
    qvTypedParamListInit(&list);
    if ((want & QV_DOMAIN_GUEST_INFO_USERS) && qemuGuestInfoUsers(agent, &list) < 0 &&
        !qemuGuestInfoSkip(types))
        goto cleanup;
    if ((want & QV_DOMAIN_GUEST_INFO_OS) && qemuGuestInfoOS(agent, &list) < 0 &&
        !qemuGuestInfoSkip(types))
        goto cleanup;
    if (want & QV_DOMAIN_GUEST_INFO_TIMEZONE) {
        g_autofree char *zone = NULL;
        int offset;

        if (qemuAgentGetTimezone(agent, &zone, &offset) == 0) {
            if (zone)
                qvTypedParamListAddString(&list, zone, "timezone.name");
            qvTypedParamListAddInt(&list, offset, "timezone.offset");
        } else if (!qemuGuestInfoSkip(types)) {
            goto cleanup;
        }
    }
    if (want & QV_DOMAIN_GUEST_INFO_HOSTNAME) {
        g_autofree char *hostname = NULL;

        if (qemuAgentGetHostname(agent, &hostname) == 0)
            qvTypedParamListAddString(&list, hostname, "hostname");
        else if (!qemuGuestInfoSkip(types))
            goto cleanup;
    }
    if ((want & QV_DOMAIN_GUEST_INFO_FILESYSTEM) && qemuGuestInfoFS(agent, &list) < 0 &&
        !qemuGuestInfoSkip(types))
        goto cleanup;
    if ((want & QV_DOMAIN_GUEST_INFO_DISKS) && qemuGuestInfoDisks(agent, &list) < 0 &&
        !qemuGuestInfoSkip(types))
        goto cleanup;
    if ((want & QV_DOMAIN_GUEST_INFO_INTERFACES) && qemuGuestInfoInterfaces(agent, &list) < 0 &&
        !qemuGuestInfoSkip(types))
        goto cleanup;
    qvTypedParamListSteal(&list, params, nparams);
    ret = 0;

cleanup:
    qvTypedParamListClear(&list);
    qemuAgentUnref(agent);
    return ret;
}

static int qemuDomainInterfaceAddresses(qvDomainPtr dom, qvDomainInterfacePtr **ifacesOut,
                                        unsigned int source, unsigned int flags)
{
    g_autoptr(domainObj) obj = NULL;
    qemuAgentInterface *ifaces = NULL;
    qvDomainInterfacePtr *out;
    qemuAgent *agent;
    size_t n = 0, i, j;

    qvCheckFlags(0, -1);
    if (source != QV_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT) {
        qvReportError(QV_ERR_ARGUMENT_UNSUPPORTED,
                      _("interface address source %u is not supported: qvirt has no DHCP "
                        "leases or ARP table for user networking (use the agent, source 1)"),
                      source);
        return -1;
    }
    if (!(agent = qemuDomainAgentFor(dom, &obj)))
        return -1;
    if (qemuAgentGetInterfaces(agent, &ifaces, &n) < 0) {
        qemuAgentUnref(agent);
        return -1;
    }
    qemuAgentUnref(agent);
    out = g_new0(qvDomainInterfacePtr, n + 1);
    for (i = 0; i < n; i++) {
        qvDomainInterfacePtr iface = g_new0(qvDomainInterface, 1);

        iface->name = g_strdup(ifaces[i].name);
        iface->hwaddr = g_strdup(ifaces[i].hwaddr);
        iface->naddrs = (unsigned int)ifaces[i].naddrs;
        iface->addrs = g_new0(qvDomainIPAddress, ifaces[i].naddrs + 1);
        for (j = 0; j < ifaces[i].naddrs; j++) {
            iface->addrs[j].type =
                ifaces[i].addrs[j].ipv6 ? QV_IP_ADDR_TYPE_IPV6 : QV_IP_ADDR_TYPE_IPV4;
            iface->addrs[j].addr = g_strdup(ifaces[i].addrs[j].address);
            iface->addrs[j].prefix = ifaces[i].addrs[j].prefix;
        }
        out[i] = iface;
    }
    qemuAgentInterfacesFree(ifaces, n);
    if (ifacesOut)
        *ifacesOut = out;
    else {
        for (i = 0; i < n; i++)
            qvDomainInterfaceFreeInternal(out[i]);
        g_free(out);
    }
    return (int)n;
}

/* ---- guest filesystems ---- */

static int qemuDomainFSFreeze(qvDomainPtr dom, const char **mountpoints, unsigned int nmountpoints,
                              unsigned int flags)
{
    qemuDriver *driver = dom->conn->privateData;
    g_autoptr(domainObj) obj = NULL;
    qemuAgent *agent;
    gint64 t0;
    int rc;

    qvCheckFlags(0, -1);
    if (!(agent = qemuDomainAgentFor(dom, &obj)))
        return -1;
    /* a second freeze would fail in the guest, and the thaw that follows a failed freeze
     * would undo the first one: refuse it here, without touching the guard */
    {
        qemuAgentFSFreezeStatus status;

        if (qemuAgentFSFreezeStatusGet(agent, &status) < 0) {
            qemuAgentUnref(agent);
            return -1;
        }
        if (status == QEMU_AGENT_FSFREEZE_FROZEN) {
            qvReportError(QV_ERR_AGENT_GUEST_FROZEN,
                          _("the filesystems of domain '%s' are "
                            "already frozen"),
                          dom->name);
            qemuAgentUnref(agent);
            return -1;
        }
    }
    /* recorded before it is sent: a guest never stays frozen past the guard */
    if (qemuDomainFreezeGuard(driver, obj, qemuFreezeGuardSeconds()) < 0) {
        qemuAgentUnref(agent);
        return -1;
    }
    t0 = g_get_monotonic_time();
    rc = qemuAgentFSFreeze(agent, mountpoints, nmountpoints);
    if (rc == 0) {
        /* nothing frozen, but the guest's freeze hooks ran: their thaw must run too */
        if (qemuDomainThawVerified(driver, obj, agent) < 0) {
            qemuAgentUnref(agent);
            return -1;
        }
    } else if (rc < 0) {
        /* whatever went wrong, part of the guest may be frozen: thaw */
        qvErrorPtr saved = qvErrorPreserveLast();

        if (qemuDomainThawVerified(driver, obj, agent) < 0)
            QV_WARN("domain '%s': thaw after a failed freeze: %s", dom->name,
                    qvGetLastErrorMessage());
        qvErrorRestore(&saved);
    } else {
        QV_INFO("domain '%s': froze %d filesystem(s) in %.1f ms", dom->name, rc,
                (g_get_monotonic_time() - t0) / 1000.0);
        qemuDomainFSEvent(driver, obj, "frozen", "request");
    }
    qemuAgentUnref(agent);
    return rc;
}

static int qemuDomainFSThaw(qvDomainPtr dom, const char **mountpoints, unsigned int nmountpoints,
                            unsigned int flags)
{
    qemuDriver *driver = dom->conn->privateData;
    g_autoptr(domainObj) obj = NULL;
    qemuAgent *agent;
    int rc;

    qvCheckFlags(0, -1);
    if (mountpoints || nmountpoints) {
        qvReportError(QV_ERR_ARGUMENT_UNSUPPORTED, "%s",
                      _("specifying mountpoints is not supported: qemu-ga thaws every "
                        "filesystem"));
        return -1;
    }
    if (!(agent = qemuDomainAgentFor(dom, &obj)))
        return -1;
    rc = qemuDomainThawVerified(driver, obj, agent);
    qemuAgentUnref(agent);
    qemuDomainFSEvent(driver, obj, rc < 0 ? "thaw-failed" : "thawed", "request");
    return rc;
}

/* The domain's disk that the guest calls devnode (/dev/vda -> vda), if it has one. */
static char *qemuDomainDiskForGuestDevice(domainObj *obj, const qemuAgentFSDisk *d)
{
    g_autofree char *base = NULL;
    size_t i;

    if (!d->devnode)
        return NULL;
    base = g_path_get_basename(d->devnode);
    g_mutex_lock(&obj->lock);
    for (i = 0; i < obj->def->ndisks; i++) {
        if (STREQ(obj->def->disks[i]->dst, base)) {
            g_mutex_unlock(&obj->lock);
            return g_steal_pointer(&base);
        }
    }
    g_mutex_unlock(&obj->lock);
    return NULL;
}

static int qemuDomainGetFSInfo(qvDomainPtr dom, qvDomainFSInfoPtr **infoOut, unsigned int flags)
{
    g_autoptr(domainObj) obj = NULL;
    qemuAgentFSInfo *fs = NULL;
    qvDomainFSInfoPtr *out;
    qemuAgent *agent;
    size_t n = 0, i, j;

    qvCheckFlags(0, -1);
    if (!(agent = qemuDomainAgentFor(dom, &obj)))
        return -1;
    if (qemuAgentGetFSInfo(agent, &fs, &n) < 0) {
        qemuAgentUnref(agent);
        return -1;
    }
    qemuAgentUnref(agent);
    out = g_new0(qvDomainFSInfoPtr, n + 1);
    for (i = 0; i < n; i++) {
        qvDomainFSInfoPtr info = g_new0(qvDomainFSInfo, 1);
        g_autoptr(GPtrArray) aliases = g_ptr_array_new();

        info->mountpoint = g_strdup(fs[i].mountpoint);
        info->name = g_strdup(fs[i].name);
        info->fstype = g_strdup(fs[i].fstype);
        for (j = 0; j < fs[i].ndisks; j++) {
            char *target = qemuDomainDiskForGuestDevice(obj, &fs[i].disks[j]);

            if (target)
                g_ptr_array_add(aliases, target);
        }
        info->ndevAlias = aliases->len;
        g_ptr_array_add(aliases, NULL);
        info->devAlias = (char **)g_ptr_array_free(g_steal_pointer(&aliases), FALSE);
        out[i] = info;
    }
    qemuAgentFSInfoFree(fs, n);
    *infoOut = out;
    return (int)n;
}

/* ---- snapshots ---- */

static qvDomainSnapshotPtr qemuDomainSnapshotCreateXML(qvDomainPtr dom, const char *xml,
                                                       unsigned int flags)
{
    qemuDriver *driver = dom->conn->privateData;
    g_autoptr(domainObj) obj = NULL;
    g_autofree char *name = NULL;
    qvDomainSnapshotPtr snap = NULL;
    int lockfd;

    if ((lockfd = qemuDriverLockRoot(driver)) < 0)
        return NULL;
    if ((obj = qemuDomObjFromDomain(dom)) && (name = qemuSnapshotCreate(driver, obj, xml, flags)))
        snap = qvDomainSnapshotNew(dom, name);
    qemuDriverUnlockRoot(driver, lockfd);
    return snap;
}

/* The domain's snapshot list, and the domain's name (for messages). */
static qemuSnapshotList *qemuDomainSnapshotList(qvDomainPtr dom)
{
    qemuDriver *driver = dom->conn->privateData;

    return qemuSnapshotListGet(driver, dom->name);
}

static qvDomainSnapshotPtr *qemuSnapshotHandles(qvDomainPtr dom, GPtrArray *names)
{
    qvDomainSnapshotPtr *out = g_new0(qvDomainSnapshotPtr, names->len + 1);
    guint i;

    for (i = 0; i < names->len; i++)
        out[i] = qvDomainSnapshotNew(dom, names->pdata[i]);
    return out;
}

static int qemuDomainListAllSnapshots(qvDomainPtr dom, qvDomainSnapshotPtr **snaps,
                                      unsigned int flags)
{
    g_autoptr(qemuSnapshotList) list = NULL;
    g_autoptr(GPtrArray) names = NULL;

    qvCheckFlags(0x7ff, -1);
    if (!(list = qemuDomainSnapshotList(dom)))
        return -1;
    names = qemuSnapshotFilter(list, NULL, flags);
    if (snaps)
        *snaps = qemuSnapshotHandles(dom, names);
    return (int)names->len;
}

static int qemuDomainSnapshotListAllChildren(qvDomainSnapshotPtr snap, qvDomainSnapshotPtr **snaps,
                                             unsigned int flags)
{
    g_autoptr(qemuSnapshotList) list = NULL;
    g_autoptr(GPtrArray) names = NULL;
    snapshotDef *def;

    qvCheckFlags(0x7ff, -1);
    if (!(list = qemuDomainSnapshotList(snap->domain)) ||
        !(def = qemuSnapshotFind(list, snap->domain->name, snap->name)))
        return -1;
    names = qemuSnapshotFilter(list, def, flags);
    if (snaps)
        *snaps = qemuSnapshotHandles(snap->domain, names);
    return (int)names->len;
}

static qvDomainSnapshotPtr qemuDomainSnapshotLookupByName(qvDomainPtr dom, const char *name,
                                                          unsigned int flags)
{
    g_autoptr(qemuSnapshotList) list = NULL;

    qvCheckFlags(0, NULL);
    if (!(list = qemuDomainSnapshotList(dom)) || !qemuSnapshotFind(list, dom->name, name))
        return NULL;
    return qvDomainSnapshotNew(dom, name);
}

static char *qemuDomainSnapshotGetXMLDesc(qvDomainSnapshotPtr snap, unsigned int flags)
{
    g_autoptr(qemuSnapshotList) list = NULL;
    snapshotDef *def;

    qvCheckFlags(QV_DOMAIN_SNAPSHOT_XML_SECURE, NULL);
    if (!(list = qemuDomainSnapshotList(snap->domain)) ||
        !(def = qemuSnapshotFind(list, snap->domain->name, snap->name)))
        return NULL;
    return snapshotDefFormat(def, (flags & QV_DOMAIN_SNAPSHOT_XML_SECURE) ? DOMAIN_DEF_FORMAT_SECURE
                                                                          : 0);
}

static int qemuDomainHasCurrentSnapshot(qvDomainPtr dom, unsigned int flags)
{
    g_autoptr(qemuSnapshotList) list = NULL;

    qvCheckFlags(0, -1);
    if (!(list = qemuDomainSnapshotList(dom)))
        return -1;
    return list->current && qemuSnapshotFind(list, NULL, list->current) ? 1 : 0;
}

static qvDomainSnapshotPtr qemuDomainSnapshotCurrent(qvDomainPtr dom, unsigned int flags)
{
    g_autoptr(qemuSnapshotList) list = NULL;

    qvCheckFlags(0, NULL);
    if (!(list = qemuDomainSnapshotList(dom)))
        return NULL;
    if (!list->current || !qemuSnapshotFind(list, NULL, list->current)) {
        qvReportError(QV_ERR_NO_DOMAIN_SNAPSHOT,
                      _("the domain '%s' does not have a current "
                        "snapshot"),
                      dom->name);
        return NULL;
    }
    return qvDomainSnapshotNew(dom, list->current);
}

static qvDomainSnapshotPtr qemuDomainSnapshotGetParent(qvDomainSnapshotPtr snap, unsigned int flags)
{
    g_autoptr(qemuSnapshotList) list = NULL;
    snapshotDef *def;

    qvCheckFlags(0, NULL);
    if (!(list = qemuDomainSnapshotList(snap->domain)) ||
        !(def = qemuSnapshotFind(list, snap->domain->name, snap->name)))
        return NULL;
    if (!def->parent) {
        qvReportError(QV_ERR_NO_DOMAIN_SNAPSHOT, _("snapshot '%s' does not have a parent"),
                      snap->name);
        return NULL;
    }
    return qvDomainSnapshotNew(snap->domain, def->parent);
}

static int qemuDomainSnapshotIsCurrent(qvDomainSnapshotPtr snap, unsigned int flags)
{
    g_autoptr(qemuSnapshotList) list = NULL;

    qvCheckFlags(0, -1);
    if (!(list = qemuDomainSnapshotList(snap->domain)) ||
        !qemuSnapshotFind(list, snap->domain->name, snap->name))
        return -1;
    return STREQ_NULLABLE(list->current, snap->name) ? 1 : 0;
}

static int qemuDomainSnapshotHasMetadata(qvDomainSnapshotPtr snap, unsigned int flags)
{
    g_autoptr(qemuSnapshotList) list = NULL;

    qvCheckFlags(0, -1);
    if (!(list = qemuDomainSnapshotList(snap->domain)) ||
        !qemuSnapshotFind(list, snap->domain->name, snap->name))
        return -1;
    return 1;
}

static int qemuDomainRevertToSnapshot(qvDomainSnapshotPtr snap, unsigned int flags)
{
    qemuDriver *driver = snap->domain->conn->privateData;
    g_autoptr(domainObj) obj = NULL;
    int lockfd, ret = -1;

    if ((lockfd = qemuDriverLockRoot(driver)) < 0)
        return -1;
    if ((obj = qemuDomObjFromDomain(snap->domain)))
        ret = qemuSnapshotRevert(driver, obj, snap->name, flags);
    qemuDriverUnlockRoot(driver, lockfd);
    return ret;
}

static int qemuDomainSnapshotDelete(qvDomainSnapshotPtr snap, unsigned int flags)
{
    qemuDriver *driver = snap->domain->conn->privateData;
    g_autoptr(domainObj) obj = NULL;
    int lockfd, ret = -1;

    if ((lockfd = qemuDriverLockRoot(driver)) < 0)
        return -1;
    if ((obj = qemuDomObjFromDomain(snap->domain)))
        ret = qemuSnapshotDelete(driver, obj, snap->name, flags);
    qemuDriverUnlockRoot(driver, lockfd);
    return ret;
}

/* ---- events ---- */

/*
 * While event callbacks exist, a watcher thread keeps this process connected to every
 * running domain (their supervisors send the events) and notices domains that other
 * processes define, start or undefine: it rescans the root every QEMU_WATCH_MS.
 */
#define QEMU_WATCH_MS 200

/* A run another process started (and perhaps ended) since the watch began. */
static void qemuDriverWatchRun(qemuDriver *driver, const char *name, const unsigned char *uuid,
                               long long run, long long startedAt, long long stoppedAt, int reason)
{
    bool stopped = stoppedAt > 0 && stoppedAt >= driver->watchSince;

    qemuProcessEmitRun(driver, name, uuid, -1, run, startedAt, stopped ? reason : -1);
}

static void qemuDriverWatchOnce(qemuDriver *driver)
{
    g_autoptr(GPtrArray) objs = NULL;
    guint i, j;

    if (qemuDriverLoadConfigs(driver) < 0) {
        qvResetLastError();
        return;
    }
    objs = domainObjListCollect(driver->domains);
    for (i = 0; i < objs->len; i++) {
        domainObj *obj = objs->pdata[i];
        g_autofree char *name = NULL;
        g_autofree char *statusPath = NULL;
        g_autoptr(GArray) history = NULL;
        unsigned char uuid[QV_UUID_BUFLEN];
        qemuDomainStatus st;
        bool active;

        g_mutex_lock(&obj->lock);
        name = g_strdup(obj->def->name);
        memcpy(uuid, obj->def->uuid, QV_UUID_BUFLEN);
        g_mutex_unlock(&obj->lock);
        if (qvDomainEventStateCount(driver->events, uuid) == 0)
            continue;
        /* runs that ended, oldest first, then the current one */
        history = qemuProcessReadHistory(driver, name);
        for (j = 0; j < history->len; j++) {
            const qemuProcessRunRecord *r = &g_array_index(history, qemuProcessRunRecord, j);

            qemuDriverWatchRun(driver, name, uuid, r->run, r->startedAt, r->stoppedAt, r->reason);
        }
        statusPath = qemuDomainStateFile(driver->cfg, name, "status");
        if (qemuDomainStatusRead(statusPath, &st) == 0 && st.supervisorPid > 0)
            qemuDriverWatchRun(driver, name, uuid, st.supervisorPid, st.startedAt,
                               st.state == QV_DOMAIN_SHUTOFF ? st.stoppedAt : 0, st.reason);
        qvResetLastError();
        qemuDomainStatusClear(&st);
        /* connect only now: from then on the current run's supervisor sends this process its
         * events, on the monitor's thread, and they must not overtake the announcements of
         * the runs before it made just above (seen: a run that started and was destroyed
         * while this loop was connecting came out before the crashed run ahead of it) */
        g_mutex_lock(&obj->lock);
        active = domainObjIsActive(obj);
        g_mutex_unlock(&obj->lock);
        if (active) {
            qemuMonitor *mon = qemuDomainGetMonitor(driver, obj);

            if (mon)
                qemuMonitorUnref(mon);
            qvResetLastError();
        }
    }
}

static gpointer qemuDriverWatchThread(gpointer opaque)
{
    qemuDriver *driver = opaque;

    for (;;) {
        gint64 deadline;

        g_mutex_lock(&driver->lock);
        if (driver->watchStop) {
            g_mutex_unlock(&driver->lock);
            break;
        }
        g_mutex_unlock(&driver->lock);
        qemuDriverWatchOnce(driver);
        g_mutex_lock(&driver->lock);
        deadline = g_get_monotonic_time() + QEMU_WATCH_MS * 1000;
        while (!driver->watchStop && g_cond_wait_until(&driver->watchCond, &driver->lock, deadline))
            ;
        g_mutex_unlock(&driver->lock);
    }
    return NULL;
}

static void qemuDriverStartWatch(qemuDriver *driver)
{
    g_mutex_lock(&driver->lock);
    if (!driver->watchThread) {
        driver->watchStop = false;
        driver->watchSince = g_get_real_time();
        driver->watchThread = g_thread_new("qvirt-qemu-watch", qemuDriverWatchThread, driver);
    }
    g_mutex_unlock(&driver->lock);
}

static void qemuDriverStopWatch(qemuDriver *driver)
{
    GThread *thread;

    g_mutex_lock(&driver->lock);
    thread = g_steal_pointer(&driver->watchThread);
    driver->watchStop = true;
    g_cond_broadcast(&driver->watchCond);
    g_mutex_unlock(&driver->lock);
    if (thread)
        g_thread_join(thread);
}

static int qemuConnectDomainEventRegisterAny(qvConnectPtr conn, qvDomainPtr dom, int eventID,
                                             qvConnectDomainEventGenericCallback cb, void *opaque,
                                             qvFreeCallback freecb)
{
    qemuDriver *driver = conn->privateData;
    int id;

    if ((id = qvDomainEventStateRegister(driver->events, conn, dom, eventID, cb, opaque, freecb)) <
        0)
        return -1;
    qemuDriverStartWatch(driver);
    return id;
}

static int qemuConnectDomainEventDeregisterAny(qvConnectPtr conn, int callbackID)
{
    qemuDriver *driver = conn->privateData;

    if (qvDomainEventStateDeregister(driver->events, conn, callbackID) < 0)
        return -1;
    if (qvDomainEventStateCount(driver->events, NULL) == 0)
        qemuDriverStopWatch(driver);
    return 0;
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
    .domainCreateWithFlags = qemuDomainCreateWithFlags,
    .domainDestroyFlags = qemuDomainDestroyFlags,
    .domainShutdownFlags = qemuDomainShutdownFlags,
    .domainReboot = qemuDomainReboot,
    .domainGetInfo = qemuDomainGetInfo,
    .domainQemuAgentCommand = qemuDomainQemuAgentCommand,
    .domainAgentSetResponseTimeout = qemuDomainAgentSetResponseTimeout,
    .domainGetTime = qemuDomainGetTime,
    .domainSetTime = qemuDomainSetTime,
    .domainGetGuestInfo = qemuDomainGetGuestInfo,
    .domainInterfaceAddresses = qemuDomainInterfaceAddresses,
    .domainFSFreeze = qemuDomainFSFreeze,
    .domainFSThaw = qemuDomainFSThaw,
    .domainSnapshotCreateXML = qemuDomainSnapshotCreateXML,
    .domainSnapshotGetXMLDesc = qemuDomainSnapshotGetXMLDesc,
    .domainListAllSnapshots = qemuDomainListAllSnapshots,
    .domainSnapshotListAllChildren = qemuDomainSnapshotListAllChildren,
    .domainSnapshotLookupByName = qemuDomainSnapshotLookupByName,
    .domainHasCurrentSnapshot = qemuDomainHasCurrentSnapshot,
    .domainSnapshotCurrent = qemuDomainSnapshotCurrent,
    .domainSnapshotGetParent = qemuDomainSnapshotGetParent,
    .domainSnapshotIsCurrent = qemuDomainSnapshotIsCurrent,
    .domainSnapshotHasMetadata = qemuDomainSnapshotHasMetadata,
    .domainRevertToSnapshot = qemuDomainRevertToSnapshot,
    .domainSnapshotDelete = qemuDomainSnapshotDelete,
    .domainGetFSInfo = qemuDomainGetFSInfo,
    .connectDomainEventRegisterAny = qemuConnectDomainEventRegisterAny,
    .connectDomainEventDeregisterAny = qemuConnectDomainEventDeregisterAny,
};

int qemuRegister(void)
{
    return qvRegisterDriver(&qemuDriverTable);
}
