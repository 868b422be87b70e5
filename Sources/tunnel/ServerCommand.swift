import ArgumentParser

struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Serve many clients and be their exit to the internet (not built yet)."
    )

    @Option(help: "Address and UDP port to listen on, e.g. 0.0.0.0:51820.")
    var listen: String

    func run() throws { throw NotBuiltYet(command: "server") }
}
