/* snapshot_conf.c: parse and format <domainsnapshot>, with the same rules as domains. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "qverror.h"
#include "qvfile.h"
#include "qvxml.h"
#include "snapshot_conf.h"

#define QV_FROM_THIS QV_FROM_DOMAIN_SNAPSHOT

#define ENUM(name) name##TypeFromString, name##TypeToString

QV_ENUM_IMPL(snapshotLocation, SNAPSHOT_LOCATION_LAST, "", "no", "internal", "external");
QV_ENUM_IMPL(snapshotState, SNAPSHOT_STATE_LAST, "nostate", "running", "blocked", "paused",
             "shutdown", "shutoff", "crashed", "pmsuspended", "disk-snapshot");
QV_ENUM_IMPL(snapshotQuiesce, SNAPSHOT_QUIESCE_LAST, "", "quiesced", "crash-consistent",
             "thaw-failed");

void snapshotDefFree(snapshotDef *def)
{
    size_t i;

    if (!def)
        return;
    g_free(def->name);
    g_free(def->description);
    g_free(def->parent);
    g_free(def->memoryFile);
    g_free(def->quiesceReason);
    for (i = 0; i < def->ndisks; i++) {
        g_free(def->disks[i].name);
        g_free(def->disks[i].file);
    }
    g_free(def->disks);
    domainDefFree(def->dom);
    g_free(def);
}

static int snapshotParseDisk(xmlNodePtr node, snapshotDiskDef *disk)
{
    xmlNodePtr driver, source;
    g_autofree char *type = NULL;

    disk->format = -1;
    if (!(disk->name = qvXMLProp(node, "name"))) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, node, "%s", _("missing attribute 'name' of <disk>"));
        return -1;
    }
    if (qvXMLPropEnum(node, "snapshot", ENUM(snapshotLocation), QV_XML_NONZERO, &disk->snapshot) <
        0)
        return -1;
    if ((type = qvXMLProp(node, "type")) && STRNEQ(type, "file")) {
        qvXMLReportNodeError(QV_ERR_CONFIG_UNSUPPORTED, node,
                             _("unsupported snapshot disk type '%s' (supported: 'file')"), type);
        return -1;
    }
    if ((driver = qvXMLChild(node, "driver")) &&
        qvXMLPropEnum(driver, "type", ENUM(domainDiskFormat), QV_XML_REQUIRED, &disk->format) < 0)
        return -1;
    if ((source = qvXMLChild(node, "source"))) {
        if (!(disk->file = qvXMLProp(source, "file"))) {
            qvXMLReportNodeError(QV_ERR_XML_ERROR, source, "%s",
                                 _("missing attribute 'file' of <source>"));
            return -1;
        }
        if (!g_path_is_absolute(disk->file)) {
            qvXMLReportNodeError(QV_ERR_XML_ERROR, source,
                                 _("snapshot file '%s' must be an absolute path"), disk->file);
            return -1;
        }
        if (!disk->snapshot)
            disk->snapshot = SNAPSHOT_LOCATION_EXTERNAL;
    }
    if ((disk->file || driver) && disk->snapshot != SNAPSHOT_LOCATION_EXTERNAL) {
        qvXMLReportNodeError(
            QV_ERR_XML_ERROR, node,
            _("disk '%s': a <source> or <driver> only makes sense with snapshot='external'"),
            disk->name);
        return -1;
    }
    return 0;
}

static int snapshotParseReadBack(xmlNodePtr root, snapshotDef *def, unsigned int flags)
{
    xmlNodePtr node;
    g_autofree char *state = qvXMLChildText(root, "state");
    g_autofree char *created = qvXMLChildText(root, "creationTime");

    /* output-only parts: kept when reloading metadata, dropped from a new request */
    if ((node = qvXMLChild(root, "parent")))
        def->parent = qvXMLChildText(node, "name");
    if (state && (def->state = snapshotStateTypeFromString(state)) < 0) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, qvXMLChild(root, "state"),
                             _("unknown snapshot state '%s'"), state);
        return -1;
    }
    if (created) {
        char *end = NULL;

        errno = 0;
        def->creationTime = g_ascii_strtoll(created, &end, 10);
        if (errno || !*created || *end || def->creationTime < 0) {
            qvXMLReportNodeError(QV_ERR_XML_ERROR, qvXMLChild(root, "creationTime"),
                                 _("invalid creationTime '%s'"), created);
            return -1;
        }
    }
    if ((node = qvXMLChild(root, "domain"))) {
        if (!(def->dom = domainDefParseNode(node, DOMAIN_DEF_PARSE_SKIP_SCHEMA)))
            return -1;
    }
    if ((node = qvXMLChild(root, "quiesce"))) {
        g_autofree char *window = qvXMLProp(node, "window-us");

        if (qvXMLPropEnum(node, "status", ENUM(snapshotQuiesce), QV_XML_REQUIRED | QV_XML_NONZERO,
                          &def->quiesce) < 0 ||
            qvXMLPropUInt(node, "filesystems", 0, &def->quiesceFilesystems) < 0)
            return -1;
        if (window) {
            gint64 us;

            if (!g_ascii_string_to_signed(window, 10, 0, G_MAXINT64, &us, NULL)) {
                qvXMLReportNodeError(QV_ERR_XML_ERROR, node, _("invalid window-us '%s'"), window);
                return -1;
            }
            def->quiesceWindowUs = us;
        }
        def->quiesceReason = qvXMLProp(node, "reason");
        qvXMLMarkConsumed(node);
    }
    if (!(flags & SNAPSHOT_PARSE_REDEFINE)) {
        def->quiesce = SNAPSHOT_QUIESCE_NONE;
        def->quiesceFilesystems = 0;
        def->quiesceWindowUs = 0;
        g_clear_pointer(&def->quiesceReason, g_free);
        g_clear_pointer(&def->parent, g_free);
        g_clear_pointer(&def->dom, domainDefFree);
        def->state = SNAPSHOT_STATE_NOSTATE;
        def->creationTime = 0;
    }
    return 0;
}

