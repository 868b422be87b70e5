// Identifies the fragments of one datagram (RFC 791 / RFC 8200 reassembly key).
import Addresses

/// (source, destination, protocol, identification) as the fragments carry them.
struct NATFragmentKey: Hashable {
    var source: IPAddress
    var destination: IPAddress
    var transportProtocol: UInt8
    var identification: UInt32
}
