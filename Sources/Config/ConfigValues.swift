// Decoders for the value of each key. Every failure becomes a ConfigError naming the
// file, the line and the key; key material is never echoed into a message.
import Addresses
import WireGuard

struct ConfigValues {
    let fileName: String

    /// Stands in while a section is decoded, before its own key line is reached.
    static let placeholderKey = Key(bytes: [UInt8](repeating: 0, count: Key.byteCount))

    func fail(_ entry: RawSection.Entry, _ message: String) -> ConfigError {
        ConfigError(.invalidValue, fileName: fileName, line: entry.line, "\(entry.key): \(message)")
    }

    /// Comma-separated items, trimmed, empty items skipped (as wg does).
    static func items(_ value: String) -> [String] {
        value.split(separator: ",").map { String($0.trimmedSpaces) }.filter { !$0.isEmpty }
    }

    func key(_ entry: RawSection.Entry) throws -> Key {
        do {
            return try Key(base64: entry.value)
        } catch let error as Key.ParseError {
            throw fail(entry, error.description)
        }
    }

    func prefixes(_ entry: RawSection.Entry) throws -> [IPPrefix] {
        try ConfigValues.items(entry.value).map { item in
            guard let prefix = try? IPPrefix(parsing: item) else {
                throw fail(entry, "'\(item)' is not a valid prefix")
            }
            return prefix
        }
    }

    /// DNS servers are addresses; anything else is a search domain (as in wg-quick).
    func dns(_ entry: RawSection.Entry) throws -> (servers: [IPAddress], search: [String]) {
        var servers: [IPAddress] = []
        var search: [String] = []
        for item in ConfigValues.items(entry.value) {
            if let address = IPAddress(item) {
                servers.append(address)
            } else if ConfigValues.isDomain(item) {
                search.append(item)
            } else {
                throw fail(entry, "'\(item)' is neither an IP address nor a search domain")
            }
        }
        return (servers, search)
    }

    static func isDomain(_ text: String) -> Bool {
        text.count <= 253 && !text.hasPrefix(".") && !text.hasPrefix("-")
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }
    }

    func port(_ entry: RawSection.Entry) throws -> UInt16 {
        guard let port = ConfigValues.decimal(entry.value, as: UInt16.self) else {
            throw fail(entry, "'\(entry.value)' is not a port number (0-65535)")
        }
        return port
    }

    static let mtuRange = 68...65535

    func mtu(_ entry: RawSection.Entry) throws -> Int {
        guard let mtu = ConfigValues.decimal(entry.value, as: Int.self), ConfigValues.mtuRange.contains(mtu) else {
            throw fail(entry, "'\(entry.value)' is not an MTU (\(ConfigValues.mtuRange.lowerBound)-\(ConfigValues.mtuRange.upperBound))")
        }
        return mtu
    }

    /// "off", decimal or 0x-hexadecimal; 0 means off.
    func fwMark(_ entry: RawSection.Entry) throws -> UInt32? {
        let text = entry.value.lowercased()
        if text == "off" { return nil }
        let parsed = text.hasPrefix("0x")
            ? (text.count > 2 ? UInt32(text.dropFirst(2), radix: 16) : nil)
            : ConfigValues.decimal(text, as: UInt32.self)
        guard let mark = parsed else {
            throw fail(entry, "'\(entry.value)' is not a firewall mark (a number, 0x-hex, or off)")
        }
        return mark == 0 ? nil : mark
    }

    /// "off" or seconds; 0 means off.
    func keepalive(_ entry: RawSection.Entry) throws -> UInt16? {
        if entry.value.lowercased() == "off" { return nil }
        guard let seconds = ConfigValues.decimal(entry.value, as: UInt16.self) else {
            throw fail(entry, "'\(entry.value)' is not a number of seconds (1-65535) or off")
        }
        return seconds == 0 ? nil : seconds
    }

    func endpoint(_ entry: RawSection.Entry) throws -> PeerEndpoint {
        do {
            return try PeerEndpoint(parsing: entry.value)
        } catch let error as PeerEndpoint.ParseError {
            throw fail(entry, error.description)
        }
    }

    /// Plain decimal digits only: no sign, no spaces, no overflow.
    static func decimal<T: FixedWidthInteger>(_ text: String, as: T.Type) -> T? {
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
        return T(text)
    }
}
