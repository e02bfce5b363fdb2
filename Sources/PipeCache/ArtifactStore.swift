import Foundation

/// One stored artifact, as recorded under its cache key.
public struct ArtifactEntry: Sendable, Codable, Equatable {
    public var key: String
    /// SHA-256 of the artifact's archive stream (its content), independent of compression.
    public var digest: Digest
    /// The artifact type the producing stage declared (dataset, model, ...).
    public var type: String
    /// The producing stage's kind.
    public var kind: String
    public var bytes: Int
    public var compressedBytes: Int
    public var created: Date
}

/// The content-addressed, zstd-compressed artifact store under one cache folder:
///
///     objects/ab/<digest>.zst   artifact archives, named by content digest (shared by equal outputs)
///     keys/ab/<key>.json        cache key -> entry (digest, type, sizes)
///     scratch/<key>/            a running stage's checkpoints; survives interruption, removed on success
///     tmp/                      files being written; stale ones are swept
///     locks/                    per-key locks so two runs never compute one key at once
///     runs/                     what each manifest's stages last ran with (for `pipe status`)
///
/// Objects are written before the entry that points to them, each to a temporary name then
/// renamed, so a crash at any moment leaves either nothing or a whole artifact.
public final class ArtifactStore: Sendable {
    public let root: URL

    public init(root: URL) throws {
        self.root = root.standardizedFileURL
        for folder in ["objects", "keys", "scratch", "tmp", "locks", "runs"] {
            do {
                try FileManager.default.createDirectory(at: self.root.appendingPathComponent(folder), withIntermediateDirectories: true)
            } catch {
                throw CacheError.unwritable(self.root.appendingPathComponent(folder).path, reason: error.localizedDescription)
            }
        }
    }

    // MARK: Paths

    func objectURL(_ digest: Digest) -> URL {
        root.appendingPathComponent("objects/\(digest.hex.prefix(2))/\(digest.hex).zst")
    }

    func entryURL(_ key: String) -> URL {
        root.appendingPathComponent("keys/\(key.prefix(2))/\(key).json")
    }

    public func scratchFolder(for key: String) -> URL {
        root.appendingPathComponent("scratch/\(key)")
    }

    public func lockURL(for key: String) -> URL {
        root.appendingPathComponent("locks/\(key).lock")
    }

    public var storeLockURL: URL { root.appendingPathComponent("lock") }
    public var runsFolder: URL { root.appendingPathComponent("runs") }

