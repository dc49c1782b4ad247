/* qverror.c: the thread-local last error, libvirt-compatible message prefixes, reporting. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>

#include "qverror.h"
#include "qvlog.h"

#define QV_FROM_THIS QV_FROM_NONE

QV_LOG_INIT("util.error");

static void qvErrorFreeTLS(gpointer data)
{
    qvFreeError(data);
}

static GPrivate qvLastErr = G_PRIVATE_INIT(qvErrorFreeTLS);

static qvErrorPtr qvLastErrorObject(void)
{
    qvErrorPtr err = g_private_get(&qvLastErr);

    if (!err) {
        err = g_new0(qvError, 1);
        g_private_set(&qvLastErr, err);
    }
    return err;
}

void qvResetError(qvErrorPtr err)
{
    if (!err)
        return;
    g_free(err->message);
    g_free(err->str1);
    g_free(err->str2);
    g_free(err->str3);
    memset(err, 0, sizeof(*err));
}

void qvFreeError(qvErrorPtr err)
{
    qvResetError(err);
    g_free(err);
}

static void qvCopyError(const qvError *from, qvErrorPtr to)
{
    qvResetError(to);
    to->code = from->code;
    to->domain = from->domain;
    to->level = from->level;
    to->message = g_strdup(from->message);
    to->str1 = g_strdup(from->str1);
    to->str2 = g_strdup(from->str2);
    to->str3 = g_strdup(from->str3);
    to->int1 = from->int1;
    to->int2 = from->int2;
}

qvErrorPtr qvGetLastError(void)
{
    qvErrorPtr err = g_private_get(&qvLastErr);

    if (!err || err->code == QV_ERR_OK)
        return NULL;
    return err;
}

const char *qvGetLastErrorMessage(void)
{
    qvErrorPtr err = qvGetLastError();

    if (!err)
        return _("no error");
    if (!err->message)
        return _("unknown error");
    return err->message;
}

int qvGetLastErrorCode(void)
{
    qvErrorPtr err = qvGetLastError();

    return err ? err->code : QV_ERR_OK;
}

int qvGetLastErrorDomain(void)
{
    qvErrorPtr err = qvGetLastError();

    return err ? err->domain : QV_FROM_NONE;
}

void qvResetLastError(void)
{
    qvErrorPtr err = g_private_get(&qvLastErr);

    if (err)
        qvResetError(err);
}

int qvCopyLastError(qvErrorPtr to)
{
    qvErrorPtr err = qvGetLastError();

    if (!to)
        return -1;
    if (!err) {
        qvResetError(to);
        return 0;
    }
    qvCopyError(err, to);
    return to->code;
}

qvErrorPtr qvSaveLastError(void)
{
    qvErrorPtr copy = g_new0(qvError, 1);

    qvCopyLastError(copy);
    return copy;
}

qvErrorPtr qvErrorPreserveLast(void)
{
    if (!qvGetLastError())
        return NULL;
    return qvSaveLastError();
}

void qvErrorRestore(qvErrorPtr *saved)
{
    if (!*saved)
        return;
    qvCopyError(*saved, qvLastErrorObject());
    g_clear_pointer(saved, qvFreeError);
}

/*
 * The message each code starts with. The texts are libvirt's, so that a libvirt client
 * (or a script matching on them) sees what it is used to; qvirt's own codes follow.
 */
