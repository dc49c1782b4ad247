/* domain_event.c: callbacks are queued as idle sources on the default main context, so
 * they run where the application iterates it, never inside the driver's own threads. */
#include <config.h>

#include "domain_event.h"
#include "qverror.h"

#define QV_FROM_THIS QV_FROM_DOMAIN

typedef struct {
    gint refs;
    int id;
    qvConnectPtr conn; /* a reference */
    bool allDomains;
    unsigned char uuid[QV_UUID_BUFLEN];
    int eventID;
    qvConnectDomainEventGenericCallback cb;
    void *opaque;
    qvFreeCallback freecb;
    gint removed; /* atomic: deregistered, queued deliveries are dropped */
} qvEventRegistration;

struct _qvDomainEventState {
    GMutex lock;
    GPtrArray *regs; /* qvEventRegistration, each a reference */
    int nextID;
};

typedef struct {
    qvEventRegistration *reg;
    char *name;
    unsigned char uuid[QV_UUID_BUFLEN];
    int id;
    int a, b; /* event/detail or state/reason */
} qvEventDelivery;

static qvEventRegistration *qvEventRegistrationRef(qvEventRegistration *reg)
{
    g_atomic_int_inc(&reg->refs);
    return reg;
}

static void qvEventRegistrationUnref(gpointer data)
{
    qvEventRegistration *reg = data;

    if (!g_atomic_int_dec_and_test(&reg->refs))
        return;
    if (reg->freecb)
        reg->freecb(reg->opaque);
    qvConnectUnrefInternal(reg->conn);
    g_free(reg);
}

qvDomainEventState *qvDomainEventStateNew(void)
{
    qvDomainEventState *state = g_new0(qvDomainEventState, 1);

    g_mutex_init(&state->lock);
    state->regs = g_ptr_array_new_with_free_func(qvEventRegistrationUnref);
    return state;
}

void qvDomainEventStateFree(qvDomainEventState *state)
{
    guint i;

    if (!state)
        return;
    for (i = 0; i < state->regs->len; i++)
        g_atomic_int_set(&((qvEventRegistration *)state->regs->pdata[i])->removed, 1);
    g_ptr_array_unref(state->regs);
    g_mutex_clear(&state->lock);
    g_free(state);
}

int qvDomainEventStateRegister(qvDomainEventState *state, qvConnectPtr conn, qvDomainPtr dom,
                               int eventID, qvConnectDomainEventGenericCallback cb, void *opaque,
                               qvFreeCallback freecb)
{
    qvEventRegistration *reg;
    guint i;
    int id;

    if (eventID != QV_DOMAIN_EVENT_ID_LIFECYCLE && eventID != QV_DOMAIN_EVENT_ID_REBOOT &&
        eventID != QV_DOMAIN_EVENT_ID_AGENT_LIFECYCLE && eventID != QV_DOMAIN_EVENT_ID_FS_FREEZE) {
        qvReportError(QV_ERR_ARGUMENT_UNSUPPORTED,
                      _("unsupported event ID %d (supported: lifecycle 0, reboot 1, "
                        "agent-lifecycle 18, fs-freeze 1000)"),
                      eventID);
        return -1;
    }
    g_mutex_lock(&state->lock);
    for (i = 0; i < state->regs->len; i++) {
        qvEventRegistration *r = state->regs->pdata[i];

        if (r->conn == conn && r->cb == cb && r->eventID == eventID && r->allDomains == !dom &&
            (!dom || memcmp(r->uuid, dom->uuid, QV_UUID_BUFLEN) == 0)) {
            g_mutex_unlock(&state->lock);
            qvReportError(QV_ERR_INVALID_ARG, "%s",
                          _("event callback already tracked for this connection and domain"));
            return -1;
        }
    }
    reg = g_new0(qvEventRegistration, 1);
    reg->refs = 1;
    reg->id = id = ++state->nextID;
    g_atomic_int_inc(&conn->refs);
    reg->conn = conn;
    reg->allDomains = !dom;
    if (dom)
        memcpy(reg->uuid, dom->uuid, QV_UUID_BUFLEN);
    reg->eventID = eventID;
    reg->cb = cb;
    reg->opaque = opaque;
    reg->freecb = freecb;
    g_ptr_array_add(state->regs, reg);
    g_mutex_unlock(&state->lock);
    return id;
}

int qvDomainEventStateDeregister(qvDomainEventState *state, qvConnectPtr conn, int callbackID)
{
    guint i;

    g_mutex_lock(&state->lock);
    for (i = 0; i < state->regs->len; i++) {
        qvEventRegistration *r = state->regs->pdata[i];

        if (r->id == callbackID && r->conn == conn) {
            g_atomic_int_set(&r->removed, 1);
            g_ptr_array_steal_index(state->regs, i);
            g_mutex_unlock(&state->lock);
            /* outside the lock: the registration's reference may be the connection's
             * last, and closing it deregisters the rest under the same lock */
            qvEventRegistrationUnref(r);
            return 0;
        }
    }
    g_mutex_unlock(&state->lock);
    qvReportError(QV_ERR_INVALID_ARG, _("could not find event callback %d for deletion"),
                  callbackID);
    return -1;
}

