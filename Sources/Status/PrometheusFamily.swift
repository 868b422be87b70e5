// One metric family of the Prometheus text format: its HELP and TYPE lines and every
// sample of it, from all interfaces (the format wants a family's samples together). Pure.
public struct PrometheusFamily: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case counter
        case gauge
        case untyped
    }

    public struct Sample: Equatable, Sendable {
        /// In order of output.
        public var labels: [(String, String)]
        public var value: String

        public static func == (a: Sample, b: Sample) -> Bool {
            a.value == b.value && a.labels.elementsEqual(b.labels) { $0 == $1 }
        }
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample] = []

    public init(_ name: String, _ kind: Kind, _ help: String) {
        self.name = name
        self.kind = kind
        self.help = help
    }

    mutating func add(_ labels: [(String, String)], _ value: UInt64) {
        samples.append(Sample(labels: labels, value: String(value)))
    }

    mutating func add(_ labels: [(String, String)], _ value: Int64) {
        samples.append(Sample(labels: labels, value: String(value)))
    }

    /// Nothing for a family without samples.
    var text: String {
        guard !samples.isEmpty else { return "" }
        var out = "# HELP \(name) \(PrometheusFamily.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        for s in samples {
            let labels = s.labels.map { "\($0.0)=\"\(PrometheusFamily.escapeLabel($0.1))\"" }.joined(separator: ",")
            out += labels.isEmpty ? "\(name) \(s.value)\n" : "\(name){\(labels)} \(s.value)\n"
        }
        return out
    }

    /// Label values escape backslash, double quote and line feed.
    static func escapeLabel(_ value: String) -> String { escape(value, quote: true) }

    /// HELP text escapes backslash and line feed only.
    static func escapeHelp(_ value: String) -> String { escape(value, quote: false) }

    private static func escape(_ value: String, quote: Bool) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"" where quote: out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}
