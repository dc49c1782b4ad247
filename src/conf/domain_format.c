/* domain_format.c: domainDef -> domain XML, in libvirt's layout and attribute order. */
#include <config.h>

#include <libxml/tree.h>

#include "domain_conf.h"
#include "qvuuid.h"
#include "qvxml.h"

static void domainFormatAttr(GString *buf, const char *name, const char *value)
{
    if (!value)
        return;
    g_string_append_printf(buf, " %s='", name);
    qvBufferEscapeXML(buf, value);
    g_string_append_c(buf, '\'');
}

static void domainFormatGeneral(GString *buf, int indent, const domainDef *def)
{
    char uuid[QV_UUID_STRING_BUFLEN];

    qvBufferAddElement(buf, indent, "name", def->name);
    qvBufferAddElement(buf, indent, "uuid", qvUUIDFormat(def->uuid, uuid));
    qvBufferAddElement(buf, indent, "title", def->title);
    qvBufferAddElement(buf, indent, "description", def->description);
    if (def->metadata)
        qvBufferAddNode(buf, indent, def->metadata);
    qvBufferAddIndent(buf, indent);
    g_string_append_printf(buf, "<memory unit='KiB'>%llu</memory>\n", def->memory);
    qvBufferAddIndent(buf, indent);
    g_string_append_printf(buf, "<currentMemory unit='KiB'>%llu</currentMemory>\n", def->curMemory);
    qvBufferAddIndent(buf, indent);
    g_string_append(buf, "<vcpu placement='static'");
    if (def->vcpus != def->maxvcpus)
        g_string_append_printf(buf, " current='%u'", def->vcpus);
    g_string_append_printf(buf, ">%u</vcpu>\n", def->maxvcpus);
}

static void domainFormatOS(GString *buf, int indent, const domainDef *def)
{
    size_t i;

    qvBufferAddIndent(buf, indent);
    g_string_append(buf, "<os>\n");
    qvBufferAddIndent(buf, indent + 2);
    g_string_append(buf, "<type");
    domainFormatAttr(buf, "arch", domainArchTypeToString(def->os.arch));
    domainFormatAttr(buf, "machine", def->os.machine);
    g_string_append(buf, ">hvm</type>\n");
    qvBufferAddElement(buf, indent + 2, "kernel", def->os.kernel);
    qvBufferAddElement(buf, indent + 2, "initrd", def->os.initrd);
    qvBufferAddElement(buf, indent + 2, "cmdline", def->os.cmdline);
    for (i = 0; i < def->os.nBootDevs; i++) {
        qvBufferAddIndent(buf, indent + 2);
        g_string_append_printf(buf, "<boot dev='%s'/>\n",
                               domainBootDevTypeToString(def->os.bootDevs[i]));
    }
    if (def->os.bootMenu) {
        qvBufferAddIndent(buf, indent + 2);
        g_string_append_printf(buf, "<bootmenu enable='%s'/>\n",
                               domainTristateBoolTypeToString(def->os.bootMenu));
    }
    qvBufferAddIndent(buf, indent);
    g_string_append(buf, "</os>\n");
}

