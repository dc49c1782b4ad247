/* domain_parse.c: domain XML -> domainDef; everything not read is reported as unsupported. */
#include <config.h>

#include <limits.h>

#include <libxml/parser.h>

#include "domain_conf.h"
#include "qverror.h"
#include "qvuuid.h"
#include "qvxml.h"

#define QV_FROM_THIS QV_FROM_DOMAIN

#define ENUM(name) name##TypeFromString, name##TypeToString

/* Largest memory size accepted: 1 PiB, in KiB. */
#define DOMAIN_MAX_MEMORY_KIB (1ULL << 40)

#define APPEND(arr, n, item)                                 \
    do {                                                     \
        (arr) = g_renew(__typeof__(*(arr)), (arr), (n) + 1); \
        (arr)[(n)++] = (item);                               \
    } while (0)

static int domainParseScaledMemory(xmlNodePtr node, unsigned long long *kib)
{
    static const struct {
        const char *unit;
        unsigned long long scale;
    } units[] = {
        { "b", 1 },          { "bytes", 1 },        { "KB", 1000ULL },
        { "k", 1024ULL },    { "KiB", 1024ULL },    { "MB", 1000000ULL },
        { "M", 1ULL << 20 }, { "MiB", 1ULL << 20 }, { "GB", 1000000000ULL },
        { "G", 1ULL << 30 }, { "GiB", 1ULL << 30 }, { "TB", 1000000000000ULL },
        { "T", 1ULL << 40 }, { "TiB", 1ULL << 40 },
    };
    g_autofree char *unit = qvXMLProp(node, "unit");
    g_autofree char *text = qvXMLText(node);
    g_autofree char *what = g_strdup_printf("<%s>", (const char *)node->name);
    unsigned long long val, scale = 1024;
    size_t i;

    if (unit) {
        for (i = 0; i < G_N_ELEMENTS(units); i++) {
            if (STREQ(unit, units[i].unit))
                break;
        }
        if (i == G_N_ELEMENTS(units)) {
            qvXMLReportNodeError(
                QV_ERR_CONFIG_UNSUPPORTED, node,
                _("unknown unit '%s' for %s (use b, KB, KiB, MB, MiB, GB, GiB, TB or TiB)"), unit,
                what);
            return -1;
        }
        scale = units[i].scale;
    }
    if (qvXMLParseULL(node, what, text, &val) < 0)
        return -1;
    if (val > ULLONG_MAX / scale || (val * scale + 1023) / 1024 > DOMAIN_MAX_MEMORY_KIB) {
        qvXMLReportNodeError(QV_ERR_OVERFLOW, node, _("%s '%s %s' is larger than 1 PiB"), what,
                             text, unit ? unit : "KiB");
        return -1;
    }
    *kib = (val * scale + 1023) / 1024;
    return 0;
}

static int domainParseUIntText(xmlNodePtr node, unsigned int *out)
{
    g_autofree char *text = qvXMLText(node);
    g_autofree char *what = g_strdup_printf("<%s>", (const char *)node->name);

    return qvXMLParseUInt(node, what, text, out);
}

/* An element whose only content is an enum word, e.g. <on_reboot>restart</on_reboot>. */
static int domainParseEnumText(xmlNodePtr parent, const char *name, qvEnumFromStringFunc from,
                               qvEnumToStringFunc to, int *val)
{
    xmlNodePtr node = qvXMLChild(parent, name);
    g_autofree char *text = NULL;
    int v;

    if (!node)
        return 0;
    text = qvXMLText(node);
    if ((v = from(text)) < 0) {
        g_autoptr(GString) choices = g_string_new(NULL);
        const char *s;
        int i;

        for (i = 0; (s = to(i)); i++)
            g_string_append_printf(choices, "%s'%s'", i ? ", " : "", s);
        qvXMLReportNodeError(QV_ERR_CONFIG_UNSUPPORTED, node,
                             _("unsupported value '%s' for <%s> (supported: %s)"), text, name,
                             choices->str);
        return -1;
    }
    *val = v;
    return 0;
}

/* Aliases and addresses that only describe the running VM: accepted, then derived anew. */
static void domainParseIgnoreAlias(xmlNodePtr dev)
{
    xmlNodePtr alias = qvXMLChild(dev, "alias");

    if (alias)
        g_free(qvXMLProp(alias, "name"));
}

static int domainParseBootOrder(xmlNodePtr dev, unsigned int *bootIndex)
{
    xmlNodePtr boot = qvXMLChild(dev, "boot");

    if (!boot)
        return 0;
    if (qvXMLPropUInt(boot, "order", QV_XML_REQUIRED, bootIndex) < 0)
        return -1;
    if (*bootIndex == 0) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, boot, "%s", _("boot order must be 1 or more"));
        return -1;
    }
    return 0;
}

static int domainParseGeneral(xmlNodePtr root, domainDef *def, unsigned int flags)
{
    xmlNodePtr node;
    g_autofree char *uuid = NULL;
    int id = -1;

    if (qvXMLPropEnum(root, "type", ENUM(domainVirt), QV_XML_REQUIRED, &def->virtType) < 0)
        return -1;
    if (qvXMLPropInt(root, "id", 0, &id) < 0)
        return -1;
    def->id = (flags & DOMAIN_DEF_PARSE_LIVE) ? id : -1;

    if (!(def->name = qvXMLChildText(root, "name"))) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, root, "%s", _("missing <name> in <domain>"));
        return -1;
    }
    if ((uuid = qvXMLChildText(root, "uuid")) && qvUUIDParse(uuid, def->uuid) < 0) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, qvXMLChild(root, "uuid"), _("malformed uuid '%s'"),
                             uuid);
        return -1;
    }
    if ((def->title = qvXMLChildText(root, "title")) && strchr(def->title, '\n')) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, qvXMLChild(root, "title"), "%s",
                             _("<title> must be a single line"));
        return -1;
    }
    if ((node = qvXMLChild(root, "description"))) {
        xmlChar *raw = xmlNodeGetContent(node);

        /* kept exactly as written, unlike other text */
        def->description = g_strdup(raw ? (const char *)raw : "");
        xmlFree(raw);
    }
    if ((node = qvXMLChild(root, "metadata"))) {
        qvXMLMarkTree(node);
        def->metadataDoc = xmlNewDoc((const xmlChar *)"1.0");
        def->metadata = xmlDocCopyNode(node, def->metadataDoc, 1);
        xmlDocSetRootElement(def->metadataDoc, def->metadata);
    }
    return 0;
}

