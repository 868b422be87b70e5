// `tunnel status [IFACE] [--json] [--watch]`: argument parsing only; StatusMode does the work.
import ArgumentParser
import Tunnel

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show running tunnels, their peers, traffic and NAT table.",
        discussion: """
            Reads the control socket of every running tunnel (/var/run/wireguard/IFACE.sock, the \
            socket `wg show` reads too) or of IFACE only. Needs root. Exits 1 when no tunnel runs. \
            --json prints one document with raw numbers; its schema is in Docs/status.md.
            """
    )

    @Argument(help: "Only this interface.")
    var interface: String?

    @Flag(help: "Print JSON (bytes, Unix seconds) instead of text.")
    var json = false

    @Flag(help: "Print again every second until interrupted.")
    var watch = false

    func run() throws {
        let status = StatusMode.run(StatusOptions(interface: interface, json: json, watch: watch))
        if status != 0 { throw ExitCode(status) }
    }
}