static void domainFormatFeaturesAndCPU(GString *buf, int indent, const domainDef *def)
{
    if (def->features.acpi || def->features.apic || def->features.pae || def->features.vmport) {
        qvBufferAddIndent(buf, indent);
        g_string_append(buf, "<features>\n");
        if (def->features.acpi) {
            qvBufferAddIndent(buf, indent + 2);
            g_string_append(buf, "<acpi/>\n");
        }
        if (def->features.apic) {
            qvBufferAddIndent(buf, indent + 2);
            g_string_append(buf, "<apic/>\n");
        }
        if (def->features.pae) {
            qvBufferAddIndent(buf, indent + 2);
            g_string_append(buf, "<pae/>\n");
        }
        if (def->features.vmport) {
            qvBufferAddIndent(buf, indent + 2);
            g_string_append_printf(buf, "<vmport state='%s'/>\n",
                                   domainTristateSwitchTypeToString(def->features.vmport));
        }
        qvBufferAddIndent(buf, indent);
        g_string_append(buf, "</features>\n");
    }

    if (def->cpu.mode == DOMAIN_CPU_MODE_DEFAULT && !def->cpu.sockets)
        return;
    qvBufferAddIndent(buf, indent);
    g_string_append(buf, "<cpu");
    if (def->cpu.mode != DOMAIN_CPU_MODE_DEFAULT)
        domainFormatAttr(buf, "mode", domainCPUModeTypeToString(def->cpu.mode));
    if (def->cpu.mode == DOMAIN_CPU_MODE_CUSTOM)
        g_string_append(buf, " match='exact'");
    if (def->cpu.mode != DOMAIN_CPU_MODE_DEFAULT)
        g_string_append(buf, " check='none'");
    if (def->cpu.migratable)
        domainFormatAttr(buf, "migratable", domainTristateSwitchTypeToString(def->cpu.migratable));
    if (!def->cpu.model && !def->cpu.sockets) {
        g_string_append(buf, "/>\n");
        return;
    }
    g_string_append(buf, ">\n");
    if (def->cpu.model) {
        qvBufferAddIndent(buf, indent + 2);
        g_string_append(buf, "<model fallback='forbid'>");
        qvBufferEscapeXML(buf, def->cpu.model);
        g_string_append(buf, "</model>\n");
    }
    if (def->cpu.sockets) {
        qvBufferAddIndent(buf, indent + 2);
        g_string_append_printf(buf, "<topology sockets='%u' dies='%u' cores='%u' threads='%u'/>\n",
                               def->cpu.sockets, def->cpu.dies, def->cpu.cores, def->cpu.threads);
    }
    qvBufferAddIndent(buf, indent);
    g_string_append(buf, "</cpu>\n");
}

static void domainFormatClockAndLifecycle(GString *buf, int indent, const domainDef *def)
{
    size_t i;

    qvBufferAddIndent(buf, indent);
    g_string_append_printf(buf, "<clock offset='%s'",
                           domainClockOffsetTypeToString(def->clockOffset));
    if (!def->ntimers) {
        g_string_append(buf, "/>\n");
    } else {
        g_string_append(buf, ">\n");
        for (i = 0; i < def->ntimers; i++) {
            const domainTimerDef *t = &def->timers[i];

            qvBufferAddIndent(buf, indent + 2);
            g_string_append_printf(buf, "<timer name='%s'", domainTimerNameTypeToString(t->name));
            if (t->tickpolicy)
                domainFormatAttr(buf, "tickpolicy", domainTickPolicyTypeToString(t->tickpolicy));
            if (t->present)
                domainFormatAttr(buf, "present", domainTristateBoolTypeToString(t->present));
            g_string_append(buf, "/>\n");
        }
        qvBufferAddIndent(buf, indent);
        g_string_append(buf, "</clock>\n");
    }
    qvBufferAddElement(buf, indent, "on_poweroff",
                       domainLifecycleActionTypeToString(def->onPoweroff));
    qvBufferAddElement(buf, indent, "on_reboot", domainLifecycleActionTypeToString(def->onReboot));
    qvBufferAddElement(buf, indent, "on_crash", domainLifecycleActionTypeToString(def->onCrash));
    if (def->pm.suspendToMem || def->pm.suspendToDisk) {
        qvBufferAddIndent(buf, indent);
        g_string_append(buf, "<pm>\n");
        if (def->pm.suspendToMem) {
            qvBufferAddIndent(buf, indent + 2);
            g_string_append_printf(buf, "<suspend-to-mem enabled='%s'/>\n",
                                   domainTristateBoolTypeToString(def->pm.suspendToMem));
        }
        if (def->pm.suspendToDisk) {
            qvBufferAddIndent(buf, indent + 2);
            g_string_append_printf(buf, "<suspend-to-disk enabled='%s'/>\n",
                                   domainTristateBoolTypeToString(def->pm.suspendToDisk));
        }
        qvBufferAddIndent(buf, indent);
        g_string_append(buf, "</pm>\n");
    }
}

