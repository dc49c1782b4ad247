/* qemu_command.c: the QEMU command line for a domain, item by item, in a stable order. */
#include <config.h>

#include "qemu_command.h"
#include "qverror.h"
#include "qvjson.h"
#include "qvuuid.h"

#define QV_FROM_THIS QV_FROM_QEMU

void qemuCommandFree(qemuCommand *cmd)
{
    if (!cmd)
        return;
    g_ptr_array_free(cmd->env, TRUE);
    g_ptr_array_free(cmd->argv, TRUE);
    if (cmd->files)
        g_array_free(cmd->files, TRUE);
    g_free(cmd);
}

void qemuBufferEscapeComma(GString *buf, const char *str)
{
    for (; *str; str++) {
        if (*str == ',')
            g_string_append_c(buf, ',');
        g_string_append_c(buf, *str);
    }
}

static void qemuArg(qemuCommand *cmd, const char *arg)
{
    g_ptr_array_add(cmd->argv, g_strdup(arg));
}

static void qemuArgPair(qemuCommand *cmd, const char *opt, const char *val)
{
    qemuArg(cmd, opt);
    qemuArg(cmd, val);
}

static void qemuArgPairTake(qemuCommand *cmd, const char *opt, char *val)
{
    qemuArg(cmd, opt);
    g_ptr_array_add(cmd->argv, val);
}

/* -device/-blockdev/-object in JSON syntax: no comma escaping, typed values. */
static void qemuArgJSON(qemuCommand *cmd, const char *opt, qvJSONValue *props)
{
    qemuArgPairTake(cmd, opt, qvJSONFormat(props, false));
    qvJSONFree(props);
}

char *qemuDiskDeviceAlias(const domainDiskDef *disk)
{
    int idx = domainDiskNameToIndex(disk->dst);

    switch ((domainDiskBus)disk->bus) {
    case DOMAIN_DISK_BUS_SATA:
        return g_strdup_printf("sata0-0-%d", idx);
    case DOMAIN_DISK_BUS_SCSI:
        return g_strdup_printf("scsi0-0-0-%d", idx);
    case DOMAIN_DISK_BUS_VIRTIO:
    case DOMAIN_DISK_BUS_LAST:
    default:
        return g_strdup_printf("virtio-disk%d", idx);
    }
}

char *qemuChannelAlias(size_t idx)
{
    return g_strdup_printf("channel%zu", idx);
}

static bool qemuDefHasTimer(const domainDef *def, int name, domainTimerDef **timer)
{
    size_t i;

    for (i = 0; i < def->ntimers; i++) {
        if (def->timers[i].name == name) {
            *timer = &def->timers[i];
            return true;
        }
    }
    return false;
}

static void qemuBuildMachine(qemuCommand *cmd, const domainDef *def)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    domainTimerDef *timer;

    qemuBufferEscapeComma(buf, def->os.machine);
    g_string_append(buf, ",usb=off,dump-guest-core=off");
    g_string_append_printf(buf, ",acpi=%s", def->features.acpi ? "on" : "off");
    if (def->features.vmport)
        g_string_append_printf(buf, ",vmport=%s",
                               domainTristateSwitchTypeToString(def->features.vmport));
    if (qemuDefHasTimer(def, DOMAIN_TIMER_HPET, &timer) && timer->present)
        g_string_append_printf(buf, ",hpet=%s",
                               timer->present == DOMAIN_TRISTATE_ON ? "on" : "off");
    if (qemuDefHasTimer(def, DOMAIN_TIMER_PIT, &timer) && timer->present)
        g_string_append_printf(buf, ",pit=%s", timer->present == DOMAIN_TRISTATE_ON ? "on" : "off");
    qemuArgPair(cmd, "-machine", buf->str);
    qemuArgPair(cmd, "-accel", def->virtType == DOMAIN_VIRT_KVM ? "kvm" : "tcg");
}

