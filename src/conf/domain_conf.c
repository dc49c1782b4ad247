/* domain_conf.c: enum tables, freeing, lookups and semantic checks of domain definitions. */
#include <config.h>

#include <stdio.h>

#include "domain_conf.h"
#include "qverror.h"
#include "qvfile.h"

#define QV_FROM_THIS QV_FROM_DOMAIN

QV_ENUM_IMPL(domainVirt, DOMAIN_VIRT_LAST, "qemu", "kvm");
QV_ENUM_IMPL(domainArch, DOMAIN_ARCH_LAST, "x86_64", "i686");
QV_ENUM_IMPL(domainLifecycleAction, DOMAIN_LIFECYCLE_LAST, "destroy", "restart", "preserve");
QV_ENUM_IMPL(domainBootDev, DOMAIN_BOOT_LAST, "hd", "cdrom", "network");
QV_ENUM_IMPL(domainCPUMode, DOMAIN_CPU_MODE_LAST, "", "custom", "host-passthrough", "maximum");
QV_ENUM_IMPL(domainTristateSwitch, DOMAIN_TRISTATE_LAST, "", "on", "off");
QV_ENUM_IMPL(domainTristateBool, DOMAIN_TRISTATE_LAST, "", "yes", "no");
QV_ENUM_IMPL(domainClockOffset, DOMAIN_CLOCK_OFFSET_LAST, "utc", "localtime");
QV_ENUM_IMPL(domainTimerName, DOMAIN_TIMER_LAST, "rtc", "pit", "hpet");
QV_ENUM_IMPL(domainTickPolicy, DOMAIN_TICKPOLICY_LAST, "", "delay", "catchup", "discard");
QV_ENUM_IMPL(domainDiskType, DOMAIN_DISK_TYPE_LAST, "file", "block");
QV_ENUM_IMPL(domainDiskDevice, DOMAIN_DISK_DEVICE_LAST, "disk", "cdrom");
QV_ENUM_IMPL(domainDiskBus, DOMAIN_DISK_BUS_LAST, "virtio", "sata", "scsi");
QV_ENUM_IMPL(domainDiskFormat, DOMAIN_DISK_FORMAT_LAST, "raw", "qcow2");
QV_ENUM_IMPL(domainDiskCache, DOMAIN_DISK_CACHE_LAST, "default", "none", "writethrough",
             "writeback", "directsync", "unsafe");
QV_ENUM_IMPL(domainDiskIO, DOMAIN_DISK_IO_LAST, "default", "native", "threads", "io_uring");
QV_ENUM_IMPL(domainDiskDiscard, DOMAIN_DISK_DISCARD_LAST, "default", "unmap", "ignore");
QV_ENUM_IMPL(domainControllerType, DOMAIN_CONTROLLER_LAST, "virtio-serial", "scsi", "sata", "pci",
             "usb");
QV_ENUM_IMPL(domainControllerModel, DOMAIN_CONTROLLER_MODEL_LAST, "", "virtio-scsi", "pci-root",
             "pcie-root", "none");
QV_ENUM_IMPL(domainNetModel, DOMAIN_NET_MODEL_LAST, "virtio", "e1000", "e1000e", "rtl8139");
QV_ENUM_IMPL(domainChrType, DOMAIN_CHR_TYPE_LAST, "pty", "file", "unix");
QV_ENUM_IMPL(domainChrState, DOMAIN_CHR_STATE_LAST, "", "connected", "disconnected");
QV_ENUM_IMPL(domainVideoModel, DOMAIN_VIDEO_LAST, "vga", "virtio", "cirrus", "bochs", "none");
QV_ENUM_IMPL(domainMemballoonModel, DOMAIN_MEMBALLOON_LAST, "virtio", "none");
QV_ENUM_IMPL(domainRNGBackend, DOMAIN_RNG_BACKEND_LAST, "random", "builtin");
QV_ENUM_IMPL(domainInputType, DOMAIN_INPUT_LAST, "mouse", "keyboard");

void domainStorageSourceFree(domainStorageSource *src)
{
    while (src) {
        domainStorageSource *next = src->backing;

        g_free(src->path);
        g_free(src);
        src = next;
    }
}

void domainDiskDefFree(domainDiskDef *disk)
{
    if (!disk)
        return;
    g_free(disk->dst);
    domainStorageSourceFree(disk->src);
    g_free(disk->serial);
    g_free(disk);
}

