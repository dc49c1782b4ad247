/* benchutil.c: shared benchmark helpers. */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"

gint64 benchNowNs(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static char rawBuf[65536];
static size_t rawLen;

void benchRawReset(void)
{
    rawLen = 0;
}

bool benchRawReadLine(int fd)
{
    for (;;) {
        char *nl = memchr(rawBuf, '\n', rawLen);
        ssize_t n;

        if (nl) {
            size_t used = (size_t)(nl - rawBuf) + 1;

            memmove(rawBuf, rawBuf + used, rawLen - used);
            rawLen -= used;
            return true;
        }
        if (rawLen == sizeof(rawBuf))
            rawLen = 0; /* a line longer than we care about: keep reading */
        n = read(fd, rawBuf + rawLen, sizeof(rawBuf) - rawLen);
        if (n <= 0)
            return false;
        rawLen += (size_t)n;
    }
}

bool benchRawSkipThrough(int fd, char c)
{
    for (;;) {
        char *p = memchr(rawBuf, c, rawLen);
        ssize_t n;

        if (p) {
            size_t used = (size_t)(p - rawBuf) + 1;

            memmove(rawBuf, rawBuf + used, rawLen - used);
            rawLen -= used;
            return true;
        }
        rawLen = 0;
        n = read(fd, rawBuf, sizeof(rawBuf));
        if (n <= 0)
            return false;
        rawLen = (size_t)n;
    }
}

bool benchRawWrite(int fd, const char *s)
{
    size_t len = strlen(s);

    return write(fd, s, len) == (ssize_t)len;
}

void benchSetBlocking(int fd, bool blocking)
{
    int fl = fcntl(fd, F_GETFL);

    fcntl(fd, F_SETFL, blocking ? (fl & ~O_NONBLOCK) : (fl | O_NONBLOCK));
}

static gint benchCompareNs(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

    return x < y ? -1 : x > y;
}

double benchQuantileUs(GArray *samples, double q)
{
    size_t idx;

    if (!samples->len)
        return 0;
    g_array_sort(samples, benchCompareNs);
    idx = (size_t)(q * (samples->len - 1) + 0.5);
    return g_array_index(samples, gint64, idx) / 1000.0;
}

/* One block of raw pings on a connection of its own (sync first, untimed). */
void benchRawPingBlock(const char *path, int count, GArray *samples)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct timeval tv = { .tv_sec = 5 };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_autofree char *sync = NULL;
    int i;

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        perror("bench: raw connect");
        exit(1);
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    benchRawReset();
    sync = g_strdup_printf("\xff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%d}}\n",
                           g_random_int_range(1, G_MAXINT));
    if (!benchRawWrite(fd, sync) || !benchRawSkipThrough(fd, '\xff') || !benchRawReadLine(fd)) {
        fprintf(stderr, "bench: raw sync failed\n");
        exit(1);
    }
    for (i = 0; i < count; i++) {
        gint64 t0 = benchNowNs(), dt;

        if (!benchRawWrite(fd, "{\"execute\":\"guest-ping\"}\n") || !benchRawReadLine(fd)) {
            fprintf(stderr, "bench: raw ping failed\n");
            exit(1);
        }
        dt = benchNowNs() - t0;
        g_array_append_val(samples, dt);
    }
    close(fd);
}
