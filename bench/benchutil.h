/* benchutil.h: what the benchmarks share: a monotonic clock in ns, a raw blocking
 * line client (the floor every benchmark measures against), quantiles. */
#pragma once

#include <stdbool.h>

#include <glib.h>

gint64 benchNowNs(void);

/* A line-at-a-time blocking reader: the simplest client that can talk to qemu-ga. */
bool benchRawReadLine(int fd);
/* Discard what was read but not used (before a new exchange). */
void benchRawReset(void);
/* Read until the byte c (for the 0xFF that opens a delimited sync's answer). */
bool benchRawSkipThrough(int fd, char c);
bool benchRawWrite(int fd, const char *s);
void benchSetBlocking(int fd, bool blocking);

/* The q-quantile of samples (ns), in µs; sorts samples. */
double benchQuantileUs(GArray *samples, double q);

/* Connect to a unix socket, sync with qemu-ga (0xFF + guest-sync-delimited, untimed), then
 * time count guest-pings, appending each round trip (ns) to samples; exits on failure. */
void benchRawPingBlock(const char *path, int count, GArray *samples);
