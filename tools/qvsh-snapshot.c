/* qvsh-snapshot.c: domain snapshots: snapshot-create, snapshot-create-as, snapshot-list,
 * snapshot-info, snapshot-dumpxml, snapshot-current, snapshot-parent, snapshot-revert and
 * snapshot-delete, with virsh's option names, argument order and output. */
#include <config.h>

#include <stdio.h>

#include "qvsh.h"

/* ---- what qvsh reads from a snapshot's XML ---- */

/* The parts of <domainsnapshot> virsh shows; the embedded <domain> is skipped. The XML
 * comes from the library, so GMarkup (GLib's strict XML subset) reads it. */
typedef struct {
    char *state;
    char *parent;
    long long creationTime;
    bool hasCreationTime;
    bool hasMemory;
    bool external; /* the memory or a disk is snapshot='external' */
    char *quiesce; /* qvirt's <quiesce status=...>, NULL when absent */
    char *quiesceReason;
    unsigned int quiesceFilesystems;
    long long quiesceWindowUs;
    /* while parsing */
    GString *path;
    GString *text;
} qvshSnapXML;

static void qvshSnapXMLClear(qvshSnapXML *x)
{
    g_free(x->state);
    g_free(x->parent);
    g_free(x->quiesce);
    g_free(x->quiesceReason);
    if (x->path)
        g_string_free(x->path, TRUE);
    if (x->text)
        g_string_free(x->text, TRUE);
    memset(x, 0, sizeof(*x));
}

static const char *qvshAttr(const char **names, const char **values, const char *name)
{
    size_t i;

    for (i = 0; names[i]; i++) {
        if (STREQ(names[i], name))
            return values[i];
    }
    return NULL;
}

static void qvshSnapXMLStart(GMarkupParseContext *pctx, const char *element, const char **names,
                             const char **values, gpointer opaque, GError **error)
{
    qvshSnapXML *x = opaque;
    const char *path;
    const char *val;

    if (x->path->len == 0 && STRNEQ(element, "domainsnapshot")) {
        g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "<%s>", element);
        return;
    }
    g_string_append_printf(x->path, "/%s", element);
    g_string_truncate(x->text, 0);
    path = x->path->str;
    if (STREQ(path, "/domainsnapshot/memory")) {
        x->hasMemory = true;
        if ((val = qvshAttr(names, values, "snapshot")) && STREQ(val, "external"))
            x->external = true;
    } else if (STREQ(path, "/domainsnapshot/disks/disk")) {
        if ((val = qvshAttr(names, values, "snapshot")) && STREQ(val, "external"))
            x->external = true;
    } else if (STREQ(path, "/domainsnapshot/quiesce")) {
        guint64 n;

        g_free(x->quiesce);
        x->quiesce = g_strdup(qvshAttr(names, values, "status"));
        g_free(x->quiesceReason);
        x->quiesceReason = g_strdup(qvshAttr(names, values, "reason"));
        if ((val = qvshAttr(names, values, "filesystems")) &&
            g_ascii_string_to_unsigned(val, 10, 0, G_MAXUINT, &n, NULL))
            x->quiesceFilesystems = (unsigned int)n;
        if ((val = qvshAttr(names, values, "window-us")) &&
            g_ascii_string_to_unsigned(val, 10, 0, G_MAXINT64, &n, NULL))
            x->quiesceWindowUs = (long long)n;
    }
}

static void qvshSnapXMLText(GMarkupParseContext *pctx, const char *text, gsize len, gpointer opaque,
                            GError **error)
{
    qvshSnapXML *x = opaque;

    g_string_append_len(x->text, text, (gssize)len);
}

static void qvshSnapXMLEnd(GMarkupParseContext *pctx, const char *element, gpointer opaque,
                           GError **error)
{
    qvshSnapXML *x = opaque;
    const char *path = x->path->str;
    char *slash;

    if (STREQ(path, "/domainsnapshot/state")) {
        g_free(x->state);
        x->state = g_strdup(x->text->str);
    } else if (STREQ(path, "/domainsnapshot/parent/name")) {
        g_free(x->parent);
        x->parent = g_strdup(x->text->str);
    } else if (STREQ(path, "/domainsnapshot/creationTime")) {
        gint64 t;

        if (!g_ascii_string_to_signed(x->text->str, 10, 0, G_MAXINT64, &t, NULL)) {
            g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "creationTime");
            return;
        }
        x->creationTime = t;
        x->hasCreationTime = true;
    }
    g_string_truncate(x->text, 0);
    if ((slash = strrchr(x->path->str, '/')))
        g_string_truncate(x->path, (gsize)(slash - x->path->str));
}

/* Read xml into x, which must be empty; false when it is not a <domainsnapshot>. */
static bool qvshSnapXMLParse(const char *xml, qvshSnapXML *x)
{
    static const GMarkupParser parser = { qvshSnapXMLStart, qvshSnapXMLEnd, qvshSnapXMLText, NULL,
                                          NULL };
    GMarkupParseContext *pctx;
    bool ok;

    memset(x, 0, sizeof(*x));
    x->path = g_string_new(NULL);
    x->text = g_string_new(NULL);
    pctx = g_markup_parse_context_new(&parser, 0, x, NULL);
    ok = g_markup_parse_context_parse(pctx, xml, -1, NULL) &&
         g_markup_parse_context_end_parse(pctx, NULL);
    g_markup_parse_context_free(pctx);
    return ok;
}

