// The bytes of an answer as UAPIResponseWriter builds it: `key=value` lines appended
// straight into one byte array. A 10,000-peer `get=tunnel` answer is some 320,000 lines;
// building each as a String (interpolation, `String(n)`, `+=`) was most of a `get`'s time
// on the control queue, and the allocations left pages behind.
import Addresses

struct UAPIAnswerBuffer {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func line(_ field: UAPIField, _ value: String) {
        key(field)
        text(value)
        newline()
    }

    mutating func line(_ field: UAPIField, _ value: UInt64) {
        key(field)
        decimal(value)
        newline()
    }

    mutating func line(_ field: UAPIField, signed value: Int64) {
        key(field)
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        decimal(value.magnitude)
        newline()
    }

    mutating func line(_ field: UAPIField, _ key: UAPIKey) {
        self.key(field)
        hex(key)
        newline()
    }

    mutating func line(_ field: UAPIField, _ prefix: IPPrefix) {
        key(field)
        self.prefix(prefix)
        newline()
    }

    /// `tunnel_counter_<name>=<value>`; the name made safe as UAPIValue.counterName does,
    /// without a new String when it already is (as every name the tunnel gives is).
    mutating func counter(_ c: UAPICounter) {
        text(UAPIField.counterPrefix)
        var name = c.name
        let clean = name.withUTF8 { utf8 in
            guard UAPIAnswerBuffer.isCleanCounterName(utf8) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !clean { text(UAPIValue.counterName(c.name)) }
        bytes.append(UInt8(ascii: "="))
        decimal(c.value)
        newline()
    }

    mutating func newline() { bytes.append(UInt8(ascii: "\n")) }

    mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func key(_ field: UAPIField) {
        text(field.rawValue)
        bytes.append(UInt8(ascii: "="))
    }

    mutating func decimal(_ value: UInt64) {
        guard value >= 10 else {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        // 20 digits hold any UInt64.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            var v = value
            while v > 0 {
                raw[23 - count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            }
            bytes.append(contentsOf: raw[(24 - count)...])
        }
    }

    /// Lowercase hex, as UAPIKey.hex writes it.
    private mutating func hex(_ key: UAPIKey) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: UAPIKey.hexLength))
        bytes.withUnsafeMutableBufferPointer { out in
            key.withUnsafeBytes { raw in
                for (i, b) in raw.enumerated() {
                    out[start + 2 * i] = UAPIAnswerBuffer.hexDigit(b >> 4)
                    out[start + 2 * i + 1] = UAPIAnswerBuffer.hexDigit(b & 0x0f)
                }
            }
        }
    }

    /// As IPPrefix.description writes it; IPv4 digit by digit, since nearly every
    /// allowed IP is one.
    private mutating func prefix(_ p: IPPrefix) {
        guard case .v4(let a) = p.address else {
            text(p.description)
            return
        }
        decimal(UInt64(a.value >> 24))
        bytes.append(UInt8(ascii: "."))
        decimal(UInt64((a.value >> 16) & 0xff))
        bytes.append(UInt8(ascii: "."))
        decimal(UInt64((a.value >> 8) & 0xff))
        bytes.append(UInt8(ascii: "."))
        decimal(UInt64(a.value & 0xff))
        bytes.append(UInt8(ascii: "/"))
        decimal(UInt64(p.length))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    static func isCleanCounterName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        !name.isEmpty && name.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                || c == UInt8(ascii: "_")
        }
    }
}
