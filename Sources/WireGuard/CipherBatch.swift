// Cipher work the device set aside during one batch of packets, so it can run on several
// cores at once. The device decides everything else (routing, counters, replay checks,
// timers) on its own queue as each packet comes; only ChaCha20-Poly1305 waits here. The
// jobs are cut into items of a few jobs each, which the lanes claim one at a time: each
// job touches its own buffer and the claiming lane's own contexts, so lanes never share
// memory they write. Results are read back in the order the jobs came, which keeps every
// peer's packets in order. Allocated once; appending, running and finishing allocate
// nothing.
final class CipherBatch<Job: CipherJob>: LaneWork {
    /// Below this many bytes a batch runs on the caller's thread: waking another thread
    /// costs more than it saves (about 10 full-sized packets; a ping never pays for it).
    static var parallelThreshold: Int { 16 * 1024 }
    /// Jobs in one item: about 10 us of cipher work for full-sized packets, so claiming
    /// costs little and a late lane still finds work.
    static var jobsPerItem: Int { 8 }

    let capacity: Int
    private let jobs: UnsafeMutablePointer<Job>
    private let succeeded: UnsafeMutablePointer<Bool>
    private(set) var count = 0
    private var bytes = 0
    /// Batches that other lanes than the caller's helped with, for the operator's counters.
    private(set) var sharedRuns: UInt64 = 0

    init(capacity: Int) {
        self.capacity = capacity
        jobs = .allocate(capacity: capacity)
        succeeded = .allocate(capacity: capacity)
    }

    deinit {
        jobs.deinitialize(count: count)
        jobs.deallocate()
        succeeded.deallocate()
    }

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == capacity }

    func append(_ job: Job) {
        precondition(count < capacity, "a full CipherBatch must be finished before more is added")
        (jobs + count).initialize(to: job)
        count += 1
        bytes += job.byteCount
    }

    /// Runs every job, spread over `lanes` when there is enough work to share.
    func perform(on lanes: CipherLanes?) {
        guard count > 0 else { return }
        if let lanes, lanes.count > 1, count > Self.jobsPerItem, bytes >= Self.parallelThreshold {
            let items = (count + Self.jobsPerItem - 1) / Self.jobsPerItem
            if lanes.run(LaneWork.performItem, context: Unmanaged.passUnretained(self).toOpaque(), items: items) > 0 {
                sharedRuns &+= 1
            }
        } else {
            performJobs(0..<count, lane: 0)
        }
    }

    /// Hands each job and whether its work succeeded to `body`, in the order they came,
    /// then empties the batch. `perform` must have run.
    func finish(_ body: (Job, Bool) -> Void) {
        let finished = count
        for i in 0..<finished { body(jobs[i], succeeded[i]) }
        precondition(count == finished, "jobs were added to a CipherBatch while it was finishing")
        jobs.deinitialize(count: finished)
        count = 0
        bytes = 0
    }

    override func performItem(_ item: Int, lane: Int) {
        let first = item * Self.jobsPerItem
        performJobs(first..<min(first + Self.jobsPerItem, count), lane: lane)
    }

    private func performJobs(_ range: Range<Int>, lane: Int) {
        var i = range.lowerBound
        while i < range.upperBound {
            succeeded[i] = jobs[i].perform(lane: lane)
            i += 1
        }
    }
}
