import Foundation
import Testing
import Llama
import Tensor

@Suite("LoRA training on a base kept in its quantized blocks")
struct TrainingQuantizedTests {
    /// LoRA gradients of the reference batch for the tiny GGUF `name`, its linear layers float32 or only quantized.
    private func loraGradients(_ name: String, floatLinearWeights: Bool) throws -> (Float, [Float]) {
        let model = try LlamaModel(ggufAt: Paths.tiny.appendingPathComponent("gguf/tiny-\(name).gguf"),
                                   floatLinearWeights: floatLinearWeights)
        #expect(model.parameters.omitted.isEmpty == floatLinearWeights)
        return try tinyLoRAGradients(model, quantizedBase: !floatLinearWeights)
    }

    @Test("quantized-only linear layers give the loss and LoRA gradients of their dequantized float32 copy",
          arguments: ["q8_0", "q4_1", "q4_0"])
    func sameGradients(name: String) throws {
        let (floatLoss, floatGrads) = try loraGradients(name, floatLinearWeights: true)
        let (quantLoss, quantGrads) = try loraGradients(name, floatLinearWeights: false)
        #expect(abs(floatLoss - quantLoss) <= 1e-5, "\(floatLoss) vs \(quantLoss)")
        expectGradient(quantGrads, floatGrads, "\(name) LoRA gradients")
    }

    @Test("the trainer runs LoRA on a quantized-only base and refuses full fine-tuning of it")
    func trainerOnQuantizedBase() throws {
        let url = Paths.tiny.appendingPathComponent("gguf/tiny-q4_1.gguf")
        let data = (0..<6).map { i in TrainingExample(tokens: (0..<10).map { Int32(($0 * 7 + i) % 50) }) }
        var hp = TrainingHyperparameters()
        hp.rank = 4
        hp.maxSteps = 3
        hp.batchSize = 2
        hp.learningRate = 1e-2
        let summary = try Trainer(model: try LlamaModel(ggufAt: url, floatLinearWeights: false), hyperparameters: hp,
                                  trainingSet: data).train()
        #expect(summary.steps == 3 && summary.lastLoss.isFinite)
        hp.method = .full
        #expect(throws: LlamaError.self) {
            try Trainer(model: try LlamaModel(ggufAt: url, floatLinearWeights: false), hyperparameters: hp, trainingSet: data)
        }
    }
}
