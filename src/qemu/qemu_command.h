/* qemu_command.h: domain definition -> QEMU environment and argv; pure, starts nothing. */
#pragma once

#include "qemu_conf.h"
#include "qemu_status.h"
#include "qvjson.h"

typedef struct {
    GPtrArray *env; /* "NAME=value" strings */
    GPtrArray *argv; /* argv[0] is the emulator */
    GArray *files; /* qemuLaunchFile: what QEMU's -add-fd options expect to be open */
} qemuCommand;

/* The descriptor number of the first file QEMU is handed (-add-fd fd=N). */
#define QEMU_COMMAND_FIRST_FD 100

void qemuCommandFree(qemuCommand *cmd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuCommand, qemuCommandFree)

/*
 * Build the command for def, which qemuDomainPrepareChannels() has prepared for this run
 * (id set, channel socket paths chosen). QEMU 7.2 or later; JSON -device/-blockdev.
 */
qemuCommand *qemuBuildCommandLine(const qemuDriverConfig *cfg, const domainDef *def);

/* One line, shell-quoted where needed (for users); or one item per line ending in " \"
 * (for golden files). */
char *qemuCommandToString(const qemuCommand *cmd, bool multiline);

/* QEMU's option syntax doubles commas inside values. */
void qemuBufferEscapeComma(GString *buf, const char *str);

/* Names the command line gives to a domain's QEMU objects, shared with the monitor code. */
char *qemuDiskDeviceAlias(const domainDiskDef *disk);
/* The -blockdev (blockdev-add) properties of one image of disk's chain: its protocol
 * node, and the format node over it (top: the writable top of the chain). The caller adds
 * the format node's backing. */
qvJSONValue *qemuBlockStorageProps(const domainDiskDef *disk, const domainStorageSource *src,
                                   const char *node);
qvJSONValue *qemuBlockFormatProps(const domainDiskDef *disk, const domainStorageSource *src,
                                  const char *node, const char *storage, bool top);
char *qemuChannelAlias(size_t idx);
