// base64url without padding (RFC 4648 section 5), strict: the text a person pastes must
// decode one way only, so characters outside the alphabet and stray bits in the last
// character are refused instead of ignored. Otherwise a mistyped last character could
// decode to the same bytes and pass unnoticed.

public enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    static let bitsPerCharacter = 6

    public enum Failure: Error, Equatable {
        /// Offset (from 0) and the character.
        case invalidCharacter(Int, Character)
        /// A length no byte string encodes to, or set bits past the last byte.
        case notCanonical
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 8 + bitsPerCharacter - 1) / bitsPerCharacter)
        var buffer: UInt32 = 0
        var held = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            held += 8
            while held >= bitsPerCharacter {
                held -= bitsPerCharacter
                out.append(alphabet[Int(buffer >> UInt32(held) & 0x3f)])
            }
        }
        if held > 0 { out.append(alphabet[Int(buffer << UInt32(bitsPerCharacter - held) & 0x3f)]) }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var held = 0
        for (offset, character) in text.enumerated() {
            guard let ascii = character.asciiValue, let value = alphabet.firstIndex(of: ascii) else {
                throw Failure.invalidCharacter(offset, character)
            }
            buffer = buffer << UInt32(bitsPerCharacter) | UInt32(value)
            held += bitsPerCharacter
            if held >= 8 {
                held -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(held)))
            }
        }
        // 2 or 4 leftover bits are padding and must be zero; 6 would be a character too many.
        guard held < bitsPerCharacter, buffer & ((1 << UInt32(held)) - 1) == 0 else { throw Failure.notCanonical }
        return out
    }
}
