// One message's ChaCha20-Poly1305 work, set aside by the device to run in a CipherBatch.
protocol CipherJob {
    /// The bytes the cipher reads, which decide whether sharing the work is worth it.
    var byteCount: Int { get }
    /// Does the work on `lane` (any thread that owns the lane); false if it failed.
    func perform(lane: Int) -> Bool
}
