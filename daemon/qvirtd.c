/* qvirtd.c: the qvirt daemon: options and configuration file (with a check-only mode that
 * prints file:line: message), the state root's lock, logging to stderr or the journal,
 * and the main loop that serves libvirt's remote protocol (qvirtd-server.c). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <glib-unix.h>

#include "qvirtd.h"

typedef enum {
    QVD_KEY_STRING,
    QVD_KEY_UINT,
    QVD_KEY_MODE,
    QVD_KEY_FILTERS,
} qvdKeyType;

static const struct {
    const char *key;
    qvdKeyType type;
    gsize offset;
    guint min, max;
} qvdKeys[] = {
    { "root", QVD_KEY_STRING, G_STRUCT_OFFSET(qvdConfig, root), 0, 0 },
    { "unix_sock_path", QVD_KEY_STRING, G_STRUCT_OFFSET(qvdConfig, socket), 0, 0 },
    { "unix_sock_ro_path", QVD_KEY_STRING, G_STRUCT_OFFSET(qvdConfig, socketRO), 0, 0 },
    { "unix_sock_rw_perms", QVD_KEY_MODE, G_STRUCT_OFFSET(qvdConfig, socketMode), 0, 0777 },
    { "unix_sock_ro_perms", QVD_KEY_MODE, G_STRUCT_OFFSET(qvdConfig, socketROMode), 0, 0777 },
    { "max_clients", QVD_KEY_UINT, G_STRUCT_OFFSET(qvdConfig, maxClients), 1, 100000 },
    { "max_queued_clients", QVD_KEY_UINT, G_STRUCT_OFFSET(qvdConfig, maxQueuedClients), 1, 100000 },
    { "max_anonymous_clients", QVD_KEY_UINT, G_STRUCT_OFFSET(qvdConfig, maxAnonymousClients), 1,
      100000 },
    { "anonymous_client_timeout", QVD_KEY_UINT, G_STRUCT_OFFSET(qvdConfig, anonymousTimeout), 0,
      3600 },
    { "max_client_requests", QVD_KEY_UINT, G_STRUCT_OFFSET(qvdConfig, maxCallsPerClient), 1, 1000 },
    { "max_client_event_backlog", QVD_KEY_UINT, G_STRUCT_OFFSET(qvdConfig, maxEventBacklog), 4096,
      1024 * 1024 * 1024 },
    { "max_message_size", QVD_KEY_UINT, G_STRUCT_OFFSET(qvdConfig, maxMessage), 4096,
      REMOTE_MESSAGE_MAX },
    { "max_workers", QVD_KEY_UINT, G_STRUCT_OFFSET(qvdConfig, workers), 1, 256 },
    { "keepalive_interval", QVD_KEY_UINT, G_STRUCT_OFFSET(qvdConfig, keepaliveInterval), 0, 3600 },
    { "keepalive_count", QVD_KEY_UINT, G_STRUCT_OFFSET(qvdConfig, keepaliveCount), 1, 100 },
    { "log_outputs", QVD_KEY_STRING, G_STRUCT_OFFSET(qvdConfig, logOutput), 0, 0 },
    { "log_filters", QVD_KEY_FILTERS, G_STRUCT_OFFSET(qvdConfig, logFilters), 0, 0 },
};

static void qvdConfigDefaults(qvdConfig *cfg)
{
    bool system = geteuid() == 0;

    cfg->root = system ? g_strdup("/var/lib/qvirt")
                       : g_build_filename(g_get_user_state_dir(), "qvirt", NULL);
    cfg->socket = qvRPCDefaultSocket(system, false);
    cfg->socketRO = qvRPCDefaultSocket(system, true);
    cfg->socketMode = 0700;
    cfg->socketROMode = 0777;
    /* libvirt's defaults, except that each socket has its own max_clients and
     * max_anonymous_clients */
    cfg->maxClients = 5000;
    cfg->maxQueuedClients = 1000;
    cfg->maxAnonymousClients = 20;
    cfg->anonymousTimeout = 30;
    cfg->maxCallsPerClient = 5;
    cfg->maxEventBacklog = 1024 * 1024;
    cfg->maxMessage = REMOTE_MESSAGE_MAX;
    cfg->workers = 20;
    cfg->keepaliveInterval = 5;
    cfg->keepaliveCount = 5;
    cfg->logOutput = g_strdup("stderr");
}

