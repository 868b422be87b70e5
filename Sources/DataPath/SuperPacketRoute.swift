// What becomes of all the segments of one super-packet read from the TUN. The router
// decides it once, on the super-packet, before it is cut: a reply to the NAT is
// translated whole (one lookup, one rewrite of the headers every segment copies)
// instead of once per segment. The server's router makes the same decision for a
// single packet to the NAT (the `to...` and `dropped` cases).

public enum SuperPacketRoute {
    /// Each segment is routed on its own, as any packet read from the TUN.
    case eachSegment
    /// Rewritten for a peer (the NAT's inbound translation): each segment is sealed to
    /// whoever its destination belongs to.
    case toPeer
    /// Not the tunnel's (diverted with the NAT's traffic): each segment goes back to the
    /// kernel through the TUN.
    case toKernel
    /// Dropped whole, counted by whoever decided; no segment is made.
    case dropped
}
