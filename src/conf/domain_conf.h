/* domain_conf.h: the domain definition (libvirt's domain XML subset qvirt runs) as structs. */
#pragma once

#include <libxml/tree.h>

#include "internal.h"
#include "qvenum.h"

#define DOMAIN_AGENT_CHANNEL_NAME "org.qemu.guest_agent.0"
#define DOMAIN_MAC_PREFIX_QEMU "52:54:00"

typedef enum { DOMAIN_VIRT_QEMU, DOMAIN_VIRT_KVM, DOMAIN_VIRT_LAST } domainVirtType;

typedef enum { DOMAIN_ARCH_X86_64, DOMAIN_ARCH_I686, DOMAIN_ARCH_LAST } domainArch;

typedef enum {
    DOMAIN_LIFECYCLE_DESTROY,
    DOMAIN_LIFECYCLE_RESTART,
    DOMAIN_LIFECYCLE_PRESERVE,
    DOMAIN_LIFECYCLE_LAST
} domainLifecycleAction;

typedef enum {
    DOMAIN_BOOT_HD,
    DOMAIN_BOOT_CDROM,
    DOMAIN_BOOT_NETWORK,
    DOMAIN_BOOT_LAST
} domainBootDev;

typedef enum {
    DOMAIN_CPU_MODE_DEFAULT, /* no <cpu>: QEMU's own default model */
    DOMAIN_CPU_MODE_CUSTOM,
    DOMAIN_CPU_MODE_HOST_PASSTHROUGH,
    DOMAIN_CPU_MODE_MAXIMUM,
    DOMAIN_CPU_MODE_LAST
} domainCPUMode;

typedef enum {
    DOMAIN_TRISTATE_ABSENT,
    DOMAIN_TRISTATE_ON,
    DOMAIN_TRISTATE_OFF,
    DOMAIN_TRISTATE_LAST
} domainTristate;

typedef enum {
    DOMAIN_CLOCK_OFFSET_UTC,
    DOMAIN_CLOCK_OFFSET_LOCALTIME,
    DOMAIN_CLOCK_OFFSET_LAST
} domainClockOffset;

typedef enum {
    DOMAIN_TIMER_RTC,
    DOMAIN_TIMER_PIT,
    DOMAIN_TIMER_HPET,
    DOMAIN_TIMER_LAST
} domainTimerName;

typedef enum {
    DOMAIN_TICKPOLICY_NONE,
    DOMAIN_TICKPOLICY_DELAY,
    DOMAIN_TICKPOLICY_CATCHUP,
    DOMAIN_TICKPOLICY_DISCARD,
    DOMAIN_TICKPOLICY_LAST
} domainTickPolicy;

typedef struct {
    int name; /* domainTimerName */
    int tickpolicy; /* domainTickPolicy */
    int present; /* domainTristate */
} domainTimerDef;

typedef enum {
    DOMAIN_DISK_TYPE_FILE,
    DOMAIN_DISK_TYPE_BLOCK,
    DOMAIN_DISK_TYPE_LAST
} domainDiskType;

typedef enum {
    DOMAIN_DISK_DEVICE_DISK,
    DOMAIN_DISK_DEVICE_CDROM,
    DOMAIN_DISK_DEVICE_LAST
} domainDiskDevice;

typedef enum {
    DOMAIN_DISK_BUS_VIRTIO,
    DOMAIN_DISK_BUS_SATA,
    DOMAIN_DISK_BUS_SCSI,
    DOMAIN_DISK_BUS_LAST
} domainDiskBus;

typedef enum {
    DOMAIN_DISK_FORMAT_RAW,
    DOMAIN_DISK_FORMAT_QCOW2,
    DOMAIN_DISK_FORMAT_LAST
} domainDiskFormat;

