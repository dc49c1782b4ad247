/* qvfault.c: named steps at which a test may kill the process (see qvfault.h). */
#include <config.h>

#include <signal.h>
#include <unistd.h>

#include "qvfault.h"

static bool qvFaultWanted(const char *var, const char *step)
{
    const char *want = g_getenv(var);
    g_auto(GStrv) steps = NULL;
    size_t i;

    if (!want || !*want)
        return false;
    steps = g_strsplit(want, ",", -1);
    for (i = 0; steps[i]; i++) {
        if (STREQ(steps[i], step))
            return true;
    }
    return false;
}

static void qvFaultSay(const char *what, const char *step)
{
    g_autofree char *line = g_strdup_printf("qvirt: %s at %s\n", what, step);
    ssize_t n = write(STDERR_FILENO, line, strlen(line));

    (void)n;
}

void qvFaultPoint(const char *step)
{
    if (qvFaultWanted("QVIRT_TEST_STOP_AT", step)) {
        qvFaultSay("stopped", step);
        raise(SIGSTOP);
    }
    if (qvFaultWanted("QVIRT_TEST_DIE_AT", step)) {
        qvFaultSay("dying", step);
        kill(getpid(), SIGKILL);
        pause();
    }
}