/* The snapshot's XML, read; false after reporting why not. */
static bool qvshSnapshotReadXML(qvshControl *ctl, qvDomainSnapshotPtr snap, qvshSnapXML *x)
{
    g_autofree char *xml = qvDomainSnapshotGetXMLDesc(snap, 0);

    memset(x, 0, sizeof(*x));
    if (!xml) {
        qvshReportError(ctl, NULL);
        return false;
    }
    if (!qvshSnapXMLParse(xml, x) || !x->state) {
        qvshSnapXMLClear(x);
        qvshError(ctl, "%s", _("unexpected problem reading snapshot xml"));
        return false;
    }
    return true;
}

/* ---- helpers shared by the commands ---- */

/* The snapshot named by option arg, or the current one with --current, as virsh resolves
 * {SNAPSHOT | --current}; its name is stored in *name. NULL after reporting an error. */
static qvDomainSnapshotPtr qvshLookupSnapshot(qvshControl *ctl, const qvshCmd *cmd, const char *arg,
                                              qvDomainPtr dom, char **name)
{
    const char *snapname = qvshOptString(cmd, arg);
    bool current = qvshOptBool(cmd, "current");
    qvDomainSnapshotPtr snap;

    if (snapname && current) {
        qvshError(ctl, _("--%s and --current are mutually exclusive"), arg);
        return NULL;
    }
    if (snapname) {
        snap = qvDomainSnapshotLookupByName(dom, snapname, 0);
    } else if (current) {
        snap = qvDomainSnapshotCurrent(dom, 0);
    } else {
        qvshError(ctl, _("--%s or --current is required"), arg);
        return NULL;
    }
    if (!snap) {
        qvshReportError(ctl, NULL);
        return NULL;
    }
    *name = g_strdup(qvDomainSnapshotGetName(snap));
    return snap;
}

/* Like qvshReportError(), with the placeholder for the snapshot XML's name replaced by its
 * file, so that errors say file:line: "(snapshot_definition)", or "(xml)" when the library
 * parsed the XML without a name. */
static void qvshSnapshotReportError(qvshControl *ctl, const char *file)
{
    static const char *const placeholders[] = { "(snapshot_definition)", "(xml)" };
    g_autofree char *msg = NULL;
    size_t i;

    if (!file || !qvGetLastError()) {
        qvshReportError(ctl, NULL);
        return;
    }
    msg = g_strdup(qvGetLastErrorMessage());
    for (i = 0; i < G_N_ELEMENTS(placeholders); i++) {
        g_auto(GStrv) parts = g_strsplit(msg, placeholders[i], -1);

        g_free(msg);
        msg = g_strjoinv(file, parts);
    }
    qvshError(ctl, "%s", msg);
}

/* After a quiesced snapshot: how the guest was quiesced (qvirt's <quiesce> record). */
static void qvshSnapshotPrintQuiesce(qvshControl *ctl, qvDomainSnapshotPtr snap)
{
    g_autofree char *xml = qvDomainSnapshotGetXMLDesc(snap, 0);
    qvshSnapXML x = { 0 };

    if (!xml || !qvshSnapXMLParse(xml, &x)) {
        /* the snapshot was taken; only the report of how is missing */
        qvResetLastError();
        qvshSnapXMLClear(&x);
        return;
    }
    if (STREQ_NULLABLE(x.quiesce, "quiesced")) {
        if (x.quiesceWindowUs)
            qvshPrint(ctl, _("(quiesced: %u filesystem(s) frozen for %lld ms)\n"),
                      x.quiesceFilesystems, (x.quiesceWindowUs + 999) / 1000);
        else
            qvshPrint(ctl, _("(quiesced: %u filesystem(s) frozen)\n"), x.quiesceFilesystems);
    } else if (STREQ_NULLABLE(x.quiesce, "crash-consistent")) {
        if (x.quiesceReason)
            qvshPrint(ctl, _("(crash-consistent, not quiesced: %s)\n"), x.quiesceReason);
        else
            qvshPrint(ctl, "%s", _("(crash-consistent, not quiesced)\n"));
    } else if (STREQ_NULLABLE(x.quiesce, "thaw-failed")) {
        /* the snapshot is good, but the guest may still be frozen */
        fflush(stdout);
        if (x.quiesceReason)
            fprintf(stderr,
                    _("warning: the guest's filesystems were frozen, but their thaw was not "
                      "confirmed: %s\n"),
                    x.quiesceReason);
        else
            fprintf(stderr, "%s",
                    _("warning: the guest's filesystems were frozen, but their thaw was not "
                      "confirmed\n"));
    }
    qvshSnapXMLClear(&x);
}

static const struct {
    const char *opt;
    unsigned int flag;
} qvshSnapshotCreateFlags[] = {
    { "no-metadata", QV_DOMAIN_SNAPSHOT_CREATE_NO_METADATA },
    { "halt", QV_DOMAIN_SNAPSHOT_CREATE_HALT },
    { "disk-only", QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY },
    { "reuse-external", QV_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT },
    { "quiesce", QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE },
    { "quiesce-best-effort", QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE_BEST_EFFORT },
    { "atomic", QV_DOMAIN_SNAPSHOT_CREATE_ATOMIC },
    { "live", QV_DOMAIN_SNAPSHOT_CREATE_LIVE },
    { "validate", QV_DOMAIN_SNAPSHOT_CREATE_VALIDATE },
};

static unsigned int qvshSnapshotCreateFlagsFromOpts(const qvshCmd *cmd)
{
    unsigned int flags = 0;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(qvshSnapshotCreateFlags); i++) {
        if (qvshOptBool(cmd, qvshSnapshotCreateFlags[i].opt))
            flags |= qvshSnapshotCreateFlags[i].flag;
    }
    return flags;
}

