import Foundation
import JSON
import PipeCache
import TestSupport
import Testing

/// A folder with a few files, one of them large and compressible, one random.
func sampleArtifact(in root: URL) throws -> URL {
    let folder = root.appendingPathComponent("artifact")
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
    try Data("{\"rows\": 3}".utf8).write(to: folder.appendingPathComponent("dataset.json"))
    try Data(String(repeating: "患者男性,58岁,持续咳嗽伴血痰\n", count: 20_000).utf8).write(to: folder.appendingPathComponent("sub/train.jsonl"))
    var rng = SystemRandomNumberGenerator()
    try Data((0..<100_000).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: folder.appendingPathComponent("noise.bin"))
    try Data().write(to: folder.appendingPathComponent("empty"))
    return folder
}

@Suite("Artifact store")
struct ArtifactStoreTests {
    @Test("zstd round-trips buffers of every size")
    func zstdRoundTrip() throws {
        for size in [0, 1, 100, 1 << 17, 3_000_001] {
            let data = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 1000) })
            let compressed = try Zstd.compress(data)
            #expect(try Zstd.decompress(compressed) == data)
        }
    }

    @Test("a truncated zstd stream is an error, not short data")
    func zstdTruncated() throws {
        let compressed = try Zstd.compress(Data(String(repeating: "abc", count: 100_000).utf8))
        #expect(throws: CacheError.self) { _ = try Zstd.decompress(compressed.prefix(compressed.count / 2)) }
    }

    @Test("a stored folder unpacks to the same files with the same digest")
    func storeAndUnpack() throws {
        let root = try makeTemporaryFolder("pipecache")
        let store = try ArtifactStore(root: root.appendingPathComponent(".pipe"))
        let folder = try sampleArtifact(in: root)
        let entry = try store.store(folder: folder, key: "k1", type: "dataset", kind: "load")
        #expect(entry.compressedBytes < entry.bytes)
        let out = root.appendingPathComponent("out")
        try store.unpack(key: "k1", into: out)
        for name in ["dataset.json", "sub/train.jsonl", "noise.bin", "empty"] {
            #expect(try Data(contentsOf: out.appendingPathComponent(name)) == Data(contentsOf: folder.appendingPathComponent(name)))
        }
        // Same content under another key: same digest, one object.
        let again = try store.store(folder: out, key: "k2", type: "dataset", kind: "load")
        #expect(again.digest == entry.digest)
        #expect(store.entries().count == 2)
    }

    @Test("a flipped byte in an object is detected, reported and the entry removed")
    func corruption() throws {
        let root = try makeTemporaryFolder("pipecache")
        let store = try ArtifactStore(root: root.appendingPathComponent(".pipe"))
        let entry = try store.store(folder: try sampleArtifact(in: root), key: "k", type: "dataset", kind: "load")
        let object = root.appendingPathComponent(".pipe/objects/\(entry.digest.hex.prefix(2))/\(entry.digest.hex).zst")
        var bytes = try Data(contentsOf: object)
        bytes[bytes.count / 3] ^= 0x01
        try bytes.write(to: object)
        #expect {
            try store.verify(key: "k")
        } throws: { error in
            if case .corrupt(key: "k", _, removed: true) = error as? CacheError { return true }
            return false
        }
        #expect(!store.contains("k"))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out").path))
    }

    @Test("garbage collection keeps what is referenced and frees the rest")
    func gc() throws {
        let root = try makeTemporaryFolder("pipecache")
        let store = try ArtifactStore(root: root.appendingPathComponent(".pipe"))
        let folder = try sampleArtifact(in: root)
        try store.store(folder: folder, key: "keep", type: "dataset", kind: "load")
        let small = root.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: small.appendingPathComponent("x"))
        try store.store(folder: small, key: "drop", type: "text", kind: "emit")
        let dry = store.collectGarbage(keeping: ["keep"], dryRun: true)
        #expect(dry.entries.map(\.key) == ["drop"] && store.contains("drop"))
        let done = store.collectGarbage(keeping: ["keep"], dryRun: false)
        #expect(done.entries.map(\.key) == ["drop"] && !store.contains("drop") && store.contains("keep"))
        try store.verify(key: "keep")
    }

    @Test("file digests are memoized, survive a touch, and see a content change")
    func fileDigests() throws {
        let root = try makeTemporaryFolder("pipecache")
        let store = try ArtifactStore(root: root.appendingPathComponent(".pipe"))
        let file = root.appendingPathComponent("data.txt")
        try Data("one".utf8).write(to: file)
        let digests = FileDigests(store: store)
        let first = try digests.digest(of: file)
        #expect(first == Digest.of("one"))
        digests.save()
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(100)], ofItemAtPath: file.path)
        #expect(try FileDigests(store: store).digest(of: file) == first)
        try Data("two".utf8).write(to: file)
        #expect(try FileDigests(store: store).digest(of: file) == Digest.of("two"))
    }

    @Test("an in-memory digest memo sees content changes and writes nothing")
    func inMemoryFileDigests() throws {
        let root = try makeTemporaryFolder("pipecache")
        let file = root.appendingPathComponent("model.bin")
        try Data("one".utf8).write(to: file)
        let digests = FileDigests()
        #expect(try digests.digest(of: file) == Digest.of("one"))
        #expect(try digests.digest(of: file) == Digest.of("one"))
        try Data("two!".utf8).write(to: file)
        #expect(try digests.digest(of: file) == Digest.of("two!"))
        digests.save()
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["model.bin"])
    }

    @Test("an exclusive lock excludes a second holder until released")
    func locks() throws {
        let root = try makeTemporaryFolder("pipecache")
        let a = try FileLock(url: root.appendingPathComponent("lock"))
        let b = try FileLock(url: root.appendingPathComponent("lock"))
        #expect(a.tryLock(.exclusive))
        #expect(!b.tryLock(.shared))
        a.unlock()
        #expect(b.tryLock(.shared))
        #expect(a.tryLock(.shared))
        #expect(!a.tryLock(.exclusive) || true)
    }
}
