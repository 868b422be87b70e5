// The [Interface] section: our identity and how the local interface is set up.
import Addresses
import WireGuard

public struct InterfaceSection: Equatable, Sendable {
    public var privateKey: Key
    /// Interface addresses with their prefix lengths, both families, in file order.
    public var addresses: [IPPrefix]
    public var listenPort: UInt16?
    public var dns: [IPAddress]
    /// Non-address DNS entries: search domains.
    public var dnsSearch: [String]
    public var mtu: Int?
    /// nil when off (wg treats 0 as off).
    public var fwMark: UInt32?
    /// wg-quick's Table, kept as written ("off", "auto", a number or a name).
    public var table: String?
    /// Hook commands, kept so a rendered file preserves them. `tunnel` never runs them.
    public var preUp: [String]
    public var postUp: [String]
    public var preDown: [String]
    public var postDown: [String]
    /// Kept as written; `tunnel` never writes the file back on exit.
    public var saveConfig: String?
    /// A server's public address for its clients, from a `# Endpoint = host:port` comment
    /// (a comment, so wg-quick ignores it). `tunnel peer add` copies it into client configs.
    public var publicEndpoint: PeerEndpoint?

    public init(privateKey: Key, addresses: [IPPrefix] = [], listenPort: UInt16? = nil,
                dns: [IPAddress] = [], dnsSearch: [String] = [], mtu: Int? = nil, fwMark: UInt32? = nil,
                table: String? = nil, preUp: [String] = [], postUp: [String] = [],
                preDown: [String] = [], postDown: [String] = [], saveConfig: String? = nil,
                publicEndpoint: PeerEndpoint? = nil) {
        self.privateKey = privateKey
        self.addresses = addresses
        self.listenPort = listenPort
        self.dns = dns
        self.dnsSearch = dnsSearch
        self.mtu = mtu
        self.fwMark = fwMark
        self.table = table
        self.preUp = preUp
        self.postUp = postUp
        self.preDown = preDown
        self.postDown = postDown
        self.saveConfig = saveConfig
        self.publicEndpoint = publicEndpoint
    }

    /// True when the section asks for shell hooks, which `tunnel` does not run.
    public var hasHooks: Bool {
        !(preUp.isEmpty && postUp.isEmpty && preDown.isEmpty && postDown.isEmpty)
    }

    /// Decodes entries in file order, so the first bad line is the one reported.
    init(_ raw: RawSection, values: ConfigValues) throws {
        self.init(privateKey: ConfigValues.placeholderKey)
        var found: Key?
        for entry in raw.entries {
            if entry.key == "PrivateKey" {
                found = try values.key(entry)
            } else {
                try apply(entry, values)
            }
        }
        guard let key = found else {
            throw ConfigError(.missingKey, fileName: values.fileName, line: raw.headerLine,
                              "[Interface] has no PrivateKey (generate one with `tunnel genkey` or `wg genkey`)")
        }
        privateKey = key
        // A comment that does not parse stays a plain comment rather than failing the file.
        publicEndpoint = raw.endpointComment.flatMap { try? PeerEndpoint(parsing: $0) }
    }

    private mutating func apply(_ entry: RawSection.Entry, _ values: ConfigValues) throws {
        switch entry.key {
        case "Address": addresses += try values.prefixes(entry)
        case "ListenPort": listenPort = try values.port(entry)
        case "DNS":
            let (servers, search) = try values.dns(entry)
            dns += servers
            dnsSearch += search
        case "MTU": mtu = try values.mtu(entry)
        case "FwMark": fwMark = try values.fwMark(entry)
        case "Table": table = entry.value
        case "PreUp": preUp.append(entry.value)
        case "PostUp": postUp.append(entry.value)
        case "PreDown": preDown.append(entry.value)
        case "PostDown": postDown.append(entry.value)
        case "SaveConfig": saveConfig = entry.value
        default: break  // ConfigParser admits only known keys.
        }
    }

    func render(_ dialect: ConfigDialect) -> [String] {
        var lines = ["[Interface]"]
        if let endpoint = publicEndpoint, dialect == .wgQuick { lines.append("# Endpoint = \(endpoint)") }
        lines.append("PrivateKey = \(privateKey.base64)")
        if let port = listenPort { lines.append("ListenPort = \(port)") }
        if let mark = fwMark { lines.append("FwMark = 0x\(String(mark, radix: 16))") }
        guard dialect == .wgQuick else { return lines }
        if !addresses.isEmpty { lines.append("Address = " + addresses.map(\.description).joined(separator: ", ")) }
        let dnsItems = dns.map(\.description) + dnsSearch
        if !dnsItems.isEmpty { lines.append("DNS = " + dnsItems.joined(separator: ", ")) }
        if let mtu = mtu { lines.append("MTU = \(mtu)") }
        if let table = table { lines.append("Table = \(table)") }
        lines += preUp.map { "PreUp = \($0)" } + postUp.map { "PostUp = \($0)" }
        lines += preDown.map { "PreDown = \($0)" } + postDown.map { "PostDown = \($0)" }
        if let save = saveConfig { lines.append("SaveConfig = \(save)") }
        return lines
    }
}