static void domainFormatSourcePath(GString *buf, int indent, const domainStorageSource *src)
{
    if (!src->path)
        return;
    qvBufferAddIndent(buf, indent);
    g_string_append(buf, "<source");
    domainFormatAttr(buf, src->type == DOMAIN_DISK_TYPE_BLOCK ? "dev" : "file", src->path);
    g_string_append(buf, "/>\n");
}

static void domainFormatBackingStore(GString *buf, int indent, const domainStorageSource *src)
{
    const domainStorageSource *b = src->backing;

    if (!src->backingKnown)
        return;
    qvBufferAddIndent(buf, indent);
    if (!b) {
        g_string_append(buf, "<backingStore/>\n");
        return;
    }
    g_string_append_printf(buf, "<backingStore type='%s'>\n", domainDiskTypeTypeToString(b->type));
    qvBufferAddIndent(buf, indent + 2);
    g_string_append_printf(buf, "<format type='%s'/>\n", domainDiskFormatTypeToString(b->format));
    domainFormatSourcePath(buf, indent + 2, b);
    domainFormatBackingStore(buf, indent + 2, b);
    qvBufferAddIndent(buf, indent);
    g_string_append(buf, "</backingStore>\n");
}

static void domainFormatBootOrder(GString *buf, int indent, unsigned int bootIndex)
{
    if (!bootIndex)
        return;
    qvBufferAddIndent(buf, indent);
    g_string_append_printf(buf, "<boot order='%u'/>\n", bootIndex);
}

static void domainFormatDisk(GString *buf, int indent, const domainDiskDef *disk)
{
    qvBufferAddIndent(buf, indent);
    g_string_append_printf(buf, "<disk type='%s' device='%s'>\n",
                           domainDiskTypeTypeToString(disk->src->type),
                           domainDiskDeviceTypeToString(disk->device));
    qvBufferAddIndent(buf, indent + 2);
    g_string_append_printf(buf, "<driver name='qemu' type='%s'",
                           domainDiskFormatTypeToString(disk->src->format));
    if (disk->cache)
        domainFormatAttr(buf, "cache", domainDiskCacheTypeToString(disk->cache));
    if (disk->io)
        domainFormatAttr(buf, "io", domainDiskIOTypeToString(disk->io));
    if (disk->discard)
        domainFormatAttr(buf, "discard", domainDiskDiscardTypeToString(disk->discard));
    g_string_append(buf, "/>\n");
    domainFormatSourcePath(buf, indent + 2, disk->src);
    domainFormatBackingStore(buf, indent + 2, disk->src);
    qvBufferAddIndent(buf, indent + 2);
    g_string_append(buf, "<target");
    domainFormatAttr(buf, "dev", disk->dst);
    domainFormatAttr(buf, "bus", domainDiskBusTypeToString(disk->bus));
    g_string_append(buf, "/>\n");
    if (disk->readonly) {
        qvBufferAddIndent(buf, indent + 2);
        g_string_append(buf, "<readonly/>\n");
    }
    qvBufferAddElement(buf, indent + 2, "serial", disk->serial);
    domainFormatBootOrder(buf, indent + 2, disk->bootIndex);
    qvBufferAddIndent(buf, indent);
    g_string_append(buf, "</disk>\n");
}

