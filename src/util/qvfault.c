/* qvfault.c: named steps at which a test may kill the process (see qvfault.h). */
#include <config.h>

#include <signal.h>
#include <unistd.h>

#include "qvfault.h"

void qvFaultPoint(const char *step)
{
    const char *want = g_getenv("QVIRT_TEST_DIE_AT");
    g_auto(GStrv) steps = NULL;
    size_t i;

    if (!want || !*want)
        return;
    steps = g_strsplit(want, ",", -1);
    for (i = 0; steps[i]; i++) {
        if (STREQ(steps[i], step)) {
            g_autofree char *line = g_strdup_printf("qvirt: dying at %s\n", step);
            ssize_t n = write(STDERR_FILENO, line, strlen(line));

            (void)n;
            kill(getpid(), SIGKILL);
            pause();
        }
    }
}
