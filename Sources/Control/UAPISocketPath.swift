// Where a tunnel's control socket lives: DIR/IFACE.sock, DIR being /var/run/wireguard,
// the directory wg(8) searches. Interface names are checked as the kernel checks them, so
// a name can never point outside the directory.
public enum UAPISocketPath {
    public static let defaultDirectory = "/var/run/wireguard"
    public static let suffix = ".sock"
    /// IFNAMSIZ (16) minus the terminating NUL.
    public static let maxInterfaceNameBytes = 15

    public static func path(interface: String, directory: String = defaultDirectory) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + interface + suffix
    }

    /// Non-empty, at most 15 bytes, not "." or "..", no '/', ':', whitespace or control bytes.
    public static func isValidInterfaceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= maxInterfaceNameBytes, name != ".", name != ".." else { return false }
        return bytes.allSatisfy { $0 > 0x20 && $0 != 0x7f && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: ":") }
    }
}
