/* qvirt-domain.h: domains: definition, lookup, listing, state; libvirt's values throughout. */
#pragma once

#ifndef QVIRT_H_INCLUDE
#error "include <qvirt/qvirt.h>, not this header"
#endif

typedef enum {
    QV_DOMAIN_NOSTATE = 0,
    QV_DOMAIN_RUNNING = 1,
    QV_DOMAIN_BLOCKED = 2,
    QV_DOMAIN_PAUSED = 3,
    QV_DOMAIN_SHUTDOWN = 4,
    QV_DOMAIN_SHUTOFF = 5,
    QV_DOMAIN_CRASHED = 6,
    QV_DOMAIN_PMSUSPENDED = 7,
} qvDomainState;

typedef enum {
    QV_DOMAIN_SHUTOFF_UNKNOWN = 0,
    QV_DOMAIN_SHUTOFF_SHUTDOWN = 1,
    QV_DOMAIN_SHUTOFF_DESTROYED = 2,
    QV_DOMAIN_SHUTOFF_CRASHED = 3,
    QV_DOMAIN_SHUTOFF_MIGRATED = 4,
    QV_DOMAIN_SHUTOFF_SAVED = 5,
    QV_DOMAIN_SHUTOFF_FAILED = 6,
    QV_DOMAIN_SHUTOFF_FROM_SNAPSHOT = 7,
    QV_DOMAIN_SHUTOFF_DAEMON = 8,
} qvDomainShutoffReason;

typedef enum {
    QV_DOMAIN_RUNNING_UNKNOWN = 0,
    QV_DOMAIN_RUNNING_BOOTED = 1,
    QV_DOMAIN_RUNNING_MIGRATED = 2,
    QV_DOMAIN_RUNNING_RESTORED = 3,
    QV_DOMAIN_RUNNING_FROM_SNAPSHOT = 4,
    QV_DOMAIN_RUNNING_UNPAUSED = 5,
    QV_DOMAIN_RUNNING_MIGRATION_CANCELED = 6,
    QV_DOMAIN_RUNNING_SAVE_CANCELED = 7,
    QV_DOMAIN_RUNNING_WAKEUP = 8,
    QV_DOMAIN_RUNNING_CRASHED = 9,
} qvDomainRunningReason;

typedef enum {
    QV_DOMAIN_PAUSED_UNKNOWN = 0,
    QV_DOMAIN_PAUSED_USER = 1,
    QV_DOMAIN_PAUSED_SHUTTING_DOWN = 8,
    QV_DOMAIN_PAUSED_SNAPSHOT = 9,
    QV_DOMAIN_PAUSED_CRASHED = 10,
    QV_DOMAIN_PAUSED_STARTING_UP = 11,
} qvDomainPausedReason;

typedef enum {
    QV_DOMAIN_SHUTDOWN_DEFAULT = 0,
    QV_DOMAIN_SHUTDOWN_ACPI_POWER_BTN = 1 << 0,
    QV_DOMAIN_SHUTDOWN_GUEST_AGENT = 1 << 1,
    QV_DOMAIN_SHUTDOWN_INITCTL = 1 << 2,
    QV_DOMAIN_SHUTDOWN_SIGNAL = 1 << 3,
    QV_DOMAIN_SHUTDOWN_PARAVIRT = 1 << 4,
} qvDomainShutdownFlagValues;

typedef enum {
    QV_DOMAIN_REBOOT_DEFAULT = 0,
    QV_DOMAIN_REBOOT_ACPI_POWER_BTN = 1 << 0,
    QV_DOMAIN_REBOOT_GUEST_AGENT = 1 << 1,
    QV_DOMAIN_REBOOT_INITCTL = 1 << 2,
    QV_DOMAIN_REBOOT_SIGNAL = 1 << 3,
    QV_DOMAIN_REBOOT_PARAVIRT = 1 << 4,
} qvDomainRebootFlagValues;

