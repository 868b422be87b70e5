// `--offload on|off`, shared by the commands that run a tunnel.
import ArgumentParser

struct OffloadOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Segmentation offloads between the TUN, the tunnel and UDP (64 KB super-packets split and merged in userspace, UDP GSO/GRO): on, or off to move one packet per system call (slower; for debugging).",
                               valueName: "on|off"))
    var offload: String = "on"

    func validate() throws { _ = try enabled() }

    func enabled() throws -> Bool {
        switch offload {
        case "on": return true
        case "off": return false
        default: throw ValidationFailure("--offload must be on or off, not '\(offload)'")
        }
    }
}
