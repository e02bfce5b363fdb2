import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An artifact folder as one byte stream, the thing that is compressed and hashed:
///
///     u64 little-endian  header length
///     header             canonical JSON: {"files":[{"path":"a/b.json","size":123},...]} sorted by path
///     file bytes         each file's bytes, in header order
///
/// No timestamps or permissions go in, so the same files always give the same digest.
public enum ArtifactArchive {
    struct Header: Codable {
        struct File: Codable { var path: String; var size: Int }
        var files: [File]
    }

    static let maxHeaderBytes = 64 << 20

    /// Regular files under `folder`, relative paths sorted bytewise.
    public static func files(in folder: URL) throws -> [(path: String, url: URL, size: Int)] {
        let base = folder.standardizedFileURL.resolvingSymlinksInPath()
        guard
            let walker = FileManager.default.enumerator(
                at: base, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey])
        else {
            throw CacheError.unreadable(folder.path, reason: "cannot list the folder")
        }
        var out: [(path: String, url: URL, size: Int)] = []
        let prefix = base.path.hasSuffix("/") ? base.path : base.path + "/"
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            guard values.isRegularFile == true else { continue }
            let full = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard full.hasPrefix(prefix) else { continue }
            out.append((String(full.dropFirst(prefix.count)), url, values.fileSize ?? 0))
        }
        return out.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
    }

    /// Streams `folder` as an archive through `sink`; returns the content digest and byte count.
    public static func write(
        folder: URL, to sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> (digest: Digest, bytes: Int) {
        let entries = try files(in: folder)
        let header = Header(files: entries.map { .init(path: $0.path, size: $0.size) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let headerData = try encoder.encode(header)
        var hasher = StreamingDigest()
        var total = 0
        func emit(_ bytes: UnsafeRawBufferPointer) throws {
            hasher.update(bytes)
            total += bytes.count
            try sink(bytes)
        }
        var length = UInt64(headerData.count).littleEndian
        try withUnsafeBytes(of: &length) { try emit($0) }
        try headerData.withUnsafeBytes { try emit($0) }
        for entry in entries {
            guard let handle = FileHandle(forReadingAtPath: entry.url.path) else {
                throw CacheError.unreadable(entry.url.path, reason: "cannot open for reading")
            }
            defer { try? handle.close() }
            var written = 0
            while written < entry.size {
                let chunk = try handle.read(upToCount: min(4 << 20, entry.size - written)) ?? Data()
                if chunk.isEmpty {
                    throw CacheError.unreadable(entry.url.path, reason: "file shrank while it was being stored")
                }
                try chunk.withUnsafeBytes { try emit($0) }
                written += chunk.count
            }
        }
        return (hasher.finalize(), total)
    }

    /// Reads an archive stream, checking its digest, and returns its length in bytes. With a
    /// `folder` (which must exist and be empty) the files are written there; without one the
    /// bytes are only hashed (`cache verify` writes nothing).
    ///
    /// With `keeping`, each file (by relative path and size) is written only up to the byte count it
    /// returns (nil: not at all); everything is still read and hashed, so the digest is checked all the same.
    ///
    /// Damaged content throws `CacheError.badArchive` or `.badFrame`; a failure to write a file
    /// throws `.unwritable` with its path and the system's reason. Errors of the reader's source
    /// pass through.
    @discardableResult
    public static func read(
        from reader: ZstdReader, into folder: URL?, expecting digest: Digest,
        keeping: ((_ path: String, _ size: Int) -> Int?)? = nil
    ) throws -> Int {
        var hasher = StreamingDigest()
        var total = 0
        func take(_ count: Int) throws -> [UInt8] {
            let bytes = try reader.readExactly(count)
            bytes.withUnsafeBytes { hasher.update($0) }
            total += count
            return bytes
        }
        let lengthBytes = try take(8)
        let length = lengthBytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian
        guard length <= UInt64(maxHeaderBytes) else { throw CacheError.badArchive("header length \(length) is absurd") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(try take(Int(length))))
        } catch let error as CacheError {
            throw error
        } catch {
            throw CacheError.badArchive("unreadable header: \(error)")
        }
        for file in header.files {
            guard !file.path.isEmpty, !file.path.hasPrefix("/"), !file.path.split(separator: "/").contains(".."),
                file.size >= 0
            else {
                throw CacheError.badArchive("bad file path \(file.path)")
            }
            let limit = keeping.map { $0(file.path, file.size) } ?? file.size
            var wanted = max(0, limit ?? 0)
            let output = try folder.flatMap {
                limit == nil ? nil : try UnpackedFile($0.appendingPathComponent(file.path))
            }
            defer { output?.finish() }
            var remaining = file.size
            while remaining > 0 {
                let chunk = try reader.read(upTo: min(remaining, 4 << 20))
                if chunk.isEmpty { throw CacheError.badArchive("\(file.path) ends \(remaining) bytes early") }
                chunk.withUnsafeBytes { hasher.update($0) }
                if let output, wanted > 0 {
                    try output.append(chunk.count <= wanted ? chunk : Array(chunk.prefix(wanted)))
                    wanted -= min(wanted, chunk.count)
                }
                remaining -= chunk.count
                total += chunk.count
            }
        }
        if try !reader.read(upTo: 1).isEmpty { throw CacheError.badArchive("unexpected bytes after the last file") }
        let actual = hasher.finalize()
        guard actual == digest else {
            throw CacheError.badArchive("content digest \(actual.short) does not match the recorded \(digest.short)")
        }
        return total
    }
}

/// A file being unpacked, written with plain system calls so a failure carries its errno.
final class UnpackedFile {
    let path: String
    private var fd: Int32

    init(_ url: URL) throws {
        path = url.path
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CacheError.unwritable(folder.path, reason: CacheError.reason(error))
        }
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CacheError.unwritable(path, reason: String(cString: strerror(errno))) }
    }

    func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CacheError.unwritable(path, reason: String(cString: strerror(errno)))
                }
                offset += n
            }
        }
    }

    func finish() {
        if fd >= 0 { _ = close(fd) }
        fd = -1
    }
}