static int domainParseMemoryAndVCPU(xmlNodePtr root, domainDef *def)
{
    xmlNodePtr node;
    unsigned int current = 0;

    if (!(node = qvXMLChild(root, "memory"))) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, root, "%s", _("missing <memory> in <domain>"));
        return -1;
    }
    if (domainParseScaledMemory(node, &def->memory) < 0)
        return -1;
    if ((node = qvXMLChild(root, "currentMemory")) &&
        domainParseScaledMemory(node, &def->curMemory) < 0)
        return -1;

    def->maxvcpus = 1;
    if ((node = qvXMLChild(root, "vcpu"))) {
        if (domainParseUIntText(node, &def->maxvcpus) < 0)
            return -1;
        if (qvXMLPropFixed(node, "placement", "static", 0) < 0)
            return -1;
        if (qvXMLPropUInt(node, "current", 0, &current) < 0)
            return -1;
    }
    def->vcpus = current ? current : def->maxvcpus;
    return 0;
}

static int domainParseOS(xmlNodePtr root, domainDef *def)
{
    xmlNodePtr os = qvXMLChild(root, "os");
    xmlNodePtr type, node;
    g_autofree xmlNodePtr *boots = NULL;
    g_autofree char *typeText = NULL;
    size_t nboots, i;

    def->os.arch = DOMAIN_ARCH_X86_64;
    if (!os) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, root, "%s", _("missing <os> in <domain>"));
        return -1;
    }
    if (!(type = qvXMLChild(os, "type"))) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, os, "%s", _("missing <type> in <os>"));
        return -1;
    }
    typeText = qvXMLText(type);
    if (STRNEQ(typeText, "hvm")) {
        qvXMLReportNodeError(QV_ERR_CONFIG_UNSUPPORTED, type,
                             _("unsupported OS type '%s' (supported: 'hvm')"), typeText);
        return -1;
    }
    if (qvXMLPropEnum(type, "arch", ENUM(domainArch), 0, &def->os.arch) < 0)
        return -1;
    def->os.machine = qvXMLProp(type, "machine");
    def->os.kernel = qvXMLChildText(os, "kernel");
    def->os.initrd = qvXMLChildText(os, "initrd");
    if ((node = qvXMLChild(os, "cmdline"))) {
        xmlChar *raw = xmlNodeGetContent(node);

        def->os.cmdline = g_strdup(raw ? (const char *)raw : "");
        xmlFree(raw);
    }

    nboots = qvXMLChildren(os, "boot", &boots);
    for (i = 0; i < nboots; i++) {
        int dev;
        size_t j;

        if (qvXMLPropEnum(boots[i], "dev", ENUM(domainBootDev), QV_XML_REQUIRED, &dev) < 0)
            return -1;
        for (j = 0; j < def->os.nBootDevs; j++) {
            if (def->os.bootDevs[j] == dev) {
                qvXMLReportNodeError(QV_ERR_XML_ERROR, boots[i],
                                     _("boot device '%s' is listed twice"),
                                     domainBootDevTypeToString(dev));
                return -1;
            }
        }
        def->os.bootDevs[def->os.nBootDevs++] = dev;
    }
    if ((node = qvXMLChild(os, "bootmenu")) &&
        qvXMLPropEnum(node, "enable", ENUM(domainTristateBool), QV_XML_REQUIRED | QV_XML_NONZERO,
                      &def->os.bootMenu) < 0)
        return -1;
    return 0;
}

static int domainParseFeatures(xmlNodePtr root, domainDef *def)
{
    xmlNodePtr features = qvXMLChild(root, "features");
    xmlNodePtr node;

    if (!features)
        return 0;
    def->features.acpi = qvXMLChild(features, "acpi") != NULL;
    def->features.apic = qvXMLChild(features, "apic") != NULL;
    def->features.pae = qvXMLChild(features, "pae") != NULL;
    if ((node = qvXMLChild(features, "vmport")) &&
        qvXMLPropEnum(node, "state", ENUM(domainTristateSwitch), QV_XML_REQUIRED | QV_XML_NONZERO,
                      &def->features.vmport) < 0)
        return -1;
    return 0;
}

