// The errno values the control protocol answers with, named once, and their wire form.
//
// The spec says a failing request is answered with `errno=N`, N from errno.h. Which errno
// for which failure follows wireguard-go, the reference implementation: EINVAL for a bad
// value, an unknown key or a key in the wrong place; EPROTO for a request that is not the
// protocol at all (a line without '=', an unknown operation such as `get=2`); EADDRINUSE
// when the listen port cannot be bound; EIO for other failures. Oversized requests get
// EMSGSIZE, which says what went wrong.
//
// The sign: wireguard-go writes the value negated (`errno=-22`), and Debian's wg(8) relies
// on that for `set` (checked: with `errno=-22` it prints "Invalid argument", with
// `errno=22` "Unknown error -22"). So this server writes negative values, and this
// client accepts either sign.
#if canImport(Glibc)
import Glibc
#endif

public enum UAPIErrno {
    public static let invalidValue: Int32 = EINVAL
    public static let protocolError: Int32 = EPROTO
    public static let portInUse: Int32 = EADDRINUSE
    public static let ioError: Int32 = EIO
    public static let tooLarge: Int32 = EMSGSIZE

    /// The value written after `errno=` for a failure with (positive) `code`.
    public static func wireValue(_ code: Int32) -> Int64 { -Int64(abs(code)) }

    /// The positive errno a response's `errno=` value stands for, either sign accepted.
    public static func code(fromWire value: Int64) -> Int32 {
        Int32(clamping: value.magnitude)
    }
}