static void qemuBuildCPU(qemuCommand *cmd, const domainDef *def)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    unsigned int sockets = def->cpu.sockets ? def->cpu.sockets : def->maxvcpus;
    unsigned int dies = def->cpu.sockets ? def->cpu.dies : 1;
    unsigned int cores = def->cpu.sockets ? def->cpu.cores : 1;
    unsigned int threads = def->cpu.sockets ? def->cpu.threads : 1;

    switch ((domainCPUMode)def->cpu.mode) {
    case DOMAIN_CPU_MODE_HOST_PASSTHROUGH:
        g_string_append(buf, "host");
        if (def->cpu.migratable)
            g_string_append_printf(buf, ",migratable=%s",
                                   def->cpu.migratable == DOMAIN_TRISTATE_ON ? "on" : "off");
        break;
    case DOMAIN_CPU_MODE_MAXIMUM:
        g_string_append(buf, "max");
        break;
    case DOMAIN_CPU_MODE_CUSTOM:
        qemuBufferEscapeComma(buf, def->cpu.model);
        break;
    case DOMAIN_CPU_MODE_DEFAULT:
    case DOMAIN_CPU_MODE_LAST:
    default:
        break;
    }
    if (buf->len)
        qemuArgPair(cmd, "-cpu", buf->str);

    /* QEMU wants RAM in whole MiB: round up, as libvirt does */
    qemuArgPairTake(cmd, "-m", g_strdup_printf("size=%lluk", (def->memory + 1023) / 1024 * 1024));
    qemuArgPairTake(cmd, "-smp",
                    g_strdup_printf("%u,maxcpus=%u,sockets=%u,dies=%u,cores=%u,threads=%u",
                                    def->vcpus, def->maxvcpus, sockets, dies, cores, threads));
}

static void qemuBuildSocketChardev(GString *buf, const char *id, const char *path, bool listen)
{
    g_string_append_printf(buf, "socket,id=%s,path=", id);
    qemuBufferEscapeComma(buf, path);
    if (listen)
        g_string_append(buf, ",server=on,wait=off");
}

static void qemuBuildMonitor(qemuCommand *cmd, const qemuDriverConfig *cfg, const domainDef *def)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    g_autofree char *path = qemuDomainMonitorPath(cfg, def);

    qemuBuildSocketChardev(buf, "charmonitor", path, true);
    qemuArgPair(cmd, "-chardev", buf->str);
    qemuArgPair(cmd, "-mon", "chardev=charmonitor,id=monitor,mode=control");
}

