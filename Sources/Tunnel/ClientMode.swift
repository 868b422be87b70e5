// `tunnel client`: one interface, one peer (the server), from a wg-quick file. Sets up
// addresses, routes, policy rules and DNS (NetworkSetup), runs the data path in
// the foreground, and on SIGINT/SIGTERM/SIGHUP, a fatal signal someone sent, or when the
// interface is deleted under it, undoes everything it changed.
import Addresses
import Config
import Dispatch
import Foundation
import Logging
import Netlink
import Peers
import Reactor
import WireGuard
import DataPath
import Service
import Status
import SystemSetup

public struct ClientOptions {
    public var configPath: String
    public var interfaceName: String?
    /// Override the peer's Endpoint ("host:port"), tried in order (failover).
    public var connect: [String]
    /// Test-only: a shorter REKEY_AFTER_TIME, in seconds.
    public var rekeyAfterSeconds: UInt64?
    public var stateDirectory: StateDirectory
    /// Where to serve /metrics; nil: off.
    public var metrics: Endpoint?
    /// TUN and UDP segmentation offloads (off: one packet per system call, for debugging).
    public var offloads = true
    /// Threads a batch's encryption and decryption is shared over (1: the reactor's alone).
    public var cryptoWorkers = WorkerLanes.defaultCount
    /// An invite code: enrol first, write the config to `configPath`, then run on it.
    public var invite: String?

    public init(configPath: String, interfaceName: String? = nil, connect: [String] = [],
                rekeyAfterSeconds: UInt64? = nil,
                stateDirectory: StateDirectory = StateDirectory.forCurrentNamespace()) {
        self.configPath = configPath
        self.interfaceName = interfaceName
        self.connect = connect
        self.rekeyAfterSeconds = rekeyAfterSeconds
        self.stateDirectory = stateDirectory
    }
}

public enum ClientMode {

    /// `tunnel client --cleanup`: removes what a killed run left; returns what it did.
    public static func cleanup(interface: String?,
                               stateDirectory: StateDirectory = StateDirectory.forCurrentNamespace()) throws -> [String] {
        try NetworkAdminPrivilege.require("tunnel client --cleanup")
        let netlink = try NetlinkSocket()
        return try LeftoverCleanup(socket: netlink, stateDirectory: stateDirectory).removeLeftovers(interface: interface)
    }

    /// How long an enrolment waits for the server's answer.
    static let enrolmentSeconds = 20

    /// Runs until stopped; returns normally after a clean shutdown.
    public static func run(_ options: ClientOptions) throws {
        let logger = TunnelLogging.logger("tunnel.client")
        FatalSignals.endAtOnce()
        // Everything that can fail without side effects comes first (an enrolment uses up
        // its code, so it comes after the checks too).
        try NetworkAdminPrivilege.require("tunnel client")
        if let listen = options.metrics { try ListenAddressProbe.requireFree(listen, option: "--metrics") }
        if let invite = options.invite { try enrol(invite, options, logger: logger) }
        let (config, peer, peerEndpoints) = try loadConfig(options)

        let netlink = try NetlinkSocket()
        let name = try InterfaceNaming.choose(requested: options.interfaceName, netlink: netlink)
        for line in try LeftoverCleanup(socket: netlink, stateDirectory: options.stateDirectory)
            .removeLeftovers(interface: name, namedByUser: false) {
            logger.notice("cleaned up after an earlier run: \(line)")
        }
        let tun = try TunDevice(name: name, offloads: options.offloads)
        let index = try netlink.link(.name(name)).index
        let table = config.interface.table == nil
            ? try RoutingTableSearch.firstUnusedTable(socket: netlink) : NetworkPlan.defaultRoutingTable
        let plan = try NetworkPlan(config: config, interfaceName: name, interfaceIndex: index, routingTable: table)
        let setup = try NetworkSetup(applying: plan, socket: netlink, stateDirectory: options.stateDirectory)
        let udp: UDPSocket
        do {
            udp = try UDPSocket(port: config.interface.listenPort ?? 0, fwmark: plan.socketMark)
        } catch {
            try? setup.revert()
            throw error
        }

        let reactor = Reactor(label: "tunnel.\(name)")
        let interface = TunnelInterface(reactor: reactor, tun: tun, udp: udp, privateKey: config.interface.privateKey,
                                        configuration: DeviceConfiguration(mtu: Int(plan.mtu), timers: timers(options)),
                                        cryptoWorkers: options.cryptoWorkers, logger: logger)
        interface.device.setPeer(peer, now: SystemClock.monotonicNanoseconds())
        let failover = failOverWhenHandshakesFail(peerEndpoints, publicKey: peer.publicKey, interface: interface,
                                                  logger: logger)
        let reportSilence = reportUnansweredHandshakes(publicKey: peer.publicKey, interface: interface, logger: logger)
        interface.onEvent = { event in
            failover(event)
            reportSilence(event)
        }
        interface.onInterfaceGone = { [unowned reactor] in
            logger.notice("interface \(name) was deleted; cleaning up and exiting")
            reactor.stop()
        }
        do {
            if let listen = options.metrics { _ = try MetricsServer.start(listen: listen, interface: name, logger: logger) }
            // `wg show`, `wg set` and `tunnel status` on /var/run/wireguard/NAME.sock.
            try UAPIBridge.serve(interface: interface, fwmark: plan.socketMark ?? 0) {
                TunnelStatusInfo(name: name, role: .client, addresses: plan.addresses)
            }
            try interface.start()
        } catch {
            try? setup.revert()
            throw error
        }
        reactor.stopOnSignals()
        reactor.onStop {
            do { try setup.revert() } catch { logger.error("\(error)") }
            tun.close()
            udp.close()
        }
        ServiceNotifier.start(interface)
        let scope = plan.fullTunnelFamilies.isEmpty ? "" : ", all traffic through the tunnel"
        logger.info("interface \(name) up, UDP port \(udp.localPort), public key \(interface.device.publicKey.base64)\(scope), \(interface.offloadSummary)")
        reactor.run()
        logger.info("interface \(name) removed, everything restored")
        endIfStoppedByFatalSignal(reactor, logger: logger)
    }