typedef enum {
    QV_CONNECT_LIST_DOMAINS_ACTIVE = 1 << 0,
    QV_CONNECT_LIST_DOMAINS_INACTIVE = 1 << 1,
    QV_CONNECT_LIST_DOMAINS_PERSISTENT = 1 << 2,
    QV_CONNECT_LIST_DOMAINS_TRANSIENT = 1 << 3,
    QV_CONNECT_LIST_DOMAINS_RUNNING = 1 << 4,
    QV_CONNECT_LIST_DOMAINS_PAUSED = 1 << 5,
    QV_CONNECT_LIST_DOMAINS_SHUTOFF = 1 << 6,
    QV_CONNECT_LIST_DOMAINS_OTHER = 1 << 7,
    QV_CONNECT_LIST_DOMAINS_MANAGEDSAVE = 1 << 8,
    QV_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE = 1 << 9,
    QV_CONNECT_LIST_DOMAINS_AUTOSTART = 1 << 10,
    QV_CONNECT_LIST_DOMAINS_NO_AUTOSTART = 1 << 11,
    QV_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT = 1 << 12,
    QV_CONNECT_LIST_DOMAINS_NO_SNAPSHOT = 1 << 13,
    QV_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT = 1 << 14,
    QV_CONNECT_LIST_DOMAINS_NO_CHECKPOINT = 1 << 15,
} qvConnectListAllDomainsFlags;

typedef enum {
    QV_DOMAIN_XML_SECURE = 1 << 0,
    QV_DOMAIN_XML_INACTIVE = 1 << 1,
    QV_DOMAIN_XML_UPDATE_CPU = 1 << 2,
    QV_DOMAIN_XML_MIGRATABLE = 1 << 3,
} qvDomainXMLFlags;

typedef enum {
    QV_DOMAIN_DEFINE_VALIDATE = 1 << 0,
} qvDomainDefineFlags;

typedef enum {
    QV_DOMAIN_UNDEFINE_MANAGED_SAVE = 1 << 0,
    QV_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 1 << 1,
    QV_DOMAIN_UNDEFINE_NVRAM = 1 << 2,
    QV_DOMAIN_UNDEFINE_KEEP_NVRAM = 1 << 3,
    QV_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA = 1 << 4,
    QV_DOMAIN_UNDEFINE_TPM = 1 << 5,
    QV_DOMAIN_UNDEFINE_KEEP_TPM = 1 << 6,
} qvDomainUndefineFlagsValues;

typedef enum {
    QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK = -2,
    QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_DEFAULT = -1,
    QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_NOWAIT = 0,
} qvDomainAgentResponseTimeoutValues;

qvDomainPtr qvDomainDefineXML(qvConnectPtr conn, const char *xml);
qvDomainPtr qvDomainDefineXMLFlags(qvConnectPtr conn, const char *xml, unsigned int flags);
int qvDomainUndefine(qvDomainPtr domain);
int qvDomainUndefineFlags(qvDomainPtr domain, unsigned int flags);

qvDomainPtr qvDomainLookupByName(qvConnectPtr conn, const char *name);
qvDomainPtr qvDomainLookupByUUID(qvConnectPtr conn, const unsigned char *uuid);
qvDomainPtr qvDomainLookupByUUIDString(qvConnectPtr conn, const char *uuidstr);
qvDomainPtr qvDomainLookupByID(qvConnectPtr conn, int id);
int qvConnectListAllDomains(qvConnectPtr conn, qvDomainPtr **domains, unsigned int flags);

int qvDomainRef(qvDomainPtr domain);
int qvDomainFree(qvDomainPtr domain);
const char *qvDomainGetName(qvDomainPtr domain);
int qvDomainGetUUID(qvDomainPtr domain, unsigned char *uuid);
int qvDomainGetUUIDString(qvDomainPtr domain, char *buf);
unsigned int qvDomainGetID(qvDomainPtr domain);
qvConnectPtr qvDomainGetConnect(qvDomainPtr domain);
int qvDomainIsActive(qvDomainPtr domain);
int qvDomainIsPersistent(qvDomainPtr domain);
int qvDomainGetState(qvDomainPtr domain, int *state, int *reason, unsigned int flags);
char *qvDomainGetXMLDesc(qvDomainPtr domain, unsigned int flags);

/* ---- lifecycle ---- */

typedef enum {
    QV_DOMAIN_NONE = 0,
    QV_DOMAIN_START_PAUSED = 1 << 0,
    QV_DOMAIN_START_AUTODESTROY = 1 << 1,
    QV_DOMAIN_START_BYPASS_CACHE = 1 << 2,
    QV_DOMAIN_START_FORCE_BOOT = 1 << 3,
    QV_DOMAIN_START_VALIDATE = 1 << 4,
} qvDomainCreateFlags;

