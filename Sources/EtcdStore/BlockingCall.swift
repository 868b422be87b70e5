// The CLI and the server's housekeeping queues are synchronous; the etcd client is
// async. This waits for one async call on the calling thread. The call runs on the
// cooperative pool and the etcd client's own thread, never on the waiting one, so the
// wait cannot deadlock.
import Dispatch

enum BlockingCall {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Outcome<T>()
        Task {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            box.done.signal()
        }
        box.done.wait()
        // The semaphore orders the write before this read.
        return try box.result!.get()
    }

    private final class Outcome<T: Sendable>: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var result: Result<T, Error>?
    }
}
