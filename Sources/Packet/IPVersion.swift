// The IP version of a parsed packet.

/// The family of a packet, read from the version nibble.
public enum IPVersion: UInt8, Sendable {
    case v4 = 4
    case v6 = 6
}
