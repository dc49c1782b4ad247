/* agentfuzz.c: libFuzzer target for the guest agent client's input side, through its real
 * calls: two typed commands (or the raw passthrough), B after A or queued behind A in
 * flight, each with its 0xFF + guest-sync-delimited and its id, as qvirt runs them, while
 * the input plays qemu-ga: delimiters, sync replies, replies with right or wrong ids,
 * errors, garbage, floods, EOF. Replies go through framing, matching and each call's
 * typed parsing. GLib's random numbers (sync values and command ids) are seeded per input
 * so that seeds can answer them: A's id is qv-6ac1f425ff4780eb and its sync
 * 4064269471072392264, B's id qv-00077eff20ccc389 (AGENTFUZZ_SHOW=1 prints what the
 * client sent).
 *
 * Input: byte 0 and byte 1 choose calls A and B, byte 2 the configuration (bit 0: sync
 * before every command; bits 1-2: the per-domain response timeout default, block, nowait,
 * 5 s; bit 3: the channel closes and opens again between the calls; bit 4: B is queued
 * behind A in flight, from another thread, instead of following it); the rest is what
 * qemu-ga says, all of it at once (after A's sync and B's queueing when concurrent), then
 * EOF, so that no call ever waits out a timeout. When B follows A, its replies were read
 * (as unsolicited lines) while A ran: answers in turns, after each request, would need a
 * hook that qemu_agent.c does not have (as qemu_monitor.c's qemuMonitorTestOwed).
 */
#include <config.h>

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "qemu_agent.h"
#include "qverror.h"
#include "qvlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int agentFuzzPing(qemuAgent *a)
{
    return qemuAgentPing(a);
}

static int agentFuzzInfo(qemuAgent *a)
{
    g_autoptr(qemuAgentInfo) info = NULL;

    return qemuAgentGetInfo(a, &info);
}

static int agentFuzzFreeze(qemuAgent *a)
{
    static const char *const mountpoints[] = { "/", "/boot" };

    return qemuAgentFSFreeze(a, mountpoints, G_N_ELEMENTS(mountpoints));
}

static int agentFuzzFreezeAll(qemuAgent *a)
{
    return qemuAgentFSFreeze(a, NULL, 0);
}

static int agentFuzzThaw(qemuAgent *a)
{
    return qemuAgentFSThaw(a, true);
}

static int agentFuzzFreezeStatus(qemuAgent *a)
{
    qemuAgentFSFreezeStatus status;

    return qemuAgentFSFreezeStatusGet(a, &status);
}

static int agentFuzzGetTime(qemuAgent *a)
{
    long long seconds;
    unsigned int nseconds;

    return qemuAgentGetTime(a, &seconds, &nseconds);
}

static int agentFuzzSetTime(qemuAgent *a)
{
    return qemuAgentSetTime(a, 1700000000, 5, false);
}

static int agentFuzzSyncTime(qemuAgent *a)
{
    return qemuAgentSetTime(a, 0, 0, true);
}

static int agentFuzzOSInfo(qemuAgent *a)
{
    g_auto(GStrv) keys = NULL;
    g_auto(GStrv) values = NULL;

    return qemuAgentGetOSInfo(a, &keys, &values);
}

static int agentFuzzHostname(qemuAgent *a)
{
    g_autofree char *hostname = NULL;

    return qemuAgentGetHostname(a, &hostname);
}

static int agentFuzzUsers(qemuAgent *a)
{
    qemuAgentUser *users = NULL;
    size_t n = 0;
    int rc = qemuAgentGetUsers(a, &users, &n);

    qemuAgentUsersFree(users, n);
    return rc;
}

static int agentFuzzTimezone(qemuAgent *a)
{
    g_autofree char *zone = NULL;
    int offset;

    return qemuAgentGetTimezone(a, &zone, &offset);
}

static int agentFuzzFSInfo(qemuAgent *a)
{
    qemuAgentFSInfo *info = NULL;
    size_t n = 0;
    int rc = qemuAgentGetFSInfo(a, &info, &n);

    qemuAgentFSInfoFree(info, n);
    return rc;
}

