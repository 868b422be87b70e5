// Why a buffer was not accepted as an IP packet.

/// A reason to drop a packet, with the numbers that show what was wrong with it.
public enum PacketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the smallest header of the family (or none at all).
    case tooShort(length: Int, minimum: Int)
    /// The version nibble is neither 4 nor 6.
    case badVersion(UInt8)
    /// The IPv4 header length (IHL * 4) is under 20 or runs past the bytes present.
    case badHeaderLength(headerLength: Int, available: Int)
    /// The length the header declares is smaller than the header or larger than the bytes present.
    case badTotalLength(declared: Int, available: Int)
    /// A header of this protocol number does not fit in the packet.
    case truncated(protocolNumber: UInt8, needed: Int, available: Int)
    /// More IPv6 extension headers than anyone sends; refused to bound the walk.
    case tooManyExtensionHeaders(limit: Int)
    /// A transport header field contradicts the packet (e.g. TCP data offset under 5, UDP length).
    case badTransportHeader(protocolNumber: UInt8, field: String, value: Int)
    /// The caller's length is negative or exceeds the buffer it passed.
    case lengthOutsideBuffer(length: Int, bufferSize: Int)

    public var description: String {
        switch self {
        case .tooShort(let length, let minimum):
            return "packet of \(length) bytes is shorter than the minimum header of \(minimum) bytes"
        case .badVersion(let v):
            return "IP version \(v) is neither 4 nor 6"
        case .badHeaderLength(let h, let available):
            return "IPv4 header length \(h) is under 20 or exceeds the \(available) bytes present"
        case .badTotalLength(let declared, let available):
            return "declared packet length \(declared) is shorter than its header or exceeds the \(available) bytes present"
        case .truncated(let proto, let needed, let available):
            return "header of protocol \(proto) needs \(needed) bytes but only \(available) remain"
        case .tooManyExtensionHeaders(let limit):
            return "more than \(limit) IPv6 extension headers"
        case .badTransportHeader(let proto, let field, let value):
            return "protocol \(proto) header field \(field) has inconsistent value \(value)"
        case .lengthOutsideBuffer(let length, let size):
            return "length \(length) lies outside the \(size)-byte buffer"
        }
    }
}
