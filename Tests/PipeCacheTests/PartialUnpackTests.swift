import Foundation
import PipeCache
import TestSupport
import Testing

@Suite("Unpacking part of an artifact")
struct PartialUnpackTests {
    @Test("only the files kept are written, each cut to the bytes asked for")
    func keepsWhatIsAsked() throws {
        let root = try makeTemporaryFolder("pipecache")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ArtifactStore(root: root.appendingPathComponent(".pipe"))
        let folder = try sampleArtifact(in: root)
        try store.store(folder: folder, key: "k", type: "dataset", kind: "load")
        let out = root.appendingPathComponent("out")
        try store.unpack(key: "k", into: out) { path, size in
            path.hasSuffix(".json") ? size : path.hasSuffix(".jsonl") ? 1000 : nil
        }
        let original = try Data(contentsOf: folder.appendingPathComponent("dataset.json"))
        #expect(try Data(contentsOf: out.appendingPathComponent("dataset.json")) == original)
        let train = try Data(contentsOf: folder.appendingPathComponent("sub/train.jsonl"))
        #expect(try Data(contentsOf: out.appendingPathComponent("sub/train.jsonl")) == train.prefix(1000))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("noise.bin").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("empty").path))
    }

    @Test("a damaged object is still caught when none of its files are kept")
    func stillChecksTheDigest() throws {
        let root = try makeTemporaryFolder("pipecache")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ArtifactStore(root: root.appendingPathComponent(".pipe"))
        let entry = try store.store(folder: try sampleArtifact(in: root), key: "k", type: "dataset", kind: "load")
        let object = root.appendingPathComponent(".pipe/objects/\(entry.digest.hex.prefix(2))/\(entry.digest.hex).zst")
        var bytes = try Data(contentsOf: object)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: object)
        #expect(throws: CacheError.self) {
            try store.unpack(key: "k", into: root.appendingPathComponent("out")) { _, _ in nil }
        }
        #expect(!store.contains("k"))
    }
}
