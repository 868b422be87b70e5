// The one-time code `tunnel peer invite` prints and `tunnel client --invite` takes. It
// carries what the client needs to find and trust the server (its public key and
// endpoint) and a 32-byte random secret. From the secret both sides derive a temporary
// X25519 key pair (derivedKeyPair): the server keeps only its public half, as a peer with
// no routes, so a stolen server store yields no usable code; the client enrols by a normal
// WireGuard handshake with the private half.
//
// Bytes, then base64url without padding (URL-safe, one word to paste):
//   version (1) | server public key (32) | secret (32) | port (2, big-endian)
//   | host kind (1: 1 IPv4, 2 IPv6, 3 name) | host (4, 16, or a length byte and the name)
//   | check (4): the first bytes of BLAKE2s(checkLabel || everything before it)
// The check is for typing mistakes, not security: the secret is what the server trusts.
import Addresses
import Config
import Foundation
import WireGuard

public struct InviteCode: Equatable, Sendable, CustomStringConvertible, CustomReflectable {
    static let version: UInt8 = 1
    static let checkLength = 4
    static let checkLabel = Array("tunnel invite check v1".utf8)
    /// Domain separation: this key is for enrolment only and matches no other derivation.
    static let keyLabel = Array("tunnel invite key v1".utf8)
    static let secretLength = Key.byteCount
    static let portLength = 2
    /// Name length fits in one byte; DNS names stop at 253.
    static let maxHostNameLength = 253

    enum HostKind: UInt8 {
        case ipv4 = 1
        case ipv6 = 2
        case name = 3
    }

    /// Version, key, secret, port, kind, the shortest host (an empty name's length byte), check.
    static let minimumByteCount = 1 + Key.byteCount + secretLength + portLength + 1 + 1 + checkLength

    public let serverPublicKey: Key
    public let endpoint: PeerEndpoint
    /// Secret: never printed, logged or stored by the server.
    public let secret: Key

    public init(serverPublicKey: Key, endpoint: PeerEndpoint, secret: Key) {
        self.serverPublicKey = serverPublicKey
        self.endpoint = endpoint
        self.secret = secret
    }

    /// A new code with a fresh secret from the WireGuard module's CSPRNG.
    public static func generate(serverPublicKey: Key, endpoint: PeerEndpoint) -> InviteCode {
        var bytes = SecureRandom.bytes(secretLength)
        defer { SecureMemory.wipe(&bytes) }
        return InviteCode(serverPublicKey: serverPublicKey, endpoint: endpoint, secret: Key(bytes: bytes))
    }

    /// The temporary key pair both sides derive from a code's secret: HKDF over
    /// HMAC-BLAKE2s (WireGuard's KDF1) keyed by HASH(keyLabel), then clamped as RFC 7748
    /// prescribes for X25519 private keys.
    public static func derivedKeyPair(secret: Key) -> (privateKey: Key, publicKey: Key) {
        var bytes = KDF.kdf1(key: Blake2s.hash(keyLabel), input: secret.bytes)
        defer { SecureMemory.wipe(&bytes) }
        bytes[0] &= 248
        bytes[31] = (bytes[31] & 127) | 64
        let privateKey = Key(bytes: bytes)
        return (privateKey, X25519.publicKey(for: privateKey))
    }

    public var derivedKeyPair: (privateKey: Key, publicKey: Key) { InviteCode.derivedKeyPair(secret: secret) }

