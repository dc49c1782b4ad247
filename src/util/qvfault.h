/* qvfault.h: fault injection for the crash-consistency tests. A process started with
 * QVIRT_TEST_DIE_AT=STEP[,STEP...] kills itself with SIGKILL when it reaches a named
 * step, exactly as a crash or `kill -9` there would: no cleanup, no reply, no flush.
 * Before it dies it writes "qvirt: dying at STEP" to stderr (and its own log), so that a
 * test can tell the step was reached. QVIRT_TEST_STOP_AT=STEP[,...] instead stops it
 * there (SIGSTOP, after "qvirt: stopped at STEP"), so that a test can kill another
 * process (the supervisor) at that very step, then let this one go on (SIGCONT).
 * Without the variables a step costs two getenv. */
#pragma once

#include "internal.h"

void qvFaultPoint(const char *step);
