/* qvsh-lifecycle.c: running domains: start, destroy, shutdown, reboot, state, info,
 * the guest agent (qemu-agent-command, guest-agent-timeout, domtime, guestinfo,
 * domifaddr) and events, with virsh's option names and output. */
#include <config.h>

#include <signal.h>
#include <stdio.h>

#include <glib-unix.h>

#include "qvsh.h"

static const qvshCmdOptDef opts_domain_only[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { NULL, 0, 0, NULL },
};

/* ---- start / destroy ---- */

static const qvshCmdOptDef opts_start[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("name of the inactive domain") },
    { "paused", QVSH_OT_BOOL, 0, N_("leave the guest paused after creation") },
    { "force-boot", QVSH_OT_BOOL, 0, N_("force fresh boot by discarding any managed save") },
    { NULL, 0, 0, NULL },
};

static bool cmdStart(qvshControl *ctl, const qvshCmd *cmd)
{
    const char *name;
    unsigned int flags = 0;
    qvDomainPtr dom;
    bool ok;

    if (qvshOptBool(cmd, "paused"))
        flags |= QV_DOMAIN_START_PAUSED;
    if (qvshOptBool(cmd, "force-boot"))
        flags |= QV_DOMAIN_START_FORCE_BOOT;
    if (!(dom = qvshCommandOptDomain(ctl, cmd, &name)))
        return false;
    if (qvDomainIsActive(dom) == 1) {
        qvshError(ctl, "%s", _("Domain is already active"));
        qvDomainFree(dom);
        return false;
    }
    if ((ok = qvDomainCreateWithFlags(dom, flags) == 0)) {
        qvshPrint(ctl, _("Domain '%s' started\n\n"), qvDomainGetName(dom));
    } else {
        /* no qv* call between the failure and its report: each resets the error */
        qvshError(ctl, _("Failed to start domain '%s'"), name);
        qvshReportError(ctl, NULL);
    }
    qvDomainFree(dom);
    return ok;
}

static const qvshCmdOptDef opts_destroy[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "graceful", QVSH_OT_BOOL, 0, N_("terminate gracefully") },
    { "remove-logs", QVSH_OT_BOOL, 0, N_("remove domain logs") },
    { NULL, 0, 0, NULL },
};

static bool cmdDestroy(qvshControl *ctl, const qvshCmd *cmd)
{
    const char *name;
    unsigned int flags = 0;
    qvDomainPtr dom;
    bool ok;

    if (qvshOptBool(cmd, "graceful"))
        flags |= QV_DOMAIN_DESTROY_GRACEFUL;
    if (qvshOptBool(cmd, "remove-logs"))
        flags |= QV_DOMAIN_DESTROY_REMOVE_LOGS;
    if (!(dom = qvshCommandOptDomain(ctl, cmd, &name)))
        return false;
    if ((ok = qvDomainDestroyFlags(dom, flags) == 0)) {
        qvshPrint(ctl, _("Domain '%s' destroyed\n\n"), name);
    } else {
        qvshError(ctl, _("Failed to destroy domain '%s'"), name);
        qvshReportError(ctl, NULL);
    }
    qvDomainFree(dom);
    return ok;
}

/* ---- shutdown / reboot ---- */

static const qvshCmdOptDef opts_shutdown[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "mode", QVSH_OT_STRING, 0, N_("shutdown mode: acpi|agent|initctl|signal|paravirt") },
    { NULL, 0, 0, NULL },
};

/* --mode a,b: the flags, or false after an error that names the bad mode. */
static bool qvshParseModes(qvshControl *ctl, const char *modes, unsigned int *flags)
{
    static const struct {
        const char *name;
        unsigned int flag;
    } map[] = {
        { "acpi", QV_DOMAIN_SHUTDOWN_ACPI_POWER_BTN }, { "agent", QV_DOMAIN_SHUTDOWN_GUEST_AGENT },
        { "initctl", QV_DOMAIN_SHUTDOWN_INITCTL },     { "signal", QV_DOMAIN_SHUTDOWN_SIGNAL },
        { "paravirt", QV_DOMAIN_SHUTDOWN_PARAVIRT },
    };
    g_auto(GStrv) parts = NULL;
    size_t i, j;

    *flags = 0;
    if (!modes)
        return true;
    parts = g_strsplit(modes, ",", -1);
    for (i = 0; parts[i]; i++) {
        for (j = 0; j < G_N_ELEMENTS(map); j++) {
            if (STREQ(parts[i], map[j].name)) {
                *flags |= map[j].flag;
                break;
            }
        }
        if (j == G_N_ELEMENTS(map)) {
            qvshError(ctl,
                      _("Unknown mode %s value, expecting 'acpi', 'agent', 'initctl', "
                        "'signal', or 'paravirt'"),
                      parts[i]);
            return false;
        }
    }
    return true;
}

static const char *qvshModeUsed(unsigned int used)
{
    if (used == QV_DOMAIN_SHUTDOWN_GUEST_AGENT)
        return _("guest agent");
    if (used == QV_DOMAIN_SHUTDOWN_ACPI_POWER_BTN)
        return _("ACPI power button");
    return NULL;
}

