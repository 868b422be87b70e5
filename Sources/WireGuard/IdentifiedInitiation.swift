// The outcome of an initiation's Diffie-Hellman (PendingInitiation.identify), made on
// the worker's thread and carried back to the device's queue.
import Addresses

/// What `PendingInitiation.identify` found, for `WireGuardDevice.completeInitiation`.
/// Unchecked: the transcript state and the error are plain values that move once, from
/// the worker's thread to the device's queue, and are never shared.
public struct IdentifiedInitiation: @unchecked Sendable {
    /// The static key it was decrypted with: if the device's key changed meanwhile, the
    /// result is stale and is dropped.
    let localPublicKey: Key
    let source: Endpoint
    var result: Result<InitiatorIdentity, Error>
}
