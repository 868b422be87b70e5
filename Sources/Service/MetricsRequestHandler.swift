// Last in each metrics connection's pipeline: answers one request (GET /metrics with the
// scrape, anything else 404 or 405) and closes the connection after the answer, so a
// connection never holds more than one request's worth of state.
//
// Ownership: the connection's event loop (the metrics thread).
import NIOCore
import NIOHTTP1

final class MetricsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let requestGuard: MetricsRequestGuard
    private let tracker: MetricsConnectionTracker
    private let scraper: MetricsScraper
    private var head: HTTPRequestHead?
    private var answered = false

    init(requestGuard: MetricsRequestGuard, tracker: MetricsConnectionTracker, scraper: MetricsScraper) {
        self.requestGuard = requestGuard
        self.tracker = tracker
        self.scraper = scraper
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            if head == nil { head = h }
        case .body:
            break
        case .end:
            guard let head, !answered else { return }
            answered = true
            tracker.startAnswering(context.channel)
            requestGuard.requestCompleted()
            answer(head, context: context)
        }
    }

    /// A decoder error while connected is a malformed request; the decoder also complains
    /// when a connection closes mid-request (the guard's cut-offs), which is no news.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard context.channel.isActive else { return }
        guard !answered else { context.close(promise: nil); return }
        answered = true
        tracker.count(\.malformed)
        if error is HTTPParserError, context.channel.isActive {
            write(.text(400, "malformed request\n"), version: .http1_1, context: context)
        } else {
            context.close(promise: nil)
        }
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
        guard path == MetricsServer.path else {
            write(.text(404, "not found; metrics are at \(MetricsServer.path)\n"), version: head.version, context: context)
            return
        }
        guard head.method == .GET else {
            write(.text(405, "only GET\n"), version: head.version, context: context, allow: "GET")
            return
        }
        scraper.response(on: context.eventLoop).assumeIsolated().whenComplete { [self] result in
            let response = (try? result.get()) ?? .text(500, "the scrape failed\n")
            write(response, version: head.version, context: context)
        }
    }

    private func write(_ response: MetricsResponse, version: HTTPVersion, context: ChannelHandlerContext,
                       allow: String? = nil) {
        guard context.channel.isActive else { return }
        var body = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        body.writeString(response.body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "close")
        if let allow { headers.add(name: "Allow", value: allow) }
        tracker.count(\.answered)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers))),
                      promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