void domainChrDefFree(domainChrDef *chr)
{
    if (!chr)
        return;
    g_free(chr->source.path);
    g_free(chr->targetName);
    g_free(chr);
}

void domainGraphicsDefFree(domainGraphicsDef *gr)
{
    if (!gr)
        return;
    g_free(gr->listen);
    g_free(gr);
}

void domainRNGDefFree(domainRNGDef *rng)
{
    if (!rng)
        return;
    g_free(rng->source);
    g_free(rng);
}

#define FREE_ARRAY(arr, n, freefn)   \
    do {                             \
        size_t i_;                   \
        for (i_ = 0; i_ < (n); i_++) \
            freefn((arr)[i_]);       \
        g_free(arr);                 \
    } while (0)

void domainDefFree(domainDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->title);
    g_free(def->description);
    if (def->metadataDoc)
        xmlFreeDoc(def->metadataDoc);
    g_free(def->os.machine);
    g_free(def->os.kernel);
    g_free(def->os.initrd);
    g_free(def->os.cmdline);
    g_free(def->cpu.model);
    g_free(def->timers);
    g_free(def->emulator);
    FREE_ARRAY(def->disks, def->ndisks, domainDiskDefFree);
    FREE_ARRAY(def->controllers, def->ncontrollers, g_free);
    FREE_ARRAY(def->nets, def->nnets, g_free);
    FREE_ARRAY(def->serials, def->nserials, domainChrDefFree);
    FREE_ARRAY(def->consoles, def->nconsoles, domainChrDefFree);
    FREE_ARRAY(def->channels, def->nchannels, domainChrDefFree);
    FREE_ARRAY(def->inputs, def->ninputs, g_free);
    FREE_ARRAY(def->graphics, def->ngraphics, domainGraphicsDefFree);
    g_free(def->videos);
    FREE_ARRAY(def->rngs, def->nrngs, domainRNGDefFree);
    g_free(def);
}

char *domainDefSchemaPath(void)
{
    return qvFileFindData("schemas/domain.rng");
}

domainDef *domainDefCopy(const domainDef *def)
{
    g_autofree char *xml = domainDefFormat(def, 0);
    domainDef *copy;
    size_t i;

    if (!(copy = domainDefParseString(xml, "(domain_copy)",
                                      DOMAIN_DEF_PARSE_LIVE | DOMAIN_DEF_PARSE_SKIP_SCHEMA)))
        return NULL;
    /* runtime-only parts the XML does not round-trip */
    copy->id = def->id;
    for (i = 0; i < def->nchannels && i < copy->nchannels; i++)
        copy->channels[i]->source.autopath = def->channels[i]->source.autopath;
    return copy;
}

bool domainChrIsAgentChannel(const domainChrDef *chr)
{
    return chr->deviceType == DOMAIN_CHR_DEVICE_CHANNEL &&
           STREQ_NULLABLE(chr->targetName, DOMAIN_AGENT_CHANNEL_NAME);
}

domainChrDef *domainDefFindAgentChannel(const domainDef *def)
{
    size_t i;

    for (i = 0; i < def->nchannels; i++) {
        if (domainChrIsAgentChannel(def->channels[i]))
            return def->channels[i];
    }
    return NULL;
}

int domainDiskNameToIndex(const char *name)
{
    const char *p;
    int idx = 0;

    if (!(STRPREFIX(name, "vd") || STRPREFIX(name, "sd")))
        return -1;
    p = name + 2;
    if (!*p)
        return -1;
    for (; *p; p++) {
        if (*p < 'a' || *p > 'z')
            return -1;
        if (idx > 100000)
            return -1;
        idx = (idx + (p == name + 2 ? 0 : 1)) * 26 + (*p - 'a');
    }
    return idx;
}

bool domainDefIsQ35(const domainDef *def)
{
    return def->os.machine &&
           (STREQ(def->os.machine, "q35") || STRPREFIX(def->os.machine, "pc-q35-"));
}

int domainMacParse(const char *str, unsigned char *mac)
{
    size_t i;

    for (i = 0; i < 6; i++) {
        int hi = g_ascii_xdigit_value(str[0]);
        /* not past the end: "52:54:00:12:34:" and "" end where a digit should be */
        int lo = hi < 0 ? -1 : g_ascii_xdigit_value(str[1]);

        if (hi < 0 || lo < 0)
            return -1;
        mac[i] = (unsigned char)(hi << 4 | lo);
        str += 2;
        if (i < 5) {
            if (*str != ':')
                return -1;
            str++;
        }
    }
    return *str ? -1 : 0;
}

