/* qvlinebuf.c: line framing that never holds more than one capped line plus one read. */
#include <config.h>

#include "qvlinebuf.h"

void qvLineBufferInit(qvLineBuffer *lb, size_t initial, size_t maxLine)
{
    memset(lb, 0, sizeof(*lb));
    lb->initial = initial;
    lb->maxLine = maxLine;
}

void qvLineBufferFree(qvLineBuffer *lb)
{
    g_clear_pointer(&lb->data, g_free);
    lb->len = lb->alloc = 0;
    lb->skipping = false;
}

void qvLineBufferClear(qvLineBuffer *lb)
{
    lb->len = 0;
    lb->skipping = false;
    if (lb->alloc > lb->initial * 4)
        qvLineBufferFree(lb);
}

char *qvLineBufferReserve(qvLineBuffer *lb, size_t *room)
{
    size_t want = lb->len + lb->initial;

    if (want > lb->alloc) {
        size_t grow = lb->alloc ? lb->alloc : lb->initial;

        while (grow < want)
            grow *= 2;
        lb->data = g_realloc(lb->data, grow + 1);
        lb->alloc = grow;
    }
    *room = lb->alloc - lb->len;
    return lb->data + lb->len;
}

void qvLineBufferCommit(qvLineBuffer *lb, size_t n)
{
    lb->len += n;
}

void qvLineBufferAppend(qvLineBuffer *lb, const char *bytes, size_t n)
{
    while (n) {
        size_t room;
        char *dst = qvLineBufferReserve(lb, &room);
        size_t chunk = MIN(room, n);

        memcpy(dst, bytes, chunk);
        qvLineBufferCommit(lb, chunk);
        bytes += chunk;
        n -= chunk;
    }
}

static void qvLineBufferConsume(qvLineBuffer *lb, size_t n)
{
    memmove(lb->data, lb->data + n, lb->len - n);
    lb->len -= n;
    /* shrink back once a large line has gone */
    if (lb->len == 0 && lb->alloc > lb->initial * 4)
        qvLineBufferFree(lb);
}

qvLineResult qvLineBufferNext(qvLineBuffer *lb, char **line, size_t *len)
{
    for (;;) {
        char *nl = lb->len ? memchr(lb->data, '\n', lb->len) : NULL;
        size_t n, l;

        if (lb->skipping) {
            if (!nl) {
                lb->len = 0;
                return QV_LINE_NONE;
            }
            lb->skipping = false;
            qvLineBufferConsume(lb, (size_t)(nl - lb->data) + 1);
            continue;
        }
        if (!nl) {
            if (lb->len > lb->maxLine) {
                /* too long already, and no end in sight: drop it as it comes */
                lb->skipping = true;
                lb->len = 0;
                return QV_LINE_OVERSIZE;
            }
            return QV_LINE_NONE;
        }
        n = (size_t)(nl - lb->data);
        if (n > lb->maxLine) {
            qvLineBufferConsume(lb, n + 1);
            return QV_LINE_OVERSIZE;
        }
        l = n;
        if (l && lb->data[l - 1] == '\r')
            l--;
        if (l == 0) {
            /* blank lines carry nothing */
            qvLineBufferConsume(lb, n + 1);
            continue;
        }
        *line = g_malloc(l + 1);
        memcpy(*line, lb->data, l);
        (*line)[l] = '\0';
        *len = l;
        qvLineBufferConsume(lb, n + 1);
        return QV_LINE_OK;
    }
}

bool qvLineBufferDiscardThrough(qvLineBuffer *lb, char c)
{
    char *p = lb->len ? memchr(lb->data, c, lb->len) : NULL;

    if (!p) {
        lb->len = 0;
        return false;
    }
    qvLineBufferConsume(lb, (size_t)(p - lb->data) + 1);
    lb->skipping = false;
    return true;
}
