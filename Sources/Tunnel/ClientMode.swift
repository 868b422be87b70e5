// `tunnel client`: one interface, one peer (the server), from a wg-quick file. Runs in
// the foreground until SIGINT/SIGTERM, then removes what it made.
import Addresses
import Config
import Foundation
import Logging
import Netlink
import Reactor
import WireGuard

public struct ClientOptions {
    public var configPath: String
    public var interfaceName: String?
    /// Overrides the peer's Endpoint ("host:port").
    public var connect: String?
    /// Test-only: a shorter REKEY_AFTER_TIME, in seconds.
    public var rekeyAfterSeconds: UInt64?

    public init(configPath: String, interfaceName: String? = nil, connect: String? = nil, rekeyAfterSeconds: UInt64? = nil) {
        self.configPath = configPath
        self.interfaceName = interfaceName
        self.connect = connect
        self.rekeyAfterSeconds = rekeyAfterSeconds
    }
}

public enum ClientMode {
    /// Runs until stopped; returns normally after a clean shutdown.
    public static func run(_ options: ClientOptions) throws {
        let logger = TunnelLogging.logger("tunnel.client")
        let config = try ConfigLoader.load(path: options.configPath)
        guard !config.peers.isEmpty else { throw TunnelError.noPeer(file: options.configPath) }
        var peers = try config.peers.map { try peerConfiguration($0) }
        if let connect = options.connect {
            guard peers.count == 1 else { throw TunnelError.tooManyPeers(file: options.configPath, count: peers.count) }
            peers[0].endpoint = try EndpointResolver.resolve(try PeerEndpoint(parsing: connect))
        }

        let netlink = try NetlinkSocket()
        let name = try InterfaceNaming.choose(requested: options.interfaceName, netlink: netlink)
        let tun = try TunDevice(name: name)
        let mtu = config.interface.mtu ?? InterfaceAddressing.defaultMTU
        try InterfaceAddressing.configure(tun.name, mtu: mtu, addresses: config.interface.addresses, netlink: netlink)
        let udp = try UDPSocket(port: config.interface.listenPort ?? 0, fwmark: config.interface.fwMark)

        var timers = TimerConfiguration.standard
        if let seconds = options.rekeyAfterSeconds {
            timers.rekeyAfterTime = seconds * ProtocolConstants.nanosecondsPerSecond
        }
        let reactor = Reactor(label: "tunnel.\(tun.name)")
        let interface = TunnelInterface(reactor: reactor, tun: tun, udp: udp, privateKey: config.interface.privateKey,
                                        configuration: DeviceConfiguration(mtu: mtu, timers: timers), logger: logger)
        let now = SystemClock.monotonicNanoseconds()
        for peer in peers { interface.device.setPeer(peer, now: now) }
        interface.start()
        reactor.stopOnTerminationSignals()
        reactor.onStop {
            tun.close()
            udp.close()
        }
        logger.info("interface \(tun.name) up, listening on UDP port \(udp.localPort), public key \(interface.device.publicKey.base64)")
        reactor.run()
        logger.info("interface \(tun.name) removed, exiting")
    }

    static func peerConfiguration(_ section: PeerSection) throws -> PeerConfiguration {
        PeerConfiguration(publicKey: section.publicKey, presharedKey: section.presharedKey,
                          endpoint: try section.endpoint.map(EndpointResolver.resolve),
                          allowedIPs: section.allowedIPs, persistentKeepalive: section.persistentKeepalive ?? 0,
                          name: section.name)
    }
}