void domainMacFormat(const unsigned char *mac, char *buf)
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

void domainMacGenerate(unsigned char *mac)
{
    guint32 r = g_random_int();

    mac[0] = 0x52;
    mac[1] = 0x54;
    mac[2] = 0x00;
    mac[3] = (unsigned char)(r >> 16);
    mac[4] = (unsigned char)(r >> 8);
    mac[5] = (unsigned char)r;
}

static bool domainNameIsValid(const char *name)
{
    const char *p;

    if (!*name || STREQ(name, ".") || STREQ(name, ".."))
        return false;
    for (p = name; *p; p++) {
        if (*p == '/' || g_ascii_iscntrl(*p))
            return false;
    }
    return g_utf8_validate(name, -1, NULL);
}

static int domainDefValidateDisks(const domainDef *def)
{
    size_t i, j;

    for (i = 0; i < def->ndisks; i++) {
        const domainDiskDef *disk = def->disks[i];
        int idx = domainDiskNameToIndex(disk->dst);

        if (idx < 0) {
            qvReportError(QV_ERR_XML_ERROR,
                          _("disk target '%s' is not a valid disk name (e.g. 'vda', 'sdb')"),
                          disk->dst);
            return -1;
        }
        if ((disk->bus == DOMAIN_DISK_BUS_VIRTIO) != STRPREFIX(disk->dst, "vd")) {
            qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                          _("disk target '%s' does not match bus '%s' (virtio disks are 'vdX', "
                            "sata and scsi disks 'sdX')"),
                          disk->dst, domainDiskBusTypeToString(disk->bus));
            return -1;
        }
        if (disk->bus == DOMAIN_DISK_BUS_SATA && idx >= 6) {
            qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                          _("disk target '%s': a SATA controller has 6 ports ('sda' to 'sdf')"),
                          disk->dst);
            return -1;
        }
        if (disk->device == DOMAIN_DISK_DEVICE_CDROM && disk->bus == DOMAIN_DISK_BUS_VIRTIO) {
            qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                          _("disk '%s': a cdrom cannot be on the virtio bus; use sata or scsi"),
                          disk->dst);
            return -1;
        }
        if (!disk->src->path && disk->device != DOMAIN_DISK_DEVICE_CDROM) {
            qvReportError(QV_ERR_XML_ERROR, _("disk '%s' has no source"), disk->dst);
            return -1;
        }
        for (j = 0; j < i; j++) {
            if (STREQ(def->disks[j]->dst, disk->dst)) {
                qvReportError(QV_ERR_XML_ERROR,
                              _("target '%s' duplicated for disk sources '%s' and '%s'"), disk->dst,
                              NULLSTR(def->disks[j]->src->path), NULLSTR(disk->src->path));
                return -1;
            }
        }
    }
    return 0;
}

static int domainDefValidateChannels(const domainDef *def)
{
    size_t i, j;
    bool haveAgent = false;

    for (i = 0; i < def->nchannels; i++) {
        const domainChrDef *chr = def->channels[i];

        if (chr->source.type == DOMAIN_CHR_TYPE_UNIX && !chr->source.listen && !chr->source.path) {
            qvReportError(QV_ERR_XML_ERROR,
                          _("channel '%s': mode='connect' needs a source path; only mode='bind' "
                            "channels get an automatic path"),
                          NULLSTR(chr->targetName));
            return -1;
        }
        if (domainChrIsAgentChannel(chr)) {
            if (haveAgent) {
                qvReportError(
                    QV_ERR_CONFIG_UNSUPPORTED,
                    _("more than one channel is named '%s'; a domain has one guest agent channel"),
                    DOMAIN_AGENT_CHANNEL_NAME);
                return -1;
            }
            haveAgent = true;
            if (chr->source.type != DOMAIN_CHR_TYPE_UNIX || !chr->source.listen) {
                qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                              _("the guest agent channel '%s' must be <channel type='unix'> with "
                                "<source mode='bind'/>: qvirt connects to it, so QEMU must listen"),
                              DOMAIN_AGENT_CHANNEL_NAME);
                return -1;
            }
        }
        for (j = 0; j < i; j++) {
            if (chr->vsPort && def->channels[j]->vsPort == chr->vsPort) {
                qvReportError(QV_ERR_XML_ERROR, _("virtio-serial port %u is used by two channels"),
                              chr->vsPort);
                return -1;
            }
            if (chr->targetName && STREQ_NULLABLE(def->channels[j]->targetName, chr->targetName)) {
                qvReportError(QV_ERR_XML_ERROR, _("channel name '%s' is used twice"),
                              chr->targetName);
                return -1;
            }
        }
    }
    return 0;
}

