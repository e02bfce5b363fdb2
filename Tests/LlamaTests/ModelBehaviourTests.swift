import Foundation
import Testing
import Llama
import Tensor

/// A small random model: 3 layers, GQA 4/2 heads, Qwen2-style biases when asked.
private func randomModel(bias: Bool = false, tied: Bool = false, seed: UInt64 = 1) -> LlamaModel {
    let config = LlamaConfig(modelType: bias ? .qwen2 : .llama, vocabSize: 50, hiddenSize: 32, intermediateSize: 48,
                             layerCount: 3, headCount: 4, kvHeadCount: 2, rmsNormEps: 1e-6, ropeTheta: 10000,
                             tieWordEmbeddings: tied, attentionBias: bias, maxPositionEmbeddings: 64, eosTokenIds: [0])
    let parameters = LlamaParameters(config: config, seed: seed, std: 0.2)
    if bias {
        // Give the biases values too, so they matter.
        var rng = Xoshiro256(seed: 99)
        for t in [LlamaTensor.bq, .bk, .bv] {
            rng.fillNormal(parameters.pointer(t), parameters.sizes[t.rawValue], std: 0.2)
        }
    }
    return LlamaModel(parameters: parameters)
}

@Suite("Forward, cache and generation behave consistently")
struct ModelBehaviourTests {
    @Test("the same seed gives the same weights; the layout has one view per tensor and layer")
    func randomInit() {
        let a = randomModel(), b = randomModel()
        #expect(Array(a.parameters.buffer) == Array(b.parameters.buffer))
        let c = a.config
        #expect(a.parameters.count == parameterSizes(c).reduce(0, +))
        #expect(a.parameters.pointer(.wq, layer: 1) - a.parameters.pointer(.wq) == c.qDim * c.hiddenSize)
        #expect(a.parameters.pointer(.attnNorm, layer: 2)[5] == 1)
    }

    @Test("decoding token by token with the KV cache gives the batched forward's logits", arguments: [false, true])
    func cacheMatchesBatch(bias: Bool) throws {
        let model = randomModel(bias: bias, tied: bias)
        let tokens = [3, 17, 42, 8, 8, 1, 29, 30, 11]
        let full = try model.logits([tokens])
        let V = model.config.vocabSize
        let cache = KVCache(config: model.config, capacity: tokens.count)
        let acts = model.makeActivations(rows: 4, keys: tokens.count, logitRows: 4)
        var got: [Float] = []
        // A prompt chunk of 4 (all logits), then one token at a time.
        let first = tokens[0..<4].map { Int32($0) }
        try model.forward(tokens: first, count: 4, cache: cache, activations: acts, allLogits: true)
        got += Array(UnsafeBufferPointer(start: acts.logits, count: 4 * V))
        for t in tokens[4...] {
            var t32 = Int32(t)
            try model.forward(tokens: &t32, count: 1, cache: cache, activations: acts)
            got += Array(UnsafeBufferPointer(start: acts.logits, count: V))
        }
        #expect(maxAbsDiff(got, full) < 1e-5)
    }

    @Test("with a sliding window, decoding with the KV cache still equals the batched forward, and the window changes logits")
    func slidingWindow() throws {
        let plain = randomModel()
        var config = plain.config
        config.slidingWindow = 3
        let model = LlamaModel(parameters: LlamaParameters(config: config, seed: 1, std: 0.2))
        let tokens = [3, 17, 42, 8, 8, 1, 29]
        let full = try model.logits([tokens])
        let V = config.vocabSize
        let result = try model.generate(prompt: Array(tokens.prefix(6)), options: .init(maxNewTokens: 1, stopTokenIds: []))
        #expect(result.tokens[0] == rowArgmax(Array(full[(5 * V)..<(6 * V)]), V: V)[0])
        let cache = KVCache(config: config, capacity: tokens.count)
        let acts = model.makeActivations(rows: 1, keys: tokens.count)
        var last: [Float] = []
        for t in tokens {
            var t32 = Int32(t)
            try model.forward(tokens: &t32, count: 1, cache: cache, activations: acts)
            last = Array(UnsafeBufferPointer(start: acts.logits, count: V))
        }
        #expect(maxAbsDiff(last, Array(full[((tokens.count - 1) * V)...])) < 1e-5)
        // The first 3 positions see the same keys with or without the window.
        let unwindowed = try plain.logits([tokens])
        #expect(maxAbsDiff(Array(full[..<(3 * V)]), Array(unwindowed[..<(3 * V)])) < 1e-6)
        #expect(maxAbsDiff(Array(full[(6 * V)...]), Array(unwindowed[(6 * V)...])) > 1e-3)
    }