static int qemuBuildClockAndBoot(qemuCommand *cmd, const domainDef *def)
{
    g_autoptr(GString) rtc = g_string_new(NULL);
    domainTimerDef *timer;
    size_t i;

    g_string_append_printf(rtc, "base=%s", domainClockOffsetTypeToString(def->clockOffset));
    if (qemuDefHasTimer(def, DOMAIN_TIMER_RTC, &timer) &&
        timer->tickpolicy == DOMAIN_TICKPOLICY_CATCHUP)
        g_string_append(rtc, ",driftfix=slew");
    qemuArgPair(cmd, "-rtc", rtc->str);

    if (qemuDefHasTimer(def, DOMAIN_TIMER_PIT, &timer) && timer->tickpolicy) {
        if (def->virtType == DOMAIN_VIRT_KVM) {
            qemuArgPairTake(cmd, "-global",
                            g_strdup_printf("kvm-pit.lost_tick_policy=%s",
                                            domainTickPolicyTypeToString(timer->tickpolicy)));
        } else if (timer->tickpolicy != DOMAIN_TICKPOLICY_DELAY) {
            /* TCG's PIT always delivers late ticks late ("delay"); nothing else exists */
            qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                          _("timer 'pit' tickpolicy '%s' needs <domain type='kvm'>; QEMU's "
                            "emulated PIT only supports 'delay'"),
                          domainTickPolicyTypeToString(timer->tickpolicy));
            return -1;
        }
    }

    if (def->pm.suspendToMem || def->pm.suspendToDisk) {
        const char *dev = domainDefIsQ35(def) ? "ICH9-LPC" : "PIIX4_PM";

        if (def->pm.suspendToMem)
            qemuArgPairTake(cmd, "-global",
                            g_strdup_printf("%s.disable_s3=%d", dev,
                                            def->pm.suspendToMem == DOMAIN_TRISTATE_OFF));
        if (def->pm.suspendToDisk)
            qemuArgPairTake(cmd, "-global",
                            g_strdup_printf("%s.disable_s4=%d", dev,
                                            def->pm.suspendToDisk == DOMAIN_TRISTATE_OFF));
    }

    /* the guest powering off pauses QEMU; qvirt decides what happens next */
    qemuArg(cmd, "-no-shutdown");
    if (def->onReboot == DOMAIN_LIFECYCLE_DESTROY)
        qemuArg(cmd, "-no-reboot");

    {
        g_autoptr(GString) boot = g_string_new(NULL);
        static const char letters[] = { 'c', 'd', 'n' };

        if (def->os.nBootDevs) {
            g_string_append(boot, "order=");
            for (i = 0; i < def->os.nBootDevs; i++)
                g_string_append_c(boot, letters[def->os.bootDevs[i]]);
            g_string_append_c(boot, ',');
        }
        if (def->os.bootMenu)
            g_string_append_printf(boot, "menu=%s,",
                                   def->os.bootMenu == DOMAIN_TRISTATE_ON ? "on" : "off");
        g_string_append(boot, "strict=on");
        qemuArgPair(cmd, "-boot", boot->str);
    }
    if (def->os.kernel)
        qemuArgPair(cmd, "-kernel", def->os.kernel);
    if (def->os.initrd)
        qemuArgPair(cmd, "-initrd", def->os.initrd);
    if (def->os.cmdline)
        qemuArgPair(cmd, "-append", def->os.cmdline);
    return 0;
}

static bool qemuDefHasController(const domainDef *def, int type)
{
    size_t i;

    for (i = 0; i < def->ncontrollers; i++) {
        if (def->controllers[i]->type == type)
            return true;
    }
    return false;
}

static bool qemuDefHasDiskOnBus(const domainDef *def, int bus)
{
    size_t i;

    for (i = 0; i < def->ndisks; i++) {
        if (def->disks[i]->bus == bus)
            return true;
    }
    return false;
}

static void qemuBuildControllers(qemuCommand *cmd, const domainDef *def)
{
    /* q35 has its SATA controller built in, as "ide" */
    if (!domainDefIsQ35(def) && (qemuDefHasDiskOnBus(def, DOMAIN_DISK_BUS_SATA) ||
                                 qemuDefHasController(def, DOMAIN_CONTROLLER_SATA))) {
        g_autoptr(qvJSONValue) dev = qvJSONNewObject();

        qvJSONObjectAdd(dev, "s:driver", "ich9-ahci", "s:id", "sata0", NULL);
        qemuArgJSON(cmd, "-device", g_steal_pointer(&dev));
    }
    if (qemuDefHasDiskOnBus(def, DOMAIN_DISK_BUS_SCSI) ||
        qemuDefHasController(def, DOMAIN_CONTROLLER_SCSI)) {
        g_autoptr(qvJSONValue) dev = qvJSONNewObject();

        qvJSONObjectAdd(dev, "s:driver", "virtio-scsi-pci", "s:id", "scsi0", NULL);
        qemuArgJSON(cmd, "-device", g_steal_pointer(&dev));
    }
    if (def->nchannels || qemuDefHasController(def, DOMAIN_CONTROLLER_VIRTIO_SERIAL)) {
        g_autoptr(qvJSONValue) dev = qvJSONNewObject();

        qvJSONObjectAdd(dev, "s:driver", "virtio-serial-pci", "s:id", "virtio-serial0", NULL);
        qemuArgJSON(cmd, "-device", g_steal_pointer(&dev));
    }
}

