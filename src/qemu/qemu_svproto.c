/* qemu_svproto.c: the supervisor's protocol (see qemu_svproto.h). */
#include <config.h>

#include "qemu_svproto.h"
#include "qverror.h"

#define QV_FROM_THIS QV_FROM_QEMU

qvJSONValue *qemuSvStatusToJSON(const qemuDomainStatus *st)
{
    qvJSONValue *ret = qvJSONNewObject();

    qvJSONObjectAdd(ret, "i:state", st->state, "i:reason", st->reason, "s:agent",
                    qemuAgentChannelStateTypeToString(st->agent), "b:fake-reboot", st->fakeReboot,
                    "i:agent-timeout", st->agentTimeout, "I:freeze-deadline", st->freezeDeadline,
                    "I:qemu-pid", st->qemuPid, "I:supervisor-pid", st->supervisorPid, NULL);
    return ret;
}

int qemuSvStatusFromJSON(const qvJSONValue *v, qemuDomainStatus *st)
{
    const char *agent = qvJSONGetString(qvJSONObjectGet(v, "agent"));
    int state, reason, ch = -1;

    if (qvJSONGetInt(qvJSONObjectGet(v, "state"), &state) < 0 ||
        qvJSONGetInt(qvJSONObjectGet(v, "reason"), &reason) < 0 || state <= QV_DOMAIN_NOSTATE ||
        state > QV_DOMAIN_PMSUSPENDED ||
        (agent && (ch = qemuAgentChannelStateTypeFromString(agent)) < 0)) {
        qvReportError(QV_ERR_INTERNAL_ERROR, "%s",
                      _("the supervisor's status lacks a valid state, reason or agent word"));
        return -1;
    }
    st->state = state;
    st->reason = reason;
    if (agent)
        st->agent = ch;
    qvJSONGetBoolean(qvJSONObjectGet(v, "fake-reboot"), &st->fakeReboot);
    qvJSONGetInt(qvJSONObjectGet(v, "agent-timeout"), &st->agentTimeout);
    qvJSONGetLLong(qvJSONObjectGet(v, "freeze-deadline"), &st->freezeDeadline);
    qvJSONGetLLong(qvJSONObjectGet(v, "qemu-pid"), &st->qemuPid);
    qvJSONGetLLong(qvJSONObjectGet(v, "supervisor-pid"), &st->supervisorPid);
    return 0;
}

int qemuSvQueryStatus(qemuMonitor *mon, int timeoutMs, qemuDomainStatus *st)
{
    g_autoptr(qvJSONValue) ret = NULL;

    if (qemuMonitorCommand(mon, QEMU_SV_QUERY_STATUS, NULL, timeoutMs, &ret) < 0)
        return -1;
    return qemuSvStatusFromJSON(ret, st);
}

int qemuSvSetFakeReboot(qemuMonitor *mon, bool enable)
{
    qvJSONValue *args = qvJSONNewObject();

    qvJSONObjectAdd(args, "b:enable", enable, NULL);
    return qemuMonitorCommand(mon, QEMU_SV_SET_FAKE_REBOOT, args, 0, NULL);
}

int qemuSvSetAgentTimeout(qemuMonitor *mon, int timeout)
{
    qvJSONValue *args = qvJSONNewObject();

    qvJSONObjectAdd(args, "i:timeout", timeout, NULL);
    return qemuMonitorCommand(mon, QEMU_SV_SET_AGENT_TIMEOUT, args, 0, NULL);
}

int qemuSvFreezeGuard(qemuMonitor *mon, long long seconds, bool tied)
{
    qvJSONValue *args = qvJSONNewObject();

    qvJSONObjectAdd(args, "I:seconds", seconds, "b:tied", tied, NULL);
    return qemuMonitorCommand(mon, QEMU_SV_FREEZE_GUARD, args, 0, NULL);
}

int qemuSvFSEvent(qemuMonitor *mon, const char *state, const char *reason)
{
    qvJSONValue *args = qvJSONNewObject();

    qvJSONObjectAdd(args, "s:state", state, "s:reason", reason, NULL);
    return qemuMonitorCommand(mon, QEMU_SV_FS_EVENT, args, 0, NULL);
}

int qemuSvDestroy(qemuMonitor *mon, bool graceful, int timeoutMs)
{
    qvJSONValue *args = qvJSONNewObject();

    qvJSONObjectAdd(args, "b:graceful", graceful, NULL);
    return qemuMonitorCommand(mon, QEMU_SV_DESTROY, args, timeoutMs, NULL);
}
