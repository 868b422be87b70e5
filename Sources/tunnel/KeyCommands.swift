import ArgumentParser
import Foundation
import Peers

struct GenKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genkey",
        abstract: "Print a new private key in base64 (as `wg genkey`).",
        discussion: "Example: umask 077; tunnel genkey > private.key")

    func run() throws {
        KeyTool.warnIfStandardOutputIsReadableByOthers()
        print(KeyTool.generatePrivateKey())
    }
}

struct PubKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pubkey",
        abstract: "Read a private key on standard input, print its public key (as `wg pubkey`).",
        discussion: "Example: tunnel pubkey < private.key > public.key")

    func run() throws {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        do {
            print(try KeyTool.publicKey(fromPrivateKeyText: input))
        } catch let error as KeyTool.InputError {
            throw ValidationFailure(error.description)
        }
    }
}

struct GenPSKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genpsk",
        abstract: "Print a new preshared key in base64 (as `wg genpsk`).")

    func run() throws {
        KeyTool.warnIfStandardOutputIsReadableByOthers()
        print(KeyTool.generatePresharedKey())
    }
}

/// A one-line error and exit status 1, without the usage text ArgumentParser adds to
/// validation errors.
struct ValidationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
