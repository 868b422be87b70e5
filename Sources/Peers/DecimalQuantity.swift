// A number with a unit multiplier, as in "1.5mbit" or "30G", turned into a whole count of
// base units with integer arithmetic only: a Double would round 0.3G to 299999999 bytes.
// Shared by Rate and ByteSize; the unit table stays with each.

enum DecimalQuantity {
    enum Failure: Error, Equatable {
        case notANumber
        case negative
        case tooLarge
        /// Finer than one base unit, e.g. "0.5" bytes.
        case fractionalUnit
    }

    /// Splits "20mbit" into ("20", "mbit"): the number is the leading digits and dot.
    /// A leading '-' is reported as negative rather than as a stray character.
    static func split(_ text: Substring) throws -> (number: Substring, unit: Substring) {
        if text.hasPrefix("-") { throw Failure.negative }
        let end = text.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? text.endIndex
        return (text[..<end], text[end...])
    }

    /// `number` (digits, at most one dot) times `multiplier`, exactly.
    static func value(_ number: Substring, multiplier: UInt64) throws -> UInt64 {
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !whole.isEmpty || !fraction.isEmpty,
              whole.allSatisfy(isDigit), fraction.allSatisfy(isDigit),
              parts.count == 1 || !fraction.isEmpty else { throw Failure.notANumber }
        var total: UInt64 = 0
        for digit in whole {
            total = try checked(total.multipliedReportingOverflow(by: 10))
            total = try checked(total.addingReportingOverflow(UInt64(digit.asciiValue! - asciiZero)))
        }
        total = try checked(total.multipliedReportingOverflow(by: multiplier))
        var scale = multiplier
        for digit in fraction {
            guard scale % 10 == 0 else {
                if digit != "0" { throw Failure.fractionalUnit }
                continue
            }
            scale /= 10
            total = try checked(total.addingReportingOverflow(UInt64(digit.asciiValue! - asciiZero) * scale))
        }
        return total
    }

    static func isDigit(_ c: Character) -> Bool { ("0"..."9").contains(c) }

    private static let asciiZero = Character("0").asciiValue!

    private static func checked(_ result: (partialValue: UInt64, overflow: Bool)) throws -> UInt64 {
        guard !result.overflow else { throw Failure.tooLarge }
        return result.partialValue
    }
}
