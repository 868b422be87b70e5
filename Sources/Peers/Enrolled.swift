// What an enrolment added: the peer's name, its [Peer] in the server's config, and the
// client's config text with a zero private key for the client to fill in.
import Config

public struct Enrolled: Sendable {
    public var name: String
    public var serverPeer: PeerSection
    public var clientConfig: String
}
