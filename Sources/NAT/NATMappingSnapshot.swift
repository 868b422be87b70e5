// One mapping as the status display shows it.
import Addresses

/// A copy of one mapping's state.
public struct NATMappingSnapshot: Sendable, Equatable {
    public var client: ClientID
    public var transport: NATProtocol
    /// The client's tunnel address and port (or echo identifier).
    public var internalAddress: IPAddress
    public var internalPort: UInt16
    public var externalAddress: IPAddress
    public var externalPort: UInt16
    /// Remote addresses remembered for filtering (at most `maxRemotesPerMapping`).
    public var remoteCount: Int
    /// Nil for UDP and ICMP.
    public var tcpState: NATTCPState?
    /// Nanoseconds until the mapping expires if idle.
    public var expiresIn: UInt64

    public init(client: ClientID, transport: NATProtocol, internalAddress: IPAddress, internalPort: UInt16,
                externalAddress: IPAddress, externalPort: UInt16, remoteCount: Int, tcpState: NATTCPState?,
                expiresIn: UInt64) {
        self.client = client
        self.transport = transport
        self.internalAddress = internalAddress
        self.internalPort = internalPort
        self.externalAddress = externalAddress
        self.externalPort = externalPort
        self.remoteCount = remoteCount
        self.tcpState = tcpState
        self.expiresIn = expiresIn
    }
}
