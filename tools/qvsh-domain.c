/* qvsh-domain.c: domain management commands: define, undefine, list, dumpxml, domxml-to-native. */
#include <config.h>

#include <stdio.h>

#include "qvsh.h"

const char *qvshDomainStateToString(int state)
{
    switch ((qvDomainState)state) {
    case QV_DOMAIN_RUNNING:
        return _("running");
    case QV_DOMAIN_BLOCKED:
        return _("idle");
    case QV_DOMAIN_PAUSED:
        return _("paused");
    case QV_DOMAIN_SHUTDOWN:
        return _("in shutdown");
    case QV_DOMAIN_SHUTOFF:
        return _("shut off");
    case QV_DOMAIN_CRASHED:
        return _("crashed");
    case QV_DOMAIN_PMSUSPENDED:
        return _("pmsuspended");
    case QV_DOMAIN_NOSTATE:
    default:
        return _("no state");
    }
}

static const qvshCmdOptDef opts_define[] = {
    { "file", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("file containing an XML domain description") },
    { "validate", QVSH_OT_BOOL, 0, N_("validate the XML against the schema") },
    { NULL, 0, 0, NULL },
};

static bool cmdDefine(qvshControl *ctl, const qvshCmd *cmd)
{
    const char *file = qvshOptString(cmd, "file");
    g_autofree char *xml = NULL;
    unsigned int flags = 0;
    qvDomainPtr dom;

    if (qvshOptBool(cmd, "validate"))
        flags |= QV_DOMAIN_DEFINE_VALIDATE;
    if (!(xml = qvshReadFile(ctl, file)))
        return false;
    if (!(dom = qvDomainDefineXMLFlags(ctl->conn, xml, flags))) {
        qvshError(ctl, _("Failed to define domain from %s"), file);
        qvshReportError(ctl, file);
        return false;
    }
    qvshPrint(ctl, _("Domain '%s' defined from %s\n\n"), qvDomainGetName(dom), file);
    qvDomainFree(dom);
    return true;
}

static const qvshCmdOptDef opts_undefine[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "managed-save", QVSH_OT_BOOL, 0, N_("remove domain managed state file") },
    { "snapshots-metadata", QVSH_OT_BOOL, 0,
      N_("remove all domain snapshot metadata (vm must be inactive)") },
    { "checkpoints-metadata", QVSH_OT_BOOL, 0,
      N_("remove all domain checkpoint metadata (vm must be inactive)") },
    { "nvram", QVSH_OT_BOOL, 0, N_("remove nvram file") },
    { "keep-nvram", QVSH_OT_BOOL, 0, N_("keep nvram file") },
    { "tpm", QVSH_OT_BOOL, 0, N_("remove TPM state") },
    { "keep-tpm", QVSH_OT_BOOL, 0, N_("keep TPM state") },
    { NULL, 0, 0, NULL },
};

static bool cmdUndefine(qvshControl *ctl, const qvshCmd *cmd)
{
    static const struct {
        const char *opt;
        unsigned int flag;
    } map[] = {
        { "managed-save", QV_DOMAIN_UNDEFINE_MANAGED_SAVE },
        { "snapshots-metadata", QV_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA },
        { "checkpoints-metadata", QV_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA },
        { "nvram", QV_DOMAIN_UNDEFINE_NVRAM },
        { "keep-nvram", QV_DOMAIN_UNDEFINE_KEEP_NVRAM },
        { "tpm", QV_DOMAIN_UNDEFINE_TPM },
        { "keep-tpm", QV_DOMAIN_UNDEFINE_KEEP_TPM },
    };
    const char *name;
    unsigned int flags = 0;
    qvDomainPtr dom;
    size_t i;
    bool ok;

    for (i = 0; i < G_N_ELEMENTS(map); i++) {
        if (qvshOptBool(cmd, map[i].opt))
            flags |= map[i].flag;
    }
    if (!(dom = qvshCommandOptDomain(ctl, cmd, &name)))
        return false;
    if ((ok = qvDomainUndefineFlags(dom, flags) == 0)) {
        qvshPrint(ctl, _("Domain '%s' has been undefined\n\n"), name);
    } else {
        qvshError(ctl, _("Failed to undefine domain '%s'"), name);
        qvshReportError(ctl, NULL);
    }
    qvDomainFree(dom);
    return ok;
}

