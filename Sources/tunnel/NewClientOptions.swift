// What `tunnel peer add` and `peer invite` share: the server's file, and what the new
// client's config will say about reaching the server and what to route.
import ArgumentParser
import Peers

struct NewClientOptions: ParsableArguments {
        @Option(help: "The server's config file.")
        var config: String = ServerConfigFile.defaultPath

        @Option(help: ArgumentHelp("Where the client reaches the server (default: the address the server listens on).",
                                   valueName: "host:port"))
        var endpoint: String?

        @Option(help: ArgumentHelp("A DNS server for the client (repeat, or separate with commas).", valueName: "ip"))
        var dns: [String] = []

        @Option(name: .customLong("allowed-ips"),
                help: ArgumentHelp("What the client sends through the tunnel (default: 0.0.0.0/0, ::/0).",
                                   valueName: "cidrs"))
        var allowedIPs: [String] = []
}
