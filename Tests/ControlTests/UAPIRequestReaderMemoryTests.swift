// What a connection holds while a request is incomplete stays near the request byte limit,
// however the bytes are cut into lines: a megabyte of two-byte lines must not become tens
// of megabytes of per-line arrays (64 connections may each hold one).
import XCTest
@testable import Control
#if canImport(Glibc)
import Glibc
#endif

final class UAPIRequestReaderMemoryTests: XCTestCase {
    /// Heap bytes in use, from glibc's malloc_info report (system bytes minus free chunks).
    /// malloc.h is not in the Glibc module, so the function is looked up by name.
    private func heapBytesInUse() -> Int? {
        typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_info") else { return nil }
        let mallocInfo = unsafeBitCast(symbol, to: MallocInfo.self)
        var text: UnsafeMutablePointer<CChar>?
        var length = 0
        guard let stream = open_memstream(&text, &length) else { return nil }
        _ = mallocInfo(0, stream)
        fclose(stream)
        defer { free(text) }
        guard let text else { return nil }
        // The totals come last, after the per-arena reports.
        let lines = String(cString: text).split(separator: "\n").reversed()
        func total(of prefix: String) -> Int? {
            guard let line = lines.first(where: { $0.contains(prefix) }),
                  let range = line.range(of: "size=\"") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        guard let system = total(of: "<system type=\"current\""), let fast = total(of: "<total type=\"fast\""),
              let rest = total(of: "<total type=\"rest\""), let mmap = total(of: "<total type=\"mmap\"") else { return nil }
        return system + mmap - fast - rest
    }

    func testManyShortLinesCostAboutTheirBytes() {
        let limit = UAPILimits.standard.maxRequestBytes
        var text = Array("set=1\n".utf8)
        while text.count + 2 <= limit - 16 { text += [UInt8(ascii: "a"), UInt8(ascii: "\n")] }
        var reader = UAPIRequestReader()
        guard let before = heapBytesInUse() else { return XCTFail("malloc_info unavailable") }
        reader.append(text)
        XCTAssertNil(reader.next(), "the request is not finished")
        guard let after = heapBytesInUse() else { return XCTFail("malloc_info unavailable") }
        let held = after - before
        XCTAssertFalse(reader.hasFailed)
        XCTAssertLessThan(held, 3 * limit, "bytes held for \(text.count) bytes of unfinished request")
        // Finishing it still yields every line.
        reader.append(Array("\n".utf8))
        guard case .request(let lines) = reader.next() else { return XCTFail("no request") }
        XCTAssertEqual(lines.count, 1 + (text.count - 6) / 2)
        XCTAssertEqual(lines.first, Array("set=1".utf8))
        XCTAssertEqual(lines.last, [UInt8(ascii: "a")])
        XCTAssertEqual(reader.pendingByteCount, 0)
    }
}
