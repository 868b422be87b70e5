// `tunnel peer invite` and the server's half of enrolment: an invite is made on the
// server (only the code's derived public key is kept), and burnt in the same locked
// step that adds the enrolled client's [Peer].
import Addresses
import Config
import Foundation
import WireGuard

extension PeerManagement {
    public static let defaultInviteLifetime = PeerDuration(seconds: 24 * 3600)

    /// Makes the invite and returns what to print: the code alone on the first line of
    /// standard output (then the QR code with --qr).
    public static func invite(_ request: PeerInviteRequest, now: Int64) throws -> PeerAddOutput {
        try PeerName.validate(request.name)
        let endpointText = try request.endpoint.map { try parseEndpoint($0).description }
        let dns = try parseDNS(request.dns).map(\.description)
        let allowed = request.allowedIPs.isEmpty ? [] : try parseAllowedIPs(request.allowedIPs).map(\.description)
        let lifetime = try request.expiresIn.map(PeerDuration.init(parsing:)) ?? defaultInviteLifetime
        guard let expires = lifetime.after(now) else {
            throw PeerManagementError.invalidOption(option: "--expires-in", value: request.expiresIn ?? "",
                                                    reason: "too far in the future")
        }
        let config = try ServerConfigFile.load(path: request.configPath)
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
        try PrivateFile.withDirectoryLock(of: request.configPath) {
            let current = try ServerConfigFile.load(path: request.configPath)
            guard !current.peers.contains(where: { $0.name == request.name }) else {
                throw PeerManagementError.nameTaken(request.name)
            }
            var invites = try InviteStore.load(configPath: request.configPath).filter { !$0.hasExpired(at: now) }
            guard !invites.contains(where: { $0.name == request.name }) else {
                throw PeerManagementError.nameTaken(request.name)
            }
            invites.append(invite)
            try InviteStore.save(invites, configPath: request.configPath)
        }
        let summary = "invited '\(request.name)' until \(invite.expires); the code works once: on the client run "
            + "`tunnel client --invite CODE --config FILE`"
        return PeerAddOutput(standardOutput: output, summary: summary)
    }

    /// Burns the invite whose derived key is `inviteKey` and adds the client under its own
    /// `clientKey`; returns the peer's name and the client's config text (with a zero
    /// private key for the client to fill in). The invite leaves its file, synced, before
    /// the peer is added: a crash in between loses this enrolment but never lets the code
    /// work twice.
    public static func enrol(configPath: String, inviteKey: Key, clientKey: Key, now: Int64) throws -> Enrolled {
        try PrivateFile.withDirectoryLock(of: configPath) {
            var invites = try InviteStore.load(configPath: configPath)
            guard let index = invites.firstIndex(where: { $0.key == inviteKey.base64 }) else {
                throw EnrolmentRefusal.unknownInvite
            }
            let invite = invites.remove(at: index)
            try InviteStore.save(invites, configPath: configPath)
            guard !invite.hasExpired(at: now) else { throw EnrolmentRefusal.expired(name: invite.name, at: invite.expires) }
            var registry = PeerRegistry(config: try ServerConfigFile.load(path: configPath))
            let allowed = invite.allowedIPs.isEmpty ? PeerRegistry.defaultClientAllowedIPs
                                                    : try parseAllowedIPs(invite.allowedIPs)
            let added = try registry.add(name: invite.name, allowedIPsForClient: allowed, dns: try parseDNS(invite.dns),
                                         endpoint: try invite.endpoint.map(parseEndpoint), clientPublicKey: clientKey,
                                         presharedKey: Key(bytes: SecureRandom.bytes(Key.byteCount)))
            try ServerConfigFile.save(registry.config, path: configPath)
            return Enrolled(name: invite.name, serverPeer: added.serverPeer, clientConfig: added.clientConfigText)
        }
    }

    /// Withdraws the pending invite for `name`; false when there is none.
    static func withdrawInvite(name: String, configPath: String) throws -> Bool {
        guard PrivateFile.exists(InviteStore.path(forConfig: configPath)) else { return false }
        return try InviteStore.update(configPath: configPath) { invites in
            guard let index = invites.firstIndex(where: { $0.name == name }) else { return false }
            invites.remove(at: index)
            return true
        }
    }
}
