// EndpointFailover: three unanswered retries move a client to the server's next address,
// the last address leads to a new lookup, and an answered handshake keeps the address.
import Addresses
import DataPath
import WireGuard
import XCTest

final class EndpointFailoverTests: XCTestCase {
    private let a = Endpoint("192.0.2.1:51820")!, b = Endpoint("192.0.2.129:51820")!, c = Endpoint("198.51.100.9:51820")!
    private let retry = DeviceEvent.handshakeInitiationSent(peer: "server", retry: true)

    private func retries(_ failover: EndpointFailover, _ count: Int) -> [EndpointFailover.Action?] {
        (0..<count).map { _ in failover.handle(retry) }
    }

    func testUnansweredRetriesMoveToTheNextAddressThenAskForANewLookup() {
        let failover = EndpointFailover(candidates: [a, b])
        XCTAssertEqual(failover.current, a)
        XCTAssertNil(failover.handle(.handshakeInitiationSent(peer: "server", retry: false)), "a first try is no failure")
        XCTAssertEqual(retries(failover, 3), [nil, nil, .use(b)])
        XCTAssertEqual(failover.current, b)
        XCTAssertEqual(retries(failover, 3), [nil, nil, .resolveAgain])
        XCTAssertEqual(failover.refreshed([c, a]), c, "the lookup's first address, from the top")
        XCTAssertEqual(failover.candidates, [c, a])
        XCTAssertEqual(retries(failover, 3), [nil, nil, .use(a)])
    }

    func testAnAnsweredHandshakeKeepsTheAddress() {
        let failover = EndpointFailover(candidates: [a, b])
        XCTAssertEqual(retries(failover, 2), [nil, nil])
        XCTAssertNil(failover.handle(.sessionEstablished(peer: "server", asInitiator: true)))
        XCTAssertEqual(retries(failover, 2), [nil, nil], "the count starts again")
        XCTAssertEqual(failover.current, a)
    }

    func testAnEmptyLookupKeepsWhatThereWas() {
        let failover = EndpointFailover(candidates: [a])
        XCTAssertEqual(retries(failover, 3), [nil, nil, .resolveAgain], "one address: straight to a new lookup")
        XCTAssertNil(failover.refreshed([]))
        XCTAssertEqual(failover.candidates, [a])
    }
}
