import Foundation
import Testing
import Llama
import Tensor

/// Sequences of 3..12 tokens for the tiny model, the first few labels masked and one with none kept.
private func ragged(_ count: Int, seed: UInt64) -> [TrainingExample] {
    var rng = Xoshiro256(seed: seed)
    var out = (0..<count).map { _ in
        let n = 3 + Int(rng.next() % 10)
        let tokens = (0..<n).map { _ in Int32(rng.next() % 300) }
        var labels = tokens
        for t in 0..<Int(rng.next() % 3) { labels[t] = ignoreIndex }
        return TrainingExample(tokens: tokens, labels: labels)
    }
    out[1].labels = out[1].labels.map { _ in ignoreIndex }
    return out
}

/// The reference: each example alone through the Hugging Face loss, weighted by its kept labels.
private func weightedLoss(_ model: LlamaModel, _ examples: [TrainingExample]) throws -> Double {
    var total = 0.0, count = 0
    for e in examples {
        let kept = e.labels.dropFirst().filter { $0 != ignoreIndex }.count
        guard kept > 0 else { continue }
        let loss = try model.loss(tokens: [e.tokens.map(Int.init)], labels: [e.labels.map(Int.init)])
        total += Double(loss) * Double(kept)
        count += kept
    }
    return total / Double(count)
}

@Suite("The mean loss of a list of examples")
struct MeanLossTests {
    @Test("padded batches give the token-weighted mean of each example's own loss, whatever the batch size")
    func weightedMean() throws {
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let examples = ragged(7, seed: 3)
        let expected = try weightedLoss(model, examples)
        for batchSize in [1, 3, 8] {
            let loss = try model.meanLoss(of: examples, batchSize: batchSize, padToken: 0)
            #expect(abs(loss - expected) < 1e-5 * expected, "batch \(batchSize): \(loss) vs \(expected)")
        }
    }

    @Test("with a LoRA adapter the mean loss is the adapted model's")
    func withAdapter() throws {
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let adapter = Paths.tiny.appendingPathComponent("adapter")
        model.adapters = [try LoRAAdapter(peftFolder: adapter, config: model.config)]
        let examples = ragged(5, seed: 4)
        let loss = try model.meanLoss(of: examples, batchSize: 2, padToken: 0)
        let expected = try weightedLoss(model, examples)
        #expect(abs(loss - expected) < 1e-5 * expected, "\(loss) vs \(expected)")
    }

    @Test("no kept label gives NaN")
    func nothingKept() throws {
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let masked = TrainingExample(tokens: [1, 2, 3], labels: [ignoreIndex, ignoreIndex, ignoreIndex])
        #expect(try model.meanLoss(of: [masked], batchSize: 4, padToken: 0).isNaN)
    }

    @Test("the trainer's eval loss is the mean loss of its eval set")
    func trainerEvaluation() throws {
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        var hp = TrainingHyperparameters()
        hp.batchSize = 3
        hp.maxLength = 64
        hp.padToken = 5
        let eval = ragged(5, seed: 6)
        let trainer = try Trainer(model: model, hyperparameters: hp, trainingSet: ragged(4, seed: 5),
                                  evaluationSet: eval)
        let expected = try model.meanLoss(of: eval, batchSize: 3, padToken: 5)
        #expect(try trainer.evaluate() == Float(expected))
        #expect(abs(Double(try trainer.evaluate()) - (try weightedLoss(model, eval))) < 1e-5 * expected)
    }
}
