// Where cipher work may run besides the device's own queue. The device stays
// single-threaded: it calls `run` and gets control back only when every lane has
// finished, so nothing it owns is ever touched by two threads at once.
public protocol CipherLanes: AnyObject {
    /// How many lanes `run` uses; each gets its own cipher contexts in every keypair.
    var count: Int { get }
    /// Calls `function(context, lane)` once for each lane in 0..<count, at the same time
    /// where it can, and returns when every call has returned. A C function and a pointer
    /// rather than a closure: handing a closure to another thread allocates each time.
    func run(_ function: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void, context: UnsafeMutableRawPointer?)
}
