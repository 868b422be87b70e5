// Work CipherLanes can run on each lane. A class, not a protocol, so one C function can
// call any kind of batch (a C function pointer cannot capture a generic type).
class LaneWork {
    /// Does lane `lane`'s share; called on that lane's thread.
    func performLane(_ lane: Int) {}

    /// The C function CipherLanes.run calls: `context` is an unretained LaneWork.
    static let performLane: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void = { context, lane in
        guard let context else { return }
        Unmanaged<LaneWork>.fromOpaque(context).takeUnretainedValue().performLane(lane)
    }
}
