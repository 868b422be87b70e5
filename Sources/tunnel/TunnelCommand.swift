// The `tunnel` executable: argument parsing only. Every subcommand hands its parsed
// options to the Tunnel module, which does the work.
import ArgumentParser
import Service
import Tunnel

@main
struct TunnelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tunnel",
        abstract: "A userspace VPN for Linux that speaks the WireGuard protocol.",
        discussion: """
            Run `tunnel server --listen ADDR:PORT` on the machine that is the exit, add clients \
            with `tunnel peer add NAME`, and connect each with `tunnel client --config FILE`. \
            `tunnel status` shows what is up. See README.md and Docs/ for more.
            """,
        version: TunnelVersion.string,
        subcommands: [
            ServerCommand.self, ClientCommand.self, StatusCommand.self, PeerCommand.self,
            GenKeyCommand.self, PubKeyCommand.self, GenPSKCommand.self,
        ]
    )

    /// Before anything reads a key (CoreDumpPolicy).
    static func main() {
        CoreDumpPolicy.apply()
        main(nil)
    }
}
