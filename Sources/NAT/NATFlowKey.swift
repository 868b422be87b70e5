// The lookup key of a mapping from the inside: integers only, so hashing allocates nothing.
import Addresses

/// A client's endpoint as it sends: (client, protocol, tunnel address, port or echo id).
/// Endpoint-independent mapping (RFC 4787 REQ-1): the destination is not part of it.
struct NATFlowKey: Hashable {
    var client: ClientID
    var transport: NATProtocol
    var address: IPAddress
    var port: UInt16
}
