// GGUF, the file format of ggml / llama.cpp (spec: ggml docs/gguf.md). Little-endian throughout.
//
//   magic        "GGUF"                   4 bytes
//   version      UInt32                   2 or 3 (v1 used 32-bit counts and is not read)
//   tensorCount  UInt64
//   kvCount      UInt64
//   kvCount x    key: string, valueType: UInt32, value
//   tensorCount x name: string, nDims: UInt32, dims: nDims x UInt64 (ne0 first), type: UInt32,
//                offset: UInt64 (relative to the data section, a multiple of the alignment)
//   padding      to a multiple of `general.alignment` (default 32)
//   data section tensor bytes, each tensor aligned
//
//   string = length: UInt64, UTF-8 bytes (no terminator)
//   array  = elementType: UInt32, count: UInt64, count x value (arrays may nest)
//
// The file is memory-mapped; tensor bytes are never copied unless converted to Float.

import Foundation
@_exported import MappedFile

/// A parsed GGUF file whose tensor data stays memory-mapped.
public struct GGUFFile: Sendable {
    /// Format version (2 or 3).
    public let version: UInt32
    /// Metadata key-values.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// Alignment of the data section and of each tensor's offset.
    public let alignment: Int
    /// Byte offset of the data section from the start of the file.
    public let dataOffset: Int
    /// The file's bytes; pointers into it are valid while this object is alive.
    public let buffer: MappedBuffer
    private let tensorIndex: [String: Int]

    /// Default alignment when `general.alignment` is absent.
    public static let defaultAlignment = 32
    /// Largest number of metadata entries, tensors or array elements accepted (larger is absurd).
    public static let maxCount: UInt64 = 1 << 28
    /// Deepest nesting of arrays accepted.
    public static let maxArrayDepth = 8
    /// Most dimensions a tensor may have (GGML_MAX_DIMS).
    public static let maxDimensions = 4

    /// Maps and parses the file at `url`.
    public init(contentsOf url: URL) throws {
        let buffer: MappedBuffer
        do { buffer = try MappedBuffer(contentsOf: url) } catch let error as MappedBufferError {
            throw GGUFError.io(path: error.path, reason: error.reason)
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
        var cursor = ByteCursor(buffer.bytes)

        // Header.
        let magic = try cursor.read(UInt32.self, "magic")
        guard magic == 0x4655_4747 else { throw GGUFError.badMagic(found: magic, offset: 0) }
        let version = try cursor.read(UInt32.self, "version")
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(version, offset: 4) }
        self.version = version
        let tensorCountOffset = cursor.offset
        let tensorCount = try cursor.read(UInt64.self, "tensor count")
        let kvCountOffset = cursor.offset
        let kvCount = try cursor.read(UInt64.self, "metadata count")
        // Smallest key-value: 8-byte key length, 4-byte type, 1-byte value.
        try cursor.check(
            count: kvCount, minSize: 13, limit: Self.maxCount, what: "metadata", countOffset: kvCountOffset)

        // Key-values.
        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        keys.reserveCapacity(Int(kvCount))
        for index in 0..<Int(kvCount) {
            let keyOffset = cursor.offset
            let key = try cursor.readString("key of metadata entry \(index)")
            guard metadata[key] == nil else { throw GGUFError.duplicateKey(key, offset: keyOffset) }
            let typeOffset = cursor.offset
            let rawType = try cursor.read(UInt32.self, "value type of \(key)")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError.unknownValueType(rawType, key: key, offset: typeOffset)
            }
            metadata[key] = try Self.readValue(type, key: key, depth: 0, cursor: &cursor)
            keys.append(key)
        }
        self.metadata = metadata
        self.metadataKeys = keys

        // Alignment.
        var alignment = Self.defaultAlignment
        if let value = metadata["general.alignment"] {
            guard let a = value.int, a > 0, a & (a - 1) == 0, a <= 1 << 20 else {
                throw GGUFError.badMetadata(
                    key: "general.alignment",
                    reason: "expected a power-of-two integer, got \(value)", offset: tensorCountOffset)
            }
            alignment = a
        }
        self.alignment = alignment

