#define _GNU_SOURCE
#include "CShims.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <linux/if_tun.h>

int tunnel_tun_open(const char *name, char *actual_name, size_t actual_name_len) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (name != NULL && name[0] != '\0') {
        if (strlen(name) >= IFNAMSIZ) { close(fd); return -ENAMETOOLONG; }
        strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    }
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    if (actual_name != NULL && actual_name_len > 0) {
        strncpy(actual_name, ifr.ifr_name, actual_name_len - 1);
        actual_name[actual_name_len - 1] = '\0';
    }
    return fd;
}

int tunnel_setns_net(int fd) {
    return setns(fd, CLONE_NEWNET) == 0 ? 0 : -errno;
}
