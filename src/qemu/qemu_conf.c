/* qemu_conf.c: the directory layout under a root, and per-run socket paths. */
#include <config.h>

#include <unistd.h>

#include "qemu_conf.h"
#include "qverror.h"

#define QV_FROM_THIS QV_FROM_QEMU

qemuDriverConfig *qemuDriverConfigNew(const char *root)
{
    qemuDriverConfig *cfg = g_new0(qemuDriverConfig, 1);

    cfg->root = g_canonicalize_filename(root, NULL);
    cfg->configDir = g_build_filename(cfg->root, "etc", "qemu", NULL);
    cfg->stateDir = g_build_filename(cfg->root, "run", "qemu", NULL);
    cfg->libDir = g_build_filename(cfg->root, "lib", "qemu", NULL);
    cfg->channelTargetDir = g_build_filename(cfg->libDir, "channel", "target", NULL);
    cfg->logDir = g_build_filename(cfg->root, "log", "qemu", NULL);
    cfg->snapshotDir = g_build_filename(cfg->libDir, "snapshot", NULL);
    cfg->defaultEmulator = g_strdup(QEMU_DEFAULT_EMULATOR);
    return cfg;
}

void qemuDriverConfigFree(qemuDriverConfig *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->root);
    g_free(cfg->configDir);
    g_free(cfg->stateDir);
    g_free(cfg->libDir);
    g_free(cfg->channelTargetDir);
    g_free(cfg->logDir);
    g_free(cfg->snapshotDir);
    g_free(cfg->defaultEmulator);
    g_free(cfg);
}

char *qemuDriverDefaultRoot(void)
{
    if (geteuid() == 0)
        return g_strdup("/var/lib/qvirt");
    return g_build_filename(g_get_user_state_dir(), "qvirt", NULL);
}

char *qemuDomainShortName(const domainDef *def)
{
    const char *end = def->name;

    /* whole UTF-8 characters only, like libvirt */
    while (*end) {
        const char *next = g_utf8_next_char(end);

        if (next - def->name > 20)
            break;
        end = next;
    }
    return g_strdup_printf("%d-%.*s", def->id, (int)(end - def->name), def->name);
}

char *qemuDomainRuntimeDir(const qemuDriverConfig *cfg, const domainDef *def)
{
    g_autofree char *shortName = qemuDomainShortName(def);
    g_autofree char *dir = g_strdup_printf("domain-%s", shortName);

    return g_build_filename(cfg->stateDir, dir, NULL);
}

char *qemuDomainHomeDir(const qemuDriverConfig *cfg, const domainDef *def)
{
    g_autofree char *shortName = qemuDomainShortName(def);
    g_autofree char *dir = g_strdup_printf("domain-%s", shortName);

    return g_build_filename(cfg->libDir, dir, NULL);
}

char *qemuDomainChannelDir(const qemuDriverConfig *cfg, const domainDef *def)
{
    g_autofree char *shortName = qemuDomainShortName(def);
    g_autofree char *dir = g_strdup_printf("domain-%s", shortName);

    return g_build_filename(cfg->channelTargetDir, dir, NULL);
}

char *qemuDomainMonitorPath(const qemuDriverConfig *cfg, const domainDef *def)
{
    g_autofree char *dir = qemuDomainRuntimeDir(cfg, def);

    return g_build_filename(dir, "monitor.sock", NULL);
}

char *qemuDomainProxyPath(const qemuDriverConfig *cfg, const domainDef *def)
{
    g_autofree char *dir = qemuDomainRuntimeDir(cfg, def);

    return g_build_filename(dir, "qmp.sock", NULL);
}

char *qemuDomainAgentRelayPath(const qemuDriverConfig *cfg, const domainDef *def)
{
    g_autofree char *dir = qemuDomainRuntimeDir(cfg, def);

    return g_build_filename(dir, "agent.sock", NULL);
}

char *qemuDomainStateFile(const qemuDriverConfig *cfg, const char *name, const char *suffix)
{
    g_autofree char *file = g_strdup_printf("%s.%s", name, suffix);

    return g_build_filename(cfg->stateDir, file, NULL);
}

char *qemuDomainLogPath(const qemuDriverConfig *cfg, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.log", name);

    return g_build_filename(cfg->logDir, file, NULL);
}

static int qemuCheckSocketPath(const char *what, const char *path)
{
    size_t len = strlen(path);

    if (len > QEMU_UNIX_PATH_MAX) {
        qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                      _("%s socket path '%s' is %zu bytes long; UNIX sockets allow at most %d: "
                        "choose a shorter qvirt root or domain name"),
                      what, path, len, QEMU_UNIX_PATH_MAX);
        return -1;
    }
    return 0;
}

int qemuDomainPrepareChannels(const qemuDriverConfig *cfg, domainDef *def)
{
    g_autofree char *monitor = qemuDomainMonitorPath(cfg, def);
    g_autofree char *dir = qemuDomainChannelDir(cfg, def);
    size_t i;

    g_return_val_if_fail(def->id >= 0, -1);
    if (qemuCheckSocketPath(_("monitor"), monitor) < 0)
        return -1;
    for (i = 0; i < def->nchannels; i++) {
        domainChrDef *chr = def->channels[i];

        if (chr->source.type != DOMAIN_CHR_TYPE_UNIX)
            continue;
        if (!chr->source.path || chr->source.autopath) {
            g_autofree char *file = chr->targetName
                                        ? g_strdup(chr->targetName)
                                        : g_strdup_printf("vioser-00-00-%02u.sock", chr->vsPort);

            g_free(chr->source.path);
            chr->source.path = g_build_filename(dir, file, NULL);
            chr->source.autopath = true;
        }
        if (qemuCheckSocketPath(_("channel"), chr->source.path) < 0)
            return -1;
    }
    for (i = 0; i < def->nserials; i++) {
        if (def->serials[i]->source.type == DOMAIN_CHR_TYPE_UNIX &&
            qemuCheckSocketPath(_("serial"), def->serials[i]->source.path) < 0)
            return -1;
    }
    return 0;
}

void qemuDomainDropAutoPaths(const qemuDriverConfig *cfg, domainDef *def)
{
    g_autofree char *prefix = g_strdup_printf("%s/domain-", cfg->channelTargetDir);
    size_t i;

    for (i = 0; i < def->nchannels; i++) {
        domainChrDef *chr = def->channels[i];

        if (chr->source.type == DOMAIN_CHR_TYPE_UNIX && chr->source.path &&
            g_str_has_prefix(chr->source.path, prefix))
            g_clear_pointer(&chr->source.path, g_free);
    }
}
