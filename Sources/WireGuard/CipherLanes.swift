// Where cipher work may run besides the device's own queue. The device stays
// single-threaded: it calls `run` and gets control back only when every item is done,
// so nothing it owns is ever touched by two threads at once.
public protocol CipherLanes: AnyObject {
    /// How many lanes `run` may use; each gets its own cipher contexts in every keypair.
    var count: Int { get }
    /// Calls `function(context, item, lane)` once for each item in 0..<items, the caller's
    /// thread as lane 0 and other threads as lanes 1..<count, no lane running two items at
    /// once; returns when every item is done, with how many lanes other than 0 did. A C
    /// function and a pointer rather than a closure: handing a closure to another thread
    /// allocates each time.
    @discardableResult
    func run(_ function: @convention(c) (UnsafeMutableRawPointer?, Int, Int) -> Void,
             context: UnsafeMutableRawPointer?, items: Int) -> Int
}
