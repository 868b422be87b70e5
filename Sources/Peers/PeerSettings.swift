// A peer's limits as the server's config file keeps them: `# Key = value` comments in its
// [Peer] section (Config's PeerNote), so the file stays a plain wg-quick file that
// wg-quick and the phone apps read while tunnel reads the limits:
//
//   # Rate = 20mbit                      each direction (Rate)
//   # Quota = 50G/month                  (Quota)
//   # Expires = 2027-01-31T18:00:00Z     (RFC3339Time)
//   # Disabled = true
//   # UsageReset = 2026-12-06T22:00:00Z  the quota counts from here (see below)
//
// Why a UsageReset time in the config rather than the CLI zeroing the usage file: the
// running server owns the usage file and rewrites it every few seconds from its own
// counts, so a CLI write would be undone by the next save. The CLI instead writes this
// request where the server already looks (the config watcher), and everyone who reads the
// usage applies it the same way (PeerUsage.settle): a count whose period started before
// the reset starts over at the reset. `peer list` with the server down shows the same.
import Config

public struct PeerSettings: Equatable, Sendable {
    enum Key {
        static let rate = "Rate"
        static let quota = "Quota"
        static let expires = "Expires"
        static let disabled = "Disabled"
        static let usageReset = "UsageReset"
        static let all = [rate, quota, expires, disabled, usageReset]
    }

    public var limits: PeerLimits
    /// When the quota count was last reset (`--reset-usage`, or a plain quota set), Unix seconds.
    public var usageReset: Int64?
    /// Notes that did not parse (a hand edit gone wrong), one line each: the server logs
    /// them and treats the limit as unset rather than refuse the whole file.
    public var problems: [String] = []

    public init(limits: PeerLimits = PeerLimits(), usageReset: Int64? = nil) {
        self.limits = limits
        self.usageReset = usageReset
    }

    /// Reads the limit notes of `section`; unknown notes are ignored (kept by the file).
    public init(_ section: PeerSection) {
        self.init()
        for note in section.notes {
            do {
                if note.matches(Key.rate) {
                    limits.rate = try Rate.parseSetting(note.value)
                } else if note.matches(Key.quota) {
                    limits.quota = try Quota.parseSetting(note.value)
                } else if note.matches(Key.expires) {
                    limits.expires = note.value.lowercased() == RFC3339Time.neverWord ? nil : try RFC3339Time(parsing: note.value)
                } else if note.matches(Key.disabled) {
                    switch note.value.lowercased() {
                    case "true", "yes", "1": limits.disabled = true
                    case "false", "no", "0": limits.disabled = false
                    default: problems.append("# \(note.key) = \(note.value): write true or false")
                    }
                } else if note.matches(Key.usageReset) {
                    usageReset = try RFC3339Time(parsing: note.value).secondsSinceEpoch
                }
            } catch let error as LimitValueError {
                problems.append("# \(note.key) = \(note.value): \(error.reason)")
            } catch {
                problems.append("# \(note.key) = \(note.value): \(error)")
            }
        }
    }

    /// `section` with its limit notes replaced by these settings (other notes kept, in
    /// their order); unset limits leave no line.
    public func applied(to section: PeerSection) -> PeerSection {
        var result = section
        result.notes.removeAll { note in Key.all.contains(where: note.matches) }
        var lines: [(String, String)] = []
        if let rate = limits.rate { lines.append((Key.rate, rate.description)) }
        if let quota = limits.quota { lines.append((Key.quota, quota.description)) }
        if let expires = limits.expires { lines.append((Key.expires, expires.description)) }
        if limits.disabled { lines.append((Key.disabled, "true")) }
        if let reset = usageReset, (RFC3339Time.earliest...RFC3339Time.latest).contains(reset) {
            lines.append((Key.usageReset, RFC3339Time(secondsSinceEpoch: reset).description))
        }
        result.notes += lines.map { PeerNote(key: $0.0, value: $0.1) }
        return result
    }
}
