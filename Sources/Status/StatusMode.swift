// `tunnel status`: reads the control socket of every running tunnel (or one), and prints
// the report for a person (colour on a terminal), as JSON or for Prometheus, once or
// every second.
// The edge of the status feature: sockets, the clock, the terminal; the formatting itself
// is pure (StatusReport, StatusTextRenderer, StatusJSONRenderer).
import Control
import Foundation
import Reactor

public enum StatusMode {
    static let clearScreen = "\u{1B}[H\u{1B}[2J"

    /// Runs the command; returns the exit status (0, or 1 with the reason on stderr).
    public static func run(_ options: StatusOptions) -> Int32 {
        guard geteuid() == 0 else { return fail(StatusError.notRoot(directory: options.directory)) }
        guard options.watch else {
            do {
                write(try render(options))
                return 0
            } catch {
                return fail(error)
            }
        }
        watch(options)
    }

    /// Reads and renders once; throws StatusError.
    public static func render(_ options: StatusOptions) throws -> String {
        let report = try read(options)
        if options.json { return StatusJSONRenderer.render(report) }
        if options.prometheus { return PrometheusRenderer.render(report) }
        return StatusTextRenderer(style: isatty(STDOUT_FILENO) != 0 ? .terminal : .plain).render(report)
    }

    /// The report of every tunnel asked for. Of all running tunnels, one that stops
    /// answering between listing and reading is skipped with a warning.
    public static func read(_ options: StatusOptions) throws -> StatusReport {
        let names = options.interface.map { [$0] } ?? UAPIClient.runningInterfaces(directory: options.directory)
        guard !names.isEmpty else { throw StatusError.noTunnelRunning }
        var interfaces: [InterfaceStatus] = []
        for name in names {
            do {
                let client = try UAPIClient(interface: name, directory: options.directory)
                // Prometheus output needs no secret (text and JSON show whether a peer has a
                // preshared key, which `get=public` leaves out).
                let snapshot = try options.prometheus ? client.getPublicFallingBack() : client.getWithTunnelInfo()
                interfaces.append(InterfaceStatus(interface: name, snapshot: snapshot))
            } catch let error as UAPIClientError {
                if options.interface != nil { throw StatusError.unreadable(error) }
                warn("\(name): \(error)")
            }
        }
        guard !interfaces.isEmpty else { throw StatusError.noTunnelRunning }
        return StatusReport(time: Int64(SystemClock.wallClock().seconds), interfaces: interfaces)
    }

    /// Prints every interval until SIGINT (exit 0); on a terminal the screen is cleared
    /// first. A tunnel that goes away is reported in place, and watching goes on.
    private static func watch(_ options: StatusOptions) -> Never {
        signal(SIGINT) { _ in _exit(0) }
        let terminal = isatty(STDOUT_FILENO) != 0
        while true {
            var text: String
            do { text = try render(options) } catch { text = "\(error)\n" }
            write((terminal ? clearScreen : "") + text)
            sleep(options.intervalSeconds)
        }
    }

    private static func fail(_ error: Error) -> Int32 {
        warn("\(error)")
        return 1
    }

    private static func warn(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    private static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