typedef enum {
    QV_DOMAIN_DESTROY_DEFAULT = 0,
    QV_DOMAIN_DESTROY_GRACEFUL = 1 << 0,
    QV_DOMAIN_DESTROY_REMOVE_LOGS = 1 << 1,
} qvDomainDestroyFlagsValues;

int qvDomainCreate(qvDomainPtr domain);
int qvDomainCreateWithFlags(qvDomainPtr domain, unsigned int flags);
int qvDomainDestroy(qvDomainPtr domain);
int qvDomainDestroyFlags(qvDomainPtr domain, unsigned int flags);
int qvDomainShutdown(qvDomainPtr domain);
int qvDomainShutdownFlags(qvDomainPtr domain, unsigned int flags);
int qvDomainReboot(qvDomainPtr domain, unsigned int flags);
/*
 * qvirt's own: as qvDomainShutdownFlags / qvDomainRebootFlags, and *used (may be NULL)
 * tells which method took effect (QV_DOMAIN_SHUTDOWN_GUEST_AGENT or
 * QV_DOMAIN_SHUTDOWN_ACPI_POWER_BTN; the reboot values are the same).
 */
int qvDomainShutdownFlagsReport(qvDomainPtr domain, unsigned int flags, unsigned int *used);
int qvDomainRebootFlagsReport(qvDomainPtr domain, unsigned int flags, unsigned int *used);

typedef struct {
    unsigned char state; /* qvDomainState */
    unsigned long maxMem; /* KiB */
    unsigned long memory; /* KiB */
    unsigned short nrVirtCpu;
    unsigned long long cpuTime; /* ns */
} qvDomainInfo;
typedef qvDomainInfo *qvDomainInfoPtr;
int qvDomainGetInfo(qvDomainPtr domain, qvDomainInfoPtr info);

/* ---- the guest agent ---- */

typedef enum {
    QV_DOMAIN_QEMU_AGENT_COMMAND_MIN = -2,
    QV_DOMAIN_QEMU_AGENT_COMMAND_BLOCK = -2,
    QV_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT = -1,
    QV_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT = 0,
    QV_DOMAIN_QEMU_AGENT_COMMAND_SHUTDOWN = 60,
} qvDomainQemuAgentCommandTimeoutValues;

/* libvirt-qemu's virDomainQemuAgentCommand: the reply's text, to free. */
char *qvDomainQemuAgentCommand(qvDomainPtr domain, const char *cmd, int timeout,
                               unsigned int flags);
int qvDomainAgentSetResponseTimeout(qvDomainPtr domain, int timeout, unsigned int flags);

typedef enum {
    QV_DOMAIN_TIME_SYNC = 1 << 0,
} qvDomainSetTimeFlags;
int qvDomainGetTime(qvDomainPtr domain, long long *seconds, unsigned int *nseconds,
                    unsigned int flags);
int qvDomainSetTime(qvDomainPtr domain, long long seconds, unsigned int nseconds,
                    unsigned int flags);

typedef enum {
    QV_TYPED_PARAM_INT = 1,
    QV_TYPED_PARAM_UINT = 2,
    QV_TYPED_PARAM_LLONG = 3,
    QV_TYPED_PARAM_ULLONG = 4,
    QV_TYPED_PARAM_DOUBLE = 5,
    QV_TYPED_PARAM_BOOLEAN = 6,
    QV_TYPED_PARAM_STRING = 7,
} qvTypedParameterType;

#define QV_TYPED_PARAM_FIELD_LENGTH 80

typedef struct {
    char field[QV_TYPED_PARAM_FIELD_LENGTH];
    int type; /* qvTypedParameterType */
    union {
        int i;
        unsigned int ui;
        long long l;
        unsigned long long ul;
        double d;
        char b;
        char *s;
    } value;
} qvTypedParameter;
typedef qvTypedParameter *qvTypedParameterPtr;
void qvTypedParamsFree(qvTypedParameterPtr params, int nparams);

typedef enum {
    QV_DOMAIN_GUEST_INFO_USERS = 1 << 0,
    QV_DOMAIN_GUEST_INFO_OS = 1 << 1,
    QV_DOMAIN_GUEST_INFO_TIMEZONE = 1 << 2,
    QV_DOMAIN_GUEST_INFO_HOSTNAME = 1 << 3,
    QV_DOMAIN_GUEST_INFO_FILESYSTEM = 1 << 4,
    QV_DOMAIN_GUEST_INFO_DISKS = 1 << 5,
    QV_DOMAIN_GUEST_INFO_INTERFACES = 1 << 6,
} qvDomainGuestInfoTypes;
int qvDomainGetGuestInfo(qvDomainPtr domain, unsigned int types, qvTypedParameterPtr *params,
                         int *nparams, unsigned int flags);

