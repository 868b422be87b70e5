// The process is non-dumpable unless TUNNEL_DUMPABLE=1 asks otherwise (prctl, read back).
import XCTest
@testable import Service

final class CoreDumpPolicyTests: XCTestCase {
    override func tearDown() {
        CoreDumpPolicy.apply(environment: [CoreDumpPolicy.environmentVariable: "1"])
        super.tearDown()
    }

    func testNonDumpableUnlessAskedFor() {
        XCTAssertFalse(CoreDumpPolicy.apply(environment: [:]))
        XCTAssertFalse(CoreDumpPolicy.isDumpable)
        XCTAssertFalse(CoreDumpPolicy.apply(environment: ["TUNNEL_DUMPABLE": "yes"]), "only 1 switches it")
        XCTAssertTrue(CoreDumpPolicy.apply(environment: ["TUNNEL_DUMPABLE": "1"]))
        XCTAssertTrue(CoreDumpPolicy.isDumpable)
    }
}
