// Log setup: one line per event on standard error, at the level the user chose; under
// systemd (stderr is the journal) without timestamps and with syslog priorities.
// Nothing logged anywhere carries a key (keys print as "Key(…)").
import Logging

public enum TunnelLogging {
    public static func bootstrap(level: Logger.Level) {
        let journal = JournalLogHandler.standardErrorIsJournal()
        LoggingSystem.bootstrap { label -> any LogHandler in
            if journal { return JournalLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    public static func logger(_ label: String) -> Logger { Logger(label: label) }

    /// Parses the --log-level values.
    public static func level(named name: String) -> Logger.Level? {
        Logger.Level(rawValue: name.lowercased())
    }
}
