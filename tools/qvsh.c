/* qvsh.c: qvsh's main: global options, parsing a command against its table, help. */
#include <config.h>

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "qvsh.h"

#define QVSH_MAX_XML_FILE (10 * 1024 * 1024)

const qvshCmdGroup qvshGroups[] = {
    { N_("Domain Management"), "domain", qvshDomainCmds },
    { N_("Domain Lifecycle and Guest Agent"), "lifecycle", qvshLifecycleCmds },
    { N_("Domain Monitoring"), "monitor", qvshMonitorCmds },
    { N_("Snapshot"), "snapshot", qvshSnapshotCmds },
    { N_("qvsh itself"), "qvsh", qvshHostCmds },
    { NULL, NULL, NULL },
};

void qvshPrint(qvshControl *ctl, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    (void)ctl;
}

void qvshError(qvshControl *ctl, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, _("error: %s\n"), msg);
    (void)ctl;
}

void qvshReportError(qvshControl *ctl, const char *file)
{
    const char *msg = qvGetLastErrorMessage();

    if (!qvGetLastError())
        msg = _("unknown error");
    if (file) {
        g_auto(GStrv) parts = g_strsplit(msg, "(domain_definition)", -1);
        g_autofree char *joined = g_strjoinv(file, parts);

        qvshError(ctl, "%s", joined);
        return;
    }
    qvshError(ctl, "%s", msg);
}

const char *qvshOptString(const qvshCmd *cmd, const char *name)
{
    return g_hash_table_lookup(cmd->values, name);
}

const char *const *qvshOptStrings(const qvshCmd *cmd, const char *name, size_t *n)
{
    GPtrArray *list = cmd->lists ? g_hash_table_lookup(cmd->lists, name) : NULL;

    *n = list ? list->len - 1 : 0; /* the NULL at the end is not a value */
    return list ? (const char *const *)list->pdata : NULL;
}

/* Remember a MULTI option's value (the list keeps a NULL at its end). */
static void qvshOptAppend(qvshCmd *cmd, const char *name, const char *value)
{
    GPtrArray *list = g_hash_table_lookup(cmd->lists, name);

    if (!list) {
        list = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(list, NULL);
        g_hash_table_insert(cmd->lists, (gpointer)name, list);
    }
    list->pdata[list->len - 1] = g_strdup(value);
    g_ptr_array_add(list, NULL);
}

bool qvshOptBool(const qvshCmd *cmd, const char *name)
{
    return g_hash_table_contains(cmd->values, name);
}

int qvshOptInt(const qvshCmd *cmd, const char *name, int *value)
{
    const char *str = qvshOptString(cmd, name);
    char *end = NULL;
    gint64 v;

    if (!str)
        return 0;
    errno = 0;
    v = g_ascii_strtoll(str, &end, 10);
    if (!*str || errno || *end || v < G_MININT || v > G_MAXINT) {
        qvshError(NULL, _("Numeric value '%s' for <%s> option is malformed or out of range"), str,
                  name);
        return -1;
    }
    *value = (int)v;
    return 1;
}

qvDomainPtr qvshCommandOptDomain(qvshControl *ctl, const qvshCmd *cmd, const char **name)
{
    const char *arg = qvshOptString(cmd, "domain");
    qvDomainPtr dom = NULL;
    guint64 id;

    if (name)
        *name = arg;
    if (!arg)
        return NULL;
    if (g_ascii_string_to_unsigned(arg, 10, 0, G_MAXINT, &id, NULL))
        dom = qvDomainLookupByID(ctl->conn, (int)id);
    if (!dom && strlen(arg) >= 32)
        dom = qvDomainLookupByUUIDString(ctl->conn, arg);
    if (!dom)
        dom = qvDomainLookupByName(ctl->conn, arg);
    if (!dom) {
        /* virsh prints only this line for a failed lookup */
        qvshError(ctl, _("failed to get domain '%s'"), arg);
        qvResetLastError();
    }
    return dom;
}