static snapshotDef *snapshotDefParseDoc(xmlDocPtr doc, unsigned int flags);

snapshotDef *snapshotDefParseString(const char *xml, const char *url, unsigned int flags)
{
    g_autoptr(xmlDoc) doc = NULL;
    snapshotDef *def;

    if (!(doc = qvXMLParseString(xml, url, QV_XML_MAX_BYTES)))
        return NULL;
    qvXMLCollectBegin();
    def = snapshotDefParseDoc(doc, flags);
    qvXMLCollectEnd();
    return def;
}

static snapshotDef *snapshotDefParseDoc(xmlDocPtr doc, unsigned int flags)
{
    g_autoptr(snapshotDef) def = g_new0(snapshotDef, 1);
    xmlNodePtr root, node;
    size_t i;

    root = xmlDocGetRootElement(doc);
    if (!xmlStrEqual(root->name, (const xmlChar *)"domainsnapshot") || root->ns) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, root,
                             _("expected root element <domainsnapshot>, found <%s>"),
                             (const char *)root->name);
        return NULL;
    }
    qvXMLMarkConsumed(root);

    def->name = qvXMLChildText(root, "name");
    if (def->name && (!*def->name || strchr(def->name, '/'))) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, qvXMLChild(root, "name"),
                             _("invalid snapshot name '%s': it must be non-empty, without '/'"),
                             def->name);
        return NULL;
    }
    if ((node = qvXMLChild(root, "description"))) {
        xmlChar *raw = xmlNodeGetContent(node);

        def->description = g_strdup(raw ? (const char *)raw : "");
        xmlFree(raw);
    }
    if ((node = qvXMLChild(root, "memory"))) {
        if (qvXMLPropEnum(node, "snapshot", ENUM(snapshotLocation),
                          QV_XML_REQUIRED | QV_XML_NONZERO, &def->memory) < 0)
            return NULL;
        def->memoryFile = qvXMLProp(node, "file");
        if ((def->memoryFile != NULL) != (def->memory == SNAPSHOT_LOCATION_EXTERNAL)) {
            qvXMLReportNodeError(
                QV_ERR_XML_ERROR, node, "%s",
                _("memory snapshot='external' needs a file, and only it takes one"));
            return NULL;
        }
    }
    if ((node = qvXMLChild(root, "disks"))) {
        g_autofree xmlNodePtr *disks = NULL;
        size_t n = qvXMLChildren(node, "disk", &disks);

        def->disks = g_new0(snapshotDiskDef, n);
        for (i = 0; i < n; i++) {
            size_t j;

            def->ndisks++;
            if (snapshotParseDisk(disks[i], &def->disks[i]) < 0) {
                if (!qvXMLCollectUnsupported(disks[i]))
                    return NULL;
                continue;
            }
            for (j = 0; j < i; j++) {
                if (STREQ_NULLABLE(def->disks[j].name, def->disks[i].name)) {
                    qvXMLReportNodeError(QV_ERR_XML_ERROR, disks[i], _("disk '%s' is listed twice"),
                                         def->disks[i].name);
                    return NULL;
                }
            }
        }
    }
    if (snapshotParseReadBack(root, def, flags) < 0)
        return NULL;
    if (qvXMLReportUnconsumed(root) < 0)
        return NULL;
    if (!(flags & SNAPSHOT_PARSE_SKIP_SCHEMA)) {
        g_autofree char *schema = qvFileFindData("schemas/domainsnapshot.rng");

        if (qvXMLValidate(doc, schema) < 0)
            return NULL;
    }
    return g_steal_pointer(&def);
}

