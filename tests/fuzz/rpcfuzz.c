/* rpcfuzz.c: libFuzzer target for qvirtd's side of libvirt's remote protocol. The input is
 * what a client writes to the daemon's socket: a stream of messages (length word, header,
 * payload), framed, decoded and dispatched by the daemon's own code, as a read-write client
 * of a state root that holds defined domains and snapshots, so that calls get past lookups
 * into their handlers and the QEMU driver. Every call must be answered in order, all that
 * the daemon writes must be well framed, and every input starts from the same root. */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qvirtd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Starting QEMU spawns the supervisor, and offline snapshots qemu-img: pointed at a path
 * that does not exist, each attempt fails at once in GLib's spawn (its exec), with the
 * error the driver reports for a missing helper, and nothing runs. A stub driver would
 * keep the target fast too, but would stop every call at the driver table. */
#define RPCFUZZ_NO_HELPER "/nonexistent/qvirt-rpcfuzz-helper"

/* The domains of the root; the seed corpus names them by these names and UUIDs. alpha's
 * disk lives in the root (@ROOT@), for its snapshots. */
static const char *const rpcFuzzDomains[] = {
    "<domain type='qemu'><name>alpha</name>"
    "<uuid>00000000-0000-4000-8000-000000000001</uuid><memory>219136</memory>"
    "<os><type>hvm</type></os><devices><disk type='file' device='disk'>"
    "<driver name='qemu' type='qcow2'/><source file='@ROOT@/images/alpha.qcow2'/>"
    "<target dev='vda' bus='virtio'/></disk></devices></domain>",

    "<domain type='qemu'><name>beta</name><uuid>00000000-0000-4000-8000-000000000002</uuid>"
    "<memory unit='MiB'>256</memory><vcpu>1</vcpu>"
    "<os><type arch='x86_64' machine='pc'>hvm</type><kernel>/nonexistent/vmlinuz</kernel>"
    "<cmdline>console=ttyS0</cmdline></os><features><acpi/></features><devices>"
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
    "<source file='/nonexistent/beta.qcow2'/><target dev='vda' bus='virtio'/></disk>"
    "<serial type='pty'/><channel type='unix'><source mode='bind'/>"
    "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
    "<memballoon model='none'/></devices></domain>",

    "<domain type='kvm'><name>gamma</name><uuid>00000000-0000-4000-8000-000000000003</uuid>"
    "<memory unit='KiB'>2097152</memory><vcpu placement='static' current='2'>4</vcpu>"
    "<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='hd'/></os>"
    "<features><acpi/><apic/></features><cpu mode='host-passthrough'/>"
    "<on_poweroff>destroy</on_poweroff><devices>"
    "<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
    "<source file='/nonexistent/gamma.img'/><target dev='sda' bus='sata'/></disk>"
    "<interface type='user'><mac address='52:54:00:12:34:56'/><model type='virtio'/>"
    "</interface><rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
    "</devices></domain>",
};

/* alpha's snapshots, s1 then s2 on top: external, disk-only, onto overlays that exist
 * (REUSE_EXT), so that taking them needs no qemu-img. */
static const char *const rpcFuzzSnapshots[] = {
    "<domainsnapshot><name>s1</name><description>first</description><disks>"
    "<disk name='vda' snapshot='external'><source file='@ROOT@/images/alpha.s1'/></disk>"
    "</disks></domainsnapshot>",
    "<domainsnapshot><name>s2</name><disks>"
    "<disk name='vda' snapshot='external'><source file='@ROOT@/images/alpha.s2'/></disk>"
    "</disks></domainsnapshot>",
};

/* ---- the state root, and putting it back after an input changed it ---- */

static struct {
    char *root;
    GPtrArray *baseline; /* rpcFuzzEntry, in path order */
    int watch; /* inotify on the root and its directories: did the input change any? */
    qvdConfig cfg;
    qvdServer server;
} rpcFuzz;

typedef struct {
    char *rel; /* path under the root */
    bool dir;
    guint mode;
    GBytes *contents; /* files */
} rpcFuzzEntry;

static void rpcFuzzEntryFree(gpointer p)
{
    rpcFuzzEntry *e = p;

    g_free(e->rel);
    if (e->contents)
        g_bytes_unref(e->contents);
    g_free(e);
}

