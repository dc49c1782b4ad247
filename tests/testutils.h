/* testutils.h: golden-file comparison (TEST_REGENERATE=1 rewrites), data-file listing. */
#pragma once

#include "internal.h"

/* The source directory of the tests (for data files). */
const char *testSrcDir(void);
char *testDataPath(const char *subdir, const char *file);

/* Load a file or fail the test. */
char *testLoadFile(const char *path);

/* Compare actual text with a golden file; with TEST_REGENERATE=1, write it instead. */
void testCompareToFile(const char *actual, const char *path);

/* The sorted basenames (without suffix) of subdir's files ending in suffix. */
GPtrArray *testListCases(const char *subdir, const char *suffix);

/* Set up GLib's test framework, the library's i18n, and a deterministic random seed. */
void testInit(int *argc, char ***argv);

/* Remove a scratch directory and everything in it; 0 on success. */
int testRemoveTree(const char *dir);

/* A short name for an error code, as used in test expectations (AGENT_SYNC_TIMEOUT...). */
const char *testErrorCodeName(int code);

/* The text of the last error, with a placeholder for a missing one. */
const char *testLastError(void);

/* The checks shared by the scripted conversation tests: "expect ok|error ..."
 * (the last result begins so, up to a word's end), "expect TEXT" (TEXT is in the
 * last result) and "expect-ms <=|>= N" (the last call took at most or at least
 * N ms).  Returns false when w[0] is neither, true when handled; a
 * failed check fails the test with the scenario's name and step. */
bool testScriptExpect(const char *name, size_t step, char **w, const char *rest, const char *result,
                      gint64 elapsedMs);
