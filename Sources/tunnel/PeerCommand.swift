// `tunnel peer add|list|remove`: options parsed here, the work done by PeerManagement.
import ArgumentParser
import Foundation
import Tunnel
import Peers

struct PeerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "Invite, add, list, limit and remove the clients of a `tunnel server`.",
        discussion: """
            Peers live in the server's wg-quick config file as [Peer] sections with a \
            `# Name = NAME` line; pending invites beside it (FILE.invites.json). Files are \
            rewritten atomically; a running server picks changes up by itself. With --etcd \
            (or TUNNEL_ETCD) they live in etcd instead, shared by every server given the same \
            members, and each change is one transaction.
            """,
        subcommands: [Invite.self, Add.self, List.self, Remove.self, Set.self, Disable.self, Enable.self, Import.self]
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

        @OptionGroup var client: NewClientOptions

        @Flag(help: "Also print the config as a QR code, for a phone's WireGuard app.")
        var qr = false

        func run() throws {
            let request = PeerAddRequest(name: name, configPath: client.store.config, endpoint: client.endpoint,
                                         dns: client.dns, allowedIPs: client.allowedIPs, qrCode: qr)
            let output = try client.store.withStore { try PeerManagement.add(request, store: $0) }
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

        @OptionGroup var client: NewClientOptions

        @Option(name: .customLong("expires-in"),
                help: ArgumentHelp("How long the code works: 30s, 10m, 2h, 7d (default 24h).", valueName: "duration"))
        var expiresIn: String?

        @Flag(help: "Also print the code as a QR code.")
        var qr = false

        func run() throws {
            let request = PeerInviteRequest(name: name, configPath: client.store.config, endpoint: client.endpoint,
                                            expiresIn: expiresIn, dns: client.dns, allowedIPs: client.allowedIPs,
                                            qrCode: qr)
            let output = try client.store.withStore {
                try PeerManagement.invite(request, now: Int64(Date().timeIntervalSince1970), store: $0)
            }
            print(output.standardOutput, terminator: "")
            FileHandle.standardError.write(Data((output.summary + "\n").utf8))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the server's peers: name, state, addresses, limits, usage, totals.",
            discussion: """
                Read from the config file and the usage file beside it (or from etcd), so it \
                works while the server is down; the totals are as of the servers' last save \
                (every 5 s), summed over the servers of a cluster.
                """)

        @OptionGroup var store: StoreOptions

        @Flag(help: "A JSON array, one object per peer.")
        var json = false

        func run() throws {
            print(try store.withStore { try PeerManagement.list(store: $0, json: json, now: Int64(Date().timeIntervalSince1970)) },
                  terminator: "")
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a client's rate cap, data quota or expiry.",
            discussion: """
                A running server applies the change within a few seconds. A peer past its quota \
                or expiry is cut off at once (its session dropped, its handshakes unanswered) \
                until the limit is lifted, the usage reset or the next quota period begins.
                Example: tunnel peer set alice --rate 20mbit --quota 50G/month --expires-in 30d
                """)

        @Argument(help: "The client's name, as `tunnel peer list` shows it.")
        var name: String

        @OptionGroup var store: StoreOptions

        // .unconditional: `--quota -5` reaches our check (and its message) instead of
        // being taken for an option.
        @Option(parsing: .unconditional,
                help: ArgumentHelp("Cap each direction, written as tc does (500kbit, 20mbit, 1gbit), or off.",
                                   valueName: "rate"))
        var rate: String?

        @Option(parsing: .unconditional,
                help: ArgumentHelp("Bytes both ways (500M, 30G; powers of 1000), for good or per day, week or month (UTC), or off.",
                                   valueName: "size[/day|/week|/month]"))
        var quota: String?

        @Flag(name: .customLong("reset-usage"), help: "Start the quota's count over from now.")
        var resetUsage = false

        @Option(parsing: .unconditional,
                help: ArgumentHelp("When the client stops working (RFC 3339, e.g. 2027-01-31T18:00:00Z), or never.",
                                   valueName: "date"))
        var expires: String?

        @Option(name: .customLong("expires-in"), parsing: .unconditional, help: ArgumentHelp("Expire this long from now: 30s, 10m, 2h, 7d.",
                                                                    valueName: "duration"))
        var expiresIn: String?

        func run() throws {
            let request = PeerSetRequest(name: name, configPath: store.config, rate: rate, quota: quota,
                                         resetUsage: resetUsage, expires: expires, expiresIn: expiresIn)
            print(try store.withStore { try PeerManagement.set(request, now: Int64(Date().timeIntervalSince1970), store: $0) })
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cut a client off until `peer enable`: its session ends, its handshakes go unanswered.")

        @Argument(help: "The client's name, as `tunnel peer list` shows it.")
        var name: String

        @OptionGroup var store: StoreOptions

        func run() throws { try PeerCommand.setDisabled(true, name: name, store: store) }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a disabled client back in.")

        @Argument(help: "The client's name, as `tunnel peer list` shows it.")
        var name: String

        @OptionGroup var store: StoreOptions

        func run() throws { try PeerCommand.setDisabled(false, name: name, store: store) }
    }

    /// `disable` and `enable`: one request, a flag apart.
    static func setDisabled(_ disabled: Bool, name: String, store: StoreOptions) throws {
        let request = PeerSetRequest(name: name, configPath: store.config, disabled: disabled)
        print(try store.withStore { try PeerManagement.set(request, now: Int64(Date().timeIntervalSince1970), store: $0) })
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a client (it can no longer connect), or withdraw its pending invite.")

        @Argument(help: "The client's name, as `tunnel peer list` shows it.")
        var name: String

        @OptionGroup var store: StoreOptions

        func run() throws {
            print(try store.withStore { try PeerManagement.remove(name: name, store: $0) })
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a file-based server's peers, invites and counts into etcd.",
            discussion: """
                Reads the wg-quick file given with --from (and the .invites.json and \
                .usage.json files beside it) and writes its peers into etcd in one \
                transaction. Peers already there are left as they are, so running it twice \
                changes nothing. Then remove the [Peer] sections from the server's file and \
                start it with --etcd.
                Example: tunnel peer import --from /etc/tunnel/server.conf --etcd http://10.0.0.1:2379
                """)

        @Option(help: ArgumentHelp("The file-based server's config to copy from.", valueName: "file"))
        var from: String

        @OptionGroup var store: StoreOptions

        func run() throws {
            let access = try PeerStoreAccess(configPath: store.config == ServerConfigFile.defaultPath ? from : store.config,
                                             etcd: store.etcd.resolved())
            defer { access.close() }
            for line in try access.importFile(from) { print(line) }
        }
    }
}
