/* qemu_svproto.c: the supervisor's protocol (see qemu_svproto.h). */
#include <config.h>

#include "qemu_svproto.h"
#include "qverror.h"

#define QV_FROM_THIS QV_FROM_QEMU

QV_ENUM_IMPL(qemuSvQuiesce, QEMU_SV_QUIESCE_LAST, "none", "required", "best-effort");

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

int qemuSvFreezeGuard(qemuMonitor *mon, long long seconds)
{
    qvJSONValue *args = qvJSONNewObject();

    qvJSONObjectAdd(args, "I:seconds", seconds, NULL);
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

void qemuSvSwitchResultClear(qemuSvSwitchResult *r)
{
    g_free(r->error);
    g_free(r->quiesceError);
    g_free(r->thawError);
    memset(r, 0, sizeof(*r));
    r->frozen = -1;
}

void qemuSvSwitchResultSetError(qemuSvSwitchResult *r, char kind)
{
    qvErrorPtr err = qvGetLastError();
    int code = err ? err->code : QV_ERR_INTERNAL_ERROR;
    int domain = err ? err->domain : QV_FROM_QEMU;
    char *msg = g_strdup(qvGetLastErrorMessage());

    switch (kind) {
    case 'q':
        r->quiesceCode = code;
        r->quiesceDomain = domain;
        g_free(r->quiesceError);
        r->quiesceError = msg;
        break;
    case 't':
        r->thawCode = code;
        r->thawDomain = domain;
        g_free(r->thawError);
        r->thawError = msg;
        break;
    default:
        r->errorCode = code;
        r->errorDomain = domain;
        g_free(r->error);
        r->error = msg;
        break;
    }
}

static void qemuSvErrorToJSON(qvJSONValue *obj, const char *key, int code, int domain,
                              const char *msg)
{
    qvJSONValue *e;

    if (!msg)
        return;
    e = qvJSONNewObject();
    qvJSONObjectAdd(e, "i:code", code, "i:domain", domain, "s:message", msg, NULL);
    qvJSONObjectAdd(obj,
                    key[0] == 'e'   ? "a:error"
                    : key[0] == 'q' ? "a:quiesce-error"
                                    : "a:thaw-error",
                    e, NULL);
}

qvJSONValue *qemuSvSwitchResultToJSON(const qemuSvSwitchResult *r)
{
    qvJSONValue *ret = qvJSONNewObject();

    qvJSONObjectAdd(ret, "i:switched", r->switched, "i:frozen", r->frozen, "b:thawed", r->thawed,
                    "I:window-us", r->windowUs, "I:thaw-sent-us", r->thawSentUs, "I:transaction-us",
                    r->transactionUs, NULL);
    qemuSvErrorToJSON(ret, "e", r->errorCode, r->errorDomain, r->error);
    qemuSvErrorToJSON(ret, "q", r->quiesceCode, r->quiesceDomain, r->quiesceError);
    qemuSvErrorToJSON(ret, "t", r->thawCode, r->thawDomain, r->thawError);
    return ret;
}

/* An error member: a known code, a message. */
static int qemuSvErrorFromJSON(const qvJSONValue *e, int *code, int *domain, char **msg)
{
    const char *text;

    if (!e)
        return 0;
    if (qvJSONGetInt(qvJSONObjectGet(e, "code"), code) < 0 || !qvErrorCodeIsKnown(*code) ||
        qvJSONGetInt(qvJSONObjectGet(e, "domain"), domain) < 0 ||
        !(text = qvJSONGetString(qvJSONObjectGet(e, "message"))))
        return -1;
    *msg = g_strdup(text);
    return 0;
}

int qemuSvSwitchResultFromJSON(const qvJSONValue *v, qemuSvSwitchResult *r)
{
    qemuSvSwitchResultClear(r);
    if (qvJSONGetInt(qvJSONObjectGet(v, "switched"), &r->switched) < 0 || r->switched < -1 ||
        r->switched > 1 || qvJSONGetInt(qvJSONObjectGet(v, "frozen"), &r->frozen) < 0 ||
        qvJSONGetBoolean(qvJSONObjectGet(v, "thawed"), &r->thawed) < 0 ||
        qvJSONGetLLong(qvJSONObjectGet(v, "window-us"), &r->windowUs) < 0 ||
        qvJSONGetLLong(qvJSONObjectGet(v, "thaw-sent-us"), &r->thawSentUs) < 0 ||
        qvJSONGetLLong(qvJSONObjectGet(v, "transaction-us"), &r->transactionUs) < 0 ||
        qemuSvErrorFromJSON(qvJSONObjectGet(v, "error"), &r->errorCode, &r->errorDomain,
                            &r->error) < 0 ||
        qemuSvErrorFromJSON(qvJSONObjectGet(v, "quiesce-error"), &r->quiesceCode, &r->quiesceDomain,
                            &r->quiesceError) < 0 ||
        qemuSvErrorFromJSON(qvJSONObjectGet(v, "thaw-error"), &r->thawCode, &r->thawDomain,
                            &r->thawError) < 0 ||
        (r->switched != 1 && !r->error)) {
        qemuSvSwitchResultClear(r);
        qvReportError(QV_ERR_INTERNAL_ERROR, "%s",
                      _("the supervisor's answer to a snapshot switch is malformed"));
        return -1;
    }
    return 0;
}

int qemuSvSnapshotSwitch(qemuMonitor *mon, qvJSONValue *actions, qemuSvQuiesce quiesce,
                         long long guardSeconds, int timeoutMs, qemuSvSwitchResult *r)
{
    qvJSONValue *args = qvJSONNewObject();
    g_autoptr(qvJSONValue) ret = NULL;

    qvJSONObjectAdd(args, "a:actions", actions, "s:quiesce", qemuSvQuiesceTypeToString(quiesce),
                    "I:guard", guardSeconds, NULL);
    if (qemuMonitorCommand(mon, QEMU_SV_SNAPSHOT_SWITCH, args, timeoutMs, &ret) < 0)
        return -1;
    return qemuSvSwitchResultFromJSON(ret, r);
}

int qemuSvSwitchWait(qemuMonitor *mon, int timeoutMs)
{
    return qemuMonitorCommand(mon, QEMU_SV_SWITCH_WAIT, NULL, timeoutMs, NULL);
}