char *qvshReadFile(qvshControl *ctl, const char *path)
{
    g_autoptr(GString) data = g_string_new(NULL);
    char chunk[8192];
    size_t n;
    FILE *fp;

    if (!(fp = fopen(path, "re"))) {
        qvshError(ctl, _("Failed to open file '%s': %s"), path, g_strerror(errno));
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        if (data->len + n > QVSH_MAX_XML_FILE) {
            fclose(fp);
            qvshError(ctl, _("file '%s' is too large: the limit is %d bytes"), path,
                      QVSH_MAX_XML_FILE);
            return NULL;
        }
        g_string_append_len(data, chunk, (gssize)n);
    }
    if (ferror(fp)) {
        int saved = errno;

        fclose(fp);
        qvshError(ctl, _("Failed to read file '%s': %s"), path, g_strerror(saved));
        return NULL;
    }
    fclose(fp);
    if (strlen(data->str) != data->len) {
        qvshError(ctl, _("file '%s' contains a NUL byte"), path);
        return NULL;
    }
    return g_string_free(g_steal_pointer(&data), FALSE);
}

const qvshCmdDef *qvshCommandLookup(const char *name)
{
    const qvshCmdGroup *grp;
    const qvshCmdDef *def;

    for (grp = qvshGroups; grp->name; grp++) {
        for (def = grp->cmds; def->name; def++) {
            if (STREQ(def->name, name))
                return def;
        }
    }
    return NULL;
}

static const qvshCmdOptDef *qvshOptLookup(const qvshCmdDef *def, const char *name)
{
    const qvshCmdOptDef *opt;

    for (opt = def->opts; opt && opt->name; opt++) {
        if (STREQ(opt->name, name))
            return opt;
    }
    return NULL;
}

/* virsh's rules: --name value, --name=value, positional in table order, "--" ends options. */
static bool qvshParseCommand(const qvshCmdDef *def, int argc, char **argv, qvshCmd *cmd)
{
    const qvshCmdOptDef *opt;
    bool onlyData = false;
    int i;

    cmd->def = def;
    cmd->values = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    cmd->lists =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
    for (i = 0; i < argc; i++) {
        const char *arg = argv[i];

        if (!onlyData && STREQ(arg, "--")) {
            onlyData = true;
            continue;
        }
        if (!onlyData && g_str_has_prefix(arg, "--")) {
            g_autofree char *name = g_strdup(arg + 2);
            char *eq = strchr(name, '=');
            const char *value = NULL;

            if (eq) {
                *eq = '\0';
                value = eq + 1;
            }
            if (!(opt = qvshOptLookup(def, name))) {
                qvshError(NULL, _("command '%s' doesn't support option --%s"), def->name, name);
                return false;
            }
            if (opt->type == QVSH_OT_BOOL) {
                if (value) {
                    qvshError(NULL, _("invalid '=' after option --%s"), name);
                    return false;
                }
                value = "";
            } else if (!value) {
                if (i + 1 >= argc) {
                    qvshError(NULL, _("expected syntax: --%s <%s>"), name,
                              opt->type == QVSH_OT_INT ? "number" : "string");
                    return false;
                }
                value = argv[++i];
            }
            if (opt->flags & QVSH_OFLAG_MULTI) {
                qvshOptAppend(cmd, opt->name, value);
            } else if (g_hash_table_contains(cmd->values, opt->name)) {
                qvshError(NULL, _("option --%s already seen"), opt->name);
                return false;
            }
            g_hash_table_insert(cmd->values, (gpointer)opt->name, g_strdup(value));
            continue;
        }
        /* data: the first positional option not given yet */
        for (opt = def->opts; opt && opt->name; opt++) {
            if ((opt->flags & QVSH_OFLAG_POSITIONAL) &&
                (!g_hash_table_contains(cmd->values, opt->name) || (opt->flags & QVSH_OFLAG_MULTI)))
                break;
        }
        if (!opt || !opt->name) {
            qvshError(NULL, _("unexpected data '%s'"), arg);
            return false;
        }
        if (opt->flags & QVSH_OFLAG_MULTI)
            qvshOptAppend(cmd, opt->name, arg);
        g_hash_table_insert(cmd->values, (gpointer)opt->name, g_strdup(arg));
    }
    for (opt = def->opts; opt && opt->name; opt++) {
        if ((opt->flags & QVSH_OFLAG_REQ) && !g_hash_table_contains(cmd->values, opt->name)) {
            qvshError(NULL, _("command '%s' requires <%s> option"), def->name, opt->name);
            return false;
        }
    }
    return true;
}

