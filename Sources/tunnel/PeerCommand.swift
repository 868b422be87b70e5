import ArgumentParser

struct PeerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "Add, list and remove a server's peers (not built yet).",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a client and print its config (not built yet).")
        @Argument(help: "A name for the client, e.g. alice.") var name: String
        func run() throws { throw NotBuiltYet(command: "peer add") }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the server's peers (not built yet).")
        func run() throws { throw NotBuiltYet(command: "peer list") }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a client (not built yet).")
        @Argument(help: "The client's name.") var name: String
        func run() throws { throw NotBuiltYet(command: "peer remove") }
    }
}
