#define _GNU_SOURCE
#include "CShims.h"
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
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
#include <netinet/udp.h>
#include <sys/uio.h>
#include <sys/prctl.h>

/* Newer than some installed headers; the values are the kernel's ABI. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

/* The kernel's UDP_MAX_SEGMENTS (64 in older kernels, 128 in newer ones). */
#define TUNNEL_GSO_MAX_SEGMENTS 64
/* Largest UDP payload one GSO send may carry: 65535 minus IPv6 and UDP headers. */
#define TUNNEL_GSO_MAX_BYTES (65535 - 40 - 8)

int tunnel_tun_open(const char *name, char *actual_name, size_t actual_name_len, int vnet_header) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (vnet_header ? IFF_VNET_HDR : 0);
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

unsigned tunnel_tun_enable_offloads(int fd) {
    const unsigned tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    const unsigned attempts[] = { tso | TUN_F_USO4 | TUN_F_USO6, tso, TUN_F_CSUM };
    for (size_t i = 0; i < sizeof attempts / sizeof attempts[0]; i++) {
        if (ioctl(fd, TUNSETOFFLOAD, attempts[i]) == 0) return attempts[i];
    }
    return 0;
}

int tunnel_tun_write_with_header(int fd, const void *header, size_t header_len,
                                 const void *packet, size_t packet_len) {
    struct iovec iov[2] = {
        { (void *)header, header_len },
        { (void *)packet, packet_len },
    };
    ssize_t n = writev(fd, iov, 2);
    return n < 0 ? -errno : (int)n;
}

int tunnel_udp_enable_gro(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof on) == 0 ? 0 : -errno;
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
                      struct sockaddr_in6 *addrs, unsigned *lengths, unsigned char *truncated,
                      unsigned short *segment_sizes) {
    struct mmsghdr msgs[TUNNEL_MAX_BATCH];
    struct iovec iov[TUNNEL_MAX_BATCH];
    /* One control buffer per message, for the UDP_GRO segment size. */
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(int))];
    } control[TUNNEL_MAX_BATCH];
    if (count > TUNNEL_MAX_BATCH) count = TUNNEL_MAX_BATCH;
    memset(msgs, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        iov[i].iov_base = (char *)buffers + (size_t)i * buffer_size;
        iov[i].iov_len = buffer_size;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &addrs[i];
        msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
        msgs[i].msg_hdr.msg_control = control[i].bytes;
        msgs[i].msg_hdr.msg_controllen = sizeof control[i].bytes;
    }
    int n = recvmmsg(fd, msgs, count, MSG_DONTWAIT, NULL);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        lengths[i] = msgs[i].msg_len;
        truncated[i] = (msgs[i].msg_hdr.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
        segment_sizes[i] = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != NULL;
             c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
                int size;
                memcpy(&size, CMSG_DATA(c), sizeof size);
                if (size > 0 && size <= 0xffff) segment_sizes[i] = (unsigned short)size;
            }
        }
    }
    return n;
}

/* How many datagrams from `first` can leave as one UDP GSO send: same destination,
 * same size, except that the last may be shorter. */
static unsigned gso_run(const unsigned *lengths, const struct sockaddr_in6 *addrs,
                        unsigned first, unsigned count) {
    unsigned size = lengths[first], total = size, n = 1;
    while (first + n < count && n < TUNNEL_GSO_MAX_SEGMENTS) {
        unsigned next = first + n;
        if (lengths[next] > size || total + lengths[next] > TUNNEL_GSO_MAX_BYTES) break;
        if (memcmp(&addrs[next], &addrs[first], sizeof addrs[first]) != 0) break;
        total += lengths[next];
        n++;
        if (lengths[next] < size) break;
    }
    return n;
}

int tunnel_send_batch(int fd, void *const *starts, const unsigned *lengths,
                      const struct sockaddr_in6 *addrs, unsigned count, int *use_gso) {
    struct mmsghdr msgs[TUNNEL_MAX_BATCH];
    struct iovec iov[TUNNEL_MAX_BATCH];
    unsigned datagrams[TUNNEL_MAX_BATCH];   /* datagrams carried by each message */
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(uint16_t))];
    } control[TUNNEL_MAX_BATCH];
    if (count > TUNNEL_MAX_BATCH) count = TUNNEL_MAX_BATCH;
    memset(msgs, 0, sizeof(struct mmsghdr) * count);
    unsigned messages = 0;
    for (unsigned i = 0; i < count; i++) {
        iov[i].iov_base = starts[i];
        iov[i].iov_len = lengths[i];
    }
    for (unsigned i = 0; i < count; messages++) {
        unsigned run = *use_gso ? gso_run(lengths, addrs, i, count) : 1;
        struct msghdr *h = &msgs[messages].msg_hdr;
        h->msg_iov = &iov[i];
        h->msg_iovlen = run;
        h->msg_name = (void *)&addrs[i];
        h->msg_namelen = sizeof(struct sockaddr_in6);
        if (run > 1) {
            h->msg_control = control[messages].bytes;
            h->msg_controllen = sizeof control[messages].bytes;
            struct cmsghdr *c = CMSG_FIRSTHDR(h);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t size = (uint16_t)lengths[i];
            memcpy(CMSG_DATA(c), &size, sizeof size);
        }
        datagrams[messages] = run;
        i += run;
    }
    /* A failed message is skipped (its datagrams dropped) and the rest still go. */
    unsigned sent = 0;
    for (unsigned m = 0; m < messages;) {
        int n = sendmmsg(fd, &msgs[m], messages - m, MSG_DONTWAIT);
        if (n > 0) {
            for (int k = 0; k < n; k++) sent += datagrams[m + k];
            m += (unsigned)n;
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) break;
        if (errno == EIO && datagrams[m] > 1) {
            /* The route's device cannot checksum for us: no GSO on this socket again. */
            *use_gso = 0;
            unsigned done = 0;
            for (unsigned k = 0; k < m; k++) done += datagrams[k];
            int rest = tunnel_send_batch(fd, starts + done, lengths + done, addrs + done, count - done, use_gso);
            return (int)sent + rest;
        }
        if ((errno == EINVAL || errno == EMSGSIZE) && datagrams[m] > 1) {
            /* The path MTU is below one datagram plus headers: the kernel refuses the
             * run but fragments single datagrams, so this run goes one by one. */
            unsigned first = 0;
            for (unsigned k = 0; k < m; k++) first += datagrams[k];
            int single = 0;
            sent += (unsigned)tunnel_send_batch(fd, starts + first, lengths + first, addrs + first,
                                                datagrams[m], &single);
        }
        m++;
    }
    return (int)sent;
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

int tunnel_set_dumpable(int dumpable) {
    return prctl(PR_SET_DUMPABLE, (unsigned long)dumpable, 0, 0, 0) == 0 ? 0 : -errno;
}

int tunnel_get_dumpable(void) {
    int r = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    return r >= 0 ? r : -errno;
}

int tunnel_heap_trim(void) {
    return malloc_trim(0);
}
