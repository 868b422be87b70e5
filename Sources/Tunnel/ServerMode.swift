// `tunnel server`: one UDP socket, one TUN, many clients, and the clients' exit to the
// internet through the userspace NAT (or routed, with --nat off). Creates its config on
// first run, follows `tunnel peer add/remove` while running, and puts the system back
// as it found it on exit (and on the next start after a kill).
import Addresses
import Config
import Dispatch
import EtcdStore
import Foundation
import Logging
import NAT
import Netlink
import Reactor
import WireGuard
import DataPath
import Peers
import Service
import Status
import SystemSetup

public enum NATMode: String, CaseIterable, Sendable {
    case userspace
    case off
}

public struct ServerOptions {
    public var listen: Endpoint
    public var configPath: String = ServerConfigFile.defaultPath
    public var interfaceName: String?
    /// Used only when the config file is created.
    public var addresses: [IPPrefix] = []
    public var nat: NATMode = .userspace
    public var egress: String?
    public var natPorts: ClosedRange<UInt16>?
    public var isolateClients = false
    /// Test-only: every NAT timeout shortened to this many seconds.
    public var natTimeoutSeconds: UInt64?
    public var stateDirectory = StateDirectory.forCurrentNamespace()
    /// Where to serve /metrics; nil: off.
    public var metrics: Endpoint?
    /// TUN and UDP segmentation offloads (off: one packet per system call, for debugging).
    public var offloads = true
    /// Threads a batch's encryption and decryption is shared over (1: the reactor's alone).
    public var cryptoWorkers = WorkerLanes.defaultCount
    /// Translated packets leave through the TUN (forwarded by the kernel, coalesced) when
    /// offloads allow and FORWARD lets them; otherwise by raw socket, past OUTPUT.
    public var natEgress = NATEgress.tunByDefault
    /// Test-only: SIGUSR1 stalls the reactor's queue until SIGUSR2 (see TestStall).
    public var testStallOnSignal = false
    /// Peers in etcd rather than the config file (which then holds only [Interface]).
    public var etcd: EtcdOptions?
    /// This server's name in etcd (`servers/<id>`, `usage/<id>/`); nil: the host name.
    public var serverID: String?

    public init(listen: Endpoint) { self.listen = listen }
}

public enum ServerMode {
    static let garbageCollectionInterval: DispatchTimeInterval = .seconds(1)
    static let configCheckInterval: DispatchTimeInterval = .seconds(1)
    /// How often peer states (expiry, quota) are decided and usage counted.
    static let limitCheckInterval: DispatchTimeInterval = .seconds(1)
    /// How often the NAT's router relists the host's addresses (one netlink dump).
    static let hostAddressRefreshInterval: DispatchTimeInterval = .seconds(1)
    /// IPv4 + TCP headers; IPv6's 20 extra bytes are allowed for by using the larger.
    static let tcpIPv6HeaderOverhead = 60
    static let looseReversePathFilter = "2"
    /// ICMP packets read from a raw socket per wakeup.
    static let rawICMPBatch = 64

