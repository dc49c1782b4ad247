/* internal.h: what every qvirt source file needs: GLib, gettext macros, flag checks. */
#pragma once

#include <glib.h>
#include <glib/gi18n-lib.h>
#include <stdbool.h>
#include <string.h>

#include <qvirt/qvirt.h>

/* Where the message catalogues are: $QVIRT_LOCALEDIR, else the installed ones. */
#define QV_LOCALEDIR()                                                                         \
    (g_getenv("QVIRT_LOCALEDIR") && *g_getenv("QVIRT_LOCALEDIR") ? g_getenv("QVIRT_LOCALEDIR") \
                                                                 : LOCALEDIR)

#define STREQ(a, b) (strcmp((a), (b)) == 0)
#define STRNEQ(a, b) (strcmp((a), (b)) != 0)
#define STREQ_NULLABLE(a, b) (g_strcmp0((a), (b)) == 0)
#define STRNEQ_NULLABLE(a, b) (g_strcmp0((a), (b)) != 0)
#define STRPREFIX(a, b) (strncmp((a), (b), strlen(b)) == 0)
#define NULLSTR(s) ((s) ? (s) : "<null>")

#define QV_ATTRIBUTE_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define QV_WARN_UNUSED_RESULT __attribute__((warn_unused_result))

/*
 * Reject unknown flag bits with libvirt's exact message, so that clients relying on
 * "unsupported flags (0x...) in function ..." see what they expect.
 */
#define qvCheckFlags(supported, retval)                                \
    do {                                                               \
        unsigned int qv_unknown_ = flags & ~(unsigned int)(supported); \
        if (qv_unknown_) {                                             \
            qvReportInvalidFlags(QV_FROM_THIS, __func__, qv_unknown_); \
            return retval;                                             \
        }                                                              \
    } while (0)

/* Two flags that cannot be used together. */
#define qvExclusiveFlags(f1, f2, retval)                    \
    do {                                                    \
        if ((flags & (f1)) && (flags & (f2))) {             \
            qvReportExclusiveFlags(QV_FROM_THIS, #f1, #f2); \
            return retval;                                  \
        }                                                   \
    } while (0)

/* f2 needs f1: the message names both, as libvirt's VIR_REQUIRE_FLAG_RET does. */
#define qvRequireFlag(f1, f2, retval)                     \
    do {                                                  \
        if ((flags & (f2)) && !(flags & (f1))) {          \
            qvReportRequiredFlag(QV_FROM_THIS, #f1, #f2); \
            return retval;                                \
        }                                                 \
    } while (0)
