// A real three-member etcd (Debian's /usr/bin/etcd) for cluster tests: each member in its
// own namespace, all on one bridge with a client namespace, data under the run's log
// directory, a cluster token unique to the run. Members can be killed and started again
// on their data; the topology removes processes, namespaces and data at teardown.
//
//   etcd1 198.51.100.11, etcd2 .12, etcd3 .13, client .100 (198.51.100.0/24 on bridge br0 in "lan")
import EtcdClient
import Foundation
import XCTest

final class EtcdCluster {
    static let members = ["etcd1", "etcd2", "etcd3"]

    let topo: Topology
    /// With TLS, members serve clients on https:// only and demand a client certificate
    /// signed by the run's own CA (`EtcdCluster.Certificates`); peers talk plain http.
    let certificates: EtcdCertificates?
    private var running: [String: BackgroundProcess] = [:]
    private var starts = 0

    /// `extra`: more topology lines; those that end in "lan PORT" join the bridge too
    /// (tunnel servers that talk to the members).
    init(test: XCTestCase, tls: Bool = false, extra: String = "") throws {
        topo = try Topology("""
            etcd1 eth0 198.51.100.11/24 -- lan p1
            etcd2 eth0 198.51.100.12/24 -- lan p2
            etcd3 eth0 198.51.100.13/24 -- lan p3
            client eth0 198.51.100.100/24 -- lan p4
            """ + (extra.isEmpty ? "" : "\n" + extra), test: test)
        // The veth ends in "lan" become ports of one bridge: a shared segment, as real
        // etcd members and their clients would have.
        let extraPorts = extra.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            return words.count >= 2 && words[words.count - 2] == "lan" ? String(words[words.count - 1]) : nil
        }
        try topo.run("lan", "ip", "link", "add", "br0", "type", "bridge")
        for port in ["p1", "p2", "p3", "p4"] + extraPorts { try topo.run("lan", "ip", "link", "set", port, "master", "br0") }
        try topo.run("lan", "ip", "link", "set", "br0", "up")
        certificates = tls ? try EtcdCertificates(directory: topo.logDirectory.appendingPathComponent("pki"),
                                                  serverAddresses: Self.members.map(Self.address)) : nil
        for member in Self.members { try start(member) }
        try waitHealthy(Self.members)
    }

    static func address(_ member: String) -> String { "198.51.100.1\(member.last!)" }
    static func clientURL(_ member: String) -> String { "http://\(address(member)):2379" }
    static func peerURL(_ member: String) -> String { "http://\(address(member)):2380" }
    static var clientURLs: [String] { members.map(clientURL) }

    /// This cluster's client URLs: https:// when it runs with TLS.
    func clientURL(_ member: String) -> String {
        certificates == nil ? Self.clientURL(member) : "https://\(Self.address(member)):2379"
    }
    var clientURLs: [String] { Self.members.map(clientURL) }

    /// etcdctl's TLS flags for this cluster (none without TLS).
    private var etcdctlTLS: [String] {
        guard let c = certificates else { return [] }
        return ["--cacert", c.caFile, "--cert", c.clientCertificateFile, "--key", c.clientKeyFile]
    }

    /// Starts a member; on its existing data directory when it ran before (a restart).
    func start(_ member: String) throws {
        precondition(running[member] == nil, "\(member) is running")
        starts += 1
        let cluster = Self.members.map { "\($0)=\(Self.peerURL($0))" }.joined(separator: ",")
        var tls: [String] = []
        if let c = certificates {
            tls = ["--cert-file", c.serverCertificateFile, "--key-file", c.serverKeyFile,
                   "--client-cert-auth", "--trusted-ca-file", c.caFile]
        }
        running[member] = try topo.spawn(member, name: "\(member)-\(starts)", [
            "/usr/bin/etcd", "--name", member,
            "--data-dir", topo.logDirectory.appendingPathComponent("\(member).etcd").path,
            "--listen-client-urls", clientURL(member), "--advertise-client-urls", clientURL(member),
            "--listen-peer-urls", Self.peerURL(member), "--initial-advertise-peer-urls", Self.peerURL(member),
            "--initial-cluster", cluster, "--initial-cluster-state", "new",
            "--initial-cluster-token", topo.runID, "--logger", "zap",
        ] + tls)
    }

    /// SIGKILL: the member vanishes without a word, as a crashed machine's would.
    func kill(_ member: String) {
        guard let p = running.removeValue(forKey: member) else { return }
        p.signal(SIGKILL)
        p.wait(timeout: 10)
    }

    /// SIGSTOP: the member keeps its sockets (the kernel still accepts connections) but
    /// answers nothing, as a hung machine would.
    func pause(_ member: String) { running[member]?.signal(SIGSTOP) }

    func resume(_ member: String) { running[member]?.signal(SIGCONT) }

    /// Waits until every given member reports healthy (it has a leader and commits).
    func waitHealthy(_ members: [String], timeout: TimeInterval = 30) throws {
        let endpoints = members.map(clientURL).joined(separator: ",")
        let healthy = topo.waitUntil(timeout: timeout) {
            let r = try? topo.attempt("client", ["env", "ETCDCTL_API=3", "etcdctl", "--endpoints", endpoints,
                                                 "--command-timeout=2s"] + etcdctlTLS + ["endpoint", "health"], timeout: 10)
            return r?.status == 0
        }
        guard healthy else {
            throw MissingPrerequisite(description: "etcd members \(members) not healthy within \(Int(timeout)) s:\n\(topo.processLogs)")
        }
    }

    /// etcdctl run in the client namespace against every member.
    @discardableResult
    func etcdctl(_ args: String...) throws -> String {
        try topo.run("client", ["env", "ETCDCTL_API=3", "etcdctl", "--endpoints", clientURLs.joined(separator: ","),
                                "--command-timeout=5s"] + etcdctlTLS + args)
    }

    /// A client whose thread starts inside the client namespace, so its sockets open there
    /// (the test process itself stays in the root namespace). Shut down at teardown.
    func makeClient(endpoints: [String]? = nil, requestTimeout: Duration = .seconds(5),
                    tls: EtcdTLS? = nil) throws -> EtcdClient {
        let configuration = try EtcdClientConfiguration(endpoints: (endpoints ?? clientURLs).map { URL(string: $0)! },
                                                        requestTimeout: requestTimeout, tls: tls)
        let client = try topo.enter("client") { try EtcdClient(configuration) }
        topo.onTeardown {
            let done = DispatchSemaphore(value: 0)
            Task {
                try? await client.shutdown()
                done.signal()
            }
            done.wait()
        }
        return client
    }
}