    /// A fresh, empty temporary folder inside the store (same file system, so renames are atomic).
    public func makeTemporaryFolder(_ label: String) throws -> URL {
        let url = root.appendingPathComponent("tmp/\(getpid())-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Removes temporaries left by processes that no longer run (a `kill -9`, a power cut).
    public func sweepTemporaries() {
        let tmp = root.appendingPathComponent("tmp")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: tmp.path) else { return }
        for name in names {
            guard let pid = Int32(name.split(separator: "-").first ?? ""), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: tmp.appendingPathComponent(name))
            }
        }
    }

    // MARK: Entries

    public func entry(for key: String) -> ArtifactEntry? {
        guard let data = FileManager.default.contents(atPath: entryURL(key).path) else { return nil }
        return try? Self.decoder.decode(ArtifactEntry.self, from: data)
    }

    public func contains(_ key: String) -> Bool {
        FileManager.default.fileExists(atPath: entryURL(key).path)
    }

    public func entries() -> [ArtifactEntry] {
        let keys = root.appendingPathComponent("keys")
        guard let walker = FileManager.default.enumerator(at: keys, includingPropertiesForKeys: nil) else { return [] }
        var out: [ArtifactEntry] = []
        for case let url as URL in walker where url.pathExtension == "json" {
            if let data = FileManager.default.contents(atPath: url.path), let entry = try? Self.decoder.decode(ArtifactEntry.self, from: data) {
                out.append(entry)
            }
        }
        return out.sorted { $0.created < $1.created }
    }

    /// Compresses `folder` into the store under `key`.
    @discardableResult
    public func store(folder: URL, key: String, type: String, kind: String) throws -> ArtifactEntry {
        let tmp = try makeTemporaryFolder("store")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let compressed = tmp.appendingPathComponent("object.zst")
        guard FileManager.default.createFile(atPath: compressed.path, contents: nil), let handle = FileHandle(forWritingAtPath: compressed.path) else {
            throw CacheError.unwritable(compressed.path, reason: "cannot create")
        }
        let size = try ArtifactArchive.files(in: folder).reduce(0) { $0 + $1.size }
        let writer = try ZstdWriter(output: handle, level: 3, workers: size > 16 << 20 ? 2 : 0)
        let (digest, bytes): (Digest, Int)
        do {
            (digest, bytes) = try ArtifactArchive.write(folder: folder) { try writer.write($0) }
            try writer.finish()
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        let object = objectURL(digest)
        if !FileManager.default.fileExists(atPath: object.path) {
            try FileManager.default.createDirectory(at: object.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.commit(compressed, to: object)
        }
        let entry = ArtifactEntry(key: key, digest: digest, type: type, kind: kind, bytes: bytes,
                                  compressedBytes: writer.compressedBytes, created: Date())
        try AtomicFile.write(try Self.encoder.encode(entry), to: entryURL(key))
        return entry
    }

    /// Unpacks the artifact under `key` into `folder` (created, must not exist), verifying its digest.
    /// A corrupt artifact is removed from the store and reported as `CacheError.corrupt`.
    @discardableResult
    public func unpack(key: String, into folder: URL) throws -> ArtifactEntry {
        guard let entry = entry(for: key) else { throw CacheError.missing(key: key) }
        let staging = try makeTemporaryFolder("unpack")
        do {
            guard let handle = FileHandle(forReadingAtPath: objectURL(entry.digest).path) else {
                throw CacheError.badArchive("object \(entry.digest.short) is missing")
            }
            defer { try? handle.close() }
            try ArtifactArchive.read(from: try ZstdReader(input: handle), into: staging, expecting: entry.digest)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            if let cacheError = error as? CacheError, case .unwritable = cacheError { throw error }
            remove(key: key, object: true)
            throw CacheError.corrupt(key: key, reason: "\(error)")
        }
        try FileManager.default.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.commit(staging, to: folder)
        return entry
    }

    /// Checks an artifact's object against its digest without keeping the files.
    public func verify(key: String) throws {
        let folder = try makeTemporaryFolder("verify")
        try? FileManager.default.removeItem(at: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        try unpack(key: key, into: folder)
    }

    /// Forgets `key`; with `object`, also deletes its object file (even if other keys share it).
    public func remove(key: String, object: Bool = false) {
        if object, let entry = entry(for: key) {
            try? FileManager.default.removeItem(at: objectURL(entry.digest))
        }
        try? FileManager.default.removeItem(at: entryURL(key))
    }

    /// Removes every entry whose key is not in `keep`, then every object no entry points to.
    public func collectGarbage(keeping keep: Set<String>, dryRun: Bool) -> (entries: [ArtifactEntry], bytes: Int) {
        let all = entries()
        let doomed = all.filter { !keep.contains($0.key) }
        let liveDigests = Set(all.filter { keep.contains($0.key) }.map(\.digest))
        var freed = 0
        var seenDigests = Set<Digest>()
        for entry in doomed where !liveDigests.contains(entry.digest) && seenDigests.insert(entry.digest).inserted {
            freed += entry.compressedBytes
        }
        guard !dryRun else { return (doomed, freed) }
        for entry in doomed { remove(key: entry.key) }
        for digest in seenDigests { try? FileManager.default.removeItem(at: objectURL(digest)) }
        for entry in doomed { try? FileManager.default.removeItem(at: scratchFolder(for: entry.key)) }
        return (doomed, freed)
    }

    /// Bytes on disk under the store folder.
    public func diskUsage() -> Int {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey]) else { return 0 }
        var total = 0
        for case let url as URL in walker {
            if let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey]), values.isRegularFile == true {
                total += values.fileSize ?? 0
            }
        }
        return total
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        e.dateEncodingStrategy = .iso8601
        return e
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}
