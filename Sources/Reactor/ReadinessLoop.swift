// The reactor's readers: one thread of its own waits in epoll for the data path's file
// descriptors and runs their handlers on the reactor's queue with `sync`.
//
// Why not Dispatch read sources: with those, the kernel wakes libdispatch's manager
// thread, which re-arms the descriptor and then wakes a worker thread to run the
// handler. A lone packet pays two thread wake-ups at every read, four of them on a
// ping's round trip through a client and a server, and a wake-up of an idle vCPU costs
// tens to hundreds of microseconds. Here the kernel wakes this thread, and `sync` on the
// idle serial queue runs the handlers right on it: one wake-up, no re-arming syscall.
// When the queue is busy (a timer, a control request), `sync` waits its turn, so the
// handlers still never run beside anything else the queue owns.
//
// Level-triggered: a handler that leaves data unread (a bounded batch) is called again
// at once, after the other ready descriptors had their turn.
import CShims
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

final class ReadinessLoop: @unchecked Sendable {
    /// Descriptors reported by one epoll_wait at most; more wait for the next round.
    static let eventsPerWait = 16

    private let queue: DispatchQueue
    private let epollFD: Int32
    /// Written to end the wait when the loop stops.
    private let stopFD: Int32
    /// Readers by registration slot (epoll's data word). Owned by `queue`: written there,
    /// and read only inside the loop's `sync` on it.
    private var readers: [Reader?] = []

    /// A handler in a class of its own: a closure kept in an array directly is stored
    /// re-abstracted, and every call through it would allocate a thunk.
    private final class Reader {
        let handler: () -> Void
        init(_ handler: @escaping () -> Void) { self.handler = handler }
    }
    /// Set on `queue` by `stop`; read there (no handler runs after it) and by the thread
    /// between waits.
    private let stopped = Atomic<Bool>(false)
    private var thread: pthread_t?
    /// Signalled when the thread has returned. The program needs only `stopped`; this is
    /// how a test shows that no handler can run any more, rather than waiting to see none.
    private let ended = DispatchSemaphore(value: 0)

    /// Fails only when the kernel refuses an epoll or eventfd descriptor.
    init(queue: DispatchQueue) throws(ReactorError) {
        self.queue = queue
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw .syscallFailed("epoll_create1", errno) }
        stopFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard stopFD >= 0 else {
            let code = errno
            close(epollFD)
            throw .syscallFailed("eventfd", code)
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = UInt64.max
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, stopFD, &event) == 0 else {
            let code = errno
            close(stopFD)
            close(epollFD)
            throw .syscallFailed("epoll_ctl", code)
        }
    }

    /// Calls `handler` on the queue whenever `fd` is readable. Call on the queue, or before
    /// anything runs on it.
    func add(fd: Int32, _ handler: @escaping () -> Void) throws(ReactorError) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = UInt64(readers.count)
        readers.append(Reader(handler))
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
            readers[readers.count - 1] = nil
            throw .syscallFailed("epoll_ctl", errno)
        }
        if thread == nil { try startThread() }
    }

    /// Runs no handler from now on and ends the thread. Call on the queue.
    func stop() {
        guard !stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        readers.removeAll()
        var one: UInt64 = 1
        _ = write(stopFD, &one, MemoryLayout<UInt64>.size)
        // The thread closes both descriptors when it ends; without a thread they are ours.
        if thread == nil {
            close(stopFD)
            close(epollFD)
        }
    }

    /// True once the thread has ended (or when there never was one), false at the
    /// deadline. Call after `stop`, off the queue.
    func waitUntilEnded(deadline: DispatchTime) -> Bool {
        guard thread != nil else { return true }
        guard ended.wait(timeout: deadline) == .success else { return false }
        ended.signal()
        return true
    }

    private func startThread() throws(ReactorError) {
        let context = Unmanaged.passRetained(self).toOpaque()
        var id = pthread_t()
        let result = pthread_create(&id, nil, { context in
            let loop = Unmanaged<ReadinessLoop>.fromOpaque(context!).takeRetainedValue()
            loop.run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<ReadinessLoop>.fromOpaque(context).release()
            throw .syscallFailed("pthread_create", result)
        }
        pthread_detach(id)
        thread = id
    }

    private func run() {
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: ReadinessLoop.eventsPerWait)
        var ready = 0
        // One work item, run again at every wake-up: `sync` with a closure allocates
        // twice per call, a work item nothing.
        let handleReady = DispatchWorkItem { [unowned self] in self.dispatch(events, count: ready) }
        defer {
            events.deallocate()
            close(stopFD)
            close(epollFD)
            ended.signal()
        }
        while !stopped.load(ordering: .acquiring) {
            let count = epoll_wait(epollFD, events, Int32(ReadinessLoop.eventsPerWait), -1)
            guard count > 0 else {
                if count < 0, errno != EINTR { return }
                continue
            }
            ready = Int(count)
            queue.sync(execute: handleReady)
        }
    }

    /// On the queue: the handlers of the ready descriptors, each once.
    private func dispatch(_ events: UnsafeMutablePointer<epoll_event>, count: Int) {
        var i = 0
        while i < count, !stopped.load(ordering: .relaxed) {
            let slot = events[i].data.u64
            if slot < UInt64(readers.count), let reader = readers[Int(slot)] { reader.handler() }
            i += 1
        }
    }
}
