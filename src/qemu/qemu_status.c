/* qemu_status.c: launch specs and status files as GKeyFiles, parsed strictly. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain_conf.h"
#include "qemu_status.h"
#include "qverror.h"
#include "qvfile.h"

#define QV_FROM_THIS QV_FROM_QEMU

#define QEMU_STATUS_MAX_BYTES (1024 * 1024)

QV_ENUM_IMPL(qemuAgentChannelState, QEMU_AGENT_CHANNEL_LAST, "none", "disconnected", "connected");
QV_ENUM_IMPL(qemuFSFreezeState, QV_DOMAIN_EVENT_FS_FREEZE_THAW_FAILED + 1, NULL, "frozen", "thawed",
             "thaw-failed");
QV_ENUM_IMPL(qemuFSFreezeReason, QV_DOMAIN_EVENT_FS_FREEZE_REASON_GUARD + 1, NULL, "request",
             "snapshot", "guard");

void qemuLaunchSpecFree(qemuLaunchSpec *spec)
{
    if (!spec)
        return;
    g_free(spec->name);
    g_strfreev(spec->argv);
    g_strfreev(spec->env);
    g_free(spec->logPath);
    g_free(spec->monitorPath);
    g_free(spec->proxyPath);
    g_free(spec->statusPath);
    g_free(spec->lockPath);
    g_free(spec->historyPath);
    g_free(spec->agentPort);
    g_free(spec->agentPath);
    g_free(spec->agentRelayPath);
    g_strfreev(spec->removeOnExit);
    while (spec->nfiles > 0)
        qemuLaunchFileClear(&spec->files[--spec->nfiles]);
    g_free(spec->files);
    g_free(spec);
}

void qemuLaunchFileClear(qemuLaunchFile *f)
{
    g_clear_pointer(&f->path, g_free);
}

int qemuLaunchFileOpen(const qemuLaunchFile *f)
{
    /* O_NONBLOCK: a FIFO without a reader fails at once instead of hanging the start */
    int flags =
        O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (f->append ? O_APPEND : O_TRUNC);
    int fd = open(f->path, flags, 0600);
    struct stat st;

    if (fd < 0 && errno == ELOOP && lstat(f->path, &st) == 0 && S_ISLNK(st.st_mode)) {
        qvReportError(QV_ERR_OPERATION_INVALID,
                      _("'%s' is a symbolic link; qvirt does not open a file QEMU writes "
                        "through one"),
                      f->path);
        return -1;
    }
    if (fd < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        qvReportSystemError(errno, _("cannot open '%s' for QEMU"), f->path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

char *qemuLaunchSpecFormat(const qemuLaunchSpec *spec)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    const char *g = "launch";

    g_key_file_set_string(kf, g, "name", spec->name);
    g_key_file_set_string_list(kf, g, "argv", (const char *const *)spec->argv,
                               g_strv_length(spec->argv));
    g_key_file_set_string_list(kf, g, "env", (const char *const *)spec->env,
                               g_strv_length(spec->env));
    g_key_file_set_string(kf, g, "log", spec->logPath);
    g_key_file_set_string(kf, g, "monitor", spec->monitorPath);
    g_key_file_set_string(kf, g, "proxy", spec->proxyPath);
    g_key_file_set_string(kf, g, "status", spec->statusPath);
    g_key_file_set_string(kf, g, "lock", spec->lockPath);
    if (spec->historyPath)
        g_key_file_set_string(kf, g, "history", spec->historyPath);
    if (spec->agentPort)
        g_key_file_set_string(kf, g, "agent-port", spec->agentPort);
    if (spec->agentPath && spec->agentRelayPath) {
        g_key_file_set_string(kf, g, "agent-path", spec->agentPath);
        g_key_file_set_string(kf, g, "agent-relay", spec->agentRelayPath);
    }
    if (spec->removeOnExit)
        g_key_file_set_string_list(kf, g, "remove-on-exit", (const char *const *)spec->removeOnExit,
                                   g_strv_length(spec->removeOnExit));
    g_key_file_set_string(kf, g, "on-poweroff",
                          domainLifecycleActionTypeToString(spec->onPoweroff));
    g_key_file_set_string(kf, g, "on-reboot", domainLifecycleActionTypeToString(spec->onReboot));
    g_key_file_set_integer(kf, g, "start-timeout-ms", spec->startTimeoutMs);
    g_key_file_set_boolean(kf, g, "start-paused", spec->startPaused);
    if (spec->nfiles) {
        g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
        size_t i;

        /* FD:MODE:PATH (the path last: it may hold colons) */
        for (i = 0; i < spec->nfiles; i++)
            g_ptr_array_add(files, g_strdup_printf("%d:%s:%s", spec->files[i].fd,
                                                   spec->files[i].append ? "append" : "truncate",
                                                   spec->files[i].path));
        g_key_file_set_string_list(kf, g, "files", (const char *const *)files->pdata, files->len);
    }
    return g_key_file_to_data(kf, NULL, NULL);
}

/* Each getter reports what is missing or wrong, naming the file and key. */
static char *qemuKeyString(GKeyFile *kf, const char *group, const char *key, const char *path)
{
    g_autoptr(GError) err = NULL;
    char *val = g_key_file_get_string(kf, group, key, &err);

    if (!val)
        qvReportError(QV_ERR_PARSE_FAILED, _("'%s': key '%s': %s"), path, key, err->message);
    return val;
}

static int qemuKeyLLong(GKeyFile *kf, const char *group, const char *key, const char *path,
                        long long *out)
{
    g_autoptr(GError) err = NULL;
    gint64 v = g_key_file_get_int64(kf, group, key, &err);

    if (err) {
        qvReportError(QV_ERR_PARSE_FAILED, _("'%s': key '%s': %s"), path, key, err->message);
        return -1;
    }
    *out = v;
    return 0;
}

static int qemuKeyEnum(GKeyFile *kf, const char *group, const char *key, const char *path,
                       int (*fromString)(const char *), int *out)
{
    g_autofree char *s = qemuKeyString(kf, group, key, path);

    if (!s)
        return -1;
    if ((*out = fromString(s)) < 0) {
        qvReportError(QV_ERR_PARSE_FAILED, _("'%s': key '%s': unknown value '%s'"), path, key, s);
        return -1;
    }
    return 0;
}

static GKeyFile *qemuKeyFileLoad(const char *text, const char *path, const char *group)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) err = NULL;

    if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &err)) {
        qvReportError(QV_ERR_PARSE_FAILED, _("cannot parse '%s': %s"), path, err->message);
        return NULL;
    }
    if (!g_key_file_has_group(kf, group)) {
        qvReportError(QV_ERR_PARSE_FAILED, _("'%s' has no [%s] group"), path, group);
        return NULL;
    }
    return g_steal_pointer(&kf);
}

