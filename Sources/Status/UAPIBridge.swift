// The control socket's view of a running tunnel: answers `get` from the WireGuardDevice
// plus what the mode reports (TunnelStatusInfo), and applies `set` requests to the device
// atomically (UAPIBridge+Apply). The same bridge serves a client and a server; the mode
// hears of peer changes through `onPeersChanged`.
//
// Ownership: the device, `fwmark` and every hook below belong to the queue that owns the
// device (`owner`'s, the reactor's). UAPIServer calls `snapshot` and `apply` on its own
// control queue; the bridge hops onto the owner's queue only for short steps: copying the
// peers' raw values (PeerReading, a thousand peers a hop) or applying a planned change. The
// answer's text is built back on the control queue, so `wg show` never holds the data
// path for long; a server's peer limits are built meanwhile on a Dispatch thread from the
// mode's own copies (LimitsBuild). Without an `owner` (tests) everything else runs on the
// caller's thread.
import Addresses
import Control
import Dispatch
import Reactor
import WireGuard
import DataPath

public final class UAPIBridge: UAPIHandler {
    public let device: WireGuardDevice
    /// The control server when started with `serve`; the bridge keeps it open.
    public private(set) var server: UAPIServer?
    /// Called after a `set` request added, changed or removed peers (never with an empty list).
    public var onPeersChanged: (([PeerChange]) -> Void)?
    /// Rebinds the UDP socket to a port (0: any) and returns the bound port. Unset, a
    /// request for another port is refused with EOPNOTSUPP.
    public var changeListenPort: ((UInt16) throws -> UInt16)?
    /// Marks the UDP socket (SO_MARK). Unset, a request for another mark is refused with
    /// EOPNOTSUPP (a client's full-tunnel policy rule depends on its mark).
    public var changeFwmark: ((UInt32) throws -> Void)?

    let listenPort: () -> UInt16
    public internal(set) var fwmark: UInt32
    let info: () -> TunnelStatusInfo
    let now: () -> UInt64
    let owner: Reactor?

    /// `listenPort` reads the bound UDP port; `info` describes the mode; `now` is the
    /// monotonic clock in nanoseconds (for keepalive timers of changed peers); `owner` is
    /// the reactor whose queue owns the device (nil: the caller's thread does).
    public init(device: WireGuardDevice, listenPort: @escaping () -> UInt16, fwmark: UInt32 = 0,
                info: @escaping () -> TunnelStatusInfo,
                now: @escaping () -> UInt64 = SystemClock.monotonicNanoseconds, owner: Reactor? = nil) {
        self.device = device
        self.listenPort = listenPort
        self.fwmark = fwmark
        self.info = info
        self.now = now
        self.owner = owner
    }

    /// Runs `body` on the owner's queue (waiting for it), or here without an owner.
    func onOwnerQueue<T>(_ body: () throws -> T) throws -> T {
        guard let owner else { return try body() }
        var result: Result<T, Error>?
        owner.perform { result = Result { try body() } }
        return try result!.get()
    }

    /// onOwnerQueue for work that cannot fail.
    func readOnOwnerQueue<T>(_ body: () -> T) -> T {
        guard let owner else { return body() }
        var result: T?
        owner.perform { result = body() }
        return result!
    }

    /// Opens /var/run/wireguard/IFACE.sock for a running interface and serves it on the
    /// interface's reactor. Deleting the socket file stops the reactor (the spec's way to
    /// ask a userspace WireGuard to exit). The reactor keeps the bridge until it stops;
    /// call before `reactor.run()`.
    @discardableResult
    public static func serve(interface: TunnelInterface, fwmark: UInt32 = 0, info: @escaping () -> TunnelStatusInfo,
                             directory: String = UAPISocketPath.defaultDirectory) throws -> UAPIBridge {
        let udp = interface.udp
        let bridge = UAPIBridge(device: interface.device, listenPort: { udp.localPort }, fwmark: fwmark,
                                info: { [weak interface] in
                                    var mode = info()
                                    mode.counters += interface?.eventCounts.counters ?? []
                                    mode.counters += interface?.dataPathCounts.counters ?? []
                                    return mode
                                }, owner: interface.reactor)
        let reactor = interface.reactor
        let logger = interface.logger
        let server = try UAPIServer(interface: interface.tun.name, directory: directory, reactor: reactor, handler: bridge)
        server.log = { logger.notice("\($0)") }
        let path = server.socketPath
        server.onSocketRemoved = { [unowned reactor] in
            logger.notice("control socket \(path) was deleted; shutting down")
            reactor.stop()
        }
        bridge.server = server
        reactor.onStop { bridge.close() }
        return bridge
    }

