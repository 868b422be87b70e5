// One answer of the metrics endpoint, built off the event loop by a scrape.
struct MetricsResponse: Sendable {
    /// The HTTP status code.
    var status: Int
    var contentType: String
    var body: String

    static func text(_ status: Int, _ body: String) -> MetricsResponse {
        MetricsResponse(status: status, contentType: "text/plain; charset=utf-8", body: body)
    }
}
