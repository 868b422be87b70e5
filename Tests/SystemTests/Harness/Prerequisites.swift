// System-test prerequisites: root and the probing tools. What a missing one does (skip,
// or fail under CI) is TestSupport's Prerequisite's decision.
import Foundation
@_exported import TestSupport
import XCTest

enum SystemTestEnvironment {

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
    throw Prerequisite.missing("system test needs: " + missing.joined(separator: ", "))
}