static void qvshPrintCommandHelp(const qvshCmdDef *def)
{
    const qvshCmdOptDef *opt;

    printf("  NAME\n    %s - %s\n\n  SYNOPSIS\n    %s", def->name, _(def->help), def->name);
    for (opt = def->opts; opt && opt->name; opt++) {
        const char *val = opt->type == QVSH_OT_INT ? "number" : "string";

        if (opt->type == QVSH_OT_BOOL)
            printf(" [--%s]", opt->name);
        else if (opt->flags & QVSH_OFLAG_REQ)
            printf(" <%s>", opt->name);
        else if (opt->flags & QVSH_OFLAG_POSITIONAL)
            printf(" [<%s>]", opt->name);
        else
            printf(" [--%s <%s>]", opt->name, val);
        if (opt->flags & QVSH_OFLAG_MULTI)
            printf("...");
    }
    printf("\n\n  DESCRIPTION\n    %s\n", _(def->desc));
    if (def->opts && def->opts->name) {
        printf("\n  OPTIONS\n");
        for (opt = def->opts; opt->name; opt++) {
            g_autofree char *left = NULL;

            if (opt->type == QVSH_OT_BOOL)
                left = g_strdup_printf("--%s", opt->name);
            else if (opt->flags & QVSH_OFLAG_POSITIONAL)
                left = g_strdup_printf("[--%s] <%s>", opt->name,
                                       opt->type == QVSH_OT_INT ? "number" : "string");
            else
                left = g_strdup_printf("--%s <%s>", opt->name,
                                       opt->type == QVSH_OT_INT ? "number" : "string");
            printf("    %-15s  %s\n", left, _(opt->help));
        }
    }
    printf("\n\n");
}

static void qvshPrintGroup(const qvshCmdGroup *grp)
{
    const qvshCmdDef *def;

    printf(_(" %s (help keyword '%s'):\n"), _(grp->name), grp->keyword);
    for (def = grp->cmds; def->name; def++)
        printf("    %-30s %s\n", def->name, _(def->help));
    printf("\n");
}

bool qvshCmdHelp(qvshControl *ctl, const qvshCmd *cmd)
{
    const char *name = qvshOptString(cmd, "command");
    const qvshCmdGroup *grp;
    const qvshCmdDef *def;

    if (!name) {
        printf(_("Grouped commands:\n\n"));
        for (grp = qvshGroups; grp->name; grp++)
            qvshPrintGroup(grp);
        return true;
    }
    for (grp = qvshGroups; grp->name; grp++) {
        if (STREQ(grp->keyword, name)) {
            qvshPrintGroup(grp);
            return true;
        }
    }
    if (!(def = qvshCommandLookup(name))) {
        qvshError(ctl, _("command or command group '%s' doesn't exist"), name);
        return false;
    }
    qvshPrintCommandHelp(def);
    return true;
}

/* ---- the hidden "complete" command: the backend of tools/bash-completion/qvsh, like virsh's.
 * It is not in qvshGroups, so neither help nor completion lists it. It never fails: whatever it
 * cannot complete it leaves empty, and the script then falls back to file names. ---- */

static const char *const qvshCompleteShutdownModes[] = { "acpi",   "agent",    "initctl",
                                                         "signal", "paravirt", NULL };
static const char *const qvshCompleteIfaddrSources[] = { "lease", "agent", "arp", NULL };
static const char *const qvshCompleteEvents[] = { "lifecycle", "reboot", "agent-lifecycle",
                                                  "fs-freeze", NULL };
static const char *const qvshCompleteFormats[] = { "qemu-argv", NULL };

/* Option values with a fixed set of words; an option named "domain" completes domain names,
 * "snapshotname" (and snapshot-list's "from") the snapshots of the domain on the line, help's
 * "command" the commands, and every other value (files among them) nothing. */
static const struct {
    const char *cmd;
    const char *opt;
    const char *const *values;
    bool commaList; /* "a,b": complete the part after the last comma */
} qvshCompleteValues[] = {
    { "shutdown", "mode", qvshCompleteShutdownModes, true },
    { "reboot", "mode", qvshCompleteShutdownModes, true },
    { "domifaddr", "source", qvshCompleteIfaddrSources, false },
    { "event", "event", qvshCompleteEvents, false },
    { "domxml-to-native", "format", qvshCompleteFormats, false },
};

/* The global options that take no value, as GOption accepts them in main(). */
static const char *const qvshCompleteGlobalFlags[] = { "--quiet", "--readonly", "--version",
                                                       "--help", NULL };

