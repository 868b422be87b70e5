// Why the server did not enrol a client. The client never hears it (an enrolment it
// refuses gets silence, like any packet it cannot authenticate); the server logs it.
public enum EnrolmentRefusal: Error, Equatable, CustomStringConvertible {
    /// No pending invite has this key: never made, already used, or withdrawn.
    case unknownInvite
    case expired(name: String, at: RFC3339Time)

    public var description: String {
        switch self {
        case .unknownInvite: return "no pending invite for this code (used, withdrawn or never made)"
        case .expired(let name, let at): return "the invite for '\(name)' expired at \(at)"
        }
    }
}