static int domainParseCPU(xmlNodePtr root, domainDef *def)
{
    xmlNodePtr cpu = qvXMLChild(root, "cpu");
    xmlNodePtr node;
    g_autofree char *mode = NULL;
    int rc;

    if (!cpu)
        return 0;
    if ((mode = qvXMLProp(cpu, "mode")) && STREQ(mode, "host-model")) {
        qvXMLReportNodeError(
            QV_ERR_CONFIG_UNSUPPORTED, cpu, "%s",
            _("CPU mode 'host-model' is not supported: qvirt does not translate the host CPU into "
              "a model; use 'host-passthrough' (kvm), 'maximum' or 'custom'"));
        return -1;
    }
    if (mode) {
        if (qvXMLPropEnum(cpu, "mode", ENUM(domainCPUMode), QV_XML_NONZERO, &def->cpu.mode) < 0)
            return -1;
    }
    if (qvXMLPropFixed(cpu, "match", "exact", 0) < 0 || qvXMLPropFixed(cpu, "check", "none", 0) < 0)
        return -1;
    if (qvXMLPropEnum(cpu, "migratable", ENUM(domainTristateSwitch), QV_XML_NONZERO,
                      &def->cpu.migratable) < 0)
        return -1;

    if ((node = qvXMLChild(cpu, "model"))) {
        g_autofree char *fallback = qvXMLProp(node, "fallback");

        if (fallback && STRNEQ(fallback, "allow") && STRNEQ(fallback, "forbid")) {
            qvXMLReportNodeError(QV_ERR_CONFIG_UNSUPPORTED, node,
                                 _("unsupported value '%s' for attribute 'fallback' of <model> "
                                   "(supported: 'allow', 'forbid')"),
                                 fallback);
            return -1;
        }
        def->cpu.model = qvXMLText(node);
        if (!mode)
            def->cpu.mode = DOMAIN_CPU_MODE_CUSTOM;
    }
    if (def->cpu.migratable && def->cpu.mode != DOMAIN_CPU_MODE_HOST_PASSTHROUGH) {
        qvXMLReportNodeError(
            QV_ERR_CONFIG_UNSUPPORTED, cpu, "%s",
            _("attribute 'migratable' of <cpu> is only valid with mode 'host-passthrough'"));
        return -1;
    }
    if (def->cpu.model && def->cpu.mode != DOMAIN_CPU_MODE_CUSTOM) {
        qvXMLReportNodeError(QV_ERR_CONFIG_UNSUPPORTED, cpu,
                             _("<model> cannot be used with CPU mode '%s'"),
                             domainCPUModeTypeToString(def->cpu.mode));
        return -1;
    }
    if ((node = qvXMLChild(cpu, "topology"))) {
        if (qvXMLPropUInt(node, "sockets", QV_XML_REQUIRED, &def->cpu.sockets) < 0 ||
            (rc = qvXMLPropUInt(node, "dies", 0, &def->cpu.dies)) < 0 ||
            qvXMLPropUInt(node, "cores", QV_XML_REQUIRED, &def->cpu.cores) < 0 ||
            qvXMLPropUInt(node, "threads", QV_XML_REQUIRED, &def->cpu.threads) < 0)
            return -1;
        if (rc == 0)
            def->cpu.dies = 1;
        if (!def->cpu.sockets || !def->cpu.dies || !def->cpu.cores || !def->cpu.threads) {
            qvXMLReportNodeError(QV_ERR_XML_ERROR, node, "%s",
                                 _("CPU topology values must be 1 or more"));
            return -1;
        }
    }
    return 0;
}

static int domainParseClock(xmlNodePtr root, domainDef *def)
{
    xmlNodePtr clock = qvXMLChild(root, "clock");
    g_autofree xmlNodePtr *timers = NULL;
    size_t ntimers, i, j;

    if (!clock)
        return 0;
    if (qvXMLPropEnum(clock, "offset", ENUM(domainClockOffset), 0, &def->clockOffset) < 0)
        return -1;
    ntimers = qvXMLChildren(clock, "timer", &timers);
    def->timers = g_new0(domainTimerDef, ntimers);
    for (i = 0; i < ntimers; i++) {
        domainTimerDef *t = &def->timers[def->ntimers];

        if (qvXMLPropEnum(timers[i], "name", ENUM(domainTimerName), QV_XML_REQUIRED, &t->name) <
                0 ||
            qvXMLPropEnum(timers[i], "tickpolicy", ENUM(domainTickPolicy), QV_XML_NONZERO,
                          &t->tickpolicy) < 0 ||
            qvXMLPropEnum(timers[i], "present", ENUM(domainTristateBool), QV_XML_NONZERO,
                          &t->present) < 0)
            return -1;
        for (j = 0; j < def->ntimers; j++) {
            if (def->timers[j].name == t->name) {
                qvXMLReportNodeError(QV_ERR_XML_ERROR, timers[i], _("timer '%s' is given twice"),
                                     domainTimerNameTypeToString(t->name));
                return -1;
            }
        }
        def->ntimers++;
    }
    return 0;
}

static int domainParsePM(xmlNodePtr root, domainDef *def)
{
    xmlNodePtr pm = qvXMLChild(root, "pm");
    xmlNodePtr node;

    if (!pm)
        return 0;
    if ((node = qvXMLChild(pm, "suspend-to-mem")) &&
        qvXMLPropEnum(node, "enabled", ENUM(domainTristateBool), QV_XML_REQUIRED | QV_XML_NONZERO,
                      &def->pm.suspendToMem) < 0)
        return -1;
    if ((node = qvXMLChild(pm, "suspend-to-disk")) &&
        qvXMLPropEnum(node, "enabled", ENUM(domainTristateBool), QV_XML_REQUIRED | QV_XML_NONZERO,
                      &def->pm.suspendToDisk) < 0)
        return -1;
    return 0;
}

/* <source file=.../> or <source dev=.../>, by storage type. */
static int domainParseStorageSourcePath(xmlNodePtr node, domainStorageSource *src, bool optional)
{
    xmlNodePtr source = qvXMLChild(node, "source");
    const char *attr = src->type == DOMAIN_DISK_TYPE_BLOCK ? "dev" : "file";

    if (!source) {
        if (optional)
            return 0;
        qvXMLReportNodeError(QV_ERR_XML_ERROR, node, _("missing <source> in <%s>"),
                             (const char *)node->name);
        return -1;
    }
    if (!(src->path = qvXMLProp(source, attr)) && !optional) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, source, _("missing attribute '%s' of <source>"),
                             attr);
        return -1;
    }
    if (src->path && !g_path_is_absolute(src->path)) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, source,
                             _("disk source '%s' must be an absolute path"), src->path);
        return -1;
    }
    return 0;
}