    @Test("right padding masked out leaves the real tokens' logits as without padding")
    func paddingMask() throws {
        let model = randomModel()
        let V = model.config.vocabSize
        let short = [5, 6, 7], long = [9, 8, 7, 6, 5]
        let alone = try model.logits([short])
        let batch = try model.logits([short + [0, 0], long], attentionMask: [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
        #expect(maxAbsDiff(Array(batch[0..<(3 * V)]), alone) < 1e-5)
        #expect(maxAbsDiff(Array(batch[(5 * V)...]), try model.logits([long])) < 1e-5)
    }

    @Test("cross-entropy shifts labels, skips -100 and averages over kept tokens")
    func crossEntropy() {
        // Two rows of T = 3 over V = 2; uniform logits give log 2 per kept token.
        let logits = [Float](repeating: 0, count: 2 * 3 * 2)
        let labels: [Int32] = [-100, 1, 0, -100, -100, 1]
        #expect(abs(crossEntropyLoss(logits, labels, 2, 3, 2) - Float(log(2.0))) < 1e-6)
        var peaked = logits
        peaked[0 * 2 + 1] = 100  // row 0, t 0 predicts label 1 confidently
        let expected = Float((0 + log(2.0) + log(2.0)) / 3)
        #expect(abs(crossEntropyLoss(peaked, labels, 2, 3, 2) - expected) < 1e-5)
        #expect(crossEntropyLoss(logits, [Int32](repeating: -100, count: 6), 2, 3, 2).isNaN)
    }

    @Test("a token outside the vocabulary is an error, not a crash")
    func badToken() {
        let model = randomModel()
        #expect(throws: LlamaError.tokenOutOfRange(token: 50, vocabSize: 50)) { try model.logits([[1, 50]]) }
        #expect(throws: LlamaError.self) { try model.logits([[1, 2], [3]]) }
    }

    @Test("a zero-initialized LoRA B leaves logits unchanged; a non-zero one changes them by scale·B·A")
    func loraIdentity() throws {
        let model = randomModel()
        let tokens = [[1, 2, 3, 4]]
        let base = try model.logits(tokens)
        let adapter = try LoRAAdapter(config: model.config, rank: 2, alpha: 4, targets: [.wq, .wv, .wDown], seed: 3)
        model.adapters = [adapter]
        #expect(try model.logits(tokens) == base)
        adapter.b(.wv, layer: 1)[0] = 0.5
        #expect(try model.logits(tokens) != base)
        let rs = try LoRAAdapter(config: model.config, rank: 4, alpha: 8, targets: [.wq], useRSLoRA: true)
        #expect(rs.scale == 4)
    }

    @Test("greedy generation equals repeated argmax of full forwards and stops at EOS")
    func greedyMatchesForward() throws {
        let model = randomModel()
        let prompt = [4, 9, 2]
        let result = try model.generate(prompt: prompt, options: .init(maxNewTokens: 6, stopTokenIds: []))
        var context = prompt
        for _ in 0..<6 {
            let logits = try model.logits([context])
            let V = model.config.vocabSize
            context.append(logits[((context.count - 1) * V)...].withUnsafeBufferPointer { argmax($0.baseAddress!, V) })
        }
        #expect(result.tokens == Array(context[prompt.count...]))
        #expect(result.stopReason == .length)
        // Make the first generated token the stop token: generation ends at once.
        let stopped = try model.generate(prompt: prompt, options: .init(maxNewTokens: 6, stopTokenIds: [result.tokens[0]]))
        #expect(stopped.tokens.isEmpty && stopped.stopReason == .eos)
    }

    @Test("sampling is reproducible with a seed, top-k 1 is greedy, and stop strings cut the text")
    func sampling() throws {
        let model = randomModel()
        let decode: ([Int]) -> String = { $0.map { "<\($0)>" }.joined() }
        let options = GenerationOptions(maxNewTokens: 8, sampling: .init(temperature: 1.0, topK: 10, topP: 0.9, seed: 7),
                                        stopTokenIds: [])
        let a = try model.generate(prompt: [1, 2], options: options, decode: decode)
        let b = try model.generate(prompt: [1, 2], options: options, decode: decode)
        #expect(a == b.with(seconds: a))
        let greedy = try model.generate(prompt: [1, 2], options: .init(maxNewTokens: 8, stopTokenIds: []))
        let topK1 = try model.generate(prompt: [1, 2], options: .init(maxNewTokens: 8, sampling: .init(temperature: 2, topK: 1), stopTokenIds: []))
        #expect(greedy.tokens == topK1.tokens)
        // Stop at the text of the third token: the text ends before it.
        let third = "<\(greedy.tokens[2])>"
        var streamed = ""
        let cut = try model.generate(prompt: [1, 2], options: .init(maxNewTokens: 8, stopTokenIds: [], stopStrings: [third]),
                                     decode: decode, onText: { streamed += $0; return true })
        #expect(cut.stopReason == .stopString)
        #expect(!cut.text.contains(third) && cut.text == String(decode(greedy.tokens).components(separatedBy: third)[0]))
        #expect(streamed == cut.text)
    }

    @Test("generation stops when the context is full, and a prompt longer than the context is refused")
    func contextLimit() throws {
        let model = randomModel()  // 64 positions
        let result = try model.generate(prompt: Array(repeating: 3, count: 60),
                                        options: .init(maxNewTokens: 1000, stopTokenIds: []))
        #expect(result.tokens.count == 5 && result.stopReason == .length)
        #expect(throws: LlamaError.self) {
            try model.generate(prompt: Array(repeating: 3, count: 1 << 16), options: .init(maxNewTokens: 1))
        }
    }

    @Test("repetition penalty follows transformers: positive logits divided, negative multiplied")
    func repetitionPenalty() {
        var logits: [Float] = [2, -2, 1, 4]
        applyRepetitionPenalty(&logits, 4, context: [0, 1, 1], penalty: 2)
        #expect(logits == [1, -4, 1, 4])
    }
}

private extension GenerationResult {
    /// This result with another's timings (timings differ run to run).
    func with(seconds other: GenerationResult) -> GenerationResult {
        var r = self
        r.promptSeconds = other.promptSeconds
        r.generationSeconds = other.generationSeconds
        return r
    }
}
