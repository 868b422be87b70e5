// Runs async code on one of the client's event loop threads. AsyncHTTPClient opens a new
// connection's socket on the thread that issued the request, so issuing every request from
// the client's own threads makes sockets open in the network namespace those threads were
// started in, not in whatever namespace a cooperative-pool thread happens to have.
import NIOCore

@available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *)
final class EventLoopTaskExecutor: TaskExecutor {
    private let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
