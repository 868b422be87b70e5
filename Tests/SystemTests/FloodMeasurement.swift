import Foundation
import WireGuard
import XCTest

/// A bench, not a test (`make flood-bench`; `make test` skips it): a legitimate client's
/// ping to the server's tunnel address during 5 s of each handshake flood, with
/// `tunnel server` and with wireguard-go as the server, on the same topology. Prints a
/// table and asserts nothing: a run that could not be measured says why in its row.
final class FloodMeasurement: XCTestCase {
    enum Server: String, CaseIterable { case tunnel, wireguardGo = "wireguard-go" }

    private func measure(_ server: Server, spoofed: Bool) throws -> String {
        let topo = try Topology(ServerLab.topology(clients: 1), test: self)
        let aliceKeys = try WireGuardKeys.generate()
        let serverKey: Key
        switch server {
        case .tunnel:
            let process = try TunnelServerProcess(in: topo, namespace: "server", logLevel: "info")
            let config = try process.addPeer("alice", endpoint: "192.0.2.1:51820")
            let text = try String(contentsOfFile: process.configPath, encoding: .utf8)
            guard let privateLine = text.split(separator: "\n").first(where: { $0.hasPrefix("PrivateKey") }) else {
                throw CommandFailed(command: ["read", process.configPath], status: -1, output: "no PrivateKey line")
            }
            let privateKey = try Key(base64: String(privateLine.split(separator: "=", maxSplits: 1)[1])
                .trimmingCharacters(in: .whitespaces))
            serverKey = StaticIdentity(privateKey: privateKey).publicKey
            _ = try TunnelProcess(in: topo, namespace: "client1", keys: aliceKeys, config: config, logLevel: "info")
        case .wireguardGo:
            let keys = try WireGuardKeys.generate()
            let go = try WireGuardGoPeer(in: topo, namespace: "server", keys: keys, listenPort: 51820,
                                         addresses: ["100.64.0.1/24"])
            try go.addPeer(publicKey: aliceKeys.publicKey, endpoint: nil, allowedIPs: ["100.64.0.2/32"])
            serverKey = try Key(base64: keys.publicKey)
            let config = TunnelProcess.config(privateKey: aliceKeys.privateKey, addresses: ["100.64.0.2/32"],
                                              listenPort: nil, peerPublicKey: keys.publicKey,
                                              endpoint: "192.0.2.1:51820", allowedIPs: ["100.64.0.0/24"])
            _ = try TunnelProcess(in: topo, namespace: "client1", keys: aliceKeys, config: config, logLevel: "info")
        }
        let row = "\(server.rawValue) | \(spoofed ? "spoofed sources" : "cookie holder")"
        guard topo.waitUntil(timeout: 15, {
            (try? topo.attempt("client1", ["ping", "-c", "1", "-W", "1", "100.64.0.1"]).status) == 0
        }) else { return "\(row) | not measured: the server never answered the client" }
        let flooder = try HandshakeFlooder(topo: topo, namespace: "internet", serverPublicKey: serverKey,
                                           serverIPv4: "198.51.100.1", port: 51820, spoofed: spoofed)
        if !spoofed && !flooder.obtainCookie(timeout: 10) {
            return "\(row) | not measured: no cookie reply to flood with"
        }
        let ping = try topo.spawn("client1", name: "alice-ping", ["ping", "-c", "100", "-i", "0.05", "-W", "1", "-q", "100.64.0.1"])
        let sent = flooder.flood(seconds: 5)()
        if ping.wait(timeout: 30) == nil { ping.signal(SIGINT); _ = ping.wait(timeout: 5) }
        let summary = ping.log.split(separator: "\n").filter { $0.contains("packet loss") || $0.contains("rtt") }
            .joined(separator: "; ")
        return "\(row) | \(sent) sent | \(summary)"
    }

    func testMeasureHandshakeFloods() throws {
        try requireSystemTestPrerequisites(tools: ["wireguard-go", "wg", "ping"], needsTunnelBinary: true)
        var rows: [String] = []
        for spoofed in [false, true] {
            for server in Server.allCases { rows.append(try measure(server, spoofed: spoofed)) }
        }
        print("FLOODS\n" + rows.joined(separator: "\n"))
    }
}