static const qvshCmdOptDef opts_list[] = {
    { "inactive", QVSH_OT_BOOL, 0, N_("list inactive domains") },
    { "all", QVSH_OT_BOOL, 0, N_("list inactive & active domains") },
    { "transient", QVSH_OT_BOOL, 0, N_("list transient domains") },
    { "persistent", QVSH_OT_BOOL, 0, N_("list persistent domains") },
    { "state-running", QVSH_OT_BOOL, 0, N_("list domains in running state") },
    { "state-paused", QVSH_OT_BOOL, 0, N_("list domains in paused state") },
    { "state-shutoff", QVSH_OT_BOOL, 0, N_("list domains in shutoff state") },
    { "state-other", QVSH_OT_BOOL, 0, N_("list domains in other states") },
    { "uuid", QVSH_OT_BOOL, 0, N_("list uuid's only") },
    { "name", QVSH_OT_BOOL, 0, N_("list domain names only") },
    { "id", QVSH_OT_BOOL, 0, N_("list domain IDs only") },
    { "table", QVSH_OT_BOOL, 0, N_("list table (default)") },
    { "title", QVSH_OT_BOOL, 0, N_("show domain title") },
    { NULL, 0, 0, NULL },
};

/* virsh's table: a leading space, columns padded and joined by three spaces. */
void qvshPrintTable(GPtrArray *rows, size_t ncols)
{
    g_autofree size_t *width = g_new0(size_t, ncols);
    size_t total = 1, r, c;

    for (r = 0; r < rows->len; r++) {
        char **row = rows->pdata[r];

        for (c = 0; c < ncols; c++)
            width[c] = MAX(width[c], (size_t)g_utf8_strlen(row[c], -1));
    }
    for (c = 0; c < ncols; c++)
        total += width[c] + (c ? 3 : 0);
    for (r = 0; r < rows->len; r++) {
        char **row = rows->pdata[r];

        for (c = 0; c < ncols; c++) {
            printf("%s%s", c ? "   " : " ", row[c]);
            if (c + 1 < ncols) {
                size_t pad = width[c] - (size_t)g_utf8_strlen(row[c], -1);

                printf("%*s", (int)pad, "");
            }
        }
        printf("\n");
        if (r == 0) {
            for (c = 0; c < total + 2; c++)
                putchar('-');
            printf("\n");
        }
    }
    printf("\n");
}

static bool cmdList(qvshControl *ctl, const qvshCmd *cmd)
{
    static const struct {
        const char *opt;
        unsigned int flag;
    } map[] = {
        { "transient", QV_CONNECT_LIST_DOMAINS_TRANSIENT },
        { "persistent", QV_CONNECT_LIST_DOMAINS_PERSISTENT },
        { "state-running", QV_CONNECT_LIST_DOMAINS_RUNNING },
        { "state-paused", QV_CONNECT_LIST_DOMAINS_PAUSED },
        { "state-shutoff", QV_CONNECT_LIST_DOMAINS_SHUTOFF },
        { "state-other", QV_CONNECT_LIST_DOMAINS_OTHER },
    };
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    qvDomainPtr *doms = NULL;
    bool all = qvshOptBool(cmd, "all");
    bool inactive = qvshOptBool(cmd, "inactive");
    bool title = qvshOptBool(cmd, "title");
    int brief = qvshOptBool(cmd, "uuid") + qvshOptBool(cmd, "name") + qvshOptBool(cmd, "id");
    unsigned int flags = 0;
    size_t i;
    int n;

    if (brief > 1 || (brief && (qvshOptBool(cmd, "table") || title))) {
        qvshError(ctl, "%s",
                  _("Options --uuid, --name, --id, --table and --title are mutually exclusive"));
        return false;
    }
    if (all && inactive) {
        qvshError(ctl, "%s", _("Options --all and --inactive are mutually exclusive"));
        return false;
    }
    if (!all)
        flags |= inactive ? QV_CONNECT_LIST_DOMAINS_INACTIVE : QV_CONNECT_LIST_DOMAINS_ACTIVE;
    for (i = 0; i < G_N_ELEMENTS(map); i++) {
        if (qvshOptBool(cmd, map[i].opt))
            flags |= map[i].flag;
    }
    /* a state filter covers active and inactive domains alike */
    if (flags & (QV_CONNECT_LIST_DOMAINS_RUNNING | QV_CONNECT_LIST_DOMAINS_PAUSED |
                 QV_CONNECT_LIST_DOMAINS_SHUTOFF | QV_CONNECT_LIST_DOMAINS_OTHER))
        flags &= ~(QV_CONNECT_LIST_DOMAINS_ACTIVE | QV_CONNECT_LIST_DOMAINS_INACTIVE);

    if ((n = qvConnectListAllDomains(ctl->conn, &doms, flags)) < 0) {
        qvshError(ctl, "%s", _("Failed to list domains"));
        qvshReportError(ctl, NULL);
        return false;
    }
    if (!brief) {
        if (title)
            g_ptr_array_add(rows, g_strsplit(_("Id|Name|State|Title"), "|", 4));
        else
            g_ptr_array_add(rows, g_strsplit(_("Id|Name|State"), "|", 3));
    }
    for (i = 0; i < (size_t)n; i++) {
        qvDomainPtr dom = doms[i];
        int state = QV_DOMAIN_NOSTATE;
        bool active = qvDomainIsActive(dom) == 1;
        char uuid[QV_UUID_STRING_BUFLEN];

        if (qvshOptBool(cmd, "name")) {
            printf("%s\n", qvDomainGetName(dom));
        } else if (qvshOptBool(cmd, "uuid")) {
            qvDomainGetUUIDString(dom, uuid);
            printf("%s\n", uuid);
        } else if (qvshOptBool(cmd, "id")) {
            if (active)
                printf("%u\n", qvDomainGetID(dom));
        } else {
            char **row = g_new0(char *, 5);

            qvDomainGetState(dom, &state, NULL, 0);
            row[0] = active ? g_strdup_printf("%u", qvDomainGetID(dom)) : g_strdup("-");
            row[1] = g_strdup(qvDomainGetName(dom));
            row[2] = g_strdup(qvshDomainStateToString(state));
            if (title)
                row[3] = g_strdup("");
            g_ptr_array_add(rows, row);
        }
        qvDomainFree(dom);
    }
    g_free(doms);
    if (brief)
        printf("\n");
    else
        qvshPrintTable(rows, title ? 4 : 3);
    return true;
}

