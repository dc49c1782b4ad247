/* qvuuid.c: RFC 4122 version-4 UUIDs from GLib's random source. */
#include <config.h>

#include <stdio.h>

#include "qvuuid.h"

int qvUUIDGenerate(unsigned char *uuid)
{
    size_t i;

    /* GLib's global generator is seeded from /dev/urandom */
    for (i = 0; i < QV_UUID_BUFLEN; i += 4) {
        guint32 r = g_random_int();

        memcpy(uuid + i, &r, 4);
    }
    uuid[6] = (uuid[6] & 0x0F) | 0x40; /* version 4 */
    uuid[8] = (uuid[8] & 0x3F) | 0x80; /* RFC 4122 variant */
    return 0;
}

int qvUUIDParse(const char *str, unsigned char *uuid)
{
    size_t i = 0;
    const char *cur = str;

    while (g_ascii_isspace(*cur))
        cur++;
    while (i < QV_UUID_BUFLEN) {
        int hi, lo;

        if (*cur == '-') {
            cur++;
            continue;
        }
        if ((hi = g_ascii_xdigit_value(cur[0])) < 0 || (lo = g_ascii_xdigit_value(cur[1])) < 0)
            return -1;
        uuid[i++] = (unsigned char)(hi << 4 | lo);
        cur += 2;
    }
    while (g_ascii_isspace(*cur))
        cur++;
    return *cur ? -1 : 0;
}

char *qvUUIDFormat(const unsigned char *uuid, char *buf)
{
    snprintf(buf, QV_UUID_STRING_BUFLEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", uuid[0],
             uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9],
             uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
    return buf;
}

bool qvUUIDIsNull(const unsigned char *uuid)
{
    size_t i;

    for (i = 0; i < QV_UUID_BUFLEN; i++) {
        if (uuid[i])
            return false;
    }
    return true;
}
