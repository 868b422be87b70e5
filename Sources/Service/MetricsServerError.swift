// Why the --metrics endpoint did not start.
public enum MetricsServerError: Error, CustomStringConvertible {
    case cannotListen(address: String, reason: String)

    public var description: String {
        switch self {
        case .cannotListen(let address, let reason): return "--metrics \(address): cannot listen: \(reason)"
        }
    }
}
