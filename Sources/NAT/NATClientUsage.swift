// What one client holds of the table's shared resources, for its limits.

/// A client's mappings in all, and its external ports per pool (indexed like the
/// table's six pools: 2 families x 3 protocols). Fixed size (no array), so counting
/// allocates nothing.
struct NATClientUsage {
    var mappings = 0
    var ports = SIMD8<Int32>()

    /// Whether the client holds nothing (its entry can go).
    var isEmpty: Bool { mappings == 0 }
}
