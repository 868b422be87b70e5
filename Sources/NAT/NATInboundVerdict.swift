// What the NAT decided about a packet coming back from the internet.

/// The outcome of `NATTable.translateInbound`.
public enum NATInboundVerdict: Equatable, Sendable {
    /// The packet was rewritten in place to the client's tunnel address; send it to that client.
    case deliver(to: ClientID)
    case drop(NATDropReason)
}
