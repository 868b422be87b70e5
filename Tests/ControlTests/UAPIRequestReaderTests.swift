// Framing: requests end at an empty line however the bytes are split; limits and garbage
// are reported at once.
import XCTest
@testable import Control

final class UAPIRequestReaderTests: XCTestCase {
    private let small = UAPILimits(maxLineBytes: 100, maxRequestBytes: 1000, maxConnections: 4,
                                   requestDeadlineSeconds: 1, pollIntervalSeconds: 1)

    private func events(_ chunks: [String], limits: UAPILimits = .standard) -> [UAPIRequestReader.Event] {
        var reader = UAPIRequestReader(limits: limits)
        var out: [UAPIRequestReader.Event] = []
        for chunk in chunks {
            reader.append(Array(chunk.utf8))
            while let e = reader.next() {
                out.append(e)
                if case .fatal = e { return out }
            }
        }
        return out
    }

    private func lines(_ text: String...) -> UAPIRequestReader.Event { .request(text.map { Array($0.utf8) }) }

    func testWholeAndSplitRequestsGiveTheSameLines() {
        let whole = events(["set=1\nlisten_port=1\n\n"])
        XCTAssertEqual(whole, [lines("set=1", "listen_port=1")])
        let split = events(["se", "t=1\nlis", "ten_port=1\n", "\n"])
        XCTAssertEqual(split, whole)
    }

    func testPipelinedRequests() {
        XCTAssertEqual(events(["get=1\n\nget=1\n\nset=1\n\n"]), [lines("get=1"), lines("get=1"), lines("set=1")])
    }

    func testIncompleteRequestWaits() {
        XCTAssertEqual(events(["get=1\n"]), [])
    }

    func testLongLineIsFatalBeforeItsNewline() {
        let e = events(["set=1\n" + String(repeating: "x", count: 101)], limits: small)
        guard case .fatal(let error)? = e.last else { return XCTFail("no fatal event") }
        XCTAssertEqual(error.errno, EMSGSIZE)
    }

    func testTooMuchInputIsFatal() {
        let many = String(repeating: "listen_port=1\n", count: 80)
        guard case .fatal(let error)? = events(["set=1\n" + many], limits: small).last else { return XCTFail("no fatal event") }
        XCTAssertEqual(error.errno, EMSGSIZE)
    }

    func testGarbageFirstLineIsFatal() {
        guard case .fatal(let error)? = events(["\u{7}\u{1}garbage\nmore\n\n"]).last else { return XCTFail("no fatal event") }
        XCTAssertEqual(error.errno, EPROTO)
        guard case .fatal(let e2)? = events(["get=2\n"]).last else { return XCTFail("no fatal event") }
        XCTAssertEqual(e2.errno, EPROTO)
        guard case .fatal(let e3)? = events(["\n"]).last else { return XCTFail("no fatal event") }
        XCTAssertEqual(e3.errno, EPROTO)
    }

    func testFailureIsSticky() {
        var reader = UAPIRequestReader(limits: small)
        reader.append(Array("nonsense\n".utf8))
        XCTAssertNotNil(reader.next())
        reader.append(Array("get=1\n\n".utf8))
        XCTAssertTrue(reader.hasFailed)
        guard case .fatal? = reader.next() else { return XCTFail("reader recovered from garbage") }
    }
}
