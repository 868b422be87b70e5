// `--metrics ADDR:PORT`, shared by the commands that run a tunnel.
import Addresses
import ArgumentParser

struct MetricsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serve Prometheus metrics at http://ADDR:PORT/metrics (default: off). Bind it to 127.0.0.1 or a management address: it shows peers' public keys and traffic.",
                               valueName: "addr:port"))
    var metrics: String?

    func validate() throws { _ = try endpoint() }

    func endpoint() throws -> Endpoint? {
        guard let metrics else { return nil }
        guard let endpoint = Endpoint(metrics), endpoint.port != 0 else {
            throw ValidationFailure("--metrics '\(metrics)' is not ADDR:PORT (e.g. 127.0.0.1:9586 or [::1]:9586)")
        }
        return endpoint
    }
}
