// Running probe commands (ip, ping, iperf3, wg, ...) for system tests.
import Foundation
import XCTest

struct CommandFailed: Error, CustomStringConvertible {
    let command: [String]
    let status: Int32
    let output: String
    var description: String {
        "`\(command.joined(separator: " "))` exited \(status): \(output.suffix(2000))"
    }
}

struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum Command {
    /// Runs a command to completion, with a time limit so a hung probe cannot hang the suite.
    @discardableResult
    static func run(_ argv: [String], timeout: TimeInterval = 120, environment: [String: String]? = nil,
                    input: String? = nil) throws -> CommandResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: SystemTestEnvironment.toolPath(argv[0]) ?? argv[0])
        p.arguments = Array(argv.dropFirst())
        if let environment {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let inPipe = Pipe()
        p.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        let outData = OutputSink(), errData = OutputSink()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outData.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        // Waits for the exit itself (a poll every 10 ms added 5 ms to every command on
        // average, and to every figure timed around one, such as `tunnel status`).
        let exited = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in exited.signal() }
        try p.run()
        if let input {
            inPipe.fileHandleForWriting.write(input.data(using: .utf8)!)
            try? inPipe.fileHandleForWriting.close()
        }
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(p.processIdentifier, SIGKILL)
        }
        p.waitUntilExit()
        group.wait()
        return CommandResult(status: p.terminationStatus,
                             stdout: String(decoding: outData.data, as: UTF8.self),
                             stderr: String(decoding: errData.data, as: UTF8.self))
    }

    /// Runs a command that must succeed; returns its stdout.
    @discardableResult
    static func check(_ argv: [String], timeout: TimeInterval = 120, environment: [String: String]? = nil,
                      input: String? = nil) throws -> String {
        let r = try run(argv, timeout: timeout, environment: environment, input: input)
        guard r.status == 0 else {
            throw CommandFailed(command: argv, status: r.status, output: r.stdout + r.stderr)
        }
        return r.stdout
    }
}

/// Collects one pipe's output on a reader thread; read only after the group is done.
private final class OutputSink: @unchecked Sendable {
    var data = Data()
}

/// A command that failed as the house rules ask: exit status 1 and one line on standard
/// error, which names `mentions`.
func assertOneLineFailure(_ r: CommandResult, mentions: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
    let message = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
    XCTAssertEqual(message.split(separator: "\n").count, 1, message, file: file, line: line)
    XCTAssertTrue(message.contains(mentions), message, file: file, line: line)
}
