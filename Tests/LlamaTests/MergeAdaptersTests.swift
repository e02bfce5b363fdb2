import Foundation
import Testing
import Llama

@Suite("Merging LoRA adapters into the weights")
struct MergeAdaptersTests {
    @Test("the tiny model with its PEFT adapter merged gives the adapter's logits within 1e-5")
    func mergedLogitsEqualAdapterLogits() throws {
        let tokens = [[1, 5, 9, 200, 17, 3, 44, 120], [7, 7, 260, 31, 2, 99, 150, 11]]
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let folder = Paths.tiny.appendingPathComponent("adapter")
        model.adapters = [try LoRAAdapter(peftFolder: folder, config: model.config)]
        let withAdapter = try model.logits(tokens)
        try model.mergeAdapters()
        #expect(model.adapters.isEmpty)
        let merged = try model.logits(tokens)
        let diff = maxAbsDiff(merged, withAdapter)
        #expect(diff <= 1e-5, "max |diff| \(diff)")
        let base = try LlamaModel(huggingFaceFolder: Paths.tiny).logits(tokens)
        #expect(maxAbsDiff(base, withAdapter) > 1e-3, "the adapter changes the logits")
    }

    @Test("merging into a layer kept only quantized is refused with a message that says how to load it")
    func quantizedOnlyLayersAreRefused() throws {
        let gguf = Paths.tiny.appendingPathComponent("gguf/tiny-q8_0.gguf")
        let model = try LlamaModel(ggufAt: gguf, floatLinearWeights: false)
        let folder = Paths.tiny.appendingPathComponent("adapter")
        model.adapters = [try LoRAAdapter(peftFolder: folder, config: model.config)]
        #expect {
            try model.mergeAdapters()
        } throws: { error in
            "\(error)".contains("floatLinearWeights")
        }
    }
}
