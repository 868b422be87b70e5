// System-test prerequisites: root and the probing tools. Outside CI a missing
// prerequisite skips the test; under CI=true it fails it, so CI never passes by skipping.
import Foundation
import XCTest

enum SystemTestEnvironment {
    static var isCI: Bool {
        let v = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !v.isEmpty && v != "false" && v != "0"
    }

    static func toolPath(_ tool: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin")
            .split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        return dirs.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The `tunnel` binary under test: $TUNNEL_BIN, else the release then debug build.
    static var tunnelBinary: String? {
        if let p = ProcessInfo.processInfo.environment["TUNNEL_BIN"], FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for config in ["release", "debug"] {
            let p = root.appendingPathComponent(".build/\(config)/tunnel").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}

struct MissingPrerequisite: Error, CustomStringConvertible {
    let description: String
}

/// Call first in every system test.
func requireSystemTestPrerequisites(tools: [String] = [], needsTunnelBinary: Bool = false) throws {
    var missing: [String] = []
    if geteuid() != 0 { missing.append("root") }
    for tool in ["ip"] + tools where SystemTestEnvironment.toolPath(tool) == nil {
        missing.append(tool)
    }
    if !FileManager.default.fileExists(atPath: "/dev/net/tun") { missing.append("/dev/net/tun") }
    if needsTunnelBinary && SystemTestEnvironment.tunnelBinary == nil {
        missing.append("the tunnel binary (run `make build` or set TUNNEL_BIN)")
    }
    guard !missing.isEmpty else { return }
    let message = "system test needs: " + missing.joined(separator: ", ")
    if SystemTestEnvironment.isCI { throw MissingPrerequisite(description: message) }
    throw XCTSkip(message)
}
