// A QR code for a terminal, so a phone's WireGuard app can scan a client config. The
// symbol comes from libqrencode; each text line shows two module rows with Unicode half
// blocks. Light modules (and the quiet zone) are drawn as blocks in the terminal's
// foreground colour, dark modules are left blank: on the usual light-on-dark terminal
// that reads as dark-on-light, which is what phone cameras expect.
import CQRencode
#if canImport(Glibc)
import Glibc
#endif

public enum QRCode {
    /// Light border in modules. The standard asks for 4; 2 is what terminal QR tools
    /// use and phone readers cope with it, and it keeps the code on one screen.
    public static let defaultQuietZone = 2
    /// Low error correction: the smallest symbol, and a screen is not a dirty label.
    static let errorCorrection = QR_ECLEVEL_L
    /// libqrencode: 0 asks for the smallest version that fits.
    static let automaticVersion: Int32 = 0
    /// libqrencode sets bit 0 of a module's byte when it is dark.
    static let darkBit: UInt8 = 1

    static let bothLight = "\u{2588}"   // █
    static let upperLight = "\u{2580}"  // ▀
    static let lowerLight = "\u{2584}"  // ▄
    static let bothDark = " "

    /// The text's QR code (8-bit mode), one line per two module rows, each line ending
    /// in a newline.
    public static func render(_ text: String, quietZone: Int = defaultQuietZone) throws -> String {
        terminalText(try modules(for: text), quietZone: max(0, quietZone))
    }

    /// Rows of modules, true for dark; square.
    static func modules(for text: String) throws -> [[Bool]] {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw QRCodeError.empty }
        let symbol = bytes.withUnsafeBufferPointer {
            QRcode_encodeData(Int32($0.count), $0.baseAddress, automaticVersion, errorCorrection)
        }
        guard let symbol = symbol else {
            if errno == ERANGE { throw QRCodeError.tooLong(bytes: bytes.count) }
            throw QRCodeError.encoderFailed(reason: String(cString: strerror(errno)))
        }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        guard let data = symbol.pointee.data, width > 0 else { throw QRCodeError.encoderFailed(reason: "empty symbol") }
        return (0..<width).map { row in
            (0..<width).map { column in data[row * width + column] & darkBit != 0 }
        }
    }

    static func terminalText(_ modules: [[Bool]], quietZone: Int) -> String {
        let size = modules.count + 2 * quietZone
        // Outside the symbol is quiet zone (light); below the last row is the terminal's
        // own background (dark), which only the last half line can show.
        func isLight(_ row: Int, _ column: Int) -> Bool {
            guard row < size else { return false }
            let r = row - quietZone, c = column - quietZone
            guard modules.indices.contains(r), modules[r].indices.contains(c) else { return true }
            return !modules[r][c]
        }
        var text = ""
        for row in stride(from: 0, to: size, by: 2) {
            for column in 0..<size {
                switch (isLight(row, column), isLight(row + 1, column)) {
                case (true, true): text += bothLight
                case (true, false): text += upperLight
                case (false, true): text += lowerLight
                case (false, false): text += bothDark
                }
            }
            text += "\n"
        }
        return text
    }
}