static void qvdConfigClear(qvdConfig *cfg)
{
    g_free(cfg->path);
    g_free(cfg->root);
    g_free(cfg->socket);
    g_free(cfg->socketRO);
    g_free(cfg->logOutput);
    g_free(cfg->logFilters);
}

/* Read "key = value" lines (libvirt's daemon configuration syntax: numbers, "strings",
 * # comments). Every problem is reported as FILE:LINE: message; returns the count. */
/* libvirt's log filters, "LEVEL:NAME ..." (LEVEL 1 debug to 4 error, NAME a category and
 * its dotted sub-categories; a leading '+' of NAME, libvirt's stack-trace mark, is
 * accepted and ignored): the first item that does not parse, or NULL. For the library
 * they become QVIRT_LOG_FILTERS' "NAME:LEVEL ..." (out), the item named qvirtd gives the
 * level of the daemon's own lines (daemonLevel). */
static const char *qvdParseFilters(char **items, GString *out, int *daemonLevel)
{
    size_t i;

    for (i = 0; items[i]; i++) {
        const char *item = items[i];
        const char *name = strchr(item, ':');
        guint64 level;
        g_autofree char *num = NULL;

        if (!*item)
            continue;
        if (!name || !name[1])
            return item;
        num = g_strndup(item, name - item);
        name++;
        if (*name == '+')
            name++;
        if (!*name || !g_ascii_string_to_unsigned(num, 10, 1, 4, &level, NULL))
            return item;
        if (strcmp(name, "qvirtd") == 0) {
            if (daemonLevel)
                *daemonLevel = (int)level;
        } else if (out) {
            g_string_append_printf(out, "%s%s:%u", out->len ? " " : "", name, (unsigned)level);
        }
    }
    return NULL;
}

static guint qvdConfigRead(qvdConfig *cfg, const char *path, GPtrArray *problems)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GError) err = NULL;
    guint n = 0, i;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_ptr_array_add(problems, g_strdup_printf("%s: %s", path, err->message));
        return 1;
    }
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);
        char *eq, *key, *value;
        size_t k;
        bool found = false;