/* Every entry under dir, with the files' contents. */
static void rpcFuzzWalk(const char *root, const char *rel, GPtrArray *out)
{
    g_autofree char *dirPath = rel ? g_build_filename(root, rel, NULL) : g_strdup(root);
    g_autoptr(GDir) dir = g_dir_open(dirPath, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(dirPath, name, NULL);
        rpcFuzzEntry *e = g_new0(rpcFuzzEntry, 1);
        struct stat st;

        e->rel = rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
        g_ptr_array_add(out, e);
        if (lstat(path, &st) < 0)
            abort();
        e->dir = S_ISDIR(st.st_mode);
        e->mode = st.st_mode & 07777;
        if (e->dir) {
            rpcFuzzWalk(root, e->rel, out);
        } else {
            g_autofree char *text = NULL;
            gsize len = 0;

            if (!g_file_get_contents(path, &text, &len, NULL))
                abort();
            e->contents = g_bytes_new(text, len);
        }
    }
}

static gint rpcFuzzEntryCompare(gconstpointer a, gconstpointer b)
{
    return strcmp((*(rpcFuzzEntry *const *)a)->rel, (*(rpcFuzzEntry *const *)b)->rel);
}

/* Watch the root and its directories for any change (reads do not count): a mutating
 * input then costs a restore, a reading one a read() that finds nothing. */
static void rpcFuzzWatch(void)
{
    const uint32_t mask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM |
                          IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;
    guint i;

    if (rpcFuzz.watch >= 0)
        close(rpcFuzz.watch);
    if ((rpcFuzz.watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
        inotify_add_watch(rpcFuzz.watch, rpcFuzz.root, mask) < 0)
        abort();
    for (i = 0; i < rpcFuzz.baseline->len; i++) {
        rpcFuzzEntry *e = rpcFuzz.baseline->pdata[i];
        g_autofree char *path = g_build_filename(rpcFuzz.root, e->rel, NULL);

        if (e->dir && inotify_add_watch(rpcFuzz.watch, path, mask) < 0)
            abort();
    }
}

static bool rpcFuzzChanged(void)
{
    char buf[4096];
    bool changed = false;

    while (read(rpcFuzz.watch, buf, sizeof(buf)) > 0)
        changed = true; /* an event, or the queue overflowed: either way, something changed */
    return changed;
}

static void rpcFuzzRemoveUnder(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        struct stat st;

        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode)) {
            rpcFuzzRemoveUnder(child);
            rmdir(child);
        } else {
            unlink(child);
        }
    }
}

/* The root as it was before the first input (an input that defined a thousand domains
 * must not slow down the ones after it). */
static bool rpcFuzzRestore(void)
{
    guint i;

    if (!rpcFuzzChanged())
        return false;
    rpcFuzzRemoveUnder(rpcFuzz.root);
    for (i = 0; i < rpcFuzz.baseline->len; i++) {
        rpcFuzzEntry *e = rpcFuzz.baseline->pdata[i];
        g_autofree char *path = g_build_filename(rpcFuzz.root, e->rel, NULL);

        if (e->dir) {
            if (mkdir(path, e->mode) < 0 || chmod(path, e->mode) < 0)
                abort();
        } else {
            gsize len = 0;
            const char *text = g_bytes_get_data(e->contents, &len);

            if (!g_file_set_contents(path, text ? text : "", (gssize)len, NULL) ||
                chmod(path, e->mode) < 0)
                abort();
        }
    }
    rpcFuzzWatch();
    return true;
}

static void rpcFuzzCleanup(void)
{
    if (rpcFuzz.root) {
        rpcFuzzRemoveUnder(rpcFuzz.root);
        rmdir(rpcFuzz.root);
    }
}

/* Library and daemon messages (the daemon logs every mutating call) would only slow the
 * fuzzer down; a critical is a bug. */
static GLogWriterOutput rpcFuzzLogWriter(GLogLevelFlags level, const GLogField *fields,
                                         gsize nfields, gpointer unused)
{
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
        g_log_writer_default(level, fields, nfields, unused);
        abort();
    }
    return G_LOG_WRITER_HANDLED;
}

/* ---- messages ---- */

