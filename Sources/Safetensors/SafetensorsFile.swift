// safetensors (huggingface/safetensors), little-endian:
//
//   headerLength  UInt64                      N
//   header        N bytes of UTF-8 JSON       { "__metadata__": { "k": "v", ... },
//                                               "<name>": { "dtype": "F32", "shape": [2, 3],
//                                                           "data_offsets": [begin, end] }, ... }
//   data          the rest of the file; offsets are relative to its first byte (8 + N)
//
// Tensors are row-major (C order). The file is memory-mapped; bytes are copied only when converted.

import Foundation
@_exported import MappedFile

/// Name, dtype, shape and location of one tensor in a safetensors file.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    /// Row-major shape (slowest dimension first); `[]` for a scalar.
    public let shape: [Int]
    /// Byte range relative to the start of the data section.
    public let dataOffsets: Range<Int>
    /// Byte offset of the data from the start of the file.
    public let fileOffset: Int

    /// Number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
    /// Number of bytes.
    public var byteCount: Int { dataOffsets.count }
}

/// A parsed safetensors file whose data stays memory-mapped.
public struct SafetensorsFile: Sendable {
    /// Tensor names in data order.
    public let tensorNames: [String]
    /// The `__metadata__` string map (empty when absent).
    public let metadata: [String: String]
    /// Byte offset of the data section.
    public let dataOffset: Int
    /// The file's bytes; pointers into it are valid while this object is alive.
    public let buffer: MappedBuffer
    let infosByName: [String: SafetensorsTensorInfo]

    /// Largest JSON header accepted (the format's own limit is 100 MB).
    public static let maxHeaderLength = 100_000_000

    /// Maps and parses the file at `url`.
    public init(contentsOf url: URL) throws {
        let buffer: MappedBuffer
        do { buffer = try MappedBuffer(contentsOf: url) } catch let error as MappedBufferError {
            throw SafetensorsError.io(path: error.path, reason: error.reason)
        }
        try self.init(buffer: buffer)
    }

    /// Parses bytes already in memory (copied once).
    public init(data: Data) throws {
        try self.init(buffer: MappedBuffer(copying: data))
    }

    /// Parses a mapped or copied buffer.
    public init(buffer: MappedBuffer) throws {
        self.buffer = buffer
        guard buffer.count >= 8 else { throw SafetensorsError.truncatedHeaderLength(fileSize: buffer.count) }
        let length = UInt64(littleEndian: buffer.base.loadUnaligned(as: UInt64.self))
        guard length <= UInt64(Self.maxHeaderLength), length <= UInt64(buffer.count - 8) else {
            throw SafetensorsError.headerLengthOutOfRange(length: length, fileSize: buffer.count)
        }
        let headerLength = Int(length)
        let header = Data(bytes: buffer.base + 8, count: headerLength)
        let dataOffset = 8 + headerLength
        let dataSize = buffer.count - dataOffset
        self.dataOffset = dataOffset

        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: header, options: [])
        } catch {
            throw SafetensorsError.invalidHeader(reason: "not valid JSON (\(error.localizedDescription))", offset: 8)
        }
        guard let object = json as? [String: Any] else {
            throw SafetensorsError.invalidHeader(reason: "expected a JSON object", offset: 8)
        }

        var metadata: [String: String] = [:]
        var infos: [String: SafetensorsTensorInfo] = [:]
        for (name, entry) in object {
            if name == "__metadata__" {
                guard let map = entry as? [String: Any] else {
                    throw SafetensorsError.invalidHeader(reason: "__metadata__ must be an object of strings", offset: 8)
                }
                for (key, value) in map {
                    guard let string = value as? String else {
                        throw SafetensorsError.invalidHeader(reason: "__metadata__.\(key) is not a string", offset: 8)
                    }
                    metadata[key] = string
                }
                continue
            }
            infos[name] = try Self.parseEntry(name: name, entry: entry, dataOffset: dataOffset, dataSize: dataSize)
        }

        let ordered = infos.values.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
                < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        let nonEmpty = ordered.filter { !$0.dataOffsets.isEmpty }
        for (a, b) in zip(nonEmpty, nonEmpty.dropFirst()) where b.dataOffsets.lowerBound < a.dataOffsets.upperBound {
            throw SafetensorsError.overlappingTensors(a.name, b.name)
        }
        self.tensorNames = ordered.map(\.name)
        self.metadata = metadata
        self.infosByName = infos
    }

    private static func parseEntry(
        name: String, entry: Any, dataOffset: Int, dataSize: Int
    ) throws -> SafetensorsTensorInfo {
        guard let fields = entry as? [String: Any] else {
            throw SafetensorsError.invalidHeader(reason: "entry \"\(name)\" is not an object", offset: 8)
        }
        guard let dtypeName = fields["dtype"] as? String else {
            throw SafetensorsError.invalidHeader(reason: "entry \"\(name)\" has no string \"dtype\"", offset: 8)
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw SafetensorsError.unknownDType(dtypeName, tensor: name)
        }
        guard let shapeList = fields["shape"] as? [Any] else {
            throw SafetensorsError.invalidHeader(reason: "entry \"\(name)\" has no list \"shape\"", offset: 8)
        }
        var shape: [Int] = []
        var elements = 1
        for value in shapeList {
            guard let n = nonNegativeInt(value) else {
                throw SafetensorsError.invalidShape(tensor: name, reason: "\(value) is not a non-negative integer")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: n)
            guard !overflow else {
                throw SafetensorsError.invalidShape(tensor: name, reason: "element count overflows")
            }
            elements = product
            shape.append(n)
        }
        guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
              let begin = nonNegativeInt(offsets[0]), let end = nonNegativeInt(offsets[1]) else {
            throw SafetensorsError.invalidHeader(
                reason: "entry \"\(name)\" needs \"data_offsets\": [begin, end] of non-negative integers", offset: 8)
        }
        guard begin <= end, end <= dataSize else {
            throw SafetensorsError.offsetsOutOfRange(tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, bytes == end - begin else {
            throw SafetensorsError.byteCountMismatch(
                tensor: name, expected: overflow ? .max : bytes, actual: end - begin)
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin ..< end,
                                     fileOffset: dataOffset + begin)
    }
}

/// A JSON number that is a non-negative integer, as Int.
private func nonNegativeInt(_ value: Any) -> Int? {
    if let n = value as? Int { return n >= 0 ? n : nil }
    if let d = value as? Double, d >= 0, d.rounded() == d, d < 9.0e18 { return Int(d) }
    return nil
}

extension SafetensorsFile: CustomStringConvertible {
    /// A one-line summary.
    public var description: String {
        "safetensors, \(tensorNames.count) tensors, \(metadata.count) metadata keys, \(buffer.count) bytes"
    }
}