/* snapshot-create and snapshot-create-as: take it and say so; from is the XML file. */
static bool qvshSnapshotCreate(qvshControl *ctl, qvDomainPtr dom, const char *xml,
                               unsigned int flags, const char *from)
{
    qvDomainSnapshotPtr snap = qvDomainSnapshotCreateXML(dom, xml, flags);
    const char *name;

    if (!snap) {
        qvshSnapshotReportError(ctl, from);
        return false;
    }
    name = qvDomainSnapshotGetName(snap);
    if (from)
        qvshPrint(ctl, _("Domain snapshot %s created from '%s'\n"), name, from);
    else
        qvshPrint(ctl, _("Domain snapshot %s created\n"), name);
    if (flags & (QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE | QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE_BEST_EFFORT))
        qvshSnapshotPrintQuiesce(ctl, snap);
    qvDomainSnapshotFree(snap);
    return true;
}

/* ---- snapshot-create ---- */

static const qvshCmdOptDef opts_snapshot_create[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "xmlfile", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL, N_("file with the <domainsnapshot> XML") },
    { "no-metadata", QVSH_OT_BOOL, 0, N_("take the snapshot but keep no metadata for it") },
    { "halt", QVSH_OT_BOOL, 0, N_("stop the domain once the snapshot is taken") },
    { "disk-only", QVSH_OT_BOOL, 0, N_("the disks only, without the guest's memory") },
    { "reuse-external", QVSH_OT_BOOL, 0, N_("reuse existing external files") },
    { "quiesce", QVSH_OT_BOOL, 0, N_("freeze the guest's filesystems through the guest agent") },
    { "quiesce-best-effort", QVSH_OT_BOOL, 0,
      N_("like --quiesce, but take a crash-consistent snapshot when the agent cannot freeze") },
    { "atomic", QVSH_OT_BOOL, 0, N_("all or nothing: fail without changing anything") },
    { "live", QVSH_OT_BOOL, 0, N_("take the snapshot while the guest runs") },
    { "validate", QVSH_OT_BOOL, 0, N_("validate the XML against the schema") },
    { NULL, 0, 0, NULL },
};

static bool cmdSnapshotCreate(qvshControl *ctl, const qvshCmd *cmd)
{
    const char *from = qvshOptString(cmd, "xmlfile");
    unsigned int flags = qvshSnapshotCreateFlagsFromOpts(cmd);
    g_autofree char *xml = NULL;
    qvDomainPtr dom;
    bool ok;

    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (from)
        xml = qvshReadFile(ctl, from);
    else
        xml = g_strdup("<domainsnapshot/>");
    ok = xml && qvshSnapshotCreate(ctl, dom, xml, flags, from);
    qvDomainFree(dom);
    return ok;
}

/* ---- snapshot-create-as ---- */

/* virsh's spec syntax: comma-separated, ",," for a literal comma. */
static GStrv qvshSplitSpec(const char *str)
{
    GPtrArray *parts = g_ptr_array_new();
    GString *cur = g_string_new(NULL);
    const char *p;

    for (p = str; *p; p++) {
        if (*p != ',') {
            g_string_append_c(cur, *p);
        } else if (p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else {
            g_ptr_array_add(parts, g_string_free(cur, FALSE));
            cur = g_string_new(NULL);
        }
    }
    g_ptr_array_add(parts, g_string_free(cur, FALSE));
    g_ptr_array_add(parts, NULL);
    return (GStrv)g_ptr_array_free(parts, FALSE);
}

/* " name='value'" with the value escaped; nothing for a NULL value. */
static void qvshAppendAttr(GString *buf, const char *name, const char *value)
{
    g_autofree char *esc = NULL;

    if (!value)
        return;
    esc = g_markup_escape_text(value, -1);
    g_string_append_printf(buf, " %s='%s'", name, esc);
}

/* --memspec [file=]PATH[,snapshot=TYPE] as <memory/>. */
static bool qvshParseMemspec(qvshControl *ctl, GString *buf, const char *str)
{
    g_auto(GStrv) parts = qvshSplitSpec(str);
    const char *snapshot = NULL;
    const char *file = NULL;
    size_t i;

    for (i = 0; parts[i]; i++) {
        if (!snapshot && g_str_has_prefix(parts[i], "snapshot=")) {
            snapshot = parts[i] + strlen("snapshot=");
        } else if (!file && g_str_has_prefix(parts[i], "file=")) {
            file = parts[i] + strlen("file=");
        } else if (!file && parts[i][0] == '/') {
            file = parts[i];
        } else {
            qvshError(ctl, _("unable to parse memspec: %s"), str);
            return false;
        }
    }
    g_string_append(buf, "  <memory");
    qvshAppendAttr(buf, "snapshot", snapshot);
    qvshAppendAttr(buf, "file", file);
    g_string_append(buf, "/>\n");
    return true;
}

/* --diskspec DISK[,snapshot=TYPE][,driver=FORMAT][,stype=file|block][,file=PATH] as <disk>. */
static bool qvshParseDiskspec(qvshControl *ctl, GString *buf, const char *str)
{
    g_auto(GStrv) parts = qvshSplitSpec(str);
    const char *snapshot = NULL;
    const char *driver = NULL;
    const char *stype = NULL;
    const char *file = NULL;
    size_t i;

    if (!*parts[0]) {
        qvshError(ctl, _("unable to parse diskspec: %s"), str);
        return false;
    }
    for (i = 1; parts[i]; i++) {
        if (!snapshot && g_str_has_prefix(parts[i], "snapshot=")) {
            snapshot = parts[i] + strlen("snapshot=");
        } else if (!driver && g_str_has_prefix(parts[i], "driver=")) {
            driver = parts[i] + strlen("driver=");
        } else if (!stype && g_str_has_prefix(parts[i], "stype=")) {
            stype = parts[i] + strlen("stype=");
        } else if (!file && g_str_has_prefix(parts[i], "file=")) {
            file = parts[i] + strlen("file=");
        } else {
            qvshError(ctl, _("unable to parse diskspec: %s"), str);
            return false;
        }
    }
    if (stype && STRNEQ(stype, "file") && STRNEQ(stype, "block")) {
        qvshError(ctl, _("Unknown storage type: '%s'"), stype);
        qvshError(ctl, _("unable to parse diskspec: %s"), str);
        return false;
    }
    g_string_append(buf, "    <disk");
    qvshAppendAttr(buf, "name", parts[0]);
    qvshAppendAttr(buf, "snapshot", snapshot);
    qvshAppendAttr(buf, "type", stype);
    if (!driver && !file) {
        g_string_append(buf, "/>\n");
        return true;
    }
    g_string_append(buf, ">\n");
    if (driver) {
        g_string_append(buf, "      <driver");
        qvshAppendAttr(buf, "type", driver);
        g_string_append(buf, "/>\n");
    }
    if (file) {
        g_string_append(buf, "      <source");
        qvshAppendAttr(buf, stype && STREQ(stype, "block") ? "dev" : "file", file);
        g_string_append(buf, "/>\n");
    }
    g_string_append(buf, "    </disk>\n");
    return true;
}

static const qvshCmdOptDef opts_snapshot_create_as[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "name", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL, N_("name of the snapshot") },
    { "description", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL, N_("description of the snapshot") },
    { "print-xml", QVSH_OT_BOOL, 0, N_("print the XML instead of taking the snapshot") },
    { "no-metadata", QVSH_OT_BOOL, 0, N_("take the snapshot but keep no metadata for it") },
    { "halt", QVSH_OT_BOOL, 0, N_("stop the domain once the snapshot is taken") },
    { "disk-only", QVSH_OT_BOOL, 0, N_("the disks only, without the guest's memory") },
    { "reuse-external", QVSH_OT_BOOL, 0, N_("reuse existing external files") },
    { "quiesce", QVSH_OT_BOOL, 0, N_("freeze the guest's filesystems through the guest agent") },
    { "quiesce-best-effort", QVSH_OT_BOOL, 0,
      N_("like --quiesce, but take a crash-consistent snapshot when the agent cannot freeze") },
    { "atomic", QVSH_OT_BOOL, 0, N_("all or nothing: fail without changing anything") },
    { "live", QVSH_OT_BOOL, 0, N_("take the snapshot while the guest runs") },
    { "validate", QVSH_OT_BOOL, 0, N_("validate the XML against the schema") },
    { "memspec", QVSH_OT_STRING, 0, N_("memory: [file=]PATH[,snapshot=TYPE]") },
    { "diskspec", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL | QVSH_OFLAG_MULTI,
      N_("a disk: DISK[,snapshot=TYPE][,driver=FORMAT][,stype=TYPE][,file=PATH]") },
    { NULL, 0, 0, NULL },
};

