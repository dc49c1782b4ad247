/* qemu_freeze.h: the guest's filesystems frozen and thawed through the agent at the
 * user's request (domfsfreeze, domfsthaw), always guarded: the supervisor thaws a guest
 * its freezer left frozen. (A quiesced snapshot's freeze is the supervisor's own step.) */
#pragma once

#include "qemu_domain.h"

/* How long a guest may stay frozen before its supervisor thaws it
 * ($QVIRT_FREEZE_GUARD_SECONDS, default 300). */
int qemuFreezeGuardSeconds(void);
/* Arm (seconds > 0) or disarm (0) the supervisor's auto-thaw for obj. Recorded in the
 * supervisor's status before a freeze is sent, so that it survives the caller: a freeze
 * the user asked for (domfsfreeze) outlives the command, as libvirt's does. (A quiesced
 * snapshot's freeze is the supervisor's own: qemuSvSnapshotSwitch.) */
int qemuDomainFreezeGuard(qemuDriver *driver, domainObj *obj, long long seconds);
/* Thaw ahead of any queued agent work, verify with fsfreeze-status, retry, and disarm the
 * guard once the guest is thawed. Returns the number thawed, or -1 (the guard stays
 * armed: the supervisor keeps trying). */
int qemuDomainThawVerified(qemuDriver *driver, domainObj *obj, qemuAgent *agent);

/* Tell every qvirt process connected to obj's supervisor (an fs-freeze event) that the
 * guest was frozen, thawed or not thawed (state: frozen, thawed, thaw-failed) by a
 * request or a snapshot (reason). Best effort: a failure is logged, not reported. */
void qemuDomainFSEvent(qemuDriver *driver, domainObj *obj, const char *state, const char *reason);