static bool qvshPowerCommand(qvshControl *ctl, const qvshCmd *cmd, bool reboot)
{
    const char *name;
    unsigned int flags, used = 0;
    qvDomainPtr dom;
    bool ok;

    if (!qvshParseModes(ctl, qvshOptString(cmd, "mode"), &flags))
        return false;
    if (!(dom = qvshCommandOptDomain(ctl, cmd, &name)))
        return false;
    if (reboot)
        ok = qvDomainRebootFlagsReport(dom, flags, &used) == 0;
    else
        ok = qvDomainShutdownFlagsReport(dom, flags, &used) == 0;
    if (ok) {
        const char *how = qvshModeUsed(used);

        /* virsh's line, then which method took effect */
        if (reboot)
            qvshPrint(ctl, _("Domain '%s' is being rebooted\n"), name);
        else
            qvshPrint(ctl, _("Domain '%s' is being shutdown\n"), name);
        if (how)
            qvshPrint(ctl, _("(through the %s)\n"), how);
        qvshPrint(ctl, "\n");
    } else {
        if (reboot)
            qvshError(ctl, _("Failed to reboot domain '%s'"), name);
        else
            qvshError(ctl, _("Failed to shutdown domain '%s'"), name);
        qvshReportError(ctl, NULL);
    }
    qvDomainFree(dom);
    return ok;
}

static bool cmdShutdown(qvshControl *ctl, const qvshCmd *cmd)
{
    return qvshPowerCommand(ctl, cmd, false);
}

static const qvshCmdOptDef opts_reboot[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "mode", QVSH_OT_STRING, 0, N_("shutdown mode: acpi|agent|initctl|signal|paravirt") },
    { NULL, 0, 0, NULL },
};

static bool cmdReboot(qvshControl *ctl, const qvshCmd *cmd)
{
    return qvshPowerCommand(ctl, cmd, true);
}

/* ---- state and info ---- */

const char *qvshDomainStateReasonToString(int state, int reason)
{
    static const char *const running[] = {
        N_("unknown"),       N_("booted"),   N_("migrated"),           N_("restored"),
        N_("from snapshot"), N_("unpaused"), N_("migration canceled"), N_("save canceled"),
        N_("event wakeup"),  N_("crashed"),  N_("post-copy"),
    };
    static const char *const paused[] = {
        N_("unknown"),       N_("user"),
        N_("migrating"),     N_("saving"),
        N_("dumping"),       N_("I/O error"),
        N_("watchdog"),      N_("from snapshot"),
        N_("shutting down"), N_("snapshot"),
        N_("crashed"),       N_("starting up"),
        N_("post-copy"),     N_("post-copy failed"),
    };
    static const char *const shutoff[] = {
        N_("unknown"), N_("shutdown"), N_("destroyed"),     N_("crashed"), N_("migrated"),
        N_("saved"),   N_("failed"),   N_("from snapshot"), N_("daemon"),
    };
    static const char *const shutdown[] = { N_("unknown"), N_("user") };

#define PICK(tbl) _(reason >= 0 && (size_t)reason < G_N_ELEMENTS(tbl) ? tbl[reason] : tbl[0])
    switch ((qvDomainState)state) {
    case QV_DOMAIN_RUNNING:
        return PICK(running);
    case QV_DOMAIN_PAUSED:
        return PICK(paused);
    case QV_DOMAIN_SHUTOFF:
        return PICK(shutoff);
    case QV_DOMAIN_SHUTDOWN:
        return PICK(shutdown);
    case QV_DOMAIN_NOSTATE:
    case QV_DOMAIN_BLOCKED:
    case QV_DOMAIN_CRASHED:
    case QV_DOMAIN_PMSUSPENDED:
    default:
        return _("unknown");
    }
#undef PICK
}

static const qvshCmdOptDef opts_domstate[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "reason", QVSH_OT_BOOL, 0, N_("also print reason for the state") },
    { NULL, 0, 0, NULL },
};

static bool cmdDomstate(qvshControl *ctl, const qvshCmd *cmd)
{
    qvDomainPtr dom;
    int state, reason;
    bool ok;

    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if ((ok = qvDomainGetState(dom, &state, &reason, 0) == 0)) {
        if (qvshOptBool(cmd, "reason"))
            printf("%s (%s)\n\n", qvshDomainStateToString(state),
                   qvshDomainStateReasonToString(state, reason));
        else
            printf("%s\n\n", qvshDomainStateToString(state));
    } else {
        qvshReportError(ctl, NULL);
    }
    qvDomainFree(dom);
    return ok;
}

