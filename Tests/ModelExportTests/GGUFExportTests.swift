import Foundation
import Testing
import GGUF
import Llama
import ModelExport
import Tokenizer

@Suite("Exporting a model as GGUF")
struct GGUFExportTests {
    @Test("the f32 export of llama.cpp's tiny file has its tensors byte for byte and the same logits")
    func f32RoundTrip() throws {
        let scratch = try Scratch()
        let model = try LlamaModel(ggufAt: Tiny.f32)
        let out = scratch.file("tiny.gguf")
        try exportTiny(model, .f32, to: out)
        let original = try GGUFFile(contentsOf: Tiny.f32), exported = try GGUFFile(contentsOf: out)
        #expect(Set(exported.tensors.map(\.name)) == Set(original.tensors.map(\.name)))
        for tensor in original.tensors {
            let mine = try #require(exported.tensor(named: tensor.name))
            #expect(mine.dimensions == tensor.dimensions && mine.type == .f32)
            #expect(exported.data(of: mine) == original.data(of: tensor), "\(tensor.name)")
        }
        let reloaded = try LlamaModel(ggufAt: out)
        #expect(maxAbsDiff(try reloaded.logits(Tiny.tokens), try model.logits(Tiny.tokens)) <= 1e-5)
        #expect(exported.metadata.string("general.type") == "model")
        #expect(exported.metadata.int("general.file_type") == 0)
        #expect(try LlamaConfig(gguf: exported) == LlamaConfig(gguf: original))
    }

    @Test("quantizing the tiny model gives llama-quantize's tensor types and bytes",
          arguments: ["q8_0", "q4_1", "q4_0"])
    func matchesLlamaQuantize(name: String) throws {
        let scratch = try Scratch()
        let type = try #require(QuantizationType(rawValue: name))
        let out = scratch.file("tiny-\(name).gguf")
        try exportTiny(try LlamaModel(ggufAt: Tiny.f32), type, to: out)
        let reference = try GGUFFile(contentsOf: Tiny.gguf(name)), exported = try GGUFFile(contentsOf: out)
        #expect(exported.metadata.int("general.file_type") == reference.metadata.int("general.file_type"))
        for tensor in reference.tensors {
            let mine = try #require(exported.tensor(named: tensor.name))
            #expect(mine.type == tensor.type, "\(tensor.name): \(mine.type) vs llama-quantize's \(tensor.type)")
            #expect(mine.dimensions == tensor.dimensions)
            let a = try exported.floats(of: mine), b = try reference.floats(of: tensor)
            if name == "q4_0" {
                // ggml's Q4_0 rounding may differ by one step with fused multiply-add (see the fixtures' README).
                let step = b.indices.map { abs(a[$0] - b[$0]) }.max() ?? 0
                #expect(step <= 0.02, "\(tensor.name): max |diff| \(step)")
            } else {
                #expect(exported.data(of: mine) == reference.data(of: tensor), "\(tensor.name)")
            }
        }
    }

    @Test("a q8_0 export reloads with logits within 0.15 of the f32 model")
    func q8RoundTripLogits() throws {
        let scratch = try Scratch()
        let model = try LlamaModel(ggufAt: Tiny.f32)
        let out = scratch.file("tiny-q8_0.gguf")
        try exportTiny(model, .q8_0, to: out)
        let diff = maxAbsDiff(try LlamaModel(ggufAt: out).logits(Tiny.tokens), try model.logits(Tiny.tokens))
        #expect(diff <= 0.15, "max |diff| \(diff)")
    }

    /// How far each precision's logits may be from the f32 model's on the tiny model (about twice what
    /// they are: its random weights make small errors visible; llama-quantize's files are as far).
    static let tolerance: [QuantizationType: Float] = [
        .f32: 1e-5, .f16: 0.01, .bf16: 0.05, .q8_0: 0.15, .q6_k: 0.15,
        .q5_0: 1, .q5_1: 1, .q4_k_m: 1, .q4_0: 2, .q4_1: 1.5,
    ]

    @Test("every precision writes a file the reader loads, with the tensor types the precision chooses")
    func everyPrecisionLoads() throws {
        let scratch = try Scratch()
        let model = try LlamaModel(ggufAt: Tiny.f32)
        for type in QuantizationType.allCases {
            let out = scratch.file("tiny-\(type.rawValue).gguf")
            try exportTiny(model, type, to: out)
            let file = try GGUFFile(contentsOf: out)
            for tensor in file.tensors {
                let (t, l) = try #require(LlamaTensor.allCases.lazy.compactMap { t in
                    (0..<2).first { t.ggufName(layer: $0) == tensor.name }.map { (t, $0) } }.first)
                #expect(tensor.type == type.ggmlType(for: t, layer: l, config: model.config), "\(type) \(tensor.name)")
            }
            let logits = try LlamaModel(ggufAt: out).logits(Tiny.tokens)
            let diff = maxAbsDiff(logits, try model.logits(Tiny.tokens))
            #expect(diff <= Self.tolerance[type] ?? 0, "\(type): max |diff| \(diff)")
        }
    }

    @Test("a model with an adapter is exported merged: the file gives the adapter's logits within 1e-5")
    func adaptersAreMerged() throws {
        let scratch = try Scratch()
        let model = try LlamaModel(ggufAt: Tiny.f32)
        model.adapters = [try LoRAAdapter(peftFolder: Tiny.adapter, config: model.config)]
        let out = scratch.file("merged.gguf")
        try exportTiny(model, .f32, to: out)
        #expect(model.adapters.count == 1, "the caller's model keeps its adapter")
        let diff = maxAbsDiff(try LlamaModel(ggufAt: out).logits(Tiny.tokens), try model.logits(Tiny.tokens))
        #expect(diff <= 1e-5, "max |diff| \(diff)")
    }

    @Test("a model that keeps its layers only quantized exports q8_0 with the blocks it was loaded from")
    func quantizedOnlyModel() throws {
        let scratch = try Scratch()
        let model = try LlamaModel(ggufAt: Tiny.gguf("q8_0"), floatLinearWeights: false)
        #expect(!model.parameters.omitted.isEmpty)
        let out = scratch.file("again.gguf")
        try exportTiny(model, .q8_0, to: out)
        let original = try GGUFFile(contentsOf: Tiny.gguf("q8_0")), exported = try GGUFFile(contentsOf: out)
        for tensor in original.tensors {
            let mine = try #require(exported.tensor(named: tensor.name))
            #expect(exported.data(of: mine) == original.data(of: tensor), "\(tensor.name)")
        }
    }

    @Test("writing leaves only the finished file in the folder, replacing an older one")
    func writesAtomically() throws {
        let scratch = try Scratch()
        let out = scratch.file("tiny.gguf")
        try Data("old".utf8).write(to: out)
        try exportTiny(try LlamaModel(ggufAt: Tiny.f32), .q4_1, to: out)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == ["tiny.gguf"])
        #expect(try GGUFFile(contentsOf: out).tensors.count == 21)
    }
}