typedef enum {
    QV_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE = 0,
    QV_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT = 1,
    QV_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP = 2,
} qvDomainInterfaceAddressesSource;

typedef enum {
    QV_IP_ADDR_TYPE_IPV4 = 0,
    QV_IP_ADDR_TYPE_IPV6 = 1,
} qvIPAddrType;

typedef struct {
    int type; /* qvIPAddrType */
    char *addr;
    unsigned int prefix;
} qvDomainIPAddress;
typedef qvDomainIPAddress *qvDomainIPAddressPtr;

typedef struct {
    char *name;
    char *hwaddr;
    unsigned int naddrs;
    qvDomainIPAddressPtr addrs;
} qvDomainInterface;
typedef qvDomainInterface *qvDomainInterfacePtr;
int qvDomainInterfaceAddresses(qvDomainPtr domain, qvDomainInterfacePtr **ifaces,
                               unsigned int source, unsigned int flags);
void qvDomainInterfaceFree(qvDomainInterfacePtr iface);

/* ---- events (libvirt's ids and values) ---- */

typedef enum {
    QV_DOMAIN_EVENT_ID_LIFECYCLE = 0,
    QV_DOMAIN_EVENT_ID_REBOOT = 1,
    QV_DOMAIN_EVENT_ID_AGENT_LIFECYCLE = 18,
    /* qvirt's own, above libvirt's range: the guest's filesystems were frozen or thawed
     * (qvConnectDomainEventFSFreezeCallback) */
    QV_DOMAIN_EVENT_ID_FS_FREEZE = 1000,
} qvDomainEventID;

typedef enum {
    QV_DOMAIN_EVENT_DEFINED = 0,
    QV_DOMAIN_EVENT_UNDEFINED = 1,
    QV_DOMAIN_EVENT_STARTED = 2,
    QV_DOMAIN_EVENT_SUSPENDED = 3,
    QV_DOMAIN_EVENT_RESUMED = 4,
    QV_DOMAIN_EVENT_STOPPED = 5,
    QV_DOMAIN_EVENT_SHUTDOWN = 6,
    QV_DOMAIN_EVENT_PMSUSPENDED = 7,
    QV_DOMAIN_EVENT_CRASHED = 8,
} qvDomainEventType;

typedef enum {
    QV_DOMAIN_EVENT_DEFINED_ADDED = 0,
    QV_DOMAIN_EVENT_DEFINED_UPDATED = 1,
} qvDomainEventDefinedDetailType;

typedef enum {
    QV_DOMAIN_EVENT_UNDEFINED_REMOVED = 0,
} qvDomainEventUndefinedDetailType;

typedef enum {
    QV_DOMAIN_EVENT_STARTED_BOOTED = 0,
} qvDomainEventStartedDetailType;

typedef enum {
    QV_DOMAIN_EVENT_SUSPENDED_PAUSED = 0,
} qvDomainEventSuspendedDetailType;

typedef enum {
    QV_DOMAIN_EVENT_RESUMED_UNPAUSED = 0,
} qvDomainEventResumedDetailType;

typedef enum {
    QV_DOMAIN_EVENT_STOPPED_SHUTDOWN = 0,
    QV_DOMAIN_EVENT_STOPPED_DESTROYED = 1,
    QV_DOMAIN_EVENT_STOPPED_CRASHED = 2,
    QV_DOMAIN_EVENT_STOPPED_MIGRATED = 3,
    QV_DOMAIN_EVENT_STOPPED_SAVED = 4,
    QV_DOMAIN_EVENT_STOPPED_FAILED = 5,
    QV_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT = 6,
} qvDomainEventStoppedDetailType;

typedef enum {
    QV_DOMAIN_EVENT_SHUTDOWN_FINISHED = 0,
    QV_DOMAIN_EVENT_SHUTDOWN_GUEST = 1,
    QV_DOMAIN_EVENT_SHUTDOWN_HOST = 2,
} qvDomainEventShutdownDetailType;

