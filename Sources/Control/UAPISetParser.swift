// Parses the body of a `set=1` request (the lines between `set=1` and the empty line)
// into a UAPIConfigurationChange. Device keys come first; each `public_key` starts a peer
// block, and after it only peer keys are valid, as in wireguard-go. Errors follow
// wireguard-go's errno choices (see UAPIErrno).
public enum UAPISetParser {
    public static func parse(lines: [Substring], firstLineNumber: Int = 2) throws -> UAPIConfigurationChange {
        var change = UAPIConfigurationChange()
        var peer: UAPIPeerChange?
        for (offset, line) in lines.enumerated() {
            let number = firstLineNumber + offset
            guard let eq = line.firstIndex(of: "=") else {
                throw UAPIError.protocolViolation("line \(number) has no '='")
            }
            let key = line[..<eq], value = line[line.index(after: eq)...]
            guard let field = UAPIField(rawValue: String(key)), isSettable(field) else {
                throw UAPIError.invalid("line \(number): '\(clip(key))' is not a key a set request may use")
            }
            if field == .publicKey {
                guard let k = UAPIKey(hex: value) else { throw badValue(field, number) }
                if let p = peer { change.peers.append(p) }
                peer = UAPIPeerChange(publicKey: k)
            } else if field.isPeerKey {
                guard var p = peer else {
                    throw UAPIError.invalid("line \(number): '\(field.rawValue)' needs a public_key line before it")
                }
                try apply(field, value, to: &p, line: number)
                peer = p
            } else {
                guard peer == nil else {
                    throw UAPIError.invalid("line \(number): '\(field.rawValue)' is a device key and must come before the first public_key")
                }
                try apply(field, value, to: &change, line: number)
            }
        }
        if let p = peer { change.peers.append(p) }
        return change
    }

    private static func isSettable(_ field: UAPIField) -> Bool {
        switch field {
        case .privateKey, .listenPort, .fwmark, .replacePeers, .publicKey, .remove, .updateOnly, .presharedKey,
             .endpoint, .persistentKeepaliveInterval, .replaceAllowedIPs, .allowedIP, .protocolVersion:
            return true
        default:
            return false
        }
    }

    private static func apply(_ field: UAPIField, _ value: Substring, to c: inout UAPIConfigurationChange, line: Int) throws {
        switch field {
        case .privateKey:
            guard let k = UAPIKey(hex: value) else { throw badValue(field, line) }
            c.privateKey = k
        case .listenPort:
            guard let v = UAPIValue.decimal(value, as: UInt16.self) else { throw badValue(field, line, value) }
            c.listenPort = v
        case .fwmark:
            guard let v = UAPIValue.decimal(value, as: UInt32.self) else { throw badValue(field, line, value) }
            c.fwmark = v
        case .replacePeers:
            guard let v = UAPIValue.flag(value) else { throw badValue(field, line, value) }
            c.replacePeers = c.replacePeers || v
        default:
            throw badValue(field, line)
        }
    }

    private static func apply(_ field: UAPIField, _ value: Substring, to p: inout UAPIPeerChange, line: Int) throws {
        switch field {
        case .remove, .updateOnly, .replaceAllowedIPs:
            guard let v = UAPIValue.flag(value) else { throw badValue(field, line, value) }
            if field == .remove { p.remove = p.remove || v }
            if field == .updateOnly { p.updateOnly = p.updateOnly || v }
            // Replacing clears what earlier lines of this block added, as applying in order would.
            if field == .replaceAllowedIPs && v { p.replaceAllowedIPs = true; p.allowedIPs.removeAll() }
        case .presharedKey:
            guard let k = UAPIKey(hex: value) else { throw badValue(field, line) }
            p.presharedKey = k
        case .endpoint:
            guard let e = UAPIValue.endpoint(value) else { throw badValue(field, line, value) }
            p.endpoint = e
        case .persistentKeepaliveInterval:
            guard let v = UAPIValue.decimal(value, as: UInt16.self) else { throw badValue(field, line, value) }
            p.persistentKeepaliveInterval = v
        case .allowedIP:
            guard let a = UAPIValue.prefix(value) else { throw badValue(field, line, value) }
            p.allowedIPs.append(a)
        case .protocolVersion:
            guard value == "\(UAPIPeerSnapshot.currentProtocolVersion)" else {
                throw UAPIError.invalid("line \(line): protocol_version '\(clip(value))' is not supported (only 1)")
            }
        default:
            throw badValue(field, line)
        }
    }

    /// Key values are never echoed: they may be secrets.
    private static func badValue(_ field: UAPIField, _ line: Int, _ value: Substring? = nil) -> UAPIError {
        let shown = value.map { " '\(clip($0))'" } ?? ""
        return UAPIError.invalid("line \(line): invalid \(field.rawValue) value\(shown)")
    }

    /// Keeps hostile input out of log lines at a readable length.
    static func clip(_ text: Substring) -> String {
        let limit = 64
        let s = UAPIValue.singleLine(String(text.prefix(limit)))
        return text.count > limit ? s + "…" : s
    }
}
