// Message type 1 (148 bytes): the initiator's ephemeral key, its encrypted static key and
// encrypted TAI64N timestamp, then mac1 and mac2.
public struct HandshakeInitiation: Equatable, Sendable {
    public static let length = 148

    public var senderIndex: UInt32
    public var ephemeral: [UInt8]           // 32
    public var encryptedStatic: [UInt8]     // 32 + 16 tag
    public var encryptedTimestamp: [UInt8]  // 12 + 16 tag
    public var mac1: [UInt8]                // 16
    public var mac2: [UInt8]                // 16

    public init(senderIndex: UInt32, ephemeral: [UInt8], encryptedStatic: [UInt8], encryptedTimestamp: [UInt8],
                mac1: [UInt8] = [UInt8](repeating: 0, count: 16), mac2: [UInt8] = [UInt8](repeating: 0, count: 16)) {
        self.senderIndex = senderIndex
        self.ephemeral = ephemeral
        self.encryptedStatic = encryptedStatic
        self.encryptedTimestamp = encryptedTimestamp
        self.mac1 = mac1
        self.mac2 = mac2
    }

    public init(bytes: UnsafeRawBufferPointer) throws {
        try WireReader.check(bytes, type: .handshakeInitiation, length: Self.length)
        var r = WireReader(bytes)
        _ = r.take(4)
        senderIndex = r.uint32LE()
        ephemeral = r.take(32)
        encryptedStatic = r.take(48)
        encryptedTimestamp = r.take(28)
        mac1 = r.take(16)
        mac2 = r.take(16)
    }

    public init(bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try HandshakeInitiation(bytes: $0) }
    }

    public func encoded() -> [UInt8] {
        var out = [UInt8].messageHeader(.handshakeInitiation)
        out.reserveCapacity(Self.length)
        out.appendLE(senderIndex)
        out += ephemeral + encryptedStatic + encryptedTimestamp + mac1 + mac2
        precondition(out.count == Self.length, "HandshakeInitiation fields have wrong sizes")
        return out
    }
}
