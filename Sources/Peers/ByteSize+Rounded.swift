// A byte count for a table cell: three significant digits at most, powers of 1000 as
// quotas are written ("1.23G", "512K", "0"), so totals and a `50G` quota read alike.
extension ByteSize {
    var rounded: String {
        guard let unit = ByteSize.units.first(where: { bytes >= $0.bytes }) else { return "\(bytes)" }
        let whole = bytes / unit.bytes
        let rest = bytes % unit.bytes
        if whole >= 100 { return "\(whole)\(unit.suffix)" }
        let decimals: UInt64 = whole >= 10 ? 1 : 2
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let fraction = rest * scale / unit.bytes
        var digits = String(fraction)
        digits = String(repeating: "0", count: Int(decimals) - digits.count) + digits
        return "\(whole).\(digits)\(unit.suffix)"
    }
}
