// Log lines for journald when systemd runs us (stderr is the journal's stream): no
// timestamp of our own (the journal stamps each line), and a "<N>" syslog priority prefix
// so `journalctl -p warning` and the colours in `journalctl` follow our levels
// (sd-daemon(3), SD_WARNING and friends).
import Foundation
import Logging

public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let text = JournalLogHandler.line(level: event.level, label: label, message: "\(event.message)", metadata: merged)
        // One write per line: the journal reads whole lines from the stream.
        text.utf8CString.withUnsafeBufferPointer { bytes in
            _ = Foundation.write(STDERR_FILENO, bytes.baseAddress, bytes.count - 1)
        }
    }

    /// "<4>tunnel.server: message key=value\n".
    static func line(level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        let fields = metadata.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        let oneLine = message.replacingOccurrences(of: "\n", with: " ")
        return "<\(priority(level))>\(label): \(oneLine)\(fields)\n"
    }

    /// syslog(3) priorities: LOG_DEBUG 7 ... LOG_CRIT 2.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// True when $JOURNAL_STREAM names the device and inode of our standard error
    /// ("DEV:INODE", systemd.exec(5)): a redirected stderr keeps the ordinary format.
    public static func standardErrorIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return matches(value, device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    static func matches(_ journalStream: String, device: UInt64, inode: UInt64) -> Bool {
        let parts = journalStream.split(separator: ":")
        guard parts.count == 2, let d = UInt64(parts[0]), let i = UInt64(parts[1]) else { return false }
        return d == device && i == inode
    }
}
