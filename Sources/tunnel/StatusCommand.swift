// `tunnel status [IFACE] [--json | --prometheus] [--watch]`: argument parsing only; StatusMode does the work.
import ArgumentParser
import Status

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show running tunnels, their peers, traffic and NAT table.",
        discussion: """
            Reads the control socket of every running tunnel (/var/run/wireguard/IFACE.sock, the \
            socket `wg show` reads too) or of IFACE only. Needs root. Exits 1 when no tunnel runs. \
            --json prints one document with raw numbers; its schema is in Docs/status.md. \
            --prometheus prints the Prometheus text format (Docs/operations.md).
            """
    )

    @Argument(help: "Only this interface.")
    var interface: String?

    @Flag(help: "Print JSON (bytes, Unix seconds) instead of text.")
    var json = false

    @Flag(help: "Print the Prometheus text format (e.g. for node_exporter's textfile collector).")
    var prometheus = false

    @Flag(help: "Print again every second until interrupted.")
    var watch = false

    func validate() throws {
        if json && prometheus { throw ValidationFailure("choose one of --json and --prometheus") }
    }

    func run() throws {
        var options = StatusOptions(interface: interface, json: json, watch: watch)
        options.prometheus = prometheus
        let status = StatusMode.run(options)
        if status != 0 { throw ExitCode(status) }
    }
}