static qvJSONValue *qemuBlockCacheProps(const domainDiskDef *disk)
{
    bool direct = false, noflush = false;
    qvJSONValue *cache;

    switch ((domainDiskCache)disk->cache) {
    case DOMAIN_DISK_CACHE_NONE:
    case DOMAIN_DISK_CACHE_DIRECTSYNC:
        direct = true;
        break;
    case DOMAIN_DISK_CACHE_UNSAFE:
        noflush = true;
        break;
    case DOMAIN_DISK_CACHE_WRITETHROUGH:
    case DOMAIN_DISK_CACHE_WRITEBACK:
        break;
    case DOMAIN_DISK_CACHE_DEFAULT:
    case DOMAIN_DISK_CACHE_LAST:
    default:
        return NULL;
    }
    cache = qvJSONNewObject();
    qvJSONObjectAdd(cache, "b:direct", direct, "b:no-flush", noflush, NULL);
    return cache;
}

qvJSONValue *qemuBlockStorageProps(const domainDiskDef *disk, const domainStorageSource *src,
                                   const char *node)
{
    qvJSONValue *file = qvJSONNewObject();
    const char *driver = "file";

    if (src->type == DOMAIN_DISK_TYPE_BLOCK)
        driver = disk->device == DOMAIN_DISK_DEVICE_CDROM ? "host_cdrom" : "host_device";
    qvJSONObjectAdd(file, "s:driver", driver, "s:filename", src->path, "s:node-name", node,
                    "b:auto-read-only", true, "S:discard",
                    disk->discard == DOMAIN_DISK_DISCARD_UNMAP ? "unmap" : NULL, "S:aio",
                    disk->io ? domainDiskIOTypeToString(disk->io) : NULL, "A:cache",
                    qemuBlockCacheProps(disk), NULL);
    return file;
}

qvJSONValue *qemuBlockFormatProps(const domainDiskDef *disk, const domainStorageSource *src,
                                  const char *node, const char *storage, bool top)
{
    qvJSONValue *fmt = qvJSONNewObject();

    qvJSONObjectAdd(fmt, "s:node-name", node, "b:read-only", !top || disk->readonly, "S:discard",
                    disk->discard == DOMAIN_DISK_DISCARD_UNMAP ? "unmap" : NULL, "A:cache",
                    qemuBlockCacheProps(disk), "s:driver",
                    domainDiskFormatTypeToString(src->format), "s:file", storage, NULL);
    return fmt;
}

/* Emit the chain bottom-up (QEMU needs a backing node before the node using it);
 * returns the format node name of src. */
static char *qemuBuildBlockChain(qemuCommand *cmd, const domainDiskDef *disk, size_t diskIdx,
                                 const domainStorageSource *src, unsigned int layer)
{
    g_autofree char *storage = g_strdup_printf("qv-d%zu-l%u-storage", diskIdx, layer);
    char *format = g_strdup_printf("qv-d%zu-l%u-format", diskIdx, layer);
    g_autofree char *backing = NULL;
    g_autoptr(qvJSONValue) fmt = NULL;

    if (src->backing)
        backing = qemuBuildBlockChain(cmd, disk, diskIdx, src->backing, layer + 1);

    qemuArgJSON(cmd, "-blockdev", qemuBlockStorageProps(disk, src, storage));
    fmt = qemuBlockFormatProps(disk, src, format, storage, layer == 0);
    if (backing)
        qvJSONObjectAdd(fmt, "s:backing", backing, NULL);
    else if (src->backingKnown && src->format == DOMAIN_DISK_FORMAT_QCOW2)
        qvJSONObjectAppend(fmt, "backing", qvJSONNewNull());
    qemuArgJSON(cmd, "-blockdev", g_steal_pointer(&fmt));
    return format;
}

