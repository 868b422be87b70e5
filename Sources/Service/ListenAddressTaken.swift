// An address a listening option names that cannot be bound (in use, not local, ...).
import Addresses

public struct ListenAddressTaken: Error, CustomStringConvertible {
    public let option: String
    public let endpoint: Endpoint
    public let reason: String

    public var description: String { "\(option) \(endpoint): cannot listen: \(reason)" }
}