static bool cmdDominfo(qvshControl *ctl, const qvshCmd *cmd)
{
    qvDomainInfo info;
    qvDomainPtr dom;
    char uuid[QV_UUID_STRING_BUFLEN];
    int persistent;

    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (qvDomainGetInfo(dom, &info) < 0) {
        qvshReportError(ctl, NULL);
        qvDomainFree(dom);
        return false;
    }
    if (qvDomainIsActive(dom) == 1)
        printf("%-15s %u\n", _("Id:"), qvDomainGetID(dom));
    else
        printf("%-15s %s\n", _("Id:"), "-");
    printf("%-15s %s\n", _("Name:"), qvDomainGetName(dom));
    qvDomainGetUUIDString(dom, uuid);
    printf("%-15s %s\n", _("UUID:"), uuid);
    printf("%-15s %s\n", _("OS Type:"), "hvm");
    printf("%-15s %s\n", _("State:"), qvshDomainStateToString(info.state));
    printf("%-15s %u\n", _("CPU(s):"), info.nrVirtCpu);
    if (info.cpuTime)
        printf("%-15s %.1lfs\n", _("CPU time:"), (double)info.cpuTime / 1e9);
    printf("%-15s %lu KiB\n", _("Max memory:"), info.maxMem);
    printf("%-15s %lu KiB\n", _("Used memory:"), info.memory);
    persistent = qvDomainIsPersistent(dom);
    printf("%-15s %s\n", _("Persistent:"),
           persistent < 0 ? _("unknown")
           : persistent   ? _("yes")
                          : _("no"));
    printf("%-15s %s\n", _("Autostart:"), _("disable"));
    printf("%-15s %s\n", _("Managed save:"), _("no"));
    printf("%-15s %s\n", _("Security model:"), "none");
    printf("%-15s %s\n", _("Security DOI:"), "0");
    printf("\n");
    qvDomainFree(dom);
    return true;
}

/* ---- the guest agent ---- */

static const qvshCmdOptDef opts_qemu_agent_command[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "cmd", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("command (JSON), e.g. '{\"execute\":\"guest-info\"}'") },
    { "timeout", QVSH_OT_INT, 0, N_("timeout seconds. must be positive.") },
    { "async", QVSH_OT_BOOL, 0, N_("execute command without waiting for timeout") },
    { "block", QVSH_OT_BOOL, 0, N_("execute command without timeout") },
    { "pretty", QVSH_OT_BOOL, 0, N_("pretty-print the output") },
    { NULL, 0, 0, NULL },
};

/* Re-indent a JSON reply (two spaces, as virsh prints it); the text as is when it is
 * not JSON. */
