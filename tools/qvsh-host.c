/* qvsh-host.c: commands about qvsh and its connection: help, uri, version. */
#include <config.h>

#include <stdio.h>

#include "qvsh.h"

static const qvshCmdOptDef opts_help[] = {
    { "command", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL,
      N_("Prints global help, command specific help, or help for a group of related commands") },
    { NULL, 0, 0, NULL },
};

static bool cmdURI(qvshControl *ctl, const qvshCmd *cmd)
{
    g_autofree char *uri = qvConnectGetURI(ctl->conn);

    if (!uri) {
        qvshError(ctl, "%s", _("failed to get URI"));
        qvshReportError(ctl, NULL);
        return false;
    }
    printf("%s\n\n", uri);
    return true;
}

static bool cmdVersion(qvshControl *ctl, const qvshCmd *cmd)
{
    unsigned long ver = 0;

    if (qvGetVersion(&ver) < 0) {
        qvshReportError(ctl, NULL);
        return false;
    }
    printf(_("Compiled against library: qvirt %s\n"), PACKAGE_VERSION);
    printf(_("Using library: qvirt %lu.%lu.%lu\n"), ver / 1000000, ver / 1000 % 1000, ver % 1000);
    printf(_("Using API: %s\n\n"), qvConnectGetType(ctl->conn));
    return true;
}

const qvshCmdDef qvshHostCmds[] = {
    { "help", qvshCmdHelp, opts_help, N_("print help"),
      N_("Prints global help, command specific help, or help for a group of related commands"),
      true },
    { "uri", cmdURI, NULL, N_("print the hypervisor canonical URI"),
      N_("Prints the hypervisor canonical URI."), false },
    { "version", cmdVersion, NULL, N_("show version"),
      N_("Display the system version information."), false },
    { NULL, NULL, NULL, NULL, NULL, false },
};
