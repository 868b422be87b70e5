import Addresses
import CNetlink

/// The attributes of one received rtnetlink message, copied out so they outlive
/// the receive callback. Lookups never read past an attribute's payload: a
/// missing or short attribute reads as nil.
struct NetlinkAttributes {
    private var values: [Int: [UInt8]] = [:]

    /// Reads the attributes following a family header of `headerLength` bytes.
    init(message: UnsafeMutablePointer<nlmsghdr>, headerLength: Int) {
        let hdrlen = Int32(headerLength)
        guard nlmsg_valid_hdr(message, hdrlen) != 0 else { return }
        var remaining = nlmsg_attrlen(message, hdrlen)
        var attribute: UnsafeMutablePointer<nlattr>? = nlmsg_attrdata(message, hdrlen)
        while let current = attribute, nla_ok(current, remaining) != 0 {
            let length = Int(nla_len(current))
            let data = UnsafeRawBufferPointer(start: nla_data(current), count: length)
            values[Int(nla_type(current))] = Array(data)
            attribute = nla_next(current, &remaining)
        }
    }

    /// Reads the attributes inside a nested attribute's payload (`bytes(type)` of the
    /// outer one). A truncated attribute ends the list.
    init(nested payload: [UInt8]) {
        let headerLength = MemoryLayout<nlattr>.size
        var offset = 0
        while offset + headerLength <= payload.count {
            // nla_len and nla_type are in host order.
            let (length, type) = payload.withUnsafeBytes { raw in
                (Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)),
                 Int(raw.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self))
                    & ~(Int(NLA_F_NESTED) | Int(NLA_F_NET_BYTEORDER)))
            }
            guard length >= headerLength, offset + length <= payload.count else { return }
            values[type] = Array(payload[(offset + headerLength)..<(offset + length)])
            offset += (length + Int(NLA_ALIGNTO) - 1) & ~(Int(NLA_ALIGNTO) - 1)
        }
    }

    func bytes(_ type: Int) -> [UInt8]? { values[type] }

    /// A 32-bit attribute in network order (nf_tables sends its numbers so).
    func be32(_ type: Int) -> UInt32? { u32(type).map(UInt32.init(bigEndian:)) }

    func u8(_ type: Int) -> UInt8? {
        guard let b = values[type], b.count >= 1 else { return nil }
        return b[0]
    }

    /// A host-order 32-bit attribute (netlink integers are in host order).
    func u32(_ type: Int) -> UInt32? { load(type, as: UInt32.self) }

    func load<Value>(_ type: Int, as: Value.Type) -> Value? {
        guard let b = values[type], b.count >= MemoryLayout<Value>.size else { return nil }
        return b.withUnsafeBytes { $0.loadUnaligned(as: Value.self) }
    }

    /// A string attribute, without its terminating NUL.
    func string(_ type: Int) -> String? {
        guard let b = values[type] else { return nil }
        let text = b.prefix { $0 != 0 }
        return String(decoding: text, as: UTF8.self)
    }

    /// A 4-byte (IPv4) or 16-byte (IPv6) address attribute.
    func address(_ type: Int) -> IPAddress? {
        guard let b = values[type] else { return nil }
        return b.withUnsafeBytes { raw -> IPAddress? in
            switch raw.count {
            case IPv4Address.byteCount: return .v4(IPv4Address(networkBytes: raw))
            case IPv6Address.byteCount: return .v6(IPv6Address(networkBytes: raw))
            default: return nil
            }
        }
    }
}

/// Reads the fixed family header at the start of a message's payload, or nil
/// when the message is too short to hold it.
func familyHeader<Header>(_ message: UnsafeMutablePointer<nlmsghdr>, as: Header.Type) -> Header? {
    guard nlmsg_valid_hdr(message, Int32(MemoryLayout<Header>.size)) != 0,
          let payload = nlmsg_data(message) else { return nil }
    return UnsafeRawPointer(payload).loadUnaligned(as: Header.self)
}
