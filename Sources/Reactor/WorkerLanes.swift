// Shares one piece of work, cut into items, between the calling thread and worker
// threads, and returns when every item is done: the data path shares a batch's cipher
// work out this way. Lane 0 is the caller; each other lane is a long-running block on a
// serial Dispatch queue of its own that sleeps on a semaphore.
//
// Items are claimed one at a time from a shared counter, so the caller never waits for a
// worker to wake up: waking a sleeping thread costs 100-150 us on a virtual machine (an
// idle vCPU), as much as a whole batch's cipher work, and when the other cores are busy
// it may not come at all. The caller claims items until none are left, then waits only
// for items a worker is still running. The counter word holds the run's generation, the
// next item and the item count, so a worker that wakes late can never claim an item of
// the wrong run. A worker that did some work watches for the next run for a moment
// before it sleeps again, yielding its core meanwhile to any thread ready to run. The
// work is a C function and a context pointer, not a closure: handing a closure to other
// threads allocates on every call, and the data path allocates nothing per packet.
import Dispatch
import Foundation
import Synchronization

public final class WorkerLanes {
    /// What runs for each item: `function(context, item, lane)`.
    public typealias ItemFunction = @convention(c) (UnsafeMutableRawPointer?, Int, Int) -> Void

    /// Beyond this, more lanes gain little on the hosts a userspace VPN runs on.
    public static let maximumCount = 8
    /// Items in one run at most (the counter word keeps 16 bits for each count).
    public static let maximumItems = 0xffff
    /// How long a worker that just worked keeps watching for the next run before it
    /// sleeps: about the gap between two batches of a busy tunnel.
    static let watchNanoseconds: UInt64 = 50_000

    /// One lane per core the process may use.
    public static var defaultCount: Int { min(max(ProcessInfo.processInfo.activeProcessorCount, 1), maximumCount) }

    public let count: Int
    private let shared: Shared

    /// What the caller and the workers share; the workers keep it alive until they stop.
    private final class Shared: @unchecked Sendable {
        /// generation << 32 | next item << 16 | item count.
        let claims = Atomic<UInt64>(0)
        /// Items of the current run that are done.
        let completed = Atomic<Int>(0)
        let workers: [Worker]
        /// The run's work: written before the run's claims word is published, read only
        /// after a claim of that run succeeded (the word's ordering covers them).
        var function: ItemFunction?
        var context: UnsafeMutableRawPointer?
        let stopping = Atomic<Bool>(false)

        init(workers: Int) { self.workers = (0..<workers).map { _ in Worker() } }
    }

    private final class Worker: @unchecked Sendable {
        /// Set while the worker sleeps (or is about to) on `wakeup`.
        let sleeping = Atomic<Bool>(false)
        let wakeup = DispatchSemaphore(value: 0)
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
        shared.stopping.store(true, ordering: .sequentiallyConsistent)
        wakeSleepingWorkers()
    }

    /// Runs `function(context, item, lane)` for every item in 0..<items, shared between
    /// the caller (lane 0) and whichever workers are awake, and returns when all are done.
    /// Returns how many items the workers did. One run at a time.
    @discardableResult
    public func run(_ function: ItemFunction, context: UnsafeMutableRawPointer?, items: Int) -> Int {
        precondition(items <= WorkerLanes.maximumItems, "too many items for one run")
        guard items > 0 else { return 0 }
        shared.function = function
        shared.context = context
        shared.completed.store(0, ordering: .relaxed)
        let generation = (shared.claims.load(ordering: .relaxed) >> 32) &+ 1
        shared.claims.store(generation << 32 | UInt64(items), ordering: .sequentiallyConsistent)
        wakeSleepingWorkers()
        var mine = 0
        while let item = WorkerLanes.claim(shared, generation: generation) {
            function(context, item, 0)
            mine += 1
        }
        shared.completed.add(mine, ordering: .relaxed)
        // Only items a worker already claimed remain: they are running now.
        var spins = 0
        while shared.completed.load(ordering: .acquiring) < items {
            spins += 1
            if spins & 63 == 0 { sched_yield() }
        }
        shared.function = nil
        shared.context = nil
        return items - mine
    }

    /// The next item of run `generation`, or nil when all are claimed or the run is over.
    private static func claim(_ shared: Shared, generation: UInt64) -> Int? {
        var word = shared.claims.load(ordering: .acquiring)
        while true {
            let next = (word >> 16) & 0xffff, items = word & 0xffff
            guard word >> 32 == generation, next < items else { return nil }
            let (exchanged, original) = shared.claims.compareExchange(expected: word, desired: word &+ (1 << 16),
                                                                      ordering: .acquiringAndReleasing)
            if exchanged { return Int(next) }
            word = original
        }
    }

    private func wakeSleepingWorkers() {
        // Index loops: a for-in over an array allocates an iterator in debug builds.
        var worker = 0
        while worker < shared.workers.count {
            let w = shared.workers[worker]
            if w.sleeping.load(ordering: .sequentiallyConsistent) { w.wakeup.signal() }
            worker += 1
        }
    }

    private static func serve(lane: Int, _ shared: Shared) {
        let worker = shared.workers[lane - 1]
        var seen: UInt64 = 0
        var watch = false
        while !shared.stopping.load(ordering: .acquiring) {
            seen = awaitRun(after: seen, watching: watch, worker, shared)
            var done = 0
            while let item = claim(shared, generation: seen) {
                // The claim succeeded, so the run is still on and these are its own.
                shared.function?(shared.context, item, lane)
                done += 1
            }
            if done > 0 { shared.completed.add(done, ordering: .releasing) }
            watch = done > 0
        }
    }

    /// Waits until a run newer than `seen` is published (watching the word for a moment
    /// first if `watching`, then asleep on the worker's semaphore); returns its generation.
    private static func awaitRun(after seen: UInt64, watching: Bool, _ worker: Worker, _ shared: Shared) -> UInt64 {
        func current() -> UInt64 { shared.claims.load(ordering: .sequentiallyConsistent) >> 32 }
        if watching {
            let deadline = DispatchTime.now().uptimeNanoseconds + watchNanoseconds
            var spins = 0
            while current() == seen {
                spins += 1
                if spins & 255 == 0 {
                    if DispatchTime.now().uptimeNanoseconds > deadline { break }
                    sched_yield()
                }
            }
        }
        while current() == seen, !shared.stopping.load(ordering: .sequentiallyConsistent) {
            // Announce the sleep, then look once more: a run published in between either
            // sees the flag and signals, or is seen here.
            worker.sleeping.store(true, ordering: .sequentiallyConsistent)
            if current() == seen, !shared.stopping.load(ordering: .sequentiallyConsistent) { worker.wakeup.wait() }
            worker.sleeping.store(false, ordering: .sequentiallyConsistent)
        }
        return current()
    }
}
