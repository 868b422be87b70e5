// The client's side of the config an enrolment answers with: the server's text gets the
// private key the client made (it never left the client), and is written 0600 where the
// client was told to keep it, never over an existing file.
import Config
import WireGuard

public enum EnrolledClientConfig {
    /// The answer's config with `privateKey` in place of its zeros.
    public static func complete(_ answer: String, privateKey: Key) throws -> WireGuardConfig {
        var config = try WireGuardConfig(parsing: answer, fileName: "the server's answer")
        config.interface.privateKey = privateKey
        return config
    }

    /// Writes `config` to `path`, mode 0600, creating the file; false when one exists.
    public static func write(_ config: WireGuardConfig, path: String) throws -> Bool {
        try PrivateFile.createExclusive(path, contents: config.render(.wgQuick))
    }

    public static func exists(_ path: String) -> Bool { PrivateFile.exists(path) }
}
