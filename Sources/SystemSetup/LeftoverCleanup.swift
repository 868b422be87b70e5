// Finds and removes what an earlier run left behind when it could not clean up
// (SIGKILL, a crash, power cut of the process): its routes and rules, recognised by
// TunnelRouteProtocol.id (client) or .server, the sysctl values and resolv.conf its
// state file recorded, and its stale control socket. Runs at every start and for
// `tunnel client --cleanup [--interface NAME]`.
//
// Only dead runs of the same kind in this network namespace are touched: a state file
// whose process still runs, that another namespace wrote (/run is shared, sysctls and
// routes are not), or that a server wrote when a client cleans up, is left alone, and so
// is everything a live run still uses (its tables, the moved local rule, a shared sysctl).
// A state file is acted on only as far as the program itself could have written it: the
// directory and file must be root's own (StateDirectory), and only the sysctls the
// program sets, the resolv.conf it writes and the backup path it derives are restored.
import Control
import Foundation
import Netlink

public struct LeftoverCleanup {
    private let socket: NetlinkSocket
    private let stateDirectory: StateDirectory
    private let protocolID: UInt8
    private let socketDirectory: String
    private let resolvConf: ResolvConfFile

    /// What a state file is to this cleanup.
    enum Verdict: Equatable {
        /// A dead run of our kind in this namespace: undo what it did.
        case leftover
        case running(pid: Int32)
        case otherNamespace
        case otherKind
        case unknownOwner
    }

    private let runIsAlive: (RunOwner) -> Bool

    /// - Parameter protocolID: whose leftovers: the client's (default) or the server's.
    /// - Parameter runIsAlive: whether a recorded run still runs (a test that plays a
    ///   killed run inside its own process says no).
    public init(socket: NetlinkSocket, stateDirectory: StateDirectory = StateDirectory(),
                protocolID: UInt8 = TunnelRouteProtocol.id,
                socketDirectory: String = UAPISocketPath.defaultDirectory,
                resolvConf: ResolvConfFile = ResolvConfFile(),
                runIsAlive: @escaping (RunOwner) -> Bool = { $0.isAlive }) {
        self.resolvConf = resolvConf
        self.runIsAlive = runIsAlive
        self.socket = socket
        self.stateDirectory = stateDirectory
        self.protocolID = protocolID
        self.socketDirectory = socketDirectory
    }

    /// A file older than the owner field says nothing of its run: it is a leftover only
    /// when a person names it (`--cleanup --interface`), never at a start.
    static func verdict(_ state: SetupState, protocolID: UInt8, namespace: UInt64?, cookie: UInt64? = nil, named: Bool,
                        isAlive: (RunOwner) -> Bool) -> Verdict {
        guard let owner = state.owner else { return named ? .leftover : .unknownOwner }
        if !owner.isIn(namespace: namespace, cookie: cookie) { return .otherNamespace }
        if isAlive(owner) { return .running(pid: owner.pid) }
        return owner.protocolID == protocolID ? .leftover : .otherKind
    }

