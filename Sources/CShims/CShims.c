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
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <linux/icmp.h>

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

int tunnel_tun_is_attached(int fd) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    if (ioctl(fd, TUNGETIFF, &ifr) == 0) return 1;
    return errno == EBADFD ? 0 : -errno;
}

int tunnel_setns_net(int fd) {
    return setns(fd, CLONE_NEWNET) == 0 ? 0 : -errno;
}

int tunnel_recv_batch(int fd, void *buffers, size_t buffer_size, unsigned count,
                      struct sockaddr_in6 *addrs, unsigned *lengths, unsigned char *truncated) {
    struct mmsghdr msgs[TUNNEL_MAX_BATCH];
    struct iovec iov[TUNNEL_MAX_BATCH];
    if (count > TUNNEL_MAX_BATCH) count = TUNNEL_MAX_BATCH;
    memset(msgs, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        iov[i].iov_base = (char *)buffers + (size_t)i * buffer_size;
        iov[i].iov_len = buffer_size;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &addrs[i];
        msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
    }
    int n = recvmmsg(fd, msgs, count, MSG_DONTWAIT, NULL);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        lengths[i] = msgs[i].msg_len;
        truncated[i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    }
    return n;
}

int tunnel_send_batch(int fd, void *const *starts, const unsigned *lengths,
                      const struct sockaddr_in6 *addrs, unsigned count) {
    struct mmsghdr msgs[TUNNEL_MAX_BATCH];
    struct iovec iov[TUNNEL_MAX_BATCH];
    if (count > TUNNEL_MAX_BATCH) count = TUNNEL_MAX_BATCH;
    memset(msgs, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        iov[i].iov_base = starts[i];
        iov[i].iov_len = lengths[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = (void *)&addrs[i];
        msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
    }
    int n = sendmmsg(fd, msgs, count, MSG_DONTWAIT);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -errno;
    return n;
}

int tunnel_raw_send_socket(int family) {
    int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
    return fd < 0 ? -errno : fd;
}

int tunnel_raw_icmp_socket(int family) {
    int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
    int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd < 0) return -errno;
    int rc;
    if (family == AF_INET) {
        /* Bits set are types the kernel does NOT pass to us. */
        struct icmp_filter filter;
        filter.data = ~((1U << ICMP_ECHOREPLY) | (1U << ICMP_DEST_UNREACH) |
                        (1U << ICMP_TIME_EXCEEDED) | (1U << ICMP_PARAMETERPROB));
        rc = setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof filter);
    } else {
        struct icmp6_filter filter;
        ICMP6_FILTER_SETBLOCKALL(&filter);
        ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &filter);
        rc = setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
        int on = 1;
        if (rc == 0) rc = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
        if (rc == 0) rc = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
    }
    if (rc != 0) { int err = errno; close(fd); return -err; }
    return fd;
}

int tunnel_recv_icmp6_with_header(int fd, void *buffer, size_t capacity) {
    const size_t header = 40;
    if (capacity <= header) return -EINVAL;
    struct sockaddr_in6 from;
    struct iovec iov = { (char *)buffer + header, capacity - header };
    char control[256];
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -errno;
    if (msg.msg_flags & MSG_TRUNC) return -EMSGSIZE;
    struct in6_addr to;
    int have_to = 0, hop_limit = 64;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != IPPROTO_IPV6) continue;
        if (c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo info;
            memcpy(&info, CMSG_DATA(c), sizeof info);
            to = info.ipi6_addr;
            have_to = 1;
        } else if (c->cmsg_type == IPV6_HOPLIMIT) {
            memcpy(&hop_limit, CMSG_DATA(c), sizeof hop_limit);
        }
    }
    if (!have_to) return -EPROTO;
    unsigned char *h = buffer;
    memset(h, 0, header);
    h[0] = 0x60;
    h[4] = (unsigned char)(n >> 8);
    h[5] = (unsigned char)n;
    h[6] = IPPROTO_ICMPV6;
    h[7] = (unsigned char)hop_limit;
    memcpy(h + 8, &from.sin6_addr, 16);
    memcpy(h + 24, &to, 16);
    return (int)(header + n);
}