static char *qvshPrettyJSON(const char *text)
{
    g_autoptr(GString) out = g_string_new(NULL);
    bool inString = false, escape = false;
    int depth = 0;
    const char *p;

    for (p = text; *p; p++) {
        char c = *p;

        if (inString) {
            g_string_append_c(out, c);
            if (escape)
                escape = false;
            else if (c == '\\')
                escape = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        switch (c) {
        case '"':
            inString = true;
            g_string_append_c(out, c);
            break;
        case '{':
        case '[':
            depth++;
            if (p[1] == (c == '{' ? '}' : ']')) {
                g_string_append_c(out, c);
                g_string_append_c(out, *++p);
                depth--;
                break;
            }
            g_string_append_printf(out, "%c\n%*s", c, depth * 2, "");
            break;
        case '}':
        case ']':
            depth--;
            g_string_append_printf(out, "\n%*s%c", MAX(depth, 0) * 2, "", c);
            break;
        case ',':
            g_string_append_printf(out, ",\n%*s", depth * 2, "");
            break;
        case ':':
            g_string_append(out, ": ");
            break;
        case ' ':
        case '\n':
        case '\t':
        case '\r':
            break;
        default:
            g_string_append_c(out, c);
            break;
        }
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static bool cmdQemuAgentCommand(qvshControl *ctl, const qvshCmd *cmd)
{
    int timeout = QV_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT;
    int given = 0;
    int rc;
    g_autofree char *result = NULL;
    qvDomainPtr dom;

    if ((rc = qvshOptInt(cmd, "timeout", &given)) < 0)
        return false;
    if (rc > 0) {
        if (given < 1) {
            qvshError(ctl, "%s", _("timeout value must be positive"));
            return false;
        }
        timeout = given;
    }
    if ((rc > 0) + qvshOptBool(cmd, "async") + qvshOptBool(cmd, "block") > 1) {
        qvshError(ctl, "%s", _("Options --timeout, --async and --block are mutually exclusive"));
        return false;
    }
    if (qvshOptBool(cmd, "async"))
        timeout = QV_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT;
    if (qvshOptBool(cmd, "block"))
        timeout = QV_DOMAIN_QEMU_AGENT_COMMAND_BLOCK;
    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    result = qvDomainQemuAgentCommand(dom, qvshOptString(cmd, "cmd"), timeout, 0);
    if (!result)
        qvshReportError(ctl, NULL); /* before qvDomainFree(), which resets the error */
    qvDomainFree(dom);
    if (!result)
        return false;
    if (!*result) {
        /* --async: sent, no reply awaited */
    } else if (qvshOptBool(cmd, "pretty")) {
        g_autofree char *pretty = qvshPrettyJSON(result);

        printf("%s\n", pretty);
    } else {
        printf("%s\n", result);
    }
    return true;
}

static const qvshCmdOptDef opts_guest_agent_timeout[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "timeout", QVSH_OT_INT, QVSH_OFLAG_POSITIONAL,
      N_("timeout seconds (-2 block, -1 default, 0 no wait)") },
    { NULL, 0, 0, NULL },
};

static bool cmdGuestAgentTimeout(qvshControl *ctl, const qvshCmd *cmd)
{
    int timeout = QV_DOMAIN_AGENT_RESPONSE_TIMEOUT_DEFAULT;
    qvDomainPtr dom;
    bool ok;

    if (qvshOptInt(cmd, "timeout", &timeout) < 0)
        return false;
    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (!(ok = qvDomainAgentSetResponseTimeout(dom, timeout, 0) == 0))
        qvshReportError(ctl, NULL);
    qvDomainFree(dom);
    return ok;
}

static const qvshCmdOptDef opts_domtime[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "now", QVSH_OT_BOOL, 0, N_("set to the time of the host running virsh") },
    { "pretty", QVSH_OT_BOOL, 0, N_("print domain's time in human readable form") },
    { "sync", QVSH_OT_BOOL, 0, N_("instead of setting given time, synchronize from domain's RTC") },
    { "time", QVSH_OT_STRING, 0, N_("time to set") },
    { NULL, 0, 0, NULL },
};

static bool cmdDomtime(qvshControl *ctl, const qvshCmd *cmd)
{
    bool now = qvshOptBool(cmd, "now");
    bool sync = qvshOptBool(cmd, "sync");
    const char *timeStr = qvshOptString(cmd, "time");
    long long seconds = 0;
    unsigned int nseconds = 0;
    qvDomainPtr dom;
    bool ok = false;

    if (now + sync + (timeStr != NULL) > 1) {
        qvshError(ctl, "%s", _("Options --now, --sync and --time are mutually exclusive"));
        return false;
    }
    if (timeStr) {
        char *end = NULL;

        seconds = g_ascii_strtoll(timeStr, &end, 10);
        if (!*timeStr || *end || seconds < 0) {
            qvshError(ctl, _("Numeric value '%s' for <%s> option is malformed or out of range"),
                      timeStr, "time");
            return false;
        }
    }
    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (now || sync || timeStr) {
        if (now) {
            gint64 t = g_get_real_time();

            seconds = t / G_USEC_PER_SEC;
            nseconds = (unsigned int)(t % G_USEC_PER_SEC) * 1000;
        }
        if (!(ok = qvDomainSetTime(dom, seconds, nseconds, sync ? QV_DOMAIN_TIME_SYNC : 0) == 0))
            qvshReportError(ctl, NULL);
    } else if (qvDomainGetTime(dom, &seconds, &nseconds, 0) == 0) {
        ok = true;
        if (qvshOptBool(cmd, "pretty")) {
            g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(seconds);
            g_autofree char *str = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : NULL;

            printf(_("Time: %s\n"), str ? str : "?");
        } else {
            printf(_("Time: %lld\n"), seconds);
        }
    } else {
        qvshReportError(ctl, NULL);
    }
    qvDomainFree(dom);
    return ok;
}

static const qvshCmdOptDef opts_guestinfo[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "user", QVSH_OT_BOOL, 0, N_("report active users") },
    { "os", QVSH_OT_BOOL, 0, N_("report operating system information") },
    { "timezone", QVSH_OT_BOOL, 0, N_("report timezone information") },
    { "hostname", QVSH_OT_BOOL, 0, N_("report hostname") },
    { "filesystem", QVSH_OT_BOOL, 0, N_("report filesystem information") },
    { "disk", QVSH_OT_BOOL, 0, N_("report disk information") },
    { "interface", QVSH_OT_BOOL, 0, N_("report network interface information") },
    { NULL, 0, 0, NULL },
};

static bool cmdGuestinfo(qvshControl *ctl, const qvshCmd *cmd)
{
    static const struct {
        const char *opt;
        unsigned int type;
    } map[] = {
        { "user", QV_DOMAIN_GUEST_INFO_USERS },
        { "os", QV_DOMAIN_GUEST_INFO_OS },
        { "timezone", QV_DOMAIN_GUEST_INFO_TIMEZONE },
        { "hostname", QV_DOMAIN_GUEST_INFO_HOSTNAME },
        { "filesystem", QV_DOMAIN_GUEST_INFO_FILESYSTEM },
        { "disk", QV_DOMAIN_GUEST_INFO_DISKS },
        { "interface", QV_DOMAIN_GUEST_INFO_INTERFACES },
    };
    qvTypedParameterPtr params = NULL;
    unsigned int types = 0;
    qvDomainPtr dom;
    int nparams = 0, i;
    size_t j;

    for (j = 0; j < G_N_ELEMENTS(map); j++) {
        if (qvshOptBool(cmd, map[j].opt))
            types |= map[j].type;
    }
    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (qvDomainGetGuestInfo(dom, types, &params, &nparams, 0) < 0) {
        qvshReportError(ctl, NULL);
        qvDomainFree(dom);
        return false;
    }
    for (i = 0; i < nparams; i++) {
        const qvTypedParameter *p = &params[i];
        g_autofree char *val = NULL;

        switch (p->type) {
        case QV_TYPED_PARAM_STRING:
            val = g_strdup(p->value.s);
            break;
        case QV_TYPED_PARAM_INT:
            val = g_strdup_printf("%d", p->value.i);
            break;
        case QV_TYPED_PARAM_UINT:
            val = g_strdup_printf("%u", p->value.ui);
            break;
        case QV_TYPED_PARAM_LLONG:
            val = g_strdup_printf("%lld", p->value.l);
            break;
        case QV_TYPED_PARAM_ULLONG:
            val = g_strdup_printf("%llu", p->value.ul);
            break;
        case QV_TYPED_PARAM_DOUBLE:
            val = g_strdup_printf("%f", p->value.d);
            break;
        case QV_TYPED_PARAM_BOOLEAN:
            val = g_strdup(p->value.b ? "yes" : "no");
            break;
        default:
            val = g_strdup("?");
            break;
        }
        printf("%-20s: %s\n", p->field, val);
    }
    printf("\n");
    qvTypedParamsFree(params, nparams);
    qvDomainFree(dom);
    return true;
}

