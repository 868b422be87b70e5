// Why the usage file could not be read or written, phrased so an operator knows what to
// do. The file is replaced atomically, so a damaged one was damaged by something else:
// the store refuses it rather than start everyone's counters (and quotas) from zero.

public enum UsageStoreError: Error, Equatable, CustomStringConvertible {
    /// Unreadable bytes: not JSON, cut short, or fields missing.
    case damaged(path: String, reason: String)
    /// Written by a newer `tunnel`.
    case unsupportedVersion(path: String, version: Int)
    /// A peer entry whose key is not a WireGuard public key.
    case badKey(path: String, key: String)
    case io(PrivateFileError)

    public var description: String {
        switch self {
        case .damaged(let path, let reason):
            return "the usage file \(path) is damaged (\(reason)): restore it from a backup, or move it aside to count from zero"
        case .unsupportedVersion(let path, let version):
            return "the usage file \(path) has format version \(version), newer than this tunnel reads (\(UsageStore.formatVersion)): upgrade tunnel"
        case .badKey(let path, let key):
            return "the usage file \(path) has an entry for '\(key)', which is not a WireGuard public key: fix or remove that entry"
        case .io(let error):
            return error.description
        }
    }
}
