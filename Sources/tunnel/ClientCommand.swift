import ArgumentParser
import Tunnel

struct ClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Join a WireGuard peer or VPN server described by a wg-quick config file.",
        discussion: """
            Creates the interface (tunnel0, or the next free name), gives it the [Interface] \
            addresses and MTU, and runs the WireGuard protocol with the [Peer] until SIGINT or \
            SIGTERM. Logs go to standard error.
            """
    )

    @Option(help: "A wg-quick config file ([Interface] and [Peer]).")
    var config: String

    @Option(help: ArgumentHelp("Connect to HOST:PORT instead of the peer's Endpoint.", valueName: "host:port"))
    var connect: String?

    @Option(help: "Interface name (default: tunnel0, or the next free one).")
    var interface: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: .hidden)
    var testRekeyAfter: UInt64?

    func run() throws {
        guard let level = TunnelLogging.level(named: logLevel) else {
            throw ValidationFailure("unknown log level '\(logLevel)' (use trace, debug, info, notice, warning, error or critical)")
        }
        TunnelLogging.bootstrap(level: level)
        try ClientMode.run(ClientOptions(configPath: config, interfaceName: interface, connect: connect,
                                         rekeyAfterSeconds: testRekeyAfter))
    }
}