typedef enum {
    DOMAIN_DISK_CACHE_DEFAULT,
    DOMAIN_DISK_CACHE_NONE,
    DOMAIN_DISK_CACHE_WRITETHROUGH,
    DOMAIN_DISK_CACHE_WRITEBACK,
    DOMAIN_DISK_CACHE_DIRECTSYNC,
    DOMAIN_DISK_CACHE_UNSAFE,
    DOMAIN_DISK_CACHE_LAST
} domainDiskCache;

typedef enum {
    DOMAIN_DISK_IO_DEFAULT,
    DOMAIN_DISK_IO_NATIVE,
    DOMAIN_DISK_IO_THREADS,
    DOMAIN_DISK_IO_URING,
    DOMAIN_DISK_IO_LAST
} domainDiskIO;

typedef enum {
    DOMAIN_DISK_DISCARD_DEFAULT,
    DOMAIN_DISK_DISCARD_UNMAP,
    DOMAIN_DISK_DISCARD_IGNORE,
    DOMAIN_DISK_DISCARD_LAST
} domainDiskDiscard;

/* One image of a disk's backing chain: the disk's own source, or a <backingStore>. */
typedef struct _domainStorageSource domainStorageSource;
struct _domainStorageSource {
    int type; /* domainDiskType */
    char *path;
    int format; /* domainDiskFormat */
    /* NULL with backingKnown=false: not described (QEMU follows the image header);
     * NULL with backingKnown=true: the chain ends here (<backingStore/>) */
    domainStorageSource *backing;
    bool backingKnown;
};

typedef struct {
    int device; /* domainDiskDevice */
    char *dst; /* target dev, e.g. "vda" */
    int bus; /* domainDiskBus */
    domainStorageSource *src;
    int cache; /* domainDiskCache */
    int io; /* domainDiskIO */
    int discard; /* domainDiskDiscard */
    bool readonly;
    char *serial;
    unsigned int bootIndex;
} domainDiskDef;

typedef enum {
    DOMAIN_CONTROLLER_VIRTIO_SERIAL,
    DOMAIN_CONTROLLER_SCSI,
    DOMAIN_CONTROLLER_SATA,
    DOMAIN_CONTROLLER_PCI,
    DOMAIN_CONTROLLER_USB,
    DOMAIN_CONTROLLER_LAST
} domainControllerType;

typedef enum {
    DOMAIN_CONTROLLER_MODEL_DEFAULT,
    DOMAIN_CONTROLLER_MODEL_VIRTIO_SCSI,
    DOMAIN_CONTROLLER_MODEL_PCI_ROOT,
    DOMAIN_CONTROLLER_MODEL_PCIE_ROOT,
    DOMAIN_CONTROLLER_MODEL_NONE,
    DOMAIN_CONTROLLER_MODEL_LAST
} domainControllerModel;

typedef struct {
    int type; /* domainControllerType */
    int model; /* domainControllerModel */
    unsigned int idx;
} domainControllerDef;

typedef enum {
    DOMAIN_NET_MODEL_VIRTIO,
    DOMAIN_NET_MODEL_E1000,
    DOMAIN_NET_MODEL_E1000E,
    DOMAIN_NET_MODEL_RTL8139,
    DOMAIN_NET_MODEL_LAST
} domainNetModel;

typedef struct {
    unsigned char mac[6];
    int model; /* domainNetModel */
    unsigned int bootIndex;
} domainNetDef;

typedef enum {
    DOMAIN_CHR_TYPE_PTY,
    DOMAIN_CHR_TYPE_FILE,
    DOMAIN_CHR_TYPE_UNIX,
    DOMAIN_CHR_TYPE_LAST
} domainChrType;

typedef enum {
    DOMAIN_CHR_DEVICE_SERIAL,
    DOMAIN_CHR_DEVICE_CONSOLE,
    DOMAIN_CHR_DEVICE_CHANNEL,
    DOMAIN_CHR_DEVICE_LAST
} domainChrDeviceType;

typedef enum {
    DOMAIN_CHR_STATE_DEFAULT,
    DOMAIN_CHR_STATE_CONNECTED,
    DOMAIN_CHR_STATE_DISCONNECTED,
    DOMAIN_CHR_STATE_LAST
} domainChrState;

