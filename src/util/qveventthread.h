/* qveventthread.h: a thread running a GMainContext, where protocol clients do their I/O. */
#pragma once

#include "internal.h"

typedef struct _qvEventThread qvEventThread;

qvEventThread *qvEventThreadNew(const char *name);
/* Stops the loop (pending callbacks finish first) and joins the thread. */
void qvEventThreadFree(qvEventThread *et);
GMainContext *qvEventThreadGetContext(qvEventThread *et);
/* True when called from the event thread itself (where blocking waits must not happen). */
bool qvEventThreadIsCurrent(qvEventThread *et);

/* Wait until the thread has finished whatever it was dispatching (a no-op from the thread
 * itself): after it, callbacks of sources removed before the call no longer run. */
void qvEventThreadFlush(qvEventThread *et);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qvEventThread, qvEventThreadFree)