    /// With an interface: what a dead run on that interface left (its routes, the rules
    /// of its tables, rules whose table no longer holds any tunnel route, and the
    /// suppress rule once no other tunnel rule needs it); refused, with the reason, when
    /// that run is alive, was in another namespace or was of the other kind. Without one:
    /// what every dead run of our kind in this namespace left, and tagged routes and
    /// rules that no running tunnel uses. Returns one line per thing removed, restored
    /// or left alone, for the log.
    /// - Parameter namedByUser: false when a starting run cleans up the name it takes: a
    ///   state file without an owner is then left for a person to judge.
    @discardableResult
    public func removeLeftovers(interface: String?, namedByUser: Bool = true) throws -> [String] {
        if let interface, !UAPISocketPath.isValidInterfaceName(interface) {
            throw NetworkSetupError.notALeftover(interface: interface, reason: "it is not a valid interface name")
        }
        var report = Report()
        // An untrusted directory stops everything before anything changes.
        let names = try stateDirectory.interfaces()
        var tables = Set<UInt32>()
        var live = LiveRuns()
        var dead: [SetupState] = []
        let namespace = RunOwner.currentNetworkNamespace(), cookie = RunOwner.currentNetworkNamespaceCookie()
        for name in names {
            let mine = interface == nil || name == interface
            // A state file that cannot be read or trusted is reported and kept; what it
            // may describe counts as in use.
            let loaded = Result { try stateDirectory.load(for: name) }
            if case .failure(let error) = loaded {
                if mine { report.failures.append("\(error)") }
                live.unknownRuns += 1
                continue
            }
            guard case .success(let found) = loaded, let state = found else { continue }
            let verdict = LeftoverCleanup.verdict(state, protocolID: protocolID, namespace: namespace, cookie: cookie,
                                                  named: namedByUser && name == interface, isAlive: runIsAlive)
            if verdict == .leftover && mine {
                dead.append(state)
                continue
            }
            if let interface, name == interface {
                throw NetworkSetupError.notALeftover(interface: interface, reason: describe(verdict, name))
            }
            if mine { report.done.append("left \(name) alone: \(describe(verdict, name))") }
            // Maybe ours and running: keep its routes and rules. A dead run of another
            // name is not this cleanup's to undo either.
            if verdict != .otherNamespace { live.add(state, ours: verdict != .otherKind, socket: socket) }
        }
        let sharedUsers = LiveRunStates.scan(stateDirectory, isAlive: runIsAlive)
        for state in dead {
            tables.formUnion(state.tables)
            restore(state, sharedUsers: sharedUsers, into: &report)
            removeStaleControlSocket(of: state.interfaceName, into: &report)
        }
        let linkIndex = interface.flatMap { try? socket.link(.name($0)).index }
        try removeRoutes(into: &report) { route in
            guard !live.uses(route) else { return false }
            return interface == nil || tables.contains(route.table) || (linkIndex != nil && route.outputLinkIndex == linkIndex)
        }
        for family in [AddressFamily.ipv4, .ipv6] {
            try removeRules(family: family, everything: interface == nil, tables: tables, live: live, into: &report)
        }
        if !report.failures.isEmpty { throw NetworkSetupError.incompleteRevert(report.failures) }
        return report.done
    }

    private func describe(_ verdict: Verdict, _ name: String) -> String {
        switch verdict {
        case .leftover: return "left by a run that is gone"
        case .running(let pid): return "its tunnel is still running (pid \(pid)); stop it and it cleans up itself"
        case .otherNamespace: return "it was made in another network namespace; clean up there"
        case .unknownOwner:
            return "an older version recorded it without its owner; `--interface \(name)` cleans it up if it is dead"
        case .otherKind:
            return protocolID == TunnelRouteProtocol.server
                ? "it belongs to a tunnel client; `tunnel client --cleanup` removes it"
                : "it belongs to a tunnel server; starting that server again cleans it up"
        }
    }

    /// The control socket of a dead run, which no one answers any more; only a socket,
    /// only in a directory that is root's own.
    private func removeStaleControlSocket(of name: String, into report: inout Report) {
        let path = UAPISocketPath.path(interface: name, directory: socketDirectory)
        do {
            if try UAPISocketDirectory.removeStaleSocket(interface: name, directory: socketDirectory) {
                report.done.append("remove \(path)")
            }
        } catch {
            report.failures.append(NetworkSetupError.failed("remove \(path)", error).description)
        }
    }

    /// Tables and interfaces of runs that are alive (or not ours): their routes and
    /// rules stay when cleaning up without an interface.
    private struct LiveRuns {
        var tables = Set<UInt32>()
        var linkIndexes = Set<Int32>()
        /// Runs of this cleanup's kind (or of no recorded kind) that may still use what
        /// belongs to no table: the moved local rule, the server's `goto` rules.
        var ourRuns = 0
        /// State files that could not be read: what they use is not known.
        var unknownRuns = 0

        mutating func add(_ state: SetupState, ours: Bool, socket: NetlinkSocket) {
            tables.formUnion(state.tables)
            if let index = try? socket.link(.name(state.interfaceName)).index { linkIndexes.insert(index) }
            if ours { ourRuns += 1 }
        }

        var mayUseSharedRules: Bool { ourRuns + unknownRuns > 0 }

        func uses(_ route: Route) -> Bool {
            tables.contains(route.table) || route.outputLinkIndex.map { linkIndexes.contains($0) } == true
        }

        func uses(_ rule: Rule) -> Bool {
            guard case .lookup(let table) = rule.action else { return mayUseSharedRules }
            return tables.contains(table)
        }
    }

    private struct Report {
        var done: [String] = []
        var failures: [String] = []

        mutating func attempt(_ action: String, _ body: () throws -> Void) {
            do {
                try body()
                done.append(action)
            } catch {
                failures.append(NetworkSetupError.failed(action, error).description)
            }
        }
    }