/* A <backingStore> chain as libvirt reports it; the element may nest. */
static int domainParseBackingStore(xmlNodePtr parent, domainStorageSource *src)
{
    xmlNodePtr node = qvXMLChild(parent, "backingStore");
    xmlNodePtr format;
    g_autofree char *index = NULL;
    domainStorageSource *backing;

    if (!node)
        return 0;
    src->backingKnown = true;
    /* libvirt numbers the chain in live XML; the number is derived, not configuration */
    index = qvXMLProp(node, "index");
    if (!xmlHasProp(node, (const xmlChar *)"type") && !node->children)
        return 0; /* <backingStore/>: the chain ends here */

    backing = g_new0(domainStorageSource, 1);
    src->backing = backing;
    if (qvXMLPropEnum(node, "type", ENUM(domainDiskType), QV_XML_REQUIRED, &backing->type) < 0)
        return -1;
    if (!(format = qvXMLChild(node, "format"))) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, node, "%s", _("missing <format> in <backingStore>"));
        return -1;
    }
    if (qvXMLPropEnum(format, "type", ENUM(domainDiskFormat), QV_XML_REQUIRED, &backing->format) <
        0)
        return -1;
    if (domainParseStorageSourcePath(node, backing, false) < 0)
        return -1;
    return domainParseBackingStore(node, backing);
}

static int domainParseDisk(xmlNodePtr node, domainDiskDef **ret)
{
    domainDiskDef *disk = g_new0(domainDiskDef, 1);
    xmlNodePtr driver, target;
    int rc;

    *ret = disk; /* the caller frees it on failure too */
    disk->src = g_new0(domainStorageSource, 1);
    if (qvXMLPropEnum(node, "type", ENUM(domainDiskType), 0, &disk->src->type) < 0 ||
        qvXMLPropEnum(node, "device", ENUM(domainDiskDevice), 0, &disk->device) < 0)
        return -1;

    if ((driver = qvXMLChild(node, "driver"))) {
        if (qvXMLPropFixed(driver, "name", "qemu", 0) < 0)
            return -1;
        if (qvXMLPropEnum(driver, "type", ENUM(domainDiskFormat), 0, &disk->src->format) < 0 ||
            qvXMLPropEnum(driver, "cache", ENUM(domainDiskCache), 0, &disk->cache) < 0 ||
            qvXMLPropEnum(driver, "io", ENUM(domainDiskIO), 0, &disk->io) < 0 ||
            qvXMLPropEnum(driver, "discard", ENUM(domainDiskDiscard), 0, &disk->discard) < 0)
            return -1;
    }
    if (domainParseStorageSourcePath(node, disk->src, disk->device == DOMAIN_DISK_DEVICE_CDROM) <
            0 ||
        domainParseBackingStore(node, disk->src) < 0)
        return -1;

    if (!(target = qvXMLChild(node, "target"))) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, node, "%s", _("missing <target> in <disk>"));
        return -1;
    }
    if (!(disk->dst = qvXMLProp(target, "dev"))) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, target, "%s",
                             _("missing attribute 'dev' of <target>"));
        return -1;
    }
    if ((rc = qvXMLPropEnum(target, "bus", ENUM(domainDiskBus), 0, &disk->bus)) < 0)
        return -1;
    if (rc == 0) {
        /* libvirt's rule: the bus follows from the name */
        if (STRPREFIX(disk->dst, "vd")) {
            disk->bus = DOMAIN_DISK_BUS_VIRTIO;
        } else if (STRPREFIX(disk->dst, "sd")) {
            disk->bus = DOMAIN_DISK_BUS_SCSI;
        } else {
            qvXMLReportNodeError(QV_ERR_XML_ERROR, target,
                                 _("cannot tell the bus of disk '%s': give <target bus=...>"),
                                 disk->dst);
            return -1;
        }
    }
    disk->readonly = qvXMLChild(node, "readonly") != NULL;
    if (disk->device == DOMAIN_DISK_DEVICE_CDROM)
        disk->readonly = true;
    disk->serial = qvXMLChildText(node, "serial");
    if (disk->serial &&
        (!*disk->serial || strlen(disk->serial) > 36 ||
         strspn(disk->serial,
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-. ") !=
             strlen(disk->serial))) {
        qvXMLReportNodeError(
            QV_ERR_XML_ERROR, qvXMLChild(node, "serial"),
            _("disk serial '%s' must be 1 to 36 letters, digits, '_', '-', '.' or spaces"),
            disk->serial);
        return -1;
    }
    if (domainParseBootOrder(node, &disk->bootIndex) < 0)
        return -1;
    domainParseIgnoreAlias(node);
    return 0;
}

