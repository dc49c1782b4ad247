/* qvirt-error.h: typed errors of the qvirt API; codes and domains keep libvirt's values. */
#pragma once

#ifndef QVIRT_H_INCLUDE
#error "include <qvirt/qvirt.h>, not this header"
#endif

typedef enum {
    QV_ERR_NONE = 0,
    QV_ERR_WARNING = 1,
    QV_ERR_ERROR = 2,
} qvErrorLevel;

/* Where an error came from: the values of libvirt's virErrorDomain. */
typedef enum {
    QV_FROM_NONE = 0,
    QV_FROM_XML = 5,
    QV_FROM_DOM = 6,
    QV_FROM_RPC = 7,
    QV_FROM_CONF = 9,
    QV_FROM_QEMU = 10,
    QV_FROM_REMOTE = 13,
    QV_FROM_DOMAIN = 20,
    QV_FROM_DOMAIN_SNAPSHOT = 35,
    QV_FROM_URI = 45,
    QV_FROM_THREAD = 61,
    QV_FROM_SYSTEM = 1000, /* qvirt: files, processes, sockets */
    QV_FROM_AGENT = 1001, /* qvirt: the guest agent client */
} qvErrorDomain;

/*
 * Error codes. 0..110 are libvirt's virErrorNumber values, unchanged, so that the
 * codes cross libvirt's wire protocol as they are. Codes from 1000 are qvirt's own,
 * finer agent errors; qvErrorCodeToLibvirt() gives the libvirt code a libvirt
 * client would expect for each of them.
 */
typedef enum {
    QV_ERR_OK = 0,
    QV_ERR_INTERNAL_ERROR = 1,
    QV_ERR_NO_MEMORY = 2,
    QV_ERR_NO_SUPPORT = 3,
    QV_ERR_NO_CONNECT = 5,
    QV_ERR_INVALID_CONN = 6,
    QV_ERR_INVALID_DOMAIN = 7,
    QV_ERR_INVALID_ARG = 8,
    QV_ERR_OPERATION_FAILED = 9,
    QV_ERR_NO_NAME = 21,
    QV_ERR_XML_ERROR = 27,
    QV_ERR_DOM_EXIST = 28,
    QV_ERR_OPERATION_DENIED = 29,
    QV_ERR_OPEN_FAILED = 30,
    QV_ERR_READ_FAILED = 31,
    QV_ERR_PARSE_FAILED = 32,
    QV_ERR_CONF_SYNTAX = 33,
    QV_ERR_WRITE_FAILED = 34,
    QV_ERR_XML_DETAIL = 35,
    QV_ERR_SYSTEM_ERROR = 38,
    QV_ERR_RPC = 39,
    QV_ERR_NO_DOMAIN = 42,
    QV_ERR_AUTH_FAILED = 45,
    QV_ERR_OPERATION_INVALID = 55,
    QV_ERR_CONFIG_UNSUPPORTED = 67,
    QV_ERR_OPERATION_TIMEOUT = 68,
    QV_ERR_INVALID_DOMAIN_SNAPSHOT = 71,
    QV_ERR_NO_DOMAIN_SNAPSHOT = 72,
    QV_ERR_ARGUMENT_UNSUPPORTED = 74,
    QV_ERR_OPERATION_ABORTED = 78,
    QV_ERR_OVERFLOW = 82,
    QV_ERR_OPERATION_UNSUPPORTED = 84,
    QV_ERR_AGENT_UNRESPONSIVE = 86,
    QV_ERR_RESOURCE_BUSY = 87,
    QV_ERR_ACCESS_DENIED = 88,
    QV_ERR_XML_INVALID_SCHEMA = 92,
    QV_ERR_AGENT_UNSYNCED = 97,
    QV_ERR_MULTIPLE_DOMAINS = 110,

    /* qvirt's own codes: each agent failure has its own, so no caller matches strings */
    QV_ERR_AGENT_NOT_CONFIGURED = 1000, /* the domain has no agent channel */
    QV_ERR_AGENT_NOT_CONNECTED = 1001, /* channel closed: qemu-ga is not running */
    QV_ERR_AGENT_SYNC_TIMEOUT = 1002, /* open but silent: guest-sync timed out */
    QV_ERR_AGENT_COMMAND_TIMEOUT = 1003, /* command sent, no reply within its limit */
    QV_ERR_AGENT_COMMAND_FAILED = 1004, /* qemu-ga answered with an error */
    QV_ERR_AGENT_UNSUPPORTED = 1005, /* this qemu-ga lacks or disabled the command */
    QV_ERR_AGENT_GUEST_FROZEN = 1006, /* refused: guest filesystems are frozen */
    QV_ERR_AGENT_MALFORMED_REPLY = 1007, /* the reply does not have the expected shape */
    QV_ERR_AGENT_QUARANTINED = 1008, /* too much hostile input; waiting for reconnect */
} qvErrorNumber;

typedef struct _qvError qvError;
typedef qvError *qvErrorPtr;
struct _qvError {
    int code; /* qvErrorNumber */
    int domain; /* qvErrorDomain */
    char *message; /* the whole human-readable, translated message */
    qvErrorLevel level;
    char *str1; /* extra information, as in libvirt's virError */
    char *str2;
    char *str3;
    int int1;
    int int2;
};

qvErrorPtr qvGetLastError(void);
const char *qvGetLastErrorMessage(void);
int qvGetLastErrorCode(void);
int qvGetLastErrorDomain(void);
void qvResetLastError(void);
int qvCopyLastError(qvErrorPtr to);
qvErrorPtr qvSaveLastError(void);
void qvResetError(qvErrorPtr err);
void qvFreeError(qvErrorPtr err);
int qvErrorCodeToLibvirt(int code);
