// Protocol Buffers wire format, the subset ONNX files need.
//
// A message is a sequence of fields; each is a key varint (field number << 3 | wire type)
// followed by its value:
//
//     wire type 0  varint: 7 bits per byte, low group first, high bit set on all but the last
//                  (ints, enums, bools; a negative int64 is its two's complement: ten bytes)
//     wire type 2  length-delimited: a varint byte count, then the bytes (strings, bytes,
//                  nested messages, packed repeated scalars)
//     wire type 5  fixed32: four little-endian bytes (float)
//
// A repeated field is its key and value written once per element ("packed": one
// length-delimited field holding every element's value back to back).

/// A protobuf message being built: its fields in order. Large byte payloads (tensor data)
/// may be produced only while writing, so they never have to be held in memory twice.
public struct ProtoMessage {
    enum Value {
        case varint(UInt64)
        case fixed32(UInt32)
        case bytes([UInt8])
        indirect case message(ProtoMessage)
        /// `count` bytes written by `write` when the message is written.
        case stream(count: Int, write: (ProtoOutput) throws -> Void)
    }

    var fields: [(number: Int, value: Value)] = []

    public init() {}

    /// An int64 / int32 / enum field (negative values take ten bytes, as protobuf's int64 does).
    public mutating func int(_ number: Int, _ value: Int) {
        fields.append((number, .varint(UInt64(bitPattern: Int64(value)))))
    }

    public mutating func float(_ number: Int, _ value: Float) {
        fields.append((number, .fixed32(value.bitPattern)))
    }

    public mutating func string(_ number: Int, _ value: String) {
        fields.append((number, .bytes(Array(value.utf8))))
    }

    public mutating func bytes(_ number: Int, _ value: [UInt8]) {
        fields.append((number, .bytes(value)))
    }

    public mutating func message(_ number: Int, _ value: ProtoMessage) {
        fields.append((number, .message(value)))
    }

    /// A repeated int64 field, packed into one length-delimited value.
    public mutating func packedInts(_ number: Int, _ values: [Int]) {
        let payload = ProtoOutput()
        for v in values { payload.appendVarint(UInt64(bitPattern: Int64(v))) }
        fields.append((number, .bytes(payload.bytes)))
    }

    /// A bytes field of `count` bytes that `write` appends to the output when the message is
    /// written (it must append exactly `count`).
    public mutating func stream(_ number: Int, count: Int, write: @escaping (ProtoOutput) throws -> Void) {
        fields.append((number, .stream(count: count, write: write)))
    }

    /// The number of bytes `write(to:)` produces.
    public var encodedSize: Int {
        fields.reduce(0) { total, field in
            let key = varintSize(UInt64(field.number << 3))
            switch field.value {
            case let .varint(v): return total + key + varintSize(v)
            case .fixed32: return total + key + 4
            case let .bytes(b): return total + key + varintSize(UInt64(b.count)) + b.count
            case let .message(m):
                let n = m.encodedSize
                return total + key + varintSize(UInt64(n)) + n
            case let .stream(count, _): return total + key + varintSize(UInt64(count)) + count
            }
        }
    }

    /// Appends the encoded message to `output`.
    public func write(to output: ProtoOutput) throws {
        for (number, value) in fields {
            switch value {
            case let .varint(v):
                output.appendVarint(UInt64(number << 3))
                output.appendVarint(v)
            case let .fixed32(v):
                output.appendVarint(UInt64(number << 3 | 5))
                withUnsafeBytes(of: v.littleEndian) { output.append($0) }
            case let .bytes(b):
                output.appendVarint(UInt64(number << 3 | 2))
                output.appendVarint(UInt64(b.count))
                b.withUnsafeBytes { output.append($0) }
            case let .message(m):
                output.appendVarint(UInt64(number << 3 | 2))
                output.appendVarint(UInt64(m.encodedSize))
                try m.write(to: output)
            case let .stream(count, write):
                output.appendVarint(UInt64(number << 3 | 2))
                output.appendVarint(UInt64(count))
                let start = output.count
                try write(output)
                guard output.count - start == count else {
                    throw ONNXError.internalInconsistency(
                        "field \(number) promised \(count) bytes, wrote \(output.count - start)")
                }
            }
            try output.flushIfFull()
        }
    }

    /// The encoded message, in memory.
    public func encoded() throws -> [UInt8] {
        let output = ProtoOutput()
        try write(to: output)
        return output.bytes
    }
}

/// Bytes of a varint holding `v`.
func varintSize(_ v: UInt64) -> Int {
    var n = 1, v = v
    while v >= 0x80 {
        v >>= 7
        n += 1
    }
    return n
}
