// `tunnel peer add|list|remove`: options parsed here, the work done by PeerManagement.
import ArgumentParser
import Foundation
import Tunnel
import Peers

struct PeerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "Add, list and remove the clients of a `tunnel server`.",
        discussion: """
            Peers live in the server's wg-quick config file as [Peer] sections with a \
            `# Name = NAME` line. The file is rewritten atomically; a running server picks \
            the change up by itself.
            """,
        subcommands: [Add.self, List.self, Remove.self]
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

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the server's peers: name, public key, addresses.")

        @Option(help: "The server's config file.")
        var config: String = ServerConfigFile.defaultPath

        func run() throws {
            print(try PeerManagement.list(configPath: config), terminator: "")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a client; it can no longer connect.")

        @Argument(help: "The client's name, as `tunnel peer list` shows it.")
        var name: String

        @Option(help: "The server's config file.")
        var config: String = ServerConfigFile.defaultPath

        func run() throws {
            print(try PeerManagement.remove(name: name, configPath: config))
        }
    }
}
