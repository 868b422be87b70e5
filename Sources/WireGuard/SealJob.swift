// Encrypting one outgoing message whose header, counter and padding are already done
// (Keypair.reserveSeal); `buffer` holds the whole message from its first byte.
struct SealJob: CipherJob {
    let keypair: Keypair
    let buffer: UnsafeMutableRawBufferPointer
    let ticket: SealTicket

    var byteCount: Int { ticket.totalLength }

    func perform(lane: Int) -> Bool { keypair.encrypt(ticket, in: buffer, lane: lane) }
}
