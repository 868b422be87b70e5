// A weak reference to a mapping slot, for structures that outlive a mapping's removal.

/// A slot index and the generation it had; stale once the slot is freed.
struct NATMappingReference: Equatable {
    var slot: Int32
    var generation: UInt32
}
