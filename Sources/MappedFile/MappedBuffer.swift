// Read-only bytes of a whole file, memory-mapped (zero-copy; the OS pages data in on demand),
// or an owned copy for bytes built in memory. Raw pointers into it stay valid while the buffer lives.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Immutable bytes, mapped from a file or copied from memory. Share it to keep pointers alive.
public final class MappedBuffer: @unchecked Sendable {
    /// First byte (valid for `count` bytes while this object lives).
    public let base: UnsafeRawPointer
    /// Number of bytes.
    public let count: Int
    private let isMapped: Bool

    /// Maps the file at `url` read-only.
    public init(contentsOf url: URL) throws {
        let path = url.path
        // Checked before opening: open(2) of a FIFO blocks until someone writes to it.
        switch FileKind(path: path) {
        case .regularFile: break
        case let .unavailable(reason): throw MappedBufferError(path: path, reason: reason)
        case let other: throw MappedBufferError(path: path, reason: "is \(other), not a regular file")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MappedBufferError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw MappedBufferError(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw MappedBufferError(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        if size == 0 {
            base = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 64))
            count = 0
            isMapped = false
            return
        }
        guard let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED else {
            throw MappedBufferError(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(pointer)
        count = size
        isMapped = true
    }

    /// Copies `data` into an owned, 64-byte aligned buffer.
    public init(copying data: Data) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(data.count, 1), alignment: 64)
        data.withUnsafeBytes { source in
            if let from = source.baseAddress, source.count > 0 {
                memory.copyMemory(from: from, byteCount: source.count)
            }
        }
        base = UnsafeRawPointer(memory)
        count = data.count
        isMapped = false
    }

    deinit {
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    /// All bytes as a buffer pointer (valid while this object lives).
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// A zero-copy `Data` of `range` (clamped to the buffer) that keeps this buffer alive as long as the `Data` lives.
    public func data(_ range: Range<Int>) -> Data {
        let range = range.clamped(to: 0 ..< count)
        if range.isEmpty { return Data() }
        let start = UnsafeMutableRawPointer(mutating: base + range.lowerBound)
        return Data(bytesNoCopy: start, count: range.count, deallocator: .custom { [self] _, _ in
            withExtendedLifetime(self) {}
        })
    }
}

/// A file that could not be opened or mapped.
public struct MappedBufferError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
