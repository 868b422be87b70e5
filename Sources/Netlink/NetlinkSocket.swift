import CNetlink
#if canImport(Glibc)
import Glibc
#endif

/// An rtnetlink (NETLINK_ROUTE) socket (or, inside this module, another netlink
/// family's). It belongs to the network namespace the
/// creating thread was in, and every request made through it acts there, from
/// whatever thread. Not thread-safe: one owner at a time. Closed on deinit.
public final class NetlinkSocket {
    private let socket: OpaquePointer

    /// Opens and connects a socket in the calling thread's network namespace.
    public convenience init() throws {
        try self.init(protocol: NETLINK_ROUTE, operation: "open rtnetlink socket")
    }

    /// A socket of another netlink family (NETLINK_NETFILTER for nf_tables).
    init(protocol netlinkProtocol: Int32, operation: String) throws {
        guard let sock = nl_socket_alloc() else {
            throw NetlinkError(operation: operation, code: NLE_NOMEM)
        }
        let rc = nl_connect(sock, netlinkProtocol)
        if rc < 0 {
            nl_socket_free(sock)
            throw NetlinkError(operation: operation, code: rc)
        }
        // Dumps of many links or routes can exceed one page per datagram.
        nl_socket_enable_msg_peek(sock)
        socket = sock
    }

    deinit { nl_socket_free(socket) }

    /// Sends `request` and reads until the kernel's acknowledgement or the end
    /// of a dump, handing each data message to `onReply`. Throws on refusal.
    func perform(_ request: NetlinkRequest,
                 onReply: @escaping (UnsafeMutablePointer<nlmsghdr>) -> Void = { _ in }) throws {
        let operation = request.operation
        let sent = nl_send_auto(socket, request.message)
        if sent < 0 { throw NetlinkError(operation: operation, code: sent) }

        let state = ReceiveState(onReply: onReply)
        guard let callbacks = nl_cb_alloc(NL_CB_DEFAULT) else {
            throw NetlinkError(operation: operation, code: NLE_NOMEM)
        }
        defer { nl_cb_put(callbacks) }
        try withExtendedLifetime(state) {
            state.install(on: callbacks)
            while !state.finished {
                let rc = nl_recvmsgs(socket, callbacks)
                if rc < 0 { throw NetlinkError(operation: operation, code: rc, errno: state.kernelErrno) }
            }
        }
    }
}

/// Per-request receive state reached from libnl's C callbacks through their
/// context pointer.
private final class ReceiveState {
    let onReply: (UnsafeMutablePointer<nlmsghdr>) -> Void
    var finished = false
    var kernelErrno: Int32?

    init(onReply: @escaping (UnsafeMutablePointer<nlmsghdr>) -> Void) { self.onReply = onReply }

    func install(on callbacks: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        nl_cb_set(callbacks, NL_CB_VALID, NL_CB_CUSTOM, { msg, arg in
            guard let msg, let arg, let header = nlmsg_hdr(msg) else { return Int32(NL_SKIP.rawValue) }
            ReceiveState.from(arg).onReply(header)
            return Int32(NL_OK.rawValue)
        }, context)
        let finish: nl_recvmsg_msg_cb_t = { _, arg in
            if let arg { ReceiveState.from(arg).finished = true }
            return Int32(NL_STOP.rawValue)
        }
        nl_cb_set(callbacks, NL_CB_FINISH, NL_CB_CUSTOM, finish, context)
        nl_cb_set(callbacks, NL_CB_ACK, NL_CB_CUSTOM, finish, context)
        nl_cb_err(callbacks, NL_CB_CUSTOM, { _, error, arg in
            if let arg, let error {
                let state = ReceiveState.from(arg)
                state.kernelErrno = -error.pointee.error
                state.finished = true
            }
            return Int32(NL_STOP.rawValue)
        }, context)
    }

    static func from(_ pointer: UnsafeMutableRawPointer) -> ReceiveState {
        Unmanaged<ReceiveState>.fromOpaque(pointer).takeUnretainedValue()
    }
}
