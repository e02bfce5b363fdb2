import Foundation
import Testing
import Llama
import Tensor

@Suite("LoRA training on a base kept in bfloat16")
struct TrainingBFloat16Tests {
    private func tiny(_ name: String = "f32", floatLinearWeights: Bool = true) throws -> LlamaModel {
        try LlamaModel(ggufAt: Paths.tiny.appendingPathComponent("gguf/tiny-\(name).gguf"),
                       floatLinearWeights: floatLinearWeights)
    }

    private func relativeError(_ a: [Float], _ b: [Float]) -> Double {
        var diff = 0.0, norm = 0.0
        for (x, y) in zip(a, b) {
            diff += Double(x - y) * Double(x - y)
            norm += Double(y) * Double(y)
        }
        return (diff / norm).squareRoot()
    }

    @Test("bfloat16 products give the float32 loss and LoRA gradients within bfloat16's rounding")
    func closeToFloat32() throws {
        let (floatLoss, floatGrads) = try tinyLoRAGradients(try tiny())
        let model = try tiny()
        model.bfloat16 = BFloat16Weights(model)
        let (loss, grads) = try tinyLoRAGradients(model)
        #expect(loss != floatLoss, "the bfloat16 products were not used")
        #expect(abs(loss - floatLoss) <= 1e-2 * abs(floatLoss), "\(loss) vs \(floatLoss)")
        let error = relativeError(grads, floatGrads)
        #expect(error < 2e-2, "relative gradient error \(error)")
    }

    @Test("gate and up kept in bfloat16 for the backward: the same loss, gradients within bfloat16's rounding")
    func compactMLP() throws {
        let model = try tiny().withLinearWeightsInBFloat16()
        let (loss, grads) = try tinyLoRAGradients(model)
        for checkpointing in [false, true] {
            let (compactLoss, compactGrads) = try tinyLoRAGradients(model, compactMLP: true, checkpointing: checkpointing)
            #expect(compactLoss == loss, "the forward does not read the rounded copies")
            #expect(compactGrads != grads, "the rounded copies were not used")
            let error = relativeError(compactGrads, grads)
            #expect(error < 1e-2, "relative gradient error \(error)")
        }
    }

    @Test("a model whose float32 linear layers are dropped computes the same bytes, from float32 or quantized blocks")
    func convertedModel() throws {
        let float = try tiny("q4_1")
        float.bfloat16 = BFloat16Weights(float)
        let converted = try tiny("q4_1").withLinearWeightsInBFloat16()
        let head: LlamaTensor = converted.config.tieWordEmbeddings ? .embed : .lmHead
        #expect(converted.parameters.omitted == Set(BFloat16Weights.kinds + [head]))
        #expect(converted.parameters.count < float.parameters.count)
        let fromBlocks = try tiny("q4_1", floatLinearWeights: false).withLinearWeightsInBFloat16()
        let (l1, g1) = try tinyLoRAGradients(float)
        let (l2, g2) = try tinyLoRAGradients(converted)
        let (l3, g3) = try tinyLoRAGradients(fromBlocks)
        #expect(l1 == l2 && l2 == l3)
        #expect(g1 == g2 && g2 == g3)
    }

    private func run(_ precision: TrainingPrecision, steps: Int = 12) throws -> (TrainingSummary, [Float], [Float]) {
        let data = (0..<8).map { i in TrainingExample(tokens: (0..<12).map { Int32(($0 * 7 + i * 3) % 50) }) }
        var hp = TrainingHyperparameters()
        hp.rank = 4
        hp.maxSteps = steps
        hp.batchSize = 2
        hp.learningRate = 1e-2
        hp.precision = precision
        hp.targets = ["q_proj", "v_proj", "down_proj"]
        var losses: [Float] = []
        let trainer = try Trainer(model: try tiny(), hyperparameters: hp, trainingSet: data)
        let summary = try trainer.train(progress: { p in
            if case let .step(_, _, loss, _, _, _) = p { losses.append(loss) }
        })
        let adapter = try #require(trainer.adapter)
        return (summary, losses, Array(adapter.buffer))
    }

    @Test("the trainer with precision bf16 lowers the loss like float32, and repeats its bytes")
    func trainer() throws {
        let (f32, f32Losses, _) = try run(.float32)
        let (bf16, bf16Losses, adapter) = try run(.bf16)
        #expect(bf16.steps == 12)
        #expect(bf16Losses.last! < bf16Losses.first! * 0.9, "\(bf16Losses)")
        for (a, b) in zip(bf16Losses, f32Losses) {
            #expect(abs(a - b) <= 0.02 * b, "bf16 \(bf16Losses) vs float32 \(f32Losses)")
        }
        #expect(f32.lastLoss != bf16.lastLoss)
        let (_, again, adapterAgain) = try run(.bf16)
        #expect(again == bf16Losses && adapterAgain == adapter)
    }

    @Test("bf16 is refused for full fine-tuning, and float32 on a model kept in bfloat16")
    func refusals() throws {
        let data = [TrainingExample(tokens: [1, 2, 3, 4])]
        var hp = TrainingHyperparameters()
        hp.method = .full
        hp.precision = .bf16
        #expect(throws: LlamaError.invalidConfig(
            key: "precision",
            reason: "bf16 applies to a frozen base (LoRA); full fine-tuning trains every weight in float32")) {
            try Trainer(model: try tiny(), hyperparameters: hp, trainingSet: data)
        }
        hp.method = .lora
        hp.precision = .float32
        #expect(throws: LlamaError.self) {
            try Trainer(model: try tiny().withLinearWeightsInBFloat16(), hyperparameters: hp, trainingSet: data)
        }
    }
}
