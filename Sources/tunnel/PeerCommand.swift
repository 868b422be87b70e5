// `tunnel peer add|list|remove`: options parsed here, the work done by PeerManagement.
import ArgumentParser
import Foundation
import Tunnel
import Peers

struct PeerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "Invite, add, list and remove the clients of a `tunnel server`.",
        discussion: """
            Peers live in the server's wg-quick config file as [Peer] sections with a \
            `# Name = NAME` line; pending invites beside it (FILE.invites.json). Files are \
            rewritten atomically; a running server picks changes up by itself.
            """,
        subcommands: [Invite.self, Add.self, List.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a client and print its wg-quick config.",
            discussion: """
                The client gets the next free address in each of the server's subnets, a new \
                key pair and a preshared key. Its config goes to standard output (keep it \
                private: it holds the client's private key); `tunnel client --config FILE`, \
                wg-quick and the WireGuard apps accept it.
                Example: tunnel peer add alice --endpoint vpn.example.com:51820 --qr
                """)

        @Argument(help: "A name for the client: letters, digits, '-', '_', '.', at most 32.")
        var name: String

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

        @Flag(help: "Also print the config as a QR code, for a phone's WireGuard app.")
        var qr = false

        func run() throws {
            let request = PeerAddRequest(name: name, configPath: config, endpoint: endpoint, dns: dns,
                                         allowedIPs: allowedIPs, qrCode: qr)
            let output = try PeerManagement.add(request)
            KeyTool.warnIfStandardOutputIsReadableByOthers()
            print(output.standardOutput, terminator: "")
            FileHandle.standardError.write(Data((output.summary + "\n").utf8))
        }
    }

    struct Invite: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Invite a client: print a one-time code it enrols with, making its own key.",
            discussion: """
                The code (first line of standard output) carries the server's public key and \
                endpoint and 256 random bits. On the client: `tunnel client --invite CODE \
                --config FILE`. The client makes its key pair itself: its private key never \
                exists on the server. The code works once, until it expires; `tunnel peer \
                remove NAME` withdraws it. The server keeps only a public key derived from it.
                Example: tunnel peer invite alice --endpoint vpn.example.com:51820 --expires-in 2h
                """)

        @Argument(help: "A name for the client: ASCII letters, digits, '-', '_', '.', at most 32.")
        var name: String

        @Option(help: "The server's config file.")
        var config: String = ServerConfigFile.defaultPath

        @Option(help: ArgumentHelp("Where the client reaches the server (default: the address the server listens on).",
                                   valueName: "host:port"))
        var endpoint: String?

        @Option(name: .customLong("expires-in"),
                help: ArgumentHelp("How long the code works: 30s, 10m, 2h, 7d (default 24h).", valueName: "duration"))
        var expiresIn: String?

        @Option(help: ArgumentHelp("A DNS server for the client (repeat, or separate with commas).", valueName: "ip"))
        var dns: [String] = []

        @Option(name: .customLong("allowed-ips"),
                help: ArgumentHelp("What the client sends through the tunnel (default: 0.0.0.0/0, ::/0).",
                                   valueName: "cidrs"))
        var allowedIPs: [String] = []

        @Flag(help: "Also print the code as a QR code.")
        var qr = false

        func run() throws {
            let request = PeerInviteRequest(name: name, configPath: config, endpoint: endpoint, expiresIn: expiresIn,
                                            dns: dns, allowedIPs: allowedIPs, qrCode: qr)
            let output = try PeerManagement.invite(request, now: Int64(Date().timeIntervalSince1970))
            print(output.standardOutput, terminator: "")
            FileHandle.standardError.write(Data((output.summary + "\n").utf8))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the server's peers: name, public key, addresses.")

        @Option(help: "The server's config file.")
        var config: String = ServerConfigFile.defaultPath

        func run() throws {
            print(try PeerManagement.list(configPath: config), terminator: "")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a client (it can no longer connect), or withdraw its pending invite.")

        @Argument(help: "The client's name, as `tunnel peer list` shows it.")
        var name: String

        @Option(help: "The server's config file.")
        var config: String = ServerConfigFile.defaultPath

        func run() throws {
            print(try PeerManagement.remove(name: name, configPath: config))
        }
    }
}
