// The usage file: exact contents, refusal of damaged files with a message, and crash
// safety: a writer killed mid-write (simulated, then a real SIGKILL) never costs the last
// complete state.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest
import WireGuard
@testable import Peers

final class UsageStoreTests: XCTestCase {
    private var dir = ""
    private var store: UsageStore { UsageStore(serverConfigPath: dir + "/server.conf") }
    private let alice = Key(bytes: [UInt8](repeating: 1, count: 32))
    private let bob = Key(bytes: [UInt8](repeating: 2, count: 32))

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("usage-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func state(_ n: UInt64) -> [Key: PeerUsage] {
        [alice: PeerUsage(rxBytes: n, txBytes: 2 * n, quotaBytes: 3 * n, periodStart: 1_798_761_600, lastHandshake: 1_801_418_400),
         bob: PeerUsage(rxBytes: n + 1, periodStart: 1_798_761_600)]
    }

    private func write(_ text: String, to path: String) {
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
    }

    private func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    }

    private func damage(_ text: String) -> String? {
        write(text, to: store.path)
        do { _ = try store.load(); return nil } catch { return (error as? UsageStoreError)?.description }
    }

    func testTheFileSitsBesideTheConfigWithExactContents() throws {
        XCTAssertEqual(store.path, dir + "/server.conf.usage.json")
        XCTAssertEqual(try store.load(), [:], "no file yet: a new server")
        try store.save(state(10))
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(try String(contentsOfFile: store.path, encoding: .utf8), """
        {
          "peers" : {
            "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=" : {
              "last_handshake" : "2027-01-31T18:00:00Z",
              "period_start" : "2027-01-01T00:00:00Z",
              "rx_bytes" : 10,
              "tx_bytes" : 20,
              "usage_bytes" : 30
            },
            "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=" : {
              "last_handshake" : null,
              "period_start" : "2027-01-01T00:00:00Z",
              "rx_bytes" : 11,
              "tx_bytes" : 0,
              "usage_bytes" : 0
            }
          },
          "version" : 1
        }

        """)
        XCTAssertEqual(try store.load(), state(10))
        XCTAssertEqual(try files(), ["server.conf.usage.json"])
    }

    func testADamagedFileIsRefusedAndLeftInPlace() throws {
        let path = store.path
        let advice = "restore it from a backup, or move it aside to count from zero"
        XCTAssertEqual(damage(""), "the usage file \(path) is damaged (it is empty): \(advice)")
        XCTAssertEqual(damage("garbage"), "the usage file \(path) is damaged (not complete JSON): \(advice)")
        let whole = try store.encode(state(7))
        XCTAssertEqual(damage(String(whole.prefix(whole.count / 2))), "the usage file \(path) is damaged (not complete JSON): \(advice)")
        XCTAssertEqual(damage(#"{"version": 1}"#), "the usage file \(path) is damaged ('peers' missing): \(advice)")
        XCTAssertEqual(damage(#"{"version": 1, "peers": {"x": {"rx_bytes": "many"}}}"#),
                       "the usage file \(path) is damaged (wrong kind of value at peers.x.rx_bytes): \(advice)")
        XCTAssertEqual(damage(#"{"version": 1, "peers": {"x": {"rx_bytes": 1, "tx_bytes": 2, "usage_bytes": 3, "period_start": "soon"}}}"#),
                       "the usage file \(path) is damaged (bad value at peers.x.period_start): \(advice)")
        XCTAssertEqual(damage(#"{"version": 2, "peers": {}}"#),
                       "the usage file \(path) has format version 2, newer than this tunnel reads (1): upgrade tunnel")
        XCTAssertEqual(damage(#"{"version": 1, "peers": {"alice": {"rx_bytes": 1, "tx_bytes": 2, "usage_bytes": 3, "period_start": "2027-01-01T00:00:00Z"}}}"#),
                       "the usage file \(path) has an entry for 'alice', which is not a WireGuard public key: fix or remove that entry")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8).prefix(14), #"{"version": 1,"#, "refusing never rewrites the file")
    }

    func testAWriterKilledMidWriteCostsNothingAlreadySaved() throws {
        try store.save(state(1))
        // What a writer killed between creating its temporary file and renaming it leaves:
        // half the next state under a temporary name.
        let next = try store.encode(state(2))
        write(String(next.prefix(next.count / 2)), to: dir + "/.server.conf.usage.json.Ab12Cd")
        write("", to: dir + "/.server.conf.usage.json.zzzzzz")
        XCTAssertEqual(try store.load(), state(1))

        try store.save(state(3))
        XCTAssertEqual(try store.load(), state(3))
        XCTAssertEqual(try files(), ["server.conf.usage.json"], "the next save removes what the killed writer left")
    }

    func testOnlyThisStoresTemporaryFilesAreRemoved() throws {
        write("keep", to: dir + "/.server.conf.XYZ123")  // the config's own temporary name
        write("keep", to: dir + "/.server.conf.usage.json.toolong1")
        try store.save(state(1))
        XCTAssertEqual(try files(), [".server.conf.XYZ123", ".server.conf.usage.json.toolong1", "server.conf.usage.json"])
    }

    /// A child process saves in a loop and reports each save on a pipe; the parent kills it
    /// with SIGKILL after a few saves, at whatever point of the next write it is. The file
    /// must parse every time, as one of the states written.
    func testSIGKILLDuringSavesNeverLeavesAnUnreadableFile() throws {
        let rounds = 20
        let states = (0..<4).map { state(UInt64($0) * 1_000) }
        try store.save(states[0])  // also loads everything save() touches before the fork
        let store = self.store
        for round in 0..<rounds {
            var fds: [Int32] = [0, 0]
            XCTAssertEqual(pipe(&fds), 0)
            let pid = fork()
            if pid == 0 {
                close(fds[0])
                var one: UInt8 = 1
                var n = round
                while true {
                    do { try store.save(states[n % states.count]) } catch { _exit(2) }
                    guard Glibc.write(fds[1], &one, 1) == 1 else { _exit(3) }
                    n += 1
                }
            }
            XCTAssertGreaterThan(pid, 0, "fork")
            close(fds[1])
            let wanted = 1 + round % 3
            var seen = 0
            while seen < wanted {
                var poller = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 10_000) == 1 else { break }
                var byte: UInt8 = 0
                guard read(fds[0], &byte, 1) == 1 else { break }
                seen += 1
            }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            close(fds[0])
            XCTAssertEqual(seen, wanted, "round \(round): the child stopped saving (exit status \(status))")
            // A kill mid-write leaves its temporary file (about one round in three here);
            // the next save removes it, so they never pile up.
            XCTAssertLessThanOrEqual(try files().filter { $0.hasPrefix(".") }.count, 1, "round \(round)")
            let loaded = try store.load()
            XCTAssertTrue(states.contains(loaded), "round \(round): the file holds a state that was never written")
        }
        try store.save(states[1])
        XCTAssertEqual(try files(), ["server.conf.usage.json"])
    }
}
