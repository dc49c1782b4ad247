/* qvrpcmessage.c: libvirt's RPC framing over the rpcgen codecs. */
#include <config.h>

#include <string.h>

#include "qvrpcmessage.h"

GBytes *qvRPCEncodeMessage(const remote_message_header *hdr, xdrproc_t proc, const void *body)
{
    remote_message_header h = *hdr;
    unsigned long size = QV_RPC_LENGTH_WORD + xdr_sizeof((xdrproc_t)xdr_remote_message_header, &h);
    char *buf;
    XDR xdr;
    guint32 word;

    if (proc)
        size += xdr_sizeof(proc, (void *)body);
    if (size > QV_RPC_LENGTH_WORD + REMOTE_MESSAGE_MAX)
        return NULL;
    buf = g_malloc0(size);
    xdrmem_create(&xdr, buf + QV_RPC_LENGTH_WORD, size - QV_RPC_LENGTH_WORD, XDR_ENCODE);
    if (!xdr_remote_message_header(&xdr, &h) || (proc && !proc(&xdr, (void *)body, 0))) {
        xdr_destroy(&xdr);
        g_free(buf);
        return NULL;
    }
    xdr_destroy(&xdr);
    word = g_htonl((guint32)size);
    memcpy(buf, &word, sizeof(word));
    return g_bytes_new_take(buf, size);
}

gssize qvRPCFrameLength(const guint8 *data, gsize len, gsize max)
{
    guint32 word, total;

    if (len < QV_RPC_LENGTH_WORD)
        return 0;
    memcpy(&word, data, sizeof(word));
    total = g_ntohl(word);
    if (total < QV_RPC_LENGTH_WORD + QV_RPC_HEADER_LEN || total > QV_RPC_LENGTH_WORD + max)
        return -1;
    return total;
}

bool qvRPCDecodeHeader(const char *data, gsize len, remote_message_header *hdr)
{
    XDR xdr;
    bool ok;

    memset(hdr, 0, sizeof(*hdr));
    xdrmem_create(&xdr, (char *)data, len, XDR_DECODE);
    ok = xdr_remote_message_header(&xdr, hdr);
    xdr_destroy(&xdr);
    return ok;
}

bool qvRPCDecodeBody(const char *payload, gsize len, xdrproc_t proc, void *out)
{
    XDR xdr;
    bool ok;

    xdrmem_create(&xdr, (char *)payload, len, XDR_DECODE);
    ok = proc(&xdr, out, 0);
    xdr_destroy(&xdr);
    if (!ok)
        xdr_free(proc, out);
    return ok;
}

char *qvRPCDefaultSocket(bool system, bool readonly)
{
    g_autofree char *runDir =
        system ? g_strdup("/run/qvirt") : g_build_filename(g_get_user_runtime_dir(), "qvirt", NULL);

    return g_build_filename(runDir, readonly ? "qvirt-sock-ro" : "qvirt-sock", NULL);
}
