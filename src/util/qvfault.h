/* qvfault.h: fault injection for the crash-consistency tests. A process started with
 * QVIRT_TEST_DIE_AT=STEP[,STEP...] kills itself with SIGKILL when it reaches a named
 * step, exactly as a crash or `kill -9` there would: no cleanup, no reply, no flush.
 * Before it dies it writes "qvirt: dying at STEP" to stderr (and its own log), so that a
 * test can tell the step was reached. Without the variable a step costs one getenv. */
#pragma once

#include "internal.h"

void qvFaultPoint(const char *step);