static const qvshCmdOptDef opts_domifaddr[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "interface", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL, N_("network interface name") },
    { "full", QVSH_OT_BOOL, 0, N_("always display names and MACs of interfaces") },
    { "source", QVSH_OT_STRING, 0, N_("address source: 'lease', 'agent', or 'arp'") },
    { NULL, 0, 0, NULL },
};

static bool cmdDomifaddr(qvshControl *ctl, const qvshCmd *cmd)
{
    const char *only = qvshOptString(cmd, "interface");
    const char *source = qvshOptString(cmd, "source");
    bool full = qvshOptBool(cmd, "full");
    unsigned int src = QV_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE;
    qvDomainInterfacePtr *ifaces = NULL;
    qvDomainPtr dom;
    int n, i;
    unsigned int j;

    if (source) {
        if (STREQ(source, "lease"))
            src = QV_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE;
        else if (STREQ(source, "agent"))
            src = QV_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT;
        else if (STREQ(source, "arp"))
            src = QV_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP;
        else {
            qvshError(ctl, _("Unknown data source '%s'"), source);
            return false;
        }
    }
    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if ((n = qvDomainInterfaceAddresses(dom, &ifaces, src, 0)) < 0) {
        qvshError(ctl, "%s", _("Failed to query for interfaces addresses"));
        qvshReportError(ctl, NULL);
        qvDomainFree(dom);
        return false;
    }
    printf(" %-10s %-20s %-8s     %s\n%s%s\n", _("Name"), _("MAC address"), _("Protocol"),
           _("Address"), "-------------------------------------------------",
           "------------------------------");
    for (i = 0; i < n; i++) {
        qvDomainInterfacePtr iface = ifaces[i];
        const char *hw = iface->hwaddr && *iface->hwaddr ? iface->hwaddr : "N/A";

        if (only && STRNEQ(only, iface->name) && STRNEQ(only, hw)) {
            qvDomainInterfaceFree(iface);
            continue;
        }
        if (!iface->naddrs)
            printf(" %-10s %-17s    %-12s %s\n", iface->name, hw, "N/A", "N/A");
        for (j = 0; j < iface->naddrs; j++) {
            g_autofree char *addr =
                g_strdup_printf("%s/%u", iface->addrs[j].addr, iface->addrs[j].prefix);
            bool first = j == 0 || full;

            printf(" %-10s %-17s    %-12s %s\n", first ? iface->name : "-", first ? hw : "-",
                   iface->addrs[j].type == QV_IP_ADDR_TYPE_IPV6 ? "ipv6" : "ipv4", addr);
        }
        qvDomainInterfaceFree(iface);
    }
    printf("\n");
    g_free(ifaces);
    qvDomainFree(dom);
    return true;
}

/* ---- events ---- */

typedef struct {
    qvshControl *ctl;
    bool loop;
    bool timestamp;
    int count;
    GMainLoop *mainLoop;
} qvshEventData;

static const char *qvshEventLifecycleToString(int event, int detail, const char **detailStr)
{
    static const char *const events[] = { N_("Defined"),   N_("Undefined"),   N_("Started"),
                                          N_("Suspended"), N_("Resumed"),     N_("Stopped"),
                                          N_("Shutdown"),  N_("PMSuspended"), N_("Crashed") };
    static const char *const defined[] = { N_("Added"), N_("Updated"), N_("Renamed"),
                                           N_("Snapshot") };
    static const char *const undefined[] = { N_("Removed"), N_("Renamed") };
    static const char *const started[] = { N_("Booted"), N_("Migrated"), N_("Restored"),
                                           N_("Snapshot"), N_("Event wakeup") };
    static const char *const suspended[] = {
        N_("Paused"),   N_("Migrated"),  N_("I/O Error"), N_("Watchdog"),       N_("Restored"),
        N_("Snapshot"), N_("API error"), N_("Post-copy"), N_("Post-copy Error")
    };
    static const char *const resumed[] = { N_("Unpaused"), N_("Migrated"), N_("Snapshot"),
                                           N_("Post-copy"), N_("Post-copy Error") };
    static const char *const stopped[] = { N_("Shutdown"), N_("Destroyed"), N_("Crashed"),
                                           N_("Migrated"), N_("Saved"),     N_("Failed"),
                                           N_("Snapshot") };
    static const char *const shutdown[] = { N_("Finished"), N_("Finished after guest request"),
                                            N_("Finished after host request") };
    static const char *const pmsuspended[] = { N_("Memory"), N_("Disk") };
    static const char *const crashed[] = { N_("Panicked"), N_("Crashloaded") };
    const char *const *tbl = NULL;
    size_t n = 0;

#define USE(t) (tbl = (t), n = G_N_ELEMENTS(t))
    switch (event) {
    case QV_DOMAIN_EVENT_DEFINED:
        USE(defined);
        break;
    case QV_DOMAIN_EVENT_UNDEFINED:
        USE(undefined);
        break;
    case QV_DOMAIN_EVENT_STARTED:
        USE(started);
        break;
    case QV_DOMAIN_EVENT_SUSPENDED:
        USE(suspended);
        break;
    case QV_DOMAIN_EVENT_RESUMED:
        USE(resumed);
        break;
    case QV_DOMAIN_EVENT_STOPPED:
        USE(stopped);
        break;
    case QV_DOMAIN_EVENT_SHUTDOWN:
        USE(shutdown);
        break;
    case QV_DOMAIN_EVENT_PMSUSPENDED:
        USE(pmsuspended);
        break;
    case QV_DOMAIN_EVENT_CRASHED:
        USE(crashed);
        break;
    default:
        break;
    }
#undef USE
    *detailStr = tbl && detail >= 0 && (size_t)detail < n ? _(tbl[detail]) : _("unknown");
    return event >= 0 && (size_t)event < G_N_ELEMENTS(events) ? _(events[event]) : _("unknown");
}

