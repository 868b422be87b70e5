// One named number in a `get=tunnel` answer (`tunnel_counter_<name>=<value>`): NAT
// mappings, drops by reason, handshakes. The tunnel chooses the names; this module only
// carries them, so new counters need no protocol change.
public struct UAPICounter: Equatable, Sendable {
    /// Lowercase letters, digits and '_' (anything else is replaced on the wire).
    public var name: String
    public var value: UInt64

    public init(_ name: String, _ value: UInt64) {
        self.name = name
        self.value = value
    }
}
