// What the NAT decided about a packet going from a client to the internet.

/// The outcome of `NATTable.translateOutbound`.
public enum NATVerdict: Equatable, Sendable {
    /// The packet was rewritten in place; send it out.
    case forward
    case drop(NATDropReason)
}
