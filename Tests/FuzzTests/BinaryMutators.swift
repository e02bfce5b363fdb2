import Foundation
import JSON
import Random

/// Where the integer fields of a valid GGUF header are (counts, lengths, type numbers, dimensions,
/// offsets): the places a hostile file would lie. Walked once over the seed file, by the spec.
struct GGUFLayout {
    /// (offset, width) of every integer field of the header.
    var fields: [(offset: Int, width: Int)] = []
    /// Where the header ends (the tensor data section follows, after padding).
    var headerEnd = 0

    init(_ bytes: [UInt8]) {
        var at = 8
        func field(_ width: Int) -> UInt64 {
            fields.append((at, width))
            var value: UInt64 = 0
            for index in 0..<width { value |= UInt64(bytes[at + index]) << (8 * UInt64(index)) }
            at += width
            return value
        }
        func string() { at += Int(field(8)) }
        func value(_ type: UInt64) {
            switch type {
            case 0, 1, 7: at += 1
            case 2, 3: at += 2
            case 4, 5, 6: at += 4
            case 10, 11, 12: at += 8
            case 8: string()
            default:
                let elementType = field(4), count = field(8)
                // Long arrays (the vocabulary): only the first few elements' fields.
                for index in 0..<Int(count) {
                    if elementType == 8 && index >= 8 { at += 8 + Int(UInt64(bytes[at])); continue }
                    value(elementType)
                }
            }
        }
        let tensorCount = field(8), keyCount = field(8)
        for _ in 0..<keyCount { string(); value(field(4)) }
        for _ in 0..<tensorCount {
            string()
            let dimensions = field(4)
            for _ in 0..<dimensions { _ = field(8) }
            _ = field(4)
            _ = field(8)
        }
        headerEnd = at
    }
}

/// Mutations of a GGUF file, mostly in its header: integer fields set to boundary values, bytes
/// flipped or cut, the file truncated.
enum GGUFMutator {
    static func mutate(_ bytes: inout [UInt8], layout: GGUFLayout, _ rng: inout SplitMix64) {
        let headerEnd = min(layout.headerEnd, bytes.count)
        guard headerEnd > 0 else { ByteMutator.mutate(&bytes, &rng); return }
        switch rng.next(below: 6) {
        case 0, 1, 2:
            let field = layout.fields[rng.next(below: layout.fields.count)]
            ByteMutator.overwriteInteger(&bytes, at: field.offset, width: field.width, &rng)
        case 3:
            var header = Array(bytes[..<headerEnd])
            ByteMutator.mutate(&header, &rng)
            bytes.replaceSubrange(..<headerEnd, with: header)
        case 4: bytes.removeSubrange(rng.next(below: bytes.count)...)
        default:
            let at = rng.next(below: headerEnd)
            bytes[at] ^= UInt8(1) << UInt8(rng.next(below: 8))
        }
    }
}

/// Mutations of a safetensors file: its JSON header edited (and its length fixed, or not), the
/// length field set to a boundary value, header bytes flipped, the file truncated.
enum SafetensorsMutator {
    static func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        guard bytes.count >= 8 else { ByteMutator.mutate(&bytes, &rng); return }
        let raw = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let length = Int(clamping: raw)
        guard length <= bytes.count - 8 else { ByteMutator.mutate(&bytes, &rng); return }
        switch rng.next(below: 6) {
        case 0, 1, 2:
            var header = Array(bytes[8..<8 + length])
            if let value = try? JSONParser.parse(Data(header)) {
                var document = FuzzJSON(value)
                JSONMutator.mutate(&document, &rng)
                header = Array(document.text.utf8)
            } else {
                ByteMutator.mutate(&header, &rng)
            }
            bytes.replaceSubrange(8..<8 + length, with: header)
            if rng.next(below: 10) != 0 { setLength(&bytes, header.count) }
        case 3: ByteMutator.overwriteInteger(&bytes, at: 0, width: 8, &rng)
        case 4: bytes.removeSubrange(rng.next(below: bytes.count)...)
        default:
            var header = Array(bytes[8..<8 + length])
            ByteMutator.mutate(&header, &rng)
            bytes.replaceSubrange(8..<8 + length, with: header)
            if rng.next(below: 2) == 0 { setLength(&bytes, header.count) }
        }
    }

    static func setLength(_ bytes: inout [UInt8], _ length: Int) {
        for index in 0..<8 { bytes[index] = UInt8(truncatingIfNeeded: UInt64(length) >> (8 * UInt64(index))) }
    }
}
