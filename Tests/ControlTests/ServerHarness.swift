// A running control server for tests: a reactor on a background thread, a socket in a
// fresh temporary directory (or the real one for wg interop), a recording handler, and a
// raw socket client for sending arbitrary bytes.
import Foundation
import Reactor
@testable import Control

final class RecordingHandler: UAPIHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var _changes: [UAPIConfigurationChange] = []
    var device: UAPIDeviceSnapshot
    var failure: UAPIError?

    init(device: UAPIDeviceSnapshot = ControlFixtures.device) { self.device = device }

    var changes: [UAPIConfigurationChange] { lock.lock(); defer { lock.unlock() }; return _changes }

    func snapshot() -> UAPIDeviceSnapshot { device }

    func apply(_ change: UAPIConfigurationChange) throws {
        if let failure { throw failure }
        lock.lock(); _changes.append(change); lock.unlock()
    }
}

final class ServerHarness {
    let reactor = Reactor(label: "control.test")
    let directory: String
    let handler: RecordingHandler
    private(set) var server: UAPIServer!
    private let ownsDirectory: Bool
    private let stopped = DispatchSemaphore(value: 0)
    private var waitedForStop = false

    init(interface: String = "tctl0", directory: String? = nil, limits: UAPILimits = .standard,
         handler: RecordingHandler = RecordingHandler(),
         clock: @escaping () -> UInt64 = UAPIServer.monotonicNanoseconds) throws {
        if let directory {
            self.directory = directory
            ownsDirectory = false
        } else {
            self.directory = NSTemporaryDirectory() + "uapi-\(getpid())-\(UUID().uuidString.prefix(8))"
            ownsDirectory = true
        }
        self.handler = handler
        let reactor = self.reactor
        Thread { reactor.run() }.start()
        let stopped = self.stopped
        reactor.onStop { stopped.signal() }
        do {
            server = try UAPIServer(interface: interface, directory: self.directory, reactor: reactor,
                                    handler: handler, limits: limits, clock: clock)
        } catch {
            reactor.stop()
            throw error
        }
    }

    func client(timeout: Double = 5) throws -> UAPIClient {
        try UAPIClient(interface: server.interface, directory: directory, timeoutSeconds: timeout)
    }

    /// Stops the reactor (closing the server) and waits until its cleanup ran. Idempotent.
    func stop() {
        reactor.stop()
        if !waitedForStop {
            _ = stopped.wait(timeout: .now() + 10)
            waitedForStop = true
        }
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }
}

/// A bare stream connection with a receive timeout, for bytes no real client would send.
final class RawConnection {
    let fd: Int32

    init(path: String, timeout: Int = 5) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { close(fd); throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit { close(fd) }

    /// Sends what the peer takes; stops quietly when it closes (as a hostile client would).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Int {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        return sent
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// Reads until an answer ends ("\n\n"), EOF or the timeout; returns what arrived.
    func readAnswer() -> String {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !(data.count >= 2 && data.suffix(2) == [10, 10]) {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data += chunk[0..<n]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// True when the server closed the connection (EOF) within the timeout.
    func waitForClose() -> Bool {
        var byte: UInt8 = 0
        while true {
            let n = recv(fd, &byte, 1, 0)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }
}
