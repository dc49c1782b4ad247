/* qvsh.h: the command table, option model and helpers shared by qvsh's command files. */
#pragma once

#include "internal.h"

typedef enum {
    QVSH_OT_BOOL, /* --flag */
    QVSH_OT_STRING, /* --name value */
    QVSH_OT_INT, /* --name number */
} qvshOptType;

typedef enum {
    QVSH_OFLAG_REQ = 1 << 0, /* must be given */
    QVSH_OFLAG_POSITIONAL = 1 << 1, /* may be given without its --name, in table order */
    QVSH_OFLAG_MULTI = 1 << 2, /* a string option that may repeat (positional: takes the rest) */
} qvshOptFlags;

typedef struct {
    const char *name;
    qvshOptType type;
    unsigned int flags;
    const char *help;
} qvshCmdOptDef;

typedef struct _qvshControl qvshControl;
typedef struct _qvshCmd qvshCmd;

typedef struct {
    const char *name;
    bool (*handler)(qvshControl *ctl, const qvshCmd *cmd);
    const qvshCmdOptDef *opts; /* ends with a NULL name */
    const char *help; /* one line, for the command list */
    const char *desc; /* DESCRIPTION paragraph */
    bool noConnect; /* runs without opening a connection */
} qvshCmdDef;

typedef struct {
    const char *name;
    const char *keyword;
    const qvshCmdDef *cmds; /* ends with a NULL name */
} qvshCmdGroup;

struct _qvshCmd {
    const qvshCmdDef *def;
    GHashTable *values; /* option name -> value ("" for booleans; the last of a MULTI) */
    GHashTable *lists; /* MULTI option name -> GPtrArray of every value, in order */
};

struct _qvshControl {
    char *uri;
    qvConnectPtr conn;
    bool quiet;
    bool readonly;
};

extern const qvshCmdGroup qvshGroups[];
extern const qvshCmdDef qvshDomainCmds[];
extern const qvshCmdDef qvshHostCmds[];
extern const qvshCmdDef qvshLifecycleCmds[];
extern const qvshCmdDef qvshMonitorCmds[];
extern const qvshCmdDef qvshSnapshotCmds[];

/* virsh's table: rows of ncols strings, the first row the header. */
void qvshPrintTable(GPtrArray *rows, size_t ncols);

/* virsh's words for domain states and their reasons (translated). */
const char *qvshDomainStateToString(int state);
const char *qvshDomainStateReasonToString(int state, int reason);

/* option access */
const char *qvshOptString(const qvshCmd *cmd, const char *name);
bool qvshOptBool(const qvshCmd *cmd, const char *name);
/* Every value of a MULTI option, NULL-terminated (NULL when none was given). */
const char *const *qvshOptStrings(const qvshCmd *cmd, const char *name, size_t *n);
/* 0 when absent, 1 when set, -1 (reported) when not an integer */
int qvshOptInt(const qvshCmd *cmd, const char *name, int *value);

/* output */
void qvshPrint(qvshControl *ctl, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void qvshError(qvshControl *ctl, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Print the library's last error as "error: ..."; file, when given, replaces the
 * "(domain_definition)" placeholder so that XML errors say file:line. */
void qvshReportError(qvshControl *ctl, const char *file);

/* Find a domain given as "--domain" by id, UUID or name, like virsh. */
qvDomainPtr qvshCommandOptDomain(qvshControl *ctl, const qvshCmd *cmd, const char **name);
/* Read an XML file given on the command line, with qvirt's size limit. */
char *qvshReadFile(qvshControl *ctl, const char *path);

/* The table: lookup and help. */
const qvshCmdDef *qvshCommandLookup(const char *name);
bool qvshCmdHelp(qvshControl *ctl, const qvshCmd *cmd);
