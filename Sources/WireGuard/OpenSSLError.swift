// Failures inside libcrypto that are not caused by input: they name the call that failed
// and OpenSSL's own reason, so a broken installation can be diagnosed.
import COpenSSL

enum OpenSSLError {
    /// Traps with the failing call and OpenSSL's error queue: only reached when libcrypto
    /// itself is unusable (missing algorithm, out of memory), never from network input.
    static func fail(_ call: String) -> Never {
        let code = ERR_get_error()
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        let reason = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        fatalError("OpenSSL \(call) failed: \(reason) (is OpenSSL 3 libcrypto with its default provider installed?)")
    }

    static func check(_ rc: Int32, _ call: String) {
        if rc != 1 { fail(call) }
    }
}
