// Why a text could not be turned into a QR code.

public enum QRCodeError: Error, Equatable, CustomStringConvertible {
    case empty
    /// More bytes than the largest QR code (version 40) holds at our error-correction level.
    case tooLong(bytes: Int)
    case encoderFailed(reason: String)

    public var description: String {
        switch self {
        case .empty: return "nothing to encode as a QR code"
        case .tooLong(let n): return "\(n) bytes are too many for one QR code"
        case .encoderFailed(let reason): return "libqrencode failed: \(reason)"
        }
    }
}