static bool cmdSnapshotCreateAs(qvshControl *ctl, const qvshCmd *cmd)
{
    const char *name = qvshOptString(cmd, "name");
    const char *desc = qvshOptString(cmd, "description");
    const char *memspec = qvshOptString(cmd, "memspec");
    unsigned int flags = qvshSnapshotCreateFlagsFromOpts(cmd);
    g_autoptr(GString) buf = g_string_new("<domainsnapshot>\n");
    size_t ndisks, i;
    const char *const *disks = qvshOptStrings(cmd, "diskspec", &ndisks);
    qvDomainPtr dom;
    bool ok = false;

    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (name) {
        g_autofree char *esc = g_markup_escape_text(name, -1);

        g_string_append_printf(buf, "  <name>%s</name>\n", esc);
    }
    if (desc) {
        g_autofree char *esc = g_markup_escape_text(desc, -1);

        g_string_append_printf(buf, "  <description>%s</description>\n", esc);
    }
    if (memspec && !qvshParseMemspec(ctl, buf, memspec))
        goto cleanup;
    if (ndisks) {
        g_string_append(buf, "  <disks>\n");
        for (i = 0; i < ndisks; i++) {
            if (!qvshParseDiskspec(ctl, buf, disks[i]))
                goto cleanup;
        }
        g_string_append(buf, "  </disks>\n");
    }
    g_string_append(buf, "</domainsnapshot>\n");

    if (qvshOptBool(cmd, "print-xml")) {
        printf("%s", buf->str);
        ok = true;
    } else {
        ok = qvshSnapshotCreate(ctl, dom, buf->str, flags, NULL);
    }

cleanup:
    qvDomainFree(dom);
    return ok;
}

/* ---- snapshot-list ---- */

typedef struct {
    qvDomainSnapshotPtr snap;
    char *name;
    char *parent; /* NULL for a root (and for --from itself in a tree) */
    char *state;
    char *created; /* virsh's local time with its zone offset */
} qvshSnapEntry;

static void qvshSnapEntryClear(qvshSnapEntry *e)
{
    if (e->snap)
        qvDomainSnapshotFree(e->snap);
    g_free(e->name);
    g_free(e->parent);
    g_free(e->state);
    g_free(e->created);
}

static int qvshSnapEntryCompare(gconstpointer a, gconstpointer b)
{
    const qvshSnapEntry *ea = a;
    const qvshSnapEntry *eb = b;

    return g_ascii_strcasecmp(ea->name, eb->name);
}

/* Fill in what the list shows from the snapshot's XML; 0 on success, 1 for a snapshot
 * that is gone (deleted meanwhile: left out, as virsh does), -1 after reporting. */
