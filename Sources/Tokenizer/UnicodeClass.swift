/// Character classes the pre-tokenizer regexes use, one byte of flags per code point:
/// `\p{L}` (letter), `\p{N}` (number), `\s` (Unicode White_Space) and `\p{P}`
/// (punctuation). `valid` is set for every code point inside the text being scanned, so a
/// flags value of 0 means "past the end" (the regexes' lookahead sees nothing there).
enum UnicodeClass {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let whitespace: UInt8 = 4
    static let punctuation: UInt8 = 8
    static let valid: UInt8 = 0x80

    /// Flags of a code point (with `valid` set).
    @inline(__always)
    static func flags(_ scalar: UInt32) -> UInt8 {
        if scalar < 0x10000 { return basicPlane[Int(scalar)] }
        return compute(scalar)
    }

    /// Precomputed flags for U+0000...U+FFFF (64 KiB, built on first use).
    private static let basicPlane: [UInt8] = (0..<0x10000).map { compute(UInt32($0)) }

    private static func compute(_ value: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(value) else { return valid }  // surrogates: no class
        let properties = scalar.properties
        var f = valid
        if properties.isWhitespace { f |= whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            f |= letter
        case .decimalNumber, .letterNumber, .otherNumber:
            f |= number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            f |= punctuation
        default:
            break
        }
        return f
    }
}
