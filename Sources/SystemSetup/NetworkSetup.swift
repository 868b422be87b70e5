// Applies a NetworkPlan through netlink and /proc/sys, records each change,
// and undoes exactly those. Not thread-safe: one owner (the client's control
// queue) applies and reverts. Dropping it without `revert()` leaves everything
// in place on purpose, as a SIGKILL would; LeftoverCleanup handles that.
import Addresses
import Netlink

public final class NetworkSetup {
    public let plan: NetworkPlan
    /// In the order made; `revert()` undoes them backwards.
    public private(set) var changes: [NetworkChange] = []
    private let socket: NetlinkSocket
    private let stateDirectory: StateDirectory
    private let resolvConf: ResolvConfFile
    private let server: ServerRunIdentity?
    /// Sysctls already set by a live run when this one started, with their value before
    /// that run: this run restores them if it is the last to stop.
    private var inheritedOriginals: [String: String] = [:]

    /// Applies `plan`. On failure, undoes what it did and rethrows the failure.
    /// - Parameter server: recorded for a server run, so a second server can find it.
    public init(applying plan: NetworkPlan, socket: NetlinkSocket,
                stateDirectory: StateDirectory = StateDirectory(),
                resolvConf: ResolvConfFile = ResolvConfFile(), server: ServerRunIdentity? = nil) throws {
        self.plan = plan
        self.socket = socket
        self.stateDirectory = stateDirectory
        self.resolvConf = resolvConf
        self.server = server
        do {
            try apply()
        } catch {
            try? revert()
            throw error
        }
    }

    /// Undoes every recorded change, newest first. Things already gone (the
    /// interface deleted, and its routes and addresses with it) count as undone.
    /// What could not be undone stays recorded, so a second call retries it.
    public func revert() throws {
        var failures: [String] = []
        var kept: [NetworkChange] = []
        for change in changes.reversed() {
            if case .savedState = change, !failures.isEmpty {
                kept.append(change)   // keep the record for --cleanup
                continue
            }
            do {
                try undo(change)
            } catch {
                failures.append(NetworkSetupError.reason(error))
                kept.append(change)
            }
        }
        changes = kept.reversed()
        if !failures.isEmpty { throw NetworkSetupError.incompleteRevert(failures) }
    }

    // MARK: applying

    private func apply() throws {
        let originalResolvConf = try saveState()
        try configureLink()
        for address in plan.addresses { try add(address) }
        for route in plan.routes { try add(route) }
        for setting in plan.sysctls { try set(setting) }
        for rule in plan.rules { try add(rule) }
        for family in plan.movedLocalRules { try moveLocalRule(family) }
        if let resolver = plan.resolver { try write(resolver, replacing: originalResolvConf) }
    }

    /// Records what cannot be found again after a crash, before anything changes.
    /// Returns resolv.conf's current content (nil: absent or not going to be touched).
    private func saveState() throws -> String? {
        let name = plan.interfaceName
        if try stateDirectory.load(for: name) != nil {
            throw NetworkSetupError.changeFailed(
                action: "record state in \(stateDirectory.statePath(for: name))",
                reason: "an earlier run left it; run `tunnel client --cleanup --interface \(name)` first")
        }
        var state = SetupState(interfaceName: name,
                               tables: Array(Set(plan.routes.map(\.table))).filter { $0 != RouteTable.main }.sorted(),
                               owner: RunOwner.current(protocolID: plan.protocolID),
                               neededSysctls: plan.sysctls.map(\.sysctl.description), server: server)
        let live = LiveRunStates.scan(stateDirectory, excluding: name)
        for setting in plan.sysctls {
            let current = try perform("read \(setting.sysctl)") { try setting.sysctl.read() }
            let key = setting.sysctl.description
            if current != setting.value {
                state.originalSysctls[key] = current
            } else if let original = live.originalValue(of: key) {
                state.originalSysctls[key] = original
                inheritedOriginals[key] = original
            }
        }
        var original: String?
        if plan.resolver != nil {
            original = try resolvConf.read()
            state.resolvConfPath = resolvConf.path
            state.resolvConfExisted = original != nil
            if let original { state.resolvConfBackupPath = try stateDirectory.saveBackup(original, for: name) }
        }
        changes.append(.savedState(interface: name))
        try stateDirectory.save(state)
        return original
    }

    private func configureLink() throws {
        let index = plan.interfaceIndex
        let link = try perform("find interface \(plan.interfaceName)") { try socket.link(.index(index)) }
        if link.mtu != plan.mtu {
            try perform("set mtu \(plan.mtu) on \(plan.interfaceName)") { try socket.setMTU(.index(index), plan.mtu) }
            changes.append(.mtu(linkIndex: index, previous: link.mtu))
        }
        if !link.isUp {
            try perform("bring \(plan.interfaceName) up") { try socket.setLink(.index(index), up: true) }
            changes.append(.linkUp(linkIndex: index))
        }
    }

