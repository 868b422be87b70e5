import ArgumentParser

struct ClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Join a VPN server described by a wg-quick config file (not built yet)."
    )

    @Option(help: "A wg-quick config file with [Interface] and one [Peer].")
    var config: String

    func run() throws { throw NotBuiltYet(command: "client") }
}