static void qvshCompletePrint(const char *lead, const char *word, const char *prefix)
{
    if (g_str_has_prefix(word, prefix))
        printf("%s%s\n", lead, word);
}

static void qvshCompleteCommands(const char *prefix, bool keywords)
{
    const qvshCmdGroup *grp;
    const qvshCmdDef *def;

    for (grp = qvshGroups; grp->name; grp++) {
        if (keywords)
            qvshCompletePrint("", grp->keyword, prefix);
        for (def = grp->cmds; def->name; def++)
            qvshCompletePrint("", def->name, prefix);
    }
}

static void qvshCompleteDomains(const char *uri, const char *lead, const char *prefix)
{
    qvConnectPtr conn;
    qvDomainPtr *doms = NULL;
    int ndoms;
    int i;

    if (qvInitialize() < 0 || !(conn = qvConnectOpenReadOnly(uri)))
        return;
    ndoms = qvConnectListAllDomains(conn, &doms, 0);
    for (i = 0; i < ndoms; i++) {
        const char *name = qvDomainGetName(doms[i]);

        if (name)
            qvshCompletePrint(lead, name, prefix);
        qvDomainFree(doms[i]);
    }
    g_free(doms);
    qvConnectClose(conn);
}

/* The snapshots of the domain given (by id, UUID or name) on the line being completed. */
static void qvshCompleteSnapshots(const char *uri, const char *domain, const char *lead,
                                  const char *prefix)
{
    qvConnectPtr conn;
    qvDomainPtr dom = NULL;
    qvDomainSnapshotPtr *snaps = NULL;
    guint64 id;
    int nsnaps;
    int i;

    if (!domain || qvInitialize() < 0 || !(conn = qvConnectOpenReadOnly(uri)))
        return;
    if (g_ascii_string_to_unsigned(domain, 10, 0, G_MAXINT, &id, NULL))
        dom = qvDomainLookupByID(conn, (int)id);
    if (!dom && strlen(domain) >= 32)
        dom = qvDomainLookupByUUIDString(conn, domain);
    if (!dom)
        dom = qvDomainLookupByName(conn, domain);
    nsnaps = dom ? qvDomainListAllSnapshots(dom, &snaps, 0) : 0;
    for (i = 0; i < nsnaps; i++) {
        const char *name = qvDomainSnapshotGetName(snaps[i]);

        if (name)
            qvshCompletePrint(lead, name, prefix);
        qvDomainSnapshotFree(snaps[i]);
    }
    g_free(snaps);
    if (dom)
        qvDomainFree(dom);
    qvConnectClose(conn);
}

/* The words for a value of opt; lead is printed before each (e.g. "--mode="), domain is the
 * domain given earlier on the line, if any. */
static void qvshCompleteValue(const qvshCmdDef *def, const qvshCmdOptDef *opt, const char *uri,
                              const char *domain, const char *lead, const char *value)
{
    g_autofree char *list = NULL;
    const char *part = value;
    const char *comma;
    size_t i, j;

    if (STREQ(opt->name, "domain")) {
        qvshCompleteDomains(uri, lead, value);
        return;
    }
    /* an existing snapshot: every "snapshotname", and snapshot-list's "from" */
    if (STREQ(opt->name, "snapshotname") ||
        (STREQ(opt->name, "from") && g_str_has_prefix(def->name, "snapshot-"))) {
        qvshCompleteSnapshots(uri, domain, lead, value);
        return;
    }
    if (STREQ(def->name, "help") && STREQ(opt->name, "command")) {
        qvshCompleteCommands(value, true);
        return;
    }
    for (i = 0; i < G_N_ELEMENTS(qvshCompleteValues); i++) {
        if (STREQ(qvshCompleteValues[i].cmd, def->name) &&
            STREQ(qvshCompleteValues[i].opt, opt->name))
            break;
    }
    if (i == G_N_ELEMENTS(qvshCompleteValues))
        return;
    if (qvshCompleteValues[i].commaList && (comma = strrchr(value, ','))) {
        part = comma + 1;
        list = g_strdup_printf("%s%.*s", lead, (int)(part - value), value);
        lead = list;
    }
    for (j = 0; qvshCompleteValues[i].values[j]; j++) {
        const char *word = qvshCompleteValues[i].values[j];
        g_autofree char *given = g_strdup_printf(",%.*s,", (int)(part - value), value);
        g_autofree char *needle = g_strdup_printf(",%s,", word);

        /* a mode already in the list is not offered again */
        if (part != value && strstr(given, needle))
            continue;
        qvshCompletePrint(lead, word, part);
    }
}