static int qvshSnapEntryFill(qvshControl *ctl, qvshSnapEntry *e)
{
    g_autofree char *xml = qvDomainSnapshotGetXMLDesc(e->snap, 0);
    qvshSnapXML x = { 0 };

    if (!xml) {
        if (qvGetLastErrorCode() == QV_ERR_NO_DOMAIN_SNAPSHOT)
            return 1;
        qvshReportError(ctl, NULL);
        return -1;
    }
    if (!qvshSnapXMLParse(xml, &x) || !x.state) {
        qvshSnapXMLClear(&x);
        qvshError(ctl, "%s", _("unexpected problem reading snapshot xml"));
        return -1;
    }
    e->parent = g_steal_pointer(&x.parent);
    e->state = g_steal_pointer(&x.state);
    if (x.hasCreationTime) {
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(x.creationTime);

        e->created = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S %z") : NULL;
    }
    if (!e->created)
        e->created = g_strdup("");
    qvshSnapXMLClear(&x);
    return 0;
}

/* virsh's tree: a root flush left, each child under "+- ", "|" joining siblings. */
static void qvshSnapTreePrint(GArray *list, guint id, guint last, bool root, GString *indent,
                              guint depth)
{
    const qvshSnapEntry *e = &g_array_index(list, qvshSnapEntry, id);
    gint lastChild = -1;
    guint i;

    printf("%s%s%s\n", indent->str, root ? "" : "+- ", e->name);
    if (depth > list->len)
        return; /* a loop in the parents; cannot happen with the library's data */
    if (!root) {
        g_string_append_c(indent, id == last ? ' ' : '|');
        g_string_append_c(indent, ' ');
    }
    for (i = 0; i < list->len; i++) {
        if (STREQ_NULLABLE(g_array_index(list, qvshSnapEntry, i).parent, e->name))
            lastChild = (gint)i;
    }
    if (lastChild >= 0)
        printf("%s  |\n", indent->str);
    g_string_append(indent, "  ");
    for (i = 0; i < list->len; i++) {
        if (STREQ_NULLABLE(g_array_index(list, qvshSnapEntry, i).parent, e->name))
            qvshSnapTreePrint(list, i, (guint)lastChild, false, indent, depth + 1);
    }
    g_string_truncate(indent, indent->len - 2);
    if (lastChild < 0 && id == last)
        printf("%s\n", indent->str);
    if (!root)
        g_string_truncate(indent, indent->len - 2);
}

static const qvshCmdOptDef opts_snapshot_list[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "parent", QVSH_OT_BOOL, 0, N_("add a column with the parent snapshot") },
    { "roots", QVSH_OT_BOOL, 0, N_("only snapshots without a parent") },
    { "leaves", QVSH_OT_BOOL, 0, N_("only snapshots without children") },
    { "no-leaves", QVSH_OT_BOOL, 0, N_("only snapshots with children") },
    { "metadata", QVSH_OT_BOOL, 0, N_("only snapshots with metadata that would prevent undefine") },
    { "no-metadata", QVSH_OT_BOOL, 0, N_("only snapshots without metadata") },
    { "inactive", QVSH_OT_BOOL, 0, N_("only snapshots taken while the domain was shut off") },
    { "active", QVSH_OT_BOOL, 0, N_("only snapshots of a running domain with its memory") },
    { "disk-only", QVSH_OT_BOOL, 0, N_("only disk-only snapshots of a running domain") },
    { "internal", QVSH_OT_BOOL, 0, N_("only internal snapshots") },
    { "external", QVSH_OT_BOOL, 0, N_("only external snapshots") },
    { "tree", QVSH_OT_BOOL, 0, N_("show the snapshots as a tree") },
    { "from", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL, N_("only the children of this snapshot") },
    { "current", QVSH_OT_BOOL, 0, N_("only the children of the current snapshot") },
    { "descendants", QVSH_OT_BOOL, 0, N_("with --from or --current, all descendants") },
    { "name", QVSH_OT_BOOL, 0, N_("list snapshot names only") },
    { "topological", QVSH_OT_BOOL, 0, N_("parents before children instead of sorting by name") },
    { NULL, 0, 0, NULL },
};

