/* qverror.h: reporting typed errors; each failing function records exactly one. */
#pragma once

#include "internal.h"

void qvReportErrorFull(int domain, int code, const char *funcname, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
void qvReportSystemErrorFull(int domain, int theerrno, const char *funcname, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
void qvReportInvalidFlags(int domain, const char *funcname, unsigned int flags);
void qvReportExclusiveFlags(int domain, const char *flag1, const char *flag2);
void qvReportRequiredFlag(int domain, const char *required, const char *by);
void qvReportInvalidNonNullArg(int domain, const char *funcname, const char *argname);

#define qvReportError(code, ...) qvReportErrorFull(QV_FROM_THIS, (code), __func__, __VA_ARGS__)
#define qvReportSystemError(theerrno, ...) \
    qvReportSystemErrorFull(QV_FROM_THIS, (theerrno), __func__, __VA_ARGS__)

#define qvCheckNonNullArgReturn(arg, retval)                         \
    do {                                                             \
        if (!(arg)) {                                                \
            qvReportInvalidNonNullArg(QV_FROM_THIS, __func__, #arg); \
            return retval;                                           \
        }                                                            \
    } while (0)

/* Keep the current error across cleanup code that may report its own. */
qvErrorPtr qvErrorPreserveLast(void);
void qvErrorRestore(qvErrorPtr *saved);

/* The message an error code starts with, e.g. "Domain not found: %s". */
const char *qvErrorMsgFormat(int code);
/* Whether code is one of qvErrorNumber's. */
bool qvErrorCodeIsKnown(int code);

/* Install an error received from elsewhere (e.g. over the wire), as it is. */
void qvSetErrorFromFields(int domain, int code, int level, const char *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(qvError, qvFreeError)
