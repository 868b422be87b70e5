// `tunnel peer add`, `list` and `remove`: option values checked, the server config
// edited under its lock, and the text to print. A running server notices the changed
// file by itself.
import Addresses
import Config
import Foundation

public enum PeerManagement {
    /// Adds the peer and returns what to print. The file is saved only when everything,
    /// the QR code included, succeeded.
    public static func add(_ request: PeerAddRequest) throws -> PeerAddOutput {
        let endpoint = try request.endpoint.map(parseEndpoint)
        let dns = try parseDNS(request.dns)
        let allowed = request.allowedIPs.isEmpty ? PeerRegistry.defaultClientAllowedIPs
                                                 : try parseAllowedIPs(request.allowedIPs)
        return try ServerConfigFile.update(path: request.configPath) { config in
            var registry = PeerRegistry(config: config)
            let added = try registry.add(name: request.name, allowedIPsForClient: allowed, dns: dns, endpoint: endpoint)
            var output = added.clientConfigText
            if request.qrCode { output += "\n" + (try QRCode.render(output)) }
            config = registry.config
            let addresses = added.addresses.map(\.description).joined(separator: ", ")
            return PeerAddOutput(standardOutput: output,
                             summary: "added peer '\(added.name)' (\(addresses)) to \(request.configPath)")
        }
    }

    /// The peer table of `tunnel peer list`, now.
    public static func list(configPath: String = ServerConfigFile.defaultPath) throws -> String {
        try list(configPath: configPath, json: false, now: Int64(Date().timeIntervalSince1970))
    }

    /// Removes the named peer (or withdraws its pending invite); returns a one-line
    /// confirmation.
    public static func remove(name: String, configPath: String = ServerConfigFile.defaultPath) throws -> String {
        let config = try ServerConfigFile.load(path: configPath)
        if !config.peers.contains(where: { $0.name == name }), try withdrawInvite(name: name, configPath: configPath) {
            return "withdrew the invite for '\(name)' from \(InviteStore.path(forConfig: configPath))"
        }
        return try ServerConfigFile.update(path: configPath) { config in
            var registry = PeerRegistry(config: config)
            let removed = try registry.remove(name: name)
            config = registry.config
            return "removed peer '\(name)' (\(removed.publicKey.base64)) from \(configPath)"
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