static bool cmdSnapshotList(qvshControl *ctl, const qvshCmd *cmd)
{
    /* the filters, which a tree cannot show */
    static const struct {
        const char *opt;
        unsigned int flag;
    } filters[] = {
        { "leaves", QV_DOMAIN_SNAPSHOT_LIST_LEAVES },
        { "no-leaves", QV_DOMAIN_SNAPSHOT_LIST_NO_LEAVES },
        { "inactive", QV_DOMAIN_SNAPSHOT_LIST_INACTIVE },
        { "active", QV_DOMAIN_SNAPSHOT_LIST_ACTIVE },
        { "disk-only", QV_DOMAIN_SNAPSHOT_LIST_DISK_ONLY },
        { "internal", QV_DOMAIN_SNAPSHOT_LIST_INTERNAL },
        { "external", QV_DOMAIN_SNAPSHOT_LIST_EXTERNAL },
    };
    static const char *const exclusive[][2] = {
        { "tree", "name" },  { "parent", "roots" }, { "parent", "tree" },
        { "roots", "tree" }, { "roots", "from" },   { "roots", "current" },
    };
    g_autoptr(GArray) list = g_array_new(FALSE, TRUE, sizeof(qvshSnapEntry));
    bool tree = qvshOptBool(cmd, "tree");
    bool names = qvshOptBool(cmd, "name");
    bool parent = qvshOptBool(cmd, "parent");
    bool from = qvshOptString(cmd, "from") != NULL;
    bool current = qvshOptBool(cmd, "current");
    qvDomainSnapshotPtr *snaps = NULL;
    qvDomainSnapshotPtr start = NULL;
    g_autofree char *startName = NULL;
    unsigned int flags = 0;
    qvDomainPtr dom;
    bool ok = false;
    size_t i;
    int n;

    for (i = 0; i < G_N_ELEMENTS(exclusive); i++) {
        if (qvshOptBool(cmd, exclusive[i][0]) &&
            (STREQ(exclusive[i][1], "from") ? from : qvshOptBool(cmd, exclusive[i][1]))) {
            qvshError(ctl, _("Options --%s and --%s are mutually exclusive"), exclusive[i][0],
                      exclusive[i][1]);
            return false;
        }
    }
    for (i = 0; i < G_N_ELEMENTS(filters); i++) {
        if (!qvshOptBool(cmd, filters[i].opt))
            continue;
        if (tree) {
            qvshError(ctl, _("--%s and --tree are mutually exclusive"), filters[i].opt);
            return false;
        }
        flags |= filters[i].flag;
    }
    if (qvshOptBool(cmd, "topological"))
        flags |= QV_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL;
    if (qvshOptBool(cmd, "roots"))
        flags |= QV_DOMAIN_SNAPSHOT_LIST_ROOTS;
    if (qvshOptBool(cmd, "metadata"))
        flags |= QV_DOMAIN_SNAPSHOT_LIST_METADATA;
    if (qvshOptBool(cmd, "no-metadata"))
        flags |= QV_DOMAIN_SNAPSHOT_LIST_NO_METADATA;
    if (qvshOptBool(cmd, "descendants")) {
        if (!from && !current) {
            qvshError(ctl, "%s", _("--descendants requires either --from or --current"));
            return false;
        }
        flags |= QV_DOMAIN_SNAPSHOT_LIST_DESCENDANTS;
    }

    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (from || current) {
        if (!(start = qvshLookupSnapshot(ctl, cmd, "from", dom, &startName)))
            goto cleanup;
        /* a tree from a snapshot shows everything below it */
        if (tree)
            flags |= QV_DOMAIN_SNAPSHOT_LIST_DESCENDANTS;
        n = qvDomainSnapshotListAllChildren(start, &snaps, flags);
    } else {
        n = qvDomainListAllSnapshots(dom, &snaps, flags);
    }
    if (n < 0) {
        qvshReportError(ctl, NULL);
        goto cleanup;
    }
    for (i = 0; i < (size_t)n; i++) {
        qvshSnapEntry e = { .snap = snaps[i] };

        e.name = g_strdup(qvDomainSnapshotGetName(snaps[i]));
        g_array_append_val(list, e);
    }
    g_clear_pointer(&snaps, g_free);
    if (tree && start) {
        /* the starting point is the root of the tree */
        qvshSnapEntry e = { .snap = NULL, .name = g_strdup(startName) };

        g_array_append_val(list, e);
    }
    if (!names) {
        for (i = 0; i < list->len; i++) {
            qvshSnapEntry *e = &g_array_index(list, qvshSnapEntry, i);
            int rc;

            if (!e->snap)
                continue;
            if ((rc = qvshSnapEntryFill(ctl, e)) < 0)
                goto cleanup;
            if (rc > 0) {
                qvshSnapEntryClear(e);
                g_array_remove_index(list, i--);
            }
        }
    }
    if (!(flags & QV_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL))
        g_array_sort(list, qvshSnapEntryCompare);

    if (tree) {
        g_autoptr(GString) indent = g_string_new(NULL);

        for (i = 0; i < list->len; i++) {
            if (!g_array_index(list, qvshSnapEntry, i).parent)
                qvshSnapTreePrint(list, (guint)i, (guint)i, true, indent, 0);
        }
        printf("\n");
    } else if (names) {
        for (i = 0; i < list->len; i++)
            printf("%s\n", g_array_index(list, qvshSnapEntry, i).name);
        printf("\n");
    } else {
        g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

        if (parent)
            g_ptr_array_add(rows, g_strsplit(_("Name|Creation Time|State|Parent"), "|", 4));
        else
            g_ptr_array_add(rows, g_strsplit(_("Name|Creation Time|State"), "|", 3));
        for (i = 0; i < list->len; i++) {
            const qvshSnapEntry *e = &g_array_index(list, qvshSnapEntry, i);
            char **row = g_new0(char *, 5);

            row[0] = g_strdup(e->name);
            row[1] = g_strdup(e->created);
            row[2] = g_strdup(e->state);
            if (parent)
                row[3] = g_strdup(e->parent ? e->parent : "");
            g_ptr_array_add(rows, row);
        }
        qvshPrintTable(rows, parent ? 4 : 3);
    }
    ok = true;

cleanup:
    for (i = 0; i < list->len; i++)
        qvshSnapEntryClear(&g_array_index(list, qvshSnapEntry, i));
    if (start)
        qvDomainSnapshotFree(start);
    qvDomainFree(dom);
    return ok;
}

/* ---- snapshot-info ---- */

static const qvshCmdOptDef opts_snapshot_info[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "snapshotname", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL, N_("snapshot name") },
    { "current", QVSH_OT_BOOL, 0, N_("the current snapshot") },
    { NULL, 0, 0, NULL },
};

/* The number of children (or descendants) of snap; -1 after reporting. */
static int qvshSnapshotCountChildren(qvshControl *ctl, qvDomainSnapshotPtr snap, unsigned int flags)
{
    qvDomainSnapshotPtr *kids = NULL;
    int n = qvDomainSnapshotListAllChildren(snap, &kids, flags);
    int i;

    if (n < 0) {
        qvshReportError(ctl, NULL);
        return -1;
    }
    for (i = 0; i < n; i++)
        qvDomainSnapshotFree(kids[i]);
    g_free(kids);
    return n;
}

