// A JSON document with its object keys in a fixed order, written by hand so the output is
// byte for byte predictable (documented in Docs/status.md, checked by tests).
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func == (l: JSONValue, r: JSONValue) -> Bool { l.text(indent: nil) == r.text(indent: nil) }

    static func optional<T>(_ value: T?, _ wrap: (T) -> JSONValue) -> JSONValue { value.map(wrap) ?? .null }

    /// Pretty-printed with two spaces per level; `indent: nil` writes one line.
    func text(indent: Int? = 0) -> String {
        var out = ""
        write(into: &out, indent: indent)
        return out
    }

    private func write(into out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let n): out += String(n)
        case .uint(let n): out += String(n)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            writeContainer("[", "]", items.map { (nil, $0) }, into: &out, indent: indent)
        case .object(let members):
            writeContainer("{", "}", members.map { ($0.0, $0.1) }, into: &out, indent: indent)
        }
    }

    private func writeContainer(_ open: String, _ close: String, _ items: [(String?, JSONValue)],
                                into out: inout String, indent: Int?) {
        guard !items.isEmpty else { out += open + close; return }
        out += open
        let inner = indent.map { $0 + 2 }
        for (i, (key, value)) in items.enumerated() {
            if i > 0 { out += "," }
            if let inner { out += "\n" + String(repeating: " ", count: inner) }
            if let key {
                JSONValue.writeString(key, into: &out)
                out += indent == nil ? ":" : ": "
            }
            value.write(into: &out, indent: inner)
        }
        if let indent { out += "\n" + String(repeating: " ", count: indent) }
        out += close
    }

    /// RFC 8259 escaping: quotes, backslashes and control characters.
    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