static int qemuBuildDisk(qemuCommand *cmd, const domainDef *def, size_t diskIdx)
{
    const domainDiskDef *disk = def->disks[diskIdx];
    g_autoptr(qvJSONValue) dev = qvJSONNewObject();
    g_autofree char *alias = qemuDiskDeviceAlias(disk);
    g_autofree char *top = NULL;
    bool cdrom = disk->device == DOMAIN_DISK_DEVICE_CDROM;
    int unit = domainDiskNameToIndex(disk->dst);
    const char *writeCache = NULL;

    if (disk->readonly && !cdrom && disk->bus == DOMAIN_DISK_BUS_SATA) {
        qvReportError(
            QV_ERR_CONFIG_UNSUPPORTED,
            _("disk '%s': QEMU cannot make a read-only SATA hard disk; use virtio or scsi"),
            disk->dst);
        return -1;
    }
    if (disk->src->path)
        top = qemuBuildBlockChain(cmd, disk, diskIdx, disk->src, 0);

    switch ((domainDiskCache)disk->cache) {
    case DOMAIN_DISK_CACHE_WRITETHROUGH:
    case DOMAIN_DISK_CACHE_DIRECTSYNC:
        writeCache = "off";
        break;
    case DOMAIN_DISK_CACHE_NONE:
    case DOMAIN_DISK_CACHE_WRITEBACK:
    case DOMAIN_DISK_CACHE_UNSAFE:
        writeCache = "on";
        break;
    case DOMAIN_DISK_CACHE_DEFAULT:
    case DOMAIN_DISK_CACHE_LAST:
    default:
        break;
    }

    switch ((domainDiskBus)disk->bus) {
    case DOMAIN_DISK_BUS_SATA: {
        g_autofree char *bus =
            g_strdup_printf("%s.%d", domainDefIsQ35(def) ? "ide" : "sata0", unit);

        qvJSONObjectAdd(dev, "s:driver", cdrom ? "ide-cd" : "ide-hd", "s:bus", bus, NULL);
        break;
    }
    case DOMAIN_DISK_BUS_SCSI:
        qvJSONObjectAdd(dev, "s:driver", cdrom ? "scsi-cd" : "scsi-hd", "s:bus", "scsi0.0",
                        "i:channel", 0, "i:scsi-id", 0, "i:lun", unit, NULL);
        break;
    case DOMAIN_DISK_BUS_VIRTIO:
    case DOMAIN_DISK_BUS_LAST:
    default:
        qvJSONObjectAdd(dev, "s:driver", "virtio-blk-pci", NULL);
        break;
    }
    qvJSONObjectAdd(dev, "S:drive", top, "s:id", alias, "p:bootindex", disk->bootIndex, "S:serial",
                    disk->serial, "S:write-cache", writeCache, NULL);
    qemuArgJSON(cmd, "-device", g_steal_pointer(&dev));
    return 0;
}

static void qemuBuildNets(qemuCommand *cmd, const domainDef *def)
{
    static const char *const drivers[] = { "virtio-net-pci", "e1000", "e1000e", "rtl8139" };
    size_t i;

    for (i = 0; i < def->nnets; i++) {
        const domainNetDef *net = def->nets[i];
        g_autoptr(qvJSONValue) dev = qvJSONNewObject();
        g_autofree char *netdev = g_strdup_printf("hostnet%zu", i);
        g_autofree char *id = g_strdup_printf("net%zu", i);
        char mac[18];

        domainMacFormat(net->mac, mac);
        qemuArgPairTake(cmd, "-netdev", g_strdup_printf("user,id=%s", netdev));
        qvJSONObjectAdd(dev, "s:driver", drivers[net->model], "s:netdev", netdev, "s:id", id,
                        "s:mac", mac, "p:bootindex", net->bootIndex, NULL);
        qemuArgJSON(cmd, "-device", g_steal_pointer(&dev));
    }
}

