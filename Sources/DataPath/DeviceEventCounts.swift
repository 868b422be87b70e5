// Device-wide counts of protocol events that the engine reports only as events (to the
// log): handshakes completed (the device's handshake rate, unaffected by peers coming
// and going). Exported on the control socket as tunnel counters, hence in status and
// metrics. (Cookie replies the device counts itself: WireGuardDevice.cookieRepliesSent.)
//
// Ownership: the reactor's queue (TunnelInterface.record counts, the bridge reads).
import Control
import WireGuard

public struct DeviceEventCounts: Equatable, Sendable {
    public private(set) var handshakesCompleted: UInt64 = 0

    public init() {}

    mutating func count(_ event: DeviceEvent) {
        switch event {
        case .sessionEstablished: handshakesCompleted &+= 1
        default: break
        }
    }

    var counters: [UAPICounter] {
        [UAPICounter(StatusCounterName.handshakesCompleted, handshakesCompleted)]
    }
}
