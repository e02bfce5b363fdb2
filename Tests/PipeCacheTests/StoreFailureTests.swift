import Foundation
import PipeCache
import Testing
import TestSupport

/// Only proof that stored bytes are wrong may delete them: a full disk, a read-only cache or a
/// read error is reported with the path and the reason, and keeps everything.
@Suite("Artifact store under I/O failures", .serialized)
struct StoreFailureTests {
    func objectURL(_ root: URL, _ entry: ArtifactEntry) -> URL {
        root.appendingPathComponent("objects/\(entry.digest.hex.prefix(2))/\(entry.digest.hex).zst")
    }

    @Test("unpacking onto a full disk names the path and the cause, removes nothing, and works once there is room",
          .enabled(if: Tmpfs.isAvailable))
    func fullDisk() throws {
        let disk = try Tmpfs(kilobytes: 1024)
        defer { disk.unmount() }
        let root = disk.folder.appendingPathComponent(".pipe")
        let store = try ArtifactStore(root: root)
        let source = try makeTemporaryFolder("pipecache")
        let entry = try store.store(folder: try sampleArtifact(in: source), key: "k", type: "dataset", kind: "load")
        disk.fill()
        let out = disk.folder.appendingPathComponent("out")
        #expect {
            try store.unpack(key: "k", into: out)
        } throws: { error in
            guard case let .inaccessible(key: "k", cause)? = error as? CacheError else { return false }
            return "\(cause)".contains("No space left on device") && "\(cause)".contains(root.path)
        }
        #expect(store.contains("k"))
        #expect(FileManager.default.fileExists(atPath: objectURL(root, entry).path))
        // Checking writes nothing, so a full disk does not stop it.
        #expect(store.verifyAll().map(\.status) == [.intact])
        disk.unfill()
        try store.unpack(key: "k", into: out)
        #expect(try Data(contentsOf: out.appendingPathComponent("sub/train.jsonl")).count > 500_000)
    }

    @Test("a read-only cache verifies its intact artifacts as intact and reports a corrupt one it cannot remove",
          .enabled(if: Tmpfs.isAvailable))
    func readOnly() throws {
        let disk = try Tmpfs(kilobytes: 2048)
        defer { disk.unmount() }
        let root = disk.folder.appendingPathComponent(".pipe")
        let store = try ArtifactStore(root: root)
        let source = try makeTemporaryFolder("pipecache")
        try store.store(folder: try sampleArtifact(in: source), key: "good", type: "dataset", kind: "load")
        let small = source.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: true)
        try Data("bad".utf8).write(to: small.appendingPathComponent("x"))
        let bad = try store.store(folder: small, key: "bad", type: "text", kind: "emit")
        var bytes = try Data(contentsOf: objectURL(root, bad))
        bytes[bytes.count - 5] ^= 0x01
        try bytes.write(to: objectURL(root, bad))
        try disk.remountReadOnly()

        let reopened = try ArtifactStore(root: root)
        let findings = Dictionary(uniqueKeysWithValues: reopened.verifyAll().map { ($0.key, $0) })
        #expect(findings["good"]?.status == .intact)
        #expect(findings["bad"]?.status == .corrupt && findings["bad"]?.removed == false)
        #expect {
            try reopened.unpack(key: "good", into: source.appendingPathComponent("out"))
        } throws: { error in
            guard case let .inaccessible(key: "good", cause)? = error as? CacheError else { return false }
            return "\(cause)".contains("Read-only file system")
        }
        #expect(reopened.contains("good") && reopened.contains("bad"))
    }

    @Test("a read error on an object is reported as one and deletes nothing")
    func readError() throws {
        let root = try makeTemporaryFolder("pipecache")
        let store = try ArtifactStore(root: root.appendingPathComponent(".pipe"))
        let entry = try store.store(folder: try sampleArtifact(in: root), key: "k", type: "dataset", kind: "load")
        // A folder in the object's place: open(2) succeeds and read(2) fails with EISDIR, an I/O error.
        let object = objectURL(store.root, entry)
        try FileManager.default.removeItem(at: object)
        try FileManager.default.createDirectory(at: object, withIntermediateDirectories: false)
        #expect {
            try store.verify(key: "k")
        } throws: { error in
            guard case let .inaccessible(key: "k", cause)? = error as? CacheError else { return false }
            return "\(cause)".contains(object.path) && "\(cause)".contains("Is a directory")
        }
        #expect(store.contains("k"))
        #expect(FileManager.default.fileExists(atPath: object.path))
        #expect(store.verifyAll().map(\.status) == [.unchecked])
    }

    @Test("errors of the compressed source pass through the archive reader instead of counting as damage")
    func sourceErrorsPassThrough() throws {
        let failing = CacheError.unreadable("/cache/objects/ab/x.zst", reason: "Input/output error")
        let reader = try ZstdReader { _ in throw failing }
        #expect(throws: failing) { try ArtifactArchive.read(from: reader, into: nil, expecting: Digest.of("x")) }
        #expect(!failing.provesDamage)
        #expect(CacheError.badFrame("Unknown frame descriptor").provesDamage)
    }
}

