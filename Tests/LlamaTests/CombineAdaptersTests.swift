import Foundation
import Llama
import Tensor
import Testing

@Suite("Weighting and concatenating LoRA adapters")
struct CombineAdaptersTests {
    static func adapter(_ config: LlamaConfig, rank: Int, targets: [LlamaTensor], seed: UInt64) throws -> LoRAAdapter {
        let a = try LoRAAdapter(config: config, rank: rank, alpha: Float(2 * rank), targets: targets, seed: seed)
        var rng = Xoshiro256(seed: seed + 100)
        for t in a.targets {
            for l in 0..<config.layerCount { rng.fillUniform(a.b(t, layer: l), a.outputSize(t) * rank, -0.1, 0.1) }
        }
        return a
    }

    @Test("a concatenated adapter gives the logits of its weighted parts applied together (1e-5)")
    func concatenationEqualsWeightedSum() throws {
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let c = model.config
        let first = try Self.adapter(c, rank: 2, targets: [.wq, .wv], seed: 1)
        let second = try Self.adapter(c, rank: 3, targets: [.wv, .wDown], seed: 2)
        let tokens = [[1, 5, 9, 44, 120, 7, 3, 250]]
        let combined = try LoRAAdapter.concatenating([first, second], weights: [0.7, 1.5])
        #expect(combined.rank == 5 && combined.targets == [.wq, .wv, .wDown])
        model.adapters = [combined]
        let cat = try model.logits(tokens)
        first.scaleUpdate(by: 0.7)
        second.scaleUpdate(by: 1.5)
        model.adapters = [first, second]
        let separate = try model.logits(tokens)
        #expect(maxAbsDiff(cat, separate) < 1e-5)
    }

    @Test("a weight of 0 removes an adapter's effect")
    func zeroWeight() throws {
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let base = try model.logits([[1, 2, 3, 4]])
        let adapter = try Self.adapter(model.config, rank: 2, targets: [.wq], seed: 3)
        adapter.scaleUpdate(by: 0)
        model.adapters = [adapter]
        #expect(maxAbsDiff(try model.logits([[1, 2, 3, 4]]), base) < 1e-6)
    }

    @Test("one weight per adapter is required")
    func weightsMustMatch() throws {
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let adapter = try Self.adapter(model.config, rank: 2, targets: [.wq], seed: 3)
        #expect(throws: LlamaError.self) { try LoRAAdapter.concatenating([adapter], weights: [1, 2]) }
    }
}
