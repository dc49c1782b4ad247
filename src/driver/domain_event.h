/* domain_event.h: registered domain event callbacks and their delivery in the
 * application's event loop (GLib's default main context). */
#pragma once

#include "datatypes.h"

typedef struct _qvDomainEventState qvDomainEventState;

qvDomainEventState *qvDomainEventStateNew(void);
void qvDomainEventStateFree(qvDomainEventState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qvDomainEventState, qvDomainEventStateFree)

/* Returns the callback id, or -1 with an error reported. dom NULL: every domain. */
int qvDomainEventStateRegister(qvDomainEventState *state, qvConnectPtr conn, qvDomainPtr dom,
                               int eventID, qvConnectDomainEventGenericCallback cb, void *opaque,
                               qvFreeCallback freecb);
int qvDomainEventStateDeregister(qvDomainEventState *state, qvConnectPtr conn, int callbackID);
/* Drop every registration of conn (it is closing). */
void qvDomainEventStateDeregisterConn(qvDomainEventState *state, qvConnectPtr conn);
/* How many registrations there are (for one domain, when uuid is given). */
size_t qvDomainEventStateCount(qvDomainEventState *state, const unsigned char *uuid);

/* Queue an event for every matching callback; delivered in registration order, each
 * domain's events in the order queued. detail/reason as libvirt defines them. */
void qvDomainEventLifecycle(qvDomainEventState *state, const char *name, const unsigned char *uuid,
                            int id, int event, int detail);
void qvDomainEventReboot(qvDomainEventState *state, const char *name, const unsigned char *uuid,
                         int id);
void qvDomainEventAgentLifecycle(qvDomainEventState *state, const char *name,
                                 const unsigned char *uuid, int id, int agentState, int reason);
void qvDomainEventFSFreeze(qvDomainEventState *state, const char *name, const unsigned char *uuid,
                           int id, int fsState, int reason);
