// Writes GGUF v3 files laid out as llama.cpp writes them: header, key-values in the order they
// were set, tensor infos in the order they were added, padding to the alignment, then each
// tensor's bytes padded to the alignment (offsets are the running padded sum).
// Key names are data: the writer knows nothing of any architecture.
// The writer is a state machine: `.collecting` (set / addTensor) until `write` or `serialized`
// emits header -> key-values -> tensor infos -> data; it can then be emitted again unchanged.
// A tensor's bytes are given up front (`Data`) or by a producer called when the data section is
// written, one tensor at a time: a large model streams to disk without a second copy of its weights.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a GGUF file from metadata and tensors.
public struct GGUFWriter: Sendable {
    /// Alignment of the data section and of every tensor (written as `general.alignment` unless 32).
    public let alignment: Int
    private var keys: [String] = []
    private var values: [String: GGUFValue] = [:]
    private var tensors: [(info: GGUFTensorInfo, bytes: TensorBytes)] = []
    private var tensorNames: Set<String> = []
    private var dataSize = 0

    /// A writer with the given alignment (a power of two; 32 is ggml's default).
    public init(alignment: Int = GGUFFile.defaultAlignment) throws {
        guard alignment > 0, alignment & (alignment - 1) == 0, alignment <= Int(UInt32.max) else {
            throw GGUFError.writer("alignment \(alignment) is not a power of two")
        }
        self.alignment = alignment
        if alignment != GGUFFile.defaultAlignment {
            keys.append("general.alignment")
            values["general.alignment"] = .uint32(UInt32(alignment))
        }
    }

    /// Metadata keys in the order they will be written.
    public var metadataKeys: [String] { keys }

    /// Adds a metadata key-value (a key may be set once).
    public mutating func set(_ key: String, _ value: GGUFValue) throws {
        guard values[key] == nil else {
            if key == "general.alignment", value.int == alignment { return }
            throw GGUFError.writer("metadata key \"\(key)\" is set twice")
        }
        if key == "general.alignment", value.int != alignment {
            throw GGUFError.writer("general.alignment \(value) disagrees with the writer's alignment \(alignment)")
        }
        try Self.validate(value, key: key)
        keys.append(key)
        values[key] = value
    }

    /// Copies every key-value of `file` (in its order), except those in `excluding`.
    public mutating func setMetadata(from file: GGUFFile, excluding: Set<String> = []) throws {
        for key in file.metadataKeys where !excluding.contains(key) {
            if let value = file.metadata[key] { try set(key, value) }
        }
    }

    /// Fills a tensor's bytes (exactly the buffer's count, in the tensor's type) when the file is written.
    public typealias TensorProducer = @Sendable (UnsafeMutableRawBufferPointer) throws -> Void

    /// Where a tensor's bytes come from.
    private enum TensorBytes: Sendable {
        case data(Data)
        case producer(TensorProducer)
    }

    /// Adds a tensor whose bytes are already in `type`'s layout. `dimensions` are in ggml order (ne0 first).
    public mutating func addTensor(name: String, type: GGMLType, dimensions: [Int], data: Data) throws {
        let info = try tensorInfo(name: name, type: type, dimensions: dimensions)
        guard data.count == info.byteCount else {
            throw GGUFError.sizeMismatch(
                what: "bytes of tensor \"\(name)\" (\(type) \(dimensions))",
                expected: info.byteCount, actual: data.count)
        }
        append(info, .data(data))
    }

    /// Adds a tensor whose bytes `producer` writes when the file is emitted (`type.rowByteCount` of the
    /// row length times the row count of them). A producer that throws makes `write` fail and leave no file.
    public mutating func addTensor(
        name: String, type: GGMLType, dimensions: [Int],
        producer: @escaping TensorProducer
    ) throws {
        append(try tensorInfo(name: name, type: type, dimensions: dimensions), .producer(producer))
    }

    private mutating func append(_ info: GGUFTensorInfo, _ bytes: TensorBytes) {
        tensors.append((info, bytes))
        tensorNames.insert(info.name)
        dataSize += padded(info.byteCount)
    }