static const char *qvErrorMsgFormatKnown(int code)
{
    switch ((qvErrorNumber)code) {
    case QV_ERR_OK:
        return "%s";
    case QV_ERR_INTERNAL_ERROR:
        return _("internal error: %s");
    case QV_ERR_NO_MEMORY:
        return _("out of memory: %s");
    case QV_ERR_NO_SUPPORT:
        return _("this function is not supported by the connection driver: %s");
    case QV_ERR_NO_CONNECT:
        return _("no connection driver available for %s");
    case QV_ERR_INVALID_CONN:
        return _("invalid connection pointer in %s");
    case QV_ERR_INVALID_DOMAIN:
        return _("invalid domain pointer in %s");
    case QV_ERR_INVALID_ARG:
        return _("invalid argument: %s");
    case QV_ERR_OPERATION_FAILED:
        return _("operation failed: %s");
    case QV_ERR_NO_NAME:
        return _("missing name information in %s");
    case QV_ERR_XML_ERROR:
        return _("XML error: %s");
    case QV_ERR_DOM_EXIST:
        return _("domain %s exists already");
    case QV_ERR_OPERATION_DENIED:
        return _("operation forbidden: %s");
    case QV_ERR_OPEN_FAILED:
        return _("failed to open configuration file %s");
    case QV_ERR_READ_FAILED:
        return _("failed to read configuration file %s");
    case QV_ERR_PARSE_FAILED:
        return _("failed to parse configuration file %s");
    case QV_ERR_CONF_SYNTAX:
        return _("configuration file syntax error: %s");
    case QV_ERR_WRITE_FAILED:
        return _("failed to write configuration file: %s");
    case QV_ERR_XML_DETAIL:
    case QV_ERR_SYSTEM_ERROR:
    case QV_ERR_RPC:
        return "%s";
    case QV_ERR_NO_DOMAIN:
        return _("Domain not found: %s");
    case QV_ERR_AUTH_FAILED:
        return _("authentication failed: %s");
    case QV_ERR_OPERATION_INVALID:
        return _("Requested operation is not valid: %s");
    case QV_ERR_CONFIG_UNSUPPORTED:
        return _("unsupported configuration: %s");
    case QV_ERR_OPERATION_TIMEOUT:
        return _("Timed out during operation: %s");
    case QV_ERR_INVALID_DOMAIN_SNAPSHOT:
        return _("Invalid snapshot: %s");
    case QV_ERR_NO_DOMAIN_SNAPSHOT:
        return _("Domain snapshot not found: %s");
    case QV_ERR_ARGUMENT_UNSUPPORTED:
        return _("argument unsupported: %s");
    case QV_ERR_OPERATION_ABORTED:
        return _("operation aborted: %s");
    case QV_ERR_OVERFLOW:
        return _("value too large: %s");
    case QV_ERR_OPERATION_UNSUPPORTED:
        return _("Operation not supported: %s");
    case QV_ERR_AGENT_UNRESPONSIVE:
        return _("Guest agent is not responding: %s");
    case QV_ERR_RESOURCE_BUSY:
        return _("resource busy: %s");
    case QV_ERR_ACCESS_DENIED:
        return _("access denied: %s");
    case QV_ERR_XML_INVALID_SCHEMA:
        return _("XML document failed to validate against schema: %s");
    case QV_ERR_AGENT_UNSYNCED:
        return _("guest agent replied with wrong id to guest-sync command: %s");
    case QV_ERR_MULTIPLE_DOMAINS:
        return _("multiple matching domains found: %s");
    case QV_ERR_AGENT_NOT_CONFIGURED:
        return _("Guest agent is not configured: %s");
    case QV_ERR_AGENT_NOT_CONNECTED:
        return _("Guest agent is not connected: %s");
    case QV_ERR_AGENT_SYNC_TIMEOUT:
        return _("Guest agent is not responding: %s");
    case QV_ERR_AGENT_COMMAND_TIMEOUT:
        return _("guest agent command timed out: %s");
    case QV_ERR_AGENT_COMMAND_FAILED:
        return _("guest agent command failed: %s");
    case QV_ERR_AGENT_UNSUPPORTED:
        return _("guest agent command not supported: %s");
    case QV_ERR_AGENT_GUEST_FROZEN:
        return _("guest filesystems are frozen: %s");
    case QV_ERR_AGENT_MALFORMED_REPLY:
        return _("malformed reply from guest agent: %s");
    case QV_ERR_AGENT_QUARANTINED:
        return _("Guest agent is quarantined: %s");
    }
    return NULL;
}

const char *qvErrorMsgFormat(int code)
{
    const char *fmt = qvErrorMsgFormatKnown(code);

    return fmt ? fmt : _("unknown error: %s");
}

