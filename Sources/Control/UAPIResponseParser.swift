// Reads a `get` answer back into a snapshot (the client side, for `tunnel status`). Like
// wg(8), it skips keys it does not know, so newer servers stay readable; known keys must
// be well formed. The answer must end with `errno=` and an empty line. Lines are split
// and searched by byte (everything that matters is ASCII): Character-level string work
// made a 10,000-peer answer take a second to read.
import Addresses

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
        var state = State()
        for (index, line) in lines.enumerated() {
            guard let eq = line.utf8.firstIndex(of: UInt8(ascii: "=")) else {
                throw Failure.malformed("answer line \(index + 1) has no '='")
            }
            try state.take(key: line[..<eq], value: line[line.utf8.index(after: eq)...], line: index + 1)
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
        let negative = text.hasPrefix("-")
        guard let magnitude = UAPIValue.decimal(negative ? text.dropFirst() : text, as: UInt64.self),
              magnitude <= UInt64(Int64.max) else { return nil }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    private struct State {
        var device = UAPIDeviceSnapshot()
        var peer: UAPIPeerSnapshot?
        var errno: Int64?

        mutating func take(key: Substring, value: Substring, line: Int) throws {
            guard errno == nil else { throw Failure.malformed("answer line \(line) follows errno") }
            func bad() -> Failure { .malformed("answer line \(line): bad value for \(key)") }
            if key.utf8.starts(with: UAPIField.counterPrefix.utf8) {
                guard let v = UAPIValue.decimal(value, as: UInt64.self) else { throw bad() }
                let counter = UAPICounter(String(key[key.utf8.index(key.startIndex, offsetBy: UAPIField.counterPrefix.utf8.count)...]), v)
                if peer != nil { peer?.counters.append(counter) } else { device.tunnel.counters.append(counter) }
                return
            }
            guard let field = UAPIField.byName[key] else { return }
            if field == .errno {
                guard let v = signedDecimal(value) else { throw bad() }
                errno = v
            } else if field == .publicKey {
                guard let k = UAPIKey(hex: value) else { throw bad() }
                flushPeer()
                peer = UAPIPeerSnapshot(publicKey: k)
            } else if field.isPeerKey {
                guard peer != nil else { throw Failure.malformed("answer line \(line): \(key) before public_key") }
                guard try takePeer(field, value) else { throw bad() }
            } else {
                guard peer == nil else { throw Failure.malformed("answer line \(line): \(key) after public_key") }
                guard takeDevice(field, value) else { throw bad() }
            }
        }

        /// False when the value is malformed.
        mutating func takeDevice(_ field: UAPIField, _ value: Substring) -> Bool {
            switch field {
            case .privateKey:
                guard let k = UAPIKey(hex: value) else { return false }
                device.privateKey = k.isZero ? nil : k
            case .listenPort:
                guard let v = UAPIValue.decimal(value, as: UInt16.self) else { return false }
                device.listenPort = v
            case .fwmark:
                guard let v = UAPIValue.decimal(value, as: UInt32.self) else { return false }
                device.fwmark = v
            case .tunnelName: device.tunnel.name = String(value)
            case .tunnelRole: device.tunnel.role = String(value)
            case .tunnelPublicKey:
                guard let k = UAPIKey(hex: value) else { return false }
                device.tunnel.publicKey = k
            case .tunnelAddress:
                guard let p = UAPIValue.prefix(value) else { return false }
                device.tunnel.addresses.append(p)
            default: break   // set-only keys have no meaning in an answer
            }
            return true
        }

        mutating func takePeer(_ field: UAPIField, _ value: Substring) throws -> Bool {
            guard var p = peer else { return false }
            defer { peer = p }
            switch field {
            case .presharedKey:
                guard let k = UAPIKey(hex: value) else { return false }
                p.presharedKey = k.isZero ? nil : k
            case .endpoint:
                guard let e = UAPIValue.endpoint(value) else { return false }
                p.endpoint = e
            case .allowedIP:
                guard let a = UAPIValue.prefix(value) else { return false }
                p.allowedIPs.append(a)
            case .lastHandshakeTimeSec:
                guard let v = UAPIValue.nonNegativeInt64(value) else { return false }
                p.lastHandshakeTimeSec = v
            case .lastHandshakeTimeNsec:
                guard let v = UAPIValue.nonNegativeInt64(value) else { return false }
                p.lastHandshakeTimeNsec = v
            case .rxBytes:
                guard let v = UAPIValue.decimal(value, as: UInt64.self) else { return false }
                p.rxBytes = v
            case .txBytes:
                guard let v = UAPIValue.decimal(value, as: UInt64.self) else { return false }
                p.txBytes = v
            case .persistentKeepaliveInterval:
                guard let v = UAPIValue.decimal(value, as: UInt16.self) else { return false }
                p.persistentKeepaliveInterval = v
            case .protocolVersion:
                guard let v = UAPIValue.decimal(value, as: UInt32.self) else { return false }
                p.protocolVersion = Int(v)
            case .tunnelPeerName: p.name = String(value)
            case .tunnelPeerState: p.state = String(value)
            default: break
            }
            return true
        }

        mutating func flushPeer() {
            if let p = peer { device.peers.append(p) }
            peer = nil
        }

        mutating func finish() throws -> UAPIDeviceSnapshot {
            guard let errno else { throw Failure.malformed("the answer has no errno line") }
            guard errno == 0 else {
                throw Failure.remoteErrno(UAPIErrno.code(fromWire: errno))
            }
            flushPeer()
            return device
        }
    }
}
