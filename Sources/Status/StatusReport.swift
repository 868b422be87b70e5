// Everything `tunnel status` prints, as plain values: built from control-socket snapshots
// (StatusReport+Snapshot), printed by StatusTextRenderer or StatusJSONRenderer. Pure.
public struct StatusReport: Equatable, Sendable {
    /// Unix seconds when the snapshots were read ("1 minute ago" counts from here).
    public var time: Int64
    public var interfaces: [InterfaceStatus]

    public init(time: Int64, interfaces: [InterfaceStatus]) {
        self.time = time
        self.interfaces = interfaces
    }
}
