/* qveventthread.c: one GMainLoop in one thread; sources attach to its context. */
#include <config.h>

#include "qveventthread.h"

struct _qvEventThread {
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
};

static gpointer qvEventThreadRun(gpointer data)
{
    qvEventThread *et = data;

    g_main_context_push_thread_default(et->ctx);
    g_main_loop_run(et->loop);
    g_main_context_pop_thread_default(et->ctx);
    return NULL;
}

qvEventThread *qvEventThreadNew(const char *name)
{
    qvEventThread *et = g_new0(qvEventThread, 1);

    et->ctx = g_main_context_new();
    et->loop = g_main_loop_new(et->ctx, FALSE);
    et->thread = g_thread_new(name, qvEventThreadRun, et);
    return et;
}

static gboolean qvEventThreadQuit(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

void qvEventThreadFree(qvEventThread *et)
{
    GSource *src;

    if (!et)
        return;
    src = g_idle_source_new();
    g_source_set_callback(src, qvEventThreadQuit, et->loop, NULL);
    g_source_attach(src, et->ctx);
    g_source_unref(src);
    g_thread_join(et->thread);
    g_main_loop_unref(et->loop);
    g_main_context_unref(et->ctx);
    g_free(et);
}

GMainContext *qvEventThreadGetContext(qvEventThread *et)
{
    return et->ctx;
}

bool qvEventThreadIsCurrent(qvEventThread *et)
{
    return g_main_context_is_owner(et->ctx);
}

typedef struct {
    GMutex lock;
    GCond cond;
    bool done;
} qvEventThreadBarrier;

static gboolean qvEventThreadBarrierHit(gpointer data)
{
    qvEventThreadBarrier *b = data;

    g_mutex_lock(&b->lock);
    b->done = true;
    g_cond_signal(&b->cond);
    g_mutex_unlock(&b->lock);
    return G_SOURCE_REMOVE;
}

void qvEventThreadFlush(qvEventThread *et)
{
    qvEventThreadBarrier b = { .done = false };
    GSource *src;

    if (!et || qvEventThreadIsCurrent(et))
        return;
    g_mutex_init(&b.lock);
    g_cond_init(&b.cond);
    src = g_idle_source_new();
    /* below every I/O source, so whatever was being dispatched has finished */
    g_source_set_priority(src, G_PRIORITY_LOW);
    g_source_set_callback(src, qvEventThreadBarrierHit, &b, NULL);
    g_source_attach(src, et->ctx);
    g_source_unref(src);
    g_mutex_lock(&b.lock);
    while (!b.done)
        g_cond_wait(&b.cond, &b.lock);
    g_mutex_unlock(&b.lock);
    g_mutex_clear(&b.lock);
    g_cond_clear(&b.cond);
}
