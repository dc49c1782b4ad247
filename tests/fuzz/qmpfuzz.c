/* qmpfuzz.c: libFuzzer target for the QMP client's input side: any bytes must be framed,
 * parsed, matched or turned into typed events without crashing or leaking. */
#include <config.h>

#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qemu_monitor.h"
#include "qverror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static GMainContext *ctx;
    qemuMonitor *mon;
    int sv[2];

    if (!ctx)
        ctx = g_main_context_new(); /* never run: the fuzzer feeds input directly */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return 0;
    mon = qemuMonitorTestNew(sv[0], ctx);
    qemuMonitorTestFeed(mon, (const char *)data, size);
    qemuMonitorClose(mon);
    close(sv[1]);
    qvResetLastError();
    return 0;
}
