import Foundation
import TestSupport
import Testing
import Llama
import Safetensors

@Suite("Malformed PEFT adapters fail with a reason")
struct AdapterErrorTests {
    /// A temporary adapter folder: the tiny adapter's config and the given tensors.
    private func folder(config: String? = nil, _ build: (inout SafetensorsWriter) throws -> Void) throws -> URL {
        let url = try makeTemporaryFolder("llama-adapter")
        let source = Paths.tiny.appendingPathComponent("adapter/adapter_config.json")
        let json = try config ?? String(contentsOf: source, encoding: .utf8)
        try json.write(to: url.appendingPathComponent("adapter_config.json"), atomically: true, encoding: .utf8)
        var writer = SafetensorsWriter()
        try build(&writer)
        try writer.write(to: url.appendingPathComponent("adapter_model.safetensors"))
        return url
    }

    private let config = try? LlamaConfig(contentsOf: Paths.tiny.appendingPathComponent("config.json"))
    private let prefix = "base_model.model.model.layers.0.self_attn.q_proj"

    @Test("a tensor the model cannot apply (an adapted lm_head) is refused, not ignored")
    func strayTensor() throws {
        let config = try #require(config)
        let url = try folder { w in
            try w.add("\(prefix).lora_A.weight", floats: .init(repeating: 0, count: 4 * 64), shape: [4, 64])
            try w.add("\(prefix).lora_B.weight", floats: .init(repeating: 0, count: 64 * 4), shape: [64, 4])
            try w.add("base_model.model.lm_head.lora_A.weight", floats: .init(repeating: 0, count: 4 * 64), shape: [4, 64])
        }
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: LlamaError.self) { try LoRAAdapter(peftFolder: url, config: config) }
    }

    @Test("a rank that does not match the config, a lone A and DoRA are refused")
    func mismatches() throws {
        let config = try #require(config)
        let wrongRank = try folder { w in
            try w.add("\(prefix).lora_A.weight", floats: .init(repeating: 0, count: 8 * 64), shape: [8, 64])
            try w.add("\(prefix).lora_B.weight", floats: .init(repeating: 0, count: 64 * 8), shape: [64, 8])
        }
        let lone = try folder { w in
            try w.add("\(prefix).lora_A.weight", floats: .init(repeating: 0, count: 4 * 64), shape: [4, 64])
        }
        let dora = try folder(config: "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"use_dora\": true}") { w in
            try w.add("\(prefix).lora_A.weight", floats: .init(repeating: 0, count: 4 * 64), shape: [4, 64])
        }
        defer { for u in [wrongRank, lone, dora] { try? FileManager.default.removeItem(at: u) } }
        for url in [wrongRank, lone, dora] {
            #expect(throws: LlamaError.self) { try LoRAAdapter(peftFolder: url, config: config) }
        }
        #expect(throws: LlamaError.self) {
            try LoRAAdapter(peftFolder: Paths.tiny.appendingPathComponent("no-such-adapter"), config: config)
        }
    }
}

@Suite("Malformed model folders fail with a reason")
struct ModelFolderErrorTests {
    private func folder(_ build: (inout SafetensorsWriter) throws -> Void) throws -> URL {
        let url = try makeTemporaryFolder("llama-model")
        try FileManager.default.copyItem(at: Paths.tiny.appendingPathComponent("config.json"),
                                         to: url.appendingPathComponent("config.json"))
        var writer = SafetensorsWriter()
        try build(&writer)
        try writer.write(to: url.appendingPathComponent("model.safetensors"))
        return url
    }

    @Test("a missing tensor is named, and a tensor of the wrong shape is named with both shapes")
    func missingAndMisshapen() throws {
        let missing = try folder { w in
            try w.add("model.embed_tokens.weight", floats: .init(repeating: 0, count: 300 * 64), shape: [300, 64])
        }
        let misshapen = try folder { w in
            try w.add("model.embed_tokens.weight", floats: .init(repeating: 0, count: 64 * 300), shape: [64, 300])
        }
        defer { for u in [missing, misshapen] { try? FileManager.default.removeItem(at: u) } }
        #expect(throws: LlamaError.missingTensor(name: "model.layers.0.input_layernorm.weight", file: missing.path)) {
            try LlamaModel(huggingFaceFolder: missing)
        }
        #expect(throws: LlamaError.shapeMismatch(name: "model.embed_tokens.weight", expected: [300, 64], elementCount: 64 * 300)) {
            try LlamaModel(huggingFaceFolder: misshapen)
        }
        #expect(throws: LlamaError.self) { try LlamaModel.load(contentsOf: missing.appendingPathComponent("nothing-here")) }
    }

    @Test("a tensor the architecture does not use (an o_proj bias) is refused rather than ignored")
    func strayTensor() throws {
        let tiny = try SafetensorsFile(contentsOf: Paths.tiny.appendingPathComponent("model.safetensors"))
        let url = try folder { w in
            for info in tiny.tensors { try w.add(info.name, floats: try tiny.floats(info.name), shape: info.shape) }
            try w.add("model.layers.0.self_attn.o_proj.bias", floats: .init(repeating: 0, count: 64), shape: [64])
        }
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: LlamaError.self) { try LlamaModel(huggingFaceFolder: url) }
    }
}
