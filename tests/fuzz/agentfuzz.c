/* agentfuzz.c: libFuzzer target for the guest agent's input side: any bytes, with nothing,
 * a sync or a command in flight (first byte), must be framed, parsed and rejected or
 * matched without crashing, leaking or growing without bound. */
#include <config.h>

#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qemu_agent.h"
#include "qverror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qemuAgentConfig cfg;
    qemuAgent *agent;
    int sv[2];

    /* nobody waits, so nobody drives the agent's context: input is fed directly */
    if (size < 1 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return 0;
    qemuAgentConfigInit(&cfg);
    cfg.maxReplyBytes = 4096;
    cfg.maxDepth = 16;
    agent = qemuAgentOpenFD(sv[0], "fuzz", &cfg, NULL, NULL);
    qemuAgentTestFeed(agent, data[0] % 3, (const char *)data + 1, size - 1);
    qemuAgentClose(agent);
    close(sv[1]);
    qvResetLastError();
    return 0;
}
