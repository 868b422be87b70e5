// A server's NAT table as status shows it: live mappings per protocol, external ports in
// use per protocol out of that protocol's pools, and packets the NAT refused by reason.
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

    /// One protocol's external ports (echo identifiers for ICMP): in use out of its pools' size.
    public struct Ports: Equatable, Sendable {
        public var proto: String
        public var inUse: UInt64?
        public var size: UInt64?

        public init(proto: String, inUse: UInt64? = nil, size: UInt64? = nil) {
            self.proto = proto
            self.inUse = inUse
            self.size = size
        }
    }

    public var mappings: [Mappings]
    /// Per protocol, in the order the counters came; empty from a tunnel before they existed.
    public var ports: [Ports] = []
    /// Over every protocol and family.
    public var portsInUse: UInt64?
    /// The size of the configured range, which each protocol and family has once.
    public var portRangeSize: UInt64?
    public var drops: [DropCount]

    public init(mappings: [Mappings] = [], ports: [Ports] = [], portsInUse: UInt64? = nil, portRangeSize: UInt64? = nil,
                drops: [DropCount] = []) {
        self.mappings = mappings
        self.ports = ports
        self.portsInUse = portsInUse
        self.portRangeSize = portRangeSize
        self.drops = drops
    }
}

extension NATStatus {
    /// Files a per-protocol port figure under its protocol, adding the entry when new.
    mutating func setPorts(_ proto: String, inUse: UInt64? = nil, size: UInt64? = nil) {
        if let i = ports.firstIndex(where: { $0.proto == proto }) {
            if let inUse { ports[i].inUse = inUse }
            if let size { ports[i].size = size }
        } else {
            ports.append(Ports(proto: proto, inUse: inUse, size: size))
        }
    }
}
