// A server's NAT table as status shows it: live mappings per protocol, external ports in
// use out of the range, and packets the NAT refused by reason.
public struct NATStatus: Equatable, Sendable {
    public struct Mappings: Equatable, Sendable {
        /// "tcp", "udp", "icmp" (as on the wire).
        public var proto: String
        public var count: UInt64

        public init(proto: String, count: UInt64) {
            self.proto = proto
            self.count = count
        }
    }

    public var mappings: [Mappings]
    public var portsInUse: UInt64?
    public var portRangeSize: UInt64?
    public var drops: [DropCount]

    public init(mappings: [Mappings] = [], portsInUse: UInt64? = nil, portRangeSize: UInt64? = nil, drops: [DropCount] = []) {
        self.mappings = mappings
        self.portsInUse = portsInUse
        self.portRangeSize = portRangeSize
        self.drops = drops
    }
}