@Suite("Key index verification")
struct KeyIndexTests {
    /// A store with two artifacts, "k1" and "k2", of different content.
    func twoArtifacts() throws -> (ArtifactStore, ArtifactEntry, ArtifactEntry) {
        let root = try makeTemporaryFolder("pipecache")
        let store = try ArtifactStore(root: root.appendingPathComponent(".pipe"))
        let a = try store.store(folder: try sampleArtifact(in: root), key: "k1", type: "dataset", kind: "load")
        let small = root.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: small.appendingPathComponent("x"))
        let b = try store.store(folder: small, key: "k2", type: "text", kind: "emit")
        return (store, a, b)
    }

    func entryFile(_ store: ArtifactStore, _ key: String) -> URL {
        store.root.appendingPathComponent("keys/\(key.prefix(2))/\(key).json")
    }

    @Test("garbage and empty key entries are found corrupt and removed; the other entries stay intact",
          arguments: [Data(), Data("{\"key\": 3".utf8), Data("not json at all".utf8)])
    func garbageEntry(contents: Data) throws {
        let (store, _, _) = try twoArtifacts()
        try contents.write(to: entryFile(store, "k2"))
        let findings = store.verifyAll()
        #expect(findings.map(\.key) == ["k1", "k2"])
        #expect(findings.map(\.status) == [.intact, .corrupt])
        #expect(findings[1].removed && !store.contains("k2"))
    }

    @Test("an entry that points at another key's object is corrupt; that object is kept")
    func entryPointsElsewhere() throws {
        let (store, a, b) = try twoArtifacts()
        var wrong = b
        wrong.digest = a.digest
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(wrong).write(to: entryFile(store, "k2"))
        let findings = store.verifyAll()
        #expect(findings.map(\.status) == [.intact, .corrupt])
        #expect(findings[1].reason?.contains("points at another object") == true)
        #expect(!store.contains("k2") && store.contains("k1"))
        try store.verify(key: "k1")
    }

    @Test("an entry filed under another key is corrupt and removed without touching the real one")
    func entryUnderAnotherKey() throws {
        let (store, _, _) = try twoArtifacts()
        let copy = entryFile(store, "zz-copy")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: entryFile(store, "k1"), to: copy)
        let findings = store.verifyAll()
        #expect(findings.map(\.key) == ["k1", "k2", "zz-copy"])
        #expect(findings.map(\.status) == [.intact, .intact, .corrupt])
        #expect(store.contains("k1") && !store.contains("zz-copy"))
    }

    @Test("a missing object makes its entry corrupt: the entry is removed, nothing else")
    func missingObject() throws {
        let (store, a, _) = try twoArtifacts()
        try FileManager.default.removeItem(at: store.root.appendingPathComponent("objects/\(a.digest.hex.prefix(2))/\(a.digest.hex).zst"))
        #expect(store.verifyAll().map(\.status) == [.corrupt, .intact])
        #expect(!store.contains("k1") && store.contains("k2"))
    }
}