static int domainParseController(xmlNodePtr node, domainControllerDef **ret)
{
    domainControllerDef *ctrl = g_new0(domainControllerDef, 1);
    bool ok;

    *ret = ctrl;
    if (qvXMLPropEnum(node, "type", ENUM(domainControllerType), QV_XML_REQUIRED, &ctrl->type) < 0 ||
        qvXMLPropUInt(node, "index", 0, &ctrl->idx) < 0 ||
        qvXMLPropEnum(node, "model", ENUM(domainControllerModel), QV_XML_NONZERO, &ctrl->model) < 0)
        return -1;
    domainParseIgnoreAlias(node);
    if (ctrl->idx != 0) {
        qvXMLReportNodeError(QV_ERR_CONFIG_UNSUPPORTED, node,
                             _("only controller index 0 is supported, not %u"), ctrl->idx);
        return -1;
    }
    switch ((domainControllerType)ctrl->type) {
    case DOMAIN_CONTROLLER_SCSI:
        if (!ctrl->model)
            ctrl->model = DOMAIN_CONTROLLER_MODEL_VIRTIO_SCSI;
        ok = ctrl->model == DOMAIN_CONTROLLER_MODEL_VIRTIO_SCSI;
        break;
    case DOMAIN_CONTROLLER_PCI:
        ok = ctrl->model == DOMAIN_CONTROLLER_MODEL_PCI_ROOT ||
             ctrl->model == DOMAIN_CONTROLLER_MODEL_PCIE_ROOT;
        break;
    case DOMAIN_CONTROLLER_USB:
        ok = ctrl->model == DOMAIN_CONTROLLER_MODEL_NONE;
        break;
    case DOMAIN_CONTROLLER_VIRTIO_SERIAL:
    case DOMAIN_CONTROLLER_SATA:
    case DOMAIN_CONTROLLER_LAST:
    default:
        ok = ctrl->model == DOMAIN_CONTROLLER_MODEL_DEFAULT;
        break;
    }
    if (!ok) {
        qvXMLReportNodeError(QV_ERR_CONFIG_UNSUPPORTED, node,
                             _("controller type '%s' with model '%s' is not supported"),
                             domainControllerTypeTypeToString(ctrl->type),
                             ctrl->model ? domainControllerModelTypeToString(ctrl->model)
                                         : _("(none)"));
        return -1;
    }
    return 0;
}

static int domainParseNet(xmlNodePtr node, domainNetDef **ret)
{
    domainNetDef *net = g_new0(domainNetDef, 1);
    xmlNodePtr child;

    *ret = net;
    if (qvXMLPropFixed(node, "type", "user", QV_XML_REQUIRED) < 0)
        return -1;
    if ((child = qvXMLChild(node, "mac"))) {
        g_autofree char *addr = qvXMLProp(child, "address");

        if (!addr || domainMacParse(addr, net->mac) < 0) {
            qvXMLReportNodeError(QV_ERR_XML_ERROR, child, _("malformed MAC address '%s'"),
                                 addr ? addr : "");
            return -1;
        }
        if (net->mac[0] & 1) {
            qvXMLReportNodeError(QV_ERR_XML_ERROR, child,
                                 _("MAC address '%s' is a multicast address"), addr);
            return -1;
        }
    }
    if ((child = qvXMLChild(node, "model")) &&
        qvXMLPropEnum(child, "type", ENUM(domainNetModel), QV_XML_REQUIRED, &net->model) < 0)
        return -1;
    if (domainParseBootOrder(node, &net->bootIndex) < 0)
        return -1;
    domainParseIgnoreAlias(node);
    return 0;
}

static int domainParseChrSource(xmlNodePtr node, domainChrDef *chr, unsigned int flags)
{
    xmlNodePtr source;
    g_autofree char *mode = NULL;
    g_autofree char *path = NULL;

    if (qvXMLPropEnum(node, "type", ENUM(domainChrType), QV_XML_REQUIRED, &chr->source.type) < 0)
        return -1;
    source = qvXMLChild(node, "source");
    if (source)
        path = qvXMLProp(source, "path");

    switch ((domainChrType)chr->source.type) {
    case DOMAIN_CHR_TYPE_PTY:
        /* the /dev/pts path is chosen by the kernel at start: live information only */
        if (flags & DOMAIN_DEF_PARSE_LIVE)
            chr->source.path = g_steal_pointer(&path);
        break;
    case DOMAIN_CHR_TYPE_FILE:
        if (!path) {
            qvXMLReportNodeError(QV_ERR_XML_ERROR, node, "%s",
                                 _("a file character device needs <source path=...>"));
            return -1;
        }
        if (qvXMLPropEnum(source, "append", ENUM(domainTristateSwitch), QV_XML_NONZERO,
                          &chr->source.append) < 0)
            return -1;
        chr->source.path = g_steal_pointer(&path);
        break;
    case DOMAIN_CHR_TYPE_UNIX:
        chr->source.listen = true;
        if (source && (mode = qvXMLProp(source, "mode"))) {
            if (STREQ(mode, "connect")) {
                chr->source.listen = false;
            } else if (STRNEQ(mode, "bind")) {
                qvXMLReportNodeError(QV_ERR_CONFIG_UNSUPPORTED, source,
                                     _("unsupported value '%s' for attribute 'mode' of <source> "
                                       "(supported: 'bind', 'connect')"),
                                     mode);
                return -1;
            }
        }
        if (!path && chr->deviceType != DOMAIN_CHR_DEVICE_CHANNEL) {
            qvXMLReportNodeError(QV_ERR_XML_ERROR, node, "%s",
                                 _("Missing source path attribute for char device"));
            return -1;
        }
        chr->source.path = g_steal_pointer(&path);
        break;
    case DOMAIN_CHR_TYPE_LAST:
    default:
        break;
    }
    if (chr->source.path && !g_path_is_absolute(chr->source.path) &&
        chr->source.type != DOMAIN_CHR_TYPE_PTY) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, source, _("path '%s' must be absolute"),
                             chr->source.path);
        return -1;
    }
    return 0;
}

static int domainParseSerialTarget(xmlNodePtr node, domainChrDef *chr, bool console)
{
    xmlNodePtr target = qvXMLChild(node, "target");
    xmlNodePtr model;
    int port = -1;

    chr->targetPort = -1;
    if (!target)
        return 0;
    if (qvXMLPropFixed(target, "type", console ? "serial" : "isa-serial", 0) < 0)
        return -1;
    if (qvXMLPropInt(target, "port", 0, &port) < 0)
        return -1;
    if (port < -1) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, target, _("invalid serial port %d"), port);
        return -1;
    }
    chr->targetPort = port;
    if (!console && (model = qvXMLChild(target, "model")) &&
        qvXMLPropFixed(model, "name", "isa-serial", QV_XML_REQUIRED) < 0)
        return -1;
    return 0;
}