        // Tensor infos. Smallest: 8-byte name length, 4-byte nDims, 4-byte type, 8-byte offset.
        try cursor.check(
            count: tensorCount, minSize: 24, limit: Self.maxCount, what: "tensor", countOffset: tensorCountOffset)
        var raw: [(name: String, dims: [Int], type: GGMLType, offset: UInt64, fieldOffset: Int)] = []
        raw.reserveCapacity(Int(tensorCount))
        var index: [String: Int] = [:]
        for i in 0..<Int(tensorCount) {
            let nameOffset = cursor.offset
            let name = try cursor.readString("name of tensor \(i)")
            guard index[name] == nil else { throw GGUFError.duplicateTensorName(name, offset: nameOffset) }
            let dimsOffset = cursor.offset
            let nDims = try cursor.read(UInt32.self, "dimension count of \(name)")
            guard nDims >= 1, nDims <= UInt32(Self.maxDimensions) else {
                throw GGUFError.invalidDimensions(
                    tensor: name,
                    reason: "\(nDims) dimensions (1 to \(Self.maxDimensions) allowed)", offset: dimsOffset)
            }
            var dims: [Int] = []
            var elements = 1
            for d in 0..<Int(nDims) {
                let dimOffset = cursor.offset
                let n = try cursor.read(UInt64.self, "dimension \(d) of \(name)")
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(clamping: n))
                guard n <= UInt64(Int.max), !overflow else {
                    throw GGUFError.invalidDimensions(
                        tensor: name,
                        reason: "dimension \(d) = \(n) makes the element count overflow", offset: dimOffset)
                }
                elements = product
                dims.append(Int(n))
            }
            let typeOffset = cursor.offset
            let rawType = try cursor.read(UInt32.self, "type of \(name)")
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError.unknownTensorType(rawType, tensor: name, offset: typeOffset)
            }
            guard dims[0] % type.blockSize == 0 else {
                throw GGUFError.invalidDimensions(
                    tensor: name,
                    reason: "row length \(dims[0]) is not a multiple of \(type)'s block size \(type.blockSize)",
                    offset: dimsOffset)
            }
            let (_, bytesOverflow) = (elements / type.blockSize).multipliedReportingOverflow(by: type.bytesPerBlock)
            guard !bytesOverflow else {
                throw GGUFError.invalidDimensions(tensor: name, reason: "byte count overflows", offset: dimsOffset)
            }
            let fieldOffset = cursor.offset
            let offset = try cursor.read(UInt64.self, "data offset of \(name)")
            index[name] = i
            raw.append((name, dims, type, offset, fieldOffset))
        }

        // Data section.
        let dataOffset = (cursor.offset + alignment - 1) / alignment * alignment
        let dataSize = max(0, buffer.count - dataOffset)
        self.dataOffset = dataOffset
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(raw.count)
        for t in raw {
            let info = GGUFTensorInfo(
                name: t.name, dimensions: t.dims, type: t.type,
                offset: Int(clamping: t.offset), fileOffset: dataOffset &+ Int(clamping: t.offset))
            guard t.offset % UInt64(alignment) == 0 else {
                throw GGUFError.misalignedTensorOffset(
                    tensor: t.name, tensorOffset: t.offset,
                    alignment: alignment, offset: t.fieldOffset)
            }
            let (end, overflow) = t.offset.addingReportingOverflow(UInt64(info.byteCount))
            guard !overflow, end <= UInt64(dataSize) else {
                throw GGUFError.tensorOutOfRange(
                    tensor: t.name, start: t.offset, end: overflow ? .max : end,
                    dataSize: dataSize, offset: t.fieldOffset)
            }
            tensors.append(info)
        }
        let byStart = tensors.indices.filter { tensors[$0].byteCount > 0 }.sorted {
            tensors[$0].offset < tensors[$1].offset
        }
        for (a, b) in zip(byStart, byStart.dropFirst())
        where tensors[b].offset < tensors[a].offset + tensors[a].byteCount {
            throw GGUFError.overlappingTensors(tensors[a].name, tensors[b].name, offset: raw[b].fieldOffset)
        }
        self.tensors = tensors
        self.tensorIndex = index
    }

    /// Reads one value of `type` (arrays recursively).
    private static func readValue(
        _ type: GGUFValueType, key: String, depth: Int,
        cursor: inout ByteCursor
    ) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try cursor.read(UInt8.self, "value of \(key)"))
        case .int8: return .int8(try cursor.read(Int8.self, "value of \(key)"))
        case .uint16: return .uint16(try cursor.read(UInt16.self, "value of \(key)"))
        case .int16: return .int16(try cursor.read(Int16.self, "value of \(key)"))
        case .uint32: return .uint32(try cursor.read(UInt32.self, "value of \(key)"))
        case .int32: return .int32(try cursor.read(Int32.self, "value of \(key)"))
        case .uint64: return .uint64(try cursor.read(UInt64.self, "value of \(key)"))
        case .int64: return .int64(try cursor.read(Int64.self, "value of \(key)"))
        case .float32: return .float32(try cursor.readFloat("value of \(key)"))
        case .float64: return .float64(try cursor.readDouble("value of \(key)"))
        case .bool:
            let offset = cursor.offset
            let byte = try cursor.read(UInt8.self, "value of \(key)")
            guard byte <= 1 else {
                throw GGUFError.badMetadata(key: key, reason: "bool byte \(byte) is neither 0 nor 1", offset: offset)
            }
            return .bool(byte == 1)
        case .string: return .string(try cursor.readString("string value of \(key)"))
        case .array:
            let typeOffset = cursor.offset
            guard depth < maxArrayDepth else { throw GGUFError.nestingTooDeep(key: key, offset: typeOffset) }
            let rawType = try cursor.read(UInt32.self, "array element type of \(key)")
            guard let elementType = GGUFValueType(rawValue: rawType) else {
                throw GGUFError.unknownValueType(rawType, key: key, offset: typeOffset)
            }
            let countOffset = cursor.offset
            let count = try cursor.read(UInt64.self, "array count of \(key)")
            // Smallest element: its fixed size, 8 bytes for a string, 12 for a nested array.
            let minSize = elementType.fixedSize ?? (elementType == .string ? 8 : 12)
            try cursor.check(
                count: count, minSize: minSize, limit: maxCount, what: "array element (\(key))",
                countOffset: countOffset)
            var elements: [GGUFValue] = []
            elements.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                elements.append(try readValue(elementType, key: key, depth: depth + 1, cursor: &cursor))
            }
            return .array(elementType: elementType, elements)
        }
    }
}

