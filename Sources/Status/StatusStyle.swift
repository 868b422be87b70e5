// ANSI colour for the text status, only when standard output is a terminal (decided by
// the caller): headings in colour and labels in bold, like wg(8).
public struct StatusStyle: Sendable {
    static let reset = "\u{1B}[0m"
    static let bold = "\u{1B}[1m"
    static let green = "\u{1B}[32m"
    static let yellow = "\u{1B}[33m"
    static let red = "\u{1B}[31m"

    public var colour: Bool

    public static let plain = StatusStyle(colour: false)
    public static let terminal = StatusStyle(colour: true)

    public init(colour: Bool) { self.colour = colour }

    func interfaceHeading(_ value: String) -> String { paint("interface", value, StatusStyle.green) }

    func peerHeading(_ value: String) -> String { paint("peer", value, StatusStyle.yellow) }

    /// "  label: value" with the label in bold (red for things that went wrong).
    func field(_ label: String, _ value: String, alarming: Bool = false) -> String {
        guard colour else { return "  \(label): \(value)" }
        let tint = alarming ? StatusStyle.red : ""
        return "  \(StatusStyle.bold)\(tint)\(label)\(StatusStyle.reset): \(value)"
    }

    private func paint(_ label: String, _ value: String, _ tint: String) -> String {
        guard colour else { return "\(label): \(value)" }
        return "\(tint)\(StatusStyle.bold)\(label)\(StatusStyle.reset): \(tint)\(value)\(StatusStyle.reset)"
    }
}
