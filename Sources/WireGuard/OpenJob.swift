import Addresses

// Decrypting one received transport message that passed the checks before decryption
// (Keypair.admit), with what the device needs to finish it afterwards, in order.
struct OpenJob: CipherJob {
    let keypair: Keypair
    let peer: Peer
    let message: UnsafeMutableRawBufferPointer
    let counter: UInt64
    let source: Endpoint
    let now: UInt64

    var byteCount: Int { message.count }

    func perform(lane: Int) -> Bool { keypair.decrypt(message, counter: counter, lane: lane) }
}
