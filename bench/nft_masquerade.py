# bench/nft_masquerade.py: installs, in the network namespace it runs in, what
#   nft add table ip nat
#   nft add chain ip nat postrouting '{ type nat hook postrouting priority 100 ; }'
#   nft add rule ip nat postrouting oifname "IFNAME" masquerade
# would, by sending one nfnetlink batch to the kernel itself. bench/nat.sh uses it for
# wireguard-go's server when `nft` is not installed: nf_tables lives in the kernel and
# needs no binary. `--delete` removes the table again.
#   ip netns exec NS python3 bench/nft_masquerade.py --oifname wan
#   ip netns exec NS python3 bench/nft_masquerade.py --delete
# Constants from linux/netfilter/nfnetlink.h and linux/netfilter/nf_tables.h.
import argparse, errno, os, socket, struct, sys

NETLINK_NETFILTER = 12
NLMSG_ERROR = 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE = 0x1, 0x4, 0x800, 0x400
NLA_F_NESTED = 0x8000
NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END = 16, 17
NFNL_SUBSYS_NFTABLES = 10
NFNETLINK_V0 = 0
NFPROTO_IPV4 = 2
NF_INET_POST_ROUTING = 4
IFNAMSIZ = 16

NFT_MSG_NEWTABLE, NFT_MSG_DELTABLE, NFT_MSG_NEWCHAIN, NFT_MSG_NEWRULE = 0, 2, 3, 6
NFTA_TABLE_NAME = 1
NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME, NFTA_CHAIN_HOOK, NFTA_CHAIN_TYPE = 1, 3, 4, 7
NFTA_HOOK_HOOKNUM, NFTA_HOOK_PRIORITY = 1, 2
NFTA_RULE_TABLE, NFTA_RULE_CHAIN, NFTA_RULE_EXPRESSIONS = 1, 2, 4
NFTA_LIST_ELEM = 1
NFTA_EXPR_NAME, NFTA_EXPR_DATA = 1, 2
NFTA_META_DREG, NFTA_META_KEY = 1, 2
NFTA_CMP_SREG, NFTA_CMP_OP, NFTA_CMP_DATA = 1, 2, 3
NFTA_DATA_VALUE = 1
NFT_META_OIFNAME = 7
NFT_REG_1 = 1
NFT_CMP_EQ = 0

TABLE, CHAIN, CHAIN_TYPE, NAT_PRIORITY = "nat", "postrouting", "nat", 100
ACK_TIMEOUT_SECONDS = 5


def attr(kind, payload):
    header = struct.pack("=HH", 4 + len(payload), kind)
    return header + payload + b"\0" * (-len(payload) % 4)


def nested(kind, *attrs):
    return attr(kind | NLA_F_NESTED, b"".join(attrs))


def string(kind, text):
    return attr(kind, text.encode() + b"\0")


def be32(kind, value):
    return attr(kind, struct.pack(">i", value))


def expression(name, *attrs):
    body = [string(NFTA_EXPR_NAME, name)]
    if attrs:
        body.append(nested(NFTA_EXPR_DATA, *attrs))
    return nested(NFTA_LIST_ELEM, *body)


def message(msg_type, flags, seq, res_id, payload):
    # nfgenmsg: family, version, res_id in network order.
    body = struct.pack("=BB", NFPROTO_IPV4, NFNETLINK_V0) + struct.pack(">H", res_id) + payload
    return struct.pack("=IHHII", 16 + len(body), msg_type, NLM_F_REQUEST | flags, seq, 0) + body


def nft(msg):
    return (NFNL_SUBSYS_NFTABLES << 8) | msg


