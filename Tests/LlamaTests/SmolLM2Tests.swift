import Foundation
import Testing
import GGUF
import Llama

/// The demo model, loaded once for the suite.
private let smolModel: Result<LlamaModel, Error> = Result { try LlamaModel(ggufAt: Paths.demoModel) }

@Suite("SmolLM2-135M Q4_1 agrees with transformers")
struct SmolLM2Tests {
    @Test("the argmax at every position of every prompt equals transformers'")
    func argmaxPerPosition() throws {
        let model = try smolModel.get()
        let cases = try SmolCases.load()
        #expect(model.config.layerCount == 30 && model.config.hiddenSize == 576 && model.config.vocabSize == 49152)
        for c in cases.cases {
            let logits = try model.logits([c.ids])
            #expect(rowArgmax(logits, V: model.config.vocabSize) == c.argmax_per_position, "\(c.prompt)")
        }
    }

    @Test("greedy decoding with the KV cache gives transformers' 24 tokens for every prompt")
    func greedy24() throws {
        let model = try smolModel.get()
        for c in try SmolCases.load().cases {
            let result = try model.generate(
                prompt: c.ids,
                options: GenerationOptions(maxNewTokens: 24, sampling: SamplingOptions(temperature: 0), stopTokenIds: []))
            #expect(result.tokens == c.greedy_24, "\(c.prompt)")
            #expect(result.stopReason == .length)
        }
    }
}
