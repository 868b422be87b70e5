// Splits INI text into sections of `Key = Value` lines and enforces the file's shape:
// known sections and keys, one [Interface], no key given twice unless it accumulates.
// Values are decoded later, by InterfaceSection and PeerSection.

struct ConfigParser {
    let fileName: String
    let dialect: ConfigDialect
    private(set) var sections: [RawSection] = []
    /// Where each single-valued key of the current section was first seen.
    private var seenKeys: [String: Int] = [:]

    init(fileName: String, dialect: ConfigDialect) {
        self.fileName = fileName
        self.dialect = dialect
    }

    static func sections(of text: String, fileName: String, dialect: ConfigDialect) throws -> [RawSection] {
        var parser = ConfigParser(fileName: fileName, dialect: dialect)
        var number = 0
        for line in ConfigParser.lines(of: text) {
            number += 1
            try parser.consume(line, number: number)
        }
        return parser.sections
    }

    /// Lines without their terminators; tolerates CRLF and a leading byte-order mark.
    static func lines(of text: String) -> [Substring] {
        var body = Substring(text)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        return body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    private func error(_ kind: ConfigError.Kind, _ line: Int, _ message: String) -> ConfigError {
        ConfigError(kind, fileName: fileName, line: line, message)
    }

    mutating func consume(_ line: Substring, number: Int) throws {
        let trimmed = line.trimmedSpaces
        if trimmed.hasPrefix("#") {
            noteComment(trimmed.dropFirst())
            return
        }
        // Like wg and wg-quick, a '#' anywhere starts a comment.
        let content = (trimmed.firstIndex(of: "#").map { trimmed[..<$0] } ?? trimmed).trimmedSpaces
        if content.isEmpty { return }
        if content.hasPrefix("[") {
            try openSection(content, number: number)
        } else {
            try addEntry(content, number: number)
        }
    }

    private mutating func openSection(_ header: Substring, number: Int) throws {
        guard header.hasSuffix("]") else {
            throw error(.syntax, number, "section header '\(header)' has no closing ']'")
        }
        let name = header.dropFirst().dropLast().trimmedSpaces.lowercased()
        let kind: RawSection.Kind
        switch name {
        case "interface": kind = .interface
        case "peer": kind = .peer
        default: throw error(.unknownSection, number, "unknown section \(header): expected [Interface] or [Peer]")
        }
        if kind == .interface, let first = sections.first(where: { $0.kind == .interface }) {
            throw error(.duplicateSection, number, "a second [Interface] section (the first is on line \(first.headerLine))")
        }
        sections.append(RawSection(kind: kind, headerLine: number))
        seenKeys = [:]
    }

    private mutating func addEntry(_ content: Substring, number: Int) throws {
        guard let equals = content.firstIndex(of: "=") else {
            // The line itself is not shown: a key pasted without its name would be echoed.
            throw error(.syntax, number, "expected 'Key = Value', a [Section] header or a # comment")
        }
        let written = String(content[..<equals].trimmedSpaces)
        let value = String(content[content.index(after: equals)...].trimmedSpaces)
        guard let kind = sections.last?.kind else {
            throw error(.keyOutsideSection, number,
                        "\(ConfigParser.shown(written)) appears before any [Interface] or [Peer] section")
        }
        let key = try knownKey(written, in: kind, number: number)
        if !key.repeats {
            if let first = seenKeys[key.name] {
                throw error(.duplicateKey, number, "\(key.name) is given twice in this section (first on line \(first))")
            }
            seenKeys[key.name] = number
        }
        sections[sections.count - 1].entries.append(RawSection.Entry(key: key.name, value: value, line: number))
    }

    private func knownKey(_ written: String, in kind: RawSection.Kind, number: Int) throws -> ConfigKey {
        guard let key = ConfigKey.find(written, in: kind) else {
            let known = ConfigKey.keys(for: kind).filter { dialect == .wgQuick || !$0.wgQuickOnly }.map(\.name)
            throw error(.unknownKey, number,
                        "unknown key \(ConfigParser.shown(written)) in [\(kind.rawValue)] (known: \(known.joined(separator: ", ")))")
        }
        if dialect == .wg && key.wgQuickOnly {
            throw error(.notInThisFormat, number, "\(key.name) is a wg-quick key; the wg configuration format has no \(key.name)")
        }
        return key
    }

    /// Key names are short words. Anything else before an '=' may be a pasted key (base64
    /// ends in '='), and is not repeated into a message that may reach a log.
    static func shown(_ written: String) -> String {
        let looksLikeName = written.count <= maxShownKeyLength && written.allSatisfy { $0.isASCII && $0.isLetter }
        return looksLikeName ? "'\(written)'" : "(text not shown: it may be key material)"
    }

    /// Longer than any key name (PersistentKeepalive has 19 letters), shorter than a key.
    static let maxShownKeyLength = 24

    /// `# Name = alice` inside a [Peer] section names that peer; `# Endpoint = host:port`
    /// inside [Interface] is where clients reach this machine (see InterfaceSection);
    /// any other `# Word = value` in a [Peer] is kept as a PeerNote (a peer's limits).
    private mutating func noteComment(_ comment: Substring) {
        guard let kind = sections.last?.kind, let equals = comment.firstIndex(of: "=") else { return }
        let written = comment[..<equals].trimmedSpaces
        let key = written.lowercased()
        let value = comment[comment.index(after: equals)...].trimmedSpaces
        guard !value.isEmpty else { return }
        switch (kind, key) {
        case (.peer, "name"):
            if let name = ConfigParser.oneLine(value) { sections[sections.count - 1].name = name }
        case (.interface, "endpoint"): sections[sections.count - 1].endpointComment = String(value)
        case (.peer, _) where PeerNote.isNoteKey(written):
            if let line = ConfigParser.oneLine(value) {
                sections[sections.count - 1].notes.append(PeerNote(key: String(written), value: line))
            }
        default: break
        }
    }
}

extension ConfigParser {
    /// A peer name as logs and status show it and the renderer writes it back, on one
    /// line: control characters and line or paragraph separators (which the renderer
    /// would flatten) become spaces, so the name survives a save and load unchanged.
    /// Nil if nothing else is left.
    static func oneLine(_ text: Substring) -> String? {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator: scalars.append(" ")
            default: scalars.append(scalar)
            }
        }
        let name = Substring(String(scalars)).trimmedSpaces
        return name.isEmpty ? nil : String(name)
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmedSpaces: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }
}
