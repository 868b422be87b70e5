// Builds a topology of network namespaces joined by veth pairs from a short text,
// runs commands and processes inside them, and removes all of it afterwards.
//
//   let topo = try Topology("""
//       client eth0 192.0.2.2/24 2001:db8:1::2/64 -- server eth0 192.0.2.1/24 2001:db8:1::1/64
//       server eth1 198.51.100.1/24 -- internet eth0 198.51.100.2/24
//       route client default via 192.0.2.1
//       """, test: self)
//
// Each link line names two namespaces with an interface and its addresses each.
// "ns NAME" declares a namespace without links; "route NS PREFIX via GW" adds a route.
// Real namespace names carry a per-run prefix ("tt" + pid + counter) so reruns never
// collide, and a later run removes namespaces left by a run that was killed.
import CShims
import Foundation
import TestSupport
import XCTest
@testable import SystemSetup

final class Topology {
    static let namePrefix = "tt"
    nonisolated(unsafe) private static var counter = 0

    let runID: String
    let logDirectory: URL
    private(set) var namespaces: [String: String] = [:]
    private var order: [String] = []
    private var processes: [BackgroundProcess] = []
    private var cleanups: [() -> Void] = []
    private var tornDown = false

    init(_ description: String, test: XCTestCase? = nil) throws {
        Topology.removeLeftovers()
        Topology.counter += 1
        runID = "\(Topology.namePrefix)\(getpid())x\(Topology.counter)"
        interfacePrefix = "t" + String(getpid(), radix: 36) + String(Topology.counter, radix: 36)
        logDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(runID)
        try? FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        test?.addTeardownBlock { [weak self] in self?.teardown() }
        do {
            try build(description)
        } catch {
            teardown()
            throw error
        }
    }

    deinit { teardown() }

    /// An interface name unique on the whole machine for this run (at most 15 characters).
    /// Needed where names share a global space even across namespaces, such as
    /// /var/run/wireguard/NAME.sock.
    func uniqueInterfaceName(_ tag: String) -> String {
        String((interfacePrefix + tag).prefix(15))
    }

    /// "t", the process id and this topology's number, in base 36 to leave room for a tag.
    private let interfacePrefix: String

    /// Directories where programs under test keep files named after their interfaces.
    static let perInterfaceDirectories = ["/run/tunnel", "/var/run/wireguard"]

    /// The real name of a namespace of this topology.
    func ns(_ logical: String) -> String {
        guard let real = namespaces[logical] else { fatalError("no namespace '\(logical)' in this topology") }
        return real
    }

    // MARK: building

