import Addresses
import ArgumentParser
import Tunnel
import Peers

struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Serve many clients and be their exit to the internet.",
        discussion: """
            The first run creates the config file (mode 0600, a new private key, addresses from \
            --address or 100.64.0.1/24 plus an IPv6 ULA /64) and prints the public key. Add clients \
            with `tunnel peer add NAME`; a running server picks added and removed peers up within \
            a second. Clients reach the internet through the server's own userspace NAT (no \
            iptables needed), or routed with --nat off. Runs until SIGINT or SIGTERM, then puts \
            back every rule, route and sysctl it changed.
            """
    )

    @Option(help: ArgumentHelp("Address and UDP port to listen on, e.g. 0.0.0.0:51820 or 192.0.2.1:51820.",
                               valueName: "addr:port"))
    var listen: String

    @Option(help: "The server's wg-quick file (created on first run).")
    var config: String = ServerConfigFile.defaultPath

    @Option(help: "Interface name (default: tunnel0, or the next free one).")
    var interface: String?

    @Option(help: ArgumentHelp("Tunnel address and subnet for a new config file; repeat for IPv4 and IPv6.",
                               valueName: "cidr"))
    var address: [String] = []

    @Option(help: "userspace: the server's own NAT is the clients' exit (default). off: route, for networks that route the tunnel subnet back.")
    var nat: String = NATMode.userspace.rawValue

    @Option(help: "The internet-facing interface (default: the one of the default route).")
    var egress: String?

    @Option(help: ArgumentHelp("Ports (and ICMP ids) the NAT may use; keep them outside net.ipv4.ip_local_port_range.",
                               valueName: "low-high"))
    var natPorts: String?

    @Option(help: ArgumentHelp("How the NAT's translated packets leave: tun (back into the TUN, forwarded by the kernel as coalesced super-packets; they pass the FORWARD chain) or socket (a raw socket, one packet per call; they pass OUTPUT, for hosts whose FORWARD policy drops, as Docker and ufw set it; replies to TCP and UDP still pass FORWARD, which must accept established connections). Default: tun; where an nf_tables forward chain drops by policy, the start is refused until the tunnel has accept rules there and this is given.",
                               valueName: "tun|socket"))
    var natEgress: String?

    @Flag(help: "Clients cannot reach each other's tunnel addresses.")
    var isolateClients = false

    @OptionGroup var etcd: EtcdArguments

    @Option(name: .customLong("server-id"),
            help: ArgumentHelp("This server's name in etcd, unique in the cluster (default: the host name).",
                               valueName: "name"))
    var serverID: String?

    @OptionGroup var logging: LoggingOptions

    @OptionGroup var metricsOptions: MetricsOptions

    @OptionGroup var dataPathOptions: DataPathOptions

    @Option(help: .hidden)
    var testNatTimeout: UInt64?

    /// Test-only: SIGUSR1 holds the packet loop until SIGUSR2 (a stalled data path).
    @Flag(help: .hidden)
    var testStallOnSigusr1 = false

    func run() throws {
        guard let endpoint = Endpoint(listen) else {
            throw ValidationFailure("--listen '\(listen)' is not ADDR:PORT (e.g. 0.0.0.0:51820 or [::]:51820)")
        }
        guard let mode = NATMode(rawValue: nat) else {
            throw ValidationFailure("--nat must be userspace or off, not '\(nat)'")
        }
        var options = ServerOptions(listen: endpoint)
        options.configPath = config
        options.interfaceName = interface
        options.addresses = try address.map { text in
            do { return try IPPrefix(parsing: text) } catch { throw ValidationFailure("--address '\(text)': \(error)") }
        }
        options.nat = mode
        options.egress = egress
        options.natPorts = try natPorts.map(Self.parsePorts)
        options.isolateClients = isolateClients
        switch natEgress {
        case nil: options.natEgress = .tunByDefault
        case "tun": options.natEgress = .tun
        case "socket": options.natEgress = .socket
        case let other?: throw ValidationFailure("--nat-egress must be tun or socket, not '\(other)'")
        }
        options.natTimeoutSeconds = testNatTimeout
        options.testStallOnSignal = testStallOnSigusr1
        options.offloads = try dataPathOptions.offloadsEnabled()
        if let workers = dataPathOptions.cryptoWorkers { options.cryptoWorkers = workers }
        options.metrics = try metricsOptions.endpoint()
        options.etcd = etcd.resolved()
        options.serverID = serverID
        logging.bootstrap()
        try ServerMode.run(options)
    }

    static func parsePorts(_ text: String) throws -> ClosedRange<UInt16> {
        let parts = text.split(separator: "-").map { UInt16($0) }
        guard parts.count == 2, let low = parts[0], let high = parts[1], low >= 1024, low <= high else {
            throw ValidationFailure("--nat-ports '\(text)' is not LOW-HIGH with 1024 <= LOW <= HIGH <= 65535")
        }
        return low...high
    }
}