static int domainParseChannelTarget(xmlNodePtr node, domainChrDef *chr, unsigned int flags)
{
    xmlNodePtr target = qvXMLChild(node, "target");
    xmlNodePtr addr;
    int state = DOMAIN_CHR_STATE_DEFAULT;

    if (!target) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, node, "%s", _("missing <target> in <channel>"));
        return -1;
    }
    if (qvXMLPropFixed(target, "type", "virtio", QV_XML_REQUIRED) < 0)
        return -1;
    chr->targetName = qvXMLProp(target, "name");
    if (chr->targetName &&
        (!*chr->targetName || strlen(chr->targetName) > 255 ||
         strspn(chr->targetName,
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") !=
             strlen(chr->targetName))) {
        qvXMLReportNodeError(
            QV_ERR_XML_ERROR, target,
            _("channel name '%s' must be 1 to 255 letters, digits, '_', '.' or '-'"),
            chr->targetName);
        return -1;
    }
    /* state is output-only: it describes the running guest, never the definition */
    if (qvXMLPropEnum(target, "state", ENUM(domainChrState), QV_XML_NONZERO, &state) < 0)
        return -1;
    if (flags & DOMAIN_DEF_PARSE_LIVE)
        chr->state = state;

    if ((addr = qvXMLChild(node, "address"))) {
        unsigned int controller = 0, bus = 0;

        if (qvXMLPropFixed(addr, "type", "virtio-serial", QV_XML_REQUIRED) < 0)
            return -1;
        if (qvXMLPropUInt(addr, "controller", 0, &controller) < 0 ||
            qvXMLPropUInt(addr, "bus", 0, &bus) < 0 ||
            qvXMLPropUInt(addr, "port", 0, &chr->vsPort) < 0)
            return -1;
        if (controller != 0 || bus != 0 || chr->vsPort > 30) {
            qvXMLReportNodeError(
                QV_ERR_CONFIG_UNSUPPORTED, addr, "%s",
                _("only virtio-serial controller 0, bus 0, ports 1 to 30 are supported"));
            return -1;
        }
    }
    return 0;
}

static int domainParseChr(xmlNodePtr node, int deviceType, unsigned int flags, domainChrDef **ret)
{
    domainChrDef *chr = g_new0(domainChrDef, 1);

    *ret = chr;
    chr->deviceType = deviceType;
    if (domainParseChrSource(node, chr, flags) < 0)
        return -1;
    domainParseIgnoreAlias(node);
    switch (deviceType) {
    case DOMAIN_CHR_DEVICE_CHANNEL:
        if (chr->source.type == DOMAIN_CHR_TYPE_FILE) {
            qvXMLReportNodeError(QV_ERR_CONFIG_UNSUPPORTED, node, "%s",
                                 _("unsupported channel type 'file' (supported: 'unix', 'pty')"));
            return -1;
        }
        return domainParseChannelTarget(node, chr, flags);
    case DOMAIN_CHR_DEVICE_CONSOLE:
        return domainParseSerialTarget(node, chr, true);
    default:
        return domainParseSerialTarget(node, chr, false);
    }
}

static int domainParseInput(xmlNodePtr node, domainInputDef **ret)
{
    domainInputDef *input = g_new0(domainInputDef, 1);

    *ret = input;
    if (qvXMLPropEnum(node, "type", ENUM(domainInputType), QV_XML_REQUIRED, &input->type) < 0)
        return -1;
    /* only the machine's built-in PS/2 mouse and keyboard */
    if (qvXMLPropFixed(node, "bus", "ps2", 0) < 0)
        return -1;
    domainParseIgnoreAlias(node);
    return 0;
}

static int domainParseGraphics(xmlNodePtr node, domainGraphicsDef **ret)
{
    domainGraphicsDef *gr = g_new0(domainGraphicsDef, 1);
    g_autofree char *listenAddr = NULL;
    xmlNodePtr listen;
    bool autoport = false;
    int rc;

    *ret = gr;
    gr->port = -1;
    if (qvXMLPropFixed(node, "type", "vnc", QV_XML_REQUIRED) < 0)
        return -1;
    if (qvXMLPropInt(node, "port", 0, &gr->port) < 0 ||
        (rc = qvXMLPropBool(node, "autoport", "yes", "no", 0, &autoport)) < 0)
        return -1;
    if (autoport || gr->port == 0)
        gr->port = -1;
    if (gr->port != -1 && (gr->port < 5900 || gr->port > 65535)) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, node,
                             _("VNC port %d is out of range (5900 to 65535, or -1 for automatic)"),
                             gr->port);
        return -1;
    }
    gr->listen = qvXMLProp(node, "listen");
    if ((listen = qvXMLChild(node, "listen"))) {
        if (qvXMLPropFixed(listen, "type", "address", QV_XML_REQUIRED) < 0)
            return -1;
        listenAddr = qvXMLProp(listen, "address");
        if (listenAddr && gr->listen && STRNEQ(listenAddr, gr->listen)) {
            qvXMLReportNodeError(QV_ERR_XML_ERROR, listen,
                                 _("graphics 'listen' attribute '%s' must match the 'address' "
                                   "attribute of its first <listen> '%s'"),
                                 gr->listen, listenAddr);
            return -1;
        }
        if (!gr->listen)
            gr->listen = g_steal_pointer(&listenAddr);
    }
    domainParseIgnoreAlias(node);
    return 0;
}

static int domainParseVideo(xmlNodePtr node, int *model)
{
    xmlNodePtr m = qvXMLChild(node, "model");

    *model = DOMAIN_VIDEO_VGA;
    domainParseIgnoreAlias(node);
    if (!m)
        return 0;
    if (qvXMLPropEnum(m, "type", ENUM(domainVideoModel), QV_XML_REQUIRED, model) < 0)
        return -1;
    /* the only values that can be: what libvirt prints for one plain video device */
    if (qvXMLPropFixed(m, "heads", "1", 0) < 0 || qvXMLPropFixed(m, "primary", "yes", 0) < 0)
        return -1;
    return 0;
}

