// EndpointFailover: three unanswered initiations move a client to the server's next address
// when the fourth goes out, the last address leads to a new lookup, and an answered
// handshake keeps the address.
import Addresses
import DataPath
import WireGuard
import XCTest

final class EndpointFailoverTests: XCTestCase {
    private let a = Endpoint("192.0.2.1:51820")!, b = Endpoint("192.0.2.129:51820")!, c = Endpoint("198.51.100.9:51820")!
    private let retry = DeviceEvent.handshakeInitiationSent(peer: "server", retry: true)
    private let fresh = DeviceEvent.handshakeInitiationSent(peer: "server", retry: false)

    private func retries(_ failover: EndpointFailover, _ count: Int) -> [EndpointFailover.Action?] {
        (0..<count).map { _ in failover.handle(retry) }
    }

    func testUnansweredInitiationsMoveToTheNextAddressThenAskForANewLookup() {
        let failover = EndpointFailover(candidates: [a, b])
        XCTAssertEqual(failover.current, a)
        XCTAssertNil(failover.handle(fresh), "a first try is no failure")
        XCTAssertEqual(retries(failover, 3), [nil, nil, .use(b)], "the fourth initiation moves on")
        XCTAssertEqual(failover.current, b)
        // The caller resends at once to the new address: that one counts as its first.
        XCTAssertEqual(retries(failover, 4), [nil, nil, nil, .resolveAgain])
        XCTAssertEqual(failover.refreshed([c, a]), c, "the lookup's first address, from the top")
        XCTAssertEqual(failover.candidates, [c, a])
        XCTAssertEqual(retries(failover, 4), [nil, nil, nil, .use(a)])
    }

    /// A packet waiting for a session can start a fresh initiation ahead of the retransmit
    /// timer (CI saw one): it is still an unanswered attempt, and must not add a round.
    func testFreshInitiationsCountAsAttemptsToo() {
        let failover = EndpointFailover(candidates: [a, b])
        XCTAssertEqual([fresh, retry, fresh, retry].map { failover.handle($0) }, [nil, nil, nil, .use(b)])
    }

    func testAnAnsweredHandshakeKeepsTheAddress() {
        let failover = EndpointFailover(candidates: [a, b])
        XCTAssertEqual(retries(failover, 3), [nil, nil, nil])
        XCTAssertNil(failover.handle(.sessionEstablished(peer: "server", asInitiator: true)))
        XCTAssertEqual(retries(failover, 3), [nil, nil, nil], "the count starts again")
        XCTAssertEqual(failover.current, a)
    }

    func testAnEmptyLookupKeepsWhatThereWas() {
        let failover = EndpointFailover(candidates: [a])
        XCTAssertEqual(retries(failover, 4), [nil, nil, nil, .resolveAgain], "one address: straight to a new lookup")
        XCTAssertNil(failover.refreshed([]))
        XCTAssertEqual(failover.candidates, [a])
    }
}
