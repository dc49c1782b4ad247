/* rpcfuzz.c: libFuzzer target for qvirtd's side of libvirt's remote protocol: any bytes
 * after a header (program and procedure taken from the input) must decode or be refused,
 * and any call must be answered (reply or RPC error) without crashing or leaking. The
 * client is read-only, so no call can start, stop or define anything. */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include "qvirtd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static qvdClient *rpcFuzzClient(void)
{
    static qvdClient *client;
    static qvdServer server;
    static qvdConfig cfg;

    if (!client) {
        g_autofree char *root = g_dir_make_tmp("qvrpcfuzz-XXXXXX", NULL);

        cfg.root = g_strdup(root);
        cfg.maxCallsPerClient = 5;
        server.cfg = &cfg;
        server.uri = g_strdup_printf("qvirt:///embed?root=%s", root);
        client = qvdClientNew(&server, -1, true);
        client->dead = true; /* replies and events are dropped, not written */
        client->conn = qvConnectOpenReadOnly(server.uri);
    }
    return client;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned int progs[] = { REMOTE_PROGRAM, QEMU_PROGRAM, KEEPALIVE_PROGRAM, 7 };
    remote_message_header hdr = { 0 };
    GBytes *reply;

    if (size < 3)
        return 0;
    hdr.prog = progs[data[0] % G_N_ELEMENTS(progs)];
    hdr.vers = data[0] & 0x80 ? 2 : 1;
    hdr.proc = (int)((data[1] << 8) | data[2]) % 500;
    hdr.type = 0;
    hdr.serial = 7;
    data += 3;
    size -= 3;
    qvdDispatchDecodeOnly(&hdr, (const char *)data, size);
    /* event registrations would pile up (and start the driver's watcher): decode only */
    if (hdr.prog == REMOTE_PROGRAM && hdr.proc == 316)
        return 0;
    reply = qvdDispatch(rpcFuzzClient(), &hdr, (const char *)data, size);
    if (reply)
        g_bytes_unref(reply);
    qvResetLastError();
    return 0;
}
