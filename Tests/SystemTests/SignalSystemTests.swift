import Foundation
import XCTest

/// Every signal that ends a process ends `tunnel client` and `tunnel server`, and the host
/// is as it was afterwards: TERM, INT and HUP are an orderly stop and exit 0; ABRT and SEGV
/// someone sent are the same stop, then the process dies by that signal (so a shell or
/// systemd sees the cause); KILL leaves the cleanup to `--cleanup` or the next start.
final class SignalSystemTests: XCTestCase {
    static let tools = ["ping"]

    struct Ending {
        let signal: Int32
        /// A peer name for the client run this signal ends.
        let name: String
        let reason: Process.TerminationReason
        let status: Int32
        /// The process puts the host back itself before it ends.
        var cleansUp: Bool { signal != SIGKILL }
        var fatal: Bool { reason == .uncaughtSignal && signal != SIGKILL }
    }

    static let endings = [
        Ending(signal: SIGTERM, name: "term", reason: .exit, status: 0),
        Ending(signal: SIGINT, name: "int", reason: .exit, status: 0),
        Ending(signal: SIGHUP, name: "hup", reason: .exit, status: 0),
        Ending(signal: SIGABRT, name: "abrt", reason: .uncaughtSignal, status: SIGABRT),
        Ending(signal: SIGSEGV, name: "segv", reason: .uncaughtSignal, status: SIGSEGV),
        Ending(signal: SIGKILL, name: "kill", reason: .uncaughtSignal, status: SIGKILL),
    ]

    /// Longer than FatalSignals.stopGrace (5 s), so a stop that hangs shows as the signal's
    /// death rather than as a process that never ended.
    static let exitTimeout: TimeInterval = 15

    override func setUp() {
        // Processes killed by ABRT or SEGV dump core where core dumps are on; the tunnels
        // this test starts inherit this limit, so none lands in the working tree.
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        getrlimit(Int32(RLIMIT_CORE.rawValue), &none)
        none.rlim_cur = 0
        setrlimit(Int32(RLIMIT_CORE.rawValue), &none)
    }

    func testEverySignalEndsTheClientAndLeavesTheHostAsItWas() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try Topology(ServerLab.topology(clients: 1), test: self)
        let resolvConf = try topo.giveResolvConf("client1", "nameserver 192.0.2.53\n")
        let server = try TunnelServerProcess(in: topo, namespace: "server")
        let state = { try topo.networkState("client1", sysctls: ["net.ipv4.conf.all.src_valid_mark"], files: [resolvConf]) }
        let before = try state()