static void domainFormatChr(GString *buf, int indent, const domainChrDef *chr, unsigned int flags)
{
    static const char *const elems[] = { "serial", "console", "channel" };
    const char *elem = elems[chr->deviceType];
    bool showPath =
        chr->source.path && !((flags & DOMAIN_DEF_FORMAT_INACTIVE) &&
                              (chr->source.autopath || chr->source.type == DOMAIN_CHR_TYPE_PTY));

    qvBufferAddIndent(buf, indent);
    g_string_append_printf(buf, "<%s type='%s'>\n", elem,
                           domainChrTypeTypeToString(chr->source.type));
    if (chr->source.type == DOMAIN_CHR_TYPE_UNIX || showPath) {
        qvBufferAddIndent(buf, indent + 2);
        g_string_append(buf, "<source");
        if (chr->source.type == DOMAIN_CHR_TYPE_UNIX)
            g_string_append_printf(buf, " mode='%s'", chr->source.listen ? "bind" : "connect");
        if (showPath)
            domainFormatAttr(buf, "path", chr->source.path);
        if (chr->source.append)
            domainFormatAttr(buf, "append", domainTristateSwitchTypeToString(chr->source.append));
        g_string_append(buf, "/>\n");
    }
    qvBufferAddIndent(buf, indent + 2);
    switch (chr->deviceType) {
    case DOMAIN_CHR_DEVICE_SERIAL:
        g_string_append_printf(buf, "<target type='isa-serial' port='%d'>\n", chr->targetPort);
        qvBufferAddIndent(buf, indent + 4);
        g_string_append(buf, "<model name='isa-serial'/>\n");
        qvBufferAddIndent(buf, indent + 2);
        g_string_append(buf, "</target>\n");
        break;
    case DOMAIN_CHR_DEVICE_CONSOLE:
        g_string_append_printf(buf, "<target type='serial' port='%d'/>\n", chr->targetPort);
        break;
    default:
        g_string_append(buf, "<target type='virtio'");
        domainFormatAttr(buf, "name", chr->targetName);
        if (chr->state && !(flags & DOMAIN_DEF_FORMAT_INACTIVE))
            domainFormatAttr(buf, "state", domainChrStateTypeToString(chr->state));
        g_string_append(buf, "/>\n");
        qvBufferAddIndent(buf, indent + 2);
        g_string_append_printf(
            buf, "<address type='virtio-serial' controller='0' bus='0' port='%u'/>\n", chr->vsPort);
        break;
    }
    qvBufferAddIndent(buf, indent);
    g_string_append_printf(buf, "</%s>\n", elem);
}

