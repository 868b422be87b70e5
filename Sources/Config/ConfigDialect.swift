// The two flavours of the INI format: wg-quick's, and the narrower one of `wg setconf`
// and `wg showconf`, which has no Address, DNS, MTU, Table, hooks or SaveConfig.

public enum ConfigDialect: Sendable, Equatable {
    /// wg-quick files: every key.
    case wgQuick
    /// `wg showconf` output / `wg setconf` input: only the keys the `wg` tool knows.
    case wg
}