    public static func run(_ options: ServerOptions) throws {
        let logger = TunnelLogging.logger("tunnel.server")
        FatalSignals.endAtOnce()
        // Everything that can refuse the start comes before the first change, the config
        // file included: a refused start leaves the system and the disk as they were.
        try NetworkAdminPrivilege.require("tunnel server")
        try ServerConfigFile.checkDirectory(of: options.configPath)
        let netlink = try NetlinkSocket()
        let natPorts = options.natPorts ?? NATConfiguration.defaultPortRange
        let egress = options.nat == .userspace ? try EgressInterface.find(named: options.egress, netlink: netlink) : nil
        if egress != nil { try checkOutsideEphemeralRange(natPorts) }
        let identity = ServerRunIdentity(configPath: options.configPath, listen: options.listen)
        try RunningServerConflict.check(identity, usesNATTable: egress != nil, stateDirectory: options.stateDirectory)
        if let listen = options.metrics { try ListenAddressProbe.requireFree(listen, option: "--metrics") }
        // The version to watch from is taken before the one load of the file (see
        // ServerPeerSync.startingVersion); a 10,000-peer file takes 0.1 s to parse.
        let (existing, startingVersion) = try ServerPeerSync.startingVersion(of: options.configPath) {
            ServerConfigFile.exists(options.configPath) ? try ServerConfigFile.load(path: options.configPath) : nil
        }
        let name = try InterfaceNaming.choose(requested: options.interfaceName, netlink: netlink)
        // The tunnel's addresses: the file's, or what a first run will write (with no
        // --address, an IPv4 subnet and an IPv6 ULA).
        let tunnelHasIPv6 = existing.map { $0.interface.addresses.contains { !$0.address.isIPv4 } }
            ?? (options.addresses.isEmpty || options.addresses.contains { !$0.address.isIPv4 })
        try checkForwardPolicy(options.natEgress, routed: egress == nil,
                               ipv6: tunnelHasIPv6 && (egress == nil || egress?.ipv6 != nil), tun: name, logger: logger)
        let udp = try UDPSocket(address: options.listen)
        let tun: TunDevice
        var config: WireGuardConfig
        let loadedVersion: ServerPeerSync.FileIdentity?
        var cluster: ServerCluster?
        do {
            for line in try LeftoverCleanup(socket: netlink, stateDirectory: options.stateDirectory,
                                            protocolID: TunnelRouteProtocol.server)
                .removeLeftovers(interface: name, namedByUser: false) {
                logger.notice("cleaned up after an earlier run: \(line)")
            }
            (config, loadedVersion) = (try existing ?? createConfig(options, logger: logger), startingVersion)
            if let etcd = options.etcd {
                let joined = try ServerCluster.join(etcd, config: config, options: options, logger: logger)
                config.peers = joined.start.peers
                cluster = joined
            }
            tun = try TunDevice(name: name, offloads: options.offloads)
        } catch {
            udp.close()
            throw error
        }
        let index = try netlink.link(.name(name)).index
        let mtu = UInt32(config.interface.mtu ?? Int(NetworkPlan.defaultMTU))
        let setup = try configureSystem(name, index: index, mtu: mtu, config: config, egress: egress, ports: natPorts,
                                        netlink: netlink, stateDirectory: options.stateDirectory, identity: identity)

        // Counters that last: read before the first peer is set, so limits hold from the start.
        let (usageSink, loadedUsage): (any UsageSink, [Key: PeerUsage])
        if let cluster {
            (usageSink, loadedUsage) = (cluster.usageSink, cluster.start.ownUsage)
        } else {
            let usageStore = UsageStore(serverConfigPath: options.configPath)
            (usageSink, loadedUsage) = (usageStore, try usageStore.load())
        }
        let lifecycle = PeerLifecycle(config: config, usage: loadedUsage, wallNow: wallClockSeconds(), logger: logger)
        if let cluster { lifecycle.othersUsage = cluster.start.othersUsage }
        let recorder = UsageRecorder(store: usageSink, loaded: loadedUsage, label: "tunnel.\(name).usage", logger: logger)
        let reactor = Reactor(label: "tunnel.\(name)")
        let interface: TunnelInterface
        let router: ServerRouter
        let peerRoutes = ServerPeerRoutes(netlink: netlink, interfaceIndex: index,
                                          tunnelPrefixes: config.interface.addresses, logger: logger)
        do {
            if let listen = options.metrics { _ = try MetricsServer.start(listen: listen, interface: name, logger: logger) }
            interface = TunnelInterface(reactor: reactor, tun: tun, udp: udp, privateKey: config.interface.privateKey,
                                        configuration: DeviceConfiguration(mtu: Int(mtu)), cryptoWorkers: options.cryptoWorkers, logger: logger)
            router = try makeRouter(options, interface: interface, egress: egress, ports: natPorts, mtu: Int(mtu),
                                    tunnelPrefixes: config.interface.addresses)
            interface.router = router
            // One line per peer at start is noise (10,000 of them cost a tenth of the start);
            // the "server on" line counts them. Changes after the start are notices.
            _ = lifecycle.startingDiff().apply(to: interface.device, now: SystemClock.monotonicNanoseconds(),
                                               excluded: lifecycle.excluded, log: { logger.debug("\($0)") })
            applyRateCaps(lifecycle, device: interface.device, logger: logger)
            // From here on the netlink socket belongs to the reactor's queue.
            peerRoutes.sync(with: interface.device)
            followHostAddresses(router, netlink: netlink, reactor: reactor, logger: logger)
            // `wg show`, `wg set` and `tunnel status` on /var/run/wireguard/NAME.sock.
            let bridge = try UAPIBridge.serve(interface: interface) { [unowned interface] in
                TunnelStatusInfo(name: name, role: .server, addresses: config.interface.addresses,
                                 counters: (router.nat.map { StatusCounterName.nat($0.statistics) } ?? [])
                                    + StatusCounterName.router(router.counters),
                                 buildPeers: peerInfo(lifecycle, device: interface.device))
            }
            bridge.onPeersChanged = { [unowned interface] changes in
                // A peer `wg set` set anew is a new object: it gets its cap again.
                applyRateCaps(lifecycle, device: interface.device, logger: logger)
                peersChanged(removed: changes.filter(\.wasRemoved).map(\.id),
                             prefixes: changes.flatMap { ($0.allowedIPsBefore ?? []) + ($0.allowedIPsAfter ?? []) },
                             interface: interface, router: router, peerRoutes: peerRoutes)
            }
            try interface.start()
            try startRawICMPReaders(router, reactor: reactor)
        } catch {
            try? setup.revert()
            throw error
        }
        let enrolment = ServerEnrolment(store: cluster?.sync.store ?? FilePeerStore(configPath: options.configPath),
                                        pendingInvites: cluster.map { c in { c.sync.invites } },
                                        interface: interface, router: router, logger: logger)
        reactor.queue.async { enrolment.start() }
        startHousekeeping(options, config: config, loadedVersion: loadedVersion, cluster: cluster, interface: interface,
                          router: router, peerRoutes: peerRoutes, lifecycle: lifecycle, recorder: recorder, logger: logger)
        interface.onInterfaceGone = { [unowned reactor] in
            logger.notice("interface \(name) was deleted; cleaning up and exiting")
            reactor.stop()
        }
        reactor.stopOnSignals()
        if options.testStallOnSignal { TestStall.install(on: reactor, logger: logger) }
        reactor.onStop {
            enrolment.stop()
            do { try setup.revert() } catch { logger.error("\(error)") }
            interface.tun.close()
            interface.udp.close()
        }
        ServiceNotifier.start(interface)
        logger.info("server on \(options.listen), interface \(name), \(interface.device.peers.count) peers\(cluster.map { " in \($0.sync.store.location) as '\($0.sync.serverID)'" } ?? ""), \(describe(egress, router: router)), \(interface.offloadSummary)")
        reactor.run()
        logger.info("interface \(name) removed, everything restored")
        endIfStoppedByFatalSignal(reactor, logger: logger)
    }

