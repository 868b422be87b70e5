// Device-wide counts of protocol events that the engine reports only as events (to the
// log): handshakes completed (the device's handshake rate, unaffected by peers coming
// and going). Exported on the control socket as tunnel counters, hence in status and
// metrics. (Cookie replies the device counts itself: WireGuardDevice.cookieRepliesSent.)
//
// Ownership: the reactor's queue (TunnelInterface.record counts, the bridge reads).
import Control
import WireGuard

public struct DeviceEventCounts: Equatable, Sendable {
    /// The counter's name on the control socket (StatusCounterName refers to it).
    public static let handshakesCompletedName = "handshakes_completed"

    public private(set) var handshakesCompleted: UInt64 = 0

    public init() {}

    mutating func count(_ event: DeviceEvent) {
        switch event {
        case .sessionEstablished: handshakesCompleted &+= 1
        default: break
        }
    }

    public var counters: [UAPICounter] {
        [UAPICounter(Self.handshakesCompletedName, handshakesCompleted)]
    }
}