static int domainParseRNG(xmlNodePtr node, domainRNGDef **ret)
{
    domainRNGDef *rng = g_new0(domainRNGDef, 1);
    xmlNodePtr backend;

    *ret = rng;
    if (qvXMLPropFixed(node, "model", "virtio", QV_XML_REQUIRED) < 0)
        return -1;
    if (!(backend = qvXMLChild(node, "backend"))) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, node, "%s", _("missing <backend> in <rng>"));
        return -1;
    }
    if (qvXMLPropEnum(backend, "model", ENUM(domainRNGBackend), QV_XML_REQUIRED, &rng->backend) < 0)
        return -1;
    if (rng->backend == DOMAIN_RNG_BACKEND_RANDOM) {
        rng->source = qvXMLText(backend);
        if (!*rng->source) {
            g_free(rng->source);
            rng->source = g_strdup("/dev/urandom");
        }
        if (!g_path_is_absolute(rng->source)) {
            qvXMLReportNodeError(QV_ERR_XML_ERROR, backend,
                                 _("rng source '%s' must be an absolute path"), rng->source);
            return -1;
        }
    }
    domainParseIgnoreAlias(node);
    return 0;
}

/*
 * Parse each <name> child of devices, appending to arr (freed by the caller). A device
 * that is unsupported is set aside for the final list, so that one pass names them all.
 */
#define PARSE_DEVICES(name, arr, n, freefn, ...)                \
    do {                                                        \
        g_autofree xmlNodePtr *nodes_ = NULL;                   \
        size_t nnodes_ = qvXMLChildren(devices, name, &nodes_); \
        size_t i_;                                              \
        for (i_ = 0; i_ < nnodes_; i_++) {                      \
            __typeof__(*(arr)) item_ = NULL;                    \
            if ((__VA_ARGS__) < 0) {                            \
                freefn(item_);                                  \
                if (qvXMLCollectUnsupported(nodes_[i_]))        \
                    continue;                                   \
                return -1;                                      \
            }                                                   \
            APPEND(arr, n, item_);                              \
        }                                                       \
    } while (0)

static int domainParseDevices(xmlNodePtr root, domainDef *def, unsigned int flags)
{
    xmlNodePtr devices = qvXMLChild(root, "devices");
    g_autofree xmlNodePtr *balloons = NULL;
    g_autofree xmlNodePtr *videos = NULL;
    size_t n, i;

    def->memballoon = -1;
    if (!devices)
        return 0;
    def->emulator = qvXMLChildText(devices, "emulator");
    if (def->emulator && !g_path_is_absolute(def->emulator)) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, qvXMLChild(devices, "emulator"),
                             _("emulator '%s' must be an absolute path"), def->emulator);
        return -1;
    }

    PARSE_DEVICES("disk", def->disks, def->ndisks, domainDiskDefFree,
                  domainParseDisk(nodes_[i_], &item_));
    PARSE_DEVICES("controller", def->controllers, def->ncontrollers, g_free,
                  domainParseController(nodes_[i_], &item_));
    PARSE_DEVICES("interface", def->nets, def->nnets, g_free, domainParseNet(nodes_[i_], &item_));
    PARSE_DEVICES("serial", def->serials, def->nserials, domainChrDefFree,
                  domainParseChr(nodes_[i_], DOMAIN_CHR_DEVICE_SERIAL, flags, &item_));
    PARSE_DEVICES("console", def->consoles, def->nconsoles, domainChrDefFree,
                  domainParseChr(nodes_[i_], DOMAIN_CHR_DEVICE_CONSOLE, flags, &item_));
    PARSE_DEVICES("channel", def->channels, def->nchannels, domainChrDefFree,
                  domainParseChr(nodes_[i_], DOMAIN_CHR_DEVICE_CHANNEL, flags, &item_));
    PARSE_DEVICES("input", def->inputs, def->ninputs, g_free, domainParseInput(nodes_[i_], &item_));
    PARSE_DEVICES("graphics", def->graphics, def->ngraphics, domainGraphicsDefFree,
                  domainParseGraphics(nodes_[i_], &item_));
    PARSE_DEVICES("rng", def->rngs, def->nrngs, domainRNGDefFree,
                  domainParseRNG(nodes_[i_], &item_));

    n = qvXMLChildren(devices, "video", &videos);
    def->videos = g_new0(int, n);
    for (i = 0; i < n; i++) {
        if (domainParseVideo(videos[i], &def->videos[def->nvideos]) < 0) {
            if (qvXMLCollectUnsupported(videos[i]))
                continue;
            return -1;
        }
        def->nvideos++;
    }

    n = qvXMLChildren(devices, "memballoon", &balloons);
    if (n > 1) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, balloons[1], "%s",
                             _("only one <memballoon> is allowed"));
        return -1;
    }
    if (n == 1) {
        if (qvXMLPropEnum(balloons[0], "model", ENUM(domainMemballoonModel), QV_XML_REQUIRED,
                          &def->memballoon) < 0 &&
            !qvXMLCollectUnsupported(balloons[0]))
            return -1;
        domainParseIgnoreAlias(balloons[0]);
    }
    return 0;
}

