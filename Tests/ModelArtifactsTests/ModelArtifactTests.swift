import Foundation
import Llama
import ModelArtifacts
import Testing
import TestSupport

let packageRoot = TestPaths.packageRoot
let tinyGGUF = TestPaths.reference.appendingPathComponent("tiny/gguf/tiny-f32.gguf")

func scratchFolder() throws -> URL { try makeTemporaryFolder("model-artifact") }

@Suite("Model artifacts")
struct ModelArtifactTests {
    @Test("a GGUF model is described by reference and digest, and opens to the same logits as the file")
    func ggufByReference() throws {
        let artifact = try ModelLoader.describe(tinyGGUF)
        #expect(artifact.format == .gguf)
        #expect(artifact.files.count == 1 && artifact.files[0].sha256.count == 64)
        #expect(artifact.config.layerCount == 2 && artifact.config.hiddenSize == 64 && artifact.config.vocabSize == 300)
        #expect(artifact.summary.tokenizer.chatTemplate == "chatml")
        let folder = try scratchFolder()
        try artifact.write(to: folder)
        let sizes = try FileManager.default.contentsOfDirectory(atPath: folder.path).map { try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent($0).path)[.size] as? Int ?? 0 }
        #expect(sizes.reduce(0, +) < 16_384, "the artifact must not copy weights")
        let read = try ModelArtifact.read(from: folder)
        #expect(read == artifact)
        let opened = try read.open(manifestFolder: packageRoot)
        let direct = try ModelLoader.open(tinyGGUF)
        #expect(try opened.model.logits([[1, 2, 3]]) == direct.model.logits([[1, 2, 3]]))
        #expect(artifact.summaryText.contains("architecture: llama, 2 layers, width 64"))
    }

    @Test("opening refuses a source file that changed since it was loaded")
    func sourceChanged() throws {
        let folder = try scratchFolder()
        let copy = folder.appendingPathComponent("model.gguf")
        try FileManager.default.copyItem(at: tinyGGUF, to: copy)
        let artifact = try ModelLoader.describe(copy)
        var bytes = try Data(contentsOf: copy)
        bytes[bytes.count - 1] ^= 0x01
        try bytes.write(to: copy)
        #expect(throws: ModelArtifactError.sourceChanged(path: copy.path, reason: "changed")) { _ = try artifact.open(manifestFolder: packageRoot) }
        try FileManager.default.removeItem(at: copy)
        #expect(throws: ModelArtifactError.sourceChanged(path: copy.path, reason: "is gone")) { _ = try artifact.open(manifestFolder: packageRoot) }
    }

    @Test("a model initialised from a config has the tokenizer's vocabulary and the same weights for the same seed")
    func initialised() throws {
        let spec = ModelInitSpec(layers: 2, width: 32, heads: 4, kvHeads: 2, ffn: 64)
        let a = try ModelLoader.describe(initializing: spec, tokenizer: tinyGGUF, seed: 7).open(manifestFolder: packageRoot)
        let b = try ModelLoader.describe(initializing: spec, tokenizer: tinyGGUF, seed: 7).open(manifestFolder: packageRoot)
        let c = try ModelLoader.describe(initializing: spec, tokenizer: tinyGGUF, seed: 8).open(manifestFolder: packageRoot)
        #expect(a.model.config.vocabSize == 300 && a.model.config.kvHeadCount == 2)
        #expect(try a.model.logits([[5, 6]]) == b.model.logits([[5, 6]]))
        #expect(try a.model.logits([[5, 6]]) != c.model.logits([[5, 6]]))
    }

    @Test("an impossible init spec is refused with the reason")
    func badSpec() throws {
        #expect(throws: ModelArtifactError.invalid("init: width 30 is not a multiple of heads 4")) {
            _ = try ModelLoader.describe(initializing: ModelInitSpec(layers: 1, width: 30, heads: 4, ffn: 8), tokenizer: tinyGGUF, seed: 0)
        }
    }
}

/// Opening a FIFO blocks until a writer appears and a device may never end: model paths that are
/// neither a regular file nor a folder are refused from stat(2), before anything opens them.
@Suite("Model paths that are not files")
struct SpecialModelPathTests {
    @Test("a FIFO or a device named as a model is refused, saying what it is")
    func specialFiles() throws {
        let folder = try makeTemporaryFolder("special-model")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("model.gguf")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        #expect(throws: ModelArtifactError.unreadable(fifo.path, reason: "is a FIFO (named pipe), not a model file or folder")) {
            try ModelLoader.sourceFiles(fifo)
        }
        #expect(throws: ModelArtifactError.unreadable("/dev/zero", reason: "is a character device, not a model file or folder")) {
            try ModelLoader.describe(URL(fileURLWithPath: "/dev/zero"))
        }
    }

    @Test("a FIFO inside a Hugging Face folder is refused before the folder is read")
    func fifoInFolder() throws {
        let folder = try makeTemporaryFolder("special-model")
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("config.json")
        #expect(mkfifo(config.path, 0o600) == 0)
        #expect(throws: ModelArtifactError.unreadable(config.path, reason: "is a FIFO (named pipe), not a regular file")) {
            try ModelLoader.sourceFiles(folder)
        }
    }
}
