// Gives a freshly created tunnel interface its MTU and addresses and brings it up.
// The addresses go away with the interface when the TUN is closed.
import Addresses
import Netlink

public enum InterfaceAddressing {
    public static let defaultMTU = 1420

    public static func configure(_ name: String, mtu: Int, addresses: [IPPrefix], netlink: NetlinkSocket) throws {
        try netlink.setMTU(.name(name), UInt32(mtu))
        for prefix in addresses { try netlink.addAddress(prefix, to: .name(name)) }
        try netlink.setLink(.name(name), up: true)
    }
}
