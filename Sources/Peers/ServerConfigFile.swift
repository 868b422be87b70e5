// The server's wg-quick file (default /etc/tunnel/server.conf): created on the first
// `tunnel server --listen`, read by the server, edited by `tunnel peer add/remove`.
// The program owns this file, so it is rewritten by atomic rename.
import Addresses
import Config
import WireGuard
#if canImport(Glibc)
import Glibc
#endif

public enum ServerConfigFile {
    public static let defaultPath = "/etc/tunnel/server.conf"
    /// 100.64.0.0/10 is shared address space (RFC 6598): unlikely to clash with the LAN
    /// a client sits in.
    public static let defaultIPv4Address = IPPrefix(address: .v4(IPv4Address(100, 64, 0, 1)), length: 24)

    /// Creates the file when missing: a fresh private key, ListenPort from `listen`,
    /// Address = `addresses` (default: 100.64.0.1/24 and a random ULA ::1/64), and a
    /// `# Endpoint` comment when `listen` is a concrete address. The directory is created
    /// 0700 and the file 0600. An existing file is left untouched.
    public static func createIfMissing(path: String = defaultPath, listen: Endpoint,
                                       addresses: [IPPrefix] = []) throws -> ServerConfigCreation {
        if PrivateFile.exists(path) { return try existing(path) }
        try PrivateFile.createDirectories(PrivateFile.directory(of: path))
        let config = newConfig(listen: listen, addresses: addresses)
        guard try PrivateFile.createExclusive(path, contents: config.render(.wgQuick)) else {
            return try existing(path)  // another process created it in the meantime
        }
        return ServerConfigCreation(created: true, publicKey: X25519.publicKey(for: config.interface.privateKey))
    }

    public static func exists(_ path: String) -> Bool { PrivateFile.exists(path) }

    /// A new config file goes into an existing directory: a mistyped path must not leave
    /// directories and a key behind. Only the default's directory (/etc/tunnel) is made.
    public static func checkDirectory(of path: String) throws {
        guard !PrivateFile.exists(path) else { return }
        let directory = PrivateFile.directory(of: path)
        guard !PrivateFile.exists(directory), directory != PrivateFile.directory(of: defaultPath) else { return }
        throw PeerManagementError.missingDirectory(path: path, directory: directory)
    }

    /// A new server config, not yet written anywhere.
    public static func newConfig(listen: Endpoint, addresses: [IPPrefix] = []) -> WireGuardConfig {
        let chosen = addresses.isEmpty ? [defaultIPv4Address, UniqueLocalPrefix.generateServerAddress()] : addresses
        let interface = InterfaceSection(privateKey: X25519.generatePrivateKey(), addresses: chosen,
                                         listenPort: listen.port, publicEndpoint: publicEndpoint(for: listen))
        return WireGuardConfig(interface: interface)
    }

    /// Where clients can reach a server listening on `listen`: nil for a wildcard
    /// address, which says nothing about the server's public address.
    public static func publicEndpoint(for listen: Endpoint) -> PeerEndpoint? {
        switch listen.address {
        case .v4(let a) where a.value == 0: return nil
        case .v6(let a) where a.high == 0 && a.low == 0: return nil
        default: return PeerEndpoint(listen)
        }
    }

    /// Reads the file; PeerManagementError.noServerConfig when it does not exist,
    /// ConfigError when it is unreadable, too permissive or invalid.
    public static func load(path: String = defaultPath) throws -> WireGuardConfig {
        guard PrivateFile.exists(path) else { throw PeerManagementError.noServerConfig(path: path) }
        return try ConfigLoader.load(path: path)
    }

    /// Replaces the file atomically with `config` (0600).
    public static func save(_ config: WireGuardConfig, path: String = defaultPath) throws {
        try PrivateFile.replace(path, contents: config.render(.wgQuick))
    }

    /// Load, change, save, with other editors locked out meanwhile. Nothing is saved
    /// when `change` throws.
    public static func update<T>(path: String = defaultPath, _ change: (inout WireGuardConfig) throws -> T) throws -> T {
        guard PrivateFile.exists(path) else { throw PeerManagementError.noServerConfig(path: path) }
        return try PrivateFile.withDirectoryLock(of: path) {
            var config = try load(path: path)
            let result = try change(&config)
            try save(config, path: path)
            return result
        }
    }

    private static func existing(_ path: String) throws -> ServerConfigCreation {
        let config = try load(path: path)
        return ServerConfigCreation(created: false, publicKey: X25519.publicKey(for: config.interface.privateKey),
                                    existing: config)
    }
}