static int agentFuzzDisks(qemuAgent *a)
{
    qemuAgentDiskInfo *disks = NULL;
    size_t n = 0;
    int rc = qemuAgentGetDisks(a, &disks, &n);

    qemuAgentDisksFree(disks, n);
    return rc;
}

static int agentFuzzInterfaces(qemuAgent *a)
{
    qemuAgentInterface *ifaces = NULL;
    size_t n = 0;
    int rc = qemuAgentGetInterfaces(a, &ifaces, &n);

    qemuAgentInterfacesFree(ifaces, n);
    return rc;
}

static int agentFuzzGetVCPUs(qemuAgent *a)
{
    g_autofree qemuAgentCPUInfo *cpus = NULL;
    size_t n = 0;

    return qemuAgentGetVCPUs(a, &cpus, &n);
}

static int agentFuzzSetVCPUs(qemuAgent *a)
{
    static const qemuAgentCPUInfo cpus[] = { { 0, true, false }, { 1, false, true } };

    return qemuAgentSetVCPUs(a, cpus, G_N_ELEMENTS(cpus));
}

static int agentFuzzPassword(qemuAgent *a)
{
    return qemuAgentSetUserPassword(a, "root", "s3cret", false);
}

static int agentFuzzShutdown(qemuAgent *a)
{
    return qemuAgentShutdown(a, QEMU_AGENT_SHUTDOWN_REBOOT);
}

static int agentFuzzSuspend(qemuAgent *a)
{
    return qemuAgentSuspend(a, QEMU_AGENT_SUSPEND_RAM);
}

static int agentFuzzRaw(qemuAgent *a)
{
    g_autofree char *result = NULL;

    return qemuAgentArbitraryCommand(a, "{\"execute\":\"guest-get-load\"}", -1, &result);
}

static int (*const agentFuzzCalls[])(qemuAgent *a) = {
    agentFuzzPing,     agentFuzzInfo,         agentFuzzFreeze,   agentFuzzFreezeAll,
    agentFuzzThaw,     agentFuzzFreezeStatus, agentFuzzGetTime,  agentFuzzSetTime,
    agentFuzzSyncTime, agentFuzzOSInfo,       agentFuzzHostname, agentFuzzUsers,
    agentFuzzTimezone, agentFuzzFSInfo,       agentFuzzDisks,    agentFuzzInterfaces,
    agentFuzzGetVCPUs, agentFuzzSetVCPUs,     agentFuzzPassword, agentFuzzShutdown,
    agentFuzzSuspend,  agentFuzzRaw,
};

static const int agentFuzzTimeouts[] = {
    QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_DEFAULT,
    QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK,
    QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_NOWAIT,
    5,
};

typedef struct {
    qemuAgent *agent;
    int (*call)(qemuAgent *a);
    int done; /* written as the call returns */
} agentFuzzCaller;

/* The callers' threads live as long as the process: starting threads for every input
 * costs more than the rest of it (under AddressSanitizer above all). */
static gpointer agentFuzzCallerThread(gpointer opaque)
{
    GAsyncQueue *jobs = opaque;

    for (;;) {
        agentFuzzCaller *c = g_async_queue_pop(jobs);
        char byte = 0;

        c->call(c->agent);
        qvResetLastError();
        if (write(c->done, &byte, 1) != 1)
            abort();
    }
    return NULL;
}

static void agentFuzzStart(guint slot, agentFuzzCaller *c)
{
    static GAsyncQueue *jobs[2];

    if (!jobs[slot]) {
        jobs[slot] = g_async_queue_new();
        g_thread_unref(g_thread_new("agentfuzz-caller", agentFuzzCallerThread, jobs[slot]));
    }
    g_async_queue_push(jobs[slot], c);
}

/* Until the caller behind done has returned. */
static void agentFuzzWait(int done)
{
    char byte;

    while (read(done, &byte, 1) != 1)
        ;
}

/* Until B is queued behind A, or ended: nothing tells but the counter, so look until it
 * says so (microseconds). How many looks it took depends on the scheduler: kept out of
 * the coverage libFuzzer sees, which must depend on the input alone. */
static void agentFuzzWaitQueued(qemuAgent *agent, int doneB)
    __attribute__((no_sanitize("coverage"), noinline));
