/// A network interface as the kernel reports it.
public struct Link: Hashable, Sendable, CustomStringConvertible {
    public var index: Int32
    public var name: String
    public var mtu: UInt32
    /// The IFF_* flags word.
    public var flags: UInt32

    static let upFlag: UInt32 = 0x1          // IFF_UP
    static let runningFlag: UInt32 = 0x40    // IFF_RUNNING

    public init(index: Int32, name: String, mtu: UInt32, flags: UInt32) {
        self.index = index
        self.name = name
        self.mtu = mtu
        self.flags = flags
    }

    /// Administratively up.
    public var isUp: Bool { flags & Link.upFlag != 0 }
    /// Up and with a carrier (for a TUN: a process holds it open).
    public var isRunning: Bool { flags & Link.runningFlag != 0 }

    public var description: String {
        "\(index): \(name) mtu \(mtu)\(isUp ? " up" : " down")\(isRunning ? " running" : "")"
    }
}
