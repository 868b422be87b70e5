// Small C helpers for system calls whose argument types Swift cannot express
// directly (variadic ioctl, struct ifreq). No protocol knowledge lives here.
#ifndef TUNNEL_CSHIMS_H
#define TUNNEL_CSHIMS_H
#include <stddef.h>
#include <stdint.h>
// For the reactor's readiness loop: Glibc's Swift module leaves these out.
#include <sys/epoll.h>
#include <sys/eventfd.h>

/// Opens /dev/net/tun and attaches a layer-3 TUN interface without packet
/// information (IFF_TUN | IFF_NO_PI), non-blocking and close-on-exec; with
/// `vnet_header`, every read and write carries a 10-byte virtio_net_hdr first.
/// `name` may be empty for a kernel-chosen name; the actual name is written to
/// `actual_name` (at least 16 bytes). Returns the fd, or -errno.
int tunnel_tun_open(const char *name, char *actual_name, size_t actual_name_len, int vnet_header);

/// Asks a vnet-header TUN for checksum, TSO4/6 and USO4/6 offloads, then for fewer
/// when the kernel refuses. Returns the TUN_F_* flags granted (0: none).
unsigned tunnel_tun_enable_offloads(int fd);

/// Writes `header` then `packet` as one TUN packet (writev). Returns bytes or -errno.
int tunnel_tun_write_with_header(int fd, const void *header, size_t header_len,
                                 const void *packet, size_t packet_len);

/// Lets the UDP socket receive GRO-coalesced datagrams (UDP_GRO). 0 or -errno.
int tunnel_udp_enable_gro(int fd);

/// Whether the TUN fd is still attached to its interface (it is not once someone
/// deleted the interface). Returns 1, 0, or -errno for other failures.
int tunnel_tun_is_attached(int fd);

/// Moves the calling thread into the network namespace open on `fd`.
/// Returns 0 or -errno.
int tunnel_setns_net(int fd);

struct sockaddr_in6;

/// Largest batch the batch calls accept.
#define TUNNEL_MAX_BATCH 128

/// Receives up to `count` datagrams with one recvmmsg call. Datagram i lands in
/// `buffers + i * buffer_size`, its source in `addrs[i]`, its length in `lengths[i]`,
/// and `truncated[i]` is set when it did not fit. `segment_sizes[i]` is the UDP GRO
/// segment size when datagram i is several coalesced ones (0 otherwise). Returns the
/// number received (0 when nothing is waiting) or -errno.
int tunnel_recv_batch(int fd, void *buffers, size_t buffer_size, unsigned count,
                      struct sockaddr_in6 *addrs, unsigned *lengths, unsigned char *truncated,
                      unsigned short *segment_sizes);

/// Sends `count` datagrams with sendmmsg: datagram i is `lengths[i]` bytes at
/// `starts[i]`, to `addrs[i]`. With `*use_gso`, runs of datagrams to one address of
/// one size (the last may be shorter) leave as one UDP_SEGMENT message; if the kernel
/// refuses GSO (EIO) `*use_gso` becomes 0 and the rest goes without. A message the
/// kernel rejects is dropped and the others still go. Returns how many were sent.
int tunnel_send_batch(int fd, void *const *starts, const unsigned *lengths,
                      const struct sockaddr_in6 *addrs, unsigned count, int *use_gso);

/// Opens a raw socket for sending whole IP packets (IPPROTO_RAW: the header is ours).
/// `family` is AF_INET or AF_INET6. Returns the fd or -errno.
int tunnel_raw_send_socket(int family);

/// Opens a raw ICMP (AF_INET) or ICMPv6 (AF_INET6) socket that receives only echo
/// replies and the error messages a NAT must translate (unreachable, time exceeded,
/// parameter problem, and for IPv6 packet too big). Non-blocking. Returns fd or -errno.
int tunnel_raw_icmp_socket(int family);

/// Receives one ICMPv6 message and rebuilds the IPv6 header in front of it (the kernel
/// strips it for raw ICMPv6 sockets): `buffer` gets a 40-byte header (source from the
/// sender, destination from IPV6_PKTINFO, hop limit from IPV6_HOPLIMIT) then the message.
/// Returns the total length, 0 when nothing is waiting, or -errno.
int tunnel_recv_icmp6_with_header(int fd, void *buffer, size_t capacity);

/// prctl(PR_SET_DUMPABLE, dumpable): 0 means no core dump and no ptrace or /proc/PID/mem
/// access by anyone but root. Returns 0 or -errno.
int tunnel_set_dumpable(int dumpable);

/// prctl(PR_GET_DUMPABLE): 1, 0 (or 2, suid_dumpable), or -errno.
int tunnel_get_dumpable(void);

/// Fatal signals (SIGABRT, SIGSEGV, SIGBUS, ...) get a handler that tells a signal
/// someone sent (kill, sigqueue, tgkill from another process: si_code <= 0 and a sender
/// other than this process) from a real fault or the process's own abort(). A sent one
/// writes its number as one byte to `notify_fd` (the program then stops in order and
/// raises it again); anything else, and a second fatal signal, gets the default action at
/// once, so a crash dumps and ends instead of waiting in a handler. The handler does only
/// async-signal-safe work. Returns 0 or -errno.
int tunnel_fatal_signals_install(int notify_fd, const int *signals, unsigned count);

/// Ends the process with `signal`'s default action (core dump, or termination), as
/// if the handler had never been installed. Returns only if the default is to ignore it.
void tunnel_fatal_signal_raise_default(int signal);

/// Hands the heap's free pages back to the system (glibc's malloc_trim(0), which Swift's
/// Glibc module does not export). Returns 1 if memory was released.
int tunnel_heap_trim(void);

#endif
