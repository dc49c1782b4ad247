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
