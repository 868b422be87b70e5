// A long-lived private key kept out of core dumps and wiped when released: its 32 bytes
// live in a page of their own from mmap, marked MADV_DONTDUMP (and locked against swap
// when RLIMIT_MEMLOCK allows), cleared with OPENSSL_cleanse before the page is unmapped.
// Used for the device's static key; the handshake hands OpenSSL the page itself, so the
// key is not copied into ordinary heap memory on the way. Short-lived keys (ephemerals)
// stay plain `Key`s.
//
// Immutable after init, so it may be shared between threads.
import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

public final class SecretKey: @unchecked Sendable, CustomStringConvertible, CustomReflectable {
    private let page: UnsafeMutableRawPointer
    private let pageSize: Int
    /// Whether the kernel accepted MADV_DONTDUMP for the page.
    public let isExcludedFromDumps: Bool

    public init(_ key: Key) {
        pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let mapped = mmap(nil, pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapped, mapped != MAP_FAILED else { fatalError("mmap of one page for a private key failed: errno \(errno)") }
        page = mapped
        isExcludedFromDumps = madvise(page, pageSize, MADV_DONTDUMP) == 0
        // Best effort: without CAP_IPC_LOCK the limit may be too small, and a swapped
        // page is still excluded from dumps.
        _ = mlock(page, pageSize)
        key.bytes.withUnsafeBytes { page.copyMemory(from: $0.baseAddress!, byteCount: Key.byteCount) }
    }

    deinit {
        OPENSSL_cleanse(page, pageSize)
        _ = munlock(page, pageSize)
        munmap(page, pageSize)
    }

    /// The raw 32 bytes, valid only inside `body`.
    public func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(start: page, count: Key.byteCount))
    }

    /// A copy as an ordinary `Key`, for the few places that hand the key on (the control
    /// socket's `get`); the copy is not protected.
    public var key: Key { Key(bytes: withUnsafeBytes { Array($0) }) }

    /// Constant-time comparison with `other`.
    public func equals(_ other: Key) -> Bool {
        withUnsafeBytes { mine in other.bytes.withUnsafeBytes { SecureMemory.equal(mine, $0) } }
    }

    /// The page's address, for tests that look the mapping up in /proc/self/smaps.
    var pageAddress: UInt { UInt(bitPattern: page) }

    /// Never the key: descriptions end up in logs.
    public var description: String { "SecretKey(…)" }
    public var customMirror: Mirror { Mirror(self, children: EmptyCollection<Mirror.Child>()) }
}