def masquerade_requests(oifname):
    """(name, type, flags, payload) of each object the batch creates."""
    hook = nested(NFTA_CHAIN_HOOK, be32(NFTA_HOOK_HOOKNUM, NF_INET_POST_ROUTING),
                  be32(NFTA_HOOK_PRIORITY, NAT_PRIORITY))
    # The whole name, zero-padded as the kernel stores it, so "wan" does not match "wan0".
    padded = oifname.encode().ljust(IFNAMSIZ, b"\0")
    rule = nested(NFTA_RULE_EXPRESSIONS,
                  expression("meta", be32(NFTA_META_KEY, NFT_META_OIFNAME), be32(NFTA_META_DREG, NFT_REG_1)),
                  expression("cmp", be32(NFTA_CMP_SREG, NFT_REG_1), be32(NFTA_CMP_OP, NFT_CMP_EQ),
                             nested(NFTA_CMP_DATA, attr(NFTA_DATA_VALUE, padded))),
                  expression("masq"))
    return [
        (f"add table ip {TABLE}", nft(NFT_MSG_NEWTABLE), NLM_F_CREATE, string(NFTA_TABLE_NAME, TABLE)),
        (f"add chain ip {TABLE} {CHAIN}", nft(NFT_MSG_NEWCHAIN), NLM_F_CREATE,
         string(NFTA_CHAIN_TABLE, TABLE) + string(NFTA_CHAIN_NAME, CHAIN) + hook
         + string(NFTA_CHAIN_TYPE, CHAIN_TYPE)),
        (f"add rule ip {TABLE} {CHAIN} oifname {oifname} masquerade", nft(NFT_MSG_NEWRULE),
         NLM_F_CREATE | NLM_F_APPEND, string(NFTA_RULE_TABLE, TABLE) + string(NFTA_RULE_CHAIN, CHAIN) + rule),
    ]


def delete_requests():
    return [(f"delete table ip {TABLE}", nft(NFT_MSG_DELTABLE), 0, string(NFTA_TABLE_NAME, TABLE))]


def fail(text):
    print(f"nft_masquerade: {text}", file=sys.stderr)
    sys.exit(1)


def run_batch(requests):
    """Sends REQUESTS as one transaction and waits for the kernel's ack of each.
    Only the requests ask for acks: older kernels ack no batch marker."""
    names, batch = {}, [message(NFNL_MSG_BATCH_BEGIN, 0, 1, NFNL_SUBSYS_NFTABLES, b"")]
    for seq, (name, msg_type, flags, payload) in enumerate(requests, start=2):
        names[seq] = name
        batch.append(message(msg_type, flags | NLM_F_ACK, seq, 0, payload))
    batch.append(message(NFNL_MSG_BATCH_END, 0, len(requests) + 2, NFNL_SUBSYS_NFTABLES, b""))
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        sock.settimeout(ACK_TIMEOUT_SECONDS)
        sock.bind((0, 0))
        sock.send(b"".join(batch))
    except OSError as error:
        fail(f"nfnetlink socket: {errno.errorcode.get(error.errno, error.errno)} ({error.strerror})")
    with sock:
        pending = set(range(2, len(requests) + 2))
        while pending:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                fail(f"no answer from nf_tables within {ACK_TIMEOUT_SECONDS}s for: "
                     + ", ".join(names[s] for s in sorted(pending)))
            except OSError as error:
                fail(f"nfnetlink receive: {errno.errorcode.get(error.errno, error.errno)} ({error.strerror})")
            offset = 0
            while offset + 16 <= len(data):
                length, msg_type, _, seq, _ = struct.unpack_from("=IHHII", data, offset)
                if msg_type == NLMSG_ERROR:
                    code = -struct.unpack_from("=i", data, offset + 16)[0]
                    if code:
                        fail(f"{names.get(seq, 'batch')} failed: "
                             f"{errno.errorcode.get(code, code)} ({os.strerror(code)})")
                    pending.discard(seq)
                offset += (length + 3) & ~3 or len(data)


def main():
    parser = argparse.ArgumentParser(description="nftables masquerade without the nft binary")
    parser.add_argument("--oifname", help="masquerade what leaves through this interface")
    parser.add_argument("--delete", action="store_true", help=f"delete table ip {TABLE}")
    args = parser.parse_args()
    if args.delete:
        run_batch(delete_requests())
    elif not args.oifname or len(args.oifname.encode()) >= IFNAMSIZ:
        fail(f"--oifname needs an interface name of 1 to {IFNAMSIZ - 1} bytes (or --delete)")
    else:
        run_batch(masquerade_requests(args.oifname))


if __name__ == "__main__":
    main()
