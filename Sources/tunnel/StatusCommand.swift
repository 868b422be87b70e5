import ArgumentParser

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show running tunnels, their peers and traffic (not built yet)."
    )

    @Argument(help: "Only this interface.")
    var interface: String?

    func run() throws { throw NotBuiltYet(command: "status") }
}
