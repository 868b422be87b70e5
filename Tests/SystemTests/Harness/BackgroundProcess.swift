// A process a test starts in a namespace (a tunnel, wireguard-go, iperf3 -s, a web server).
// Its output goes to a log file that the test can read, and shows up when a test fails.
import Foundation

final class BackgroundProcess {
    let name: String
    let process = Process()
    let logURL: URL

    init(name: String, argv: [String], logDirectory: URL, environment: [String: String]? = nil) throws {
        self.name = name
        logURL = logDirectory.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.executableURL = URL(fileURLWithPath: SystemTestEnvironment.toolPath(argv[0]) ?? argv[0])
        process.arguments = Array(argv.dropFirst())
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) {
        if process.isRunning { kill(process.processIdentifier, sig) }
    }

    /// Waits for exit up to `timeout`; returns the exit status, or nil if still running.
    @discardableResult
    func wait(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it does not go within `grace` seconds.
    func stop(grace: TimeInterval = 5) {
        guard process.isRunning else { return }
        signal(SIGTERM)
        if wait(timeout: grace) == nil {
            signal(SIGKILL)
            _ = wait(timeout: 5)
        }
    }
}
