// Why no tunnel interface name could be had.
public enum InterfaceNamingError: Error, CustomStringConvertible {
    case taken(String)
    case noneFree(prefix: String)

    public var description: String {
        switch self {
        case .taken(let n):
            return "interface name '\(n)' is already taken (choose another with --interface, or stop what uses it)"
        case .noneFree(let p):
            return "no free interface name \(p)0 to \(p)\(InterfaceNaming.maxNumber) (choose one with --interface)"
        }
    }
}