    private func add(_ address: IPPrefix) throws {
        try perform("add address \(address) to \(plan.interfaceName)") {
            try socket.addAddress(address, to: .index(plan.interfaceIndex))
        }
        changes.append(.address(address, linkIndex: plan.interfaceIndex))
    }

    private func add(_ route: Route) throws {
        do {
            try socket.addRoute(route)
            changes.append(.route(route))
        } catch let error as NetlinkError where error.isAlreadyExists && (try? isPresent(route)) == true {
            // Like wg-quick: the kernel's own prefix route for an interface
            // address already sends this prefix into the interface; leave it be.
        } catch {
            throw NetworkSetupError.failed("add route \(plan.describe(route))", error)
        }
    }

    /// Whether a route to the same prefix through the same interface exists in that table.
    private func isPresent(_ route: Route) throws -> Bool {
        try socket.routes(family: NetworkPlan.family(of: route.destination), table: route.table).contains {
            $0.destination == route.destination.network && $0.outputLinkIndex == route.outputLinkIndex
        }
    }

    private func set(_ setting: SysctlSetting) throws {
        let previous = try perform("set \(setting)") { try setting.sysctl.write(setting.value) }
        if previous != setting.value {
            changes.append(.sysctl(setting.sysctl, previous: previous))
        } else if let original = inheritedOriginals[setting.sysctl.description] {
            changes.append(.sysctl(setting.sysctl, previous: original))
        }
    }

    private func add(_ rule: Rule) throws {
        try perform("add rule \(rule)") { try socket.addRule(rule) }
        changes.append(.rule(rule))
    }

    /// Adds `lookup local` at the plan's priority, then removes the kernel's at 0:
    /// local delivery never stops working in between.
    private func moveLocalRule(_ family: AddressFamily) throws {
        let moved = LocalRule.moved(family, priority: plan.movedLocalRulePriority, protocolID: plan.protocolID)
        try perform("add rule \(moved)") { try socket.addRule(moved) }
        changes.append(.localRuleMoved(family: family, to: plan.movedLocalRulePriority, protocolID: plan.protocolID))
        let original = LocalRule.original(family)
        try perform("remove rule \(original)") { try ignoringMissing { try socket.removeRule(original) } }
    }

    private func write(_ resolver: ResolverConfiguration, replacing original: String?) throws {
        let text = resolver.render(interfaceName: plan.interfaceName)
        changes.append(.resolvConf(path: resolvConf.path, original: original))
        try resolvConf.overwrite(with: text)
    }

    // MARK: undoing

    private func undo(_ change: NetworkChange) throws {
        let name = plan.interfaceName
        switch change {
        case .savedState(let interface):
            stateDirectory.remove(for: interface)
        case .mtu(let index, let previous):
            try perform("restore mtu \(previous) on \(name)") {
                try ignoringMissing { try socket.setMTU(.index(index), previous) }
            }
        case .linkUp(let index):
            try perform("bring \(name) down") { try ignoringMissing { try socket.setLink(.index(index), up: false) } }
        case .address(let address, let index):
            try perform("remove address \(address) from \(name)") {
                try ignoringMissing { try socket.removeAddress(address, from: .index(index)) }
            }
        case .route(let route):
            try perform("remove route \(plan.describe(route))") { try ignoringMissing { try socket.removeRoute(route) } }
        case .rule(let rule):
            try perform("remove rule \(rule)") { try ignoringMissing { try socket.removeRule(rule) } }
        case .localRuleMoved(let family, let priority, let protocolID):
            try LocalRule.restore(family, movedTo: priority, protocolID: protocolID, socket: socket)
        case .sysctl(let sysctl, let previous):
            // Another run here still needs it; it took over the original value and restores it.
            guard LiveRunStates.scan(stateDirectory, excluding: name).runNeeding(sysctl.description) == nil else { return }
            _ = try perform("restore \(sysctl)=\(previous)") { try sysctl.write(previous) }
        case .resolvConf(let path, let original):
            let file = ResolvConfFile(path: path)
            if let original { try file.overwrite(with: original) } else { try file.remove() }
        }
    }

    private func perform<T>(_ action: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw NetworkSetupError.failed(action, error)
        }
    }
}

/// Runs a netlink change, treating "no such object" as done.
func ignoringMissing(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as NetlinkError where error.isNotFound {
    }
}
