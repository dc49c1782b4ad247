/* testhostagent.c: start and stop a locked-down host-mode qemu-ga. */
#include <config.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testhostagent.h"
#include "testutils.h"

/* Read-only RPCs that are safe on a host; everything else is blocked. */
static const char *const safeRPCs[] = {
    "guest-sync-delimited",
    "guest-sync",
    "guest-ping",
    "guest-info",
    "guest-get-time",
    "guest-get-osinfo",
    "guest-get-host-name",
    "guest-get-timezone",
    "guest-get-users",
    "guest-get-vcpus",
    "guest-get-fsinfo",
    "guest-get-disks",
    "guest-fsfreeze-status",
    "guest-network-get-interfaces",
    "guest-get-memory-blocks",
    "guest-get-memory-block-info",
    "guest-get-devices",
    "guest-get-diskstats",
    "guest-get-cpustats",
    NULL,
};

/* A slow start is not a failure: only one that never comes is. */
#define TEST_HOST_AGENT_START_SECONDS 60

/*
 * The socket file appears at bind(), a moment before listen(): only a connection that
 * succeeds says qemu-ga is ready (it serves one client at a time, and takes the next
 * once this probe hangs up).
 */
static bool testHostAgentWaitListening(testHostAgent *ha)
{
    gint64 deadline = g_get_monotonic_time() + TEST_HOST_AGENT_START_SECONDS * G_USEC_PER_SEC;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    g_strlcpy(addr.sun_path, ha->socket, sizeof(addr.sun_path));
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int rc;

        if (fd < 0)
            return false;
        rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
        close(fd);
        if (rc == 0)
            return true;
        if (waitpid(ha->pid, NULL, WNOHANG) == ha->pid) {
            ha->pid = 0; /* it exited: nothing left to stop */
            return false;
        }
        if (g_get_monotonic_time() > deadline)
            return false;
        g_usleep(10000);
    }
}

/* qemu-ga dies with the test, even when a failed assertion aborts it mid-SIGSTOP */
static void testHostAgentChildSetup(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

bool testHostAgentStart(testHostAgent *ha, const char *const *extraBlocked, char **error)
{
    const char *helpArgv[] = { TEST_QEMU_GA, "-b", "help", NULL };
    g_autofree char *help = NULL;
    g_autofree char *blockList = NULL;
    g_autofree char *pidfile = NULL;
    g_autoptr(GPtrArray) blocked = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) rpcs = NULL;
    int status = 0;
    size_t i;

    memset(ha, 0, sizeof(*ha));
    if (!g_file_test(TEST_QEMU_GA, G_FILE_TEST_IS_EXECUTABLE)) {
        *error = g_strdup(TEST_QEMU_GA " is not installed (apt-get install qemu-guest-agent)");
        return false;
    }
    if (!g_spawn_sync(NULL, (char **)helpArgv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &help,
                      NULL, &status, &err)) {
        *error = g_strdup_printf("qemu-ga -b help: %s", err->message);
        return false;
    }
    rpcs = g_strsplit_set(g_strstrip(help), " \n", -1);
    for (i = 0; rpcs[i]; i++) {
        if (*rpcs[i] && (!g_strv_contains(safeRPCs, rpcs[i]) ||
                         (extraBlocked && g_strv_contains(extraBlocked, rpcs[i]))))
            g_ptr_array_add(blocked, g_strdup(rpcs[i]));
    }
    if (blocked->len < 10 || g_strv_length(rpcs) < 20) {
        *error = g_strdup_printf("qemu-ga -b help listed too few RPCs: %s", help);
        g_ptr_array_set_free_func(blocked, g_free);
        return false;
    }
    g_ptr_array_add(blocked, NULL);
    ha->blocked = (char **)g_ptr_array_free(g_steal_pointer(&blocked), FALSE);
    /* by construction, but a host must never get these: check anyway */
    for (i = 0; rpcs[i]; i++) {
        if ((g_str_has_prefix(rpcs[i], "guest-shutdown") ||
             g_str_has_prefix(rpcs[i], "guest-set-") ||
             g_str_has_prefix(rpcs[i], "guest-fsfreeze-freeze") ||
             g_str_has_prefix(rpcs[i], "guest-file-") || g_str_has_prefix(rpcs[i], "guest-exec") ||
             g_str_has_prefix(rpcs[i], "guest-suspend")) &&
            !g_strv_contains((const char *const *)ha->blocked, rpcs[i]))
            g_error("safety: %s would not be blocked on the host", rpcs[i]);
    }
    blockList = g_strjoinv(",", ha->blocked);

    ha->dir = g_dir_make_tmp("qvhostga-XXXXXX", NULL);
    ha->socket = g_build_filename(ha->dir, "qga.sock", NULL);
    pidfile = g_build_filename(ha->dir, "qga.pid", NULL);
    {
        const char *argv[] = { TEST_QEMU_GA, "-m", "unix-listen", "-p", ha->socket, "-t",
                               ha->dir,      "-f", pidfile,       "-b", blockList,  NULL };

        if (!g_spawn_async(NULL, (char **)argv, NULL,
                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                           testHostAgentChildSetup, NULL, &ha->pid, &err)) {
            *error = g_strdup_printf("cannot start qemu-ga: %s", err->message);
            return false;
        }
    }
    if (!testHostAgentWaitListening(ha)) {
        *error = g_strdup_printf("qemu-ga exited, or did not listen on %s within %d s", ha->socket,
                                 TEST_HOST_AGENT_START_SECONDS);
        testHostAgentStop(ha);
        return false;
    }
    return true;
}

void testHostAgentStop(testHostAgent *ha)
{
    if (ha->pid > 0) {
        int status;

        gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

        kill(ha->pid, SIGCONT);
        kill(ha->pid, SIGTERM);
        /* qemu-ga normally exits at once; it must never hang a test or a benchmark */
        while (waitpid(ha->pid, &status, WNOHANG) == 0) {
            if (g_get_monotonic_time() > deadline) {
                kill(ha->pid, SIGKILL);
                waitpid(ha->pid, &status, 0);
                break;
            }
            g_usleep(10000);
        }
        g_spawn_close_pid(ha->pid);
        ha->pid = 0;
    }
    if (ha->dir)
        testRemoveTree(ha->dir);
    g_clear_pointer(&ha->dir, g_free);
    g_clear_pointer(&ha->socket, g_free);
    g_clear_pointer(&ha->blocked, g_strfreev);
}

bool testHostAgentIsBlocked(const testHostAgent *ha, const char *rpc)
{
    return g_strv_contains((const char *const *)ha->blocked, rpc);
}
