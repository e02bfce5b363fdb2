// Folding LoRA adapters into the weights they adapt: W (OUT, IN) += scale · B (OUT, r) · A (r, IN).
// A merged model computes what the model with its adapters computes (up to float sums), without them.

import Tensor

extension LoRAAdapter {
    /// Adds this adapter's update of `target` in `layer` to a weight matrix (nothing when it does not adapt it).
    ///
    ///     w (OUT, IN) += scale · B (OUT, r) · A (r, IN)
    public func addUpdate(of target: LlamaTensor, layer: Int, into w: UnsafeMutablePointer<Float>) {
        guard adapts(target) else { return }
        let OUT = outputSize(target), IN = inputSize(target)
        sgemm(transposeA: false, transposeB: false, OUT, IN, rank, alpha: scale,
              b(target, layer: layer), lda: rank, a(target, layer: layer), ldb: IN, beta: 1, w, ldc: IN)
    }
}

extension LlamaModel {
    /// Folds every adapter into the float32 weights and removes the adapters.
    ///
    /// Quantized copies of the linear layers (`quantized`, used for decoding) would still hold the
    /// unmerged weights, so they are dropped: the merged model decodes from its float32 weights.
    /// Throws when an adapted layer exists only quantized (`parameters.omitted`): there is no float
    /// weight to add to.
    public func mergeAdapters() throws {
        guard !adapters.isEmpty else { return }
        for adapter in adapters {
            guard adapter.config.layerCount == config.layerCount, adapter.config.hiddenSize == config.hiddenSize,
                  adapter.config.qDim == config.qDim, adapter.config.kvDim == config.kvDim,
                  adapter.config.intermediateSize == config.intermediateSize else {
                throw LlamaError.invalidAdapter(path: "(in memory)",
                    reason: "the adapter was made for another model shape; it cannot be merged")
            }
            if let kept = adapter.targets.first(where: { parameters.omitted.contains($0) }) {
                throw LlamaError.invalidInput("cannot merge an adapter into \(kept): "
                    + "the model keeps that layer only quantized; "
                    + "load it with float weights (floatLinearWeights: true) to merge")
            }
        }
        for adapter in adapters {
            for t in adapter.targets {
                for l in 0..<config.layerCount {
                    adapter.addUpdate(of: t, layer: l, into: parameters.pointer(t, layer: l))
                }
            }
        }
        adapters = []
        quantized = nil
    }
}