void qvDomainEventStateDeregisterConn(qvDomainEventState *state, qvConnectPtr conn)
{
    g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(qvEventRegistrationUnref);
    guint i = 0;

    g_mutex_lock(&state->lock);
    while (i < state->regs->len) {
        qvEventRegistration *r = state->regs->pdata[i];

        if (r->conn == conn) {
            g_atomic_int_set(&r->removed, 1);
            g_ptr_array_add(gone, g_ptr_array_steal_index(state->regs, i));
        } else {
            i++;
        }
    }
    g_mutex_unlock(&state->lock);
    /* gone is dropped here, outside the lock (see qvDomainEventStateDeregister) */
}

size_t qvDomainEventStateCount(qvDomainEventState *state, const unsigned char *uuid)
{
    size_t n = 0;
    guint i;

    g_mutex_lock(&state->lock);
    for (i = 0; i < state->regs->len; i++) {
        qvEventRegistration *r = state->regs->pdata[i];

        if (!uuid || r->allDomains || memcmp(r->uuid, uuid, QV_UUID_BUFLEN) == 0)
            n++;
    }
    g_mutex_unlock(&state->lock);
    return n;
}

static gboolean qvEventDeliver(gpointer data)
{
    qvEventDelivery *d = data;
    qvEventRegistration *reg = d->reg;
    qvDomainPtr dom;

    if (g_atomic_int_get(&reg->removed))
        return G_SOURCE_REMOVE;
    dom = qvDomainNew(reg->conn, d->name, d->uuid, d->id);
    switch (reg->eventID) {
    case QV_DOMAIN_EVENT_ID_LIFECYCLE:
        ((qvConnectDomainEventCallback)(void (*)(void))reg->cb)(reg->conn, dom, d->a, d->b,
                                                                reg->opaque);
        break;
    case QV_DOMAIN_EVENT_ID_REBOOT:
        reg->cb(reg->conn, dom, reg->opaque);
        break;
    case QV_DOMAIN_EVENT_ID_AGENT_LIFECYCLE:
        ((qvConnectDomainEventAgentLifecycleCallback)(void (*)(void))reg->cb)(reg->conn, dom, d->a,
                                                                              d->b, reg->opaque);
        break;
    case QV_DOMAIN_EVENT_ID_FS_FREEZE:
        ((qvConnectDomainEventFSFreezeCallback)(void (*)(void))reg->cb)(reg->conn, dom, d->a, d->b,
                                                                        reg->opaque);
        break;
    default:
        break;
    }
    qvDomainUnrefInternal(dom);
    return G_SOURCE_REMOVE;
}

static void qvEventDeliveryFree(gpointer data)
{
    qvEventDelivery *d = data;

    qvEventRegistrationUnref(d->reg);
    g_free(d->name);
    g_free(d);
}

static void qvDomainEventQueue(qvDomainEventState *state, int eventID, const char *name,
                               const unsigned char *uuid, int id, int a, int b)
{
    guint i;

    g_mutex_lock(&state->lock);
    for (i = 0; i < state->regs->len; i++) {
        qvEventRegistration *r = state->regs->pdata[i];
        qvEventDelivery *d;
        GSource *src;

        if (r->eventID != eventID || (!r->allDomains && memcmp(r->uuid, uuid, QV_UUID_BUFLEN) != 0))
            continue;
        d = g_new0(qvEventDelivery, 1);
        d->reg = qvEventRegistrationRef(r);
        d->name = g_strdup(name);
        memcpy(d->uuid, uuid, QV_UUID_BUFLEN);
        d->id = id;
        d->a = a;
        d->b = b;
        /* never g_main_context_invoke(): it would run the callback right here when
         * nobody iterates the default context */
        src = g_idle_source_new();
        g_source_set_priority(src, G_PRIORITY_DEFAULT);
        g_source_set_callback(src, qvEventDeliver, d, qvEventDeliveryFree);
        g_source_attach(src, NULL);
        g_source_unref(src);
    }
    g_mutex_unlock(&state->lock);
}

void qvDomainEventLifecycle(qvDomainEventState *state, const char *name, const unsigned char *uuid,
                            int id, int event, int detail)
{
    qvDomainEventQueue(state, QV_DOMAIN_EVENT_ID_LIFECYCLE, name, uuid, id, event, detail);
}

void qvDomainEventReboot(qvDomainEventState *state, const char *name, const unsigned char *uuid,
                         int id)
{
    qvDomainEventQueue(state, QV_DOMAIN_EVENT_ID_REBOOT, name, uuid, id, 0, 0);
}

void qvDomainEventAgentLifecycle(qvDomainEventState *state, const char *name,
                                 const unsigned char *uuid, int id, int agentState, int reason)
{
    qvDomainEventQueue(state, QV_DOMAIN_EVENT_ID_AGENT_LIFECYCLE, name, uuid, id, agentState,
                       reason);
}

void qvDomainEventFSFreeze(qvDomainEventState *state, const char *name, const unsigned char *uuid,
                           int id, int fsState, int reason)
{
    qvDomainEventQueue(state, QV_DOMAIN_EVENT_ID_FS_FREEZE, name, uuid, id, fsState, reason);
}