    /// The file, its one peer, and where to reach it (--connect wins over Endpoint).
    private static func loadConfig(_ options: ClientOptions) throws -> (WireGuardConfig, PeerConfiguration, [PeerEndpoint]) {
        let config = try ConfigLoader.load(path: options.configPath)
        guard config.peers.count == 1 else {
            throw config.peers.isEmpty ? TunnelError.noPeer(file: options.configPath)
                                       : TunnelError.tooManyPeers(file: options.configPath, count: config.peers.count)
        }
        let section = config.peers[0]
        let endpoints = options.connect.isEmpty ? section.endpoint.map { [$0] } ?? []
                                                : try options.connect.map(PeerEndpoint.init(parsing:))
        // Only the endpoints in force are resolved (a file's stale name must not stop --connect).
        let peer = PeerConfiguration(publicKey: section.publicKey, presharedKey: section.presharedKey,
                                     endpoint: try resolveAll(endpoints).first,
                                     allowedIPs: section.allowedIPs, persistentKeepalive: section.persistentKeepalive ?? 0,
                                     name: section.name)
        return (config, peer, endpoints)
    }

    /// Every address of every endpoint, in order; a name that does not resolve is an
    /// error only when nothing else does.
    static func resolveAll(_ endpoints: [PeerEndpoint]) throws -> [Endpoint] {
        var addresses: [Endpoint] = []
        var firstError: Error?
        for endpoint in endpoints {
            do {
                addresses += try EndpointResolver.resolveAll(endpoint)
            } catch {
                firstError = firstError ?? error
            }
        }
        if addresses.isEmpty, let firstError { throw firstError }
        return addresses
    }

    private static func timers(_ options: ClientOptions) -> TimerConfiguration {
        var timers = TimerConfiguration.standard
        if let seconds = options.rekeyAfterSeconds {
            timers.rekeyAfterTime = seconds * ProtocolConstants.nanosecondsPerSecond
        }
        return timers
    }

    /// Says at info level that the server does not answer, and what to check.
    private static func reportUnansweredHandshakes(publicKey: Key, interface: TunnelInterface,
                                                   logger: Logger) -> (DeviceEvent) -> Void {
        var monitor = HandshakeSilenceMonitor()
        return { [unowned interface] event in
            switch monitor.handle(event, now: SystemClock.monotonicNanoseconds()) {
            case .silent(let attempts, let seconds)?:
                let peer = interface.device.peer(for: publicKey)
                let endpoint = peer?.endpoint.map { "\($0)" } ?? "no endpoint"
                logger.warning("""
                    no handshake answer from the server at \(endpoint) after \(attempts) attempts in \(seconds) s: \
                    check that it is running and that UDP port \(peer?.endpoint?.port ?? 0) reaches it (firewall, NAT), \
                    that it knows this client's public key \(interface.device.publicKey.base64), and that both sides \
                    have the same preshared key; still trying
                    """)
            case .answered(let attempts)?:
                logger.notice("the server answered the handshake after \(attempts) attempts")
            case nil:
                break
            }
        }
    }

