/* testfakepeer.h: a scripted fake protocol peer (agent or QMP server) for tests: reads and
 * checks what the client sends, answers as the script says, with bounded waits. */
#pragma once

#include "internal.h"

typedef struct _testFakePeer testFakePeer;

/* A directive the generic engine does not know: return true if handled. */
typedef bool (*testFakePeerHook)(testFakePeer *peer, const char *cmd, const char *arg,
                                 void *opaque);

struct _testFakePeer {
    int fd;
    GPtrArray *script; /* directives, run in order */
    char *lastId; /* id of the last command received */
    long long syncId; /* last guest-sync-delimited id (agent) */
    GString *in;
    char *error; /* the first failure */
    testFakePeerHook hook;
    void *opaque;
    /* marks: how the script and the test order their steps (never by sleeping) */
    GMutex lock;
    GCond cond;
    GPtrArray *marks; /* names signalled so far, by either side */
    bool finished; /* the script has run (or failed): nothing more will be signalled */
};

void testFakePeerInit(testFakePeer *peer, int fd, testFakePeerHook hook, void *opaque);
void testFakePeerClear(testFakePeer *peer);
void testFakePeerRun(testFakePeer *peer);
/* Run one directive now (hooks use it to compose directives). */
void testFakePeerDirective(testFakePeer *peer, const char *directive);
GThread *testFakePeerStart(testFakePeer *peer);

/*
 * Explicit ordering between the test's client steps and the peer's script, in both
 * directions: "signal NAME" records that NAME has happened, "wait NAME" blocks until it
 * has. Waiting gives up (false) when the script has finished without signalling it, or
 * after a bound far above any step's duration; the script's "wait" then fails the peer.
 */
void testFakePeerSignal(testFakePeer *peer, const char *name);
bool testFakePeerWait(testFakePeer *peer, const char *name);

void testFakePeerFail(testFakePeer *peer, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
bool testFakePeerFill(testFakePeer *peer, int timeoutMs);
/* The next line (without "\n"); with skipToFF, drop everything through a 0xFF first. */
char *testFakePeerReadLine(testFakePeer *peer, bool skipToFF);
void testFakePeerWrite(testFakePeer *peer, const char *data, size_t len);

/*
 * Split a scenario file into its client and server directives (lines starting with
 * "client " and "server "); '#' starts a comment line.
 */
void testSplitScenario(const char *text, GPtrArray *client, GPtrArray *server);