    /// The code as text. Throws only for an endpoint no code can carry (a host name
    /// longer than 253 bytes or with characters a name cannot have).
    public func text() throws -> String {
        var bytes: [UInt8] = [InviteCode.version]
        bytes += serverPublicKey.bytes
        bytes += secret.bytes
        bytes += [UInt8(endpoint.port >> 8), UInt8(truncatingIfNeeded: endpoint.port)]
        switch IPAddress(endpoint.host) {
        case .v4(let address)?:
            bytes.append(HostKind.ipv4.rawValue)
            bytes += address.bytes
        case .v6(let address)?:
            bytes.append(HostKind.ipv6.rawValue)
            bytes += address.bytes
        case nil:
            let name = Array(endpoint.host.utf8)
            guard name.count <= InviteCode.maxHostNameLength else {
                throw InviteCodeError.badEndpoint("the host name is longer than \(InviteCode.maxHostNameLength) characters")
            }
            _ = try InviteCode.checkedEndpoint(host: endpoint.host, port: endpoint.port)
            bytes.append(HostKind.name.rawValue)
            bytes.append(UInt8(name.count))
            bytes += name
        }
        bytes += InviteCode.check(bytes)
        defer { SecureMemory.wipe(&bytes) }
        return Base64URL.encode(bytes)
    }

    /// Reads a pasted code; surrounding spaces and newlines are ignored.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw InviteCodeError.empty }
        var bytes: [UInt8]
        do { bytes = try Base64URL.decode(trimmed) } catch let failure as Base64URL.Failure {
            switch failure {
            case .invalidCharacter(let offset, let character):
                throw InviteCodeError.invalidCharacter(position: offset + 1, character: character)
            case .notCanonical:
                // A length or final character no encoder writes: a typo or a cut.
                if trimmed.count * Base64URL.bitsPerCharacter / 8 < InviteCode.minimumByteCount {
                    throw InviteCodeError.tooShort(characters: trimmed.count)
                }
                throw InviteCodeError.mistyped
            }
        }
        defer { SecureMemory.wipe(&bytes) }
        guard bytes.count >= InviteCode.minimumByteCount else { throw InviteCodeError.tooShort(characters: trimmed.count) }
        let body = Array(bytes.dropLast(InviteCode.checkLength))
        guard SecureMemory.equal(InviteCode.check(body), Array(bytes.suffix(InviteCode.checkLength))) else {
            throw InviteCodeError.mistyped
        }
        guard body[0] == InviteCode.version else { throw InviteCodeError.unsupportedVersion(body[0]) }
        var reader = body[1...]
        func take(_ count: Int) throws -> [UInt8] {
            guard reader.count >= count else { throw InviteCodeError.badEndpoint("the code ends inside a field") }
            defer { reader = reader.dropFirst(count) }
            return Array(reader.prefix(count))
        }
        serverPublicKey = Key(bytes: try take(Key.byteCount))
        secret = Key(bytes: try take(InviteCode.secretLength))
        let port = try take(InviteCode.portLength)
        let portNumber = UInt16(port[0]) << 8 | UInt16(port[1])
        let kind = try take(1)[0]
        let host: String
        switch HostKind(rawValue: kind) {
        case .ipv4?: host = IPAddress.v4(IPv4Address(networkBytes: try take(IPv4Address.byteCount).withUnsafeBytes { $0 })).description
        case .ipv6?: host = IPAddress.v6(IPv6Address(bytes: try take(IPv6Address.byteCount))).description
        case .name?: host = String(decoding: try take(Int(try take(1)[0])), as: UTF8.self)
        case nil: throw InviteCodeError.badEndpoint("unknown host kind \(kind)")
        }
        guard reader.isEmpty else { throw InviteCodeError.badEndpoint("\(reader.count) bytes after the host") }
        endpoint = try InviteCode.checkedEndpoint(host: host, port: portNumber)
    }

    /// The secret stays out of logs and `dump`.
    public var description: String { "InviteCode(server: \(serverPublicKey.base64), endpoint: \(endpoint))" }
    public var customMirror: Mirror { Mirror(self, children: EmptyCollection<Mirror.Child>()) }

    static func check(_ body: [UInt8]) -> [UInt8] {
        Array(Blake2s.hash(checkLabel, body).prefix(checkLength))
    }

    /// The same rules as an Endpoint line in a config.
    private static func checkedEndpoint(host: String, port: UInt16) throws -> PeerEndpoint {
        do { return try PeerEndpoint(parsing: PeerEndpoint(host: host, port: port).description) } catch let error as PeerEndpoint.ParseError {
            throw InviteCodeError.badEndpoint(error.description)
        }
    }
}