#define PROBLEM(...)                                                              \
    do {                                                                          \
        g_autofree char *m_ = g_strdup_printf(__VA_ARGS__);                       \
        g_ptr_array_add(problems, g_strdup_printf("%s:%u: %s", path, i + 1, m_)); \
        n++;                                                                      \
    } while (0)

        if (!*line || *line == '#')
            continue;
        if (!(eq = strchr(line, '='))) {
            PROBLEM(_("expected 'key = value', found '%s'"), line);
            continue;
        }
        *eq = '\0';
        key = g_strstrip(line);
        value = g_strstrip(eq + 1);
        for (k = 0; k < G_N_ELEMENTS(qvdKeys) && !found; k++) {
            char **str;
            guint *num;
            guint64 v;
            size_t len = strlen(value);

            if (strcmp(qvdKeys[k].key, key) != 0)
                continue;
            found = true;
            switch (qvdKeys[k].type) {
            case QVD_KEY_STRING:
                if (len < 2 || value[0] != '"' || value[len - 1] != '"') {
                    PROBLEM(_("'%s' takes a quoted string, found '%s'"), key, value);
                    break;
                }
                value[len - 1] = '\0';
                str = G_STRUCT_MEMBER_P(cfg, qvdKeys[k].offset);
                g_free(*str);
                *str = g_strdup(value + 1);
                break;
            case QVD_KEY_MODE:
                if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
                    value[len - 1] = '\0';
                    value++;
                }
                if (!g_ascii_string_to_unsigned(value, 8, 0, qvdKeys[k].max, &v, NULL)) {
                    PROBLEM(_("'%s' takes an octal mode such as \"0770\", found '%s'"), key, value);
                    break;
                }
                num = G_STRUCT_MEMBER_P(cfg, qvdKeys[k].offset);
                *num = (guint)v;
                break;
            case QVD_KEY_UINT:
                if (!g_ascii_string_to_unsigned(value, 10, qvdKeys[k].min, qvdKeys[k].max, &v,
                                                NULL)) {
                    PROBLEM(_("'%s' takes a number from %u to %u, found '%s'"), key, qvdKeys[k].min,
                            qvdKeys[k].max, value);
                    break;
                }
                num = G_STRUCT_MEMBER_P(cfg, qvdKeys[k].offset);
                *num = (guint)v;
                break;
            case QVD_KEY_FILTERS: {
                g_auto(GStrv) items = NULL;
                const char *bad;

                if (len < 2 || value[0] != '"' || value[len - 1] != '"') {
                    PROBLEM(_("'%s' takes a quoted string, found '%s'"), key, value);
                    break;
                }
                value[len - 1] = '\0';
                items = g_strsplit_set(value + 1, " \t", -1);
                if ((bad = qvdParseFilters(items, NULL, NULL))) {
                    PROBLEM(_("'%s' items are LEVEL:NAME with a LEVEL from 1 (debug) to 4 "
                              "(error), found '%s'"),
                            key, bad);
                    break;
                }
                str = G_STRUCT_MEMBER_P(cfg, qvdKeys[k].offset);
                g_free(*str);
                *str = g_strdup(value + 1);
                break;
            }
            }
        }
        if (!found)
            PROBLEM(_("unknown setting '%s'"), key);
#undef PROBLEM
    }
    if (g_strcmp0(cfg->logOutput, "stderr") != 0 && g_strcmp0(cfg->logOutput, "journal") != 0) {
        g_ptr_array_add(problems,
                        g_strdup_printf(_("%s: log_outputs must be \"stderr\" or \"journal\", "
                                          "not \"%s\""),
                                        path, cfg->logOutput));
        n++;
    }
    return n;
}

/* ---- the state root's lock: one daemon per root, and no embedded qvsh beside it ---- */

/* An open file description lock with the pid in the file: the library's embedded
 * connections in other processes see it (F_OFD_GETLK) and refuse; this process's own
 * connections recognise its pid. (A classic POSIX lock would be dropped as soon as the
 * library closed any descriptor of the file.) */
static int qvdLockRoot(const char *root, GError **err)
{
    g_autofree char *path = g_build_filename(root, "qvirtd.lock", NULL);
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    g_autofree char *pid = g_strdup_printf("%d\n", (int)getpid());
    int fd;

    if (g_mkdir_with_parents(root, 0700) < 0 ||
        (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), _("cannot open '%s': %s"),
                    path, g_strerror(errno));
        return -1;
    }
    if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
        int e = errno;
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

        if (e == EAGAIN || e == EACCES)
            g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                        _("the state root '%s' is already served by qvirtd (pid %d)"), root,
                        n > 0 ? atoi(buf) : 0);
        else
            g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), _("cannot lock '%s': %s"),
                        path, g_strerror(e));
        close(fd);
        return -1;
    }
    if (ftruncate(fd, 0) < 0 || write(fd, pid, strlen(pid)) < 0)
        g_warning("cannot record the pid in '%s': %s", path, g_strerror(errno));
    return fd;
}

static gboolean qvdQuit(gpointer opaque)
{
    g_main_loop_quit(opaque);
    return G_SOURCE_REMOVE;
}

/* the lowest level of the daemon's own lines that is written: 1 debug ... 4 error */
static int qvdLogLevel = 2;

/* One line per message on stderr, written at once: a mutating call logs its caller, so
 * this is on every such call's path (GLib's writer checks the terminal and re-reads the
 * time zone each time). */
