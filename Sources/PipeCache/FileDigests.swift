import Foundation

/// Content digests of files read from outside the cache, memoized by (path, size, mtime, inode) so a
/// no-op rerun does not rehash big files. A `touch` changes the mtime and so forces a rehash, which
/// gives the same digest: the key does not change unless the content does.
public final class FileDigests: @unchecked Sendable {
    struct Stamp: Codable, Equatable {
        var size: Int64
        var mtimeNanoseconds: Int64
        var inode: UInt64
        var device: UInt64
    }

    struct Record: Codable {
        var stamp: Stamp
        var digest: Digest
    }

    /// Where the memo is kept between runs; nil for a memo that lives only as long as the process.
    private let url: URL?
    private let lock = NSLock()
    private var records: [String: Record]
    private var dirty = false

    public init(store: ArtifactStore) {
        let url = store.root.appendingPathComponent("file-digests.json")
        self.url = url
        if let data = FileManager.default.contents(atPath: url.path),
            let decoded = try? JSONDecoder().decode([String: Record].self, from: data)
        {
            records = decoded
        } else {
            records = [:]
        }
    }

    /// A memo kept in memory only (`save` does nothing).
    public init() {
        url = nil
        records = [:]
    }

    /// The process-wide in-memory memo: code that verifies files outside an engine run (opening
    /// a model artifact) hashes each file once per process.
    public static let process = FileDigests()

    /// The digest of the file's current content.
    public func digest(of file: URL) throws -> Digest {
        let path = file.standardizedFileURL.path
        let stamp = try Self.stamp(path)
        if let known = lock.withLock({ records[path] }), known.stamp == stamp {
            return known.digest
        }
        let digest = try Digest.ofFile(at: file)
        // A file modified while it was hashed gets no memo: its next use hashes again.
        if let after = try? Self.stamp(path), after == stamp {
            lock.withLock {
                records[path] = Record(stamp: stamp, digest: digest)
                dirty = true
            }
        }
        return digest
    }

    /// Writes the memo back if anything was learned (merging with what other runs wrote meanwhile).
    public func save() {
        guard let url else { return }
        let snapshot: [String: Record]? = lock.withLock {
            guard dirty else { return nil }
            dirty = false
            return records
        }
        guard var merged = snapshot else { return }
        if let data = FileManager.default.contents(atPath: url.path),
            let onDisk = try? JSONDecoder().decode([String: Record].self, from: data)
        {
            merged = onDisk.merging(merged) { _, mine in mine }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let data = try? encoder.encode(merged) {
            try? AtomicFile.write(data, to: url)
        }
    }

    static func stamp(_ path: String) throws -> Stamp {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CacheError.unreadable(path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CacheError.unreadable(path, reason: "not a regular file")
        }
        #if canImport(Darwin)
        let mtime = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #else
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #endif
        return Stamp(
            size: Int64(info.st_size), mtimeNanoseconds: mtime, inode: UInt64(info.st_ino), device: UInt64(info.st_dev))
    }
}
