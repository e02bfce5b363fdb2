import Foundation
import GGUF
import Llama
import Testing

/// GGUF files whose metadata lies: each must be refused from the metadata and the tensor table,
/// before anything sized by the metadata is allocated or a wrong value reaches the model.
@Suite("GGUF metadata checked before use")
struct HostileGGUFTests {
    /// The tiny Q4_0 model (88 KB), its metadata changed by `changes`, tensors copied as they are.
    func tinyQ4(_ changes: [String: GGUFValue]) throws -> GGUFFile {
        let original = try GGUFFile(contentsOf: Paths.tiny.appendingPathComponent("gguf/tiny-q4_0.gguf"))
        var writer = try GGUFWriter(alignment: original.alignment)
        try writer.setMetadata(from: original, excluding: Set(changes.keys))
        for (key, value) in changes.sorted(by: { $0.key < $1.key }) { try writer.set(key, value) }
        for tensor in original.tensors {
            try writer.addTensor(name: tensor.name, type: tensor.type, dimensions: tensor.dimensions, data: original.data(of: tensor))
        }
        return try GGUFFile(data: writer.serialized())
    }

    @Test("a block_count far beyond the tensor table is refused before the weights are allocated")
    func absurdBlockCount() throws {
        // Before the fix this allocated 11 GB and ran for 53 s before "missing tensor".
        let file = try tinyQ4(["llama.block_count": .uint32(65_536)])
        #expect {
            try LlamaModel(gguf: file)
        } throws: { error in
            guard case let .invalidConfig(key, reason)? = error as? LlamaError else { return false }
            return key == "llama.block_count" && reason.contains("65536 blocks") && reason.contains("blk.2.attn_norm.weight")
        }
    }

    @Test("a block_count one more than the file holds names the first missing tensor")
    func oneBlockTooMany() throws {
        let file = try tinyQ4(["llama.block_count": .uint32(3)])
        #expect(throws: LlamaError.self) { try LlamaConfig(gguf: file) }
    }

    @Test("an embedding width that disagrees with the tensors is a shape mismatch, found from the table")
    func wrongWidth() throws {
        let file = try tinyQ4(["llama.feed_forward_length": .uint32(256)])
        #expect {
            try LlamaConfig(gguf: file)
        } throws: { error in
            if case .shapeMismatch? = error as? LlamaError { return true }
            return false
        }
    }

    @Test("an infinite, NaN, zero or out-of-range rms_norm_eps or rope.freq_base is refused with its key",
          arguments: [
            ("llama.attention.layer_norm_rms_epsilon", Float.infinity), ("llama.attention.layer_norm_rms_epsilon", -Float.infinity),
            ("llama.attention.layer_norm_rms_epsilon", Float.nan), ("llama.attention.layer_norm_rms_epsilon", 0),
            ("llama.attention.layer_norm_rms_epsilon", 2),
            ("llama.rope.freq_base", Float.infinity), ("llama.rope.freq_base", Float.nan), ("llama.rope.freq_base", -1),
            ("llama.rope.freq_base", 1e30),
          ])
    func nonFiniteFloats(key: String, value: Float) throws {
        let file = try tinyQ4([key: .float32(value)])
        #expect {
            try LlamaConfig(gguf: file)
        } throws: { error in
            guard case let .invalidConfig(found, _)? = error as? LlamaError else { return false }
            return found == key || (key.hasSuffix("epsilon") && found == "rms_norm_eps") || (key.hasSuffix("freq_base") && found == "rope_theta")
        }
    }

    @Test("a config.json that claims 65,536 layers fails on the first missing tensor, before the weights are allocated")
    func absurdLayerCountInConfig() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: Paths.tiny.appendingPathComponent("model.safetensors"), to: folder.appendingPathComponent("model.safetensors"))
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: Paths.tiny.appendingPathComponent("config.json"))) as! [String: Any]
        config["num_hidden_layers"] = 65_536
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        #expect(throws: LlamaError.missingTensor(name: "model.layers.2.input_layernorm.weight", file: folder.path)) {
            try LlamaModel(huggingFaceFolder: folder)
        }
    }

    @Test("the unchanged tiny file still loads (the baseline)")
    func baseline() throws {
        let config = try LlamaConfig(gguf: try tinyQ4([:]))
        #expect(config.layerCount == 2)
    }
}
