/* qvlog.c: category filters with a cached per-category threshold, one line per message. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "qverror.h"
#include "qvlog.h"

#define QV_FROM_THIS QV_FROM_NONE

typedef struct {
    char *match;
    int priority;
} qvLogFilter;

static GMutex qvLogLock;
static GArray *qvLogFilters; /* of qvLogFilter */
static int qvLogDefault = QV_LOG_NONE; /* library code is silent unless asked */
static unsigned int qvLogSerial = 1;
static FILE *qvLogFile;

static int qvLogParsePriority(const char *str)
{
    static const char *const names[] = { "debug", "info", "warning", "error" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        if (g_ascii_strcasecmp(str, names[i]) == 0 || (str[0] == (char)('1' + i) && str[1] == '\0'))
            return (int)i + QV_LOG_DEBUG;
    }
    if (g_ascii_strcasecmp(str, "warn") == 0)
        return QV_LOG_WARN;
    return -1;
}

static void qvLogFilterClear(gpointer data)
{
    g_free(((qvLogFilter *)data)->match);
}

int qvLogSetFilters(const char *filters)
{
    g_autoptr(GArray) parsed = g_array_new(FALSE, TRUE, sizeof(qvLogFilter));
    g_auto(GStrv) items = NULL;
    size_t i;

    g_array_set_clear_func(parsed, qvLogFilterClear);
    items = g_strsplit_set(filters ? filters : "", " \t,", -1);
    for (i = 0; items[i]; i++) {
        qvLogFilter f;
        const char *colon;
        int prio;

        if (!*items[i])
            continue;
        /* accept both "cat:level" and libvirt's "level:cat" */
        colon = strchr(items[i], ':');
        if (!colon) {
            qvReportError(QV_ERR_INVALID_ARG, _("log filter '%s' has no ':'"), items[i]);
            return -1;
        }
        if ((prio = qvLogParsePriority(colon + 1)) > 0) {
            f.match = g_strndup(items[i], colon - items[i]);
        } else {
            g_autofree char *lvl = g_strndup(items[i], colon - items[i]);

            if ((prio = qvLogParsePriority(lvl)) < 0) {
                qvReportError(QV_ERR_INVALID_ARG,
                              _("log filter '%s' has no valid level (debug, info, warning, error)"),
                              items[i]);
                return -1;
            }
            f.match = g_strdup(colon + 1);
        }
        f.priority = prio;
        g_array_append_val(parsed, f);
    }

    g_mutex_lock(&qvLogLock);
    if (qvLogFilters)
        g_array_unref(qvLogFilters);
    qvLogFilters = g_steal_pointer(&parsed);
    qvLogSerial++;
    g_mutex_unlock(&qvLogLock);
    return 0;
}

void qvLogSetDefaultPriority(qvLogPriority priority)
{
    g_mutex_lock(&qvLogLock);
    qvLogDefault = priority;
    qvLogSerial++;
    g_mutex_unlock(&qvLogLock);
}

int qvLogSetOutput(const char *path)
{
    FILE *fp = NULL;

    if (path && *path && STRNEQ(path, "stderr")) {
        const char *file = STRPREFIX(path, "file:") ? path + 5 : path;

        if (!(fp = fopen(file, "ae"))) {
            qvReportSystemError(errno, _("cannot open log file '%s'"), file);
            return -1;
        }
        setvbuf(fp, NULL, _IOLBF, 0);
    }
    g_mutex_lock(&qvLogLock);
    if (qvLogFile)
        fclose(qvLogFile);
    qvLogFile = fp;
    g_mutex_unlock(&qvLogLock);
    return 0;
}

void qvLogSetFromEnv(void)
{
    const char *filters = g_getenv("QVIRT_LOG_FILTERS");
    const char *outputs = g_getenv("QVIRT_LOG_OUTPUTS");

    /* a bad setting must not stop the program; it is reported once on stderr */
    if (filters && qvLogSetFilters(filters) < 0)
        g_printerr("qvirt: QVIRT_LOG_FILTERS: %s\n", qvGetLastErrorMessage());
    if (outputs && qvLogSetOutput(outputs) < 0)
        g_printerr("qvirt: QVIRT_LOG_OUTPUTS: %s\n", qvGetLastErrorMessage());
    qvResetLastError();
}

static bool qvLogMatches(const char *match, const char *name)
{
    size_t len = strlen(match);

    return strncmp(match, name, len) == 0 && (name[len] == '\0' || name[len] == '.');
}

bool qvLogWanted(qvLogSource *source, qvLogPriority priority)
{
    unsigned int serial = (unsigned int)g_atomic_int_get(&qvLogSerial);

    if ((unsigned int)g_atomic_int_get(&source->serial) != serial) {
        int prio;
        guint i;

        g_mutex_lock(&qvLogLock);
        prio = qvLogDefault;
        for (i = 0; qvLogFilters && i < qvLogFilters->len; i++) {
            qvLogFilter *f = &g_array_index(qvLogFilters, qvLogFilter, i);

            if (qvLogMatches(f->match, source->name))
                prio = f->priority;
        }
        source->priority = prio;
        g_atomic_int_set(&source->serial, qvLogSerial);
        g_mutex_unlock(&qvLogLock);
    }
    return (int)priority >= source->priority;
}

void qvLogMessage(qvLogSource *source, qvLogPriority priority, const char *funcname, int linenr,
                  const char *fmt, ...)
{
    static const char *const prionames[] = { "", "debug", "info", "warning", "error" };
    g_autofree char *msg = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S.%f");
    int saved_errno = errno;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    /* %f gives microseconds; keep milliseconds, like libvirt */
    if (strlen(stamp) > 23)
        stamp[23] = '\0';
    g_mutex_lock(&qvLogLock);
    fprintf(qvLogFile ? qvLogFile : stderr, "%s+0000: %d: %s : %s:%d : %s\n", stamp, (int)getpid(),
            prionames[priority < QV_LOG_NONE ? priority : 0], funcname, linenr, msg);
    g_mutex_unlock(&qvLogLock);
    (void)source;
    errno = saved_errno;
}
