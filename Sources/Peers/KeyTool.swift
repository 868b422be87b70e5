// `tunnel genkey`, `pubkey` and `genpsk`: keys in the base64 form wg(8) uses.
import Foundation
import WireGuard

public enum KeyTool {
    public struct InputError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func generatePrivateKey() -> String { X25519.generatePrivateKey().base64 }

    public static func generatePresharedKey() -> String { Key(bytes: SecureRandom.bytes(Key.byteCount)).base64 }

    /// The public key for a base64 private key read from standard input.
    public static func publicKey(fromPrivateKeyText text: String) throws -> String {
        do {
            let key = try Key(base64: text)
            return X25519.publicKey(for: key).base64
        } catch let error as Key.ParseError {
            throw InputError(description: "the private key on standard input is invalid: \(error)")
        }
    }

    /// wg(8) warns when a key would land in a file others can read; so do we.
    public static func warnIfStandardOutputIsReadableByOthers() {
        var st = stat()
        guard fstat(STDOUT_FILENO, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_mode & 0o077 != 0 else { return }
        FileHandle.standardError.write(Data("Warning: writing a key to a file that others can read (chmod 600 it, or set umask 077)\n".utf8))
    }
}