static void qemuBuildChardev(qemuCommand *cmd, const char *id, const domainChrSourceDef *src)
{
    g_autoptr(GString) buf = g_string_new(NULL);

    switch ((domainChrType)src->type) {
    case DOMAIN_CHR_TYPE_PTY:
        g_string_append_printf(buf, "pty,id=%s", id);
        break;
    case DOMAIN_CHR_TYPE_FILE: {
        /* opened by qvirt (never through a symbolic link, 0600), handed over as an fd set */
        qemuLaunchFile f = { g_strdup(src->path), QEMU_COMMAND_FIRST_FD + (int)cmd->files->len,
                             src->append == DOMAIN_TRISTATE_ON };
        guint set = cmd->files->len + 1;

        g_autoptr(GString) addfd = g_string_new(NULL);

        g_array_append_val(cmd->files, f);
        /* the opaque names the file: query-fdsets (and a reader of the command) sees it */
        g_string_append_printf(addfd, "fd=%d,set=%u,opaque=%s:", f.fd, set, id);
        qemuBufferEscapeComma(addfd, src->path);
        qemuArgPair(cmd, "-add-fd", addfd->str);
        g_string_append_printf(buf, "file,id=%s,path=/dev/fdset/%u", id, set);
        if (src->append)
            g_string_append_printf(buf, ",append=%s",
                                   src->append == DOMAIN_TRISTATE_ON ? "on" : "off");
        break;
    }
    case DOMAIN_CHR_TYPE_UNIX:
    case DOMAIN_CHR_TYPE_LAST:
    default:
        qemuBuildSocketChardev(buf, id, src->path, src->listen);
        break;
    }
    qemuArgPair(cmd, "-chardev", buf->str);
}

static void qemuBuildSerials(qemuCommand *cmd, const domainDef *def)
{
    size_t i;

    for (i = 0; i < def->nserials; i++) {
        const domainChrDef *chr = def->serials[i];
        g_autoptr(qvJSONValue) dev = qvJSONNewObject();
        g_autofree char *chardev = g_strdup_printf("charserial%d", chr->targetPort);
        g_autofree char *id = g_strdup_printf("serial%d", chr->targetPort);

        qemuBuildChardev(cmd, chardev, &chr->source);
        qvJSONObjectAdd(dev, "s:driver", "isa-serial", "s:chardev", chardev, "s:id", id, "i:index",
                        chr->targetPort, NULL);
        qemuArgJSON(cmd, "-device", g_steal_pointer(&dev));
    }
}

static void qemuBuildChannels(qemuCommand *cmd, const domainDef *def)
{
    size_t i;

    for (i = 0; i < def->nchannels; i++) {
        const domainChrDef *chr = def->channels[i];
        g_autoptr(qvJSONValue) dev = qvJSONNewObject();
        g_autofree char *alias = qemuChannelAlias(i);
        g_autofree char *chardev = g_strdup_printf("char%s", alias);

        qemuBuildChardev(cmd, chardev, &chr->source);
        /* a stable id: QEMU reports VSERPORT_CHANGE only for ports that have one */
        qvJSONObjectAdd(dev, "s:driver", "virtserialport", "s:bus", "virtio-serial0.0", "u:nr",
                        chr->vsPort, "s:chardev", chardev, "s:id", alias, "S:name", chr->targetName,
                        NULL);
        qemuArgJSON(cmd, "-device", g_steal_pointer(&dev));
    }
}

