/* qvrpcmessage.h: libvirt's RPC framing, shared by qvirtd and the remote driver: a
 * length word, a six-word header, an XDR payload. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "qvirt_remote.h"

#define QV_RPC_LENGTH_WORD 4
#define QV_RPC_HEADER_LEN 24

/* libvirt's message types and statuses */
enum {
    QV_RPC_CALL = 0,
    QV_RPC_REPLY = 1,
    QV_RPC_MESSAGE = 2,
};
enum {
    QV_RPC_OK = 0,
    QV_RPC_ERROR = 1,
};
#define QV_RPC_KEEPALIVE_PING 1
#define QV_RPC_KEEPALIVE_PONG 2

/* Encode header + body (proc NULL: no body) as one framed message, or NULL when it does
 * not encode or is larger than the protocol allows. */
GBytes *qvRPCEncodeMessage(const remote_message_header *hdr, xdrproc_t proc, const void *body);

/* The whole length of the message that starts data (length word included): 0 when fewer
 * than 4 bytes are there, -1 when the length word is invalid (shorter than a header or
 * longer than max payload + header bytes). */
gssize qvRPCFrameLength(const guint8 *data, gsize len, gsize max);

/* Decode a message's header (data after the length word). */
bool qvRPCDecodeHeader(const char *data, gsize len, remote_message_header *hdr);

/* Decode a payload into out (zeroed by the caller); freed again when it does not decode. */
bool qvRPCDecodeBody(const char *payload, gsize len, xdrproc_t proc, void *out);

/* Where qvirtd listens by default: under /run/qvirt for the system instance (root), under
 * the user's runtime directory for a session one; the read-only socket beside it. */
char *qvRPCDefaultSocket(bool system, bool readonly);
