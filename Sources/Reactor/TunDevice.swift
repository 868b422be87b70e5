// A layer-3 TUN interface: IP packets in and out of the kernel, with no packet-info header.
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

public final class TunDevice {
    public static let maxNameLength = 15
    public let name: String
    public private(set) var fd: Int32

    /// Creates (or attaches to) a TUN interface. An empty name lets the kernel pick "tunN";
    /// a name ending in "%d" picks the next free number.
    public init(name: String = "") throws {
        guard name.utf8.count <= TunDevice.maxNameLength else { throw TunError.nameTooLong(name) }
        var actual = [CChar](repeating: 0, count: 16)
        let result = tunnel_tun_open(name, &actual, actual.count)
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
    }

    deinit { close() }

    /// Reads one packet into `buffer`. Returns its length, or nil when nothing is waiting.
    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int? {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        if n >= 0 { return n }
        let e = errno
        if e == EAGAIN || e == EWOULDBLOCK || e == EINTR { return nil }
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
