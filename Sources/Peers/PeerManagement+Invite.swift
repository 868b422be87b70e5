// `tunnel peer invite` and the server's half of enrolment: an invite is made on the
// server (only the code's derived public key is kept), and burnt in the same atomic
// step of the peer store that adds the enrolled client's [Peer].
import Addresses
import Config
import Foundation
import WireGuard

extension PeerManagement {
    public static let defaultInviteLifetime = PeerDuration(seconds: 24 * 3600)

    /// Makes the invite and returns what to print: the code alone on the first line of
    /// standard output (then the QR code with --qr).
    public static func invite(_ request: PeerInviteRequest, now: Int64, store: (any PeerStore)? = nil) throws -> PeerAddOutput {
        let store = store ?? FilePeerStore(configPath: request.configPath)
        try PeerName.validate(request.name)
        let endpointText = try request.endpoint.map { try parseEndpoint($0).description }
        let dns = try parseDNS(request.dns).map(\.description)
        let allowed = request.allowedIPs.isEmpty ? [] : try parseAllowedIPs(request.allowedIPs).map(\.description)
        let lifetime = try request.expiresIn.map(PeerDuration.init(parsing:)) ?? defaultInviteLifetime
        guard let expires = lifetime.after(now) else {
            throw PeerManagementError.invalidOption(option: "--expires-in", value: request.expiresIn ?? "",
                                                    reason: "too far in the future")
        }
        let config = try store.read().config
        guard let endpoint = try endpointText.map({ try parseEndpoint($0) }) ?? config.interface.publicEndpoint else {
            throw PeerManagementError.noEndpoint
        }
        let code = InviteCode.generate(serverPublicKey: X25519.publicKey(for: config.interface.privateKey),
                                       endpoint: endpoint)
        let text = try code.text()
        let invite = Invite(name: request.name, key: code.derivedKeyPair.publicKey, created: now, expires: expires,
                            allowedIPs: allowed, dns: dns, endpoint: endpointText)
        var output = text + "\n"
        if request.qrCode { output += "\n" + (try QRCode.render(text)) }
        try store.update { contents in
            guard !contents.peers.contains(where: { $0.name == request.name }),
                  !contents.invites.contains(where: { $0.name == request.name && !$0.hasExpired(at: now) }) else {
                throw PeerManagementError.nameTaken(request.name)
            }
            contents.invites.removeAll { $0.hasExpired(at: now) }
            contents.invites.append(invite)
        }
        let summary = "invited '\(request.name)' until \(invite.expires); the code works once: on the client run "
            + "`tunnel client --invite CODE --config FILE`"
        return PeerAddOutput(standardOutput: output, summary: summary)
    }

    /// Burns the invite whose derived key is `inviteKey` and adds the client under its own
    /// `clientKey`; returns the peer's name and the client's config text (with a zero
    /// private key for the client to fill in). One atomic step of the store: the code
    /// works once, whichever server and however many at once are asked. (The file store
    /// writes the burnt invite before the peer: a crash in between loses the enrolment
    /// but never lets the code work twice.)
    public static func enrol(configPath: String, inviteKey: Key, clientKey: Key, now: Int64) throws -> Enrolled {
        try enrol(store: FilePeerStore(configPath: configPath), inviteKey: inviteKey, clientKey: clientKey, now: now)
    }

    public static func enrol(store: any PeerStore, inviteKey: Key, clientKey: Key, now: Int64) throws -> Enrolled {
        // Made once: a retried step must not hand out another preshared key than the one
        // the first attempt may already have stored.
        let presharedKey = Key(bytes: SecureRandom.bytes(Key.byteCount))
        let outcome: Result<Enrolled, EnrolmentRefusal> = try store.update { contents in
            guard let index = contents.invites.firstIndex(where: { $0.key == inviteKey.base64 }) else {
                throw EnrolmentRefusal.unknownInvite
            }
            let invite = contents.invites.remove(at: index)
            // An expired invite is dropped (stored) and the enrolment refused.
            guard !invite.hasExpired(at: now) else { return .failure(.expired(name: invite.name, at: invite.expires)) }
            var registry = PeerRegistry(config: contents.config)
            let allowed = invite.allowedIPs.isEmpty ? PeerRegistry.defaultClientAllowedIPs
                                                    : try parseAllowedIPs(invite.allowedIPs)
            // When adding fails (no address left) nothing is stored: the code still works
            // once the cause is mended.
            let added = try registry.add(name: invite.name, allowedIPsForClient: allowed, dns: try parseDNS(invite.dns),
                                         endpoint: try invite.endpoint.map(parseEndpoint), clientPublicKey: clientKey,
                                         presharedKey: presharedKey)
            contents.config = registry.config
            return .success(Enrolled(name: invite.name, serverPeer: added.serverPeer, clientConfig: added.clientConfigText))
        }
        return try outcome.get()
    }
}
