// Reads the nf_tables ruleset over nfnetlink (NETLINK_NETFILTER, subsystem
// NFNL_SUBSYS_NFTABLES), as `nft list chains` does, without running `nft`: one
// NFT_MSG_GETCHAIN dump over all families. Read only: nothing is changed.
import CNetlink

public enum NFTablesRuleset {
    /// The base chains on the forward hook of the inet, ip and ip6 families, in the
    /// calling thread's network namespace. Where nf_tables is a module not loaded yet, the
    /// kernel loads it to answer (as for `nft list ruleset`); it starts with no rules.
    /// (Whether it is loaded cannot be asked first: containers may hide /sys/module.)
    public static func forwardChains() throws -> [ForwardChain] {
        let socket = try NetlinkSocket(protocol: NETLINK_NETFILTER, operation: "open nfnetlink socket")
        // nfgenmsg: family (NFPROTO_UNSPEC: all), version, resource id (network order).
        let header = nfgenmsg(nfgen_family: UInt8(NFPROTO_UNSPEC), version: UInt8(NFNETLINK_V0), res_id: 0)
        let request = try NetlinkRequest(type: Int(NFNL_SUBSYS_NFTABLES) << 8 | Int(NFT_MSG_GETCHAIN.rawValue),
                                         flags: NLM_F_REQUEST | NLM_F_DUMP, header: header,
                                         operation: "list nf_tables chains")
        var chains: [ForwardChain] = []
        try socket.perform(request) { message in
            if let chain = forwardChain(message) { chains.append(chain) }
        }
        return chains
    }

    /// The chain a NFT_MSG_NEWCHAIN message of the dump describes, if it is a base chain
    /// on the forward hook of a family that routed IP packets pass.
    private static func forwardChain(_ message: UnsafeMutablePointer<nlmsghdr>) -> ForwardChain? {
        guard let header = familyHeader(message, as: nfgenmsg.self),
              let family = ForwardChain.familyNames[header.nfgen_family] else { return nil }
        let attributes = NetlinkAttributes(message: message, headerLength: MemoryLayout<nfgenmsg>.size)
        // Regular chains (jumped to from rules) have no hook; they see no packet by themselves.
        guard let hookBytes = attributes.bytes(Int(NFTA_CHAIN_HOOK.rawValue)),
              NetlinkAttributes(nested: hookBytes).be32(Int(NFTA_HOOK_HOOKNUM.rawValue)) == UInt32(NF_INET_FORWARD.rawValue),
              let table = attributes.string(Int(NFTA_CHAIN_TABLE.rawValue)),
              let name = attributes.string(Int(NFTA_CHAIN_NAME.rawValue)) else { return nil }
        let policy = attributes.be32(Int(NFTA_CHAIN_POLICY.rawValue))
        return ForwardChain(family: family, table: table, name: name, dropsByDefault: policy == UInt32(NF_DROP))
    }
}