    /// The first run writes the config file and says which public key clients need (if
    /// another process made the file meanwhile, that one is read).
    private static func createConfig(_ options: ServerOptions, logger: Logger) throws -> WireGuardConfig {
        let creation = try ServerConfigFile.createIfMissing(path: options.configPath, listen: options.listen,
                                                            addresses: options.addresses)
        if creation.created {
            logger.notice("created \(options.configPath) with a new key")
            print("server public key: \(creation.publicKey.base64)")
            fflush(stdout)
        }
        return try creation.existing ?? ServerConfigFile.load(path: options.configPath)
    }

    /// Forwarding, and for the NAT the diversion rules, table and moved local rule.
    private static func configureSystem(_ name: String, index: Int32, mtu: UInt32, config: WireGuardConfig,
                                        egress: EgressInterface?, ports: ClosedRange<UInt16>, netlink: NetlinkSocket,
                                        stateDirectory: StateDirectory, identity: ServerRunIdentity) throws -> NetworkSetup {
        let hasIPv6 = config.interface.addresses.contains { !$0.address.isIPv4 }
        let natPlan = egress.map { e in
            ServerNATPlan(egressInterface: e.name, families: e.ipv6 != nil && hasIPv6 ? [.ipv4, .ipv6] : [.ipv4],
                          ports: ports, table: NetworkPlan.serverNATTable,
                          egressAddresses: [e.ipv4.map(IPAddress.v4), hasIPv6 ? e.ipv6.map(IPAddress.v6) : nil].compactMap { $0 })
        }
        let plan = NetworkPlan(serverInterface: name, index: index, addresses: config.interface.addresses, mtu: mtu,
                               nat: natPlan, forwardIPv6: hasIPv6)
        let setup = try NetworkSetup(applying: plan, socket: netlink, stateDirectory: stateDirectory, server: identity)
        // Fragments handed back to the kernel come in through the TUN with an internet
        // source: loose reverse-path filtering lets them in. (The TUN goes away on exit.)
        if egress != nil { _ = try? Sysctl.interface("ipv4", name, "rp_filter").write(looseReversePathFilter) }
        return setup
    }

