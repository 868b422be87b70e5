// One translation: a client's endpoint and the external port it was given.
import Addresses

/// A slot of the table's mapping store. Free slots keep `isLive == false`; the
/// generation changes whenever a slot is freed, so stale references (expiry-wheel
/// entries, fragment records) can tell that their mapping is gone.
struct NATMapping {
    var key: NATFlowKey
    var externalPort: UInt16
    var expiry: UInt64
    var tcpState: NATTCPState
    /// The remote answered a SYN with SYN+ACK (the next ACK establishes the connection).
    var sawSynAck: Bool
    var generation: UInt32
    var isLive: Bool
    /// The expiry the valid wheel entry was scheduled for, and that entry's stamp.
    var scheduledExpiry: UInt64
    var wheelStamp: UInt32

    var client: ClientID { key.client }
    var transport: NATProtocol { key.transport }
    var isIPv4: Bool { key.address.isIPv4 }

    static let vacant = NATMapping(
        key: NATFlowKey(client: ClientID(0), transport: .udp, address: .v4(IPv4Address(0)), port: 0),
        externalPort: 0, expiry: 0, tcpState: .synSent, sawSynAck: false, generation: 0, isLive: false,
        scheduledExpiry: 0, wheelStamp: 0)
}