qemuLaunchSpec *qemuLaunchSpecParse(const char *text, const char *path)
{
    g_autoptr(GKeyFile) kf = qemuKeyFileLoad(text, path, "launch");
    g_autoptr(qemuLaunchSpec) spec = g_new0(qemuLaunchSpec, 1);
    g_autoptr(GError) err = NULL;
    const char *g = "launch";
    long long timeout;

    if (!kf)
        return NULL;
    if (!(spec->name = qemuKeyString(kf, g, "name", path)) ||
        !(spec->logPath = qemuKeyString(kf, g, "log", path)) ||
        !(spec->monitorPath = qemuKeyString(kf, g, "monitor", path)) ||
        !(spec->proxyPath = qemuKeyString(kf, g, "proxy", path)) ||
        !(spec->statusPath = qemuKeyString(kf, g, "status", path)) ||
        !(spec->lockPath = qemuKeyString(kf, g, "lock", path)))
        return NULL;
    if (g_key_file_has_key(kf, g, "history", NULL) &&
        !(spec->historyPath = qemuKeyString(kf, g, "history", path)))
        return NULL;
    if (g_key_file_has_key(kf, g, "agent-port", NULL) &&
        !(spec->agentPort = qemuKeyString(kf, g, "agent-port", path)))
        return NULL;
    if (g_key_file_has_key(kf, g, "agent-path", NULL) &&
        (!(spec->agentPath = qemuKeyString(kf, g, "agent-path", path)) ||
         !(spec->agentRelayPath = qemuKeyString(kf, g, "agent-relay", path))))
        return NULL;
    if (!(spec->argv = g_key_file_get_string_list(kf, g, "argv", NULL, &err)) || !spec->argv[0]) {
        qvReportError(QV_ERR_PARSE_FAILED, _("'%s': key '%s': %s"), path, "argv",
                      err ? err->message : _("empty"));
        return NULL;
    }
    if (!(spec->env = g_key_file_get_string_list(kf, g, "env", NULL, NULL)))
        spec->env = g_new0(char *, 1);
    if (!(spec->removeOnExit = g_key_file_get_string_list(kf, g, "remove-on-exit", NULL, NULL)))
        spec->removeOnExit = g_new0(char *, 1);
    if (g_key_file_has_key(kf, g, "files", NULL)) {
        g_auto(GStrv) files = g_key_file_get_string_list(kf, g, "files", NULL, NULL);
        size_t i, n = files ? g_strv_length(files) : 0;

        spec->files = g_new0(qemuLaunchFile, n);
        for (i = 0; i < n; i++) {
            g_auto(GStrv) parts = g_strsplit(files[i], ":", 3);
            guint64 fd;

            if (g_strv_length(parts) != 3 ||
                !g_ascii_string_to_unsigned(parts[0], 10, 3, 1023, &fd, NULL) ||
                (STRNEQ(parts[1], "append") && STRNEQ(parts[1], "truncate")) ||
                !g_path_is_absolute(parts[2])) {
                qvReportError(QV_ERR_PARSE_FAILED,
                              _("'%s': key '%s': '%s' is not FD:append|truncate:/PATH"), path,
                              "files", files[i]);
                return NULL;
            }
            spec->files[i].fd = (int)fd;
            spec->files[i].append = STREQ(parts[1], "append");
            spec->files[i].path = g_strdup(parts[2]);
            spec->nfiles++;
        }
    }
    if (qemuKeyEnum(kf, g, "on-poweroff", path, domainLifecycleActionTypeFromString,
                    &spec->onPoweroff) < 0 ||
        qemuKeyEnum(kf, g, "on-reboot", path, domainLifecycleActionTypeFromString,
                    &spec->onReboot) < 0 ||
        qemuKeyLLong(kf, g, "start-timeout-ms", path, &timeout) < 0)
        return NULL;
    if (timeout <= 0 || timeout > 600000) {
        qvReportError(QV_ERR_PARSE_FAILED, _("'%s': key '%s': %lld is out of range"), path,
                      "start-timeout-ms", timeout);
        return NULL;
    }
    spec->startTimeoutMs = (int)timeout;
    if (g_key_file_has_key(kf, g, "start-paused", NULL)) {
        spec->startPaused = g_key_file_get_boolean(kf, g, "start-paused", &err);
        if (err) {
            qvReportError(QV_ERR_PARSE_FAILED, _("'%s': key '%s': %s"), path, "start-paused",
                          err->message);
            return NULL;
        }
    }
    return g_steal_pointer(&spec);
}