    /// Whether translated packets can leave through the TUN: they carry the egress address
    /// as source, which IPv4 accepts on an interface only with accept_local. (IPv6 has no
    /// such check.) Needs the TUN's offloads to pay; without them the raw socket is as good.
    private static func allowEgressThroughTun(_ name: String, offloads: Bool, choice: NATEgress) -> Bool {
        guard offloads, choice != .socket else { return false }
        return (try? Sysctl.interface("ipv4", name, "accept_local").write("1")) != nil
    }

    /// The NAT's replies are forwarded into the TUN (policy routing sends them there), and
    /// with the TUN egress so are its translated packets: an nf_tables forward chain whose
    /// policy drops (Docker and ufw set one, through iptables-nft) swallows them, and the
    /// clients get nothing, without a word. The raw-socket egress does not avoid it: only
    /// ICMP replies come by socket. Rules inside the chain are not evaluated, so an accept
    /// rule cannot be seen: without `--nat-egress` the start is refused with what to add;
    /// an explicit `--nat-egress` says the rules are there and only warns. Only nf_tables is
    /// read: iptables-legacy's tables are another kernel interface and are not looked at.
    /// Routed (`--nat off`), forwarding is the whole point and the operator's firewall its
    /// business: a warning only. An ip6 chain matters only when IPv6 is forwarded (`ipv6`),
    /// an ip chain always (the NAT and a routed tunnel always carry IPv4).
    private static func checkForwardPolicy(_ choice: NATEgress, routed: Bool, ipv6: Bool, tun: String,
                                           logger: Logger) throws {
        let dropping: [ForwardChain]
        do {
            dropping = try NFTablesRuleset.forwardChains().filter { $0.dropsByDefault && ($0.family != "ip6" || ipv6) }
        } catch {
            logger.info("cannot read the nf_tables ruleset (\(error)); if a FORWARD chain drops, what the server forwards needs an accept rule there")
            return
        }
        guard !dropping.isEmpty else { return }
        let chains = dropping.map { "'\($0)'" }.joined(separator: ", ")
        if routed {
            logger.warning("nf_tables chain \(chains) drops forwarded packets by policy: with --nat off the clients' traffic passes only if it accepts what comes from \(tun) and goes to it")
            return
        }
        guard choice != .tunByDefault else {
            throw TunnelError.forwardDrops(chains: dropping.map(\.description), tun: tun)
        }
        logger.warning("nf_tables chain \(chains) drops forwarded packets by policy: the NAT's packets pass only if it accepts what goes to \(tun)\(choice == .tun ? " and comes from it" : "")")
    }

    /// Peers changed (config file or `wg set`): removed ones' NAT mappings go, and routes
    /// follow the peers' networks. `prefixes`: what the changed peers held before and after;
    /// routes are listed through netlink only when one of them needs a route.
    private static func peersChanged(removed: [UInt32], prefixes: [IPPrefix], interface: TunnelInterface,
                                     router: ServerRouter, peerRoutes: ServerPeerRoutes) {
        for id in removed { router.nat?.removeClient(ClientID(id)) }
        if prefixes.contains(where: peerRoutes.needsRoute) { peerRoutes.sync(with: interface.device) }
    }

    private static func describe(_ egress: EgressInterface?, router: ServerRouter) -> String {
        guard let egress else { return "routed (--nat off)" }
        let addresses = [egress.ipv4.map { "\($0)" }, egress.ipv6.map { "\($0)" }].compactMap { $0 }
        let path = router.egressThroughTun ? "forwarded from the TUN" : "sent by raw socket"
        return "NAT through \(egress.name) (\(addresses.joined(separator: ", ")); translated packets \(path))"
    }