static void domainFormatDevices(GString *buf, int indent, const domainDef *def, unsigned int flags)
{
    size_t i;

    qvBufferAddIndent(buf, indent);
    g_string_append(buf, "<devices>\n");
    indent += 2;
    qvBufferAddElement(buf, indent, "emulator", def->emulator);
    for (i = 0; i < def->ndisks; i++)
        domainFormatDisk(buf, indent, def->disks[i]);
    for (i = 0; i < def->ncontrollers; i++) {
        const domainControllerDef *c = def->controllers[i];

        qvBufferAddIndent(buf, indent);
        g_string_append_printf(buf, "<controller type='%s' index='%u'",
                               domainControllerTypeTypeToString(c->type), c->idx);
        if (c->model)
            domainFormatAttr(buf, "model", domainControllerModelTypeToString(c->model));
        g_string_append(buf, "/>\n");
    }
    for (i = 0; i < def->nnets; i++) {
        char mac[18];

        domainMacFormat(def->nets[i]->mac, mac);
        qvBufferAddIndent(buf, indent);
        g_string_append(buf, "<interface type='user'>\n");
        qvBufferAddIndent(buf, indent + 2);
        g_string_append_printf(buf, "<mac address='%s'/>\n", mac);
        qvBufferAddIndent(buf, indent + 2);
        g_string_append_printf(buf, "<model type='%s'/>\n",
                               domainNetModelTypeToString(def->nets[i]->model));
        domainFormatBootOrder(buf, indent + 2, def->nets[i]->bootIndex);
        qvBufferAddIndent(buf, indent);
        g_string_append(buf, "</interface>\n");
    }
    for (i = 0; i < def->nserials; i++)
        domainFormatChr(buf, indent, def->serials[i], flags);
    for (i = 0; i < def->nconsoles; i++)
        domainFormatChr(buf, indent, def->consoles[i], flags);
    for (i = 0; i < def->nchannels; i++)
        domainFormatChr(buf, indent, def->channels[i], flags);
    for (i = 0; i < def->ninputs; i++) {
        qvBufferAddIndent(buf, indent);
        g_string_append_printf(buf, "<input type='%s' bus='ps2'/>\n",
                               domainInputTypeTypeToString(def->inputs[i]->type));
    }
    for (i = 0; i < def->ngraphics; i++) {
        const domainGraphicsDef *gr = def->graphics[i];

        qvBufferAddIndent(buf, indent);
        g_string_append_printf(buf, "<graphics type='vnc' port='%d' autoport='%s'", gr->port,
                               gr->port == -1 ? "yes" : "no");
        domainFormatAttr(buf, "listen", gr->listen);
        g_string_append(buf, ">\n");
        qvBufferAddIndent(buf, indent + 2);
        g_string_append(buf, "<listen type='address'");
        domainFormatAttr(buf, "address", gr->listen);
        g_string_append(buf, "/>\n");
        qvBufferAddIndent(buf, indent);
        g_string_append(buf, "</graphics>\n");
    }
    for (i = 0; i < def->nvideos; i++) {
        qvBufferAddIndent(buf, indent);
        g_string_append_printf(buf, "<video>\n");
        qvBufferAddIndent(buf, indent + 2);
        g_string_append_printf(buf, "<model type='%s'/>\n",
                               domainVideoModelTypeToString(def->videos[i]));
        qvBufferAddIndent(buf, indent);
        g_string_append(buf, "</video>\n");
    }
    qvBufferAddIndent(buf, indent);
    g_string_append_printf(buf, "<memballoon model='%s'/>\n",
                           domainMemballoonModelTypeToString(def->memballoon));
    for (i = 0; i < def->nrngs; i++) {
        const domainRNGDef *rng = def->rngs[i];

        qvBufferAddIndent(buf, indent);
        g_string_append(buf, "<rng model='virtio'>\n");
        qvBufferAddIndent(buf, indent + 2);
        if (rng->backend == DOMAIN_RNG_BACKEND_RANDOM) {
            g_string_append(buf, "<backend model='random'>");
            qvBufferEscapeXML(buf, rng->source);
            g_string_append(buf, "</backend>\n");
        } else {
            g_string_append(buf, "<backend model='builtin'/>\n");
        }
        qvBufferAddIndent(buf, indent);
        g_string_append(buf, "</rng>\n");
    }
    indent -= 2;
    qvBufferAddIndent(buf, indent);
    g_string_append(buf, "</devices>\n");
}

void domainDefFormatBuf(GString *buf, int indent, const domainDef *def, unsigned int flags)
{
    qvBufferAddIndent(buf, indent);
    g_string_append_printf(buf, "<domain type='%s'", domainVirtTypeToString(def->virtType));
    if (def->id >= 0 && !(flags & DOMAIN_DEF_FORMAT_INACTIVE))
        g_string_append_printf(buf, " id='%d'", def->id);
    g_string_append(buf, ">\n");
    domainFormatGeneral(buf, indent + 2, def);
    domainFormatOS(buf, indent + 2, def);
    domainFormatFeaturesAndCPU(buf, indent + 2, def);
    domainFormatClockAndLifecycle(buf, indent + 2, def);
    domainFormatDevices(buf, indent + 2, def, flags);
    qvBufferAddIndent(buf, indent);
    g_string_append(buf, "</domain>\n");
}

char *domainDefFormat(const domainDef *def, unsigned int flags)
{
    GString *buf = g_string_new(NULL);

    domainDefFormatBuf(buf, 0, def, flags);
    return g_string_free(buf, FALSE);
}
