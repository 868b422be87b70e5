// Keys cross between the Control module (which knows only bytes) and the WireGuard
// module here, and nowhere else.
import Control
import WireGuard

extension UAPIKey {
    init(_ key: Key) {
        // A Key is always 32 bytes, so this cannot fail.
        self = key.withUnsafeBytes { UAPIKey(unsafeBytes: $0) } ?? .zero
    }

    var wireGuardKey: Key { Key(bytes: bytes) }
}

extension UAPIKey {
    static let base64Digits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The key in base64 with padding, as Key.base64 writes it, without going through
    /// Foundation's Data: `tunnel status` writes one per peer, 10,000 of them.
    var base64: String {
        let digits = UAPIKey.base64Digits
        return withUnsafeBytes { bytes in
            var out = [UInt8]()
            out.reserveCapacity((bytes.count + 2) / 3 * 4)
            var i = 0
            while i < bytes.count {
                let b0 = UInt32(bytes[i])
                let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
                let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
                let group = b0 << 16 | b1 << 8 | b2
                out.append(digits[Int(group >> 18 & 0x3f)])
                out.append(digits[Int(group >> 12 & 0x3f)])
                out.append(i + 1 < bytes.count ? digits[Int(group >> 6 & 0x3f)] : UInt8(ascii: "="))
                out.append(i + 2 < bytes.count ? digits[Int(group & 0x3f)] : UInt8(ascii: "="))
                i += 3
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
