// A layer-3 TUN interface: IP packets in and out of the kernel, with no packet-info header.
// With offloads, every packet carries a virtio_net_hdr in front and reads may return
// 64 KB TCP/UDP super-packets (the kernel skips segmenting them; we do it in userspace).
import CShims
#if canImport(Glibc)
import Glibc
#endif

public enum TunError: Error, CustomStringConvertible, Equatable {
    case notPermitted(String)
    case noTunDevice
    case nameTooLong(String)
    case nameTaken(String)
    case openFailed(String, errno: Int32)
    case ioFailed(String, errno: Int32)

    public var description: String {
        switch self {
        case .notPermitted(let n):
            return "cannot create TUN interface \(n): not permitted (run as root or grant CAP_NET_ADMIN)"
        case .noTunDevice:
            return "cannot create a TUN interface: /dev/net/tun is missing (load the tun module: modprobe tun)"
        case .nameTooLong(let n):
            return "interface name '\(n)' is too long (at most 15 characters)"
        case .nameTaken(let n):
            return "interface name '\(n)' is already taken by another interface"
        case .openFailed(let n, let e):
            return "cannot create TUN interface \(n): \(String(cString: strerror(e)))"
        case .ioFailed(let what, let e):
            return "TUN \(what) failed: \(String(cString: strerror(e)))"
        }
    }
}

/// What the kernel agreed to hand over unfinished (TUNSETOFFLOAD's TUN_F_* flags).
public struct TunOffloads: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Packets may arrive with the transport checksum left to us.
    public static let checksum = TunOffloads(rawValue: 0x01)
    public static let tcpIPv4Segmentation = TunOffloads(rawValue: 0x02)
    public static let tcpIPv6Segmentation = TunOffloads(rawValue: 0x04)
    public static let udpIPv4Segmentation = TunOffloads(rawValue: 0x20)
    public static let udpIPv6Segmentation = TunOffloads(rawValue: 0x40)

    public var description: String {
        var names: [String] = []
        if contains(.checksum) { names.append("csum") }
        if contains(.tcpIPv4Segmentation) { names.append("tso4") }
        if contains(.tcpIPv6Segmentation) { names.append("tso6") }
        if contains(.udpIPv4Segmentation) { names.append("uso4") }
        if contains(.udpIPv6Segmentation) { names.append("uso6") }
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }
}

public final class TunDevice {
    public static let maxNameLength = 15
    public let name: String
    public private(set) var fd: Int32
    /// Whether reads and writes carry a virtio_net_hdr (IFF_VNET_HDR).
    public let hasVirtioHeader: Bool
    public let offloads: TunOffloads

    /// Creates (or attaches to) a TUN interface. An empty name lets the kernel pick "tunN";
    /// a name ending in "%d" picks the next free number. With `offloads`, asks for
    /// IFF_VNET_HDR and every offload the kernel grants, and falls back to plain packets
    /// when it grants none.
    public init(name: String = "", offloads wanted: Bool = false) throws {
        guard name.utf8.count <= TunDevice.maxNameLength else { throw TunError.nameTooLong(name) }
        var actual = [CChar](repeating: 0, count: 16)
        var result = tunnel_tun_open(name, &actual, actual.count, wanted ? 1 : 0)
        var granted = TunOffloads()
        if wanted && result >= 0 {
            granted = TunOffloads(rawValue: tunnel_tun_enable_offloads(result))
            if granted.isEmpty {
                // A header with nothing to offload only costs; start over without it.
                _ = Glibc.close(result)
                result = tunnel_tun_open(name, &actual, actual.count, 0)
            }
        }
        if result < 0 {
            let err = -result
            let shown = name.isEmpty ? "(any name)" : name
            switch err {
            case EPERM, EACCES: throw TunError.notPermitted(shown)
            case ENOENT, ENODEV, ENXIO: throw TunError.noTunDevice
            case EBUSY, EEXIST, EINVAL: throw TunError.nameTaken(shown)
            default: throw TunError.openFailed(shown, errno: err)
            }
        }
        fd = result
        self.name = String(cString: actual)
        offloads = granted
        hasVirtioHeader = !granted.isEmpty
    }

    deinit { close() }

    /// Reads one packet into `buffer`. Returns its length, or nil when nothing is waiting.
    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int? {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        if n >= 0 { return n }
        let e = errno
        if e == EAGAIN || e == EWOULDBLOCK || e == EINTR { return nil }
        // A packet the kernel could not describe in a virtio header is freed with EINVAL;
        // the next read works. Only a detached interface (EBADFD) is the end.
        if e == EINVAL { return 0 }
        throw TunError.ioFailed("read", errno: e)
    }

    /// Writes one packet. A full queue drops the packet, as a NIC would; returns false then.
    @inline(__always)
    @discardableResult
    public func write(_ packet: UnsafeRawBufferPointer) throws -> Bool {
        let n = Glibc.write(fd, packet.baseAddress, packet.count)
        if n >= 0 { return true }
        let e = errno
        if e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == EINVAL || e == EIO { return false }
        throw TunError.ioFailed("write", errno: e)
    }

    public enum WriteOutcome {
        case written
        /// The queue was full (or the packet made no sense to the kernel): dropped.
        case dropped
        /// The kernel would not take what the virtio header asked (EINVAL).
        case refused
    }

    /// Writes `header` (a virtio_net_hdr) and `packet` as one packet, on a TUN with
    /// `hasVirtioHeader`. A full queue drops it, as `write` does.
    @inline(__always)
    @discardableResult
    public func write(header: UnsafeRawBufferPointer, packet: UnsafeRawBufferPointer) throws -> WriteOutcome {
        let n = tunnel_tun_write_with_header(fd, header.baseAddress, header.count, packet.baseAddress, packet.count)
        if n >= 0 { return .written }
        let e = -n
        if e == EINVAL { return .refused }
        if e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == EIO { return .dropped }
        throw TunError.ioFailed("write", errno: e)
    }

    /// False once the interface was deleted under the open fd (reads then fail, but the
    /// fd never becomes readable, so this must be asked).
    public var isAttached: Bool { fd >= 0 && tunnel_tun_is_attached(fd) != 0 }

    /// Closing the fd removes a non-persistent TUN interface from the system.
    public func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }
}