static int domainDefValidateBoot(const domainDef *def)
{
    size_t i, j;
    bool perDevice = false;

    for (i = 0; i < def->ndisks; i++)
        perDevice |= def->disks[i]->bootIndex > 0;
    for (i = 0; i < def->nnets; i++)
        perDevice |= def->nets[i]->bootIndex > 0;
    if (perDevice && def->os.nBootDevs) {
        qvReportError(QV_ERR_XML_ERROR, "%s",
                      _("per-device boot elements cannot be used together with os/boot elements"));
        return -1;
    }
    for (i = 0; i < def->ndisks + def->nnets; i++) {
        unsigned int a =
            i < def->ndisks ? def->disks[i]->bootIndex : def->nets[i - def->ndisks]->bootIndex;

        for (j = i + 1; a && j < def->ndisks + def->nnets; j++) {
            unsigned int b =
                j < def->ndisks ? def->disks[j]->bootIndex : def->nets[j - def->ndisks]->bootIndex;

            if (a == b) {
                qvReportError(QV_ERR_XML_ERROR, _("boot order %u is used by more than one device"),
                              a);
                return -1;
            }
        }
    }
    if (def->os.initrd && !def->os.kernel) {
        qvReportError(QV_ERR_XML_ERROR, "%s", _("<initrd> needs <kernel>"));
        return -1;
    }
    if (def->os.cmdline && !def->os.kernel) {
        qvReportError(QV_ERR_XML_ERROR, "%s", _("<cmdline> needs <kernel>"));
        return -1;
    }
    return 0;
}

static int domainDefValidateCPU(const domainDef *def)
{
    unsigned int product;

    if (def->cpu.mode == DOMAIN_CPU_MODE_HOST_PASSTHROUGH && def->virtType != DOMAIN_VIRT_KVM) {
        qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                      _("CPU mode 'host-passthrough' needs <domain type='kvm'>; with type '%s' use "
                        "mode 'maximum' or 'custom'"),
                      domainVirtTypeToString(def->virtType));
        return -1;
    }
    if (def->cpu.mode == DOMAIN_CPU_MODE_CUSTOM && !def->cpu.model) {
        qvReportError(QV_ERR_XML_ERROR, "%s", _("CPU mode 'custom' needs a <model>"));
        return -1;
    }
    if (def->cpu.sockets) {
        product = def->cpu.sockets * def->cpu.dies * def->cpu.cores * def->cpu.threads;
        if (product != def->maxvcpus) {
            qvReportError(QV_ERR_XML_ERROR,
                          _("CPU topology %u sockets x %u dies x %u cores x %u threads = %u does "
                            "not match the maximum vCPU count %u"),
                          def->cpu.sockets, def->cpu.dies, def->cpu.cores, def->cpu.threads,
                          product, def->maxvcpus);
            return -1;
        }
    }
    return 0;
}

static int domainDefValidateTimers(const domainDef *def)
{
    size_t i;

    for (i = 0; i < def->ntimers; i++) {
        const domainTimerDef *t = &def->timers[i];

        if (t->name == DOMAIN_TIMER_RTC && t->tickpolicy == DOMAIN_TICKPOLICY_DISCARD) {
            qvReportError(
                QV_ERR_CONFIG_UNSUPPORTED, "%s",
                _("timer 'rtc': tickpolicy 'discard' is not supported (use 'delay' or 'catchup')"));
            return -1;
        }
        if (t->name == DOMAIN_TIMER_PIT && t->tickpolicy == DOMAIN_TICKPOLICY_CATCHUP) {
            qvReportError(
                QV_ERR_CONFIG_UNSUPPORTED, "%s",
                _("timer 'pit': tickpolicy 'catchup' is not supported (use 'delay' or 'discard')"));
            return -1;
        }
        if (t->name == DOMAIN_TIMER_HPET && t->tickpolicy != DOMAIN_TICKPOLICY_NONE) {
            qvReportError(QV_ERR_CONFIG_UNSUPPORTED, "%s",
                          _("timer 'hpet' does not take a tickpolicy"));
            return -1;
        }
        if (t->name == DOMAIN_TIMER_RTC && t->present == DOMAIN_TRISTATE_OFF) {
            qvReportError(QV_ERR_CONFIG_UNSUPPORTED, "%s",
                          _("timer 'rtc' cannot be removed (present='no')"));
            return -1;
        }
    }
    return 0;
}

