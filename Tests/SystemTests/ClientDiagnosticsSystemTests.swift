import Foundation
import XCTest

/// What a person sees at the default log level when the server never answers.
final class ClientDiagnosticsSystemTests: XCTestCase {
    func testAnUnansweredHandshakeIsExplainedAtInfoLevel() throws {
        try requireSystemTestPrerequisites(tools: ["tcpdump"], needsTunnelBinary: true)
        let topo = try Topology("client eth0 192.0.2.2/24 -- silent eth0 192.0.2.1/24", test: self)
        let server = try WireGuardKeys.generate(), keys = try WireGuardKeys.generate()
        let config = TunnelProcess.config(privateKey: keys.privateKey, addresses: ["100.64.0.2/32"], listenPort: nil,
                                          peerPublicKey: server.publicKey, endpoint: "192.0.2.1:51820",
                                          allowedIPs: ["100.64.0.0/24"], persistentKeepalive: 1)
        // Proof the attempts leave: initiations (type 1, 148 bytes) on the underlay.
        let pcap = topo.logDirectory.appendingPathComponent("underlay.pcap").path
        let capture = try topo.spawn("silent", name: "tcpdump", ["tcpdump", "-i", "eth0", "-n", "-U", "--immediate-mode",
                                                                  "-w", pcap, "udp dst port 51820"])
        XCTAssertTrue(topo.waitUntil { capture.log.contains("listening") })
        let client = try TunnelProcess(in: topo, namespace: "client", keys: keys, config: config, logLevel: "info")
        let said = "no handshake answer from the server at 192.0.2.1:51820 after 3 attempts"
        XCTAssertTrue(topo.waitUntil(timeout: 30) { client.log.contains(said) }, client.log)
        capture.signal(SIGINT)
        _ = capture.wait(timeout: 5)
        let initiations = try Command.check(["tcpdump", "-n", "-r", pcap, "udp[8] == 1 and udp[9:2] == 0"])
            .split(separator: "\n")
        XCTAssertGreaterThanOrEqual(initiations.count, 3, "three initiations went out before the report")
        let lines = client.log.split(separator: "\n").filter { $0.contains("no handshake answer") }
        XCTAssertEqual(lines.count, 1, "one line, not one per attempt: \(client.log)")
        let line = try XCTUnwrap(lines.first)
        for hint in ["UDP port 51820", keys.publicKey, "preshared key", "warning"] {
            XCTAssertTrue(line.contains(hint), "the line names \(hint): \(line)")
        }
        XCTAssertFalse(client.log.contains("sent handshake initiation"), "the attempts themselves stay at debug level")
        XCTAssertFalse(client.log.contains(keys.privateKey), "no secret in the log")
    }
}