/* Drain what the daemon wrote to the client so far, and flush what it queued. */
static void rpcFuzzDrain(int fd, GByteArray *out)
{
    guint8 buf[65536];

    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

        if (n > 0) {
            g_byte_array_append(out, buf, n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        /* replies that did not fit the socket wait for the I/O thread's watch */
        if (!g_main_context_iteration(NULL, FALSE))
            return;
    }
}

/* The (prog, proc, serial) of each call in the input that the daemon takes, in order:
 * whole messages up to the first it must refuse (an invalid length, a header that does
 * not decode). */
static GArray *rpcFuzzCalls(const uint8_t *data, size_t size, bool *refused)
{
    GArray *calls = g_array_new(FALSE, FALSE, sizeof(remote_message_header));

    *refused = false;
    for (;;) {
        gssize total = qvRPCFrameLength(data, size, rpcFuzz.cfg.maxMessage);
        remote_message_header hdr;

        if (total == 0 || (total > 0 && (size_t)total > size))
            break;
        if (total < 0 || !qvRPCDecodeHeader((const char *)data + QV_RPC_LENGTH_WORD,
                                            total - QV_RPC_LENGTH_WORD, &hdr)) {
            *refused = true;
            break;
        }
        if (hdr.type == QV_RPC_CALL)
            g_array_append_val(calls, hdr);
        data += total;
        size -= total;
    }
    return calls;
}

/* What the daemon wrote: whole, well-formed messages, a reply to each call in order (the
 * calls run one after the other here), nothing else but keepalive and events. */
static void rpcFuzzCheckOutput(GByteArray *out, GArray *calls, bool dropped)
{
    const guint8 *p = out->data;
    gsize left = out->len;
    guint next = 0;

    while (left) {
        gssize total = qvRPCFrameLength(p, left, REMOTE_MESSAGE_MAX);
        remote_message_header hdr;

        if (total == 0 || (total > 0 && (gsize)total > left)) {
            if (dropped)
                break; /* the connection closed in the middle of a message */
            __builtin_trap();
        }
        if (total < 0 || !qvRPCDecodeHeader((const char *)p + QV_RPC_LENGTH_WORD,
                                            total - QV_RPC_LENGTH_WORD, &hdr))
            __builtin_trap();
        if (hdr.type == QV_RPC_REPLY) {
            const remote_message_header *call;

            if (next >= calls->len)
                __builtin_trap(); /* a reply to no call */
            call = &g_array_index(calls, remote_message_header, next++);
            if (hdr.prog != call->prog || hdr.vers != call->vers || hdr.proc != call->proc ||
                hdr.serial != call->serial ||
                (hdr.status != QV_RPC_OK && hdr.status != QV_RPC_ERROR))
                __builtin_trap();
        } else if (hdr.type != QV_RPC_MESSAGE) {
            __builtin_trap();
        }
        p += total;
        left -= total;
    }
    if (!dropped && next != calls->len)
        __builtin_trap(); /* a call nobody answered */
}

/* One client's conversation: its connection is open (as after CONNECT_OPEN) so that the
 * input's calls reach their handlers; the input may open it again, read-only too. */
static void rpcFuzzConverse(const uint8_t *data, size_t size)
{
    g_autoptr(GByteArray) out = g_byte_array_new();
    g_autoptr(GArray) calls = NULL;
    qvdClient *client;
    bool refused, dropped;
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
        abort();
    client = qvdClientNew(&rpcFuzz.server, sv[0], false);
    client->conn = qvConnectOpen(rpcFuzz.server.uri);
    if (!client->conn)
        abort();
    qvdClientRef(client); /* ours; the creation's goes when the daemon drops the client */

    calls = rpcFuzzCalls(data, size, &refused);
    if (size)
        qvdClientTestInput(client, (const char *)data, size);
    dropped = client->dead;
    /* events the calls caused are delivered from the default main context */
    rpcFuzzDrain(sv[1], out);
    rpcFuzzCheckOutput(out, calls, dropped);
    if (refused != dropped)
        __builtin_trap();

    qvdClientTestInput(client, NULL, 0); /* the client hangs up */
    rpcFuzzDrain(sv[1], out);
    if (client->fd >= 0)
        close(client->fd);
    qvdClientUnref(client);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    close(sv[1]);
}

static char *rpcFuzzWithRoot(const char *xml)
{
    g_auto(GStrv) parts = g_strsplit(xml, "@ROOT@", -1);

    return g_strjoinv(rpcFuzz.root, parts);
}

/* The root could not be set up: the target would fuzz nothing. */
static G_NORETURN void rpcFuzzSetupFailed(const char *what)
{
    fprintf(stderr, "rpcfuzz: %s: %s\n", what, qvGetLastErrorMessage());
    abort();
}

/* Roots of earlier runs that crashed (atexit never ran): their process is gone. */
static void rpcFuzzRemoveStale(const char *base)
{
    g_autoptr(GDir) dir = g_dir_open(base, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        long long pid;
        char *end = NULL;

        if (!g_str_has_prefix(name, "qvrpcfuzz-"))
            continue;
        pid = g_ascii_strtoll(name + strlen("qvrpcfuzz-"), &end, 10);
        if (pid > 0 && end && *end == '-' && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
            g_autofree char *path = g_build_filename(base, name, NULL);

            rpcFuzzRemoveUnder(path);
            rmdir(path);
        }
    }
}

static void rpcFuzzInit(void)
{
    const char *base = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir();
    g_autofree char *name = g_strdup_printf("qvrpcfuzz-%lld-XXXXXX", (long long)getpid());
    g_autofree char *tmpl = g_build_filename(base, name, NULL);
    qvConnectPtr conn;
    qvDomainPtr dom;
    size_t i;

    g_log_set_writer_func(rpcFuzzLogWriter, NULL, NULL);
    g_setenv("QVIRT_QEMU_SUPERVISOR", RPCFUZZ_NO_HELPER, TRUE);
    g_setenv("QVIRT_QEMU_IMG", RPCFUZZ_NO_HELPER, TRUE);
    rpcFuzzRemoveStale(base);
    if (!(rpcFuzz.root = g_mkdtemp(g_steal_pointer(&tmpl))))
        abort();
    atexit(rpcFuzzCleanup);

    rpcFuzz.cfg.root = rpcFuzz.root;
    rpcFuzz.cfg.maxMessage = 1024 * 1024;
    rpcFuzz.cfg.maxCallsPerClient = 5;
    rpcFuzz.cfg.maxEventBacklog = 1024 * 1024;
    rpcFuzz.cfg.maxClients = 5000;
    rpcFuzz.cfg.maxAnonymousClients = 20;
    rpcFuzz.server.cfg = &rpcFuzz.cfg;
    rpcFuzz.server.listenFd = rpcFuzz.server.listenROFd = -1; /* no sockets */
    rpcFuzz.server.uri = g_strdup_printf("qvirt:///embed?root=%s", rpcFuzz.root);
    rpcFuzz.server.clients = g_hash_table_new(g_direct_hash, g_direct_equal);
    /* workers NULL: every call runs in this thread, deterministically */

    if (!(conn = qvConnectOpen(rpcFuzz.server.uri)))
        rpcFuzzSetupFailed("cannot open the root");
    for (i = 0; i < G_N_ELEMENTS(rpcFuzzDomains); i++) {
        g_autofree char *xml = rpcFuzzWithRoot(rpcFuzzDomains[i]);

        if (!(dom = qvDomainDefineXML(conn, xml)))
            rpcFuzzSetupFailed("cannot define a domain");
        qvDomainFree(dom);
    }
    {
        g_autofree char *images = g_build_filename(rpcFuzz.root, "images", NULL);
        const char *const files[] = { "alpha.qcow2", "alpha.s1", "alpha.s2" };

        if (g_mkdir_with_parents(images, 0700) < 0)
            rpcFuzzSetupFailed("cannot create the images directory");
        for (i = 0; i < G_N_ELEMENTS(files); i++) {
            g_autofree char *path = g_build_filename(images, files[i], NULL);

            if (!g_file_set_contents(path, "", 0, NULL))
                rpcFuzzSetupFailed("cannot create an image");
        }
    }
    if (!(dom = qvDomainLookupByName(conn, "alpha")))
        rpcFuzzSetupFailed("cannot find alpha");
    for (i = 0; i < G_N_ELEMENTS(rpcFuzzSnapshots); i++) {
        g_autofree char *xml = rpcFuzzWithRoot(rpcFuzzSnapshots[i]);
        qvDomainSnapshotPtr snap = qvDomainSnapshotCreateXML(
            dom, xml, QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | QV_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT);

        if (!snap)
            rpcFuzzSetupFailed("cannot create a snapshot");
        qvDomainSnapshotFree(snap);
    }
    qvDomainFree(dom);
    /* a failed start leaves the directories it made: make them part of the root */
    dom = qvDomainLookupByName(conn, "alpha");
    if (!dom || qvDomainCreate(dom) == 0)
        rpcFuzzSetupFailed("a domain started (or was not found)");
    qvDomainFree(dom);
    qvConnectClose(conn);
    qvResetLastError();
    while (g_main_context_iteration(NULL, FALSE))
        ;

    rpcFuzz.baseline = g_ptr_array_new_with_free_func(rpcFuzzEntryFree);
    rpcFuzzWalk(rpcFuzz.root, NULL, rpcFuzz.baseline);
    g_ptr_array_sort(rpcFuzz.baseline, rpcFuzzEntryCompare); /* a directory before its entries */
    rpcFuzz.watch = -1;
    rpcFuzzWatch();

    /* once per process: the daemon asks the default emulator for its version */
    {
        static const uint8_t getVersion[] = {
            0, 0, 0, 28, 0x20, 0x00, 0x80, 0x86, 0, 0, 0, 1, 0, 0,
            0, 4, 0, 0,  0,    0,    0,    0,    0, 1, 0, 0, 0, 0,
        };

        rpcFuzzConverse(getVersion, sizeof(getVersion));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static qvConnectPtr anchor;

    if (!rpcFuzz.root)
        rpcFuzzInit();
    if (!anchor && !(anchor = qvConnectOpen(rpcFuzz.server.uri)))
        abort();
    rpcFuzzConverse(data, size);
    if (rpcFuzzRestore()) {
        qvConnectClose(anchor);
        anchor = NULL;
    }
    qvResetLastError();
    return 0;
}
