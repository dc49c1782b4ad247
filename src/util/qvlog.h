/* qvlog.h: debug logging by category, chosen with QVIRT_LOG_FILTERS; library code logs at debug. */
#pragma once

#include "internal.h"

typedef enum {
    QV_LOG_DEBUG = 1,
    QV_LOG_INFO = 2,
    QV_LOG_WARN = 3,
    QV_LOG_ERROR = 4,
    QV_LOG_NONE = 5,
} qvLogPriority;

typedef struct {
    const char *name; /* category, e.g. "qemu.agent" */
    unsigned int serial; /* filter generation the cached priority belongs to */
    int priority; /* cached threshold for this category */
} qvLogSource;

#define QV_LOG_INIT(n) static G_GNUC_UNUSED qvLogSource qvLogSelf = { .name = (n) }

void qvLogMessage(qvLogSource *source, qvLogPriority priority, const char *funcname, int linenr,
                  const char *fmt, ...) G_GNUC_PRINTF(5, 6);
bool qvLogWanted(qvLogSource *source, qvLogPriority priority);

#define QV_LOG(prio, ...)                                                      \
    do {                                                                       \
        if (qvLogWanted(&qvLogSelf, (prio)))                                   \
            qvLogMessage(&qvLogSelf, (prio), __func__, __LINE__, __VA_ARGS__); \
    } while (0)
#define QV_DEBUG(...) QV_LOG(QV_LOG_DEBUG, __VA_ARGS__)
#define QV_INFO(...) QV_LOG(QV_LOG_INFO, __VA_ARGS__)
#define QV_WARN(...) QV_LOG(QV_LOG_WARN, __VA_ARGS__)
#define QV_ERROR(...) QV_LOG(QV_LOG_ERROR, __VA_ARGS__)

/*
 * Filters: space-separated "category:level" items (level debug|info|warning|error or
 * libvirt's 1..4); a category matches itself and its dotted sub-categories. Items
 * later in the list win. The default priority applies where nothing matches.
 */
int qvLogSetFilters(const char *filters);
void qvLogSetDefaultPriority(qvLogPriority priority);
/* Where lines go: NULL or "stderr", or a file path (appended to). */
int qvLogSetOutput(const char *path);
/* Read QVIRT_LOG_FILTERS and QVIRT_LOG_OUTPUTS from the environment. */
void qvLogSetFromEnv(void);
