// Where encoded protobuf bytes go: memory, or a file through a buffer (a model's
// weights are written once, straight from the model's memory, never held twice).

import Foundation

/// A byte sink: in memory, or a file written through a 1 MiB buffer.
public final class ProtoOutput {
    /// What was written (memory), or what waits to be flushed (file).
    public private(set) var bytes: [UInt8] = []
    /// Bytes written so far.
    public private(set) var count = 0
    private let file: FileHandle?
    private let path: String
    private static let bufferSize = 1 << 20

    /// A sink that keeps every byte in `bytes`.
    public init() {
        file = nil
        path = "memory"
    }

    /// A sink that writes to a new (truncated) file at `url`; call `close()` when done.
    public init(file url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: url) else {
            throw ONNXError.cannotWrite(path: url.path,
                                        reason: "cannot create the file (does its folder exist and is it writable?)")
        }
        file = handle
        path = url.path
        bytes.reserveCapacity(Self.bufferSize)
    }

    public func append(_ byte: UInt8) {
        bytes.append(byte)
        count += 1
    }

    public func append(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw)
        count += raw.count
    }

    public func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }

    /// Writes buffered bytes to the file once the buffer is full (memory sinks keep everything).
    public func flushIfFull() throws {
        if bytes.count >= Self.bufferSize { try flush() }
    }

    /// Writes buffered bytes to the file.
    public func flush() throws {
        guard let file, !bytes.isEmpty else { return }
        do { try file.write(contentsOf: bytes) } catch {
            throw ONNXError.cannotWrite(path: path, reason: "\(error)")
        }
        bytes.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and closes the file.
    public func close() throws {
        try flush()
        guard let file else { return }
        do {
            try file.synchronize()
            try file.close()
        } catch {
            throw ONNXError.cannotWrite(path: path, reason: "\(error)")
        }
    }
}