static void agentFuzzWaitQueued(qemuAgent *agent, int doneB)
{
    qemuAgentStats stats;
    struct pollfd p = { doneB, POLLIN, 0 };

    for (;;) {
        qemuAgentGetStats(agent, &stats);
        if (stats.queued || poll(&p, 1, 0) > 0)
            return;
        g_thread_yield();
    }
}

/* A's request (its sync) is out, B is queued behind it (or could not be): only then does
 * the guest's side go out, so that A's reply and B's come in one stream, deterministically. */
static void agentFuzzConcurrent(qemuAgent *agent, int peer, int (*a)(qemuAgent *),
                                int (*b)(qemuAgent *), const uint8_t *data, size_t size)
{
    agentFuzzCaller ca = { agent, a, -1 }, cb = { agent, b, -1 };
    int doneA[2], doneB[2];

    if (!g_unix_open_pipe(doneA, FD_CLOEXEC, NULL) || !g_unix_open_pipe(doneB, FD_CLOEXEC, NULL))
        abort();
    ca.done = doneA[1];
    cb.done = doneB[1];
    agentFuzzStart(0, &ca);
    {
        struct pollfd p[2] = { { peer, POLLIN, 0 }, { doneA[0], POLLIN, 0 } };

        while (poll(p, 2, -1) <= 0)
            ;
    }
    agentFuzzStart(1, &cb);
    agentFuzzWaitQueued(agent, doneB[0]);
    if (send(peer, data, size, MSG_DONTWAIT) != (ssize_t)size)
        abort();
    shutdown(peer, SHUT_WR);
    agentFuzzWait(doneA[0]);
    agentFuzzWait(doneB[0]);
    close(doneA[0]);
    close(doneA[1]);
    close(doneB[0]);
    close(doneB[1]);
}

/* What the client sent, for AGENTFUZZ_SHOW (to write seeds that answer it). */
static void agentFuzzShow(int fd)
{
    char buf[4096];
    ssize_t n;

    while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
        fwrite(buf, 1, (size_t)n, stderr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool show, initialized;
    int (*a)(qemuAgent *), (*b)(qemuAgent *);
    qemuAgentConfig cfg;
    qemuAgent *agent;
    int sv[2];

    if (!initialized) {
        initialized = true;
        show = g_getenv("AGENTFUZZ_SHOW") != NULL;
        qvLogSetFromEnv(); /* QVIRT_LOG_FILTERS=qemu.agent:debug traces a conversation */
    }
    /* what fits a socket's buffer at once: every byte is there before it is read */
    if (size < 3 || size - 3 > 65536 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return 0;
    a = agentFuzzCalls[data[0] % G_N_ELEMENTS(agentFuzzCalls)];
    b = agentFuzzCalls[data[1] % G_N_ELEMENTS(agentFuzzCalls)];

    g_random_set_seed(1);
    qemuAgentConfigInit(&cfg);
    cfg.maxReplyBytes = 4096;
    cfg.maxBigReplyBytes = 8192;
    cfg.maxDepth = 16;
    cfg.syncEachCommand = data[2] & 1;
    agent = qemuAgentOpenFD(sv[0], "fuzz", &cfg, NULL, NULL);
    qemuAgentSetResponseTimeout(agent, agentFuzzTimeouts[(data[2] >> 1) & 3]);
    if (data[2] & 16) {
        agentFuzzConcurrent(agent, sv[1], a, b, data + 3, size - 3);
    } else {
        /* the guest's side, all of it before the first call, then EOF: no call waits */
        if (send(sv[1], data + 3, size - 3, MSG_DONTWAIT) != (ssize_t)(size - 3))
            abort();
        shutdown(sv[1], SHUT_WR);
        a(agent);
        qvResetLastError();
        if (data[2] & 8) {
            qemuAgentNotifyChannelState(agent, false);
            qemuAgentNotifyChannelState(agent, true);
        }
        b(agent);
        qvResetLastError();
    }
    if (show)
        agentFuzzShow(sv[1]);
    qemuAgentClose(agent);
    close(sv[1]);
    return 0;
}
