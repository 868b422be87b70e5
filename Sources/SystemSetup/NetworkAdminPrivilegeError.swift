// A command that configures the network, run without the privilege to.
public struct NetworkAdminPrivilegeError: Error, CustomStringConvertible {
    public let command: String

    public var description: String {
        "\(command) configures interfaces, routes and sysctls: operation not permitted; run it as root (or with CAP_NET_ADMIN)"
    }
}
