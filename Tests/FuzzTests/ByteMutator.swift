import Random

/// Values at the edges of what readers expect: counts that overflow `Int` or a float's exact
/// range, negative sizes, non-finite spellings, empty and huge texts. Mutators splice them in.
enum Boundary {
    /// JSON number tokens, as text (some beyond `Double`, some beyond `Int`, some not integers).
    static let numbers = [
        "0", "-0", "1", "-1", "0.5", "-0.0", "1.5", "2", "255", "256", "65535", "65536",
        "2147483647", "2147483648", "-2147483649", "4294967295", "4294967296",
        "9007199254740992", "9007199254740993", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
        "1e9", "1e10", "5e18", "9.3e18", "1e19", "-1e19", "1e308", "-1e308",
        "1e-320", "4.9e-324", "1e-400", "123456789012345678901234567890",
    ]

    /// Tokens a strict JSON parser refuses: numbers beyond `Double`, a lone surrogate, nesting
    /// without end.
    static let invalid = ["1e309", "1e400", "-1e400", "\"\\ud800\"", String(repeating: "[", count: 5000)]

    /// JSON tokens of other types.
    static let others = [
        "null", "true", "false", "\"\"", "\"NaN\"", "\"Infinity\"", "\"-1\"", "\"1e19\"", "\"0x10\"",
        "\"\\u0000\"", "\"é\"", "\"\u{202E}rtl\"", "\"🦙\"", "[]", "{}", "[null]", "{\"\": null}",
    ]

    /// Bytes that break text decoders: NUL, invalid UTF-8, a BOM, stray quotes and separators.
    static let nastyBytes: [[UInt8]] = [
        [0], [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF], [0xE4, 0xB8], [0x22], [0x2C], [0x5C],
        [0x0D], [0x0A], [0x0D, 0x0A], [0x09], [0x7B], [0x7D], [0x5B], [0x5D], [0x3A],
    ]

    /// Little-endian integers for binary headers: counts, lengths, type numbers, offsets.
    static let integers: [UInt64] = [
        0, 1, 2, 3, 4, 7, 8, 12, 13, 31, 32, 33, 255, 256, 4095, 4096, 65535, 65536,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 1 << 28, (1 << 28) + 1,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFE,
    ]

    /// A token of the lists above: valid JSON unless `invalid` (then one time in ten not).
    static func token(_ rng: inout SplitMix64, invalid allowed: Bool = true) -> String {
        if allowed && rng.next(below: 10) == 0 { return invalid[rng.next(below: invalid.count)] }
        let pick = rng.next(below: numbers.count + others.count + 2)
        if pick < numbers.count { return numbers[pick] }
        if pick < numbers.count + others.count { return others[pick - numbers.count] }
        if pick == numbers.count + others.count { return "\"" + String(repeating: "a", count: 70_000) + "\"" }
        return String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
    }
}

/// Format-blind mutations of bytes: flips, overwrites, deletions, duplications, truncations and
/// insertions of boundary tokens. Every choice comes from the generator, so a seed replays a case.
enum ByteMutator {
    static func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        if bytes.isEmpty { bytes = Array(Boundary.token(&rng).utf8); return }
        let at = rng.next(below: bytes.count)
        switch rng.next(below: 8) {
        case 0: bytes[at] ^= UInt8(1) << UInt8(rng.next(below: 8))
        case 1: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
        case 2: bytes.removeSubrange(at..<min(bytes.count, at + 1 + rng.next(below: 16)))
        case 3:
            let range = at..<min(bytes.count, at + 1 + rng.next(below: 64))
            bytes.insert(contentsOf: bytes[range], at: range.upperBound)
        case 4: bytes.removeSubrange(at...)
        case 5: bytes.insert(contentsOf: Array(Boundary.token(&rng).utf8), at: at)
        case 6: bytes.insert(contentsOf: Boundary.nastyBytes[rng.next(below: Boundary.nastyBytes.count)], at: at)
        default: replaceNumber(in: &bytes, near: at, &rng)
        }
    }

    /// Replaces the run of number characters at or after `start` by a boundary number.
    static func replaceNumber(in bytes: inout [UInt8], near start: Int, _ rng: inout SplitMix64) {
        let isNumber: (UInt8) -> Bool = { ($0 >= 0x30 && $0 <= 0x39) || Array("-.e+".utf8).contains($0) }
        guard let first = bytes[start...].firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return }
        var end = first
        while end < bytes.count, isNumber(bytes[end]) { end += 1 }
        let number = Boundary.numbers[rng.next(below: Boundary.numbers.count)]
        bytes.replaceSubrange(first..<end, with: Array(number.utf8))
    }

    /// Overwrites a little-endian integer of `width` bytes at `offset` with a boundary value.
    static func overwriteInteger(_ bytes: inout [UInt8], at offset: Int, width: Int, _ rng: inout SplitMix64) {
        var value = Boundary.integers[rng.next(below: Boundary.integers.count)]
        for index in offset..<max(offset, min(bytes.count, offset + width)) {
            bytes[index] = UInt8(truncatingIfNeeded: value)
            value >>= 8
        }
    }
}
