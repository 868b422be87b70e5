// Strict parsing of the protocol's value syntaxes: decimal integers (digits only, as
// wg(8) and wireguard-go read them: no sign, no spaces), the boolean `true`, endpoints
// (`a.b.c.d:port` or `[v6]:port`) and prefixes (`addr/len`, the length required).
import Addresses

enum UAPIValue {
    static let trueText = "true"
    static let falseText = "false"
    /// More digits than any 64-bit value has, so no loop runs long on hostile input.
    static let maxDecimalDigits = 20

    static func decimal<T: FixedWidthInteger & UnsignedInteger>(_ text: Substring, as: T.Type = T.self) -> T? {
        decimal(digits: text.utf8, as: T.self)
    }

    /// decimal over the value's bytes, as the answer parser holds them.
    static func decimal<T: FixedWidthInteger & UnsignedInteger, C: Collection<UInt8>>(digits utf8: C, as: T.Type = T.self) -> T? {
        guard !utf8.isEmpty, utf8.count <= maxDecimalDigits else { return nil }
        var value: T = 0
        for c in utf8 {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(T(c - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// A non-negative decimal that fits Int64 (handshake times).
    static func nonNegativeInt64(_ text: Substring) -> Int64? {
        guard let v = decimal(text, as: UInt64.self), v <= UInt64(Int64.max) else { return nil }
        return Int64(v)
    }

    /// `true` sets the flag. `false` is accepted as "no change" (wireguard-go rejects it;
    /// accepting it harms nothing and spares a scripted client a confusing error).
    static func flag(_ text: Substring) -> Bool? {
        if text == trueText { return true }
        if text == falseText { return false }
        return nil
    }

    // Searched by byte (the syntax is ASCII), not by Character: this runs for every peer
    // of a `get` answer.
    static func endpoint(_ text: Substring) -> Endpoint? {
        let utf8 = text.utf8
        if utf8.first == UInt8(ascii: "[") {
            guard let close = utf8.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            let host = text[utf8.index(after: utf8.startIndex)..<close]
            let rest = text[utf8.index(after: close)...]
            guard rest.utf8.first == UInt8(ascii: ":"),
                  let port = decimal(rest[rest.utf8.index(after: rest.startIndex)...], as: UInt16.self) else { return nil }
            guard isAddressText(host), let addr = IPv6Address(String(host)) else { return nil }
            return Endpoint(address: .v6(addr), port: port)
        }
        guard let colon = utf8.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        let host = text[..<colon]
        guard let port = decimal(text[utf8.index(after: colon)...], as: UInt16.self) else { return nil }
        guard isAddressText(host), !host.utf8.contains(UInt8(ascii: ":")),
              let addr = IPv4Address(String(host)) else { return nil }
        return Endpoint(address: .v4(addr), port: port)
    }

    static func prefix(_ text: Substring) -> IPPrefix? {
        guard let slash = text.utf8.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let address = text[..<slash]
        guard isAddressText(address),
              let length = decimal(text[text.utf8.index(after: slash)...], as: UInt8.self),
              let addr = IPAddress(String(address)),
              Int(length) <= addr.bitWidth else { return nil }
        return IPPrefix(address: addr, length: Int(length))
    }

    /// Only hex digits, dots and colons: no zone ("%eth0"), no brackets, no spaces or NULs
    /// that a C parser would stop at.
    private static func isAddressText(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.count <= 45 && text.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
                || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F")) || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")
        }
    }

    /// A text value made safe for one protocol line: line breaks and other control bytes
    /// become spaces, so a peer name from a config comment cannot inject keys.
    static func singleLine(_ text: String) -> String {
        // Nearly every name and state is clean already: no copy then.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else { return text }
        return String(decoding: text.utf8.map { $0 < 0x20 || $0 == 0x7f ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    /// A counter name made into a key suffix: [a-z0-9_] only.
    static func counterName(_ name: String) -> String {
        let cleaned = name.lowercased().utf8.map { c -> UInt8 in
            let ok = (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
            return ok ? c : UInt8(ascii: "_")
        }
        return cleaned.isEmpty ? "_" : String(decoding: cleaned, as: UTF8.self)
    }
}
