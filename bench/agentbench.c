/* agentbench.c: guest-ping round trips through qvirt's agent client against the real
 * host-mode qemu-ga, beside a raw blocking socket client measured in the same run (the
 * floor); the cost of syncing before every command; and how fast a stopped agent is
 * reported against its bound. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "benchutil.h"
#include "qemu_agent.h"
#include "qveventthread.h"
#include "qvrelay.h"
#include "qverror.h"
#include "qvsocket.h"
#include "testhostagent.h"

static int rounds = 1;
static int perRound = 10000;

/*
 * Raw pings and client pings alternate, call by call, on one connection (the client
 * reads only while its own command is in flight), so both meet the same scheduler,
 * caches and load. Returns the two sample sets.
 */
static void interleavedRun(const char *path, bool syncEach, GArray *raw, GArray *client)
{
    int fd = qvSocketConnectUnix(path, g_get_monotonic_time() + 5 * G_USEC_PER_SEC);
    qemuAgentConfig cfg;
    qemuAgent *agent;
    char cmd[128];
    int i;

    if (fd < 0) {
        fprintf(stderr, "connect: %s\n", qvGetLastErrorMessage());
        exit(1);
    }
    {
        /* the raw client is bounded too */
        struct timeval tv = { .tv_sec = 5 };

        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    qemuAgentConfigInit(&cfg);
    cfg.syncEachCommand = syncEach;
    agent = qemuAgentOpenFD(dup(fd), path, &cfg, NULL, NULL);
    if (qemuAgentPing(agent) < 0) {
        fprintf(stderr, "agent: %s\n", qvGetLastErrorMessage());
        exit(1);
    }
    for (i = 0; i < rounds * perRound; i++) {
        gint64 t0, dt;

        if (raw) {
            snprintf(cmd, sizeof(cmd), "{\"execute\":\"guest-ping\",\"id\":\"raw-%d\"}\n", i);
            benchSetBlocking(fd, true);
            benchRawReset();
            t0 = benchNowNs();
            if (!benchRawWrite(fd, cmd) || !benchRawReadLine(fd)) {
                fprintf(stderr, "raw client: %s\n", g_strerror(errno));
                exit(1);
            }
            dt = benchNowNs() - t0;
            g_array_append_val(raw, dt);
            benchSetBlocking(fd, false);
        }
        t0 = benchNowNs();
        if (qemuAgentPing(agent) < 0) {
            fprintf(stderr, "agent ping: %s\n", qvGetLastErrorMessage());
            exit(1);
        }
        dt = benchNowNs() - t0;
        g_array_append_val(client, dt);
    }
    qemuAgentClose(agent);
    close(fd);
}

int main(int argc, char **argv)
{
    static const char *const noExtra[] = { NULL };
    g_autoptr(GArray) raw = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GArray) client = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GArray) syncEach = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autofree char *error = NULL;
    testHostAgent ha;
    double rawMed, rawP99, cliMed, cliP99, syncMed, pairedMed;

    if (argc > 1)
        perRound = atoi(argv[1]);
    /* the scheduler placing client and agent on one CPU or two changes a round trip by
     * 2x; pin them apart (as a guest's agent runs on another vCPU) for repeatable runs */
    if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(1, &set);
        sched_setaffinity(0, sizeof(set), &set); /* qemu-ga inherits CPU 1 */
    }
    if (!testHostAgentStart(&ha, noExtra, &error)) {
        fprintf(stderr, "agentbench: %s\n", error);
        return 1;
    }
    if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(0, &set);
        sched_setaffinity(0, sizeof(set), &set);
        printf("client pinned to CPU 0, qemu-ga to CPU 1\n");
    }
    interleavedRun(ha.socket, false, raw, client);
    interleavedRun(ha.socket, true, NULL, syncEach);

    /* each client call beside the raw call just before it: the client's own cost */
    {
        g_autoptr(GArray) diff = g_array_new(FALSE, FALSE, sizeof(gint64));
        guint k;

        for (k = 0; k < raw->len; k++) {
            gint64 d = g_array_index(client, gint64, k) - g_array_index(raw, gint64, k);

            g_array_append_val(diff, d);
        }
        pairedMed = benchQuantileUs(diff, 0.5);
    }
    rawMed = benchQuantileUs(raw, 0.5);
    rawP99 = benchQuantileUs(raw, 0.99);
    cliMed = benchQuantileUs(client, 0.5);
    cliP99 = benchQuantileUs(client, 0.99);
    syncMed = benchQuantileUs(syncEach, 0.5);
    printf("guest-ping round trips, host-mode qemu-ga, %d calls each, alternating call by call\n",
           rounds * perRound);
    printf("  %-34s %10s %10s\n", "", "median", "p99");
    printf("  %-34s %8.1f us %8.1f us\n", "raw blocking socket (floor)", rawMed, rawP99);
    printf("  %-34s %8.1f us %8.1f us\n", "qvirt agent client", cliMed, cliP99);
    printf("  %-34s %9.2fx %9.2fx   (target <= 1.15x)\n", "ratio to the floor", cliMed / rawMed,
           cliP99 / rawP99);
    printf("  %-34s %8.1f us\n", "client minus raw, call by call", pairedMed);
    printf("  %-34s %8.1f us   (%.2fx the floor)\n", "qvirt, a sync before every command", syncMed,
           syncMed / rawMed);

    /* the supervisor's relay of the agent socket: what one more hop costs per round trip */
    {
        g_autoptr(GArray) direct = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) relayed = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autofree char *dir = g_dir_make_tmp("qvrelaybench-XXXXXX", NULL);
        g_autofree char *path = g_build_filename(dir, "relay.sock", NULL);
        int b;

        for (b = 0; b < 5; b++) {
            g_autoptr(qvEventThread) et = qvEventThreadNew("relay");
            struct sockaddr_un addr = { .sun_family = AF_UNIX };
            int up, lfd;
            qvRelay *relay;

            benchRawPingBlock(ha.socket, 1000, direct);
            up = qvSocketConnectUnix(ha.socket, g_get_monotonic_time() + 5 * G_USEC_PER_SEC);
            g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
            unlink(path);
            lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (up < 0 || lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
                listen(lfd, 4) < 0) {
                fprintf(stderr, "agentbench: cannot set up the relay\n");
                return 1;
            }
            relay = qvRelayNew(up, lfd, 1024 * 1024, qvEventThreadGetContext(et));
            benchRawPingBlock(path, 1000, relayed);
            /* stop the thread first: nothing of the relay runs while it is freed */
            g_clear_pointer(&et, qvEventThreadFree);
            qvRelayFree(relay);
        }
        unlink(path);
        rmdir(dir);
        printf("the supervisor's relay (host-mode qemu-ga, raw client, 5 x 1000 pings each)\n");
        printf("  %-34s %8.1f us %8.1f us\n", "direct", benchQuantileUs(direct, 0.5),
               benchQuantileUs(direct, 0.99));
        printf("  %-34s %8.1f us %8.1f us\n", "through a qvRelay", benchQuantileUs(relayed, 0.5),
               benchQuantileUs(relayed, 0.99));
        printf("  %-34s %8.1f us\n", "one more hop costs",
               benchQuantileUs(relayed, 0.5) - benchQuantileUs(direct, 0.5));
    }

    /* a stopped agent: how soon is it reported, against the configured bound */
    {
        qemuAgentConfig cfg;
        qemuAgent *agent;
        int i;

        qemuAgentConfigInit(&cfg);
        cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_SYNC] = 500;
        cfg.timeoutsMs[QEMU_AGENT_TIMEOUT_QUERY] = 1000;
        agent = qemuAgentOpen(ha.socket, &cfg, NULL, NULL);
        if (!agent || qemuAgentPing(agent) < 0) {
            fprintf(stderr, "agent: %s\n", qvGetLastErrorMessage());
            return 1;
        }
        printf("stopped agent (SIGSTOP), ping bound 1000 ms, sync bound 500 ms:\n");
        for (i = 0; i < 3; i++) {
            gint64 t0;

            kill(ha.pid, SIGSTOP);
            t0 = g_get_monotonic_time();
            if (qemuAgentPing(agent) == 0) {
                fprintf(stderr, "a stopped agent answered\n");
                return 1;
            }
            printf("  in sync: %-28s after %5.0f ms\n",
                   qvGetLastErrorCode() == QV_ERR_AGENT_COMMAND_TIMEOUT ? "command timeout"
                                                                        : "sync timeout",
                   (g_get_monotonic_time() - t0) / 1000.0);
            t0 = g_get_monotonic_time();
            qemuAgentPing(agent);
            printf("  next call (liveness first): %-13s after %5.0f ms\n",
                   qvGetLastErrorCode() == QV_ERR_AGENT_SYNC_TIMEOUT ? "sync timeout" : "other",
                   (g_get_monotonic_time() - t0) / 1000.0);
            kill(ha.pid, SIGCONT);
            t0 = g_get_monotonic_time();
            if (qemuAgentPing(agent) < 0) {
                fprintf(stderr, "no recovery: %s\n", qvGetLastErrorMessage());
                return 1;
            }
            printf("  resumed: answered again after %.1f ms (resync included)\n",
                   (g_get_monotonic_time() - t0) / 1000.0);
        }
        qemuAgentClose(agent);
    }
    testHostAgentStop(&ha);
    return 0;
}
