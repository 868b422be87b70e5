// Fuzz target: datagrams from the network into a WireGuardDevice that has a live session
// with a peer, the way the UDP socket hands them over. Random bytes rarely get past the
// type and length checks, and never past mac1 or the index lookup; so the first input
// byte can ask the harness to make them pass those (recompute mac1, put a live receiver
// index in), or to send the rest as an IP packet through the peer, so the receiver's
// inner-packet checks see it. Whatever answer a device sends is delivered to the other.
import Addresses
import FuzzSupport
import WireGuard

enum WireGuardMessageFuzzer: FuzzTarget {
    /// Bits of the first input byte.
    struct Control {
        enum Operation: UInt8 { case raw, fixMAC1, liveIndex, innerPacket }
        let raw: UInt8
        /// Which device receives: the responder of the first handshake (B) or the initiator (A).
        var toInitiator: Bool { raw & 0x01 != 0 }
        var operation: Operation { Operation(rawValue: (raw >> 1) & 0x03) ?? .raw }
        var underLoad: Bool { raw & 0x08 != 0 }
        /// The datagram comes from an address the peer was not at (roaming).
        var fromElsewhere: Bool { raw & 0x10 != 0 }
    }

    static var seeds: [[UInt8]] {
        let pair = DevicePair.shared
        var seeds = pair.handshakeCapture.map { [0] + $0 }
        seeds += pair.handshakeCapture.map { [0x04] + $0 }
        seeds += DevicePair.innerPackets.map { [0x06] + $0 }
        return seeds
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        let control = Control(raw: first)
        let pair = DevicePair.shared
        pair.advanceClock()
        let body = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        let receiver = control.toInitiator ? pair.a : pair.b
        receiver.forceUnderLoad = control.underLoad
        switch control.operation {
        case .innerPacket:
            pair.send(body, from: control.toInitiator ? pair.b : pair.a)
        case .raw, .fixMAC1, .liveIndex:
            let source = control.fromElsewhere ? DevicePair.elsewhere
                : (control.toInitiator ? DevicePair.endpointB : DevicePair.endpointA)
            pair.receive(body, by: receiver, from: source) { message in
                if control.operation == .fixMAC1 { pair.fixMAC1(message, for: receiver) }
                if control.operation == .liveIndex { pair.putLiveIndex(message, of: receiver) }
            }
        }
        pair.pump()
        receiver.forceUnderLoad = false
    }
}