static void qemuBuildGraphicsAndVideo(qemuCommand *cmd, const domainDef *def)
{
    static const char *const videoDrivers[] = { "VGA", "virtio-vga", "cirrus-vga", "bochs-display",
                                                NULL };
    size_t i;

    for (i = 0; i < def->ngraphics; i++) {
        const domainGraphicsDef *gr = def->graphics[i];
        g_autoptr(GString) buf = g_string_new(NULL);
        bool v6 = strchr(gr->listen, ':') != NULL;

        g_string_append_printf(buf, "%s%s%s:%d", v6 ? "[" : "", gr->listen, v6 ? "]" : "",
                               gr->port == -1 ? 0 : gr->port - 5900);
        /* automatic port: QEMU takes the first free display from 5900 on */
        if (gr->port == -1)
            g_string_append(buf, ",to=99");
        qemuArgPair(cmd, "-vnc", buf->str);
    }
    for (i = 0; i < def->nvideos; i++) {
        g_autoptr(qvJSONValue) dev = NULL;
        g_autofree char *id = g_strdup_printf("video%zu", i);

        if (!videoDrivers[def->videos[i]])
            continue;
        dev = qvJSONNewObject();
        qvJSONObjectAdd(dev, "s:driver", videoDrivers[def->videos[i]], "s:id", id, NULL);
        qemuArgJSON(cmd, "-device", g_steal_pointer(&dev));
    }
    qemuArgPair(cmd, "-display", "none");
}

static void qemuBuildMiscDevices(qemuCommand *cmd, const domainDef *def)
{
    size_t i;

    if (def->memballoon == DOMAIN_MEMBALLOON_VIRTIO) {
        g_autoptr(qvJSONValue) dev = qvJSONNewObject();

        qvJSONObjectAdd(dev, "s:driver", "virtio-balloon-pci", "s:id", "balloon0", NULL);
        qemuArgJSON(cmd, "-device", g_steal_pointer(&dev));
    }
    for (i = 0; i < def->nrngs; i++) {
        const domainRNGDef *rng = def->rngs[i];
        g_autoptr(qvJSONValue) obj = qvJSONNewObject();
        g_autoptr(qvJSONValue) dev = qvJSONNewObject();
        g_autofree char *objId = g_strdup_printf("objrng%zu", i);
        g_autofree char *id = g_strdup_printf("rng%zu", i);

        if (rng->backend == DOMAIN_RNG_BACKEND_RANDOM)
            qvJSONObjectAdd(obj, "s:qom-type", "rng-random", "s:id", objId, "s:filename",
                            rng->source, NULL);
        else
            qvJSONObjectAdd(obj, "s:qom-type", "rng-builtin", "s:id", objId, NULL);
        qemuArgJSON(cmd, "-object", g_steal_pointer(&obj));
        qvJSONObjectAdd(dev, "s:driver", "virtio-rng-pci", "s:rng", objId, "s:id", id, NULL);
        qemuArgJSON(cmd, "-device", g_steal_pointer(&dev));
    }
}

static int qemuCheckControllers(const domainDef *def)
{
    size_t i;

    for (i = 0; i < def->ncontrollers; i++) {
        const domainControllerDef *c = def->controllers[i];

        if (c->type != DOMAIN_CONTROLLER_PCI)
            continue;
        if ((c->model == DOMAIN_CONTROLLER_MODEL_PCIE_ROOT) != domainDefIsQ35(def)) {
            qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                          _("controller model '%s' does not match machine type '%s' (q35 machines "
                            "have 'pcie-root', pc machines 'pci-root')"),
                          domainControllerModelTypeToString(c->model), def->os.machine);
            return -1;
        }
    }
    return 0;
}