char *snapshotDefFormat(const snapshotDef *def, unsigned int domainFormatFlags)
{
    GString *buf = g_string_new("<domainsnapshot>\n");
    size_t i;

    qvBufferAddElement(buf, 2, "name", def->name);
    qvBufferAddElement(buf, 2, "description", def->description);
    if (def->state)
        qvBufferAddElement(buf, 2, "state", snapshotStateTypeToString(def->state));
    if (def->parent) {
        g_string_append(buf, "  <parent>\n");
        qvBufferAddElement(buf, 4, "name", def->parent);
        g_string_append(buf, "  </parent>\n");
    }
    if (def->creationTime)
        g_string_append_printf(buf, "  <creationTime>%lld</creationTime>\n", def->creationTime);
    if (def->memory) {
        g_string_append_printf(buf, "  <memory snapshot='%s'",
                               snapshotLocationTypeToString(def->memory));
        if (def->memoryFile) {
            g_string_append(buf, " file='");
            qvBufferEscapeXML(buf, def->memoryFile);
            g_string_append_c(buf, '\'');
        }
        g_string_append(buf, "/>\n");
    }
    if (def->ndisks) {
        g_string_append(buf, "  <disks>\n");
        for (i = 0; i < def->ndisks; i++) {
            const snapshotDiskDef *d = &def->disks[i];

            g_string_append(buf, "    <disk name='");
            qvBufferEscapeXML(buf, d->name);
            g_string_append_c(buf, '\'');
            if (d->snapshot)
                g_string_append_printf(buf, " snapshot='%s'",
                                       snapshotLocationTypeToString(d->snapshot));
            if (!d->file && d->format < 0) {
                g_string_append(buf, "/>\n");
                continue;
            }
            g_string_append(buf, " type='file'>\n");
            if (d->format >= 0)
                g_string_append_printf(buf, "      <driver type='%s'/>\n",
                                       domainDiskFormatTypeToString(d->format));
            if (d->file) {
                g_string_append(buf, "      <source file='");
                qvBufferEscapeXML(buf, d->file);
                g_string_append(buf, "'/>\n");
            }
            g_string_append(buf, "    </disk>\n");
        }
        g_string_append(buf, "  </disks>\n");
    }
    if (def->quiesce) {
        g_string_append_printf(buf, "  <quiesce status='%s'",
                               snapshotQuiesceTypeToString(def->quiesce));
        if (def->quiesceFilesystems)
            g_string_append_printf(buf, " filesystems='%u'", def->quiesceFilesystems);
        if (def->quiesceWindowUs)
            g_string_append_printf(buf, " window-us='%lld'", def->quiesceWindowUs);
        if (def->quiesceReason) {
            g_string_append(buf, " reason='");
            qvBufferEscapeXML(buf, def->quiesceReason);
            g_string_append_c(buf, '\'');
        }
        g_string_append(buf, "/>\n");
    }
    if (def->dom)
        domainDefFormatBuf(buf, 2, def->dom, domainFormatFlags);
    g_string_append(buf, "</domainsnapshot>\n");
    return g_string_free(buf, FALSE);
}