    /// Moves to the server's next address when handshakes go unanswered, and looks the
    /// names up again once every address was tried (EndpointFailover decides; names are
    /// resolved off the reactor's queue).
    private static func failOverWhenHandshakesFail(_ endpoints: [PeerEndpoint], publicKey: Key,
                                                   interface: TunnelInterface,
                                                   logger: Logger) -> (DeviceEvent) -> Void {
        let failover = EndpointFailover(candidates: (try? resolveAll(endpoints)) ?? [])
        return { [unowned interface] event in
            switch failover.handle(event) {
            case .use(let address)?:
                use(address, publicKey: publicKey, on: interface, logger: logger)
            case .resolveAgain?:
                DispatchQueue.global().async {
                    let addresses = (try? resolveAll(endpoints)) ?? []
                    if addresses.isEmpty { logger.warning("cannot resolve the server's names again; keeping the last address") }
                    interface.reactor.queue.async {
                        if let first = failover.refreshed(addresses) {
                            use(first, publicKey: publicKey, on: interface, logger: logger)
                        }
                    }
                }
            case nil:
                break
            }
        }
    }

    /// Points the server's peer at `address` and sends it an initiation at once; on the
    /// reactor's queue, after the event that led here was handled (not inside the send).
    private static func use(_ address: Endpoint, publicKey: Key, on interface: TunnelInterface, logger: Logger) {
        guard let peer = interface.device.peer(for: publicKey), peer.endpoint != address else { return }
        logger.notice("no answer from \(peer.endpoint.map { "\($0)" } ?? "the server"); trying \(address)")
        interface.device.setEndpoint(address, for: peer)
        interface.reactor.queue.async { [weak interface] in
            guard let interface, let peer = interface.device.peer(for: publicKey), peer.endpoint == address else { return }
            interface.device.resendInitiation(to: peer, now: SystemClock.monotonicNanoseconds())
        }
    }

    /// `--invite -`: the code comes on standard input, so it never shows in the process
    /// list (/proc/PID/cmdline is readable by every local user).
    public static let inviteFromStandardInput = "-"

    private static func readInviteCode() throws -> String {
        guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty else {
            throw EnrolmentError.noCodeOnStandardInput
        }
        return line
    }

    /// Makes the client's key pair, enrols with the code over the server's UDP port, and
    /// writes the config it gets (with the key) to `options.configPath`.
    private static func enrol(_ text: String, _ options: ClientOptions, logger: Logger) throws {
        let code = try InviteCode(parsing: text == inviteFromStandardInput ? try readInviteCode() : text)
        guard !EnrolledClientConfig.exists(options.configPath) else {
            throw EnrolmentError.configExists(path: options.configPath)
        }
        let directory = URL(fileURLWithPath: options.configPath).deletingLastPathComponent().path
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw EnrolmentError.cannotWrite(path: options.configPath, directory: directory)
        }
        let endpointText = options.connect.first ?? code.endpoint.description
        let endpoint = try EndpointResolver.resolve(try PeerEndpoint(parsing: endpointText))
        let privateKey = X25519.generatePrivateKey()
        logger.info("enrolling with the server at \(endpoint) (its key \(code.serverPublicKey.base64))")
        let request = EnrolmentMessage.request(publicKey: X25519.publicKey(for: privateKey))
        let answer = try EnrolmentExchange.run(
            privateKey: code.derivedKeyPair.privateKey, peerPublicKey: code.serverPublicKey, endpoint: endpoint,
            packet: request, seconds: Double(enrolmentSeconds)) { packet in
                packet.withUnsafeBytes { EnrolmentMessage.parseAnswer($0) != nil }
            }
        guard let answer, let text = answer.withUnsafeBytes({ EnrolmentMessage.parseAnswer($0) }) else {
            throw EnrolmentError.noAnswer(endpoint: "\(endpoint)", seconds: enrolmentSeconds)
        }
        let config: WireGuardConfig
        do {
            config = try EnrolledClientConfig.complete(text, privateKey: privateKey)
        } catch {
            throw EnrolmentError.badAnswer(reason: "\(error)")
        }
        guard try EnrolledClientConfig.write(config, path: options.configPath) else {
            throw EnrolmentError.configAppeared(path: options.configPath)
        }
        let addresses = config.interface.addresses.map(\.description).joined(separator: ", ")
        logger.notice("enrolled: \(options.configPath) holds this client's own key and its addresses \(addresses)")
    }
}
