// A blocking TCP client on 127.0.0.1 for the metrics endpoint's tests: it sends what a
// hostile or slow client would, and reports what the server did with the connection
// (answered, closed), waiting on poll(2) for each event with a timeout.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class RawTCPConnection {
    let fd: Int32

    /// An unconnected socket (see `connect`).
    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    convenience init(port: Int) throws {
        try self.init()
        try connect(port: port)
    }

    deinit { close(fd) }

    func connect(port: Int) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard r == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Sends all of `bytes`; false once the peer has closed (EPIPE, ECONNRESET).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            if n < 0 && errno == EINTR { continue }
            return false
        }
        return true
    }

    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Waits up to `timeout` seconds for the server to close the connection, discarding
    /// what it sends; true when closed (end of stream or reset).
    func waitUntilClosed(timeout: Double) -> Bool {
        read(timeout: timeout).closed
    }

    /// True when the server has already closed (nothing to wait for).
    var isClosed: Bool { waitUntilClosed(timeout: 0) }

    /// What the server sent until it closed the connection or `timeout` passed.
    func readAll(timeout: Double) -> (bytes: [UInt8], closed: Bool) {
        read(timeout: timeout)
    }

    private func read(timeout: Double) -> (bytes: [UInt8], closed: Bool) {
        let end = Date().addingTimeInterval(timeout)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let left = max(0, end.timeIntervalSinceNow)
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(left * 1000))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return (out, false) }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { out += chunk[0..<n]; continue }
            if n == 0 { return (out, true) }
            if errno == EINTR || errno == EAGAIN { continue }
            return (out, true)   // ECONNRESET and the like
        }
    }
}
