/* qvlinebuf.h: newline framing of a byte stream with a per-line cap; the buffer grows
 * geometrically up to the cap and shrinks back once drained. */
#pragma once

#include "internal.h"

typedef struct {
    char *data;
    size_t len; /* bytes held */
    size_t alloc; /* bytes allocated */
    size_t initial; /* allocation to shrink back to */
    size_t maxLine; /* longest line accepted, without its newline */
    bool skipping; /* inside an oversize line: dropping bytes until its newline */
} qvLineBuffer;

typedef enum {
    QV_LINE_NONE, /* no complete line yet */
    QV_LINE_OK, /* *line (to free) / *len is one line, without "\n" */
    QV_LINE_OVERSIZE, /* a line longer than maxLine was dropped */
} qvLineResult;

void qvLineBufferInit(qvLineBuffer *lb, size_t initial, size_t maxLine);
void qvLineBufferClear(qvLineBuffer *lb);
void qvLineBufferFree(qvLineBuffer *lb);
/* Room for at least n more bytes at data + len, never more than the cap allows. */
char *qvLineBufferReserve(qvLineBuffer *lb, size_t *room);
void qvLineBufferCommit(qvLineBuffer *lb, size_t n);
void qvLineBufferAppend(qvLineBuffer *lb, const char *bytes, size_t n);
/* Take the next line (it may contain NUL bytes: use *len). */
qvLineResult qvLineBufferNext(qvLineBuffer *lb, char **line, size_t *len);
/* Drop everything up to and including the first byte c; true if c was found. */
bool qvLineBufferDiscardThrough(qvLineBuffer *lb, char c);
