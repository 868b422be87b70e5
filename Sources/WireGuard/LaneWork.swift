// Work CipherLanes can run, item by item. A class, not a protocol, so one C function can
// call any kind of batch (a C function pointer cannot capture a generic type).
class LaneWork {
    /// Does item `item` on lane `lane`'s thread, with that lane's cipher contexts.
    func performItem(_ item: Int, lane: Int) {}

    /// The C function CipherLanes.run calls: `context` is an unretained LaneWork.
    static let performItem: @convention(c) (UnsafeMutableRawPointer?, Int, Int) -> Void = { context, item, lane in
        guard let context else { return }
        Unmanaged<LaneWork>.fromOpaque(context).takeUnretainedValue().performItem(item, lane: lane)
    }
}
