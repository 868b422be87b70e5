// Why `tunnel client --invite` could not enrol; each says what to do next.
public enum EnrolmentError: Error, CustomStringConvertible {
    case configExists(path: String)
    case noAnswer(endpoint: String, seconds: Int)
    case badAnswer(reason: String)
    case configAppeared(path: String)
    /// Checked before the code is used: the config must be writable where it is asked for.
    case cannotWrite(path: String, directory: String)
    /// `--invite -` and nothing to read.
    case noCodeOnStandardInput

    public var description: String {
        switch self {
        case .configExists(let path):
            return "\(path) already exists: it is the config of an earlier enrolment; run `tunnel client --config \(path)` without --invite, or name a new file"
        case .noAnswer(let endpoint, let seconds):
            return "the server at \(endpoint) did not answer the invite within \(seconds) s: the code is used, expired or unknown (or the server is not reachable there); ask for a new code (`tunnel peer invite NAME` on the server)"
        case .badAnswer(let reason):
            return "the server's answer is not a usable config: \(reason)"
        case .cannotWrite(let path, let directory):
            return "\(path): the directory \(directory) does not exist or is not writable; the code was not used"
        case .noCodeOnStandardInput:
            return "--invite -: no code on standard input (pipe it in: `tunnel client --invite - --config FILE < code.txt`)"
        case .configAppeared(let path):
            return "\(path) was created by someone else while enrolling; nothing was written"
        }
    }
}
