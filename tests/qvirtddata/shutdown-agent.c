/* shutdown-agent.c: a program built against libvirt-dev, as users write them:
 * virConnectOpen, virDomainLookupByName, virDomainShutdownFlags(GUEST_AGENT). */
#include <stdio.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

int main(int argc, char **argv)
{
    virConnectPtr conn;
    virDomainPtr dom;
    int ret = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: %s URI DOMAIN\n", argv[0]);
        return 2;
    }
    if (!(conn = virConnectOpen(argv[1]))) {
        fprintf(stderr, "virConnectOpen: %s\n", virGetLastErrorMessage());
        return 1;
    }
    if (!(dom = virDomainLookupByName(conn, argv[2]))) {
        fprintf(stderr, "virDomainLookupByName: %s\n", virGetLastErrorMessage());
    } else if (virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_GUEST_AGENT) < 0) {
        fprintf(stderr, "virDomainShutdownFlags: %s (code %d)\n", virGetLastErrorMessage(),
                virGetLastErrorCode());
    } else {
        printf("shutdown requested through the guest agent\n");
        ret = 0;
    }
    if (dom)
        virDomainFree(dom);
    virConnectClose(conn);
    return ret;
}
