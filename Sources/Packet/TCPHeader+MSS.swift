// TCP MSS clamping: lowering the maximum segment size a SYN announces, so segments
// fit the tunnel's MTU without fragmentation (the NAT does this on every SYN).

extension TCPHeader {
    static let optionEndOfList: UInt8 = 0
    static let optionNoOperation: UInt8 = 1
    static let optionMSS: UInt8 = 2
    static let mssOptionLength = 4

    /// Byte offset (within the segment) of a well-formed MSS option, walking the
    /// options safely; nil if absent or if the options are malformed before it.
    var mssOptionOffset: Int? {
        var i = Self.minimumLength
        let end = headerLength
        while i < end {
            let kind = bytes[i]
            if kind == Self.optionEndOfList { return nil }
            if kind == Self.optionNoOperation { i += 1; continue }
            guard i + 1 < end else { return nil }
            let length = Int(bytes[i + 1])
            guard length >= 2, length <= end - i else { return nil }
            if kind == Self.optionMSS { return length == Self.mssOptionLength ? i : nil }
            i += length
        }
        return nil
    }

    /// The MSS the segment announces, if it carries a well-formed MSS option.
    public var maximumSegmentSize: UInt16? {
        mssOptionOffset.map { bytes.be16(at: $0 + 2) }
    }

    /// On a SYN (with or without ACK) whose MSS option exceeds `limit`, lowers it to
    /// `limit` and updates the checksum. Returns whether the segment changed.
    @discardableResult
    public func clampMSS(to limit: UInt16) -> Bool {
        guard flags.contains(.syn), let option = mssOptionOffset else { return false }
        let field = option + 2
        let old = bytes.be16(at: field)
        guard old > limit else { return false }
        bytes.setBE16(limit, at: field)
        // A word at an odd offset straddles two checksum words: its bytes count swapped.
        let oddOffset = field & 1 == 1
        checksum = InternetChecksum.updated(checksum,
                                            old: oddOffset ? old.byteSwapped : old,
                                            new: oddOffset ? limit.byteSwapped : limit)
        return true
    }
}

extension IPPacket {
    /// Clamps the MSS of a TCP SYN to `limit`; see `TCPHeader.clampMSS(to:)`.
    @discardableResult
    public func clampTCPMSS(to limit: UInt16) -> Bool {
        tcp?.clampMSS(to: limit) ?? false
    }
}
