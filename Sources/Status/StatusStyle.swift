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
        var out = ""
        field(label, value, alarming: alarming, into: &out)
        return out
    }

    /// field, appended to `out`: the renderer writes 10,000 peers into one String.
    func field(_ label: String, _ value: String, alarming: Bool = false, into out: inout String) {
        out += "  "
        guard colour else {
            out += label
            out += ": "
            out += value
            return
        }
        out += StatusStyle.bold
        if alarming { out += StatusStyle.red }
        out += label
        out += StatusStyle.reset
        out += ": "
        out += value
    }

    /// peerHeading, appended to `out`.
    func peerHeading(_ value: String, into out: inout String) { paint("peer", value, StatusStyle.yellow, into: &out) }

    private func paint(_ label: String, _ value: String, _ tint: String) -> String {
        var out = ""
        paint(label, value, tint, into: &out)
        return out
    }

    private func paint(_ label: String, _ value: String, _ tint: String, into out: inout String) {
        guard colour else {
            out += label
            out += ": "
            out += value
            return
        }
        out += tint
        out += StatusStyle.bold
        out += label
        out += StatusStyle.reset
        out += ": "
        out += tint
        out += value
        out += StatusStyle.reset
    }
}
