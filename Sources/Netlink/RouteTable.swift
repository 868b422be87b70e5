/// Well-known routing table ids (RT_TABLE_*); any other 32-bit id is a table too.
public enum RouteTable {
    public static let main: UInt32 = 254
    public static let local: UInt32 = 255
    public static let `default`: UInt32 = 253
    /// Ids above this do not fit the 8-bit header fields and go in an attribute only.
    static let largestInHeader: UInt32 = 255
}

/// Routing-protocol ids (RTPROT_*) the kernel and iproute2 use; a program tags
/// its own routes and rules with an id of its own (see `Route.protocolID`).
public enum RouteProtocol {
    public static let unspecified: UInt8 = 0
    public static let kernel: UInt8 = 2
    /// What `ip route add` uses.
    public static let boot: UInt8 = 3
    public static let `static`: UInt8 = 4
}
