// What an IPv6 fragment header says about its fragment.

/// The fields of an IPv6 fragment header (RFC 8200 section 4.5).
public struct IPv6FragmentInfo: Equatable, Sendable {
    /// Offset of this fragment in the fragmentable part, in units of 8 bytes.
    public var offset: UInt16
    public var moreFragments: Bool
    public var identification: UInt32
    /// Byte offset of the fragment header itself within the packet.
    public var headerOffset: Int
}