static const qvshCmdOptDef opts_dumpxml[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "inactive", QVSH_OT_BOOL, 0, N_("show inactive defined XML") },
    { "security-info", QVSH_OT_BOOL, 0, N_("include security sensitive information in XML dump") },
    { "update-cpu", QVSH_OT_BOOL, 0, N_("update guest CPU according to host CPU") },
    { "migratable", QVSH_OT_BOOL, 0, N_("provide XML suitable for migrations") },
    { NULL, 0, 0, NULL },
};

static bool cmdDumpXML(qvshControl *ctl, const qvshCmd *cmd)
{
    g_autofree char *xml = NULL;
    unsigned int flags = 0;
    qvDomainPtr dom;

    if (qvshOptBool(cmd, "inactive"))
        flags |= QV_DOMAIN_XML_INACTIVE;
    if (qvshOptBool(cmd, "security-info"))
        flags |= QV_DOMAIN_XML_SECURE;
    if (qvshOptBool(cmd, "update-cpu"))
        flags |= QV_DOMAIN_XML_UPDATE_CPU;
    if (qvshOptBool(cmd, "migratable"))
        flags |= QV_DOMAIN_XML_MIGRATABLE;
    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    xml = qvDomainGetXMLDesc(dom, flags);
    if (!xml)
        qvshReportError(ctl, NULL); /* before qvDomainFree(), which resets the error */
    qvDomainFree(dom);
    if (!xml)
        return false;
    printf("%s", xml);
    return true;
}

static const qvshCmdOptDef opts_domxmltonative[] = {
    { "format", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("target config data type format") },
    { "xml", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL, N_("xml data file to export from") },
    { "domain", QVSH_OT_STRING, 0, N_("domain name, id or uuid") },
    { NULL, 0, 0, NULL },
};

static bool cmdDomXMLToNative(qvshControl *ctl, const qvshCmd *cmd)
{
    const char *format = qvshOptString(cmd, "format");
    const char *file = qvshOptString(cmd, "xml");
    g_autofree char *xml = NULL;
    g_autofree char *native = NULL;

    if (!file == !qvshOptString(cmd, "domain")) {
        qvshError(ctl, "%s", _("exactly one of --xml and --domain is required"));
        return false;
    }
    if (file) {
        if (!(xml = qvshReadFile(ctl, file)))
            return false;
    } else {
        qvDomainPtr dom = qvshCommandOptDomain(ctl, cmd, NULL);

        if (!dom)
            return false;
        xml = qvDomainGetXMLDesc(dom, QV_DOMAIN_XML_INACTIVE);
        if (!xml)
            qvshReportError(ctl, NULL);
        qvDomainFree(dom);
        if (!xml)
            return false;
    }
    if (!(native = qvConnectDomainXMLToNative(ctl->conn, format, xml, 0))) {
        qvshReportError(ctl, file);
        return false;
    }
    printf("%s", native);
    return true;
}

const qvshCmdDef qvshDomainCmds[] = {
    { "define", cmdDefine, opts_define, N_("define (but don't start) a domain from an XML file"),
      N_("Define a domain. The XML is checked against qvirt's schema; anything qvirt does not "
         "support is listed with its line."),
      false },
    { "domxml-to-native", cmdDomXMLToNative, opts_domxmltonative,
      N_("Convert domain XML to native config"),
      N_("Convert domain XML config to a native guest configuration format (qemu-argv: the QEMU "
         "command line qvirt would run)."),
      false },
    { "dumpxml", cmdDumpXML, opts_dumpxml, N_("domain information in XML"),
      N_("Output the domain information as an XML dump to stdout."), false },
    { "list", cmdList, opts_list, N_("list domains"), N_("Returns list of domains."), false },
    { "undefine", cmdUndefine, opts_undefine, N_("undefine a domain"),
      N_("Undefine an inactive domain, or convert persistent to transient."), false },
    { NULL, NULL, NULL, NULL, NULL, false },
};