static bool cmdSnapshotInfo(qvshControl *ctl, const qvshCmd *cmd)
{
    g_autofree char *name = NULL;
    qvDomainSnapshotPtr snap = NULL;
    qvshSnapXML x = { 0 };
    int current, children, descendants, metadata;
    qvDomainPtr dom;
    bool ok = false;

    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (!(snap = qvshLookupSnapshot(ctl, cmd, "snapshotname", dom, &name)))
        goto cleanup;
    printf("%-15s %s\n", _("Name:"), name);
    printf("%-15s %s\n", _("Domain:"), qvDomainGetName(dom));
    if ((current = qvDomainSnapshotIsCurrent(snap, 0)) < 0)
        current = 0;
    printf("%-15s %s\n", _("Current:"), current > 0 ? _("yes") : _("no"));
    if (!qvshSnapshotReadXML(ctl, snap, &x))
        goto cleanup;
    printf("%-15s %s\n", _("State:"), x.state);
    /* with <memory>, any external part makes it external; before it, only disk-only
     * snapshots were (virsh's rule) */
    if (!x.hasMemory)
        x.external = STREQ(x.state, "disk-snapshot");
    printf("%-15s %s\n", _("Location:"), x.external ? _("external") : _("internal"));
    printf("%-15s %s\n", _("Parent:"), x.parent ? x.parent : "-");
    if ((children = qvshSnapshotCountChildren(ctl, snap, 0)) < 0)
        goto cleanup;
    printf("%-15s %d\n", _("Children:"), children);
    descendants = qvshSnapshotCountChildren(ctl, snap, QV_DOMAIN_SNAPSHOT_LIST_DESCENDANTS);
    if (descendants < 0)
        goto cleanup;
    printf("%-15s %d\n", _("Descendants:"), descendants);
    if ((metadata = qvDomainSnapshotHasMetadata(snap, 0)) >= 0)
        printf("%-15s %s\n", _("Metadata:"), metadata ? _("yes") : _("no"));
    printf("\n");
    ok = true;

cleanup:
    qvshSnapXMLClear(&x);
    if (snap)
        qvDomainSnapshotFree(snap);
    qvDomainFree(dom);
    return ok;
}

/* ---- snapshot-dumpxml, snapshot-current, snapshot-parent ---- */

static const qvshCmdOptDef opts_snapshot_dumpxml[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "snapshotname", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL, N_("snapshot name") },
    { "security-info", QVSH_OT_BOOL, 0, N_("include security sensitive information in XML dump") },
    { NULL, 0, 0, NULL },
};

static bool cmdSnapshotDumpXML(qvshControl *ctl, const qvshCmd *cmd)
{
    unsigned int flags = 0;
    g_autofree char *xml = NULL;
    qvDomainSnapshotPtr snap;
    qvDomainPtr dom;

    if (qvshOptBool(cmd, "security-info"))
        flags |= QV_DOMAIN_SNAPSHOT_XML_SECURE;
    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if ((snap = qvDomainSnapshotLookupByName(dom, qvshOptString(cmd, "snapshotname"), 0))) {
        xml = qvDomainSnapshotGetXMLDesc(snap, flags);
        if (!xml)
            qvshReportError(ctl, NULL); /* before qvDomainSnapshotFree(), which resets it */
        qvDomainSnapshotFree(snap);
    } else {
        qvshReportError(ctl, NULL);
    }
    qvDomainFree(dom);
    if (!xml)
        return false;
    printf("%s", xml);
    return true;
}

static const qvshCmdOptDef opts_snapshot_current[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "name", QVSH_OT_BOOL, 0, N_("print the name instead of the XML") },
    { "security-info", QVSH_OT_BOOL, 0, N_("include security sensitive information in XML dump") },
    { NULL, 0, 0, NULL },
};

static bool cmdSnapshotCurrent(qvshControl *ctl, const qvshCmd *cmd)
{
    unsigned int flags = 0;
    g_autofree char *out = NULL;
    qvDomainSnapshotPtr snap;
    const char *domname;
    qvDomainPtr dom;
    int has;

    if (qvshOptBool(cmd, "security-info"))
        flags |= QV_DOMAIN_SNAPSHOT_XML_SECURE;
    if (!(dom = qvshCommandOptDomain(ctl, cmd, &domname)))
        return false;
    if ((has = qvDomainHasCurrentSnapshot(dom, 0)) < 0) {
        qvshReportError(ctl, NULL);
    } else if (!has) {
        qvshError(ctl, _("domain '%s' has no current snapshot"), domname);
    } else if (!(snap = qvDomainSnapshotCurrent(dom, 0))) {
        qvshReportError(ctl, NULL);
    } else {
        if (qvshOptBool(cmd, "name"))
            out = g_strdup_printf("%s\n", qvDomainSnapshotGetName(snap));
        else if (!(out = qvDomainSnapshotGetXMLDesc(snap, flags)))
            qvshReportError(ctl, NULL);
        qvDomainSnapshotFree(snap);
    }
    qvDomainFree(dom);
    if (!out)
        return false;
    printf("%s", out);
    return true;
}

static const qvshCmdOptDef opts_snapshot_parent[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "snapshotname", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL, N_("snapshot name") },
    { "current", QVSH_OT_BOOL, 0, N_("the current snapshot") },
    { NULL, 0, 0, NULL },
};

static bool cmdSnapshotParent(qvshControl *ctl, const qvshCmd *cmd)
{
    g_autofree char *name = NULL;
    qvDomainSnapshotPtr snap;
    qvshSnapXML x = { 0 };
    qvDomainPtr dom;
    bool ok = false;

    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if ((snap = qvshLookupSnapshot(ctl, cmd, "snapshotname", dom, &name))) {
        if (!qvshSnapshotReadXML(ctl, snap, &x)) {
            /* reported */
        } else if (!x.parent) {
            qvshError(ctl, _("snapshot '%s' has no parent"), name);
        } else {
            printf("%s\n", x.parent);
            ok = true;
        }
        qvshSnapXMLClear(&x);
        qvDomainSnapshotFree(snap);
    }
    qvDomainFree(dom);
    return ok;
}

