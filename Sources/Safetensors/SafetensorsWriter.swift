// Writes safetensors files: the 8-byte header length, a JSON header (`__metadata__` first with
// sorted keys, then tensors in the order added), padded with spaces to a multiple of 8 as the
// reference implementation does, then the tensors' bytes back to back in the same order.
// Same input, same bytes.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a safetensors file from tensors and string metadata.
public struct SafetensorsWriter: Sendable {
    /// The `__metadata__` map (omitted when empty).
    public var metadata: [String: String] = [:]
    private var entries: [(name: String, dtype: SafetensorsDType, shape: [Int], data: Data)] = []
    private var names: Set<String> = []

    public init() {}

    /// Adds a tensor whose bytes are already in `dtype`'s little-endian layout (row-major `shape`).
    public mutating func add(_ name: String, dtype: SafetensorsDType, shape: [Int], data: Data) throws {
        guard name != "__metadata__", !names.contains(name) else {
            throw SafetensorsError.writer("tensor name \"\(name)\" is reserved or added twice")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw SafetensorsError.invalidShape(tensor: name, reason: "\(shape)")
        }
        let expected = shape.reduce(1, *) * dtype.byteSize
        guard data.count == expected else {
            throw SafetensorsError.byteCountMismatch(tensor: name, expected: expected, actual: data.count)
        }
        entries.append((name, dtype, shape, data))
        names.insert(name)
    }

    /// Adds float values stored as F32, F16 or BF16 (rounded to nearest even).
    public mutating func add(_ name: String, floats: [Float], shape: [Int], as dtype: SafetensorsDType = .f32) throws {
        guard shape.reduce(1, *) == floats.count else {
            throw SafetensorsError.byteCountMismatch(tensor: name, expected: shape.reduce(1, *) * dtype.byteSize,
                                                     actual: floats.count * dtype.byteSize)
        }
        var out = Data(capacity: floats.count * dtype.byteSize)
        switch dtype {
        case .f32: for v in floats { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        case .f16:
            for v in floats {
                withUnsafeBytes(of: safetensorsFloatToHalf(v).littleEndian) { out.append(contentsOf: $0) }
            }
        case .bf16:
            for v in floats {
                withUnsafeBytes(of: safetensorsFloatToBFloat(v).littleEndian) { out.append(contentsOf: $0) }
            }
        default: throw SafetensorsError.unsupportedConversion(tensor: name, dtype: dtype, to: "stored floats")
        }
        try add(name, dtype: dtype, shape: shape, data: out)
    }

    /// Adds Int32 values stored as I32.
    public mutating func add(_ name: String, int32s: [Int32], shape: [Int]) throws {
        var out = Data(capacity: int32s.count * 4)
        for v in int32s { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        try add(name, dtype: .i32, shape: shape, data: out)
    }

    /// Adds Int64 values stored as I64.
    public mutating func add(_ name: String, int64s: [Int64], shape: [Int]) throws {
        var out = Data(capacity: int64s.count * 8)
        for v in int64s { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        try add(name, dtype: .i64, shape: shape, data: out)
    }

    /// The length prefix and padded JSON header.
    private func head() -> Data {
        var json = "{"
        var first = true
        func field(_ text: String) {
            json += (first ? "" : ",") + text
            first = false
        }
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0] ?? ""))" }
            field("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for entry in entries {
            let shape = entry.shape.map(String.init).joined(separator: ",")
            field(
                "\(jsonString(entry.name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(offset + entry.data.count)]}")
            offset += entry.data.count
        }
        json += "}"
        var header = Array(json.utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var out = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        return out
    }

    /// The whole file in memory.
    public func serialized() -> Data {
        var out = head()
        for entry in entries { out.append(entry.data) }
        return out
    }

    /// Writes the file to `url` through a temporary file, fsynced and renamed into place (never
    /// half-written). A failure names the file and the system's reason ("No space left on device").
    public func write(to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        func failure(_ path: String) -> SafetensorsError {
            .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(temporary.path) }
        do {
            defer { close(fd) }
            func put(_ data: Data) throws {
                try data.withUnsafeBytes { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
                        if n < 0 {
                            if errno == EINTR { continue }
                            throw failure(url.path)
                        }
                        offset += n
                    }
                }
            }
            try put(head())
            for entry in entries { try put(entry.data) }
            guard fsync(fd) == 0 else { throw failure(url.path) }
        } catch {
            unlink(temporary.path)
            throw error
        }
        guard rename(temporary.path, url.path) == 0 else {
            let error = failure(url.path)
            unlink(temporary.path)
            throw error
        }
    }
}

/// write(2), named apart from `SafetensorsWriter.write(to:)`, which shadows it inside the type.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

/// `s` as a JSON string literal.
private func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