        for ending in Self.endings {
            // A full tunnel with DNS: routes, rules, a sysctl and resolv.conf to put back.
            let client = try server.startTunnelClient(ending.name, in: "client1") {
                $0.replacingOccurrences(of: "[Peer]", with: "DNS = 198.51.100.53\n\n[Peer]")
            }
            XCTAssertTrue(topo.waitUntil(timeout: 15) {
                (try? topo.attempt("client1", ["ping", "-c", "1", "-W", "1", ServerLab.internet]).status) == 0
            }, "\(ending.name): the tunnel works before the signal: \(client.log)")
            XCTAssertNotEqual(try state(), before, "\(ending.name): the client changed the namespace")

            client.process.signal(ending.signal)
            try assertEnds(client.process, ending)
            if !ending.cleansUp {
                let cleanup = try topo.attempt("client1", [SystemTestEnvironment.tunnelBinary!, "client", "--cleanup"])
                XCTAssertEqual(cleanup.status, 0, cleanup.stderr)
                XCTAssertTrue(cleanup.stdout.contains("restore /etc/resolv.conf"), cleanup.stdout)
            }
            assertSameNetworkState(try state(), before, "after \(ending.name)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/run/wireguard/\(client.interface).sock"),
                           "\(ending.name): no control socket is left")
        }
    }

    func testEverySignalEndsTheServerAndLeavesTheHostAsItWas() throws {
        try requireSystemTestPrerequisites(tools: Self.tools, needsTunnelBinary: true)
        let topo = try Topology(ServerLab.topology(clients: 1), test: self)
        let state = { try topo.networkState("server", sysctls: ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"]) }
        let before = try state()

        for ending in Self.endings {
            let server = try TunnelServerProcess(in: topo, namespace: "server")
            XCTAssertTrue(topo.waitUntil(timeout: 10) { server.log.contains("server on ") }, server.log)
            XCTAssertNotEqual(try state(), before, "\(ending.name): the server changed the namespace")

            server.process.signal(ending.signal)
            try assertEnds(server.process, ending)
            if !ending.cleansUp {
                // The next start removes what the killed run left; its own stop puts back the rest.
                try server.restart()
                XCTAssertTrue(topo.waitUntil(timeout: 10) { server.log.contains("server on ") }, server.log)
                XCTAssertTrue(server.log.contains("cleaned up after an earlier run"), server.log)
                server.process.signal(SIGTERM)
                XCTAssertEqual(server.process.wait(timeout: Self.exitTimeout), 0, server.log)
            }
            assertSameNetworkState(try state(), before, "after \(ending.name)")
        }
    }

    /// A library preloaded into the server under test: a thread waits on a FIFO and, told
    /// to, faults for real (S: a store to address 0, SEGV_MAPERR), calls abort() (A), or
    /// from then on stalls every netlink sendmsg forever (H: the reactor's queue hangs in
    /// cleanup, as a stuck process would; it says so by creating FIFO.ack). Only this way
    /// does the signal come from the process itself, as in a real crash.
    static let faultLibrarySource = """
        #define _GNU_SOURCE
        #include <dlfcn.h>
        #include <fcntl.h>
        #include <pthread.h>
        #include <stdint.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/socket.h>
        #include <unistd.h>
        static volatile int stall_netlink;
        ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
            ssize_t (*real)(int, const struct msghdr *, int) = dlsym(RTLD_NEXT, "sendmsg");
            struct sockaddr_storage address;
            socklen_t length = sizeof address;
            if (stall_netlink && getsockname(fd, (struct sockaddr *)&address, &length) == 0
                && address.ss_family == AF_NETLINK) {
                for (;;) pause();
            }
            return real(fd, msg, flags);
        }
        static void *wait_for_order(void *path) {
            int fd = open((const char *)path, O_RDONLY);
            char order = 0;
            if (fd < 0 || read(fd, &order, 1) != 1) return 0;
            if (order == 'A') abort();
            if (order == 'H') {
                char ack[4096];
                stall_netlink = 1;
                snprintf(ack, sizeof ack, "%s.ack", (const char *)path);
                close(open(ack, O_CREAT | O_WRONLY, 0600));
                return 0;
            }
            /* Zero, computed at run time, so the compiler keeps the store (no trap instead). */
            volatile int *nowhere = (volatile int *)(intptr_t)(order - 'S');
            *nowhere = 1;
            return 0;
        }
        __attribute__((constructor)) static void start(void) {
            const char *path = getenv("TUNNEL_TEST_FAULT_FIFO");
            pthread_t thread;
            if (path) pthread_create(&thread, 0, wait_for_order, (void *)path);
        }

        """

    /// Builds the fault library in the run's log directory; returns its path.
    private func buildFaultLibrary(_ topo: Topology) throws -> String {
        let source = topo.logDirectory.appendingPathComponent("fault.c").path
        let library = topo.logDirectory.appendingPathComponent("fault.so").path
        try Self.faultLibrarySource.write(toFile: source, atomically: true, encoding: .utf8)
        try Command.check(["clang", "-O0", "-shared", "-fPIC", "-o", library, source, "-lpthread", "-ldl"])
        return library
    }

    /// Starts a server with the fault library and a FIFO of its own; returns both.
    private func startFaultableServer(_ topo: Topology, library: String,
                                      tag: String) throws -> (TunnelServerProcess, String) {
        let fifo = topo.logDirectory.appendingPathComponent("fault-\(tag).fifo").path
        try Command.check(["mkfifo", fifo])
        let server = try TunnelServerProcess(in: topo, namespace: "server",
                                             environment: ["LD_PRELOAD": library, "TUNNEL_TEST_FAULT_FIFO": fifo])
        XCTAssertTrue(topo.waitUntil(timeout: 10) { server.log.contains("server on ") }, server.log)
        return (server, fifo)
    }

    /// Gives the library's thread, waiting in open(), its order.
    private func order(_ order: String, through fifo: String) throws {
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: fifo))
        handle.write(Data(order.utf8))
        try handle.close()
    }

    /// After a run that could not clean up: it left its changes, the next start removes
    /// them, and that run's own stop puts back the rest.
    private func assertNextStartCleansUp(_ server: TunnelServerProcess, _ topo: Topology,
                                         state: () throws -> [String: String], before: [String: String],
                                         _ what: String) throws {
        XCTAssertNotEqual(try state(), before, "\(what): the dead run's changes are still there")
        try server.restart()
        XCTAssertTrue(topo.waitUntil(timeout: 10) { server.log.contains("server on ") }, server.log)
        XCTAssertTrue(server.log.contains("cleaned up after an earlier run"), server.log)
        server.process.signal(SIGTERM)
        XCTAssertEqual(server.process.wait(timeout: Self.exitTimeout), 0, server.log)
        assertSameNetworkState(try state(), before, "after \(what) and the next run")
    }

    /// A sent SIGABRT whose orderly stop hangs (a stuck process, the reason a watchdog
    /// sends one) still ends the process, by SIGABRT, once FatalSignals.stopGrace (5 s) has
    /// passed; the next start cleans up.
    func testAFatalSignalEndsTheServerEvenWhenItsStopHangs() throws {
        try requireSystemTestPrerequisites(tools: Self.tools + ["clang", "mkfifo"], needsTunnelBinary: true)
        let topo = try Topology(ServerLab.topology(clients: 1), test: self)
        let library = try buildFaultLibrary(topo)
        let state = { try topo.networkState("server", sysctls: ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"]) }
        let before = try state()
        let (server, fifo) = try startFaultableServer(topo, library: library, tag: "H")
        try order("H", through: fifo)
        XCTAssertTrue(topo.waitUntil { FileManager.default.fileExists(atPath: fifo + ".ack") }, "the library stalls netlink")

        let sent = Date()
        server.process.signal(SIGABRT)
        let status = server.process.wait(timeout: Self.exitTimeout)
        XCTAssertEqual(status, SIGABRT, server.log)
        guard status != nil else {
            server.process.signal(SIGKILL)
            _ = server.process.wait(timeout: 5)
            return
        }
        XCTAssertEqual(server.process.process.terminationReason, .uncaughtSignal, server.log)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(sent), 5, "it waited the grace period for the stop")
        XCTAssertFalse(server.log.contains("everything restored"), "the stop never finished: \(server.log)")
        try assertNextStartCleansUp(server, topo, state: state, before: before, "a hung stop")
    }

    /// A real fault and the process's own abort() get the default action at once: no
    /// orderly stop runs in a crashed process (its log says nothing of one), the process
    /// dies by the signal, and the next start removes what it left.
    func testARealFaultOrAbortEndsTheServerAtOnceAndTheNextStartCleansUp() throws {
        try requireSystemTestPrerequisites(tools: Self.tools + ["clang", "mkfifo"], needsTunnelBinary: true)
        let topo = try Topology(ServerLab.topology(clients: 1), test: self)
        let library = try buildFaultLibrary(topo)
        let state = { try topo.networkState("server", sysctls: ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"]) }
        let before = try state()

        for (tag, sig) in [("S", SIGSEGV), ("A", SIGABRT)] {
            let (server, fifo) = try startFaultableServer(topo, library: library, tag: tag)
            try order(tag, through: fifo)
            let status = server.process.wait(timeout: Self.exitTimeout)
            XCTAssertEqual(status, sig, "\(tag): \(server.log)")
            guard status != nil else {
                // Hanging in a handler is the failure this test is for; end it to go on.
                server.process.signal(SIGKILL)
                _ = server.process.wait(timeout: 5)
                continue
            }
            XCTAssertEqual(server.process.process.terminationReason, .uncaughtSignal, server.log)
            XCTAssertFalse(server.log.contains("everything restored"), "no orderly stop after a crash: \(server.log)")
            XCTAssertFalse(server.log.contains("stopped by signal"), server.log)
            try assertNextStartCleansUp(server, topo, state: state, before: before, "a crash by \(tag)")
        }
    }

    /// The process ends within the timeout, the way `ending` says, having said why.
    private func assertEnds(_ process: BackgroundProcess, _ ending: Ending,
                            file: StaticString = #filePath, line: UInt = #line) throws {
        let status = process.wait(timeout: Self.exitTimeout)
        XCTAssertNotNil(status, "\(ending.name): still running: \(process.log)", file: file, line: line)
        guard status != nil else {
            process.signal(SIGKILL)
            _ = process.wait(timeout: 5)
            return
        }
        XCTAssertEqual(process.process.terminationReason, ending.reason, "\(ending.name): \(process.log)",
                       file: file, line: line)
        XCTAssertEqual(status, ending.status, "\(ending.name): \(process.log)", file: file, line: line)
        if ending.cleansUp {
            XCTAssertTrue(process.log.contains("removed, everything restored"), "\(ending.name): \(process.log)",
                          file: file, line: line)
        }
        if ending.fatal {
            XCTAssertTrue(process.log.contains("stopped by signal \(ending.signal) "), "\(ending.name): \(process.log)",
                          file: file, line: line)
        }
    }
}