    private static func makeRouter(_ options: ServerOptions, interface: TunnelInterface, egress: EgressInterface?,
                                   ports: ClosedRange<UInt16>, mtu: Int, tunnelPrefixes: [IPPrefix]) throws -> ServerRouter {
        guard let egress, let ipv4 = egress.ipv4 else {
            return ServerRouter(interface: interface, nat: nil, rawIPv4: nil, rawIPv6: nil, egressIPv4: nil, egressIPv6: nil,
                                tunnelPrefixes: tunnelPrefixes, isolateClients: options.isolateClients, natPorts: nil)
        }
        let hasIPv6 = tunnelPrefixes.contains { !$0.address.isIPv4 }
        let ipv6 = hasIPv6 ? egress.ipv6 : nil
        var natConfig = NATConfiguration(egressIPv4: ipv4, egressIPv6: ipv6, portRange: ports, icmpIdentifierRange: ports,
                                         tcpMSSClamp: UInt16(mtu - tcpIPv6HeaderOverhead))
        if let seconds = options.natTimeoutSeconds { natConfig.timeouts = .uniform(seconds: seconds) }
        let nat = try NATTable(configuration: natConfig)
        nat.startPortAllocation(at: Int(SecureRandom.uint32() % UInt32(ports.count)))
        let throughTun = allowEgressThroughTun(interface.tun.name, offloads: interface.tun.hasVirtioHeader,
                                               choice: options.natEgress)
        return ServerRouter(interface: interface, nat: nat,
                            rawIPv4: throughTun ? nil : try RawSocket(ipv6: false, kind: .send),
                            rawIPv6: throughTun || ipv6 == nil ? nil : try RawSocket(ipv6: true, kind: .send),
                            egressIPv4: ipv4, egressIPv6: ipv6, tunnelPrefixes: tunnelPrefixes,
                            isolateClients: options.isolateClients, natPorts: ports, egressThroughTun: throughTun)
    }

    /// The router's view of the host's addresses: listed once before the first packet, then
    /// every `hostAddressRefreshInterval` on the reactor's queue (which owns the netlink
    /// socket and the router), so an address added or removed later counts within a second.
    private static func followHostAddresses(_ router: ServerRouter, netlink: NetlinkSocket, reactor: Reactor,
                                            logger: Logger) {
        guard router.nat != nil else { return }
        // Said once when listing starts to fail and once when it works again, not every second.
        var failing = false
        let refresh = {
            do {
                let current = HostAddresses(interfaces: try netlink.addresses().map(\.prefix))
                if current != router.hostAddresses { router.hostAddresses = current }
                if failing { logger.notice("listing the host's addresses works again") }
                failing = false
            } catch {
                if !failing { logger.warning("could not list the host's addresses (the last list stays in use): \(error)") }
                failing = true
            }
        }
        refresh()
        reactor.addRepeatingTimer(interval: hostAddressRefreshInterval, refresh)
    }

