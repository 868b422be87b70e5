// `--offload on|off` and `--crypto-workers N`, shared by the commands that run a tunnel:
// how the data path uses the kernel's offloads and the machine's cores.
import ArgumentParser

struct DataPathOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Segmentation offloads between the TUN, the tunnel and UDP (64 KB super-packets split and merged in userspace, UDP GSO/GRO): on, or off to move one packet per system call (slower; for debugging).",
                               valueName: "on|off"))
    var offload: String = "on"

    @Option(help: ArgumentHelp("Threads that share each batch's encryption and decryption (default: one per core, at most 8; 1 keeps it on the packet loop's thread).",
                               valueName: "count"))
    var cryptoWorkers: Int?

    func validate() throws {
        _ = try offloadsEnabled()
        if let cryptoWorkers, !(1...8).contains(cryptoWorkers) {
            throw ValidationFailure("--crypto-workers must be between 1 and 8, not \(cryptoWorkers)")
        }
    }

    func offloadsEnabled() throws -> Bool {
        switch offload {
        case "on": return true
        case "off": return false
        default: throw ValidationFailure("--offload must be on or off, not '\(offload)'")
        }
    }
}