    /// Closes the control server; on the reactor's queue.
    public func close() {
        server?.close()
        server = nil
    }

    // MARK: get

    /// On the control queue: the peers are copied on the owner's queue, the answer built here.
    public func snapshot() -> UAPIDeviceSnapshot { snapshot(secrets: true, tunnelInfo: true) }

    /// For `get=1` (`wg show`): the mode's info, peer names, counters and limits are
    /// neither read nor built, since the answer leaves them out.
    public func plainSnapshot() -> UAPIDeviceSnapshot { snapshot(secrets: true, tunnelInfo: false) }

    /// For `get=public`: the private key is never read, preshared keys are left out.
    public func publicSnapshot() -> UAPIDeviceSnapshot { snapshot(secrets: false, tunnelInfo: true) }

    private func snapshot(secrets: Bool, tunnelInfo: Bool) -> UAPIDeviceSnapshot {
        let reading = readOnOwnerQueue {
            (privateKey: secrets ? device.identity.privateKey : nil, publicKey: device.identity.publicKey,
             listenPort: listenPort(), fwmark: fwmark, list: device.peers, info: tunnelInfo ? info() : nil,
             drops: device.drops, cookieRepliesSent: device.cookieRepliesSent)
        }
        let limits = reading.info.map { LimitsBuild($0.buildPeers) }
        let readings = readPeers(reading.list)
        var peers = readings.map { UAPIBridge.peerSnapshot($0, withCounters: tunnelInfo) }
        if !secrets { for i in peers.indices { peers[i].presharedKey = nil } }
        guard let mode = reading.info, let limits else {
            return UAPIDeviceSnapshot(privateKey: reading.privateKey.map { UAPIKey($0) }, listenPort: reading.listenPort,
                                      fwmark: reading.fwmark, peers: peers)
        }
        var tunnel = UAPIBridge.tunnelInfo(mode, peers: readings, drops: reading.drops,
                                           cookieRepliesSent: reading.cookieRepliesSent)
        tunnel.publicKey = UAPIKey(reading.publicKey)
        let limited = limits.result()
        var matched = 0
        if !limited.isEmpty {
            for i in peers.indices {
                guard let info = limited[readings[i].publicKey] else { continue }
                matched += 1
                peers[i].state = info.state
                info.appendCounters(to: &peers[i].counters)
            }
        }
        // Peers the server keeps off the device, so status still shows them and why.
        // Sorted for a stable order; only these few are (sorting all 10,000 by their
        // base64 text was a third of a `get`). Looked for only when some are off it (a set
        // of every key on the device, a hash each, for nothing otherwise).
        if matched < limited.count {
            let onDevice = Set(readings.map(\.publicKey))
            let offDevice = limited.filter { !onDevice.contains($0.key) }.map { (base64: $0.key.base64, key: $0.key, info: $0.value) }
            for (_, key, info) in offDevice.sorted(by: { $0.base64 < $1.base64 }) {
                var peer = UAPIPeerSnapshot(publicKey: UAPIKey(key), allowedIPs: info.allowedIPs, name: info.name,
                                            counters: info.counters)
                peer.state = info.state
                peer.offDevice = true
                peers.append(peer)
            }
        }
        return UAPIDeviceSnapshot(privateKey: reading.privateKey.map { UAPIKey($0) }, listenPort: reading.listenPort,
                                  fwmark: reading.fwmark, peers: peers, tunnel: tunnel)
    }

