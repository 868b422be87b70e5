// Why the reactor could not watch a descriptor: the kernel refused one of the calls the
// readiness loop needs (out of descriptors, or memory).
#if canImport(Glibc)
import Glibc
#endif

public enum ReactorError: Error, CustomStringConvertible, Equatable {
    case syscallFailed(String, Int32)

    public var description: String {
        switch self {
        case .syscallFailed(let call, let code):
            return "the event loop cannot start: \(call) failed: \(String(cString: strerror(code)))"
        }
    }
}
