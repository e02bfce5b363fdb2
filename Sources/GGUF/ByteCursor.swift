// The one bounds-checked read primitive of the GGUF reader: a position in a byte buffer that
// reads little-endian integers and length-prefixed strings, or throws `truncated` / `absurdLength`
// with the byte offset of the field it was reading.

/// A forward-only reader over little-endian bytes.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int = 0

    /// Longest string accepted (guards against hostile lengths before any allocation).
    static let maxStringLength = 1 << 28

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    /// Checks that `count` bytes are available at the current offset.
    func require(_ count: Int, _ what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw GGUFError.truncated(what: what(), offset: offset, needed: count, available: remaining)
        }
    }

    /// Reads one little-endian integer.
    mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        try require(size, what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// Reads a string: UInt64 byte length, then that many UTF-8 bytes (no terminator).
    /// A length above `maxStringLength` is absurd; one that merely runs past the end is truncation.
    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let start = offset
        let length = try read(UInt64.self, "length of \(what())")
        guard length <= UInt64(Self.maxStringLength) else {
            throw GGUFError.absurdLength(what: what(), length: length, offset: start)
        }
        let count = Int(length)
        try require(count, what())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + count])
        guard let string = decodeUTF8(slice) else {
            throw GGUFError.invalidUTF8(what: what(), offset: offset)
        }
        offset += count
        return string
    }

    /// Checks a count of items of at least `minSize` bytes each: above `limit` it is absurd, beyond
    /// the remaining bytes it is truncation. Nothing is allocated before this passes.
    func check(count: UInt64, minSize: Int, limit: UInt64, what: String, countOffset: Int) throws {
        guard count <= limit else { throw GGUFError.absurdCount(what: what, count: count, offset: countOffset) }
        let (needed, overflow) = Int(count).multipliedReportingOverflow(by: minSize)
        guard !overflow, needed <= remaining else {
            throw GGUFError.truncated(what: "\(count) \(what) entries", offset: offset,
                                      needed: overflow ? .max : needed, available: remaining)
        }
    }
}

/// Decodes UTF-8 bytes, or nil if they are not valid UTF-8.
func decodeUTF8(_ bytes: UnsafeRawBufferPointer) -> String? {
    let units = bytes.assumingMemoryBound(to: UInt8.self)
    if #available(macOS 15, *) {
        return String(validating: units, as: UTF8.self)
    } else {
        var iterator = units.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        return String(decoding: units, as: UTF8.self)
    }
}
