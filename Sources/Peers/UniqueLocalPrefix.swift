// IPv6 unique local addresses (RFC 4193) for a server's tunnel subnet: fd00::/8, then a
// 40-bit random Global ID, so two servers' tunnels almost surely never collide.
import Addresses
import WireGuard

public enum UniqueLocalPrefix {
    /// RFC 4193: prefix FC00::/7 with the L bit set ("locally assigned") gives fd.
    static let firstByte: UInt8 = 0xfd
    public static let globalIDByteCount = 5
    /// The subnet length a server uses: one /64 (subnet ID 0) out of the /48.
    public static let subnetLength = 64

    /// The server's own address in a fresh ULA subnet: fdXX:XXXX:XXXX::1/64.
    public static func generateServerAddress() -> IPPrefix {
        serverAddress(globalID: SecureRandom.bytes(globalIDByteCount))
    }

    /// fdXX:XXXX:XXXX::1/64 for the given 40-bit Global ID (5 bytes; extra bytes ignored,
    /// missing bytes taken as zero).
    public static func serverAddress(globalID: [UInt8]) -> IPPrefix {
        var bytes = [UInt8](repeating: 0, count: IPv6Address.byteCount)
        bytes[0] = firstByte
        for i in 0..<min(globalID.count, globalIDByteCount) { bytes[1 + i] = globalID[i] }
        bytes[IPv6Address.byteCount - 1] = 1
        return IPPrefix(address: .v6(IPv6Address(bytes: bytes)), length: subnetLength)
    }
}
