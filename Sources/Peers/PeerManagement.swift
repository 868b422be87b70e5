// `tunnel peer add`, `list` and `remove`: option values checked, the peer store changed
// in one atomic step (the config file under its lock, or one etcd transaction), and the
// text to print. Running servers notice the change by themselves.
import Addresses
import Config
import Foundation

public enum PeerManagement {
    /// Adds the peer and returns what to print. The file is saved only when everything,
    /// the QR code included, succeeded.
    public static func add(_ request: PeerAddRequest, store: (any PeerStore)? = nil,
                           now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> PeerAddOutput {
        let store = store ?? FilePeerStore(configPath: request.configPath)
        let endpoint = try request.endpoint.map(parseEndpoint)
        let dns = try parseDNS(request.dns)
        let allowed = request.allowedIPs.isEmpty ? PeerRegistry.defaultClientAllowedIPs
                                                 : try parseAllowedIPs(request.allowedIPs)
        return try store.update { contents in
            // A pending invite holds its name until it is used, withdrawn or expired.
            guard !contents.invites.contains(where: { $0.name == request.name && !$0.hasExpired(at: now) }) else {
                throw PeerManagementError.nameTaken(request.name)
            }
            var registry = PeerRegistry(config: contents.config)
            let added = try registry.add(name: request.name, allowedIPsForClient: allowed, dns: dns, endpoint: endpoint)
            var output = added.clientConfigText
            if request.qrCode { output += "\n" + (try QRCode.render(output)) }
            contents.config = registry.config
            let addresses = added.addresses.map(\.description).joined(separator: ", ")
            return PeerAddOutput(standardOutput: output,
                                 summary: "added peer '\(added.name)' (\(addresses)) to \(store.location)")
        }
    }

    /// The peer table of `tunnel peer list`, now.
    public static func list(configPath: String = ServerConfigFile.defaultPath) throws -> String {
        try list(store: FilePeerStore(configPath: configPath), json: false, now: Int64(Date().timeIntervalSince1970))
    }

    /// Removes the named peer (or withdraws its pending invite); returns a one-line
    /// confirmation.
    public static func remove(name: String, configPath: String = ServerConfigFile.defaultPath) throws -> String {
        try remove(name: name, store: FilePeerStore(configPath: configPath))
    }

    public static func remove(name: String, store: any PeerStore) throws -> String {
        try store.update { contents in
            if !contents.peers.contains(where: { $0.name == name }),
               let index = contents.invites.firstIndex(where: { $0.name == name }) {
                contents.invites.remove(at: index)
                return "withdrew the invite for '\(name)' from \(store.location)"
            }
            var registry = PeerRegistry(config: contents.config)
            let removed = try registry.remove(name: name)
            contents.config = registry.config
            return "removed peer '\(name)' (\(removed.publicKey.base64)) from \(store.location)"
        }
    }

    static func parseEndpoint(_ text: String) throws -> PeerEndpoint {
        do {
            return try PeerEndpoint(parsing: text)
        } catch let error as PeerEndpoint.ParseError {
            throw PeerManagementError.invalidOption(option: "--endpoint", value: text, reason: error.description)
        }
    }

    static func parseDNS(_ values: [String]) throws -> [IPAddress] {
        try items(values).map { item in
            guard let address = IPAddress(item) else {
                throw PeerManagementError.invalidOption(option: "--dns", value: item, reason: "not an IP address")
            }
            return address
        }
    }

    /// Prefixes with host bits cleared, as wg stores them.
    static func parseAllowedIPs(_ values: [String]) throws -> [IPPrefix] {
        let list = items(values)
        guard !list.isEmpty else {
            throw PeerManagementError.invalidOption(option: "--allowed-ips", value: values.joined(separator: ","),
                                                    reason: "give at least one prefix, e.g. 0.0.0.0/0, ::/0")
        }
        return try list.map { item in
            do {
                return try IPPrefix(parsing: item).network
            } catch let error as IPPrefix.ParseError {
                throw PeerManagementError.invalidOption(option: "--allowed-ips", value: item,
                                                        reason: "not a CIDR prefix (\(error.description))")
            }
        }
    }

    /// Repeated options and comma-separated lists, flattened and trimmed.
    static func items(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }
}