/* ---- snapshot-revert, snapshot-delete ---- */

static const qvshCmdOptDef opts_snapshot_revert[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "snapshotname", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL, N_("snapshot name") },
    { "current", QVSH_OT_BOOL, 0, N_("the current snapshot") },
    { "running", QVSH_OT_BOOL, 0, N_("start the domain after reverting") },
    { "paused", QVSH_OT_BOOL, 0, N_("leave the domain paused after reverting") },
    { "force", QVSH_OT_BOOL, 0, N_("revert even when it is risky") },
    { NULL, 0, 0, NULL },
};

static bool cmdSnapshotRevert(qvshControl *ctl, const qvshCmd *cmd)
{
    g_autofree char *name = NULL;
    unsigned int flags = 0;
    qvDomainSnapshotPtr snap;
    qvDomainPtr dom;
    bool ok = false;

    if (qvshOptBool(cmd, "running"))
        flags |= QV_DOMAIN_SNAPSHOT_REVERT_RUNNING;
    if (qvshOptBool(cmd, "paused"))
        flags |= QV_DOMAIN_SNAPSHOT_REVERT_PAUSED;
    if (qvshOptBool(cmd, "force"))
        flags |= QV_DOMAIN_SNAPSHOT_REVERT_FORCE;
    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if ((snap = qvshLookupSnapshot(ctl, cmd, "snapshotname", dom, &name))) {
        /* virsh prints nothing on success, and only the reason on failure */
        if (!(ok = qvDomainRevertToSnapshot(snap, flags) == 0))
            qvshReportError(ctl, NULL);
        qvDomainSnapshotFree(snap);
    }
    qvDomainFree(dom);
    return ok;
}

static const qvshCmdOptDef opts_snapshot_delete[] = {
    { "domain", QVSH_OT_STRING, QVSH_OFLAG_REQ | QVSH_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "snapshotname", QVSH_OT_STRING, QVSH_OFLAG_POSITIONAL, N_("snapshot name") },
    { "current", QVSH_OT_BOOL, 0, N_("the current snapshot") },
    { "children", QVSH_OT_BOOL, 0, N_("delete the snapshot and all its descendants") },
    { "children-only", QVSH_OT_BOOL, 0, N_("delete the descendants but not the snapshot") },
    { "metadata", QVSH_OT_BOOL, 0,
      N_("delete only qvirt's metadata, leaving the snapshot's data behind") },
    { NULL, 0, 0, NULL },
};

static bool cmdSnapshotDelete(qvshControl *ctl, const qvshCmd *cmd)
{
    g_autofree char *name = NULL;
    unsigned int flags = 0;
    qvDomainSnapshotPtr snap;
    qvDomainPtr dom;
    bool ok = false;

    if (qvshOptBool(cmd, "children"))
        flags |= QV_DOMAIN_SNAPSHOT_DELETE_CHILDREN;
    if (qvshOptBool(cmd, "children-only"))
        flags |= QV_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY;
    if (qvshOptBool(cmd, "metadata"))
        flags |= QV_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY;
    if (!(dom = qvshCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if ((snap = qvshLookupSnapshot(ctl, cmd, "snapshotname", dom, &name))) {
        if ((ok = qvDomainSnapshotDelete(snap, flags) == 0)) {
            if (flags & QV_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)
                qvshPrint(ctl, _("Domain snapshot %s children deleted\n\n"), name);
            else
                qvshPrint(ctl, _("Domain snapshot %s deleted\n\n"), name);
        } else {
            qvshError(ctl, _("Failed to delete snapshot %s"), name);
            qvshReportError(ctl, NULL);
        }
        qvDomainSnapshotFree(snap);
    }
    qvDomainFree(dom);
    return ok;
}

const qvshCmdDef qvshSnapshotCmds[] = {
    { "snapshot-create", cmdSnapshotCreate, opts_snapshot_create, N_("Create a snapshot from XML"),
      N_("Take a snapshot of a domain as a <domainsnapshot> XML file describes it, or with "
         "qvirt's defaults when no file is given."),
      false },
    { "snapshot-create-as", cmdSnapshotCreateAs, opts_snapshot_create_as,
      N_("Create a snapshot from a set of args"),
      N_("Take a snapshot of a domain described by the options, or print its XML."), false },
    { "snapshot-current", cmdSnapshotCurrent, opts_snapshot_current, N_("Get the current snapshot"),
      N_("Print the XML or the name of the domain's current snapshot."), false },
    { "snapshot-delete", cmdSnapshotDelete, opts_snapshot_delete, N_("Delete a domain snapshot"),
      N_("Delete a snapshot, its descendants, or only their metadata."), false },
    { "snapshot-dumpxml", cmdSnapshotDumpXML, opts_snapshot_dumpxml,
      N_("Dump XML for a domain snapshot"), N_("Print the XML of a snapshot."), false },
    { "snapshot-info", cmdSnapshotInfo, opts_snapshot_info, N_("snapshot information"),
      N_("Print basic information about a snapshot."), false },
    { "snapshot-list", cmdSnapshotList, opts_snapshot_list, N_("List snapshots for a domain"),
      N_("List the snapshots of a domain as a table, names or a tree."), false },
    { "snapshot-parent", cmdSnapshotParent, opts_snapshot_parent,
      N_("Get the name of the parent of a snapshot"),
      N_("Print the name of a snapshot's parent, if it has one."), false },
    { "snapshot-revert", cmdSnapshotRevert, opts_snapshot_revert,
      N_("Revert a domain to a snapshot"),
      N_("Bring a domain back to the state of a snapshot; what changed since is lost."), false },
    { NULL, NULL, NULL, NULL, NULL, false },
};