void qemuDomainStatusInit(qemuDomainStatus *st)
{
    memset(st, 0, sizeof(*st));
    st->state = QV_DOMAIN_NOSTATE;
    st->exitStatus = -1;
    st->agentTimeout = QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_DEFAULT;
}

void qemuDomainStatusClear(qemuDomainStatus *st)
{
    g_clear_pointer(&st->exitReason, g_free);
}

char *qemuDomainStatusFormat(const qemuDomainStatus *st)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    const char *g = "status";

    g_key_file_set_integer(kf, g, "state", st->state);
    g_key_file_set_integer(kf, g, "reason", st->reason);
    g_key_file_set_string(kf, g, "agent", qemuAgentChannelStateTypeToString(st->agent));
    g_key_file_set_boolean(kf, g, "fake-reboot", st->fakeReboot);
    g_key_file_set_integer(kf, g, "agent-timeout", st->agentTimeout);
    g_key_file_set_int64(kf, g, "freeze-deadline", st->freezeDeadline);
    g_key_file_set_int64(kf, g, "qemu-pid", st->qemuPid);
    g_key_file_set_int64(kf, g, "supervisor-pid", st->supervisorPid);
    g_key_file_set_int64(kf, g, "started-at", st->startedAt);
    g_key_file_set_int64(kf, g, "stopped-at", st->stoppedAt);
    g_key_file_set_integer(kf, g, "exit-status", st->exitStatus);
    if (st->exitReason)
        g_key_file_set_string(kf, g, "exit-reason", st->exitReason);
    return g_key_file_to_data(kf, NULL, NULL);
}