    /// Peers read per hop onto the owner's queue: each hop holds the data path for about
    /// a millisecond, however many peers there are (10,000 in one hop held it for 5-10 ms).
    static let peersPerRead = 1_000

    /// The peers' values, `peersPerRead` per hop onto the owner's queue; the queue serves
    /// whatever waits between two hops. `list` is the peer list as the first hop found it
    /// (copying an array is constant time): a peer removed meanwhile is still read, as it
    /// was when removed, and one added meanwhile is in the next answer.
    private func readPeers(_ list: [Peer]) -> [PeerReading] {
        var readings: [PeerReading] = []
        readings.reserveCapacity(list.count)
        var start = 0
        while start < list.count {
            let chunk = list[start..<min(start + UAPIBridge.peersPerRead, list.count)]
            readings += readOnOwnerQueue { chunk.map { PeerReading($0, device: device) } }
            start = chunk.endIndex
        }
        return readings
    }

    private static func peerSnapshot(_ peer: PeerReading, withCounters: Bool) -> UAPIPeerSnapshot {
        let handshake = peer.lastHandshake.map(UAPIBridge.unixTime) ?? (seconds: 0, nanoseconds: 0)
        let psk = peer.presharedKey
        return UAPIPeerSnapshot(publicKey: UAPIKey(peer.publicKey), presharedKey: psk.isZero ? nil : UAPIKey(psk),
                                endpoint: peer.endpoint, allowedIPs: peer.allowedIPs,
                                lastHandshakeTimeSec: handshake.seconds, lastHandshakeTimeNsec: handshake.nanoseconds,
                                rxBytes: peer.receivedBytes, txBytes: peer.sentBytes,
                                persistentKeepaliveInterval: peer.persistentKeepalive, name: peer.name,
                                counters: withCounters ? UAPIBridge.counters(of: peer) : [])
    }

    /// With room for a server's limit counters, appended later without a copy. Only a
    /// peer with drops gets room for them: 10,000 peers with room for every reason were
    /// 6 MB of fresh memory per answer.
    static func counters(of peer: PeerReading) -> [UAPICounter] {
        var out: [UAPICounter] = []
        let drops = peer.drops.total > 0 ? StatusCounterName.dropNames.count : 0
        out.reserveCapacity(3 + drops + TunnelPeerInfo.maxCounters)
        out.append(UAPICounter(StatusCounterName.handshakesSent, peer.handshakesSent))
        out.append(UAPICounter(StatusCounterName.handshakesReceived, peer.handshakesReceived))
        out.append(UAPICounter(StatusCounterName.handshakesFailed, peer.handshakesFailed))
        StatusCounterName.appendDropsAboveZero(peer.drops, to: &out)
        return out
    }

    private static func tunnelInfo(_ mode: TunnelStatusInfo, peers: [PeerReading], drops: DropCounters,
                                   cookieRepliesSent: UInt64) -> UAPITunnelInfo {
        let sessions = peers.reduce(UInt64(0)) { $0 + ($1.hasSession ? 1 : 0) }
        let counters = [UAPICounter(StatusCounterName.peers, UInt64(peers.count)),
                        UAPICounter(StatusCounterName.sessions, sessions),
                        UAPICounter(StatusCounterName.cookieRepliesSent, cookieRepliesSent)]
            + StatusCounterName.drops(drops) + mode.counters
        return UAPITunnelInfo(name: mode.name, role: mode.role.rawValue, addresses: mode.addresses, counters: counters)
    }

    /// TAI64N (as the handshake records it) to Unix seconds and nanoseconds; a label
    /// before the Unix epoch (never produced by a sane clock) reads as "never".
    static func unixTime(_ t: TAI64N) -> (seconds: Int64, nanoseconds: Int64) {
        guard t.seconds >= TAI64N.epochOffset else { return (0, 0) }
        let seconds = t.seconds - TAI64N.epochOffset
        return (Int64(clamping: seconds), Int64(t.nanoseconds))
    }
}
