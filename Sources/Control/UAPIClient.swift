// The client side of the control socket, for `tunnel status` and friends: blocking calls
// with a timeout, one connection per request. `get` and `set` speak plain WireGuard UAPI,
// so they also work on wireguard-go; `getWithTunnelInfo` asks for this program's extras
// and falls back to `get=1` when the other side does not know them.
#if canImport(Glibc)
import Glibc
#endif

public struct UAPIClient: Sendable {
    /// An answer larger than this is refused: a hostile socket must not exhaust memory.
    public static let maxAnswerBytes = 64 * 1024 * 1024
    static let readChunkBytes = 256 * 1024

    public let interface: String
    public let socketPath: String
    public var timeoutSeconds: Double

    public init(interface: String, directory: String = UAPISocketPath.defaultDirectory, timeoutSeconds: Double = 5) throws {
        guard UAPISocketPath.isValidInterfaceName(interface) else { throw UAPIClientError.invalidInterfaceName(interface) }
        let path = UAPISocketPath.path(interface: interface, directory: directory)
        guard UnixSocket.fits(path) else { throw UAPIClientError.pathTooLong(path) }
        self.interface = interface
        self.socketPath = path
        self.timeoutSeconds = timeoutSeconds
    }

    /// Names of interfaces whose socket in `directory` answers, sorted. Stale socket
    /// files are skipped (and left alone).
    public static func runningInterfaces(directory: String = UAPISocketPath.defaultDirectory) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let file = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard file.hasSuffix(UAPISocketPath.suffix) else { continue }
            let name = String(file.dropLast(UAPISocketPath.suffix.count))
            guard UAPISocketPath.isValidInterfaceName(name) else { continue }
            let path = UAPISocketPath.path(interface: name, directory: directory)
            if UnixSocket.isSocket(path) == true, UnixSocket.probe(path) == .live { names.append(name) }
        }
        return names.sorted()
    }

    /// The `get=1` snapshot.
    public func get() throws -> UAPIDeviceSnapshot {
        let answer = try exchange(UAPIRequestWriter.get())
        return try parse { try answer.withUnsafeBytes(UAPIResponseParser.parseGetResponse) }
    }

    /// The snapshot with this program's extras (name, role, addresses, counters); a plain
    /// WireGuard implementation closes the connection on `get=tunnel` or answers an errno,
    /// and then the `get=1` snapshot is returned.
    public func getWithTunnelInfo() throws -> UAPIDeviceSnapshot {
        let answer: UAPIAnswerBytes
        do {
            answer = try exchange(UAPIRequestWriter.get(includeTunnelInfo: true))
        } catch UAPIClientError.connectionClosed {
            return try get()
        }
        do {
            return try answer.withUnsafeBytes(UAPIResponseParser.parseGetResponse)
        } catch UAPIResponseParser.Failure.remoteErrno {
            return try get()
        } catch {
            throw UAPIClientError.malformedAnswer(path: socketPath, reason: "\(error)")
        }
    }

    /// The `get=public` snapshot of a `tunnel` (no private or preshared key crosses the
    /// socket); no fallback, since a plain WireGuard implementation has only `get=1`.
    public func getPublic() throws -> UAPIDeviceSnapshot {
        let answer = try exchange(UAPIRequestWriter.getPublic())
        return try parse { try answer.withUnsafeBytes(UAPIResponseParser.parseGetResponse) }
    }

    /// `get=public` where the tunnel offers it; an older `tunnel` or a plain WireGuard
    /// implementation closes the connection or answers an errno, and then this is
    /// `getWithTunnelInfo` (which carries the private key: nothing else names the public one).
    public func getPublicFallingBack() throws -> UAPIDeviceSnapshot {
        let answer: UAPIAnswerBytes
        do {
            answer = try exchange(UAPIRequestWriter.getPublic())
        } catch UAPIClientError.connectionClosed {
            return try getWithTunnelInfo()
        }
        do {
            return try answer.withUnsafeBytes(UAPIResponseParser.parseGetResponse)
        } catch UAPIResponseParser.Failure.remoteErrno {
            return try getWithTunnelInfo()
        } catch {
            throw UAPIClientError.malformedAnswer(path: socketPath, reason: "\(error)")
        }
    }

    /// Sends a `set=1` request; throws `.rejected` with the errno the tunnel answered.
    public func set(_ change: UAPIConfigurationChange) throws {
        let lines = UAPIClient.lines(of: try exchange(UAPIRequestWriter.set(change)).text)
        let code = try parse { try UAPIResponseParser.parseErrnoResponse(lines: lines) }
        if code != 0 { throw UAPIClientError.rejected(path: socketPath, errno: code) }
    }

    private func parse<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch UAPIResponseParser.Failure.remoteErrno(let code) {
            throw UAPIClientError.rejected(path: socketPath, errno: code)
        } catch {
            throw UAPIClientError.malformedAnswer(path: socketPath, reason: "\(error)")
        }
    }

    // MARK: one request, one connection

    /// Sends `request` and returns the answer's bytes (up to the empty line, left out).
    private func exchange(_ request: String) throws -> UAPIAnswerBytes {
        let fd = try connect()
        defer { close(fd) }
        try sendAll(fd, Array(request.utf8))
        return try readAnswer(fd)
    }

    private func connect() throws -> Int32 {
        guard let isSocket = UnixSocket.isSocket(socketPath) else {
            if errno == EACCES { throw UAPIClientError.permissionDenied(path: socketPath) }
            throw UAPIClientError.noSuchInterface(interface: interface, path: socketPath)
        }
        guard isSocket else { throw UAPIClientError.malformedAnswer(path: socketPath, reason: "the file is not a socket") }
        let fd = UnixSocket.makeStream(nonBlocking: false)
        guard fd >= 0 else { throw UAPIClientError.ioFailed(path: socketPath, operation: "create a socket for", errno: errno) }
        setTimeouts(fd)
        switch UnixSocket.connect(fd, to: socketPath) {
        case 0: return fd
        case let e:
            close(fd)
            throw connectError(e)
        }
    }

    private func connectError(_ e: Int32) -> UAPIClientError {
        switch e {
        case ENOENT: return .noSuchInterface(interface: interface, path: socketPath)
        case ECONNREFUSED: return .notRunning(interface: interface, path: socketPath)
        case EACCES, EPERM: return .permissionDenied(path: socketPath)
        case EAGAIN, EINPROGRESS, ETIMEDOUT: return .timedOut(path: socketPath)
        default: return .ioFailed(path: socketPath, operation: "connect to", errno: e)
        }
    }

    /// SO_SNDTIMEO also bounds connect on a Unix socket whose backlog is full.
    private func setTimeouts(_ fd: Int32) {
        let whole = max(0, timeoutSeconds)
        var tv = timeval(tv_sec: Int(whole), tv_usec: Int((whole - Double(Int(whole))) * 1e6))
        let size = socklen_t(MemoryLayout<timeval>.size)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, size)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, size)
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw UAPIClientError.timedOut(path: socketPath) }
            if n < 0 && (errno == EPIPE || errno == ECONNRESET) { throw UAPIClientError.connectionClosed(path: socketPath) }
            throw UAPIClientError.ioFailed(path: socketPath, operation: "write to", errno: errno)
        }
    }

    /// The answer's bytes, kept as bytes: a 10,000-peer `get=tunnel` answer is megabytes,
    /// and a String of it (and a Substring per line) cost more than reading it.
    private func readAnswer(_ fd: Int32) throws -> UAPIAnswerBytes {
        let data = UAPIAnswerBytes(capacity: UAPIClient.readChunkBytes)
        while !data.endsAnswer {
            guard data.count <= UAPIClient.maxAnswerBytes else {
                throw UAPIClientError.malformedAnswer(path: socketPath, reason: "more than \(UAPIClient.maxAnswerBytes) bytes")
            }
            let room = data.spareRoom(atLeast: UAPIClient.readChunkBytes)
            let n = recv(fd, room.baseAddress, room.count, 0)
            let failure = n < 0 ? errno : 0
            if n > 0 { data.commit(n); continue }
            if n == 0 { throw UAPIClientError.connectionClosed(path: socketPath) }
            if failure == EINTR { continue }
            if failure == EAGAIN || failure == EWOULDBLOCK { throw UAPIClientError.timedOut(path: socketPath) }
            if failure == ECONNRESET { throw UAPIClientError.connectionClosed(path: socketPath) }
            throw UAPIClientError.ioFailed(path: socketPath, operation: "read from", errno: failure)
        }
        data.removeLast(2)
        return data
    }

    /// The text's lines, found by scanning its bytes: splitting a 10,000-peer answer by
    /// Characters (grapheme breaking) was a third of `tunnel status`'s time.
    static func lines(of text: String) -> [Substring] {
        let utf8 = text.utf8
        let bounds: [Int] = utf8.withContiguousStorageIfAvailable { bytes in
            var ends: [Int] = []
            for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { ends.append(offset) }
            return ends
        } ?? utf8.indices.compactMap { utf8[$0] == UInt8(ascii: "\n") ? utf8.distance(from: utf8.startIndex, to: $0) : nil }
        var lines: [Substring] = []
        lines.reserveCapacity(bounds.count + 1)
        var start = utf8.startIndex
        for end in bounds {
            let endIndex = utf8.index(utf8.startIndex, offsetBy: end)
            lines.append(text[start..<endIndex])
            start = utf8.index(after: endIndex)
        }
        lines.append(text[start...])
        return lines
    }
}
