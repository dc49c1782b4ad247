/* driver.c: the registry of hypervisor drivers that connections are offered to, in order. */
#include <config.h>

#include "driver.h"
#include "qverror.h"

#define QV_FROM_THIS QV_FROM_NONE

#define QV_MAX_DRIVERS 8

static const qvDriver *qvDrivers[QV_MAX_DRIVERS];
static size_t qvNDrivers;

int qvRegisterDriver(const qvDriver *driver)
{
    if (qvNDrivers >= QV_MAX_DRIVERS) {
        qvReportError(QV_ERR_INTERNAL_ERROR, "%s", _("too many drivers registered"));
        return -1;
    }
    qvDrivers[qvNDrivers++] = driver;
    return 0;
}

const qvDriver *qvDriverNth(size_t i)
{
    return i < qvNDrivers ? qvDrivers[i] : NULL;
}