bool qvErrorCodeIsKnown(int code)
{
    return qvErrorMsgFormatKnown(code) != NULL;
}

/*
 * The libvirt code a libvirt client expects for each of qvirt's own codes (libvirt's
 * codes map to themselves). Used where errors leave through libvirt's wire protocol.
 */
int qvErrorCodeToLibvirt(int code)
{
    switch (code) {
    case QV_ERR_AGENT_NOT_CONFIGURED:
        return QV_ERR_ARGUMENT_UNSUPPORTED;
    case QV_ERR_AGENT_NOT_CONNECTED:
    case QV_ERR_AGENT_SYNC_TIMEOUT:
    case QV_ERR_AGENT_COMMAND_TIMEOUT:
    case QV_ERR_AGENT_QUARANTINED:
        return QV_ERR_AGENT_UNRESPONSIVE;
    case QV_ERR_AGENT_COMMAND_FAILED:
    case QV_ERR_AGENT_UNSUPPORTED:
    case QV_ERR_AGENT_GUEST_FROZEN:
    case QV_ERR_AGENT_MALFORMED_REPLY:
        return QV_ERR_INTERNAL_ERROR;
    default:
        return code;
    }
}

static void qvSetError(int domain, int code, int level, char *message, const char *funcname)
{
    qvErrorPtr err = qvLastErrorObject();
    int saved_errno = errno;

    qvResetError(err);
    err->domain = domain;
    err->code = code;
    err->level = level;
    err->message = message;
    QV_DEBUG("error %d from %s: %s", code, NULLSTR(funcname), message);
    errno = saved_errno;
}

void qvSetErrorFromFields(int domain, int code, int level, const char *message)
{
    qvSetError(domain, code, level, g_strdup(message ? message : _("unknown error")), NULL);
}

void qvReportErrorFull(int domain, int code, const char *funcname, const char *fmt, ...)
{
    g_autofree char *detail = NULL;
    va_list ap;

    va_start(ap, fmt);
    detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* the format comes from the table above: one %s each, checked by the unit tests */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    qvSetError(domain, code, QV_ERR_ERROR, g_strdup_printf(qvErrorMsgFormat(code), detail),
               funcname);
#pragma GCC diagnostic pop
}

void qvReportSystemErrorFull(int domain, int theerrno, const char *funcname, const char *fmt, ...)
{
    g_autofree char *detail = NULL;
    va_list ap;

    va_start(ap, fmt);
    detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qvSetError(domain, QV_ERR_SYSTEM_ERROR, QV_ERR_ERROR,
               g_strdup_printf("%s: %s", detail, g_strerror(theerrno)), funcname);
}

void qvReportInvalidFlags(int domain, const char *funcname, unsigned int flags)
{
    qvErrorPtr err;

    /* libvirt sends this one without the "invalid argument: " prefix */
    qvSetError(domain, QV_ERR_INVALID_ARG, QV_ERR_ERROR,
               g_strdup_printf(_("unsupported flags (0x%x) in function %s"), flags, funcname),
               funcname);
    err = qvLastErrorObject();
    err->str1 = g_strdup(funcname);
    err->str2 = g_strdup("flags");
}

void qvReportExclusiveFlags(int domain, const char *flag1, const char *flag2)
{
    qvReportErrorFull(domain, QV_ERR_INVALID_ARG, NULL,
                      _("Flags '%s' and '%s' are mutually exclusive"), flag1, flag2);
}

void qvReportRequiredFlag(int domain, const char *required, const char *by)
{
    /* libvirt's exact text, without the "invalid argument: " prefix */
    qvSetError(domain, QV_ERR_INVALID_ARG, QV_ERR_ERROR,
               g_strdup_printf(_("Flag '%s' is required by flag '%s'"), required, by), NULL);
}

void qvReportInvalidNonNullArg(int domain, const char *funcname, const char *argname)
{
    qvReportErrorFull(domain, QV_ERR_INVALID_ARG, funcname, _("%s in %s must not be NULL"), argname,
                      funcname);
}
