// First in each metrics connection's pipeline, before the HTTP decoder: closes the
// connection once it has sent more than `maxRequestBytes` (so no header line, however
// long, costs more than one read) or when its deadline passes (request deadline from
// accept, then the response deadline once the request is complete).
//
// Ownership: the connection's event loop (the metrics thread).
import NIOCore

final class MetricsRequestGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let limits: MetricsLimits
    private let tracker: MetricsConnectionTracker
    private var received = 0
    private var deadline: Scheduled<Void>?
    private var closing = false
    /// Set while the handler is in the pipeline; MetricsRequestHandler reaches the guard
    /// through `requestCompleted` without a context of its own.
    private var context: ChannelHandlerContext?

    init(limits: MetricsLimits, tracker: MetricsConnectionTracker) {
        self.limits = limits
        self.tracker = tracker
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { armDeadline(context: context, after: limits.requestTimeoutSeconds) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if deadline == nil { armDeadline(context: context, after: limits.requestTimeoutSeconds) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        received += unwrapInboundIn(data).readableBytes
        guard received <= limits.maxRequestBytes else {
            close(context: context, counting: \.closedOversized)
            return
        }
        context.fireChannelRead(data)
    }

    /// Called by MetricsRequestHandler when the request is complete.
    func requestCompleted() {
        guard let context, !closing else { return }
        armDeadline(context: context, after: limits.responseTimeoutSeconds)
    }

    private func armDeadline(context: ChannelHandlerContext, after seconds: Double) {
        deadline?.cancel()
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) { [self] in
            close(context: context, counting: \.closedAtDeadline)
        }
    }

    private func close(context: ChannelHandlerContext, counting event: WritableKeyPath<MetricsServerStats, Int>) {
        guard !closing else { return }
        closing = true
        tracker.count(event)
        context.close(promise: nil)
    }
}