/* args: the words after the command name, the last one being completed. */
static void qvshCompleteCommand(const qvshCmdDef *def, int argc, char **argv, const char *uri)
{
    /* option name -> its value on the line ("" for a flag) */
    g_autoptr(GHashTable) given = g_hash_table_new(g_str_hash, g_str_equal);
    const qvshCmdOptDef *valueOf = NULL;
    const qvshCmdOptDef *opt;
    const char *cur = argv[argc - 1];
    const char *domain;
    bool onlyData = false;
    int i;

    /* follow qvshParseCommand's rules over the finished words */
    for (i = 0; i < argc - 1; i++) {
        const char *arg = argv[i];

        if (!onlyData && STREQ(arg, "--")) {
            onlyData = true;
            continue;
        }
        if (!onlyData && g_str_has_prefix(arg, "--")) {
            g_autofree char *name = g_strndup(arg + 2, strcspn(arg + 2, "="));
            const char *eq = strchr(arg, '=');

            if (!(opt = qvshOptLookup(def, name)))
                continue;
            g_hash_table_insert(given, (gpointer)opt->name, (gpointer)(eq ? eq + 1 : ""));
            if (opt->type != QVSH_OT_BOOL && !eq) {
                if (i + 1 == argc - 1)
                    valueOf = opt;
                else
                    g_hash_table_insert(given, (gpointer)opt->name, argv[i + 1]);
                i++;
            }
            continue;
        }
        for (opt = def->opts; opt && opt->name; opt++) {
            if ((opt->flags & QVSH_OFLAG_POSITIONAL) && !g_hash_table_contains(given, opt->name))
                break;
        }
        if (opt && opt->name)
            g_hash_table_insert(given, (gpointer)opt->name, (gpointer)arg);
    }
    domain = g_hash_table_lookup(given, "domain");

    if (valueOf) {
        qvshCompleteValue(def, valueOf, uri, domain, "", cur);
        return;
    }
    if (!onlyData && g_str_has_prefix(cur, "--") && strchr(cur, '=')) {
        const char *eq = strchr(cur, '=');
        g_autofree char *name = g_strndup(cur + 2, eq - cur - 2);
        g_autofree char *lead = g_strndup(cur, eq + 1 - cur);

        if ((opt = qvshOptLookup(def, name)) && opt->type != QVSH_OT_BOOL)
            qvshCompleteValue(def, opt, uri, domain, lead, eq + 1);
        return;
    }
    /* a value for the next positional slot, unless an option is being typed */
    if (onlyData || cur[0] != '-') {
        for (opt = def->opts; opt && opt->name; opt++) {
            if ((opt->flags & QVSH_OFLAG_POSITIONAL) && !g_hash_table_contains(given, opt->name))
                break;
        }
        if (opt && opt->name) {
            qvshCompleteValue(def, opt, uri, domain, "", cur);
            return;
        }
        if (onlyData || cur[0])
            return;
    }
    for (opt = def->opts; opt && opt->name; opt++) {
        g_autofree char *word = g_strdup_printf("--%s", opt->name);

        if (!g_hash_table_contains(given, opt->name))
            qvshCompletePrint("", word, cur);
    }
}

/* qvsh complete -- WORDS...: WORDS are what follows "qvsh" on the command line being
 * completed, global options included; print the candidates for the last one. */
