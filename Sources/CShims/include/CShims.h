// Small C helpers for system calls whose argument types Swift cannot express
// directly (variadic ioctl, struct ifreq). No protocol knowledge lives here.
#ifndef TUNNEL_CSHIMS_H
#define TUNNEL_CSHIMS_H
#include <stddef.h>
#include <stdint.h>

/// Opens /dev/net/tun and attaches a layer-3 TUN interface without packet
/// information (IFF_TUN | IFF_NO_PI), non-blocking and close-on-exec.
/// `name` may be empty for a kernel-chosen name; the actual name is written to
/// `actual_name` (at least 16 bytes). Returns the fd, or -errno.
int tunnel_tun_open(const char *name, char *actual_name, size_t actual_name_len);

/// Moves the calling thread into the network namespace open on `fd`.
/// Returns 0 or -errno.
int tunnel_setns_net(int fd);

#endif
