import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files that appear whole or not at all: written under a temporary name, fsynced, renamed.
public enum AtomicFile {
    /// Writes `data` to `url` atomically (creating parent folders).
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { handle in try handle.write(contentsOf: data) }
    }

    /// Creates a temporary file beside `url`, lets `body` fill it, then fsyncs and renames it over `url`.
    public static func write(to url: URL, _ body: (FileHandle) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(UUID().uuidString.prefix(8)).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CacheError.unwritable(temporary.path, reason: String(cString: strerror(errno)))
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch let error as CacheError {
                try? handle.close()
                throw error
            } catch {
                try? handle.close()
                throw CacheError.unwritable(temporary.path, reason: CacheError.reason(error))
            }
            try commit(temporary, to: url)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Renames a finished temporary file or folder over `url` and fsyncs the parent folder.
    public static func commit(_ temporary: URL, to url: URL) throws {
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            throw CacheError.unwritable(url.path, reason: reason)
        }
        syncFolder(url.deletingLastPathComponent())
    }

    static func syncFolder(_ folder: URL) {
        let fd = open(folder.path, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