static GLogWriterOutput qvdLogStderr(GLogLevelFlags level, const GLogField *fields, gsize n)
{
    const char *message = NULL;
    const char *tag = (level & G_LOG_LEVEL_ERROR)      ? "error"
                      : (level & G_LOG_LEVEL_CRITICAL) ? "critical"
                      : (level & G_LOG_LEVEL_WARNING)  ? "warning"
                      : (level & G_LOG_LEVEL_DEBUG)    ? "debug"
                                                       : "info";
    gint64 now = g_get_real_time();
    time_t secs = (time_t)(now / G_USEC_PER_SEC);
    g_autofree char *line = NULL;
    struct tm tm;
    char stamp[32];
    gsize i;

    for (i = 0; i < n; i++) {
        if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
            message = fields[i].value;
    }
    if (!localtime_r(&secs, &tm) || !strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm))
        stamp[0] = '\0';
    line =
        g_strdup_printf("%s.%03d qvirtd[%d]: %s: %s\n", stamp, (int)(now % G_USEC_PER_SEC / 1000),
                        (int)getpid(), tag, message ? message : "");
    if (write(STDERR_FILENO, line, strlen(line)) < 0)
        return G_LOG_WRITER_UNHANDLED;
    return G_LOG_WRITER_HANDLED;
}

static GLogWriterOutput qvdLogWriter(GLogLevelFlags level, const GLogField *fields, gsize n,
                                     gpointer opaque)
{
    const char *output = opaque;

    int mine = (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) ? 4
               : (level & G_LOG_LEVEL_WARNING)                      ? 3
               : (level & G_LOG_LEVEL_DEBUG)                        ? 1
                                                                    : 2;

    if (mine < qvdLogLevel)
        return G_LOG_WRITER_HANDLED;
    if (g_strcmp0(output, "journal") == 0 &&
        g_log_writer_journald(level, fields, n, NULL) == G_LOG_WRITER_HANDLED)
        return G_LOG_WRITER_HANDLED;
    return qvdLogStderr(level, fields, n);
}

/* Each client is a file descriptor: take as many as the hard limit allows (the soft
 * limit is usually 1024), and say so when even that is short of max_clients on both
 * sockets (the rest of the daemon needs about 256 more). */
static void qvdRaiseFileLimit(const qvdConfig *cfg)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)cfg->maxClients * 2 + 256;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < need) {
        rl.rlim_cur = MIN(rl.rlim_max, need);
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < need)
        qvdLog("warning",
               _("only %llu file descriptors (RLIMIT_NOFILE): fewer clients than max_clients "
                 "(%u per socket) can connect"),
               (unsigned long long)rl.rlim_cur, cfg->maxClients);
}