int domainDefValidate(const domainDef *def)
{
    size_t i;

    if (!domainNameIsValid(def->name)) {
        qvReportError(QV_ERR_XML_ERROR,
                      _("domain name '%s' is not valid: it must be non-empty UTF-8 without '/' or "
                        "control characters"),
                      def->name);
        return -1;
    }
    if (def->memory == 0) {
        qvReportError(QV_ERR_XML_ERROR, "%s", _("<memory> must be greater than zero"));
        return -1;
    }
    if (def->curMemory > def->memory) {
        qvReportError(QV_ERR_XML_ERROR,
                      _("<currentMemory> (%llu KiB) is larger than <memory> (%llu KiB)"),
                      def->curMemory, def->memory);
        return -1;
    }
    if (def->maxvcpus == 0 || def->maxvcpus > 255) {
        qvReportError(QV_ERR_XML_ERROR, _("<vcpu> must be between 1 and 255, not %u"),
                      def->maxvcpus);
        return -1;
    }
    if (def->vcpus == 0 || def->vcpus > def->maxvcpus) {
        qvReportError(QV_ERR_XML_ERROR,
                      _("the current vCPU count %u must be between 1 and the maximum %u"),
                      def->vcpus, def->maxvcpus);
        return -1;
    }
    if (def->os.machine &&
        !(STREQ(def->os.machine, "pc") || STREQ(def->os.machine, "q35") ||
          STRPREFIX(def->os.machine, "pc-i440fx-") || STRPREFIX(def->os.machine, "pc-q35-"))) {
        qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                      _("machine type '%s' is not supported (supported: 'pc', 'q35', "
                        "'pc-i440fx-*', 'pc-q35-*')"),
                      def->os.machine);
        return -1;
    }
    if (domainDefValidateCPU(def) < 0 || domainDefValidateTimers(def) < 0 ||
        domainDefValidateDisks(def) < 0 || domainDefValidateChannels(def) < 0 ||
        domainDefValidateBoot(def) < 0)
        return -1;
    for (i = 0; i < def->nconsoles; i++) {
        const domainChrDef *con = def->consoles[i];
        size_t j;

        if (con->targetPort != 0 || i > 0) {
            qvReportError(QV_ERR_CONFIG_UNSUPPORTED, "%s",
                          _("only one <console>, on serial port 0, is supported"));
            return -1;
        }
        for (j = 0; j < def->nserials; j++) {
            const domainChrDef *ser = def->serials[j];

            if (ser->targetPort == 0 && (ser->source.type != con->source.type ||
                                         (con->source.type != DOMAIN_CHR_TYPE_PTY &&
                                          !STREQ_NULLABLE(ser->source.path, con->source.path)))) {
                qvReportError(QV_ERR_CONFIG_UNSUPPORTED, "%s",
                              _("<console> on serial port 0 is that serial port: its type and "
                                "source must match the <serial> with port 0"));
                return -1;
            }
        }
    }
    for (i = 0; i < def->nserials; i++) {
        size_t j;

        for (j = 0; j < i; j++) {
            if (def->serials[j]->targetPort == def->serials[i]->targetPort) {
                qvReportError(QV_ERR_XML_ERROR, _("serial port %d is used twice"),
                              def->serials[i]->targetPort);
                return -1;
            }
        }
        if (def->serials[i]->targetPort > 3) {
            qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                          _("serial port %d does not exist: ISA serial ports are 0 to 3"),
                          def->serials[i]->targetPort);
            return -1;
        }
    }
    if (def->ngraphics > 1) {
        qvReportError(QV_ERR_CONFIG_UNSUPPORTED, "%s",
                      _("only one <graphics> device is supported"));
        return -1;
    }
    if (def->nvideos > 1) {
        qvReportError(QV_ERR_CONFIG_UNSUPPORTED, "%s", _("only one <video> device is supported"));
        return -1;
    }
    return 0;
}
