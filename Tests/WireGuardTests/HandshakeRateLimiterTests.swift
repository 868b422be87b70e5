import Addresses
import XCTest
@testable import WireGuard

final class HandshakeRateLimiterTests: XCTestCase {
    let second = ProtocolConstants.nanosecondsPerSecond

    func testTokenBucketGivesTheBurstThenTheRate() {
        var bucket = TokenBucket(perSecond: 20, burst: 5, now: 0)
        XCTAssertEqual((0..<10).filter { _ in bucket.take(now: 0) }.count, 5, "a full bucket holds the burst")
        XCTAssertFalse(bucket.take(now: second / 20 - 1), "not yet a twentieth of a second")
        XCTAssertTrue(bucket.take(now: second / 20))
        // Then one a twentieth of a second, and never two at the same instant.
        for step in UInt64(2)...200 {
            let t = step * second / 20
            XCTAssertTrue(bucket.take(now: t), "step \(step)")
            XCTAssertFalse(bucket.take(now: t), "step \(step)")
        }
        XCTAssertFalse(bucket.isFull(now: 10 * second + second / 4 - 1), "five tokens take a quarter second")
        XCTAssertTrue(bucket.isFull(now: 10 * second + second / 4))
    }

    func testOneSourceIsLimitedOthersAreNot() {
        var limiter = HandshakeRateLimiter()
        let attacker = IPAddress.v4(IPv4Address(192, 0, 2, 66))
        let other = IPAddress.v4(IPv4Address(192, 0, 2, 67))
        let allowed = (0..<1000).filter { _ in limiter.allow(attacker, now: 0) }.count
        XCTAssertEqual(allowed, Int(HandshakeRateLimiter.burst))
        XCTAssertTrue(limiter.allow(other, now: 0), "another address has its own bucket")
        XCTAssertEqual(limiter.trackedSources, 2)
    }

    func testIPv6IsLimitedPerSlash64() throws {
        var limiter = HandshakeRateLimiter()
        // Every address of one /64 shares a bucket; the next /64 has its own.
        let sameNet = try (1...10).map { try XCTUnwrap(IPAddress("2001:db8:1:2::\($0)")) }
        let allowed = sameNet.flatMap { a in (0..<2).map { _ in limiter.allow(a, now: 0) } }.filter { $0 }.count
        XCTAssertEqual(allowed, Int(HandshakeRateLimiter.burst))
        XCTAssertTrue(limiter.allow(try XCTUnwrap(IPAddress("2001:db8:1:3::1")), now: 0))
        // An IPv4-mapped address counts as its IPv4 address.
        let mapped = try XCTUnwrap(IPAddress("::ffff:192.0.2.9"))
        let v4 = IPAddress.v4(IPv4Address(192, 0, 2, 9))
        XCTAssertEqual((0..<5).filter { _ in limiter.allow(mapped, now: 0) }.count, 5)
        XCTAssertFalse(limiter.allow(v4, now: 0), "the same host either way")
    }

    func testTheTableIsBoundedAndGarbageCollectionFreesIt() {
        var limiter = HandshakeRateLimiter(capacity: 100)
        for i in 0..<100 { XCTAssertTrue(limiter.allow(.v4(IPv4Address(0xC633_6400 + UInt32(i))), now: 0)) }
        let newcomer = IPAddress.v4(IPv4Address(203, 0, 113, 1))
        XCTAssertFalse(limiter.allow(newcomer, now: 0), "a full table refuses new sources")
        limiter.collectGarbage(now: second / 1000)
        XCTAssertEqual(limiter.trackedSources, 100, "buckets still refilling are kept")
        limiter.collectGarbage(now: 2 * second)
        XCTAssertEqual(limiter.trackedSources, 0, "refilled buckets are forgotten")
        XCTAssertTrue(limiter.allow(newcomer, now: 2 * second))
    }
}

/// The limiter in the device: a source that holds a valid cookie and replays initiations
/// under load costs at most the burst, then its rate; everything else is counted.
final class DeviceUnderLoadTests: XCTestCase {
    /// A's initiation, with MAC2 from the cookie B handed out under load.
    private func initiationWithCookie(_ pair: DevicePair) throws -> [UInt8] {
        pair.b.forceUnderLoad = true
        pair.send(pair.a, DevicePair.ipv4Packet(from: DevicePair.tunnelA, to: DevicePair.tunnelB, payload: [1]))
        pair.pump()
        XCTAssertTrue(pair.peerOfA.cookie.hasCookie, "B answered with a cookie")
        pair.advance(seconds: 5.5)  // the retransmit carries MAC2, and B accepts it
        XCTAssertTrue(pair.peerOfA.hasSession)
        // The next retransmit-style initiation, captured instead of delivered.
        pair.linkUp = false
        pair.peerOfA.timers.stop()
        pair.a.sendInitiation(to: pair.peerOfA, now: pair.now, isRetry: true)
        return try XCTUnwrap(pair.outA.datagrams.last?.bytes)
    }

    func testReplayedInitiationsFromOneSourceAreRateLimited() throws {
        let pair = DevicePair()
        let initiation = try initiationWithCookie(pair)
        pair.now += ProtocolConstants.nanosecondsPerSecond  // A's bucket is full again
        let dropsBefore = pair.b.drops
        let receivedBefore = pair.peerOfB.handshakesReceived
        for _ in 0..<1000 { pair.receive(pair.b, initiation, from: DevicePair.endpointA) }
        let processed = pair.peerOfB.handshakesReceived - receivedBefore
        let failed = pair.b.drops[.handshakeFailed] - dropsBefore[.handshakeFailed]
        let limited = pair.b.drops[.handshakeRateLimited] - dropsBefore[.handshakeRateLimited]
        XCTAssertEqual(processed + failed, HandshakeRateLimiter.burst, "only the burst reached the Diffie-Hellman")
        XCTAssertEqual(limited, 1000 - HandshakeRateLimiter.burst, "the rest were counted as rate-limited")
    }

    func testTheDeviceBudgetBoundsManySourcesTogether() throws {
        let pair = DevicePair()
        let initiation = try initiationWithCookie(pair)
        pair.now += ProtocolConstants.nanosecondsPerSecond  // every bucket full again
        let before = pair.b.drops
        // Valid MAC2 needs the cookie of each source; with the cookie bound to A's address,
        // other sources only get cookie replies, which the reply budget bounds.
        for i in 0..<20_000 {
            let source = Endpoint(address: .v4(IPv4Address(0xC000_0200 + UInt32(i % 250) + 1)), port: UInt16(1000 + i % 60_000))
            pair.receive(pair.b, initiation, from: source)
        }
        let intake = pair.b.configuration.handshakeIntakePerSecond / 10
        let budget = pair.b.configuration.cookieReplyBudgetPerSecond / 10
        let replies = UInt64(pair.outB.datagrams.filter { $0.bytes.first == 3 }.count)
        XCTAssertEqual(pair.b.drops[.handshakeOverload] - before[.handshakeOverload], 20_000 - intake,
                       "past the intake burst, messages are dropped unread")
        XCTAssertEqual(replies, budget, "a burst of cookie replies, then nothing within the same instant")
        XCTAssertEqual(pair.b.drops[.handshakeBudgetSpent] - before[.handshakeBudgetSpent], intake - budget)
        XCTAssertEqual(pair.b.cookieRepliesSent, budget + 1, "and the one that gave A its cookie")
    }
}