typedef enum {
    QV_DOMAIN_EVENT_PMSUSPENDED_MEMORY = 0,
} qvDomainEventPMSuspendedDetailType;

typedef enum {
    QV_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED = 1,
    QV_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED = 2,
} qvConnectDomainEventAgentLifecycleState;

typedef enum {
    QV_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_UNKNOWN = 0,
    QV_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_DOMAIN_STARTED = 1,
    QV_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL = 2,
} qvConnectDomainEventAgentLifecycleReason;

typedef enum {
    QV_DOMAIN_EVENT_FS_FREEZE_FROZEN = 1,
    QV_DOMAIN_EVENT_FS_FREEZE_THAWED = 2,
    /* a thaw was not confirmed: the supervisor's freeze guard thaws the guest later */
    QV_DOMAIN_EVENT_FS_FREEZE_THAW_FAILED = 3,
} qvDomainEventFSFreezeState;

typedef enum {
    QV_DOMAIN_EVENT_FS_FREEZE_REASON_REQUEST = 1, /* qvDomainFSFreeze / qvDomainFSThaw */
    QV_DOMAIN_EVENT_FS_FREEZE_REASON_SNAPSHOT = 2, /* a quiesced snapshot */
    QV_DOMAIN_EVENT_FS_FREEZE_REASON_GUARD = 3, /* the freeze guard expired */
} qvDomainEventFSFreezeReason;

typedef void (*qvFreeCallback)(void *opaque);
typedef void (*qvConnectDomainEventGenericCallback)(qvConnectPtr conn, qvDomainPtr dom,
                                                    void *opaque);
typedef void (*qvConnectDomainEventCallback)(qvConnectPtr conn, qvDomainPtr dom, int event,
                                             int detail, void *opaque);
typedef void (*qvConnectDomainEventAgentLifecycleCallback)(qvConnectPtr conn, qvDomainPtr dom,
                                                           int state, int reason, void *opaque);
typedef void (*qvConnectDomainEventFSFreezeCallback)(qvConnectPtr conn, qvDomainPtr dom, int state,
                                                     int reason, void *opaque);
#define QV_DOMAIN_EVENT_CALLBACK(cb) ((qvConnectDomainEventGenericCallback)(cb))

/*
 * Register for events of one domain (dom) or all (NULL). Callbacks run from
 * qvEventRunDefaultImpl(), in the thread that calls it. Returns a callback id.
 */
int qvConnectDomainEventRegisterAny(qvConnectPtr conn, qvDomainPtr dom, int eventID,
                                    qvConnectDomainEventGenericCallback cb, void *opaque,
                                    qvFreeCallback freecb);
int qvConnectDomainEventDeregisterAny(qvConnectPtr conn, int callbackID);

/* The default event loop (GLib's default main context): register once, then run. */
int qvEventRegisterDefaultImpl(void);
int qvEventRunDefaultImpl(void);

/* ---- guest filesystems (through the agent) ---- */

/*
 * Freeze the guest's filesystems (all, or the given mount points); returns how many
 * were frozen. qvirt records the freeze with the domain's supervisor first, which thaws
 * the guest itself if it is still frozen when the freeze guard expires (default 300 s,
 * $QVIRT_FREEZE_GUARD_SECONDS), even if the freezing process is gone. A failed freeze
 * is followed by a thaw.
 */
int qvDomainFSFreeze(qvDomainPtr domain, const char **mountpoints, unsigned int nmountpoints,
                     unsigned int flags);
/* Thaw every filesystem (qemu-ga thaws all: mount points are refused); returns how many
 * were thawed; the thaw is verified with guest-fsfreeze-status. */
int qvDomainFSThaw(qvDomainPtr domain, const char **mountpoints, unsigned int nmountpoints,
                   unsigned int flags);

typedef struct {
    char *mountpoint;
    char *name; /* the guest's device, e.g. "vda1" or "/dev/vda" */
    char *fstype;
    size_t ndevAlias;
    char **devAlias; /* the domain's disk targets holding it, e.g. "vda" */
} qvDomainFSInfo;
typedef qvDomainFSInfo *qvDomainFSInfoPtr;
int qvDomainGetFSInfo(qvDomainPtr domain, qvDomainFSInfoPtr **info, unsigned int flags);
void qvDomainFSInfoFree(qvDomainFSInfoPtr info);
