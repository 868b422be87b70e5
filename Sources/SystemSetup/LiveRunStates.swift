// The state files of runs that are still going in this network namespace: what they
// need must survive another run's exit or cleanup. Shared sysctls are the case in point:
// two clients both need src_valid_mark=1, and whichever stops first must leave it.
import Foundation

struct LiveRunStates {
    let states: [SetupState]

    /// Unreadable or untrusted files are skipped here: the callers that act on a file
    /// (the cleanup, the next start on that name) report them.
    static func scan(_ directory: StateDirectory, excluding interface: String? = nil,
                     isAlive: (RunOwner) -> Bool = { $0.isAlive }) -> LiveRunStates {
        let namespace = RunOwner.currentNetworkNamespace(), cookie = RunOwner.currentNetworkNamespaceCookie()
        let states = directory.recordedInterfaces().filter { $0 != interface }.compactMap { name -> SetupState? in
            guard let state = try? directory.load(for: name), let owner = state.owner,
                  owner.isIn(namespace: namespace, cookie: cookie), isAlive(owner) else { return nil }
            return state
        }
        return LiveRunStates(states: states)
    }

    /// A live run that needs `sysctl` kept at its value.
    func runNeeding(_ sysctl: String) -> SetupState? {
        states.first { ($0.neededSysctls ?? []).contains(sysctl) }
    }

    /// The value `sysctl` had before any live run changed it: a run that finds it already
    /// set by another takes over that run's record, so whichever stops last restores it.
    func originalValue(of sysctl: String) -> String? {
        states.lazy.compactMap { $0.originalSysctls[sysctl] }.first
    }
}