static void qvshCmdComplete(qvshControl *ctl, int argc, char **argv)
{
    const char *uri = ctl->uri;
    const qvshCmdDef *def;
    const char *cur;
    int i;

    if (argc > 0 && STREQ(argv[0], "--")) {
        argc--;
        argv++;
    }
    cur = argc > 0 ? argv[argc - 1] : "";
    /* the global options, as GOption reads them: -c URI, --connect[=]URI, -qr, "--" */
    for (i = 0; i < argc - 1; i++) {
        const char *arg = argv[i];

        if (STREQ(arg, "--")) {
            i++;
            break;
        }
        if (g_str_has_prefix(arg, "--connect=")) {
            uri = arg + strlen("--connect=");
        } else if (STREQ(arg, "--connect")) {
            if (++i == argc - 1)
                return; /* a URI is being typed */
            uri = argv[i];
        } else if (arg[0] == '-' && arg[1] && arg[1] != '-') {
            /* GOption takes the value of -c from the next word, also in "-qc URI" */
            if (strchr(arg, 'c')) {
                if (++i == argc - 1)
                    return;
                uri = argv[i];
            }
        } else if (arg[0] != '-') {
            break;
        }
    }
    if (i >= argc - 1) {
        if (cur[0] != '-') {
            qvshCompleteCommands(cur, false);
        } else if (!g_str_has_prefix(cur, "--connect=")) {
            qvshCompletePrint("", "--connect", cur);
            for (i = 0; qvshCompleteGlobalFlags[i]; i++)
                qvshCompletePrint("", qvshCompleteGlobalFlags[i], cur);
        }
        return;
    }
    if ((def = qvshCommandLookup(argv[i])))
        qvshCompleteCommand(def, argc - i - 1, argv + i + 1, uri);
}

static int qvshRun(qvshControl *ctl, int argc, char **argv)
{
    const qvshCmdDef *def;
    qvshCmd cmd = { 0 };
    bool ok = false;

    if (!(def = qvshCommandLookup(argv[0]))) {
        qvshError(ctl, _("unknown command: '%s'"), argv[0]);
        return EXIT_FAILURE;
    }
    if (!qvshParseCommand(def, argc - 1, argv + 1, &cmd))
        goto cleanup;
    if (!def->noConnect) {
        ctl->conn = ctl->readonly ? qvConnectOpenReadOnly(ctl->uri) : qvConnectOpen(ctl->uri);
        if (!ctl->conn) {
            qvshError(ctl, "%s", _("failed to connect to the hypervisor"));
            qvshReportError(ctl, NULL);
            goto cleanup;
        }
    }
    ok = def->handler(ctl, &cmd);

cleanup:
    if (cmd.values)
        g_hash_table_destroy(cmd.values);
    if (cmd.lists)
        g_hash_table_destroy(cmd.lists);
    if (ctl->conn)
        qvConnectClose(ctl->conn);
    ctl->conn = NULL;
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    g_autoptr(GOptionContext) octx = NULL;
    g_autoptr(GError) err = NULL;
    qvshControl ctl = { 0 };
    gboolean version = FALSE;
    gboolean quiet = FALSE;
    gboolean readonly = FALSE;
    char *uri = NULL;
    int ret;
    GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          N_("hypervisor connection URI (default: $QVIRT_DEFAULT_URI or qvirt:///embed)"), "URI" },
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("quiet mode"), NULL },
        { "readonly", 'r', 0, G_OPTION_ARG_NONE, &readonly, N_("connect readonly"), NULL },
        { "version", 'v', 0, G_OPTION_ARG_NONE, &version, N_("print the version and exit"), NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, QV_LOCALEDIR());
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    octx = g_option_context_new(_("COMMAND [ARGS...] - manage qvirt domains"));
    g_option_context_add_main_entries(octx, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(octx, GETTEXT_PACKAGE);
    g_option_context_set_description(octx, _("Run 'qvsh help' for the list of commands."));
    /* stop at the command, so that its options are left to it */
    g_option_context_set_strict_posix(octx, TRUE);
    if (!g_option_context_parse(octx, &argc, &argv, &err)) {
        qvshError(NULL, "%s", err->message);
        return EXIT_FAILURE;
    }
    if (version) {
        printf("%s\n", PACKAGE_VERSION);
        return EXIT_SUCCESS;
    }
    if (argc < 2) {
        qvshError(NULL, "%s",
                  _("no command given; run 'qvsh help' for the list (qvsh has no interactive shell "
                    "yet)"));
        return EXIT_FAILURE;
    }
    if (STREQ(argv[1], "complete")) {
        /* before qvInitialize: completion prints nothing rather than an error */
        ctl.uri = uri;
        qvshCmdComplete(&ctl, argc - 2, argv + 2);
        g_free(uri);
        return EXIT_SUCCESS;
    }
    if (qvInitialize() < 0) {
        qvshReportError(NULL, NULL);
        return EXIT_FAILURE;
    }
    ctl.uri = uri;
    ctl.quiet = quiet;
    ctl.readonly = readonly;
    ret = qvshRun(&ctl, argc - 1, argv + 1);
    g_free(uri);
    return ret;
}
