// Reading the protobuf wire format (see ProtoMessage.swift): one message level at a
// time, every read bounds-checked, every failure naming its byte offset. Nested
// messages and bytes are kept as ranges of the file, so tensor data is never copied.

import Foundation

/// One field of a message: its number, its value and where its key starts in the data.
public struct ProtoField {
    public enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        /// A length-delimited value: its bytes' range in the data.
        case bytes(Range<Int>)
    }

    public let number: Int
    public let value: Value
    public let offset: Int
}

/// The fields of one message of `data` (all of it, or `range`).
public struct ProtoReader {
    public let data: Data
    public let fields: [ProtoField]

    /// `range` counts from the first byte of `data`.
    public init(_ data: Data, range: Range<Int>? = nil) throws {
        let data = data.startIndex == 0 ? data : Data(data)
        self.data = data
        let r = range ?? 0..<data.count
        guard r.lowerBound >= 0, r.upperBound <= data.count else {
            throw ONNXError.malformed(offset: r.lowerBound,
                                      reason: "message range \(r) is outside the \(data.count) bytes")
        }
        fields = try data.withUnsafeBytes { raw in try Self.parse(raw, r) }
    }

    private static func parse(_ raw: UnsafeRawBufferPointer, _ r: Range<Int>) throws -> [ProtoField] {
        var fields: [ProtoField] = []
        var i = r.lowerBound
        func varint() throws -> UInt64 {
            let start = i
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < r.upperBound else {
                    throw ONNXError.malformed(offset: start, reason: "varint runs past the end of its message")
                }
                guard shift < 64 else {
                    throw ONNXError.malformed(offset: start, reason: "varint longer than ten bytes")
                }
                let byte = raw[i]
                i += 1
                v |= UInt64(byte & 0x7f) << shift
                if byte < 0x80 { return v }
                shift += 7
            }
        }
        func fixed(_ size: Int) throws -> UInt64 {
            guard r.upperBound - i >= size else {
                throw ONNXError.malformed(offset: i, reason: "\(size)-byte value runs past the end of its message")
            }
            var v: UInt64 = 0
            for k in 0..<size { v |= UInt64(raw[i + k]) << (8 * UInt64(k)) }
            i += size
            return v
        }
        while i < r.upperBound {
            let start = i
            let key = try varint()
            guard key >> 3 > 0, key >> 3 < 1 << 29 else {
                throw ONNXError.malformed(offset: start, reason: "field number \(key >> 3) is out of protobuf's range")
            }
            let value: ProtoField.Value
            switch key & 7 {
            case 0: value = .varint(try varint())
            case 1: value = .fixed64(try fixed(8))
            case 5: value = .fixed32(UInt32(try fixed(4)))
            case 2:
                let length = try varint()
                guard length <= UInt64(r.upperBound - i) else {
                    throw ONNXError.malformed(offset: start,
                        reason: "field \(key >> 3) claims \(length) bytes, \(r.upperBound - i) remain in its message")
                }
                value = .bytes(i..<(i + Int(length)))
                i += Int(length)
            case let wire:
                throw ONNXError.malformed(offset: start,
                                          reason: "wire type \(wire) of field \(key >> 3) is not one ONNX uses")
            }
            fields.append(ProtoField(number: Int(key >> 3), value: value, offset: start))
        }
        return fields
    }

    /// Every value of int field `number`, plain or packed.
    public func ints(_ number: Int) throws -> [Int] {
        var out: [Int] = []
        for f in fields where f.number == number {
            switch f.value {
            case let .varint(v): out.append(Int(Int64(bitPattern: v)))
            case let .bytes(range):
                let packed = try ProtoReader.packedVarints(data, range)
                out += packed.map { Int(Int64(bitPattern: $0)) }
            default: throw ONNXError.malformed(offset: f.offset, reason: "field \(number) should hold integers")
            }
        }
        return out
    }

    /// The last value of int field `number` (protobuf's rule for a repeated scalar), nil when absent.
    public func int(_ number: Int) throws -> Int? { try ints(number).last }

    public func float(_ number: Int) throws -> Float? {
        guard let f = fields.last(where: { $0.number == number }) else { return nil }
        guard case let .fixed32(bits) = f.value else {
            throw ONNXError.malformed(offset: f.offset, reason: "field \(number) should hold a float")
        }
        return Float(bitPattern: bits)
    }

    /// The byte ranges of length-delimited field `number`, in order.
    public func byteRanges(_ number: Int) throws -> [Range<Int>] {
        try fields.filter { $0.number == number }.map { f in
            guard case let .bytes(range) = f.value else {
                throw ONNXError.malformed(offset: f.offset, reason: "field \(number) should be length-delimited")
            }
            return range
        }
    }

    public func strings(_ number: Int) throws -> [String] {
        try byteRanges(number).map { range in
            guard let s = String(bytes: data[range], encoding: .utf8) else {
                throw ONNXError.malformed(offset: range.lowerBound, reason: "field \(number) is not UTF-8 text")
            }
            return s
        }
    }

    public func string(_ number: Int) throws -> String? { try strings(number).last }

    public func messages(_ number: Int) throws -> [ProtoReader] {
        try byteRanges(number).map { try ProtoReader(data, range: $0) }
    }

    public func message(_ number: Int) throws -> ProtoReader? { try messages(number).last }

    private static func packedVarints(_ data: Data, _ range: Range<Int>) throws -> [UInt64] {
        var out: [UInt64] = []
        var v: UInt64 = 0, shift: UInt64 = 0, start = range.lowerBound
        for i in range {
            let byte = data[i]
            guard shift < 64 else {
                throw ONNXError.malformed(offset: start, reason: "packed varint longer than ten bytes")
            }
            v |= UInt64(byte & 0x7f) << shift
            shift += 7
            if byte < 0x80 {
                out.append(v)
                v = 0
                shift = 0
                start = i + 1
            }
        }
        guard shift == 0 else {
            throw ONNXError.malformed(offset: start, reason: "packed varint runs past the end of its field")
        }
        return out
    }
}
