// Writes a running server's usage file off the data path: the reactor's queue hands over
// a copy of the counts every few seconds, and a serial queue of this object's own writes
// it (the usage file, or etcd: a UsageSink), skipping a copy equal to the last one written so
// an idle server does not touch the disk. At exit the last copy is written through the
// same queue, waiting for it, so an older periodic write can never land after it.
//
// Ownership: `queue` owns `lastWritten`; `record` and `recordAndWait` may be called from
// any queue (the server calls them on the reactor's).
import Dispatch
import Logging
import WireGuard

public final class UsageRecorder {
    /// How often the server hands over its counts. A SIGKILL loses at most this plus one
    /// write's time, within the 10 s the issue allows.
    public static let interval: DispatchTimeInterval = .seconds(5)

    public let store: any UsageSink
    private let queue: DispatchQueue
    private let logger: Logger
    private var lastWritten: [Key: PeerUsage]?
    private var failing = false

    public init(store: any UsageSink, loaded: [Key: PeerUsage], label: String, logger: Logger) {
        self.store = store
        self.logger = logger
        lastWritten = loaded
        queue = DispatchQueue(label: label)
    }

    /// Writes `usage` soon, unless it equals what was written last.
    public func record(_ usage: [Key: PeerUsage]) {
        queue.async { self.write(usage) }
    }

    /// Writes `usage` and returns when it is on disk (or failed, which is logged).
    public func recordAndWait(_ usage: [Key: PeerUsage]) {
        queue.sync { self.write(usage) }
    }

    private func write(_ usage: [Key: PeerUsage]) {
        guard usage != lastWritten else { return }
        do {
            try store.save(usage)
            lastWritten = usage
            if failing { logger.notice("peer usage is saved to \(store.location) again") }
            failing = false
        } catch {
            // Logged once per run of failures: a full disk would otherwise log every few seconds.
            if !failing { logger.error("cannot save peer usage: \(error)") }
            failing = true
        }
    }
}
