import ArgumentParser
import Tunnel

struct ClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Join a WireGuard peer or VPN server described by a wg-quick config file.",
        discussion: """
            Creates the interface (tunnel0, or the next free name), gives it the [Interface] \
            addresses, MTU and DNS, routes the [Peer]'s AllowedIPs into it (0.0.0.0/0 or ::/0: all \
            traffic, through policy routing as wg-quick does) and runs until SIGINT or SIGTERM, \
            then restores everything. Logs go to standard error. After a crash or SIGKILL, \
            `tunnel client --cleanup` removes what the run left (the next start does too).
            With --invite CODE (from `tunnel peer invite` on the server) the client first makes \
            its own key pair, enrols over the server's UDP port and writes the config it is \
            given to --config FILE (mode 0600); later runs need only --config FILE. Other local \
            users can read a process's command line: `--invite -` reads the code from standard \
            input instead.
            """
    )

    @Option(help: "A wg-quick config file ([Interface] and one [Peer]).")
    var config: String?

    @Option(help: ArgumentHelp("Enrol with a one-time code from `tunnel peer invite`, writing --config FILE first; - reads it from standard input, out of the process list.",
                               valueName: "code"))
    var invite: String?

    @Flag(help: "Only remove what killed client runs of this network namespace left behind (all of them, or --interface's), then exit; running tunnels and servers are left alone.")
    var cleanup = false

    @Option(help: ArgumentHelp("Connect to HOST:PORT instead of the peer's Endpoint; repeat for servers to fail over to (also every address of a name).",
                               valueName: "host:port"))
    var connect: [String] = []

    @Option(help: "Interface name (default: tunnel0, or the next free one).")
    var interface: String?

    @OptionGroup var logging: LoggingOptions

    @OptionGroup var metricsOptions: MetricsOptions

    @OptionGroup var dataPathOptions: DataPathOptions

    @Option(help: .hidden)
    var testRekeyAfter: UInt64?

    func run() throws {
        logging.bootstrap()
        if cleanup {
            for line in try ClientMode.cleanup(interface: interface) { print(line) }
            return
        }
        guard let config else {
            throw ValidationFailure(invite == nil ? "--config FILE is required (or --cleanup)"
                                                  : "--invite needs --config FILE: where to write the config it gets")
        }
        var options = ClientOptions(configPath: config, interfaceName: interface, connect: connect,
                                    rekeyAfterSeconds: testRekeyAfter)
        options.invite = invite
        options.metrics = try metricsOptions.endpoint()
        options.offloads = try dataPathOptions.offloadsEnabled()
        if let workers = dataPathOptions.cryptoWorkers { options.cryptoWorkers = workers }
        try ClientMode.run(options)
    }
}
