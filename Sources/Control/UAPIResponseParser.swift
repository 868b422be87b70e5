// Reads a `get` answer back into a snapshot (the client side, for `tunnel status`). Like
// wg(8), it skips keys it does not know, so newer servers stay readable; known keys must
// be well formed. The answer must end with `errno=` and an empty line. It reads the
// answer's bytes as they came (everything that matters is ASCII): Character-level string
// work made a 10,000-peer answer take a second to read, and a Substring per line a third
// of what was left.
import Addresses
#if canImport(Glibc)
import Glibc
#endif

public enum UAPIResponseParser {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The other side answered `errno=N`, N nonzero (always positive here).
        case remoteErrno(Int32)
        /// The text is not a well-formed answer.
        case malformed(String)

        public var description: String {
            switch self {
            case .remoteErrno(let e): return "the interface answered with errno \(e)"
            case .malformed(let why): return why
            }
        }
    }

    /// Parses the lines of one answer (without the terminating empty line).
    public static func parseGetResponse(lines: [Substring]) throws -> UAPIDeviceSnapshot {
        try parseGetResponse(Array(lines.joined(separator: "\n").utf8))
    }

    /// Parses one answer's bytes, up to its terminating empty line (left out), as the
    /// client reads them: lines are found and read byte by byte, and no String is made
    /// but for the values that are text.
    public static func parseGetResponse(_ answer: [UInt8]) throws -> UAPIDeviceSnapshot {
        try answer.withUnsafeBytes(parseGetResponse)
    }

    /// parseGetResponse of bytes where they lie (the client's read buffer).
    public static func parseGetResponse(_ bytes: UnsafeRawBufferPointer) throws -> UAPIDeviceSnapshot {
        var state = State()
        // A peer takes 300 bytes or more even in a plain answer: room enough, once.
        state.device.peers.reserveCapacity(bytes.count / 300)
        var lineStart = 0
        var number = 1
        while true {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[lineStart...])
            let lineEnd = State.offset(of: UInt8(ascii: "\n"), in: rest).map { lineStart + $0 } ?? bytes.count
            let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd])
            guard let eq = State.offset(of: UInt8(ascii: "="), in: line) else {
                throw Failure.malformed("answer line \(number) has no '='")
            }
            try state.take(key: UnsafeRawBufferPointer(rebasing: line[..<eq]),
                           value: UnsafeRawBufferPointer(rebasing: line[(eq + 1)...]), line: number)
            guard lineEnd < bytes.count else { break }
            lineStart = lineEnd + 1
            number += 1
        }
        return try state.finish()
    }

    /// The errno of a bare answer (`errno=N`, as `set` answers), positive; 0 on success.
    public static func parseErrnoResponse(lines: [Substring]) throws -> Int32 {
        guard lines.count == 1, lines[0].hasPrefix(UAPIField.errno.rawValue + "="),
              let value = signedDecimal(lines[0].dropFirst(UAPIField.errno.rawValue.count + 1)) else {
            throw Failure.malformed("the answer is not a single errno line")
        }
        return UAPIErrno.code(fromWire: value)
    }

    static func signedDecimal(_ text: Substring) -> Int64? {
        signedDecimal(text.utf8)
    }

    static func signedDecimal<C: Collection<UInt8>>(_ text: C) -> Int64? {
        let negative = text.first == UInt8(ascii: "-")
        guard let magnitude = UAPIValue.decimal(digits: negative ? text.dropFirst() : text[...], as: UInt64.self),
              magnitude <= UInt64(Int64.max) else { return nil }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    private struct State {
        var device = UAPIDeviceSnapshot()
        /// The peer being read is the last of `device.peers`, changed in place: a peer held
        /// apart and appended when the next began was copied whole, retains and all.
        var inPeer = false
        var errno: Int64?
        var counterNames = UAPICounterNames()
        /// Counters so far in the current peer (or the device): where the name is looked for.
        var counterPosition = 0
        static let counterPrefix = Array(UAPIField.counterPrefix.utf8)

        mutating func take(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, line: Int) throws {
            guard errno == nil else { throw Failure.malformed("answer line \(line) follows errno") }
            func bad() -> Failure { .malformed("answer line \(line): bad value for \(String(decoding: key, as: UTF8.self))") }
            if key.starts(with: State.counterPrefix) {
                guard let v = UAPIValue.decimal(digits: value, as: UInt64.self) else { throw bad() }
                let name = counterNames.name(UnsafeRawBufferPointer(rebasing: key[State.counterPrefix.count...]),
                                             position: counterPosition)
                counterPosition += 1
                if inPeer {
                    device.peers[device.peers.count - 1].counters.append(UAPICounter(name, v))
                } else {
                    device.tunnel.counters.append(UAPICounter(name, v))
                }
                return
            }
            guard let field = UAPIField.named(key) else { return }
            if field == .errno {
                guard let v = signedDecimal(value) else { throw bad() }
                errno = v
            } else if field == .publicKey {
                guard let k = UAPIKey(hexDigits: value) else { throw bad() }
                device.peers.append(UAPIPeerSnapshot(publicKey: k))
                inPeer = true
                counterPosition = 0
            } else if field.isPeerKey {
                guard inPeer else {
                    throw Failure.malformed("answer line \(line): \(String(decoding: key, as: UTF8.self)) before public_key")
                }
                guard takePeer(field, value) else { throw bad() }
            } else {
                guard !inPeer else {
                    throw Failure.malformed("answer line \(line): \(String(decoding: key, as: UTF8.self)) after public_key")
                }
                guard takeDevice(field, value) else { throw bad() }
            }
        }

        /// Where `byte` first is in `bytes`, by memchr (a byte-at-a-time search over the
        /// 12 MB of a 10,000-peer answer cost a tenth of the parse).
        static func offset(of byte: UInt8, in bytes: UnsafeRawBufferPointer) -> Int? {
            guard let base = bytes.baseAddress, let found = memchr(base, Int32(byte), bytes.count) else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }

        /// The value as the text of a Substring, for the syntaxes UAPIValue reads from text.
        static func text(_ value: UnsafeRawBufferPointer) -> Substring { Substring(String(decoding: value, as: UTF8.self)) }

        /// False when the value is malformed.
        mutating func takeDevice(_ field: UAPIField, _ value: UnsafeRawBufferPointer) -> Bool {
            switch field {
            case .privateKey:
                guard let k = UAPIKey(hexDigits: value) else { return false }
                device.privateKey = k.isZero ? nil : k
            case .listenPort:
                guard let v = UAPIValue.decimal(digits: value, as: UInt16.self) else { return false }
                device.listenPort = v
            case .fwmark:
                guard let v = UAPIValue.decimal(digits: value, as: UInt32.self) else { return false }
                device.fwmark = v
            case .tunnelName: device.tunnel.name = String(decoding: value, as: UTF8.self)
            case .tunnelRole: device.tunnel.role = String(decoding: value, as: UTF8.self)
            case .tunnelPublicKey:
                guard let k = UAPIKey(hexDigits: value) else { return false }
                device.tunnel.publicKey = k
            case .tunnelAddress:
                guard let p = UAPIValue.prefix(State.text(value)) else { return false }
                device.tunnel.addresses.append(p)
            default: break   // set-only keys have no meaning in an answer
            }
            return true
        }

        /// False when the value is malformed. Changes the peer in place (a copy of it
        /// per line was a third of the parse).
        mutating func takePeer(_ field: UAPIField, _ value: UnsafeRawBufferPointer) -> Bool {
            let last = device.peers.count - 1
            switch field {
            case .presharedKey:
                // Most peers have none: zeros, read without making a key of them.
                if value.count == UAPIKey.hexLength, !value.contains(where: { $0 != UInt8(ascii: "0") }) {
                    device.peers[last].presharedKey = nil
                    return true
                }
                guard let k = UAPIKey(hexDigits: value) else { return false }
                device.peers[last].presharedKey = k.isZero ? nil : k
            case .endpoint:
                guard let e = UAPIValue.endpoint(State.text(value)) else { return false }
                device.peers[last].endpoint = e
            case .allowedIP:
                guard let a = UAPIValue.prefix(State.text(value)) else { return false }
                device.peers[last].allowedIPs.append(a)
            case .lastHandshakeTimeSec:
                guard let v = UAPIValue.decimal(digits: value, as: UInt64.self), v <= UInt64(Int64.max) else { return false }
                device.peers[last].lastHandshakeTimeSec = Int64(v)
            case .lastHandshakeTimeNsec:
                guard let v = UAPIValue.decimal(digits: value, as: UInt64.self), v <= UInt64(Int64.max) else { return false }
                device.peers[last].lastHandshakeTimeNsec = Int64(v)
            case .rxBytes:
                guard let v = UAPIValue.decimal(digits: value, as: UInt64.self) else { return false }
                device.peers[last].rxBytes = v
            case .txBytes:
                guard let v = UAPIValue.decimal(digits: value, as: UInt64.self) else { return false }
                device.peers[last].txBytes = v
            case .persistentKeepaliveInterval:
                guard let v = UAPIValue.decimal(digits: value, as: UInt16.self) else { return false }
                device.peers[last].persistentKeepaliveInterval = v
            case .protocolVersion:
                guard let v = UAPIValue.decimal(digits: value, as: UInt32.self) else { return false }
                device.peers[last].protocolVersion = Int(v)
            case .tunnelPeerName: device.peers[last].name = String(decoding: value, as: UTF8.self)
            case .tunnelPeerState: device.peers[last].state = String(decoding: value, as: UTF8.self)
            default: break
            }
            return true
        }

        mutating func finish() throws -> UAPIDeviceSnapshot {
            guard let errno else { throw Failure.malformed("the answer has no errno line") }
            guard errno == 0 else {
                throw Failure.remoteErrno(UAPIErrno.code(fromWire: errno))
            }
            return device
        }
    }
}
