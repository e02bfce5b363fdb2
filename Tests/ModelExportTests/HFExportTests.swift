import Foundation
import GGUF
import JSON
import Llama
import ModelExport
import Safetensors
import TestSupport
import Testing
import Tokenizer

@Suite("Hugging Face export")
struct HFExportTests {
    @Test("the tiny model's export loads back through the project's reader with exactly the same logits")
    func tinyRoundTrip() throws {
        let model = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        let folder = try makeTemporaryFolder("hf-export").appendingPathComponent("hf")
        try HFExport.write(model, tokenizer: Fixtures.tinyTokenizer(), template: nil, to: folder)
        #expect(try entries(folder) == ["config.json", "generation_config.json", "model.safetensors",
                                        "tokenizer.json", "tokenizer_config.json"])
        let back = try LlamaModel(huggingFaceFolder: folder)
        #expect(back.config == model.config)
        let batch = try Fixtures.tinyBatch()
        #expect(try back.logits(batch) == model.logits(batch))
    }

    @Test("a model with an adapter exports merged weights that compute the adapted model's logits")
    func mergedAdapter() throws {
        let model = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        model.adapters = [try LoRAAdapter(peftFolder: Fixtures.tinyAdapter, config: model.config)]
        let folder = try makeTemporaryFolder("hf-export").appendingPathComponent("merged")
        try HFExport.write(model, tokenizer: Fixtures.tinyTokenizer(), template: nil, to: folder)
        let back = try LlamaModel(huggingFaceFolder: folder)
        #expect(back.adapters.isEmpty)
        let batch = try Fixtures.tinyBatch()
        let diff = maxAbsDiff(try back.logits(batch), try model.logits(batch))
        #expect(diff <= 1e-5, "max |diff| \(diff)")
        let base = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        #expect(maxAbsDiff(try back.logits(batch), try base.logits(batch)) > 1e-3, "the adapter changed nothing")
    }

    @Test("a model that keeps its linear layers only quantized exports them dequantized")
    func quantizedOnly() throws {
        let url = Fixtures.tiny.appendingPathComponent("gguf/tiny-q8_0.gguf")
        let model = try LlamaModel(ggufAt: url, floatLinearWeights: false)
        #expect(!model.parameters.omitted.isEmpty)
        let folder = try makeTemporaryFolder("hf-export").appendingPathComponent("q8")
        try HFExport.write(model, tokenizer: Fixtures.tinyTokenizer(), template: nil, to: folder)
        let back = try LlamaModel(huggingFaceFolder: folder)
        let dequantized = try LlamaModel(ggufAt: url, keepQuantized: false)
        let batch = try Fixtures.tinyBatch()
        let diff = maxAbsDiff(try back.logits(batch), try dequantized.logits(batch))
        #expect(diff <= 1e-5, "max |diff| \(diff)")
    }

    @Test("above the shard size the weights are split into shards with an index the folder reader opens")
    func sharded() throws {
        let model = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        let folder = try makeTemporaryFolder("hf-export").appendingPathComponent("sharded")
        try HFExport.write(model, tokenizer: Fixtures.tinyTokenizer(), template: nil, to: folder,
                           maxShardBytes: 200_000)
        let names = try entries(folder)
        #expect(names.contains("model-00001-of-00003.safetensors"))
        #expect(names.contains("model-00003-of-00003.safetensors"))
        #expect(!names.contains("model.safetensors"))
        let indexURL = folder.appendingPathComponent("model.safetensors.index.json")
        let index = try JSONParser.parse(Data(contentsOf: indexURL))
        #expect(index["metadata"]?["total_size"]?.intValue == model.parameterCount * 4)
        #expect(index["weight_map"]?.objectValue?.count == 2 + 9 * 2 + 1)
        let shardSizes = try names.filter { $0.hasPrefix("model-") }.map {
            try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent($0).path)[.size] as? Int ?? 0
        }
        #expect(shardSizes.allSatisfy { $0 <= 200_000 + 4096 })
        let batch = try Fixtures.tinyBatch()
        #expect(try LlamaModel(huggingFaceFolder: folder).logits(batch) == model.logits(batch))
    }

    @Test("exporting over an existing folder replaces it and leaves no temporary folder behind")
    func replacesFolder() throws {
        let parent = try makeTemporaryFolder("hf-export")
        let folder = parent.appendingPathComponent("hf")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: folder.appendingPathComponent("stale.txt"))
        let model = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        try HFExport.write(model, tokenizer: Fixtures.tinyTokenizer(), template: nil, to: folder)
        #expect(try entries(parent) == ["hf"])
        #expect(try !entries(folder).contains("stale.txt"))
    }

    @Test("a tokenizer whose pre-tokenizer has no tokenizer.json form fails before anything is written")
    func unsupportedPreTokenizerWritesNothing() throws {
        var vocabulary = try Fixtures.tinyTokenizer().vocabulary
        vocabulary.preTokenizer = .default
        let parent = try makeTemporaryFolder("hf-export")
        let model = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        #expect(throws: HFExportError.unsupportedPreTokenizer("default (llama.cpp's fallback)")) {
            try HFExport.write(model, tokenizer: BPETokenizer(vocabulary), template: nil,
                               to: parent.appendingPathComponent("hf"))
        }
        #expect(try entries(parent).isEmpty)
    }

    @Test("config.json and generation_config.json carry transformers' names and the ids generation stops at")
    func configFiles() throws {
        let model = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        let tokenizer = try Fixtures.tinyTokenizer()
        let folder = try makeTemporaryFolder("hf-export").appendingPathComponent("hf")
        try HFExport.write(model, tokenizer: tokenizer, template: nil, to: folder)
        let config = try JSONParser.parse(Data(contentsOf: folder.appendingPathComponent("config.json")))
        #expect(config["architectures"] == ["LlamaForCausalLM"])
        #expect(config["hidden_act"] == "silu" && config["num_key_value_heads"] == 2 && config["rms_norm_eps"] == 1e-5)
        let generation = try JSONParser.parse(Data(contentsOf: folder.appendingPathComponent("generation_config.json")))
        let stops = Set(tokenizer.endOfGenerationIDs.map(Int.init)).union(model.config.eosTokenIds).sorted()
        let expected: JSONValue = stops.count == 1
            ? .number(Double(stops[0])) : .array(stops.map { .number(Double($0)) })
        #expect(generation["eos_token_id"] == expected)
    }
}
