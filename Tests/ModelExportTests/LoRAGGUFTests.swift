import Foundation
import Testing
import GGUF
import Llama
import ModelExport

@Suite("Exporting a LoRA adapter as llama.cpp's adapter GGUF")
struct LoRAGGUFTests {
    @Test("the tiny PEFT adapter is written with llama.cpp's keys, names, shapes and alpha")
    func layout() throws {
        let scratch = try Scratch()
        let base = try LlamaModel(ggufAt: Tiny.f32)
        let adapter = try LoRAAdapter(peftFolder: Tiny.adapter, config: base.config)
        let out = scratch.file("lora.gguf")
        try GGUFExport.writeLoRA(adapter, config: base.config, name: "tiny-lora", to: out)
        let file = try GGUFFile(contentsOf: out)
        #expect(file.metadata.string("general.architecture") == "llama")
        #expect(file.metadata.string("general.type") == "adapter")
        #expect(file.metadata.string("adapter.type") == "lora")
        #expect(file.metadata.float("adapter.lora.alpha") == 8)
        #expect(file.tensors.count == 2 * 7 * 2)
        for l in 0..<2 {
            for t in adapter.targets {
                let name = t.ggufName(layer: l)
                let a = try #require(file.tensor(named: name + ".lora_a"))
                let b = try #require(file.tensor(named: name + ".lora_b"))
                let shape = t.shape(base.config)
                #expect(a.dimensions == [shape[1], 4] && a.type == .f32)
                #expect(b.dimensions == [4, shape[0]] && b.type == .f32)
                let aRows = Array(UnsafeBufferPointer(start: adapter.a(t, layer: l), count: 4 * shape[1]))
                #expect(try file.floats(of: a) == aRows)
                var bRows = try file.floats(of: b)
                if t == .wq || t == .wk {
                    let heads = t == .wq ? base.config.headCount : base.config.kvHeadCount
                    LlamaCppRowOrder(heads: heads, headSize: shape[0] / heads).toHuggingFace(&bRows, rowLength: 4)
                }
                let expected = Array(UnsafeBufferPointer(start: adapter.b(t, layer: l), count: 4 * shape[0]))
                #expect(bRows == expected, "\(name)")
            }
        }
    }

    @Test("rsLoRA's scale alpha / sqrt(r) is written as the alpha llama.cpp divides by r")
    func rsLoRAAlpha() throws {
        let scratch = try Scratch()
        let config = try LlamaModel(ggufAt: Tiny.f32).config
        let adapter = try LoRAAdapter(config: config, rank: 4, alpha: 8, targets: [.wq], useRSLoRA: true, seed: 3)
        let out = scratch.file("rs.gguf")
        try GGUFExport.writeLoRA(adapter, config: config, name: "rs", to: out)
        let alpha = try #require(try GGUFFile(contentsOf: out).metadata.float("adapter.lora.alpha"))
        #expect(abs(alpha / 4 - adapter.scale) <= 1e-6)
    }

    @Test("an adapter with alpha 0 or made for another shape is refused with a message")
    func refusals() throws {
        let scratch = try Scratch()
        let config = try LlamaModel(ggufAt: Tiny.f32).config
        let zero = try LoRAAdapter(config: config, rank: 4, alpha: 0, targets: [.wq])
        #expect(throws: GGUFExportError.unrepresentableLoRAScale(0)) {
            try GGUFExport.writeLoRA(zero, config: config, name: "z", to: scratch.file("z.gguf"))
        }
        var other = config
        other.intermediateSize = 96
        let wrong = try LoRAAdapter(config: other, rank: 4, alpha: 8, targets: [.wUp])
        #expect {
            try GGUFExport.writeLoRA(wrong, config: config, name: "w", to: scratch.file("w.gguf"))
        } throws: { error in
            "\(error)".contains("up_proj")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).isEmpty)
    }
}
