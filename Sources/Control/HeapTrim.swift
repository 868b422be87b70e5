// A `get` of a large device builds and frees a snapshot of every peer on the control
// queue's thread. glibc keeps freed pages in that thread's arena, so each large answer
// left the server's resident memory higher: 52 MB at start grew past 100 MB after a few
// `tunnel status` of 10,000 peers. Trimming after a large answer hands them back.
import CShims

enum HeapTrim {
    /// Answers at least this large (a few hundred peers) are followed by a trim; it costs
    /// about a millisecond, against the tens an answer that size takes to build.
    static let thresholdBytes = 256 * 1024

    static func afterAnswer(ofBytes count: Int) {
        guard count >= thresholdBytes else { return }
        _ = tunnel_heap_trim()
    }
}