    /// ICMP echo replies and errors for NAT'd flows arrive as copies on raw sockets.
    private static func startRawICMPReaders(_ router: ServerRouter, reactor: Reactor) throws {
        guard router.nat != nil else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: WireGuardDevice.headroom + 65535 + WireGuardDevice.tailroom,
                                                            alignment: 16)
        let families = [false] + (router.egressIPv6 != nil ? [true] : [])
        for ipv6 in families {
            guard let socket = try? RawSocket(ipv6: ipv6, kind: .receiveICMP) else { continue }
            try reactor.addReader(fd: socket.fd) {
                let start = WireGuardDevice.headroom
                let room = UnsafeMutableRawBufferPointer(rebasing: buffer[start..<(buffer.count - WireGuardDevice.tailroom)])
                // A bounded batch: the source fires again while more is waiting, and
                // everything else on the queue (signals, the control socket) gets a turn.
                for _ in 0..<rawICMPBatch {
                    guard let n = socket.receive(into: room) else { return }
                    router.routeFromRawICMP(buffer, length: n, now: SystemClock.monotonicNanoseconds())
                }
            }
            reactor.onStop { socket.close() }
        }
        reactor.onStop { buffer.deallocate() }
    }

    /// NAT garbage collection, and peers added or removed in the config file. The file is
    /// read and diffed on ServerPeerSync's own queue; only the diff is applied on the
    /// reactor's queue, which owns the device.
    private static func startHousekeeping(_ options: ServerOptions, config: WireGuardConfig,
                                          loadedVersion: ServerPeerSync.FileIdentity?, cluster: ServerCluster?,
                                          interface: TunnelInterface,
                                          router: ServerRouter, peerRoutes: ServerPeerRoutes, lifecycle: PeerLifecycle,
                                          recorder: UsageRecorder, logger: Logger) {
        let reactor = interface.reactor
        if let nat = router.nat {
            reactor.addRepeatingTimer(interval: garbageCollectionInterval) {
                nat.collectGarbage(now: SystemClock.monotonicNanoseconds())
            }
        }
        let apply: @Sendable (ServerPeerDiff) -> Void = { [weak interface] diff in
            guard let interface else { return }
            reactor.queue.async {
                let result = lifecycle.configChanged(diff, device: interface.device, now: SystemClock.monotonicNanoseconds(),
                                                     wallNow: wallClockSeconds())
                applyRateCaps(lifecycle, device: interface.device, logger: logger)
                peersChanged(removed: result.removed, prefixes: result.prefixes, interface: interface, router: router,
                             peerRoutes: peerRoutes)
            }
        }
        if let cluster {
            cluster.sync.follow(onPeers: apply, onOthersUsage: { usage in
                reactor.queue.async { lifecycle.othersUsage = usage }
            })
            reactor.onStop { cluster.sync.stop() }
        } else {
            let sync = ServerPeerSync(path: options.configPath, initial: config, version: loadedVersion,
                                      label: reactor.queue.label + ".config", logger: logger)
            sync.start(every: configCheckInterval, onChange: apply)
            reactor.onStop { sync.stop() }
        }
        // Expiry and quotas move with time and traffic: states are decided every second.
        reactor.addRepeatingTimer(interval: limitCheckInterval) { [weak interface] in
            guard let interface else { return }
            guard let result = lifecycle.tick(device: interface.device, now: SystemClock.monotonicNanoseconds(),
                                              wallNow: wallClockSeconds()) else { return }
            applyRateCaps(lifecycle, device: interface.device, logger: logger)
            peersChanged(removed: result.removed, prefixes: result.prefixes, interface: interface, router: router,
                         peerRoutes: peerRoutes)
        }
        reactor.addRepeatingTimer(interval: UsageRecorder.interval) { [weak interface] in
            guard let interface else { return }
            lifecycle.account(interface.device, wallNow: wallClockSeconds())
            recorder.record(lifecycle.usage)
        }
        // At exit (SIGTERM, SIGINT, the interface or control socket gone): the last counts.
        reactor.onStop { [weak interface] in
            if let interface { lifecycle.account(interface.device, wallNow: wallClockSeconds()) }
            recorder.recordAndWait(lifecycle.usage)
        }
    }

    /// Every device peer gets the rate cap its limits say (an unchanged cap keeps its bucket).
    private static func applyRateCaps(_ lifecycle: PeerLifecycle, device: WireGuardDevice, logger: Logger) {
        let now = SystemClock.monotonicNanoseconds()
        for peer in device.peers {
            let rate = lifecycle.settings(of: peer.publicKey)?.limits.rate
            if PeerRateLimiter.apply(bitsPerSecond: rate?.bitsPerSecond, to: peer, now: now) {
                logger.notice("peer \(peer.displayName): rate cap \(rate?.description ?? "off")")
            }
        }
    }

    /// Each peer's state and limits for the control socket (`tunnel status`, metrics):
    /// counted and copied on the reactor's queue, built by the closure on the control queue.
    private static func peerInfo(_ lifecycle: PeerLifecycle,
                                 device: WireGuardDevice) -> @Sendable () -> [Key: TunnelPeerInfo] {
        // Counted up to now, so usage agrees with the transfer the same answer reports.
        let wallNow = wallClockSeconds()
        lifecycle.account(device, wallNow: wallNow)
        let snapshot = lifecycle.snapshot
        return {
            var out: [Key: TunnelPeerInfo] = [:]
            out.reserveCapacity(snapshot.sections.count)
            for section in snapshot.sections {
                let key = section.publicKey
                let limits = snapshot.settings(of: key)?.limits ?? PeerLimits()
                out[key] = TunnelPeerInfo(name: section.name, allowedIPs: section.allowedIPs,
                                          state: (snapshot.states[key] ?? .active).rawValue,
                                          usageBytes: snapshot.totalUsage(of: key, wallNow: wallNow)?.quotaBytes ?? 0,
                                          quotaBytes: limits.quota?.limit.bytes, rateBits: limits.rate?.bitsPerSecond,
                                          expires: limits.expires?.secondsSinceEpoch)
            }
            return out
        }
    }

    /// Unix seconds: expiry, quota periods and the usage file are wall-clock matters.
    static func wallClockSeconds() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// NAT ports inside the kernel's ephemeral range would collide with the host's own connections.
    static func checkOutsideEphemeralRange(_ ports: ClosedRange<UInt16>) throws {
        guard let text = try? Sysctl("net.ipv4.ip_local_port_range").read() else { return }
        let bounds = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { UInt16($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { return }
        if ports.overlaps(bounds[0]...bounds[1]) {
            throw TunnelError.invalidOption("NAT ports \(ports.lowerBound)-\(ports.upperBound) overlap the kernel's ephemeral range \(bounds[0])-\(bounds[1]) (net.ipv4.ip_local_port_range): choose others with --nat-ports")
        }
    }
}