int main(int argc, char **argv)
{
    qvdConfig cfg = { 0 };
    g_autofree char *configPath = NULL;
    g_autofree char *root = NULL;
    g_autofree char *socketPath = NULL;
    g_autofree char *socketROPath = NULL;
    gboolean check = FALSE, verbose = FALSE, noRO = FALSE, version = FALSE;
    GOptionEntry entries[] = {
        { "config", 'f', 0, G_OPTION_ARG_FILENAME, &configPath,
          N_("read settings from FILE (libvirtd.conf syntax)"), N_("FILE") },
        { "check-config", 0, 0, G_OPTION_ARG_NONE, &check,
          N_("check the configuration file, print FILE:LINE: problems, and exit"), NULL },
        { "root", 'r', 0, G_OPTION_ARG_FILENAME, &root, N_("serve the state root DIR"), N_("DIR") },
        { "socket", 's', 0, G_OPTION_ARG_FILENAME, &socketPath,
          N_("the read-write socket (unix_sock_path)"), N_("PATH") },
        { "socket-ro", 0, 0, G_OPTION_ARG_FILENAME, &socketROPath,
          N_("the read-only socket (unix_sock_ro_path)"), N_("PATH") },
        { "no-socket-ro", 0, 0, G_OPTION_ARG_NONE, &noRO, N_("serve no read-only socket"), NULL },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("log every connection and call"),
          NULL },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &version, N_("print the version and exit"), NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GMainLoop) loop = NULL;
    qvdServer *srv = NULL;
    int lockfd = -1;
    int ret = 1;
    guint i;

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    ctx = g_option_context_new(NULL);
    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    g_option_context_set_summary(
        ctx, _("Serve libvirt's remote protocol for qvirt, so that virsh and libvirt's client "
               "libraries drive qvirt domains unchanged."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "qvirtd: %s\n", err->message);
        return 2;
    }
    if (version) {
        printf("qvirtd (qvirt) %s\n", PACKAGE_VERSION);
        return 0;
    }
    qvdConfigDefaults(&cfg);
    if (configPath) {
        cfg.path = g_strdup(configPath);
        qvdConfigRead(&cfg, configPath, problems);
    }
    for (i = 0; i < problems->len; i++)
        fprintf(stderr, "%s\n", (char *)problems->pdata[i]);
    if (check) {
        if (!configPath) {
            fprintf(stderr, "qvirtd: %s\n", _("--check-config needs --config FILE"));
            ret = 2;
        } else if (!problems->len) {
            printf(_("%s: OK\n"), configPath);
            ret = 0;
        }
        goto cleanup;
    }
    if (problems->len)
        goto cleanup;
    if (root) {
        g_free(cfg.root);
        cfg.root = g_canonicalize_filename(root, NULL);
    }
    if (socketPath) {
        g_free(cfg.socket);
        cfg.socket = g_strdup(socketPath);
    }
    if (socketROPath) {
        g_free(cfg.socketRO);
        cfg.socketRO = g_strdup(socketROPath);
    }
    if (noRO)
        g_clear_pointer(&cfg.socketRO, g_free);
    cfg.verbose = verbose;
    if (cfg.logFilters) {
        g_auto(GStrv) items = g_strsplit_set(cfg.logFilters, " \t", -1);
        g_autoptr(GString) lib = g_string_new(NULL);

        qvdParseFilters(items, lib, &qvdLogLevel);
        /* the library reads its filters when it starts; the environment wins, as libvirt's */
        if (lib->len)
            g_setenv("QVIRT_LOG_FILTERS", lib->str, FALSE);
    }
    if (verbose)
        qvdLogLevel = 1;
    g_log_set_writer_func(qvdLogWriter, g_strdup(cfg.logOutput), g_free);

    if (qvInitialize() < 0 || qvEventRegisterDefaultImpl() < 0) {
        fprintf(stderr, "qvirtd: %s\n", qvGetLastErrorMessage());
        goto cleanup;
    }
    if ((lockfd = qvdLockRoot(cfg.root, &err)) < 0) {
        fprintf(stderr, "qvirtd: %s\n", err->message);
        goto cleanup;
    }
    qvdRaiseFileLimit(&cfg);
    loop = g_main_loop_new(NULL, FALSE);
    /* before the sockets exist: a client (or systemd) that sees them may stop us at once,
     * and that must be a clean stop, after the line that says we served */
    g_unix_signal_add(SIGTERM, qvdQuit, loop);
    g_unix_signal_add(SIGINT, qvdQuit, loop);
    if (!(srv = qvdServerNew(&cfg, &err))) {
        fprintf(stderr, "qvirtd: %s\n", err->message);
        goto cleanup;
    }
    srv->loop = loop;
    g_message(_("qvirtd %s serving '%s' on '%s'%s%s"), PACKAGE_VERSION, cfg.root, cfg.socket,
              cfg.socketRO ? _(" and read-only on ") : "", cfg.socketRO ? cfg.socketRO : "");
    g_main_loop_run(loop);
    g_message("%s", _("qvirtd stopping"));
    ret = 0;

cleanup:
    qvdServerFree(srv);
    if (lockfd >= 0)
        close(lockfd);
    qvdConfigClear(&cfg);
    return ret;
}
