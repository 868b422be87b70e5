// Message type 2 (92 bytes): the responder's ephemeral key and an encrypted empty payload
// that proves it derived the same keys, then mac1 and mac2.
public struct HandshakeResponse: Equatable, Sendable {
    public static let length = 92

    public var senderIndex: UInt32
    public var receiverIndex: UInt32
    public var ephemeral: [UInt8]         // 32
    public var encryptedNothing: [UInt8]  // 0 + 16 tag
    public var mac1: [UInt8]              // 16
    public var mac2: [UInt8]              // 16

    public init(senderIndex: UInt32, receiverIndex: UInt32, ephemeral: [UInt8], encryptedNothing: [UInt8],
                mac1: [UInt8] = [UInt8](repeating: 0, count: 16), mac2: [UInt8] = [UInt8](repeating: 0, count: 16)) {
        self.senderIndex = senderIndex
        self.receiverIndex = receiverIndex
        self.ephemeral = ephemeral
        self.encryptedNothing = encryptedNothing
        self.mac1 = mac1
        self.mac2 = mac2
    }

    public init(bytes: UnsafeRawBufferPointer) throws {
        try WireReader.check(bytes, type: .handshakeResponse, length: Self.length)
        var r = WireReader(bytes)
        _ = r.take(4)
        senderIndex = r.uint32LE()
        receiverIndex = r.uint32LE()
        ephemeral = r.take(32)
        encryptedNothing = r.take(16)
        mac1 = r.take(16)
        mac2 = r.take(16)
    }

    public init(bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try HandshakeResponse(bytes: $0) }
    }

    public func encoded() -> [UInt8] {
        var out = [UInt8].messageHeader(.handshakeResponse)
        out.reserveCapacity(Self.length)
        out.appendLE(senderIndex)
        out.appendLE(receiverIndex)
        out += ephemeral + encryptedNothing + mac1 + mac2
        precondition(out.count == Self.length, "HandshakeResponse fields have wrong sizes")
        return out
    }
}