    /// The info of a new tensor at the end of the data section, after checking its name and shape.
    private func tensorInfo(name: String, type: GGMLType, dimensions: [Int]) throws -> GGUFTensorInfo {
        guard !tensorNames.contains(name) else { throw GGUFError.writer("tensor \"\(name)\" is added twice") }
        guard (1...GGUFFile.maxDimensions).contains(dimensions.count), dimensions.allSatisfy({ $0 >= 0 }) else {
            throw GGUFError.writer(
                "tensor \"\(name)\": dimensions \(dimensions) (1 to \(GGUFFile.maxDimensions) non-negative)")
        }
        guard dimensions[0] % type.blockSize == 0 else {
            throw GGUFError.writer(
                "tensor \"\(name)\": row length \(dimensions[0]) is not a multiple of "
                    + "\(type)'s block size \(type.blockSize)"
            )
        }
        return GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: dataSize, fileOffset: -1)
    }

    /// Adds a tensor from floats, converting them to `type` as ggml's reference quantizers do.
    public mutating func addTensor(name: String, floats: [Float], dimensions: [Int], as type: GGMLType = .f32) throws {
        guard dimensions.reduce(1, *) == floats.count else {
            throw GGUFError.sizeMismatch(
                what: "elements of tensor \"\(name)\" \(dimensions)",
                expected: dimensions.reduce(1, *), actual: floats.count)
        }
        try addTensor(name: name, type: type, dimensions: dimensions, data: Data(quantize(floats, as: type)))
    }

    private func padded(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// Header, key-values and tensor infos, padded to the alignment: everything before the data.
    private func head() -> Data {
        var out = ByteWriter()
        out.append(UInt32(0x4655_4747))
        out.append(UInt32(3))
        out.append(UInt64(tensors.count))
        out.append(UInt64(keys.count))
        for key in keys {
            out.append(string: key)
            if let value = values[key] {
                out.append(UInt32(value.type.rawValue))
                out.append(value: value)
            }
        }
        for (info, _) in tensors {
            out.append(string: info.name)
            out.append(UInt32(info.dimensions.count))
            for d in info.dimensions { out.append(UInt64(d)) }
            out.append(info.type.rawValue)
            out.append(UInt64(info.offset))
        }
        out.pad(to: alignment)
        return out.data
    }

    /// The whole file in memory.
    public func serialized() throws -> Data {
        var file = head()
        try emitData { file.append($0) }
        return file
    }

    /// Hands the data section to `sink` tensor by tensor, each padded to the alignment. Produced
    /// tensors are written into one reused buffer as large as the largest of them.
    private func emitData(_ sink: (Data) throws -> Void) throws {
        let largest = tensors.map { padded($0.info.byteCount) }.max() ?? 0
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(largest, 1), alignment: 64)
        defer { scratch.deallocate() }
        for (info, bytes) in tensors {
            let size = padded(info.byteCount)
            switch bytes {
            case let .data(data):
                try sink(data)
                if size > data.count { try sink(Data(count: size - data.count)) }
            case let .producer(produce):
                let body = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<info.byteCount])
                try produce(body)
                if size > info.byteCount {
                    scratch[info.byteCount..<size].initializeMemory(as: UInt8.self, repeating: 0)
                }
                if let base = scratch.baseAddress, size > 0 {
                    try sink(Data(bytesNoCopy: base, count: size, deallocator: .none))
                }
            }
        }
    }

    /// Writes the file to `url` through a temporary file renamed into place (never half-written).
    public func write(to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw GGUFError.io(path: temporary.path, reason: "cannot create file")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: head())
            try emitData { try handle.write(contentsOf: $0) }
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw GGUFError.io(path: url.path, reason: "\(error)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw GGUFError.io(path: url.path, reason: reason)
        }
    }

    private static func validate(_ value: GGUFValue, key: String) throws {
        guard case let .array(type, elements) = value else { return }
        for element in elements {
            guard element.type == type else {
                throw GGUFError.writer("metadata \"\(key)\": array of \(type) holds a \(element.type)")
            }
            try validate(element, key: key)
        }
    }
}

/// Little-endian serialization of GGUF's primitive fields.
struct ByteWriter {
    var data = Data()

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func append(string: String) {
        let utf8 = Array(string.utf8)
        append(UInt64(utf8.count))
        data.append(contentsOf: utf8)
    }

    mutating func append(value: GGUFValue) {
        switch value {
        case let .uint8(v): append(v)
        case let .int8(v): append(v)
        case let .uint16(v): append(v)
        case let .int16(v): append(v)
        case let .uint32(v): append(v)
        case let .int32(v): append(v)
        case let .float32(v): append(v.bitPattern)
        case let .bool(v): append(UInt8(v ? 1 : 0))
        case let .string(s): append(string: s)
        case let .array(type, elements):
            append(type.rawValue)
            append(UInt64(elements.count))
            for element in elements { append(value: element) }
        case let .uint64(v): append(v)
        case let .int64(v): append(v)
        case let .float64(v): append(v.bitPattern)
        }
    }

    mutating func pad(to alignment: Int) {
        let extra = (alignment - data.count % alignment) % alignment
        data.append(Data(count: extra))
    }
}