/* Defaults that libvirt also fills in, so that the stored definition says what runs. */
static void domainDefPostParse(domainDef *def)
{
    size_t i, j;

    if (qvUUIDIsNull(def->uuid))
        qvUUIDGenerate(def->uuid);
    if (!def->curMemory)
        def->curMemory = def->memory;
    if (!def->os.machine)
        def->os.machine = g_strdup("pc");
    if (!def->os.kernel && !def->os.nBootDevs) {
        bool perDevice = false;

        for (i = 0; i < def->ndisks; i++)
            perDevice |= def->disks[i]->bootIndex > 0;
        for (i = 0; i < def->nnets; i++)
            perDevice |= def->nets[i]->bootIndex > 0;
        if (!perDevice)
            def->os.bootDevs[def->os.nBootDevs++] = DOMAIN_BOOT_HD;
    }

    for (i = 0; i < def->nnets; i++) {
        static const unsigned char zero[6] = { 0 };

        if (memcmp(def->nets[i]->mac, zero, 6) == 0)
            domainMacGenerate(def->nets[i]->mac);
    }

    /* serial ports without a number take the lowest free one */
    for (i = 0; i < def->nserials; i++) {
        int port = 0;

        if (def->serials[i]->targetPort >= 0)
            continue;
        for (j = 0; j < def->nserials; j++) {
            if (def->serials[j]->targetPort == port) {
                port++;
                j = (size_t)-1;
            }
        }
        def->serials[i]->targetPort = port;
    }
    /* a console on the serial port is the first serial port; create it if missing */
    for (i = 0; i < def->nconsoles; i++) {
        domainChrDef *con = def->consoles[i];

        if (con->targetPort < 0)
            con->targetPort = 0;
        if (con->targetPort == 0 && def->nserials == 0) {
            domainChrDef *serial = g_new0(domainChrDef, 1);

            serial->deviceType = DOMAIN_CHR_DEVICE_SERIAL;
            serial->source = con->source;
            serial->source.path = g_strdup(con->source.path);
            serial->targetPort = 0;
            APPEND(def->serials, def->nserials, serial);
        }
    }

    /* virtio-serial ports without an address take the lowest free one, from 1 */
    for (i = 0; i < def->nchannels; i++) {
        unsigned int port = 1;

        if (def->channels[i]->vsPort)
            continue;
        for (j = 0; j < def->nchannels; j++) {
            if (def->channels[j]->vsPort == port) {
                port++;
                j = (size_t)-1;
            }
        }
        def->channels[i]->vsPort = port;
    }

    if (def->memballoon < 0)
        def->memballoon = DOMAIN_MEMBALLOON_VIRTIO;
    for (i = 0; i < def->ngraphics; i++) {
        if (!def->graphics[i]->listen)
            def->graphics[i]->listen = g_strdup("127.0.0.1");
    }
    if (def->ngraphics && !def->nvideos) {
        def->videos = g_new0(int, 1);
        def->videos[def->nvideos++] = DOMAIN_VIDEO_VGA;
    }
}

/* A section whose parse failed on something unsupported joins the final list. */
static int domainParseSection(xmlNodePtr root, const char *name, int rc)
{
    xmlNodePtr node;

    if (rc >= 0)
        return 0;
    if ((node = qvXMLChild(root, name)) && qvXMLCollectUnsupported(node))
        return 0;
    return -1;
}

static domainDef *domainDefParseNodeInternal(xmlNodePtr root, unsigned int flags)
{
    g_autoptr(domainDef) def = g_new0(domainDef, 1);

    if (!xmlStrEqual(root->name, (const xmlChar *)"domain") || root->ns) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, root,
                             _("expected root element <domain>, found <%s>"),
                             (const char *)root->name);
        return NULL;
    }
    qvXMLMarkConsumed(root);
    def->onPoweroff = DOMAIN_LIFECYCLE_DESTROY;
    def->onReboot = DOMAIN_LIFECYCLE_RESTART;
    def->onCrash = DOMAIN_LIFECYCLE_DESTROY;

    if (domainParseGeneral(root, def, flags) < 0 ||
        domainParseSection(root, "memory", domainParseMemoryAndVCPU(root, def)) < 0 ||
        domainParseSection(root, "os", domainParseOS(root, def)) < 0 ||
        domainParseSection(root, "features", domainParseFeatures(root, def)) < 0 ||
        domainParseSection(root, "cpu", domainParseCPU(root, def)) < 0 ||
        domainParseSection(root, "clock", domainParseClock(root, def)) < 0 ||
        domainParseSection(root, "on_poweroff",
                           domainParseEnumText(root, "on_poweroff", ENUM(domainLifecycleAction),
                                               &def->onPoweroff)) < 0 ||
        domainParseSection(root, "on_reboot",
                           domainParseEnumText(root, "on_reboot", ENUM(domainLifecycleAction),
                                               &def->onReboot)) < 0 ||
        domainParseSection(root, "on_crash",
                           domainParseEnumText(root, "on_crash", ENUM(domainLifecycleAction),
                                               &def->onCrash)) < 0 ||
        domainParseSection(root, "pm", domainParsePM(root, def)) < 0 ||
        domainParseDevices(root, def, flags) < 0)
        return NULL;

    if (qvXMLReportUnconsumed(root) < 0)
        return NULL;
    if (!(flags & DOMAIN_DEF_PARSE_SKIP_SCHEMA)) {
        g_autofree char *schema = domainDefSchemaPath();

        if (qvXMLValidate(root->doc, schema) < 0)
            return NULL;
    }
    domainDefPostParse(def);
    if (domainDefValidate(def) < 0)
        return NULL;
    return g_steal_pointer(&def);
}

domainDef *domainDefParseNode(xmlNodePtr root, unsigned int flags)
{
    domainDef *def;

    qvXMLCollectBegin();
    def = domainDefParseNodeInternal(root, flags);
    qvXMLCollectEnd();
    return def;
}

domainDef *domainDefParseString(const char *xml, const char *url, unsigned int flags)
{
    g_autoptr(xmlDoc) doc = NULL;

    if (!(doc = qvXMLParseString(xml, url, QV_XML_MAX_BYTES)))
        return NULL;
    return domainDefParseNode(xmlDocGetRootElement(doc), flags);
}
