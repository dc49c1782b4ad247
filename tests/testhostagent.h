/* testhostagent.h: the real qemu-ga, run on the host with every RPC blocked except a
 * read-only safe set, as a protocol peer for tests and benchmarks. */
#pragma once

#include "internal.h"

#define TEST_QEMU_GA "/usr/sbin/qemu-ga"

typedef struct {
    GPid pid;
    char *dir; /* scratch: socket, state dir, pidfile */
    char *socket;
    char **blocked; /* what -b was given */
} testHostAgent;

/*
 * Start qemu-ga -m unix-listen with -b set to every RPC `qemu-ga -b help` lists except
 * the safe set (so an RPC added by a newer qemu-ga is blocked too), plus extraBlocked
 * (read-only commands, to see how a blocked command answers). Waits for the socket.
 * Returns false with a message when qemu-ga is missing or does not start.
 */
bool testHostAgentStart(testHostAgent *ha, const char *const *extraBlocked, char **error);
void testHostAgentStop(testHostAgent *ha);
bool testHostAgentIsBlocked(const testHostAgent *ha, const char *rpc);