    /// Puts back the recorded sysctl values and resolv.conf; forgets the state
    /// only when all of that worked, so a later cleanup can retry. A file asking for
    /// anything this kind of run never changes is not acted on at all. A sysctl another
    /// live run needs stays: that run took over the original value and restores it.
    private func restore(_ state: SetupState, sharedUsers: LiveRunStates, into report: inout Report) {
        let file = stateDirectory.statePath(for: state.interfaceName)
        let ours = SysctlSetting.restorableNames(protocolID: protocolID)
        if let foreign = state.originalSysctls.keys.sorted().first(where: { !ours.contains($0) }) {
            report.failures.append(NetworkSetupError.invalidState(
                path: file, reason: "this kind of run never sets the sysctl '\(foreign)'").description)
            return
        }
        if let path = state.resolvConfPath, path != resolvConf.path {
            report.failures.append(NetworkSetupError.invalidState(
                path: file, reason: "it names \(path), but tunnel writes only \(resolvConf.path)").description)
            return
        }
        let failuresBefore = report.failures.count
        for (name, value) in state.originalSysctls.sorted(by: { $0.key < $1.key }) {
            if let user = sharedUsers.runNeeding(name) {
                report.done.append("kept \(name): \(user.interfaceName) (pid \(user.owner?.pid ?? 0)) still needs it")
                continue
            }
            report.attempt("restore \(name)=\(value)") { try Sysctl(name).write(value) }
        }
        if let path = state.resolvConfPath {
            report.attempt("restore \(path)") { try restoreResolvConf(path: path, state: state) }
        }
        if report.failures.count == failuresBefore { stateDirectory.remove(for: state.interfaceName) }
    }

    /// Only the resolv.conf this program writes, from the backup path it derives.
    private func restoreResolvConf(path: String, state: SetupState) throws {
        guard state.resolvConfExisted else { return try resolvConf.remove() }
        guard let original = try stateDirectory.loadBackup(for: state.interfaceName) else {
            throw NetworkSetupError.changeFailed(action: "restore \(path)",
                                                  reason: "the backup of the original is missing")
        }
        try resolvConf.overwrite(with: original)
    }

    private func removeRoutes(into report: inout Report, where matches: (Route) -> Bool) throws {
        let routes = try listing("list routes") { try socket.routes(table: nil, protocolID: protocolID) }
        for route in routes where matches(route) {
            report.attempt("remove route \(route)") { try ignoringMissing { try socket.removeRoute(route) } }
        }
    }

    private func removeRules(family: AddressFamily, everything: Bool, tables: Set<UInt32>, live: LiveRuns,
                             into report: inout Report) throws {
        let rules = try listing("list \(family) rules") {
            try socket.rules(family: family, protocolID: protocolID)
        }
        let routedTables = Set(try listing("list \(family) routes") {
            try socket.routes(family: family, table: nil, protocolID: protocolID)
        }.map(\.table))
        // A moved `lookup local` rule is never just removed: the kernel's goes back first,
        // once no run of this kind here still has its diversion rules in front of it.
        for rule in rules where LocalRule.isMoved(rule) && !live.mayUseSharedRules {
            report.attempt("put back the local rule at priority 0 (was at \(rule.priority ?? 0))") {
                try LocalRule.restore(family, movedTo: rule.priority ?? 0, protocolID: protocolID, socket: socket)
            }
        }
        var kept: [Rule] = []
        for rule in rules where !isSuppressRule(rule) && !LocalRule.isMoved(rule) {
            let stale = !live.uses(rule) && (everything || isStale(rule, tables: tables, routedTables: routedTables))
            guard stale else {
                kept.append(rule)
                continue
            }
            report.attempt("remove rule \(rule)") { try ignoringMissing { try socket.removeRule(rule) } }
        }
        // The suppress rule is shared by every full-tunnel run of this family.
        guard kept.isEmpty else { return }
        for rule in rules where isSuppressRule(rule) {
            report.attempt("remove rule \(rule)") { try ignoringMissing { try socket.removeRule(rule) } }
        }
    }

    /// A rule of the run being cleaned up, or one whose table holds no tunnel route any
    /// more. Rules that look up no table (the server's `goto`) belong to no one else.
    private func isStale(_ rule: Rule, tables: Set<UInt32>, routedTables: Set<UInt32>) -> Bool {
        guard case .lookup(let table) = rule.action else { return true }
        return tables.contains(table) || !routedTables.contains(table)
    }

    private func isSuppressRule(_ rule: Rule) -> Bool {
        rule.action == .lookup(table: RouteTable.main) && rule.suppressPrefixLength != nil
    }

    private func listing<T>(_ action: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw NetworkSetupError.failed(action, error)
        }
    }
}
