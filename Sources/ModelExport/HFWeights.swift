// The float32 tensors of a Hugging Face checkpoint, one at a time, from a loaded model:
// linear layers kept only quantized are dequantized, and every LoRA adapter on the model is
// merged in (W + scale · B·A), so the checkpoint computes what the model computes.
//
// Legend: OUT, IN the rows and columns of a linear weight, r an adapter's rank.

import Foundation
import Llama
import Tensor

/// Hugging Face names, shapes and float32 bytes of a model's weights, in transformers' order.
struct HFWeights {
    let model: LlamaModel

    /// Every tensor instance, in the order transformers' state dict lists them: the embedding;
    /// per layer q, k, v, o (biases after their weights), gate, up, down and the two norms;
    /// the final norm; the LM head.
    static func order(_ config: LlamaConfig) -> [(tensor: LlamaTensor, layer: Int)] {
        let perLayer: [LlamaTensor] = [.wq, .bq, .wk, .bk, .wv, .bv, .wo, .wGate, .wUp, .wDown, .attnNorm, .ffnNorm]
        var out: [(LlamaTensor, Int)] = [(.embed, 0)]
        for l in 0..<config.layerCount {
            for t in perLayer where t.exists(in: config) { out.append((t, l)) }
        }
        out.append((.finalNorm, 0))
        if LlamaTensor.lmHead.exists(in: config) { out.append((.lmHead, 0)) }
        return out
    }

    /// Checks that every adapter fits the model before anything is written.
    func validate() throws {
        let c = model.config
        for adapter in model.adapters {
            let a = adapter.config
            guard a.layerCount == c.layerCount, a.hiddenSize == c.hiddenSize, a.qDim == c.qDim,
                  a.kvDim == c.kvDim, a.intermediateSize == c.intermediateSize else {
                throw HFExportError.adapterMismatch(
                    "made for \(a.layerCount) layers of width \(a.hiddenSize) (FFN \(a.intermediateSize)), "
                    + "the model has \(c.layerCount) of width \(c.hiddenSize) (FFN \(c.intermediateSize))")
            }
        }
        for t in model.parameters.omitted {
            for l in 0..<c.layerCount where model.quantized?.matrix(t, layer: l) == nil {
                throw HFExportError.missingWeights(tensor: t.huggingFaceName(layer: l))
            }
        }
    }

    /// The tensor's values (OUT, IN) or (C), float32 little-endian, adapters merged.
    func data(_ t: LlamaTensor, layer l: Int) throws -> Data {
        let shape = t.shape(model.config)
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        try values.withUnsafeMutableBufferPointer { buffer in
            let w = buffer.baseAddress!
            if model.parameters.omitted.contains(t) {
                guard let q = model.quantized?.matrix(t, layer: l) else {
                    throw HFExportError.missingWeights(tensor: t.huggingFaceName(layer: l))
                }
                q.dequantize(into: w)
            } else {
                w.update(from: model.parameters.pointer(t, layer: l), count: n)
            }
            for adapter in model.adapters { adapter.addUpdate(of: t, layer: l, into: w) }
        }
        return values.withUnsafeBytes { Data($0) }
    }
}
