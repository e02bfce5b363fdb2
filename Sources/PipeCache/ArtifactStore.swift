import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
                try FileManager.default.createDirectory(
                    at: self.root.appendingPathComponent(folder), withIntermediateDirectories: true)
            } catch {
                throw CacheError.unwritable(
                    self.root.appendingPathComponent(folder).path, reason: error.localizedDescription)
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
    /// Cluster submissions: each one's job logs and progress events (see `SubmittedJobs`).
    public var jobsFolder: URL { root.appendingPathComponent("jobs") }

    /// A fresh, empty temporary folder inside the store (same file system, so renames are atomic).
    public func makeTemporaryFolder(_ label: String) throws -> URL {
        // The host is part of the name: on a cache shared by cluster nodes, a pid only means something
        // on the machine that made the folder.
        let url = root.appendingPathComponent(
            "tmp/\(getpid())-\(label)-\(UUID().uuidString.prefix(8))@\(Self.hostName)")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw CacheError.unwritable(url.path, reason: CacheError.reason(error))
        }
        return url
    }

    /// Removes temporaries left by processes that no longer run (a `kill -9`, a power cut).
    public func sweepTemporaries() {
        let tmp = root.appendingPathComponent("tmp")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: tmp.path) else { return }
        for name in names {
            if let at = name.lastIndex(of: "@"), name[name.index(after: at)...] != Self.hostName { continue }
            guard let pid = Int32(name.split(separator: "-").first ?? ""), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: tmp.appendingPathComponent(name))
            }
        }
    }

    /// This machine's name, as `gethostname` gives it.
    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

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
            if let data = FileManager.default.contents(atPath: url.path),
                let entry = try? Self.decoder.decode(ArtifactEntry.self, from: data)
            {
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
        guard FileManager.default.createFile(atPath: compressed.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: compressed.path)
        else {
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
        } catch let error as CacheError {
            try? handle.close()
            throw error
        } catch {
            try? handle.close()
            throw CacheError.unwritable(compressed.path, reason: CacheError.reason(error))
        }
        let object = objectURL(digest)
        if !FileManager.default.fileExists(atPath: object.path) {
            try FileManager.default.createDirectory(
                at: object.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.commit(compressed, to: object)
        }
        let entry = ArtifactEntry(key: key, digest: digest, type: type, kind: kind, bytes: bytes,
                                  compressedBytes: writer.compressedBytes, created: Date())
        try AtomicFile.write(try Self.encoder.encode(entry), to: entryURL(key))
        return entry
    }

    /// Unpacks the artifact under `key` into `folder` (created, must not exist), verifying its digest.
    ///
    /// Only proof that the stored bytes are wrong removes anything: a damaged object is removed with
    /// its entry, an entry that does not describe its object is removed alone, and either is
    /// reported as `CacheError.corrupt`. A failure to read or write (disk full, read-only, EIO)
    /// throws `CacheError.inaccessible` naming the path and the reason, and removes nothing.
    /// With `keeping`, files are written only up to the byte count it returns for them (nil: not at
    /// all), as in `ArtifactArchive.read`: `pipe report` reads summaries without copying weights.
    @discardableResult
    public func unpack(
        key: String, into folder: URL, keeping: ((_ path: String, _ size: Int) -> Int?)? = nil
    ) throws -> ArtifactEntry {
        guard let entry = entry(for: key) else { throw CacheError.missing(key: key) }
        let staging: URL
        do { staging = try makeTemporaryFolder("unpack") } catch {
            throw CacheError.inaccessible(
                key: key,
                cause: error as? CacheError
                    ?? .unwritable(root.appendingPathComponent("tmp").path, reason: CacheError.reason(error)))
        }
        do {
            try check(entry, storedAs: key, unpackingInto: staging, keeping: keeping)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        do {
            try FileManager.default.createDirectory(
                at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.commit(staging, to: folder)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            let cause = error as? CacheError ?? .unwritable(folder.path, reason: CacheError.reason(error))
            throw CacheError.inaccessible(key: key, cause: cause)
        }
        return entry
    }

    /// Checks an artifact's object against its digest and its entry, writing nothing.
    public func verify(key: String) throws {
        guard let entry = entry(for: key) else { throw CacheError.missing(key: key) }
        try check(entry, storedAs: key, unpackingInto: nil)
    }

    /// Streams the object of `entry` (stored under `key`) through the archive reader, into `folder`
    /// when given. Removes what is proven wrong; see `unpack`.
    func check(
        _ entry: ArtifactEntry, storedAs key: String, unpackingInto folder: URL?,
        keeping: ((String, Int) -> Int?)? = nil
    ) throws {
        guard entry.key == key else {
            throw corrupt(key: key, "its entry is the one of key \(entry.key.prefix(12))", removingObject: false)
        }
        let path = objectURL(entry.digest).path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT {
                throw corrupt(key: key, "its object \(entry.digest.short) is gone", removingObject: false)
            }
            throw CacheError.inaccessible(key: key, cause: .unreadable(path, reason: String(cString: strerror(code))))
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        let length: Int
        do {
            let reader = try ZstdReader { count in
                do { return try handle.read(upToCount: count) ?? Data() } catch {
                    throw CacheError.unreadable(path, reason: CacheError.reason(error))
                }
            }
            length = try ArtifactArchive.read(from: reader, into: folder, expecting: entry.digest, keeping: keeping)
        } catch let error as CacheError where error.provesDamage {
            throw corrupt(key: key, error.description, removingObject: true)
        } catch let error as CacheError {
            throw CacheError.inaccessible(key: key, cause: error)
        } catch {
            throw CacheError.inaccessible(key: key, cause: .unreadable(path, reason: CacheError.reason(error)))
        }
        guard length == entry.bytes else {
            throw corrupt(
                key: key,
                "its entry records \(entry.bytes) bytes but object \(entry.digest.short) "
                    + "holds \(length): the entry points at another object", removingObject: false)
        }
    }

    /// Removes the entry of `key` (and with `removingObject`, the object it names) and returns the
    /// `corrupt` error to throw, saying whether the removal worked.
    func corrupt(key: String, _ reason: String, removingObject: Bool) -> CacheError {
        var removed = true
        if removingObject, let entry = entry(for: key) {
            removed = removeFile(objectURL(entry.digest)) && removed
        }
        removed = removeFile(entryURL(key)) && removed
        return .corrupt(key: key, reason: reason, removed: removed)
    }

    /// Deletes a file; true if it is gone afterwards (it may never have existed).
    func removeFile(_ url: URL) -> Bool {
        unlink(url.path) == 0 || errno == ENOENT
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
        guard
            let walker = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        else { return 0 }
        var total = 0
        for case let url as URL in walker {
            if let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey]),
                values.isRegularFile == true
            {
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