    private func build(_ description: String) throws {
        for raw in description.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = line.split(separator: " ").map(String.init)
            if words[0] == "ns" {
                for n in words.dropFirst() { try addNamespace(n) }
            } else if words[0] == "route" {
                try addNamespace(words[1])
                try run(words[1], ["ip", "route", "add"] + Array(words[2...]))
            } else if let sep = words.firstIndex(of: "--") {
                try addLink(Array(words[..<sep]), Array(words[(sep + 1)...]))
            } else {
                throw MissingPrerequisite(description: "bad topology line: \(line)")
            }
        }
        settle()
    }

    /// Waits until every link has carrier and its IPv6 link-local address, so what tests
    /// snapshot at the start does not change under them a moment later.
    private func settle() {
        for logical in order {
            _ = waitUntil(timeout: 5) {
                guard let links = try? run(logical, "ip", "-o", "link", "show"),
                      let local = try? run(logical, "ip", "-o", "-6", "addr", "show", "scope", "link") else { return false }
                let veths = links.split(separator: "\n").filter { !$0.contains(" lo:") }
                return !links.contains("NO-CARRIER") && local.split(separator: "\n").count >= veths.count
            }
        }
    }

    func addNamespace(_ logical: String) throws {
        guard namespaces[logical] == nil else { return }
        let real = "\(runID)-\(logical)"
        try Command.check(["ip", "netns", "add", real])
        namespaces[logical] = real
        order.append(logical)
        // No duplicate address detection: addresses are usable, and dumps stable, at once.
        for scope in ["all", "default"] {
            try run(logical, ["sysctl", "-qw", "net.ipv6.conf.\(scope).accept_dad=0"])
        }
        try run(logical, ["ip", "link", "set", "lo", "up"])
    }

    /// `side` is [namespace, interface, address...].
    private func addLink(_ a: [String], _ b: [String]) throws {
        guard a.count >= 2, b.count >= 2 else {
            throw MissingPrerequisite(description: "a link side needs a namespace and an interface")
        }
        try addNamespace(a[0])
        try addNamespace(b[0])
        // Both ends are created directly inside their namespaces: the root namespace never sees them.
        try Command.check(["ip", "-n", ns(a[0]), "link", "add", a[1], "type", "veth",
                           "peer", "name", b[1], "netns", ns(b[0])])
        for side in [a, b] {
            for addr in side.dropFirst(2) {
                var argv = ["ip", "addr", "add", addr, "dev", side[1]]
                if addr.contains(":") { argv.append("nodad") }
                try run(side[0], argv)
            }
            try run(side[0], ["ip", "link", "set", side[1], "up"])
        }
    }

    // MARK: running things inside

    /// Runs a command in a namespace; throws with its output when it fails. Returns stdout.
    @discardableResult
    func run(_ logical: String, _ argv: [String], timeout: TimeInterval = 120,
             environment: [String: String]? = nil, input: String? = nil) throws -> String {
        try Command.check(["ip", "netns", "exec", ns(logical)] + argv, timeout: timeout,
                          environment: environment, input: input)
    }

    @discardableResult
    func run(_ logical: String, _ argv: String...) throws -> String { try run(logical, argv) }

    /// Runs a command in a namespace and returns its status and output, whatever they are.
    func attempt(_ logical: String, _ argv: [String], timeout: TimeInterval = 120) throws -> CommandResult {
        try Command.run(["ip", "netns", "exec", ns(logical)] + argv, timeout: timeout)
    }

    /// Starts a long-running process in a namespace; it is stopped at teardown.
    func spawn(_ logical: String, name: String, _ argv: [String],
               environment: [String: String]? = nil) throws -> BackgroundProcess {
        let p = try BackgroundProcess(name: name, argv: ["ip", "netns", "exec", ns(logical)] + argv,
                                      logDirectory: logDirectory, environment: environment)
        processes.append(p)
        return p
    }

    /// Starts the `tunnel` binary under test in a namespace.
    func spawnTunnel(_ logical: String, name: String = "tunnel", _ args: [String],
                     environment: [String: String]? = nil) throws -> BackgroundProcess {
        guard let bin = SystemTestEnvironment.tunnelBinary else {
            throw MissingPrerequisite(description: "the tunnel binary is not built")
        }
        return try spawn(logical, name: name, [bin] + args, environment: environment)
    }

    /// Runs `body` with the calling thread inside the namespace; sockets and TUN devices
    /// it opens stay in that namespace after it returns.
    func enter<T>(_ logical: String, _ body: () throws -> T) throws -> T {
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        let target = open("/var/run/netns/\(ns(logical))", O_RDONLY | O_CLOEXEC)
        defer {
            if original >= 0 { _ = tunnel_setns_net(original); close(original) }
            if target >= 0 { close(target) }
        }
        guard original >= 0, target >= 0, tunnel_setns_net(target) == 0 else {
            throw MissingPrerequisite(description: "cannot enter namespace \(ns(logical)): errno \(errno)")
        }
        return try body()
    }

    /// Gives a namespace its own resolv.conf: `ip netns exec` bind-mounts
    /// /etc/netns/NAME/resolv.conf over /etc/resolv.conf, so the host's file is never
    /// touched. Returns the host path of that file; it is removed at teardown.
    @discardableResult
    func giveResolvConf(_ logical: String, _ content: String) throws -> String {
        try giveEtcFile(logical, "resolv.conf", content)
    }

    /// Any /etc file of a namespace's own (hosts, resolv.conf), bind-mounted the same way.
    @discardableResult
    func giveEtcFile(_ logical: String, _ name: String, _ content: String) throws -> String {
        let dir = "/etc/netns/\(ns(logical))"
        if !FileManager.default.fileExists(atPath: dir) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            onTeardown { try? FileManager.default.removeItem(atPath: dir) }
        }
        let path = dir + "/" + name
        try content.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// Registers extra cleanup (closing fds, stopping reactors) to run before namespaces go.
    func onTeardown(_ body: @escaping () -> Void) { cleanups.append(body) }

    /// Polls `condition` until true or `timeout` passes. For waiting on state, never for asserting speed.
    func waitUntil(timeout: TimeInterval = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if try condition() { return true }
            usleep(50_000)
        } while Date() < deadline
        return try condition()
    }

    // MARK: teardown

    func teardown() {
        guard !tornDown else { return }
        tornDown = true
        for p in processes.reversed() { p.stop(grace: 3) }
        for c in cleanups.reversed() { c() }
        for logical in order.reversed() {
            if let real = namespaces[logical] { Topology.deleteNamespace(real) }
        }
        // A process killed on purpose (SIGKILL tests) leaves its state file and socket;
        // state files sit in one directory per namespace, which goes once emptied here.
        for dir in Topology.perInterfaceDirectories {
            removeOwnFiles(in: dir)
            for sub in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where sub.hasPrefix("netns-") {
                let path = dir + "/" + sub
                if removeOwnFiles(in: path), (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty == true {
                    rmdir(path)
                }
            }
        }
        try? FileManager.default.removeItem(at: logDirectory)
    }

    /// Removes the files named after this run's interfaces; true when there were any.
    @discardableResult
    private func removeOwnFiles(in dir: String) -> Bool {
        let own = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix(interfacePrefix) }
        for file in own { try? FileManager.default.removeItem(atPath: dir + "/" + file) }
        return !own.isEmpty
    }

    /// The directory where `tunnel` keeps state for a namespace of this topology.
    func stateDirectory(_ logical: String) throws -> StateDirectory {
        let states = try enter(logical) { StateDirectory.forCurrentNamespace() }
        onTeardown {
            // Emptied by the namespace's own runs or by the test; a non-empty one stays.
            rmdir(states.path)
        }
        return states
    }

    /// Logs of the processes this topology started, for failure messages.
    var processLogs: String {
        processes.map { "--- \($0.name) ---\n\($0.log.suffix(4000))" }.joined(separator: "\n")
    }

    static func deleteNamespace(_ real: String) {
        // Kill anything still running inside first, or the namespace lingers.
        if let pids = try? Command.run(["ip", "netns", "pids", real]).stdout {
            for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        }
        _ = try? Command.run(["ip", "netns", "del", real])
    }

    /// Removes namespaces left by an earlier test run that died without tearing down.
    private static func removeLeftovers() {
        guard let list = try? Command.run(["ip", "netns", "list"]).stdout else { return }
        for line in list.split(separator: "\n") {
            let name = String(line.split(separator: " ")[0])
            guard name.hasPrefix(namePrefix), let x = name.firstIndex(of: "x"),
                  let pid = Int32(name[name.index(name.startIndex, offsetBy: namePrefix.count)..<x]),
                  pid != getpid(), kill(pid, 0) != 0 else { continue }
            deleteNamespace(name)
        }
    }
}
