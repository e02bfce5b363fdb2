// Weighting and concatenating LoRA adapters, as PEFT's add_weighted_adapter does with "cat":
// Σ wᵢ·sᵢ·Bᵢ·Aᵢ = [w₁s₁B₁ … wₙsₙBₙ] · [A₁; …; Aₙ] / s,
// one adapter of rank Σ rᵢ and scale s = 1.

import Foundation

extension LoRAAdapter {
    /// Multiplies the adapter's update by `weight` (every B matrix; A is left as it is).
    public func scaleUpdate(by weight: Float) {
        guard weight != 1 else { return }
        for t in targets {
            for l in 0..<config.layerCount {
                let b = b(t, layer: l)
                for i in 0..<(outputSize(t) * rank) { b[i] *= weight }
            }
        }
    }

    /// One adapter whose update is Σ wᵢ·(update of adapterᵢ): rank the sum of the ranks, alpha equal
    /// to that rank (scale 1), targets the union of the targets. All must be made for one model shape.
    public static func concatenating(_ adapters: [LoRAAdapter], weights: [Float]) throws -> LoRAAdapter {
        guard let first = adapters.first, adapters.count == weights.count else {
            throw LlamaError.invalidInput(
                "concatenating needs one weight per adapter (\(adapters.count) adapters, \(weights.count) weights)")
        }
        for adapter in adapters where adapter.config.layerCount != first.config.layerCount
            || adapter.config.hiddenSize != first.config.hiddenSize || adapter.config.kvDim != first.config.kvDim
            || adapter.config.intermediateSize != first.config.intermediateSize
        {
            throw LlamaError.invalidAdapter(
                path: "(in memory)", reason: "adapters made for different model shapes cannot be combined")
        }
        let rank = adapters.reduce(0) { $0 + $1.rank }
        let targets = Array(Set(adapters.flatMap(\.targets))).sorted { $0.rawValue < $1.rawValue }
        let combined = try LoRAAdapter(config: first.config, rank: rank, alpha: Float(rank), targets: targets)
        var offset = 0
        for (adapter, weight) in zip(adapters, weights) {
            let factor = weight * adapter.scale
            for t in adapter.targets {
                let IN = adapter.inputSize(t), OUT = adapter.outputSize(t)
                for l in 0..<first.config.layerCount {
                    // A rows offset..<offset+r of the combined (R, IN); B columns offset..<offset+r of (OUT, R).
                    let a = adapter.a(t, layer: l), b = adapter.b(t, layer: l)
                    let ca = combined.a(t, layer: l), cb = combined.b(t, layer: l)
                    (ca + offset * IN).update(from: a, count: adapter.rank * IN)
                    for o in 0..<OUT {
                        for j in 0..<adapter.rank { cb[o * rank + offset + j] = factor * b[o * adapter.rank + j] }
                    }
                }
            }
            offset += adapter.rank
        }
        return combined
    }
}