static void qvshEventPrint(qvshEventData *data, const char *line)
{
    if (data->timestamp) {
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        g_autofree char *ts = g_date_time_format(now, "%Y-%m-%d %H:%M:%S.%f");

        /* virsh: milliseconds and the zone offset */
        ts[23] = '\0';
        {
            g_autofree char *zone = g_date_time_format(now, "%z");

            printf("%s%s: %s\n", ts, zone, line);
        }
    } else {
        printf("%s\n", line);
    }
    fflush(stdout);
    data->count++;
    if (!data->loop)
        g_main_loop_quit(data->mainLoop);
}

static void qvshEventLifecycle(qvConnectPtr conn, qvDomainPtr dom, int event, int detail,
                               void *opaque)
{
    const char *detailStr;
    const char *eventStr = qvshEventLifecycleToString(event, detail, &detailStr);
    g_autofree char *line = g_strdup_printf(_("event 'lifecycle' for domain '%s': %s %s"),
                                            qvDomainGetName(dom), eventStr, detailStr);

    qvshEventPrint(opaque, line);
}

static void qvshEventReboot(qvConnectPtr conn, qvDomainPtr dom, void *opaque)
{
    g_autofree char *line =
        g_strdup_printf(_("event 'reboot' for domain '%s'"), qvDomainGetName(dom));

    qvshEventPrint(opaque, line);
}

static void qvshEventAgentLifecycle(qvConnectPtr conn, qvDomainPtr dom, int state, int reason,
                                    void *opaque)
{
    static const char *const states[] = { N_("unknown"), N_("connected"), N_("disconnected") };
    static const char *const reasons[] = { N_("unknown"), N_("domain started"),
                                           N_("channel event") };
    g_autofree char *line = g_strdup_printf(
        _("event 'agent-lifecycle' for domain '%s': state: '%s' reason: '%s'"),
        qvDomainGetName(dom),
        _(state >= 0 && (size_t)state < G_N_ELEMENTS(states) ? states[state] : states[0]),
        _(reason >= 0 && (size_t)reason < G_N_ELEMENTS(reasons) ? reasons[reason] : reasons[0]));

    qvshEventPrint(opaque, line);
}

/* qvirt's own event: the guest's filesystems frozen or thawed, and by whom */
static void qvshEventFSFreeze(qvConnectPtr conn, qvDomainPtr dom, int state, int reason,
                              void *opaque)
{
    static const char *const states[] = { N_("unknown"), N_("frozen"), N_("thawed"),
                                          N_("thaw-failed") };
    static const char *const reasons[] = { N_("unknown"), N_("request"), N_("snapshot"),
                                           N_("freeze guard") };
    g_autofree char *line = g_strdup_printf(
        _("event 'fs-freeze' for domain '%s': state: '%s' reason: '%s'"), qvDomainGetName(dom),
        _(state >= 0 && (size_t)state < G_N_ELEMENTS(states) ? states[state] : states[0]),
        _(reason >= 0 && (size_t)reason < G_N_ELEMENTS(reasons) ? reasons[reason] : reasons[0]));

    qvshEventPrint(opaque, line);
}

static const struct {
    const char *name;
    int id;
    qvConnectDomainEventGenericCallback cb;
} qvshEvents[] = {
    { "lifecycle", QV_DOMAIN_EVENT_ID_LIFECYCLE, QV_DOMAIN_EVENT_CALLBACK(qvshEventLifecycle) },
    { "reboot", QV_DOMAIN_EVENT_ID_REBOOT, QV_DOMAIN_EVENT_CALLBACK(qvshEventReboot) },
    { "agent-lifecycle", QV_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
      QV_DOMAIN_EVENT_CALLBACK(qvshEventAgentLifecycle) },
    { "fs-freeze", QV_DOMAIN_EVENT_ID_FS_FREEZE, QV_DOMAIN_EVENT_CALLBACK(qvshEventFSFreeze) },
};

