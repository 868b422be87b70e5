// Where mac1 and mac2 sit in a handshake message: the last 32 bytes, mac1 then mac2. mac1
// covers everything before it, mac2 everything before itself (including mac1).
enum MACLayout {
    static let macLength = Blake2s.macLength

    static func isHandshake(_ message: UnsafeRawBufferPointer) -> Bool {
        message.count == HandshakeInitiation.length || message.count == HandshakeResponse.length
    }

    static func mac1Offset(_ count: Int) -> Int { count - 2 * macLength }
    static func mac2Offset(_ count: Int) -> Int { count - macLength }

    static func coveredByMAC1(_ message: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: message[0..<mac1Offset(message.count)])
    }

    static func coveredByMAC2(_ message: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: message[0..<mac2Offset(message.count)])
    }

    static func mac1(_ message: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let start = mac1Offset(message.count)
        return UnsafeRawBufferPointer(rebasing: message[start..<start + macLength])
    }

    static func mac2(_ message: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let start = mac2Offset(message.count)
        return UnsafeRawBufferPointer(rebasing: message[start..<start + macLength])
    }
}
