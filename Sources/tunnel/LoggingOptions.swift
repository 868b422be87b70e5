import ArgumentParser
import Tunnel
import Service

/// `--log-level`, shared by the commands that run a tunnel.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard TunnelLogging.level(named: logLevel) != nil else {
            throw ValidationFailure("unknown log level '\(logLevel)' (use trace, debug, info, notice, warning, error or critical)")
        }
    }

    /// Logs go to standard error from here on.
    func bootstrap() {
        TunnelLogging.bootstrap(level: TunnelLogging.level(named: logLevel) ?? .info)
    }
}
