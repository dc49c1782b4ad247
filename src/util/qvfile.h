/* qvfile.h: bounded reads, atomic writes, directories and advisory locks. */
#pragma once

#include <sys/types.h>

#include "internal.h"

/* Read a whole file of at most maxlen bytes; returns its length (NUL-terminated), or -1. */
gssize qvFileReadAll(const char *path, size_t maxlen, char **buf);

/*
 * Replace path with content so that a reader (or a crash) sees either the old file or
 * the new one, never a mix: temporary file in the same directory, fsync, rename, fsync
 * of the directory.
 */
int qvFileWriteAtomic(const char *path, const char *content, size_t len, mode_t mode);
/* The first half of that: content in a new file beside path (a short name of its own,
 * never through a symbolic link), synced; returns its name. */
char *qvFileWriteTemp(const char *path, const char *content, size_t len, mode_t mode);
/* Replace path atomically (readers see the old content or the new), without making it
 * durable: for runtime state that a crash of the host makes meaningless. */
int qvFileReplace(const char *path, const char *content, size_t len, mode_t mode);
/* fsync the directory that holds path, so that renames and removals in it are durable. */
int qvFileSyncDir(const char *path);

int qvFileMakePath(const char *path, mode_t mode);
/* Remove a file (absent is fine) and make the removal durable. */
int qvFileRemove(const char *path);
/* Remove path, and everything below it if it is a directory, never following a symbolic
 * link (one is removed itself); absent is fine. */
int qvFileRemoveTree(const char *path);
bool qvFileExists(const char *path);

/* Take an flock() on path (created if needed); returns the fd holding it, or -1. */
int qvFileLock(const char *path, bool exclusive, bool wait);
void qvFileUnlock(int fd);

/*
 * Where an installed data file lives (relpath below docs/ in the source tree, e.g.
 * "schemas/domain.rng"): $QVIRT_DATA_DIR if set, the source tree when the running
 * program is an uninstalled build, else the installed package data directory.
 */
char *qvFileFindData(const char *relpath);

/* A helper program of qvirt's (e.g. "qvirt_qemu_supervisor"): $<NAME in capitals> if set,
 * the build tree when the running program is an uninstalled build, else libexecdir. */
char *qvFileFindHelper(const char *name);

/* Whether some process holds an flock() on path (false when it does not exist). */
bool qvFileIsLocked(const char *path);
/* The pid of another process holding an open file description write lock on path (it
 * writes its pid into the file), else 0; this process's own lock is not reported. */
long long qvFileRecordLockHolder(const char *path);