int qemuDomainStatusParse(const char *text, const char *path, qemuDomainStatus *st)
{
    g_autoptr(GKeyFile) kf = qemuKeyFileLoad(text, path, "status");
    g_autoptr(GError) err = NULL;
    const char *g = "status";
    long long state, reason, exitStatus, agentTimeout;
    g_autofree char *exitReason = NULL;

    qemuDomainStatusInit(st);
    if (!kf || qemuKeyLLong(kf, g, "state", path, &state) < 0 ||
        qemuKeyLLong(kf, g, "reason", path, &reason) < 0 ||
        qemuKeyEnum(kf, g, "agent", path, qemuAgentChannelStateTypeFromString, &st->agent) < 0 ||
        qemuKeyLLong(kf, g, "qemu-pid", path, &st->qemuPid) < 0 ||
        qemuKeyLLong(kf, g, "supervisor-pid", path, &st->supervisorPid) < 0 ||
        qemuKeyLLong(kf, g, "started-at", path, &st->startedAt) < 0 ||
        qemuKeyLLong(kf, g, "stopped-at", path, &st->stoppedAt) < 0 ||
        qemuKeyLLong(kf, g, "exit-status", path, &exitStatus) < 0 ||
        qemuKeyLLong(kf, g, "agent-timeout", path, &agentTimeout) < 0 ||
        qemuKeyLLong(kf, g, "freeze-deadline", path, &st->freezeDeadline) < 0)
        return -1;
    if (agentTimeout < QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK || agentTimeout > G_MAXINT) {
        qvReportError(QV_ERR_PARSE_FAILED, _("'%s': key '%s': %lld is out of range"), path,
                      "agent-timeout", agentTimeout);
        return -1;
    }
    st->agentTimeout = (int)agentTimeout;
    if (state < QV_DOMAIN_NOSTATE || state > QV_DOMAIN_PMSUSPENDED || reason < 0 || reason > 64 ||
        exitStatus < -1 || exitStatus > G_MAXINT) {
        qvReportError(QV_ERR_PARSE_FAILED,
                      _("'%s': state %lld, reason %lld or exit status %lld is out of range"), path,
                      state, reason, exitStatus);
        return -1;
    }
    st->state = (int)state;
    st->reason = (int)reason;
    st->exitStatus = (int)exitStatus;
    st->fakeReboot = g_key_file_get_boolean(kf, g, "fake-reboot", &err);
    if (err) {
        qvReportError(QV_ERR_PARSE_FAILED, _("'%s': key '%s': %s"), path, "fake-reboot",
                      err->message);
        return -1;
    }
    if (g_key_file_has_key(kf, g, "exit-reason", NULL) &&
        !(exitReason = qemuKeyString(kf, g, "exit-reason", path)))
        return -1;
    st->exitReason = g_steal_pointer(&exitReason);
    return 0;
}

int qemuDomainStatusWrite(const char *path, const qemuDomainStatus *st)
{
    g_autofree char *text = qemuDomainStatusFormat(st);

    /* runtime state: it describes a run, which a crash of the host ends anyway, so it
     * is replaced atomically but not synced (a freeze guard armed and disarmed around
     * every quiesced snapshot would cost two disk flushes otherwise) */
    return qvFileReplace(path, text, strlen(text), 0600);
}

int qemuDomainStatusRead(const char *path, qemuDomainStatus *st)
{
    g_autofree char *text = NULL;

    qemuDomainStatusInit(st);
    if (qvFileReadAll(path, QEMU_STATUS_MAX_BYTES, &text) < 0)
        return -1;
    return qemuDomainStatusParse(text, path, st);
}

const char *qemuShutoffReasonToString(int reason)
{
    switch (reason) {
    case QV_DOMAIN_SHUTOFF_SHUTDOWN:
        return "shutdown";
    case QV_DOMAIN_SHUTOFF_DESTROYED:
        return "destroyed";
    case QV_DOMAIN_SHUTOFF_CRASHED:
        return "crashed";
    case QV_DOMAIN_SHUTOFF_FAILED:
        return "failed";
    default:
        return "unknown";
    }
}