static const qvshCmdOptDef opts_event[] = {
    { "domain", QVSH_OT_STRING, 0, N_("filter by domain name, id or uuid") },
    { "event", QVSH_OT_STRING, 0, N_("which event type to wait for") },
    { "all", QVSH_OT_BOOL, 0, N_("wait for all events instead of just one type") },
    { "loop", QVSH_OT_BOOL, 0, N_("loop until timeout or interrupt, rather than one-shot") },
    { "timeout", QVSH_OT_INT, 0, N_("timeout seconds") },
    { "list", QVSH_OT_BOOL, 0, N_("list valid event types") },
    { "timestamp", QVSH_OT_BOOL, 0, N_("show timestamp for each printed event") },
    { NULL, 0, 0, NULL },
};

static gboolean qvshEventTimeout(gpointer opaque)
{
    qvshEventData *data = opaque;

    g_main_loop_quit(data->mainLoop);
    return G_SOURCE_REMOVE;
}

static gboolean qvshEventInterrupt(gpointer opaque)
{
    qvshEventData *data = opaque;

    g_main_loop_quit(data->mainLoop);
    return G_SOURCE_CONTINUE;
}

static bool cmdEvent(qvshControl *ctl, const qvshCmd *cmd)
{
    const char *eventName = qvshOptString(cmd, "event");
    bool all = qvshOptBool(cmd, "all");
    qvshEventData data = { .ctl = ctl,
                           .loop = qvshOptBool(cmd, "loop"),
                           .timestamp = qvshOptBool(cmd, "timestamp") };
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int));
    qvDomainPtr dom = NULL;
    int timeout = 0;
    size_t i;
    guint timer = 0, sigint;
    bool ok = false;

    if (qvshOptBool(cmd, "list")) {
        for (i = 0; i < G_N_ELEMENTS(qvshEvents); i++)
            printf("%s\n", qvshEvents[i].name);
        return true;
    }
    if (!eventName && !all) {
        qvshError(ctl, "%s", _("one of --list, --all, or --event <type> is required"));
        return false;
    }
    if (eventName && all) {
        qvshError(ctl, "%s", _("Options --event and --all are mutually exclusive"));
        return false;
    }
    if (eventName) {
        for (i = 0; i < G_N_ELEMENTS(qvshEvents); i++) {
            if (STREQ(eventName, qvshEvents[i].name))
                break;
        }
        if (i == G_N_ELEMENTS(qvshEvents)) {
            qvshError(ctl, _("unknown event type %s"), eventName);
            return false;
        }
    }
    if (qvshOptInt(cmd, "timeout", &timeout) < 0)
        return false;
    if (timeout < 0) {
        qvshError(ctl, "%s", _("timeout value must be positive"));
        return false;
    }
    if (qvshOptString(cmd, "domain") && !(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;

    qvEventRegisterDefaultImpl();
    data.mainLoop = g_main_loop_new(NULL, FALSE);
    for (i = 0; i < G_N_ELEMENTS(qvshEvents); i++) {
        int id;

        if (eventName && STRNEQ(eventName, qvshEvents[i].name))
            continue;
        if ((id = qvConnectDomainEventRegisterAny(ctl->conn, dom, qvshEvents[i].id,
                                                  qvshEvents[i].cb, &data, NULL)) < 0) {
            qvshReportError(ctl, NULL);
            goto cleanup;
        }
        g_array_append_val(ids, id);
    }
    if (timeout)
        timer = g_timeout_add_seconds((guint)timeout, qvshEventTimeout, &data);
    sigint = g_unix_signal_add(SIGINT, qvshEventInterrupt, &data);
    g_main_loop_run(data.mainLoop);
    g_source_remove(sigint);
    if (timer && data.count == 0 && !data.loop)
        printf(_("event loop timed out\n"));
    printf(_("events received: %d\n"), data.count);
    ok = true;

cleanup:
    for (i = 0; i < ids->len; i++)
        qvConnectDomainEventDeregisterAny(ctl->conn, g_array_index(ids, int, i));
    if (timer)
        g_source_remove(timer);
    g_main_loop_unref(data.mainLoop);
    if (dom)
        qvDomainFree(dom);
    return ok;
}

/* ---- guest filesystems ---- */

static const qvshCmdOptDef opts_domfsfreeze[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "mountpoint", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL | QVSH_OFLAG_MULTI,
      N_("mountpoint to be frozen") },
    { NULL, 0, 0, NULL },
};

/* domfsfreeze and domfsthaw: the same shape, virsh's words for each */
static bool qvshFSCommand(qvshControl *ctl, const qvshCmd *cmd, bool thaw)
{
    size_t n;
    const char *const *mounts = qvshOptStrings(cmd, "mountpoint", &n);
    qvDomainPtr dom;
    int rc;

    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (thaw)
        rc = qvDomainFSThaw(dom, (const char **)mounts, (unsigned int)n, 0);
    else
        rc = qvDomainFSFreeze(dom, (const char **)mounts, (unsigned int)n, 0);
    if (rc < 0) {
        qvshError(ctl, "%s",
                  thaw ? _("Unable to thaw filesystems") : _("Unable to freeze filesystems"));
        qvshReportError(ctl, NULL);
    } else if (thaw) {
        qvshPrint(ctl, _("Thawed %d filesystem(s)\n"), rc);
    } else {
        qvshPrint(ctl, _("Froze %d filesystem(s)\n"), rc);
    }
    qvDomainFree(dom);
    return rc >= 0;
}

