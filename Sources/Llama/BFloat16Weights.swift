// The frozen base of LoRA training kept in bfloat16 (`precision: bf16`): every linear layer and
// the LM head, half the bytes of float32, multiplied by the bfloat16 kernels (float32 sums; twice
// float32's rate on CPUs with AVX512_BF16, see Tensor's MatmulBF16.swift). A tied embedding is
// looked up in the bfloat16 head (one table, not two); norms, biases and an untied embedding stay
// float32, as do the adapters and everything that trains.

import Tensor

/// bfloat16 copies of a model's linear layers and LM head.
public final class BFloat16Weights: @unchecked Sendable {
    /// The linear layer kinds kept (every one the model has).
    public static let kinds: [LlamaTensor] = [.wq, .wk, .wv, .wo, .wGate, .wUp, .wDown]

    /// Per kind, one matrix per layer.
    public let layers: [LlamaTensor: [BFloat16Matrix]]
    /// The LM head (the embedding's values when tied).
    public let output: BFloat16Matrix

    /// Rounds the model's weights as it keeps them: float32, or the quantized blocks of a layer
    /// it has no float32 copy of.
    public init(_ model: LlamaModel) {
        let c = model.config, p = model.parameters
        var layers: [LlamaTensor: [BFloat16Matrix]] = [:]
        for t in Self.kinds {
            let shape = t.shape(c)
            layers[t] = (0..<c.layerCount).map { l in
                if p.omitted.contains(t), let q = model.quantized?.matrix(t, layer: l) {
                    return BFloat16Matrix(q)
                }
                return BFloat16Matrix(rows: shape[0], columns: shape[1], from: p.pointer(t, layer: l))
            }
        }
        self.layers = layers
        output = BFloat16Matrix(rows: c.vocabSize, columns: c.hiddenSize, from: p.outputWeights)
    }

    /// The matrix of `tensor` in `layer`.
    @inline(__always)
    public func matrix(_ tensor: LlamaTensor, layer: Int) -> BFloat16Matrix? { layers[tensor]?[layer] }

    /// Bytes held.
    public var byteCount: Int {
        layers.values.joined().reduce(output.byteCount) { $0 + $1.byteCount }
    }
}

extension LlamaModel {
    /// A model whose linear layers and LM head exist only in bfloat16 (`bfloat16`), their float32
    /// copies (and quantized blocks) dropped: for LoRA training with `precision: bf16`, at about
    /// half the base's float32 bytes. Adapters are shared with this model.
    public func withLinearWeightsInBFloat16() -> LlamaModel {
        let bf16 = bfloat16 ?? BFloat16Weights(self)
        let head: LlamaTensor = config.tieWordEmbeddings ? .embed : .lmHead
        let kept = LlamaParameters(config: config, omitting: Set(BFloat16Weights.kinds + [head]))
        for t in LlamaTensor.allCases where t.exists(in: config) && !kept.omitted.contains(t) {
            kept.pointer(t).update(from: parameters.pointer(t), count: kept.sizes[t.rawValue])
        }
        let model = LlamaModel(parameters: kept, adapters: adapters)
        model.bfloat16 = bf16
        return model
    }
}