typedef struct {
    int type; /* domainChrType */
    char *path; /* file or socket path; for pty, the live /dev/pts path */
    bool listen; /* unix: mode='bind' (QEMU listens) rather than 'connect' */
    bool autopath; /* path chosen by qvirt for this run; not part of the definition */
    int append; /* file: domainTristate */
} domainChrSourceDef;

typedef struct {
    int deviceType; /* domainChrDeviceType */
    domainChrSourceDef source;
    char *targetName; /* channel: the virtio-serial port name */
    int targetPort; /* serial/console: the serial port number */
    int state; /* channel, live only: domainChrState */
    unsigned int vsPort; /* channel: port on the virtio-serial bus (1..) */
} domainChrDef;

typedef struct {
    int port; /* -1: autoport */
    char *listen; /* address */
} domainGraphicsDef;

typedef enum {
    DOMAIN_VIDEO_VGA,
    DOMAIN_VIDEO_VIRTIO,
    DOMAIN_VIDEO_CIRRUS,
    DOMAIN_VIDEO_BOCHS,
    DOMAIN_VIDEO_NONE,
    DOMAIN_VIDEO_LAST
} domainVideoModel;

typedef enum {
    DOMAIN_MEMBALLOON_VIRTIO,
    DOMAIN_MEMBALLOON_NONE,
    DOMAIN_MEMBALLOON_LAST
} domainMemballoonModel;

typedef enum {
    DOMAIN_RNG_BACKEND_RANDOM,
    DOMAIN_RNG_BACKEND_BUILTIN,
    DOMAIN_RNG_BACKEND_LAST
} domainRNGBackend;

typedef struct {
    int backend; /* domainRNGBackend */
    char *source; /* random: the host device, e.g. /dev/urandom */
} domainRNGDef;

typedef enum { DOMAIN_INPUT_MOUSE, DOMAIN_INPUT_KEYBOARD, DOMAIN_INPUT_LAST } domainInputType;

typedef struct {
    int type; /* domainInputType; only the machine's built-in PS/2 devices */
} domainInputDef;

typedef struct _domainDef domainDef;
struct _domainDef {
    int virtType; /* domainVirtType */
    int id; /* -1 when not running */
    unsigned char uuid[QV_UUID_BUFLEN];
    char *name;
    char *title;
    char *description;
    xmlNodePtr metadata; /* a private copy, kept as given */
    xmlDocPtr metadataDoc;

    unsigned long long memory; /* KiB */
    unsigned long long curMemory; /* KiB */
    unsigned int maxvcpus;
    unsigned int vcpus;

    struct {
        int arch; /* domainArch */
        char *machine; /* pc, q35, pc-i440fx-X.Y, pc-q35-X.Y */
        char *kernel;
        char *initrd;
        char *cmdline;
        int bootDevs[DOMAIN_BOOT_LAST];
        size_t nBootDevs;
        int bootMenu; /* domainTristate */
    } os;

    struct {
        bool acpi;
        bool apic;
        bool pae;
        int vmport; /* domainTristate */
    } features;

    struct {
        int mode; /* domainCPUMode */
        char *model;
        int migratable; /* domainTristate; host-passthrough only */
        unsigned int sockets, dies, cores, threads; /* 0: not given */
    } cpu;

    int clockOffset; /* domainClockOffset */
    domainTimerDef *timers;
    size_t ntimers;

    int onPoweroff; /* domainLifecycleAction */
    int onReboot;
    int onCrash;

    struct {
        int suspendToMem; /* domainTristate */
        int suspendToDisk;
    } pm;

    char *emulator;

    domainDiskDef **disks;
    size_t ndisks;
    domainControllerDef **controllers;
    size_t ncontrollers;
    domainNetDef **nets;
    size_t nnets;
    domainChrDef **serials;
    size_t nserials;
    domainChrDef **consoles;
    size_t nconsoles;
    domainChrDef **channels;
    size_t nchannels;
    domainInputDef **inputs;
    size_t ninputs;
    domainGraphicsDef **graphics;
    size_t ngraphics;
    int *videos; /* domainVideoModel */
    size_t nvideos;
    int memballoon; /* domainMemballoonModel */
    domainRNGDef **rngs;
    size_t nrngs;
};

