// The one place that decides what a missing prerequisite (root, a tool, a kernel
// feature) does to a test: outside CI it skips the test, saying what is missing; under
// CI (any CI value but "", "false" or "0") it fails it, so CI never passes by skipping.
import Foundation
import XCTest

public enum Prerequisite {
    public static var isCI: Bool {
        let v = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !v.isEmpty && v != "false" && v != "0"
    }

    /// The error to throw for `what` missing: XCTSkip, or under CI a failure.
    public static func missing(_ what: String) -> Error {
        isCI ? MissingPrerequisite(description: what) : XCTSkip(what)
    }

    /// Throws `missing(what)` unless `condition` holds.
    public static func require(_ condition: Bool, _ what: @autoclosure () -> String) throws {
        if !condition { throw missing(what()) }
    }
}

public struct MissingPrerequisite: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}