static bool cmdDomfsfreeze(qvshControl *ctl, const qvshCmd *cmd)
{
    return qvshFSCommand(ctl, cmd, false);
}

static const qvshCmdOptDef opts_domfsthaw[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "mountpoint", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL | QVSH_OFLAG_MULTI,
      N_("mountpoint to be thawed") },
    { NULL, 0, 0, NULL },
};

static bool cmdDomfsthaw(qvshControl *ctl, const qvshCmd *cmd)
{
    return qvshFSCommand(ctl, cmd, true);
}

static bool cmdDomfsinfo(qvshControl *ctl, const qvshCmd *cmd)
{
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    qvDomainFSInfoPtr *info = NULL;
    qvDomainPtr dom;
    int n, i;

    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if ((n = qvDomainGetFSInfo(dom, &info, 0)) < 0) {
        qvshError(ctl, "%s", _("Unable to get filesystem information"));
        qvshReportError(ctl, NULL);
        qvDomainFree(dom);
        return false;
    }
    g_ptr_array_add(rows, g_strsplit(_("Mountpoint|Name|Type|Target"), "|", 4));
    for (i = 0; i < n; i++) {
        char **row = g_new0(char *, 5);

        row[0] = g_strdup(info[i]->mountpoint);
        row[1] = g_strdup(info[i]->name);
        row[2] = g_strdup(info[i]->fstype);
        row[3] = info[i]->ndevAlias ? g_strjoinv(",", info[i]->devAlias) : g_strdup("");
        g_ptr_array_add(rows, row);
        qvDomainFSInfoFree(info[i]);
    }
    g_free(info);
    qvshPrintTable(rows, 4);
    qvDomainFree(dom);
    return true;
}

const qvshCmdDef qvshLifecycleCmds[] = {
    { "destroy", cmdDestroy, opts_destroy, N_("destroy (stop) a domain"),
      N_("Forcefully stop a given domain, but leave its resources intact."), false },
    { "domfsfreeze", cmdDomfsfreeze, opts_domfsfreeze, N_("Freeze domain's mounted filesystems."),
      N_("Freeze mounted filesystems within a running domain to prepare for consistent "
         "snapshots. If the guest stays frozen, qvirt thaws it after the freeze guard "
         "(default 300 s, $QVIRT_FREEZE_GUARD_SECONDS)."),
      false },
    { "domfsinfo", cmdDomfsinfo, opts_domain_only,
      N_("Get information of domain's mounted filesystems."),
      N_("Get information of domain's mounted filesystems."), false },
    { "domfsthaw", cmdDomfsthaw, opts_domfsthaw, N_("Thaw domain's mounted filesystems."),
      N_("Thaw mounted filesystems within a running domain, which have been frozen by "
         "domfsfreeze command."),
      false },
    { "domtime", cmdDomtime, opts_domtime, N_("domain time"),
      N_("Gets or sets the domain's system time (through the guest agent)."), false },
    { "event", cmdEvent, opts_event, N_("Domain Events"),
      N_("List event types, or wait for domain events to occur"), false },
    { "guest-agent-timeout", cmdGuestAgentTimeout, opts_guest_agent_timeout,
      N_("Set the guest agent timeout"),
      N_("Set the number of seconds to wait for a response from the guest agent."), false },
    { "guestinfo", cmdGuestinfo, opts_guestinfo,
      N_("query information about the guest (via agent)"),
      N_("Use the guest agent to query various information from guest's point of view"), false },
    { "qemu-agent-command", cmdQemuAgentCommand, opts_qemu_agent_command,
      N_("QEMU Guest Agent Command"),
      N_("Run an arbitrary qemu guest agent command; use at your "
         "own risk"),
      false },
    { "reboot", cmdReboot, opts_reboot, N_("reboot a domain"),
      N_("Run a reboot command in the target domain."), false },
    { "shutdown", cmdShutdown, opts_shutdown, N_("gracefully shutdown a domain"),
      N_("Run shutdown in the target domain."), false },
    { "start", cmdStart, opts_start, N_("start a (previously defined) inactive domain"),
      N_("Start a domain, either from the last managedsave state, or via a fresh boot if no "
         "managedsave state is present."),
      false },
    { NULL, NULL, NULL, NULL, NULL, false },
};

const qvshCmdDef qvshMonitorCmds[] = {
    { "domifaddr", cmdDomifaddr, opts_domifaddr,
      N_("Get network interfaces' addresses for a running domain"),
      N_("Get network interfaces' addresses for a running domain"), false },
    { "dominfo", cmdDominfo, opts_domain_only, N_("domain information"),
      N_("Returns basic information about the domain."), false },
    { "domstate", cmdDomstate, opts_domstate, N_("domain state"),
      N_("Returns state about a domain."), false },
    { NULL, NULL, NULL, NULL, NULL, false },
};
