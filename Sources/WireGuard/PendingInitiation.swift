// An initiation that passed the MAC, cookie and rate checks, waiting for the one
// Diffie-Hellman that says who sent it (Handshake.identifyInitiator). That step reads
// nothing of the device but our static identity, so it may run on another thread: a flood
// of initiations from a cookie holder then costs the data path's thread nothing but the
// cheap checks (`WireGuardDevice.screenInitiation`, then `completeInitiation`).
import Addresses

public struct PendingInitiation: Sendable {
    let message: HandshakeInitiation
    let local: StaticIdentity
    let source: Endpoint

    /// The Diffie-Hellman; on any thread.
    public func identify() -> IdentifiedInitiation {
        IdentifiedInitiation(localPublicKey: local.publicKey, source: source,
                             result: Result { try Handshake.identifyInitiator(message, local: local) })
    }
}
