// Why an invite code was refused before anything was sent: each case tells the person
// holding the code what to do about it.

public enum InviteCodeError: Error, Equatable, CustomStringConvertible {
    case empty
    /// 1-based position, as a person counts characters.
    case invalidCharacter(position: Int, character: Character)
    case tooShort(characters: Int)
    /// The check does not match: a character was changed, added or lost.
    case mistyped
    case unsupportedVersion(UInt8)
    case badEndpoint(String)

    public var description: String {
        switch self {
        case .empty:
            return "the invite code is empty: paste the code `tunnel peer invite` printed"
        case .invalidCharacter(let position, let character):
            return "character \(position) of the invite code ('\(character)') cannot be in a code (they use letters, digits, '-' and '_'): copy the code again whole"
        case .tooShort(let characters):
            return "the invite code is too short (\(characters) characters): it was cut off; copy the code again whole"
        case .mistyped:
            return "the invite code does not check out: a character was mistyped, lost or added; copy the code again whole"
        case .unsupportedVersion(let version):
            return "the invite code has format version \(version), which this tunnel does not read: upgrade tunnel"
        case .badEndpoint(let reason):
            return "the invite code's server endpoint is invalid (\(reason)): ask for a new code"
        }
    }
}
