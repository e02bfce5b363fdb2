/// GPT-2's byte-level alphabet: every byte gets a printable Unicode scalar so that BPE
/// vocabularies can be stored as text. Printable Latin-1 bytes ('!'...'~', '¡'...'¬',
/// '®'...'ÿ') stand for themselves; the other 68 bytes, in increasing order, take the
/// scalars U+0100, U+0101, ... (so ' ' is 'Ġ' U+0120 and '\n' is 'Ċ' U+010A).
public enum ByteLevel {
    /// The scalar that stands for each byte.
    public static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if standsForItself(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next)!  // 256...323, always valid scalars
                next += 1
            }
        }
        return table
    }()

    /// The byte a scalar stands for, or nil if the scalar is not in the alphabet.
    @inline(__always)
    public static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let v = scalar.value
        if v < 256 { return standsForItself(UInt8(v)) ? UInt8(v) : nil }
        if v < 256 + 68 { return byteForExtraScalar[Int(v - 256)] }
        return nil
    }

    /// Text in the alphabet for raw bytes (what a vocabulary stores).
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var view = String.UnicodeScalarView()
        for b in bytes { view.append(scalarForByte[Int(b)]) }
        return String(view)
    }

    /// Raw bytes for text in the alphabet; nil if some scalar is outside the alphabet.
    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard let b = byte(for: scalar) else { return nil }
            out.append(b)
        }
        return out
    }

    @inline(__always)
    static func standsForItself(_ b: UInt8) -> Bool {
        (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE
    }

    private static let byteForExtraScalar: [UInt8] = {
        var table: [UInt8] = []
        for byte in 0..<256 where !standsForItself(UInt8(byte)) { table.append(UInt8(byte)) }
        return table
    }()
}
