// What `tunnel peer add` and `peer invite` share: where the peers are, and what the new
// client's config will say about reaching the server and what to route.
import ArgumentParser
import Peers

struct NewClientOptions: ParsableArguments {
        @OptionGroup var store: StoreOptions

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