qemuCommand *qemuBuildCommandLine(const qemuDriverConfig *cfg, const domainDef *def)
{
    g_autoptr(qemuCommand) cmd = g_new0(qemuCommand, 1);
    g_autofree char *home = qemuDomainHomeDir(cfg, def);
    g_autoptr(GString) name = g_string_new("guest=");
    char uuid[QV_UUID_STRING_BUFLEN];
    size_t i;

    cmd->env = g_ptr_array_new_with_free_func(g_free);
    cmd->argv = g_ptr_array_new_with_free_func(g_free);
    cmd->files = g_array_new(FALSE, TRUE, sizeof(qemuLaunchFile));
    g_array_set_clear_func(cmd->files, (GDestroyNotify)qemuLaunchFileClear);
    if (qemuCheckControllers(def) < 0)
        return NULL;

    /* a small, fixed environment: nothing of the caller's leaks into QEMU */
    g_ptr_array_add(cmd->env, g_strdup("LC_ALL=C"));
    g_ptr_array_add(cmd->env,
                    g_strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    g_ptr_array_add(cmd->env, g_strdup_printf("HOME=%s", home));
    g_ptr_array_add(cmd->env, g_strdup_printf("XDG_DATA_HOME=%s/.local/share", home));
    g_ptr_array_add(cmd->env, g_strdup_printf("XDG_CACHE_HOME=%s/.cache", home));
    g_ptr_array_add(cmd->env, g_strdup_printf("XDG_CONFIG_HOME=%s/.config", home));

    qemuArg(cmd, def->emulator ? def->emulator : cfg->defaultEmulator);
    qemuBufferEscapeComma(name, def->name);
    g_string_append(name, ",debug-threads=on");
    qemuArgPair(cmd, "-name", name->str);
    qemuArg(cmd, "-S");
    qemuBuildMachine(cmd, def);
    qemuBuildCPU(cmd, def);
    qemuArgPair(cmd, "-uuid", qvUUIDFormat(def->uuid, uuid));
    qemuArg(cmd, "-no-user-config");
    qemuArg(cmd, "-nodefaults");
    qemuBuildMonitor(cmd, cfg, def);
    if (qemuBuildClockAndBoot(cmd, def) < 0)
        return NULL;
    qemuBuildControllers(cmd, def);
    for (i = 0; i < def->ndisks; i++) {
        if (qemuBuildDisk(cmd, def, i) < 0)
            return NULL;
    }
    qemuBuildNets(cmd, def);
    qemuBuildSerials(cmd, def);
    qemuBuildChannels(cmd, def);
    qemuBuildGraphicsAndVideo(cmd, def);
    qemuBuildMiscDevices(cmd, def);
    qemuArgPair(cmd, "-sandbox",
                "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
    qemuArgPair(cmd, "-msg", "timestamp=on");
    return g_steal_pointer(&cmd);
}

/* Shell-quote only what needs it, so that plain words stay readable. */
static void qemuBufferAddQuoted(GString *buf, const char *word)
{
    if (*word && !strpbrk(word, " '\"\\$`{}[]*?;&|<>()!#~\t\n")) {
        g_string_append(buf, word);
    } else {
        g_autofree char *quoted = g_shell_quote(word);

        g_string_append(buf, quoted);
    }
}

char *qemuCommandToString(const qemuCommand *cmd, bool multiline)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    const char *sep = multiline ? " \\\n" : " ";
    guint i;

    for (i = 0; i < cmd->env->len; i++) {
        qemuBufferAddQuoted(buf, cmd->env->pdata[i]);
        g_string_append(buf, sep);
    }
    for (i = 0; i < cmd->argv->len; i++) {
        const char *arg = cmd->argv->pdata[i];

        qemuBufferAddQuoted(buf, arg);
        /* in the multi-line form, "-opt value" share a line */
        if (multiline && i > 0 && arg[0] == '-' && i + 1 < cmd->argv->len &&
            ((const char *)cmd->argv->pdata[i + 1])[0] != '-') {
            g_string_append_c(buf, ' ');
            qemuBufferAddQuoted(buf, cmd->argv->pdata[++i]);
        }
        if (i + 1 < cmd->argv->len)
            g_string_append(buf, sep);
    }
    g_string_append_c(buf, '\n');
    return g_string_free(g_steal_pointer(&buf), FALSE);
}