// MARK: - Tensor access

extension GGUFFile {
    /// The tensor named `name`, if present.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The tensor's bytes as a zero-copy `Data` that keeps the mapping alive.
    public func data(of tensor: GGUFTensorInfo) -> Data {
        buffer.data(tensor.fileOffset..<tensor.fileOffset + tensor.byteCount)
    }

    /// Calls `body` with the tensor's bytes (zero-copy).
    public func withBytes<R>(of tensor: GGUFTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(buffer) {
            // Infos read from this file are always inside it; a foreign one is clamped, never overrun.
            let range = (tensor.fileOffset..<tensor.fileOffset &+ max(0, tensor.byteCount)).clamped(
                to: 0..<buffer.count)
            return try body(UnsafeRawBufferPointer(start: buffer.base + range.lowerBound, count: range.count))
        }
    }

    /// Pointer to the tensor's first byte, valid while `buffer` is alive (keep a reference to it).
    public func pointer(of tensor: GGUFTensorInfo) -> UnsafeRawPointer {
        buffer.base + tensor.fileOffset
    }

    /// The tensor's elements converted to Float (dequantized for block formats).
    public func floats(of tensor: GGUFTensorInfo) throws -> [Float] {
        let count = tensor.elementCount
        guard canDequantize(tensor.type) else {
            throw GGUFError.unsupportedTensorType(tensor.type, tensor: tensor.name)
        }
        return try withBytes(of: tensor) { bytes in
            guard bytes.count == tensor.byteCount else {
                throw GGUFError.sizeMismatch(
                    what: "bytes of tensor \"\(tensor.name)\" in this file",
                    expected: tensor.byteCount, actual: bytes.count)
            }
            return try [Float](unsafeUninitializedCapacity: count) { out, initialized in
                if let source = bytes.baseAddress, let target = out.baseAddress, count > 0 {
                    try dequantizeRow(tensor.type, bytes: source, into: target, count: count)
                }
                initialized = count
            }
        }
    }

    /// The elements of the tensor named `name`, converted to Float.
    public func floats(named name: String) throws -> [Float] {
        guard let info = tensor(named: name) else { throw GGUFError.tensorNotFound(name) }
        return try floats(of: info)
    }
}

extension GGUFFile: CustomStringConvertible {
    /// A one-line summary (the metadata can be megabytes; print `metadata` for all of it).
    public var description: String {
        let arch = metadata.string("general.architecture").map { " \($0)," } ?? ""
        return
            "GGUF v\(version),\(arch) \(metadata.count) metadata keys, \(tensors.count) tensors, "
                + "alignment \(alignment), \(buffer.count) bytes"
    }
}
