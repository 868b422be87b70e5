import ArgumentParser

struct GenKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genkey", abstract: "Print a new private key in base64 (as `wg genkey`; not built yet).")
    func run() throws { throw NotBuiltYet(command: "genkey") }
}

struct PubKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pubkey", abstract: "Read a private key on stdin, print its public key (as `wg pubkey`; not built yet).")
    func run() throws { throw NotBuiltYet(command: "pubkey") }
}

struct GenPSKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genpsk", abstract: "Print a new preshared key in base64 (as `wg genpsk`; not built yet).")
    func run() throws { throw NotBuiltYet(command: "genpsk") }
}
