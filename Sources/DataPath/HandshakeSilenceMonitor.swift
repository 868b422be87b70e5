// Notices a peer that never answers handshakes, so a person hears about it at info level
// (every attempt is only a debug line): once after the first few attempts, then at most
// once a minute while it lasts, and once more when the peer finally answers. Pure: fed
// device events with the time; the caller words and logs what it returns.
import WireGuard

public struct HandshakeSilenceMonitor {
    /// Attempts (5 s apart) before the first report: long enough to ride out a lost packet.
    static let attemptsBeforeReport = 3
    static let reportInterval: UInt64 = 60 * ProtocolConstants.nanosecondsPerSecond

    public enum Report: Equatable {
        /// `attempts` initiations over `seconds` got no answer.
        case silent(attempts: Int, seconds: UInt64)
        /// The peer answered after a silence that was reported.
        case answered(afterAttempts: Int)
    }

    private var attempts = 0
    private var firstAttemptAt: UInt64 = 0
    private var lastReportAt: UInt64?

    public init() {}

    public mutating func handle(_ event: DeviceEvent, now: UInt64) -> Report? {
        switch event {
        case .handshakeInitiationSent:
            if attempts == 0 { firstAttemptAt = now }
            attempts += 1
            guard attempts >= HandshakeSilenceMonitor.attemptsBeforeReport,
                  lastReportAt.map({ now &- $0 >= HandshakeSilenceMonitor.reportInterval }) ?? true else { return nil }
            lastReportAt = now
            return .silent(attempts: attempts, seconds: (now &- firstAttemptAt) / ProtocolConstants.nanosecondsPerSecond)
        case .sessionEstablished:
            defer { attempts = 0; lastReportAt = nil }
            return lastReportAt == nil ? nil : .answered(afterAttempts: attempts)
        default:
            return nil
        }
    }
}
