// Log lines for journald: syslog priority prefix per level, no timestamp, one line, and
// the check of $JOURNAL_STREAM against standard error's device and inode.
import Logging
import XCTest
@testable import Service

final class JournalLogHandlerTests: XCTestCase {
    func testLinesCarryThePriorityAndNoTimestamp() {
        let expected: [(Logger.Level, String)] = [(.trace, "<7>"), (.debug, "<7>"), (.info, "<6>"), (.notice, "<5>"),
                                                  (.warning, "<4>"), (.error, "<3>"), (.critical, "<2>")]
        for (level, prefix) in expected {
            XCTAssertEqual(JournalLogHandler.line(level: level, label: "tunnel.server", message: "hello", metadata: [:]),
                           "\(prefix)tunnel.server: hello\n")
        }
        XCTAssertEqual(JournalLogHandler.line(level: .info, label: "t", message: "two\nlines", metadata: ["b": "2", "a": "1"]),
                       "<6>t: two lines a=1 b=2\n")
    }

    func testJournalStreamMustNameStandardError() {
        XCTAssertTrue(JournalLogHandler.matches("8:12345", device: 8, inode: 12345))
        XCTAssertFalse(JournalLogHandler.matches("8:12346", device: 8, inode: 12345))
        XCTAssertFalse(JournalLogHandler.matches("8", device: 8, inode: 12345))
        XCTAssertFalse(JournalLogHandler.matches("x:y", device: 8, inode: 12345))
        XCTAssertFalse(JournalLogHandler.standardErrorIsJournal(environment: [:]))
        XCTAssertFalse(JournalLogHandler.standardErrorIsJournal(environment: ["JOURNAL_STREAM": "0:0"]))
    }
}
