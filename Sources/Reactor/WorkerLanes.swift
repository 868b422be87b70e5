// Runs one piece of work on several threads at once and waits for all of them: the
// data path shares a batch's cipher work out this way. Lane 0 is the caller; each other
// lane is a long-running block on a serial Dispatch queue of its own, woken by a
// semaphore per run. The work is a C function and a context pointer, not a closure, and
// the threads wait on semaphores, not concurrentPerform: handing a closure to other
// threads allocates on every call, and the data path allocates nothing per packet.
import Dispatch
import Foundation

public final class WorkerLanes {
    /// What each lane runs: `function(context, lane)`.
    public typealias LaneFunction = @convention(c) (UnsafeMutableRawPointer?, Int) -> Void

    /// Beyond this, more lanes gain little on the hosts a userspace VPN runs on.
    public static let maximumCount = 8

    /// One lane per core the process may use.
    public static var defaultCount: Int { min(max(ProcessInfo.processInfo.activeProcessorCount, 1), maximumCount) }

    public let count: Int
    private let shared: Shared

    /// What the caller and the worker blocks share; the workers keep it alive until they stop.
    private final class Shared: @unchecked Sendable {
        /// One per worker lane: signalled once per run (or to stop).
        let start: [DispatchSemaphore]
        /// Signalled by each worker lane when its part of a run is done.
        let done = DispatchSemaphore(value: 0)
        /// The run's work, set before the starts are signalled and cleared after every
        /// lane is done: the semaphores order each access.
        var function: LaneFunction?
        var context: UnsafeMutableRawPointer?
        var stopping = false

        init(workers: Int) { start = (0..<workers).map { _ in DispatchSemaphore(value: 0) } }
    }

    public init(count: Int, label: String) {
        self.count = min(max(count, 1), WorkerLanes.maximumCount)
        let shared = Shared(workers: self.count - 1)
        self.shared = shared
        for lane in 1..<self.count {
            DispatchQueue(label: "\(label).\(lane)", qos: .userInitiated).async {
                WorkerLanes.serve(lane: lane, shared)
            }
        }
    }

    deinit {
        shared.stopping = true
        for start in shared.start { start.signal() }
    }

    /// Calls `function(context, lane)` for every lane in 0..<count, each on its own
    /// thread (lane 0 on the caller's), and returns when all have returned. One run at a time.
    public func run(_ function: LaneFunction, context: UnsafeMutableRawPointer?) {
        shared.function = function
        shared.context = context
        // Index loops: a for-in over the array allocates an iterator in debug builds.
        var lane = 0
        while lane < shared.start.count { shared.start[lane].signal(); lane += 1 }
        function(context, 0)
        lane = 0
        while lane < shared.start.count { shared.done.wait(); lane += 1 }
        shared.function = nil
        shared.context = nil
    }

    private static func serve(lane: Int, _ shared: Shared) {
        let start = shared.start[lane - 1]
        while true {
            start.wait()
            if shared.stopping { return }
            shared.function?(shared.context, lane)
            shared.done.signal()
        }
    }
}
