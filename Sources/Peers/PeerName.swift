// The rule for peer names: short, one word, safe to print in a table and to keep in a
// `# Name = ...` comment line.

public enum PeerName {
    public static let maxLength = 32
    static let punctuation: Set<Character> = ["-", "_", "."]

    /// Throws PeerManagementError.invalidName unless `name` is 1-32 ASCII letters, digits,
    /// '-', '_' or '.'.
    public static func validate(_ name: String) throws {
        guard !name.isEmpty else { throw PeerManagementError.invalidName(name, reason: "it is empty") }
        guard name.count <= maxLength else {
            throw PeerManagementError.invalidName(name, reason: "longer than \(maxLength) characters")
        }
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || punctuation.contains($0)) }
        guard allowed else {
            throw PeerManagementError.invalidName(name, reason: "use only ASCII letters (a-z, A-Z), digits, '-', '_' and '.'")
        }
    }
}
