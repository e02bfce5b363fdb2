import Llama
import Tensor

/// Loss and LoRA gradients of the tiny reference batch for `model`, with a seeded rank-4 adapter on
/// every projection (its B random, so every gradient is non-zero).
func tinyLoRAGradients(_ model: LlamaModel, quantizedBase: Bool = false, compactMLP: Bool = false,
                       checkpointing: Bool = false) throws -> (Float, [Float]) {
    let ref = try TinyTraining()
    let adapter = try LoRAAdapter(config: model.config, rank: 4, alpha: 8,
                                  targets: [.wq, .wk, .wv, .wo, .wGate, .wUp, .wDown], seed: 3)
    var rng = Xoshiro256(seed: 9)
    for t in adapter.targets {
        for l in 0..<model.config.layerCount { rng.fillNormal(adapter.b(t, layer: l), adapter.outputSize(t) * 4, std: 0.1) }
    }
    model.adapters = [adapter]
    let grads = try LlamaGradients(loraOf: adapter)
    let a = LlamaTrainingActivations(config: model.config, B: ref.B, T: ref.T, loraRank: 4, loraTargets: 7,
                                     checkpointing: checkpointing, quantizedBase: quantizedBase,
                                     compactMLP: compactMLP)
    let kept = ref.labels.enumerated().filter { $0.offset % ref.T != 0 && $0.element != -100 }.count
    let (sum, n) = try model.trainingForward(tokens: ref.tokens, labels: ref.labels, mask: nil, B: ref.B, T: ref.T,
                                             activations: a, backwardScale: 1 / Float(kept))
    model.backward(tokens: ref.tokens, mask: nil, B: ref.B, T: ref.T, activations: a, gradients: grads)
    return (Float(sum / Double(n)), Array(grads.buffer))
}
