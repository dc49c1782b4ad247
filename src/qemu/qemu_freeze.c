/* qemu_freeze.c: freeze and thaw, guarded (see qemu_freeze.h). */
#include <config.h>

#include "qemu_freeze.h"
#include "qemu_process.h"
#include "qemu_svproto.h"
#include "qverror.h"
#include "qvlog.h"

#define QV_FROM_THIS QV_FROM_DOMAIN_SNAPSHOT

QV_LOG_INIT("qemu.snapshot");

#define QEMU_FREEZE_THAW_TRIES 3
#define QEMU_FREEZE_GUARD_DEFAULT 300

int qemuFreezeGuardSeconds(void)
{
    const char *env = g_getenv("QVIRT_FREEZE_GUARD_SECONDS");
    guint64 v;

    if (env && g_ascii_string_to_unsigned(env, 10, 1, 24 * 3600, &v, NULL))
        return (int)v;
    if (env)
        QV_WARN("QVIRT_FREEZE_GUARD_SECONDS='%s' is not 1..86400; using %d s", env,
                QEMU_FREEZE_GUARD_DEFAULT);
    return QEMU_FREEZE_GUARD_DEFAULT;
}

int qemuDomainFreezeGuard(qemuDriver *driver, domainObj *obj, long long seconds)
{
    qemuMonitor *mon;
    int rc;

    if (!(mon = qemuDomainGetMonitor(driver, obj)))
        return -1;
    rc = qemuSvFreezeGuard(mon, seconds);
    qemuMonitorUnref(mon);
    return rc;
}

int qemuDomainThawVerified(qemuDriver *driver, domainObj *obj, qemuAgent *agent)
{
    g_autofree char *name = NULL;
    int attempt;

    g_mutex_lock(&obj->lock);
    name = g_strdup(obj->def->name);
    g_mutex_unlock(&obj->lock);

    for (attempt = 1;; attempt++) {
        qemuAgentFSFreezeStatus status;
        int thawed = qemuAgentFSThaw(agent, true);

        if (qemuAgentFSFreezeStatusGet(agent, &status) == 0) {
            if (status == QEMU_AGENT_FSFREEZE_THAWED) {
                /* thawed (even if the thaw call itself failed: someone thawed it) */
                qvResetLastError();
                if (qemuDomainFreezeGuard(driver, obj, 0) < 0)
                    return -1;
                return thawed < 0 ? 0 : thawed;
            }
            qvReportError(QV_ERR_OPERATION_FAILED, "%s",
                          _("the guest's filesystems are still frozen after thaw; its "
                            "supervisor keeps trying"));
        }
        if (attempt >= QEMU_FREEZE_THAW_TRIES)
            return -1;
        QV_WARN("domain '%s': thaw attempt %d failed: %s", name, attempt, qvGetLastErrorMessage());
        g_usleep(200 * 1000);
    }
}

void qemuDomainFSEvent(qemuDriver *driver, domainObj *obj, const char *state, const char *reason)
{
    qvErrorPtr saved = qvErrorPreserveLast();
    qemuMonitor *mon;

    if (!(mon = qemuDomainGetMonitor(driver, obj)) || qemuSvFSEvent(mon, state, reason) < 0)
        QV_DEBUG("fs-freeze event '%s' (%s) not sent: %s", state, reason, qvGetLastErrorMessage());
    if (mon)
        qemuMonitorUnref(mon);
    if (saved)
        qvErrorRestore(&saved);
    else
        qvResetLastError();
}
