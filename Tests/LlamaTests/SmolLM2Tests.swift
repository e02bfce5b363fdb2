import Foundation
import Testing
import GGUF
import Llama
import Safetensors
import Tokenizer

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

    @Test("the logits are within 2e-2 of transformers' (float32 on the dequantized weights): full rows and every position's top 32")
    func logitsPerPosition() throws {
        let model = try smolModel.get()
        let reference = try SmolLogits.load()
        for (i, c) in try SmolCases.load().cases.enumerated() {
            let diff = try reference.maxAbsDiff(prompt: i, logits: try model.logits([c.ids]))
            #expect(diff <= 2e-2, "prompt \(i): max |diff| \(diff)")
        }
    }

    @Test("the padded batch's loss is within 1e-3 of transformers'")
    func batchLoss() throws {
        let model = try smolModel.get()
        let reference = try SmolLogits.load().file
        let T = reference.info("batch.input_ids")?.shape.last ?? 0
        func rows(_ name: String) throws -> [[Int]] {
            let flat = try reference.int32s(name).map(Int.init)
            return stride(from: 0, to: flat.count, by: T).map { Array(flat[$0..<($0 + T)]) }
        }
        let loss = try model.loss(tokens: rows("batch.input_ids"), labels: rows("batch.labels"),
                                  attentionMask: rows("batch.attention_mask"))
        let expected = try SmolCases.load().batch_loss
        #expect(abs(Double(loss) - expected) <= 1e-3, "loss \(loss) vs \(expected)")
    }

    @Test("decoding one token at a time on the quantized blocks gives transformers' logits within 2e-2 (kept rows and every position's top 32)")
    func quantizedDecode() throws {
        let model = try smolModel.get()
        #expect(model.quantized?.matrix(.wq, layer: 0) != nil && model.quantized?.output != nil)
        let reference = try SmolLogits.load()
        let V = model.config.vocabSize
        let c = try SmolCases.load().cases[1]
        let cache = KVCache(config: model.config, capacity: c.ids.count)
        let acts = model.makeActivations(rows: 1, keys: c.ids.count, logitRows: 1)
        var all: [Float] = []
        for (t, id) in c.ids.enumerated() {
            var token = Int32(id)
            try model.forward(tokens: &token, count: 1, cache: cache, activations: acts)
            let logits = Array(UnsafeBufferPointer(start: acts.logits, count: V))
            all += logits
            #expect(rowArgmax(logits, V: V)[0] == c.argmax_per_position[t], "position \(t)")
        }
        let worst = try reference.maxAbsDiff(prompt: 1, logits: all)
        #expect(worst <= 2e-2, "max |diff| \(worst)")
    }

    @Test("generating from prompt text through the GGUF's tokenizer gives the reference ids, tokens and text")
    func generateFromText() throws {
        let model = try smolModel.get()
        let tokenizer = try BPETokenizer(contentsOf: Paths.demoModel)
        for c in try SmolCases.load().cases {
            var streamed = ""
            let completer = Completer(model: model, tokenizer: tokenizer, options: GenerationOptions(maxNewTokens: 24))
            let result = try completer.complete(c.prompt, onText: { streamed += $0; return true })
            #expect(result.promptTokens == c.ids, "\(c.prompt)")
            #expect(result.tokens == c.greedy_24)
            #expect(result.text == c.greedy_24_text)
            #expect(streamed == result.text)
        }
    }

    @Test("with the linear layers kept only quantized, batched logits and greedy tokens stay the same")
    func quantizedOnly() throws {
        let model = try smolModel.get()
        let lean = try LlamaModel(ggufAt: Paths.demoModel, floatLinearWeights: false)
        #expect(lean.parameters.omitted.count == 7)
        #expect(lean.parameterCount < model.parameterCount / 3)
        let c = try SmolCases.load().cases[0]
        let diff = maxAbsDiff(try lean.logits([c.ids]), try model.logits([c.ids]))
        #expect(diff < 1e-4, "max |diff| \(diff)")
        let result = try lean.generate(prompt: c.ids, options: .init(maxNewTokens: 24, stopTokenIds: []))
        #expect(result.tokens == c.greedy_24)
    }
}