QV_ENUM_DECL(domainVirt);
QV_ENUM_DECL(domainArch);
QV_ENUM_DECL(domainLifecycleAction);
QV_ENUM_DECL(domainBootDev);
QV_ENUM_DECL(domainCPUMode);
QV_ENUM_DECL(domainTristateSwitch);
QV_ENUM_DECL(domainTristateBool);
QV_ENUM_DECL(domainClockOffset);
QV_ENUM_DECL(domainTimerName);
QV_ENUM_DECL(domainTickPolicy);
QV_ENUM_DECL(domainDiskType);
QV_ENUM_DECL(domainDiskDevice);
QV_ENUM_DECL(domainDiskBus);
QV_ENUM_DECL(domainDiskFormat);
QV_ENUM_DECL(domainDiskCache);
QV_ENUM_DECL(domainDiskIO);
QV_ENUM_DECL(domainDiskDiscard);
QV_ENUM_DECL(domainControllerType);
QV_ENUM_DECL(domainControllerModel);
QV_ENUM_DECL(domainNetModel);
QV_ENUM_DECL(domainChrType);
QV_ENUM_DECL(domainChrState);
QV_ENUM_DECL(domainVideoModel);
QV_ENUM_DECL(domainMemballoonModel);
QV_ENUM_DECL(domainRNGBackend);
QV_ENUM_DECL(domainInputType);

typedef enum {
    /* accept the output-only parts of live XML (id, channel state); the definition
     * still never keeps them */
    DOMAIN_DEF_PARSE_LIVE = 1 << 0,
    /* skip RelaxNG validation (used for XML qvirt wrote itself) */
    DOMAIN_DEF_PARSE_SKIP_SCHEMA = 1 << 1,
} domainDefParseFlags;

typedef enum {
    DOMAIN_DEF_FORMAT_INACTIVE = 1 << 0, /* the persistent definition only */
    DOMAIN_DEF_FORMAT_SECURE = 1 << 1,
} domainDefFormatFlags;

void domainDefFree(domainDef *def);
void domainStorageSourceFree(domainStorageSource *src);
void domainChrDefFree(domainChrDef *chr);
void domainDiskDefFree(domainDiskDef *disk);
void domainGraphicsDefFree(domainGraphicsDef *gr);
void domainRNGDefFree(domainRNGDef *rng);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(domainDef, domainDefFree)

/* Parse and check a domain definition; url names it in messages. */
domainDef *domainDefParseString(const char *xml, const char *url, unsigned int flags);
domainDef *domainDefParseNode(xmlNodePtr root, unsigned int flags);
char *domainDefFormat(const domainDef *def, unsigned int flags);
void domainDefFormatBuf(GString *buf, int indent, const domainDef *def, unsigned int flags);
domainDef *domainDefCopy(const domainDef *def);

/* The schema file every domain XML is validated against. */
char *domainDefSchemaPath(void);

/* THE guest agent channel: the first virtio channel named org.qemu.guest_agent.0. */
domainChrDef *domainDefFindAgentChannel(const domainDef *def);
bool domainChrIsAgentChannel(const domainChrDef *chr);

/* The 0-based index of a disk name: vda -> 0, sdb -> 1, vdaa -> 26; -1 if invalid. */
int domainDiskNameToIndex(const char *name);
/* Machine family of the <os><type machine=...>: true for q35. */
bool domainDefIsQ35(const domainDef *def);

int domainMacParse(const char *str, unsigned char *mac);
void domainMacFormat(const unsigned char *mac, char *buf);
void domainMacGenerate(unsigned char *mac);

/* Post-parse checks shared with code that builds definitions itself. */
int domainDefValidate(const domainDef *def);
