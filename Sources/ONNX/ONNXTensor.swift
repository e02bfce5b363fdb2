// ONNX tensors (TensorProto) and their element types. Field numbers are onnx.proto's:
//
//     TensorProto   dims 1 (repeated int64), data_type 2, name 8, raw_data 9,
//                   external_data 13 (StringStringEntryProto: key 1, value 2), data_location 14
//
// Data is always `raw_data` (little-endian, row-major) or, for large weights, the same
// bytes in an external file named by the `location`, `offset` and `length` entries.

import Foundation

/// `TensorProto.DataType` values this module writes or reads.
public enum ONNXDataType: Int, Sendable {
    case float = 1, uint8 = 2, int8 = 3, int32 = 6, int64 = 7, bool = 9, float16 = 10, double = 11

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .float16: return 2
        case .float, .int32: return 4
        case .int64, .double: return 8
        }
    }
}

/// A named tensor with its data, which may be produced only when it is written.
public struct ONNXTensor {
    public let name: String
    public let type: ONNXDataType
    public let shape: [Int]
    /// Appends exactly `byteCount` bytes of data.
    public let write: (ProtoOutput) throws -> Void

    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { elementCount * type.size }

    public init(name: String, type: ONNXDataType, shape: [Int], write: @escaping (ProtoOutput) throws -> Void) {
        self.name = name
        self.type = type
        self.shape = shape
        self.write = write
    }

    /// An int64 tensor (shape `[]` for a scalar).
    public init(name: String, int64s values: [Int], shape: [Int]? = nil) {
        let bytes = values.flatMap { v in withUnsafeBytes(of: Int64(v).littleEndian) { Array($0) } }
        self.init(name: name, type: .int64, shape: shape ?? [values.count]) { out in
            bytes.withUnsafeBytes { out.append($0) }
        }
    }

    /// A float32 tensor from values in memory.
    public init(name: String, floats values: [Float], shape: [Int]? = nil) {
        let bytes = values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        self.init(name: name, type: .float, shape: shape ?? [values.count]) { out in
            bytes.withUnsafeBytes { out.append($0) }
        }
    }

    /// The TensorProto with the data inline.
    func proto() -> ProtoMessage {
        var m = header()
        m.stream(9, count: byteCount, write: write)
        return m
    }

    /// The TensorProto whose data lies at `offset` in the file `location` (relative to the model's folder).
    func externalProto(location: String, offset: Int) -> ProtoMessage {
        var m = header()
        for (key, value) in [("location", location), ("offset", String(offset)), ("length", String(byteCount))] {
            var entry = ProtoMessage()
            entry.string(1, key)
            entry.string(2, value)
            m.message(13, entry)
        }
        m.int(14, 1)  // DataLocation.EXTERNAL
        return m
    }

    private func header() -> ProtoMessage {
        var m = ProtoMessage()
        for d in shape { m.int(1, d) }
        m.int(2, type.rawValue)
        m.string(8, name)
        return m
    }
}
