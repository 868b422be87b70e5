// What each fuzz target provides: its seeds (valid inputs the fuzzer starts from) and one
// run over an input. A run must never trap, whatever the bytes; the fuzzer reports any
// trap as a crash together with the input that caused it.
public protocol FuzzTarget {
    /// Valid inputs, written into the corpus folder at start so every run begins from them.
    static var seeds: [[UInt8]] { get }
    /// Feeds `input` to the code under test (and to the next step, where there is one).
    static func run(_ input: UnsafeRawBufferPointer)
}
