import Addresses
import CNetlink

/// One rtnetlink request being built: a libnl message holding a family header
/// (rtmsg, ifaddrmsg, fib_rule_hdr...) followed by attributes. Owns the nl_msg.
final class NetlinkRequest {
    let message: OpaquePointer
    /// Used in error messages for failures while building.
    let operation: String

    /// Starts a message of `type` with `flags`, followed by `header`.
    init<Header>(type: Int, flags: Int32, header: Header, operation: String) throws {
        self.operation = operation
        guard let msg = nlmsg_alloc_simple(Int32(type), flags) else {
            throw NetlinkError(operation: operation, code: NLE_NOMEM)
        }
        message = msg
        var copy = header
        let rc = withUnsafeMutableBytes(of: &copy) { raw in
            nlmsg_append(msg, raw.baseAddress, raw.count, Int32(NLMSG_ALIGNTO))
        }
        try check(rc)
    }

    deinit { nlmsg_free(message) }

    func put(_ attribute: Int, bytes: [UInt8]) throws {
        let rc = bytes.withUnsafeBytes { raw in
            nla_put(message, Int32(attribute), Int32(raw.count), raw.baseAddress)
        }
        try check(rc)
    }

    func put<Value>(_ attribute: Int, value: Value) throws {
        var copy = value
        let rc = withUnsafeBytes(of: &copy) { raw in
            nla_put(message, Int32(attribute), Int32(raw.count), raw.baseAddress)
        }
        try check(rc)
    }

    func put(_ attribute: Int, u8 value: UInt8) throws { try put(attribute, value: value) }
    func put(_ attribute: Int, u32 value: UInt32) throws { try put(attribute, value: value) }

    /// A NUL-terminated string attribute (interface names).
    func put(_ attribute: Int, string: String) throws {
        try put(attribute, bytes: Array(string.utf8) + [0])
    }

    /// An address in network byte order, 4 or 16 bytes.
    func put(_ attribute: Int, address: IPAddress) throws {
        try put(attribute, bytes: address.bytes)
    }

    private func check(_ rc: Int32) throws {
        if rc < 0 { throw NetlinkError(operation: operation, code: rc) }
    }
}
